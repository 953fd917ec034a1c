//! The confidence bands the report now carries (issue 16) against the disclosure control
//! (`src/disclosure.rs`, k = 5), as an attacker would use them:
//!
//! * Nelson–Aalen band inversion: the band `H·exp(±z·se/H)` gives se back,
//!   `se = H·log(upper/H)/z`, and then `n = ΔH/Δ(se²)` is the number at risk at each step (the
//!   ΔH/Δ(se²) attack of `tests/disclosure_attacks.rs`, through the band instead of
//!   `std_cumhaz`). It recovers numbers at risk below k from the unprotected report and nothing
//!   from any JSON export (the cumulative hazards are withheld).
//! * Cumulative-incidence band inversion: the log(−log) band gives the variance back,
//!   `var = (F·|log F|·log(log lower / log F)/z)²`, and each step where the band moves is an event
//!   time of the cause: the events between two such steps, counted from the rows, are the step's
//!   count. From the unprotected report that gives steps of 1 to k − 1 events; from every JSON
//!   export, every band step rests on at least k events, and its band is exactly the one its
//!   released estimate and variance give (the band adds nothing).

use cohort::export::{export_bytes, ExportInput, ExportKind};
use cohort::{analyze, read_table, AnalysisSpec, ReadOptions, Report};
use serde_json::Value;

const K: u32 = 5;
const Z: f64 = 1.959963984540054;

fn run(file: &str, spec: &str) -> (cohort::Table, AnalysisSpec, Report) {
    let bytes = std::fs::read(format!("{}/tests/reference/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let spec = AnalysisSpec::from_json(spec).unwrap();
    let table = read_table(&bytes, file, &ReadOptions::from_spec(&spec)).unwrap();
    let report = analyze(&table, &spec).unwrap();
    (table, spec, report)
}

/// The JSON exports (report JSON and the results link's payload).
fn json_exports(table: &cohort::Table, report: &Report, file: &str) -> Vec<(&'static str, Value)> {
    let mut out = Vec::new();
    for (kind, name) in [(ExportKind::ReportJson, "report-json"), (ExportKind::ResultsLink, "results-link")] {
        let input = ExportInput { report, table: Some(table), file, k: K, plot: Default::default(), width: 1200, height: 800 };
        let text = String::from_utf8(export_bytes(kind, &input).unwrap()).unwrap();
        if kind == ExportKind::ResultsLink {
            let payload = text.strip_prefix("#results=").unwrap();
            let raw = cohort::export::inflate_raw(&cohort::export::from_base64url(payload).unwrap(), 64 << 20).unwrap();
            let raw = String::from_utf8(raw).unwrap();
            out.push((name, serde_json::from_str(&raw).unwrap()));
            // The link rebuilt into a report: what the page shows from it (bands recomputed).
            let rebuilt = cohort::share::SharedResults::from_json(&raw).unwrap().to_report().unwrap();
            out.push(("results-link, rebuilt", serde_json::to_value(&rebuilt).unwrap()));
        } else {
            out.push((name, serde_json::from_str(&text).unwrap()));
        }
    }
    out
}

/// ΔH/Δ(se²) with se from the band: numbers at risk from 1 to k − 1 recovered exactly.
fn cumhaz_band_attack(v: &Value, truth: &Report) -> Vec<String> {
    let mut found = Vec::new();
    for c in v.get("cumhaz").and_then(Value::as_array).into_iter().flatten() {
        let g = c.get("group").and_then(Value::as_str).map(str::to_string);
        let Some(km) = truth.km.iter().find(|k| k.group == g) else { continue };
        let (mut h0, mut v0) = (0.0, 0.0);
        for s in c.get("steps").and_then(Value::as_array).into_iter().flatten() {
            let (Some(t), Some(h), Some(up)) = (s["time"].as_f64(), s["cumhaz"].as_f64(), s["upper"].as_f64()) else { continue };
            let se = h * (up / h).ln() / Z;
            let dv = se * se - v0;
            if dv > 1e-15 {
                let n = (h - h0) / dv;
                let r = n.round();
                if (n - r).abs() < 0.01 && r >= 1.0 && r < K as f64 && km.steps.iter().any(|x| x.time == t && x.n_risk == r) {
                    found.push(format!("{g:?} t={t}: n at risk {r}"));
                }
            }
            (h0, v0) = (h, se * se);
        }
    }
    found
}

/// Cumulative-incidence band steps: (group, cause, [(time, estimate, variance from the band,
/// released variance, lower, upper)]).
type BandSteps = Vec<(Option<String>, String, Vec<(f64, f64, f64, Option<f64>, f64, f64)>)>;

fn cuminc_band_steps(v: &Value) -> BandSteps {
    let mut out = Vec::new();
    for c in v.get("cuminc").and_then(Value::as_array).into_iter().flatten() {
        let g = c.get("group").and_then(Value::as_str).map(str::to_string);
        let cause = c["cause"].as_str().unwrap_or("").to_string();
        let mut steps = Vec::new();
        for s in c.get("steps").and_then(Value::as_array).into_iter().flatten() {
            let (Some(t), Some(f), Some(lo), Some(hi)) = (s["time"].as_f64(), s["estimate"].as_f64(), s["lower"].as_f64(), s["upper"].as_f64()) else { continue };
            if !(f > 0.0 && f < 1.0) {
                continue;
            }
            let var = (f * f.ln().abs() * (lo.ln() / f.ln()).ln() / Z).powi(2);
            steps.push((t, f, var, s["variance"].as_f64(), lo, hi));
        }
        out.push((g, cause, steps));
    }
    out
}

/// Events of `cause` (1 or 2) in `group` with time in (a, b], from the analysed rows.
fn events_between(table: &cohort::Table, spec: &AnalysisSpec, group: &Option<String>, cause: u8, a: f64, b: f64) -> usize {
    let prep = cohort::prepare::prepare(table, spec, &mut Vec::new()).unwrap();
    let code = match (&prep.group, group) {
        (Some(f), Some(g)) => f.levels.iter().position(|l| l == g).map(|i| i as u32),
        _ => Some(0),
    };
    (0..prep.time.len())
        .filter(|&i| prep.group.as_ref().map_or(Some(0), |f| Some(f.codes[i])) == code && prep.status[i] == cause && prep.time[i] > a && prep.time[i] <= b)
        .count()
}

/// Band steps resting on 1 to k − 1 events of their cause since the previous band step.
fn cuminc_band_attack(v: &Value, table: &cohort::Table, spec: &AnalysisSpec) -> Vec<String> {
    let mut found = Vec::new();
    for (g, cause, steps) in cuminc_band_steps(v) {
        let code = if cause == "event" { 1 } else { 2 };
        // Events at time 0 count towards the first step (cmprsk's curve jumps at 0).
        let mut prev = f64::NEG_INFINITY;
        for &(t, ..) in &steps {
            let d = events_between(table, spec, &g, code, prev, t);
            if d >= 1 && d < K as usize {
                found.push(format!("{g:?} {cause} ({prev}, {t}]: {d} events"));
            }
            prev = t;
        }
    }
    found
}

#[test]
fn nelson_aalen_bands_give_numbers_at_risk_only_before_protection() {
    // lung by ph.ecog (ph.ecog = 3 is one patient; thin tails everywhere), with the hazard section.
    let spec = r#"{"time":"time","event":{"column":"status","event":["2"]},"group":"ph.ecog","hazard":{}}"#;
    let (table, _, r) = run("lung.csv", spec);
    assert!(!r.cumhaz.is_empty());
    let open = cumhaz_band_attack(&serde_json::to_value(&r).unwrap(), &r);
    assert!(open.len() >= 3, "the attack should work on the unprotected report: {open:?}");
    for (name, v) in json_exports(&table, &r, "lung.csv") {
        assert_eq!(cumhaz_band_attack(&v, &r), Vec::<String>::new(), "{name}");
        assert!(v.get("cumhaz").is_none_or(|c| c.as_array().is_some_and(Vec::is_empty)), "{name}: cumulative hazards released");
    }
}

#[test]
fn cumulative_incidence_bands_rest_on_k_events() {
    for (file, spec) in [
        // Blood group AB is small; thin tails in every group.
        ("transplant.csv", r#"{"time":"futime","event":{"column":"event","event":["ltx"],"competing":["death"]},"group":"abo","times":[30,90]}"#),
        // Ungrouped, death as the event of interest (few, spread out).
        ("transplant.csv", r#"{"time":"futime","event":{"column":"event","event":["death"],"competing":["ltx"]}}"#),
    ] {
        let (table, spec, r) = run(file, spec);
        let open = cuminc_band_attack(&serde_json::to_value(&r).unwrap(), &table, &spec);
        assert!(open.len() >= 5, "the attack should work on the unprotected report: {open:?}");
        // The band gives the variance back to full precision.
        for (_, _, steps) in cuminc_band_steps(&serde_json::to_value(&r).unwrap()) {
            for &(t, _, var, released, ..) in &steps {
                let v = released.unwrap();
                assert!((var - v).abs() <= 1e-6 * v.max(1e-12), "t={t}: band variance {var} vs {v}");
            }
        }
        for (name, v) in json_exports(&table, &r, file) {
            assert_eq!(cuminc_band_attack(&v, &table, &spec), Vec::<String>::new(), "{name}");
            // Each released band is the one of the released estimate and variance.
            for (g, cause, steps) in cuminc_band_steps(&v) {
                for &(t, f, _, released, lo, hi) in &steps {
                    let Some(var) = released else { continue };
                    let (l, u) = cohort::stats::cuminc::loglog_band(f, var);
                    assert!((l - lo).abs() < 1e-12 && (u - hi).abs() < 1e-12, "{name} {g:?} {cause} t={t}: band ({lo}, {hi}) is not that of ({f}, {var})");
                }
            }
        }
    }
}
