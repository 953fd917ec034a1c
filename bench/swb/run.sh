#!/usr/bin/env bash
# JSON text vs serde-wasm-bindgen across the wasm boundary (issue 16 item 7; README,
# "Dependencies and why"). Builds this measurement crate for wasm32 in release twice — with the
# serde-wasm-bindgen entry points and without (feature `swb`) — runs wasm-bindgen, compares the
# gzip -9 sizes and times both ways in Node (run.mjs). Run from anywhere: bash bench/swb/run.sh
# Needs target/release/cohort (for `cohort synth`) or COHORT=path; build output stays in
# bench/swb/target (git-ignored).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$here"
out="$here/target/out"
mkdir -p "$out"
echo '{"type": "commonjs"}' > "$out/package.json" # wasm-bindgen --target nodejs writes CommonJS
build() { # NAME CARGO-FLAGS...
  local name="$1"; shift
  cargo build --release --lib --target wasm32-unknown-unknown "$@"
  cp target/wasm32-unknown-unknown/release/swb_bench.wasm "$out/$name.wasm"
  wasm-bindgen --target nodejs --no-typescript --remove-name-section --remove-producers-section \
    --out-dir "$out" "$out/$name.wasm"
}
build swb
build jsononly --no-default-features
for n in swb jsononly; do
  printf '%s: %s bytes, gzip -9 %s bytes\n' "$n" "$(stat -c %s "$out/${n}_bg.wasm")" \
    "$(gzip -9 -c "$out/${n}_bg.wasm" | wc -c)"
done | tee "$out/sizes.txt"
cohort="${COHORT:-$root/target/release/cohort}" # e.g. COHORT=/work/main/target/release/cohort
[ -x "$cohort" ] || { echo "run.sh: no $cohort (cargo build --release, or set COHORT)" >&2; exit 1; }
[ -s "$out/synth200k.csv" ] || "$cohort" synth 200000 > "$out/synth200k.csv"
node --expose-gc "$here/run.mjs" "$out" "$root/tests/reference/lung.csv" "$out/synth200k.csv"
