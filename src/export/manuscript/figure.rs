//! The figure's SVG as PNG, TIFF and PDF (feature `manuscript`).
//!
//! usvg parses the SVG once, with a font database holding only the bundled Liberation Sans
//! (regular, bold, italic; no system fonts, so the page and the CLI draw the same glyphs and the
//! same bytes). resvg rasterises it; PNG gets a `pHYs` chunk (pixels per metre) and TIFF the
//! XResolution/YResolution/ResolutionUnit tags, both saying `dpi`, so the printed size is the
//! preset's. For PDF the text is first written as outlines (usvg's writer without
//! `preserve_text`), then svg2pdf writes every line, band and glyph as vector paths.

use std::sync::{Arc, OnceLock};

use super::{Geometry, CSS_DPI, DRAW_SCALE};

static FONTS: OnceLock<Arc<usvg::fontdb::Database>> = OnceLock::new();

/// The font database: Liberation Sans only (SIL OFL 1.1, `assets/fonts/LICENSE-OFL.txt`).
fn fonts() -> Arc<usvg::fontdb::Database> {
    FONTS
        .get_or_init(|| {
            let mut db = usvg::fontdb::Database::new();
            db.load_font_data(include_bytes!("../../../assets/fonts/LiberationSans-Regular.ttf").to_vec());
            db.load_font_data(include_bytes!("../../../assets/fonts/LiberationSans-Bold.ttf").to_vec());
            db.load_font_data(include_bytes!("../../../assets/fonts/LiberationSans-Italic.ttf").to_vec());
            db.set_sans_serif_family("Liberation Sans");
            Arc::new(db)
        })
        .clone()
}

fn options() -> usvg::Options<'static> {
    usvg::Options { font_family: "Liberation Sans".to_string(), fontdb: fonts(), ..usvg::Options::default() }
}

fn parse(svg: &str) -> Result<usvg::Tree, String> {
    usvg::Tree::from_str(svg, &options()).map_err(|e| format!("the figure's SVG could not be read for conversion: {e}"))
}

/// Size in pixels of the raster at `dpi`.
pub(super) fn raster_size(g: &Geometry, dpi: u32) -> (u32, u32) {
    let px = |mm: f64| ((mm / 25.4 * dpi as f64).round() as u32).max(1);
    (px(g.width_mm), px(g.height_mm))
}

/// RGB bytes (white background) of the figure at `dpi`.
fn raster(svg: &str, g: &Geometry, dpi: u32) -> Result<(u32, u32, Vec<u8>), String> {
    let tree = parse(svg)?;
    let (w, h) = raster_size(g, dpi);
    let mut pixmap = resvg::tiny_skia::Pixmap::new(w, h).ok_or_else(|| format!("cannot make a {w}×{h} pixel image: lower the dpi"))?;
    pixmap.fill(resvg::tiny_skia::Color::WHITE);
    let size = tree.size();
    let transform = resvg::tiny_skia::Transform::from_scale(w as f32 / size.width(), h as f32 / size.height());
    resvg::render(&tree, transform, &mut pixmap.as_mut());
    // Opaque pixels: premultiplied RGBA is plain RGBA; keep RGB.
    let rgb: Vec<u8> = pixmap.data().chunks_exact(4).flat_map(|p| [p[0], p[1], p[2]]).collect();
    Ok((w, h, rgb))
}

/// PNG at `dpi` with its pHYs chunk.
pub fn png(svg: &str, g: &Geometry, dpi: u32) -> Result<Vec<u8>, String> {
    let (w, h, rgb) = raster(svg, g, dpi)?;
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let ppm = (dpi as f64 / 0.0254).round() as u32;
        enc.set_pixel_dims(Some(png::PixelDimensions { xppu: ppm, yppu: ppm, unit: png::Unit::Meter }));
        let mut writer = enc.write_header().map_err(|e| format!("PNG: {e}"))?;
        writer.write_image_data(&rgb).map_err(|e| format!("PNG: {e}"))?;
    }
    Ok(out)
}

/// TIFF (RGB, LZW) at `dpi` with its resolution tags.
pub fn tiff(svg: &str, g: &Geometry, dpi: u32) -> Result<Vec<u8>, String> {
    use tiff::encoder::{colortype::RGB8, Compression, Rational, TiffEncoder};
    let (w, h, rgb) = raster(svg, g, dpi)?;
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let err = |e: tiff::TiffError| format!("TIFF: {e}");
        let mut enc = TiffEncoder::new(&mut out).map_err(err)?.with_compression(Compression::Lzw);
        let mut image = enc.new_image::<RGB8>(w, h).map_err(err)?;
        image.resolution(tiff::tags::ResolutionUnit::Inch, Rational { n: dpi, d: 1 });
        image.write_data(&rgb).map_err(err)?;
    }
    Ok(out.into_inner())
}

/// Vector PDF of the preset's printed size, text as outlines.
pub fn pdf(svg: &str, _g: &Geometry) -> Result<Vec<u8>, String> {
    let tree = parse(svg)?;
    let outlined = tree.to_string(&usvg::WriteOptions { preserve_text: false, ..usvg::WriteOptions::default() });
    let tree = parse(&outlined)?;
    let conv = svg2pdf::ConversionOptions { embed_text: false, ..svg2pdf::ConversionOptions::default() };
    let page = svg2pdf::PageOptions { dpi: (CSS_DPI * DRAW_SCALE) as f32 };
    let pdf = svg2pdf::to_pdf(&tree, conv, page).map_err(|e| format!("PDF: {e}"))?;
    Ok(canonical_resources(pdf))
}

/// svg2pdf lists a page's resources (`/xo3 13 0 R` lines of its `/XObject`, `/ExtGState`, …
/// dictionaries) in hash-map order, which changes from run to run. Sorting each run of such
/// lines (outside the streams) gives the same bytes every time — the page's module and the CLI
/// write the same file — and keeps every byte offset, so the cross-reference table stays right.
fn canonical_resources(mut pdf: Vec<u8>) -> Vec<u8> {
    let is_ref_line = |l: &[u8]| {
        let s = match std::str::from_utf8(l) {
            Ok(s) => s.trim_start(),
            Err(_) => return false,
        };
        let parts: Vec<&str> = s.split(' ').collect();
        parts.len() == 4 && parts[0].starts_with('/') && parts[1].parse::<u32>().is_ok() && parts[2] == "0" && parts[3] == "R"
    };
    let mut i = 0;
    let mut in_stream = false;
    let mut run: Vec<(usize, usize)> = Vec::new();
    let flush = |pdf: &mut Vec<u8>, run: &mut Vec<(usize, usize)>| {
        if run.len() > 1 {
            let (start, end) = (run[0].0, run[run.len() - 1].1);
            let mut lines: Vec<Vec<u8>> = run.iter().map(|&(a, b)| pdf[a..b].to_vec()).collect();
            lines.sort();
            let joined = lines.join(&b"\n"[..]);
            pdf[start..end].copy_from_slice(&joined);
        }
        run.clear();
    };
    while i < pdf.len() {
        let end = pdf[i..].iter().position(|&b| b == b'\n').map_or(pdf.len(), |j| i + j);
        let line = &pdf[i..end];
        if in_stream {
            if line.starts_with(b"endstream") {
                in_stream = false;
            }
        } else if line == b"stream" {
            flush(&mut pdf, &mut run);
            in_stream = true;
        } else if is_ref_line(line) {
            run.push((i, end));
        } else {
            flush(&mut pdf, &mut run);
        }
        i = end + 1;
    }
    flush(&mut pdf, &mut run);
    pdf
}
