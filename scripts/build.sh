#!/usr/bin/env bash
# Build the static site into dist/: the wasm engine (release), its JS glue, the page and the demo
# data. Relative URLs only, so dist/ works from any static host under any sub-path.
#
# Two wasm modules from the one crate: `cohort` (built without the `workbook` feature: CSV/TSV
# only, loaded with the page) and `cohort_workbook` (the same engine plus calamine's .xlsx/.xlsb/
# .xls/.ods readers, which with zip, XML and the .xls code pages make it ~60% larger raw, ~85%
# gzipped). www/engine.js fetches the second only when a workbook is dropped, so the page's first
# payload excludes it.
# The core module also leaves out the extended estimators (cargo feature `extended`: study
# designs, subgroups, adjusted curves, propensity weights, parametric and Fine-Gray models,
# splines; `analyze::extended_need`), which the workbook module has (features workbook,extended): a spec
# asking for one gets an error of kind `engine` from the core module, and www/engine.js switches
# to the workbook module, re-loads the file and runs the spec there.
# Issue 20: the same holds for the R and Python scripts (feature `scripts`), results links
# (`links`), the in-browser benchmark (`bench`), and with `extended` for competing risks, Table 1,
# the hazards, their figures and the Cohort tab, and (feature `report_exports`) the report JSON
# and tables CSV exports: any engine call the core answers with kind `engine` is sent again to
# the workbook module (README "Dependencies and why").
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

# COHORT_PROFILE=dev builds a debug engine (quick, for working on the page).
profile="${COHORT_PROFILE:-release}"
if [ "$profile" = dev ]; then
  dir=debug; flag=(); bindgen_flags=()
else
  # Function names only serve stack traces in the developer tools (~30 KB gzipped); panics
  # still report their message and source location (installPanicHook).
  # The wasm is built at opt-level 2 with LLVM's inline threshold at 150 (the native CLI keeps
  # the profile's opt-level 3, threshold 225): under fat LTO each makes the core module ~11 KB
  # gzipped smaller (541 → 530 → 519 KB) at the same speed within the machine's noise (wasm in
  # node, 100k rows: parse, KM + log-rank, Cox, cumulative incidence, Fine-Gray, analyze).
  # Measured and left: threshold 100 (−9 KB more, Fine-Gray +10%), opt-level "s" (−67 KB more,
  # parse, Cox and Fine-Gray 20-45% slower).
  # WebAssembly SIMD is enabled per function, not here: the Cox fit's f64x2 kernels
  # (src/stats/cox/fit.rs `lanes`, #[target_feature(enable = "simd128")]) made Cox at 1M rows
  # 10-12% faster in V8 (CPU clock) and the core module 4.4 KB smaller gzipped; adding
  # -Ctarget-feature=+simd128 here as well was no faster (ratio 0.998) and made the core module
  # 8.7 KB larger than that (LLVM vectorising loops all over the engine), the first load > 600 KB.
  # Every current browser runs wasm SIMD (Chrome 91+, Firefox 89+, Safari 16.4+).
  dir=release
  flag=(--release --config 'profile.release.opt-level=2'
    --config 'target.wasm32-unknown-unknown.rustflags=["-Cllvm-args=-inline-threshold=150"]')
  bindgen_flags=(--remove-name-section --remove-producers-section)
fi
rm -rf www/pkg
mkdir -p www/pkg target/wasm-modules
build_module() { # NAME CARGO-FEATURE-FLAGS...
  local name="$1"; shift
  echo "build: wasm engine $name (cargo build --lib ${flag[*]} --target wasm32-unknown-unknown $*)"
  cargo build --lib "${flag[@]}" --target wasm32-unknown-unknown "$@"
  # wasm-bindgen names its output after the input file: NAME.js + NAME_bg.wasm.
  cp "target/wasm32-unknown-unknown/$dir/cohort.wasm" "target/wasm-modules/$name.wasm"
  wasm-bindgen --target web --no-typescript "${bindgen_flags[@]}" --out-dir www/pkg "target/wasm-modules/$name.wasm"
  # wasm-opt (binaryen) is opt-in (COHORT_WASM_OPT=1, a recent binaryen): Debian 12's binaryen 108
  # has corrupted wasm-bindgen's externref table, and on the core module (already without names)
  # its -O3/-Oz cut the raw size by 5% but made the gzipped size 6% LARGER (415 → 440 KB).
  if [ "${COHORT_WASM_OPT:-0}" = 1 ]; then
    wasm-opt -O3 --enable-bulk-memory --enable-sign-ext --enable-mutable-globals --enable-nontrapping-float-to-int \
      --enable-reference-types --enable-multivalue "www/pkg/${name}_bg.wasm" -o "www/pkg/${name}_bg.opt.wasm"
    mv "www/pkg/${name}_bg.opt.wasm" "www/pkg/${name}_bg.wasm"
    echo "build: wasm-opt -O3 applied to $name ($(wasm-opt --version))"
  fi
}
build_module cohort --no-default-features
# The on-demand module also reads Parquet (the `parquet` feature: snappy, gzip, LZ4; no zstd,
# whose C library needs clang for wasm32 — the page names that codec and how to re-export).
build_module cohort_workbook --no-default-features --features workbook,extended,parquet,scripts,links,bench,report_exports
# The manuscript writers (PNG at a DPI, TIFF, vector PDF, Word; src/export/manuscript/): a third module
# the page fetches only when one of those exports is asked for (www/engine.js manuscriptExport).
build_module cohort_manuscript --no-default-features --features manuscript,extended

rm -rf dist
mkdir -p dist/www/pkg dist/www/demo
cp index.html dist/
cp www/*.js www/*.css dist/www/
cp www/pkg/*.js www/pkg/*.wasm dist/www/pkg/
cp -r www/demo/. dist/www/demo/
# The page's scripts and the wasm-bindgen glue without comments and indentation (~17 KB of the
# ~70 KB gzipped JS): scripts/strip-js.mjs keeps every string, template and regex literal as is
# and the line breaks; each result must still parse.
node scripts/strip-js.mjs dist/www/*.js dist/www/pkg/*.js
for f in dist/www/*.js dist/www/pkg/*.js; do node --check "$f"; done

# The offline copy (www/offline/sw.js → dist/sw.js): the service worker caches every file of
# dist/ for this build. Its BUILD id comes from the files' SHA-256, which are printed here and
# written to dist/build-hashes.txt: the page's "Verify this build" panel shows the same list,
# hashed from what the browser runs, so an IT department can check the page is this build.
(cd dist && find . -type f ! -name sw.js ! -name build-hashes.txt | sed 's|^\./||' | LC_ALL=C sort \
  | while read -r f; do printf '%s  %s\n' "$(sha256sum "$f" | cut -d' ' -f1)" "$f"; done) > dist/build-hashes.txt
build_id="$(sha256sum dist/build-hashes.txt | cut -c1-16)"
files_json="$(cut -d' ' -f3- dist/build-hashes.txt | node -e 'process.stdout.write(JSON.stringify(require("fs").readFileSync(0, "utf8").split("\n").filter(Boolean)))')"
node -e '
  const fs = require("fs");
  const [src, out, id, files] = process.argv.slice(1);
  const text = fs.readFileSync(src, "utf8").replace("__BUILD__", id).replace("__FILES__", files);
  fs.writeFileSync(out, text);
' www/offline/sw.js dist/sw.js "$build_id" "$files_json"
node --check dist/sw.js
echo "build: $build_id — SHA-256 of each file (also in dist/build-hashes.txt; the page's \"Verify this build\" shows the same):"
sed 's/^/  /' dist/build-hashes.txt

# The payload: what the page loads (core module, its glue, the page's scripts) and what it
# fetches on demand (the workbook module and its glue). Gzip as a server would, level 9.
sizes() { # FILES... → "raw gzip"
  local raw=0 gz=0 f
  for f in "$@"; do
    raw=$((raw + $(stat -c %s "$f")))
    gz=$((gz + $(gzip -9 -c "$f" | wc -c)))
  done
  echo "$raw $gz"
}
kb() { awk -v b="$1" 'BEGIN { printf "%.1f KB", b / 1000 }'; }
echo "build: dist/ ready; payload (raw / gzip -9, per file):"
for f in dist/www/pkg/* dist/www/*.js dist/www/*.css dist/index.html; do
  read -r raw gz < <(sizes "$f")
  printf '  %-38s %10s %10s\n' "${f#dist/}" "$(kb "$raw")" "$(kb "$gz")"
done
# The page's modules it imports only on first use (issue 20): the Paper view, the Hazard models
# and Cohort tab contents, the Adjusted comparison block, the Study design block; not part of the
# first load.
lazy=(paper-view.js hazard-models.js overview-tables.js adjusted-view.js designs-view.js)
first=()
for f in dist/www/*.js; do [[ " ${lazy[*]} " == *" $(basename "$f") "* ]] || first+=("$f"); done
read -r raw gz < <(sizes dist/www/pkg/cohort.js dist/www/pkg/cohort_bg.wasm "${first[@]}")
echo "build: page payload, wasm + JS (core module, glue, the ${#first[@]} www/*.js loaded with the page): $(kb "$raw") raw, $(kb "$gz") gzipped (target ≤ 600 KB)"
read -r raw gz < <(sizes "${lazy[@]/#/dist/www/}")
echo "build: page modules imported on first use (${lazy[*]}): $(kb "$raw") raw, $(kb "$gz") gzipped"
read -r raw gz < <(sizes dist/www/pkg/cohort_workbook.js dist/www/pkg/cohort_workbook_bg.wasm)
echo "build: on demand when a workbook is dropped (workbook module + glue): $(kb "$raw") raw, $(kb "$gz") gzipped"
read -r raw gz < <(sizes dist/www/pkg/cohort_manuscript.js dist/www/pkg/cohort_manuscript_bg.wasm)
echo "build: on demand for a Word/TIFF/PDF/PNG-dpi export (manuscript module + glue): $(kb "$raw") raw, $(kb "$gz") gzipped"
