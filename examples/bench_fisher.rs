//! Fisher's exact test (r×c network algorithm) on clinical-size tables: p-value, work and time.
//!
//!     cargo run --release --example bench_fisher
//!
//! R 4.2 on the same machine, `fisher.test(m, workspace = 2e8)`: 4×4 n = 200 4.5 s,
//! 4×4 n = 315 145 s, 5×5 n = 250 74 s, 3×8 n = 300 1.2 s.

use cohort::stats::table1::fisher::{fisher_exact_counted, DEFAULT_BUDGET};
use std::time::Instant;

/// Build an r-row table from values given column by column (R's `matrix(a, nrow = r)`).
fn by_col(a: &[u64], r: usize) -> Vec<Vec<u64>> {
    let c = a.len() / r;
    (0..r).map(|i| (0..c).map(|j| a[j * r + i]).collect()).collect()
}

fn main() {
    let cases: Vec<(&str, Vec<Vec<u64>>)> = vec![
        ("4x2 lung ph.ecog by sex (n = 227)", vec![vec![36, 27], vec![71, 42], vec![29, 21], vec![1, 0]]),
        ("4x4 n = 200", by_col(&[20, 25, 12, 3, 15, 30, 14, 1, 10, 12, 8, 2, 15, 13, 16, 4], 4)),
        ("4x4 n = 315", by_col(&[30, 40, 25, 5, 20, 30, 25, 5, 24, 20, 18, 2, 26, 10, 32, 3], 4)),
        ("3x8 n = 300", by_col(&[15, 14, 3, 12, 13, 2, 14, 10, 4, 11, 12, 1, 13, 15, 2, 10, 16, 3, 12, 11, 5, 14, 12, 6], 3)),
        ("2x8 n = 300", by_col(&[20, 18, 25, 19, 1, 3, 22, 21, 18, 24, 2, 0, 17, 23, 30, 25], 2)),
        ("5x5 n = 250", by_col(&[12, 10, 8, 9, 2, 9, 14, 10, 8, 1, 11, 9, 13, 7, 3, 10, 12, 9, 11, 2, 8, 10, 12, 9, 1], 5)),
    ];
    println!("{:<36} {:>22} {:>12} {:>10}", "table", "p", "work", "ms");
    for (name, t) in cases {
        let start = Instant::now();
        let (p, work) = fisher_exact_counted(&t, DEFAULT_BUDGET);
        let ms = start.elapsed().as_secs_f64() * 1e3;
        let p = p.map(|p| format!("{p:.15e}")).unwrap_or_else(|| "over budget".to_string());
        println!("{name:<36} {p:>22} {work:>12} {ms:>10.1}");
    }
}
