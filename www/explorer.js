// The interactive explorer: the model panel (covariates, categorical/numeric, reference levels,
// ties, univariable screen), subgroup filters as chips, the univariable → multivariable table,
// the proportional-hazards check, curve options (hidden groups, x range, tick spacing), small-cell
// disclosure control for exports, and the page's own "no network requests" record.
//
// Everything here edits the analysis spec (covariates, categorical, reference, ties, univariable,
// filters, view) and hands it to main.js, so the share link carries it. No DOM outside the boxes
// this module creates, except the summary rows it flags.

import { fmtP, fmtNum, fmtTime } from './format.js';
import { zphRefresh } from './zph.js';
import { disclosureK, setDisclosureK } from './disclosure.js';
import { $, el, put, setText } from './dom.js';


/** Set by `initExplorer`: {state, runSpec(spec), redraw(), showError(err, title)}. */
let ctx = null;
/** Whether a model change also screens every candidate one at a time (spec `univariable`). */
let screenWanted = true;

const ID_NAME = /^(id|ids|patient|patient[._ ]?id|pat[._ ]?id|pid|mrn|record|record[._ ]?id|subject|subject[._ ]?id|study[._ ]?id|case[._ ]?id)$|[._ ]id$/i;
const OPS = [['>=', '≥'], ['>', '>'], ['<=', '≤'], ['<', '<'], ['in', 'is one of'], ['not_in', 'is not one of']];
const OP_TEXT = Object.fromEntries(OPS.map(([k, v]) => [k, v]));

/**
 * Columns offered as covariates: every column except identifiers, dates, the time and outcome
 * columns (and the date columns of a follow-up span) and columns with a single value.
 */
export function covariateCandidates(schema, spec) {
  if (!schema) return [];
  const used = new Set();
  if (typeof spec?.time === 'string') used.add(spec.time);
  else if (typeof spec?.time?.column === 'string') used.add(spec.time.column);
  else if (spec?.time) { used.add(spec.time.start); for (const e of [].concat(spec.time.end || [])) used.add(e); }
  if (spec?.event?.column) used.add(spec.event.column);
  if (spec?.cluster) used.add(spec.cluster);
  return schema.columns.filter(c => !used.has(c.name) && c.kind !== 'identifier' && c.kind !== 'date'
    && !ID_NAME.test(c.name) && !(c.distinct != null && c.distinct < 2)
    // Row numbers (pandas' index, R's row names: the core's schema flags them) are no variable.
    && !c.row_number);
}

// The disclosure threshold lives in www/disclosure.js; re-exported for the modules that read it here.
export { disclosureK };

function specNow() { return ctx.state.spec; }

function clone(x) { return JSON.parse(JSON.stringify(x)); }

function run(spec) {
  ctx.runSpec(spec).catch(() => {});
}

// ---------- set-up ----------

/** Create the explorer's boxes and wire them; `c` = {state, runSpec, redraw, showError}. */
export function initExplorer(c) {
  ctx = c;
  // Side: the model panel and the subgroup filters, after the analysis settings.
  const model = el('section', { id: 'xp-model', 'aria-labelledby': 'xp-model-h', hidden: true },
    el('h2', { id: 'xp-model-h', text: 'Model' }),
    el('p', { class: 'muted small', text: 'Tick covariates for a Cox model; it is refitted at once.' }),
    el('table', { id: 'xp-covs', class: 'covs' },
      el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: 'Covariate' }), el('th', { scope: 'col', text: 'Type' }), el('th', { scope: 'col', text: 'Reference' }))),
      el('tbody')),
    el('div', { class: 'xp-row' },
      el('label', { for: 'xp-ties', text: 'Ties' }),
      el('select', { id: 'xp-ties' }, el('option', { value: 'efron', text: 'Efron' }), el('option', { value: 'breslow', text: 'Breslow' }))),
    el('div', { class: 'xp-row' },
      el('label', {}, el('input', { type: 'checkbox', id: 'xp-screen' }), ' Univariable screen of every candidate')),
    el('div', { class: 'xp-row' },
      el('button', { type: 'button', id: 'xp-add-sig', class: 'small-button', text: 'Add all with univariable p <' }),
      el('input', { id: 'xp-threshold', type: 'number', min: '0', max: '1', step: '0.01', value: '0.10', 'aria-label': 'Univariable p threshold', class: 'xp-num' })),
    el('div', { class: 'xp-row' }, el('button', { type: 'button', id: 'xp-clear', class: 'link', text: 'Clear the model' })));
  const filters = el('section', { id: 'xp-filters', 'aria-labelledby': 'xp-filters-h', hidden: true },
    el('h2', { id: 'xp-filters-h', text: 'Subgroup' }),
    el('ul', { id: 'xp-chips', class: 'chips', 'aria-label': 'Filters' }),
    el('p', { id: 'xp-filter-count', class: 'muted small', 'aria-live': 'polite' }),
    el('div', { class: 'xp-filter-form' },
      el('select', { id: 'xp-f-col', 'aria-label': 'Filter column' }),
      el('select', { id: 'xp-f-op', 'aria-label': 'Operator' }, ...OPS.map(([k, v]) => el('option', { value: k, text: v }))),
      el('input', { id: 'xp-f-val', type: 'text', 'aria-label': 'Value(s)', autocomplete: 'off', spellcheck: 'false' }),
      el('div', { id: 'xp-f-levels', class: 'xp-f-levels', role: 'group', 'aria-label': 'Values', hidden: true }),
      el('button', { type: 'button', id: 'xp-f-add', class: 'small-button', text: 'Add filter' })),
    el('p', { id: 'xp-f-hint', class: 'muted small' }));
  $('#spec-box').after(model, filters);

  // Figure: groups shown, x range, tick spacing.
  const curves = el('div', { id: 'xp-curves', class: 'xp-curves', role: 'group', 'aria-label': 'Curve options', hidden: true },
    el('span', { id: 'xp-groups', class: 'xp-groups' }),
    el('span', { id: 'xp-groups-note', class: 'muted small', 'aria-live': 'polite' }),
    el('label', {}, 'x max ', el('input', { id: 'xp-xmax', type: 'number', min: '0', step: 'any', class: 'xp-num', placeholder: 'auto' })),
    el('label', {}, 'ticks every ', el('input', { id: 'xp-break', type: 'number', min: '0', step: 'any', class: 'xp-num', placeholder: 'auto' })));
  $('.fig-head').after(curves);

  // Summary: disclosure control.
  const disc = el('div', { id: 'xp-disclosure', class: 'xp-disclosure small', hidden: true },
    el('label', {}, 'Disclosure control: flag and suppress counts below k = ',
      el('input', { id: 'xp-k', type: 'number', min: '1', step: '1', value: String(disclosureK()), class: 'xp-num' })),
    el('button', { type: 'button', id: 'xp-csv', class: 'small-button', text: 'Save tables (CSV)' }),
    el('span', { id: 'xp-small', class: 'xp-small' }));
  $('#summary').closest('.table-wrap').after(disc);

  // Results: univariable → multivariable table, PH check.
  const uni = el('section', { id: 'xp-uni', 'aria-labelledby': 'xp-uni-h', hidden: true },
    el('h2', { id: 'xp-uni-h', text: 'Univariable and multivariable Cox models' }),
    el('div', { class: 'table-wrap' }, el('table', { id: 'xp-uni-table', class: 'summary' },
      el('caption', { class: 'visually-hidden', text: 'Univariable and multivariable hazard ratios' }), el('thead'), el('tbody'))),
    el('p', { id: 'xp-uni-note', class: 'muted small' }));
  const ph = el('section', { id: 'xp-ph', 'aria-labelledby': 'xp-ph-h', hidden: true },
    el('h2', { id: 'xp-ph-h', text: 'Proportional-hazards check' }),
    el('div', { class: 'table-wrap' }, el('table', { id: 'xp-ph-table', class: 'summary' },
      el('caption', { class: 'visually-hidden', text: 'Scaled Schoenfeld residual tests' }), el('thead'), el('tbody'))),
    el('p', { class: 'muted small', text: 'Test of scaled Schoenfeld residuals against Kaplan-Meier-transformed time (R: cox.zph). Flagged rows: p < 0.05, the hazard ratio may change over time.' }));
  $('#model-box').after(uni, ph);

  wireExplorer();
}

// Long because: one event listener per control of the model panel, each short, registered together.
function wireExplorer() {
  $('#xp-covs').addEventListener('change', ev => {
    const t = ev.target;
    const tr = t.closest('tr[data-col]');
    if (!tr || !specNow()) return;
    const col = tr.dataset.col;
    const spec = clone(specNow());
    if (t.classList.contains('cov-tick')) {
      const ticked = new Set(spec.covariates || []);
      if (t.checked) ticked.add(col); else ticked.delete(col);
      setCovariates(spec, ticked);
    } else if (t.classList.contains('cov-kind')) {
      const cat = new Set(spec.categorical || []);
      if (t.value === 'categorical') cat.add(col); else { cat.delete(col); if (spec.reference) delete spec.reference[col]; }
      spec.categorical = [...cat];
      if (!spec.categorical.length) delete spec.categorical;
      withScreen(spec);
    } else if (t.classList.contains('cov-ref')) {
      spec.reference = { ...(spec.reference || {}) };
      if (t.value) spec.reference[col] = t.value; else delete spec.reference[col];
      withScreen(spec);
    } else return;
    tidy(spec);
    run(spec);
  });
  $('#xp-ties').addEventListener('change', e => {
    if (!specNow()) return;
    const spec = clone(specNow());
    if (e.target.value === 'breslow') spec.ties = 'breslow'; else delete spec.ties;
    run(spec);
  });
  $('#xp-screen').addEventListener('change', e => {
    screenWanted = e.target.checked;
    if (!specNow()) return;
    const spec = clone(specNow());
    withScreen(spec, true);
    tidy(spec);
    run(spec);
  });
  $('#xp-add-sig').addEventListener('click', () => {
    const r = ctx.state.report;
    if (!specNow()) return;
    const th = Number($('#xp-threshold').value);
    if (!(th > 0 && th <= 1)) { ctx.showError(new Error('the univariable p threshold must be a number between 0 and 1'), 'Check the threshold'); return; }
    const spec = clone(specNow());
    if (!r?.univariable?.length) {
      // No screen yet: run it first, then the user can press again.
      screenWanted = true;
      withScreen(spec, true);
      tidy(spec);
      // Then add from its results (once: no loop when every screen model failed).
      ctx.runSpec(spec).then(rep => { if (rep?.univariable?.length) $('#xp-add-sig').click(); }).catch(() => {});
      return;
    }
    const ticked = new Set(spec.covariates || []);
    for (const u of r.univariable) if (screenP(u) != null && screenP(u) < th) ticked.add(u.covariate);
    setCovariates(spec, ticked);
    tidy(spec);
    run(spec);
  });
  $('#xp-clear').addEventListener('click', () => {
    if (!specNow()) return;
    const spec = clone(specNow());
    delete spec.covariates; delete spec.univariable; delete spec.reference; delete spec.categorical;
    run(spec);
  });
  // Filters.
  const hint = () => {
    const col = ctx.state.schema?.columns.find(c => c.name === $('#xp-f-col').value);
    const op = $('#xp-f-op').value;
    const listy = op === 'in' || op === 'not_in';
    $('#xp-f-val').placeholder = listy ? 'values, comma-separated' : 'number';
    // A column with few values: tick them instead of typing.
    const boxes = listy && col?.levels && col.levels.length <= 30;
    const lv = $('#xp-f-levels');
    lv.hidden = !boxes;
    $('#xp-f-val').hidden = !!boxes;
    lv.replaceChildren(...(boxes ? col.levels.map(l => el('label', {}, el('input', { type: 'checkbox', value: l }), ' ' + l)) : []));
    if (boxes) { $('#xp-f-hint').textContent = `Tick the values of ${col.name} to ${op === 'in' ? 'keep' : 'leave out'}.`; return; }
    $('#xp-f-hint').textContent = !col ? '' : col.levels ? `Values of ${col.name}: ${col.levels.slice(0, 12).join(', ')}${col.levels.length > 12 ? ', …' : ''}`
      : col.min != null ? `${col.name}: ${fmtTime(col.min)} to ${fmtTime(col.max)}` : '';
  };
  $('#xp-f-col').addEventListener('change', () => {
    const col = ctx.state.schema?.columns.find(c => c.name === $('#xp-f-col').value);
    $('#xp-f-op').value = col && col.kind !== 'numeric' ? 'in' : '>=';
    hint();
  });
  $('#xp-f-op').addEventListener('change', hint);
  const add = () => {
    if (!specNow()) return;
    const column = $('#xp-f-col').value;
    const op = $('#xp-f-op').value;
    const text = $('#xp-f-val').value.trim();
    let f;
    if (op === 'in' || op === 'not_in') {
      const values = $('#xp-f-levels').hidden ? text.split(',').map(s => s.trim()).filter(Boolean)
        : [...document.querySelectorAll('#xp-f-levels input:checked')].map(i => i.value);
      if (!values.length) { ctx.showError(new Error(`choose the value(s) of '${column}' to keep or leave out`), 'Check the filter'); return; }
      f = { column, op, values };
    } else {
      const value = Number(text.replace(',', '.'));
      if (text === '' || !Number.isFinite(value)) { ctx.showError(new Error(`"${text}" is not a number: a filter '${column} ${OP_TEXT[op]} …' needs one`), 'Check the filter'); return; }
      f = { column, op, value };
    }
    const spec = clone(specNow());
    spec.filters = [...(spec.filters || []), f];
    $('#xp-f-val').value = '';
    for (const i of document.querySelectorAll('#xp-f-levels input:checked')) i.checked = false;
    run(spec);
  };
  $('#xp-f-add').addEventListener('click', add);
  $('#xp-f-val').addEventListener('keydown', e => { if (e.key === 'Enter') { e.preventDefault(); add(); } });
  $('#xp-chips').addEventListener('click', e => {
    const b = e.target.closest('button[data-index]');
    if (!b || !specNow()) return;
    const spec = clone(specNow());
    spec.filters = (spec.filters || []).filter((_, i) => i !== Number(b.dataset.index));
    if (!spec.filters.length) delete spec.filters;
    run(spec);
  });
  // Curves: view options only (no refit). The checkboxes are the keyboard's (and screen
  // reader's) way to what a click on a legend entry of the figure does (toggleGroup).
  $('#xp-groups').addEventListener('change', e => {
    if (!e.target.matches('input[data-group]') || !specNow()) return;
    const hidden = [...document.querySelectorAll('#xp-groups input[data-group]')].filter(i => !i.checked).map(i => i.dataset.group);
    if (hidden.length && hidden.length === document.querySelectorAll('#xp-groups input[data-group]').length) {
      e.target.checked = true;
      $('#xp-groups-note').textContent = 'At least one group stays shown.';
      return; // keep at least one curve
    }
    $('#xp-groups-note').textContent = '';
    setView({ hidden_groups: hidden.length ? hidden : undefined });
  });
  const numView = (id, key) => $(id).addEventListener('change', e => {
    const t = e.target.value.trim();
    const v = Number(t);
    if (t === '') { e.target.removeAttribute('aria-invalid'); setView({ [key]: undefined }); return; }
    if (!(Number.isFinite(v) && v > 0)) { e.target.setAttribute('aria-invalid', 'true'); return; }
    e.target.removeAttribute('aria-invalid');
    setView({ [key]: v });
  });
  numView('#xp-xmax', 'x_max');
  numView('#xp-break', 'break_by');
  // Disclosure.
  $('#xp-k').addEventListener('change', e => {
    const k = Math.round(Number(e.target.value));
    if (!setDisclosureK(k)) { e.target.value = String(disclosureK()); return; }
    if (ctx.state.report) renderDisclosure(ctx.state.report);
  });
  $('#xp-csv').addEventListener('click', async () => {
    if (!ctx.state.report) return;
    try {
      ctx.checkExport?.();
      // The core writes the tables through its disclosure module (`cohort export --as tables-csv`).
      const text = await ctx.state.engine.exportKind('tables-csv', disclosureK());
      ctx.download(new Blob([text], { type: 'text/csv' }), ctx.stem() + '.tables.csv');
    } catch (e) { ctx.showError(e, 'The tables were not saved'); }
  });
}

/**
 * Show or hide one group's curves (a click on its legend entry in the figure): the same as its
 * "Show" checkbox, which follows. The last shown group cannot be hidden.
 */
export function toggleGroup(group) {
  const box = [...document.querySelectorAll('#xp-groups input[data-group]')].find(i => i.dataset.group === group);
  if (!box || !specNow()) return false;
  box.checked = !box.checked;
  box.dispatchEvent(new Event('change', { bubbles: true }));
  return true;
}

/** Set the ticked covariates (in column order) and the univariable screen. */
function setCovariates(spec, ticked) {
  const order = covariateCandidates(ctx.state.schema, spec).map(c => c.name);
  const list = [...order.filter(n => ticked.has(n)), ...[...ticked].filter(n => !order.includes(n))];
  if (list.length) spec.covariates = list; else delete spec.covariates;
  withScreen(spec);
}

/** The screen follows the checkbox: every candidate when wanted (and a model is in use). */
function withScreen(spec, force = false) {
  const inUse = (spec.covariates || []).length > 0 || (spec.univariable || []).length > 0 || force;
  if (screenWanted && inUse) spec.univariable = covariateCandidates(ctx.state.schema, spec).map(c => c.name);
  else delete spec.univariable;
}

function tidy(spec) {
  if (spec.univariable && !spec.univariable.length) delete spec.univariable;
  if (spec.reference && !Object.keys(spec.reference).length) delete spec.reference;
}

function setView(patch) {
  const view = { ...(specNow().view || {}) };
  for (const [k, v] of Object.entries(patch)) { if (v === undefined) delete view[k]; else view[k] = v; }
  ctx.state.spec = { ...specNow(), view };
  ctx.redraw();
}

/** The p value of a univariable model: its likelihood-ratio test (all the covariate's terms). */
function screenP(u) {
  if (u.lr_test?.p != null) return u.lr_test.p;
  return u.terms?.length === 1 ? u.terms[0].p : null;
}

// ---------- controls from the spec ----------

/** The side panels from the spec (called whenever the spec changes). */
export function renderExplorerControls() {
  const s = ctx.state.schema;
  const spec = specNow();
  $('#xp-model').hidden = !s || !spec;
  $('#xp-filters').hidden = !s || !spec;
  if (!s || !spec) return;
  const covs = new Set(spec.covariates || []);
  const cat = new Set(spec.categorical || []);
  const ref = spec.reference || {};
  const cands = covariateCandidates(s, spec);
  // Covariates in the spec that are not offered (e.g. from a link): still listed, ticked.
  const extra = [...covs].filter(n => !cands.some(c => c.name === n)).map(n => s.columns.find(c => c.name === n) || { name: n, kind: 'numeric' });
  // A covariate ticked or unticked (the same rows, kinds and references): the ticks follow in
  // place instead of the table being rebuilt on every refit (issue 19: the toggle's frame).
  const rowsKey = JSON.stringify([[...cands, ...extra].map(c => c.name), [...cat], ref]);
  if (shownRows.schema === s && shownRows.key === rowsKey) {
    for (const tr of $('#xp-covs tbody').rows) {
      const on = covs.has(tr.dataset.col);
      tr.classList.toggle('on', on);
      const tick = tr.querySelector('input.cov-tick');
      if (tick && tick.checked !== on) tick.checked = on;
    }
    renderPanelRest(s, spec);
    return;
  }
  shownRows.schema = s;
  shownRows.key = rowsKey;
  $('#xp-covs tbody').replaceChildren(...[...cands, ...extra].map((c, i) => {
    const text = c.kind !== 'numeric';
    const isCat = text || cat.has(c.name);
    const id = `xp-cov-${i}`;
    const kind = el('select', { class: 'cov-kind', 'aria-label': `${c.name}: numeric or categorical`, disabled: text },
      el('option', { value: 'numeric', text: 'num' }),
      // A factor needs few levels: a column with more than 50 distinct values cannot be one.
      el('option', { value: 'categorical', text: 'factor', disabled: !text && !c.levels }));
    kind.value = isCat ? 'categorical' : 'numeric';
    kind.title = text ? 'text column: always categorical (a factor)' : 'numeric: one hazard ratio per unit; factor: one per level against the reference';
    let refCell;
    if (isCat && c.levels?.length) {
      const sel = el('select', { class: 'cov-ref', 'aria-label': `${c.name}: reference level` },
        ...c.levels.map((l, j) => el('option', { value: j === 0 ? '' : l, text: l })));
      sel.value = ref[c.name] && ref[c.name] !== c.levels[0] ? ref[c.name] : '';
      refCell = el('td', {}, sel);
    } else {
      refCell = el('td', { class: 'muted', text: isCat ? '(first)' : '' });
    }
    return el('tr', { 'data-col': c.name, class: covs.has(c.name) ? 'on' : '' },
      el('td', { title: c.name }, el('label', { for: id }, el('input', { type: 'checkbox', id, class: 'cov-tick', checked: covs.has(c.name) }), el('span', { text: c.name }))),
      el('td', {}, kind), refCell);
  }));
  renderPanelRest(s, spec);
}

/**
 * What the panels were last built for: the covariate table's schema and rows' key (see
 * renderExplorerControls) and the filter column list's schema.
 */
const shownRows = { schema: null, key: '', filterSchema: null };

/** The rest of the side panels from the spec: ties, screen, filters, the curves' options. */
function renderPanelRest(s, spec) {
  $('#xp-ties').value = spec.ties === 'breslow' ? 'breslow' : 'efron';
  $('#xp-screen').checked = (spec.univariable || []).length > 0 || (screenWanted && !(spec.covariates || []).length);
  // Filters.
  $('#xp-chips').replaceChildren(...(spec.filters || []).map((f, i) => {
    const what = f.op === 'in' || f.op === 'not_in' ? `${OP_TEXT[f.op]} ${[].concat(f.values || []).join(', ')}` : `${OP_TEXT[f.op] || f.op} ${f.value}`;
    return el('li', { class: 'chip' }, el('span', { text: `${f.column} ${what}` }),
      el('button', { type: 'button', 'data-index': String(i), 'aria-label': `Remove filter ${f.column} ${what}`, title: 'Remove', text: '×' }));
  }));
  // The filter's column list: the file's columns (built again for a new file only).
  if (shownRows.filterSchema !== s) {
    shownRows.filterSchema = s;
    const fsel = $('#xp-f-col');
    const prev = fsel.value;
    const fcols = s.columns.filter(c => c.kind !== 'identifier');
    fsel.replaceChildren(...fcols.map(c => el('option', { value: c.name, text: c.name })));
    if (fcols.some(c => c.name === prev)) fsel.value = prev;
    else {
      // Start on a column worth filtering on: not an identifier-like one.
      const first = fcols.find(c => !ID_NAME.test(c.name));
      if (first) fsel.value = first.name;
      fsel.dispatchEvent(new Event('change'));
    }
  }
  // Curves: the view's values.
  const view = spec.view || {};
  $('#xp-xmax').value = view.x_max != null ? String(view.x_max) : '';
  $('#xp-break').value = view.break_by != null ? String(view.break_by) : '';
}

// ---------- results ----------

/** Hide the result boxes (no report). */
export function clearExplorerResults() {
  for (const id of ['#xp-uni', '#xp-ph', '#xp-curves', '#xp-disclosure']) $(id).hidden = true;
  $('#xp-filter-count').textContent = '';
}

/** The result boxes from the current report. */
export function renderExplorerResults() {
  const r = ctx.state.report;
  if (!r) { clearExplorerResults(); return; }
  renderFilterCount(r);
  renderCurveOptions(r);
  renderUnivariable(r);
  renderPh(r);
  renderDisclosure(r);
}

function renderFilterCount(r) {
  const f = r.rows_filtered_out || 0;
  const n = (specNow().filters || []).length;
  setText($('#xp-filter-count'), n ? `${r.rows_in_file - f} of ${r.rows_in_file} rows kept; ${f} excluded by ${n === 1 ? 'this filter' : 'these filters'}.`
    : 'All rows. Add a filter to analyse a subgroup.');
}

function renderCurveOptions(r) {
  const groups = r.cuminc?.length ? [...new Set(r.cuminc.map(c => c.group).filter(g => g != null))] : (r.km || []).map(k => k.group).filter(g => g != null);
  const hidden = new Set(specNow().view?.hidden_groups || []);
  $('#xp-groups').replaceChildren(...(groups.length > 1 ? [el('span', { class: 'muted', text: 'Show: ' })] : []),
    ...(groups.length > 1 ? groups.map(g => el('label', {}, el('input', { type: 'checkbox', 'data-group': g, checked: !hidden.has(g) }), ' ' + g)) : []));
  $('#xp-curves').hidden = false;
}

/** Terms of a fit that belong to covariate `cov` (numeric: `cov`; categorical: `cov=level`). */
function termsOf(terms, cov) {
  return (terms || []).filter(t => t.name === cov || t.name.startsWith(cov + '='));
}

function hrText(t) {
  return t ? `${fmtNum(t.hr ?? t.shr)} (${fmtNum(t.lower)}–${fmtNum(t.upper)})` : '';
}
function pText(p) {
  return p == null ? '' : fmtP(p).replace(/^P (= )?/, '');
}

function renderUnivariable(r) {
  const spec = specNow();
  const uni = r.univariable || [];
  const cox = r.cox || null;
  const model = cox?.terms || r.finegray?.terms || [];
  const covs = [...uni.map(u => u.covariate), ...(spec.covariates || []).filter(c => !uni.some(u => u.covariate === c))];
  $('#xp-uni').hidden = uni.length === 0;
  if (!uni.length) return;
  const ratio = r.finegray && !r.cox ? 'SHR' : 'HR';
  put($('#xp-uni table thead'),
    el('tr', {}, el('th', { scope: 'col', rowspan: '2', text: 'Variable' }), el('th', { scope: 'colgroup', colspan: '2', text: 'Univariable' }), el('th', { scope: 'colgroup', colspan: '2', text: 'Multivariable' })),
    el('tr', {}, el('th', { scope: 'col', text: `${ratio} (95% CI)` }), el('th', { scope: 'col', text: 'P' }), el('th', { scope: 'col', text: `${ratio} (95% CI)` }), el('th', { scope: 'col', text: 'P' })));
  const th = Number($('#xp-threshold').value) || 0.1;
  const rows = [];
  for (const cov of covs) {
    const u = uni.find(x => x.covariate === cov);
    const inModel = (spec.covariates || []).includes(cov);
    const uTerms = u?.terms || [];
    const mTerms = inModel ? termsOf(model, cov) : [];
    const names = [...new Set([...uTerms.map(t => t.name), ...mTerms.map(t => t.name)])];
    const single = names.length === 1 && names[0] === cov;
    const p = u ? screenP(u) : null;
    const cls = (p != null && p < th ? 'sig ' : '') + (inModel ? 'in-model' : '');
    if (single || names.length === 0) {
      const ut = uTerms[0], mt = mTerms[0];
      rows.push(el('tr', { class: cls, 'data-covariate': cov }, el('th', { scope: 'row', text: cov + (u ? '' : ' (not screened)') + (!names.length && u ? ' (no term)' : '') }),
        el('td', { class: 'num', text: hrText(ut) }), el('td', { class: 'num uni-p', text: pText(ut?.p ?? p) }),
        el('td', { class: 'num', text: inModel ? hrText(mt) : '—' }), el('td', { class: 'num', text: inModel ? pText(mt?.p) : '' })));
      continue;
    }
    // Categorical: a heading row with the covariate's overall (likelihood-ratio) p, then one
    // row per level against the reference.
    const col = ctx.state.schema?.columns.find(c => c.name === cov);
    const refLevel = spec.reference?.[cov] || col?.levels?.find(l => !names.includes(`${cov}=${l}`));
    rows.push(el('tr', { class: 'group-row ' + cls, 'data-covariate': cov }, el('th', { scope: 'row', text: cov }),
      el('td'), el('td', { class: 'num uni-p', text: pText(p), title: 'likelihood-ratio test of all levels' }),
      el('td', { class: 'num', text: inModel ? '' : '—' }), el('td')));
    if (refLevel != null) {
      rows.push(el('tr', {}, el('th', { scope: 'row', class: 'indent', text: `${refLevel} (reference)` }),
        el('td', { class: 'num', text: '1.00' }), el('td'), el('td', { class: 'num', text: inModel ? '1.00' : '' }), el('td')));
    }
    for (const name of names) {
      const ut = uTerms.find(t => t.name === name), mt = mTerms.find(t => t.name === name);
      rows.push(el('tr', {}, el('th', { scope: 'row', class: 'indent', text: name.slice(cov.length + 1) }),
        el('td', { class: 'num', text: hrText(ut) }), el('td', { class: 'num', text: pText(ut?.p) }),
        el('td', { class: 'num', text: inModel ? hrText(mt) : '' }), el('td', { class: 'num', text: inModel ? pText(mt?.p) : '' })));
    }
  }
  put($('#xp-uni table tbody'), ...rows);
  const m = cox || r.finegray;
  setText($('#xp-uni-note'), `Univariable: one model per variable${uni[0] ? ` (n = ${uni.map(u => u.n).filter((v, i, a) => a.indexOf(v) === i).join('/')})` : ''}; P of a categorical variable from the likelihood-ratio test of all its levels. `
    + (m ? `Multivariable: ${(spec.covariates || []).join(' + ')} (n = ${m.n}${m.events != null ? `, ${m.events} events` : ''}).` : 'Tick covariates (or use “Add all with univariable p <”) for the multivariable model.')
    + ` Highlighted: univariable P < ${th}.`);
}

function renderPh(r) {
  const ph = r.cox?.ph_test;
  $('#xp-ph').hidden = !ph;
  if (!ph) { zphRefresh(r); return; }
  $('#xp-ph table thead').replaceChildren(el('tr', {}, el('th', { scope: 'col', text: 'Term' }), el('th', { scope: 'col', text: 'χ²' }),
    el('th', { scope: 'col', text: 'df' }), el('th', { scope: 'col', text: 'P' })));
  const row = (name, t, global) => el('tr', { class: (t.p != null && t.p < 0.05 ? 'ph-flag' : '') + (global ? ' ph-global' : '') },
    el('th', { scope: 'row', text: name }), el('td', { class: 'num', text: fmtNum(t.chisq) }), el('td', { class: 'num', text: fmtTime(t.df) }),
    el('td', { class: 'num', text: pText(t.p) + (t.p != null && t.p < 0.05 ? ' ⚠' : '') }));
  $('#xp-ph table tbody').replaceChildren(...ph.terms.map(t => row(t.name, t, false)), row('Global', ph.global, true));
  zphRefresh(r);
}

/** Groups with fewer than k rows: flagged in the summary and in the disclosure line. */
function renderDisclosure(r) {
  $('#xp-disclosure').hidden = false;
  const k = disclosureK();
  const small = [];
  const rows = [...document.querySelectorAll('#summary tbody tr')];
  (r.km || []).forEach((g, i) => {
    const isSmall = typeof g.n === 'string' || g.n < k;   // a string: suppressed upstream (a shared link's "<k")
    rows[i]?.classList.toggle('small-cell', isSmall);
    if (isSmall) small.push(`${g.group ?? 'All'} (n < ${k})`);
  });
  for (const row of r.table1 || []) {
    for (const g of row.groups) for (const l of g.levels || []) if (l.count > 0 && l.count < k) small.push(`${row.variable} = ${l.level}${g.group != null ? ` in ${g.group}` : ''}`);
  }
  setText($('#xp-small'), (small.length ? `⚠ Fewer than ${k} rows: ${small.slice(0, 8).join('; ')}${small.length > 8 ? `; … (${small.length} cells)` : ''}. Exports show these counts as “<${k}”.`
    : `No group or Table 1 cell has fewer than ${k} rows.`)
    // What every export does with the curves' tails, whatever the groups' sizes (src/disclosure.rs).
    + ` Exports draw the curves in steps of at least ${k} events and end them where fewer than ${k} remain at risk (number-at-risk cells below ${k} read “<${k}”; tick “apply to figure” to see it here).`);
  $('#xp-small').classList.toggle('warn-text', small.length > 0);
}

// ---------- privacy badge ----------

/**
 * "No network requests since load", from the page's own resource timing and its engine worker's
 * (which the worker sends over: see engine.js, `cohort:worker-requests`): any request to another
 * origin, or any request after the page became ready (`ready` resolved), is counted and named in
 * the badge's tooltip — except, after load, the page's own code at the exact addresses it noted
 * before fetching them (`ownFile`, www/dom.js: the workbook build, a restarted engine, a module
 * imported on first use), which carry nothing of the user's data: those are counted apart
 * ("No data sent since load"). Updated live by a PerformanceObserver.
 */
export function startPrivacyBadge(ready) {
  const host = document.querySelector('header .privacy');
  if (!host || typeof performance === 'undefined') return;
  const badge = el('span', { id: 'net-badge', class: 'net-badge', role: 'status', 'aria-live': 'polite', text: 'checking network use…' });
  host.after(badge);
  let readyAt = null;
  const flagged = [];
  const code = [];   // the page's own files fetched after load
  const loading = [];   // the files fetched while loading (true: by the engine worker)
  const seen = new Set();
  const consider = e => {
    if (seen.has(e)) return;
    seen.add(e);
    let u;
    try { u = new URL(e.name, location.href); } catch { return; }
    if (u.protocol === 'data:' || u.protocol === 'blob:') return;
    const foreign = u.origin !== location.origin;
    const late = readyAt != null && e.startTime > readyAt;
    if (late && !foreign && globalThis.cohortOwnFiles?.has(u.href)) code.push(u.pathname);
    else if (foreign || late) flagged.push(`${foreign ? 'other origin' : 'after load'}${e.worker ? ' (engine worker)' : ''}: ${e.name}`);
    else loading.push(!!e.worker);
  };
  const show = () => {
    if (readyAt == null) { badge.textContent = 'loading…'; return; }
    badge.classList.toggle('bad', flagged.length > 0);
    const n = code.length, files = `${n} app file${n === 1 ? '' : 's'}`;
    badge.textContent = flagged.length ? `⚠ ${flagged.length} network request${flagged.length === 1 ? '' : 's'} since load`
      : n ? `✓ No data sent since load (${files} fetched)` : '✓ No network requests since load';
    const fromWorker = loading.filter(Boolean).length;
    badge.title = flagged.length ? flagged.join('\n') : `Checked live from the browser's own record of the requests of this page and of its analysis engine (a Web Worker): ${loading.length} files fetched while loading${fromWorker ? ` (${fromWorker} by the engine)` : ''}, all from this site.`
      + (n ? ` Since load the page fetched ${n} of its own code files from this site, as the analysis needed them, at fixed addresses that carry nothing of your data: ${code.join(', ')}.` : '');
  };
  try {
    new PerformanceObserver(list => { for (const e of list.getEntries()) consider(e); show(); }).observe({ type: 'resource', buffered: true });
  } catch { /* no observer: checked on ready only */ }
  window.addEventListener('cohort:worker-requests', ev => { for (const e of ev.detail) consider(e); show(); });
  Promise.resolve(ready).catch(() => {}).then(() => {
    for (const e of performance.getEntriesByType('resource')) consider(e);
    for (const e of globalThis.cohortWorkerRequests || []) consider(e);
    readyAt = performance.now();
    show();
  });
}
