// The "Hazard models" section of the analysis view: beyond the Cox model, the hazard itself and
// parametric fits. Only the section's heading loads with the page (issue 20); its content, fits
// and figures are www/hazard-models.js, imported the first time the section is opened.

import { el, loadOnce } from './dom.js';

/**
 * ctx: engine(), serial(fn), state() → {spec, report}, showError(e, context).
 * Returns {changed(), clear(), open()}: call changed() after the page's analysis changed.
 */
export function initHazard(ctx) {
  const host = document.querySelector('#analysis-view') || document.querySelector('.results');
  if (!host) return { changed() {}, clear() {}, open: () => Promise.resolve() };
  const box = el('details', { id: 'hazard-box', class: 'hazard-box' },
    el('summary', { id: 'hazard-tab' }, el('h2', { text: 'Hazard models', class: 'inline-heading' })));
  host.append(box);
  /** The section's content ({opened, changed, clear}), once loaded. */
  let section = null;
  const load = loadOnce(new URL('./hazard-models.js', import.meta.url), m => (section = m.hazardSection(ctx, box)));
  box.addEventListener('toggle', () => {
    if (box.open) load().then(s => s.opened(), e => ctx.showError(e, 'The hazard models could not be loaded'));
  });
  return {
    /** A new file: nothing drawn for the previous one stays (the section refits when opened). */
    clear() { section?.clear(); },
    /** The page's analysis changed: redo the section now when it is open, else when it opens. */
    changed() { section?.changed(); },
    /** Open the section (and fit). */
    open() {
      if (!box.open) box.open = true;   // fires 'toggle'
      return Promise.resolve();
    },
  };
}
