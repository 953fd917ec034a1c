//! Study designs on small hand-made files: the rows each design keys analyses, the warnings
//! that name bad input by file line, and frequency weights as repeated rows. (The R cases are
//! in `tests/designs_reference.rs`.)

use cohort::{analyze_bytes, AnalysisSpec, Report};

fn run(csv: &str, spec: &str) -> Report {
    analyze_bytes(csv.as_bytes(), "t.csv", &AnalysisSpec::from_json(spec).unwrap()).unwrap()
}

fn warned(r: &Report, parts: &[&str]) -> bool {
    r.warnings.iter().any(|w| parts.iter().all(|p| w.contains(p)))
}

/// Start–stop rows with every kind of bad interval; each is named by its file line.
#[test]
fn start_stop_problems_are_named_by_line() {
    let csv = "id,start,stop,status\n\
               1,0,5,0\n\
               1,5,9,1\n\
               2,0,4,1\n\
               2,3,8,1\n\
               3,6,6,1\n\
               4,0,3,0\n\
               4,5,9,1\n\
               5,,7,1\n\
               6,0,2,1\n\
               6,2,5,1\n";
    let r = run(csv, r#"{"entry":"start","time":"stop","event":{"column":"status","event":["1"]},"id":"id"}"#);
    assert!(warned(&r, &["overlaps", "line 5"]), "{:#?}", r.warnings);
    assert!(warned(&r, &["not before the exit", "line 6"]), "{:#?}", r.warnings);
    assert!(warned(&r, &["entry 'start' is missing", "line 9"]), "{:#?}", r.warnings);
    assert!(warned(&r, &["gap", "line 8"]), "{:#?}", r.warnings);
    assert!(warned(&r, &["several events", "lines 10, 11"]), "{:#?}", r.warnings);
    // Patients 1, 2, 4, 6 remain (3 and 5 lost their only rows); 7 rows.
    assert_eq!(r.km[0].n, 4);
    assert_eq!(r.n, 7);
    // Patient 1's (0,5] continues into (5,9]: no censoring at 5.
    assert!(r.km[0].steps.iter().all(|s| s.time != 5.0 || s.n_censor == 0.0));
}

/// Time-varying exposure, one row per patient, checked against R:
///   tmerge(d, d, id = id, ev = event(time, status), tx_on = tdc(tx)) gives the intervals
///   (0,4] 0 / (4,10] 1 (line 2), (0,8] 0, (0,6] 0 (exposure on the last day ignored),
///   (0,5] 0 (exposure after the end), (0,7] 1 (exposure before the start), (0,12] 1
///   (exposure at 0); the row with zero follow-up (line 7) is dropped.
///   survfit(Surv(tstart, tstop, ev) ~ tx_on, id = id): tx_on=0: at 5 n.risk 3, S .667; at 6
///   n.risk 2, S .333; tx_on=1: at 10 n.risk 2, S .5; at 12 n.risk 1, S 0.
///   coxph(Surv(tstart, tstop, ev) ~ tx_on, ties = "breslow") score test 2.469387755102041.
#[test]
fn time_varying_exposure_is_split_as_tmerge() {
    let csv = "time,status,tx\n10,1,4\n8,0,\n6,1,6\n5,1,9\n7,0,-2\n0,0,\n12,1,0\n";
    let spec = r#"{"time":"time","event":{"column":"status","event":["1"]},"time_varying":[{"name":"tx_on","at":"tx"}],"group":"tx_on","covariates":["tx_on"]}"#;
    let r = run(csv, spec);
    assert_eq!(r.groups, vec!["0", "1"]);
    assert_eq!(r.n, 6);
    let step = |g: usize, t: f64| r.km[g].steps.iter().find(|s| s.time == t).cloned().unwrap();
    assert_eq!((step(0, 5.0).n_risk, step(0, 6.0).n_risk), (3.0, 2.0));
    assert!((step(0, 6.0).surv - 1.0 / 3.0).abs() < 1e-12);
    assert_eq!((step(1, 10.0).n_risk, step(1, 10.0).surv, step(1, 12.0).surv), (2.0, 0.5, 0.0));
    assert_eq!((r.km[0].n, r.km[1].n), (4, 3));
    let lr = r.logrank.as_ref().unwrap();
    assert!((lr.chisq - 2.469387755102041).abs() < 1e-12, "{lr:?}");
    assert_eq!(r.cox.as_ref().unwrap().n, 7);
    assert!(warned(&r, &["after the end of follow-up", "line 5"]), "{:#?}", r.warnings);
    assert!(warned(&r, &["before the start of follow-up", "line 6"]), "{:#?}", r.warnings);
    assert!(warned(&r, &["zero follow-up", "line 7"]), "{:#?}", r.warnings);
    assert!(!r.warnings.iter().any(|w| w.contains("line 8")), "{:#?}", r.warnings);
}

/// Landmark at 3: rows ending by 3 are left out (counted in a warning); with `reset` times are
/// measured from 3; a time-varying covariate takes its value at 3 (exposed when its time ≤ 3).
#[test]
fn landmark_keeps_rows_at_risk_and_fixes_exposure() {
    let csv = "time,status,tx\n2,1,\n3,1,1\n5,1,2\n6,0,4\n8,1,\n9,1,3\n";
    let base = r#""time":"time","event":{"column":"status","event":["1"]},"time_varying":[{"name":"tx_on","at":"tx"}],"group":"tx_on""#;
    let keep = run(csv, &format!(r#"{{{base},"landmark":{{"time":3,"reset":false}}}}"#));
    let reset = run(csv, &format!(r#"{{{base},"landmark":{{"time":3,"reset":true}}}}"#));
    assert!(warned(&keep, &["landmark at 3", "2 of 6 rows"]), "{:#?}", keep.warnings);
    assert_eq!(keep.n, 4);
    // Exposed at 3: tx 2 (time 5) and tx 3 (time 9); tx 4 comes later.
    let times = |r: &Report, g: usize| r.km[g].steps.iter().map(|s| s.time).collect::<Vec<_>>();
    assert_eq!(times(&keep, 0), vec![6.0, 8.0]);
    assert_eq!(times(&keep, 1), vec![5.0, 9.0]);
    assert_eq!(times(&reset, 1), vec![2.0, 6.0]);
    assert_eq!(keep.km[1].steps[0].surv, reset.km[1].steps[0].surv);
    assert_eq!(keep.logrank, reset.logrank);
}

/// Frequency weights: every field is that of the rows repeated w times.
#[test]
fn frequency_weights_equal_repeated_rows() {
    let counts = "time,status,sex,n\n3,1,a,2\n5,0,a,1\n5,1,b,3\n7,1,a,1\n8,0,b,2\n9,1,b,1\n4,1,b,0\n";
    let mut expanded = String::from("time,status,sex\n");
    for line in counts.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        for _ in 0..f[3].parse::<usize>().unwrap() {
            expanded.push_str(&format!("{},{},{}\n", f[0], f[1], f[2]));
        }
    }
    let spec = r#""time":"time","event":{"column":"status","event":["1"]},"group":"sex","covariates":["sex"],"times":[4,8],"rmst_tau":8"#;
    let a = run(counts, &format!(r#"{{{spec},"weights":{{"column":"n","kind":"frequency"}}}}"#));
    let b = run(&expanded, &format!("{{{spec}}}"));
    assert_eq!(a.n, 10);
    assert_eq!((a.n, a.events), (b.n, b.events));
    assert_eq!(format!("{:?}", a.km), format!("{:?}", b.km));
    assert_eq!(a.logrank, b.logrank);
    let (ca, cb) = (a.cox.as_ref().unwrap(), b.cox.as_ref().unwrap());
    assert_eq!(format!("{:?}", ca.terms), format!("{:?}", cb.terms));
    assert!(warned(&a, &["frequency weight 0", "line 8"]), "{:#?}", a.warnings);
}

#[test]
fn bad_weights_are_named() {
    let csv = "time,status,w\n3,1,1\n5,0,-1\n5,1,1.5\n7,1,\n8,0,x\n9,1,2\n";
    let spec = |kind: &str| format!(r#"{{"time":"time","event":{{"column":"status","event":["1"]}},"weights":{{"column":"w","kind":"{kind}"}}}}"#);
    let f = run(csv, &spec("frequency"));
    assert!(warned(&f, &["negative", "line 3"]), "{:#?}", f.warnings);
    assert!(warned(&f, &["not a whole number", "line 4"]), "{:#?}", f.warnings);
    assert!(warned(&f, &["missing", "line 5"]), "{:#?}", f.warnings);
    assert!(warned(&f, &["'x'", "line 6"]), "{:#?}", f.warnings);
    assert_eq!(f.n, 3);
    let s = run(csv, &spec("sampling"));
    assert_eq!(s.n, 3);
    assert!(!warned(&s, &["line 4"]), "a sampling weight need not be whole: {:#?}", s.warnings);
    let zero = "time,status,w\n3,1,0\n5,0,0\n";
    let e = analyze_bytes(zero.as_bytes(), "z.csv", &AnalysisSpec::from_json(&spec("sampling")).unwrap()).unwrap_err();
    assert!(e.to_string().contains("every weight in 'w' is zero"), "{e}");
}

/// Sampling weights: no log-rank test (null in the report, with a warning saying why); the
/// Cox model carries robust standard errors.
#[test]
fn sampling_weights_have_no_logrank_and_robust_cox() {
    let csv = "time,status,g,w\n3,1,a,0.5\n5,0,a,1.2\n5,1,b,2\n7,1,a,1\n8,0,b,0.7\n9,1,b,1.1\n4,1,b,0.9\n6,1,a,1.3\n";
    let r = run(csv, r#"{"time":"time","event":{"column":"status","event":["1"]},"group":"g","covariates":["g"],"weights":{"column":"w","kind":"sampling"}}"#);
    assert!(r.logrank.is_none());
    assert!(r.to_json().contains(r#""logrank":null"#));
    assert!(warned(&r, &["no log-rank test with sampling weights"]), "{:#?}", r.warnings);
    assert!(r.cox.as_ref().unwrap().terms[0].robust_se.is_some());
    assert_eq!((r.km[0].n, r.km[1].n), (4, 4));
}

#[test]
fn design_keys_are_checked() {
    let e = AnalysisSpec::from_json(r#"{"time":"t","event":{"column":"s","event":["1"]},"entry":"e","rho":1}"#).unwrap_err();
    assert!(e.to_string().contains("rho"), "{e}");
    let e = AnalysisSpec::from_json(r#"{"time":"t","event":{"column":"s","event":["1"]},"landmark":{"time":-1}}"#).unwrap_err();
    assert!(e.to_string().contains("landmark.time"), "{e}");
    let e = AnalysisSpec::from_json(r#"{"time":"t","event":{"column":"s","event":["1"]},"weights":{"column":"w","kind":"survey"}}"#).unwrap_err();
    assert!(e.to_string().contains("survey"), "{e}");
    let e = AnalysisSpec::from_json(r#"{"time":"t","event":{"column":"s","event":["1"],"competing":["2"]},"entry":"e"}"#).unwrap_err();
    assert!(e.to_string().contains("competing"), "{e}");
}

/// The R cross-check script of a design spec runs in R and reproduces the reference: the
/// time-varying Cox coefficient of `designs_jasa/transplant_time_varying`, the landmark
/// Kaplan-Meier and the weighted Cox model. Needs `Rscript` with the survival package (on the
/// developers' machines); says so and checks only the script's text without it.
#[test]
fn r_script_of_designs_reproduces_the_reference() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reference/designs");
    let cases = [
        ("designs_jasa", "transplant_time_varying", "tmerge", "-0.0945"),
        ("designs_jasa", "landmark60_transplant", "landmark", "-0.559"),
        ("designs_heart", "start_stop_efron", "Surv(.entry, .time", "0.0161"),
        ("designs_lung", "sampling_weights", "robust = TRUE", "0.0195"),
    ];
    let rscript = std::process::Command::new("Rscript").arg("-e").arg("library(survival)").output().is_ok_and(|o| o.status.success());
    if !rscript {
        eprintln!("Rscript with the survival package is not installed: the R scripts are checked as text only");
    }
    for (stem, name, has, coef) in cases {
        let reference: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(format!("{dir}/{stem}.expected.json")).unwrap()).unwrap();
        let case = reference["cases"].as_array().unwrap().iter().find(|c| c["name"] == name).unwrap();
        let spec = AnalysisSpec::from_json(&case["spec"].to_string()).unwrap();
        let file = reference["file"].as_str().unwrap();
        let script = cohort::export::r_script(&spec, file);
        assert!(script.contains(has), "{stem}/{name}:\n{script}");
        if rscript {
            let out = std::process::Command::new("Rscript").arg("-e").arg(&script).current_dir(dir).output().unwrap();
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(out.status.success() && text.contains(coef), "{stem}/{name}: R says\n{text}\n{}\n{script}", String::from_utf8_lossy(&out.stderr));
        }
    }
}

/// The methods paragraph names the design.
#[test]
fn methods_text_names_the_design() {
    let csv = "time,status,tx,e\n10,1,4,0\n8,0,,1\n6,1,6,0\n5,1,9,2\n7,0,-2,0\n12,1,0,3\n";
    let r = run(csv, r#"{"time":"time","event":{"column":"status","event":["1"]},"entry":"e","time_varying":[{"name":"tx_on","at":"tx"}],"group":"tx_on"}"#);
    let m = cohort::export::methods_text(&r);
    assert!(m.contains("left-truncated at each row's entry time ('e')"), "{m}");
    assert!(m.contains("'tx_on' was a time-varying exposure from the time in 'tx'") && m.contains("Simon–Makuch"), "{m}");
    assert!(m.contains("score test of a Cox model with Breslow ties"), "{m}");
    let r = run(csv, r#"{"time":"time","event":{"column":"status","event":["1"]},"landmark":{"time":5,"reset":true}}"#);
    assert!(cohort::export::methods_text(&r).contains("landmark analysis at 5, only patients alive and at risk"));
    let plain = run(csv, r#"{"time":"time","event":{"column":"status","event":["1"]}}"#);
    assert!(!cohort::export::methods_text(&plain).contains("landmark"));
}

/// Table 1 describes patients, not intervals: a patient split at exposure is counted once in
/// each group it spends time in (as the curves' n).
#[test]
fn table1_counts_patients_not_intervals() {
    let csv = "time,status,tx,age\n10,1,4,50\n8,0,,60\n6,1,6,55\n5,1,9,40\n7,0,-2,45\n12,1,0,35\n";
    let r = run(csv, r#"{"time":"time","event":{"column":"status","event":["1"]},"time_varying":[{"name":"tx_on","at":"tx"}],"group":"tx_on","table1":["age"]}"#);
    let t = serde_json::to_value(&r.table1.as_ref().unwrap()[0]).unwrap();
    let n: Vec<u64> = t["groups"].as_array().unwrap().iter().map(|g| g["n"].as_u64().unwrap()).collect();
    assert_eq!(n, vec![4, 3]);
    assert_eq!((r.km[0].n, r.km[1].n), (4, 3));
}

/// Splitting rows at an exposure that is only a model term leaves the curves as they were,
/// weighted jackknife errors included (the pieces of a patient's stay in one curve are joined),
/// and the weighted Cox model clusters a patient's pieces.
#[test]
fn splits_within_a_curve_leave_it_unchanged() {
    let csv = "time,status,tx,w\n10,1,4,0.5\n8,0,,1.2\n6,1,2,2\n5,1,9,1\n7,0,3,0.7\n12,1,0,1.1\n9,1,5,0.9\n4,0,1,1.3\n";
    let base = r#""time":"time","event":{"column":"status","event":["1"]},"weights":{"column":"w","kind":"sampling"},"times":[5,9]"#;
    let plain = run(csv, &format!("{{{base}}}"));
    let split = run(csv, &format!(r#"{{{base},"time_varying":[{{"name":"tx_on","at":"tx"}}],"covariates":["tx_on"]}}"#));
    // The same curve; the robust sums differ in their last bits (without entry Σw² of the rows
    // at risk is a suffix sum, with the split intervals' entries a running one).
    let same = |a: f64, b: f64| a == b || (a.is_nan() && b.is_nan()) || (a - b).abs() <= 1e-12 * a.abs().max(b.abs());
    assert_eq!(plain.km[0].steps.len(), split.km[0].steps.len());
    for (a, b) in plain.km[0].steps.iter().zip(&split.km[0].steps) {
        let (x, y) = ([a.time, a.n_risk, a.n_event, a.n_censor, a.surv, a.std_err, a.lower, a.upper, a.cumhaz, a.std_cumhaz], [b.time, b.n_risk, b.n_event, b.n_censor, b.surv, b.std_err, b.lower, b.upper, b.cumhaz, b.std_cumhaz]);
        assert!(x.iter().zip(&y).all(|(&u, &v)| same(u, v)), "{a:?}\n{b:?}");
    }
    for (a, b) in plain.km[0].at.iter().zip(&split.km[0].at) {
        assert!([(a.time, b.time), (a.n_risk, b.n_risk), (a.surv, b.surv), (a.std_err, b.std_err), (a.lower, b.lower), (a.upper, b.upper)].iter().all(|&(u, v)| same(u, v)), "{a:?}\n{b:?}");
    }
    // R: s <- tmerge(d, d, id = id, ev = event(time, status), tx_on = tdc(tx));
    // coxph(Surv(tstart, tstop, ev) ~ tx_on, data = s, weights = w, id = id, robust = TRUE):
    // coef −0.3514808779, se 1.268048092, robust se 1.112156952 (clustered on id), loglik
    // −6.878580652 −6.841602380, concordance 0.5552646888 (std 0.1427106407), cox.zph chisq
    // 1.631949.
    let cox = split.cox.as_ref().unwrap();
    let t = &cox.terms[0];
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1.0);
    assert!(close(t.coef, -0.3514808779) && close(t.se, 1.268048092) && close(t.robust_se.unwrap(), 1.112156952), "{t:?}");
    assert!(close(cox.loglik[0], -6.878580652) && close(cox.loglik[1], -6.841602380));
    assert!(close(cox.concordance.c, 0.5552646888) && close(cox.concordance.se, 0.1427106407), "{:?}", cox.concordance);
    assert!((cox.ph_test.as_ref().unwrap().global.chisq - 1.631949).abs() < 1e-6);
    assert!(cox.n > plain.n);
}

/// Entry and exit times equal up to round-off are the same time (R's aeqSurv adjudicates start
/// and stop together): a row entering at 0.3 is not at risk at an exit time 0.1 + 0.2.
#[test]
fn entry_and_exit_times_are_adjudicated_together() {
    let csv = "e,t,s\n0,0.30000000000000004,1\n0.3,1,1\n0,2,0\n";
    let r = run(csv, r#"{"entry":"e","time":"t","event":{"column":"s","event":["1"]}}"#);
    assert_eq!(r.km[0].steps[0].n_risk, 2.0, "{:?}", r.km[0].steps[0]);
}

/// The cohort tab's missingness and follow-up overviews accept a time-varying group and
/// covariate (not columns of the file).
#[test]
fn overviews_accept_time_varying_names() {
    let csv = "time,status,tx\n10,1,4\n8,0,\n6,1,6\n5,1,9\n";
    let table = cohort::read_table(csv.as_bytes(), "t.csv", &Default::default()).unwrap();
    let spec = AnalysisSpec::from_json(r#"{"time":"time","event":{"column":"status","event":["1"]},"time_varying":[{"name":"tx_on","at":"tx"}],"group":"tx_on","covariates":["tx_on"]}"#).unwrap();
    cohort::overview::missingness(&table, &spec, 10).unwrap();
    cohort::overview::followup(&table, &spec).unwrap();
}
