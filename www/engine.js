// The WebAssembly engine: one wasm `Session` holding the parsed table and the reports of its
// analyses, by handle. Every call is wrapped so that a panic inside wasm (a bug) is reported and
// the engine restarts with the same file, instead of leaving a dead page.
//
// One protocol: the operations are the table of www/ops.js. `MainEngine` runs them in-process;
// `WorkerEngine` sends them to www/worker.js, which runs the same table. Both share `Engine`'s
// methods (the page's API): only how an operation reaches the table differs.
//
// Views: each analysis the page shows lives under a view name ('page' — the page's own — or
// 'hazard', 'paper:KEY', ...) and the engine holds the handle of each view's report. `run(spec,
// view)` replaces that view's report (the old handle is released in the same call); draws,
// exports and shares name the view they read (default 'page'). So the hazard section and the
// Paper view run their analyses beside the page's and never refit the page's spec to restore it.
//
// The engine comes in two builds of the same crate (scripts/build.sh): `core` reads CSV/TSV and
// is loaded with the page; `workbook` is the same engine plus the .xlsx/.xlsb/.xls/.ods readers
// (about 60% more bytes), fetched only when a workbook is dropped. From then on the page keeps
// using the workbook build (it reads text files too).

import { perform, decode, panic, isFatal, fatalError } from './ops.js';
import { ownFile } from './dom.js';

/** The two builds: their wasm module and wasm-bindgen glue, relative to this file. */
// `workbook` also carries what the core leaves out (the extended estimators, the R and Python
// scripts, results links, the benchmark: cargo features `extended`, `scripts`, `links`, `bench`),
// loaded when a call needs one of them (see Engine.request).
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
  // (A one-shot function of the third build, not a Session operation.)
  const data = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  return glue.manuscriptExport(data, name, JSON.stringify(spec), kind, k, JSON.stringify(options));
}

let instanceNo = 0;

function compileOnce(build) {
  if (!compiled.has(build)) {
    const file = BUILDS[build].wasm;
    const p = (async () => {
      const res = await fetch(ownFile(new URL(file, import.meta.url)));
      if (!res.ok) throw new Error(`cannot load the analysis engine (${file.slice(2)}: HTTP ${res.status})`);
      // Compile while the bytes arrive; a host that does not send `application/wasm` makes
      // compileStreaming refuse, so then compile the whole buffer.
      try {
        if (WebAssembly.compileStreaming && /^application\/wasm\b/.test(res.headers.get('content-type') || '')) {
          return await WebAssembly.compileStreaming(res);
        }
        return await WebAssembly.compile(await res.arrayBuffer());
      } catch (e) {
        // The engine's Cox kernels use WebAssembly SIMD (src/stats/cox/fit.rs `lanes`).
        if (e instanceof WebAssembly.CompileError) throw new Error(`this browser cannot run the analysis engine (${e.message}): it needs WebAssembly SIMD — Chrome or Edge 91+, Firefox 89+, Safari 16.4+. Update the browser; no file was read`);
        throw e;
      }
    })();
    compiled.set(build, p);
    p.catch(() => compiled.delete(build));   // a failed fetch is tried again next time
  }
  return compiled.get(build);
}

/**
 * The compiled module of `build` and the URL of its glue. After a panic the old instance cannot
 * be trusted: each in-process start imports a fresh copy of the glue module (a new module
 * record) and instantiates the already-compiled wasm again.
 */
async function initArgs(build, fresh) {
  const module = await compileOnce(build);
  const glueUrl = new URL(BUILDS[build].glue, import.meta.url);
  if (fresh && instanceNo > 0) glueUrl.searchParams.set('instance', String(instanceNo));
  if (fresh) instanceNo += 1;
  return { module, glueUrl: ownFile(glueUrl) };
}

async function instantiate(build) {
  const st = {};
  await perform(st, 'init', await initArgs(build, true));
  return st;
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

/** After this long (ms) a call still running is slow: the page shows its Stop button (`Engine.watch`). */
export const SLOW_CALL_MS = 600;

/**
 * Calls the slow-call watch leaves alone: a load has its own progress bar and Cancel button;
 * releasing a report is quick; the idle warm-up runs when the user does nothing.
 */
const UNWATCHED = new Set(['load', 'loadFile', 'release', 'warmUp', 'selfTestPanic']);

/** What the page's progress line says while engine call `op` is slow (www/ops.js names the calls). */
export function slowLabel(op) {
  if (['draw', 'drawForest', 'drawColumn', 'svg', 'valuesAt', 'forestHeight', 'figureHeight'].includes(op)) return 'Drawing the figure…';
  if (['exportKind', 'exportText', 'methodsK', 'shareResults', 'table1Export', 'analysisCsv'].includes(op)) return 'Preparing the export…';
  if (['missingness', 'followup'].includes(op)) return 'Summarising the columns…';
  if (op === 'loadShared') return 'Opening the shared results…';
  return 'Analysing…';
}

/** A fatal error (wasm trap or panic): the engine restarts and the call fails with this. */
function internal(message) {
  const err = new Error(message);
  err.kind = 'internal';
  return err;
}

/**
 * The page's API of the engine, written once over `this.send(op, args, transfer, onProgress)`
 * (the transport of the subclass) and the operations of www/ops.js.
 */
class Engine {
  constructor() {
    this.file = null;      // {name, bytes} or {name, blob} of the loaded file, to reload after a restart
    this.build = 'core';   // which build of the engine runs (see BUILDS)
    this.views = new Map();   // view name → {handle, spec}: the report each view shows
    this.delta = null;     // {handle, report} of the page's last runDelta (see mergeDelta)
    this.extras = null;    // the methods paragraph the worker wrote with the last refit
    this.forests = [];     // the page's last forest plots as bitmaps (see forestKey, keepForest)
    this.onPanic = () => {};
    this.onSlow = () => {};   // onSlow(true, op): call `op` has been running SLOW_CALL_MS; onSlow(false): none is now
    this.slowCalls = 0;
  }

  /**
   * Operation `op` through the transport; a fatal error restarts the engine and says so. What
   * the core build leaves out (the extended estimators, the R and Python scripts, results
   * links, some figures: `analyze::extended_need`, `ExportKind::left_out`, src/wasm.rs
   * `left_out`) fails there with an error of kind `engine`: the engine then switches to the
   * on-demand build (`inFullBuild`) and sends `op` again there.
   */
  async request(op, args = {}, onProgress = null) {
    const slow = this.canStop() && !UNWATCHED.has(op) ? this.watch(op) : null;
    let value;
    try {
      value = await this.send(op, args, onProgress);
    } catch (e) {
      if (e?.kind === 'engine' && this.build === 'core') return this.inFullBuild(op, args, onProgress);
      if (!e.fatal) throw e;
      this.onPanic(e.message, e.kind);
      await this.restart();
      throw Object.assign(internal(e.message), { kind: e.kind === 'memory' ? 'memory' : 'internal' });
    } finally {
      slow?.done();
    }
    return decode(op, value);
  }

  /**
   * A call that may take long (any view's analysis, figure or export): once it has run
   * SLOW_CALL_MS, `onSlow(true, op)` (the page shows its Stop button and says what runs); when
   * the last such call ends, `onSlow(false)`. Returns {done}, called when the call ends.
   */
  watch(op) {
    let fired = false;
    const timer = setTimeout(() => {
      fired = true;
      if (this.slowCalls++ === 0) this.onSlow(true, op);
    }, SLOW_CALL_MS);
    return {
      done: () => {
        clearTimeout(timer);
        if (fired && --this.slowCalls === 0) this.onSlow(false);
      },
    };
  }

  /**
   * Switch to the on-demand build (it has everything the core build leaves out, and the
   * workbook readers), where the file and every view's analysis are loaded again under new
   * handles, and send `op` there: the report handles in `args` (`handle`, `replace`) become the
   * same views' new ones; a refit's base (`have`) is dropped, so the whole report comes back.
   */
  async inFullBuild(op, args, onProgress) {
    const viewOf = h => (h ? [...this.views].find(([, v]) => v.handle === h)?.[0] : undefined);
    const views = { handle: viewOf(args.handle), replace: viewOf(args.replace) };
    this.build = 'workbook';
    await this.restart();
    const again = { ...args };
    for (const k of ['handle', 'replace']) if (k in args) again[k] = views[k] ? this.handle(views[k]) : 0;
    if ('have' in args) again.have = 0;
    return this.request(op, again, onProgress);
  }

  /** The handle of `view`'s report (0: none yet, which the session refuses with a message). */
  handle(view = 'page') {
    return this.views.get(view)?.handle ?? 0;
  }

  /** Keep `view`'s new handle and spec (the old handle was released by the call that made it). */
  hold(view, handle, spec) {
    this.views.set(view, { handle, spec });
    if (view === 'page') this.extras = null;
  }

  /** Forget `view`'s report (a section closed or emptied): the session frees it. */
  async release(view) {
    const held = this.views.get(view);
    if (!held) return;
    this.views.delete(view);
    await this.request('release', { handle: held.handle });
  }

  /** Switch to the workbook build when `source` is a workbook (once; it reads everything). */
  async useBuildFor(source, onProgress = () => {}) {
    if (this.build === 'workbook' || (await buildFor(source)) !== 'workbook') return;
    onProgress({ phase: 'engine' });   // {phase: 'engine'}: fetching the workbook build
    this.build = 'workbook';
    this.file = null;
    this.forget();
    await this.switchBuild();
  }

  /** A new file (or a new instance): every view's report is gone. */
  forget() {
    this.views.clear();
    this.delta = null;
    this.extras = null;
    for (const f of this.forests.splice(0)) f.bitmap.close();
  }

  /** After a restart: the file again, then each view's analysis (new handles), so its exports are back. */
  async reload() {
    const views = [...this.views];
    this.forget();
    if (!this.file) return;
    try {
      if (this.file.blob) await this.send('loadFile', { file: this.file.blob, name: this.file.name });
      else await this.send('load', { bytes: this.file.bytes, name: this.file.name });
    } catch { return; /* reported on next use */ }
    for (const [view, { spec }] of views) {
      try {
        const { handle } = decode('run', await this.send('run', { spec, replace: 0 }));
        this.hold(view, handle, spec);
      } catch { /* this view's next call says so */ }
    }
  }

  version() { return this.ver || ''; }

  /** Whether an analysis in progress can be stopped (the main thread's engine cannot be). */
  canStop() { return false; }

  /** Parse a file; returns the schema object. */
  async load(bytes, name) {
    await this.useBuildFor(bytes);
    // The worker gets a copy: the page keeps the bytes to re-load after a restart.
    const schema = await this.request('load', { bytes, name });
    this.file = { name, bytes };
    this.forget();
    return schema;
  }

  /**
   * Read a File in chunks (progress: {phase, loaded, total}) and parse it; returns the schema.
   * Only the File handle is kept (to reload after a restart), not its bytes.
   */
  async loadFile(file, name, onProgress = () => {}) {
    await this.useBuildFor(file, onProgress);
    const schema = await this.request('loadFile', { file, name }, this.progress(onProgress));
    this.file = { name, blob: file };
    this.forget();
    return schema;
  }

  progress(onProgress) { return onProgress; }

  /** Run a spec object as `view`'s analysis (replacing its report); returns the report object. */
  async run(spec, view = 'page') {
    const { handle, report } = await this.request('run', { spec, replace: this.handle(view) });
    if (view === 'page') this.delta = null;
    this.hold(view, handle, spec);
    return report;
  }

  /**
   * As `run`, for the page's own analysis: the engine sends only the parts of the report that
   * changed since the last `runDelta` (see mergeDelta); returns the whole report. `extras`
   * ({methods: k}) asks the worker to write the methods paragraph of the new report in the same
   * message; `methodsK(k)` then answers from it without a message. (The forest plot is asked
   * for apart, `drawForest`, once the answer is in: the worker draws it while the page builds
   * its tables, and a model seen before is a kept bitmap.)
   */
  async runDelta(spec, extras = {}) {
    const page = this.handle('page');
    if (page && this.delta?.handle !== page) {
      // The page's report was not made by runDelta (a plain run, a restart): no base to compare.
      const report = await this.run(spec, 'page');
      this.delta = { handle: this.handle('page'), report };
      return report;
    }
    const have = this.delta && this.delta.handle === this.handle('page') ? this.delta.handle : 0;
    const base = have ? this.delta.report : null;
    const ask = this.inProcess ? {} : { methods: extras.methods || 0 };
    const got = await this.request('runDelta', { spec, have, ...ask });
    const answer = got.answer;
    this.hold('page', answer.handle, spec);
    // (After a switch to the on-demand build the answer is whole: `same` is empty.)
    const report = mergeDelta(base, answer);
    this.delta = { handle: answer.handle, report };
    this.extras = { methods: got.methods, methodsK: extras.methods };
    return report;
  }

  /** Draw `view`'s report into a canvas; returns the figure's layout. */
  async draw(canvas, figure, options, view = 'page') {
    const target = this.inProcess ? { canvas } : { width: canvas.width, height: canvas.height };
    const { layout, bitmap } = await this.request('draw', { handle: this.handle(view), figure, options, ...target });
    if (bitmap) blit(canvas, bitmap);
    return layout;
  }

  /**
   * As `draw` for the page's survival figure, answering {layout, bitmap}: in the worker the
   * figure's ImageBitmap is kept (not closed) for the page to show again (www/figure.js); in
   * process the engine draws straight into the canvas and `bitmap` is null.
   */
  async drawKept(canvas, figure, options, view = 'page') {
    const target = this.inProcess ? { canvas } : { width: canvas.width, height: canvas.height };
    const { layout, bitmap } = await this.request('draw', { handle: this.handle(view), figure, options, ...target });
    if (bitmap) {
      const ctx = canvas.getContext('2d');
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      ctx.drawImage(bitmap, 0, 0);
    }
    return { layout, bitmap: bitmap || null };
  }

  /**
   * `view`'s figure drawn by the worker into a bitmap of `width`×`height` that is not shown
   * ({layout, bitmap}: the page keeps it, www/figure.js `planAhead`); null in process, where
   * the engine draws only into a page canvas.
   */
  async drawAhead(figure, options, width, height, view = 'page') {
    if (this.inProcess) return null;
    const { layout, bitmap } = await this.request('draw', { handle: this.handle(view), figure, options, width, height });
    return bitmap ? { layout, bitmap } : null;
  }

  /**
   * Size `canvas` for the forest plot at pixel width `width` (CSS size = pixels / `dpr`) and
   * draw it; returns the layout.
   */
  async drawForest(canvas, options, width, dpr, view = 'page') {
    if (this.inProcess) {
      const h = await this.forestHeight(options, view);
      sizeCanvas(canvas, width, h, dpr);
      return this.draw(canvas, 'forest', options, view);
    }
    const key = view === 'page' ? this.forestKey(options, width) : null;
    const kept = key && this.forests.find(f => f.key === key);
    if (kept) {
      // Shown again: the most recent last.
      this.forests.splice(this.forests.indexOf(kept), 1);
      this.forests.push(kept);
      sizeCanvas(canvas, width, kept.height, dpr, true);
      canvas.getContext('2d').drawImage(kept.bitmap, 0, 0);
      return kept.layout;
    }
    const { layout, bitmap, height } = await this.request('drawForest', { handle: this.handle(view), options, width });
    sizeCanvas(canvas, width, height, dpr, true);
    if (bitmap) {
      if (key) {
        canvas.getContext('2d').drawImage(bitmap, 0, 0);
        this.keepForest({ key, width, height, layout, bitmap });
      } else {
        blit(canvas, bitmap);
      }
    }
    return layout;
  }

  /**
   * What the page's forest plot shows, as a key for the kept bitmaps: the page's spec (on the
   * file loaded: `forget` empties the list), the model's terms as the report gives them (every
   * number of each term), the options and the pixel width. Null when the page's report is not
   * the last refit's (the engine does not hold it then).
   */
  forestKey(options, width) {
    const page = this.views.get('page');
    const r = this.delta?.handle === this.handle('page') ? this.delta.report : null;
    if (!page?.spec || !r) return null;
    const model = r.cox?.terms?.length ? ['cox', r.cox.terms] : r.finegray?.terms?.length ? ['finegray', r.finegray.terms] : null;
    return model && JSON.stringify([canonical(page.spec), model, JSON.stringify(options ?? {}), width]);
  }

  /**
   * Keep a forest plot's bitmap (the page shows it again without a message when the same model
   * comes back: a covariate ticked and unticked): the last eight, at most 8M pixels together.
   */
  keepForest(f) {
    this.forests.push(f);
    const pixels = () => this.forests.reduce((a, x) => a + x.width * x.height, 0);
    while (this.forests.length > 8 || (this.forests.length > 1 && pixels() > 8e6)) this.forests.shift().bitmap.close();
  }

  /** The figure of `view`'s report as SVG text. */
  svg(figure, options, width, height, view = 'page') {
    return this.request('svg', { handle: this.handle(view), figure, options, width, height });
  }

  /** Each drawn curve's value at time t (for the hover read-out). */
  valuesAt(t, options, view = 'page') {
    return this.request('valuesAt', { handle: this.handle(view), t, options });
  }

  /** Pixel height the forest plot wants. */
  forestHeight(options, view = 'page') {
    return this.request('forestHeight', { handle: this.handle(view), options });
  }

  /** Pixel height a row figure ('forest', 'love', 'subgroups') wants. */
  figureHeight(figure, options, view = 'page') {
    return this.request('figureHeight', { handle: this.handle(view), figure, options });
  }

  selfTestPanic() {
    return this.request('selfTestPanic');
  }

  /** Text export of `view`'s analysis: 'r', 'python' or 'methods'. */
  exportText(kind, view = 'page') {
    return this.request('exportText', { handle: this.handle(view), kind });
  }

  /**
   * One export of `view`'s analysis through the core's disclosure module, exactly the bytes
   * `cohort export --as KIND --k K` writes: `kind` 'results-link', 'report-json', 'tables-csv',
   * 'table1-csv', 'table1-md', 'methods', 'figure-svg', 'r-script' or 'python-script'.
   */
  exportKind(kind, k, options = {}, width = 1800, height = 1200, view = 'page') {
    return this.request('exportKind', { handle: this.handle(view), kind, k, options, width, height });
  }

  /** The methods paragraph of `view`'s report with every count below `k` written "<k". */
  async methodsK(k, view = 'page') {
    // Written with the last refit (runDelta's extras) for this k: answered without a message.
    if (view === 'page' && typeof this.extras?.methods === 'string' && this.extras.methodsK === k) {
      const text = this.extras.methods;
      this.extras.methods = undefined;
      return text;
    }
    return this.request('methodsK', { handle: this.handle(view), k });
  }

  // Sharing (www/share.js).
  shareResults(k, specJson, view = 'page') {
    return this.request('shareResults', { handle: this.handle(view), k, specJson });
  }

  /** Show a results-only link's report as the page's (no file is loaded). */
  async loadShared(json) {
    const { handle, report } = await this.request('loadShared', { json });
    this.file = null;
    this.forget();
    this.hold('page', handle, null);
    return report;
  }

  analysisCsv(columns) {
    return this.request('analysisCsv', { columns });
  }

  // Cohort overview (www/overview.js).
  missingness(spec) { return this.request('missingness', { spec }); }
  followup(spec) { return this.request('followup', { spec }); }
  table1Export(format, view = 'page') { return this.request('table1Export', { handle: this.handle(view), format }); }
  async drawColumn(canvas, name, categorical, options) {
    const target = this.inProcess ? { canvas } : { width: canvas.width, height: canvas.height };
    const { layout, bitmap } = await this.request('drawColumn', { name, categorical, options, ...target });
    if (bitmap) blit(canvas, bitmap);
    return layout;
  }
}

/** The engine on the page's main thread (used where Web Workers or OffscreenCanvas are missing). */
export class MainEngine extends Engine {
  constructor() {
    super();
    this.inProcess = true;
    this.st = null;
    this.loading = null;
  }

  async start() {
    this.st = await instantiate(this.build);
    this.ver = this.st.glue.version();
    return this;
  }

  async switchBuild() {
    await this.start();
  }

  /** Run `op` on this thread; a trap or panic comes back as a fatal error. */
  async send(op, args, onProgress) {
    panic.message = null;
    try {
      return await perform(this.st, op, args, onProgress || (() => {}));
    } catch (e) {
      if (isFatal(e)) {
        const { message, kind } = fatalError(this.st, e);
        const err = Object.assign(internal(message), { kind });
        err.fatal = true;
        panic.message = null;
        throw err;
      }
      throw e;
    }
  }

  /** Progress on this thread: let the page paint "Parsing…" before the engine holds it. */
  progress(onProgress) {
    return p => {
      onProgress(p);
      return p.phase === 'parsing' ? new Promise(r => setTimeout(r, 30)) : undefined;
    };
  }

  /** Stop reading the File being loaded (the page's Cancel button); the loaded file stays. */
  cancelLoad() {
    this.st?.loading?.abort();
  }

  async restart() {
    try { this.st?.session?.free(); } catch { /* the old instance is gone */ }
    // A failed start is tried again once before giving up with a message (never a dead page).
    for (let attempt = 1; ; attempt++) {
      try {
        await this.start();
        break;
      } catch (e) {
        if (attempt >= 2) throw new Error(`the analysis engine could not restart (${e.message}): reload the page; your file stays on this computer`);
        await new Promise(r => setTimeout(r, 300));
      }
    }
    await this.reload();
  }
}

/**
 * A spec as JSON with every object's keys in sorted order: specs that differ only in the order
 * of their keys (a covariate list removed and added again goes last) are the same analysis.
 */
function canonical(v) {
  const sorted = x => (Array.isArray(x) ? x.map(sorted)
    : x && typeof x === 'object' ? Object.fromEntries(Object.keys(x).sort().map(k => [k, sorted(x[k])])) : x);
  return JSON.stringify(sorted(v));
}

/** Give a canvas a pixel size and the matching CSS size. */
function sizeCanvas(canvas, width, height, dpr, forBitmap = false) {
  canvas.style.width = Math.round(width / dpr) + 'px';
  canvas.style.height = Math.round(height / dpr) + 'px';
  // A canvas that only ever shows the worker's bitmaps (drawImage: no other state is set on
  // its context) at the same size: cleared, not given a new backing store (setting the size
  // reallocates it). The engine drawing in process needs the context's state reset: resized.
  if (forBitmap && canvas.width === width && canvas.height === height) {
    const ctx = canvas.getContext('2d');
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, width, height);
    return;
  }
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
 * the page stays responsive with large cohorts. The same API as MainEngine (both are `Engine`s).
 * A panic ends the worker; a new one starts and re-loads the file.
 */
export class WorkerEngine extends Engine {
  constructor() {
    super();
    this.inProcess = false;
    this.worker = null;
    this.pending = new Map();
    this.nextId = 1;
    this.restarting = null;      // the restart under way (restarts run one at a time)
    this.stopping = null;        // the restart the Stop button asked for (see `stop`)
    this.stopRequested = false;  // the next restart fails the calls in progress as `stopped`
  }

  async start() {
    // The worker's script, the modules it imports and the file reader it starts (www/read.js).
    for (const f of ['./ops.js', './read.js']) ownFile(new URL(f, import.meta.url));
    const worker = new Worker(ownFile(new URL('./worker.js', import.meta.url)), { type: 'module', name: 'cohort-engine' });
    this.worker = worker;
    if (!this.readerReady) this.readerReady = new Promise(res => { this.markReader = res; });
    worker.onmessage = ev => {
      if (ev.data?.net) { workerRequests(ev.data.net); return; }
      if (ev.data?.readerStarted) { this.markReader?.(); return; }
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
    this.ver = await this.send('init', await initArgs(this.build, false));
    return this;
  }

  /**
   * The workbook build: a new worker starts with it; calls already sent to the old one finish
   * there before it ends.
   */
  async switchBuild() {
    const old = this.worker;
    await this.start();
    const retire = () => {
      if ([...this.pending.values()].some(p => p.worker === old)) setTimeout(retire, 200);
      else old.terminate();
    };
    retire();
  }

  /** Post `op` to the worker; its answer (or error, `fatal` after a panic) resolves the promise. */
  send(op, args, onProgress = null) {
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { resolve, reject, onProgress, worker: this.worker });
      this.worker.postMessage({ id, op, args });
    });
  }

  /** Stop reading the File being loaded (the page's Cancel button); the loaded file stays. */
  cancelLoad() {
    // Outside the request/answer pairs (id 0: its answer is ignored), so it reaches the worker
    // while the load is in progress.
    this.worker?.postMessage({ id: 0, op: 'cancelLoad' });
  }

  /** An analysis in progress can be stopped: the worker is ended (see `stop`). */
  canStop() { return true; }

  /**
   * Stop what the engine is computing (the page's Stop button, for an analysis that takes too
   * long): the worker is ended, and a new one loads the file and each view's last analysis
   * again. Every call in progress fails with an error of kind `stopped`. Resolves once the new
   * worker is ready; a second call while it starts returns the same promise.
   */
  stop() {
    if (!this.stopping) {
      // Also what is sent before the restart comes (a restart already under way, as a switch to
      // the on-demand build, sends its call again when it ends).
      this.stopRequested = true;
      this.stopping = this.restart().finally(() => { this.stopping = null; });
    }
    return this.stopping;
  }

  /** End the worker and start a new one with the file and the views; one restart at a time. */
  restart() {
    const next = (this.restarting || Promise.resolve()).catch(() => {}).then(() => this.restartNow());
    this.restarting = next;
    next.catch(() => {}).finally(() => { if (this.restarting === next) this.restarting = null; });
    return next;
  }

  async restartNow() {
    try { this.worker.terminate(); } catch { /* already gone */ }
    const stopped = this.stopRequested;
    this.stopRequested = false;
    for (const p of this.pending.values()) {
      p.reject(stopped ? Object.assign(new Error('the analysis was stopped before it finished'), { kind: 'stopped' }) : new Error('the analysis engine was restarted'));
    }
    this.pending.clear();
    // A failed start is tried again once before giving up with a message (never a dead page).
    for (let attempt = 1; ; attempt++) {
      try { await this.start(); break; } catch (e) {
        try { this.worker?.terminate(); } catch { /* gone */ }
        if (attempt >= 2) throw new Error(`the analysis engine could not restart (${e.message}): reload the page; your file stays on this computer`);
        await new Promise(r => setTimeout(r, 300));
      }
    }
    await this.reload();
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
