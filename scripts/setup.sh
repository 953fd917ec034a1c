#!/usr/bin/env bash
# Install whatever is missing to build (and, with --browser, to test) the app. Idempotent: each
# step checks first and says what it does. Needs Rust (rustup, cargo) and Node (node, npm).
#   scripts/setup.sh            build tools: wasm32 target, wasm-bindgen-cli
#   scripts/setup.sh --browser  also playwright-core (npm) and Debian's chromium for the browser tests
#   scripts/setup.sh --r        also Debian's R with survival and cmprsk, which the tests use to run
#                               the exported R scripts and the randomised comparison (the app never needs R),
#                               lifelines (PyPI, in target/venv-lifelines) to run the exported Python
#                               scripts, and LibreOffice Writer to open the Word export in a test
#   scripts/setup.sh --bench    also Debian's R with survival, cmprsk and data.table, which the
#                               benchmark times against ours (fread + survival, as issue 19 asks)
set -euo pipefail
cd "$(dirname "$0")/.."

WASM_BINDGEN_VERSION=0.2.130
browser=0
want_r=0
want_bench=0
for a in "$@"; do
  case "$a" in
    --browser) browser=1 ;;
    --r) want_r=1 ;;
    --bench) want_bench=1 ;;
    *) echo "setup: unknown option $a" >&2; exit 2 ;;
  esac
done

say() { printf 'setup: %s\n' "$*"; }
apt_install() {
  if [ "$(id -u)" = 0 ]; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo apt-get update
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"
  else
    say "cannot install $* (not root, no sudo): install them with apt-get"
    exit 1
  fi
}
need() { command -v "$1" >/dev/null 2>&1 || { say "$1 is required but not installed ($2)"; exit 1; }; }

need cargo "install Rust from your distribution or rustup"
need node "install Node.js 18 or newer"
need npm "install npm"

# Rust target for WebAssembly.
if command -v rustup >/dev/null 2>&1; then
  if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    say "installing Rust target wasm32-unknown-unknown (rustup target add)"
    rustup target add wasm32-unknown-unknown
  else
    say "ok: Rust target wasm32-unknown-unknown"
  fi
else
  sysroot="$(rustc --print sysroot)"
  if [ ! -d "$sysroot/lib/rustlib/wasm32-unknown-unknown" ]; then
    say "the Rust target wasm32-unknown-unknown is missing and rustup is not available to add it"
    exit 1
  fi
  say "ok: Rust target wasm32-unknown-unknown"
fi

# wasm-bindgen-cli must match the wasm-bindgen crate exactly (pinned in Cargo.toml).
export PATH="$HOME/.cargo/bin:$PATH"
have_wb="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)"
if [ "$have_wb" != "$WASM_BINDGEN_VERSION" ]; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (found: ${have_wb:-none}); this compiles for a few minutes"
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
else
  say "ok: wasm-bindgen $have_wb"
fi

if [ "$browser" = 1 ]; then
  if [ ! -f node_modules/playwright-core/package.json ] || [ ! -f node_modules/axe-core/package.json ]; then
    say "installing npm dev dependencies (playwright-core, which drives the system chromium; axe-core, the accessibility checker)"
    npm install --no-audit --no-fund
  else
    say "ok: playwright-core, axe-core"
  fi
  if [ ! -x /usr/bin/chromium ]; then
    say "installing Debian's chromium for the browser tests (apt-get install chromium)"
    apt_install chromium
  else
    say "ok: /usr/bin/chromium"
  fi
fi

# R's packages: survival and cmprsk for the cross-check tests (--r) and the benchmark (--bench),
# data.table for the benchmark's reading of the file with fread.
r_pkgs=()
if [ "$want_r" = 1 ] || [ "$want_bench" = 1 ]; then r_pkgs=(survival cmprsk); fi
if [ "$want_bench" = 1 ]; then r_pkgs+=(data.table); fi
if [ "${#r_pkgs[@]}" -gt 0 ]; then
  check="$(printf 'library(%s); ' "${r_pkgs[@]}")"
  if command -v Rscript >/dev/null 2>&1 && Rscript -e "$check" >/dev/null 2>&1; then
    say "ok: R with ${r_pkgs[*]}"
  else
    debs=(r-base-core $(printf 'r-cran-%s ' "${r_pkgs[@]}"))
    say "installing Debian's R with ${r_pkgs[*]} for the cross-check tests and the benchmark (apt-get install ${debs[*]})"
    apt_install "${debs[@]}"
  fi
fi
if [ "$want_r" = 1 ]; then
  # The other cross-check tools of the tests: lifelines runs the exported Python script
  # (tests/scripts.rs); LibreOffice opens the Word export (tests/manuscript.rs).
  if target/venv-lifelines/bin/python -c "import lifelines, pandas" 2>/dev/null; then
    say "ok: lifelines in target/venv-lifelines"
  else
    bash scripts/setup-lifelines.sh
  fi
  if command -v soffice >/dev/null 2>&1; then
    say "ok: LibreOffice (soffice)"
  else
    bash scripts/setup-manuscript.sh
  fi
fi
