// The WebAssembly engine: one wasm `Session` holding the parsed table. Every call is wrapped so
// that a panic inside wasm (a bug) is reported and the engine restarts with the same file,
// instead of leaving a dead page.

let compiled = null;   // WebAssembly.Module, compiled once
let instanceNo = 0;
let panicMessage = null;

globalThis.__cohortPanic = msg => { panicMessage = msg; };

async function instantiate() {
  const glueUrl = new URL('./pkg/cohort.js', import.meta.url);
  if (!compiled) {
    const res = await fetch(new URL('./pkg/cohort_bg.wasm', import.meta.url));
    if (!res.ok) throw new Error(`cannot load the analysis engine (pkg/cohort_bg.wasm: HTTP ${res.status})`);
    compiled = await WebAssembly.compile(await res.arrayBuffer());
  }
  // After a panic the old instance cannot be trusted: import a fresh copy of the glue module
  // (a new module record) and instantiate the already-compiled wasm again.
  if (instanceNo > 0) glueUrl.searchParams.set('instance', String(instanceNo));
  instanceNo += 1;
  const glue = await import(glueUrl.href);
  await glue.default({ module_or_path: compiled });
  glue.installPanicHook();
  return glue;
}

export class Engine {
  constructor() {
    this.glue = null;
    this.session = null;
    this.file = null;      // {name, bytes} of the loaded file, to reload after a restart
    this.onPanic = () => {};
  }

  async start() {
    this.glue = await instantiate();
    this.session = new this.glue.Session();
    return this;
  }

  version() {
    return this.glue ? this.glue.version() : '';
  }

  // Run fn(session); on a wasm trap (panic), restart and re-load the file, then rethrow a clear error.
  async guard(fn) {
    panicMessage = null;
    try {
      return fn(this.session);
    } catch (e) {
      if (e instanceof WebAssembly.RuntimeError || panicMessage) {
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
    try { this.session?.free(); } catch { /* the old instance is gone */ }
    this.glue = await instantiate();
    this.session = new this.glue.Session();
    if (this.file) {
      try { this.session.load(this.file.bytes, this.file.name); } catch { /* reported on next use */ }
    }
  }

  /** Parse a file; returns the schema object. */
  async load(bytes, name) {
    const schema = await this.guard(s => JSON.parse(s.load(bytes, name)));
    this.file = { name, bytes };
    return schema;
  }

  /** Run a spec object; returns the report object. */
  async run(spec) {
    return this.guard(s => JSON.parse(s.run(JSON.stringify(spec))));
  }

  /** Draw the last report into a canvas; returns the figure's layout. */
  async draw(canvas, figure, options) {
    return this.guard(s => (typeof s.draw === 'function' ? JSON.parse(s.draw(canvas, figure, JSON.stringify(options))) : null));
  }

  /** The last report's figure as SVG text. */
  async svg(figure, options, width, height) {
    return this.guard(s => s.svg(figure, JSON.stringify(options), width, height));
  }
}
