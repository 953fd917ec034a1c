# Reference values of the proportional-hazards residual plot: cox.zph(fit, terms = FALSE)'s
# scaled Schoenfeld residuals ($y), transformed event times ($x, for the four transforms),
# event times ($time), $var, and the smoother plot.cox.zph draws (natural spline, df = 4,
# nsmo = 40 points, band ± 2 SE), computed exactly as plot.cox.zph does it.
# Run from the crate root: Rscript tests/r/zph.R   (writes tests/r/zph_used.csv and
# tests/r/zph.expected.json)
library(survival)
num <- function(x) ifelse(is.na(x), "null", formatC(x, digits = 15, format = "g"))
arr <- function(x) paste0("[", paste(num(x), collapse = ", "), "]")
# plot.cox.zph's smoother for column i of a cox.zph object z.
smooth <- function(z, i, df = 4, nsmo = 40) {
  xx <- z$x; y <- z$y[, i]
  pred.x <- seq(from = min(xx), to = max(xx), length = nsmo)
  lmat <- splines::ns(c(pred.x, xx), df = df, intercept = TRUE)
  pmat <- lmat[1:nsmo, ]; xmat <- lmat[-(1:nsmo), ]
  keep <- !is.na(y)
  qmat <- qr(xmat[keep, ])
  yhat <- pmat %*% qr.coef(qmat, y[keep])
  bk <- backsolve(qmat$qr[1:df, 1:df], diag(df))
  seval <- ((pmat %*% (bk %*% t(bk))) * pmat) %*% rep(1, df)
  se2 <- 2 * sqrt(z$var[i, i] * seval)
  sprintf('{"x": %s, "fit": %s, "lower": %s, "upper": %s}', arr(pred.x), arr(yhat), arr(yhat - se2), arr(yhat + se2))
}
case <- function(name, file, spec, fit) {
  z <- cox.zph(fit, terms = FALSE)
  xs <- sapply(c("identity", "log", "rank"), function(tr) arr(cox.zph(fit, transform = tr, terms = FALSE)$x))
  terms <- sapply(seq_len(ncol(z$y)), function(i)
    sprintf('{"name": "%s", "coef": %s, "var": %s, "y": %s, "smooth": %s}', colnames(z$y)[i], num(coef(fit)[i]),
            num(z$var[i, i]), arr(z$y[, i]), smooth(z, i)))
  sprintf(paste0('{"name": "%s", "file": "%s", "spec": %s, "ties": "%s", "p": %s, "time": %s, "x": %s, ',
                 '"x_identity": %s, "x_log": %s, "x_rank": %s, "terms": [%s]}'),
          name, file, spec, fit$method, arr(z$table[seq_len(ncol(z$y)), "p"]), arr(z$time), arr(z$x),
          xs[["identity"]], xs[["log"]], xs[["rank"]], paste(terms, collapse = ", "))
}
lung <- read.csv("tests/reference/lung.csv")
cases <- list()
f1 <- coxph(Surv(time, status == 2) ~ age + sex + ph.ecog, data = lung)
cases[[1]] <- case("lung_efron", "tests/reference/lung.csv",
  '{"time": "time", "event": {"column": "status", "event": ["2"]}, "covariates": ["age", "sex", "ph.ecog"]}', f1)
f2 <- coxph(Surv(time, status == 2) ~ age + ph.ecog + strata(sex), ties = "breslow", data = lung)
cases[[2]] <- case("lung_breslow_strata", "tests/reference/lung.csv",
  '{"time": "time", "event": {"column": "status", "event": ["2"]}, "strata": "sex", "ties": "breslow", "covariates": ["age", "ph.ecog"]}', f2)
# A covariate constant within one stratum (ecog_m = 0 for women): R scales its residuals in
# the men's stratum only and leaves the women's NA.
d <- lung[!is.na(lung$ph.ecog), c("time", "status", "age", "sex", "ph.ecog")]
d$ecog_m <- ifelse(d$sex == 1, d$ph.ecog, 0)
d$ph.ecog <- NULL
write.csv(d, "tests/r/zph_used.csv", row.names = FALSE)
f3 <- coxph(Surv(time, status == 2) ~ age + ecog_m + strata(sex), data = d)
cases[[3]] <- case("constant_in_a_stratum", "tests/r/zph_used.csv",
  '{"time": "time", "event": {"column": "status", "event": ["2"]}, "strata": "sex", "covariates": ["age", "ecog_m"]}', f3)
writeLines(paste0('{"source": "tests/r/zph.R, R survival ', packageVersion("survival"), '", "cases": [\n',
                  paste(cases, collapse = ",\n"), "\n]}"), "tests/r/zph.expected.json")
