#!/usr/bin/env python3
"""Write the "messy spreadsheet" corpus: what a clinician's export really looks like.

Each case is a small CSV made from R's survival::lung (tests/reference/lung.csv) with one flaw, and
its expected outcome in expected.json: the spec it is analysed with, and either the error message
(a substring) or the rows analysed and a warning (a substring). tests/messy.rs runs every case
through the command line; tests/browser/messy.test.mjs through the page.

    python3 tests/messy/make_messy.py
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
LUNG = os.path.join(HERE, '..', 'reference', 'lung.csv')
SPEC = {"time": "time", "event": {"column": "status", "event": ["2"]}}

lines = open(LUNG).read().splitlines()
header, rows = lines[0], lines[1:31]   # 30 patients: lines 2..31 of each file
cases = []


def write(name, text, mode='w'):
    with open(os.path.join(HERE, name), mode) as f:
        f.write(text)


def with_time(values):
    """The 30 rows with the time cell of some rows (0-based row index -> text) replaced."""
    out = []
    for i, r in enumerate(rows):
        c = r.split(',')
        if i in values:
            c[1] = values[i]
        out.append(','.join(c))
    return out


def case(name, **kw):
    cases.append({"file": name, "spec": kw.pop("spec", SPEC), **kw})


# A negative time: the column stays the follow-up time, the row goes, with its line.
write('negative_time.csv', '\n'.join([header] + with_time({4: '-5'})) + '\n')
case('negative_time.csv', n=29, warning="1 row excluded: negative time in 'time' (line 6)")

# A zero time: allowed (R's survfit keeps it), nothing excluded.
write('zero_time.csv', '\n'.join([header] + with_time({2: '0'})) + '\n')
case('zero_time.csv', n=30)

# Text in a numeric time column: the total, then each value with its lines.
write('text_times.csv', '\n'.join([header] + with_time({3: 'unknown', 22: 'unknown', 9: 'lost'})) + '\n')
case('text_times.csv', n=27,
     warning="3 rows excluded because the time in 'time' is not a number: 'unknown' (lines 5, 24), 'lost' (line 11)")

# Blank time cells: missing, named with their lines.
write('blank_times.csv', '\n'.join([header] + with_time({0: '', 7: ''})) + '\n')
case('blank_times.csv', n=28, warning="2 rows excluded: time is missing in 'time' (lines 2, 9)")

# Two columns with one name: refused, both named.
write('duplicated_headers.csv', '\n'.join([header.replace('"age"', '"sex"')] + rows) + '\n')
case('duplicated_headers.csv', error="two columns are both named 'sex' (columns 4 and 5)")

# An unnamed column in the middle: refused with its number.
h = header.split(',')
h[3] = ''
write('unnamed_middle.csv', '\n'.join([','.join(h)] + rows) + '\n')
case('unnamed_middle.csv', error="column 4 has no name")

# pandas' to_csv: an empty first header cell over the index 0..n-1.
write('pandas_index.csv', '\n'.join([',' + header] + [f'{i},{r}' for i, r in enumerate(rows)]) + '\n')
case('pandas_index.csv', n=30, note="it is read as 'X'", note2="row numbers 0 to 29")

# R's write.csv: "" over the row names 1..n.
write('r_rownames.csv', '\n'.join(['"",' + header] + [f'"{i + 1}",{r}' for i, r in enumerate(rows)]) + '\n')
case('r_rownames.csv', n=30, note="it is read as 'X'", note2="row numbers 1 to 30")

# One row: it loads and is analysed; the curve has one step.
write('one_row.csv', '\n'.join([header, rows[0]]) + '\n')
case('one_row.csv', n=1)

# Everyone censored: analysed, with a warning that there are no events.
cens = [','.join(c[:2] + ['1'] + c[3:]) for c in (r.split(',') for r in rows)]
write('all_censored.csv', '\n'.join([header] + cens) + '\n')
case('all_censored.csv', n=30, warning="no events",
     page_error="the outcome column 'status' has the same value ('1') in every row")

# A header and nothing else; an empty file; random bytes.
write('header_only.csv', header + '\n')
case('header_only.csv', error="the file has a header (line 1) but no data rows")
write('empty.csv', '')
case("empty.csv", error="the file is empty (0 bytes)")
write('random_bytes.csv', bytes((i * 193 + 71) % 256 for i in range(600)), 'wb')
case("random_bytes.csv", error="this is not a text table")

with open(os.path.join(HERE, 'expected.json'), 'w') as f:
    json.dump(cases, f, indent=1)
    f.write('\n')
