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
    synthetic_rows(n, seed, false)
}

/// [`synthetic_csv`] (the same rows, from the same seed) with three columns for the study
/// designs and adjusted comparisons (`cohort synth ROWS [SEED] --designs`):
/// * `entry`: delayed entry, 0 for half the rows, else a whole day in [0, time − 1];
/// * `tx`: the day a time-varying exposure began, in 1..=1500 for half the rows (so after the
///   end of follow-up on some), else blank;
/// * `trt`: a two-level treatment (A/B) drawn from a logistic model of x1..x3,
///   P(B) = 1 / (1 + exp(−(−0.2 + 0.8·x1 − 0.5·x2 + 0.3·x3))), so propensity weights vary.
///
/// The design columns come from a second generator (seeded from `seed`), so the first
/// thirteen columns are byte for byte those of [`synthetic_csv`].
pub fn synthetic_csv_designs(n: usize, seed: u64) -> String {
    synthetic_rows(n, seed, true)
}

fn synthetic_rows(n: usize, seed: u64, designs: bool) -> String {
    let mut rng = SplitMix64(seed);
    let mut extra = SplitMix64(seed ^ 0xD1B5_4A32_D192_ED03);
    let mut out = String::with_capacity(n * if designs { 208 } else { 192 } + 64);
    out.push_str("time,status,group,x1,x2,x3,x4,x5,x6,x7,x8,x9,x10");
    out.push_str(if designs { ",entry,tx,trt\n" } else { "\n" });
    let beta = [0.3, -0.2, 0.1, 0.0, 0.25, -0.1, 0.05, 0.0, 0.15, -0.05];
    let mut text = String::with_capacity(200);
    for _ in 0..n {
        let g = (rng.uniform() * 3.0) as usize;
        text.clear();
        let mut x = [0.0f64; 10];
        for v in &mut x {
            text.push(',');
            *v = r_number(rng.normal(), &mut text);
        }
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
        if designs {
            use std::fmt::Write;
            let entry = if extra.uniform() < 0.5 { 0.0 } else { (extra.uniform() * t).floor().min(t - 1.0) };
            let _ = write!(out, ",{entry},");
            if extra.uniform() < 0.5 {
                let _ = write!(out, "{}", 1 + (extra.uniform() * 1500.0) as u64);
            }
            let lp = -0.2 + 0.8 * x[0] - 0.5 * x[1] + 0.3 * x[2];
            out.push_str(if extra.uniform() < 1.0 / (1.0 + (-lp).exp()) { ",B" } else { ",A" });
        }
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
    /// The study designs and adjusted comparisons, each timed only when the file has its
    /// columns ([`synthetic_csv_designs`]). Kaplan-Meier + CIs + log-rank by group with delayed
    /// entry at `entry` (issue 17: ≤ 2× `km_logrank_ms`).
    pub km_entry_ms: Option<f64>,
    /// Cox with the ten covariates on the rows split at `tx` (`time_varying` `tx_on`; issue 17:
    /// ≤ 3× `cox_ms`), and with `tx_on` as an eleventh term.
    pub cox_split_ms: Option<f64>,
    pub cox_split_tv_ms: Option<f64>,
    /// Kaplan-Meier + log-rank by `trt` and the Cox model of `trt`, unweighted: what the
    /// propensity-weighted analysis is compared with.
    pub km_cox_trt_ms: Option<f64>,
    /// Propensity score of `trt` (logistic model of x1..x3, ATE, stabilised) + the weighted
    /// Kaplan-Meier curves (robust SE) + the weighted Cox model of `trt` (robust variance;
    /// issue 18: ≤ 1.5× `km_cox_trt_ms`).
    pub propensity_ms: Option<f64>,
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
    // Study designs and propensity weights are extended estimators (the `extended` feature).
    let has = |c: &str| cfg!(feature = "extended") && table.column(c).is_some();
    // Each of these is timed on its second run: in the browser the first call of a code path
    // runs baseline-compiled WebAssembly until the optimising compiler has it (the paths the
    // engine's idle warm-up runs, KM and Cox, are optimised before the bench starts), so a
    // first call would compare cold code with the warm code of `km_logrank_ms` and `cox_ms`.
    let timed = |json: &str| -> Result<f64> {
        let s = spec(json)?;
        crate::analyze(&table, &s)?;
        let a = now();
        crate::analyze(&table, &s)?;
        Ok(now() - a)
    };
    let event = r#""event":{"column":"status","event":["1"],"censored":["0","2"]}"#;
    let km_entry_ms = match has("entry") {
        true => Some(timed(&format!(r#"{{"time":"time",{event},"group":"group","entry":"entry"}}"#))?),
        false => None,
    };
    let (cox_split_ms, cox_split_tv_ms) = match has("tx") {
        true => {
            let tv = r#""time_varying":[{"name":"tx_on","at":"tx"}]"#;
            let split = timed(&format!(r#"{{"time":"time",{event},"covariates":{covs},{tv}}}"#))?;
            let covs11 = covs.replace(r#""x10"]"#, r#""x10","tx_on"]"#);
            (Some(split), Some(timed(&format!(r#"{{"time":"time",{event},"covariates":{covs11},{tv}}}"#))?))
        }
        false => (None, None),
    };
    let (km_cox_trt_ms, propensity_ms) = match has("trt") {
        true => {
            let plain = timed(&format!(r#"{{"time":"time",{event},"group":"trt","covariates":["trt"]}}"#))?;
            let ps = r#""propensity":{"treatment":"trt","covariates":["x1","x2","x3"],"estimand":"ATE","stabilize":true}"#;
            (Some(plain), Some(timed(&format!(r#"{{"time":"time",{event},"group":"trt",{ps}}}"#))?))
        }
        false => (None, None),
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
        km_entry_ms,
        cox_split_ms,
        cox_split_tv_ms,
        km_cox_trt_ms,
        propensity_ms,
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

    #[test]
    fn design_columns_are_seeded_and_follow_their_rules() {
        let n = 4000;
        let a = synthetic_csv_designs(n, 7);
        assert_eq!(a, synthetic_csv_designs(n, 7));
        assert_ne!(a, synthetic_csv_designs(n, 8));
        let plain = synthetic_csv(n, 7);
        assert_eq!(a.lines().next(), Some("time,status,group,x1,x2,x3,x4,x5,x6,x7,x8,x9,x10,entry,tx,trt"));
        let (mut zero_entry, mut blank_tx, mut after_exit) = (0, 0, 0);
        let (mut x1_b, mut n_b, mut x1_a) = (0.0, 0, 0.0);
        for (d, p) in a.lines().zip(plain.lines()).skip(1) {
            // The first thirteen columns are synthetic_csv's, byte for byte.
            let tail = d.strip_prefix(p).unwrap_or_else(|| panic!("{d} does not extend {p}"));
            let f: Vec<&str> = tail.split(',').skip(1).collect();
            assert_eq!(f.len(), 3, "{tail}");
            let time: f64 = p.split(',').next().unwrap().parse().unwrap();
            let entry: f64 = f[0].parse().unwrap();
            assert!(entry == entry.floor() && (0.0..time).contains(&entry), "entry {entry} for time {time}");
            zero_entry += (entry == 0.0) as usize;
            if f[1].is_empty() {
                blank_tx += 1;
            } else {
                let tx: u64 = f[1].parse().unwrap();
                assert!((1..=1500).contains(&tx));
                after_exit += (tx as f64 > time) as usize;
            }
            let x1: f64 = p.split(',').nth(3).unwrap().parse().unwrap();
            match f[2] {
                "B" => (x1_b, n_b) = (x1_b + x1, n_b + 1),
                "A" => x1_a += x1,
                other => panic!("trt {other}"),
            }
        }
        // Half the rows enter at 0 (plus the few whose drawn day is 0), half have no exposure;
        // some exposures come after the exit (the split warns about them).
        assert!((1900..2300).contains(&zero_entry), "{zero_entry}");
        assert!((1850..2150).contains(&blank_tx), "{blank_tx}");
        assert!(after_exit > 100, "{after_exit}");
        // P(B) = logistic(−0.2 + 0.8 x1 − 0.5 x2 + 0.3 x3): about 0.46 overall, and the treated
        // have the larger x1 (E[x1 | B] − E[x1 | A] ≈ 0.6).
        assert!((1600..2100).contains(&n_b), "{n_b}");
        let gap = x1_b / n_b as f64 - x1_a / (n - n_b) as f64;
        assert!((0.4..0.8).contains(&gap), "{gap}");
        // Pinned: the same bytes on every platform.
        let tails: Vec<String> = a.lines().skip(1).take(4).map(|l| l.split(',').skip(13).collect::<Vec<_>>().join(",")).collect();
        assert_eq!(tails, ["0,,B", "0,953,B", "32,121,A", "10,,A"]);
    }
}
