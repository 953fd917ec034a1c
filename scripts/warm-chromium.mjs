import fs from 'node:fs'; import os from 'node:os'; import path from 'node:path';
import { chromium } from 'playwright-core';
import { serve } from './serve.mjs';
const [dist, rows = '20000', reps = '3', big = '1', pause = '300', flags = ''] = process.argv.slice(2);
const site = fs.mkdtempSync(path.join(os.tmpdir(), 'wsteps-'));
fs.symlinkSync(path.resolve(dist), path.join(site, 'A'));
fs.symlinkSync('/work/main/bench/out', path.join(site, 'data'));
fs.writeFileSync(path.join(site, 'blank.html'), '<!doctype html><title>ab</title>');
const server = await serve({ dir: site, port: 0 });
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu', ...(flags ? ['--js-flags=' + flags] : [])] });
const page = await browser.newPage();
await page.goto(server.url + 'blank.html');
const out = await page.evaluate(async ([rows, reps, big, pause]) => {
  const mod = await import(`./A/www/pkg/cohort_workbook.js`);
  const wasm = await mod.default();
  const steps = [];
  const t0 = performance.now();
  if (rows > 0) for (let step = 0; step >= 0;) { const a = performance.now(); const s = step; step = mod.warmUp(step, rows, reps); steps.push([s, +(performance.now() - a).toFixed(1)]); await new Promise(r => setTimeout(r, 0)); }
  const warm = performance.now() - t0;
  await new Promise(r => setTimeout(r, pause));
  const res = [];
  if (big) { const bytes = new Uint8Array(await (await fetch(`./data/synth-1000000.csv`)).arrayBuffer());
  for (let i = 0; i < 2; i++) { const t = JSON.parse(mod.benchRun(bytes, 0)); res.push([t.parse_ms, t.km_logrank_ms, t.cox_ms].map(Math.round)); } }
  return { warm: Math.round(warm), mem: wasm.memory.buffer.byteLength / 1e6, steps: steps.filter(s => s[1] > 4).map(s => s.join(':')).join(' '), nsteps: steps.length, res };
}, [Number(rows), Number(reps), Number(big), Number(pause)]);
console.log(rows, reps, os.loadavg()[0].toFixed(1), JSON.stringify(out));
await browser.close(); process.exit(0);
