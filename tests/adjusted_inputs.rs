//! Adjusted comparisons on awkward input: each problem gets a named warning (or a clear spec
//! error), and the rest of the analysis is still there. Also the term layout of interactions
//! against R.

use cohort::{analyze_bytes, AnalysisSpec, Report};

fn data(file: &str) -> Vec<u8> {
    std::fs::read(std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reference/designs")).join(file)).unwrap()
}

fn run(bytes: &[u8], name: &str, spec: serde_json::Value) -> Report {
    let spec = AnalysisSpec::from_json(&spec.to_string()).unwrap();
    analyze_bytes(bytes, name, &spec).unwrap()
}

fn veteran(extra: serde_json::Value) -> Report {
    let mut spec = serde_json::json!({"time": "time", "event": {"column": "status", "event": ["1"]}});
    spec.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    run(&data("designs_veteran.csv"), "designs_veteran.csv", spec)
}

fn lung(extra: serde_json::Value) -> Report {
    let mut spec = serde_json::json!({"time": "time", "event": {"column": "status", "event": ["2"]}});
    spec.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    run(&data("designs_lung.csv"), "designs_lung.csv", spec)
}

fn warned(r: &Report, text: &str) -> bool {
    r.warnings.iter().any(|w| w.contains(text))
}

/// R: `coxph(Surv(time, status == 2) ~ factor(sex) + ecog + age + ph.karno + factor(sex):ecog
/// + age:ph.karno, lung)` with `ecog = factor(ph.ecog)`: coefficients (printed with 15 digits)
/// and R's NA for sex2:ecog3 (no woman has ph.ecog 3), loglik −739.060518286, −721.828604532.
#[test]
fn categorical_and_numeric_interactions_match_r() {
    let r = lung(serde_json::json!({"covariates": ["sex", "ph.ecog", "age", "ph.karno"], "categorical": ["sex", "ph.ecog"],
        "interactions": [["sex", "ph.ecog"], ["age", "ph.karno"]]}));
    let cox = r.cox.as_ref().unwrap();
    let want = [
        ("sex=2", -0.57153974702330),
        ("ph.ecog=1", 0.56843210998653),
        ("ph.ecog=2", 1.09607140939847),
        ("ph.ecog=3", 2.50834888544268),
        ("age", -0.09453699517313),
        ("ph.karno", -0.07195697864545),
        ("sex=2:ph.ecog=1", -0.05937426279760),
        ("sex=2:ph.ecog=2", 0.27345232598948),
        // R's NA, kept in its place with null values (the contract's rule for NA terms).
        ("sex=2:ph.ecog=3", f64::NAN),
        ("age:ph.karno", 0.00130412810729),
    ];
    let got: Vec<(&str, f64)> = cox.terms.iter().map(|t| (t.name.as_str(), t.coef)).collect();
    assert_eq!(got.len(), want.len(), "{got:?}");
    for ((n, c), (wn, wc)) in got.iter().zip(want) {
        assert_eq!(*n, wn);
        assert!((c.is_nan() && wc.is_nan()) || (c - wc).abs() <= 1e-6 * wc.abs(), "{n}: {c} vs {wc}");
    }
    assert_eq!(cox.dropped, vec!["sex=2:ph.ecog=3".to_string()]);
    assert!((cox.loglik[1] - -721.828604532).abs() < 1e-6);
    assert!(warned(&r, "'sex=2:ph.ecog=3' has the same value in every row"));
}

/// ph.ecog has 4 distinct values: a spline with df = 3 needs 5. The column enters linearly, the
/// warning says why and what to do, and the model is fitted.
#[test]
fn spline_on_too_few_values_enters_linearly() {
    let r = lung(serde_json::json!({"covariates": ["ph.ecog", "age"], "splines": [{"column": "ph.ecog", "df": 3}, {"column": "age", "df": 2}]}));
    assert!(warned(&r, "spline of 'ph.ecog' not used: it has 4 distinct values among the model's rows, fewer than df + 2 = 5"), "{:?}", r.warnings);
    let names: Vec<&str> = r.cox.as_ref().unwrap().terms.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["ph.ecog", "age[1]", "age[2]"]);
    assert_eq!(r.spline.len(), 1);
    assert_eq!(r.spline[0].nonlinear.as_ref().unwrap().df, 1.0);
    assert_eq!(r.spline[0].curve.len(), 50);
}

/// Keys naming columns the model does not hold are named in warnings and left out.
#[test]
fn splines_and_interactions_outside_the_model_are_named() {
    let r = lung(serde_json::json!({"covariates": ["age", "sex"], "categorical": ["sex"], "splines": [{"column": "ph.karno", "df": 3}],
        "interactions": [["sex", "wt.loss"], ["age", "sex"]]}));
    assert!(warned(&r, "spline of 'ph.karno' not used: 'ph.karno' is not among the covariates"));
    assert!(warned(&r, "interaction sex:wt.loss left out: 'wt.loss' not among the covariates"));
    let names: Vec<&str> = r.cox.as_ref().unwrap().terms.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["age", "sex=2", "age:sex=2"]);
}

/// A spline of a categorical column, and an interaction with a spline: named, not done.
#[test]
fn spline_of_a_category_and_interaction_with_a_spline_are_refused() {
    let r = lung(serde_json::json!({"covariates": ["age", "sex"], "categorical": ["sex"], "splines": [{"column": "sex", "df": 2}, {"column": "age", "df": 2}],
        "interactions": [["age", "sex"]]}));
    assert!(warned(&r, "spline of 'sex' not used: the column is categorical"));
    assert!(warned(&r, "interaction age:sex left out: an interaction with a spline covariate is not supported"));
    assert!(r.cox.is_some());
    // The interaction left out of the spline model is left out of its linear comparison too:
    // the test of non-linearity is the one without the interaction (it was a negative
    // chi-square, the linear model having the extra term).
    let with = lung(serde_json::json!({"covariates": ["age", "ph.ecog"], "splines": [{"column": "age", "df": 3}], "interactions": [["age", "ph.ecog"]]}));
    let without = lung(serde_json::json!({"covariates": ["age", "ph.ecog"], "splines": [{"column": "age", "df": 3}]}));
    let (a, b) = (with.spline[0].nonlinear.as_ref().unwrap(), without.spline[0].nonlinear.as_ref().unwrap());
    assert!(a.chisq >= 0.0 && (a.chisq - b.chisq).abs() < 1e-9 && a.df == b.df, "{a:?} vs {b:?}");
}

/// A treatment with more than two levels (celltype has four): the propensity step says so and
/// the analysis is the unweighted one (curves and log-rank by group).
#[test]
fn propensity_needs_a_two_level_treatment() {
    let r = veteran(serde_json::json!({"group": "celltype", "propensity": {"treatment": "celltype", "covariates": ["karno", "age"]}}));
    assert!(warned(&r, "propensity weighting not done: the treatment 'celltype' has 4 levels among the analysed rows (adeno, large, smallcell, squamous)"));
    assert!(r.propensity.is_none() && r.logrank.is_some() && r.km.len() == 4);
    let one = veteran(serde_json::json!({"filters": [{"column": "trt", "op": "in", "values": ["1"]}], "propensity": {"treatment": "trt", "covariates": ["karno"]}}));
    assert!(warned(&one, "the treatment 'trt' has 1 level among the analysed rows (1)"), "{:?}", one.warnings);
    assert_eq!(one.km.len(), 1);
}

/// x = 3·trt + (age odd): x > 4 exactly when trt = 2, a perfect separation. The logistic fit's
/// probabilities run to 0 and 1; the warning names the treatment and a line, and the analysis
/// is shown unweighted.
#[test]
fn perfect_separation_is_named_and_the_analysis_stays() {
    let text = String::from_utf8(data("designs_veteran.csv")).unwrap();
    let mut csv = String::from("time,status,trt,x,age\n");
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let (trt, age): (i64, i64) = (f[0].parse().unwrap(), f[6].parse().unwrap());
        csv.push_str(&format!("{},{},{},{},{}\n", f[2], f[3], trt, 3 * trt + age % 2, age));
    }
    let r = run(csv.as_bytes(), "separated.csv", serde_json::json!({"time": "time", "event": {"column": "status", "event": ["1"]}, "group": "trt",
        "propensity": {"treatment": "trt", "covariates": ["x", "age"]}}));
    assert!(warned(&r, "propensity weighting not done: the covariates separate 'trt' perfectly (or almost)"), "{:?}", r.warnings);
    assert!(warned(&r, "The analysis below is unweighted."));
    assert!(r.propensity.is_none() && r.logrank.is_some() && r.km.len() == 2);
}

/// Subgroups need a two-level group; a level without events is named and has no estimate.
#[test]
fn subgroup_problems_are_named() {
    let r = veteran(serde_json::json!({"subgroups": ["celltype"]}));
    assert!(warned(&r, "subgroups not analysed: they compare the two levels of the group, and no group is set"));
    let r = veteran(serde_json::json!({"group": "celltype", "subgroups": ["prior"]}));
    assert!(warned(&r, "group 'celltype' has 4 levels among the analysed rows; choose a two-level group"));
    let r = veteran(serde_json::json!({"group": "trt", "subgroups": ["status", "prior"]}));
    let zero = r.subgroups.iter().find(|s| s.column == "status" && s.level == "0").unwrap();
    assert_eq!((zero.n, zero.events), (9, 0));
    assert!(zero.hr.is_nan());
    assert!(warned(&r, "subgroup status = 0: no events among its 9 rows"));
    // The other columns are still analysed.
    assert_eq!(r.subgroups.iter().filter(|s| s.column == "prior").count(), 2);
    assert_eq!(r.interaction.iter().map(|t| t.column.as_str()).collect::<Vec<_>>(), ["status", "prior"]);
}

/// Small subgroup levels are flagged for disclosure control.
#[test]
fn small_subgroup_levels_are_flagged() {
    let r = veteran(serde_json::json!({"group": "trt", "subgroups": ["karno"]}));
    let small: Vec<&str> = r.subgroups.iter().filter(|s| s.small).map(|s| s.level.as_str()).collect();
    assert!(small.contains(&"10") && !small.contains(&"60"), "{small:?}");
    assert!(r.subgroups.iter().all(|s| s.small == (s.n < 5)));
    assert!(warned(&r, "subgroup karno = 10: fewer than 5 patients"));
}

/// Adjusted curves need one group column and no strata.
#[test]
fn adjusted_curve_problems_are_named() {
    let r = veteran(serde_json::json!({"group": "trt", "strata": "prior", "covariates": ["karno"], "adjusted": "direct"}));
    assert!(warned(&r, "adjusted curves not made: with strata each stratum has its own baseline hazard"));
    assert!(r.adjusted.is_empty() && r.km.len() == 2);
    let r = veteran(serde_json::json!({"group": ["trt", "prior"], "covariates": ["karno"], "adjusted": "direct"}));
    assert!(warned(&r, "the group 'trt × prior' crosses two columns"));
    let r = veteran(serde_json::json!({"covariates": ["karno"], "adjusted": "direct"}));
    assert!(warned(&r, "adjusted curves not made: they need a group"));
}

/// Spec mistakes are errors that say what to change.
#[test]
fn spec_mistakes_are_clear_errors() {
    let base = r#"{"time":"time","event":{"column":"status","event":["1"]},"#;
    for (bad, says) in [
        (r#""splines":[{"column":"age","df":0}]}"#, "df of 'age' must be a whole number from 1 to 10"),
        (r#""splines":[{"column":"age","df":2},{"column":"age","df":3}]}"#, "'age' is listed twice"),
        (r#""interactions":[["age","age"]]}"#, "pairs a column with itself"),
        (r#""propensity":{"treatment":"trt","covariates":[]}}"#, "list the confounders of 'trt'"),
        (r#""propensity":{"treatment":"trt","covariates":["trt","age"]}}"#, "also listed among its covariates"),
        (r#""propensity":{"treatment":"trt","covariates":["age"]},"weights":{"column":"w","kind":"sampling"}}"#, "propensity cannot be combined with weights"),
        (r#""propensity":{"treatment":"trt","covariates":["age"],"estimand":"ATC"}}"#, "unknown value 'ATC', expected ATE or ATT"),
        (r#""adjusted":"indirect"}"#, "expected direct"),
    ] {
        let e = AnalysisSpec::from_json(&format!("{base}{bad}")).unwrap_err().to_string();
        assert!(e.contains(says), "{bad}: {e}");
    }
}

/// The propensity report says what the estimate means and flags extreme weights; ATT weights
/// of the treated are 1 (effective sample size = n).
#[test]
fn propensity_report_explains_itself() {
    let r = veteran(serde_json::json!({"group": "trt", "propensity": {"treatment": "trt", "covariates": ["karno", "age", "celltype"], "estimand": "ATT"}}));
    let p = r.propensity.as_ref().unwrap();
    assert!(p.meaning.contains("among patients like those who received 2"), "{}", p.meaning);
    assert_eq!((p.estimand, p.stabilize), ("ATT", false));
    assert_eq!(p.ess[1].ess, 68.0);
    assert_eq!((p.ess[1].min_weight, p.ess[1].max_weight), (1.0, 1.0));
    assert_eq!(p.extreme, 0);
    assert!(warned(&r, "no log-rank test with sampling weights"));
    // Unstabilised ATE on a strong predictor: weights above 10 are counted and named.
    let r = veteran(serde_json::json!({"group": "trt", "propensity": {"treatment": "trt", "covariates": ["time", "karno", "celltype", "age", "diagtime"], "stabilize": false}}));
    let p = r.propensity.as_ref().unwrap();
    assert_eq!(p.extreme, p.ess.iter().map(|e| e.extreme).sum::<usize>());
    assert_eq!(p.extreme > 0, warned(&r, "weigh more than 10"));
}
