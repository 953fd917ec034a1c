//! Hazard-rate estimation: kernel-smoothed hazard (Epanechnikov, boundary-corrected).
