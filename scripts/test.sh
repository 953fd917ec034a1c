#!/usr/bin/env bash
# Every test: Rust unit and integration tests, the command line against R's reference results,
# the WebAssembly build, and the browser tests (headless Debian chromium driving the built page).
# Each step runs even when an earlier one failed (except what depends on a failed build); the
# exit status is non-zero when any step failed.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

bash scripts/setup.sh --browser --r || exit 1

failed=()
step() {
  local name="$1"; shift
  echo
  echo "== $name"
  if "$@"; then return 0; fi
  failed+=("$name")
  return 1
}

if [ -f ../shared/tools/compare_reference.py ] && [ -d ../shared/reference ]; then
  tool=../shared/tools/compare_reference.py; ref=../shared/reference
else
  tool=tests/tools/compare_reference.py; ref=tests/reference
fi

step "cargo test" cargo test
if step "release build of the command line" cargo build --release --bin cohort; then
  # Part 1 of the contract, the edge cases R disagreed on, and part 2 (study designs, adjusted comparisons).
  step "reference comparison: command line vs R ($ref, edges, designs)" \
    env COHORT_CLI=target/release/cohort python3 "$tool" "$ref" "$ref/edges" "$ref/designs"
  step "randomised comparison with R (tests/random/run.sh --ci --layouts: a fixed sample of messy cohorts, in spreadsheet layouts)" \
    env COHORT_CLI=target/release/cohort bash tests/random/run.sh --ci --layouts
  step "randomised comparison with R, study designs (tests/random/run.sh --ci --designs --layouts: entry; frequency, sampling, propensity weights)" \
    env COHORT_CLI=target/release/cohort bash tests/random/run.sh --ci --designs --layouts
  step "randomised comparison with R, adjusted comparisons (tests/random/run.sh --ci --adjusted --layouts: subgroups, interactions, splines, direct adjustment)" \
    env COHORT_CLI=target/release/cohort bash tests/random/run.sh --ci --adjusted --layouts
  step "randomised comparison with R, study designs with adjusted comparisons (tests/random/run.sh --ci --designs --adjusted)" \
    env COHORT_CLI=target/release/cohort bash tests/random/run.sh --ci --designs --adjusted
  step "randomised comparison with R, start-stop rows with a patient id (tests/random/run.sh --ci --intervals --layouts)" \
    env COHORT_CLI=target/release/cohort bash tests/random/run.sh --ci --intervals --layouts
  step "aggregate-sql through DuckDB equals the row-level analysis (tests/registry/duckdb_check.sh, 2M rows)" \
    bash tests/registry/duckdb_check.sh --cli target/release/cohort
  step "randomised comparison with R, Parquet files as DuckDB writes them (tests/random/run.sh --ci --parquet)" \
    env COHORT_CLI=target/release/cohort bash tests/random/run.sh --ci --parquet
fi
if step "wasm build into dist/" bash scripts/build.sh; then
  step "page tests (node --test tests/js tests/browser)" env COHORT_COMPARE_TOOL="$tool" COHORT_REFERENCE_DIR="$ref" \
    node --test --test-concurrency=1 tests/js/ tests/browser/
fi

echo
if [ ${#failed[@]} -gt 0 ]; then
  printf 'FAILED: %s\n' "${failed[@]}"
  exit 1
fi
echo "all test steps passed"
