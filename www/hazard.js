// The "Hazard models" section: beyond the Cox model, the hazard itself and parametric fits.
//
// When the section is opened it re-runs the page's current analysis with `hazard: {}` (or the
// bandwidth typed in the box) and all four parametric AFT models added, draws through the wasm
// engine the Nelson-Aalen cumulative hazard, the kernel-smoothed hazard, the ratio of two groups'
// hazards, the Kaplan-Meier curves with the fitted parametric curves overlaid, and fills a
// model-choice table.
//
// The engine keeps one "last report", which its figures and exports read: after drawing, this
// module runs the page's own spec again so that the page's downloads stay those of its analysis.
//
// Model table: AIC and BIC are the report's (`parametric[].aic`, `.bic`). The fitted median and
// S(t) at the landmark times are computed HERE IN JS from the report's coefficients and scale
// with the standard AFT formulas (the same as src/stats/parametric.rs `predict_survival` /
// `predict_median`): with η = x'β and w = (log t − η)/σ,
//   S(t) = exp(−e^w)        (weibull, exponential: σ = 1)
//   S(t) = 1 − Φ(w)         (lognormal)
//   S(t) = 1 / (1 + e^w)    (loglogistic)
// and the median exp(η + σ·w½) with w½ = log(log 2) (weibull, exponential), 0 (the others).
// η uses the intercept alone for an intercept-only model, else the covariate means `x_mean`
// (the "average patient"), as the overlay figure does when the covariates are not the groups.

import { $, el } from './dom.js';

export const DISTS = ['exponential', 'weibull', 'lognormal', 'loglogistic'];

/** Standard normal upper tail 1 − Φ(w) (erfc by Numerical Recipes' Chebyshev fit, |rel err| < 1.2e-7). */
function normUpper(w) {
  const x = w / Math.SQRT2;
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
    t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  const erfc = x >= 0 ? r : 2 - r;
  return erfc / 2;
}

/** Linear predictor η of a fit at the covariate means (intercept alone without covariates). */
export function linearPredictor(fit) {
  const terms = fit.terms || [];
  if (!terms.length) return NaN;
  let eta = terms[0].coef;
  const xm = fit.x_mean || [];
  for (let j = 1; j < terms.length; j++) eta += terms[j].coef * (xm[j - 1] ?? 0);
  return eta;
}

/** Fitted S(t) of an AFT fit at the covariate means. */
export function aftSurvival(fit, t) {
  const eta = linearPredictor(fit);
  if (!(t > 0)) return 1;
  const w = (Math.log(t) - eta) / fit.scale;
  switch (fit.dist) {
    case 'lognormal': return normUpper(w);
    case 'loglogistic': return 1 / (1 + Math.exp(w));
    default: return Math.exp(-Math.exp(w));
  }
}

/** Fitted median survival time of an AFT fit at the covariate means. */
export function aftMedian(fit) {
  const w = fit.dist === 'weibull' || fit.dist === 'exponential' ? Math.log(Math.log(2)) : 0;
  return Math.exp(linearPredictor(fit) + fit.scale * w);
}

const fmt = (x, d) => (x == null || !Number.isFinite(x) ? '—' : x.toFixed(d));
const fmtT = x => (x == null || !Number.isFinite(x) ? '—' : Math.abs(x) >= 100 ? x.toFixed(0) : String(Number(x.toPrecision(3))));

/** Landmark times: the analysis' own, else 25/50/75% of the longest follow-up, rounded. */
function landmarkTimes(spec, report) {
  if (spec.times?.length) return spec.times;
  const end = Math.max(0, ...(report.km || []).map(k => k.steps?.at(-1)?.time ?? 0));
  if (!(end > 0)) return [];
  const mag = 10 ** Math.floor(Math.log10(end / 4));
  return [0.25, 0.5, 0.75].map(f => Math.max(mag, Math.round((end * f) / mag) * mag));
}

/**
 * ctx: engine(), serial(fn), state() → {spec, report}, showError(e, context).
 * Returns {changed()}: call after the page's analysis changed.
 */
export function initHazard(ctx) {
  const host = $('#analysis-view') || $('.results');
  if (!host) return { changed() {} };
  const figure = (id, label) => el('figure', { class: 'figure' }, el('canvas', { id, role: 'img', 'aria-label': label }));
  const bw = el('input', { id: 'hz-bandwidth', type: 'number', min: '0', step: 'any', placeholder: 'automatic', size: '8' });
  const status = el('p', { id: 'hz-status', class: 'muted small', 'aria-live': 'polite' });
  const table = el('table', { id: 'hz-models', class: 'summary' }, el('thead'), el('tbody'));
  const box = el('details', { id: 'hazard-box', class: 'hazard-box' },
    el('summary', { id: 'hazard-tab' }, el('h2', { text: 'Hazard models', class: 'inline-heading' })),
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
  host.append(box);

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
    return ctx.engine().draw(canvas, kind, opts);
  }

  function renderTable(spec, r) {
    const fits = r.parametric || [];
    const times = landmarkTimes(spec, r);
    const unit = r.time_unit ? ` ${r.time_unit}` : '';
    const best = k => { const v = fits.map(f => f[k]).filter(Number.isFinite); return v.length ? Math.min(...v) : NaN; };
    const bestAic = best('aic'), bestBic = best('bic');
    table.tHead.replaceChildren(el('tr', {},
      el('th', { scope: 'col', text: 'Distribution' }), el('th', { scope: 'col', text: 'AIC' }), el('th', { scope: 'col', text: 'BIC' }),
      el('th', { scope: 'col', text: 'Log-likelihood' }), el('th', { scope: 'col', text: 'Median' + unit }),
      ...times.map(t => el('th', { scope: 'col', text: `S(${fmtT(t)})` }))));
    const rows = fits.map(f => el('tr', { 'data-dist': f.dist },
      el('th', { scope: 'row', text: f.dist }),
      el('td', { class: 'num aic', text: fmt(f.aic, 2) + (f.aic === bestAic ? ' (best)' : '') }),
      el('td', { class: 'num bic', text: fmt(f.bic, 2) + (f.bic === bestBic ? ' (best)' : '') }),
      el('td', { class: 'num', text: fmt(f.loglik, 2) }),
      el('td', { class: 'num', text: fmtT(aftMedian(f)) }),
      ...times.map(t => el('td', { class: 'num', text: fmt(aftSurvival(f, t), 3) }))));
    // Kaplan-Meier beside them when ungrouped (the reference the fits are judged against).
    table.tBodies[0].replaceChildren(...rows);
    const covs = fits.some(f => (f.terms || []).length > 1);
    $('#hz-note').textContent = `AIC = −2 log L + 2k, BIC = −2 log L + k log(n); lower is better ("best" marks the lowest). ` +
      `Median and S(t) are computed in the page from each model's coefficients and scale with the AFT survival formulas, ` +
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
      r = await engine.run(spec2);
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
      renderTable(spec, r);
      const warn = [...(r.hazard || []).flatMap(h => h.warnings || []), ...(r.parametric || []).flatMap(f => f.warnings || [])];
      status.textContent = [...problems, ...warn].join(' ');
      dirty = false;
    } catch (e) {
      status.textContent = '';
      ctx.showError(e, 'The hazard models could not be fitted');
    } finally {
      // The page's exports read the engine's last report: give it back the page's analysis.
      try { await engine.run(spec); } catch { /* the page shows its own errors */ }
    }
  }

  const schedule = () => ctx.serial(run).catch(() => {});
  box.addEventListener('toggle', () => { if (box.open && dirty) schedule(); });
  bw.addEventListener('change', () => { dirty = true; if (box.open) schedule(); });

  return {
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
    /** Open the section (and fit). Resolves when drawn. */
    open() {
      if (!box.open) box.open = true;   // fires 'toggle'
      return Promise.resolve();
    },
  };
}
