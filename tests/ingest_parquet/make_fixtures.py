"""Write the Parquet test fixtures of tests/ingest_parquet.rs with DuckDB (PyPI `duckdb`):

- mixed.csv and mixed_<codec>.parquet: one seeded 400-row table with every column type the
  reader maps (integers of 8-64 bits, unsigned, doubles, floats, decimals, strings with nulls
  and 'NA', booleans, dates, timestamps with and without a time of day, a row of nulls), written
  as CSV (DuckDB's `COPY ... (HEADER)`) and as Parquet with each codec DuckDB writes: snappy
  (its default), gzip, zstd, lz4 (LZ4_RAW) and uncompressed. The test reads each Parquet file and
  the CSV and expects the same table.
- lung.parquet: tests/reference/lung.csv through DuckDB (snappy); its analysis must equal the
  CSV's.
- brotli.parquet (a codec no build reads) and lists.parquet (a list column): refused, named.

Run: target/venv-duckdb/bin/python tests/ingest_parquet/make_fixtures.py (from the repository
root; `python3 -m venv target/venv-duckdb && target/venv-duckdb/bin/pip install duckdb`).
"""
import os
import random

import duckdb

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(os.path.dirname(here))
rng = random.Random(19)

rows = []
for i in range(400):
    if i == 123:
        rows.append((None,) * 13)
        continue
    day = 17000 + rng.randrange(3000)
    rows.append((
        rng.randrange(1, 2000),                                  # time INTEGER
        rng.choice([0, 1, 1, 2]),                                # status TINYINT
        None if rng.random() < 0.05 else round(rng.gauss(60, 10), 6),   # age DOUBLE
        rng.choice(["A", "B", "C, with comma", None, "NA"]),     # grp VARCHAR
        rng.random() < 0.4,                                      # smoker BOOLEAN
        f"{1970 + day // 365:04d}-{1 + i % 12:02d}-{1 + i % 28:02d}",   # start DATE
        f"2021-{1 + i % 12:02d}-{1 + i % 28:02d} {'00:00:00' if i % 3 else '08:%02d:30.5' % (i % 60)}",  # seen TIMESTAMP
        f"{rng.randrange(-99999, 99999) / 100:.2f}",              # dose DECIMAL(7,2)
        rng.randrange(0, 4000000000),                            # big UINTEGER
        rng.randrange(-2**62, 2**62),                            # huge BIGINT
        round(rng.uniform(0, 10), 1),                            # score REAL
        rng.randrange(-30000, 30000),                            # small SMALLINT
        None if i % 7 == 0 else rng.choice(["x", "y"]),          # level VARCHAR
    ))

con = duckdb.connect()
con.execute("""CREATE TABLE t (time INTEGER, status TINYINT, age DOUBLE, grp VARCHAR, smoker BOOLEAN,
  start DATE, seen TIMESTAMP, dose DECIMAL(7,2), big UINTEGER, huge BIGINT, score REAL, small SMALLINT, level VARCHAR)""")
con.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?, CAST(? AS DATE), CAST(? AS TIMESTAMP), CAST(? AS DECIMAL(7,2)), ?, ?, ?, ?, ?)", rows)
con.execute(f"COPY t TO '{here}/mixed.csv' (HEADER)")
for codec in ["snappy", "gzip", "zstd", "lz4", "uncompressed"]:
    con.execute(f"COPY t TO '{here}/mixed_{codec}.parquet' (FORMAT parquet, COMPRESSION {codec}, ROW_GROUP_SIZE 150)")
con.execute(f"COPY (SELECT * FROM t LIMIT 20) TO '{here}/brotli.parquet' (FORMAT parquet, COMPRESSION brotli)")
con.execute(f"COPY (SELECT time, status, [time, status] AS pair FROM t LIMIT 20) TO '{here}/lists.parquet' (FORMAT parquet)")
con.execute(f"COPY (SELECT * FROM read_csv('{root}/tests/reference/lung.csv', header=true)) TO '{here}/lung.parquet' (FORMAT parquet)")
print("wrote", sorted(f for f in os.listdir(here) if f.endswith((".parquet", ".csv"))))

# many_groups.parquet: 20,000 rows in two row groups of about 10,000 (each longer than the reader's
# 8,192-row batch); row i (0-based) holds time = i % 997 + 1, status = i % 3, grp = A..D by
# i % 4 and x = i / 8 (null when i % 11 == 0), so the test knows every value.
con.execute(f"""COPY (SELECT (i % 997 + 1)::INTEGER AS time, (i % 3)::INTEGER AS status, chr(65 + (i % 4)::INTEGER) AS grp,
  CASE WHEN i % 11 = 0 THEN NULL ELSE i / 8 END AS x FROM range(20000) r(i) ORDER BY i)
  TO '{here}/many_groups.parquet' (FORMAT parquet, ROW_GROUP_SIZE 10240)""")
