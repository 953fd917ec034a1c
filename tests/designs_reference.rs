//! The study-design cases of `tests/reference/designs/` (R's results, copied from the shared
//! reference: part 2 of the contract) that the core answers: delayed entry and start–stop data
//! (`designs_heart`), time-varying exposure and landmarks (`designs_jasa`, `designs_lung`
//! landmark90_*), frequency and sampling weights — run through the library and compared field
//! by field with the contract's tolerances, as `tests/reference.rs` does for part 1.
//!
//! The other cases of those files (rmst_diff, splines, interactions, propensity, adjusted
//! curves, subgroups) belong to other keys; for a case listed here, only its fields named in
//! `OTHER_FIELDS` are left out of the comparison.

use serde_json::Value;

#[path = "support/compare.rs"]
mod support;

/// Cases of this suite: (dataset file stem, case name).
const CASES: &[(&str, &str)] = &[
    ("designs_heart", "start_stop_efron"),
    ("designs_heart", "start_stop_breslow"),
    ("designs_jasa", "transplant_time_varying"),
    ("designs_jasa", "landmark60_transplant"),
    ("designs_lung", "landmark90_reset"),
    ("designs_lung", "landmark90_keep"),
    ("designs_lung", "sampling_weights"),
    ("designs_lung_counts", "frequency_by_sex"),
];

/// Report fields of other keys that some of these cases also carry (`rmst_diff`).
const OTHER_FIELDS: &[&str] = &["rmst_diff"];

fn run(stem: &str, name: &str) -> Result<(), String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reference/designs");
    let reference: Value = serde_json::from_str(&std::fs::read_to_string(format!("{dir}/{stem}.expected.json")).unwrap()).unwrap();
    let file = reference["file"].as_str().unwrap();
    let bytes = std::fs::read(format!("{dir}/{file}")).unwrap();
    let case = reference["cases"].as_array().unwrap().iter().find(|c| c["name"] == name).unwrap_or_else(|| panic!("no case {stem}/{name}"));
    let spec = cohort::AnalysisSpec::from_json(&case["spec"].to_string()).map_err(|e| e.to_string())?;
    let report = cohort::analyze_bytes(&bytes, file, &spec).map_err(|e| format!("error {e}"))?;
    let act: Value = serde_json::from_str(&report.to_json()).unwrap();
    let mut expected = case["expected"].clone();
    for f in OTHER_FIELDS {
        expected.as_object_mut().unwrap().remove(*f);
    }
    let out = support::compare(&expected, &act, &format!("{stem}/{name}"), "").problems;
    if out.is_empty() {
        Ok(())
    } else {
        Err(format!("{} differences\n    {}", out.len(), out.iter().take(10).cloned().collect::<Vec<_>>().join("\n    ")))
    }
}

#[test]
fn study_design_cases_match_r() {
    let failures: Vec<String> = CASES.iter().filter_map(|(s, n)| run(s, n).err().map(|e| format!("{s}/{n}: {e}"))).collect();
    assert!(failures.is_empty(), "{} of {} cases differ from R:\n{}", failures.len(), CASES.len(), failures.join("\n"));
}
