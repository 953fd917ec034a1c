//! The confidence band of the directly standardised (adjusted) curves and the RMST difference
//! under propensity weights, against R (`tests/r/adjusted_bands.R`: R's own fits differentiated
//! numerically by each row's weight, so the infinitesimal-jackknife variances are R's, not a
//! formula of ours), and the subgroup forest's overall row (R's `coxph`), on the veteran data
//! of the contract's designs folder.

use serde_json::Value;

fn veteran() -> Vec<u8> {
    std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reference/designs/designs_veteran.csv")).unwrap()
}

fn expected() -> Value {
    serde_json::from_str(&std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/r/adjusted_bands.expected.json")).unwrap()).unwrap()
}

fn close(a: f64, b: f64, rel: f64, what: &str) {
    assert!((a - b).abs() <= rel * b.abs().max(1e-12), "{what}: {a} vs R {b}");
}

const SPEC: &str = r#"{"time":"time","event":{"column":"status","event":["1"]},"group":"trt","times":[30,90,180],"covariates":["karno","age","celltype"],"adjusted":"direct","ties":"TIES"}"#;

#[test]
fn adjusted_curve_standard_errors_match_r() {
    let exp = expected();
    for ties in ["efron", "breslow"] {
        let spec = cohort::AnalysisSpec::from_json(&SPEC.replace("TIES", ties)).unwrap();
        let report = cohort::analyze_bytes(&veteran(), "designs_veteran.csv", &spec).unwrap();
        assert_eq!(report.adjusted.len(), 2, "{ties}");
        for (a, e) in report.adjusted.iter().zip(exp[ties].as_array().unwrap()) {
            assert_eq!(a.group, e["group"].as_str().unwrap());
            for (k, at) in a.at.iter().enumerate() {
                let what = format!("{ties} group {} t = {}", a.group, at.time);
                close(at.surv, e["surv"][k].as_f64().unwrap(), 1e-6, &format!("{what} surv"));
                close(at.std_err, e["std_err"][k].as_f64().unwrap(), 1e-5, &format!("{what} std_err"));
                // Log-transformed limits (the spec's default conf_type), as survfit's.
                let z = 1.959963984540054;
                close(at.lower, at.surv * (-z * at.std_err / at.surv).exp(), 1e-12, &format!("{what} lower"));
                close(at.upper, (at.surv * (z * at.std_err / at.surv).exp()).min(1.0), 1e-12, &format!("{what} upper"));
            }
            // Every step carries its band; each group's own rows for the legend.
            assert!(a.steps.iter().all(|s| s.std_err.is_finite() && s.lower <= s.surv && s.surv <= s.upper), "{ties}");
            assert_eq!(a.n, 137);
        }
        assert_eq!(report.adjusted.iter().map(|a| a.n_group).collect::<Vec<_>>(), [69, 68]);
    }
}

/// Delayed entry: the model and its curves on (entry, time] (tests/r/veteran_entry.csv, whose
/// entries tie with other rows' times); the band's derivatives run over each row's own risk
/// sets.
#[test]
fn adjusted_curve_standard_errors_with_delayed_entry_match_r() {
    let exp = expected();
    let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/r/veteran_entry.csv")).unwrap();
    for ties in ["efron", "breslow"] {
        let json = SPEC.replace("TIES", ties).replace(r#""time":"time","#, r#""time":"time","entry":"entry","#);
        let spec = cohort::AnalysisSpec::from_json(&json).unwrap();
        let report = cohort::analyze_bytes(&bytes, "veteran_entry.csv", &spec).unwrap();
        assert!(!report.warnings.iter().any(|w| w.contains("band")), "{ties}: {:?}", report.warnings);
        assert_eq!(report.adjusted.len(), 2, "{ties}");
        for (a, e) in report.adjusted.iter().zip(exp[format!("entry_{ties}").as_str()].as_array().unwrap()) {
            assert_eq!(a.group, e["group"].as_str().unwrap());
            for (k, at) in a.at.iter().enumerate() {
                let what = format!("entry {ties} group {} t = {}", a.group, at.time);
                close(at.surv, e["surv"][k].as_f64().unwrap(), 1e-6, &format!("{what} surv"));
                close(at.std_err, e["std_err"][k].as_f64().unwrap(), 1e-5, &format!("{what} std_err"));
            }
            assert!(a.steps.iter().all(|s| s.std_err.is_finite() && s.lower <= s.surv && s.surv <= s.upper), "{ties}");
        }
    }
}

#[test]
fn iptw_rmst_difference_matches_r() {
    let exp = &expected()["rmst_iptw"];
    let spec = cohort::AnalysisSpec::from_json(
        r#"{"time":"time","event":{"column":"status","event":["1"]},"group":"trt","rmst_tau":180,"propensity":{"treatment":"trt","covariates":["karno","age","celltype"],"estimand":"ATE","stabilize":true}}"#,
    )
    .unwrap();
    let report = cohort::analyze_bytes(&veteran(), "designs_veteran.csv", &spec).unwrap();
    for (k, c) in report.km.iter().enumerate() {
        let r = c.rmst.as_ref().unwrap();
        close(r.estimate, exp["rmst"][k].as_f64().unwrap(), 1e-9, "rmst");
        close(r.std_err, exp["se"][k].as_f64().unwrap(), 1e-6, "rmst se");
    }
    assert_eq!(report.rmst_diff.len(), 1);
    let d = &report.rmst_diff[0];
    for (got, key) in [(d.diff, "diff"), (d.se, "se_diff"), (d.lower, "lower"), (d.upper, "upper"), (d.p, "p")] {
        close(got, exp[key].as_f64().unwrap(), 1e-6, key);
    }
}

/// The adjusted figure draws the band (a translucent polygon) and gives each arm its own n;
/// the propensity-weighted curves' legend says what the weighted n is.
#[test]
fn figures_show_the_band_and_each_arms_n() {
    let spec = cohort::AnalysisSpec::from_json(&SPEC.replace("TIES", "efron")).unwrap();
    let report = cohort::analyze_bytes(&veteran(), "designs_veteran.csv", &spec).unwrap();
    let opts = cohort::plot::PlotOptions::default();
    let svg = cohort::plot::render_svg(&report, &opts, 800, 500, cohort::plot::FigureKind::Adjusted).unwrap();
    assert!(svg.contains("n = 69") && svg.contains("n = 68") && !svg.contains("n = 137"), "legend");
    assert!(svg.contains("fill-opacity") || svg.contains("opacity"), "no band drawn");
    let no_band = cohort::plot::render_svg(&report, &cohort::plot::PlotOptions { conf_bands: false, ..opts.clone() }, 800, 500, cohort::plot::FigureKind::Adjusted).unwrap();
    assert!(no_band.len() < svg.len(), "the band adds polygons");

    let ps = cohort::AnalysisSpec::from_json(
        r#"{"time":"time","event":{"column":"status","event":["1"]},"group":"trt","propensity":{"treatment":"trt","covariates":["karno","age","celltype"],"estimand":"ATE","stabilize":true}}"#,
    )
    .unwrap();
    let report = cohort::analyze_bytes(&veteran(), "designs_veteran.csv", &ps).unwrap();
    let svg = cohort::plot::render_svg(&report, &opts, 800, 500, cohort::plot::FigureKind::Survival).unwrap();
    assert!(svg.contains("n = 69, weighted 69.1") && svg.contains("n = 68, weighted 67.8"), "weighted legend");
}

/// The subgroup forest's overall row: `coxph(Surv ~ trt)` over every row, first in the figure
/// (bold, a diamond), and in the report beside the subgroups.
#[test]
fn subgroup_forest_overall_row_matches_r() {
    let exp = &expected()["subgroup_overall"];
    let spec = cohort::AnalysisSpec::from_json(r#"{"time":"time","event":{"column":"status","event":["1"]},"group":"trt","subgroups":["celltype","prior"]}"#).unwrap();
    let report = cohort::analyze_bytes(&veteran(), "designs_veteran.csv", &spec).unwrap();
    let o = report.subgroup_overall.as_ref().expect("overall row");
    assert_eq!((o.column.as_str(), o.level.as_str()), ("", "Overall"));
    assert_eq!(o.n as f64, exp["n"].as_f64().unwrap());
    assert_eq!(o.events as f64, exp["events"].as_f64().unwrap());
    for (got, key) in [(o.coef, "coef"), (o.se, "se"), (o.hr, "hr"), (o.lower, "lower"), (o.upper, "upper"), (o.p, "p")] {
        close(got, exp[key].as_f64().unwrap(), 1e-6, key);
    }
    let opts = cohort::plot::PlotOptions::default();
    let svg = cohort::plot::render_svg(&report, &opts, 800, 600, cohort::plot::FigureKind::Subgroups).unwrap();
    let overall = svg.find(">\nOverall\n<").expect("Overall row drawn");
    assert!(overall < svg.find(">\ncelltype\n<").unwrap(), "the overall row comes first");
    assert!(svg.contains("1.02 (0.71–1.45)"), "its HR and CI");
    // Without subgroups there is no overall row.
    let plain = cohort::AnalysisSpec::from_json(r#"{"time":"time","event":{"column":"status","event":["1"]},"group":"trt"}"#).unwrap();
    assert!(cohort::analyze_bytes(&veteran(), "designs_veteran.csv", &plain).unwrap().subgroup_overall.is_none());
}

/// Large data: rows × steps × levels above the work bound, the standard errors come at every
/// k-th step and the landmarks (a named warning); the core interpolates them in time between
/// (the report carries every step's band: `plot` computes nothing), so the figure draws one
/// continuous band.
#[test]
fn large_data_thins_the_band_and_says_so() {
    let mut csv = String::from("time,status,arm,x\n");
    for i in 0..3500u32 {
        let x = (i as f64 * 0.618).fract();
        csv.push_str(&format!("{},{},{},{:.4}\n", 1 + (i * 7919) % 5000, (i % 3 != 0) as u8, i % 2, x));
    }
    let spec = cohort::AnalysisSpec::from_json(r#"{"time":"time","event":{"column":"status","event":["1"]},"group":"arm","covariates":["x"],"adjusted":"direct","times":[1000]}"#).unwrap();
    let report = cohort::analyze_bytes(csv.as_bytes(), "big.csv", &spec).unwrap();
    assert!(report.warnings.iter().any(|w| w.starts_with("adjusted curves: the 95% band is computed at one step time in 2 (of ")), "{:?}", report.warnings);
    for a in &report.adjusted {
        // Every step but those before the first computed one (none: the first is computed).
        assert!(a.steps.iter().all(|s| s.std_err.is_finite() && s.lower <= s.surv && s.surv <= s.upper), "every step has its band");
        assert!(a.at[0].std_err.is_finite(), "the landmark has its standard error");
        // Between two computed steps the standard error is on the line joining them in time.
        let s = &a.steps;
        let k = (1..s.len() - 1).find(|&k| k % 2 == 1).unwrap();
        let f = (s[k].time - s[k - 1].time) / (s[k + 1].time - s[k - 1].time);
        assert!((s[k].std_err - (s[k - 1].std_err + f * (s[k + 1].std_err - s[k - 1].std_err))).abs() < 1e-12);
    }
    let svg = cohort::plot::render_svg(&report, &cohort::plot::PlotOptions::default(), 800, 500, cohort::plot::FigureKind::Adjusted).unwrap();
    // One band polygon per curve (a gap would split it into many).
    assert_eq!(svg.matches("<polygon").count(), 2, "band polygons");
}
