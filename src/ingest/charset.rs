//! The three non-UTF-8 text encodings [`decode`](super::decode) reads: UTF-16LE, UTF-16BE and
//! Windows-1252, decoded exactly as the WHATWG Encoding Standard (and encoding_rs) does.
//!
//! Why not encoding_rs here: its decoders dispatch over every encoding it knows, so calling
//! any of them links all of its code-page tables (Big5, GBK, Shift_JIS, EUC-KR, …), about
//! 150 KB of the gzipped browser module, for three encodings that need one 32-entry table.
//! (The workbook module still has encoding_rs: `.xls` files need the code pages.) The tests
//! below compare these decoders with encoding_rs's byte for byte.

use std::borrow::Cow;

/// Byte order of UTF-16 text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Utf16 {
    Le,
    Be,
}

/// What a byte-order mark at the start of the bytes says, and its length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bom {
    Utf8,
    Utf16(Utf16),
}

/// The byte-order mark the bytes start with (UTF-8 `EF BB BF`, UTF-16LE `FF FE`, UTF-16BE
/// `FE FF`) and its length, as encoding_rs's `Encoding::for_bom`.
pub fn for_bom(b: &[u8]) -> Option<(Bom, usize)> {
    if b.starts_with(&[0xEF, 0xBB, 0xBF]) {
        Some((Bom::Utf8, 3))
    } else if b.starts_with(&[0xFF, 0xFE]) {
        Some((Bom::Utf16(Utf16::Le), 2))
    } else if b.starts_with(&[0xFE, 0xFF]) {
        Some((Bom::Utf16(Utf16::Be), 2))
    } else {
        None
    }
}

/// Decode UTF-16 (no BOM handling). Unpaired surrogates and a trailing odd byte become U+FFFD;
/// the flag says whether there were any.
pub fn decode_utf16(b: &[u8], order: Utf16) -> (String, bool) {
    let units = b.chunks_exact(2).map(|p| match order {
        Utf16::Le => u16::from_le_bytes([p[0], p[1]]),
        Utf16::Be => u16::from_be_bytes([p[0], p[1]]),
    });
    let mut out = String::with_capacity(b.len() / 2 + 3);
    let mut errors = false;
    for c in char::decode_utf16(units) {
        out.push(c.unwrap_or_else(|_| {
            errors = true;
            char::REPLACEMENT_CHARACTER
        }));
    }
    if b.len() % 2 == 1 {
        out.push(char::REPLACEMENT_CHARACTER);
        errors = true;
    }
    (out, errors)
}

/// Windows-1252 bytes 0x80–0x9F (WHATWG index-windows-1252; the five bytes Microsoft leaves
/// undefined map to the C1 control with the same number). Other bytes are Latin-1.
const CP1252_80_9F: [char; 32] = [
    '\u{20AC}', '\u{0081}', '\u{201A}', '\u{0192}', '\u{201E}', '\u{2026}', '\u{2020}', '\u{2021}', //
    '\u{02C6}', '\u{2030}', '\u{0160}', '\u{2039}', '\u{0152}', '\u{008D}', '\u{017D}', '\u{008F}', //
    '\u{0090}', '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}', '\u{2022}', '\u{2013}', '\u{2014}', //
    '\u{02DC}', '\u{2122}', '\u{0161}', '\u{203A}', '\u{0153}', '\u{009D}', '\u{017E}', '\u{0178}', //
];

/// Decode Windows-1252 (every byte is a character, so this cannot fail). Borrows when the
/// bytes are all ASCII; ASCII runs are copied whole.
pub fn decode_windows_1252(b: &[u8]) -> Cow<'_, str> {
    let Some(first) = b.iter().position(|&c| c >= 0x80) else {
        return Cow::Borrowed(std::str::from_utf8(b).unwrap_or_default());
    };
    let mut out = String::with_capacity(b.len() + b.len() / 8);
    let mut rest = b;
    let mut ascii = first;
    loop {
        // `rest[..ascii]` is ASCII, hence valid UTF-8.
        out.push_str(std::str::from_utf8(&rest[..ascii]).unwrap_or_default());
        let Some(&c) = rest.get(ascii) else { break };
        out.push(if (0x80..0xA0).contains(&c) { CP1252_80_9F[usize::from(c - 0x80)] } else { char::from(c) });
        rest = &rest[ascii + 1..];
        ascii = rest.iter().position(|&c| c >= 0x80).unwrap_or(rest.len());
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_1252_matches_encoding_rs_for_every_byte() {
        let all: Vec<u8> = (0..=255u8).collect();
        let (want, _, _) = encoding_rs::WINDOWS_1252.decode(&all);
        assert_eq!(decode_windows_1252(&all), want);
        // Each byte alone, and between ASCII runs.
        for b in 0..=255u8 {
            let s = [b'a', b'b', b, b'c', b, b];
            assert_eq!(decode_windows_1252(&s), encoding_rs::WINDOWS_1252.decode(&s).0, "byte {b:#x}");
        }
        assert!(matches!(decode_windows_1252(b"plain ascii"), Cow::Borrowed("plain ascii")));
        // "café" in Windows-1252 with a euro sign and curly quotes: 0xE9 é, 0x80 €, 0x93/0x94 “ ”.
        assert_eq!(decode_windows_1252(b"caf\xE9 \x80 \x93x\x94"), "café € “x”");
    }

    #[test]
    fn utf16_matches_encoding_rs() {
        let cases: &[&[u8]] = &[
            b"",
            b"a\x00b\x00",
            // U+1F600 as a surrogate pair (LE: 3D D8 00 DE).
            b"\x3D\xD8\x00\xDE",
            // A lone high surrogate, then 'x'.
            b"\x3D\xD8x\x00",
            // A lone low surrogate at the end.
            b"x\x00\x00\xDE",
            // A trailing odd byte.
            b"a\x00b",
            // High surrogate followed by another high surrogate and a valid pair.
            b"\x3D\xD8\x3D\xD8\x00\xDE",
        ];
        for &c in cases {
            for (order, enc) in [(Utf16::Le, encoding_rs::UTF_16LE), (Utf16::Be, encoding_rs::UTF_16BE)] {
                let (want, want_err) = enc.decode_without_bom_handling(c);
                let (got, got_err) = decode_utf16(c, order);
                assert_eq!((got.as_str(), got_err), (&*want, want_err), "{c:?} {order:?}");
            }
        }
    }

    #[test]
    fn boms_match_encoding_rs() {
        for b in [&b"\xEF\xBB\xBFx"[..], b"\xFF\xFEx", b"\xFE\xFFx", b"\xEF\xBBx", b"x", b""] {
            let want = encoding_rs::Encoding::for_bom(b).map(|(e, n)| (e.name(), n));
            let got = for_bom(b).map(|(e, n)| {
                let name = match e {
                    Bom::Utf8 => "UTF-8",
                    Bom::Utf16(Utf16::Le) => "UTF-16LE",
                    Bom::Utf16(Utf16::Be) => "UTF-16BE",
                };
                (name, n)
            });
            assert_eq!(got, want, "{b:?}");
        }
    }
}
