#!/usr/bin/env python3
"""Aggregate in DuckDB, analyse the counts: the same report as the rows.

Writes a seeded 2,000,000-row cohort as Parquet with DuckDB, runs the SQL that
`cohort aggregate-sql --dialect duckdb` prints on it, and checks that `cohort analyze`
on the small aggregate (with the frequency weight it names) gives the report of
`cohort analyze` on the rows themselves, field for field: the same keys, counts equal,
numbers equal to 1e-9 relative (the sums run in another order). Left out of the
comparison: what describes the input rather than the analysis (`file`, `rows_in_file`,
`rows_filtered_out`,
`spec`, which has the weight) and the warnings (they cite file lines, which differ).

With --engine spark (scripts/spark-check.sh; needs Java and pyspark, so not in CI) the
aggregate is computed by Spark SQL in local mode from `--dialect spark` instead.

Usage: duckdb_check.py [--rows N] [--cli PATH] [--out DIR] [--engine duckdb|spark]
"""
import argparse
import json
import math
import os
import subprocess
import sys
import time

import duckdb

REL = 1e-9
# rows_filtered_out: numeric filters run in the query (WHERE), so the aggregate holds only the kept rows.
INPUT_FIELDS = {"file", "rows_in_file", "spec", "rows_filtered_out"}
# The cohort flow's rows read and filtered out count the file's rows too (analysed and excluded compare).
FLOW_INPUT = {"rows_read", "filtered_out"}

SPECS = {
    "km_logrank_cox": {
        "spec": {"time": "time", "event": {"column": "status", "event": ["1"]}, "group": "arm", "strata": "site",
                 "times": [180, 365, 730], "rmst_tau": 1000, "covariates": ["stage", "smoker"],
                 "categorical": ["stage"], "table1": ["stage"]},
        "keep": ["smoker"],
    },
    "competing": {
        "spec": {"time": "time", "event": {"column": "status", "event": ["1"], "competing": ["2"]}, "group": "arm",
                 "times": [365, 730], "covariates": ["stage"], "categorical": ["stage"]},
        "keep": [],
    },
    "months_filtered": {
        "spec": {"time": {"column": "time", "unit": "days", "display": "months"}, "event": {"column": "status", "event": ["1"]},
                 "group": ["arm", "smoker"], "times": [6, 12], "filters": [{"column": "age", "op": ">=", "value": 60}],
                 "pairwise": True},
        "keep": [],
    },
}


def make_rows(con, path, n):
    con.execute("SELECT setseed(0.20261202)")
    con.execute(f"""
        COPY (
          SELECT
            CAST(1 + floor(-ln(1 - random()) * (CASE arm WHEN 'A' THEN 500 WHEN 'B' THEN 650 ELSE 800 END)) % 2500 AS INTEGER) AS time,
            CASE WHEN u < 0.55 THEN 1 WHEN u < 0.7 THEN 2 ELSE 0 END AS status,
            arm, site, stage, smoker,
            round(40 + 40 * random(), 1) AS age
          FROM (
            SELECT
              (['A', 'B', 'C'])[1 + CAST(floor(random() * 3) AS INTEGER)] AS arm,
              'site' || CAST(1 + floor(random() * 4) AS INTEGER) AS site,
              (['I', 'II', 'III'])[1 + CAST(floor(random() * 3) AS INTEGER)] AS stage,
              CAST(random() < 0.3 AS INTEGER) AS smoker,
              random() AS u
            FROM range({n})
          )
        ) TO '{path}' (FORMAT parquet)
    """)


def close(a, b):
    if isinstance(a, bool) or isinstance(b, bool) or isinstance(a, str) or isinstance(b, str) or a is None or b is None:
        return a == b
    if isinstance(a, int) and isinstance(b, int):
        return a == b
    a, b = float(a), float(b)
    return a == b or abs(a - b) <= max(1e-12, REL * max(abs(a), abs(b)))


def compare(x, y, path, out):
    if isinstance(x, dict) and isinstance(y, dict):
        skip = {"warnings"} | (INPUT_FIELDS if path.count(".") == 0 else set()) | (FLOW_INPUT if path.endswith(".flow") else set())
        kx = set(x) - skip
        ky = set(y) - skip
        if kx != ky:
            out.append(f"{path}: keys differ: only in rows {sorted(kx - ky)}, only in aggregate {sorted(ky - kx)}")
        for k in sorted(kx & ky):
            compare(x[k], y[k], f"{path}.{k}", out)
    elif isinstance(x, list) and isinstance(y, list):
        if len(x) != len(y):
            out.append(f"{path}: length {len(x)} (rows) vs {len(y)} (aggregate)")
            return
        for i, (a, b) in enumerate(zip(x, y)):
            compare(a, b, f"{path}[{i}]", out)
    elif not close(x, y):
        out.append(f"{path}: {x!r} (rows) vs {y!r} (aggregate)")


class Failed(Exception):
    pass


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise Failed(f"{' '.join(cmd[:3])} ...: {r.stderr.strip()}")
    return r.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=2_000_000)
    ap.add_argument("--cli", default=os.environ.get("COHORT_CLI", "target/release/cohort"))
    ap.add_argument("--out", default="target/registry-check")
    ap.add_argument("--engine", choices=["duckdb", "spark"], default="duckdb")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    pq = os.path.join(a.out, "rows.parquet")
    rows_csv = os.path.join(a.out, "rows.csv")
    con = duckdb.connect()
    t0 = time.time()
    make_rows(con, pq, a.rows)
    con.execute(f"COPY (SELECT * FROM read_parquet('{pq}')) TO '{rows_csv}' (HEADER)")
    print(f"rows: {a.rows} written as Parquet and CSV in {time.time() - t0:.1f} s ({os.path.getsize(rows_csv) / 1e6:.0f} MB CSV)")
    engine = DuckEngine(con) if a.engine == "duckdb" else SparkEngine(a.out)
    failed = 0
    for name, case in SPECS.items():
        try:
            failed += check(a, engine, pq, rows_csv, name, case)
        except Failed as e:
            failed += 1
            print(f"FAIL {name}: {e}")
    print(f"{len(SPECS) - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


class DuckEngine:
    dialect = "duckdb"

    def __init__(self, con):
        self.con = con

    def aggregate(self, sql, out_csv):
        self.con.execute(f"COPY ({sql}) TO '{out_csv}' (HEADER)")


class SparkEngine:
    dialect = "spark"

    def __init__(self, out):
        from pyspark.sql import SparkSession
        t0 = time.time()
        self.spark = (SparkSession.builder.master("local[2]").appName("cohort-aggregate-check")
                      .config("spark.ui.enabled", "false")
                      .config("spark.local.dir", os.path.abspath(os.path.join(out, "spark-tmp")))
                      .config("spark.sql.session.timeZone", "UTC").getOrCreate())
        self.spark.sparkContext.setLogLevel("ERROR")
        print(f"spark {self.spark.version} session started in {time.time() - t0:.1f} s")

    def aggregate(self, sql, out_csv):
        # Spark writes a folder of parts: gather them into one CSV with its header.
        body = "\n".join(l for l in sql.splitlines() if not l.startswith("--"))
        folder = out_csv + ".parts"
        self.spark.sql(body).coalesce(1).write.mode("overwrite").option("header", True).csv(folder)
        part = next(f for f in sorted(os.listdir(folder)) if f.startswith("part-") and f.endswith(".csv"))
        os.replace(os.path.join(folder, part), out_csv)


def check(a, engine, pq, rows_csv, name, case):
    if True:
        spec = case["spec"]
        cmd = [a.cli, "aggregate-sql", "--spec", json.dumps(spec), "--dialect", engine.dialect, "--source", os.path.abspath(pq),
               "--spec-out", os.path.join(a.out, f"{name}.spec.json")]
        for k in case["keep"]:
            cmd += ["--keep", k]
        sql = run(cmd)
        agg_csv = os.path.join(a.out, f"{name}.agg.csv")
        t0 = time.time()
        engine.aggregate(sql, agg_csv)
        t_sql = time.time() - t0
        n_agg = sum(1 for _ in open(agg_csv)) - 1
        t0 = time.time()
        rows_report = json.loads(run([a.cli, "analyze", rows_csv, "--spec", json.dumps(spec)]))
        t_rows = time.time() - t0
        t0 = time.time()
        agg_report = json.loads(run([a.cli, "analyze", agg_csv, "--spec", os.path.join(a.out, f"{name}.spec.json")]))
        t_agg = time.time() - t0
        problems = []
        compare(rows_report, agg_report, name, problems)
        status = "ok  " if not problems else "FAIL"
        print(f"{status} {name}: {a.rows} rows → {n_agg} aggregate rows ({engine.dialect} {t_sql:.2f} s); "
              f"analyse rows {t_rows:.2f} s, aggregate {t_agg:.2f} s; {len(problems)} differences")
        for p in problems[:10]:
            print("    " + p)
        return int(bool(problems))


if __name__ == "__main__":
    main()
