# R reference values for the unit tests in src/stats/cox.rs (survival 3.5-3).
library(survival)
options(digits = 15)
# 1. Monotone likelihood: group 1 has no events.
d1 <- data.frame(time = c(1, 2, 3, 4, 5, 6, 7, 8), status = c(1, 1, 0, 1, 0, 0, 0, 0), g = c(0, 0, 0, 0, 1, 1, 1, 1), x = c(3, 1, 4, 1, 5, 9, 2, 6))
f1 <- coxph(Surv(time, status) ~ g + x, data = d1)
print(coef(f1)); print(f1$loglik); print(f1$iter)
# 2. Collinear: z = x + g.
d2 <- data.frame(time = c(5, 3, 8, 2, 9, 4, 7, 6, 1, 10), status = c(1, 0, 1, 1, 0, 1, 1, 0, 1, 1),
                 x = c(1.2, 0.5, 3.1, 2.2, 0.7, 1.9, 2.8, 0.3, 1.1, 2.5), g = c(0, 1, 0, 1, 1, 0, 1, 0, 1, 0))
d2$z <- d2$x + d2$g
f2 <- coxph(Surv(time, status) ~ x + g + z, data = d2)
print(coef(f2)); print(sqrt(diag(vcov(f2)))); print(f2$loglik)
f2b <- coxph(Surv(time, status) ~ x + g, data = d2)
print(coef(f2b)); print(f2b$loglik)
# 3. Two groups with ties: Breslow score test equals the log-rank statistic.
d3 <- data.frame(time = c(1, 1, 2, 3, 3, 3, 4, 5, 5, 6), status = c(1, 1, 1, 0, 1, 1, 1, 0, 1, 0), g = c(0, 1, 0, 1, 0, 1, 1, 0, 1, 0))
f3 <- coxph(Surv(time, status) ~ g, data = d3, ties = "breslow")
print(f3$score); print(survdiff(Surv(time, status) ~ g, data = d3)$chisq)
f3e <- coxph(Surv(time, status) ~ g, data = d3)
print(coef(f3e)); print(f3e$loglik); print(f3e$score); print(f3e$concordance); print(cox.zph(f3e)$table)
