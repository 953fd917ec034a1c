# Reference for the log-rank test for trend (cohort's `report.trend`): the score-weighted
# contrast of survdiff's observed - expected with survdiff's own variance matrix,
#   chisq = (sum s (O - E))^2 / (s' V s), 1 df,
# scores s = the group levels when numeric, else 1..k in level order (byte order of the text).
# Run from the crate root: Rscript tests/r/trend.R > tests/r/trend.expected.json
library(survival)
trend <- function(f, data, scores, rho = 0) {
  sd <- survdiff(f, data = data, rho = rho)
  u <- sum(scores * (sd$obs - sd$exp))
  v <- as.numeric(t(scores) %*% sd$var %*% scores)
  chisq <- u^2 / v
  c(chisq = chisq, p = pchisq(chisq, 1, lower.tail = FALSE))
}
lung <- read.csv("tests/reference/lung.csv")
vet <- read.csv("tests/reference/veteran.csv")
vet$celltype <- factor(vet$celltype, levels = sort(unique(vet$celltype)))
a <- trend(Surv(time, status == 2) ~ ph.ecog, lung, c(0, 1, 2, 3))
b <- trend(Surv(time, status == 1) ~ celltype, vet, 1:4)
c <- trend(Surv(time, status == 1) ~ celltype, vet, 1:4, rho = 1)
cat(sprintf('{"lung_ph.ecog": {"chisq": %.15g, "p": %.15g},\n "veteran_celltype": {"chisq": %.15g, "p": %.15g},\n "veteran_celltype_rho1": {"chisq": %.15g, "p": %.15g}}\n',
  a[1], a[2], b[1], b[2], c[1], c[2]))
