// The "Hazard models" section's content: beyond the Cox model, the hazard itself and parametric
// fits. Loaded by www/hazard.js the first time the section is opened (issue 20: not part of the
// page's first payload); the section then fits at once.
//
// When the section is opened it re-runs the page's current analysis with `hazard: {}` (or the
// bandwidth typed in the box) and all four parametric AFT models added, draws through the wasm
// engine the Nelson-Aalen cumulative hazard, the kernel-smoothed hazard, the ratio of two groups'
// hazards, the Kaplan-Meier curves with the fitted parametric curves overlaid, and fills a
// model-choice table.
//
// The section's analysis is the engine's view 'hazard' (its own report handle, beside the
// page's): its figures are drawn from it and the page's report and exports stay untouched.
//
// Model table: every number is the report's: AIC and BIC (`parametric[].aic`, `.bic`), and the
// fitted median with its 95% CI and S(t) at the landmark times from `parametric[].predictions[]`
// (src/stats/parametric.rs `predictions`), for the row `group: null` — the intercept-only model
// (all patients) or the covariate means. The landmark times are the report's too (the
// analysis' `times`, else quarters of the longest follow-up).

import { $, el } from './dom.js';

export const DISTS = ['exponential', 'weibull', 'lognormal', 'loglogistic'];

const fmt = (x, d) => (x == null || !Number.isFinite(x) ? '—' : x.toFixed(d));
const fmtT = x => (x == null || !Number.isFinite(x) ? '—' : Math.abs(x) >= 100 ? x.toFixed(0) : String(Number(x.toPrecision(3))));

/** The prediction a model's table row shows: everyone (intercept-only) or the covariate means. */
const meanPrediction = f => (f.predictions || []).find(p => p.group == null);

/**
 * The section's content, appended to `box` (its <details>, from www/hazard.js). ctx: engine(),
 * serial(fn), state() → {spec, report}, showError(e, context). Returns {opened(), changed(),
 * clear()}: the section was opened; the page's analysis changed; a new file.
 */
export function hazardSection(ctx, box) {
  const figure = (id, label) => el('figure', { class: 'figure' }, el('canvas', { id, role: 'img', 'aria-label': label }));
  const bw = el('input', { id: 'hz-bandwidth', type: 'number', min: '0', step: 'any', placeholder: 'automatic', size: '8' });
  const status = el('p', { id: 'hz-status', class: 'muted small', 'aria-live': 'polite' });
  const table = el('table', { id: 'hz-models', class: 'summary' }, el('thead'), el('tbody'));
  box.append(
    el('p', { class: 'muted small', text: 'The hazard itself (Nelson-Aalen cumulative hazard, kernel-smoothed hazard and, for two groups, their ratio) and parametric accelerated-failure-time models, compared with the Kaplan-Meier curves.' }),
    el('h3', { text: 'Cumulative hazard' }), figure('hz-cumhaz', 'Nelson-Aalen cumulative hazard by group'),
    el('h3', { text: 'Smoothed hazard' }),
    el('p', {}, el('label', { for: 'hz-bandwidth', text: 'Bandwidth (time units; empty = automatic: cross-validated, never below muhaz’s pilot bandwidth range / (8 · events^0.2)): ' }), bw, ' ', el('span', { id: 'hz-bw-used', class: 'muted small' })),
    figure('hz-hazard', 'Kernel-smoothed hazard by group with 95% bands'),
    el('div', { id: 'hz-ratio-box' }, el('h3', { text: 'Hazard ratio over time' }), figure('hz-ratio', 'Ratio of the two groups\' smoothed hazards, log scale')),
    el('h3', { text: 'Parametric fits' }), figure('hz-param', 'Kaplan-Meier curves with fitted parametric survival curves'),
    el('div', { class: 'table-wrap' }, table),
    el('p', { id: 'hz-note', class: 'muted small' }),
    status);

  let dirty = true;

  async function draw(canvas, kind) {
    const cssW = Math.max(360, Math.min(canvas.closest('figure').clientWidth || 800, 900));
    const cssH = Math.max(280, Math.round(cssW * 0.5));
    const dpr = Math.min(window.devicePixelRatio || 1, 3);
    canvas.style.width = cssW + 'px';
    canvas.style.height = cssH + 'px';
    canvas.width = Math.round(cssW * dpr);
    canvas.height = Math.round(cssH * dpr);
    const { spec } = ctx.state();
    const view = spec?.view || {};
    const opts = { font_scale: dpr, risk_table: false };
    if (view.hidden_groups) opts.hidden_groups = view.hidden_groups;
    if (view.time_label) opts.time_label = view.time_label;
    return ctx.engine().draw(canvas, kind, opts, 'hazard');
  }

  function renderTable(r) {
    const fits = r.parametric || [];
    const times = (meanPrediction(fits[0] || {})?.at || []).map(a => a.time);
    const unit = r.time_unit ? ` ${r.time_unit}` : '';
    // "Best" only among the fits that settled: a fit the core reports without standard errors
    // (its information singular where it stopped: a scale or coefficient running off, the
    // likelihood without a maximum) has a log-likelihood, and so an AIC, that only says where it stopped.
    const settled = fits.filter(f => (f.terms || []).every(t => t.se != null));
    const best = k => { const v = settled.map(f => f[k]).filter(Number.isFinite); return v.length ? Math.min(...v) : NaN; };
    const bestAic = best('aic'), bestBic = best('bic');
    table.tHead.replaceChildren(el('tr', {},
      el('th', { scope: 'col', text: 'Distribution' }), el('th', { scope: 'col', text: 'AIC' }), el('th', { scope: 'col', text: 'BIC' }),
      el('th', { scope: 'col', text: 'Log-likelihood' }), el('th', { scope: 'col', text: `Median${unit} (95% CI)` }),
      ...times.map(t => el('th', { scope: 'col', text: `S(${fmtT(t)})` }))));
    const rows = fits.map(f => {
      const p = meanPrediction(f);
      const median = p ? `${fmtT(p.median)} (${fmtT(p.median_lower)}–${fmtT(p.median_upper)})` : '—';
      return el('tr', { 'data-dist': f.dist },
        el('th', { scope: 'row', text: f.dist }),
        el('td', { class: 'num aic', text: fmt(f.aic, 2) + (f.aic === bestAic ? ' (best)' : '') }),
        el('td', { class: 'num bic', text: fmt(f.bic, 2) + (f.bic === bestBic ? ' (best)' : '') }),
        el('td', { class: 'num', text: fmt(f.loglik, 2) }),
        el('td', { class: 'num median', text: median }),
        ...times.map(t => el('td', { class: 'num', text: fmt(p?.at?.find(a => a.time === t)?.surv, 3) })));
    });
    table.tBodies[0].replaceChildren(...rows);
    const covs = fits.some(f => (f.terms || []).length > 1);
    $('#hz-note').textContent = `AIC = −2 log L + 2k, BIC = −2 log L + k log(n); lower is better ("best" marks the lowest). ` +
      `Median (with its 95% CI on the log-time scale) and S(t) are each model's predictions, ` +
      (covs ? 'at the covariate means.' : 'for the intercept-only model (all patients together).');
  }

  async function run() {
    const { spec } = ctx.state();
    if (!spec) return;
    const b = Number(bw.value);
    const hz = bw.value.trim() !== '' && Number.isFinite(b) && b > 0 ? { bandwidth: b } : {};
    const spec2 = { ...JSON.parse(JSON.stringify(spec)), hazard: hz, parametric: DISTS };
    status.textContent = 'Fitting…';
    const engine = ctx.engine();
    let r;
    try {
      r = await engine.run(spec2, 'hazard');
      $('#hz-bw-used').textContent = (r.hazard || []).map(h => `${h.group ?? 'All'}: bandwidth ${fmtT(h.bandwidth)} (${h.bandwidth_rule})`).join('; ');
      const jobs = [['hz-cumhaz', 'cumhaz'], ['hz-hazard', 'hazard'], ['hz-param', 'parametric_fit']];
      $('#hz-ratio-box').hidden = !r.hazard_ratio;
      if (r.hazard_ratio) jobs.push(['hz-ratio', 'hazard_ratio']);
      // A figure the analysis cannot give (e.g. competing risks have no Kaplan-Meier curves) is
      // hidden and its reason written below, not raised as a page error.
      const problems = [];
      for (const [id, kind] of jobs) {
        const fig = $('#' + id).closest('figure');
        try {
          await draw($('#' + id), kind);
          fig.hidden = false;
        } catch (e) {
          fig.hidden = true;
          problems.push(`${kind.replace('_', ' ')}: ${e.message || e}`);
        }
      }
      renderTable(r);
      // The parametric models' warnings are the report's (a fit that did not settle, a model not
      // fitted, a coefficient that may be infinite): those naming one of the four models.
      const aft = (r.warnings || []).filter(w => DISTS.some(d => w.includes(`${d} model`) || w.includes(`${d} coefficient`)));
      const warn = [...(r.hazard || []).flatMap(h => h.warnings || []), ...aft];
      status.textContent = [...problems, ...warn].join(' ');
      dirty = false;
    } catch (e) {
      status.textContent = '';
      // Stopped (the page's Stop button): fitted again when the analysis or the bandwidth
      // changes, or when the section is opened again (`dirty` stays set).
      ctx.showError(e, e?.kind === 'stopped'
        ? 'Hazard models stopped: they are fitted again when you change the analysis or the bandwidth, or close and reopen this section'
        : 'The hazard models could not be fitted');
    }
  }

  const schedule = () => ctx.serial(run).catch(() => {});
  bw.addEventListener('change', () => { dirty = true; if (box.open) schedule(); });

  return {
    /** The section was opened: fit now unless the figures are those of the current analysis. */
    opened() {
      if (box.open && dirty) schedule();
    },
    /** A new file: nothing drawn for the previous one stays (the section refits when opened). */
    clear() {
      dirty = true;
      for (const id of ['hz-cumhaz', 'hz-hazard', 'hz-ratio', 'hz-param']) {
        const c = $('#' + id);
        c.getContext('2d')?.clearRect(0, 0, c.width, c.height);
      }
      table.tHead.replaceChildren();
      table.tBodies[0].replaceChildren();
      $('#hz-bw-used').textContent = '';
      $('#hz-note').textContent = '';
      status.textContent = '';
    },
    /** The page's analysis changed: redo the section now when it is open, else when it opens. */
    changed() {
      dirty = true;
      if (box.open) schedule();
    },
  };
}
