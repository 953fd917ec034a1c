//! Benchmark support: a seeded synthetic registry-sized cohort, and step timings of the
//! analyses on it. The clock is passed in so the same code runs natively and in the browser
//! (where `std::time::Instant` is unavailable).

use serde::Serialize;

use crate::error::Result;
use crate::spec::AnalysisSpec;

pub use crate::numfmt::r_number;
pub use crate::rng::SplitMix64;

/// A synthetic cohort as CSV: `time` (whole days, so with ties), `status` (0 censored, 1 event,
/// 2 competing event; about 60% events), `group` (A/B/C) and ten numeric covariates `x1..x10`
/// (standard normal, printed with 15 significant digits as R's `write.csv` does, so the file
/// has a registry extract's size: about 190 bytes a row, 190 MB for 10^6 rows).
pub fn synthetic_csv(n: usize, seed: u64) -> String {
    let mut rng = SplitMix64(seed);
    let mut out = String::with_capacity(n * 192 + 64);
    out.push_str("time,status,group,x1,x2,x3,x4,x5,x6,x7,x8,x9,x10\n");
    let beta = [0.3, -0.2, 0.1, 0.0, 0.25, -0.1, 0.05, 0.0, 0.15, -0.05];
    for _ in 0..n {
        let g = (rng.uniform() * 3.0) as usize;
        let mut text = String::with_capacity(180);
        let x: Vec<f64> = (0..10)
            .map(|_| {
                text.push(',');
                r_number(rng.normal(), &mut text)
            })
            .collect();
        let lp: f64 = x.iter().zip(beta).map(|(a, b)| a * b).sum::<f64>() + [0.0, 0.3, -0.3][g.min(2)];
        let rate = 1.0 / 700.0 * lp.exp();
        let t_event = -rng.uniform().ln() / rate;
        let t_comp = -rng.uniform().ln() / (1.0 / 5000.0);
        let t_cens = rng.uniform() * 1500.0 + 100.0;
        let (t, s) = if t_event <= t_comp && t_event <= t_cens {
            (t_event, 1)
        } else if t_comp <= t_cens {
            (t_comp, 2)
        } else {
            (t_cens, 0)
        };
        let t = t.ceil().max(1.0);
        out.push_str(&format!("{t},{s},{}", ["A", "B", "C"][g.min(2)]));
        out.push_str(&text);
        out.push('\n');
    }
    out
}

/// Milliseconds of each step on a synthetic cohort.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Timings {
    pub rows: usize,
    pub parse_ms: f64,
    pub km_logrank_ms: f64,
    pub cox_ms: f64,
    pub cuminc_gray_ms: f64,
    pub finegray_ms: Option<f64>,
    pub analyze_ms: f64,
}

fn spec(json: &str) -> Result<AnalysisSpec> {
    AnalysisSpec::from_json(json)
}

/// Time the analyses on a synthetic cohort's bytes. Fine-Gray runs only up to `finegray_max`
/// rows (its cost grows fastest).
pub fn run(bytes: &[u8], now: &dyn Fn() -> f64, finegray_max: usize) -> Result<Timings> {
    let t0 = now();
    let table = crate::ingest::read_table(bytes, "synthetic.csv", &Default::default())?;
    let t1 = now();
    let covs = r#"["x1","x2","x3","x4","x5","x6","x7","x8","x9","x10"]"#;
    let km = spec(r#"{"time":"time","event":{"column":"status","event":["1"],"censored":["0","2"]},"group":"group"}"#)?;
    crate::analyze(&table, &km)?;
    let t2 = now();
    let cox = spec(&format!(r#"{{"time":"time","event":{{"column":"status","event":["1"],"censored":["0","2"]}},"covariates":{covs}}}"#))?;
    crate::analyze(&table, &cox)?;
    let t3 = now();
    let cr = spec(r#"{"time":"time","event":{"column":"status","event":["1"],"competing":["2"]},"group":"group"}"#)?;
    crate::analyze(&table, &cr)?;
    let t4 = now();
    let finegray_ms = if table.n_rows() <= finegray_max {
        let fg = spec(r#"{"time":"time","event":{"column":"status","event":["1"],"competing":["2"]},"covariates":["x1","x2","x3"]}"#)?;
        let a = now();
        crate::analyze(&table, &fg)?;
        Some(now() - a)
    } else {
        None
    };
    // The full run parses the bytes again: the first table goes first, as a page holds one.
    let rows = table.n_rows();
    drop(table);
    let full = spec(&format!(
        r#"{{"time":"time","event":{{"column":"status","event":["1"],"censored":["0","2"]}},"group":"group","times":[365,730],"rmst_tau":730,"covariates":{covs}}}"#
    ))?;
    let a = now();
    crate::analyze_bytes(bytes, "synthetic.csv", &full)?;
    let analyze_ms = now() - a;
    Ok(Timings {
        rows,
        parse_ms: t1 - t0,
        km_logrank_ms: t2 - t1,
        cox_ms: t3 - t2,
        cuminc_gray_ms: t4 - t3,
        finegray_ms,
        analyze_ms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_as_r_write_csv() {
        // Rscript -e 'write.csv(data.frame(x=c(0.1234567890123456789, 1.234567890123456e-5,
        //   -2.5, 100, -0.00012345678901234567, 1/3)), stdout(), row.names=FALSE)'
        let xs = [0.1234567890123456789, 1.234567890123456e-5, -2.5, 100.0, -0.00012345678901234567, 1.0 / 3.0];
        let want = ["0.123456789012346", "1.23456789012346e-05", "-2.5", "100", "-0.000123456789012346", "0.333333333333333"];
        for (x, w) in xs.iter().zip(want) {
            let mut s = String::new();
            let v = r_number(*x, &mut s);
            assert_eq!(s, w);
            assert_eq!(v, w.parse::<f64>().unwrap());
        }
    }

    #[test]
    fn synthetic_file_is_seeded_and_registry_sized() {
        let a = synthetic_csv(2000, 7);
        assert_eq!(a, synthetic_csv(2000, 7));
        assert_ne!(a, synthetic_csv(2000, 8));
        let per_row = a.len() as f64 / 2000.0;
        assert!((180.0..200.0).contains(&per_row), "{per_row} bytes a row");
        assert!(a.lines().skip(1).all(|l| l.split(',').count() == 13));
    }
}
