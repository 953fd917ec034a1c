# Cumulative incidence steps for the competing-risks figure test (tests/plot.rs).
# Rscript tests/r/plot_transplant_cuminc.R > tests/snapshots/transplant_cuminc_steps.json
library(cmprsk)
d <- read.csv("tests/reference/transplant.csv", stringsAsFactors = FALSE)
d <- d[!is.na(d$futime) & !is.na(d$event) & !is.na(d$abo), ]
st <- ifelse(d$event == "ltx", 1, ifelse(d$event == "death", 2, 0))
fit <- cuminc(d$futime, st, d$abo)
out <- list()
for (nm in names(fit)[names(fit) != "Tests"]) {
  x <- fit[[nm]]
  parts <- strsplit(nm, " ")[[1]]
  # cuminc lists each jump twice (before, after): keep the last value at each time.
  keep <- !duplicated(x$time, fromLast = TRUE) & x$time > 0
  out[[length(out) + 1]] <- list(group = parts[1], cause = if (parts[2] == "1") "event" else "competing",
    time = x$time[keep], estimate = x$est[keep], variance = x$var[keep])
}
tests <- fit$Tests
gray <- lapply(1:2, function(i) list(cause = if (i == 1) "event" else "competing", stat = tests[i, "stat"], p = tests[i, "pv"], df = tests[i, "df"]))
num <- function(v) paste0("[", paste(ifelse(is.na(v), "null", formatC(v, digits = 15, format = "g")), collapse = ","), "]")
curves <- sapply(out, function(c) sprintf('{"group":"%s","cause":"%s","time":%s,"estimate":%s,"variance":%s}',
  c$group, c$cause, num(c$time), num(c$estimate), num(c$variance)))
grays <- sapply(gray, function(g) sprintf('{"cause":"%s","stat":%s,"df":%s,"p":%s}',
  g$cause, formatC(g$stat, digits = 15, format = "g"), g$df, formatC(g$p, digits = 15, format = "g")))
cat(sprintf('{"curves":[%s],"gray":[%s]}\n', paste(curves, collapse = ","), paste(grays, collapse = ",")))
