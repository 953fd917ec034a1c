// The built page (dist/) in headless chromium: demo on open, loading files by the scripting API
// and by the file input, R's reference numbers through the page, privacy (no request leaves the
// origin), share links, errors, and a sub-path deployment.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { start, loadFile, setSpec, canvasInk, referenceCases, REFERENCE_DIR, REFERENCE_DIRS, COMPARE_TOOL, OUT, ROOT } from './helpers.mjs';

const LUNG = path.join(REFERENCE_DIR, 'lung.csv');
const lungRef = JSON.parse(fs.readFileSync(path.join(REFERENCE_DIR, 'lung.expected.json'), 'utf8'));
const bySexCase = lungRef.cases.find(c => c.spec.group === 'sex' && c.expected.logrank);
// The Kaplan-Meier/log-rank part of that case (its Cox model is checked with every other case below).
const bySex = { spec: { time: bySexCase.spec.time, event: bySexCase.spec.event, group: 'sex', times: bySexCase.spec.times }, expected: bySexCase.expected };

let app;
before(async () => { app = await start(); fs.mkdirSync(OUT, { recursive: true }); });
after(async () => { await app?.close(); });

function assertOnlyStaticSameOrigin(requests, origin) {
  assert.ok(requests.length > 0, 'the page made no request at all?');
  for (const r of requests) {
    const u = new URL(r.url);
    if (u.protocol === 'data:' || u.protocol === 'blob:') continue;
    assert.equal(u.origin, origin, `request left the origin: ${r.method} ${r.url}`);
    assert.equal(r.method, 'GET', `not a GET: ${r.method} ${r.url}`);
    assert.match(u.pathname, /(\/|\.(html|js|css|wasm|json|csv))$/, `not a static file: ${r.url}`);
  }
}

function close(a, b, rel = 1e-6) {
  return Math.abs(a - b) <= Math.max(1e-9, rel * Math.max(Math.abs(a), Math.abs(b)));
}

test('opens on the demo cohort, analysed, with a drawn figure and no error', async () => {
  const { page, requests, errors } = await app.newPage();
  const report = await page.evaluate(() => window.cohort.report());
  assert.ok(report, 'no report after opening the page');
  assert.ok(report.n > 0 && report.km.length > 0, 'demo report has no curve');
  assert.equal(await page.locator('#error').isHidden(), true, await page.locator('#error').textContent());
  const ink = await canvasInk(page);
  assert.ok(ink > 0.005, `the figure canvas is blank (ink ${ink})`);
  assert.ok((await page.locator('#summary tbody tr').count()) >= 1, 'summary table is empty');
  assertOnlyStaticSameOrigin(requests, app.origin);
  // A 404 for the optional demo manifest (www/demo/analyses.json) is the only console error allowed.
  const manifest404 = requests.some(r => r.url.endsWith('/demo/analyses.json'));
  assert.deepEqual(errors.filter(e => !(manifest404 && /404/.test(e))), []);
});

test('lung by sex through loadFile matches R (n, events, medians, log-rank)', async () => {
  const { page, requests } = await app.newPage();
  const before = requests.length;
  const loaded = await loadFile(page, LUNG);
  assert.ok(!loaded.error, loaded.error);
  const { report, error } = await setSpec(page, bySex.spec);
  assert.ok(!error, error);
  const exp = bySex.expected;
  assert.equal(report.n, exp.n);
  assert.equal(report.events, exp.events);
  for (const k of exp.km) {
    const got = report.km.find(g => String(g.group) === String(k.group));
    assert.ok(got, `group ${k.group} missing`);
    assert.equal(got.n, k.n);
    assert.equal(got.events, k.events);
    for (const f of ['median', 'median_lower', 'median_upper']) {
      if (k[f] == null) assert.equal(got[f], null, f);
      else assert.ok(close(got[f], k[f]), `${f} of ${k.group}: ${got[f]} vs R ${k[f]}`);
    }
  }
  assert.ok(close(report.logrank.chisq, exp.logrank.chisq, 1e-5), `chisq ${report.logrank.chisq} vs R ${exp.logrank.chisq}`);
  // The controls follow the spec.
  assert.equal(await page.locator('#group-col').inputValue(), 'sex');
  assert.equal(await page.locator('#time-col').inputValue(), 'time');
  // Loading and analysing made no request at all.
  assert.equal(requests.length, before, `requests after load: ${requests.slice(before).map(r => r.url)}`);
  // Text exports: scripts that re-run the analysis on the user's file, and the methods paragraph.
  const rScript = await page.evaluate(() => window.cohort.exportText('r'));
  assert.match(rScript, /survfit/);
  assert.match(rScript, /lung\.csv/);
  assert.match(await page.evaluate(() => window.cohort.exportText('python')), /lifelines/);
  assert.equal(await page.locator('#methods-box').isVisible(), true);
  assert.match(await page.locator('#methods').textContent(), /Kaplan/);
  await page.screenshot({ path: path.join(OUT, 'lung-by-sex.png'), fullPage: true });
});

test('a real file input (setInputFiles) loads lung.csv with a sensible default spec', async () => {
  const { page } = await app.newPage();
  await page.setInputFiles('#file', LUNG);
  await page.waitForFunction(() => window.cohort.schema()?.name === 'lung.csv');
  await page.evaluate(() => window.cohort.idle());
  const spec = await page.evaluate(() => window.cohort.spec());
  assert.equal(spec.time, 'time');
  assert.equal(spec.event.column, 'status');
  assert.deepEqual(spec.event.event, ['2'], 'lung codes death as 2 (1 = censored)');
  const report = await page.evaluate(() => window.cohort.report());
  assert.equal(report.n, 228);
  assert.equal(report.events, 165);
  // Choosing a group with the keyboard-accessible select re-runs the analysis.
  await page.selectOption('#group-col', 'sex');
  await page.waitForFunction(() => window.cohort.report()?.km?.length === 2);
  assert.equal(await page.locator('#summary tbody tr').count(), 2);
});

test('every reference case through the page agrees with R (compare_reference.py --reports)', async () => {
  const { page } = await app.newPage();
  const reports = {};
  const errors = [];
  let loadedFile = null;
  const cases = referenceCases();
  for (const c of cases) {
    if (loadedFile !== c.file) {
      const r = await loadFile(page, c.file);
      if (r.error) { errors.push(`${c.label}: loading ${path.basename(c.file)}: ${r.error}`); loadedFile = null; continue; }
      loadedFile = c.file;
    }
    const { report, error } = await setSpec(page, c.spec);
    if (error) errors.push(`${c.label}: ${error}`);
    else reports[c.label] = report;
  }
  const file = path.join(OUT, 'page-reports.json');
  fs.writeFileSync(file, JSON.stringify(reports));
  const run = spawnSync('python3', [COMPARE_TOOL, '--reports', file, ...REFERENCE_DIRS], { cwd: ROOT, encoding: 'utf8' });
  assert.deepEqual(errors, [], `cases the page could not run (the others were compared):\n${run.stdout}`);
  assert.equal(Object.keys(reports).length, cases.length);
  assert.equal(run.status, 0, `compare_reference.py failed:\n${run.stdout}\n${run.stderr}`);
  assert.match(run.stdout, new RegExp(`${cases.length} passed, 0 failed`));
});

test('a share link reproduces the analysis and carries no data', async () => {
  const first = await app.newPage();
  await loadFile(first.page, LUNG);
  const spec = { ...bySex.spec, times: [90, 180, 365], view: { conf_bands: false, risk_table: true, cumulative: false } };
  const a = await setSpec(first.page, spec);
  assert.ok(!a.error, a.error);
  const link = await first.page.evaluate(() => window.cohort.shareLink());
  assert.ok(link.length < 2000, 'share link is long: does it carry data?');
  assert.ok(!/306|455|1175/.test(decodeURIComponent(link.split('#')[1]).replace(/"times":\[[^\]]*\]/, '')), 'share link holds row values');
  const second = await app.newPage(link);
  assert.equal(await second.page.evaluate(() => window.cohort.report()), null, 'a link must wait for the data file');
  assert.equal(await second.page.locator('#pending').isVisible(), true);
  const loaded = await loadFile(second.page, LUNG);
  assert.ok(!loaded.error, loaded.error);
  assert.deepEqual(await second.page.evaluate(() => window.cohort.spec()), await first.page.evaluate(() => window.cohort.spec()));
  const b = await second.page.evaluate(() => window.cohort.report());
  assert.deepEqual(b, a.report);
  assert.equal(await second.page.locator('#opt-ci').isChecked(), false, 'view options travel with the link');
});

test('a share link to a demo analysis opens the demo with that analysis', async () => {
  const first = await app.newPage();
  const demo = await first.page.evaluate(() => window.cohort.report());
  const link = await first.page.evaluate(() => window.cohort.shareLink());
  assert.match(link, /&data=demo$/);
  const second = await app.newPage(link);
  assert.deepEqual(await second.page.evaluate(() => window.cohort.report()), demo);
});

test('a bad file shows the error panel naming the file; the page keeps working', async () => {
  const { page, errors } = await app.newPage();
  const bad = 'time,status,group\n10,1,a\n12,0\n';
  const r = await page.evaluate(async text => {
    try { await window.cohort.loadFile('broken.csv', text); return null; } catch (e) { return e.message; }
  }, bad);
  assert.ok(r, 'loading a broken file did not fail');
  const panel = page.locator('#error');
  assert.equal(await panel.isVisible(), true);
  const text = await panel.textContent();
  assert.match(text, /broken\.csv/);
  assert.match(text, /line 3/);
  // An analysis naming a missing column: an error naming the column, not a dead page.
  await loadFile(page, LUNG);
  const s = await setSpec(page, { time: 'time', event: { column: 'statuss', event: ['2'] } });
  assert.ok(s.error && /statuss/.test(s.error), s.error);
  assert.equal(await panel.isVisible(), true);
  const ok = await setSpec(page, bySex.spec);
  assert.ok(!ok.error, ok.error);
  assert.equal(await panel.isHidden(), true);
  assert.deepEqual(errors.filter(e => !/Failed to load resource/.test(e)), []);
});

test('served under a sub-path (/lab/cohort/) the demo still loads', async () => {
  const sub = await start({ prefix: '/lab/cohort/' });
  try {
    const { page, requests } = await sub.newPage();
    const report = await page.evaluate(() => window.cohort.report());
    assert.ok(report && report.n > 0, 'no demo report under a sub-path');
    assert.ok(await canvasInk(page) > 0.005, 'blank figure under a sub-path');
    for (const r of requests) assert.ok(new URL(r.url).pathname.startsWith('/lab/cohort/'), `request outside the sub-path: ${r.url}`);
    assertOnlyStaticSameOrigin(requests, sub.origin);
  } finally {
    await sub.close();
  }
});

for (const engine of ['worker', 'main']) {
  test(`a panic in the engine (${engine}) is reported and the engine restarts with the file loaded`, async () => {
    const { page } = await app.newPage(app.url + (engine === 'main' ? '?engine=main' : ''));
    assert.equal(await page.evaluate(() => window.cohort.engineKind()), engine);
    await loadFile(page, LUNG);
    const msg = await page.evaluate(() => window.cohort.selfTestPanic().then(() => null, e => e.message));
    assert.match(msg || '', /self-test panic/);
    assert.equal(await page.locator('#error').isVisible(), true);
    assert.match(await page.locator('#error').textContent(), /restarted/);
    // The same file is still loaded in the new engine: an analysis runs without re-loading it.
    const { report, error } = await setSpec(page, bySex.spec);
    assert.ok(!error, error);
    assert.equal(report.n, 228);
    assert.ok(await canvasInk(page) > 0.005, 'no figure after the restart');
  });
}

test('every control has a label and the file chooser is reachable with the keyboard', async () => {
  const { page } = await app.newPage();
  const unlabelled = await page.evaluate(() => [...document.querySelectorAll('input, select, button, textarea')]
    .filter(e => !e.closest('[hidden]'))
    .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !(e.tagName === 'BUTTON' && e.textContent.trim()))
    .map(e => e.id || e.outerHTML.slice(0, 60)));
  assert.deepEqual(unlabelled, []);
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'file', 'the first Tab stop is the file chooser');
  const canvasLabel = await page.locator('#km').getAttribute('aria-label');
  assert.ok(canvasLabel && canvasLabel.length > 10, 'the figure has a text alternative');
});
