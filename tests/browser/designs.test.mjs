// The "Study design" block (www/designs.js) in headless chromium, through clicks: delayed entry
// and start–stop data (the core's recognition of heart's (start, stop] intervals within id and its
// one-click confirmation), a time-varying exposure (jasa: Simon–Makuch curves and a Cox
// covariate), the immortal-time warning and its two buttons, a landmark with and without reset,
// the conditional survival table, and bad input named by file line. Every report is compared
// with the command line's for the same spec (`cohort analyze FILE --spec SPEC`), and where R's
// reference case has the same analysis, with R (tests/reference/designs/*.expected.json).
// Needs the command line: COHORT_CLI, else the newer of target/release and target/debug `cohort`.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { start, loadFile, setSpec, idle, currentSpec, currentReport, canvasInk, REFERENCE_DIR, ROOT, OUT, assertSameOrigin } from './helpers.mjs';
import { cliPath } from '../js/cli.mjs';

const CLI = cliPath();
const DESIGNS = path.join(REFERENCE_DIR, 'designs');
const HEART = path.join(DESIGNS, 'designs_heart.csv');
const LUNG = path.join(DESIGNS, 'designs_lung.csv');
// jasa with `transplant` = 1 where tx.date is filled (tests/designs/jasa_grouped.csv).
const JASA = path.join(ROOT, 'tests/designs/jasa_grouped.csv');
const JASA_SPEC = { time: { start: 'accept.dt', end: 'fu.date', unit: 'days' }, event: { column: 'fustat', event: ['1'] } };
const LUNG_SPEC = { time: 'time', event: { column: 'status', event: ['2'] }, group: 'sex', times: [180, 365] };

let app;
before(async () => {
  assert.ok(CLI, 'build the command line first (cargo build --bin cohort) or set COHORT_CLI');
  app = await start();
  fs.mkdirSync(OUT, { recursive: true });
});
after(async () => { await app?.close(); });

function cli(file, spec) {
  return JSON.parse(execFileSync(CLI, ['analyze', file, '--spec', JSON.stringify(spec)], { maxBuffer: 64 << 20 }).toString());
}

const close = (a, b, tol = 1e-9) => (a == null && b == null) || (Number.isFinite(a) && Number.isFinite(b) && Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)));

/** The page's report agrees with the command line's for the page's own spec, field by field. */
function sameAsCli(file, spec, page) {
  const ref = cli(file, spec);
  const where = [];
  const cmp = (what, a, b) => { if (!close(a, b)) where.push(`${what}: page ${a}, CLI ${b}`); };
  cmp('n', page.n, ref.n);
  cmp('events', page.events, ref.events);
  assert.deepEqual(page.groups, ref.groups);
  assert.equal(page.km.length, ref.km.length);
  page.km.forEach((k, i) => {
    const r = ref.km[i];
    cmp(`km[${i}].n`, k.n, r.n);
    cmp(`km[${i}].events`, k.events, r.events);
    assert.equal(k.steps.length, r.steps.length, `km[${i}] steps`);
    k.steps.forEach((s, j) => { for (const f of ['time', 'n_risk', 'surv', 'lower', 'upper']) cmp(`km[${i}].steps[${j}].${f}`, s[f], r.steps[j][f]); });
    (k.at || []).forEach((a, j) => { for (const f of ['surv', 'lower', 'upper', 'n_risk']) cmp(`km[${i}].at[${j}].${f}`, a[f], r.at[j][f]); });
  });
  if (ref.logrank) for (const f of ['chisq', 'df', 'p']) cmp(`logrank.${f}`, page.logrank?.[f], ref.logrank[f]);
  if (ref.cox) ref.cox.terms.forEach((t, i) => { for (const f of ['coef', 'se', 'p']) cmp(`cox.${t.name}.${f}`, page.cox.terms[i]?.[f], t[f]); });
  assert.equal((page.conditional || []).length, (ref.conditional || []).length, 'conditional rows');
  (ref.conditional || []).forEach((c, i) => { for (const f of ['given', 'more', 'n_risk', 'surv', 'lower', 'upper']) cmp(`conditional[${i}].${f}`, page.conditional[i][f], c[f]); });
  assert.deepEqual(page.immortal_time ?? null, ref.immortal_time ?? null);
  assert.deepEqual(page.warnings, ref.warnings);
  assert.deepEqual(where, [], where.slice(0, 10).join('\n'));
  return ref;
}

/** R's expected values of a reference case (tests/reference/designs). */
function rCase(dataset, name) {
  const ref = JSON.parse(fs.readFileSync(path.join(DESIGNS, `designs_${dataset}.expected.json`), 'utf8'));
  return ref.cases.find(c => c.name === name).expected;
}

async function openDesign(page) {
  if (!(await page.locator('#design-box').evaluate(d => d.open))) await page.click('#design-box > summary');
  // The block's module is imported when it is first opened (www/designs.js): its controls are
  // filled a moment after the click.
  await page.waitForSelector('#design-entry option', { state: 'attached' });
}

async function choose(page, sel, value) {
  await openDesign(page);
  await page.selectOption(sel, value);
  await idle(page);
}

async function type(page, sel, text) {
  await openDesign(page);
  await page.fill(sel, text);
  await page.locator(sel).dispatchEvent('change');
  await idle(page);
}

async function tick(page, sel, on = true) {
  await openDesign(page);
  if (on) await page.check(sel); else await page.uncheck(sel);
  await idle(page);
}

test('start–stop data: recognised on drop, confirmed with one click, curves count patients (heart, vs the CLI and R)', async () => {
  const { page, requests, errors } = await app.newPage();
  const loaded = await loadFile(page, HEART);
  assert.ok(!loaded.error, loaded.error);
  const schema = await page.evaluate(() => window.cohort.schema());
  assert.deepEqual(schema.start_stop, { id: 'id', start: 'start', stop: 'stop', rows: 172, patients: 103 });
  await page.waitForSelector('#start-stop-offer:not([hidden])');
  assert.match(await page.locator('#start-stop-offer').textContent(), /Each 'id' has several rows.*172 rows for 103 patients/);
  await page.click('#start-stop-offer button[data-action="start-stop"]');
  await idle(page);
  const spec = await currentSpec(page);
  assert.equal(spec.time, 'stop');
  assert.equal(spec.entry, 'start');
  assert.equal(spec.id, 'id');
  // The landmark times are those of the new follow-up column (days), not of the column guessed first.
  assert.deepEqual(spec.times, [180, 365, 730]);
  assert.ok(await page.locator('#start-stop-offer').isHidden(), 'the offer goes once the spec uses it');
  // The controls show it.
  assert.equal(await page.locator('#design-entry').inputValue(), 'start');
  assert.equal(await page.locator('#design-id').inputValue(), 'id');
  const report = await currentReport(page);
  // 103 patients, not 172 rows.
  assert.equal(report.km.length, 1);
  assert.equal(report.km[0].n, 103);
  assert.equal(await page.locator('#summary tbody tr td').first().textContent(), '103');
  sameAsCli(HEART, spec, report);

  // Compare groups by transplant: R's case (Surv(start, stop, event) ~ transplant, id = id).
  await page.selectOption('#group-col', 'transplant');
  await idle(page);
  const grouped = await currentReport(page);
  sameAsCli(HEART, await currentSpec(page), grouped);
  const r = rCase('heart', 'start_stop_efron');
  grouped.km.forEach((k, i) => {
    assert.equal(k.n, r.km[i].n, `R's n of ${k.group}`);
    k.steps.forEach((s, j) => assert.ok(close(s.surv, r.km[i].steps[j].surv, 1e-6), `R's surv ${k.group} step ${j}`));
  });
  assert.ok(close(grouped.logrank.chisq, r.logrank.chisq, 1e-6), `score test ${grouped.logrank.chisq} vs R ${r.logrank.chisq}`);
  assert.deepEqual(errors, []);
  assertSameOrigin(requests, app.origin);
});

test('delayed entry and id chosen in the selects; "No" keeps one row per patient', async () => {
  const { page } = await app.newPage();
  await loadFile(page, HEART);
  await page.waitForSelector('#start-stop-offer:not([hidden])');
  await page.click('#start-stop-offer button[data-action="dismiss-start-stop"]');
  assert.ok(await page.locator('#start-stop-offer').isHidden());
  await setSpec(page, { time: 'stop', event: { column: 'event', event: ['1'] } });
  await choose(page, '#design-entry', 'start');
  let spec = await currentSpec(page);
  assert.equal(spec.entry, 'start');
  assert.equal(spec.id, undefined);
  assert.match(await page.locator('#design-entry-note').textContent(), /joins the risk set only after this time/);
  // Without an id the intervals are rows (n = 172), each at risk on (start, stop].
  let report = await currentReport(page);
  assert.equal(report.km[0].n, 172);
  sameAsCli(HEART, spec, report);
  await choose(page, '#design-id', 'id');
  spec = await currentSpec(page);
  report = await currentReport(page);
  assert.equal(report.km[0].n, 103);
  sameAsCli(HEART, spec, report);
  // The share link carries the design.
  const link = await page.evaluate(() => window.cohort.shareLink());
  const second = await app.newPage(link);
  await loadFile(second.page, HEART);
  const shared = await currentSpec(second.page);
  assert.equal(shared.entry, 'start');
  assert.equal(shared.id, 'id');
  assert.equal((await currentReport(second.page)).km[0].n, 103);
});

test('entry date with follow-up from dates: referral after diagnosis is left truncation; a referral after the end is named by line', async () => {
  const { page } = await app.newPage();
  const rows = ['dx_date,referral_date,last_date,dead'];
  for (let i = 0; i < 24; i++) {
    const dx = new Date(Date.UTC(2015, 0, 1 + 9 * i));
    const ref = new Date(dx.getTime() + 86400000 * (i % 4 === 0 ? 0 : i % 4 === 1 ? 150 + 10 * i : 20 + 3 * i));
    const end = new Date(dx.getTime() + 86400000 * (200 + 37 * i));
    rows.push([dx, ref, end].map(d => d.toISOString().slice(0, 10)).join(',') + `,${i % 3 === 0 ? 0 : 1}`);
  }
  rows[6] = '2015-03-01,2016-06-01,2015-09-01,1';   // line 7: referred after the end of follow-up
  const file = path.join(OUT, 'design-entry-dates.csv');
  fs.writeFileSync(file, rows.join('\n') + '\n');
  await loadFile(page, file);
  await setSpec(page, { time: { start: 'dx_date', end: 'last_date', unit: 'days' }, event: { column: 'dead', event: ['1'] } });
  await openDesign(page);
  // Date columns are offered (the follow-up's own dates are not).
  assert.deepEqual(await page.locator('#design-entry option').evaluateAll(os => os.map(o => o.value)), ['', 'referral_date']);
  assert.match(await page.locator('#design-entry-note').textContent(), /joins the risk set only from this date/);
  await choose(page, '#design-entry', 'referral_date');
  const spec = await currentSpec(page);
  assert.equal(spec.entry, 'referral_date');
  const report = await currentReport(page);
  assert.equal(report.n, 23);
  const warnings = await page.locator('#warnings li').allTextContents();
  assert.ok(warnings.some(w => /entry 'referral_date' is not before the exit time/.test(w) && /line 7\b/.test(w)), warnings.join('\n'));
  sameAsCli(file, spec, report);
  // Late entrants are not at risk before referral: the first risk set is smaller than the cohort.
  assert.ok(report.km[0].steps[0].n_risk < 23);
});

test('immortal time: grouping by transplant warns, and its buttons give the time-varying and the landmark analyses (jasa, vs the CLI and R)', async () => {
  const { page, errors } = await app.newPage();
  const loaded = await loadFile(page, JASA);
  assert.ok(!loaded.error, loaded.error);
  await setSpec(page, JASA_SPEC);
  assert.ok(await page.locator('#immortal-box').isHidden());
  await page.selectOption('#group-col', 'transplant');
  await idle(page);
  await page.waitForSelector('#immortal-box:not([hidden])');
  const report = await currentReport(page);
  assert.equal(report.immortal_time.at, 'tx.date');
  assert.equal(report.immortal_time.rows, 66);
  assert.match(await page.locator('#immortal-box').textContent(), /^Immortal time'transplant' looks like an exposure.*'tx\.date'.*66 of the 69 rows.*lines 5, 8/);
  assert.ok((await page.locator('#warnings li').allTextContents()).some(w => w.startsWith('immortal time')));
  sameAsCli(JASA, await currentSpec(page), report);

  // Button 1: the time-varying exposure (Simon–Makuch curves by current exposure).
  await page.click('#immortal-box button[data-action="immortal-tv"]');
  await idle(page);
  let spec = await currentSpec(page);
  assert.deepEqual(spec.time_varying, [{ name: 'tx_date_on', at: 'tx.date' }]);
  assert.equal(spec.group, 'tx_date_on');
  assert.ok(await page.locator('#immortal-box').isHidden(), 'no warning once the exposure is time-varying');
  assert.equal(await page.locator('#design-tv').inputValue(), 'tx.date');
  assert.ok(await page.locator('#design-tv-group').isChecked());
  const tv = await currentReport(page);
  sameAsCli(JASA, spec, tv);
  // R: tmerge(..., transplant = tdc(tx)); survfit(Surv(tstart, tstop, ev) ~ transplant, id = id).
  const r = rCase('jasa', 'transplant_time_varying');
  tv.km.forEach((k, i) => {
    assert.equal(k.n, r.km[i].n);
    k.steps.forEach((s, j) => assert.ok(close(s.surv, r.km[i].steps[j].surv, 1e-6), `R's Simon–Makuch surv ${k.group} step ${j}`));
  });
  assert.ok(close(tv.logrank.chisq, r.logrank.chisq, 1e-6));

  // As a Cox covariate too: ticked, the model has the term; R's coefficient (with age) matches.
  await setSpec(page, { ...spec, covariates: ['age'] });
  await tick(page, '#design-tv-cox');
  spec = await currentSpec(page);
  assert.deepEqual(spec.covariates, ['tx_date_on', 'age']);
  const cox = await currentReport(page);
  sameAsCli(JASA, spec, cox);
  const rc = r.cox.terms.find(t => t.name === 'transplant');
  const mine = cox.cox.terms.find(t => t.name === 'tx_date_on');
  assert.ok(close(mine.coef, rc.coef, 1e-6), `Cox coef ${mine.coef} vs R ${rc.coef}`);
  // Cleared from the model panel: the block's tick follows.
  await page.click('#xp-clear');
  await idle(page);
  assert.equal((await currentSpec(page)).covariates, undefined);
  assert.ok(!(await page.locator('#design-tv-cox').isChecked()));

  // Button 2: back to the grouping by the column, then the landmark analysis.
  await setSpec(page, { ...JASA_SPEC, group: 'transplant' });
  await page.waitForSelector('#immortal-box:not([hidden])');
  const L = (await currentReport(page)).immortal_time.landmark;
  await page.click('#immortal-box button[data-action="immortal-landmark"]');
  await idle(page);
  spec = await currentSpec(page);
  assert.deepEqual(spec.landmark, { time: L, reset: false });
  assert.equal(spec.group, 'tx_date_on');
  assert.equal(await page.locator('#design-landmark').inputValue(), String(L));
  sameAsCli(JASA, spec, await currentReport(page));
  assert.ok(await page.locator('#immortal-box').isHidden());
  assert.deepEqual(errors, []);
});

test('landmark with and without reset, typed in the block (lung, vs the CLI and R), marked in the figure', async () => {
  const { page } = await app.newPage();
  await loadFile(page, LUNG);
  await setSpec(page, LUNG_SPEC);
  await type(page, '#design-landmark', '90');
  let spec = await currentSpec(page);
  assert.deepEqual(spec.landmark, { time: 90, reset: false });
  let report = await currentReport(page);
  sameAsCli(LUNG, spec, report);
  const keep = rCase('lung', 'landmark90_keep');
  report.km.forEach((k, i) => k.at.forEach((a, j) => assert.ok(close(a.surv, keep.km[i].at[j].surv, 1e-9), `R's S(${a.time}) given alive at 90`)));
  // The figure: a grey line at the landmark (the drawing is the core's; its label is checked in tests/designs_page.rs).
  const layout = await page.evaluate(() => window.cohort.figureLayout());
  const greyAt = await page.evaluate(L => {
    const c = document.querySelector('#km');
    const x = Math.round(L.plot_left + (90 - L.x_min) / (L.x_max - L.x_min) * L.plot_width);
    const y = Math.round(L.plot_top + L.plot_height * 0.1);
    const d = c.getContext('2d').getImageData(x - 1, y, 3, 1).data;
    return [0, 4, 8].some(i => d[i] < 0xa0 && Math.abs(d[i] - d[i + 1]) < 8 && Math.abs(d[i] - d[i + 2]) < 8);
  }, layout);
  assert.ok(greyAt, 'no landmark line at 90 in the figure');
  assert.ok(await canvasInk(page) > 0.02);

  await tick(page, '#design-reset');
  spec = await currentSpec(page);
  assert.deepEqual(spec.landmark, { time: 90, reset: true });
  report = await currentReport(page);
  sameAsCli(LUNG, spec, report);
  const reset = rCase('lung', 'landmark90_reset');
  report.km.forEach((k, i) => k.at.forEach((a, j) => assert.ok(close(a.surv, reset.km[i].at[j].surv, 1e-9), `R's S(${a.time}) from the landmark`)));
  // Cleared: no landmark.
  await type(page, '#design-landmark', '');
  assert.equal((await currentSpec(page)).landmark, undefined);
  // Not a number: said so, the analysis is left as it was.
  await type(page, '#design-landmark', 'three months');
  assert.match(await page.locator('#error').textContent(), /landmark time must be a number/);
  assert.equal((await currentSpec(page)).landmark, undefined);
});

test('conditional survival table: given survived s, the chance of t more (lung, vs the CLI and R)', async () => {
  const { page } = await app.newPage();
  await loadFile(page, LUNG);
  await setSpec(page, LUNG_SPEC);
  assert.ok(await page.locator('#conditional-box').isHidden());
  await type(page, '#design-cond-given', '90, 180');
  assert.ok(await page.locator('#conditional-box').isHidden(), 'one list alone does not make a table');
  await type(page, '#design-cond-more', '180, 365');
  const spec = await currentSpec(page);
  assert.deepEqual(spec.conditional, { given: [90, 180], more: [180, 365] });
  await page.waitForSelector('#conditional-box:not([hidden])');
  const report = await currentReport(page);
  sameAsCli(LUNG, spec, report);
  // R: summary(survfit(Surv(time, status == 2) ~ sex, data = subset(d, time > 90)), times = 90 + c(180, 365))
  // is the landmark-without-reset case at 270 and 455; its values at 180 and 365 after 90 come
  // from the same rows: sex 1, given 90, 180 more = 0.582311367782 (0.497180536930–0.682018912369).
  const c = report.conditional.find(x => x.group === '1' && x.given === 90 && x.more === 180);
  assert.ok(close(c.surv, 0.582311367782, 1e-9) && close(c.lower, 0.497180536930, 1e-9) && close(c.upper, 0.682018912369, 1e-9));
  // The table: a row per group and given time, a column per "more".
  assert.equal(await page.locator('#conditional tbody tr').count(), 4);
  assert.equal(await page.locator('#conditional tbody td[data-given="90"][data-more="180"]').first().textContent(), '58.2% (49.7–68.2%)');
  assert.deepEqual(await page.locator('#conditional thead th').allTextContents(), ['Group', 'Survived', 'At risk', '180 more (95% CI)', '365 more (95% CI)']);
});

test('bad input: entry not before exit, overlapping intervals, exposure after the end are named by file line', async () => {
  const { page } = await app.newPage();
  const write = (name, text) => { const f = path.join(OUT, name); fs.writeFileSync(f, text); return f; };
  // Line 3: entry 5 at exit 5.
  const entryFile = write('design-entry.csv', 'entry,time,status\n0,10,1\n5,5,1\n2,8,0\n1,12,1\n0,7,1\n3,9,0\n');
  await loadFile(page, entryFile);
  await setSpec(page, { time: 'time', event: { column: 'status', event: ['1'] } });
  await choose(page, '#design-entry', 'entry');
  let warnings = await page.locator('#warnings li').allTextContents();
  assert.ok(warnings.some(w => /entry 'entry' is not before the exit time/.test(w) && /line 3\b/.test(w)), warnings.join('\n'));
  sameAsCli(entryFile, await currentSpec(page), await currentReport(page));

  // Line 3: patient 1's second interval (3, 9] overlaps (0, 5].
  const overlapFile = write('design-overlap.csv', 'pid,start,stop,status\n1,0,5,0\n1,3,9,1\n2,0,4,0\n2,4,8,1\n3,0,6,1\n');
  await loadFile(page, overlapFile);
  await setSpec(page, { time: 'stop', event: { column: 'status', event: ['1'] } });
  assert.ok(await page.locator('#start-stop-offer').isHidden(), 'overlapping intervals are not offered as start–stop data');
  await choose(page, '#design-entry', 'start');
  await choose(page, '#design-id', 'pid');
  warnings = await page.locator('#warnings li').allTextContents();
  assert.ok(warnings.some(w => /overlaps an earlier interval of the same 'pid' \(line 3\)/.test(w)), warnings.join('\n'));
  sameAsCli(overlapFile, await currentSpec(page), await currentReport(page));

  // Line 5: exposure at 20 after the exit at 6.
  const tvFile = write('design-tv.csv', 'time,status,chemo_start\n10,1,4\n8,0,\n12,1,3\n6,1,20\n9,0,2\n');
  await loadFile(page, tvFile);
  await setSpec(page, { time: 'time', event: { column: 'status', event: ['1'] } });
  await choose(page, '#design-tv', 'chemo_start');
  assert.deepEqual((await currentSpec(page)).time_varying, [{ name: 'chemo_start_on', at: 'chemo_start' }]);
  warnings = await page.locator('#warnings li').allTextContents();
  assert.ok(warnings.some(w => /exposure time in 'chemo_start' is after the end of follow-up on line 5/.test(w)), warnings.join('\n'));
  sameAsCli(tvFile, await currentSpec(page), await currentReport(page));
  // Removing the exposure removes it from the spec.
  await choose(page, '#design-tv', '');
  assert.equal((await currentSpec(page)).time_varying, undefined);
});
