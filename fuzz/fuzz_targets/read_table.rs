//! cargo-fuzz target: any bytes → `read_table` → `prepare` must return, never panic.
#![no_main]

use cohort::prepare::prepare;
use cohort::{read_table, AnalysisSpec, ReadOptions};
use libfuzzer_sys::fuzz_target;

static QUIET: std::sync::Once = std::sync::Once::new();

fuzz_target!(|data: &[u8]| {
    // libfuzzer-sys aborts on every panic, even one the product catches (the workbook reader
    // runs calamine under catch_unwind). Natively the contract is "no panic escapes
    // read_table/prepare", so a quiet hook lets caught panics pass and an escaping one still
    // aborts when it unwinds into libFuzzer. COHORT_FUZZ_STRICT=1 keeps libFuzzer's hook
    // (every panic is a crash: what wasm, which cannot unwind, would see).
    QUIET.call_once(|| {
        if std::env::var_os("COHORT_FUZZ_STRICT").is_none() {
            std::panic::set_hook(Box::new(|_| {}));
        }
    });
    let spec = AnalysisSpec::from_json(r#"{"time":"time","event":{"column":"status","event":["2"]},"group":"sex"}"#).unwrap();
    let dates = AnalysisSpec::from_json(r#"{"time":{"start":"srs_date","end":"last_fu"},"event":{"column":"fail","event":1}}"#).unwrap();
    if let Ok(t) = read_table(data, "fuzz.csv", &ReadOptions::default()) {
        let _ = t.schema();
        let _ = prepare(&t, &spec, &mut Vec::new());
        let _ = prepare(&t, &dates, &mut Vec::new());
    }
});
