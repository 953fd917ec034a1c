#!/usr/bin/env python3
"""Seeded generator of messy cohorts for the randomised comparison with R.

    python3 tests/random/gen.py OUT_DIR N SEED [--max-rows M] [--designs | --adjusted | --intervals] [--layouts | --parquet]

Writes, for case i = 0..N-1, OUT_DIR/rand_SEED_i.csv (the data, as a user's spreadsheet
export: blank cells, text and numeric codes) and OUT_DIR/rand_SEED_i.spec.json (the analysis
spec). Each cohort draws, from the seed alone:
  - 5 to M rows (log-uniform; M = 3000 by default);
  - times continuous (2 decimals), whole days (many ties) or a mix with zeros, a few blank;
  - an outcome 0/1 (sometimes 2 = competing), a few blank;
  - a group of 2-4 levels (text or numeric codes) with a tiny (1-2 row) or event-free level
    at times, a few blank cells;
  - sometimes strata (2 levels, a few blank) and a cluster id (rows sharing a patient);
  - covariates age (numeric, a few blank), sex (0/1), stage (text I/II/III), x (continuous);
  - spec options: ties, conf_type, rho, pairwise, landmark times, rmst_tau, parametric
    distributions, table1.
With --designs, each cohort also takes one of the study designs of the contract's part 2 (drawn
from a second seed, so that the cohorts themselves are those without it): delayed entry (an
`entry` column: 0 for about half the rows, else before or after the exit time, a few blank),
frequency weights (a `w` column of counts 0-3, a few blank), sampling weights (`w` positive,
with 3 decimals, a few blank) or propensity weights (a two-level `trt`, likelier for the older
and stage III, a few blank; ATE or ATT, stabilised or not, on 1-3 covariates; the curves by
`trt`), with the spec's keys they combine with (no competing risks, parametric models or rho with
entry; no log-rank keys, RMST, parametric models or Table 1 with sampling or propensity weights;
no strata, cluster or model covariates with propensity weights) a landmark (at a time
between the 10th and 50th percentile, the clock reset or kept; no parametric models) or a
time-varying exposure (`tx`: blank, 0, the exit time itself, or uniform to 1.3 × the exit; the
curves by current exposure or none, `tx_on` in the model; no clusters, rho, RMST, parametric
models or Table 1).
With --adjusted, each cohort without a competing cause takes one adjusted comparison of part 2
(drawn from a fourth seed): subgroups, an interaction, a spline or direct adjustment (see
`comparison`).
With --intervals, each cohort without a competing cause is written as start-stop data with a
patient id (see `intervals`).
With --layouts, each file is written in one of LAYOUTS (drawn from a third seed). With --parquet
(needs the `duckdb` Python module), each file is a Parquet file as DuckDB writes it from the
comma, labels or dates layout's text: column types sniffed from the whole file (BIGINT, DOUBLE,
VARCHAR, DATE; blanks as nulls), compression snappy (DuckDB's default), zstd, gzip or none, and
now and then row groups of 2,048 rows. R reads the same data from NAME.r.csv.
"""
import datetime
import io
import json
import math
import os
import random
import re
import sys
import zipfile


def cohort(rng, max_rows):
    n = int(round(math.exp(rng.uniform(math.log(5), math.log(max_rows)))))
    competing = rng.random() < 0.25
    kind = rng.choice(["continuous", "days", "zeros"])
    k = rng.choice([2, 2, 3, 4])
    numeric_groups = rng.random() < 0.4
    levels = [str(v) for v in rng.sample([0, 1, 2, 3, 5, 10], k)] if numeric_groups else rng.sample(["A", "B", "ctl", "drug", "placebo", "Z"], k)
    tiny = rng.random() < 0.3
    eventless = rng.random() < 0.2
    blank = rng.choice([0.0, 0.0, 0.02, 0.08])
    with_strata = rng.random() < 0.3
    with_cluster = rng.random() < 0.2
    rows = []
    for i in range(n):
        g = levels[-1] if tiny and i < rng.choice([1, 2]) else rng.choice(levels[:-1] if tiny else levels)
        age = rng.gauss(62, 10)
        sex = rng.randint(0, 1)
        stage = rng.choice(["I", "II", "II", "III"])
        x = rng.gauss(0, 1)
        rate = 0.01 * math.exp(0.03 * (age - 62) + 0.4 * (stage == "III") + 0.3 * levels.index(g) / k)
        t = rng.expovariate(rate)
        c = rng.expovariate(0.006)
        ev = 1 if t <= c else 0
        time = min(t, c)
        if competing and ev == 1 and rng.random() < 0.35:
            ev = 2
        if eventless and g == levels[0]:
            ev = 0
        if kind == "continuous":
            ts = f"{time:.2f}"
        elif kind == "days":
            ts = str(int(round(time)))
        else:
            ts = "0" if rng.random() < 0.05 else f"{time:.1f}"
        cells = {
            "id": str(i + 1),
            "time": ts,
            "status": str(ev),
            "grp": g,
            "age": f"{age:.1f}",
            "sex": str(sex),
            "stage": stage,
            "x": f"{x:.4f}",
            "site": rng.choice(["north", "south"]),
            "patient": str(rng.randint(1, max(2, n // 2))),
        }
        for col in ["time", "status", "grp", "age", "site"]:
            if rng.random() < blank:
                cells[col] = ""
        rows.append(cells)
    spec = {"time": "time", "event": {"column": "status", "event": ["1"]}}
    if competing:
        spec["event"]["competing"] = ["2"]
    if rng.random() < 0.85:
        spec["group"] = "grp"
    if with_strata and not competing:
        spec["strata"] = "site"
    if competing and with_strata and "group" in spec:
        spec["strata"] = "site"
    if rng.random() < 0.5:
        spec["rho"] = rng.choice([0, 1])
    if not competing and "group" in spec and rng.random() < 0.3:
        spec["pairwise"] = True
    if rng.random() < 0.7:
        covs = rng.sample(["age", "sex", "stage", "x", "grp"], rng.randint(1, 3))
        spec["covariates"] = covs
        if "sex" in covs and rng.random() < 0.5:
            spec["categorical"] = ["sex"]
    if not competing:
        spec["ties"] = rng.choice(["efron", "breslow"])
        spec["conf_type"] = rng.choice(["log", "log-log", "plain"])
        if with_cluster and "covariates" in spec:
            spec["cluster"] = "patient"
    vals = sorted(float(r["time"]) for r in rows if r["time"] != "")
    if vals:
        spec["times"] = sorted({round(vals[int(q * (len(vals) - 1))], 1) for q in (0.25, 0.5)})
        if not competing and rng.random() < 0.5:
            spec["rmst_tau"] = round(vals[int(0.8 * (len(vals) - 1))], 1) or 1.0
    if not competing and rng.random() < 0.3:
        spec["parametric"] = rng.sample(["exponential", "weibull", "lognormal", "loglogistic"], 2)
    if rng.random() < 0.3:
        spec["table1"] = rng.sample(["age", "sex", "stage", "x"], 2)
    return rows, spec


def design(rng, rows, spec):
    """Add one study design (contract part 2) to a cohort: 'entry', 'frequency' or 'sampling'."""
    competing = "competing" in spec["event"]
    kind = rng.choice(["frequency", "frequency"] if competing else ["entry", "frequency", "sampling", "propensity", "landmark", "exposure"])
    blank = rng.choice([0.0, 0.0, 0.03])
    coded_text = rng.random() < 0.5
    for r in rows:
        if kind == "entry":
            t = float(r["time"]) if r["time"] != "" else 0.0
            e = 0.0 if rng.random() < 0.5 else rng.uniform(0, 1.1 * t)
            r["entry"] = "" if rng.random() < blank else (str(int(round(e))) if "." not in r["time"] else f"{e:.1f}")
        elif kind == "frequency":
            r["w"] = "" if rng.random() < blank else str(rng.choice([0, 1, 1, 1, 2, 3]))
        elif kind == "exposure":
            u = rng.random()
            t = r["time"]
            tf = float(t) if t != "" else 0.0
            e = rng.uniform(0, 1.3 * tf)
            r["tx"] = "" if u < 0.3 else "0" if u < 0.4 else t if u < 0.5 else (str(int(round(e))) if "." not in t else f"{e:.1f}")
        elif kind == "sampling":
            r["w"] = "" if rng.random() < blank else f"{math.exp(rng.gauss(0, 0.5)):.3f}"
        else:
            # Treatment more likely for the older and stage III (the confounding the weights undo).
            age = float(r["age"]) if r["age"] != "" else 62.0
            lp = -0.3 + 0.04 * (age - 62) + 0.8 * (r["stage"] == "III") + 0.3 * float(r["x"])
            treated = rng.random() < 1 / (1 + math.exp(-lp))
            r["trt"] = "" if rng.random() < blank else (["ctl", "drug"] if coded_text else ["0", "1"])[treated]
    if kind == "propensity":
        spec["propensity"] = {"treatment": "trt", "covariates": rng.sample(["age", "sex", "stage", "x"], rng.randint(1, 3)),
                              "estimand": rng.choice(["ATE", "ATT"]), "stabilize": rng.random() < 0.5}
        spec["group"] = "trt"
        for k in ("rho", "pairwise", "parametric", "table1", "strata", "cluster", "covariates", "categorical"):
            spec.pop(k, None)
        if "sex" in spec["propensity"]["covariates"] and rng.random() < 0.5:
            spec["categorical"] = ["sex"]
        # Half keep the restricted mean (the weighted curves' RMSTs and their difference).
        if rng.random() < 0.5:
            spec.pop("rmst_tau", None)
    if kind == "exposure":
        spec["time_varying"] = [{"name": "tx_on", "at": "tx"}]
        if rng.random() < 0.6:
            spec["group"] = "tx_on"
        else:
            spec.pop("group", None)
        if rng.random() < 0.8:
            spec["covariates"] = [c for c in spec.get("covariates", []) if c != "grp"] + ["tx_on"]
        for k in ("rho", "pairwise", "rmst_tau", "parametric", "table1", "cluster"):
            spec.pop(k, None)
    if kind == "landmark":
        times = sorted(float(r["time"]) for r in rows if r["time"] != "")
        at = round(times[int(rng.uniform(0.1, 0.5) * (len(times) - 1))], 1) if times else 1.0
        spec["landmark"] = {"time": at, "reset": rng.random() < 0.5}
        spec.pop("parametric", None)
    if kind == "entry":
        spec["entry"] = "entry"
        for k in ("parametric", "rho"):
            spec.pop(k, None)
    elif kind in ("frequency", "sampling"):
        spec["weights"] = {"column": "w", "kind": kind}
    if kind == "sampling":
        for k in ("rho", "pairwise", "parametric", "table1"):
            spec.pop(k, None)
        if rng.random() < 0.5:
            spec.pop("rmst_tau", None)
    return rows, spec


def comparison(rng, rows, spec):
    """Add one adjusted comparison of the contract's part 2 (`--adjusted`) to a cohort without a
    competing cause: 'subgroups' (a two-level group, sex or site, compared within the levels of
    one or two other columns, with the interaction tests), 'interactions' (a Cox term x:y
    between two covariates: numeric, categorical or one of each), 'splines' (age or x as a
    natural cubic spline of 2 to 4 df, with the test of non-linearity and the curve) or
    'adjusted' (direct adjustment: the Cox model of group + covariates, the mean predicted curve
    per group). Parametric models are dropped where the Cox design changes (splines and
    interactions are Cox terms); strata and clusters where the contract's R has none."""
    if "competing" in spec["event"]:
        return rows, spec
    kind = rng.choice(["subgroups", "interactions", "splines", "adjusted"])
    # With a study design (`--designs --adjusted`): delayed entry and frequency weights only.
    if any(k in spec for k in ("propensity", "time_varying", "landmark")) or spec.get("weights", {}).get("kind") == "sampling":
        return rows, spec
    covs_pool = ["age", "sex", "stage", "x"]
    if kind == "subgroups":
        spec["group"] = rng.choice(["sex", "site"])
        cols = [c for c in ["stage", "grp", "site", "sex"] if c != spec["group"]]
        spec["subgroups"] = rng.sample(cols, rng.randint(1, 2))
        spec.pop("pairwise", None)
        if spec.get("strata") == spec["group"]:
            spec.pop("strata")
    elif kind == "interactions":
        covs = rng.sample(covs_pool, rng.randint(2, 3))
        spec["covariates"] = covs
        spec["interactions"] = [covs[:2]]
        spec["categorical"] = ["sex"] if "sex" in covs and rng.random() < 0.5 else []
        if not spec["categorical"]:
            spec.pop("categorical")
        spec.pop("parametric", None)
    elif kind == "splines":
        col = rng.choice(["age", "x"])
        others = rng.sample([c for c in covs_pool if c != col], rng.randint(0, 2))
        spec["covariates"] = [col] + others
        spec["splines"] = [{"column": col, "df": rng.choice([2, 3, 3, 4])}]
        spec.pop("parametric", None)
    else:
        spec["group"] = "grp"
        spec["covariates"] = rng.sample(covs_pool, rng.randint(1, 3))
        spec["adjusted"] = "direct"
        for k in ("strata", "cluster"):
            spec.pop(k, None)
    if "categorical" in spec and not any(c in spec.get("covariates", []) for c in spec["categorical"]):
        spec.pop("categorical")
    return rows, spec


def intervals(rng, rows, cols, spec, grng):
    """The cohort as start-stop data (`--intervals`, contract part 2's `id` with `entry`): each
    patient's follow-up cut into 1 to 3 intervals (tstart, tstop] at random times, the outcome
    on the last one (0 on the others), an interval-level covariate `dose` (0, 1 or 2, a few
    blank; in the model half the time) and, now and then, a group that changes at a cut (a
    patient censored from the old curve there and entering the new one, as a transplant), or
    a gap before an interval (drawn from `grng`: the patient censored at the gap's start and
    entering again at its end, as R's survfit(id = ) reads a gap). A
    blank time stays one row with a blank tstop; a time of 0 one row (0, 0] (excluded). Keys the
    contract does not combine with entry are dropped (rho, parametric models, RMST, Table 1,
    clusters); a cohort with a competing cause is left as it is. Returns rows, columns, spec."""
    if "competing" in spec["event"]:
        return rows, cols, spec
    out = []
    whole = all(r["time"] == "" or "." not in r["time"] for r in rows)
    for r in rows:
        t = r["time"]
        base = {k: v for k, v in r.items() if k != "time"}
        tf = float(t) if t != "" else 0.0
        m = rng.choice([1, 1, 2, 3])
        if whole:
            pool = list(range(1, int(tf)))
            cuts = sorted(rng.sample(pool, min(m - 1, len(pool))))
            fmt = str
        else:
            cuts = sorted({round(rng.uniform(0, tf), 2) for _ in range(m - 1)} - {0.0, round(tf, 2)})
            cuts = [c for c in cuts if 0 < c < tf]
            fmt = lambda v: f"{v:.2f}"
        ends = [fmt(c) for c in cuts] + [t]
        starts = ["0"] + [fmt(c) for c in cuts]
        switch = rng.random() < 0.2 and len(ends) > 1 and r["grp"] != ""
        if len(ends) > 1 and grng.random() < 0.15:
            k = grng.randrange(1, len(ends))
            a, b = float(starts[k]), float(ends[k])
            if whole and b - a >= 2:
                starts[k] = str(int(a) + grng.randint(1, int(b - a) - 1))
            elif not whole and round(b - a, 2) > 0.02:
                starts[k] = fmt(min(max(round(grng.uniform(a, b), 2), round(a + 0.01, 2)), round(b - 0.01, 2)))
        for k, (a, b) in enumerate(zip(starts, ends)):
            row = dict(base, tstart=a, tstop=b, status=r["status"] if k == len(ends) - 1 else "0")
            row["dose"] = "" if rng.random() < 0.03 else str(rng.choice([0, 1, 2]))
            if switch and k > 0:
                row["grp"] = base["grp"] + "x" if not base["grp"].isdigit() else str(int(base["grp"]) + 100)
            out.append(row)
    spec = json.loads(json.dumps(spec))
    spec["time"] = "tstop"
    spec["entry"] = "tstart"
    spec["id"] = "id"
    if rng.random() < 0.5:
        spec["covariates"] = spec.get("covariates", []) + ["dose"]
    # (Adjusted curves are not made with `id`: one row per patient.)
    for k in ("rho", "parametric", "rmst_tau", "table1", "cluster", "adjusted"):
        spec.pop(k, None)
    wcols = [c for c in cols if c != "time"] + ["tstart", "tstop", "dose"]
    return out, wcols, spec


# How a cohort's file is laid out (`--layouts`): as R's write.csv; Excel's export in a European
# locale (semicolons, decimal commas); a tab-separated file from Windows (CRLF, byte-order mark);
# every text quoted, with NA for blanks; text outcomes and group labels with spaces; follow-up as
# two dates (diagnosis, last contact) with the spec's `time` {start, end, unit}; an Excel workbook
# (numbers as number cells, text as text, blanks as empty cells).
LAYOUTS = ["comma", "semicolon", "tab", "quoted", "labels", "dates", "xlsx"]
DATE_FORMATS = ["%Y-%m-%d", "%d.%m.%Y", "%d-%b-%Y", "%Y/%m/%d"]
# A cell that reads as a number (left unquoted, a workbook's number cell), and one with decimals
# (written with a decimal comma in the semicolon layout).
NUMBER = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")
DECIMAL = re.compile(r"^-?[0-9]+\.[0-9]+$")


def labelled(rows, spec):
    """Outcome codes as words (0 alive, 1 dead, 2 other cause) and group levels as 'Arm X'."""
    words = {"0": "alive", "1": "dead", "2": "other cause"}
    out = []
    for r in rows:
        r = dict(r)
        r["status"] = words.get(r["status"], r["status"])
        if r["grp"] != "":
            r["grp"] = "Arm " + r["grp"]
        out.append(r)
    spec = json.loads(json.dumps(spec))
    spec["event"]["event"] = ["dead"]
    if "competing" in spec["event"]:
        spec["event"]["competing"] = ["other cause"]
    return out, spec


def dated(rng, rows, cols, spec):
    """Follow-up written as a start and an end date (whole days; a blank time: a blank end date),
    in one of DATE_FORMATS; the spec's time in days, or in months when no other column is on the
    time scale (entry, exposure). Returns the rows and columns written, the spec, and R's rows
    (the time column as the spec's unit). Fractional times are rounded to whole days first (in
    R's rows too: the data of a dated cohort are those)."""
    rows = [dict(r, time=r["time"] if r["time"] == "" else str(int(round(float(r["time"]))))) for r in rows]
    fmt = rng.choice(DATE_FORMATS)
    unit = "months" if rng.random() < 0.4 and "entry" not in spec and "time_varying" not in spec else "days"
    base = datetime.date(2012, 1, 1)
    out, r_rows = [], []
    for r in rows:
        start = base + datetime.timedelta(days=rng.randint(0, 2500))
        w = {k: v for k, v in r.items() if k != "time"}
        w["diagnosed"] = start.strftime(fmt)
        w["last_contact"] = "" if r["time"] == "" else (start + datetime.timedelta(days=int(r["time"]))).strftime(fmt)
        out.append(w)
        rr = dict(r)
        if unit == "months" and r["time"] != "":
            rr["time"] = repr(int(r["time"]) / (365.25 / 12))
        r_rows.append(rr)
    spec = json.loads(json.dumps(spec))
    spec["time"] = {"start": "diagnosed", "end": "last_contact", "unit": unit}
    if unit == "months":
        # The spec's times were read off the days: the same points, in months.
        m = 365.25 / 12
        if "times" in spec:
            spec["times"] = [round(t / m, 2) for t in spec["times"]]
        if "rmst_tau" in spec:
            spec["rmst_tau"] = round(spec["rmst_tau"] / m, 2) or 0.1
        if "landmark" in spec:
            spec["landmark"]["time"] = round(spec["landmark"]["time"] / m, 2)
    wcols = [c for c in cols if c != "time"] + ["diagnosed", "last_contact"]
    return out, wcols, spec, r_rows


def written(rows, cols, layout):
    """The file's text in `layout` (the cells' values are the same in every layout)."""
    lines = [[r[c] for c in cols] for r in rows]
    if layout == "semicolon":
        cell = lambda v: v.replace(".", ",") if DECIMAL.match(v) else v
        return "".join(";".join(cell(v) for v in line) + "\r\n" for line in [cols] + lines)
    if layout == "tab":
        return "\ufeff" + "".join("\t".join(line) + "\r\n" for line in [cols] + lines)
    if layout in ("quoted", "labels"):
        cell = lambda v: "NA" if v == "" else v if NUMBER.match(v) else '"' + v.replace('"', '""') + '"'
        return ",".join('"' + c + '"' for c in cols) + "\n" + "".join(",".join(cell(v) for v in line) + "\n" for line in lines)
    return "".join(",".join(line) + "\n" for line in [cols] + lines)


def workbook(rows, cols):
    """A one-sheet .xlsx file (the smallest valid OOXML package): a cell that reads as a number
    is a number cell, any other is an inline string, a blank is left out."""
    def ref(ci, ri):
        letters = ""
        ci += 1
        while ci:
            ci, rem = divmod(ci - 1, 26)
            letters = chr(65 + rem) + letters
        return f"{letters}{ri}"

    def cell(v, ci, ri):
        if v == "":
            return ""
        if NUMBER.match(v):
            return f'<c r="{ref(ci, ri)}"><v>{v}</v></c>'
        t = v.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return f'<c r="{ref(ci, ri)}" t="inlineStr"><is><t>{t}</t></is></c>'

    lines = [cols] + [[r[c] for c in cols] for r in rows]
    sheet_rows = "".join(f'<row r="{ri}">' + "".join(cell(v, ci, ri) for ci, v in enumerate(line)) + "</row>" for ri, line in enumerate(lines, 1))
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook {ns} xmlns:r="{rel}"><sheets><sheet name="cohort" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet {ns}><sheetData>{sheet_rows}</sheetData></worksheet>',
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(zipfile.ZipInfo(name, (2026, 1, 1, 0, 0, 0)), text)
    return buf.getvalue()


PARQUET_BASE = ["comma", "labels", "dates"]
PARQUET_CODECS = ["snappy", "snappy", "zstd", "gzip", "uncompressed"]


def parquet(rng, text, path):
    """`text` (a comma layout's CSV) as a Parquet file written by DuckDB: the CSV sniffed over
    all its rows, one of PARQUET_CODECS, and at times row groups of 2,048 rows (DuckDB's
    smallest; its default is 122,880), so a larger file has several."""
    import duckdb  # only here: the other layouts need no module beyond the standard library
    src = path + ".tmp.csv"
    with open(src, "w", newline="", encoding="utf-8") as f:
        f.write(text)
    codec = rng.choice(PARQUET_CODECS)
    group = ", ROW_GROUP_SIZE 2048" if rng.random() < 0.3 else ""
    con = duckdb.connect()
    try:
        con.execute(f"COPY (SELECT * FROM read_csv('{src}', header = true, sample_size = -1)) "
                    f"TO '{path}' (FORMAT parquet, COMPRESSION {codec}{group})")
    finally:
        con.close()
        os.remove(src)


def main(argv):
    out, n, seed = argv[0], int(argv[1]), int(argv[2])
    max_rows = int(argv[argv.index("--max-rows") + 1]) if "--max-rows" in argv else 3000
    os.makedirs(out, exist_ok=True)
    for i in range(n):
        rng = random.Random(f"{seed}-{i}")
        rows, spec = cohort(rng, max_rows)
        if "--designs" in argv:
            rows, spec = design(random.Random(f"design-{seed}-{i}"), rows, spec)
        if "--adjusted" in argv:
            rows, spec = comparison(random.Random(f"adjusted-{seed}-{i}"), rows, spec)
        name = f"rand_{seed}_{i}"
        cols = list(rows[0].keys())
        if "--intervals" in argv:
            rows, cols, spec = intervals(random.Random(f"intervals-{seed}-{i}"), rows, cols, spec, random.Random(f"gaps-{seed}-{i}"))
        lrng = random.Random(f"layout-{seed}-{i}")
        layout = lrng.choice(LAYOUTS) if "--layouts" in argv else lrng.choice(PARQUET_BASE) if "--parquet" in argv else "comma"
        if layout == "dates" and "id" in spec:
            layout = "comma"   # start-stop rows are written with their times (no dates to derive)
        r_rows, r_cols = rows, cols
        if layout == "labels":
            rows, spec = labelled(rows, spec)
            r_rows = rows
        if layout == "dates":
            rows, cols, spec, r_rows = dated(lrng, rows, cols, spec)
        if layout == "xlsx":
            with open(os.path.join(out, name + ".xlsx"), "wb") as f:
                f.write(workbook(rows, cols))
        elif "--parquet" in argv:
            parquet(lrng, written(rows, cols, "comma"), os.path.join(out, name + ".parquet"))
        else:
            with open(os.path.join(out, name + ".csv"), "w", newline="", encoding="utf-8") as f:
                f.write(written(rows, cols, layout))
        if layout != "comma" or "--parquet" in argv:
            # The same data as R reads it (tests/random/expected.R takes NAME.r.csv when there is one).
            with open(os.path.join(out, name + ".r.csv"), "w") as f:
                f.write(written(r_rows, r_cols, "comma"))
        with open(os.path.join(out, name + ".spec.json"), "w") as f:
            json.dump(spec, f)


if __name__ == "__main__":
    main(sys.argv[1:])
