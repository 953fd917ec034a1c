//! Small distribution charts for the page's column cards: a histogram of a numeric column or a
//! bar chart of a categorical one, drawn with plotters primitives (generic over the backend:
//! the page's canvas, SVG natively).
//!
//! Binning: "nice" bin widths (1, 2, 2.5 or 5 × 10^k) aiming at Sturges' number of bins,
//! ⌈log2 n⌉ + 1 (R's `hist()` default), capped at 30; bins are left-closed `[a, b)` except the
//! last, which is closed (R's `hist(right = FALSE, include.lowest = TRUE)`). Integer-valued
//! columns with few distinct values get one bar per value instead, so a 0–4 score is not split
//! into half-open bins that fall between the integers.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use serde::{Deserialize, Serialize};

use super::paint::{Face, Painter, GREY, INK};
use super::{format_num, nice_step};

/// What to draw: raw numbers (binned here) or counts per category (in display order).
pub enum HistData<'a> {
    /// Values; NaN (missing) is skipped.
    Values(&'a [f64]),
    /// Category labels and their counts.
    Counts(&'a [(String, usize)]),
}

/// Options of the chart. Unknown keys are an error; `{}` is valid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HistOptions {
    /// Multiplier of every size (devicePixelRatio on the page).
    pub font_scale: f64,
    /// Bar colour as `#rrggbb`.
    pub color: String,
    /// Largest number of bins of a histogram.
    pub max_bins: usize,
    /// The values are dates (days since 1970-01-01): axis ends written as ISO dates.
    pub date_axis: bool,
}

impl Default for HistOptions {
    fn default() -> Self {
        HistOptions { font_scale: 1.0, color: "#4a7fb5".to_string(), max_bins: 30, date_axis: false }
    }
}

/// One bar as drawn: its label (category, or the bin's `[lo, hi)`), its count, and its pixel
/// rectangle (left, top, right, bottom), for the page's hover text and for the tests.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Bar {
    pub label: String,
    pub count: usize,
    pub lo: Option<f64>,
    pub hi: Option<f64>,
    pub rect: (i32, i32, i32, i32),
}

/// Bins of a histogram: edges (one more than counts) and counts.
#[derive(Debug, Clone, PartialEq)]
pub struct Bins {
    pub edges: Vec<f64>,
    pub counts: Vec<usize>,
    /// One bar per integer value (edges at value ± 0.5).
    pub per_value: bool,
}

/// Bin finite values as described in the module documentation. `None` when there is no value.
pub fn bin_values(values: &[f64], max_bins: usize) -> Option<Bins> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_unstable_by(f64::total_cmp);
    let (lo, hi) = (v[0], v[v.len() - 1]);
    let max_bins = max_bins.clamp(1, 200);
    // Few distinct integers: one bar per value, centred on it.
    let integers = v.iter().all(|x| x.fract() == 0.0);
    if integers && hi - lo < max_bins as f64 {
        let k = (hi - lo) as usize + 1;
        let edges: Vec<f64> = (0..=k).map(|i| lo - 0.5 + i as f64).collect();
        let mut counts = vec![0; k];
        for x in &v {
            counts[(x - lo) as usize] += 1;
        }
        return Some(Bins { edges, counts, per_value: true });
    }
    if hi == lo {
        return Some(Bins { edges: vec![lo - 0.5, lo + 0.5], counts: vec![v.len()], per_value: false });
    }
    let sturges = ((v.len() as f64).log2().ceil() as usize + 1).min(max_bins);
    let mut step = nice_step(hi - lo, sturges);
    // A nice step can give more bins than allowed: widen until it fits.
    while ((hi / step).ceil() - (lo / step).floor()) as usize > max_bins {
        step = nice_step(step * 1.5 * sturges as f64, sturges);
    }
    let start = (lo / step).floor() * step;
    let mut k = ((hi - start) / step).ceil().max(1.0) as usize;
    // hi on an edge: the last bin is closed, so no extra bin for it.
    if start + k as f64 * step < hi {
        k += 1;
    }
    let edges: Vec<f64> = (0..=k).map(|i| start + i as f64 * step).collect();
    let mut counts = vec![0; k];
    for x in &v {
        let i = (((x - start) / step).floor() as usize).min(k - 1);
        counts[i] += 1;
    }
    Some(Bins { edges, counts, per_value: false })
}

fn parse_color(s: &str) -> RGBColor {
    let h = s.trim_start_matches('#');
    if h.len() == 6 {
        if let Ok(v) = u32::from_str_radix(h, 16) {
            return RGBColor((v >> 16) as u8, (v >> 8) as u8, v as u8);
        }
    }
    RGBColor(0x4a, 0x7f, 0xb5)
}

/// Draw a histogram (numbers) or bar chart (counts) filling `area`: bars, a base line, the
/// axis' end labels (histogram) or category labels (bars, when they fit), and the largest count
/// at the top left. Returns the bars as drawn.
pub fn draw_histogram<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, data: HistData, opts: &HistOptions) -> Result<Vec<Bar>, String> {
    let p = Painter::new(area, opts.font_scale.clamp(0.25, 10.0));
    let (w, h) = area.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);
    let color = parse_color(&opts.color);
    let font = 10.0;
    let pad = p.px(4.0);
    let label_h = p.px(font + 4.0);
    let (left, right, top, bottom) = (pad, w - pad, p.px(font + 4.0), h - label_h - pad);
    if right - left < 10 || bottom - top < 10 {
        return Err(format!("the chart area ({w}×{h} px) is too small"));
    }
    // (label, count, lo, hi) per bar, plus axis end labels for histograms.
    let mut per_value = false;
    type Bars = Vec<(String, usize, Option<f64>, Option<f64>)>;
    let (bars, ends): (Bars, Option<(f64, f64)>) = match data {
        HistData::Values(v) => match bin_values(v, opts.max_bins) {
            Some(b) => {
                let label = |i: usize| {
                    if b.per_value {
                        format_num(b.edges[i] + 0.5)
                    } else {
                        format!("[{}, {})", format_num(b.edges[i]), format_num(b.edges[i + 1]))
                    }
                };
                let bars = b.counts.iter().enumerate().map(|(i, &c)| (label(i), c, Some(b.edges[i]), Some(b.edges[i + 1]))).collect();
                per_value = b.per_value;
                let (lo, hi) = {
                    let f: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
                    (f.iter().copied().fold(f64::INFINITY, f64::min), f.iter().copied().fold(f64::NEG_INFINITY, f64::max))
                };
                (bars, Some((lo, hi)))
            }
            None => (Vec::new(), None),
        },
        HistData::Counts(c) => (c.iter().map(|(l, n)| (l.clone(), *n, None, None)).collect(), None),
    };
    if bars.is_empty() {
        p.text("no values", (w / 2, h / 2), font, GREY, HPos::Center, VPos::Center, Face::Italic, false)?;
        return Ok(Vec::new());
    }
    let max = bars.iter().map(|b| b.1).max().unwrap_or(0).max(1);
    let n = bars.len() as i32;
    let slot = (right - left) as f64 / n as f64;
    let gap = if ends.is_some() && !per_value { p.px(1.0).min((slot * 0.15) as i32) } else { ((slot * 0.2) as i32).max(1) };
    let mut out = Vec::with_capacity(bars.len());
    for (i, (label, count, lo, hi)) in bars.iter().enumerate() {
        let x0 = left + (i as f64 * slot).round() as i32;
        let x1 = left + ((i + 1) as f64 * slot).round() as i32 - gap;
        let y0 = bottom - ((bottom - top) as f64 * *count as f64 / max as f64).round() as i32;
        if *count > 0 {
            p.rect((x0, y0), (x1.max(x0 + 1), bottom), color.to_rgba())?;
        }
        out.push(Bar { label: label.clone(), count: *count, lo: *lo, hi: *hi, rect: (x0, y0, x1.max(x0 + 1), bottom) });
    }
    p.line(vec![(left, bottom), (right, bottom)], INK.to_rgba(), 1.0)?;
    p.text(&format!("max {max}"), (left, pad), font, GREY, HPos::Left, VPos::Top, Face::Normal, false)?;
    let ly = bottom + p.px(3.0);
    // Labels under each bar (categories, integer values) when every one fits its slot.
    let centred = (ends.is_none() || per_value) && bars.iter().all(|b| p.width(&b.0, font, Face::Normal) <= slot - 2.0);
    match ends {
        _ if centred => {
            for (i, b) in bars.iter().enumerate() {
                let cx = left + ((i as f64 + 0.5) * slot - gap as f64 / 2.0).round() as i32;
                p.text(&b.0, (cx, ly), font, INK, HPos::Center, VPos::Top, Face::Normal, false)?;
            }
        }
        Some((lo, hi)) => {
            let f = |x: f64| if opts.date_axis { crate::ingest::dates::format_iso(x) } else { format_num(x) };
            p.text(&f(lo), (left, ly), font, INK, HPos::Left, VPos::Top, Face::Normal, false)?;
            p.text(&f(hi), (right, ly), font, INK, HPos::Right, VPos::Top, Face::Normal, false)?;
        }
        None => {
            p.text(&format!("{} categories", bars.len()), (left, ly), font, GREY, HPos::Left, VPos::Top, Face::Normal, false)?;
        }
    }
    Ok(out)
}

/// The chart as an SVG document (`width`×`height` pixels).
pub fn histogram_svg(data: HistData, opts: &HistOptions, width: u32, height: u32) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = super::svg_target(&mut svg, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| format!("drawing failed: {e}"))?;
        draw_histogram(&root, data, opts)?;
        root.present().map_err(|e| format!("drawing failed: {e}"))?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sturges_bins_with_nice_edges() {
        // 1..=100: Sturges ⌈log2 100⌉ + 1 = 8 bins wanted; range 99 / 8 ≈ 12.4 → nice step 20
        // (f = 1.24 → 2 × 10); start floor(1/20)·20 = 0; 100 lies on the edge 100, last bin
        // closed: edges 0, 20, ..., 100 and counts 19, 20, 20, 20, 21. Same as R:
        // hist(1:100, breaks = seq(0, 100, 20), right = FALSE, include.lowest = TRUE)$counts
        // = 19 20 20 20 21.
        // Integers, but their range 99 is ≥ 30 bins, so they are binned by the step.
        let mut v: Vec<f64> = (1..=100).map(|i| i as f64).collect();
        v.push(f64::NAN);
        let b = bin_values(&v, 30).unwrap();
        assert_eq!(b.edges, vec![0.0, 20.0, 40.0, 60.0, 80.0, 100.0]);
        assert_eq!(b.counts, vec![19, 20, 20, 20, 21]);
        assert_eq!(b.counts.iter().sum::<usize>(), 100);
    }

    #[test]
    fn few_integers_get_one_bar_each() {
        // ph.ecog-like 0..3 scores: one bar per value.
        let b = bin_values(&[0.0, 1.0, 1.0, 3.0, f64::NAN], 30).unwrap();
        assert_eq!(b.edges, vec![-0.5, 0.5, 1.5, 2.5, 3.5]);
        assert_eq!(b.counts, vec![1, 2, 0, 1]);
        assert!(bin_values(&[f64::NAN], 30).is_none());
        assert!(b.per_value);
        let one = bin_values(&[2.5, 2.5], 30).unwrap();
        assert_eq!(one.counts, vec![2]);
    }

    #[test]
    fn bins_respect_the_cap() {
        let v: Vec<f64> = (0..100_000).map(|i| (i as f64 * 0.37).sin() * 1000.0).collect();
        let b = bin_values(&v, 10).unwrap();
        assert!(b.counts.len() <= 10, "{} bins", b.counts.len());
        assert_eq!(b.counts.iter().sum::<usize>(), 100_000);
        assert!(b.edges[0] <= -999.0 && *b.edges.last().unwrap() >= 999.0);
    }

    #[test]
    fn svg_histogram_draws_one_rect_per_nonempty_bin() {
        let v: Vec<f64> = (1..=100).map(|i| i as f64).collect();
        let svg = histogram_svg(HistData::Values(&v), &HistOptions::default(), 240, 90).unwrap();
        // Background + 5 bars.
        assert_eq!(svg.matches("<rect").count(), 1 + 5, "{svg}");
        assert!(svg.contains("\nmax 21\n"), "{svg}");
        assert!(svg.contains("\n1\n") && svg.contains("\n100\n"), "axis end labels: {svg}");
    }

    #[test]
    fn integer_scores_are_labelled_under_their_bars() {
        let svg = histogram_svg(HistData::Values(&[0.0, 1.0, 1.0, 3.0]), &HistOptions::default(), 240, 90).unwrap();
        for v in ["0", "1", "2", "3"] {
            assert!(svg.contains(&format!("\n{v}\n")), "label {v}: {svg}");
        }
        // Three non-empty bars (2 has no value) + background.
        assert_eq!(svg.matches("<rect").count(), 4);
    }

    #[test]
    fn svg_bar_chart_of_categories() {
        let counts = vec![("female".to_string(), 90), ("male".to_string(), 138)];
        let mut svg = String::new();
        let bars = {
            let root = SVGBackend::with_string(&mut svg, (240, 90)).into_drawing_area();
            draw_histogram(&root, HistData::Counts(&counts), &HistOptions::default()).unwrap()
        };
        assert_eq!(bars.len(), 2);
        // The tallest bar spans the plot height; the other is 90/138 of it.
        let h = |b: &Bar| (b.rect.3 - b.rect.1) as f64;
        assert!((h(&bars[0]) / h(&bars[1]) - 90.0 / 138.0).abs() < 0.02);
        assert!(svg.contains("\nfemale\n") && svg.contains("\nmale\n"), "{svg}");
        assert!(draw_histogram(&SVGBackend::with_string(&mut String::new(), (8, 8)).into_drawing_area(), HistData::Counts(&counts), &HistOptions::default()).is_err());
    }
}
