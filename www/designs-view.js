// The "Study design" block's controls and results (www/designs.js is the hook that loads with the
// page; this module is imported the first time the block is opened, or a spec, file or report
// uses what it shows: issue 20, not part of the first payload).
//
// Every control writes the spec's study-design keys, the same keys as the command line
// (`entry`, `id`, `time_varying`, `landmark`, `conditional`); the share link carries them. Nothing
// statistical is computed here: the start–stop layout is recognised by the core (the schema's
// `start_stop`), the immortal-time warning is the report's `immortal_time`, and the conditional
// survival table is the report's `conditional` (src/study.rs).

import { $, el, put } from './dom.js';
import { timeColumn, parseLandmarks, defaultLandmarks } from './spec.js';
import { fmtTime, fmtPct, plural } from './format.js';

/** A time-varying exposure's covariate name from the column of its start: `tx.date` → `tx_date_on`. */
export function exposureName(at) {
  const base = String(at).replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '') || 'exposure';
  return `${/^[0-9]/.test(base) ? 'x' + base : base}_on`;
}

/** The spec with the design keys edited by `edit(spec)` (a copy; empty keys removed). */
function edited(spec, edit) {
  const next = JSON.parse(JSON.stringify(spec));
  edit(next);
  for (const k of ['entry', 'id']) if (!next[k]) delete next[k];
  if (next.time_varying && !next.time_varying.length) delete next.time_varying;
  if (next.covariates && !next.covariates.length) delete next.covariates;
  return next;
}

/** The page's one time-varying exposure (the first of the spec's list), or null. */
function pageExposure(spec) {
  return (spec.time_varying || [])[0] || null;
}

/**
 * Wire the block. `state` is main.js's state ({schema, spec, report}); `runSpec(spec)` re-analyses;
 * `showError(err, context)` shows the error panel; `clearResults()` hides the results (the
 * hook's, www/designs.js). Returns {fill, render, clear}.
 */
// Long because: the block's closure: its body is the short handlers that share the block's state.
export function initDesigns({ state, runSpec, showError, clearResults }) {
  const run = spec => runSpec(spec).catch(() => {});

  function change(edit) {
    if (!state.spec || !state.schema) return;
    let next;
    try {
      next = edited(state.spec, edit);
    } catch (e) {
      showError(e, 'Check the study design');
      return;
    }
    run(next);
  }

  $('#design-entry').addEventListener('change', e => change(s => { s.entry = e.target.value; }));
  $('#design-id').addEventListener('change', e => change(s => { s.id = e.target.value; }));
  $('#design-tv').addEventListener('change', e => change(s => setExposure(s, e.target.value)));
  $('#design-tv-group').addEventListener('change', e => change(s => {
    const tv = pageExposure(s);
    if (!tv) return;
    if (e.target.checked) s.group = tv.name;
    else if (s.group === tv.name) delete s.group;
  }));
  $('#design-tv-cox').addEventListener('change', e => change(s => {
    const tv = pageExposure(s);
    if (!tv) return;
    const covs = (s.covariates || []).filter(c => c !== tv.name);
    s.covariates = e.target.checked ? [tv.name, ...covs] : covs;
  }));
  const landmarkEdit = s => {
    const text = $('#design-landmark').value.trim();
    if (!text) { delete s.landmark; return; }
    const t = Number(text);
    if (!Number.isFinite(t) || t < 0) {
      $('#design-landmark').setAttribute('aria-invalid', 'true');
      throw new Error(`the landmark time must be a number ≥ 0 in the unit of follow-up (got '${text}')`);
    }
    $('#design-landmark').removeAttribute('aria-invalid');
    s.landmark = { time: t, reset: $('#design-reset').checked };
  };
  $('#design-landmark').addEventListener('change', () => change(landmarkEdit));
  $('#design-reset').addEventListener('change', () => change(landmarkEdit));
  const conditionalEdit = s => {
    const given = parseLandmarks($('#design-cond-given').value);
    const more = parseLandmarks($('#design-cond-more').value);
    if (given.length && more.length) s.conditional = { given, more };
    else delete s.conditional;
  };
  for (const id of ['#design-cond-given', '#design-cond-more']) $(id).addEventListener('change', () => change(conditionalEdit));

  // The design results: start–stop offer, immortal-time warning, conditional survival.
  $('#design-results').addEventListener('click', ev => {
    const b = ev.target.closest('button[data-action]');
    if (!b || !state.spec) return;
    const a = b.dataset.action;
    if (a === 'start-stop') {
      const ss = state.schema?.start_stop;
      if (!ss) return;
      change(s => {
        // A new follow-up column: its own round landmark times (those of the old one may be in another unit).
        if (timeColumn(s) !== ss.stop) {
          const lm = defaultLandmarks(state.schema.columns.find(c => c.name === ss.stop)?.max);
          if (lm.length) s.times = lm; else delete s.times;
        }
        s.time = ss.stop; s.entry = ss.start; s.id = ss.id;
      });
    } else if (a === 'dismiss-start-stop') {
      state.startStopDismissed = state.schema;
      render();
    } else if (a === 'immortal-tv' || a === 'immortal-landmark') {
      const it = state.report?.immortal_time;
      if (!it) return;
      change(s => {
        setExposure(s, it.at);
        const tv = pageExposure(s);
        s.group = tv.name;
        if (a === 'immortal-landmark') s.landmark = { time: it.landmark, reset: false };
        else delete s.landmark;
      });
    }
  });

  /** Set (or with '' remove) the page's time-varying exposure: the time/date column it began. */
  function setExposure(s, at) {
    const old = pageExposure(s);
    const rest = (s.time_varying || []).slice(1);
    if (!at) {
      s.time_varying = rest;
      if (old) {
        if (s.group === old.name) delete s.group;
        s.covariates = (s.covariates || []).filter(c => c !== old.name);
      }
      return;
    }
    const name = old && old.at === at ? old.name : exposureName(at);
    s.time_varying = [{ name, at }, ...rest];
    if (old && old.name !== name) {
      if (s.group === old.name) s.group = name;
      if (s.covariates) s.covariates = s.covariates.map(c => (c === old.name ? name : c));
    }
  }

  function options(sel, cols, value, none) {
    sel.replaceChildren(el('option', { value: '', text: none }), ...cols.map(c => el('option', { value: c.name, text: c.name })));
    if (value && !cols.some(c => c.name === value)) sel.append(el('option', { value, text: `${value} (not in this file)` }));
    sel.value = value || '';
  }

  /** The controls from the spec and the schema. */
  function fill() {
    const s = state.schema, spec = state.spec || {};
    if (!s) { clear(); return; }
    const dates = spec.time && typeof spec.time === 'object' && !timeColumn(spec);
    const used = new Set([timeColumn(spec), spec.event?.column].filter(Boolean));
    if (dates) for (const c of [spec.time.start, ...[].concat(spec.time.end)]) used.add(c);
    // Times in the unit of follow-up; dates when follow-up comes from dates.
    const timeCols = s.columns.filter(c => !used.has(c.name) && (c.kind === 'numeric' || (dates && c.kind === 'date')));
    options($('#design-entry'), timeCols, spec.entry, '(none: everyone from time 0)');
    $('#design-entry-note').textContent = dates
      ? 'A patient joins the risk set only from this date (e.g. referral after diagnosis): no survival before entry is credited.'
      : 'A patient joins the risk set only after this time (left truncation). For age as the time scale: follow-up time = age at exit, entry = age at diagnosis.';
    options($('#design-id'), s.columns.filter(c => !used.has(c.name)), spec.id, '(none: one row per patient)');
    const tv = pageExposure(spec);
    options($('#design-tv'), timeCols, tv?.at, '(none)');
    $('#design-tv-group').checked = !!tv && spec.group === tv.name;
    $('#design-tv-cox').checked = !!tv && (spec.covariates || []).includes(tv.name);
    for (const id of ['#design-tv-group', '#design-tv-cox']) $(id).disabled = !tv;
    $('#design-tv-name').textContent = tv ? `Exposure covariate: ${tv.name} (0 before ${tv.at}, 1 from then on)` : '';
    $('#design-landmark').value = spec.landmark ? fmtTime(spec.landmark.time) : '';
    $('#design-landmark').removeAttribute('aria-invalid');
    $('#design-reset').checked = !!spec.landmark?.reset;
    $('#design-reset').disabled = !spec.landmark;
    $('#design-cond-given').value = (spec.conditional?.given || []).map(fmtTime).join(', ');
    $('#design-cond-more').value = (spec.conditional?.more || []).map(fmtTime).join(', ');
    const on = ['entry', 'id', 'time_varying', 'landmark', 'conditional'].filter(k => spec[k] != null);
    $('#design-summary').textContent = on.length ? ` (${on.join(', ').replace('time_varying', 'time-varying')})` : '';
    if (on.length) $('#design-box').open = true;
  }

  function clear() {
    for (const id of ['#design-entry', '#design-id', '#design-tv']) $(id).replaceChildren();
    for (const id of ['#design-landmark', '#design-cond-given', '#design-cond-more']) $(id).value = '';
    $('#design-summary').textContent = '';
    $('#design-tv-name').textContent = '';
    clearResults();
  }

  /** The design results of the report (and the schema's start–stop offer). */
  function render() {
    const r = state.report, spec = state.spec || {};
    const unit = r?.time_unit ? ` ${r.time_unit}` : '';
    // The model panel changes covariates without rebuilding the sidebar: keep the tick in step.
    const tv = pageExposure(spec);
    $('#design-tv-cox').checked = !!tv && (spec.covariates || []).includes(tv.name);
    // Start–stop layout recognised by the core, offered while the spec does not use it.
    const ss = state.schema?.start_stop;
    const offer = $('#start-stop-offer');
    offer.hidden = !ss || !!spec.id || state.startStopDismissed === state.schema;
    if (!offer.hidden) {
      put(offer,
        el('p', {}, el('strong', { text: 'Start–stop data? ' }),
          `Each '${ss.id}' has several rows whose intervals '${ss.start}' → '${ss.stop}' follow one another (${plural(ss.rows, 'row')} for ${plural(ss.patients, 'patient')}). ` +
          'Analysed as start–stop intervals, the curves count patients, not rows, and a patient is at risk only within each interval.'),
        el('button', { type: 'button', 'data-action': 'start-stop', text: `Use start–stop intervals (${ss.start}, ${ss.stop}] by ${ss.id}` }), ' ',
        el('button', { type: 'button', class: 'link', 'data-action': 'dismiss-start-stop', text: 'No, one row per patient' }));
    }
    const it = r?.immortal_time;
    const ibox = $('#immortal-box');
    ibox.hidden = !it;
    if (it) {
      put(ibox, el('h3', { text: 'Immortal time' }), el('p', { text: it.message.replace(/^immortal time: /, '') }),
        el('button', { type: 'button', 'data-action': 'immortal-tv', text: `Time-varying exposure from '${it.at}' (Simon–Makuch)` }), ' ',
        el('button', { type: 'button', 'data-action': 'immortal-landmark', text: `Landmark analysis at ${fmtTime(it.landmark)}${unit}` }),
        // Crossed groups: a time-varying exposure cannot be crossed, so both offers compare by it alone.
        ...(Array.isArray(spec.group) && spec.group.length > 1
          ? [el('p', { class: 'muted small', text: `Either analysis compares by '${it.at}' exposure alone: a time-varying exposure cannot be crossed with ${spec.group.filter(c => c !== it.group).map(c => `'${c}'`).join(', ')}, so the crossing is removed (add ${spec.group.length > 2 ? 'them' : 'it'} as Cox covariates to adjust).` })]
          : []));
    }
    const cond = r?.conditional || [];
    const cbox = $('#conditional-box');
    cbox.hidden = !cond.length;
    if (cond.length) {
      const groups = [...new Set(cond.map(c => c.group ?? null))];
      const cols = [...new Set(cond.map(c => c.more))];
      const rows = [];
      for (const g of groups) {
        for (const s of [...new Set(cond.filter(c => (c.group ?? null) === g).map(c => c.given))]) {
          const mine = cond.filter(c => (c.group ?? null) === g && c.given === s);
          const at = mine[0];
          rows.push(el('tr', {}, el('th', { scope: 'row', text: g ?? 'All' }), el('td', { class: 'num', text: fmtTime(s) }),
            el('td', { class: 'num', text: at?.n_risk != null ? String(at.n_risk) : '—' }),
            ...cols.map(t => {
              const c = mine.find(x => x.more === t);
              return el('td', { class: 'num', 'data-given': s, 'data-more': t,
                text: c && c.surv != null ? `${fmtPct(c.surv)}${c.lower != null ? ` (${fmtPct(c.lower).replace('%', '')}–${fmtPct(c.upper)})` : ''}` : '—' });
            })));
        }
      }
      put($('#conditional thead'), el('tr', {}, el('th', { scope: 'col', text: spec.group ? 'Group' : 'Cohort' }),
        el('th', { scope: 'col', text: `Survived${unit}` }), el('th', { scope: 'col', text: 'At risk' }),
        ...cols.map(t => el('th', { scope: 'col', text: `${fmtTime(t)}${unit} more (95% CI)` }))));
      put($('#conditional tbody'), ...rows);
    }
    $('#design-results').hidden = offer.hidden && ibox.hidden && cbox.hidden;
  }

  return { fill, render, clear };
}
