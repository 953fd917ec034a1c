//! The proportional-hazards check of a Cox model, as R's `cox.zph` (survival 3.x).
//!
//! # The test (`transform = "km"`)
//!
//! A score test, at the fitted β, for adding the time-varying terms x·g(t), where
//! g(t) = 1 − S(t−) (S = Kaplan–Meier of all rows, strata pooled), centred on its mean over the
//! events. With the blocks A = I_ββ, B = I_βγ, C = I_γγ of the information of (β, γ) and the
//! score u_γ, the test for column j is u_j² / (C_jj − B_jᵀA⁻¹B_j), and the global test
//! u_γᵀ(C − BA⁻¹B)⁻¹u_γ. Every column of the design is its own term (df 1), as
//! `cox.zph(fit, terms = FALSE)`. The blocks are accumulated by the Cox fit's likelihood pass
//! (`cox::Data::pass`) with the transform of [`km_transform`]; [`zph`] turns them into the table.

use nalgebra::{DMatrix, DVector};
use serde::Serialize;

use super::common::TestResult;

/// The `cox.zph` test of one term.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PhTermTest {
    pub name: String,
    pub chisq: f64,
    pub df: f64,
    pub p: f64,
}

/// The `cox.zph` table: one row per term and the global test.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PhTest {
    pub terms: Vec<PhTermTest>,
    pub global: TestResult,
}

/// g(t) = 1 − S(t−) of the pooled Kaplan–Meier, centred on its mean over events, per time
/// group. `groups` lists, for every group of rows sharing a stratum and a time (in the fit's
/// sorted order), its time, its number of events and its number of rows.
pub(super) fn km_transform(groups: &[(f64, usize, usize)]) -> Vec<f64> {
    // Pooled KM over all rows (strata ignored, as cox.zph), from the time groups sorted by
    // time (groups of different strata at the same time are merged).
    let mut tg: Vec<(f64, usize, usize)> = groups.to_vec();
    tg.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    let mut times = Vec::new();
    let mut s_before = Vec::new();
    let mut s = 1.0;
    let mut at_risk = groups.iter().map(|g| g.2).sum::<usize>() as f64;
    let mut k = 0;
    while k < tg.len() {
        let t = tg[k].0;
        let mut d = 0.0;
        let mut m = 0.0;
        while k < tg.len() && tg[k].0 == t {
            d += tg[k].1 as f64;
            m += tg[k].2 as f64;
            k += 1;
        }
        times.push(t);
        s_before.push(s);
        s *= 1.0 - d / at_risk;
        at_risk -= m;
    }
    let g_of = |t: f64| {
        let i = times.partition_point(|&u| u < t);
        1.0 - s_before.get(i).copied().unwrap_or(s)
    };
    let mut sum = 0.0;
    let mut nev = 0.0;
    let mut g: Vec<f64> = groups
        .iter()
        .map(|&(t, deaths, _)| {
            let v = g_of(t);
            sum += v * deaths as f64;
            nev += deaths as f64;
            v
        })
        .collect();
    let mean = sum / nev;
    g.iter_mut().for_each(|v| *v -= mean);
    g
}

/// The `cox.zph` score tests from the blocks of a likelihood pass at the fitted β (made with
/// the transform of [`km_transform`]): `imat` = A, `b` = B, `c` = C (row-major p × p,
/// symmetric) and `ug` = u_γ. None when A is singular.
pub(super) fn zph(imat: &[f64], b: &[f64], c: &[f64], ug: &[f64], names: &[String]) -> Option<PhTest> {
    let p = ug.len();
    let a = DMatrix::from_row_slice(p, p, imat).cholesky()?;
    let bm = DMatrix::from_row_slice(p, p, b);
    // Schur complement S = C − B A⁻¹ B (symmetrised against rounding).
    let s = DMatrix::from_row_slice(p, p, c) - bm.transpose() * a.solve(&bm);
    let schur = (&s + s.transpose()) * 0.5;
    if schur.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let terms = (0..p)
        .map(|j| {
            let t = TestResult::chisq(ug[j] * ug[j] / schur[(j, j)], 1.0);
            PhTermTest { name: names[j].clone(), chisq: t.chisq, df: 1.0, p: t.p }
        })
        .collect();
    let u = DVector::from_column_slice(ug);
    let global = match schur.cholesky() {
        Some(ch) => u.dot(&ch.solve(&u)),
        None => f64::NAN,
    };
    Some(PhTest { terms, global: TestResult::chisq(global, p as f64) })
}
