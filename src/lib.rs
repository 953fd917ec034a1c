//! # cohort — survival-analysis cohort explorer
//!
//! One Rust core for the browser (WebAssembly) and the command line. Data flow one way:
//!
//! bytes → [`ingest`] → [`table::Table`] → [`spec::AnalysisSpec`] → [`analyze`] (the
//! [`stats`] estimators) → [`report::Report`] → [`plot`] (any plotters backend).
//!
//! Every estimator follows R's conventions (`survival`, `cmprsk`) and is checked against R's
//! output in `tests/`.

pub mod error;
pub mod spec;
pub mod table;
pub mod calendar;
pub mod columns;
pub mod ingest;
pub mod prepare;
pub mod study;
pub mod stats;
pub mod report;
pub mod analyze;
pub mod adjust;
pub mod plot;
pub mod overview;
pub mod bench;
pub mod export;
pub mod demo;
pub mod share;
pub mod aggregate;
pub mod disclosure;
pub mod numfmt;
pub mod rng;
// The manuscript exports (PNG/TIFF/PDF, the risk table CSV, Word) are part of the export module
// (`src/export/manuscript/`); `crate::manuscript` stays their path.
pub use export::manuscript;

#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use analyze::{analyze, analyze_bytes};
pub use error::{Error, ErrorKind, Result};
pub use ingest::{read_table, ReadOptions};
pub use report::Report;
pub use spec::AnalysisSpec;
pub use table::Table;

/// The processor cores this process may use (asked once). Natively, the reading of a long text,
/// the inference of its columns' types and the Cox model's sorted matrix use a second core where
/// there is one; the results are those of one core (the wasm build has one thread).
#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// `least` where there is a second core, else never (`usize::MAX`): the size from which a job is
/// shared between two cores.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn two_cores_from(least: usize) -> usize {
    if cores() > 1 { least } else { usize::MAX }
}

/// `here()` on this thread while `there()` runs on another; both results, the other thread's as
/// its `join` gives it (a panic there is the caller's to handle).
#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn beside<A, B: Send>(here: impl FnOnce() -> A, there: impl FnOnce() -> B + Send) -> (A, std::thread::Result<B>) {
    std::thread::scope(|s| {
        let other = s.spawn(there);
        (here(), other.join())
    })
}
