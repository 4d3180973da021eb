//! Binding of rust/audio: padding and numpy-exact normalization of a batch of float32 clips.
//! Python side: python/ferroformers/models/wav2vec2/feature_extraction_wav2vec2.py.

use numpy::{PyArray1, PyArrayMethods, PyReadonlyArray1};
use pyo3::prelude::*;

use super::errors::guarded;
use crate::audio::{pad_batch_into, row_lengths, AudioError, Normalize, PadSpec, PaddingSide};
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
    // the kernel fills them with the GIL released
    let total: usize = row_lengths(slices.iter().map(|c| c.len()), target_len)
        .iter()
        .sum();
    // SAFETY: uninitialised arrays (np.empty: zeroing them first cost ~0.5 ms per 15 MB); `pad_batch_into`
    // writes every element before anything reads it, and on an error the arrays are dropped unseen.
    let values = unsafe { PyArray1::<f32>::new(py, total, false) };
    let mask = return_attention_mask.then(|| unsafe { PyArray1::<i32>::new(py, total, false) });
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

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(pad_normalize_audio, m)?)?;
    Ok(())
}
