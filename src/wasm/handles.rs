//! The reports a [`super::Session`] holds, by handle.
//!
//! Several analyses of the one loaded file live side by side (the page's, the hazard section's,
//! the Paper view's): `run` stores its report under a new handle and every draw, export, share
//! and hover call names the handle it reads. The page replaces a view's report by passing the
//! old handle to `run` (which releases it) or calls `release`; the store also keeps at most
//! [`MAX_REPORTS`] reports and drops the oldest beyond that, so a page that forgets to release
//! cannot make wasm memory grow without bound. A dropped handle is refused with a message, never
//! read as another report.
//!
//! This file has no dependency on the crate (nor on wasm-bindgen), so the native tests include it
//! directly (`tests/report_handles.rs`).

use std::collections::VecDeque;

/// Most reports held at once: the page's analysis, the hazard section's, the Paper view's
/// figures and models (six) and one being replaced, with room to spare.
pub const MAX_REPORTS: usize = 16;

/// Values by handle (numbers from 1; 0 is never a handle, so the page can pass 0 for "none").
#[derive(Debug)]
pub struct Handles<T> {
    next: u32,
    items: VecDeque<(u32, T)>,
    cap: usize,
}

impl<T> Default for Handles<T> {
    fn default() -> Self {
        Self::with_cap(MAX_REPORTS)
    }
}

impl<T> Handles<T> {
    /// A store holding at most `cap` values (at least one).
    pub fn with_cap(cap: usize) -> Self {
        Handles { next: 0, items: VecDeque::new(), cap: cap.max(1) }
    }

    /// Keep `value`; returns its new handle. The oldest value goes when the store is full.
    pub fn insert(&mut self, value: T) -> u32 {
        self.next = self.next.wrapping_add(1);
        if self.next == 0 {
            self.next = 1;
        }
        while self.items.len() >= self.cap {
            self.items.pop_front();
        }
        self.items.push_back((self.next, value));
        self.next
    }

    /// The value of `handle`, if it is still held.
    pub fn get(&self, handle: u32) -> Option<&T> {
        self.items.iter().find(|(h, _)| *h == handle).map(|(_, v)| v)
    }

    /// Forget `handle` (nothing happens for 0 or a handle no longer held); returns its value.
    pub fn release(&mut self, handle: u32) -> Option<T> {
        let i = self.items.iter().position(|(h, _)| *h == handle)?;
        self.items.remove(i).map(|(_, v)| v)
    }

    /// Forget every value (a new file: every report was of the old one). Handles are not reused.
    pub fn clear(&mut self) {
        self.items.clear();
    }

    /// How many values are held.
    pub fn len(&self) -> usize {
        self.items.len()
    }
}
