// The page's disclosure state, in one module that the others import (no module keeps its own
// copy, and none imports another feature module for it): the threshold k the user set (counts
// below k are flagged and suppressed in exports), whether the page's figure is drawn with it
// ("apply to figure"), and the k of an opened results-only link (its figure always suppresses
// with it). The rules themselves are the core's (src/disclosure.rs); this holds only the
// user's choices.

/** Disclosure threshold: counts below k are flagged and suppressed in exports. */
let discloseK = 5;
/** "Apply k to the figure" on the page. */
let applyToFigure = false;
/** The k of an opened results link, or null (the page shows its own data). */
let sharedK = null;

/** The current disclosure threshold k. */
export function disclosureK() { return discloseK; }

/** Set k (a whole number ≥ 1; anything else is refused and false returned). */
export function setDisclosureK(k) {
  if (!(Number.isInteger(k) && k >= 1)) return false;
  discloseK = k;
  return true;
}

/** Whether the page's figure is drawn with k. */
export function figureUsesK() { return applyToFigure; }
export function setApplyToFigure(on) { applyToFigure = !!on; }

/** The k of the results link shown (null: none). */
export function sharedLinkK() { return sharedK; }
export function setSharedLinkK(k) { sharedK = k ?? null; }

/** The k the page's figure is drawn with, or null (plot option `min_cell`). */
export function figureMinCell() {
  return sharedK ?? (applyToFigure ? discloseK : null);
}

/** The k every export (figure files, methods paragraph) suppresses with. */
export function exportMinCell() {
  return sharedK ?? discloseK;
}

/** Whether the page shows a results-only link (no data). */
export function showingSharedResults() { return sharedK != null; }
