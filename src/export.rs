//! Text exports built from the spec and the report: an R script and a Python (lifelines) script
//! that re-run the analysis on the user's own file with every choice pinned (CI transform, ties,
//! median rule), and a methods-and-results paragraph in plain English.
//!
//! Reviewers trust what they can re-run: the scripts name the file, recode the outcome exactly as
//! the spec does, and print the same quantities the page shows.

use crate::plot::format_p;
use crate::report::Report;
use crate::spec::{AnalysisSpec, ConfType, FilterOp, TimeSpec};

/// Quote a string as an R/Python string literal.
fn lit(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn r_vec(v: &[String]) -> String {
    format!("c({})", v.iter().map(|s| lit(s)).collect::<Vec<_>>().join(", "))
}

fn num_vec(v: &[f64]) -> String {
    v.iter().map(|x| crate::table::format_number(*x)).collect::<Vec<_>>().join(", ")
}

fn conf_r(c: ConfType) -> &'static str {
    match c {
        ConfType::Log => "log",
        ConfType::LogLog => "log-log",
        ConfType::Plain => "plain",
    }
}

/// An R script (packages survival and cmprsk) reproducing every number of the report.
pub fn r_script(spec: &AnalysisSpec, file: &str) -> String {
    let mut s = String::new();
    let w = |s: &mut String, line: &str| {
        s.push_str(line);
        s.push('\n');
    };
    w(&mut s, "# Cross-check of a cohort analysis in R (packages: survival, cmprsk).");
    w(&mut s, &format!("# Spec: {}", spec.to_json()));
    w(&mut s, "# Put this script beside the data file and run: Rscript thisfile.R");
    w(&mut s, "library(survival)");
    let missing = spec.missing.clone().unwrap_or_else(|| crate::ingest::DEFAULT_MISSING.iter().map(|s| s.to_string()).collect());
    let lower = file.to_ascii_lowercase();
    if lower.ends_with(".xlsx") || lower.ends_with(".xls") || lower.ends_with(".ods") {
        w(&mut s, "# Workbook: export the sheet as CSV (or use readxl::read_excel) and name it below.");
        w(&mut s, &format!("d <- as.data.frame(readxl::read_excel({}{}))", lit(file), spec.sheet.as_ref().map(|x| format!(", sheet = {}", lit(x))).unwrap_or_default()));
    } else {
        w(&mut s, &format!(
            "d <- read.csv({}, check.names = FALSE, strip.white = TRUE, na.strings = {}, sep = \"\")  # sep = \"\" lets R guess; set \",\", \";\" or \"\\t\" if needed",
            lit(file),
            r_vec(&missing)
        ));
        // read.csv with sep = "" means whitespace: be explicit instead.
        s = s.replace(", sep = \"\")  # sep = \"\" lets R guess; set \",\", \";\" or \"\\t\" if needed", ")  # for ; or tab separated files add sep = \";\" or sep = \"\\t\" (and dec = \",\" for decimal commas)");
    }
    for f in &spec.filters {
        let col = format!("d[[{}]]", lit(&f.column));
        let cond = match f.op {
            FilterOp::In => format!("as.character({col}) %in% {}", r_vec(&f.values)),
            FilterOp::NotIn => format!("!is.na({col}) & !(as.character({col}) %in% {})", r_vec(&f.values)),
            op => {
                let o = match op {
                    FilterOp::Lt => "<",
                    FilterOp::Le => "<=",
                    FilterOp::Gt => ">",
                    _ => ">=",
                };
                format!("!is.na({col}) & {col} {o} {}", crate::table::format_number(f.value.unwrap_or(f64::NAN)))
            }
        };
        w(&mut s, &format!("d <- d[{cond}, , drop = FALSE]"));
    }
    match &spec.time {
        TimeSpec::Column(c) => w(&mut s, &format!("d$.time <- as.numeric(d[[{}]])", lit(c))),
        TimeSpec::Numeric(n) if n.unit == n.display() => w(&mut s, &format!("d$.time <- as.numeric(d[[{}]])  # {}", lit(&n.column), n.unit.name())),
        TimeSpec::Numeric(n) => w(&mut s, &format!(
            "d$.time <- as.numeric(d[[{}]]) * {} / {}  # {} to {}",
            lit(&n.column),
            crate::table::format_number(n.unit.days()),
            crate::table::format_number(n.display().days()),
            n.unit.name(),
            n.display().name()
        )),
        TimeSpec::Dates(span) => {
            w(&mut s, &format!("start <- as.Date(d[[{}]])", lit(&span.start)));
            w(&mut s, "end <- as.Date(rep(NA_character_, nrow(d)))");
            for e in &span.end {
                w(&mut s, &format!("end <- ifelse(is.na(end), as.Date(d[[{}]]), end)", lit(e)));
            }
            w(&mut s, &format!("d$.time <- as.numeric(end - start) / {}  # {}", crate::table::format_number(span.unit.days()), span.unit.name()));
        }
    }
    let ev = &spec.event;
    w(&mut s, &format!("out <- trimws(as.character(d[[{}]]))", lit(&ev.column)));
    w(&mut s, &format!("d$.status <- ifelse(out %in% {}, 1L, {}0L)", r_vec(&ev.event), if ev.competing.is_empty() { String::new() } else { format!("ifelse(out %in% {}, 2L, ", r_vec(&ev.competing)) }));
    if !ev.competing.is_empty() {
        s.pop();
        s.push_str(")\n");
    }
    if let Some(c) = &ev.censored {
        let mut known = ev.event.clone();
        known.extend(ev.competing.iter().cloned());
        known.extend(c.iter().cloned());
        w(&mut s, &format!("keep <- out %in% {}; d <- d[keep, , drop = FALSE]; out <- out[keep]", r_vec(&known)));
    }
    w(&mut s, "d <- d[!is.na(d$.time) & d$.time >= 0 & !is.na(out), , drop = FALSE]");
    let mut rhs = "1".to_string();
    match spec.group.as_ref().map(|g| g.columns()) {
        Some([g]) => {
            w(&mut s, &format!("d <- d[!is.na(d[[{}]]), , drop = FALSE]", lit(g)));
            w(&mut s, &format!("lv <- sort(unique(d[[{0}]])); d$.group <- factor(d[[{0}]], levels = lv)  # level order: numeric, else text", lit(g)));
            rhs = ".group".into();
        }
        Some(cols) => {
            // Crossed groups: survfit's strata `a=x, b=y` (first column slowest) are the page's levels.
            for g in cols {
                w(&mut s, &format!("d <- d[!is.na(d[[{0}]]), , drop = FALSE]; d[[{0}]] <- factor(d[[{0}]], levels = sort(unique(d[[{0}]])))", lit(g)));
            }
            let relabel = |g: &String| format!("factor(d[[{0}]], labels = paste0({1}, levels(d[[{0}]])))", lit(g), lit(&format!("{g}=")));
            w(&mut s, &format!("d$.group <- interaction({}, sep = \", \", lex.order = TRUE, drop = TRUE)  # for cuminc", cols.iter().map(relabel).collect::<Vec<_>>().join(", ")));
            rhs = cols.iter().map(|g| format!("`{g}`")).collect::<Vec<_>>().join(" + ");
        }
        None => {}
    }
    let strata = spec.strata.as_ref().map(|st| format!(" + strata(d[[{}]])", lit(st))).unwrap_or_default();
    if spec.event.competing.is_empty() {
        w(&mut s, "");
        w(&mut s, "# Kaplan-Meier (Greenwood variance; median and its CI as survfit derives them)");
        w(&mut s, &format!("fit <- survfit(Surv(.time, .status == 1) ~ {rhs}, data = d, conf.type = {})", lit(conf_r(spec.conf_type))));
        match spec.rmst_tau {
            Some(tau) => w(&mut s, &format!("print(fit, rmean = {})", crate::table::format_number(tau))),
            None => w(&mut s, "print(fit)"),
        }
        if !spec.times.is_empty() {
            w(&mut s, &format!("summary(fit, times = c({}), extend = TRUE)", num_vec(&spec.times)));
        }
        w(&mut s, "# Median follow-up (reverse Kaplan-Meier)");
        w(&mut s, &format!("print(survfit(Surv(.time, .status != 1) ~ {rhs}, data = d, conf.type = {}))", lit(conf_r(spec.conf_type))));
        if spec.group.is_some() {
            w(&mut s, &format!("survdiff(Surv(.time, .status == 1) ~ {rhs}{strata}, data = d, rho = {})", crate::table::format_number(spec.rho)));
        }
        if !spec.covariates.is_empty() {
            let terms = model_terms(spec);
            let cl = spec.cluster.as_ref().map(|c| format!(" + cluster(d[[{}]])", lit(c))).unwrap_or_default();
            w(&mut s, "");
            w(&mut s, &format!("# Cox proportional hazards ({} ties); categorical terms against their first level", spec.ties.name()));
            w(&mut s, &format!("cox <- coxph(Surv(.time, .status == 1) ~ {terms}{strata}{cl}, data = d, ties = {})", lit(spec.ties.name())));
            w(&mut s, "summary(cox)");
            w(&mut s, "cox.zph(cox, transform = \"km\", terms = FALSE)");
            for dist in &spec.parametric {
                w(&mut s, &format!("summary(survreg(Surv(.time, .status == 1) ~ {terms}, data = d, dist = {}))", lit(dist.name())));
            }
        }
    } else {
        w(&mut s, "");
        w(&mut s, "# Competing risks: cumulative incidence (Aalen-Johansen), Gray's test, Fine-Gray");
        w(&mut s, "library(cmprsk)");
        let grp = if spec.group.is_some() { "d$.group" } else { "rep(1, nrow(d))" };
        w(&mut s, &format!("ci <- cuminc(d$.time, d$.status, {grp}, cencode = 0{})", spec.strata.as_ref().map(|st| format!(", strata = d[[{}]]", lit(st))).unwrap_or_default()));
        if !spec.times.is_empty() {
            w(&mut s, &format!("timepoints(ci, c({}))", num_vec(&spec.times)));
        }
        w(&mut s, "ci$Tests");
        if !spec.covariates.is_empty() {
            w(&mut s, &format!("dd <- d[complete.cases(d[, {}, drop = FALSE]), , drop = FALSE]", r_vec(&spec.covariates)));
            w(&mut s, &format!("X <- model.matrix(~ {}, data = dd)[, -1, drop = FALSE]", model_terms(spec)));
            w(&mut s, "summary(crr(dd$.time, dd$.status, X, failcode = 1, cencode = 0))");
        }
    }
    s
}

fn model_terms(spec: &AnalysisSpec) -> String {
    spec.covariates
        .iter()
        .map(|c| {
            let v = format!("`{c}`");
            if spec.categorical.contains(c) {
                format!("factor({v})")
            } else {
                v
            }
        })
        .collect::<Vec<_>>()
        .join(" + ")
}

/// A Python script (pandas + lifelines) for the same analysis.
pub fn python_script(spec: &AnalysisSpec, file: &str) -> String {
    let mut s = String::new();
    let mut w = |line: &str| {
        s.push_str(line);
        s.push('\n');
    };
    w("# Cross-check of a cohort analysis in Python (pandas, lifelines).");
    w("# lifelines fits Cox models with Efron ties and uses log-log CIs for Kaplan-Meier;");
    w("# differences from the page in those choices are stated below.");
    w("import numpy as np, pandas as pd");
    w("from lifelines import KaplanMeierFitter, CoxPHFitter, AalenJohansenFitter");
    w("from lifelines.statistics import multivariate_logrank_test");
    w(&format!("d = pd.read_csv({}, sep=None, engine='python')", lit(file)));
    match &spec.time {
        TimeSpec::Column(c) => w(&format!("d['_time'] = pd.to_numeric(d[{}], errors='coerce')", lit(c))),
        TimeSpec::Numeric(n) => w(&format!(
            "d['_time'] = pd.to_numeric(d[{}], errors='coerce') * {} / {}  # {} to {}",
            lit(&n.column),
            crate::table::format_number(n.unit.days()),
            crate::table::format_number(n.display().days()),
            n.unit.name(),
            n.display().name()
        )),
        TimeSpec::Dates(span) => {
            w(&format!("start = pd.to_datetime(d[{}])", lit(&span.start)));
            let ends: Vec<String> = span.end.iter().map(|e| format!("pd.to_datetime(d[{}])", lit(e))).collect();
            w(&format!("end = {}", ends.iter().skip(1).fold(ends[0].clone(), |acc, e| format!("{acc}.fillna({e})"))));
            w(&format!("d['_time'] = (end - start).dt.days / {}", crate::table::format_number(span.unit.days())));
        }
    }
    let ev = &spec.event;
    w(&format!("out = d[{}].astype(str).str.strip()", lit(&ev.column)));
    w(&format!("d['_status'] = np.where(out.isin({:?}), 1, np.where(out.isin({:?}), 2, 0))", ev.event, ev.competing));
    w("d = d[d['_time'].notna() & (d['_time'] >= 0)]");
    // Crossed groups become one combined column, labelled as the page labels them.
    let group = spec.group.as_ref().map(|g| match g.columns() {
        [one] => lit(one),
        cols => {
            let parts: Vec<String> = cols.iter().map(|c| format!("{} + d[{}].astype(str)", lit(&format!("{c}=")), lit(c))).collect();
            w(&format!("d = d.dropna(subset={:?})", cols));
            w(&format!("d['_group'] = {}", parts.join(" + ', ' + ")));
            lit("_group")
        }
    });
    if ev.competing.is_empty() {
        match &group {
            Some(g) => {
                w(&format!("for level, sub in d.groupby({g}):"));
                w("    km = KaplanMeierFitter().fit(sub['_time'], sub['_status'] == 1, label=str(level))");
                w("    print(level, 'median', km.median_survival_time_)");
                if !spec.times.is_empty() {
                    w(&format!("    print(km.survival_function_at_times([{}]))", num_vec(&spec.times)));
                }
                w(&format!("print(multivariate_logrank_test(d['_time'], d[{g}], d['_status'] == 1).summary)"));
            }
            None => {
                w("km = KaplanMeierFitter().fit(d['_time'], d['_status'] == 1)");
                w("print('median', km.median_survival_time_)");
                if !spec.times.is_empty() {
                    w(&format!("print(km.survival_function_at_times([{}]))", num_vec(&spec.times)));
                }
            }
        }
        if !spec.covariates.is_empty() {
            let cats: Vec<&String> = spec.covariates.iter().filter(|c| spec.categorical.contains(c)).collect();
            w(&format!("X = d[{:?} + ['_time', '_status']].dropna()", spec.covariates));
            if !cats.is_empty() {
                w(&format!("X = pd.get_dummies(X, columns={cats:?}, drop_first=True, dtype=float)"));
            }
            w("X['_event'] = (X.pop('_status') == 1).astype(int)");
            let extra = spec.cluster.as_ref().map(|c| format!(", cluster_col={}", lit(c))).unwrap_or_default();
            if spec.cluster.is_some() {
                w(&format!("X[{}] = d.loc[X.index, {}]", lit(spec.cluster.as_deref().unwrap_or_default()), lit(spec.cluster.as_deref().unwrap_or_default())));
            }
            w(&format!("cph = CoxPHFitter().fit(X, duration_col='_time', event_col='_event'{extra})"));
            w("cph.print_summary()");
        }
    } else {
        w("ajf = AalenJohansenFitter()");
        w("ajf.fit(d['_time'], d['_status'], event_of_interest=1)");
        w("print(ajf.cumulative_density_)");
    }
    s
}

fn fmt(x: f64) -> String {
    if !x.is_finite() {
        return "NA".into();
    }
    let a = x.abs();
    if a >= 100.0 {
        format!("{x:.0}")
    } else if a >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

fn opt(x: Option<f64>) -> String {
    x.map(fmt).unwrap_or_else(|| "not reached".into())
}

/// A methods-and-results paragraph in plain English for the report.
pub fn methods_text(report: &Report) -> String {
    methods_text_k(report, None)
}

/// [`methods_text`] with disclosure control: with `k`, every count of patients or events below
/// k (and above 0) is written "<k" (a group of fewer than k patients "n < k"), and the paragraph
/// ends by saying so, so a reader knows the small cells were suppressed rather than missing.
pub fn methods_text_k(report: &Report, k: Option<u32>) -> String {
    let cnt = |v: usize| crate::plot::suppressed_count(v as f64, k).unwrap_or_else(|| v.to_string());
    let mut suppressed = false;
    let mut note = |v: usize| {
        if crate::plot::suppressed_count(v as f64, k).is_some() {
            suppressed = true;
        }
    };
    for v in [report.rows_in_file, report.n, report.events, report.competing_events.unwrap_or(0)] {
        note(v);
    }
    for c in &report.km {
        note(c.n);
    }
    if let Some(c) = &report.cox {
        note(c.n);
        note(c.events);
    }
    if let Some(f) = &report.finegray {
        note(f.n);
    }
    let Some(spec) = &report.spec else { return String::new() };
    let unit = report.time_unit.map(|u| format!(" {u}")).unwrap_or_default();
    let mut m = String::new();
    let conf = match spec.conf_type {
        ConfType::Log => "log",
        ConfType::LogLog => "log-log",
        ConfType::Plain => "linear",
    };
    m.push_str("Methods. ");
    if report.cuminc.is_empty() {
        m.push_str(&format!(
            "Survival was estimated with the Kaplan-Meier method; 95% confidence intervals used Greenwood's variance on the {conf} scale. Median follow-up was estimated with the reverse Kaplan-Meier method. "
        ));
        if !report.groups.is_empty() {
            let test = if spec.rho == 0.0 { "the log-rank test".to_string() } else if spec.rho == 1.0 { "the Peto-Peto test".into() } else { format!("the G-rho test (rho = {})", spec.rho) };
            m.push_str(&format!("Groups defined by {} were compared with {test}{}. ", spec.group.as_ref().map(|g| g.columns().join(" and ")).unwrap_or_default(), spec.strata.as_ref().map(|s| format!(", stratified by {s}")).unwrap_or_default()));
        }
    } else {
        m.push_str("Cumulative incidence was estimated with the Aalen-Johansen estimator, treating competing events as such rather than as censoring; groups were compared with Gray's test. ");
    }
    if let Some(c) = &report.cox {
        m.push_str(&format!(
            "Hazard ratios were estimated with Cox proportional-hazards regression ({} method for ties){}; the proportional-hazards assumption was checked with scaled Schoenfeld residuals (Kaplan-Meier time transform). ",
            if c.ties == "efron" { "Efron" } else { "Breslow" },
            spec.cluster.as_ref().map(|cl| format!(" with robust standard errors clustered on {cl}")).unwrap_or_default()
        ));
    }
    if report.finegray.is_some() {
        m.push_str("Subdistribution hazard ratios were estimated with the Fine-Gray model. ");
    }
    m.push_str("Analyses were run with cohort, whose estimators reproduce R's survival and cmprsk packages.\n\nResults. ");
    m.push_str(&format!("Of {} rows{}, {} were analysed, with {} events", cnt(report.rows_in_file), report.flow.as_ref().map(|f| f.sentence(k)).unwrap_or_default(), cnt(report.n), cnt(report.events)));
    if let Some(c) = report.competing_events {
        m.push_str(&format!(" and {} competing events", cnt(c)));
    }
    m.push_str(". ");
    let kk = k;
    for k in &report.km {
        let who = k.group.as_ref().map(|g| format!("In group {g} ({}), the", crate::plot::group_n_text(k.n, kk))).unwrap_or_else(|| "The".to_string());
        m.push_str(&format!(
            "{who} median survival was {}{unit} (95% CI {}–{})",
            opt(k.median),
            opt(k.median_lower),
            opt(k.median_upper)
        ));
        let at: Vec<String> = k
            .at
            .iter()
            .map(|a| {
                let ci = if a.lower.is_finite() && a.upper.is_finite() {
                    format!(" (95% CI {:.1}–{:.1}%)", a.lower * 100.0, a.upper * 100.0)
                } else {
                    String::new()
                };
                format!("{:.1}% at {}{unit}{ci}", a.surv * 100.0, fmt(a.time))
            })
            .collect();
        if !at.is_empty() {
            m.push_str(&format!("; survival was {}", at.join(" and ")));
        }
        m.push_str(&format!("; median follow-up was {}{unit}. ", opt(k.followup.median)));
    }
    if let Some(l) = &report.logrank {
        m.push_str(&format!("The difference between groups had {} (chi-square {:.2}, {} df). ", format_p(l.p), l.chisq, l.df));
    }
    for c in &report.cuminc {
        if c.cause != "event" {
            continue;
        }
        let at: Vec<String> = c.at.iter().map(|a| format!("{:.1}% at {}{unit}", a.estimate * 100.0, fmt(a.time))).collect();
        if !at.is_empty() {
            m.push_str(&format!("Cumulative incidence{} was {}. ", c.group.as_ref().map(|g| format!(" in group {g}")).unwrap_or_default(), at.join(" and ")));
        }
    }
    for g in &report.gray_test {
        m.push_str(&format!("Gray's test for the {} had {}. ", if g.cause == "event" { "event of interest" } else { "competing event" }, format_p(g.p)));
    }
    if let Some(c) = &report.cox {
        let terms: Vec<String> = c.terms.iter().map(|t| format!("{} HR {:.2} (95% CI {:.2}–{:.2}; {})", t.name, t.hr, t.lower, t.upper, format_p(t.p))).collect();
        m.push_str(&format!("In the Cox model ({} rows, {} events): {}. ", cnt(c.n), cnt(c.events), terms.join("; ")));
    }
    if let Some(f) = &report.finegray {
        let terms: Vec<String> = f.terms.iter().map(|t| format!("{} SHR {:.2} (95% CI {:.2}–{:.2}; {})", t.name, t.shr, t.lower, t.upper, format_p(t.p))).collect();
        m.push_str(&format!("In the Fine-Gray model ({} rows): {}. ", cnt(f.n), terms.join("; ")));
    }
    if let (true, Some(k)) = (suppressed, k) {
        m.push_str(&format!("Counts below {k} are shown as <{k} (disclosure control). "));
    }
    m.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lung() -> (AnalysisSpec, Report) {
        let spec = AnalysisSpec::from_json(
            r#"{"time":"time","event":{"column":"status","event":["2"]},"group":"sex","times":[180,365],"covariates":["age","sex"],"categorical":["sex"]}"#,
        )
        .unwrap();
        let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reference/lung.csv")).unwrap();
        let report = crate::analyze_bytes(&bytes, "lung.csv", &spec).unwrap();
        (spec, report)
    }

    #[test]
    fn r_script_pins_the_choices() {
        let (spec, _) = lung();
        let r = r_script(&spec, "lung.csv");
        assert!(r.contains("conf.type = \"log\""), "{r}");
        assert!(r.contains("ties = \"efron\""), "{r}");
        assert!(r.contains("summary(fit, times = c(180, 365), extend = TRUE)"), "{r}");
        assert!(r.contains("coxph(Surv(.time, .status == 1) ~ `age` + factor(`sex`)"), "{r}");
        assert!(r.contains("d$.status <- ifelse(out %in% c(\"2\"), 1L, 0L)"), "{r}");
    }

    #[test]
    fn python_script_names_the_file_and_model() {
        let (spec, _) = lung();
        let p = python_script(&spec, "lung.csv");
        assert!(p.contains("pd.read_csv(\"lung.csv\""));
        assert!(p.contains("CoxPHFitter"));
        assert!(p.contains("get_dummies(X, columns=[\"sex\"]"), "{p}");
    }

    #[test]
    fn methods_paragraph_has_the_numbers() {
        let (_, report) = lung();
        let m = methods_text(&report);
        // survfit(Surv(time, status == 2) ~ sex, lung): medians 270 (212–310) and 426 (348–550)
        assert!(m.contains("median survival was 270 (95% CI 212–310)"), "{m}");
        assert!(m.contains("426 (95% CI 348–550)"), "{m}");
        assert!(m.contains("p = 0.0013"), "{m}");
        assert!(m.contains("Kaplan-Meier"));
        assert!(!m.contains("NaN"), "{m}");
    }

    #[test]
    fn undefined_limits_are_not_printed_as_nan() {
        // lung by ph.ecog: the ph.ecog = 3 group has one row, so its CI at 180 days is undefined.
        let spec = AnalysisSpec::from_json(r#"{"time":"time","event":{"column":"status","event":["2"]},"group":"ph.ecog","times":[180]}"#).unwrap();
        let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reference/lung.csv")).unwrap();
        let m = methods_text(&crate::analyze_bytes(&bytes, "lung.csv", &spec).unwrap());
        assert!(!m.contains("NaN") && !m.contains("inf"), "{m}");
    }

    #[test]
    fn r_script_runs_in_r_when_available() {
        // Runs the generated script with Rscript (when installed) and checks R prints the same
        // medians as the report.
        if std::process::Command::new("Rscript").arg("--version").output().is_err() {
            return;
        }
        let (spec, _) = lung();
        let dir = std::env::temp_dir().join(format!("cohort-rscript-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::copy(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reference/lung.csv"), dir.join("lung.csv")).unwrap();
        std::fs::write(dir.join("check.R"), r_script(&spec, "lung.csv")).unwrap();
        let out = std::process::Command::new("Rscript").arg("check.R").current_dir(&dir).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{}\n{}", text, String::from_utf8_lossy(&out.stderr));
        assert!(text.contains("270") && text.contains("426"), "{text}");
    }
}

#[cfg(test)]
mod crossed_tests {
    /// Crossed groups: the R script fits `~ \`sex\` + \`ph.ecog\``, whose strata are the page's
    /// levels; survdiff(Surv(time, status == 2) ~ sex + ph.ecog, lung) gives chisq 32.9 on 6 df
    /// (tests/r/crossed.expected.json: 32.91697819060672). The Python script crosses into one column.
    #[test]
    fn crossed_scripts_use_both_columns() {
        let spec = crate::AnalysisSpec::from_json(r#"{"time":"time","event":{"column":"status","event":["2"]},"group":["sex","ph.ecog"]}"#).unwrap();
        let r = super::r_script(&spec, "lung.csv");
        assert!(r.contains("survfit(Surv(.time, .status == 1) ~ `sex` + `ph.ecog`"), "{r}");
        assert!(r.contains("survdiff(Surv(.time, .status == 1) ~ `sex` + `ph.ecog`, data = d, rho = 0)"), "{r}");
        let p = super::python_script(&spec, "lung.csv");
        assert!(p.contains(r#"d['_group'] = "sex=" + d["sex"].astype(str) + ', ' + "ph.ecog=" + d["ph.ecog"].astype(str)"#), "{p}");
        assert!(p.contains(r#"d.groupby("_group")"#), "{p}");
        let report = crate::analyze_bytes(&std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reference/lung.csv")).unwrap(), "lung.csv", &spec).unwrap();
        let m = super::methods_text(&report);
        assert!(m.contains("Groups defined by sex and ph.ecog were compared"), "{m}");
        if std::process::Command::new("Rscript").arg("--version").output().is_err() {
            return;
        }
        let dir = std::env::temp_dir().join(format!("cohort-rscript-x-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::copy(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reference/lung.csv"), dir.join("lung.csv")).unwrap();
        std::fs::write(dir.join("check.R"), r).unwrap();
        let out = std::process::Command::new("Rscript").arg("check.R").current_dir(&dir).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{}\n{}", text, String::from_utf8_lossy(&out.stderr));
        assert!(text.contains("sex=2, ph.ecog=2") && text.contains("Chisq= 32.9  on 6 degrees of freedom"), "{text}");
    }

    /// Competing risks by crossed groups: cuminc's groups are labelled as the page's levels and
    /// Gray's test over them is the report's (to the 4 decimals R prints).
    #[test]
    fn crossed_competing_script_runs_in_r() {
        if std::process::Command::new("Rscript").arg("--version").output().is_err() {
            return;
        }
        let spec = crate::AnalysisSpec::from_json(r#"{"time":"futime","event":{"column":"event","event":["ltx"],"competing":["death"]},"group":["abo","sex"]}"#).unwrap();
        let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reference/transplant.csv")).unwrap();
        let report = crate::analyze_bytes(&bytes, "transplant.csv", &spec).unwrap();
        assert_eq!(report.groups[..2], ["abo=A, sex=f".to_string(), "abo=A, sex=m".to_string()]);
        let dir = std::env::temp_dir().join(format!("cohort-rscript-xcr-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("transplant.csv"), &bytes).unwrap();
        std::fs::write(dir.join("check.R"), super::r_script(&spec, "transplant.csv") + "print(names(ci))\n").unwrap();
        let out = std::process::Command::new("Rscript").arg("check.R").current_dir(&dir).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{}\n{}", text, String::from_utf8_lossy(&out.stderr));
        assert!(text.contains("abo=A, sex=f 1"), "{text}");
        // R prints 43.984054 for ltx (cmprsk::cuminc(...)$Tests, 7 df).
        let stat = format!("{:.6}", report.gray_test[0].stat);
        assert!(text.contains(&format!("1 {stat} ")), "{stat} not in {text}");
    }
}

#[cfg(test)]
mod competing_tests {
    #[test]
    fn competing_script_runs_in_r_when_available() {
        if std::process::Command::new("Rscript").arg("--version").output().is_err() {
            return;
        }
        let spec = crate::AnalysisSpec::from_json(
            r#"{"time":"futime","event":{"column":"event","event":["ltx"],"competing":["death"]},"group":"abo","times":[30,90,365],"covariates":["age","sex"]}"#,
        )
        .unwrap();
        let dir = std::env::temp_dir().join(format!("cohort-rscript-cr-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::copy(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reference/transplant.csv"), dir.join("transplant.csv")).unwrap();
        std::fs::write(dir.join("check.R"), super::r_script(&spec, "transplant.csv")).unwrap();
        let out = std::process::Command::new("Rscript").arg("check.R").current_dir(&dir).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{}\n{}", text, String::from_utf8_lossy(&out.stderr));
        // Gray's test for ltx across abo: 41.1358826784655 (reference JSON)
        assert!(text.contains("41.1358"), "{text}");
    }
}
