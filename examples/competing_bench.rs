//! Speed of the competing-risks estimators on synthetic cohorts (prints figures; not a test).
//!
//!     cargo run --release --example competing_bench
//!
//! Times are whole days (many ties), three covariates (normal, binary, uniform), four groups.

use std::time::Instant;

use cohort::stats::cuminc::cuminc;
use cohort::stats::finegray::crr;

fn main() {
    let mut seed: u64 = 0x2545f4914f6cdd1d;
    let mut unif = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed >> 11) as f64 / (1u64 << 53) as f64
    };
    for n in [25_000usize, 50_000, 100_000, 200_000] {
        let mut time = Vec::with_capacity(n);
        let mut status = Vec::with_capacity(n);
        let mut group = Vec::with_capacity(n);
        let mut x = vec![Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n)];
        for _ in 0..n {
            let z = (-2.0 * unif().max(1e-300).ln()).sqrt() * (std::f64::consts::TAU * unif()).cos();
            let b = if unif() < 0.4 { 1.0 } else { 0.0 };
            let u = unif();
            let lp = 0.3 * z + 0.5 * b - 0.2 * u;
            let t1 = -unif().max(1e-300).ln() / (0.002 * f64::exp(lp));
            let t2 = -unif().max(1e-300).ln() / 0.001;
            let c = unif() * 1500.0;
            let t = t1.min(t2).min(c);
            time.push(t.ceil());
            status.push(if t == c { 0 } else if t == t1 { 1 } else { 2 });
            group.push((unif() * 4.0) as u32);
            x[0].push(z);
            x[1].push(b);
            x[2].push(u);
        }
        let names: Vec<String> = ["z", "b", "u"].iter().map(|s| s.to_string()).collect();
        let levels: Vec<String> = ["a", "b", "c", "d"].iter().map(|s| s.to_string()).collect();
        let t0 = Instant::now();
        let fit = crr(&time, &status, &cohort::stats::cols(&x), &names);
        let t_crr = t0.elapsed();
        let t0 = Instant::now();
        let (curves, gray) = cuminc(&time, &status, &group, &levels, &[365.0, 730.0]);
        let t_ci = t0.elapsed();
        match fit {
            Ok(f) => println!(
                "n = {n:>7}: crr {:>8.1} ms ({} iterations, coef {:.3} {:.3} {:.3}); cuminc + Gray {:>6.1} ms ({} curves, Gray stat {:.2})",
                t_crr.as_secs_f64() * 1e3,
                f.iterations,
                f.terms[0].coef,
                f.terms[1].coef,
                f.terms[2].coef,
                t_ci.as_secs_f64() * 1e3,
                curves.len(),
                gray.first().map_or(f64::NAN, |g| g.stat)
            ),
            Err(e) => println!("n = {n}: crr failed: {e}"),
        }
    }
}
