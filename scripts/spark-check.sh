#!/usr/bin/env bash
# Spark SQL check of `cohort aggregate-sql --dialect spark` (not in CI: it needs Java and a
# ~520 MB pyspark): the same seeded cohort and comparison as tests/registry/duckdb_check.py,
# with the aggregate computed by Spark in local mode. Installs what is missing and says so:
# Debian's openjdk-17-jre-headless (unless a java is on PATH) and a venv in target/venv-spark
# with pyspark and duckdb (DuckDB writes the Parquet file and the row-level CSV).
#   scripts/spark-check.sh [--rows N]
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v java >/dev/null 2>&1; then
  echo "spark-check: installing Debian's openjdk-17-jre-headless (apt-get)"
  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends openjdk-17-jre-headless
fi
venv=target/venv-spark
if ! "$venv/bin/python" -c 'import pyspark, duckdb' >/dev/null 2>&1; then
  echo "spark-check: installing pyspark and duckdb from PyPI into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check pyspark duckdb
fi
[ -x target/release/cohort ] || cargo build --release --bin cohort
exec "$venv/bin/python" tests/registry/duckdb_check.py --engine spark --out target/spark-check "$@"
