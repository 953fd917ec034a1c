//! Date cells as text: parsing them into days since 1970-01-01 (the arithmetic is in
//! [`crate::calendar`]).

// The calendar arithmetic lives in `crate::calendar` (the table prints dates with it too);
// re-exported here for the readers.
pub use crate::calendar::{civil_from_days, days_from_civil, days_in_month, format_iso, is_excel_serial, ymd, EXCEL_EPOCH_OFFSET, EXCEL_SERIAL_RANGE};

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
