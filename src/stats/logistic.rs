//! Logistic regression by iteratively reweighted least squares, as R's
//! `glm(y ~ x, family = binomial)`: the propensity-score model.
//!
//! ## Method (R's `glm.fit` conventions)
//! * Start from μ = (y + ½)/2 (R's `mustart` for the binomial family), η = logit μ.
//! * Each iteration: working weights w = μ(1 − μ) and working response
//!   z = η + (y − μ)/(μ(1 − μ)); β = (XᵀWX)⁻¹XᵀWz (solved by Cholesky); η = Xβ, μ = 1/(1 + e^−η)
//!   (beyond |η| = 30 R's link holds the odds at ε or 1/ε and dμ/dη at ε, and so do we).
//! * Stop when |dev − dev_old| / (|dev| + 0.1) < 1e-8 (dev = −2 log-likelihood), at most 25
//!   iterations, as `glm.control()`.
//! * Standard errors: the square roots of the diagonal of (XᵀWX)⁻¹ with the weights of the
//!   last iteration (as `summary.glm`, whose QR decomposition is the last weighted fit's);
//!   z = β/se and the two-sided normal p-value.
//! * Separation: when a combination of covariates predicts the treatment perfectly, the
//!   likelihood has no maximum and β runs off to infinity; the fitted probabilities reach 0 or 1
//!   (within 1e-8 here; R warns "fitted probabilities numerically 0 or 1 occurred" within 10
//!   machine epsilons) and the fit says so in `separated` (the rows concerned) rather than
//!   returning huge numbers as if they were estimates.

use nalgebra::{DMatrix, DVector};
use serde::Serialize;

use super::common::pnorm_two_sided;

/// A fitted probability closer than this to 0 or 1 counts as separated. R warns only within
/// 10 machine epsilons ("fitted probabilities numerically 0 or 1 occurred"); a probability of
/// 1e-8 already gives a weight of 10⁸, meaningless for weighting, so we flag it earlier.
const SEPARATED: f64 = 1e-8;
/// R's `glm.control()` defaults.
const EPSILON: f64 = 1e-8;
const MAX_ITER: usize = 25;
/// A relative change of the deviance below which the next pass is predicted to converge (to
/// change it by less than [`EPSILON`]): near the maximum, Newton's steps shrink quadratically
/// and the deviance's change with their square, so a change of 1e-5 is followed by one of order
/// 1e-10 (at 100,000 rows on x1..x3: 0.52, 9.9e-7, 1.3e-12).
const LAST: f64 = 1e-5;

/// One coefficient of the logistic model (`(Intercept)` first).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LogisticTerm {
    pub name: String,
    pub coef: f64,
    pub se: f64,
    pub z: f64,
    pub p: f64,
}

/// A fitted logistic model.
#[derive(Debug, Clone, PartialEq)]
pub struct LogisticFit {
    pub terms: Vec<LogisticTerm>,
    /// Fitted probabilities, one per row.
    pub fitted: Vec<f64>,
    pub deviance: f64,
    pub iterations: usize,
    pub converged: bool,
    /// Rows whose fitted probability is numerically 0 or 1 (perfect or quasi-complete
    /// separation).
    pub separated: Vec<usize>,
}

/// |η| beyond which R's logit link is held flat (`THRESH` in R's `family.c`).
const THRESH: f64 = 30.0;

/// Inverse logit, as R's `binomial()$linkinv`: beyond ±30 the odds are held at ε or 1/ε, so
/// that μ never reaches 0 or 1 exactly and the weights stay positive; `e` = exp(η) within.
fn linkinv(eta: f64, e: f64) -> f64 {
    let odds = if eta < -THRESH {
        f64::EPSILON
    } else if eta > THRESH {
        1.0 / f64::EPSILON
    } else {
        e
    };
    odds / (1.0 + odds)
}

/// dμ/dη, as R's `binomial()$mu.eta` (ε beyond ±30), given `e` = exp(η) when |η| ≤ 30 (the
/// value [`linkinv`] computed for the same η, so each η costs one exponential).
fn mu_eta(eta: f64, e: f64) -> f64 {
    if eta.abs() > THRESH {
        f64::EPSILON
    } else {
        e / ((1.0 + e) * (1.0 + e))
    }
}

/// exp(η) where [`mu_eta`] uses it (|η| ≤ 30), else unused.
fn exp_within(eta: f64) -> f64 {
    if eta.abs() > THRESH {
        0.0
    } else {
        eta.exp()
    }
}

/// exp(x) for |x| ≤ 30 (where [`exp_within`] takes it), within 2 ulp of the library's, in
/// straight-line arithmetic the compiler can run on several values at once (a library call
/// cannot be). x = k·ln 2 + r with k the nearest integer to x/ln 2 (found by adding 1.5·2⁵²,
/// which rounds x/ln 2 to an integer held in the low bits) and |r| ≤ ½ ln 2 (ln 2 split into a
/// head with trailing zero bits, so that k·head is exact, and a tail); e^r by its Taylor series
/// to r¹³ (the next term is below 10⁻¹⁷ of e^r), in Horner's form; 2^k by writing k into the
/// exponent bits (|k| ≤ 44 here).
#[inline]
fn exp_near(x: f64) -> f64 {
    const SHIFT: f64 = 6_755_399_441_055_744.0; // 1.5·2⁵²
    const LN2_HI: f64 = 0.693_147_180_369_123_816_49; // ln 2 to 32 bits
    const LN2_LO: f64 = 1.908_214_929_270_587_700_02e-10; // ln 2 − LN2_HI
    let shifted = x * std::f64::consts::LOG2_E + SHIFT;
    let k = shifted - SHIFT;
    let r = (x - k * LN2_HI) - k * LN2_LO;
    // 1/j! for j = 13 down to 2.
    const C: [f64; 12] = [
        1.0 / 6_227_020_800.0,
        1.0 / 479_001_600.0,
        1.0 / 39_916_800.0,
        1.0 / 3_628_800.0,
        1.0 / 362_880.0,
        1.0 / 40_320.0,
        1.0 / 5_040.0,
        1.0 / 720.0,
        1.0 / 120.0,
        1.0 / 24.0,
        1.0 / 6.0,
        0.5,
    ];
    let mut poly = C[0];
    for &c in &C[1..] {
        poly = poly * r + c;
    }
    let er = 1.0 + r + r * r * poly;
    // The low bits of `shifted` hold k + 2⁵¹ (two's complement for k < 0 borrows from 2⁵¹):
    // k + 1023 into the exponent field.
    let biased = shifted.to_bits().wrapping_sub(SHIFT.to_bits()).wrapping_add(1023);
    er * f64::from_bits(biased << 52)
}

/// Σ ln(1 + oddsᵢ) over the rows added, as the logarithm of their product: the factors (each
/// in [1, 1 + 1/ε]) are multiplied into a mantissa whose binary exponent is moved into an
/// integer every 16 factors (16 factors below 2⁵² each cannot overflow), so one logarithm is
/// taken per pass instead of one per row. Each product adds at most half an ulp of relative
/// error, i.e. half an ulp of absolute error to the logarithm: the sum is as accurate as adding
/// n logarithms (whose rounding errors grow with the sum's size).
struct LogProduct {
    mantissa: f64,
    exponent: i64,
    count: usize,
}

impl LogProduct {
    fn new() -> Self {
        LogProduct { mantissa: 1.0, exponent: 0, count: 0 }
    }
    #[inline]
    fn add(&mut self, factor: f64) {
        self.mantissa *= factor;
        self.count += 1;
        if self.count.is_multiple_of(16) {
            self.renormalise();
        }
    }
    #[inline]
    fn renormalise(&mut self) {
        let bits = self.mantissa.to_bits();
        self.exponent += ((bits >> 52) & 0x7ff) as i64 - 1023;
        self.mantissa = f64::from_bits((bits & !(0x7ffu64 << 52)) | (1023u64 << 52));
    }
    fn ln(mut self) -> f64 {
        self.renormalise();
        self.mantissa.ln() + self.exponent as f64 * std::f64::consts::LN_2
    }
}

/// The odds μ/(1 − μ) that [`linkinv`] turns into μ (held at ε or 1/ε beyond |η| = 30), given
/// `e` = exp(η) within, and their logarithm.
#[inline]
fn odds(eta: f64, e: f64) -> (f64, f64) {
    if eta < -THRESH {
        (f64::EPSILON, f64::EPSILON.ln())
    } else if eta > THRESH {
        (1.0 / f64::EPSILON, -f64::EPSILON.ln())
    } else {
        (e, eta)
    }
}

/// The working weight w = (dμ/dη)²/(μ(1 − μ)) and response z = η + (y − μ)/(dμ/dη) of a row
/// (R's `glm.fit`), from its η, exp(η) (see [`exp_within`]), μ and outcome y.
#[inline]
fn working(eta: f64, e: f64, mu: f64, y: f64) -> (f64, f64) {
    let d = mu_eta(eta, e);
    (d * d / (mu * (1.0 - mu)), eta + (y - mu) / d)
}

/// Rows per block of a pass. Within a block each step runs over all its rows before the next
/// (the η's, the exponentials, the divisions of μ, w and z, then the sums), so that the rows'
/// long chains of dependent operations overlap instead of running one row after another, and
/// the sums run as vectors.
const BLOCK: usize = 64;

/// The ones of the intercept's column, for [`Normal::add_block`]'s sweep of the intercept
/// (w·1 = w exactly).
const ONES: [f64; BLOCK] = [1.0; BLOCK];

/// One sweep over a block's rows: with v = w·x_a row by row, Σ v and Σ v·c for each of the
/// `K` columns `c` of `cols`, each sum in four interleaved partial sums (row k into sum k mod 4,
/// which the compiler keeps in vector registers and overlaps) added as `(s0 + s1) + (s2 + s3)`,
/// then the rows past the last multiple of four one by one. Each sum is the dot product over
/// the block of its own pair of columns, the same operations in the same order as one dot
/// product at a time would do (the sweeps only share the loads of w and x_a, and v).
#[cfg(not(target_arch = "wasm32"))]
#[inline]
fn sweep<const K: usize>(w: &[f64], xa: &[f64], cols: [&[f64]; K]) -> (f64, [f64; K]) {
    let len = w.len();
    let (wc, wr) = w.as_chunks::<4>();
    let (xc, xr) = xa[..len].as_chunks::<4>();
    let cols = cols.map(|c| c[..len].as_chunks::<4>());
    let mut s = [0.0f64; 4];
    let mut d = [[0.0f64; 4]; K];
    for (c, (wv, xv)) in wc.iter().zip(xc).enumerate() {
        for l in 0..4 {
            let v = wv[l] * xv[l];
            s[l] += v;
            for j in 0..K {
                d[j][l] += v * cols[j].0[c][l];
            }
        }
    }
    let mut total = (s[0] + s[1]) + (s[2] + s[3]);
    let mut dots = d.map(|d| (d[0] + d[1]) + (d[2] + d[3]));
    for (k, (wv, xv)) in wr.iter().zip(xr).enumerate() {
        let v = wv * xv;
        total += v;
        for j in 0..K {
            dots[j] += v * cols[j].1[k];
        }
    }
    (total, dots)
}

/// [`sweep`] in wasm, where the compiler does not pair the four partial sums into vectors by
/// itself: sums 0–1 and 2–3 are the two lanes of two f64x2 registers, each lane the scalar
/// code's multiply and add (wasm has no fused multiply-add) in the same order, and the lanes
/// are added as `(s0 + s1) + (s2 + s3)`, so the results are the same bits.
#[cfg(target_arch = "wasm32")]
mod lanes {
    use core::arch::wasm32::{f64x2_add, f64x2_extract_lane, f64x2_mul, f64x2_splat, v128, v128_load};

    #[target_feature(enable = "simd128")]
    #[inline]
    fn load(pair: &[f64]) -> v128 {
        debug_assert!(pair.len() >= 2);
        // SAFETY: the callers pass slices of at least two f64 (16 readable bytes), and
        // `v128_load` reads with alignment 1.
        unsafe { v128_load(pair.as_ptr().cast()) }
    }

    #[target_feature(enable = "simd128")]
    #[inline]
    fn total(lo: v128, hi: v128) -> f64 {
        (f64x2_extract_lane::<0>(lo) + f64x2_extract_lane::<1>(lo)) + (f64x2_extract_lane::<0>(hi) + f64x2_extract_lane::<1>(hi))
    }

    #[target_feature(enable = "simd128")]
    #[inline]
    pub(super) fn sweep<const K: usize>(w: &[f64], xa: &[f64], cols: [&[f64]; K]) -> (f64, [f64; K]) {
        let len = w.len();
        let (wc, wr) = w.as_chunks::<4>();
        let (xc, xr) = xa[..len].as_chunks::<4>();
        let cols = cols.map(|c| c[..len].as_chunks::<4>());
        let (mut slo, mut shi) = (f64x2_splat(0.0), f64x2_splat(0.0));
        let mut dlo = [f64x2_splat(0.0); K];
        let mut dhi = [f64x2_splat(0.0); K];
        for (c, (wv, xv)) in wc.iter().zip(xc).enumerate() {
            let vlo = f64x2_mul(load(&wv[..2]), load(&xv[..2]));
            let vhi = f64x2_mul(load(&wv[2..]), load(&xv[2..]));
            slo = f64x2_add(slo, vlo);
            shi = f64x2_add(shi, vhi);
            for j in 0..K {
                let cv = &cols[j].0[c];
                dlo[j] = f64x2_add(dlo[j], f64x2_mul(vlo, load(&cv[..2])));
                dhi[j] = f64x2_add(dhi[j], f64x2_mul(vhi, load(&cv[2..])));
            }
        }
        let mut sum = total(slo, shi);
        let mut dots = [0.0f64; K];
        for j in 0..K {
            dots[j] = total(dlo[j], dhi[j]);
        }
        for (k, (wv, xv)) in wr.iter().zip(xr).enumerate() {
            let v = wv * xv;
            sum += v;
            for j in 0..K {
                dots[j] += v * cols[j].1[k];
            }
        }
        (sum, dots)
    }
}
#[cfg(target_arch = "wasm32")]
use lanes::sweep;

/// The sums of one IRLS step: X'WX (lower triangle, row-major p × p) and X'Wz, added block by
/// block: per term a, the block's Σ (w·x_a)·z, Σ (w·x_a)·1 and Σ (w·x_a)·x_b (b ≤ a) in
/// [`sweep`]s that compute w·x_a once and feed up to five sums at a time (one pass over the
/// block per term instead of one per pair), each added to its total.
struct Normal {
    p: usize,
    lower: Vec<f64>,
    rhs: Vec<f64>,
}

/// Columns per [`sweep`] besides the sum: z and up to three x_b (with more terms, the further
/// x_b in further sweeps), few enough that the sums stay in registers.
const SWEEP: usize = 4;

impl Normal {
    fn new(p: usize) -> Self {
        Normal { p, lower: vec![0.0; p * p], rhs: vec![0.0; p] }
    }
    fn clear(&mut self) {
        self.lower.iter_mut().for_each(|v| *v = 0.0);
        self.rhs.iter_mut().for_each(|v| *v = 0.0);
    }
    /// Add the rows `start..start + w.len()` (at most [`BLOCK`]) of the columns `x` (after the
    /// intercept), with their working weights `w` and responses `z`.
    /// The intercept's products are w·1 = w and Σ (w·x_a)·1 = Σ w·x_a exactly, so Σ (w·x_a)·1
    /// is taken as the sum of the w·x_a without multiplying (the same bits), and the intercept's
    /// own w·1 by multiplying by [`ONES`] (the same bits as w).
    /// In wasm with `simd128` (as [`Pass::chunk`]): see [`lanes`].
    #[cfg_attr(target_arch = "wasm32", target_feature(enable = "simd128"))]
    fn add_block(&mut self, x: &[&[f64]], start: usize, w: &[f64], z: &[f64]) {
        let (p, len) = (self.p, w.len());
        let col = |b: usize| &x[b - 1][start..start + len];
        for a in 0..p {
            let xa = if a == 0 { &ONES[..len] } else { col(a) };
            // The first sweep: z and x_1..x_min(a, 3); then x_b three at a time.
            let (sum, dots) = match a {
                0 => {
                    let (s, [dz]) = sweep(w, xa, [z]);
                    (s, [dz, 0.0, 0.0, 0.0])
                }
                1 => {
                    let (s, [dz, d1]) = sweep(w, xa, [z, col(1)]);
                    (s, [dz, d1, 0.0, 0.0])
                }
                2 => {
                    let (s, [dz, d1, d2]) = sweep(w, xa, [z, col(1), col(2)]);
                    (s, [dz, d1, d2, 0.0])
                }
                _ => sweep(w, xa, [z, col(1), col(2), col(3)]),
            };
            self.rhs[a] += dots[0];
            self.lower[a * p] += sum;
            for (b, d) in dots.iter().enumerate().take(a.min(SWEEP - 1) + 1).skip(1) {
                self.lower[a * p + b] += d;
            }
            let mut b = SWEEP;
            while b <= a {
                let k = (a + 1 - b).min(SWEEP - 1);
                let ds: [f64; SWEEP - 1] = match k {
                    1 => {
                        let (_, [d]) = sweep(w, xa, [col(b)]);
                        [d, 0.0, 0.0]
                    }
                    2 => {
                        let (_, [d0, d1]) = sweep(w, xa, [col(b), col(b + 1)]);
                        [d0, d1, 0.0]
                    }
                    _ => sweep(w, xa, [col(b), col(b + 1), col(b + 2)]).1,
                };
                for (j, d) in ds.iter().take(k).enumerate() {
                    self.lower[a * p + b + j] += d;
                }
                b += k;
            }
        }
    }
    /// The full symmetric X'WX.
    fn matrix(&self) -> DMatrix<f64> {
        let p = self.p;
        DMatrix::from_fn(p, p, |a, b| if b <= a { self.lower[a * p + b] } else { self.lower[b * p + a] })
    }
}

/// Rows per call of [`Pass::chunk`] ([`super::WASM_TIER_CHUNK`]: an IRLS pass over 100,000 rows
/// in one call would run on baseline code the first time). The rows are visited in the same order.
const TIER_CHUNK: usize = super::WASM_TIER_CHUNK;

/// The state of one IRLS pass over the rows: the deviance's two sums and one block's scratch.
struct Pass {
    log1p_odds: LogProduct,
    log_odds_treated: f64,
    eta: [f64; BLOCK],
    e: [f64; BLOCK],
    w: [f64; BLOCK],
    z: [f64; BLOCK],
}

impl Pass {
    /// Rows `start..end` (`start` a multiple of [`BLOCK`]) of a pass at `beta`: their η,
    /// exp(η), μ (into `mu`), deviance terms, and working weights and responses added to `next`
    /// (if any: a pass predicted to be the last does without).
    /// In wasm `simd128` is enabled here (as on the Cox kernels, `cox::fit`, not on the whole
    /// crate): the block loops — η, [`exp_near`], the divisions of μ, w and z — are written to
    /// run as vectors, and a lane of f64x2 does each row's IEEE operations exactly as the scalar
    /// code (no fused multiply-add in wasm, no reordering of a sum), so the results are the same
    /// bits; the running sums of the deviance stay sequential.
    #[inline(never)]
    #[cfg_attr(target_arch = "wasm32", target_feature(enable = "simd128"))]
    #[allow(clippy::too_many_arguments)]
    fn chunk(&mut self, x: &[&[f64]], y: &[f64], beta: &[f64], start: usize, end: usize, mu: &mut [f64], mut next: Option<&mut Normal>) {
        for from in (start..end).step_by(BLOCK) {
            let len = BLOCK.min(end - from);
            let eta = &mut self.eta[..len];
            eta.iter_mut().for_each(|v| *v = beta[0]);
            for (c, b) in x.iter().zip(&beta[1..]) {
                for (v, xv) in eta.iter_mut().zip(&c[from..from + len]) {
                    *v += xv * b;
                }
            }
            let ys = &y[from..from + len];
            let mus = &mut mu[from..from + len];
            if eta.iter().all(|v| v.abs() <= THRESH) {
                // Every η within ±30 (the rule): the formulas of `linkinv`, `mu_eta`, `odds` and
                // `working` without their branches, so that the block runs as vectors.
                for (ek, &v) in self.e.iter_mut().zip(eta.iter()) {
                    *ek = exp_near(v);
                }
                if next.is_some() {
                    for k in 0..len {
                        let (v, ek, yk) = (eta[k], self.e[k], ys[k]);
                        let op = 1.0 + ek;
                        let m = ek / op;
                        let d = ek / (op * op);
                        mus[k] = m;
                        self.w[k] = d * d / (m * (1.0 - m));
                        self.z[k] = v + (yk - m) / d;
                    }
                } else {
                    for (m, &ek) in mus.iter_mut().zip(self.e.iter()) {
                        *m = ek / (1.0 + ek);
                    }
                }
                for k in 0..len {
                    self.log1p_odds.add(1.0 + self.e[k]);
                    self.log_odds_treated += ys[k] * eta[k];
                }
            } else {
                for (ek, &v) in self.e.iter_mut().zip(eta.iter()) {
                    *ek = exp_within(v);
                }
                for k in 0..len {
                    let (v, ek, yk) = (eta[k], self.e[k], ys[k]);
                    let m = linkinv(v, ek);
                    mus[k] = m;
                    let (o, log_o) = odds(v, ek);
                    self.log1p_odds.add(1.0 + o);
                    self.log_odds_treated += yk * log_o;
                    (self.w[k], self.z[k]) = working(v, ek, m, yk);
                }
            }
            if let Some(next) = next.as_deref_mut() {
                next.add_block(x, from, &self.w[..len], &self.z[..len]);
            }
        }
    }
}

/// Fit `y` (0/1) on an intercept plus the columns `x` (named `names`).
///
/// Each iteration is one pass over the rows, block by block ([`BLOCK`]): with the new β, the
/// rows' η, exp(η) (the only transcendental function per row and iteration), μ and their share
/// of the deviance (through [`LogProduct`]), and at once their working weights and responses
/// added to the next step's X'WX and X'Wz (except in a pass predicted to be the last, see
/// [`LAST`]). The start (R's μ = (y + ½)/2) takes two values only, computed once. No
/// allocation per iteration.
pub fn logistic<C: AsRef<[f64]>>(y: &[f64], x: &[C], names: &[String]) -> Result<LogisticFit, String> {
    let x: Vec<&[f64]> = x.iter().map(|c| c.as_ref()).collect();
    fit(y, &x, names, LAST)
}

/// [`logistic`] with the change of the deviance below which a pass is predicted to be the last
/// (the tests set it to 0 and ∞: never and always predicted, the same fit).
/// Not inlined into its caller, so that a profile tells its time apart.
#[inline(never)]
fn fit(y: &[f64], x: &[&[f64]], names: &[String], last: f64) -> Result<LogisticFit, String> {
    let n = y.len();
    if x.iter().any(|c| c.len() != n) || names.len() != x.len() {
        return Err("internal error: the logistic model's columns have different lengths".into());
    }
    let p = x.len() + 1;
    if n <= p {
        return Err(format!("{n} rows are too few for {p} coefficients"));
    }
    // The start: μ = 3/4 (y = 1) or 1/4 (y = 0), η = ±log 3, and their w and z.
    let start = |v: f64| {
        let m = (v + 0.5) / 2.0;
        let eta = (m / (1.0 - m)).ln();
        (m, working(eta, exp_within(eta), m, v))
    };
    let (start0, start1) = (start(0.0), start(1.0));
    let mut normal = Normal::new(p);
    let mut next = Normal::new(p);
    let (mut w, mut z) = ([0.0f64; BLOCK], [0.0f64; BLOCK]);
    // The start's μ, w and z of each row picked without a branch on y (0 and 1 alternate at
    // random), with the treated rows counted and y checked to be 0/1, in the same pass (a
    // separate check, a branch per row, took ≈ 6 % of the fit in V8).
    let mut mu = vec![0.0f64; n];
    let mut n1 = 0usize;
    let mut not_binary = false;
    for from in (0..n).step_by(BLOCK) {
        let ys = &y[from..n.min(from + BLOCK)];
        let mus = &mut mu[from..from + ys.len()];
        for (k, &v) in ys.iter().enumerate() {
            let one = v == 1.0;
            w[k] = super::select(one, start1.1.0, start0.1.0);
            z[k] = super::select(one, start1.1.1, start0.1.1);
            mus[k] = super::select(one, start1.0, start0.0);
            n1 += usize::from(one);
            not_binary |= !(one | (v == 0.0));
        }
        normal.add_block(x, from, &w[..ys.len()], &z[..ys.len()]);
    }
    if not_binary {
        return Err("internal error: the logistic model's outcome is not 0/1".into());
    }
    let mut dev_old = -2.0 * (n1 as f64 * start1.0.ln() + (n - n1) as f64 * (1.0 - start0.0).ln());
    let mut beta = vec![0.0; p];
    let mut info = normal.matrix();
    let mut converged = false;
    let mut iterations = 0;
    let mut change_old = f64::INFINITY;
    for it in 1..=MAX_ITER {
        iterations = it;
        info = normal.matrix();
        let rhs = DVector::<f64>::from_column_slice(&normal.rhs);
        let Some(chol) = info.clone().cholesky() else {
            // Past the first step a singular information means the weights μ(1 − μ) vanished:
            // the probabilities ran to 0 or 1 (separation), which the caller is told below.
            if it > 1 && mu.iter().any(|&m| !(SEPARATED..=1.0 - SEPARATED).contains(&m)) {
                break;
            }
            return Err("the covariates of the logistic model are collinear (or one is constant); remove one".into());
        };
        beta = chol.solve(&rhs).iter().copied().collect();
        // The deviance −2 Σ [y ln μ + (1 − y) ln(1 − μ)] with μ = o/(1 + o), o the odds:
        // 2 [Σ ln(1 + o) − Σ_{y=1} ln o].
        let mut run = |sums: bool| {
            let mut pass = Pass { log1p_odds: LogProduct::new(), log_odds_treated: 0.0, eta: [0.0; BLOCK], e: [0.0; BLOCK], w: [0.0; BLOCK], z: [0.0; BLOCK] };
            next.clear();
            for from in (0..n).step_by(TIER_CHUNK) {
                pass.chunk(x, y, &beta, from, n.min(from + TIER_CHUNK), &mut mu, sums.then_some(&mut next));
            }
            2.0 * (pass.log1p_odds.ln() - pass.log_odds_treated)
        };
        // The last pass's sums are never used: a pass predicted to converge (see [`LAST`]) and
        // the last allowed one go without. A pass predicted so that does not converge after all
        // is run again at the same β with the sums, the same numbers (μ and the deviance are
        // computed alike either way): the fit does not depend on the prediction.
        let predicted = change_old < last || it == MAX_ITER;
        let mut dev = run(!predicted);
        let change = (dev - dev_old).abs() / (dev.abs() + 0.1);
        if change < EPSILON {
            // `dev_old` ends as the deviance of the fitted μ.
            dev_old = dev;
            converged = true;
            break;
        }
        if predicted && it < MAX_ITER {
            dev = run(true);
        }
        dev_old = dev;
        change_old = change;
        std::mem::swap(&mut normal, &mut next);
    }
    let separated: Vec<usize> = (0..n).filter(|&i| mu[i] < SEPARATED || mu[i] > 1.0 - SEPARATED).collect();
    let cov = match info.cholesky() {
        Some(c) => c.inverse(),
        None if !separated.is_empty() => DMatrix::from_element(p, p, f64::NAN),
        None => return Err("the logistic model's information matrix is singular".to_string()),
    };
    let mut all_names = vec!["(Intercept)".to_string()];
    all_names.extend(names.iter().cloned());
    let terms = all_names
        .into_iter()
        .enumerate()
        .map(|(j, name)| {
            let se = cov[(j, j)].sqrt();
            let z = beta[j] / se;
            LogisticTerm { name, coef: beta[j], se, z, p: pnorm_two_sided(z) }
        })
        .collect();
    Ok(LogisticFit { terms, deviance: dev_old, fitted: mu, iterations, converged, separated })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One binary covariate: the MLE reproduces the 2×2 table. x = 0: 1 of 4 treated;
    /// x = 1: 3 of 4 treated. Intercept = logit(1/4) = −log 3, slope = log 9;
    /// se(slope) ≈ sqrt(1/1 + 1/3 + 1/3 + 1/1) = sqrt(8/3) (the log odds ratio's); R's
    /// `summary(glm(y ~ x, binomial))` reports 1.63299175530967, the information at the
    /// weights of the last iteration (1.4e-6 below sqrt(8/3)), and so do we.
    #[test]
    fn two_by_two_table_by_hand() {
        let y = [1.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 0.0];
        let x = vec![vec![0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0]];
        let f = logistic(&y, &x, &["x".into()]).unwrap();
        assert!(f.converged);
        assert!((f.terms[0].coef + 3f64.ln()).abs() < 1e-9, "{:?}", f.terms);
        assert!((f.terms[1].coef - 9f64.ln()).abs() < 1e-9);
        assert!((f.terms[1].se - 1.63299175530967).abs() < 1e-12, "{}", f.terms[1].se);
        assert!((f.terms[0].se - 1.15469954380119).abs() < 1e-12, "{}", f.terms[0].se);
        assert!((f.terms[1].p - 0.178457068478475).abs() < 1e-9);
        assert!((f.fitted[0] - 0.25).abs() < 1e-9 && (f.fitted[7] - 0.75).abs() < 1e-9);
        assert!(f.separated.is_empty());
    }

    /// x > 2 ⇔ treated: perfect separation, the fitted probabilities reach 0 and 1.
    #[test]
    fn separation_is_reported() {
        let y = [0.0, 0.0, 0.0, 1.0, 1.0, 1.0];
        let x = vec![vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0]];
        let f = logistic(&y, &x, &["x".into()]).unwrap();
        assert!(!f.separated.is_empty(), "{f:?}");
    }

    /// The textbook IRLS, one step at a time with a fresh matrix and per-row logarithms for the
    /// deviance (as `glm.fit`): the fused passes of [`logistic`] must give the same fit.
    fn reference(y: &[f64], x: &[Vec<f64>]) -> (Vec<f64>, Vec<f64>, Vec<f64>, usize) {
        let (n, p) = (y.len(), x.len() + 1);
        let col = |j: usize, i: usize| if j == 0 { 1.0 } else { x[j - 1][i] };
        let dev = |mu: &[f64]| -2.0 * (0..n).map(|i| if y[i] == 1.0 { mu[i].ln() } else { (1.0 - mu[i]).ln() }).sum::<f64>();
        let mut mu: Vec<f64> = y.iter().map(|&v| (v + 0.5) / 2.0).collect();
        let mut eta: Vec<f64> = mu.iter().map(|m| (m / (1.0 - m)).ln()).collect();
        let mut dev_old = dev(&mu);
        for it in 1..=MAX_ITER {
            let mut rhs = DVector::<f64>::zeros(p);
            let mut info = DMatrix::<f64>::zeros(p, p);
            for i in 0..n {
                let d = mu_eta(eta[i], exp_within(eta[i]));
                let w = d * d / (mu[i] * (1.0 - mu[i]));
                let z = eta[i] + (y[i] - mu[i]) / d;
                for a in 0..p {
                    rhs[a] += w * col(a, i) * z;
                    for b in 0..p {
                        info[(a, b)] += w * col(a, i) * col(b, i);
                    }
                }
            }
            let beta: Vec<f64> = info.clone().cholesky().unwrap().solve(&rhs).iter().copied().collect();
            for i in 0..n {
                eta[i] = (0..p).map(|j| col(j, i) * beta[j]).sum();
                mu[i] = linkinv(eta[i], exp_within(eta[i]));
            }
            let d = dev(&mu);
            if (d - dev_old).abs() / (d.abs() + 0.1) < EPSILON {
                let se = info.cholesky().unwrap().inverse().diagonal().iter().map(|v| v.sqrt()).collect();
                return (beta, se, mu, it);
            }
            dev_old = d;
        }
        panic!("the reference fit did not converge");
    }

    /// Random data with a strong predictor (η reaching ±12) and a weak one, 5,000 rows: the same
    /// iterations, coefficients, standard errors and fitted probabilities as the textbook steps.
    #[test]
    fn fused_passes_equal_the_textbook_steps() {
        let mut rng = crate::rng::SplitMix64(7);
        let n = 5000;
        let x1: Vec<f64> = (0..n).map(|_| rng.normal() * 2.0).collect();
        let x2: Vec<f64> = (0..n).map(|_| rng.uniform()).collect();
        let y: Vec<f64> = (0..n).map(|i| f64::from(rng.uniform() < 1.0 / (1.0 + (-(0.3 + 1.5 * x1[i] - x2[i])).exp()))).collect();
        let x = vec![x1, x2];
        let names = ["x1".to_string(), "x2".to_string()];
        let f = logistic(&y, &x, &names).unwrap();
        let (beta, se, mu, it) = reference(&y, &x);
        // The last pass predicted never or always (every pass before the last mispredicted and
        // run again with its sums): the same fit, bit for bit.
        let cols: Vec<&[f64]> = x.iter().map(|c| c.as_slice()).collect();
        let bits = format!("{f:?}");
        assert_eq!(format!("{:?}", fit(&y, &cols, &names, 0.0).unwrap()), bits);
        assert_eq!(format!("{:?}", fit(&y, &cols, &names, f64::INFINITY).unwrap()), bits);
        assert!(f.converged && f.separated.is_empty());
        assert_eq!(f.iterations, it);
        for j in 0..3 {
            assert!((f.terms[j].coef - beta[j]).abs() < 1e-12 * beta[j].abs().max(1.0), "{j}: {} {}", f.terms[j].coef, beta[j]);
            assert!((f.terms[j].se - se[j]).abs() < 1e-12 * se[j], "{j}: {} {}", f.terms[j].se, se[j]);
        }
        assert!(f.fitted.iter().zip(&mu).all(|(a, b)| (a - b).abs() < 1e-14), "fitted");
        // The deviance through the product of the odds equals the sum of per-row logarithms.
        let dev = -2.0 * (0..n).map(|i| if y[i] == 1.0 { mu[i].ln() } else { (1.0 - mu[i]).ln() }).sum::<f64>();
        assert!((f.deviance - dev).abs() < 1e-9 * dev, "{} {dev}", f.deviance);
    }

    /// Σ a·b in four interleaved partial sums added as `(s0 + s1) + (s2 + s3)`, then the rows
    /// past the last multiple of four: one dot product at a time, as the sums were taken before
    /// [`sweep`] fed several at once.
    fn dot(a: &[f64], b: &[f64]) -> f64 {
        let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
        let (ra, rb) = (ca.remainder(), cb.remainder());
        let mut s = [0.0f64; 4];
        for (x, y) in ca.zip(cb) {
            for l in 0..4 {
                s[l] += x[l] * y[l];
            }
        }
        let mut t = (s[0] + s[1]) + (s[2] + s[3]);
        for (x, y) in ra.iter().zip(rb) {
            t += x * y;
        }
        t
    }

    /// The sweeps of [`Normal::add_block`] (up to eight terms after the intercept: further
    /// sweeps of one, two and three columns; full and partial blocks) give the same bits as
    /// one dot product per pair of columns over w·x_a.
    #[test]
    fn sweeps_equal_one_dot_product_per_pair() {
        let mut rng = crate::rng::SplitMix64(11);
        let n = 2 * BLOCK + 39;
        let cols: Vec<Vec<f64>> = (0..8).map(|_| (0..n).map(|_| rng.normal() * 3.0).collect()).collect();
        let w: Vec<f64> = (0..n).map(|_| rng.uniform() * 0.25).collect();
        let z: Vec<f64> = (0..n).map(|_| rng.normal() * 2.0).collect();
        for terms in 0..=8 {
            let x: Vec<&[f64]> = cols[..terms].iter().map(|c| c.as_slice()).collect();
            let p = terms + 1;
            let mut normal = Normal::new(p);
            let (mut lower, mut rhs) = (vec![0.0; p * p], vec![0.0; p]);
            for from in (0..n).step_by(BLOCK) {
                let to = n.min(from + BLOCK);
                let (wb, zb) = (&w[from..to], &z[from..to]);
                normal.add_block(&x, from, wb, zb);
                let col = |b: usize| if b == 0 { vec![1.0; to - from] } else { x[b - 1][from..to].to_vec() };
                for a in 0..p {
                    let wxa: Vec<f64> = wb.iter().zip(col(a)).map(|(w, x)| w * x).collect();
                    rhs[a] += dot(&wxa, zb);
                    lower[a * p] += dot(&wxa, &col(0));
                    for b in 1..=a {
                        lower[a * p + b] += dot(&wxa, &col(b));
                    }
                }
            }
            let bits = |v: &[f64]| v.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&normal.rhs), bits(&rhs), "{terms} terms");
            for a in 0..p {
                assert_eq!(bits(&normal.lower[a * p..=a * p + a]), bits(&lower[a * p..=a * p + a]), "{terms} terms, row {a}");
            }
        }
    }

    /// The vectorisable exponential against the library's over ±30: within 2 ulp.
    #[test]
    fn exp_near_is_within_two_ulp() {
        let mut worst = 0.0f64;
        for i in -3_000_000..=3_000_000 {
            let x = i as f64 * 1e-5 + (i as f64 * 0.618_033_988_749_895).fract() * 1e-5;
            if x.abs() > THRESH {
                continue;
            }
            let (a, b) = (exp_near(x), x.exp());
            worst = worst.max((a - b).abs() / (b * f64::EPSILON));
        }
        assert!(worst <= 2.0, "{worst} ulp");
        assert_eq!(exp_near(0.0), 1.0);
        assert!((exp_near(30.0) / 30f64.exp() - 1.0).abs() < 3e-16 && (exp_near(-30.0) / (-30f64).exp() - 1.0).abs() < 3e-16);
    }

    /// Beyond |η| = 30 the odds are held at 1/ε or ε, and the deviance's logarithms follow them.
    #[test]
    fn log_product_holds_the_odds_beyond_thirty() {
        let mut lp = LogProduct::new();
        let mut direct = 0.0;
        for &eta in &[-40.0, -30.0, -2.0, 0.0, 3.5, 29.0, 30.0, 45.0] {
            let (o, log_o) = odds(eta, exp_within(eta));
            assert!((log_o - o.ln()).abs() < 1e-15 * log_o.abs().max(1.0), "{eta}");
            assert_eq!(linkinv(eta, exp_within(eta)), o / (1.0 + o));
            lp.add(1.0 + o);
            direct += (1.0 + o).ln();
        }
        for _ in 0..100 {
            lp.add(1.0 / f64::EPSILON + 1.0);
            direct += (1.0 / f64::EPSILON + 1.0).ln();
        }
        assert!((lp.ln() - direct).abs() < 1e-12 * direct, "{direct}");
    }

    /// The outcome is checked to be 0/1 in the start's pass (a 2 or a NaN anywhere, even in the
    /// last partial block).
    #[test]
    fn outcome_not_binary_is_refused() {
        let x = vec![(0..70).map(f64::from).collect::<Vec<_>>()];
        for (at, bad) in [(0, 2.0), (69, 0.5), (66, f64::NAN)] {
            let mut y: Vec<f64> = (0..70).map(|i| f64::from(i % 3 == 0)).collect();
            y[at] = bad;
            assert!(logistic(&y, &x, &["x".into()]).unwrap_err().contains("not 0/1"), "{at}");
        }
    }

    #[test]
    fn collinear_columns_are_refused() {
        let y = [0.0, 1.0, 0.0, 1.0, 1.0];
        let x = vec![vec![1.0, 2.0, 3.0, 4.0, 5.0], vec![2.0, 4.0, 6.0, 8.0, 10.0]];
        assert!(logistic(&y, &x, &["a".into(), "b".into()]).unwrap_err().contains("collinear"));
    }
}
