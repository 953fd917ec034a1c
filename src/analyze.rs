//! The pipeline: table + spec → every estimator the spec asks for → `Report`.

use crate::error::{Error, Result};
use crate::prepare::{column, design, prepare, Prepared};
use crate::report::{Report, UnivariableModel};
use crate::spec::AnalysisSpec;
use crate::stats;
use crate::table::{ColumnData, Table};

/// Run the analysis a spec describes on a table.
pub fn analyze(table: &Table, spec: &AnalysisSpec) -> Result<Report> {
    let mut warnings = Vec::new();
    let prep = prepare(table, spec, &mut warnings)?;
    let mut report = Report {
        spec: Some(spec.clone()),
        file: table.name.clone(),
        rows_in_file: table.n_rows(),
        rows_filtered_out: prep.filtered_out,
        n: prep.rows.len(),
        events: prep.status.iter().filter(|&&s| s == 1).count(),
        competing_events: prep.competing.then(|| prep.status.iter().filter(|&&s| s == 2).count()),
        time_unit: prep.unit,
        groups: prep.group.as_ref().map(|g| g.levels.clone()).unwrap_or_default(),
        notes: table.notes.clone(),
        ..Default::default()
    };

    if prep.competing {
        competing_risks(table, spec, &prep, &mut report, &mut warnings)?;
    } else {
        survival(table, spec, &prep, &mut report, &mut warnings)?;
    }

    if let Some(cols) = &spec.table1 {
        report.table1 = Some(table1(table, spec, &prep, cols)?);
    }
    report.warnings = warnings;
    Ok(report)
}

/// Codes of the group factor, or all zeros when ungrouped.
fn group_codes(prep: &Prepared) -> (Vec<u32>, Vec<String>) {
    match &prep.group {
        Some(g) => (g.codes.clone(), g.levels.clone()),
        None => (vec![0; prep.rows.len()], Vec::new()),
    }
}

fn survival(table: &Table, spec: &AnalysisSpec, prep: &Prepared, report: &mut Report, warnings: &mut Vec<String>) -> Result<()> {
    let opts = stats::km::KmOptions { conf_type: spec.conf_type, times: &spec.times, rmst_tau: spec.rmst_tau };
    let levels = prep.group.as_ref().map(|g| g.levels.clone()).unwrap_or_default();
    let n_groups = levels.len().max(1);
    let strata = prep.strata.as_ref().map(|s| s.codes.as_slice());
    // One sort of the rows, shared by the curves and the tests (no group: one curve).
    let tallies = stats::common::Tallies::new(&prep.time, &prep.status, prep.group.as_ref().map(|g| g.codes.as_slice()), n_groups, strata, |_| true);
    report.km = stats::km::kaplan_meier_groups(&tallies, &levels, &opts);
    if let Some(h) = &spec.hazard {
        let (codes, _) = group_codes(prep);
        let hopts = stats::hazard::HazardOptions { bandwidth: h.bandwidth, ..Default::default() };
        let mut per_group = Vec::new();
        for g in 0..n_groups {
            let idx: Vec<usize> = (0..prep.rows.len()).filter(|&i| codes[i] == g as u32).collect();
            let t: Vec<f64> = idx.iter().map(|&i| prep.time[i]).collect();
            let s: Vec<u8> = idx.iter().map(|&i| prep.status[i]).collect();
            let curve = stats::hazard::smoothed_hazard(&t, &s, &hopts);
            for w in &curve.warnings {
                warnings.push(format!("smoothed hazard{}: {w}", levels.get(g).map(|l| format!(" ({l})")).unwrap_or_default()));
            }
            per_group.push((t, s));
            report.hazard.push(crate::report::GroupHazard { group: levels.get(g).cloned(), curve });
        }
        if levels.len() == 2 {
            let curve = stats::hazard::hazard_ratio_curve(&per_group[0].0, &per_group[0].1, &per_group[1].0, &per_group[1].1, &hopts);
            report.hazard_ratio = Some(crate::report::HazardRatio { a: levels[0].clone(), b: levels[1].clone(), curve });
        }
    }
    if levels.len() >= 2 {
        report.logrank = Some(stats::logrank::survdiff_tallies(&tallies, spec.rho));
        if levels.len() >= 3 {
            // Scores: the level values when they are numbers, else 1..k in level order.
            let scores: Vec<f64> = match levels.iter().map(|l| l.parse::<f64>().ok()).collect::<Option<Vec<f64>>>() {
                Some(v) => v,
                None => (1..=levels.len()).map(|i| i as f64).collect(),
            };
            report.trend = Some(stats::logrank::trend_tallies(&tallies, &scores, spec.rho));
        }
        if spec.pairwise {
            report.pairwise = Some(stats::logrank::pairwise_tallies(&tallies, &levels, spec.rho));
        }
    }
    // R fits the models on every row with a valid time, outcome and strata: a row missing only
    // the `group` column stays in the model (lung/breslow_loglog), so the model rows are
    // prepared without the group.
    let model_prep;
    let prep = if spec.group.is_some() && (!spec.covariates.is_empty() || !spec.univariable.is_empty()) {
        model_prep = prepare(table, &AnalysisSpec { group: None, ..spec.clone() }, &mut Vec::new())?;
        &model_prep
    } else {
        prep
    };
    if !spec.covariates.is_empty() {
        let d = design(table, spec, prep, &spec.covariates, warnings)?;
        match fit_cox(&d, spec) {
            Ok(fit) => {
                warnings.extend(fit.warnings.iter().cloned());
                report.cox = Some(fit);
            }
            Err(e) => warnings.push(format!("Cox model not fitted: {e}")),
        }
    }
    for cand in &spec.univariable {
        let d = design(table, spec, prep, std::slice::from_ref(cand), &mut Vec::new())?;
        match fit_cox(&d, spec) {
            Ok(fit) => report.univariable.push(UnivariableModel {
                covariate: cand.clone(),
                n: fit.n,
                events: fit.events,
                terms: fit.terms.clone(),
                lr_test: Some(fit.lr_test.clone()),
            }),
            Err(e) => warnings.push(format!("univariable Cox model of '{cand}' not fitted: {e}")),
        }
    }
    if !spec.parametric.is_empty() {
        let d = design(table, spec, prep, &spec.covariates, &mut Vec::new())?;
        for &dist in &spec.parametric {
            match stats::parametric::survreg(&d.time, &d.status, &d.x, &d.names, dist) {
                Ok(fit) => {
                    warnings.extend(fit.warnings.iter().cloned());
                    report.parametric.push(fit);
                }
                Err(e) => warnings.push(format!("{} model not fitted: {e}", dist.name())),
            }
        }
    }
    Ok(())
}

/// Cox fit of a design with the spec's ties, strata and cluster.
fn fit_cox(d: &crate::prepare::Design, spec: &AnalysisSpec) -> std::result::Result<stats::cox::CoxReport, String> {
    stats::cox::coxph(&d.cox_input(spec.ties))
}

fn competing_risks(table: &Table, spec: &AnalysisSpec, prep: &Prepared, report: &mut Report, warnings: &mut Vec<String>) -> Result<()> {
    let ungrouped;
    let (codes, levels): (&[u32], Vec<String>) = match &prep.group {
        Some(g) => (&g.codes, g.levels.clone()),
        None => {
            ungrouped = vec![0; prep.rows.len()];
            (&ungrouped, Vec::new())
        }
    };
    let strata = prep.strata.as_ref().map(|s| &s.codes[..]);
    let (curves, gray) = stats::cuminc::cuminc_with(&prep.time, &prep.status, codes, &levels, strata, spec.rho, &spec.times);
    report.cuminc = curves;
    report.gray_test = gray;
    if !spec.covariates.is_empty() {
        let d = design(table, spec, prep, &spec.covariates, warnings)?;
        match stats::finegray::crr(&d.time, &d.status, &d.x, &d.names) {
            Ok(fit) => {
                warnings.extend(fit.warnings.iter().cloned());
                report.finegray = Some(fit);
            }
            Err(e) => warnings.push(format!("Fine-Gray model not fitted: {e}")),
        }
    }
    // Univariable screen with competing events: one Fine-Gray model per candidate.
    for cand in &spec.univariable {
        let d = design(table, spec, prep, std::slice::from_ref(cand), &mut Vec::new())?;
        match stats::finegray::crr(&d.time, &d.status, &d.x, &d.names) {
            Ok(fit) => report.univariable.push(UnivariableModel {
                covariate: cand.clone(),
                n: fit.n,
                events: fit.events,
                terms: fit
                    .terms
                    .iter()
                    .map(|t| stats::cox::CoxTerm {
                        name: t.name.clone(),
                        coef: t.coef,
                        se: t.se,
                        robust_se: None,
                        hr: t.shr,
                        lower: t.lower,
                        upper: t.upper,
                        z: t.z,
                        p: t.p,
                    })
                    .collect(),
                lr_test: None,
            }),
            Err(e) => warnings.push(format!("univariable Fine-Gray model of '{cand}' not fitted: {e}")),
        }
    }
    Ok(())
}

fn table1(table: &Table, spec: &AnalysisSpec, prep: &Prepared, cols: &[String]) -> Result<Vec<stats::table1::Table1Row>> {
    let (codes, levels) = group_codes(prep);
    let mut out = Vec::new();
    for name in cols {
        let col = column(table, name, "Table 1")?;
        let categorical = spec.categorical.contains(name) || matches!(col.data, ColumnData::Text { .. });
        let row = if categorical {
            let f = crate::prepare::factor(col, &prep.rows);
            stats::table1::describe(name, stats::table1::Variable::Categorical(&f.codes, &f.levels), &codes, &levels)
        } else {
            let (v, _) = crate::prepare::numeric_values(col);
            let v: Vec<f64> = prep.rows.iter().map(|&r| v[r]).collect();
            stats::table1::describe(name, stats::table1::Variable::Numeric(&v), &codes, &levels)
        };
        out.push(row);
    }
    Ok(out)
}

/// Read a file and run a spec: the CLI's and the page's one entry point.
pub fn analyze_bytes(bytes: &[u8], name: &str, spec: &AnalysisSpec) -> Result<Report> {
    let table = crate::ingest::read_table(bytes, name, &crate::ingest::ReadOptions::from_spec(spec))?;
    analyze(&table, spec).map_err(|e: Error| e.at_file(name))
}
