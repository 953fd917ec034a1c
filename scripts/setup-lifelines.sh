#!/usr/bin/env bash
# Installs lifelines (PyPI) into a virtual environment under target/, for tests/scripts.rs, which
# runs the generated Python cross-check script with it. Only installs what is missing; says what
# it installs. Needs python3 with venv (Debian: python3-venv; installed here if missing).
#   bash scripts/setup-lifelines.sh        → target/venv-lifelines/bin/python
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=target/venv-lifelines
LIFELINES_VERSION=0.30.3
if "$VENV/bin/python" -c "import lifelines, pandas" 2>/dev/null; then
  exit 0
fi
if ! python3 -c "import venv, ensurepip" 2>/dev/null; then
  echo "setup-lifelines: installing python3-venv (Debian)"
  apt-get update -qq && apt-get install -y -qq python3-venv
fi
echo "setup-lifelines: creating $VENV with lifelines $LIFELINES_VERSION (PyPI)"
python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "lifelines==$LIFELINES_VERSION"
"$VENV/bin/python" -c "import lifelines; print('setup-lifelines: lifelines', lifelines.__version__)"
