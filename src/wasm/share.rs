//! Sharing entry points (see [`crate::share`]): a results-only link's payload from a
//! report, a session drawing from such a payload with no file, the analysis columns as CSV for
//! a link that embeds them, and the methods paragraph with small counts suppressed.

use wasm_bindgen::prelude::*;

use super::{js_msg, to_json, Session};
#[cfg(feature = "links")]
use crate::share::SharedResults;

#[wasm_bindgen]
impl Session {
    /// Report `handle` as shared results (JSON) with counts below `k` suppressed; `spec_json`
    /// is the spec the link shows ("" for none): the page strips identifier-like columns first.
    pub fn share_results(&self, handle: u32, k: u32, spec_json: &str) -> Result<String, JsValue> {
        self.links_share(handle, k, spec_json)
    }

    /// Show shared results: the report rebuilt from a results-only link's JSON is kept under a
    /// handle (so `draw`, `values_at`, `svg` and `forest_height` work as after `run`), and no
    /// file is loaded (every earlier report goes). Returns `{"handle": n, "report": {...}}`.
    pub fn load_shared(&mut self, shared_json: &str) -> Result<String, JsValue> {
        let report = links_open(shared_json)?;
        let json = to_json(&report)?;
        self.table = None;
        self.bytes = Vec::new();
        self.name = String::new();
        self.reports.clear();
        let handle = self.reports.insert(report);
        Ok(format!("{{\"handle\":{handle},\"report\":{json}}}"))
    }

    /// The named columns (JSON array of names) of the loaded file as CSV text, for a link that
    /// embeds the analysis data. Identifier-like columns are refused.
    /// In the page's first module (without `links`, issue 20) an error of kind `engine`: the page
    /// loads the on-demand module, which has it.
    pub fn analysis_csv(&self, columns_json: &str) -> Result<String, JsValue> {
        #[cfg(not(feature = "links"))]
        {
            let _ = columns_json;
            Err(super::left_out("links that embed the analysis data"))
        }
        #[cfg(feature = "links")]
        {
            let columns: Vec<String> =
                serde_json::from_str(columns_json).map_err(|e| js_msg(format!("the column list is not a JSON array of names: {e}")))?;
            crate::share::analysis_csv(self.table()?, &columns).map_err(js_msg)
        }
    }

    /// One export of report `handle`, exactly as `cohort export --as KIND --k K` writes it
    /// (see [`crate::export::export_bytes`]): `kind` is its name (`results-link`, `report-json`,
    /// `tables-csv`, `table1-csv`, `table1-md`, `methods`, `figure-svg`, `r-script`,
    /// `python-script`); `options_json` and `width`×`height` are the figure's.
    pub fn export_kind(&self, handle: u32, kind: &str, k: u32, options_json: &str, width: u32, height: u32) -> Result<String, JsValue> {
        let report = self.held_report(handle)?;
        let kind = crate::export::ExportKind::parse(kind).map_err(js_msg)?;
        if let Some(what) = kind.left_out() {
            return Err(super::left_out(what));
        }
        let plot: crate::plot::PlotOptions = if options_json.trim().is_empty() {
            Default::default()
        } else {
            serde_json::from_str(options_json).map_err(|e| js_msg(format!("the figure options are not valid: {e}")))?
        };
        let input = crate::export::ExportInput { report, table: self.table.as_ref(), file: &self.name, k: k.max(1), plot, width, height };
        let bytes = crate::export::export_bytes(kind, &input).map_err(js_msg)?;
        String::from_utf8(bytes).map_err(|e| js_msg(format!("the export is not text: {e}")))
    }

    /// Report `handle`'s methods-and-results paragraph with every count below `k` written "<k".
    pub fn methods_k(&self, handle: u32, k: u32) -> Result<String, JsValue> {
        let report = self.held_report(handle)?;
        Ok(crate::export::methods_protected(&crate::disclosure::protect(report, self.table.as_ref(), k.max(1))))
    }
}

// Results links (feature `links`; the page's first module leaves them out, issue 20: opening or
// making one loads the on-demand module, which has them).
#[cfg(feature = "links")]
impl Session {
    fn links_share(&self, handle: u32, k: u32, spec_json: &str) -> Result<String, JsValue> {
        let report = self.held_report(handle)?;
        let spec = if spec_json.trim().is_empty() {
            None
        } else {
            Some(serde_json::from_str(spec_json).map_err(|e| js_msg(format!("the spec is not valid JSON: {e}")))?)
        };
        let shared = SharedResults::from_protected(&crate::disclosure::protect(report, self.table.as_ref(), k), spec);
        shared.validate().map_err(|e| js_msg(format!("{e}: too much for a link; save the figure and report instead")))?;
        to_json(&shared)
    }
}

#[cfg(feature = "links")]
fn links_open(shared_json: &str) -> Result<crate::report::Report, JsValue> {
    SharedResults::from_json(shared_json).map_err(js_msg)?.to_report().map_err(js_msg)
}

#[cfg(not(feature = "links"))]
impl Session {
    fn links_share(&self, _: u32, _: u32, _: &str) -> Result<String, JsValue> {
        Err(super::left_out("results links"))
    }
}

#[cfg(not(feature = "links"))]
fn links_open(_: &str) -> Result<crate::report::Report, JsValue> {
    Err(super::left_out("results links"))
}
