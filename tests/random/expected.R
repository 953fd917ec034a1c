# R's expected results, in the analysis contract's shape (tests/reference/README.md), for the
# random cohorts written by tests/random/gen.py:
#
#   Rscript tests/random/expected.R DIR
#
# For every DIR/NAME.spec.json beside DIR/NAME.csv, writes DIR/NAME.expected.json: one case, the
# spec and what R survival / cmprsk give for it. The data are read as the command line reads a
# spreadsheet (blank cells missing; a column is numeric when every non-blank cell is a number;
# levels in numeric order when they are all numbers, else byte order), and each section uses the
# rows the contract names: the curves and tests the rows with a valid time, outcome, group and
# strata; every model the complete cases of its own terms (R's model frame). Where R warns that
# a Cox coefficient may be infinite or the fit did not converge, the values that depend on where
# the iteration stopped (those terms, Wald test, concordance, PH test) are left out: they are R's
# artefact, not a property of the data. Where R stops (a singular log-rank variance, cox.zph on a
# singular matrix), the expected value is null.
suppressMessages({ library(survival); library(cmprsk) })
options(warn = 1)

# ---- a small JSON writer (no jsonlite on the test machines) ---------------------------------
js <- function(v) {
  if (is.null(v)) return("null")
  if (is.list(v)) {
    if (!is.null(names(v))) return(paste0("{", paste(sprintf('"%s": %s', names(v), vapply(v, js, "")), collapse = ", "), "}"))
    return(paste0("[", paste(vapply(v, js, ""), collapse = ", "), "]"))
  }
  arr <- inherits(v, "AsIs") || length(v) != 1
  v <- unclass(v)
  s <- if (is.character(v)) ifelse(is.na(v), "null", sprintf('"%s"', gsub('"', '\\\\"', v)))
       else if (is.logical(v)) ifelse(is.na(v), "null", tolower(v))
       else ifelse(is.finite(v), sprintf("%.17g", v), "null")
  if (arr) paste0("[", paste(s, collapse = ", "), "]") else s
}
num <- function(x) if (length(x) == 0 || is.null(x)) NA_real_ else unname(as.numeric(x))
# `expr`'s value (NULL where it stops with an error) and the warnings it gave on the way.
# The restricted mean to tau of a weighted Kaplan-Meier curve (sampling or propensity
# weights, taken as given) with its infinitesimal-jackknife standard error, by numerical
# differentiation of the area by each row's weight (sqrt of the sum over rows of
# (w_j d area / d w_j)^2, as tests/r/adjusted_bands.R): survfit's se(rmean) is not that variance.
weighted_rmst <- function(fo, dd, tau) {
  area <- function(w) {
    dw <- dd; dw$case_w <- w
    s <- survfit(fo, data = dw, weights = case_w)
    keep <- s$time <= tau
    sum(diff(c(0, s$time[keep], tau)) * c(1, s$surv[keep]))
  }
  w0 <- dd$w; h <- 1e-6; acc <- 0
  for (j in seq_len(nrow(dd))) {
    wp <- w0; wp[j] <- w0[j] * (1 + h); wm <- w0; wm[j] <- w0[j] * (1 - h)
    acc <- acc + ((area(wp) - area(wm)) / (2 * h))^2
  }
  list(tau = tau, estimate = area(w0), std_err = sqrt(acc))
}

# The band of the adjusted curves (`adjusted: "direct"`) at the landmarks `at`: the
# infinitesimal-jackknife standard error of each level's average, by numerical differentiation
# of R's own weighted fit and curves by each row's case weight (central differences, as
# tests/r/adjusted_bands.R), so no formula of ours is assumed. Two fits per row: on up to 150
# rows only (NULL otherwise, or with no landmark). A matrix, landmarks × levels.
adjusted_band <- function(fo, ad, alev, at, ties) {
  if (!length(at) || nrow(ad) > 150) return(NULL)
  ctl <- coxph.control(eps = 1e-13, iter.max = 100, toler.chol = 1e-15)
  theta <- function(w) {
    # (The weights as a column of the data, where coxph looks first; the model frame kept, so
    # that survfit need not rebuild it where the formula was made.)
    adw <- ad; adw$case_w <- w
    fw <- suppressWarnings(coxph(fo, adw, weights = case_w, ties = ties, control = ctl, model = TRUE))
    sapply(alev, function(l) {
      nd <- ad; nd$g <- factor(rep(l, nrow(ad)), levels = alev)
      s <- matrix(summary(survfit(fw, newdata = nd), times = at, extend = TRUE)$surv, nrow = length(at))
      as.vector(s %*% w / sum(w))
    })
  }
  n <- nrow(ad); w0 <- rep(1, n); h <- 1e-5
  acc <- matrix(0, length(at), length(alev))
  for (j in seq_len(n)) {
    wp <- w0; wp[j] <- 1 + h; wm <- w0; wm[j] <- 1 - h
    acc <- acc + ((matrix(theta(wp), length(at)) - matrix(theta(wm), length(at))) / (2 * h))^2
  }
  sqrt(acc)
}

warned <- function(expr) {
  w <- character()
  v <- withCallingHandlers(tryCatch(expr, error = function(e) NULL),
    warning = function(e) { w <<- c(w, conditionMessage(e)); invokeRestart("muffleWarning") })
  list(value = v, warnings = w)
}

# ---- the spec (the generator's specs are flat JSON: parse just what it writes) ----------------
read_spec <- function(path) {
  full <- paste(readLines(path, warn = FALSE), collapse = "")
  # The propensity object (its own "covariates") is read apart from the top-level keys.
  pm <- regmatches(full, regexpr('"propensity": \\{[^}]*\\}', full))
  txt <- if (length(pm)) sub(pm, "", full, fixed = TRUE) else full
  str <- function(key) { m <- regmatches(txt, regexpr(sprintf('"%s": "[^"]*"', key), txt)); if (length(m)) sub('.*: "([^"]*)"', "\\1", m) else NULL }
  arr <- function(key) {
    m <- regmatches(txt, regexpr(sprintf('"%s": \\[[^]]*\\]', key), txt))
    if (!length(m)) return(NULL)
    inner <- sub(".*\\[(.*)\\]", "\\1", m)
    if (!nzchar(inner)) return(character())
    trimws(gsub('"', "", strsplit(inner, ",")[[1]]))
  }
  numv <- function(key) { m <- regmatches(txt, regexpr(sprintf('"%s": [-0-9.e]+', key), txt)); if (length(m)) as.numeric(sub(".*: ", "", m)) else NULL }
  ev <- regmatches(txt, regexpr('"event": \\{[^}]*\\}', txt))
  evarr <- function(key) { m <- regmatches(ev, regexpr(sprintf('"%s": \\[[^]]*\\]', key), ev)); if (length(m)) trimws(gsub('"', "", strsplit(sub(".*\\[(.*)\\]", "\\1", m), ",")[[1]])) else NULL }
  wm <- regmatches(txt, regexpr('"weights": \\{[^}]*\\}', txt))
  tvm <- regmatches(txt, regexpr('"time_varying": \\[\\{[^}]*\\}\\]', txt))
  tv <- if (length(tvm)) list(name = sub('.*"name": "([^"]*)".*', "\\1", tvm), at = sub('.*"at": "([^"]*)".*', "\\1", tvm))
  if (length(tvm)) txt <- sub(tvm, "", txt, fixed = TRUE)
  lm <- regmatches(txt, regexpr('"landmark": \\{[^}]*\\}', txt))
  landmark <- if (length(lm)) list(time = as.numeric(sub('.*"time": ([-0-9.e]+).*', "\\1", lm)), reset = grepl('"reset": true', lm))
  if (length(lm)) txt <- sub(lm, "", txt, fixed = TRUE)
  ps <- if (length(pm)) list(treatment = sub('.*"treatment": "([^"]*)".*', "\\1", pm), covariates = arr_of(pm, "covariates"),
                             estimand = sub('.*"estimand": "([^"]*)".*', "\\1", pm), stabilize = grepl('"stabilize": true', pm))
  # Adjusted comparisons (`gen.py --adjusted`): one interaction pair, one spline, subgroup
  # columns, direct adjustment.
  im <- regmatches(full, regexpr('"interactions": \\[\\["[^"]*", "[^"]*"\\]\\]', full))
  inter <- if (length(im)) strsplit(sub('.*\\[\\["([^"]*)", "([^"]*)"\\]\\]', "\\1\t\\2", im), "\t")[[1]]
  sm <- regmatches(full, regexpr('"splines": \\[\\{"column": "[^"]*", "df": [0-9]+\\}\\]', full))
  spl <- if (length(sm)) list(column = sub('.*"column": "([^"]*)".*', "\\1", sm), df = as.integer(sub('.*"df": ([0-9]+).*', "\\1", sm)))
  list(txt = full, ps = ps, tv = tv, landmark = landmark, interactions = inter, spline = spl,
       subgroups = arr("subgroups") %||% character(), adjusted = str("adjusted"), idcol = str("id"), timecol = str("time"), entry = str("entry"), wcol = if (length(wm)) sub('.*"column": "([^"]*)".*', "\\1", wm),
       wkind = if (length(wm)) sub('.*"kind": "([^"]*)".*', "\\1", wm), group = str("group"), strata = str("strata"), cluster = str("cluster"), ties = str("ties") %||% "efron",
       conf_type = str("conf_type") %||% "log", rho = numv("rho") %||% 0, pairwise = grepl('"pairwise": true', txt),
       covariates = arr("covariates") %||% character(), categorical = arr("categorical") %||% character(),
       times = as.numeric(arr("times") %||% character()), rmst_tau = numv("rmst_tau"),
       parametric = arr("parametric") %||% character(), event = evarr("event"), competing = evarr("competing"))
}
`%||%` <- function(a, b) if (is.null(a)) b else a
arr_of <- function(txt, key) {
  m <- regmatches(txt, regexpr(sprintf('"%s": \\[[^]]*\\]', key), txt))
  if (!length(m)) return(character())
  trimws(gsub('"', "", strsplit(sub(".*\\[(.*)\\]", "\\1", m), ",")[[1]]))
}

# ---- reading as the command line does ------------------------------------------------------
is_num_col <- function(x) { v <- x[!is.na(x)]; length(v) > 0 && !any(is.na(suppressWarnings(as.numeric(v)))) }
level_order <- function(x) {
  u <- unique(x[!is.na(x)])
  if (length(u) && !any(is.na(suppressWarnings(as.numeric(u))))) u[order(as.numeric(u))] else sort(u, method = "radix")
}

# Design columns of the covariates: numeric as is, categorical as indicators "col=level". The
# levels are those present in the model's rows `use` (the first is the reference): a level whose
# rows all drop out of the model is not a term (R would keep it and report NA for another).
# With `inter` (a pair of covariates), their interaction follows the main effects: the product
# of every column of the first with every column of the second, named "a:b" (the first's
# columns varying fastest, as R's model.matrix).
design <- function(d, covs, categorical, use = rep(TRUE, nrow(d)), inter = NULL) {
  cols <- list(); block <- list()
  for (v in covs) {
    x <- d[[v]]
    if (is_num_col(x) && !(v %in% categorical)) { cols[[v]] <- as.numeric(x); block[[v]] <- v; next }
    lv <- level_order(x[use])
    # R refuses a factor with one level ("contrasts can be applied only to factors with 2 or
    # more levels"); we fit without the term (and say so): nothing of R's to compare.
    if (length(lv) < 2) attr(cols, "refused") <- TRUE
    block[[v]] <- if (length(lv) > 1) paste0(v, "=", lv[-1]) else character()
    for (l in lv[-1]) cols[[paste0(v, "=", l)]] <- ifelse(is.na(x), NA, as.numeric(x == l))
  }
  if (length(inter) == 2 && all(inter %in% covs)) {
    for (jb in block[[inter[2]]]) for (ja in block[[inter[1]]]) cols[[paste0(ja, ":", jb)]] <- cols[[ja]] * cols[[jb]]
  }
  out <- as.data.frame(cols, check.names = FALSE)
  if (isTRUE(attr(cols, "refused"))) attr(out, "refused") <- TRUE
  out
}

one_case <- function(dir, name) {
  sp <- read_spec(file.path(dir, paste0(name, ".spec.json")))
  # A cohort written in another layout (`gen.py --layouts`: semicolons and decimal commas, tabs,
  # quotes and NA, dates, a workbook) comes with the same data as R reads it, NAME.r.csv.
  canon <- file.path(dir, paste0(name, ".r.csv"))
  raw <- read.csv(if (file.exists(canon)) canon else file.path(dir, paste0(name, ".csv")), colClasses = "character", na.strings = "", check.names = FALSE)
  # Study designs (contract part 2, `gen.py --designs`). Frequency weights: every field is that
  # of the expanded rows (a row without a usable count excluded). Sampling weights: the rows with
  # a usable weight, weighted fits with robust variances (survfit's robust `std.err` is already
  # of S: `logse` FALSE; where S reaches 0 it is 0, and the plain limits 0, the others NA).
  # Entry: at risk on (entry, time].
  wts <- NULL
  if (!is.null(sp$wcol)) {
    wv <- suppressWarnings(as.numeric(raw[[sp$wcol]]))
    usable <- !is.na(wv) & wv >= 0 & (sp$wkind != "frequency" | wv == round(wv))
    raw <- raw[usable, , drop = FALSE]
    wv <- wv[usable]
    if (sp$wkind == "frequency") raw <- raw[rep(seq_len(nrow(raw)), wv), , drop = FALSE] else wts <- wv
  }
  sampling <- !is.null(wts)
  # The time column: the spec's (`tstop` for start-stop rows), or `time` in R's copy of a dated file.
  time <- suppressWarnings(as.numeric(raw[[if (!is.null(sp$timecol) && sp$timecol %in% names(raw)) sp$timecol else "time"]]))
  st <- raw$status
  status <- ifelse(is.na(st), NA, ifelse(st %in% sp$event, 1L, ifelse(st %in% sp$competing, 2L, 0L)))
  ok <- !is.na(time) & time >= 0 & !is.na(status)
  ent <- if (!is.null(sp$entry)) suppressWarnings(as.numeric(raw[[sp$entry]])) else NULL
  if (!is.null(ent)) ok <- ok & !is.na(ent) & ent < time
  # A time-varying exposure (tmerge's rules, the contract's part 2): a row with zero follow-up
  # leaves; an exposure at or before 0 counts from the start; blank, at or after the exit
  # (the last day) never; else (0, at] unexposed without the event and (at, time] exposed with
  # it. The intervals then enter as rows with delayed entry (`ent`); `pid` is their patient.
  pid <- seq_len(nrow(raw))
  if (!is.null(sp$tv)) {
    at <- suppressWarnings(as.numeric(raw[[sp$tv$at]]))
    pieces <- lapply(which(ok & time > 0), function(i) {
      a <- at[i]; t <- time[i]
      if (is.na(a) || a >= t) data.frame(row = i, tstart = 0, tstop = t, ev = status[i], x = "0")
      else if (a <= 0) data.frame(row = i, tstart = 0, tstop = t, ev = status[i], x = "1")
      else data.frame(row = c(i, i), tstart = c(0, a), tstop = c(a, t), ev = c(0L, status[i]), x = c("0", "1"))
    })
    sv <- do.call(rbind, pieces)
    pre <- ok & time > 0 & (if (!is.null(sp$strata)) !is.na(raw[[sp$strata]]) else TRUE)
    pre_time <- time[pre]; pre_status <- status[pre]
    raw <- raw[sv$row, , drop = FALSE]
    raw[[sp$tv$name]] <- sv$x
    time <- sv$tstop; status <- sv$ev; ent <- sv$tstart; pid <- sv$row
    ok <- rep(TRUE, nrow(raw))
  }
  # The response of every fit: Surv(time, ev), or Surv(entry, time, ev) with delayed entry.
  resp <- if (is.null(ent)) "Surv(time, status == 1)" else "Surv(entry, time, status == 1)"
  # Landmark L: the rows still at risk at L (time > L); with reset, time is measured from L.
  if (!is.null(sp$landmark)) {
    ok <- ok & time > sp$landmark$time
    if (sp$landmark$reset) time <- time - sp$landmark$time
  }
  # Propensity weights: the logistic model of the treatment's second level on the covariates,
  # over the rows with a valid outcome, treatment and covariates (the others leave the weighted
  # analysis); then the sampling-weights analysis of those rows by treatment, and the weighted
  # Cox model of the treatment.
  exp_ps <- NULL
  if (!is.null(sp$ps)) {
    trt <- raw[[sp$ps$treatment]]
    use <- ok & !is.na(trt) & complete.cases(design(raw, sp$ps$covariates, sp$categorical))
    Xp <- design(raw, sp$ps$covariates, sp$categorical, use)
    # No more rows than coefficients: we fit no propensity model (and say so); the analysis is
    # then the unweighted one.
    if (sum(use) <= ncol(Xp) + 1) sp$ps <- NULL
  }
  if (!is.null(sp$ps)) {
    tl <- level_order(trt[use])
    z <- as.numeric(trt[use] == tl[2])
    Xm <- as.matrix(Xp[use, , drop = FALSE])
    m <- suppressWarnings(glm(z ~ Xm, family = binomial))
    pr <- unname(fitted(m)); pt <- mean(z)
    # A fitted propensity within 1e-8 of 0 or 1 (separation: the arms do not overlap): we weight
    # nothing (and say so); the analysis is the unweighted one by treatment.
    if (any(pr < 1e-8 | pr > 1 - 1e-8)) sp$ps <- NULL
  }
  if (!is.null(sp$ps)) {
    w <- if (sp$ps$estimand == "ATT") ifelse(z == 1, 1, pr / (1 - pr))
         else if (sp$ps$stabilize) ifelse(z == 1, pt / pr, (1 - pt) / (1 - pr)) else ifelse(z == 1, 1 / pr, 1 / (1 - pr))
    co <- summary(m)$coefficients
    nm <- c("(Intercept)", colnames(Xp))
    if (nrow(co) == length(nm) && isTRUE(m$converged)) {
      exp_ps <- list(terms = lapply(seq_along(nm), function(j) list(name = nm[j], coef = co[j, 1], se = co[j, 2], z = co[j, 3], p = co[j, 4])),
        ess = lapply(c(0, 1), function(k) list(group = tl[k + 1], ess = sum(w[z == k])^2 / sum(w[z == k]^2))),
        balance = lapply(seq_len(ncol(Xm)), function(j) {
          x <- Xm[, j]; den <- sqrt((var(x[z == 1]) + var(x[z == 0])) / 2)
          list(name = colnames(Xp)[j], smd_before = (mean(x[z == 1]) - mean(x[z == 0])) / den,
               smd_after = (weighted.mean(x[z == 1], w[z == 1]) - weighted.mean(x[z == 0], w[z == 0])) / den)
        }))
    }
    ok <- use
    wts <- rep(NA_real_, nrow(raw)); wts[use] <- w
    sampling <- TRUE
    sp$covariates <- sp$ps$treatment
    sp$categorical <- union(sp$categorical, sp$ps$treatment)
  }
  competing <- length(sp$competing) > 0
  g <- if (!is.null(sp$group)) raw[[sp$group]] else NULL
  s <- if (!is.null(sp$strata)) raw[[sp$strata]] else NULL
  rows <- ok & (if (is.null(g)) TRUE else !is.na(g)) & (if (is.null(s)) TRUE else !is.na(s))
  exp <- list(n = sum(rows), events = sum(status[rows] == 1))
  if (!is.null(exp_ps)) exp$propensity <- exp_ps
  # Split intervals: n counts patients.
  if (!is.null(sp$tv)) exp$n <- length(unique(pid[rows]))
  d <- data.frame(time = time[rows], status = status[rows])
  if (!is.null(ent)) d$entry <- ent[rows]
  d$w <- if (sampling) wts[rows] else 1
  glev <- if (is.null(g)) NULL else level_order(g[rows])
  d$g <- if (is.null(g)) factor(rep("all", nrow(d))) else factor(g[rows], levels = glev)
  # Start-stop rows with a patient id (`gen.py --intervals`): the curves follow patients
  # (survfit's `id`: an interval that continues is no censoring; a patient whose group changes
  # leaves the old curve there and enters the new one), and a curve's n counts its patients.
  if (!is.null(sp$idcol)) d$id <- raw[[sp$idcol]][rows]
  sfit <- function(fo, data, ...) if (!is.null(sp$idcol)) survfit(fo, data = data, id = id, ...) else survfit(fo, data = data, ...)
  # Split intervals and curves not by the exposure (here: one overall curve): a patient's
  # intervals continue, so the curve is that of the unsplit rows.
  resp_c <- resp
  if (!is.null(sp$tv) && is.null(g)) {
    d <- data.frame(time = pre_time, status = pre_status, w = 1, g = factor(rep("all", length(pre_time))))
    resp_c <- "Surv(time, status == 1)"
  }
  if (!is.null(s) && nrow(d) == sum(rows)) d$s <- factor(s[rows])

  if (!competing && nrow(d) > 0) {
    fit <- if (sampling) survfit(as.formula(paste(resp_c, "~ g")), data = d, conf.type = sp$conf_type, weights = w, robust = TRUE)
           else sfit(as.formula(paste(resp_c, "~ g")), d, conf.type = sp$conf_type)
    tab <- summary(fit, rmean = if (is.null(sp$rmst_tau)) "none" else sp$rmst_tau)$table
    if (is.null(dim(tab))) tab <- t(as.matrix(tab))
    strata_of <- if (is.null(fit$strata)) rep(1, length(fit$time)) else rep(seq_along(fit$strata), fit$strata)
    km <- list()
    for (k in seq_along(levels(d$g))) {
      lv <- levels(d$g)[k]
      if (!any(d$g == lv)) next
      ii <- which(strata_of == which(levels(droplevels(d$g)) == lv))
      src <- fit
      row <- tab[which(levels(droplevels(d$g)) == lv), ]
      # Start-stop rows with an id: each curve from its own rows, a patient's run of intervals in
      # it ending where the next interval is in another group (the contract: censored from the
      # old curve at the change). survfit's `id` over all groups at once flags only a patient's
      # last interval overall, and its censoring counts then depend on the order of the rows
      # (survival 3.5). Only times with an event or censoring are steps (a time where intervals
      # only end and go on is none).
      if (!is.null(sp$idcol)) {
        src <- sfit(as.formula(paste(resp_c, "~ 1")), d[d$g == lv, , drop = FALSE], conf.type = sp$conf_type)
        ii <- which(src$n.event + src$n.censor > 0)
        row <- summary(src)$table
      }
      steps <- lapply(ii, function(j) list(time = src$time[j], n_risk = src$n.risk[j], n_event = src$n.event[j],
        n_censor = src$n.censor[j], surv = src$surv[j], std_err = if (isFALSE(src$logse)) src$std.err[j] else src$surv[j] * src$std.err[j],
        lower = src$lower[j], upper = src$upper[j], cumhaz = src$cumhaz[j], std_cumhaz = src$std.chaz[j]))
      one <- list(group = if (is.null(g)) NA_character_ else lv, n = if (is.null(sp$idcol)) sum(d$g == lv) else length(unique(d$id[d$g == lv])), events = sum(d$status[d$g == lv] == 1),
                  median = num(row["median"]), median_lower = num(row["0.95LCL"]), median_upper = num(row["0.95UCL"]), steps = steps)
      if (length(sp$times)) {
        dl <- d[d$g == lv, ]
        sub1 <- if (sampling) survfit(as.formula(paste(resp_c, "~ 1")), data = dl, conf.type = sp$conf_type, weights = w, robust = TRUE)
                else sfit(as.formula(paste(resp_c, "~ 1")), dl, conf.type = sp$conf_type)
        sm <- summary(sub1, times = sp$times, extend = TRUE)
        one$at <- lapply(seq_along(sm$time), function(j) list(time = sm$time[j], n_risk = sm$n.risk[j], surv = sm$surv[j],
          std_err = sm$std.err[j], lower = sm$lower[j], upper = sm$upper[j]))
      }
      if (!is.null(sp$rmst_tau)) {
        one$rmst <- if (sampling) weighted_rmst(as.formula(paste(resp_c, "~ 1")), d[d$g == lv, , drop = FALSE], sp$rmst_tau)
                    else list(tau = sp$rmst_tau, estimate = num(row["rmean"]), std_err = num(row["se(rmean)"]))
      }
      km[[length(km) + 1]] <- one
    }
    exp$km <- km
    # RMST differences, automatic with a group and rmst_tau: each pair in level order, b − a.
    if (!is.null(sp$rmst_tau) && !is.null(g) && length(km) >= 2) {
      rd <- list()
      for (i in seq_along(km)) for (j in seq_along(km)) if (i < j) {
        a <- km[[i]]$rmst; b <- km[[j]]$rmst
        dif <- b$estimate - a$estimate; se <- sqrt(a$std_err^2 + b$std_err^2)
        # Two curves that both stay at 1 up to tau: each RMST is tau (R's rmean to rounding,
        # 1e-14 apart) with standard error 0, so the difference is 0 and its z is 0/0 (p undefined).
        if (isTRUE(se == 0 && abs(dif) < 1e-9 * sp$rmst_tau)) dif <- 0
        rd[[length(rd) + 1]] <- list(a = km[[i]]$group, b = km[[j]]$group, diff = dif, se = se,
          lower = dif - qnorm(0.975) * se, upper = dif + qnorm(0.975) * se, p = 2 * pnorm(-abs(dif / se)))
      }
      exp$rmst_diff <- rd
    }
    # Sampling weights: no log-rank (the contract's null).
    if (sampling && !is.null(g)) exp["logrank"] <- list(NULL)
    if (!sampling && !is.null(g) && length(unique(d$g)) >= 2) {
      lr <- function(dd) {
        # With entry: the score test of the Cox model of the groups (Breslow ties).
        if (!is.null(ent)) {
          r <- warned(coxph(as.formula(paste(resp, "~ g", if (!is.null(s)) "+ strata(s)")), dd, ties = "breslow"))
          f <- r$value; w <- r$warnings
          if (is.null(f)) return(list(chisq = NA_real_, p = NA_real_))
          # A fit that ran out of iterations or has a coefficient running off: the statistic (at
          # beta = 0) is the data's, its df (R's coefficients not NA where it stopped) is not.
          if (length(w) && f$score > 0) return(list(chisq = unname(f$score)))
          sc <- summary(f)$sctest
          # No coefficient to test (one group with events): R's chisq 0 on 0 df, the contract's null.
          if (sc[["df"]] < 1) return(list(chisq = NA_real_, df = 0, p = NA_real_))
          return(list(chisq = sc[["test"]], df = sc[["df"]], p = sc[["pvalue"]]))
        }
        f <- tryCatch(suppressWarnings(if (is.null(s)) survdiff(Surv(time, status == 1) ~ g, dd, rho = sp$rho) else survdiff(Surv(time, status == 1) ~ g + strata(s), dd, rho = sp$rho)), error = function(e) NULL)
        if (is.null(f)) return(list(chisq = NA_real_, p = NA_real_))
        # A variance that is zero but for rounding (no stratum with two groups at risk together:
        # R stops when it is exactly 0, and with rho = 1 gives chisq 0 from 1e-16): the null.
        if (max(abs(f$var)) < 1e-10) return(list(chisq = NA_real_, p = NA_real_))
        e <- if (is.matrix(f$exp)) rowSums(f$exp) else f$exp
        df <- sum(e > 0) - 1
        if (df < 1) return(list(chisq = NA_real_, df = 0, p = NA_real_))
        list(chisq = f$chisq, df = df, p = pchisq(f$chisq, df, lower.tail = FALSE))
      }
      exp$logrank <- lr(d)
      if (sp$pairwise) {
        lv <- levels(d$g); pw <- list()
        for (a in seq_along(lv)) for (b in seq_along(lv)) if (a < b) {
          dd <- d[d$g %in% lv[c(a, b)], ]; dd$g <- droplevels(dd$g)
          r <- if (nlevels(dd$g) == 2) lr(dd) else list(chisq = NA_real_, p = NA_real_)
          pw[[length(pw) + 1]] <- c(list(a = lv[a], b = lv[b], chisq = r$chisq), if (!is.null(r$p) || is.null(r$chisq)) list(p = r$p))
        }
        # (A pair compared by its statistic only, see `lr`, leaves Holm's adjustment uncompared.)
        ps <- vapply(pw, function(x) if (is.null(x$p)) NA_real_ else x$p, 0)
        if (!any(vapply(pw, function(x) is.null(x$p), TRUE))) {
          adj <- p.adjust(ps, "holm")
          for (i in seq_along(pw)) pw[[i]]$p_adjusted <- adj[i]
        }
        exp$pairwise <- pw
      }
    }
  }

  # ---- subgroups (`gen.py --adjusted`): the group's hazard ratio within each level of a column
  # (the curves' rows with the column present; stratified as the spec), and the likelihood-ratio
  # test of group × column. A level where the ratio does not exist (one arm only, no events, R
  # warning of an infinite coefficient) is compared by its counts only; an interaction test
  # whose model loses a term (an arm missing at some level) is not compared.
  if (!competing && length(sp$subgroups) && !is.null(g) && nlevels(droplevels(d$g)) == 2 && nrow(d) == sum(rows)) {
    quiet <- function(expr) { r <- warned(expr); if (length(r$warnings)) NULL else r$value }
    st <- if ("s" %in% names(d)) " + strata(s)" else ""
    sgs <- list(); its <- list()
    for (cname in sp$subgroups) {
      cv <- raw[[cname]][rows]
      lv <- level_order(cv)
      for (l in lv) {
        dd <- d[!is.na(cv) & cv == l, , drop = FALSE]
        e <- list(column = cname, level = l, n = nrow(dd), events = sum(dd$status == 1))
        f <- if (e$events > 0 && length(unique(dd$g)) == 2) quiet(coxph(as.formula(paste(resp, "~ g", st)), dd, ties = sp$ties)) else NULL
        if (!is.null(f) && !is.na(coef(f)[1]) && f$loglik[2] < -1e-8) {
          ci <- summary(f)$conf.int
          e$hr <- ci[1, "exp(coef)"]; e$lower <- ci[1, "lower .95"]; e$upper <- ci[1, "upper .95"]
        }
        sgs[[length(sgs) + 1]] <- e
      }
      dd <- d[!is.na(cv), , drop = FALSE]
      dd$c <- factor(cv[!is.na(cv)], levels = lv)
      if (length(lv) >= 2 && any(dd$status == 1)) {
        f1 <- quiet(coxph(as.formula(paste(resp, "~ g + c", st)), dd, ties = sp$ties))
        f2 <- quiet(coxph(as.formula(paste(resp, "~ g * c", st)), dd, ties = sp$ties))
        if (!is.null(f1) && !is.null(f2) && !any(is.na(coef(f1))) && !any(is.na(coef(f2)))) {
          chisq <- 2 * (f2$loglik[2] - f1$loglik[2]); df <- length(coef(f2)) - length(coef(f1))
          its[[length(its) + 1]] <- list(column = cname, chisq = chisq, df = df, p = pchisq(chisq, df, lower.tail = FALSE))
        }
      }
    }
    exp$subgroups <- sgs
    if (length(its)) exp$interaction <- its
  }

  # ---- models: complete cases of their own terms ---------------------------------------------
  covs <- sp$covariates
  refused <- FALSE
  if (length(covs)) {
    cl <- if (!is.null(sp$cluster)) raw[[sp$cluster]] else NULL
    mrows <- ok & complete.cases(design(raw, covs, sp$categorical)) & (if (!competing && !is.null(s)) !is.na(s) else TRUE) & (if (!competing && !is.null(cl)) !is.na(cl) else TRUE)
    X <- design(raw, covs, sp$categorical, mrows, sp$interactions)
    refused <- isTRUE(attr(X, "refused"))
    Xm <- as.matrix(X[mrows, , drop = FALSE])
    # A spline (`splines`, one column here): its natural cubic spline basis (splines::ns, R's
    # default knots over the model's rows) in place of the column, terms "C[1]".."C[k]"; the
    # model with the column entering linearly (`Xlin`) is fitted too, for the test of
    # non-linearity.
    Xlin <- NULL
    if (!is.null(sp$spline) && sp$spline$column %in% colnames(Xm)) {
      j <- match(sp$spline$column, colnames(Xm))
      nsb <- splines::ns(Xm[, j], df = sp$spline$df)
      B <- matrix(unclass(nsb), nrow = nrow(Xm)); colnames(B) <- paste0(sp$spline$column, "[", seq_len(ncol(B)), "]")
      Xlin <- Xm
      Xm <- cbind(Xm[, seq_len(j - 1), drop = FALSE], B, Xm[, -seq_len(j), drop = FALSE])
    }
    md <- data.frame(time = time[mrows], status = status[mrows])
    if (!is.null(ent)) md$entry <- ent[mrows]
    if (sampling) md$w <- wts[mrows]
    # The Cox model of the columns of `Xm` on the model's rows; its warnings in `w`.
    w <- character()
    fit_on <- function(Xm) {
      r <- warned({
        if (!is.null(s)) md$s <- s[mrows]
        if (!is.null(cl)) md$cl <- cl[mrows]
        for (j in seq_len(ncol(Xm))) md[[paste0("v", j)]] <- Xm[, j]
        rhs <- paste(c(paste0("v", seq_len(ncol(Xm))), if (!is.null(s)) "strata(s)"), collapse = " + ")
        fo <- as.formula(paste(resp, "~", rhs))
        if (sampling) { if (is.null(cl)) coxph(fo, data = md, ties = sp$ties, weights = w, robust = TRUE) else coxph(fo, data = md, ties = sp$ties, weights = w, cluster = cl) }
        else if (is.null(cl)) coxph(fo, data = md, ties = sp$ties) else coxph(fo, data = md, ties = sp$ties, cluster = cl)
      })
      w <<- c(w, r$warnings)
      r$value
    }
    if (!refused && !competing && sum(md$status == 1) > 0 && ncol(Xm) > 0) {
      f <- fit_on(Xm)
      # Every coefficient NA (all constant within strata): R fits nothing estimable; we say so
      # instead of reporting a model.
      if (!is.null(f) && all(is.na(coef(f)))) f <- NULL
      # Every event alone in its risk set: the partial likelihood is 0 at every β, R returns
      # coefficients 0 with standard errors 0; there is no model to report (we say so).
      if (!is.null(f) && f$loglik[1] > -1e-8) f <- NULL
      if (!is.null(f)) {
        sm <- summary(f)
        co <- sm$coefficients; ci <- sm$conf.int
        inf <- integer()
        m <- regmatches(w, regexpr("variable +[0-9,]+", w))
        if (length(m)) inf <- as.integer(strsplit(sub("variable +", "", m), ",")[[1]])
        unsettled <- length(inf) > 0 || any(grepl("Ran out|infinite", w))
        terms <- list(); cn <- colnames(Xm); rn <- rownames(co)
        # With a coefficient running off, a term R does not name but whose standard error is huge
        # (no information of its own: e.g. two levels that both have no events) is as unsettled:
        # its estimate and its robust variance (I⁻¹ of that size times score residuals) depend on
        # where the iterations stopped. Its rows are compared, as for the named ones.
        mv <- if (is.null(f$naive.var)) f$var else f$naive.var   # model-based (f$var is robust with a cluster)
        vague <- if (unsettled) which(!is.na(coef(f)) & sqrt(diag(mv)) > 100) else integer()
        for (j in seq_along(cn)) {
          if (j %in% inf || j %in% vague) next
          if (any(grepl("Ran out", w))) next
          r <- match(paste0("v", j), rn)
          if (is.na(coef(f)[j])) {
            terms[[length(terms) + 1]] <- list(name = cn[j], coef = NA_real_, se = NA_real_, hr = NA_real_, lower = NA_real_, upper = NA_real_, z = NA_real_, p = NA_real_)
            next
          }
          t1 <- list(name = cn[j], coef = co[r, "coef"], se = co[r, "se(coef)"], hr = co[r, "exp(coef)"],
                     lower = ci[r, "lower .95"], upper = ci[r, "upper .95"], z = co[r, "z"], p = co[r, "Pr(>|z|)"])
          if (!is.null(cl) || sampling) t1$robust_se <- co[r, "robust se"]
          terms[[length(terms) + 1]] <- t1
        }
        # Out of iterations: where R stopped (and which terms it then finds singular) is its
        # artefact; compare the rows only.
        # So is a perfect fit (log-likelihood 0 within rounding: events fully separated).
        # So is a coefficient set to NA in a fit with a coefficient running off: its information
        # vanished at the last iterate, i.e. it is rounding error (0 or 1e-22) whether R, or we,
        # call it singular, and with it the tests' degrees of freedom.
        if (any(grepl("Ran out", w)) || f$loglik[2] > -1e-8 || (unsettled && any(is.na(coef(f))))) { exp$cox <- list(n = f$n, events = f$nevent); return_cox <- TRUE } else return_cox <- FALSE
        cx <- list(n = f$n, events = f$nevent, ties = sp$ties, loglik = I(f$loglik),
                   lr_test = list(chisq = sm$logtest[["test"]], df = sm$logtest[["df"]], p = sm$logtest[["pvalue"]]),
                   score_test = list(chisq = sm$sctest[["test"]], df = sm$sctest[["df"]], p = sm$sctest[["pvalue"]]))
        if (length(terms)) cx$terms <- terms
        # A coefficient running off: the tests' statistics are the data's, their df (the
        # coefficients R or we still count where the iterations stopped) are not.
        if (unsettled) {
          cx$lr_test <- cx$lr_test["chisq"]
          cx$score_test <- cx$score_test["chisq"]
        }
        if (!unsettled) {
          cx$wald_test <- list(chisq = sm$waldtest[["test"]], df = sm$waldtest[["df"]], p = sm$waldtest[["pvalue"]])
          cx$concordance <- list(c = sm$concordance[[1]], se = sm$concordance[[2]])
          # Coefficients 0 but for rounding (a predictor within 1e-12 of 0): R orders the pairs
          # by the rounding noise (or ties them all when its coefficients come out exactly 0);
          # we tie them all. The concordance is 0.5 either way; its standard error is compared
          # only for a real predictor.
          if (all(abs(f$linear.predictors) < 1e-12)) cx$concordance$se <- NULL
          z <- tryCatch(cox.zph(f, transform = "km", terms = FALSE)$table, error = function(e) NULL)
          cx$ph_test <- if (is.null(z)) NULL else {
            k <- nrow(z) - 1
            list(terms = lapply(seq_len(k), function(i) list(name = cn[as.integer(sub("^v", "", rownames(z)[i]))], chisq = z[i, "chisq"], df = z[i, "df"], p = z[i, "p"])),
                 global = list(chisq = z[k + 1, "chisq"], df = z[k + 1, "df"], p = z[k + 1, "p"]))
          }
          if (is.null(z)) cx["ph_test"] <- list(NULL)
        }
        if (!return_cox) exp$cox <- cx
        # The spline's test of non-linearity (likelihood ratio against the column entering
        # linearly, k − 1 df) and its curve: the hazard ratio against the column's median at 50
        # points from its 5th to its 95th percentile (type 7), CI from the model's covariance.
        # Only for a fit that settled, as for the terms.
        if (!is.null(Xlin) && !unsettled && !return_cox && !any(is.na(coef(f)))) {
          w0 <- w
          fl <- fit_on(Xlin)
          if (!is.null(fl) && length(w) == length(w0) && !any(is.na(coef(fl)))) {
            k <- sp$spline$df
            chisq <- 2 * (f$loglik[2] - fl$loglik[2])
            js <- match(paste0(sp$spline$column, "[", seq_len(k), "]"), colnames(Xm))
            cv <- Xlin[, sp$spline$column]
            q <- quantile(cv, c(0.05, 0.95), type = 7, names = FALSE)
            xs <- seq(q[1], q[2], length.out = 50)
            D <- sweep(predict(nsb, xs), 2, predict(nsb, median(cv))[1, ])
            lp <- drop(D %*% coef(f)[js]); se <- sqrt(rowSums((D %*% f$var[js, js, drop = FALSE]) * D))
            exp$spline <- list(list(column = sp$spline$column, nonlinear = list(chisq = chisq, df = k - 1, p = pchisq(chisq, k - 1, lower.tail = FALSE)),
              curve = lapply(seq_along(xs), function(i) list(x = xs[i], hr = exp(lp[i]), lower = exp(lp[i] - qnorm(0.975) * se[i]), upper = exp(lp[i] + qnorm(0.975) * se[i])))))
          }
        }
      }
    }
    if (!refused && competing && sum(md$status == 1) > 0 && ncol(Xm) > 0) {
      f <- tryCatch(suppressWarnings(crr(md$time, md$status, cov1 = Xm, failcode = 1, cencode = 0)), error = function(e) NULL)
      # A subdistribution coefficient running off (a level without events: crr stops at
      # |coef| of tens, with an arbitrary variance) is cmprsk's artefact: the rows only.
      if (!is.null(f) && isTRUE(f$converged) && any(abs(f$coef) > 15)) exp$finegray <- list(n = nrow(md))
      else if (!is.null(f) && isTRUE(f$converged)) {
        se <- sqrt(diag(f$var)); z <- f$coef / se; q <- qnorm(0.975)
        exp$finegray <- list(n = nrow(md), terms = lapply(seq_along(f$coef), function(j) list(name = colnames(Xm)[j], coef = f$coef[[j]],
          se = se[[j]], shr = exp(f$coef[[j]]), lower = exp(f$coef[[j]] - q * se[[j]]), upper = exp(f$coef[[j]] + q * se[[j]]),
          z = z[[j]], p = 2 * pnorm(-abs(z[[j]])))))
      }
    }
  }
  # ---- direct adjustment (`gen.py --adjusted`): the Cox model of group (a factor) + covariates
  # on its complete cases, then per group level the mean over those rows of the predicted curve
  # with the group set to that level (survfit.coxph: the model's own baseline), at every time of
  # the model's rows, and at the spec's times up to the last. Not compared where the model
  # warns or loses a term.
  if (!competing && identical(sp$adjusted, "direct") && !is.null(g) && is.null(s) && length(covs)) {
    acovs <- setdiff(covs, sp$group)
    arows <- rows & complete.cases(design(raw, acovs, sp$categorical))
    X <- design(raw, acovs, sp$categorical, arows)
    alev <- level_order(g[arows])
    if (!isTRUE(attr(X, "refused")) && length(alev) >= 2 && sum(status[arows] == 1) > 0) {
      Xa <- as.matrix(X[arows, , drop = FALSE])
      ad <- data.frame(time = time[arows], status = status[arows], g = factor(g[arows], levels = alev))
      if (!is.null(ent)) ad$entry <- ent[arows]
      for (j in seq_len(ncol(Xa))) ad[[paste0("v", j)]] <- Xa[, j]
      fo <- as.formula(paste(resp, "~", paste(c("g", paste0("v", seq_len(ncol(Xa)))), collapse = " + ")))
      r <- warned(coxph(fo, ad, ties = sp$ties))
      f <- r$value; w <- r$warnings
      if (!is.null(f) && !length(w) && !any(is.na(coef(f))) && f$loglik[2] < -1e-8) {
        at <- sp$times[sp$times <= max(survfit(f, newdata = ad[1, , drop = FALSE])$time)]
        # R's own closed form of each row's curve, exp(-H0(t) exp(eta)) from its uncentred
        # baseline and linear predictor, which survfit's newdata curves equal but for rounding;
        # with extreme coefficients (|eta| near 30) survfit gave 0 where this gives 0.35 (seed
        # 9201, cohort 130). Then the closed form is compared, and no band (its differences
        # would be survfit's).
        h0 <- basehaz(f, centered = FALSE)
        curves <- lapply(alev, function(l) {
          nd <- ad; nd$g <- factor(rep(l, nrow(ad)), levels = alev)
          sf <- survfit(f, newdata = nd)
          m <- rowMeans(matrix(sf$surv, nrow = length(sf$time)))
          eta <- predict(f, newdata = nd, type = "lp", reference = "zero")
          closed <- rowMeans(exp(-outer(h0$hazard[match(sf$time, h0$time)], exp(eta))))
          list(time = sf$time, m = m, closed = closed)
        })
        band <- NULL
        if (any(sapply(curves, function(cv) any(abs(cv$closed - cv$m) > 1e-6)))) {
          curves <- lapply(curves, function(cv) { cv$m <- cv$closed; cv })
        } else {
          band <- adjusted_band(fo, ad, alev, at, sp$ties)
        }
        exp$adjusted <- lapply(seq_along(alev), function(k) {
          l <- alev[k]
          sf <- list(time = curves[[k]]$time)
          m <- curves[[k]]$m
          list(group = l, steps = lapply(seq_along(sf$time), function(i) list(time = sf$time[i], surv = m[i])),
               at = lapply(seq_along(at), function(j) {
                 i <- findInterval(at[j], sf$time)
                 c(list(time = at[j], surv = if (i == 0) 1 else m[i]), if (!is.null(band)) list(std_err = band[j, k]))
               }))
        })
      }
    }
  }
  if (!competing && length(sp$parametric)) {
    prow <- ok & (if (length(covs)) complete.cases(design(raw, covs, sp$categorical)) else TRUE)
    X <- if (length(covs)) design(raw, covs, sp$categorical, prow) else data.frame(row.names = seq_len(nrow(raw)))
    if (refused || isTRUE(attr(X, "refused"))) sp$parametric <- character()
    pd <- data.frame(time = time[prow], status = status[prow])
    Xp <- as.matrix(X[prow, , drop = FALSE])
    # A column with one value over the model's rows: survreg stops on it (its information is
    # singular), where we leave the term out and say so (as R's coxph reports NA): left out here.
    Xp <- Xp[, apply(Xp, 2, function(v) length(unique(v)) > 1), drop = FALSE]
    if (all(pd$time > 0) && sum(pd$status == 1) > 0) {
      par <- list()
      for (dist in sp$parametric) {
        r <- warned(if (ncol(Xp)) survreg(Surv(time, status == 1) ~ Xp, pd, dist = dist) else survreg(Surv(time, status == 1) ~ 1, pd, dist = dist))
        f <- r$value; w <- r$warnings
        if (is.null(f)) next
        # R warned (out of iterations, a coefficient running off): where it stopped is its
        # artefact; the rows used are compared.
        if (length(w)) { par[[length(par) + 1]] <- list(dist = dist, n = nrow(pd)); next }
        tb <- summary(f)$table
        nm <- c("(Intercept)", colnames(Xp))
        # A coefficient running off (no events at a level: an se above 100 on the log-time scale)
        # stops wherever the iteration does, in R as here: only the rows used are compared.
        # So does one R sets to NA although the design has full rank: its information vanished
        # where the iterations stopped (a coefficient running off), R's singular decision is
        # rounding error there (we report such a term with its warning instead).
        ran_off <- any(is.na(tb[, "Value"])) && qr(cbind(1, Xp))$rank == ncol(Xp) + 1
        # And a standard error of exactly 0 (R stopped after one step where the likelihood has no
        # maximum: all events at one time per level, the scale running off to 0).
        if (any(!is.finite(tb[, "Std. Error"])) || any(tb[, "Std. Error"] > 100) || any(tb[!is.na(tb[, "Value"]), "Std. Error"] == 0) || ran_off) {
          par[[length(par) + 1]] <- list(dist = dist, n = nrow(pd)); next
        }
        par[[length(par) + 1]] <- list(dist = dist, n = nrow(pd), terms = lapply(seq_along(nm), function(j) list(name = nm[j],
          coef = tb[j, "Value"], se = tb[j, "Std. Error"], z = tb[j, "z"], p = tb[j, "p"])), scale = f$scale, loglik = f$loglik[2],
          aic = -2 * f$loglik[2] + 2 * (length(nm) + (dist != "exponential")))
      }
      if (length(par)) exp$parametric <- par
    }
  }
  if (competing && nrow(d) > 0) {
    grp <- if (is.null(g)) rep("all", nrow(d)) else as.character(d$g)
    ci <- tryCatch(if (is.null(s)) cuminc(d$time, d$status, grp, rho = sp$rho, cencode = 0)
                   else cuminc(d$time, d$status, grp, strata = d$s, rho = sp$rho, cencode = 0), error = function(e) NULL)
    if (!is.null(ci)) {
      tests <- ci$Tests; ci$Tests <- NULL
      tp <- if (length(sp$times)) timepoints(ci, sp$times) else NULL
      out <- list()
      for (nm in names(ci)) {
        parts <- strsplit(nm, " ")[[1]]; cause <- parts[length(parts)]; lv <- paste(parts[-length(parts)], collapse = " ")
        if (!(cause %in% c("1", "2"))) next
        e <- list(group = if (is.null(g)) NA_character_ else lv, cause = if (cause == "1") "event" else "competing")
        if (!is.null(tp)) e$at <- lapply(seq_along(sp$times), function(j) list(time = sp$times[j], estimate = tp$est[nm, j], variance = tp$var[nm, j]))
        out[[length(out) + 1]] <- e
      }
      exp$cuminc <- out
      if (!is.null(g) && !is.null(tests)) {
        exp$gray_test <- lapply(intersect(rownames(tests), c("1", "2")), function(k)
          # cmprsk reports stat -1 (p 1) where the test is undefined: the contract's null.
          if (tests[k, "stat"] < 0) list(cause = if (k == "1") "event" else "competing", stat = NA_real_, p = NA_real_)
          else list(cause = if (k == "1") "event" else "competing", stat = tests[k, "stat"], df = tests[k, "df"], p = tests[k, "pv"]))
      }
    }
  }
  tcols <- arr_of(sp$txt, "table1")
  if (length(tcols) && nrow(d) > 0) {
    # Rows of the curves; numeric columns (not declared categorical) or categorical ones.
    gg <- if (is.null(g)) rep(NA_character_, nrow(d)) else as.character(d$g)
    glevels <- if (is.null(g)) NA_character_ else levels(droplevels(d$g))
    t1 <- list()
    for (v in tcols) {
      x <- raw[[v]][rows]
      numeric <- is_num_col(raw[[v]]) && !(v %in% sp$categorical)
      groups <- list(); vals <- list()
      for (lv in glevels) {
        xi <- if (is.na(lv)) x else x[gg == lv]
        nn <- sum(!is.na(xi))
        e <- list(group = lv, n = nn, missing = sum(is.na(xi)))
        if (numeric) {
          y <- as.numeric(xi[!is.na(xi)]); vals[[length(vals) + 1]] <- y
          q <- if (nn) quantile(y, c(0.25, 0.5, 0.75), type = 7, names = FALSE) else rep(NA_real_, 3)
          e <- c(e, list(mean = if (nn) mean(y) else NA_real_, sd = if (nn > 1) sd(y) else NA_real_, median = q[2], q1 = q[1], q3 = q[3],
                         min = if (nn) min(y) else NA_real_, max = if (nn) max(y) else NA_real_))
        } else {
          lvx <- level_order(x)
          e$levels <- lapply(lvx, function(l) list(level = l, count = sum(xi == l, na.rm = TRUE), percent = if (nn) 100 * sum(xi == l, na.rm = TRUE) / nn else NA_real_))
        }
        groups[[length(groups) + 1]] <- e
      }
      row <- list(variable = v, type = if (numeric) "numeric" else "categorical", groups = groups)
      if (!is.null(g)) {
        if (numeric) {
          used <- vals[vapply(vals, length, 1L) > 0]
          if (length(used) == 2 && length(unique(unlist(used))) > 1) { row$test <- "wilcoxon"; row$p <- suppressWarnings(wilcox.test(used[[1]], used[[2]], exact = FALSE, correct = TRUE)$p.value) }
          if (length(used) > 2 && length(unique(unlist(used))) > 1) { row$test <- "kruskal"; row$p <- kruskal.test(used)$p.value }
        } else {
          keep <- !is.na(x)
          tb <- table(factor(gg[keep], levels = glevels), factor(x[keep], levels = level_order(x)))
          tb <- tb[rowSums(tb) > 0, colSums(tb) > 0, drop = FALSE]
          if (nrow(tb) >= 2 && ncol(tb) >= 2) {
            ex <- outer(rowSums(tb), colSums(tb)) / sum(tb)
            if (all(ex >= 5)) { row$test <- "chisq"; row$p <- suppressWarnings(chisq.test(tb, correct = FALSE)$p.value) }
            else {
              fp <- tryCatch(fisher.test(tb, workspace = 2e7)$p.value, error = function(e) NULL)
              if (!is.null(fp)) { row$test <- "fisher"; row$p <- fp }
            }
          }
        }
      }
      t1[[length(t1) + 1]] <- row
    }
    exp$table1 <- t1
  }
  data <- paste0(name, c(".xlsx", ".parquet", ".csv"))
  data <- data[file.exists(file.path(dir, data))][1]
  paste0('{"dataset": "', name, '", "file": "', data, '", "source": "tests/random/expected.R", "cases": [{"name": "random", "spec": ',
         sp$txt, ', "expected": ', js(exp), "}]}")
}

# Rscript expected.R DIR [--resume]: each cohort's NAME.expected.json. A file NAME.r-started
# marks the cohort being computed; R itself can crash (fisher.test's FEXACT segfaulted once in a
# thousand cohorts), and then run.sh starts it again with --resume, which skips the cohorts
# done and the one that crashed (its marker is left: no expected file, not compared).
args <- commandArgs(trailingOnly = TRUE)
dir <- args[1]
resume <- "--resume" %in% args
for (f in sort(list.files(dir, pattern = "\\.spec\\.json$"))) {
  name <- sub("\\.spec\\.json$", "", f)
  mark <- file.path(dir, paste0(name, ".r-started"))
  if (resume && (file.exists(mark) || file.exists(file.path(dir, paste0(name, ".expected.json"))))) next
  file.create(mark)
  out <- tryCatch(one_case(dir, name), error = function(e) { message(name, ": ", conditionMessage(e)); NULL })
  if (!is.null(out)) writeLines(out, file.path(dir, paste0(name, ".expected.json")))
  file.remove(mark)
}
