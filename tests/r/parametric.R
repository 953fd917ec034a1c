# Reference values for src/stats/parametric.rs (survreg). Run from the crate root:
#   Rscript tests/r/parametric.R > tests/r/parametric.expected.json
# R 4.2, survival 3.x. Writes JSON by hand (no jsonlite on this machine).
suppressMessages(library(survival))

num <- function(x) if (is.null(x) || is.na(x)) "null" else formatC(x, digits = 15, format = "g")
obj <- function(...) { a <- list(...); paste0("{", paste0('"', names(a), '": ', unlist(a), collapse = ", "), "}") }
arr <- function(v) paste0("[", paste(v, collapse = ", "), "]")
str <- function(s) paste0('"', s, '"')

# One fit → JSON. `names` are the contract's term names (e.g. "sex=2"), in coefficient order.
fit_json <- function(fit, dist, names, x_row, times) {
  b <- coef(fit); V <- vcov(fit); se <- sqrt(diag(V))[seq_along(b)]
  z <- qnorm(0.975); p <- length(b)
  free <- dist != "exponential"
  terms <- character(0)
  for (j in seq_along(b)) {
    tr <- if (j > 1) c(exp(b[j]), exp(b[j] - z * se[j]), exp(b[j] + z * se[j])) else c(NA, NA, NA)
    hr <- c(NA, NA, NA)
    if (j > 1 && dist %in% c("weibull", "exponential")) {
      # PH form of the Weibull: log HR = -beta / scale; delta method on (beta, log scale).
      s <- fit$scale; g <- -b[j] / s
      grad <- numeric(nrow(V)); grad[j] <- -1 / s
      if (free) grad[nrow(V)] <- b[j] / s
      sg <- sqrt(drop(t(grad) %*% V %*% grad))
      hr <- c(exp(g), exp(g - z * sg), exp(g + z * sg))
    }
    terms <- c(terms, obj(name = str(names[j]), coef = num(b[j]), se = num(se[j]),
      z = num(b[j] / se[j]), p = num(2 * pnorm(-abs(b[j] / se[j]))),
      time_ratio = num(tr[1]), tr_lower = num(tr[2]), tr_upper = num(tr[3]),
      hr = num(hr[1]), hr_lower = num(hr[2]), hr_upper = num(hr[3])))
  }
  k <- p + free
  ll <- fit$loglik[2]
  lr <- if (p > 1) obj(chisq = num(2 * (ll - fit$loglik[1])), df = num(p - 1),
                       p = num(pchisq(2 * (ll - fit$loglik[1]), p - 1, lower.tail = FALSE))) else "null"
  lp <- sum(c(1, x_row) * b)
  sdist <- if (dist == "weibull" || dist == "exponential") "extreme" else if (dist == "lognormal") "gaussian" else "logistic"
  surv <- 1 - psurvreg(log(times), mean = lp, scale = fit$scale, distribution = sdist)
  med <- exp(lp + fit$scale * qsurvreg(0.5, 0, 1, sdist))
  obj(dist = str(dist), n = num(fit$df.residual + fit$df), events = num(sum(fit$y[, 2])),
      terms = arr(terms), scale = num(fit$scale),
      log_scale_se = if (free) num(sqrt(V[nrow(V), nrow(V)])) else "null",
      loglik = num(ll), loglik_null = num(fit$loglik[1]), aic = num(AIC(fit)), bic = num(BIC(fit)),
      lr_test = lr, x_row = arr(sapply(x_row, num)), times = arr(sapply(times, num)),
      surv = arr(sapply(surv, num)), median = num(med))
}

dists <- c("weibull", "exponential", "lognormal", "loglogistic")
cases <- character(0)
add_case <- function(name, file, spec, formula, data, names, x_row, times) {
  fits <- sapply(dists, function(d) fit_json(survreg(formula, data = data, dist = d), d, names, x_row, times))
  cases <<- c(cases, obj(name = str(name), file = str(file), spec = spec, fits = arr(fits)))
}

lung2 <- survival::lung
add_case("lung_age_sex", "lung.csv",
  '{"time": "time", "event": {"column": "status", "event": ["2"]}, "covariates": ["age", "sex"], "categorical": ["sex"]}',
  Surv(time, status == 2) ~ age + factor(sex), lung2, c("(Intercept)", "age", "sex=2"), c(60, 1), c(100, 365, 730))

vet <- survival::veteran
vet$celltype <- factor(as.character(vet$celltype))  # the contract orders levels by byte order
add_case("veteran_karno_celltype", "veteran.csv",
  '{"time": "time", "event": {"column": "status", "event": ["1"]}, "covariates": ["karno", "celltype"]}',
  Surv(time, status) ~ karno + celltype, vet,
  c("(Intercept)", "karno", "celltype=large", "celltype=smallcell", "celltype=squamous"), c(60, 0, 1, 0), c(30, 100, 250))

add_case("veteran_intercept", "veteran.csv",
  '{"time": "time", "event": {"column": "status", "event": ["1"]}}',
  Surv(time, status) ~ 1, vet, c("(Intercept)"), numeric(0), c(10, 80, 400))

ova <- survival::ovarian
add_case("ovarian_age_rx", "ovarian.csv",
  '{"time": "futime", "event": {"column": "fustat", "event": ["1"]}, "covariates": ["age", "rx"], "categorical": ["rx"]}',
  Surv(futime, fustat) ~ age + factor(rx), ova, c("(Intercept)", "age", "rx=2"), c(55, 0), c(200, 700, 1200))

cat(paste0('{"source": "tests/r/parametric.R", "cases": ', arr(cases), "}\n"))
