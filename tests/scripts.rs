//! The exported cross-check scripts, run (issue 16, item 6): `cohort export --as r-script` with R
//! (`survival`, `cmprsk`) and `--as python-script` with lifelines, on lung (by sex, a Cox model
//! of age and sex, a Weibull model, landmarks) and transplant (liver transplant against death by
//! blood group, Fine-Gray on age and sex). Every number the scripts print is read back and
//! compared with the report, block by block, at the precision printed (a number shown with d
//! decimals, or d significant digits in e-notation, is the report's value rounded so; plus 1e-6
//! relative for the iterative fits). What a script prints that the report does not hold is named
//! below where it is skipped, never passed over silently.
//!
//! No test returns early: without Rscript or lifelines they fail, saying how to install them
//! (`scripts/setup.sh` for R, `scripts/setup-lifelines.sh` for lifelines in
//! `target/venv-lifelines`), unless `COHORT_SKIP_CROSSCHECK=1` is set explicitly.

use std::path::{Path, PathBuf};
use std::process::Command;

use cohort::export::{export_bytes, ExportInput, ExportKind};
use cohort::{analyze, read_table, AnalysisSpec, ReadOptions, Report};

const LUNG: &str = r#"{"time":"time","event":{"column":"status","event":["2"]},"group":"sex","times":[180,365],"covariates":["age","sex"],"categorical":["sex"],"parametric":["weibull"]}"#;
const TRANSPLANT: &str = r#"{"time":"futime","event":{"column":"event","event":["ltx"],"competing":["death"]},"group":"abo","times":[30,90,365],"covariates":["age","sex"],"categorical":["sex"]}"#;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Whether the cross-checks were switched off explicitly.
fn skipped(tool: &str) -> bool {
    if std::env::var("COHORT_SKIP_CROSSCHECK").as_deref() == Ok("1") {
        eprintln!("COHORT_SKIP_CROSSCHECK=1: the {tool} cross-check is not run");
        return true;
    }
    false
}

fn rscript() -> Option<PathBuf> {
    if skipped("R") {
        return None;
    }
    let ok = Command::new("Rscript").args(["-e", "suppressMessages({library(survival); library(cmprsk)})"]).output().is_ok_and(|o| o.status.success());
    assert!(ok, "Rscript with the survival and cmprsk packages is needed (Debian: apt-get install r-base-core r-cran-survival r-cran-cmprsk; scripts/setup.sh does it), or set COHORT_SKIP_CROSSCHECK=1 to skip the cross-checks explicitly");
    Some(PathBuf::from("Rscript"))
}

fn python() -> Option<PathBuf> {
    if skipped("lifelines") {
        return None;
    }
    let py = std::env::var_os("COHORT_PYTHON").map(PathBuf::from).unwrap_or_else(|| root().join("target/venv-lifelines/bin/python"));
    let ok = Command::new(&py).args(["-c", "import lifelines, pandas"]).output().is_ok_and(|o| o.status.success());
    assert!(ok, "{} with lifelines is needed: run bash scripts/setup-lifelines.sh (or set COHORT_PYTHON), or set COHORT_SKIP_CROSSCHECK=1 to skip the cross-checks explicitly", py.display());
    Some(py)
}

/// The report and the exported script (as `cohort export --as KIND`, k = 5) for `file`.
fn report_and_script(file: &str, spec: &str, kind: ExportKind) -> (Report, String) {
    let bytes = std::fs::read(root().join("tests/reference").join(file)).unwrap();
    let spec = AnalysisSpec::from_json(spec).unwrap();
    let table = read_table(&bytes, file, &ReadOptions::from_spec(&spec)).unwrap();
    let report = analyze(&table, &spec).unwrap();
    let input = ExportInput { report: &report, table: Some(&table), file, k: 5, plot: Default::default(), width: 1200, height: 800 };
    let script = String::from_utf8(export_bytes(kind, &input).unwrap()).unwrap();
    (report, script)
}

/// Runs `script` with `program` beside a copy of the data file; returns what it printed.
fn run_script(program: &Path, file: &str, script: &str, ext: &str) -> String {
    // One folder per run: the tests run in parallel.
    static RUN: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let run = RUN.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("cohort-scripts-{}-{run}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(root().join("tests/reference").join(file), dir.join(file)).unwrap();
    let name = format!("check.{ext}");
    std::fs::write(dir.join(&name), script).unwrap();
    let out = Command::new(program).arg(&name).current_dir(&dir).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{} {name} failed:\n{text}\n{}\n--- script ---\n{script}", program.display(), String::from_utf8_lossy(&out.stderr));
    text
}

// ---------- reading printed numbers ----------

/// A number as printed: its value and the half-unit of its last digit.
#[derive(Debug, Clone, Copy)]
struct Printed {
    value: f64,
    half_unit: f64,
    /// "< 2e-16": an upper bound.
    bound: bool,
}

fn printed(s: &str) -> Option<Printed> {
    let s = s.trim().trim_end_matches(',');
    if let Some(b) = s.strip_prefix('<') {
        let p = printed(b)?;
        return Some(Printed { bound: true, ..p });
    }
    let value: f64 = s.parse().ok()?;
    let (mant, exp) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], s[i + 1..].parse::<i32>().ok()?),
        None => (s, 0),
    };
    let decimals = mant.split_once('.').map_or(0, |(_, f)| f.len()) as i32;
    Some(Printed { value, half_unit: 0.5 * 10f64.powi(exp - decimals), bound: false })
}

/// Compares one printed number with the report's value; "NA"/"NaN"/"inf" with an undefined one.
fn check(what: &str, text: &str, ours: Option<f64>, errors: &mut Vec<String>, count: &mut usize) {
    check_rel(what, text, ours, 1e-6, errors, count);
}

/// As [`check`] with `rel` relative slack beyond the printed rounding.
fn check_rel(what: &str, text: &str, ours: Option<f64>, rel: f64, errors: &mut Vec<String>, count: &mut usize) {
    *count += 1;
    let ours = ours.filter(|v| v.is_finite());
    let t = text.trim();
    if ["NA", "NaN", "nan", "inf", "Inf", "-"].contains(&t) {
        if ours.is_some() {
            errors.push(format!("{what}: the script prints {t}, the report {ours:?}"));
        }
        return;
    }
    let Some(p) = printed(t) else {
        errors.push(format!("{what}: '{t}' is not a number"));
        return;
    };
    let Some(v) = ours else {
        errors.push(format!("{what}: the script prints {t}, the report has none"));
        return;
    };
    let ok = if p.bound { v < p.value } else { (v - p.value).abs() <= p.half_unit * (1.0 + 1e-9) + rel * v.abs() + 1e-12 };
    if !ok {
        errors.push(format!("{what}: the script prints {t}, the report {v}"));
    }
}

/// As [`check`], for a value the script rounds to `digits` significant digits before printing
/// (cmprsk's `summary.crr` p-values: `signif(p, 2)`, printed "0.160").
fn check_signif(what: &str, text: &str, ours: f64, digits: i32, errors: &mut Vec<String>, count: &mut usize) {
    let r = if ours == 0.0 || !ours.is_finite() { ours } else {
        let m = 10f64.powi(digits - 1 - ours.abs().log10().floor() as i32);
        (ours * m).round() / m
    };
    check(what, text, Some(r), errors, count);
}

/// Rows of the table whose header line contains every one of `header` (in order), up to the
/// first blank line (or a line that is not a row): (label, the last `n` fields). `nth` picks
/// the nth such table in the output.
fn table(out: &str, header: &[&str], n: usize, nth: usize) -> Vec<(String, Vec<String>)> {
    let lines: Vec<&str> = out.lines().collect();
    let is_header = |l: &str| {
        let mut rest = l;
        header.iter().all(|h| match rest.find(h) {
            Some(i) => {
                rest = &rest[i + h.len()..];
                true
            }
            None => false,
        })
    };
    let Some(start) = lines.iter().enumerate().filter(|(_, l)| is_header(l)).map(|(i, _)| i).nth(nth) else {
        panic!("no table with header {header:?} (#{nth}) in:\n{out}");
    };
    let mut rows = Vec::new();
    for l in &lines[start + 1..] {
        let l = l.trim_end();
        if l.trim().is_empty() || l.starts_with("---") {
            break;
        }
        // "< 2e-16" is one field.
        let joined = l.replace("< ", "<");
        let mut fields: Vec<&str> = joined.split_whitespace().collect();
        // R's significance stars after the p-value ("0.00218 **", "0.06459 .").
        while fields.last().is_some_and(|f| f.chars().all(|c| c == '*' || c == '.')) {
            fields.pop();
        }
        // pandas prints the index name ("covariate") on a line of its own under the header.
        if rows.is_empty() && fields.len() == 1 && printed(fields[0]).is_none() {
            continue;
        }
        let numeric = |f: &&str| printed(f).is_some() || ["NA", "NaN", "Inf", "-"].contains(f);
        if fields.len() < n || !fields[fields.len() - n..].iter().all(numeric) {
            break;
        }
        let label = fields[..fields.len() - n].join(" ");
        rows.push((label, fields[fields.len() - n..].iter().map(|s| s.to_string()).collect()));
    }
    rows
}

/// The text after `key` up to the next space (e.g. "Chisq= 10.3  on 1" → "10.3").
fn after<'a>(out: &'a str, key: &str, nth: usize) -> &'a str {
    let i = out.match_indices(key).nth(nth).unwrap_or_else(|| panic!("'{key}' (#{nth}) not printed:\n{out}")).0 + key.len();
    out[i..].split_whitespace().next().unwrap_or("").trim_end_matches(',')
}

fn finish(name: &str, errors: Vec<String>, count: usize, at_least: usize) {
    assert!(errors.is_empty(), "{name}: {} of {count} printed numbers differ from the report:\n{}", errors.len(), errors.join("\n"));
    assert!(count >= at_least, "{name}: only {count} numbers read");
    eprintln!("{name}: {count} printed numbers equal the report's");
}

// ---------- R ----------

/// The Kaplan-Meier blocks of an R script's output (print(fit), summary at the landmarks, the
/// reverse Kaplan-Meier, survdiff) against the report's curves and log-rank test.
fn r_curves_and_test(out: &str, rep: &Report, e: &mut Vec<String>, n: &mut usize) {
    // R's strata are ".group=1" (one column) or "sex=1, ph.ecog=0" (crossed: the page's levels).
    let km = |label: &str| {
        let g = label.strip_prefix(".group=").unwrap_or(label);
        rep.km.iter().find(|c| c.group.as_deref() == Some(g)).unwrap_or_else(|| panic!("no curve {label}"))
    };
    // print(fit): n, events, median and its CI.
    for (label, v) in table(out, &["n", "events", "median", "0.95LCL", "0.95UCL"], 5, 0) {
        let c = km(&label);
        for (i, ours) in [Some(c.n as f64), Some(c.events as f64), c.median, c.median_lower, c.median_upper].into_iter().enumerate() {
            check(&format!("survfit {label} col {i}"), &v[i], ours, e, n);
        }
    }
    // summary(fit, times = ...): per group. n.event (events between the listed times) is not
    // in the report (`at[]` has n_risk, surv, std_err, lower, upper): skipped.
    for (g, c) in rep.km.iter().enumerate().filter(|(_, c)| !c.at.is_empty()) {
        for (k, (_, v)) in table(out, &["time", "n.risk", "n.event", "survival", "std.err", "lower 95% CI", "upper 95% CI"], 7, g).into_iter().enumerate() {
            let a = &c.at[k];
            let what = format!("summary {:?} t={}", c.group, v[0]);
            check(&format!("{what} time"), &v[0], Some(a.time), e, n);
            check(&format!("{what} n.risk"), &v[1], Some(a.n_risk), e, n);
            check(&format!("{what} survival"), &v[3], Some(a.surv), e, n);
            check(&format!("{what} std.err"), &v[4], Some(a.std_err), e, n);
            check(&format!("{what} lower"), &v[5], Some(a.lower), e, n);
            check(&format!("{what} upper"), &v[6], Some(a.upper), e, n);
        }
    }
    // Reverse Kaplan-Meier (follow-up): its "events" are the censorings, n − events.
    for (label, v) in table(out, &["n", "events", "median", "0.95LCL", "0.95UCL"], 5, 1) {
        let c = km(&label);
        let f = &c.followup;
        for (i, ours) in [Some(c.n as f64), Some((c.n - c.events) as f64), f.median, f.lower, f.upper].into_iter().enumerate() {
            check(&format!("follow-up {label} col {i}"), &v[i], ours, e, n);
        }
    }
    // survdiff: N and Observed; the statistic, df, p. Expected and the (O−E)² columns are not in
    // the report (only the test is): skipped.
    for (label, v) in table(out, &["N", "Observed", "Expected"], 5, 0) {
        let c = km(&label);
        check(&format!("survdiff {label} N"), &v[0], Some(c.n as f64), e, n);
        check(&format!("survdiff {label} Observed"), &v[1], Some(c.events as f64), e, n);
    }
    let lr = rep.logrank.as_ref().unwrap();
    let line = out.lines().find(|l| l.trim_start().starts_with("Chisq=")).unwrap_or_else(|| panic!("no survdiff test in:\n{out}"));
    check("survdiff Chisq", after(line, "Chisq=", 0), Some(lr.chisq), e, n);
    check("survdiff df", after(line, "on ", 0), Some(lr.df), e, n);
    check("survdiff p", after(line, "p= ", 0), Some(lr.p), e, n);
}

#[test]
fn r_script_prints_the_reports_numbers_for_lung() {
    let Some(r) = rscript() else { return };
    let (rep, script) = report_and_script("lung.csv", LUNG, ExportKind::RScript);
    let out = run_script(&r, "lung.csv", &script, "R");
    let (mut e, mut n) = (Vec::new(), 0);
    r_curves_and_test(&out, &rep, &mut e, &mut n);
    // summary(coxph): terms in order (R names them `factor(sex)2`, the report `sex=2`).
    let cox = rep.cox.as_ref().unwrap();
    check("coxph n", after(&out, "n= ", 0), Some(cox.n as f64), &mut e, &mut n);
    check("coxph events", after(&out, "number of events= ", 0), Some(cox.events as f64), &mut e, &mut n);
    let coefs = table(&out, &["coef", "exp(coef)", "se(coef)", "z", "Pr(>|z|)"], 5, 0);
    assert_eq!(coefs.len(), cox.terms.len(), "{out}");
    for ((_, v), t) in coefs.iter().zip(&cox.terms) {
        for (i, ours) in [t.coef, t.hr, t.se, t.z, t.p].into_iter().enumerate() {
            check(&format!("coxph {} col {i}", t.name), &v[i], Some(ours), &mut e, &mut n);
        }
    }
    for ((_, v), t) in table(&out, &["exp(coef)", "exp(-coef)", "lower .95", "upper .95"], 4, 0).iter().zip(&cox.terms) {
        for (i, ours) in [t.hr, 1.0 / t.hr, t.lower, t.upper].into_iter().enumerate() {
            check(&format!("coxph CI {} col {i}", t.name), &v[i], Some(ours), &mut e, &mut n);
        }
    }
    let conc = &cox.concordance;
    check("concordance", after(&out, "Concordance= ", 0), Some(conc.c), &mut e, &mut n);
    check("concordance se", after(&out, "(se = ", 0), Some(conc.se), &mut e, &mut n);
    for (key, t) in [("Likelihood ratio test= ", &cox.lr_test), ("Wald test            = ", &cox.wald_test), ("Score (logrank) test = ", &cox.score_test)] {
        let line = out.lines().find(|l| l.starts_with(key)).unwrap();
        check(&format!("{key} chisq"), after(line, key, 0), Some(t.chisq), &mut e, &mut n);
        check(&format!("{key} df"), after(line, "on ", 0), Some(t.df), &mut e, &mut n);
        check(&format!("{key} p"), after(line, "p=", 0), Some(t.p), &mut e, &mut n);
    }
    // cox.zph: each term and GLOBAL.
    let ph = cox.ph_test.as_ref().unwrap();
    let zph = table(&out, &["chisq", "df", "p"], 3, 0);
    assert_eq!(zph.len(), ph.terms.len() + 1, "{out}");
    for (k, (label, v)) in zph.iter().enumerate() {
        let t = if label == "GLOBAL" { [ph.global.chisq, ph.global.df, ph.global.p] } else { [ph.terms[k].chisq, ph.terms[k].df, ph.terms[k].p] };
        for (i, ours) in t.into_iter().enumerate() {
            check(&format!("cox.zph {label} col {i}"), &v[i], Some(ours), &mut e, &mut n);
        }
    }
    // summary(survreg): coefficients, Log(scale), Scale, log-likelihoods, the LR test, n. The
    // number of Newton-Raphson iterations is the algorithm's, not a result: skipped.
    let w = &rep.parametric[0];
    let rows = table(&out, &["Value", "Std. Error", "z", "p"], 4, 0);
    assert_eq!(rows.len(), w.terms.len() + 1, "{out}");
    for (k, (label, v)) in rows.iter().enumerate() {
        if label == "Log(scale)" {
            check("survreg Log(scale)", &v[0], Some(w.scale.ln()), &mut e, &mut n);
            check("survreg Log(scale) se", &v[1], w.log_scale_se, &mut e, &mut n);
            continue;
        }
        let t = &w.terms[k];
        for (i, ours) in [t.coef, t.se, t.z, t.p].into_iter().enumerate() {
            check(&format!("survreg {} col {i}", t.name), &v[i], Some(ours), &mut e, &mut n);
        }
    }
    check("survreg scale", after(&out, "Scale= ", 0), Some(w.scale), &mut e, &mut n);
    check("survreg loglik", after(&out, "Loglik(model)= ", 0), Some(w.loglik), &mut e, &mut n);
    check("survreg loglik null", after(&out, "Loglik(intercept only)= ", 0), Some(w.loglik_null), &mut e, &mut n);
    let lrt = w.lr_test.as_ref().unwrap();
    // The last such line (survdiff prints one first).
    let line = out.lines().rev().find(|l| l.trim_start().starts_with("Chisq=") && l.contains("degrees of freedom, p=")).unwrap();
    check("survreg LR chisq", after(line, "Chisq= ", 0), Some(lrt.chisq), &mut e, &mut n);
    check("survreg LR df", after(line, "on ", 0), Some(lrt.df), &mut e, &mut n);
    check("survreg LR p", after(line, "p= ", 0), Some(lrt.p), &mut e, &mut n);
    check("survreg n", after(&out, "\nn= ", 0), Some(w.n as f64), &mut e, &mut n);
    finish("R / lung", e, n, 80);
}

#[test]
fn r_script_prints_the_reports_numbers_for_competing_risks() {
    let Some(r) = rscript() else { return };
    let (rep, script) = report_and_script("transplant.csv", TRANSPLANT, ExportKind::RScript);
    let out = run_script(&r, "transplant.csv", &script, "R");
    let (mut e, mut n) = (Vec::new(), 0);
    r_cuminc_and_gray(&out, &rep, &mut e, &mut n);
    // summary(crr): coefficients, the SHR table, the cases. The pseudo log-likelihood and its
    // LR test are printed by cmprsk; the report carries `loglik` [null, fitted].
    let fg = rep.finegray.as_ref().unwrap();
    for ((_, v), t) in table(&out, &["coef", "exp(coef)", "se(coef)", "z", "p-value"], 5, 0).iter().zip(&fg.terms) {
        for (i, ours) in [t.coef, t.shr, t.se, t.z].into_iter().enumerate() {
            check(&format!("crr {} col {i}", t.name), &v[i], Some(ours), &mut e, &mut n);
        }
        check_signif(&format!("crr {} p-value", t.name), &v[4], t.p, 2, &mut e, &mut n);
    }
    for ((_, v), t) in table(&out, &["exp(coef)", "exp(-coef)", "2.5%", "97.5%"], 4, 0).iter().zip(&fg.terms) {
        for (i, ours) in [t.shr, 1.0 / t.shr, t.lower, t.upper].into_iter().enumerate() {
            check(&format!("crr CI {} col {i}", t.name), &v[i], Some(ours), &mut e, &mut n);
        }
    }
    check("crr cases", after(&out, "Num. cases = ", 0), Some(fg.n as f64), &mut e, &mut n);
    check("crr pseudo log-likelihood", after(&out, "Pseudo Log-likelihood = ", 0), Some(fg.loglik[1]), &mut e, &mut n);
    check("crr pseudo LR test", after(&out, "Pseudo likelihood ratio test = ", 0), Some(2.0 * (fg.loglik[1] - fg.loglik[0])), &mut e, &mut n);
    finish("R / transplant", e, n, 60);
}

/// cmprsk's blocks of an R script's output (`timepoints(ci, times)` $est and $var, `ci$Tests`)
/// against the report's cumulative incidence and Gray's tests.
fn r_cuminc_and_gray(out: &str, rep: &Report, e: &mut Vec<String>, n: &mut usize) {
    // timepoints(ci, times): $est and $var, rows "GROUP CAUSE".
    let times = rep.spec.as_ref().unwrap().times.clone();
    for (nth, field) in [(0, "est"), (1, "var")] {
        let rows = table(out, &times.iter().map(|t| cohort::table::format_number(*t)).collect::<Vec<_>>().iter().map(String::as_str).collect::<Vec<_>>(), times.len(), nth);
        assert_eq!(rows.len(), rep.cuminc.len(), "{out}");
        for (label, v) in rows {
            let (g, cause) = label.rsplit_once(' ').unwrap();
            let cause = if cause == "1" { "event" } else { "competing" };
            let c = rep.cuminc.iter().find(|c| c.group.as_deref() == Some(g) && c.cause == cause).unwrap();
            for (i, a) in c.at.iter().enumerate() {
                check(&format!("timepoints ${field} {label} t={}", a.time), &v[i], Some(if field == "est" { a.estimate } else { a.variance }), e, n);
            }
        }
    }
    // ci$Tests: stat, pv, df per cause.
    for (label, v) in table(out, &["stat", "pv", "df"], 3, 0) {
        let g = &rep.gray_test[if label == "1" { 0 } else { 1 }];
        for (i, ours) in [g.stat, g.p, g.df].into_iter().enumerate() {
            check(&format!("Gray {label} col {i}"), &v[i], Some(ours), e, n);
        }
    }
}

/// Crossed groups: the script fits `~ \`sex\` + \`ph.ecog\``, whose strata are the page's levels
/// ("sex=1, ph.ecog=0"), so every curve and the test (R: chisq 32.9 on 6 df,
/// tests/r/crossed.expected.json) are the report's.
#[test]
fn r_script_prints_the_reports_numbers_for_crossed_groups() {
    let Some(r) = rscript() else { return };
    let spec = r#"{"time":"time","event":{"column":"status","event":["2"]},"group":["sex","ph.ecog"],"times":[180,365]}"#;
    let (rep, script) = report_and_script("lung.csv", spec, ExportKind::RScript);
    let out = run_script(&r, "lung.csv", &script, "R");
    let (mut e, mut n) = (Vec::new(), 0);
    r_curves_and_test(&out, &rep, &mut e, &mut n);
    finish("R / lung, sex × ph.ecog", e, n, 60);
}

/// Competing risks by crossed groups: cuminc's groups are labelled as the page's levels
/// ("abo=A, sex=f 1"), and every estimate, variance and Gray's test is the report's.
#[test]
fn r_script_prints_the_reports_numbers_for_crossed_competing_risks() {
    let Some(r) = rscript() else { return };
    let spec = r#"{"time":"futime","event":{"column":"event","event":["ltx"],"competing":["death"]},"group":["abo","sex"],"times":[30,365]}"#;
    let (rep, script) = report_and_script("transplant.csv", spec, ExportKind::RScript);
    let out = run_script(&r, "transplant.csv", &script, "R");
    let (mut e, mut n) = (Vec::new(), 0);
    r_cuminc_and_gray(&out, &rep, &mut e, &mut n);
    finish("R / transplant, abo × sex", e, n, 60);
}

// ---------- Python (lifelines) ----------

/// `-log2(p)`, as lifelines prints beside each p.
fn log2p(p: f64) -> f64 {
    -p.log2()
}

#[test]
fn python_script_prints_the_reports_numbers_for_lung() {
    let Some(py) = python() else { return };
    let (rep, script) = report_and_script("lung.csv", LUNG, ExportKind::PythonScript);
    let out = run_script(&py, "lung.csv", &script, "py");
    let (mut e, mut n) = (Vec::new(), 0);
    // Per group: "1 median 270.0", then S at the landmarks as a pandas Series ("180    0.644465").
    let lines: Vec<&str> = out.lines().collect();
    let mut groups = 0;
    for (i, l) in lines.iter().enumerate() {
        let f: Vec<&str> = l.split_whitespace().collect();
        if f.len() == 3 && f[1] == "median" {
            groups += 1;
            let c = rep.km.iter().find(|c| c.group.as_deref() == Some(f[0])).unwrap_or_else(|| panic!("no curve {}", f[0]));
            // lifelines' median: the first time S ≤ 0.5 (R's, where S does not stay at 0.5).
            check(&format!("KM {} median", f[0]), f[2], c.median, &mut e, &mut n);
            for (k, a) in c.at.iter().enumerate() {
                let row: Vec<&str> = lines[i + 1 + k].split_whitespace().collect();
                check(&format!("KM {} time", f[0]), row[0], Some(a.time), &mut e, &mut n);
                check(&format!("KM {} S({})", f[0], a.time), row[1], Some(a.surv), &mut e, &mut n);
            }
        }
    }
    assert_eq!(groups, rep.km.len(), "{out}");
    // multivariate_logrank_test: statistic, p, -log2(p).
    let lr = rep.logrank.as_ref().unwrap();
    let row = &table(&out, &["test_statistic", "p", "-log2(p)"], 3, 0)[0].1;
    for (i, ours) in [lr.chisq, lr.p, log2p(lr.p)].into_iter().enumerate() {
        check(&format!("log-rank col {i}"), &row[i], Some(ours), &mut e, &mut n);
    }
    // CoxPHFitter.print_summary(decimals=4).
    let cox = rep.cox.as_ref().unwrap();
    check("cox observations", after(&out, "fitted with ", 0), Some(cox.n as f64), &mut e, &mut n);
    check("cox censored", after(&out, "total observations, ", 0), Some((cox.n - cox.events) as f64), &mut e, &mut n);
    check("cox n", after(&out, "number of observations = ", 0), Some(cox.n as f64), &mut e, &mut n);
    check("cox events", after(&out, "number of events observed = ", 0), Some(cox.events as f64), &mut e, &mut n);
    check("cox partial log-likelihood", after(&out, "partial log-likelihood = ", 0), Some(cox.loglik[1]), &mut e, &mut n);
    let rows = table(&out, &["coef", "exp(coef)", "se(coef)", "coef lower 95%", "coef upper 95%", "exp(coef) lower 95%", "exp(coef) upper 95%"], 7, 0);
    assert_eq!(rows.len(), cox.terms.len(), "{out}");
    for ((_, v), t) in rows.iter().zip(&cox.terms) {
        for (i, ours) in [t.coef, t.hr, t.se, t.lower.ln(), t.upper.ln(), t.lower, t.upper].into_iter().enumerate() {
            check(&format!("cox {} col {i}", t.name), &v[i], Some(ours), &mut e, &mut n);
        }
    }
    // "cmp to" is the null value 0 of each coefficient's test.
    // lifelines' Newton-Raphson stops when the step is below 1e-7 (R's coxph at a relative
    // log-likelihood change of 1e-9): its p-values, and -log2 of them, agree to about 1e-4.
    for ((_, v), t) in table(&out, &["cmp to", "z", "p", "-log2(p)"], 4, 0).iter().zip(&cox.terms) {
        for (i, ours) in [0.0, t.z, t.p, log2p(t.p)].into_iter().enumerate() {
            check_rel(&format!("cox {} test col {i}", t.name), &v[i], Some(ours), 1e-4, &mut e, &mut n);
        }
    }
    check("cox concordance", after(&out, "Concordance = ", 0), Some(cox.concordance.c), &mut e, &mut n);
    // Partial AIC = −2 log L + 2 (number of coefficients).
    check("cox partial AIC", after(&out, "Partial AIC = ", 0), Some(-2.0 * cox.loglik[1] + 2.0 * cox.terms.len() as f64), &mut e, &mut n);
    check("cox LR chisq", after(&out, "log-likelihood ratio test = ", 0), Some(cox.lr_test.chisq), &mut e, &mut n);
    check("cox LR df", after(&out, "log-likelihood ratio test = ", 0).split_whitespace().next().map(|_| after(&out, " on ", 0)).unwrap(), Some(cox.lr_test.df), &mut e, &mut n);
    check("cox LR -log2(p)", after(&out, "-log2(p) of ll-ratio test = ", 0), Some(log2p(cox.lr_test.p)), &mut e, &mut n);
    finish("lifelines / lung", e, n, 40);
}

#[test]
fn python_script_prints_the_reports_numbers_for_competing_risks() {
    let Some(py) = python() else { return };
    let (rep, script) = report_and_script("transplant.csv", TRANSPLANT, ExportKind::PythonScript);
    let out = run_script(&py, "transplant.csv", &script, "py");
    let (mut e, mut n) = (Vec::new(), 0);
    // "CIF A cause 1 time 30 0.1755893134798946": Aalen-Johansen at each landmark, per group and cause.
    for l in out.lines().filter(|l| l.starts_with("CIF ")) {
        let f: Vec<&str> = l.split_whitespace().collect();
        let cause = if f[3] == "1" { "event" } else { "competing" };
        let c = rep.cuminc.iter().find(|c| c.group.as_deref() == Some(f[1]) && c.cause == cause).unwrap_or_else(|| panic!("no curve for {l}"));
        let t: f64 = f[5].parse().unwrap();
        let a = c.at.iter().find(|a| a.time == t).unwrap();
        check(&format!("CIF {} {cause} t={t}", f[1]), f[6], Some(a.estimate), &mut e, &mut n);
    }
    assert_eq!(n, rep.cuminc.len() * 3, "{out}");
    finish("lifelines / transplant", e, n, 24);
}
