//! Running out of memory, said as such. A browser gives a page's WebAssembly at most 4 GiB (less
//! on a computer short of memory); an analysis that needs more gets no memory from the
//! allocator, and Rust then stops the engine with a trap (`unreachable`), which the page saw as
//! an unexplained internal error. The global allocator here is the system's, noting the size of
//! any request it could not serve; after a trap the page asks [`allocation_failure`] and, when
//! a request failed, tells the user the analysis ran out of memory and what to do instead (the
//! engine restarts with the file, as after any trap).
//!
//! Requests that fail and are handled (`try_reserve`: the streamed file's room, the heap reserved
//! ahead of a Cox fit) are noted too: the page clears the note before each operation and reads it
//! only after a trap, when a failed request is by far the likeliest cause.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use wasm_bindgen::prelude::*;

/// Bytes of the last request the allocator could not serve (0: none since the last clear).
static FAILED: AtomicUsize = AtomicUsize::new(0);

struct Noting;

#[inline(never)]
fn noted(ptr: *mut u8, size: usize) -> *mut u8 {
    if ptr.is_null() {
        FAILED.store(size.max(1), Ordering::Relaxed);
    }
    ptr
}

// SAFETY: every call is the system allocator's with the caller's arguments; only a null result
// is noted (an atomic store, no allocation). Not inlined: inlined, the allocator's code went into
// its callers and the core module grew by 1.2 KB gzipped; kept apart, it is 1.5 KB smaller than
// the default allocator's inlining (528.2 → 526.7 KB), and an allocation costs a call more.
unsafe impl GlobalAlloc for Noting {
    #[inline(never)]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        noted(unsafe { System.alloc(layout) }, layout.size())
    }

    #[inline(never)]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        noted(unsafe { System.alloc_zeroed(layout) }, layout.size())
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }

    #[inline(never)]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        noted(unsafe { System.realloc(ptr, layout, new_size) }, new_size)
    }
}

#[global_allocator]
static ALLOCATOR: Noting = Noting;

/// The bytes of the last allocation request that failed since the last call with `clear`
/// (0: none); `clear` starts a new record. Safe to call after a trap: it allocates nothing.
#[wasm_bindgen(js_name = allocationFailure)]
pub fn allocation_failure(clear: bool) -> f64 {
    let bytes = if clear { FAILED.swap(0, Ordering::Relaxed) } else { FAILED.load(Ordering::Relaxed) };
    bytes as f64
}
