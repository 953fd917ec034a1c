//! The proportional-hazards residual plot (src/plot/zph.rs) drawn as SVG from real fits:
//! veteran `coxph(Surv(time, status) ~ karno + age + trt)` (R: cox.zph p = 0.00053 for karno,
//! 0.147 age, 0.594 trt) and lung `~ age + sex + ph.ecog`. A snapshot of the small multiples
//! (UPDATE_SNAPSHOTS=1 rewrites it; PLOT_PREVIEW_DIR=dir writes the SVGs there to look at), and
//! structural checks read back from the SVG: the flag only on karno, the p in each title, one
//! dot per residual, the band and the β line.


use cohort::plot::{render_svg, FigureKind, PlotOptions};
use cohort::report::Report;
use cohort::spec::AnalysisSpec;

#[path = "support/snapshot.rs"]
mod snapshot;
use snapshot::{check_snapshot, preview, root};

fn fit(file: &str, spec: serde_json::Value) -> Report {
    let bytes = std::fs::read(root().join("tests/reference").join(file)).unwrap();
    let spec: AnalysisSpec = serde_json::from_value(spec).unwrap();
    cohort::analyze::analyze_bytes(&bytes, file, &spec).unwrap()
}

fn veteran() -> Report {
    fit("veteran.csv", serde_json::json!({"time": "time", "event": {"column": "status", "event": ["1"]}, "covariates": ["karno", "age", "trt"]}))
}


#[test]
fn snapshot_veteran_small_multiples() {
    let svg = render_svg(&veteran(), &PlotOptions::default(), 1200, 420, FigureKind::Zph).unwrap();
    check_snapshot("veteran_zph", &svg);
}

#[test]
fn karno_is_flagged_and_the_others_are_not() {
    let r = veteran();
    let ph = r.cox.as_ref().unwrap().ph_test.as_ref().unwrap();
    let res = ph.residuals.as_ref().unwrap();
    // veteran: 128 events, all sent.
    assert_eq!((res.events, res.x.len()), (128, 128));
    for (term, flagged, p_text) in [("karno", true, "p &lt; 0.001"), ("age", false, "p = 0.15"), ("trt", false, "p = 0.59")] {
        let o = PlotOptions { term: Some(term.to_string()), ..PlotOptions::default() };
        let svg = render_svg(&r, &o, 600, 420, FigureKind::Zph).unwrap();
        preview(&format!("veteran_zph_{term}"), &svg);
        assert!(!svg.contains("NaN") && !svg.contains("inf"), "{term}: non-finite value in the SVG");
        assert!(svg.contains(&format!("PH test {p_text}")), "{term}: title p");
        assert_eq!(svg.contains("proportional hazards doubtful"), flagged, "{term}: flag");
        assert!(svg.contains(&format!("β(t) for {term}")), "{term}: y title");
        assert!(svg.contains("Cox β = "), "{term}: β reference line label");
        // One dot per residual (and one in the legend), and the band.
        assert_eq!(svg.matches("<circle").count(), 128 + 1, "{term}: residual dots");
        assert!(svg.matches("<polygon").count() >= 1, "{term}: band");
        // Time labels on the Kaplan–Meier scale.
        assert!(svg.contains("Kaplan–Meier scale"), "{term}: x title");
    }
    // An unknown term is a clear error, naming the terms.
    let o = PlotOptions { term: Some("sex".to_string()), ..PlotOptions::default() };
    let e = render_svg(&r, &o, 600, 420, FigureKind::Zph).unwrap_err();
    assert!(e.contains("no term 'sex'") && e.contains("karno, age, trt"), "{e}");
}

#[test]
fn lung_has_no_flag_and_a_report_without_cox_is_refused() {
    let r = fit("lung.csv", serde_json::json!({"time": "time", "event": {"column": "status", "event": ["2"]}, "covariates": ["age", "sex", "ph.ecog"]}));
    let svg = render_svg(&r, &PlotOptions::default(), 900, 640, FigureKind::Zph).unwrap();
    preview("lung_zph", &svg);
    assert!(!svg.contains("doubtful"));
    // R: cox.zph p = 0.66 (age), 0.13 (sex), 0.15 (ph.ecog).
    for t in ["PH test p = 0.66", "PH test p = 0.13", "PH test p = 0.15"] {
        assert!(svg.contains(t), "{t}");
    }
    let km_only = fit("lung.csv", serde_json::json!({"time": "time", "event": {"column": "status", "event": ["2"]}}));
    let e = render_svg(&km_only, &PlotOptions::default(), 600, 400, FigureKind::Zph).unwrap_err();
    assert!(e.contains("no Cox model"), "{e}");
}

#[test]
fn residuals_undefined_in_a_stratum_are_not_drawn() {
    // tests/r/zph_used.csv: ecog_m is 0 for every woman, so with strata(sex) its residuals in the
    // women's stratum are NA in R (53 of 164 events, tests/r/zph.expected.json) and not drawn.
    let bytes = std::fs::read(root().join("tests/r/zph_used.csv")).unwrap();
    let spec: AnalysisSpec = serde_json::from_value(serde_json::json!({"time": "time", "event": {"column": "status", "event": ["2"]},
        "strata": "sex", "covariates": ["age", "ecog_m"]})).unwrap();
    let r = cohort::analyze::analyze_bytes(&bytes, "zph_used.csv", &spec).unwrap();
    let res = r.cox.as_ref().unwrap().ph_test.as_ref().unwrap().residuals.as_ref().unwrap();
    let defined = res.terms[1].y.iter().filter(|v| v.is_finite()).count();
    assert_eq!((res.events, defined), (164, 164 - 53));
    let o = PlotOptions { term: Some("ecog_m".to_string()), ..PlotOptions::default() };
    let svg = render_svg(&r, &o, 600, 420, FigureKind::Zph).unwrap();
    preview("zph_used_ecog_m", &svg);
    assert!(!svg.contains("NaN") && !svg.contains("inf"));
    assert_eq!(svg.matches("<circle").count(), defined + 1, "one dot per defined residual, one in the legend");
}

/// Released at k, the residuals are pools of k events: a model of fewer than 2k events is one
/// pool, one point per panel. It is drawn (with its β line and test), around that point; it
/// was refused as "no residuals to draw" (found by the random attack run, 15 events at k = 9).
#[test]
fn one_pooled_point_per_panel_is_drawn() {
    let r = fit("aml.csv", serde_json::json!({"time": "time", "event": {"column": "status", "event": ["1"]}, "covariates": ["x"]}));
    let events = r.cox.as_ref().unwrap().ph_test.as_ref().unwrap().residuals.as_ref().unwrap().events;
    let k = (events / 2 + 1) as u32;
    let p = cohort::disclosure::protect(&r, None, k);
    let res = p.report.cox.as_ref().unwrap().ph_test.as_ref().unwrap().residuals.as_ref().unwrap();
    assert_eq!(res.x.len(), 1, "{events} events at k = {k}: one pool");
    let o = PlotOptions { min_cell: Some(k), ..PlotOptions::default() };
    let svg = render_svg(&p.report, &o, 600, 420, FigureKind::Zph).unwrap();
    preview("aml_zph_one_pool", &svg);
    assert!(!svg.contains("NaN") && !svg.contains("inf"));
    assert_eq!(svg.matches("<circle").count(), 2, "the pooled point and the legend's");
}
