# Monotone likelihood: R warns "Loglik converged before variable 2; coefficient may be infinite."
# Writes tests/r/monotone.csv and prints the values used in tests/cox_reference.rs.
library(survival)
options(digits = 15)
set.seed(1)
n <- 60
d <- data.frame(time = rexp(n), status = rbinom(n, 1, 0.7), g = rbinom(n, 1, 0.2), x = rnorm(n))
d$status[d$g == 1] <- 0
write.csv(d, "tests/r/monotone.csv", row.names = FALSE)
d <- read.csv("tests/r/monotone.csv")  # fit what the test reads
f <- coxph(Surv(time, status) ~ x + g, data = d)
print(coef(f)); print(sqrt(diag(vcov(f)))); print(f$loglik); print(f$iter)
