//! The manuscript exports (src/export/manuscript/): figures at a journal preset as PNG (pHYs), TIFF
//! (LZW, resolution tags) and vector PDF, dashed lines as single SVG paths, the risk table as
//! CSV. Every file is read back with an independent reader (the `png` and `tiff` decoders, the
//! PDF's own dictionaries and content stream) and checked against the preset's millimetres.
#![cfg(feature = "manuscript")]

#[path = "support/zip.rs"]
mod zip;
use zip::zip_member;
use cohort::export::{export_bytes, ExportInput, ExportKind};
use cohort::plot::{PlotOptions, Preset};

fn lung() -> (cohort::Table, cohort::Report) {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(root.join("tests/reference/lung.csv")).unwrap();
    let spec = cohort::AnalysisSpec::from_json(r#"{"time":"time","event":{"column":"status","event":["2"]},"group":"sex"}"#).unwrap();
    let table = cohort::read_table(&bytes, "lung.csv", &cohort::ReadOptions::from_spec(&spec)).unwrap();
    let report = cohort::analyze(&table, &spec).unwrap();
    (table, report)
}

fn export(kind: &str, plot: PlotOptions) -> Result<Vec<u8>, String> {
    let (table, report) = lung();
    let input = ExportInput { report: &report, table: Some(&table), file: "lung.csv", k: 5, plot, width: 1800, height: 1200 };
    export_bytes(ExportKind::parse(kind)?, &input)
}

fn preset(p: Preset, dpi: Option<u32>) -> PlotOptions {
    PlotOptions { preset: Some(p), dpi, ..PlotOptions::default() }
}

/// Millimetres of `px` pixels at `dpi`.
fn mm(px: u32, dpi: f64) -> f64 {
    px as f64 / dpi * 25.4
}

#[test]
fn png_is_the_presets_width_at_its_dpi_with_a_phys_chunk() {
    for (p, width_mm) in [(Preset::Single, 85.0), (Preset::Double, 180.0)] {
        for dpi in [300u32, 600] {
            let bytes = export("figure-png", preset(p, Some(dpi))).unwrap();
            let dec = png::Decoder::new(std::io::Cursor::new(&bytes));
            let reader = dec.read_info().unwrap();
            let info = reader.info();
            // 85 mm at 300 dpi = 1003.9 → 1004 px; at 600 dpi 2008 px; 180 mm: 2126 / 4252 px.
            assert!((mm(info.width, dpi as f64) - width_mm).abs() < 0.1, "{p:?} {dpi}: {} px", info.width);
            let dims = info.pixel_dims.expect("pHYs chunk");
            assert_eq!(dims.unit, png::Unit::Meter);
            // 300 dpi = 300 / 0.0254 = 11811 pixels per metre.
            assert_eq!(dims.xppu, (dpi as f64 / 0.0254).round() as u32);
            assert_eq!(dims.yppu, dims.xppu);
        }
    }
}

#[test]
fn tiff_is_lzw_with_resolution_tags() {
    use tiff::decoder::Decoder;
    use tiff::tags::Tag;
    let bytes = export("figure-tiff", preset(Preset::Single, Some(600))).unwrap();
    let mut dec = Decoder::new(std::io::Cursor::new(&bytes)).unwrap();
    let (w, h) = dec.dimensions().unwrap();
    assert!((mm(w, 600.0) - 85.0).abs() < 0.1, "{w} px");
    assert!(h > 1000);
    // Compression 5 = LZW; ResolutionUnit 2 = inch; XResolution 600/1.
    assert_eq!(dec.get_tag_u32(Tag::Compression).unwrap(), 5);
    assert_eq!(dec.get_tag_u32(Tag::ResolutionUnit).unwrap(), 2);
    let xres = dec.get_tag_u32_vec(Tag::XResolution).unwrap();
    assert_eq!(xres[0] as f64 / xres[1] as f64, 600.0);
    let yres = dec.get_tag_u32_vec(Tag::YResolution).unwrap();
    assert_eq!(yres[0] as f64 / yres[1] as f64, 600.0);
    // The pixels decode, and the figure is drawn (not a blank page): some dark ink.
    let img = match dec.read_image().unwrap() {
        tiff::decoder::DecodingResult::U8(v) => v,
        _ => panic!("8-bit RGB expected"),
    };
    assert_eq!(img.len(), (w * h * 3) as usize);
    assert!(img.chunks(3).filter(|p| p.iter().all(|c| *c < 80)).count() > 1000);
    // LZW does its job on a mostly white figure.
    assert!(bytes.len() < img.len() / 4, "{} bytes for {} pixels", bytes.len(), w * h);
}

/// The decompressed content streams of a PDF.
fn pdf_streams(pdf: &[u8]) -> Vec<String> {
    use std::io::Read;
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(i) = find(&pdf[at..], b"stream\n").map(|i| at + i + 7) {
        let end = find(&pdf[i..], b"endstream").map(|j| i + j).unwrap();
        let mut z = flate2::read::ZlibDecoder::new(&pdf[i..end]);
        let mut s = Vec::new();
        if z.read_to_end(&mut s).is_ok() {
            out.push(String::from_utf8_lossy(&s).into_owned());
        }
        at = end + "endstream".len();
    }
    out
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[test]
fn pdf_is_the_presets_size_in_vector_paths_with_text_as_outlines() {
    for (p, width_mm) in [(Preset::Single, 85.0), (Preset::Double, 180.0)] {
        let bytes = export("figure-pdf", preset(p, None)).unwrap();
        assert!(bytes.starts_with(b"%PDF-"));
        let text = String::from_utf8_lossy(&bytes);
        let mb = text.split("/MediaBox [").nth(1).unwrap().split(']').next().unwrap();
        let v: Vec<f64> = mb.split_whitespace().map(|x| x.parse().unwrap()).collect();
        // Points to millimetres: 1 pt = 25.4 / 72 mm.
        let (w, h) = ((v[2] - v[0]) * 25.4 / 72.0, (v[3] - v[1]) * 25.4 / 72.0);
        assert!((w - width_mm).abs() < 0.05, "{p:?}: page {w:.2} mm wide");
        assert!(h > 60.0 && h < 200.0, "{p:?}: page {h:.2} mm high");
        let streams = pdf_streams(&bytes).join("\n");
        // Vector path operators: moveto, lineto, stroke, fill; glyph outlines use curves (c).
        for op in [" m\n", " l\n", "S\n", "f\n", " c\n"] {
            assert!(streams.contains(op), "{p:?}: no '{}' operator in the content", op.trim());
        }
        // Dashes as a dash array (d operator), not hundreds of segments.
        assert!(streams.contains("] 0 d") || streams.contains("] 0.0 d") || streams.lines().any(|l| l.ends_with(" d") && l.starts_with('[')), "{p:?}: no dash array");
        // Text as outlines: no text objects and no fonts to embed.
        assert!(!streams.contains("BT\n") && !text.contains("/Font"), "{p:?}: text objects in the PDF");
        // No raster image in a vector figure.
        assert!(!text.contains("/Subtype /Image"));
    }
}

#[test]
fn svg_dashed_lines_are_one_path_with_a_dash_array() {
    let opts = PlotOptions { landmarks: vec![365.0], ..PlotOptions::default() };
    let svg = String::from_utf8(export("figure-svg", opts).unwrap()).unwrap();
    // The median lines (one horizontal, one per group) and the landmark line: 4 paths.
    let dashed: Vec<&str> = svg.split("<path").skip(1).filter(|p| p.contains("stroke-dasharray")).collect();
    assert_eq!(dashed.len(), 4, "{dashed:?}");
    for p in &dashed {
        let d = p.split("d=\"").nth(1).unwrap().split('"').next().unwrap();
        assert_eq!(d.matches('M').count(), 1, "one path: {d}");
    }
    // No placeholder left, and no run of 2-point polylines (the old one-element-per-dash).
    assert!(!svg.contains('\u{E000}'));
    let polylines = svg.matches("<polyline").count();
    let censor_marks = 2 * 228; // at most two strokes per censoring (lung: 63 censored)
    assert!(polylines < censor_marks, "{polylines} polylines");
    // The same figure drawn for the page (a canvas-like backend) still cuts dashes itself:
    // nothing changes there (tests/plot.rs snapshots).
}

#[test]
fn bad_manuscript_options_are_clear_errors() {
    let e = export("figure-png", PlotOptions { dpi: Some(20), ..PlotOptions::default() }).unwrap_err();
    assert!(e.contains("dpi must be between 72 and 1200"), "{e}");
    let e = export("figure-tiff", PlotOptions { dpi: Some(5000), ..PlotOptions::default() }).unwrap_err();
    assert!(e.contains("dpi"), "{e}");
    assert!(Preset::parse("triple").unwrap_err().contains("single (85 mm"));
    let e = ExportKind::parse("figure-jpg").unwrap_err();
    assert!(e.contains("figure-png") && e.contains("figure-tiff") && e.contains("figure-pdf"), "{e}");
}

#[test]
fn the_same_options_give_the_same_bytes() {
    // The page's module and the CLI must agree byte for byte: no clock, no randomness.
    for kind in ["figure-png", "figure-tiff", "figure-pdf"] {
        let a = export(kind, preset(Preset::Single, None)).unwrap();
        let b = export(kind, preset(Preset::Single, None)).unwrap();
        assert!(a == b, "{kind} differs between two runs");
    }
}

#[test]
fn figures_go_through_disclosure_control() {
    // lung by sex, k = 5: the at-risk cells of the figure (and of its CSV) are those of the
    // protected report: the group's size less the exits rounded down to a multiple of 5
    // (`disclosure::RiskRounding`; the same protected report as figure-svg).
    let (_, report) = lung();
    let csv = String::from_utf8(export("risk-table-csv", preset(Preset::Single, None)).unwrap()).unwrap();
    let mut rounded = 0;
    for line in csv.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        let (g, t, n) = (cells[0], cells[1].parse::<f64>().unwrap(), cells[2]);
        let curve = report.km.iter().find(|c| c.group.as_deref() == Some(g)).unwrap();
        let exact = cohort::plot::km::n_at_risk_steps(&curve.steps, t);
        let size = curve.n as f64;
        if t == 0.0 {
            assert_eq!(n, exact.to_string(), "{line}: the group's size is released");
            continue;
        }
        if n == "<5" {
            assert!(exact < 10.0, "{line}: exact {exact}");
            continue;
        }
        let n: f64 = n.parse().unwrap_or_else(|_| panic!("{line}"));
        // Never below the exact, less than k above it, and N − n a multiple of k.
        assert!((size - n) % 5.0 == 0.0 && n >= exact && n - exact < 5.0, "{line}: exact {exact}");
        rounded += (n != exact) as usize;
    }
    assert!(rounded > 0, "some cells rounded:\n{csv}");
    // The figure's own text: the same cells.
    let png_opts = preset(Preset::Single, None);
    let (table, report) = lung();
    let p = cohort::disclosure::protect(&report, Some(&table), 5);
    let input = ExportInput { report: &report, table: Some(&table), file: "lung.csv", k: 5, plot: png_opts, width: 1800, height: 1200 };
    let (svg, g) = cohort::manuscript::figure_svg(&p, &input, 5).unwrap();
    assert_eq!(g.opts.min_cell, Some(5));
    let unprotected = cohort::plot::render_svg(&report, &g.opts, g.width_px, g.height_px, cohort::plot::FigureKind::Survival).unwrap();
    assert_ne!(svg, unprotected);
}

// ---- journal presets, grey style, the annotation box, breaks and the KMunicate rows

fn draw(report: &cohort::Report, opts: &PlotOptions, w: u32, h: u32) -> (String, cohort::plot::PlotLayout) {
    use plotters::prelude::*;
    let mut svg = String::new();
    let layout = {
        let area = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
        let l = cohort::plot::km::draw_survival(&area, report, opts).unwrap();
        area.present().unwrap();
        l
    };
    (svg, layout)
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let i = tag.find(&key)? + key.len();
    Some(tag[i..].split('"').next()?.to_string())
}

/// (x, y, font size, text) of every SVG text.
fn texts(svg: &str) -> Vec<(f64, f64, f64, String)> {
    svg.split("<text")
        .skip(1)
        .map(|chunk| {
            let tag = &chunk[..chunk.find('>').unwrap()];
            let body = chunk[chunk.find('>').unwrap() + 1..chunk.find("</text>").unwrap()].trim().to_string();
            let n = |k: &str| attr(tag, k).unwrap().parse::<f64>().unwrap();
            (n("x"), n("y"), n("font-size"), body)
        })
        .collect()
}

/// Every segment of the polylines stroked `width` wide in one of `colors`.
fn segments(svg: &str, colors: &[&str], width: &str) -> Vec<((f64, f64), (f64, f64))> {
    let mut out = Vec::new();
    for chunk in svg.split("<polyline").skip(1) {
        let tag = &chunk[..chunk.find("/>").unwrap()];
        let stroke = attr(tag, "stroke").unwrap_or_default();
        if attr(tag, "stroke-width").as_deref() != Some(width) || !colors.iter().any(|c| c.eq_ignore_ascii_case(&stroke)) {
            continue;
        }
        let pts: Vec<(f64, f64)> = attr(tag, "points")
            .unwrap()
            .split_whitespace()
            .map(|p| {
                let (x, y) = p.split_once(',').unwrap();
                (x.parse().unwrap(), y.parse().unwrap())
            })
            .collect();
        out.extend(pts.windows(2).map(|w| (w[0], w[1])));
    }
    out
}

#[test]
fn the_annotation_box_covers_no_curve_on_narrow_figures() {
    let (_, report) = lung();
    let single = cohort::manuscript::geometry(&report, &preset(Preset::Single, None));
    let cases = [
        ("single-column preset", single.opts.clone(), single.width_px, single.height_px, single.opts.font_scale),
        ("narrow 420 × 440", PlotOptions::default(), 420, 440, 1.0),
        ("narrow 360 × 520, no bands", PlotOptions { conf_bands: false, ..PlotOptions::default() }, 360, 520, 1.0),
    ];
    for (what, opts, w, h, s) in cases {
        let (svg, layout) = draw(&report, &opts, w, h);
        let ts = texts(&svg);
        let first = ts.iter().position(|t| t.3.starts_with("Median (95% CI)")).unwrap_or_else(|| panic!("{what}: no median block"));
        let block: Vec<_> = ts[first..].iter().take_while(|t| !t.3.starts_with("Number at risk")).filter(|t| t.1 < layout.plot_top as f64 + layout.plot_height as f64).collect();
        assert!(block.iter().any(|t| t.3.starts_with("Log-rank")), "{what}: the test's p is written");
        let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for t in &block {
            x0 = x0.min(t.0);
            x1 = x1.max(t.0 + cohort::plot::text_width(&t.3, t.2, false));
            y0 = y0.min(t.1 - t.2);
            y1 = y1.max(t.1 + t.2);
        }
        let segs = segments(&svg, &["#0072B2", "#D55E00"], &format!("{}", (2.0 * s).round()));
        assert!(segs.len() > 50, "{what}: {} curve segments", segs.len());
        for ((ax, ay), (bx, by)) in segs {
            let hit = ax.min(bx) <= x1 && ax.max(bx) >= x0 && ay.min(by) <= y1 && ay.max(by) >= y0;
            assert!(!hit, "{what}: the annotation box ({x0:.0},{y0:.0})–({x1:.0},{y1:.0}) covers the curve segment ({ax},{ay})–({bx},{by})");
        }
    }
}

#[test]
fn presets_give_print_sizes_and_legible_fonts() {
    let (_, report) = lung();
    for (p, w_mm, pt) in [(Preset::Single, 85.0, 8.0), (Preset::Double, 180.0, 9.0)] {
        let g = cohort::manuscript::geometry(&report, &preset(p, None));
        assert!((g.width_mm - w_mm).abs() < 0.05, "{p:?}: {} mm", g.width_mm);
        // Base font in CSS px at 96/in = pt × 96/72; the smallest text (ticks, table) is 92% of it.
        assert!((g.opts.font_size - pt * 96.0 / 72.0).abs() < 1e-9);
        assert!(0.92 * pt >= 7.0, "{p:?}: smallest text {} pt", 0.92 * pt);
        let svg = cohort::plot::render_svg(&report, &g.opts, g.width_px, g.height_px, cohort::plot::FigureKind::Survival).unwrap();
        // Every text at least 7 pt at print size: font-size px / DRAW_SCALE × 72/96.
        for t in texts(&svg) {
            let printed_pt = t.2 / cohort::manuscript::DRAW_SCALE * 72.0 / 96.0;
            assert!(printed_pt >= 7.0 - 1e-6, "{p:?}: '{}' at {printed_pt:.2} pt", t.3);
        }
        // The default palette is Okabe-Ito's colour-blind-safe one.
        assert!(svg.contains("#0072B2") && svg.contains("#D55E00"));
    }
}

#[test]
fn grey_style_tells_groups_apart_by_line_type() {
    let (_, report) = lung();
    let opts = PlotOptions { style: cohort::plot::Style::Grey, ..PlotOptions::default() };
    let svg = cohort::plot::render_svg(&report, &opts, 900, 680, cohort::plot::FigureKind::Survival).unwrap();
    // No colour: every stroke and fill is a grey (r = g = b).
    for key in ["stroke=\"#", "fill=\"#"] {
        for hex in svg.split(key).skip(1).map(|s| &s[..6]) {
            assert!(hex[0..2] == hex[2..4] && hex[2..4] == hex[4..6], "colour #{hex} in the grey style");
        }
    }
    // The second group's curve (and its legend swatch) is one dashed path of width 2.
    let curves: Vec<&str> = svg.split("<path").skip(1).filter(|p| p.contains("stroke-width=\"2\"") && p.contains("stroke-dasharray=\"7 4 7 4\"")).collect();
    assert_eq!(curves.len(), 2, "curve and legend swatch of group 2");
    // The style is a spec/view key: {"style": "grey"} (or "gray").
    let o: PlotOptions = serde_json::from_str(r#"{"style": "gray"}"#).unwrap();
    assert_eq!(o.style, cohort::plot::Style::Grey);
    assert!(serde_json::from_str::<PlotOptions>(r#"{"style": "sepia"}"#).is_err());
}

#[test]
fn breaks_are_the_ticks_and_the_risk_table_columns() {
    let (_, report) = lung();
    let breaks = vec![0.0, 180.0, 365.0, 545.0, 730.0];
    let opts = PlotOptions { breaks: breaks.clone(), ..PlotOptions::default() };
    let (_, layout) = draw(&report, &opts, 900, 680);
    let ticks: Vec<f64> = layout.x_ticks.iter().map(|t| t.value).collect();
    assert_eq!(ticks, breaks);
    let table = layout.risk_table.unwrap();
    assert_eq!(table.times, breaks);
    assert_eq!(table.columns_px, layout.x_ticks.iter().map(|t| t.px).collect::<Vec<_>>());
    // A break past the axis, or out of order, is a clear error.
    let mut area_svg = String::new();
    let e = {
        use plotters::prelude::*;
        let area = SVGBackend::with_string(&mut area_svg, (900, 680)).into_drawing_area();
        cohort::plot::km::draw_survival(&area, &report, &PlotOptions { breaks: vec![0.0, 5000.0], ..PlotOptions::default() }).unwrap_err()
    };
    assert!(e.contains("beyond the end of the x axis"), "{e}");
    let e = PlotOptions { breaks: vec![365.0, 180.0], ..PlotOptions::default() }.validate().unwrap_err();
    assert!(e.contains("increasing"), "{e}");
}

#[test]
fn kmunicate_rows_match_r() {
    // R 4.2, survival 3.5-3:
    //   f <- survfit(Surv(time, status == 2) ~ sex, lung)
    //   s <- summary(f, times = c(0, 180, 365, 545, 730), extend = TRUE, censored = TRUE)
    //   n.risk, and cumsum(n.event), cumsum(n.censor) within each stratum:
    //   sex=1: risk 138 89 35 17 7; events 0 49 85 99 109; censored 0 1 18 22 22
    //   sex=2: risk  90 71 30 15 6; events 0 14 36 44  50; censored 0 5 24 31 34
    let (_, report) = lung();
    let opts = PlotOptions { breaks: vec![0.0, 180.0, 365.0, 545.0, 730.0], kmunicate: true, ..PlotOptions::default() };
    let (svg, layout) = draw(&report, &opts, 900, 900);
    let rows = layout.risk_table.unwrap().rows;
    let strs = |v: &[u32]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    assert_eq!(rows[0].counts, vec![138.0, 89.0, 35.0, 17.0, 7.0]);
    assert_eq!(rows[0].events.as_deref().unwrap(), strs(&[0, 49, 85, 99, 109]));
    assert_eq!(rows[0].censored.as_deref().unwrap(), strs(&[0, 1, 18, 22, 22]));
    assert_eq!(rows[1].counts, vec![90.0, 71.0, 30.0, 15.0, 6.0]);
    assert_eq!(rows[1].events.as_deref().unwrap(), strs(&[0, 14, 36, 44, 50]));
    assert_eq!(rows[1].censored.as_deref().unwrap(), strs(&[0, 5, 24, 31, 34]));
    let ts: Vec<String> = texts(&svg).into_iter().map(|t| t.3).collect();
    for name in ["At risk", "Censored", "Events"] {
        assert_eq!(ts.iter().filter(|t| *t == name).count(), 2, "{name} under each group");
    }
}

#[test]
fn kmunicate_csv_follows_the_disclosure_rule() {
    // k = 5: at risk as the protected figure (the group's size less the exits rounded down to a
    // multiple of 5); cumulative censored and events from the analysis,
    // 1–4 written "<5", larger counts rounded up to a multiple of 5; past a cut nothing ("–").
    let opts = PlotOptions { breaks: vec![0.0, 180.0, 365.0, 545.0, 730.0], kmunicate: true, ..PlotOptions::default() };
    let csv = String::from_utf8(export("risk-table-csv", opts).unwrap()).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "group,time,at_risk,censored,events");
    // sex=1 at 180: 89 at risk of 138 (49 gone before 180: 45 → 138 − 45 = 93), censored 1 →
    // "<5", events 49 → 50; at 730 the curve is cut.
    assert!(lines.contains(&"1,180,93,<5,50"), "{csv}");
    assert!(lines.contains(&"1,730,<5,–,–"), "{csv}");
    // sex=2 at 365: censored 24 → 25, events 36 → 40.
    assert!(lines.iter().any(|l| l.starts_with("2,365,") && l.ends_with(",25,40")), "{csv}");
}

// ---- the Word document

fn lung_docx() -> Vec<u8> {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(root.join("tests/reference/lung.csv")).unwrap();
    let spec = cohort::AnalysisSpec::from_json(r#"{"time":"time","event":{"column":"status","event":["2"]},"group":"sex","covariates":["age","ph.ecog"],"table1":["age","ph.ecog"]}"#).unwrap();
    let table = cohort::read_table(&bytes, "lung.csv", &cohort::ReadOptions::from_spec(&spec)).unwrap();
    let report = cohort::analyze(&table, &spec).unwrap();
    let input = ExportInput { report: &report, table: Some(&table), file: "lung.csv", k: 5, plot: preset(Preset::Single, None), width: 1800, height: 1200 };
    export_bytes(ExportKind::parse("docx").unwrap(), &input).unwrap()
}


#[test]
fn docx_holds_word_tables_and_the_figure() {
    let docx = lung_docx();
    assert_eq!(docx, lung_docx(), "the same bytes every time");
    let xml = String::from_utf8(zip_member(&docx, "word/document.xml")).unwrap();
    // Table 1, the survival summary and the Cox model as real Word tables.
    assert_eq!(xml.matches("<w:tbl>").count(), 3, "three w:tbl");
    for t in ["Table 1. Characteristics of the patients", "Hazard ratio (95% CI)", "1.56 (1.24–1.96)", "270 (212–310)", "Log-rank test: p = 0.0013", "Disclosure control (k = 5)"] {
        assert!(xml.contains(t), "'{t}' missing from the document");
    }
    // The figure: a PNG at 300 dpi, placed at the preset's width (85 mm = 3,060,000 EMU).
    let cx: f64 = xml.split("cx=\"").nth(1).unwrap().split('"').next().unwrap().parse().unwrap();
    assert!((cx / 36000.0 - 85.0).abs() < 0.1, "figure {} mm wide", cx / 36000.0);
    let png_bytes = zip_member(&docx, "word/media/rIdFigure1.png");
    let reader = png::Decoder::new(std::io::Cursor::new(&png_bytes)).read_info().unwrap();
    assert_eq!(reader.info().pixel_dims.unwrap().xppu, 11811, "300 dpi");
    assert!((mm(reader.info().width, 300.0) - 85.0).abs() < 0.1);
}

#[test]
fn docx_opens_in_libreoffice() {
    let soffice = ["soffice", "libreoffice"].into_iter().find(|b| std::process::Command::new(b).arg("--version").output().is_ok_and(|o| o.status.success()));
    let Some(soffice) = soffice else {
        eprintln!("\n*** SKIPPED docx_opens_in_libreoffice: LibreOffice (soffice) is not installed. Install it with scripts/setup-manuscript.sh (Debian's libreoffice-writer-nogui) to run this test. ***\n");
        return;
    };
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("docx-libreoffice");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("results.docx");
    std::fs::write(&file, lung_docx()).unwrap();
    let profile = format!("-env:UserInstallation=file://{}", dir.join("profile").display());
    for to in ["pdf", "txt:Text"] {
        let out = std::process::Command::new(soffice).args([profile.as_str(), "--headless", "--convert-to", to, "--outdir"]).arg(&dir).arg(&file).output().unwrap();
        assert!(out.status.success(), "{soffice} failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let pdf = std::fs::read(dir.join("results.pdf")).expect("LibreOffice wrote no PDF");
    assert!(pdf.starts_with(b"%PDF-"));
    assert!(find(&pdf, b"/Subtype/Image").is_some() || find(&pdf, b"/Subtype /Image").is_some(), "the figure is in the PDF");
    let txt = std::fs::read_to_string(dir.join("results.txt")).unwrap();
    for t in ["Table 1. Characteristics of the patients", "age, mean (SD)", "Hazard ratio (95% CI)", "1.56 (1.24–1.96)", "426 (348–550)", "Figure 1"] {
        assert!(txt.contains(t), "LibreOffice's text lacks '{t}':\n{txt}");
    }
}
