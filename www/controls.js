// The analysis controls on the left: the file's columns, the time (or dates), outcome values,
// groups, landmarks, labels for the paper and the figure's toggles, filled from the spec
// (`fillControls`) and read back into a spec (`specFromControls`) when the user edits them.

import { state, showError, hooks, sections } from './page.js';
import { renderAdjustedControls } from './adjusted.js';
import { $, el } from './dom.js';
import { renderExplorerControls } from './explorer.js';
import { fmtTime, plural } from './format.js';
import { identifierColumns } from './privacy.js';
import { defaultEventValues, timeCandidates, outcomeCandidates, groupCandidates, groupColumns, timeColumn, timeFactor, parseLandmarks, defaultLandmarks, timeProblem } from './spec.js';

/** Value of the time picker's "from dates" entry. */
export const DATES = '(from dates)';

/** The analysis controls with nothing in them (no file, or a file that could not be read). */
export function clearControls() {
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
  sections.designs.clear();
  renderExplorerControls();
  renderAdjustedControls();
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

export function onControlsChanged(ev) {
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
  hooks.runSpec(spec).catch(() => {});
}

function viewFromToggles(old) {
  return { ...(old || {}), conf_bands: $('#opt-ci').checked, risk_table: $('#opt-risk').checked, cumulative: $('#opt-cuminc').checked };
}

export function onViewChanged() {
  if (!state.spec) return;
  state.spec = { ...state.spec, view: viewFromToggles(state.spec.view) };
  hooks.redraw();
}

export function option(value, label, selected) {
  const o = el('option', { value, text: label });
  if (selected) o.selected = true;
  return o;
}

export function renderSchema() {
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

export function fillControls() {
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
  sections.designs.fill();
  renderExplorerControls();
}

/** The explicit choice of adjusting for the compared group: its column(s) in the model's covariates or not. */
export function onGroupInModel(ev) {
  if (!state.spec) return;
  const gcols = groupColumns(state.spec);
  const covs = (state.spec.covariates || []).filter(c => !gcols.includes(c));
  const next = { ...state.spec, covariates: ev.target.checked ? [...gcols, ...covs] : covs };
  if (!next.covariates.length) delete next.covariates;
  hooks.runSpec(next).catch(() => {});
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
export function onLabelChanged() {
  if (!state.spec) return;
  const view = { ...(state.spec.view || {}) };
  for (const [id, key] of [['#lab-title', 'title'], ['#lab-x', 'time_label'], ['#lab-y', 'y_label']]) {
    const v = $(id).value.trim();
    if (v) view[key] = v; else delete view[key];
  }
  state.spec = { ...state.spec, view };
  hooks.redraw();
}

/** A group level renamed: the analysis runs again with the spec's labels (groups renamed everywhere). */
export function onLevelLabelChanged(ev) {
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
  hooks.runSpec(spec).catch(() => {});
}
