// The "Adjusted comparison" block (issue 18): only this hook loads with the page (issue 20). Its
// controls and results are www/adjusted-view.js, imported the first time the block is opened or
// an analysis uses what it shows (propensity weights, row weights, adjusted curves, RMST,
// subgroups, splines, interactions, or the group's hazard ratio in the Cox model); until then
// the block's controls are empty and its results hidden, as they would be.

import { $, loadOnce } from './dom.js';
import { groupColumns } from './spec.js';

/** {state, runSpec, redraw, showError, download, stem, serial, checkExport, widthOf} from main.js. */
let ctx = null;
/** The block's module (www/adjusted-view.js), once loaded. */
let view = null;
const load = loadOnce(new URL('./adjusted-view.js', import.meta.url), m => {
  m.initAdjusted(ctx);
  view = m;
  return m;
});

const failed = e => ctx.showError(e, 'The adjusted comparison block could not be loaded');

/** Whether the spec asks for what the block shows (its controls are then filled). */
function specUses(spec) {
  return !!spec && !!(spec.propensity || spec.weights || spec.adjusted || spec.subgroups?.length || spec.splines?.length
    || spec.interactions?.length || spec.rmst_tau != null);
}

/** Whether the block's results have anything to show for report `r` (www/adjusted-view.js `renderAdjustedResults`). */
function reportUses(r, spec) {
  if (!r) return false;
  const g = groupColumns(spec || {});
  const groupTerm = g.length === 1 && (r.cox?.terms || []).some(t => t.name.startsWith(`${g[0]}=`));
  return specUses(spec) || groupTerm || !!(r.propensity || r.rmst_diff?.length || r.subgroups?.length || r.spline?.length || r.adjusted?.length);
}

export function initAdjusted(c) {
  ctx = c;
  const box = $('#adjust-box');
  // Opened: the controls from the current spec and columns (the module is loaded the first time).
  box.addEventListener('toggle', () => { if (box.open) load().then(m => m.renderAdjustedControls(), failed); });
}

/** The controls from the spec and the file's columns (called whenever the controls are filled). */
export function renderAdjustedControls() {
  if (view) return view.renderAdjustedControls();
  if ($('#adjust-box').open || specUses(ctx?.state.spec)) load().then(m => m.renderAdjustedControls(), failed);
  return undefined;
}

/** Which survival figure the page draws: 'adjusted' when the report has them and the view asks. */
export function survivalFigure() {
  const r = ctx?.state.report, spec = ctx?.state.spec;
  return r?.adjusted?.length && spec?.adjusted === 'direct' && spec?.view?.curves !== 'crude' ? 'adjusted' : 'survival';
}

export function clearAdjusted() {
  $('#adjust-results').hidden = true;
  view?.clearAdjusted();
}

/** After each report: the block's results (loading its module when the report has any). */
export async function renderAdjustedResults() {
  if (view || reportUses(ctx.state.report, ctx.state.spec)) return (await load()).renderAdjustedResults();
  $('#adjust-results').hidden = true;
  return undefined;
}

/** The adjusted curves as PNG (see www/adjusted-view.js). */
export async function adjustedPng(canvas, options) {
  return (await load()).adjustedPng(canvas, options);
}
