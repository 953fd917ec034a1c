#!/usr/bin/env bash
# The adjusted comparisons (issue 18, part 2 of the contract) against R: the library's tests of
# them and the command line on the contract's designs cases. For scripts/test.sh: run after the
# release build, or add "$ref/designs" to its reference-comparison step.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
cargo test --test adjusted_reference --test adjusted_inputs --test plot_adjusted
cargo test --lib -- stats::rmst stats::spline stats::adjusted stats::logistic plot::love
if [ -d ../shared/reference/designs ]; then ref=../shared/reference/designs; else ref=tests/reference/designs; fi
if [ -f ../shared/tools/compare_reference.py ]; then tool=../shared/tools/compare_reference.py; else tool=tests/tools/compare_reference.py; fi
cargo build --release --bin cohort
COHORT_CLI=target/release/cohort python3 "$tool" "$ref"
