// Offline use and build verification: after the first visit the page opens, analyses a dropped
// CSV and a workbook with the network off (the service worker's copy of the build), and its
// "Verify this build" panel lists the SHA-256 that scripts/build.sh printed (dist/build-hashes.txt).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { start, loadFile, setSpec, canvasInk, DIST, ROOT } from './helpers.mjs';

let app;
before(async () => { app = await start({ prefix: '/lab/cohort/' }); });
after(async () => { await app?.close(); });

const LUNG = path.join(ROOT, 'tests/reference/lung.csv');
const LUNG_XLSX = path.join(ROOT, 'tests/ingest/lung.xlsx');

test('after the first visit the page works with the network off', async () => {
  const { page } = await app.newPage();
  // The offline copy is installed once the page has loaded, and then controls the page.
  await page.waitForFunction(async () => (await navigator.serviceWorker.ready).active?.state === 'activated');
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
  await app.context.setOffline(true);
  try {
    // The network really is off: a file that is not part of the build cannot be fetched.
    const probe = await page.evaluate(() => fetch('build-hashes.txt').then(() => 'fetched', e => e.name));
    assert.equal(probe, 'TypeError');
    await page.reload();
    await page.waitForFunction(() => window.cohort && window.cohort.ready);
    await page.evaluate(() => window.cohort.ready);
    await page.evaluate(() => window.cohort.idle());
    const demo = await page.evaluate(() => window.cohort.report());
    assert.ok(demo && demo.km.length > 0, 'the demo was not analysed offline');
    assert.ok(await canvasInk(page) > 0.005, 'the figure is blank offline');
    // The page's modules imported on first use (issue 20: the Paper view's and the Cohort tab's
    // content) come from the offline copy too.
    await page.getByRole('tab', { name: 'Paper view' }).click();
    await page.waitForSelector('#paper-compare tbody tr[data-key="radiographic_control:6"]');
    await page.getByRole('tab', { name: 'Analysis' }).click();
    await page.evaluate(() => window.cohort.view('cohort'));
    await page.waitForSelector('#cards article.card');
    await page.evaluate(() => window.cohort.view('survival'));

    const loaded = await loadFile(page, LUNG);
    assert.ok(!loaded.error, loaded.error);
    const { report, error } = await setSpec(page, { time: 'time', event: { column: 'status', event: ['2'] }, group: 'sex' });
    assert.ok(!error, error);
    assert.equal(report.n, 228);
    // The workbook engine is fetched only when a workbook is dropped: it is in the offline copy too.
    const xlsx = await loadFile(page, LUNG_XLSX);
    assert.ok(!xlsx.error, xlsx.error);
    assert.equal(JSON.parse(await page.evaluate(() => JSON.stringify(window.cohort.schema()))).columns.length > 0, true);
  } finally {
    await app.context.setOffline(false);
  }
});

test('"Verify this build" shows the SHA-256 the build printed', async () => {
  const { page } = await app.newPage();
  await page.waitForFunction(async () => (await navigator.serviceWorker.ready).active?.state === 'activated');
  await page.locator('#verify summary').click();
  const pre = page.locator('#verify pre.hashes');
  await pre.waitFor();
  const shown = (await pre.textContent()).trim();
  const printed = fs.readFileSync(path.join(DIST, 'build-hashes.txt'), 'utf8').trim();
  assert.equal(shown, printed);
  assert.match(shown, /^[0-9a-f]{64} {2}www\/pkg\/cohort_bg\.wasm$/m);
});
