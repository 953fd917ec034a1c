//! A thin drawing helper over a plotters `DrawingArea`: positions are final pixels, sizes
//! (font sizes, line widths, dash lengths) are design pixels multiplied by the figure's scale.

use std::any::type_name;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Font stack of every text: Arial or its metric twin Liberation Sans, so [`super::text_width`]
/// is right; the generic family last.
pub(crate) const FONT_FAMILY: &str = "Arial, Liberation Sans, Helvetica, sans-serif";

thread_local! {
    /// Set by [`with_dash_paths`]: an SVG drawing writes each dashed line as one path with a
    /// `stroke-dasharray` instead of one segment per dash.
    static DASH_PATHS: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// First character of the placeholder text a dashed line leaves in the SVG while
/// [`with_dash_paths`] is on (a private-use code point no label contains).
pub(crate) const DASH_MARK: char = '\u{E000}';

/// Run `f` (an SVG drawing) with dashed lines written as placeholders that
/// [`dash_placeholders_to_paths`] turns into `<path stroke-dasharray=…>` elements, in drawing
/// order. plotters' backends know no dash arrays, so the painter cannot say it otherwise.
pub(crate) fn with_dash_paths<T>(f: impl FnOnce() -> T) -> T {
    let before = DASH_PATHS.with(|d| d.replace(true));
    let out = f();
    DASH_PATHS.with(|d| d.set(before));
    out
}

/// Replace the placeholders left by dashed lines (see [`with_dash_paths`]) by one SVG path each.
pub(crate) fn dash_placeholders_to_paths(svg: &str) -> String {
    let mut out = String::with_capacity(svg.len());
    let mut rest = svg;
    while let Some(i) = rest.find(DASH_MARK) {
        let (Some(open), Some(close)) = (rest[..i].rfind("<text"), rest[i..].find("</text>").map(|j| i + j)) else { break };
        out.push_str(&rest[..open]);
        let tag = &rest[open..rest[open..i].find('>').map_or(i, |k| open + k)];
        let attr = |name: &str| {
            let key = format!(" {name}=\"");
            tag.find(&key).and_then(|a| tag[a + key.len()..].split('"').next()).unwrap_or("").to_string()
        };
        let body = rest[i + DASH_MARK.len_utf8()..close].trim();
        if let Some((head, pts)) = body.split_once('|') {
            let mut head = head.split_whitespace();
            let width = head.next().unwrap_or("1");
            let dashes: Vec<&str> = head.collect();
            let mut d = String::new();
            for (k, p) in pts.split_whitespace().enumerate() {
                d.push_str(if k == 0 { "M" } else { " L" });
                d.push_str(&p.replace(',', " "));
            }
            out.push_str(&format!(
                "<path d=\"{d}\" fill=\"none\" stroke=\"{}\" stroke-opacity=\"{}\" stroke-width=\"{width}\" stroke-dasharray=\"{}\"/>",
                attr("fill"),
                Some(attr("opacity")).filter(|o| !o.is_empty()).unwrap_or_else(|| "1".into()),
                dashes.join(" ")
            ));
        }
        rest = &rest[close + "</text>".len()..];
        rest = rest.strip_prefix('\n').unwrap_or(rest);
        out.push('\n');
    }
    out.push_str(rest);
    out
}

pub(crate) const INK: RGBColor = RGBColor(0x22, 0x22, 0x22);
pub(crate) const GREY: RGBColor = RGBColor(0x66, 0x66, 0x66);

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Face {
    Normal,
    Bold,
    Italic,
}

pub(crate) struct Painter<'a, DB: DrawingBackend> {
    area: &'a DrawingArea<DB, Shift>,
    /// Scale of every size (PlotOptions::font_scale).
    pub s: f64,
    /// plotters' backends disagree on font units: the canvas backend writes `size` px, the SVG
    /// backend `size / 1.24` px. Text sizes here are CSS pixels in both.
    font_factor: f64,
    /// Dashed lines as placeholders of one path each (an SVG export, [`with_dash_paths`]).
    dash_paths: bool,
}

fn err<E: std::fmt::Display>(e: E) -> String {
    format!("drawing failed: {e}")
}

impl<'a, DB: DrawingBackend> Painter<'a, DB> {
    pub fn new(area: &'a DrawingArea<DB, Shift>, s: f64) -> Self {
        let svg = type_name::<DB>().contains("SVGBackend");
        let font_factor = if svg { 1.24 } else { 1.0 };
        // The wasm engine draws its SVG documents through its one backend type (`FigureBackend`,
        // whose SVG variant scales text itself: `plot::SvgTarget`); `with_dash_paths` is on only
        // while an SVG document is drawn.
        let svg_like = svg || type_name::<DB>().contains("FigureBackend");
        Painter { area, s, font_factor, dash_paths: svg_like && DASH_PATHS.with(|d| d.get()) }
    }

    /// A design length in final pixels.
    pub fn px(&self, v: f64) -> i32 {
        (v * self.s).round() as i32
    }

    fn stroke(&self, w: f64) -> u32 {
        (w * self.s).round().max(1.0) as u32
    }

    pub fn line(&self, pts: Vec<(i32, i32)>, color: RGBAColor, width: f64) -> Result<(), String> {
        if pts.len() < 2 {
            return Ok(());
        }
        self.area
            .draw(&PathElement::new(pts, ShapeStyle { color, filled: false, stroke_width: self.stroke(width) }))
            .map_err(err)
    }

    pub fn dashed(&self, pts: Vec<(i32, i32)>, color: RGBAColor, width: f64, dash: f64, gap: f64) -> Result<(), String> {
        if pts.len() < 2 {
            return Ok(());
        }
        if self.dash_paths {
            return self.dash_placeholder(&pts, color, width, &[dash, gap]);
        }
        let style = ShapeStyle { color, filled: false, stroke_width: self.stroke(width) };
        let dash = self.px(dash).max(1);
        let gap = self.px(gap).max(1);
        self.area.draw(&plotters::element::DashedPathElement::new(pts, dash, gap, style)).map_err(err)
    }

    /// A line with a dash pattern of design pixels (on, off, on, off): the grey style's line
    /// types. One path in an SVG export; segments cut along the polyline elsewhere.
    pub fn patterned(&self, pts: Vec<(i32, i32)>, color: RGBAColor, width: f64, pattern: Option<[f64; 4]>) -> Result<(), String> {
        let Some(pat) = pattern else { return self.line(pts, color, width) };
        if pts.len() < 2 {
            return Ok(());
        }
        if self.dash_paths {
            return self.dash_placeholder(&pts, color, width, &pat);
        }
        let pat: Vec<f64> = pat.iter().map(|v| (v * self.s).max(1.0)).collect();
        // Walk the polyline, switching pen state at each pattern boundary.
        let (mut k, mut left, mut on) = (0usize, pat[0], true);
        let mut seg: Vec<(f64, f64)> = vec![(pts[0].0 as f64, pts[0].1 as f64)];
        let flush = |seg: &mut Vec<(f64, f64)>| -> Result<(), String> {
            if seg.len() >= 2 {
                let v: Vec<(i32, i32)> = seg.iter().map(|p| (p.0.round() as i32, p.1.round() as i32)).collect();
                self.line(v, color, width)?;
            }
            Ok(())
        };
        for w in pts.windows(2) {
            let (a, b) = ((w[0].0 as f64, w[0].1 as f64), (w[1].0 as f64, w[1].1 as f64));
            let len = ((b.0 - a.0).powi(2) + (b.1 - a.1).powi(2)).sqrt();
            let mut pos = 0.0;
            while len - pos > left {
                pos += left;
                let p = (a.0 + (b.0 - a.0) * pos / len, a.1 + (b.1 - a.1) * pos / len);
                if on {
                    seg.push(p);
                    flush(&mut seg)?;
                }
                seg = vec![p];
                on = !on;
                k = (k + 1) % pat.len();
                left = pat[k];
            }
            left -= len - pos;
            if on {
                seg.push(b);
            } else {
                seg = vec![b];
            }
        }
        if on {
            flush(&mut seg)?;
        }
        Ok(())
    }

    /// The placeholder of a dashed line in an SVG drawing (see [`with_dash_paths`]).
    fn dash_placeholder(&self, pts: &[(i32, i32)], color: RGBAColor, width: f64, pattern: &[f64]) -> Result<(), String> {
        let mut body = format!("{DASH_MARK}{}", self.stroke(width));
        for d in pattern {
            body.push_str(&format!(" {}", self.px(*d).max(1)));
        }
        body.push('|');
        for (x, y) in pts {
            body.push_str(&format!("{x},{y} "));
        }
        let rgb = RGBColor(color.0, color.1, color.2);
        let font = FontDesc::new(FontFamily::Name(FONT_FAMILY), 10.0, FontStyle::Normal);
        let fill = rgb.mix(color.3);
        let ts = TextStyle::from(font).color(&fill);
        self.area.draw(&Text::new(body, (0, 0), ts)).map_err(err)
    }

    pub fn polygon(&self, pts: Vec<(i32, i32)>, color: RGBAColor) -> Result<(), String> {
        if pts.len() < 3 {
            return Ok(());
        }
        self.area.draw(&Polygon::new(pts, color.filled())).map_err(err)
    }

    /// Filled circle of `r` design pixels.
    pub fn circle(&self, c: (i32, i32), r: f64, color: RGBAColor) -> Result<(), String> {
        self.area.draw(&Circle::new(c, self.px(r).max(1), color.filled())).map_err(err)
    }

    pub fn rect(&self, a: (i32, i32), b: (i32, i32), color: RGBAColor) -> Result<(), String> {
        self.area.draw(&Rectangle::new([a, b], color.filled())).map_err(err)
    }

    /// Text of `size` design pixels anchored at `pos`.
    #[allow(clippy::too_many_arguments)]
    pub fn text(&self, text: &str, pos: (i32, i32), size: f64, color: RGBColor, h: HPos, v: VPos, face: Face, rotate: bool) -> Result<(), String> {
        if text.is_empty() {
            return Ok(());
        }
        let style = match face {
            Face::Normal => FontStyle::Normal,
            Face::Bold => FontStyle::Bold,
            Face::Italic => FontStyle::Italic,
        };
        let mut font = FontDesc::new(FontFamily::Name(FONT_FAMILY), size * self.s * self.font_factor, style);
        if rotate {
            font = font.transform(FontTransform::Rotate270);
        }
        let ts = TextStyle::from(font).color(&color).pos(Pos::new(h, v));
        self.area.draw(&Text::new(text.to_string(), pos, ts)).map_err(err)
    }

    /// Width in final pixels of `text` at `size` design pixels.
    pub fn width(&self, text: &str, size: f64, face: Face) -> f64 {
        super::text_width(text, size * self.s, face == Face::Bold)
    }
}

impl<'a, DB: DrawingBackend> Painter<'a, DB> {
    /// Advance in final pixels of `text` (Arial metrics): where the next run starts.
    pub fn advance(&self, text: &str, size: f64, face: Face) -> f64 {
        super::text_advance(text, size * self.s, face == Face::Bold)
    }
}

/// Where the horizontal grid and the y ticks go: the plot's left edge and width, the tick
/// length, in final pixels.
pub(crate) struct YAxis {
    pub left: i32,
    pub width: i32,
    pub tick: i32,
    pub grid: RGBAColor,
    pub font: f64,
}

impl<'a, DB: DrawingBackend> Painter<'a, DB> {
    /// A grid line, a tick and a right-aligned label at each y value (`y_of` maps a value to its
    /// pixel row); returns the ticks drawn.
    pub fn y_ticks(&self, axis: &YAxis, values: &[f64], labels: &[String], y_of: impl Fn(f64) -> i32) -> Result<Vec<super::Tick>, String> {
        let ink = RGBAColor(INK.0, INK.1, INK.2, 1.0);
        let mut ticks = Vec::with_capacity(values.len());
        for (&v, l) in values.iter().zip(labels) {
            let y = y_of(v);
            self.line(vec![(axis.left, y), (axis.left + axis.width, y)], axis.grid, 1.0)?;
            self.line(vec![(axis.left - axis.tick, y), (axis.left, y)], ink, 1.0)?;
            self.text(l, (axis.left - axis.tick - self.px(3.0), y), axis.font, INK, HPos::Right, VPos::Center, Face::Normal, false)?;
            ticks.push(super::Tick { value: v, px: y, label: l.clone() });
        }
        Ok(ticks)
    }
}
