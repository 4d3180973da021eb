//! Binding of rust/audio: padding and numpy-exact normalization of a batch of float32 clips.
//! Python side: python/ferroformers/models/wav2vec2/feature_extraction_wav2vec2.py.

use numpy::{PyArray1, PyArrayMethods, PyReadonlyArray1};
use pyo3::exceptions::PyMemoryError;
use pyo3::prelude::*;

use super::errors::guarded;
use crate::audio::{
    pad_batch_into, row_lengths, total_len, AudioError, Normalize, PadSpec, PaddingSide,
};
use crate::memory::{self, AllocError};
use crate::parallel;

/// Pad `clips` (1-D C-contiguous float32 arrays) shorter than `target_len` (None: no padding) on `padding_side`
/// with `padding_value`, normalizing per `normalize` ("off", "padded_row" or "clip"). Returns the rows
/// concatenated into one float32 array and, with `return_attention_mask`, the matching int32 mask.
#[pyfunction]
#[pyo3(signature = (clips, target_len, padding_side, padding_value, normalize, return_attention_mask))]
#[allow(clippy::type_complexity)]
fn pad_normalize_audio<'py>(
    py: Python<'py>,
    clips: Vec<PyReadonlyArray1<'py, f32>>,
    target_len: Option<usize>,
    padding_side: &str,
    padding_value: f32,
    normalize: &str,
    return_attention_mask: bool,
) -> PyResult<(Bound<'py, PyArray1<f32>>, Option<Bound<'py, PyArray1<i32>>>)> {
    let side = match padding_side {
        "right" => PaddingSide::Right,
        "left" => PaddingSide::Left,
        other => {
            return Err(AudioError::BadOption {
                argument: "padding_side",
                value: other.into(),
                expected: "'right' or 'left'",
            }
            .into())
        }
    };
    let normalize = match normalize {
        "off" => Normalize::Off,
        "padded_row" => Normalize::PaddedRow,
        "clip" => Normalize::Clip,
        other => {
            return Err(AudioError::BadOption {
                argument: "normalize",
                value: other.into(),
                expected: "'off', 'padded_row' or 'clip'",
            }
            .into())
        }
    };
    let slices = clips
        .iter()
        .enumerate()
        .map(|(i, c)| {
            c.as_slice()
                .map_err(|_| AudioError::NotContiguous { index: i })
        })
        .collect::<Result<Vec<&[f32]>, _>>()?;
    // the shared fork-safe pool (FERROFORMERS_NUM_THREADS or the cores), taken before the GIL is released;
    // without one (a single thread) the kernel runs on this thread and never touches rayon's global pool, whose
    // threads a forked DataLoader worker would not have
    let pool = parallel::pool(parallel::resolve_threads(None));
    let spec = PadSpec {
        target_len,
        side,
        padding_value,
        normalize,
        parallel: pool.is_some(),
    };
    // numpy allocates the outputs (it asks for huge pages on large arrays, which a fresh Vec does not get);
    // the kernel fills them with the GIL released. np.empty: zeroing them first cost ~0.5 ms per 15 MB, and
    // `pad_batch_into` writes every element before anything reads it (on an error they are dropped unseen).
    let row_lens = row_lengths(slices.iter().map(|c| c.len()), target_len);
    let output = |error| spec.output_error(slices.len(), error);
    let total = total_len(&row_lens).map_err(output)?;
    let values = empty::<f32>(py, total)?.map_err(output)?;
    let mask = match return_attention_mask {
        true => Some(empty::<i32>(py, total)?.map_err(output)?),
        false => None,
    };
    {
        let mut values_rw = values.readwrite();
        let mut mask_rw = mask.as_ref().map(|m| m.readwrite());
        let values_slice = values_rw.as_slice_mut()?;
        let mask_slice = match mask_rw.as_mut() {
            Some(m) => Some(m.as_slice_mut()?),
            None => None,
        };
        py.detach(|| {
            guarded(|| match &pool {
                Some(pool) => {
                    pool.install(|| pad_batch_into(&slices, &spec, values_slice, mask_slice))
                }
                None => pad_batch_into(&slices, &spec, values_slice, mask_slice),
            })
        })??;
    }
    Ok((values, mask))
}

/// `np.empty(n, dtype)`, or `AllocError` when numpy cannot have it: past what any array can hold, or refused
/// by the allocator (numpy's MemoryError). rust-numpy's `PyArray::new` would panic on numpy's NULL instead
/// ("PyObject pointer is null").
fn empty<T: numpy::Element>(
    py: Python<'_>,
    n: usize,
) -> PyResult<Result<Bound<'_, PyArray1<T>>, AllocError>> {
    if let Err(e) = memory::bytes(n, std::mem::size_of::<T>()) {
        return Ok(Err(e));
    }
    let np = py.import("numpy")?;
    match np.call_method1("empty", (n, numpy::dtype::<T>(py))) {
        Ok(a) => Ok(Ok(a.cast_into::<PyArray1<T>>()?)),
        Err(e) if e.is_instance_of::<PyMemoryError>(py) => Ok(Err(AllocError::OutOfMemory {
            bytes: n * std::mem::size_of::<T>(),
        })),
        Err(e) => Err(e),
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(pad_normalize_audio, m)?)?;
    Ok(())
}
