//! A thin drawing helper over a plotters `DrawingArea`: positions are final pixels, sizes
//! (font sizes, line widths, dash lengths) are design pixels multiplied by the figure's scale.

use std::any::type_name;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Font stack of every text: Arial or its metric twin Liberation Sans, so [`super::text_width`]
/// is right; the generic family last.
pub(crate) const FONT_FAMILY: &str = "Arial, Liberation Sans, Helvetica, sans-serif";

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
}

fn err<E: std::fmt::Display>(e: E) -> String {
    format!("drawing failed: {e}")
}

impl<'a, DB: DrawingBackend> Painter<'a, DB> {
    pub fn new(area: &'a DrawingArea<DB, Shift>, s: f64) -> Self {
        let font_factor = if type_name::<DB>().contains("SVGBackend") { 1.24 } else { 1.0 };
        Painter { area, s, font_factor }
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
        let style = ShapeStyle { color, filled: false, stroke_width: self.stroke(width) };
        let dash = self.px(dash).max(1);
        let gap = self.px(gap).max(1);
        self.area.draw(&plotters::element::DashedPathElement::new(pts, dash, gap, style)).map_err(err)
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
