//! The proportional-hazards residual plot's data against R: `cox.zph(fit, terms = FALSE)`'s
//! scaled Schoenfeld residuals `$y`, `$x` (km, identity, log and rank transforms), `$time` and
//! `$var`, and `plot.cox.zph`'s smoother (natural spline, df = 4, 40 points, ± 2 SE band),
//! written by `tests/r/zph.R` (R survival 3.5-3) into `tests/r/zph.expected.json`. Cases: lung
//! `~ age + sex + ph.ecog` (Efron, tied times), `~ age + ph.ecog + strata(sex)` (Breslow), and a
//! covariate constant within one stratum (its residuals there are NA in R, null here).
//! Tolerance: 1e-6 relative to max(|R value|, the spread of the values compared).

use std::path::Path;

use cohort::prepare::{design, prepare};
use cohort::stats::cox::coxph;
use cohort::stats::zph::{smooth, transform_times, ZphTransform};
use cohort::{read_table, AnalysisSpec, ReadOptions};
use serde_json::Value;

const TOL: f64 = 1e-6;

fn nums(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap_or(f64::NAN)).collect()
}

/// Largest |a − b| / max(|b|, spread) over the two vectors (NaN must match NaN).
fn max_rel(label: &str, a: &[f64], b: &[f64], problems: &mut Vec<String>) -> f64 {
    if a.len() != b.len() {
        problems.push(format!("{label}: length {}, expected {}", a.len(), b.len()));
        return f64::INFINITY;
    }
    let fin: Vec<f64> = b.iter().copied().filter(|v| v.is_finite()).collect();
    let spread = fin.iter().copied().fold(f64::NEG_INFINITY, f64::max) - fin.iter().copied().fold(f64::INFINITY, f64::min);
    let mut worst: f64 = 0.0;
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        if y.is_nan() != x.is_nan() {
            problems.push(format!("{label}[{i}]: got {x}, expected {y}"));
            continue;
        }
        if y.is_nan() {
            continue;
        }
        let r = (x - y).abs() / y.abs().max(spread).max(1e-300);
        if r > TOL {
            problems.push(format!("{label}[{i}]: got {x}, expected {y} (rel {r:.2e})"));
        }
        worst = worst.max(r);
    }
    worst
}

#[test]
fn residuals_and_smoother_match_r() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let reference: Value = serde_json::from_str(&std::fs::read_to_string(root.join("tests/r/zph.expected.json")).unwrap()).unwrap();
    let mut problems = Vec::new();
    let mut report = Vec::new();
    for case in reference["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let file = case["file"].as_str().unwrap();
        let spec: AnalysisSpec = serde_json::from_value(case["spec"].clone()).unwrap();
        let bytes = std::fs::read(root.join(file)).unwrap();
        let table = read_table(&bytes, file, &ReadOptions::from_spec(&spec)).unwrap();
        let mut warnings = Vec::new();
        let prep = prepare(&table, &spec, &mut warnings).unwrap();
        let d = design(&table, &spec, &prep, &spec.covariates, &mut warnings).unwrap();
        let input = d.cox_input(spec.ties);
        let fit = coxph(&input).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(fit.ties, case["ties"].as_str().unwrap(), "{name}");
        let ph = fit.ph_test.as_ref().unwrap_or_else(|| panic!("{name}: no PH test"));
        let res = ph.residuals.as_ref().unwrap_or_else(|| panic!("{name}: no residuals"));
        let mut worst: f64 = 0.0;
        let l = |what: &str| format!("{name}.{what}");
        worst = worst.max(max_rel(&l("time"), &res.time, &nums(&case["time"]), &mut problems));
        worst = worst.max(max_rel(&l("x"), &res.x, &nums(&case["x"]), &mut problems));
        worst = worst.max(max_rel(&l("p"), &ph.terms.iter().map(|t| t.p).collect::<Vec<_>>(), &nums(&case["p"]), &mut problems));
        // The other transforms, of the same events (in R's order: stratum, time, row).
        let strat = |i: usize| input.strata.map_or(0, |s| s[i]);
        let mut rows: Vec<usize> = (0..input.time.len()).filter(|&i| input.status[i] == 1).collect();
        rows.sort_by(|&a, &b| strat(a).cmp(&strat(b)).then(input.time[a].total_cmp(&input.time[b])).then(a.cmp(&b)));
        for (key, tr) in [("x_identity", ZphTransform::Identity), ("x_log", ZphTransform::Log), ("x_rank", ZphTransform::Rank)] {
            let got = transform_times(input.time, input.status, &rows, tr);
            worst = worst.max(max_rel(&l(key), &got, &nums(&case[key]), &mut problems));
        }
        let eterms = case["terms"].as_array().unwrap();
        assert_eq!(eterms.len(), res.terms.len(), "{name}: terms");
        for (e, t) in eterms.iter().zip(&res.terms) {
            assert_eq!(e["name"].as_str().unwrap(), t.name, "{name}");
            let tl = |what: &str| format!("{name}.{}.{what}", t.name);
            worst = worst.max(max_rel(&tl("coef"), &[t.coef], &[e["coef"].as_f64().unwrap()], &mut problems));
            worst = worst.max(max_rel(&tl("var"), &[t.var], &[e["var"].as_f64().unwrap()], &mut problems));
            worst = worst.max(max_rel(&tl("y"), &t.y, &nums(&e["y"]), &mut problems));
            // plot.cox.zph's 40-point smoother from the same residuals.
            let sm = smooth(&res.x, &t.y, t.var, 4, 40).unwrap_or_else(|| panic!("{name}.{}: no smoother", t.name));
            for key in ["x", "fit", "lower", "upper"] {
                let got = match key { "x" => &sm.x, "fit" => &sm.fit, "lower" => &sm.lower, _ => &sm.upper };
                worst = worst.max(max_rel(&tl(&format!("smooth.{key}")), got, &nums(&e["smooth"][key]), &mut problems));
            }
        }
        report.push(format!("{name}: max rel diff {worst:.2e}"));
    }
    println!("{}", report.join("\n"));
    assert!(problems.is_empty(), "{} differences from R:\n{}", problems.len(), problems.iter().take(40).cloned().collect::<Vec<_>>().join("\n"));
}
