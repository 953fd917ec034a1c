//! The "messy spreadsheet" corpus (`tests/messy/`, written by `tests/messy/make_messy.py`) through
//! the command line: negative, zero, text and blank times, duplicated and unnamed headers, R's and
//! pandas' row-name columns, one-row, all-censored, header-only, empty and binary files. Each case
//! gives either the error message (exit status 2, no report) or the rows analysed and the
//! warning / note that says what happened to the others.

use std::path::{Path, PathBuf};
use std::process::Command;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/messy")
}

#[test]
fn every_messy_file_gives_its_message_through_the_command_line() {
    let text = std::fs::read_to_string(dir().join("expected.json")).unwrap();
    let cases: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    assert!(cases.len() >= 13, "the corpus has {} cases", cases.len());
    let mut failures = Vec::new();
    for c in &cases {
        let file = c["file"].as_str().unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_cohort"))
            .arg("analyze")
            .arg(dir().join(file))
            .arg("--spec")
            .arg(c["spec"].to_string())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        if let Some(want) = c.get("error").and_then(|e| e.as_str()) {
            if out.status.code() != Some(2) || !stderr.contains(want) || !stderr.contains(file) {
                failures.push(format!("{file}: want exit 2 and an error naming the file with '{want}', got {:?}: {stderr}", out.status.code()));
            }
            if !out.stdout.is_empty() {
                failures.push(format!("{file}: a refused file printed a report"));
            }
            continue;
        }
        if !out.status.success() {
            failures.push(format!("{file}: failed: {stderr}"));
            continue;
        }
        let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let n = c["n"].as_u64().unwrap();
        if r["n"].as_u64() != Some(n) {
            failures.push(format!("{file}: n = {}, want {n}", r["n"]));
        }
        // No row disappears without a word: rows in the file = analysed + excluded (named).
        let rows = r["rows_in_file"].as_u64().unwrap();
        let warnings: Vec<String> = r["warnings"].as_array().unwrap().iter().map(|w| w.as_str().unwrap().to_string()).collect();
        let named: u64 = warnings
            .iter()
            .filter_map(|w| w.split_once(" row").and_then(|(k, rest)| rest.contains(" excluded").then(|| k.parse::<u64>().ok()).flatten()))
            .sum();
        if rows != n + named {
            failures.push(format!("{file}: {rows} rows read, {n} analysed, {named} named as excluded: {warnings:?}"));
        }
        match c.get("warning").and_then(|w| w.as_str()) {
            Some(w) if !warnings.iter().any(|x| x.contains(w)) => failures.push(format!("{file}: no warning containing '{w}' in {warnings:?}")),
            None if !warnings.is_empty() && c.get("note").is_none() => failures.push(format!("{file}: unexpected warnings {warnings:?}")),
            _ => {}
        }
        // A row-number column (pandas' index, R's row names): flagged in the schema, and only it.
        if let Some(want) = c.get("row_number").and_then(|w| w.as_str()) {
            let out = Command::new(env!("CARGO_BIN_EXE_cohort")).arg("schema").arg(dir().join(file)).output().unwrap();
            let schema: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            let flagged: Vec<&str> =
                schema["columns"].as_array().unwrap().iter().filter(|c| c["row_number"] == true).filter_map(|c| c["name"].as_str()).collect();
            if flagged != [want] {
                failures.push(format!("{file}: row-number columns {flagged:?}, want [{want}]"));
            }
        }
        let notes: Vec<&str> = r["notes"].as_array().unwrap().iter().filter_map(|w| w.as_str()).collect();
        for key in ["note", "note2", "note3"] {
            if let Some(w) = c.get(key).and_then(|w| w.as_str()) {
                if !notes.iter().any(|x| x.contains(w)) {
                    failures.push(format!("{file}: no note containing '{w}' in {notes:?}"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A reader that stops early (`cohort analyze … | head -c 100`) closes the pipe: the command
/// ends quietly with status 0, as other command-line tools do, instead of a Rust panic.
#[test]
fn a_reader_closing_the_pipe_early_is_not_a_crash() {
    use std::process::Stdio;
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference/lung.csv");
    let spec = r#"{"time":"time","event":{"column":"status","event":["2"]},"group":"sex","covariates":["age","sex"]}"#;
    let mut child = Command::new(env!("CARGO_BIN_EXE_cohort"))
        .arg("analyze")
        .arg(&data)
        .arg("--spec")
        .arg(spec)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The pipe is closed before the report is written (the fit takes longer than this).
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}

/// `cohort analyze` maps a file of up to 64 MiB and reads it whole (on two threads where the text
/// is long enough), streams a larger one in chunks (a second pass where a column must be read
/// again as text; `COHORT_WHOLE_MAX=0` streams every file) and reads a pipe whole: all three give
/// the report of the whole file, on every messy file that is analysed (the file name aside).
#[test]
fn a_mapped_file_a_streamed_file_and_a_pipe_give_the_same_report() {
    use std::io::Write;
    let text = std::fs::read_to_string(dir().join("expected.json")).unwrap();
    let cases: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    let mut compared = 0;
    for c in cases.iter().filter(|c| c.get("error").is_none()) {
        let file = dir().join(c["file"].as_str().unwrap());
        let spec = c["spec"].to_string();
        let mapped = Command::new(env!("CARGO_BIN_EXE_cohort")).arg("analyze").arg(&file).arg("--spec").arg(&spec).output().unwrap();
        let streamed = Command::new(env!("CARGO_BIN_EXE_cohort")).env("COHORT_WHOLE_MAX", "0").arg("analyze").arg(&file).arg("--spec").arg(&spec).output().unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_cohort"))
            .args(["analyze", "/dev/stdin", "--spec", &spec])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(&std::fs::read(&file).unwrap()).unwrap();
        let piped = child.wait_with_output().unwrap();
        assert!(mapped.status.success() && streamed.status.success() && piped.status.success(), "{}", file.display());
        let report = |out: &[u8]| {
            let mut v: serde_json::Value = serde_json::from_slice(out).unwrap();
            v.as_object_mut().unwrap().remove("file");
            v
        };
        assert_eq!(report(&mapped.stdout), report(&piped.stdout), "{}", file.display());
        assert_eq!(report(&streamed.stdout), report(&piped.stdout), "{}", file.display());
        compared += 1;
    }
    assert!(compared >= 8, "{compared} files compared");
}

/// A text file long enough to be read on two threads (more than 4 MiB after its header: the
/// first rows in order, then two halves at once, joined) gives the report of the same file
/// streamed in chunks and read in order.
#[test]
fn a_long_file_read_on_two_threads_gives_the_streamed_report() {
    let synth = Command::new(env!("CARGO_BIN_EXE_cohort")).args(["synth", "30000", "11", "--designs"]).output().unwrap();
    assert!(synth.status.success() && synth.stdout.len() > 5 << 20, "{} bytes", synth.stdout.len());
    let file = std::env::temp_dir().join(format!("cohort-two-threads-{}.csv", std::process::id()));
    std::fs::write(&file, &synth.stdout).unwrap();
    let spec = r#"{"time":"time","event":{"column":"status","event":["1"],"censored":["0","2"]},"group":"group","times":[365,730],"covariates":["x1","x2","x3","trt"]}"#;
    let run = |whole_max: &str| Command::new(env!("CARGO_BIN_EXE_cohort")).env("COHORT_WHOLE_MAX", whole_max).arg("analyze").arg(&file).arg("--spec").arg(spec).output().unwrap();
    let (mapped, streamed) = (run("67108864"), run("0"));
    std::fs::remove_file(&file).unwrap();
    assert!(mapped.status.success(), "{}", String::from_utf8_lossy(&mapped.stderr));
    assert!(streamed.status.success(), "{}", String::from_utf8_lossy(&streamed.stderr));
    assert_eq!(String::from_utf8_lossy(&mapped.stdout), String::from_utf8_lossy(&streamed.stdout));
}
