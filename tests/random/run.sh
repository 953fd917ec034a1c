#!/usr/bin/env bash
# Randomised comparison with R: seeded messy cohorts through `cohort analyze` and through R.
#
#   tests/random/run.sh [N] [SEED] [--max-rows M] [--keep]   # N cohorts (default 200) from SEED (default 1)
#   tests/random/run.sh --ci                                  # the fixed sample CI runs (25 cohorts, < 2 min)
#   tests/random/run.sh [N] [SEED] --designs                  # each cohort with a study design (entry; frequency, sampling or propensity weights)
#   tests/random/run.sh --ci --designs                        # the fixed sample of those CI runs (25 cohorts, seed 2027)
#   tests/random/run.sh [N] [SEED] --adjusted                 # each with an adjusted comparison (subgroups, an interaction, a spline, direct adjustment)
#   tests/random/run.sh --ci --adjusted                       # the fixed sample of those CI runs (25, seed 2029)
#   tests/random/run.sh [N] [SEED] --designs --adjusted       # both (an adjusted comparison where the design is entry or frequency weights); CI: --ci --designs --adjusted (seed 2027)
#   tests/random/run.sh [N] [SEED] --intervals                # each as start-stop rows with a patient id (1-3 intervals, a group that may change)
#   tests/random/run.sh --ci --intervals                      # the fixed sample of those CI runs (25, seed 2030)
#   tests/random/run.sh [N] [SEED] --layouts                  # each file in one of gen.py's layouts (semicolons and decimal commas, tabs + CRLF + BOM, quotes + NA, text outcomes, dates, .xlsx)
#   tests/random/run.sh [N] [SEED] --parquet                  # each file a Parquet file written by DuckDB (its Python module in target/venv-duckdb, made when missing)
#   tests/random/run.sh --ci --parquet                        # the fixed sample of those CI runs (25 cohorts, seed 2028)
#
# 1. tests/random/gen.py writes N cohorts (CSV + spec) into tests/random/out/SEED/ (git-ignored);
# 2. tests/random/expected.R computes R's expected report fields for each (survival, cmprsk);
# 3. tests/tools/compare_reference.py runs the command line on each and compares field by field
#    with the contract's tolerances.
# Prints one line per cohort, the failures' differences, and the pass rate; exit 0 only when all
# pass. The command line is $COHORT_CLI, else target/release/cohort (built when missing).
# Needs Rscript with the survival and cmprsk packages (Debian: r-cran-survival, r-cran-cmprsk).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
n=200 seed=1 max_rows=3000 keep=0 ci=0 designs=() layouts=() pos=() py=python3
while (($#)); do
  case "$1" in
    --ci) n=25 seed=2026 max_rows=400 ci=1 ;;
    --max-rows) max_rows="$2"; shift ;;
    --keep) keep=1 ;;
    --designs) designs+=(--designs) ;;
    --adjusted) designs+=(--adjusted) ;;
    --intervals) designs+=(--intervals) ;;
    --layouts) layouts=(--layouts) ;;
    --parquet) layouts=(--parquet) py="$root/target/venv-duckdb/bin/python" ;;
    *) pos+=("$1") ;;
  esac
  shift
done
((ci && ${#designs[@]})) && seed=2027
[[ $ci == 1 && "${designs[*]-}" == --adjusted ]] && seed=2029
[[ $ci == 1 && "${designs[*]-}" == --intervals ]] && seed=2030
[[ $ci == 1 && "${layouts[*]-}" == --parquet ]] && seed=2028
((${#pos[@]} > 0)) && n="${pos[0]}"
((${#pos[@]} > 1)) && seed="${pos[1]}"
command -v Rscript >/dev/null || { echo "tests/random/run.sh: Rscript is needed (apt-get install r-base-core r-cran-survival r-cran-cmprsk)" >&2; exit 2; }
cli="${COHORT_CLI:-$root/target/release/cohort}"
if [[ -z "${COHORT_CLI:-}" && ! -x "$cli" ]]; then
  (cd "$root" && cargo build --release --quiet --bin cohort)
fi
out="$here/out/$seed"
rm -rf "$out"
mkdir -p "$out"
if [[ "${layouts[*]-}" == --parquet ]] && ! "$py" -c 'import duckdb' >/dev/null 2>&1; then
  echo "tests/random/run.sh: installing DuckDB from PyPI into target/venv-duckdb (python3 -m venv; pip install duckdb)"
  python3 -m venv "$root/target/venv-duckdb"
  "$py" -m pip install --quiet --disable-pip-version-check duckdb
fi
"$py" "$here/gen.py" "$out" "$n" "$seed" --max-rows "$max_rows" "${designs[@]}" "${layouts[@]}"
# (A copy: Rscript reads its script as it runs, so an edit made meanwhile would break the run.)
cp "$here/expected.R" "$out/.expected.R"
# R can crash on a cohort (a segfault in its own C code): the run goes on with the others, and
# the cohort is named (not compared).
Rscript "$out/.expected.R" "$out" || for attempt in 1 2 3 4 5 6 7 8 9 10; do
  echo "tests/random/run.sh: R crashed on $(cd "$out" && ls -- *.r-started 2>/dev/null | sed 's/\.r-started$//' | tr '\n' ' ')(left out); going on with the other cohorts"
  Rscript "$out/.expected.R" "$out" --resume && break
done
status=0
COHORT_CLI="$cli" python3 "$root/tests/tools/compare_reference.py" --show 12 "$out" | tee "$out/summary.txt" || status=$?
awk '/ passed, / { split($0, a, " "); p = a[1]; f = a[3]; printf "pass rate: %d of %d cohorts (%.1f%%), seed %s\n", p, p + f, (p + f) ? 100 * p / (p + f) : 0, "'"$seed"'" }' "$out/summary.txt"
((keep)) || [[ $status -ne 0 ]] || rm -rf "$out"
exit $status
