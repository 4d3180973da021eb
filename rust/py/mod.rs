//! The Python binding (`ferroformers._native`): the only module that knows about pyo3.

use pyo3::prelude::*;

mod audio;
mod image;
mod tokenizer;
mod trainer;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    audio::register(m)?;
    tokenizer::register(m)?;
    image::register(m)?;
    trainer::register(m)?;
    Ok(())
}
