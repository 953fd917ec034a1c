#!/usr/bin/env bash
# Build the static site into dist/: the wasm engine (release), its JS glue, the page and the demo
# data. Relative URLs only, so dist/ works from any static host under any sub-path.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

# COHORT_PROFILE=dev builds a debug engine (quick, for working on the page).
profile="${COHORT_PROFILE:-release}"
if [ "$profile" = dev ]; then dir=debug; flag=(); else dir=release; flag=(--release); fi
echo "build: wasm engine (cargo build --lib ${flag[*]} --target wasm32-unknown-unknown)"
cargo build --lib "${flag[@]}" --target wasm32-unknown-unknown
rm -rf www/pkg
wasm-bindgen --target web --no-typescript --out-dir www/pkg "target/wasm32-unknown-unknown/$dir/cohort.wasm"
# wasm-opt (binaryen) shrinks the module by about 13%, but Debian 12's binaryen 108 corrupts
# wasm-bindgen's externref table, so it is opt-in: COHORT_WASM_OPT=1 with a recent binaryen.
if [ "${COHORT_WASM_OPT:-0}" = 1 ]; then
  wasm-opt -O3 --enable-bulk-memory --enable-sign-ext --enable-mutable-globals --enable-nontrapping-float-to-int \
    --enable-reference-types --enable-multivalue www/pkg/cohort_bg.wasm -o www/pkg/cohort_bg.opt.wasm
  mv www/pkg/cohort_bg.opt.wasm www/pkg/cohort_bg.wasm
  echo "build: wasm-opt -O3 applied ($(wasm-opt --version))"
fi

rm -rf dist
mkdir -p dist/www/pkg dist/www/demo
cp index.html dist/
cp www/*.js www/*.css dist/www/
cp www/pkg/cohort.js www/pkg/cohort_bg.wasm dist/www/pkg/
cp -r www/demo/. dist/www/demo/
raw=$(stat -c %s dist/www/pkg/cohort_bg.wasm)
gz=$(gzip -9 -c dist/www/pkg/cohort_bg.wasm | wc -c)
echo "build: dist/ ready (cohort_bg.wasm: $raw bytes, $gz gzipped)"
