// The page's idle warm-up as a user gets it: navigation → demo, then the warm-up's status
// (www/warm.js `cohort.warmUp()`): node scripts/warm-page.mjs [DIST] [RUNS]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from './serve.mjs';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const [dist = path.join(ROOT, 'dist'), runs = '2'] = process.argv.slice(2);
const server = await serve({ dir: path.resolve(dist), port: 0 });
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu'] });
for (let i = 0; i < Number(runs); i++) {
  const page = await browser.newPage();
  await page.goto(server.url);
  await page.waitForFunction(() => window.cohort?.ready);
  const demo = await page.evaluate(async () => { await window.cohort.ready; await window.cohort.idle(); return performance.now(); });
  await page.waitForFunction(() => !['waiting', 'running'].includes(window.cohort.warmUp?.().state), null, { timeout: 120000, polling: 20 });
  const w = await page.evaluate(() => ({ ...window.cohort.warmUp(), ended: performance.now() }));
  console.log(JSON.stringify({ load: os.loadavg()[0].toFixed(1), demo_ms: Math.round(demo), state: w.state, started_ms: Math.round(w.startedAt), ended_ms: Math.round(w.ended), wall_ms: Math.round(w.ms), worker_ms: Math.round(w.workerMs), longest_step_ms: Math.round(w.longestMs), steps: w.steps, worker_wasm_mb: +(w.memory / 1e6).toFixed(1) }));
  await page.close();
}
await browser.close();
await server.close?.();
process.exit(0);
