// The "Hazard models" section (www/hazard.js) in headless chromium: lung grouped by sex, the
// section opened, the four hazard figures drawn, the model-choice table against R, the bandwidth
// box refitting, and no request leaving the page's origin.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { start, loadFile, canvasInk, REFERENCE_DIR, ROOT, OUT, idle, assertSameOrigin } from './helpers.mjs';

const LUNG = path.join(REFERENCE_DIR, 'lung.csv');
const BANDS = JSON.parse(fs.readFileSync(path.join(ROOT, 'tests/r/bands.expected.json'), 'utf8'));

// R 4.2, survival 3.x (R's `lung` is tests/reference/lung.csv):
//   Rscript -e 'library(survival); print(AIC(survreg(Surv(time,status==2)~1,data=lung,dist="weibull")), digits=15)'
//   [1] 2311.70237617881
const R_WEIBULL_AIC = 2311.70237617881;
// Fitted median and S(180), S(365), S(730) of each intercept-only model, which the page reads from
// the report (`parametric[].predictions[]`, computed by src/stats/parametric.rs):
//   for (d in c("weibull","lognormal","loglogistic","exponential")) {
//     f <- survreg(Surv(time,status==2)~1,data=lung,dist=d)
//     predict(f, newdata=data.frame(x=1), type="quantile", p=0.5)
//     1 - psurvreg(c(180,365,730), coef(f), f$scale, distribution=d) }
const R_FITS = {
  weibull: { median: 316.263695, s: { 180: 0.7189349041, 365: 0.4329535425, 730: 0.1242518849 } },
  lognormal: { median: 288.0992279, s: { 180: 0.6658596442, 365: 0.4146705997, 730: 0.1984876306 } },
  loglogistic: { median: 302.167164, s: { 180: 0.7097116328, 365: 0.4192080635, 730: 0.1791333153 } },
  exponential: { median: 292.3526772, s: { 180: 0.6526155549, 365: 0.4208878963, 730: 0.1771466212 } },
};

let app;
before(async () => { app = await start(); fs.mkdirSync(OUT, { recursive: true }); });
after(async () => { await app?.close(); });


test('Hazard section: figures, model table (weibull AIC = R), bandwidth, no request off the origin', async () => {
  const { page, requests, errors } = await app.newPage();
  const loaded = await loadFile(page, LUNG);
  assert.ok(!loaded.error, loaded.error);
  await page.selectOption('#group-col', 'sex');
  await idle(page);
  assert.equal((await page.evaluate(() => window.cohort.spec())).group, 'sex');

  await page.click('#hazard-tab');
  await page.waitForSelector('#hz-models tbody tr[data-dist="weibull"]');
  await idle(page);

  // Model-choice table: the four distributions, the weibull intercept-only AIC as R's.
  const dists = await page.locator('#hz-models tbody tr').evaluateAll(rs => rs.map(r => r.dataset.dist));
  assert.deepEqual(dists, ['exponential', 'weibull', 'lognormal', 'loglogistic']);
  const aicText = await page.locator('#hz-models tr[data-dist="weibull"] td.aic').textContent();
  const aic = parseFloat(aicText);
  assert.ok(Math.abs(aic - R_WEIBULL_AIC) < 0.005, `weibull AIC ${aicText} vs R ${R_WEIBULL_AIC}`);
  assert.equal((await page.locator('#hz-models td.aic', { hasText: 'best' }).count()), 1, 'one best AIC');
  // Median (with its CI) and S(t) from the report's predictions: R
  //   predict(survreg(Surv(time, status == 2) ~ 1, lung, dist = "weibull"), type = "quantile", p = 0.5)[1]
  const heads = await page.locator('#hz-models thead th').allTextContents();
  const landmarks = heads.map(h => /^S\((\d+)\)$/.exec(h)).filter(Boolean).map(m => Number(m[1]));
  assert.ok(landmarks.length > 0, heads.join('|'));
  let checked = 0;
  for (const [dist, ref] of Object.entries(R_FITS)) {
    const cells = await page.locator(`#hz-models tr[data-dist="${dist}"] td`).allTextContents();
    // cells: AIC, BIC, log-likelihood, median, S(t)...
    assert.ok(Math.abs(parseFloat(cells[3]) - ref.median) <= 0.5, `${dist} median ${cells[3]} vs R ${ref.median}`);
    // The median's 95% CI, R: exp(u ± 1.96 se) of predict(f, type = "uquantile", p = 0.5, se.fit = TRUE)
    // (tests/r/bands.R, intercept-only rows).
    const ci = BANDS.parametric.find(e => e.dist === dist && e.covariates === '1');
    const m = /\((\d+)–(\d+)\)/.exec(cells[3]);
    assert.ok(m, `${dist} median cell without a CI: ${cells[3]}`);
    assert.ok(Math.abs(Number(m[1]) - ci.median_lower) <= 0.5 && Math.abs(Number(m[2]) - ci.median_upper) <= 0.5, `${dist} CI ${cells[3]} vs R ${ci.median_lower}–${ci.median_upper}`);
    landmarks.forEach((t, k) => {
      if (ref.s[t] === undefined) return;
      assert.ok(Math.abs(parseFloat(cells[4 + k]) - ref.s[t]) <= 0.0005 + 1e-9, `${dist} S(${t}) ${cells[4 + k]} vs R ${ref.s[t]}`);
      checked++;
    });
  }
  assert.ok(checked >= 4, `landmarks ${landmarks} gave no S(t) to check against R`);

  // Figures: every canvas has ink; the ratio is shown for two groups.
  for (const id of ['#hz-cumhaz', '#hz-hazard', '#hz-ratio', '#hz-param']) {
    const ink = await canvasInk(page, id);
    assert.ok(ink > 0.01, `${id} is blank (${ink})`);
  }
  assert.equal(await page.locator('#hz-ratio-box').isHidden(), false);
  const used = await page.locator('#hz-bw-used').textContent();
  assert.match(used, /bandwidth/);

  // The section's analysis is a report of its own (the engine's view 'hazard', beside the
  // page's): the page's exports are still the page's analysis, with no refit to restore it —
  // the section's spec adds the four parametric models, whose R script would fit survreg.
  const script = await page.evaluate(() => window.cohort.exportText('r'));
  assert.doesNotMatch(script, /survreg/, 'the page\'s R script is the hazard section\'s');
  assert.match(script, /coxph|survfit/);

  // A bandwidth typed in the box refits with it.
  await page.fill('#hz-bandwidth', '150');
  await page.locator('#hz-bandwidth').dispatchEvent('change');
  await idle(page);
  assert.match(await page.locator('#hz-bw-used').textContent(), /bandwidth 150/);

  // The page's analysis changes while the section is open: it refits. Ungrouped: no ratio.
  const spec = await page.evaluate(() => window.cohort.spec());
  delete spec.group;
  await page.evaluate(s => window.cohort.setSpec(s), spec);
  await idle(page);
  assert.equal(await page.locator('#hz-ratio-box').isHidden(), true, 'ratio shown without two groups');
  assert.match(await page.locator('#hz-bw-used').textContent(), /^All: bandwidth 150/);
  assert.ok(await canvasInk(page, '#hz-hazard') > 0.01);
  // Back to sex for the screenshot, bandwidth chosen by cross-validation.
  await page.fill('#hz-bandwidth', '');
  await page.evaluate(s => window.cohort.setSpec({ ...s, group: 'sex' }), spec);
  await idle(page);

  await page.locator('#hazard-box').screenshot({ path: path.join(OUT, 'hazard.png') });
  assert.deepEqual(errors, []);
  assertSameOrigin(requests, app.origin);
  await page.close();
});

test('a parametric fit without a maximum (its scale running off to 0) is shown without standard errors and never marked best', async () => {
  // Every event of a level at one time (tests/random seed 1217, cohort 192): the likelihood of a
  // model with a free scale grows without bound as the scale goes to 0. The core reports such a
  // fit (as R does, with its warning) with null standard errors; its log-likelihood and AIC only
  // say where it stopped, so "best" goes to the one fit that settled (the exponential).
  const { page, errors } = await app.newPage();
  const file = path.join(OUT, 'unbounded-scale.csv');
  fs.writeFileSync(file, 'time,status,stage\n' + ['1.57,1,II', '1.57,1,II', '1.57,1,II', '0.33,1,I', '0.33,1,I', '0.33,1,I'].join('\n') + '\n');
  await loadFile(page, file);
  await page.evaluate(() => window.cohort.setSpec({ time: 'time', event: { column: 'status', event: ['1'] }, covariates: ['stage'] }));
  await idle(page);
  await page.click('#hazard-tab');
  await page.waitForSelector('#hz-models tbody tr[data-dist="exponential"]');
  await idle(page);
  const best = await page.locator('#hz-models td.aic', { hasText: 'best' }).evaluateAll(cs => cs.map(c => c.closest('tr').dataset.dist));
  assert.deepEqual(best, ['exponential'], `best AIC on ${best}`);
  const rows = await page.locator('#hz-models tbody tr').evaluateAll(rs => rs.map(r => r.dataset.dist));
  assert.ok(rows.length >= 2, `the unsettled fits are listed too: ${rows}`);
  const warnings = await page.locator('#hz-status, #warnings li').allTextContents();
  assert.ok(warnings.some(w => /standard errors, confidence intervals and p-values are not available/.test(w)), `the reason is shown: ${warnings.join(' | ')}`);
  assert.deepEqual(errors, []);
  await page.close();
});
