// The page: the file's loading, the analysis runs, the scripting API and the wiring of events
// around the wasm engine. State = {schema, spec, report} (www/page.js); the spec is the one
// object shared with the CLI and the share link. The controls (www/controls.js), results
// (www/results.js), figures (www/figure.js) and the demo (www/demo.js) are modules of their own.

import { state, serial, showError, clearError, hooks, sections } from './page.js';
import { initAdjusted, survivalFigure, adjustedPng } from './adjusted.js';
import { DATES, clearControls, onControlsChanged, onViewChanged, renderSchema, fillControls, onGroupInModel, onLabelChanged, onLevelLabelChanged } from './controls.js';
import { renderCountNotice } from './counts.js';
import { renderDemoInfo, openDemo } from './demo.js';
import { initDesigns } from './designs.js';
import { disclosureK, exportMinCell } from './disclosure.js';
import { $, el } from './dom.js';
import { slowLabel, startEngine } from './engine.js';
import { initExplorer, startPrivacyBadge } from './explorer.js';
import { wireHover, plotOptions, widthOf, drawFigure, figureAhead } from './figure.js';
import { initHazard } from './hazard.js';
import { initOverview, clearOverview } from './overview.js';
import { initPaper } from './paper.js';
import { identifierColumns, stripIdentifiers, exportProblem, linkValues } from './privacy.js';
import { progressText } from './read.js';
import { clearResults, renderReport } from './results.js';
import { initShare, openSharedLink, figurePng, leaveSharedView } from './share.js';
import { defaultSpec, groupLabel, timeColumn, specToHash, specFromHash, noSpecReason, timeNote } from './spec.js';
import { startWarmUp } from './warm.js';
import { initZph } from './zph.js';
import { exportBlocked, manuscriptPng } from './figure-export.js';

Object.assign(hooks, { runSpec, redraw, loadBytes });

// ---------- loading ----------

/** The load progress bar: {phase: 'reading'|'parsing'|'analysing', loaded, total}, or null to hide it. */
function showProgress(p) {
  const box = $('#load-progress-box');
  if (!p) { box.hidden = true; return; }
  const bar = $('#load-progress');
  if (p.phase === 'reading' && p.total > 0) bar.value = p.loaded / p.total;
  else bar.removeAttribute('value');   // indeterminate while the engine parses / fits
  $('#load-progress-label').textContent = p.phase === 'reading' ? progressText(p.loaded, p.total)
    : p.phase === 'parsing' ? 'Parsing…' : p.phase === 'engine' ? 'Loading the workbook reader…' : p.label || 'Analysing…';
  // The file is parsed as it is read: Cancel stops both. An analysis can be stopped where the
  // engine runs in a worker (www/engine.js `stop`): the previous results stay.
  const stoppable = p.phase === 'analysing' && !!state.engine?.canStop?.();
  $('#load-cancel').hidden = p.phase !== 'reading' && !stoppable;
  $('#load-cancel').textContent = p.phase === 'reading' ? 'Cancel' : 'Stop';
  $('#load-cancel').disabled = false;
  box.dataset.phase = p.phase;
  box.hidden = false;
}
$('#load-cancel')?.addEventListener('click', () => {
  if ($('#load-progress-box').dataset.phase !== 'analysing') { state.engine?.cancelLoad?.(); return; }
  // The new worker reads the file again (a large file takes a while): say so until it is back.
  const btn = $('#load-cancel');
  btn.disabled = true;
  $('#load-progress-label').textContent = 'Stopping: the engine restarts and reads the file again…';
  state.engine.stop().catch(e => showError(e, 'The analysis engine could not restart')).finally(() => { btn.disabled = false; });
});

/** Load `source` (a Uint8Array, or a File read in chunks with a progress bar). */
async function loadBytes(name, source, specOverride, isDemo = false) {
  return serial(async () => {
    clearError();
    // Before anything else: nothing derived from the previous file stays on the page.
    resetForLoad(name);
    let schema;
    try {
      schema = typeof Blob !== 'undefined' && source instanceof Blob && state.engine.loadFile
        ? await state.engine.loadFile(source, name, showProgress)
        : await state.engine.load(source, name);
    } catch (e) {
      showProgress(null);
      state.phase = 'failed';
      $('#file-info').textContent = `${name}: not loaded (see the message above). Choose or drop another file.`;
      showError(e, `Could not read ${name}`);
      throw e;
    }
    state.phase = 'loaded';
    if (!$('#load-progress-box').hidden) showProgress({ phase: 'analysing' });
    try {
      return await afterLoad(name, schema, specOverride, isDemo);
    } finally {
      showProgress(null);
    }
  });
}

/**
 * A new file is on its way: clear every view derived from the previous one (figure, tables,
 * model, Table 1 and the Cohort tab, hazard section, controls, notes) and forget its schema,
 * spec and report, so that neither a failed load nor a refit queued for the old file can leave
 * old results under the new file's name.
 */
function resetForLoad(name) {
  state.loadId++;
  state.phase = 'loading';
  leaveSharedView();
  state.schema = null;
  state.spec = null;
  state.report = null;
  state.isDemo = false;
  state.controlsShown = null;
  clearResults();
  clearControls();
  clearOverview();
  hazard.clear();
  paper.update();   // the Paper view belongs to the demo file only
  $('#check-note').hidden = true;
  $('#demo-box').hidden = true;
  $('#demo-note').hidden = true;
  $('#columns-box').hidden = true;
  $('#identifier-notice').hidden = true;
  $('#count-notice').hidden = true;
  $('#notes').textContent = '';
  $('#refit-time').textContent = '';
  $('#action-status').textContent = '';
  $('#file-info').textContent = `Loading ${name}…`;
}

async function afterLoad(name, schema, specOverride, isDemo) {
  state.schema = schema;
  state.isDemo = isDemo;
  state.report = null;
  renderSchema();
  paper.update();
  let spec = specOverride || null;
  if (!spec && state.pendingSpec) {
    spec = state.pendingSpec;
    state.pendingSpec = null;
    $('#pending').hidden = true;
  }
  if (!spec) spec = defaultSpec(schema);
  if (!spec) {
    state.spec = null;
    fillControls();
    const e = new Error(noSpecReason(schema));
    showError(e, `${name}: choose the time and outcome columns`);
    clearResults();
    return null;
  }
  const report = await runSpecInner(spec);
  if (!isDemo) showCheckNote(name);
  return report;
}

/**
 * After a file of the user's loads: the survival figure, and a note pointing to the Cohort tab
 * (types, missing values, Table 1) and naming a follow-up column that was a guess.
 */
function showCheckNote(name) {
  const box = $('#check-note');
  const guess = timeNote(state.schema, state.spec);
  const link = el('button', { type: 'button', class: 'link', text: 'Cohort tab' });
  link.addEventListener('click', () => api.view('cohort'));
  box.replaceChildren(el('strong', { text: 'Check your data. ' }),
    `${name} is analysed with the settings on the left${guess ? ` (${guess})` : ''}. The `, link,
    ' shows how each column was read, what is missing and Table 1.');
  box.hidden = false;
  // A count column (aggregated file): offered as frequency weights (www/counts.js).
  renderCountNotice($('#count-notice'), state.schema, state.spec, spec => runSpec(spec), () => state.spec);
}

async function runSpecInner(spec, t0 = performance.now()) {
  const before = state.spec;
  state.spec = spec;
  fillControls();
  // An analysis still running after a moment shows the progress line with its Stop button
  // (`slowCalls`; the load's own progress line is already up for the first analysis of a file).
  try {
    // The engine sends only what changed since the page's last report (a covariate toggle: the
    // models, not the curves); the page gets the whole report either way.
    // With the refit, the engine also writes the methods paragraph (renderReport picks it up).
    // The forest plot is asked for apart, once the answer is in: the worker draws it while the
    // page builds its tables (renderReport), instead of before answering.
    state.report = state.engine.runDelta ? await state.engine.runDelta(spec, { methods: exportMinCell() }) : await state.engine.run(spec);
  } catch (e) {
    if (e?.kind === 'stopped') await stopped(before, e);
    else {
      state.report = null;
      clearResults();
      showError(e, 'The analysis could not run');
    }
    throw e;
  }
  renderDemoInfo();
  await renderReport();
  showLatency('refit + redraw', t0);
  hazard.changed();
  return state.report;
}

/**
 * The engine's slow-call watch (www/engine.js `watch`): any call still running after a moment
 * (an analysis of this page or of a section, a figure, an export) shows the progress line,
 * saying which (`slowLabel`), with its Stop button, and hides it when the engine is done. The
 * line a load put up is the load's: left alone. Once Stop was clicked, the line ("Stopping: …") stays until the
 * engine is back.
 */
function slowCalls(engine) {
  let shown = null;   // the load (state.loadId) during which the line was put up here, or null
  engine.onSlow = (busy, op) => {
    const box = $('#load-progress-box');
    if (busy) {
      if (box.hidden) {
        shown = state.loadId;
        showProgress({ phase: 'analysing', label: slowLabel(op) });
      }
      return;
    }
    if (shown == null) return;
    const id = shown;
    shown = null;
    Promise.resolve(engine.stopping).catch(() => {}).finally(() => {
      // Unless a new slow call or a load has taken the line since.
      if (shown == null && id === state.loadId && box.dataset.phase === 'analysing' && !engine.slowCalls) showProgress(null);
    });
  };
}

/**
 * The user stopped an analysis (the Stop button): once the engine has restarted (the file and
 * the views' last analyses loaded again), the previous settings (`before`) and results stay on
 * the page (`state.report` was never replaced), or, for a file's first analysis, none. Says so.
 */
async function stopped(before, e) {
  await state.engine.stop();
  const same = state.report && state.schema;
  if (same) {
    state.spec = before;
    fillControls();
  } else {
    state.report = null;
    clearResults();
  }
  showError(e, same ? 'Analysis stopped: the results shown are those of the previous settings' : 'Analysis stopped: change the settings on the left to analyse again');
}

/** The status line under the figure: how long the last change took, measured here. */
function showLatency(what, t0) {
  const ms = performance.now() - t0;
  state.lastLatency = { what, ms };
  $('#refit-time').textContent = `${what} ${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
}

/** Re-analyse with `spec`; the latency shown counts from this call (the user's click). */
function runSpec(spec) {
  const t0 = performance.now();
  // A user's change: the error it answers goes; a load in between makes this spec stale.
  const id = state.loadId;
  return serial(() => {
    if (id !== state.loadId || !state.schema) return Promise.reject(new Error('a new file was loaded: that change belonged to the previous one'));
    clearError();
    return runSpecInner(spec, t0);
  });
}

/** Redraw the figure after a view change (no refit), showing how long it took. */
function redraw() {
  const t0 = performance.now();
  return serial(async () => { await drawFigure(); showLatency('redraw', t0); }).catch(e => showError(e, 'The figure could not be drawn'));
}

// ---------- scripting API and share links ----------

/** The spec a share link carries: without identifier-like columns unless the user opted in. */
function sharedSpec() {
  if (!state.spec) return { spec: null, removed: [] };
  if ($('#share-ids').checked) return { spec: state.spec, removed: [] };
  return stripIdentifiers(state.spec, identifierColumns(state.schema));
}

function shareLink() {
  const u = new URL(location.href);
  const { spec } = sharedSpec();
  // The demo's data ships with the page, so a link to a demo analysis opens it directly; any
  // other file must be dropped by whoever opens the link (the link never carries data).
  u.hash = spec ? specToHash(spec).slice(1) + (state.isDemo ? '&data=demo' : '') : '';
  return u.href;
}

/** Show a report that came without data (a results-only link): no file, no schema. */
function showShared(spec, report) {
  return serial(async () => {
    clearError();
    state.schema = null;
    state.isDemo = false;
    state.spec = spec;
    state.report = report;
    await renderReport();
  });
}

/** Throws when exporting the current analysis would show values of an identifier-like column. */
function checkExport() {
  const problem = exportProblem(state.spec, identifierColumns(state.schema));
  if (problem) {
    const e = new Error(problem);
    e.kind = 'privacy';
    throw e;
  }
}

function toBytes(bytes) {
  if (bytes instanceof Uint8Array || bytes instanceof Blob) return bytes;
  if (bytes instanceof ArrayBuffer) return new Uint8Array(bytes);
  if (typeof bytes === 'string') return new TextEncoder().encode(bytes);
  throw new TypeError('loadFile(name, bytes): bytes must be a Uint8Array, ArrayBuffer or string');
}

const api = {
  /** Load a file exactly as a drop does; resolves to the report (or null when time/outcome must be chosen). */
  loadFile: (name, bytes) => loadBytes(String(name), toBytes(bytes)),
  /** Set the analysis spec; the controls follow. Resolves to the report. */
  setSpec: spec => {
    if (!state.schema) return Promise.reject(new Error('no file is loaded'));
    return runSpec(JSON.parse(JSON.stringify(spec)));
  },
  spec: () => (state.spec ? JSON.parse(JSON.stringify(state.spec)) : null),
  report: () => (state.report ? JSON.parse(JSON.stringify(state.report)) : null),
  schema: () => (state.schema ? JSON.parse(JSON.stringify(state.schema)) : null),
  shareLink,
  /** Resolves when every queued load/run/draw has finished. */
  idle: () => state.busy.then(() => undefined),
  version: () => state.engine?.version() || '',
  /** Text exports of the current analysis: 'r' (R script), 'python' (lifelines script), 'methods'. */
  exportText: kind => serial(() => state.engine.exportText(kind)),
  /** Test hook: make the engine panic; the page reports it and restarts the engine. */
  selfTestPanic: () => serial(() => state.engine.selfTestPanic()),
  /** The survival figure's layout as last drawn (plot area, ticks, legend entry boxes) in canvas pixels. */
  figureLayout: () => (state.layout ? JSON.parse(JSON.stringify(state.layout)) : null),
  /** The last change's measured time: {what: 'refit + redraw' | 'redraw', ms}. */
  latency: () => state.lastLatency || null,
  /** The figure drawn ahead while idle (www/figure.js planAhead): {planned, drawing}, both false once done. */
  figureAhead,
  /** 'worker' or 'main': where the engine runs. */
  engineKind: () => (state.engine?.worker ? 'worker' : 'main'),
  ready: null,
};
window.cohort = api;
// The Paper view of the demo study (www/paper.js): its own tab; it runs its analyses through the same queue.
const paper = initPaper({ engine: () => state.engine, serial, demo: () => state.demo, fileName: () => state.schema?.name });
// The Hazard models section (www/hazard.js): smoothed/cumulative hazard and parametric fits, on opening.
const hazard = initHazard({ engine: () => state.engine, serial, state: () => state, showError });
// The Study design block (www/designs.js): entry, id, time-varying exposure, landmark, conditional survival.
const designs = initDesigns({ state, runSpec, showError });
sections.designs = designs;

// ---------- wiring ----------

// The File itself goes to the engine: it is read in chunks (in the worker when there is one)
// with a progress bar, and the page never holds a copy of its bytes. A dropped or chosen file
// opens on the Cohort view.
function readFile(file) {
  const shown = loadBytes(file.name, file).then(r => { if (r) api.view('survival'); }, () => {});
  return shown;
}

function wire() {
  wireHover();
  initZph({ engine: () => state.engine, serial, showError, download, stem, spec: () => state.spec, runSpec, checkExport });
  initExplorer({ state, runSpec, showError, download, stem, checkExport, redraw });
  initAdjusted({ state, runSpec, showError, download, stem, checkExport, redraw, serial, widthOf });
  initShare({ state, serial, showError, sharedSpec, checkExport, showShared,
    loadFile: (name, bytes, spec) => loadBytes(name, bytes, spec),
    redraw: () => serial(() => drawFigure()).catch(e => showError(e, 'The figure could not be drawn')),
    refreshMethods: () => serial(async () => { if (state.report) $('#methods').textContent = await state.engine.methodsK(exportMinCell()); }).catch(() => {}) });
  const drop = $('#drop');
  drop.addEventListener('dragover', e => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', e => {
    e.preventDefault();
    e.stopPropagation();
    drop.classList.remove('over');
    const f = e.dataTransfer?.files?.[0];
    if (f) readFile(f);
  });
  // A file dropped anywhere on the page must not navigate away from it.
  window.addEventListener('dragover', e => e.preventDefault());
  window.addEventListener('drop', e => { e.preventDefault(); const f = e.dataTransfer?.files?.[0]; if (f) readFile(f); });
  $('#file').addEventListener('change', e => { const f = e.target.files?.[0]; if (f) readFile(f); e.target.value = ''; });
  for (const id of ['#event-col', '#group-col', '#group-col2', '#date-start', '#date-end', '#date-end2', '#date-unit', '#time-unit', '#time-display']) $(id).addEventListener('change', onControlsChanged);
  $('#time-col').addEventListener('change', e => {
    $('#dates-box').hidden = e.target.value !== DATES;
    $('#time-units').hidden = e.target.value === DATES;
    onControlsChanged(e);
  });
  $('#event-values').addEventListener('change', onControlsChanged);
  $('#landmarks').addEventListener('change', onControlsChanged);
  for (const id of ['#lab-title', '#lab-x', '#lab-y']) $(id).addEventListener('change', onLabelChanged);
  $('#lab-levels').addEventListener('change', onLevelLabelChanged);
  $('#group-in-model').addEventListener('change', onGroupInModel);
  for (const id of ['#opt-ci', '#opt-risk']) $(id).addEventListener('change', onViewChanged);
  $('#opt-cuminc').addEventListener('change', () => { onViewChanged(); if (state.report) renderReport(); });
  $('#demo-analysis').addEventListener('change', e => {
    const spec = state.demo?.analyses[e.target.value];
    if (!spec) return;
    if (state.isDemo) runSpec(spec).catch(() => {});
    else openDemo(spec).catch(() => {});
  });
  $('#share').addEventListener('click', async () => {
    const link = shareLink();
    const { removed } = sharedSpec();
    const left = removed.length ? ` Left out (identifier-like): ${removed.join('; ')}.` : '';
    // Say which data values the link carries (outcome and reference levels, filter values,
    // hidden groups, title): settings, but values from the file.
    const values = linkValues(sharedSpec().spec);
    const carries = values.length ? ` It carries these values from the data: ${values.join('; ')}.` : ' It carries no values from the data.';
    try { await navigator.clipboard.writeText(link); $('#action-status').textContent = 'Link copied (the analysis settings and column names, no rows).' + carries + left; } catch { prompt('Share link (settings, no rows):' + carries + left, link); }
  });
  $('#save-json').addEventListener('click', async () => {
    if (nothingToSave()) return;
    try {
      checkExport();
      // The core's disclosure module writes it (`cohort export --as report-json`), from the view shown.
      const text = await serial(async () => { await syncEngine(); return state.engine.exportKind('report-json', disclosureK()); });
      download(new Blob([text], { type: 'application/json' }), stem() + '.report.json');
    } catch (e) { showError(e, 'The report was not saved'); }
  });
  const saveScript = (kind, ext) => async () => {
    if (nothingToSave()) return;
    try {
      checkExport();
      const text = await serial(async () => { await syncEngine(); return state.engine.exportKind(kind, disclosureK()); });
      download(new Blob([text], { type: 'text/plain' }), `${stem()}.${ext}`);
    } catch (e) { showError(e, 'The script could not be written'); }
  };
  $('#save-r').addEventListener('click', saveScript('r-script', 'R'));
  $('#save-py').addEventListener('click', saveScript('python-script', 'py'));
  $('#copy-methods').addEventListener('click', async () => {
    try {
      checkExport();
      // What is copied is the core's paragraph for k (`cohort export --as methods`).
      const text = await serial(() => state.engine.exportKind('methods', disclosureK()));
      await navigator.clipboard.writeText(text);
      $('#action-status').textContent = 'Methods paragraph copied.';
    } catch (e) { if (e?.name !== 'NotAllowedError') showError(e, 'The methods paragraph was not copied'); }
  });
  $('#save-svg').addEventListener('click', async () => {
    if (nothingToSave()) return;
    const c = $('#km');
    const scale = 2;
    const w = Math.round(c.clientWidth * scale), h = Math.round(c.clientHeight * scale);
    try {
      checkExport();
      const svg = await serial(() => state.engine.exportKind(survivalFigure() === 'adjusted' ? 'adjusted-svg' : 'figure-svg', disclosureK(), { ...plotOptions(scale), min_cell: disclosureK() }, w, h));
      download(new Blob([svg], { type: 'image/svg+xml' }), stem() + '.km.svg');
    } catch (e) { showError(e, 'The figure could not be saved'); }
  });
  $('#save-flow-svg').addEventListener('click', async () => {
    if (nothingToSave()) return;
    const c = $('#flow');
    const w = Math.round(c.clientWidth * 2), h = Math.round(c.clientHeight * 2);
    try {
      checkExport();
      const svg = await serial(() => state.engine.exportKind('flow-svg', exportMinCell(), { font_scale: 2 }, w, h));
      download(new Blob([svg], { type: 'image/svg+xml' }), stem() + '.flow.svg');
    } catch (e) { showError(e, 'The flow diagram could not be saved'); }
  });
  $('#save-png').addEventListener('click', async () => {
    if (nothingToSave()) return;
    const c = $('#km');
    try {
      checkExport();
      // Drawn from the report as the core's disclosure module releases it (min_cell = k).
      const pngOpts = { ...plotOptions(c.width / (c.clientWidth || c.width)), min_cell: disclosureK() };
      download(await (survivalFigure() === 'adjusted' ? adjustedPng(c, pngOpts) : figurePng(c, pngOpts)), stem() + (survivalFigure() === 'adjusted' ? '.adjusted.png' : '.km.png'));
    } catch (e) { showError(e, 'The figure could not be saved'); }
  });
  // The survival figure for print (PNG at 300 dpi, double column) by the on-demand manuscript
  // module: the command line's figure-png bytes (www/figure-export.js).
  $('#save-png-print').addEventListener('click', async () => {
    if (nothingToSave()) return;
    try {
      checkExport();
      const why = exportBlocked(state.engine, survivalFigure());
      if (why) throw new Error(why);
      const png = await serial(async () => { await syncEngine(); return manuscriptPng(state.engine, disclosureK(), plotOptions(1), $('#save-png-print')); });
      download(png, stem() + '.km.300dpi.png');
    } catch (e) { showError(e, 'The figure for print could not be saved'); }
  });
  // Tables wider than their box say that they scroll (phones).
  // A table wider than its box scrolls: it says so, and takes keyboard focus so that the arrow keys scroll it.
  // Measured once per frame however many changes came before it (each DOM change used to ask
  // for a frame of its own: a refit's changes laid the page out several times per frame), and
  // written only where the state changes (a write invalidates the layout the next wrap reads).
  let scrollFrame = 0;
  const markScroll = () => {
    scrollFrame = 0;
    const wraps = [...document.querySelectorAll('.table-wrap')];
    const scrolls = wraps.map(w => w.scrollWidth > w.clientWidth + 2);
    wraps.forEach((w, i) => {
      if (w.classList.contains('scrolls') !== scrolls[i]) w.classList.toggle('scrolls', scrolls[i]);
      if (scrolls[i] && w.getAttribute('tabindex') !== '0') w.setAttribute('tabindex', '0');
      else if (!scrolls[i] && w.hasAttribute('tabindex')) w.removeAttribute('tabindex');
    });
  };
  new MutationObserver(() => { scrollFrame ||= requestAnimationFrame(markScroll); }).observe(document.querySelector('main'), { childList: true, subtree: true });
  window.addEventListener('resize', markScroll);
  let resizeTimer = null;
  window.addEventListener('resize', () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => { if (state.report) serial(() => drawFigure()).catch(() => {}); }, 150);
  });
}

function stem() {
  return (state.schema?.name || 'cohort').replace(/\.[^.]+$/, '');
}

function download(blob, name) {
  const a = el('a', { href: URL.createObjectURL(blob), download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  const size = blob.size < 1024 ? `${blob.size} bytes` : `${(blob.size / 1024).toFixed(blob.size < 10240 ? 1 : 0)} KB`;
  $('#action-status').textContent = `Saved ${name} (${size}) to your downloads.`;
}

/** A save with no analysis says so (instead of doing nothing); true when there is nothing. */
function nothingToSave() {
  if (state.report) return false;
  $('#action-status').textContent = state.schema
    ? 'Nothing to save yet: choose the follow-up time and the outcome on the left first.'
    : 'Nothing to save yet: load a file first.';
  return true;
}

/**
 * Exports are written by the engine from its last analysis: when only the figure's options
 * changed since (a checkbox such as the CI bands, which redraws without a refit), run the
 * current spec so that the report, the R and Python scripts carry the view shown on the page.
 */
async function syncEngine() {
  if (!state.report || !state.spec) return;
  const same = JSON.stringify(state.report.spec?.view ?? null) === JSON.stringify(state.spec.view ?? null);
  if (!same) await runSpecInner(state.spec);
}

async function main() {
  wire();
  initOverview({ state, runSpec, runSpecInner, serial, download, stem });
  try {
    // `?engine=main` runs the engine on the main thread (for comparison and old browsers).
    state.engine = await startEngine({ worker: new URLSearchParams(location.search).get('engine') !== 'main' });
  } catch (e) {
    showError(e, 'The analysis engine could not start');
    throw e;
  }
  slowCalls(state.engine);
  state.engine.onPanic = (msg, kind) => (kind === 'memory'
    ? showError(new Error(msg), 'Out of memory')
    : showError(new Error(msg + ' The engine was restarted; please report this with the file\'s layout (not its data).'), 'Internal error'));
  $('#version').textContent = `cohort ${state.engine.version()}`;
  if (await openSharedLink(location.hash)) return;
  let linked = null;
  try {
    linked = specFromHash(location.hash);
  } catch (e) {
    showError(e, 'This link\'s analysis cannot be read');
  }
  if (linked && /(^#|&)data=demo(&|$)/.test(location.hash)) {
    await openDemo(linked).catch(e => showError(e, 'The demo analysis in this link could not run'));
    return;
  }
  if (linked) {
    state.pendingSpec = linked;
    // The figure's options the link carries show before a file is dropped.
    const v = linked.view || {};
    $('#opt-ci').checked = v.conf_bands !== false;
    $('#opt-risk').checked = v.risk_table !== false;
    $('#opt-cuminc').checked = !!v.cumulative;
    const p = $('#pending');
    const parts = [`time: ${timeColumn(linked) || 'from dates'}`, `outcome: ${linked.event?.column}`];
    if (linked.group) parts.push(`groups: ${groupLabel(linked)}`);
    p.textContent = `This link carries an analysis (${parts.join(', ')}) but no data. Drop the data file to reproduce it.`;
    p.hidden = false;
    return;
  }
  await openDemo().catch(e => showError(e, 'The demo cohort could not be loaded'));
}

// Ready once the page is shown and the engine worker's file reader has fetched its script (the
// worker says so, www/read.js; 5 s at most): the privacy badge counts any request after this.
api.ready = main().then(async v => {
  const reader = state.engine?.readerReady;
  if (reader) await Promise.race([reader, new Promise(res => setTimeout(res, 5000))]);
  return v;
});
startPrivacyBadge(api.ready);
startWarmUp(api, () => state.engine);   // the engine's idle warm-up, after the demo (www/warm.js)
