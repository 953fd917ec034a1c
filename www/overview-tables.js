// The "Cohort" tab's content (issue 20: loaded by www/overview.js the first time the tab is
// shown, not with the page): Table 1 by the current group (from the report's `table1` block),
// the columns' cards (type, missing, distinct, a histogram drawn by the engine), the missingness
// map (computed by the engine: rows the analysis loses, named by column) and follow-up (reverse
// Kaplan-Meier), events and events per covariate. The table stays inside wasm; this module only
// shows summaries.

import { fmtTime, fmtP } from './format.js';
import { disclosureK } from './disclosure.js';
import { el } from './dom.js';

// ---------- helpers ----------


const TEST_NAMES = {
  wilcoxon: 'Wilcoxon rank-sum test', kruskal: 'Kruskal–Wallis test',
  chisq: "Pearson's chi-squared test", fisher: "Fisher's exact test",
};

/** Decimals of a numeric row: one, or two significant digits of an SD below 1 (as the exports). */
function decimalsFor(row) {
  const sd = Math.max(0, ...row.groups.map(g => g.sd ?? 0));
  return sd > 0 && sd < 1 ? Math.min(6, Math.max(1, 1 - Math.floor(Math.log10(sd)))) : 1;
}

function num(x, d) {
  if (x == null || !Number.isFinite(x)) return '—';
  const s = x.toFixed(d);
  return /^-0(\.0*)?$/.test(s) ? s.slice(1) : s;
}

/** P as the page prints it (two significant digits, <0.001), without the "P =". */
function pText(p) {
  return fmtP(p).replace(/^P (= )?/, '');
}

function timeColumns(spec) {
  if (!spec?.time) return [];
  if (typeof spec.time === 'string') return [spec.time];
  if (typeof spec.time.column === 'string') return [spec.time.column];
  return [spec.time.start, ...[].concat(spec.time.end || [])];
}

// ---------- state ----------

let ctx = null;          // {state, runSpec, runSpecInner, serial, download, stem}
let shown = () => '';    // which tab is shown (www/overview.js)
let meanFirst = true;    // numeric rows: mean (SD) before median [IQR]
let cardsKey = '';       // schema + categorical list the cards were drawn for

/** The page's hooks and the tab's view (a function: 'survival' or 'cohort'), from www/overview.js. */
export function initTables(hooks, view) {
  ctx = hooks;
  shown = view;
}

/** A new file: the cards are drawn again. */
export function forget() {
  cardsKey = '';
}

/** Numeric rows: mean (SD) first, or median [IQR] first. */
export function setOrder(mean) {
  meanFirst = mean;
  renderTable1();
}

/** Columns Table 1 offers: not identifiers or dates, not the time, outcome or group columns. */
function candidates(schema, spec) {
  const skip = new Set([...timeColumns(spec), spec?.event?.column, ...[].concat(spec?.group || [])].filter(Boolean));
  return schema.columns.filter(c => c.kind !== 'identifier' && c.kind !== 'date' && !skip.has(c.name)).map(c => c.name);
}

/** Default Table 1: the candidates, leaving out constant columns and categorical columns with many
 * levels (free text), at most 25 rows (the chooser offers the rest). */
const DEFAULT_MAX_LEVELS = 20;
const DEFAULT_MAX_ROWS = 25;
function defaultTable1(schema, spec) {
  const byName = new Map(schema.columns.map(c => [c.name, c]));
  return candidates(schema, spec)
    .filter(n => byName.get(n).distinct > 1 && !(isCategorical(byName.get(n), spec) && byName.get(n).distinct > DEFAULT_MAX_LEVELS))
    .slice(0, DEFAULT_MAX_ROWS);
}

function isCategorical(col, spec) {
  if (col.kind === 'categorical' || (spec?.categorical || []).includes(col.name)) return true;
  if ((spec?.numeric || []).includes(col.name)) return false;
  // Table 1 shows a few integer codes (sex 1/2, ECOG 0–4) as categories: as the engine decided.
  const row = ctx?.state.report?.table1?.find(r => r.variable === col.name);
  return row ? row.type === 'categorical' : isCodeColumn(col);
}

/** At most 5 distinct whole numbers (the engine's stats::table1::is_code_column, on all rows). */
function isCodeColumn(col) {
  if (col.kind !== 'numeric') return false;
  // Site codes by name (the engine's stats::table1::is_site_code): whole numbers.
  if (/^(inst|institution|site|center|centre|hospital)([._](id|code))?$/i.test(col.name) && col.min != null && Number.isInteger(col.min) && Number.isInteger(col.max)) return true;
  return !!col.levels && col.levels.length <= 5 && col.levels.every(l => /^-?\d+$/.test(l));
}

function needsTable1Fix(spec) {
  return !Array.isArray(spec.table1) || (!!spec.group && spec.table1.includes(spec.group));
}

/** Run a changed spec (from a control of this tab). */
function rerun(spec) {
  return ctx.runSpec(spec).catch(() => {});
}

/**
 * After every report: refresh the tab when it is shown (called inside the page's queue). While
 * the tab is shown, a spec without `table1` gets the default columns (and one without the group
 * column in it): the spec stays the one source of the table, so a share link reproduces it.
 */
export async function renderOverview() {
  const { state } = ctx;
  if (!state.schema || !state.spec) return;
  if (shown() !== 'cohort' || !state.report) return;
  // Table 1 needs its column list in the spec: default all candidates; never the group itself.
  const spec = state.spec;
  const cands = candidates(state.schema, spec);
  if (needsTable1Fix(spec)) {
    // Queued behind the current operation (not awaited: we are inside it), and decided when it
    // runs: by then another file or spec may be in place.
    ctx.serial(() => {
      const s = ctx.state.spec;
      if (shown() !== 'cohort' || !ctx.state.report || !ctx.state.schema || !needsTable1Fix(s)) return null;
      const table1 = Array.isArray(s.table1) ? s.table1.filter(c => ![].concat(s.group || []).includes(c)) : defaultTable1(ctx.state.schema, s);
      return ctx.runSpecInner({ ...s, table1 });
    }).catch(() => {});
  }
  renderTable1();
  renderChooser(cands);
  try {
    renderFollowup(await state.engine.followup(spec));
  } catch (e) {
    document.querySelector('#fu tbody').replaceChildren(el('tr', {}, el('td', { text: `Follow-up not available: ${e.message}` })));
  }
  try {
    renderMissing(await state.engine.missingness(spec));
  } catch (e) {
    document.querySelector('#miss-line').textContent = `Missingness not available: ${e.message}`;
  }
  await renderCards();
}

// ---------- Table 1 ----------

function renderTable1() {
  const r = ctx.state.report;
  const spec = ctx.state.spec;
  const rows = r?.table1 || [];
  const table = document.querySelector('#t1');
  document.querySelector('#t1-by').textContent = spec?.group ? `by ${spec.group}` : 'overall';
  document.querySelector('#t1-csv').disabled = document.querySelector('#t1-md').disabled = !rows.length;
  const thead = table.querySelector('thead');
  const tbody = table.querySelector('tbody');
  if (!rows.length) {
    thead.replaceChildren();
    tbody.replaceChildren(el('tr', {}, el('td', { class: 'muted', text: r?.table1 ? 'No columns chosen: tick some under “Columns…”.' : 'Computing…' })));
    document.querySelector('#t1-notes').replaceChildren();
    return;
  }
  const groups = rows[0].groups;
  const grouped = groups.some(g => g.group != null);
  const head = el('tr', {}, el('th', { scope: 'col', text: 'Characteristic' }),
    ...groups.map(g => {
      const th = el('th', { scope: 'col', class: 'num', 'data-group': g.group ?? '' });
      th.append(el('span', { text: g.group == null ? 'Overall' : (spec.group ? `${spec.group} = ${g.group}` : g.group) }), el('br'),
        el('span', { class: 'n', text: `N = ${g.n + g.missing}` }));
      return th;
    }),
    grouped ? el('th', { scope: 'col', class: 'num', text: 'p-value' }) : null);
  thead.replaceChildren(head);
  const tests = [];
  const mark = t => {
    if (!t) return '';
    if (!tests.includes(t)) tests.push(t);
    return String.fromCharCode(0x61 + tests.indexOf(t));
  };
  const body = [];
  const line = (cls, attrs, label, cells, p) => {
    const tr = el('tr', { class: cls, ...attrs });
    tr.append(el('th', { scope: 'row', text: label }));
    cells.forEach((c, i) => tr.append(el('td', { class: 'num', 'data-group': groups[i].group ?? '', text: c })));
    if (grouped) tr.append(p || el('td'));
    body.push(tr);
  };
  for (const row of rows) {
    const pCell = () => {
      const td = el('td', { class: 'num p' });
      if (row.p != null) {
        td.append(pText(row.p));
        if (row.test) td.append(el('sup', { text: mark(row.test), title: TEST_NAMES[row.test] || row.test }));
        td.dataset.test = row.test || '';
        td.dataset.p = String(row.p);
      }
      return td;
    };
    const anyMissing = row.groups.some(g => g.missing > 0);
    const name = row.label || row.variable;   // the spec's variable label, when given
    if (row.type === 'numeric') {
      const d = decimalsFor(row);
      const mean = ['mean', `${name}, mean (SD)`, row.groups.map(g => `${num(g.mean, d)} (${num(g.sd, d)})`)];
      const med = ['median', `${name}, median [IQR]`, row.groups.map(g => `${num(g.median, d)} [${num(g.q1, d)}, ${num(g.q3, d)}]`)];
      const [a, b] = meanFirst ? [mean, med] : [med, mean];
      line('var', { 'data-var': row.variable, 'data-stat': a[0] }, a[1], a[2], pCell());
      // The second statistic under the first, without repeating the name.
      line('var second', { 'data-var': row.variable, 'data-stat': b[0] }, b[1].slice(name.length + 2), b[2]);
    } else {
      line('var', { 'data-var': row.variable, 'data-stat': 'header' }, `${name}, n (%)`, groups.map(() => ''), pCell());
      const levels = (row.groups[0].levels || []).map(l => l.level);
      levels.forEach((level, li) => line('level', { 'data-var': row.variable, 'data-level': level }, level,
        row.groups.map(g => {
          const l = (g.levels || [])[li];
          return l ? `${l.count} (${num(l.percent, 1)})` : '—';
        })));
    }
    if (anyMissing) line('level missing', { 'data-var': row.variable, 'data-stat': 'missing' }, 'Missing', row.groups.map(g => String(g.missing)));
  }
  tbody.replaceChildren(...body);
  const notes = tests.map((t, i) => el('li', { text: `${String.fromCharCode(0x61 + i)} ${TEST_NAMES[t] || t}` }));
  notes.push(el('li', { text: 'Numeric: mean (SD) and median [interquartile range] of non-missing values; categorical: n (% of non-missing).' }));
  for (const row of rows) if (row.note) notes.push(el('li', { text: `${row.variable}: ${row.note}` }));
  document.querySelector('#t1-notes').replaceChildren(...notes);
}

/** Which columns appear and in which order: a checkbox and up/down buttons per column. */
function renderChooser(cands) {
  const spec = ctx.state.spec;
  const chosen = (Array.isArray(spec.table1) ? spec.table1 : cands).filter(c => cands.includes(c));
  const rest = cands.filter(c => !chosen.includes(c));
  const list = document.querySelector('#t1-col-list');
  const apply = next => rerun({ ...ctx.state.spec, table1: next });
  list.replaceChildren(...[...chosen, ...rest].map((name, i) => {
    const on = chosen.includes(name);
    const id = `t1c-${i}`;
    const box = el('input', { type: 'checkbox', id, checked: on, 'data-col': name });
    box.addEventListener('change', () => apply(box.checked ? [...chosen, name] : chosen.filter(c => c !== name)));
    const move = (dir, label, text) => {
      const j = chosen.indexOf(name);
      const b = el('button', { type: 'button', class: 'mini', 'aria-label': `${label} ${name}`, text, disabled: !on || j + dir < 0 || j + dir >= chosen.length });
      b.addEventListener('click', () => {
        const next = [...chosen];
        [next[j], next[j + dir]] = [next[j + dir], next[j]];
        apply(next);
      });
      return b;
    };
    return el('li', { class: on ? '' : 'off' }, box, el('label', { for: id, text: name }), move(-1, 'Move up', '↑'), move(1, 'Move down', '↓'));
  }));
}

export async function exportTable1(format) {
  try {
    // The core suppresses small cells and their complements (`cohort export --as table1-csv`).
    const kind = format === 'csv' ? 'table1-csv' : 'table1-md';
    const text = await ctx.serial(() => ctx.state.engine.exportKind(kind, disclosureK()));
    const [type, ext] = format === 'csv' ? ['text/csv', 'csv'] : ['text/markdown', 'md'];
    ctx.download(new Blob([text], { type: `${type};charset=utf-8` }), `${ctx.stem()}.table1.${ext}`);
  } catch (e) {
    document.querySelector('#t1-notes').prepend(el('li', { class: 'err', text: `Export failed: ${e.message}` }));
  }
}

// ---------- follow-up and events ----------

/** `groups`: the engine's reverse-KM follow-up per group, overall last. */
function renderFollowup(groups) {
  const r = ctx.state.report;
  const spec = ctx.state.spec;
  const unit = r.time_unit ? ` (${r.time_unit})` : '';
  const competing = r.competing_events != null;
  const thead = document.querySelector('#fu thead');
  thead.replaceChildren(el('tr', {}, el('th', { scope: 'col', text: spec.group || 'Cohort' }), el('th', { scope: 'col', class: 'num', text: 'n' }),
    el('th', { scope: 'col', class: 'num', text: `Events (${spec.event?.column}${spec.event?.event?.length ? ' = ' + spec.event.event.join(', ') : ''})` }),
    competing ? el('th', { scope: 'col', class: 'num', text: 'Competing events' }) : null,
    el('th', { scope: 'col', class: 'num', text: `Median follow-up${unit} (95% CI)` })));
  const fu = f => (f?.median == null ? 'not reached' : `${fmtTime(f.median)} (${f.lower == null ? 'NE' : fmtTime(f.lower)}–${f.upper == null ? 'NE' : fmtTime(f.upper)})`);
  const grouped = groups.length > 1;
  const rows = groups.map(g => el('tr', { class: grouped && g.group == null ? 'total' : null },
    el('th', { scope: 'row', text: g.group ?? (grouped ? 'Total' : 'All') }), el('td', { class: 'num', text: String(g.n) }),
    el('td', { class: 'num', text: String(g.events) }), competing ? el('td', { class: 'num', text: String(g.competing_events) }) : null,
    el('td', { class: 'num', 'data-followup': g.group ?? 'All', text: fu(g) })));
  document.querySelector('#fu tbody').replaceChildren(...rows);
  const epv = document.querySelector('#epv');
  const m = r.cox?.terms?.length ? r.cox : r.finegray?.terms?.length ? r.finegray : null;
  epv.classList.remove('low');
  if (m) {
    const events = m.events ?? r.events;
    const k = m.terms.length;
    const v = events / k;
    epv.textContent = `Events per covariate term in the model: ${events} events / ${k} ${k === 1 ? 'term' : 'terms'} = ${v.toFixed(1)}` +
      (v < 10 ? ' — below 10: the model may be overfitted; consider fewer covariates.' : '.');
    epv.classList.toggle('low', v < 10);
  } else {
    epv.textContent = `No regression model in this analysis (add covariates to fit one). With ${r.events} events, ${Math.floor(r.events / 10) === 0 ? 'no covariate term keeps 10 events per term' : `about ${Math.floor(r.events / 10)} covariate ${Math.floor(r.events / 10) === 1 ? 'term keeps' : 'terms keep'} at least 10 events per term`}.`;
  }
  epv.dataset.epv = m ? String((m.events ?? r.events) / m.terms.length) : '';
  document.querySelector('#fu').setAttribute('aria-label', 'Follow-up by reverse Kaplan-Meier and events');
}

// ---------- missingness ----------

function renderMissing(m) {
  const lineEl = document.querySelector('#miss-line');
  const parts = [];
  const used = m.rows_in_file - m.filtered_out;
  parts.push(`${m.lost} of ${used} rows${m.filtered_out ? ` (after filters removed ${m.filtered_out})` : ''} lack a value the analysis needs`);
  const named = m.model.filter(c => c.missing > 0).map(c => `${c.name} (${c.roles.join('/')}): ${c.missing} missing${c.only !== c.missing ? `, ${c.only} only this` : ''}`);
  lineEl.replaceChildren(parts.join(''), named.length ? ': ' + named.join('; ') + '.' : '.');
  if (m.model_lost != null) lineEl.append(el('br'), `Survival estimates lose ${m.survival_lost} rows, the regression model ${m.model_lost}.`);
  lineEl.dataset.lost = String(m.lost);
  // The map: one column per file column + the "excluded" lane.
  const canvas = document.querySelector('#miss-grid');
  const cols = m.columns.length + 1;
  const bins = m.pattern.bins;
  const dpr = Math.min(window.devicePixelRatio || 1, 3);
  const cw = Math.max(14, Math.min(48, Math.floor(640 / cols)));
  const top = 70, rowH = bins ? Math.max(1, Math.min(3, Math.floor(240 / bins))) : 1;
  const W = cols * cw + 70, H = top + bins * rowH + 4;
  canvas.style.width = W + 'px';
  canvas.style.height = H + 'px';
  canvas.width = Math.round(W * dpr);
  canvas.height = Math.round(H * dpr);
  const g = canvas.getContext('2d');
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, W, H);
  g.font = '11px Arial, Liberation Sans, Helvetica, sans-serif';
  const lanes = [...m.columns.map((c, i) => ({ name: c.name, cells: m.pattern.cells[i], color: [29, 39, 51], missing: c.missing })),
    { name: 'excluded', cells: m.pattern.lost, color: [201, 60, 60], missing: m.lost }];
  lanes.forEach((lane, i) => {
    const x = 4 + i * cw;
    g.save();
    g.translate(x + cw / 2 + 3, top - 6);
    g.rotate(-Math.PI / 4);
    g.fillStyle = lane.name === 'excluded' ? '#c93c3c' : '#1d2733';
    g.fillText(lane.name.length > 12 ? lane.name.slice(0, 11) + '…' : lane.name, 0, 0);
    g.restore();
    g.fillStyle = '#f0f3f7';
    g.fillRect(x + 1, top, cw - 2, bins * rowH);
    lane.cells.forEach((pct, b) => {
      if (!pct) return;
      g.fillStyle = `rgba(${lane.color.join(',')},${0.25 + 0.75 * pct / 100})`;
      g.fillRect(x + 1, top + b * rowH, cw - 2, rowH);
    });
  });
  canvas.setAttribute('aria-label', `Missing cells by column: ${lanes.map(l => `${l.name} ${l.missing}`).join(', ')}`);
}

// ---------- column cards ----------

async function renderCards() {
  const { state } = ctx;
  const spec = state.spec;
  const key = JSON.stringify([state.schema.name, state.schema.rows, state.schema.columns.map(c => [c.name, c.kind, c.missing]), spec.categorical || [], spec.numeric || [], (ctx.state.report?.table1 || []).map(r => r.type)]);
  if (key === cardsKey) return;
  cardsKey = key;
  const box = document.querySelector('#cards');
  const dpr = Math.min(window.devicePixelRatio || 1, 3);
  const cards = [];
  const draws = [];
  for (const c of state.schema.columns) {
    const cat = isCategorical(c, spec);
    const card = el('article', { class: 'card', 'data-col': c.name });
    const head = el('header', {}, el('h3', { text: c.name }));
    if (c.kind === 'identifier') head.append(el('span', { class: 'badge id', text: 'identifier', title: 'Unique or near-unique codes: not used as a variable' }));
    card.append(head);
    let typeCtl;
    if (c.kind === 'numeric') {
      typeCtl = el('select', { 'aria-label': `Type of ${c.name}`, 'data-type-of': c.name });
      typeCtl.append(el('option', { value: 'numeric', text: 'numeric', selected: !cat }), el('option', { value: 'categorical', text: 'categorical', selected: cat }));
      typeCtl.addEventListener('change', () => {
        const list = new Set(state.spec.categorical || []);
        const nums = new Set(state.spec.numeric || []);
        if (typeCtl.value === 'categorical') { list.add(c.name); nums.delete(c.name); } else {
          list.delete(c.name);
          if (isCodeColumn(c)) nums.add(c.name);   // else the codes default would keep it categorical
        }
        const next = { ...state.spec, categorical: [...list], numeric: [...nums] };
        if (!next.categorical.length) delete next.categorical;
        if (!next.numeric.length) delete next.numeric;
        rerun(next);
      });
    } else {
      typeCtl = el('span', { class: 'type', text: c.kind });
    }
    const missPct = state.schema.rows ? (100 * c.missing / state.schema.rows) : 0;
    card.append(el('dl', {},
      el('dt', { text: 'Type' }), el('dd', {}, typeCtl),
      el('dt', { text: 'Missing' }), el('dd', { class: c.missing ? 'has-missing' : '', text: `${c.missing}${c.missing ? ` (${missPct.toFixed(1)}%)` : ''}` }),
      el('dt', { text: 'Distinct' }), el('dd', { text: String(c.distinct) })));
    if (c.kind !== 'identifier') {
      const canvas = el('canvas', { class: 'hist', role: 'img', 'aria-label': `Distribution of ${c.name}` });
      const w = 224, h = 78;
      canvas.style.width = w + 'px';
      canvas.style.height = h + 'px';
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
      card.append(canvas);
      draws.push([canvas, c.name, cat]);
    }
    cards.push(card);
  }
  box.replaceChildren(...cards);
  for (const [canvas, name, cat] of draws) {
    try {
      const bars = await state.engine.drawColumn(canvas, name, cat, { font_scale: dpr });
      canvas.title = bars.map(b => `${b.label}: ${b.count}`).join('\n');
    } catch (e) {
      canvas.replaceWith(el('p', { class: 'muted small', text: e.message }));
    }
  }
}
