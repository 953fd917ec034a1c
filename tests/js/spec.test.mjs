// The page's pure helpers: default spec from a schema, landmark parsing, share-link fragments,
// number formatting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultSpec, defaultEventValues, parseLandmarks, specToHash, specFromHash, defaultLandmarks } from '../../www/spec.js';
import { fmtP, fmtMedian, fmtPct } from '../../www/format.js';
import fs from 'node:fs';
import path from 'node:path';
import { schemaOf, reference, tempFile, ROOT } from './cli.mjs';

// The schema `cohort schema tests/reference/lung.csv` prints (run here: a renamed field fails).
const lung = schemaOf(reference('lung.csv'));
const LUNG_CSV = fs.readFileSync(reference('lung.csv'), 'utf8');

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
  // lung with time = -5 on one row (tests/messy/negative_time.csv): the schema's min is negative.
  const neg = schemaOf(path.join(ROOT, 'tests/messy/negative_time.csv'));
  const s = defaultSpec(neg);
  assert.equal(s.time, 'time', 'not inst');
  assert.deepEqual(s.times, [180, 365, 730]);
  assert.equal(timeProblem(neg.columns.find(c => c.name === 'time')), 'has negative values');
  assert.match(timeNote(neg, s), /follow-up time 'time' has negative values/);
  // Three cells of text in time (tests/messy/text_times.csv): the column stays, its cells named.
  const few = schemaOf(path.join(ROOT, 'tests/messy/text_times.csv'));
  assert.equal(defaultSpec(few).time, 'time');
  assert.equal(timeProblem(few.columns.find(c => c.name === 'time')), '3 cells are not a number');
  // time read as text ("306 days" in every row): no spec, and the reason names the column.
  const lines = LUNG_CSV.trim().split('\n');
  const days = lines.slice(1).map(l => { const c = l.split(','); c[1] = `${c[1]} days`; return c.join(','); });
  const text = schemaOf(tempFile('lung_days.csv', [lines[0], ...days].join('\n') + '\n'));
  assert.equal(text.columns.find(c => c.name === 'time').kind, 'categorical');
  assert.equal(defaultSpec(text), null);
  // (A text column has no unreadable cells to quote: the hand-written fixture this replaces had
  // invented some, and hid that the page never shows them for text.)
  assert.match(noSpecReason(text), /the column 'time' looks like the follow-up time but was read as text\. Correct those cells/);
  // A date column named like a time, with unreadable cells: they are quoted with their lines.
  const dated = schemaOf(tempFile('dated.csv', 'followup_time,status\n' + Array.from({ length: 12 }, (_, i) => `2020-01-${String(i + 10).padStart(2, '0')},${i % 2}`).join('\n') + '\nsoon,1\n'));
  const dcol = dated.columns.find(c => c.name === 'followup_time');
  assert.equal(dcol.kind, 'date');
  assert.match(noSpecReason(dated), /'followup_time' looks like the follow-up time but was read as dates \(line 14: 'soon'\)/);
  // No time-like name: a guess (the first numeric column with many values), and the note says so.
  const anon = schemaOf(tempFile('lung_v2.csv', LUNG_CSV.replace('"time"', '"v2"')));
  assert.ok(anon.columns.some(c => c.name === 'v2'));
  const g = defaultSpec(anon);
  assert.equal(g.time, 'inst');
  assert.match(timeNote(anon, g), /no column is named like a follow-up time, so 'inst' was taken: check it/);
});
