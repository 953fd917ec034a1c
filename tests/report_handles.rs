//! The wasm session's report store (src/wasm/handles.rs): reports by handle, released when their
//! view is replaced, and never more than `MAX_REPORTS` held however many analyses a page runs.
//! The store has no dependency on the crate or on wasm-bindgen, so it is included here natively.

#[path = "../src/wasm/handles.rs"]
mod handles;

use handles::{Handles, MAX_REPORTS};

#[test]
fn each_run_gets_its_own_handle_and_views_live_side_by_side() {
    let mut h = Handles::default();
    let page = h.insert("page");
    let hazard = h.insert("hazard");
    let paper = h.insert("paper");
    assert!(page != 0 && hazard != 0 && paper != 0);
    assert_eq!((h.get(page), h.get(hazard), h.get(paper)), (Some(&"page"), Some(&"hazard"), Some(&"paper")));
    // Replacing the hazard section's analysis releases its old report only.
    assert_eq!(h.release(hazard), Some("hazard"));
    let hazard2 = h.insert("hazard 2");
    assert_ne!(hazard2, hazard, "a released handle is never given again");
    assert_eq!(h.get(hazard), None);
    assert_eq!(h.get(page), Some(&"page"));
    assert_eq!(h.len(), 3);
    // 0 is "none": releasing it (or an unknown handle) does nothing.
    assert_eq!(h.release(0), None);
    assert_eq!(h.release(9999), None);
    assert_eq!(h.len(), 3);
}

#[test]
fn a_page_that_never_releases_cannot_grow_the_store_past_the_cap() {
    let mut h = Handles::default();
    let first = h.insert(0usize);
    let mut last = first;
    for i in 1..1000 {
        last = h.insert(i);
        assert!(h.len() <= MAX_REPORTS);
    }
    assert_eq!(h.len(), MAX_REPORTS);
    // The oldest went first; the newest MAX_REPORTS are held, each under its own handle.
    assert_eq!(h.get(first), None);
    assert_eq!(h.get(last), Some(&999));
    assert_eq!(h.get(last - (MAX_REPORTS as u32 - 1)), Some(&(1000 - MAX_REPORTS)));
    assert_eq!(h.get(last - MAX_REPORTS as u32), None);
}

#[test]
fn a_view_replaced_on_every_run_holds_one_report() {
    // The page's loop: run, release the previous handle of the same view.
    let mut h = Handles::with_cap(4);
    let mut page = 0;
    for i in 0..50 {
        let new = h.insert(i);
        h.release(page);
        page = new;
    }
    assert_eq!(h.len(), 1);
    assert_eq!(h.get(page), Some(&49));
}

#[test]
fn clear_forgets_every_report() {
    let mut h = Handles::with_cap(2);
    let a = h.insert("a");
    assert_eq!(h.get(a), Some(&"a"));
    assert_eq!(h.get(0), None, "0 is never a handle");
    h.clear();
    assert_eq!(h.len(), 0);
    assert_eq!(h.get(a), None);
    assert!(h.insert("b") > a, "handles are not reused after a new file");
}
