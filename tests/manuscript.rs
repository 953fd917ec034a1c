//! The manuscript exports (src/manuscript/): figures at a journal preset as PNG (pHYs), TIFF
//! (LZW, resolution tags) and vector PDF, dashed lines as single SVG paths, the risk table as
//! CSV. Every file is read back with an independent reader (the `png` and `tiff` decoders, the
//! PDF's own dictionaries and content stream) and checked against the preset's millimetres.
#![cfg(feature = "manuscript")]

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
    // protected report, rounded up to multiples of 5 (the same protected report as figure-svg).
    let (_, report) = lung();
    let csv = String::from_utf8(export("risk-table-csv", preset(Preset::Single, None)).unwrap()).unwrap();
    let mut rounded = 0;
    for line in csv.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        let (g, t, n) = (cells[0], cells[1].parse::<f64>().unwrap(), cells[2]);
        let curve = report.km.iter().find(|c| c.group.as_deref() == Some(g)).unwrap();
        let exact = cohort::plot::km::n_at_risk_steps(&curve.steps, t);
        if t == 0.0 {
            assert_eq!(n, exact.to_string(), "{line}: the group's size is released");
            continue;
        }
        let n: f64 = n.parse().unwrap_or_else(|_| panic!("{line}"));
        // The pool's first number at risk, rounded up to a multiple of k: never below the exact.
        assert!(n % 5.0 == 0.0 && n >= exact, "{line}: exact {exact}");
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
