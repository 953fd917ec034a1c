// The "Cohort" tab: its tab bar and panel load with the page; what it shows (Table 1, the
// columns' cards, the missingness map, follow-up and events per covariate) is
// www/overview-tables.js, imported the first time the tab is shown (issue 20: not part of the
// page's first payload).

import { el, loadOnce } from './dom.js';

let ctx = null;          // {state, runSpec, runSpecInner, serial, download, stem}
let view = 'survival';   // which tab is shown
/** The tab's content module (www/overview-tables.js), loaded once. */
let tables = null;
const content = loadOnce(new URL('./overview-tables.js', import.meta.url), m => {
  m.initTables(ctx, () => view);
  tables = m;
  return m;
});

// ---------- the tab bar and the view ----------

function build() {
  const bar = el('div', { class: 'sub-tabs', role: 'tablist', 'aria-label': 'Analysis views' });
  for (const [id, label] of [['survival', 'Survival'], ['cohort', 'Cohort']]) {
    const b = el('button', { type: 'button', role: 'tab', id: `tab-${id}`, 'aria-controls': id === 'cohort' ? 'cohort-view' : null, text: label });
    b.addEventListener('click', () => showView(id));
    bar.append(b);
  }
  bar.addEventListener('keydown', e => {
    if (!['ArrowLeft', 'ArrowRight', 'Home', 'End'].includes(e.key)) return;
    e.preventDefault();
    const next = e.key === 'ArrowRight' || e.key === 'End' ? 'cohort' : 'survival';
    showView(next);
    document.querySelector(`#tab-${next}`).focus();
  });
  const pending = document.querySelector('#pending');
  pending.after(bar);
  const v = el('section', { id: 'cohort-view', class: 'cohort-view', role: 'tabpanel', 'aria-labelledby': 'tab-cohort' });
  v.innerHTML = `
    <div class="t1-head">
      <h2 id="t1-h">Table 1 <span id="t1-by" class="muted"></span></h2>
      <div class="t1-tools">
        <label>Numeric rows <select id="t1-order"><option value="mean">mean (SD) first</option><option value="median">median [IQR] first</option></select></label>
        <details id="t1-cols" class="t1-cols"><summary>Columns…</summary><ol id="t1-col-list"></ol></details>
        <button type="button" id="t1-csv">Export CSV</button>
        <button type="button" id="t1-md">Export Markdown</button>
      </div>
    </div>
    <div class="table-wrap"><table id="t1" class="t1"><caption class="visually-hidden">Baseline characteristics</caption><thead></thead><tbody></tbody></table></div>
    <ol id="t1-notes" class="t1-notes small"></ol>
    <h2>Follow-up and events</h2>
    <div class="table-wrap"><table id="fu" class="summary fu"><thead></thead><tbody></tbody></table></div>
    <p id="epv" class="epv"></p>
    <h2>Missing data</h2>
    <p id="miss-line"></p>
    <div class="miss-grid-wrap"><canvas id="miss-grid" role="img"></canvas></div>
    <p class="muted small">Each column of the map is a column of the file, rows run top to bottom in file order (binned);
      darker = more cells missing. The last lane marks the rows the analysis excludes.</p>
    <h2>Columns</h2>
    <div id="cards" class="cards"></div>`;
  bar.after(v);
  const failed = e => document.querySelector('#t1-notes').prepend(el('li', { class: 'err', text: `The Cohort tab could not be loaded: ${e.message}` }));
  v.querySelector('#t1-order').addEventListener('change', e => { content().then(m => m.setOrder(e.target.value === 'mean'), failed); });
  v.querySelector('#t1-csv').addEventListener('click', () => { content().then(m => m.exportTable1('csv'), failed); });
  v.querySelector('#t1-md').addEventListener('click', () => { content().then(m => m.exportTable1('markdown'), failed); });
  showView('survival');
}

function showView(id) {
  view = id;
  // The analysis view's container (the Paper view, when present, wraps it in a tab panel).
  document.querySelector('#pending').parentElement.classList.toggle('show-cohort', id === 'cohort');
  for (const b of document.querySelectorAll('.sub-tabs [role=tab]')) {
    const on = b.id === `tab-${id}`;
    b.setAttribute('aria-selected', String(on));
    b.tabIndex = on ? 0 : -1;
  }
  if (id === 'cohort' && ctx?.state.report) ctx.serial(() => renderOverview()).catch(() => {});
  if (id === 'survival' && ctx?.state.report) window.dispatchEvent(new Event('resize'));
}

// ---------- hooks called by main.js ----------

/** Wire the tab; `hooks`: {state, runSpec, runSpecInner, serial, download, stem}. */
export function initOverview(hooks) {
  ctx = hooks;
  build();
  window.cohort.view = id => { if (id) showView(id); return view; };
}

/** A new file is being loaded (or failed): nothing of the previous file's tab stays. */
export function clearOverview() {
  tables?.forget();
  const q = s => document.querySelector(s);
  q('#t1 thead').replaceChildren();
  q('#t1 tbody').replaceChildren(el('tr', {}, el('td', { class: 'muted', text: 'No analysis yet: load a file and choose its follow-up time and outcome.' })));
  q('#t1-by').textContent = '';
  q('#t1-notes').replaceChildren();
  q('#t1-col-list').replaceChildren();
  q('#fu thead').replaceChildren();
  q('#fu tbody').replaceChildren();
  q('#epv').textContent = '';
  q('#miss-line').textContent = '';
  const c = q('#miss-grid');
  c.width = c.height = 0;
  c.style.width = c.style.height = '0px';
  q('#cards').replaceChildren();
}

/** A file dropped or chosen by the user opens on the Cohort tab (called before it loads). */
export function openCohortView() {
  showView('cohort');
}

/**
 * After every report: refresh the tab when it is shown (called inside the page's queue); see
 * www/overview-tables.js `renderOverview`.
 */
export async function renderOverview() {
  const { state } = ctx;
  if (!state.schema || !state.spec) return;
  if (view !== 'cohort' || !state.report) return;
  await (await content()).renderOverview();
}
