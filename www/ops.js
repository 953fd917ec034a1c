// The engine's operations: one table, name → function of the engine state and the arguments.
// The main-thread engine runs them in-process (www/engine.js `MainEngine`); the Web Worker runs
// the same table behind postMessage (www/worker.js). They are the only code that calls the wasm
// `Session`, and the only place the page turns values into JSON for it (`J`) and JSON answers
// back into values (`decode`).
//
// State `st`: {glue, memory, session, streamed, loading} — the wasm-bindgen glue module, the
// wasm memory, the one `Session`, the File parsed as it streamed (its bytes are not kept, so a
// spec asking for other reading options streams it again) and the AbortController of a File
// being read.
//
// Reports are held by the session under handles (src/wasm/handles.rs): `run` takes the handle
// of the report it replaces (0: none) and answers {handle, report}; draws, exports, shares and
// the hover read-out name the handle they read.
//
// Figures: given `canvas` (in-process, a page canvas) the session draws into it; given
// `width`/`height` (in the worker) it draws into an OffscreenCanvas and the answer carries the
// ImageBitmap (`transfer`: moved to the page, not copied).

import { loadIntoSession, streamIntoSession } from './read.js';

const J = v => JSON.stringify(v ?? {});
const parse = text => JSON.parse(text);

/** The panic message wasm reported (src/wasm.rs `install_panic_hook`) since the last operation. */
export const panic = { message: null };
globalThis.__cohortPanic = msg => { panic.message = msg; };

/**
 * Whether `e` leaves the wasm instance unusable: a trap, a panic, or a RangeError from wasm
 * (stack overflow, allocation failure). The engine then restarts.
 */
export function isFatal(e) {
  return e instanceof WebAssembly.RuntimeError || e instanceof RangeError || panic.message !== null;
}

/** An error as a plain object that crosses postMessage (message, kind, file, line, column, detail). */
export function errorObject(e) {
  const o = { message: e?.message || String(e) };
  for (const k of ['kind', 'file', 'line', 'column', 'detail']) if (e && e[k] !== undefined) o[k] = e[k];
  return o;
}

/** fn() or undefined when it throws (no model to draw) — but a panic is not swallowed. */
function optional(fn) {
  try {
    return fn();
  } catch (e) {
    if (isFatal(e)) throw e;
    return undefined;
  }
}

/**
 * A file is loaded: the idle warm-up (www/warm.js) gives way for good — its session and data are
 * freed at once, and its next step answers that it was abandoned.
 */
function stopWarmUp(st) {
  st.warmStopped = true;
  try { st.glue?.warmUp?.(-1, 0, 0); } catch { /* nothing held */ }
}

/** A streamed file is read again when the spec asks for other reading options. */
async function reread(st, specJson) {
  if (st.streamed && st.session.needs_reread?.(specJson)) {
    await streamIntoSession(st.session, st.streamed.file, st.streamed.name, () => {}, specJson, null, st.memory);
  }
}

/**
 * Draw with `paint(target, offscreen)` into the page's `canvas` (in-process) or a new
 * OffscreenCanvas of `width`×`height` whose bitmap goes back with the answer.
 */
function drawn({ canvas, width, height }, paint, fields = {}) {
  if (canvas) return { ...fields, layout: paint(canvas, false) };
  const off = new OffscreenCanvas(width, height);
  const layout = paint(off, true);
  const bitmap = off.transferToImageBitmap();
  return { ...fields, layout, bitmap, transfer: [bitmap] };
}

/** The forest plot of report `handle` at the height its rows need, drawn offscreen (the worker's way). */
function forest(st, { handle, options, width }) {
  const height = st.session.forest_height(handle, J(options));
  return drawn({ width, height }, c => st.session.draw_offscreen(handle, c, 'forest', J(options)), { height, width });
}

/**
 * The operations. Each is `fn(st, args, progress)`; `decode` (when given) turns the answer's
 * JSON text into values on the page's side of postMessage.
 */
export const OPS = {
  init: {
    async fn(st, { module, glueUrl }) {
      st.glue = await import(glueUrl);
      st.memory = (await st.glue.default({ module_or_path: module })).memory;
      st.glue.installPanicHook();
      st.session = new st.glue.Session();
      st.streamed = null;
      return st.glue.version();
    },
  },
  load: {
    fn(st, { bytes, name }) { stopWarmUp(st); st.streamed = null; return st.session.load(bytes, name); },
    decode: parse,
  },
  // A File (a handle, not a copy): parsed chunk by chunk as it streams (src/ingest/stream.rs),
  // with progress ({phase, loaded, total}); `cancelLoad` stops it.
  loadFile: {
    async fn(st, { file, name }, progress) {
      stopWarmUp(st);
      st.loading = new AbortController();
      try {
        const schema = await loadIntoSession(st.session, st.memory, file, name, progress, st.loading.signal);
        st.streamed = typeof st.session.stream_begin === 'function' ? { file, name } : null;
        return schema;
      } finally {
        st.loading = null;
      }
    },
    decode: parse,
  },
  cancelLoad: { fn(st) { st.loading?.abort(); return true; } },
  run: {
    async fn(st, { spec, replace }) {
      await reread(st, J(spec));
      return st.session.run(J(spec), replace || 0);
    },
    decode: parse,
  },
  release: { fn(st, { handle }) { st.session.release(handle); return st.session.held(); } },
  // The page's refit: the report's changed parts and, when asked, its methods paragraph with
  // counts below `methods` (the disclosure k) suppressed, in one answer.
  runDelta: {
    async fn(st, { spec, have, methods }) {
      await reread(st, J(spec));
      const text = st.session.run_delta(J(spec), have || 0);
      const handle = Number(/^\{"handle":(\d+)/.exec(text)[1]);
      const out = { answer: text };
      if (methods) out.methods = optional(() => st.session.methods_k(handle, methods));
      return out;
    },
    decode: v => ({ ...v, answer: parse(v.answer) }),
  },
  draw: {
    fn: (st, { handle, figure, options, ...target }) =>
      drawn(target, (c, off) => (off ? st.session.draw_offscreen(handle, c, figure, J(options)) : st.session.draw(handle, c, figure, J(options)))),
    decode: v => ({ ...v, layout: parse(v.layout) }),
  },
  // The forest plot at the height its rows need, in one message (a refit shows it at once).
  drawForest: { fn: forest, decode: v => ({ ...v, layout: parse(v.layout) }) },
  svg: { fn: (st, { handle, figure, options, width, height }) => st.session.svg(handle, figure, J(options), width, height) },
  valuesAt: { fn: (st, { handle, t, options }) => st.session.values_at(handle, t, J(options)), decode: parse },
  forestHeight: { fn: (st, { handle, options }) => st.session.forest_height(handle, J(options)) },
  figureHeight: { fn: (st, { handle, figure, options }) => st.session.figure_height(handle, figure, J(options)) },
  selfTestPanic: { fn: st => st.glue.selfTestPanic() },
  exportText: { fn: (st, { handle, kind }) => st.session.export(handle, kind) },
  // Every export through the core's disclosure module (src/export/mod.rs `export_bytes`).
  exportKind: { fn: (st, { handle, kind, k, options, width, height }) => st.session.export_kind(handle, kind, k, J(options), width, height) },
  methodsK: { fn: (st, { handle, k }) => st.session.methods_k(handle, k) },
  // Sharing (www/share.js).
  shareResults: { fn: (st, { handle, k, specJson }) => st.session.share_results(handle, k, specJson) },
  loadShared: { fn(st, { json }) { stopWarmUp(st); st.streamed = null; return st.session.load_shared(json); }, decode: parse },
  // One step of the idle warm-up (www/warm.js, src/wasm/warm.rs): {next (< 0: over), abandoned
  // (a file was loaded since it began, or this is another engine), ms (this step's time here),
  // memory (wasm bytes)}.
  warmUp: {
    fn(st, { step, rows, reps }) {
      if (step === 0) st.warmStopped = false;
      const t0 = performance.now();
      const next = st.warmStopped || typeof st.glue.warmUp !== 'function' ? -2 : st.glue.warmUp(step, rows, reps);
      return { next, abandoned: next === -2, ms: performance.now() - t0, memory: st.memory?.buffer.byteLength || 0 };
    },
  },
  analysisCsv: { fn: (st, { columns }) => st.session.analysis_csv(J(columns)) },
  // Cohort overview (www/overview.js).
  missingness: { fn: (st, { spec }) => st.session.missingness(J(spec)), decode: parse },
  followup: { fn: (st, { spec }) => st.session.followup(J(spec)), decode: parse },
  table1Export: { fn: (st, { handle, format }) => st.session.table1_export(handle, format) },
  drawColumn: {
    fn: (st, { name, categorical, options, ...target }) =>
      drawn(target, (c, off) => (off ? st.session.draw_column_offscreen(c, name, categorical, J(options)) : st.session.draw_column(c, name, categorical, J(options)))),
    decode: v => ({ ...v, layout: parse(v.layout) }),
  },
};

/** Run operation `op` on state `st` (in-process or in the worker). */
export async function perform(st, op, args, progress = () => {}) {
  const entry = OPS[op];
  if (!entry) throw new Error(`unknown engine operation ${op}`);
  // A new record of failed allocations for this operation (src/wasm/memory.rs).
  try { st.glue?.allocationFailure?.(true); } catch { /* no engine yet */ }
  return entry.fn(st, args || {}, progress);
}

/** Bytes as the page says them: "524 KB", "812 MB", "3.9 GB". */
function bytesText(n) {
  return n >= 1e9 ? `${(n / 1e9).toFixed(1)} GB` : n >= 1e6 ? `${Math.round(n / 1e6)} MB` : `${Math.max(1, Math.round(n / 1e3))} KB`;
}

/**
 * The error a fatal failure `e` of an operation is reported as ({message, kind}): out of memory
 * (kind `memory`) when the engine's allocator could not serve a request during the operation
 * (src/wasm/memory.rs), else an internal error (kind `internal`: a trap or panic, a bug).
 */
export function fatalError(st, e) {
  let failed = 0;
  try { failed = st.glue?.allocationFailure?.(false) || 0; } catch { /* the instance is gone */ }
  if (failed > 0 && e instanceof WebAssembly.RuntimeError) {
    const held = st.memory?.buffer?.byteLength || 0;
    return {
      kind: 'memory',
      message: `The analysis needs more memory than the browser gives this page: the engine held ${bytesText(held)} and asked for ${bytesText(failed)} more `
        + '(at most 4 GB, less on a computer short of memory). The engine was restarted with the file it had before. '
        + 'Use fewer rows or terms here, or run the same analysis on this computer with the command line '
        + '(cohort analyze DATA --spec SPEC: no such limit), or on aggregated rows (cohort aggregate-sql, README "Registry scale").',
    };
  }
  return { kind: 'internal', message: panic.message || `internal error in the analysis engine: ${e.message}` };
}

/** The answer of `op` as values (JSON text parsed), on the page's side. */
export function decode(op, value) {
  const d = OPS[op]?.decode;
  return d ? d(value) : value;
}
