// Pure helpers of the explorer (www/explorer.js): which columns are offered as covariates, and
// small-count suppression for exports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { covariateCandidates } from '../../www/explorer.js';
import { schemaOf, FIXTURES } from './cli.mjs';

// `cohort schema tests/js/fixtures/explorer.csv`: patient_id and mrn flagged as identifiers by
// the core, subject a plain numeric column whose name says it is one, constant a single value.
const schema = schemaOf(path.join(FIXTURES, 'explorer.csv'));

test('the fixture is what the core says about these columns', () => {
  const kind = Object.fromEntries(schema.columns.map(c => [c.name, c.kind]));
  assert.deepEqual(kind, { patient_id: 'identifier', mrn: 'identifier', subject: 'numeric', months: 'numeric', status: 'numeric', age: 'numeric', site: 'categorical', constant: 'categorical', rt_date: 'date' });
});

test('covariates offered: not identifiers, dates, time, outcome or single-valued columns', () => {
  const spec = { time: 'months', event: { column: 'status', event: ['1'] } };
  assert.deepEqual(covariateCandidates(schema, spec).map(c => c.name), ['age', 'site']);
  // With time from dates, neither date column is offered (they are dates anyway) and months is.
  const span = { time: { start: 'rt_date', end: 'rt_date' }, event: { column: 'status', event: ['1'] } };
  assert.deepEqual(covariateCandidates(schema, span).map(c => c.name), ['months', 'age', 'site']);
});


test('a pandas export\'s index column (lifelines\' ACTG175.csv shape) is flagged as row numbers and not offered', () => {
  const actg = schemaOf(path.join(FIXTURES, '..', '..', 'messy', 'actg175_pandas.csv'));
  assert.deepEqual(actg.columns.filter(c => c.row_number).map(c => c.name), ['X']);
  assert.match(actg.notes.join(' '), /row numbers 0 to 59: it is not a variable, it is flagged as a row number and not offered as a covariate/);
  const offered = covariateCandidates(actg, { time: 'days', event: { column: 'cid', event: ['1'] } }).map(c => c.name);
  assert.ok(!offered.includes('X'), offered.join(', '));
  assert.ok(offered.includes('age') && offered.includes('karnof'), offered.join(', '));
});
