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
    // No control shows the demo's columns (its date pickers included); its Paper view is closed.
    assert.equal(await page.locator('#dates-box').isVisible(), false);
    const stale = await page.locator('.side select').evaluateAll(ss => ss.filter(s => s.offsetParent !== null)
      .flatMap(s => [...s.options].filter(o => /srs_date|radiographic/.test(o.value)).map(o => `${s.id}: ${o.value}`)));
    assert.deepEqual(stale, [], 'no visible control offers the previous file\'s columns');
    assert.equal(await page.locator('#paper-tab').isDisabled(), true);
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

/** Click a button that downloads; returns {name, text} of the file saved. */
async function save(page, selector) {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
  const file = await dl.path();
  return { name: dl.suggestedFilename(), text: fs.readFileSync(file, 'utf8') };
}

test('4: the saved report and the R script carry the figure options shown (CI bands off)', async () => {
  const { page } = await app.newPage();
  await choose(page, LUNG);
  await page.selectOption('#group-col', 'sex');
  await settle(page);
  await page.click('#opt-ci');   // bands off: a redraw, no refit
  await settle(page);
  assert.equal((await currentSpec(page)).view.conf_bands, false);
  const json = await save(page, '#save-json');
  assert.equal(JSON.parse(json.text).spec.view.conf_bands, false, 'report.json spec.view');
  const r = await save(page, '#save-r');
  assert.match(r.text.split('\n').find(l => l.startsWith('# Spec:')), /"conf_bands":false/);
});

test('5: a share link shows its figure options before a file is loaded, and the loaded file lands on the figure', async () => {
  const spec = { time: 'time', event: { column: 'status', event: ['2'] }, group: 'sex', view: { conf_bands: false, risk_table: false } };
  const { page } = await app.newPage(`${app.url}#spec=${encodeURIComponent(JSON.stringify(spec))}`);
  assert.ok(await page.locator('#pending').isVisible());
  assert.equal(await page.locator('#opt-ci').isChecked(), false, 'CI box follows the link');
  assert.equal(await page.locator('#opt-risk').isChecked(), false);
  await choose(page, LUNG);
  assert.equal(await selectedTab(page), 'tab-survival');
  assert.ok(await page.locator('#km').isVisible(), 'the figure is shown');
  assert.equal((await currentSpec(page)).view.conf_bands, false);
  assert.equal(await page.locator('#opt-ci').isChecked(), false);
});

test('6: the demo smoothed hazard is not undersmoothed: bandwidth at least muhaz\'s pilot R / (8 d^0.2)', async () => {
  const { page } = await app.newPage();
  await page.click('#hazard-tab');
  await page.waitForFunction(() => /bandwidth/.test(document.querySelector('#hz-bw-used')?.textContent ?? ''));
  await settle(page);
  const used = await page.locator('#hz-bw-used').textContent();
  // The page's analysis, run again with the hazard: its report carries each group's bandwidth.
  const r = await page.evaluate(async () => {
    const s = window.cohort.spec();
    const rep = await window.cohort.setSpec({ ...s, hazard: {} });
    await window.cohort.setSpec(s);
    return rep;
  });
  assert.ok(r.hazard.length >= 1);
  for (const h of r.hazard) {
    // The grid runs from 0 to the group's last time: R; d its events.
    const end = Math.max(...h.points.map(p => p.time));
    const pilot = end / (8 * Math.pow(h.events, 0.2));
    assert.ok(h.bandwidth >= pilot - 1e-9, `${h.group}: bandwidth ${h.bandwidth} below the pilot ${pilot} (${used})`);
    assert.ok(h.bandwidth > 1.02);
  }
  assert.match(used, /cross-validation|pilot floor/);
});

test('6: Table 1 shows 1/2-coded sex and a 0–3 ECOG as categories, with the type visible and changeable', async () => {
  const { page } = await app.newPage();
  await choose(page, LUNG);
  await page.click('#tab-cohort');
  await page.waitForFunction(() => document.querySelectorAll('#t1 tr[data-var]').length > 0);
  await settle(page);
  assert.equal(await page.locator('#t1 tr[data-var="sex"][data-stat="header"]').count(), 1, 'sex as n (%)');
  assert.equal(await page.locator('#t1 tr[data-var="sex"][data-stat="mean"]').count(), 0, 'no mean of a code');
  assert.equal(await page.locator('#t1 tr[data-var="inst"][data-stat="mean"]').count(), 0, 'no mean of institution numbers');
  assert.equal(await page.locator('#t1 tr[data-var="age"][data-stat="mean"]').count(), 1, 'age stays numeric');
  assert.match(await page.locator('#t1-notes').textContent(), /inst: 18 site codes: shown as categories/);
  assert.match(await page.locator('#t1-notes').textContent(), /sex: 2 integer codes: shown as categories/);
  assert.equal(await page.locator('select[data-type-of="sex"]').inputValue(), 'categorical', 'the choice is visible');
  await page.selectOption('select[data-type-of="sex"]', 'numeric');
  await settle(page);
  assert.deepEqual((await currentSpec(page)).numeric, ['sex']);
  assert.equal(await page.locator('#t1 tr[data-var="sex"][data-stat="mean"]').count(), 1);
});

test('6: changing the shown unit keeps the user\'s landmarks (the same times, converted)', async () => {
  const { page } = await app.newPage();
  await choose(page, LUNG);
  await page.fill('#landmarks', '180, 365');
  await page.locator('#landmarks').dispatchEvent('change');
  await settle(page);
  assert.deepEqual((await currentSpec(page)).times, [180, 365]);
  await page.selectOption('#time-unit', 'days');
  await settle(page);
  await page.selectOption('#time-display', 'months');
  await settle(page);
  const times = (await currentSpec(page)).times;
  assert.deepEqual(times.map(t => Number(t.toFixed(4))), [Number((180 / (365.25 / 12)).toFixed(4)), Number((365 / (365.25 / 12)).toFixed(4))]);
  assert.equal(await page.locator('#landmarks').inputValue(), '5.91, 12');
  assert.match(await page.locator('#landmarks-note').textContent(), /Your landmarks 180, 365 \(days\) are the same times in months/);
});

test('7: saves say what happened: nothing to save, or the file saved; words and numbers read right', async () => {
  const { page } = await app.newPage();
  const file = path.join(OUT, 'no_time.csv');
  fs.writeFileSync(file, 'patient,arm,outcome\nA,x,dead\nB,y,alive\nC,x,alive\nD,y,dead\n');
  await choose(page, file);
  await page.click('#save-json');
  assert.match(await page.locator('#action-status').textContent(), /Nothing to save yet/);
  await page.click('#save-png');
  assert.match(await page.locator('#action-status').textContent(), /Nothing to save yet/);
  // One row: analysed (its single outcome value is the outcome), and "1 row", never "1 rows".
  await choose(page, path.join(MESSY, 'one_row.csv'));
  assert.match(await page.locator('#file-info').textContent(), /1 row, 10 columns/);
  assert.equal(await errorText(page), '');
  assert.match(await page.locator('#test-line').textContent(), /^1 row analysed, 1 event/);
  // A download confirms itself.
  await choose(page, LUNG);
  const saved = await save(page, '#save-json');
  assert.equal(saved.name, 'lung.report.json');
  assert.match(await page.locator('#action-status').textContent(), /Saved lung\.report\.json \(\d+(\.\d)? KB\)/);
  // Median follow-up names its unit (or the column's); the median's CI has the median's decimals.
  assert.match(await page.locator('#summary thead').textContent(), /Median follow-up \(units of time\)/);
  // Values treated as censored point to the control, not to spec jargon alone.
  const multi = path.join(OUT, 'three_outcomes.csv');
  fs.writeFileSync(multi, 'time,status\n' + Array.from({ length: 12 }, (_, i) => `${i + 1},${['dead', 'alive', 'lost'][i % 3]}`).join('\n') + '\n');
  await choose(page, multi);
  assert.match(await page.locator('#warnings').textContent(), /mark it as an event \(or competing event\) under “What each outcome value means”/);
  // The demo's summary: one precision per median cell; the unselected Paper tab does not look selected.
  const demo = await app.newPage();
  for (const cell of await demo.page.locator('#summary tbody tr td:nth-child(4)').allTextContents()) {
    const m = cell.match(/^([\d.]+) \(([\d.]+|NE)–([\d.]+|NR)\)$/);
    if (!m) continue;
    const d = s => (s.split('.')[1] || '').length;
    for (const b of [m[2], m[3]]) if (/\d/.test(b)) assert.equal(d(b), d(m[1]), `mixed precision in ${cell}`);
  }
  const bg = sel => demo.page.locator(sel).evaluate(e => getComputedStyle(e).backgroundColor);
  assert.equal(await demo.page.locator('#paper-tab').getAttribute('aria-selected'), 'false');
  assert.notEqual(await bg('#paper-tab'), 'rgb(11, 92, 173)', 'the unselected Paper tab is not filled with the accent colour');
});

test('8: a pandas / R export with an empty first header cell loads, its column named X, and the page says so', async () => {
  const { page } = await app.newPage();
  for (const [file, rows] of [['pandas_index.csv', 'row numbers 0 to 29'], ['r_rownames.csv', 'row numbers 1 to 30']]) {
    await choose(page, path.join(MESSY, file));
    assert.equal(await errorText(page), '', `${file} loads`);
    const schema = await page.evaluate(() => window.cohort.schema());
    assert.equal(schema.columns[0].name, 'X');
    const notes = await page.locator('#notes').textContent();
    assert.match(notes, /column 1 has no name in the header row .* read as 'X'/);
    assert.match(notes, new RegExp(rows));
    assert.equal((await currentReport(page)).n, 30);
    assert.equal((await currentSpec(page)).time, 'time');
  }
});

test('9: messages name the spec key and give exclusions with their total and breakdown', async () => {
  const bad = { time: 'time', event: { column: 'status', event: ['2'] }, ties: 'exactish' };
  const { page } = await app.newPage(`${app.url}#spec=${encodeURIComponent(JSON.stringify(bad))}`);
  await choose(page, LUNG);
  assert.match(await errorText(page), /ties: unknown value 'exactish', expected efron or breslow/);
  await choose(page, path.join(MESSY, 'text_times.csv'));
  assert.match(await page.locator('#warnings').textContent(),
    /3 rows excluded because the time in 'time' is not a number: 'unknown' \(lines 5, 24\), 'lost' \(line 11\)/);
  await page.screenshot({ path: path.join(OUT, 'silent-exclusions.png') });
});

test('flow diagram: rows read → excluded by reason (lines one click away) → analysed per group, on the page and in its SVG', async () => {
  const { page } = await app.newPage();
  await choose(page, path.join(MESSY, 'text_times.csv'));
  await page.selectOption('#group-col', 'sex');
  await settle(page);
  const flow = (await currentReport(page)).flow;
  assert.equal(flow.rows_read, 30);
  assert.equal(flow.analysed, 27);
  assert.deepEqual(flow.excluded.map(e => [e.reason, e.count, e.lines]), [["the time in 'time' is not a number", 3, [5, 11, 24]]]);
  assert.ok(await page.locator('#flow').isVisible());
  const label = await page.locator('#flow').getAttribute('aria-label');
  assert.match(label, /30 rows read, 3 excluded .*27 analysed \(1: \d+, 2: \d+\)/);
  // The lines, one click away.
  assert.equal(await page.locator('#flow-lines li').isVisible(), false);
  await page.click('#flow-lines summary');
  assert.match(await page.locator('#flow-lines li').textContent(), /the time in 'time' is not a number: 3 rows — lines 5, 11, 24/);
  const ink = await page.evaluate(() => {
    const c = document.querySelector('#flow');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let dark = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] < 128 && d[i + 3] > 0) dark++;
    return dark;
  });
  assert.ok(ink > 500, `the flow canvas is drawn (${ink} dark pixels)`);
  const svg = await save(page, '#save-flow-svg');
  assert.equal(svg.name, 'text_times.flow.svg');
  // The export applies the disclosure threshold (k = 5 by default): 3 excluded rows are "<5".
  // The exported diagram is the disclosure module's: 30 read − 27 analysed would give the 3
  // excluded rows, so rows read is not shown, nor the file name; the reason is named.
  for (const t of ['Rows read', 'number not shown', 'Excluded: fewer than 5 rows', 'is not a number', '27 rows', 'sex = 1', 'sex = 2']) assert.ok(svg.text.includes(t), `${t} in the SVG`);
  assert.ok(!svg.text.includes('text_times.csv') && !svg.text.includes('30 rows'), 'the exported flow gives the excluded count by subtraction');
  assert.ok(!svg.text.includes('Excluded: 3 rows'));
  await page.locator('#flow-box').screenshot({ path: path.join(OUT, 'silent-flow.png') });
});

test('labels: group levels renamed in the sidebar (1 → Male) reach the figure, tables and share link; title and axis labels too', async () => {
  const { page } = await app.newPage();
  await choose(page, LUNG);
  await page.selectOption('#group-col', 'sex');
  await settle(page);
  await page.click('#labels-box summary');
  await page.fill('#lab-levels input[data-level="1"]', 'Male');
  await page.locator('#lab-levels input[data-level="1"]').dispatchEvent('change');
  await settle(page);
  await page.fill('#lab-levels input[data-level="2"]', 'Female');
  await page.locator('#lab-levels input[data-level="2"]').dispatchEvent('change');
  await settle(page);
  await page.fill('#lab-title', 'Overall survival by sex');
  await page.locator('#lab-title').dispatchEvent('change');
  await page.fill('#lab-x', 'Days since diagnosis');
  await page.locator('#lab-x').dispatchEvent('change');
  await settle(page);
  const spec = await currentSpec(page);
  assert.deepEqual(spec.labels, { levels: { sex: { 1: 'Male', 2: 'Female' } } });
  assert.equal(spec.view.title, 'Overall survival by sex');
  assert.equal(spec.view.time_label, 'Days since diagnosis');
  const r = await currentReport(page);
  assert.deepEqual(r.groups, ['Male', 'Female']);
  assert.deepEqual(await page.locator('#summary tbody th').allTextContents(), ['Male', 'Female']);
  const layout = await page.evaluate(() => window.cohort.figureLayout());
  assert.deepEqual(layout.legend.map(e => e.group), ['Male', 'Female']);
  // The share link carries them; the exported SVG shows them.
  const link = await page.evaluate(() => window.cohort.shareLink());
  const shared = JSON.parse(decodeURIComponent(link.split('#spec=')[1].split('&')[0]));
  assert.deepEqual(shared.labels, spec.labels);
  assert.equal(shared.view.title, 'Overall survival by sex');
  const svg = await save(page, '#save-svg');
  for (const t of ['Male', 'Female', 'Overall survival by sex', 'Days since diagnosis']) assert.ok(svg.text.includes(t), `${t} in the SVG`);
  // The statistics do not change: R's survdiff(Surv(time, status) ~ sex, lung) chisq = 10.3.
  assert.ok(Math.abs(r.logrank.chisq - 10.3267) < 1e-3);
  await page.screenshot({ path: path.join(OUT, 'silent-labels.png') });
});

test('phone: a jump-to-results link, and tables that say they scroll', async () => {
  const { page } = await app.newPage();
  await page.setViewportSize({ width: 390, height: 844 });
  await settle(page);
  assert.ok(await page.locator('.jump').isVisible());
  await page.click('.jump');
  const top = await page.locator('#fig-h').evaluate(e => e.getBoundingClientRect().top);
  assert.ok(top >= -2 && top < 200, `the results heading is at the top after the jump (${top})`);
  await page.waitForFunction(() => [...document.querySelectorAll('.table-wrap')].some(w => w.classList.contains('scrolls')));
  await page.screenshot({ path: path.join(OUT, 'silent-phone.png') });
  await page.setViewportSize({ width: 1280, height: 900 });
  assert.equal(await page.locator('.jump').isVisible(), false);
});

test('model: an explicit "include the compared group in the model" toggle', async () => {
  const { page } = await app.newPage();
  await choose(page, LUNG);
  await page.selectOption('#group-col', 'sex');
  await settle(page);
  assert.equal(await page.locator('#group-in-model').isChecked(), false);
  await page.check('#group-in-model');
  await settle(page);
  assert.deepEqual((await currentSpec(page)).covariates, ['sex']);
  const cox = (await currentReport(page)).cox;
  // R: coxph(Surv(time, status) ~ sex, lung): coef -0.5310, HR 0.588.
  assert.ok(Math.abs(cox.terms[0].hr - 0.5880) < 1e-3, `HR ${cox.terms[0].hr}`);
  await page.uncheck('#group-in-model');
  await settle(page);
  assert.equal((await currentSpec(page)).covariates, undefined);
});

test('model: with a univariable screen the hazard ratios are listed once (univariable beside multivariable)', async () => {
  const { page } = await app.newPage();
  await choose(page, LUNG);
  await page.evaluate(() => window.cohort.setSpec({ ...window.cohort.spec(), covariates: ['age', 'ph.ecog'] }));
  await settle(page);
  assert.ok(await page.locator('#model').isVisible(), 'without a screen the model table is shown');
  await page.check('#xp-screen');
  await settle(page);
  assert.ok(await page.locator('#xp-uni').isVisible(), 'the univariable | multivariable table');
  assert.equal(await page.locator('#model').isVisible(), false, 'the same HRs are not listed twice');
  assert.match(await page.locator('#model-line').textContent(), /HRs: see the univariable and multivariable table/);
});
