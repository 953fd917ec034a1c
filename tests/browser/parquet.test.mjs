// Parquet in the page: a dropped .parquet file (`PAR1`) fetches the on-demand build (the one with
// the workbook readers, which also reads Parquet: scripts/build.sh) and is analysed exactly as its
// CSV is; a zstd-compressed file, whose codec the browser build lacks, gets a message naming the
// codec and how to re-export; no request leaves the origin. The fixtures are written by DuckDB
// (tests/ingest_parquet/make_fixtures.py).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { start, loadFile, setSpec, canvasInk, ROOT, assertSameOrigin } from './helpers.mjs';

const PQ = path.join(ROOT, 'tests', 'ingest_parquet');
const LUNG_SPEC = { time: 'time', event: { column: 'status', event: ['2'] }, group: 'sex', covariates: ['age', 'ph.ecog'] };

let app;
before(async () => { app = await start(); });
after(async () => { await app?.close(); });

const fetched = (requests, name) => requests.filter(r => new URL(r.url).pathname.endsWith(`/pkg/${name}`)).length;

/** The report without what names the file and its format (file, notes, warnings). */
function numbers(report) {
  const { notes, warnings, file, ...rest } = report;
  return rest;
}

test('a .parquet through the file input: the on-demand build reads it; the analysis equals the CSV\'s', async () => {
  const { page, requests, errors } = await app.newPage();
  assert.equal(await page.evaluate(() => window.cohort.engineKind()), 'worker');
  // The CSV first, in the core build.
  let r = await loadFile(page, path.join(ROOT, 'tests', 'reference', 'lung.csv'), 'lung');
  assert.ok(!r.error, r.error);
  let res = await setSpec(page, LUNG_SPEC);
  assert.ok(!res.error, res.error);
  const fromCsv = res.report;
  assert.equal(fromCsv.n, 228);
  assert.equal(fetched(requests, 'cohort_workbook_bg.wasm'), 0, 'a CSV needs no on-demand build');

  // The same data as Parquet (snappy, DuckDB's default) through the real file input (streamed).
  await page.setInputFiles('#file', path.join(PQ, 'lung.parquet'));
  await page.waitForFunction(() => window.cohort.schema()?.name === 'lung.parquet');
  await page.evaluate(() => window.cohort.idle());
  assert.equal(fetched(requests, 'cohort_workbook_bg.wasm'), 1, 'the Parquet reader is fetched on demand');
  const schema = await page.evaluate(() => window.cohort.schema());
  assert.equal(schema.rows, 228);
  assert.ok(schema.notes.some(n => n.startsWith('format: Parquet (1 row group, snappy)')), schema.notes.join(' | '));
  res = await setSpec(page, LUNG_SPEC);
  assert.ok(!res.error, res.error);
  assert.equal(res.report.n, 228);
  assert.equal(res.report.events, 165);
  assert.deepEqual(numbers(res.report), numbers(fromCsv));
  assert.ok(await canvasInk(page) > 0.005, 'no figure from the Parquet file');
  assert.equal(await page.locator('#error').isHidden(), true, await page.locator('#error').textContent());
  assertSameOrigin(requests, app.origin);
  assert.deepEqual(errors.filter(e => !/analyses\.json|404/.test(e)), []);
});

test('every codec the browser build has reads as the CSV; zstd is named with how to re-export', async () => {
  const { page, requests } = await app.newPage();
  let r = await loadFile(page, path.join(PQ, 'mixed.csv'));
  assert.ok(!r.error, r.error);
  const csv = await page.evaluate(() => window.cohort.schema());
  for (const codec of ['snappy', 'gzip', 'lz4', 'uncompressed']) {
    r = await loadFile(page, path.join(PQ, `mixed_${codec}.parquet`));
    assert.ok(!r.error, `${codec}: ${r.error}`);
    const pq = await page.evaluate(() => window.cohort.schema());
    assert.deepEqual({ ...pq, name: '', notes: [] }, { ...csv, name: '', notes: [] }, codec);
  }
  r = await loadFile(page, path.join(PQ, 'mixed_zstd.parquet'));
  assert.match(r.error || '', /compressed with zstd, which the page cannot decompress/);
  assert.match(r.error || '', /COMPRESSION snappy/);
  // The page still works.
  r = await loadFile(page, path.join(ROOT, 'tests', 'reference', 'ovarian.csv'));
  assert.ok(!r.error, r.error);
  assert.equal(fetched(requests, 'cohort_workbook_bg.wasm'), 1, 'fetched once');
  assertSameOrigin(requests, app.origin);
});
