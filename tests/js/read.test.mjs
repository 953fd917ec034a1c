// Chunked reading of a dropped file (www/read.js): one buffer of the file's size, progress
// reports, straight into a (fake) wasm memory, and a clear error when the file changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readBlob, streamBlob, loadIntoSession, progressText, progressStep } from '../../www/read.js';

// 5 MiB of a repeating pattern, streamed in 64 KiB chunks as a browser streams a File (Node's
// in-memory Blob would give one chunk).
const SIZE = 5 * (1 << 20) + 123;
const data = new Uint8Array(SIZE).map((_, i) => (i * 31) & 255);
const blob = {
  name: 'big.csv', size: SIZE,
  stream() {
    let off = 0;
    return new ReadableStream({
      pull(c) {
        if (off >= SIZE) { c.close(); return; }
        c.enqueue(data.slice(off, off + 65536));
        off += 65536;
      },
    });
  },
};

test('readBlob returns the exact bytes and reports growing progress ending at the total', async () => {
  const seen = [];
  const out = await readBlob(blob, (l, t) => seen.push([l, t]));
  assert.equal(out.length, SIZE);
  assert.deepEqual(out, data);
  assert.deepEqual(seen[0], [0, SIZE]);
  assert.deepEqual(seen.at(-1), [SIZE, SIZE]);
  // Every step of at least 1 MiB (2% of 5 MiB is less): 0, ~1, ~2, ~3, ~4, ~5 MiB, end.
  assert.ok(seen.length >= 5 && seen.length <= 8, JSON.stringify(seen));
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i][0] > seen[i - 1][0]);
  assert.equal(progressStep(SIZE), 1 << 20);
  assert.equal(progressStep(500e6), 10e6);
});

test('an empty file gives an empty buffer and one final report', async () => {
  const seen = [];
  assert.equal((await readBlob(new Blob([]), (l, t) => seen.push([l, t]))).length, 0);
  assert.deepEqual(seen.at(-1), [0, 0]);
});

test('a file that grows while it is read is an error naming it', async () => {
  const grown = { name: 'cohort.csv', size: 10, stream: () => new Blob([new Uint8Array(20)]).stream() };
  await assert.rejects(streamBlob(grown, () => {}), /cohort\.csv changed while it was being read/);
  const shrunk = { name: 'cohort.csv', size: 30, stream: () => new Blob([new Uint8Array(20)]).stream() };
  await assert.rejects(streamBlob(shrunk, () => {}), /changed/);
});

test('loadIntoSession writes the chunks straight into the reserved wasm buffer', async () => {
  const memory = new WebAssembly.Memory({ initial: 100 });   // 6.25 MiB
  const AT = 4096;
  const calls = [];
  const session = {
    reserve(n) { calls.push(['reserve', n]); return AT; },
    load_staged(name) {
      calls.push(['load_staged', name]);
      const got = new Uint8Array(memory.buffer, AT, SIZE);
      return JSON.stringify({ same: got.every((b, i) => b === data[i]) });
    },
    load() { throw new Error('the JS-buffer path must not be used when streams exist'); },
  };
  const phases = [];
  const out = await loadIntoSession(session, memory, blob, 'x.csv', p => { phases.push(p.phase); });
  assert.deepEqual(JSON.parse(out), { same: true });
  assert.deepEqual(calls, [['reserve', SIZE], ['load_staged', 'x.csv']]);
  assert.equal(phases[0], 'reading');
  assert.equal(phases.at(-1), 'parsing');
  // A failed read frees the staging buffer.
  const bad = { name: 'b.csv', size: 5, stream: () => new Blob([new Uint8Array(9)]).stream() };
  calls.length = 0;
  await assert.rejects(loadIntoSession(session, memory, bad, 'b.csv'), /changed/);
  assert.deepEqual(calls, [['reserve', 5], ['reserve', 0]]);
});

test('progress text in MB (kB for small files)', () => {
  assert.equal(progressText(120e6, 190e6), 'Reading 120 of 190 MB…');
  assert.equal(progressText(2.5e6, 5.04e6), 'Reading 2.5 of 5.0 MB…');
  assert.equal(progressText(1000, 300000), 'Reading 1 of 300 kB…');
});
