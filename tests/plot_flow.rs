//! The cohort flow diagram (src/plot/flow.rs) from real reports: `tests/messy/text_times.csv`
//! (30 rows of R's lung, three time cells of text: 'unknown' on lines 5 and 24, 'lost' on line
//! 11) by sex. The report's `flow` holds the same numbers as its warnings; the SVG is compared
//! with a snapshot (UPDATE_SNAPSHOTS=1 rewrites it; PLOT_PREVIEW_DIR=dir writes it there to look
//! at) and read back: every count, the reason, the groups, and "<k" under disclosure control.

use cohort::plot::{flow::flow_height, render_svg, FigureKind, PlotOptions};
use cohort::report::Report;
use cohort::spec::AnalysisSpec;

#[path = "support/snapshot.rs"]
mod snapshot;
use snapshot::{check_snapshot, preview, root};

fn messy(spec: serde_json::Value) -> Report {
    let bytes = std::fs::read(root().join("tests/messy/text_times.csv")).unwrap();
    let spec: AnalysisSpec = serde_json::from_value(spec).unwrap();
    cohort::analyze::analyze_bytes(&bytes, "text_times.csv", &spec).unwrap()
}

fn by_sex() -> Report {
    messy(serde_json::json!({"time": "time", "event": {"column": "status", "event": ["2"]}, "group": "sex"}))
}

#[test]
fn the_flow_holds_the_rows_read_excluded_and_analysed() {
    let r = by_sex();
    let f = r.flow.as_ref().unwrap();
    assert_eq!((f.rows_read, f.filtered_out, f.analysed), (30, 0, 27));
    assert_eq!(f.excluded.len(), 1);
    assert_eq!(f.excluded[0].reason, "the time in 'time' is not a number");
    assert_eq!((f.excluded[0].count, f.excluded[0].lines.clone()), (3, vec![5, 11, 24]));
    // Per group: the groups add up to the analysed rows, their events to the report's.
    assert_eq!(f.groups.iter().map(|g| g.n).sum::<usize>(), 27);
    assert_eq!(f.groups.iter().map(|g| g.events).sum::<usize>(), r.events);
    for (g, km) in f.groups.iter().zip(&r.km) {
        assert_eq!((Some(g.group.clone()), g.n, g.events), (km.group.clone(), km.n, km.events));
    }
    // Rows read = analysed + excluded: nothing disappears unnamed.
    assert_eq!(f.rows_read, f.analysed + f.excluded_total() + f.filtered_out);
}

#[test]
fn the_methods_text_gives_the_same_numbers() {
    let r = by_sex();
    let m = cohort::export::methods_text_k(&r, None);
    assert!(m.contains("Of 30 rows (3 excluded: the time in 'time' is not a number, 3), 27 were analysed"), "{m}");
    let m5 = cohort::export::methods_text_k(&r, Some(5));
    // Under disclosure control (src/disclosure/flow.rs) the reason is named and its count withheld.
    assert!(m5.contains("27 rows were analysed (fewer than 5 excluded: the time in 'time' is not a number (counts below 5 are not shown))"), "{m5}");
}

#[test]
fn filters_are_their_own_step() {
    let r = messy(serde_json::json!({"time": "time", "event": {"column": "status", "event": ["2"]},
        "filters": [{"column": "age", "op": ">=", "value": 60}]}));
    let f = r.flow.unwrap();
    assert!(f.filtered_out > 0);
    assert_eq!(f.rows_read, f.analysed + f.excluded_total() + f.filtered_out);
}

#[test]
fn snapshot_text_times_by_sex() {
    let r = by_sex();
    let h = flow_height(&r, 640, None);
    assert!((200..600).contains(&h), "height {h}");
    let svg = render_svg(&r, &PlotOptions::default(), 640, h, FigureKind::Flow).unwrap();
    check_snapshot("text_times_flow", &svg);
    for text in ["Rows read from text_times.csv", "30 rows", "Excluded: 3 rows", "the time in &apos;time&apos; is not a number: 3", "Analysed", "27 rows"] {
        assert!(svg.contains(text) || svg.contains(&text.replace("&apos;", "'")), "{text} not in the SVG");
    }
    for g in &r.flow.as_ref().unwrap().groups {
        assert!(svg.contains(&format!("n = {}", g.n)), "group {} n", g.group);
        assert!(svg.contains(&format!("sex = {}", g.group)), "group {} title", g.group);
    }
}

#[test]
fn small_counts_are_suppressed() {
    let r = by_sex();
    let o = PlotOptions { min_cell: Some(5), ..PlotOptions::default() };
    let svg = render_svg(&r, &o, 640, flow_height(&r, 640, None), FigureKind::Flow).unwrap();
    preview("text_times_flow_k5", &svg);
    assert!(svg.contains("Excluded: &lt;5 rows") || svg.contains("Excluded: <5 rows"), "3 excluded rows below k=5");
    assert!(!svg.contains("Excluded: 3 rows"));
}

#[test]
fn a_report_without_a_flow_is_an_error_not_a_panic() {
    let mut r = by_sex();
    r.flow = None;
    assert!(render_svg(&r, &PlotOptions::default(), 640, 400, FigureKind::Flow).unwrap_err().contains("no cohort flow"));
}
