//! Benchmark support: a seeded synthetic registry-sized cohort, and step timings of the
//! analyses on it. The clock is passed in so the same code runs natively and in the browser
//! (where `std::time::Instant` is unavailable).

use serde::Serialize;

use crate::error::Result;
use crate::spec::AnalysisSpec;

/// splitmix64: a tiny, well-mixed seeded generator (deterministic across platforms).
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform on (0, 1).
    pub fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
    pub fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

/// A synthetic cohort as CSV: `time` (whole days, so with ties), `status` (0 censored, 1 event,
/// 2 competing event; about 60% events), `group` (A/B/C) and ten numeric covariates `x1..x10`.
pub fn synthetic_csv(n: usize, seed: u64) -> String {
    let mut rng = SplitMix64(seed);
    let mut out = String::with_capacity(n * 120);
    out.push_str("time,status,group,x1,x2,x3,x4,x5,x6,x7,x8,x9,x10\n");
    let beta = [0.3, -0.2, 0.1, 0.0, 0.25, -0.1, 0.05, 0.0, 0.15, -0.05];
    for _ in 0..n {
        let g = (rng.uniform() * 3.0) as usize;
        let x: Vec<f64> = (0..10).map(|_| (rng.normal() * 100.0).round() / 100.0).collect();
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
        for v in x {
            out.push_str(&format!(",{v}"));
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
    let full = spec(&format!(
        r#"{{"time":"time","event":{{"column":"status","event":["1"],"censored":["0","2"]}},"group":"group","times":[365,730],"rmst_tau":730,"covariates":{covs}}}"#
    ))?;
    let a = now();
    crate::analyze_bytes(bytes, "synthetic.csv", &full)?;
    let analyze_ms = now() - a;
    Ok(Timings {
        rows: table.n_rows(),
        parse_ms: t1 - t0,
        km_logrank_ms: t2 - t1,
        cox_ms: t3 - t2,
        cuminc_gray_ms: t4 - t3,
        finegray_ms,
        analyze_ms,
    })
}
