//! The WebAssembly boundary: the only module that knows about `wasm-bindgen`, `JsValue` and
//! `web-sys`.
//!
//! The page hands bytes and a spec in and gets JSON back:
//!
//! * [`Session`] keeps the parsed [`Table`] (and the file's bytes, in case a spec asks for another
//!   worksheet or other missing-value codes) inside wasm memory, so changing the analysis does not
//!   re-parse the file and no table crosses the boundary. `load` returns the schema (columns and
//!   their inferred types) as JSON, `run` returns the report as JSON, the same schema the CLI prints.
//!   `run` keeps its report under a handle (see [`handles`]): every draw, export, share and hover
//!   call names the report it reads, so several analyses (the page's, the hazard section's, the
//!   Paper view's) live side by side.
//!   The session also keeps the sections of earlier analyses ([`crate::analyze::AnalysisCache`]), so
//!   a click that changes one part of the spec recomputes only what depends on it, and `run_delta`
//!   sends the page only the report fields that changed (the page keeps the others).
//! * [`analyze`] is the one-shot form (bytes + name + spec → report JSON).
//!
//! Every error comes back as a JavaScript `Error` whose message is the core's message (file, line,
//! column, what to do), with `kind`, `file`, `line` and `column` also set as properties so the page
//! can lay them out. A panic (a bug: user data never panics by design) is reported through
//! [`install_panic_hook`] to `globalThis.__cohortPanic(message)` when the page defines it, and to the
//! console, so the page can say what happened and restart the engine instead of going dead.

use std::sync::Once;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::error::Error;
use crate::ingest::ReadOptions;
use crate::report::Report;
use crate::spec::AnalysisSpec;
use crate::table::Table;

mod handles;
// The global allocator, noting a request it could not serve (the page then says "out of memory").
mod memory;
mod overview;
mod share;
// The idle warm-up (issue 19 item 5): `warmUp`, in every build (the page's engine warms itself).
mod warm;
// The benchmark (issue 16 item 5); the canvas/SVG backend is the figures' (src/plot/canvas.rs).
// Only in the on-demand module (feature `bench`): scripts/bench.mjs loads that one for it.
#[cfg(feature = "bench")]
mod bench;
use crate::plot::canvas::CanvasBackend2d;
pub(crate) use crate::plot::canvas::FigureBackend;

static HOOK: Once = Once::new();

/// Route Rust panics to the page: `console.error` and `globalThis.__cohortPanic(message)` (a
/// function the page or its worker defines). Idempotent; called by every entry point.
#[wasm_bindgen(js_name = installPanicHook)]
pub fn install_panic_hook() {
    HOOK.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let msg = format!("internal error (a bug in cohort, not in your data): {info}");
            web_sys::console::error_1(&JsValue::from_str(&msg));
            let global = js_sys::global();
            if let Ok(f) = js_sys::Reflect::get(&global, &JsValue::from_str("__cohortPanic")) {
                if let Some(f) = f.dyn_ref::<js_sys::Function>() {
                    let _ = f.call1(&JsValue::NULL, &JsValue::from_str(&msg));
                }
            }
        }));
    });
}

/// The core's error as a JS `Error` with `kind`, `file`, `line`, `column` properties.
fn js_error(e: &Error) -> JsValue {
    let err = js_sys::Error::new(&e.to_string());
    let set = |k: &str, v: JsValue| {
        let _ = js_sys::Reflect::set(&err, &JsValue::from_str(k), &v);
    };
    let kind = match e.kind {
        crate::error::ErrorKind::Format => "format",
        crate::error::ErrorKind::Spec => "spec",
        crate::error::ErrorKind::Data => "data",
        crate::error::ErrorKind::Internal => "internal",
    };
    set("kind", JsValue::from_str(kind));
    set("detail", JsValue::from_str(&e.message));
    if let Some(f) = &e.pos.file {
        set("file", JsValue::from_str(f));
    }
    if let Some(l) = e.pos.line {
        set("line", JsValue::from_f64(l as f64));
    }
    if let Some(c) = &e.pos.column {
        set("column", JsValue::from_str(c));
    }
    err.into()
}

/// The answer of the page's first module for what it leaves out (`what`: the extended
/// estimators of a spec, a script, a results link, a figure; issue 20): an `Error` of kind
/// `engine`, on which www/engine.js loads the on-demand module and sends the call again there.
#[allow(dead_code)]
fn left_out(what: &str) -> JsValue {
    let err = js_sys::Error::new(&format!("{what} {}", crate::analyze::EXTENDED_MISSING));
    let _ = js_sys::Reflect::set(&err, &JsValue::from_str("kind"), &JsValue::from_str("engine"));
    err.into()
}

fn js_msg(msg: impl AsRef<str>) -> JsValue {
    js_sys::Error::new(msg.as_ref()).into()
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<String, JsValue> {
    serde_json::to_string(v).map_err(|e| js_msg(format!("cannot write JSON: {e}")))
}

fn same_read_options(a: &ReadOptions, b: &ReadOptions) -> bool {
    a.sheet == b.sheet && a.missing == b.missing && a.date_order == b.date_order
}

/// The report fields `run_delta` may leave out when unchanged, in the order `Report` declares
/// (and serializes) them: `delta_fields!(m)` calls macro `m` with the list. The fields before
/// them (spec, file, counts, warnings, notes) are small and always sent.
macro_rules! delta_fields {
    ($m:ident) => {
        $m!(km, logrank, pairwise, trend, cox, univariable, cuminc, gray_test, finegray, table1, parametric, hazard, hazard_ratio)
    };
}

/// A loaded file and the analyses of it, kept in wasm memory.
#[wasm_bindgen]
pub struct Session {
    name: String,
    bytes: Vec<u8>,
    read: ReadOptions,
    table: Option<Table>,
    /// The reports of `run`, `run_delta` and `load_shared`, by handle.
    reports: handles::Handles<Report>,
    /// A file the page is writing into wasm memory chunk by chunk (see [`Session::reserve`]).
    staged: Vec<u8>,
    /// Sections of earlier analyses of this table, reused by the next `run` (see
    /// [`crate::analyze::analyze_cached`]).
    cache: crate::analyze::AnalysisCache,
    /// A file the page is streaming in (see [`Session::stream_begin`]).
    stream: Option<crate::ingest::TextStream>,
    /// Whether the loaded table was streamed (its bytes are not kept: reading it with other
    /// options streams the file again, see [`Session::needs_reread`]).
    streamed: bool,
}

impl Default for Session {
    fn default() -> Self {
        Self::new()
    }
}

#[wasm_bindgen]
impl Session {
    #[wasm_bindgen(constructor)]
    pub fn new() -> Session {
        install_panic_hook();
        Session {
            name: String::new(),
            bytes: Vec::new(),
            read: ReadOptions::default(),
            table: None,
            reports: Default::default(),
            staged: Vec::new(),
            cache: Default::default(),
            stream: None,
            streamed: false,
        }
    }

    /// Start reading a file of `size` bytes that the page streams in chunk by chunk
    /// (`File.stream()` → [`Session::stream_push`] → [`Session::stream_end`]), read with the
    /// options of `spec_json` (sheet, missing codes, date order; none: the defaults). The file is
    /// never held whole (see `ingest::stream`): the table is built as the chunks come. The
    /// loaded table stays until the new one is read.
    pub fn stream_begin(&mut self, name: &str, size: f64, spec_json: Option<String>) -> Result<(), JsValue> {
        let read = match spec_json {
            Some(s) => ReadOptions::from_spec(&AnalysisSpec::from_json(&s).map_err(|e| js_error(&e))?),
            None => ReadOptions::default(),
        };
        self.staged = Vec::new();
        self.stream = Some(crate::ingest::TextStream::new(name, size.max(0.0) as usize, read));
        Ok(())
    }

    /// The next chunk of the streamed file.
    pub fn stream_push(&mut self, chunk: &[u8]) -> Result<(), JsValue> {
        let s = self.stream.as_mut().ok_or_else(|| js_error(&Error::internal("stream_push without stream_begin")))?;
        s.push(chunk).map_err(|e| {
            self.stream = None;
            js_error(&e)
        })
    }

    /// Room for the next `size` bytes of the streamed file inside wasm memory; returns its
    /// address. The page writes the file's next bytes to `memory.buffer[address ..]` (a megabyte
    /// or more at a time, from as many `file.stream()` chunks) and then calls
    /// [`Session::stream_commit`] with how many it wrote: the bytes are copied into the engine
    /// once, without a call and a copy per chunk. The address is valid until that call.
    pub fn stream_buffer(&mut self, size: usize) -> Result<usize, JsValue> {
        let s = self.stream.as_mut().ok_or_else(|| js_error(&Error::internal("stream_buffer without stream_begin")))?;
        Ok(s.spare(size).as_mut_ptr() as usize)
    }

    /// The page wrote `written` bytes of the file into the room of [`Session::stream_buffer`].
    pub fn stream_commit(&mut self, written: usize) -> Result<(), JsValue> {
        let s = self.stream.as_mut().ok_or_else(|| js_error(&Error::internal("stream_commit without stream_begin")))?;
        s.commit(written).map_err(|e| {
            self.stream = None;
            js_error(&e)
        })
    }

    /// The end of one pass over the streamed file: `"again"` when the page must stream the file
    /// once more (a column to read again as text, or a file that is not UTF-8 after all, read
    /// whole), else the schema JSON of the new table (as [`Session::load`]).
    pub fn stream_end(&mut self) -> Result<String, JsValue> {
        let s = self.stream.as_mut().ok_or_else(|| js_error(&Error::internal("stream_end without stream_begin")))?;
        match s.end() {
            Ok(crate::ingest::StreamEnd::Again | crate::ingest::StreamEnd::Restart) => Ok("again".to_string()),
            Ok(crate::ingest::StreamEnd::Table(table)) => {
                let read = s.options().clone();
                self.stream = None;
                let name = table.name.clone();
                self.install(table, name, Vec::new(), true, read)
            }
            Err(e) => {
                self.stream = None;
                Err(js_error(&e))
            }
        }
    }

    /// Abandon a streamed file (cancelled): the loaded table stays.
    pub fn stream_abort(&mut self) {
        self.stream = None;
    }

    /// Whether running `spec_json` needs the file read with other options than it was (sheet,
    /// missing codes, date order) while its bytes are not kept (a streamed file): the page then
    /// streams the file again with `stream_begin(name, size, spec_json)` before `run`.
    pub fn needs_reread(&self, spec_json: &str) -> bool {
        self.streamed
            && self.table.is_some()
            && AnalysisSpec::from_json(spec_json).is_ok_and(|s| !same_read_options(&ReadOptions::from_spec(&s), &self.read))
    }

    /// Reserve `size` bytes of wasm memory for a file the page streams in (File.stream()) and
    /// return their address in the wasm memory. The page copies each chunk straight to
    /// `memory.buffer[address + offset ..]` and then calls [`Session::load_staged`]: the file
    /// then exists once, inside wasm, with no full-size JS buffer beside it. `reserve(0)` frees
    /// an abandoned staging buffer. The address stays valid until the next `reserve` or
    /// `load_staged` (the buffer never grows; memory growth elsewhere does not move it).
    pub fn reserve(&mut self, size: usize) -> Result<usize, JsValue> {
        self.staged = Vec::new();
        let mut v: Vec<u8> = Vec::new();
        if v.try_reserve_exact(size).is_err() {
            return Err(js_sys::Error::new(&format!(
                "the file is too large for this browser tab ({size} bytes could not be reserved): close other tabs, or split the file"
            ))
            .into());
        }
        v.resize(size, 0);
        self.staged = v;
        Ok(self.staged.as_mut_ptr() as usize)
    }

    /// Parse the file written into the buffer of [`Session::reserve`] (as [`Session::load`]).
    pub fn load_staged(&mut self, name: &str) -> Result<String, JsValue> {
        let bytes = std::mem::take(&mut self.staged);
        self.load(bytes, name)
    }

    /// Parse a file (CSV/TSV/semicolon text or a workbook) and keep it. Returns the schema JSON:
    /// `{name, rows, notes, columns: [{name, kind, missing, distinct, levels, min, max}]}`.
    /// On error the previous file stays loaded.
    ///
    /// `bytes` is taken by value: wasm-bindgen copies the page's Uint8Array into wasm memory once
    /// and the session keeps that copy (to re-read with other options) without a second copy, so
    /// a large file costs its size once plus the parsed table.
    pub fn load(&mut self, bytes: Vec<u8>, name: &str) -> Result<String, JsValue> {
        let read = ReadOptions::default();
        let table = crate::ingest::read_table(&bytes, name, &read).map_err(|e| js_error(&e))?;
        self.install(table, name.to_string(), bytes, false, read)
    }

    /// Schema JSON of the loaded file (as `load` returned it).
    pub fn schema(&self) -> Result<String, JsValue> {
        to_json(&self.table()?.schema())
    }

    /// Run the analysis a spec (JSON text) describes on the loaded file and keep its report
    /// under a new handle; returns `{"handle": n, "report": {...}}`. `replace` is the handle of
    /// the report this one replaces (the same view's previous analysis; 0: none): it is released
    /// once the new report exists (on error it stays). A spec naming another worksheet or other
    /// missing-value codes re-reads the kept bytes.
    pub fn run(&mut self, spec_json: &str, replace: u32) -> Result<String, JsValue> {
        let report = self.analyze(spec_json)?;
        let json = to_json(&report)?;
        self.reports.release(replace);
        let handle = self.reports.insert(report);
        Ok(format!("{{\"handle\":{handle},\"report\":{json}}}"))
    }

    /// As [`Session::run`], for a view that holds the report of handle `have` (0: none) and
    /// replaces it: returns `{"handle": n, "same": [...], "order": [...], "report": {...}}` where
    /// the report leaves out the top-level fields listed in `same` (equal to report `have`'s: the
    /// page keeps its copies) and `order` lists the fields that may be left out, in the report's
    /// order. A covariate toggle then sends the models, not the curves' thousands of steps. When
    /// `have` is not held, nothing is left out. The content is the report's either way; report
    /// `have` is released.
    pub fn run_delta(&mut self, spec_json: &str, have: u32) -> Result<String, JsValue> {
        let mut report = self.analyze(spec_json)?;
        let prev = self.reports.release(have);
        let mut same: Vec<&str> = Vec::new();
        macro_rules! hold_if_same {
            ($($f:ident),*) => {$(
                if prev.as_ref().is_some_and(|p| p.$f == report.$f) {
                    report.$f = Default::default();
                    same.push(stringify!($f));
                }
            )*};
        }
        delta_fields!(hold_if_same);
        macro_rules! names {
            ($($f:ident),*) => { [$(stringify!($f)),*] };
        }
        let order = delta_fields!(names);
        let body = (|| Ok::<_, JsValue>((to_json(&same)?, to_json(&order)?, to_json(&report)?)))();
        // Give the held fields back: the session keeps the whole report.
        if let Some(p) = prev {
            macro_rules! give_back {
                ($($f:ident),*) => {$(
                    if same.contains(&stringify!($f)) {
                        report.$f = p.$f;
                    }
                )*};
            }
            delta_fields!(give_back);
        }
        let (same, order, json) = body?;
        let handle = self.reports.insert(report);
        Ok(format!("{{\"handle\":{handle},\"same\":{same},\"order\":{order},\"report\":{json}}}"))
    }

    /// Forget the report of `handle` (its view was replaced or closed); 0 or a handle no longer
    /// held does nothing.
    pub fn release(&mut self, handle: u32) {
        self.reports.release(handle);
    }

    /// How many reports the session holds (at most [`handles::MAX_REPORTS`]).
    pub fn held(&self) -> usize {
        self.reports.len()
    }

    /// Report JSON of `handle`.
    pub fn report(&self, handle: u32) -> Result<String, JsValue> {
        to_json(self.held_report(handle)?)
    }

    /// Text export of report `handle`: `r` (an R script with survival/cmprsk), `python` (a
    /// lifelines script) re-running it on the user's own copy of the file, or `methods` (a
    /// methods-and-results paragraph).
    pub fn export(&self, handle: u32, kind: &str) -> Result<String, JsValue> {
        let report = self.held_report(handle)?;
        #[cfg_attr(not(feature = "scripts"), allow(unused_variables))]
        let spec = report.spec.as_ref().ok_or_else(|| js_msg("the report carries no spec"))?;
        match kind {
            #[cfg(feature = "scripts")]
            "r" => Ok(crate::export::r_script(spec, &self.name)),
            #[cfg(feature = "scripts")]
            "python" => Ok(crate::export::python_script(spec, &self.name)),
            #[cfg(not(feature = "scripts"))]
            "r" | "python" => Err(left_out("the R and Python scripts")),
            "methods" => Ok(crate::export::methods_text(report)),
            other => Err(js_msg(format!("unknown export '{other}': use 'r', 'python' or 'methods'"))),
        }
    }

    /// Name of the loaded file ("" when none).
    #[wasm_bindgen(getter)]
    pub fn name(&self) -> String {
        self.name.clone()
    }
}

impl Session {
    /// A newly read file replaces the old one and every result derived from it (`load` and the
    /// end of a streamed read); returns its schema JSON.
    fn install(&mut self, table: Table, name: String, bytes: Vec<u8>, streamed: bool, read: ReadOptions) -> Result<String, JsValue> {
        let schema = to_json(&table.schema())?;
        self.name = name;
        self.bytes = bytes;
        self.streamed = streamed;
        self.read = read;
        self.table = Some(table);
        self.reports.clear();
        self.cache.clear();
        Ok(schema)
    }

    /// The report of `handle`; a handle not held (released, dropped as the oldest, or of a
    /// previous file) is refused: the page runs its analysis again.
    fn held_report(&self, handle: u32) -> Result<&Report, JsValue> {
        self.reports.get(handle).ok_or_else(|| {
            js_msg(format!(
                "analysis {handle} is no longer held by the engine (replaced by a newer one, or of another file): run the analysis again"
            ))
        })
    }

    fn table(&self) -> Result<&Table, JsValue> {
        self.table.as_ref().ok_or_else(|| js_msg("no file is loaded: drop a CSV or spreadsheet first"))
    }

    /// The report of a spec (JSON) on the loaded file, reusing the unchanged sections of earlier
    /// analyses. A spec naming another worksheet or other missing-value codes re-reads the kept bytes.
    fn analyze(&mut self, spec_json: &str) -> Result<Report, JsValue> {
        let spec = AnalysisSpec::from_json(spec_json).map_err(|e| js_error(&e))?;
        // The core build without the extended estimators: an error of kind `engine` tells
        // www/engine.js to switch to the on-demand build and run the spec there.
        #[cfg(not(feature = "extended"))]
        if let Some(what) = crate::analyze::extended_need(&spec) {
            return Err(left_out(what));
        }
        let read = ReadOptions::from_spec(&spec);
        if self.table.is_some() && !same_read_options(&read, &self.read) {
            if self.streamed {
                return Err(js_error(&Error::internal("the streamed file must be read again with the spec's options (stream_begin) before this analysis")));
            }
            let table = crate::ingest::read_table(&self.bytes, &self.name, &read).map_err(|e| js_error(&e))?;
            self.table = Some(table);
            self.read = read;
            self.cache.clear();
        }
        let table = self.table.as_ref().ok_or_else(|| js_msg("no file is loaded: drop a CSV or spreadsheet first"))?;
        crate::analyze::analyze_cached(table, &spec, &mut self.cache).map_err(|e| js_error(&e.at_file(&self.name)))
    }
}

/// One shot: read `bytes` as file `name`, run `spec_json`, return the report JSON.
#[wasm_bindgen]
pub fn analyze(bytes: &[u8], name: &str, spec_json: &str) -> Result<String, JsValue> {
    install_panic_hook();
    let spec = AnalysisSpec::from_json(spec_json).map_err(|e| js_error(&e))?;
    let report = crate::analyze::analyze_bytes(bytes, name, &spec).map_err(|e| js_error(&e))?;
    to_json(&report)
}

/// The manuscript exports (`figure-png`, `figure-tiff`, `figure-pdf`, `risk-table-csv`, `docx`)
/// in the page's third module (built with the `manuscript` feature, fetched only when one is
/// asked for): read `bytes` as file `name`, run `spec_json`, export `kind` with threshold `k` and
/// the figure options `options_json` — the same steps, and so the same bytes, as
/// `cohort export DATA --spec SPEC --as KIND --k K --options OPTIONS`.
#[cfg(feature = "manuscript")]
#[wasm_bindgen(js_name = manuscriptExport)]
pub fn manuscript_export(bytes: &[u8], name: &str, spec_json: &str, kind: &str, k: u32, options_json: &str) -> Result<Vec<u8>, JsValue> {
    install_panic_hook();
    let spec = AnalysisSpec::from_json(spec_json).map_err(|e| js_error(&e))?;
    let kind = crate::export::ExportKind::parse(kind).map_err(js_msg)?;
    let plot = plot_options(options_json)?;
    let table = crate::ingest::read_table(bytes, name, &ReadOptions::from_spec(&spec)).map_err(|e| js_error(&e))?;
    let report = crate::analyze::analyze(&table, &spec).map_err(|e| js_error(&e.at_file(name)))?;
    let input = crate::export::ExportInput { report: &report, table: Some(&table), file: name, k: k.max(1), plot, width: 1800, height: 1200 };
    crate::export::export_bytes(kind, &input).map_err(js_msg)
}

/// Panic on purpose: lets the page's tests check that a panic is reported and the engine restarts
/// with the file still loaded (a wasm panic would otherwise leave a dead instance).
#[wasm_bindgen(js_name = selfTestPanic)]
pub fn self_test_panic() {
    install_panic_hook();
    panic!("self-test panic requested by the page");
}

/// Version of the core (Cargo package version), for the page's footer and bug reports.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}


// ---------- figures ----------

/// Which figure a `draw` call asks for. The page's first module (without the `extended`
/// feature) draws the survival figure, the forest plot, the PH residual plots and the flow
/// diagram; the others are the on-demand module's (an error of kind `engine`, see [`left_out`]).
fn figure_kind(name: &str) -> Result<crate::plot::FigureKind, JsValue> {
    #[cfg(not(feature = "extended"))]
    if EXTENDED_FIGURES.contains(&name) {
        return Err(left_out(&format!("the figure '{name}'")));
    }
    match name {
        "" | "survival" | "km" => Ok(crate::plot::FigureKind::Survival),
        "forest" => Ok(crate::plot::FigureKind::Forest),
        "hazard" => Ok(crate::plot::FigureKind::Hazard),
        "cumhaz" => Ok(crate::plot::FigureKind::Cumhaz),
        "hazard_ratio" => Ok(crate::plot::FigureKind::HazardRatio),
        "parametric_fit" => Ok(crate::plot::FigureKind::ParametricFit),
        "zph" => Ok(crate::plot::FigureKind::Zph),
        "flow" => Ok(crate::plot::FigureKind::Flow),
        // Adjusted comparisons (src/plot/adjusted.rs).
        "adjusted" => Ok(crate::plot::FigureKind::Adjusted),
        "love" => Ok(crate::plot::FigureKind::Love),
        "subgroups" => Ok(crate::plot::FigureKind::Subgroups),
        "spline" => Ok(crate::plot::FigureKind::Spline),
        other => Err(js_msg(format!(
            "unknown figure '{other}': use 'survival', 'forest', 'hazard', 'cumhaz', 'hazard_ratio', 'parametric_fit', 'zph', 'flow', 'adjusted', 'love', 'subgroups' or 'spline'"
        ))),
    }
}

/// The figures of the extended estimators (see [`figure_kind`]).
#[cfg(not(feature = "extended"))]
const EXTENDED_FIGURES: [&str; 8] = ["hazard", "cumhaz", "hazard_ratio", "parametric_fit", "adjusted", "love", "subgroups", "spline"];

fn plot_options(options_json: &str) -> Result<crate::plot::PlotOptions, JsValue> {
    let text = if options_json.trim().is_empty() { "{}" } else { options_json };
    let opts: crate::plot::PlotOptions =
        serde_json::from_str(text).map_err(|e| js_msg(format!("the figure options are not valid: {e}")))?;
    opts.validate().map_err(js_msg)?;
    Ok(opts)
}

#[wasm_bindgen]
impl Session {
    /// Draw report `handle` into a canvas (its pixel size is the figure's size; pass
    /// `font_scale` = devicePixelRatio in the options for a crisp figure). `figure`:
    /// `survival` (Kaplan-Meier / cumulative incidence) or `forest` (hazard ratios). Returns the
    /// figure's layout JSON (plot area, ticks, series, risk-table positions) for hover look-ups.
    pub fn draw(&self, handle: u32, canvas: web_sys::HtmlCanvasElement, figure: &str, options_json: &str) -> Result<String, JsValue> {
        let backend = CanvasBackend2d::html(&canvas).map_err(js_msg)?;
        self.draw_into(handle, FigureBackend::Canvas(backend), figure, options_json)
    }

    /// As [`Session::draw`], into an `OffscreenCanvas` (the engine's Web Worker draws this way and
    /// hands the page an `ImageBitmap`).
    pub fn draw_offscreen(&self, handle: u32, canvas: web_sys::OffscreenCanvas, figure: &str, options_json: &str) -> Result<String, JsValue> {
        let backend = CanvasBackend2d::offscreen(&canvas).map_err(js_msg)?;
        self.draw_into(handle, FigureBackend::Canvas(backend), figure, options_json)
    }

    /// Every drawn curve's value at time `t` (estimate, CI, number at risk) as JSON, for the
    /// figure's hover read-out; `options_json` as for `draw`.
    pub fn values_at(&self, handle: u32, t: f64, options_json: &str) -> Result<String, JsValue> {
        let report = self.held_report(handle)?;
        let opts = plot_options(options_json)?;
        to_json(&crate::plot::km::values_at(report, &opts, t))
    }

    /// Height in pixels the forest plot needs at `width` (one row per term), for sizing its canvas.
    pub fn forest_height(&self, handle: u32, options_json: &str) -> Result<u32, JsValue> {
        let report = self.held_report(handle)?;
        let opts = plot_options(options_json)?;
        Ok(crate::plot::forest::natural_height(report, &opts))
    }

    /// Height in pixels a row figure (`forest`, `love`, `subgroups`) needs for its rows, for
    /// sizing its canvas (as the report shown: with `min_cell` the protected one).
    pub fn figure_height(&self, handle: u32, figure: &str, options_json: &str) -> Result<u32, JsValue> {
        let report = self.held_report(handle)?;
        let opts = plot_options(options_json)?;
        let kind = figure_kind(figure)?;
        let protected = self.protected(report, &opts);
        crate::plot::adjusted::natural_height(kind, protected.as_ref().unwrap_or(report), &opts)
            .ok_or_else(|| js_msg(format!("the figure '{figure}' takes the size it is given: it has no natural height")))
    }

    /// Report `handle`'s figure as an SVG document (for "save as SVG"), `width`×`height` pixels.
    pub fn svg(&self, handle: u32, figure: &str, options_json: &str, width: u32, height: u32) -> Result<String, JsValue> {
        let report = self.held_report(handle)?;
        let opts = plot_options(options_json)?;
        let kind = figure_kind(figure)?;
        // As plot::render_svg, through the engine's one backend type (see `FigureBackend`).
        if !(100..=20000).contains(&width) || !(100..=20000).contains(&height) {
            return Err(js_msg(format!("figure size must be between 100 and 20000 pixels (got {width}×{height})")));
        }
        let protected = self.protected(report, &opts);
        let report = protected.as_ref().unwrap_or(report);
        let mut svg = String::new();
        Self::draw_report(FigureBackend::Svg(plotters::prelude::SVGBackend::with_string(&mut svg, (width, height))), report, &opts, kind)?;
        Ok(svg)
    }
}

impl Session {
    fn draw_into(&self, handle: u32, backend: FigureBackend, figure: &str, options_json: &str) -> Result<String, JsValue> {
        let report = self.held_report(handle)?;
        let kind = figure_kind(figure)?;
        let opts = plot_options(options_json)?;
        let protected = self.protected(report, &opts);
        let layout = Self::draw_report(backend, protected.as_ref().unwrap_or(report), &opts, kind)?;
        to_json(&layout)
    }

    /// With a disclosure threshold in the options (`min_cell`: a figure for export, or "apply to
    /// figure"), the report as the disclosure module releases it (curves pooled and cut, small
    /// groups named without a curve); `None` draws the report itself.
    fn protected(&self, report: &Report, opts: &crate::plot::PlotOptions) -> Option<Report> {
        let k = opts.min_cell?;
        // A report opened from a results link was protected when the link was made.
        self.table.as_ref()?;
        Some(crate::disclosure::protect(report, self.table.as_ref(), k).report)
    }

    /// Draw `report`'s figure `kind` on a white background; the figure's layout.
    fn draw_report(backend: FigureBackend, report: &Report, opts: &crate::plot::PlotOptions, kind: crate::plot::FigureKind) -> Result<crate::plot::PlotLayout, JsValue> {
        use plotters::prelude::*;
        let root = backend.into_drawing_area();
        root.fill(&WHITE).map_err(|e| js_msg(format!("drawing failed: {e}")))?;
        let layout = crate::plot::draw_figure(&root, report, opts, kind).map_err(js_msg)?;
        root.present().map_err(|e| js_msg(format!("drawing failed: {e}")))?;
        Ok(layout)
    }
}
