// Accessibility: axe-core (WCAG 2.0/2.1/2.2 A and AA rules, target size included, and its best
// practices) finds nothing on the demo, the Paper view, a loaded file and the Cohort tab; the
// keyboard focus ring stands out from the page (contrast ≥ 3:1, WCAG 2.2 focus appearance).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { start, loadFile, setSpec, idle, ROOT } from './helpers.mjs';

const AXE = fs.readFileSync(path.join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8');
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];

let app;
before(async () => { app = await start(); });
after(async () => { await app?.close(); });

// axe is evaluated through the DevTools protocol, so the page's CSP (scripts from 'self' only) stays as it is.
async function violations(page) {
  await page.evaluate(AXE);
  const r = await page.evaluate(tags => window.axe.run(document, { runOnly: { type: 'tag', values: tags } }), TAGS);
  return r.violations.map(v => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 5).map(n => n.target.join(' ')).join(', ')}`);
}

test('axe-core: no violations on the demo, the Paper view, a loaded file and the Cohort tab', async () => {
  const { page } = await app.newPage();
  const found = {};
  found.demo = await violations(page);
  await page.locator('#paper-tab').click();
  await idle(page);
  await page.waitForSelector('#paper-view:not([hidden])');
  found.paper = await violations(page);
  await page.locator('[role=tab]:not(#paper-tab)').first().click();
  await idle(page);
  const loaded = await loadFile(page, path.join(ROOT, 'tests/reference/lung.csv'));
  assert.ok(!loaded.error, loaded.error);
  const { error } = await setSpec(page, { time: 'time', event: { column: 'status', event: ['2'] }, group: 'sex', covariates: ['age', 'ph.ecog'] });
  assert.ok(!error, error);
  found.lung = await violations(page);
  await page.evaluate(() => window.cohort.view('cohort'));
  await idle(page);
  found.cohort = await violations(page);
  assert.deepEqual(found, { demo: [], paper: [], lung: [], cohort: [] });
});

// WCAG relative luminance and contrast ratio of two CSS rgb() colours.
function luminance(rgb) {
  const [r, g, b] = rgb.match(/[\d.]+/g).slice(0, 3).map(Number).map(c => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
const contrast = (a, b) => { const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };

test('the keyboard focus ring has at least 3:1 contrast against the page and the side panel', async () => {
  const { page } = await app.newPage();
  for (const sel of ['#group-col', '#copy-methods']) {
    await page.locator(sel).focus();
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Tab');
    const { outline, width, bg } = await page.evaluate(s => {
      const e = document.querySelector(s);
      const cs = getComputedStyle(e);
      let p = e.parentElement, bg = 'rgb(255, 255, 255)';
      while (p) { const c = getComputedStyle(p).backgroundColor; if (c && !/rgba\(0, 0, 0, 0\)|transparent/.test(c)) { bg = c; break; } p = p.parentElement; }
      return { outline: cs.outlineColor, width: parseFloat(cs.outlineWidth), bg };
    }, sel);
    assert.ok(width >= 2, `${sel}: focus outline ${width}px`);
    const ratio = contrast(outline, bg);
    assert.ok(ratio >= 3, `${sel}: focus ring ${outline} on ${bg} has contrast ${ratio.toFixed(2)}:1`);
  }
});
