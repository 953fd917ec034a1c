//! Numbers written for people: the one label format shared by the figures (`plot`) and the
//! cells disclosure control releases (`disclosure::kmunicate`), so neither depends on the other;
//! and a count as disclosure control writes it (`suppressed_count`), shared by the figures and
//! the report's flow sentence.

/// A time or estimate for labels: integers as integers, else up to 3 significant digits
/// (at most 2 decimals), trailing zeros removed: 270 → "270", 10.36 → "10.4", 0.456 → "0.46".
pub fn format_num(v: f64) -> String {
    if !v.is_finite() {
        return "NA".to_string();
    }
    if (v - v.round()).abs() < 1e-9 {
        return format!("{}", v.round() as i64);
    }
    let a = v.abs();
    let places = if a >= 100.0 {
        0
    } else if a >= 10.0 {
        1
    } else {
        2
    };
    let s = format!("{:.*}", places, v);
    let s = if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s };
    if s == "-0" {
        "0".to_string()
    } else {
        s
    }
}

/// Disclosure control of one count: `Some("<k")` when `k` is set and the count is below it
/// (0 excluded: an empty cell, past the end of follow-up, discloses nobody) or unknown (a cell
/// a shared report already suppressed is NaN); `None` when the count may be shown.
pub fn suppressed_count(n: f64, k: Option<u32>) -> Option<String> {
    let k = k?;
    if n.is_nan() || (n > 0.0 && n < k as f64) {
        Some(format!("<{k}"))
    } else {
        None
    }
}
