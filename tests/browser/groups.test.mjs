// Crossed groups through the page's controls (issue 6, "choose the grouping column, or up to two,
// crossed"): "Compare groups" sex, "and" ph.ecog → the spec's group is ["sex", "ph.ecog"], the
// legend, the summary rows and the log-rank test are over the 7 combinations R's
// survfit(Surv(time, status) ~ sex + ph.ecog, lung) has (tests/r/crossed.expected.json), and
// the share link reproduces them. Clearing the second select goes back to one column.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { start, loadFile, REFERENCE_DIR, OUT, idle, currentSpec, currentReport, figureLayout } from './helpers.mjs';

const LUNG = path.join(REFERENCE_DIR, 'lung.csv');
// names(survfit(Surv(time, status) ~ sex + ph.ecog, lung)$strata)
const CROSSED = ['sex=1, ph.ecog=0', 'sex=1, ph.ecog=1', 'sex=1, ph.ecog=2', 'sex=1, ph.ecog=3',
  'sex=2, ph.ecog=0', 'sex=2, ph.ecog=1', 'sex=2, ph.ecog=2'];

let app;
before(async () => { app = await start(); fs.mkdirSync(OUT, { recursive: true }); });
after(async () => { await app?.close(); });

const spec = currentSpec;
const report = currentReport;
const layout = figureLayout;
const summaryRows = page => page.locator('#summary tbody th[scope="row"]').allTextContents();

test('two group columns chosen in the page cross into R\'s strata: legend, summary rows, log-rank', async () => {
  const { page, errors } = await app.newPage();
  const loaded = await loadFile(page, LUNG);
  assert.ok(!loaded.error, loaded.error);
  // The second select is empty by default and waits for the first.
  assert.equal(await page.locator('#group-col2').inputValue(), '');
  assert.equal(await page.locator('#group-col2').isDisabled(), true);
  await page.selectOption('#group-col', 'sex');
  await idle(page);
  assert.equal(await page.locator('#group-col2').isDisabled(), false);
  assert.equal((await spec(page)).group, 'sex');
  await page.selectOption('#group-col2', 'ph.ecog');
  await idle(page);

  assert.deepEqual((await spec(page)).group, ['sex', 'ph.ecog']);
  const r = await report(page);
  assert.deepEqual(r.groups, CROSSED);
  // survdiff(Surv(time, status) ~ sex + ph.ecog, lung): Chisq = 32.9 on 6 df
  assert.equal(r.logrank.df, 6);
  assert.ok(Math.abs(r.logrank.chisq - 32.91697819060672) < 1e-6, String(r.logrank.chisq));
  assert.deepEqual((await layout(page)).legend.map(e => e.group), CROSSED);
  assert.deepEqual(await summaryRows(page), CROSSED);
  assert.equal(await page.locator('#summary thead th').first().textContent(), 'sex × ph.ecog');
  await page.locator('#km').screenshot({ path: path.join(OUT, 'groups-crossed.png') });

  // The share link carries both columns; a fresh page shows the same crossed levels.
  const link = await page.evaluate(() => window.cohort.shareLink());
  const fresh = await app.newPage(link);
  const again = await loadFile(fresh.page, LUNG);
  assert.ok(!again.error, again.error);
  await idle(fresh.page);
  assert.deepEqual((await spec(fresh.page)).group, ['sex', 'ph.ecog']);
  assert.equal(await fresh.page.locator('#group-col2').inputValue(), 'ph.ecog');
  assert.deepEqual(await summaryRows(fresh.page), CROSSED);

  // Clearing the second column goes back to one plain column.
  await page.selectOption('#group-col2', '');
  await idle(page);
  assert.equal((await spec(page)).group, 'sex');
  assert.deepEqual(await summaryRows(page), ['1', '2']);
  assert.deepEqual(errors, []);
});

test('a unit for a numeric time column: recorded in days, shown in months (report, landmarks, table, axis)', async () => {
  const { page, errors } = await app.newPage();
  const loaded = await loadFile(page, LUNG);
  assert.ok(!loaded.error, loaded.error);
  await page.selectOption('#group-col', 'sex');
  await idle(page);
  assert.equal(await page.locator('#time-unit').inputValue(), '');
  assert.equal(await page.locator('#time-display').isDisabled(), true);
  assert.equal((await report(page)).time_unit ?? null, null);

  await page.selectOption('#time-unit', 'days');
  await idle(page);
  assert.deepEqual((await spec(page)).time, { column: 'time', unit: 'days' });
  assert.equal((await report(page)).time_unit, 'days');
  assert.equal(await page.locator('#time-display').isDisabled(), false);

  await page.selectOption('#time-display', 'months');
  await idle(page);
  const s = await spec(page);
  assert.deepEqual(s.time, { column: 'time', unit: 'days', display: 'months' });
  // Landmarks are in the shown unit: round months inside lung's 1022 days (33.6 months).
  assert.deepEqual(s.times, [6, 12, 24]);
  assert.equal(await page.locator('#landmarks').inputValue(), '6, 12, 24');
  const r = await report(page);
  assert.equal(r.time_unit, 'months');
  // survfit(Surv(time * 1 / 30.4375, status) ~ sex, lung): medians 8.8706365503080082, 13.9958932238193015;
  // summary(f, times = 6)$surv: 0.62981806968856036 (sex=1)
  assert.ok(Math.abs(r.km[0].median - 8.8706365503080082) < 1e-9, String(r.km[0].median));
  assert.ok(Math.abs(r.km[1].median - 13.9958932238193015) < 1e-9, String(r.km[1].median));
  assert.ok(Math.abs(r.km[0].at[0].surv - 0.62981806968856036) < 1e-9, String(r.km[0].at[0].surv));
  const heads = await page.locator('#summary thead th').allTextContents();
  assert.ok(heads.some(h => h.startsWith('S(6 months)')), heads.join(' | '));
  // The figure's time axis is in months too (lung's longest time, 1022 days, is 33.6 months).
  const L = await layout(page);
  assert.ok(L.x_max > 30 && L.x_max < 40, String(L.x_max));
  await page.locator('#km').screenshot({ path: path.join(OUT, 'groups-months.png') });
  await page.locator('#spec-h').locator('..').screenshot({ path: path.join(OUT, 'groups-controls.png') });

  // The share link carries the unit.
  const link = await page.evaluate(() => window.cohort.shareLink());
  const fresh = await app.newPage(link);
  assert.ok(!(await loadFile(fresh.page, LUNG)).error);
  await idle(fresh.page);
  assert.equal(await fresh.page.locator('#time-display').inputValue(), 'months');
  assert.equal((await report(fresh.page)).time_unit, 'months');

  // Back to no unit: a plain column again.
  await page.selectOption('#time-unit', '');
  await idle(page);
  assert.equal((await spec(page)).time, 'time');
  assert.deepEqual((await spec(page)).times, [180, 365, 730]);
  assert.deepEqual(errors, []);
});
