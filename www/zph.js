// The proportional-hazards check's residual plots: each row of the PH table (explorer.js
// `renderPh`) has a "Plot" toggle; the plots open as small multiples below the table, each drawn
// by the wasm engine (figure 'zph' with the option `term`: scaled Schoenfeld residuals against
// Kaplan-Meier-scaled time, the smoothed β(t) with its ± 2 SE band, the Cox β line; a term with
// cox.zph p < 0.05 is flagged in the figure and in its caption). "Show all" opens every term.
// After a refit the open plots are drawn again from the new model (terms that left the model
// are closed). Each plot can be saved as SVG: the same drawing code, from the report as the
// disclosure module releases it (residuals pooled in runs of k events).

import { $, el } from './dom.js';
import { showingSharedResults, exportMinCell } from './disclosure.js';

/**
 * {engine(), serial(fn), showError(err, title), download(blob, name), stem(), spec(), runSpec(spec)}
 * from main.js.
 */
let ctx = null;
/** Terms whose plot is open, in the order they were opened. */
let open = [];
/** The terms of the current model with their cox.zph test. */
let tests = [];

export function initZph(c) {
  ctx = c;
  document.addEventListener('click', ev => {
    const b = ev.target.closest?.('.ph-plot-btn, #ph-plot-all, .ph-plot-close, .ph-plot-svg, #ph-compute');
    if (!b) return;
    if (b.id === 'ph-compute') {
      // Large models come without residuals (src/stats/cox.rs RESIDUALS_UNASKED_MAX_EVENTS):
      // refit asking for them; the plots then open as for any model.
      const spec = ctx.spec();
      if (spec) ctx.runSpec({ ...spec, ph_residuals: true }).catch(() => {});
      return;
    }
    if (b.id === 'ph-plot-all') {
      const all = tests.map(t => t.name);
      open = open.length === all.length ? [] : all;
    } else if (b.classList.contains('ph-plot-svg')) {
      saveSvg(b.dataset.term);
      return;
    } else {
      const term = b.dataset.term;
      open = open.includes(term) ? open.filter(t => t !== term) : [...open, term];
    }
    ctx.serial(() => render()).catch(e => ctx.showError(e, 'The residual plot could not be drawn'));
  });
}

/**
 * Called by the PH table after each report: the table's rows get their toggles, and the open
 * plots are drawn again from the new model.
 */
export function zphRefresh(report) {
  const ph = report?.cox?.ph_test;
  // A term withheld from a shared link's residuals (a small level) has no plot to open.
  tests = ph?.residuals ? ph.terms.filter(t => (ph.residuals.terms || []).some(x => x.name === t.name)) : [];
  // A large model's residuals are computed on request only.
  const lazy = !!ph && !ph.residuals && (report.cox.terms || []).length > 0 && !showingSharedResults();
  open = open.filter(t => tests.some(x => x.name === t));
  const section = $('#xp-ph');
  if (!section || !ctx) return;
  let panel = $('#ph-plots');
  if (!panel) {
    panel = el('div', { id: 'ph-plots', class: 'ph-plots', 'aria-live': 'polite' });
    const bar = el('p', { class: 'ph-plot-bar small' },
      el('button', { type: 'button', id: 'ph-plot-all', class: 'small-button', 'aria-controls': 'ph-plots' }),
      el('span', { class: 'muted', text: ' Scaled Schoenfeld residuals against time: a flat smoothed line at the Cox β supports proportional hazards; a trend means the hazard ratio changes over time.' }));
    section.querySelector('.table-wrap').after(bar, panel);
  }
  // A toggle in each term's row; the global row's P cell spans the new column.
  for (const tr of section.querySelectorAll('tbody tr')) {
    if (tr.classList.contains('ph-global')) {
      const last = tr.querySelector('td:last-child');
      if (last) last.colSpan = 2;
      continue;
    }
    const name = tr.querySelector('th')?.textContent;
    const t = tests.find(x => x.name === name);
    let cell = tr.querySelector('td.ph-plot-cell');
    if (!cell) { cell = el('td', { class: 'ph-plot-cell' }); tr.append(cell); }
    cell.replaceChildren(t
      ? el('button', { type: 'button', class: 'small-button ph-plot-btn', 'data-term': name, 'aria-controls': 'ph-plots',
          'aria-label': `Residual plot of ${name}` })
      : '');
  }
  const head = section.querySelector('thead tr');
  if (head && !head.querySelector('.ph-plot-head')) head.append(el('th', { scope: 'col', class: 'ph-plot-head', text: 'Residual plot' }));
  $('#ph-plot-all').hidden = tests.length === 0;
  let compute = $('#ph-compute');
  if (lazy && !compute) {
    compute = el('button', { type: 'button', id: 'ph-compute', class: 'small-button' });
    $('#ph-plot-all').after(compute);
  }
  if (compute) {
    compute.hidden = !lazy;
    compute.textContent = lazy ? `Compute residual plots (${report.cox.events.toLocaleString('en-US')} events; takes a moment)` : '';
  }
  if (ctx && tests.length) ctx.serial(() => render()).catch(e => ctx.showError(e, 'The residual plot could not be drawn'));
  else panel.replaceChildren();
}

function labels() {
  for (const b of document.querySelectorAll('.ph-plot-btn')) {
    const on = open.includes(b.dataset.term);
    b.textContent = on ? 'Hide plot' : 'Plot';
    b.setAttribute('aria-expanded', String(on));
  }
  const all = $('#ph-plot-all');
  if (all) all.textContent = open.length === tests.length && tests.length ? 'Hide all residual plots' : 'Show all residual plots';
}

/** Draw the open plots (inside the engine's serial queue when called from a click). */
async function render() {
  labels();
  const panel = $('#ph-plots');
  if (!panel) return;
  // Keep canvases of plots still open, in opening order.
  const figs = open.map(term => {
    let fig = [...panel.children].find(f => f.dataset.term === term);
    if (!fig) {
      const t = tests.find(x => x.name === term);
      const flagged = t && t.p != null && t.p < 0.05;
      fig = el('figure', { class: 'ph-plot' + (flagged ? ' ph-flagged' : ''), 'data-term': term },
        el('canvas', { role: 'img', 'aria-label': `Scaled Schoenfeld residuals of ${term} against time, with a smoothed β(t) and its 95% band` }),
        el('figcaption', { class: 'small' },
          flagged ? el('p', { class: 'ph-flag-note' },
            el('span', { class: 'ph-flag-text', text: `⚠ ${term}: p < 0.05 — proportional hazards doubtful. ` }),
            el('span', { class: 'muted', text: 'Consider stratifying on it or letting its effect change with time.' })) : null,
          el('div', { class: 'ph-plot-actions' },
            el('button', { type: 'button', class: 'small-button ph-plot-svg', 'data-term': term, text: 'Save SVG' }),
            el('button', { type: 'button', class: 'small-button ph-plot-close', 'data-term': term, text: 'Close' }))));
    }
    return fig;
  });
  panel.replaceChildren(...figs);
  const engine = ctx.engine();
  if (!figs.length || !engine) return;
  const dpr = Math.min(window.devicePixelRatio || 1, 3);
  for (const fig of figs) {
    const canvas = fig.querySelector('canvas');
    const cssW = Math.max(320, Math.min(fig.clientWidth || 520, 720));
    const cssH = Math.round(cssW * 0.68);
    canvas.style.width = cssW + 'px';
    canvas.style.height = cssH + 'px';
    canvas.width = Math.round(cssW * dpr);
    canvas.height = Math.round(cssH * dpr);
    await engine.draw(canvas, 'zph', { font_scale: dpr, term: fig.dataset.term });
    canvas.dataset.drawn = '1';
  }
}

async function saveSvg(term) {
  try {
    // The page's identifier check first, as every other export button (an identifier-like group,
    // strata or filter would put its values in the file).
    ctx.checkExport();
    // Through the core's one export path (`cohort export --as ph-residuals-svg`): the residuals
    // pooled in runs of k events, never one patient's point.
    const svg = await ctx.serial(() => ctx.engine().exportKind('ph-residuals-svg', exportMinCell(), { term }, 900, 620));
    ctx.download(new Blob([svg], { type: 'image/svg+xml' }), `${ctx.stem()}.ph-${term.replace(/[^\w.-]+/g, '_')}.svg`);
  } catch (e) {
    ctx.showError(e, 'The residual plot was not saved');
  }
}

/**
 * The report without the residual plots' points (one per event, each a function of that
 * patient's covariates and time): what the page saves as JSON. The PH table stays. Does not
 * modify `report`.
 */
export function withoutResiduals(report) {
  const ph = report?.cox?.ph_test;
  if (!ph?.residuals) return report;
  const { residuals, ...rest } = ph;
  return { ...report, cox: { ...report.cox, ph_test: rest } };
}
