//! Time the Cox fit alone on a synthetic cohort (a narrower harness than `cohort bench`):
//! `cargo run --release --example cox_time -- FILE.csv [REPS]`. Prints the wall and CPU
//! milliseconds of `coxph` (10 covariates, Efron) per repetition.

use std::time::Instant;

fn cpu_ms() -> f64 {
    // utime + stime of this process from /proc (Linux), in clock ticks of 10 ms.
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or("").split_whitespace().collect();
    let tick = |k: usize| fields.get(k).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (tick(11) + tick(12)) * 10.0
}

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    let path = args.get(1).ok_or("usage: cox_time FILE.csv [REPS]")?;
    let reps: usize = args.get(2).and_then(|r| r.parse().ok()).unwrap_or(3);
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let table = cohort::read_table(&bytes, path, &Default::default()).map_err(|e| e.to_string())?;
    let spec = cohort::AnalysisSpec::from_json(
        r#"{"time":"time","event":{"column":"status","event":["1"],"censored":["0","2"]},"covariates":["x1","x2","x3","x4","x5","x6","x7","x8","x9","x10"]}"#,
    )
    .map_err(|e| e.to_string())?;
    let mut warnings = Vec::new();
    let prep = cohort::prepare::prepare(&table, &spec, &mut warnings).map_err(|e| e.to_string())?;
    let d = cohort::prepare::design(&table, &spec, &prep, &spec.covariates, &mut warnings).map_err(|e| e.to_string())?;
    for _ in 0..reps {
        let (w, c) = (Instant::now(), cpu_ms());
        let fit = cohort::stats::cox::coxph(&d.cox_input(spec.ties)).map_err(|e| e.to_string())?;
        println!(
            "coxph: {:.1} ms wall, {:.0} ms cpu ({} rows, {} iterations)",
            w.elapsed().as_secs_f64() * 1000.0,
            cpu_ms() - c,
            fit.n,
            fit.iterations
        );
    }
    let (w, c) = (Instant::now(), cpu_ms());
    cohort::analyze(&table, &spec).map_err(|e| e.to_string())?;
    println!("analyze (the bench's cox step): {:.1} ms wall, {:.0} ms cpu", w.elapsed().as_secs_f64() * 1000.0, cpu_ms() - c);
    Ok(())
}
