//! SVG snapshots of the figures, shared by the plot tests: `check_snapshot(name, svg)` compares
//! with `tests/snapshots/NAME.svg` (`UPDATE_SNAPSHOTS=1` rewrites it, to be looked at);
//! `PLOT_PREVIEW_DIR=DIR` also writes every drawing there.

use std::path::PathBuf;

/// The crate's root folder.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn preview(name: &str, svg: &str) {
    if let Ok(dir) = std::env::var("PLOT_PREVIEW_DIR") {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(PathBuf::from(dir).join(format!("{name}.svg")), svg).unwrap();
    }
}

pub fn check_snapshot(name: &str, svg: &str) {
    preview(name, svg);
    let path = root().join("tests/snapshots").join(format!("{name}.svg"));
    if std::env::var("UPDATE_SNAPSHOTS").is_ok_and(|v| v == "1") {
        std::fs::write(&path, svg).unwrap();
        return;
    }
    let old = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("missing snapshot {}: run with UPDATE_SNAPSHOTS=1 and look at it", path.display()));
    if old != svg {
        let got = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}.new.svg"));
        std::fs::write(&got, svg).unwrap();
        panic!("{name}: the SVG differs from {} (new drawing written to {}); if the change is intended, run with UPDATE_SNAPSHOTS=1", path.display(), got.display());
    }
}
