//! What the warm-up runs (src/wasm/warm.rs): its synthetic rows, its analyses and its step
//! sizes. Platform-free, so that tests/warm_up.rs runs the same plan natively (this file reads
//! `SplitMix64` through `super`: the crate's, or the test's import of it).

use std::fmt::Write;

use super::SplitMix64;

/// Rows made per generating step, bytes streamed per parsing step.
pub const GEN_ROWS: usize = 400;
pub const STREAM_BYTES: usize = 64 << 10;
/// Rows of the small file read whole (the page's small-file path, `Session::load`) and
/// analysed first (while the code is baseline code, so the steps stay short).
pub const SMALL_ROWS: usize = 2000;
/// The figure's size (the page's survival figure at a common width).
pub const FIGURE_W: u32 = 1000;
pub const FIGURE_H: u32 = 700;

/// The analyses of the warm-up, each run `reps` times on the streamed table (the session's
/// section cache is emptied before each run, so every run computes): the page's default
/// analysis shape (Kaplan–Meier + log-rank by group), then Cox with the ten covariates (Efron;
/// its concordance and the proportional-hazards test come with it).
pub const KM_SPEC: &str = r#"{"time":"time","event":{"column":"status","event":["1"],"censored":["0","2"]},"group":"group"}"#;
pub const COX_SPEC: &str = r#"{"time":"time","event":{"column":"status","event":["1"],"censored":["0","2"]},"covariates":["x1","x2","x3","x4","x5","x6","x7","x8","x9","x10"]}"#;

/// The synthetic cohort's rows, made a few hundred at a time, in the shape of the bench's file
/// (`cohort synth N SEED --designs`, src/bench.rs `synthetic_csv_designs`): whole-day times
/// with ties, status 0/1/2 (about 60% events), group A/B/C, ten covariates near normal written
/// with 14 decimals (as long as R's `write.csv` writes them), and the design columns `entry`,
/// `tx` (half blank) and `trt` (A/B). Written with integer formatting only (no float
/// formatting, sine or cosine: the page's first-load module carries this code).
pub struct Rows {
    rng: SplitMix64,
}

impl Rows {
    pub fn new(seed: u64) -> Rows {
        Rows { rng: SplitMix64(seed) }
    }

    pub const HEADER: &'static str = "time,status,group,x1,x2,x3,x4,x5,x6,x7,x8,x9,x10,entry,tx,trt\n";

    /// Nearly standard normal (Irwin–Hall: the sum of twelve uniforms, less 6), within ±6.
    fn normal(&mut self) -> f64 {
        (0..12).map(|_| self.rng.uniform()).sum::<f64>() - 6.0
    }

    /// `x` (|x| < 10) with 14 decimals, trailing zeros dropped (as R writes 15 digits); the
    /// value written is returned.
    fn number(x: f64, out: &mut String) -> f64 {
        let scaled = (x * 1e14).round();
        let v = scaled.abs() as u64;
        let (whole, mut frac, mut width) = (v / 100_000_000_000_000, v % 100_000_000_000_000, 14);
        while width > 0 && frac % 10 == 0 {
            frac /= 10;
            width -= 1;
        }
        let sign = if scaled < 0.0 { "-" } else { "" };
        let _ = if width == 0 { write!(out, "{sign}{whole}") } else { write!(out, "{sign}{whole}.{frac:0width$}") };
        scaled / 1e14
    }

    /// Append `n` rows to `out`.
    pub fn push(&mut self, n: usize, out: &mut String) {
        const BETA: [f64; 10] = [0.3, -0.2, 0.1, 0.0, 0.25, -0.1, 0.05, 0.0, 0.15, -0.05];
        let mut cells = String::with_capacity(200);
        for _ in 0..n {
            let g = ((self.rng.uniform() * 3.0) as usize).min(2);
            cells.clear();
            let mut lp = [0.0, 0.3, -0.3][g];
            let mut x = [0.0f64; 3];
            for (j, b) in BETA.iter().enumerate() {
                cells.push(',');
                let v = Self::number(self.normal(), &mut cells);
                lp += b * v;
                if j < 3 {
                    x[j] = v;
                }
            }
            let rng = &mut self.rng;
            let t_event = -rng.uniform().ln() * 700.0 / lp.exp();
            let t_comp = -rng.uniform().ln() * 5000.0;
            let t_cens = rng.uniform() * 1500.0 + 100.0;
            let (t, s) = if t_event <= t_comp && t_event <= t_cens {
                (t_event, 1)
            } else if t_comp <= t_cens {
                (t_comp, 2)
            } else {
                (t_cens, 0)
            };
            let t = t.ceil().max(1.0) as u64;
            let entry = if rng.uniform() < 0.5 { 0 } else { ((rng.uniform() * t as f64) as u64).min(t - 1) };
            let _ = write!(out, "{t},{s},{}{cells},{entry},", ["A", "B", "C"][g]);
            if rng.uniform() < 0.5 {
                let _ = write!(out, "{}", 1 + (rng.uniform() * 1500.0) as u64);
            }
            let lp = -0.2 + 0.8 * x[0] - 0.5 * x[1] + 0.3 * x[2];
            out.push_str(if rng.uniform() < 1.0 / (1.0 + (-lp).exp()) { ",B\n" } else { ",A\n" });
        }
    }
}

/// The end of the first `rows` rows of `csv` (after the header), or its length.
pub fn rows_end(csv: &str, rows: usize) -> usize {
    csv.match_indices('\n').nth(rows).map_or(csv.len(), |(i, _)| i + 1)
}

/// The handle in a `run`/`run_delta` answer (`{"handle":N,...`; 0 when there is none).
pub fn handle_of(answer: &str) -> u32 {
    let digits = answer.strip_prefix("{\"handle\":").unwrap_or("");
    digits.bytes().take_while(u8::is_ascii_digit).fold(0u32, |h, d| h.saturating_mul(10).saturating_add(u32::from(d - b'0')))
}
