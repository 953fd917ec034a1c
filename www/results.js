// The analysis results: the summary table (Kaplan-Meier or cumulative incidence at the
// landmarks), the test line, warnings, the model box and the methods paragraph; every number is
// the report's (the page computes nothing statistical).

import { state, showWarnings, sections } from './page.js';
import { renderAdjustedResults, clearAdjusted } from './adjusted.js';
import { exportMinCell } from './disclosure.js';
import { $, el, put, setText } from './dom.js';
import { renderExplorerResults, clearExplorerResults } from './explorer.js';
import { forestRequest, drawFlow, drawFigure, forgetFigures } from './figure.js';
import { fmtTime, fmtPct, fmtP, fmtNum, fmtMedian, plural } from './format.js';
import { renderOverview } from './overview.js';
import { groupLabel, timeColumn } from './spec.js';

export function clearResults() {
  $('#summary thead').replaceChildren();
  $('#summary tbody').replaceChildren();
  $('#test-line').textContent = '';
  showWarnings([]);
  const c = $('#km');
  c.getContext('2d').clearRect(0, 0, c.width, c.height);
  state.drawn = null;
  forgetFigures();
  $('#fig-caption').textContent = '';
  $('#model-box').hidden = true;
  $('#flow-box').hidden = true;
  $('#flow-lines ul').replaceChildren();
  state.flowDrawn = null;
  $('#methods-box').hidden = true;
  sections.designs.clearResults();
  clearAdjusted();
  clearExplorerResults();
  state.layout = null;
}

export async function renderReport() {
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
  put($('#summary thead'), head);
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
  put($('#summary tbody'), ...rows);
  if (r.cuminc?.length) renderCuminc(r, times, unit);
  // 1 − S and the risk table belong to Kaplan-Meier figures.
  $('#opt-cuminc').closest('label').hidden = !!r.cuminc?.length;
  $('#opt-risk').closest('label').hidden = !!r.cuminc?.length;
  setText($('#fig-h'), r.cuminc?.length ? 'Cumulative incidence (competing risks)' : cumulative ? 'Cumulative incidence (1 − Kaplan–Meier)' : 'Kaplan–Meier estimate');
  let line = `${plural(r.n, 'row')} analysed, ${plural(r.events, 'event')}` + (r.competing_events != null ? `, ${plural(r.competing_events, 'competing event')}` : '');
  const filtered = r.rows_filtered_out || 0;
  const excluded = r.rows_in_file - filtered - r.n;
  const notes = [];
  if (filtered > 0) notes.push(`${filtered} of ${r.rows_in_file} rows outside the filters`);
  if (excluded > 0) notes.push(`${excluded} ${excluded === 1 ? 'row' : 'rows'} excluded: see warnings`);
  if (notes.length) line += ` (${notes.join('; ')})`;
  if (r.logrank) line += ` · Log-rank χ² = ${fmtNum(r.logrank.chisq)}, df = ${r.logrank.df}, ${fmtP(r.logrank.p)}`;
  for (const g of r.gray_test || []) line += ` · Gray's test (${g.cause}) χ² = ${fmtNum(g.stat)}, df = ${g.df}, ${fmtP(g.p)}`;
  setText($('#test-line'), line);
  showWarnings(r.warnings || []);
  const designs = sections.designs.render();
  setText($('#notes'), (r.notes || []).join(' · '));
  // Asked now, answered after the drawing: the engine works through its messages in order, so the
  // page does not wait for one answer before sending the next question.
  const methods = state.engine.methodsK(exportMinCell()).catch(() => '');
  await drawFigure();
  await drawFlow();
  // The forest plot is drawn by the engine while the page builds the tables below (a model not
  // seen before; one seen before is a kept bitmap, www/engine.js drawForest).
  const { forest } = renderModel();
  forest?.catch(() => {});   // (its error is thrown below, by `await forest`, not as unhandled)
  await renderAdjustedResults();
  await designs;
  renderExplorerResults();
  await forest;
  const text = await methods;
  setText($('#methods'), text);
  $('#methods-box').hidden = !text;
  await renderOverview();
}

/**
 * Cox (or Fine-Gray) model: HR table and global tests, now; {forest}: the promise of the
 * forest plot drawn.
 */
function renderModel() {
  const r = state.report;
  const box = $('#model-box');
  const cox = r.cox && r.cox.terms?.length ? r.cox : null;
  const fg = !cox && r.finegray && r.finegray.terms?.length ? r.finegray : null;
  const m = cox || fg;
  box.hidden = !m;
  if (!m) return { forest: null };
  const ratio = cox ? 'HR' : 'SHR';
  setText($('#model-h'), cox ? 'Cox proportional-hazards model' : 'Fine-Gray subdistribution hazards model');
  put($('#model thead'), el('tr', {}, el('th', { scope: 'col', text: 'Term' }),
    el('th', { scope: 'col', text: `${ratio} (95% CI)` }), el('th', { scope: 'col', text: 'P' })));
  put($('#model tbody'), ...m.terms.map(t => {
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
  setText($('#model-line'), line);
  const canvas = $('#forest');
  const f = forestRequest();
  return { forest: state.engine.drawForest(canvas, f.options, f.width, f.dpr) };
}

/** Competing risks: cumulative incidence of each cause at the landmarks (estimate ± SE, as cmprsk). */
function renderCuminc(r, times, unit) {
  put($('#summary thead'), el('tr', {}, el('th', { scope: 'col', text: groupLabel(state.spec) || 'Cohort' }),
    el('th', { scope: 'col', text: 'Cause' }),
    ...times.map(t => el('th', { scope: 'col', text: `CIF(${fmtTime(t)}${unit}) ± SE` }))));
  put($('#summary tbody'), ...r.cuminc.map(c => el('tr', {},
    el('th', { scope: 'row', text: c.group ?? 'All' }), el('td', { text: c.cause === 'event' ? 'event of interest' : 'competing event' }),
    ...times.map(t => {
      const a = (c.at || []).find(x => x.time === t);
      return el('td', { class: 'num', text: a ? `${fmtPct(a.estimate)} ± ${fmtPct(a.std_err).replace('%', '')}` : '—' });
    }))));
}
