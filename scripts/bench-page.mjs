#!/usr/bin/env node
// Page timings in headless chromium against the built dist/ (prints figures; asserts nothing):
// time until the demo is analysed and drawn, the wasm size, and load + analyse + draw for
// synthetic cohorts of growing size through window.cohort.loadFile.
//   node scripts/bench-page.mjs [rows ...]      (default 1000 100000 1000000)

import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { start, DIST } from '../tests/browser/helpers.mjs';

const sizes = process.argv.slice(2).map(Number).filter(n => n > 0);
if (!sizes.length) sizes.push(1000, 100000, 1000000);

const wasm = fs.readFileSync(path.join(DIST, 'www/pkg/cohort_bg.wasm'));
console.log(`wasm: ${(wasm.length / 1024).toFixed(0)} KiB raw, ${(zlib.gzipSync(wasm, { level: 9 }).length / 1024).toFixed(0)} KiB gzipped`);

// A deterministic synthetic cohort: exponential times by group, 30% censoring.
function synth(n) {
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) + 0.5) / 2147483648;
  const lines = ['id,time,status,arm,age'];
  for (let i = 0; i < n; i++) {
    const arm = i % 3;
    const t = -Math.log(rnd()) * (300 + 150 * arm);
    const c = rnd() < 0.3 ? 0 : 1;
    lines.push(`${i + 1},${t.toFixed(1)},${c},${'ABC'[arm]},${(40 + 40 * rnd()).toFixed(0)}`);
  }
  return lines.join('\n') + '\n';
}

const app = await start();
try {
  for (let rep = 0; rep < 3; rep++) {
    const page = await app.context.newPage();
    const t0 = Date.now();
    await page.goto(app.url);
    await page.waitForFunction(() => window.cohort && window.cohort.ready);
    await page.evaluate(() => window.cohort.ready);
    await page.evaluate(() => window.cohort.idle());
    const nav = await page.evaluate(() => {
      const n = performance.getEntriesByType('navigation')[0];
      return { dcl: n.domContentLoadedEventEnd, load: n.loadEventEnd };
    });
    console.log(`page load → demo analysed and drawn: ${Date.now() - t0} ms (DOMContentLoaded ${nav.dcl.toFixed(0)} ms, load event ${nav.load.toFixed(0)} ms; engine: ${await page.evaluate(() => window.cohort.engineKind())})`);
    await page.close();
  }
  const page = await app.context.newPage();
  await page.goto(app.url);
  await page.evaluate(() => window.cohort.ready);
  for (const n of sizes) {
    const csv = synth(n);
    const ms = await page.evaluate(async text => {
      const bytes = new TextEncoder().encode(text);
      const t0 = performance.now();
      await window.cohort.loadFile('synth.csv', bytes);
      const t1 = performance.now();
      await window.cohort.setSpec({ time: 'time', event: { column: 'status', event: ['1'] }, group: 'arm', times: [180, 365] });
      const t2 = performance.now();
      return { load: t1 - t0, run: t2 - t1 };
    }, csv);
    console.log(`${n} rows (${(csv.length / 1e6).toFixed(1)} MB): load + default analysis + draw ${ms.load.toFixed(0)} ms; grouped analysis + draw ${ms.run.toFixed(0)} ms`);
  }
} finally {
  await app.close();
}
