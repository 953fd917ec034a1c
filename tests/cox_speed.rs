//! Speed of the Cox fit on a large cohort: 1,000,000 rows × 10 covariates (Efron ties, with the
//! concordance and the cox.zph test). Prints the time; run natively in release:
//!
//!     cargo test --release --test cox_speed -- --ignored --nocapture
//!
//! `COX_SPEED_N` overrides the number of rows. Then the same rows with sampling weights (robust
//! variance, the weighted concordance) and with a cluster (robust variance only). Each fit
//! prints the time of its steps (`coxph_timed`).

use std::time::Instant;

use cohort::spec::Ties;
use cohort::stats::cox::{coxph_timed, CoxExtra, CoxInput, Residuals};

#[test]
#[ignore]
fn cox_fit_of_a_million_rows_by_ten_covariates() {
    let n: usize = std::env::var("COX_SPEED_N").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let p = 10;
    let mut state = 42u64;
    let mut unif = move || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((state >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    let truth: Vec<f64> = (0..p).map(|j| 0.1 * (j as f64 - 4.5)).collect();
    let mut x: Vec<Vec<f64>> = (0..p).map(|_| Vec::with_capacity(n)).collect();
    let mut time = Vec::with_capacity(n);
    let mut status = Vec::with_capacity(n);
    for _ in 0..n {
        let mut eta = 0.0;
        for j in 0..p {
            // Half binary, half continuous covariates.
            let v = if j % 2 == 0 { (unif() < 0.3) as u8 as f64 } else { unif() * 2.0 - 1.0 };
            eta += truth[j] * v;
            x[j].push(v);
        }
        let t = -unif().ln() / eta.exp();
        let c = -unif().ln() * 2.0;
        // Times rounded to a day-like grid, so that there are many ties.
        time.push((t.min(c) * 365.0).ceil());
        status.push((t <= c) as u8);
    }
    let names: Vec<String> = (0..p).map(|j| format!("x{j}")).collect();
    let origin = Instant::now();
    let now = || origin.elapsed().as_secs_f64() * 1e3;
    let input = CoxInput { time: &time, status: &status, x: &cohort::stats::cols(&x), names: &names, strata: None, cluster: None, ties: Ties::Efron };
    let start = Instant::now();
    let (fit, steps) = coxph_timed(&input, CoxExtra::default(), Residuals::Auto, &now).expect("fit");
    let secs = start.elapsed().as_secs_f64();
    println!(
        "coxph: {n} rows x {p} covariates, {} events, {} iterations: {secs:.3} s (C = {:.4}, global PH chisq = {:.2})",
        fit.events,
        fit.iterations,
        fit.concordance.c,
        fit.ph_test.as_ref().map(|t| t.global.chisq).unwrap_or(f64::NAN)
    );
    print_steps(&steps);
    assert!(fit.converged);
    for (t, b) in fit.terms.iter().zip(&truth) {
        assert!((t.coef - b).abs() < 6.0 * t.se + 1e-3, "{}: {} vs {}", t.name, t.coef, b);
    }

    let weights: Vec<f64> = (0..n).map(|_| 0.5 + 1.5 * unif()).collect();
    let start = Instant::now();
    let (wfit, steps) = coxph_timed(&input, CoxExtra { entry: None, weights: Some(&weights) }, Residuals::Auto, &now).expect("weighted fit");
    let wsecs = start.elapsed().as_secs_f64();
    println!("weighted (robust variance, weighted concordance): {wsecs:.3} s = {:.2} x unweighted", wsecs / secs);
    print_steps(&steps);
    assert!(wfit.converged && wfit.terms.iter().all(|t| t.robust_se.is_some_and(|s| s.is_finite())));

    let cluster: Vec<u32> = (0..n as u32).map(|i| i / 4).collect();
    let start = Instant::now();
    let (cfit, steps) = coxph_timed(&CoxInput { cluster: Some(&cluster), ..input }, CoxExtra::default(), Residuals::Auto, &now).expect("clustered fit");
    let csecs = start.elapsed().as_secs_f64();
    println!("clustered (robust variance): {csecs:.3} s = {:.2} x unclustered", csecs / secs);
    print_steps(&steps);
    assert!(cfit.terms.iter().all(|t| t.robust_se.is_some_and(|s| s.is_finite())));
}

fn print_steps(steps: &[(&str, f64)]) {
    let line: Vec<String> = steps.iter().map(|(name, ms)| format!("{name} {ms:.0} ms")).collect();
    println!("  steps: {}", line.join(", "));
}
