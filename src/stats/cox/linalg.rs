//! Small dense linear algebra on row-major p × p matrices (p = number of terms), with R's
//! conventions for singular systems (`cholesky2`, `chsolve2`, `toler.chol`).

use nalgebra::{DMatrix, DVector};

/// `.Machine$double.eps^0.75`.
pub(super) const TOLER_CHOL: f64 = 1.8189894035458617e-12;

/// The Newton step I⁻¹u with R's generalised inverse (`cholesky2`/`chsolve2`): the columns
/// whose Cholesky pivot is negligible (`singular_columns`) get a zero step, the others solve
/// the system without them.
pub(super) fn generalized_solve(imat: &[f64], u: &[f64], p: usize) -> Vec<f64> {
    let bad = singular_columns(imat, p);
    let keep: Vec<usize> = (0..p).filter(|j| !bad.contains(j)).collect();
    let k = keep.len();
    let sub: Vec<f64> = keep.iter().flat_map(|&j| keep.iter().map(move |&l| imat[j * p + l])).collect();
    let rhs: Vec<f64> = keep.iter().map(|&j| u[j]).collect();
    let mut step = vec![0.0; p];
    if let Some(x) = chol_solve(&sub, &rhs, k) {
        for (i, &j) in keep.iter().enumerate() {
            step[j] = x[i];
        }
    }
    step
}

/// Copy the lower triangle of a row-major p × p matrix onto the upper one.
pub(super) fn symmetrize(m: &mut [f64], p: usize) {
    for j in 0..p {
        for l in 0..j {
            m[l * p + j] = m[j * p + l];
        }
    }
}

fn dmat(m: &[f64], p: usize) -> DMatrix<f64> {
    DMatrix::from_row_slice(p, p, m)
}

/// Solve A a = b for a symmetric positive definite A (nalgebra's Cholesky); None if A is not
/// positive definite.
pub(super) fn chol_solve(a: &[f64], b: &[f64], p: usize) -> Option<Vec<f64>> {
    let ch = dmat(a, p).cholesky()?;
    let x = ch.solve(&DVector::from_column_slice(b));
    let v: Vec<f64> = x.iter().copied().collect();
    v.iter().all(|z| z.is_finite()).then_some(v)
}

/// Inverse of a symmetric positive definite matrix (row-major), None if not positive definite.
pub(super) fn chol_inverse(a: &[f64], p: usize) -> Option<Vec<f64>> {
    let ch = dmat(a, p).cholesky()?;
    let inv = ch.inverse();
    let mut out = vec![0.0; p * p];
    for j in 0..p {
        for l in 0..p {
            out[j * p + l] = inv[(j, l)];
        }
    }
    out.iter().all(|z| z.is_finite()).then_some(out)
}

/// Quadratic form bᵀA⁻¹b (a chi-square statistic); NaN when A is singular.
pub(super) fn quad_form(a: &[f64], b: &[f64], p: usize) -> f64 {
    match chol_solve(a, b, p) {
        Some(x) => x.iter().zip(b).map(|(x, b)| x * b).sum(),
        None => f64::NAN,
    }
}

/// Columns (in order) whose Cholesky pivot of the symmetric matrix `a` is below
/// `TOLER_CHOL` × the largest diagonal: they are linear combinations of earlier columns.
/// This is the test of R's `cholesky2`.
pub(crate) fn singular_columns(a: &[f64], p: usize) -> Vec<usize> {
    let mut m = a.to_vec();
    let maxdiag = (0..p).map(|j| m[j * p + j].abs()).fold(0.0, f64::max);
    let eps = if maxdiag > 0.0 { maxdiag * TOLER_CHOL } else { TOLER_CHOL };
    let mut bad = Vec::new();
    // Column-by-column LDLᵀ on the lower triangle (unnormalised multipliers as in R's
    // cholesky2); a singular column is zeroed and skipped.
    for i in 0..p {
        let pivot = m[i * p + i];
        if !pivot.is_finite() || pivot < eps {
            bad.push(i);
            for j in i..p {
                m[j * p + i] = 0.0;
            }
            continue;
        }
        for j in i + 1..p {
            let temp = m[j * p + i] / pivot;
            m[j * p + j] -= temp * temp * pivot;
            for k in j + 1..p {
                m[k * p + j] -= temp * m[k * p + i];
            }
        }
    }
    bad
}
