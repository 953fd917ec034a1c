// The interactive explorer (www/explorer.js) driven through its controls in headless chromium:
// covariates ticked in the model panel refit the Cox model (checked against R), the univariable
// screen, filters as chips, the PH check, curve options in the share link, disclosure control
// in the CSV export, and the page's own "no network requests" badge.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { start, loadFile, REFERENCE_DIR, OUT, idle } from './helpers.mjs';

const LUNG = path.join(REFERENCE_DIR, 'lung.csv');

// R 4.2, survival 3.x:
//   d <- read.csv("tests/reference/lung.csv")
//   f <- coxph(Surv(time, status == 2) ~ age + ph.ecog, data = d, ties = "efron")
//   summary(f)$coefficients; summary(f)$conf.int; f$n   # n = 227
const R_AGE_ECOG = {
  n: 227,
  age: { hr: 1.01134511186, lower: 0.993039920498, upper: 1.02998773179, p: 0.226081859264825 },
  'ph.ecog': { hr: 1.55812839283, lower: 1.241673836001, upper: 1.95523495636, p: 0.000128811221776 },
};
//   cox.zph(f)$table
const R_ZPH = { age: { chisq: 0.3121106014, p: 0.5763879147 }, 'ph.ecog': { chisq: 2.1629854937, p: 0.1413697824 }, global: { chisq: 2.2264480936, p: 0.3284981585 } };
// Univariable screen, one model per variable:
//   for (v in c("inst","age","sex","ph.ecog","ph.karno","pat.karno","meal.cal","wt.loss"))
//     summary(coxph(as.formula(paste0("Surv(time, status == 2) ~ ", v)), data = d))$coefficients[, 5]
const R_UNI_P = { inst: 0.3459838, age: 0.04185313, sex: 0.001491229, 'ph.ecog': 2.692234e-05, 'ph.karno': 0.004957861,
  'pat.karno': 0.000282396, 'meal.cal': 0.5929402, 'wt.loss': 0.8281974 };
//   sum(d$age >= 60)   # 145 of 228 rows
const N_AGE60 = 145;

let app;
before(async () => { app = await start(); fs.mkdirSync(OUT, { recursive: true }); });
after(async () => { await app?.close(); });

function close(a, b, rel = 1e-6) {
  return Math.abs(a - b) <= Math.max(1e-9, rel * Math.max(Math.abs(a), Math.abs(b)));
}

const tick = async (page, col, on = true) => {
  const box = page.locator(`#xp-covs tr[data-col="${col}"] input.cov-tick`);
  if (on) await box.check(); else await box.uncheck();
  await idle(page);
};
const modelTerms = page => page.locator('#model tbody th').allTextContents();

async function lungBySex(page) {
  const loaded = await loadFile(page, LUNG);
  assert.ok(!loaded.error, loaded.error);
  await page.selectOption('#group-col', 'sex');
  await idle(page);
  assert.equal((await page.evaluate(() => window.cohort.spec())).group, 'sex');
}

function assertSameOrigin(requests, origin) {
  for (const r of requests) {
    const u = new URL(r.url);
    if (u.protocol === 'data:' || u.protocol === 'blob:') continue;
    assert.equal(u.origin, origin, `request left the origin: ${r.method} ${r.url}`);
  }
}

test('ticking covariates refits the Cox model (R values), unticking changes it, PH check and univariable screen', async () => {
  const { page, requests, errors } = await app.newPage();
  await lungBySex(page);
  // Offered: not the time/outcome columns.
  const offered = await page.locator('#xp-covs tr[data-col]').evaluateAll(rs => rs.map(r => r.dataset.col));
  assert.ok(!offered.includes('time') && !offered.includes('status'), `offered: ${offered}`);
  for (const c of ['age', 'sex', 'ph.ecog', 'wt.loss']) assert.ok(offered.includes(c), `${c} not offered: ${offered}`);
  assert.equal(await page.locator('#model-box').isHidden(), true);

  await tick(page, 'age');
  await tick(page, 'ph.ecog');
  assert.deepEqual(await modelTerms(page), ['age', 'ph.ecog']);
  const r = await page.evaluate(() => window.cohort.report());
  assert.deepEqual(r.spec.covariates, ['age', 'ph.ecog']);
  assert.equal(r.cox.n, R_AGE_ECOG.n);
  for (const name of ['age', 'ph.ecog']) {
    const t = r.cox.terms.find(x => x.name === name);
    for (const f of ['hr', 'lower', 'upper', 'p']) assert.ok(close(t[f], R_AGE_ECOG[name][f], 1e-5), `${name} ${f}: ${t[f]} vs R ${R_AGE_ECOG[name][f]}`);
  }
  // The table prints them as a paper would.
  const cells = await page.locator('#model tbody tr').evaluateAll(rs => rs.map(r => [...r.children].map(c => c.textContent)));
  assert.deepEqual(cells[0], ['age', '1.01 (0.99–1.03)', '0.23']);
  assert.deepEqual(cells[1], ['ph.ecog', '1.56 (1.24–1.96)', '< 0.001']);

  // PH check: one row per term and the global test (R's cox.zph).
  const ph = r.cox.ph_test;
  for (const [name, exp] of Object.entries(R_ZPH)) {
    const got = name === 'global' ? ph.global : ph.terms.find(t => t.name === name);
    assert.ok(close(got.chisq, exp.chisq, 1e-4), `zph ${name}: ${got.chisq} vs R ${exp.chisq}`);
  }
  assert.equal(await page.locator('#xp-ph').isVisible(), true);
  assert.deepEqual(await page.locator('#xp-ph tbody th').allTextContents(), ['age', 'ph.ecog', 'Global']);
  assert.equal(await page.locator('#xp-ph tbody tr.ph-flag').count(), 0, 'no term has p < 0.05 here');

  // Univariable screen: every offered candidate, one row each with its p (R's univariable p).
  assert.deepEqual([...r.spec.univariable].sort(), [...offered].sort());
  for (const [v, p] of Object.entries(R_UNI_P)) {
    const u = r.univariable.find(x => x.covariate === v);
    assert.ok(u, `no univariable model of ${v}`);
    assert.ok(close(u.terms[0].p, p, 1e-5), `univariable p of ${v}: ${u.terms[0].p} vs R ${p}`);
    const cell = (await page.locator(`#xp-uni-table tr[data-covariate="${v}"] .uni-p`).textContent()).trim();
    assert.ok(/^(< )?0\.\d+|^> 0\.99$/.test(cell), `univariable P cell of ${v}: "${cell}"`);
  }
  // The multivariable columns beside: age and ph.ecog filled, others "—".
  const mv = async v => (await page.locator(`#xp-uni-table tr[data-covariate="${v}"] td`).nth(2).textContent()).trim();
  assert.equal(await mv('age'), '1.01 (0.99–1.03)');
  assert.equal(await mv('wt.loss'), '—');

  // Untick age: only ph.ecog is left, with its own HR.
  await tick(page, 'age', false);
  assert.deepEqual(await modelTerms(page), ['ph.ecog']);
  const r2 = await page.evaluate(() => window.cohort.report());
  // R: summary(coxph(Surv(time, status == 2) ~ ph.ecog, data = d))$coefficients -> exp(coef) = exp(0.47594344951)
  assert.ok(close(r2.cox.terms[0].hr, Math.exp(0.47594344951), 1e-5), `ph.ecog alone: ${r2.cox.terms[0].hr}`);

  // "Add all with univariable p < 0.10": age, sex, ph.ecog, ph.karno, pat.karno (R p values above).
  await page.fill('#xp-threshold', '0.10');
  await page.click('#xp-add-sig');
  await idle(page);
  const added = (await page.evaluate(() => window.cohort.spec())).covariates;
  const want = Object.entries(R_UNI_P).filter(([, p]) => p < 0.1).map(([v]) => v);
  assert.deepEqual([...added].sort(), [...want].sort());
  assert.deepEqual(await modelTerms(page), added);

  // Categorical toggle and reference level: ph.ecog as a factor with reference 1.
  await page.locator('#xp-covs tr[data-col="ph.ecog"] select.cov-kind').selectOption('categorical');
  await idle(page);
  await page.locator('#xp-covs tr[data-col="ph.ecog"] select.cov-ref').selectOption('1');
  await idle(page);
  const s3 = await page.evaluate(() => window.cohort.spec());
  assert.ok(s3.categorical.includes('ph.ecog'));
  assert.equal(s3.reference['ph.ecog'], '1');
  const terms3 = await modelTerms(page);
  assert.ok(terms3.includes('ph.ecog=0') && !terms3.includes('ph.ecog=1'), `terms: ${terms3}`);
  // Ties.
  await page.selectOption('#xp-ties', 'breslow');
  await idle(page);
  assert.equal((await page.evaluate(() => window.cohort.report())).cox.ties, 'breslow');

  await page.locator('#xp-model').screenshot({ path: path.join(OUT, 'explorer-model.png') });
  assert.equal(await page.locator('#error').isHidden(), true, await page.locator('#error').textContent());
  assertSameOrigin(requests, app.origin);
  assert.deepEqual(errors, []);
});

test('filter chips: age >= 60 keeps R\'s 145 rows; removing the chip restores all; disclosure control in the CSV', async () => {
  const { page, errors } = await app.newPage();
  await lungBySex(page);
  await page.selectOption('#xp-f-col', 'age');
  await page.selectOption('#xp-f-op', '>=');
  await page.fill('#xp-f-val', '60');
  await page.click('#xp-f-add');
  await idle(page);
  const r = await page.evaluate(() => window.cohort.report());
  assert.equal(r.n, N_AGE60);
  assert.equal(r.rows_filtered_out, 228 - N_AGE60);
  assert.deepEqual(r.spec.filters, [{ column: 'age', op: '>=', value: 60 }]);
  assert.match(await page.locator('#xp-chips').textContent(), /age ≥ 60/);
  assert.match(await page.locator('#xp-filter-count').textContent(), /145 of 228 rows kept; 83 excluded/);
  assert.match(await page.locator('#test-line').textContent(), /^145 rows analysed/);

  // A second chip making a small group: age >= 78 leaves few rows per sex -> flagged, suppressed in exports.
  await page.fill('#xp-f-val', '78');
  await page.click('#xp-f-add');
  await idle(page);
  const r2 = await page.evaluate(() => window.cohort.report());
  const small = r2.km.filter(k => k.n < 5);
  assert.ok(small.length >= 1, `expected a group with n < 5: ${r2.km.map(k => k.n)}`);
  assert.equal(await page.locator('#summary tbody tr.small-cell').count(), small.length);
  assert.match(await page.locator('#xp-small').textContent(), /Fewer than 5 rows/);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#xp-csv')]);
  const csv = fs.readFileSync(await download.path(), 'utf8');
  const line = csv.split('\n').find(l => l.startsWith(`summary,${small[0].group},`));
  assert.ok(line, csv);
  assert.equal(line.split(',')[2], '<5', line);
  assert.ok(!csv.split('\n').some(l => l.startsWith('summary,') && /,[1-4],/.test(l.split(',').slice(2, 4).join(',') + ',')), csv);
  // The JSON report export too.
  const [dl2] = await Promise.all([page.waitForEvent('download'), page.click('#save-json')]);
  const json = JSON.parse(fs.readFileSync(await dl2.path(), 'utf8'));
  const smallJson = json.km.find(k => String(k.group) === String(small[0].group));
  // Withheld counts are null in the core's report export (src/disclosure.rs), listed in `disclosure`.
  assert.equal(smallJson.n, null);
  assert.ok(json.disclosure.small_groups.includes(String(small[0].group)), JSON.stringify(json.disclosure));
  assert.ok(json.km.every(k => k.n === null || k.n >= 5), JSON.stringify(json.km.map(k => k.n)));
  // k is adjustable: with k = 1 nothing is suppressed.
  await page.fill('#xp-k', '1');
  await page.locator('#xp-k').dispatchEvent('change');
  assert.equal(await page.locator('#summary tbody tr.small-cell').count(), 0);

  // Remove both chips.
  await page.locator('#xp-chips button').first().click();
  await idle(page);
  await page.locator('#xp-chips button').first().click();
  await idle(page);
  const r3 = await page.evaluate(() => window.cohort.report());
  assert.equal(r3.n, 228);
  assert.equal(r3.rows_filtered_out, 0);
  assert.equal(await page.locator('#xp-chips li').count(), 0);

  // A column with few values: its values are ticked, not typed. R: sum(d$sex == 2) is 90.
  await page.selectOption('#xp-f-col', 'sex');
  await page.selectOption('#xp-f-op', 'in');
  assert.equal(await page.locator('#xp-f-val').isHidden(), true);
  await page.locator('#xp-f-levels input[value="2"]').check();
  await page.click('#xp-f-add');
  await idle(page);
  const r4 = await page.evaluate(() => window.cohort.report());
  assert.deepEqual(r4.spec.filters, [{ column: 'sex', op: 'in', values: ['2'] }]);
  assert.equal(r4.n, 90);
  assert.match(await page.locator('#xp-chips').textContent(), /sex is one of 2/);
  assert.deepEqual(errors, []);
});

test('share link round-trips covariates, filters and view options into a fresh page; no request leaves the origin', async () => {
  const { page, requests } = await app.newPage();
  await lungBySex(page);
  await tick(page, 'age');
  await tick(page, 'ph.ecog');
  await page.selectOption('#xp-f-col', 'age');
  await page.selectOption('#xp-f-op', '>=');
  await page.fill('#xp-f-val', '60');
  await page.click('#xp-f-add');
  await idle(page);
  // Curve options: hide group 2, x axis to 800, ticks every 200, cumulative incidence.
  await page.locator('#xp-groups input[data-group="2"]').uncheck();
  await idle(page);
  await page.fill('#xp-xmax', '800');
  await page.locator('#xp-xmax').dispatchEvent('change');
  await idle(page);
  await page.fill('#xp-break', '200');
  await page.locator('#xp-break').dispatchEvent('change');
  await idle(page);
  await page.locator('#opt-cuminc').check();
  await idle(page);
  const spec = await page.evaluate(() => window.cohort.spec());
  assert.deepEqual(spec.view.hidden_groups, ['2']);
  assert.equal(spec.view.x_max, 800);
  assert.equal(spec.view.break_by, 200);
  assert.equal(spec.view.cumulative, true);
  const link = await page.evaluate(() => window.cohort.shareLink());

  const fresh = await app.newPage(link);
  assert.match(await fresh.page.locator('#pending').textContent(), /Drop the data file/);
  const loaded = await loadFile(fresh.page, LUNG);
  assert.ok(!loaded.error, loaded.error);
  const got = await fresh.page.evaluate(() => window.cohort.spec());
  assert.deepEqual(got, spec);
  assert.equal(await fresh.page.locator('#xp-covs tr[data-col="age"] input.cov-tick').isChecked(), true);
  assert.equal(await fresh.page.locator('#xp-covs tr[data-col="ph.ecog"] input.cov-tick').isChecked(), true);
  assert.equal(await fresh.page.locator('#xp-covs tr[data-col="wt.loss"] input.cov-tick').isChecked(), false);
  assert.match(await fresh.page.locator('#xp-chips').textContent(), /age ≥ 60/);
  assert.equal(await fresh.page.locator('#xp-xmax').inputValue(), '800');
  assert.equal(await fresh.page.locator('#xp-break').inputValue(), '200');
  assert.equal(await fresh.page.locator('#xp-groups input[data-group="2"]').isChecked(), false);
  assert.equal(await fresh.page.locator('#opt-cuminc').isChecked(), true);
  assert.deepEqual(await modelTerms(fresh.page), ['age', 'ph.ecog']);
  assert.equal((await fresh.page.evaluate(() => window.cohort.report())).n, N_AGE60);

  // Privacy: the browser-level record and the page's own badge agree.
  assertSameOrigin(requests, app.origin);
  assertSameOrigin(fresh.requests, app.origin);
  for (const p of [page, fresh.page]) {
    const badge = p.locator('#net-badge');
    assert.equal((await badge.textContent()).trim(), '✓ No network requests since load', await badge.getAttribute('title'));
  }
  await page.screenshot({ path: path.join(OUT, 'explorer-page.png'), fullPage: true });
});

test('the privacy badge counts a request made after load', async () => {
  const { page } = await app.newPage();
  assert.equal((await page.locator('#net-badge').textContent()).trim(), '✓ No network requests since load');
  // A same-origin fetch after load is still a request: the badge must say so.
  await page.evaluate(() => fetch('./index.html').then(r => r.text()));
  await page.waitForFunction(() => /1 network request since load/.test(document.querySelector('#net-badge').textContent));
});

test('PH check flags a term with p < 0.05 (veteran: karno, R cox.zph)', async () => {
  const { page } = await app.newPage();
  const loaded = await loadFile(page, path.join(REFERENCE_DIR, 'veteran.csv'));
  assert.ok(!loaded.error, loaded.error);
  // R: d <- read.csv("tests/reference/veteran.csv")
  //    cox.zph(coxph(Surv(time, status == 1) ~ karno + age, data = d))$table
  //    karno chisq 13.07271927 p 0.00029963; age 2.13058873 p 0.14439; GLOBAL 17.59682769 p 0.00015097
  const spec = await page.evaluate(() => window.cohort.spec());
  assert.equal(spec.time, 'time');
  assert.equal(spec.event.column, 'status');
  await tick(page, 'karno');
  await tick(page, 'age');
  const ph = (await page.evaluate(() => window.cohort.report())).cox.ph_test;
  const karno = ph.terms.find(t => t.name === 'karno');
  assert.ok(close(karno.chisq, 13.07271927, 1e-4), `karno zph chisq ${karno.chisq}`);
  assert.ok(close(ph.global.chisq, 17.59682769, 1e-4), `global zph chisq ${ph.global.chisq}`);
  const flagged = await page.locator('#xp-ph tbody tr.ph-flag th').allTextContents();
  assert.deepEqual(flagged, ['karno', 'Global']);
  assert.match(await page.locator('#xp-ph tbody tr.ph-flag td').last().textContent(), /< 0\.001/);
});
