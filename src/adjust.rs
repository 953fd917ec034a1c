//! Adjusted comparisons: the steps of an analysis that need the table and the spec around the
//! estimators of `stats::spline`, `stats::logistic` and `stats::adjusted` (spline reports,
//! subgroup hazard ratios and interaction tests, directly standardised curves, propensity-score
//! weights). `analyze` calls these; each returns its report part and pushes warnings that name
//! the column and say what to do, and none of them stops the rest of the analysis.

use crate::prepare::{design, Design, Prepared};
use crate::spec::AnalysisSpec;
use crate::stats::common::TestResult;
use crate::stats::cox::CoxReport;
use crate::stats::spline::{hr_curve, SplineReport};
use crate::table::Table;

/// A Cox fit of a design with the spec's ties, strata and cluster, without PH residuals (a
/// helper model whose residuals nobody plots).
fn cox_quiet(d: &Design, spec: &AnalysisSpec) -> Result<CoxReport, String> {
    crate::stats::cox::coxph_with(&d.cox_input(spec.ties), crate::stats::cox::Residuals::Never)
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
            let linear_spec = AnalysisSpec { splines: spec.splines.iter().filter(|t| t.column != s.column).cloned().collect(), ..spec.clone() };
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
pub fn subgroups(table: &Table, spec: &AnalysisSpec, prep: &Prepared, warnings: &mut Vec<String>) -> crate::Result<(Vec<SubgroupRow>, Vec<InteractionTest>)> {
    let mut rows_out = Vec::new();
    let mut tests = Vec::new();
    if spec.subgroups.is_empty() {
        return Ok((rows_out, tests));
    }
    let Some(g) = prep.group.as_ref().filter(|g| g.levels.len() == 2) else {
        warnings.push(format!(
            "subgroups not analysed: they compare the two levels of the group, and {}",
            match &prep.group {
                None => "no group is set; set group to the two-level treatment column".to_string(),
                Some(g) => format!("group '{}' has {} levels among the analysed rows; choose a two-level group", spec.group.as_ref().map(|s| s.label()).unwrap_or_default(), g.levels.len()),
            }
        ));
        return Ok((rows_out, tests));
    };
    let arm: Vec<f64> = g.codes.iter().map(|&c| if c == 1 { 1.0 } else { 0.0 }).collect();
    let z = crate::stats::common::z95();
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
            let n = idx.len();
            let events = idx.iter().filter(|&&i| prep.status[i] == 1).count();
            let mut row = SubgroupRow {
                column: name.clone(),
                level: level.clone(),
                n,
                events,
                coef: f64::NAN,
                se: f64::NAN,
                hr: f64::NAN,
                lower: f64::NAN,
                upper: f64::NAN,
                p: f64::NAN,
                small: n < DEFAULT_MIN_CELL,
            };
            if row.small {
                warnings.push(format!(
                    "subgroup {name} = {level}: fewer than {DEFAULT_MIN_CELL} patients; small-cell rules apply to this row (its counts are shown as <{DEFAULT_MIN_CELL} where disclosure control is on)"
                ));
            }
            let input = CoxColumns::subset(prep, &idx, vec![idx.iter().map(|&i| arm[i]).collect()], vec!["group".to_string()]);
            if events == 0 {
                warnings.push(format!("subgroup {name} = {level}: no events among its {n} rows, so no hazard ratio (shown without one)"));
            } else {
                match input.fit(spec) {
                    Ok(fit) if fit.terms.len() == 1 => {
                        let t = &fit.terms[0];
                        for w in &fit.warnings {
                            warnings.push(format!("subgroup {name} = {level}: {w}"));
                        }
                        row.coef = t.coef;
                        row.se = t.se;
                        row.hr = t.hr;
                        row.lower = (t.coef - z * t.se).exp();
                        row.upper = (t.coef + z * t.se).exp();
                        row.p = t.p;
                    }
                    Ok(_) | Err(_) => warnings.push(format!(
                        "subgroup {name} = {level}: only one level of the group has rows here, so no hazard ratio (shown without one)"
                    )),
                }
            }
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
    Ok((rows_out, tests))
}

/// Columns of a helper Cox model over a subset of the prepared rows.
struct CoxColumns {
    time: Vec<f64>,
    status: Vec<u8>,
    strata: Option<Vec<u32>>,
    x: Vec<Vec<f64>>,
    names: Vec<String>,
}

impl CoxColumns {
    fn subset(prep: &Prepared, idx: &[usize], x: Vec<Vec<f64>>, names: Vec<String>) -> Self {
        CoxColumns {
            time: idx.iter().map(|&i| prep.time[i]).collect(),
            status: idx.iter().map(|&i| prep.status[i]).collect(),
            strata: prep.strata.as_ref().map(|s| idx.iter().map(|&i| s.codes[i]).collect()),
            x,
            names,
        }
    }
    fn fit(&self, spec: &AnalysisSpec) -> Result<CoxReport, String> {
        let input = crate::stats::cox::CoxInput {
            time: &self.time,
            status: &self.status,
            x: &self.x,
            names: &self.names,
            strata: self.strata.as_deref(),
            cluster: None,
            ties: spec.ties,
        };
        crate::stats::cox::coxph_with(&input, crate::stats::cox::Residuals::Never)
    }
}

/// A point of an adjusted curve.
#[derive(Debug, Clone, serde::Serialize, PartialEq)]
pub struct TimeSurv {
    pub time: f64,
    pub surv: f64,
}

/// The directly standardised survival curve of one group level.
#[derive(Debug, Clone, serde::Serialize, PartialEq)]
pub struct AdjustedCurve {
    pub group: String,
    /// Rows the model (and the average) used.
    pub n: usize,
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
    let fit = match crate::stats::cox::coxph_with(&d.cox_input(spec.ties), crate::stats::cox::Residuals::Never) {
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
    let curves = crate::stats::adjusted::direct_standardisation(&d.time, &d.status, &eta, &by_level, spec.ties == crate::spec::Ties::Efron);
    Ok(curves
        .into_iter()
        .zip(&g.levels)
        .map(|(c, level)| AdjustedCurve {
            group: level.clone(),
            n,
            at: spec.times.iter().map(|&t| TimeSurv { time: t, surv: crate::stats::adjusted::surv_at(&c, t) }).collect(),
            steps: c.time.iter().zip(&c.surv).map(|(&time, &surv)| TimeSurv { time, surv }).collect(),
        })
        .collect())
}
