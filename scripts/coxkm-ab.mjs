// coxkm: A/B of benchRun (KM + log-rank, Cox) on the 1M-row bench file in headless Chromium,
// two dist/ builds in turns: node scripts/coxkm-ab.mjs DIST_A DIST_B [ROUNDS]
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
for (let r = 0; r < Number(rounds); r++) {
  for (const which of ['A', 'B']) {
    const page = await browser.newPage();
    await page.goto(server.url + 'blank.html');
    const out = await page.evaluate(async (which) => {
      const mod = await import(`./${which}/www/pkg/cohort_workbook.js`);
      const wasm = await mod.default();
      const bytes = new Uint8Array(await (await fetch('./data/synth-1000000.csv')).arrayBuffer());
      const t = JSON.parse(mod.benchRun(bytes, 0));
      return { km: t.km_logrank_ms, cox: t.cox_ms, parse: t.parse_ms, mem_mb: wasm.memory.buffer.byteLength / 1e6 };
    }, which);
    console.log(JSON.stringify({ round: r, which, load: os.loadavg()[0].toFixed(1), ...out }));
    await page.close();
  }
}
await browser.close();
server.close?.();
process.exit(0);
