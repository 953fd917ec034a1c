//! Hazard figures (src/plot/hazard.rs) drawn as SVG from the lung data grouped by sex:
//! structural checks — every series is a path, no NaN/inf reaches the SVG, the axis titles are
//! written, the reference lines are dashed, the figures refuse reports without their data.

use cohort::plot::{render_svg, FigureKind, PlotOptions};
use cohort::report::Report;
use cohort::spec::AnalysisSpec;

fn lung(extra: serde_json::Value) -> Report {
    let bytes = std::fs::read("tests/reference/lung.csv").unwrap();
    let mut spec = serde_json::json!({"time": "time", "event": {"column": "status", "event": ["2"]}});
    for (k, v) in extra.as_object().unwrap() {
        spec[k] = v.clone();
    }
    let spec: AnalysisSpec = serde_json::from_value(spec).unwrap();
    cohort::analyze::analyze_bytes(&bytes, "lung.csv", &spec).unwrap()
}

fn by_sex() -> Report {
    lung(serde_json::json!({"group": "sex", "covariates": ["sex"], "hazard": {},
        "parametric": ["exponential", "weibull", "lognormal", "loglogistic"]}))
}

fn svg(r: &Report, kind: FigureKind) -> String {
    render_svg(r, &PlotOptions::default(), 800, 450, kind).unwrap()
}

fn clean(s: &str) {
    assert!(!s.contains("NaN"), "NaN in the SVG");
    assert!(!s.contains("inf"), "infinity in the SVG");
}

/// Number of drawn lines (`<polyline` elements; plotters writes a path element as a polyline).
fn lines(s: &str) -> usize {
    s.matches("<polyline").count()
}

#[test]
fn cumulative_hazard_by_sex() {
    let r = by_sex();
    let s = svg(&r, FigureKind::Cumhaz);
    clean(&s);
    assert!(s.contains("Cumulative hazard (Nelson-Aalen)"));
    assert!(s.contains("Time"));
    // Two groups: two coloured step lines and two bands, legend labels with n.
    assert!(s.contains("1 (n = 138)") && s.contains("2 (n = 90)"), "legend");
    assert!(s.contains("#0072B2") || s.contains("#0072b2") || s.contains("rgb(0,114,178)"), "group colour");
    assert!(s.matches("<polygon").count() >= 2, "CI bands");
    assert!(lines(&s) >= 4);
}

#[test]
fn smoothed_hazard_with_bandwidth_in_legend() {
    let r = by_sex();
    assert_eq!(r.hazard.len(), 2);
    let s = svg(&r, FigureKind::Hazard);
    clean(&s);
    // lung.csv has no time unit.
    assert!(s.contains("Hazard (events per time unit)"), "y axis title");
    assert!(s.contains("bandwidth"), "bandwidth in the legend");
    assert!(s.matches("<polygon").count() >= 2, "pointwise bands");
    // Without bands: still the curves, no polygons besides the legend box (a rect).
    let o = PlotOptions { conf_bands: false, ..PlotOptions::default() };
    let s2 = render_svg(&r, &o, 800, 450, FigureKind::Hazard).unwrap();
    assert_eq!(s2.matches("<polygon").count(), 0);
}

#[test]
fn hazard_ratio_has_cox_line_and_one() {
    let r = by_sex();
    assert!(r.hazard_ratio.is_some());
    let cox_hr = r.cox.as_ref().unwrap().terms[0].hr;
    let s = svg(&r, FigureKind::HazardRatio);
    clean(&s);
    assert!(s.contains("(log scale)"));
    // survival: coxph(Surv(time, status) ~ sex, lung) HR = 0.588 → "Cox HR 0.59"
    assert!((cox_hr - 0.588).abs() < 0.001, "{cox_hr}");
    assert!(s.contains("Cox HR 0.59"), "Cox reference line label");
    // Dashed lines (1 and the Cox HR) are drawn as dash segments: many short polylines.
    assert!(lines(&s) > 10);
}

#[test]
fn hazard_ratio_needs_two_groups() {
    let r = lung(serde_json::json!({"hazard": {}}));
    assert_eq!(r.hazard.len(), 1);
    assert!(render_svg(&r, &PlotOptions::default(), 800, 450, FigureKind::HazardRatio).is_err());
    // The single-group hazard draws.
    clean(&svg(&r, FigureKind::Hazard));
    // No hazard in the report: an error naming the spec key, not a panic.
    let plain = lung(serde_json::json!({}));
    let e = render_svg(&plain, &PlotOptions::default(), 800, 450, FigureKind::Hazard).unwrap_err();
    assert!(e.contains("hazard"), "{e}");
    let e = render_svg(&plain, &PlotOptions::default(), 800, 450, FigureKind::ParametricFit).unwrap_err();
    assert!(e.contains("parametric"), "{e}");
}

#[test]
fn parametric_overlay_per_group_and_intercept_only() {
    let r = by_sex();
    let s = svg(&r, FigureKind::ParametricFit);
    clean(&s);
    assert!(s.contains("Survival probability"));
    for d in ["exponential", "weibull", "lognormal", "loglogistic"] {
        assert!(s.contains(d), "legend entry {d}");
    }
    // Covariate = the group column: each group's curve uses its own row, so the two weibull
    // curves differ: S(500 | sex=2) > S(500 | sex=1) (women live longer in lung).
    let w = r.parametric.iter().find(|f| f.dist == "weibull").unwrap();
    let row = |f: &cohort::stats::parametric::ParametricReport, g: Option<&str>| f.predictions.iter().find(|p| p.group.as_deref() == g).map(|p| p.x.clone());
    let g1 = row(w, Some("1")).unwrap();
    let g2 = row(w, Some("2")).unwrap();
    // sex is numeric (1, 2) in lung.csv: one term "sex", the group's own value.
    assert_eq!(g1, vec![1.0]);
    assert_eq!(g2, vec![2.0]);
    let s1 = cohort::stats::parametric::predict_survival(w, &g1, 500.0);
    let s2 = cohort::stats::parametric::predict_survival(w, &g2, 500.0);
    assert!(s2 > s1, "{s1} {s2}");
    // Intercept-only (grouped, no covariates): drawn per group with the common curve.
    let r0 = lung(serde_json::json!({"group": "sex", "parametric": ["weibull"]}));
    let w0 = &r0.parametric[0];
    assert_eq!(w0.predictions.len(), 1, "intercept-only: everyone, no per-group rows");
    assert!(w0.predictions[0].group.is_none() && w0.predictions[0].x.is_empty());
    // R: AIC(survreg(Surv(time, status == 2) ~ 1, data = lung, dist = "weibull")) = 2311.70237617881
    assert!((w0.aic - 2311.70237617881).abs() < 1e-4, "{}", w0.aic);
    clean(&svg(&r0, FigureKind::ParametricFit));
}

#[test]
fn parametric_overlay_at_covariate_means_for_other_covariates() {
    // Covariate age (not the group): one curve per model at the mean age, said in the legend.
    let r = lung(serde_json::json!({"group": "sex", "covariates": ["age"], "parametric": ["weibull", "lognormal"]}));
    let w = &r.parametric[0];
    assert_eq!(w.predictions.len(), 1, "age is not the group: the covariate means only");
    assert_eq!(w.predictions[0].x, w.x_mean);
    let s = svg(&r, FigureKind::ParametricFit);
    clean(&s);
    assert!(s.contains("weibull (covariate means)") && s.contains("lognormal (covariate means)"));
    // By sex (the group column): the legend names the distributions alone.
    let s = svg(&by_sex(), FigureKind::ParametricFit);
    assert!(!s.contains("covariate means"));
}

fn layout(r: &Report, kind: FigureKind) -> cohort::plot::PlotLayout {
    use plotters::prelude::*;
    let mut s = String::new();
    let root = SVGBackend::with_string(&mut s, (800, 450)).into_drawing_area();
    cohort::plot::draw_figure(&root, r, &PlotOptions::default(), kind).unwrap()
}

#[test]
fn exploding_end_bands_do_not_flatten_the_curves() {
    // With cross-validated bandwidths the upper band of lung's sex = 1 hazard shoots up at the
    // end of follow-up; the axis follows the curves (at most twice the largest hazard, rounded
    // up to a tick) and the band is clipped.
    let r = by_sex();
    let max_h = r.hazard.iter().flat_map(|g| g.curve.points.iter().map(|p| p.hazard)).fold(0.0, f64::max);
    let max_band = r.hazard.iter().flat_map(|g| g.curve.points.iter().filter_map(|p| p.upper)).fold(0.0, f64::max);
    let l = layout(&r, FigureKind::Hazard);
    assert!(l.y_max >= max_h && l.y_max <= 2.0 * max_h * 1.3, "axis top {} for max hazard {max_h} (band {max_band})", l.y_max);
    // Log axis of the ratio: ticks labelled as numbers, never "0" (0.001 is not zero).
    let l = layout(&r, FigureKind::HazardRatio);
    assert!(l.y_ticks.iter().all(|t| t.label != "0" && t.value > 0.0), "{:?}", l.y_ticks);
    assert!(l.y_ticks.iter().any(|t| t.label == "1"));
}
