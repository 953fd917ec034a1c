// Count-column recognition in the page: an aggregated file (one row per distinct (time, status,
// arm) with its count `n`, as `cohort aggregate-sql` writes) is recognised by the core
// (`schema.count_column`), the page offers it with one click ("each row stands for 'n'
// patients"), which sets `weights: {column: 'n', kind: 'frequency'}`; the report then equals the
// row-level file's (Kaplan-Meier, log-rank, Cox), and a second click takes the weights back.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, loadFile, OUT } from './helpers.mjs';
import fs from 'node:fs';
import path from 'node:path';

let app;
before(async () => { app = await start(); fs.mkdirSync(OUT, { recursive: true }); });
after(async () => { await app?.close(); });

const COUNTS = 'time,status,arm,n\n2,1,a,3\n3,0,a,1\n4,0,a,2\n4,1,b,2\n5,1,b,1\n6,0,b,2\n7,0,a,1\n8,1,a,2\n9,0,b,3\n10,1,b,1\n11,1,a,2\n12,0,b,2\n';

function expanded() {
  let out = 'time,status,arm\n';
  for (const line of COUNTS.trim().split('\n').slice(1)) {
    const [t, s, a, n] = line.split(',');
    for (let i = 0; i < Number(n); i++) out += `${t},${s},${a}\n`;
  }
  return out;
}

const SPEC = { time: 'time', event: { column: 'status', event: ['1'] }, group: 'arm', covariates: [] };
const numbers = r => JSON.stringify({ n: r.n, events: r.events, km: r.km, logrank: r.logrank, cox: r.cox });

test('a count column is offered with one click, and the weighted report equals the row-level one', async () => {
  const { page } = await app.newPage();
  const rows = path.join(OUT, 'counts-rows.csv');
  const agg = path.join(OUT, 'counts-agg.csv');
  fs.writeFileSync(rows, expanded());
  fs.writeFileSync(agg, COUNTS);
  let r = await loadFile(page, rows);
  assert.ok(!r.error, r.error);
  assert.equal(await page.locator('#count-notice').isHidden(), true, 'no offer for a file without a count column');
  await page.evaluate(s => window.cohort.setSpec(s), SPEC);
  const rowLevel = await page.evaluate(() => window.cohort.report());
  assert.equal(rowLevel.n, 22);

  await page.setInputFiles('#file', agg);
  await page.waitForFunction(() => window.cohort.schema()?.name === 'counts-agg.csv');
  await page.evaluate(() => window.cohort.idle());
  const schema = await page.evaluate(() => window.cohort.schema());
  assert.equal(schema.count_column.column, 'n');
  assert.equal(schema.count_column.total, 22);
  await page.evaluate(s => window.cohort.setSpec(s), SPEC);
  assert.equal((await page.evaluate(() => window.cohort.report())).n, 12, 'unweighted until the user clicks');
  const notice = page.locator('#count-notice');
  await page.waitForFunction(() => !document.querySelector('#count-notice').hidden);
  assert.match(await notice.textContent(), /'n' holds whole numbers from 1 to 3 \(together 22 in 12 rows\)/);
  await page.click('#count-use');
  await page.waitForFunction(() => window.cohort.spec()?.weights?.column === 'n');
  await page.evaluate(() => window.cohort.idle());
  assert.deepEqual((await page.evaluate(() => window.cohort.spec())).weights, { column: 'n', kind: 'frequency' });
  const weighted = await page.evaluate(() => window.cohort.report());
  assert.equal(numbers(weighted), numbers(rowLevel));
  await page.waitForFunction(() => /counts 22 patients in 12 rows/.test(document.querySelector('#count-notice').textContent));
  // And back.
  await page.click('#count-use');
  await page.waitForFunction(() => !window.cohort.spec()?.weights);
  await page.evaluate(() => window.cohort.idle());
  assert.equal((await page.evaluate(() => window.cohort.report())).n, 12);
});
