//! Figures drawn once, generic over plotters' `DrawingBackend`: canvas in the browser, SVG
//! natively.
