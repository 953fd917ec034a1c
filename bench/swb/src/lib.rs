//! JSON text vs serde-wasm-bindgen for what crosses the boundary (issue 16 item 7).
//! `Bench::new` reads a CSV and analyses it once; the methods then return the kept report, the
//! hover read-out at `t` (computed per call, as the page's hover does) and the table's schema
//! (computed once, so its calls time the encoding only) either as JSON text (the page's way today:
//! `serde_json::to_string` here, `JSON.parse` in JS) or as a JS value built by
//! `serde_wasm_bindgen` (feature `swb`, `Serializer::json_compatible()`).
use cohort::plot::PlotOptions;
use cohort::table::Schema;
use cohort::{AnalysisSpec, ReadOptions, Report};
use wasm_bindgen::prelude::*;

/// How non-finite numbers, `None` and maps come out each way.
#[derive(serde::Serialize)]
struct Probe {
    nan: f64,
    inf: f64,
    none: Option<f64>,
    map: std::collections::BTreeMap<String, f64>,
}

fn probe() -> Probe {
    Probe { nan: f64::NAN, inf: f64::INFINITY, none: None, map: [("a".to_string(), 1.0)].into() }
}

#[wasm_bindgen]
pub fn probe_json() -> Result<String, JsError> {
    serde_json::to_string(&probe()).map_err(js_err)
}

#[cfg(feature = "swb")]
#[wasm_bindgen]
pub fn probe_swb() -> Result<JsValue, JsError> {
    to_js(&probe())
}

#[wasm_bindgen]
pub struct Bench {
    /// Computed once here, so that the schema calls time its encoding only.
    schema: Schema,
    report: Report,
    opts: PlotOptions,
}

fn js_err(e: impl std::fmt::Display) -> JsError {
    JsError::new(&e.to_string())
}

#[wasm_bindgen]
impl Bench {
    #[wasm_bindgen(constructor)]
    pub fn new(bytes: &[u8], name: &str, spec_json: &str) -> Result<Bench, JsError> {
        let spec: AnalysisSpec = serde_json::from_str(spec_json).map_err(js_err)?;
        let table = cohort::read_table(bytes, name, &ReadOptions::from_spec(&spec)).map_err(js_err)?;
        let report = cohort::analyze(&table, &spec).map_err(js_err)?;
        Ok(Bench { schema: table.schema(), report, opts: PlotOptions::default() })
    }

    /// Last step time over the Kaplan-Meier curves (the hover's time range).
    pub fn t_max(&self) -> f64 {
        self.report.km.iter().filter_map(|c| c.steps.last()).map(|s| s.time).fold(0.0, f64::max)
    }

    /// Number of Kaplan-Meier steps over all curves (the report's size).
    pub fn km_steps(&self) -> usize {
        self.report.km.iter().map(|c| c.steps.len()).sum()
    }

    pub fn report_json(&self) -> Result<String, JsError> {
        serde_json::to_string(&self.report).map_err(js_err)
    }

    pub fn values_at_json(&self, t: f64) -> Result<String, JsError> {
        serde_json::to_string(&cohort::plot::km::values_at(&self.report, &self.opts, t)).map_err(js_err)
    }

    pub fn schema_json(&self) -> Result<String, JsError> {
        serde_json::to_string(&self.schema).map_err(js_err)
    }
}

#[cfg(feature = "swb")]
fn to_js<T: serde::Serialize + ?Sized>(v: &T) -> Result<JsValue, JsError> {
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).map_err(js_err)
}

#[cfg(feature = "swb")]
#[wasm_bindgen]
impl Bench {
    pub fn report_swb(&self) -> Result<JsValue, JsError> {
        to_js(&self.report)
    }

    pub fn values_at_swb(&self, t: f64) -> Result<JsValue, JsError> {
        to_js(&cohort::plot::km::values_at(&self.report, &self.opts, t))
    }

    pub fn schema_swb(&self) -> Result<JsValue, JsError> {
        to_js(&self.schema)
    }
}
