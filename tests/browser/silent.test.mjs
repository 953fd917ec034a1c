// Issue 14, "never wrong, never silent": each numbered item reproduced through the page's own
// controls (a file chosen with the file input, tabs and checkboxes clicked), as a clinician with an
// imperfect spreadsheet would meet it. Each test fails on the page before the fix.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { start, REFERENCE_DIR, ROOT, OUT, currentSpec, currentReport } from './helpers.mjs';

const LUNG = path.join(REFERENCE_DIR, 'lung.csv');
const MESSY = path.join(ROOT, 'tests', 'messy');

let app;
before(async () => { app = await start(); fs.mkdirSync(OUT, { recursive: true }); });
after(async () => { await app?.close(); });

/** Wait until the page's queue is empty, including runs queued by a run (Table 1's defaults). */
async function settle(page) {
  await page.evaluate(async () => { for (let i = 0; i < 6; i++) await window.cohort.idle(); });
}

/** Choose a file with the page's file input, as a user does. */
async function choose(page, file) {
  await page.setInputFiles('#file', file);
  // The load starts on the input's change event; wait for it to be queued and done.
  await page.waitForFunction(name => !document.querySelector('#file-info').textContent.startsWith(`Loading ${name}`), path.basename(file));
  await settle(page);
}

const selectedTab = page => page.evaluate(() => document.querySelector('.sub-tabs [aria-selected=true]')?.id);
const errorText = async page => ((await page.locator('#error').isVisible()) ? page.locator('#error').textContent() : '');

test('1: a negative time keeps the time column, excludes the row and names its line', async () => {
  const { page } = await app.newPage();
  await choose(page, path.join(MESSY, 'negative_time.csv'));
  const spec = await currentSpec(page);
  assert.equal(spec.time, 'time', 'the analysis stays on the time column');
  assert.equal(await page.locator('#time-col').inputValue(), 'time');
  assert.match(await page.locator('#time-col option[value="time"]').textContent(), /negative/);
  assert.ok(spec.times.every(t => t >= 100), `landmarks in the time column's days, not inst's range: ${spec.times}`);
  const r = await currentReport(page);
  assert.equal(r.n, 29);
  assert.match(await page.locator('#warnings').textContent(), /1 row excluded: negative time in 'time' \(line 6\)/);
  assert.ok(await page.locator('#warnings').isVisible());
  assert.match(await page.locator('#check-note').textContent(), /time' has negative values/);
});

test('1: a time column of text is not replaced by another column: the page asks', async () => {
  const { page } = await app.newPage();
  const rows = fs.readFileSync(LUNG, 'utf8').split('\n').slice(0, 21);
  const text = rows.map((l, i) => (i === 0 ? l : l.split(',').map((c, j) => (j === 1 ? `${c} days` : c)).join(','))).join('\n');
  const file = path.join(OUT, 'time_with_units.csv');
  fs.writeFileSync(file, text);
  await choose(page, file);
  assert.equal(await currentSpec(page), null, 'no analysis on another column');
  assert.match(await errorText(page), /the column 'time' looks like the follow-up time but was read as text/);
  assert.equal(await page.locator('#time-col').inputValue(), '');
});

for (const [label, file, message] of [
  ['random bytes', 'random_bytes.csv', /not a text table/],
  ['an empty file', 'empty.csv', /the file is empty/],
  ['a header-only CSV', 'header_only.csv', /has a header \(line 1\) but no data rows/],
]) {
  test(`2: ${label} chosen on the Survival tab shows its error there, and it stays; nothing of the demo stays`, async () => {
    const { page } = await app.newPage();
    assert.equal(await selectedTab(page), 'tab-survival');
    await choose(page, path.join(MESSY, file));
    assert.equal(await selectedTab(page), 'tab-survival', 'a failed load does not flip the tab');
    assert.match(await errorText(page), message);
    // Queued refits of the old data (Table 1) neither clear the error nor bring back old views.
    await page.waitForTimeout(300);
    await settle(page);
    assert.match(await errorText(page), message, 'the error stays until the user acts');
    assert.equal(await currentReport(page), null);
    assert.equal(await page.locator('#summary tbody tr').count(), 0, 'the previous summary is gone');
    assert.match(await page.locator('#file-info').textContent(), new RegExp(`${file}: not loaded`));
    // The Cohort tab: the error is still shown, and no Table 1 of the previous (demo) file.
    await page.click('#tab-cohort');
    await settle(page);
    assert.match(await errorText(page), message, 'shown on the Cohort tab too');
    assert.equal(await page.locator('#t1 tr[data-var]').count(), 0);
    assert.doesNotMatch(await page.locator('#cohort-view').textContent(), /SYNTHETIC/);
  });
}

test('2: a bad file chosen while on the Cohort tab shows its error (the Table 1 refit does not clear it)', async () => {
  const { page } = await app.newPage();
  await page.click('#tab-cohort');
  await settle(page);
  assert.ok(await page.locator('#t1 tr[data-var]').count() > 0, 'the demo Table 1 is shown first');
  await choose(page, path.join(MESSY, 'random_bytes.csv'));
  await settle(page);
  assert.match(await errorText(page), /not a text table/);
  assert.equal(await page.locator('#t1 tr[data-var]').count(), 0);
  // The user acts (loads a good file): the error goes, the figure is shown.
  await choose(page, LUNG);
  assert.equal(await errorText(page), '');
  assert.equal(await selectedTab(page), 'tab-survival', 'a loaded file shows its survival figure');
  assert.ok(await page.locator('#check-note').isVisible(), 'with a note pointing to the Cohort tab');
  await page.locator('#check-note button').click();
  await settle(page);
  assert.equal(await selectedTab(page), 'tab-cohort');
  await page.waitForFunction(() => document.querySelectorAll('#t1 tr[data-var]').length > 0);
  assert.doesNotMatch(await page.locator('#cohort-view').textContent(), /SYNTHETIC/);
});

test('3: a file with no usable time column says why; the controls and the Cohort tab show nothing of the old file', async () => {
  const { page } = await app.newPage();
  const file = path.join(OUT, 'no_time.csv');
  fs.writeFileSync(file, 'patient,arm,outcome\nA,x,dead\nB,y,alive\nC,x,alive\nD,y,dead\n');
  await choose(page, file);
  const err = await errorText(page);
  assert.match(err, /no column of this file holds numbers that could be follow-up times/);
  assert.match(err, /patient \(/);
  assert.equal(await page.locator('#time-col option').count(), 1);
  assert.equal(await page.locator('#time-col option').textContent(), '(no numeric column)');
  await page.click('#tab-cohort');
  await settle(page);
  assert.equal(await page.locator('#t1 tr[data-var]').count(), 0, "no Table 1 of the previous file");
  assert.doesNotMatch(await page.locator('#cohort-view').textContent(), /SYNTHETIC/);
  assert.match(await page.locator('#t1').textContent(), /No analysis yet/);
  assert.equal(await page.locator('#cards article').count(), 0);
  assert.match(await errorText(page), /no column of this file holds numbers/, 'the error is still there');
  await page.screenshot({ path: path.join(OUT, 'silent-no-time.png'), fullPage: false });
});
