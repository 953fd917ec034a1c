//! The contract's comparison rules (`compare_reference.py`), shared by the tests that check
//! reports or report blocks against R: only fields present in the expectation are compared;
//! records in keyed arrays are matched by their keys; relative tolerance per field, looser per
//! section where R itself iterates to a looser tolerance; absolute floor 1e-9.

use std::collections::BTreeMap;

use serde_json::Value;

pub const DEFAULT_REL: f64 = 1e-6;
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

/// Differences found, and the largest relative difference seen per numeric field.
#[derive(Default)]
pub struct Comparison {
    pub problems: Vec<String>,
    pub max_rel: BTreeMap<String, f64>,
}

/// Compare `exp` with `act`; `section` is the key `exp` sits under in a report (e.g. `cox`),
/// so that its section tolerance applies.
pub fn compare(exp: &Value, act: &Value, label: &str, section: &str) -> Comparison {
    let mut c = Comparison::default();
    walk(exp, act, &mut vec![label.to_string()], section, DEFAULT_REL, &mut c);
    c
}

fn walk(exp: &Value, act: &Value, path: &mut Vec<String>, key: &str, rel: f64, c: &mut Comparison) {
    let rel = rel.max(section_rel(key));
    match exp {
        Value::Object(m) => {
            let Value::Object(a) = act else {
                c.problems.push(format!("{}: expected an object, got {act}", path.join(".")));
                return;
            };
            for (k, v) in m {
                path.push(k.clone());
                match a.get(k) {
                    Some(x) => walk(v, x, path, k, rel, c),
                    None => c.problems.push(format!("{}: missing", path.join("."))),
                }
                path.pop();
            }
        }
        Value::Array(e) => {
            let Value::Array(a) = act else {
                c.problems.push(format!("{}: expected an array, got {act}", path.join(".")));
                return;
            };
            match keys_of(key) {
                Some(keys) if e.first().map(Value::is_object).unwrap_or(false) => {
                    let ident = |r: &Value| keys.iter().map(|k| text(r.get(*k).unwrap_or(&Value::Null))).collect::<Vec<_>>().join("/");
                    for r in e {
                        let id = ident(r);
                        match a.iter().find(|x| ident(x) == id) {
                            Some(x) => {
                                path.push(id);
                                walk(r, x, path, key, rel, c);
                                path.pop();
                            }
                            None => c.problems.push(format!("{}[{id}]: missing", path.join("."))),
                        }
                    }
                }
                _ => {
                    if e.len() != a.len() {
                        c.problems.push(format!("{}: length {}, expected {}", path.join("."), a.len(), e.len()));
                        return;
                    }
                    for (i, (x, y)) in e.iter().zip(a).enumerate() {
                        path.push(i.to_string());
                        walk(x, y, path, key, rel, c);
                        path.pop();
                    }
                }
            }
        }
        Value::Null => {
            if !act.is_null() {
                c.problems.push(format!("{}: got {act}, expected null", path.join(".")));
            }
        }
        Value::Bool(b) => {
            if act.as_bool() != Some(*b) {
                c.problems.push(format!("{}: got {act}, expected {b}", path.join(".")));
            }
        }
        Value::String(_) => {
            if text(exp) != text(act) {
                c.problems.push(format!("{}: got {act}, expected {exp}", path.join(".")));
            }
        }
        Value::Number(n) => {
            let x = n.as_f64().unwrap_or(f64::NAN);
            let ok = match act {
                Value::Number(m) => {
                    let y = m.as_f64().unwrap_or(f64::NAN);
                    let scale = x.abs().max(y.abs());
                    // Values under the absolute floor (a p-value R rounds to 0) are not counted.
                    let rd = if scale > ABS_FLOOR { (x - y).abs() / scale } else { 0.0 };
                    let e = c.max_rel.entry(key.to_string()).or_insert(0.0);
                    *e = e.max(rd);
                    (x - y).abs() <= ABS_FLOOR.max(rel.max(field_rel(key)) * scale)
                }
                Value::String(s) => *s == text(exp),
                _ => false,
            };
            if !ok {
                c.problems.push(format!("{}: got {act}, expected {exp}", path.join(".")));
            }
        }
    }
}
