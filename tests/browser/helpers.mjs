// Shared set-up for the browser tests: serve dist/ on loopback, drive Debian's chromium with
// playwright-core in a fresh profile, and record every request the page makes.

import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '../../scripts/serve.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const DIST = path.join(ROOT, 'dist');
export const REFERENCE_DIR = path.resolve(ROOT, process.env.COHORT_REFERENCE_DIR || 'tests/reference');
export const COMPARE_TOOL = path.resolve(ROOT, process.env.COHORT_COMPARE_TOOL || 'tests/tools/compare_reference.py');
export const OUT = path.join(ROOT, 'target', 'browser-tests');

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run'];

/** Serve dist/ under `prefix`, start chromium; returns {url, context, newPage, close}. */
export async function start({ prefix = '/' } = {}) {
  if (!fs.existsSync(path.join(DIST, 'index.html'))) throw new Error('dist/ is not built: run `npm run build` first');
  const server = await serve({ dir: DIST, port: 0, prefix });
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'cohort-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 900 },
    deviceScaleFactor: 1,
  });
  const origin = new URL(server.url).origin;
  async function newPage(url = server.url) {
    const page = await context.newPage();
    const requests = [];
    const errors = [];
    page.on('request', r => requests.push({ url: r.url(), method: r.method(), type: r.resourceType() }));
    page.on('pageerror', e => errors.push(e.message));
    page.on('console', m => { if (m.type() === 'error') errors.push(m.text()); });
    await page.goto(url);
    await page.waitForFunction(() => window.cohort && window.cohort.ready);
    await page.evaluate(() => window.cohort.ready.catch(() => {}));
    await page.evaluate(() => window.cohort.idle());
    return { page, requests, errors };
  }
  async function close() {
    await context.close();
    await server.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
  return { url: server.url, origin, context, newPage, close };
}

/** Load a file through the scripting API (the same path as a drop). */
export async function loadFile(page, file, name = path.basename(file)) {
  const bytes = [...fs.readFileSync(file)];
  return page.evaluate(async ([n, b]) => {
    try {
      return { report: await window.cohort.loadFile(n, new Uint8Array(b)) };
    } catch (e) {
      return { error: e.message };
    }
  }, [name, bytes]);
}

export async function setSpec(page, spec) {
  return page.evaluate(async s => {
    try {
      return { report: await window.cohort.setSpec(s) };
    } catch (e) {
      return { error: e.message };
    }
  }, spec);
}

/** Fraction of canvas pixels that differ from its most common colour (the background). */
export async function canvasInk(page, selector = '#km') {
  return page.evaluate(sel => {
    const c = document.querySelector(sel);
    if (!c || !c.width || !c.height) return 0;
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const counts = new Map();
    for (let i = 0; i < d.length; i += 4 * 7) {
      const k = (d[i] << 24) ^ (d[i + 1] << 16) ^ (d[i + 2] << 8) ^ d[i + 3];
      counts.set(k, (counts.get(k) || 0) + 1);
    }
    let bg = 0, total = 0;
    for (const v of counts.values()) { bg = Math.max(bg, v); total += v; }
    return (total - bg) / total;
  }, selector);
}

/** The folders of R's reference cases: part 1 of the contract, its edge cases, part 2 (designs). */
export const REFERENCE_DIRS = [REFERENCE_DIR, ...['edges', 'designs'].map(d => path.join(REFERENCE_DIR, d)).filter(d => fs.existsSync(d))];

export function referenceCases() {
  const out = [];
  for (const dir of REFERENCE_DIRS) {
    for (const f of fs.readdirSync(dir).filter(f => f.endsWith('.expected.json')).sort()) {
      const ref = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
      for (const c of ref.cases) out.push({ label: `${ref.dataset}/${c.name}`, file: path.join(dir, ref.file), spec: c.spec, expected: c.expected });
    }
  }
  return out;
}

/** Resolves when the page's engine queue is empty (window.cohort.idle()). */
export const idle = page => page.evaluate(() => window.cohort.idle());
/** The page's current spec, report and figure layout (window.cohort). */
export const currentSpec = page => page.evaluate(() => window.cohort.spec());
export const currentReport = page => page.evaluate(() => window.cohort.report());
export const figureLayout = page => page.evaluate(() => window.cohort.figureLayout());

/** Every request (the worker's included) stayed on the page's origin; data: and blob: are local. */
export function assertSameOrigin(requests, origin) {
  for (const r of requests) {
    const u = new URL(r.url);
    if (u.protocol === 'data:' || u.protocol === 'blob:') continue;
    assert.equal(u.origin, origin, `request left the origin: ${r.method} ${r.url}`);
  }
}
