//! Identifier detection on the project's own test files: every CSV the tests read (R's reference
//! datasets, the designs' inputs, the ingestion and messy-spreadsheet corpora, the page's
//! fixtures) is read as the page reads it, and the columns flagged as possible identifiers are
//! exactly the listed ones. Prints both rates: identifier columns caught, ordinary columns
//! wrongly flagged.
//!
//! The identifier columns are named by hand from the files' documentation: record and patient
//! numbers (`id` of a long-format file, `pidnum` of ACTG 175, CDISC's `SUBJID`/`USUBJID`, `MRN`),
//! names, e-mail addresses, phone numbers, dates of birth, free-text comments. Everything else
//! (times, statuses, flags, scores, sites, institutions, litters, doses, study ids) is ordinary.

use std::collections::BTreeMap;
use std::path::Path;

/// Every readable CSV under the test folders, with its flagged and unflagged columns.
fn flags() -> BTreeMap<String, (Vec<String>, Vec<String>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let mut out = BTreeMap::new();
    for dir in ["reference", "reference/designs", "reference/edges", "designs", "ingest", "messy", "js/fixtures", "r"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else { continue };
        let mut files: Vec<_> = entries.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "csv")).collect();
        files.sort();
        for p in files {
            let bytes = std::fs::read(&p).unwrap();
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            let Ok(t) = cohort::read_table(&bytes, &name, &cohort::ReadOptions::default()) else { continue };
            let (id, ordinary): (Vec<_>, Vec<_>) = t.columns.iter().partition(|c| c.identifier.is_some());
            out.insert(format!("{dir}/{name}"), (id.iter().map(|c| c.name.clone()).collect(), ordinary.iter().map(|c| c.name.clone()).collect()));
        }
    }
    out
}

/// The identifier columns of the test files, by file; every other column is ordinary.
const IDENTIFIERS: [(&str, &[&str]); 18] = [
    ("designs/jasa_grouped.csv", &["birth.dt"]),
    ("ingest/dates_ambiguous.csv", &["id"]),
    ("ingest/dates_dmy.csv", &["id"]),
    ("ingest/dates_dmy_dots.csv", &["id"]),
    ("ingest/dates_excel_serial.csv", &["id"]),
    ("ingest/dates_iso.csv", &["id"]),
    ("ingest/dates_mdy.csv", &["id"]),
    ("ingest/dates_month_names.csv", &["id"]),
    ("ingest/dates_serial_plain_names.csv", &["id"]),
    ("ingest/identifiers.csv", &["Name", "MRN", "email", "phone", "dob"]),
    ("ingest/quoted_multiline.csv", &["id", "comment"]),
    ("js/fixtures/explorer.csv", &["patient_id", "mrn"]),
    ("js/fixtures/identifiers.csv", &["patient_name", "mrn"]),
    ("messy/actg175_pandas.csv", &["pidnum"]),
    ("messy/cdisc_adtte.csv", &["SUBJID", "USUBJID"]),
    ("reference/designs/designs_heart.csv", &["id"]),
    ("reference/designs/designs_jasa.csv", &["birth.dt"]),
    ("reference/edges/edge_cox_one_patient_arm.csv", &["id"]),
];

#[test]
fn the_test_files_identifier_columns_are_caught_and_no_ordinary_column_is_flagged() {
    let want: BTreeMap<&str, &[&str]> = IDENTIFIERS.into_iter().collect();
    let (mut caught, mut missed, mut wrong, mut ordinary, mut files) = (0, Vec::new(), Vec::new(), 0, 0);
    for (file, (flagged, unflagged)) in flags() {
        files += 1;
        let ids = want.get(file.as_str()).copied().unwrap_or(&[]);
        for c in &flagged {
            if ids.contains(&c.as_str()) {
                caught += 1;
            } else {
                wrong.push(format!("{file}: {c}"));
            }
        }
        for c in &unflagged {
            if ids.contains(&c.as_str()) {
                missed.push(format!("{file}: {c}"));
            } else {
                ordinary += 1;
            }
        }
    }
    let total_ids: usize = IDENTIFIERS.iter().map(|(_, c)| c.len()).sum();
    println!(
        "identifier detection on {files} test files: {caught}/{total_ids} identifier columns caught; {}/{} ordinary columns flagged",
        wrong.len(),
        ordinary + wrong.len()
    );
    assert!(files >= 40, "only {files} test files read");
    assert!(missed.is_empty(), "identifier columns not flagged: {missed:?}");
    assert!(wrong.is_empty(), "ordinary columns flagged: {wrong:?}");
    assert_eq!(caught, total_ids);
}
