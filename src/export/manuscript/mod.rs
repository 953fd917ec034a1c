//! Exports for the manuscript: the figure at print size as PNG (with its DPI), TIFF (LZW, with
//! its resolution tags) and vector PDF, the number-at-risk table as CSV, and the Word document.
//!
//! Every figure here is the SVG of [`crate::export::ExportKind::FigureSvg`], drawn from the
//! same protected report ([`crate::disclosure::protect`], the same withheld steps and "<k"
//! cells) at the preset's printed size, then converted: rasterised by resvg for PNG and TIFF,
//! written by svg2pdf for PDF. Text is turned into outlines of the bundled Liberation Sans
//! (metric twin of Arial, the font the layout measures; SIL OFL, `assets/fonts/`), so the files
//! look the same everywhere and need no font on the reader's machine.
//!
//! Sizes: a preset gives the printed width (85 or 180 mm) and the base font size in points; the
//! figure is laid out in CSS pixels (96 per inch) at that size, drawn at 4× for a fine grid of
//! positions (0.07 mm), and rasterised at `dpi` (default 300).
//!
//! The converters need the `manuscript` cargo feature (the CLI's default; the page loads them as
//! a separate wasm module only when asked). The risk-table CSV needs nothing more.

#[cfg(feature = "manuscript")]
mod docx;
#[cfg(feature = "manuscript")]
mod figure;
pub mod risk_table;

use crate::export::ExportInput;
use crate::plot::{PlotOptions, Preset};

/// The manuscript's export kinds (beside [`crate::export::ExportKind`]'s).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    FigurePng,
    FigureTiff,
    FigurePdf,
    RiskTableCsv,
    Docx,
}

impl Kind {
    /// Every kind with its command-line name.
    pub const ALL: [(Kind, &'static str); 5] = [
        (Kind::FigurePng, "figure-png"),
        (Kind::FigureTiff, "figure-tiff"),
        (Kind::FigurePdf, "figure-pdf"),
        (Kind::RiskTableCsv, "risk-table-csv"),
        (Kind::Docx, "docx"),
    ];

    pub fn parse(name: &str) -> Option<Kind> {
        Self::ALL.iter().find(|(_, n)| *n == name).map(|(k, _)| *k)
    }

    pub fn name(self) -> &'static str {
        Self::ALL.iter().find(|(k, _)| *k == self).map_or("", |(_, n)| *n)
    }

    /// Whether this kind needs the `manuscript` feature's writers (the page's third module).
    pub fn needs_writers(self) -> bool {
        self != Kind::RiskTableCsv
    }
}

/// CSS pixels per inch (SVG user units of the figure before the 4× drawing scale).
pub const CSS_DPI: f64 = 96.0;
/// The figure is drawn at this multiple of its CSS size (finer positions in the vector PDF).
pub const DRAW_SCALE: f64 = 4.0;
/// Default resolution of the raster exports.
pub const DEFAULT_DPI: u32 = 300;

/// The figure's geometry at a preset: drawing size in pixels (at [`DRAW_SCALE`]), the options
/// to draw it with (font size and scale of the preset), and the printed size in millimetres.
#[derive(Debug, Clone, PartialEq)]
pub struct Geometry {
    pub width_px: u32,
    pub height_px: u32,
    pub width_mm: f64,
    pub height_mm: f64,
    pub opts: PlotOptions,
}

impl Geometry {
    /// The same figure `px` drawing pixels taller (printed height to match).
    pub fn taller(&self, px: u32) -> Geometry {
        let height_px = self.height_px + px;
        Geometry { height_px, height_mm: height_px as f64 / (CSS_DPI * DRAW_SCALE) * 25.4, ..self.clone() }
    }
}

/// Rows of the number-at-risk table the figure draws (for its height).
fn table_rows(report: &crate::Report, opts: &PlotOptions) -> usize {
    if !opts.risk_table || report.km.is_empty() {
        return 0;
    }
    let groups = report.km.iter().filter(|c| !c.group.as_ref().is_some_and(|g| opts.hidden_groups.contains(g))).count();
    if opts.kmunicate {
        groups * 3 + groups
    } else {
        groups
    }
}

/// The geometry of `report`'s survival figure at `preset` (default double column).
pub fn geometry(report: &crate::Report, opts: &PlotOptions) -> Geometry {
    let preset = opts.preset.unwrap_or(Preset::Double);
    let font_px = preset.font_pt() / 72.0 * CSS_DPI;
    let mm_per_px = 25.4 / CSS_DPI;
    // Rows of the risk table: 1.55 lines each, plus its title line and gap.
    let rows = table_rows(report, opts);
    let table_mm = if rows > 0 { (font_px * 0.92 * (1.8 + 1.55 * rows as f64) + 10.0) * mm_per_px } else { 0.0 };
    let title_mm = if opts.title.as_ref().is_some_and(|t| !t.trim().is_empty()) { font_px * 1.6 * mm_per_px } else { 0.0 };
    let width_mm = preset.width_mm();
    let height_mm = preset.plot_height_mm() + table_mm + title_mm;
    let px = |mm: f64| (mm / 25.4 * CSS_DPI * DRAW_SCALE).round() as u32;
    let (width_px, height_px) = (px(width_mm), px(height_mm));
    let opts = PlotOptions { font_size: font_px, font_scale: DRAW_SCALE * opts.font_scale, ..opts.clone() };
    Geometry { width_px, height_px, width_mm: width_px as f64 / (CSS_DPI * DRAW_SCALE) * 25.4, height_mm: height_px as f64 / (CSS_DPI * DRAW_SCALE) * 25.4, opts }
}

/// The protected figure's SVG at the preset's size (as `figure-svg`, with `min_cell` = k).
pub fn figure_svg(p: &crate::disclosure::Protected, input: &ExportInput, k: u32) -> Result<(String, Geometry), String> {
    let g = geometry(&p.report, &PlotOptions { min_cell: Some(k), ..input.plot.clone() });
    g.opts.validate()?;
    // The KMunicate rows are counted from the unprotected report and written with k's rule.
    let (svg, layout) = crate::plot::render_survival_svg(&p.report, input.report, &g.opts, g.width_px, g.height_px)?;
    if layout.annotation_strip <= 0 {
        return Ok((svg, g));
    }
    // The medians and the test found no place inside the plot free of curves and went to a
    // strip above it, taking that height from the plot (on the single-column preset about a
    // fifth of it): the figure grows by the strip instead, so the plot keeps the preset's height.
    let g = g.taller(layout.annotation_strip as u32);
    let (svg, _) = crate::plot::render_survival_svg(&p.report, input.report, &g.opts, g.width_px, g.height_px)?;
    Ok((svg, g))
}

/// The bytes of one manuscript export of the protected report `p` (k = `p.withheld.k`).
pub fn export(kind: Kind, input: &ExportInput, p: &crate::disclosure::Protected) -> Result<Vec<u8>, String> {
    input.plot.validate()?;
    let k = p.withheld.k;
    match kind {
        Kind::RiskTableCsv => risk_table::csv(&p.report, input.report, &PlotOptions { min_cell: Some(k), ..input.plot.clone() }).map(String::into_bytes),
        #[cfg(feature = "manuscript")]
        Kind::FigurePng | Kind::FigureTiff | Kind::FigurePdf => {
            let (svg, g) = figure_svg(p, input, k)?;
            let dpi = input.plot.dpi.unwrap_or(DEFAULT_DPI);
            match kind {
                Kind::FigurePng => figure::png(&svg, &g, dpi),
                Kind::FigureTiff => figure::tiff(&svg, &g, dpi),
                _ => figure::pdf(&svg, &g),
            }
        }
        #[cfg(feature = "manuscript")]
        Kind::Docx => docx::document(input, p),
        #[cfg(not(feature = "manuscript"))]
        other => Err(format!(
            "{} needs the manuscript writers: this build has no `manuscript` feature (the page loads them on demand; build the CLI with default features)",
            other.name()
        )),
    }
}
