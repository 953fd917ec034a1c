// Out of memory, said as such: a browser gives a page's engine at most 4 GB, and a registry-size
// analysis can need more. The engine's allocator notes a request it could not serve
// (src/wasm/memory.rs); after the trap that follows, the page says the analysis ran out of
// memory and what to do instead (not "internal error ... please report"), restarts the engine
// and stays usable. Here the core module is served with its memory capped (its memory section's
// maximum rewritten): at 32 MB a 300 000-row file (a table of ~40 MB) runs it out as it loads; at
// 30 MB a 100 000-row file loads, and a Cox model of its ten covariates, whose matrix is the
// largest block a model takes, is refused with the reason instead (no trap, no restart).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { start, OUT, ROOT, DIST } from './helpers.mjs';

// The module's memory cap in pages of 64 KiB, per test: 512 (32 MiB) lets the demo and the
// engine's warm-up run (~14 MB) but not a 300k-row file; 480 (30 MiB) lets a 100k-row file load
// (it fails below ~24 MB) but not the matrix of a Cox model of its ten covariates (which fits
// from ~36 MB).
let capPages = 512;

/** Unsigned LEB128 at `i`: [value, next index]. */
function leb(b, i) {
  let v = 0, s = 0, x;
  do { x = b[i++]; v += (x & 0x7f) * 2 ** s; s += 7; } while (x & 0x80);
  return [v, i];
}
const enc = v => { const o = []; do { let x = v % 128; v = Math.floor(v / 128); if (v) x |= 0x80; o.push(x); } while (v); return o; };

/** The module's bytes with its one memory's maximum set to `pages` (64 KiB each). */
function capMemory(bytes, pages) {
  for (let i = 8; i < bytes.length;) {
    const [size, p] = leb(bytes, i + 1);
    if (bytes[i] === 5) {
      const [count, q] = leb(bytes, p);
      assert.equal(count, 1, 'one memory');
      const [min] = leb(bytes, q + 1);
      assert.ok(min < pages, `the module starts with ${min} pages`);
      const body = [...enc(1), 0x01, ...enc(min), ...enc(pages)];
      return Buffer.concat([bytes.subarray(0, i), Buffer.from([5, ...enc(body.length), ...body]), bytes.subarray(p + size)]);
    }
    i = p + size;
  }
  throw new Error('no memory section in the module');
}

let app;
before(async () => {
  app = await start();
  fs.mkdirSync(OUT, { recursive: true });
  const wasm = fs.readFileSync(path.join(DIST, 'www/pkg/cohort_bg.wasm'));
  await app.context.route('**/cohort_bg.wasm', route => route.fulfill({ body: capMemory(wasm, capPages), contentType: 'application/wasm' }));
});
after(async () => { await app?.close(); });

/** target/browser-tests/synth-ROWS.csv, made by `cohort synth` once. */
function synth(rows, name = `synth-${rows / 1000}k.csv`) {
  const file = path.join(OUT, name);
  if (!fs.existsSync(file)) {
    const r = spawnSync(path.join(ROOT, 'target/release/cohort'), ['synth', String(rows)], { maxBuffer: 1 << 27 });
    assert.equal(r.status, 0, `cohort synth failed: ${r.stderr}`);
    fs.writeFileSync(file, r.stdout);
  }
  return file;
}

/**
 * The privacy badge after a restart: the engine's scripts and glue fetched again are the page's
 * own code, not "⚠ N network requests" (which it said before).
 */
async function noDataSent(page) {
  const badge = page.locator('#net-badge');
  assert.match((await badge.textContent()).trim(), /^✓ No (data sent since load \(\d+ app files? fetched\)|network requests since load)$/, await badge.getAttribute('title'));
}

for (const engine of ['worker', 'main']) {
  test(`a file too large for the engine's memory is said to be so, and the page goes on (${engine} engine)`, { timeout: 300_000 }, async () => {
    capPages = 512;
    const file = synth(300000);
    const { page, errors } = await app.newPage(engine === 'main' ? `${app.url}?engine=main` : app.url);
    assert.equal(await page.evaluate(() => window.cohort.engineKind()), engine);
    assert.ok(await page.evaluate(() => window.cohort.report()?.n > 0), 'the demo is analysed within the capped memory');
    assert.ok(await page.locator('#error').isHidden(), `an error before the file: ${await page.locator('#error').textContent()}`);

    await page.setInputFiles('#file', file);
    // (The engine's restart shows "Out of memory" at once; the load's own message follows.)
    await page.waitForFunction(() => /Could not read/.test(document.querySelector('#error').textContent), null, { timeout: 120_000 });
    const text = await page.locator('#error').textContent();
    assert.match(text, /Could not read synth-300k\.csv/);
    assert.match(text, /needs more memory than the browser gives this page: the engine held \d+ MB and asked for \d+ [KMG]B more/);
    assert.match(text, /cohort analyze DATA --spec SPEC/);
    assert.doesNotMatch(text, /please report|internal error|unreachable/i, text);
    assert.equal(await page.evaluate(() => window.cohort.schema()), null, 'the file that did not fit is not loaded');

    // The restarted engine reads the next file.
    await page.setInputFiles('#file', synth(2000));
    await page.waitForFunction(() => window.cohort.report()?.n === 2000, null, { timeout: 60_000 });
    assert.ok(await page.locator('#error').isHidden(), 'the next file clears the message');
    await noDataSent(page);
    assert.deepEqual(errors.filter(e => !/RuntimeError|unreachable|memory/i.test(e)), [], 'no other page error');
    await page.close();
  });
}

test('a Cox model too large for the engine\'s memory is refused with the reason; the rest of the analysis is shown and the engine goes on', { timeout: 300_000 }, async () => {
  capPages = 480;
  const { page, errors } = await app.newPage();
  await page.setInputFiles('#file', synth(100000));
  await page.waitForFunction(() => window.cohort.report()?.n === 100000 || !document.querySelector('#error').hidden, null, { timeout: 120_000 });
  assert.ok(await page.locator('#error').isHidden(), `the file did not load within the cap: ${await page.locator('#error').textContent()}`);
  const spec = await page.evaluate(() => window.cohort.spec());
  const covariates = Array.from({ length: 10 }, (_, i) => `x${i + 1}`);
  // The model's matrix (16 MB) is the request that fails: the model is refused as a warning
  // (src/stats/cox/fit.rs `zeroed`), the curves and the log-rank test are there, no restart.
  // (The model's columns are the file's own, not copies: ten products of them make it large.)
  const interactions = covariates.map((c, i) => [c, covariates[(i + 1) % 10]]);
  const report = await page.evaluate(s => window.cohort.setSpec(s), { ...spec, covariates, interactions });
  await page.evaluate(() => window.cohort.idle());
  assert.equal(report.cox, undefined, 'no Cox model');
  assert.ok(report.km?.length > 0 && report.n === 100000, 'the curves of the whole file');
  const why = /^Cox model not fitted: its working matrix \(100000 rows × 20 terms, 16 MB\) does not fit in the memory left to the analysis engine .*cohort analyze DATA --spec SPEC/;
  assert.ok(report.warnings.some(w => why.test(w)), report.warnings.join('\n'));
  assert.ok((await page.locator('#warnings li').allTextContents()).some(w => /Cox model not fitted: its working matrix/.test(w)), 'the warning is on the page');
  assert.ok(await page.locator('#error').isHidden(), `an error panel: ${await page.locator('#error').textContent()}`);
  // Not restarted: the only file fetched is the build with the interactions (the on-demand one).
  assert.equal((await page.locator('#net-badge').textContent()).trim(), '✓ No data sent since load (1 app file fetched)');
  // A smaller model fits.
  const three = await page.evaluate(s => window.cohort.setSpec(s), { ...spec, covariates: covariates.slice(0, 3) });
  assert.deepEqual(three.cox?.terms.map(t => t.name), ['x1', 'x2', 'x3']);
  assert.deepEqual(errors, [], 'no page error');
  await page.close();
});
