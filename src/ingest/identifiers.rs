//! Direct identifiers: which columns of a clinical spreadsheet would identify a patient.
//!
//! The categories are HIPAA Safe Harbor's (45 CFR 164.514(b)(2)) as they appear in clinical
//! spreadsheets: names; record, account, beneficiary, insurance and national ID numbers; geography
//! below state level (street address, city, zip/postcode); dates of birth; phone and fax numbers;
//! e-mail addresses; URLs; IP addresses; device serial numbers; and free text (which quotes any
//! of them).
//!
//! A column is judged on its header **and** its content:
//!
//! * the header is split into words in any spelling (`PatientNumber`, `patient_no`, `NHSNumber`,
//!   `Patient #`, `hospital.nr`); a header word counts only when the column is not a short code —
//!   a 0/1 flag or a column of a few repeated values (`email_sent`, `tel_aviv_site`) is not an
//!   identifier because of a word in its header;
//! * the content is checked whatever the header: e-mail, URL, IP address and phone patterns, two
//!   or three capitalised words in most cells (personal names), long varied text, street
//!   addresses and postcodes, US social security numbers, NHS numbers (mod-11 check digit), IMEI
//!   (Luhn), and near-unique whole numbers of six digits or more (record numbers; a cohort of any
//!   size, not only above 20 rows).
//!
//! Date columns used for follow-up (diagnosis, surgery, death, last contact) are not identifiers;
//! a date of birth is.

use crate::table::{Column, ColumnData, ColumnKind};

/// The header's words, lower case: split at non-alphanumerics, at lower→upper case changes and
/// at the end of an acronym (`NHSNumber` → `nhs`, `number`); `#` is kept as a word.
pub fn header_words(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut words = Vec::new();
    let mut cur = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c == '#' {
            if !cur.is_empty() {
                words.push(std::mem::take(&mut cur));
            }
            words.push("#".to_string());
            continue;
        }
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                words.push(std::mem::take(&mut cur));
            }
            continue;
        }
        let prev = i.checked_sub(1).map(|j| chars[j]);
        let next = chars.get(i + 1);
        let boundary = match prev {
            Some(p) if p.is_lowercase() && c.is_uppercase() => true,
            Some(p) if p.is_uppercase() && c.is_uppercase() && next.is_some_and(|n| n.is_lowercase()) => true,
            Some(p) if p.is_alphabetic() && c.is_ascii_digit() => true,
            _ => false,
        };
        if boundary && !cur.is_empty() {
            words.push(std::mem::take(&mut cur));
        }
        cur.extend(c.to_lowercase());
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    words
}

/// At most [`SAMPLE`] finite values of a numeric (or date) column, spread evenly over its rows.
/// The content rules read proportions (most cells, near-unique) and small level counts, which a
/// sample of this size gives as well as the whole column; reading every cell of a million-row
/// column (sorting, formatting) cost more than parsing the file.
fn sample(v: &[f64]) -> Vec<f64> {
    let step = (v.len() / SAMPLE).max(1);
    v.iter().step_by(step).copied().filter(|x| x.is_finite()).collect()
}

/// Rows read per column by the content rules (see [`sample`]).
const SAMPLE: usize = 20_000;

/// The sorted distinct values of a sample.
fn sorted_distinct(mut x: Vec<f64>) -> Vec<f64> {
    x.sort_unstable_by(f64::total_cmp);
    x.dedup();
    x
}

/// The levels of a text column, at most 2000 of them (the content rules read text columns only).
fn distinct(col: &Column) -> Vec<String> {
    match &col.data {
        ColumnData::Text { levels, .. } => levels.iter().take(2000).cloned().collect(),
        ColumnData::Numeric(_) | ColumnData::Date(_) => Vec::new(),
    }
}

/// A numeric or date column's [`sample`] and the number of distinct values in it, taken once
/// per column (each is a pass over a million-row column's memory and a sort).
struct Sampled {
    values: Vec<f64>,
    distinct: usize,
}

impl Sampled {
    fn of(col: &Column) -> Option<Sampled> {
        match &col.data {
            ColumnData::Numeric(v) | ColumnData::Date(v) => {
                let values = sample(v);
                let distinct = sorted_distinct(values.clone()).len();
                Some(Sampled { values, distinct })
            }
            ColumnData::Text { .. } => None,
        }
    }
}

/// A short-coded column: a 0/1 (or yes/no) flag, or a few values each repeated. `d`: the number
/// of distinct non-missing values (of the [`sample`] for numbers and dates).
fn coded(d: usize, nonmissing: usize) -> bool {
    d <= 2 && nonmissing > 2 || (d <= 10 && d * 2 <= nonmissing)
}

/// Whether at least `share` of `values` (and at least one) satisfy `f`.
fn most(values: &[String], share: f64, f: impl Fn(&str) -> bool) -> bool {
    let k = values.iter().filter(|v| f(v)).count();
    k > 0 && k as f64 >= share * values.len() as f64
}

fn is_email(v: &str) -> bool {
    let v = v.trim();
    v.split_once('@').is_some_and(|(a, b)| !a.is_empty() && !a.contains(' ') && b.contains('.') && !b.contains(' ') && !b.starts_with('.'))
}

fn is_url(v: &str) -> bool {
    let l = v.trim().to_ascii_lowercase();
    l.starts_with("http://") || l.starts_with("https://") || (l.starts_with("www.") && l[4..].contains('.'))
}

fn is_ipv4(v: &str) -> bool {
    let parts: Vec<&str> = v.trim().split('.').collect();
    parts.len() == 4 && parts.iter().all(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()) && p.parse::<u32>().is_ok_and(|x| x <= 255))
}

fn is_ipv6(v: &str) -> bool {
    let v = v.trim();
    v.matches(':').count() >= 2 && v.bytes().all(|b| b.is_ascii_hexdigit() || b == b':') && v.bytes().filter(|b| b.is_ascii_hexdigit()).count() >= 4
}

fn digits(v: &str) -> String {
    v.chars().filter(|c| c.is_ascii_digit()).collect()
}

fn is_phone(v: &str) -> bool {
    let v = v.trim();
    let d = digits(v).len();
    let allowed = v.bytes().all(|b| b.is_ascii_digit() || b" +-().".contains(&b));
    let separated = v.bytes().any(|b| b" -().".contains(&b));
    allowed && ((v.starts_with('+') || v.starts_with('(')) && (8..=15).contains(&d) || separated && (9..=13).contains(&d) && v.starts_with(|c: char| c.is_ascii_digit() || c == '0'))
}

fn is_ssn(v: &str) -> bool {
    let b = v.trim().as_bytes();
    b.len() == 11 && b[3] == b'-' && b[6] == b'-' && b.iter().enumerate().all(|(i, c)| i == 3 || i == 6 || c.is_ascii_digit())
}

/// An NHS number: 10 digits (spaces allowed) whose last is the mod-11 check digit.
fn is_nhs(v: &str) -> bool {
    let t = v.trim();
    if !t.bytes().all(|b| b.is_ascii_digit() || b == b' ' || b == b'-') {
        return false;
    }
    let d: Vec<u32> = digits(t).bytes().map(|b| u32::from(b - b'0')).collect();
    if d.len() != 10 {
        return false;
    }
    let sum: u32 = d[..9].iter().enumerate().map(|(i, x)| x * (10 - i as u32)).sum();
    let check = 11 - sum % 11;
    let check = if check == 11 { 0 } else { check };
    check != 10 && check == d[9]
}

/// Luhn check (IMEI, many card-like identifiers).
fn luhn(d: &str) -> bool {
    let mut sum = 0;
    for (i, b) in d.bytes().rev().enumerate() {
        let mut x = u32::from(b - b'0');
        if i % 2 == 1 {
            x *= 2;
            if x > 9 {
                x -= 9;
            }
        }
        sum += x;
    }
    sum % 10 == 0
}

fn is_imei(v: &str) -> bool {
    let t = v.trim();
    t.len() == 15 && t.bytes().all(|b| b.is_ascii_digit()) && luhn(t)
}

/// Two or three capitalised alphabetic words ("Jane Doe", "Smith, John", "Mary-Ann O'Neil").
fn is_person_name(v: &str) -> bool {
    // Clinical vocabulary written in title case ("Squamous Cell", "Partial Response").
    const CLINICAL: [&str; 24] = [
        "cell", "cells", "disease", "response", "carcinoma", "cancer", "tumor", "tumour", "stage", "grade", "type", "positive", "negative", "stable",
        "partial", "complete", "progressive", "primary", "metastatic", "lymphoma", "syndrome", "therapy", "surgery", "arm",
    ];
    let words: Vec<&str> = v.split(|c: char| c == ' ' || c == ',').filter(|w| !w.is_empty()).collect();
    !words.iter().any(|w| CLINICAL.contains(&w.to_lowercase().as_str()))
        && (2..=4).contains(&words.len())
        && words.iter().all(|w| {
            let mut cs = w.chars();
            cs.next().is_some_and(|c| c.is_uppercase())
                && w.chars().all(|c| c.is_alphabetic() || c == '-' || c == '\'' || c == '.')
                && w.chars().skip(1).any(|c| c.is_lowercase())
        })
}

/// A UK postcode (`SW1A 1AA`), a Canadian one (`K1A 0B1`) or a Dutch one (`1234 AB`).
fn is_postcode(v: &str) -> bool {
    let t = v.trim().to_ascii_uppercase();
    let b = t.as_bytes();
    let uk = {
        let parts: Vec<&str> = t.split(' ').collect();
        parts.len() == 2
            && (2..=4).contains(&parts[0].len())
            && parts[0].as_bytes()[0].is_ascii_alphabetic()
            && parts[0].bytes().any(|c| c.is_ascii_digit())
            && parts[0].bytes().all(|c| c.is_ascii_alphanumeric())
            && parts[1].len() == 3
            && parts[1].as_bytes()[0].is_ascii_digit()
            && parts[1].as_bytes()[1..].iter().all(|c| c.is_ascii_alphabetic())
    };
    let ca = b.len() == 7 && b[3] == b' ' && [0, 2, 5].iter().all(|&i| b[i].is_ascii_alphabetic()) && [1, 4, 6].iter().all(|&i| b[i].is_ascii_digit());
    let nl = b.len() == 7 && b[4] == b' ' && b[..4].iter().all(|c| c.is_ascii_digit()) && b[5..].iter().all(|c| c.is_ascii_alphabetic());
    uk || ca || nl
}

/// A street address: a house number and a street word ("12 High Street", "Hauptstrasse 5").
fn is_address(v: &str) -> bool {
    let l = v.to_lowercase();
    let has_number = l.split(|c: char| !c.is_alphanumeric()).any(|w| !w.is_empty() && w.chars().next().is_some_and(|c| c.is_ascii_digit()) && w.len() <= 5);
    let street = [
        "street", "st", "road", "rd", "avenue", "ave", "lane", "ln", "drive", "dr", "boulevard", "blvd", "way", "court", "place", "close", "square", "terrace",
        "strasse", "straße", "str", "weg", "gasse", "platz", "rue", "avenida", "calle", "via", "viale", "piazza",
    ];
    let words: Vec<&str> = l.split(|c: char| !c.is_alphanumeric() && c != 'ß').filter(|w| !w.is_empty()).collect();
    has_number && words.len() >= 2 && words.iter().any(|w| street.contains(w) || ["strasse", "straße", "weg", "gasse"].iter().any(|s| w.ends_with(s) && w.len() > s.len()))
}

/// Long, varied text: notes and comments.
fn is_free_text(values: &[String], nonmissing: usize) -> bool {
    if values.len() < 2 || values.len() * 2 < nonmissing.min(values.len() * 4) {
        return false;
    }
    let long = values.iter().filter(|v| v.split_whitespace().count() >= 5 && v.len() >= 30).count();
    long * 2 >= values.len()
}

/// Header words that are a patient's record number on their own (`MRN`, CDISC's `USUBJID`).
const RECORD_WORDS: [&str; 21] = [
    "mrn", "umrn", "urn", "pid", "patid", "ptid", "subjid", "usubjid", "medicalrecord", "medicalrecordnumber", "recordnumber", "chartnumber",
    "hospitalnumber", "insurance", "dossier", "accountnumber", "beneficiary", "policynumber", "membernumber", "casenumber", "studysubject",
];

/// Words (or word beginnings) naming whose number it is: a patient, study subject, participant,
/// case, record, enrolment or randomisation, a hospital chart or an account. With a number word
/// (`case_no`, `enrolment_no`) or glued to one (`pidnum`, `subjid`, `recordid`, `patno`) they name
/// a record number.
const RECORD_STEMS: [&str; 31] = [
    "pid", "pat", "patient", "pt", "subj", "usubj", "subject", "participant", "record", "rec", "case", "enrol", "enroll", "enrolment",
    "enrollment", "registration", "screening", "scr", "rand", "randomisation", "randomization", "hospital", "hosp", "chart", "member", "account",
    "acct", "policy", "health", "person", "client",
];

/// Number words: what follows a record stem in a record number's header.
const NUMBER_WORDS: [&str; 13] = ["id", "no", "nr", "num", "number", "#", "nbr", "nummer", "numero", "n°", "code", "ident", "identifier"];

/// Header words that make a column a measurement or a unit other than the patient, whatever
/// record-like word it also holds (`pid_score`, `site_id`, `study_id`, `case_count`, `patient_age`).
const NOT_A_RECORD: [&str; 48] = [
    "score", "age", "weight", "status", "date", "time", "dose", "count", "type", "level", "group", "size", "flag", "grade", "stage", "days", "months",
    "years", "value", "result", "rate", "ratio", "index", "total", "sum", "mean", "category", "class", "site", "centre", "center", "study", "trial",
    "country", "region", "investigator", "lab", "batch", "arm", "treatment", "trt", "drug", "cohort", "visit", "stratum", "strata", "institution", "inst",
];

/// Whether the header's words name a record, patient or subject number (see [`RECORD_STEMS`]).
fn record_header(words: &[String]) -> bool {
    let has = |w: &str| words.iter().any(|x| x == w);
    if words.iter().any(|w| NOT_A_RECORD.contains(&w.as_str())) {
        return false;
    }
    // A word glued from a stem and a number word: pidnum, subjid, recordid, patno, caseno.
    let glued = |w: &str| NUMBER_WORDS.iter().any(|n| w.len() > n.len() && w.ends_with(n) && RECORD_STEMS.contains(&&w[..w.len() - n.len()]));
    let number_word = words.iter().any(|w| NUMBER_WORDS.contains(&w.as_str()));
    let joined: String = words.concat();
    words.iter().any(|w| RECORD_WORDS.contains(&w.as_str()) || glued(w))
        || RECORD_WORDS.contains(&joined.as_str())
        || glued(&joined)
        || has("id")
        || (number_word && words.iter().any(|w| RECORD_STEMS.contains(&w.as_str())))
        || (has("record") && has("medical"))
}

/// A numeric column of whole numbers (a record number has no decimals), from its sample.
fn whole_numbers(col: &Column, sampled: Option<&Sampled>) -> bool {
    match (&col.data, sampled) {
        (ColumnData::Numeric(_), Some(s)) => s.values.iter().all(|x| x.fract() == 0.0),
        _ => false,
    }
}

/// Why a column looks like a direct identifier, or `None` (see the module documentation).
pub fn identifier_reason(col: &Column, nonmissing: usize) -> Option<String> {
    let words = header_words(&col.name);
    let joined: String = words.concat();
    let has = |w: &str| words.iter().any(|x| x == w);
    let any = |ws: &[&str]| ws.iter().any(|w| has(w) || joined == *w);
    let is_date = matches!(col.data, ColumnData::Date(_)) || col.kind == ColumnKind::Date;
    let values = distinct(col);
    let is_text = matches!(col.data, ColumnData::Text { .. });
    let sampled = Sampled::of(col);
    let n_distinct = match (&col.data, &sampled) {
        (ColumnData::Text { levels, .. }, _) => levels.len(),
        (_, Some(s)) => s.distinct,
        _ => 0,
    };
    let short = coded(n_distinct, nonmissing);
    let number_word = any(&["no", "nr", "num", "number", "#", "nbr", "nummer", "numero", "n°"]);

    // Dates: only a date of birth identifies.
    let birth = joined.contains("dateofbirth")
        || joined.contains("birthdate")
        || joined.contains("birthday")
        || any(&["dob", "ddn", "geburtsdatum", "geburtstag"])
        || joined.contains("datenaissance")
        || joined.contains("fechadenacimiento");
    if is_date {
        if birth || has("birth") || joined.contains("geburt") || joined.contains("naissance") || joined.contains("nacimiento") {
            return Some("full dates of birth".into());
        }
        return None;
    }

    // Content first: what the cells hold, whatever the header.
    if is_text {
        if most(&values, 0.5, is_email) {
            return Some("e-mail addresses".into());
        }
        if most(&values, 0.5, is_url) {
            return Some("URLs".into());
        }
        if most(&values, 0.5, |v| is_ipv4(v) || is_ipv6(v)) {
            return Some("IP addresses".into());
        }
        if most(&values, 0.5, is_ssn) {
            return Some("social security numbers".into());
        }
        if most(&values, 0.5, is_nhs) {
            return Some("NHS numbers (valid check digits)".into());
        }
        if most(&values, 0.5, is_phone) {
            // CDISC's USUBJID ("01-701-1015") has a phone number's digits and dashes.
            if record_header(&words) {
                return Some("header suggests record or patient numbers".into());
            }
            return Some("phone numbers".into());
        }
        if most(&values, 0.5, is_postcode) {
            return Some("postcodes".into());
        }
        if most(&values, 0.5, is_address) {
            return Some("street addresses".into());
        }
        if values.len() >= 2 && values.len() * 10 >= nonmissing * 8 && !short && most(&values, 0.6, is_person_name) {
            return Some("personal names (two or more capitalised words in most cells)".into());
        }
        if is_free_text(&values, nonmissing) {
            return Some("free text (long, varied entries may quote names, dates or places)".into());
        }
        if most(&values, 0.9, is_imei) {
            return Some("device serial numbers (IMEI)".into());
        }
    } else if let (ColumnData::Numeric(_), Some(s)) = (&col.data, &sampled) {
        let (whole, d) = (&s.values, s.distinct);
        if !whole.is_empty() && whole.iter().all(|x| x.fract() == 0.0 && *x >= 0.0) {
            // An NHS number has 10 digits, an IMEI 15: the texts are only written when at least
            // 90 % of the values have that many digits (else `most` cannot hold).
            let digits = |lo: f64, hi: f64| whole.iter().filter(|&&x| x >= lo && x < hi).count() as f64 >= 0.9 * whole.len() as f64;
            let texts = |on: bool| -> Vec<String> { if on { whole.iter().map(|x| format!("{x:.0}")).collect() } else { Vec::new() } };
            if most(&texts(digits(1e9, 1e10)), 0.9, is_nhs) && d * 10 >= whole.len() * 9 {
                return Some("NHS numbers (valid check digits)".into());
            }
            if most(&texts(digits(1e14, 1e15)), 0.9, is_imei) {
                return Some("device serial numbers (IMEI)".into());
            }
            // Near-unique whole numbers of six digits or more: record numbers (follow-up times
            // in days, ages and doses are shorter), in a cohort of any size.
            if whole.len() >= 2 && d * 10 >= whole.len() * 9 && whole.iter().all(|x| *x >= 100_000.0) {
                return Some("near-unique whole numbers of six or more digits (record numbers?)".into());
            }
        }
    }

    // Header words, unless the column is a short code.
    if !short {
        if birth {
            return Some("header suggests dates of birth".into());
        }
        if any(&["email", "mail", "emailaddress"]) || joined.contains("email") {
            return Some("header suggests e-mail addresses".into());
        }
        let name_words = [
            "surname", "firstname", "lastname", "forename", "fullname", "givenname", "familyname", "patientname", "prenom", "prénom", "vorname", "nachname",
            "apellido", "apellidos", "nombre", "nom", "initials", "cognome", "maidenname",
        ];
        if name_words.iter().any(|w| has(w) || joined == *w)
            || ((has("name") || has("names")) && (words.len() == 1 || any(&["patient", "pt", "first", "last", "given", "family", "full", "maiden", "middle", "contact", "next", "kin"])))
        {
            return Some("header suggests personal names".into());
        }
        if any(&["phone", "telephone", "tel", "mobile", "fax", "telefon", "handy", "portable", "phonenumber", "cell", "cellphone"]) {
            return Some("header suggests phone or fax numbers".into());
        }
        if any(&["address", "street", "zip", "zipcode", "postcode", "postal", "postalcode", "plz", "city", "town", "county", "adresse", "strasse", "wohnort"]) {
            return Some("header suggests geography below state level (address, city, zip or postcode)".into());
        }
        if any(&["url", "website", "homepage", "link"]) {
            return Some("header suggests URLs".into());
        }
        if has("ip") || joined.contains("ipaddress") {
            return Some("header suggests IP addresses".into());
        }
        if any(&["serial", "serialnumber", "imei", "udi", "macaddress"]) || (has("device") && (has("id") || has("serial") || has("sn") || number_word)) {
            return Some("header suggests device serial numbers".into());
        }
        if any(&["ssn", "nhs", "ahv", "avs", "nir", "insee", "bsn", "personnummer", "cpr", "pesel", "nino", "sin"]) || (has("social") && has("security")) || (has("national") && (has("id") || number_word)) {
            return Some("header suggests national ID numbers".into());
        }
        if record_header(&words) && (is_text || whole_numbers(col, sampled.as_ref())) {
            return Some("header suggests record or patient numbers".into());
        }
        if any(&["notes", "note", "comment", "comments", "remarks", "remark", "freetext", "narrative", "bemerkung", "bemerkungen", "kommentar"]) && is_text {
            return Some("header suggests free text".into());
        }
        // A column headed "patient" (or "name"-like) whose cells are all different texts.
        if (has("patient") || has("subject") || has("person") || has("participant")) && is_text && values.len() * 10 >= nonmissing * 9 && nonmissing >= 2 {
            return Some("a different text in nearly every row of a 'patient' column (names or codes?)".into());
        }
    }
    // Near-unique text codes in a cohort of any size: every value different and holding a digit
    // ("P-0012", "AB123"), or more than 20 levels that are 90 % distinct.
    if is_text && nonmissing >= 5 && values.len() == nonmissing && most(&values, 1.0, |v| v.bytes().any(|b| b.is_ascii_digit()) && !v.contains(' ') && v.parse::<f64>().is_err()) {
        return Some("a different code in every row (record numbers?)".into());
    }
    if is_text && values.len() > 20 && values.len() * 10 >= nonmissing * 9 {
        return Some("nearly every row has its own value (a code or a name?)".into());
    }
    None
}

/// Whether the header alone names an identifier category (used before the content is known, so
/// that notes never quote the cells of such a column).
pub fn header_suggests_identifier(name: &str) -> bool {
    let c = Column::new(name, ColumnData::Text { codes: vec![0, 1, 2], levels: vec!["a".into(), "b".into(), "c".into()] }, ColumnKind::Categorical);
    identifier_reason(&c, 3).is_some_and(|r| r.starts_with("header"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A realistic spreadsheet column: the reader infers its type, then the rule decides.
    fn flagged(name: &str, cells: &[&str]) -> Option<String> {
        let mut csv = format!("\"{}\",row_order\n", name.replace('"', "\"\""));
        for (i, c) in cells.iter().enumerate() {
            csv.push_str(&format!("\"{}\",{}\n", c.replace('"', "\"\""), 10 + i));
        }
        let t = crate::read_table(csv.as_bytes(), "t.csv", &crate::ReadOptions::default()).unwrap();
        t.column(name).unwrap().identifier.clone()
    }

    #[test]
    fn header_words_in_any_spelling() {
        assert_eq!(header_words("PatientNumber"), ["patient", "number"]);
        assert_eq!(header_words("NHSNumber"), ["nhs", "number"]);
        assert_eq!(header_words("patient_no"), ["patient", "no"]);
        assert_eq!(header_words("Patient #"), ["patient", "#"]);
        assert_eq!(header_words("MedicalRecordNumber"), ["medical", "record", "number"]);
        assert_eq!(header_words("hospital.nr"), ["hospital", "nr"]);
    }

    /// Large columns are judged on a sample of their rows: the same verdicts as small ones.
    #[test]
    fn large_columns_are_judged_on_a_sample() {
        let records: Vec<String> = (0..100_000u64).map(|i| (3_000_000 + i * 7).to_string()).collect();
        let days: Vec<String> = (0..100_000u64).map(|i| ((i * 37) % 3000).to_string()).collect();
        let records: Vec<&str> = records.iter().map(String::as_str).collect();
        let days: Vec<&str> = days.iter().map(String::as_str).collect();
        assert!(flagged("ref", &records).is_some_and(|r| r.contains("six or more digits")));
        assert_eq!(flagged("days", &days), None);
    }

    #[test]
    fn nhs_check_digit() {
        // 943 476 5919 is the NHS's published example of a valid number.
        assert!(is_nhs("943 476 5919"));
        assert!(!is_nhs("943 476 5918"));
    }

    /// Each Safe Harbor category in realistic columns (caught), and ordinary clinical columns
    /// (not flagged); prints both rates.
    #[test]
    fn categories_caught_and_clinical_columns_not_flagged() {
        let ids: Vec<(&str, Vec<&str>)> = vec![
            ("PatientNumber", vec!["1001", "1002", "1003", "1004", "1005", "1006"]),
            ("patient_no", vec!["17", "4", "23", "8", "15", "42"]),
            ("MedicalRecordNumber", vec!["55-1201", "55-1202", "55-1377", "55-1455", "55-1560"]),
            ("NHSNumber", vec!["943 476 5919", "401 023 2137", "943 476 5870"]),
            ("hospital_no", vec!["H123", "H124", "H125", "H126", "H127"]),
            ("Hospital #", vec!["88123", "88124", "88125"]),
            ("mrn", vec!["1", "2", "3"]),
            ("record", vec!["2012-A-0031", "2012-A-0032", "2012-A-0033", "2012-A-0034", "2012-A-0035"]),
            ("beneficiary_number", vec!["B-77", "B-78", "B-79"]),
            ("account no", vec!["9912", "9913", "9914"]),
            ("zip", vec!["10115", "20095", "80331", "50667"]),
            ("postcode", vec!["SW1A 1AA", "M1 1AE", "B33 8TH", "CR2 6XH"]),
            ("where", vec!["SW1A 1AA", "M1 1AE", "B33 8TH", "CR2 6XH"]),
            ("address", vec!["12 High Street", "3 Station Road", "Flat 2, 44 Park Lane"]),
            ("home", vec!["12 High Street", "3 Station Road", "44 Park Lane", "Hauptstrasse 5"]),
            ("city", vec!["Leeds", "York", "Hull", "Bath"]),
            ("patient", vec!["Jane Doe", "John Smith", "Mary-Ann O'Neil", "Ali Khan"]),
            ("who", vec!["Doe, Jane", "Smith, John", "Khan, Ali", "Meier, Anna"]),
            ("surname", vec!["Doe", "Smith", "Khan"]),
            ("DOB", vec!["1950-01-02", "1961-11-30", "1948-07-15"]),
            ("date_of_birth", vec!["02/01/1950", "30/11/1961", "31/02/1948", "unknown"]),
            ("birthdate", vec!["1950-01-02", "1961-11-30", "1948-07-15"]),
            ("phone", vec!["0161 496 0000", "0161 496 0001", "0161 496 0002"]),
            ("contact", vec!["+41 44 123 45 67", "+41 79 000 00 00", "+41 31 555 12 12"]),
            ("fax", vec!["555-123-4567", "555-123-4568", "555-123-4569"]),
            ("contact2", vec!["jane@example.org", "john.smith@nhs.net", "ali@uni.ch"]),
            ("Email", vec!["x", "y", "z"]),
            ("ssn", vec!["123-45-6789", "987-65-4321", "111-22-3333"]),
            ("ident", vec!["123-45-6789", "987-65-4321", "111-22-3333"]),
            ("web", vec!["https://example.org/jane", "http://doe.net", "www.smith.com"]),
            ("ip", vec!["10.0.0.1", "192.168.1.20", "172.16.5.4"]),
            ("host", vec!["10.0.0.1", "192.168.1.20", "172.16.5.4"]),
            ("device_serial", vec!["PM-88231", "PM-88232", "PM-88233"]),
            ("imei", vec!["490154203237518", "356938035643809", "353918057856429"]),
            ("notes", vec!["seen in clinic, wife reports falls", "no change", "refer to Dr Brown at Leeds General"]),
            ("comments", vec!["Patient moved to Leeds in March after the second cycle", "Daughter Anna called about the appointment on Friday", "Lives alone with two cats near the station"]),
            ("hospital_number", vec!["700123456", "700123457", "700123458", "700123459"]),
            ("code", vec!["700123456", "700123457", "700123458", "700123459"]),
            // Record numbers whose header glues a stem to a number word, or is CDISC's.
            ("pidnum", vec!["10082", "10115", "10143", "10171", "10209", "10240"]),
            ("pid_num", vec!["10082", "10115", "10143", "10171", "10209", "10240"]),
            ("patid", vec!["1", "2", "3", "4", "5", "6", "7", "8"]),
            ("SUBJID", vec!["1007", "1019", "1027", "1040", "1051", "1066"]),
            ("USUBJID", vec!["01-704-1007", "01-705-1019", "01-704-1027", "01-701-1040", "01-703-1051"]),
            ("mrn", vec!["4410021", "4417940", "4420033", "4431876"]),
            ("case_no", vec!["1", "2", "3", "4", "5", "6"]),
            ("participant_id", vec!["P001", "P002", "P003", "P004", "P005"]),
            ("ptid", vec!["1201", "1202", "1203", "1204", "1205"]),
            ("recordid", vec!["88", "89", "90", "91", "92", "93"]),
            ("enrolment_no", vec!["E-2019-001", "E-2019-002", "E-2019-003", "E-2020-004"]),
            ("PatNo", vec!["31", "32", "33", "34", "35"]),
            ("randno", vec!["2001", "2002", "2003", "2004", "2005", "2006"]),
            ("Screening Number", vec!["S17", "S18", "S19", "S20"]),
            // Long format: one patient on several rows is still identified by the number.
            ("subjid", vec!["101", "101", "102", "102", "103", "104", "104", "105", "106", "107", "108", "109", "110", "111", "112", "112"]),
        ];
        let clinical: Vec<(&str, Vec<&str>)> = vec![
            ("email_sent", vec!["0", "1", "1", "0", "1", "0"]),
            ("tel_aviv_site", vec!["1", "0", "0", "1", "0", "0"]),
            ("age", vec!["61", "72", "55", "68", "49", "80"]),
            ("time", vec!["306", "455", "1010", "210", "883", "1022"]),
            ("futime", vec!["59", "115", "156", "421", "431", "448"]),
            ("status", vec!["1", "2", "2", "1", "2", "2"]),
            ("sex", vec!["M", "F", "F", "M", "F", "M"]),
            ("site", vec!["Zurich", "Bern", "Zurich", "Basel", "Bern", "Zurich"]),
            ("histology", vec!["Squamous Cell", "Adenocarcinoma", "Squamous Cell", "Large Cell", "Adenocarcinoma", "Small Cell"]),
            ("grade", vec!["G1", "G2", "G3", "G2", "G2", "G1"]),
            ("ecog", vec!["0", "1", "1", "2", "0", "1"]),
            ("dose_gy", vec!["24", "27", "24", "30", "18", "24"]),
            ("ph.karno", vec!["90", "80", "90", "60", "70", "100"]),
            ("smoking_history", vec!["never", "former", "current", "former", "never", "never"]),
            ("birth_weight", vec!["3.2", "2.9", "3.8", "3.1", "3.5", "2.7"]),
            ("drug_name", vec!["cisplatin", "carboplatin", "cisplatin", "pemetrexed", "carboplatin", "cisplatin"]),
            ("treatment", vec!["SBRT", "cEBRT", "SBRT", "SBRT", "cEBRT", "SBRT"]),
            ("diagnosis_date", vec!["2019-01-02", "2019-03-05", "2020-07-11", "2021-02-28", "2018-12-01", "2019-09-09"]),
            ("death_date", vec!["2020-01-02", "", "2021-07-11", "", "", "2020-09-09"]),
            ("score", vec!["12", "15", "9", "11", "14", "13"]),
            ("resid.ds", vec!["1", "2", "2", "1", "2", "1"]),
            ("x", vec!["Maintained", "Maintained", "Nonmaintained", "Maintained", "Nonmaintained", "Nonmaintained"]),
            ("wt.loss", vec!["5", "15", "0", "11", "-3", "8"]),
            ("meal.cal", vec!["1175", "1150", "513", "1025", "", "625"]),
            ("response", vec!["Complete Response", "Partial Response", "Stable Disease", "Complete Response", "Progressive Disease", "Partial Response"]),
            ("institution", vec!["3", "3", "5", "12", "11", "1"]),
        ];
        // False friends: a record word beside a measurement or another unit, or a short code.
        let friends: Vec<(&str, Vec<&str>)> = vec![
            ("pidscore", vec!["12", "15", "9", "11", "14", "13", "20", "7", "18", "3", "22", "16"]),
            ("pid_score", vec!["12", "15", "9", "11", "14", "13", "20", "7", "18", "3", "22", "16"]),
            ("pid", vec!["0", "1", "0", "0", "1", "0", "0", "0"]),
            ("site_id", vec!["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"]),
            ("centre_no", vec!["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"]),
            ("study_id", vec!["S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8", "S9", "S10", "S11", "S12", "S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8", "S9", "S10", "S11", "S12"]),
            ("STUDYID", vec!["CDISCPILOT01", "CDISCPILOT01", "CDISCPILOT01", "CDISCPILOT01", "CDISCPILOT01"]),
            ("SITEID", vec!["701", "702", "701", "703", "702", "701"]),
            ("visit_no", vec!["1", "2", "3", "1", "2", "1", "2", "3", "4"]),
            ("cycle_no", vec!["1", "2", "3", "4", "5", "6", "1", "2", "3", "4", "5", "6"]),
            ("no_of_cycles", vec!["4", "6", "2", "6", "3", "6", "1", "5"]),
            ("num_lesions", vec!["1", "3", "2", "1", "5", "2", "4"]),
            ("nodes", vec!["5", "1", "2", "9", "1", "3", "14", "4", "2", "7", "0", "20"]),
            ("patient_age", vec!["61", "72", "55", "68", "49", "80", "66", "71", "59", "63", "45", "77"]),
            ("subject_weight", vec!["61.2", "72.5", "55.1", "68.0", "49.9", "80.3", "66.6"]),
            ("case_control", vec!["1", "0", "0", "1", "0", "0"]),
            ("case_count", vec!["12", "15", "9", "11", "14", "13", "20", "7", "18", "3", "22", "16"]),
            ("pt", vec!["11.2", "12.5", "13.1", "10.9", "14.4", "11.8", "12.2", "15.0"]),
            ("pat.karno", vec!["90", "80", "60", "70", "100", "50", "90"]),
            ("valid", vec!["1", "1", "0", "1", "1", "1"]),
            ("covid", vec!["0", "1", "0", "0", "0", "1"]),
            ("lipid", vec!["4.2", "5.1", "3.9", "6.3", "4.4", "5.8"]),
            ("hospital_days", vec!["3", "12", "7", "21", "5", "9", "14", "2", "30", "8", "11"]),
            ("rand_arm", vec!["A", "B", "A", "B", "B", "A"]),
            ("case", vec!["1", "0", "0", "1", "1", "0"]),
            ("record_type", vec!["initial", "follow-up", "initial", "initial", "follow-up"]),
            ("enrolment_year", vec!["2015", "2016", "2016", "2017", "2018", "2019", "2020", "2021"]),
            ("dose_no", vec!["1", "2", "3", "1", "2", "3", "1", "2"]),
        ];
        let caught: Vec<&str> = ids.iter().filter(|(n, v)| flagged(n, v).is_some()).map(|(n, _)| *n).collect();
        let missed: Vec<&str> = ids.iter().filter(|(n, v)| flagged(n, v).is_none()).map(|(n, _)| *n).collect();
        let false_flags: Vec<String> = clinical.iter().chain(&friends).filter_map(|(n, v)| flagged(n, v).map(|r| format!("{n}: {r}"))).collect();
        println!(
            "identifier detection: {}/{} identifier columns caught; {}/{} clinical columns and false friends flagged",
            caught.len(),
            ids.len(),
            false_flags.len(),
            clinical.len() + friends.len()
        );
        assert!(missed.is_empty(), "missed: {missed:?}");
        assert!(false_flags.is_empty(), "false flags: {false_flags:?}");
    }
}
