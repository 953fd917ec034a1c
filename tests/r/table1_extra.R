# Extra R references for the Table 1 tests (tests/table1_reference.rs).
# Run from the crate root:  Rscript tests/r/table1_extra.R > tests/r/table1_extra.json
# R 4.2; base R only (stats). Matrices are written row by row.
num <- function(x) sprintf("%.17g", x)
vec <- function(x) paste0("[", paste(num(x), collapse = ", "), "]")
mat <- function(m) paste0("[", paste(apply(m, 1, vec), collapse = ", "), "]")

fisher_cases <- list(
  "2x2"            = matrix(c(3, 1, 1, 3), 2, byrow = TRUE),
  "2x2 zero cell"  = matrix(c(0, 7, 5, 2), 2, byrow = TRUE),
  "2x2 tea"        = matrix(c(10, 2, 3, 15), 2, byrow = TRUE),
  "2x3"            = matrix(c(1, 5, 9, 8, 4, 2), 2, byrow = TRUE),
  "2x3 sparse"     = matrix(c(0, 0, 4, 3, 1, 0), 2, byrow = TRUE),
  "3x2"            = matrix(c(12, 3, 7, 7, 2, 9), 3, byrow = TRUE),
  "3x3 sparse"     = matrix(c(4, 0, 1, 0, 3, 0, 2, 1, 5), 3, byrow = TRUE),
  "3x4"            = matrix(c(5, 2, 0, 3, 1, 4, 6, 2, 0, 3, 2, 7), 3, byrow = TRUE),
  "3x4 zeros"      = matrix(c(0, 0, 3, 1, 2, 0, 0, 4, 1, 5, 0, 0), 3, byrow = TRUE),
  "4x2 ecog"       = matrix(c(36, 27, 71, 42, 29, 21, 1, 0), 4, byrow = TRUE),
  "2x5 rare"       = matrix(c(20, 15, 3, 1, 0, 18, 22, 0, 2, 1), 2, byrow = TRUE),
  "4x4 n200"       = matrix(c(20, 15, 10, 15, 25, 30, 12, 13, 12, 14, 8, 16, 3, 1, 2, 4), 4, byrow = TRUE),
  "5x3 small p"    = matrix(c(9, 0, 1, 1, 8, 0, 0, 1, 7, 2, 2, 2, 0, 0, 5), 5, byrow = TRUE)
)
wilcox_cases <- list(
  list(x = c(1, 2, 2, 3, 5, 5, 5, 8), y = c(2, 4, 5, 6, 6, 9, 10)),
  list(x = c(0, 0, 0, 1, 1, 2), y = c(0, 1, 1, 1, 2, 2, 2, 3)),
  list(x = c(3.1, 4.7, 2.2, 5.9, 4.7), y = c(6.3, 7.1, 4.7, 8.0, 6.3, 9.4))
)
kruskal_cases <- list(
  list(c(1, 2, 2, 3, 5), c(2, 4, 4, 6), c(5, 5, 7, 8, 8, 9)),
  list(c(0, 0, 1), c(0, 1, 1, 1), c(1, 2, 2), c(2, 2, 3, 3)),
  list(c(10.5, 12.1, 9.8), c(11.0, 12.1, 13.4, 12.9), c(8.7, 9.8, 10.0))
)
chisq_cases <- list(
  "3x2" = matrix(c(30, 20, 25, 25, 15, 35), 3, byrow = TRUE)
)

cat("{\n  \"fisher\": [\n")
cat(paste(sapply(names(fisher_cases), function(nm) {
  m <- fisher_cases[[nm]]
  p <- fisher.test(m, workspace = 2e8)$p.value
  sprintf("    {\"name\": \"%s\", \"table\": %s, \"p\": %s}", nm, mat(m), num(p))
}), collapse = ",\n"))
cat("\n  ],\n  \"wilcoxon\": [\n")
cat(paste(sapply(wilcox_cases, function(cs) {
  p <- suppressWarnings(wilcox.test(cs$x, cs$y, exact = FALSE, correct = TRUE)$p.value)
  sprintf("    {\"x\": %s, \"y\": %s, \"p\": %s}", vec(cs$x), vec(cs$y), num(p))
}), collapse = ",\n"))
cat("\n  ],\n  \"kruskal\": [\n")
cat(paste(sapply(kruskal_cases, function(gs) {
  p <- kruskal.test(gs)$p.value
  sprintf("    {\"groups\": [%s], \"p\": %s}", paste(sapply(gs, vec), collapse = ", "), num(p))
}), collapse = ",\n"))
cat("\n  ],\n  \"chisq\": [\n")
cat(paste(sapply(names(chisq_cases), function(nm) {
  m <- chisq_cases[[nm]]
  p <- chisq.test(m, correct = FALSE)$p.value
  sprintf("    {\"name\": \"%s\", \"table\": %s, \"p\": %s}", nm, mat(m), num(p))
}), collapse = ",\n"))
cat("\n  ]\n}\n")
