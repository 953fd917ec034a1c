//! Hand-worked and property tests of the Cox fit (the R cases are in `tests/cox_reference.rs`,
//! `tests/zph_reference.rs` and `tests/designs_reference.rs`).

mod by_hand {
    use super::super::*;
    use crate::spec::Ties;
    use crate::stats::common::{radix_sort, time_key};

    fn fit(time: &[f64], status: &[u8], x: &[Vec<f64>], names: &[&str], ties: Ties) -> Result<CoxReport> {
        let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        coxph(&CoxInput { time, status, x: &crate::stats::cols(x), names: &names, strata: None, cluster: None, ties })
    }

    fn rel(a: f64, b: f64) -> f64 {
        (a - b).abs() / a.abs().max(b.abs()).max(1e-300)
    }

    /// Two groups, no ties (so Efron = Breslow, and the score test is the log-rank test):
    /// t=1 g=1 event, t=2 g=0 event, t=3 g=1 event, t=4 g=0 censored.
    /// At β = 0: t=1: 4 at risk, 2 with g=1: O−E = 1 − 1/2, V = 1/4;
    /// t=2: 3 at risk, 1 with g=1: O−E = 0 − 1/3, V = 2/9; t=3: 2 at risk, 1 with g=1:
    /// O−E = 1/2, V = 1/4. U = 2/3, I = 13/18, score = U²/I = 8/13;
    /// null log-likelihood = −(ln 4 + ln 3 + ln 2) = −ln 24.
    #[test]
    fn two_groups_by_hand() {
        let t = [1.0, 2.0, 3.0, 4.0];
        let s = [1, 1, 1, 0];
        let g = vec![vec![1.0, 0.0, 1.0, 0.0]];
        for ties in [Ties::Efron, Ties::Breslow] {
            let f = fit(&t, &s, &g, &["g"], ties).unwrap();
            assert!(rel(f.score_test.chisq, 8.0 / 13.0) < 1e-12, "{}", f.score_test.chisq);
            assert!(rel(f.loglik[0], -(24f64.ln())) < 1e-12);
            assert_eq!(f.score_test.df, 1.0);
            assert!(f.converged && f.warnings.is_empty());
            assert!(f.loglik[1] > f.loglik[0]);
        }
    }

    /// One event whose covariate is its risk set's mean: the score at β = 0 is 0, the fitted
    /// coefficient 0 but for rounding (R's is −8e-16 here, exactly 0 in other such data), and
    /// the predictor rounding noise. Every pair is tied (concordance 0.5, standard error 0),
    /// not concordant or discordant by the noise's order (R: 2 and 2, standard error 0.25).
    #[test]
    fn a_null_coefficient_ties_every_pair() {
        let t = [1.0, 2.0, 3.0, 4.0, 5.0];
        let s = [1, 0, 0, 0, 0];
        let x = vec![vec![0.3, 0.1, 0.5, 0.2, 0.4]];
        let f = fit(&t, &s, &x, &["x"], Ties::Efron).unwrap();
        assert!(f.terms[0].coef.abs() < 1e-12, "{}", f.terms[0].coef);
        assert_eq!((f.concordance.c, f.concordance.se), (0.5, 0.0));
    }

    /// With tied event times Efron differs from Breslow; R values from
    /// `tests/r/cox_unit.R` (d3): coxph(Surv(time, status) ~ g, data = d3).
    #[test]
    fn efron_ties_match_r() {
        let t = [1.0, 1.0, 2.0, 3.0, 3.0, 3.0, 4.0, 5.0, 5.0, 6.0];
        let s = [1, 1, 1, 0, 1, 1, 1, 0, 1, 0];
        let g = vec![vec![0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0]];
        let f = fit(&t, &s, &g, &["g"], Ties::Efron).unwrap();
        assert!(rel(f.terms[0].coef, 0.301482148414588) < 1e-8, "{}", f.terms[0].coef);
        assert!(rel(f.loglik[0], -12.8018274800815) < 1e-12);
        assert!(rel(f.loglik[1], -12.7249374909869) < 1e-12);
        assert!(rel(f.score_test.chisq, 0.153227811386426) < 1e-10);
        // concordant 11 (R's "discordant" before reverse), discordant 10, tied.x 17:
        // C = (11 + 17/2) / 38 = 0.486842105263158 (R: 0.486842105263158, std 0.123052582191116).
        assert!(rel(f.concordance.c, 0.486842105263158) < 1e-12);
        assert!(rel(f.concordance.se, 0.123052582191116) < 1e-10);
        let ph = f.ph_test.unwrap();
        assert!(rel(ph.terms[0].chisq, 1.80685727776574) < 1e-8);
        // coxph(..., ties = "breslow")$score = 0.160264900662252.
        let b = fit(&t, &s, &g, &["g"], Ties::Breslow).unwrap();
        assert!(rel(b.score_test.chisq, 0.160264900662252) < 1e-10);
    }

    /// R (tests/r/cox_unit.R, d2): z = x + g is collinear; R gives NA for z and the fit of x + g.
    /// z stays in `terms` in its place, with nulls (R's NA), and a warning names it.
    #[test]
    fn collinear_term_is_dropped_with_a_warning() {
        let t = [5.0, 3.0, 8.0, 2.0, 9.0, 4.0, 7.0, 6.0, 1.0, 10.0];
        let s = [1, 0, 1, 1, 0, 1, 1, 0, 1, 1];
        let x = [1.2, 0.5, 3.1, 2.2, 0.7, 1.9, 2.8, 0.3, 1.1, 2.5];
        let g = [0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0];
        let z: Vec<f64> = x.iter().zip(&g).map(|(a, b)| a + b).collect();
        let f = fit(&t, &s, &[x.to_vec(), g.to_vec(), z], &["x", "g", "z"], Ties::Efron).unwrap();
        assert_eq!(f.terms.len(), 3);
        assert!(f.terms[2].name == "z" && f.terms[2].coef.is_nan() && f.terms[2].se.is_nan());
        assert_eq!(f.lr_test.df, 2.0);
        assert_eq!(f.vcov.len(), 9);
        assert_eq!(f.dropped, vec!["z".to_string()]);
        assert!(f.warnings.iter().any(|w| w.contains("'z'") && w.contains("collinear")), "{:?}", f.warnings);
        assert!(rel(f.terms[0].coef, 0.267175780699375) < 1e-8);
        assert!(rel(f.terms[1].coef, 0.583440858406398) < 1e-8);
        assert!(rel(f.loglik[1], -10.4046259111360) < 1e-12);
        let json = serde_json::to_string(&f).unwrap();
        assert!(!json.contains("NaN") && json.contains(r#"{"name":"z","coef":null"#), "{json}");
    }

    #[test]
    fn constant_column_is_dropped_and_no_events_is_an_error() {
        let t = [1.0, 2.0, 3.0, 4.0];
        let f = fit(&t, &[1, 0, 1, 1], &[vec![1.0, 0.0, 1.0, 0.0], vec![2.0; 4]], &["g", "k"], Ties::Efron).unwrap();
        assert_eq!(f.terms.len(), 2);
        assert!(f.terms[0].coef.is_finite() && f.terms[1].coef.is_nan());
        assert!(f.warnings.iter().any(|w| w.contains("'k'") && w.contains("same value")));
        let e = fit(&t, &[0, 0, 2, 0], &[vec![1.0, 0.0, 1.0, 0.0]], &["g"], Ties::Efron).unwrap_err();
        assert!(e.message.contains("no events"), "{e}");
        // The user's data cause it: a Data error saying what to do, never "a bug".
        assert_eq!(e.kind, crate::error::ErrorKind::Data);
        assert!(e.message.contains("check which values of the outcome column mean an event"), "{e}");
        assert!(!e.to_string().contains("bug"), "{e}");
        // Every covariate constant: nothing to estimate (Data), whatever the ties.
        let e = fit(&t, &[1, 0, 1, 1], &[vec![2.0; 4]], &["k"], Ties::Breslow).unwrap_err();
        assert_eq!(e.kind, crate::error::ErrorKind::Data);
        assert!(e.message.contains("choose covariates whose values differ"), "{e}");
    }

    /// A broken invariant of the callers (columns of different lengths) is an Internal error,
    /// which says it is a bug to report (debug builds stop at the `debug_assert!` first).
    #[test]
    #[cfg(not(debug_assertions))]
    fn mismatched_columns_are_an_internal_error() {
        let names = vec!["a".to_string()];
        let x = vec![vec![0.0, 1.0]];
        let e = coxph(&CoxInput { time: &[1.0, 2.0, 3.0], status: &[1, 1, 0], x: &crate::stats::cols(&x), names: &names, strata: None, cluster: None, ties: Ties::Efron }).unwrap_err();
        assert_eq!(e.kind, crate::error::ErrorKind::Internal);
        assert!(e.to_string().contains("a bug in cohort"), "{e}");
    }

    /// Monotone likelihood (group g = 1 has no events): R (tests/r/cox_unit.R, d1) runs to
    /// 20 iterations with coef(g) ≈ −21.8 and warns. We name the term.
    #[test]
    fn monotone_likelihood_warns_naming_the_term() {
        let t = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0];
        let s = [1, 1, 0, 1, 0, 0, 0, 0];
        let g = vec![0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0];
        let x = vec![3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0];
        let f = fit(&t, &s, &[g, x], &["g", "x"], Ties::Efron).unwrap();
        assert!(f.terms[0].coef < -15.0, "{}", f.terms[0].coef);
        // R: loglik -5.63478960316925 -2.47628918398966, coef(x) -0.0695731390324804.
        assert!(rel(f.loglik[1], -2.47628918398966) < 1e-8);
        assert!(rel(f.terms[1].coef, -0.0695731390324804) < 1e-6);
        assert!(f.warnings.iter().any(|w| w.contains("'g'") && w.contains("infinite")), "{:?}", f.warnings);
        assert!(!f.warnings.iter().any(|w| w.contains("'x'")));
        let json = serde_json::to_string(&f).unwrap();
        assert!(!json.contains("NaN"));
    }

    /// Deterministic pseudo-random data with ties, two covariates and strata.
    fn sample(n: usize, seed: u64) -> (Vec<f64>, Vec<u8>, Vec<Vec<f64>>, Vec<u32>) {
        let mut state = seed;
        let mut next = move || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut t = Vec::new();
        let mut s = Vec::new();
        let mut x1 = Vec::new();
        let mut x2 = Vec::new();
        let mut st = Vec::new();
        for _ in 0..n {
            let a = next() * 2.0 - 1.0;
            let b = if next() < 0.4 { 1.0 } else { 0.0 };
            let rate = (0.7 * a - 0.5 * b).exp();
            t.push((-next().ln() / rate * 10.0).ceil());
            s.push(if next() < 0.7 { 1 } else { 0 });
            x1.push(a * 50.0 + 60.0);
            x2.push(b);
            st.push(if next() < 0.5 { 0 } else { 1 });
        }
        (t, s, vec![x1, x2], st)
    }

    #[test]
    fn rescaling_a_covariate_divides_its_coefficient() {
        let (t, s, x, st) = sample(150, 7);
        let names = vec!["a".to_string(), "b".to_string()];
        for ties in [Ties::Efron, Ties::Breslow] {
            let base = coxph(&CoxInput { time: &t, status: &s, x: &crate::stats::cols(&x), names: &names, strata: Some(&st), cluster: None, ties }).unwrap();
            for c in [0.001, 3.0, 1000.0] {
                let xs = vec![x[0].iter().map(|v| v * c).collect(), x[1].clone()];
                let f = coxph(&CoxInput { time: &t, status: &s, x: &crate::stats::cols(&xs), names: &names, strata: Some(&st), cluster: None, ties }).unwrap();
                assert!(rel(f.terms[0].coef * c, base.terms[0].coef) < 1e-8, "c = {c}");
                assert!(rel(f.terms[0].se * c, base.terms[0].se) < 1e-8);
                assert!(rel(f.terms[1].coef, base.terms[1].coef) < 1e-8);
                assert!(rel(f.loglik[1], base.loglik[1]) < 1e-12);
                assert!(rel(f.score_test.chisq, base.score_test.chisq) < 1e-9);
                assert!(rel(f.concordance.c, base.concordance.c) < 1e-12);
            }
        }
    }

    /// The sorted matrix written by two cores (each half of the sorted rows) gives the fit of one
    /// core, to the last bit (stratified, with a cluster: the robust variance and cox.zph too).
    #[test]
    fn the_matrix_written_on_two_cores_fits_as_on_one() {
        let (t, s, x, st) = sample(3001, 13);
        let cl: Vec<u32> = (0..t.len() as u32).map(|i| i / 4).collect();
        let names = vec!["a".to_string(), "b".to_string()];
        let run = |split: usize| {
            super::super::fit::SPLIT_ROWS.with(|c| c.set(Some(split)));
            let f = coxph(&CoxInput { time: &t, status: &s, x: &crate::stats::cols(&x), names: &names, strata: Some(&st), cluster: Some(&cl), ties: Ties::Efron });
            super::super::fit::SPLIT_ROWS.with(|c| c.set(None));
            format!("{:?}", f.unwrap())
        };
        assert_eq!(run(usize::MAX), run(0));
    }

    #[test]
    fn row_order_does_not_matter() {
        let (t, s, x, st) = sample(120, 11);
        let cl: Vec<u32> = (0..t.len() as u32).map(|i| i / 3).collect();
        let names = vec!["a".to_string(), "b".to_string()];
        let base = coxph(&CoxInput { time: &t, status: &s, x: &crate::stats::cols(&x), names: &names, strata: Some(&st), cluster: Some(&cl), ties: Ties::Efron }).unwrap();
        // Reverse the rows, then interleave.
        let perm: Vec<usize> = (0..t.len()).rev().step_by(2).chain((0..t.len()).rev().skip(1).step_by(2)).collect();
        let pt: Vec<f64> = perm.iter().map(|&i| t[i]).collect();
        let ps: Vec<u8> = perm.iter().map(|&i| s[i]).collect();
        let px: Vec<Vec<f64>> = x.iter().map(|c| perm.iter().map(|&i| c[i]).collect()).collect();
        let pst: Vec<u32> = perm.iter().map(|&i| st[i]).collect();
        let pcl: Vec<u32> = perm.iter().map(|&i| cl[i]).collect();
        let f = coxph(&CoxInput { time: &pt, status: &ps, x: &crate::stats::cols(&px), names: &names, strata: Some(&pst), cluster: Some(&pcl), ties: Ties::Efron }).unwrap();
        for (a, b) in f.terms.iter().zip(&base.terms) {
            assert!(rel(a.coef, b.coef) < 1e-9 && rel(a.se, b.se) < 1e-9);
            assert!(rel(a.robust_se.unwrap(), b.robust_se.unwrap()) < 1e-9);
        }
        assert!(rel(f.loglik[1], base.loglik[1]) < 1e-12);
        assert!(rel(f.concordance.se, base.concordance.se) < 1e-9);
        let (pa, pb) = (f.ph_test.unwrap(), base.ph_test.unwrap());
        assert!(rel(pa.global.chisq, pb.global.chisq) < 1e-9);
    }
    /// The radix sort orders by the numeric value of the keys (negative, −0 = +0, large and
    /// tiny magnitudes) and keeps equal keys in their input order, as a stable comparison sort.
    #[test]
    fn radix_sort_is_a_stable_numeric_sort() {
        let (t, _, x, _) = sample(500, 5);
        let mut v: Vec<f64> = t.iter().chain(&x[0]).map(|a| a - 40.0).collect();
        v.extend([0.0, -0.0, 1e300, -1e300, 1e-300, -1e-300, 0.0, 5.0, 5.0, -0.0]);
        let mut sorted: Vec<(u64, u64)> = v.iter().enumerate().map(|(i, &a)| (time_key(a), i as u64)).collect();
        radix_sort(&mut sorted, false);
        let mut expect: Vec<usize> = (0..v.len()).collect();
        expect.sort_by(|&a, &b| v[a].partial_cmp(&v[b]).unwrap());
        let got: Vec<usize> = sorted.iter().map(|&(_, i)| i as usize).collect();
        assert_eq!(got, expect);
    }

    /// Concordance counts and the jackknife SE against a direct O(n²) count over all pairs,
    /// on data with tied times, tied predictors, strata and clusters.
    #[test]
    fn concordance_matches_brute_force() {
        let (t, s, x, st) = sample(300, 3);
        // Coarse covariates so that the linear predictor has many ties.
        let xc: Vec<Vec<f64>> = vec![x[0].iter().map(|v| (v / 40.0).round()).collect(), x[1].clone()];
        let cl: Vec<u32> = (0..t.len() as u32).map(|i| (i * 7) % 50).collect();
        let names = vec!["a".to_string(), "b".to_string()];
        // Second case: distinct predictors in 40 small strata (the rank counts are then emptied
        // row by row between strata rather than cleared).
        let st40: Vec<u32> = (0..t.len() as u32).map(|i| i % 40).collect();
        for (xc, st, cluster, coarse) in [(&xc, &st, None, true), (&xc, &st, Some(&cl[..]), true), (&x, &st40, None, false), (&x, &st40, Some(&cl[..]), false)] {
            let f = coxph(&CoxInput { time: &t, status: &s, x: &crate::stats::cols(xc), names: &names, strata: Some(st), cluster, ties: Ties::Efron }).unwrap();
            let lp: Vec<f64> = (0..t.len()).map(|i| xc[0][i] * f.terms[0].coef + xc[1][i] * f.terms[1].coef).collect();
            let n = t.len();
            let mut cnt = vec![[0f64; 3]; n];
            let mut tot = [0f64; 3];
            for i in 0..n {
                for j in 0..n {
                    let comparable = st[i] == st[j] && s[i] == 1 && (t[i] < t[j] || (t[i] == t[j] && s[j] != 1));
                    if !comparable {
                        continue;
                    }
                    let k = if lp[i] > lp[j] { 0 } else if lp[i] < lp[j] { 1 } else { 2 };
                    cnt[i][k] += 1.0;
                    cnt[j][k] += 1.0;
                    tot[k] += 1.0;
                }
            }
            let np = tot[0] + tot[1] + tot[2];
            let somers = (tot[0] - tot[1]) / np;
            let dfb: Vec<f64> = cnt.iter().map(|c| ((c[0] - c[1]) - somers * (c[0] + c[1] + c[2])) / np).collect();
            let var = match cluster {
                None => dfb.iter().map(|d| d * d).sum::<f64>(),
                Some(cl) => {
                    let mut sums = vec![0.0; 50];
                    for i in 0..n {
                        sums[cl[i] as usize] += dfb[i];
                    }
                    sums.iter().map(|d| d * d).sum()
                }
            } / 4.0;
            if coarse {
                assert!(tot[2] > 100.0, "the test needs tied predictors");
            }
            // `concordance` sweeps by time when there are more time groups than distinct
            // predictors (the coarse case), else (few groups) by predictor: both are tested.
            let mut groups: Vec<(u32, u64)> = (0..n).map(|i| (st[i], t[i].to_bits())).collect();
            groups.sort_unstable();
            groups.dedup();
            let mut distinct: Vec<u64> = lp.iter().map(|v| v.to_bits()).collect();
            distinct.sort_unstable();
            distinct.dedup();
            assert_eq!(groups.len() > distinct.len(), coarse, "{} groups, {} predictors", groups.len(), distinct.len());
            assert!(rel(f.concordance.c, (somers + 1.0) / 2.0) < 1e-12, "{} vs {}", f.concordance.c, (somers + 1.0) / 2.0);
            assert!(rel(f.concordance.se, var.sqrt()) < 1e-10, "{} vs {}", f.concordance.se, var.sqrt());
        }
    }
}

/// Counting-process data and case weights (`coxph_extra`), by properties that pin them down
/// exactly (the R cases are in `tests/designs_reference.rs`).
mod designs {
    use super::super::*;
    use crate::spec::Ties;

    fn rel(a: f64, b: f64) -> f64 {
        (a - b).abs() / a.abs().max(b.abs()).max(1e-300)
    }

    /// Tied whole-number times, two covariates, two strata.
    fn data(n: usize) -> (Vec<f64>, Vec<u8>, Vec<Vec<f64>>, Vec<u32>) {
        let mut state = 42u64;
        let mut next = move || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let (mut t, mut s, mut a, mut b, mut st) = (vec![], vec![], vec![], vec![], vec![]);
        for _ in 0..n {
            let x = next() * 2.0 - 1.0;
            let g = if next() < 0.4 { 1.0 } else { 0.0 };
            t.push((-next().ln() / (0.7 * x - 0.5 * g).exp() * 8.0).ceil() + 1.0);
            s.push(u8::from(next() < 0.7));
            a.push(x);
            b.push(g);
            st.push(u32::from(next() < 0.5));
        }
        (t, s, vec![a, b], st)
    }

    /// Splitting a row (0, t] into (0, c] censored and (c, t] with its outcome changes no risk
    /// set, so the counting-process fit equals the plain one: coefficients, variance,
    /// likelihoods, tests, concordance and the PH test.
    #[test]
    fn split_rows_fit_as_the_unsplit_ones() {
        let (t, s, x, st) = data(200);
        let names = vec!["a".to_string(), "b".to_string()];
        for ties in [Ties::Efron, Ties::Breslow] {
            let plain = coxph(&CoxInput { time: &t, status: &s, x: &crate::stats::cols(&x), names: &names, strata: Some(&st), cluster: None, ties }).unwrap();
            let (mut t2, mut s2, mut e2, mut x2, mut st2) = (vec![], vec![], vec![], vec![vec![], vec![]], vec![]);
            for i in 0..t.len() {
                let cut = (t[i] / 2.0).floor();
                let pieces: Vec<(f64, f64, u8)> = if cut > 0.0 && i % 3 != 0 { vec![(0.0, cut, 0), (cut, t[i], s[i])] } else { vec![(0.0, t[i], s[i])] };
                for (e, tt, ss) in pieces {
                    e2.push(e);
                    t2.push(tt);
                    s2.push(ss);
                    x2[0].push(x[0][i]);
                    x2[1].push(x[1][i]);
                    st2.push(st[i]);
                }
            }
            assert!(t2.len() > t.len() + 50);
            let input = CoxInput { time: &t2, status: &s2, x: &crate::stats::cols(&x2), names: &names, strata: Some(&st2), cluster: None, ties };
            let split = coxph_extra(&input, CoxExtra { entry: Some(&e2), weights: None }, Residuals::Never).unwrap();
            for (a, b) in split.terms.iter().zip(&plain.terms) {
                assert!(rel(a.coef, b.coef) < 1e-9 && rel(a.se, b.se) < 1e-9, "{ties:?} {a:?} {b:?}");
            }
            assert!(rel(split.loglik[0], plain.loglik[0]) < 1e-12 && rel(split.loglik[1], plain.loglik[1]) < 1e-12);
            assert!(rel(split.score_test.chisq, plain.score_test.chisq) < 1e-9);
            assert!(rel(split.concordance.c, plain.concordance.c) < 1e-12, "{:?} {:?}", split.concordance, plain.concordance);
            let (pa, pb) = (split.ph_test.unwrap(), plain.ph_test.unwrap());
            assert!(rel(pa.global.chisq, pb.global.chisq) < 1e-8);
            assert_eq!(split.n, t2.len());
        }
    }

    /// With Breslow ties, whole-number case weights give the coefficients and log-likelihood of
    /// the rows repeated that many times (Efron's sub-risk-sets count rows, so it differs), and
    /// the robust variance: each row's dfbeta times its weight, its square summed.
    #[test]
    fn whole_weights_with_breslow_are_repeated_rows() {
        let (t, s, x, _) = data(120);
        let names = vec!["a".to_string(), "b".to_string()];
        let w: Vec<f64> = (0..t.len()).map(|i| (i % 3 + 1) as f64).collect();
        let weighted = coxph_extra(
            &CoxInput { time: &t, status: &s, x: &crate::stats::cols(&x), names: &names, strata: None, cluster: None, ties: Ties::Breslow },
            CoxExtra { entry: None, weights: Some(&w) },
            Residuals::Never,
        )
        .unwrap();
        let (mut t2, mut s2, mut x2) = (vec![], vec![], vec![vec![], vec![]]);
        for i in 0..t.len() {
            for _ in 0..w[i] as usize {
                t2.push(t[i]);
                s2.push(s[i]);
                x2[0].push(x[0][i]);
                x2[1].push(x[1][i]);
            }
        }
        let repeated = coxph(&CoxInput { time: &t2, status: &s2, x: &crate::stats::cols(&x2), names: &names, strata: None, cluster: None, ties: Ties::Breslow }).unwrap();
        for (a, b) in weighted.terms.iter().zip(&repeated.terms) {
            assert!(rel(a.coef, b.coef) < 1e-9 && rel(a.se, b.se) < 1e-9, "{a:?} {b:?}");
            assert!(a.robust_se.is_some());
        }
        assert!(rel(weighted.loglik[1], repeated.loglik[1]) < 1e-12);
        assert!(rel(weighted.concordance.c, repeated.concordance.c) < 1e-12);
    }

    #[test]
    fn bad_entry_and_weights_are_errors_not_panics() {
        let names = vec!["a".to_string()];
        let x = vec![vec![0.0, 1.0, 0.0]];
        let input = CoxInput { time: &[1.0, 2.0, 3.0], status: &[1, 1, 0], x: &crate::stats::cols(&x), names: &names, strata: None, cluster: None, ties: Ties::Efron };
        let e = coxph_extra(&input, CoxExtra { entry: Some(&[0.0, 2.0, 0.0]), weights: None }, Residuals::Never).unwrap_err();
        assert_eq!(e.kind, crate::error::ErrorKind::Data);
        assert!(e.message.contains("row 2") && e.message.contains("entry"), "{e}");
        let e = coxph_extra(&input, CoxExtra { entry: None, weights: Some(&[1.0, -1.0, 1.0]) }, Residuals::Never).unwrap_err();
        assert_eq!(e.kind, crate::error::ErrorKind::Data);
        assert!(e.message.contains("row 2") && e.message.contains("weight"), "{e}");
    }
}

