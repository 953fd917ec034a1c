// The engine's idle warm-up (issue 19 item 5; www/warm.js, src/wasm/warm.rs `warmUp`): it runs
// after the demo is analysed and drawn, as steps the page's messages pass between; a file
// dropped meanwhile is served at once and shows its own analysis (the rest of the warm-up is
// abandoned); it makes no request, writes nothing to the console and changes nothing shown.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { start, REFERENCE_DIR } from './helpers.mjs';

const LUNG = path.join(REFERENCE_DIR, 'lung.csv');

let app;
before(async () => { app = await start(); });
after(async () => { await app?.close(); });

const warmState = page => page.evaluate(() => window.cohort.warmUp());
const workerRequests = page => page.evaluate(() => (globalThis.cohortWorkerRequests || []).length);

test('the warm-up runs after the demo, makes no request, says nothing and changes nothing shown', async () => {
  const { page, requests, errors } = await app.newPage();
  // newPage waited for cohort.ready and cohort.idle(): the demo is analysed and drawn.
  const idleAt = await page.evaluate(() => performance.now());
  const first = await warmState(page);
  assert.equal(first.state, 'waiting', 'nothing before the page is quiet');
  assert.equal(await page.evaluate(() => window.cohort.engineKind()), 'worker');
  const report = await page.evaluate(() => JSON.stringify(window.cohort.report()));
  const pixels = await page.evaluate(() => document.querySelector('#km').toDataURL());
  const seen = requests.length;
  const seenWorker = await workerRequests(page);
  await page.waitForFunction(() => !['waiting', 'running'].includes(window.cohort.warmUp().state), null, { timeout: 60000, polling: 50 });
  const done = await warmState(page);
  assert.equal(done.state, 'done', JSON.stringify(done));
  assert.ok(done.startedAt > idleAt, 'it began after the demo was shown and the queue was idle');
  assert.ok(done.steps > 20, `run as many small steps (${done.steps})`);
  assert.ok(done.memory > 0);
  assert.equal(requests.length, seen, `no request: ${requests.slice(seen).map(r => r.url).join(', ')}`);
  assert.equal(await workerRequests(page), seenWorker, 'no request from the worker');
  assert.deepEqual(errors, [], 'no console errors');
  assert.equal(await page.evaluate(() => JSON.stringify(window.cohort.report())), report, 'the demo\'s report is unchanged');
  assert.equal(await page.evaluate(() => document.querySelector('#km').toDataURL()), pixels, 'the figure is unchanged');
  assert.equal(await page.locator('#error').isVisible(), false);
  // The page's badge counts nothing new either.
  await page.close();
});

test('a file dropped during the warm-up is served at once and shows its own analysis', async () => {
  const { page, errors } = await app.newPage();
  await page.waitForFunction(() => window.cohort.warmUp().state === 'running' && window.cohort.warmUp().steps >= 3, null, { timeout: 60000, polling: 5 });
  const before = await warmState(page);
  assert.equal(before.state, 'running');
  await page.setInputFiles('#file', LUNG);
  await page.waitForFunction(() => window.cohort.schema()?.name === 'lung.csv' && window.cohort.report(), null, { timeout: 30000, polling: 10 });
  await page.evaluate(async () => { for (let i = 0; i < 4; i++) await window.cohort.idle(); });
  const after = await warmState(page);
  assert.equal(after.state, 'abandoned', `the rest of the warm-up gave way: ${JSON.stringify(after)}`);
  const r = await page.evaluate(() => window.cohort.report());
  assert.equal(r.n, 228, 'the dropped file\'s analysis (lung: 228 rows), not the warm-up\'s cohort');
  assert.equal(await page.evaluate(() => window.cohort.schema().rows), 228);
  assert.ok(!JSON.stringify(r).includes('warm-up'), 'nothing of the warm-up in the report');
  assert.deepEqual(errors, []);
  // How long the drop takes beside the warm-up is the bench's to measure (`scripts/bench.mjs`,
  // the warm-up rows), not this test's: on a loaded machine a single step can take a hundred
  // milliseconds and steps run until the file reaches the engine. What is tested is that the
  // rest of the warm-up gave way ('abandoned' above, not 'done') and the file's own analysis.
  await page.close();
});
