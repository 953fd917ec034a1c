//! Competing risks against R's cmprsk 2.2-11, end to end from the CSV: read the file, prepare
//! the rows from the case's spec, run `cuminc` and `crr`, and compare every expected field
//! (cuminc `at` and, where given, `steps`; `gray_test`; `finegray`; `n`, `events`) with the
//! tolerances of `compare_reference.py`.
//!
//! References: `tests/reference/transplant.expected.json` (the contract's case) and
//! `tests/r/competing.expected.json`, produced by `tests/r/competing.R` (exact R calls there).
//! A property test checks that without competing events the cumulative incidence is 1 − KM.

use std::path::{Path, PathBuf};

use cohort::prepare::{design, prepare};
use cohort::stats::cuminc::{cuminc, cuminc_with};
use cohort::stats::finegray::crr;
use cohort::{read_table, AnalysisSpec, ReadOptions};
use serde_json::{json, Value};

#[path = "support/compare.rs"]
mod support;

/// The competing-risks part of the report for one case, as JSON.
fn run_case(dir: &Path, file: &str, spec_json: &Value) -> Value {
    let bytes = std::fs::read(dir.join(file)).expect("reference data file");
    let spec = AnalysisSpec::from_json(&spec_json.to_string()).expect("spec");
    let table = read_table(&bytes, file, &ReadOptions::default()).expect("table");
    let mut warnings = Vec::new();
    let prep = prepare(&table, &spec, &mut warnings).expect("prepare");
    let (codes, levels) = match &prep.group {
        Some(g) => (g.codes.clone(), g.levels.clone()),
        None => (vec![0; prep.rows.len()], Vec::new()),
    };
    let strata = prep.strata.as_ref().map(|s| s.codes.clone());
    let (curves, gray) = cuminc_with(&prep.time, &prep.status, &codes, &levels, strata.as_deref(), spec.rho, &spec.times);
    let mut out = json!({
        "n": prep.rows.len(),
        "events": prep.status.iter().filter(|&&s| s == 1).count(),
        "cuminc": curves,
        "gray_test": gray,
    });
    if !spec.covariates.is_empty() {
        let d = design(&table, &spec, &prep, &spec.covariates, &mut warnings).expect("design");
        let fit = crr(&d.time, &d.status, &d.x, &d.names).expect("crr");
        assert!(fit.warnings.is_empty(), "{:?}", fit.warnings);
        out["finegray"] = serde_json::to_value(&fit).expect("json");
    }
    out
}

fn check_file(path: PathBuf) -> usize {
    let dir = path.parent().expect("dir").to_path_buf();
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&path).expect("expected json")).expect("json");
    let file = doc["file"].as_str().expect("file");
    let mut problems = Vec::new();
    let mut max_rel = std::collections::BTreeMap::new();
    let mut checked = 0;
    for case in doc["cases"].as_array().expect("cases") {
        let spec = &case["spec"];
        if spec["event"].get("competing").is_none() {
            continue;
        }
        let name = case["name"].as_str().unwrap_or("?");
        let act = run_case(&dir, case["file"].as_str().unwrap_or(file), spec);
        let exp = &case["expected"];
        let mut subset = serde_json::Map::new();
        for k in ["n", "events", "cuminc", "gray_test", "finegray"] {
            if let Some(v) = exp.get(k) {
                subset.insert(k.to_string(), v.clone());
            }
        }
        let c = support::compare(&Value::Object(subset), &act, name, "");
        problems.extend(c.problems);
        for (k, v) in c.max_rel {
            let e = max_rel.entry(k).or_insert(0.0f64);
            *e = e.max(v);
        }
        checked += 1;
    }
    println!("{}: max relative differences {max_rel:?}", path.display());
    assert!(problems.is_empty(), "{}: {} differences:\n{}", path.display(), problems.len(), problems.join("\n"));
    checked
}

#[test]
fn transplant_matches_cmprsk() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    assert_eq!(check_file(root.join("tests/reference/transplant.expected.json")), 1);
}

#[test]
fn own_r_reference_matches_cmprsk() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    assert!(check_file(root.join("tests/r/competing.expected.json")) >= 3);
}

/// The comparison itself must catch a difference (a test that cannot fail proves nothing).
#[test]
fn comparison_detects_differences() {
    let exp = json!({"cuminc": [{"group": "A", "cause": "event", "at": [{"time": 30, "estimate": 0.1, "variance": null}]}]});
    let ok = json!({"cuminc": [{"group": "A", "cause": "event", "at": [{"time": 30, "estimate": 0.10000000001, "variance": null}]}]});
    let bad = json!({"cuminc": [{"group": "A", "cause": "event", "at": [{"time": 30, "estimate": 0.1001, "variance": 0.0}]}]});
    let out = support::compare(&exp, &ok, "", "").problems;
    assert!(out.is_empty(), "{out:?}");
    let out = support::compare(&exp, &bad, "", "").problems;
    assert_eq!(out.len(), 2, "{out:?}");
}

/// Property: with no competing events, the Aalen-Johansen estimate is 1 − Kaplan-Meier at every
/// time (KM computed here from the product formula), for random data with ties and groups.
#[test]
fn no_competing_events_is_one_minus_km() {
    let mut seed: u64 = 0x9e3779b97f4a7c15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for trial in 0..50 {
        let n = 5 + (next() % 200) as usize;
        let time: Vec<f64> = (0..n).map(|_| (next() % 40) as f64 / 2.0).collect();
        let status: Vec<u8> = (0..n).map(|_| if next() % 3 == 0 { 0 } else { 1 }).collect();
        let group: Vec<u32> = (0..n).map(|_| (next() % 2) as u32).collect();
        let levels = vec!["a".to_string(), "b".to_string()];
        let grid: Vec<f64> = (0..45).map(|k| k as f64 / 2.0 - 0.25).collect();
        let (curves, _) = cuminc(&time, &status, &group, &levels, &grid);
        for curve in curves.iter() {
            assert_eq!(curve.cause, "event");
            let g = levels.iter().position(|l| Some(l) == curve.group.as_ref()).expect("group") as u32;
            let rows: Vec<usize> = (0..n).filter(|&i| group[i] == g).collect();
            let tmax = rows.iter().map(|&i| time[i]).fold(f64::MIN, f64::max);
            for at in &curve.at {
                if at.time < 0.0 || at.time > tmax {
                    assert!(at.estimate.is_nan(), "trial {trial}: {at:?}");
                    continue;
                }
                // KM: product over distinct event times ≤ t of (1 − d/Y).
                let mut ts: Vec<f64> = rows.iter().filter(|&&i| status[i] == 1 && time[i] <= at.time).map(|&i| time[i]).collect();
                ts.sort_by(f64::total_cmp);
                ts.dedup();
                let km: f64 = ts
                    .iter()
                    .map(|&u| {
                        let d = rows.iter().filter(|&&i| time[i] == u && status[i] == 1).count() as f64;
                        let y = rows.iter().filter(|&&i| time[i] >= u).count() as f64;
                        1.0 - d / y
                    })
                    .product();
                assert!((at.estimate - (1.0 - km)).abs() < 1e-12, "trial {trial} t {}: {} vs 1 − {km}", at.time, at.estimate);
            }
        }
    }
}
