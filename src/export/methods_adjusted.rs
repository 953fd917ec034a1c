//! The methods paragraph's sentences on the restricted mean and on the adjusted comparisons of
//! the contract's part 2 (propensity weighting, direct adjustment, subgroups, interactions,
//! splines), for [`super::methods_text`]: what was done (Methods) and what came out (Results),
//! read from the report as the disclosure module releases it (a value it withheld is NaN or
//! absent here, and is not written).

use crate::disclosure::Withheld;
use crate::plot::format_p;
use crate::report::Report;
use crate::spec::AnalysisSpec;

/// The variance of the Kaplan-Meier confidence intervals: under sampling or propensity weights
/// the robust (infinitesimal-jackknife) standard error, else Greenwood's.
pub(super) fn km_variance(report: &Report, spec: &AnalysisSpec) -> &'static str {
    if report.propensity.is_some() || spec.sampling_weights().is_some() {
        "robust (infinitesimal-jackknife) standard errors"
    } else {
        "Greenwood's variance"
    }
}

/// "a, b and c".
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(feature = "extended")]
fn quoted(items: &[String]) -> Vec<String> {
    items.iter().map(|s| format!("'{s}'")).collect()
}

/// The Methods sentences, after the curves' and the models' own.
pub(super) fn methods(report: &Report, spec: &AnalysisSpec, unit: &str) -> String {
    let mut m = String::new();
    #[cfg(feature = "extended")]
    propensity_methods(&mut m, report, spec);
    if let Some(tau) = spec.rmst_tau.filter(|_| report.km.iter().any(|c| c.rmst.is_some())) {
        let se = if report.propensity.is_some() || spec.sampling_weights().is_some() { " (robust standard errors under the weights)" } else { "" };
        m.push_str(&format!(
            "The restricted mean survival time (RMST) up to {}{unit} was the area under each Kaplan-Meier curve{se}{}. ",
            crate::table::format_number(tau),
            if report.rmst_diff.is_empty() { "" } else { "; groups were compared by the difference in RMST (normal approximation)" }
        ));
    }
    #[cfg(feature = "extended")]
    model_methods(&mut m, report, spec);
    #[cfg(not(feature = "extended"))]
    if let Some(s) = interactions_held(report, spec) {
        m.push_str(&s);
    }
    m
}

/// The propensity weighting's sentence (or that it was asked for but not applied).
#[cfg(feature = "extended")]
fn propensity_methods(m: &mut String, report: &Report, spec: &AnalysisSpec) {
    match (&report.propensity, &spec.propensity) {
        (Some(p), _) => {
            let kind = match (p.estimand, p.stabilize) {
                ("ATT", _) => "ATT".to_string(),
                (e, true) => format!("{e}, stabilised"),
                (e, false) => e.to_string(),
            };
            let covs = spec.propensity.as_ref().map(|ps| and_list(&quoted(&ps.covariates))).unwrap_or_default();
            m.push_str(&format!(
                "Treatment arms ('{}': {} versus {}) were balanced with inverse-probability-of-treatment weights ({kind}) from a logistic propensity-score model of '{}' on {covs}; the weighted Kaplan-Meier curves used robust (infinitesimal-jackknife) standard errors and the weighted Cox model of '{}' robust standard errors, with no log-rank test; balance was assessed with standardised mean differences (below 0.1 taken as adequate). ",
                p.treatment, p.treated, p.control, p.treatment, p.treatment
            ));
        }
        (None, Some(ps)) => m.push_str(&format!("Propensity-score weighting of '{}' was asked for but not applied (see the warnings): the analysis is unweighted. ", ps.treatment)),
        (None, None) => {}
    }
}

/// The interactions the fitted Cox model holds (one with a spline column, say, is left out): a
/// term "a…:b…" of the model.
fn interactions_held(report: &Report, spec: &AnalysisSpec) -> Option<String> {
    let of = crate::prepare::term_of;
    let held = |a: &str, b: &str| report.cox.as_ref().is_some_and(|c| c.terms.iter().any(|t| t.name.split_once(':').is_some_and(|(x, y)| of(x, a) && of(y, b))));
    let pairs: Vec<String> = spec.interactions.iter().filter(|[a, b]| held(a, b)).map(|[a, b]| format!("'{a}' × '{b}'")).collect();
    (!pairs.is_empty()).then(|| format!("The Cox model included the interaction{} {}. ", if pairs.len() > 1 { "s" } else { "" }, and_list(&pairs)))
}

/// Direct adjustment, subgroups, the interactions and the splines.
#[cfg(feature = "extended")]
fn model_methods(m: &mut String, report: &Report, spec: &AnalysisSpec) {
    let group = spec.group.as_ref().map(|g| and_list(&quoted(g.columns()))).unwrap_or_default();
    if !report.adjusted.is_empty() {
        let covs: Vec<String> = spec.covariates.iter().filter(|c| !spec.group.as_ref().is_some_and(|g| g.columns().contains(c))).cloned().collect();
        m.push_str(&format!(
            "Adjusted survival curves were obtained by direct standardisation: the Cox model of {group}{} predicted each patient's curve with {group} set to each level in turn, and the curves were averaged over all patients of the model; their 95% bands used infinitesimal-jackknife standard errors. ",
            if covs.is_empty() { String::new() } else { format!(" and {}", and_list(&quoted(&covs))) }
        ));
    }
    if !report.subgroups.is_empty() {
        m.push_str(&format!(
            "Hazard ratios of {group} were estimated within each level of {} (a Cox model per level{}), with a likelihood-ratio test of interaction (the model with the interaction of {group} and the column against the one without). ",
            and_list(&quoted(&spec.subgroups)),
            spec.strata.as_ref().map(|s| format!(", stratified by '{s}'")).unwrap_or_default()
        ));
    }
    if let Some(s) = interactions_held(report, spec) {
        m.push_str(&s);
    }
    for s in &report.spline {
        m.push_str(&format!(
            "'{}' entered the Cox model as a natural cubic spline with {} degrees of freedom (knots at quantiles, as R's splines::ns); non-linearity was tested with a likelihood-ratio test against the linear term. ",
            s.column, s.df
        ));
    }
}

/// The Results sentences, after the curves' and the models' own.
pub(super) fn results(report: &Report, spec: &AnalysisSpec, unit: &str, w: Option<&Withheld>) -> String {
    let mut m = String::new();
    let small = |g: &str| w.is_some_and(|w| w.small(Some(g)));
    #[cfg(feature = "extended")]
    propensity_results(&mut m, report);
    let rmst: Vec<String> = report
        .km
        .iter()
        .filter(|c| !c.group.as_deref().is_some_and(small))
        .filter_map(|c| c.rmst.as_ref().filter(|r| r.estimate.is_finite()).map(|r| (c, r)))
        .map(|(c, r)| format!("{}{}{unit} (SE {})", c.group.as_ref().map(|g| format!("{g}: ")).unwrap_or_default(), super::fmt(r.estimate), super::fmt(r.std_err)))
        .collect();
    if let Some(r) = report.km.iter().find_map(|c| c.rmst.as_ref()).filter(|_| !rmst.is_empty()) {
        let by_group = report.km.iter().any(|c| c.group.is_some());
        m.push_str(&format!("The RMST up to {}{unit} was {}{}", crate::table::format_number(r.tau), if by_group { "in group " } else { "" }, rmst.join("; in group ")));
        let diffs: Vec<String> = report
            .rmst_diff
            .iter()
            .filter(|d| d.diff.is_finite())
            .map(|d| format!("{} − {}: {}{unit} (95% CI {} to {}; {})", d.b, d.a, super::fmt(d.diff), super::fmt(d.lower), super::fmt(d.upper), format_p(d.p)))
            .collect();
        if !diffs.is_empty() {
            m.push_str(&format!("; the difference{} {}", if diffs.len() > 1 { "s were" } else { " was" }, diffs.join("; ")));
        }
        m.push_str(". ");
    }
    #[cfg(feature = "extended")]
    model_results(&mut m, report, spec, unit, w);
    #[cfg(not(feature = "extended"))]
    let _ = spec;
    m
}

/// Balance and effective sample sizes after propensity weighting.
#[cfg(feature = "extended")]
fn propensity_results(m: &mut String, report: &Report) {
    if let Some(p) = &report.propensity {
        let before = p.balance.iter().map(|b| b.smd_before.abs()).filter(|x| x.is_finite()).fold(f64::NAN, f64::max);
        if p.max_smd_after.is_finite() {
            m.push_str(&format!("After weighting the largest absolute standardised mean difference was {:.3}", p.max_smd_after));
            if before.is_finite() {
                m.push_str(&format!(" (before: {before:.3})"));
            }
            m.push_str("; ");
        } else {
            m.push_str("After weighting ");
        }
        let ess: Vec<String> = p.ess.iter().filter(|e| e.ess.is_finite()).map(|e| format!("{:.1} ('{}' = {})", e.ess, p.treatment, e.group)).collect();
        if ess.is_empty() {
            m.push_str("the effective sample sizes are not shown. ");
        } else {
            m.push_str(&format!("the effective sample sizes were {}. ", and_list(&ess)));
        }
    }
}

/// Adjusted survival at the landmarks, the subgroups' hazard ratios and interaction tests, and
/// the splines' tests of non-linearity.
#[cfg(feature = "extended")]
fn model_results(m: &mut String, report: &Report, spec: &AnalysisSpec, unit: &str, w: Option<&Withheld>) {
    let group = spec.group.as_ref().map(|g| and_list(&quoted(g.columns()))).unwrap_or_default();
    let small = |g: &str| w.is_some_and(|w| w.small(Some(g)));
    let f2 = |x: f64| format!("{x:.2}");
    let adjusted: Vec<String> = report
        .adjusted
        .iter()
        .filter(|a| !small(&a.group))
        .filter_map(|a| {
            let at: Vec<String> = a
                .at
                .iter()
                .filter(|t| t.surv.is_finite())
                .map(|t| {
                    let ci = if t.lower.is_finite() && t.upper.is_finite() { format!(" (95% CI {:.1}–{:.1}%)", t.lower * 100.0, t.upper * 100.0) } else { String::new() };
                    format!("{:.1}% at {}{unit}{ci}", t.surv * 100.0, crate::table::format_number(t.time))
                })
                .collect();
            (!at.is_empty()).then(|| format!("in group {} {}", a.group, at.join(" and ")))
        })
        .collect();
    if !adjusted.is_empty() {
        m.push_str(&format!("Adjusted survival was {}. ", adjusted.join("; ")));
    }
    let hr = |s: &crate::adjust::SubgroupRow| if s.hr.is_finite() { format!("HR {} (95% CI {}–{})", f2(s.hr), f2(s.lower), f2(s.upper)) } else { "no hazard ratio".to_string() };
    if let Some(o) = &report.subgroup_overall {
        m.push_str(&format!("Over all patients the hazard ratio of {group} was {}", hr(o).trim_start_matches("HR ")));
        let rows: Vec<String> = report.subgroups.iter().map(|s| format!("{} = {}: {}", s.column, s.level, hr(s))).collect();
        if !rows.is_empty() {
            m.push_str(&format!("; within subgroups, {}", rows.join("; ")));
        }
        let tests: Vec<String> = report.interaction.iter().filter(|t| t.p.is_finite()).map(|t| format!("{} {}", t.column, format_p(t.p))).collect();
        if !tests.is_empty() {
            m.push_str(&format!("; tests of interaction: {}", tests.join(", ")));
        }
        m.push_str(". ");
    }
    for s in &report.spline {
        if let Some(t) = s.nonlinear.as_ref().filter(|t| t.p.is_finite()) {
            m.push_str(&format!("The test of non-linearity of '{}' had {} (chi-square {:.2}, {} df). ", s.column, format_p(t.p), t.chisq, t.df));
        }
    }
}
