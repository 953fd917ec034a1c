// www/engine.js: the choice of engine build (ZIP and OLE2 files go to the workbook build), and
// the page's merge of a `run_delta` answer (the unchanged fields come from the previous report,
// in the report's own key order, so the page holds exactly the report `run` gives).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isWorkbookHead, mergeDelta } from '../../www/engine.js';
import { analyze, reference, ROOT } from './cli.mjs';

const INGEST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../ingest');
const head = f => new Uint8Array(fs.readFileSync(path.join(INGEST, f)).subarray(0, 8));

test('workbooks (and other ZIP/OLE2 files, which the workbook build names) need the workbook build', () => {
  for (const f of ['lung.xlsx', 'lung.xls', 'ovarian.ods', 'truncated.xlsx', 'zip_renamed.csv']) assert.equal(isWorkbookHead(head(f)), true, f);
  for (const f of ['lung_cp1252_accents.csv', 'lung_tab_utf16le.txt', 'lung_utf16be.csv', 'html_saved_as.xls', 'png_renamed.csv', 'empty.csv']) {
    assert.equal(isWorkbookHead(head(f)), false, f);
  }
  // Empty-archive and spanned-archive ZIP signatures; a lone "PK" is text.
  assert.equal(isWorkbookHead(Uint8Array.of(0x50, 0x4b, 5, 6)), true);
  assert.equal(isWorkbookHead(Uint8Array.of(0x50, 0x4b, 7, 8)), true);
  assert.equal(isWorkbookHead(Uint8Array.of(0x50, 0x4b)), false);
  assert.equal(isWorkbookHead(new Uint8Array(0)), false);
});

// The fields `run_delta` may leave out, as src/wasm.rs lists them (`delta_fields!`), and real
// reports of the command line (the same serializer as the engine's `run`).
const ORDER = fs.readFileSync(path.join(ROOT, 'src/wasm.rs'), 'utf8').match(/macro_rules! delta_fields[^]*?\$m!\(([^)]*)\)/)[1].split(',').map(s => s.trim());
const LUNG = reference('lung.csv');
const BASE = { time: 'time', event: { column: 'status', event: ['2'] }, group: 'sex', table1: ['age'], univariable: ['age', 'ph.ecog'], pairwise: true, parametric: ['weibull'], hazard: {} };
const before1 = analyze(LUNG, { ...BASE, covariates: ['age'] });
const after1 = analyze(LUNG, { ...BASE, covariates: ['age', 'ph.ecog'] });

test('the delta fields are report fields, in the report\'s order', () => {
  const keys = Object.keys(before1);
  for (const f of ['km', 'logrank', 'pairwise', 'cox', 'univariable', 'table1', 'parametric', 'hazard', 'hazard_ratio']) {
    assert.ok(ORDER.includes(f), `${f} is not a delta field`);
    assert.ok(keys.includes(f), `${f} is not in the command line's report (renamed?): ${keys}`);
  }
  const inReport = keys.filter(k => ORDER.includes(k));
  assert.deepEqual(inReport, ORDER.filter(k => inReport.includes(k)), 'same relative order');
});

function lite(report, same) {
  const out = {};
  for (const [k, v] of Object.entries(report)) if (!same.includes(k)) out[k] = v;
  return out;
}

test('unchanged fields are the previous objects, put back in the report order', () => {
  // The model refit with one more covariate: the curves, tests and Table 1 are the same.
  for (const f of ['km', 'logrank', 'table1']) assert.deepEqual(after1[f], before1[f], f);
  assert.notDeepEqual(after1.cox, before1.cox);
  // What the engine would report as "same": the delta fields equal in both (the parametric
  // models take the covariates too, so they changed).
  const same = ORDER.filter(k => k in after1 && JSON.stringify(after1[k]) === JSON.stringify(before1[k]));
  assert.deepEqual(same, ['km', 'logrank', 'pairwise', 'univariable', 'table1', 'hazard', 'hazard_ratio']);
  const answer = { token: 2, same, order: ORDER, report: lite(after1, same) };
  const got = mergeDelta(before1, answer);
  assert.deepEqual(Object.keys(got), Object.keys(after1));
  assert.deepEqual(got, after1);
  assert.equal(got.km, before1.km, 'the very same array: the page need not redraw the curves');
  assert.equal(got.logrank, before1.logrank);
  assert.equal(got.cox, answer.report.cox);
});

test('a field that was absent before and after stays absent; a new field takes its place in the order', () => {
  // Before: no model and no Table 1; now Table 1 is asked for (cox absent in both: "same").
  const prev = analyze(LUNG, { time: 'time', event: { column: 'status', event: ['2'] }, group: 'sex' });
  const now = analyze(LUNG, { time: 'time', event: { column: 'status', event: ['2'] }, group: 'sex', table1: ['age'] });
  assert.ok(!('cox' in prev) && !('cox' in now) && !('table1' in prev) && 'table1' in now);
  const answer = { token: 3, same: ['km', 'logrank', 'cox'], order: ORDER, report: lite(now, ['km', 'logrank', 'cox']) };
  const got = mergeDelta(prev, answer);
  assert.deepEqual(Object.keys(got), Object.keys(now));
  assert.deepEqual(got, now);
  assert.ok(!('cox' in got));
});

test('with nothing left out (a first run, or after another run) the report is taken as sent', () => {
  const answer = { token: 1, same: [], order: ORDER, report: before1 };
  assert.equal(mergeDelta(null, answer), answer.report);
  assert.equal(mergeDelta(after1, answer), answer.report);
});

// The slow-call watch: a call still running after SLOW_CALL_MS tells the page which call it is,
// and the page's progress line names it (a figure is not "Analysing…").
test('a slow call names itself, and the progress line says what runs', async () => {
  const { WorkerEngine, slowLabel, SLOW_CALL_MS } = await import('../../www/engine.js');
  const ops = fs.readFileSync(path.join(ROOT, 'www/ops.js'), 'utf8');
  for (const op of ['draw', 'drawForest', 'svg']) assert.ok(ops.includes(`  ${op}: {`), `www/ops.js has no ${op}`);
  assert.equal(slowLabel('run'), 'Analysing…');
  assert.equal(slowLabel('runDelta'), 'Analysing…');
  assert.equal(slowLabel('draw'), 'Drawing the figure…');
  assert.equal(slowLabel('drawForest'), 'Drawing the figure…');
  assert.equal(slowLabel('exportKind'), 'Preparing the export…');
  assert.equal(slowLabel('missingness'), 'Summarising the columns…');
  const engine = new WorkerEngine();
  const seen = [];
  engine.onSlow = (busy, op) => seen.push([busy, op]);
  engine.send = (op, args) => new Promise(res => setTimeout(() => res(args.value), args.ms));
  // A quick call says nothing; a slow one says which it is, and that it ended.
  // (The answers as the worker sends them: a figure's layout is JSON text, decoded here.)
  assert.deepEqual(await engine.request('draw', { ms: 10, value: { layout: '1' } }), { layout: 1 });
  assert.deepEqual(seen, []);
  assert.deepEqual(await engine.request('drawForest', { ms: SLOW_CALL_MS + 200, value: { layout: '2' } }), { layout: 2 });
  assert.deepEqual(seen, [[true, 'drawForest'], [false, undefined]]);
  // The file's own load has its progress bar: not watched.
  seen.length = 0;
  await engine.request('loadFile', { ms: SLOW_CALL_MS + 100, value: '{"rows":3}' });
  assert.deepEqual(seen, []);
});
