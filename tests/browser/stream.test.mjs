// Large files through the real file input: a ~30 MB synthetic cohort (500 000 rows from
// `cohort synth`) is parsed chunk by chunk as it streams (src/ingest/stream.rs, never held whole
// in wasm memory) with a visible progress bar and ends in the report; the Cancel button stops a
// load; the Stop button ends an analysis that takes long (the page's or a section's); a streamed file gives the table the command line reads, also when a column needs a
// second pass and when a spec's missing codes make the page stream the file again; a file with
// identifier-like columns shows the privacy notice and keeps them out of the share link; no
// request leaves the origin.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { start, OUT, ROOT } from './helpers.mjs';

let app;
before(async () => { app = await start(); fs.mkdirSync(OUT, { recursive: true }); });
after(async () => { await app?.close(); });

function assertSameOrigin(requests, origin) {
  assert.ok(requests.length > 0, 'the page made no request at all?');
  for (const r of requests) {
    const u = new URL(r.url);
    if (u.protocol === 'data:' || u.protocol === 'blob:') continue;
    assert.equal(u.origin, origin, `request left the origin: ${r.method} ${r.url}`);
    assert.equal(r.method, 'GET', `not a GET: ${r.method} ${r.url}`);
  }
}

// Record every state of the progress bar (label text, value, visible) from inside the page.
async function watchProgress(page) {
  await page.evaluate(() => {
    window.__progress = [];
    const box = document.querySelector('#load-progress-box');
    const bar = document.querySelector('#load-progress');
    const label = document.querySelector('#load-progress-label');
    const note = () => window.__progress.push({ visible: !box.hidden, text: label.textContent, value: bar.hasAttribute('value') ? bar.value : null });
    new MutationObserver(note).observe(box, { attributes: true, childList: true, subtree: true, characterData: true });
  });
}

test('a 30 MB CSV through the file input: chunked read with progress, then the report', { timeout: 300_000 }, async () => {
  const file = path.join(OUT, 'synth-500k.csv');
  const cli = path.join(ROOT, 'target/release/cohort');
  if (!fs.existsSync(file)) {
    const r = spawnSync(cli, ['synth', '500000'], { maxBuffer: 1 << 27 });
    assert.equal(r.status, 0, `cohort synth failed: ${r.stderr}`);
    fs.writeFileSync(file, r.stdout);
  }
  const size = fs.statSync(file).size;
  assert.ok(size > 25e6, `synthetic file too small: ${size}`);
  const { page, requests, errors } = await app.newPage();
  assert.equal(await page.evaluate(() => window.cohort.engineKind()), 'worker');
  await watchProgress(page);
  // Responsiveness: the longest gap between 10 ms timer ticks while reading and parsing (until
  // the schema arrives; drawing the report afterwards is the page's own work).
  await page.evaluate(() => {
    window.__gap = { max: 0, last: performance.now(), stop: false };
    const tick = () => {
      const now = performance.now();
      window.__gap.max = Math.max(window.__gap.max, now - window.__gap.last);
      window.__gap.last = now;
      if (!window.__gap.stop) setTimeout(tick, 10);
    };
    setTimeout(tick, 10);
  });
  await page.setInputFiles('#file', file);
  await page.waitForFunction(() => window.cohort.schema()?.rows === 500000, null, { timeout: 240_000 });
  const gap = await page.evaluate(() => { window.__gap.stop = true; return window.__gap.max; });
  await page.waitForFunction(() => window.cohort.report() && window.cohort.report().n === 500000, null, { timeout: 240_000 });
  await page.evaluate(() => window.cohort.idle());
  fs.writeFileSync(path.join(OUT, 'stream-gap.txt'), `longest main-thread gap while reading/parsing ${size} bytes: ${gap.toFixed(0)} ms\n`);
  assert.ok(gap < 500, `the page froze for ${gap.toFixed(0)} ms while the file was read and parsed`);
  const log = await page.evaluate(() => window.__progress);
  const reading = log.filter(p => p.visible && /^Reading [\d.]+ of [\d.]+ MB…$/.test(p.text));
  assert.ok(reading.length >= 3, `too few reading progress updates: ${JSON.stringify(log.slice(0, 10))}`);
  assert.ok(reading.some(p => p.value != null && p.value > 0 && p.value < 1), 'no intermediate progress value');
  assert.ok(log.some(p => p.visible && p.text === 'Parsing…'), 'no "Parsing…" state');
  assert.ok(log.some(p => p.visible && p.text === 'Analysing…'), 'no "Analysing…" state');
  // Values only grow while reading.
  const vals = reading.map(p => p.value).filter(v => v != null);
  assert.deepEqual(vals, [...vals].sort((a, b) => a - b));
  assert.equal(await page.locator('#load-progress-box').isHidden(), true, 'progress bar still shown after the report');
  assert.equal(await page.locator('#error').isHidden(), true, await page.locator('#error').textContent());
  const report = await page.evaluate(() => window.cohort.report());
  assert.equal(report.n, 500000);
  assert.match(await page.locator('#file-info').textContent(), /500000 rows/);
  assertSameOrigin(requests, app.origin);
  assert.deepEqual(errors.filter(e => !/404/.test(e)), []);
  await page.close();
});

test('Cancel stops a load while the file streams; the page then reads another file', { timeout: 300_000 }, async () => {
  const file = path.join(OUT, 'synth-500k.csv');
  assert.ok(fs.existsSync(file), 'written by the first test');
  const { page } = await app.newPage();
  await watchProgress(page);
  // Click Cancel from inside the page as soon as the bar passes 5 % (a click sent from the test
  // process after polling could arrive after the last chunk on a fast machine or reader).
  await page.evaluate(() => {
    const bar = document.querySelector('#load-progress');
    const cancel = document.querySelector('#load-cancel');
    window.__cancelled = false;
    const tryCancel = () => {
      if (!window.__cancelled && !cancel.hidden && bar.value > 0.05) { window.__cancelled = true; cancel.click(); }
    };
    new MutationObserver(tryCancel).observe(document.querySelector('#load-progress-box'), { attributes: true, subtree: true, childList: true });
  });
  await page.setInputFiles('#file', file);
  await page.waitForFunction(() => window.__cancelled, null, { timeout: 120_000 });
  await page.waitForFunction(() => !document.querySelector('#error').hidden, null, { timeout: 60_000 });
  assert.match(await page.locator('#error').textContent(), /Reading synth-500k\.csv was cancelled/);
  assert.equal(await page.evaluate(() => window.cohort.schema()), null, 'a cancelled file is not loaded');
  const log = await page.evaluate(() => window.__progress);
  const last = log.filter(p => p.visible && /^Reading /.test(p.text)).pop();
  assert.ok(last && last.value < 0.95, `cancelled only at the end? ${JSON.stringify(last)}`);
  const small = path.join(OUT, 'synth-small-cancel.csv');
  const r = spawnSync(path.join(ROOT, 'target/release/cohort'), ['synth', '2000'], { maxBuffer: 1 << 26 });
  fs.writeFileSync(small, r.stdout);
  await page.setInputFiles('#file', small);
  await page.waitForFunction(() => window.cohort.report()?.n === 2000, null, { timeout: 60_000 });
  await page.close();
});

test('a streamed file reads as the command line reads it: second pass, missing codes re-streamed', { timeout: 300_000 }, async () => {
  // 150 000 rows (~3 MB, many chunks): `dose` is numeric for 100 000 rows and then mostly text
  // (the engine reads it again as text in a second pass); `-99` is a plain number until a spec
  // declares it missing, which makes the page stream the file again with that option.
  const lines = ['time,status,arm,dose,score'];
  for (let i = 0; i < 150000; i++) {
    const dose = i < 100000 ? String((i * 7) % 50) : ['low', 'high', 'mid', String(i % 9)][i % 4];
    lines.push(`${1 + (i * 37) % 900},${i % 3 === 0 ? 0 : 1},${'ABC'[i % 3]},${dose},${i % 13 === 0 ? -99 : (i % 17) / 2}`);
  }
  const file = path.join(OUT, 'stream-second-pass.csv');
  fs.writeFileSync(file, lines.join('\n') + '\n');
  const cli = path.join(ROOT, 'target/release/cohort');
  const cliSchema = JSON.parse(spawnSync(cli, ['schema', file], { encoding: 'utf8', maxBuffer: 1 << 26 }).stdout);
  const { page } = await app.newPage();
  await page.setInputFiles('#file', file);
  await page.waitForFunction(() => window.cohort.schema()?.rows === 150000, null, { timeout: 120_000 });
  await page.evaluate(() => window.cohort.idle());
  const schema = await page.evaluate(() => window.cohort.schema());
  assert.deepEqual({ ...schema, name: '' }, { ...cliSchema, name: '' });
  assert.equal(schema.columns.find(c => c.name === 'dose').kind, 'categorical');
  // Missing codes: the page streams the file again with them; the report equals the CLI's.
  const spec = { time: 'time', event: { column: 'status', event: ['1'] }, group: 'arm', covariates: ['score'], missing: ['-99', 'NA'] };
  const res = await page.evaluate(async s => { try { return { report: await window.cohort.setSpec(s) }; } catch (e) { return { error: e.message }; } }, spec);
  assert.ok(!res.error, res.error);
  const out = spawnSync(cli, ['analyze', file, '--spec', JSON.stringify(spec)], { encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.equal(out.status, 0, out.stderr);
  const cliReport = JSON.parse(out.stdout);
  // The same table gives the same numbers; wasm's and the native build's exp/log may differ in
  // the last bit, so floating-point values are compared to 1e-12 relative.
  const close = (a, b, at) => {
    if (typeof a === 'number' && typeof b === 'number') {
      assert.ok(a === b || Math.abs(a - b) <= 1e-12 * Math.max(Math.abs(a), Math.abs(b)), `${at}: ${a} vs ${b}`);
    } else if (a && b && typeof a === 'object') {
      assert.deepEqual(Object.keys(a), Object.keys(b), at);
      for (const k of Object.keys(a)) close(a[k], b[k], `${at}.${k}`);
    } else assert.equal(a, b, at);
  };
  for (const k of ['n', 'events', 'flow', 'km', 'logrank', 'cox']) close(res.report[k], cliReport[k], k);
  assert.ok(res.report.cox, 'no Cox model');
  // The rows whose score is -99 (every 13th) are left out of the model as missing.
  assert.equal(res.report.cox.n, 150000 - Math.ceil(150000 / 13));
  await page.close();
});

test('the main-thread engine also reads a file in chunks with progress', { timeout: 120_000 }, async () => {
  const file = path.join(OUT, 'synth-small.csv');
  const r = spawnSync(path.join(ROOT, 'target/release/cohort'), ['synth', '60000'], { maxBuffer: 1 << 26 });
  assert.equal(r.status, 0);
  fs.writeFileSync(file, r.stdout);
  const { page, requests } = await app.newPage(app.url + '?engine=main');
  assert.equal(await page.evaluate(() => window.cohort.engineKind()), 'main');
  await watchProgress(page);
  await page.setInputFiles('#file', file);
  await page.waitForFunction(() => window.cohort.report() && window.cohort.report().n === 60000, null, { timeout: 100_000 });
  const log = await page.evaluate(() => window.__progress);
  assert.ok(log.some(p => p.visible && /^Reading /.test(p.text)), JSON.stringify(log));
  assert.ok(log.some(p => p.visible && p.text === 'Parsing…'), JSON.stringify(log));
  assertSameOrigin(requests, app.origin);
  await page.close();
});

test('identifier-like columns: notice, values hidden, left out of the share link and the saved report', { timeout: 120_000 }, async () => {
  const first = ['Ann', 'Bob', 'Carl', 'Dee', 'Eva', 'Finn', 'Gus', 'Hana'];
  const last = ['Smith', 'Jones', 'Diaz', 'Lee', 'Moreau', 'Keller'];
  const lines = ['mrn,patient_name,months,status,sex'];
  for (let i = 0; i < 80; i++) {
    lines.push(`MRN${String(100234 + i * 37).padStart(7, '0')},${first[i % 8]} ${last[(i * 5) % 6]},${(i * 7) % 53 + 1},${i % 3 === 0 ? 0 : 1},${i % 2 ? 'F' : 'M'}`);
  }
  const file = path.join(OUT, 'with-identifiers.csv');
  fs.writeFileSync(file, lines.join('\n') + '\n');
  const { page, requests } = await app.newPage();
  await page.setInputFiles('#file', file);
  await page.waitForFunction(() => window.cohort.schema()?.name === 'with-identifiers.csv', null, { timeout: 60_000 });
  await page.evaluate(() => window.cohort.idle());
  const schema = await page.evaluate(() => window.cohort.schema());
  const flagged = schema.columns.filter(c => c.identifier_reason).map(c => c.name);
  assert.deepEqual(flagged, ['mrn', 'patient_name']);
  const notice = page.locator('#identifier-notice');
  assert.equal(await notice.isVisible(), true, 'no identifier notice');
  const text = await notice.textContent();
  assert.match(text, /mrn/);
  assert.match(text, /patient_name/);
  assert.match(text, /stays in this browser/);
  // The columns table names them but lists none of their values.
  const cols = await page.locator('#columns').textContent();
  assert.doesNotMatch(cols, /MRN0|Smith|Jones/);
  // A spec naming the identifiers in Table 1 and a filter: the share link leaves them out.
  const spec = { time: 'months', event: { column: 'status', event: ['1'] }, group: 'sex', table1: ['mrn', 'patient_name', 'sex'],
    filters: [{ column: 'patient_name', op: 'not_in', values: ['Ann Smith'] }] };
  const res = await page.evaluate(async s => { try { await window.cohort.setSpec(s); return null; } catch (e) { return e.message; } }, spec);
  assert.equal(res, null, res);
  const link = decodeURIComponent(await page.evaluate(() => window.cohort.shareLink()));
  assert.doesNotMatch(link, /mrn|patient_name|Ann Smith/, link);
  assert.match(link, /"group":"sex"/);
  // The saved report refuses while a filter uses identifier values; without it, it has no identifier rows.
  // (A chosen file opens on the Cohort tab; the report buttons are on the Survival tab.)
  await page.click('#tab-survival');
  await page.click('#save-json');
  assert.equal(await page.locator('#error').isVisible(), true, 'export with an identifier filter was not refused');
  assert.match(await page.locator('#error').textContent(), /patient_name/);
  const { filters, ...noFilter } = spec;
  await page.evaluate(s => window.cohort.setSpec(s), noFilter);
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#save-json')]);
  const saved = fs.readFileSync(await dl.path(), 'utf8');
  assert.doesNotMatch(saved, /MRN0|Smith|Jones|Diaz/);
  assert.deepEqual(JSON.parse(saved).table1.map(r => r.variable), ['sex']);
  // Opting in keeps them in the link.
  await page.check('#share-ids');
  const withIds = decodeURIComponent(await page.evaluate(() => window.cohort.shareLink()));
  assert.match(withIds, /"table1":\["mrn","patient_name","sex"\]/);
  assertSameOrigin(requests, app.origin);
  await page.close();
});

test('Stop ends an analysis that takes long: the previous settings and results stay, the engine works on', { timeout: 300_000 }, async () => {
  const file = path.join(OUT, 'synth-500k.csv');
  assert.ok(fs.existsSync(file), 'written by the first test');
  const { page, errors } = await app.newPage();
  await page.setInputFiles('#file', file);
  await page.waitForFunction(() => window.cohort.report()?.n === 500000, null, { timeout: 120_000 });
  await page.evaluate(() => window.cohort.idle());
  const km = { time: 'time', event: { column: 'status', event: ['1'], censored: ['0', '2'] }, group: 'group' };
  await page.evaluate(s => window.cohort.setSpec(s), km);
  const shown = await page.evaluate(() => ({ spec: window.cohort.spec(), km: window.cohort.report().km.map(k => k.median) }));
  // Fine-Gray with three covariates on 500,000 rows takes seconds: the progress line comes up
  // with its Stop button, which is clicked from inside the page as soon as it shows.
  const fg = { time: 'time', event: { column: 'status', event: ['1'], competing: ['2'] }, covariates: ['x1', 'x2', 'x3'] };
  const outcome = await page.evaluate(async s => {
    const stop = document.querySelector('#load-cancel');
    const box = document.querySelector('#load-progress-box');
    window.__stopSeen = null;
    const mo = new MutationObserver(() => {
      if (window.__stopSeen == null && !box.hidden && !stop.hidden && stop.textContent === 'Stop') {
        window.__stopSeen = document.querySelector('#load-progress-label').textContent;
        stop.click();
      }
    });
    mo.observe(box, { attributes: true, subtree: true, childList: true, characterData: true });
    try {
      await window.cohort.setSpec(s);
      return { ok: true };
    } catch (e) {
      return { ok: false, kind: e.kind, message: e.message };
    } finally {
      mo.disconnect();
    }
  }, fg);
  assert.equal(await page.evaluate(() => window.__stopSeen), 'Analysing…', 'the Stop button showed under "Analysing…"');
  assert.deepEqual(outcome, { ok: false, kind: 'stopped', message: 'the analysis was stopped before it finished' });
  assert.match(await page.locator('#error').textContent(), /Analysis stopped: the results shown are those of the previous settings/);
  assert.equal(await page.locator('#load-progress-box').isHidden(), true);
  // The previous settings are back in the page and its controls, with their results.
  assert.deepEqual(await page.evaluate(() => window.cohort.spec()), shown.spec);
  assert.deepEqual(await page.evaluate(() => window.cohort.report().km.map(k => k.median)), shown.km);
  assert.equal(await page.locator('#group-col').inputValue(), 'group');
  // The restarted engine holds the file again and analyses the next change.
  const next = await page.evaluate(s => window.cohort.setSpec(s).then(r => ({ n: r.n, groups: r.groups.length })), { ...km, group: undefined, covariates: ['x1'] });
  assert.deepEqual(next, { n: 500000, groups: 0 });
  // A section's analysis shows the Stop button too: the hazard models (four parametric fits on
  // 500,000 rows take seconds) are stopped; the page's own results stay.
  await page.evaluate(() => window.cohort.idle());
  const page0 = await page.evaluate(() => JSON.stringify(window.cohort.report().cox));
  const hzStop = await page.evaluate(() => new Promise(resolve => {
    const stop = document.querySelector('#load-cancel');
    const box = document.querySelector('#load-progress-box');
    const error = document.querySelector('#error');
    let seen = null;
    const mo = new MutationObserver(() => {
      if (seen == null && !box.hidden && !stop.hidden && stop.textContent === 'Stop') {
        seen = document.querySelector('#load-progress-label').textContent;
        stop.click();
      }
    });
    mo.observe(box, { attributes: true, subtree: true, childList: true, characterData: true });
    const eo = new MutationObserver(() => {
      if (/Hazard models stopped/.test(error.textContent)) {
        mo.disconnect();
        eo.disconnect();
        resolve({ seen, message: error.querySelector('.msg')?.textContent });
      }
    });
    eo.observe(error, { subtree: true, childList: true, characterData: true });
    document.querySelector('#hazard-tab').click();
  }));
  assert.deepEqual(hzStop, { seen: 'Analysing…', message: 'the analysis was stopped before it finished' });
  // The line goes once the engine is back; the page's model is the one it showed.
  await page.waitForFunction(() => document.querySelector('#load-progress-box').hidden, null, { timeout: 120_000 });
  await page.evaluate(() => window.cohort.idle());
  assert.equal(await page.evaluate(() => JSON.stringify(window.cohort.report().cox)), page0);
  assert.equal(await page.locator('#hz-models tbody tr').count(), 0, 'no table of a fit that was stopped');
  assert.deepEqual(errors, []);
  await page.close();
});
