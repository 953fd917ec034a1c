// coxkm: A/B of benchRun (KM + log-rank, Cox) on the 1M-row bench file in headless Chromium,
// two dist/ builds in turns: node scripts/coxkm-ab.mjs DIST_A DIST_B [ROUNDS]
// Each build twice a round, each time in a fresh page: `cold` (the first call, the engine still
// in V8's baseline code) and `warm` (the first call after the engine's idle warm-up, as the
// page runs it before a file is dropped: www/warm.js, src/wasm/warm.rs; a build without
// `warmUp` prints warm_up: null, i.e. cold again). Prints the medians of each at the end.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from './serve.mjs';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const [a, b, rounds = '2'] = process.argv.slice(2);
const site = fs.mkdtempSync(path.join(os.tmpdir(), 'coxkm-ab-'));
fs.symlinkSync(path.resolve(a), path.join(site, 'A'));
fs.symlinkSync(path.resolve(b), path.join(site, 'B'));
fs.symlinkSync(path.join(ROOT, 'bench', 'out'), path.join(site, 'data'));
fs.writeFileSync(path.join(site, 'blank.html'), '<!doctype html><title>ab</title>');
const server = await serve({ dir: site, port: 0 });
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu'] });
const text = fs.readFileSync(path.join(ROOT, 'www', 'warm.js'), 'utf8');
const WARM = { rows: Number(/export const WARM_ROWS = (\d+)/.exec(text)?.[1]), reps: Number(/export const WARM_REPS = (\d+)/.exec(text)?.[1]) };
const all = [];
for (let r = 0; r < Number(rounds); r++) {
  for (const which of ['A', 'B']) {
    for (const mode of ['cold', 'warm']) {
      const page = await browser.newPage();
      await page.goto(server.url + 'blank.html');
      const out = await page.evaluate(async ([which, warm]) => {
        const mod = await import(`./${which}/www/pkg/cohort_workbook.js`);
        const wasm = await mod.default();
        const bytes = new Uint8Array(await (await fetch('./data/synth-1000000.csv')).arrayBuffer());
        let warmUp = null;
        if (warm && typeof mod.warmUp === 'function') {
          const t0 = performance.now();
          for (let step = 0; step >= 0;) {
            step = mod.warmUp(step, warm.rows, warm.reps);
            await new Promise(r => setTimeout(r, 0));
          }
          warmUp = { ms: Math.round(performance.now() - t0), mem_mb: wasm.memory.buffer.byteLength / 1e6 };
          await new Promise(r => setTimeout(r, 300));
        }
        const t = JSON.parse(mod.benchRun(bytes, 0));
        return { km: t.km_logrank_ms, cox: t.cox_ms, parse: t.parse_ms, mem_mb: wasm.memory.buffer.byteLength / 1e6, warm_up: warmUp };
      }, [which, mode === 'warm' ? WARM : null]);
      const row = { round: r, which, mode, load: os.loadavg()[0].toFixed(1), ...out };
      all.push(row);
      console.log(JSON.stringify(row));
      await page.close();
    }
  }
}
const median = v => { const s = [...v].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
for (const which of ['A', 'B']) {
  for (const mode of ['cold', 'warm']) {
    const v = all.filter(x => x.which === which && x.mode === mode);
    console.log(`${which} ${mode}: median parse ${median(v.map(x => x.parse)).toFixed(0)} / KM + log-rank ${median(v.map(x => x.km)).toFixed(1)} / Cox ${median(v.map(x => x.cox)).toFixed(0)} ms over ${v.length} pages`);
  }
}
await browser.close();
server.close?.();
process.exit(0);
