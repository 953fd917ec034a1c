//! The in-browser benchmark (`benchRun`), moved out of `src/wasm.rs` (issue 16 item 5): the
//! same steps and step names as `cohort bench` (src/bench.rs), timed by the page's clock.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::{install_panic_hook, js_error, to_json};

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
