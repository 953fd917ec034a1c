//! The WebAssembly boundary: the only module that knows about `wasm-bindgen`, `JsValue` and
//! `web-sys`.
//!
//! The page hands bytes and a spec in and gets JSON back:
//!
//! * [`Session`] keeps the parsed [`Table`] (and the file's bytes, in case a spec asks for another
//!   worksheet or other missing-value codes) inside wasm memory, so changing the analysis does not
//!   re-parse the file and no table crosses the boundary. `load` returns the schema (columns and
//!   their inferred types) as JSON, `run` returns the report as JSON, the same schema the CLI prints.
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
    a.sheet == b.sheet && a.missing == b.missing
}

/// A loaded file and the last analysis of it, kept in wasm memory.
#[wasm_bindgen]
pub struct Session {
    name: String,
    bytes: Vec<u8>,
    read: ReadOptions,
    table: Option<Table>,
    report: Option<Report>,
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
        Session { name: String::new(), bytes: Vec::new(), read: ReadOptions::default(), table: None, report: None }
    }

    /// Parse a file (CSV/TSV/semicolon text or a workbook) and keep it. Returns the schema JSON:
    /// `{name, rows, notes, columns: [{name, kind, missing, distinct, levels, min, max}]}`.
    /// On error the previous file stays loaded.
    pub fn load(&mut self, bytes: &[u8], name: &str) -> Result<String, JsValue> {
        let read = ReadOptions::default();
        let table = crate::ingest::read_table(bytes, name, &read).map_err(|e| js_error(&e))?;
        let schema = to_json(&table.schema())?;
        self.name = name.to_string();
        self.bytes = bytes.to_vec();
        self.read = read;
        self.table = Some(table);
        self.report = None;
        Ok(schema)
    }

    /// Schema JSON of the loaded file (as `load` returned it).
    pub fn schema(&self) -> Result<String, JsValue> {
        to_json(&self.table()?.schema())
    }

    /// Run the analysis a spec (JSON text) describes on the loaded file; returns the report JSON.
    /// A spec naming another worksheet or other missing-value codes re-reads the kept bytes.
    pub fn run(&mut self, spec_json: &str) -> Result<String, JsValue> {
        let spec = AnalysisSpec::from_json(spec_json).map_err(|e| js_error(&e))?;
        let read = ReadOptions { sheet: spec.sheet.clone(), missing: spec.missing.clone() };
        if self.table.is_some() && !same_read_options(&read, &self.read) {
            let table = crate::ingest::read_table(&self.bytes, &self.name, &read).map_err(|e| js_error(&e))?;
            self.table = Some(table);
            self.read = read;
        }
        let table = self.table()?;
        let report = crate::analyze::analyze(table, &spec).map_err(|e| js_error(&e.at_file(&self.name)))?;
        let json = to_json(&report)?;
        self.report = Some(report);
        Ok(json)
    }

    /// Report JSON of the last successful `run`, or `null` text when none.
    pub fn report(&self) -> Result<String, JsValue> {
        match &self.report {
            Some(r) => to_json(r),
            None => Ok("null".to_string()),
        }
    }

    /// Name of the loaded file ("" when none).
    #[wasm_bindgen(getter)]
    pub fn name(&self) -> String {
        self.name.clone()
    }
}

impl Session {
    fn table(&self) -> Result<&Table, JsValue> {
        self.table.as_ref().ok_or_else(|| js_msg("no file is loaded: drop a CSV or spreadsheet first"))
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

/// Version of the core (Cargo package version), for the page's footer and bug reports.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
