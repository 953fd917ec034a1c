# Extra Cox reference cases (combinations the contract's cases do not cover: Breslow ties with
# strata and a cluster; Efron with strata and a cluster; a three-level factor with a cluster).
# Run from the crate root: Rscript tests/r/cox_extra.R > tests/r/cox_extra.expected.json
library(survival)
num <- function(x) if (is.na(x)) "null" else formatC(x, digits = 15, format = "g")
test <- function(chisq, df, p) sprintf('{"chisq": %s, "df": %s, "p": %s}', num(chisq), num(df), num(p))
# R's coefficient names of factors ("celltypesmallcell") in the contract's form ("celltype=smallcell").
rename <- function(f, nm) {
  for (v in names(f$xlevels)) {
    for (l in f$xlevels[[v]]) nm[nm == paste0(v, l)] <- paste0(v, "=", l)
  }
  nm
}
coxjson <- function(f, zph) {
  s <- summary(f)
  rownames(s$coefficients) <- rename(f, rownames(s$coefficients))
  rownames(zph$table) <- rename(f, rownames(zph$table))
  cf <- s$coefficients
  ci <- s$conf.int
  rob <- "robust se" %in% colnames(cf)
  terms <- sapply(seq_len(nrow(cf)), function(i) {
    se <- cf[i, "se(coef)"]
    extra <- if (rob) sprintf(', "robust_se": %s', num(cf[i, "robust se"])) else ""
    sprintf('{"name": "%s", "coef": %s, "se": %s%s, "hr": %s, "lower": %s, "upper": %s, "z": %s, "p": %s}',
            rownames(cf)[i], num(cf[i, "coef"]), num(se), extra, num(ci[i, "exp(coef)"]), num(ci[i, "lower .95"]),
            num(ci[i, "upper .95"]), num(cf[i, "z"]), num(cf[i, "Pr(>|z|)"]))
  })
  zt <- zph$table
  zterms <- sapply(seq_len(nrow(zt) - 1), function(i)
    sprintf('{"name": "%s", "chisq": %s, "df": %s, "p": %s}', rownames(zt)[i], num(zt[i, 1]), num(zt[i, 2]), num(zt[i, 3])))
  g <- nrow(zt)
  sprintf(paste0('{"n": %d, "events": %d, "ties": "%s", "terms": [%s], "loglik": [%s, %s], "lr_test": %s, ',
                 '"wald_test": %s, "score_test": %s, %s"concordance": {"c": %s, "se": %s}, ',
                 '"ph_test": {"terms": [%s], "global": %s}}'),
          f$n, f$nevent, f$method, paste(terms, collapse = ", "), num(f$loglik[1]), num(f$loglik[2]),
          test(s$logtest[1], s$logtest[2], s$logtest[3]), test(s$waldtest[1], s$waldtest[2], s$waldtest[3]),
          test(s$sctest[1], s$sctest[2], s$sctest[3]),
          if (is.null(s$robscore)) "" else sprintf('"robust_score_test": %s, ', test(s$robscore[1], s$robscore[2], s$robscore[3])),
          num(f$concordance["concordance"]), num(f$concordance["std"]), paste(zterms, collapse = ", "),
          test(zt[g, 1], zt[g, 2], zt[g, 3]))
}
lung <- read.csv("tests/reference/lung.csv")
vet <- read.csv("tests/reference/veteran.csv")
cases <- list()
f1 <- coxph(Surv(time, status == 2) ~ age + ph.ecog + strata(sex), cluster = inst, ties = "breslow", data = lung)
cases[[1]] <- sprintf('{"name": "breslow_strata_cluster", "file": "lung.csv", "spec": {"time": "time", "event": {"column": "status", "event": ["2"]}, "strata": "sex", "cluster": "inst", "ties": "breslow", "covariates": ["age", "ph.ecog"]}, "expected": {"cox": %s}}',
                      coxjson(f1, cox.zph(f1, terms = FALSE)))
f2 <- coxph(Surv(time, status == 2) ~ age + wt.loss + strata(ph.ecog), cluster = inst, data = lung)
cases[[2]] <- sprintf('{"name": "efron_strata_cluster", "file": "lung.csv", "spec": {"time": "time", "event": {"column": "status", "event": ["2"]}, "strata": "ph.ecog", "cluster": "inst", "covariates": ["age", "wt.loss"]}, "expected": {"cox": %s}}',
                      coxjson(f2, cox.zph(f2, terms = FALSE)))
vet$prior <- factor(vet$prior)
f3 <- coxph(Surv(time, status) ~ celltype + karno + prior, cluster = diagtime, data = vet)
cases[[3]] <- sprintf('{"name": "factor_cluster", "file": "veteran.csv", "spec": {"time": "time", "event": {"column": "status", "event": ["1"]}, "cluster": "diagtime", "covariates": ["celltype", "karno", "prior"], "categorical": ["prior"]}, "expected": {"cox": %s}}',
                      coxjson(f3, cox.zph(f3, terms = FALSE)))
cat('{"source": "tests/r/cox_extra.R, R survival ', as.character(packageVersion("survival")), '", "cases": [\n', paste(cases, collapse = ",\n"), "\n]}\n", sep = "")
