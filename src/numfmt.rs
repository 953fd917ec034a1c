//! Numbers written for people: the one label format shared by the figures (`plot`) and the
//! cells disclosure control releases (`disclosure::kmunicate`), so neither depends on the other.

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
