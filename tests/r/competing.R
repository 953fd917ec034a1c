# Reference values for tests/competing_reference.rs (own_r_reference_matches_cmprsk).
# Run from the crate root:  Rscript tests/r/competing.R
# Writes tests/r/competing.csv (synthetic, heavily tied data) and tests/r/competing.expected.json.
# R 4.2, cmprsk 2.2-11, survival 3.5-3.
suppressMessages({library(cmprsk); library(survival)})

## ---- synthetic data: 3 groups, integer times (many ties), times 0, a group without competing events
set.seed(20240611)
n <- 300
g <- sample(c("A", "B", "C"), n, replace = TRUE, prob = c(0.4, 0.35, 0.25))
s <- sample(c("s1", "s2"), n, replace = TRUE)
x1 <- round(rnorm(n), 2)
x2 <- sample(c("lo", "mid", "hi"), n, replace = TRUE)
lp <- 0.5 * x1 + ifelse(x2 == "hi", 0.6, ifelse(x2 == "mid", 0.3, 0)) + ifelse(g == "B", 0.4, 0)
t <- ceiling(rexp(n, 0.15 * exp(lp)))
t[sample(n, 4)] <- 0
u <- runif(n)
outcome <- ifelse(u < 0.45, "relapse", ifelse(u < 0.7, "death", "alive"))
outcome[g == "C" & outcome == "death"] <- "alive"      # group C: no competing events
d <- data.frame(t = t, outcome = outcome, g = g, s = s, x1 = x1, x2 = x2)
write.csv(d, "tests/r/competing.csv", row.names = FALSE)
d <- read.csv("tests/r/competing.csv")
tp <- read.csv("tests/reference/transplant.csv")

## ---- JSON writer (no jsonlite here)
num <- function(x) ifelse(is.na(x), "null", sprintf("%.17g", x))
str_ <- function(x) if (is.null(x) || is.na(x)) "null" else paste0('"', x, '"')
obj <- function(...) { a <- list(...); paste0("{", paste0('"', names(a), '": ', unlist(a), collapse = ", "), "}") }
arr <- function(v) paste0("[", paste(v, collapse = ", "), "]")

# cuminc curves for one case: steps (time 0, each cause time, last follow-up) and `at`.
curves <- function(ftime, fstatus, group, times, grouped) {
  ci <- if (grouped) cuminc(ftime, fstatus, group) else cuminc(ftime, fstatus)
  tp <- timepoints(ci, times)
  cur <- ci[names(ci) != "Tests"]
  out <- character(0)
  for (nm in names(cur)) {
    parts <- strsplit(nm, " ")[[1]]
    cause <- if (parts[2] == "1") "event" else "competing"
    x <- cur[[nm]]
    k <- length(x$time)
    idx <- if (k >= 3) c(1, seq(3, k, by = 2)) else 1
    if (k %% 2 == 0 && x$time[k] > x$time[k - 1]) idx <- c(idx, k)
    steps <- arr(sprintf('{"time": %s, "estimate": %s, "variance": %s}', num(x$time[idx]), num(x$est[idx]), num(x$var[idx])))
    at <- arr(sprintf('{"time": %s, "estimate": %s, "variance": %s}', num(times), num(tp$est[nm, ]), num(tp$var[nm, ])))
    out <- c(out, obj(group = if (grouped) str_(parts[1]) else "null", cause = str_(cause), steps = steps, at = at))
  }
  list(curves = arr(out), ci = ci)
}
gray <- function(ci) {
  tt <- ci$Tests
  arr(sprintf('{"cause": "%s", "stat": %s, "df": %s, "p": %s}',
              ifelse(rownames(tt) == "1", "event", "competing"), num(tt[, "stat"]), num(tt[, "df"]), num(tt[, "pv"])))
}
finegray <- function(ftime, fstatus, cov) {
  f <- crr(ftime, fstatus, cov, failcode = 1, cencode = 0)
  stopifnot(f$converged)
  se <- sqrt(diag(f$var)); z <- f$coef / se; q <- qnorm(0.975)
  terms <- arr(sprintf('{"name": "%s", "coef": %s, "se": %s, "shr": %s, "lower": %s, "upper": %s, "z": %s, "p": %s}',
                       colnames(cov), num(f$coef), num(se), num(exp(f$coef)), num(exp(f$coef - q * se)),
                       num(exp(f$coef + q * se)), num(z), num(2 * (1 - pnorm(abs(z))))))
  obj(n = f$n, events = sum(fstatus[complete.cases(cov)] == 1), terms = terms)
}
code <- function(outcome, ev, comp) ifelse(outcome == ev, 1, ifelse(outcome == comp, 2, 0))

cases <- character(0)
times_syn <- c(0, 2, 5, 10, 1000)
st <- code(d$outcome, "relapse", "death")

# 1. grouped, ties, times 0, a group without competing events, a landmark beyond follow-up;
#    crr(t, status, cbind(x1, x2=lo, x2=mid)) (x2's reference level "hi", the first in byte order)
cv <- cbind(x1 = d$x1, "x2=lo" = as.numeric(d$x2 == "lo"), "x2=mid" = as.numeric(d$x2 == "mid"))
r <- curves(d$t, st, d$g, times_syn, TRUE)
cases <- c(cases, obj(name = str_("synthetic_grouped"),
  spec = '{"time": "t", "event": {"column": "outcome", "event": ["relapse"], "competing": ["death"]}, "group": "g", "times": [0, 2, 5, 10, 1000], "covariates": ["x1", "x2"]}',
  expected = obj(n = nrow(d), events = sum(st == 1), cuminc = r$curves, gray_test = gray(r$ci),
                 finegray = finegray(d$t, st, cv))))

# 2. Gray's test stratified: cuminc(t, status, g, strata = s)
ci <- cuminc(d$t, st, d$g, strata = d$s)
cases <- c(cases, obj(name = str_("synthetic_strata"),
  spec = '{"time": "t", "event": {"column": "outcome", "event": ["relapse"], "competing": ["death"]}, "group": "g", "strata": "s"}',
  expected = obj(n = nrow(d), gray_test = gray(ci))))

# 3. Gray's test with rho = 1: cuminc(t, status, g, rho = 1)
ci <- cuminc(d$t, st, d$g, rho = 1)
cases <- c(cases, obj(name = str_("synthetic_rho1"),
  spec = '{"time": "t", "event": {"column": "outcome", "event": ["relapse"], "competing": ["death"]}, "group": "g", "rho": 1}',
  expected = obj(n = nrow(d), gray_test = gray(ci))))

# 4. transplant, ungrouped ('withdraw' and 'censored' are censored); crr on age + sex + year
#    (age missing on 18 rows: crr drops them); a landmark beyond follow-up (3000).
stp <- code(tp$event, "ltx", "death")
times_tp <- c(0, 30, 365, 2055, 3000)
r <- curves(tp$futime, stp, NULL, times_tp, FALSE)
cvt <- cbind(age = tp$age, "sex=m" = as.numeric(tp$sex == "m"), year = tp$year - 1990)  # see case 5 on year - 1990
cases <- c(cases, obj(name = str_("transplant_ungrouped"), file = str_("../reference/transplant.csv"),
  spec = '{"time": "futime", "event": {"column": "event", "event": ["ltx"], "competing": ["death"]}, "times": [0, 30, 365, 2055, 3000], "covariates": ["age", "sex", "year"]}',
  expected = obj(n = nrow(tp), events = sum(stp == 1), cuminc = r$curves, finegray = finegray(tp$futime, stp, cvt))))

# 5. transplant: competing = death or withdraw (more competing events), grouped by abo, crr on year.
#    crr does not centre covariates and fails with raw year (solve(): "exactly singular"),
#    so R gets year - 1990 here and in case 4; a shift leaves coef and se unchanged.
stw <- ifelse(tp$event == "ltx", 1, ifelse(tp$event %in% c("death", "withdraw"), 2, 0))
r <- curves(tp$futime, stw, tp$abo, c(7, 100, 1000), TRUE)
cases <- c(cases, obj(name = str_("transplant_withdraw_competing"), file = str_("../reference/transplant.csv"),
  spec = '{"time": "futime", "event": {"column": "event", "event": ["ltx"], "competing": ["death", "withdraw"]}, "group": "abo", "times": [7, 100, 1000], "covariates": ["year"]}',
  expected = obj(n = nrow(tp), events = sum(stw == 1), cuminc = r$curves, gray_test = gray(r$ci),
                 finegray = finegray(tp$futime, stw, cbind(year = tp$year - 1990)))))

src <- paste0("R ", R.version$major, ".", R.version$minor, ", cmprsk ", packageVersion("cmprsk"), ", survival ", packageVersion("survival"))
writeLines(paste0('{"file": "competing.csv", "source": "', src, ' (tests/r/competing.R)", "cases": [\n', paste(cases, collapse = ",\n"), "\n]}"),
           "tests/r/competing.expected.json")
