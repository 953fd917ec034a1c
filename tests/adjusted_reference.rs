//! The adjusted-comparison cases of the contract's part 2 (`tests/reference/designs/`, R's
//! results copied from the shared reference): RMST difference, natural splines, interactions,
//! subgroups, direct standardisation and propensity scores, run through the library and
//! compared field by field with the contract's tolerances (as `compare_reference.py`).

use serde_json::Value;

#[path = "support/compare.rs"]
mod support;

/// Run the named cases of `designs/FILE` and compare the fields listed (all when `fields` is
/// empty). Returns the failures.
fn run(file: &str, cases: &[&str], fields: &[&str]) -> Vec<String> {
    let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reference/designs"));
    let reference: Value = serde_json::from_str(&std::fs::read_to_string(dir.join(file)).unwrap()).unwrap();
    let data = reference["file"].as_str().unwrap();
    let bytes = std::fs::read(dir.join(data)).unwrap();
    let mut failures = Vec::new();
    let mut seen = 0;
    for case in reference["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        if !cases.contains(&name) {
            continue;
        }
        seen += 1;
        let spec = cohort::AnalysisSpec::from_json(&case["spec"].to_string()).unwrap();
        let report = match cohort::analyze_bytes(&bytes, data, &spec) {
            Ok(r) => r,
            Err(e) => {
                failures.push(format!("{name}: error {e}"));
                continue;
            }
        };
        let act: Value = serde_json::from_str(&report.to_json()).unwrap();
        let mut expected = case["expected"].clone();
        if !fields.is_empty() {
            expected.as_object_mut().unwrap().retain(|k, _| fields.contains(&k.as_str()));
            assert_eq!(expected.as_object().unwrap().len(), fields.len(), "{name}: the reference lacks a field of {fields:?}");
        }
        let out = support::compare(&expected, &act, name, "").problems;
        if !out.is_empty() {
            failures.push(format!("{name}: {} differences\n    {}", out.len(), out.iter().take(10).cloned().collect::<Vec<_>>().join("\n    ")));
        }
    }
    assert_eq!(seen, cases.len(), "{file}: some of {cases:?} are not in the reference");
    failures
}

/// `summary(survfit(Surv(time, status == 2) ~ sex, lung), rmean = 365)`: the difference of the
/// two RMSTs with se = sqrt(se1² + se2²), its 95% interval and p; the curves and log-rank too.
#[test]
fn rmst_difference_matches_r() {
    let f = run("designs_lung.expected.json", &["rmst_diff_sex"], &[]);
    assert!(f.is_empty(), "{}", f.join("\n"));
}

/// `coxph(Surv(time, status) ~ ns(age, df = 3) + factor(sex), lung)`: the basis with R's
/// knots gives R's coefficients `age[1]..age[3]`, tests, concordance and PH test; `spline[]`
/// holds the LR test against linear age and the hazard-ratio curve against the median.
#[test]
fn natural_spline_matches_r() {
    let f = run("designs_lung.expected.json", &["spline_age"], &[]);
    assert!(f.is_empty(), "{}", f.join("\n"));
}

/// `coxph(Surv(time, status) ~ factor(sex) + age + ph.ecog + factor(sex):age, lung)`.
#[test]
fn interaction_term_matches_r() {
    let f = run("designs_lung.expected.json", &["interaction_sex_age"], &[]);
    assert!(f.is_empty(), "{}", f.join("\n"));
}

/// `coxph(Surv(time, status) ~ trt, veteran, subset = celltype == L)` per level of celltype and
/// prior, and `anova(coxph(~ trt + factor(c)), coxph(~ trt * factor(c)))` per column.
#[test]
fn subgroups_match_r() {
    let f = run("designs_veteran.expected.json", &["subgroups_trt"], &[]);
    assert!(f.is_empty(), "{}", f.join("\n"));
}

/// `fit <- coxph(Surv(time, status) ~ factor(trt) + karno + age + celltype, veteran)`; for each
/// level L, `rowMeans(survfit(fit, newdata = transform(veteran, trt = L))$surv)` at every time
/// (Efron's baseline, as the fit's ties) and at the landmark times.
#[test]
fn direct_standardisation_matches_r() {
    let f = run("designs_veteran.expected.json", &["adjusted_direct"], &[]);
    assert!(f.is_empty(), "{}", f.join("\n"));
}

/// `glm(I(trt == 2) ~ karno + age + celltype, binomial, veteran)`: coefficients, effective
/// sample sizes (Σw)²/Σw² per arm and standardised mean differences before and after
/// weighting, for stabilised ATE and for ATT weights; then the weighted Cox model of trt,
/// `coxph(Surv(time, status) ~ factor(trt), weights = w, robust = TRUE)`, and no log-rank.
/// (The weighted Kaplan-Meier curves are compared by `compare_reference.py`; where a curve
/// reaches 0, see the report of this branch.)
#[test]
fn propensity_model_weights_and_balance_match_r() {
    let f = run("designs_veteran.expected.json", &["propensity_ate_stabilized", "propensity_att"], &["propensity", "n", "events", "cox", "logrank"]);
    assert!(f.is_empty(), "{}", f.join("\n"));
}

/// The R script export re-runs the adjusted comparisons: run it (when Rscript is installed) on
/// the reference cases' specs and find the report's numbers in R's output.
#[test]
fn r_script_reproduces_the_adjusted_comparisons() {
    if std::process::Command::new("Rscript").arg("--version").output().is_err() {
        eprintln!("Rscript not installed: the R script export is not run");
        return;
    }
    let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reference/designs"));
    let work = std::env::temp_dir().join(format!("cohort-adjusted-r-{}", std::process::id()));
    std::fs::create_dir_all(&work).unwrap();
    let cases = [
        ("designs_lung", "rmst_diff_sex"),
        ("designs_lung", "spline_age"),
        ("designs_lung", "interaction_sex_age"),
        ("designs_veteran", "subgroups_trt"),
        ("designs_veteran", "adjusted_direct"),
        ("designs_veteran", "propensity_ate_stabilized"),
        ("designs_veteran", "propensity_att"),
    ];
    for (file, name) in cases {
        let reference: Value = serde_json::from_str(&std::fs::read_to_string(dir.join(format!("{file}.expected.json"))).unwrap()).unwrap();
        let case = reference["cases"].as_array().unwrap().iter().find(|c| c["name"] == name).unwrap();
        let data = format!("{file}.csv");
        std::fs::copy(dir.join(&data), work.join(&data)).unwrap();
        let spec = cohort::AnalysisSpec::from_json(&case["spec"].to_string()).unwrap();
        let report = cohort::analyze_bytes(&std::fs::read(dir.join(&data)).unwrap(), &data, &spec).unwrap();
        let script = cohort::export::r_script(&spec, &data);
        std::fs::write(work.join(format!("{name}.R")), &script).unwrap();
        let out = std::process::Command::new("Rscript").arg(format!("{name}.R")).current_dir(&work).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{name}:\n{script}\n{text}\n{}", String::from_utf8_lossy(&out.stderr));
        // R prints 4–7 significant digits: some number of its output must agree with the
        // report's to 1e-3 (relative).
        let numbers: Vec<f64> = text.split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == 'e')).filter_map(|t| t.parse::<f64>().ok()).collect();
        let want: Vec<f64> = match name {
            "rmst_diff_sex" => vec![report.rmst_diff[0].diff],
            "spline_age" => vec![report.spline[0].nonlinear.as_ref().unwrap().chisq, report.cox.as_ref().unwrap().terms[2].coef],
            "interaction_sex_age" => vec![report.cox.as_ref().unwrap().terms[3].coef],
            "subgroups_trt" => vec![report.subgroups[0].hr, report.interaction[0].chisq],
            "adjusted_direct" => report.adjusted.iter().map(|a| a.at[1].surv).collect(),
            _ => {
                let p = report.propensity.as_ref().unwrap();
                vec![p.terms[1].coef, p.ess[0].ess, p.balance[1].smd_after, report.cox.as_ref().unwrap().terms[0].coef]
            }
        };
        for x in want {
            assert!(numbers.iter().any(|t| (t - x).abs() <= 1e-3 * x.abs()), "{name}: {x} not in R's output:\n{text}");
        }
    }
}
