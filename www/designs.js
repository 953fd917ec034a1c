// The "Study design" block of the sidebar and the design results under the Summary table: only
// this hook loads with the page (issue 20). The controls and results are www/designs-view.js,
// imported the first time the block is opened, or when the spec uses a design key, the file looks
// like start–stop data or the report has design results (an immortal-time warning, conditional
// survival); until then the block's controls are empty and its results hidden, as they would be.

import { $, loadOnce } from './dom.js';

/** {state, runSpec, showError} from main.js. */
let ctx = null;
/** The block ({fill, render, clear} of www/designs-view.js), once loaded. */
let view = null;
const load = loadOnce(new URL('./designs-view.js', import.meta.url), m => (view = m.initDesigns({ ...ctx, clearResults: clearDesignResults })));
const failed = e => ctx.showError(e, 'The study design block could not be loaded');

/** Whether the spec uses a study-design key. */
const specUses = spec => ['entry', 'id', 'time_varying', 'landmark', 'conditional'].some(k => spec?.[k] != null);

/** Whether the block has results to show: the report's, or the schema's start–stop offer. */
function resultsFor({ report: r, schema, spec }) {
  return !!(r?.immortal_time || r?.conditional?.length || (schema?.start_stop && !spec?.id));
}

/** Hide the block's results (also before its module is loaded). */
function clearDesignResults() {
  for (const id of ['#start-stop-offer', '#immortal-box', '#conditional-box']) $(id).hidden = true;
  $('#design-results').hidden = true;
}

/** Wire the hook; returns {fill, render, clear, clearResults} for main.js's `sections.designs`. */
export function initDesigns(c) {
  ctx = c;
  const box = $('#design-box');
  // Opened: the controls from the current spec and columns (the module is loaded the first time).
  box.addEventListener('toggle', () => { if (box.open && !view) load().then(v => v.fill(), failed); });
  return {
    /** The controls from the spec and the schema. */
    fill() {
      if (view) view.fill();
      else if (box.open || specUses(ctx.state.spec)) load().then(v => v.fill(), failed);
    },
    /** After each report: the design results (loading the module when there are any). */
    render() {
      if (view || specUses(ctx.state.spec) || resultsFor(ctx.state)) return load().then(v => v.render(), failed);
      clearDesignResults();
      return undefined;
    },
    clear() {
      if (view) view.clear();
      else clearDesignResults();
    },
    clearResults: clearDesignResults,
  };
}
