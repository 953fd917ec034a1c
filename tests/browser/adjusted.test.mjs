// The "Adjusted comparison" block (www/adjusted.js) driven through its controls in headless
// chromium: each bullet of issue 18 — propensity weighting (ATE stabilised, ATT), frequency and
// sampling weights, adjusted curves (and back to crude), the RMST difference, subgroups, a
// spline, an interaction — is set by clicks on a base analysis, the spec the page writes must
// be the reference case's spec, and the page's report is compared with R's expected values
// (tests/reference/designs, through compare_reference.py) and with the command line's report
// for the page's own spec. The love plot and subgroup forest are drawn (canvas pixels) and
// saved as SVG through the core's export path (the same bytes as `cohort export --as
// love-svg|subgroups-svg`). Bad input (separation, a one-level treatment, a negative weight,
// a spline on too few values, a subgroup level without events) shows a named warning and the
// rest of the analysis. Screenshots of the three figures go to target/browser-tests/.
//
// R (survival 3.5-3), as tests/reference/designs/README: e.g. for the propensity case
//   ps <- glm(I(trt == 2) ~ karno + age + celltype, binomial, data = veteran)$fitted
//   w <- ifelse(trt == 2, mean(trt == 2) / ps, mean(trt == 1) / (1 - ps))
//   coxph(Surv(time, status) ~ factor(trt), weights = w, robust = TRUE)   # HR 1.007 (0.710–1.428)

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { start, loadFile, setSpec, canvasInk, REFERENCE_DIR, COMPARE_TOOL, OUT, ROOT, idle, currentSpec, currentReport, figureLayout, assertSameOrigin } from './helpers.mjs';
import { cliPath } from '../js/cli.mjs';

const DESIGNS = path.join(REFERENCE_DIR, 'designs');
const CLI = cliPath();
const refCase = (dataset, name) => {
  const ref = JSON.parse(fs.readFileSync(path.join(DESIGNS, `designs_${dataset}.expected.json`), 'utf8'));
  const c = ref.cases.find(x => x.name === name);
  return { ...c, label: `${ref.dataset}/${c.name}`, file: path.join(DESIGNS, ref.file) };
};
const without = (spec, ...keys) => Object.fromEntries(Object.entries(spec).filter(([k]) => !keys.includes(k)));
// Spec keys the statistics read (the page adds `view` and `table1_codes`, neither changes them).
const stat = spec => without(spec, 'view', 'table1_codes');

let app;
const pageReports = {};
before(async () => {
  assert.ok(CLI, 'build the command line first (cargo build --bin cohort) or set COHORT_CLI');
  app = await start();
  fs.mkdirSync(OUT, { recursive: true });
});
after(async () => {
  await app?.close();
});

/** The CLI's report for the page's spec on `file`. */
function cli(file, spec) {
  return JSON.parse(execFileSync(CLI, ['analyze', file, '--spec', JSON.stringify(spec)], { maxBuffer: 64 << 20 }).toString());
}

/** Every number of `a` equals `b`'s to 1e-9 (the wasm and native builds of one core). */
function sameNumbers(a, b, where) {
  if (typeof a === 'number' && typeof b === 'number') {
    assert.ok(Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b)), `${where}: page ${a}, CLI ${b}`);
  } else if (Array.isArray(a)) {
    assert.equal(a.length, b?.length, `${where}: length`);
    a.forEach((x, i) => sameNumbers(x, b[i], `${where}[${i}]`));
  } else if (a && typeof a === 'object') {
    for (const k of Object.keys(a)) sameNumbers(a[k], b?.[k], `${where}.${k}`);
  } else {
    assert.equal(a, b, where);
  }
}

/** R's values for a case: compare_reference.py on the page's report. */
function compareWithR(c, report) {
  pageReports[c.label] = report;
  const file = path.join(OUT, `adjusted-${c.name}.json`);
  fs.writeFileSync(file, JSON.stringify({ [c.label]: report }));
  const run = spawnSync('python3', [COMPARE_TOOL, '--reports', file, DESIGNS], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(run.status, 0, `compare_reference.py (${c.label}):\n${run.stdout}\n${run.stderr}`);
  assert.match(run.stdout, /1 passed, 0 failed/);
}

async function openBox(page) {
  if (!(await page.locator('#adjust-box').evaluate(d => d.open))) await page.click('#adjust-box summary');
}

async function load(page, file, base) {
  const l = await loadFile(page, file);
  assert.ok(!l.error, l.error);
  const s = await setSpec(page, base);
  assert.ok(!s.error, s.error);
  await openBox(page);
}

test('propensity weighting through the controls: ATE then ATT equal R, balance table, love plot, SVG export', async () => {
  const { page, requests, errors } = await app.newPage();
  const ate = refCase('veteran', 'propensity_ate_stabilized');
  await load(page, ate.file, without(ate.spec, 'propensity'));
  await page.selectOption('#adj-treatment', 'trt');
  await idle(page);
  assert.match(await page.textContent('#adj-note'), /Tick the confounders of trt/);
  for (const c of ['karno', 'age', 'celltype']) {
    await page.check(`#adj-confounders input[data-col="${c}"]`);
    await idle(page);
  }
  assert.deepEqual(stat(await currentSpec(page)), ate.spec);
  const r = await currentReport(page);
  compareWithR(ate, r);
  const native = cli(ate.file, ate.spec);
  sameNumbers(r.propensity, native.propensity, 'propensity');
  sameNumbers(r.cox.terms, native.cox.terms, 'cox.terms');
  // What the page prints is the report's, formatted.
  assert.equal(await page.textContent('#adj-meaning'), r.propensity.meaning);
  assert.match(await page.textContent('#adj-effect'), /Weighted HR trt=2 1\.01 \(0\.71–1\.43\), P = 0\.97 \(robust SE\)/);
  assert.match(await page.textContent('#adj-balance-line'), /largest \|SMD\| after weighting 0\.009 \(below 0\.1/);
  const balance = await page.locator('#adj-balance tbody tr').evaluateAll(rows => rows.map(tr => [...tr.children].map(c => c.textContent)));
  assert.deepEqual(balance, r.propensity.balance.map(b => [b.name, b.smd_before.toFixed(3), b.smd_after.toFixed(3)]));
  assert.deepEqual(await page.locator('#adj-ess tbody tr').evaluateAll(rows => rows.map(tr => tr.children[2].textContent)),
    r.propensity.ess.map(e => e.ess.toFixed(1)));
  await page.waitForSelector('#love[data-drawn="1"]');
  assert.ok(await canvasInk(page, '#love') > 0.02, 'love plot drawn');
  assert.match(await page.getAttribute('#love', 'aria-label'), /celltype=smallcell: 0\.360 → 0\.001/);
  // The weighted curves' legend: each arm's patients and its weighted size (Σw, from the report).
  const legend = (await figureLayout(page)).series.map(x => x.label);
  assert.deepEqual(legend, r.propensity.ess.map(e => `${e.group} (n = ${e.n}, weighted ${e.weight_sum.toFixed(1)})`));
  await page.locator('#adj-ps').screenshot({ path: path.join(OUT, 'adjusted-love.png') });

  // Saved SVG: the core's love-svg export at k, byte for byte what the command line writes.
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#save-love-svg')]);
  const svg = fs.readFileSync(await dl.path(), 'utf8');
  assert.match(svg, /Before weighting \(ATE\)/);
  const [, w, h] = svg.match(/<svg width="(\d+)" height="(\d+)"/);
  const k = await page.evaluate(() => Number(document.querySelector('#xp-k')?.value || 5));
  const bytes = execFileSync(CLI, ['export', ate.file, '--spec', JSON.stringify(await currentSpec(page)), '--k', String(k), '--as', 'love-svg',
    '--options', JSON.stringify({ font_scale: 2 }), '--size', `${w}x${h}`]).toString();
  assert.equal(svg, bytes, 'the page saves the bytes `cohort export --as love-svg` writes');
  const [png] = await Promise.all([page.waitForEvent('download'), page.click('#save-love-png')]);
  assert.deepEqual([...fs.readFileSync(await png.path()).subarray(1, 4)], [0x50, 0x4e, 0x47]);

  // ATT, not stabilised: the estimand select and the checkbox.
  const att = refCase('veteran', 'propensity_att');
  await page.uncheck('#adj-stabilize');
  await idle(page);
  await page.selectOption('#adj-estimand', 'ATT');
  await idle(page);
  // Stabilising does not apply to ATT weights: the box is disabled.
  assert.equal(await page.isDisabled('#adj-stabilize'), true);
  assert.deepEqual(stat(await currentSpec(page)), att.spec);
  compareWithR(att, await currentReport(page));
  // Removing the treatment removes the weighting; the groups stay.
  await page.selectOption('#adj-treatment', '');
  await idle(page);
  assert.equal((await currentSpec(page)).propensity, undefined);
  assert.equal(await page.isHidden('#adj-ps'), true);
  assert.deepEqual(errors, []);
  assertSameOrigin(requests, app.origin);
});

test('row weights: frequency and sampling columns equal R', async () => {
  const { page, errors } = await app.newPage();
  const freq = refCase('lung_counts', 'frequency_by_sex');
  await load(page, freq.file, without(freq.spec, 'weights'));
  await page.selectOption('#adj-weights', 'n');
  await idle(page);
  assert.deepEqual(stat(await currentSpec(page)), freq.spec);
  const r = await currentReport(page);
  compareWithR(freq, r);
  sameNumbers(r.km.map(k => [k.n, k.events, k.median]), cli(freq.file, freq.spec).km.map(k => [k.n, k.events, k.median]), 'km');
  // The RMST difference beside the HR (rmst_tau 365 in this case).
  assert.match(await page.textContent('#adj-effect'), /RMST difference 2 − 1 up to 365: /);

  const samp = refCase('lung', 'sampling_weights');
  await load(page, samp.file, without(samp.spec, 'weights'));
  await page.selectOption('#adj-weights-kind', 'sampling');
  await page.selectOption('#adj-weights', 'w');
  await idle(page);
  assert.deepEqual(stat(await currentSpec(page)), samp.spec);
  compareWithR(samp, await currentReport(page));
  assert.match(await page.textContent('#warnings'), /no log-rank test with sampling weights/);
  assert.deepEqual(errors, []);
});

test('adjusted curves: drawn in the main figure, crude one click away, equal R', async () => {
  const { page, errors } = await app.newPage();
  const c = refCase('veteran', 'adjusted_direct');
  await load(page, c.file, without(c.spec, 'adjusted'));
  await page.check('#adj-direct');
  await idle(page);
  assert.deepEqual(stat(await currentSpec(page)), c.spec);
  const r = await currentReport(page);
  compareWithR(c, r);
  sameNumbers(r.adjusted, cli(c.file, c.spec).adjusted, 'adjusted');
  assert.equal((await figureLayout(page)).figure, 'adjusted');
  assert.equal(await page.textContent('#fig-h'), 'Adjusted survival (direct standardisation)');
  // The landmark values under the results with their 95% CI, from the report (R: trt 1 at 90
  // days 0.4873, robust SE 0.0514: tests/r/adjusted_bands.R).
  assert.match(await page.textContent('#adj-curves-note'), /1: 73\.1% \(64\.8–82\.4\) at 30, 48\.7% \(39\.6–59\.9\) at 90, 24\.6% \(17\.8–34\.1\) at 180/);
  // Each arm's own n in the legend (every curve averages over all 137: the caption says so).
  assert.deepEqual((await figureLayout(page)).series.map(x => x.label), ['1 (n = 69)', '2 (n = 68)']);
  assert.match(await page.textContent('#fig-caption'), /all 137.*95% confidence band/);
  assert.ok(r.adjusted.every(a => a.steps.every(x => x.lower <= x.surv && x.surv <= x.upper)), 'every step has its band');
  await page.locator('.figure').first().screenshot({ path: path.join(OUT, 'adjusted-curves.png') });
  const adjustedInk = await canvasInk(page, '#km');
  assert.ok(adjustedInk > 0.02);
  await page.check('#adj-show-crude');
  await idle(page);
  assert.equal((await figureLayout(page)).figure, 'survival');
  assert.equal((await currentSpec(page)).view.curves, 'crude');
  await page.locator('.figure').first().screenshot({ path: path.join(OUT, 'adjusted-crude.png') });
  await page.check('#adj-show-adjusted');
  await idle(page);
  assert.equal((await figureLayout(page)).figure, 'adjusted');
  // The figure's SVG is the adjusted one while it is shown.
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#save-svg')]);
  assert.match(fs.readFileSync(await dl.path(), 'utf8'), /Adjusted survival probability/);
  const [png] = await Promise.all([page.waitForEvent('download'), page.click('#save-png')]);
  assert.equal(png.suggestedFilename(), 'designs_veteran.adjusted.png');
  assert.deepEqual(errors, []);
});

test('RMST difference horizon typed in: the line beside the HR equals R', async () => {
  const { page, errors } = await app.newPage();
  const c = refCase('lung', 'rmst_diff_sex');
  await load(page, c.file, without(c.spec, 'rmst_tau'));
  await page.fill('#adj-tau', '365');
  await page.press('#adj-tau', 'Enter');
  await page.locator('#adj-tau').evaluate(e => e.blur());
  await idle(page);
  assert.deepEqual(stat(await currentSpec(page)), c.spec);
  const r = await currentReport(page);
  compareWithR(c, r);
  // R: 55.97 (26.65 to 85.29), p = 0.00018.
  assert.match(await page.textContent('#adj-effect'), /RMST difference 2 − 1 up to 365: 56\.0 \(26\.7 to 85\.3\), P < 0\.001/);
  // A horizon that is not a time: a named message, the analysis stays.
  await page.fill('#adj-tau', 'one year');
  await page.locator('#adj-tau').evaluate(e => e.dispatchEvent(new Event('change', { bubbles: true })));
  await idle(page);
  assert.match(await page.textContent('#error'), /Check the RMST horizon.*'one year' is not a time/s);
  assert.equal((await currentSpec(page)).rmst_tau, 365);
  assert.deepEqual(errors, []);
});

test('subgroups: forest plot with interaction p per column, equal R; SVG through the core', async () => {
  const { page, errors } = await app.newPage();
  const c = refCase('veteran', 'subgroups_trt');
  await load(page, c.file, without(c.spec, 'subgroups'));
  await page.check('#adj-subgroups input[data-col="celltype"]');
  await idle(page);
  await page.check('#adj-subgroups input[data-col="prior"]');
  await idle(page);
  assert.deepEqual(stat(await currentSpec(page)), c.spec);
  const r = await currentReport(page);
  compareWithR(c, r);
  sameNumbers(r.subgroups, cli(c.file, c.spec).subgroups, 'subgroups');
  await page.waitForSelector('#subgroups[data-drawn="1"]');
  assert.ok(await canvasInk(page, '#subgroups') > 0.02);
  assert.match(await page.getAttribute('#subgroups', 'aria-label'), /celltype = adeno: 1\.23 \(0\.53–2\.87\)/);
  // The overall row first (R: coxph(Surv ~ trt) over all 137 rows, 1.02 (0.71–1.45)).
  assert.match(await page.getAttribute('#subgroups', 'aria-label'), /^Subgroup forest plot: Overall: 1\.02 \(0\.71–1\.45\); celltype/);
  assert.equal(r.subgroup_overall.n, 137);
  // R: celltype χ² 8.216 on 3 df, p = 0.042; prior 2.923 on 1 df, p = 0.087.
  const rows = await page.locator('#adj-interaction tbody tr').evaluateAll(rs => rs.map(tr => [...tr.children].map(x => x.textContent)));
  assert.deepEqual(rows, [['celltype', '8.22', '3', '0.042'], ['prior', '2.92', '1', '0.087']]);
  await page.locator('#adj-sub').screenshot({ path: path.join(OUT, 'adjusted-subgroups.png') });
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#save-sub-svg')]);
  const svg = fs.readFileSync(await dl.path(), 'utf8');
  assert.match(svg, /interaction p = 0\.042/);
  const [, w, h] = svg.match(/<svg width="(\d+)" height="(\d+)"/);
  const k = await page.evaluate(() => Number(document.querySelector('#xp-k')?.value || 5));
  const bytes = execFileSync(CLI, ['export', c.file, '--spec', JSON.stringify(await currentSpec(page)), '--k', String(k), '--as', 'subgroups-svg',
    '--options', JSON.stringify({ font_scale: 2 }), '--size', `${w}x${h}`]).toString();
  assert.equal(svg, bytes);
  assert.deepEqual(errors, []);
});

test('spline and interaction added with their buttons: the model table and tests equal R', async () => {
  const { page, errors } = await app.newPage();
  const sp = refCase('lung', 'spline_age');
  await load(page, sp.file, without(sp.spec, 'splines'));
  await page.selectOption('#adj-spline-col', 'age');
  await page.fill('#adj-spline-df', '3');
  await page.click('#adj-spline-add');
  await idle(page);
  assert.deepEqual(stat(await currentSpec(page)), sp.spec);
  const r = await currentReport(page);
  compareWithR(sp, r);
  sameNumbers(r.spline, cli(sp.file, sp.spec).spline, 'spline');
  // R: LR test of non-linearity χ² 1.92 on 2 df, p = 0.38; age[1..3] in the model table.
  assert.match(await page.textContent('#adj-spline-out'), /age: test of non-linearity .* χ² = 1\.92, df = 2, P = 0\.38/);
  assert.equal(await page.locator('#adj-spline-out tbody tr').count(), 50);
  await page.waitForSelector('#adj-spline-out canvas[data-drawn="1"]');
  assert.ok(await canvasInk(page, '#adj-spline-out canvas') > 0.02, 'spline curve drawn');
  await page.locator('#adj-spline').screenshot({ path: path.join(OUT, 'adjusted-spline.png') });
  const terms = await page.locator('#model tbody th').allTextContents();
  assert.deepEqual(terms.filter(t => t.startsWith('age')), ['age[1]', 'age[2]', 'age[3]']);

  const int = refCase('lung', 'interaction_sex_age');
  // An analysis without the spline: its results go (and nothing is drawn for them).
  const base = await setSpec(page, without(int.spec, 'interactions'));
  assert.ok(!base.error, base.error);
  assert.equal(await page.isHidden('#adj-spline'), true);
  assert.equal(await page.locator('#adj-spline-out canvas').count(), 0);
  await page.selectOption('#adj-int-a', 'sex');
  await page.selectOption('#adj-int-b', 'age');
  await page.click('#adj-int-add');
  await idle(page);
  assert.deepEqual(stat(await currentSpec(page)), int.spec);
  const ri = await currentReport(page);
  compareWithR(int, ri);
  assert.ok((await page.locator('#model tbody th').allTextContents()).includes('sex=2:age'), 'interaction term in the model table');
  // Removing it: the main effects stay.
  await page.click('#adj-interactions button[data-remove="interaction"]');
  await idle(page);
  assert.equal((await currentSpec(page)).interactions, undefined);
  assert.deepEqual((await currentSpec(page)).covariates, int.spec.covariates);
  assert.deepEqual(errors, []);
});

/** Veteran with columns made to break each adjusted comparison. */
function badCsv() {
  const lines = fs.readFileSync(path.join(DESIGNS, 'designs_veteran.csv'), 'utf8').trim().split(/\r?\n/);
  const head = lines[0].split(',').map(h => h.replace(/"/g, ''));
  const out = [[...head, 'sep', 'one', 'wneg', 'few', 'noev'].join(',')];
  lines.slice(1).forEach((line, i) => {
    const d = Object.fromEntries(line.split(',').map((v, j) => [head[j], v.replace(/"/g, '')]));
    const sep = (d.trt === '2' ? 10 : 1) + (i % 7) / 10;   // separates trt perfectly
    const noev = d.status === '0' ? 'x' : (i % 2 ? 'y' : 'z');   // level x: censored rows only
    out.push([line, sep, 'a', i === 4 ? -1 : 1.5, i % 3, noev].join(','));
  });
  return out.join('\n') + '\n';
}

test('bad input: each problem is a named warning and the rest of the analysis is shown', async () => {
  const { page, errors } = await app.newPage();
  const file = path.join(OUT, 'adjusted-bad.csv');
  fs.writeFileSync(file, badCsv());
  await load(page, file, { time: 'time', event: { column: 'status', event: ['1'] }, group: 'trt', times: [90, 180] });
  const shown = async () => {
    assert.ok((await page.locator('#summary tbody tr').count()) >= 1, 'summary table shown');
    assert.ok(await canvasInk(page, '#km') > 0.02, 'survival figure drawn');
    assert.equal(await page.isHidden('#error'), true, 'no error panel');
  };
  const warns = () => page.locator('#warnings li').allTextContents();

  // Perfect separation.
  await page.selectOption('#adj-treatment', 'trt');
  await page.check('#adj-confounders input[data-col="sep"]');
  await idle(page);
  assert.ok((await warns()).some(w => /propensity weighting not done: the covariates separate 'trt' perfectly/.test(w)), (await warns()).join('\n'));
  await shown();
  assert.equal(await page.isHidden('#adj-ps'), true);

  // A treatment with one level.
  await page.selectOption('#adj-treatment', 'one');
  await page.check('#adj-confounders input[data-col="age"]');
  await idle(page);
  assert.ok((await warns()).some(w => /the treatment 'one' has 1 level among the analysed rows/.test(w)), (await warns()).join('\n'));
  await shown();
  await page.selectOption('#adj-treatment', '');
  await idle(page);
  await setSpec(page, { time: 'time', event: { column: 'status', event: ['1'] }, group: 'trt', times: [90, 180] });

  // A negative weight: the row is excluded, named by its file line.
  await page.selectOption('#adj-weights-kind', 'sampling');
  await page.selectOption('#adj-weights', 'wneg');
  await idle(page);
  assert.ok((await warns()).some(w => w === "1 row excluded: weight in 'wneg' is negative or infinite (line 6)"), (await warns()).join('\n'));
  await shown();
  await page.selectOption('#adj-weights', '');
  await idle(page);

  // A spline on a column of 3 values with df 3.
  await page.selectOption('#adj-spline-col', 'few');
  await page.fill('#adj-spline-df', '3');
  await page.click('#adj-spline-add');
  await idle(page);
  assert.ok((await warns()).some(w => /spline of 'few' not used: it has 3 distinct values .* fewer than df \+ 2 = 5/.test(w)), (await warns()).join('\n'));
  await shown();
  assert.equal(await page.isVisible('#model-box'), true, 'the model is still fitted (few enters linearly)');
  // A df the spec refuses never reaches the engine.
  await page.fill('#adj-spline-df', '0');
  await page.click('#adj-spline-add');
  assert.match(await page.textContent('#error'), /df must be a whole number from 1 to 10/);
  await page.click('#error button.link');

  // A subgroup level without events.
  await page.check('#adj-subgroups input[data-col="noev"]');
  await idle(page);
  assert.ok((await warns()).some(w => /^subgroup noev = x: no events among its 9 rows/.test(w)), (await warns()).join('\n'));
  await shown();
  await page.waitForSelector('#subgroups[data-drawn="1"]');
  assert.ok(await canvasInk(page, '#subgroups') > 0.02);
  assert.deepEqual(errors, []);
});
