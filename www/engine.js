// The WebAssembly engine: one wasm `Session` holding the parsed table. Every call is wrapped so
// that a panic inside wasm (a bug) is reported and the engine restarts with the same file,
// instead of leaving a dead page.
//
// The engine comes in two builds of the same crate (scripts/build.sh): `core` reads CSV/TSV and
// is loaded with the page; `workbook` is the same engine plus the .xlsx/.xlsb/.xls/.ods readers
// (about 60% more bytes), fetched only when a workbook is dropped. From then on the page keeps
// using the workbook build (it reads text files too).

import { loadIntoSession, streamIntoSession } from './read.js';

/** The two builds: their wasm module and wasm-bindgen glue, relative to this file. */
// `workbook` also carries the extended estimators (cargo feature `extended`), loaded when a spec
// asks for one (see onDemand).
const BUILDS = {
  core: { wasm: './pkg/cohort_bg.wasm', glue: './pkg/cohort.js' },
  workbook: { wasm: './pkg/cohort_workbook_bg.wasm', glue: './pkg/cohort_workbook.js' },
  manuscript: { wasm: './pkg/cohort_manuscript_bg.wasm', glue: './pkg/cohort_manuscript.js' },
};

const compiled = new Map();   // build name → Promise<WebAssembly.Module>, compiled once

/**
 * The report of a `run_delta` answer ({token, same, order, report}): the fields named in `same`
 * are the previous report's (`prev`), put back in their places (`order`: the fields that may be
 * left out, in the report's order), so the result is the whole report as `run` gives it, key
 * order included.
 */
export function mergeDelta(prev, answer) {
  const { report: lite, same, order } = answer;
  if (!prev || !same?.length) return lite;
  const out = {};
  const keys = Object.keys(lite);
  let i = 0;
  for (; i < keys.length && !order.includes(keys[i]); i++) out[keys[i]] = lite[keys[i]];
  for (const k of order) {
    const v = same.includes(k) ? prev[k] : lite[k];
    if (v !== undefined) out[k] = v;
  }
  // Fields the engine added after these (none today): in the order sent.
  for (; i < keys.length; i++) if (!(keys[i] in out)) out[keys[i]] = lite[keys[i]];
  return out;
}

/**
 * A manuscript export — 'figure-png', 'figure-tiff', 'figure-pdf', 'risk-table-csv' or 'docx' —
 * by the third build of the engine (its Word, TIFF and PDF writers), fetched on the first call
 * only: a fresh instance reads `bytes` as file `name`, runs `spec` and exports through the
 * disclosure module with threshold `k` and figure `options` ({preset, dpi, style, kmunicate,
 * breaks, ...}), so the bytes are those of `cohort export DATA --spec SPEC --as KIND --k K
 * --options OPTIONS`. Returns a Uint8Array.
 */
export async function manuscriptExport(bytes, name, spec, kind, k, options = {}) {
  const { glue } = await instantiate('manuscript');
  const data = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  return glue.manuscriptExport(data, name, JSON.stringify(spec), kind, k, JSON.stringify(options));
}

let instanceNo = 0;
let panicMessage = null;

globalThis.__cohortPanic = msg => { panicMessage = msg; };

function compileOnce(build) {
  if (!compiled.has(build)) {
    const file = BUILDS[build].wasm;
    const p = (async () => {
      const res = await fetch(new URL(file, import.meta.url));
      if (!res.ok) throw new Error(`cannot load the analysis engine (${file.slice(2)}: HTTP ${res.status})`);
      // Compile while the bytes arrive; a host that does not send `application/wasm` makes
      // compileStreaming refuse, so then compile the whole buffer.
      if (WebAssembly.compileStreaming && /^application\/wasm\b/.test(res.headers.get('content-type') || '')) {
        return WebAssembly.compileStreaming(res);
      }
      return WebAssembly.compile(await res.arrayBuffer());
    })();
    compiled.set(build, p);
    p.catch(() => compiled.delete(build));   // a failed fetch is tried again next time
  }
  return compiled.get(build);
}

async function instantiate(build) {
  const glueUrl = new URL(BUILDS[build].glue, import.meta.url);
  const module = await compileOnce(build);
  // After a panic the old instance cannot be trusted: import a fresh copy of the glue module
  // (a new module record) and instantiate the already-compiled wasm again.
  if (instanceNo > 0) glueUrl.searchParams.set('instance', String(instanceNo));
  instanceNo += 1;
  const glue = await import(glueUrl.href);
  const exports = await glue.default({ module_or_path: module });
  glue.installPanicHook();
  return { glue, memory: exports.memory };
}

/**
 * Whether a file's first bytes are those of a ZIP (.xlsx, .xlsb, .ods) or an OLE2 compound file
 * (.xls): the files the core build sends nowhere, so the workbook build reads them (it also
 * names what other ZIP or OLE2 files are). The same magic numbers as `ingest::sniff`.
 */
export function isWorkbookHead(b) {
  const zip = b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b
    && ((b[2] === 3 && b[3] === 4) || (b[2] === 5 && b[3] === 6) || (b[2] === 7 && b[3] === 8));
  const ole2 = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
  return zip || (b.length >= 8 && ole2.every((m, i) => b[i] === m));
}

/** The build that reads `source` (bytes, or a File/Blob of which only 8 bytes are read). */
async function buildFor(source) {
  let head;
  if (typeof Blob !== 'undefined' && source instanceof Blob) head = new Uint8Array(await source.slice(0, 8).arrayBuffer());
  else if (ArrayBuffer.isView(source)) head = new Uint8Array(source.buffer, source.byteOffset, Math.min(8, source.byteLength));
  else head = new Uint8Array(source, 0, Math.min(8, source.byteLength));
  // Parquet (`PAR1`): its reader (src/ingest/parquet.rs) is in the workbook build too.
  const parquet = head.length >= 4 && head[0] === 0x50 && head[1] === 0x41 && head[2] === 0x52 && head[3] === 0x31;
  return isWorkbookHead(head) || parquet ? 'workbook' : 'core';
}

/**
 * Run `call` on `engine` (a MainEngine or WorkerEngine). The core build leaves out the extended
 * estimators (study designs, subgroups, adjusted curves, propensity weights, parametric and
 * Fine-Gray models, splines: the Rust `analyze::extended_need` decides); a spec that asks for
 * one fails there with an error of kind `engine`, and the engine switches to the on-demand build
 * (which has them and the workbook readers), re-loads the file and runs the call again.
 */
async function onDemand(engine, call) {
  try {
    return await call();
  } catch (e) {
    if (e?.kind !== 'engine' || engine.build !== 'core') throw e;
    engine.build = 'workbook';
    await engine.restart();
    return call();
  }
}

/** The engine on the page's main thread (used where Web Workers or OffscreenCanvas are missing). */
export class MainEngine {
  constructor() {
    this.glue = null;
    this.session = null;
    this.file = null;      // {name, bytes} or {name, blob} of the loaded file, to reload after a restart
    this.build = 'core';   // which build of the engine runs (see BUILDS)
    this.onPanic = () => {};
  }

  async start() {
    ({ glue: this.glue, memory: this.memory } = await instantiate(this.build));
    this.session = new this.glue.Session();
    return this;
  }

  /** Switch to the workbook build when `source` is a workbook (once; it reads everything). */
  async useBuildFor(source, onProgress = () => {}) {
    if (this.build === 'workbook' || (await buildFor(source)) !== 'workbook') return;
    onProgress({ phase: 'engine' });
    this.build = 'workbook';
    this.file = null;
    await this.start();
  }

  version() {
    return this.glue ? this.glue.version() : '';
  }

  // Run fn(session); on a wasm trap (panic), restart and re-load the file, then rethrow a clear error.
  async guard(fn) {
    panicMessage = null;
    try {
      return await fn(this.session);
    } catch (e) {
      // A trap, a panic, or a RangeError from wasm (stack overflow, allocation failure) leaves the
      // instance unusable: restart it.
      if (e instanceof WebAssembly.RuntimeError || e instanceof RangeError || panicMessage) {
        const msg = panicMessage || `internal error in the analysis engine: ${e.message}`;
        panicMessage = null;
        this.onPanic(msg);
        await this.restart();
        const err = new Error(msg);
        err.kind = 'internal';
        throw err;
      }
      throw e;
    }
  }

  async restart() {
    this.delta = null;
    try { this.session?.free(); } catch { /* the old instance is gone */ }
    // A failed start is tried again once before giving up with a message (never a dead page).
    for (let attempt = 1; ; attempt++) {
      try {
        ({ glue: this.glue, memory: this.memory } = await instantiate(this.build));
        this.session = new this.glue.Session();
        break;
      } catch (e) {
        if (attempt >= 2) throw new Error(`the analysis engine could not restart (${e.message}): reload the page; your file stays on this computer`);
        await new Promise(r => setTimeout(r, 300));
      }
    }
    if (this.file) {
      try {
        if (this.file.blob) await loadIntoSession(this.session, this.memory, this.file.blob, this.file.name);
        else this.session.load(this.file.bytes, this.file.name);
        // The last analysis that ran is run again, so the report (and its exports) are back.
        if (this.lastSpec) {
          await this.reread(this.lastSpec);
          this.session.run(this.lastSpec);
        }
      } catch { /* reported on next use */ }
    }
  }

  /** Parse a file; returns the schema object. */
  async load(bytes, name) {
    await this.useBuildFor(bytes);
    const schema = await this.guard(s => JSON.parse(s.load(bytes, name)));
    this.file = { name, bytes };
    this.lastSpec = null;
    return schema;
  }

  /**
   * Read a File in chunks (progress: {phase, loaded, total}) and parse it; returns the schema.
   * Only the File handle is kept (to reload after a restart), not its bytes.
   */
  async loadFile(file, name, onProgress = () => {}) {
    const progress = p => {
      onProgress(p);
      // Let the page paint "Parsing…" before the engine holds the main thread.
      return p.phase === 'parsing' ? new Promise(r => setTimeout(r, 30)) : undefined;
    };
    await this.useBuildFor(file, onProgress);
    this.loading = new AbortController();
    let schema;
    try {
      schema = JSON.parse(await this.guard(s => loadIntoSession(s, this.memory, file, name, progress, this.loading.signal)));
    } finally {
      this.loading = null;
    }
    this.file = { name, blob: file };
    this.lastSpec = null;
    return schema;
  }

  /** Stop reading the File being loaded (the page's Cancel button); the loaded file stays. */
  cancelLoad() {
    this.loading?.abort();
  }

  /**
   * A streamed File (src/ingest/stream.rs keeps no bytes) is streamed again when `specJson` asks
   * for other reading options (missing codes, sheet, date order).
   */
  async reread(specJson) {
    if (this.file?.blob && this.session.needs_reread?.(specJson)) {
      await streamIntoSession(this.session, this.file.blob, this.file.name, () => {}, specJson);
    }
  }

  /** Run a spec object; returns the report object. */
  async run(spec) {
    return onDemand(this, async () => {
      await this.guard(() => this.reread(JSON.stringify(spec)));
      this.delta = null;
      const report = await this.guard(s => JSON.parse(s.run(JSON.stringify(spec))));
      this.lastSpec = JSON.stringify(spec);
      return report;
    });
  }

  /**
   * As `run`, for the page's own analysis: the engine sends only the parts of the report that
   * changed since the last `runDelta` (see mergeDelta); returns the whole report.
   */
  async runDelta(spec, _extras) {
    return onDemand(this, async () => {
      await this.guard(() => this.reread(JSON.stringify(spec)));
      const have = this.delta?.token ?? 0;
      const answer = await this.guard(s => JSON.parse(s.run_delta(JSON.stringify(spec), have)));
      this.lastSpec = JSON.stringify(spec);
      const report = mergeDelta(this.delta?.token === have ? this.delta.report : null, answer);
      this.delta = { token: answer.token, report };
      return report;
    });
  }

  /** Draw the last report into a canvas; returns the figure's layout. */
  async draw(canvas, figure, options) {
    return this.guard(s => JSON.parse(s.draw(canvas, figure, JSON.stringify(options))));
  }

  async selfTestPanic() {
    return this.guard(() => this.glue.selfTestPanic());
  }

  /** Each drawn curve's value at time t (for the hover read-out). */
  async valuesAt(t, options) {
    return this.guard(s => JSON.parse(s.values_at(t, JSON.stringify(options))));
  }

  /** Pixel height the forest plot wants. */
  async forestHeight(options) {
    return this.guard(s => s.forest_height(JSON.stringify(options)));
  }

  /** Pixel height a row figure ('forest', 'love', 'subgroups') wants. */
  async figureHeight(figure, options) {
    return this.guard(s => s.figure_height(figure, JSON.stringify(options)));
  }

  /**
   * Size `canvas` for the forest plot at pixel width `width` (CSS size = pixels / `dpr`) and
   * draw it; returns the layout.
   */
  async drawForest(canvas, options, width, dpr) {
    const h = await this.forestHeight(options);
    sizeCanvas(canvas, width, h, dpr);
    return this.draw(canvas, 'forest', options);
  }

  /** Text export of the last analysis: 'r', 'python' or 'methods'. */
  async exportText(kind) {
    return this.guard(s => s.export(kind));
  }

  /** The last report's figure as SVG text. */
  async svg(figure, options, width, height) {
    return this.guard(s => s.svg(figure, JSON.stringify(options), width, height));
  }

  /**
   * One export of the last analysis through the core's disclosure module, exactly the bytes
   * `cohort export --as KIND --k K` writes: `kind` 'results-link', 'report-json', 'tables-csv',
   * 'table1-csv', 'table1-md', 'methods', 'figure-svg', 'r-script' or 'python-script'.
   */
  async exportKind(kind, k, options = {}, width = 1800, height = 1200) {
    return this.guard(s => s.export_kind(kind, k, JSON.stringify(options), width, height));
  }

  // Sharing (www/share.js).
  async shareResults(k, specJson) { return this.guard(s => s.share_results(k, specJson)); }
  async loadShared(json) {
    const report = await this.guard(s => JSON.parse(s.load_shared(json)));
    this.file = null;
    return report;
  }
  async analysisCsv(columns) { return this.guard(s => s.analysis_csv(JSON.stringify(columns))); }
  async methodsK(k) { return this.guard(s => s.methods_k(k)); }
}

/** Give a canvas a pixel size and the matching CSS size. */
function sizeCanvas(canvas, width, height, dpr) {
  canvas.style.width = Math.round(width / dpr) + 'px';
  canvas.style.height = Math.round(height / dpr) + 'px';
  canvas.width = width;
  canvas.height = height;
}

/**
 * Requests the engine's worker made (its own resource timing, which the page's does not hold):
 * kept in `globalThis.cohortWorkerRequests` ({name, startTime} on the page's clock) and announced
 * with a `cohort:worker-requests` event, for the privacy badge.
 */
function workerRequests(net) {
  const list = globalThis.cohortWorkerRequests || (globalThis.cohortWorkerRequests = []);
  const entries = net.map(e => ({ name: e.name, startTime: e.time - performance.timeOrigin, initiatorType: e.initiator, worker: true }));
  list.push(...entries);
  globalThis.dispatchEvent?.(new CustomEvent('cohort:worker-requests', { detail: entries }));
}

/** Draw an ImageBitmap onto a visible canvas (same pixel size). */
function blit(canvas, bitmap) {
  const ctx = canvas.getContext('2d');
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
}

/**
 * The engine in a Web Worker: the file is parsed and the analysis fitted off the main thread, so
 * the page stays responsive with large cohorts. Same interface as MainEngine. A panic ends the
 * worker; a new one starts and re-loads the file.
 */
export class WorkerEngine {
  constructor() {
    this.worker = null;
    this.pending = new Map();
    this.nextId = 1;
    this.file = null;
    this.ver = '';
    this.build = 'core';   // which build of the engine runs (see BUILDS)
    this.onPanic = () => {};
  }

  async start() {
    const module = await compileOnce(this.build);
    const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name: 'cohort-engine' });
    this.worker = worker;
    worker.onmessage = ev => {
      if (ev.data?.net) { workerRequests(ev.data.net); return; }
      const { id, ok, value, error, fatal, progress } = ev.data;
      const p = this.pending.get(id);
      if (!p) return;
      if (progress) { p.onProgress?.(progress); return; }
      this.pending.delete(id);
      if (ok) p.resolve(value);
      else {
        const e = Object.assign(new Error(error.message), error);
        e.fatal = !!fatal;
        p.reject(e);
      }
    };
    worker.onerror = ev => {
      const e = new Error(`the analysis engine stopped: ${ev.message || 'worker error'}`);
      e.fatal = true;
      for (const [id, p] of this.pending) {
        if (p.worker !== worker) continue;
        this.pending.delete(id);
        p.reject(e);
      }
    };
    this.ver = await this.call('init', { module, glueUrl: new URL(BUILDS[this.build].glue, import.meta.url).href });
    return this;
  }

  /**
   * Switch to the workbook build when `source` is a workbook (once; it reads everything): a new
   * worker starts with it; calls already sent to the old one finish there before it ends.
   */
  async useBuildFor(source, onProgress = () => {}) {
    if (this.build === 'workbook' || (await buildFor(source)) !== 'workbook') return;
    onProgress({ phase: 'engine' });   // {phase: 'engine'}: fetching the workbook build
    const old = this.worker;
    this.build = 'workbook';
    this.file = null;
    await this.start();
    const retire = () => {
      if ([...this.pending.values()].some(p => p.worker === old)) setTimeout(retire, 200);
      else old.terminate();
    };
    retire();
  }

  call(op, args, transfer = [], onProgress = null) {
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { resolve, reject, onProgress, worker: this.worker });
      this.worker.postMessage({ id, op, args }, transfer);
    });
  }

  // A call that restarts the worker after a panic and rethrows a clear error.
  async guarded(op, args, onProgress = null) {
    try {
      return await this.call(op, args, [], onProgress);
    } catch (e) {
      if (!e.fatal) throw e;
      this.onPanic(e.message);
      await this.restart();
      const err = new Error(e.message);
      err.kind = 'internal';
      throw err;
    }
  }

  async restart() {
    this.delta = null;
    this.extras = null;
    try { this.worker.terminate(); } catch { /* already gone */ }
    for (const p of this.pending.values()) p.reject(new Error('the analysis engine was restarted'));
    this.pending.clear();
    // A failed start is tried again once before giving up with a message (never a dead page).
    for (let attempt = 1; ; attempt++) {
      try { await this.start(); break; } catch (e) {
        try { this.worker?.terminate(); } catch { /* gone */ }
        if (attempt >= 2) throw new Error(`the analysis engine could not restart (${e.message}): reload the page; your file stays on this computer`);
        await new Promise(r => setTimeout(r, 300));
      }
    }
    if (this.file) {
      try {
        if (this.file.blob) await this.call('loadFile', { file: this.file.blob, name: this.file.name });
        else await this.call('load', { bytes: this.file.bytes, name: this.file.name });
        // The last analysis that ran is run again, so the report (and its exports) are back.
        if (this.lastSpec) await this.call('run', { spec: this.lastSpec });
      } catch { /* reported on next use */ }
    }
  }

  version() { return this.ver; }

  async load(bytes, name) {
    await this.useBuildFor(bytes);
    // The worker gets a copy: the page keeps the bytes to re-load after a restart.
    const schema = JSON.parse(await this.guarded('load', { bytes, name }));
    this.file = { name, bytes };
    this.lastSpec = null;
    return schema;
  }

  /**
   * Parse a File: the worker gets the File handle (no bytes cross threads), reads it in chunks
   * and reports progress ({phase, loaded, total}); the page keeps only the handle, to reload the
   * file after a restart.
   */
  /** Stop reading the File being loaded (the page's Cancel button); the loaded file stays. */
  cancelLoad() {
    // Outside the request/answer pairs (id 0: its answer is ignored), so it reaches the worker
    // while the load is in progress.
    this.worker?.postMessage({ id: 0, op: 'cancelLoad' });
  }

  async loadFile(file, name, onProgress = () => {}) {
    await this.useBuildFor(file, onProgress);
    const schema = JSON.parse(await this.guarded('loadFile', { file, name }, onProgress));
    this.file = { name, blob: file };
    this.lastSpec = null;
    return schema;
  }

  async run(spec) {
    return onDemand(this, async () => {
      this.delta = null;
      this.extras = null;
      const report = JSON.parse(await this.guarded('run', { spec: JSON.stringify(spec) }));
      this.lastSpec = JSON.stringify(spec);
      return report;
    });
  }

  /**
   * As MainEngine.runDelta. `extras` ({forest: {options, width}, methods: k}) asks the worker
   * to draw the forest plot and write the methods paragraph of the new report in the same
   * message; `drawForest` and `methodsK(k)` then answer from them without a message.
   */
  async runDelta(spec, extras = {}) {
    return onDemand(this, async () => {
      const have = this.delta?.token ?? 0;
      this.extras = null;
      const forest = extras.forest ? { options: JSON.stringify(extras.forest.options), width: extras.forest.width } : null;
      const got = await this.guarded('runDelta', { spec: JSON.stringify(spec), have, forest, methods: extras.methods || 0 });
      const answer = JSON.parse(got.answer);
      this.lastSpec = JSON.stringify(spec);
      const report = mergeDelta(this.delta?.token === have ? this.delta.report : null, answer);
      this.delta = { token: answer.token, report };
      this.extras = { forest: got.forest || null, methods: got.methods, methodsK: extras.methods };
      return report;
    });
  }

  async draw(canvas, figure, options) {
    const { layout, bitmap } = await this.guarded('draw', { figure, options: JSON.stringify(options), width: canvas.width, height: canvas.height });
    if (bitmap) blit(canvas, bitmap);
    return JSON.parse(layout);
  }

  async svg(figure, options, width, height) {
    return this.guarded('svg', { figure, options: JSON.stringify(options), width, height });
  }

  /** As MainEngine.drawForest, in one message: the worker sizes and draws (or drew it with the refit). */
  async drawForest(canvas, options, width, dpr) {
    const ready = this.extras?.forest;
    if (ready && ready.width === width && ready.options === JSON.stringify(options)) {
      this.extras.forest = null;
      sizeCanvas(canvas, width, ready.height, dpr);
      blit(canvas, ready.bitmap);
      return JSON.parse(ready.layout);
    }
    const { layout, bitmap, height } = await this.guarded('drawForest', { options: JSON.stringify(options), width });
    sizeCanvas(canvas, width, height, dpr);
    if (bitmap) blit(canvas, bitmap);
    return JSON.parse(layout);
  }

  async selfTestPanic() {
    return this.guarded('selfTestPanic', {});
  }

  async valuesAt(t, options) {
    return JSON.parse(await this.guarded('valuesAt', { t, options: JSON.stringify(options) }));
  }

  async forestHeight(options) {
    return this.guarded('forestHeight', { options: JSON.stringify(options) });
  }

  async figureHeight(figure, options) {
    return this.guarded('figureHeight', { figure, options: JSON.stringify(options) });
  }

  async exportText(kind) {
    return this.guarded('exportText', { kind });
  }

  async exportKind(kind, k, options = {}, width = 1800, height = 1200) {
    return this.guarded('exportKind', { kind, k, options: JSON.stringify(options), width, height });
  }

  // Sharing (www/share.js).
  async shareResults(k, specJson) { return this.guarded('shareResults', { k, specJson }); }
  async loadShared(json) {
    const report = JSON.parse(await this.guarded('loadShared', { json }));
    this.file = null;
    return report;
  }
  async analysisCsv(columns) { return this.guarded('analysisCsv', { columns: JSON.stringify(columns) }); }
  async methodsK(k) {
    // Written with the last refit (runDelta's extras) for this k: answered without a message.
    if (typeof this.extras?.methods === 'string' && this.extras.methodsK === k) {
      const text = this.extras.methods;
      this.extras.methods = undefined;
      return text;
    }
    return this.guarded('methodsK', { k });
  }
}

/** The worker engine where the browser supports it, else the main-thread one. */
export async function startEngine({ worker = true } = {}) {
  if (worker && typeof Worker !== 'undefined' && typeof OffscreenCanvas !== 'undefined') {
    try {
      return await new WorkerEngine().start();
    } catch (e) {
      console.warn('cohort: Web Worker engine unavailable, running on the main thread:', e.message);
    }
  }
  return new MainEngine().start();
}
