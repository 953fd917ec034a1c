//! Calendar arithmetic: dates as days since 1970-01-01 (proleptic Gregorian), the civil
//! date of a day count, ISO text, and Excel's serial dates. Used by the table (printing a date
//! cell) and by ingestion (reading one), so that neither depends on the other for it.

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
}
