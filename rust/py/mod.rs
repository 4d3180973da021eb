//! The Python binding (`ferroformers._native`): the only module that knows about pyo3.

use pyo3::prelude::*;

mod image;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    image::register(m)?;
    Ok(())
}
