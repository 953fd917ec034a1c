#!/usr/bin/env bash
# Every test: Rust unit and integration tests, the command line against R's reference results,
# the WebAssembly build, and the browser tests (headless Debian chromium driving the built page).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

bash scripts/setup.sh --browser

echo "== cargo test"
cargo test

echo "== reference comparison: command line vs R"
cargo build --release --bin cohort
if [ -f ../shared/tools/compare_reference.py ] && [ -d ../shared/reference ]; then
  tool=../shared/tools/compare_reference.py; ref=../shared/reference
else
  tool=tests/tools/compare_reference.py; ref=tests/reference
fi
COHORT_CLI=target/release/cohort python3 "$tool" "$ref"

echo "== wasm build into dist/"
bash scripts/build.sh

echo "== browser tests"
COHORT_COMPARE_TOOL="$tool" COHORT_REFERENCE_DIR="$ref" node --test --test-concurrency=1 tests/js/ tests/browser/
