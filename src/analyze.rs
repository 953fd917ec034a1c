//! The pipeline: table + spec → every estimator the spec asks for → `Report`.
//!
//! [`analyze`] computes everything. [`analyze_cached`] gives the same report but reuses the
//! sections of earlier analyses of the same table whose inputs did not change: the page refits on
//! every click (ticking a covariate changes only the multivariable model; the curves, tests,
//! univariable screen and Table 1 stay as they were), so it keeps an [`AnalysisCache`].
//!
//! Each section is keyed by the spec with the fields it does NOT read removed (serialized as JSON):
//! a field added to the spec later invalidates every section until it is listed here, so the cache
//! can be too eager to recompute, never stale. Sections and their warnings are stored in the order
//! `analyze` produces them, so the report (warnings included) is identical.

use std::collections::HashMap;

use crate::error::{Error, Result};
use crate::prepare::{column, design, prepare, Prepared};
use crate::report::{Report, UnivariableModel};
use crate::spec::AnalysisSpec;
use crate::stats;
use crate::table::{ColumnData, Table};

/// Spec fields read only by the models and Table 1, never by the row preparation or the curves
/// and their tests.
const MODEL_FIELDS: &[&str] = &["covariates", "categorical", "numeric", "table1_codes", "reference", "ties", "cluster", "univariable", "parametric", "table1", "ph_residuals", "interactions", "splines", "subgroups", "adjusted"];
/// Spec fields read only by the curves, their tests and the smoothed hazard, never by the models.
const CURVE_FIELDS: &[&str] = &["times", "conf_type", "rmst_tau", "hazard", "pairwise", "rho"];

/// Sections of earlier analyses of one table, for [`analyze_cached`]. Clear it (or make a new
/// one) when the table changes.
#[derive(Default)]
pub struct AnalysisCache {
    /// Rows, curves and tests (everything but the models and Table 1) and their warnings.
    base: Option<(String, Prepared, Report, Vec<String>)>,
    /// The rows of the Cox models of a grouped analysis (prepared without the group).
    model_prep: Option<(String, Prepared)>,
    /// The rows of the parametric and Fine-Gray models (without the group and the strata).
    aft_prep: Option<(String, Prepared)>,
    /// The last few multivariable models (Cox or Fine-Gray, in `report.cox` / `report.finegray`)
    /// and their warnings, most recent last: unticking a covariate brings back a model fitted a
    /// moment ago.
    models: Vec<KeptModel>,
    /// One univariable model per candidate: the model, or the warning saying why it was not fitted.
    univariable: HashMap<String, std::result::Result<UnivariableModel, String>>,
    univariable_key: String,
    /// Parametric fits and their warnings.
    parametric: Option<(String, Vec<stats::parametric::ParametricReport>, Vec<String>)>,
    #[cfg_attr(not(feature = "extended"), allow(dead_code))]
    table1: Option<(String, Vec<stats::table1::Table1Row>)>,
}

/// How many multivariable models the cache keeps.
const MODELS_KEPT: usize = 8;

impl AnalysisCache {
    /// Forget everything (a new table).
    pub fn clear(&mut self) {
        *self = AnalysisCache::default();
    }
}

type KeptModel = (String, Report, Vec<String>);

/// The kept model of `key` (moved to the most recent place).
fn kept_model<'a>(models: &'a mut Vec<KeptModel>, key: &str) -> Option<&'a KeptModel> {
    let i = models.iter().position(|m| m.0 == key)?;
    let m = models.remove(i);
    models.push(m);
    models.last()
}

fn keep_model(models: &mut Vec<KeptModel>, key: String, fit: Report, warnings: Vec<String>) {
    if models.len() >= MODELS_KEPT {
        models.remove(0);
    }
    models.push((key, fit, warnings));
}

/// The spec as JSON without the fields in `drop` (and without `view`, which no section reads).
fn key_without(spec: &AnalysisSpec, drop: &[&[&str]]) -> String {
    let mut v = serde_json::to_value(spec).unwrap_or(serde_json::Value::Null);
    if let Some(m) = v.as_object_mut() {
        m.remove("view");
        for list in drop {
            for k in *list {
                m.remove(*k);
            }
        }
    }
    v.to_string()
}

/// What of a spec needs the extended estimators (cargo feature `extended`, on by default): study
/// designs (entry, id, time_varying, landmark, weights), subgroups, adjusted curves, propensity
/// weighting, parametric (survreg) and Fine-Gray models, spline terms, and (issue 20: not in
/// the page's first view) competing risks, Table 1 and the smoothed and cumulative hazards.
/// `None` for the analyses of the core build (Kaplan-Meier, log-rank, Cox models), which the
/// page loads first; it loads the build with the extended estimators (the
/// on-demand module of `scripts/build.sh`) when a spec names one of these.
pub fn extended_need(spec: &AnalysisSpec) -> Option<&'static str> {
    if crate::study::has_design(spec) {
        Some("study designs (entry, id, time_varying, landmark, weights)")
    } else if !spec.subgroups.is_empty() {
        Some("subgroup analyses")
    } else if spec.adjusted.is_some() {
        Some("adjusted survival curves")
    } else if spec.propensity.is_some() {
        Some("propensity-score weights")
    } else if !spec.parametric.is_empty() {
        Some("parametric (survreg) models")
    } else if !spec.event.competing.is_empty() && !(spec.covariates.is_empty() && spec.univariable.is_empty()) {
        Some("Fine-Gray models")
    } else if !spec.splines.is_empty() {
        Some("spline terms")
    } else if !spec.event.competing.is_empty() {
        Some("competing risks (cumulative incidence, Gray's test)")
    } else if spec.table1.is_some() {
        Some("Table 1")
    } else if spec.hazard.is_some() {
        Some("smoothed and cumulative hazards")
    } else {
        None
    }
}

/// The end of the core build's message for what it leaves out: a spec that needs the extended
/// estimators ([`extended_need`]), an export (`export::ExportKind::left_out`), a figure, a
/// results link or the benchmark (src/wasm.rs `left_out`).
pub const EXTENDED_MISSING: &str = "need the full analysis engine, which this build leaves out: the page loads it by itself (reload the page if this message stays), and the command line has it";

/// The extended estimators, called by the pipeline. In the core build (without the `extended`
/// feature) `analyze_cached` refuses the specs that would reach them first, and these stand-ins
/// (no propensity, no subgroups, no adjusted curves, no spline reports, no fit) keep the linker
/// from pulling their code into the page's first module.
#[cfg(feature = "extended")]
mod ext {
    pub(super) use super::{competing_curves, design_curves};
    pub(super) use crate::adjust::{adjusted_curves, apply_propensity, propensity_cox, spline_reports, subgroups};
    pub(super) use crate::stats::finegray::crr;
    pub(super) use crate::stats::parametric::survreg;
}

#[cfg(not(feature = "extended"))]
mod ext {
    use crate::adjust::{AdjustedCurve, InteractionTest, PropensityReport, SubgroupRow};
    use crate::error::Result;
    use crate::prepare::{Design, Prepared};
    use crate::report::Report;
    use crate::spec::{AnalysisSpec, Dist};
    use crate::stats::{cox::CoxReport, finegray::FineGrayReport, parametric::ParametricReport, spline::SplineReport};
    use crate::table::Table;

    fn missing(what: &str) -> String {
        format!("{what} {}", super::EXTENDED_MISSING)
    }
    pub fn design_curves(_: &AnalysisSpec, _: &Prepared, _: &mut Report, _: &mut Vec<String>) {}
    pub fn competing_curves(_: &AnalysisSpec, _: &Prepared, _: &mut Report, _: &mut Vec<String>) {}
    pub fn apply_propensity(_: &Table, _: &AnalysisSpec, _: &mut Prepared, _: &mut Vec<String>) -> Result<Option<PropensityReport>> {
        Ok(None)
    }
    pub fn subgroups(_: &Table, _: &AnalysisSpec, _: &Prepared, _: &mut Vec<String>) -> Result<(Vec<SubgroupRow>, Vec<InteractionTest>, Option<SubgroupRow>)> {
        Ok((Vec::new(), Vec::new(), None))
    }
    pub fn adjusted_curves(_: &Table, _: &AnalysisSpec, _: &Prepared, _: &mut Vec<String>) -> Result<Vec<AdjustedCurve>> {
        Ok(Vec::new())
    }
    pub fn propensity_cox(_: &Table, _: &AnalysisSpec, _: &Prepared, _: &mut Report, _: &mut Vec<String>) -> Result<()> {
        Ok(())
    }
    pub fn spline_reports(_: &Table, _: &AnalysisSpec, _: &Prepared, _: &Design, _: &CoxReport, _: &mut Vec<String>) -> Vec<SplineReport> {
        Vec::new()
    }
    pub fn survreg(_: &[f64], _: &[u8], _: &[crate::stats::Col], _: &[String], _: Dist) -> std::result::Result<ParametricReport, String> {
        Err(missing("parametric (survreg) models"))
    }
    pub fn crr(_: &[f64], _: &[u8], _: &[crate::stats::Col], _: &[String]) -> std::result::Result<FineGrayReport, String> {
        Err(missing("Fine-Gray models"))
    }
}

/// Run the analysis a spec describes on a table.
pub fn analyze(table: &Table, spec: &AnalysisSpec) -> Result<Report> {
    analyze_cached(table, spec, &mut AnalysisCache::default())
}

/// As [`analyze`], reusing the sections of `cache` (analyses of the same `table`) whose part of
/// the spec is unchanged, and storing the new ones.
pub fn analyze_cached(table: &Table, spec: &AnalysisSpec, cache: &mut AnalysisCache) -> Result<Report> {
    spec.validate()?;
    #[cfg(not(feature = "extended"))]
    if let Some(what) = extended_need(spec) {
        return Err(Error::spec(format!("{what} {EXTENDED_MISSING}")));
    }
    let base_key = key_without(spec, &[MODEL_FIELDS]);
    if cache.base.as_ref().map(|b| &b.0) != Some(&base_key) {
        cache.base = None;
        let mut warnings = Vec::new();
        let mut prep = prepare(table, spec, &mut warnings)?;
        // Propensity-score weights become the rows' sampling weights before any curve.
        let propensity = ext::apply_propensity(table, spec, &mut prep, &mut warnings)?;
        // The weighted curves and the weighted Cox model of the treatment sort the same times:
        // once, here (at 100k rows one radix sort of two).
        if propensity.is_some() {
            prep.time_order = Some(stats::common::order_by_time(&prep.time));
        }
        let mut report = Report {
            propensity,
            file: table.name.clone(),
            rows_in_file: table.n_rows(),
            rows_filtered_out: prep.filtered_out,
            n: prep.n_input(),
            events: prep.status.iter().filter(|&&s| s == 1).count(),
            competing_events: prep.competing.then(|| prep.status.iter().filter(|&&s| s == 2).count()),
            time_unit: prep.unit,
            groups: prep.group.as_ref().map(|g| g.levels.clone()).unwrap_or_default(),
            notes: table.notes.clone(),
            flow: Some(crate::report::Flow::of(table.n_rows(), &prep)),
            ..Default::default()
        };
        if prep.competing {
            ext::competing_curves(spec, &prep, &mut report, &mut warnings);
        } else if !prep.study.is_plain() || prep.continued.is_some() {
            ext::design_curves(spec, &prep, &mut report, &mut warnings);
        } else {
            survival_curves(spec, &prep, &mut report, &mut warnings);
        }
        // Study designs: the conditional survival table, the immortal-time check.
        study_extras(table, spec, &prep, &mut report, &mut warnings);
        cache.base = Some((base_key, prep, report, warnings));
    }
    // The base section is lent out while the model sections fill the rest of the cache.
    let Some(base) = cache.base.take() else {
        return Err(Error::internal("the analysis cache lost its rows"));
    };
    let out = sections(table, spec, &base.1, &base.2, &base.3, cache);
    cache.base = Some(base);
    out
}

/// The report from the base section: the models and Table 1 added (from `cache` when unchanged).
fn sections(
    table: &Table,
    spec: &AnalysisSpec,
    prep: &Prepared,
    base_report: &Report,
    base_warnings: &[String],
    cache: &mut AnalysisCache,
) -> Result<Report> {
    let mut report = base_report.clone();
    report.spec = Some(spec.clone());
    let mut warnings = base_warnings.to_vec();

    if prep.competing {
        competing_models(table, spec, prep, &mut report, &mut warnings, cache)?;
        for (on, key) in [(!spec.subgroups.is_empty(), "subgroups"), (spec.adjusted.is_some(), "adjusted"), (spec.propensity.is_some(), "propensity")] {
            if on {
                warnings.push(format!("{key} is not available with competing events (it compares Kaplan-Meier and Cox analyses); remove event.competing to use it"));
            }
        }
    } else {
        survival_models(table, spec, prep, &mut report, &mut warnings, cache)?;
        (report.subgroups, report.interaction, report.subgroup_overall) = ext::subgroups(table, spec, prep, &mut warnings)?;
        report.adjusted = ext::adjusted_curves(table, spec, prep, &mut warnings)?;
        if report.propensity.is_some() {
            ext::propensity_cox(table, spec, prep, &mut report, &mut warnings)?;
        }
    }

    #[cfg(feature = "extended")]
    if let Some(cols) = &spec.table1 {
        let key = key_without(spec, &[&["covariates", "reference", "ties", "cluster", "univariable", "parametric", "ph_residuals"], CURVE_FIELDS]);
        match &cache.table1 {
            Some((k, rows)) if *k == key => report.table1 = Some(rows.clone()),
            _ => {
                let rows = table1(table, spec, prep, cols)?;
                cache.table1 = Some((key, rows.clone()));
                report.table1 = Some(rows);
            }
        }
    }
    // What the hazard section's figures and table show, computed here (not by plot or the page).
    #[cfg(feature = "extended")]
    if spec.hazard.is_some() {
        report.cumhaz = stats::hazard::cumhaz_curves(&report.km);
    }
    if !report.parametric.is_empty() {
        let t_end = prep.time.iter().copied().filter(|t| t.is_finite()).fold(0.0, f64::max);
        let times = stats::parametric::landmark_times(&spec.times, t_end);
        let col = spec.group.as_ref().and_then(|g| g.single());
        for f in report.parametric.iter_mut() {
            let rows = stats::parametric::prediction_rows(f, col, &report.groups);
            f.predictions = stats::parametric::predictions(f, &rows, &times, t_end);
        }
    }
    report.warnings = warnings;
    Ok(report)
}

/// Codes of the group factor, or all zeros when ungrouped.
#[cfg_attr(not(feature = "extended"), allow(dead_code))]
fn group_codes(prep: &Prepared) -> (Vec<u32>, Vec<String>) {
    match &prep.group {
        Some(g) => (g.codes.clone(), g.levels.clone()),
        None => (vec![0; prep.rows.len()], Vec::new()),
    }
}

/// Kaplan-Meier curves, smoothed hazards and the tests between groups.
fn survival_curves(spec: &AnalysisSpec, prep: &Prepared, report: &mut Report, warnings: &mut Vec<String>) {
    let opts = stats::km::KmOptions { conf_type: spec.conf_type, times: &spec.times, rmst_tau: spec.rmst_tau };
    let levels = prep.group.as_ref().map(|g| g.levels.clone()).unwrap_or_default();
    let n_groups = levels.len().max(1);
    let strata = prep.strata.as_ref().map(|s| s.codes.as_slice());
    // One sort of the rows, shared by the curves and the tests (no group: one curve).
    let tallies = stats::common::Tallies::new(&prep.time, &prep.status, prep.group.as_ref().map(|g| g.codes.as_slice()), n_groups, strata, |_| true);
    report.km = stats::km::kaplan_meier_groups(&tallies, &levels, &opts);
    // An RMST horizon before a curve's first time: S = 1 up to τ, so the RMST is τ with
    // standard error 0 (as R), which is no information; say so.
    for (curve, tau) in report.km.iter().filter_map(|c| c.rmst.as_ref().map(|r| (c, r.tau))) {
        if let Some(first) = curve.steps.first().map(|s| s.time).filter(|&t| tau < t) {
            warnings.push(format!(
                "rmst_tau {tau} is before the first time{} ({first}): its restricted mean is {tau} (τ itself) with standard error 0, because no event or censoring happened before τ",
                curve.group.as_ref().map(|g| format!(" of group '{g}'")).unwrap_or_default()
            ));
        }
    }
    #[cfg(feature = "extended")]
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
        let (test, why) = stats::logrank::survdiff_explained(&tallies, spec.rho);
        warnings.extend(why);
        report.logrank = Some(test);
        report.rmst_diff = stats::rmst::rmst_differences(&report.km);
        // Crossed groups have no order to trend along.
        if levels.len() >= 3 && spec.group.as_ref().is_some_and(|g| g.single().is_some()) {
            // Scores: the level values when they are numbers, else 1..k in level order.
            // (the file's values: a labelled level is scored by the value it labels).
            let col = spec.group.as_ref().and_then(|g| g.single()).unwrap_or_default();
            let raw = |l: &String| -> String {
                spec.labels.levels.get(col).and_then(|m| m.iter().find(|(_, v)| *v == l)).map(|(k, _)| k.clone()).unwrap_or_else(|| l.clone())
            };
            let scores: Vec<f64> = match levels.iter().map(|l| raw(l).parse::<f64>().ok()).collect::<Option<Vec<f64>>>() {
                Some(v) => v,
                None => (1..=levels.len()).map(|i| i as f64).collect(),
            };
            report.trend = Some(stats::logrank::trend_tallies(&tallies, &scores, spec.rho));
        }
        if spec.pairwise {
            report.pairwise = Some(stats::logrank::pairwise_tallies(&tallies, &levels, spec.rho));
        }
    }
}

/// Kaplan–Meier curves and the tests between groups of a study design with delayed entry,
/// several rows per patient or sampling weights (`crate::study`): the curves by
/// [`stats::km::kaplan_meier_rows`]; with entry (or a time-varying group) the test is the Cox
/// score test with Breslow ties, with sampling weights there is none.
#[cfg(feature = "extended")]
fn design_curves(spec: &AnalysisSpec, prep: &Prepared, report: &mut Report, warnings: &mut Vec<String>) {
    let opts = stats::km::KmOptions { conf_type: spec.conf_type, times: &spec.times, rmst_tau: spec.rmst_tau };
    let (codes, levels) = group_codes(prep);
    let n_groups = levels.len().max(1);
    let st = &prep.study;
    // A patient's intervals that continue one another in the same curve are joined into one row
    // (as `survfit(..., id = id)`): no censoring at the joins, and one jackknife term per stay.
    let (joined_entry, dropped) = join_continued(prep);
    let status = &prep.status;
    let rows = stats::logrank::EntryRows {
        time: &prep.time,
        entry: st.entry.as_deref(),
        status: &prep.status,
        group: &codes,
        strata: prep.strata.as_ref().map(|s| s.codes.as_slice()),
    };
    // Delayed entry alone: the curves and the test from the rows' tallies (one radix sort of
    // the exits and one of the entries).
    let fast = (st.weight.is_none() && st.patient.is_none()).then(|| stats::logrank::entry_tallies(&rows, n_groups)).flatten();
    if let Some((exits, entries)) = &fast {
        report.km = stats::km::kaplan_meier_entry_groups(exits, entries, &levels, &opts);
    }
    // Sampling weights alone (the propensity-weighted arms): one sort shared by the curves, no
    // copy of the columns per group (the RMST's jackknife reads each group's own rows below).
    if st.weight.is_some() && st.entry.is_none() && st.patient.is_none() && joined_entry.is_none() && spec.rmst_tau.is_none() {
        let all = stats::km::KmRows { time: &prep.time, status: &prep.status, entry: None, weight: st.weight.as_deref(), patient: None };
        report.km = stats::km::kaplan_meier_weighted_groups(&all, &codes, n_groups, &opts, prep.time_order.as_deref());
        for (c, l) in report.km.iter_mut().zip(&levels) {
            c.group = Some(l.clone());
        }
    }
    let tallied = !report.km.is_empty();
    for g in 0..n_groups {
        if tallied {
            break;
        }
        // The group's rows; those joined into a patient's next interval give, instead, the
        // times where a joined interval ended: points of the curve without a step.
        let (mut idx, mut joins) = (Vec::new(), Vec::new());
        for i in (0..prep.rows.len()).filter(|&i| codes[i] == g as u32) {
            if dropped.get(i).copied().unwrap_or(false) {
                joins.push(prep.time[i]);
            } else {
                idx.push(i);
            }
        }
        joins.sort_by(f64::total_cmp);
        joins.dedup();
        let pick = |v: &[f64]| idx.iter().map(|&i| v[i]).collect::<Vec<f64>>();
        let time = pick(&prep.time);
        let s: Vec<u8> = idx.iter().map(|&i| status[i]).collect();
        let entry = joined_entry.as_deref().or(st.entry.as_deref()).map(pick);
        let weight = st.weight.as_deref().map(pick);
        let patient: Option<Vec<u32>> = st.patient.as_ref().map(|p| idx.iter().map(|&i| p[i]).collect());
        let rows = stats::km::KmRows { time: &time, status: &s, entry: entry.as_deref(), weight: weight.as_deref(), patient: patient.as_deref() };
        let mut c = stats::km::kaplan_meier_rows_joined(&rows, &joins, &opts);
        // Weighted curves: the RMST's robust (infinitesimal-jackknife) standard error.
        if let (Some(tau), Some(_)) = (spec.rmst_tau, rows.weight) {
            c.rmst = Some(stats::rmst::weighted_rmst(&rows, tau));
        }
        c.group = levels.get(g).cloned();
        report.km.push(c);
    }
    if spec.hazard.is_some() {
        warnings.push("the smoothed hazard is not available with entry, id, time_varying or sampling weights; it was left out".to_string());
    }
    if levels.len() < 2 {
        return;
    }
    // RMST differences of every design's curves (entry, patients, time-varying groups, weights).
    report.rmst_diff = stats::rmst::rmst_differences(&report.km);
    if st.weight.is_some() {
        warnings.push(
            "no log-rank test with sampling weights (its variance assumes unweighted counts): compare the groups with the weighted Cox model of the group, whose robust standard errors account for the weights"
                .to_string(),
        );
        return;
    }
    if let Some((exits, entries)) = &fast {
        // The tallies of the curves serve the tests too.
        let (test, why) = stats::logrank::entry_score_explained_tallies(exits, entries, levels.len());
        warnings.extend(why);
        report.logrank = Some(test);
        if spec.pairwise {
            report.pairwise = Some(stats::logrank::entry_pairwise_tallies(exits, entries, &levels));
        }
    } else if st.entry.is_some() || spec.time_varying_group().is_some() {
        let (test, why) = stats::logrank::entry_score_explained(&rows, levels.len());
        warnings.extend(why);
        report.logrank = Some(test);
        if spec.pairwise {
            report.pairwise = Some(stats::logrank::entry_pairwise(&rows, &levels));
        }
    } else {
        // Several rows per patient without entry, or landmark rows: survdiff on the rows.
        let strata = prep.strata.as_ref().map(|s| s.codes.as_slice());
        let tallies = stats::common::Tallies::new(&prep.time, &prep.status, Some(&codes), levels.len(), strata, |_| true);
        let (test, why) = stats::logrank::survdiff_explained(&tallies, spec.rho);
        warnings.extend(why);
        report.logrank = Some(test);
        if spec.pairwise {
            report.pairwise = Some(stats::logrank::pairwise_tallies(&tallies, &levels, spec.rho));
        }
    }
}

/// Join the intervals of a patient that continue one another in the same curve
/// (`prep.continued`): the continuing interval takes the entry of the one it continues, which
/// is dropped. Returns the joined entry times (None when nothing is joined) and the dropped
/// rows.
#[cfg(feature = "extended")]
fn join_continued(prep: &Prepared) -> (Option<Vec<f64>>, Vec<bool>) {
    let (Some(cont), Some(entry), Some(patient)) = (&prep.continued, &prep.study.entry, &prep.study.patient) else {
        return (None, Vec::new());
    };
    let next = crate::study::successors(patient, entry, &prep.time);
    let mut joined = entry.clone();
    // By entry time, so that a chain of joins carries the first entry to the last interval.
    let mut dropped = vec![false; entry.len()];
    for k in stats::common::order_by_time(entry) {
        if cont[k] && next[k] != u32::MAX {
            joined[next[k] as usize] = joined[k];
            dropped[k] = true;
        }
    }
    (Some(joined), dropped)
}

/// Cox models (multivariable, univariable screen) and parametric fits, from `cache` when their
/// part of the spec is unchanged.
fn survival_models(
    table: &Table,
    spec: &AnalysisSpec,
    prep: &Prepared,
    report: &mut Report,
    warnings: &mut Vec<String>,
    cache: &mut AnalysisCache,
) -> Result<()> {
    if !spec.covariates.is_empty() {
        warnings.extend(crate::adjust::model_term_warnings(spec));
    }
    if spec.covariates.is_empty() && spec.univariable.is_empty() && spec.parametric.is_empty() {
        return Ok(());
    }
    // One rule for every model, as R's model frame: the complete cases of its own terms. The
    // Cox model's terms include the strata (a row missing only the `group` column stays in it:
    // lung/breslow_loglog); the parametric models' do not.
    let aft_prep = if spec.parametric.is_empty() { prep } else { model_rows(table, spec, prep, &mut cache.aft_prep, false)? };
    let prep = if spec.covariates.is_empty() && spec.univariable.is_empty() { prep } else { model_rows(table, spec, prep, &mut cache.model_prep, true)? };
    multivariable(table, spec, prep, report, warnings, &mut cache.models, |d, part, w| match fit_cox(d, spec) {
        Ok(fit) => {
            w.extend(fit.warnings.iter().cloned());
            part.spline = ext::spline_reports(table, spec, prep, d, &fit, w);
            part.cox = Some(fit);
        }
        Err(e) => w.push(format!("Cox model not fitted: {e}")),
    }, |from, to| {
        to.cox = from.cox.clone();
        to.spline = from.spline.clone();
    })?;
    univariable_screen(table, spec, prep, report, warnings, (&mut cache.univariable_key, &mut cache.univariable), "Cox", |d| {
        let fit = stats::cox::coxph_extra(&d.cox_input(spec.ties), d.cox_extra(), stats::cox::Residuals::Never).map_err(|e| e.to_string())?;
        Ok(UnivariableModel { covariate: String::new(), n: fit.n, events: fit.events, terms: fit.terms, lr_test: Some(fit.lr_test) })
    })?;
    if !spec.parametric.is_empty() && (!prep.study.is_plain()) {
        warnings.push("parametric (survreg) models are not available with entry, id, time_varying or sampling weights; they were left out".to_string());
    } else if !spec.parametric.is_empty() {
        // The univariable list stays in the key: it decides which rows the fits use (above).
        let key = key_without(spec, &[&["table1", "ph_residuals"], CURVE_FIELDS]);
        match &cache.parametric {
            Some((k, fits, w)) if *k == key => {
                report.parametric = fits.clone();
                warnings.extend(w.iter().cloned());
            }
            _ => {
                let mut w = Vec::new();
                let d = design(table, &AnalysisSpec { cluster: None, ..spec.clone() }, aft_prep, &spec.covariates, &mut Vec::new())?;
                for &dist in &spec.parametric {
                    match ext::survreg(&d.time, &d.status, &d.x, &d.names, dist) {
                        Ok(fit) => {
                            w.extend(fit.warnings.iter().cloned());
                            report.parametric.push(fit);
                        }
                        Err(e) => w.push(format!("{} model not fitted: {e}", dist.name())),
                    }
                }
                warnings.extend(w.iter().cloned());
                cache.parametric = Some((key, report.parametric.clone(), w));
            }
        }
    }
    Ok(())
}

/// The rows of a model: the complete cases of its own terms (time, outcome, covariates, and
/// with `strata` the spec's strata), whatever the grouping of the curves, as R's model frame.
/// `prep` (the curves' rows) when that is the same set; else prepared once and kept in `slot`.
fn model_rows<'a>(table: &Table, spec: &AnalysisSpec, prep: &'a Prepared, slot: &'a mut Option<(String, Prepared)>, strata: bool) -> Result<&'a Prepared> {
    if spec.group.is_none() && (strata || spec.strata.is_none()) {
        return Ok(prep);
    }
    let key = key_without(spec, &[MODEL_FIELDS, CURVE_FIELDS, &["group"]]);
    if slot.as_ref().map(|m| &m.0) != Some(&key) {
        let own = AnalysisSpec { group: None, strata: if strata { spec.strata.clone() } else { None }, ..spec.clone() };
        *slot = Some((key, prepare(table, &own, &mut Vec::new())?));
    }
    match slot.as_ref() {
        Some((_, p)) => Ok(p),
        None => Err(Error::internal("the analysis cache lost the model rows")),
    }
}

/// The multivariable model of the spec's covariates (Cox or Fine-Gray): `fit` fills its field of
/// a report and its warnings from the design; the fit is kept in `models` while its part of the
/// spec is unchanged, and `copy` moves the model's field from one report to another.
#[allow(clippy::too_many_arguments)]
fn multivariable(
    table: &Table,
    spec: &AnalysisSpec,
    prep: &Prepared,
    report: &mut Report,
    warnings: &mut Vec<String>,
    models: &mut Vec<KeptModel>,
    fit: impl FnOnce(&crate::prepare::Design, &mut Report, &mut Vec<String>),
    copy: impl Fn(&Report, &mut Report),
) -> Result<()> {
    if spec.covariates.is_empty() {
        return Ok(());
    }
    let key = key_without(spec, &[&["univariable", "parametric", "table1"], CURVE_FIELDS]);
    if let Some((_, kept, w)) = kept_model(models, &key) {
        copy(kept, report);
        warnings.extend(w.iter().cloned());
        return Ok(());
    }
    let mut w = Vec::new();
    let d = design(table, spec, prep, &spec.covariates, &mut w)?;
    let mut part = Report::default();
    fit(&d, &mut part, &mut w);
    copy(&part, report);
    warnings.extend(w.iter().cloned());
    keep_model(models, key, part, w);
    Ok(())
}

/// The univariable screen: one model per candidate covariate (`fit`, named `what` in warnings),
/// each kept in the cache (its key and fits) while the rest of its part of the spec is unchanged.
#[allow(clippy::too_many_arguments)]
fn univariable_screen(
    table: &Table,
    spec: &AnalysisSpec,
    prep: &Prepared,
    report: &mut Report,
    warnings: &mut Vec<String>,
    (cache_key, cache): (&mut String, &mut HashMap<String, std::result::Result<UnivariableModel, String>>),
    what: &str,
    fit: impl Fn(&crate::prepare::Design) -> std::result::Result<UnivariableModel, String>,
) -> Result<()> {
    if spec.univariable.is_empty() {
        return Ok(());
    }
    let key = key_without(spec, &[&["covariates", "univariable", "parametric", "table1", "ph_residuals"], CURVE_FIELDS]);
    if *cache_key != key {
        cache.clear();
        *cache_key = key;
    }
    for cand in &spec.univariable {
        if !cache.contains_key(cand) {
            let d = design(table, spec, prep, std::slice::from_ref(cand), &mut Vec::new())?;
            let fitted = fit(&d)
                .map(|m| UnivariableModel { covariate: cand.clone(), ..m })
                .map_err(|e| format!("univariable {what} model of '{cand}' not fitted: {e}"));
            cache.insert(cand.clone(), fitted);
        }
        match cache.get(cand) {
            Some(Ok(m)) => report.univariable.push(m.clone()),
            Some(Err(w)) => warnings.push(w.clone()),
            None => {}
        }
    }
    Ok(())
}

/// Cox fit of a design with the spec's ties, strata and cluster.
fn fit_cox(d: &crate::prepare::Design, spec: &AnalysisSpec) -> std::result::Result<stats::cox::CoxReport, String> {
    let residuals = if spec.ph_residuals { stats::cox::Residuals::Always } else { stats::cox::Residuals::Auto };
    // The message becomes a warning (the analysis goes on without the model).
    stats::cox::coxph_extra(&d.cox_input(spec.ties), d.cox_extra(), residuals).map_err(|e| e.to_string())
}

/// Cumulative incidence curves per cause and group, and Gray's test.
#[cfg(feature = "extended")]
fn competing_curves(spec: &AnalysisSpec, prep: &Prepared, report: &mut Report, warnings: &mut Vec<String>) {
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
    for g in gray.iter().filter(|g| !g.stat.is_finite()) {
        warnings.push(match g.why {
            Some(stats::cuminc::NoStatistic::Undefined) => format!(
                "Gray's test ({} cause) not computed: its variance is not defined for these data (a division by zero within a stratum, as when every patient left at risk there has the event; R's cuminc stops with an error here)",
                g.cause
            ),
            _ => format!(
                "Gray's test ({} cause) not computed: its covariance matrix is singular, so the groups' cumulative incidences cannot be compared (e.g. no two groups are at risk together at an event time within a stratum)",
                g.cause
            ),
        });
    }
    report.gray_test = gray;
}

/// Fine-Gray models (multivariable, univariable screen), from `cache` when their part of the
/// spec is unchanged.
fn competing_models(
    table: &Table,
    spec: &AnalysisSpec,
    prep: &Prepared,
    report: &mut Report,
    warnings: &mut Vec<String>,
    cache: &mut AnalysisCache,
) -> Result<()> {
    // The Fine-Gray model's terms are its covariates: its rows do not depend on the group, the
    // strata or the cluster.
    if spec.covariates.is_empty() && spec.univariable.is_empty() {
        return Ok(());
    }
    let prep = model_rows(table, spec, prep, &mut cache.aft_prep, false)?;
    let spec = &AnalysisSpec { cluster: None, ..spec.clone() };
    multivariable(table, spec, prep, report, warnings, &mut cache.models, |d, part, w| match ext::crr(&d.time, &d.status, &d.x, &d.names) {
        Ok(fit) => {
            w.extend(fit.warnings.iter().cloned());
            part.finegray = Some(fit);
        }
        Err(e) => w.push(format!("Fine-Gray model not fitted: {e}")),
    }, |from, to| to.finegray = from.finegray.clone())?;
    // Univariable screen with competing events: one Fine-Gray model per candidate.
    univariable_screen(table, spec, prep, report, warnings, (&mut cache.univariable_key, &mut cache.univariable), "Fine-Gray", |d| {
        let fit = ext::crr(&d.time, &d.status, &d.x, &d.names)?;
        let terms = fit
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
            .collect();
        Ok(UnivariableModel { covariate: String::new(), n: fit.n, events: fit.events, terms, lr_test: None })
    })?;
    Ok(())
}

#[cfg_attr(not(feature = "extended"), allow(dead_code))]
fn table1(table: &Table, spec: &AnalysisSpec, prep: &Prepared, cols: &[String]) -> Result<Vec<stats::table1::Table1Row>> {
    // Patients with several rows (start–stop intervals, time-varying splits) are described once
    // per group, by their first row there; frequency-weighted copies count as patients.
    if let Some(p) = &prep.study.patient {
        let (codes, _) = group_codes(prep);
        let mut seen = std::collections::HashSet::new();
        let keep: Vec<usize> = (0..prep.rows.len()).filter(|&i| seen.insert((p[i], codes[i]))).collect();
        if keep.len() < prep.rows.len() {
            let sub = Prepared {
                rows: keep.iter().map(|&i| prep.rows[i]).collect(),
                time: keep.iter().map(|&i| prep.time[i]).collect(),
                status: keep.iter().map(|&i| prep.status[i]).collect(),
                group: prep.group.as_ref().map(|g| crate::prepare::Factor { codes: keep.iter().map(|&i| g.codes[i]).collect(), levels: g.levels.clone() }),
                strata: None,
                study: Default::default(),
                continued: None,
                ..prep.clone()
            };
            return table1_rows(table, spec, &sub, cols);
        }
    }
    table1_rows(table, spec, prep, cols)
}

#[cfg_attr(not(feature = "extended"), allow(dead_code))]
fn table1_rows(table: &Table, spec: &AnalysisSpec, prep: &Prepared, cols: &[String]) -> Result<Vec<stats::table1::Table1Row>> {
    let (codes, levels) = group_codes(prep);
    let mut out = Vec::new();
    for name in cols {
        let col = column(table, name, "Table 1")?;
        let mut categorical = spec.categorical.contains(name) || matches!(col.data, ColumnData::Text { .. });
        // A few integer codes (sex 1/2, ECOG 0–4) are categories unless the spec says numeric.
        let codes_only = spec.table1_codes && !categorical && !spec.numeric.contains(name) && matches!(col.data, ColumnData::Numeric(_)) && {
            let (v, _) = crate::prepare::numeric_values(col);
            let v: Vec<f64> = prep.rows.iter().map(|&r| v[r]).collect();
            stats::table1::is_code_column(&v) || stats::table1::is_site_code(name, &v)
        };
        categorical |= codes_only;
        let row = if categorical {
            let mut f = crate::prepare::factor(col, &prep.rows);
            spec.labels.relabel(name, &mut f.levels)?;
            let mut row = stats::table1::describe(name, stats::table1::Variable::Categorical(&f.codes, &f.levels), &codes, &levels);
            if codes_only && row.note.is_none() {
                row.note = Some(if f.levels.len() <= stats::table1::MAX_CODES {
                    stats::table1::code_column_note(f.levels.len())
                } else {
                    format!("{} site codes: shown as categories (set the column's type to numeric for a mean)", f.levels.len())
                });
            }
            row
        } else {
            let (v, _) = crate::prepare::numeric_values(col);
            let v: Vec<f64> = prep.rows.iter().map(|&r| v[r]).collect();
            stats::table1::describe(name, stats::table1::Variable::Numeric(&v), &codes, &levels)
        };
        let mut row = row;
        row.label = spec.labels.variables.get(name).filter(|l| !l.trim().is_empty()).cloned();
        out.push(row);
    }
    Ok(out)
}

/// Read a file and run a spec: the CLI's and the page's one entry point.
pub fn analyze_bytes(bytes: &[u8], name: &str, spec: &AnalysisSpec) -> Result<Report> {
    let table = crate::ingest::read_table(bytes, name, &crate::ingest::ReadOptions::from_spec(spec))?;
    analyze(&table, spec).map_err(|e: Error| e.at_file(name))
}

/// The study-design parts of the report computed after the curves: the conditional survival
/// table (`conditional`) and the immortal-time warning (`immortal_time`, also a warning).
fn study_extras(table: &Table, spec: &AnalysisSpec, prep: &crate::prepare::Prepared, report: &mut Report, warnings: &mut Vec<String>) {
    if let Some(cond) = &spec.conditional {
        if prep.competing {
            warnings.push("conditional survival is not available with competing events (it is a Kaplan-Meier quantity); it was left out".to_string());
        } else if spec.sampling_weights().is_some() {
            warnings.push("conditional survival is not available with sampling weights (its variance is not the Greenwood sum); it was left out".to_string());
        } else {
            report.conditional = crate::study::conditional_rows(&report.km, cond, spec.conf_type);
        }
    }
    if !prep.competing && prep.study.time_varying.is_empty() {
        if let Some(it) = crate::study::immortal_time(table, spec, &prep.rows, &prep.time, prep.group.as_ref()) {
            warnings.push(it.message.clone());
            report.immortal_time = Some(it);
        }
    }
}
