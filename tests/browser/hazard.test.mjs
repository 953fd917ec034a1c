// The "Hazard models" section (www/hazard.js) in headless chromium: lung grouped by sex, the
// section opened, the four hazard figures drawn, the model-choice table against R, the bandwidth
// box refitting, and no request leaving the page's origin.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { start, loadFile, canvasInk, REFERENCE_DIR, OUT } from './helpers.mjs';

const LUNG = path.join(REFERENCE_DIR, 'lung.csv');

// R 4.2, survival 3.x (R's `lung` is tests/reference/lung.csv):
//   Rscript -e 'library(survival); print(AIC(survreg(Surv(time,status==2)~1,data=lung,dist="weibull")), digits=15)'
//   [1] 2311.70237617881
const R_WEIBULL_AIC = 2311.70237617881;

let app;
before(async () => { app = await start(); fs.mkdirSync(OUT, { recursive: true }); });
after(async () => { await app?.close(); });

const idle = page => page.evaluate(() => window.cohort.idle());

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
  // Median and S(t) computed in the page from the coefficients: R
  //   predict(survreg(Surv(time, status == 2) ~ 1, lung, dist = "weibull"), type = "quantile", p = 0.5)[1]
  const cells = await page.locator('#hz-models tr[data-dist="weibull"] td').allTextContents();
  assert.ok(cells.length >= 5, cells.join('|'));

  // Figures: every canvas has ink; the ratio is shown for two groups.
  for (const id of ['#hz-cumhaz', '#hz-hazard', '#hz-ratio', '#hz-param']) {
    const ink = await canvasInk(page, id);
    assert.ok(ink > 0.01, `${id} is blank (${ink})`);
  }
  assert.equal(await page.locator('#hz-ratio-box').isHidden(), false);
  const used = await page.locator('#hz-bw-used').textContent();
  assert.match(used, /bandwidth/);

  // A bandwidth typed in the box refits with it.
  await page.fill('#hz-bandwidth', '150');
  await page.locator('#hz-bandwidth').dispatchEvent('change');
  await idle(page);
  assert.match(await page.locator('#hz-bw-used').textContent(), /bandwidth 150/);

  await page.locator('#hazard-box').screenshot({ path: path.join(OUT, 'hazard.png') });
  assert.deepEqual(errors, []);
  for (const r of requests) {
    const u = new URL(r.url);
    if (u.protocol === 'data:' || u.protocol === 'blob:') continue;
    assert.equal(u.origin, app.origin, `request left the origin: ${r.method} ${r.url}`);
  }
  await page.close();
});
