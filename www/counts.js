// The count-column offer: when the engine's schema names a column that looks like counts of
// patients per row (`schema.count_column`, recognised by the core: src/table.rs
// `Table::count_column`), the page offers it with one click — "each row stands for N patients" —
// which sets the spec's `weights: {column, kind: "frequency"}`; a second click takes it back.
// Nothing is weighted until the user clicks. The page computes nothing here: the total and the
// reason come from the core.

import { el } from './dom.js';

/**
 * Show the offer in `box` for `schema` and the current `spec`; `apply(spec)` runs a new spec and
 * resolves when the page has it (then the box is shown again for the new spec by `current()`).
 */
export function renderCountNotice(box, schema, spec, apply, current) {
  const c = schema?.count_column;
  if (!c || !spec) {
    box.hidden = true;
    box.replaceChildren();
    return;
  }
  const on = spec.weights?.kind === 'frequency' && spec.weights.column === c.column;
  const other = spec.weights && !on;
  const total = Number(c.total).toLocaleString('en-US');
  const button = el('button', { type: 'button', id: 'count-use', class: 'secondary' });
  let text;
  if (on) {
    text = `Each row stands for '${c.column}' patients: the analysis counts ${total} patients in ${schema.rows.toLocaleString('en-US')} rows (frequency weights).`;
    button.textContent = 'Count each row once';
  } else {
    text = `Aggregated file? ${c.reason}.`;
    button.textContent = `Each row stands for '${c.column}' patients`;
    if (other) button.title = `replaces the weights set now ('${spec.weights.column}', ${spec.weights.kind})`;
  }
  button.addEventListener('click', async () => {
    // The spec as it is now (the controls may have changed it since the offer was shown).
    const next = JSON.parse(JSON.stringify(current() || spec));
    if (next.weights?.kind === 'frequency' && next.weights.column === c.column) delete next.weights;
    else next.weights = { column: c.column, kind: 'frequency' };
    button.disabled = true;
    try {
      await apply(next);
    } finally {
      const s = current();
      renderCountNotice(box, schema, s || spec, apply, current);
    }
  });
  box.replaceChildren(el('p', { text }), button);
  box.hidden = false;
}
