//! Every case of `tests/reference/*.expected.json` (R's results, copied from the shared
//! reference) run through the library and compared field by field with the contract's
//! tolerances — the same rules as `compare_reference.py`.

use serde_json::Value;

#[path = "support/compare.rs"]
mod support;

/// Run every case of one `*.expected.json` (contract format: `file`, `cases[{name, spec,
/// expected}]`) and return (cases run, failures).
fn run_file(path: &std::path::Path) -> (usize, Vec<String>) {
    let reference: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let data = path.parent().unwrap().join(reference["file"].as_str().unwrap());
    let bytes = std::fs::read(&data).unwrap();
    let dataset = reference["dataset"].as_str().unwrap_or_else(|| reference["file"].as_str().unwrap());
    let mut failures = Vec::new();
    let mut cases = 0;
    for case in reference["cases"].as_array().unwrap() {
        let label = format!("{dataset}/{}", case["name"].as_str().unwrap());
        let expected = case["expected"].clone();
        let spec = cohort::AnalysisSpec::from_json(&case["spec"].to_string()).unwrap();
        cases += 1;
        let report = match cohort::analyze_bytes(&bytes, data.file_name().unwrap().to_str().unwrap(), &spec) {
            Ok(r) => r,
            Err(e) => {
                failures.push(format!("{label}: error {e}"));
                continue;
            }
        };
        let act: Value = serde_json::from_str(&report.to_json()).unwrap();
        let out = support::compare(&expected, &act, &label, "").problems;
        if !out.is_empty() {
            failures.push(format!("{label}: {} differences\n    {}", out.len(), out.iter().take(10).cloned().collect::<Vec<_>>().join("\n    ")));
        }
    }
    (cases, failures)
}

#[test]
fn every_reference_case_matches_r() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reference");
    let mut files: Vec<_> = std::fs::read_dir(dir).unwrap().flatten().map(|e| e.path()).filter(|p| p.to_string_lossy().ends_with(".expected.json")).collect();
    files.sort();
    let mut failures = Vec::new();
    let mut cases = 0;
    for f in files {
        let (n, fails) = run_file(&f);
        cases += n;
        failures.extend(fails);
    }
    assert!(cases >= 13, "only {cases} reference cases found");
    assert!(failures.is_empty(), "{} of {cases} cases differ from R:\n{}", failures.len(), failures.join("\n"));
}

/// Times that differ only by floating-point round-off are ties, as R's `survfit`, `survdiff`
/// and `coxph` decide with `aeqSurv` (`tests/r/timefix.R`: 32 distinct values as read, 10
/// after adjudication). Without it the Kaplan-Meier steps, the log-rank test and the Efron
/// and Breslow fits all differ from R.
#[test]
fn near_tied_times_are_ties_as_in_r() {
    let path = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/r/timefix.expected.json"));
    let (cases, failures) = run_file(path);
    assert_eq!(cases, 2);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
