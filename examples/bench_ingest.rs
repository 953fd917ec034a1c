//! Ingestion speed: builds a cohort-like CSV of N rows × 13 columns in memory (numbers,
//! decimals, a text group, ISO dates, a few missing cells) and times `read_table`.
//!
//! `cargo run --release --example bench_ingest -- [ROWS]` (default 1,000,000 ≈ 190 MB).

use std::fmt::Write as _;
use std::time::Instant;

fn main() {
    let rows: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(1_000_000);
    let mut s = String::with_capacity(rows * 200);
    s.push_str("inst,time,status,age,sex,ph.ecog,ph.karno,pat.karno,meal.cal,wt.loss,histology,srs_date,dose_gy\n");
    let mut x: u64 = 12345;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let hist = ["adenocarcinoma of the lung", "squamous cell carcinoma", "large cell carcinoma", "small cell lung cancer"];
    for _ in 0..rows {
        let r = next();
        let _ = writeln!(
            s,
            "{},{:.15},{},{:.15},{},{},{},{},{}.{:013},{},{},2019-{:02}-{:02}T08:30:00,{:.15}",
            r % 33,
            (r % 100_000) as f64 / 37.0,
            1 + (r >> 7) % 2,
            40.0 + ((r >> 9) % 400_000) as f64 / 10_000.0,
            1 + (r >> 11) % 2,
            (r >> 13) % 4,
            50 + 10 * ((r >> 15) % 6),
            if (r >> 17) % 50 == 0 { "NA".to_string() } else { (40 + 10 * ((r >> 19) % 7)).to_string() },
            (r >> 21) % 2600,
            (r >> 3) % 10_000_000_000_000,
            if (r >> 23) % 20 == 0 { "".to_string() } else { ((r >> 25) % 60).to_string() },
            hist[((r >> 27) % 4) as usize],
            1 + (r >> 29) % 12,
            1 + (r >> 33) % 28,
            ((r >> 37) % 300) as f64 / 10.0,
        );
    }
    println!("{} rows, {:.1} MB", rows, s.len() as f64 / 1e6);
    for run in 0..3 {
        let cpu0 = cpu_seconds();
        let t = Instant::now();
        let table = cohort::read_table(s.as_bytes(), "bench.csv", &cohort::ReadOptions::default()).expect("readable");
        let dt = t.elapsed().as_secs_f64();
        let cpu = cpu_seconds() - cpu0;
        println!(
            "run {run}: read_table {:.3} s wall, {cpu:.2} s CPU ({:.0} MB/s wall), {} rows × {} columns",
            dt,
            s.len() as f64 / 1e6 / dt,
            table.n_rows(),
            table.columns.len()
        );
    }
}

/// User + system CPU time of this process (Linux `/proc/self/stat`, 100 ticks per second),
/// so that the figure means something on a shared machine; NaN elsewhere.
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else { return f64::NAN };
    let after = stat.rsplit_once(')').map(|x| x.1).unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|x| x.parse::<f64>().ok()).unwrap_or(f64::NAN);
    (ticks(11) + ticks(12)) / 100.0
}
