#!/usr/bin/env bash
# Issue 18's checks (adjusted comparisons): the command line against R on the designs cases, the
# figures' tests, then the page driven through its Adjusted comparison controls (needs a built
# dist/: `COHORT_PROFILE=dev bash scripts/build.sh` or `npm run build`). For scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --bin cohort
COHORT_CLI=target/debug/cohort python3 tests/tools/compare_reference.py tests/reference/designs
cargo test --test plot_adjusted --test plot
COHORT_CLI=target/debug/cohort node --test tests/browser/adjusted.test.mjs
