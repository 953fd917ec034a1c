//! The methods-and-results paragraph says what the adjusted comparisons and the restricted mean
//! did and found (src/export/methods_adjusted.rs): propensity weighting (and then no Greenwood
//! variance and no log-rank test), RMST and its difference, direct adjustment, subgroups,
//! interactions and splines; and under disclosure control it writes nothing of a withheld group.

use cohort::export::{methods_text, methods_text_k};
use cohort::{analyze_bytes, AnalysisSpec, Report};

fn veteran(spec: serde_json::Value) -> Report {
    let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reference/designs/designs_veteran.csv")).unwrap();
    let mut s = serde_json::json!({"time": "time", "event": {"column": "status", "event": ["1"]}, "group": "trt"});
    s.as_object_mut().unwrap().extend(spec.as_object().unwrap().clone());
    analyze_bytes(&bytes, "designs_veteran.csv", &AnalysisSpec::from_json(&s.to_string()).unwrap()).unwrap()
}

fn has(text: &str, part: &str) {
    assert!(text.contains(part), "{part:?} not in:\n{text}");
}

fn lacks(text: &str, part: &str) {
    assert!(!text.contains(part), "{part:?} in:\n{text}");
}

#[test]
fn propensity_weighting_is_described_and_its_variance_named() {
    let r = veteran(serde_json::json!({"rmst_tau": 180, "propensity": {"treatment": "trt", "covariates": ["karno", "age", "celltype"], "estimand": "ATE", "stabilize": true}}));
    let m = methods_text(&r);
    has(&m, "inverse-probability-of-treatment weights (ATE, stabilised) from a logistic propensity-score model of 'trt' on 'karno', 'age' and 'celltype'");
    has(&m, "95% confidence intervals used robust (infinitesimal-jackknife) standard errors");
    lacks(&m, "Greenwood");
    lacks(&m, "compared with the log-rank test");
    let p = r.propensity.as_ref().unwrap();
    has(&m, &format!("the largest absolute standardised mean difference was {:.3}", p.max_smd_after));
    has(&m, &format!("the effective sample sizes were {:.1} ('trt' = 1) and {:.1} ('trt' = 2)", p.ess[0].ess, p.ess[1].ess));
    // The weighted RMSTs and their difference, as the report carries them.
    let (a, b) = (r.km[0].rmst.as_ref().unwrap(), r.km[1].rmst.as_ref().unwrap());
    has(&m, "(robust standard errors under the weights)");
    has(&m, &format!("The RMST up to 180 was in group 1: {:.1} (SE {:.2}); in group 2: {:.1}", a.estimate, a.std_err, b.estimate));
    has(&m, &format!("the difference was 2 − 1: {:.1}", r.rmst_diff[0].diff));
    // Asked for but not applicable (a treatment of four levels): said, and the analysis plain.
    let not = veteran(serde_json::json!({"group": "celltype", "propensity": {"treatment": "celltype", "covariates": ["karno"]}}));
    let m = methods_text(&not);
    has(&m, "Propensity-score weighting of 'celltype' was asked for but not applied");
    has(&m, "Greenwood's variance");
}

#[test]
fn adjusted_curves_subgroups_and_rmst_are_described_with_their_results() {
    let r = veteran(serde_json::json!({"times": [30, 90], "covariates": ["karno", "age", "celltype"], "adjusted": "direct", "subgroups": ["celltype"], "rmst_tau": 180}));
    let m = methods_text(&r);
    has(&m, "Adjusted survival curves were obtained by direct standardisation: the Cox model of 'trt' and 'karno', 'age' and 'celltype'");
    has(&m, "their 95% bands used infinitesimal-jackknife standard errors");
    let a = &r.adjusted[0].at[0];
    has(&m, &format!("Adjusted survival was in group 1 {:.1}% at 30 (95% CI {:.1}–{:.1}%)", a.surv * 100.0, a.lower * 100.0, a.upper * 100.0));
    has(&m, "Hazard ratios of 'trt' were estimated within each level of 'celltype'");
    has(&m, &format!("tests of interaction: celltype p = {:.3}", r.interaction[0].p));
    has(&m, "The restricted mean survival time (RMST) up to 180 was the area under each Kaplan-Meier curve; groups were compared by the difference in RMST");
    has(&m, "compared with the log-rank test");
    has(&m, "Greenwood's variance");
    // Disclosure control at a k above both groups' sizes (69 and 68): no group's RMST, adjusted
    // survival or subgroup hazard ratio is written.
    let k = methods_text_k(&r, Some(70));
    lacks(&k, "The RMST up to 180 was");
    lacks(&k, "Adjusted survival was");
    lacks(&k, &format!("{:.1}%", a.surv * 100.0));
}

#[test]
fn interactions_and_splines_are_named_as_the_model_holds_them() {
    let r = veteran(serde_json::json!({"covariates": ["karno", "age", "celltype"], "interactions": [["karno", "age"], ["karno", "celltype"]], "splines": [{"column": "age", "df": 3}]}));
    let m = methods_text(&r);
    // karno × age was left out (age is a spline): only the interaction the model holds.
    has(&m, "The Cox model included the interaction 'karno' × 'celltype'.");
    lacks(&m, "'karno' × 'age'");
    has(&m, "'age' entered the Cox model as a natural cubic spline with 3 degrees of freedom");
    let t = r.spline[0].nonlinear.as_ref().unwrap();
    assert!(t.chisq >= 0.0);
    has(&m, &format!("The test of non-linearity of 'age' had p = {:.2} (chi-square {:.2}, 2 df)", t.p, t.chisq));
}
