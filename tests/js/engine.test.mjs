// www/engine.js: the choice of engine build (ZIP and OLE2 files go to the workbook build), and
// the page's merge of a `run_delta` answer (the unchanged fields come from the previous report,
// in the report's own key order, so the page holds exactly the report `run` gives).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isWorkbookHead, mergeDelta } from '../../www/engine.js';

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

const ORDER = ['km', 'logrank', 'pairwise', 'trend', 'cox', 'univariable', 'cuminc', 'gray_test', 'finegray', 'table1'];

test('unchanged fields are the previous objects, put back in the report order', () => {
  const km = [{ group: 'a', steps: [1, 2, 3] }];
  const logrank = { p: 0.1 };
  const prev = { spec: { covariates: ['x'] }, n: 10, km, logrank, cox: { terms: ['x'] }, univariable: [{ covariate: 'x' }] };
  // The engine left out km, logrank and univariable (same as before) and sent the new model.
  const answer = { token: 2, same: ['km', 'logrank', 'univariable'], order: ORDER,
    report: { spec: { covariates: ['x', 'y'] }, n: 10, cox: { terms: ['x', 'y'] } } };
  const got = mergeDelta(prev, answer);
  assert.deepEqual(Object.keys(got), ['spec', 'n', 'km', 'logrank', 'cox', 'univariable']);
  assert.equal(got.km, km, 'the very same array: the page need not redraw the curves');
  assert.equal(got.logrank, logrank);
  assert.deepEqual(got.cox.terms, ['x', 'y']);
  assert.deepEqual(got.spec.covariates, ['x', 'y']);
});

test('a field that was absent before and after stays absent; a new field takes its place in the order', () => {
  const prev = { spec: {}, km: [1] };
  // cox: none before, none now (reported as "same"); table1 is new.
  const answer = { token: 3, same: ['km', 'cox'], order: ORDER, report: { spec: {}, table1: [{ variable: 'age' }] } };
  const got = mergeDelta(prev, answer);
  assert.deepEqual(Object.keys(got), ['spec', 'km', 'table1']);
  assert.ok(!('cox' in got));
});

test('with nothing left out (a first run, or after another run) the report is taken as sent', () => {
  const answer = { token: 1, same: [], order: ORDER, report: { spec: {}, km: [1] } };
  assert.equal(mergeDelta(null, answer), answer.report);
  assert.equal(mergeDelta({ km: [2] }, answer), answer.report);
});
