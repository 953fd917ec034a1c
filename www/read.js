// Reading a dropped or chosen File in chunks (File.stream()), with progress: streamed into the
// engine, which parses each chunk as it comes (`streamIntoSession`), or, for an engine without
// streaming, into ONE buffer of the file's size. Used inside the engine's Web Worker (the page posts it the File, which is a
// handle to the file on disk, not a copy of its bytes) and on the main thread where workers are
// missing. `file.arrayBuffer()` would give no progress; growing a buffer by doubling would cost
// up to three copies of a large file at once.

/** Bytes read between two progress reports: 2% of the file, at least 1 MiB. */
export function progressStep(total) {
  return Math.max(1 << 20, Math.ceil(total / 50));
}

/**
 * Stream `blob` (a File or Blob) chunk by chunk to `sink(chunk, offset)`, calling
 * `onProgress(loaded, total)` at 0, after every `progressStep(total)` bytes and at the end.
 * Throws a clear error when the file changes size while it is read. `blob.stream` must exist.
 */
export async function streamBlob(blob, sink, onProgress = () => {}, signal = null) {
  const total = blob.size;
  const reader = blob.stream().getReader();
  const step = progressStep(total);
  let loaded = 0;
  let reported = 0;
  let yielded = Date.now();
  onProgress(0, total);
  try {
    for (;;) {
      // A file's chunks may arrive as resolved promises only, never letting a message (the
      // Cancel button's) in: give the event loop a turn every 50 ms.
      if (signal && Date.now() - yielded > 50) {
        await new Promise(r => setTimeout(r, 0));
        yielded = Date.now();
      }
      if (signal?.aborted) {
        await reader.cancel().catch(() => {});
        throw cancelled(blob);
      }
      const { done, value } = await reader.read();
      if (done) break;
      if (loaded + value.length > total) throw changed(blob);
      sink(value, loaded);
      loaded += value.length;
      if (loaded - reported >= step) {
        reported = loaded;
        onProgress(loaded, total);
      }
    }
  } finally {
    reader.releaseLock();
  }
  if (loaded !== total) throw changed(blob);
  if (reported !== loaded || total === 0) onProgress(loaded, total);
}

/**
 * Read `blob` into a Uint8Array of exactly `blob.size` bytes (chunks via `streamBlob`, with the
 * same progress calls). Where `blob.stream` is missing, one read without intermediate progress.
 */
export async function readBlob(blob, onProgress = () => {}) {
  if (typeof blob.stream !== 'function') {
    const bytes = new Uint8Array(await blob.arrayBuffer());
    onProgress(bytes.length, bytes.length);
    return bytes;
  }
  const out = new Uint8Array(blob.size);
  await streamBlob(blob, (chunk, offset) => out.set(chunk, offset), onProgress);
  return out;
}

/**
 * Load a File into a wasm `session` (the engine's Session) with progress: the bytes are
 * streamed straight into a buffer reserved inside wasm memory (`session.reserve`), so the file
 * exists once, in wasm, and no full-size JS copy is made. `memory` is the wasm module's
 * WebAssembly.Memory. `onProgress({phase, loaded, total})` may return a promise (awaited before
 * parsing). Returns the schema JSON text. Falls back to one JS buffer without streams.
 */
export async function loadIntoSession(session, memory, file, name, onProgress = () => {}, signal = null) {
  if (typeof file.stream === 'function' && typeof session.stream_begin === 'function') {
    return streamIntoSession(session, file, name, onProgress, null, signal, memory);
  }
  if (typeof file.stream !== 'function' || !memory || typeof session.reserve !== 'function') {
    const bytes = await readBlob(file, (loaded, total) => onProgress({ phase: 'reading', loaded, total }));
    await onProgress({ phase: 'parsing', loaded: bytes.length, total: bytes.length });
    return session.load(bytes, name);
  }
  const at = session.reserve(file.size);
  try {
    // A fresh view per chunk: memory.buffer is replaced whenever wasm memory grows.
    await streamBlob(file, (chunk, offset) => new Uint8Array(memory.buffer, at + offset, chunk.length).set(chunk),
      (loaded, total) => onProgress({ phase: 'reading', loaded, total }));
  } catch (e) {
    session.reserve(0);
    throw e;
  }
  // (awaited: on the main thread the page paints "Parsing…" before wasm holds the thread)
  await onProgress({ phase: 'parsing', loaded: file.size, total: file.size });
  return session.load_staged(name);
}

/**
 * Parse a File as it streams (`session.stream_begin/stream_push/stream_end`, src/ingest/stream.rs):
 * each chunk of `file.stream()` goes into the engine, which builds the table as the chunks come
 * and never holds the whole file. The engine may ask for the file once more (a column to read
 * again as text, or a file that is not UTF-8 after all): it is streamed again, at most twice.
 * `specJson`: read with the spec's options (a re-read for other missing codes, sheet, date
 * order). `signal` (an AbortSignal) cancels between chunks; the loaded table then stays.
 * `memory` (the engine's WebAssembly.Memory; without it each chunk is pushed as it comes): the
 * chunks are written straight into room the engine makes in its memory (`stream_buffer`), and
 * handed over a batch of STREAM_BATCH bytes at a time (`stream_commit`): one copy of each byte
 * into wasm and one engine call per batch instead of a call, an allocation and two copies per
 * 64 KB chunk. A file of READER_MIN bytes or more is read by the reader worker (`readAhead`,
 * `startFileReader`) while this thread parses it. Returns the schema JSON text.
 */
export async function streamIntoSession(session, file, name, onProgress = () => {}, specJson = null, signal = null, memory = null) {
  session.stream_begin(name, file.size, specJson ?? undefined);
  const batched = memory && typeof session.stream_buffer === 'function';
  try {
    for (let pass = 1; ; pass++) {
      const progress = (loaded, total) => onProgress({ phase: 'reading', loaded, total, pass });
      // A large file is read by the reader worker while this thread parses (see `readAhead`);
      // without one (not started, or no workers here), chunk by chunk on this thread.
      const ahead = batched && file.size >= READER_MIN
        && await readAhead(file, (chunks, length) => commitBatch(session, memory, chunks, length), progress, signal);
      if (!ahead) {
        const sink = batched ? batchSink(session, memory) : { push: chunk => session.stream_push(chunk), flush() {} };
        await streamBlob(file, sink.push, progress, signal);
        sink.flush();
      }
      // (awaited: on the main thread the page paints "Parsing…" before wasm holds the thread)
      await onProgress({ phase: 'parsing', loaded: file.size, total: file.size, pass });
      const out = session.stream_end();
      if (out !== 'again') return out;
      if (pass >= 3) throw new Error('internal: the engine asked for the file more than three times');
    }
  } catch (e) {
    try { session.stream_abort(); } catch { /* the engine is gone */ }
    throw e;
  }
}

/** Bytes handed to the engine at a time by `streamIntoSession` (4 MiB). */
export const STREAM_BATCH = 1 << 22;

/** Files from this size on are read by a reader worker while the engine parses (16 MiB). */
export const READER_MIN = 1 << 24;

/** Batches the reader worker may read ahead of the engine (memory: READ_AHEAD × STREAM_BATCH). */
const READ_AHEAD = 3;

/** The reader worker's name (it runs this module: see the end of the file). */
const READER_NAME = 'cohort-file-reader';

/**
 * A sink for `streamBlob` that copies each chunk straight into the engine's room for the next
 * STREAM_BATCH bytes (`session.stream_buffer`) and commits the batch when it is full; `flush`
 * commits the rest. A fresh view of `memory.buffer` per copy: it is replaced when wasm memory grows.
 */
function batchSink(session, memory) {
  let at = 0, filled = 0;
  const commit = () => {
    if (filled > 0) session.stream_commit(filled);
    filled = 0;
  };
  return {
    push(chunk) {
      for (let off = 0; off < chunk.length;) {
        if (filled === 0) at = session.stream_buffer(STREAM_BATCH);
        const n = Math.min(STREAM_BATCH - filled, chunk.length - off);
        new Uint8Array(memory.buffer, at + filled, n).set(off === 0 && n === chunk.length ? chunk : chunk.subarray(off, off + n));
        filled += n;
        off += n;
        if (filled === STREAM_BATCH) commit();
      }
    },
    flush: commit,
  };
}

/** One batch of the file (`chunks`, `length` bytes) into the engine: copied into the room it makes, then committed. */
function commitBatch(session, memory, chunks, length) {
  const at = session.stream_buffer(length);
  const room = new Uint8Array(memory.buffer, at, length);
  let off = 0;
  for (const c of chunks) {
    room.set(c, off);
    off += c.length;
  }
  session.stream_commit(length);
}

/** The reader worker of `readAhead` ({worker, job, next, broken}), once `startFileReader` ran. */
let fileReader = null;

/**
 * Start the reader worker that `streamIntoSession` reads large files with (`readAhead`). It is
 * started before any file comes: its script (this module) is then fetched while the page
 * loads, not as a request after it (the page's privacy badge counts those). The page's engine
 * worker starts it as it loads (the end of this module); elsewhere (the main-thread engine, a
 * bench page) a file is read on the parsing thread unless this was called. Returns whether a
 * reader runs.
 */
export function startFileReader() {
  if (fileReader) return !fileReader.broken;
  try {
    const worker = new Worker(new URL(import.meta.url), { type: 'module', name: READER_NAME });
    const r = { worker, job: null, next: 1, broken: false, started: null, markStarted: null };
    r.started = new Promise(res => { r.markStarted = res; });
    worker.onmessage = e => {
      if (e.data?.started) r.markStarted();
      else if (r.job && e.data.id === r.job.id) r.job.take(e.data);
    };
    const fail = e => { e.preventDefault?.(); r.broken = true; r.markStarted(); r.job?.take(null); };
    worker.onerror = fail;
    worker.onmessageerror = fail;
    fileReader = r;
  } catch {
    fileReader = { broken: true };
  }
  // The engine worker tells the page once the reader has fetched and run its script (or failed):
  // the page becomes ready only then (www/main.js), so that this request is not one "after load"
  // for the privacy badge (on a loaded machine it came after a shared link's page was ready).
  if (typeof WorkerGlobalScope !== 'undefined' && self instanceof WorkerGlobalScope) {
    (fileReader.started || Promise.resolve()).then(() => self.postMessage({ readerStarted: true }));
  }
  return !fileReader.broken;
}

/**
 * Read `file` with the reader worker: it gathers the chunks of `file.stream()` into batches of
 * STREAM_BATCH bytes or more and transfers them here (the chunks' own memory, not a copy), at
 * most READ_AHEAD batches ahead of `consume(chunks, length)`. The file is read while this thread
 * parses: reading `file.stream()` on the parsing thread itself stalls between batches (the
 * browser fills its pipe only while the thread waits for it), about a quarter of a streamed
 * parse in Chromium. Progress, the size check and cancelling as `streamBlob`. Resolves false,
 * having consumed nothing, when no reader worker runs here (the caller reads the file itself).
 */
async function readAhead(file, consume, onProgress, signal) {
  const r = fileReader;
  if (!r || r.broken) return false;
  const id = r.next++;
  const total = file.size;
  const step = progressStep(total);
  const queue = [];
  let wake = null, loaded = 0, reported = 0;
  const notify = () => { const w = wake; wake = null; w?.(); };
  r.job?.take({ superseded: true });   // an abandoned read still running ends
  r.job = { id, take: m => { queue.push(m); notify(); } };
  signal?.addEventListener('abort', notify);
  try {
    r.worker.postMessage({ id, file, batch: STREAM_BATCH, ahead: READ_AHEAD });
    onProgress(0, total);
    for (;;) {
      while (!queue.length && !signal?.aborted) await new Promise(res => { wake = res; });
      if (signal?.aborted) throw cancelled(file);
      const m = queue.shift();
      if (m === null) {
        if (loaded === 0) return false;   // the worker failed before any byte: read here instead
        throw new Error(`${file.name || 'the file'} could not be read to the end: drop it again.`);
      }
      if (m.superseded) throw cancelled(file);
      if (m.error) throw m.changed ? changed(file) : Object.assign(new Error(m.error), { name: m.name || 'Error' });
      if (m.done) break;
      if (loaded + m.length > total) throw changed(file);
      consume(m.chunks, m.length);
      loaded += m.length;
      r.worker.postMessage({ id, taken: true });
      if (loaded - reported >= step) {
        reported = loaded;
        onProgress(loaded, total);
      }
    }
  } finally {
    if (r.job?.id === id) {
      r.job = null;
      r.worker.postMessage({ id, stop: true });
    }
    signal?.removeEventListener('abort', notify);
  }
  if (loaded !== total) throw changed(file);
  if (reported !== loaded || total === 0) onProgress(loaded, total);
  return true;
}

/**
 * The reader worker's side of `readAhead`. A job {id, file, batch, ahead} reads `file.stream()`
 * and transfers its chunks in batches of `batch` bytes or more ({id, chunks, length}) while
 * fewer than `ahead` batches are not yet taken ({id, taken}); {id, stop} or the next job ends
 * it. A job ends with {id, done} or {id, error}.
 */
function readerMain() {
  self.postMessage({ started: true });
  let job = null;
  const wakeJob = j => { const w = j.wake; j.wake = null; w?.(); };
  self.onmessage = e => {
    const m = e.data;
    if (m.file) {
      if (job) {
        job.stopped = true;
        wakeJob(job);
      }
      job = { ...m, out: 0, wake: null, stopped: false };
      readJob(job);
    } else if (job && m.id === job.id) {
      if (m.stop) job.stopped = true;
      else job.out--;
      wakeJob(job);
    }
  };
}

async function readJob(job) {
  const { id, file, batch, ahead } = job;
  const reader = file.stream().getReader();
  let chunks = [], size = 0, loaded = 0;
  const send = async () => {
    while (job.out >= ahead && !job.stopped) await new Promise(r => { job.wake = r; });
    if (job.stopped) return;
    job.out++;
    self.postMessage({ id, chunks, length: size }, chunks.map(c => c.buffer));
    chunks = [];
    size = 0;
  };
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (job.stopped) break;
      if (done) {
        if (size > 0) await send();
        if (!job.stopped) self.postMessage({ id, done: true });
        break;
      }
      loaded += value.length;
      if (loaded > file.size) {
        self.postMessage({ id, error: 'changed', changed: true });
        break;
      }
      // A chunk that is not the whole of its buffer is copied (its buffer is transferred).
      chunks.push(value.byteOffset === 0 && value.byteLength === value.buffer.byteLength ? value : value.slice());
      size += value.length;
      if (size >= batch) await send();
    }
  } catch (e) {
    if (!job.stopped) self.postMessage({ id, error: String(e?.message ?? e), name: e?.name });
  }
  await reader.cancel().catch(() => {});
}

function cancelled(blob) {
  const e = new Error(`Reading ${blob.name || "the file"} was cancelled. Choose or drop a file to analyse.`);
  e.cancelled = true;
  return e;
}

function changed(blob) {
  const e = new Error(`${blob.name || 'the file'} changed while it was being read: save it, then drop it again.`);
  e.file = blob.name;
  return e;
}

/** "Reading 120 of 190 MB…" (kB below 1 MB, to one decimal below 10 MB). */
export function progressText(loaded, total) {
  if (total < 1e6) return `Reading ${Math.round(loaded / 1e3)} of ${Math.max(1, Math.round(total / 1e3))} kB…`;
  const d = total < 1e7 ? 1 : 0;
  return `Reading ${(loaded / 1e6).toFixed(d)} of ${(total / 1e6).toFixed(d)} MB…`;
}

// In the reader worker, serve `readAhead`; in the page's engine worker (www/engine.js names it),
// start the reader as the engine loads.
if (typeof WorkerGlobalScope !== 'undefined' && self instanceof WorkerGlobalScope) {
  if (self.name === READER_NAME) readerMain();
  else if (self.name === 'cohort-engine') startFileReader();
}
