// Every number the page shows is in the report `cohort analyze` prints (issue 16): for three
// analyses — the demo as it opens, lung by sex with a Cox model (and its hazard section), and a
// competing-risks analysis of transplant with a Fine-Gray model — the displayed text of the summary
// table and test line, the model table and its line, Table 1 (Cohort tab) and the hazard
// section's model table is read, every number in it parsed, and each found in the command line's
// report JSON for the page's own spec, within the rounding shown (a number with d decimals is
// some report value v with |v − x| ≤ ½·10^−d; a percentage is 100·v). Each table is searched
// only in its own part of the report (the summary in `km`/`cuminc`, the model in `cox`/
// `finegray`, …), so a number the page computed itself is not found by chance elsewhere.
// Needs the CLI: COHORT_CLI, else target/release or target/debug `cohort`, whichever is newer.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { start, loadFile, setSpec, REFERENCE_DIR, ROOT } from './helpers.mjs';
import { cliPath } from '../js/cli.mjs';

const CLI = cliPath();

let app;
before(async () => {
  assert.ok(CLI, 'build the command line first (cargo build --bin cohort) or set COHORT_CLI');
  app = await start();
});
after(async () => { await app?.close(); });

const settle = page => page.evaluate(async () => { for (let i = 0; i < 6; i++) await window.cohort.idle(); });

/** The report `cohort analyze FILE --spec SPEC` prints. */
function analyze(file, spec) {
  return JSON.parse(execFileSync(CLI, ['analyze', file, '--spec', JSON.stringify(spec)], { maxBuffer: 256 << 20 }).toString());
}

/** Every finite number under the report's keys `keys` (a key may be a dotted path). */
function numbersOf(report, keys) {
  const out = [];
  const walk = v => {
    if (typeof v === 'number' && Number.isFinite(v)) out.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  for (const k of keys) walk(k.split('.').reduce((o, p) => o?.[p], report));
  return out;
}

/**
 * Numbers in displayed text: "12.3%", "0.45 (0.32–0.61)", "χ² = 5.4, df = 1, P = 0.02". Bounds
 * ("P < 0.001") and the "95%" of "95% CI" are not values; a minus sign may be "−".
 */
function parseNumbers(text) {
  const out = [];
  const re = /(^|[^\w.])([<>≤≥]\s*)?([-−]?\d+(?:\.\d+)?)(%?)/g;
  let m;
  while ((m = re.exec(text))) {
    if (m[2]) continue;
    const raw = m[3].replace('−', '-');
    if (m[4] && raw === '95' && /^\s*CI/.test(text.slice(re.lastIndex))) continue;
    const decimals = raw.includes('.') ? raw.split('.')[1].length : 0;
    const start = m.index + m[1].length;
    out.push({ text: raw + m[4], value: Number(raw), decimals, percent: !!m[4], start, end: re.lastIndex });
  }
  // The page writes one % for a range and for a ± ("48.3–82.3%", "12.3% ± 4.5"): both are percentages.
  for (let i = 0; i < out.length; i++) {
    const next = out[i + 1], prev = out[i - 1];
    if (next?.percent && text.slice(out[i].end, next.start) === '–') out[i].percent = true;
    if (prev?.percent && /^\s*±\s*$/.test(text.slice(prev.end, out[i].start))) out[i].percent = true;
  }
  return out;
}

/** The numbers of `texts` not found among `candidates` within their rounding. */
function missing(texts, candidates, where) {
  const lost = [];
  let found = 0;
  for (const t of texts) {
    for (const n of parseNumbers(t)) {
      const tol = 0.5 * 10 ** -n.decimals + 1e-9;
      const scale = n.percent ? 100 : 1;
      const hit = candidates.some(v => Math.abs(v * scale - n.value) <= tol * (1 + 1e-12));
      if (hit) found++;
      else lost.push(`${where}: ${n.text} in "${t}"`);
    }
  }
  return { lost, found };
}

/** Displayed text of each cell (th of the header row included, row names excluded). */
const cellTexts = (page, sel) => page.locator(`${sel} td, ${sel} thead th`).allTextContents();
const text = (page, sel) => page.locator(sel).textContent();

/** Checks every number shown for the page's current analysis against the CLI's report. */
async function checkPage(page, file, label, { hazard = false } = {}) {
  await settle(page);
  const spec = await page.evaluate(() => window.cohort.spec());
  const report = analyze(file, spec);
  const results = [];
  const curves = report.km?.length ? ['km'] : ['cuminc'];
  results.push(missing(await cellTexts(page, '#summary'), numbersOf(report, [...curves, 'spec.times']), `${label} summary`));
  results.push(missing([await text(page, '#test-line')], numbersOf(report, ['n', 'events', 'competing_events', 'rows_in_file', 'rows_filtered_out', 'logrank', 'gray_test', 'flow']), `${label} test line`));
  if (await page.locator('#model-box').isVisible()) {
    const model = ['cox', 'finegray'];
    results.push(missing([...await page.locator('#model td').allTextContents(), await text(page, '#model-line')], numbersOf(report, model), `${label} model`));
  }
  // Table 1 on the Cohort tab (the page adds its default columns to the spec when it opens).
  await page.click('#tab-cohort');
  await settle(page);
  await page.waitForSelector('#t1 tbody tr.var');
  const spec1 = await page.evaluate(() => window.cohort.spec());
  const report1 = analyze(file, spec1);
  results.push(missing(await cellTexts(page, '#t1'), numbersOf(report1, ['table1', 'km', 'cuminc', 'flow.groups']), `${label} Table 1`));
  await page.click('#tab-survival');
  await settle(page);
  if (hazard) {
    await page.click('#hazard-tab');
    await page.waitForSelector('#hz-models tbody tr[data-dist="weibull"]');
    await settle(page);
    // The hazard section's own run: the page's spec with `hazard` and the four AFT models.
    const hz = analyze(file, { ...spec, hazard: {}, parametric: ['exponential', 'weibull', 'lognormal', 'loglogistic'] });
    results.push(missing(await cellTexts(page, '#hz-models'), numbersOf(hz, ['parametric']), `${label} hazard models`));
    // "1: bandwidth 461 (cross-validation); 2: …": the numbers after "bandwidth" (before it, group names).
    const bw = (await text(page, '#hz-bw-used')).match(/bandwidth [\d.]+/g) || [];
    assert.ok(bw.length > 0, 'no bandwidth shown');
    results.push(missing(bw, numbersOf(hz, ['hazard']), `${label} bandwidths`));
  }
  const lost = results.flatMap(r => r.lost);
  const found = results.reduce((a, r) => a + r.found, 0);
  assert.deepEqual(lost, [], `${label}: numbers shown that the report does not hold`);
  console.log(`${label}: ${found} displayed numbers found in the report`);
  return found;
}

test('every number the page shows is in the report cohort analyze prints', async () => {
  const { page, errors } = await app.newPage();
  await settle(page);

  // 1. The demo as the page opens on it.
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'www/demo/analyses.json'), 'utf8'));
  const demo = path.join(ROOT, 'www/demo', manifest.data);
  const n1 = await checkPage(page, demo, 'demo');
  assert.ok(n1 >= 10, `demo: only ${n1} numbers read`);

  // 2. lung by sex, Cox model of age and sex, landmarks; with the hazard section.
  const lung = path.join(REFERENCE_DIR, 'lung.csv');
  assert.ok(!(await loadFile(page, lung)).error);
  const s2 = await setSpec(page, { time: 'time', event: { column: 'status', event: ['2'] }, group: 'sex', covariates: ['age', 'sex'], times: [180, 365] });
  assert.ok(!s2.error, s2.error);
  const n2 = await checkPage(page, lung, 'lung by sex', { hazard: true });
  assert.ok(n2 >= 40, `lung: only ${n2} numbers read`);

  // 3. Competing risks: transplant, liver transplant against death, by blood group, Fine-Gray on age.
  const transplant = path.join(REFERENCE_DIR, 'transplant.csv');
  assert.ok(!(await loadFile(page, transplant)).error);
  const s3 = await setSpec(page, { time: 'futime', event: { column: 'event', event: ['ltx'], competing: ['death'] }, group: 'abo', covariates: ['age'], times: [30, 90, 365] });
  assert.ok(!s3.error, s3.error);
  const n3 = await checkPage(page, transplant, 'transplant (competing)');
  assert.ok(n3 >= 20, `transplant: only ${n3} numbers read`);

  assert.deepEqual(errors, []);
  await page.close();
});
