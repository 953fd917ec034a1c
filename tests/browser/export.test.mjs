// Every export button with the disclosure threshold k set: the downloaded (or copied, or linked)
// bytes equal what the command line writes for the same file, spec and k
// (`cohort export DATA --spec SPEC --k K --as KIND`): one disclosure module in the core, no
// disclosure logic left in the page. Needs the CLI: COHORT_CLI, else target/release or
// target/debug `cohort`, whichever is newer.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { start, loadFile, setSpec, REFERENCE_DIR, OUT, idle } from './helpers.mjs';
import { cliPath } from '../js/cli.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// The newest build of the command line (a stale release build would lack `export`).
const CLI = cliPath();
const LUNG = path.join(REFERENCE_DIR, 'lung.csv');
const K = 7;
// ph.ecog = 3 is a group of one; Table 1 has small cells; the model has a level of one patient.
const SPEC = {
  time: 'time', event: { column: 'status', event: ['2'] }, group: 'ph.ecog', times: [180, 365],
  covariates: ['age', 'sex'], categorical: ['sex'], table1: ['sex', 'ph.karno', 'ph.ecog'],
};

let app;
before(async () => {
  assert.ok(CLI, 'build the command line first (cargo build --bin cohort) or set COHORT_CLI');
  app = await start();
  await app.context.grantPermissions(['clipboard-read', 'clipboard-write']);
});
after(async () => { await app?.close(); });

function cli(kind, spec, extra = []) {
  return execFileSync(CLI, ['export', LUNG, '--spec', JSON.stringify(spec), '--k', String(K), '--as', kind, ...extra], { maxBuffer: 64 << 20 });
}

async function downloaded(page, selector) {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
  return fs.readFileSync(await dl.path());
}

test(`each export button with k = ${K} gives the command line's bytes`, async () => {
  const { page, errors } = await app.newPage();
  assert.ok(!(await loadFile(page, LUNG)).error);
  const r = await setSpec(page, SPEC);
  assert.ok(!r.error, r.error);
  await page.fill('#xp-k', String(K));
  await page.dispatchEvent('#xp-k', 'change');
  await idle(page);
  // The spec the page analysed (with its view) is what the command line is given.
  const spec = await page.evaluate(() => window.cohort.spec());

  // The spec the page analysed when the button was pressed (the Cohort tab leaves the group
  // column out of Table 1's list): the command line is given the same.
  const same = async (got, kind, extra) => {
    const want = cli(kind, await page.evaluate(() => window.cohort.spec()), extra);
    if (Buffer.compare(Buffer.from(got), want) !== 0) {
      fs.mkdirSync(OUT, { recursive: true });
      fs.writeFileSync(path.join(OUT, `export-${kind}.page`), Buffer.from(got));
      fs.writeFileSync(path.join(OUT, `export-${kind}.cli`), want);
    }
    assert.ok(Buffer.compare(Buffer.from(got), want) === 0, `${kind}: the page's bytes differ from the command line's\npage: ${Buffer.from(got).toString('utf8').slice(0, 400)}\ncli:  ${want.toString('utf8').slice(0, 400)}`);
    return want.toString('utf8');
  };

  const json = await same(await downloaded(page, '#save-json'), 'report-json');
  assert.equal(JSON.parse(json).disclosure.k, K);
  const tables = await same(await downloaded(page, '#xp-csv'), 'tables-csv');
  assert.match(tables, new RegExp(`summary,3,<${K},<${K}`));
  // Issue 14: each table under its own header, and no Table 1 row of the grouping column.
  const blocks = tables.trimEnd().split('\n\n').map(b => b.split('\n'));
  assert.deepEqual(blocks.slice(1).map(b => b[0]), ['table,group,n,events,median,median_lower,median_upper',
    'table,group,time,n_risk,survival,lower,upper', 'table,term,univariable_hr,lower,upper,p,multivariable_hr,lower,upper,p',
    'table,variable,level,group,count,percent', 'table,variable,group,n,median,q1,q3']);
  for (const [b, kind] of blocks.slice(1).map((b, i) => [b, ['summary', 'survival_at', 'cox', 'table1', 'table1_numeric'][i]])) {
    for (const line of b.slice(1)) assert.equal(line.split(',')[0], kind, `a ${kind} block holds ${line}`);
  }
  assert.ok(!/^table1,ph\.ecog,/m.test(tables), 'no Table 1 row of the grouping column ph.ecog');
  assert.match(tables, /^table1,sex,/m);
  await same(await downloaded(page, '#save-r'), 'r-script');
  await same(await downloaded(page, '#save-py'), 'python-script');

  await page.evaluate(() => window.cohort.view('cohort'));
  await idle(page);
  const t1csv = await same(await downloaded(page, '#t1-csv'), 'table1-csv');
  assert.match(t1csv, new RegExp(`N = <${K}`));
  await same(await downloaded(page, '#t1-md'), 'table1-md');
  await page.evaluate(() => window.cohort.view('survival'));
  await idle(page);

  await page.click('#copy-methods');
  await page.waitForFunction(() => /Methods paragraph copied/.test(document.querySelector('#action-status')?.textContent || ''));
  const methods = await page.evaluate(() => navigator.clipboard.readText());
  assert.match(await same(Buffer.from(methods, 'utf8'), 'methods'), new RegExp(`In group 3 \\(n < ${K}\\)`));

  await page.click('#share-results');
  await page.waitForFunction(() => document.querySelector('#share-out')?.value.includes('#results='));
  const link = await page.inputValue('#share-out');
  await same(Buffer.from(link.slice(link.indexOf('#results=')), 'utf8'), 'results-link');

  // The SVG: the page's figure options (its view's keys, the landmarks, 2× scale) and size.
  const svg = await downloaded(page, '#save-svg');
  const { options, width, height } = await page.evaluate(k => {
    const keys = ['conf_bands', 'censor_marks', 'risk_table', 'show_median', 'cumulative', 'percent', 'x_max', 'y_max',
      'time_label', 'y_label', 'title', 'p_digits', 'italic_p', 'hidden_groups', 'break_by', 'font_size'];
    const view = window.cohort.spec().view || {};
    const o = {};
    for (const key of keys) if (view[key] !== undefined && view[key] !== null) o[key] = view[key];
    o.landmarks = window.cohort.spec().times || [];
    o.font_scale = 2;
    o.min_cell = k;
    const c = document.querySelector('#km');
    return { options: o, width: Math.round(c.clientWidth * 2), height: Math.round(c.clientHeight * 2) };
  }, K);
  const fig = await same(svg, 'figure-svg', ['--options', JSON.stringify(options), '--size', `${width}x${height}`]);
  assert.match(fig, new RegExp(`3 \\(n &lt; ${K}\\)`));

  // The cohort flow diagram's SVG (`flow-svg`): the page's canvas size at 2×.
  await page.waitForSelector('#flow-box:not([hidden])');
  const flowSize = await page.evaluate(() => {
    const c = document.querySelector('#flow');
    return `${Math.round(c.clientWidth * 2)}x${Math.round(c.clientHeight * 2)}`;
  });
  const flow = await same(await downloaded(page, '#save-flow-svg'), 'flow-svg', ['--options', JSON.stringify({ font_scale: 2 }), '--size', flowSize]);
  assert.match(flow, /^<svg/);
  assert.equal(errors.length, 0, errors.join('\n'));
});

for (const engine of ['worker', 'main']) {
  test(`after an engine restart (${engine}) the report is back: the exports still give the command line's bytes`, async () => {
    const { page } = await app.newPage(app.url + (engine === 'main' ? '?engine=main' : ''));
    assert.ok(!(await loadFile(page, LUNG)).error);
    assert.ok(!(await setSpec(page, SPEC)).error);
    await page.fill('#xp-k', String(K));
    await page.dispatchEvent('#xp-k', 'change');
    await idle(page);
    const spec = await page.evaluate(() => window.cohort.spec());
    const msg = await page.evaluate(() => window.cohort.selfTestPanic().then(() => null, e => e.message));
    assert.match(msg || '', /self-test panic/);
    // No re-run by the page: the restarted engine ran the last analysis again itself.
    const tables = await downloaded(page, '#xp-csv');
    assert.ok(Buffer.compare(tables, cli('tables-csv', spec)) === 0, tables.toString('utf8').slice(0, 300));
  });
}

test(`the PNG figure (the browser's raster) is the command line's protected figure, not the unprotected one (k = ${K})`, async t => {
  const { page, errors } = await app.newPage();
  assert.ok(!(await loadFile(page, LUNG)).error);
  assert.ok(!(await setSpec(page, SPEC)).error);
  await page.fill('#xp-k', String(K));
  await page.dispatchEvent('#xp-k', 'change');
  await idle(page);
  const png = await downloaded(page, '#save-png');
  assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47], 'a PNG');
  const spec = await page.evaluate(() => window.cohort.spec());
  // The options the page draws its PNG with (its view's keys, the landmarks, its canvas scale).
  const { options, width, height } = await page.evaluate(() => {
    const keys = ['conf_bands', 'censor_marks', 'risk_table', 'show_median', 'cumulative', 'percent', 'x_max', 'y_max',
      'time_label', 'y_label', 'title', 'p_digits', 'italic_p', 'hidden_groups', 'break_by', 'font_size'];
    const view = window.cohort.spec().view || {};
    const o = {};
    for (const key of keys) if (view[key] !== undefined && view[key] !== null) o[key] = view[key];
    o.landmarks = window.cohort.spec().times || [];
    const c = document.querySelector('#km');
    o.font_scale = c.width / (c.clientWidth || c.width);
    return { options: o, width: c.width, height: c.height };
  });
  const svgAt = k => execFileSync(CLI, ['export', LUNG, '--spec', JSON.stringify(spec), '--k', String(k), '--as', 'figure-svg',
    '--options', JSON.stringify(options), '--size', `${width}x${height}`]).toString('utf8');
  // Rasterise both SVGs in the page and count the pixels that differ from the PNG.
  const diff = await page.evaluate(async ([pngB64, svgs, w, h]) => {
    const load = src => new Promise((res, rej) => { const i = new Image(); i.onload = () => res(i); i.onerror = rej; i.src = src; });
    const pixels = async src => {
      const c = new OffscreenCanvas(w, h);
      const g = c.getContext('2d');
      g.fillStyle = '#fff';
      g.fillRect(0, 0, w, h);
      g.drawImage(await load(src), 0, 0, w, h);
      return g.getImageData(0, 0, w, h).data;
    };
    const a = await pixels('data:image/png;base64,' + pngB64);
    const out = [];
    for (const svg of svgs) {
      const b = await pixels('data:image/svg+xml;base64,' + btoa(unescape(encodeURIComponent(svg))));
      let n = 0;
      for (let i = 0; i < a.length; i += 4) if (Math.abs(a[i] - b[i]) + Math.abs(a[i + 1] - b[i + 1]) + Math.abs(a[i + 2] - b[i + 2]) > 96) n++;
      out.push(n / (w * h));
    }
    return out;
  }, [png.toString('base64'), [svgAt(K), svgAt(1)], width, height]);
  const [protectedDiff, rawDiff] = diff;
  t.diagnostic(`pixels differing from the PNG: protected SVG ${(protectedDiff * 100).toFixed(3)}%, unprotected ${(rawDiff * 100).toFixed(3)}%`);
  // Text is drawn by two renderers (canvas and SVG): anti-aliased edges differ (about 1% of the
  // pixels on lung by ECOG); the unprotected figure (every step, the group of one) about 10%.
  assert.ok(protectedDiff < 0.03, `the PNG differs from the protected SVG in ${(protectedDiff * 100).toFixed(2)}% of its pixels`);
  assert.ok(rawDiff > 3 * protectedDiff, `the PNG is as close to the unprotected figure (${(rawDiff * 100).toFixed(2)}%) as to the protected one (${(protectedDiff * 100).toFixed(2)}%)`);
  assert.equal(errors.length, 0, errors.join('\n'));
});

test('with an identifier-like column as the group, the PH-residual and flow "Save SVG" buttons refuse with the message the other export buttons give', async () => {
  const { page, errors } = await app.newPage();
  // veteran with a record number `mrn` of 11 values (a header the core flags; not a short code).
  const lines = fs.readFileSync(path.join(REFERENCE_DIR, 'veteran.csv'), 'utf8').trim().split('\n');
  const csv = [lines[0] + ',"mrn"', ...lines.slice(1).map((l, i) => `${l},${4410021 + (i % 11)}`)].join('\n') + '\n';
  const file = path.join(OUT, 'veteran_mrn.csv');
  fs.mkdirSync(OUT, { recursive: true });
  fs.writeFileSync(file, csv);
  const loaded = await loadFile(page, file);
  assert.ok(!loaded.error, loaded.error);
  const schema = await page.evaluate(() => window.cohort.schema?.() ?? null);
  if (schema) assert.equal(schema.columns.find(c => c.name === 'mrn').kind, 'identifier');
  const r = await setSpec(page, { time: 'time', event: { column: 'status', event: ['1'] }, group: 'mrn', covariates: ['karno', 'age'] });
  assert.ok(!r.error, r.error);
  await idle(page);
  const refusal = async selector => {
    let downloaded = false;
    page.once('download', () => { downloaded = true; });
    await page.evaluate(() => { document.querySelector('#error').hidden = true; });
    await page.click(selector);
    await page.waitForSelector('#error:not([hidden])');
    await idle(page);
    assert.equal(downloaded, false, `${selector}: a file was saved`);
    return page.locator('#error .msg').textContent();
  };
  // The report JSON's refusal: the message every export button gives.
  const want = await refusal('#save-json');
  assert.match(want, /the analysis uses 'mrn' .* as the group, so its values would appear in the export/);
  assert.equal(await refusal('#save-flow-svg'), want, 'flow diagram "Save SVG"');
  await page.waitForSelector('#xp-ph:not([hidden]) .ph-plot-btn[data-term="karno"]');
  await page.click('.ph-plot-btn[data-term="karno"]');
  await page.waitForSelector('.ph-plot-svg[data-term="karno"]');
  assert.equal(await refusal('.ph-plot-svg[data-term="karno"]'), want, 'PH residual plot "Save SVG"');
  assert.deepEqual(errors, []);
});
