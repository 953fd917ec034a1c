# Reference values for tests/bands_reference.rs: the confidence bands and predictions the report
# carries for the figures (issue 16). Run from the crate root:
#   Rscript tests/r/bands.R > tests/r/bands.expected.json
# R 4.2, survival 3.5-3, cmprsk 2.2-11. Writes JSON by hand (no jsonlite on this machine).
suppressMessages({library(survival); library(cmprsk)})
num <- function(x) ifelse(is.na(x) | !is.finite(x), "null", sprintf("%.17g", x))
arr <- function(v) paste0("[", paste(v, collapse = ", "), "]")
obj <- function(...) { a <- list(...); paste0("{", paste0('"', names(a), '": ', unlist(a), collapse = ", "), "}") }
str_ <- function(s) if (is.null(s) || is.na(s)) "null" else paste0('"', s, '"')
z <- qnorm(0.975)

## 1. Cumulative incidence (cmprsk::cuminc) with the log(-log) 95% interval
##    F^exp(±z sqrt(var) / (F log F)): transplant, liver transplant against death, by blood group.
tp <- read.csv("tests/reference/transplant.csv", stringsAsFactors = FALSE)
tp <- tp[!is.na(tp$futime) & !is.na(tp$event) & !is.na(tp$abo), ]
st <- ifelse(tp$event == "ltx", 1, ifelse(tp$event == "death", 2, 0))
ci <- cuminc(tp$futime, st, tp$abo)
band <- function(f, v) {
  se <- sqrt(v) / (f * abs(log(f)))
  ok <- f > 0 & f < 1
  list(lower = ifelse(ok, f^exp(z * se), NA), upper = ifelse(ok, f^exp(-z * se), NA))
}
cuminc_json <- character(0)
for (nm in names(ci)[names(ci) != "Tests"]) {
  x <- ci[[nm]]
  parts <- strsplit(nm, " ")[[1]]
  # cuminc lists each jump twice (before, after): the last value at each time.
  keep <- !duplicated(x$time, fromLast = TRUE) & x$time > 0
  b <- band(x$est[keep], x$var[keep])
  cuminc_json <- c(cuminc_json, obj(group = str_(parts[1]), cause = str_(if (parts[2] == "1") "event" else "competing"),
    time = arr(num(x$time[keep])), estimate = arr(num(x$est[keep])), lower = arr(num(b$lower)), upper = arr(num(b$upper))))
}

## 2. Nelson-Aalen cumulative hazard with the log-transformed interval H exp(±z se/H): survfit's
##    Fleming-Harrington curve S = exp(-H) with conf.type = "log-log" has exactly these limits,
##    read back as -log(upper), -log(lower). lung by sex.
lung <- read.csv("tests/reference/lung.csv")
fh <- survfit(Surv(time, status == 2) ~ sex, data = lung, stype = 2, ctype = 1, conf.type = "log-log")
s <- summary(fh, censored = FALSE)
cumhaz_json <- character(0)
for (g in c(1, 2)) {
  i <- s$strata == paste0("sex=", g)
  cumhaz_json <- c(cumhaz_json, obj(group = str_(as.character(g)), time = arr(num(s$time[i])),
    cumhaz = arr(num(s$cumhaz[i])), std_err = arr(num(s$std.chaz[i])),
    lower = arr(num(-log(s$upper[i]))), upper = arr(num(-log(s$lower[i])))))
}

## 3. survreg predictions: median (type = "quantile") with the interval exp(u ± z se(u)) from
##    type = "uquantile", se.fit = TRUE; S(t) = 1 - psurvreg(t, lp, scale, dist). lung, ~ sex
##    (numeric 1/2: the groups' own rows and the mean), and intercept-only.
times <- c(180, 365, 730)
pred_json <- character(0)
for (dist in c("exponential", "weibull", "lognormal", "loglogistic")) {
  for (form in c("sex", "1")) {
    fit <- survreg(as.formula(paste("Surv(time, status == 2) ~", form)), data = lung, dist = dist)
    rows <- if (form == "sex") list(list(g = NA, x = mean(lung$sex)), list(g = "1", x = 1), list(g = "2", x = 2)) else list(list(g = NA, x = NULL))
    for (r in rows) {
      nd <- if (is.null(r$x)) data.frame(dummy = 1) else data.frame(sex = r$x)
      u <- predict(fit, newdata = nd, type = "uquantile", p = 0.5, se.fit = TRUE)
      lp <- predict(fit, newdata = nd, type = "lp")
      surv <- 1 - psurvreg(times, mean = lp, scale = fit$scale, distribution = dist)
      pred_json <- c(pred_json, obj(dist = str_(dist), covariates = str_(form), group = str_(r$g),
        x = arr(num(r$x)), median = num(predict(fit, newdata = nd, type = "quantile", p = 0.5)),
        median_lower = num(exp(u$fit - z * u$se.fit)), median_upper = num(exp(u$fit + z * u$se.fit)),
        times = arr(num(times)), surv = arr(num(surv))))
    }
  }
}

cat("{\n\"cuminc\": ", arr(cuminc_json), ",\n\"cumhaz\": ", arr(cumhaz_json), ",\n\"parametric\": ", arr(pred_json), "\n}\n", sep = "")
