//! Drawing into a canvas or an SVG document: the wasm engine's one plotters backend
//! ([`FigureBackend`]), filed with the figures (the wasm session, src/wasm.rs, uses it; the
//! figures never depend on the session). `Session::draw`, `draw_offscreen` and `svg` are its
//! callers, and `plot::svg_target` in the browser build.

/// The 2D context a figure is drawn on: the page's `<canvas>` (the main-thread engine) or an
/// `OffscreenCanvas` (the engine's Web Worker). Both have the same drawing API; each call is
/// dispatched on the variant.
enum Ctx2d {
    Html(web_sys::CanvasRenderingContext2d),
    Offscreen(web_sys::OffscreenCanvasRenderingContext2d),
}

/// `$e` evaluated with `$c` bound to whichever 2D context `$ctx` holds.
macro_rules! on_ctx {
    ($ctx:expr, $c:ident => $e:expr) => {
        match $ctx {
            Ctx2d::Html($c) => $e,
            Ctx2d::Offscreen($c) => $e,
        }
    };
}

/// A plotters backend over a canvas 2D context (either kind), in the conventions of
/// plotters-canvas: CSS colours, half-pixel offsets for horizontal and vertical lines so
/// one-pixel rules stay crisp, text measured by the canvas itself.
pub struct CanvasBackend2d {
    ctx: Ctx2d,
    size: (u32, u32),
    /// The context's current stroke colour, line width, fill colour and font, so that a figure
    /// with thousands of same-coloured strokes (censor marks) sets each once, not per stroke
    /// (each set is a call out of wasm and a CSS parse).
    state: std::cell::RefCell<(String, f64, String, String)>,
}

/// The one drawing backend of the wasm engine: a canvas (page or worker) or an SVG document
/// ("save as SVG"). Every figure function is generic over its backend; giving them a single
/// backend type in the browser build keeps one copy of the drawing code in the module instead of
/// one per backend (three copies cost ~150 KB raw, ~55 KB gzipped). The dispatch is one `match`
/// per drawing call.
pub enum FigureBackend<'a> {
    Canvas(CanvasBackend2d),
    Svg(plotters::prelude::SVGBackend<'a>),
}

/// An error of the canvas API (or the SVG writer), as text.
#[derive(Debug)]
pub struct CanvasError(String);

impl std::fmt::Display for CanvasError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "canvas error: {}", self.0)
    }
}
impl std::error::Error for CanvasError {}

mod backend {
    use super::{CanvasBackend2d, CanvasError, Ctx2d, FigureBackend};
    use plotters_backend::text_anchor::{HPos, Pos, VPos};
    use plotters_backend::{
        BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind, FontFamily, FontStyle, FontTransform,
    };
    use wasm_bindgen::{JsCast, JsValue};

    type R = Result<(), DrawingErrorKind<CanvasError>>;

    fn err(e: JsValue) -> DrawingErrorKind<CanvasError> {
        DrawingErrorKind::DrawingError(CanvasError(e.as_string().unwrap_or_else(|| format!("{e:?}"))))
    }

    fn svg_err(e: DrawingErrorKind<std::io::Error>) -> DrawingErrorKind<CanvasError> {
        match e {
            DrawingErrorKind::DrawingError(e) => DrawingErrorKind::DrawingError(CanvasError(e.to_string())),
            DrawingErrorKind::FontError(e) => DrawingErrorKind::FontError(e),
        }
    }

    fn css(c: BackendColor) -> String {
        let (r, g, b) = c.rgb;
        format!("rgba({r},{g},{b},{})", c.alpha)
    }

    /// A text style at 1.24 × its size: plotters' SVG backend writes `size / 1.24` px, the canvas
    /// `size` px; `plot::paint::Painter` gives CSS pixels, scaled here for the SVG.
    struct SvgText<'s, S>(&'s S);

    impl<S: BackendTextStyle> BackendTextStyle for SvgText<'_, S> {
        type FontError = S::FontError;
        fn color(&self) -> BackendColor {
            self.0.color()
        }
        fn size(&self) -> f64 {
            self.0.size() * 1.24
        }
        fn transform(&self) -> FontTransform {
            self.0.transform()
        }
        fn style(&self) -> FontStyle {
            self.0.style()
        }
        fn anchor(&self) -> Pos {
            self.0.anchor()
        }
        fn family(&self) -> FontFamily<'_> {
            self.0.family()
        }
        fn layout_box(&self, text: &str) -> Result<((i32, i32), (i32, i32)), Self::FontError> {
            self.0.layout_box(text)
        }
        fn draw<E, F: FnMut(i32, i32, BackendColor) -> Result<(), E>>(&self, text: &str, pos: BackendCoord, draw: F) -> Result<Result<(), E>, Self::FontError> {
            self.0.draw(text, pos, draw)
        }
    }

    impl CanvasBackend2d {
        /// A backend drawing on the page's `canvas` (its pixel size is the figure's size).
        pub fn html(canvas: &web_sys::HtmlCanvasElement) -> Result<Self, String> {
            let ctx = canvas
                .get_context("2d")
                .map_err(|e| format!("no 2D context: {e:?}"))?
                .ok_or("this browser gives no 2D drawing context for the figure canvas")?
                .dyn_into::<web_sys::CanvasRenderingContext2d>()
                .map_err(|_| "the canvas context is not 2D".to_string())?;
            Ok(CanvasBackend2d { ctx: Ctx2d::Html(ctx), size: (canvas.width(), canvas.height()), state: Default::default() })
        }

        /// A backend drawing on a worker's `canvas` (its pixel size is the figure's size).
        pub fn offscreen(canvas: &web_sys::OffscreenCanvas) -> Result<Self, String> {
            let ctx = canvas
                .get_context("2d")
                .map_err(|e| format!("no 2D context: {e:?}"))?
                .ok_or("this browser gives no 2D context for an OffscreenCanvas")?
                .dyn_into::<web_sys::OffscreenCanvasRenderingContext2d>()
                .map_err(|_| "the OffscreenCanvas context is not 2D".to_string())?;
            Ok(CanvasBackend2d { ctx: Ctx2d::Offscreen(ctx), size: (canvas.width(), canvas.height()), state: Default::default() })
        }

        fn stroke_style<S: BackendStyle>(&self, s: &S) {
            let mut st = self.state.borrow_mut();
            let c = css(s.color());
            if st.0 != c {
                on_ctx!(&self.ctx, x => x.set_stroke_style_str(&c));
                st.0 = c;
            }
            let w = s.stroke_width() as f64;
            if st.1 != w {
                on_ctx!(&self.ctx, x => x.set_line_width(w));
                st.1 = w;
            }
        }

        fn fill_style(&self, c: BackendColor) {
            let mut st = self.state.borrow_mut();
            let c = css(c);
            if st.2 != c {
                on_ctx!(&self.ctx, x => x.set_fill_style_str(&c));
                st.2 = c;
            }
        }

        fn font(&self, f: String) {
            let mut st = self.state.borrow_mut();
            if st.3 != f {
                on_ctx!(&self.ctx, x => x.set_font(&f));
                st.3 = f;
            }
        }

        fn begin_path(&self) {
            on_ctx!(&self.ctx, x => x.begin_path())
        }
        fn move_to(&self, px: f64, py: f64) {
            on_ctx!(&self.ctx, x => x.move_to(px, py))
        }
        fn line_to(&self, px: f64, py: f64) {
            on_ctx!(&self.ctx, x => x.line_to(px, py))
        }
        fn stroke(&self) {
            on_ctx!(&self.ctx, x => x.stroke())
        }
        fn fill(&self) {
            on_ctx!(&self.ctx, x => x.fill())
        }

        /// The path `path` as the context's current path. A point equal to the one before, or on
        /// a horizontal or vertical run that goes on in the same direction, adds nothing to the
        /// stroke or fill: it is left out (issue 19: a Kaplan-Meier curve and its band of 10k rows
        /// are thousands of steps of which most share a pixel column with the next; each point
        /// is a call out of wasm, and the redraw of a 10k-row figure made ~18,000 of them).
        fn trace<I: IntoIterator<Item = BackendCoord>>(&self, path: I) -> bool {
            let mut it = path.into_iter();
            self.begin_path();
            let Some(p0) = it.next() else { return false };
            self.move_to(p0.0 as f64, p0.1 as f64);
            let (mut last, mut pending) = (p0, None);
            for p in it {
                match pending {
                    Some(b) if p == b => {}
                    Some(b) if on_run(last, b, p) => pending = Some(p),
                    Some(b) => {
                        self.line_to(b.0 as f64, b.1 as f64);
                        last = b;
                        pending = Some(p);
                    }
                    None if p == last => {}
                    None => pending = Some(p),
                }
            }
            if let Some(b) = pending {
                self.line_to(b.0 as f64, b.1 as f64);
            }
            true
        }

        fn draw_pixel(&mut self, p: BackendCoord, c: BackendColor) -> R {
            if c.alpha == 0.0 {
                return Ok(());
            }
            self.fill_style(c);
            on_ctx!(&self.ctx, x => x.fill_rect(p.0 as f64, p.1 as f64, 1.0, 1.0));
            Ok(())
        }

        fn draw_line<S: BackendStyle>(&mut self, from: BackendCoord, to: BackendCoord, s: &S) -> R {
            if s.color().alpha == 0.0 {
                return Ok(());
            }
            let (a, b) = crisp(from, to);
            self.stroke_style(s);
            self.begin_path();
            self.move_to(a.0, a.1);
            self.line_to(b.0, b.1);
            self.stroke();
            Ok(())
        }

        fn draw_rect<S: BackendStyle>(&mut self, ul: BackendCoord, br: BackendCoord, s: &S, fill: bool) -> R {
            if s.color().alpha == 0.0 {
                return Ok(());
            }
            let (x, y, w, h) = (ul.0 as f64, ul.1 as f64, (br.0 - ul.0) as f64, (br.1 - ul.1) as f64);
            if fill {
                self.fill_style(s.color());
                on_ctx!(&self.ctx, c => c.fill_rect(x, y, w, h));
            } else {
                self.stroke_style(s);
                on_ctx!(&self.ctx, c => c.stroke_rect(x, y, w, h));
            }
            Ok(())
        }

        fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(&mut self, path: I, s: &S) -> R {
            if s.color().alpha == 0.0 {
                return Ok(());
            }
            self.stroke_style(s);
            if self.trace(path) {
                self.stroke();
            }
            Ok(())
        }

        fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(&mut self, path: I, s: &S) -> R {
            if s.color().alpha == 0.0 {
                return Ok(());
            }
            self.fill_style(s.color());
            if self.trace(path) {
                on_ctx!(&self.ctx, x => x.close_path());
                self.fill();
            }
            Ok(())
        }

        fn draw_circle<S: BackendStyle>(&mut self, c: BackendCoord, r: u32, s: &S, fill: bool) -> R {
            if s.color().alpha == 0.0 {
                return Ok(());
            }
            if fill {
                self.fill_style(s.color());
            } else {
                self.stroke_style(s);
            }
            self.begin_path();
            on_ctx!(&self.ctx, x => x.arc(c.0 as f64, c.1 as f64, r as f64, 0.0, std::f64::consts::TAU)).map_err(err)?;
            if fill {
                self.fill();
            } else {
                self.stroke();
            }
            Ok(())
        }

        fn estimate_text_size<S: BackendTextStyle>(&self, text: &str, s: &S) -> Result<(u32, u32), DrawingErrorKind<CanvasError>> {
            // Measured by the canvas itself: plotters' own wasm font code needs a `window`.
            self.font(format!("{} {}px {}", s.style().as_str(), s.size(), s.family().as_str()));
            let m = on_ctx!(&self.ctx, x => x.measure_text(text)).map_err(err)?;
            Ok((m.width().ceil().max(0.0) as u32, s.size().ceil().max(0.0) as u32))
        }

        fn draw_text<S: BackendTextStyle>(&mut self, text: &str, s: &S, pos: BackendCoord) -> R {
            let color = s.color();
            if color.alpha == 0.0 {
                return Ok(());
            }
            let angle = match s.transform() {
                FontTransform::None => 0.0,
                FontTransform::Rotate90 => 90.0,
                FontTransform::Rotate180 => 180.0,
                FontTransform::Rotate270 => 270.0,
            } * std::f64::consts::PI
                / 180.0;
            let (mut x, mut y) = (pos.0 as f64, pos.1 as f64);
            if angle != 0.0 {
                on_ctx!(&self.ctx, c => c.save());
                on_ctx!(&self.ctx, c => c.translate(x, y)).map_err(err)?;
                on_ctx!(&self.ctx, c => c.rotate(angle)).map_err(err)?;
                x = 0.0;
                y = 0.0;
            }
            let baseline = match s.anchor().v_pos {
                VPos::Top => "top",
                VPos::Center => "middle",
                VPos::Bottom => "bottom",
            };
            let align = match s.anchor().h_pos {
                HPos::Left => "start",
                HPos::Right => "end",
                HPos::Center => "center",
            };
            on_ctx!(&self.ctx, c => {
                c.set_text_baseline(baseline);
                c.set_text_align(align);
            });
            self.fill_style(color);
            self.font(format!("{} {}px {}", s.style().as_str(), s.size(), s.family().as_str()));
            on_ctx!(&self.ctx, c => c.fill_text(text, x, y)).map_err(err)?;
            if angle != 0.0 {
                on_ctx!(&self.ctx, c => c.restore());
                // restore() brought back the styles of before save(): forget what was set since.
                *self.state.borrow_mut() = Default::default();
            }
            Ok(())
        }
    }

    /// Whether `b` lies inside the straight horizontal or vertical run from `a` to `c` (so the
    /// path a → b → c covers what a → c does). `a`, `b` and `c` differ pairwise from their
    /// neighbours.
    fn on_run(a: BackendCoord, b: BackendCoord, c: BackendCoord) -> bool {
        (a.0 == b.0 && b.0 == c.0 && (b.1 - a.1).signum() == (c.1 - b.1).signum())
            || (a.1 == b.1 && b.1 == c.1 && (b.0 - a.0).signum() == (c.0 - b.0).signum())
    }

    /// Shift a horizontal or vertical line by half a pixel so a 1-pixel rule covers one pixel row.
    fn crisp(from: BackendCoord, to: BackendCoord) -> ((f64, f64), (f64, f64)) {
        let (mut a, mut b) = ((from.0 as f64, from.1 as f64), (to.0 as f64, to.1 as f64));
        if from.0 == to.0 {
            a.0 -= 0.5;
            b.0 -= 0.5;
        }
        if from.1 == to.1 {
            a.1 -= 0.5;
            b.1 -= 0.5;
        }
        (a, b)
    }

    impl DrawingBackend for FigureBackend<'_> {
        type ErrorType = CanvasError;

        fn get_size(&self) -> (u32, u32) {
            match self {
                FigureBackend::Canvas(c) => c.size,
                FigureBackend::Svg(s) => s.get_size(),
            }
        }
        fn ensure_prepared(&mut self) -> R {
            match self {
                FigureBackend::Canvas(_) => Ok(()),
                FigureBackend::Svg(s) => s.ensure_prepared().map_err(svg_err),
            }
        }
        fn present(&mut self) -> R {
            match self {
                FigureBackend::Canvas(_) => Ok(()),
                FigureBackend::Svg(s) => s.present().map_err(svg_err),
            }
        }
        fn draw_pixel(&mut self, p: BackendCoord, c: BackendColor) -> R {
            match self {
                FigureBackend::Canvas(b) => b.draw_pixel(p, c),
                FigureBackend::Svg(s) => s.draw_pixel(p, c).map_err(svg_err),
            }
        }
        fn draw_line<S: BackendStyle>(&mut self, from: BackendCoord, to: BackendCoord, st: &S) -> R {
            match self {
                FigureBackend::Canvas(b) => b.draw_line(from, to, st),
                FigureBackend::Svg(s) => s.draw_line(from, to, st).map_err(svg_err),
            }
        }
        fn draw_rect<S: BackendStyle>(&mut self, ul: BackendCoord, br: BackendCoord, st: &S, fill: bool) -> R {
            match self {
                FigureBackend::Canvas(b) => b.draw_rect(ul, br, st, fill),
                FigureBackend::Svg(s) => s.draw_rect(ul, br, st, fill).map_err(svg_err),
            }
        }
        fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(&mut self, path: I, st: &S) -> R {
            match self {
                FigureBackend::Canvas(b) => b.draw_path(path, st),
                FigureBackend::Svg(s) => s.draw_path(path, st).map_err(svg_err),
            }
        }
        fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(&mut self, path: I, st: &S) -> R {
            match self {
                FigureBackend::Canvas(b) => b.fill_polygon(path, st),
                FigureBackend::Svg(s) => s.fill_polygon(path, st).map_err(svg_err),
            }
        }
        fn draw_circle<S: BackendStyle>(&mut self, c: BackendCoord, r: u32, st: &S, fill: bool) -> R {
            match self {
                FigureBackend::Canvas(b) => b.draw_circle(c, r, st, fill),
                FigureBackend::Svg(s) => s.draw_circle(c, r, st, fill).map_err(svg_err),
            }
        }
        fn estimate_text_size<S: BackendTextStyle>(&self, text: &str, st: &S) -> Result<(u32, u32), DrawingErrorKind<CanvasError>> {
            match self {
                FigureBackend::Canvas(b) => b.estimate_text_size(text, st),
                FigureBackend::Svg(s) => s.estimate_text_size(text, &SvgText(st)).map_err(svg_err),
            }
        }
        fn draw_text<S: BackendTextStyle>(&mut self, text: &str, st: &S, pos: BackendCoord) -> R {
            match self {
                FigureBackend::Canvas(b) => b.draw_text(text, st, pos),
                FigureBackend::Svg(s) => s.draw_text(text, &SvgText(st), pos).map_err(svg_err),
            }
        }
    }
}
