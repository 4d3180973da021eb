//! Errors on their way to Python: the exception classes of the native module, the conversion of core errors to
//! them, and the guard that turns a panic (a bug) into a Python exception instead of a `PanicException`.

use crate::text::Error;
use pyo3::exceptions::{PyFileNotFoundError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;

pyo3::create_exception!(
    ferroformers._native,
    TokenizerError,
    PyValueError,
    "A vocabulary, tokenizer.json or argument the native tokenizer cannot use."
);

pub(crate) fn to_py(e: Error) -> PyErr {
    match e {
        Error::FileNotFound(m) => PyFileNotFoundError::new_err(m),
        Error::Invalid(m) | Error::Truncation(m) => TokenizerError::new_err(m),
    }
}

/// Run core code, turning a panic (a bug) into a Python RuntimeError instead of a PanicException.
pub(crate) fn guarded<T>(f: impl FnOnce() -> T) -> PyResult<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|e| {
        let msg = e
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| e.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        PyRuntimeError::new_err(format!(
            "internal error in the native tokenizer (please report): {msg}"
        ))
    })
}
