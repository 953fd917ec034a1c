//! The flagship demo cohort: a **synthetic** spine-radiosurgery (SRS) series for spinal sarcoma,
//! shaped like a real radiation-oncology spreadsheet and built to reproduce the published figures
//! of the seed study (Technology in Cancer Research and Treatment 2017, 276-284): see
//! `www/demo/README.md`.
//!
//! Nothing here is patient data. The cohort is a simulation with fixed seeds; calling
//! [`generate_csv`] always returns the same bytes (the committed
//! `www/demo/spine-srs-sarcoma.csv`; `tests/demo.rs` checks this byte for byte).
//!
//! # The simulation
//!
//! * **Random numbers**: SplitMix64 (Steele, Lea and Flood 2014), written out below so that the
//!   stream never depends on a crate's version. Uniforms use the top 53 bits; normals use
//!   Box-Muller.
//! * **Four independent streams**, one seed each ([`Seeds`]): `cohort` draws patients, sites,
//!   treatment, covariates, dates, deaths and losses to follow-up; `radiographic`,
//!   `pain_relief` and `pain_progression` each draw only their own event times. Because the
//!   streams are independent, the seed of each outcome could be chosen separately
//!   (`cargo run --bin make_demo -- --search`) without disturbing the others.
//! * **Patients and sites**: 34 patients, 6 of them with a second treated site (40 sites).
//!   A second site is treated on the same day as the first (multiple sites in one session) or
//!   later during the patient's follow-up (at the latest 2015-12-31). Per site: 1-4 contiguous
//!   levels (38/36/18/8%), prior RT 14%, neurologic deficit 45%, BPI worst pain 0 in 6% else
//!   round(Normal(6, 1.7)) within 2-10, a toxicity. Per patient: primary disease 30% (else
//!   metastatic, with extraspinal bone metastases 70%), female 45%, age Normal(47, 16) within
//!   15-85. Patient-level facts (sex, histology, disease, extraspinal bone metastases, death,
//!   last follow-up) are shared by both sites.
//! * **Dates**: first SRS uniform over 2009-01-01 .. 2015-12-31; data cut-off 2016-06-30.
//!   Death: exponential from the first SRS, median 16 months (metastatic) or 40 months
//!   (primary). Loss to follow-up: exponential, mean 8 years. Last follow-up = the earliest of
//!   death, loss and cut-off.
//! * **Event times** (months from the site's SRS) are Weibull with proportional-hazards
//!   covariate effects, `T = scale · (E / exp(lp))^(1/shape)`, `E ~ Exp(1)`, so that
//!   `S(t | lp) = exp(−(t/scale)^shape · e^lp)` and `exp(coefficient)` is the true hazard ratio.
//!   An event is in the spreadsheet (with its date) only if it is seen on or before the last
//!   follow-up; otherwise its date is blank and its status `no`:
//!   - radiographic failure: shape 0.55, scale 21 months, no covariates; it is dated by the
//!     first follow-up MRI at or after it (scans every 3 months, each ± 14 days);
//!   - pain relief (sites with BPI worst pain ≥ 1 only; blank status otherwise): shape 0.65,
//!     scale 8 months, lp = ln 2.48 · neurologic deficit + ln 2.83 · extraspinal bone mets;
//!   - pain progression: shape 1.1, scale 18 months, lp = ln 1.92 · (BPI − 6) +
//!     ln 4.65 · prior RT + ln 2.0 · (levels − 2).
//!
//!   The shapes and scales were set with `make_demo --calibrate` so that the published
//!   landmark figures are the typical ones over many seeds; with 40 sites any one seed still
//!   scatters widely around them, which is why the seeds were searched.
//! * **Dose**: fixed counts shuffled over the sites (22 × 16 Gy/1, 4 × 18 Gy/1, 6 × 24 Gy/3,
//!   4 × 27 Gy/3, 4 × 30 Gy/5): median 16 Gy in 1 fraction, as published.
//!
//! Floating-point note: event times go through `ln`, `powf`, `cos` and are then rounded to
//! whole days, so a last-bit difference between math libraries could only matter at an exact
//! half day; the byte-for-byte test guards the platform the file is built on.

use crate::ingest::dates::{days_from_civil, format_iso};

/// The seeds of the four random streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seeds {
    /// Patients, sites, treatment, covariates, dates, deaths, follow-up.
    pub cohort: u64,
    /// Radiographic failure times.
    pub radiographic: u64,
    /// Pain relief times.
    pub pain_relief: u64,
    /// Pain progression times.
    pub pain_progression: u64,
}

/// The seeds of the committed demo file (chosen by `make_demo --search`; see the README).
pub const SEEDS: Seeds = Seeds { cohort: 4, radiographic: 3217, pain_relief: 1679, pain_progression: 2832 };

/// File name of the demo cohort inside `www/demo/`.
pub const FILE_NAME: &str = "spine-srs-sarcoma.csv";

/// Value of the `data_source` column on every row.
pub const SYNTHETIC_LABEL: &str = "SYNTHETIC demo data (simulated; not patients)";

/// Number of patients and of patients with two treated sites.
const PATIENTS: usize = 34;
const TWO_SITE_PATIENTS: usize = 6;

/// Days in a month, as the spec's `"unit": "months"` counts them.
const MONTH: f64 = 365.25 / 12.0;

/// SplitMix64: a 64-bit state advanced by the golden-ratio increment, output through a
/// bijective mixer. Tiny, fast, and passes BigCrush; good enough for a simulation.
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A stream for `seed` and a stream tag (different tags give unrelated streams).
    pub fn new(seed: u64, tag: u64) -> Self {
        let mut s = SplitMix64 { state: seed ^ tag.wrapping_mul(0xD1B5_4A32_D192_ED03) };
        s.next_u64(); // decorrelate nearby seeds
        s
    }
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform on the open interval (0, 1).
    pub fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)
    }
    /// Bernoulli(p).
    pub fn chance(&mut self, p: f64) -> bool {
        self.uniform() < p
    }
    /// Uniform integer in `0..n` (n ≥ 1; the modulo bias is below 2^-50 for our n).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    /// Standard normal (Box-Muller, one of the pair).
    pub fn normal(&mut self) -> f64 {
        let u1 = self.uniform();
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
    /// Exponential with mean 1.
    pub fn exp1(&mut self) -> f64 {
        -self.uniform().ln()
    }
    /// Index drawn with the given weights.
    pub fn weighted(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut u = self.uniform() * total;
        for (i, w) in weights.iter().enumerate() {
            if u < *w {
                return i;
            }
            u -= w;
        }
        weights.len() - 1
    }
    /// Fisher-Yates shuffle.
    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            v.swap(i, j);
        }
    }
}

/// Stream tags.
const TAG_COHORT: u64 = 1;
const TAG_RADIOGRAPHIC: u64 = 2;
const TAG_RELIEF: u64 = 3;
const TAG_PROGRESSION: u64 = 4;

/// Weibull proportional-hazards time: S(t | lp) = exp(−(t/scale)^shape · e^lp).
fn weibull_ph(rng: &mut SplitMix64, shape: f64, scale: f64, lp: f64) -> f64 {
    scale * (rng.exp1() / lp.exp()).powf(1.0 / shape)
}

/// Normal(mean, sd) restricted to [lo, hi] by redrawing (the midpoint after 100 misses, which
/// cannot happen for the bounds used here).
fn truncated_normal(rng: &mut SplitMix64, mean: f64, sd: f64, lo: f64, hi: f64) -> f64 {
    for _ in 0..100 {
        let x = mean + sd * rng.normal();
        if (lo..=hi).contains(&x) {
            return x;
        }
    }
    (lo + hi) / 2.0
}

/// One treated site (one row of the spreadsheet). Dates are days since 1970-01-01.
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    pub site_id: String,
    pub patient_id: String,
    pub age: u32,
    pub sex: &'static str,
    pub histology: &'static str,
    pub disease: &'static str,
    pub srs_date: i64,
    pub dose_gy: u32,
    pub fractions: u32,
    pub spinal_levels: String,
    pub levels_treated: u32,
    pub prior_rt: bool,
    pub neuro_deficit: bool,
    pub extraspinal_bone_mets: bool,
    pub bpi_worst_pain: u32,
    pub radiographic_failure_date: Option<i64>,
    /// `None` when the site did not present with pain (BPI worst pain 0): not assessable.
    pub pain_relief: Option<Option<i64>>,
    pub pain_progression_date: Option<i64>,
    pub toxicity: &'static str,
    pub death_date: Option<i64>,
    pub last_followup_date: i64,
}

const VERTEBRAE: [&str; 26] = [
    "C1", "C2", "C3", "C4", "C5", "C6", "C7", "T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", "T9", "T10", "T11",
    "T12", "L1", "L2", "L3", "L4", "L5", "S1", "S2",
];

const PRIMARY_HISTOLOGY: [(&str, f64); 4] =
    [("chordoma", 0.35), ("chondrosarcoma", 0.25), ("Ewing sarcoma", 0.2), ("osteosarcoma", 0.2)];
const METASTATIC_HISTOLOGY: [(&str, f64); 8] = [
    ("leiomyosarcoma", 0.24),
    ("undifferentiated pleomorphic sarcoma", 0.14),
    ("liposarcoma", 0.12),
    ("synovial sarcoma", 0.1),
    ("Ewing sarcoma", 0.12),
    ("osteosarcoma", 0.1),
    ("rhabdomyosarcoma", 0.08),
    ("alveolar soft part sarcoma", 0.1),
];

/// Patient-level draws.
struct Patient {
    sex: &'static str,
    age: f64,
    histology: &'static str,
    primary: bool,
    extraspinal: bool,
    first_srs: i64,
    death: Option<i64>,
    last_fu: i64,
    sites: usize,
}

/// Simulate the cohort for the given seeds.
// Long because: the demo cohort's story told in order (patients, sites, doses, follow-up, the three outcomes), one seeded random stream drawn in a fixed order: moving a step out changes nothing but must keep that order.
pub fn simulate(seeds: &Seeds) -> Vec<Site> {
    let mut rng = SplitMix64::new(seeds.cohort, TAG_COHORT);
    let start = days_from_civil(2009, 1, 1) as i64;
    let end = days_from_civil(2015, 12, 31) as i64;
    let cutoff = days_from_civil(2016, 6, 30) as i64;

    // Which patients have two sites.
    let mut two: Vec<bool> = (0..PATIENTS).map(|i| i < TWO_SITE_PATIENTS).collect();
    rng.shuffle(&mut two);

    let mut patients: Vec<Patient> = two
        .iter()
        .map(|&t| {
            let primary = rng.chance(0.3);
            let hist: &[(&'static str, f64)] = if primary { &PRIMARY_HISTOLOGY } else { &METASTATIC_HISTOLOGY };
            let weights: Vec<f64> = hist.iter().map(|h| h.1).collect();
            let histology = hist[rng.weighted(&weights)].0;
            let sex = if rng.chance(0.45) { "F" } else { "M" };
            let age = truncated_normal(&mut rng, 47.0, 16.0, 15.0, 85.0);
            let extraspinal = !primary && rng.chance(0.7);
            let first_srs = start + rng.below((end - start + 1) as u64) as i64;
            let median_os = if primary { 40.0 } else { 16.0 };
            let death_t = (rng.exp1() * median_os / std::f64::consts::LN_2 * MONTH).round() as i64;
            let lost_t = (rng.exp1() * 96.0 * MONTH).round() as i64;
            let death_day = first_srs + death_t.max(7);
            let lost_day = first_srs + lost_t.max(30);
            let (death, last_fu) = if death_day <= lost_day.min(cutoff) {
                (Some(death_day), death_day)
            } else {
                (None, lost_day.min(cutoff))
            };
            Patient { sex, age, histology, primary, extraspinal, first_srs, death, last_fu, sites: 1 + t as usize }
        })
        .collect();
    // Patients are numbered in order of their first SRS, as a department's list would be.
    patients.sort_by_key(|p| p.first_srs);

    // Dose schedules: fixed counts, shuffled over the 40 sites.
    let n_sites: usize = patients.iter().map(|p| p.sites).sum();
    let mut schedules: Vec<(u32, u32)> = Vec::with_capacity(n_sites);
    for (count, sched) in [(22, (16, 1)), (4, (18, 1)), (6, (24, 3)), (4, (27, 3)), (4, (30, 5))] {
        schedules.extend(std::iter::repeat(sched).take(count));
    }
    schedules.resize(n_sites, (16, 1));
    rng.shuffle(&mut schedules);

    let mut sites = Vec::with_capacity(n_sites);
    for (pi, p) in patients.iter().enumerate() {
        let mut used: Vec<(usize, usize)> = Vec::new();
        for k in 0..p.sites {
            let srs = if k == 0 {
                p.first_srs
            } else if rng.chance(0.4) || p.last_fu - p.first_srs < 90 {
                p.first_srs // treated in the same session
            } else {
                let room = (p.last_fu.min(end) - p.first_srs - 60).clamp(1, 540);
                (p.first_srs + 30 + rng.below(room as u64) as i64).min(end)
            };
            let levels = 1 + rng.weighted(&[0.38, 0.36, 0.18, 0.08]);
            // Region: cervical, thoracic, lumbar, sacral.
            let (lo, hi) = [(0usize, 7usize), (7, 19), (19, 24), (24, 26)][rng.weighted(&[0.15, 0.5, 0.27, 0.08])];
            let mut first = 0;
            for _ in 0..20 {
                let span = (hi - lo).saturating_sub(levels - 1).max(1);
                first = (lo + rng.below(span as u64) as usize).min(VERTEBRAE.len() - levels);
                if used.iter().all(|&(a, b)| first + levels <= a || first >= b) {
                    break;
                }
            }
            used.push((first, first + levels));
            let spinal_levels = if levels == 1 {
                VERTEBRAE[first].to_string()
            } else {
                format!("{}-{}", VERTEBRAE[first], VERTEBRAE[first + levels - 1])
            };
            let prior_rt = rng.chance(0.14);
            let neuro_deficit = rng.chance(0.45);
            let bpi = if rng.chance(0.06) { 0 } else { (6.0 + 1.7 * rng.normal()).round().clamp(2.0, 10.0) as u32 };
            let cervicothoracic = first < 19;
            let toxicity = match rng.weighted(&[0.68, 0.14, 0.12, 0.06]) {
                1 => "pain flare (grade 1)",
                2 => "vertebral compression fracture",
                3 if cervicothoracic => "esophagitis (grade 2)",
                3 => "fatigue (grade 1)",
                _ => "none",
            };
            let age = (p.age + (srs - p.first_srs) as f64 / 365.25).floor() as u32;
            let (dose, fx) = schedules[sites.len()];
            sites.push(Site {
                site_id: String::new(),
                patient_id: format!("P{:02}", pi + 1),
                age,
                sex: p.sex,
                histology: p.histology,
                disease: if p.primary { "primary" } else { "metastatic" },
                srs_date: srs,
                dose_gy: dose,
                fractions: fx,
                spinal_levels,
                levels_treated: levels as u32,
                prior_rt,
                neuro_deficit,
                extraspinal_bone_mets: p.extraspinal,
                bpi_worst_pain: bpi,
                radiographic_failure_date: None,
                pain_relief: None,
                pain_progression_date: None,
                toxicity,
                death_date: p.death,
                last_followup_date: p.last_fu,
            });
        }
    }
    for (i, s) in sites.iter_mut().enumerate() {
        s.site_id = format!("S{:02}", i + 1);
    }

    // An event at `t` months after SRS is recorded if it falls on or before the last follow-up.
    let observe = |s: &Site, t: f64| -> Option<i64> {
        let day = s.srs_date + ((t * MONTH).round() as i64).max(1);
        (day <= s.last_followup_date).then_some(day)
    };

    // Radiographic failure is seen on the first follow-up MRI at or after it happens: scans
    // every 3 months, each within ±14 days of schedule.
    let mut rng = SplitMix64::new(seeds.radiographic, TAG_RADIOGRAPHIC);
    for s in sites.iter_mut() {
        let t = weibull_ph(&mut rng, 0.55, 21.0, 0.0) * MONTH;
        let mut scan = 0.0;
        s.radiographic_failure_date = None;
        for k in 1..=40 {
            scan = (k as f64 * 3.0 * MONTH + rng.uniform() * 28.0 - 14.0).max(scan + 28.0);
            let day = s.srs_date + scan.round() as i64;
            if day > s.last_followup_date {
                break;
            }
            if scan >= t {
                s.radiographic_failure_date = Some(day);
                break;
            }
        }
    }
    let mut rng = SplitMix64::new(seeds.pain_relief, TAG_RELIEF);
    for s in sites.iter_mut() {
        let lp = 2.48f64.ln() * s.neuro_deficit as u8 as f64 + 2.83f64.ln() * s.extraspinal_bone_mets as u8 as f64;
        let t = weibull_ph(&mut rng, 0.65, 8.0, lp);
        s.pain_relief = (s.bpi_worst_pain > 0).then(|| observe(s, t));
    }
    let mut rng = SplitMix64::new(seeds.pain_progression, TAG_PROGRESSION);
    for s in sites.iter_mut() {
        let lp = 1.92f64.ln() * (s.bpi_worst_pain as f64 - 6.0)
            + 4.65f64.ln() * s.prior_rt as u8 as f64
            + 2.0f64.ln() * (s.levels_treated as f64 - 2.0);
        let t = weibull_ph(&mut rng, 1.1, 18.0, lp);
        s.pain_progression_date = observe(s, t);
    }
    sites
}

/// Column names of the spreadsheet, in order.
pub const COLUMNS: [&str; 26] = [
    "site_id",
    "patient_id",
    "age",
    "sex",
    "histology",
    "disease",
    "srs_date",
    "dose_gy",
    "fractions",
    "spinal_levels",
    "levels_treated",
    "prior_rt",
    "neuro_deficit",
    "extraspinal_bone_mets",
    "bpi_worst_pain",
    "radiographic_failure",
    "radiographic_failure_date",
    "pain_relief",
    "pain_relief_date",
    "pain_progression",
    "pain_progression_date",
    "toxicity",
    "vital_status",
    "death_date",
    "last_followup_date",
    "data_source",
];

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

fn date(d: Option<i64>) -> String {
    d.map(|d| format_iso(d as f64)).unwrap_or_default()
}

/// The sites as CSV text (comma-separated, `\n` line ends, blank cells where an event did not
/// occur or does not apply). No cell contains a comma or a quote, so nothing needs quoting.
pub fn to_csv(sites: &[Site]) -> String {
    let mut out = COLUMNS.join(",");
    out.push('\n');
    for s in sites {
        let relief_status = match s.pain_relief {
            None => "",
            Some(d) => yes_no(d.is_some()),
        };
        let cells: [String; 26] = [
            s.site_id.clone(),
            s.patient_id.clone(),
            s.age.to_string(),
            s.sex.to_string(),
            s.histology.to_string(),
            s.disease.to_string(),
            date(Some(s.srs_date)),
            s.dose_gy.to_string(),
            s.fractions.to_string(),
            s.spinal_levels.clone(),
            s.levels_treated.to_string(),
            yes_no(s.prior_rt).to_string(),
            yes_no(s.neuro_deficit).to_string(),
            yes_no(s.extraspinal_bone_mets).to_string(),
            s.bpi_worst_pain.to_string(),
            yes_no(s.radiographic_failure_date.is_some()).to_string(),
            date(s.radiographic_failure_date),
            relief_status.to_string(),
            date(s.pain_relief.flatten()),
            yes_no(s.pain_progression_date.is_some()).to_string(),
            date(s.pain_progression_date),
            s.toxicity.to_string(),
            if s.death_date.is_some() { "dead" } else { "alive" }.to_string(),
            date(s.death_date),
            date(Some(s.last_followup_date)),
            SYNTHETIC_LABEL.to_string(),
        ];
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

/// The committed demo file's bytes: `to_csv(&simulate(&SEEDS))`.
pub fn generate_csv() -> String {
    to_csv(&simulate(&SEEDS))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix64_matches_the_reference_sequence() {
        // Reference values of SplitMix64 from state 0 (Vigna's splitmix64.c, first outputs
        // after adding the increment once): 0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4.
        let mut s = SplitMix64 { state: 0 };
        assert_eq!(s.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(s.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn uniforms_are_inside_the_open_interval_and_shuffle_is_a_permutation() {
        let mut r = SplitMix64::new(42, 9);
        for _ in 0..10_000 {
            let u = r.uniform();
            assert!(u > 0.0 && u < 1.0);
        }
        let mut v: Vec<u32> = (0..50).collect();
        r.shuffle(&mut v);
        let mut w = v.clone();
        w.sort();
        assert_eq!(w, (0..50).collect::<Vec<_>>());
        assert_ne!(v, w);
    }

    #[test]
    fn cohort_is_shaped_as_documented() {
        let sites = simulate(&SEEDS);
        assert_eq!(sites.len(), 40);
        let mut patients: Vec<&str> = sites.iter().map(|s| s.patient_id.as_str()).collect();
        patients.dedup();
        assert_eq!(patients.len(), 34, "34 patients, 6 with two sites");
        for s in &sites {
            assert!(s.last_followup_date >= s.srs_date);
            for d in [s.radiographic_failure_date, s.pain_relief.flatten(), s.pain_progression_date].into_iter().flatten() {
                assert!(d > s.srs_date && d <= s.last_followup_date);
            }
            if let Some(d) = s.death_date {
                assert_eq!(d, s.last_followup_date);
            }
            assert_eq!(s.pain_relief.is_none(), s.bpi_worst_pain == 0);
        }
        let mut doses: Vec<u32> = sites.iter().map(|s| s.dose_gy).collect();
        doses.sort();
        assert_eq!((doses[19], doses[20]), (16, 16), "median dose 16 Gy");
    }

    #[test]
    fn generation_is_deterministic() {
        assert_eq!(generate_csv(), generate_csv());
        let other = Seeds { cohort: SEEDS.cohort + 1, ..SEEDS };
        assert_ne!(to_csv(&simulate(&other)), generate_csv());
    }
}
