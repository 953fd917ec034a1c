# Time R's survival / cmprsk on the same synthetic cohort the product is benchmarked on.
# Usage: Rscript bench/bench.R FILE [FINEGRAY_MAX_ROWS]
# Prints one JSON object of milliseconds per step (same names as `cohort bench`).
suppressMessages(library(survival))
args <- commandArgs(trailingOnly = TRUE)
file <- args[1]
fg_max <- if (length(args) > 1) as.numeric(args[2]) else 200000
ms <- function(expr) { t <- proc.time()[["elapsed"]]; force(expr); (proc.time()[["elapsed"]] - t) * 1000 }
has_fread <- requireNamespace("data.table", quietly = TRUE)
read_ms <- ms(d <- if (has_fread) as.data.frame(data.table::fread(file, nThread = 1)) else read.csv(file))
read_csv_ms <- if (has_fread && nrow(d) <= 200000) ms(read.csv(file)) else NA
km_ms <- ms({ f <- survfit(Surv(time, status == 1) ~ group, data = d); s <- survdiff(Surv(time, status == 1) ~ group, data = d) })
cox_ms <- ms(coxph(Surv(time, status == 1) ~ x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10, data = d, ties = "efron"))
has_cmprsk <- requireNamespace("cmprsk", quietly = TRUE)
ci_ms <- if (has_cmprsk) ms(cmprsk::cuminc(d$time, d$status, d$group, cencode = 0)) else NA
fg_ms <- if (has_cmprsk && nrow(d) <= fg_max) ms(cmprsk::crr(d$time, d$status, as.matrix(d[, c("x1", "x2", "x3")]), failcode = 1, cencode = 0)) else NA
cat(sprintf('{"rows":%d,"reader":"%s","parse_ms":%.1f,"read_csv_ms":%s,"km_logrank_ms":%.1f,"cox_ms":%.1f,"cuminc_gray_ms":%s,"finegray_ms":%s}\n',
  nrow(d), if (has_fread) "data.table::fread" else "read.csv", read_ms,
  if (is.na(read_csv_ms)) "null" else sprintf("%.1f", read_csv_ms), km_ms, cox_ms,
  if (is.na(ci_ms)) "null" else sprintf("%.1f", ci_ms), if (is.na(fg_ms)) "null" else sprintf("%.1f", fg_ms)))
