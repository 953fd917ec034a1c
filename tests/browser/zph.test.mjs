// The proportional-hazards residual plots (www/zph.js) in headless chromium, through the UI:
// veteran with karno + age ticked, the PH table's "Plot" toggles open the wasm-drawn residual
// plots (non-empty canvas pixels), karno (R cox.zph p = 0.0003) is flagged in the figure's
// caption and border and age (p = 0.14) is not, "Show all" opens both, "Save SVG" downloads
// the command line's `ph-residuals-svg` export (residuals pooled in runs of k events), the saved
// JSON report carries the same pools and not the per-event residuals, and no request leaves the
// page.
//   R: d <- read.csv("tests/reference/veteran.csv")
//      cox.zph(coxph(Surv(time, status == 1) ~ karno + age, data = d))$table
//      karno chisq 13.07271927 p 0.00029963; age 2.13058873 p 0.14439

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { start, loadFile, canvasInk, REFERENCE_DIR, OUT, idle, assertSameOrigin } from './helpers.mjs';
import { cohort } from '../js/cli.mjs';

let app;
before(async () => { app = await start(); fs.mkdirSync(OUT, { recursive: true }); });
after(async () => { await app?.close(); });

const tick = async (page, col) => {
  await page.locator(`#xp-covs tr[data-col="${col}"] input.cov-tick`).check();
  await idle(page);
};

test('PH residual plots: toggles draw the plots, karno flagged, SVG export, no request off the origin', async () => {
  const { page, requests, errors } = await app.newPage();
  const loaded = await loadFile(page, path.join(REFERENCE_DIR, 'veteran.csv'));
  assert.ok(!loaded.error, loaded.error);
  await tick(page, 'karno');
  await tick(page, 'age');
  await page.waitForSelector('#xp-ph:not([hidden]) .ph-plot-btn[data-term="karno"]');

  // The report carries the residuals: 128 events, one scaled residual per event and term.
  const res = (await page.evaluate(() => window.cohort.report())).cox.ph_test.residuals;
  assert.equal(res.events, 128);
  assert.deepEqual(res.terms.map(t => [t.name, t.y.length]), [['karno', 128], ['age', 128]]);

  // Open karno's plot from its row.
  await page.click('.ph-plot-btn[data-term="karno"]');
  await idle(page);
  await page.waitForSelector('#ph-plots figure[data-term="karno"] canvas[data-drawn="1"]');
  assert.equal(await page.locator('.ph-plot-btn[data-term="karno"]').getAttribute('aria-expanded'), 'true');
  const ink = await canvasInk(page, '#ph-plots figure[data-term="karno"] canvas');
  assert.ok(ink > 0.02, `karno's residual plot looks empty (${ink})`);
  // Flagged: the figure's border class and the caption's words.
  assert.equal(await page.locator('#ph-plots figure[data-term="karno"]').getAttribute('class'), 'ph-plot ph-flagged');
  assert.match(await page.locator('#ph-plots figure[data-term="karno"] figcaption').textContent(), /p < 0\.05 — proportional hazards doubtful/);

  // Show all: age opens too, not flagged.
  await page.click('#ph-plot-all');
  await idle(page);
  await page.waitForSelector('#ph-plots figure[data-term="age"] canvas[data-drawn="1"]');
  assert.deepEqual(await page.locator('#ph-plots figure').evaluateAll(fs => fs.map(f => f.dataset.term)), ['karno', 'age']);
  assert.equal(await page.locator('#ph-plots figure[data-term="age"]').getAttribute('class'), 'ph-plot');
  assert.ok(await canvasInk(page, '#ph-plots figure[data-term="age"] canvas') > 0.02, 'age plot drawn');
  await page.locator('#xp-ph').screenshot({ path: path.join(OUT, 'zph.png') });

  // Save SVG with k = 7: the core's export (`cohort export --as ph-residuals-svg --k 7`), the
  // same bytes: residuals pooled in runs of 7 events (18 dots and the legend's), the flag kept.
  await page.fill('#xp-k', '7');
  await page.dispatchEvent('#xp-k', 'change');
  await idle(page);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('.ph-plot-svg[data-term="karno"]')]);
  const file = path.join(OUT, 'zph-karno.svg');
  await download.saveAs(file);
  const svg = fs.readFileSync(file, 'utf8');
  const spec = await page.evaluate(() => window.cohort.spec());
  const want = cohort('export', path.join(REFERENCE_DIR, 'veteran.csv'), '--spec', JSON.stringify(spec), '--k', '7', '--as', 'ph-residuals-svg',
    '--options', JSON.stringify({ term: 'karno' }), '--size', '900x620');
  assert.ok(svg === want, `the page's residual plot SVG differs from the command line's (${svg.length} vs ${want.length} bytes)`);
  assert.match(svg, /^<svg/);
  assert.match(svg, /proportional hazards doubtful/);
  assert.match(svg, /PH test p &lt; 0\.001/);
  assert.equal(svg.match(/<circle/g).length, Math.floor(128 / 7) + 1, 'one dot per pool of 7 events, and the legend\'s');

  // The saved report keeps the PH table; its residual points are the same pools, never one event's.
  const [dl2] = await Promise.all([page.waitForEvent('download'), page.click('#save-json')]);
  const saved = JSON.parse(fs.readFileSync(await dl2.path(), 'utf8'));
  assert.deepEqual(saved.cox.ph_test.terms.map(t => t.name), ['karno', 'age']);
  assert.equal(saved.cox.ph_test.residuals.x.length, Math.floor(128 / 7));
  assert.deepEqual(saved.cox.ph_test.residuals.terms.map(t => t.y.length), [18, 18]);

  // Refit without karno: its plot closes, age's is drawn again from the new model.
  await page.locator('#xp-covs tr[data-col="karno"] input.cov-tick').uncheck();
  await idle(page);
  assert.deepEqual(await page.locator('#ph-plots figure').evaluateAll(fs => fs.map(f => f.dataset.term)), ['age']);
  await page.waitForSelector('#ph-plots figure[data-term="age"] canvas[data-drawn="1"]');

  // Hide: the toggle closes the plot.
  await page.click('.ph-plot-btn[data-term="age"]');
  await idle(page);
  assert.equal(await page.locator('#ph-plots figure').count(), 0);

  assert.deepEqual(errors, []);
  assertSameOrigin(requests, app.origin);
});

test('a model with more than 20,000 events: residuals on request, then the plots as usual', async () => {
  const { page, requests, errors } = await app.newPage();
  // 30,000 rows, every one an event: above src/stats/cox/mod.rs RESIDUALS_UNASKED_MAX_EVENTS.
  let csv = 'time,status,x\n';
  for (let i = 0; i < 30000; i++) csv += `${1 + (i * 7919) % 997},1,${((i * 104729) % 1000) / 100}\n`;
  await page.evaluate(async text => { await window.cohort.loadFile('large.csv', new TextEncoder().encode(text)); }, csv);
  await page.evaluate(() => window.cohort.setSpec({ time: 'time', event: { column: 'status', event: ['1'] }, covariates: ['x'] }));
  await idle(page);
  const before = (await page.evaluate(() => window.cohort.report())).cox;
  assert.equal(before.events, 30000);
  assert.ok(before.ph_test && before.ph_test.residuals === undefined, 'no residuals unasked');
  assert.equal(await page.locator('.ph-plot-btn').count(), 0);
  await page.waitForSelector('#ph-compute:not([hidden])');
  assert.match(await page.locator('#ph-compute').textContent(), /30,000 events/);

  await page.click('#ph-compute');
  await idle(page);
  const after = await page.evaluate(() => window.cohort.report());
  assert.equal(after.spec.ph_residuals, true);
  assert.equal(after.cox.ph_test.residuals.events, 30000);
  assert.equal(after.cox.ph_test.residuals.terms[0].y.length, 2000, 'at most 2000 points sent');
  assert.equal(await page.locator('#ph-compute').isHidden(), true);
  await page.click('.ph-plot-btn[data-term="x"]');
  await idle(page);
  await page.waitForSelector('#ph-plots figure[data-term="x"] canvas[data-drawn="1"]');
  assert.ok(await canvasInk(page, '#ph-plots figure[data-term="x"] canvas') > 0.02, 'plot drawn');
  assert.deepEqual(errors, []);
  assertSameOrigin(requests, app.origin);
});
