//! The study-design parts the page's "Study design" block reads: conditional survival (checked
//! against R), the immortal-time warning and the recognition of start–stop data.

use cohort::{analyze, read_table, AnalysisSpec, ReadOptions};

fn table(path: &str) -> cohort::Table {
    let bytes = std::fs::read(path).unwrap();
    read_table(&bytes, path, &ReadOptions::default()).unwrap()
}

fn run(path: &str, spec: &str) -> cohort::Report {
    analyze(&table(path), &AnalysisSpec::from_json(spec).unwrap()).unwrap()
}

const LUNG: &str = "tests/reference/lung.csv";
const HEART: &str = "/work/shared/reference/designs/designs_heart.csv";
const JASA_GROUPED: &str = "tests/designs/jasa_grouped.csv";

fn heart() -> String {
    // The shared reference folder, or the copy in tests/reference/designs.
    if std::path::Path::new(HEART).exists() { HEART.to_string() } else { "tests/reference/designs/designs_heart.csv".to_string() }
}

/// R (survival 3.5-3), for each s in 90, 180:
/// `summary(survfit(Surv(time, status == 2) ~ sex, data = subset(lung, time > s)), times = s + c(180, 365), extend = TRUE)`
#[test]
fn conditional_survival_matches_r_on_lung() {
    let r = run(LUNG, r#"{"time":"time","event":{"column":"status","event":["2"]},"group":"sex","conditional":{"given":[90,180],"more":[180,365]}}"#);
    // (group, given, more, surv, std.err, lower, upper) as R prints them.
    let expected = [
        ("1", 90.0, 180.0, 0.582311367782, 0.046957764473, 0.497180536930, 0.682018912369),
        ("1", 90.0, 365.0, 0.302194287099, 0.047517484408, 0.222045531846, 0.411273248311),
        ("2", 90.0, 180.0, 0.754837557962, 0.049230289811, 0.664260425813, 0.857765594288),
        ("2", 90.0, 365.0, 0.461378314916, 0.065612849799, 0.349146236416, 0.609687080289),
        ("1", 180.0, 180.0, 0.551298911363, 0.058197326026, 0.448260925255, 0.678021376718),
        ("1", 180.0, 365.0, 0.294399130256, 0.056782276203, 0.201725545197, 0.429647359786),
        ("2", 180.0, 180.0, 0.665274516011, 0.062449406523, 0.553475608756, 0.799656163076),
        ("2", 180.0, 365.0, 0.436582830312, 0.072089755171, 0.315874026904, 0.603419564411),
    ];
    assert_eq!(r.conditional.len(), 8);
    for (g, s, t, surv, se, lo, hi) in expected {
        let c = r.conditional.iter().find(|c| c.group.as_deref() == Some(g) && c.given == s && c.more == t).unwrap();
        for (what, ours, theirs) in [("surv", c.surv, surv), ("se", c.std_err, se), ("lower", c.lower, lo), ("upper", c.upper, hi)] {
            assert!((ours - theirs).abs() < 1e-9, "sex {g}, given {s}, more {t}: {what} {ours} vs R {theirs}");
        }
    }
    // At risk just after s (those the estimate conditions on): lung has 117 men with time > 90.
    let men90 = r.conditional.iter().find(|c| c.group.as_deref() == Some("1") && c.given == 90.0).unwrap();
    assert_eq!(men90.n_risk, 117.0);
}

/// Conditional survival equals the landmark analysis without reset, read at s + t.
#[test]
fn conditional_survival_is_the_landmark_curve() {
    let base = r#""time":"time","event":{"column":"status","event":["2"]}"#;
    let c = run(LUNG, &format!(r#"{{{base},"conditional":{{"given":[200],"more":[100,300]}}}}"#));
    let l = run(LUNG, &format!(r#"{{{base},"landmark":{{"time":200,"reset":false}},"times":[300,500]}}"#));
    for (row, at) in c.conditional.iter().zip(&l.km[0].at) {
        assert!((row.surv - at.surv).abs() < 1e-12 && (row.lower - at.lower).abs() < 1e-12 && (row.upper - at.upper).abs() < 1e-12);
    }
}

#[test]
fn conditional_rejects_bad_times() {
    for bad in [r#"{"given":[],"more":[1]}"#, r#"{"given":[-1],"more":[1]}"#, r#"{"given":[1],"more":[0]}"#] {
        let spec = format!(r#"{{"time":"time","event":{{"column":"status","event":["2"]}},"conditional":{bad}}}"#);
        let e = AnalysisSpec::from_json(&spec).and_then(|s| analyze(&table(LUNG), &s).map(|_| ())).unwrap_err();
        assert!(e.to_string().contains("conditional."), "{e}");
    }
}

/// jasa with a column `transplant` = 1 where `tx.date` is filled: grouping by it from acceptance
/// credits the waiting time before transplant to the transplanted (the classic immortal-time
/// example). The core names the column and the rows.
#[test]
fn immortal_time_warning_names_the_exposure_column() {
    let spec = r#"{"time":{"start":"accept.dt","end":"fu.date","unit":"days"},"event":{"column":"fustat","event":["1"]},"group":"transplant"}"#;
    let r = run(JASA_GROUPED, spec);
    let it = r.immortal_time.as_ref().expect("immortal-time warning");
    assert_eq!((it.group.as_str(), it.at.as_str()), ("transplant", "tx.date"));
    assert_eq!(it.exposed, vec!["1".to_string()]);
    // 69 transplanted; 3 were transplanted on the day of acceptance (tx.date = accept.dt).
    assert_eq!(it.rows, 66);
    assert!(it.landmark > 0.0);
    assert!(r.warnings.iter().any(|w| w.starts_with("immortal time: 'transplant'") && w.contains("line")));
    // A baseline grouping (surgery before acceptance) is not warned about.
    let r = run(JASA_GROUPED, &spec.replace(r#""group":"transplant""#, r#""group":"surgery""#));
    assert!(r.immortal_time.is_none(), "{:?}", r.immortal_time);
    // The offered analyses carry no warning: time-varying exposure, landmark.
    let tv = spec.replace(r#""group":"transplant""#, r#""time_varying":[{"name":"tx_date_on","at":"tx.date"}],"group":"tx_date_on""#);
    assert!(run(JASA_GROUPED, &tv).immortal_time.is_none());
    let lm = r#"{"time":{"start":"accept.dt","end":"fu.date","unit":"days"},"event":{"column":"fustat","event":["1"]},"time_varying":[{"name":"tx_date_on","at":"tx.date"}],"group":"tx_date_on","landmark":{"time":26,"reset":false}}"#;
    let r = run(JASA_GROUPED, lm);
    assert!(r.immortal_time.is_none());
}

/// Crossed groups (`group: [surgery, transplant]`): each group column is checked by itself, so
/// the late exposure in `transplant` is still named (the same rows as with `group: transplant`),
/// whichever place it has among the group columns; crossing two baseline columns warns nothing.
#[test]
fn immortal_time_warning_with_crossed_groups() {
    let base = r#"{"time":{"start":"accept.dt","end":"fu.date","unit":"days"},"event":{"column":"fustat","event":["1"]},"group":GROUP}"#;
    let single = run(JASA_GROUPED, &base.replace("GROUP", r#""transplant""#)).immortal_time.expect("single group");
    for g in [r#"["surgery","transplant"]"#, r#"["transplant","surgery"]"#] {
        let r = run(JASA_GROUPED, &base.replace("GROUP", g));
        let it = r.immortal_time.as_ref().unwrap_or_else(|| panic!("no immortal-time warning with group {g}"));
        assert_eq!((it.group.as_str(), it.at.as_str()), ("transplant", "tx.date"), "{g}");
        assert_eq!((it.rows, &it.exposed, it.landmark, &it.lines), (single.rows, &single.exposed, single.landmark, &single.lines), "{g}");
        assert!(r.warnings.iter().any(|w| w.starts_with("immortal time: 'transplant'")), "{g}");
    }
    let r = run(JASA_GROUPED, &base.replace("GROUP", r#"["surgery","mismatch"]"#));
    assert!(r.immortal_time.is_none(), "{:?}", r.immortal_time);
}

#[test]
fn start_stop_data_is_recognised() {
    let s = table(&heart()).schema();
    let ss = s.start_stop.expect("heart is start-stop data");
    assert_eq!((ss.id.as_str(), ss.start.as_str(), ss.stop.as_str()), ("id", "start", "stop"));
    assert_eq!((ss.rows, ss.patients), (172, 103));
    // One row per patient: nothing to offer.
    assert!(table(LUNG).schema().start_stop.is_none());
    // Overlapping intervals within an id are not start–stop data.
    let csv = "id,start,stop,status\n1,0,5,0\n1,3,9,1\n2,0,4,0\n2,4,8,0\n3,0,2,1\n";
    let t = read_table(csv.as_bytes(), "overlap.csv", &ReadOptions::default()).unwrap();
    assert!(t.schema().start_stop.is_none());
    let csv = csv.replace("1,3,9,1", "1,5,9,1");
    let t = read_table(csv.as_bytes(), "chained.csv", &ReadOptions::default()).unwrap();
    assert_eq!(t.schema().start_stop.map(|s| s.patients), Some(3));
}

/// Exports carry the conditional table from the released curves only (no Greenwood limits, the
/// released pools' numbers at risk) and never the immortal-time note (it names file lines).
#[test]
fn exports_release_conditional_survival_from_the_released_curves() {
    let t = table(JASA_GROUPED);
    let spec = r#"{"time":{"start":"accept.dt","end":"fu.date","unit":"days"},"event":{"column":"fustat","event":["1"]},"group":"transplant","conditional":{"given":[30],"more":[180]}}"#;
    let r = analyze(&t, &AnalysisSpec::from_json(spec).unwrap()).unwrap();
    assert!(r.immortal_time.is_some() && r.conditional.iter().all(|c| c.lower.is_finite()));
    let p = cohort::disclosure::protect(&r, Some(&t), 5).report;
    assert!(p.immortal_time.is_none());
    assert_eq!(p.conditional.len(), r.conditional.len());
    for c in &p.conditional {
        assert!(c.lower.is_nan() && c.upper.is_nan() && c.std_err.is_nan());
        // The released numbers at risk: the group's size less the exits rounded down to a
        // multiple of k (`disclosure::RiskRounding`).
        let size = r.km.iter().find(|k| k.group == c.group).unwrap().n as f64;
        assert!(c.n_risk.is_nan() || (size - c.n_risk) % 5.0 == 0.0, "{c:?}");
        let curve = p.km.iter().find(|k| k.group == c.group).unwrap();
        let at = |x: f64| curve.steps.iter().filter(|s| s.time <= x && s.surv.is_finite()).last().map_or(1.0, |s| s.surv);
        if c.surv.is_finite() {
            assert!((c.surv - at(c.given + c.more) / at(c.given)).abs() < 1e-12);
        }
    }
}

/// The figure marks the design's landmark: a labelled line at L without reset; with the clock
/// reset, time 0 is labelled as the landmark. No landmark, no label.
#[test]
fn figure_marks_the_landmark() {
    let svg = |lm: &str| {
        let r = run(LUNG, &format!(r#"{{"time":"time","event":{{"column":"status","event":["2"]}},"group":"sex"{lm}}}"#));
        cohort::plot::render_svg(&r, &cohort::plot::PlotOptions::default(), 900, 600, cohort::plot::FigureKind::Survival).unwrap()
    };
    let plain = svg(r#","landmark":{"time":90,"reset":false}"#);
    assert!(plain.contains("Landmark 90") && !plain.contains("Landmark 90:"));
    assert!(svg(r#","landmark":{"time":90,"reset":true}"#).contains("Landmark 90: time from here"));
    assert!(!svg("").contains("Landmark"));
}

/// The numeric form: a "days to X" column filled only for the X group, with values inside
/// follow-up. A column filled the same way whose name is no time (a dose) is not taken for one.
#[test]
fn immortal_time_from_a_days_to_column() {
    let mut csv = String::from("time,status,chemo,days_to_chemo,dose\n");
    for i in 0..40 {
        let t = 100 + 7 * i;
        if i % 2 == 0 {
            csv.push_str(&format!("{t},{},1,{},{}\n", i % 3 == 0, 10 + i, 5 + i % 3));
        } else {
            csv.push_str(&format!("{t},{},0,,\n", i % 3 == 0));
        }
    }
    let csv = csv.replace("true", "1").replace("false", "0");
    let t = read_table(csv.as_bytes(), "chemo.csv", &ReadOptions::default()).unwrap();
    let spec = r#"{"time":"time","event":{"column":"status","event":["1"]},"group":"chemo"}"#;
    let r = analyze(&t, &AnalysisSpec::from_json(spec).unwrap()).unwrap();
    let it = r.immortal_time.expect("warning");
    assert_eq!(it.at, "days_to_chemo");
    assert_eq!(it.rows, 20);
    // Lines 2, 4, 6, ... are the chemo rows (the header is line 1).
    assert_eq!(&it.lines[..3], &[2, 4, 6]);
    // Median start of the 20 exposures 10, 12, ..., 48 is 28 (the lower middle), two digits.
    assert_eq!(it.landmark, 28.0);
    // Without the days_to column, the dose alone does not look like a time (a number of cycles
    // named after the group neither).
    let csv2: String = csv.lines().map(|l| l.rsplitn(3, ',').collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>()).map(|p| format!("{},{}\n", p[0], p[2])).collect();
    let t2 = read_table(csv2.as_bytes(), "dose.csv", &ReadOptions::default()).unwrap();
    assert!(t2.column("dose").is_some() && t2.column("days_to_chemo").is_none());
    assert!(analyze(&t2, &AnalysisSpec::from_json(spec).unwrap()).unwrap().immortal_time.is_none());
    let t3 = read_table(csv2.replace("dose", "chemo_cycles").as_bytes(), "cycles.csv", &ReadOptions::default()).unwrap();
    assert!(analyze(&t3, &AnalysisSpec::from_json(spec).unwrap()).unwrap().immortal_time.is_none());
}

/// The R cross-check script computes the conditional table the way R would: survfit on the rows
/// still at risk after s, read at s + t (run by hand: the lung and jasa tables above agree to
/// every printed digit).
#[test]
fn r_script_has_the_conditional_survival_lines() {
    let plain = AnalysisSpec::from_json(r#"{"time":"time","event":{"column":"status","event":["2"]},"group":"sex","conditional":{"given":[90,180],"more":[365]}}"#).unwrap();
    let r = cohort::export::r_script(&plain, "lung.csv");
    assert!(r.contains("for (s0 in c(90, 180)) print(summary(survfit(Surv(.time, .status == 1) ~ .group, data = d[d$.time > s0, , drop = FALSE], conf.type = \"log\"), times = s0 + c(365), extend = TRUE))"), "{r}");
    let split = AnalysisSpec::from_json(r#"{"time":"time","event":{"column":"status","event":["2"]},"time_varying":[{"name":"tx_on","at":"tx"}],"group":"tx_on","conditional":{"given":[30],"more":[100]}}"#).unwrap();
    let r = cohort::export::r_script(&split, "x.csv");
    assert!(r.contains("data = s[s$tstop > s0, , drop = FALSE], id = .id), times = s0 + c(100), extend = TRUE))"), "{r}");
    let none = AnalysisSpec::from_json(r#"{"time":"time","event":{"column":"status","event":["2"]}}"#).unwrap();
    assert!(!cohort::export::r_script(&none, "lung.csv").contains("Conditional"));
}
