//! Every case of `tests/reference/*.expected.json` (R's results, copied from the shared
//! reference) run through the library and compared field by field with the contract's
//! tolerances — the same rules as `compare_reference.py`.

use serde_json::Value;

#[path = "support/compare.rs"]
mod support;

#[test]
fn every_reference_case_matches_r() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reference");
    let mut files: Vec<_> = std::fs::read_dir(dir).unwrap().flatten().map(|e| e.path()).filter(|p| p.to_string_lossy().ends_with(".expected.json")).collect();
    files.sort();
    let mut failures = Vec::new();
    let mut cases = 0;
    for f in files {
        let reference: Value = serde_json::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
        let data = std::path::Path::new(dir).join(reference["file"].as_str().unwrap());
        let bytes = std::fs::read(&data).unwrap();
        for case in reference["cases"].as_array().unwrap() {
            let label = format!("{}/{}", reference["dataset"].as_str().unwrap(), case["name"].as_str().unwrap());
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
    }
    assert!(cases >= 13, "only {cases} reference cases found");
    assert!(failures.is_empty(), "{} of {cases} cases differ from R:\n{}", failures.len(), failures.join("\n"));
}
