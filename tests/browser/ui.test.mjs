// The explorer driven through the page's own controls (mouse clicks on the figure, checkboxes,
// selects, the keyboard, the export buttons), one test per bullet of issue 6 that the other
// browser tests reach only through `window.cohort`: the legend of the figure hides a group,
// a covariate toggle redraws the model table and the forest plot (and the page shows how long it
// took), competing risks declared in the outcome panel, the hover read-out, axis range / 1 − S /
// landmarks, every export's file content, the share link of a legend click, keyboard operation,
// and no request leaving the origin — the engine worker's requests included.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { start, loadFile, REFERENCE_DIR, OUT, idle, currentSpec, currentReport, figureLayout, assertSameOrigin } from './helpers.mjs';

const LUNG = path.join(REFERENCE_DIR, 'lung.csv');
const TRANSPLANT = path.join(REFERENCE_DIR, 'transplant.csv');

let app;
before(async () => { app = await start(); fs.mkdirSync(OUT, { recursive: true }); });
after(async () => { await app?.close(); });

const spec = currentSpec;
const report = currentReport;
const layout = figureLayout;


/** Page coordinates of a point given in the figure canvas's pixels. */
async function canvasPoint(page, x, y, selector = '#km') {
  const box = await page.locator(selector).boundingBox();
  const scale = await page.evaluate(sel => { const c = document.querySelector(sel); return c.width / c.clientWidth; }, selector);
  return { x: box.x + x / scale, y: box.y + y / scale };
}

/** Click the centre of a legend entry of the survival figure. */
async function clickLegend(page, group) {
  const e = (await layout(page)).legend.find(l => l.group === group);
  assert.ok(e, `no legend entry for ${group}`);
  const p = await canvasPoint(page, e.left + e.width / 2, e.top + e.height / 2);
  await page.mouse.click(p.x, p.y);
  await idle(page);
}

/** A fingerprint of a canvas's pixels (size and FNV-1a hash), to tell whether a drawing changed. */
const pixels = (page, selector) => page.evaluate(sel => {
  const c = document.querySelector(sel);
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let h = 0x811c9dc5;
  for (let i = 0; i < d.length; i++) h = Math.imul(h ^ d[i], 16777619) >>> 0;
  return `${c.width}x${c.height}:${h.toString(16)}`;
}, selector);

async function lungBySex(page) {
  const loaded = await loadFile(page, LUNG);
  assert.ok(!loaded.error, loaded.error);
  await page.selectOption('#group-col', 'sex');
  await idle(page);
}

test('a click on a legend entry hides its group (greyed, struck, curve gone), a second click brings it back; the share link keeps it', async () => {
  const { page, requests, errors } = await app.newPage();
  await lungBySex(page);
  const L0 = await layout(page);
  assert.deepEqual(L0.legend.map(e => [e.group, e.hidden]), [['1', false], ['2', false]]);
  assert.deepEqual(L0.series.map(s => s.group), ['1', '2']);
  // The pointer over an entry says it can be clicked.
  const e1 = L0.legend[0];
  const p = await canvasPoint(page, e1.left + e1.width / 2, e1.top + e1.height / 2);
  await page.mouse.move(p.x, p.y);
  assert.equal(await page.locator('#km').evaluate(c => c.style.cursor), 'pointer');
  const inPlot = await canvasPoint(page, L0.plot_left + L0.plot_width / 2, L0.plot_top + L0.plot_height / 2);
  await page.mouse.move(inPlot.x, inPlot.y);
  assert.equal(await page.locator('#km').evaluate(c => c.style.cursor), '');

  await clickLegend(page, '1');
  assert.deepEqual((await spec(page)).view.hidden_groups, ['1']);
  const L1 = await layout(page);
  assert.deepEqual(L1.series.map(s => s.group), ['2'], 'the hidden group is not drawn');
  assert.deepEqual(L1.legend.map(e => [e.group, e.hidden]), [['1', true], ['2', false]], 'but stays in the legend, greyed');
  assert.deepEqual(L1.risk_table.rows.map(r => r.group), ['2']);
  // The checkbox (the keyboard's way to the same thing) follows.
  assert.equal(await page.locator('#xp-groups input[data-group="1"]').isChecked(), false);
  assert.match(await page.locator('#refit-time').textContent(), /^redraw \d+(\.\d)? ms$/);
  await page.locator('#km').screenshot({ path: path.join(OUT, 'ui-legend-hidden.png') });

  // The last group shown cannot be hidden.
  await clickLegend(page, '2');
  assert.deepEqual((await spec(page)).view.hidden_groups, ['1']);
  assert.match(await page.locator('#xp-groups-note').textContent(), /At least one group/);

  // The share link carries the hidden group; a fresh page shows the same figure.
  const link = await page.evaluate(() => window.cohort.shareLink());
  const fresh = await app.newPage(link);
  const loaded = await loadFile(fresh.page, LUNG);
  assert.ok(!loaded.error, loaded.error);
  assert.deepEqual((await spec(fresh.page)).view.hidden_groups, ['1']);
  assert.deepEqual((await layout(fresh.page)).legend.map(e => [e.group, e.hidden]), [['1', true], ['2', false]]);
  assert.equal(await fresh.page.locator('#xp-groups input[data-group="1"]').isChecked(), false);

  // Click it again: shown.
  await clickLegend(page, '1');
  assert.equal((await spec(page)).view.hidden_groups, undefined);
  assert.deepEqual((await layout(page)).series.map(s => s.group), ['1', '2']);
  assert.equal(await page.locator('#xp-groups input[data-group="1"]').isChecked(), true);
  assertSameOrigin(requests, app.origin);
  assertSameOrigin(fresh.requests, app.origin);
  assert.deepEqual(errors, []);
});

for (const engine of ['worker', 'main']) test(`a covariate checkbox refits (${engine} engine): the model table and the forest plot change, the latency is shown, the report equals a fresh run`, async () => {
  const { page, errors } = await app.newPage(app.url + (engine === 'main' ? '?engine=main' : ''));
  assert.equal(await page.evaluate(() => window.cohort.engineKind()), engine);
  await lungBySex(page);
  await page.locator('#xp-covs tr[data-col="age"] input.cov-tick').check();
  await idle(page);
  assert.deepEqual(await page.locator('#model tbody th').allTextContents(), ['age']);
  const forest1 = await pixels(page, '#forest');
  const km1 = await pixels(page, '#km');
  await page.locator('#xp-covs tr[data-col="ph.ecog"] input.cov-tick').check();
  await idle(page);
  assert.deepEqual(await page.locator('#model tbody th').allTextContents(), ['age', 'ph.ecog']);
  assert.notEqual(await pixels(page, '#forest'), forest1, 'the forest plot was not redrawn');
  // The curves did not change, and neither did their figure.
  assert.equal(await pixels(page, '#km'), km1);
  assert.match(await page.locator('#refit-time').textContent(), /^refit \+ redraw \d+(\.\d)? ms$/);
  const lat = await page.evaluate(() => window.cohort.latency());
  assert.equal(lat.what, 'refit + redraw');
  assert.ok(lat.ms > 0 && lat.ms < 60000, JSON.stringify(lat));
  // The page's report (pieced together from what changed) is the report of a fresh run.
  const got = await report(page);
  const other = await app.newPage();
  assert.ok(!(await loadFile(other.page, LUNG)).error);
  const fresh = await other.page.evaluate(s => window.cohort.setSpec(s), got.spec);
  assert.equal(JSON.stringify(got), JSON.stringify(fresh));
  // Untick: the first model again (from the engine's cache), same table as before.
  await page.locator('#xp-covs tr[data-col="ph.ecog"] input.cov-tick').uncheck();
  await idle(page);
  assert.deepEqual(await page.locator('#model tbody th').allTextContents(), ['age']);
  assert.equal(await pixels(page, '#forest'), forest1);
  assert.deepEqual(errors, []);
});

test('kept figures (worker engine): a model seen before and the first click on the CI bands after a pause are shown without a drawing by the engine, the pixels a fresh page draws', async () => {
  const { page, errors } = await app.newPage();
  await lungBySex(page);
  // The engine's messages (operations).
  await page.evaluate(() => {
    const sent = window.__sent = [];
    const orig = Worker.prototype.postMessage;
    Worker.prototype.postMessage = function (m, t) { if (m?.op) sent.push({ op: m.op, forest: !!m.args?.forest }); return orig.call(this, m, t); };
  });
  const forestDrawn = ms => ms.some(m => m.forest || m.op === 'drawForest');
  // The idle warm-up's steps (www/warm.js: op 'warmUp', one at a time while the page is idle) are not the page asking for a figure.
  const sentSince = (n) => page.evaluate(k => window.__sent.slice(k).filter(m => m.op !== 'warmUp'), n);
  const count = () => page.evaluate(() => window.__sent.length);
  const tick = async (col, on) => {
    const box = page.locator(`#xp-covs tr[data-col="${col}"] input.cov-tick`);
    await (on ? box.check() : box.uncheck());
    await idle(page);
  };
  await tick('age', true);
  const forestAge = await pixels(page, '#forest');
  let n = await count();
  await tick('ph.ecog', true);
  assert.ok(forestDrawn(await sentSince(n)), 'a new model: the worker draws its forest plot');
  const forestBoth = await pixels(page, '#forest');
  assert.notEqual(forestBoth, forestAge);
  // The first model again: the forest plot kept from then, not drawn again.
  n = await count();
  await tick('ph.ecog', false);
  const again = await sentSince(n);
  assert.deepEqual(again.filter(m => m.op === 'runDelta').length, 1);
  assert.ok(!forestDrawn(again), JSON.stringify(again));
  assert.equal(await pixels(page, '#forest'), forestAge);
  assert.deepEqual(await page.locator('#model tbody th').allTextContents(), ['age']);
  n = await count();
  await tick('ph.ecog', true);
  assert.ok(!forestDrawn(await sentSince(n)));
  assert.equal(await pixels(page, '#forest'), forestBoth);

  // The CI bands: left idle, the page has the engine draw the figure without them ahead; the
  // first click shows it without a message, and so does the click back.
  const kmOn = await pixels(page, '#km');
  // (The drawing ahead waits for the page to be quiet and idle: on a loaded machine that can
  // take a while, so the test waits for it to be done rather than a fixed time.)
  await page.waitForTimeout(200);
  await page.waitForFunction(() => { const a = window.cohort.figureAhead(); return !a.planned && !a.drawing; }, null, { timeout: 20000 });
  n = await count();
  await page.locator('#opt-ci').click();
  await idle(page);
  assert.deepEqual((await sentSince(n)).map(m => m.op), [], 'the first CI click asked the engine');
  const kmOff = await pixels(page, '#km');
  assert.notEqual(kmOff, kmOn);
  assert.equal((await spec(page)).view.conf_bands, false);
  const specOff = await spec(page);
  await page.locator('#opt-ci').click();
  await idle(page);
  assert.deepEqual((await sentSince(n)).map(m => m.op), []);
  assert.equal(await pixels(page, '#km'), kmOn);

  // A fresh page drawing the same analyses: the same pixels.
  const other = await app.newPage();
  await lungBySex(other.page);
  await other.page.evaluate(s => window.cohort.setSpec(s), specOff);
  await idle(other.page);
  assert.equal(await pixels(other.page, '#km'), kmOff, 'the figure drawn ahead differs from a fresh drawing');
  assert.equal(await pixels(other.page, '#forest'), forestBoth);
  const specAge = { ...specOff, covariates: ['age'] };
  await other.page.evaluate(s => window.cohort.setSpec(s), specAge);
  await idle(other.page);
  assert.equal(await pixels(other.page, '#forest'), forestAge);
  assert.deepEqual(errors, []);
  assert.deepEqual(other.errors, []);
});

test('a figure drawn ahead that the engine refuses (a refit replaced the report meanwhile) is planned again: the first CI click still asks the engine nothing', async () => {
  const { page, errors } = await app.newPage();
  await lungBySex(page);
  const settled = () => page.waitForFunction(() => { const a = window.cohort.figureAhead(); return !a.planned && !a.drawing; }, null, { timeout: 20000 });
  await page.waitForTimeout(200);
  await settled();
  // The engine refuses the next figure drawn ahead (the bands switched off) as it refuses a
  // handle a refit has just released; every message is counted from here.
  await page.evaluate(() => {
    const sent = window.__sent = [];
    window.__refused = 0;
    const orig = Worker.prototype.postMessage;
    Worker.prototype.postMessage = function (m, t) {
      if (m?.op === 'draw' && m.args?.options?.conf_bands === false && !window.__refused) {
        window.__refused += 1;
        m = { ...m, args: { ...m.args, handle: 4000000000 } };
      }
      if (m?.op && m.op !== 'warmUp') sent.push(m.op);
      return orig.call(this, m, t);
    };
  });
  // A new figure (no number-at-risk table): drawn, then drawn ahead with the bands off — refused.
  await page.locator('#opt-risk').uncheck();
  await idle(page);
  await page.waitForTimeout(200);
  await settled();
  assert.equal(await page.evaluate(() => window.__refused), 1, 'the drawing ahead was not refused: the test tests nothing');
  const n = await page.evaluate(() => window.__sent.length);
  const kmOn = await pixels(page, '#km');
  await page.locator('#opt-ci').click();
  await idle(page);
  assert.deepEqual(await page.evaluate(k => window.__sent.slice(k), n), [], 'the first CI click asked the engine');
  assert.notEqual(await pixels(page, '#km'), kmOn);
  assert.equal((await spec(page)).view.conf_bands, false);
  assert.deepEqual(errors, []);
});

test('competing risks declared in the outcome panel: cumulative incidence, Gray\'s test and Fine-Gray (R cmprsk)', async () => {
  const { page, requests, errors } = await app.newPage();
  assert.ok(!(await loadFile(page, TRANSPLANT)).error);
  await page.selectOption('#time-col', 'futime');
  await idle(page);
  await page.selectOption('#event-col', 'event');
  await idle(page);
  await page.locator('#event-values select[data-value="ltx"]').selectOption('event');
  await idle(page);
  await page.locator('#event-values select[data-value="death"]').selectOption('competing');
  await idle(page);
  await page.selectOption('#group-col', 'abo');
  await idle(page);
  const s = await spec(page);
  assert.deepEqual(s.event.event, ['ltx']);
  assert.deepEqual(s.event.competing, ['death']);
  assert.equal(await page.locator('#fig-h').textContent(), 'Cumulative incidence (competing risks)');
  assert.equal((await layout(page)).figure, 'cuminc');
  // R: d <- read.csv("tests/reference/transplant.csv"); library(cmprsk)
  //    st <- ifelse(d$event == "ltx", 1, ifelse(d$event == "death", 2, 0))
  //    cuminc(d$futime, st, d$abo)$Tests   # stat 41.1358826784655 (cause 1), 1.82693808990649 (cause 2)
  const r = await report(page);
  assert.ok(Math.abs(r.gray_test.find(g => g.cause === 'event').stat - 41.1358826784655) < 1e-6);
  assert.match(await page.locator('#test-line').textContent(), /Gray's test \(event\) χ² = 41\.1/);
  assert.ok(r.cuminc.length === 8, `one curve per cause and group: ${r.cuminc.length}`);
  // The legend entries of a competing-risks figure hide a group's two curves.
  await clickLegend(page, 'AB');
  assert.ok((await layout(page)).series.every(x => x.group !== 'AB'));
  await clickLegend(page, 'AB');
  // Fine-Gray in the model panel. R: crr(d$futime, st, model.matrix(~ age + sex, d)[, -1])
  //   age SHR 0.993105611415231 (0.985228722388802–1.00104547605263); sex=m 0.894543662189434
  for (const c of ['age', 'sex']) {
    await page.locator(`#xp-covs tr[data-col="${c}"] input.cov-tick`).check();
    await idle(page);
  }
  assert.equal(await page.locator('#model-h').textContent(), 'Fine-Gray subdistribution hazards model');
  const fg = (await report(page)).finegray;
  assert.ok(Math.abs(fg.terms.find(t => t.name === 'age').shr - 0.993105611415231) < 1e-5, JSON.stringify(fg.terms));
  assert.ok(Math.abs(fg.terms.find(t => t.name === 'sex=m').shr - 0.894543662189434) < 1e-5, JSON.stringify(fg.terms));
  assert.deepEqual(await page.locator('#model tbody th').allTextContents(), ['age', 'sex=m']);
  await page.locator('#km').screenshot({ path: path.join(OUT, 'ui-cuminc.png') });
  assertSameOrigin(requests, app.origin);
  assert.deepEqual(errors, []);
});

test('hovering the figure reads out time, estimate, CI and number at risk of each curve', async () => {
  const { page } = await app.newPage();
  await lungBySex(page);
  const L = await layout(page);
  // The pointer at t = 300 days: the x pixel from the layout's linear mapping.
  const t = 300;
  const x = L.plot_left + (t - L.x_min) / (L.x_max - L.x_min) * L.plot_width;
  const p = await canvasPoint(page, x, L.plot_top + L.plot_height / 2);
  await page.mouse.move(p.x, p.y);
  await page.waitForFunction(() => !document.querySelector('#hover').hidden);
  const lines = await page.locator('#hover > div').allTextContents();
  const tShown = Number(/^t = ([\d.]+)/.exec(lines[0])[1]);
  assert.ok(Math.abs(tShown - t) <= (L.x_max - L.x_min) / L.plot_width * 2, `${lines[0]} for t = ${t}`);
  const r = await report(page);
  for (const k of r.km) {
    const line = lines.find(l => l.startsWith(`${k.group} (n = ${k.n}):`));
    assert.ok(line, `no read-out for group ${k.group}: ${lines}`);
    // S(t): the last step at or before t; at risk: the first step at or after t.
    const step = k.steps.filter(s => s.time <= tShown).at(-1);
    const m = /: ([\d.]+)% \(([\d.]+)–([\d.]+)%\), (\d+) at risk/.exec(line);
    assert.ok(m, line);
    assert.equal(m[1], (100 * step.surv).toFixed(1), line);
    assert.equal(m[2], (100 * step.lower).toFixed(1), line);
    assert.equal(m[3], (100 * step.upper).toFixed(1), line);
    const atRisk = k.steps.find(s => s.time >= tShown)?.n_risk ?? 0;
    assert.equal(Number(m[4]), atRisk, line);
  }
  await page.mouse.move(1, 1);
  assert.equal(await page.locator('#hover').isHidden(), true);
});

test('axis range, ticks, 1 − S display and landmark times through their controls', async () => {
  const { page, errors } = await app.newPage();
  await lungBySex(page);
  await page.fill('#landmarks', '100, 400');
  await page.locator('#landmarks').dispatchEvent('change');
  await idle(page);
  assert.deepEqual((await spec(page)).times, [100, 400]);
  const heads = await page.locator('#summary thead th').allTextContents();
  assert.ok(heads.some(h => /^S\(100/.test(h)) && heads.some(h => /^S\(400/.test(h)), heads.join(' | '));
  await page.fill('#xp-xmax', '500');
  await page.locator('#xp-xmax').dispatchEvent('change');
  await idle(page);
  await page.fill('#xp-break', '100');
  await page.locator('#xp-break').dispatchEvent('change');
  await idle(page);
  let L = await layout(page);
  assert.equal(L.x_max, 500);
  assert.deepEqual(L.x_ticks.map(t => t.value), [0, 100, 200, 300, 400, 500]);
  await page.locator('#opt-cuminc').check();
  await idle(page);
  L = await layout(page);
  assert.equal(L.figure, 'cumulative');
  assert.equal(await page.locator('#fig-h').textContent(), 'Cumulative incidence (1 − Kaplan–Meier)');
  assert.ok((await page.locator('#summary thead th').allTextContents()).some(h => /^1 − S\(100/.test(h)));
  // A bad value is flagged, not used.
  await page.fill('#xp-xmax', '-3');
  await page.locator('#xp-xmax').dispatchEvent('change');
  await idle(page);
  assert.equal(await page.locator('#xp-xmax').getAttribute('aria-invalid'), 'true');
  assert.equal((await spec(page)).view.x_max, 500);
  await page.locator('#km').screenshot({ path: path.join(OUT, 'ui-cumulative.png') });
  assert.deepEqual(errors, []);
});

test('every export downloads a file whose content is checked (PNG, SVG, CSV, JSON, R, Python) and the methods paragraph is written', async () => {
  const { page, requests, errors } = await app.newPage();
  await lungBySex(page);
  await page.locator('#xp-covs tr[data-col="age"] input.cov-tick').check();
  await idle(page);
  const r = await report(page);
  const save = async sel => {
    const [d] = await Promise.all([page.waitForEvent('download'), page.click(sel)]);
    return { name: d.suggestedFilename(), bytes: fs.readFileSync(await d.path()) };
  };
  // PNG: a PNG the size of the canvas.
  const png = await save('#save-png');
  assert.equal(png.name, 'lung.km.png');
  assert.deepEqual([...png.bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const [cw, ch] = await page.evaluate(() => [document.querySelector('#km').width, document.querySelector('#km').height]);
  assert.deepEqual([png.bytes.readUInt32BE(16), png.bytes.readUInt32BE(20)], [cw, ch]);
  // SVG: the same drawing code, at twice the size, with the legend and the medians.
  const svg = await save('#save-svg');
  const text = svg.bytes.toString('utf8');
  assert.equal(svg.name, 'lung.km.svg');
  assert.match(text, /^<svg[^>]*width="\d+"/);
  assert.match(text, /1 \(n = 138\)/);
  assert.match(text, /270 \(212–310\)/);   // R: survfit(Surv(time, status) ~ sex, lung): median 270 (212, 310)
  // CSV of the tables.
  const csv = (await save('#xp-csv')).bytes.toString('utf8');
  assert.match(csv, /^# counts below,5,shown as <5/);
  assert.ok(csv.split('\n').some(l => l.startsWith('summary,1,138,112,270,212,310')), csv.slice(0, 400));
  assert.ok(csv.split('\n').some(l => /^cox,age,/.test(l)), 'Cox rows in the CSV');
  // JSON report: the page's report (no count below 5 here, so nothing suppressed).
  const json = JSON.parse((await save('#save-json')).bytes.toString('utf8'));
  assert.deepEqual(json.km.map(k => [k.group, k.n, k.events]), r.km.map(k => [k.group, k.n, k.events]));
  // Exports carry 12 significant digits (the browser and the command line write the same bytes).
  assert.ok(Math.abs(json.cox.terms[0].hr - r.cox.terms[0].hr) <= 1e-11 * r.cox.terms[0].hr, `${json.cox.terms[0].hr}`);
  // R and Python scripts that re-run it.
  const rs = await save('#save-r');
  assert.equal(rs.name, 'lung.R');
  const rText = rs.bytes.toString('utf8');
  assert.match(rText, /library\(survival\)/);
  assert.match(rText, /survfit\(/);
  assert.match(rText, /coxph\(/);
  assert.match(rText, /lung\.csv/);
  const py = await save('#save-py');
  assert.equal(py.name, 'lung.py');
  assert.match(py.bytes.toString('utf8'), /lifelines/);
  // Methods and results paragraph, in plain English, with the numbers shown.
  const methods = await page.locator('#methods').textContent();
  assert.match(methods, /Kaplan-Meier/);
  assert.match(methods, /270/);
  assert.equal(await page.locator('#methods-box').isVisible(), true);
  assertSameOrigin(requests, app.origin);
  assert.deepEqual(errors, []);
});

test('keyboard only: a covariate, a group and a filter through Tab, Space and Enter', async () => {
  const { page, errors } = await app.newPage();
  await lungBySex(page);
  // Tab from the control before the covariate table to the first covariate checkbox.
  const first = page.locator('#xp-covs tbody input.cov-tick').first();
  const col = await first.evaluate(i => i.closest('tr').dataset.col);
  await first.focus();
  await page.keyboard.press('Space');
  await idle(page);
  assert.deepEqual((await spec(page)).covariates, [col]);
  assert.equal(await page.locator('#model-box').isVisible(), true);
  // Tab on to the type select of that row: a real focus order, not a trap.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.classList.contains('cov-kind') || document.activeElement.classList.contains('cov-tick')), true);
  // The group checkbox with Space: the same as a click on the legend entry.
  await page.locator('#xp-groups input[data-group="2"]').focus();
  await page.keyboard.press('Space');
  await idle(page);
  assert.deepEqual((await spec(page)).view.hidden_groups, ['2']);
  assert.deepEqual((await layout(page)).legend.map(e => e.hidden), [false, true]);
  await page.keyboard.press('Space');
  await idle(page);
  assert.equal((await spec(page)).view.hidden_groups, undefined);
  // A filter typed and added with Enter.
  await page.locator('#xp-f-col').focus();
  await page.selectOption('#xp-f-col', 'age');
  await page.locator('#xp-f-val').focus();
  await page.keyboard.type('70');
  await page.keyboard.press('Enter');
  await idle(page);
  assert.deepEqual((await spec(page)).filters, [{ column: 'age', op: '>=', value: 70 }]);
  // The chip's remove button is a button: Enter removes the filter.
  await page.locator('#xp-chips button').focus();
  await page.keyboard.press('Enter');
  await idle(page);
  assert.equal((await spec(page)).filters, undefined);
  assert.deepEqual(errors, []);
});

test('no request leaves the origin, the engine worker\'s included; the badge counts a worker request after load', async () => {
  const { page, requests, errors } = await app.newPage();
  assert.equal(await page.evaluate(() => window.cohort.engineKind()), 'worker');
  await lungBySex(page);
  await page.locator('#xp-covs tr[data-col="age"] input.cov-tick').check();
  await idle(page);
  await clickLegend(page, '2');
  assertSameOrigin(requests, app.origin);
  // The badge counted the worker's own loads (its module imports) while loading, from the
  // worker's record.
  await page.waitForFunction(() => /by the engine/.test(document.querySelector('#net-badge').title));
  assert.equal((await page.locator('#net-badge').textContent()).trim(), '✓ No network requests since load');
  // A request from inside the worker after load: playwright sees it and so does the badge.
  const [worker] = page.workers();
  assert.ok(worker, 'the engine runs in a worker');
  await worker.evaluate(() => fetch('./index.html?from=worker').then(r => r.text()));
  await page.waitForFunction(() => /1 network request since load/.test(document.querySelector('#net-badge').textContent));
  assert.match(await page.locator('#net-badge').getAttribute('title'), /after load \(engine worker\): .*index\.html\?from=worker/);
  assert.ok(requests.some(r => r.url.endsWith('index.html?from=worker')), 'playwright records the worker\'s requests');
  assert.deepEqual(errors, []);
});

test('time unit: follow-up from two date columns, in days then months (steps, median and x axis follow)', async () => {
  const { page, errors } = await app.newPage();
  // Ten patients treated on 2020-01-01; events or last contact 30·k + 1 days later (k = 1..10),
  // every other one an event. Median (KM) in days is read from the report, then compared in months.
  const rows = ['id,start,end,dead'];
  for (let k = 1; k <= 10; k++) {
    const end = new Date(Date.UTC(2020, 0, 1) + (30 * k + 1) * 86400000).toISOString().slice(0, 10);
    rows.push(`${k},2020-01-01,${end},${k % 2}`);
  }
  const loaded = await page.evaluate(async text => {
    try { return { report: await window.cohort.loadFile('dates.csv', text) }; } catch (e) { return { error: e.message }; }
  }, rows.join('\n') + '\n');
  assert.ok(!loaded.error, loaded.error);
  await page.selectOption('#time-col', '(from dates)');
  await idle(page);
  await page.selectOption('#date-start', 'start');
  await idle(page);
  await page.selectOption('#date-end', 'end');
  await idle(page);
  await page.selectOption('#event-col', 'dead');
  await idle(page);
  await page.locator('#event-values select[data-value="1"]').selectOption('event');
  await page.locator('#event-values select[data-value="0"]').selectOption('censored');
  await idle(page);
  await page.selectOption('#date-unit', 'days');
  await idle(page);
  const days = await report(page);
  assert.deepEqual((await spec(page)).time, { start: 'start', end: 'end', unit: 'days' });
  assert.equal(days.time_unit, 'days');
  assert.equal(days.n, 10);
  assert.equal(days.km[0].steps[0].time, 31);
  // Events at 31, 91, 151, 211, 271 days, censored between: S = 0.9, 0.7875, 0.656, 0.492 → median 211.
  assert.equal(days.km[0].median, 211);
  assert.match(await page.evaluate(() => window.cohort.figureLayout().x_ticks.map(t => t.label).join(' ')), /\d/);
  await page.selectOption('#date-unit', 'months');
  await idle(page);
  const months = await report(page);
  assert.equal(months.time_unit, 'months');
  // A month is 365.25 / 12 days (the contract's unit, as R's time_length / 30.4375).
  days.km[0].steps.forEach((s, i) => assert.ok(Math.abs(months.km[0].steps[i].time - s.time / (365.25 / 12)) < 1e-9));
  assert.ok(Math.abs(months.km[0].median - days.km[0].median / (365.25 / 12)) < 1e-9);
  const L = await layout(page);
  assert.ok(L.x_max < 12 && L.x_max > 9, `x axis in months: ${L.x_max}`);
  assert.deepEqual(errors, []);
});
