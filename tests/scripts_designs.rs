//! The Python (lifelines) script's study-design lines (issue 17): the exported script is run on
//! the contract's design cases (`tests/reference/designs/`) and the numbers it prints are
//! compared with R's: Kaplan-Meier with delayed entry on start–stop rows (heart), curves by a
//! time-varying exposure split as `tmerge` does (Simon–Makuch, jasa) and the Cox model on the
//! split rows (`CoxTimeVaryingFitter`), a landmark with the exposure's value at L and the clock
//! reset (jasa), a landmark kept with conditional survival (lung), sampling and frequency weights.
//! lifelines is needed (`target/venv-lifelines`, or COHORT_PYTHON); COHORT_SKIP_CROSSCHECK=1
//! skips explicitly, as `tests/scripts.rs`.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn python() -> Option<PathBuf> {
    if std::env::var("COHORT_SKIP_CROSSCHECK").as_deref() == Ok("1") {
        eprintln!("COHORT_SKIP_CROSSCHECK=1: the lifelines cross-check is not run");
        return None;
    }
    let py = std::env::var_os("COHORT_PYTHON").map(PathBuf::from).unwrap_or_else(|| root().join("target/venv-lifelines/bin/python"));
    let ok = Command::new(&py).args(["-c", "import lifelines, pandas"]).output().is_ok_and(|o| o.status.success());
    assert!(ok, "{} with lifelines is needed: run bash scripts/setup-lifelines.sh (or set COHORT_PYTHON), or set COHORT_SKIP_CROSSCHECK=1 to skip the cross-checks explicitly", py.display());
    Some(py)
}

/// Run the Python script of case `name` of `designs_FILE` (its spec with `extra` merged in) and
/// return its output and R's expected values.
fn run(py: &PathBuf, file: &str, name: &str, extra: Value) -> (String, Value, String) {
    let dir = root().join("tests/reference/designs");
    let reference: Value = serde_json::from_str(&std::fs::read_to_string(dir.join(format!("designs_{file}.expected.json"))).unwrap()).unwrap();
    let case = reference["cases"].as_array().unwrap().iter().find(|c| c["name"] == name).unwrap().clone();
    let mut spec = case["spec"].clone();
    for (k, v) in extra.as_object().unwrap() {
        spec[k] = v.clone();
    }
    let spec = cohort::AnalysisSpec::from_json(&spec.to_string()).unwrap();
    let data = format!("designs_{file}.csv");
    let script = cohort::export::python_script(&spec, &data);
    let work = std::env::temp_dir().join(format!("cohort-py-designs-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&work).unwrap();
    std::fs::copy(dir.join(&data), work.join(&data)).unwrap();
    std::fs::write(work.join("check.py"), &script).unwrap();
    let out = Command::new(py).arg("check.py").current_dir(&work).output().unwrap();
    let _ = std::fs::remove_dir_all(&work);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{name}: {}\n{script}", String::from_utf8_lossy(&out.stderr));
    (text, case["expected"].clone(), script)
}

/// Every R survival value at the landmarks appears in the script's output (6 decimals).
fn km_values_printed(out: &str, expected: &Value, name: &str) {
    for c in expected["km"].as_array().unwrap() {
        for a in c["at"].as_array().unwrap() {
            let v = format!("{:.6}", a["surv"].as_f64().unwrap());
            assert!(out.contains(&v), "{name}: S({}) = {v} of group {} not printed:\n{out}", a["time"], c["group"]);
        }
    }
}

/// Every R Cox coefficient appears in the script's output (4 decimals, as print_summary).
fn cox_printed(out: &str, expected: &Value, name: &str) {
    for t in expected["cox"]["terms"].as_array().unwrap() {
        let v = format!("{:.4}", t["coef"].as_f64().unwrap());
        let v = v.trim_end_matches('0');
        assert!(out.contains(v), "{name}: coefficient {} = {v} not printed:\n{out}", t["name"]);
    }
}

#[test]
fn python_design_scripts_reproduce_r() {
    let Some(py) = python() else { return };
    let (out, e, script) = run(&py, "heart", "start_stop_efron", Value::Object(Default::default()));
    assert!(script.contains("entry=sub['_entry']") && script.contains("CoxTimeVaryingFitter().fit("), "{script}");
    assert!(script.contains("no log-rank test with delayed entry"), "the missing test is said");
    km_values_printed(&out, &e, "heart");
    cox_printed(&out, &e, "heart");

    let (out, e, script) = run(&py, "jasa", "transplant_time_varying", Value::Object(Default::default()));
    assert!(script.contains("split_at(d, '_at_transplant', \"transplant\")"), "{script}");
    km_values_printed(&out, &e, "jasa time-varying");
    cox_printed(&out, &e, "jasa time-varying");

    let (out, e, _) = run(&py, "jasa", "landmark60_transplant", Value::Object(Default::default()));
    km_values_printed(&out, &e, "jasa landmark");
    cox_printed(&out, &e, "jasa landmark");

    // Conditional survival (lung, landmark kept): given 90 days, 180 more = S(270) / S(90)
    // from the rows at risk after 90, as the report's conditional[] (R's values).
    let spec = serde_json::json!({"conditional": {"given": [90], "more": [180]}});
    let (out, e, _) = run(&py, "lung", "landmark90_keep", spec.clone());
    km_values_printed(&out, &e, "lung landmark");
    let bytes = std::fs::read(root().join("tests/reference/designs/designs_lung.csv")).unwrap();
    let reference: Value = serde_json::from_str(&std::fs::read_to_string(root().join("tests/reference/designs/designs_lung.expected.json")).unwrap()).unwrap();
    let mut s = reference["cases"].as_array().unwrap().iter().find(|c| c["name"] == "landmark90_keep").unwrap()["spec"].clone();
    s["conditional"] = spec["conditional"].clone();
    let report = cohort::analyze_bytes(&bytes, "designs_lung.csv", &cohort::AnalysisSpec::from_json(&s.to_string()).unwrap()).unwrap();
    assert_eq!(report.conditional.len(), 2);
    for c in &report.conditional {
        let v = format!("{{270: {:.6}", c.surv);
        let printed = out.lines().any(|l| l.contains("given 90") && l.contains(&v[..v.len() - 1]));
        assert!(printed, "conditional {} {v} not printed:\n{out}", c.group.as_deref().unwrap_or(""));
    }

    let (out, e, script) = run(&py, "lung", "sampling_weights", Value::Object(Default::default()));
    assert!(script.contains("weights=sub['_w']") && script.contains("robust=True") && script.contains("not the robust ones"), "{script}");
    km_values_printed(&out, &e, "lung sampling weights");
    cox_printed(&out, &e, "lung sampling weights");

    let (out, e, _) = run(&py, "lung_counts", "frequency_by_sex", Value::Object(Default::default()));
    km_values_printed(&out, &e, "lung frequency weights");
    cox_printed(&out, &e, "lung frequency weights");
}
