//! cargo-fuzz target: any bytes → `read_table` → `prepare` must return, never panic.
#![no_main]

use cohort::prepare::prepare;
use cohort::{read_table, AnalysisSpec, ReadOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let spec = AnalysisSpec::from_json(r#"{"time":"time","event":{"column":"status","event":["2"]},"group":"sex"}"#).unwrap();
    let dates = AnalysisSpec::from_json(r#"{"time":{"start":"srs_date","end":"last_fu"},"event":{"column":"fail","event":1}}"#).unwrap();
    if let Ok(t) = read_table(data, "fuzz.csv", &ReadOptions::default()) {
        let _ = t.schema();
        let _ = prepare(&t, &spec, &mut Vec::new());
        let _ = prepare(&t, &dates, &mut Vec::new());
    }
});
