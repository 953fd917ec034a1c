// The Paper view of the demo study in headless chromium: one click from the opening page, the
// comparison table computed live (radiographic control at 6 months near the published 63%), the
// multivariable tables live (taking prior_rt out of the pain-progression model removes its row
// and changes the other hazard ratios), and no request leaves the origin.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { start, canvasInk, OUT, assertSameOrigin } from './helpers.mjs';
import { cliPath } from '../js/cli.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// The newest build of the command line (as tests/browser/export.test.mjs).
const CLI = cliPath();

let app;
before(async () => { app = await start(); fs.mkdirSync(OUT, { recursive: true }); });
after(async () => { await app?.close(); });

/** "63.0%" → 63; "2.81" → 2.81. */
const num = text => Number(String(text).replace(/[%\s]/g, ''));

async function modelHrs(page, key) {
  return page.$$eval(`#paper-${key}-table tbody tr[data-term]`, rows =>
    Object.fromEntries(rows.map(r => [r.dataset.term, Number(r.querySelector('td.hr').textContent)])));
}

test('Paper view: one click, live comparison and models, nothing leaves the origin', async () => {
  const { page, requests, errors } = await app.newPage();
  const before = requests.length;
  const tab = page.getByRole('tab', { name: 'Paper view' });
  assert.equal(await tab.isVisible(), true, 'no visible Paper view tab on the opening page');
  await tab.click();
  await page.waitForSelector('#paper-compare tbody tr[data-key="radiographic_control:6"]');
  await page.evaluate(() => window.cohort.idle());
  assert.equal(await page.locator('#paper-view').isVisible(), true);
  assert.equal(await page.locator('#analysis-view').isHidden(), true);
  assert.equal(await tab.getAttribute('aria-selected'), 'true');

  // The synthetic-data panel is there and says so.
  assert.match(await page.locator('#paper-view .synthetic').textContent(), /synthetic/i);

  // Radiographic control at 6 months: the demo's value is within 63% ± 3.
  const rc6 = page.locator('#paper-compare tr[data-key="radiographic_control:6"]');
  assert.equal((await rc6.locator('td').nth(1).textContent()).trim(), '63%');
  const demo6 = num(await rc6.locator('td.demo').textContent());
  assert.ok(Math.abs(demo6 - 63) <= 3, `radiographic control at 6 months: ${demo6}`);
  assert.match(await rc6.locator('td.method').textContent(), /KM/);
  // The medians are labelled Kaplan-Meier medians.
  assert.match(await page.locator('#paper-compare tr[data-key="radiographic_control:median"] td.method').textContent(), /KM median/);

  // Every figure was drawn.
  for (const key of ['radiographic_control', 'pain_relief', 'pain_progression']) {
    const ink = await canvasInk(page, `#paper-fig-${key}`);
    assert.ok(ink > 0.005, `figure ${key} is blank (ink ${ink})`);
  }

  // Untick prior_rt in the pain-progression model: its row goes, the other HRs change, and the
  // comparison table follows.
  const hrBefore = await modelHrs(page, 'pain_progression_mva');
  assert.deepEqual(Object.keys(hrBefore).sort(), ['bpi_worst_pain', 'levels_treated', 'prior_rt=yes']);
  const cmpBefore = num(await page.locator('#paper-compare tr[data-key="pain_progression_mva:bpi_worst_pain"] td.demo').textContent());
  assert.equal(cmpBefore, hrBefore.bpi_worst_pain);
  await page.getByLabel(/Prior radiotherapy/).uncheck();
  await page.waitForFunction(() => !document.querySelector('#paper-pain_progression_mva-table tr[data-term="prior_rt=yes"]'));
  await page.evaluate(() => window.cohort.idle());
  const hrAfter = await modelHrs(page, 'pain_progression_mva');
  assert.deepEqual(Object.keys(hrAfter).sort(), ['bpi_worst_pain', 'levels_treated']);
  for (const t of Object.keys(hrAfter)) assert.notEqual(hrAfter[t], hrBefore[t], `HR of ${t} did not change`);
  assert.equal((await page.locator('#paper-compare tr[data-key="pain_progression_mva:prior_rt=yes"] td.demo').textContent()).trim(), 'not in model');
  const cmpAfter = num(await page.locator('#paper-compare tr[data-key="pain_progression_mva:bpi_worst_pain"] td.demo').textContent());
  assert.equal(cmpAfter, hrAfter.bpi_worst_pain);
  // The other model is untouched.
  assert.equal(Object.keys(await modelHrs(page, 'pain_relief_mva')).length, 2);

  // Tick it again: back to the full model.
  await page.getByLabel(/Prior radiotherapy/).check();
  await page.waitForSelector('#paper-pain_progression_mva-table tr[data-term="prior_rt=yes"]');
  await page.evaluate(() => window.cohort.idle());
  assert.deepEqual(await modelHrs(page, 'pain_progression_mva'), hrBefore);

  await page.screenshot({ path: path.join(OUT, 'paper-view.png'), fullPage: true });

  // Back to the analysis view: the page's own analysis is shown again (the engine re-ran it).
  const specBefore = await page.evaluate(() => window.cohort.spec());
  await page.getByRole('tab', { name: 'Analysis' }).click();
  await page.evaluate(() => window.cohort.idle());
  assert.equal(await page.locator('#analysis-view').isVisible(), true);
  assert.deepEqual(await page.evaluate(() => window.cohort.spec()), specBefore);
  assert.ok((await canvasInk(page)) > 0.005, 'the main figure is blank after leaving the Paper view');

  // One request after the page had loaded — the view's own module, fetched when the tab was
  // first opened (issue 20: not part of the first payload) — and none ever left the origin.
  assert.deepEqual(requests.slice(before).map(r => new URL(r.url).pathname.replace(/^.*\/www\//, 'www/')), ['www/paper-view.js']);
  assertSameOrigin(requests, app.origin);
  // The privacy badge counts that module apart: the page's own code, not a request with data.
  const badge = page.locator('#net-badge');
  assert.equal((await badge.textContent()).trim(), '✓ No data sent since load (1 app file fetched)', await badge.getAttribute('title'));
  assert.match(await badge.getAttribute('title'), /fetched 1 of its own code files .*: \/www\/paper-view\.js\.$/);
  assert.equal(await badge.evaluate(b => b.classList.contains('bad')), false);
  assert.deepEqual(errors, []);
});

test('Paper view is keyboard-reachable and gives way to a dropped file', async () => {
  const { page } = await app.newPage();
  await page.getByRole('tab', { name: 'Analysis' }).focus();
  await page.keyboard.press('ArrowRight');
  await page.waitForSelector('#paper-compare tbody tr[data-key="radiographic_control:6"]');
  assert.equal(await page.getByRole('tab', { name: 'Paper view' }).getAttribute('aria-selected'), 'true');
  // Every table header has a scope; every checkbox has a label.
  assert.equal(await page.locator('#paper-view th:not([scope])').count(), 0);
  const unlabeled = await page.$$eval('#paper-view input[type=checkbox]', xs => xs.filter(x => !x.labels?.length).length);
  assert.equal(unlabeled, 0);
  // Every covariate out of a model: the table says so, the comparison says "not in model", no error.
  for (const c of ['neuro_deficit', 'extraspinal_bone_mets']) {
    await page.locator(`#paper-pain_relief_mva-${c}`).uncheck();
    await page.evaluate(() => window.cohort.idle());
  }
  await page.waitForFunction(() => /No covariate/.test(document.querySelector('#paper-pain_relief_mva-table tbody').textContent));
  assert.equal((await page.locator('#paper-compare tr[data-key="pain_relief_mva:neuro_deficit=yes"] td.demo').textContent()).trim(), 'not in model');
  assert.equal(await page.locator('#paper-view .paper-error').count(), 0);
  // The user's own file replaces the demo: the page goes back to the analysis view.
  const csv = 'time,status\n1,1\n2,0\n3,1\n4,1\n5,0\n';
  const report = await page.evaluate(t => window.cohort.loadFile('mine.csv', t), csv);
  assert.equal(report.n, 5);
  assert.equal(await page.locator('#analysis-view').isVisible(), true);
  assert.equal(await page.getByRole('tab', { name: 'Paper view' }).isDisabled(), true);
});

test('a share link without data: the Paper view (demo only) is disabled', async () => {
  const spec = { time: 'time', event: { column: 'status', event: ['1'] } };
  const { page } = await app.newPage(app.url + '#spec=' + encodeURIComponent(JSON.stringify(spec)));
  assert.equal(await page.getByRole('tab', { name: 'Paper view' }).isDisabled(), true);
});

test('Paper view: the Word, TIFF and PDF downloads are the command line\'s bytes; their module loads only when asked', async () => {
  assert.ok(CLI, 'build the command line first (cargo build --bin cohort) or set COHORT_CLI');
  const { page, requests, errors } = await app.newPage();
  const manuscriptModule = () => requests.filter(r => /cohort_manuscript/.test(r.url)).map(r => r.url);
  await page.getByRole('tab', { name: 'Paper view' }).click();
  await page.waitForSelector('#paper-dl-radiographic_control-figure-pdf');
  await page.evaluate(() => window.cohort.idle());
  assert.deepEqual(manuscriptModule(), [], 'the manuscript module was fetched before any download was asked for');

  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'www/demo/analyses.json'), 'utf8'));
  const data = path.join(ROOT, 'www/demo', manifest.data);
  for (const kind of ['figure-pdf', 'docx', 'figure-tiff']) {
    const sel = `#paper-dl-radiographic_control-${kind}`;
    const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 180000 }), page.click(sel)]);
    const got = fs.readFileSync(await dl.path());
    const options = await page.getAttribute(sel, 'data-options');
    const want = execFileSync(CLI, ['export', data, '--spec', JSON.stringify(manifest.analyses.radiographic_control),
      '--k', '5', '--as', kind, '--options', options], { maxBuffer: 256 << 20 });
    if (Buffer.compare(got, want) !== 0) {
      fs.mkdirSync(OUT, { recursive: true });
      fs.writeFileSync(path.join(OUT, `paper-${kind}.page`), got);
      fs.writeFileSync(path.join(OUT, `paper-${kind}.cli`), want);
    }
    assert.ok(Buffer.compare(got, want) === 0, `${kind}: the page's ${got.length} bytes differ from the command line's ${want.length} (both in ${OUT})`);
  }
  assert.ok(manuscriptModule().some(u => u.endsWith('cohort_manuscript_bg.wasm')), 'the manuscript module was fetched for the downloads');
  assert.deepEqual(errors, []);
});

test('Paper view: the downloads use the page\'s k — with k = 7 the PNG and the Word file are `cohort export --k 7`\'s bytes', async () => {
  assert.ok(CLI, 'build the command line first (cargo build --bin cohort) or set COHORT_CLI');
  const { page, errors } = await app.newPage();
  // The page's k is the Explorer's field (the opening page shows the demo in the Analysis view).
  await page.waitForSelector('#xp-k', { state: 'attached' });
  await page.evaluate(() => window.cohort.idle());
  await page.fill('#xp-k', '7');
  await page.dispatchEvent('#xp-k', 'change');
  await page.getByRole('tab', { name: 'Paper view' }).click();
  await page.waitForSelector('#paper-dl-radiographic_control-figure-png');
  await page.evaluate(() => window.cohort.idle());

  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'www/demo/analyses.json'), 'utf8'));
  const data = path.join(ROOT, 'www/demo', manifest.data);
  const spec = JSON.stringify(manifest.analyses.radiographic_control);
  for (const kind of ['figure-png', 'docx']) {
    const sel = `#paper-dl-radiographic_control-${kind}`;
    const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 180000 }), page.click(sel)]);
    const got = fs.readFileSync(await dl.path());
    assert.equal(await page.getAttribute(sel, 'data-k'), '7', `${kind}: the button did not use the page's k`);
    const options = await page.getAttribute(sel, 'data-options');
    const want = execFileSync(CLI, ['export', data, '--spec', spec, '--k', '7', '--as', kind, '--options', options], { maxBuffer: 256 << 20 });
    if (Buffer.compare(got, want) !== 0) {
      fs.writeFileSync(path.join(OUT, `paper-k7-${kind}.page`), got);
      fs.writeFileSync(path.join(OUT, `paper-k7-${kind}.cli`), want);
    }
    assert.ok(Buffer.compare(got, want) === 0, `${kind}: the page's ${got.length} bytes differ from the command line's --k 7 ${want.length} (both in ${OUT})`);
    // And k did matter: the k = 5 bytes of the same figure differ (a cell between 5 and 6 is shown there).
    if (kind === 'figure-png') {
      const k5 = execFileSync(CLI, ['export', data, '--spec', spec, '--k', '5', '--as', kind, '--options', options], { maxBuffer: 256 << 20 });
      assert.ok(Buffer.compare(k5, want) !== 0, 'the demo figure is the same at k = 5 and k = 7: the test cannot tell the page\'s k from 5');
    }
  }
  assert.deepEqual(errors, []);
});
