// The share-link encoding (www/share.js): deflate-raw + base64url with a version, and the
// refusals of broken links; the columns a data link embeds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { cohort, reference } from './cli.mjs';
import { encodePayload, decodePayload, sharedFragment, analysisColumns, toBase64url, fromBase64url, SHARE_VERSION, RESULTS_VERSION, MAX_FRAGMENT_CHARS } from '../../www/share.js';

test('a payload round-trips and is what node\'s inflateRaw reads (deflate-raw + base64url)', async () => {
  const obj = { v: RESULTS_VERSION, kind: 'results', k: 5, km: [{ time: [1, 2, 3], surv: [0.9, 0.8, null] }], text: 'Göteborg – ≥ 65' };
  const { text, bytes } = await encodePayload(obj);
  assert.match(text, /^[A-Za-z0-9_-]+$/);
  assert.equal(fromBase64url(text).length, bytes);
  assert.deepEqual(JSON.parse(zlib.inflateRawSync(Buffer.from(text, 'base64url')).toString()), obj);
  assert.deepEqual(await decodePayload(text, 'results'), obj);
  // Every byte value survives base64url.
  const all = new Uint8Array(256).map((_, i) => i);
  assert.deepEqual(fromBase64url(toBase64url(all)), all);
});

test('broken, oversized, foreign and newer links are refused with the reason', async () => {
  const enc = async o => (await encodePayload(o)).text;
  const good = await enc({ v: RESULTS_VERSION, kind: 'results' });
  await assert.rejects(decodePayload(good.slice(0, -3), 'results'), /damaged|cut/);
  await assert.rejects(decodePayload('ab$cd', 'results'), /base64url/);
  await assert.rejects(decodePayload('', 'results'), /no contents/);
  await assert.rejects(decodePayload('A'.repeat(MAX_FRAGMENT_CHARS + 1), 'results'), /too long/);
  await assert.rejects(decodePayload(toBase64url(zlib.deflateRawSync('not json')), 'results'), /not valid JSON/);
  await assert.rejects(decodePayload(await enc({ kind: 'results' }), 'results'), /no format version/);
  await assert.rejects(decodePayload(await enc({ v: RESULTS_VERSION + 1, kind: 'results' }), 'results'), /newer version/);
  // Format 1 released every step of every curve (issue 13): refused, with what to do.
  await assert.rejects(decodePayload(await enc({ v: 1, kind: 'results' }), 'results'), /older version.*ask for a new link/);
  await assert.rejects(decodePayload(await enc({ v: 1, kind: 'data' }), 'results'), /holds 'data'/);
  await assert.rejects(decodePayload(await enc([1, 2]), 'results'), /not shared results/);
  // A zip bomb: 40 MB of zeros compress to ~40 KB; unpacking stops at the limit.
  const bomb = toBase64url(zlib.deflateRawSync(Buffer.alloc(40 * 1024 * 1024, 32)));
  await assert.rejects(decodePayload(bomb, 'results'), /larger than/);
});

test('fragments: #results= and #embed= are shared links; #spec= is not', () => {
  assert.deepEqual(sharedFragment('#results=abc'), { kind: 'results', text: 'abc' });
  assert.deepEqual(sharedFragment('#embed=x_y-z'), { kind: 'embed', text: 'x_y-z' });
  assert.equal(sharedFragment('#spec=%7B%7D'), null);
  assert.equal(sharedFragment(''), null);
});

test('a data link embeds exactly the columns the analysis reads', () => {
  assert.deepEqual(analysisColumns({ time: 'os', event: { column: 'dead' }, group: 'arm', covariates: ['age', 'arm'], filters: [{ column: 'stage', op: '>=', value: 3 }] }),
    ['os', 'dead', 'arm', 'age', 'stage']);
  assert.deepEqual(analysisColumns({ time: { start: 'dx', end: ['death', 'last'] }, event: { column: 'st' }, strata: 'site', cluster: 'pt', univariable: ['x'], table1: ['y'] }),
    ['dx', 'death', 'last', 'st', 'site', 'pt', 'x', 'y']);
});

test('a results link the core makes (cohort export --as results-link) opens here: its version, kind and the fields the page reads', async () => {
  // lung by ECOG with k = 7: ph.ecog = 3 is a group of one, so its counts and the totals are null.
  const spec = { time: 'time', event: { column: 'status', event: ['2'] }, group: 'ph.ecog', covariates: ['age'] };
  const frag = cohort('export', reference('lung.csv'), '--spec', JSON.stringify(spec), '--k', '7', '--as', 'results-link').trim();
  const f = sharedFragment(frag);
  assert.equal(f.kind, 'results');
  const payload = await decodePayload(f.text, 'results');
  assert.equal(payload.v, RESULTS_VERSION, 'the core\'s format version is the one the page reads');
  // What openResults (www/share.js) reads: k, the top-level and per-curve n/events (null when
  // withheld: the page writes "<k" there), the model's, and the spec.
  assert.equal(payload.k, 7);
  for (const key of ['n', 'events']) assert.ok(key in payload, key);
  assert.equal(payload.n, null, 'a total that would give the group of one by subtraction');
  assert.ok(Array.isArray(payload.km) && payload.km.length === 4, JSON.stringify(Object.keys(payload)));
  for (const c of payload.km) for (const key of ['n', 'events']) assert.ok(key in c, `km[].${key}`);
  assert.equal(payload.km.find(c => String(c.group) === '3').n, null);
  assert.ok('n' in payload.cox && 'events' in payload.cox);
  assert.equal(payload.spec.group, 'ph.ecog');
});
