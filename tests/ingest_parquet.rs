//! Parquet input (`src/ingest/parquet.rs`) against the CSV of the same data: the fixtures in
//! `tests/ingest_parquet/` are written by DuckDB (`make_fixtures.py`), once as CSV and once as
//! Parquet with each codec DuckDB writes; each Parquet file must read as the same table as the
//! CSV, and the analysis of lung.parquet must equal that of tests/reference/lung.csv.
#![cfg(feature = "parquet")]

use std::path::{Path, PathBuf};

use cohort::table::{ColumnData, ColumnKind, Table};
use cohort::{analyze, read_table, AnalysisSpec, ReadOptions};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ingest_parquet")
}

fn read(name: &str, opts: &ReadOptions) -> cohort::Result<Table> {
    let bytes = std::fs::read(dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    read_table(&bytes, name, opts)
}

/// The parts of a table that do not depend on the file's format: columns (names, values, kinds,
/// unreadable cells, identifier flags) and each row's line.
fn content(t: &Table) -> String {
    format!("{:?}\n{:?}", t.columns, t.lines)
}

#[test]
fn every_codec_reads_as_the_csv() {
    for opts in [ReadOptions::default(), ReadOptions { missing: Some(vec!["NA".into(), "-4536".into(), "x".into()]), ..Default::default() }] {
        let csv = read("mixed.csv", &opts).unwrap();
        assert_eq!(csv.n_rows(), 399, "one of 400 rows is all nulls (a blank CSV line)");
        for codec in ["snappy", "gzip", "zstd", "lz4", "uncompressed"] {
            let name = format!("mixed_{codec}.parquet");
            let pq = read(&name, &opts).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(content(&pq), content(&csv), "{name}");
            assert!(pq.notes[0].starts_with("format: Parquet"), "{:?}", pq.notes);
            assert!(pq.notes.iter().any(|n| n.contains("skipped 1 row whose every value is null")), "{:?}", pq.notes);
            assert!(pq.notes.iter().any(|n| n.contains("time of day is dropped") && n.ends_with(": seen")), "{:?}", pq.notes);
        }
    }
    // What the types became (so that equality with the CSV is not equality of two wrong tables).
    let t = read("mixed_snappy.parquet", &ReadOptions::default()).unwrap();
    let kind = |c: &str| t.column(c).unwrap().kind;
    for c in ["time", "status", "age", "dose", "big", "huge", "score", "small"] {
        assert!(matches!(t.column(c).unwrap().data, ColumnData::Numeric(_)), "{c}");
    }
    for c in ["start", "seen"] {
        assert_eq!(kind(c), ColumnKind::Date, "{c}");
        assert!(matches!(t.column(c).unwrap().data, ColumnData::Date(_)), "{c}");
    }
    for c in ["grp", "smoker", "level"] {
        assert!(matches!(t.column(c).unwrap().data, ColumnData::Text { .. }), "{c}");
    }
    // Row 1 (line 2) of make_fixtures.py's table, as DuckDB's CSV shows it.
    let cell = |c: &str| t.column(c).unwrap().text(0);
    assert_eq!(cell("grp").as_deref(), Some("C, with comma"));
    assert_eq!(cell("smoker").as_deref(), Some("false"));
    assert_eq!(cell("seen").as_deref(), Some("2021-01-01"));
    assert_eq!(cell("dose").as_deref(), Some("559.76"));
    assert_eq!(cell("score").as_deref(), Some("4.1"));
    assert_eq!(cell("level"), None);
    // 'NA' strings and nulls are both missing; the all-null row 124 (line 125) is skipped.
    assert!(t.column("grp").unwrap().missing_count() > 0);
    assert_eq!(t.line(122), 124);
    assert_eq!(t.line(123), 126);
}

/// Two row groups of ~10,000 rows, each longer than one decoding batch: every value where it
/// belongs (make_fixtures.py gives the formulas).
#[test]
fn row_groups_and_batches() {
    let t = read("many_groups.parquet", &ReadOptions::default()).unwrap();
    assert_eq!(t.n_rows(), 20000);
    assert!(t.notes[0].contains("2 row groups"), "{:?}", t.notes);
    let (time, status, grp, x) = (t.column("time").unwrap(), t.column("status").unwrap(), t.column("grp").unwrap(), t.column("x").unwrap());
    for i in 0..20000 {
        assert_eq!(time.number(i), (i % 997 + 1) as f64, "row {i}");
        assert_eq!(status.number(i), (i % 3) as f64, "row {i}");
        assert_eq!(grp.text(i).unwrap(), ["A", "B", "C", "D"][i % 4], "row {i}");
        if i % 11 == 0 {
            assert!(x.is_missing(i), "row {i}");
        } else {
            assert_eq!(x.number(i), i as f64 / 8.0, "row {i}");
        }
        assert_eq!(t.line(i), i as u64 + 2);
    }
}

#[test]
fn lung_analysis_equals_the_csvs() {
    let spec: AnalysisSpec = serde_json::from_str(
        r#"{"time":"time","event":{"column":"status","event":["2"]},"group":"sex","times":[180,365],"covariates":["age","ph.ecog"]}"#,
    )
    .unwrap();
    let csv = {
        let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference/lung.csv");
        read_table(&std::fs::read(p).unwrap(), "lung", &ReadOptions::default()).unwrap()
    };
    let pq = read("lung.parquet", &ReadOptions::default()).unwrap();
    let mut pq_named = pq.clone();
    pq_named.name = "lung".into();
    let a = serde_json::to_value(analyze(&csv, &spec).unwrap()).unwrap();
    let b = serde_json::to_value(analyze(&pq_named, &spec).unwrap()).unwrap();
    // The notes differ (encoding and delimiter against the Parquet note); every number is equal.
    let strip = |mut v: serde_json::Value| {
        if let Some(o) = v.as_object_mut() {
            o.remove("notes");
            o.remove("warnings");
        }
        v
    };
    assert_eq!(strip(a), strip(b));
    assert_eq!(pq.n_rows(), 228);
}

#[test]
fn refusals_name_the_column_and_the_fix() {
    let e = read("brotli.parquet", &ReadOptions::default()).unwrap_err();
    let m = e.to_string();
    assert!(m.contains("column 'time' is compressed with brotli") && m.contains("COMPRESSION snappy"), "{m}");
    let e = read("lists.parquet", &ReadOptions::default()).unwrap_err();
    let m = e.to_string();
    assert!(m.contains("'pair.list.element' holds lists") && m.contains("UNNEST"), "{m}");
    // Cut short: the start says Parquet, the end does not.
    let bytes = std::fs::read(dir().join("mixed_snappy.parquet")).unwrap();
    let e = read_table(&bytes[..bytes.len() / 2], "cut.parquet", &ReadOptions::default()).unwrap_err();
    assert!(e.to_string().contains("truncated Parquet file"), "{e}");
    // Damaged in the middle: an error, never a panic.
    let mut bad = bytes.clone();
    for b in &mut bad[100..2000] {
        *b = b.wrapping_mul(31).wrapping_add(7);
    }
    let r = read_table(&bad, "bad.parquet", &ReadOptions::default());
    assert!(r.is_err(), "a damaged file must be refused");
    // Every truncation of the footer: an error naming the file, never a panic.
    for cut in (bytes.len() - 600..bytes.len() - 4).step_by(37) {
        let mut b = bytes[..cut].to_vec();
        b.extend_from_slice(b"PAR1");
        assert!(read_table(&b, "cut.parquet", &ReadOptions::default()).is_err());
    }
}
