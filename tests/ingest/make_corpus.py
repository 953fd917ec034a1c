#!/usr/bin/env python3
"""Writes the ingestion corpus in tests/ingest/ and its expected outcomes (expected.json).

Run from the crate root:  python3 tests/ingest/make_corpus.py   (needs openpyxl for .xlsx)

Every file is a real-world layout or a broken file a user may drop. expected.json lists cases:
{"file", "spec" (analysis spec), "sheet"/"date_order" (in the spec), and either
 "n"/"events" (+ optional "warning" substring) or "error" (substring of the error text)}.
tests/ingest.rs checks every case and that every file here has at least one case.
The round-trip layouts of lung/ovarian are additionally compared cell by cell with the
reference CSV in tests/ingest.rs.
"""
import csv, datetime, io, json, os, random, zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
REF = os.path.join(HERE, "..", "reference")
cases = []

LUNG = {"time": "time", "event": {"column": "status", "event": ["2"]}}
OVARIAN = {"time": "futime", "event": {"column": "fustat", "event": 1}}


def read_ref(name):
    with open(os.path.join(REF, name), newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def table_text(header, rows, delim=",", eol="\n", na="NA", quote_header=False, conv=lambda j, v: v):
    out = []
    h = [f'"{x}"' if quote_header else x for x in header]
    out.append(delim.join(h))
    for r in rows:
        out.append(delim.join(na if v == "NA" else conv(j, v) for j, v in enumerate(r)))
    return eol.join(out) + eol


def case(file, spec, **kw):
    c = {"file": file, "spec": spec}
    c.update(kw)
    cases.append(c)


lh, lr = read_ref("lung.csv")
oh, orows = read_ref("ovarian.csv")
LUNG_N, LUNG_EV = 228, 165  # R: survfit(Surv(time, status) ~ 1, lung): n 228, events 165
OV_N, OV_EV = 26, 12  # R: survfit(Surv(futime, fustat) ~ 1, ovarian): n 26, events 12

# --- Round-trip layouts of lung and ovarian --------------------------------------------------
write("lung_semicolon_crlf.csv", table_text(lh, lr, ";", "\r\n", na="").encode())
case("lung_semicolon_crlf.csv", LUNG, n=LUNG_N, events=LUNG_EV)
write("lung_crlf_quoted.csv", table_text(lh, lr, ",", "\r\n", quote_header=True).encode())
case("lung_crlf_quoted.csv", LUNG, n=LUNG_N, events=LUNG_EV)
write("lung_pipe.psv", table_text(lh, lr, "|").encode())
case("lung_pipe.psv", LUNG, n=LUNG_N, events=LUNG_EV)
# Excel "Unicode text": UTF-16LE with BOM, tab-separated, CRLF, blanks for NA.
write("lung_tab_utf16le.txt", b"\xff\xfe" + table_text(lh, lr, "\t", "\r\n", na="").encode("utf-16-le"))
case("lung_tab_utf16le.txt", LUNG, n=LUNG_N, events=LUNG_EV)
write("lung_utf16be.csv", b"\xfe\xff" + table_text(lh, lr, ",").encode("utf-16-be"))
case("lung_utf16be.csv", LUNG, n=LUNG_N, events=LUNG_EV)
# Windows-1252 with an accented header (age -> âge) and an accented text column.
cities = {"1": "Genève", "2": "Zürich", "3": "Bâle"}
lh_fr = ["âge" if h == "age" else h for h in lh] + ["ville"]
lr_fr = [r + [cities.get(r[0], "Besançon")] for r in lr]
write("lung_cp1252_accents.csv", table_text(lh_fr, lr_fr, ";", "\r\n").encode("cp1252"))
case("lung_cp1252_accents.csv", dict(LUNG, group="ville"), n=LUNG_N, events=LUNG_EV)
# Excel "CSV UTF-8" in a German locale: BOM, semicolon, decimal comma.
write("ovarian_semicolon_decimal_comma.csv",
      b"\xef\xbb\xbf" + table_text(oh, orows, ";", "\r\n", conv=lambda j, v: v.replace(".", ",")).encode())
case("ovarian_semicolon_decimal_comma.csv", OVARIAN, n=OV_N, events=OV_EV)
# Title lines above the header, blank lines between rows.
write("lung_title_lines.csv", ("Lung cohort export\nprinted 2024-01-05\n\n" + table_text(lh, lr[:100]) + "\n\n" + table_text(lh, lr[100:]).split("\n", 1)[1]).encode())
case("lung_title_lines.csv", LUNG, n=LUNG_N, events=LUNG_EV)
# Every missing-value spelling.
codes = ["", " ", "N/A", ".", "NULL", "-", "#N/A", "na", "  NA "]
k = [0]
def na_cycle():
    k[0] += 1
    return codes[k[0] % len(codes)]
txt = ",".join(lh) + "\n" + "\n".join(",".join(na_cycle() if v == "NA" else v for v in r) for r in lr) + "\n"
write("lung_missing_codes.csv", txt.encode())
case("lung_missing_codes.csv", LUNG, n=LUNG_N, events=LUNG_EV)

try:
    import openpyxl
    def xlsx(name, sheets):
        wb = openpyxl.Workbook()
        wb.remove(wb.active)
        for title, header, rows in sheets:
            ws = wb.create_sheet(title)
            ws.append(header)
            for r in rows:
                ws.append(r)
        buf = io.BytesIO()
        wb.save(buf)
        write(name, buf.getvalue())
        return buf.getvalue()
    def num(v):
        if v == "NA":
            return None
        x = float(v)
        return int(x) if x == int(x) else x
    lung_x = xlsx("lung.xlsx", [("lung", lh, [[num(v) for v in r] for r in lr]), ("notes", ["note"], [["from R survival"]])])
    case("lung.xlsx", LUNG, n=LUNG_N, events=LUNG_EV)
    xlsx("lung_second_sheet.xlsx", [("README", ["about", "x"], [["see sheet data", 1]]), ("data", lh, [[num(v) for v in r] for r in lr])])
    case("lung_second_sheet.xlsx", dict(LUNG, sheet="data"), n=LUNG_N, events=LUNG_EV)
    case("lung_second_sheet.xlsx", dict(LUNG, sheet="Daten"), error="no sheet named 'Daten'")
    xlsx("lung_empty_first_sheet.xlsx", [("Cover", [], []), ("data", lh, [[num(v) for v in r] for r in lr])])
    case("lung_empty_first_sheet.xlsx", LUNG, n=LUNG_N, events=LUNG_EV)
    # A stray value in the last cell of the sheet (XFD1048576): read without allocating the
    # 17-billion-cell rectangle, and refused as a value without a named column.
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(oh)
    for r in orows:
        ws.append([num(v) for v in r])
    ws.cell(row=1048576, column=16384, value="checked")
    buf = io.BytesIO()
    wb.save(buf)
    write("ovarian_stray_cell.xlsx", buf.getvalue())
    case("ovarian_stray_cell.xlsx", OVARIAN, error="line 1048576: this row has 16384 fields but the header (line 1) names 6 columns: field 16384 ('checked') has no column")
    xlsx("ovarian.xlsx", [("Sheet1", oh, [[num(v) for v in r] for r in orows])])
    case("ovarian.xlsx", OVARIAN, n=OV_N, events=OV_EV)
    write("truncated.xlsx", lung_x[: len(lung_x) // 2])
    case("truncated.xlsx", LUNG, error="damaged or truncated")
    # Date cells, a text cell "unk" in a date column and an #N/A-like text.
    rnd = random.Random(7)
    rows, n_ok, n_ev = [], 0, 0
    for i in range(40):
        s = datetime.date(2018, 1, 1) + datetime.timedelta(days=rnd.randrange(1000))
        e = s + datetime.timedelta(days=rnd.randrange(10, 900))
        st = rnd.choice([0, 1])
        if i == 5:
            rows.append([f"P{i:03}", s, "unk", st])
            continue
        rows.append([f"P{i:03}", s, e, st])
        n_ok += 1
        n_ev += st
    xlsx("dates.xlsx", [("dates", ["pid", "surgery", "last_fu", "relapse"], rows)])
    case("dates.xlsx", {"time": {"start": "surgery", "end": "last_fu", "unit": "months"}, "event": {"column": "relapse", "event": 1}},
         n=n_ok, events=n_ev, warning="end date 'unk' in 'last_fu' is not a date (line 7)")
except ImportError:
    print("openpyxl missing: .xlsx files not rewritten")

# --- Dates in text ----------------------------------------------------------------------------
def date_rows(seed, small_days=False, n=30):
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        while True:
            s = datetime.date(2017, 1, 1) + datetime.timedelta(days=rnd.randrange(1500))
            e = s + datetime.timedelta(days=rnd.randrange(1, 1200))
            if not small_days or (s.day <= 12 and e.day <= 12):
                break
        out.append((s, e, rnd.choice([0, 1])))
    return out

DSPAN = {"time": {"start": "srs_date", "end": "last_fu", "unit": "months"}, "event": {"column": "fail", "event": 1}}
rows = date_rows(1)
ev = sum(r[2] for r in rows)
for name, fmt in [("dates_iso.csv", "%Y-%m-%d"), ("dates_dmy.csv", "%d/%m/%Y"), ("dates_mdy.csv", "%m/%d/%Y"), ("dates_dmy_dots.csv", "%d.%m.%Y"), ("dates_month_names.csv", "%d-%b-%Y")]:
    txt = "id,srs_date,last_fu,fail\n" + "".join(f"{i+1},{s.strftime(fmt)},{e.strftime(fmt)},{f}\n" for i, (s, e, f) in enumerate(rows))
    write(name, txt.encode())
    case(name, DSPAN, n=len(rows), events=ev)
amb = date_rows(2, small_days=True, n=12)
txt = "id,srs_date,last_fu,fail\n" + "".join(f"{i+1},{s.strftime('%m/%d/%Y')},{e.strftime('%m/%d/%Y')},{f}\n" for i, (s, e, f) in enumerate(amb))
write("dates_ambiguous.csv", txt.encode())
case("dates_ambiguous.csv", DSPAN, error="are ambiguous: no value has a number above 12")
case("dates_ambiguous.csv", dict(DSPAN, date_order="mdy"), n=len(amb), events=sum(r[2] for r in amb))
# Excel serial numbers (1900 system) in date-named columns, and in plain-named ones.
serial = lambda d: (d - datetime.date(1899, 12, 30)).days
txt = "id,srs_date,last_fu_date,fail\n" + "".join(f"{i+1},{serial(s)},{serial(e)},{f}\n" for i, (s, e, f) in enumerate(rows))
write("dates_excel_serial.csv", txt.encode())
case("dates_excel_serial.csv", dict(DSPAN, time={"start": "srs_date", "end": "last_fu_date", "unit": "months"}), n=len(rows), events=ev)
txt = "id,start,stop,fail\n" + "".join(f"{i+1},{serial(s)},{serial(e)},{f}\n" for i, (s, e, f) in enumerate(rows))
write("dates_serial_plain_names.csv", txt.encode())
case("dates_serial_plain_names.csv", dict(DSPAN, time={"start": "start", "end": "stop", "unit": "months"}), n=len(rows), events=ev, warning="Excel serial dates")

# --- Cells that are not what the column holds --------------------------------------------------
rows_j = [list(r) for r in lr]
rows_j[4][1] = "12 months"  # file line 6
rows_j[8][1] = "unk"  # file line 10
write("lung_junk_time.csv", table_text(lh, rows_j).encode())
ev_j = sum(1 for i, r in enumerate(lr) if r[2] == "2" and i not in (4, 8))
case("lung_junk_time.csv", LUNG, n=LUNG_N - 2, events=ev_j, warning="2 rows excluded because the time in 'time' is not a number: '12 months' (line 6), 'unk' (line 10)")

# Quoted fields: delimiter, doubled quotes and line breaks inside; the junk time on the row
# after them must be reported on its file line (7).
txt = ('id,comment,time,status\r\n'
       '1,"plain",10,1\r\n'
       '2,"has, comma",20,0\r\n'
       '3,"two\r\nlines and ""quotes""",30,1\r\n'
       '4,"three\nline\nbreaks",40,1\r\n'
       '5,x,oops,1\r\n'
       '6,"",60,0\r\n')
write("quoted_multiline.csv", txt.encode())
case("quoted_multiline.csv", {"time": "time", "event": {"column": "status", "event": 1}}, n=5, events=3, warning="1 row excluded because the time in 'time' is not a number: 'oops' (line 9)")

write("negative_times.csv", b"time,status\n5,1\n-3,1\n7,0\n8,1\n-1,0\n9,1\n10,0\n11,1\n12,1\n13,0\n14,1\n")
case("negative_times.csv", {"time": "time", "event": {"column": "status", "event": 1}}, n=9, events=6, warning="2 rows excluded: negative time in 'time' (lines 3, 6)")
inf_rows = [("5", 1), ("Inf", 1), ("7", 0), ("8", 1), ("1e999", 0)] + [(str(t), int(t % 3 != 1)) for t in range(9, 24)]
write("infinite_times.csv", ("time,status\n" + "".join(f"{t},{s}\n" for t, s in inf_rows)).encode())
ok_rows = [(t, s) for t, s in inf_rows if t not in ("Inf", "1e999")]
case("infinite_times.csv", {"time": "time", "event": {"column": "status", "event": 1}}, n=len(ok_rows), events=sum(s for _, s in ok_rows), warning="2 rows excluded because the time in 'time' is not a number: 'Inf' (line 3), '1e999' (line 6)")
write("nonnumeric_time.csv", b"time,status\nlong,1\nshort,0\nmedium,1\n")
case("nonnumeric_time.csv", {"time": "time", "event": {"column": "status", "event": 1}}, error="the time column holds no numbers")
write("undeclared_event.csv", b"time,status\n5,1\n6,0\n7,3\n8,1\n9,0\n")
case("undeclared_event.csv", {"time": "time", "event": {"column": "status", "event": 1, "censored": 0}}, n=4, events=2, warning="value '3' is neither an event")
case("undeclared_event.csv", {"time": "time", "event": {"column": "status", "event": 1}}, n=5, events=2, warning="'3' (1 rows)")
txt = ("Name,MRN,email,phone,dob,time,status\n" +
       "".join(f"Pat {i},{100200300+i*7},p{i}@example.org,+41 44 555 {i:02} {i:02},19{40+i}-0{1+i%9}-1{i%10},{10+i},{i%2}\n" for i in range(30)))
write("identifiers.csv", txt.encode())
case("identifiers.csv", {"time": "time", "event": {"column": "status", "event": 1}}, n=30, events=15)

# --- OpenDocument (.ods, written by hand: mimetype + manifest + content.xml) and Excel 97 (.xls)
def ods(name, header, rows):
    from xml.sax.saxutils import escape
    def cell(v):
        if v is None:
            return "<table:table-cell/>"
        if isinstance(v, datetime.date):
            return f'<table:table-cell office:value-type="date" office:date-value="{v.isoformat()}"><text:p>{v.isoformat()}</text:p></table:table-cell>'
        if isinstance(v, (int, float)):
            return f'<table:table-cell office:value-type="float" office:value="{v!r}"><text:p>{v}</text:p></table:table-cell>'
        return f'<table:table-cell office:value-type="string"><text:p>{escape(str(v))}</text:p></table:table-cell>'
    body = "".join("<table:table-row>" + "".join(cell(v) for v in r) + "</table:table-row>" for r in [header] + rows)
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
               f'<office:body><office:spreadsheet><table:table table:name="cohort">{body}</table:table>'
               '</office:spreadsheet></office:body></office:document-content>')
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>')
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype", (1980, 1, 1, 0, 0, 0)), "application/vnd.oasis.opendocument.spreadsheet", compress_type=zipfile.ZIP_STORED)
        z.writestr(zipfile.ZipInfo("META-INF/manifest.xml", (1980, 1, 1, 0, 0, 0)), manifest, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr(zipfile.ZipInfo("content.xml", (1980, 1, 1, 0, 0, 0)), content, compress_type=zipfile.ZIP_DEFLATED)
    write(name, b.getvalue())

def numv(v):
    if v == "NA":
        return None
    x = float(v)
    return int(x) if x == int(x) else x

ods("ovarian.ods", oh, [[numv(v) for v in r] for r in orows])
case("ovarian.ods", OVARIAN, n=OV_N, events=OV_EV)
try:
    import xlwt
    wb = xlwt.Workbook()
    ws = wb.add_sheet("lung")
    for j, h in enumerate(lh):
        ws.write(0, j, h)
    for i, r in enumerate(lr):
        for j, v in enumerate(r):
            if v != "NA":
                ws.write(i + 1, j, numv(v))
    b = io.BytesIO()
    wb.save(b)
    write("lung.xls", b.getvalue())
    case("lung.xls", LUNG, n=LUNG_N, events=LUNG_EV)
except ImportError:
    print("xlwt missing: .xls not rewritten")

# --- Refusals --------------------------------------------------------------------------------
write("empty.csv", b"")
case("empty.csv", LUNG, error="empty.csv: the file is empty")
write("blank_lines_only.csv", b"\r\n  \r\n\r\n")
case("blank_lines_only.csv", LUNG, error="no text")
write("header_only.csv", b"time,status,age\r\n")
case("header_only.csv", LUNG, error="header (line 1) but no data rows")
write("png_renamed.csv", b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
case("png_renamed.csv", LUNG, error="this file is a PNG image")
write("jpeg_renamed.csv", b"\xff\xd8\xff\xe0\x00\x10JFIF" + bytes(range(200)))
case("jpeg_renamed.csv", LUNG, error="a JPEG image")
write("pdf_renamed.csv", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
case("pdf_renamed.csv", LUNG, error="a PDF document")
zb = io.BytesIO()
with zipfile.ZipFile(zb, "w") as z:
    z.writestr("lung.csv", table_text(lh, lr))
write("zip_renamed.csv", zb.getvalue())
case("zip_renamed.csv", LUNG, error="a ZIP archive")
rb = random.Random(3)
write("binary_garbage.csv", bytes(rb.randrange(256) for _ in range(3000)))
case("binary_garbage.csv", LUNG, error="binary data")
# Control characters without NUL bytes (e.g. a binary file in a legacy code page).
write("control_chars.csv", bytes((i * 7) % 32 for i in range(2000)))
case("control_chars.csv", LUNG, error="binary data")
write("html_saved_as.xls", b"<html><body><table><tr><td>time</td></tr></table></body></html>")
case("html_saved_as.xls", LUNG, error="a web page")
write("unterminated_quote.csv", b'time,status,note\n5,1,ok\n6,0,"starts here\n7,1,ok\n8,1,ok\n')
case("unterminated_quote.csv", LUNG, error="line 3: a quoted field that starts on this line is never closed")
write("ragged.csv", b"time;status;age\r\n5;1;60\r\n6;0\r\n7;1;70\r\n")
case("ragged.csv", LUNG, error="line 3: this row has 2 fields but the header (line 1) has 3 columns")
write("ragged_extra.csv", b"time,status,age\n5,1,60\n6,0,61,oops\n7,1,70\n")
case("ragged_extra.csv", LUNG, error="line 3: this row has 4 fields")
write("duplicate_header.csv", b"time,status,age,Age,age\n5,1,60,60,60\n")
case("duplicate_header.csv", LUNG, error="two columns are both named 'age' (columns 3 and 5)")
write("unnamed_column.csv", b"time,,status\n5,1,1\n")
case("unnamed_column.csv", LUNG, error="column 2 has no name")

# Inputs found by fuzzing (committed as found, not regenerated): fuzz_*.
# A mutated .xls whose FAT chain loops: calamine 0.38 would grow a buffer until out of memory.
case("fuzz_xls_fat_loop.xls", LUNG, error="a FAT chain loops")
# A MulRk record whose column range overflows u16 in calamine (a panic with overflow checks,
# a length error without): either way a damaged-workbook error, never a crash.
case("fuzz_xls_mulrk_overflow.xls", LUNG, error="cannot be opened: it looks damaged or truncated")

with open(os.path.join(HERE, "expected.json"), "w") as f:
    json.dump(cases, f, indent=1, ensure_ascii=False)
    f.write("\n")
print(len(cases), "cases")
