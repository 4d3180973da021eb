//! Audio kernels: numpy-exact zero-mean unit-variance normalization fused with padding, parallel over a batch.
//!
//! Python twin: `Wav2Vec2FeatureExtractor.zero_mean_unit_var_norm` and `SequenceFeatureExtractor._pad`
//! (python/ferroformers/models/wav2vec2/feature_extraction_wav2vec2.py,
//! python/ferroformers/feature_extraction_sequence_utils.py).
//!
//!
//! The statistics (numpy's pairwise sum, mean, variance) are in `stats`.

mod stats;

use stats::{mean_var, normalize_in_place, normalize_into, Exec};
pub use stats::{numpy_mean_var, numpy_std_eps, numpy_sum, zero_mean_unit_var};

use crate::memory::{self, AllocError};
use rayon::prelude::*;
use std::fmt;

/// Which side of a clip the padding goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PaddingSide {
    Left,
    Right,
}

/// Which samples the mean and variance are computed over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Normalize {
    /// Copy the samples as they are.
    Off,
    /// Over the whole padded row, padding included: transformers' behaviour when no attention mask is returned.
    PaddedRow,
    /// Over the clip's own samples only; the padding keeps `padding_value` (with an attention mask).
    Clip,
}

/// How a batch is laid out.
#[derive(Clone, Copy, Debug)]
pub struct PadSpec {
    /// Length the rows are padded to; a clip already at least that long keeps its length (the caller truncates
    /// first if it wants to), as transformers' `_pad` does. `None`: no padding, every row keeps its length.
    pub target_len: Option<usize>,
    pub side: PaddingSide,
    pub padding_value: f32,
    pub normalize: Normalize,
    /// Run on the current rayon pool (over clips, and within a long clip); the binding installs a pool that
    /// survives `fork`. False: this thread only, without touching rayon at all.
    pub parallel: bool,
}

impl PadSpec {
    /// The error for a batch of `clips` clips whose output cannot be had.
    pub fn output_error(&self, clips: usize, error: AllocError) -> AudioError {
        AudioError::Output {
            clips,
            target_len: self.target_len,
            error,
        }
    }
}

/// What can go wrong padding and normalizing clips; the binding (rust/py/errors.rs) maps each variant to its
/// Python exception.
#[derive(Debug, Clone, PartialEq)]
pub enum AudioError {
    /// A clip with no samples (its mean and variance are undefined).
    Empty { index: usize },
    /// A NaN or infinite sample.
    NonFinite {
        index: usize,
        position: usize,
        value: f32,
    },
    /// The padding value is NaN or infinite.
    BadPaddingValue { value: f32 },
    /// A string option that is none of its values; `expected` lists them.
    BadOption {
        argument: &'static str,
        value: String,
        expected: &'static str,
    },
    /// A clip that is not a contiguous array.
    NotContiguous { index: usize },
    /// The padded batch (`clips` rows, padded to `target_len`) cannot be had.
    Output {
        clips: usize,
        target_len: Option<usize>,
        error: AllocError,
    },
}

impl fmt::Display for AudioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AudioError::Empty { index } => write!(f, "clip {index} has no samples"),
            AudioError::NonFinite {
                index,
                position,
                value,
            } => {
                write!(
                    f,
                    "clip {index} has a non-finite sample ({value}) at position {position}"
                )
            }
            AudioError::BadPaddingValue { value } => {
                write!(f, "padding_value must be finite, got {value}")
            }
            AudioError::BadOption {
                argument,
                value,
                expected,
            } => write!(f, "{argument} must be {expected}, got {value:?}"),
            AudioError::NotContiguous { index } => {
                write!(
                    f,
                    "clip {index}: the array is not contiguous (needs a contiguous array)"
                )
            }
            AudioError::Output {
                clips,
                target_len,
                error,
            } => {
                write!(f, "{clips} clips")?;
                if let Some(n) = target_len {
                    write!(f, " padded to max_length={n} samples")?;
                }
                write!(f, ": {error}")
            }
        }
    }
}

impl std::error::Error for AudioError {}

impl AudioError {
    /// The allocation failure behind this error, if that is what it is.
    pub fn alloc_error(&self) -> Option<AllocError> {
        match self {
            AudioError::Output { error, .. } => Some(*error),
            _ => None,
        }
    }
}

/// Index and value of the first non-finite sample, if any. The all-finite check is a branch-free fold so that
/// the common case stays one fast pass.
fn first_non_finite(a: &[f32]) -> Option<(usize, f32)> {
    let all_finite = a
        .chunks(1024)
        .all(|c| c.iter().fold(true, |ok, v| ok & v.is_finite()));
    if all_finite {
        None
    } else {
        a.iter().position(|v| !v.is_finite()).map(|i| (i, a[i]))
    }
}

/// Pad (and normalize) one clip into its output row (`row.len() >= clip.len()`); `mask` (same length as `row`)
/// gets 1 on the clip's samples.
fn fill_row(
    index: usize,
    clip: &[f32],
    row: &mut [f32],
    mask: Option<&mut [i32]>,
    spec: &PadSpec,
    ex: Exec,
) -> Result<(), AudioError> {
    if clip.is_empty() {
        return Err(AudioError::Empty { index });
    }
    let check = |clip: &[f32]| match first_non_finite(clip) {
        Some((position, value)) => Err(AudioError::NonFinite {
            index,
            position,
            value,
        }),
        None => Ok(()),
    };
    let target = row.len();
    let pad = target - clip.len();
    let (start, end) = match spec.side {
        PaddingSide::Right => (0, clip.len()),
        PaddingSide::Left => (pad, target),
    };
    row[..start].fill(spec.padding_value);
    row[end..].fill(spec.padding_value);
    // A NaN or infinite sample makes the sum (so the mean or the variance) non-finite: when normalizing, the
    // statistics stand in for a separate pass over the clip, which is then only scanned to name the bad sample
    // (finite samples whose squares overflow also end up here; the scan finds nothing and, as numpy, the
    // division by an infinite deviation proceeds).
    match spec.normalize {
        Normalize::Off => {
            check(clip)?;
            row[start..end].copy_from_slice(clip);
        }
        Normalize::Clip => {
            let (mean, var) = mean_var(clip, ex);
            if !(mean.is_finite() && var.is_finite()) {
                check(clip)?;
            }
            normalize_into(clip, &mut row[start..end], mean, numpy_std_eps(var), ex);
        }
        Normalize::PaddedRow => {
            row[start..end].copy_from_slice(clip);
            let (mean, var) = mean_var(row, ex);
            if !(mean.is_finite() && var.is_finite()) {
                check(clip)?;
            }
            normalize_in_place(row, mean, numpy_std_eps(var), ex);
        }
    }
    if let Some(mask) = mask {
        mask[..start].fill(0);
        mask[start..end].fill(1);
        mask[end..].fill(0);
    }
    Ok(())
}

/// Split `buf` into consecutive mutable rows of the given lengths.
fn split_rows<'a, T>(mut buf: &'a mut [T], lens: &[usize]) -> Vec<&'a mut [T]> {
    let mut rows = Vec::with_capacity(lens.len());
    for &len in lens {
        let (row, rest) = std::mem::take(&mut buf).split_at_mut(len);
        rows.push(row);
        buf = rest;
    }
    rows
}

/// A padded (and optionally normalized) batch: `values` holds the rows one after another (`row_lens[i]` samples
/// each), `attention_mask` the matching 0/1 mask when asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct PaddedBatch {
    pub values: Vec<f32>,
    pub attention_mask: Option<Vec<i32>>,
    pub row_lens: Vec<usize>,
}

/// The samples of all rows: the sum of `row_lens`, or `TooLarge` (float32 values) when it overflows.
pub fn total_len(row_lens: &[usize]) -> Result<usize, AllocError> {
    row_lens
        .iter()
        .try_fold(0usize, |acc, &n| acc.checked_add(n))
        .ok_or(AllocError::TooLarge {
            count: row_lens.iter().map(|&n| n as u128).sum(),
            size: 4,
        })
}

/// The length of every output row: clips shorter than `target_len` grow to it, longer ones keep their length.
pub fn row_lengths(
    clip_lens: impl IntoIterator<Item = usize>,
    target_len: Option<usize>,
) -> Vec<usize> {
    clip_lens
        .into_iter()
        .map(|n| n.max(target_len.unwrap_or(0)))
        .collect()
}

/// Pad every clip shorter than `spec.target_len` to it, normalize as `spec.normalize` says, in parallel over
/// the clips, into `values` (and `mask`), laid out as `row_lengths` says; every element is written. The caller
/// owns the buffers so that the binding can hand numpy's own (huge-page backed) allocations to the kernel:
/// faulting in a fresh 4 KiB-page Vec cost more than the normalization itself. Errors name the first bad clip
/// (by index) and what is wrong with it.
pub fn pad_batch_into(
    clips: &[&[f32]],
    spec: &PadSpec,
    values: &mut [f32],
    mask: Option<&mut [i32]>,
) -> Result<(), AudioError> {
    if !spec.padding_value.is_finite() {
        return Err(AudioError::BadPaddingValue {
            value: spec.padding_value,
        });
    }
    let row_lens = row_lengths(clips.iter().map(|c| c.len()), spec.target_len);
    let total = total_len(&row_lens).map_err(|error| spec.output_error(clips.len(), error))?;
    assert_eq!(
        values.len(),
        total,
        "values buffer does not match row_lengths"
    );
    let value_rows = split_rows(values, &row_lens);
    let mask_rows: Vec<Option<&mut [i32]>> = match mask {
        Some(m) => {
            assert_eq!(m.len(), total, "mask buffer does not match row_lengths");
            split_rows(m, &row_lens).into_iter().map(Some).collect()
        }
        None => (0..clips.len()).map(|_| None).collect(),
    };
    let ex = Exec::new(spec.parallel);
    let results: Vec<Result<(), AudioError>> = if spec.parallel {
        value_rows
            .into_par_iter()
            .zip(mask_rows)
            .enumerate()
            .map(|(i, (row, m))| fill_row(i, clips[i], row, m, spec, ex))
            .collect()
    } else {
        value_rows
            .into_iter()
            .zip(mask_rows)
            .enumerate()
            .map(|(i, (row, m))| fill_row(i, clips[i], row, m, spec, ex))
            .collect()
    };
    // report the first failing clip in batch order, whatever thread found it first
    results
        .into_iter()
        .collect::<Result<Vec<()>, AudioError>>()?;
    Ok(())
}

/// `pad_batch_into` with freshly allocated buffers.
pub fn pad_batch(
    clips: &[&[f32]],
    spec: &PadSpec,
    attention_mask: bool,
) -> Result<PaddedBatch, AudioError> {
    let row_lens = row_lengths(clips.iter().map(|c| c.len()), spec.target_len);
    let output = |error| spec.output_error(clips.len(), error);
    let total = total_len(&row_lens).map_err(output)?;
    let mut values = memory::filled(total, 0.0f32).map_err(output)?;
    let mut mask = match attention_mask {
        true => Some(memory::filled(total, 0i32).map_err(output)?),
        false => None,
    };
    pad_batch_into(clips, spec, &mut values, mask.as_deref_mut())?;
    Ok(PaddedBatch {
        values,
        attention_mask: mask,
        row_lens,
    })
}

#[cfg(test)]
mod tests;
