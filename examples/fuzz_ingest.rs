//! Deterministic fuzzing of ingestion without cargo-fuzz: mutates the corpus in
//! `tests/ingest/` with a seeded PRNG and runs `read_table` + `prepare` on each input under
//! `catch_unwind`. See `fuzz/README.md`.
//!
//! `cargo run --example fuzz_ingest -- [SECONDS] [SEED]` (defaults: 60 s, seed 1). Prints the
//! number of inputs run; stops with the input saved under `target/` at the first panic.

#[path = "../tests/support/mutate.rs"]
mod mutate;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let secs: u64 = args.first().and_then(|s| s.parse().ok()).unwrap_or(60);
    let seed: u64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(1);
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ingest");
    let t0 = std::time::Instant::now();
    let (n, caught) = mutate::fuzz(&dir, seed, u64::MAX, Some(std::time::Duration::from_secs(secs)));
    println!(
        "fuzz_ingest: seed {seed}: {n} inputs in {:.0} s, no panic escaped ({caught} panics caught inside the workbook reader)",
        t0.elapsed().as_secs_f64()
    );
}
