//! Every case of `tests/reference/*.expected.json` (R's results, copied from the shared
//! reference) run through the library and compared field by field with the contract's
//! tolerances — the same rules as `compare_reference.py`.

use serde_json::Value;

const DEFAULT_REL: f64 = 1e-6;
const ABS_FLOOR: f64 = 1e-9;

fn field_rel(key: &str) -> f64 {
    match key {
        "p" | "p_adjusted" => 1e-4,
        "coef" | "se" | "hr" | "shr" | "z" | "lower" | "upper" | "chisq" | "stat" | "variance" => 1e-5,
        "loglik" => 1e-7,
        _ => DEFAULT_REL,
    }
}
fn section_rel(key: &str) -> f64 {
    match key {
        "ph_test" => 1e-3,
        "finegray" | "concordance" => 1e-4,
        _ => 0.0,
    }
}
fn keys_of(key: &str) -> Option<&'static [&'static str]> {
    Some(match key {
        "km" => &["group"],
        "terms" => &["name"],
        "cuminc" => &["group", "cause"],
        "gray_test" => &["cause"],
        "pairwise" => &["a", "b"],
        "table1" => &["variable"],
        "groups" => &["group"],
        "levels" => &["level"],
        _ => return None,
    })
}
fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "None".into(),
        other => other.to_string(),
    }
}

fn close(a: &Value, b: &Value, rel: f64) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Null, _) | (_, Value::Null) => false,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::String(_), _) | (_, Value::String(_)) => text(a) == text(b),
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap_or(f64::NAN), y.as_f64().unwrap_or(f64::NAN));
            (x - y).abs() <= ABS_FLOOR.max(rel * x.abs().max(y.abs()))
        }
        _ => false,
    }
}

fn compare(exp: &Value, act: &Value, path: &mut Vec<String>, rel: f64, out: &mut Vec<String>) {
    let key = path.last().cloned().unwrap_or_default();
    let rel = rel.max(section_rel(&key));
    match exp {
        Value::Object(m) => {
            let Value::Object(a) = act else {
                out.push(format!("{}: expected an object", path.join(".")));
                return;
            };
            for (k, v) in m {
                path.push(k.clone());
                match a.get(k) {
                    Some(x) => compare(v, x, path, rel, out),
                    None => out.push(format!("{}: missing", path.join("."))),
                }
                path.pop();
            }
        }
        Value::Array(e) => {
            let Value::Array(a) = act else {
                out.push(format!("{}: expected an array", path.join(".")));
                return;
            };
            match keys_of(&key) {
                Some(keys) if e.first().map(Value::is_object).unwrap_or(false) => {
                    let ident = |r: &Value| keys.iter().map(|k| text(r.get(*k).unwrap_or(&Value::Null))).collect::<Vec<_>>().join("/");
                    for r in e {
                        let id = ident(r);
                        match a.iter().find(|x| ident(x) == id) {
                            Some(x) => {
                                path.push(id);
                                compare(r, x, path, rel, out);
                                path.pop();
                            }
                            None => out.push(format!("{}[{id}]: missing", path.join("."))),
                        }
                    }
                }
                _ => {
                    if e.len() != a.len() {
                        out.push(format!("{}: length {}, expected {}", path.join("."), a.len(), e.len()));
                        return;
                    }
                    for (i, (x, y)) in e.iter().zip(a).enumerate() {
                        path.push(i.to_string());
                        compare(x, y, path, rel, out);
                        path.pop();
                    }
                }
            }
        }
        _ => {
            if !close(exp, act, rel.max(field_rel(&key))) {
                out.push(format!("{}: got {act}, expected {exp}", path.join(".")));
            }
        }
    }
}

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
            let mut out = Vec::new();
            compare(&expected, &act, &mut Vec::new(), DEFAULT_REL, &mut out);
            if !out.is_empty() {
                failures.push(format!("{label}: {} differences\n    {}", out.len(), out.iter().take(10).cloned().collect::<Vec<_>>().join("\n    ")));
            }
        }
    }
    assert!(cases >= 13, "only {cases} reference cases found");
    assert!(failures.is_empty(), "{} of {cases} cases differ from R:\n{}", failures.len(), failures.join("\n"));
}
