// The Paper view's content, loaded by www/paper.js the first time the tab is opened (issue 20:
// not part of the page's first payload): the demo study's results laid out as a results section
// would — the figures with the landmark values marked, a table of the published figures beside
// the demo's (computed live from the reports), and the multivariable models, each a live
// analysis whose covariates the reader can take out and put back.
//
// Everything is computed by the same engine as the main view, from the demo file already loaded
// (the manifest was read while the page loaded; this module is the one request the view makes).
// The Paper view runs its own specs through the page's serial queue, as views of their own.

import { fmtTime, fmtPct, fmtP, fmtNum } from './format.js';
import { el } from './dom.js';
import { disclosureK } from './explorer.js';


/** The Kaplan-Meier analyses drawn as figures, in the paper's order, and how each is read. */
const FIGURES = [
  { key: 'radiographic_control', title: 'Radiographic control', cumulative: false, yLabel: 'Radiographic control (%)',
    what: 'Freedom from radiographic failure (Kaplan–Meier, S(t))' },
  { key: 'pain_relief', title: 'Pain relief', cumulative: true, yLabel: 'Pain relief (%)',
    what: 'Cumulative probability of pain relief among sites presenting with pain (1 − Kaplan–Meier)' },
  { key: 'pain_progression', title: 'Pain progression', cumulative: true, yLabel: 'Pain progression (%)',
    what: 'Cumulative probability of pain progression (1 − Kaplan–Meier)' },
];

/**
 * The manuscript downloads under each figure: made by the engine's third build (Word, TIFF and
 * PDF writers; www/engine.js `manuscriptExport`), fetched on the first click only, from the demo
 * file and the figure's spec, through the disclosure module with the page's k (the Explorer's
 * "k" field, `disclosureK()`, read at the click) — the bytes of
 * `cohort export DATA --spec SPEC --k K --as KIND --options OPTIONS`.
 */
const DOWNLOADS = [
  { kind: 'docx', label: 'Word (.docx)', ext: 'docx', mime: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document' },
  { kind: 'figure-tiff', label: 'TIFF, 600 dpi', ext: 'tiff', mime: 'image/tiff', dpi: 600 },
  { kind: 'figure-pdf', label: 'PDF (vector)', ext: 'pdf', mime: 'application/pdf' },
  { kind: 'figure-png', label: 'PNG, 300 dpi', ext: 'png', mime: 'image/png', dpi: 300 },
];

/** The figure options of a Paper-view figure, as the engine draws it (without the screen's scale). */
function figureOptions(fig, spec) {
  return {
    landmarks: spec.times || [], cumulative: fig.cumulative, percent: true, show_median: true,
    conf_bands: true, risk_table: true, censor_marks: true, time_label: 'Months after SRS', y_label: fig.yLabel,
  };
}

/** The multivariable models, as tables with a checkbox per covariate. */
const MODELS = [
  { key: 'pain_relief_mva', title: 'Multivariable Cox model of time to pain relief', short: 'Pain relief, multivariable',
    note: 'HR > 1: faster relief.' },
  { key: 'pain_progression_mva', title: 'Multivariable Cox model of time to pain progression', short: 'Pain progression, multivariable',
    note: 'HR > 1: earlier progression.' },
];

/** Readable names of the demo's covariates (the column name is shown beside them). */
const COVARIATE_LABELS = {
  neuro_deficit: 'Neurologic deficit at consult',
  extraspinal_bone_mets: 'Extraspinal bone metastases',
  bpi_worst_pain: 'BPI worst pain at consult (per point)',
  prior_rt: 'Prior radiotherapy',
  levels_treated: 'Vertebral levels treated (per level)',
};

/** Term name in a report ("prior_rt=yes", "bpi_worst_pain") → its covariate column. */
const termColumn = name => String(name).split('=')[0];

function termLabel(name, published) {
  const p = published?.find(t => t.term === name);
  const col = termColumn(name);
  const base = COVARIATE_LABELS[col] || p?.label || col;
  const level = String(name).includes('=') ? String(name).split('=').slice(1).join('=') : null;
  return level && !/^(yes|1|true)$/i.test(level) ? `${base}: ${level}` : base;
}

/** "63.0%" and its CI "47.6–83.4"; `cumulative` reads 1 − S (the CI bounds swap). */
function landmarkText(a, cumulative) {
  if (!a || a.surv == null) return { est: '—', ci: '' };
  const f = v => (v == null ? null : cumulative ? 1 - v : v);
  const lo = cumulative ? f(a.upper) : a.lower;
  const hi = cumulative ? f(a.lower) : a.upper;
  return { est: fmtPct(f(a.surv)), ci: lo == null || hi == null ? '' : `${fmtPct(lo).replace('%', '')}–${fmtPct(hi).replace('%', '')}` };
}

const fmt1 = x => (x == null || !Number.isFinite(x) ? 'NR' : x.toFixed(1));

/** Median of the event times alone (each step's events counted), R's `median()` of them. */
function medianOfEvents(km) {
  const times = [];
  for (const s of km?.steps || []) for (let i = 0; i < Math.round(s.n_event || 0); i++) times.push(s.time);
  if (!times.length) return null;
  const m = times.length >> 1;
  return times.length % 2 ? times[m] : (times[m - 1] + times[m]) / 2;
}

/** P for a table cell: "0.0046", "< 0.001" (journal style, no leading "P"). */
const pCell = p => fmtP(p).replace(/^P = /, '').replace(/^P /, '');

/**
 * The Paper view's content in `paper` (its tab panel, from www/paper.js): `ctx` is the page's
 * {engine(), serial(fn), demo(), fileName()}, `s` the view's state ({active, built, manifest,
 * specs, reports}), `showError(e)` its error box. Returns {build(), refreshAll()}.
 */
// Long because: the Paper view's closure: its body is the short functions that share the view's state (its engine view, manifest, tab).
export function paperView(ctx, paper, s, showError) {
  // ---------- structure ----------

  function build() {
    const m = s.manifest;
    paper.replaceChildren();
    paper.append(el('h2', { class: 'paper-title', text: 'Results (Paper view)' }));
    paper.append(el('p', { class: 'paper-source muted', text: m.source || '' }));
    paper.append(syntheticPanel(m));

    // Table 1: published vs this demo.
    const t1 = el('table', { id: 'paper-compare', class: 'paper-table compare' });
    t1.append(el('caption', {}, el('span', { class: 'tnum', text: 'Table 1. ' }), 'Published figures and this demo, computed live from the analyses below'));
    t1.append(el('thead', {}, el('tr', {},
      el('th', { scope: 'col', text: 'Quantity' }), el('th', { scope: 'col', text: 'Method' }),
      el('th', { scope: 'col', class: 'num', text: 'Published' }), el('th', { scope: 'col', class: 'num', text: 'This demo' }),
      el('th', { scope: 'col', class: 'num', text: '95% CI' }))));
    paper.append(el('section', { class: 'paper-block', 'aria-label': 'Published versus this demo' },
      el('h3', { text: 'Published vs this demo' }), el('div', { class: 'table-wrap' }, t1),
      el('p', { class: 'muted small table-note', text:
        'Actuarial = Kaplan–Meier: S(t) for control, 1 − S(t) for relief and progression (death and last follow-up censor). '
        + 'Medians are Kaplan–Meier medians (the time by which half the sites are estimated to have had the event); '
        + 'the median among sites that had the event, which papers sometimes quote, is shown beneath each. '
        + 'Hazard ratios: Cox model, Efron ties, Wald 95% CI and P; they follow the covariates ticked in Tables 2 and 3.' })));

    // Figures.
    FIGURES.forEach((f, i) => {
      const spec = s.specs[f.key];
      if (!spec) return;
      const canvas = el('canvas', { id: `paper-fig-${f.key}`, role: 'img', 'aria-label': `${f.what}. Values in Table 1.` });
      const cap = el('figcaption', {}, el('span', { class: 'fnum', text: `Figure ${i + 1}. ` }), `${f.what}.`,
        el('span', { class: 'fig-text', id: `paper-figtext-${f.key}` }));
      const bar = el('div', { class: 'paper-downloads', role: 'group', 'aria-label': `Download ${f.title} for the manuscript` },
        el('span', { class: 'muted small', text: 'For the manuscript (double column, 180 mm): ' }));
      for (const d of DOWNLOADS) {
        const b = el('button', { type: 'button', class: 'small', id: `paper-dl-${f.key}-${d.kind}`, text: d.label });
        b.addEventListener('click', () => download(f, d, b));
        bar.append(b, ' ');
      }
      paper.append(el('figure', { class: 'paper-fig' }, el('h3', { text: f.title }), canvas, cap, bar));
    });

    // Tables 2 and 3: the models.
    MODELS.forEach((mo, i) => {
      const spec = s.specs[mo.key];
      if (!spec) return;
      const all = [...(spec.covariates || [])];
      mo.all = all;
      const fs = el('fieldset', { class: 'covariates' }, el('legend', { text: 'Covariates in the model' }));
      for (const c of all) {
        const id = `paper-${mo.key}-${c}`;
        const box = el('input', { type: 'checkbox', id, 'data-covariate': c });
        box.checked = true;
        box.addEventListener('change', () => toggleCovariate(mo, c, box.checked));
        fs.append(el('label', { for: id }, box, ` ${COVARIATE_LABELS[c] || c} `, el('code', { text: c })));
      }
      const table = el('table', { id: `paper-${mo.key}-table`, class: 'paper-table model' });
      table.append(el('caption', {}, el('span', { class: 'tnum', text: `Table ${i + 2}. ` }), `${mo.title}. ${mo.note}`));
      table.append(el('thead', {},
        el('tr', {}, el('th', { scope: 'col', rowspan: '2', class: 'bottom', text: 'Covariate' }),
          el('th', { scope: 'colgroup', colspan: '3', class: 'span', text: 'This demo' }),
          el('th', { scope: 'colgroup', colspan: '2', class: 'span', text: 'Published' })),
        el('tr', {}, el('th', { scope: 'col', class: 'num', text: 'HR' }),
          el('th', { scope: 'col', class: 'num', text: '95% CI' }), el('th', { scope: 'col', class: 'num', text: 'P' }),
          el('th', { scope: 'col', class: 'num', text: 'HR' }), el('th', { scope: 'col', class: 'num', text: 'P' }))));
      table.append(el('tbody'));
      paper.append(el('section', { class: 'paper-block', 'aria-labelledby': `paper-${mo.key}-h` },
        el('h3', { id: `paper-${mo.key}-h`, text: mo.short }),
        el('p', { class: 'muted small', text: s.manifest.descriptions?.[mo.key] || '' }),
        fs,
        el('div', { class: 'table-wrap' }, table),
        el('p', { class: 'model-line muted small', id: `paper-${mo.key}-line`, 'aria-live': 'polite' })));
    });
  }

  /** Options of one download (exposed on the button for the tests: data-options). */
  function downloadOptions(f, d) {
    const o = { ...figureOptions(f, s.specs[f.key]), preset: 'double' };
    if (d.dpi) o.dpi = d.dpi;
    return o;
  }

  async function download(f, d, button) {
    const old = button.textContent;
    button.disabled = true;
    button.textContent = `${d.label}: preparing…`;
    try {
      const name = ctx.demo().data;
      const res = await fetch(new URL(`./demo/${name}`, import.meta.url));
      if (!res.ok) throw new Error(`the demo file ${name} could not be read (HTTP ${res.status})`);
      const bytes = new Uint8Array(await res.arrayBuffer());
      const options = downloadOptions(f, d);
      const k = disclosureK();
      button.dataset.options = JSON.stringify(options);
      button.dataset.k = String(k);
      const { manuscriptExport } = await import('./engine.js');
      const out = await manuscriptExport(bytes, name, s.specs[f.key], d.kind, k, options);
      const a = el('a', { href: URL.createObjectURL(new Blob([out], { type: d.mime })), download: `${f.key}.${d.ext}` });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(a.href), 60000);
    } catch (e) {
      showError(e);
    } finally {
      button.disabled = false;
      button.textContent = old;
    }
  }

  function syntheticPanel(m) {
    const files = m.data || 'the demo file';
    return el('section', { class: 'panel info synthetic', 'aria-labelledby': 'paper-synth-h' },
      el('h3', { id: 'paper-synth-h', text: 'These data are synthetic' }),
      el('p', {}, `No row of ${files} is a patient. The 40 treatment sites (34 patients, 6 with two sites) were generated by a deterministic, documented simulation in the project (`,
        el('code', { text: 'cargo run --bin make_demo' }),
        '): covariates and dates drawn from fixed-seed SplitMix64 streams, event times from Weibull models whose hazard ratios are the published ones, deaths and loss to follow-up censoring them. '
        + 'Because 40 sites scatter widely around any true value, the seeds were searched for a cohort close to the published figures: the agreement below is selected, not evidence.'),
      el('p', {}, 'Your own spreadsheet replaces the demo: drop it on the page (or use “Choose file…”). It is read inside this browser; nothing is uploaded.'));
  }

  // ---------- live analyses ----------

  async function runAndDraw(key, fig) {
    const engine = ctx.engine();
    const report = await engine.run(s.specs[key], `paper:${key}`);
    s.reports[key] = report;
    if (fig) {
      const canvas = paper.querySelector(`#paper-fig-${key}`);
      const box = canvas.closest('figure');
      const cssW = Math.max(360, Math.min(box.clientWidth || 760, 760));
      const cssH = Math.round(cssW * 0.52) + 34 + 22;
      const dpr = Math.min(window.devicePixelRatio || 1, 3);
      canvas.style.width = cssW + 'px';
      canvas.style.height = cssH + 'px';
      canvas.width = Math.round(cssW * dpr);
      canvas.height = Math.round(cssH * dpr);
      const spec = s.specs[key];
      await engine.draw(canvas, 'survival', { ...figureOptions(fig, spec), font_scale: dpr }, `paper:${key}`);
      figureText(fig, report);
    }
    return report;
  }

  function refreshAll() {
    return ctx.serial(async () => {
      for (const f of FIGURES) if (s.specs[f.key]) await runAndDraw(f.key, f);
      for (const mo of MODELS) if (s.specs[mo.key]) await runAndDraw(mo.key, null);
      for (const mo of MODELS) renderModel(mo);
      renderCompare();
    }).then(() => { paper.querySelector('.paper-error')?.remove(); }, e => { showError(e); throw e; });
  }

  function toggleCovariate(mo, col, on) {
    const spec = s.specs[mo.key];
    const current = new Set(spec.covariates || []);
    if (on) current.add(col); else current.delete(col);
    spec.covariates = mo.all.filter(c => current.has(c));
    return ctx.serial(async () => {
      await runAndDraw(mo.key, null);
      renderModel(mo);
      renderCompare();
    }).then(() => { paper.querySelector('.paper-error')?.remove(); }, e => showError(e));
  }

  // ---------- rendering ----------

  function figureText(fig, r) {
    const k = r.km?.[0];
    const span = paper.querySelector(`#paper-figtext-${fig.key}`);
    if (!k || !span) return;
    const spec = s.specs[fig.key];
    const lms = (spec.times || []).map(t => {
      const a = (k.at || []).find(x => x.time === t);
      return `${landmarkText(a, fig.cumulative).est} at ${fmtTime(t)} months`;
    });
    span.textContent = ` ${k.n} sites, ${k.events} events; ${lms.join(', ')} (dotted lines); `
      + `Kaplan–Meier median ${fmt1(k.median)} months (dashed). Shaded: 95% CI; + censored.`;
  }

  function renderCompare() {
    const m = s.manifest;
    const pub = m.published || {};
    const table = paper.querySelector('#paper-compare');
    const groups = [];
    let rows = null;
    // One <tbody> per analysis, headed by a row-group header.
    const group = text => {
      rows = el('tbody', {}, el('tr', { class: 'group' }, el('th', { scope: 'rowgroup', colspan: '5', text })));
      groups.push(rows);
    };
    const row = (key, quantity, method, published, demo, ci, sub = false) => rows.append(el('tr', { 'data-key': key, class: sub ? 'sub' : '' },
      el('th', { scope: 'row', text: quantity }), el('td', { class: 'method', text: method }),
      el('td', { class: 'num', text: published }), el('td', { class: 'num demo', text: demo }), el('td', { class: 'num ci', text: ci })));

    for (const f of FIGURES) {
      const r = s.reports[f.key];
      const p = pub[f.key];
      const k = r?.km?.[0];
      if (!k) continue;
      group(`${f.title} (${k.n} sites)`);
      for (const lm of p?.landmarks || []) {
        const a = (k.at || []).find(x => x.time === lm.time);
        const t = landmarkText(a, f.cumulative);
        const what = f.key === 'radiographic_control' ? 'Radiographic control' : f.key === 'pain_relief' ? 'Pain relief' : 'Pain progression';
        row(`${f.key}:${lm.time}`, `${what} at ${fmtTime(lm.time)} months`,
          f.cumulative ? 'actuarial, 1 − KM' : 'actuarial, KM', `${lm.percent}%`, t.est, t.ci);
      }
      if (p?.median_months != null) {
        const label = p.median_label ? p.median_label[0].toUpperCase() + p.median_label.slice(1) : 'Median';
        row(`${f.key}:median`, `${label} (months)`, 'KM median', fmtTime(p.median_months), fmt1(k.median),
          k.median == null ? '' : `${fmt1(k.median_lower)}–${fmt1(k.median_upper)}`);
        const me = medianOfEvents(k);
        row(`${f.key}:median_events`, 'median among sites with the event', 'events only', '', fmt1(me), '', true);
      }
    }
    for (const mo of MODELS) {
      const p = pub[mo.key];
      const r = s.reports[mo.key];
      if (!p) continue;
      group(`${mo.short} (Cox; ${r?.cox ? `${r.cox.n} sites, ${r.cox.events} events` : 'no model'})`);
      for (const t of p.terms || []) {
        const got = r?.cox?.terms?.find(x => x.name === t.term);
        const label = termLabel(t.term, p.terms);
        row(`${mo.key}:${t.term}`, `${label}: HR`, 'Cox, Wald', t.hr == null ? 'not given' : fmtNum(t.hr),
          got ? fmtNum(got.hr) : 'not in model', got ? `${fmtNum(got.lower)}–${fmtNum(got.upper)}` : '');
        row(`${mo.key}:${t.term}:p`, `${label}: P`, 'Wald test', t.p.replace(' (HR not given)', ''), got ? pCell(got.p) : '—', '', true);
      }
    }
    for (const b of table.querySelectorAll('tbody')) b.remove();
    table.append(...groups);
  }

  function renderModel(mo) {
    const r = s.reports[mo.key];
    const pub = s.manifest.published?.[mo.key]?.terms || [];
    const tbody = paper.querySelector(`#paper-${mo.key}-table tbody`);
    const line = paper.querySelector(`#paper-${mo.key}-line`);
    const terms = r?.cox?.terms || [];
    if (!terms.length) {
      tbody.replaceChildren(el('tr', {}, el('td', { colspan: '6', class: 'muted', text: 'No covariate in the model: tick at least one above.' })));
      line.textContent = '';
      return;
    }
    tbody.replaceChildren(...terms.map(t => {
      const p = pub.find(x => x.term === t.name);
      return el('tr', { 'data-term': t.name },
        el('th', { scope: 'row' }, termLabel(t.name, pub), ' ', el('code', { text: t.name })),
        el('td', { class: 'num hr', text: fmtNum(t.hr) }),
        el('td', { class: 'num', text: `${fmtNum(t.lower)}–${fmtNum(t.upper)}` }),
        el('td', { class: 'num', text: pCell(t.p) }),
        el('td', { class: 'num', text: p ? (p.hr == null ? 'not given' : fmtNum(p.hr)) : '' }),
        el('td', { class: 'num', text: p ? p.p.replace(' (HR not given)', '') : '' }));
    }));
    const c = r.cox;
    let text = `${c.n} sites, ${c.events} events. Likelihood-ratio χ² = ${fmtNum(c.lr_test.chisq)}, df = ${c.lr_test.df}, ${fmtP(c.lr_test.p)}`;
    if (c.concordance?.c != null) text += `; concordance ${fmtNum(c.concordance.c, 3)}`;
    line.textContent = text + '.';
  }

  // Redraw the figures at the new width.
  let resizeTimer = null;
  window.addEventListener('resize', () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => { if (s.active && s.built) refreshAll().catch(() => {}); }, 200);
  });

  return { build, refreshAll };
}
