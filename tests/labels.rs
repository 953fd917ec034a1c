//! The spec's `labels`: level labels rename the groups (figure, tables, tests) and Table 1's
//! categories, variable labels name Table 1's rows; the statistics do not change (R's
//! `survdiff(Surv(time, status) ~ ph.ecog, lung)` is the same test whatever the levels are called,
//! and the trend test keeps scoring the file's values); two levels may not share a label.

use cohort::report::Report;

fn lung(spec: serde_json::Value) -> cohort::Result<Report> {
    let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reference/lung.csv")).unwrap();
    let spec: cohort::AnalysisSpec = serde_json::from_value(spec).unwrap();
    cohort::analyze::analyze_bytes(&bytes, "lung.csv", &spec)
}

#[test]
fn level_labels_rename_groups_and_leave_the_numbers() {
    let base = serde_json::json!({"time": "time", "event": {"column": "status", "event": ["2"]}, "group": "ph.ecog", "table1": ["sex", "age"], "table1_codes": true});
    let mut labelled = base.clone();
    labelled["labels"] = serde_json::json!({
        "levels": {"ph.ecog": {"0": "fully active", "1": "restricted", "2": "ambulatory", "3": "limited self-care"}, "sex": {"1": "Male", "2": "Female"}},
        "variables": {"sex": "Sex", "age": "Age (years)"}
    });
    let a = lung(base).unwrap();
    let b = lung(labelled).unwrap();
    assert_eq!(b.groups, ["fully active", "restricted", "ambulatory", "limited self-care"]);
    assert_eq!(b.km.iter().map(|k| k.group.clone().unwrap()).collect::<Vec<_>>(), b.groups);
    for (x, y) in a.km.iter().zip(&b.km) {
        assert_eq!((x.n, x.events, x.median), (y.n, y.events, y.median));
    }
    assert_eq!(a.logrank.as_ref().unwrap().chisq, b.logrank.as_ref().unwrap().chisq);
    assert_eq!(a.trend.as_ref().unwrap().chisq, b.trend.as_ref().unwrap().chisq, "trend scores stay the file's 0..3");
    let t1 = b.table1.as_ref().unwrap();
    let sex = t1.iter().find(|r| r.variable == "sex").unwrap();
    assert_eq!(sex.label.as_deref(), Some("Sex"));
    let levels: Vec<&str> = sex.groups[0].levels.as_ref().unwrap().iter().map(|l| l.level.as_str()).collect();
    assert_eq!(levels, ["Male", "Female"]);
    assert_eq!(t1.iter().find(|r| r.variable == "age").unwrap().label.as_deref(), Some("Age (years)"));
    let md = cohort::stats::table1::to_markdown(t1);
    assert!(md.contains("Sex, n (%)") && md.contains("Age (years), mean (SD)"), "{md}");
    // The spec (and so the share link) keeps the labels.
    assert!(b.spec.as_ref().unwrap().to_json().contains("\"labels\""));
}

#[test]
fn two_levels_with_one_label_are_refused() {
    let e = lung(serde_json::json!({"time": "time", "event": {"column": "status", "event": ["2"]}, "group": "sex",
        "labels": {"levels": {"sex": {"1": "Patients", "2": "Patients"}}}}))
    .unwrap_err()
    .to_string();
    assert!(e.contains("labels.levels.sex: '1' and '2' would both be shown as 'Patients'"), "{e}");
}

#[test]
fn table1_counts_codes_and_site_numbers_instead_of_averaging_them() {
    // lung: sex (1/2) and ph.ecog (0-3) are codes, inst (18 institutions) a site code, age a number.
    // With the page's default `table1_codes` (the contract, without it, describes them as numbers).
    let r = lung(serde_json::json!({"time": "time", "event": {"column": "status", "event": ["2"]}, "table1": ["inst", "sex", "ph.ecog", "age"], "table1_codes": true})).unwrap();
    let t1 = r.table1.unwrap();
    let ty = |v: &str| t1.iter().find(|r| r.variable == v).unwrap().r#type;
    assert_eq!((ty("inst"), ty("sex"), ty("ph.ecog"), ty("age")), ("categorical", "categorical", "categorical", "numeric"));
    assert!(t1[0].note.as_deref().unwrap().contains("18 site codes"));
    // R: table(lung$sex) = 138 / 90.
    let sex = t1.iter().find(|r| r.variable == "sex").unwrap();
    let counts: Vec<usize> = sex.groups[0].levels.as_ref().unwrap().iter().map(|l| l.count).collect();
    assert_eq!(counts, [138, 90]);
    // Without `table1_codes` the contract's rule: a numeric column not in `categorical` is numeric.
    let r = lung(serde_json::json!({"time": "time", "event": {"column": "status", "event": ["2"]}, "table1": ["sex"]})).unwrap();
    assert_eq!(r.table1.unwrap()[0].r#type, "numeric");
    // The spec's `numeric` keeps a mean: R mean(lung$sex) = 1.394737.
    let r = lung(serde_json::json!({"time": "time", "event": {"column": "status", "event": ["2"]}, "table1": ["sex"], "numeric": ["sex"], "table1_codes": true})).unwrap();
    let sex = &r.table1.unwrap()[0];
    assert_eq!(sex.r#type, "numeric");
    assert!((sex.groups[0].mean.unwrap() - 1.394737).abs() < 1e-6);
}

const LABELLED: &str = r#"{"levels": {"sex": {"1": "Male", "2": "Female"}, "ph.ecog": {"0": "asymptomatic", "1": "symptomatic", "2": "in bed <50%", "3": "in bed >50%"}}, "variables": {"sex": "Sex"}}"#;

/// Level labels name each part of a crossed group and the model's terms (as R's factor labels
/// do: `factor(ph.ecog)symptomatic`); the numbers stay.
#[test]
fn labels_name_crossed_groups_and_model_terms() {
    let spec = |labels: bool| {
        let mut s = serde_json::json!({"time": "time", "event": {"column": "status", "event": ["2"]}, "group": ["sex", "ph.ecog"],
            "covariates": ["age", "ph.ecog"], "categorical": ["ph.ecog"], "univariable": ["ph.ecog"]});
        if labels {
            s["labels"] = serde_json::from_str(LABELLED).unwrap();
        }
        s
    };
    let a = lung(spec(false)).unwrap();
    let b = lung(spec(true)).unwrap();
    assert_eq!(a.groups[0], "sex=1, ph.ecog=0");
    assert_eq!(b.groups[0], "sex=Male, ph.ecog=asymptomatic");
    assert_eq!(b.groups[6], "sex=Female, ph.ecog=in bed <50%");
    for (x, y) in a.km.iter().zip(&b.km) {
        assert_eq!((x.n, x.events, x.median), (y.n, y.events, y.median));
    }
    let names = |r: &cohort::report::Report| r.cox.as_ref().unwrap().terms.iter().map(|t| t.name.clone()).collect::<Vec<_>>();
    assert_eq!(names(&a), ["age", "ph.ecog=1", "ph.ecog=2", "ph.ecog=3"]);
    assert_eq!(names(&b), ["age", "ph.ecog=symptomatic", "ph.ecog=in bed <50%", "ph.ecog=in bed >50%"]);
    for (x, y) in a.cox.as_ref().unwrap().terms.iter().zip(&b.cox.as_ref().unwrap().terms) {
        assert_eq!((x.coef, x.se), (y.coef, y.se));
    }
    assert_eq!(b.univariable[0].terms[0].name, "ph.ecog=symptomatic");
    // The reference level may be named by its value in the file or by its label.
    for r in ["1", "symptomatic"] {
        let mut s = spec(true);
        s["reference"] = serde_json::json!({"ph.ecog": r});
        assert_eq!(names(&lung(s).unwrap())[1], "ph.ecog=asymptomatic", "reference {r}");
    }
    // The exports: the tables CSV and the forest plot carry the labelled terms.
    let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reference/lung.csv")).unwrap();
    let sp: cohort::AnalysisSpec = serde_json::from_value(spec(true)).unwrap();
    let table = cohort::read_table(&bytes, "lung.csv", &cohort::ReadOptions::from_spec(&sp)).unwrap();
    let input = cohort::export::ExportInput { report: &b, table: Some(&table), file: "lung.csv", k: 5, plot: Default::default(), width: 1200, height: 800 };
    let csv = String::from_utf8(cohort::export::export_bytes(cohort::export::ExportKind::TablesCsv, &input).unwrap()).unwrap();
    assert!(csv.contains("ph.ecog=symptomatic"), "{csv}");
    assert!(csv.contains("sex=Female, ph.ecog=symptomatic"), "{csv}");
    let forest = cohort::plot::render_svg(&b, &Default::default(), 1200, 800, cohort::plot::FigureKind::Forest).unwrap();
    assert!(forest.contains("symptomatic"), "the forest plot names the labelled level");
}

/// The R script applies the labels and Table 1's `numeric`: run with R, its strata, model terms
/// and Table 1 rows are the report's (skipped, with a note, where Rscript is not installed).
#[test]
fn the_r_script_reproduces_the_labelled_rows() {
    let spec = serde_json::json!({"time": "time", "event": {"column": "status", "event": ["2"]}, "group": "sex",
        "covariates": ["age", "ph.ecog"], "categorical": ["ph.ecog"], "table1": ["ph.ecog", "ph.karno", "inst"], "table1_codes": true, "numeric": ["ph.karno"],
        "labels": serde_json::from_str::<serde_json::Value>(LABELLED).unwrap()});
    let r = lung(spec.clone()).unwrap();
    let sp: cohort::AnalysisSpec = serde_json::from_value(spec).unwrap();
    let script = cohort::export::r_script(&sp, "lung.csv");
    assert!(script.contains(r#"relabel(d[["sex"]], c("1" = "Male", "2" = "Female"))"#), "{script}");
    assert!(script.contains(r#"t1_numeric <- c("ph.karno")"#), "{script}");
    let py = cohort::export::python_script(&sp, "lung.csv");
    assert!(py.contains(r#"d["sex"] = relabel(d["sex"], {"1": "Male", "2": "Female"})"#), "{py}");
    assert!(py.contains(r#"X["ph.ecog"] = relabel(X["ph.ecog"], {"0": "asymptomatic""#), "{py}");
    if !std::process::Command::new("Rscript").arg("-e").arg("library(survival)").output().is_ok_and(|o| o.status.success()) {
        eprintln!("Rscript with survival is not installed: the R script is checked as text only");
        return;
    }
    let dir = std::env::temp_dir().join(format!("cohort-labels-r-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reference/lung.csv"), dir.join("lung.csv")).unwrap();
    std::fs::write(dir.join("a.R"), &script).unwrap();
    let out = std::process::Command::new("Rscript").arg("a.R").current_dir(&dir).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{script}\n{text}\n{}", String::from_utf8_lossy(&out.stderr));
    // survfit's strata and coxph's terms: the report's groups and terms with R's prefixes.
    for g in &r.groups {
        assert!(text.contains(&format!(".group={g}")), "strata {g} in R's output:\n{text}");
    }
    for t in &r.cox.as_ref().unwrap().terms {
        let rname = t.name.replace("ph.ecog=", "factor(ph.ecog)");
        assert!(text.contains(&rname), "term {rname} in R's output:\n{text}");
    }
    // Table 1: ph.ecog and inst (site codes) as counts with the labels, ph.karno (numeric) as a mean.
    let t1 = r.table1.as_ref().unwrap();
    let ecog = t1.iter().find(|x| x.variable == "ph.ecog").unwrap();
    assert_eq!(ecog.r#type, "categorical");
    assert_eq!(t1.iter().find(|x| x.variable == "ph.karno").unwrap().r#type, "numeric");
    assert_eq!(t1.iter().find(|x| x.variable == "inst").unwrap().r#type, "categorical");
    // R's table of ph.ecog by group: the row "symptomatic" holds the report's counts.
    let counts: Vec<String> = ecog.groups.iter().map(|g| g.levels.as_ref().unwrap().iter().find(|l| l.level == "symptomatic").unwrap().count.to_string()).collect();
    let line = text.lines().find(|l| l.trim_start().starts_with("symptomatic")).unwrap_or_else(|| panic!("no symptomatic row:\n{text}"));
    let got: Vec<&str> = line.split_whitespace().skip(1).collect();
    assert_eq!(got, counts, "{line}");
    let karno_mean = ecog.groups.len();
    assert!(karno_mean == 2);
    let mean = t1.iter().find(|x| x.variable == "ph.karno").unwrap().groups[0].mean.unwrap();
    assert!(text.contains(&format!("{:.5}", mean)[..6]), "ph.karno's mean {mean} in R's output:\n{text}");
}
