//! The engine's warm-up (issue 19 item 5): while the page is idle, the engine runs a small
//! synthetic cohort through the steps a dropped file takes — the streamed CSV parse and its
//! schema, the small-file parse, Kaplan–Meier + log-rank by group, Cox with ten covariates
//! (with its concordance and `cox.zph` test) and the survival figure — so that V8 has compiled
//! their hot functions with its optimising tier (TurboFan) before the user's first analysis.
//!
//! Why: V8 runs a wasm function first as baseline code (Liftoff) and moves it to TurboFan only
//! after it has run a while; a call already running stays in the baseline code (no on-stack
//! replacement for wasm). A first analysis of a 1M-row file would otherwise run each one-pass
//! function's whole pass as baseline code (KM + log-rank 109 ms instead of 30 ms in Chromium).
//! The budget V8 counts is per function and adds up over calls, so many small calls do what
//! one long call does.
//!
//! [`warm_up`] runs one step of a few milliseconds per call, so the page's worker runs each
//! as a task of its own and a message from the page (a dropped file, a toggle) is served
//! between two steps. The warm-up's data are made here (no user data, no request), in a
//! `Session` of its own that is dropped at the end or when abandoned; nothing the user sees
//! changes.

use std::cell::RefCell;

use wasm_bindgen::prelude::*;

use super::{install_panic_hook, js_msg, FigureBackend, Session};
// (The plan's file reads its generator through `super`, so tests/warm_up.rs compiles it natively.)
use crate::rng::SplitMix64;

mod plan;
use plan::{Rows, COX_SPEC, FIGURE_H, FIGURE_W, GEN_ROWS, KM_SPEC, SMALL_ROWS, STREAM_BYTES};

/// Where the warm-up stands between two steps.
enum Stage {
    /// Making the file's rows.
    Make,
    /// The file's first `SMALL_ROWS` rows read whole (`Session::load`, the small-file path), the
    /// `.0`-th time of `reps`.
    Small(u32),
    /// Streaming the file into the session (pass `.0` of `streams`) from byte `.1` on
    /// (`stream_buffer`/`stream_commit`, the page's way for a dropped file); then its end and
    /// the schema.
    Stream(u32, usize),
    /// Run `k` of the analyses, one a step: `reps` Kaplan–Meier runs and `reps` Cox runs on the
    /// small table (short steps while the code is still V8's baseline code), then as many on
    /// the streamed one.
    Analyse(u32),
    /// Draw the survival figure of the Kaplan–Meier report.
    Figure,
}

struct Warm {
    rows: usize,
    reps: u32,
    made: usize,
    gen: Rows,
    csv: String,
    /// The small file's session and the streamed file's.
    small: Session,
    session: Session,
    stage: Stage,
    /// The handles of the last report of each analysis (the next run of it replaces it):
    /// Kaplan–Meier and Cox of the small table, then of the streamed one.
    held: [u32; 4],
}

thread_local! {
    static WARM: RefCell<Option<Warm>> = const { RefCell::new(None) };
}

impl Warm {
    fn new(rows: usize, reps: u32) -> Warm {
        let rows = rows.clamp(SMALL_ROWS, 1 << 18);
        let mut csv = String::with_capacity(rows * 210 + 64);
        csv.push_str(Rows::HEADER);
        let gen = Rows::new(20261203);
        let reps = reps.clamp(1, 64);
        Warm { rows, reps, made: 0, gen, csv, small: Session::new(), session: Session::new(), stage: Stage::Make, held: [0; 4] }
    }

    /// How many times the file is streamed (its per-byte and per-record passes count many
    /// iterations a row: fewer passes than analyses tier them up).
    fn streams(&self) -> u32 {
        self.reps.div_ceil(3)
    }

    /// One step; `Ok(false)` when the warm-up is over.
    fn step(&mut self) -> Result<bool, JsValue> {
        match self.stage {
            Stage::Make => {
                let n = GEN_ROWS.min(self.rows - self.made);
                self.gen.push(n, &mut self.csv);
                self.made += n;
                if self.made == self.rows {
                    self.stage = Stage::Small(0);
                }
            }
            Stage::Small(i) => {
                let end = plan::rows_end(&self.csv, SMALL_ROWS);
                self.small.load(self.csv.as_bytes()[..end].to_vec(), "warm-up-small.csv")?;
                if i + 1 < self.reps {
                    self.stage = Stage::Small(i + 1);
                } else {
                    self.session.stream_begin("warm-up.csv", self.csv.len() as f64, None)?;
                    self.stage = Stage::Stream(0, 0);
                }
            }
            Stage::Stream(pass, at) if at < self.csv.len() => {
                let n = STREAM_BYTES.min(self.csv.len() - at);
                let room = self.session.stream_buffer(n)?;
                // The page writes into this room from JavaScript; here the bytes are ours.
                // SAFETY: `stream_buffer` made `n` bytes of room at this address, valid until
                // `stream_commit`; nothing else touches the session in between.
                let room = unsafe { std::slice::from_raw_parts_mut(room as *mut u8, n) };
                room.copy_from_slice(&self.csv.as_bytes()[at..at + n]);
                self.session.stream_commit(n)?;
                self.stage = Stage::Stream(pass, at + n);
            }
            Stage::Stream(pass, _) => {
                if self.session.stream_end()? == "again" {
                    return Err(js_msg("internal error: the warm-up's file was asked for again"));
                }
                if pass + 1 < self.streams() {
                    self.session.stream_begin("warm-up.csv", self.csv.len() as f64, None)?;
                    self.stage = Stage::Stream(pass + 1, 0);
                } else {
                    self.csv = String::new();
                    self.stage = Stage::Analyse(0);
                }
            }
            Stage::Analyse(k) => {
                let which = (k / self.reps) as usize;
                let session = if which < 2 { &mut self.small } else { &mut self.session };
                // Every run computes (no section of an earlier run is reused).
                session.cache.clear();
                let spec = if which % 2 == 0 { KM_SPEC } else { COX_SPEC };
                self.held[which] = plan::handle_of(&session.run_delta(spec, self.held[which])?);
                self.stage = if k + 1 < 4 * self.reps { Stage::Analyse(k + 1) } else { Stage::Figure };
            }
            Stage::Figure => {
                self.draw()?;
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// The survival figure of the Kaplan–Meier report, as the worker draws it (into an
    /// OffscreenCanvas). Without one there is nothing to warm: the page's worker engine draws
    /// into OffscreenCanvas, and the warm-up runs only in that engine (www/warm.js).
    fn draw(&self) -> Result<(), JsValue> {
        let Ok(canvas) = web_sys::OffscreenCanvas::new(FIGURE_W, FIGURE_H) else { return Ok(()) };
        let backend = super::CanvasBackend2d::offscreen(&canvas).map_err(js_msg)?;
        self.session.draw_into(self.held[2], FigureBackend::Canvas(backend), "survival", r#"{"font_scale":1}"#)?;
        Ok(())
    }
}

/// The warm-up, one step per call (a few milliseconds each): `warmUp(0, rows, reps)` begins it
/// on a synthetic cohort of `rows` rows (at least 1000): its first rows read whole `reps` times,
/// the file streamed ⌈`reps`/3⌉ times, Kaplan–Meier + log-rank and Cox run `reps` times each on
/// the small table and on the streamed one, the figure drawn;
/// `warmUp(step, ..)` with the step the previous call returned runs the next; the answer is
/// the next step, or −1 when the warm-up is over (its session and data are then freed). A
/// negative `step` abandons it (the page loads a file); a later step with none in progress
/// (abandoned, or a new engine) answers −2 and does nothing.
/// An error ends the warm-up and is returned (the page reports none of it: the user's file is
/// read by its own session).
#[wasm_bindgen(js_name = warmUp)]
pub fn warm_up(step: i32, rows: u32, reps: u32) -> Result<i32, JsValue> {
    install_panic_hook();
    WARM.with(|cell| {
        let mut slot = cell.borrow_mut();
        if step < 0 {
            *slot = None;
            return Ok(-1);
        }
        if step == 0 {
            *slot = Some(Warm::new(rows as usize, reps));
        }
        let Some(warm) = slot.as_mut() else { return Ok(-2) };
        match warm.step() {
            Ok(true) => Ok(step + 1),
            Ok(false) => {
                *slot = None;
                Ok(-1)
            }
            Err(e) => {
                *slot = None;
                Err(e)
            }
        }
    })
}
