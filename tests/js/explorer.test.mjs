// Pure helpers of the explorer (www/explorer.js): which columns are offered as covariates, and
// small-count suppression for exports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { covariateCandidates } from '../../www/explorer.js';

const schema = {
  name: 'x.csv', rows: 10, notes: [],
  columns: [
    { name: 'patient_id', kind: 'identifier', missing: 0, distinct: 10, levels: null },
    { name: 'mrn', kind: 'numeric', missing: 0, distinct: 10, levels: null, min: 1, max: 10 },
    { name: 'months', kind: 'numeric', missing: 0, distinct: 9, levels: null, min: 1, max: 30 },
    { name: 'status', kind: 'numeric', missing: 0, distinct: 2, levels: ['0', '1'], min: 0, max: 1 },
    { name: 'age', kind: 'numeric', missing: 0, distinct: 8, levels: null, min: 40, max: 80 },
    { name: 'site', kind: 'categorical', missing: 0, distinct: 3, levels: ['a', 'b', 'c'] },
    { name: 'constant', kind: 'categorical', missing: 0, distinct: 1, levels: ['x'] },
    { name: 'rt_date', kind: 'date', missing: 0, distinct: 10, levels: null },
  ],
};

test('covariates offered: not identifiers, dates, time, outcome or single-valued columns', () => {
  const spec = { time: 'months', event: { column: 'status', event: ['1'] } };
  assert.deepEqual(covariateCandidates(schema, spec).map(c => c.name), ['age', 'site']);
  // With time from dates, neither date column is offered (they are dates anyway) and months is.
  const span = { time: { start: 'rt_date', end: 'rt_date' }, event: { column: 'status', event: ['1'] } };
  assert.deepEqual(covariateCandidates(schema, span).map(c => c.name), ['months', 'age', 'site']);
});

