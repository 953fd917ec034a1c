//! Text exports built from the spec and the report: an R script and a Python (lifelines) script
//! that re-run the analysis on the user's own file with every choice pinned (CI transform, ties,
//! median rule), and a methods-and-results paragraph in plain English.
//!
//! Reviewers trust what they can re-run: the scripts name the file, recode the outcome exactly as
//! the spec does, and print the same quantities the page shows.

/// The manuscript exports (figures at print size, the risk table CSV, the Word document): export
/// kinds of their own, dispatched from [`export_bytes`], made from the same [`ExportInput`].
pub mod manuscript;
mod methods_adjusted;

use crate::plot::format_p;
use crate::report::Report;
use crate::spec::{AnalysisSpec, ConfType};
#[cfg(feature = "scripts")]
use crate::spec::{FilterOp, TimeSpec};

#[cfg(feature = "scripts")]
/// Quote a string as an R/Python string literal.
fn lit(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:04x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(feature = "scripts")]
/// A column name as an R backtick-quoted name: a backtick or backslash in a header is escaped,
/// so it cannot end the name and inject code.
fn r_name(s: &str) -> String {
    let mut out = String::from("`");
    for c in s.chars() {
        match c {
            '`' => out.push_str("\\`"),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out.push('`');
    out
}

#[cfg(feature = "scripts")]
/// A Python list of string literals.
fn py_list(v: &[String]) -> String {
    format!("[{}]", v.iter().map(|s| lit(s)).collect::<Vec<_>>().join(", "))
}

#[cfg(feature = "scripts")]
fn r_vec(v: &[String]) -> String {
    format!("c({})", v.iter().map(|s| lit(s)).collect::<Vec<_>>().join(", "))
}

#[cfg(feature = "scripts")]
fn num_vec(v: &[f64]) -> String {
    v.iter().map(|x| crate::table::format_number(*x)).collect::<Vec<_>>().join(", ")
}

#[cfg(feature = "scripts")]
fn conf_r(c: ConfType) -> &'static str {
    match c {
        ConfType::Log => "log",
        ConfType::LogLog => "log-log",
        ConfType::Plain => "plain",
    }
}

#[cfg(feature = "scripts")]
/// An R script (packages survival and cmprsk) reproducing every number of the report.
// Long because: the R script written line by line in the order R runs it, one short block per report section.
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
            w(&mut s, &format!("d$.time <- as.numeric(as.Date(end, origin = \"1970-01-01\") - start) / {}  # {} (ifelse drops the Date class)", crate::table::format_number(span.unit.days()), span.unit.name()));
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
    // The spec's level labels: the file's values named as the page names them (groups, model
    // terms, Table 1), in the page's level order (numeric, else text).
    w(&mut s, "relabel <- function(x, lab) { lv <- sort(unique(x[!is.na(x)])); k <- as.character(lv); factor(x, levels = lv, labels = ifelse(k %in% names(lab), lab[k], k)) }");
    if crate::study::has_design(spec) {
        s.push_str(&r_script_design(spec, &model_terms(spec)));
        return s;
    }
    let mut rhs = "1".to_string();
    match spec.group.as_ref().map(|g| g.columns()) {
        Some([g]) => {
            w(&mut s, &format!("d <- d[!is.na(d[[{}]]), , drop = FALSE]", lit(g)));
            w(&mut s, &format!("d$.group <- relabel(d[[{}]], {})  # level order: numeric, else text", lit(g), r_labels(spec, g)));
            rhs = ".group".into();
        }
        Some(cols) => {
            // Crossed groups: survfit's strata `a=x, b=y` (first column slowest) are the page's levels.
            for g in cols {
                w(&mut s, &format!("d <- d[!is.na(d[[{0}]]), , drop = FALSE]; d[[{0}]] <- relabel(d[[{0}]], {1})", lit(g), r_labels(spec, g)));
            }
            let relabel = |g: &String| format!("factor(d[[{0}]], labels = paste0({1}, levels(d[[{0}]])))", lit(g), lit(&format!("{g}=")));
            w(&mut s, &format!("d$.group <- interaction({}, sep = \", \", lex.order = TRUE, drop = TRUE)  # for cuminc", cols.iter().map(relabel).collect::<Vec<_>>().join(", ")));
            rhs = cols.iter().map(|g| r_name(g)).collect::<Vec<_>>().join(" + ");
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
        s.push_str(&crate::study::r_conditional_lines(spec, "Surv(.time, .status == 1)", &rhs, "d", ".time", &format!(", conf.type = {}", lit(conf_r(spec.conf_type)))));
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
            for c in spec.covariates.iter().filter(|c| spec.labels.levels.contains_key(*c)) {
                // Labels name the levels of a categorical covariate (a text column is one too).
                let cond = if spec.categorical.contains(c) { String::new() } else { format!("if (!is.numeric(d[[{}]])) ", lit(c)) };
                w(&mut s, &format!("{cond}d[[{0}]] <- relabel(d[[{0}]], {1})", lit(c), r_labels(spec, c)));
            }
            w(&mut s, &format!("cox <- coxph(Surv(.time, .status == 1) ~ {terms}{strata}{cl}, data = d, ties = {})", lit(spec.ties.name())));
            w(&mut s, "summary(cox)");
            w(&mut s, "cox.zph(cox, transform = \"km\", terms = FALSE)");
            for dist in &spec.parametric {
                w(&mut s, &format!("summary(survreg(Surv(.time, .status == 1) ~ {terms}, data = d, dist = {}))", lit(dist.name())));
            }
        }
        s.push_str(&adjusted_r_lines(spec));
        s.push_str(&r_table1(spec, spec.group.is_some()));
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
        s.push_str(&r_table1(spec, spec.group.is_some()));
    }
    s
}

#[cfg(feature = "scripts")]
/// R lines for the adjusted comparisons (`rmst_diff`, `splines`, `interactions`, `subgroups`,
/// `adjusted`, `propensity`), after the Kaplan-Meier fit `fit` of `d` by `.group`.
fn adjusted_r_lines(spec: &AnalysisSpec) -> String {
    let mut s = String::new();
    let mut w = |line: String| {
        s.push_str(&line);
        s.push('\n');
    };
    let ties = lit(spec.ties.name());
    let surv = "Surv(.time, .status == 1)";
    let term = |c: &String| if spec.categorical.contains(c) { format!("factor(`{c}`)") } else { format!("`{c}`") };
    let grouped = spec.group.as_ref().is_some_and(|g| g.single().is_some());
    if let (Some(tau), true) = (spec.rmst_tau, grouped) {
        w(String::new());
        w("# RMST difference per pair of groups (b - a), normal 95% CI and p".into());
        w(format!("tab <- summary(fit, rmean = {})$table; rm <- tab[, \"rmean\"]; se <- tab[, \"se(rmean)\"]", crate::table::format_number(tau)));
        w("for (i in seq_along(rm)) for (j in seq_along(rm)) if (i < j) { dd <- rm[[j]] - rm[[i]]; s <- sqrt(se[[i]]^2 + se[[j]]^2); cat(sprintf(\"RMST %s - %s: %.6g (se %.6g, 95%% CI %.6g to %.6g), p = %.4g\\n\", names(rm)[j], names(rm)[i], dd, s, dd - qnorm(0.975) * s, dd + qnorm(0.975) * s, 2 * pnorm(-abs(dd / s)))) }".into());
    }
    if !spec.covariates.is_empty() && (!spec.splines.is_empty() || !spec.interactions.is_empty()) {
        let spline_of = |c: &String| spec.splines.iter().find(|x| &x.column == c).map(|x| x.df);
        let terms_with = |linear: Option<&String>| {
            let mut t: Vec<String> = spec
                .covariates
                .iter()
                .map(|c| match spline_of(c) {
                    Some(df) if Some(c) != linear => format!("ns(`{c}`, df = {df})"),
                    _ => term(c),
                })
                .collect();
            for [a, b] in &spec.interactions {
                if spec.covariates.contains(a) && spec.covariates.contains(b) && spline_of(a).is_none() && spline_of(b).is_none() {
                    t.push(format!("{}:{}", term(a), term(b)));
                }
            }
            t.join(" + ")
        };
        w(String::new());
        w("# Cox model with natural splines (R's default knots) and interaction terms".into());
        w("library(splines)".into());
        w(format!("cox2 <- coxph({surv} ~ {}, data = d, ties = {ties})", terms_with(None)));
        w("summary(cox2)".into());
        for sp in spec.splines.iter().filter(|x| spec.covariates.contains(&x.column)) {
            w(format!("# Non-linearity of {}: LR test against it entering linearly", sp.column));
            w(format!("anova(coxph({surv} ~ {}, data = d, ties = {ties}), cox2)", terms_with(Some(&sp.column))));
        }
    }
    if grouped && !spec.subgroups.is_empty() {
        w(String::new());
        w("# Subgroups: HR of the group within each level; LR test of group x column".into());
        w(format!("for (v in {}) {{", r_vec(&spec.subgroups)));
        w("  dv <- d[!is.na(d[[v]]), , drop = FALSE]; dv$.sub <- factor(dv[[v]], levels = sort(unique(dv[[v]])))".into());
        w(format!("  for (l in levels(dv$.sub)) {{ cat(v, \"=\", l, \"\\n\"); print(tryCatch(summary(coxph({surv} ~ .group, data = dv[dv$.sub == l, ], ties = {ties}))$conf.int, error = function(e) conditionMessage(e))) }}"));
        w(format!("  print(anova(coxph({surv} ~ .group + .sub, data = dv, ties = {ties}), coxph({surv} ~ .group * .sub, data = dv, ties = {ties})))"));
        w("}".into());
    }
    if grouped && spec.adjusted.is_some() {
        let mut terms: Vec<String> = vec![".group".into()];
        terms.extend(spec.covariates.iter().filter(|c| Some(c.as_str()) != spec.group.as_ref().and_then(|g| g.single())).map(term));
        w(String::new());
        w("# Adjusted curves (direct standardisation): mean predicted survival with everyone in each group".into());
        w(format!("adj <- coxph({surv} ~ {}, data = d, ties = {ties})", terms.join(" + ")));
        w("dm <- d[rownames(model.frame(adj)), , drop = FALSE]".into());
        w(format!(
            "for (l in levels(d$.group)) {{ nd <- dm; nd$.group <- factor(l, levels = levels(d$.group)); sf <- survfit(adj, newdata = nd); s <- rowMeans(sf$surv); cat(\"adjusted\", l, \"\\n\"); print(data.frame(time = c({0}), surv = sapply(c({0}), function(t) {{ k <- findInterval(t, sf$time); if (k == 0) 1 else s[k] }}))) }}",
            if spec.times.is_empty() { "median(dm$.time)".to_string() } else { num_vec(&spec.times) }
        ));
    }
    if let Some(ps) = &spec.propensity {
        let covs: Vec<String> = ps.covariates.iter().map(term).collect();
        let mut all = ps.covariates.clone();
        all.push(ps.treatment.clone());
        let att = ps.estimand == crate::spec::Estimand::Att;
        w(String::new());
        w(format!("# Propensity score ({}{}): logistic model, weights, balance, weighted curves and Cox model", if att { "ATT" } else { "ATE" }, if ps.stabilize && !att { ", stabilised" } else { "" }));
        w(format!("pd <- d[complete.cases(d[, {}]), , drop = FALSE]", r_vec(&all)));
        w(format!("pd$.treated <- as.integer(pd[[{0}]] == sort(unique(pd[[{0}]]))[2])", lit(&ps.treatment)));
        w(format!("pm <- glm(.treated ~ {}, family = binomial, data = pd); print(summary(pm)$coefficients)", covs.join(" + ")));
        w("e <- fitted(pm); p1 <- mean(pd$.treated)".into());
        w(match (att, ps.stabilize) {
            (true, _) => "pd$.w <- ifelse(pd$.treated == 1, 1, e / (1 - e))".into(),
            (false, true) => "pd$.w <- ifelse(pd$.treated == 1, p1 / e, (1 - p1) / (1 - e))".into(),
            (false, false) => "pd$.w <- ifelse(pd$.treated == 1, 1 / e, 1 / (1 - e))".into(),
        });
        w("print(tapply(pd$.w, pd$.treated, function(x) sum(x)^2 / sum(x^2)))  # effective sample sizes".into());
        w("X <- model.matrix(pm)[, -1, drop = FALSE]; t1 <- pd$.treated == 1".into());
        w("sdp <- sqrt((apply(X[t1, , drop = FALSE], 2, var) + apply(X[!t1, , drop = FALSE], 2, var)) / 2)".into());
        w("wm <- function(x, w) sum(x * w) / sum(w)".into());
        w("print(data.frame(smd_before = (colMeans(X[t1, , drop = FALSE]) - colMeans(X[!t1, , drop = FALSE])) / sdp, smd_after = (apply(X[t1, , drop = FALSE], 2, wm, w = pd$.w[t1]) - apply(X[!t1, , drop = FALSE], 2, wm, w = pd$.w[!t1])) / sdp))".into());
        w(format!("print(survfit({surv} ~ factor(pd[[{}]]), data = pd, weights = .w, robust = TRUE))", lit(&ps.treatment)));
        w(format!("summary(coxph({surv} ~ factor(pd[[{}]]), data = pd, weights = .w, robust = TRUE, ties = {ties}))", lit(&ps.treatment)));
    }
    s
}

#[cfg(feature = "scripts")]
/// The level labels of `column` as an R named vector (`c("1" = "Male")`; `character(0)` without).
fn r_labels(spec: &AnalysisSpec, column: &str) -> String {
    match spec.labels.levels.get(column).filter(|m| !m.is_empty()) {
        Some(m) => format!("c({})", m.iter().filter(|(_, v)| !v.trim().is_empty()).map(|(k, v)| format!("{} = {}", lit(k), lit(v))).collect::<Vec<_>>().join(", ")),
        None => "character(0)".into(),
    }
}

#[cfg(feature = "scripts")]
/// The level labels of `column` as a Python dict.
fn py_labels(spec: &AnalysisSpec, column: &str) -> String {
    let m = spec.labels.levels.get(column);
    format!("{{{}}}", m.into_iter().flatten().filter(|(_, v)| !v.trim().is_empty()).map(|(k, v)| format!("{}: {}", lit(k), lit(v))).collect::<Vec<_>>().join(", "))
}

#[cfg(feature = "scripts")]
/// R lines: the `relabel` helper (levels in the page's order, the file's values shown by their
/// labels) and Table 1 as the page decides its rows (`categorical`, text, and with
/// `table1_codes` a few whole-number codes or site numbers, unless `numeric` lists the column).
fn r_table1(spec: &AnalysisSpec, group: bool) -> String {
    let Some(cols) = spec.table1.as_ref().filter(|c| !c.is_empty()) else { return String::new() };
    let mut s = String::new();
    s.push_str("\n# Table 1: categorical rows as counts (percent of the non-missing), numeric rows as mean (SD) and median\n");
    s.push_str(&format!("t1_categorical <- {}; t1_numeric <- {}; t1_codes <- {}\n", r_vec(&spec.categorical), r_vec(&spec.numeric), if spec.table1_codes { "TRUE" } else { "FALSE" }));
    s.push_str(&format!("g <- {}\n", if group { "d$.group" } else { "factor(rep(\"All\", nrow(d)))" }));
    for c in cols {
        let label = spec.labels.variable(c);
        s.push_str(&format!("x <- d[[{}]]; cat(\"\\n\", {}, \"\\n\")\n", lit(c), lit(label)));
        s.push_str(&format!(
            "codes <- is.numeric(x) && all(x == round(x), na.rm = TRUE) && (length(unique(na.omit(x))) <= 5 || sub(\"[._](id|code)$\", \"\", tolower({0})) %in% c(\"inst\", \"institution\", \"site\", \"center\", \"centre\", \"hospital\"))\n",
            lit(c)
        ));
        s.push_str(&format!(
            "if ({0} %in% t1_categorical || !is.numeric(x) || (t1_codes && !({0} %in% t1_numeric) && codes)) {{ tab <- table(relabel(x, {1}), g); print(tab); print(round(100 * prop.table(tab, 2), 1)); print(table(is.na(x), g, dnn = c(\"missing\", \"\"))) }} else print(sapply(split(x, g), function(z) c(n = sum(!is.na(z)), mean = mean(z, na.rm = TRUE), sd = sd(z, na.rm = TRUE), median = median(z, na.rm = TRUE))))\n",
            lit(c),
            r_labels(spec, c)
        ));
    }
    s
}

#[cfg(feature = "scripts")]
fn model_terms(spec: &AnalysisSpec) -> String {
    spec.covariates
        .iter()
        .map(|c| {
            let v = r_name(c);
            if spec.categorical.contains(c) {
                format!("factor({v})")
            } else {
                v
            }
        })
        .collect::<Vec<_>>()
        .join(" + ")
}

#[cfg(feature = "scripts")]
/// A Python script (pandas + lifelines) for the same analysis.
// Long because: the Python script written line by line in the order it runs, one short block per report section.
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
    w(&format!("d['_status'] = np.where(out.isin({}), 1, np.where(out.isin({}), 2, 0))", py_list(&ev.event), py_list(&ev.competing)));
    w("d = d[d['_time'].notna() & (d['_time'] >= 0)]");
    // The spec's level labels: values written as the page writes them (1, not 1.0), then named.
    w("def relabel(x, lab):");
    w("    def one(v):");
    w("        if pd.isna(v): return v");
    w("        if isinstance(v, float) and v.is_integer(): v = int(v)");
    w("        return lab.get(str(v), str(v))");
    w("    return x.map(one)");
    // Crossed groups become one combined column, labelled as the page labels them.
    let group = spec.group.as_ref().map(|g| match g.columns() {
        // A time-varying exposure is made by the design lines below (0/1, no labels).
        [one] if spec.time_varying.iter().any(|t| &t.name == one) => lit(one),
        [one] => {
            w(&format!("d[{0}] = relabel(d[{0}], {1})", lit(one), py_labels(spec, one)));
            lit(one)
        }
        cols => {
            let parts: Vec<String> = cols.iter().map(|c| format!("{} + relabel(d[{}], {})", lit(&format!("{c}=")), lit(c), py_labels(spec, c))).collect();
            w(&format!("d = d.dropna(subset={})", py_list(cols)));
            w(&format!("d['_group'] = {}", parts.join(" + ', ' + ")));
            lit("_group")
        }
    });
    if ev.competing.is_empty() && crate::study::has_design(spec) {
        w(python_design_lines(spec, group.as_deref()).trim_end());
        return s;
    }
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
            w(&format!("X = d[{} + ['_time', '_status']].dropna()", py_list(&spec.covariates)));
            for c in spec.covariates.iter().filter(|c| spec.labels.levels.contains_key(*c)) {
                let cond = if spec.categorical.contains(c) { String::new() } else { format!("if not pd.api.types.is_numeric_dtype(X[{}]): ", lit(c)) };
                w(&format!("{cond}X[{0}] = relabel(X[{0}], {1})", lit(c), py_labels(spec, c)));
            }
            if !cats.is_empty() {
                let cats: Vec<String> = cats.into_iter().cloned().collect();
                w(&format!("X = pd.get_dummies(X, columns={}, drop_first=True, dtype=float)", py_list(&cats)));
            }
            w("X['_event'] = (X.pop('_status') == 1).astype(int)");
            let extra = spec.cluster.as_ref().map(|c| format!(", cluster_col={}", lit(c))).unwrap_or_default();
            if spec.cluster.is_some() {
                w(&format!("X[{}] = d.loc[X.index, {}]", lit(spec.cluster.as_deref().unwrap_or_default()), lit(spec.cluster.as_deref().unwrap_or_default())));
            }
            w(&format!("cph = CoxPHFitter().fit(X, duration_col='_time', event_col='_event'{extra})"));
            w("cph.print_summary(decimals=4)");
        }
        let cond = py_conditional_lines(spec, group.as_deref(), "");
        if !cond.is_empty() {
            w(cond.trim_end());
        }
    } else {
        // lifelines' Aalen-Johansen fitter moves tied event times at random (±1e-4), which can
        // carry an event past a censoring or a landmark; the script breaks ties itself so that
        // the estimate is cmprsk's (within a tie the order of events does not change it).
        w("# lifelines moves tied event times at random; break ties here instead, as Kaplan-Meier orders them:");
        w("# the k-th event at time t moves to t + k * 1e-9 (k = 1, 2, ...: lifelines would not count an event at 0),");
        w("# censorings at t to t + 1e-6 (after the events), and landmarks are read at t + 5e-7 (so they include");
        w("# every event at t, as cmprsk's timepoints()).");
        w("d['_time'] = d['_time'].astype(float)");
        w("ev = d['_status'] > 0");
        w("d.loc[ev, '_time'] = d.loc[ev, '_time'] + 1e-9 * (d[ev].groupby('_time').cumcount() + 1)");
        w("d.loc[~ev, '_time'] = d.loc[~ev, '_time'] + 1e-6");
        let fit = |w: &mut dyn FnMut(&str), sub: &str, label: &str, indent: &str| {
            w(&format!("{indent}for cause in (1, 2):  # 1: the event, 2: the competing event"));
            w(&format!("{indent}    ajf = AalenJohansenFitter(calculate_variance=False).fit({sub}['_time'], {sub}['_status'], event_of_interest=cause)"));
            if spec.times.is_empty() {
                w(&format!("{indent}    print('CIF', {label}, 'cause', cause)"));
                w(&format!("{indent}    print(ajf.cumulative_density_)"));
            } else {
                w(&format!("{indent}    for t in [{}]:", num_vec(&spec.times)));
                w(&format!("{indent}        print('CIF', {label}, 'cause', cause, 'time', t, float(ajf.predict(t + 5e-7)))"));
            }
        };
        match &group {
            Some(g) => {
                w(&format!("for level, sub in d.groupby({g}):"));
                fit(&mut w, "sub", "level", "    ");
            }
            None => fit(&mut w, "d", "'All'", ""),
        }
    }
    if let Some(cols) = spec.table1.as_ref().filter(|c| !c.is_empty()) {
        w("# Table 1: categorical rows as counts (percent of the non-missing), numeric rows as mean (SD) and median");
        w(&format!("t1_categorical, t1_numeric, t1_codes = {}, {}, {}", py_list(&spec.categorical), py_list(&spec.numeric), if spec.table1_codes { "True" } else { "False" }));
        w(&format!("g = {}", group.as_ref().map(|g| format!("d[{g}]")).unwrap_or_else(|| "pd.Series('All', index=d.index)".into())));
        w("SITES = {'inst', 'institution', 'site', 'center', 'centre', 'hospital'}");
        for c in cols {
            w(&format!("x = d[{}]; print(); print({})", lit(c), lit(spec.labels.variable(c))));
            w(&format!(
                "codes = pd.api.types.is_numeric_dtype(x) and (x.dropna() % 1 == 0).all() and (x.nunique() <= 5 or __import__('re').sub(r'[._](id|code)$', '', {0}.lower()) in SITES)",
                lit(c)
            ));
            w(&format!(
                "if {0} in t1_categorical or not pd.api.types.is_numeric_dtype(x) or (t1_codes and {0} not in t1_numeric and codes):\n    tab = pd.crosstab(relabel(x, {1}), g); print(tab); print((100 * tab / tab.sum()).round(1)); print('missing', x.isna().groupby(g).sum().to_dict())\nelse:\n    print(x.groupby(g).agg(['count', 'mean', 'std', 'median']))",
                lit(c),
                py_labels(spec, c)
            ));
        }
    }
    s
}

#[cfg(feature = "scripts")]
/// Python lines for conditional survival (`conditional`): per group, Kaplan-Meier of the rows
/// still at risk after s, read at s + t (`kw`: extra keyword arguments of the fit).
fn py_conditional_lines(spec: &AnalysisSpec, group: Option<&str>, kw: &str) -> String {
    let Some(c) = &spec.conditional else { return String::new() };
    let g = group.map_or("pd.Series('All', index=d.index)".to_string(), |g| format!("d[{g}]"));
    format!(
        "# Conditional survival: given survival to s, the chance of surviving t more, S(s + t) / S(s)\n\
         # (Kaplan-Meier of those still at risk after s; lifelines' limits are log-log, the page's the spec's conf_type)\n\
         for s0 in [{}]:\n    for level, sub in d[d['_time'] > s0].groupby({g}):\n        \
         km = KaplanMeierFitter().fit(sub['_time'], sub['_status'] == 1{kw})\n        \
         print('given', s0, level, km.survival_function_at_times([s0 + t for t in [{}]]).to_dict())\n",
        num_vec(&c.given),
        num_vec(&c.more)
    )
}

/// How the design lines of both scripts ([`r_script_design`], [`python_design_lines`]) turn a
/// time-like column (`entry`, a `time_varying` exposure's `at`) into a time in the analysis unit,
/// the three cases of `study::time_column` by the spec's `time`.
#[cfg(feature = "scripts")]
enum TimeCase<'a> {
    /// `time` is a date span: a column of dates counts the days since the span's `start`
    /// column, divided by `days` (the days of the span's unit); a column of numbers is taken as
    /// already in that unit.
    Dates { start: &'a str, days: f64 },
    /// `time` is a number column with a unit: the column's numbers times this factor (the unit
    /// to the display unit).
    Scaled(f64),
    /// `time` is a plain number column: the numbers as they are.
    AsIs,
}

#[cfg(feature = "scripts")]
impl<'a> TimeCase<'a> {
    fn of(spec: &'a AnalysisSpec) -> TimeCase<'a> {
        match &spec.time {
            TimeSpec::Dates(span) => TimeCase::Dates { start: &span.start, days: span.unit.days() },
            TimeSpec::Numeric(n) => TimeCase::Scaled(n.factor()),
            TimeSpec::Column(_) => TimeCase::AsIs,
        }
    }
}

/// An R string literal as the design lines write it (backslash, quote and newline escaped).
#[cfg(feature = "scripts")]
fn r_lit(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n"))
}

/// The analysis section of the R cross-check script ([`r_script`]) for a spec with
/// study-design keys, after the script has read the file and made `d$.time` and `d$.status`:
/// entry times, weights, landmark, `tmerge` splits, then `survfit`, the test between groups and
/// `coxph` on `Surv(tstart, tstop, ev)`, as the contract's R equivalents. `terms` is the Cox
/// model's right-hand side.
#[cfg(feature = "scripts")]
fn r_script_design(spec: &AnalysisSpec, terms: &str) -> String {
    let mut s = String::new();
    let mut w = |line: String| {
        s.push_str(&line);
        s.push('\n');
    };
    let num = crate::table::format_number;
    let as_time = |col: &str| match TimeCase::of(spec) {
        TimeCase::Dates { start, days } => format!(
            "(if (inherits(try(as.Date(d[[{c}]][!is.na(d[[{c}]])][1]), silent = TRUE), \"Date\")) as.numeric(as.Date(d[[{c}]]) - as.Date(d[[{s}]])) / {per} else as.numeric(d[[{c}]]))",
            c = r_lit(col),
            s = r_lit(start),
            per = num(days)
        ),
        TimeCase::Scaled(factor) => format!("as.numeric(d[[{}]]) * {}", r_lit(col), num(factor)),
        TimeCase::AsIs => format!("as.numeric(d[[{}]])", r_lit(col)),
    };
    w(String::new());
    w("# Study design (cohort's keys entry, id, time_varying, landmark, weights)".into());
    let has_entry = spec.entry.is_some() || (!spec.time_varying.is_empty() && spec.landmark.is_none());
    match &spec.entry {
        Some(e) => {
            w(format!("d$.entry <- {}", as_time(e)));
            w("d <- d[!is.na(d$.entry) & d$.entry < d$.time, , drop = FALSE]  # at risk on (entry, time]".into());
        }
        None if has_entry => w("d$.entry <- 0; d <- d[d$.time > 0, , drop = FALSE]  # tmerge drops zero follow-up".into()),
        None => {}
    }
    let sampling = spec.sampling_weights().is_some();
    if let Some(wt) = &spec.weights {
        w(format!("d$.w <- as.numeric(d[[{}]]); d <- d[!is.na(d$.w) & d$.w >= 0, , drop = FALSE]", r_lit(&wt.column)));
        if wt.kind == crate::spec::WeightKind::Frequency {
            w("d <- d[rep(seq_len(nrow(d)), d$.w), , drop = FALSE]  # frequency weights: each row w times".into());
        }
    }
    w(match &spec.id {
        Some(id) => format!("d$.id <- d[[{}]]; d <- d[!is.na(d$.id), , drop = FALSE]", r_lit(id)),
        None => "d$.id <- seq_len(nrow(d))".into(),
    });
    if let Some(lm) = &spec.landmark {
        w(format!(
            "d <- d[d$.time > {l}{}, , drop = FALSE]  # landmark: at risk at {l}",
            if spec.entry.is_some() { format!(" & d$.entry < {}", num(lm.time)) } else { String::new() },
            l = num(lm.time)
        ));
        for tv in &spec.time_varying {
            w(format!("d${} <- as.integer(!is.na({at}) & {at} <= {})  # exposure at the landmark", tv.name, num(lm.time), at = as_time(&tv.at)));
        }
        if lm.reset {
            w(format!("d$.time <- d$.time - {}  # clock reset at the landmark", num(lm.time)));
        }
    }
    let split = !spec.time_varying.is_empty() && spec.landmark.is_none();
    let (surv, data) = if split {
        for tv in &spec.time_varying {
            w(format!("d$.at_{} <- {}", tv.name, as_time(&tv.at)));
        }
        w("s <- tmerge(d, d, id = .id, .ev = event(.time, as.integer(.status == 1)), tstart = .entry, tstop = .time)".into());
        for tv in &spec.time_varying {
            w(format!("s <- tmerge(s, d, id = .id, `{0}` = tdc(.at_{0}))", tv.name));
        }
        ("Surv(tstart, tstop, .ev)", "s")
    } else if spec.entry.is_some() && spec.landmark.is_none() {
        ("Surv(.entry, .time, .status == 1)", "d")
    } else {
        ("Surv(.time, .status == 1)", "d")
    };
    let group = spec.group.as_ref().map(|g| g.columns().iter().map(|c| format!("factor(`{c}`)")).collect::<Vec<_>>().join(" + "));
    let rhs = group.clone().unwrap_or_else(|| "1".into());
    let strata = spec.strata.as_ref().map(|st| format!(" + strata(`{st}`)")).unwrap_or_default();
    let wts = if spec.weights.as_ref().is_some_and(|w| w.kind == crate::spec::WeightKind::Sampling) { ", weights = .w, robust = TRUE" } else { "" };
    w(String::new());
    w("# Kaplan-Meier (n counts patients)".into());
    w(format!("fit <- survfit({surv} ~ {rhs}, data = {data}, id = .id{wts})"));
    w(match spec.rmst_tau {
        Some(tau) => format!("print(fit, rmean = {})", num(tau)),
        None => "print(fit)".into(),
    });
    if !spec.times.is_empty() {
        w(format!("summary(fit, times = c({}), extend = TRUE)", spec.times.iter().map(|&t| num(t)).collect::<Vec<_>>().join(", ")));
    }
    let stop = if split { "tstop" } else { ".time" };
    let lines = crate::study::r_conditional_lines(spec, surv, &rhs, data, stop, &format!(", id = .id{wts}"));
    if !lines.is_empty() {
        w(lines.trim_end().to_string());
    }
    if let Some(g) = &group {
        if sampling {
            w("# No log-rank test with sampling weights: see the weighted Cox model.".into());
        } else if has_entry || spec.time_varying_group().is_some() {
            w("# Log-rank with delayed entry: the Cox score test with Breslow ties".into());
            w(format!("summary(coxph({surv} ~ {g}{strata}, data = {data}, ties = \"breslow\"))$sctest"));
        } else {
            w(format!("survdiff({surv} ~ {g}{strata}, data = {data}, rho = {})", num(spec.rho)));
        }
    }
    if !spec.covariates.is_empty() {
        let cl = spec.cluster.as_ref().map(|c| format!(" + cluster(`{c}`)")).unwrap_or_default();
        w(String::new());
        w(format!("# Cox proportional hazards ({} ties)", spec.ties.name()));
        w(format!("cox <- coxph({surv} ~ {terms}{strata}{cl}, data = {data}, ties = {}{wts})", r_lit(spec.ties.name())));
        w("summary(cox)".into());
        w("cox.zph(cox, transform = \"km\", terms = FALSE)".into());
    }
    s
}

#[cfg(feature = "scripts")]
/// Python (pandas + lifelines) lines for the study-design keys, after `d` holds `_time` and
/// `_status` (as [`r_script_design`] for R): delayed entry (`entry=` of
/// `KaplanMeierFitter`, `CoxTimeVaryingFitter` on (entry, time]), start–stop rows (`id`), a
/// time-varying exposure (rows split at the exposure time as R's `tmerge(tdc())`: exposed on an
/// interval that starts at or after it), a landmark (rows at risk at L, the exposure's value at L,
/// the clock reset or kept), conditional survival, and weights (frequency: rows repeated;
/// sampling: `weights=`, Cox with `robust=True`). What lifelines lacks is said in comments: a
/// log-rank test with delayed entry, robust Kaplan-Meier limits under weights, and patient counts
/// for start–stop rows (it counts rows).
fn python_design_lines(spec: &AnalysisSpec, group: Option<&str>) -> String {
    let mut s = String::new();
    let mut w = |line: String| {
        s.push_str(&line);
        s.push('\n');
    };
    let num = crate::table::format_number;
    let as_time = |col: &str| match TimeCase::of(spec) {
        TimeCase::Dates { start, days } => format!(
            "((pd.to_datetime(d[{c}], errors='coerce') - pd.to_datetime(d[{s}])).dt.days / {per} if not pd.api.types.is_numeric_dtype(d[{c}]) else pd.to_numeric(d[{c}], errors='coerce'))",
            c = lit(col),
            s = lit(start),
            per = num(days)
        ),
        TimeCase::Scaled(factor) => format!("pd.to_numeric(d[{}], errors='coerce') * {}", lit(col), num(factor)),
        TimeCase::AsIs => format!("pd.to_numeric(d[{}], errors='coerce')", lit(col)),
    };
    w(String::new());
    w("# Study design (cohort's keys entry, id, time_varying, landmark, weights)".into());
    w("from lifelines import CoxTimeVaryingFitter".into());
    let split = !spec.time_varying.is_empty() && spec.landmark.is_none();
    let counting = (spec.entry.is_some() && spec.landmark.is_none()) || split;
    match &spec.entry {
        Some(e) => {
            w(format!("d['_entry'] = {}", as_time(e)));
            w("d = d[d['_entry'].notna() & (d['_entry'] < d['_time'])]  # at risk on (entry, time]".into());
        }
        None => w("d['_entry'] = 0.0".into()),
    }
    if split && spec.entry.is_none() {
        w("d = d[d['_time'] > 0]  # tmerge drops zero follow-up".into());
    }
    let sampling = spec.sampling_weights().is_some();
    if let Some(wt) = &spec.weights {
        w(format!("d['_w'] = pd.to_numeric(d[{}], errors='coerce'); d = d[d['_w'].notna() & (d['_w'] >= 0)]", lit(&wt.column)));
        if wt.kind == crate::spec::WeightKind::Frequency {
            w("d = d.loc[d.index.repeat(d['_w'].astype(int))].reset_index(drop=True); d['_w'] = 1.0  # frequency weights: each row w times".into());
        }
    }
    w(match &spec.id {
        Some(id) => format!("d['_id'] = d[{}]; d = d[d['_id'].notna()]  # lifelines counts rows, not patients: its n differs from the page's", lit(id)),
        None => "d['_id'] = np.arange(len(d))".into(),
    });
    for tv in &spec.time_varying {
        w(format!("d['_at_{}'] = {}", tv.name, as_time(&tv.at)));
    }
    if let Some(lm) = &spec.landmark {
        let l = num(lm.time);
        w(format!("d = d[(d['_time'] > {l}){}]  # landmark: at risk at {l}", if spec.entry.is_some() { format!(" & (d['_entry'] < {l})") } else { String::new() }));
        for tv in &spec.time_varying {
            w(format!("d[{}] = (d['_at_{}'].notna() & (d['_at_{}'] <= {l})).astype(int)  # exposure at the landmark", lit(&tv.name), tv.name, tv.name));
        }
        if lm.reset {
            w(format!("d['_time'] = d['_time'] - {l}  # clock reset at the landmark"));
        }
    }
    if split {
        w("# Time-varying exposure: each row split at the exposure time, as R's tmerge(..., tdc(at)) does:".into());
        w("# exposed on an interval starting at or after it; an exposure at or before the start counts from the start;".into());
        w("# one on or after the last day of follow-up is ignored.".into());
        w("def split_at(d, at, name):".into());
        w("    cut = d[at].notna() & (d[at] > d['_entry']) & (d[at] < d['_time'])".into());
        w("    before, after, rest = d[cut].copy(), d[cut].copy(), d[~cut].copy()".into());
        w("    before['_time'], before['_status'], before[name] = d.loc[cut, at], 0, 0".into());
        w("    after['_entry'], after[name] = d.loc[cut, at], 1".into());
        w("    rest[name] = (rest[at].notna() & (rest[at] <= rest['_entry'])).astype(int)".into());
        w("    return pd.concat([before, after, rest]).sort_values(['_id', '_entry']).reset_index(drop=True)".into());
        for tv in &spec.time_varying {
            w(format!("d = split_at(d, '_at_{}', {})", tv.name, lit(&tv.name)));
        }
    }
    let entry_kw = if counting { ", entry=sub['_entry']" } else { "" };
    let w_kw = if spec.weights.is_some() { ", weights=sub['_w']" } else { "" };
    w(String::new());
    w(format!(
        "# Kaplan-Meier{}{}",
        if counting { " with delayed entry (entry=): rows at risk on (entry, time]" } else { "" },
        if sampling { "; with weights lifelines' limits are not the robust ones: compare the curves, not their CIs" } else { "" }
    ));
    let g = group.map_or("pd.Series('All', index=d.index)".to_string(), |g| format!("d[{g}]"));
    w(format!("for level, sub in d.groupby({g}):"));
    w(format!("    km = KaplanMeierFitter().fit(sub['_time'], sub['_status'] == 1{entry_kw}{w_kw}, label=str(level))"));
    w("    print(level, 'median', km.median_survival_time_)".into());
    if !spec.times.is_empty() {
        w(format!("    print(km.survival_function_at_times([{}]))", num_vec(&spec.times)));
    }
    let cond = py_conditional_lines(spec, group, &format!("{}{}", entry_kw, w_kw));
    if !cond.is_empty() {
        s.push_str(&cond);
    }
    let mut w = |line: String| {
        s.push_str(&line);
        s.push('\n');
    };
    if let Some(g) = group {
        if sampling {
            w("# No log-rank test with sampling weights: see the weighted Cox model.".into());
        } else if counting {
            w("# lifelines has no log-rank test with delayed entry (the page gives the Cox score test with Breslow ties);".into());
            w("# the likelihood-ratio test of the group in CoxTimeVaryingFitter (Efron ties) is the nearest.".into());
            w(format!("X = d[[{g}, '_id', '_entry', '_time']].assign(_event=(d['_status'] == 1).astype(int))"));
            w(format!("X = pd.get_dummies(X, columns=[{g}], drop_first=True, dtype=float)"));
            w("print(CoxTimeVaryingFitter().fit(X, id_col='_id', event_col='_event', start_col='_entry', stop_col='_time').log_likelihood_ratio_test())".into());
        } else {
            w(format!("print(multivariate_logrank_test(d['_time'], d[{g}], d['_status'] == 1).summary)"));
        }
    }
    if !spec.covariates.is_empty() {
        let cats: Vec<String> = spec.covariates.iter().filter(|c| spec.categorical.contains(c)).cloned().collect();
        let mut keep = spec.covariates.clone();
        keep.extend(["_id", "_entry", "_time", "_status"].map(String::from));
        if spec.weights.is_some() {
            keep.push("_w".into());
        }
        w(String::new());
        w(format!("# Cox proportional hazards (lifelines: Efron ties; the page: {} ties){}", spec.ties.name(), if sampling { ", robust variance" } else { "" }));
        w(format!("X = d[{}].dropna()", py_list(&keep)));
        if !cats.is_empty() {
            w(format!("X = pd.get_dummies(X, columns={}, drop_first=True, dtype=float)", py_list(&cats)));
        }
        w("X['_event'] = (X.pop('_status') == 1).astype(int)".into());
        let wk = if spec.weights.is_some() { ", weights_col='_w'" } else { "" };
        let rb = if sampling { ", robust=True" } else { "" };
        if counting {
            w(format!("cox = CoxTimeVaryingFitter().fit(X, id_col='_id', event_col='_event', start_col='_entry', stop_col='_time'{wk}{rb})"));
        } else {
            w(format!("cox = CoxPHFitter().fit(X.drop(columns=['_id', '_entry']), duration_col='_time', event_col='_event'{wk}{rb})"));
        }
        w("cox.print_summary(decimals=4)".into());
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

/// [`methods_text`] with disclosure control: with `k`, the paragraph of the report as
/// [`crate::disclosure::protect`] releases it ([`methods_protected`]); without, all counts.
pub fn methods_text_k(report: &Report, k: Option<u32>) -> String {
    match k {
        Some(k) => methods_protected(&crate::disclosure::protect(report, None, k)),
        None => methods_text_with(report, None),
    }
}

/// The paragraph; with `w`, counts it withheld are written "<k" and withheld totals "not shown".
fn methods_text_with(report: &Report, w: Option<&crate::disclosure::Withheld>) -> String {
    let k = w.map(|w| w.k);
    let totals = w.is_some_and(|w| w.totals);
    let file_rows = w.is_some_and(|w| w.file_rows);
    let cnt = |v: usize| crate::plot::suppressed_count(v as f64, k).unwrap_or_else(|| v.to_string());
    let total = |v: usize| if totals { "a number not shown".to_string() } else { cnt(v) };
    let Some(spec) = &report.spec else { return String::new() };
    let unit = report.time_unit.map(|u| format!(" {u}")).unwrap_or_default();
    let mut m = String::new();
    let conf = match spec.conf_type {
        ConfType::Log => "log",
        ConfType::LogLog => "log-log",
        ConfType::Plain => "linear",
    };
    m.push_str("Methods. ");
    m.push_str(&crate::study::methods_sentence(spec, &unit));
    if report.cuminc.is_empty() {
        m.push_str(&format!(
            "Survival was estimated with the Kaplan-Meier method; 95% confidence intervals used {} on the {conf} scale. Median follow-up was estimated with the reverse Kaplan-Meier method. ",
            methods_adjusted::km_variance(report, spec)
        ));
        // (No test under sampling or propensity weights; the score test with delayed entry is
        // named with the design.)
        if !report.groups.is_empty() && report.logrank.is_some() && !crate::study::groups_score_test(spec) {
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
    m.push_str(&methods_adjusted::methods(report, spec, &unit));
    if report.cox.is_some() || report.finegray.is_some() || !report.parametric.is_empty() {
        m.push_str("Each regression model used the complete cases of its own terms (time, outcome, covariates and, for the Cox model, strata and cluster), whatever the grouping of the curves. ");
    }
    m.push_str("Analyses were run with cohort, whose estimators reproduce R's survival and cmprsk packages.\n\nResults. ");
    if totals {
        m.push_str("The numbers of rows analysed and of events are not shown (they would reveal a suppressed group by subtraction)");
    } else if file_rows {
        m.push_str(&format!("{} rows were analysed{}, with {} events", total(report.n), report.flow.as_ref().map(|f| f.sentence(k)).unwrap_or_default(), total(report.events)));
    } else {
        m.push_str(&format!("Of {} rows{}, {} were analysed, with {} events", cnt(report.rows_in_file), report.flow.as_ref().map(|f| f.sentence(k)).unwrap_or_default(), total(report.n), total(report.events)));
    }
    if let (Some(c), false) = (report.competing_events, totals) {
        m.push_str(&format!(" and {} competing events", total(c)));
    }
    m.push_str(". ");
    let kk = k;
    for k in &report.km {
        let who = k.group.as_ref().map(|g| format!("In group {g} ({}), the", crate::plot::group_n_text(k.n, kk))).unwrap_or_else(|| "The".to_string());
        if w.is_some_and(|w| w.small(k.group.as_deref())) {
            m.push_str(&format!("{who} results are not shown (fewer than {} patients). ", kk.unwrap_or(0)));
            continue;
        }
        m.push_str(&format!(
            "{who} median survival was {}{unit} (95% CI {}–{})",
            opt(k.median),
            opt(k.median_lower),
            opt(k.median_upper)
        ));
        let at: Vec<String> = k
            .at
            .iter()
            .filter(|a| a.surv.is_finite())
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
        let at: Vec<String> = c.at.iter().filter(|a| a.estimate.is_finite()).map(|a| format!("{:.1}% at {}{unit}", a.estimate * 100.0, fmt(a.time))).collect();
        if !at.is_empty() {
            m.push_str(&format!("Cumulative incidence{} was {}. ", c.group.as_ref().map(|g| format!(" in group {g}")).unwrap_or_default(), at.join(" and ")));
        }
    }
    for g in &report.gray_test {
        m.push_str(&format!("Gray's test for the {} had {}. ", if g.cause == "event" { "event of interest" } else { "competing event" }, format_p(g.p)));
    }
    if let Some(c) = &report.cox {
        let withheld = |name: &str| w.is_some_and(|w| w.terms.iter().any(|x| x == name));
        let terms: Vec<String> = c
            .terms
            .iter()
            .filter(|t| !withheld(&t.name))
            .map(|t| if t.coef.is_finite() { format!("{} HR {:.2} (95% CI {:.2}–{:.2}; {})", t.name, t.hr, t.lower, t.upper, format_p(t.p)) } else { format!("{} not estimable (NA)", t.name) })
            .collect();
        let size = if totals { String::new() } else { format!(" ({} rows, {} events)", cnt(c.n), cnt(c.events)) };
        // Every term withheld: the sentence naming them (the disclosure paragraph) says so.
        if !terms.is_empty() {
            m.push_str(&format!("In the Cox model{size}: {}. ", terms.join("; ")));
        }
    }
    if let Some(f) = &report.finegray {
        let terms: Vec<String> = f.terms.iter().map(|t| format!("{} SHR {:.2} (95% CI {:.2}–{:.2}; {})", t.name, t.shr, t.lower, t.upper, format_p(t.p))).collect();
        let terms: Vec<String> = terms.into_iter().filter(|t| !t.contains("SHR NaN")).collect();
        let size = if totals { String::new() } else { format!(" ({} rows)", cnt(f.n)) };
        if !terms.is_empty() {
            m.push_str(&format!("In the Fine-Gray model{size}: {}. ", terms.join("; ")));
        }
    }
    m.push_str(&methods_adjusted::results(report, spec, &unit, w));
    m.trim_end().to_string()
}

#[cfg(all(test, feature = "scripts"))]
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

    /// A backtick, quote or newline in a header cannot end the name or string and run code.
    #[test]
    fn column_names_are_escaped_in_scripts() {
        let spec = AnalysisSpec::from_json(
            r#"{"time":"t","event":{"column":"s","event":["1"]},"covariates":["a`); system('rm -rf ~'); (`","b\"]); import os; os.system('x') #"],"categorical":["a`); system('rm -rf ~'); (`"]}"#,
        )
        .unwrap();
        let r = r_script(&spec, "f.csv");
        assert!(r.contains("factor(`a\\`); system('rm -rf ~'); (\\``)"), "{r}");
        let p = python_script(&spec, "f.csv");
        assert!(p.contains(r#""b\"]); import os; os.system('x') #""#), "{p}");
        assert!(!p.contains(r#"["a`); system('rm -rf ~'); (`", "b"]"#));
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
}

#[cfg(all(test, feature = "scripts"))]
mod crossed_tests {
    /// Crossed groups: the R script fits `~ \`sex\` + \`ph.ecog\``, whose strata are the page's
    /// levels (run in R by tests/scripts.rs); the Python script crosses into one column.
    #[test]
    fn crossed_scripts_use_both_columns() {
        let spec = crate::AnalysisSpec::from_json(r#"{"time":"time","event":{"column":"status","event":["2"]},"group":["sex","ph.ecog"]}"#).unwrap();
        let r = super::r_script(&spec, "lung.csv");
        assert!(r.contains("survfit(Surv(.time, .status == 1) ~ `sex` + `ph.ecog`"), "{r}");
        assert!(r.contains("survdiff(Surv(.time, .status == 1) ~ `sex` + `ph.ecog`, data = d, rho = 0)"), "{r}");
        let p = super::python_script(&spec, "lung.csv");
        // Each value as the page writes it (1, not 1.0), through its level labels (none here).
        assert!(p.contains(r#"d['_group'] = "sex=" + relabel(d["sex"], {}) + ', ' + "ph.ecog=" + relabel(d["ph.ecog"], {})"#), "{p}");
        assert!(p.contains(r#"d.groupby("_group")"#), "{p}");
        let report = crate::analyze_bytes(&std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reference/lung.csv")).unwrap(), "lung.csv", &spec).unwrap();
        let m = super::methods_text(&report);
        assert!(m.contains("Groups defined by sex and ph.ecog were compared"), "{m}");
        // The script run in R: tests/scripts.rs.
    }
}

// ---------- the exports, every one through the disclosure module ----------

/// What the page's export buttons and `cohort export --as KIND` produce: one function per kind
/// ([`export_bytes`]), all from [`crate::disclosure::protect`]'s output for the threshold k.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportKind {
    /// `#results=` fragment: base64url of raw deflate of the [`crate::share::SharedResults`] JSON.
    ResultsLink,
    ReportJson,
    TablesCsv,
    Table1Csv,
    Table1Md,
    Methods,
    FigureSvg,
    RScript,
    PythonScript,
    /// The cohort flow diagram (the page's "Save flow diagram (SVG)").
    FlowSvg,
    /// The proportional-hazards residual plot of the Cox model (`term` in the plot options
    /// chooses one term, as the page's "Save SVG" under each plot): residuals pooled in runs of
    /// k events (see `disclosure/residuals.rs`).
    PhResidualsSvg,
    /// Adjusted comparisons' figures as SVG (kept out of [`ExportKind::ALL`]: they need their
    /// analysis keys): the love plot, the subgroup forest plot and the adjusted curves.
    LoveSvg,
    SubgroupsSvg,
    AdjustedSvg,
    /// PNG/TIFF/PDF figures at a journal preset and the risk table as CSV ([`crate::manuscript`]).
    Manuscript(crate::manuscript::Kind),
}

impl ExportKind {
    /// Every kind with its command-line name.
    pub const ALL: [(ExportKind, &'static str); 11] = [
        (ExportKind::ResultsLink, "results-link"),
        (ExportKind::ReportJson, "report-json"),
        (ExportKind::TablesCsv, "tables-csv"),
        (ExportKind::Table1Csv, "table1-csv"),
        (ExportKind::Table1Md, "table1-md"),
        (ExportKind::Methods, "methods"),
        (ExportKind::FigureSvg, "figure-svg"),
        (ExportKind::RScript, "r-script"),
        (ExportKind::PythonScript, "python-script"),
        (ExportKind::FlowSvg, "flow-svg"),
        (ExportKind::PhResidualsSvg, "ph-residuals-svg"),
    ];

    /// The figures of the adjusted comparisons, each exported only by an analysis that has it.
    pub const ADJUSTED: [(ExportKind, &'static str, crate::plot::FigureKind); 3] = [
        (ExportKind::LoveSvg, "love-svg", crate::plot::FigureKind::Love),
        (ExportKind::SubgroupsSvg, "subgroups-svg", crate::plot::FigureKind::Subgroups),
        (ExportKind::AdjustedSvg, "adjusted-svg", crate::plot::FigureKind::Adjusted),
    ];

    /// What of this export the build leaves out (`None`: it has it): the page's first module is
    /// built without the script writers (feature `scripts`) and the results links (feature
    /// `links`, with the deflate); the page then loads the on-demand module (issue 20).
    pub fn left_out(self) -> Option<&'static str> {
        match self {
            #[cfg(not(feature = "scripts"))]
            ExportKind::RScript | ExportKind::PythonScript => Some("the R and Python scripts"),
            #[cfg(not(feature = "links"))]
            ExportKind::ResultsLink => Some("results links"),
            #[cfg(not(feature = "report_exports"))]
            ExportKind::ReportJson | ExportKind::TablesCsv => Some("the report's JSON and CSV exports"),
            #[cfg(not(feature = "extended"))]
            ExportKind::Table1Csv | ExportKind::Table1Md => Some("Table 1"),
            #[cfg(not(feature = "extended"))]
            ExportKind::LoveSvg | ExportKind::SubgroupsSvg | ExportKind::AdjustedSvg => Some("the adjusted comparisons' figures"),
            _ => None,
        }
    }

    /// The kind named `name` (as the command line and the page spell it).
    pub fn parse(name: &str) -> Result<ExportKind, String> {
        if let Some(m) = crate::manuscript::Kind::parse(name) {
            return Ok(ExportKind::Manuscript(m));
        }
        if let Some((k, _, _)) = Self::ADJUSTED.iter().find(|(_, n, _)| *n == name) {
            return Ok(*k);
        }
        Self::ALL.iter().find(|(_, n)| *n == name).map(|(k, _)| *k).ok_or_else(|| {
            let manuscript = crate::manuscript::Kind::ALL.iter().map(|(_, n)| *n);
            format!("unknown export kind '{name}': use one of {}", Self::ALL.iter().map(|(_, n)| *n).chain(Self::ADJUSTED.iter().map(|(_, n, _)| *n)).chain(manuscript).collect::<Vec<_>>().join(", "))
        })
    }
}

/// Everything an export needs: the (unprotected) report, the table it came from (for the
/// disclosure module's counts; `None` for a report opened from a results link), the file name,
/// k, and for figures the plot options and size.
pub struct ExportInput<'a> {
    pub report: &'a Report,
    pub table: Option<&'a crate::table::Table>,
    pub file: &'a str,
    pub k: u32,
    /// Figure options (JSON of [`crate::plot::PlotOptions`]; `min_cell` is set to k).
    pub plot: crate::plot::PlotOptions,
    pub width: u32,
    pub height: u32,
}

/// The bytes of one export.
pub fn export_bytes(kind: ExportKind, input: &ExportInput) -> Result<Vec<u8>, String> {
    let k = input.k.max(1);
    let p = crate::disclosure::protect(input.report, input.table, k);
    #[cfg_attr(not(all(feature = "scripts", feature = "links", feature = "extended")), allow(unused_variables))]
    let spec = input.report.spec.as_ref();
    let text = match kind {
        #[cfg(feature = "links")]
        ExportKind::ResultsLink => results_fragment(&p, link_spec(spec, input.table).0)?,
        #[cfg(feature = "report_exports")]
        ExportKind::ReportJson => report_json(&p),
        #[cfg(feature = "report_exports")]
        ExportKind::TablesCsv => tables_csv(&p),
        #[cfg(feature = "extended")]
        ExportKind::Table1Csv | ExportKind::Table1Md => {
            let rows = p.report.table1.as_ref().ok_or("this analysis has no Table 1: choose its columns first (spec key table1)")?;
            let masked = !p.table1.primary.is_empty() || !p.table1.groups.is_empty() || !p.table1.columns.is_empty();
            let mut note = format!(
                "Disclosure control: counts from 1 to {} are shown as <{k} (no percent); cells marked suppressed are withheld so that no <{k} cell follows from the others and the column's N.",
                k.saturating_sub(1)
            );
            if !p.table1.columns.is_empty() {
                note.push_str(&format!(
                    " Columns marked withheld are withheld whole: a count below {k} that no other suppression would protect, or a numeric variable of at most three values, one of them in fewer than {k} patients (its mean and SD would give the counts)."
                ));
            }
            if kind == ExportKind::Table1Csv {
                let mut t = format!("\u{feff}{}", crate::stats::table1::to_csv_masked(rows, Some(&p.table1)));
                if masked {
                    t.push_str(&csv_line(&[note]));
                    t.push_str("\r\n");
                }
                t
            } else {
                let mut t = crate::stats::table1::to_markdown_masked(rows, Some(&p.table1));
                if masked {
                    t.push_str(&note);
                    t.push_str("  \n");
                }
                t
            }
        }
        ExportKind::Methods => methods_protected(&p),
        ExportKind::FigureSvg | ExportKind::FlowSvg | ExportKind::PhResidualsSvg => {
            let opts = crate::plot::PlotOptions { min_cell: Some(k), ..input.plot.clone() };
            opts.validate()?;
            let figure = match kind {
                ExportKind::FlowSvg => crate::plot::FigureKind::Flow,
                ExportKind::PhResidualsSvg => {
                    let cox = p.report.cox.as_ref().ok_or("the analysis has no Cox model: add covariates to check proportional hazards")?;
                    let ph = cox.ph_test.as_ref().ok_or("the proportional-hazards test of this Cox model could not be computed")?;
                    if ph.residuals.is_none() {
                        let all_withheld = !ph.terms.is_empty() && ph.terms.iter().all(|t| p.withheld.terms.contains(&t.name));
                        return Err(if all_withheld {
                            format!("the residual plot is not released: every term of the model is a level with fewer than {k} patients or events (disclosure threshold k = {k})")
                        } else {
                            format!("the residual plot is not released: the model has fewer than {k} events (each point would be one patient's event; disclosure threshold k = {k})")
                        });
                    }
                    if let Some(t) = &opts.term {
                        if p.withheld.terms.contains(t) {
                            return Err(format!("the residual plot of '{t}' is not released: the level has fewer than {k} patients or events (disclosure threshold k = {k})"));
                        }
                    }
                    crate::plot::FigureKind::Zph
                }
                _ => crate::plot::FigureKind::Survival,
            };
            crate::plot::render_svg(&p.report, &opts, input.width, input.height, figure)?
        }
        #[cfg(feature = "extended")]
        ExportKind::LoveSvg | ExportKind::SubgroupsSvg | ExportKind::AdjustedSvg => {
            let figure = ExportKind::ADJUSTED.iter().find(|(x, _, _)| *x == kind).map(|(_, _, f)| *f).unwrap_or(crate::plot::FigureKind::Love);
            let opts = crate::plot::PlotOptions { min_cell: Some(k), ..input.plot.clone() };
            opts.validate()?;
            // A row figure (love plot, subgroup forest) is as tall as its rows need, never
            // padded out to the requested height with white (the page sizes its canvas so too).
            let height = crate::plot::adjusted::natural_height(figure, &p.report, &opts).map_or(input.height, |h| h.min(input.height));
            crate::plot::render_svg(&p.report, &opts, input.width, height, figure)?
        }
        #[cfg(feature = "scripts")]
        ExportKind::RScript => r_script(spec.ok_or("the report carries no spec")?, input.file),
        #[cfg(feature = "scripts")]
        ExportKind::PythonScript => python_script(spec.ok_or("the report carries no spec")?, input.file),
        ExportKind::Manuscript(m) => return crate::manuscript::export(m, input, &p),
        // What this build leaves out (the page's first module): see `ExportKind::left_out`.
        #[cfg(not(all(feature = "scripts", feature = "links", feature = "extended", feature = "report_exports")))]
        _ => return Err(format!("{} {}", kind.left_out().unwrap_or("this export"), crate::analyze::EXTENDED_MISSING)),
    };
    Ok(text.into_bytes())
}

/// The spec a link may show, as JSON, and what was taken out of it: every mention of an
/// identifier-like column of `table` (group, strata, cluster, covariates, Table 1, screen,
/// categorical, reference levels, filters) and, when the group goes, the hidden groups (its
/// values) with it. The view's title stays only when no column was removed.
pub fn link_spec(spec: Option<&AnalysisSpec>, table: Option<&crate::table::Table>) -> (Option<serde_json::Value>, Vec<String>) {
    let Some(spec) = spec else { return (None, Vec::new()) };
    let mut v = serde_json::to_value(spec).unwrap_or(serde_json::Value::Null);
    let ids: Vec<String> = table.map(|t| t.columns.iter().filter(|c| c.identifier.is_some()).map(|c| c.name.clone()).collect()).unwrap_or_default();
    let mut removed = Vec::new();
    let Some(m) = v.as_object_mut() else { return (Some(v), removed) };
    let is_id = |c: &serde_json::Value| c.as_str().is_some_and(|s| ids.iter().any(|i| i == s));
    for key in ["group", "strata", "cluster"] {
        let drop = match m.get(key) {
            Some(serde_json::Value::Array(a)) => a.iter().any(is_id),
            Some(x) => is_id(x),
            None => false,
        };
        if drop {
            removed.push(format!("{key}: {}", m[key]));
            m.remove(key);
            if key == "group" {
                if let Some(view) = m.get_mut("view").and_then(|x| x.as_object_mut()) {
                    if view.remove("hidden_groups").is_some() {
                        removed.push("hidden groups (values of the group column)".to_string());
                    }
                }
            }
        }
    }
    for key in ["covariates", "table1", "univariable", "categorical"] {
        if let Some(serde_json::Value::Array(a)) = m.get_mut(key) {
            let before = a.len();
            a.retain(|c| !is_id(c));
            if a.len() < before {
                removed.push(format!("{key}: {} identifier-like column(s)", before - a.len()));
            }
        }
    }
    if let Some(serde_json::Value::Object(r)) = m.get_mut("reference") {
        let keys: Vec<String> = r.keys().filter(|c| ids.contains(c)).cloned().collect();
        for c in keys {
            r.remove(&c);
            removed.push(format!("reference level of {c}"));
        }
    }
    if let Some(serde_json::Value::Array(f)) = m.get_mut("filters") {
        let before = f.len();
        f.retain(|x| !x.get("column").is_some_and(is_id));
        if f.len() < before {
            removed.push(format!("{} filter(s) on identifier-like columns", before - f.len()));
        }
    }
    if !removed.is_empty() {
        if let Some(view) = m.get_mut("view").and_then(|x| x.as_object_mut()) {
            view.remove("title");
        }
    }
    (Some(v), removed)
}

/// Significant digits of every number an export writes: far beyond what R prints (7), and few
/// enough that the browser's WebAssembly and the native command line, whose floating-point
/// library functions may differ in the last bit, write the same bytes.
pub const EXPORT_DIGITS: usize = 12;

/// `x` rounded to [`EXPORT_DIGITS`] significant digits.
pub fn sig(x: f64) -> f64 {
    if !x.is_finite() || x == 0.0 {
        return x;
    }
    format!("{:.*e}", EXPORT_DIGITS - 1, x).parse().unwrap_or(x)
}

/// Every number of a JSON value rounded to [`EXPORT_DIGITS`] significant digits.
#[cfg(any(feature = "links", feature = "report_exports"))]
pub fn round_json(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Number(n) if !n.is_i64() && !n.is_u64() => {
            if let Some(x) = n.as_f64() {
                if let Some(r) = serde_json::Number::from_f64(sig(x)) {
                    *n = r;
                }
            }
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(round_json),
        serde_json::Value::Object(o) => o.values_mut().for_each(round_json),
        _ => {}
    }
}

#[cfg(feature = "links")]
/// `#results=` + base64url (no padding) of the raw deflate (RFC 1951) of the shared results' JSON.
pub fn results_fragment(p: &crate::disclosure::Protected, spec: Option<serde_json::Value>) -> Result<String, String> {
    let shared = crate::share::SharedResults::from_protected(p, spec);
    shared.validate().map_err(|e| format!("{e}: too much for a link; save the figure and report instead"))?;
    let mut v = serde_json::to_value(&shared).map_err(|e| e.to_string())?;
    round_json(&mut v);
    let json = v.to_string();
    Ok(format!("#results={}", base64url(&deflate_raw(json.as_bytes()))))
}

#[cfg(feature = "links")]
/// Raw deflate (no zlib header), level 9.
pub fn deflate_raw(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    // Writing into a Vec cannot fail.
    let _ = e.write_all(bytes);
    e.finish().unwrap_or_default()
}

#[cfg(feature = "links")]
/// Inflate raw deflate, refusing more than `limit` bytes.
pub fn inflate_raw(bytes: &[u8], limit: usize) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::DeflateDecoder::new(bytes)
        .take(limit as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|_| "the link's contents are damaged (they do not unpack): it may have been cut short when copied; ask for it again".to_string())?;
    if out.len() > limit {
        return Err(format!("the link's contents are larger than {} MB once unpacked: it is not a link this page made", limit / 1_048_576));
    }
    Ok(out)
}

/// base64url without padding (RFC 4648 §5).
pub fn base64url(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut s = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for c in bytes.chunks(3) {
        let n = (u32::from(c[0]) << 16) | (u32::from(*c.get(1).unwrap_or(&0)) << 8) | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..=c.len() {
            s.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    s
}

/// Decode base64url (with or without padding).
pub fn from_base64url(text: &str) -> Result<Vec<u8>, String> {
    let val = |c: u8| -> Result<u32, String> {
        Ok(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return Err("the link's contents contain characters that base64url does not use: it was changed or cut when copied".to_string()),
        } as u32)
    };
    let t = text.trim_end_matches('=').as_bytes();
    let mut out = Vec::with_capacity(t.len() * 3 / 4);
    for c in t.chunks(4) {
        if c.len() == 1 {
            return Err("the link's contents are not valid base64url: it was cut when copied".to_string());
        }
        let mut n = 0u32;
        for (i, &b) in c.iter().enumerate() {
            n |= val(b)? << (18 - 6 * i);
        }
        for i in 0..c.len() - 1 {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    Ok(out)
}

#[cfg(feature = "report_exports")]
/// The protected report as JSON: withheld counts are `null` (a Table 1 cell "<k" or
/// "suppressed"), per-step event/censoring counts, standard errors and cumulative hazards are
/// left out, and `disclosure` says what was withheld.
pub fn report_json(p: &crate::disclosure::Protected) -> String {
    use serde_json::Value;
    let w = &p.withheld;
    let mut v = serde_json::to_value(&p.report).unwrap_or(Value::Null);
    let Some(m) = v.as_object_mut() else { return "null".into() };
    for key in ["warnings", "notes", "file", "hazard", "hazard_ratio"] {
        m.remove(key);
    }
    if w.totals {
        for key in ["n", "events", "competing_events"] {
            if m.contains_key(key) {
                m.insert(key.into(), Value::Null);
            }
        }
    }
    if w.file_rows {
        m.insert("rows_in_file".into(), Value::Null);
        m.insert("rows_filtered_out".into(), Value::Null);
    }
    let group_of = |c: &Value| c.get("group").and_then(|g| g.as_str()).map(str::to_string);
    let curves = |m: &mut serde_json::Map<String, Value>, key: &str, step_keep: &[&str]| {
        if let Some(Value::Array(cs)) = m.get_mut(key) {
            for c in cs.iter_mut() {
                let g = group_of(c);
                let Some(o) = c.as_object_mut() else { continue };
                if w.small(g.as_deref()) || (g.is_none() && o.get("n").and_then(|n| n.as_u64()) == Some(0)) {
                    o.insert("n".into(), Value::Null);
                }
                if w.few(g.as_deref()) || w.small(g.as_deref()) {
                    o.insert("events".into(), Value::Null);
                }
                if let Some(Value::Array(steps)) = o.get_mut("steps") {
                    for s in steps.iter_mut() {
                        if let Some(so) = s.as_object_mut() {
                            so.retain(|k, _| step_keep.contains(&k.as_str()));
                        }
                    }
                }
                if let Some(Value::Array(at)) = o.get_mut("at") {
                    for a in at.iter_mut() {
                        if let Some(ao) = a.as_object_mut() {
                            ao.remove("std_err");
                        }
                    }
                }
            }
        }
    };
    curves(m, "km", &["time", "n_risk", "surv", "lower", "upper"]);
    curves(m, "cuminc", &["time", "estimate", "variance", "lower", "upper"]);
    for model in ["cox", "finegray"] {
        if let Some(Value::Object(o)) = m.get_mut(model) {
            if w.totals {
                for key in ["n", "events", "competing"] {
                    if o.contains_key(key) {
                        o.insert(key.into(), Value::Null);
                    }
                }
            }
            o.remove("warnings");
            if let Some(Value::Array(terms)) = o.get_mut("terms") {
                for t in terms.iter_mut() {
                    if t.get("name").and_then(|n| n.as_str()).is_some_and(|n| w.terms.iter().any(|x| x == n)) {
                        if let Some(to) = t.as_object_mut() {
                            to.insert("suppressed".into(), Value::String(format!("fewer than {} patients or events at this level", w.k)));
                        }
                    }
                }
            }
        }
    }
    if let Some(Value::Array(us)) = m.get_mut("univariable") {
        for u in us.iter_mut() {
            if let Some(o) = u.as_object_mut() {
                if w.totals {
                    o.insert("n".into(), Value::Null);
                    o.insert("events".into(), Value::Null);
                }
            }
        }
    }
    if let Some(Value::Array(rows)) = m.get_mut("table1") {
        for (ri, row) in rows.iter_mut().enumerate() {
            let Some(Value::Array(groups)) = row.get_mut("groups") else { continue };
            for (gi, g) in groups.iter_mut().enumerate() {
                let Some(go) = g.as_object_mut() else { continue };
                if p.table1.group(gi) {
                    go.retain(|k, _| k == "group");
                    go.insert("n".into(), Value::String(format!("<{}", w.k)));
                    continue;
                }
                if let Some(t) = p.table1.cell(ri, gi, crate::disclosure::MISSING_CELL) {
                    go.insert("missing".into(), Value::String(t));
                }
                if p.table1.column(ri, gi) {
                    for key in ["mean", "sd", "median", "q1", "q3"] {
                        if go.contains_key(key) {
                            go.insert(key.into(), Value::Null);
                        }
                    }
                }
                if let Some(t) = p.table1.cell(ri, gi, crate::disclosure::N_CELL) {
                    go.insert("n".into(), Value::String(t));
                } else if p.table1.any(ri, gi) {
                    // The levels add up to n: with a level withheld, n would give it back.
                    go.insert("n".into(), Value::String("suppressed".into()));
                }
                if let Some(Value::Array(levels)) = go.get_mut("levels") {
                    for (li, l) in levels.iter_mut().enumerate() {
                        if let (Some(t), Some(lo)) = (p.table1.cell(ri, gi, li), l.as_object_mut()) {
                            lo.insert("count".into(), Value::String(t));
                            lo.insert("percent".into(), Value::Null);
                        }
                    }
                }
            }
        }
    }
    m.insert("disclosure".into(), serde_json::to_value(w).unwrap_or(Value::Null));
    round_json(&mut v);
    serde_json::to_string_pretty(&v).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

/// A CSV line with formula-like cells neutralised.
#[cfg(any(feature = "report_exports", feature = "extended"))]
fn csv_line(cells: &[String]) -> String {
    cells.iter().map(|c| crate::stats::table1::csv_cell(c)).collect::<Vec<_>>().join(",")
}

#[cfg(feature = "report_exports")]
/// The page's summary tables as CSV, one block per table, each under its own header line and
/// separated by an empty line (issue 14: landmark rows sat under the summary header, Table 1
/// rows under the model's): `summary` (group sizes, events, medians), `survival_at` (landmark
/// estimates), `cox` (univariable beside multivariable hazard ratios), `table1` (categorical
/// rows: counts and percents) and `table1_numeric` (n, median, quartiles). Table 1 leaves out the
/// grouping column(s): by sex, a sex row would only say that every man is a man. Withheld
/// counts are written "<k" or left empty.
pub fn tables_csv(p: &crate::disclosure::Protected) -> String {
    let w = &p.withheld;
    let r = &p.report;
    let k = w.k;
    let f = |x: f64| if x.is_finite() { crate::table::format_number(sig(x)) } else { String::new() };
    let o = |x: Option<f64>| x.map(f).unwrap_or_default();
    let head = |cells: &[&str]| csv_line(&cells.iter().map(|c| c.to_string()).collect::<Vec<_>>());
    let mut blocks: Vec<Vec<String>> = vec![vec![csv_line(&["# counts below".into(), k.to_string(), format!("shown as <{k}; curves coarsened to steps of at least {k} events")])]];
    let mut summary = vec![head(&["table", "group", "n", "events", "median", "median_lower", "median_upper"])];
    for c in &r.km {
        let g = c.group.clone().unwrap_or_else(|| "All".into());
        let n = if w.small(c.group.as_deref()) { format!("<{k}") } else { c.n.to_string() };
        let e = if w.few(c.group.as_deref()) { format!("<{k}") } else { c.events.to_string() };
        summary.push(csv_line(&["summary".into(), g, n, e, o(c.median), o(c.median_lower), o(c.median_upper)]));
    }
    if summary.len() > 1 {
        blocks.push(summary);
    }
    let mut at = vec![head(&["table", "group", "time", "n_risk", "survival", "lower", "upper"])];
    for c in &r.km {
        let g = c.group.clone().unwrap_or_else(|| "All".into());
        for a in &c.at {
            let n = if a.n_risk.is_finite() { f(a.n_risk) } else { format!("<{k}") };
            at.push(csv_line(&["survival_at".into(), g.clone(), f(a.time), n, f(a.surv), f(a.lower), f(a.upper)]));
        }
    }
    if at.len() > 1 {
        blocks.push(at);
    }
    if !r.univariable.is_empty() || r.cox.is_some() {
        let mut cox = vec![head(&["table", "term", "univariable_hr", "lower", "upper", "p", "multivariable_hr", "lower", "upper", "p"])];
        let mut names: Vec<String> = Vec::new();
        for t in r.univariable.iter().flat_map(|u| &u.terms).chain(r.cox.iter().flat_map(|c| &c.terms)) {
            if !names.contains(&t.name) {
                names.push(t.name.clone());
            }
        }
        for n in names {
            let u = r.univariable.iter().flat_map(|x| &x.terms).find(|t| t.name == n);
            let m = r.cox.iter().flat_map(|c| &c.terms).find(|t| t.name == n);
            let four = |t: Option<&crate::stats::cox::CoxTerm>| match t {
                Some(t) => [f(t.hr), f(t.lower), f(t.upper), f(t.p)],
                None => Default::default(),
            };
            let mut cells = vec!["cox".to_string(), if w.terms.contains(&n) { format!("{n} (fewer than {k}: suppressed)") } else { n.clone() }];
            cells.extend(four(u));
            cells.extend(four(m));
            cox.push(csv_line(&cells));
        }
        blocks.push(cox);
    }
    let grouped_by: Vec<String> = r.spec.as_ref().and_then(|s| s.group.as_ref()).map(|g| g.columns().to_vec()).unwrap_or_default();
    let mut t1 = vec![head(&["table", "variable", "level", "group", "count", "percent"])];
    let mut t1n = vec![head(&["table", "variable", "group", "n", "median", "q1", "q3"])];
    for (ri, row) in r.table1.iter().flatten().enumerate() {
        if grouped_by.contains(&row.variable) {
            continue;
        }
        for (gi, g) in row.groups.iter().enumerate() {
            let gname = g.group.clone().unwrap_or_else(|| "All".into());
            if let Some(levels) = &g.levels {
                for (li, l) in levels.iter().enumerate() {
                    let (c, pct) = match p.table1.cell(ri, gi, li) {
                        Some(t) => (t, String::new()),
                        None => (l.count.to_string(), o(l.percent)),
                    };
                    t1.push(csv_line(&["table1".into(), row.variable.clone(), l.level.clone(), gname.clone(), c, pct]));
                }
            } else if p.table1.group(gi) {
                t1n.push(csv_line(&["table1_numeric".into(), row.variable.clone(), gname, format!("<{k}")]));
            } else {
                let n = p.table1.cell(ri, gi, crate::disclosure::N_CELL).unwrap_or_else(|| g.n.to_string());
                let (median, q1, q3) = if p.table1.column(ri, gi) { (None, None, None) } else { (g.median, g.q1, g.q3) };
                t1n.push(csv_line(&["table1_numeric".into(), row.variable.clone(), gname, n, o(median), o(q1), o(q3)]));
            }
        }
    }
    for b in [t1, t1n] {
        if b.len() > 1 {
            blocks.push(b);
        }
    }
    blocks.iter().map(|b| b.join("\n") + "\n").collect::<Vec<_>>().join("\n")
}

/// The methods-and-results paragraph of a protected report: withheld counts are written "<k"
/// (a withheld total "not shown"), and a closing sentence says how the curves were protected.
pub fn methods_protected(p: &crate::disclosure::Protected) -> String {
    let w = &p.withheld;
    let mut text = methods_text_with(&p.report, Some(w));
    if !text.is_empty() {
        text.push_str(&format!(
            " Disclosure control (k = {}): counts from 1 to {} are shown as <{}; survival curves are drawn in steps of at least {} events and end where fewer than {} remain at risk, with censoring marks only where at least {} censorings fall between two steps; numbers at risk are rounded so that they are never below the true number and fewer than {} above it{}.",
            w.k,
            w.k.saturating_sub(1),
            w.k,
            w.k,
            w.k,
            w.k,
            w.k,
            if w.totals { "; totals that would reveal a suppressed group by subtraction are not shown" } else { "" }
        ));
        if !w.terms.is_empty() {
            text.push_str(&format!(" Model terms with fewer than {} patients or events are not shown: {}.", w.k, w.terms.join(", ")));
        }
        if !w.tests.is_empty() {
            text.push_str(&format!(" Tests that compare a group (or an arm within a subgroup) of fewer than {} patients or events, and tests of models whose every term is not shown, are not shown either: {}.", w.k, w.tests.join("; ")));
        }
        // Landmark values are those of the released (coarsened) curve: an exact estimate at a
        // landmark between two released steps would date and count the fewer than k events
        // between them. They can differ from the estimate on every event time (the page's).
        let landmarks = p.report.km.iter().any(|c| !c.at.is_empty()) || p.report.cuminc.iter().any(|c| !c.at.is_empty());
        if landmarks {
            text.push_str(
                " Estimates at the landmark times are read from these coarsened curves (the last released step at or before each time; none past the end of a curve), so they can differ slightly from estimates computed at every event time.",
            );
        }
    }
    text
}
