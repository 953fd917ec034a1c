//! Number parsing for ingestion: plain decimals read straight from the bytes (Clinger's fast
//! path, [`fast_decimal`], [`decimal_prefix`]), the standard library's parser for the rest
//! ([`parse_dot`]), and decimal commas with dot-grouped thousands ([`parse_comma`]). Split out of
//! `infer.rs` (issue 16: one module per job — assembly and type inference stay there).

use std::borrow::Cow;

/// A finite number with a decimal point (`12`, `-1.5`, `.5`, `2.5e-3`, `+3`).
pub fn parse_dot(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    if b.is_empty() || !b.iter().all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'-' | b'+' | b'e' | b'E')) {
        return None;
    }
    if !b.iter().any(|c| c.is_ascii_digit()) {
        return None;
    }
    let x: f64 = s.parse().ok()?;
    x.is_finite().then_some(x)
}

/// Is `s` digits grouped by three with dots (`1.234`, `12.345.678`; not `0.123`)?
fn dot_grouped(s: &str) -> bool {
    let mut groups = s.split('.');
    let Some(first) = groups.next() else { return false };
    if first.is_empty() || first.len() > 3 || first.starts_with('0') || !first.bytes().all(|c| c.is_ascii_digit()) {
        return false;
    }
    let mut n = 0;
    for g in groups {
        if g.len() != 3 || !g.bytes().all(|c| c.is_ascii_digit()) {
            return false;
        }
        n += 1;
    }
    n > 0
}

/// A number written with a decimal comma (`1,5`, `-0,25`, `1.234,5`); plain numbers
/// (`12`, `1.5`) and dot-grouped thousands (`1.234` = 1234) are accepted too.
pub fn parse_comma(s: &str) -> Option<f64> {
    let (sign, body) = match s.as_bytes().first() {
        Some(b'-') => ("-", &s[1..]),
        Some(b'+') => ("", &s[1..]),
        _ => ("", s),
    };
    let (int, frac) = match body.split_once(',') {
        Some((a, b)) => (a, Some(b)),
        None => (body, None),
    };
    let int_digits: Cow<str> = if int.contains('.') {
        if !dot_grouped(int) {
            return if frac.is_none() { parse_dot(s) } else { None };
        }
        Cow::Owned(int.replace('.', ""))
    } else {
        Cow::Borrowed(int)
    };
    if !int_digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let mut buf = String::with_capacity(s.len() + 1);
    buf.push_str(sign);
    buf.push_str(if int_digits.is_empty() { "0" } else { &int_digits });
    if let Some(f) = frac {
        if f.is_empty() || !f.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        buf.push('.');
        buf.push_str(f);
    } else if int_digits.is_empty() {
        return None;
    }
    let x: f64 = buf.parse().ok()?;
    x.is_finite().then_some(x)
}

/// Powers of ten that are exact in `f64` (10^22 is the largest).
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// `10^k` for `k ≤ 8`.
const POW10_INT: [u64; 9] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000];

/// The value of the eight digits in `t` (one digit value 0–9 per byte, the first digit in the
/// lowest byte): combined pairwise (`10·a + b`), by fours and by eights with three
/// multiplications (the standard library's float parser does the same).
#[inline]
fn eight_digit_value(t: u64) -> u64 {
    const MASK: u64 = 0x0000_00FF_0000_00FF;
    const MUL1: u64 = 0x000F_4240_0000_0064; // 100 + (1000000 << 32)
    const MUL2: u64 = 0x0000_2710_0000_0001; // 1 + (10000 << 32)
    let v = t.wrapping_mul(10).wrapping_add(t >> 8);
    let v1 = (v & MASK).wrapping_mul(MUL1);
    let v2 = ((v >> 16) & MASK).wrapping_mul(MUL2);
    (v1.wrapping_add(v2) >> 32) as u32 as u64
}

/// Read the run of ASCII digits at `b[i..]` into `m` (`m·10^k + digits`); returns the new `m`,
/// the number of digits and the position after them. Eight bytes at a time: `t = word ^ '0'…`
/// holds each digit's value; a byte is not a digit iff `t ≥ 10`, flagged by the high bit of
/// `t | (t + 0x76)` (carries only go towards later bytes, past the first flagged one). The
/// `k < 8` digits before the first non-digit are shifted to the top so the missing ones read as
/// leading zeros. The wrapping arithmetic only matters past 19 digits, which the caller refuses.
#[inline]
fn digit_run(b: &[u8], mut i: usize, mut m: u64) -> (u64, usize, usize) {
    let start = i;
    while i + 8 <= b.len() {
        let mut w = [0u8; 8];
        w.copy_from_slice(&b[i..i + 8]);
        let t = u64::from_le_bytes(w) ^ 0x3030_3030_3030_3030;
        let nd = (t | t.wrapping_add(0x7676_7676_7676_7676)) & 0x8080_8080_8080_8080;
        if nd == 0 {
            m = m.wrapping_mul(100_000_000).wrapping_add(eight_digit_value(t));
            i += 8;
            continue;
        }
        let k = (nd.trailing_zeros() / 8) as usize;
        if k > 0 {
            m = m.wrapping_mul(POW10_INT[k]).wrapping_add(eight_digit_value(t << (8 * (8 - k))));
            i += k;
        }
        return (m, i - start, i);
    }
    while i < b.len() && b[i].is_ascii_digit() {
        m = m.wrapping_mul(10).wrapping_add((b[i] - b'0') as u64);
        i += 1;
    }
    (m, i - start, i)
}

/// A plain decimal number at the start of `b[start..]` (see [`fast_decimal`]) and the position
/// after it; whatever follows is the caller's business. The value is NaN when the text is a
/// plain decimal that the quick path cannot convert exactly (more than 2^53 as an integer, e.g.
/// 17 significant digits): the caller parses that text with the standard library.
#[inline(always)]
pub fn decimal_prefix(b: &[u8], start: usize) -> Option<(f64, usize)> {
    // The sign without a branch (a column's signs alternate at random: a branch on them is
    // mispredicted half the time), applied as the sign bit.
    let c = *b.get(start)?;
    let neg = c == b'-';
    let i = start + usize::from(neg | (c == b'+'));
    // One digit before the point (`0.123`, `-1.5`: most covariates) needs no digit run.
    let (m, digits, i) = match (b.get(i), b.get(i + 1)) {
        (Some(&d), Some(b'.')) if d.is_ascii_digit() => ((d - b'0') as u64, 1, i + 1),
        _ => digit_run(b, i, 0),
    };
    let (m, frac, i) = if i < b.len() && b[i] == b'.' { digit_run(b, i + 1, m) } else { (m, 0, i) };
    if digits + frac == 0 {
        return None;
    }
    if digits + frac > 19 || frac > 22 || m > (1u64 << 53) {
        // A plain decimal, but out of the quick path's reach: NaN says "parse the text".
        return Some((f64::NAN, i));
    }
    // `m ≤ 2^53` converts exactly either way: as a signed integer it is one instruction
    // (wasm's and x86's unsigned conversion takes several).
    let m = m as i64 as f64;
    let x = if frac == 0 { m } else { m / POW10[frac] };
    Some((f64::from_bits(x.to_bits() | u64::from(neg) << 63), i))
}

/// A plain decimal number (`12`, `-0.123456789012345`, `+.5`, `3.`: optional sign, digits,
/// optional point and digits, no exponent), correctly rounded, when it can be done exactly the
/// quick way; `None` otherwise (the caller then uses [`parse_dot`], i.e. the standard library's
/// parser).
///
/// Clinger's fast path: when the digits without the point form an integer `m ≤ 2^53` (exact in
/// `f64`) and there are `k ≤ 22` digits after the point (so `10^k` is exact too), `m / 10^k`
/// is one IEEE division of two exact values, which rounds correctly to nearest — the same `f64`
/// as `str::parse` gives. This covers numbers printed with up to 15 significant digits (R's
/// `write.csv`, Excel); 16–17-digit values (shortest round-trip printing) with `m > 2^53` go to
/// the general parser. `tests::fast_decimal_matches_std` compares the two on a million random
/// texts.
#[inline]
pub fn fast_decimal(b: &[u8]) -> Option<f64> {
    match decimal_prefix(b, 0) {
        Some((x, end)) if end == b.len() && !x.is_nan() => Some(x),
        _ => None,
    }
}
