// The share-link encoding (www/share.js): deflate-raw + base64url with a version, and the
// refusals of broken links; the columns a data link embeds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
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
