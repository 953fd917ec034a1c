//! Reading a member of a zip archive (a .docx) in the tests, without a zip crate.

/// The bytes of one member of a zip archive (local headers; stored or deflated).
pub fn zip_member(zip: &[u8], name: &str) -> Vec<u8> {
    let mut at = 0;
    while at + 30 <= zip.len() && zip[at..at + 4] == [0x50, 0x4b, 0x03, 0x04] {
        let u16_at = |i: usize| u16::from_le_bytes([zip[i], zip[i + 1]]) as usize;
        let u32_at = |i: usize| u32::from_le_bytes([zip[i], zip[i + 1], zip[i + 2], zip[i + 3]]) as usize;
        let (method, size, name_len, extra_len) = (u16_at(at + 8), u32_at(at + 18), u16_at(at + 26), u16_at(at + 28));
        let start = at + 30 + name_len + extra_len;
        assert_eq!(u16_at(at + 6) & 8, 0, "sizes in the local header");
        if &zip[at + 30..at + 30 + name_len] == name.as_bytes() {
            let data = &zip[start..start + size];
            return if method == 8 { cohort::export::inflate_raw(data, 1 << 26).unwrap() } else { data.to_vec() };
        }
        at = start + size;
    }
    panic!("{name} not in the archive");
}
