// The analysis engine in a Web Worker: parsing, fitting and drawing run off the page's main
// thread. The page sends the compiled wasm module (so this worker fetches nothing) and then
// requests {id, op, args}; each gets {id, ok, value} or {id, ok: false, error, fatal}. A wasm
// panic is `fatal`: the page ends this worker and starts a new one.

import { loadIntoSession, streamIntoSession } from './read.js';

let glue = null;
let memory = null;   // the wasm module's WebAssembly.Memory
let session = null;
let panicMessage = null;
let streamed = null;   // {file, name} of a File parsed as it streamed (its bytes are not kept)
let loading = null;    // AbortController of the File being read (the page's Cancel button)

/** A streamed file is read again when the spec asks for other reading options (missing codes, sheet, date order). */
async function rereadFor(spec) {
  if (streamed && session.needs_reread?.(spec)) await streamIntoSession(session, streamed.file, streamed.name, () => {}, spec);
}

self.__cohortPanic = msg => { panicMessage = msg; };

// The page's privacy badge counts every request made since loading, from the browser's own
// record; a worker's requests are in the worker's record, not the page's. So the worker sends
// its record to the page as it grows: {net: [{name, time, initiator}]}, `time` on the epoch
// clock (performance.timeOrigin + startTime), which the page maps onto its own clock.
function reportRequests(entries) {
  const net = entries.map(e => ({ name: e.name, time: performance.timeOrigin + e.startTime, initiator: e.initiatorType }));
  if (net.length) self.postMessage({ net });
}
try {
  new PerformanceObserver(list => reportRequests(list.getEntries())).observe({ type: 'resource', buffered: true });
} catch {
  // No observer in this worker: report what was fetched so far.
  try { reportRequests(performance.getEntriesByType('resource')); } catch { /* no resource timing */ }
}

/** fn() or undefined when it throws (no model to draw) — but a panic is not swallowed. */
function optional(fn) {
  try {
    return fn();
  } catch (e) {
    if (panicMessage !== null || e instanceof WebAssembly.RuntimeError || e instanceof RangeError) throw e;
    return undefined;
  }
}

function errorObject(e) {
  const o = { message: e?.message || String(e) };
  for (const k of ['kind', 'file', 'line', 'column', 'detail']) if (e && e[k] !== undefined) o[k] = e[k];
  return o;
}

const ops = {
  async init({ module, glueUrl }) {
    glue = await import(glueUrl);
    memory = (await glue.default({ module_or_path: module })).memory;
    glue.installPanicHook();
    session = new glue.Session();
    return glue.version();
  },
  load: ({ bytes, name }) => { streamed = null; return session.load(bytes, name); },
  // A File posted by the page (a handle, not a copy): parsed here chunk by chunk as it streams
  // (src/ingest/stream.rs), with progress messages {id, progress}; `cancelLoad` stops it.
  async loadFile({ file, name }, id) {
    loading = new AbortController();
    try {
      const schema = await loadIntoSession(session, memory, file, name, progress => self.postMessage({ id, progress }), loading.signal);
      streamed = typeof session.stream_begin === 'function' ? { file, name } : null;
      return schema;
    } finally {
      loading = null;
    }
  },
  cancelLoad() { loading?.abort(); return true; },
  async run({ spec }) { await rereadFor(spec); return session.run(spec); },
  // The page's refit: the report's changed parts and, when asked, the forest plot of the new
  // report (at the given pixel width) and its methods paragraph, in one answer.
  async runDelta({ spec, have, forest, methods }) {
    await rereadFor(spec);
    const out = { answer: session.run_delta(spec, have) };
    // methods: the disclosure k the paragraph suppresses counts with.
    if (methods) out.methods = optional(() => session.methods_k(methods));
    if (forest) {
      out.forest = optional(() => {
        const height = session.forest_height(forest.options);
        const canvas = new OffscreenCanvas(forest.width, height);
        const layout = session.draw_offscreen(canvas, 'forest', forest.options);
        return { layout, height, width: forest.width, options: forest.options, bitmap: canvas.transferToImageBitmap() };
      });
    }
    return out.forest ? { ...out, transfer: [out.forest.bitmap] } : out;
  },
  draw({ figure, options, width, height }) {
    const canvas = new OffscreenCanvas(width, height);
    const layout = session.draw_offscreen(canvas, figure, options);
    const bitmap = canvas.transferToImageBitmap();
    return { layout, bitmap, transfer: [bitmap] };
  },
  svg: ({ figure, options, width, height }) => session.svg(figure, options, width, height),
  // The forest plot at the height its rows need, in one message (a refit shows it at once).
  drawForest({ options, width }) {
    const height = session.forest_height(options);
    const canvas = new OffscreenCanvas(width, height);
    const layout = session.draw_offscreen(canvas, 'forest', options);
    const bitmap = canvas.transferToImageBitmap();
    return { layout, bitmap, height, transfer: [bitmap] };
  },
  selfTestPanic: () => glue.selfTestPanic(),
  valuesAt: ({ t, options }) => session.values_at(t, options),
  forestHeight: ({ options }) => session.forest_height(options),
  figureHeight: ({ figure, options }) => session.figure_height(figure, options),
  // Cohort overview (www/overview.js).
  missingness: ({ spec }) => session.missingness(spec),
  followup: ({ spec }) => session.followup(spec),
  table1Export: ({ format }) => session.table1_export(format),
  drawColumn({ name, categorical, options, width, height }) {
    const canvas = new OffscreenCanvas(width, height);
    const bars = session.draw_column_offscreen(canvas, name, categorical, options);
    const bitmap = canvas.transferToImageBitmap();
    return { bars, bitmap, transfer: [bitmap] };
  },
  exportText: ({ kind }) => session.export(kind),
  // Every export through the core's disclosure module (src/export.rs `export_bytes`).
  exportKind: ({ kind, k, options, width, height }) => session.export_kind(kind, k, options, width, height),
  // Sharing (www/share.js).
  shareResults: ({ k, specJson }) => session.share_results(k, specJson),
  loadShared: ({ json }) => session.load_shared(json),
  analysisCsv: ({ columns }) => session.analysis_csv(columns),
  methodsK: ({ k }) => session.methods_k(k),
};

self.onmessage = async ev => {
  const { id, op, args } = ev.data;
  panicMessage = null;
  try {
    const fn = ops[op];
    if (!fn) throw new Error(`unknown engine operation ${op}`);
    const value = await fn(args || {}, id);
    if (value && value.transfer) {
      const { transfer, ...rest } = value;
      self.postMessage({ id, ok: true, value: rest }, transfer);
    } else {
      self.postMessage({ id, ok: true, value });
    }
  } catch (e) {
    // A RangeError from wasm (stack overflow, allocation failure) leaves the instance unusable too.
    const fatal = e instanceof WebAssembly.RuntimeError || e instanceof RangeError || panicMessage !== null;
    const error = fatal ? { message: panicMessage || `internal error in the analysis engine: ${e.message}`, kind: 'internal' } : errorObject(e);
    self.postMessage({ id, ok: false, error, fatal });
  }
};
