// The page: controls and events around the wasm engine. State = {schema, spec, report}; the spec
// is the one object shared with the CLI and the share link.

import { startEngine } from './engine.js';
import { initOverview, renderOverview, clearOverview } from './overview.js';
import {
  defaultSpec, defaultEventValues, timeCandidates, outcomeCandidates, groupCandidates, groupColumns, groupLabel,
  timeColumn, timeFactor,
  parseLandmarks, specToHash, specFromHash, defaultLandmarks, noSpecReason, timeNote, timeProblem,
} from './spec.js';
import { fmtTime, fmtPct, fmtP, fmtNum, fmtMedian, plural } from './format.js';
import { initExplorer, renderExplorerControls, renderExplorerResults, clearExplorerResults, disclosureK, startPrivacyBadge, toggleGroup } from './explorer.js';
import { initPaper } from './paper.js';
import { initHazard } from './hazard.js';
import { initZph } from './zph.js';
import { initDesigns } from './designs.js';
import { progressText } from './read.js';
import { identifierColumns, stripIdentifiers, exportProblem, linkValues } from './privacy.js';
import { initShare, openSharedLink, figureMinCell, exportMinCell, figurePng, leaveSharedView } from './share.js';
import { $, el } from './dom.js';
import { initAdjusted, renderAdjustedControls, renderAdjustedResults, clearAdjusted, survivalFigure, adjustedPng } from './adjusted.js';
import { renderCountNotice } from './counts.js';


/** Value of the time picker's "from dates" entry. */
const DATES = '(from dates)';

const state = {
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
function serial(fn) {
  const next = state.busy.then(fn, fn);
  state.busy = next.catch(() => {});
  return next;
}

// ---------- errors, warnings ----------

function showError(err, context) {
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
function clearError() { $('#error').hidden = true; }

function showWarnings(list) {
  const box = $('#warnings');
  const ul = box.querySelector('ul');
  ul.replaceChildren(...list.map(w => el('li', { text: w })));
  box.hidden = list.length === 0;
}

// ---------- loading ----------

/** The load progress bar: {phase: 'reading'|'parsing'|'analysing', loaded, total}, or null to hide it. */
function showProgress(p) {
  const box = $('#load-progress-box');
  if (!p) { box.hidden = true; return; }
  const bar = $('#load-progress');
  if (p.phase === 'reading' && p.total > 0) bar.value = p.loaded / p.total;
  else bar.removeAttribute('value');   // indeterminate while the engine parses / fits
  $('#load-progress-label').textContent = p.phase === 'reading' ? progressText(p.loaded, p.total)
    : p.phase === 'parsing' ? 'Parsing…' : p.phase === 'engine' ? 'Loading the workbook reader…' : 'Analysing…';
  $('#load-cancel').hidden = p.phase !== 'reading';   // the file is parsed as it is read: Cancel stops both
  box.hidden = false;
}
$('#load-cancel')?.addEventListener('click', () => state.engine?.cancelLoad?.());

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

/** The analysis controls with nothing in them (no file, or a file that could not be read). */
function clearControls() {
  for (const id of ['#time-col', '#event-col', '#group-col', '#group-col2', '#date-start', '#date-end', '#date-end2']) $(id).replaceChildren();
  $('#dates-box').hidden = true;
  $('#time-units').hidden = false;
  $('#group-in-model-box').hidden = true;
  $('#lab-levels').replaceChildren();
  for (const id of ['#lab-title', '#lab-x', '#lab-y']) $(id).value = '';
  $('#event-values').replaceChildren();
  $('#landmarks').value = '';
  $('#landmarks-note').textContent = '';
  $('#spec-extra').replaceChildren();
  designs.clear();
  renderExplorerControls();
  renderAdjustedControls();
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
  state.spec = spec;
  fillControls();
  try {
    // The engine sends only what changed since the page's last report (a covariate toggle: the
    // models, not the curves); the page gets the whole report either way.
    // With the refit, the engine also draws the forest plot and writes the methods paragraph
    // (one message to its worker instead of three; renderReport picks them up).
    state.report = state.engine.runDelta ? await state.engine.runDelta(spec, { forest: forestRequest(), methods: exportMinCell() }) : await state.engine.run(spec);
  } catch (e) {
    state.report = null;
    clearResults();
    showError(e, 'The analysis could not run');
    throw e;
  }
  renderDemoInfo();
  await renderReport();
  showLatency('refit + redraw', t0);
  hazard.changed();
  return state.report;
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

// From the controls: rebuild the spec, keep keys the controls do not show (covariates, ...).
function specFromControls() {
  const old = state.spec || {};
  const spec = { ...old };
  let landmarksSet = false;   // by a change of unit (exact values, not the field's rounded text)
  if ($('#time-col').value === DATES) {
    const end = [$('#date-end').value, $('#date-end2').value].filter(Boolean);
    spec.time = { start: $('#date-start').value, end: end.length === 1 ? end[0] : end, unit: $('#date-unit').value };
  } else {
    // A unit for the durations ("recorded in") and the unit to show them in.
    const column = $('#time-col').value, unit = $('#time-unit').value, display = $('#time-display').value;
    spec.time = unit ? { column, unit, ...(display && display !== unit ? { display } : {}) } : column;
    const before = timeColumn(old) === column ? timeFactor(old) : 1;
    const after = timeFactor(spec);
    if (before !== after) {
      // The landmarks, RMST horizon and hazard bandwidth are in the shown unit. Landmarks the
      // page chose get the new unit's round ones; the user's own are kept, converted (the same
      // times), and the note under the field says so.
      const max = state.schema?.columns.find(c => c.name === column)?.max;
      const mine = old.times || [];
      const wasDefault = JSON.stringify(mine) === JSON.stringify(defaultLandmarks(max * before));
      const unitName = sp => (typeof sp.time === 'object' && (sp.time.display || sp.time.unit)) || 'units of the column';
      let lm;
      if (wasDefault || !mine.length) {
        lm = defaultLandmarks(max * after);
        $('#landmarks-note').textContent = lm.length ? `Landmarks set to round times in ${unitName(spec)}.` : '';
      } else {
        lm = mine.map(t => t * after / before);
        $('#landmarks-note').textContent = `Your landmarks ${mine.map(fmtTime).join(', ')} (${unitName(old)}) are the same times in ${unitName(spec)}: ${lm.map(fmtTime).join(', ')}.`;
      }
      landmarksSet = true;
      if (lm.length) spec.times = lm; else delete spec.times;
      $('#landmarks').value = lm.map(fmtTime).join(', ');
      if (typeof spec.rmst_tau === 'number') spec.rmst_tau *= after / before;
      if (typeof spec.hazard?.bandwidth === 'number') spec.hazard = { ...spec.hazard, bandwidth: spec.hazard.bandwidth * after / before };
    }
  }
  const eventCol = $('#event-col').value;
  const values = eventValuesFromControls();
  spec.event = { ...(old.event && old.event.column === eventCol ? old.event : {}), column: eventCol, event: values.event };
  if (values.competing.length) spec.event.competing = values.competing; else delete spec.event.competing;
  // A second column crosses the first (levels "a=x, b=y"); one column stays a plain string.
  const g = [$('#group-col').value, $('#group-col2').value].filter(Boolean).filter((c, i, a) => a.indexOf(c) === i);
  if (g.length === 2 && $('#group-col').value) spec.group = g;
  else if ($('#group-col').value) spec.group = g[0];
  else delete spec.group;
  try {
    if (!landmarksSet) {
      const lm = parseLandmarks($('#landmarks').value);
      // The field shows rounded values: unchanged text keeps the spec's exact times.
      const same = lm.map(fmtTime).join(', ') === (old.times || []).map(fmtTime).join(', ');
      if (!same) { $('#landmarks-note').textContent = ''; if (lm.length) spec.times = lm; else delete spec.times; }
    }
    $('#landmarks').removeAttribute('aria-invalid');
  } catch (e) {
    $('#landmarks').setAttribute('aria-invalid', 'true');
    throw e;
  }
  spec.view = viewFromToggles(old.view);
  return spec;
}

function onControlsChanged(ev) {
  if (!state.schema) return;
  state.controlsShown = null;   // the controls now show the user's edit, not the spec
  if (ev?.target?.id === 'event-col') {
    // New outcome column: pre-select its event values.
    const col = state.schema.columns.find(c => c.name === $('#event-col').value);
    renderEventValues(col, defaultEventValues(col?.levels));
  }
  if ($('#time-col').value === '' || $('#event-col').value === '') {
    showError(new Error('choose both the follow-up time and the outcome column on the left.'), 'Which columns?');
    return;
  }
  let spec;
  try {
    spec = specFromControls();
  } catch (e) {
    showError(e, 'Check the landmark times');
    return;
  }
  if (spec.event.event.length === 0) {
    showError(new Error(`mark at least one value of '${spec.event.column}' as “event”`), 'Which values are events?');
    return;
  }
  runSpec(spec).catch(() => {});
}

function viewFromToggles(old) {
  return { ...(old || {}), conf_bands: $('#opt-ci').checked, risk_table: $('#opt-risk').checked, cumulative: $('#opt-cuminc').checked };
}

function onViewChanged() {
  if (!state.spec) return;
  state.spec = { ...state.spec, view: viewFromToggles(state.spec.view) };
  redraw();
}

// ---------- controls ----------

function option(value, label, selected) {
  const o = el('option', { value, text: label });
  if (selected) o.selected = true;
  return o;
}

function renderSchema() {
  const s = state.schema;
  $('#file-info').textContent = `${state.isDemo ? 'Demo cohort: ' : ''}${s.name}: ${plural(s.rows, 'row')}, ${plural(s.columns.length, 'column')}`;
  const tbody = $('#columns tbody');
  tbody.replaceChildren(...s.columns.map(c => {
    const vals = c.identifier_reason ? `identifier-like (${c.identifier_reason}): values not shown`
      : c.levels ? c.levels.slice(0, 6).join(', ') + (c.levels.length > 6 ? ', …' : '')
      : c.min != null ? `${fmtTime(c.min)} – ${fmtTime(c.max)}` : `${c.distinct} distinct`;
    return el('tr', {}, el('th', { scope: 'row', text: c.name }), el('td', { text: c.kind }), el('td', { text: String(c.missing) }), el('td', { text: vals }));
  }));
  $('#columns-count').textContent = `(${s.columns.length})`;
  $('#columns-box').hidden = false;
  renderIdentifierNotice();
}

/** Name the identifier-like columns and what the page does with them. */
function renderIdentifierNotice() {
  const ids = identifierColumns(state.schema);
  const box = $('#identifier-notice');
  $('#share-ids-box').hidden = ids.size === 0;
  $('#share-ids').checked = false;
  box.hidden = ids.size === 0;
  if (!ids.size) { box.replaceChildren(); return; }
  box.replaceChildren(
    el('p', { text: `${ids.size === 1 ? 'This column looks' : 'These columns look'} like direct identifiers:` }),
    el('ul', {}, ...[...ids].map(([name, why]) => el('li', {}, el('strong', { text: name }), ` (${why})`))),
    el('p', { text: 'The file stays in this browser. Their values are not listed, are left out of the saved report, tables and scripts, and the share link leaves them out unless you tick "include identifier-like columns in shared settings".' }));
}

/** Settings of the spec that have no control on the page (from a demo, a link or the API). */
function renderSpecExtra(spec) {
  const items = [];
  const list = v => [].concat(v).join(', ');
  // Filters and covariates are shown by the explorer's panels (explorer.js).
  if (spec.strata) items.push(`Stratified by ${spec.strata}`);
  if (spec.cluster) items.push(`Clustered by ${spec.cluster} (robust SE)`);
  if (spec.event?.censored) items.push(`Censored: ${list(spec.event.censored)} (other values excluded)`);
  if (spec.rho) items.push(`G-rho weight ρ = ${spec.rho}`);
  if (spec.conf_type && spec.conf_type !== 'log') items.push(`CI transform: ${spec.conf_type}`);
  if (spec.rmst_tau) items.push(`RMST horizon ${spec.rmst_tau}`);
  $('#spec-extra').replaceChildren(...items.map(t => el('li', { text: t })));
}

/** One row per outcome value: what it means (event / competing event / censored). */
function renderEventValues(col, event, competing = []) {
  const box = $('#event-values');
  box.replaceChildren();
  const levels = [...(col?.levels || [])];
  const ev = new Set((event || []).map(String));
  const cr = new Set((competing || []).map(String));
  // Values in the spec that the column does not have (e.g. from a link): keep them visible.
  const extra = [...ev, ...cr].filter(v => !levels.includes(v));
  [...levels, ...extra].forEach((v, i) => {
    const id = `ev-${i}`;
    const sel = el('select', { id, 'data-value': v });
    sel.append(option('event', 'event', ev.has(v)), option('competing', 'competing event', cr.has(v)),
      option('censored', 'censored', !ev.has(v) && !cr.has(v)));
    const label = el('label', { for: id, text: v });
    if (!levels.includes(v)) { label.className = 'missing-value'; label.title = 'not a value of this column'; }
    box.append(el('div', { class: 'value-row' }, label, sel));
  });
  if (!box.children.length) box.append(el('p', { class: 'muted', text: 'Choose an outcome column with a few distinct values.' }));
}

function eventValuesFromControls() {
  const out = { event: [], competing: [] };
  for (const sel of document.querySelectorAll('#event-values select')) {
    if (sel.value === 'event') out.event.push(sel.dataset.value);
    else if (sel.value === 'competing') out.competing.push(sel.dataset.value);
  }
  return out;
}

/** Spec keys the model and filter panels show (explorer.js), not the analysis settings here. */
const PANEL_KEYS = new Set(['covariates', 'univariable', 'categorical', 'reference', 'ties', 'filters']);

function fillControls() {
  const s = state.schema;
  const spec = state.spec || {};
  if (!s) return;
  renderAdjustedControls();   // the Adjusted comparison block (www/adjusted.js)
  // A model change (a covariate ticked) leaves these controls as they are: rebuilding them on
  // every click would cost part of the refit's frame. Any change of the settings they show, a new
  // file, or a control edited without a run (e.g. no event value left) rebuilds them.
  const key = JSON.stringify(Object.entries(spec).filter(([k]) => !PANEL_KEYS.has(k)));
  if (state.controlsShown && state.controlsShown.schema === s && state.controlsShown.key === key) {
    renderExplorerControls();
    return;
  }
  state.controlsShown = { schema: s, key };
  const timeName = timeColumn(spec);
  const span = spec.time && typeof spec.time === 'object' && !timeName ? spec.time : null;
  const unitOf = spec.time && typeof spec.time === 'object' && timeName ? spec.time : null;
  $('#time-unit').value = unitOf?.unit || '';
  $('#time-display').value = unitOf?.display || '';
  $('#time-display').disabled = !unitOf;
  $('#time-units').hidden = !!span;
  const times = timeCandidates(s);
  const dates = s.columns.filter(c => c.kind === 'date');
  const tsel = $('#time-col');
  tsel.replaceChildren(...times.map(c => { const why = timeProblem(c); return option(c.name, why ? `${c.name} (${why})` : c.name, c.name === timeName); }));
  if (!timeName && !span) tsel.prepend(option('', times.length ? 'Choose…' : '(no numeric column)', true));
  if (timeName && !times.some(c => c.name === timeName)) tsel.prepend(option(timeName, `${timeName} (not numeric)`, true));
  if (dates.length >= 2 || span) tsel.append(option(DATES, 'From dates (start → end)…', !!span));
  const ends = span ? [].concat(span.end) : [];
  const dateOpts = (sel, value, blank) => {
    sel.replaceChildren(...(blank ? [option('', blank, !value)] : []), ...dates.map(c => option(c.name, c.name, c.name === value)));
    if (value && !dates.some(c => c.name === value)) sel.append(option(value, value, true));
  };
  dateOpts($('#date-start'), span?.start || dates[0]?.name);
  dateOpts($('#date-end'), ends[0] || dates[1]?.name);
  dateOpts($('#date-end2'), ends[1] || '', '(none)');
  $('#date-unit').value = span?.unit || 'months';
  $('#dates-box').hidden = !span;
  const eventName = spec.event?.column || '';
  const outcomes = outcomeCandidates(s);
  const esel = $('#event-col');
  esel.replaceChildren(...outcomes.map(c => option(c.name, c.name, c.name === eventName)));
  if (!eventName) esel.prepend(option('', outcomes.length ? 'Choose…' : '(no column with a few values)', true));
  if (eventName && !outcomes.some(c => c.name === eventName)) esel.prepend(option(eventName, eventName, true));
  const evCol = s.columns.find(c => c.name === esel.value);
  renderEventValues(evCol, spec.event?.event || defaultEventValues(evCol?.levels), spec.event?.competing || []);
  const [g1, g2] = groupColumns(spec);
  const gsel = $('#group-col');
  gsel.replaceChildren(option('', 'None (one curve)', !g1), ...groupCandidates(s).map(c => option(c.name, c.name, c.name === g1)));
  if (g1 && !groupCandidates(s).some(c => c.name === g1)) gsel.append(option(g1, g1, true));
  const gsel2 = $('#group-col2');
  gsel2.replaceChildren(option('', '(none)', !g2), ...groupCandidates(s).map(c => option(c.name, c.name, c.name === g2)));
  if (g2 && !groupCandidates(s).some(c => c.name === g2)) gsel2.append(option(g2, g2, true));
  gsel2.disabled = !g1;
  $('#landmarks').value = (spec.times || []).map(fmtTime).join(', ');
  renderSpecExtra(spec);
  const view = spec.view || {};
  $('#opt-ci').checked = view.conf_bands !== false;
  $('#opt-risk').checked = view.risk_table !== false;
  $('#opt-cuminc').checked = !!view.cumulative;
  renderLabels(spec);
  const gcols = groupColumns(spec);
  $('#group-in-model-box').hidden = !gcols.length;
  $('#group-in-model').checked = gcols.length > 0 && gcols.every(c => (spec.covariates || []).includes(c));
  designs.fill();
  renderExplorerControls();
}

/** The explicit choice of adjusting for the compared group: its column(s) in the model's covariates or not. */
function onGroupInModel(ev) {
  if (!state.spec) return;
  const gcols = groupColumns(state.spec);
  const covs = (state.spec.covariates || []).filter(c => !gcols.includes(c));
  const next = { ...state.spec, covariates: ev.target.checked ? [...gcols, ...covs] : covs };
  if (!next.covariates.length) delete next.covariates;
  runSpec(next).catch(() => {});
}

/** Figure title, axis labels (the spec's view) and the compared column's level labels (its labels). */
function renderLabels(spec) {
  const view = spec.view || {};
  $('#lab-title').value = view.title || '';
  $('#lab-x').value = view.time_label || '';
  $('#lab-y').value = view.y_label || '';
  const box = $('#lab-levels');
  const [g1, g2] = groupColumns(spec);
  const col = g1 && !g2 ? state.schema?.columns.find(c => c.name === g1) : null;
  if (!col?.levels?.length) { box.replaceChildren(); return; }
  const mine = spec.labels?.levels?.[col.name] || {};
  box.replaceChildren(el('p', { class: 'lab-h', text: `Names of the groups of ${col.name}` }),
    ...col.levels.map((level, i) => {
      const id = `lab-level-${i}`;
      return el('div', { class: 'value-row' }, el('label', { for: id, text: level }),
        el('input', { id, type: 'text', 'data-level': level, 'data-column': col.name, value: mine[level] || '', placeholder: level, autocomplete: 'off' }));
    }));
}

/** A title or axis label edited: the figure is redrawn (no refit); the spec keeps it. */
function onLabelChanged() {
  if (!state.spec) return;
  const view = { ...(state.spec.view || {}) };
  for (const [id, key] of [['#lab-title', 'title'], ['#lab-x', 'time_label'], ['#lab-y', 'y_label']]) {
    const v = $(id).value.trim();
    if (v) view[key] = v; else delete view[key];
  }
  state.spec = { ...state.spec, view };
  redraw();
}

/** A group level renamed: the analysis runs again with the spec's labels (groups renamed everywhere). */
function onLevelLabelChanged(ev) {
  const input = ev.target;
  if (!state.spec || !input.dataset.column) return;
  const col = input.dataset.column;
  const labels = JSON.parse(JSON.stringify(state.spec.labels || {}));
  const levels = labels.levels || {};
  const map = { ...(levels[col] || {}) };
  const before = map[input.dataset.level] || input.dataset.level;
  const v = input.value.trim();
  if (v && v !== input.dataset.level) map[input.dataset.level] = v; else delete map[input.dataset.level];
  if (Object.keys(map).length) levels[col] = map; else delete levels[col];
  if (Object.keys(levels).length) labels.levels = levels; else delete labels.levels;
  const spec = { ...state.spec };
  if (Object.keys(labels).length) spec.labels = labels; else delete spec.labels;
  // A hidden group stays hidden under its new name.
  const hidden = spec.view?.hidden_groups;
  if (hidden?.includes(before)) spec.view = { ...spec.view, hidden_groups: hidden.map(h => (h === before ? (v || input.dataset.level) : h)) };
  runSpec(spec).catch(() => {});
}

// ---------- results ----------

function clearResults() {
  $('#summary thead').replaceChildren();
  $('#summary tbody').replaceChildren();
  $('#test-line').textContent = '';
  showWarnings([]);
  const c = $('#km');
  c.getContext('2d').clearRect(0, 0, c.width, c.height);
  state.drawn = null;
  $('#fig-caption').textContent = '';
  $('#model-box').hidden = true;
  $('#flow-box').hidden = true;
  $('#flow-lines ul').replaceChildren();
  state.flowDrawn = null;
  $('#methods-box').hidden = true;
  designs.clearResults();
  clearAdjusted();
  clearExplorerResults();
  state.layout = null;
}

async function renderReport() {
  const r = state.report;
  const spec = state.spec;
  const times = spec.times || [];
  const cumulative = !!spec.view?.cumulative;
  const unit = r.time_unit ? ` ${r.time_unit}` : '';
  // Summary table: one row per group.
  const head = el('tr', {}, el('th', { scope: 'col', text: spec.group ? groupLabel(spec) : 'Cohort' }),
    el('th', { scope: 'col', text: 'n' }), el('th', { scope: 'col', text: 'Events' }),
    el('th', { scope: 'col', text: 'Median (95% CI)' }),
    el('th', { scope: 'col', text: `Median follow-up (${r.time_unit || `units of ${timeColumn(spec) || 'time'}`})`, title: 'reverse Kaplan-Meier' }),
    ...times.map(t => el('th', { scope: 'col', text: `${cumulative ? '1 − S' : 'S'}(${fmtTime(t)}${unit}) (95% CI)` })));
  $('#summary thead').replaceChildren(head);
  const rows = (r.km || []).map(k => {
    const cells = [el('th', { scope: 'row', text: k.group ?? 'All' }), el('td', { class: 'num', text: String(k.n) }),
      el('td', { class: 'num', text: String(k.events) }), el('td', { class: 'num', text: fmtMedian(k.median, k.median_lower, k.median_upper) }),
      el('td', { class: 'num', text: fmtTime(k.followup?.median) })];
    for (const t of times) {
      const a = (k.at || []).find(x => x.time === t);
      let text = '—';
      if (a) {
        const f = cumulative ? v => (v == null ? null : 1 - v) : v => v;
        const lo = cumulative ? f(a.upper) : a.lower;
        const hi = cumulative ? f(a.lower) : a.upper;
        text = `${fmtPct(f(a.surv))} (${fmtPct(lo).replace('%', '')}–${fmtPct(hi)})`;
      }
      const td = el('td', { class: 'num', text });
      if (a && a.n_risk != null) td.title = `${a.n_risk} at risk at ${fmtTime(t)}`;
      cells.push(td);
    }
    return el('tr', {}, ...cells);
  });
  $('#summary tbody').replaceChildren(...rows);
  if (r.cuminc?.length) renderCuminc(r, times, unit);
  // 1 − S and the risk table belong to Kaplan-Meier figures.
  $('#opt-cuminc').closest('label').hidden = !!r.cuminc?.length;
  $('#opt-risk').closest('label').hidden = !!r.cuminc?.length;
  $('#fig-h').textContent = r.cuminc?.length ? 'Cumulative incidence (competing risks)' : cumulative ? 'Cumulative incidence (1 − Kaplan–Meier)' : 'Kaplan–Meier estimate';
  let line = `${plural(r.n, 'row')} analysed, ${plural(r.events, 'event')}` + (r.competing_events != null ? `, ${plural(r.competing_events, 'competing event')}` : '');
  const filtered = r.rows_filtered_out || 0;
  const excluded = r.rows_in_file - filtered - r.n;
  const notes = [];
  if (filtered > 0) notes.push(`${filtered} of ${r.rows_in_file} rows outside the filters`);
  if (excluded > 0) notes.push(`${excluded} ${excluded === 1 ? 'row' : 'rows'} excluded: see warnings`);
  if (notes.length) line += ` (${notes.join('; ')})`;
  if (r.logrank) line += ` · Log-rank χ² = ${fmtNum(r.logrank.chisq)}, df = ${r.logrank.df}, ${fmtP(r.logrank.p)}`;
  for (const g of r.gray_test || []) line += ` · Gray's test (${g.cause}) χ² = ${fmtNum(g.stat)}, df = ${g.df}, ${fmtP(g.p)}`;
  $('#test-line').textContent = line;
  showWarnings(r.warnings || []);
  designs.render();
  $('#notes').textContent = (r.notes || []).join(' · ');
  // Asked now, answered after the drawing: the engine works through its messages in order, so the
  // page does not wait for one answer before sending the next question.
  const methods = state.engine.methodsK(exportMinCell()).catch(() => '');
  await drawFigure();
  await drawFlow();
  await renderModel();
  await renderAdjustedResults();
  renderExplorerResults();
  const text = await methods;
  $('#methods').textContent = text;
  $('#methods-box').hidden = !text;
  await renderOverview();
}

/** The forest plot's options and pixel width (the model box's width, capped). */
function forestRequest() {
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
async function drawFlow() {
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

/** Cox (or Fine-Gray) model: HR table, global tests and the forest plot. */
async function renderModel() {
  const r = state.report;
  const box = $('#model-box');
  const cox = r.cox && r.cox.terms?.length ? r.cox : null;
  const fg = !cox && r.finegray && r.finegray.terms?.length ? r.finegray : null;
  const m = cox || fg;
  box.hidden = !m;
  if (!m) return;
  const ratio = cox ? 'HR' : 'SHR';
  $('#model-h').textContent = cox ? 'Cox proportional-hazards model' : 'Fine-Gray subdistribution hazards model';
  $('#model thead').replaceChildren(el('tr', {}, el('th', { scope: 'col', text: 'Term' }),
    el('th', { scope: 'col', text: `${ratio} (95% CI)` }), el('th', { scope: 'col', text: 'P' })));
  $('#model tbody').replaceChildren(...m.terms.map(t => {
    const est = cox ? t.hr : t.shr;
    return el('tr', {}, el('th', { scope: 'row', text: t.name }),
      el('td', { class: 'num', text: `${fmtNum(est)} (${fmtNum(t.lower)}–${fmtNum(t.upper)})` }),
      el('td', { class: 'num', text: fmtP(t.p).replace(/^P /, '').replace(/^= /, '') }));
  }));
  let line = `${plural(m.n, 'row')}${m.events != null ? `, ${plural(m.events, 'event')}` : ''}`;
  if (cox) {
    line += ` · Likelihood-ratio χ² = ${fmtNum(cox.lr_test.chisq)}, df = ${cox.lr_test.df}, ${fmtP(cox.lr_test.p)}`;
    if (cox.concordance?.c != null) line += ` · Concordance ${fmtNum(cox.concordance.c, 3)}`;
    if (cox.ph_test?.global) line += ` · PH test (Schoenfeld) ${fmtP(cox.ph_test.global.p)}`;
  }
  // With a univariable screen the explorer's table shows each term univariable beside
  // multivariable: the same hazard ratios are not listed a second time here.
  const consolidated = (r.univariable || []).length > 0;
  $('#model').closest('.table-wrap').hidden = consolidated;
  if (consolidated) line += ` · ${ratio}s: see the univariable and multivariable table`;
  $('#model-line').textContent = line;
  const canvas = $('#forest');
  const f = forestRequest();
  await state.engine.drawForest(canvas, f.options, f.width, f.dpr);
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
function wireHover() {
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

/** Competing risks: cumulative incidence of each cause at the landmarks (estimate ± SE, as cmprsk). */
function renderCuminc(r, times, unit) {
  $('#summary thead').replaceChildren(el('tr', {}, el('th', { scope: 'col', text: groupLabel(state.spec) || 'Cohort' }),
    el('th', { scope: 'col', text: 'Cause' }),
    ...times.map(t => el('th', { scope: 'col', text: `CIF(${fmtTime(t)}${unit}) ± SE` }))));
  $('#summary tbody').replaceChildren(...r.cuminc.map(c => el('tr', {},
    el('th', { scope: 'row', text: c.group ?? 'All' }), el('td', { text: c.cause === 'event' ? 'event of interest' : 'competing event' }),
    ...times.map(t => {
      const a = (c.at || []).find(x => x.time === t);
      return el('td', { class: 'num', text: a ? `${fmtPct(a.estimate)} ± ${fmtPct(a.variance == null ? null : Math.sqrt(a.variance)).replace('%', '')}` : '—' });
    }))));
}

/** Keys of the plot module's options that a spec's `view` may carry (a share link keeps them). */
const PLOT_KEYS = ['conf_bands', 'censor_marks', 'risk_table', 'show_median', 'cumulative', 'percent', 'x_max', 'y_max',
  'time_label', 'y_label', 'title', 'p_digits', 'italic_p', 'hidden_groups', 'break_by', 'font_size'];

/** Options for the wasm plot module: the view's figure keys, the landmarks, the pixel scale. */
function plotOptions(scale) {
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
function widthOf(box) {
  if (!sizeWatch) return box.clientWidth;
  if (!widths.has(box)) sizeWatch.observe(box);
  // Unknown, or 0 while the box was hidden: measure now (once it is shown the observer keeps it).
  if (!widths.get(box)) widths.set(box, box.clientWidth);
  const w = widths.get(box);
  if (w) lastShown.set(box, w);
  return w || lastShown.get(box) || 0;
}

async function drawFigure() {
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
  const key = JSON.stringify([plotOptions(dpr), w, h, cssW, cssH, r.time_unit, r.groups, r.spec?.strata, r.spec?.rho, figure]);
  const parts = [r.km, r.cuminc, r.logrank, r.gray_test, r.trend, r.adjusted];
  if (state.drawn && state.drawn.key === key && state.drawn.parts.every((p, i) => p === parts[i])) return state.layout;
  canvas.style.width = cssW + 'px';
  canvas.style.height = cssH + 'px';
  canvas.width = w;   // (clears the canvas, even when the size is the same)
  canvas.height = h;
  state.drawn = null;
  const layout = await state.engine.draw(canvas, figure, plotOptions(dpr));
  state.layout = layout;
  state.drawn = { key, parts };
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

// ---------- demo ----------

async function fetchOk(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res;
}

async function loadDemo() {
  const base = new URL('./demo/', import.meta.url);
  let data = 'lung.csv';
  let analyses = { 'Lung cancer (R survival::lung): overall survival by sex': {
    time: 'time', event: { column: 'status', event: ['2'] }, group: 'sex', times: [180, 365, 730],
  } };
  let manifest = null;
  try {
    const m = await (await fetchOk(new URL('analyses.json', base))).json();
    if (m && m.data && m.analyses && Object.keys(m.analyses).length) {
      manifest = m;
      data = m.data;
      analyses = m.analyses;
    }
  } catch { /* no manifest: the lung placeholder */ }
  const bytes = new Uint8Array(await (await fetchOk(new URL(data, base))).arrayBuffer());
  const name = data.split('/').pop();
  state.demo = { data, name, analyses, bytes, manifest };
  const names = Object.keys(analyses);
  const sel = $('#demo-analysis');
  sel.replaceChildren(...names.map((n, i) => option(n, demoTitle(n), i === 0)));
  $('#demo-picker').hidden = names.length < 2;
  $('#demo-label').textContent = manifest?.label || 'Demo data: R survival package, lung (NCCTG advanced lung cancer).';
  return { name, bytes, first: analyses[names[0]] };
}

/** The picker's text for a demo analysis: the first sentence of its description, else its key. */
function demoTitle(key) {
  const d = state.demo?.manifest?.descriptions?.[key];
  if (d) {
    const first = d.split(/(?<=\.)\s/)[0].replace(/\.$/, '');
    if (first.length <= 90) return first;
  }
  return key.replace(/_mva$/, ' (multivariable)').replace(/_/g, ' ');
}

/** Description and published figures of the demo analysis the spec matches, if any. */
function renderDemoInfo() {
  const box = $('#demo-box');
  box.hidden = !state.isDemo;
  $('#demo-note').hidden = !state.isDemo;
  if (!state.isDemo) return;
  const m = state.demo?.manifest;
  const key = Object.keys(state.demo.analyses).find(k => JSON.stringify(stripView(state.demo.analyses[k])) === JSON.stringify(stripView(state.spec)));
  if (key) $('#demo-analysis').value = key;
  $('#demo-desc').textContent = key && m?.descriptions?.[key] ? m.descriptions[key] : '';
  const pub = key && m?.published?.[key];
  let text = '';
  if (pub?.landmarks) {
    text = `Published: ${pub.landmarks.map(l => `${l.percent}% at ${fmtTime(l.time)}`).join(', ')}` + (pub.measure ? ` (${pub.measure})` : '');
    if (pub.median_months != null) text += `; ${pub.median_label || 'median'} ${pub.median_months} months`;
  } else if (pub?.terms) {
    text = 'Published: ' + pub.terms.map(t => `${t.label || t.term} ${t.hr != null ? 'HR ' + t.hr + ', ' : ''}p ${t.p}`).join('; ');
  }
  if (text && m?.source) text += `. ${m.source}`;
  $('#demo-published').textContent = text;
  $('#demo-note').hidden = !$('#demo-desc').textContent && !text;
}

function stripView(spec) {
  if (!spec) return spec;
  const { view, ...rest } = spec;
  return rest;
}

/** Load the demo cohort with `spec` (default: its first analysis). */
async function openDemo(spec) {
  const demo = state.demo || await loadDemo();
  const report = await loadBytes(demo.name, demo.bytes, spec || state.demo.analyses[Object.keys(state.demo.analyses)[0]], true);
  return report;
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
  /** 'worker' or 'main': where the engine runs. */
  engineKind: () => (state.engine?.worker ? 'worker' : 'main'),
  ready: null,
};
window.cohort = api;
// The Paper view of the demo study (www/paper.js): its own tab; it runs its analyses through the same queue.
const paper = initPaper({ engine: () => state.engine, serial, demo: () => state.demo, fileName: () => state.schema?.name,
  restore: () => (state.spec && state.schema ? runSpec(state.spec).catch(() => {}) : Promise.resolve()) });
// The Hazard models section (www/hazard.js): smoothed/cumulative hazard and parametric fits, on opening.
const hazard = initHazard({ engine: () => state.engine, serial, state: () => state, showError });
// The Study design block (www/designs.js): entry, id, time-varying exposure, landmark, conditional survival.
const designs = initDesigns({ state, runSpec, showError });

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
  // Tables wider than their box say that they scroll (phones).
  // A table wider than its box scrolls: it says so, and takes keyboard focus so that the arrow keys scroll it.
  const markScroll = () => {
    for (const w of document.querySelectorAll('.table-wrap')) {
      const scrolls = w.scrollWidth > w.clientWidth + 2;
      w.classList.toggle('scrolls', scrolls);
      if (scrolls) w.setAttribute('tabindex', '0');
      else w.removeAttribute('tabindex');
    }
  };
  new MutationObserver(() => requestAnimationFrame(markScroll)).observe(document.querySelector('main'), { childList: true, subtree: true });
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
  state.engine.onPanic = msg => showError(new Error(msg + ' The engine was restarted; please report this with the file\'s layout (not its data).'), 'Internal error');
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

api.ready = main();
startPrivacyBadge(api.ready);
