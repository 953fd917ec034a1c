// The Cohort tab in headless chromium: Table 1 of R's lung data by sex read from the page
// against R, the column-type override, the CSV/Markdown exports (real downloads), missingness
// named by column, reverse-KM follow-up, events per covariate, and no request leaving the origin.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { start, loadFile, canvasInk, REFERENCE_DIR, OUT, assertSameOrigin } from './helpers.mjs';

const LUNG = path.join(REFERENCE_DIR, 'lung.csv');
const lungRef = JSON.parse(fs.readFileSync(path.join(REFERENCE_DIR, 'lung.expected.json'), 'utf8'));
// R: survival::lung, Table 1 by sex (tests/reference: fisher.test / wilcox.test).
const t1Ref = lungRef.cases.find(c => c.name === 'table1_by_sex').expected.table1;

let app;
before(async () => { app = await start(); fs.mkdirSync(OUT, { recursive: true }); });
after(async () => { await app?.close(); });

/** Wait until the page's queue is empty, including runs queued by a run (Table 1's defaults). */
async function settle(page) {
  await page.evaluate(async () => { for (let i = 0; i < 6; i++) await window.cohort.idle(); });
}

/** Round to `d` significant digits as the page prints p (two). */
const sig = (x, d = 2) => Number(x.toPrecision(d));

test('Cohort tab: Table 1 of lung by sex matches R, exports download, missingness and follow-up', async () => {
  const { page, requests, errors } = await app.newPage();
  const loaded = await loadFile(page, LUNG);
  assert.ok(!loaded.error, loaded.error);
  await settle(page);
  // Loading by the scripting API keeps the current view; open the Cohort tab.
  assert.equal(await page.locator('#tab-survival').getAttribute('aria-selected'), 'true');
  await page.click('#tab-cohort');
  await settle(page);
  assert.equal(await page.locator('#tab-cohort').getAttribute('aria-selected'), 'true');
  assert.ok(await page.locator('#cohort-view').isVisible());
  assert.equal(await page.locator('#km').isVisible(), false, 'the survival view is hidden behind its tab');

  // Group by sex with the page's control; ph.ecog treated as categorical through its card.
  await page.selectOption('#group-col', 'sex');
  await settle(page);
  await page.selectOption('select[data-type-of="ph.ecog"]', 'categorical');
  await settle(page);
  const spec = await page.evaluate(() => window.cohort.spec());
  assert.deepEqual(spec.categorical, ['ph.ecog']);
  assert.ok(spec.table1.includes('age') && !spec.table1.includes('sex') && !spec.table1.includes('time') && !spec.table1.includes('status'),
    `default Table 1 columns: ${spec.table1}`);

  const cell = (v, stat, g) => page.locator(`#t1 tr[data-var="${v}"][data-stat="${stat}"] td[data-group="${g}"]`).textContent();
  // R: mean(lung$age[lung$sex == 1]) = 63.34058, sd = 9.139228 → "63.3 (9.1)".
  assert.equal(await cell('age', 'mean', '1'), '63.3 (9.1)');
  const age1 = t1Ref.find(r => r.variable === 'age').groups.find(g => g.group === '1');
  assert.equal(await cell('age', 'mean', '1'), `${age1.mean.toFixed(1)} (${age1.sd.toFixed(1)})`);
  assert.equal(await cell('age', 'median', '1'), `${age1.median.toFixed(1)} [${age1.q1.toFixed(1)}, ${age1.q3.toFixed(1)}]`);
  // ph.ecog: Fisher's exact test, R fisher.test(table(lung$sex, lung$ph.ecog))$p.value = 0.8225.
  const pCell = page.locator('#t1 tr[data-var="ph.ecog"][data-stat="header"] td.p');
  assert.equal(await pCell.getAttribute('data-test'), 'fisher');
  const pShown = Number((await pCell.textContent()).match(/^[0-9.]+/)[0]);
  const pR = t1Ref.find(r => r.variable === 'ph.ecog').p;
  assert.equal(pShown, sig(pR));
  assert.equal(pShown, 0.82);
  // The footnote names the test the superscript points to.
  const sup = await pCell.locator('sup').textContent();
  assert.match(await page.locator('#t1-notes').textContent(), new RegExp(`${sup} Fisher's exact test`));
  // Level rows: n (%) of sex = 1 with ph.ecog = 0.
  const lvl = t1Ref.find(r => r.variable === 'ph.ecog').groups.find(g => g.group === '1').levels.find(l => l.level === '0');
  assert.equal(await page.locator('#t1 tr[data-var="ph.ecog"][data-level="0"] td[data-group="1"]').textContent(), `${lvl.count} (${lvl.percent.toFixed(1)})`);

  // Median [IQR] first.
  await page.selectOption('#t1-order', 'median');
  assert.equal(await page.locator('#t1 tr[data-var="age"]').first().getAttribute('data-stat'), 'median');
  await page.selectOption('#t1-order', 'mean');

  // Column chooser: move age down one place; the spec and the table follow.
  await page.locator('#t1-cols summary').click();
  await page.getByRole('button', { name: 'Move down age' }).click();
  await settle(page);
  const order = await page.evaluate(() => window.cohort.spec().table1);
  assert.equal(order.indexOf('age'), spec.table1.indexOf('age') + 1);
  const vars = await page.locator('#t1 tr.var[data-stat="mean"], #t1 tr.var[data-stat="header"]').evaluateAll(rs => rs.map(r => r.dataset.var));
  assert.deepEqual(vars, order);
  await page.locator('#t1-cols summary').click();

  // CSV export: a real download with the header and the rows.
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#t1-csv')]);
  assert.match(dl.suggestedFilename(), /\.table1\.csv$/);
  const csv = fs.readFileSync(await dl.path(), 'utf8').replace(/^\ufeff/, '');
  const lines = csv.split('\r\n');
  assert.equal(lines[0], 'Characteristic,1 (N = 138),2 (N = 90),p-value,Test');
  assert.ok(lines.includes('"age, mean (SD)",63.3 (9.1),61.1 (8.8),0.0570,Wilcoxon rank-sum test'), csv);
  assert.ok(lines.some(l => l.startsWith('"ph.ecog, n (%)",,,0.823,Fisher')), csv);
  // Disclosure control in the core (k = 5 by default, as the report export): 1 patient with
  // ph.ecog = 3 and the one missing ph.ecog are "<5" with no percent; as the two add up to a
  // known 2, the next smallest cell of that column is suppressed too; zero counts stay.
  assert.ok(lines.includes('  3,<5,0 (0.0),,'), csv);
  assert.ok(lines.includes('  0,36 (26.3),27 (30.0),,'), csv);
  assert.ok(lines.some(l => /,suppressed,/.test(l)), csv);
  const [md] = await Promise.all([page.waitForEvent('download'), page.click('#t1-md')]);
  const mdText = fs.readFileSync(await md.path(), 'utf8');
  assert.match(mdText, /^\| Characteristic \| 1 \(N = 138\) \| 2 \(N = 90\) \| p-value \| Test \|/);

  // Follow-up by reverse Kaplan-Meier: R survfit(Surv(time, status == 1) ~ sex): 840 (806, NA).
  assert.equal(await page.locator('#fu td[data-followup="1"]').textContent(), '840 (806–NE)');
  assert.equal(await page.locator('#fu td[data-followup="2"]').textContent(), '529 (376–NE)');
  // Overall: R survfit(Surv(time, status == 1) ~ 1, lung).
  assert.equal(await page.locator('#fu td[data-followup="All"]').textContent(), '588 (511–1010)');

  // A model: missing rows named by column, and events per covariate term.
  await page.evaluate(s => window.cohort.setSpec({ ...s, covariates: ['ph.ecog', 'wt.loss'] }), await page.evaluate(() => window.cohort.spec()));
  await settle(page);
  // R: sum(is.na(lung$ph.ecog) | is.na(lung$wt.loss)) = 15; wt.loss alone 14.
  assert.equal(await page.locator('#miss-line').getAttribute('data-lost'), '15');
  assert.match(await page.locator('#miss-line').textContent(), /wt\.loss \(covariate\): 14 missing/);
  // R: coxph(Surv(time, status) ~ factor(ph.ecog) + wt.loss, lung): 151 events, 4 coefficients.
  assert.equal(Number(await page.locator('#epv').getAttribute('data-epv')), 151 / 4);
  assert.ok(await canvasInk(page, '#miss-grid') > 0.01, 'the missingness map is blank');

  // Column cards: one per column, histograms drawn by the engine.
  assert.equal(await page.locator('#cards .card').count(), 10);
  assert.ok(await canvasInk(page, '#cards .card[data-col="age"] canvas') > 0.02, 'age histogram is blank');
  assert.ok(await canvasInk(page, '#cards .card[data-col="ph.ecog"] canvas') > 0.02, 'ph.ecog bar chart is blank');

  await page.screenshot({ path: path.join(OUT, 'overview-page.png') });
  await page.setViewportSize({ width: 1280, height: 1500 });
  await page.locator('#cohort-view').screenshot({ path: path.join(OUT, 'overview.png') });

  // Nothing left the page's origin.
  assertSameOrigin(requests, app.origin);
  assert.deepEqual(errors.filter(e => !/analyses\.json|404/.test(e)), []);
});

test('a chosen file opens on its survival figure with a note to the Cohort tab, which has a default Table 1', async () => {
  const { page } = await app.newPage();
  await page.setInputFiles('#file', LUNG);
  await page.waitForFunction(() => window.cohort.schema()?.name === 'lung.csv' && window.cohort.report());
  await settle(page);
  assert.equal(await page.locator('#tab-survival').getAttribute('aria-selected'), 'true');
  await page.locator('#check-note button').click();
  await page.waitForFunction(() => window.cohort.report()?.table1);
  await settle(page);
  assert.equal(await page.locator('#tab-cohort').getAttribute('aria-selected'), 'true');
  assert.ok(await page.locator('#t1 tr[data-var="age"][data-stat="mean"]').isVisible());
  // Ungrouped: one "Overall" column, no p-values.
  assert.equal(await page.locator('#t1 thead th').nth(1).locator('span').first().textContent(), 'Overall');
  assert.equal(await page.locator('#t1 td.p').count(), 0);
});

test('the demo opens on the survival view; the Cohort tab computes Table 1 on demand', async () => {
  const { page } = await app.newPage();
  assert.equal(await page.locator('#tab-survival').getAttribute('aria-selected'), 'true');
  assert.ok(await page.locator('#km').isVisible());
  await page.click('#tab-cohort');
  await settle(page);
  assert.ok((await page.locator('#t1 tbody tr.var').count()) > 0, 'no Table 1 rows');
  const spec = await page.evaluate(() => window.cohort.spec());
  assert.ok(Array.isArray(spec.table1));
  // No date column, identifier, time or outcome column in the default Table 1.
  const schema = await page.evaluate(() => window.cohort.schema());
  for (const name of spec.table1) {
    const c = schema.columns.find(x => x.name === name);
    assert.ok(c && c.kind !== 'date' && c.kind !== 'identifier', `${name} (${c?.kind}) in the default Table 1`);
    assert.notEqual(name, spec.event.column);
  }
  await page.setViewportSize({ width: 1280, height: 1400 });
  await page.locator('#cohort-view').screenshot({ path: path.join(OUT, 'overview-demo.png') });
});
