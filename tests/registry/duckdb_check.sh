#!/usr/bin/env bash
# The DuckDB equality test (scripts/test.sh runs it): a Python venv with DuckDB from PyPI in
# target/venv-duckdb (made once, said when), then tests/registry/duckdb_check.py.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=target/venv-duckdb
if ! "$venv/bin/python" -c 'import duckdb' >/dev/null 2>&1; then
  echo "duckdb-check: installing DuckDB from PyPI into $venv (python3 -m venv; pip install duckdb)"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check duckdb
else
  echo "duckdb-check: ok: DuckDB $("$venv/bin/python" -c 'import duckdb; print(duckdb.__version__)') in $venv"
fi
exec "$venv/bin/python" tests/registry/duckdb_check.py "$@"
