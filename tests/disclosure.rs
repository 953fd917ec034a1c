//! Disclosure control in the exports: with a threshold k, a group of fewer than k patients and
//! every number-at-risk cell below k are written "<k" in the figure (SVG, the same drawing the
//! page's canvas and PNG use) and in the methods-and-results paragraph, never as the count.
//!
//! Data: R's `lung` (tests/reference/lung.csv) grouped by `ph.ecog`, whose level 3 has a single
//! patient (R: `table(lung$ph.ecog)` → 0: 63, 1: 113, 2: 50, 3: 1; one row has NA).

use cohort::plot::{render_svg, FigureKind, PlotOptions};
use cohort::{analyze_bytes, AnalysisSpec, Report};

fn lung_by_ecog() -> Report {
    let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reference/lung.csv")).unwrap();
    let spec = AnalysisSpec::from_json(r#"{"time":"time","event":{"column":"status","event":["2"]},"group":"ph.ecog","times":[180,365]}"#).unwrap();
    analyze_bytes(&bytes, "lung.csv", &spec).unwrap()
}

/// The text elements of an SVG (plotters writes each on its own line), unescaped.
fn texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|c| Some(c[c.find('>')? + 1..c.find("</text>")?].trim().replace("&lt;", "<").replace("&gt;", ">")))
        .collect()
}

#[test]
fn the_figure_suppresses_small_groups_and_at_risk_cells() {
    let r = lung_by_ecog();
    let g3 = r.km.iter().find(|c| c.group.as_deref() == Some("3")).unwrap();
    assert_eq!(g3.n, 1);
    // Without k: the legend says n = 1 and the risk table shows the small counts.
    let plain = texts(&render_svg(&r, &PlotOptions::default(), 1000, 700, FigureKind::Survival).unwrap());
    assert!(plain.iter().any(|t| t == "3 (n = 1)"), "{plain:?}");
    assert!(!plain.iter().any(|t| t == "<10"));
    // With k = 10: "3 (n < 10)", no count 1..9 anywhere in the table, "<10" instead.
    let opts = PlotOptions { min_cell: Some(10), y_label: "S".into(), ..PlotOptions::default() };
    let svg = render_svg(&r, &opts, 1000, 700, FigureKind::Survival).unwrap();
    let ts = texts(&svg);
    assert!(ts.iter().any(|t| t == "3 (n < 10)"), "{ts:?}");
    assert!(!ts.iter().any(|t| t.contains("n = 1)")), "{ts:?}");
    assert!(ts.iter().any(|t| t == "<10"), "{ts:?}");
    // Other numbers in the figure: axis ticks (0, 250, ... and 0.00 ... 1.00) and the group
    // labels of the table's rows (0, 1, 2, 3). Every other small integer would be a count.
    let table_small: Vec<&String> = ts
        .iter()
        .filter(|t| !r.groups.contains(t) && !t.contains('.') && t.parse::<f64>().is_ok_and(|n| (1.0..10.0).contains(&n)))
        .collect();
    assert!(table_small.is_empty(), "unsuppressed small counts: {table_small:?}");
    // The big groups keep their counts: 113 patients with ECOG 1 at time 0.
    assert!(ts.iter().any(|t| t == "113"));
    assert!(ts.iter().any(|t| t == "1 (n = 113)"));
}

#[test]
fn the_methods_paragraph_suppresses_small_counts_and_says_so() {
    let r = lung_by_ecog();
    let plain = cohort::export::methods_text(&r);
    assert!(plain.contains("In group 3 (n = 1)"), "{plain}");
    assert!(!plain.contains("disclosure control"));
    let m = cohort::export::methods_text_k(&r, Some(10));
    assert!(m.contains("In group 3 (n < 10)"), "{m}");
    assert!(!m.contains("(n = 1)"), "{m}");
    assert!(m.contains("In group 1 (n = 113)"), "{m}");
    assert!(m.contains("Disclosure control (k = 10): counts from 1 to 9 are shown as <10"), "{m}");
    // With a group suppressed, the total (from which its size follows) is not shown.
    assert!(!m.contains("228 were analysed") && m.contains("are not shown"), "{m}");
    // k = 1 hides nothing: the same paragraph as without k, and the sentence saying how.
    let m1 = cohort::export::methods_text_k(&r, Some(1));
    assert!(m1.contains("In group 3 (n = 1)") && m1.contains("Of 228 rows (1 excluded: group 'ph.ecog' is missing, 1), 227 were analysed"), "{m1}");
}

/// "Save tables (CSV)" (`tables-csv`, issue 14): one block per table, each under its own header
/// (landmark rows are not under the summary header, Table 1 rows not under the model's), blocks
/// separated by an empty line, and no Table 1 row of the grouping column.
#[test]
fn the_tables_csv_gives_each_table_its_own_header() {
    let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reference/lung.csv")).unwrap();
    let spec = AnalysisSpec::from_json(
        r#"{"time":"time","event":{"column":"status","event":["2"]},"group":"sex","times":[180,365],"covariates":["age","ph.ecog"],"categorical":["ph.ecog"],"univariable":["age"],"table1":["sex","ph.ecog","age"],"table1_codes":true}"#,
    )
    .unwrap();
    let table = cohort::read_table(&bytes, "lung.csv", &cohort::ReadOptions::from_spec(&spec)).unwrap();
    let report = cohort::analyze(&table, &spec).unwrap();
    assert!(report.table1.as_ref().unwrap().iter().any(|r| r.variable == "sex"), "the report's Table 1 has the sex row");
    let input = cohort::export::ExportInput { report: &report, table: Some(&table), file: "lung.csv", k: 5, plot: Default::default(), width: 1200, height: 800 };
    let csv = String::from_utf8(cohort::export::export_bytes(cohort::export::ExportKind::TablesCsv, &input).unwrap()).unwrap();
    let blocks: Vec<&str> = csv.trim_end().split("\n\n").collect();
    let headers: Vec<&str> = blocks.iter().map(|b| b.lines().next().unwrap()).collect();
    assert_eq!(
        headers,
        [
            "# counts below,5,shown as <5; curves coarsened to steps of at least 5 events",
            "table,group,n,events,median,median_lower,median_upper",
            "table,group,time,n_risk,survival,lower,upper",
            "table,term,univariable_hr,lower,upper,p,multivariable_hr,lower,upper,p",
            "table,variable,level,group,count,percent",
            "table,variable,group,n,median,q1,q3",
        ]
    );
    let kinds = ["", "summary", "survival_at", "cox", "table1", "table1_numeric"];
    for (b, kind) in blocks.iter().zip(kinds).skip(1) {
        let width = b.lines().next().unwrap().split(',').count();
        for line in b.lines().skip(1) {
            assert_eq!(line.split(',').next(), Some(kind), "a {kind} block holds: {line}");
            assert!(line.split(',').count() <= width, "{line}: more cells than its header");
        }
    }
    assert!(blocks[2].contains("survival_at,1,180,"), "the landmark's time under `time`:\n{}", blocks[2]);
    assert!(!csv.contains("table1,sex,"), "no row of the grouping column:\n{csv}");
    assert!(csv.contains("table1,ph.ecog,0,1,36,"), "{csv}");
    assert!(csv.contains("table1_numeric,age,1,138,"), "{csv}");
}

/// Landmark values leave as the released (coarsened) curve's: the last released step at or
/// before each landmark. On lung by ECOG at 180 and 365 days some differ from the estimate at
/// every event time, and the methods paragraph says so; without landmark times it does not.
#[test]
fn landmarks_are_read_from_the_coarsened_curve_and_the_methods_say_so() {
    let r = lung_by_ecog();
    let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reference/lung.csv")).unwrap();
    let table = cohort::read_table(&bytes, "lung.csv", &cohort::ReadOptions::default()).unwrap();
    let p = cohort::disclosure::protect(&r, Some(&table), 5);
    let mut differ = 0;
    for (orig, out) in r.km.iter().zip(&p.report.km) {
        for (a, b) in orig.at.iter().zip(&out.at) {
            if b.surv.is_nan() {
                continue;
            }
            let released = out.steps.iter().filter(|s| s.time <= b.time && s.surv.is_finite()).last().map_or(1.0, |s| s.surv);
            assert_eq!(b.surv, released, "group {:?} at {}", out.group, b.time);
            if (a.surv - b.surv).abs() > 5e-5 {
                differ += 1;
            }
        }
    }
    assert!(differ > 0, "no landmark differs: the methods sentence would be idle on this case");
    let methods = cohort::export::methods_protected(&p);
    assert!(methods.contains("landmark times are read from these coarsened curves"), "{methods}");
    let spec = AnalysisSpec::from_json(r#"{"time":"time","event":{"column":"status","event":["2"]},"group":"ph.ecog"}"#).unwrap();
    let plain = analyze_bytes(&bytes, "lung.csv", &spec).unwrap();
    let methods = cohort::export::methods_protected(&cohort::disclosure::protect(&plain, Some(&table), 5));
    assert!(!methods.contains("landmark"), "{methods}");
}

/// With delayed entry the first pool's number at risk is no group size: it is rounded up to a
/// multiple of k like every other number at risk of the curve (`disclosure::RiskRounding`). It
/// was released exact (7 here, where the risk table at time 0 says 10; found by the random
/// attack run on a time-varying exposure's curve).
#[test]
fn the_first_pool_with_delayed_entry_is_rounded_as_the_rest() {
    let mut csv = String::from("entry,time,status\n");
    for i in 1..=7 {
        csv.push_str(&format!("0,{i},1\n"));
    }
    for i in 8..=14 {
        csv.push_str(&format!("3.5,{i},1\n"));
    }
    let spec = AnalysisSpec::from_json(r#"{"time":"time","event":{"column":"status","event":["1"]},"entry":"entry"}"#).unwrap();
    let r = analyze_bytes(csv.as_bytes(), "entry.csv", &spec).unwrap();
    assert_eq!(r.km[0].steps[0].n_risk, 7.0);
    let p = cohort::disclosure::protect(&r, None, 5).report;
    let released: Vec<f64> = p.km[0].steps.iter().filter(|s| s.surv.is_finite()).map(|s| s.n_risk).collect();
    assert!(!released.is_empty());
    for n in &released {
        assert!(n % 5.0 == 0.0 && *n >= 5.0, "{released:?}");
    }
    assert_eq!(released[0], 10.0);
}

/// A suppressed model term (a level of fewer than k patients or events) loses its
/// proportional-hazards test with its row; the other terms and the global test stay. When every
/// term is suppressed, the residual plot is refused with that reason, and the methods paragraph
/// writes no empty "In the Cox model: ." list.
#[test]
fn a_suppressed_terms_ph_test_goes_with_its_row() {
    let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reference/lung.csv")).unwrap();
    let spec = AnalysisSpec::from_json(r#"{"time":"time","event":{"column":"status","event":["2"]},"covariates":["age","ph.ecog"],"categorical":["ph.ecog"]}"#).unwrap();
    let table = cohort::read_table(&bytes, "lung.csv", &cohort::ReadOptions::from_spec(&spec)).unwrap();
    let r = cohort::analyze(&table, &spec).unwrap();
    let ph = r.cox.as_ref().unwrap().ph_test.as_ref().unwrap();
    assert!(ph.terms.iter().any(|t| t.name == "ph.ecog=3" && t.chisq.is_finite()));
    let p = cohort::disclosure::protect(&r, Some(&table), 5);
    assert_eq!(p.withheld.terms, ["ph.ecog=3"]);
    for t in &p.report.cox.as_ref().unwrap().ph_test.as_ref().unwrap().terms {
        assert_eq!(t.chisq.is_finite(), t.name != "ph.ecog=3", "{t:?}");
    }
    assert!(p.report.cox.as_ref().unwrap().ph_test.as_ref().unwrap().global.chisq.is_finite());

    // Only ph.ecog = 3 against the rest, at a k above both of its counts' complements: every
    // term suppressed.
    let spec = AnalysisSpec::from_json(r#"{"time":"time","event":{"column":"status","event":["2"]},"covariates":["ph.ecog"],"categorical":["ph.ecog"],"filters":[{"column":"ph.ecog","op":"in","values":["2","3"]}]}"#).unwrap();
    let r = cohort::analyze(&table, &spec).unwrap();
    let input = cohort::export::ExportInput { report: &r, table: Some(&table), file: "lung.csv", k: 5, plot: Default::default(), width: 900, height: 600 };
    let err = cohort::export::export_bytes(cohort::export::ExportKind::PhResidualsSvg, &input).unwrap_err();
    assert!(err.contains("every term of the model"), "{err}");
    let methods = String::from_utf8(cohort::export::export_bytes(cohort::export::ExportKind::Methods, &input).unwrap()).unwrap();
    assert!(!methods.contains("In the Cox model") && methods.contains("not shown: ph.ecog=3"), "{methods}");
}

/// Table 1 columns withheld whole (found by the random attack run): group A's stage is 1, 5
/// and 5 patients, so with "<5" on the 1 and "suppressed" (at least 5) on both others, N = 11
/// gives the 1 back; and a 0/1 numeric column with 3 zeros among 11 gives them back through its
/// mean (0.73 × 11 = 8 ones). Both are written "withheld", the numeric one's summaries too.
#[test]
fn table1_columns_no_suppression_protects_are_withheld_whole() {
    let mut csv = String::from("time,status,grp,stage,bin\n");
    let stages_a = ["I", "II", "II", "II", "II", "II", "III", "III", "III", "III", "III"];
    for (i, s) in stages_a.iter().enumerate() {
        csv.push_str(&format!("{},1,A,{s},{}\n", i + 1, u8::from(i >= 3)));
    }
    for i in 0..14 {
        csv.push_str(&format!("{},{},B,{},{}\n", i + 2, i % 2, if i < 7 { "I" } else { "II" }, i % 2));
    }
    let spec = AnalysisSpec::from_json(r#"{"time":"time","event":{"column":"status","event":["1"]},"group":"grp","table1":["stage","bin"]}"#).unwrap();
    let table = cohort::read_table(csv.as_bytes(), "t1.csv", &cohort::ReadOptions::from_spec(&spec)).unwrap();
    let r = cohort::analyze(&table, &spec).unwrap();
    let input = cohort::export::ExportInput { report: &r, table: Some(&table), file: "t1.csv", k: 5, plot: Default::default(), width: 900, height: 600 };
    let md = String::from_utf8(cohort::export::export_bytes(cohort::export::ExportKind::Table1Md, &input).unwrap()).unwrap();
    let line = |start: &str| md.lines().find(|l| l.trim_start_matches("| ").trim_start_matches("&nbsp;&nbsp;").starts_with(start)).unwrap_or_else(|| panic!("{start}: {md}")).to_string();
    let cells = |l: String| l.split(" | ").map(|c| c.trim_matches(['|', ' ']).to_string()).collect::<Vec<_>>();
    for level in ["I", "II", "III"] {
        assert_eq!(cells(line(level))[1], "withheld", "{md}");
    }
    assert_eq!(cells(line("bin, mean (SD)"))[1], "withheld", "{md}");
    assert_eq!(cells(line("bin, median"))[1], "withheld", "{md}");
    // Group B's columns (7 and 7) are shown as they are.
    assert!(cells(line("bin, mean (SD)"))[2].starts_with("0.50"), "{md}");
    assert!(md.contains("Columns marked withheld"), "{md}");
    // The report JSON: no count, no mean.
    let json: serde_json::Value = serde_json::from_slice(&cohort::export::export_bytes(cohort::export::ExportKind::ReportJson, &input).unwrap()).unwrap();
    let bin = json["table1"].as_array().unwrap().iter().find(|r| r["variable"] == "bin").unwrap();
    assert!(bin["groups"][0]["mean"].is_null() && bin["groups"][0]["sd"].is_null(), "{bin}");
    let stage = json["table1"].as_array().unwrap().iter().find(|r| r["variable"] == "stage").unwrap();
    assert!(stage["groups"][0]["levels"].as_array().unwrap().iter().all(|l| l["count"] == "withheld"), "{stage}");
}

/// The parametric (survreg) models follow the Cox model's rules: a small level's term is
/// suppressed (lung's ph.ecog = 3, one patient: its time ratio's variance gives the count), the
/// model's n and events go with the totals, and the covariates' means (a level's share to 12
/// digits: 1/227 is one patient) never leave.
#[test]
fn parametric_models_follow_the_model_rules() {
    let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reference/lung.csv")).unwrap();
    let spec = AnalysisSpec::from_json(r#"{"time":"time","event":{"column":"status","event":["2"]},"group":"ph.ecog","covariates":["age","ph.ecog"],"categorical":["ph.ecog"],"parametric":["weibull"]}"#).unwrap();
    let table = cohort::read_table(&bytes, "lung.csv", &cohort::ReadOptions::from_spec(&spec)).unwrap();
    let r = cohort::analyze(&table, &spec).unwrap();
    let fit = &r.parametric[0];
    let term = |f: &cohort::stats::parametric::ParametricReport, name: &str| f.terms.iter().find(|t| t.name == name).unwrap().clone();
    assert!(term(fit, "ph.ecog=3").se.is_finite() && fit.x_mean.iter().all(|m| m.is_finite()) && fit.n > 0);
    let p = cohort::disclosure::protect(&r, Some(&table), 5).report;
    let fit = &p.parametric[0];
    let t3 = term(fit, "ph.ecog=3");
    assert!(t3.coef.is_nan() && t3.se.is_nan() && t3.time_ratio.is_none(), "{t3:?}");
    assert!(term(fit, "age").se.is_finite());
    assert!(fit.x_mean.iter().all(|m| m.is_nan()));
    // ph.ecog = 3 is a group of one: the totals, and the model's n, are withheld.
    assert_eq!((fit.n, fit.events), (0, 0));
    // The predictions: the means row's covariates never leave; the group of one has no fitted
    // median or curve; the others keep theirs.
    let spec = AnalysisSpec::from_json(r#"{"time":"time","event":{"column":"status","event":["2"]},"group":"ph.ecog","covariates":["ph.ecog"],"categorical":["ph.ecog"],"parametric":["weibull"]}"#).unwrap();
    let r = cohort::analyze(&table, &spec).unwrap();
    assert!(r.parametric[0].predictions.iter().any(|pr| pr.group.as_deref() == Some("3") && pr.median.is_finite()));
    let p = cohort::disclosure::protect(&r, Some(&table), 5).report;
    for pr in &p.parametric[0].predictions {
        match pr.group.as_deref() {
            None => assert!(pr.x.iter().all(|x| x.is_nan())),
            Some("3") => assert!(pr.median.is_nan() && pr.curve.is_empty() && pr.at.iter().all(|a| a.surv.is_nan()), "{pr:?}"),
            Some(_) => assert!(pr.median.is_finite() && !pr.curve.is_empty()),
        }
    }
    let svg = cohort::plot::render_svg(&p, &PlotOptions { min_cell: Some(5), ..PlotOptions::default() }, 900, 600, FigureKind::ParametricFit).unwrap();
    assert!(!svg.contains("NaN"));
}

/// Table 1's secondary cells are the smallest of the others, so an attacker who knows the rule
/// knows each is at most the smallest cell still shown. Stage 2, 5, 5, 18 of N = 30 at k = 5:
/// "<5", "suppressed", 5, 18 gave the 2 back (the suppressed cell is at least 5 and at most the
/// shown 5). The next smallest cell is suppressed too, until no withheld cell has one value.
#[test]
fn table1_secondary_cells_are_bounded_by_the_smallest_cell_shown() {
    let mut csv = String::from("time,status,grp,stage\n");
    let stages = [("I", 2), ("II", 5), ("III", 5), ("IV", 18)];
    let mut t = 0;
    for (level, n) in stages {
        for _ in 0..n {
            t += 1;
            csv.push_str(&format!("{t},1,A,{level}\n"));
        }
    }
    for level in ["I", "II", "III", "IV"] {
        for _ in 0..10 {
            t += 1;
            csv.push_str(&format!("{t},{},B,{level}\n", t % 2));
        }
    }
    let spec = AnalysisSpec::from_json(r#"{"time":"time","event":{"column":"status","event":["1"]},"group":"grp","table1":["stage"]}"#).unwrap();
    let table = cohort::read_table(csv.as_bytes(), "t1.csv", &cohort::ReadOptions::from_spec(&spec)).unwrap();
    let r = cohort::analyze(&table, &spec).unwrap();
    let p = cohort::disclosure::protect(&r, Some(&table), 5);
    let shown: Vec<Option<String>> = (0..4).map(|li| p.table1.cell(0, 0, li)).collect();
    assert_eq!(shown, [Some("<5".to_string()), Some("suppressed".to_string()), Some("suppressed".to_string()), None], "{shown:?}");
}

/// A frequency-weighted file of fewer than k rows: the patients (14) may be released, the rows
/// (7) are not (found by the random attack run's count scan: `rows_in_file = 7` at k = 9).
#[test]
fn a_weighted_files_few_rows_are_withheld() {
    let csv = "time,status,w\n3,1,3\n5,0,1\n8,1,3\n9,1,2\n12,0,2\n15,1,2\n20,0,1\n";
    let spec = AnalysisSpec::from_json(r#"{"time":"time","event":{"column":"status","event":["1"]},"weights":{"column":"w","kind":"frequency"}}"#).unwrap();
    let table = cohort::read_table(csv.as_bytes(), "w.csv", &cohort::ReadOptions::from_spec(&spec)).unwrap();
    let r = cohort::analyze(&table, &spec).unwrap();
    assert_eq!((r.rows_in_file, r.n, r.events), (7, 14, 10));
    let p = cohort::disclosure::protect(&r, Some(&table), 9).report;
    assert_eq!((p.rows_in_file, p.n), (0, 14));
    assert_eq!(p.flow.as_ref().map(|f| f.rows_read), Some(0));
}

/// Two cohorts that differ only in whether a group of fewer than k patients had one more event:
/// no export may tell them apart. The log-rank statistic did (it is near (O − E)²/V of that
/// group, and E and V are near what the released risk tables give), as would the pairwise row of
/// that group; the pairwise rows of the other groups stay.
#[test]
fn no_export_tells_a_small_groups_events_apart() {
    let cohort = |last_b_status: u8| {
        let mut csv = String::from("time,status,grp\n");
        for i in 0..40 {
            csv.push_str(&format!("{},{},A\n", 2 + i, u8::from(i % 3 != 0)));
            csv.push_str(&format!("{},{},C\n", 5 + 2 * i, u8::from(i % 4 != 0)));
        }
        csv.push_str(&format!("4,1,B\n9,0,B\n13,{last_b_status},B\n"));
        csv
    };
    let spec = AnalysisSpec::from_json(r#"{"time":"time","event":{"column":"status","event":["1"]},"group":"grp","pairwise":true,"times":[10,20]}"#).unwrap();
    let run = |csv: &str| {
        let table = cohort::read_table(csv.as_bytes(), "g.csv", &cohort::ReadOptions::from_spec(&spec)).unwrap();
        let r = cohort::analyze(&table, &spec).unwrap();
        (table, r)
    };
    let (t0, r0) = run(&cohort(0));
    let (t1, r1) = run(&cohort(1));
    // The unprotected tests tell them apart.
    assert!((r0.logrank.as_ref().unwrap().chisq - r1.logrank.as_ref().unwrap().chisq).abs() > 1e-3);
    let pairs = |r: &Report| r.pairwise.as_ref().unwrap().iter().map(|p| (p.a.clone(), p.b.clone(), p.chisq)).collect::<Vec<_>>();
    assert_eq!(pairs(&r0).len(), 3);
    assert_ne!(pairs(&r0), pairs(&r1));
    for (kind, name) in cohort::export::ExportKind::ALL {
        let bytes = |t: &cohort::Table, r: &Report| {
            let input = cohort::export::ExportInput { report: r, table: Some(t), file: "g.csv", k: 5, plot: Default::default(), width: 900, height: 600 };
            cohort::export::export_bytes(kind, &input)
        };
        // (Table 1's kinds refuse an analysis without one, for both.)
        assert!(bytes(&t0, &r0) == bytes(&t1, &r1), "{name} tells the two cohorts apart");
    }
    let p = cohort::disclosure::protect(&r1, Some(&t1), 5);
    assert!(p.report.logrank.is_none());
    let kept = pairs(&p.report);
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!((kept[0].0.as_str(), kept[0].1.as_str()), ("A", "C"));
    let methods = cohort::export::methods_protected(&p);
    assert!(methods.contains("the test comparing the groups; the test for trend; the pairwise comparisons of those groups"), "{methods}");
}

/// A model whose every term is suppressed keeps no global test: with one term the
/// likelihood-ratio, Wald and score tests are that term's own, and the two log-likelihoods give
/// the first back.
#[test]
fn a_model_of_suppressed_terms_keeps_no_global_test() {
    let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reference/lung.csv")).unwrap();
    let spec = AnalysisSpec::from_json(r#"{"time":"time","event":{"column":"status","event":["2"]},"covariates":["ph.ecog"],"categorical":["ph.ecog"],"univariable":["ph.ecog"],"filters":[{"column":"ph.ecog","op":"in","values":["2","3"]}]}"#).unwrap();
    let table = cohort::read_table(&bytes, "lung.csv", &cohort::ReadOptions::from_spec(&spec)).unwrap();
    let r = cohort::analyze(&table, &spec).unwrap();
    let c = r.cox.as_ref().unwrap();
    assert_eq!(c.terms.len(), 1);
    assert!(c.lr_test.chisq.is_finite() && (2.0 * (c.loglik[1] - c.loglik[0]) - c.lr_test.chisq).abs() < 1e-6);
    let p = cohort::disclosure::protect(&r, Some(&table), 5);
    assert_eq!(p.withheld.terms, ["ph.ecog=3"]);
    let c = p.report.cox.as_ref().unwrap();
    for x in [c.lr_test.chisq, c.lr_test.p, c.wald_test.chisq, c.score_test.chisq, c.wald_chisq, c.loglik[0], c.loglik[1], c.concordance.c] {
        assert!(x.is_nan());
    }
    assert!(p.report.univariable.iter().all(|u| u.lr_test.is_none()), "{:?}", p.report.univariable);
    let json = String::from_utf8(cohort::export::export_bytes(cohort::export::ExportKind::ReportJson, &cohort::export::ExportInput { report: &r, table: Some(&table), file: "lung.csv", k: 5, plot: Default::default(), width: 900, height: 600 }).unwrap()).unwrap();
    let lr = format!("{:.6}", r.cox.as_ref().unwrap().lr_test.chisq);
    assert!(!json.contains(&lr[..lr.len() - 1]), "the likelihood-ratio statistic {lr} is in the JSON");
}
