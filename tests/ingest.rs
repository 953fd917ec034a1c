//! Ingestion corpus: every file in `tests/ingest/` (written by `tests/ingest/make_corpus.py`)
//! with its expected outcome from `tests/ingest/expected.json`; round trips of the reference
//! data sets through other layouts; a short deterministic fuzz run.

use std::path::{Path, PathBuf};

use cohort::prepare::prepare;
use cohort::table::{ColumnData, ColumnKind, Table};
use cohort::{read_table, AnalysisSpec, ReadOptions};

#[path = "support/mutate.rs"]
mod mutate;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ingest")
}

fn read_file(name: &str, opts: &ReadOptions) -> cohort::Result<Table> {
    let bytes = std::fs::read(dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    read_table(&bytes, name, opts)
}

fn opts_of(spec: &AnalysisSpec) -> ReadOptions {
    ReadOptions { sheet: spec.sheet.clone(), missing: spec.missing.clone(), date_order: spec.date_order }
}

fn reference(name: &str) -> Table {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference").join(name);
    read_table(&std::fs::read(p).unwrap(), name, &ReadOptions::default()).unwrap()
}

/// Run one case: read with the spec's options, prepare the analysis rows.
fn run(file: &str, spec: &AnalysisSpec) -> cohort::Result<(usize, usize, Vec<String>)> {
    let table = read_file(file, &opts_of(spec))?;
    let mut warnings = Vec::new();
    let prep = prepare(&table, spec, &mut warnings)?;
    let events = prep.status.iter().filter(|&&s| s == 1).count();
    warnings.extend(table.notes.iter().cloned());
    Ok((prep.rows.len(), events, warnings))
}

#[test]
fn corpus_cases_give_their_expected_outcome() {
    let text = std::fs::read_to_string(dir().join("expected.json")).unwrap();
    let cases: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    assert!(cases.len() >= 40);
    let mut failures = Vec::new();
    let mut covered = std::collections::BTreeSet::new();
    for c in &cases {
        let file = c["file"].as_str().unwrap();
        covered.insert(file.to_string());
        let spec = AnalysisSpec::from_json(&c["spec"].to_string()).unwrap();
        let got = run(file, &spec);
        match (c.get("error").and_then(|e| e.as_str()), got) {
            (Some(want), Err(e)) => {
                let msg = e.to_string();
                if !msg.contains(want) {
                    failures.push(format!("{file}: error '{msg}' lacks '{want}'"));
                }
                if !msg.starts_with(file) {
                    failures.push(format!("{file}: error '{msg}' does not name the file first"));
                }
            }
            (Some(want), Ok((n, ev, _))) => failures.push(format!("{file}: expected error '{want}', got n={n} events={ev}")),
            (None, Err(e)) => failures.push(format!("{file}: unexpected error {e}")),
            (None, Ok((n, ev, warnings))) => {
                let want_n = c["n"].as_u64().unwrap() as usize;
                let want_ev = c["events"].as_u64().unwrap() as usize;
                if (n, ev) != (want_n, want_ev) {
                    failures.push(format!("{file}: n={n} events={ev}, expected n={want_n} events={want_ev}; {warnings:?}"));
                }
                if let Some(w) = c.get("warning").and_then(|w| w.as_str()) {
                    if !warnings.iter().any(|x| x.contains(w)) {
                        failures.push(format!("{file}: no warning containing '{w}' in {warnings:?}"));
                    }
                }
            }
        }
    }
    for entry in std::fs::read_dir(dir()).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name != "expected.json" && name != "make_corpus.py" && !covered.contains(&name) {
            failures.push(format!("{name}: no case in expected.json"));
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

/// Same columns, same types, same cell values (as text: numbers exactly, missing as missing).
fn assert_same_table(a: &Table, b: &Table, rename: &[(&str, &str)]) {
    assert_eq!(a.n_rows(), b.n_rows(), "{} vs {}", a.name, b.name);
    for ca in &a.columns {
        let bname = rename.iter().find(|(x, _)| *x == ca.name).map(|(_, y)| *y).unwrap_or(&ca.name);
        let cb = b.column(bname).unwrap_or_else(|| panic!("{}: no column {bname}", b.name));
        assert_eq!(std::mem::discriminant(&ca.data), std::mem::discriminant(&cb.data), "{}: column {bname} type", b.name);
        assert_eq!(ca.kind, cb.kind, "{}: column {bname} kind", b.name);
        for r in 0..a.n_rows() {
            assert_eq!(ca.text(r), cb.text(r), "{}: column {bname} row {r}", b.name);
            if let (ColumnData::Numeric(x), ColumnData::Numeric(y)) = (&ca.data, &cb.data) {
                assert!(x[r].to_bits() == y[r].to_bits() || (x[r].is_nan() && y[r].is_nan()));
            }
        }
    }
}

#[test]
fn lung_in_other_layouts_reads_to_the_same_table() {
    let lung = reference("lung.csv");
    for f in ["lung_semicolon_crlf.csv", "lung_crlf_quoted.csv", "lung_pipe.psv", "lung_tab_utf16le.txt", "lung_utf16be.csv", "lung.xlsx", "lung.xls", "lung_title_lines.csv", "lung_missing_codes.csv"] {
        let t = read_file(f, &ReadOptions::default()).unwrap();
        assert_eq!(t.columns.len(), lung.columns.len(), "{f}");
        assert_same_table(&lung, &t, &[]);
    }
    let t = read_file("lung_second_sheet.xlsx", &ReadOptions { sheet: Some("data".into()), ..Default::default() }).unwrap();
    assert_same_table(&lung, &t, &[]);
    // Windows-1252, accented header and values.
    let t = read_file("lung_cp1252_accents.csv", &ReadOptions::default()).unwrap();
    assert!(t.notes[0].contains("Windows-1252"), "{:?}", t.notes);
    assert_same_table(&lung, &t, &[("age", "âge")]);
    let ville = t.column("ville").unwrap();
    let mut levels = match &ville.data {
        ColumnData::Text { levels, .. } => levels.clone(),
        _ => panic!("ville is text"),
    };
    levels.sort();
    assert_eq!(levels, ["Besançon", "Bâle", "Genève", "Zürich"]);
    // Line numbers: the UTF-16 file has the header on line 1, rows from line 2.
    let t = read_file("lung_tab_utf16le.txt", &ReadOptions::default()).unwrap();
    assert_eq!(&t.lines[..3], &[2, 3, 4]);
    assert!(t.notes.iter().any(|n| n.contains("UTF-16LE")) && t.notes.iter().any(|n| n.contains("tab")));
    // Title lines and blank lines: row 101 sits after two blank lines (header on line 4).
    let t = read_file("lung_title_lines.csv", &ReadOptions::default()).unwrap();
    assert_eq!((t.lines[0], t.lines[99], t.lines[100]), (5, 104, 107));
}

#[test]
fn ovarian_with_decimal_commas_and_as_workbook_reads_to_the_same_table() {
    let ov = reference("ovarian.csv");
    let t = read_file("ovarian_semicolon_decimal_comma.csv", &ReadOptions::default()).unwrap();
    assert!(t.notes.iter().any(|n| n.contains("decimal comma") && n.contains("age")), "{:?}", t.notes);
    assert_same_table(&ov, &t, &[]);
    assert_same_table(&ov, &read_file("ovarian.xlsx", &ReadOptions::default()).unwrap(), &[]);
    assert_same_table(&ov, &read_file("ovarian.ods", &ReadOptions::default()).unwrap(), &[]);
}

#[test]
fn prepared_rows_and_design_match_across_layouts() {
    // The same Cox design (numeric age, categorical ecog.ps) from the clean CSV and from the
    // decimal-comma, workbook and OpenDocument layouts.
    let spec = AnalysisSpec::from_json(r#"{"time":"futime","event":{"column":"fustat","event":1},"group":"rx","covariates":["age","ecog.ps"],"categorical":["ecog.ps"]}"#).unwrap();
    let build = |t: &Table| {
        let mut w = Vec::new();
        let prep = prepare(t, &spec, &mut w).unwrap();
        let d = cohort::prepare::design(t, &spec, &prep, &spec.covariates, &mut w).unwrap();
        let x: Vec<Vec<f64>> = d.x.iter().map(|c| c.to_vec()).collect();
        let names = d.names;
        (prep.rows, prep.time, prep.status, prep.group.unwrap().levels, names, x)
    };
    let want = build(&reference("ovarian.csv"));
    assert_eq!(want.4, ["age", "ecog.ps=2"]);
    for f in ["ovarian_semicolon_decimal_comma.csv", "ovarian.xlsx", "ovarian.ods"] {
        assert_eq!(build(&read_file(f, &ReadOptions::default()).unwrap()), want, "{f}");
    }
}

fn times(file: &str, spec: &AnalysisSpec) -> Vec<f64> {
    let t = read_file(file, &opts_of(spec)).unwrap();
    prepare(&t, spec, &mut Vec::new()).unwrap().time
}

#[test]
fn every_date_layout_gives_the_same_follow_up_times() {
    let spec = AnalysisSpec::from_json(r#"{"time":{"start":"srs_date","end":"last_fu","unit":"days"},"event":{"column":"fail","event":1}}"#).unwrap();
    let iso = times("dates_iso.csv", &spec);
    assert!(iso.iter().all(|t| *t >= 1.0 && t.fract() == 0.0));
    for f in ["dates_dmy.csv", "dates_mdy.csv", "dates_dmy_dots.csv", "dates_month_names.csv"] {
        assert_eq!(times(f, &spec), iso, "{f}");
    }
    let t = read_file("dates_dmy.csv", &ReadOptions::default()).unwrap();
    assert!(t.notes.iter().any(|n| n.contains("srs_date") && n.contains("day/month/year")), "{:?}", t.notes);
    let serial = AnalysisSpec::from_json(r#"{"time":{"start":"srs_date","end":"last_fu_date","unit":"days"},"event":{"column":"fail","event":1}}"#).unwrap();
    assert_eq!(times("dates_excel_serial.csv", &serial), iso);
    let plain = AnalysisSpec::from_json(r#"{"time":{"start":"start","end":"stop","unit":"days"},"event":{"column":"fail","event":1}}"#).unwrap();
    assert_eq!(times("dates_serial_plain_names.csv", &plain), iso);
    // Ambiguous dates: a note in the table, and the spec's date_order decides.
    let t = read_file("dates_ambiguous.csv", &ReadOptions::default()).unwrap();
    assert!(t.notes.iter().any(|n| n.contains("ambiguous") && n.contains("date_order")), "{:?}", t.notes);
    assert_eq!(t.column("srs_date").unwrap().kind, ColumnKind::Date);
    let mdy = AnalysisSpec::from_json(r#"{"time":{"start":"srs_date","end":"last_fu","unit":"days"},"event":{"column":"fail","event":1},"date_order":"mdy"}"#).unwrap();
    let dmy = AnalysisSpec { date_order: Some(cohort::spec::DateOrder::Dmy), ..mdy.clone() };
    assert_ne!(times("dates_ambiguous.csv", &mdy), times("dates_ambiguous.csv", &dmy));
}

#[test]
fn workbook_date_cells_are_dates() {
    let t = read_file("dates.xlsx", &ReadOptions::default()).unwrap();
    let s = t.column("surgery").unwrap();
    assert!(matches!(s.data, ColumnData::Date(_)));
    let fu = t.column("last_fu").unwrap();
    assert!(matches!(fu.data, ColumnData::Date(_)));
    assert_eq!(fu.bad, vec![(5, "unk".to_string())]);
    assert_eq!(t.line(5), 7); // sheet row 7
    assert_eq!(t.column("pid").unwrap().kind, ColumnKind::Identifier);
}

#[test]
fn direct_identifiers_are_flagged_in_the_schema() {
    let t = read_file("identifiers.csv", &ReadOptions::default()).unwrap();
    let schema = t.schema();
    let reason = |n: &str| schema.columns.iter().find(|c| c.name == n).unwrap().identifier_reason.clone();
    assert!(reason("Name").unwrap().contains("names"));
    assert!(reason("MRN").unwrap().contains("record"));
    assert!(reason("email").unwrap().contains("e-mail"));
    assert!(reason("phone").unwrap().contains("phone"));
    assert_eq!(reason("dob").unwrap(), "full dates of birth");
    assert_eq!(reason("time"), None);
    // Identifier values are not listed in the schema.
    assert!(schema.columns.iter().filter(|c| c.identifier_reason.is_some()).all(|c| c.levels.is_none()));
    assert_eq!(reason("status"), None);
    let json = serde_json::to_string(&schema).unwrap();
    assert!(json.contains("\"identifier_reason\":\"full dates of birth\""));
    // The reference data sets have no identifiers.
    for f in ["lung.csv", "veteran.csv", "transplant.csv", "rats.csv", "ovarian.csv", "aml.csv"] {
        assert!(reference(f).columns.iter().all(|c| c.identifier.is_none()), "{f}");
    }
}

#[test]
fn unreadable_cells_are_listed_not_dropped() {
    let t = read_file("lung_junk_time.csv", &ReadOptions::default()).unwrap();
    let time = t.column("time").unwrap();
    assert!(matches!(time.data, ColumnData::Numeric(_)));
    assert_eq!(time.bad, vec![(4, "12 months".to_string()), (8, "unk".to_string())]);
    let summary = &t.schema().columns[1];
    assert_eq!(summary.unreadable, 2);
    assert_eq!(summary.unreadable_examples, ["line 6: '12 months'", "line 10: 'unk'"]);
    assert!(t.notes.iter().any(|n| n.contains("column 'time': 2 of 228 cells are not numbers")), "{:?}", t.notes);
    // Used as a group, the unreadable cells form their own level, with a warning.
    let text = "t,s,g\n1,1,1\n2,0,2\n3,1,1\n4,1,2\n5,0,1\n6,1,2\n7,0,1\n8,1,2\n9,1,1\n10,0,unk\n";
    let t = read_table(text.as_bytes(), "g.csv", &ReadOptions::default()).unwrap();
    let spec = AnalysisSpec::from_json(r#"{"time":"t","event":{"column":"s","event":1},"group":"g"}"#).unwrap();
    let mut w = Vec::new();
    let prep = prepare(&t, &spec, &mut w).unwrap();
    assert_eq!(prep.group.unwrap().levels, ["1", "2", "unk"]);
    assert!(w.iter().any(|x| x.contains("group 'g': 1 cell of this numeric column could not be read ('unk' on line 11)")), "{w:?}");
}

#[test]
fn missing_codes_follow_the_spec() {
    let text = b"time,status,grade\n5,1,999\n6,0,2\n7,1,NA\n";
    let t = read_table(text, "m.csv", &ReadOptions { missing: Some(vec!["999".into()]), ..Default::default() }).unwrap();
    let g = t.column("grade").unwrap();
    assert!(g.is_missing(0));
    // "NA" is no longer a missing code, so it is an unreadable cell of a numeric column? No:
    // 1 of 2 non-missing cells is text (> 10 %), so the column is text with level "NA".
    assert!(matches!(g.data, ColumnData::Text { .. }));
    assert_eq!(g.text(2).as_deref(), Some("NA"));
}

#[test]
fn short_fuzz_run_never_panics() {
    let (iters, _) = mutate::fuzz(&dir(), 0x5eed, 300, None);
    assert_eq!(iters, 300);
}
