//! The engine's idle warm-up (src/wasm/warm.rs `warmUp`, which only the wasm build compiles): its
//! plan — the synthetic rows, the step sizes, the analyses — runs here natively through the same
//! core calls as the wasm `Session` makes them (the streamed parse in `STREAM_BYTES` batches, the
//! small-file parse, Kaplan–Meier + log-rank by group, Cox with ten covariates, the figure), and
//! each step must succeed with the results a real file of that shape gives.

use cohort::ingest::{StreamEnd, TextStream};
use cohort::{analyze, read_table, AnalysisSpec};
// The plan reads it through `super` (the crate's own in the wasm build).
use cohort::rng::SplitMix64;

#[path = "../src/wasm/warm/plan.rs"]
mod plan;

use plan::{Rows, COX_SPEC, FIGURE_H, FIGURE_W, GEN_ROWS, KM_SPEC, SMALL_ROWS, STREAM_BYTES};

#[test]
fn warm_up_steps_run_and_give_real_analyses() {
    let rows = 3000;
    // Made a step at a time, as the engine does.
    let mut csv = String::from(Rows::HEADER);
    let mut gen = Rows::new(20261203);
    let mut made = 0;
    while made < rows {
        let n = GEN_ROWS.min(rows - made);
        gen.push(n, &mut csv);
        made += n;
    }
    // The small-file path.
    let end = plan::rows_end(&csv, SMALL_ROWS);
    let small = read_table(&csv.as_bytes()[..end], "warm-up-small.csv", &Default::default()).unwrap();
    assert_eq!(small.n_rows(), SMALL_ROWS);
    assert_eq!(plan::rows_end(&csv, rows + 5), csv.len());
    // The streamed path, in the engine's batches (`spare` + `commit`, as `stream_buffer` and
    // `stream_commit`).
    let mut stream = TextStream::new("warm-up.csv", csv.len(), Default::default());
    for chunk in csv.as_bytes().chunks(STREAM_BYTES) {
        stream.spare(chunk.len()).copy_from_slice(chunk);
        stream.commit(chunk.len()).unwrap();
    }
    let table = match stream.end().unwrap() {
        StreamEnd::Table(t) => t,
        _ => panic!("the warm-up's file was asked for again"),
    };
    assert_eq!(table.n_rows(), rows);
    // The same table as the file read whole, and the schema the page is sent.
    let whole = read_table(csv.as_bytes(), "warm-up.csv", &Default::default()).unwrap();
    assert_eq!(serde_json::to_string(&table.schema()).unwrap().replace("warm-up.csv", ""), serde_json::to_string(&whole.schema()).unwrap().replace("warm-up.csv", ""));
    // The analyses.
    let km = analyze(&table, &AnalysisSpec::from_json(KM_SPEC).unwrap()).unwrap();
    assert_eq!(km.km.len(), 3, "a curve per group A/B/C");
    assert!(km.logrank.as_ref().is_some_and(|t| t.p.is_finite()));
    let cox = analyze(&table, &AnalysisSpec::from_json(COX_SPEC).unwrap()).unwrap();
    let fit = cox.cox.as_ref().expect("a Cox model");
    assert_eq!(fit.terms.len(), 10);
    assert!(fit.converged && fit.concordance.c > 0.5, "the covariates predict: C = {}", fit.concordance.c);
    assert!(fit.ph_test.is_some(), "the cox.zph test comes with the fit");
    // The figure (the engine draws it into an OffscreenCanvas where there is one, else as SVG).
    let opts: cohort::plot::PlotOptions = serde_json::from_str(r#"{"font_scale":1}"#).unwrap();
    let svg = cohort::plot::render_svg(&km, &opts, FIGURE_W, FIGURE_H, cohort::plot::FigureKind::Survival).unwrap();
    assert!(svg.starts_with("<svg") && svg.len() > 10_000);
    // Seeded: the same rows every time.
    let mut again = String::from(Rows::HEADER);
    Rows::new(20261203).push(rows, &mut again);
    assert_eq!(again, csv);
}

/// The rows have the bench file's columns and shape (`cohort synth N SEED --designs`), however
/// the steps cut them: the same types read, whole-day times with ties, the three outcomes and
/// groups, about 60% events, half the `tx` blank, and a model of x1..x10 that predicts.
#[test]
fn warm_up_rows_have_the_bench_files_shape() {
    let mut out = String::from(Rows::HEADER);
    let mut rows = Rows::new(7);
    rows.push(1300, &mut out);
    rows.push(1, &mut out);
    rows.push(699, &mut out);
    let mut again = String::from(Rows::HEADER);
    Rows::new(7).push(2000, &mut again);
    assert_eq!(out, again, "seeded, and the same rows however the steps cut them");
    let ours = read_table(out.as_bytes(), "w.csv", &Default::default()).unwrap();
    let bench = read_table(cohort::bench::synthetic_csv_designs(2000, 7).as_bytes(), "b.csv", &Default::default()).unwrap();
    let kinds = |t: &cohort::Table| serde_json::to_value(t.schema()).unwrap()["columns"].as_array().unwrap().iter().map(|c| (c["name"].clone(), c["kind"].clone())).collect::<Vec<_>>();
    assert_eq!(kinds(&ours), kinds(&bench));
    assert_eq!(ours.n_rows(), 2000);
    let cells: Vec<Vec<&str>> = out.lines().skip(1).map(|l| l.split(',').collect()).collect();
    assert!(cells.iter().all(|c| c.len() == 16));
    let count = |col: usize, v: &str| cells.iter().filter(|c| c[col] == v).count();
    let events = count(1, "1");
    assert!((900..1500).contains(&events), "{events} events");
    assert!(count(1, "2") > 50 && count(1, "0") > 300);
    assert!(["A", "B", "C"].iter().all(|g| (500..850).contains(&count(2, g))));
    assert!((850..1150).contains(&count(14, "")), "half the tx blank");
    let distinct_times: std::collections::BTreeSet<&str> = cells.iter().map(|c| c[0]).collect();
    assert!(distinct_times.len() < 1500, "whole days, with ties");
    // 14 decimals at most, as R's 15 digits; values within ±6.
    for c in &cells {
        for x in &c[3..13] {
            let v: f64 = x.parse().unwrap();
            assert!(v.abs() <= 6.0 && x.split('.').nth(1).map_or(0, str::len) <= 14, "{x}");
        }
    }
    assert_eq!(plan::handle_of(r#"{"handle":42,"report":{}}"#), 42);
    assert_eq!(plan::handle_of(r#"{"handle":7,"same":[]}"#), 7);
    assert_eq!(plan::handle_of("{}"), 0);
}
