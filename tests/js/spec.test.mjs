// The page's pure helpers: default spec from a schema, landmark parsing, share-link fragments,
// number formatting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultSpec, defaultEventValues, parseLandmarks, specToHash, specFromHash, defaultLandmarks } from '../../www/spec.js';
import { fmtP, fmtMedian, fmtPct } from '../../www/format.js';

// The schema `cohort schema tests/reference/lung.csv` prints (abridged to the columns used).
const lung = {
  name: 'lung.csv', rows: 228, notes: [],
  columns: [
    { name: 'inst', kind: 'numeric', missing: 1, distinct: 18, levels: null, min: 1, max: 33 },
    { name: 'time', kind: 'numeric', missing: 0, distinct: 186, levels: null, min: 5, max: 1022 },
    { name: 'status', kind: 'numeric', missing: 0, distinct: 2, levels: ['1', '2'], min: 1, max: 2 },
    { name: 'age', kind: 'numeric', missing: 0, distinct: 42, levels: null, min: 39, max: 82 },
    { name: 'sex', kind: 'numeric', missing: 0, distinct: 2, levels: ['1', '2'], min: 1, max: 2 },
  ],
};

test('lung: time, status with 2 = death (R codes 1 = censored, 2 = dead)', () => {
  const s = defaultSpec(lung);
  assert.equal(s.time, 'time');
  assert.deepEqual(s.event, { column: 'status', event: ['2'] });
  assert.equal(s.group, undefined);
  assert.deepEqual(s.times, [180, 365, 730]); // 730 < 0.9 × 1022
});

test('event values: usual codes', () => {
  assert.deepEqual(defaultEventValues(['0', '1']), ['1']);
  assert.deepEqual(defaultEventValues(['alive', 'dead']), ['dead']);
  assert.deepEqual(defaultEventValues(['No', 'Yes']), ['Yes']);
  assert.deepEqual(defaultEventValues(['censored', 'death', 'relapse']), ['death']);
  assert.deepEqual(defaultEventValues(['0', '1', '2']), ['1']); // competing-risks coding: 1 = event of interest
  assert.deepEqual(defaultEventValues(['FALSE', 'TRUE']), ['TRUE']);
});

test('months data get 6/12/24 landmarks; short follow-up fewer', () => {
  assert.deepEqual(defaultLandmarks(60), [6, 12, 24]);
  assert.deepEqual(defaultLandmarks(20), [6, 12]);
  assert.deepEqual(defaultLandmarks(0), []);
});

test('landmarks parse, sort, dedupe; a bad entry is named', () => {
  assert.deepEqual(parseLandmarks('12, 6;24 6'), [6, 12, 24]);
  assert.deepEqual(parseLandmarks(''), []);
  assert.throws(() => parseLandmarks('6, twelve'), /twelve/);
  assert.throws(() => parseLandmarks('-1'), /-1/);
});

test('share fragment round-trips and carries only the spec', () => {
  const spec = { time: 'time', event: { column: 'status', event: ['2'] }, group: 'sex', times: [180], view: { conf_bands: false } };
  const h = specToHash(spec);
  assert.match(h, /^#spec=/);
  assert.deepEqual(specFromHash(h), spec);
  assert.equal(specFromHash(''), null);
  assert.equal(specFromHash('#other=1'), null);
  assert.throws(() => specFromHash('#spec=%7Bnot'), /not valid JSON/);
  assert.throws(() => specFromHash('#spec=%E0%A4%A'), /not correctly encoded/);
});

test('a share fragment too deep or too long is refused with the reason, before it is parsed', () => {
  // Issue 13: a 200,000-deep group made the page's start fail silently.
  const deep = '{"time":"t","event":{"column":"s","event":["1"]},"group":' + '['.repeat(200000) + ']'.repeat(200000) + '}';
  assert.throws(() => specFromHash('#spec=' + encodeURIComponent(deep)), /more than .* KB/);
  const deepShort = '{"group":' + '['.repeat(40) + ']'.repeat(40) + '}';
  assert.throws(() => specFromHash('#spec=' + encodeURIComponent(deepShort)), /nested more than 16 levels/);
  // Brackets inside strings do not count.
  const quoted = { time: 't', event: { column: 's', event: ['['.repeat(50)] }, view: { title: '{{{{{{{{{{{{{{{{{{{{"\\' } };
  assert.deepEqual(specFromHash(specToHash(quoted)), quoted);
});

test('P values and medians as journals print them', () => {
  assert.equal(fmtP(0.00131), 'P = 0.0013');
  assert.equal(fmtP(0.0004), 'P < 0.001');
  assert.equal(fmtP(0.4237), 'P = 0.42');
  assert.equal(fmtP(0.999), 'P > 0.99');
  assert.equal(fmtMedian(310, 285, 363), '310 (285–363)');
  assert.equal(fmtMedian(null, 400, null), 'NR (400–NR)');
  // One precision per row: the bounds as the median (issue 14: "14.6 (5.82–NR)" against "5.8–NR").
  assert.equal(fmtMedian(14.6, 5.82, null), '14.6 (5.8–NR)');
  assert.equal(fmtMedian(310, 285.4, 363.2), '310 (285–363)');
  assert.equal(fmtPct(0.6437), '64.4%');
});

test('group columns and time units of a spec (one name or a crossed pair; {column, unit, display})', async () => {
  const { groupColumns, groupLabel, timeColumn, timeFactor } = await import('../../www/spec.js');
  assert.deepEqual(groupColumns({ group: 'sex' }), ['sex']);
  assert.deepEqual(groupColumns({ group: ['sex', 'ph.ecog'] }), ['sex', 'ph.ecog']);
  assert.deepEqual(groupColumns({}), []);
  assert.equal(groupLabel({ group: ['sex', 'ph.ecog'] }), 'sex × ph.ecog');
  assert.equal(timeColumn({ time: 'time' }), 'time');
  assert.equal(timeColumn({ time: { column: 'futime', unit: 'days' } }), 'futime');
  assert.equal(timeColumn({ time: { start: 'a', end: 'b' } }), '');
  // days → months: 12 / 365.25 per day; weeks → years: 7 / 365.25; no unit or same unit: 1.
  assert.equal(timeFactor({ time: { column: 't', unit: 'days', display: 'months' } }), 12 / 365.25);
  assert.equal(timeFactor({ time: { column: 't', unit: 'weeks', display: 'years' } }), 7 / 365.25);
  assert.equal(timeFactor({ time: { column: 't', unit: 'days' } }), 1);
  assert.equal(timeFactor({ time: 't' }), 1);
  assert.equal(timeFactor({ time: { start: 'a', end: 'b', unit: 'months' } }), 1);
});

test('issue 14: a negative time keeps the time column; a text time column is never replaced by another', async () => {
  const { timeProblem, noSpecReason, timeNote } = await import('../../www/spec.js');
  // lung with time = -5 on one row: the schema's min is negative.
  const neg = { ...lung, columns: lung.columns.map(c => (c.name === 'time' ? { ...c, min: -5 } : c)) };
  const s = defaultSpec(neg);
  assert.equal(s.time, 'time', 'not inst');
  assert.deepEqual(s.times, [180, 365, 730]);
  assert.equal(timeProblem(neg.columns[1]), 'has negative values');
  assert.match(timeNote(neg, s), /follow-up time 'time' has negative values/);
  // time read as text ("12 days"): no spec, and the reason names the column.
  const text = { ...lung, columns: lung.columns.map(c => (c.name === 'time' ? { name: 'time', kind: 'categorical', missing: 0, distinct: 186, levels: null, unreadable_examples: ['306 days'] } : c)) };
  assert.equal(defaultSpec(text), null);
  assert.match(noSpecReason(text), /the column 'time' looks like the follow-up time but was read as text \(values such as '306 days'\)/);
  // No time-like name: a guess (the first numeric column with many values), and the note says so.
  const anon = { ...lung, columns: lung.columns.map(c => (c.name === 'time' ? { ...c, name: 'v2' } : c)) };
  const g = defaultSpec(anon);
  assert.equal(g.time, 'inst');
  assert.match(timeNote(anon, g), /no column is named like a follow-up time, so 'inst' was taken: check it/);
});
