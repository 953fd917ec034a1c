// The page's shared state and plumbing, imported by the page's modules (controls, results,
// figure, demo, main): the state {engine, schema, spec, report, ...}, the queue every engine
// operation goes through, the error and warning panels, and the late-bound hooks (`runSpec`,
// `redraw`, `loadBytes`: main.js fills them) and sections (`designs`) that the modules call
// without importing main.js (no import cycle).

import { $, el, put } from './dom.js';

/** Functions main.js defines, called from the modules it imports: {runSpec, redraw, loadBytes}. */
export const hooks = {};
/** The page's sections made in main.js: {designs}. */
export const sections = {};

export const state = {
  engine: null,
  schema: null,
  spec: null,
  report: null,
  pendingSpec: null,   // from a #spec= link, applied to the next loaded file
  demo: null,          // {base, data, analyses}
  busy: Promise.resolve(),
  // The load state machine: 'empty' (no file), 'loading', 'loaded' (a schema; maybe no spec yet),
  // 'failed' (the last file could not be read: nothing of an earlier file is shown). `loadId`
  // counts loads; work queued for an earlier load finds a newer id and does nothing.
  phase: 'empty',
  loadId: 0,
};

// Serialize every engine operation: the page and the scripting API can call concurrently.
export function serial(fn) {
  const next = state.busy.then(fn, fn);
  state.busy = next.catch(() => {});
  return next;
}

export function showError(err, context) {
  const box = $('#error');
  box.replaceChildren();
  box.append(el('h2', { text: context || 'Something went wrong' }));
  box.append(el('p', { class: 'msg', text: err?.message || String(err) }));
  const where = [];
  if (err?.file) where.push(['File', err.file]);
  if (err?.line != null) where.push(['Line', String(err.line)]);
  if (err?.column) where.push(['Column', err.column]);
  if (where.length) {
    const dl = el('dl', { class: 'where' });
    for (const [k, v] of where) dl.append(el('dt', { text: k }), el('dd', { text: v }));
    box.append(dl);
  }
  const close = el('button', { type: 'button', class: 'link', text: 'Dismiss' });
  close.addEventListener('click', () => { box.hidden = true; });
  box.append(close);
  box.hidden = false;
}

/**
 * Hide the error panel. Called only where the user acts (a file chosen, a control changed, a
 * spec set): an error stays shown until then, on whichever tab, whatever refits follow it.
 */
export function clearError() { $('#error').hidden = true; }

export function showWarnings(list) {
  const box = $('#warnings');
  const ul = box.querySelector('ul');
  put(ul, ...list.map(w => el('li', { text: w })));
  box.hidden = list.length === 0;
}
