#!/usr/bin/env bash
# prop-json: the full report JSON of propensity-weighted and sampling-weighted specs from two
# `cohort` CLIs, compared byte for byte (issue 18's speed work keeps every result identical).
#   scripts/prop-json.sh CLI_A CLI_B [OUT_DIR=/tmp/prop-json]
# Specs: the bench's 100k-row file (bench/out/synth-100000.csv: ATE stabilised x1..x3 as the
# bench; ATT x1..x5; ATE with covariates and a cluster; Breslow with strata; with an RMST), and the
# reference's designs lung (sampling weights; propensity of sex, Breslow, RMST; with a cluster) and
# veteran (ATE / ATT; with a cluster). Prints one line per spec and exits 1 on any difference.
set -uo pipefail
cd "$(dirname "$0")/.."
a="$1"; b="$2"; out="${3:-/tmp/prop-json}"
mkdir -p "$out"
big=bench/out/synth-100000.csv
lung=/work/shared/reference/designs/designs_lung.csv
vet=/work/shared/reference/designs/designs_veteran.csv
ev='"event":{"column":"status","event":["1"],"censored":["0","2"]}'
specs=(
  "$big|{\"time\":\"time\",$ev,\"group\":\"trt\",\"propensity\":{\"treatment\":\"trt\",\"covariates\":[\"x1\",\"x2\",\"x3\"],\"estimand\":\"ATE\",\"stabilize\":true}}"
  "$big|{\"time\":\"time\",$ev,\"group\":\"trt\",\"times\":[365,730],\"propensity\":{\"treatment\":\"trt\",\"covariates\":[\"x1\",\"x2\",\"x3\",\"x4\",\"x5\"],\"estimand\":\"ATT\",\"stabilize\":false}}"
  "$big|{\"time\":\"time\",$ev,\"group\":\"trt\",\"covariates\":[\"x4\",\"x6\"],\"cluster\":\"group\",\"propensity\":{\"treatment\":\"trt\",\"covariates\":[\"x1\",\"x2\",\"x3\"],\"estimand\":\"ATE\",\"stabilize\":true}}"
  "$big|{\"time\":\"time\",$ev,\"group\":\"trt\",\"ties\":\"breslow\",\"strata\":\"group\",\"propensity\":{\"treatment\":\"trt\",\"covariates\":[\"x1\",\"x2\",\"x3\"],\"estimand\":\"ATE\",\"stabilize\":false}}"
  "$big|{\"time\":\"time\",$ev,\"group\":\"trt\",\"rmst_tau\":730,\"propensity\":{\"treatment\":\"trt\",\"covariates\":[\"x1\",\"x2\"],\"estimand\":\"ATE\",\"stabilize\":true}}"
  "$lung|{\"time\":\"time\",\"event\":{\"column\":\"status\",\"event\":[\"2\"]},\"group\":\"sex\",\"weights\":{\"column\":\"w\",\"kind\":\"sampling\"},\"times\":[180,365],\"covariates\":[\"age\",\"sex\"],\"categorical\":[\"sex\"]}"
  "$lung|{\"time\":\"time\",\"event\":{\"column\":\"status\",\"event\":[\"2\"]},\"group\":\"sex\",\"ties\":\"breslow\",\"rmst_tau\":365,\"propensity\":{\"treatment\":\"sex\",\"covariates\":[\"age\",\"ph.ecog\"],\"estimand\":\"ATE\",\"stabilize\":true}}"
  "$lung|{\"time\":\"time\",\"event\":{\"column\":\"status\",\"event\":[\"2\"]},\"group\":\"sex\",\"cluster\":\"inst\",\"covariates\":[\"age\",\"ph.ecog\"],\"propensity\":{\"treatment\":\"sex\",\"covariates\":[\"age\",\"ph.ecog\",\"wt.loss\"],\"estimand\":\"ATT\",\"stabilize\":false}}"
  "$vet|{\"time\":\"time\",\"event\":{\"column\":\"status\",\"event\":[\"1\"]},\"group\":\"trt\",\"times\":[30,90,180],\"propensity\":{\"treatment\":\"trt\",\"covariates\":[\"karno\",\"age\",\"celltype\"],\"estimand\":\"ATE\",\"stabilize\":true}}"
  "$vet|{\"time\":\"time\",\"event\":{\"column\":\"status\",\"event\":[\"1\"]},\"group\":\"trt\",\"times\":[30,90,180],\"propensity\":{\"treatment\":\"trt\",\"covariates\":[\"karno\",\"age\",\"celltype\"],\"estimand\":\"ATT\",\"stabilize\":false}}"
  "$vet|{\"time\":\"time\",\"event\":{\"column\":\"status\",\"event\":[\"1\"]},\"group\":\"trt\",\"covariates\":[\"karno\",\"prior\"],\"cluster\":\"celltype\",\"propensity\":{\"treatment\":\"trt\",\"covariates\":[\"karno\",\"age\"],\"estimand\":\"ATE\",\"stabilize\":true}}"
)
fail=0
for k in "${!specs[@]}"; do
  file="${specs[$k]%%|*}"; spec="${specs[$k]#*|}"
  "$a" analyze "$file" --spec "$spec" >"$out/a$k.json" 2>"$out/a$k.err"
  "$b" analyze "$file" --spec "$spec" >"$out/b$k.json" 2>"$out/b$k.err"
  if cmp -s "$out/a$k.json" "$out/b$k.json" && [ -s "$out/a$k.json" ]; then
    echo "spec $k ($(basename "$file"), $(wc -c <"$out/a$k.json") bytes): identical"
  else
    echo "spec $k ($(basename "$file")): DIFFERENT or empty"; fail=1
  fi
done
exit $fail
