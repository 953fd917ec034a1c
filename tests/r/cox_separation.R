# Near-separated Cox designs and what R's coxph does with them (survival 3.5-3, Efron and
# Breslow ties, coxph.control() defaults: iter.max 20, eps 1e-9). Writes
# tests/r/cox_separation.csv (one `design` column, the rows of every design) and
# tests/r/cox_separation.expected.json, read by tests/cox_separation.rs, which checks that our
# Newton iteration never accepts a step that lowers the log-likelihood and agrees with R.
#   Rscript tests/r/cox_separation.R
suppressMessages(library(survival))
# A minimal JSON writer (no jsonlite on the test machines): numbers with 17 significant digits.
js <- function(v) {
  if (is.list(v)) return(paste0("{", paste(sprintf('"%s": %s', names(v), sapply(v, js)), collapse = ", "), "}"))
  one <- length(v) == 1 && !inherits(v, "AsIs")  # I(x): always an array
  v <- if (is.character(v)) sprintf('"%s"', gsub('"', "'", v)) else if (is.logical(v)) tolower(v) else ifelse(is.na(v), "null", sprintf("%.17g", v))
  if (one) v else paste0("[", paste(v, collapse = ", "), "]")
}
set.seed(20261202)
designs <- list()
make <- function(n, small = 1, small_events = small, sep = 0, events = 0.6, early = TRUE, digits = 0) {
  # `small` patients form an arm (a = 1) with `small_events` events among them (at the
  # earliest times when `early`); `sep` is the log hazard ratio per unit of x (large: x nearly
  # orders the event times); times rounded to `digits` (0: many ties).
  a <- c(rep(1, small), rep(0, n - small))
  x <- rnorm(n)
  z <- rbinom(n, 1, 0.4)
  time <- round(rexp(n, 0.02 * exp(sep * x + 0.7 * z)) * 10, digits) / 10 + 0.1
  status <- rbinom(n, 1, events)
  status[a == 1] <- c(rep(1, small_events), rep(0, small - small_events))
  if (early && small_events > 0) time[seq_len(small_events)] <- sort(time)[seq_len(small_events)] / 2
  data.frame(time = time, status = status, a = a, x = round(x, 4), z = z)
}
specs <- list(
  list(n = 40, small = 1), list(n = 40, small = 1, small_events = 0),
  list(n = 158, small = 1), list(n = 158, small = 2, small_events = 0),
  list(n = 30, small = 3, sep = 4), list(n = 60, small = 1, sep = 8),
  list(n = 20, small = 2, small_events = 2), list(n = 80, small = 4, small_events = 0, sep = 3),
  list(n = 25, small = 1, sep = 12), list(n = 100, small = 5, small_events = 5, events = 0.2, digits = -1),
  list(n = 12, small = 1, sep = 6), list(n = 50, small = 2, small_events = 1, sep = 5),
  list(n = 40, small = 1, early = FALSE, digits = -1), list(n = 200, small = 1, sep = 2),
  list(n = 15, small = 2, small_events = 1, sep = 20), list(n = 300, small = 3, small_events = 3, sep = 1, digits = -1)
)
rows <- list(); cases <- list()
for (k in seq_along(specs)) {
  d <- do.call(make, specs[[k]])
  d$design <- k
  rows[[k]] <- d
  for (ties in c("efron", "breslow")) {
    w <- character()
    f <- withCallingHandlers(coxph(Surv(time, status) ~ a + x + z, data = d, ties = ties),
                             warning = function(e) { w <<- c(w, conditionMessage(e)); invokeRestart("muffleWarning") })
    zt <- tryCatch(cox.zph(f)$table, error = function(e) NULL)
    inf <- integer()
    m <- regmatches(w, regexpr("variable +[0-9,]+", w))
    if (length(m)) inf <- as.integer(strsplit(sub("variable +", "", m), ",")[[1]])
    cases[[length(cases) + 1]] <- list(
      design = k, ties = ties, coef = I(unname(coef(f))), se = I(unname(sqrt(diag(vcov(f))))),
      loglik = f$loglik, iter = f$iter, converged = !any(grepl("Ran out", w)),
      infinite = I(c("a", "x", "z")[inf]), warnings = I(w),
      zph_stops = is.null(zt), zph_global = if (is.null(zt)) NA_real_ else zt["GLOBAL", "chisq"])
  }
}
write.csv(do.call(rbind, rows)[, c("design", "time", "status", "a", "x", "z")], "tests/r/cox_separation.csv", row.names = FALSE)
writeLines(paste0('{"source": "tests/r/cox_separation.R, R survival ', packageVersion("survival"), '", "cases": [\n',
                  paste(sapply(cases, js), collapse = ",\n"), "\n]}"), "tests/r/cox_separation.expected.json")
