# Crossed groups: lung by sex × ph.ecog, as survfit(Surv(time, status) ~ sex + ph.ecog) labels
# and orders its strata ("sex=1, ph.ecog=0", ..., first factor varying slowest; only the
# combinations present). Kaplan-Meier per stratum and survdiff's log-rank (rho = 0) and
# Peto-Peto (rho = 1) over the crossed levels.
# Run from tests/r: Rscript crossed.R. Writes crossed.expected.json (data: ../reference/lung.csv).
library(survival)
d <- read.csv("../reference/lung.csv")
fit <- survfit(Surv(time, status == 2) ~ sex + ph.ecog, data = d)
lr0 <- survdiff(Surv(time, status == 2) ~ sex + ph.ecog, data = d, rho = 0)
lr1 <- survdiff(Surv(time, status == 2) ~ sex + ph.ecog, data = d, rho = 1)
num <- function(v) ifelse(is.finite(v), sprintf("%.17g", v), "null")
km_json <- function(g) {
  s <- fit[g]
  steps <- paste(sprintf('{"time": %s, "n_risk": %s, "n_event": %s, "surv": %s, "std_err": %s}',
    num(s$time), s$n.risk, s$n.event, num(s$surv), num(s$std.err * s$surv)), collapse = ",\n      ")
  sprintf('{"group": "%s", "n": %d, "events": %d, "median": %s,\n     "steps": [\n      %s]}', g,
    s$n, sum(s$n.event), num(unname(summary(s)$table["median"])), steps)
}
km <- paste(sapply(names(fit$strata), km_json), collapse = ",\n   ")
lr_json <- function(t) sprintf('{"chisq": %.17g, "df": %d}', t$chisq, length(t$n) - 1L)
spec <- function(rho) sprintf('{"time": "time", "event": {"column": "status", "event": ["2"]}, "group": ["sex", "ph.ecog"]%s}',
  if (rho == 0) "" else sprintf(', "rho": %d', rho))
cat(sprintf('{"file": "../reference/lung.csv", "dataset": "lung",
 "note": "R %s, survival %s; strata: %s",
 "cases": [
  {"name": "sex_x_ecog", "spec": %s,
   "expected": {"groups": [%s],\n   "km": [%s],\n   "logrank": %s}},
  {"name": "sex_x_ecog_peto", "spec": %s,
   "expected": {"logrank": %s}}
 ]}\n', paste(R.version$major, R.version$minor, sep = "."), packageVersion("survival"),
 paste(names(fit$strata), collapse = " | "), spec(0),
 paste(sprintf('"%s"', names(fit$strata)), collapse = ", "), km, lr_json(lr0), spec(1), lr_json(lr1)),
 file = "crossed.expected.json")
