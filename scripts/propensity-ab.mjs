// propensity: A/B of benchRun's issue-18 steps on the 100k-row bench file in headless Chromium,
// two dist/ builds in turns (a fresh page each):
//   node scripts/propensity-ab.mjs DIST_A DIST_B [ROUNDS=5] [FILE=synth-100000.csv] [RUNS=3]
// Each page runs benchRun RUNS times on the same bytes (as `npm run bench` does with --reps: the
// first run also moves V8 from its baseline to its optimising compiler); every run prints one
// line: propensity_ms (propensity + weighted KM + weighted Cox), km_cox_trt_ms (the unweighted
// KM + log-rank + Cox of trt), their ratio (issue 18: ≤ 1.5), km_logrank_ms, cox_ms, parse_ms
// and the 1-minute load average. At the end, per build, the medians over the pages of each
// page's median run (as `npm run bench` takes a page's median), and of the first runs apart.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from './serve.mjs';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const [a, b, rounds = '5', file = 'synth-100000.csv', runs = '3'] = process.argv.slice(2);
if (!a || !b) {
  console.error('usage: node scripts/propensity-ab.mjs DIST_A DIST_B [ROUNDS] [FILE] [RUNS]');
  process.exit(2);
}
const site = fs.mkdtempSync(path.join(os.tmpdir(), 'propensity-ab-'));
fs.symlinkSync(path.resolve(a), path.join(site, 'A'));
fs.symlinkSync(path.resolve(b), path.join(site, 'B'));
// FILE: a name in bench/out, or a path.
fs.symlinkSync(file.includes('/') ? path.dirname(path.resolve(file)) : path.join(ROOT, 'bench', 'out'), path.join(site, 'data'));
fs.writeFileSync(path.join(site, 'blank.html'), '<!doctype html><title>ab</title>');
const server = await serve({ dir: site, port: 0 });
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu'] });
const median = (v) => { const s = [...v].sort((x, y) => x - y); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const KEYS = ['propensity', 'km_cox_trt', 'ratio', 'km', 'cox', 'parse'];
const pages = { A: [], B: [] };
const firsts = { A: [], B: [] };
for (let r = 0; r < Number(rounds); r++) {
  for (const which of ['A', 'B']) {
    const page = await browser.newPage();
    await page.goto(server.url + 'blank.html');
    const out = await page.evaluate(async ([which, file, runs]) => {
      const mod = await import(`./${which}/www/pkg/cohort_workbook.js`);
      await mod.default();
      const bytes = new Uint8Array(await (await fetch(`./data/${file}`)).arrayBuffer());
      const all = [];
      for (let k = 0; k < runs; k++) all.push(JSON.parse(mod.benchRun(bytes, 0)));
      return all;
    }, [which, path.basename(file), Number(runs)]);
    const rows = out.map((t, k) => {
      const row = {
        round: r, which, run: k, load: os.loadavg()[0].toFixed(1),
        propensity: +t.propensity_ms.toFixed(1), km_cox_trt: +t.km_cox_trt_ms.toFixed(1),
        ratio: +(t.propensity_ms / t.km_cox_trt_ms).toFixed(3),
        km: +t.km_logrank_ms.toFixed(1), cox: +t.cox_ms.toFixed(1), parse: +t.parse_ms.toFixed(1),
      };
      console.log(JSON.stringify(row));
      return row;
    });
    firsts[which].push(rows[0]);
    pages[which].push(Object.fromEntries(KEYS.map((k) => [k, median(rows.map((x) => x[k]))])));
    await page.close();
  }
}
for (const which of ['A', 'B']) {
  for (const [what, rows] of [['pages_median_runs', pages[which]], ['first_runs', firsts[which]]]) {
    const med = Object.fromEntries(KEYS.map((k) => [k, +median(rows.map((x) => x[k])).toFixed(3)]));
    console.log(JSON.stringify({ which, [what]: rows.length, ...med }));
  }
}
await browser.close();
server.close?.();
process.exit(0);
