# Check the synthetic demo cohort (www/demo/spine-srs-sarcoma.csv) against the published figures
# of the seed study, independently of the project's code. Run from the repository root:
#
#   Rscript tests/r/demo_check.R [path/to/spine-srs-sarcoma.csv]
#
# R 4.2, survival 3.5-3, cmprsk 2.2-11. The analyses mirror www/demo/analyses.json:
# Kaplan-Meier (survfit, default log CI), Cox (coxph, Efron ties), time in months of
# 365.25/12 days from srs_date to the first non-blank end date.
suppressPackageStartupMessages({ library(survival); library(cmprsk) })
args <- commandArgs(trailingOnly = TRUE)
path <- if (length(args) >= 1) args[1] else "www/demo/spine-srs-sarcoma.csv"
d <- read.csv(path, na.strings = "", stringsAsFactors = FALSE)
month <- 365.25 / 12
span <- function(end) {
  e <- as.Date(ifelse(is.na(d[[end]]), d$last_followup_date, d[[end]]))
  as.numeric(e - as.Date(d$srs_date)) / month
}
d$t_rad <- span("radiographic_failure_date");  d$e_rad <- as.integer(d$radiographic_failure == "yes")
d$t_rel <- span("pain_relief_date");           d$e_rel <- as.integer(d$pain_relief == "yes")
d$t_pro <- span("pain_progression_date");      d$e_pro <- as.integer(d$pain_progression == "yes")
pain <- subset(d, bpi_worst_pain >= 1)

km_at <- function(fit, t) summary(fit, times = t)$surv
km_median <- function(fit) unname(summary(fit)$table["median"])
row <- function(what, published, demo, kind) cat(sprintf("%-58s %-14s %-10s %s\n", what, published, demo, kind))
pct <- function(x) sprintf("%.1f%%", 100 * x)
num <- function(x) sprintf("%.2f", x)
pval <- function(p) sprintf("%.4f", p)

cat(sprintf("SYNTHETIC demo cohort %s: %d sites, %d patients; median dose %g Gy in %g fraction(s)\n\n",
            basename(path), nrow(d), length(unique(d$patient_id)), median(d$dose_gy), median(d$fractions)))
row("quantity", "published", "demo (R)", "how the demo figure is computed")
row(strrep("-", 58), strrep("-", 14), strrep("-", 10), strrep("-", 40))

f_rad <- survfit(Surv(t_rad, e_rad) ~ 1, data = d)
row("radiographic control at 6 months", "63%", pct(km_at(f_rad, 6)), "KM S(6)")
row("radiographic control at 12 months", "51%", pct(km_at(f_rad, 12)), "KM S(12)")
row("median time to radiographic failure (months)", "14", num(km_median(f_rad)), "KM median")
row("  median among sites that failed (months)", "", num(median(d$t_rad[d$e_rad == 1])), "median of failure times")

f_rel <- survfit(Surv(t_rel, e_rel) ~ 1, data = pain)
row(sprintf("pain relief at 6 months (%d sites with pain)", nrow(pain)), "82%", pct(1 - km_at(f_rel, 6)), "1 - KM S(6)")
row("median time to pain relief (months)", "1", num(km_median(f_rel)), "KM median")
row("  median among sites with relief (months)", "", num(median(pain$t_rel[pain$e_rel == 1])), "median of relief times")
ci_status <- ifelse(pain$e_rel == 1, 1, ifelse(!is.na(pain$death_date) & pain$last_followup_date == pain$death_date, 2, 0))
ci <- cuminc(pain$t_rel, ci_status, cencode = 0)
row("  pain relief at 6 months, death competing", "", pct(timepoints(ci, 6)$est["1 1", 1]), "cmprsk::cuminc (not the published method)")

f_pro <- survfit(Surv(t_pro, e_pro) ~ 1, data = d)
row("pain progression at 12 months", "51%", pct(1 - km_at(f_pro, 12)), "1 - KM S(12)")
row("median time to pain progression (months)", "10", num(km_median(f_pro)), "KM median")
row("  median among sites that progressed (months)", "", num(median(d$t_pro[d$e_pro == 1])), "median of progression times")

m_rel <- summary(coxph(Surv(t_rel, e_rel) ~ neuro_deficit + extraspinal_bone_mets, data = pain))$coefficients
m_pro <- summary(coxph(Surv(t_pro, e_pro) ~ bpi_worst_pain + prior_rt + levels_treated, data = d))$coefficients
hr <- function(m, term, published_hr, published_p, what) {
  row(paste0(what, ": HR"), published_hr, num(m[term, "exp(coef)"]), paste("coxph, term", term))
  row(paste0(what, ": p"), published_p, pval(m[term, "Pr(>|z|)"]), "Wald")
}
hr(m_rel, "neuro_deficityes", "2.48", "< .01", "pain relief MVA, neurologic deficit")
hr(m_rel, "extraspinal_bone_metsyes", "2.83", "< .01", "pain relief MVA, extraspinal bone mets")
hr(m_pro, "bpi_worst_pain", "1.92", "< .01", "pain progression MVA, BPI worst pain (per point)")
hr(m_pro, "prior_rtyes", "4.65", ".02", "pain progression MVA, prior RT")
hr(m_pro, "levels_treated", "> 1", "< .05", "pain progression MVA, levels treated (per level)")
