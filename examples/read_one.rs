//! Read one file with `read_table` and print the schema or the error (for diagnosing fuzz
//! findings): `cargo run --example read_one -- FILE`.
fn main() {
    let path = std::env::args().nth(1).unwrap_or_default();
    let bytes = std::fs::read(&path).unwrap_or_default();
    match cohort::read_table(&bytes, &path, &cohort::ReadOptions::default()) {
        Ok(t) => println!("{}", serde_json::to_string_pretty(&t.schema()).unwrap_or_default()),
        Err(e) => println!("error: {e}"),
    }
}
