// Issue 20: the export panel's "Figure for print (PNG, 300 dpi)" is made by the on-demand
// manuscript module from the loaded file and the analysis shown, through the disclosure module
// with the panel's k: its bytes equal `cohort export DATA --spec SPEC --k K --as figure-png
// --options OPTIONS` (OPTIONS with the preset and the dpi, as the button leaves them in
// data-options). The module is fetched on the first click only. Needs the CLI: COHORT_CLI, else
// target/release or target/debug `cohort`, whichever is newer.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { start, loadFile, setSpec, REFERENCE_DIR, OUT, idle } from './helpers.mjs';
import { cliPath } from '../js/cli.mjs';
import { exportBlocked } from '../../www/figure-export.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = cliPath();
const LUNG = path.join(REFERENCE_DIR, 'lung.csv');
const K = 7;
// ph.ecog = 3 is a group of one: the figure's "n" and risk-table cells below k are written "<7".
const SPEC = { time: 'time', event: { column: 'status', event: ['2'] }, group: 'ph.ecog', times: [180, 365] };

let app;
before(async () => {
  assert.ok(CLI, 'build the command line first (cargo build --bin cohort) or set COHORT_CLI');
  app = await start();
});
after(async () => { await app?.close(); });

test(`"Figure for print" is the command line's figure-png (300 dpi, k = ${K}); the manuscript module loads on the click`, async () => {
  const { page, requests, errors } = await app.newPage();
  const manuscriptModule = () => requests.filter(r => /cohort_manuscript/.test(r.url)).map(r => r.url);
  assert.ok(!(await loadFile(page, LUNG)).error);
  assert.ok(!(await setSpec(page, SPEC)).error);
  await page.fill('#xp-k', String(K));
  await page.dispatchEvent('#xp-k', 'change');
  await idle(page);
  assert.deepEqual(manuscriptModule(), [], 'the manuscript module was fetched before the button was pressed');

  const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 180000 }), page.click('#save-png-print')]);
  assert.equal(dl.suggestedFilename(), 'lung.km.300dpi.png');
  const got = fs.readFileSync(await dl.path());
  const options = JSON.parse(await page.getAttribute('#save-png-print', 'data-options'));
  const spec = await page.getAttribute('#save-png-print', 'data-spec');
  assert.equal(options.dpi, 300);
  assert.equal(options.preset, 'double');
  const want = execFileSync(CLI, ['export', LUNG, '--spec', spec, '--k', String(K), '--as', 'figure-png',
    '--options', JSON.stringify(options)], { maxBuffer: 256 << 20 });
  if (Buffer.compare(got, want) !== 0) {
    fs.mkdirSync(OUT, { recursive: true });
    fs.writeFileSync(path.join(OUT, 'payload-figure.page.png'), got);
    fs.writeFileSync(path.join(OUT, 'payload-figure.cli.png'), want);
  }
  assert.ok(Buffer.compare(got, want) === 0, `the page's ${got.length} bytes differ from the command line's ${want.length} (both in ${OUT})`);
  // 180 mm at 300 dpi: 2126 px wide; pHYs says 300 dpi (11811 px per metre).
  assert.equal(got.readUInt32BE(16), 2126);
  const phys = got.indexOf('pHYs');
  assert.ok(phys > 0 && got.readUInt32BE(phys + 4) === 11811, 'a pHYs chunk of 300 dpi');
  assert.ok(manuscriptModule().some(u => u.endsWith('cohort_manuscript_bg.wasm')), 'the manuscript module was fetched for the figure');
  assert.deepEqual(errors, []);
});

test('"Figure for print" says why it cannot be made, and what to do instead', () => {
  const file = { name: 'lung.csv', bytes: new Uint8Array([1]) };
  // The engine's 'page' view holds the page's analysis (its handle and spec), or nothing yet.
  const ran = new Map([['page', { handle: 1, spec: {} }]]);
  assert.equal(exportBlocked({ file, views: ran }, 'survival'), null);
  assert.match(exportBlocked({ file: null, views: ran }, 'survival'), /open the data file \(a results link carries no data\)/);
  assert.match(exportBlocked({ file: { name: 'cohort.xlsx' }, views: ran }, 'survival'), /CSV or TSV files only \(not cohort\.xlsx\): save the sheet as CSV/);
  assert.match(exportBlocked({ file, views: ran }, 'adjusted'), /is the survival figure/);
  assert.match(exportBlocked({ file, views: new Map() }, 'survival'), /run an analysis first/);
});
