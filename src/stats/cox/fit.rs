//! The fit itself: the rows sorted by (stratum, time) and grouped ([`Layout`]), centred and
//! scaled ([`Data`]), the likelihood passes (log partial likelihood, score and information,
//! Efron or Breslow ties, strata, delayed entry and case weights) and Newton–Raphson
//! ([`newton`]). The module notes of [`super`] say what is computed and how it follows R.
//!
//! The `cox.zph` blocks (B, C, u_γ of [`Pass`]) are accumulated here, in the same passes as
//! the information, for a time transform g given by the caller (`zph::time_transform`); the
//! test itself is `zph`'s. This module depends on neither `zph` nor `concordance`.

use crate::stats::common::{order_by_time, stable_order_by_code};
use super::input::{CoxExtra, CoxInput};
use super::linalg::{generalized_solve, symmetrize};
use crate::spec::Ties;
pub(super) use crate::stats::WASM_TIER_CHUNK;

/// R's `coxph.control()` defaults.
pub(super) const EPS: f64 = 1e-9;
pub(super) const MAX_ITER: usize = 20;

/// Rows sharing a stratum and a time.
#[derive(Debug, Clone, Copy)]
pub(super) struct Group {
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) deaths: usize,
    /// First / last group of its stratum (in time order).
    pub(super) first: bool,
    pub(super) last: bool,
}

/// Sorted, centred and scaled data.
pub(super) struct Data {
    pub(super) n: usize,
    pub(super) p: usize,
    /// Row stride of `x`: p rounded up to even (the padding column is zero), so that the
    /// information kernel works on 2 × 2 blocks.
    pub(super) ps: usize,
    /// Original row of each sorted row.
    pub(super) row: Vec<usize>,
    pub(super) event: Vec<bool>,
    /// Row-major n × ps, centred and scaled (emptied before the concordance, which does not
    /// use it: see `fit_in_steps`).
    pub(super) x: Vec<f64>,
    pub(super) groups: Vec<Group>,
    pub(super) efron: bool,
    /// Case weights in sorted order (sampling weights), when given.
    pub(super) wt: Option<Vec<f64>>,
    /// Delayed entry (counting-process data), when given: see [`Entry`].
    pub(super) entry: Option<Entry>,
}

/// Where rows of (entry, time] data join the risk sets. A sorted row i is at risk at the time
/// groups `first[i] ..= its own group` (groups of its stratum with time > entry_i); in the
/// reverse-time passes it leaves the running sums after group `first[i]`, so the rows leaving
/// after group gi are `leave[leave_start[gi]..leave_start[gi + 1]]`.
pub(super) struct Entry {
    pub(super) first: Vec<u32>,
    pub(super) leave_start: Vec<usize>,
    pub(super) leave: Vec<u32>,
}

impl Entry {
    /// From each sorted row's first group at risk.
    pub(super) fn new(first: Vec<u32>, ngroups: usize) -> Entry {
        let mut leave_start = vec![0usize; ngroups + 1];
        for &f in &first {
            leave_start[f as usize + 1] += 1;
        }
        for g in 0..ngroups {
            leave_start[g + 1] += leave_start[g];
        }
        let mut next = leave_start.clone();
        let mut leave = vec![0u32; first.len()];
        for (i, &f) in first.iter().enumerate() {
            leave[next[f as usize]] = i as u32;
            next[f as usize] += 1;
        }
        Entry { first, leave_start, leave }
    }
    /// Rows leaving the risk set after group `gi` (going back in time).
    pub(super) fn leaving(&self, gi: usize) -> &[u32] {
        &self.leave[self.leave_start[gi]..self.leave_start[gi + 1]]
    }
}

/// Scratch space of the likelihood passes (allocated once per fit).
pub(super) struct Work {
    /// η of every sorted row.
    pub(super) eta: Vec<f64>,
    pub(super) risk: Vec<f64>,
    pub(super) s1: Vec<f64>,
    pub(super) d1: Vec<f64>,
    pub(super) xd: Vec<f64>,
    pub(super) xbar_sum: Vec<f64>,
    /// Per group: a0 = Σ_k 1/den_k and a1 = Σ_k f_k/den_k over its sub-risk-sets (0 when
    /// the group has no event).
    pub(super) a0: Vec<f64>,
    pub(super) a1: Vec<f64>,
    /// Rows z (stride ps) with Σ z zᵀ = the mean-product part of the information, and the
    /// group of each.
    pub(super) z: Vec<f64>,
    pub(super) zgroup: Vec<u32>,
    pub(super) zw: Vec<f64>,
    /// Kernel scratch: one chunk of rows by column pairs (not weighted, and with each of up to
    /// `MAX_WEIGHTS` weights), and a ps × ps accumulator per weight.
    pub(super) chunk: Vec<[f64; 2]>,
    pub(super) acc: Vec<f64>,
}

impl Work {
    pub(super) fn new(n: usize, p: usize, ps: usize, ngroups: usize) -> Self {
        Work {
            eta: vec![0.0; n],
            risk: vec![0.0; n],
            s1: vec![0.0; ps],
            d1: vec![0.0; ps],
            xd: vec![0.0; ps],
            xbar_sum: vec![0.0; p],
            a0: vec![0.0; ngroups],
            a1: vec![0.0; ngroups],
            z: Vec::new(),
            zgroup: Vec::new(),
            zw: Vec::new(),
            chunk: vec![[0.0; 2]; (1 + MAX_WEIGHTS) * KERNEL_CHUNK * ps / 2],
            acc: vec![0.0; MAX_WEIGHTS * ps * ps],
        }
    }
}

/// Result of one likelihood pass.
pub(super) struct Pass {
    pub(super) loglik: f64,
    pub(super) u: Vec<f64>,
    /// Information, p × p (full symmetric).
    pub(super) imat: Vec<f64>,
    /// `cox.zph` blocks, filled only when a time transform is given.
    pub(super) ug: Vec<f64>,
    pub(super) b: Vec<f64>,
    pub(super) c: Vec<f64>,
}

impl Pass {
    pub(super) fn new(p: usize) -> Self {
        Pass { loglik: 0.0, u: vec![0.0; p], imat: vec![0.0; p * p], ug: vec![0.0; p], b: vec![0.0; p * p], c: vec![0.0; p * p] }
    }
}

/// Rows per chunk of the information kernel (a chunk of weighted rows stays in L1 cache).
const KERNEL_CHUNK: usize = 64;

/// The weighted cross-products of the information kernel taken together: at most this many
/// weights per row (the information and the `cox.zph` blocks B and C).
const MAX_WEIGHTS: usize = 3;

/// acc_k (ps × ps, row-major; `acc` holds them one after another) += Σ_i w_k,i x_i x_iᵀ on the
/// 2 × 2 blocks on and below the diagonal, for the rows x_i (stride ps, ps even) of one chunk
/// `xc` and each row weight vector w_k of `ws` (one weight per row of the chunk).
///
/// This is the O(n p²) part of every Newton iteration. The rows are taken in chunks that stay
/// in L1 cache; a chunk is laid out by column pairs (for each pair of columns, the pairs of
/// entries of every row in turn), once not weighted and once weighted by each w_k. Each 2 × 2
/// block of a result is then a sum over the chunk of the products of two such pairs, kept in
/// four registers, without bounds checks (natively the compiler turns it into 2-wide SIMD).
/// With several weights the chunk is read and laid out once for all of them; each sum is
/// taken in the same order as with one weight. A function of its own so that V8 can switch it
/// to optimised code between chunks (see `WASM_TIER_CHUNK`).
#[inline(never)]
#[cfg_attr(target_arch = "wasm32", target_feature(enable = "simd128"))]
fn crossprod_chunk(xc: &[f64], ws: &[&[f64]], ps: usize, chunk: &mut [[f64; 2]], acc: &mut [f64]) {
    let h = ps / 2;
    let m = xc.len() / ps;
    let (xp, wxps) = chunk[..(1 + ws.len()) * h * m].split_at_mut(h * m);
    for (r, row) in xc.chunks_exact(ps).enumerate() {
        for (k, pair) in row.as_chunks::<2>().0.iter().enumerate() {
            xp[k * m + r] = *pair;
        }
    }
    for (wxp, wc) in wxps.chunks_exact_mut(h * m).zip(ws) {
        for (r, (row, &wi)) in xc.chunks_exact(ps).zip(&wc[..m]).enumerate() {
            for (k, pair) in row.as_chunks::<2>().0.iter().enumerate() {
                wxp[k * m + r] = lanes::scale(wi, pair);
            }
        }
    }
    for (wxp, acc) in wxps.chunks_exact(h * m).zip(acc.chunks_exact_mut(ps * ps)) {
        for jh in 0..h {
            let a_col = &wxp[jh * m..(jh + 1) * m];
            // Up to three blocks of the column pair jh in one sweep of the rows: their sums do
            // not wait on each other, so the processor overlaps them (one block alone is bound
            // by the latency of its additions). Each sum is still taken row by row, in order.
            let mut lh = 0;
            while lh <= jh {
                let col = |k: usize| &xp[(lh + k) * m..(lh + k + 1) * m];
                let sums: &[[f64; 4]] = match jh + 1 - lh {
                    1 => &[lanes::block_sums1(a_col, col(0))],
                    2 => &lanes::block_sums2(a_col, col(0), col(1)),
                    _ => &lanes::block_sums3(a_col, col(0), col(1), col(2)),
                };
                let j = 2 * jh;
                for (k, c) in sums.iter().enumerate() {
                    let l = 2 * (lh + k);
                    acc[j * ps + l] += c[0];
                    acc[j * ps + l + 1] += c[1];
                    acc[(j + 1) * ps + l] += c[2];
                    acc[(j + 1) * ps + l + 1] += c[3];
                }
                lh += 3;
            }
        }
    }
}

/// The 2-wide kernels of the likelihood passes, on pairs of f64: natively the compiler turns
/// the pairs of this scalar code into SSE2 instructions; in wasm the module below writes them
/// with f64x2 instructions (`simd128`). Each lane does exactly the arithmetic of the scalar
/// pair, in the same order (wasm's `simd128` has no fused multiply-add), so both give the same
/// bits.
#[cfg(not(target_arch = "wasm32"))]
mod lanes {
    /// w·(x0, x1).
    #[inline(always)]
    pub(super) fn scale(w: f64, pair: &[f64; 2]) -> [f64; 2] {
        [w * pair[0], w * pair[1]]
    }

    /// s += r·x, element by element (s and x of the same even length).
    #[inline(always)]
    pub(super) fn add_scaled(s: &mut [f64], r: f64, x: &[f64]) {
        for (s, &xj) in s.iter_mut().zip(x) {
            *s += r * xj;
        }
    }

    /// x·b summed in two lanes (the even and the odd entries), then the lanes added.
    #[inline(always)]
    pub(super) fn dot2(x: &[f64], b: &[f64]) -> f64 {
        let (mut e0, mut e1) = (0.0, 0.0);
        for (xx, bb) in x.chunks_exact(2).zip(b.chunks_exact(2)) {
            e0 += xx[0] * bb[0];
            e1 += xx[1] * bb[1];
        }
        e0 + e1
    }

    /// One 2 × 2 block of `crossprod_chunk`: the sums over the rows of the products of the pair
    /// `a` (weighted) and the pair `b`, as [a0·b0, a0·b1, a1·b0, a1·b1].
    #[inline(always)]
    pub(super) fn block_sums1(a_col: &[[f64; 2]], b_col: &[[f64; 2]]) -> [f64; 4] {
        let (mut c00, mut c01, mut c10, mut c11) = (0.0, 0.0, 0.0, 0.0);
        for (a, b) in a_col.iter().zip(b_col) {
            c00 += a[0] * b[0];
            c01 += a[0] * b[1];
            c10 += a[1] * b[0];
            c11 += a[1] * b[1];
        }
        [c00, c01, c10, c11]
    }

    /// Two blocks of `crossprod_chunk` in one sweep ([`block_sums1`] of `b` and of `e`). The
    /// sums are separate variables, which the compiler keeps in registers as 2-wide pairs.
    #[inline(always)]
    pub(super) fn block_sums2(a_col: &[[f64; 2]], b_col: &[[f64; 2]], e_col: &[[f64; 2]]) -> [[f64; 4]; 2] {
        let (mut c00, mut c01, mut c10, mut c11) = (0.0, 0.0, 0.0, 0.0);
        let (mut d00, mut d01, mut d10, mut d11) = (0.0, 0.0, 0.0, 0.0);
        for (a, (b, e)) in a_col.iter().zip(b_col.iter().zip(e_col)) {
            c00 += a[0] * b[0];
            c01 += a[0] * b[1];
            c10 += a[1] * b[0];
            c11 += a[1] * b[1];
            d00 += a[0] * e[0];
            d01 += a[0] * e[1];
            d10 += a[1] * e[0];
            d11 += a[1] * e[1];
        }
        [[c00, c01, c10, c11], [d00, d01, d10, d11]]
    }

    /// Three blocks of `crossprod_chunk` in one sweep (see [`block_sums2`]).
    #[inline(always)]
    pub(super) fn block_sums3(a_col: &[[f64; 2]], b_col: &[[f64; 2]], e_col: &[[f64; 2]], f_col: &[[f64; 2]]) -> [[f64; 4]; 3] {
        let (mut c00, mut c01, mut c10, mut c11) = (0.0, 0.0, 0.0, 0.0);
        let (mut d00, mut d01, mut d10, mut d11) = (0.0, 0.0, 0.0, 0.0);
        let (mut e00, mut e01, mut e10, mut e11) = (0.0, 0.0, 0.0, 0.0);
        for (a, (b, (e, f))) in a_col.iter().zip(b_col.iter().zip(e_col.iter().zip(f_col))) {
            c00 += a[0] * b[0];
            c01 += a[0] * b[1];
            c10 += a[1] * b[0];
            c11 += a[1] * b[1];
            d00 += a[0] * e[0];
            d01 += a[0] * e[1];
            d10 += a[1] * e[0];
            d11 += a[1] * e[1];
            e00 += a[0] * f[0];
            e01 += a[0] * f[1];
            e10 += a[1] * f[0];
            e11 += a[1] * f[1];
        }
        [[c00, c01, c10, c11], [d00, d01, d10, d11], [e00, e01, e10, e11]]
    }
}

/// The f64x2 versions of [`lanes`]' kernels for wasm (every current browser runs wasm SIMD:
/// Chrome 91+, Firefox 89+, Safari 16.4+): the same sums, lane for lane, in the same order. A
/// pair `[f64; 2]` is loaded and stored as one v128.
///
/// `simd128` is enabled on these functions and on the three passes that call them
/// (`crossprod_chunk`, `linear_predictor_chunk`, `loglik_score_groups`, which inline them), not
/// for the whole crate: `-Ctarget-feature=+simd128` on the build made the core module 4.3 KB
/// larger gzipped (LLVM vectorising loops all over the engine, 0–7 % faster when measured)
/// and the page's first load more than 600 KB.
#[cfg(target_arch = "wasm32")]
mod lanes {
    use core::arch::wasm32::{f64x2_add, f64x2_extract_lane, f64x2_mul, f64x2_splat, i64x2_shuffle, v128, v128_load, v128_store};

    #[target_feature(enable = "simd128")]
    #[inline]
    fn load(pair: &[f64; 2]) -> v128 {
        // SAFETY: `pair` is 16 readable bytes, and `v128_load` reads with alignment 1.
        unsafe { v128_load(pair.as_ptr().cast()) }
    }

    #[target_feature(enable = "simd128")]
    #[inline]
    fn store(pair: &mut [f64; 2], v: v128) {
        // SAFETY: `pair` is 16 writable bytes, and `v128_store` writes with alignment 1.
        unsafe { v128_store(pair.as_mut_ptr().cast(), v) }
    }

    #[target_feature(enable = "simd128")]
    #[inline]
    pub(super) fn scale(w: f64, pair: &[f64; 2]) -> [f64; 2] {
        let mut out = [0.0; 2];
        store(&mut out, f64x2_mul(f64x2_splat(w), load(pair)));
        out
    }

    /// s += r·x (s and x of the same even length).
    #[target_feature(enable = "simd128")]
    #[inline]
    pub(super) fn add_scaled(s: &mut [f64], r: f64, x: &[f64]) {
        let rv = f64x2_splat(r);
        for (s, x) in s.as_chunks_mut::<2>().0.iter_mut().zip(x.as_chunks::<2>().0) {
            let v = f64x2_add(load(s), f64x2_mul(rv, load(x)));
            store(s, v);
        }
    }

    /// x·b summed in two lanes (the even and the odd entries), then the lanes added.
    #[target_feature(enable = "simd128")]
    #[inline]
    pub(super) fn dot2(x: &[f64], b: &[f64]) -> f64 {
        let mut e = f64x2_splat(0.0);
        for (xx, bb) in x.as_chunks::<2>().0.iter().zip(b.as_chunks::<2>().0) {
            e = f64x2_add(e, f64x2_mul(load(xx), load(bb)));
        }
        f64x2_extract_lane::<0>(e) + f64x2_extract_lane::<1>(e)
    }

    /// K blocks of `crossprod_chunk` in one sweep of the rows: for the pair a = (a0, a1) and
    /// each pair b, (a0, a0)·b accumulates (c00, c01) and (a1, a1)·b accumulates (c10, c11).
    #[target_feature(enable = "simd128")]
    #[inline]
    fn sums<const K: usize>(a_col: &[[f64; 2]], cols: [&[[f64; 2]]; K]) -> [[f64; 4]; K] {
        let mut acc = [[f64x2_splat(0.0); 2]; K];
        let m = a_col.len();
        let cols: [&[[f64; 2]]; K] = cols.map(|c| &c[..m]);
        for (i, a) in a_col.iter().enumerate() {
            let a = load(a);
            let (a0, a1) = (i64x2_shuffle::<0, 0>(a, a), i64x2_shuffle::<1, 1>(a, a));
            for k in 0..K {
                let b = load(&cols[k][i]);
                acc[k][0] = f64x2_add(acc[k][0], f64x2_mul(a0, b));
                acc[k][1] = f64x2_add(acc[k][1], f64x2_mul(a1, b));
            }
        }
        acc.map(|[c0, c1]| [f64x2_extract_lane::<0>(c0), f64x2_extract_lane::<1>(c0), f64x2_extract_lane::<0>(c1), f64x2_extract_lane::<1>(c1)])
    }

    #[target_feature(enable = "simd128")]
    #[inline]
    pub(super) fn block_sums1(a_col: &[[f64; 2]], b_col: &[[f64; 2]]) -> [f64; 4] {
        sums::<1>(a_col, [b_col])[0]
    }

    #[target_feature(enable = "simd128")]
    #[inline]
    pub(super) fn block_sums2(a_col: &[[f64; 2]], b_col: &[[f64; 2]], e_col: &[[f64; 2]]) -> [[f64; 4]; 2] {
        sums::<2>(a_col, [b_col, e_col])
    }

    #[target_feature(enable = "simd128")]
    #[inline]
    pub(super) fn block_sums3(a_col: &[[f64; 2]], b_col: &[[f64; 2]], e_col: &[[f64; 2]], f_col: &[[f64; 2]]) -> [[f64; 4]; 3] {
        sums::<3>(a_col, [b_col, e_col, f_col])
    }
}

/// Per time group and weight k of [`Data::information`] (index k·ngroups + group): the
/// cumulative weight up to and including the group within its stratum, the group's own a1
/// weight, and (with delayed entry) the cumulative weight before the group.
struct GroupWeights {
    cum: Vec<f64>,
    a1: Vec<f64>,
    before: Vec<f64>,
}

impl Data {
    pub(super) fn xrow(&self, i: usize) -> &[f64] {
        &self.x[i * self.ps..i * self.ps + self.p]
    }

    /// (x − mean)·β of every sorted row into `out` (the concordance's predictor), each summed
    /// over the columns in order: the first product, plus the next, and so on.
    pub(super) fn predictor(&self, beta: &[f64], out: &mut [f64]) {
        let ps = self.ps;
        for (xc, oc) in self.x.chunks(WASM_TIER_CHUNK * ps).zip(out.chunks_mut(WASM_TIER_CHUNK)) {
            Self::predictor_chunk(xc, &beta[..self.p], ps, oc);
        }
    }

    /// One chunk of [`Data::predictor`], four rows at a time: their sums do not wait on each
    /// other, so the processor overlaps them (each is still taken column by column, in order).
    #[inline(never)]
    fn predictor_chunk(xs: &[f64], beta: &[f64], ps: usize, out: &mut [f64]) {
        let p = beta.len();
        let row_sum = |x: &[f64]| x[1..p].iter().zip(&beta[1..]).fold(x[0] * beta[0], |s, (a, b)| s + a * b);
        let mut rows4 = xs.chunks_exact(4 * ps);
        let mut outs4 = out.chunks_exact_mut(4);
        for (x4, o4) in (&mut rows4).zip(&mut outs4) {
            let r: [&[f64]; 4] = std::array::from_fn(|k| &x4[k * ps..][..p]);
            let mut s: [f64; 4] = std::array::from_fn(|k| r[k][0] * beta[0]);
            for j in 1..p {
                for k in 0..4 {
                    s[k] += r[k][j] * beta[j];
                }
            }
            o4.copy_from_slice(&s);
        }
        for (x, o) in rows4.remainder().chunks_exact(ps).zip(outs4.into_remainder()) {
            *o = row_sum(x);
        }
    }

    /// η and exp(η) of every sorted row. Returns false if any is not finite.
    pub(super) fn linear_predictor(&self, beta: &[f64], w: &mut Work) -> bool {
        // β padded to the row stride; the products are summed in two lanes (SIMD pairs).
        let mut bp = beta.to_vec();
        bp.resize(self.ps, 0.0);
        let ps = self.ps;
        let mut ok = true;
        for ((x, e), r) in self.x.chunks(WASM_TIER_CHUNK * ps).zip(w.eta.chunks_mut(WASM_TIER_CHUNK)).zip(w.risk.chunks_mut(WASM_TIER_CHUNK)) {
            ok &= Self::linear_predictor_chunk(x, &bp, e, r);
        }
        ok
    }

    #[inline(never)]
    #[cfg_attr(target_arch = "wasm32", target_feature(enable = "simd128"))]
    fn linear_predictor_chunk(xs: &[f64], bp: &[f64], eta: &mut [f64], risk: &mut [f64]) -> bool {
        let mut ok = true;
        for ((x, e), r) in xs.chunks_exact(bp.len()).zip(eta).zip(risk) {
            *e = lanes::dot2(x, bp);
            *r = e.exp();
            ok &= r.is_finite();
        }
        ok
    }

    /// First stage of a likelihood pass: log partial likelihood and score at `beta` (and the
    /// `cox.zph` score u_γ with `g`), in one reverse-time pass, O(n p). It leaves in `w` what the
    /// information needs (risks, per-group a0 and a1, the rows z).
    ///
    /// Per event time (group) with d deaths, the sub-risk-sets are: Efron, d of them, the k-th
    /// with the fraction f = k/d of the dying rows' weight removed; Breslow, one, counted d
    /// times. With den_k = S0 − f_k·DS0, a0 = Σ1/den, a1 = Σf/den, b0 = Σ1/den², b1 = Σf/den²,
    /// b2 = Σf²/den² (closed forms over the d sub-risk-sets, O(d + p) per time):
    ///   loglik += Σ η(dying) − Σ ln den_k,   u += Σ x(dying) − (S1·a0 − D1·a1),
    /// and the information of the time is
    ///   V = S2·a0 − D2·a1 − (S1S1ᵀ·b0 − (S1D1ᵀ + D1S1ᵀ)·b1 + D1D1ᵀ·b2).
    /// The last part is [S1 D1] M [S1 D1]ᵀ with M = [[b0, −b1], [−b1, b2]] positive
    /// semi-definite; with M = LLᵀ it is z1z1ᵀ + z2z2ᵀ, z1 = √b0·S1 − (b1/√b0)·D1,
    /// z2 = √(b2 − b1²/b0)·D1 (z2 only for tied Efron times). Those rows are stored.
    pub(super) fn loglik_score(&self, beta: &[f64], g: Option<&[f64]>, w: &mut Work, out: &mut Pass) {
        out.loglik = 0.0;
        out.u.iter_mut().for_each(|a| *a = 0.0);
        out.ug.iter_mut().for_each(|a| *a = 0.0);
        w.z.clear();
        w.zgroup.clear();
        // β padded to the row stride (see `linear_predictor`).
        let mut bp = beta.to_vec();
        bp.resize(self.ps, 0.0);
        // Groups in batches of a few thousand rows (see `WASM_TIER_CHUNK`), last to first.
        let mut s0 = 0.0;
        let mut finite = true;
        let mut end = self.groups.len();
        while end > 0 {
            let mut start = end - 1;
            while start > 0 && self.groups[end - 1].end - self.groups[start - 1].start <= WASM_TIER_CHUNK {
                start -= 1;
            }
            finite &= self.loglik_score_groups(start..end, &bp, g, &mut s0, w, out);
            end = start;
        }
        if !finite {
            // A risk exp(η) overflowed: no likelihood at this β (the rest of `out` is not used).
            out.loglik = f64::NAN;
        }
    }

    /// The groups `range` of `loglik_score`, last to first, with the running S0 (and S1 in `w`).
    /// Each group's η and exp(η) (into `w`) are computed as the group is reached, so that its
    /// rows are read from memory once for both (the matrix is the pass's memory traffic).
    /// Returns false if a risk is not finite.
    // Long because: one sweep of each time group feeds every sum of the pass (S0, S1, the dying rows' sums, with weights and without, Efron's ties), each in the order the fit's results depend on bit for bit; split apart, the group's rows would be read again.
    #[inline(never)]
    #[cfg_attr(target_arch = "wasm32", target_feature(enable = "simd128"))]
    fn loglik_score_groups(&self, range: std::ops::Range<usize>, bp: &[f64], g: Option<&[f64]>, s0: &mut f64, w: &mut Work, out: &mut Pass) -> bool {
        let (p, ps) = (self.p, self.ps);
        let zero = bp.iter().all(|&b| b == 0.0);
        let mut finite = true;
        for gi in range.rev() {
            let grp = &self.groups[gi];
            let rows = grp.start..grp.end;
            if zero {
                // β = 0 (the null pass): η = 0 and exp(η) = 1 exactly, as the products would give.
                w.eta[rows.clone()].iter_mut().for_each(|e| *e = 0.0);
                w.risk[rows.clone()].iter_mut().for_each(|r| *r = 1.0);
            } else {
                finite &= Self::linear_predictor_chunk(&self.x[grp.start * ps..grp.end * ps], bp, &mut w.eta[rows.clone()], &mut w.risk[rows.clone()]);
            }
            if grp.last {
                *s0 = 0.0;
                w.s1.iter_mut().for_each(|a| *a = 0.0);
            }
            w.a0[gi] = 0.0;
            w.a1[gi] = 0.0;
            let xs = &self.x[grp.start * ps..grp.end * ps];
            let risk = &w.risk[grp.start..grp.end];
            // The dying rows' sums: D1 is needed only for Efron with tied events. They are taken
            // in the same sweep of the group's rows as S0 and S1, each sum still row by row
            // (without case weights, with the weighted sums' operations for a weight of 1).
            let tied_efron = self.efron && grp.deaths > 1;
            let (mut ds0, mut eta_d, mut deadwt) = (0.0, 0.0, 0.0);
            if grp.deaths > 0 {
                w.d1.iter_mut().for_each(|a| *a = 0.0);
                w.xd.iter_mut().for_each(|a| *a = 0.0);
            }
            match &self.wt {
                None if grp.deaths > 0 => {
                    let dying = self.event[rows.clone()].iter().zip(&w.eta[rows]);
                    for ((x, &r), (&ev, &e)) in xs.chunks_exact(ps).zip(risk).zip(dying) {
                        *s0 += r;
                        lanes::add_scaled(&mut w.s1, r, x);
                        if ev {
                            let c = 1.0;
                            let r = r * c;
                            ds0 += r;
                            deadwt += c;
                            eta_d += c * e;
                            lanes::add_scaled(&mut w.xd, c, x);
                            if tied_efron {
                                lanes::add_scaled(&mut w.d1, r, x);
                            }
                        }
                    }
                }
                None => {
                    for (x, &r) in xs.chunks_exact(ps).zip(risk) {
                        *s0 += r;
                        lanes::add_scaled(&mut w.s1, r, x);
                    }
                }
                Some(wt) if grp.deaths > 0 => {
                    // With case weights, the same single sweep: each sum in row order as ever.
                    let dying = self.event[rows.clone()].iter().zip(&w.eta[rows.clone()]);
                    for (((x, &r), &c), (&ev, &e)) in xs.chunks_exact(ps).zip(risk).zip(&wt[rows]).zip(dying) {
                        let r = r * c;
                        *s0 += r;
                        lanes::add_scaled(&mut w.s1, r, x);
                        if ev {
                            ds0 += r;
                            deadwt += c;
                            eta_d += c * e;
                            lanes::add_scaled(&mut w.xd, c, x);
                            if tied_efron {
                                lanes::add_scaled(&mut w.d1, r, x);
                            }
                        }
                    }
                }
                Some(wt) => {
                    for ((x, &r), &c) in xs.chunks_exact(ps).zip(risk).zip(&wt[grp.start..grp.end]) {
                        *s0 += r * c;
                        lanes::add_scaled(&mut w.s1, r * c, x);
                    }
                }
            }
            if grp.deaths == 0 {
                self.leave_after(gi, s0, w);
                continue;
            }
            let d = grp.deaths as f64;
            out.loglik += eta_d;
            // Σ_k ln den_k over the sub-risk-sets (Breslow: d·ln S0).
            let ln_sum;
            let (mut a0, mut a1, mut b0, mut b1, mut b2) = (0.0, 0.0, 0.0, 0.0, 0.0);
            if tied_efron {
                // The logarithms as d·ln S0 + ln Π (den_k / S0): each ratio is in (0, 1] (at
                // least 1/d), so the product is taken to a logarithm only when it nears the
                // bottom of the f64 range (or is not a positive number) — a few logarithms per
                // event time instead of one per death.
                let inv_s0 = 1.0 / *s0;
                let (mut ln_acc, mut prod) = (d * s0.ln(), 1.0f64);
                for k in 0..grp.deaths {
                    let f = k as f64 / d;
                    let den = *s0 - f * ds0;
                    prod *= den * inv_s0;
                    if !(prod >= 1e-280) {
                        ln_acc += prod.ln();
                        prod = 1.0;
                    }
                    let r = 1.0 / den;
                    a0 += r;
                    a1 += f * r;
                    b0 += r * r;
                    b1 += f * r * r;
                    b2 += f * f * r * r;
                }
                ln_sum = ln_acc + prod.ln();
            } else {
                ln_sum = d * s0.ln();
                a0 = d / *s0;
                b0 = d / (*s0 * *s0);
            }
            out.loglik -= ln_sum;
            if self.wt.is_some() {
                // Case weights: each sub-risk-set counts the mean weight of the dying rows
                // (R's `meanwt`); Breslow's d copies become their total weight.
                let meanwt = deadwt / d;
                out.loglik += ln_sum - meanwt * ln_sum;
                a0 *= meanwt;
                a1 *= meanwt;
                b0 *= meanwt;
                b1 *= meanwt;
                b2 *= meanwt;
            }
            w.a0[gi] = a0;
            w.a1[gi] = a1;
            for j in 0..p {
                w.xbar_sum[j] = w.s1[j] * a0 - w.d1[j] * a1;
                out.u[j] += w.xd[j] - w.xbar_sum[j];
            }
            if let Some(g) = g {
                for j in 0..p {
                    out.ug[j] += g[gi] * (w.xd[j] - w.xbar_sum[j]);
                }
            }
            let l11 = b0.sqrt();
            let l21 = if l11 > 0.0 { -b1 / l11 } else { 0.0 };
            w.z.extend(w.s1.iter().zip(&w.d1).map(|(s, d)| l11 * s + l21 * d));
            w.zgroup.push(gi as u32);
            if tied_efron {
                let l22 = (b2 - l21 * l21).max(0.0).sqrt();
                w.z.extend(w.d1.iter().map(|d| l22 * d));
                w.zgroup.push(gi as u32);
            }
            self.leave_after(gi, s0, w);
        }
        finite
    }

    /// With delayed entry: take the rows whose first group at risk is `gi` out of the running
    /// sums S0 (`s0`) and S1 (`w.s1`) of a reverse-time pass.
    #[inline]
    fn leave_after(&self, gi: usize, s0: &mut f64, w: &mut Work) {
        let Some(en) = &self.entry else { return };
        let ps = self.ps;
        for &i in en.leaving(gi) {
            let i = i as usize;
            let r = w.risk[i] * self.wt.as_ref().map_or(1.0, |wt| wt[i]);
            *s0 -= r;
            for (s, &xj) in w.s1.iter_mut().zip(&self.x[i * ps..(i + 1) * ps]) {
                *s -= r * xj;
            }
        }
    }

    /// Second stage of a pass, after `loglik_score` at the same β: the information (and with
    /// `g` the `cox.zph` blocks B = Σ g·V, C = Σ g²·V), O(n p²).
    ///
    /// Summed over the event times, the risk-set parts of V regroup by row: a row at risk at
    /// the event times k ≤ its own time enters Σ_k S2_k·a0_k with the weight
    /// A_i = Σ_{k ≤ i} a0_k (same stratum), and a dying row leaves D2·a1 of its own time, so
    ///   Σ_k (S2_k·a0_k − D2_k·a1_k) = Σ_i r_i (A_i − δ_i·a1_{k(i)}) x_i x_iᵀ,
    /// one weighted cross-product of the rows (and the same with g_k·a0_k, g_k²·a0_k), from which
    /// Σ z zᵀ of the stored rows is subtracted. R's `coxfit6` instead updates the running S2
    /// at every row; the regrouping does the same sums with one blocked kernel.
    pub(super) fn information(&self, g: Option<&[f64]>, w: &mut Work, out: &mut Pass) {
        let (p, ps) = (self.p, self.ps);
        for m in [&mut out.imat, &mut out.b, &mut out.c] {
            m.iter_mut().for_each(|a| *a = 0.0);
        }
        if !out.loglik.is_finite() {
            out.imat.iter_mut().for_each(|a| *a = f64::NAN);
            return;
        }
        // Weight k multiplies a0 and a1 by g^k (k = 0 → the information, 1 → B, 2 → C).
        let nw = if g.is_some() { MAX_WEIGHTS } else { 1 };
        let gk = |k: usize, gi: usize| g.map_or(1.0, |g| g[gi].powi(k as i32));
        let gw = self.group_weights(nw, &gk, w);
        // The rows' weights are made a chunk at a time, and each chunk of rows is read and laid
        // out once for all the weights (one pass over the matrix).
        let acc = &mut w.acc[..nw * ps * ps];
        acc.iter_mut().for_each(|a| *a = 0.0);
        let mut wbuf = [[0.0; KERNEL_CHUNK]; MAX_WEIGHTS];
        let mut gi = 0;
        for (c, xc) in self.x.chunks(KERNEL_CHUNK * ps).enumerate() {
            let rows = c * KERNEL_CHUNK..c * KERNEL_CHUNK + xc.len() / ps;
            gi = self.row_weights(rows, gi, &gw, &w.risk, &mut wbuf[..nw]);
            let ws: [&[f64]; MAX_WEIGHTS] = [&wbuf[0], &wbuf[1], &wbuf[2]];
            crossprod_chunk(xc, &ws[..nw], ps, &mut w.chunk, acc);
        }
        // Less Σ z zᵀ of the stored rows, with each weight.
        let nz = w.zgroup.len();
        w.zw.clear();
        for k in 0..nw {
            w.zw.extend(w.zgroup.iter().map(|&gi| -gk(k, gi as usize)));
        }
        for (c, zc) in w.z.chunks(KERNEL_CHUNK * ps).enumerate() {
            let rows = c * KERNEL_CHUNK..c * KERNEL_CHUNK + zc.len() / ps;
            let ws: Vec<&[f64]> = (0..nw).map(|k| &w.zw[k * nz + rows.start..k * nz + rows.end]).collect();
            crossprod_chunk(zc, &ws, ps, &mut w.chunk, acc);
        }
        for (k, m) in [&mut out.imat, &mut out.b, &mut out.c].into_iter().take(nw).enumerate() {
            let a = &acc[k * ps * ps..(k + 1) * ps * ps];
            for j in 0..p {
                for l in 0..=j {
                    m[j * p + l] = a[j * ps + l];
                }
            }
            symmetrize(m, p);
        }
    }

    /// The [`GroupWeights`] of the `nw` weights, from each group's a0 and a1 (in `w`) times
    /// `gk(k, group)`.
    fn group_weights(&self, nw: usize, gk: &dyn Fn(usize, usize) -> f64, w: &Work) -> GroupWeights {
        let ng = self.groups.len();
        let mut gw = GroupWeights {
            cum: vec![0.0; nw * ng],
            a1: vec![0.0; nw * ng],
            before: if self.entry.is_some() { vec![0.0; nw * ng] } else { Vec::new() },
        };
        for k in 0..nw {
            let mut cum = 0.0;
            // With delayed entry, the cumulative weight before each group (within its stratum):
            // a row at risk from group f on enters with cum(own) − cum_before(f).
            for (gi, grp) in self.groups.iter().enumerate() {
                if grp.first {
                    cum = 0.0;
                }
                if let Some(b) = gw.before.get_mut(k * ng + gi) {
                    *b = cum;
                }
                let gg = gk(k, gi);
                cum += gg * w.a0[gi];
                gw.cum[k * ng + gi] = cum;
                gw.a1[k * ng + gi] = gg * w.a1[gi];
            }
        }
        gw
    }

    /// The information weights of the sorted rows `rows` (one chunk), for each weight k into
    /// `out[k]`: r_i (A_i − δ_i·a1_{k(i)}), less r_i·A before the row's first group at risk
    /// with delayed entry, times the row's case weight. `gi` is the group of the chunk's first
    /// row or an earlier one; returns the group of its last row.
    #[inline(never)]
    fn row_weights(&self, rows: std::ops::Range<usize>, mut gi: usize, gw: &GroupWeights, risk: &[f64], out: &mut [[f64; KERNEL_CHUNK]]) -> usize {
        let ng = self.groups.len();
        let mut i = rows.start;
        while i < rows.end {
            while self.groups[gi].end <= i {
                gi += 1;
            }
            // The chunk's rows of group gi.
            let seg = i..self.groups[gi].end.min(rows.end);
            for (k, o) in out.iter_mut().enumerate() {
                let at = k * ng + gi;
                let (cum, cum_event) = (gw.cum[at], gw.cum[at] - gw.a1[at]);
                if self.entry.is_none() && self.wt.is_none() {
                    // The plain fit: r_i times one of two weights, without bounds checks.
                    let o = &mut o[seg.start - rows.start..seg.end - rows.start];
                    for ((o, &r), &ev) in o.iter_mut().zip(&risk[seg.clone()]).zip(&self.event[seg.clone()]) {
                        *o = r * if ev { cum_event } else { cum };
                    }
                    continue;
                }
                if let (None, Some(wt)) = (&self.entry, &self.wt) {
                    // Case weights without delayed entry: the plain fit's loop times the row's
                    // weight, (r_i·cum)·w_i in the general loop's order.
                    let o = &mut o[seg.start - rows.start..seg.end - rows.start];
                    for (((o, &r), &ev), &c) in o.iter_mut().zip(&risk[seg.clone()]).zip(&self.event[seg.clone()]).zip(&wt[seg.clone()]) {
                        *o = (r * if ev { cum_event } else { cum }) * c;
                    }
                    continue;
                }
                for ii in seg.clone() {
                    let mut v = risk[ii] * if self.event[ii] { cum_event } else { cum };
                    if let Some(en) = &self.entry {
                        v -= risk[ii] * gw.before[k * ng + en.first[ii] as usize];
                    }
                    if let Some(wt) = &self.wt {
                        v *= wt[ii];
                    }
                    o[ii - rows.start] = v;
                }
            }
            i = seg.end;
        }
        gi
    }


}

/// The result of [`newton`]: the returned β (centred and scaled units), the pass at it (log
/// likelihood, score, information and the `cox.zph` blocks), and the iterations used.
pub(super) struct Newton {
    pub(super) beta: Vec<f64>,
    pub(super) pass: Pass,
    pub(super) iterations: usize,
    pub(super) converged: bool,
    /// ℓ(0) and ℓ at every accepted iterate.
    pub(super) path: Vec<f64>,
}

/// Newton–Raphson from β = 0, as survival 3.5's `coxfit6` with `coxph.control()`'s defaults
/// (at most `MAX_ITER` = 20 iterations, convergence when |1 − ℓ_best/ℓ_new| ≤ `EPS` = 1e-9).
///
/// Each iteration evaluates one candidate β. A candidate is *accepted* only when its log
/// likelihood is finite and not below the best so far, and its information is finite with the
/// full rank of the information at zero (pivots above `TOLER_CHOL`, as `cholesky2`). Otherwise
/// the step is shortened towards the last accepted β: after the h-th failure in a row the
/// candidate becomes (h·β_best + β_cand)/(h + 1), i.e. the full step times 1/2, 1/6, 1/24, …
/// (R's halving since survival 3.1). An accepted candidate ends the fit when the relative change
/// of the log likelihood is within `EPS`; otherwise the next candidate is the accepted β plus
/// the Newton step there. When the iterations run out, the best accepted β is returned, never
/// the last attempt: the log likelihood of the returned fit is the largest one evaluated.
/// `step0` is the Newton step at β = 0 (`p0` holds that pass).
pub(super) fn newton(data: &Data, p0: &Pass, step0: &[f64], gt: &[f64], work: &mut Work) -> Newton {
    let p = step0.len();
    let mut best_beta = vec![0.0; p];
    let mut best = p0.loglik;
    let mut cand: Vec<f64> = step0.to_vec();
    let mut failures = 0usize;
    let mut cur = Pass::new(p);
    // Whether `cur` holds the full pass (with the cox.zph blocks) at `best_beta`.
    let mut cur_is_best = false;
    let mut converged = false;
    let mut iterations = 0;
    let mut path = vec![best];
    for it in 1..=MAX_ITER {
        iterations = it;
        data.loglik_score(&cand, Some(gt), work, &mut cur);
        cur_is_best = false;
        let finite = cur.loglik.is_finite() && cur.u.iter().all(|v| v.is_finite());
        // Convergence is judged only on a full Newton step, against the best log likelihood.
        let small_change = finite && failures == 0 && (1.0 - best / cur.loglik).abs() <= EPS;
        let improved = finite && cur.loglik >= best;
        let last = small_change || (improved && it == MAX_ITER);
        // The information is needed for the next step, or (with the cox.zph blocks) at the end.
        let ok = (improved || small_change) && {
            data.information(if last { Some(gt) } else { None }, work, &mut cur);
            (0..p).all(|j| cur.imat[j * p + j].is_finite())
        };
        if ok && last {
            best_beta.copy_from_slice(&cand);
            path.push(cur.loglik);
            cur_is_best = true;
            converged = small_change;
            break;
        }
        if !ok || !improved {
            failures += 1;
            let h = failures as f64;
            for j in 0..p {
                cand[j] = (h * best_beta[j] + cand[j]) / (h + 1.0);
            }
            continue;
        }
        failures = 0;
        best = cur.loglik;
        path.push(best);
        best_beta.copy_from_slice(&cand);
        let step = generalized_solve(&cur.imat, &cur.u, p);
        cand.iter_mut().zip(&step).for_each(|(b, s)| *b += s);
    }
    if !cur_is_best {
        // The last candidate was not accepted (or the loop stopped early): back to the best β.
        data.loglik_score(&best_beta, Some(gt), work, &mut cur);
        data.information(Some(gt), work, &mut cur);
    }
    Newton { beta: best_beta, pass: cur, iterations, converged, path }
}

/// Terms whose coefficient may be infinite (indices into the fitted terms).
///
/// After convergence this is R's check (`coxph.fit`): the Newton step that would follow,
/// V·u in original units, still exceeds `EPS` and √`EPS`·|β_j| for a term whose likelihood keeps
/// rising towards an asymptote, while the others have stopped moving. When the iterations ran
/// out (R then says only that the fit did not converge) every step is still non-zero, so a term
/// is named only when its next step would carry it further from zero by more than 1% of the
/// covariate's scale (n / Σ|x − x̄|, the unit of the centred, scaled column): a coefficient
/// still growing, as on a monotone likelihood, not one still settling.
pub(super) fn diverging_terms(pass: &Pass, var_s: &[f64], coef: &[f64], scale: &[f64], converged: bool) -> Vec<usize> {
    let p = coef.len();
    (0..p)
        .filter(|&j| {
            if !pass.u[j].is_finite() {
                return true;
            }
            // The next Newton step in the centred, scaled units.
            let step_s = (0..p).map(|k| pass.u[k] * var_s[k * p + j]).sum::<f64>();
            let step = step_s.abs() * scale[j];
            if converged {
                step > EPS && step > EPS.sqrt() * coef[j].abs()
            } else {
                step_s.abs() > 0.01 && step_s.signum() == coef[j].signum()
            }
        })
        .collect()
}

/// Rows `range` of the columns `src`, centred and scaled, written to their sorted places
/// `rank_of` in the row-major matrix `x` (stride ps).
#[inline(never)]
fn scatter_rows(src: &[&[f64]], mean: &[f64], scale: &[f64], range: std::ops::Range<usize>, rank_of: &[u32], ps: usize, x: &mut [f64]) {
    for (i, &r) in range.zip(rank_of) {
        write_row(src, mean, scale, i, &mut x[r as usize * ps..(r as usize + 1) * ps]);
    }
}

/// Input row `i` of the columns `src`, centred and scaled, into `dst`.
#[inline(always)]
fn write_row(src: &[&[f64]], mean: &[f64], scale: &[f64], i: usize, dst: &mut [f64]) {
    for (j, col) in src.iter().enumerate() {
        dst[j] = (col[i] - mean[j]) * scale[j];
    }
}

/// Every input row of the columns `src`, centred and scaled, at its sorted place `rank_of` in the
/// row-major matrix `x` (stride ps); natively, with a second core, each core writes half of the
/// sorted rows (the same values: each cell is one subtraction and one product either way).
fn write_sorted(src: &[&[f64]], mean: &[f64], scale: &[f64], rank_of: &[u32], ps: usize, x: &mut [f64]) {
    let n = rank_of.len();
    #[cfg(not(target_arch = "wasm32"))]
    if n >= split_rows() {
        let (lo, hi) = x.split_at_mut(n / 2 * ps);
        let (_, there) = crate::beside(|| scatter_part(src, mean, scale, rank_of, ps, n / 2..n, hi), || scatter_part(src, mean, scale, rank_of, ps, 0..n / 2, lo));
        there.unwrap_or_else(|e| std::panic::resume_unwind(e));
        return;
    }
    for start in (0..n).step_by(WASM_TIER_CHUNK) {
        let end = (start + WASM_TIER_CHUNK).min(n);
        scatter_rows(src, mean, scale, start..end, &rank_of[start..end], ps, x);
    }
}

/// Rows from which the sorted matrix is written on two cores (never with one).
#[cfg(not(target_arch = "wasm32"))]
fn split_rows() -> usize {
    #[cfg(test)]
    if let Some(n) = SPLIT_ROWS.with(|c| c.get()) {
        return n;
    }
    crate::two_cores_from(1 << 16)
}

#[cfg(test)]
thread_local! {
    /// [`split_rows`] for the tests on this thread.
    pub(super) static SPLIT_ROWS: std::cell::Cell<Option<usize>> = const { std::cell::Cell::new(None) };
}

/// [`scatter_rows`] of every input row whose sorted place is in `ranks`, into `out` (the rows
/// `ranks` of the matrix).
#[cfg(not(target_arch = "wasm32"))]
fn scatter_part(src: &[&[f64]], mean: &[f64], scale: &[f64], rank_of: &[u32], ps: usize, ranks: std::ops::Range<usize>, out: &mut [f64]) {
    for (i, &r) in rank_of.iter().enumerate() {
        let r = r as usize;
        if ranks.contains(&r) {
            write_row(src, mean, scale, i, &mut out[(r - ranks.start) * ps..(r - ranks.start + 1) * ps]);
        }
    }
}

/// Σ_i x_ij of each column j of `cols` (with `abs`, Σ_i |x_ij − shift_j|), each summed in row
/// order from −0.0 as `Iterator::sum` does, four columns per sweep of the rows: their sums do
/// not wait on each other, so the processor overlaps them. In calls of a few thousand rows
/// (see `WASM_TIER_CHUNK`).
fn column_sums(cols: &[&[f64]], shift: &[f64], abs: bool) -> Vec<f64> {
    let mut sums = vec![-0.0; cols.len()];
    let n = cols.first().map_or(0, |c| c.len());
    for ((cs, sh), out) in cols.chunks(4).zip(shift.chunks(4)).zip(sums.chunks_mut(4)) {
        for start in (0..n).step_by(WASM_TIER_CHUNK) {
            let rows = start..(start + WASM_TIER_CHUNK).min(n);
            match cs.len() {
                4 => column_sums_chunk::<4>(cs, sh, abs, rows, out),
                3 => column_sums_chunk::<3>(cs, sh, abs, rows, out),
                2 => column_sums_chunk::<2>(cs, sh, abs, rows, out),
                _ => column_sums_chunk::<1>(cs, sh, abs, rows, out),
            }
        }
    }
    sums
}

/// The rows `rows` of [`column_sums`] for K columns, added to `out`.
#[inline(never)]
fn column_sums_chunk<const K: usize>(cols: &[&[f64]], shift: &[f64], abs: bool, rows: std::ops::Range<usize>, out: &mut [f64]) {
    let c: [&[f64]; K] = std::array::from_fn(|k| &cols[k][rows.clone()]);
    let sh: [f64; K] = std::array::from_fn(|k| shift[k]);
    let mut s: [f64; K] = std::array::from_fn(|k| out[k]);
    let m = rows.len();
    if abs {
        for i in 0..m {
            for k in 0..K {
                s[k] += (c[k][i] - sh[k]).abs();
            }
        }
    } else {
        for i in 0..m {
            for k in 0..K {
                s[k] += c[k][i];
            }
        }
    }
    out[..K].copy_from_slice(&s);
}

/// The rows of a fit in sorted order, whichever columns are fitted: sorted once by (stratum,
/// time), ties in row order (stable radix sorts by time, then by stratum), and cut into time
/// groups.
pub(super) struct Layout {
    /// Original row of each sorted row.
    pub(super) order: Vec<usize>,
    /// Sorted position of each input row.
    pub(super) rank_of: Vec<u32>,
    pub(super) event: Vec<bool>,
    pub(super) groups: Vec<Group>,
    pub(super) efron: bool,
    /// Case weights in sorted order.
    pub(super) wt: Option<Vec<f64>>,
    /// With delayed entry, each sorted row's first group at risk (see [`Entry`]).
    pub(super) entry_first: Option<Vec<u32>>,
}

impl Layout {
    /// The inputs must have been checked (equal lengths, finite times, entry before exit).
    /// `time_order`: the rows in order of `input.time` as [`order_by_time`] makes them, when
    /// the caller has them (else they are made here).
    pub(super) fn new(input: &CoxInput, extra: CoxExtra, time_order: Option<&[usize]>) -> Layout {
        let n = input.time.len();
        let strata = input.strata;
        debug_assert!(time_order.is_none_or(|o| o.len() == n && o.windows(2).all(|w| input.time[w[0]] <= input.time[w[1]] || input.time[w[1]].is_nan())));
        let mut order = time_order.map_or_else(|| order_by_time(input.time), <[usize]>::to_vec);
        if let Some(s) = strata {
            order = stable_order_by_code(&order, s);
        }
        let mut rank_of = vec![0u32; n];
        for (r, &i) in order.iter().enumerate() {
            rank_of[i] = r as u32;
        }
        let event: Vec<bool> = order.iter().map(|&i| input.status[i] == 1).collect();
        let groups = time_groups(input, &order, &event);
        debug_assert!(
            groups.first().is_none_or(|g| g.start == 0) && groups.last().is_none_or(|g| g.end == n) && groups.windows(2).all(|w| w[0].end == w[1].start && w[0].start < w[0].end),
            "the time groups partition the sorted rows"
        );
        let wt = extra.weights.map(|w| order.iter().map(|&i| w[i]).collect());
        let entry_first = extra.entry.map(|e| first_groups_at_risk(input.time, e, &order, &groups));
        Layout { order, rank_of, event, groups, efron: input.ties == Ties::Efron, wt, entry_first }
    }

    /// (time, events, rows) of every time group, in order: what the `cox.zph` time transform
    /// needs.
    pub(super) fn group_summary(&self, time: &[f64]) -> Vec<(f64, usize, usize)> {
        self.groups.iter().map(|g| (time[self.order[g.start]], g.deaths, g.end - g.start)).collect()
    }
}

/// The time groups of the sorted rows: runs sharing a stratum and a time.
fn time_groups(input: &CoxInput, order: &[usize], event: &[bool]) -> Vec<Group> {
    let n = order.len();
    let strata = input.strata;
    let stratum = |i: usize| strata.map_or(0, |s| s[i]);
    let mut groups: Vec<Group> = Vec::new();
    let mut k = 0;
    while k < n {
        let i0 = order[k];
        let (s0, t0) = (stratum(i0), input.time[i0]);
        let start = k;
        let mut deaths = 0;
        while k < n && input.time[order[k]] == t0 && stratum(order[k]) == s0 {
            deaths += event[k] as usize;
            k += 1;
        }
        let first = groups.last().is_none_or(|g: &Group| stratum(order[g.start]) != s0);
        if first {
            if let Some(g) = groups.last_mut() {
                g.last = true;
            }
        }
        groups.push(Group { start, end: k, deaths, first, last: false });
    }
    if let Some(g) = groups.last_mut() {
        g.last = true;
    }
    groups
}

/// With delayed entry, each sorted row's first group at risk: the first group of its stratum
/// whose time is after its entry.
fn first_groups_at_risk(time: &[f64], entry: &[f64], order: &[usize], groups: &[Group]) -> Vec<u32> {
    let mut first = vec![0u32; order.len()];
    let mut gi0 = 0;
    while gi0 < groups.len() {
        let mut gi1 = gi0 + 1;
        while gi1 < groups.len() && !groups[gi1].first {
            gi1 += 1;
        }
        let times: Vec<f64> = groups[gi0..gi1].iter().map(|g| time[order[g.start]]).collect();
        for g in &groups[gi0..gi1] {
            for (k, &i) in order[g.start..g.end].iter().enumerate() {
                first[g.start + k] = (gi0 + times.partition_point(|&t| t <= entry[i])) as u32;
            }
        }
        gi0 = gi1;
    }
    first
}

/// The sorted rows of a fit without its matrix: what [`Data`] keeps of a [`Layout`], moved from
/// it (and from a [`Data`] that is rebuilt with fewer columns), not copied — at 10M rows the
/// order, events and time groups are up to 400 MB.
pub(super) struct Rows {
    row: Vec<usize>,
    event: Vec<bool>,
    groups: Vec<Group>,
    efron: bool,
    wt: Option<Vec<f64>>,
    entry: Option<Entry>,
}

impl Layout {
    /// The sorted position of each input row (for [`Data::new`]) and the sorted rows.
    pub(super) fn into_rows(self) -> (Vec<u32>, Rows) {
        let entry = self.entry_first.map(|f| Entry::new(f, self.groups.len()));
        (self.rank_of, Rows { row: self.order, event: self.event, groups: self.groups, efron: self.efron, wt: self.wt, entry })
    }
}

impl Data {
    /// The columns `cols` of the input, centred on their means and scaled by n / Σ|x − mean|
    /// (as R's `coxfit6`), in the sorted order `rank_of` of `rows`; and each column's scale factor.
    /// The matrix (n × p, 8 bytes a cell; 800 MB at 10M rows and 10 terms) is the largest block
    /// the model takes: if the memory cannot hold it (a browser gives a page 4 GB at most), the
    /// model is refused with the reason ([`matrix_too_large`]), not left to stop the engine.
    pub(super) fn new(input: &CoxInput, rank_of: &[u32], rows: Rows, cols: &[usize]) -> crate::error::Result<(Data, Vec<f64>)> {
        let n = input.time.len();
        let p = cols.len();
        let ps = p + p % 2;
        debug_assert_eq!(rows.row.len(), n, "the rows were sorted for this input");
        let src: Vec<&[f64]> = cols.iter().map(|&c| &input.x[c][..]).collect();
        let zero = vec![0.0; p];
        let mean: Vec<f64> = column_sums(&src, &zero, false).iter().map(|s| s / n as f64).collect();
        let scale: Vec<f64> = column_sums(&src, &mean, true).iter().map(|&mad| if mad > 0.0 { n as f64 / mad } else { 1.0 }).collect();
        // Read the columns in input order (sequential) and write each row once to its sorted
        // place: one scattered row instead of p scattered reads per row, which with a million
        // rows (an 80 MB matrix) miss the cache and the TLB.
        let mut x = zeroed(n * ps).ok_or_else(|| matrix_too_large(n, p))?;
        write_sorted(&src, &mean, &scale, rank_of, ps, &mut x);
        let Rows { row, event, groups, efron, wt, entry } = rows;
        Ok((Data { n, p, ps, row, event, x, groups, efron, wt, entry }, scale))
    }

    /// The sorted rows, the matrix freed (to build the data again with other columns).
    pub(super) fn into_rows(self) -> Rows {
        let Data { row, event, groups, efron, wt, entry, .. } = self;
        Rows { row, event, groups, efron, wt, entry }
    }
}

/// `len` zeros, or `None` when the allocator cannot give the memory (what `vec![0.0; len]` does,
/// fresh zeroed memory and all, but without stopping the program on failure).
fn zeroed(len: usize) -> Option<Vec<f64>> {
    if len == 0 {
        return Some(Vec::new());
    }
    let layout = std::alloc::Layout::array::<f64>(len).ok()?;
    // SAFETY: `layout` has a non-zero size; all-zero bits are 0.0; the block comes from the global
    // allocator with the layout of `len` f64 values, as `Vec::from_raw_parts` requires.
    unsafe {
        let p = std::alloc::alloc_zeroed(layout).cast::<f64>();
        (!p.is_null()).then(|| Vec::from_raw_parts(p, len, len))
    }
}

/// Why a Cox model was not fitted when its matrix does not fit in memory.
#[cold]
#[inline(never)]
fn matrix_too_large(n: usize, p: usize) -> crate::error::Error {
    let mb = (n as f64 * (p + p % 2) as f64 * 8.0 / 1e6).ceil();
    // In the page the limit is the browser's (4 GB of wasm memory), which the command line does
    // not have; natively it is the machine's memory.
    let what = if cfg!(target_arch = "wasm32") {
        "the memory left to the analysis engine (a browser gives a page 4 GB at most). Use fewer terms or rows, or run the same analysis with the command line (cohort analyze DATA --spec SPEC), which has no such limit"
    } else {
        "this machine's free memory. Use fewer terms or rows, or a machine with more memory"
    };
    crate::error::Error::data(format!("its working matrix ({n} rows × {p} terms, {mb} MB) does not fit in {what}"))
}

#[cfg(test)]
mod kernel_tests {
    //! The kernels of [`lanes`] (scalar, or f64x2 on wasm with `simd128`) against their
    //! definitions, sum by sum in the same order: the bits must be equal.
    use super::*;
    use crate::rng::SplitMix64;

    fn values(n: usize, seed: u64) -> Vec<f64> {
        let mut rng = SplitMix64(seed);
        (0..n).map(|i| if i % 7 == 3 { 0.0 } else { (rng.uniform() - 0.5) * 10f64.powi((i % 5) as i32 - 2) }).collect()
    }

    #[test]
    fn crossprod_chunk_is_each_weighted_sum_in_row_order() {
        for (ps, m, nw) in [(2usize, 1usize, 1usize), (4, 5, 2), (10, 64, 3), (12, 37, 1), (16, 64, 3)] {
            let xc = values(m * ps, ps as u64);
            let ws: Vec<Vec<f64>> = (0..nw).map(|k| values(m, 100 + k as u64)).collect();
            let wrefs: Vec<&[f64]> = ws.iter().map(|w| &w[..]).collect();
            let mut chunk = vec![[0.0; 2]; (1 + nw) * m * ps / 2];
            let mut acc = vec![0.0; nw * ps * ps];
            crossprod_chunk(&xc, &wrefs, ps, &mut chunk, &mut acc);
            for (k, w) in ws.iter().enumerate() {
                for j in 0..ps {
                    for l in 0..ps {
                        if l / 2 > j / 2 {
                            continue;
                        }
                        let mut s = 0.0;
                        for i in 0..m {
                            s += (w[i] * xc[i * ps + j]) * xc[i * ps + l];
                        }
                        let got = acc[k * ps * ps + j * ps + l];
                        assert_eq!(got.to_bits(), (0.0 + s).to_bits(), "ps {ps} m {m} weight {k} ({j}, {l})");
                    }
                }
            }
        }
    }

    #[test]
    fn zeroed_is_zeros_or_none_when_the_memory_cannot_be_had() {
        assert_eq!(zeroed(5), Some(vec![0.0; 5]));
        assert_eq!(zeroed(0), Some(Vec::new()));
        // More than an address space holds: refused, not a crash.
        assert_eq!(zeroed(usize::MAX / 4), None);
        let e = matrix_too_large(10_000_000, 11);
        assert!(e.to_string().contains("10000000 rows × 11 terms, 960 MB) does not fit in this machine's free memory"), "{e}");
    }

    #[test]
    fn pair_kernels_are_their_definitions() {
        let x = values(12, 7);
        let b = values(12, 8);
        let mut s = values(12, 9);
        let mut expect = s.clone();
        let r = 0.731;
        for (e, &xj) in expect.iter_mut().zip(&x) {
            *e += r * xj;
        }
        lanes::add_scaled(&mut s, r, &x);
        assert_eq!(s.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), expect.iter().map(|v| v.to_bits()).collect::<Vec<_>>());
        let (mut e0, mut e1) = (0.0, 0.0);
        for j in (0..12).step_by(2) {
            e0 += x[j] * b[j];
            e1 += x[j + 1] * b[j + 1];
        }
        assert_eq!(lanes::dot2(&x, &b).to_bits(), (e0 + e1).to_bits());
        let pair = [x[0], x[1]];
        assert_eq!(lanes::scale(r, &pair).map(f64::to_bits), [r * x[0], r * x[1]].map(f64::to_bits));
    }
}
