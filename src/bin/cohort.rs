//! `cohort analyze DATA --spec SPEC`: print the report JSON for a spec (a JSON string or a
//! path to a JSON file).

use std::process::ExitCode;

const USAGE: &str = "usage:
  cohort analyze DATA --spec SPEC [--pretty]   print the report JSON (SPEC: JSON text or a file)
  cohort export DATA --spec SPEC --as KIND [--k K] [--out FILE] [--options JSON] [--size WxH]
        [--dpi N] [--preset single|double]
                                               one export, exactly as the page's button writes it,
                                               with counts below K (default 5) withheld; KIND:
                                               results-link, report-json, tables-csv, table1-csv,
                                               table1-md, methods, figure-svg, r-script,
                                               python-script, flow-svg, ph-residuals-svg, love-svg,
                                               subgroups-svg, adjusted-svg (figures: plot options JSON, size
                                               default 1800x1200); for the manuscript:
                                               figure-png, figure-tiff, figure-pdf (printed size
                                               of the preset, default double = 180 mm; raster at
                                               --dpi, default 300), risk-table-csv, docx
  cohort schema DATA                           print the columns and their inferred types
  cohort aggregate-sql --spec SPEC --dialect duckdb|spark --source TABLE_OR_PATH
        [--bin COL=WIDTH]... [--keep COL]... [--time-bin WIDTH] [--spec-out FILE]
                                               print the SQL that reduces row-level data to
                                               counts per distinct value combination, to be
                                               analysed with the spec it prints (frequency weights)
  cohort synth ROWS [SEED] [--designs]         write a seeded synthetic cohort CSV to stdout
                                               (--designs: with entry, tx and trt columns)
  cohort bench DATA                            time parse, KM + log-rank, Cox, cumulative
                                               incidence + Gray, Fine-Gray, full analyze, and
                                               with entry/tx/trt columns delayed entry, split
                                               Cox, propensity weighting (JSON)

DATA is a CSV/TSV/semicolon-separated text file or an .xlsx/.xls/.ods workbook.";

fn main() -> ExitCode {
    allocator_tunables();
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(out) => {
            if !out.is_empty() || args.first().map(String::as_str) != Some("export") {
                // A reader that stops early (`cohort analyze … | head`) closes the pipe: that is
                // the end of the output, not an error (println! would panic on it).
                use std::io::Write;
                let mut stdout = std::io::stdout().lock();
                if let Err(e) = writeln!(stdout, "{out}").and_then(|()| stdout.flush()) {
                    if e.kind() != std::io::ErrorKind::BrokenPipe {
                        eprintln!("cohort: cannot write the output: {e}");
                        return ExitCode::from(2);
                    }
                }
            }
            ExitCode::SUCCESS
        }
        Err(msg) => {
            eprintln!("cohort: {msg}");
            ExitCode::from(2)
        }
    }
}

/// glibc's allocator settings for this process, which allocates and frees arrays of many MB (the
/// parsed columns, the Cox model's row-major design matrix, the concordance's buffers): every
/// block from the heap (none mapped apart, which glibc gives back to the system when freed) and a
/// heap that is never trimmed, so a freed array's pages are used again instead of being faulted
/// in and cleared afresh. At 200k rows, file → KM + log-rank + Cox: 185 → 159 ms (median of 15;
/// page faults had been a quarter of the time). Transparent huge pages
/// (`GLIBC_TUNABLES=glibc.malloc.hugetlb=1`) made it 129 ms on most runs, but on this VM some
/// runs' first touches of huge pages took twice as long (parse 250 → 530 ms at 1M rows), so they
/// are not used. Peak memory is unchanged: what is freed is used again, never added to.
fn allocator_tunables() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes the allocator's parameters; it is called before any thread
    // starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_MAX, 0);
        libc::mallopt(libc::M_TRIM_THRESHOLD, i32::MAX);
    }
}

/// Files up to this size are read whole ([`read_whole`]); larger ones stream. The environment
/// variable `COHORT_WHOLE_MAX` (bytes) sets another size: `0` streams every file (the tests
/// compare the two ways).
const WHOLE_MAX: usize = 64 << 20;

/// Read the table of file `path`. A file of more than [`WHOLE_MAX`] bytes is read as the page
/// reads a dropped file: streamed in chunks through [`cohort::ingest::TextStream`] (a text table
/// is never held whole: the columns are built as the chunks come, and the same table results as
/// from the whole file), again when the stream asks for a second pass. A workbook, Parquet or a
/// file that is not UTF-8 is collected whole by the stream itself. Peak memory is the columns',
/// not the file's and the columns', and the 4 MiB buffer is used again for every chunk. A
/// smaller file, or a pipe, is read whole.
fn read_file(path: &str, name: &str, opts: cohort::ReadOptions) -> Result<cohort::Table, String> {
    use std::io::Read;
    const CHUNK: usize = 4 << 20;
    let cannot = |e: std::io::Error| format!("cannot read {path}: {e}");
    let meta = std::fs::metadata(path).map_err(cannot)?;
    let total = meta.len() as usize;
    let whole_max = std::env::var("COHORT_WHOLE_MAX").ok().and_then(|v| v.trim().parse().ok()).unwrap_or(WHOLE_MAX);
    // A pipe (`cohort analyze <(gunzip -c f.csv.gz)`) cannot be read a second time: read whole.
    if !meta.is_file() || total <= whole_max {
        return read_whole(path, name, &opts, total);
    }
    let mut stream = cohort::ingest::TextStream::new(name, total, opts);
    loop {
        let mut file = std::fs::File::open(path).map_err(cannot)?;
        loop {
            let n = match file.read(stream.spare(CHUNK)) {
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(cannot(e)),
            };
            if n == 0 {
                break;
            }
            stream.commit(n).map_err(|e| e.to_string())?;
        }
        match stream.end().map_err(|e| e.to_string())? {
            cohort::ingest::StreamEnd::Table(table) => return Ok(table),
            cohort::ingest::StreamEnd::Again | cohort::ingest::StreamEnd::Restart => {}
        }
    }
}

/// Read file `path` (`total` bytes; 0 for a pipe, which is read as it comes) whole. On Linux a file is mapped into memory rather than
/// copied: its pages come from the system's file cache, read ahead in one call, without the
/// copy into a buffer of the file's size and that buffer's page faults (at 200k rows, 39 MB, about
/// a tenth of `cohort analyze`'s time). The whole text is then read on two threads where there
/// are two ([`cohort::read_table`]). As with any mapped file, the file must not be cut short by
/// another program while it is read.
fn read_whole(path: &str, name: &str, opts: &cohort::ReadOptions, total: usize) -> Result<cohort::Table, String> {
    let cannot = |e: std::io::Error| format!("cannot read {path}: {e}");
    #[cfg(target_os = "linux")]
    if total > 0 {
        use std::os::fd::AsRawFd;
        let file = std::fs::File::open(path).map_err(cannot)?;
        // SAFETY: a private, read-only mapping of `total` bytes of an open file; the slice lives
        // only while the mapping does (it is unmapped after the table is read).
        let map = unsafe { libc::mmap(std::ptr::null_mut(), total, libc::PROT_READ, libc::MAP_PRIVATE | libc::MAP_POPULATE, file.as_raw_fd(), 0) };
        if map != libc::MAP_FAILED {
            let bytes = unsafe { std::slice::from_raw_parts(map as *const u8, total) };
            let table = cohort::read_table(bytes, name, opts).map_err(|e| e.to_string());
            // SAFETY: the mapping made above, no longer borrowed.
            unsafe { libc::munmap(map, total) };
            return table;
        }
    }
    let bytes = std::fs::read(path).map_err(cannot)?;
    cohort::read_table(&bytes, name, opts).map_err(|e| e.to_string())
}

/// JSON text, or a file holding it.
fn spec_arg(spec: String) -> Result<cohort::AnalysisSpec, String> {
    let text = if spec.trim_start().starts_with('{') {
        spec
    } else {
        std::fs::read_to_string(&spec).map_err(|e| format!("cannot read spec file {spec}: {e}"))?
    };
    cohort::AnalysisSpec::from_json(&text).map_err(|e| e.to_string())
}

fn aggregate_sql(args: &[String]) -> Result<String, String> {
    use cohort::aggregate::{AggregateOptions, Dialect};
    let mut spec = None;
    let mut dialect = None;
    let mut source = None;
    let mut spec_out = None;
    let mut opts = AggregateOptions { dialect: Dialect::DuckDb, source: String::new(), bins: Default::default(), keep: vec![], time_bin: None };
    let mut it = args.iter();
    let value = |it: &mut std::slice::Iter<String>, flag: &str| it.next().cloned().ok_or(format!("{flag} needs a value\n{USAGE}"));
    while let Some(a) = it.next() {
        match a.as_str() {
            "--spec" => spec = Some(value(&mut it, "--spec")?),
            "--dialect" => dialect = Some(value(&mut it, "--dialect")?),
            "--source" => source = Some(value(&mut it, "--source")?),
            "--spec-out" => spec_out = Some(value(&mut it, "--spec-out")?),
            "--keep" => opts.keep.push(value(&mut it, "--keep")?),
            "--bin" => {
                let v = value(&mut it, "--bin")?;
                let (c, w) = v.rsplit_once('=').ok_or(format!("--bin takes COLUMN=WIDTH, got '{v}'"))?;
                let w: f64 = w.trim().parse().map_err(|_| format!("--bin {v}: the width '{w}' is not a number"))?;
                opts.bins.insert(c.to_string(), w);
            }
            "--time-bin" => {
                let v = value(&mut it, "--time-bin")?;
                let w: f64 = v.trim().parse().map_err(|_| format!("--time-bin: '{v}' is not a number"))?;
                if !(w > 0.0 && w.is_finite()) {
                    return Err(format!("--time-bin: the width must be a positive number, got {v}"));
                }
                opts.time_bin = Some(w);
            }
            other => return Err(format!("unknown option {other}\n{USAGE}")),
        }
    }
    let spec = spec_arg(spec.ok_or_else(|| format!("no --spec given\n{USAGE}"))?)?;
    opts.dialect = Dialect::parse(&dialect.ok_or_else(|| format!("no --dialect given (duckdb or spark)\n{USAGE}"))?).map_err(|e| e.to_string())?;
    opts.source = source.ok_or_else(|| format!("no --source given (a table name or a .parquet/.csv path)\n{USAGE}"))?;
    let plan = cohort::aggregate::aggregate_sql(&spec, &opts).map_err(|e| e.to_string())?;
    if let Some(f) = spec_out {
        std::fs::write(&f, plan.spec.to_json()).map_err(|e| format!("cannot write {f}: {e}"))?;
    }
    Ok(plan.sql)
}

/// `cohort export`: the bytes of one export (see `cohort::export::export_bytes`), to `--out` or
/// stdout. Returns the text to print ("" when written to a file).
fn export(args: &[String]) -> Result<String, String> {
    let (mut data, mut spec, mut kind, mut k, mut out, mut options, mut size) = (None, None, None, cohort::disclosure::DEFAULT_K, None, None, (1800u32, 1200u32));
    let (mut dpi, mut preset) = (None, None); // manuscript figures: --dpi N, --preset single|double
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut val = |what: &str| it.next().cloned().ok_or_else(|| format!("{a} needs {what}"));
        match a.as_str() {
            "--spec" => spec = Some(val("a value (JSON text or a file path)")?),
            "--as" => kind = Some(val("an export kind")?),
            "--k" => {
                let v = val("a whole number of at least 1")?;
                k = v.parse().ok().filter(|k| *k >= 1).ok_or_else(|| format!("--k must be a whole number of at least 1 (got '{v}')"))?;
            }
            "--out" => out = Some(val("a file path")?),
            "--options" => options = Some(val("plot options JSON")?),
            "--size" => {
                let v = val("WIDTHxHEIGHT")?;
                size = v
                    .split_once('x')
                    .and_then(|(w, h)| Some((w.parse().ok()?, h.parse().ok()?)))
                    .ok_or_else(|| format!("--size must be WIDTHxHEIGHT in pixels, e.g. 1800x1200 (got '{v}')"))?;
            }
            "--dpi" => {
                let v = val("dots per inch (e.g. 300 or 600)")?;
                dpi = Some(v.parse::<u32>().map_err(|_| format!("--dpi must be a whole number of dots per inch, e.g. 300 (got '{v}')"))?);
            }
            "--preset" => preset = Some(cohort::plot::Preset::parse(&val("single or double")?)?),
            s if s.starts_with("--") => return Err(format!("unknown option {s}\n{USAGE}")),
            s => data = Some(s.to_string()),
        }
    }
    let data = data.ok_or_else(|| format!("no data file given\n{USAGE}"))?;
    let spec = spec_arg(spec.ok_or_else(|| format!("no --spec given\n{USAGE}"))?)?;
    let kind = cohort::export::ExportKind::parse(&kind.ok_or_else(|| format!("no --as KIND given\n{USAGE}"))?)?;
    let plot: cohort::plot::PlotOptions = match options {
        Some(o) => serde_json::from_str(&o).map_err(|e| format!("--options is not valid plot options JSON: {e}"))?,
        None => Default::default(),
    };
    let plot = cohort::plot::PlotOptions { dpi: dpi.or(plot.dpi), preset: preset.or(plot.preset), ..plot };
    let bytes = std::fs::read(&data).map_err(|e| format!("cannot read {data}: {e}"))?;
    let name = std::path::Path::new(&data).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or(data.clone());
    let table = cohort::read_table(&bytes, &name, &cohort::ReadOptions::from_spec(&spec)).map_err(|e| e.to_string())?;
    drop(bytes);
    let report = cohort::analyze(&table, &spec).map_err(|e| e.at_file(name.clone()).to_string())?;
    let input = cohort::export::ExportInput { report: &report, table: Some(&table), file: &name, k, plot, width: size.0, height: size.1 };
    let bytes = cohort::export::export_bytes(kind, &input)?;
    match out {
        Some(path) => {
            std::fs::write(&path, &bytes).map_err(|e| format!("cannot write {path}: {e}"))?;
            Ok(String::new())
        }
        None => {
            use std::io::Write;
            std::io::stdout().write_all(&bytes).map_err(|e| format!("cannot write the export: {e}"))?;
            Ok(String::new())
        }
    }
}

fn run(args: &[String]) -> Result<String, String> {
    let cmd = args.first().map(String::as_str).ok_or_else(|| USAGE.to_string())?;
    match cmd {
        "analyze" => {
            let mut data = None;
            let mut spec = None;
            let mut pretty = false;
            let mut it = args[1..].iter();
            while let Some(a) = it.next() {
                match a.as_str() {
                    "--spec" => spec = Some(it.next().ok_or("--spec needs a value (JSON text or a file path)")?.clone()),
                    "--pretty" => pretty = true,
                    s if s.starts_with("--") => return Err(format!("unknown option {s}\n{USAGE}")),
                    s => data = Some(s.to_string()),
                }
            }
            let data = data.ok_or_else(|| format!("no data file given\n{USAGE}"))?;
            let spec = spec.ok_or_else(|| format!("no --spec given\n{USAGE}"))?;
            let spec = spec_arg(spec)?;
            let name = std::path::Path::new(&data).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or(data.clone());
            let table = read_file(&data, &name, cohort::ReadOptions::from_spec(&spec))?;
            let report = cohort::analyze(&table, &spec).map_err(|e| e.at_file(name.clone()).to_string())?;
            Ok(if pretty { report.to_json_pretty() } else { report.to_json() })
        }
        "aggregate-sql" => aggregate_sql(&args[1..]),
        "export" => export(&args[1..]),
        "schema" => {
            let data = args.get(1).ok_or_else(|| format!("no data file given\n{USAGE}"))?;
            let bytes = std::fs::read(data).map_err(|e| format!("cannot read {data}: {e}"))?;
            let table = cohort::read_table(&bytes, data, &cohort::ReadOptions::default()).map_err(|e| e.to_string())?;
            serde_json::to_string_pretty(&table.schema()).map_err(|e| e.to_string())
        }
        "synth" => {
            let designs = args[1..].iter().any(|a| a == "--designs");
            let rest: Vec<&String> = args[1..].iter().filter(|a| *a != "--designs").collect();
            let n: usize = rest.first().and_then(|a| a.parse().ok()).ok_or_else(|| format!("synth needs a row count\n{USAGE}"))?;
            let seed: u64 = match rest.get(1) {
                Some(a) => a.parse().map_err(|_| format!("synth: the seed '{a}' is not a whole number\n{USAGE}"))?,
                None => 20261129,
            };
            if let Some(a) = rest.get(2) {
                return Err(format!("synth: unexpected argument '{a}'\n{USAGE}"));
            }
            let csv = if designs { cohort::bench::synthetic_csv_designs(n, seed) } else { cohort::bench::synthetic_csv(n, seed) };
            Ok(csv.trim_end().to_string())
        }
        "bench" => {
            let data = args.get(1).ok_or_else(|| format!("no data file given\n{USAGE}"))?;
            let bytes = std::fs::read(data).map_err(|e| format!("cannot read {data}: {e}"))?;
            let start = std::time::Instant::now();
            let now = move || start.elapsed().as_secs_f64() * 1000.0;
            let t = cohort::bench::run(&bytes, &now, 200_000).map_err(|e| e.to_string())?;
            serde_json::to_string(&t).map_err(|e| e.to_string())
        }
        "-h" | "--help" | "help" => Ok(USAGE.to_string()),
        other => Err(format!("unknown command '{other}'\n{USAGE}")),
    }
}
