// Out of memory, said as such: a browser gives a page's engine at most 4 GB, and a registry-size
// analysis can need more. The engine's allocator notes a request it could not serve
// (src/wasm/memory.rs); after the trap that follows, the page says the analysis ran out of
// memory and what to do instead (not "internal error ... please report"), restarts the engine
// and stays usable. Here the core module is served with its memory capped at 32 MB (its memory
// section's maximum rewritten), so a 300 000-row file (a table of ~40 MB) runs it out.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { start, OUT, ROOT, DIST } from './helpers.mjs';

const CAP_PAGES = 512;   // 32 MiB: the demo and the engine's warm-up fit (~14 MB), the file does not

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
  const capped = capMemory(fs.readFileSync(path.join(DIST, 'www/pkg/cohort_bg.wasm')), CAP_PAGES);
  await app.context.route('**/cohort_bg.wasm', route => route.fulfill({ body: capped, contentType: 'application/wasm' }));
});
after(async () => { await app?.close(); });

for (const engine of ['worker', 'main']) {
  test(`a file too large for the engine's memory is said to be so, and the page goes on (${engine} engine)`, { timeout: 300_000 }, async () => {
    const file = path.join(OUT, 'synth-300k.csv');
    if (!fs.existsSync(file)) {
      const r = spawnSync(path.join(ROOT, 'target/release/cohort'), ['synth', '300000'], { maxBuffer: 1 << 27 });
      assert.equal(r.status, 0, `cohort synth failed: ${r.stderr}`);
      fs.writeFileSync(file, r.stdout);
    }
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
    const small = path.join(OUT, 'synth-small-memory.csv');
    fs.writeFileSync(small, spawnSync(path.join(ROOT, 'target/release/cohort'), ['synth', '2000'], { maxBuffer: 1 << 26 }).stdout);
    await page.setInputFiles('#file', small);
    await page.waitForFunction(() => window.cohort.report()?.n === 2000, null, { timeout: 60_000 });
    assert.ok(await page.locator('#error').isHidden(), 'the next file clears the message');
    assert.deepEqual(errors.filter(e => !/RuntimeError|unreachable|memory/i.test(e)), [], 'no other page error');
    await page.close();
  });
}
