//! Numbers written for people: the one label format shared by the figures (`plot`) and the
//! cells disclosure control releases (`disclosure::kmunicate`), so neither depends on the other;
//! and a count as disclosure control writes it (`suppressed_count`), shared by the figures and
//! the report's flow sentence; and a double as R's `write.csv` prints it (`r_number`, for the
//! benchmark's synthetic files and the ingestion tests).

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

/// A covariate value as R's `write.csv` prints a double: 15 significant digits, trailing zeros
/// dropped, fixed notation unless scientific is narrower (`-0.123456789012345`,
/// `1.23456789012345e-05`). Returns the value the text reads back as.
pub fn r_number(x: f64, out: &mut String) -> f64 {
    use std::fmt::Write;
    // `{:.14e}` rounds to 15 significant digits (correctly rounded); reading it back gives the
    // value R's text stands for, whose shortest round-trip form has at most 15 digits.
    let sci = format!("{x:.14e}");
    let v: f64 = sci.parse().unwrap_or(x);
    let fixed = format!("{v}");
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let mant = if mant.contains('.') { mant.trim_end_matches('0').trim_end_matches('.') } else { mant };
    let e: i32 = exp.parse().unwrap_or(0);
    let sci = format!("{mant}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs());
    let _ = write!(out, "{}", if sci.len() < fixed.len() { &sci } else { &fixed });
    v
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
