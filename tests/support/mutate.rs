//! Deterministic fuzzing of ingestion: mutate the corpus files in `tests/ingest/` with a
//! seeded PRNG and feed each result to `read_table` + `prepare` under `catch_unwind`.
//! Used by `tests/ingest.rs` (a short run) and `examples/fuzz_ingest.rs` (long runs).
#![allow(dead_code)]

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use cohort::prepare::prepare;
use cohort::{read_table, AnalysisSpec, ReadOptions};

/// Panics seen by the panic hook, including ones the product catches itself (the workbook
/// reader's `catch_unwind`), which would abort under wasm.
pub static PANICS: AtomicUsize = AtomicUsize::new(0);

/// splitmix64: small, fast, reproducible.
pub struct Rng(u64);
impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }
}

const TOKENS: &[&[u8]] = &[
    b"\"", b"\"\"", b",", b";", b"\t", b"|", b"\n", b"\r\n", b"\r", b"\0", b"\xEF\xBB\xBF", b"\xFF\xFE",
    b"NA", b"-", b"1e999", b"-1", b"inf", b"NaN", b"31/02/2020", b"03/04/2020", b"15.13.2020", b"2020-02-30",
    b"1,5", b"1.234,5", b"\xC3", b"\xE9", b"PK\x03\x04", b"#N/A", b"99999", b"45000", b"x@y.z",
];

/// One mutation of `data` (several edits stacked), possibly spliced with `other`.
pub fn mutate(rng: &mut Rng, data: &[u8], other: &[u8]) -> Vec<u8> {
    let mut d = data.to_vec();
    for _ in 0..1 + rng.below(4) {
        let n = d.len();
        match rng.below(9) {
            0 if n > 0 => {
                let i = rng.below(n);
                d[i] ^= 1 << rng.below(8);
            }
            1 if n > 0 => {
                let i = rng.below(n);
                d[i] = rng.next() as u8;
            }
            2 => {
                let t = TOKENS[rng.below(TOKENS.len())];
                let i = rng.below(n + 1);
                d.splice(i..i, t.iter().copied());
            }
            3 if n > 0 => {
                let i = rng.below(n);
                let k = 1 + rng.below((n - i).min(64));
                d.drain(i..i + k);
            }
            4 => d.truncate(rng.below(n + 1)),
            5 if n > 0 => {
                let i = rng.below(n);
                let k = 1 + rng.below((n - i).min(256));
                let chunk: Vec<u8> = d[i..i + k].to_vec();
                let j = rng.below(n + 1);
                d.splice(j..j, chunk);
            }
            6 if !other.is_empty() => {
                let i = rng.below(n + 1);
                let j = rng.below(other.len());
                d.truncate(i);
                d.extend_from_slice(&other[j..]);
            }
            7 if n > 0 => {
                // Replace a run of digits by a token.
                let i = rng.below(n);
                if let Some(p) = d[i..].iter().position(|b| b.is_ascii_digit()) {
                    let s = i + p;
                    let e = s + d[s..].iter().take_while(|b| b.is_ascii_digit()).count();
                    let t = TOKENS[rng.below(TOKENS.len())];
                    d.splice(s..e, t.iter().copied());
                }
            }
            _ => {
                let i = rng.below(n + 1);
                let k = rng.below(8);
                for _ in 0..k {
                    d.insert(i.min(d.len()), rng.next() as u8);
                }
            }
        }
    }
    d
}

fn specs() -> Vec<AnalysisSpec> {
    [
        r#"{"time":"time","event":{"column":"status","event":["2"]},"group":"sex","covariates":["age","ph.ecog"]}"#,
        r#"{"time":{"start":"srs_date","end":"last_fu","unit":"months"},"event":{"column":"fail","event":1}}"#,
        r#"{"time":"futime","event":{"column":"fustat","event":1},"table1":["age"],"date_order":"dmy"}"#,
    ]
    .iter()
    .map(|s| AnalysisSpec::from_json(s).unwrap())
    .collect()
}

/// Run one input through ingestion and preparation; `Err` if anything panicked.
pub fn exercise(bytes: &[u8], specs: &[AnalysisSpec]) -> Result<(), String> {
    std::panic::catch_unwind(|| {
        for spec in specs {
            let opts = ReadOptions { sheet: None, missing: None, date_order: spec.date_order };
            if let Ok(t) = read_table(bytes, "fuzz.csv", &opts) {
                let _ = t.schema();
                for c in &t.columns {
                    for r in 0..t.n_rows().min(50) {
                        let _ = c.text(r);
                    }
                }
                let _ = prepare(&t, spec, &mut Vec::new());
            }
        }
    })
    .map_err(|e| e.downcast_ref::<String>().cloned().or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_default())
}

/// Fuzz for `iterations` inputs (or until `limit` elapses). Panics (after saving the input
/// under `target/fuzz-crash-*.bin`) on the first input that panics. Returns the number of
/// inputs run and the number of panics the product caught internally.
pub fn fuzz(dir: &Path, seed: u64, iterations: u64, limit: Option<Duration>) -> (u64, usize) {
    let prev = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        PANICS.fetch_add(1, Ordering::Relaxed);
        if std::env::var_os("FUZZ_VERBOSE").is_some() {
            prev(info);
        }
    }));
    let mut corpus: Vec<Vec<u8>> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name() != "expected.json" && e.file_name() != "make_corpus.py")
        .filter_map(|e| std::fs::read(e.path()).ok())
        .collect();
    corpus.sort();
    let specs = specs();
    let mut rng = Rng::new(seed);
    let start = Instant::now();
    let mut done = 0;
    while done < iterations && limit.map(|l| start.elapsed() < l).unwrap_or(true) {
        let a = &corpus[rng.below(corpus.len())];
        let b = &corpus[rng.below(corpus.len())];
        let input = mutate(&mut rng, a, b);
        if let Some(trace) = std::env::var_os("FUZZ_TRACE") {
            // Keep the current input on disk: an abort or an out-of-memory kill cannot be
            // caught, so this is how such an input is found.
            let _ = std::fs::write(trace, &input);
        }
        if let Err(msg) = exercise(&input, &specs) {
            let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("target/fuzz-crash-{seed}-{done}.bin"));
            let _ = std::fs::write(&path, &input);
            let _ = std::panic::take_hook();
            panic!("input {done} (seed {seed}) panicked: {msg}; saved to {}", path.display());
        }
        done += 1;
    }
    let _ = std::panic::take_hook();
    (done, PANICS.load(Ordering::Relaxed))
}
