// The "messy spreadsheet" corpus (tests/messy/, the same cases tests/messy.rs runs through the
// command line) chosen one after the other with the page's file input, each after a good file:
// the page shows the case's message (error panel or warnings), analyses the expected rows, and
// no view of the previous file remains (summary, figure, Table 1, file name).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { start, REFERENCE_DIR, ROOT } from './helpers.mjs';

const MESSY = path.join(ROOT, 'tests', 'messy');
const CASES = JSON.parse(fs.readFileSync(path.join(MESSY, 'expected.json'), 'utf8'));
const LUNG = path.join(REFERENCE_DIR, 'lung.csv');

let app;
before(async () => { app = await start(); });
after(async () => { await app?.close(); });

const settle = page => page.evaluate(async () => { for (let i = 0; i < 6; i++) await window.cohort.idle(); });

async function choose(page, file) {
  await page.setInputFiles('#file', file);
  await page.waitForFunction(name => !document.querySelector('#file-info').textContent.startsWith(`Loading ${name}`), path.basename(file));
  await settle(page);
}

test('every messy file through the page: its message, its rows, and nothing stale', async () => {
  const { page } = await app.newPage();
  assert.ok(CASES.length >= 13);
  for (const c of CASES) {
    if (c.row_number) continue;   // its own test below (its outcome column has no usual name)
    // A good file first, with the Cohort tab's Table 1 computed: the views the bad file must clear.
    await choose(page, LUNG);
    await page.click('#tab-cohort');
    await page.waitForFunction(() => document.querySelectorAll('#t1 tr[data-var]').length > 0);
    await page.click('#tab-survival');
    await page.evaluate(s => window.cohort.setSpec(s).catch(() => {}), null).catch(() => {});
    await choose(page, path.join(MESSY, c.file));
    const err = (await page.locator('#error').isVisible()) ? await page.locator('#error').textContent() : '';
    const report = await page.evaluate(() => window.cohort.report());
    if (c.page_error) {
      // The page asks instead of guessing (the command line has the case's spec).
      assert.ok(err.includes(c.page_error), `${c.file}: error panel "${err}" lacks "${c.page_error}"`);
      assert.equal(report, null, `${c.file}: no analysis of another column`);
    } else if (c.error) {
      assert.ok(err.includes(c.error), `${c.file}: error panel "${err}" lacks "${c.error}"`);
      assert.equal(report, null, `${c.file}: no report`);
      assert.equal(await page.locator('#summary tbody tr').count(), 0, `${c.file}: no old summary`);
      assert.match(await page.locator('#file-info').textContent(), new RegExp(`${c.file.replace('.', '\\.')}: not loaded`));
    } else {
      assert.equal(err, '', `${c.file}: unexpected error ${err}`);
      assert.equal(report.file, c.file, `${c.file}: the report is the new file's`);
      await page.selectOption('#time-col', 'time').catch(() => {});
      await settle(page);
      const r = await page.evaluate(() => window.cohort.report());
      assert.equal(r.n, c.n, `${c.file}: rows analysed`);
      if (c.warning) assert.ok((await page.locator('#warnings').textContent()).includes(c.warning), `${c.file}: warning "${c.warning}"`);
      if (c.note) assert.ok((await page.locator('#notes').textContent()).includes(c.note), `${c.file}: note "${c.note}"`);
      // The flow diagram adds up: nothing disappears unnamed.
      const f = r.flow;
      assert.equal(f.rows_read, f.analysed + f.filtered_out + f.excluded.reduce((a, e) => a + e.count, 0), `${c.file}: flow`);
    }
    // Whatever happened, the Cohort tab holds nothing of lung.csv.
    await page.click('#tab-cohort');
    await settle(page);
    const t1 = await page.locator('#t1 tbody').textContent();
    if (c.error || c.page_error) assert.match(t1, /No analysis yet/, `${c.file}: Table 1 of the previous file`);
    await page.click('#tab-survival');
  }
});

test('a pandas export (lifelines\' ACTG175.csv shape): loads, its index column is named X, flagged as row numbers, said so, and not offered as a covariate', async () => {
  const { page, errors } = await app.newPage();
  for (const c of CASES.filter(x => x.row_number)) {
    await choose(page, path.join(MESSY, c.file));
    assert.match(await page.locator('#notes').textContent(), /it is read as 'X'/);
    assert.ok((await page.locator('#notes').textContent()).includes(c.note2), `${c.file}: note "${c.note2}"`);
    if (c.note3) assert.ok((await page.locator('#notes').textContent()).includes(c.note3), `${c.file}: note "${c.note3}"`);
    await page.evaluate(s => window.cohort.setSpec(s), c.spec);
    await settle(page);
    const r = await page.evaluate(() => window.cohort.report());
    assert.equal(r.n, c.n);
    await page.waitForSelector('#xp-covs tr[data-col="age"]');
    assert.equal(await page.locator(`#xp-covs tr[data-col="${c.row_number}"]`).count(), 0, 'the row numbers are no covariate');
    assert.equal(await page.locator('#xp-covs tr[data-col="karnof"]').count(), 1);
  }
  assert.deepEqual(errors, []);
});
