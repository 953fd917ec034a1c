//! Natural cubic splines of a continuous covariate in the Cox model, as R's
//! `splines::ns(x, df = k)`, the hazard-ratio curve against the median and the test of
//! non-linearity.
//!
//! ## The basis (R's `ns` with its default knots)
//! * Knots: the boundary knots are the range of x; the k − 1 interior knots are the quantiles
//!   (type 7, R's default) of x at 1/k, 2/k, …, (k−1)/k. x is the column over the rows the model
//!   uses.
//! * Cubic B-splines (order 4) on the knot sequence with each boundary knot repeated four
//!   times give k + 3 functions B_1..B_{k+3}; `ns` drops B_1 (no intercept), leaving k + 2.
//!   A B-spline is evaluated by the Cox–de Boor recursion on the knot interval holding x
//!   (the right boundary belongs to the last interval), its derivatives by the derivative
//!   recursion B'_{j,m} = (m−1)(B_{j,m−1}/(t_{j+m−1} − t_j) − B_{j+1,m−1}/(t_{j+m} − t_{j+1})).
//! * The natural constraint (zero second derivative at both boundary knots) is the 2 × (k + 2)
//!   matrix C of the functions' second derivatives there. As R, we take the QR decomposition
//!   of Cᵀ by Householder reflections (LINPACK's `dqrdc2` convention: the reflection of column l
//!   is I − v vᵀ / v_1 with v = x/‖x‖ signed by x_1, v_1 = 1 + |x_1|/‖x‖), apply Qᵀ to each
//!   row of the B-spline basis and keep the last k entries: those combinations of B-splines
//!   span exactly the cubic splines with zero second derivative at the boundaries. Using R's
//!   reflections (not only the same space) makes the coefficients `C[1]..C[k]` equal R's.
//! * Inside the boundary knots the basis is the cubic spline itself; beyond them `ns` continues
//!   it linearly (value and slope at the boundary), which [`NaturalSpline::basis`] does too.
//!
//! ## The hazard-ratio curve and the test
//! With the fitted coefficients β of the k terms and their covariance V, the log hazard ratio
//! of x against the reference r (the median of x) is (b(x) − b(r))ᵀβ, with variance
//! (b(x) − b(r))ᵀ V (b(x) − b(r)); the 95% band is exp(lhr ± z·se). The curve runs over 50
//! equally spaced points from the 5th to the 95th percentile of x (type 7). Non-linearity is the
//! likelihood-ratio test of the spline model against the same model with x entering linearly:
//! 2(ℓ_spline − ℓ_linear) on k − 1 degrees of freedom.

use serde::Serialize;

use super::common::{z95, TestResult};

/// Order of the B-splines (cubic).
const ORDER: usize = 4;

/// A natural cubic spline basis with R's `ns` conventions.
#[derive(Debug, Clone, PartialEq)]
pub struct NaturalSpline {
    /// Boundary knots (the range of x).
    pub boundary: [f64; 2],
    /// Interior knots.
    pub interior: Vec<f64>,
    /// The full knot sequence (boundary knots repeated `ORDER` times).
    knots: Vec<f64>,
    /// Householder vectors of the QR decomposition of the constraint matrix transposed
    /// (each of length k + 2, zero above its column), and their leading entries (`qraux`).
    reflections: Vec<Vec<f64>>,
}

/// Why a spline cannot be built on a column.
#[derive(Debug, Clone, PartialEq)]
pub enum SplineError {
    /// Fewer distinct values than df + 2 (the knots would coincide).
    TooFewValues { distinct: usize, df: usize },
    /// A value that is not a finite number.
    NotFinite,
}

impl std::fmt::Display for SplineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SplineError::TooFewValues { distinct, df } => write!(
                f,
                "it has {distinct} distinct values among the model's rows, fewer than df + 2 = {} that a spline with df = {df} needs",
                df + 2
            ),
            SplineError::NotFinite => write!(f, "it holds values that are not finite numbers"),
        }
    }
}

/// Quantile of sorted values, R's default (type 7): linear interpolation at (n − 1)p.
pub fn quantile7(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let h = (sorted.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

impl NaturalSpline {
    /// The basis of `ns(x, df)`: knots from the values `x` (the model's rows).
    pub fn new(x: &[f64], df: usize) -> Result<Self, SplineError> {
        if x.iter().any(|v| !v.is_finite()) {
            return Err(SplineError::NotFinite);
        }
        let mut sorted = x.to_vec();
        sorted.sort_unstable_by(f64::total_cmp);
        let mut distinct = sorted.clone();
        distinct.dedup();
        if df == 0 || distinct.len() < df + 2 {
            return Err(SplineError::TooFewValues { distinct: distinct.len(), df });
        }
        let boundary = [sorted[0], sorted[sorted.len() - 1]];
        let interior: Vec<f64> = (1..df).map(|j| quantile7(&sorted, j as f64 / df as f64)).collect();
        let mut knots = vec![boundary[0]; ORDER];
        knots.extend(&interior);
        knots.extend([boundary[1]; ORDER]);
        let mut s = NaturalSpline { boundary, interior, knots, reflections: Vec::new() };
        // Cᵀ: (k + 2) rows (B_2..B_{k+3}) × 2 columns (second derivative at each boundary).
        let nb = s.n_bsplines();
        let cols: Vec<Vec<f64>> = boundary.iter().map(|&b| s.bsplines(b, 2)[1..nb].to_vec()).collect();
        s.reflections = householder(cols);
        Ok(s)
    }

    /// Degrees of freedom (number of basis columns).
    pub fn df(&self) -> usize {
        self.interior.len() + 1
    }

    fn n_bsplines(&self) -> usize {
        self.knots.len() - ORDER
    }

    /// The `deriv`-th derivative of every B-spline B_1..B_{k+3} at x (x within the boundary
    /// knots; the right boundary belongs to the last interval).
    fn bsplines(&self, x: f64, deriv: usize) -> Vec<f64> {
        let t = &self.knots;
        let nb = self.n_bsplines();
        // The interval [t_i, t_{i+1}) holding x, i in ORDER−1 ..= nb−1 (0-based).
        let mut i = ORDER - 1;
        while i + 1 < nb && x >= t[i + 1] {
            i += 1;
        }
        (0..nb).map(|j| bspline(t, j, ORDER, x, i, deriv)).collect()
    }

    /// The k basis values at x (R's `predict(ns(...), x)`; linear beyond the boundary knots).
    pub fn basis(&self, x: f64) -> Vec<f64> {
        let [lo, hi] = self.boundary;
        let raw = if x < lo || x > hi {
            // Linear continuation from the nearest boundary: B(b) + (x − b)·B'(b).
            let b = if x < lo { lo } else { hi };
            let v = self.bsplines(b, 0);
            let d = self.bsplines(b, 1);
            v.iter().zip(&d).map(|(v, d)| v + (x - b) * d).collect()
        } else {
            self.bsplines(x, 0)
        };
        let mut y = raw[1..].to_vec();
        for v in &self.reflections {
            reflect(v, &mut y);
        }
        y[2..].to_vec()
    }
}

/// B_{j,m}(x) (or its `deriv`-th derivative) on the knots `t`, x lying in interval `i`.
fn bspline(t: &[f64], j: usize, m: usize, x: f64, i: usize, deriv: usize) -> f64 {
    if m == 1 {
        return if deriv == 0 && j == i { 1.0 } else { 0.0 };
    }
    let d1 = t[j + m - 1] - t[j];
    let d2 = t[j + m] - t[j + 1];
    let left = if d1 > 0.0 { bspline(t, j, m - 1, x, i, deriv.saturating_sub(1)) / d1 } else { 0.0 };
    let right = if d2 > 0.0 { bspline(t, j + 1, m - 1, x, i, deriv.saturating_sub(1)) / d2 } else { 0.0 };
    if deriv > 0 {
        (m - 1) as f64 * (left - right)
    } else {
        (x - t[j]) * left + (t[j + m] - x) * right
    }
}

/// Householder QR of the columns `cols` (LINPACK `dqrdc2`'s convention, no pivoting: the
/// columns here are of full rank). Returns the reflection vectors v_l (zero above row l) with
/// v_l[l] = `qraux` = 1 + |x_l|/‖x‖.
fn householder(mut cols: Vec<Vec<f64>>) -> Vec<Vec<f64>> {
    let n = cols.first().map_or(0, |c| c.len());
    let mut out = Vec::new();
    for l in 0..cols.len().min(n.saturating_sub(1)) {
        let norm = cols[l][l..].iter().map(|v| v * v).sum::<f64>().sqrt();
        if norm == 0.0 {
            continue;
        }
        let norm = if cols[l][l] != 0.0 { norm.copysign(cols[l][l]) } else { norm };
        let mut v = vec![0.0; n];
        for r in l..n {
            v[r] = cols[l][r] / norm;
        }
        v[l] += 1.0;
        for c in cols.iter_mut().skip(l + 1) {
            reflect(&v, c);
        }
        out.push(v);
    }
    out
}

/// y ← (I − v vᵀ / v_l) y, l the first non-zero place of v.
fn reflect(v: &[f64], y: &mut [f64]) {
    let Some(l) = v.iter().position(|&a| a != 0.0) else { return };
    let t = -v[l..].iter().zip(&y[l..]).map(|(a, b)| a * b).sum::<f64>() / v[l];
    for (yr, vr) in y[l..].iter_mut().zip(&v[l..]) {
        *yr += t * vr;
    }
}

/// One point of the hazard-ratio curve of a spline covariate.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CurvePoint {
    pub x: f64,
    pub hr: f64,
    pub lower: f64,
    pub upper: f64,
}

/// What the report says about one spline covariate.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SplineReport {
    pub column: String,
    pub df: usize,
    /// The model's term names of the spline (`C[1]`..`C[k]`).
    pub terms: Vec<String>,
    /// Interior and boundary knots.
    pub knots: Vec<f64>,
    pub boundary_knots: [f64; 2],
    /// The value the hazard ratios are against (the median of the column).
    pub reference: f64,
    /// Likelihood-ratio test against the column entering linearly (absent with df = 1, where
    /// the spline is the linear term).
    pub nonlinear: Option<TestResult>,
    pub curve: Vec<CurvePoint>,
}

/// Points on the curve.
pub const CURVE_POINTS: usize = 50;

/// The hazard-ratio curve of a spline covariate: `coef` its k coefficients, `vcov` their k × k
/// covariance (row-major), `x` the column over the model's rows.
pub fn hr_curve(spline: &NaturalSpline, coef: &[f64], vcov: &[f64], x: &[f64]) -> (f64, Vec<CurvePoint>) {
    let mut sorted = x.to_vec();
    sorted.sort_unstable_by(f64::total_cmp);
    let reference = quantile7(&sorted, 0.5);
    let (lo, hi) = (quantile7(&sorted, 0.05), quantile7(&sorted, 0.95));
    let b_ref = spline.basis(reference);
    let k = coef.len();
    let z = z95();
    let curve = (0..CURVE_POINTS)
        .map(|i| {
            let xi = lo + (hi - lo) * i as f64 / (CURVE_POINTS - 1) as f64;
            let d: Vec<f64> = spline.basis(xi).iter().zip(&b_ref).map(|(a, b)| a - b).collect();
            let lhr: f64 = d.iter().zip(coef).map(|(a, b)| a * b).sum();
            let mut var = 0.0;
            for r in 0..k {
                for c in 0..k {
                    var += d[r] * vcov[r * k + c] * d[c];
                }
            }
            let se = var.max(0.0).sqrt();
            CurvePoint { x: xi, hr: lhr.exp(), lower: (lhr - z * se).exp(), upper: (lhr + z * se).exp() }
        })
        .collect();
    (reference, curve)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// R: `quantile(c(1, 2, 4, 8), c(.05, .5, 1/3))` = 1.15, 3, 2.
    #[test]
    fn type7_quantiles() {
        let v = [1.0, 2.0, 4.0, 8.0];
        assert!((quantile7(&v, 0.05) - 1.15).abs() < 1e-12);
        assert_eq!(quantile7(&v, 0.5), 3.0);
        assert!((quantile7(&v, 1.0 / 3.0) - 2.0).abs() < 1e-12);
    }

    /// The cubic B-splines on any knots sum to one (partition of unity), and their second
    /// derivatives sum to zero.
    #[test]
    fn bsplines_partition_unity() {
        let s = NaturalSpline::new(&[0.0, 1.0, 2.0, 3.5, 7.0, 10.0], 3).unwrap();
        for x in [0.0, 0.3, 2.2, 5.0, 9.99, 10.0] {
            let b = s.bsplines(x, 0);
            assert!((b.iter().sum::<f64>() - 1.0).abs() < 1e-12, "{x}: {b:?}");
            assert!(s.bsplines(x, 2).iter().sum::<f64>().abs() < 1e-9);
        }
    }

    /// The basis functions are natural: zero second derivative at both boundaries (checked by
    /// central differences), and linear (zero second difference) beyond them.
    #[test]
    fn basis_is_natural_and_linear_outside() {
        let x: Vec<f64> = (0..30).map(|i| (i as f64 * 0.37).sin() * 10.0 + i as f64).collect();
        let s = NaturalSpline::new(&x, 4).unwrap();
        let [lo, hi] = s.boundary;
        let h = 1e-3;
        for b in [lo + h, hi - h] {
            let (m, c, p) = (s.basis(b - h), s.basis(b), s.basis(b + h));
            for j in 0..4 {
                let second = (m[j] - 2.0 * c[j] + p[j]) / (h * h);
                assert!(second.abs() < 1e-2, "second derivative {second} at {b}");
            }
        }
        for b in [lo - 5.0, hi + 5.0] {
            let (m, c, p) = (s.basis(b - 1.0), s.basis(b), s.basis(b + 1.0));
            for j in 0..4 {
                assert!((m[j] - 2.0 * c[j] + p[j]).abs() < 1e-9);
            }
        }
    }

    /// R: `unclass(ns(c(1, 2, 3, 5, 8), df = 2))` (knot 3 = the median, boundary 1 and 8) and
    /// `predict(ns(c(1, 2, 3, 5, 8), df = 2), c(-1, 10))` (linear beyond the boundary), printed
    /// with 10 digits.
    #[test]
    fn matches_r_ns_values() {
        let s = NaturalSpline::new(&[1.0, 2.0, 3.0, 5.0, 8.0], 2).unwrap();
        assert_eq!(s.interior, vec![3.0]);
        let want = [
            (1.0, [0.0, 0.0]),
            (2.0, [0.2558622192, -0.14330058025]),
            (3.0, [0.4558211722, -0.21827663619]),
            (5.0, [0.5687689786, -0.01749618989]),
            (8.0, [0.2909645587, 0.83027067410]),
            (-1.0, [-0.53035886048, 0.3093760019]),
            (10.0, [0.03867769266, 1.4774380126]),
        ];
        for (x, w) in want {
            let b = s.basis(x);
            for j in 0..2 {
                assert!((b[j] - w[j]).abs() < 1e-9, "x = {x}: {b:?} vs {w:?}");
            }
        }
    }

    #[test]
    fn too_few_values_is_named() {
        let e = NaturalSpline::new(&[1.0, 1.0, 2.0, 3.0, 3.0], 3).unwrap_err();
        assert_eq!(e, SplineError::TooFewValues { distinct: 3, df: 3 });
        assert!(e.to_string().contains("fewer than df + 2 = 5"), "{e}");
    }
}
