//! Adjusted comparisons: the steps of an analysis that need the table and the spec around the
//! estimators of `stats::spline`, `stats::logistic` and `stats::adjusted` (spline reports,
//! subgroup hazard ratios and interaction tests, directly standardised curves, propensity-score
//! weights). `analyze` calls these; each returns its report part and pushes warnings that name
//! the column and say what to do, and none of them stops the rest of the analysis.

use crate::prepare::{design, Design, Prepared};
use crate::spec::AnalysisSpec;
use crate::stats::common::TestResult;
use crate::stats::select;
use crate::stats::cox::CoxReport;
use crate::stats::spline::{hr_curve, SplineReport};
use crate::table::Table;

/// A Cox fit of a design with the spec's ties, strata and cluster, without PH residuals (a
/// helper model whose residuals nobody plots).
fn cox_quiet(d: &Design, spec: &AnalysisSpec) -> Result<CoxReport, String> {
    crate::stats::cox::coxph_extra(&d.cox_input(spec.ties), d.cox_extra(), crate::stats::cox::Residuals::Never).map_err(|e| e.to_string())
}

/// The report of each spline covariate of the multivariable Cox model `fit` of design `d`:
/// the hazard-ratio curve against the median and the likelihood-ratio test of non-linearity
/// (the model refitted with the column entering linearly, on the same rows).
pub fn spline_reports(table: &Table, spec: &AnalysisSpec, prep: &Prepared, d: &Design, fit: &CoxReport, warnings: &mut Vec<String>) -> Vec<SplineReport> {
    let mut out = Vec::new();
    let p = fit.terms.len();
    for s in &d.splines {
        let k = s.spline.df();
        let names: Vec<String> = d.names[s.first..s.first + k].to_vec();
        let Some(pos) = names.iter().map(|n| fit.terms.iter().position(|t| &t.name == n)).collect::<Option<Vec<usize>>>() else {
            warnings.push(format!(
                "spline of '{}': a spline term was left out of the Cox model (collinear or constant), so no hazard-ratio curve or non-linearity test is given",
                s.column
            ));
            continue;
        };
        let coef: Vec<f64> = pos.iter().map(|&i| fit.terms[i].coef).collect();
        let vcov: Vec<f64> = pos.iter().flat_map(|&r| pos.iter().map(move |&c| (r, c))).map(|(r, c)| fit.vcov.get(r * p + c).copied().unwrap_or(f64::NAN)).collect();
        let (reference, curve) = hr_curve(&s.spline, &coef, &vcov, &s.values);
        let nonlinear = if k >= 2 {
            // The same model with the column linear: without the interactions with it, which the
            // spline model left out (else the linear model has more terms and the test is off).
            let linear_spec = AnalysisSpec {
                splines: spec.splines.iter().filter(|t| t.column != s.column).cloned().collect(),
                interactions: spec.interactions.iter().filter(|[a, b]| *a != s.column && *b != s.column).cloned().collect(),
                ..spec.clone()
            };
            let linear = design(table, &linear_spec, prep, &spec.covariates, &mut Vec::new()).map_err(|e| e.message).and_then(|dl| cox_quiet(&dl, spec));
            match linear {
                Ok(lin) => Some(TestResult::chisq(2.0 * (fit.loglik[1] - lin.loglik[1]), (k - 1) as f64)),
                Err(e) => {
                    warnings.push(format!("spline of '{}': the linear model for the test of non-linearity was not fitted: {e}", s.column));
                    None
                }
            }
        } else {
            None
        };
        let mut knots = s.spline.interior.clone();
        knots.sort_by(f64::total_cmp);
        out.push(SplineReport {
            column: s.column.clone(),
            df: k,
            terms: names,
            knots,
            boundary_knots: s.spline.boundary,
            reference,
            nonlinear,
            curve,
        });
    }
    out
}

/// Warnings for `splines` and `interactions` that name a column the model does not hold: each
/// is left out, and the warning says what to add.
pub fn model_term_warnings(spec: &AnalysisSpec) -> Vec<String> {
    let mut out = Vec::new();
    for s in &spec.splines {
        if !spec.covariates.contains(&s.column) {
            out.push(format!(
                "spline of '{}' not used: '{}' is not among the covariates; add it to covariates to enter it as a spline",
                s.column, s.column
            ));
        }
    }
    for [a, b] in &spec.interactions {
        let missing: Vec<&String> = [a, b].into_iter().filter(|c| !spec.covariates.contains(c)).collect();
        if !missing.is_empty() {
            out.push(format!(
                "interaction {a}:{b} left out: {} not among the covariates; both sides of an interaction must be main effects of the model (add {} to covariates)",
                missing.iter().map(|c| format!("'{c}'")).collect::<Vec<_>>().join(" and "),
                if missing.len() == 1 { "it" } else { "them" }
            ));
        }
    }
    out
}

/// Disclosure threshold k used to flag small subgroup levels and balance-table arms when the
/// page does not set one (the project's default k).
pub const DEFAULT_MIN_CELL: usize = 5;

/// Most levels a subgroup column may have (a continuous column must be categorised first).
pub const MAX_SUBGROUP_LEVELS: usize = 20;

/// The hazard ratio of the group (second level against the first) within one level of a
/// subgroup column: one row of the forest plot.
#[derive(Debug, Clone, serde::Serialize, PartialEq)]
pub struct SubgroupRow {
    pub column: String,
    pub level: String,
    pub n: usize,
    pub events: usize,
    /// Cox coefficient of the group and its standard error (null when not estimable).
    pub coef: f64,
    pub se: f64,
    pub hr: f64,
    pub lower: f64,
    pub upper: f64,
    pub p: f64,
    /// Fewer than k (`DEFAULT_MIN_CELL`) patients in this level: small-cell rules apply.
    pub small: bool,
    /// The smallest count above 0 of patients or events of one arm of the group within the
    /// level (`usize::MAX`: none). Never serialized (it is a count): the disclosure module
    /// withholds the hazard ratio when it is below k (its variance, about 1/d₁ + 1/d₀, would
    /// give the arm's events back).
    #[serde(skip)]
    pub smallest_arm_count: usize,
}

/// Likelihood-ratio test of group × column (does the hazard ratio differ between levels?).
#[derive(Debug, Clone, serde::Serialize, PartialEq)]
pub struct InteractionTest {
    pub column: String,
    pub chisq: f64,
    pub df: f64,
    pub p: f64,
}

/// Subgroup hazard ratios and interaction tests for `spec.subgroups`, with a two-level group.
///
/// Within each level L of column C: `coxph(Surv ~ g, subset = C == L)` (the spec's ties and
/// strata). Per column: `anova(coxph(~ g + factor(C)), coxph(~ g * factor(C)))`, i.e.
/// 2(ℓ_interaction − ℓ_main) on as many degrees of freedom as the interaction terms the
/// model could estimate. Rows missing C are left out of that column's rows (warning).
///
/// The overall row (first in published forests, drawn as a diamond) is the same model without
/// the split: `coxph(Surv ~ g)` on every analysed row; `column` is empty and `level` "Overall".
pub fn subgroups(table: &Table, spec: &AnalysisSpec, prep: &Prepared, warnings: &mut Vec<String>) -> crate::Result<(Vec<SubgroupRow>, Vec<InteractionTest>, Option<SubgroupRow>)> {
    let mut rows_out = Vec::new();
    let mut tests = Vec::new();
    if spec.subgroups.is_empty() {
        return Ok((rows_out, tests, None));
    }
    let Some(g) = prep.group.as_ref().filter(|g| g.levels.len() == 2) else {
        warnings.push(format!(
            "subgroups not analysed: they compare the two levels of the group, and {}",
            match &prep.group {
                None => "no group is set; set group to the two-level treatment column".to_string(),
                Some(g) => format!("group '{}' has {} levels among the analysed rows; choose a two-level group", spec.group.as_ref().map(|s| s.label()).unwrap_or_default(), g.levels.len()),
            }
        ));
        return Ok((rows_out, tests, None));
    };
    let arm: Vec<f64> = g.codes.iter().map(|&c| if c == 1 { 1.0 } else { 0.0 }).collect();
    let all: Vec<usize> = (0..arm.len()).collect();
    let overall = subgroup_row(prep, spec, &all, &arm, "", "Overall", warnings);
    for name in &spec.subgroups {
        let col = crate::prepare::column(table, name, "subgroup")?;
        let f = crate::prepare::factor(col, &prep.rows);
        if f.levels.len() > MAX_SUBGROUP_LEVELS {
            warnings.push(format!(
                "subgroup '{name}' not analysed: it has {} distinct values (at most {MAX_SUBGROUP_LEVELS}); categorise it first (e.g. a filter or a derived column)",
                f.levels.len()
            ));
            continue;
        }
        let missing: Vec<u64> = f.codes.iter().enumerate().filter(|(_, &c)| c == crate::table::MISSING).map(|(i, _)| table.line(prep.rows[i])).collect();
        if !missing.is_empty() {
            warnings.push(format!(
                "{} {} left out of the subgroups of '{name}': '{name}' is missing ({})",
                missing.len(),
                if missing.len() == 1 { "row" } else { "rows" },
                crate::prepare::line_list(&missing)
            ));
        }
        for (li, level) in f.levels.iter().enumerate() {
            let idx: Vec<usize> = (0..f.codes.len()).filter(|&i| f.codes[i] == li as u32).collect();
            let row = subgroup_row(prep, spec, &idx, &arm, name, level, warnings);
            rows_out.push(row);
        }
        // Interaction test on the rows with the column present.
        let idx: Vec<usize> = (0..f.codes.len()).filter(|&i| f.codes[i] != crate::table::MISSING).collect();
        let present: Vec<usize> = (1..f.levels.len()).filter(|&l| idx.iter().any(|&i| f.codes[i] == l as u32)).collect();
        if present.is_empty() {
            continue;
        }
        let arm_col: Vec<f64> = idx.iter().map(|&i| arm[i]).collect();
        let dummies: Vec<Vec<f64>> = present.iter().map(|&l| idx.iter().map(|&i| if f.codes[i] == l as u32 { 1.0 } else { 0.0 }).collect()).collect();
        let mut names = vec!["group".to_string()];
        names.extend(present.iter().map(|&l| format!("{name}={}", f.levels[l])));
        let mut main_x = vec![arm_col.clone()];
        main_x.extend(dummies.iter().cloned());
        let mut full_x = main_x.clone();
        let mut full_names = names.clone();
        for (d, &l) in dummies.iter().zip(&present) {
            full_x.push(d.iter().zip(&arm_col).map(|(a, b)| a * b).collect());
            full_names.push(format!("group:{name}={}", f.levels[l]));
        }
        let main = CoxColumns::subset(prep, &idx, main_x, names).fit(spec);
        let full = CoxColumns::subset(prep, &idx, full_x, full_names).fit(spec);
        match (main, full) {
            (Ok(m), Ok(fu)) => {
                for w in fu.warnings.iter().filter(|w| w.contains("infinite") || w.contains("converge")) {
                    warnings.push(format!("subgroup '{name}', interaction test: {w}"));
                }
                let df = fu.terms.len() as f64 - m.terms.len() as f64;
                if df > 0.0 {
                    let t = TestResult::chisq(2.0 * (fu.loglik[1] - m.loglik[1]), df);
                    tests.push(InteractionTest { column: name.clone(), chisq: t.chisq, df: t.df, p: t.p });
                } else {
                    warnings.push(format!("subgroup '{name}': no interaction term of group × '{name}' is estimable, so no interaction test"));
                }
            }
            (Err(e), _) | (_, Err(e)) => warnings.push(format!("subgroup '{name}': the interaction test was not computed: {e}")),
        }
    }
    Ok((rows_out, tests, Some(overall)))
}

/// The group's hazard ratio over the rows `idx` (`column` = `level`; the overall row: column
/// empty), with the warnings of a row without events, one arm only, or few patients.
fn subgroup_row(prep: &Prepared, spec: &AnalysisSpec, idx: &[usize], arm: &[f64], name: &str, level: &str, warnings: &mut Vec<String>) -> SubgroupRow {
    let z = crate::stats::common::z95();
    let what = if name.is_empty() { "subgroups, overall row".to_string() } else { format!("subgroup {name} = {level}") };
    let n = idx.len();
    let events = idx.iter().filter(|&&i| prep.status[i] == 1).count();
    let mut row = SubgroupRow {
        column: name.to_string(),
        level: level.to_string(),
        n,
        events,
        coef: f64::NAN,
        se: f64::NAN,
        hr: f64::NAN,
        lower: f64::NAN,
        upper: f64::NAN,
        p: f64::NAN,
        small: n < DEFAULT_MIN_CELL,
        smallest_arm_count: smallest_arm_count(idx, arm, &prep.status),
    };
    if row.small {
        warnings.push(format!(
            "{what}: fewer than {DEFAULT_MIN_CELL} patients; small-cell rules apply to this row (its counts are shown as <{DEFAULT_MIN_CELL} where disclosure control is on)"
        ));
    }
    let input = CoxColumns::subset(prep, idx, vec![idx.iter().map(|&i| arm[i]).collect()], vec!["group".to_string()]);
    if events == 0 {
        warnings.push(format!("{what}: no events among its {n} rows, so no hazard ratio (shown without one)"));
    } else {
        match input.fit(spec) {
            Ok(fit) if fit.terms.len() == 1 => {
                let t = &fit.terms[0];
                for w in &fit.warnings {
                    warnings.push(format!("{what}: {w}"));
                }
                row.coef = t.coef;
                row.se = t.se;
                row.hr = t.hr;
                row.lower = (t.coef - z * t.se).exp();
                row.upper = (t.coef + z * t.se).exp();
                row.p = t.p;
            }
            Ok(_) | Err(_) => warnings.push(format!(
                "{what}: only one level of the group has rows here, so no hazard ratio (shown without one)"
            )),
        }
    }
    row
}

/// [`SubgroupRow::smallest_arm_count`] over the rows `idx` of arms `arm` (0/1).
fn smallest_arm_count(idx: &[usize], arm: &[f64], status: &[u8]) -> usize {
    let mut counts = [0usize; 4];
    for &i in idx {
        let a = usize::from(arm[i] == 1.0);
        counts[a] += 1;
        counts[2 + a] += usize::from(status[i] == 1);
    }
    counts.into_iter().filter(|&c| c > 0).min().unwrap_or(usize::MAX)
}

/// Columns of a helper Cox model over a subset of the prepared rows.
struct CoxColumns {
    time: Vec<f64>,
    status: Vec<u8>,
    strata: Option<Vec<u32>>,
    entry: Option<Vec<f64>>,
    weights: Option<Vec<f64>>,
    x: Vec<Vec<f64>>,
    names: Vec<String>,
}

impl CoxColumns {
    fn subset(prep: &Prepared, idx: &[usize], x: Vec<Vec<f64>>, names: Vec<String>) -> Self {
        CoxColumns {
            time: idx.iter().map(|&i| prep.time[i]).collect(),
            status: idx.iter().map(|&i| prep.status[i]).collect(),
            strata: prep.strata.as_ref().map(|s| idx.iter().map(|&i| s.codes[i]).collect()),
            entry: prep.study.entry.as_ref().map(|e| idx.iter().map(|&i| e[i]).collect()),
            weights: prep.study.weight.as_ref().map(|w| idx.iter().map(|&i| w[i]).collect()),
            x,
            names,
        }
    }
    fn fit(&self, spec: &AnalysisSpec) -> Result<CoxReport, String> {
        let input = crate::stats::cox::CoxInput {
            time: &self.time,
            status: &self.status,
            x: &crate::stats::cols(&self.x),
            names: &self.names,
            strata: self.strata.as_deref(),
            cluster: None,
            ties: spec.ties,
        };
        let extra = crate::stats::cox::CoxExtra { entry: self.entry.as_deref(), weights: self.weights.as_deref() };
        crate::stats::cox::coxph_extra(&input, extra, crate::stats::cox::Residuals::Never).map_err(|e| e.to_string())
    }
}

/// A point of an adjusted curve, with its robust (infinitesimal-jackknife) standard error and
/// 95% limits in the spec's `conf_type` (NaN, written null, where not computed).
#[derive(Debug, Clone, serde::Serialize, PartialEq)]
pub struct TimeSurv {
    pub time: f64,
    pub surv: f64,
    pub std_err: f64,
    pub lower: f64,
    pub upper: f64,
}

impl TimeSurv {
    /// A point without a standard error.
    pub fn bare(time: f64, surv: f64) -> Self {
        TimeSurv { time, surv, std_err: f64::NAN, lower: f64::NAN, upper: f64::NAN }
    }
}

/// Work (rows × steps × levels) above which the standard errors of the adjusted curves are
/// computed at a thinned set of steps (every k-th, and the landmarks) rather than at all.
pub const ADJUSTED_SE_WORK: usize = 20_000_000;

/// The directly standardised survival curve of one group level.
#[derive(Debug, Clone, serde::Serialize, PartialEq)]
pub struct AdjustedCurve {
    pub group: String,
    /// Rows the model (and the average) used.
    pub n: usize,
    /// Rows of this group among them (the legend's "n").
    pub n_group: usize,
    pub steps: Vec<TimeSurv>,
    /// At the spec's landmark `times`.
    pub at: Vec<TimeSurv>,
}

/// Adjusted curves (`"adjusted": "direct"`): the Cox model of group + covariates (group as a
/// factor, the spec's ties, splines and interactions among the covariates), then for each
/// group level the mean over the model's rows of the predicted survival with the group set to
/// that level (`stats::adjusted`).
pub fn adjusted_curves(table: &Table, spec: &AnalysisSpec, prep: &Prepared, warnings: &mut Vec<String>) -> crate::Result<Vec<AdjustedCurve>> {
    if spec.adjusted.is_none() {
        return Ok(Vec::new());
    }
    let skip = |why: String, warnings: &mut Vec<String>| {
        warnings.push(format!("adjusted curves not made: {why}"));
        Ok(Vec::new())
    };
    let (Some(gspec), Some(g)) = (spec.group.as_ref(), prep.group.as_ref()) else {
        return skip("they need a group (set group to the column whose levels are compared)".into(), warnings);
    };
    let Some(gname) = gspec.single() else {
        return skip(format!("the group '{}' crosses two columns; choose one group column", gspec.label()), warnings);
    };
    if g.levels.len() < 2 {
        return skip(format!("group '{gname}' has a single level"), warnings);
    }
    if spec.strata.is_some() {
        return skip("with strata each stratum has its own baseline hazard, so there is no single adjusted curve per group; remove strata (or enter it as a covariate)".into(), warnings);
    }
    if prep.study.patient.is_some() || prep.study.weight.is_some() || !prep.study.time_varying.is_empty() {
        return skip("they are made from one row per patient without weights (followed from time 0 or from a delayed entry); id, time_varying, sampling weights and propensity weighting are not supported with them".into(), warnings);
    }
    let mut covs = vec![gname.to_string()];
    covs.extend(spec.covariates.iter().filter(|c| *c != gname).cloned());
    let mut interactions = spec.interactions.clone();
    interactions.retain(|[a, b]| {
        let with_group = a == gname || b == gname;
        if with_group {
            warnings.push(format!("adjusted curves: the interaction {a}:{b} with the group is left out of their model"));
        }
        !with_group
    });
    let mut categorical = spec.categorical.clone();
    categorical.push(gname.to_string());
    let model_spec = AnalysisSpec { covariates: covs.clone(), categorical, interactions, splines: spec.splines.iter().filter(|s| s.column != gname).cloned().collect(), ..spec.clone() };
    let mut w = Vec::new();
    let d = design(table, &model_spec, prep, &covs, &mut w)?;
    let fit = match crate::stats::cox::coxph_extra(&d.cox_input(spec.ties), d.cox_extra(), crate::stats::cox::Residuals::Never) {
        Ok(f) => f,
        Err(e) => return skip(format!("their Cox model was not fitted: {e}"), warnings),
    };
    for m in fit.warnings.iter() {
        warnings.push(format!("adjusted curves: {m}"));
    }
    // Coefficient of each design column (0 for a term left out of the fit, as R's NA).
    let beta: Vec<f64> = d.names.iter().map(|n| fit.terms.iter().find(|t| &t.name == n).map_or(0.0, |t| t.coef)).collect();
    let n = d.time.len();
    let eta: Vec<f64> = (0..n).map(|i| d.x.iter().zip(&beta).map(|(col, b)| col[i] * b).sum()).collect();
    // The group's terms come first: one per level but the reference, in level order.
    let reference = spec.reference.get(gname).and_then(|r| g.levels.iter().position(|l| l == r)).unwrap_or(0);
    let group_terms: Vec<usize> = (0..g.levels.len()).filter(|&l| l != reference).collect();
    let by_level: Vec<Vec<f64>> = (0..g.levels.len())
        .map(|level| {
            (0..n)
                .map(|i| {
                    let own: f64 = group_terms.iter().enumerate().map(|(j, _)| d.x[j][i] * beta[j]).sum();
                    let set: f64 = group_terms.iter().enumerate().filter(|(_, &l)| l == level).map(|(j, _)| beta[j]).sum();
                    eta[i] - own + set
                })
                .collect()
        })
        .collect();
    let efron = spec.ties == crate::spec::Ties::Efron;
    let curves = crate::stats::adjusted::direct_standardisation(&d.time, &d.status, d.entry.as_deref(), &eta, &by_level, efron);
    let se: Vec<Vec<f64>> = adjusted_se(&d, &fit, &beta, &group_terms, g.levels.len(), &curves, spec, efron, warnings).into_iter().zip(&curves).map(|(se, c)| interpolated_se(&c.time, se)).collect();
    let z = crate::stats::common::z95();
    let point = |c: &crate::stats::adjusted::StandardisedCurve, se: &[f64], k: Option<usize>, time: f64| match k {
        None => TimeSurv { time, surv: 1.0, std_err: 0.0, lower: f64::NAN, upper: f64::NAN },
        Some(k) => {
            let (s, e) = (c.surv[k], se.get(k).copied().unwrap_or(f64::NAN));
            let (lower, upper) = crate::stats::km::conf_limits(s, if s > 0.0 { e / s } else { f64::NAN }, spec.conf_type, z);
            TimeSurv { time, surv: s, std_err: e, lower, upper }
        }
    };
    Ok(curves
        .iter()
        .zip(&g.levels)
        .zip(&se)
        .map(|((c, level), se)| AdjustedCurve {
            group: level.clone(),
            n,
            n_group: (0..n).filter(|&i| own_level(&d, &group_terms, i) == g.levels.iter().position(|l| l == level).unwrap_or(usize::MAX)).count(),
            at: spec.times.iter().map(|&t| point(c, se, c.time.partition_point(|&x| x <= t).checked_sub(1), t)).collect(),
            steps: (0..c.time.len()).map(|k| point(c, se, Some(k), c.time[k])).collect(),
        })
        .collect())
}

/// The level of row `i` from the group's indicator columns (the first ones of the design):
/// the reference level when none is 1.
fn own_level(d: &Design, group_terms: &[usize], i: usize) -> usize {
    group_terms.iter().enumerate().find(|(j, _)| d.x[*j][i] == 1.0).map_or_else(|| (0..=group_terms.len()).find(|l| !group_terms.contains(l)).unwrap_or(0), |(_, &l)| l)
}

/// Standard errors computed at some steps only (large data, [`adjusted_se`]) filled in between:
/// linearly in time between the two computed ones around a step, so the band is one continuous
/// polygon; before the first and after the last computed one the step keeps none (NaN).
fn interpolated_se(time: &[f64], mut se: Vec<f64>) -> Vec<f64> {
    let known: Vec<usize> = (0..se.len()).filter(|&k| se[k].is_finite()).collect();
    for w in known.windows(2) {
        let (a, b) = (w[0], w[1]);
        let (ta, tb) = (time[a], time[b]);
        for k in a + 1..b {
            let f = if tb > ta { (time[k] - ta) / (tb - ta) } else { 0.0 };
            se[k] = se[a] + f * (se[b] - se[a]);
        }
    }
    se
}

/// Robust standard errors of the adjusted curves (`stats::adjusted::standardised_se`) at each
/// step: at all of them when rows × steps × levels ≤ [`ADJUSTED_SE_WORK`], else at every k-th
/// step and the landmarks (a warning says so; [`interpolated_se`] fills the steps between). None when a term was dropped from the model.
#[allow(clippy::too_many_arguments)]
fn adjusted_se(d: &Design, fit: &CoxReport, beta: &[f64], group_terms: &[usize], levels: usize, curves: &[crate::stats::adjusted::StandardisedCurve], spec: &AnalysisSpec, efron: bool, warnings: &mut Vec<String>) -> Vec<Vec<f64>> {
    let nan = || curves.iter().map(|c| vec![f64::NAN; c.time.len()]).collect();
    let p = d.names.len();
    if fit.terms.len() != p || fit.terms.iter().zip(&d.names).any(|(t, n)| &t.name != n) || fit.vcov.iter().any(|v| !v.is_finite()) {
        warnings.push("adjusted curves: no confidence band (a term of their model was dropped or has no variance)".to_string());
        return nan();
    }
    let Some(first) = curves.first() else { return Vec::new() };
    let steps = first.time.len();
    let n = d.time.len();
    let work = n.saturating_mul(steps).saturating_mul(levels);
    let every = work.div_ceil(ADJUSTED_SE_WORK).max(1);
    let mut which: Vec<bool> = (0..steps).map(|k| k % every == 0 || k + 1 == steps).collect();
    for &t in &spec.times {
        if let Some(k) = first.time.partition_point(|&x| x <= t).checked_sub(1) {
            which[k] = true;
        }
    }
    if every > 1 {
        warnings.push(format!(
            "adjusted curves: the 95% band is computed at one step time in {every} (of {steps}) and at the landmarks ({n} rows × {steps} steps is too much work for every step); between them the standard error is interpolated linearly in time"
        ));
    }
    // Each level's values of the group's indicator columns.
    let level_x: Vec<Vec<f64>> = (0..levels).map(|l| group_terms.iter().map(|&t| if t == l { 1.0 } else { 0.0 }).collect()).collect();
    let cols = crate::stats::adjusted::CoxFitColumns { time: &d.time, status: &d.status, entry: d.entry.as_deref(), x: &d.x, beta, vcov: &fit.vcov, efron };
    crate::stats::adjusted::standardised_se(&cols, &level_x, &which)
}

/// The legend's addition for a propensity-weighted curve: ", weighted Σw", Σw the arm's size
/// in the weighted pseudo-population (so "(n = 69, weighted 71.3)": 69 patients, who stand for
/// 71.3 under the weights); empty without propensity weights, when Σw is withheld, or when the
/// arm has fewer than `min_cell` patients (Σw would give its size away).
pub fn weighted_n_text(report: &crate::Report, group: &Option<String>, min_cell: Option<u32>) -> String {
    let Some(g) = group else { return String::new() };
    report
        .propensity
        .as_ref()
        .and_then(|p| p.ess.iter().find(|e| &e.group == g))
        .filter(|e| e.weight_sum.is_finite() && min_cell.is_none_or(|k| e.n as u64 >= k as u64))
        .map_or(String::new(), |e| format!(", weighted {:.1}", e.weight_sum))
}

/// Weights above this count as extreme (one row standing for more than 10 patients).
pub const EXTREME_WEIGHT: f64 = 10.0;

/// Effective sample size of one arm under the weights: (Σw)² / Σw².
#[derive(Debug, Clone, serde::Serialize, PartialEq)]
pub struct Ess {
    pub group: String,
    pub n: usize,
    /// Σw: the arm's size in the weighted pseudo-population (the legend's "weighted").
    pub weight_sum: f64,
    pub ess: f64,
    pub min_weight: f64,
    pub max_weight: f64,
    /// Rows of this arm with a weight above [`EXTREME_WEIGHT`].
    pub extreme: usize,
    /// Range of the propensity score in this arm.
    pub ps_min: f64,
    pub ps_max: f64,
}

/// Standardised mean difference of one model term (as a Cox term is named), before and after
/// weighting: (treated − untreated mean) / sqrt of the mean of the two unweighted variances.
#[derive(Debug, Clone, serde::Serialize, PartialEq)]
pub struct Balance {
    pub name: String,
    pub smd_before: f64,
    pub smd_after: f64,
    /// A 0/1 term with fewer than k rows at 1 (or 0) in an arm: small-cell rules apply.
    pub small: bool,
    /// A 0/1 term's smallest count of rows at 1 or at 0 in an arm, counting only counts above
    /// 0 (`usize::MAX` for any other term): the disclosure module withholds the row's SMDs
    /// when it is below the export's k. Never serialized (it is a count).
    #[serde(skip)]
    pub smallest_cell: usize,
}

/// [`Balance::smallest_cell`] from a 0/1 term's rows at 1 per arm (`None`: not a 0/1 term)
/// and the arms' rows.
fn smallest_cell(ones: Option<[usize; 2]>, rows: [usize; 2]) -> usize {
    ones.map_or(usize::MAX, |ones| (0..2).flat_map(|a| [ones[a], rows[a] - ones[a]]).filter(|&c| c > 0).min().unwrap_or(usize::MAX))
}

/// The propensity-score model and its weights.
#[derive(Debug, Clone, serde::Serialize, PartialEq)]
pub struct PropensityReport {
    pub treatment: String,
    /// The treated level (the second) and the comparison level (the first).
    pub treated: String,
    pub control: String,
    pub estimand: &'static str,
    pub stabilize: bool,
    /// Rows of the model (complete cases of treatment and covariates).
    pub n: usize,
    /// `glm(treated ~ covariates, binomial)`, `(Intercept)` first.
    pub terms: Vec<crate::stats::logistic::LogisticTerm>,
    pub ess: Vec<Ess>,
    pub balance: Vec<Balance>,
    /// Largest |SMD| after weighting (balance is usually called adequate below 0.1).
    pub max_smd_after: f64,
    /// What the weighted estimate means, in words.
    pub meaning: String,
    /// Rows with a weight above [`EXTREME_WEIGHT`], over both arms.
    pub extreme: usize,
}

/// Whether the curves' group is the column `name` itself, with its levels as they are in the
/// file (no labels), so that `prep.group` is that column's factor of the analysed rows.
fn group_is_column(spec: &AnalysisSpec, name: &str) -> bool {
    spec.group.as_ref().and_then(|g| g.single()) == Some(name) && spec.time_varying_group().is_none() && !spec.labels.levels.contains_key(name)
}

/// The propensity model's columns: the design's (copied, the incomplete rows left out), or the
/// file's own columns, borrowed ([`columns_in_place`]).
enum ModelColumns<'a> {
    Copied(Design<'a>),
    InPlace { idx: Vec<usize>, x: Vec<&'a [f64]>, names: &'a [String] },
}

impl ModelColumns<'_> {
    /// The rows (indices into the analysed rows), the columns over those rows and the names.
    fn parts(&self) -> (&[usize], Vec<&[f64]>, &[String]) {
        match self {
            ModelColumns::Copied(d) => (&d.idx, d.x.iter().map(|c| &c[..]).collect(), &d.names),
            ModelColumns::InPlace { idx, x, names } => (idx, x.clone(), names),
        }
    }
}

/// The usual propensity model's columns without copying them: when the analysed rows are the
/// file's first rows in order and every covariate is a number column with a value on each of
/// them (no time-varying, categorical or spline term), `design` would copy each column as it
/// is, exclude no row and warn of nothing; its terms are the columns themselves, named as they
/// are. `None` otherwise (then `design` makes the model's columns).
fn columns_in_place<'a>(table: &'a Table, spec: &AnalysisSpec, prep: &Prepared, covariates: &'a [String]) -> Option<ModelColumns<'a>> {
    let n = prep.rows.len();
    if !spec.splines.is_empty() || !spec.interactions.is_empty() || spec.cluster.is_some() || !prep.rows.iter().enumerate().all(|(i, &r)| i == r) {
        return None;
    }
    let mut x = Vec::with_capacity(covariates.len());
    for name in covariates {
        if prep.study.time_varying.iter().any(|t| t.0 == *name) || spec.categorical.contains(name) {
            return None;
        }
        let col = table.column(name)?;
        let crate::table::ColumnData::Numeric(all) = &col.data else { return None };
        let values = all.get(..n)?;
        if values.iter().any(|v| v.is_nan()) {
            return None;
        }
        x.push(values);
    }
    Some(ModelColumns::InPlace { idx: (0..n).collect(), x, names: covariates })
}

/// Propensity-score weights of the analysed rows (`weights[i]` for `prep` row i; NaN for a
/// row left out of the propensity model) and the report, or `None` (with a warning saying
/// why) when the model cannot give weights: a treatment without exactly two levels, perfect
/// separation, a model that cannot be fitted.
// Long because: one sequence of checks, each refusing weighting with its own warning (treatment levels, rows dropped, separation, convergence), then the weights, the balance table and its notes; each step reads the previous one's rows.
pub fn propensity(table: &Table, spec: &AnalysisSpec, prep: &Prepared, warnings: &mut Vec<String>) -> crate::Result<Option<(PropensityReport, Vec<f64>)>> {
    let Some(ps) = &spec.propensity else { return Ok(None) };
    let refuse = |why: String, warnings: &mut Vec<String>| {
        warnings.push(format!("propensity weighting not done: {why}. The analysis below is unweighted."));
        Ok(None)
    };
    let tcol = crate::prepare::column(table, &ps.treatment, "treatment")?;
    // The treatment's factor of the analysed rows: the curves' own when they are by the
    // treatment (prepare made it of the same column and rows; without labels of its levels,
    // its levels are the column's values, as here), else made here.
    let made;
    let tf = match &prep.group {
        Some(g) if group_is_column(spec, &ps.treatment) => g,
        _ => {
            made = crate::prepare::factor(tcol, &prep.rows);
            &made
        }
    };
    if tf.levels.len() != 2 {
        return refuse(
            format!(
                "the treatment '{}' has {} level{} among the analysed rows ({}); it must have exactly two (filter the rows or choose another column)",
                ps.treatment,
                tf.levels.len(),
                if tf.levels.len() == 1 { "" } else { "s" },
                tf.levels.join(", ")
            ),
            warnings,
        );
    }
    // The model's own spec: the propensity covariates, no splines or interactions of the Cox
    // model, and the treatment's missing rows left out like a covariate's.
    let model_spec = AnalysisSpec { covariates: ps.covariates.clone(), splines: Vec::new(), interactions: Vec::new(), cluster: None, ..spec.clone() };
    let mut w = Vec::new();
    let d = match columns_in_place(table, &model_spec, prep, &ps.covariates) {
        Some(d) => d,
        None => ModelColumns::Copied(design(table, &model_spec, prep, &ps.covariates, &mut w)?),
    };
    for m in w {
        warnings.push(format!("propensity model: {m}"));
    }
    let (d_idx, d_x, d_names) = d.parts();
    // The model's rows (those of the design with a treatment) and their outcome, in one pass.
    let (mut idx, mut y) = (Vec::with_capacity(d_idx.len()), Vec::with_capacity(d_idx.len()));
    let mut n1 = 0usize;
    for &i in d_idx {
        let code = tf.codes.get(i).copied().unwrap_or(crate::table::MISSING);
        if code != crate::table::MISSING {
            idx.push(i);
            y.push(f64::from(code == 1));
            n1 += usize::from(code == 1);
        }
    }
    let dropped = d_idx.len() - idx.len();
    if dropped > 0 {
        let lines: Vec<u64> = d_idx.iter().filter(|&&i| tf.codes[i] == crate::table::MISSING).map(|&i| table.line(prep.rows[i])).collect();
        warnings.push(format!(
            "{dropped} {} excluded from the propensity model: treatment '{}' is missing ({})",
            if dropped == 1 { "row" } else { "rows" },
            ps.treatment,
            crate::prepare::line_list(&lines)
        ));
    }
    // Columns of the design restricted to rows with a treatment (the design's own, uncopied,
    // when every row has one).
    let x: Vec<std::borrow::Cow<[f64]>> = if dropped == 0 {
        d_x.iter().map(|c| std::borrow::Cow::Borrowed(*c)).collect()
    } else {
        let keep: Vec<usize> = (0..d_idx.len()).filter(|&k| tf.codes[d_idx[k]] != crate::table::MISSING).collect();
        d_x.iter().map(|c| std::borrow::Cow::Owned(keep.iter().map(|&k| c[k]).collect())).collect()
    };
    let n0 = y.len() - n1;
    if n1 == 0 || n0 == 0 {
        return refuse(format!("among the rows with every propensity covariate, the treatment '{}' has one level only", ps.treatment), warnings);
    }
    let fit = match crate::stats::logistic::logistic(&y, &x, d_names) {
        Ok(f) => f,
        Err(e) => return refuse(format!("the propensity model was not fitted: {e}"), warnings),
    };
    if !fit.separated.is_empty() {
        return refuse(
            format!(
                "the covariates separate '{}' perfectly (or almost): {} row{} have a fitted propensity of 0 or 1 (e.g. line {}): such patients have no counterparts in the other arm, so the arms do not overlap and the weighted comparison is not defined (their weights are degenerate: near 1, near 0 or infinite). Remove or coarsen the covariate that predicts the treatment exactly",
                ps.treatment,
                fit.separated.len(),
                if fit.separated.len() == 1 { "" } else { "s" },
                table.line(prep.rows[idx[fit.separated[0]]])
            ),
            warnings,
        );
    }
    if !fit.converged {
        warnings.push(format!("propensity model: the logistic fit did not converge in {} iterations; its weights are uncertain", fit.iterations));
    }
    let att = ps.estimand == crate::spec::Estimand::Att;
    let p_treated = n1 as f64 / y.len() as f64;
    let (weight, ess) = weights_and_arms(&y, &fit.fitted, att, ps.stabilize, p_treated, [&tf.levels[0], &tf.levels[1]]);
    let columns: Vec<&[f64]> = x.iter().map(|c| &c[..]).collect();
    let balance = balance_rows(d_names, &columns, &y, &weight, [n0, n1]);
    let max_smd_after = balance.iter().map(|b| b.smd_after.abs()).fold(0.0, f64::max);
    let extreme: usize = ess.iter().map(|e| e.extreme).sum();
    let (t, c) = (&tf.levels[1], &tf.levels[0]);
    let meaning = if att {
        format!(
            "ATT weights: the untreated ({} = {c}) are reweighted to resemble the treated ({} = {t}). The weighted hazard ratio estimates the effect of {t} versus {c} among patients like those who received {t}, assuming every confounder is among the covariates.",
            ps.treatment, ps.treatment
        )
    } else {
        format!(
            "ATE weights{}: both arms are reweighted to resemble the whole cohort. The weighted hazard ratio estimates the effect had every patient received {t} versus had every patient received {c}, assuming every confounder is among the covariates.",
            if ps.stabilize { " (stabilised by the share of each arm)" } else { "" }
        )
    };
    if extreme > 0 {
        warnings.push(format!(
            "propensity weights: {extreme} row{} weigh more than {EXTREME_WEIGHT} (largest {:.1}): a few patients with a propensity near 0 or 1 dominate the weighted estimate; check the overlap of the two arms (propensity ranges {:.3}–{:.3} and {:.3}–{:.3}), consider trimming or ATT",
            if extreme == 1 { "" } else { "s" },
            ess.iter().map(|e| e.max_weight).fold(0.0, f64::max),
            ess[0].ps_min,
            ess[0].ps_max,
            ess[1].ps_min,
            ess[1].ps_max
        ));
    }
    if max_smd_after > 0.1 {
        let worst: Vec<&str> = balance.iter().filter(|b| b.smd_after.abs() > 0.1).map(|b| b.name.as_str()).collect();
        warnings.push(format!(
            "propensity weights: {} still imbalanced after weighting (|SMD| > 0.1): {}; the weighted comparison is not adjusted enough for {}",
            if worst.len() == 1 { "one term is" } else { "some terms are" },
            worst.join(", "),
            if worst.len() == 1 { "it" } else { "them" }
        ));
    }
    if balance.iter().any(|b| b.small) {
        warnings.push(format!("propensity balance: some categorical levels have fewer than {DEFAULT_MIN_CELL} rows in an arm; small-cell rules apply to those balance rows"));
    }
    // Every analysed row in the model (the design's rows are the analysed rows in order): the
    // weights are the rows' as they are.
    let per_row = if idx.len() == prep.rows.len() {
        weight
    } else {
        let mut per_row = vec![f64::NAN; prep.rows.len()];
        for (k, &i) in idx.iter().enumerate() {
            per_row[i] = weight[k];
        }
        per_row
    };
    Ok(Some((
        PropensityReport {
            treatment: ps.treatment.clone(),
            treated: t.clone(),
            control: c.clone(),
            estimand: if att { "ATT" } else { "ATE" },
            stabilize: ps.stabilize && !att,
            n: idx.len(),
            terms: fit.terms,
            ess,
            balance,
            max_smd_after,
            meaning,
            extreme,
        },
        per_row,
    )))
}

/// The propensity weight of each row (`y` 1 treated, 0 untreated; `score` its fitted
/// propensity e): ATE 1/e and 1/(1 − e), stabilised p/e and (1 − p)/(1 − e) with p the treated
/// share; ATT 1 and e/(1 − e). Each weight is its arm's numerator over its arm's denominator
/// picked without a branch (the arms alternate at random), the same division as the formula's
/// (the treated ATT weight 1/1 = 1 exactly).
#[cfg(test)]
fn weights(y: &[f64], score: &[f64], att: bool, stabilize: bool, p_treated: f64) -> Vec<f64> {
    let num = numerators(att, stabilize, p_treated);
    y.iter().zip(score).map(|(&t, &e)| weight_of(t == 1.0, e, att, num)).collect()
}

/// The arms' weight numerators (treated, untreated): p and 1 − p, p the treated share, when
/// stabilised (ATE only), else 1.
fn numerators(att: bool, stabilize: bool, p_treated: f64) -> (f64, f64) {
    if stabilize && !att {
        (p_treated, 1.0 - p_treated)
    } else {
        (1.0, 1.0)
    }
}

/// One row's propensity weight (`e` its fitted propensity): ATE 1/e and 1/(1 − e), stabilised
/// p/e and (1 − p)/(1 − e); ATT 1 and e/(1 − e). Its arm's numerator (`num` from
/// [`numerators`]; ATT's untreated e) over its arm's denominator, picked without a branch (the
/// arms alternate at random), the same division as the formula's (the treated ATT weight 1/1 = 1
/// exactly).
#[inline]
fn weight_of(treated: bool, e: f64, att: bool, (num1, num0): (f64, f64)) -> f64 {
    let num = select(treated, num1, if att { e } else { num0 });
    let den = select(treated, if att { 1.0 } else { e }, 1.0 - e);
    num / den
}

/// The smaller of a running minimum `lo` (never NaN) and `v`: `f64::min`'s result (a NaN `v`
/// keeps `lo`) by a comparison, which WebAssembly runs inline where `f64::min` is a call to
/// libm's `fmin` (its NaN and signed-zero rules differ from the `f64.min` instruction's).
#[inline]
fn min_of(lo: f64, v: f64) -> f64 {
    if v < lo {
        v
    } else {
        lo
    }
}

/// The larger of a running maximum `hi` (never NaN) and `v`, as [`min_of`].
#[inline]
fn max_of(hi: f64, v: f64) -> f64 {
    if v > hi {
        v
    } else {
        hi
    }
}

/// The rows' weights ([`weights`]' formula) and each arm's summary (index 0 the untreated,
/// `y` = 0; 1 the treated): the rows, Σw, the effective size (Σw)²/Σw², the weight and score
/// ranges and the extreme weights, in one pass in row order: each weight is added to its arm's
/// sums as it is made. No branch on the arm (the arms are mixed at random, so a branch would be
/// mispredicted every other row): a row adds w·y to the treated sums and w − w·y to the
/// untreated ones, each exactly w or 0, so every sum is its own arm's in row order (pinned
/// against plain per-arm sums by `weights_and_arms_equal_per_arm_sums`).
fn weights_and_arms(y: &[f64], score: &[f64], att: bool, stabilize: bool, p_treated: f64, levels: [&String; 2]) -> (Vec<f64>, Vec<Ess>) {
    let num = numerators(att, stabilize, p_treated);
    let mut weight = vec![0.0f64; y.len()];
    let (mut n1, mut s0, mut s1, mut q0, mut q1, mut x0, mut x1) = (0usize, 0.0f64, 0.0f64, 0.0f64, 0.0f64, 0usize, 0usize);
    let (mut wlo0, mut wlo1, mut whi0, mut whi1) = (f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY);
    let (mut plo0, mut plo1, mut phi0, mut phi1) = (f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY);
    for ((&t, &e), out) in y.iter().zip(score).zip(weight.iter_mut()) {
        let treated = t == 1.0;
        let w = weight_of(treated, e, att, num);
        *out = w;
        let w1 = w * t;
        let w0 = w - w1;
        n1 += usize::from(treated);
        s0 += w0;
        s1 += w1;
        q0 += w0 * w0;
        q1 += w1 * w1;
        let extreme = w > EXTREME_WEIGHT;
        x0 += usize::from(!treated & extreme);
        x1 += usize::from(treated & extreme);
        wlo0 = min_of(wlo0, select(treated, f64::INFINITY, w));
        wlo1 = min_of(wlo1, select(treated, w, f64::INFINITY));
        whi0 = max_of(whi0, select(treated, f64::NEG_INFINITY, w));
        whi1 = max_of(whi1, select(treated, w, f64::NEG_INFINITY));
        plo0 = min_of(plo0, select(treated, f64::INFINITY, e));
        plo1 = min_of(plo1, select(treated, e, f64::INFINITY));
        phi0 = max_of(phi0, select(treated, f64::NEG_INFINITY, e));
        phi1 = max_of(phi1, select(treated, e, f64::NEG_INFINITY));
    }
    let (n, s, s2, extreme) = ([y.len() - n1, n1], [s0, s1], [q0, q1], [x0, x1]);
    let (w_min, w_max, ps_min, ps_max) = ([wlo0, wlo1], [whi0, whi1], [plo0, plo1], [phi0, phi1]);
    let ess = (0..2)
        .map(|a| Ess {
            group: levels[a].clone(),
            n: n[a],
            weight_sum: s[a],
            ess: s[a] * s[a] / s2[a],
            min_weight: w_min[a],
            max_weight: w_max[a],
            extreme: extreme[a],
            ps_min: ps_min[a],
            ps_max: ps_max[a],
        })
        .collect();
    (weight, ess)
}

/// The balance rows of the model terms `cols` (named `names`): each term's standardised mean
/// difference before and after weighting, (treated − untreated mean) / sqrt(mean of the two
/// arms' unweighted variances), and whether a 0/1 term has fewer than [`DEFAULT_MIN_CELL`] rows
/// at 1 (or 0) in an arm. `rows` the arms' sizes (untreated, treated). Up to four terms share
/// each pair of passes over the rows ([`balance_block`]).
fn balance_rows(names: &[String], cols: &[&[f64]], y: &[f64], weight: &[f64], rows: [usize; 2]) -> Vec<Balance> {
    let mut out = Vec::with_capacity(cols.len());
    for (n, c) in names.chunks(4).zip(cols.chunks(4)) {
        match c.len() {
            4 => balance_block::<4>(n, c, y, weight, rows, &mut out),
            3 => balance_block::<3>(n, c, y, weight, rows, &mut out),
            2 => balance_block::<2>(n, c, y, weight, rows, &mut out),
            _ => balance_block::<1>(n, c, y, weight, rows, &mut out),
        }
    }
    out
}

/// The rows at 1 of each arm (untreated, treated) of a 0/1 term, or `None` when the term has
/// another value: a term with any other value (the usual continuous one) is told by its first
/// such value, without counting its whole column in the balance's passes.
fn binary_ones(col: &[f64], y: &[f64]) -> Option<[usize; 2]> {
    if !col.iter().all(|&v| v == 0.0 || v == 1.0) {
        return None;
    }
    let (mut ones, mut ones1) = (0usize, 0usize);
    for (&v, &t) in col.iter().zip(y) {
        let one = v == 1.0;
        ones += usize::from(one);
        ones1 += usize::from(one & (t == 1.0));
    }
    Some([ones - ones1, ones1])
}

/// The balance rows of K terms, in two passes in row order (the means, then the squares about
/// them) that serve the K terms at once (each term's sums apart, in the order a pass of its own
/// would add them; the arms' weight sums are the same for every term and made once). Each row
/// adds its values to its own arm's sums and exactly 0 to the other's, without a branch (see
/// [`weights_and_arms`]).
fn balance_block<const K: usize>(names: &[String], cols: &[&[f64]], y: &[f64], weight: &[f64], rows: [usize; 2], out: &mut Vec<Balance>) {
    let cols: [&[f64]; K] = std::array::from_fn(|k| &cols[k][..y.len()]);
    let weight = &weight[..y.len()];
    let (mut sx0, mut sx1, mut swx0, mut swx1) = ([0.0f64; K], [0.0f64; K], [0.0f64; K], [0.0f64; K]);
    let (mut sw0, mut sw1) = (0.0f64, 0.0f64);
    for (i, (&t, &w)) in y.iter().zip(weight).enumerate() {
        let w1 = w * t;
        let w0 = w - w1;
        sw0 += w0;
        sw1 += w1;
        for k in 0..K {
            let v = cols[k][i];
            let v1 = v * t;
            let v0 = v - v1;
            sx0[k] += v0;
            sx1[k] += v1;
            swx0[k] += w0 * v;
            swx1[k] += w1 * v;
        }
    }
    let cnt = [rows[0] as f64, rows[1] as f64];
    let mean: [[f64; 2]; K] = std::array::from_fn(|k| [sx0[k] / cnt[0], sx1[k] / cnt[1]]);
    let (mut ss0, mut ss1) = ([0.0f64; K], [0.0f64; K]);
    for (i, &t) in y.iter().enumerate() {
        let treated = t == 1.0;
        for k in 0..K {
            let dev = cols[k][i] - select(treated, mean[k][1], mean[k][0]);
            let sq1 = dev * dev * t;
            ss0[k] += dev * dev - sq1;
            ss1[k] += sq1;
        }
    }
    for k in 0..K {
        let var = [ss0[k] / (cnt[0] - 1.0), ss1[k] / (cnt[1] - 1.0)];
        let sd = ((var[1] + var[0]) / 2.0).sqrt();
        let smallest_cell = smallest_cell(binary_ones(cols[k], y), rows);
        let small = smallest_cell < DEFAULT_MIN_CELL;
        let mean = mean[k];
        out.push(Balance { name: names[k].to_string(), smd_before: (mean[1] - mean[0]) / sd, smd_after: (swx1[k] / sw1 - swx0[k] / sw0) / sd, small, smallest_cell });
    }
}

/// With `propensity`: fit the propensity model on the analysed rows, keep the rows it weighs
/// (a row missing a propensity covariate is left out of the weighted analysis, named in a
/// warning) and make its weights the rows' sampling weights, so that the curves and the Cox
/// model are the weighted ones. `None` (the analysis stays unweighted, with a warning) when no
/// weights can be made.
pub fn apply_propensity(table: &Table, spec: &AnalysisSpec, prep: &mut Prepared, warnings: &mut Vec<String>) -> crate::Result<Option<PropensityReport>> {
    if spec.propensity.is_none() || prep.competing {
        return Ok(None);
    }
    let Some((report, weights)) = propensity(table, spec, prep, warnings)? else {
        return Ok(None);
    };
    if let (Some(g), Some(p)) = (spec.group.as_ref(), spec.propensity.as_ref()) {
        if g.single() != Some(p.treatment.as_str()) {
            warnings.push(format!(
                "propensity: the curves are by group '{}', not by the treatment '{}'; set group to '{}' to compare the weighted arms",
                g.label(),
                p.treatment,
                p.treatment
            ));
        }
    }
    // Every row weighed (the usual case): the weights as they are.
    if weights.iter().all(|w| w.is_finite()) {
        prep.study.weight = Some(weights);
        return Ok(Some(report));
    }
    let keep: Vec<bool> = weights.iter().map(|w| w.is_finite()).collect();
    let before = prep.rows.len();
    let kept = keep.iter().filter(|&&k| k).count();
    subset_rows(prep, &keep);
    if prep.study.n_input == before {
        prep.study.n_input = kept;
    }
    prep.study.weight = Some(weights.into_iter().filter(|w| w.is_finite()).collect());
    Ok(Some(report))
}

/// Keep the prepared rows marked in `keep` (every per-row field).
fn subset_rows(prep: &mut Prepared, keep: &[bool]) {
    fn pick<T: Copy>(v: &mut Vec<T>, keep: &[bool]) {
        let mut k = keep.iter();
        v.retain(|_| *k.next().unwrap_or(&false));
    }
    // An order of the rows made before is not the kept rows'.
    prep.time_order = None;
    pick(&mut prep.rows, keep);
    pick(&mut prep.time, keep);
    pick(&mut prep.status, keep);
    if let Some(g) = prep.group.as_mut() {
        pick(&mut g.codes, keep);
    }
    if let Some(s) = prep.strata.as_mut() {
        pick(&mut s.codes, keep);
    }
    let st = &mut prep.study;
    for v in [st.entry.as_mut(), st.weight.as_mut()].into_iter().flatten() {
        pick(v, keep);
    }
    if let Some(p) = st.patient.as_mut() {
        pick(p, keep);
    }
    for (_, v) in st.time_varying.iter_mut() {
        pick(v, keep);
    }
    if let Some(c) = prep.continued.as_mut() {
        pick(c, keep);
    }
}

/// The weighted Cox model of the treatment (and the spec's covariates, if any: a doubly
/// robust adjustment) on the propensity-weighted rows, with robust variance: `report.cox`.
pub fn propensity_cox(table: &Table, spec: &AnalysisSpec, prep: &Prepared, report: &mut crate::Report, warnings: &mut Vec<String>) -> crate::Result<()> {
    let Some(ps) = &spec.propensity else { return Ok(()) };
    let mut covs = vec![ps.treatment.clone()];
    covs.extend(spec.covariates.iter().filter(|c| **c != ps.treatment).cloned());
    if covs.len() > 1 {
        warnings.push(format!(
            "propensity: the Cox model is the weighted model of '{}' with the covariates {} (weighting and adjustment together)",
            ps.treatment,
            covs[1..].join(", ")
        ));
    }
    let mut categorical = spec.categorical.clone();
    categorical.push(ps.treatment.clone());
    let model_spec = AnalysisSpec { covariates: covs.clone(), categorical, ..spec.clone() };
    let mut w = Vec::new();
    let d = design(table, &model_spec, prep, &covs, &mut w)?;
    warnings.extend(w);
    let residuals = if spec.ph_residuals { crate::stats::cox::Residuals::Always } else { crate::stats::cox::Residuals::Auto };
    // Every analysed row in the model (the usual case): its times are the analysed rows', whose
    // order the weighted curves were drawn from.
    let fit = match prep.time_order.as_deref() {
        Some(order) if d.idx.len() == prep.rows.len() => crate::stats::cox::coxph_extra_ordered(&d.cox_input(spec.ties), d.cox_extra(), residuals, order),
        _ => crate::stats::cox::coxph_extra(&d.cox_input(spec.ties), d.cox_extra(), residuals),
    };
    match fit {
        Ok(fit) => {
            warnings.extend(fit.warnings.iter().cloned());
            report.cox = Some(fit);
        }
        Err(e) => {
            report.cox = None;
            warnings.push(format!("weighted Cox model not fitted: {e}"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The balance row of one term as it was computed before the terms shared their passes: a
    /// pass of its own for the means and one for the squares.
    fn balance_row_alone(name: &str, col: &[f64], y: &[f64], weight: &[f64], rows: [usize; 2]) -> Balance {
        let (mut sx, mut sw, mut swx, mut ones) = ([0.0f64; 2], [0.0f64; 2], [0.0f64; 2], [0usize; 2]);
        let mut binary = true;
        for ((&t, &v), &w) in y.iter().zip(col).zip(weight) {
            let (v1, w1) = (v * t, w * t);
            let (v0, w0) = (v - v1, w - w1);
            sx[0] += v0;
            sx[1] += v1;
            sw[0] += w0;
            sw[1] += w1;
            swx[0] += w0 * v;
            swx[1] += w1 * v;
            if v == 1.0 {
                ones[usize::from(t == 1.0)] += 1;
            }
            binary &= v == 0.0 || v == 1.0;
        }
        let cnt = [rows[0] as f64, rows[1] as f64];
        let mean = [sx[0] / cnt[0], sx[1] / cnt[1]];
        let mut ss = [0.0f64; 2];
        for (&t, &v) in y.iter().zip(col) {
            let dev = v - if t == 1.0 { mean[1] } else { mean[0] };
            let sq1 = dev * dev * t;
            ss[0] += dev * dev - sq1;
            ss[1] += sq1;
        }
        let sd = ((ss[1] / (cnt[1] - 1.0) + ss[0] / (cnt[0] - 1.0)) / 2.0).sqrt();
        let smallest_cell = smallest_cell(binary.then_some(ones), rows);
        Balance { name: name.to_string(), smd_before: (mean[1] - mean[0]) / sd, smd_after: (swx[1] / sw[1] - swx[0] / sw[0]) / sd, small: smallest_cell < DEFAULT_MIN_CELL, smallest_cell }
    }

    /// Terms sharing passes (one to nine: blocks of 4, 3, 2 and 1) give each term's balance row
    /// bit for bit as a pass of its own; continuous terms, 0/1 terms with a small cell, a constant.
    #[test]
    fn shared_balance_passes_equal_one_pass_per_term() {
        let mut rng = crate::rng::SplitMix64(1818);
        let n = 3001;
        let y: Vec<f64> = (0..n).map(|_| f64::from(rng.uniform() < 0.4)).collect();
        let weight: Vec<f64> = (0..n).map(|_| 0.2 + 5.0 * rng.uniform()).collect();
        let n1 = y.iter().filter(|&&t| t == 1.0).count();
        let rows = [n - n1, n1];
        let mut cols: Vec<Vec<f64>> = Vec::new();
        for j in 0..9 {
            cols.push(match j % 3 {
                0 => (0..n).map(|_| rng.normal() * 3.0 + j as f64).collect(),
                1 => (0..n).map(|i| f64::from(i % 700 == 3)).collect(),
                _ => (0..n).map(|_| f64::from(rng.uniform() < 0.5)).collect(),
            });
        }
        cols[8] = vec![2.5; n];
        // 0/1 but for its last row: not a binary term.
        cols[7][n - 1] = 2.0;
        for k in 1..=9 {
            let names: Vec<String> = (0..k).map(|j| format!("x{j}")).collect();
            let refs: Vec<&[f64]> = cols[..k].iter().map(|c| &c[..]).collect();
            let shared = balance_rows(&names, &refs, &y, &weight, rows);
            assert_eq!(shared.len(), k);
            for (j, b) in shared.iter().enumerate() {
                let alone = balance_row_alone(&names[j], &cols[j], &y, &weight, rows);
                assert_eq!(b.name, alone.name);
                assert_eq!(b.small, alone.small, "{k} {j}");
                assert_eq!(b.smd_before.to_bits(), alone.smd_before.to_bits(), "{k} {j}");
                assert_eq!(b.smd_after.to_bits(), alone.smd_after.to_bits(), "{k} {j}");
            }
        }
        assert!(balance_rows(&["x1".into()], &[&cols[1][..]], &y, &weight, rows)[0].small);
    }

    /// The one pass's weights and arm summaries: the formula's weights, and each arm's sums as
    /// plain sums over its own rows in row order, bit for bit.
    #[test]
    fn weights_and_arms_equal_per_arm_sums() {
        let mut rng = crate::rng::SplitMix64(78);
        let n = 3001;
        let y: Vec<f64> = (0..n).map(|_| f64::from(rng.uniform() < 0.4)).collect();
        // Scores near 0 and 1 too, so that some weights are extreme.
        let e: Vec<f64> = (0..n).map(|_| 1e-3 + rng.uniform() * (1.0 - 2e-3)).collect();
        let p = y.iter().sum::<f64>() / n as f64;
        let levels = ["A".to_string(), "B".to_string()];
        for (att, stabilize) in [(false, false), (false, true), (true, false), (true, true)] {
            let w = weights(&y, &e, att, stabilize, p);
            let (w2, ess) = weights_and_arms(&y, &e, att, stabilize, p, [&levels[0], &levels[1]]);
            assert!(w.iter().zip(&w2).all(|(a, b)| a.to_bits() == b.to_bits()), "{att} {stabilize}");
            assert!(ess.iter().any(|a| a.extreme > 0), "{ess:?}");
            for (arm, got) in ess.iter().enumerate() {
                // Each arm's own rows, summed in row order with a branch.
                let rows: Vec<usize> = (0..n).filter(|&i| (y[i] == 1.0) == (arm == 1)).collect();
                let (mut s, mut q, mut lo, mut hi, mut plo, mut phi) = (0.0f64, 0.0f64, f64::INFINITY, f64::NEG_INFINITY, f64::INFINITY, f64::NEG_INFINITY);
                for &i in &rows {
                    s += w[i];
                    q += w[i] * w[i];
                    (lo, hi, plo, phi) = (lo.min(w[i]), hi.max(w[i]), plo.min(e[i]), phi.max(e[i]));
                }
                let extreme = rows.iter().filter(|&&i| w[i] > EXTREME_WEIGHT).count();
                let want = [s, s * s / q, lo, hi, plo, phi].map(f64::to_bits);
                let bits = [got.weight_sum, got.ess, got.min_weight, got.max_weight, got.ps_min, got.ps_max].map(f64::to_bits);
                assert_eq!((bits, got.n, got.extreme, &got.group), (want, rows.len(), extreme, &levels[arm]), "{att} {stabilize} arm {arm}");
            }
        }
    }

    /// The weights picked without a branch are the formulas' bit for bit: ATE (stabilised or
    /// not) and ATT.
    #[test]
    fn weights_equal_the_formulas() {
        let mut rng = crate::rng::SplitMix64(77);
        let n = 2000;
        let y: Vec<f64> = (0..n).map(|_| f64::from(rng.uniform() < 0.3)).collect();
        let e: Vec<f64> = (0..n).map(|_| 1e-6 + rng.uniform() * (1.0 - 2e-6)).collect();
        let p = y.iter().sum::<f64>() / n as f64;
        for (att, stabilize) in [(false, false), (false, true), (true, false), (true, true)] {
            let w = weights(&y, &e, att, stabilize, p);
            for i in 0..n {
                let (t, e) = (y[i], e[i]);
                let want = match (att, t == 1.0) {
                    (false, true) => if stabilize { p / e } else { 1.0 / e },
                    (false, false) => if stabilize { (1.0 - p) / (1.0 - e) } else { 1.0 / (1.0 - e) },
                    (true, true) => 1.0,
                    (true, false) => e / (1.0 - e),
                };
                assert_eq!(w[i].to_bits(), want.to_bits(), "{att} {stabilize} {i}");
            }
        }
    }
}
