# Near-tied times (floating-point round-off, as when months are computed from days in a
# spreadsheet): R's survfit, survdiff and coxph treat values within sqrt(.Machine$double.eps)
# (absolutely, or relative to the mean of the distinct times) as tied (aeqSurv, timefix = TRUE).
# Run from tests/r: Rscript timefix.R. Writes timefix.csv (times printed with 17 significant
# digits so they read back to the same doubles) and timefix.expected.json.
library(survival)
set.seed(20261129)
n <- 60
base <- sample(c(0.3, 0.7, 1.1, 1.9, 2.5, 3.3, 4.1, 5.7, 6.2, 7.9), n, replace = TRUE)
# Half the rows carry round-off: 0.1 + 0.2 != 0.3 and friends.
noise <- sample(c(0, 1, -1, 2), n, replace = TRUE) * .Machine$double.eps * base
time <- base + noise
status <- rbinom(n, 1, 0.65)
arm <- sample(c("A", "B"), n, replace = TRUE)
x <- round(rnorm(n), 3)
d <- data.frame(time = sprintf("%.17g", time), status, arm, x)
stopifnot(length(unique(time)) > length(unique(base)))
write.csv(d, "timefix.csv", row.names = FALSE, quote = FALSE)
d$time <- time
fit <- survfit(Surv(time, status) ~ arm, data = d)
sfit <- summary(fit, times = c(1, 2, 5))
lr <- survdiff(Surv(time, status) ~ arm, data = d)
cx <- coxph(Surv(time, status) ~ x + arm, data = d)
cxb <- coxph(Surv(time, status) ~ x + arm, data = d, ties = "breslow")
num <- function(v) ifelse(is.finite(v), sprintf("%.17g", v), "null")
f <- function(v) paste(num(v), collapse = ", ")
arr <- function(v) paste0("[", f(v), "]")
km_json <- function(g) {
  s <- fit[paste0("arm=", g)]
  steps <- paste(sprintf('{"time": %s, "n_risk": %s, "n_event": %s, "surv": %s, "std_err": %s}',
    num(s$time), s$n.risk, s$n.event, num(s$surv), num(s$std.err * s$surv)), collapse = ",\n      ")
  sprintf('{"group": "%s", "n": %d, "events": %d, "median": %s,\n     "steps": [\n      %s]}', g,
    s$n, sum(s$n.event), f(unname(summary(s)$table["median"])), steps)
}
cox_json <- function(m) {
  terms <- paste(sprintf('{"name": "%s", "coef": %s, "se": %s}', c("x", "arm=B"),
    sprintf("%.17g", coef(m)), sprintf("%.17g", sqrt(diag(vcov(m))))), collapse = ", ")
  sprintf('{"ties": "%s", "terms": [%s], "loglik": %s}', m$method, terms, arr(m$loglik))
}
cat(sprintf('{"file": "timefix.csv",
 "note": "R %s, survival %s; distinct times: %d as read, %d after R adjudicates near ties",
 "cases": [
  {"name": "efron", "spec": {"time": "time", "event": {"column": "status", "event": ["1"]}, "group": "arm", "covariates": ["x", "arm"], "categorical": ["arm"]},
   "expected": {"km": [%s,\n   %s],\n   "logrank": {"chisq": %.17g, "df": 1},\n   "cox": %s}},
  {"name": "breslow", "spec": {"time": "time", "event": {"column": "status", "event": ["1"]}, "covariates": ["x", "arm"], "categorical": ["arm"], "ties": "breslow"},
   "expected": {"cox": %s}}
 ]}\n', paste(R.version$major, R.version$minor, sep = "."), packageVersion("survival"),
 length(unique(time)), length(unique(base)), km_json("A"), km_json("B"), lr$chisq, cox_json(cx), cox_json(cxb)),
 file = "timefix.expected.json")
