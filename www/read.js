// Reading a dropped or chosen File in chunks (File.stream()), with progress, into ONE buffer of
// the file's size. Used inside the engine's Web Worker (the page posts it the File, which is a
// handle to the file on disk, not a copy of its bytes) and on the main thread where workers are
// missing. `file.arrayBuffer()` would give no progress; growing a buffer by doubling would cost
// up to three copies of a large file at once.

/** Bytes read between two progress reports: 2% of the file, at least 1 MiB. */
export function progressStep(total) {
  return Math.max(1 << 20, Math.ceil(total / 50));
}

/**
 * Read `blob` (a File or Blob) into a Uint8Array of exactly `blob.size` bytes, calling
 * `onProgress(loaded, total)` after every `progressStep(total)` bytes and at the end.
 * Throws a clear error when the file changes size while it is read.
 */
export async function readBlob(blob, onProgress = () => {}) {
  const total = blob.size;
  if (typeof blob.stream !== 'function') {
    // Very old browsers: one read, no progress.
    const bytes = new Uint8Array(await blob.arrayBuffer());
    onProgress(bytes.length, bytes.length);
    return bytes;
  }
  const out = new Uint8Array(total);
  const reader = blob.stream().getReader();
  const step = progressStep(total);
  let loaded = 0;
  let reported = 0;
  onProgress(0, total);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (loaded + value.length > total) throw changed(blob);
      out.set(value, loaded);
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
  return out;
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
