// Sharing and disclosure control (www/share.js) driven through the page in headless chromium:
// the results-only link (no rows, small cells suppressed) opened in a fresh page with no file,
// the embedded-data link behind its confirmation dialog, and the disclosure threshold k in the
// figure, CSV, SVG, PNG and methods exports.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { start, loadFile, setSpec, canvasInk, REFERENCE_DIR, OUT, idle } from './helpers.mjs';

const LUNG = path.join(REFERENCE_DIR, 'lung.csv');
const LUNG_ROWS = fs.readFileSync(LUNG, 'utf8').trim().split('\n');
const LUNG_HEADER = LUNG_ROWS[0].split(',').map(s => s.replace(/"/g, ''));

const SPEC = {
  time: 'time', event: { column: 'status', event: ['2'] }, group: 'sex', times: [180, 365],
  covariates: ['age', 'ph.ecog'],
};

let app;
before(async () => { app = await start(); fs.mkdirSync(OUT, { recursive: true }); });
after(async () => { await app?.close(); });


/** The JSON inside a #results= or #embed= link, decoded as a recipient's browser would. */
function decode(link) {
  const m = /#(results|embed)=([A-Za-z0-9_-]+)$/.exec(link);
  assert.ok(m, `not a shared link: ${link.slice(0, 120)}`);
  return { kind: m[1], payload: JSON.parse(zlib.inflateRawSync(Buffer.from(m[2], 'base64url')).toString('utf8')) };
}

/** Every array in a JSON value, with its path. */
function arrays(v, at = '$', out = []) {
  if (Array.isArray(v)) { out.push({ at, length: v.length }); v.forEach((x, i) => arrays(x, `${at}[${i}]`, out)); }
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) arrays(x, `${at}.${k}`, out);
  return out;
}

function assertSameOrigin(requests, origin) {
  for (const r of requests) {
    const u = new URL(r.url);
    if (u.protocol === 'data:' || u.protocol === 'blob:') continue;
    assert.equal(u.origin, origin, `request left the origin: ${r.method} ${r.url}`);
  }
}

async function lungWithModel(page, spec = SPEC) {
  const loaded = await loadFile(page, LUNG);
  assert.ok(!loaded.error, loaded.error);
  const r = await setSpec(page, spec);
  assert.ok(!r.error, r.error);
  return r.report;
}

test('results-only link: no rows in the fragment; a fresh page without a file draws the figure, model table, forest plot and hover', async () => {
  const { page, requests, errors } = await app.newPage();
  const report = await lungWithModel(page);
  await page.click('#share-results');
  await page.waitForFunction(() => document.querySelector('#share-out')?.value.includes('#results='));
  const link = await page.inputValue('#share-out');
  assert.match(await page.locator('#share-out-label').textContent(), /no patient rows; counts below 5 suppressed/);

  // The fragment: version, kind, curves, tests, Cox terms with covariance; no rows.
  const { payload } = decode(link);
  assert.equal(payload.v, 2);
  assert.equal(payload.kind, 'results');
  assert.equal(payload.k, 5);
  for (const key of ['csv', 'rows', 'data', 'file', 'table1', 'columns']) assert.ok(!(key in payload), `payload has '${key}'`);
  const text = JSON.stringify(payload);
  assert.ok(!text.includes('lung'), 'the file name travels');
  // No array is as long as the data (228 rows): steps are distinct times per group (< 140).
  for (const a of arrays(payload)) assert.ok(a.length < report.n, `${a.at} has ${a.length} entries (rows?)`);
  // No covariate values: the ages of the patients appear nowhere as a list, and no meal.cal / wt.loss.
  assert.ok(!text.includes('meal.cal') && !text.includes('wt.loss'));
  // At risk: every count shown is 0 or ≥ k; the tails are suppressed (null).
  for (const c of payload.km) {
    assert.ok(c.n_risk.every(n => n === null || n === 0 || n >= 5), JSON.stringify(c.n_risk));
    assert.ok(c.n_risk.includes(null));
    assert.equal(c.time.length, c.surv.length);
  }
  assert.deepEqual(payload.km.map(c => c.n), report.km.map(c => c.n));
  // Exports carry 12 significant digits (the same bytes from the browser and the command line).
  assert.ok(Math.abs(payload.logrank.p - report.logrank.p) <= 1e-11 * report.logrank.p, `${payload.logrank.p} vs ${report.logrank.p}`);
  assert.deepEqual(payload.cox.terms.map(t => t.name), report.cox.terms.map(t => t.name));
  assert.equal(payload.cox.vcov.length, 2);
  payload.cox.terms.forEach((t, j) => assert.ok(Math.abs(Math.sqrt(payload.cox.vcov[j][j]) - report.cox.terms[j].se) < 1e-9));

  // A fresh page, no file: the banner, the figure, the model, the forest plot.
  const fresh = await app.newPage(link);
  const p2 = fresh.page;
  await p2.waitForSelector('#shared-banner');
  assert.match(await p2.locator('#shared-banner').textContent(), /Shared results — no patient data; explore only/);
  assert.ok(await canvasInk(p2, '#km') > 0.02, 'the figure is drawn');
  assert.deepEqual(await p2.locator('#model tbody th').allTextContents(), ['age', 'ph.ecog']);
  const hr = (await p2.locator('#model tbody tr').first().locator('td').first().textContent()).trim();
  assert.equal(hr, (await page.locator('#model tbody tr').first().locator('td').first().textContent()).trim());
  assert.ok(await canvasInk(p2, '#forest') > 0.005, 'the forest plot is drawn');
  assert.equal(await p2.locator('#summary tbody tr').count(), 2);
  assert.match(await p2.locator('#test-line').textContent(), /Log-rank/);
  assert.equal(await p2.locator('#spec-box').isVisible(), false, 'no data controls on a results page');
  assert.equal(await p2.evaluate(() => window.cohort.schema()), null, 'no file is loaded');
  // Hover read-out from the shared curves.
  const box = await p2.locator('#km').boundingBox();
  await p2.mouse.move(box.x + box.width * 0.35, box.y + box.height * 0.3);
  await p2.waitForSelector('#hover:not([hidden])');
  assert.match(await p2.locator("#hover").textContent(), /^t = .*\(n = 138\): [0-9.]+% .*at risk/);
  // Near the end of follow-up fewer than 5 remain: the curves were cut before (disclosure
  // control), so the read-out shows no count there (at most "<5").
  await p2.mouse.move(box.x + box.width * 0.9, box.y + box.height * 0.3);
  await p2.waitForTimeout(500);
  assert.doesNotMatch(await p2.locator('#hover').textContent(), /, [1-4] at risk/);
  // The view still changes (1 − S) without data.
  await p2.check('#opt-cuminc');
  await idle(p2);
  assert.equal(fresh.errors.length, 0, fresh.errors.join('\n'));
  await p2.uncheck('#opt-cuminc');
  await idle(p2);
  await p2.screenshot({ path: path.join(OUT, 'share-results.png'), fullPage: true });
  assert.equal(await p2.inputValue('#xp-k'), '5');
  assert.equal(await p2.locator('#xp-k').isDisabled(), true, "the link's k is not editable");
  assert.equal(await p2.locator('#share-out-box').isVisible(), false);
  assert.doesNotMatch(await p2.locator('#test-line').textContent(), /competing/);
  // Dropping a file leaves the shared view: banner gone, data controls back.
  assert.ok(!(await loadFile(p2, LUNG)).error);
  assert.equal(await p2.locator('#shared-banner').isVisible(), false);
  assert.equal(await p2.locator('#spec-box').isVisible(), true);
  assert.equal(await p2.locator('#xp-k').isDisabled(), false);
  assertSameOrigin([...requests, ...fresh.requests], app.origin);
  assert.equal(errors.length, 0, errors.join('\n'));

  // Broken links are refused with a message, not a dead page.
  const cut = await app.newPage(link.slice(0, link.length - 40));
  await cut.page.waitForSelector('#error:not([hidden])');
  assert.match(await cut.page.locator('#error').textContent(), /This shared link cannot be opened.*(damaged|cut|not readable)/s);
  const junk = await app.newPage(link.replace(/#results=.*/, '#results=@@@'));
  await junk.page.waitForSelector('#error:not([hidden])');
  assert.match(await junk.page.locator('#error').textContent(), /base64url/);
  const newer = zlib.deflateRawSync(Buffer.from(JSON.stringify({ ...payload, v: 9 }))).toString('base64url');
  const v9 = await app.newPage(link.replace(/#results=.*/, '#results=' + newer));
  await v9.page.waitForSelector('#error:not([hidden])');
  assert.match(await v9.page.locator('#error').textContent(), /newer version/);
  for (const p of [page, p2, cut.page, junk.page, v9.page]) await p.close();
});

test('data link: only after confirming the dialog; carries the analysis columns only and round-trips the report', async () => {
  const { page, errors } = await app.newPage();
  const report = await lungWithModel(page);
  // Cancel: no link.
  await page.click('#share-data');
  await page.waitForSelector('#embed-dialog[open]');
  assert.match(await page.locator('#embed-dialog').textContent(), /anyone who has the link has these data/);
  assert.match(await page.locator('#embed-dialog').textContent(), /not sent to the web server, but it is kept in browser history/);
  await page.click('#embed-cancel');
  await idle(page);
  assert.equal((await page.inputValue('#share-out').catch(() => '')).includes('#embed='), false);
  assert.match(await page.locator('#action-status').textContent(), /No link made/);
  // Confirm.
  await page.click('#share-data');
  await page.waitForSelector('#embed-dialog[open]');
  await page.click('#embed-confirm');
  await page.waitForFunction(() => document.querySelector('#share-out')?.value.includes('#embed='));
  const link = await page.inputValue('#share-out');
  const { payload } = decode(link);
  assert.equal(payload.v, 1);
  assert.equal(payload.kind, 'data');
  const header = payload.csv.split('\n')[0].split(',');
  assert.deepEqual(header.sort(), ['age', 'ph.ecog', 'sex', 'status', 'time']);
  assert.ok(LUNG_HEADER.includes('inst') && !header.includes('inst') && !header.includes('wt.loss'));
  assert.equal(payload.csv.trim().split('\n').length, LUNG_ROWS.length);

  const fresh = await app.newPage(link);
  await fresh.page.waitForSelector('#shared-banner');
  assert.match(await fresh.page.locator('#shared-banner').textContent(), /embedded in the link/);
  const r2 = await fresh.page.evaluate(() => window.cohort.report());
  assert.ok(r2, 'the linked analysis ran');
  assert.deepEqual(r2.km, report.km);
  assert.deepEqual(r2.cox.terms, report.cox.terms);
  assert.deepEqual(r2.logrank, report.logrank);
  assert.deepEqual(await fresh.page.locator('#model tbody th').allTextContents(), ['age', 'ph.ecog']);
  assert.equal(errors.length + fresh.errors.length, 0, [...errors, ...fresh.errors].join('\n'));
  await page.close();
  await fresh.page.close();
});

test('data link: more than 200 KB compressed is refused with the reason; results-only still works', async () => {
  const { page } = await app.newPage();
  // 40,000 rows of random follow-up and a random covariate: far beyond 200 KB once compressed.
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const lines = ['time,status,x'];
  for (let i = 0; i < 40000; i++) lines.push(`${(rnd() * 1000).toFixed(4)},${rnd() < 0.6 ? 1 : 0},${(rnd() * 100).toFixed(5)}`);
  const file = path.join(OUT, 'share-big.csv');
  fs.writeFileSync(file, lines.join('\n') + '\n');
  assert.ok(!(await loadFile(page, file)).error);
  assert.ok(!(await setSpec(page, { time: 'time', event: { column: 'status', event: ['1'] }, covariates: ['x'] })).error);
  await page.click('#share-data');
  await page.waitForSelector('#embed-dialog[open]');
  assert.match(await page.locator('#embed-what').textContent(), /40000 rows of 3 columns: time, status, x/);
  await page.click('#embed-confirm');
  await page.waitForSelector('#error:not([hidden])');
  assert.match(await page.locator('#error').textContent(), /KB compressed, more than the 200 KB a link may carry.*Share results only/s);
  assert.equal((await page.inputValue('#share-out').catch(() => '')).includes('#embed='), false);
  await page.click('#share-results');
  await page.waitForFunction(() => document.querySelector('#share-out')?.value.includes('#results='));
  await page.close();
});

test('disclosure k = 10: a one-patient group is flagged and suppressed in the figure, SVG, PNG, CSV, methods and the results link', async () => {
  const { page, errors } = await app.newPage();
  // lung by ph.ecog: level 3 has one patient (R: table(lung$ph.ecog) → 63, 113, 50, 1).
  await lungWithModel(page, { time: 'time', event: { column: 'status', event: ['2'] }, group: 'ph.ecog', times: [180, 365] });
  await page.fill('#xp-k', '10');
  await page.locator('#xp-k').dispatchEvent('change');
  await idle(page);
  // Flagged in the UI (not dropped).
  assert.match(await page.locator('#xp-small').textContent(), /3 \(n < 10\)/);
  assert.equal(await page.locator('#summary tbody tr.small-cell').count(), 1);
  assert.equal(await page.locator('#summary tbody tr').count(), 4);

  // SVG export.
  const [svgDl] = await Promise.all([page.waitForEvent('download'), page.click('#save-svg')]);
  const svg = fs.readFileSync(await svgDl.path(), 'utf8');
  assert.match(svg, /3 \(n &lt; 10\)/);
  assert.ok(!/3 \(n = 1\)/.test(svg), 'the SVG shows the small count');
  assert.match(svg, />\s*&lt;10\s*</);
  // CSV tables.
  const [csvDl] = await Promise.all([page.waitForEvent('download'), page.click('#xp-csv')]);
  const csv = fs.readFileSync(await csvDl.path(), 'utf8');
  const line = csv.split('\n').find(l => l.startsWith('summary,3,'));
  assert.ok(line, csv);
  assert.equal(line.split(',')[2], '<10', line);
  assert.ok(!csv.split('\n').some(l => l.startsWith('summary,3,1,')), csv);
  // Methods paragraph (what "Copy" copies).
  const methods = await page.locator('#methods').textContent();
  assert.match(methods, /In group 3 \(n < 10\)/);
  assert.ok(!/n = 1\)/.test(methods), methods);
  assert.match(methods, /counts from 1 to 9 are shown as <10/);
  // PNG: drawn with k even though the page's figure is not; then "apply to figure" redraws the page's canvas.
  const before = await page.evaluate(() => document.querySelector('#km').toDataURL());
  const [pngDl] = await Promise.all([page.waitForEvent('download'), page.click('#save-png')]);
  const png = fs.readFileSync(await pngDl.path());
  assert.equal(png.subarray(1, 4).toString(), 'PNG');
  await page.check('#xp-k-figure');
  await idle(page);
  const after = await page.evaluate(() => document.querySelector('#km').toDataURL());
  assert.notEqual(after, before, 'applying k changes the figure');
  const [pngDl2] = await Promise.all([page.waitForEvent('download'), page.click('#save-png')]);
  assert.ok(png.equals(fs.readFileSync(await pngDl2.path())), 'the PNG export is the suppressed figure either way');
  // Results link: the group is there, its n suppressed.
  await page.click('#share-results');
  await page.waitForFunction(() => document.querySelector('#share-out')?.value.includes('#results='));
  assert.match(await page.locator('#share-out-label').textContent(), /fewer than 10 patients \(3\)/);
  const { payload } = decode(await page.inputValue('#share-out'));
  const g3 = payload.km.find(c => c.group === '3');
  assert.equal(g3.n, null);
  assert.ok(payload.km.every(c => c.n_risk.every(n => n === null || n === 0 || n >= 10)));
  assert.equal(errors.length, 0, errors.join('\n'));
  await page.close();
});
