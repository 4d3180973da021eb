//! The audio kernel on arbitrary clips, padding lengths and options: never a panic or an abort; an error for
//! an empty clip, a non-finite sample or padding value, or a length no buffer can hold (taken from a table of
//! hostile values); on success rows of `max(clip length, target)` samples, the clip's samples in place (as
//! given, or normalized), the padding value around them, and a mask of 1 exactly on the clip.
//!
//! Input layout: byte 0 = flags (bit 0 left padding, bits 1-2 normalize, 3 mask, 4 hostile target, 5 no
//! target, 6 infinite padding value, 7 parallel), byte 1 = clip count and target, byte 2 = padding value,
//! then per clip a length byte followed by its samples (4 bytes each, as little-endian float32).
#![no_main]

use ferroformers::audio::{pad_batch, AudioError, Normalize, PadSpec, PaddingSide};
use libfuzzer_sys::fuzz_target;

/// Padding lengths that no machine can satisfy: each must be an error.
const HOSTILE: [usize; 5] = [1 << 36, 1 << 40, 1 << 61, 1 << 62, usize::MAX];

fuzz_target!(|data: &[u8]| {
    if data.len() < 3 {
        return;
    }
    let flags = data[0];
    let n_clips = (data[1] & 3) as usize + 1;
    let target = if flags & 0x20 != 0 {
        None
    } else if flags & 0x10 != 0 {
        Some(HOSTILE[(data[1] >> 2) as usize % HOSTILE.len()])
    } else {
        Some((data[1] >> 2) as usize)
    };
    let padding_value = if flags & 0x40 != 0 {
        f32::INFINITY
    } else {
        data[2] as f32 / 16.0 - 8.0
    };
    let mut clips: Vec<Vec<f32>> = vec![];
    let mut rest = &data[3..];
    for _ in 0..n_clips {
        let Some((&len, tail)) = rest.split_first() else {
            break;
        };
        let len = (len as usize % 48).min(tail.len() / 4);
        clips.push(
            tail[..len * 4]
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect(),
        );
        rest = &tail[len * 4..];
    }
    let normalize = match (flags >> 1) & 3 {
        0 => Normalize::Off,
        1 => Normalize::PaddedRow,
        _ => Normalize::Clip,
    };
    let side = if flags & 1 != 0 {
        PaddingSide::Left
    } else {
        PaddingSide::Right
    };
    let spec = PadSpec {
        target_len: target,
        side,
        padding_value,
        normalize,
        parallel: flags & 0x80 != 0,
    };
    let refs: Vec<&[f32]> = clips.iter().map(|c| c.as_slice()).collect();
    match pad_batch(&refs, &spec, flags & 8 != 0) {
        Ok(out) => {
            assert!(padding_value.is_finite());
            let mut at = 0;
            for (i, clip) in clips.iter().enumerate() {
                let len = out.row_lens[i];
                assert_eq!(len, clip.len().max(target.unwrap_or(0)));
                let row = &out.values[at..at + len];
                let pad = len - clip.len();
                let (lo, hi) = match side {
                    PaddingSide::Right => (0, clip.len()),
                    PaddingSide::Left => (pad, len),
                };
                if normalize != Normalize::PaddedRow {
                    assert!(row[..lo]
                        .iter()
                        .chain(&row[hi..])
                        .all(|&v| v == padding_value));
                }
                if normalize == Normalize::Off {
                    assert!(row[lo..hi]
                        .iter()
                        .zip(clip)
                        .all(|(a, b)| a.to_bits() == b.to_bits()));
                }
                if let Some(mask) = &out.attention_mask {
                    let m = &mask[at..at + len];
                    assert!(m
                        .iter()
                        .enumerate()
                        .all(|(k, &v)| v == (lo <= k && k < hi) as i32));
                }
                at += len;
            }
            assert_eq!(at, out.values.len());
        }
        Err(AudioError::Empty { index }) => assert!(clips[index].is_empty()),
        Err(AudioError::NonFinite {
            index, position, ..
        }) => {
            assert!(!clips[index][position].is_finite())
        }
        Err(AudioError::BadPaddingValue { .. }) => assert!(!padding_value.is_finite()),
        Err(AudioError::Output { .. }) => {
            assert!(target.is_some_and(|t| t >= 1 << 36), "{target:?}")
        }
        Err(e) => panic!("unexpected error: {e}"),
    }
});
