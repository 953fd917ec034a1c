# Infinitesimal-jackknife (robust) standard errors of the directly standardised survival curves
# and of the IPTW-weighted RMST difference, computed from R's own fits by numerical
# differentiation with respect to each row's case weight (central differences), so that no
# formula of ours is assumed:
#   theta(w) = sum_i w_i S_i(t | group = L) / sum_i w_i, S_i from survfit(coxph(..., weights = w))
#   var = sum_j (w_j * d theta / d w_j)^2            (as survfit/coxph robust = TRUE weigh it)
# Run: Rscript tests/r/adjusted_bands.R > tests/r/adjusted_bands.expected.json (it also writes
# tests/r/veteran_entry.csv, the data of its delayed-entry case)
suppressPackageStartupMessages(library(survival))
# A small JSON writer (jsonlite is not installed): lists with names are objects, others arrays.
json <- function(x) {
  if (is.list(x)) {
    if (!is.null(names(x))) return(paste0("{", paste0('"', names(x), '": ', sapply(x, json), collapse = ", "), "}"))
    return(paste0("[", paste(sapply(x, json), collapse = ", "), "]"))
  }
  if (is.character(x)) v <- paste0('"', x, '"') else v <- formatC(x, digits = 15, format = "g")
  if (length(x) == 1) v else paste0("[", paste(v, collapse = ", "), "]")
}
d <- read.csv("tests/reference/designs/designs_veteran.csv")
d$trt <- factor(d$trt); d$celltype <- factor(d$celltype)
ctl <- coxph.control(eps = 1e-13, iter.max = 100, toler.chol = 1e-15)
times <- c(30, 90, 180)
theta <- function(w, ties, entry = FALSE) {
  fo <- if (entry) Surv(entry, time, status) ~ trt + karno + age + celltype else Surv(time, status) ~ trt + karno + age + celltype
  fit <- coxph(fo, data = d, weights = w, ties = ties, control = ctl)
  sapply(levels(d$trt), function(L) {
    nd <- d; nd$trt <- factor(L, levels = levels(d$trt))
    sf <- survfit(fit, newdata = nd)
    s <- summary(sf, times = times, extend = TRUE)$surv  # times x rows
    as.vector(s %*% w / sum(w))
  })
}
ij <- function(ties, entry = FALSE) {
  n <- nrow(d); w0 <- rep(1, n); h <- 1e-5
  est <- theta(w0, ties, entry)
  acc <- array(0, dim(est))
  for (j in seq_len(n)) {
    wp <- w0; wp[j] <- 1 + h; wm <- w0; wm[j] <- 1 - h
    dj <- (theta(wp, ties, entry) - theta(wm, ties, entry)) / (2 * h)
    acc <- acc + dj^2
  }
  list(surv = est, se = sqrt(acc))
}
out <- list()
for (ties in c("efron", "breslow")) {
  r <- ij(ties)
  out[[ties]] <- lapply(seq_along(levels(d$trt)), function(k)
    list(group = levels(d$trt)[k], time = times, surv = r$surv[, k], std_err = r$se[, k]))
}

# Delayed entry: the same model on (entry, time], entry a quarter, three eighths, an eighth or
# none of each row's time (in row order; tests/r/veteran_entry.csv), so that entries tie with
# other rows' times (a row entering at t is not at risk at t).
d$entry <- floor(d$time * ((seq_len(nrow(d)) - 1) %% 4) / 8)
stopifnot(all(d$entry < d$time))
write.csv(d[, c("trt", "celltype", "entry", "time", "status", "karno", "age")], "tests/r/veteran_entry.csv", row.names = FALSE)
for (ties in c("efron", "breslow")) {
  r <- ij(ties, entry = TRUE)
  out[[paste0("entry_", ties)]] <- lapply(seq_along(levels(d$trt)), function(k)
    list(group = levels(d$trt)[k], time = times, surv = r$surv[, k], std_err = r$se[, k]))
}
d$entry <- NULL

# RMST difference under propensity (ATE, stabilised) weights: weighted Kaplan-Meier areas up
# to tau, IJ variance by numerical differentiation of the area with respect to each weight
# (the propensity weights taken as given, as survfit(weights =, robust = TRUE) does).
ps <- glm(I(trt == "2") ~ karno + age + celltype, data = d, family = binomial)$fitted.values
tr <- d$trt == "2"; pt <- mean(tr)
w_ate <- ifelse(tr, pt / ps, (1 - pt) / (1 - ps))
tau <- 180
area <- function(w, g) {
  s <- survfit(Surv(time, status) ~ 1, data = d[d$trt == g, ], weights = w[d$trt == g])
  tt <- c(0, s$time[s$time <= tau], tau); ss <- c(1, s$surv[s$time <= tau])
  sum(diff(tt) * ss)
}
rm <- sapply(levels(d$trt), function(g) area(w_ate, g))
se <- sapply(levels(d$trt), function(g) {
  idx <- which(d$trt == g); h <- 1e-6; acc <- 0
  for (j in idx) {
    wp <- w_ate; wp[j] <- wp[j] + h; wm <- w_ate; wm[j] <- wm[j] - h
    acc <- acc + (w_ate[j] * (area(wp, g) - area(wm, g)) / (2 * h))^2
  }
  sqrt(acc)
})
diff <- rm[[2]] - rm[[1]]; sed <- sqrt(sum(se^2))
out$rmst_iptw <- list(tau = tau, rmst = unname(rm), se = unname(se), diff = diff, se_diff = sed,
  lower = diff - qnorm(0.975) * sed, upper = diff + qnorm(0.975) * sed, p = 2 * pnorm(-abs(diff / sed)))
# The subgroup forest's overall row: the group's Cox model over all rows (subgroups_trt).
fo <- coxph(Surv(time, status) ~ trt, data = d); so <- summary(fo)
out$subgroup_overall <- list(n = fo$n, events = fo$nevent, coef = unname(coef(fo)), se = unname(sqrt(diag(vcov(fo)))),
  hr = so$conf.int[1, 1], lower = so$conf.int[1, 3], upper = so$conf.int[1, 4], p = so$coefficients[1, 5])
cat(json(out), "\n")
