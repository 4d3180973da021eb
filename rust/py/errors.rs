//! Every way an error reaches Python from the native module, in one place: the exception classes
//! (re-exported by `ferroformers.errors`), one `From<Error> for PyErr` per core error enum with an arm per
//! variant, and the guard that turns a panic (a bug) into a `RuntimeError` instead of pyo3's
//! `PanicException` (a `BaseException` that `except Exception` does not catch).
//!
//! Bad input is a `ValueError` subclass per area; a missing vocabulary file a `FileNotFoundError`; an output
//! the machine cannot hold an `OutOfMemoryError`, a `MemoryError`. A size no array can have (its byte count
//! overflows) is bad input. Argument type errors stay `TypeError`, raised where arguments are converted.

use crate::audio::AudioError;
use crate::image::ImageError;
use crate::memory::AllocError;
use crate::text::trainer::TrainError;
use crate::text::Error;
use pyo3::exceptions::{PyFileNotFoundError, PyMemoryError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;

pyo3::create_exception!(
    ferroformers._native,
    TokenizerError,
    PyValueError,
    "A vocabulary, tokenizer.json, text or argument the native tokenizer cannot use."
);
pyo3::create_exception!(
    ferroformers._native,
    TrainerError,
    PyValueError,
    "A corpus or a setting the WordPiece trainer cannot train with."
);
pyo3::create_exception!(
    ferroformers._native,
    ImageProcessingError,
    PyValueError,
    "An image, size or argument the native image kernels cannot use."
);
pyo3::create_exception!(
    ferroformers._native,
    AudioProcessingError,
    PyValueError,
    "A clip, length or argument the native audio kernels cannot use."
);
pyo3::create_exception!(
    ferroformers._native,
    OutOfMemoryError,
    PyMemoryError,
    "An output larger than this machine's memory; the message names the argument that sized it."
);

/// The exception for an allocation failure whose message is `msg`: a size no array can have is bad input
/// (`bad_input`), one the allocator refused is an `OutOfMemoryError`.
fn alloc_err(error: AllocError, msg: String, bad_input: fn(String) -> PyErr) -> PyErr {
    match error {
        AllocError::TooLarge { .. } => bad_input(msg),
        AllocError::OutOfMemory { .. } => OutOfMemoryError::new_err(msg),
    }
}

impl From<Error> for PyErr {
    fn from(e: Error) -> PyErr {
        let msg = e.to_string();
        match e {
            Error::VocabNotFound { .. } => PyFileNotFoundError::new_err(msg),
            Error::Padding { error, .. }
            | Error::Array { error, .. }
            | Error::VocabId { error, .. } => alloc_err(error, msg, TokenizerError::new_err),
            Error::AtInput { ref source, .. } | Error::InVocabFile { ref source, .. } => {
                match source.alloc_error() {
                    Some(error) => alloc_err(error, msg, TokenizerError::new_err),
                    None => TokenizerError::new_err(msg),
                }
            }
            Error::VocabUnreadable { .. }
            | Error::VocabFileEmpty { .. }
            | Error::VocabNotUtf8 { .. }
            | Error::EmptyVocabulary
            | Error::TokenNotInVocabulary { .. }
            | Error::InvalidJson { .. }
            | Error::JsonNotObject
            | Error::JsonField { .. }
            | Error::JsonUnsupported { .. }
            | Error::EmptyAddedToken { .. }
            | Error::LoneSurrogate { .. }
            | Error::InvalidUtf8 { .. }
            | Error::PairsLength { .. }
            | Error::BadOption { .. }
            | Error::NeedsMaxLength { .. }
            | Error::LengthTooLarge { .. }
            | Error::UnknownField { .. }
            | Error::RaggedBatch { .. }
            | Error::ThreadCount { .. }
            | Error::Truncation(_)
            | Error::StrideTooLarge { .. } => TokenizerError::new_err(msg),
        }
    }
}

impl From<TrainError> for PyErr {
    fn from(e: TrainError) -> PyErr {
        let msg = e.to_string();
        match e {
            TrainError::TooManyWords => OutOfMemoryError::new_err(msg),
            TrainError::EmptyCorpus { .. }
            | TrainError::VocabTooSmall { .. }
            | TrainError::InvalidUtf8 { .. }
            | TrainError::EmptySpecialToken { .. }
            | TrainError::Interrupted => TrainerError::new_err(msg),
        }
    }
}

impl From<ImageError> for PyErr {
    fn from(e: ImageError) -> PyErr {
        let msg = e.to_string();
        match e {
            ImageError::Output { error, .. } => {
                alloc_err(error, msg, ImageProcessingError::new_err)
            }
            ImageError::AtImage { ref source, .. } => match source.alloc_error() {
                Some(error) => alloc_err(error, msg, ImageProcessingError::new_err),
                None => ImageProcessingError::new_err(msg),
            },
            ImageError::NoImages
            | ImageError::TargetSize { .. }
            | ImageError::BadShape { .. }
            | ImageError::MixedChannels { .. }
            | ImageError::MixedSizes { .. }
            | ImageError::MeanStdLength { .. }
            | ImageError::BufferLength { .. }
            | ImageError::SizeTooLarge { .. }
            | ImageError::BadResample { .. }
            | ImageError::RescaleLength { .. }
            | ImageError::MeanStdPair
            | ImageError::NotContiguous { .. }
            | ImageError::ChannelsLength { .. }
            | ImageError::BadChannels { .. }
            | ImageError::StrideChannels { .. } => ImageProcessingError::new_err(msg),
        }
    }
}

impl From<AudioError> for PyErr {
    fn from(e: AudioError) -> PyErr {
        let msg = e.to_string();
        match e {
            AudioError::Output { error, .. } => {
                alloc_err(error, msg, AudioProcessingError::new_err)
            }
            AudioError::Empty { .. }
            | AudioError::NonFinite { .. }
            | AudioError::BadPaddingValue { .. }
            | AudioError::BadOption { .. }
            | AudioError::NotContiguous { .. } => AudioProcessingError::new_err(msg),
        }
    }
}

/// Run core code, turning a panic (a bug) into a Python `RuntimeError`. Every call into rust/text,
/// rust/image and rust/audio that can run long goes through it (with the GIL released around it).
pub(crate) fn guarded<T>(f: impl FnOnce() -> T) -> PyResult<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|e| {
        let msg = e
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| e.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        PyRuntimeError::new_err(format!(
            "internal error in ferroformers' native code (please report): {msg}"
        ))
    })
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("TokenizerError", py.get_type::<TokenizerError>())?;
    m.add("TrainerError", py.get_type::<TrainerError>())?;
    m.add(
        "ImageProcessingError",
        py.get_type::<ImageProcessingError>(),
    )?;
    m.add(
        "AudioProcessingError",
        py.get_type::<AudioProcessingError>(),
    )?;
    m.add("OutOfMemoryError", py.get_type::<OutOfMemoryError>())?;
    Ok(())
}
