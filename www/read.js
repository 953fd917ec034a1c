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
 * 64 KB chunk. Returns the schema JSON text.
 */
export async function streamIntoSession(session, file, name, onProgress = () => {}, specJson = null, signal = null, memory = null) {
  session.stream_begin(name, file.size, specJson ?? undefined);
  const batched = memory && typeof session.stream_buffer === 'function';
  try {
    for (let pass = 1; ; pass++) {
      const sink = batched ? batchSink(session, memory) : { push: chunk => session.stream_push(chunk), flush() {} };
      await streamBlob(file, sink.push,
        (loaded, total) => onProgress({ phase: 'reading', loaded, total, pass }), signal);
      sink.flush();
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
