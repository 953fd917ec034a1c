// The page's figures drawn by the engine: the survival figure (with its hover read-out and
// legend clicks), the forest plot and the cohort flow diagram; the plot options a spec's view
// carries, and the boxes' widths (kept by a ResizeObserver).

import { state } from './page.js';
import { survivalFigure } from './adjusted.js';
import { figureMinCell } from './disclosure.js';
import { $, el } from './dom.js';
import { toggleGroup } from './explorer.js';
import { fmtTime, fmtPct, plural } from './format.js';
import { groupLabel } from './spec.js';

/** The forest plot's options and pixel width (the model box's width, capped). */
export function forestRequest() {
  const cssW = Math.max(360, Math.min(widthOf($('#model-box')) || 800, 900));
  const dpr = Math.min(window.devicePixelRatio || 1, 3);
  return { options: { font_scale: dpr }, width: Math.round(cssW * dpr), dpr };
}

/** CSS height the flow diagram needs: the boxes' lines (the engine shrinks the text if short). */
function flowHeight(flow, cssW) {
  const side = (flow.filtered_out ? 1 : 0) + (flow.excluded.length ? 1 + flow.excluded.length : 0);
  const wrapFactor = cssW < 560 ? 2 : 1;   // reasons wrap to two lines in a narrow side box
  const lh = 17, box = n => 16 + lh * n;
  const gap = Math.max(36, side ? box(side * wrapFactor) + 24 : 0);
  return Math.ceil(32 + box(2) + gap + box(2) + (flow.groups.length ? 36 + box(4) : 0));
}

/** The cohort flow diagram (drawn by the engine from `report.flow`) and the excluded lines. */
export async function drawFlow() {
  const flow = state.report?.flow;
  const box = $('#flow-box');
  box.hidden = !flow;
  if (!flow) return;
  const canvas = $('#flow');
  const cssW = Math.max(360, Math.min(widthOf(box) || 800, 760));
  const cssH = flowHeight(flow, cssW);
  const dpr = Math.min(window.devicePixelRatio || 1, 3);
  const key = JSON.stringify([flow, cssW, dpr, figureMinCell()]);
  if (state.flowDrawn !== key) {
    canvas.style.width = cssW + 'px';
    canvas.style.height = cssH + 'px';
    canvas.width = Math.round(cssW * dpr);
    canvas.height = Math.round(cssH * dpr);
    const opts = { font_scale: dpr };
    if (figureMinCell()) opts.min_cell = figureMinCell();
    await state.engine.draw(canvas, 'flow', opts);
    state.flowDrawn = key;
  }
  const excluded = flow.excluded.reduce((a, e) => a + e.count, 0);
  canvas.setAttribute('aria-label', `Cohort flow: ${plural(flow.rows_read, 'row')} read` +
    (flow.filtered_out ? `, ${flow.filtered_out} outside the filters` : '') +
    (excluded ? `, ${excluded} excluded (${flow.excluded.map(e => `${e.reason}: ${e.count}`).join('; ')})` : '') +
    `, ${flow.analysed} analysed` + (flow.groups.length ? ` (${flow.groups.map(g => `${g.group}: ${g.n}`).join(', ')})` : '') + '.');
  // The line numbers, one click away (the figure gives the counts).
  const details = $('#flow-lines');
  details.hidden = !flow.excluded.length;
  details.querySelector('ul').replaceChildren(...flow.excluded.map(e => el('li', { 'data-reason': e.reason },
    `${e.reason}: ${plural(e.count, 'row')} — ${e.lines.length === 1 ? 'line' : 'lines'} ${e.lines.join(', ')}${e.count > e.lines.length ? ` and ${e.count - e.lines.length} more` : ''}`)));
}

/** "Table 1": each column described by group, with the test's P. */
/** The group legend entry of the figure under a pointer event, or null. */
function legendEntryAt(canvas, ev) {
  const L = state.layout;
  if (!L?.legend?.length || !canvas.clientWidth) return null;
  const scale = canvas.width / canvas.clientWidth;
  const x = ev.offsetX * scale, y = ev.offsetY * scale;
  return L.legend.find(e => e.group != null && x >= e.left && x <= e.left + e.width && y >= e.top && y <= e.top + e.height) || null;
}

/** Hover read-out: each curve's value at the pointer's time (asked of the engine). */
export function wireHover() {
  const canvas = $('#km');
  const tip = $('#hover');
  let pending = false;
  canvas.addEventListener('pointerleave', () => { tip.hidden = true; canvas.style.cursor = ''; });
  // A click on a legend entry (its box, from the engine's layout) shows or hides that group.
  canvas.addEventListener('click', ev => {
    const e = legendEntryAt(canvas, ev);
    if (e) toggleGroup(e.group);
  });
  canvas.addEventListener('pointermove', async ev => {
    const L = state.layout;
    if (!L || !state.report || L.figure.startsWith('adjusted')) return;   // no read-out of the adjusted curves
    const entry = legendEntryAt(canvas, ev);
    canvas.style.cursor = entry ? 'pointer' : '';
    canvas.title = entry ? `${entry.hidden ? 'Show' : 'Hide'} ${entry.group} (or use the Show checkboxes above the figure)` : '';
    if (pending) return;
    const scale = canvas.width / canvas.clientWidth;
    const x = ev.offsetX * scale, y = ev.offsetY * scale;
    if (x < L.plot_left || x > L.plot_left + L.plot_width || y < L.plot_top || y > L.plot_top + L.plot_height) { tip.hidden = true; return; }
    const t = L.x_min + (x - L.plot_left) / L.plot_width * (L.x_max - L.x_min);
    pending = true;
    let values;
    try { values = await state.engine.valuesAt(t, plotOptions(scale)); } catch { values = []; } finally { pending = false; }
    if (!values.length) { tip.hidden = true; return; }
    const colors = new Map((L.series || []).map(s => [s.index, s.color]));
    const unit = state.report.time_unit ? ' ' + state.report.time_unit : '';
    tip.replaceChildren(el('div', { class: 't', text: `t = ${fmtTime(Math.round(t * 10) / 10)}${unit}` }),
      ...values.map(v => {
        const row = el('div');
        const sw = el('span', { class: 'sw' });
        sw.style.background = colors.get(v.index) || '#333';
        row.append(sw, `${v.label}: ${fmtPct(v.estimate)}` + (v.lower != null ? ` (${fmtPct(v.lower).replace('%', '')}–${fmtPct(v.upper)})` : '') + (v.n_risk != null ? `, ${v.n_risk} at risk` : v.n_risk_suppressed ? `, ${v.n_risk_suppressed} at risk` : ''));
        return row;
      }));
    tip.hidden = false;
    const left = Math.min(ev.offsetX + 14, canvas.clientWidth - tip.offsetWidth - 4);
    tip.style.left = Math.max(0, left) + 'px';
    tip.style.top = Math.max(0, ev.offsetY - tip.offsetHeight - 10) + 'px';
  });
}

/** Keys of the plot module's options that a spec's `view` may carry (a share link keeps them). */
const PLOT_KEYS = ['conf_bands', 'censor_marks', 'risk_table', 'show_median', 'cumulative', 'percent', 'x_max', 'y_max',
  'time_label', 'y_label', 'title', 'p_digits', 'italic_p', 'hidden_groups', 'break_by', 'font_size'];

/** Options for the wasm plot module: the view's figure keys, the landmarks, the pixel scale. */
export function plotOptions(scale) {
  const view = state.spec?.view || {};
  const opts = {};
  for (const k of PLOT_KEYS) if (view[k] !== undefined && view[k] !== null) opts[k] = view[k];
  opts.landmarks = state.spec?.times || [];
  opts.font_scale = scale;
  const k = figureMinCell();
  if (k) opts.min_cell = k;
  return opts;
}

/**
 * Width (clientWidth) of a box, as the last layout left it: kept up to date by a ResizeObserver,
 * so that drawing after the tables were rebuilt does not force the browser to lay the page out
 * again in the middle of a refit (reading clientWidth would).
 */
const widths = new WeakMap();
const lastShown = new WeakMap();   // the width a box had when last shown (the model box is hidden between models)
const sizeWatch = typeof ResizeObserver !== 'undefined'
  ? new ResizeObserver(entries => { for (const e of entries) widths.set(e.target, e.target.clientWidth); }) : null;
export function widthOf(box) {
  if (!sizeWatch) return box.clientWidth;
  if (!widths.has(box)) sizeWatch.observe(box);
  // Unknown, or 0 while the box was hidden: measure now (once it is shown the observer keeps it).
  if (!widths.get(box)) widths.set(box, box.clientWidth);
  const w = widths.get(box);
  if (w) lastShown.set(box, w);
  return w || lastShown.get(box) || 0;
}

/** The last figures the engine drew as bitmaps (at most two): {key, parts, layout, bitmap}. */
const recent = [];

/**
 * The figure with the confidence bands switched, being drawn ahead while the page is idle
 * ({key, parts, promise}; see planAhead), so that the first click on the checkbox shows a kept
 * bitmap; a click while it is being drawn waits for it instead of asking a second time.
 */
let ahead = null;
let aheadPlan = null;   // {timer}: the plan waiting for a quiet, idle page (planAhead)
/** How long the page must have been quiet before the engine draws ahead (ms). */
const AHEAD_QUIET_MS = 150;

/**
 * The options' defaults (src/plot/mod.rs `PlotOptions::default`) for the figure's key: options
 * that leave a box unset and options that set it to its default draw the same figure (the box
 * ticked back after the first click writes it).
 */
const OPTION_DEFAULTS = { conf_bands: true, censor_marks: true, risk_table: true, show_median: true, cumulative: false, percent: false };

const sameParts = (a, b) => a.length === b.length && a.every((p, i) => p === b[i]);

function remember(figure) {
  recent.push(figure);
  while (recent.length > 2) recent.shift().bitmap.close?.();
}

/** Forget the kept figures (a new file, no report). */
export function forgetFigures() {
  for (const f of recent.splice(0)) f.bitmap.close?.();
  clearTimeout(aheadPlan?.timer);
  aheadPlan = null;
  ahead = null;
}

/** The report's parts the survival figure shows (the same objects while they do not change). */
function figureParts(r) {
  return [r.km, r.cuminc, r.logrank, r.gray_test, r.trend, r.adjusted];
}

/**
 * After a figure is shown: once the page has been quiet for AHEAD_QUIET_MS and is idle, the
 * engine draws the same figure with the confidence bands switched, kept as the figures drawn a
 * moment ago are. Only while the same figure is still shown (same key, same report parts), and
 * kept only if the report's curves are still those it was drawn from: a new file, spec, option
 * or size is another key and never shows it.
 */
function planAhead(shown) {
  clearTimeout(aheadPlan?.timer);
  aheadPlan = null;
  if (state.engine?.inProcess || typeof state.engine?.drawAhead !== 'function') return;
  const idle = globalThis.requestIdleCallback || (fn => setTimeout(fn, 0));
  const plan = aheadPlan = {};
  plan.timer = setTimeout(() => idle(() => {
    if (aheadPlan !== plan) return;   // a later figure planned its own
    aheadPlan = null;
    drawAhead(shown).catch(() => {});
  }), AHEAD_QUIET_MS);
}

/** Whether a figure is to be drawn ahead ({planned}: waiting for a quiet, idle page) or being drawn. */
export function figureAhead() {
  return { planned: aheadPlan !== null, drawing: ahead !== null };
}

async function drawAhead(shown) {
  if (!state.drawn || state.drawn.key !== shown.key || !sameParts(state.drawn.parts, shown.parts)) return;
  const opts = { ...shown.opts, conf_bands: shown.opts.conf_bands === false };
  const key = shown.keyOf(opts);
  if (recent.some(d => d.key === key && sameParts(d.parts, shown.parts)) || ahead?.key === key) return;
  const promise = state.engine.drawAhead(shown.figure, opts, shown.w, shown.h).catch(() => null);
  ahead = { key, parts: shown.parts, promise };
  const got = await promise;
  if (!got) {
    // Refused: most often a refit (a covariate ticked) replaced the report's handle after this
    // was sent. The figure shown is the same (a refit of the models alone leaves it as drawn and
    // plans nothing), so plan it once more, before anything can see neither planned nor drawing.
    if (!shown.again && state.drawn?.key === shown.key && sameParts(state.drawn.parts, shown.parts)) planAhead({ ...shown, again: true });
    if (ahead?.promise === promise) ahead = null;
    return;
  }
  if (ahead?.promise === promise) ahead = null;
  if (state.report && sameParts(figureParts(state.report), shown.parts)) remember({ key, parts: shown.parts, layout: got.layout, bitmap: got.bitmap });
  else got.bitmap.close?.();
}

export async function drawFigure() {
  const canvas = $('#km');
  if (!state.report) return;
  const cssW = Math.max(360, Math.min(widthOf(canvas.closest('figure')) || 800, 1100));
  const riskRows = Math.max(1, (state.report.km || []).length);
  const cssH = Math.max(330, Math.round(cssW * 0.56)) + (state.spec?.view?.risk_table === false ? 0 : 34 + 22 * riskRows);
  const dpr = Math.min(window.devicePixelRatio || 1, 3);
  const w = Math.round(cssW * dpr), h = Math.round(cssH * dpr);
  // A refit that changed only the models (a covariate toggle) leaves the figure as drawn: the
  // engine sent the same curves and tests (the very objects the page holds) and the options and
  // size are the same.
  const r = state.report;
  const figure = survivalFigure();   // 'adjusted' curves or the crude ones (www/adjusted.js)
  const opts = plotOptions(dpr);
  const keyOf = o => JSON.stringify([{ ...OPTION_DEFAULTS, ...o }, w, h, cssW, cssH, r.time_unit, r.groups, r.spec?.strata, r.spec?.rho, figure]);
  const key = keyOf(opts);
  const parts = figureParts(r);
  const same = d => d.key === key && sameParts(d.parts, parts);
  if (state.drawn && same(state.drawn)) {
    // The figure with the bands switched, if it is neither kept nor on its way (a drawing ahead
    // refused after a refit replaced the report's handle): plan it again.
    const other = keyOf({ ...opts, conf_bands: opts.conf_bands === false });
    if (!aheadPlan && !ahead && !recent.some(d => d.key === other && sameParts(d.parts, parts))) planAhead({ key, parts, keyOf, opts, figure, w, h });
    return state.layout;
  }
  canvas.style.width = cssW + 'px';
  canvas.style.height = cssH + 'px';
  canvas.width = w;   // (clears the canvas, even when the size is the same)
  canvas.height = h;
  state.drawn = null;
  // A figure drawn a moment ago and asked for again (a checkbox such as the CI bands ticked back,
  // a group hidden and shown again) is the engine's bitmap of then: shown without a message to
  // the engine (issue 19: the toggle at 10k rows). Any change of the options, the size or the
  // report's curves is a new key or new objects, drawn by the engine.
  let kept = recent.find(same);
  // Being drawn ahead (planAhead): wait for it rather than asking the engine a second time.
  if (!kept && ahead && same(ahead)) {
    await ahead.promise;
    kept = recent.find(same);
  }
  let layout;
  if (kept) {
    // The one shown is the last kept (the figure drawn ahead next does not push it out).
    recent.splice(recent.indexOf(kept), 1);
    recent.push(kept);
    canvas.getContext('2d').drawImage(kept.bitmap, 0, 0);
    layout = kept.layout;
  } else {
    const got = await state.engine.drawKept(canvas, figure, opts);
    layout = got.layout;
    if (got.bitmap) remember({ key, parts, layout, bitmap: got.bitmap });
  }
  state.layout = layout;
  state.drawn = { key, parts };
  planAhead({ key, parts, keyOf, opts, figure, w, h });
  const groups = (state.report.km || []).map(k => k.group).filter(g => g != null);
  const hiddenGroups = state.spec?.view?.hidden_groups || [];
  canvas.setAttribute('aria-label', `Kaplan-Meier curves${groups.length ? ' by ' + groupLabel(state.spec) + ': ' + groups.join(', ') : ''}`
    + `${hiddenGroups.length ? ` (hidden: ${hiddenGroups.join(', ')})` : ''}. The table below gives the numbers; the Show checkboxes above the figure hide or show groups.`);
  const view = state.spec?.view || {};
  const bits = [];
  if (view.conf_bands !== false) bits.push('shaded bands: 95% confidence intervals');
  if (view.censor_marks !== false) bits.push('+ censored');
  $('#fig-caption').textContent = bits.length ? bits.join('; ') + '.' : '';
  return layout;
}
