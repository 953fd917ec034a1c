// The two builds of the engine (scripts/build.sh, www/engine.js): the page loads the core build
// (CSV/TSV; its text decoders are src/ingest/charset.rs) and fetches the workbook build only
// when a workbook (.xlsx/.xls/.ods) is dropped; from then on the workbook build reads every file,
// survives a panic restart, and the page still makes no request outside its origin.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { start, loadFile, setSpec, canvasInk, ROOT, DIST, assertSameOrigin } from './helpers.mjs';

const INGEST = path.join(ROOT, 'tests', 'ingest');
const file = f => path.join(INGEST, f);
// lung (R survival): 228 patients, 165 deaths (status 2); ovarian: 26 patients, 12 deaths.
const LUNG_SPEC = { time: 'time', event: { column: 'status', event: ['2'] }, group: 'sex' };
const OVARIAN_SPEC = { time: 'futime', event: { column: 'fustat', event: ['1'] }, group: 'rx' };

let app;
before(async () => { app = await start(); });
after(async () => { await app?.close(); });

const fetched = (requests, name) => requests.filter(r => new URL(r.url).pathname.endsWith(`/pkg/${name}`)).length;

// Issue 9's target was ≤ 600 KB gzipped, met at 584 KB (2026-11-29). The study designs, adjusted
// comparisons, disclosure module (with its deflate) and cohort flow brought the core module to
// ~840 KB (2026-12-02). The extended estimators (study designs, subgroups, adjusted curves,
// propensity weights, parametric and Fine-Gray models, splines) then moved to the on-demand module
// (cargo feature `extended`): 763 KB (core wasm 699 KB + JS 64 KB, zlib level 9). PAYLOAD_LIMIT
// keeps it from growing unnoticed; the ≤ 600 KB target needs more moved out (see scripts/build.sh).
// After merging the 2026-12-02 (third session) branches — bands and predictions in the report,
// streaming ingestion, residual-plot disclosure, start–stop and immortal-time detection, the
// figure layout of the presets — the release build measured 852.6 KB: a regression, not a goal.
// Issue 20 (2026-12-02): every figure in the wasm engine drawn through one backend type (the SVG
// exports and the risk-table CSV had a second copy of the drawing code): core wasm 767.9 →
// 740.4 KB; with the JS the page fetches (stripped, 21 files in all) 825.1 KB measured here;
// limit +1%. Still above the 600 KB target: see README "Dependencies and why" for where the
// rest goes.
// Merged with the fourth session's other branches (reports by handle and main.js split into 28
// files, the adjusted curves' robust band, the cox module): 842.3 KB measured; limit +1%.
// Issue 20 (fifth session): what the first view does not call moved to the on-demand module —
// the R and Python scripts, results links (with the deflate), benchRun, competing risks, Table 1,
// the hazards and their figures, the Cohort tab's charts (README "Dependencies and why"): core
// wasm 754.6 → 535.0 KB gzipped (2,020 → 1,407 KB raw); 621.2 KB measured here (28 files);
// limit +1%. Still above the 600 KB target.
// Issue 20 (sixth session): the report JSON and tables CSV writers and the data link's CSV moved
// to the on-demand module (core wasm 541.1 → 513.7 KB gzipped), and the page's modules for the
// Paper view, the Hazard models and Cohort tab contents and the Adjusted comparison block are
// imported on first use (JS fetched at load −18.7 KB): 627.4 → 580.9 KB measured here (28
// files). The target itself is the limit now.
const PAYLOAD_LIMIT = 600 * 1000;

test('what the page fetches to open the analysed demo: wasm + JS within PAYLOAD_LIMIT gzipped, no workbook build', async () => {
  const { page, requests } = await app.newPage();
  await page.evaluate(() => window.cohort.idle());
  const base = new URL(app.url);
  const code = [...new Set(requests.map(r => new URL(r.url)).filter(u => u.origin === base.origin && /\.(js|wasm)$/.test(u.pathname))
    .map(u => u.pathname.slice(base.pathname.length)))];
  assert.ok(code.includes('www/pkg/cohort_bg.wasm') && code.includes('www/main.js'), `fetched: ${code}`);
  assert.ok(!code.some(f => f.includes('workbook')), `the workbook build is fetched on load: ${code}`);
  const gz = code.reduce((sum, f) => sum + zlib.gzipSync(fs.readFileSync(path.join(DIST, f)), { level: 9 }).length, 0);
  console.log(`page payload: ${code.length} files, ${(gz / 1000).toFixed(1)} KB gzipped`);
  assert.ok(gz <= PAYLOAD_LIMIT, `wasm + JS fetched on load: ${(gz / 1000).toFixed(1)} KB gzipped > ${PAYLOAD_LIMIT / 1000} KB (${code.join(', ')})`);
});

test('worker engine: text files in the core build; a dropped .xlsx fetches the workbook build once', async () => {
  const { page, requests, errors } = await app.newPage();
  assert.equal(await page.evaluate(() => window.cohort.engineKind()), 'worker');
  assert.equal(fetched(requests, 'cohort_bg.wasm'), 1, 'the core build is loaded with the page');
  assert.equal(fetched(requests, 'cohort_workbook_bg.wasm'), 0, 'the workbook build is not part of the first load');
  const whileLoading = async () => (await page.locator('#net-badge').getAttribute('title')).match(/: (\d+) files fetched while loading( \(\d+ by the engine\))?/)?.slice(1, 3).join('');
  const loadedFiles = await whileLoading();
  assert.ok(loadedFiles, await page.locator('#net-badge').getAttribute('title'));

  // Text encodings the core build decodes itself: UTF-16LE (tab-separated) and Windows-1252.
  let r = await loadFile(page, file('lung_tab_utf16le.txt'));
  assert.ok(!r.error, r.error);
  let res = await setSpec(page, LUNG_SPEC);
  assert.ok(!res.error, res.error);
  assert.equal(res.report.n, 228);
  assert.equal(res.report.events, 165);
  r = await loadFile(page, file('lung_cp1252_accents.csv'));
  assert.ok(!r.error, r.error);
  const names = (await page.evaluate(() => window.cohort.schema())).columns.map(c => c.name);
  assert.ok(names.includes('âge') && names.includes('ville'), `Windows-1252 header decoded: ${names}`);
  assert.equal(fetched(requests, 'cohort_workbook_bg.wasm'), 0, 'text files never need the workbook build');

  // A real file input with an .xlsx: the workbook build is fetched (the progress box says so)
  // and reads it.
  await page.evaluate(() => {
    const label = document.querySelector('#load-progress-label');
    window.__labels = [];
    new MutationObserver(() => window.__labels.push(label.textContent)).observe(label, { childList: true, characterData: true, subtree: true });
  });
  await page.setInputFiles('#file', file('lung.xlsx'));
  await page.waitForFunction(() => window.cohort.schema()?.name === 'lung.xlsx');
  await page.evaluate(() => window.cohort.idle());
  assert.equal(fetched(requests, 'cohort_workbook_bg.wasm'), 1);
  const labels = await page.evaluate(() => window.__labels);
  assert.equal(labels[0], 'Loading the workbook reader…', `progress labels: ${labels}`);
  // The privacy badge counts the workbook build and its worker's scripts, fetched after load, as
  // the page's own code (issue: it said "⚠ 6 network requests since load" for any workbook).
  const badge = page.locator('#net-badge');
  const badgeText = (await badge.textContent()).trim();
  assert.match(badgeText, /^✓ No data sent since load \(\d+ app files fetched\)$/, await badge.getAttribute('title'));
  assert.match(await badge.getAttribute('title'), /\/www\/pkg\/cohort_workbook_bg\.wasm/);
  assert.equal(await whileLoading(), loadedFiles, 'the files fetched while loading are counted as before');
  res = await setSpec(page, LUNG_SPEC);
  assert.ok(!res.error, res.error);
  assert.equal(res.report.n, 228);
  assert.equal(res.report.events, 165);
  assert.equal(res.report.km.length, 2);
  assert.ok(await canvasInk(page) > 0.005, 'no figure from the workbook');
  assert.equal(await page.locator('#error').isHidden(), true, await page.locator('#error').textContent());

  // The workbook build stays: an .xls and then a CSV load without another fetch.
  r = await loadFile(page, file('lung.xls'));
  assert.ok(!r.error, r.error);
  res = await setSpec(page, LUNG_SPEC);
  assert.ok(!res.error, res.error);
  assert.equal(res.report.n, 228);
  r = await loadFile(page, path.join(ROOT, 'tests', 'reference', 'ovarian.csv'));
  assert.ok(!r.error, r.error);
  res = await setSpec(page, OVARIAN_SPEC);
  assert.ok(!res.error, res.error);
  assert.equal(res.report.n, 26);
  assert.equal(fetched(requests, 'cohort_workbook_bg.wasm'), 1, 'the workbook build is fetched once');
  assertSameOrigin(requests, app.origin);
  assert.equal((await badge.textContent()).trim(), badgeText, 'no request since the workbook build');
  // The same file at another address (a query could carry data) is a request like any other.
  await page.evaluate(() => fetch('./www/pkg/cohort_workbook.js?row=17').then(r => r.text()));
  await page.waitForFunction(() => /^⚠ 1 network request since load$/.test(document.querySelector('#net-badge').textContent));
  assert.match(await badge.getAttribute('title'), /^after load: .*cohort_workbook\.js\?row=17$/);
  assert.deepEqual(errors.filter(e => !/analyses\.json|404/.test(e)), []);
});

test('main-thread engine: an .ods switches to the workbook build, which survives a panic restart', async () => {
  const { page, requests } = await app.newPage(app.url + '?engine=main');
  assert.equal(await page.evaluate(() => window.cohort.engineKind()), 'main');
  assert.equal(fetched(requests, 'cohort_workbook_bg.wasm'), 0);
  const r = await loadFile(page, file('ovarian.ods'));
  assert.ok(!r.error, r.error);
  let res = await setSpec(page, OVARIAN_SPEC);
  assert.ok(!res.error, res.error);
  assert.equal(res.report.n, 26);
  assert.equal(res.report.events, 12);
  assert.equal(fetched(requests, 'cohort_workbook_bg.wasm'), 1);
  const msg = await page.evaluate(() => window.cohort.selfTestPanic().then(() => null, e => e.message));
  assert.match(msg || '', /self-test panic/);
  // Restarted with the workbook build and the .ods re-loaded in it.
  res = await setSpec(page, OVARIAN_SPEC);
  assert.ok(!res.error, res.error);
  assert.equal(res.report.n, 26);
  assert.ok(await canvasInk(page) > 0.005, 'no figure after the restart');
  assertSameOrigin(requests, app.origin);
});

// The core build leaves out the extended estimators (cargo feature `extended`): a spec asking
// for one (here a parametric model; `analyze::extended_need` lists them) makes the engine switch
// to the on-demand build, re-load the file there and answer; plain analyses stay in the core
// build until then. Ovarian (R): survreg(Surv(futime, fustat) ~ 1, dist = "weibull") converges.
for (const engine of ['worker', 'main']) {
  test(`${engine} engine: a spec with an extended estimator loads the on-demand build once and gets its report`, async () => {
    const { page, requests } = await app.newPage(app.url + (engine === 'main' ? '?engine=main' : ''));
    const r = await loadFile(page, path.join(ROOT, 'tests', 'reference', 'ovarian.csv'));
    assert.ok(!r.error, r.error);
    let res = await setSpec(page, OVARIAN_SPEC);
    assert.ok(!res.error, res.error);
    assert.equal(fetched(requests, 'cohort_workbook_bg.wasm'), 0, 'a plain analysis runs in the core build');
    res = await setSpec(page, { ...OVARIAN_SPEC, parametric: ['weibull'] });
    assert.ok(!res.error, res.error);
    assert.equal(res.report.n, 26);
    assert.equal(res.report.parametric?.length, 1, JSON.stringify(res.report.warnings));
    assert.equal(fetched(requests, 'cohort_workbook_bg.wasm'), 1);
    res = await setSpec(page, OVARIAN_SPEC);
    assert.ok(!res.error, res.error);
    assert.equal(res.report.parametric?.length ?? 0, 0);
    assert.equal(fetched(requests, 'cohort_workbook_bg.wasm'), 1, 'the on-demand build is fetched once');
    assert.equal(await page.locator('#error').isHidden(), true, await page.locator('#error').textContent());
    assertSameOrigin(requests, app.origin);
  });
}

test('a damaged workbook gets the workbook build\'s message, not a crash', async () => {
  const { page } = await app.newPage();
  const r = await loadFile(page, file('truncated.xlsx'));
  assert.match(r.error || '', /looks damaged or truncated/);
  // The page still works afterwards.
  const ok = await loadFile(page, path.join(ROOT, 'tests', 'reference', 'ovarian.csv'));
  assert.ok(!ok.error, ok.error);
});

// Issue 20: the core build also leaves out the R and Python scripts (cargo feature `scripts`) and
// results links (`links`: making one, with its deflate, and opening one). From a fresh page
// (the demo analysed in the core build) each one switches the engine to the on-demand build
// (error of kind `engine`, www/engine.js `inFullBuild`), which answers; the page keeps its
// analysis and makes no request other than to its own files.
for (const engine of ['worker', 'main']) {
  test(`${engine} engine: the R and Python scripts come from the on-demand build, fetched once`, async () => {
    const { page, requests, errors } = await app.newPage(app.url + (engine === 'main' ? '?engine=main' : ''));
    assert.equal(fetched(requests, 'cohort_workbook_bg.wasm'), 0, 'the demo opens in the core build');
    const before = await page.evaluate(() => window.cohort.report());
    assert.ok(before?.km?.length, 'the demo is analysed');
    const r = await page.evaluate(() => window.cohort.exportText('r').catch(e => `error: ${e.message}`));
    assert.match(r, /^# Cross-check of a cohort analysis in R/);
    assert.match(r, /survfit\(Surv\(\.time, \.status == 1\)/);
    assert.equal(fetched(requests, 'cohort_workbook_bg.wasm'), 1, 'the R script loads the on-demand build');
    const py = await page.evaluate(() => window.cohort.exportText('python').catch(e => `error: ${e.message}`));
    assert.match(py, /KaplanMeierFitter/);
    assert.equal(fetched(requests, 'cohort_workbook_bg.wasm'), 1, 'fetched once');
    // The page's analysis is the same one, now in the on-demand build, and can change.
    const after = await page.evaluate(() => window.cohort.report());
    assert.equal(after.n, before.n);
    assert.deepEqual(after.km.map(c => c.median), before.km.map(c => c.median));
    const spec = await page.evaluate(() => window.cohort.spec());
    const res = await setSpec(page, { ...spec, times: [3] });
    assert.ok(!res.error, res.error);
    assert.equal(res.report.n, before.n);
    assert.ok(await canvasInk(page) > 0.005, 'the figure is drawn');
    assert.equal(await page.locator('#error').isHidden(), true, await page.locator('#error').textContent());
    assertSameOrigin(requests, app.origin);
    assert.deepEqual(errors.filter(e => !/analyses\.json|404/.test(e)), []);
  });
}

test('a results link is made by the on-demand build and opened by it in a fresh page', async () => {
  const { page, requests } = await app.newPage();
  assert.equal(fetched(requests, 'cohort_workbook_bg.wasm'), 0);
  await page.click('#share-results');
  await page.waitForFunction(() => document.querySelector('#share-out')?.value.includes('#results='));
  const link = await page.inputValue('#share-out');
  assert.equal(fetched(requests, 'cohort_workbook_bg.wasm'), 1, 'making the link loads the on-demand build');
  assertSameOrigin(requests, app.origin);

  const fresh = await app.newPage(link);
  const p2 = fresh.page;
  await p2.waitForSelector('#shared-banner');
  assert.match(await p2.locator('#shared-banner').textContent(), /Shared results — no patient data; explore only/);
  assert.ok(await canvasInk(p2, '#km') > 0.01, 'the figure is drawn');
  assert.equal(fetched(fresh.requests, 'cohort_workbook_bg.wasm'), 1, 'opening the link loads the on-demand build');
  assert.equal(await p2.locator('#error').isHidden(), true, await p2.locator('#error').textContent());
  assertSameOrigin(fresh.requests, app.origin);
});

// Issue 20: competing risks, Table 1 and the smoothed and cumulative hazards are extended
// estimators too (`analyze::extended_need`). From a fresh page each spec switches to the
// on-demand build once and gets R's numbers (transplant, tests/reference: Gray's test of
// cuminc(futime, event, abo) for liver transplant, stat 41.1358826784655 on 3 df).
test('competing risks, Table 1 and hazards from a fresh page: the on-demand build answers, R\'s Gray test', async () => {
  const { page, requests, errors } = await app.newPage();
  const r = await loadFile(page, path.join(ROOT, 'tests', 'reference', 'transplant.csv'));
  assert.ok(!r.error, r.error);
  const base = { time: 'futime', event: { column: 'event', event: ['ltx'] }, group: 'abo' };
  let res = await setSpec(page, base);
  assert.ok(!res.error, res.error);
  assert.equal(fetched(requests, 'cohort_workbook_bg.wasm'), 0, 'Kaplan-Meier and log-rank run in the core build');
  res = await setSpec(page, { ...base, event: { column: 'event', event: ['ltx'], competing: ['death'] } });
  assert.ok(!res.error, res.error);
  assert.equal(fetched(requests, 'cohort_workbook_bg.wasm'), 1, 'competing risks load the on-demand build');
  const gray = res.report.gray_test.find(g => g.cause === 'event');
  assert.ok(Math.abs(gray.stat - 41.1358826784655) < 1e-6 * 41.14, `Gray's test ${gray.stat}`);
  assert.equal(gray.df, 3);
  assert.ok(await canvasInk(page) > 0.005, 'the cumulative incidence figure is drawn');
  res = await setSpec(page, { ...base, table1: ['age', 'sex'], hazard: {} });
  assert.ok(!res.error, res.error);
  assert.deepEqual([...new Set(res.report.table1.map(row => row.variable))], ['age', 'sex']);
  assert.equal(res.report.hazard.length, 4);
  assert.equal(res.report.cumhaz.length, 4);
  assert.equal(fetched(requests, 'cohort_workbook_bg.wasm'), 1, 'fetched once');
  assert.equal(await page.locator('#error').isHidden(), true, await page.locator('#error').textContent());
  assertSameOrigin(requests, app.origin);
  assert.deepEqual(errors.filter(e => !/analyses\.json|404/.test(e)), []);
});
