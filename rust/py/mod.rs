//! The Python binding (`ferroformers._native`): the only module that knows about pyo3.

use pyo3::prelude::*;

mod arrays;
mod arrow;
mod audio;
mod convert;
mod encodings;
mod errors;
mod files;
mod image;
mod lists;
mod tokenizer;
mod trainer;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    errors::register(m)?;
    audio::register(m)?;
    tokenizer::register(m)?;
    image::register(m)?;
    arrow::register(m)?;
    trainer::register(m)?;
    files::register(m)?;
    Ok(())
}
