// The "Adjusted comparison" block of the sidebar and its results (issue 18), loaded by
// www/adjusted.js when the block is opened or an analysis uses it (issue 20: not part of the
// page's first payload): propensity-score
// weighting, row weights, adjusted (directly standardised) curves, the RMST difference, subgroup
// forest plots, splines and interactions. Every control writes the spec with the CLI's keys
// (`propensity`, `weights`, `adjusted`, `rmst_tau`, `subgroups`, `splines`, `interactions`); every
// number shown comes from the report, and the figures (love plot, subgroup forest, adjusted
// curves) are drawn by the core (src/plot/love.rs, subgroups.rs, adjusted.rs). Exports go through
// the core's disclosure module (`love-svg`, `subgroups-svg`, `adjusted-svg`; PNGs are drawn from
// the protected report with min_cell = k). This file only formats.

import { $, el } from './dom.js';
import { fmtNum, fmtP, fmtTime, plural } from './format.js';
import { groupColumns } from './spec.js';
import { covariateCandidates, disclosureK } from './explorer.js';
import { figureMinCell } from './share.js';

/** {state, runSpec, redraw, showError, download, stem, serial, checkExport, widthOf} from main.js. */
let ctx = null;
/** A treatment chosen before any confounder is ticked (the core needs both). */
let pendingTreatment = '';
/** The row figures drawn: key → nothing to do when unchanged. */
const drawn = { love: null, subgroups: null };

const clone = x => JSON.parse(JSON.stringify(x));

export function initAdjusted(c) {
  ctx = c;
  const box = $('#adjust-box');
  box.addEventListener('change', onChange);
  $('#adj-spline-add').addEventListener('click', addSpline);
  $('#adj-int-add').addEventListener('click', addInteraction);
  box.addEventListener('click', ev => {
    const b = ev.target.closest?.('button[data-remove]');
    if (!b) return;
    const spec = current();
    if (!spec) return;
    const i = Number(b.dataset.index);
    if (b.dataset.remove === 'spline') spec.splines = (spec.splines || []).filter((_, j) => j !== i);
    else spec.interactions = (spec.interactions || []).filter((_, j) => j !== i);
    run(tidy(spec), b.dataset.remove === 'spline'
      ? 'Spline removed: the column stays in the model as a straight (linear) term; untick it under the model to leave it out.'
      : 'Interaction removed: both columns stay in the model as main effects.');
  });
  $('#save-love-svg').addEventListener('click', () => saveSvg('love'));
  $('#save-sub-svg').addEventListener('click', () => saveSvg('subgroups'));
  $('#save-love-png').addEventListener('click', () => savePng('love'));
  $('#save-sub-png').addEventListener('click', () => savePng('subgroups'));
}

function current() {
  return ctx?.state.spec ? clone(ctx.state.spec) : null;
}

/** Drop the empty keys the controls leave behind. */
function tidy(spec) {
  for (const k of ['subgroups', 'splines', 'interactions', 'covariates']) if (Array.isArray(spec[k]) && !spec[k].length) delete spec[k];
  return spec;
}

function note(text) {
  $('#adj-note').textContent = text || '';
}

function run(spec, message) {
  note(message);
  ctx.runSpec(spec).catch(() => {});
}

/** Add `cols` to the model's covariates (a spline or interaction column must be a model term). */
function withCovariates(spec, cols) {
  const covs = [...(spec.covariates || [])];
  const added = cols.filter(c => !covs.includes(c));
  spec.covariates = [...covs, ...added];
  return added;
}

function onChange(ev) {
  const id = ev.target.id;
  const spec = current();
  if (!spec) return;
  if (id === 'adj-treatment' || ev.target.closest('#adj-confounders') || id === 'adj-estimand' || id === 'adj-stabilize') return onPropensity(spec);
  if (id === 'adj-weights' || id === 'adj-weights-kind') {
    const column = $('#adj-weights').value;
    if (column) spec.weights = { column, kind: $('#adj-weights-kind').value };
    else delete spec.weights;
    return run(spec, column ? `Each row weighted by ${column} (${$('#adj-weights-kind').value}).` : 'Row weights removed.');
  }
  if (id === 'adj-direct') {
    const view = { ...(spec.view || {}) };
    if (ev.target.checked) { spec.adjusted = 'direct'; view.curves = 'adjusted'; } else { delete spec.adjusted; delete view.curves; }
    spec.view = view;
    const why = ev.target.checked && !groupColumns(spec).length ? ' Choose the groups to compare (left, "Compare groups") and covariates in the model.' : '';
    return run(spec, (ev.target.checked ? 'Adjusted curves: the Cox model of the group and the model\'s covariates, averaged over every analysed patient.' : 'Adjusted curves removed.') + why);
  }
  if (id === 'adj-show-adjusted' || id === 'adj-show-crude') {
    // A view change: the figure is drawn again, nothing is refitted.
    ctx.state.spec = { ...ctx.state.spec, view: { ...(ctx.state.spec.view || {}), curves: $('#adj-show-adjusted').checked ? 'adjusted' : 'crude' } };
    figureHeading();
    ctx.redraw();
    return;
  }
  if (id === 'adj-tau') {
    const text = ev.target.value.trim().replace(',', '.');
    if (!text) { delete spec.rmst_tau; ev.target.removeAttribute('aria-invalid'); return run(spec, 'RMST horizon removed.'); }
    const tau = Number(text);
    if (!Number.isFinite(tau) || tau <= 0) {
      ev.target.setAttribute('aria-invalid', 'true');
      ctx.showError(new Error(`'${ev.target.value}' is not a time: type one positive number (e.g. 365) in the unit of the figure's time axis.`), 'Check the RMST horizon');
      return;
    }
    ev.target.removeAttribute('aria-invalid');
    spec.rmst_tau = tau;
    return run(spec, `RMST up to ${fmtTime(tau)}.`);
  }
  if (ev.target.closest('#adj-subgroups')) {
    spec.subgroups = [...document.querySelectorAll('#adj-subgroups input:checked')].map(i => i.dataset.col);
    return run(tidy(spec), spec.subgroups?.length ? `Subgroups: ${spec.subgroups.join(', ')}.` : 'Subgroups removed.');
  }
}

function onPropensity(spec) {
  const treatment = $('#adj-treatment').value;
  // In the order ticked: the spec's confounders still ticked, then the newly ticked ones.
  const ticked = [...document.querySelectorAll('#adj-confounders input:checked')].map(i => i.dataset.col).filter(c => c !== treatment);
  const before = spec.propensity?.covariates || [];
  const covariates = [...before.filter(c => ticked.includes(c)), ...ticked.filter(c => !before.includes(c))];
  if (!treatment) {
    pendingTreatment = '';
    if (!spec.propensity) { renderAdjustedControls(); return; }
    delete spec.propensity;
    return run(spec, 'Propensity weighting removed (the compared groups stay as they are).');
  }
  if (!covariates.length) {
    // The core needs the confounders: keep the choice here until one is ticked.
    pendingTreatment = treatment;
    const had = !!spec.propensity;
    delete spec.propensity;
    renderAdjustedControls();
    note(`Tick the confounders of ${treatment} (the columns that decided who was treated and affect survival).`);
    if (had) ctx.runSpec(spec).catch(() => {});
    return;
  }
  pendingTreatment = '';
  spec.propensity = { treatment, covariates, estimand: $('#adj-estimand').value, stabilize: $('#adj-stabilize').checked };
  const regroup = groupColumns(spec).join() !== treatment;
  // The weighted curves and hazard ratio compare the treatment's arms (the contract's cases).
  spec.group = treatment;
  return run(spec, regroup ? `The groups compared are now the arms of ${treatment} (weighted).` : '');
}

function addSpline() {
  const spec = current();
  const column = $('#adj-spline-col').value;
  if (!spec || !column) { note('Choose a numeric column for the spline.'); return; }
  const df = Number($('#adj-spline-df').value);
  if (!Number.isInteger(df) || df < 1 || df > 10) {
    $('#adj-spline-df').setAttribute('aria-invalid', 'true');
    ctx.showError(new Error(`df must be a whole number from 1 to 10 (got '${$('#adj-spline-df').value}')`), 'Check the spline');
    return;
  }
  $('#adj-spline-df').removeAttribute('aria-invalid');
  spec.splines = [...(spec.splines || []).filter(s => s.column !== column), { column, df }];
  const added = withCovariates(spec, [column]);
  run(spec, `${column} enters the Cox model as a natural spline with ${df} df${added.length ? ' (added to the model)' : ''}.`);
}

function addInteraction() {
  const spec = current();
  const a = $('#adj-int-a').value, b = $('#adj-int-b').value;
  if (!spec || !a || !b) { note('Choose two columns for the interaction.'); return; }
  if (a === b) { note('Choose two different columns for the interaction.'); return; }
  const pairs = spec.interactions || [];
  if (!pairs.some(([x, y]) => (x === a && y === b) || (x === b && y === a))) spec.interactions = [...pairs, [a, b]];
  const added = withCovariates(spec, [a, b]);
  run(spec, `Interaction ${a} × ${b} in the Cox model${added.length ? ` (${added.join(', ')} added as main effects)` : ''}.`);
}

function option(value, label, selected) {
  const o = el('option', { value, text: label });
  if (selected) o.selected = true;
  return o;
}

function checks(box, cols, ticked, prefix) {
  box.replaceChildren(...cols.map((c, i) => el('label', { class: 'check' },
    el('input', { type: 'checkbox', id: `${prefix}-${i}`, 'data-col': c, checked: ticked.includes(c) }), ` ${c}`)));
  if (!cols.length) box.append(el('p', { class: 'muted small', text: 'No column fits.' }));
}

/** The controls from the spec and the file's columns (called whenever the controls are filled). */
export function renderAdjustedControls() {
  const schema = ctx?.state.schema;
  const spec = ctx?.state.spec || {};
  if (!schema) { clearAdjustedControls(); return; }
  const cands = covariateCandidates(schema, spec);
  const leveled = schema.columns.filter(c => c.levels && c.levels.length <= 12 && c.kind !== 'identifier');
  const numeric = cands.filter(c => c.min != null && c.max != null);
  const ps = spec.propensity;
  const treatment = ps?.treatment || pendingTreatment;
  const tsel = $('#adj-treatment');
  tsel.replaceChildren(option('', '(none)', !treatment),
    ...leveled.map(c => option(c.name, `${c.name} (${plural(c.levels.length, 'level')})`, c.name === treatment)));
  // Propensity weights replace any other weights (the core refuses both): one at a time.
  tsel.disabled = !!spec.weights;
  checks($('#adj-confounders'), cands.map(c => c.name).filter(c => c !== treatment), ps?.covariates || [], 'adj-conf');
  $('#adj-confounders').hidden = !treatment;
  $('#adj-conf-h').hidden = !treatment;
  $('#adj-estimand').value = ps?.estimand || 'ATE';
  $('#adj-stabilize').checked = ps ? ps.stabilize !== false : true;
  $('#adj-stabilize').disabled = (ps?.estimand || $('#adj-estimand').value) === 'ATT';
  const wsel = $('#adj-weights');
  const wcol = spec.weights?.column || '';
  wsel.replaceChildren(option('', '(none)', !wcol), ...schema.columns.filter(c => c.min != null && c.kind !== 'identifier').map(c => option(c.name, c.name, c.name === wcol)));
  if (wcol && !schema.columns.some(c => c.name === wcol)) wsel.append(option(wcol, `${wcol} (not in this file)`, true));
  wsel.disabled = !!ps;
  if (spec.weights) $('#adj-weights-kind').value = spec.weights.kind;   // else the user's choice stays
  $('#adj-weights-kind').disabled = !!ps;
  $('#adj-direct').checked = spec.adjusted === 'direct';
  const showAdjusted = spec.adjusted === 'direct' && spec.view?.curves !== 'crude';
  $('#adj-show-adjusted').checked = showAdjusted;
  $('#adj-show-crude').checked = !showAdjusted;
  $('#adj-curves').hidden = spec.adjusted !== 'direct';
  const tau = $('#adj-tau');
  if (document.activeElement !== tau) tau.value = spec.rmst_tau != null ? fmtTime(spec.rmst_tau) : '';
  const groups = groupColumns(spec);
  checks($('#adj-subgroups'), leveled.filter(c => c.levels.length >= 2 && !groups.includes(c.name) && c.name !== spec.event?.column).map(c => c.name), spec.subgroups || [], 'adj-sub');
  // The pickers keep the user's choice across refits.
  const scol = $('#adj-spline-col');
  const was = scol.value;
  scol.replaceChildren(option('', 'Choose…', !was), ...numeric.map(c => option(c.name, `${c.name} (${plural(c.distinct ?? 0, 'value')})`, c.name === was)));
  $('#adj-splines').replaceChildren(...(spec.splines || []).map((s, i) => el('li', {}, `${s.column}, ${s.df} df `,
    el('button', { type: 'button', class: 'small-button', 'data-remove': 'spline', 'data-index': String(i), 'aria-label': `Remove the spline of ${s.column}`, text: 'Remove' }))));
  for (const id of ['#adj-int-a', '#adj-int-b']) {
    const v = $(id).value;
    $(id).replaceChildren(option('', 'Choose…', !v), ...cands.map(c => option(c.name, c.name, c.name === v)));
  }
  $('#adj-interactions').replaceChildren(...(spec.interactions || []).map(([a, b], i) => el('li', {}, `${a} × ${b} `,
    el('button', { type: 'button', class: 'small-button', 'data-remove': 'interaction', 'data-index': String(i), 'aria-label': `Remove the interaction ${a} × ${b}`, text: 'Remove' }))));
  // Open when the analysis uses any of it (a link, the API, the demo).
  if (ps || spec.weights || spec.adjusted || spec.subgroups?.length || spec.splines?.length || spec.interactions?.length) $('#adjust-box').open = true;
}

function clearAdjustedControls() {
  for (const id of ['#adj-treatment', '#adj-weights', '#adj-spline-col', '#adj-int-a', '#adj-int-b', '#adj-confounders', '#adj-subgroups', '#adj-splines', '#adj-interactions']) $(id).replaceChildren();
  $('#adj-tau').value = '';
  $('#adj-direct').checked = false;
  pendingTreatment = '';
  note('');
}

// ---------- results ----------

/** Which survival figure the page draws: 'adjusted' when the report has them and the view asks. */
export function survivalFigure() {
  const r = ctx?.state.report, spec = ctx?.state.spec;
  return r?.adjusted?.length && spec?.adjusted === 'direct' && spec?.view?.curves !== 'crude' ? 'adjusted' : 'survival';
}

function figureHeading() {
  if (survivalFigure() === 'adjusted') {
    $('#fig-h').textContent = 'Adjusted survival (direct standardisation)';
    const r = ctx.state.report;
    const total = r?.adjusted?.[0]?.n;
    $('#fig-caption').textContent = `Each curve: the Cox model's predicted survival averaged over every analysed patient${total ? ` (all ${total})` : ''}, as if all had that group's value; the legend's n is the group's own patients. Shaded: 95% confidence band (robust, infinitesimal-jackknife standard errors). The crude Kaplan–Meier curves: "crude" under Adjusted comparison.`;
  }
}

export function clearAdjusted() {
  $('#adjust-results').hidden = true;
  drawn.love = drawn.subgroups = null;
}

const ratio = (est, lo, hi) => `${fmtNum(est)} (${fmtNum(lo)}–${fmtNum(hi)})`;
const pOnly = p => fmtP(p).replace(/^P /, '').replace(/^= /, '');

/** After each report: the effect line, balance, subgroups, splines; the figures redrawn. */
export async function renderAdjustedResults() {
  const r = ctx.state.report, spec = ctx.state.spec || {};
  const box = $('#adjust-results');
  if (!r) { box.hidden = true; return; }
  const ps = r.propensity;
  const parts = [];
  const unit = r.time_unit ? ` ${r.time_unit}` : '';
  // The group's hazard ratio (the weighted one with propensity) beside the RMST difference.
  const g = groupColumns(spec);
  const gterms = (r.cox?.terms || []).filter(t => g.length === 1 && t.name.startsWith(`${g[0]}=`));
  for (const t of gterms) parts.push(`${ps ? 'Weighted HR' : 'HR'} ${t.name} ${ratio(t.hr, t.lower, t.upper)}, ${fmtP(t.p)}${t.robust_se != null ? ' (robust SE)' : ''}`);
  const weighted = !!(ps || spec.weights?.kind === 'sampling');
  for (const d of r.rmst_diff || []) {
    parts.push(`${weighted ? 'Weighted RMST' : 'RMST'} difference ${d.b} − ${d.a} up to ${fmtTime(d.tau)}${unit}: ${fmtNum(d.diff, 1)} (${fmtNum(d.lower, 1)} to ${fmtNum(d.upper, 1)})${unit}, ${fmtP(d.p)}${weighted ? ' (areas under the weighted curves; robust SE)' : ''}`);
  }
  const effect = $('#adj-effect');
  effect.replaceChildren(...parts.flatMap((p, i) => (i ? [el('br'), p] : [p])));
  if (spec.rmst_tau != null && !(r.rmst_diff || []).length && (r.groups || []).length >= 2) {
    effect.append(el('br'), el('span', { class: 'muted', text: `RMST difference: not computed for this analysis (the core gives it for two or more groups compared by Kaplan-Meier curves; see the warnings).` }));
  }
  // Propensity: what the weights mean, their spread, balance and the love plot.
  $('#adj-ps').hidden = !ps;
  if (ps) renderPropensity(r, ps);
  // Subgroups.
  const sub = (r.subgroups || []).length > 0;
  $('#adj-sub').hidden = !sub;
  if (sub) renderInteraction(r);
  // Splines.
  $('#adj-spline').hidden = !(r.spline || []).length;
  if ((r.spline || []).length) renderSplines(r); else $('#adj-spline-out').replaceChildren();
  const curvesNote = spec.adjusted === 'direct' && !(r.adjusted || []).length
    ? 'Adjusted curves: not made for this analysis (see the warnings for why).'
    : (r.adjusted || []).length ? `Adjusted curves at the landmarks: ${r.adjusted.map(a => `${a.group}: ${a.at.map(x => `${fmtNum(100 * x.surv, 1)}%${x.lower != null && x.upper != null ? ` (${fmtNum(100 * x.lower, 1)}–${fmtNum(100 * x.upper, 1)})` : ''} at ${fmtTime(x.time)}`).join(', ') || '—'}`).join('; ')}.` : '';
  $('#adj-curves-note').textContent = curvesNote;
  box.hidden = !(parts.length || ps || sub || (r.spline || []).length || curvesNote || effect.textContent);
  figureHeading();
  if (!box.hidden) {
    // A figure that cannot be drawn says why in its place; the rest of the results stay.
    const draw = async (canvas, fn) => {
      try { await fn(); } catch (e) {
        canvas.dataset.drawn = '0';
        canvas.after(el('p', { class: 'muted small adj-draw-error', text: `This figure could not be drawn: ${e?.message || e}` }));
      }
    };
    for (const p of box.querySelectorAll('.adj-draw-error')) p.remove();
    if (ps) await draw($('#love'), () => drawRows('love'));
    if (sub) await draw($('#subgroups'), () => drawRows('subgroups'));
    for (const c of document.querySelectorAll('#adj-spline-out canvas')) await draw(c, () => drawSpline(c));
  }
}

function renderPropensity(r, ps) {
  $('#adj-meaning').textContent = ps.meaning;
  const bits = [`Propensity model: logistic regression of ${ps.treatment} (${ps.treated} vs ${ps.control}) on ${ps.terms.filter(t => t.name !== '(Intercept)').map(t => t.name).join(', ')}, ${plural(ps.n, 'row')}`,
    `${ps.estimand} weights${ps.estimand === 'ATE' ? (ps.stabilize ? ', stabilised' : ', not stabilised') : ''}`,
    `largest |SMD| after weighting ${fmtNum(ps.max_smd_after, 3)}${Number.isFinite(ps.max_smd_after) ? (Math.abs(ps.max_smd_after) < 0.1 ? ' (below 0.1, the usual bound of adequate balance)' : ' (above 0.1: balance not reached — reconsider the model)') : ''}`,
    ps.extreme ? `${plural(ps.extreme, 'row')} with a weight above 10: the estimate leans on few patients` : 'no weight above 10'];
  $('#adj-balance-line').textContent = bits.join(' · ');
  $('#adj-ess thead').replaceChildren(el('tr', {}, ...['Arm', 'n', 'Effective n', 'Weights (min–max)', 'Weights > 10', 'Propensity score (min–max)'].map(t => el('th', { scope: 'col', text: t }))));
  $('#adj-ess tbody').replaceChildren(...ps.ess.map(e => el('tr', {}, el('th', { scope: 'row', text: `${e.group}${e.group === ps.treated ? ' (treated)' : ''}` }),
    el('td', { class: 'num', text: String(e.n) }), el('td', { class: 'num', text: fmtNum(e.ess, 1) }),
    el('td', { class: 'num', text: `${fmtNum(e.min_weight)}–${fmtNum(e.max_weight)}` }), el('td', { class: 'num', text: String(e.extreme) }),
    el('td', { class: 'num', text: `${fmtNum(e.ps_min, 3)}–${fmtNum(e.ps_max, 3)}` }))));
  $('#adj-balance thead').replaceChildren(el('tr', {}, ...['Term', 'SMD before', 'SMD after'].map(t => el('th', { scope: 'col', text: t }))));
  $('#adj-balance tbody').replaceChildren(...ps.balance.map(b => el('tr', b.small ? { title: 'a 0/1 term with few patients at one value in an arm: exports withhold its SMD' } : {},
    el('th', { scope: 'row', text: b.name }), el('td', { class: 'num', text: fmtNum(b.smd_before, 3) }), el('td', { class: 'num', text: fmtNum(b.smd_after, 3) }))));
}

function renderInteraction(r) {
  $('#adj-interaction thead').replaceChildren(el('tr', {}, ...['Subgroup column', 'Interaction χ²', 'df', 'P'].map(t => el('th', { scope: 'col', text: t }))));
  $('#adj-interaction tbody').replaceChildren(...(r.interaction || []).map(t => el('tr', {}, el('th', { scope: 'row', text: t.column }),
    el('td', { class: 'num', text: fmtNum(t.chisq) }), el('td', { class: 'num', text: String(t.df) }), el('td', { class: 'num', text: pOnly(t.p) }))));
}

function renderSplines(r) {
  $('#adj-spline-out').replaceChildren(...r.spline.map(s => {
    const nl = s.nonlinear;
    const head = el('p', { class: 'test-line', text: `${s.column}: test of non-linearity (likelihood ratio against a straight line) ${nl ? `χ² = ${fmtNum(nl.chisq)}, df = ${nl.df}, ${fmtP(nl.p)}` : '—'}` });
    const rows = (s.curve || []).map(c => el('tr', {}, el('th', { scope: 'row', text: fmtTime(c.x) }), el('td', { class: 'num', text: ratio(c.hr, c.lower, c.upper) })));
    const table = el('table', { class: 'summary' }, el('caption', { class: 'visually-hidden', text: `Hazard ratio against the median of ${s.column}` }),
      el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: s.column }), el('th', { scope: 'col', text: 'HR vs the median (95% CI)' }))), el('tbody', {}, ...rows));
    const canvas = el('canvas', { class: 'adj-spline-plot', 'data-column': s.column, role: 'img',
      'aria-label': `Hazard ratio of ${s.column} against its median ${fmtTime(s.reference)}, with its 95% band; the table below gives the numbers.` });
    return el('div', { class: 'adj-spline-one' }, head, el('figure', { class: 'figure' }, canvas),
      el('details', {}, el('summary', { text: `Hazard ratio against the median of ${s.column} (${rows.length} points, 5th to 95th percentile)` }), el('div', { class: 'table-wrap' }, table)));
  }));
}

/** Draw a row figure (love / subgroups) at the height its rows need, from the core. */
async function drawRows(figure) {
  const canvas = $(figure === 'love' ? '#love' : '#subgroups');
  const cssW = Math.max(360, Math.min(ctx.widthOf($('#adjust-results')) || 800, 900));
  const dpr = Math.min(window.devicePixelRatio || 1, 3);
  const opts = { font_scale: dpr };
  const k = figureMinCell();
  if (k) opts.min_cell = k;
  const r = ctx.state.report;
  const key = JSON.stringify([figure, cssW, dpr, k, figure === 'love' ? r.propensity : [r.subgroups, r.interaction, r.groups]]);
  if (drawn[figure] === key) return;
  const h = await ctx.state.engine.figureHeight(figure, opts);
  const w = Math.round(cssW * dpr);
  canvas.style.width = cssW + 'px';
  canvas.style.height = Math.round(h / dpr) + 'px';
  canvas.width = w;
  canvas.height = h;
  const layout = await ctx.state.engine.draw(canvas, figure, opts);
  drawn[figure] = key;
  canvas.dataset.drawn = '1';
  canvas.setAttribute('aria-label', figure === 'love'
    ? `Love plot: absolute standardised mean differences before and after weighting for ${layout.series.map(s => s.label).join('; ')}. The table below gives the numbers.`
    : `Subgroup forest plot: ${layout.series.map(s => s.label).join('; ')}. The table below gives the interaction tests.`);
}

/** A spline's hazard-ratio curve (figure 'spline' of the core, `term` = its column). */
async function drawSpline(canvas) {
  const cssW = Math.max(360, Math.min(ctx.widthOf($('#adjust-results')) || 800, 720));
  const cssH = Math.round(cssW * 0.55);
  const dpr = Math.min(window.devicePixelRatio || 1, 3);
  canvas.style.width = cssW + 'px';
  canvas.style.height = cssH + 'px';
  canvas.width = Math.round(cssW * dpr);
  canvas.height = Math.round(cssH * dpr);
  await ctx.state.engine.draw(canvas, 'spline', { font_scale: dpr, term: canvas.dataset.column });
  canvas.dataset.drawn = '1';
}

const KIND = { love: 'love-svg', subgroups: 'subgroups-svg' };

/** The figure as SVG through the core's export path (`cohort export --as love-svg|subgroups-svg`). */
async function saveSvg(figure) {
  try {
    ctx.checkExport();
    const k = disclosureK();
    const opts = { font_scale: 2, min_cell: k };
    const text = await ctx.serial(async () => {
      const h = await ctx.state.engine.figureHeight(figure, opts);
      return ctx.state.engine.exportKind(KIND[figure], k, opts, 1600, h);
    });
    ctx.download(new Blob([text], { type: 'image/svg+xml' }), `${ctx.stem()}.${figure}.svg`);
  } catch (e) { ctx.showError(e, 'The figure could not be saved'); }
}

/** The figure as PNG: drawn by the core from the report as the disclosure module releases it for k. */
async function savePng(figure) {
  try {
    ctx.checkExport();
    const opts = { font_scale: 2, min_cell: disclosureK() };
    const c = document.createElement('canvas');
    await ctx.serial(async () => {
      c.width = 1600;
      c.height = await ctx.state.engine.figureHeight(figure, opts);
      await ctx.state.engine.draw(c, figure, opts);
    });
    const blob = await new Promise((resolve, reject) => c.toBlob(b => (b ? resolve(b) : reject(new Error('the browser could not encode the PNG'))), 'image/png'));
    ctx.download(blob, `${ctx.stem()}.${figure}.png`);
  } catch (e) { ctx.showError(e, 'The figure could not be saved'); }
}

/** The adjusted curves as PNG (the main figure's "Save figure (PNG)" while they are shown), drawn
 * by the core from the report as the disclosure module releases it for k. */
export async function adjustedPng(canvas, options) {
  const c = document.createElement('canvas');
  c.width = canvas.width;
  c.height = canvas.height;
  await ctx.serial(() => ctx.state.engine.draw(c, 'adjusted', options));
  return new Promise((resolve, reject) => c.toBlob(b => (b ? resolve(b) : reject(new Error('the browser could not encode the PNG'))), 'image/png'));
}
