//! Rust core of ferroformers.
//!
//! `text`, `image`, `audio` and `parallel` (the fork-safe thread pools they share) are plain Rust: no pyo3, exercised by `cargo test`. `py` is the only
//! binding code (feature `python`, turned on by maturin): it converts arguments, releases the GIL, calls the
//! core and maps errors to Python exceptions.

pub mod audio;
pub mod image;
pub mod memory;
pub mod parallel;
pub mod text;

#[cfg(feature = "python")]
mod py;
