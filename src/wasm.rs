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
mod overview;
mod share;

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
        let spec = report.spec.as_ref().ok_or_else(|| js_msg("the report carries no spec"))?;
        match kind {
            "r" => Ok(crate::export::r_script(spec, &self.name)),
            "python" => Ok(crate::export::python_script(spec, &self.name)),
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
            let err = js_sys::Error::new(&format!("{what} {}", crate::analyze::EXTENDED_MISSING));
            let _ = js_sys::Reflect::set(&err, &JsValue::from_str("kind"), &JsValue::from_str("engine"));
            return Err(err.into());
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

// ---------- drawing into a canvas or an SVG document: one backend ----------

/// The 2D context a figure is drawn on: the page's `<canvas>` (the main-thread engine) or an
/// `OffscreenCanvas` (the engine's Web Worker). Both have the same drawing API; each call is
/// dispatched on the variant.
enum Ctx2d {
    Html(web_sys::CanvasRenderingContext2d),
    Offscreen(web_sys::OffscreenCanvasRenderingContext2d),
}

/// `$e` evaluated with `$c` bound to whichever 2D context `$ctx` holds.
macro_rules! on_ctx {
    ($ctx:expr, $c:ident => $e:expr) => {
        match $ctx {
            Ctx2d::Html($c) => $e,
            Ctx2d::Offscreen($c) => $e,
        }
    };
}

/// A plotters backend over a canvas 2D context (either kind), in the conventions of
/// plotters-canvas: CSS colours, half-pixel offsets for horizontal and vertical lines so
/// one-pixel rules stay crisp, text measured by the canvas itself.
pub struct CanvasBackend2d {
    ctx: Ctx2d,
    size: (u32, u32),
    /// The context's current stroke colour, line width, fill colour and font, so that a figure
    /// with thousands of same-coloured strokes (censor marks) sets each once, not per stroke
    /// (each set is a call out of wasm and a CSS parse).
    state: std::cell::RefCell<(String, f64, String, String)>,
}

/// The one drawing backend of the wasm engine: a canvas (page or worker) or an SVG document
/// ("save as SVG"). Every figure function is generic over its backend; giving them a single
/// backend type in the browser build keeps one copy of the drawing code in the module instead of
/// one per backend (three copies cost ~150 KB raw, ~55 KB gzipped). The dispatch is one `match`
/// per drawing call.
pub enum FigureBackend<'a> {
    Canvas(CanvasBackend2d),
    Svg(plotters::prelude::SVGBackend<'a>),
}

/// An error of the canvas API (or the SVG writer), as text.
#[derive(Debug)]
pub struct CanvasError(String);

impl std::fmt::Display for CanvasError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "canvas error: {}", self.0)
    }
}
impl std::error::Error for CanvasError {}

mod backend {
    use super::{CanvasBackend2d, CanvasError, Ctx2d, FigureBackend};
    use plotters_backend::text_anchor::{HPos, Pos, VPos};
    use plotters_backend::{
        BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind, FontFamily, FontStyle, FontTransform,
    };
    use wasm_bindgen::{JsCast, JsValue};

    type R = Result<(), DrawingErrorKind<CanvasError>>;

    fn err(e: JsValue) -> DrawingErrorKind<CanvasError> {
        DrawingErrorKind::DrawingError(CanvasError(e.as_string().unwrap_or_else(|| format!("{e:?}"))))
    }

    fn svg_err(e: DrawingErrorKind<std::io::Error>) -> DrawingErrorKind<CanvasError> {
        match e {
            DrawingErrorKind::DrawingError(e) => DrawingErrorKind::DrawingError(CanvasError(e.to_string())),
            DrawingErrorKind::FontError(e) => DrawingErrorKind::FontError(e),
        }
    }

    fn css(c: BackendColor) -> String {
        let (r, g, b) = c.rgb;
        format!("rgba({r},{g},{b},{})", c.alpha)
    }

    /// A text style at 1.24 × its size: plotters' SVG backend writes `size / 1.24` px, the canvas
    /// `size` px; `plot::paint::Painter` gives CSS pixels, scaled here for the SVG.
    struct SvgText<'s, S>(&'s S);

    impl<S: BackendTextStyle> BackendTextStyle for SvgText<'_, S> {
        type FontError = S::FontError;
        fn color(&self) -> BackendColor {
            self.0.color()
        }
        fn size(&self) -> f64 {
            self.0.size() * 1.24
        }
        fn transform(&self) -> FontTransform {
            self.0.transform()
        }
        fn style(&self) -> FontStyle {
            self.0.style()
        }
        fn anchor(&self) -> Pos {
            self.0.anchor()
        }
        fn family(&self) -> FontFamily<'_> {
            self.0.family()
        }
        fn layout_box(&self, text: &str) -> Result<((i32, i32), (i32, i32)), Self::FontError> {
            self.0.layout_box(text)
        }
        fn draw<E, F: FnMut(i32, i32, BackendColor) -> Result<(), E>>(&self, text: &str, pos: BackendCoord, draw: F) -> Result<Result<(), E>, Self::FontError> {
            self.0.draw(text, pos, draw)
        }
    }

    impl CanvasBackend2d {
        /// A backend drawing on the page's `canvas` (its pixel size is the figure's size).
        pub fn html(canvas: &web_sys::HtmlCanvasElement) -> Result<Self, String> {
            let ctx = canvas
                .get_context("2d")
                .map_err(|e| format!("no 2D context: {e:?}"))?
                .ok_or("this browser gives no 2D drawing context for the figure canvas")?
                .dyn_into::<web_sys::CanvasRenderingContext2d>()
                .map_err(|_| "the canvas context is not 2D".to_string())?;
            Ok(CanvasBackend2d { ctx: Ctx2d::Html(ctx), size: (canvas.width(), canvas.height()), state: Default::default() })
        }

        /// A backend drawing on a worker's `canvas` (its pixel size is the figure's size).
        pub fn offscreen(canvas: &web_sys::OffscreenCanvas) -> Result<Self, String> {
            let ctx = canvas
                .get_context("2d")
                .map_err(|e| format!("no 2D context: {e:?}"))?
                .ok_or("this browser gives no 2D context for an OffscreenCanvas")?
                .dyn_into::<web_sys::OffscreenCanvasRenderingContext2d>()
                .map_err(|_| "the OffscreenCanvas context is not 2D".to_string())?;
            Ok(CanvasBackend2d { ctx: Ctx2d::Offscreen(ctx), size: (canvas.width(), canvas.height()), state: Default::default() })
        }

        fn stroke_style<S: BackendStyle>(&self, s: &S) {
            let mut st = self.state.borrow_mut();
            let c = css(s.color());
            if st.0 != c {
                on_ctx!(&self.ctx, x => x.set_stroke_style_str(&c));
                st.0 = c;
            }
            let w = s.stroke_width() as f64;
            if st.1 != w {
                on_ctx!(&self.ctx, x => x.set_line_width(w));
                st.1 = w;
            }
        }

        fn fill_style(&self, c: BackendColor) {
            let mut st = self.state.borrow_mut();
            let c = css(c);
            if st.2 != c {
                on_ctx!(&self.ctx, x => x.set_fill_style_str(&c));
                st.2 = c;
            }
        }

        fn font(&self, f: String) {
            let mut st = self.state.borrow_mut();
            if st.3 != f {
                on_ctx!(&self.ctx, x => x.set_font(&f));
                st.3 = f;
            }
        }

        fn begin_path(&self) {
            on_ctx!(&self.ctx, x => x.begin_path())
        }
        fn move_to(&self, px: f64, py: f64) {
            on_ctx!(&self.ctx, x => x.move_to(px, py))
        }
        fn line_to(&self, px: f64, py: f64) {
            on_ctx!(&self.ctx, x => x.line_to(px, py))
        }
        fn stroke(&self) {
            on_ctx!(&self.ctx, x => x.stroke())
        }
        fn fill(&self) {
            on_ctx!(&self.ctx, x => x.fill())
        }

        fn trace<I: IntoIterator<Item = BackendCoord>>(&self, path: I) -> bool {
            let mut it = path.into_iter();
            self.begin_path();
            let Some(p0) = it.next() else { return false };
            self.move_to(p0.0 as f64, p0.1 as f64);
            for p in it {
                self.line_to(p.0 as f64, p.1 as f64);
            }
            true
        }

        fn draw_pixel(&mut self, p: BackendCoord, c: BackendColor) -> R {
            if c.alpha == 0.0 {
                return Ok(());
            }
            self.fill_style(c);
            on_ctx!(&self.ctx, x => x.fill_rect(p.0 as f64, p.1 as f64, 1.0, 1.0));
            Ok(())
        }

        fn draw_line<S: BackendStyle>(&mut self, from: BackendCoord, to: BackendCoord, s: &S) -> R {
            if s.color().alpha == 0.0 {
                return Ok(());
            }
            let (a, b) = crisp(from, to);
            self.stroke_style(s);
            self.begin_path();
            self.move_to(a.0, a.1);
            self.line_to(b.0, b.1);
            self.stroke();
            Ok(())
        }

        fn draw_rect<S: BackendStyle>(&mut self, ul: BackendCoord, br: BackendCoord, s: &S, fill: bool) -> R {
            if s.color().alpha == 0.0 {
                return Ok(());
            }
            let (x, y, w, h) = (ul.0 as f64, ul.1 as f64, (br.0 - ul.0) as f64, (br.1 - ul.1) as f64);
            if fill {
                self.fill_style(s.color());
                on_ctx!(&self.ctx, c => c.fill_rect(x, y, w, h));
            } else {
                self.stroke_style(s);
                on_ctx!(&self.ctx, c => c.stroke_rect(x, y, w, h));
            }
            Ok(())
        }

        fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(&mut self, path: I, s: &S) -> R {
            if s.color().alpha == 0.0 {
                return Ok(());
            }
            self.stroke_style(s);
            if self.trace(path) {
                self.stroke();
            }
            Ok(())
        }

        fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(&mut self, path: I, s: &S) -> R {
            if s.color().alpha == 0.0 {
                return Ok(());
            }
            self.fill_style(s.color());
            if self.trace(path) {
                on_ctx!(&self.ctx, x => x.close_path());
                self.fill();
            }
            Ok(())
        }

        fn draw_circle<S: BackendStyle>(&mut self, c: BackendCoord, r: u32, s: &S, fill: bool) -> R {
            if s.color().alpha == 0.0 {
                return Ok(());
            }
            if fill {
                self.fill_style(s.color());
            } else {
                self.stroke_style(s);
            }
            self.begin_path();
            on_ctx!(&self.ctx, x => x.arc(c.0 as f64, c.1 as f64, r as f64, 0.0, std::f64::consts::TAU)).map_err(err)?;
            if fill {
                self.fill();
            } else {
                self.stroke();
            }
            Ok(())
        }

        fn estimate_text_size<S: BackendTextStyle>(&self, text: &str, s: &S) -> Result<(u32, u32), DrawingErrorKind<CanvasError>> {
            // Measured by the canvas itself: plotters' own wasm font code needs a `window`.
            self.font(format!("{} {}px {}", s.style().as_str(), s.size(), s.family().as_str()));
            let m = on_ctx!(&self.ctx, x => x.measure_text(text)).map_err(err)?;
            Ok((m.width().ceil().max(0.0) as u32, s.size().ceil().max(0.0) as u32))
        }

        fn draw_text<S: BackendTextStyle>(&mut self, text: &str, s: &S, pos: BackendCoord) -> R {
            let color = s.color();
            if color.alpha == 0.0 {
                return Ok(());
            }
            let angle = match s.transform() {
                FontTransform::None => 0.0,
                FontTransform::Rotate90 => 90.0,
                FontTransform::Rotate180 => 180.0,
                FontTransform::Rotate270 => 270.0,
            } * std::f64::consts::PI
                / 180.0;
            let (mut x, mut y) = (pos.0 as f64, pos.1 as f64);
            if angle != 0.0 {
                on_ctx!(&self.ctx, c => c.save());
                on_ctx!(&self.ctx, c => c.translate(x, y)).map_err(err)?;
                on_ctx!(&self.ctx, c => c.rotate(angle)).map_err(err)?;
                x = 0.0;
                y = 0.0;
            }
            let baseline = match s.anchor().v_pos {
                VPos::Top => "top",
                VPos::Center => "middle",
                VPos::Bottom => "bottom",
            };
            let align = match s.anchor().h_pos {
                HPos::Left => "start",
                HPos::Right => "end",
                HPos::Center => "center",
            };
            on_ctx!(&self.ctx, c => {
                c.set_text_baseline(baseline);
                c.set_text_align(align);
            });
            self.fill_style(color);
            self.font(format!("{} {}px {}", s.style().as_str(), s.size(), s.family().as_str()));
            on_ctx!(&self.ctx, c => c.fill_text(text, x, y)).map_err(err)?;
            if angle != 0.0 {
                on_ctx!(&self.ctx, c => c.restore());
                // restore() brought back the styles of before save(): forget what was set since.
                *self.state.borrow_mut() = Default::default();
            }
            Ok(())
        }
    }

    /// Shift a horizontal or vertical line by half a pixel so a 1-pixel rule covers one pixel row.
    fn crisp(from: BackendCoord, to: BackendCoord) -> ((f64, f64), (f64, f64)) {
        let (mut a, mut b) = ((from.0 as f64, from.1 as f64), (to.0 as f64, to.1 as f64));
        if from.0 == to.0 {
            a.0 -= 0.5;
            b.0 -= 0.5;
        }
        if from.1 == to.1 {
            a.1 -= 0.5;
            b.1 -= 0.5;
        }
        (a, b)
    }

    impl DrawingBackend for FigureBackend<'_> {
        type ErrorType = CanvasError;

        fn get_size(&self) -> (u32, u32) {
            match self {
                FigureBackend::Canvas(c) => c.size,
                FigureBackend::Svg(s) => s.get_size(),
            }
        }
        fn ensure_prepared(&mut self) -> R {
            match self {
                FigureBackend::Canvas(_) => Ok(()),
                FigureBackend::Svg(s) => s.ensure_prepared().map_err(svg_err),
            }
        }
        fn present(&mut self) -> R {
            match self {
                FigureBackend::Canvas(_) => Ok(()),
                FigureBackend::Svg(s) => s.present().map_err(svg_err),
            }
        }
        fn draw_pixel(&mut self, p: BackendCoord, c: BackendColor) -> R {
            match self {
                FigureBackend::Canvas(b) => b.draw_pixel(p, c),
                FigureBackend::Svg(s) => s.draw_pixel(p, c).map_err(svg_err),
            }
        }
        fn draw_line<S: BackendStyle>(&mut self, from: BackendCoord, to: BackendCoord, st: &S) -> R {
            match self {
                FigureBackend::Canvas(b) => b.draw_line(from, to, st),
                FigureBackend::Svg(s) => s.draw_line(from, to, st).map_err(svg_err),
            }
        }
        fn draw_rect<S: BackendStyle>(&mut self, ul: BackendCoord, br: BackendCoord, st: &S, fill: bool) -> R {
            match self {
                FigureBackend::Canvas(b) => b.draw_rect(ul, br, st, fill),
                FigureBackend::Svg(s) => s.draw_rect(ul, br, st, fill).map_err(svg_err),
            }
        }
        fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(&mut self, path: I, st: &S) -> R {
            match self {
                FigureBackend::Canvas(b) => b.draw_path(path, st),
                FigureBackend::Svg(s) => s.draw_path(path, st).map_err(svg_err),
            }
        }
        fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(&mut self, path: I, st: &S) -> R {
            match self {
                FigureBackend::Canvas(b) => b.fill_polygon(path, st),
                FigureBackend::Svg(s) => s.fill_polygon(path, st).map_err(svg_err),
            }
        }
        fn draw_circle<S: BackendStyle>(&mut self, c: BackendCoord, r: u32, st: &S, fill: bool) -> R {
            match self {
                FigureBackend::Canvas(b) => b.draw_circle(c, r, st, fill),
                FigureBackend::Svg(s) => s.draw_circle(c, r, st, fill).map_err(svg_err),
            }
        }
        fn estimate_text_size<S: BackendTextStyle>(&self, text: &str, st: &S) -> Result<(u32, u32), DrawingErrorKind<CanvasError>> {
            match self {
                FigureBackend::Canvas(b) => b.estimate_text_size(text, st),
                FigureBackend::Svg(s) => s.estimate_text_size(text, &SvgText(st)).map_err(svg_err),
            }
        }
        fn draw_text<S: BackendTextStyle>(&mut self, text: &str, st: &S, pos: BackendCoord) -> R {
            match self {
                FigureBackend::Canvas(b) => b.draw_text(text, st, pos),
                FigureBackend::Svg(s) => s.draw_text(text, &SvgText(st), pos).map_err(svg_err),
            }
        }
    }
}

// ---------- figures ----------

/// Which figure a `draw` call asks for.
fn figure_kind(name: &str) -> Result<crate::plot::FigureKind, JsValue> {
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

// ---------- benchmark ----------

/// Milliseconds from the page's high-resolution clock (`performance.now()`, in a window or a
/// worker), falling back to `Date.now()` where there is no `performance`.
fn now_ms() -> f64 {
    let global = js_sys::global();
    if let Ok(perf) = js_sys::Reflect::get(&global, &JsValue::from_str("performance")) {
        if let Ok(f) = js_sys::Reflect::get(&perf, &JsValue::from_str("now")) {
            if let Some(f) = f.dyn_ref::<js_sys::Function>() {
                if let Some(t) = f.call0(&perf).ok().and_then(|v| v.as_f64()) {
                    return t;
                }
            }
        }
    }
    js_sys::Date::now()
}

/// Time the analysis steps of [`crate::bench::run`] on a synthetic cohort's bytes inside the
/// browser (the same code and step names as `cohort bench`); Fine-Gray runs only up to
/// `finegray_max` rows. Returns the timings JSON (milliseconds).
#[wasm_bindgen(js_name = benchRun)]
pub fn bench_run(bytes: &[u8], finegray_max: u32) -> Result<String, JsValue> {
    install_panic_hook();
    let t = crate::bench::run(bytes, &now_ms, finegray_max as usize).map_err(|e| js_error(&e))?;
    to_json(&t)
}
