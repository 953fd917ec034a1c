//! The streamed parse as the page runs it: the bench's synthetic file (`cohort synth ROWS
//! --designs`, built in memory) pushed chunk by chunk into a `TextStream` (the page's
//! `Session.stream_push`), timed against `read_table` on the whole buffer. A harness for
//! `perf record -g` (issue 19 item 1).
//!
//! `cargo run --release --example stream_parse -- [ROWS] [CHUNK_BYTES] [RUNS] [whole]`
//! (defaults 1,000,000 rows, 65,536-byte chunks, 3 runs; `whole` also times `read_table`).
//! Prints each run's wall time and the columns' bytes after the parse.

use std::time::Instant;

use cohort::ingest::{StreamEnd, TextStream};
use cohort::ReadOptions;

fn main() {
    let arg = |i: usize| std::env::args().nth(i);
    let rows: usize = arg(1).and_then(|s| s.parse().ok()).unwrap_or(1_000_000);
    let chunk: usize = arg(2).and_then(|s| s.parse().ok()).unwrap_or(1 << 16);
    let runs: usize = arg(3).and_then(|s| s.parse().ok()).unwrap_or(3);
    let whole = arg(4).as_deref() == Some("whole");
    let text = cohort::bench::synthetic_csv_designs(rows, 1);
    let bytes = text.as_bytes();
    println!("{rows} rows, {:.1} MB, chunks of {chunk} bytes", bytes.len() as f64 / 1e6);
    let (mut times, mut pushes, mut schemas) = (Vec::new(), Vec::new(), Vec::new());
    for run in 0..runs {
        let t = Instant::now();
        let (table, end_ms) = stream(bytes, chunk);
        let t1 = Instant::now();
        let schema = table.schema();
        let schema_ms = t1.elapsed().as_secs_f64() * 1e3;
        let dt = t.elapsed().as_secs_f64() * 1e3;
        times.push(dt);
        pushes.push(dt - end_ms - schema_ms);
        schemas.push(schema_ms);
        println!(
            "run {run}: streamed {dt:.0} ms (of which end {end_ms:.0} ms, schema {schema_ms:.0} ms), {} rows × {} columns, columns {:.1} MB",
            schema.rows,
            table.columns.len(),
            table.heap_bytes() as f64 / 1e6
        );
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    println!(
        "median streamed parse: {:.0} ms (records {:.0} ms, schema {:.0} ms)",
        median(&mut times),
        median(&mut pushes),
        median(&mut schemas)
    );
    if whole {
        let t = Instant::now();
        let table = cohort::read_table(bytes, "bench.csv", &ReadOptions::default()).expect("readable");
        println!("read_table (whole buffer): {:.0} ms, {} rows", t.elapsed().as_secs_f64() * 1e3, table.n_rows());
    }
}

/// Push `bytes` in chunks of `chunk` bytes, streaming the file again when the reader asks;
/// returns the table and the time spent in `end` (the types settled, the table built).
fn stream(bytes: &[u8], chunk: usize) -> (cohort::Table, f64) {
    let mut s = TextStream::new("bench.csv", bytes.len(), ReadOptions::default());
    let mut end_ms = 0.0;
    loop {
        for c in bytes.chunks(chunk) {
            s.push(c).expect("readable");
        }
        let t = Instant::now();
        let end = s.end().expect("readable");
        end_ms += t.elapsed().as_secs_f64() * 1e3;
        match end {
            StreamEnd::Table(t) => return (t, end_ms),
            StreamEnd::Again | StreamEnd::Restart => continue,
        }
    }
}
