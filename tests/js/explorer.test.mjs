// Pure helpers of the explorer (www/explorer.js): which columns are offered as covariates, and
// small-count suppression for exports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { covariateCandidates, disclose, tablesCsv } from '../../www/explorer.js';

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

test('disclose replaces counts 1..k-1 by "<k", keeps 0, totals >= k, estimates and the spec', () => {
  const report = {
    spec: { time: 'months', n: 3 }, n: 12, events: 4, rows_in_file: 12, rows_filtered_out: 0,
    km: [{ group: 'a', n: 3, events: 0, median: 2.5, at: [{ time: 6, n_risk: 2, surv: 0.5 }] },
      { group: 'b', n: 9, events: 4, median: null, at: [{ time: 6, n_risk: 7, surv: 0.8 }] }],
    table1: [{ variable: 'site', groups: [{ group: 'a', n: 3, missing: 1, levels: [{ level: 'x', count: 3, percent: 100 }] }] }],
  };
  const d = disclose(report, 5);
  assert.equal(d.n, 12);
  assert.equal(d.events, '<5');
  assert.equal(d.rows_filtered_out, 0);
  assert.deepEqual(d.km[0], { group: 'a', n: '<5', events: 0, median: 2.5, at: [{ time: 6, n_risk: '<5', surv: 0.5 }] });
  assert.equal(d.km[1].n, 9);
  assert.equal(d.km[1].at[0].n_risk, 7);
  assert.equal(d.table1[0].groups[0].levels[0].count, '<5');
  assert.equal(d.table1[0].groups[0].missing, '<5');
  assert.deepEqual(d.spec, report.spec, 'the spec is settings, not counts');
  assert.equal(report.km[0].n, 3, 'the report itself is not changed');
  // k = 1 suppresses nothing.
  assert.deepEqual(disclose(report, 1), report);
  // The CSV of the tables carries the suppressed counts.
  const csv = tablesCsv(report, 5).split('\n');
  assert.ok(csv.includes('summary,a,<5,0,2.5,,'), csv.join('\n'));
  assert.ok(csv.includes('summary,b,9,<5,,,'), csv.join('\n'));
});
