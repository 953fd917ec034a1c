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

# lifelines' ACTG175.csv is a pandas export: an empty first header cell over the index 0..n-1,
# then the columns of the ACTG 175 trial (speff2trial::ACTG175). A synthetic file with the same
# columns (seeded values of plausible ranges; cd496 missing where r = 0): the index column is
# named 'X', flagged as row numbers, said so, and not offered as a covariate.
ACTG = ['pidnum', 'age', 'wtkg', 'hemo', 'homo', 'drugs', 'karnof', 'oprior', 'z30', 'zprior', 'preanti',
        'race', 'gender', 'str2', 'strat', 'symptom', 'treat', 'offtrt', 'cd40', 'cd420', 'cd496', 'r',
        'cd80', 'cd820', 'cid', 'days', 'arms']
state = [175]


def rnd(n):
    """A small linear congruential generator: the same file on every machine."""
    state[0] = (state[0] * 1103515245 + 12345) % 2 ** 31
    return (state[0] >> 16) % n   # the high bits: the low ones of an LCG repeat with a short period


actg = []
for i in range(60):
    arms = rnd(4)
    cid = 1 if rnd(4) == 0 else 0
    days = 14 + rnd(1200) if cid else 800 + rnd(430)
    r = 0 if rnd(3) == 0 else 1
    row = [10056 + 37 * i + rnd(30), 18 + rnd(50), f"{50 + rnd(400) / 10:.4f}", rnd(10) // 9, rnd(2), rnd(5) // 4,
           [70, 80, 90, 100][rnd(4)], rnd(10) // 9, rnd(2), 1, rnd(2000), rnd(4) // 3, rnd(5) // 4 ^ 1, rnd(2),
           1 + rnd(3), rnd(6) // 5, 1 if arms else 0, rnd(3) // 2, 100 + rnd(600), 100 + rnd(700),
           '' if r == 0 else 50 + rnd(800), r, 200 + rnd(1500), 200 + rnd(1500), cid, days, arms]
    actg.append(','.join([str(i)] + [str(v) for v in row]))
write('actg175_pandas.csv', '\n'.join([',' + ','.join(ACTG)] + actg) + '\n')
case('actg175_pandas.csv', spec={"time": "days", "event": {"column": "cid", "event": ["1"]}, "group": "arms"}, n=60,
     note="it is read as 'X'", note2="row numbers 0 to 59: it is not a variable, it is flagged as a row number and not offered as a covariate",
     note3="column 'pidnum' may identify patients (header suggests record or patient numbers)",
     row_number="X")

# A CDISC ADaM time-to-event dataset (ADTTE-like): STUDYID is one value, SITEID a few centres,
# SUBJID the subject's number within the study and USUBJID STUDYID-SITEID-SUBJID. Both subject
# numbers are flagged as identifiers (said in a note, kept out of exports); the study and the
# sites are not. CNSR = 1 is a censoring, 0 an event (CDISC's convention). Not a case of
# expected.json (its outcome columns have no usual name for the page to pick): read by
# tests/disclosure_identifiers.rs with every other test file.
cdisc = ['STUDYID,SITEID,SUBJID,USUBJID,AGE,SEX,TRT01P,PARAMCD,AVAL,CNSR']
for i in range(40):
    site = [701, 702, 703, 704, 705][rnd(5)]
    subj = 1001 + 13 * i + rnd(9)
    cdisc.append(f'CDISCPILOT01,{site},{subj},01-{site}-{subj},{50 + rnd(35)},{"MF"[rnd(2)]},'
                 f'{["Placebo", "Xanomeline Low Dose", "Xanomeline High Dose"][rnd(3)]},TTDE,{1 + rnd(200)},{rnd(3) // 2}')
write('cdisc_adtte.csv', '\n'.join(cdisc) + '\n')


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
