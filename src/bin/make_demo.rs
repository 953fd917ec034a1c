//! `make_demo`: write the synthetic demo cohort, or search for its seeds.
//!
//! ```text
//! cargo run --bin make_demo                 # write www/demo/spine-srs-sarcoma.csv from cohort::demo::SEEDS
//! cargo run --bin make_demo -- --figures    # print the figures the committed seeds give
//! cargo run --bin make_demo -- --search [--first-cohort N] [--cohorts N] [--tries N]
//! cargo run --bin make_demo -- --calibrate [--cohorts N] [--tries N]   # mean figures, hit rates
//! ```
//!
//! `--search` is how `cohort::demo::SEEDS` was chosen. For each cohort seed in
//! `first-cohort .. first-cohort + cohorts` it tries outcome seeds `0..tries` for each of the
//! three outcome streams separately (they are independent: see `src/demo.rs`), runs the analyses
//! of `www/demo/analyses.json` on the CSV exactly as the product reads it (`read_table` →
//! `prepare` → `design`), and keeps, per stream, the seed whose figures are closest to the
//! published ones while meeting every target with a margin (`check`). The cohort seed with the
//! smallest total distance wins; paste the printed `Seeds` into `src/demo.rs`, run
//! `make_demo` to rewrite the CSV, and `Rscript tests/r/demo_check.R` to confirm.
//!
//! The estimators are the product's (`cohort::stats::km`, `cohort::stats::cox`). The seeds were
//! first searched with a minimal inline Efron Cox fit, before the product's `coxph` was merged;
//! both agree with R's `coxph` on the demo. The product's own test (`tests/demo.rs`) checks the
//! committed file with `cohort::analyze_bytes`, and `tests/r/demo_check.R` checks it with R.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use cohort::demo::{simulate, to_csv, Seeds, FILE_NAME, SEEDS};
use cohort::prepare::{design, prepare};
use cohort::spec::AnalysisSpec;
use cohort::stats::cox::coxph;
use cohort::stats::km::{kaplan_meier, KmOptions};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("make_demo: {e}");
            ExitCode::from(2)
        }
    }
}

fn demo_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("www").join("demo")
}

fn run(args: &[String]) -> Result<(), String> {
    let specs = load_specs()?;
    let opt = |name: &str, default: u64| -> Result<u64, String> {
        match args.iter().position(|a| a == name) {
            Some(i) => args.get(i + 1).and_then(|v| v.parse().ok()).ok_or(format!("{name} needs a number")),
            None => Ok(default),
        }
    };
    if args.iter().any(|a| a == "--search") {
        search(&specs, opt("--first-cohort", 0)?, opt("--cohorts", 16)?, opt("--tries", 3000)?)
    } else if args.iter().any(|a| a == "--calibrate") {
        calibrate(&specs, opt("--cohorts", 5)?, opt("--tries", 200)?)
    } else if args.iter().any(|a| a == "--figures") {
        let f = figures(&specs, &SEEDS)?;
        for (k, v) in &f {
            println!("{k:32} {v:.4}");
        }
        println!("{:?}", check(&f));
        Ok(())
    } else {
        let path = demo_dir().join(FILE_NAME);
        std::fs::write(&path, cohort::demo::generate_csv()).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        println!("wrote {}", path.display());
        Ok(())
    }
}

fn load_specs() -> Result<BTreeMap<String, AnalysisSpec>, String> {
    let path = demo_dir().join("analyses.json");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let obj = v["analyses"].as_object().ok_or("analyses.json has no \"analyses\" object")?;
    obj.iter()
        .map(|(k, s)| AnalysisSpec::from_json(&s.to_string()).map(|s| (k.clone(), s)).map_err(|e| format!("{k}: {e}")))
        .collect()
}

// ----- figures and targets ---------------------------------------------------------------------

type Figures = BTreeMap<String, f64>;

/// The figures of every analysis for a set of seeds, read the way the product reads the file.
fn figures(specs: &BTreeMap<String, AnalysisSpec>, seeds: &Seeds) -> Result<Figures, String> {
    figures_of(specs, seeds, &[])
}

/// The figures of the analyses whose names start with one of `only` (all when empty).
fn figures_of(specs: &BTreeMap<String, AnalysisSpec>, seeds: &Seeds, only: &[&str]) -> Result<Figures, String> {
    let csv = to_csv(&simulate(seeds));
    let table = cohort::read_table(csv.as_bytes(), FILE_NAME, &Default::default()).map_err(|e| e.to_string())?;
    let mut f = Figures::new();
    for (name, spec) in specs.iter().filter(|(n, _)| only.is_empty() || only.iter().any(|o| n.starts_with(o))) {
        let mut w = Vec::new();
        let prep = prepare(&table, spec, &mut w).map_err(|e| e.to_string())?;
        if spec.covariates.is_empty() {
            let opts = KmOptions { conf_type: spec.conf_type, times: &spec.times, rmst_tau: None };
            let curve = kaplan_meier(&prep.time, &prep.status, &opts);
            for a in &curve.at {
                f.insert(format!("{name}.S({})", a.time), a.surv);
            }
            f.insert(format!("{name}.median"), curve.median.unwrap_or(f64::NAN));
            f.insert(format!("{name}.n"), prep.rows.len() as f64);
        } else {
            let d = design(&table, spec, &prep, &spec.covariates, &mut w).map_err(|e| e.to_string())?;
            let input = d.cox_input(spec.ties);
            let fit = coxph(&input).map_err(|e| format!("{name}: {e}"))?;
            for t in &fit.terms {
                f.insert(format!("{name}.{}.hr", t.name), t.hr);
                f.insert(format!("{name}.{}.se", t.name), t.se);
                f.insert(format!("{name}.{}.p", t.name), t.p);
            }
        }
    }
    Ok(f)
}

/// Distance of each stream's figures from the published ones, or `None` where a target is missed
/// (targets are the issue's tolerances narrowed by a margin).
#[derive(Debug, Default)]
struct Check {
    radiographic: Option<f64>,
    relief: Option<f64>,
    progression: Option<f64>,
}

fn check(f: &Figures) -> Check {
    let g = |k: &str| f.get(k).copied().unwrap_or(f64::NAN);
    let within = |x: f64, target: f64, tol: f64| (x - target).abs() <= tol;
    let hr_ok = |hr: f64, target: f64| (hr / target - 1.0).abs() <= 0.14;
    let rel = |hr: f64, target: f64| (hr / target - 1.0).abs() / 0.15;
    // Penalty for a p-value that meets "< .01" only narrowly.
    let p_margin = |p: f64| (p - 0.005).max(0.0) / 0.005;

    let r6 = 100.0 * g("radiographic_control.S(6)");
    let r12 = 100.0 * g("radiographic_control.S(12)");
    let rm = g("radiographic_control.median");
    let radiographic = (within(r6, 63.0, 2.5) && within(r12, 51.0, 2.5) && within(rm, 14.0, 1.5))
        .then(|| (r6 - 63.0).abs() / 3.0 + (r12 - 51.0).abs() / 3.0 + (rm - 14.0).abs() / 2.0);

    let p6 = 100.0 * (1.0 - g("pain_relief.S(6)"));
    let pm = g("pain_relief.median");
    let nd = g("pain_relief_mva.neuro_deficit=yes.hr");
    let ndp = g("pain_relief_mva.neuro_deficit=yes.p");
    let es = g("pain_relief_mva.extraspinal_bone_mets=yes.hr");
    let esp = g("pain_relief_mva.extraspinal_bone_mets=yes.p");
    let relief = (within(p6, 82.0, 2.5) && within(pm, 1.0, 0.35) && hr_ok(nd, 2.48) && ndp < 0.0095 && hr_ok(es, 2.83) && esp < 0.0095)
        .then(|| {
            (p6 - 82.0).abs() / 3.0 + (pm - 1.0).abs() / 0.5 + rel(nd, 2.48) + rel(es, 2.83) + p_margin(ndp) + p_margin(esp)
        });

    let q12 = 100.0 * (1.0 - g("pain_progression.S(12)"));
    let qm = g("pain_progression.median");
    let b = g("pain_progression_mva.bpi_worst_pain.hr");
    let bp = g("pain_progression_mva.bpi_worst_pain.p");
    let pr = g("pain_progression_mva.prior_rt=yes.hr");
    let prp = g("pain_progression_mva.prior_rt=yes.p");
    let lv = g("pain_progression_mva.levels_treated.hr");
    let lvp = g("pain_progression_mva.levels_treated.p");
    let progression = (within(q12, 51.0, 2.5)
        && within(qm, 10.0, 1.5)
        && hr_ok(b, 1.92)
        && bp < 0.0095
        && hr_ok(pr, 4.65)
        && (0.011..0.048).contains(&prp)
        && lv > 1.0
        && lvp < 0.04)
        .then(|| {
            (q12 - 51.0).abs() / 3.0
                + (qm - 10.0).abs() / 2.0
                + rel(b, 1.92)
                + rel(pr, 4.65)
                + (prp - 0.02).abs() / 0.015
                + p_margin(bp)
                + p_margin(lvp / 5.0)
        });
    Check { radiographic, relief, progression }
}

fn search(specs: &BTreeMap<String, AnalysisSpec>, first: u64, cohorts: u64, tries: u64) -> Result<(), String> {
    let mut overall: Option<(f64, Seeds)> = None;
    for c in first..first + cohorts {
        let mut best: [Option<(f64, u64)>; 3] = [None; 3];
        for stream in 0..3 {
            for s in 0..tries {
                let mut seeds = Seeds { cohort: c, radiographic: 0, pain_relief: 0, pain_progression: 0 };
                match stream {
                    0 => seeds.radiographic = s,
                    1 => seeds.pain_relief = s,
                    _ => seeds.pain_progression = s,
                }
                let only = [["radiographic_control"], ["pain_relief"], ["pain_progression"]][stream];
                let Ok(f) = figures_of(specs, &seeds, &only) else { continue };
                let ch = check(&f);
                let score = [ch.radiographic, ch.relief, ch.progression][stream];
                if let Some(score) = score {
                    if best[stream].map(|b| score < b.0).unwrap_or(true) {
                        best[stream] = Some((score, s));
                    }
                }
            }
            eprintln!("cohort {c}: stream {stream}: best {:?}", best[stream]);
            if best[stream].is_none() {
                break;
            }
        }
        if let [Some(r), Some(p), Some(q)] = best {
            let seeds = Seeds { cohort: c, radiographic: r.1, pain_relief: p.1, pain_progression: q.1 };
            let total = r.0 + p.0 + q.0;
            eprintln!("cohort {c}: total {total:.3} {seeds:?}");
            if overall.map(|o| total < o.0).unwrap_or(true) {
                overall = Some((total, seeds));
            }
        }
    }
    let (_, seeds) = overall.ok_or(format!("no seeds met every target within {cohorts} cohort seeds and {tries} tries per stream"))?;
    let f = figures(specs, &seeds)?;
    for (k, v) in &f {
        println!("{k:48} {v:.4}");
    }
    println!("{:?}", check(&f));
    println!("pub const SEEDS: Seeds = {seeds:?};");
    Ok(())
}

/// Mean of every figure over cohort seeds × stream seeds (all streams set to the same seed), and
/// how often each stream meets its targets: used to choose the simulation's shape and scale
/// constants so that the published figures are typical, not rare.
fn calibrate(specs: &BTreeMap<String, AnalysisSpec>, cohorts: u64, tries: u64) -> Result<(), String> {
    let mut sum = Figures::new();
    let mut count = Figures::new();
    let mut hits = [0u64; 3];
    let mut n = 0.0;
    for c in 0..cohorts {
        for s in 0..tries {
            let seeds = Seeds { cohort: c, radiographic: s, pain_relief: s, pain_progression: s };
            let Ok(f) = figures(specs, &seeds) else { continue };
            for (k, v) in f.iter().filter(|(_, v)| v.is_finite()) {
                *sum.entry(k.clone()).or_default() += v;
                *count.entry(k.clone()).or_default() += 1.0;
            }
            let ch = check(&f);
            for (h, ok) in hits.iter_mut().zip([ch.radiographic, ch.relief, ch.progression]) {
                *h += ok.is_some() as u64;
            }
            n += 1.0;
        }
    }
    for (k, v) in &sum {
        println!("{k:48} {:.4}   (finite in {:.0}%)", v / count[k], 100.0 * count[k] / n);
    }
    println!("hit rates: radiographic {:.4}, relief {:.4}, progression {:.4}", hits[0] as f64 / n, hits[1] as f64 / n, hits[2] as f64 / n);
    Ok(())
}
