// The Paper view's tab (issue 20: only the tabs load with the page; the view's content, figures
// and tables are www/paper-view.js, imported the first time the tab is opened). The Paper view
// lays the demo study's results out as a results section would — the figures with the landmark
// values marked, a table of the published figures beside the demo's (computed live from the
// reports), and the multivariable models, each a live analysis whose covariates the reader can
// take out and put back.
//
// Everything is computed by the same engine as the main view, from the demo file already loaded
// (opening the view fetches only its module: the manifest is read while the page loads). The
// engine keeps one "last report"; the Paper view runs its own specs through the page's serial
// queue and asks the page to re-run its own analysis when the reader goes back to it.

import { el, ownFile } from './dom.js';

/**
 * Build the Paper view and its tab. `ctx`: {engine(), serial(fn), demo(), fileName()} from the
 * page. Returns {update()}: the page calls it when a file is loaded.
 */
export function initPaper(ctx) {
  const results = document.querySelector('.results');
  if (!results) return { update() {} };
  const manifest = fetch(new URL('./demo/analyses.json', import.meta.url))
    .then(r => (r.ok ? r.json() : null)).catch(() => null);

  // Wrap the analysis view so that the two views are two tab panels.
  const analysis = el('div', { id: 'analysis-view', role: 'tabpanel', 'aria-labelledby': 'tab-analysis' });
  analysis.append(...results.childNodes);
  const paper = el('div', { id: 'paper-view', role: 'tabpanel', 'aria-labelledby': 'paper-tab', class: 'paper', tabindex: '-1' });
  paper.hidden = true;
  const tabAnalysis = el('button', { type: 'button', role: 'tab', id: 'tab-analysis', 'aria-controls': 'analysis-view', 'aria-selected': 'true', text: 'Analysis' });
  const tabPaper = el('button', { type: 'button', role: 'tab', id: 'paper-tab', 'aria-controls': 'paper-view', 'aria-selected': 'false', tabindex: '-1', text: 'Paper view' });
  const tabNote = el('span', { class: 'muted small tab-note', id: 'paper-tab-note' });
  tabPaper.disabled = true;   // until the demo file is loaded (update())
  const tabs = el('div', { class: 'view-tabs', role: 'tablist', 'aria-label': 'View' }, tabAnalysis, tabPaper);
  results.append(el('div', { class: 'view-tabs-bar' }, tabs, tabNote), analysis, paper);

  const s = {
    active: false,
    built: false,
    manifest: null,
    specs: {},      // the live spec of each analysis (the models' covariates change)
    reports: {},
    view: null,     // {build, refreshAll} of www/paper-view.js, once opened
  };

  function select(which) {
    const toPaper = which === 'paper';
    if (toPaper && tabPaper.disabled) return;
    tabAnalysis.setAttribute('aria-selected', String(!toPaper));
    tabPaper.setAttribute('aria-selected', String(toPaper));
    tabAnalysis.tabIndex = toPaper ? -1 : 0;
    tabPaper.tabIndex = toPaper ? 0 : -1;
    analysis.hidden = toPaper;
    paper.hidden = !toPaper;
    const was = s.active;
    s.active = toPaper;
    if (toPaper && !was) return open();
    // The Paper view's analyses are views of their own (`paper:KEY`): the page's report was
    // never replaced, so nothing is run again on the way back.
    return Promise.resolve();
  }

  tabAnalysis.addEventListener('click', () => { select('analysis').catch(() => {}); });
  tabPaper.addEventListener('click', () => { select('paper').catch(e => showError(e)); });
  tabs.addEventListener('keydown', e => {
    if (!['ArrowLeft', 'ArrowRight', 'Home', 'End'].includes(e.key)) return;
    e.preventDefault();
    const next = (e.key === 'ArrowRight' || e.key === 'End') && !tabPaper.disabled ? tabPaper : tabAnalysis;
    next.focus();
    select(next === tabPaper ? 'paper' : 'analysis').catch(() => {});
  });

  function isDemo() {
    const d = ctx.demo();
    return !!d && ctx.fileName() === d.data;
  }

  /** The page loaded a file: the Paper view belongs to the demo file only. */
  function update() {
    const demo = isDemo();
    tabPaper.disabled = !demo;
    tabNote.textContent = demo ? '' : 'Paper view: the demo study only (your file replaced it).';
    if (!demo && s.active) {
      s.active = false;
      tabAnalysis.setAttribute('aria-selected', 'true');
      tabPaper.setAttribute('aria-selected', 'false');
      tabAnalysis.tabIndex = 0;
      tabPaper.tabIndex = -1;
      analysis.hidden = false;
      paper.hidden = true;
    }
  }

  function showError(e) {
    const box = paper.querySelector('.paper-error') || el('div', { class: 'panel error paper-error', role: 'alert' });
    box.textContent = `The Paper view could not be computed: ${e?.message || e}`;
    if (!box.isConnected) paper.prepend(box);
  }

  async function open() {
    if (!s.built) {
      s.manifest = await manifest;
      if (!s.manifest?.analyses) throw new Error('the demo manifest (demo/analyses.json) is missing');
      for (const [k, v] of Object.entries(s.manifest.analyses)) s.specs[k] = JSON.parse(JSON.stringify(v));
      const { paperView } = await import(ownFile(new URL('./paper-view.js', import.meta.url)));
      s.view = paperView(ctx, paper, s, showError);
      s.view.build();
      s.built = true;
    }
    await s.view.refreshAll();
    paper.focus({ preventScroll: true });
  }

  return { update, select };
}
