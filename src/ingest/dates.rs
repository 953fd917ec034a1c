//! Calendar dates as days since 1970-01-01 (proleptic Gregorian), parsing and formatting.

/// Days since 1970-01-01 of a civil date (Howard Hinnant's days_from_civil algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> f64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146097 + doe - 719468) as f64
}

/// Civil date of a day count.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719468;
    let era = if z >= 0 { z } else { z - 146096 } / 146097;
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

pub fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

/// `YYYY-MM-DD` of a day count.
pub fn format_iso(days: f64) -> String {
    let (y, m, d) = civil_from_days(days.floor() as i64);
    format!("{y:04}-{m:02}-{d:02}")
}

/// A valid civil date as a day count, or `None`.
pub fn ymd(y: i64, m: u32, d: u32) -> Option<f64> {
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) || !(1000..=9999).contains(&y) {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

/// Days between 1970-01-01 and Excel's day 0 in the 1900 date system (1899-12-30), so that
/// `days = serial - EXCEL_EPOCH_OFFSET`. Valid for serials after 1900-03-01 (serial 61), i.e.
/// past Excel's fictitious 1900-02-29.
pub const EXCEL_EPOCH_OFFSET: f64 = 25569.0;

/// Serial numbers treated as Excel dates when a date is needed: 20000 (1954-10-03) to 80000
/// (2119-01-10). Anything outside is far more likely a plain number.
pub const EXCEL_SERIAL_RANGE: (f64, f64) = (20000.0, 80000.0);

/// Is `x` an Excel serial date as we accept them (a whole number in [`EXCEL_SERIAL_RANGE`])?
pub fn is_excel_serial(x: f64) -> bool {
    x == x.trunc() && x >= EXCEL_SERIAL_RANGE.0 && x <= EXCEL_SERIAL_RANGE.1
}

/// How the fields of a date cell are written, before the column decides the day/month order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateText {
    /// Year first (`2020-03-15`, `2020/03/15`) or a month written as a word (`15-Mar-2020`):
    /// the order is unambiguous.
    Ymd(i64, u32, u32),
    /// `a?b?year` with `?` one of `/`, `.`, `-`: `a`/`b` are day/month or month/day.
    Ab { a: u32, b: u32, y: i64, sep: u8 },
}

/// Day/month order of `a?b?year` dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    Dmy,
    Mdy,
}

impl DateText {
    /// The day count under an order (the order is ignored for unambiguous forms).
    pub fn days(self, order: Order) -> Option<f64> {
        match self {
            DateText::Ymd(y, m, d) => ymd(y, m, d),
            DateText::Ab { a, b, y, .. } => match order {
                Order::Dmy => ymd(y, b, a),
                Order::Mdy => ymd(y, a, b),
            },
        }
    }
}

const MONTHS: &[(&str, u32)] = &[
    ("january", 1), ("february", 2), ("march", 3), ("april", 4), ("may", 5), ("june", 6),
    ("july", 7), ("august", 8), ("september", 9), ("october", 10), ("november", 11), ("december", 12),
    ("jan", 1), ("feb", 2), ("mar", 3), ("apr", 4), ("jun", 6), ("jul", 7), ("aug", 8),
    ("sep", 9), ("sept", 9), ("oct", 10), ("nov", 11), ("dec", 12),
    // German / French / Spanish abbreviations that differ from the English ones.
    ("mär", 3), ("mrz", 3), ("okt", 10), ("dez", 12), ("mai", 5), ("janv", 1), ("févr", 2),
    ("fevr", 2), ("avr", 4), ("juin", 6), ("juil", 7), ("août", 8), ("aout", 8), ("déc", 12),
    ("ene", 1), ("abr", 4), ("ago", 8), ("dic", 12),
];

fn month_name(s: &str) -> Option<u32> {
    let l = s.trim_end_matches('.').to_lowercase();
    MONTHS.iter().find(|(n, _)| *n == l).map(|&(_, m)| m)
}

/// Two-digit years as Excel reads them: 00–29 → 2000–2029, 30–99 → 1930–1999.
pub fn expand_two_digit_year(y: i64) -> i64 {
    if y < 30 { 2000 + y } else { 1900 + y }
}

fn digits(s: &str, min: usize, max: usize) -> Option<u32> {
    if s.len() < min || s.len() > max || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn year(s: &str) -> Option<i64> {
    match s.len() {
        4 => digits(s, 4, 4).map(|y| y as i64),
        2 => digits(s, 2, 2).map(|y| expand_two_digit_year(y as i64)),
        _ => None,
    }
}

/// `2020-03-15`, `15/03/2020`, `15-Mar-2020`: three fields split by one of `-` `/` `.`.
fn single_token(d: &str) -> Option<DateText> {
    let sep = *d.as_bytes().iter().find(|b| matches!(b, b'-' | b'/' | b'.'))?;
    let mut it = d.split(sep as char);
    let (p0, p1, p2) = (it.next()?, it.next()?, it.next()?);
    if it.next().is_some() {
        return None;
    }
    if p0.len() == 4 {
        let y = digits(p0, 4, 4)? as i64;
        return Some(DateText::Ymd(y, digits(p1, 1, 2)?, digits(p2, 1, 2)?));
    }
    let y = year(p2);
    if let (Some(a), Some(b), Some(y)) = (digits(p0, 1, 2), digits(p1, 1, 2), y) {
        return Some(DateText::Ab { a, b, y, sep });
    }
    // 15-Mar-2020
    let (d, m, y) = (digits(p0, 1, 2)?, month_name(p1)?, y?);
    Some(DateText::Ymd(y, m, d))
}

/// Recognise a date cell: ISO `2020-03-15` (also with `/` or `.`), `15/03/2020`, `3/15/2020`,
/// `15.03.2020`, `15-03-20`, `15-Mar-2020`, `15 March 2020`, `Mar 15, 2020`; a trailing time
/// (`2020-03-15T10:00`, `15/03/2020 10:00:00`, `... 10:00 AM`) is ignored. Returns the
/// fields; validity (e.g. 31 February) is checked by [`DateText::days`].
pub fn parse_date_text(s: &str) -> Option<DateText> {
    let t = s.trim();
    if t.len() < 6 || t.len() > 40 || !t.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    // ISO with a `T` time.
    let t = match t.find('T') {
        Some(10) => &t[..10],
        _ => t,
    };
    // One token (no time part): the common case, without allocation.
    if !t.contains(char::is_whitespace) {
        return single_token(t);
    }
    // Drop trailing time tokens.
    let mut tokens: Vec<&str> = t.split_whitespace().collect();
    while let Some(last) = tokens.last() {
        let l = last.to_ascii_lowercase();
        if tokens.len() > 1 && (last.contains(':') || l == "am" || l == "pm") {
            tokens.pop();
        } else {
            break;
        }
    }
    if tokens.len() == 1 {
        return single_token(tokens[0]);
    }
    // `15 March 2020`, `March 15, 2020`, `15. März 2020`
    let words: Vec<&str> = tokens.iter().map(|w| w.trim_end_matches([',', '.'])).filter(|w| !w.is_empty()).collect();
    if words.len() != 3 {
        return None;
    }
    let y = year(words[2])?;
    if let (Some(d), Some(m)) = (digits(words[0], 1, 2), month_name(words[1])) {
        return Some(DateText::Ymd(y, m, d));
    }
    let (m, d) = (month_name(words[0])?, digits(words[1], 1, 2)?);
    Some(DateText::Ymd(y, m, d))
}


#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn round_trips() {
        assert_eq!(days_from_civil(1970, 1, 1), 0.0);
        assert_eq!(days_from_civil(2000, 3, 1), 11017.0);
        for z in [-1000i64, 0, 59, 60, 11016, 20000, 40000] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z as f64);
        }
        assert_eq!(format_iso(11017.0), "2000-03-01");
        assert!(ymd(2021, 2, 29).is_none());
        assert!(ymd(2020, 2, 29).is_some());
    }
    #[test]
    fn date_texts() {
        // 2020-03-15 is day 18336 since 1970-01-01.
        let iso = parse_date_text("2020-03-15").unwrap();
        assert_eq!(iso.days(Order::Dmy), Some(18336.0));
        assert_eq!(parse_date_text("2020-03-15T08:30:00").unwrap(), iso);
        assert_eq!(parse_date_text("15-Mar-2020").unwrap(), iso);
        assert_eq!(parse_date_text("15 March 2020").unwrap(), iso);
        assert_eq!(parse_date_text("March 15, 2020").unwrap(), iso);
        let dmy = parse_date_text("15.03.2020 10:00").unwrap();
        assert_eq!(dmy, DateText::Ab { a: 15, b: 3, y: 2020, sep: b'.' });
        assert_eq!(dmy.days(Order::Dmy), Some(18336.0));
        assert_eq!(dmy.days(Order::Mdy), None); // month 15
        let us = parse_date_text("3/15/20 1:00 PM").unwrap();
        assert_eq!(us.days(Order::Mdy), Some(18336.0));
        // Two-digit years: Excel's pivot (29 → 2029, 30 → 1930).
        assert_eq!(expand_two_digit_year(29), 2029);
        assert_eq!(expand_two_digit_year(30), 1930);
        for junk in ["12 months", "1.5", "2020", "unk", "3/4", "1-2-3-4", "32/13/2020x"] {
            assert!(parse_date_text(junk).and_then(|d| d.days(Order::Dmy)).is_none(), "{junk}");
        }
        // Excel serial 43905 = 2020-03-15.
        assert_eq!(43905.0 - EXCEL_EPOCH_OFFSET, 18336.0);
    }
}
