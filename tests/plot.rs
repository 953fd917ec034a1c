//! Figures: SVG snapshots (UPDATE_SNAPSHOTS=1 rewrites them) and structural checks read back
//! from the SVG itself: risk-table columns under the x ticks, numbers at risk, legend, p text.
//!
//! Reports are built by hand (the estimators are tested elsewhere): lung by sex from R's
//! `survfit` values in tests/reference/lung.expected.json, transplant cumulative incidence from
//! `cmprsk::cuminc` (tests/r/plot_transplant_cuminc.R → tests/snapshots/transplant_cuminc_steps.json),
//! and a tiny report worked by hand.
//!
//! PLOT_PREVIEW_DIR=dir writes the SVGs there too (to look at them).


use cohort::plot::km::draw_survival;
use cohort::plot::{render_svg, FigureKind, PlotLayout, PlotOptions};
use cohort::report::Report;
use cohort::stats::common::TestResult;
use cohort::stats::cox::{Concordance, CoxReport, CoxTerm};
use cohort::stats::cuminc::{CumincCurve, CumincStep, GrayTest};
use cohort::stats::km::{Followup, KmCurve, KmStep};
use plotters::prelude::*;
use serde_json::Value;

#[path = "support/snapshot.rs"]
mod snapshot;
use snapshot::{check_snapshot, root};

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or(f64::NAN)
}

fn km_from_json(v: &Value) -> KmCurve {
    let steps = v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| KmStep {
            time: num(&s["time"]),
            n_risk: num(&s["n_risk"]),
            n_event: num(&s["n_event"]),
            n_censor: num(&s["n_censor"]),
            surv: num(&s["surv"]),
            std_err: num(&s["std_err"]),
            lower: num(&s["lower"]),
            upper: num(&s["upper"]),
            cumhaz: num(&s["cumhaz"]),
            std_cumhaz: num(&s["std_cumhaz"]),
        })
        .collect();
    KmCurve {
        group: v["group"].as_str().map(str::to_string),
        n: v["n"].as_u64().unwrap() as usize,
        events: v["events"].as_u64().unwrap() as usize,
        median: v["median"].as_f64(),
        median_lower: v["median_lower"].as_f64(),
        median_upper: v["median_upper"].as_f64(),
        steps,
        followup: Followup { median: None, lower: None, upper: None },
        at: Vec::new(),
        rmst: None,
    }
}

fn test_of(v: &Value) -> TestResult {
    TestResult { chisq: num(&v["chisq"]), df: num(&v["df"]), p: num(&v["p"]) }
}

/// lung, `survfit(Surv(time, status) ~ sex)` + `survdiff` + `coxph(~ age + sex + ph.ecog)`,
/// from the R reference case `by_sex_cox`.
fn lung_by_sex() -> Report {
    let text = std::fs::read_to_string(root().join("tests/reference/lung.expected.json")).unwrap();
    let all: Value = serde_json::from_str(&text).unwrap();
    let case = all["cases"].as_array().unwrap().iter().find(|c| c["name"] == "by_sex_cox").unwrap();
    let e = &case["expected"];
    let km: Vec<KmCurve> = e["km"].as_array().unwrap().iter().map(km_from_json).collect();
    let cox = &e["cox"];
    let terms = cox["terms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| CoxTerm {
            name: t["name"].as_str().unwrap().to_string(),
            coef: num(&t["coef"]),
            se: num(&t["se"]),
            robust_se: None,
            hr: num(&t["hr"]),
            lower: num(&t["lower"]),
            upper: num(&t["upper"]),
            z: num(&t["z"]),
            p: num(&t["p"]),
        })
        .collect();
    Report {
        file: "lung.csv".into(),
        n: 228,
        events: 165,
        groups: km.iter().filter_map(|c| c.group.clone()).collect(),
        km,
        logrank: Some(test_of(&e["logrank"])),
        cox: Some(CoxReport {
            n: 227,
            events: 164,
            ties: "efron",
            terms,
            vcov: Vec::new(),
            loglik: [num(&cox["loglik"][0]), num(&cox["loglik"][1])],
            lr_test: test_of(&cox["lr_test"]),
            wald_test: test_of(&cox["wald_test"]),
            wald_chisq: num(&cox["wald_test"]["chisq"]),
            score_test: test_of(&cox["score_test"]),
            robust_score_test: None,
            iterations: 4,
            converged: true,
            dropped: Vec::new(),
            concordance: Concordance { c: num(&cox["concordance"]["c"]), se: num(&cox["concordance"]["se"]) },
            ph_test: None,
            warnings: Vec::new(),
        }),
        time_unit: Some("days"),
        ..Report::default()
    }
}

/// lung by sex with the value labels a user would give (1 = Male, 2 = Female).
fn lung_labelled() -> Report {
    let mut r = lung_by_sex();
    for c in r.km.iter_mut() {
        c.group = c.group.as_deref().map(|g| if g == "1" { "Male" } else { "Female" }.to_string());
    }
    r.groups = vec!["Male".into(), "Female".into()];
    r
}

/// transplant, `cmprsk::cuminc(futime, status, abo)` (see tests/r/plot_transplant_cuminc.R).
fn transplant_cuminc() -> Report {
    let text = std::fs::read_to_string(root().join("tests/snapshots/transplant_cuminc_steps.json")).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    let mut cuminc: Vec<CumincCurve> = v["curves"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let t = c["time"].as_array().unwrap();
            let steps = (0..t.len())
                .map(|i| CumincStep::new(num(&t[i]), num(&c["estimate"][i]), num(&c["variance"][i])))
                .collect();
            CumincCurve {
                group: c["group"].as_str().map(str::to_string),
                cause: if c["cause"] == "event" { "event" } else { "competing" },
                n: 0,
                events: 0,
                steps,
                at: Vec::new(),
            }
        })
        .collect();
    cuminc.sort_by_key(|c| (c.group.clone(), c.cause != "event"));
    let gray_test = v["gray"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| GrayTest { cause: if g["cause"] == "event" { "event" } else { "competing" }, stat: num(&g["stat"]), df: num(&g["df"]), p: num(&g["p"]), why: None })
        .collect();
    Report { groups: vec!["A".into(), "AB".into(), "B".into(), "O".into()], cuminc, gray_test, time_unit: Some("days"), ..Report::default() }
}

fn step(time: f64, n_risk: f64, n_event: f64, n_censor: f64, surv: f64, lower: f64, upper: f64) -> KmStep {
    KmStep { time, n_risk, n_event, n_censor, surv, std_err: f64::NAN, lower, upper, cumhaz: f64::NAN, std_cumhaz: f64::NAN }
}

fn curve(group: &str, n: usize, median: Option<f64>, steps: Vec<KmStep>) -> KmCurve {
    KmCurve {
        group: Some(group.into()),
        n,
        events: steps.iter().map(|s| s.n_event as usize).sum(),
        median,
        median_lower: None,
        median_upper: None,
        steps,
        followup: Followup { median: None, lower: None, upper: None },
        at: Vec::new(),
        rmst: None,
    }
}

/// A tiny report worked by hand.
/// Group A, times 2, 4+, 6, 8+, 10 (5 patients): at risk 5, 4, 3, 2, 1;
///   S = 4/5 = 0.8 at 2, 0.8·2/3 = 0.533 at 6, 0 at 10 (CI undefined there: NaN).
/// Group B, times 3, 5+, 7+, 12+ (4 patients): at risk 4, 3, 2, 1; S = 0.75 from 3 on.
/// Ticks every 5 (break_by 5) up to x_max 15: 0, 5, 10, 15.
/// At risk (first step at or after the tick):
///   A: t=0 → step 2 (5); t=5 → step 6 (3); t=10 → step 10 (1); t=15 → none (0).
///   B: t=0 → step 3 (4); t=5 → step 5 (3); t=10 → step 12 (1); t=15 → 0.
fn tiny() -> Report {
    let a = curve(
        "A",
        5,
        Some(6.0),
        vec![
            step(2.0, 5.0, 1.0, 0.0, 0.8, 0.52, 1.0),
            step(4.0, 4.0, 0.0, 1.0, 0.8, 0.52, 1.0),
            step(6.0, 3.0, 1.0, 0.0, 0.8 * 2.0 / 3.0, 0.2, 1.0),
            step(8.0, 2.0, 0.0, 1.0, 0.8 * 2.0 / 3.0, 0.2, 1.0),
            step(10.0, 1.0, 1.0, 0.0, 0.0, f64::NAN, f64::NAN),
        ],
    );
    let b = curve(
        "B",
        4,
        None,
        vec![
            step(3.0, 4.0, 1.0, 0.0, 0.75, 0.43, 1.0),
            step(5.0, 3.0, 0.0, 1.0, 0.75, 0.43, 1.0),
            step(7.0, 2.0, 0.0, 1.0, 0.75, 0.43, 1.0),
            step(12.0, 1.0, 0.0, 1.0, 0.75, 0.43, 1.0),
        ],
    );
    Report { groups: vec!["A".into(), "B".into()], km: vec![a, b], logrank: Some(TestResult { chisq: 0.5, df: 1.0, p: 0.48 }), ..Report::default() }
}

/// A `<text>` element of the SVG: position, anchor, size, colour and content.
#[derive(Debug)]
struct SvgText {
    x: i32,
    y: i32,
    anchor: String,
    size: f64,
    fill: String,
    style: String,
    text: String,
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let i = tag.find(&key)? + key.len();
    let j = tag[i..].find('"')? + i;
    Some(tag[i..j].to_string())
}

fn texts(svg: &str) -> Vec<SvgText> {
    svg.split("<text")
        .skip(1)
        .map(|chunk| {
            let end = chunk.find('>').unwrap();
            let tag = &chunk[..end];
            // plotters writes the content on its own line.
            let body = &chunk[end + 1..chunk.find("</text>").unwrap()];
            let body = body.strip_prefix('\n').unwrap_or(body);
            let body = body.strip_suffix('\n').unwrap_or(body);
            SvgText {
                x: attr(tag, "x").unwrap().parse().unwrap(),
                y: attr(tag, "y").unwrap().parse().unwrap(),
                anchor: attr(tag, "text-anchor").unwrap_or_default(),
                size: attr(tag, "font-size").unwrap().parse().unwrap(),
                fill: attr(tag, "fill").unwrap_or_default(),
                style: attr(tag, "font-style").unwrap_or_default(),
                text: body.replace("&lt;", "<").replace("&gt;", ">").replace("&apos;", "'").replace("&quot;", "\"").replace("&amp;", "&"),
            }
        })
        .collect()
}

/// Draw natively and also return the layout.
fn draw(report: &Report, opts: &PlotOptions, w: u32, h: u32) -> (String, PlotLayout) {
    let mut svg = String::new();
    let layout = {
        let area = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
        let l = draw_survival(&area, report, opts).unwrap();
        area.present().unwrap();
        l
    };
    (svg, layout)
}


#[test]
fn snapshot_lung_by_sex() {
    let opts = PlotOptions { landmarks: vec![365.0], percent: false, ..PlotOptions::default() };
    let svg = render_svg(&lung_labelled(), &opts, 900, 680, FigureKind::Survival).unwrap();
    check_snapshot("lung_by_sex", &svg);
}

#[test]
fn snapshot_lung_small_with_everything() {
    // A small canvas with every annotation on: nothing may overlap (looked at as PNG).
    let opts = PlotOptions { landmarks: vec![180.0, 365.0], percent: true, ..PlotOptions::default() };
    let svg = render_svg(&lung_labelled(), &opts, 560, 440, FigureKind::Survival).unwrap();
    check_snapshot("lung_small", &svg);
}

#[test]
fn snapshot_lung_cumulative_percent() {
    let opts = PlotOptions { cumulative: true, percent: true, conf_bands: false, italic_p: true, title: Some("Death by sex".into()), ..PlotOptions::default() };
    let svg = render_svg(&lung_by_sex(), &opts, 800, 600, FigureKind::Survival).unwrap();
    check_snapshot("lung_cumulative_percent", &svg);
}

#[test]
fn snapshot_transplant_cuminc() {
    let opts = PlotOptions { time_label: "Days from listing".into(), ..PlotOptions::default() };
    let svg = render_svg(&transplant_cuminc(), &opts, 900, 600, FigureKind::Survival).unwrap();
    check_snapshot("transplant_cuminc", &svg);
}

#[test]
fn snapshot_lung_forest() {
    let h = cohort::plot::forest::natural_height(&lung_by_sex(), &PlotOptions::default());
    assert!((150..300).contains(&h), "{h}");
    let svg = render_svg(&lung_by_sex(), &PlotOptions::default(), 900, h, FigureKind::Forest).unwrap();
    check_snapshot("lung_forest", &svg);
}

#[test]
fn risk_table_columns_sit_exactly_under_the_x_ticks() {
    for (w, h, scale) in [(900, 680, 1.0), (640, 520, 1.0), (1800, 1360, 2.0), (1234, 777, 1.3)] {
        let opts = PlotOptions { font_scale: scale, ..PlotOptions::default() };
        let (svg, layout) = draw(&lung_by_sex(), &opts, w, h);
        let table = layout.risk_table.as_ref().unwrap();
        let tick_px: Vec<i32> = layout.x_ticks.iter().map(|t| t.px).collect();
        assert!(tick_px.len() >= 3, "{w}x{h}: too few ticks {tick_px:?}");
        assert_eq!(table.columns_px, tick_px);
        assert_eq!(table.times, layout.x_ticks.iter().map(|t| t.value).collect::<Vec<_>>());
        // From the drawing: tick labels are the texts just below the axis, centred; each risk
        // row's numbers must be centred at the same x positions.
        let all = texts(&svg);
        let tick_label_y = all.iter().find(|t| t.text == layout.x_ticks[0].label && t.anchor == "middle").unwrap().y;
        let drawn_ticks: Vec<i32> = all.iter().filter(|t| t.y == tick_label_y && t.anchor == "middle").map(|t| t.x).collect();
        assert_eq!(drawn_ticks, tick_px, "{w}x{h}");
        for row in &table.rows {
            let numbers: Vec<&SvgText> = all.iter().filter(|t| t.y == row.y_px && t.anchor == "middle").collect();
            assert_eq!(numbers.iter().map(|t| t.x).collect::<Vec<_>>(), tick_px, "{w}x{h} row {:?}", row.group);
            // The row label is right-aligned left of the plot, in the group's colour.
            let label = all.iter().find(|t| t.y == row.y_px && t.anchor == "end").unwrap();
            assert!(label.x < layout.plot_left);
            let series = layout.series.iter().find(|s| s.group == row.group).unwrap();
            assert_eq!(label.fill.to_lowercase(), series.color);
        }
        // The table is below the x axis.
        assert!(table.rows.iter().all(|r| r.y_px > layout.plot_top + layout.plot_height + 20));
        assert!(table.rows.iter().all(|r| (r.y_px as u32) < h));
    }
}

#[test]
fn numbers_at_risk_match_the_hand_worked_report() {
    let opts = PlotOptions { break_by: Some(5.0), x_max: Some(15.0), ..PlotOptions::default() };
    let (svg, layout) = draw(&tiny(), &opts, 700, 500);
    let table = layout.risk_table.unwrap();
    assert_eq!(table.times, vec![0.0, 5.0, 10.0, 15.0]);
    assert_eq!(table.rows[0].counts, vec![5.0, 3.0, 1.0, 0.0]);
    assert_eq!(table.rows[1].counts, vec![4.0, 3.0, 1.0, 0.0]);
    let all = texts(&svg);
    let row_b: Vec<&str> = all.iter().filter(|t| t.y == table.rows[1].y_px && t.anchor == "middle").map(|t| t.text.as_str()).collect();
    assert_eq!(row_b, vec!["4", "3", "1", "0"]);
    // B never reaches 0.5: its median is written "not reached".
    assert!(all.iter().any(|t| t.text == "B: not reached"));
}

#[test]
fn lung_numbers_at_risk_agree_with_survminer() {
    // survminer::ggsurvplot(survfit(Surv(time, status) ~ sex, lung), risk.table = TRUE)
    // prints (anchors/survminer_lung_by_sex.png): Male 138 62 20 7 2, Female 90 53 21 3 0
    // at 0, 250, 500, 750, 1000 days.
    let opts = PlotOptions { break_by: Some(250.0), ..PlotOptions::default() };
    let (_, layout) = draw(&lung_labelled(), &opts, 900, 680);
    let t = layout.risk_table.unwrap();
    assert_eq!(t.times, vec![0.0, 250.0, 500.0, 750.0, 1000.0]);
    assert_eq!(t.rows[0].counts, vec![138.0, 62.0, 20.0, 7.0, 2.0]);
    assert_eq!(t.rows[1].counts, vec![90.0, 53.0, 21.0, 3.0, 0.0]);
}

#[test]
fn legend_lists_every_group_and_hidden_groups_disappear() {
    let (svg, layout) = draw(&lung_labelled(), &PlotOptions::default(), 900, 680);
    let all = texts(&svg);
    assert!(all.iter().any(|t| t.text == "Male (n = 138)"));
    assert!(all.iter().any(|t| t.text == "Female (n = 90)"));
    assert_eq!(layout.series.len(), 2);
    // The legend's entries, for the page's clicks: one box per group, side by side above the plot,
    // each around its own text.
    assert_eq!(layout.legend.len(), 2);
    let (m, f) = (&layout.legend[0], &layout.legend[1]);
    assert_eq!((m.group.as_deref(), m.hidden, f.group.as_deref(), f.hidden), (Some("Male"), false, Some("Female"), false));
    assert!(m.left + m.width <= f.left, "boxes overlap: {m:?} {f:?}");
    assert!(m.top + m.height <= layout.plot_top && m.height > 0);
    let text_of = |label: &str| all.iter().find(|t| t.text == label).unwrap();
    for e in &layout.legend {
        let t = text_of(&e.label);
        assert!(t.x > e.left && t.x < e.left + e.width && t.y > e.top && t.y < e.top + e.height, "{t:?} outside {e:?}");
    }
    let opts = PlotOptions { hidden_groups: vec!["Male".into()], ..PlotOptions::default() };
    let (svg, layout) = draw(&lung_labelled(), &opts, 900, 680);
    let all = texts(&svg);
    // A hidden group stays in the legend only, greyed (so a click brings it back): not in the
    // medians or the risk table.
    let male: Vec<_> = all.iter().filter(|t| t.text.contains("Male")).collect();
    assert_eq!(male.len(), 1, "{male:?}");
    assert_eq!((male[0].text.as_str(), male[0].fill.as_str()), ("Male (n = 138)", "#8A8F96"));
    assert!(all.iter().any(|t| t.text == "Female (n = 90)" && t.fill != "#8A8F96"));
    assert_eq!(layout.legend.iter().map(|e| e.hidden).collect::<Vec<_>>(), vec![true, false]);
    assert_eq!(layout.risk_table.unwrap().rows.len(), 1);
    assert_eq!(layout.series[0].index, 1);
    // Colours follow the level, not the position among visible curves.
    assert_eq!(layout.series[0].color, "#d55e00");
    let opts = PlotOptions { hidden_groups: vec!["Male".into(), "Female".into()], ..PlotOptions::default() };
    let mut s = String::new();
    let area = SVGBackend::with_string(&mut s, (900, 680)).into_drawing_area();
    assert!(draw_survival(&area, &lung_labelled(), &opts).unwrap_err().contains("hidden"));
}

#[test]
fn p_value_and_medians_are_written() {
    let (svg, _) = draw(&lung_labelled(), &PlotOptions::default(), 900, 680);
    let all = texts(&svg);
    // survdiff p = 0.00131 → "p = 0.0013", drawn as "Log-rank, " + "p" + " = 0.0013".
    assert!(all.iter().any(|t| t.text == "Log-rank, p = 0.0013"));
    // survfit medians (95% CI): male 270 (212, 310), female 426 (348, 550).
    assert!(all.iter().any(|t| t.text == "Male: 270 (212–310)"));
    assert!(all.iter().any(|t| t.text == "Female: 426 (348–550)"));
    let opts = PlotOptions { italic_p: true, p_digits: Some(3), ..PlotOptions::default() };
    let (svg, _) = draw(&lung_labelled(), &opts, 900, 680);
    let all = texts(&svg);
    // Italic P: three runs, "Log-rank, " + "P" + "= 0.001" (SVG would collapse a leading
    // space, so the space is an offset), each starting right of the previous one.
    let i = all.iter().position(|t| t.text == "Log-rank, ").unwrap();
    assert_eq!(all[i + 1].text, "P");
    assert_eq!(all[i + 1].style, "italic");
    assert_eq!(all[i + 2].text, "= 0.001");
    assert!(all[i + 1].x > all[i].x && all[i + 2].x > all[i + 1].x);
}

#[test]
fn text_sizes_are_css_pixels_in_svg() {
    // Tick labels are 0.92 × font_size = 12.88 px, whatever plotters' SVG unit convention.
    let (svg, layout) = draw(&lung_by_sex(), &PlotOptions::default(), 900, 680);
    let all = texts(&svg);
    let tick = all.iter().find(|t| t.text == layout.x_ticks[1].label).unwrap();
    assert!((tick.size - 12.88).abs() < 0.01, "{}", tick.size);
    let opts = PlotOptions { font_scale: 2.0, ..PlotOptions::default() };
    let (svg, layout) = draw(&lung_by_sex(), &opts, 1800, 1360);
    let tick = texts(&svg).into_iter().find(|t| t.text == layout.x_ticks[1].label).unwrap();
    assert!((tick.size - 25.76).abs() < 0.01, "{}", tick.size);
}

#[test]
fn layout_maps_data_to_the_drawn_pixels() {
    let (_, layout) = draw(&lung_by_sex(), &PlotOptions::default(), 900, 680);
    for t in &layout.x_ticks {
        assert_eq!(layout.x_px(t.value), t.px);
    }
    for t in &layout.y_ticks {
        assert_eq!(layout.y_px(t.value), t.px);
    }
    assert_eq!(layout.y_px(1.0), layout.plot_top);
    assert_eq!(layout.y_px(0.0), layout.plot_top + layout.plot_height);
    assert_eq!(layout.x_px(0.0), layout.plot_left);
    // x axis ends at the last follow-up time (1022 days), unless x_max says otherwise.
    assert_eq!(layout.x_max, 1022.0);
    let json = serde_json::to_value(&layout).unwrap();
    assert!(json["risk_table"]["columns_px"].is_array());
    let (_, layout) = draw(&lung_by_sex(), &PlotOptions { x_max: Some(730.0), ..PlotOptions::default() }, 900, 680);
    assert_eq!(layout.x_max, 730.0);
    assert!(layout.x_ticks.iter().all(|t| t.value <= 730.0));
}

#[test]
fn survival_reaching_zero_with_undefined_limits_draws() {
    // Group A reaches S = 0 at t = 10 where R leaves the CI undefined (NaN here).
    let (svg, layout) = draw(&tiny(), &PlotOptions { landmarks: vec![6.0], percent: true, ..PlotOptions::default() }, 700, 500);
    assert!(!svg.contains("NaN"));
    assert_eq!(layout.y_ticks.last().unwrap().label, "100");
    // Landmark at 6: A is 53% (0.8 · 2/3), B 75%.
    let all = texts(&svg);
    assert!(all.iter().any(|t| t.text == "53%"));
    assert!(all.iter().any(|t| t.text == "75%"));
}

#[test]
fn competing_risks_curves_and_gray_test() {
    let (svg, layout) = draw(&transplant_cuminc(), &PlotOptions::default(), 900, 600);
    assert_eq!(layout.figure, "cuminc");
    assert_eq!(layout.series.len(), 8);
    assert!(layout.series.iter().all(|s| s.dashed == (s.cause.as_deref() == Some("competing"))));
    assert!(layout.risk_table.is_none());
    let all = texts(&svg);
    // cmprsk Gray test: event p = 6.1e-9, competing p = 0.609.
    assert!(all.iter().any(|t| t.text == "Gray's test (event), p < 0.001"));
    assert!(all.iter().any(|t| t.text == "Gray's test (competing event), p = 0.61"));
    for g in ["A", "AB", "B", "O", "Competing event"] {
        assert!(all.iter().any(|t| t.text == g), "legend lacks {g}");
    }
}

#[test]
fn forest_plot_of_the_cox_model() {
    let svg = render_svg(&lung_by_sex(), &PlotOptions::default(), 900, 260, FigureKind::Forest).unwrap();
    let all = texts(&svg);
    for name in ["age", "sex=2", "ph.ecog"] {
        assert!(all.iter().any(|t| t.text == name), "{name}");
    }
    // coxph: age 1.01 (0.99–1.03) p 0.23; sex=2 0.58 (0.41–0.80) p 0.00099; ph.ecog 1.59 (1.27–1.99) p 4.4e-5
    assert!(all.iter().any(|t| t.text == "1.01 (0.99–1.03)"));
    assert!(all.iter().any(|t| t.text == "0.58 (0.41–0.80)"));
    assert!(all.iter().any(|t| t.text == "1.59 (1.27–1.99)"));
    assert!(all.iter().any(|t| t.text == "0.23"));
    assert!(all.iter().any(|t| t.text == "< 0.001"));
    let mut s = String::new();
    let area = SVGBackend::with_string(&mut s, (900, 260)).into_drawing_area();
    let layout = cohort::plot::forest::draw_forest(&area, &lung_by_sex(), &PlotOptions::default()).unwrap();
    assert!(layout.x_log);
    let one = layout.x_ticks.iter().find(|t| t.value == 1.0).unwrap();
    assert_eq!(layout.x_px(1.0), one.px);
    assert_eq!(layout.series.len(), 3);
}

#[test]
fn bad_requests_are_errors_not_panics() {
    let empty = Report::default();
    assert!(render_svg(&empty, &PlotOptions::default(), 800, 600, FigureKind::Survival).unwrap_err().contains("no survival curves"));
    assert!(render_svg(&empty, &PlotOptions::default(), 800, 600, FigureKind::Forest).unwrap_err().contains("covariates"));
    assert!(render_svg(&lung_by_sex(), &PlotOptions::default(), 160, 120, FigureKind::Survival).is_err());
    assert!(render_svg(&lung_by_sex(), &PlotOptions::default(), 50, 50, FigureKind::Survival).is_err());
    let opts = PlotOptions { break_by: Some(1.0), ..PlotOptions::default() };
    assert!(render_svg(&lung_by_sex(), &opts, 800, 600, FigureKind::Survival).unwrap_err().contains("break_by"));
    let opts = PlotOptions { font_scale: 0.0, ..PlotOptions::default() };
    assert!(render_svg(&lung_by_sex(), &opts, 800, 600, FigureKind::Survival).is_err());
}

#[test]
fn hover_values_follow_the_drawn_curves() {
    use cohort::plot::km::values_at;
    // Hand-worked report: at t = 7, A is 0.8·2/3 (CI 0.2–1), 2 at risk (its step at 8); B is
    // 0.75, 2 at risk (its step at 7 itself).
    let v = values_at(&tiny(), &PlotOptions::default(), 7.0);
    assert_eq!(v.len(), 2);
    assert!((v[0].estimate - 0.8 * 2.0 / 3.0).abs() < 1e-12);
    assert_eq!((v[0].lower, v[0].upper, v[0].n_risk), (Some(0.2), Some(1.0), Some(2.0)));
    assert_eq!((v[1].estimate, v[1].n_risk), (0.75, Some(2.0)));
    // At 10 A drops to 0 and its CI is undefined; B goes on to 12; past 12 no curve.
    let v = values_at(&tiny(), &PlotOptions::default(), 10.0);
    assert_eq!((v[0].estimate, v[0].lower), (0.0, None));
    assert_eq!(values_at(&tiny(), &PlotOptions::default(), 11.0).len(), 1);
    assert!(values_at(&tiny(), &PlotOptions::default(), 13.0).is_empty());
    // Cumulative display: 1 − S with the limits swapped.
    let v = values_at(&tiny(), &PlotOptions { cumulative: true, ..PlotOptions::default() }, 3.0);
    assert!((v[0].estimate - 0.2).abs() < 1e-12 && (v[0].upper.unwrap() - 0.48).abs() < 1e-12);
    assert_eq!(v[1].label, "B (n = 4)");
}

#[test]
fn ungrouped_curve_and_hidden_groups_drop_the_test() {
    let text = std::fs::read_to_string(root().join("tests/reference/lung.expected.json")).unwrap();
    let all: Value = serde_json::from_str(&text).unwrap();
    let case = all["cases"].as_array().unwrap().iter().find(|c| c["name"] == "overall").unwrap();
    let km: Vec<KmCurve> = case["expected"]["km"].as_array().unwrap().iter().map(km_from_json).collect();
    let report = Report { km, time_unit: Some("days"), ..Report::default() };
    let (svg, layout) = draw(&report, &PlotOptions::default(), 800, 600);
    let texts = texts(&svg);
    assert!(texts.iter().any(|t| t.text == "All (n = 228)"));
    // survfit(Surv(time, status) ~ 1, lung): median 310 (285, 363).
    assert!(texts.iter().any(|t| t.text == "310 (285–363)"));
    assert!(!texts.iter().any(|t| t.text.contains("Log-rank")));
    assert_eq!(layout.series[0].color, "#000000");
    assert_eq!(layout.risk_table.unwrap().rows[0].counts[0], 228.0);
    // Hiding a group: the log-rank p (a comparison of all groups) is not written.
    let opts = PlotOptions { hidden_groups: vec!["B".into()], ..PlotOptions::default() };
    let (svg, _) = draw(&tiny(), &opts, 700, 500);
    assert!(!svg.contains("Log-rank"));
    let (svg, _) = draw(&tiny(), &PlotOptions::default(), 700, 500);
    assert!(svg.contains("Log-rank, p = 0.48"));
}

#[test]
fn the_layout_step_alone_gives_the_drawn_layout() {
    use cohort::plot::km::survival_layout;
    for (report, opts) in [
        (lung_labelled(), PlotOptions { landmarks: vec![365.0], ..PlotOptions::default() }),
        (lung_labelled(), PlotOptions { kmunicate: true, min_cell: Some(10), hidden_groups: vec!["Female".into()], ..PlotOptions::default() }),
        (transplant_cuminc(), PlotOptions::default()),
    ] {
        let (_, drawn) = draw(&report, &opts, 900, 680);
        // As JSON: a suppressed count is NaN (null), which `==` would call unequal to itself.
        let alone = survival_layout(&report, &opts, &report, 900, 680).unwrap();
        assert_eq!(serde_json::to_string(&alone).unwrap(), serde_json::to_string(&drawn).unwrap());
        assert_eq!(alone.annotation_strip, drawn.annotation_strip);
    }
    // The same errors, without a drawing area.
    let tall = survival_layout(&lung_labelled(), &PlotOptions::default(), &lung_labelled(), 900, 120).unwrap_err();
    assert!(tall.contains("too short"), "{tall}");
}
