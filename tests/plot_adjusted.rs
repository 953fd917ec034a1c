//! The love plot (src/plot/love.rs) and the subgroup forest plot (src/plot/subgroups.rs)
//! drawn as SVG from real analyses of veteran (the reference cases propensity_ate_stabilized
//! and subgroups_trt): snapshots (UPDATE_SNAPSHOTS=1 rewrites them; PLOT_PREVIEW_DIR=dir
//! writes the SVGs there to look at) and structural checks read back from the SVG.

use cohort::plot::PlotOptions;
use cohort::report::Report;
use cohort::spec::AnalysisSpec;
use plotters::prelude::*;

#[path = "support/snapshot.rs"]
mod snapshot;
use snapshot::{check_snapshot, preview, root};

fn veteran(spec: serde_json::Value) -> Report {
    let bytes = std::fs::read(root().join("tests/reference/designs/designs_veteran.csv")).unwrap();
    let spec: AnalysisSpec = serde_json::from_value(spec).unwrap();
    cohort::analyze::analyze_bytes(&bytes, "designs_veteran.csv", &spec).unwrap()
}

fn propensity() -> Report {
    veteran(serde_json::json!({"time": "time", "event": {"column": "status", "event": ["1"]}, "group": "trt",
        "propensity": {"treatment": "trt", "covariates": ["karno", "age", "celltype"], "estimand": "ATE", "stabilize": true}}))
}

fn subgroups(filters: serde_json::Value) -> Report {
    veteran(serde_json::json!({"time": "time", "event": {"column": "status", "event": ["1"]}, "group": "trt",
        "subgroups": ["celltype", "prior"], "filters": filters}))
}

#[derive(Clone, Copy)]
enum Figure {
    Love,
    Subgroups,
}

fn svg(figure: Figure, report: &Report, opts: &PlotOptions, w: u32, h: u32) -> (String, cohort::plot::PlotLayout) {
    let mut s = String::new();
    let layout = {
        let area = SVGBackend::with_string(&mut s, (w, h)).into_drawing_area();
        let l = match figure {
            Figure::Love => cohort::plot::love::draw_love(&area, report, opts),
            Figure::Subgroups => cohort::plot::subgroups::draw_subgroups(&area, report, opts),
        }
        .unwrap();
        area.present().unwrap();
        l
    };
    (s, layout)
}

#[test]
fn snapshot_veteran_love_plot() {
    let r = propensity();
    let h = cohort::plot::love::natural_height(&r, &PlotOptions::default());
    let (s, _) = svg(Figure::Love, &r, &PlotOptions::default(), 800, h);
    check_snapshot("veteran_love", &s);
}

/// Every term of the propensity model is a row; the after-weighting markers sit left of the
/// 0.1 line (R: |SMD| after ≤ 0.009) and smallcell's before marker right of it (0.36).
#[test]
fn love_plot_rows_and_positions() {
    let r = propensity();
    let (s, layout) = svg(Figure::Love, &r, &PlotOptions::default(), 800, 300);
    for name in ["karno", "age", "celltype=large", "celltype=smallcell", "celltype=squamous", "Before weighting (ATE)", "After weighting", "Absolute standardised mean difference"] {
        assert!(drawn(&s, name), "{name} not drawn");
    }
    assert!(!s.contains("NaN"));
    assert_eq!(layout.series.len(), 5);
    assert_eq!((layout.x_min, layout.x_max), (0.0, 0.4));
    let bound = layout.x_px(0.1);
    let b = &r.propensity.as_ref().unwrap().balance;
    for (row, bal) in layout.series.iter().zip(b) {
        assert!(layout.x_px(bal.smd_after.abs()) < bound, "{}", row.label);
    }
    assert!(layout.x_px(b[3].smd_before.abs()) > bound);
}

#[test]
fn snapshot_veteran_subgroup_forest() {
    let r = subgroups(serde_json::json!([]));
    let h = cohort::plot::subgroups::natural_height(&r, &PlotOptions::default());
    let (s, _) = svg(Figure::Subgroups, &r, &PlotOptions::default(), 900, h);
    check_snapshot("veteran_subgroups", &s);
}

/// Column headers carry the interaction test (R: celltype p = 0.042, prior p = 0.087); level
/// rows their N, events and HR (R: adeno 1.23 (0.53–2.87), squamous 0.54 (0.25–1.18)); the
/// overall row first (R: `coxph(Surv ~ trt)`, 1.02 (0.71–1.45), 137 patients, 128 events).
#[test]
fn subgroup_forest_rows_counts_and_tests() {
    let r = subgroups(serde_json::json!([]));
    let (s, layout) = svg(Figure::Subgroups, &r, &PlotOptions::default(), 900, 340);
    for t in ["celltype", "prior", "interaction p = 0.042", "interaction p = 0.087", "adeno", "1.23 (0.53–2.87)", "0.54 (0.25–1.18)", "97", "91", "Hazard ratio, 2 vs 1 (log scale)", "Overall", "1.02 (0.71–1.45)", "137", "128"] {
        assert!(drawn(&s, t), "{t} not drawn");
    }
    assert_eq!(layout.series.len(), 7);
    assert_eq!(layout.series[0].group.as_deref(), Some("overall"));
    assert!(layout.x_log);
    let one = layout.x_ticks.iter().find(|t| t.value == 1.0).unwrap();
    assert_eq!(layout.x_px(1.0), one.px);
}

/// With k = 30, the levels with fewer than 30 patients (adeno 27, large 27) have N and events
/// written "<30"; larger ones keep their counts (smallcell 48/45).
#[test]
fn subgroup_forest_applies_the_disclosure_threshold() {
    let r = subgroups(serde_json::json!([]));
    let opts = PlotOptions { min_cell: Some(30), ..PlotOptions::default() };
    let (s, _) = svg(Figure::Subgroups, &r, &opts, 900, 340);
    preview("veteran_subgroups_k30", &s);
    assert!(!drawn(&s, "27") && !drawn(&s, "26"));
    assert!(drawn(&s, "&lt;30"));
    assert!(drawn(&s, "48") && drawn(&s, "45"));
}

/// A level without events has no estimate: a named warning, "not estimable", no square; the
/// other level is drawn. (Subgroups by the outcome itself: level 0 holds the censored rows.)
#[test]
fn subgroup_level_without_events_is_written_not_drawn() {
    let r = veteran(serde_json::json!({"time": "time", "event": {"column": "status", "event": ["1"]}, "group": "trt", "subgroups": ["status"]}));
    assert!(r.warnings.iter().any(|w| w.starts_with("subgroup status = 0: no events among its 9 rows")), "{:?}", r.warnings);
    let (s, layout) = svg(Figure::Subgroups, &r, &PlotOptions::default(), 900, 200);
    assert!(drawn(&s, "not estimable"), "{:?}", r.subgroups);
    // The level with events (a square) and the overall row (a diamond).
    assert_eq!(s.matches("fill=\"#0072B2\"").count(), 2);
    assert_eq!(layout.series.len(), 3);
}

/// Whether the SVG has a text element holding exactly `t`.
fn drawn(svg: &str, t: &str) -> bool {
    svg.contains(&format!(">\n{t}\n</text>"))
}

#[test]
fn nothing_to_draw_is_an_error() {
    let empty = Report::default();
    let mut s = String::new();
    let area = SVGBackend::with_string(&mut s, (600, 300)).into_drawing_area();
    assert!(cohort::plot::love::draw_love(&area, &empty, &PlotOptions::default()).unwrap_err().contains("propensity"));
    assert!(cohort::plot::subgroups::draw_subgroups(&area, &empty, &PlotOptions::default()).unwrap_err().contains("subgroups"));
}

fn adjusted() -> Report {
    veteran(serde_json::json!({"time": "time", "event": {"column": "status", "event": ["1"]}, "group": "trt", "times": [30, 90, 180],
        "covariates": ["karno", "age", "celltype"], "adjusted": "direct"}))
}

/// The adjusted curves (reference case adjusted_direct) are drawn as the survival figure: one
/// step curve per arm through R's values (trt 1 at 90 days 0.4873, trt 2 0.4031), no band,
/// no number at risk, no log-rank p (that test is of the crude curves).
#[test]
fn adjusted_curves_drawn_as_the_survival_figure() {
    let r = adjusted();
    let mut s = String::new();
    let layout = {
        let area = SVGBackend::with_string(&mut s, (900, 560)).into_drawing_area();
        let l = cohort::plot::draw_figure(&area, &r, &PlotOptions::default(), cohort::plot::FigureKind::Adjusted).unwrap();
        area.present().unwrap();
        l
    };
    preview("veteran_adjusted", &s);
    assert_eq!(layout.figure, "adjusted");
    assert_eq!(layout.series.len(), 2);
    assert!(layout.risk_table.is_none());
    assert!(drawn(&s, "Adjusted survival probability"));
    assert!(!s.contains("Log-rank") && !s.contains("NaN"));
    let at90: Vec<f64> = r.adjusted.iter().map(|a| a.at.iter().find(|x| x.time == 90.0).unwrap().surv).collect();
    assert!((at90[0] - 0.487284255774017).abs() < 1e-6 && (at90[1] - 0.403053178880034).abs() < 1e-6, "{at90:?}");
    // A report without adjusted curves says what to set.
    let crude = veteran(serde_json::json!({"time": "time", "event": {"column": "status", "event": ["1"]}, "group": "trt"}));
    let mut empty = String::new();
    let area = SVGBackend::with_string(&mut empty, (900, 560)).into_drawing_area();
    let e = cohort::plot::draw_figure(&area, &crude, &PlotOptions::default(), cohort::plot::FigureKind::Adjusted).unwrap_err();
    assert!(e.contains("adjusted to \"direct\""), "{e}");
}

/// The exports of the adjusted comparisons' figures (`cohort export --as love-svg|subgroups-svg|
/// adjusted-svg`) are drawn from the protected report: with k = 30 every celltype level is
/// withheld (adeno and large have 27 patients; smallcell 48 with 45 events leaves 3 event-free,
/// squamous 35/31 leaves 4), and so is every prior level: no count is drawn ("—"), and the
/// hazard ratios of adeno and large (and of the levels with an arm of fewer than 30 patients or
/// events) are "withheld (<30)", not "not estimable".
#[test]
fn adjusted_figure_exports_go_through_the_disclosure_module() {
    use cohort::export::{export_bytes, ExportInput, ExportKind};
    let r = subgroups(serde_json::json!([]));
    let input = |k| ExportInput { report: &r, table: None, file: "designs_veteran.csv", k, plot: PlotOptions::default(), width: 900, height: 400 };
    let svg = String::from_utf8(export_bytes(ExportKind::parse("subgroups-svg").unwrap(), &input(30)).unwrap()).unwrap();
    for hidden in ["27", "26", "48", "45", "97", "91"] {
        assert!(!drawn(&svg, hidden), "{hidden} drawn");
    }
    // Withheld HRs: adeno and large (fewer than 30 patients), and, for an arm within the level
    // of fewer than 30 patients or events, smallcell (treatment 2: 18), squamous (15 and 20)
    // and prior = 10 (21 and 19); prior = 0 (48/44 and 49/47) keeps its HR.
    assert_eq!(svg.matches(">\nwithheld (&lt;30)\n</text>").count(), 5);
    // Every level withheld at k = 30 (prior 0: 97/91 and 10: 40/37 leave fewer than 30 event-free),
    // and the overall row's counts (137/128: 9 event-free) by the same rule.
    assert_eq!(svg.matches(">\n—\n</text>").count(), 14);
    assert!(!drawn(&svg, "not estimable"));
    let p = propensity();
    let svg = String::from_utf8(export_bytes(ExportKind::LoveSvg, &ExportInput { report: &p, ..input(5) }).unwrap()).unwrap();
    assert!(drawn(&svg, "celltype=smallcell"));
    // Asking an analysis for a figure it does not have is an error that names the key to set.
    let e = export_bytes(ExportKind::AdjustedSvg, &input(5)).unwrap_err();
    assert!(e.contains("adjusted"), "{e}");
    assert!(ExportKind::parse("love-png").unwrap_err().contains("love-svg"));
}

/// The spline curve of age (reference case spline_age, R: ns(age, df = 3), HR against the
/// median 63 from the 5th to the 95th percentile, LR test of non-linearity χ² 1.92, df 2).
#[test]
fn spline_curve_drawn_with_its_test() {
    let bytes = std::fs::read(root().join("tests/reference/designs/designs_lung.csv")).unwrap();
    let spec: AnalysisSpec = serde_json::from_value(serde_json::json!({"time": "time", "event": {"column": "status", "event": ["2"]},
        "covariates": ["age", "sex"], "categorical": ["sex"], "splines": [{"column": "age", "df": 3}]})).unwrap();
    let r = cohort::analyze::analyze_bytes(&bytes, "designs_lung.csv", &spec).unwrap();
    let mut s = String::new();
    let layout = {
        let area = SVGBackend::with_string(&mut s, (800, 480)).into_drawing_area();
        let l = cohort::plot::draw_figure(&area, &r, &PlotOptions::default(), cohort::plot::FigureKind::Spline).unwrap();
        area.present().unwrap();
        l
    };
    preview("lung_spline_age", &s);
    assert_eq!(layout.figure, "spline");
    assert!(drawn(&s, "Non-linearity: χ² = 1.92, df = 2, p = 0.38"), "{s}");
    assert!(drawn(&s, "age (dotted: median 63, the reference)"));
    assert!((layout.x_min - 45.35).abs() < 1e-9);
    assert!(layout.y_min <= 0.43 && layout.y_max >= 1.0);
    assert!(!s.contains("NaN"));
    let opts = PlotOptions { term: Some("wt.loss".into()), ..PlotOptions::default() };
    let mut t = String::new();
    let area = SVGBackend::with_string(&mut t, (800, 480)).into_drawing_area();
    assert!(cohort::plot::draw_figure(&area, &r, &opts, cohort::plot::FigureKind::Spline).unwrap_err().contains("no spline of 'wt.loss'"));
}
