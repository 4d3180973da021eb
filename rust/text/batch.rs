//! Batches: documents in parallel (rayon, one `Work` per task), then padding across the batch.

use super::encoding::{Encoding, Padding};
use super::parallel;
use super::tokenizer::{EncodeOptions, Error, Input, Sequence, Tokenizer, Work};
use rayon::prelude::*;

/// One batch row's inputs: the first sequence and the optional pair.
pub type Pair<'a> = (Input<'a>, Option<Input<'a>>);

/// Run `f` on the pool of `threads` threads, or inline for one.
pub fn with_threads<R: Send>(threads: usize, f: impl FnOnce() -> R + Send) -> R {
    match parallel::pool(threads) {
        Some(p) => p.install(f),
        None => f(),
    }
}

/// Encode a batch like tokenizers' `encode_batch` with truncation/padding enabled, then flatten the
/// overflowing pieces after their sample when `return_overflowing` (transformers' `_convert_encoding`).
/// Returns the rows and the sample index of each. An error names the input index.
pub fn encode_batch(
    tok: &Tokenizer,
    inputs: &[Pair],
    opts: &EncodeOptions,
    padding: Option<&Padding>,
    return_overflowing: bool,
    threads: usize,
) -> Result<(Vec<Encoding>, Vec<u32>), Error> {
    let run = || {
        inputs
            .par_iter()
            .enumerate()
            .with_min_len(16)
            .map_init(Work::default, |w, (i, (a, b))| {
                tok.encode(a, b.as_ref(), opts, w).map_err(|e| (i, e))
            })
            .collect::<Result<Vec<Encoding>, (usize, Error)>>()
    };
    let mut encs = if threads <= 1 || inputs.len() < 32 {
        let mut w = Work::default();
        inputs
            .iter()
            .enumerate()
            .map(|(i, (a, b))| tok.encode(a, b.as_ref(), opts, &mut w).map_err(|e| (i, e)))
            .collect::<Result<Vec<_>, _>>()
    } else {
        with_threads(threads, run)
    }
    .map_err(|(i, e)| match e {
        Error::Truncation(m) => Error::Truncation(format!("input {i}: {m}")),
        other => other,
    })?;
    if let Some(p) = padding {
        let mut target = p
            .length
            .unwrap_or_else(|| encs.iter().map(Encoding::len).max().unwrap_or(0));
        if let Some(m) = p.pad_to_multiple_of.filter(|&m| m > 0) {
            if target % m != 0 {
                target += m - target % m;
            }
        }
        for e in &mut encs {
            e.pad(target, p);
        }
    }
    let mut rows = Vec::with_capacity(encs.len());
    let mut sample = Vec::with_capacity(encs.len());
    for (i, mut e) in encs.into_iter().enumerate() {
        let over = std::mem::take(&mut e.overflowing);
        rows.push(e);
        sample.push(i as u32);
        if return_overflowing {
            for o in over {
                rows.push(o);
                sample.push(i as u32);
            }
        }
    }
    Ok((rows, sample))
}

/// Flat output of many single texts: every id, document starts (n + 1), and char offsets (2 per token).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Flat {
    pub ids: Vec<u32>,
    pub starts: Vec<i64>,
    pub offsets: Vec<i64>,
}

fn flat_chunk(
    tok: &Tokenizer,
    texts: &[&str],
    add_special_tokens: bool,
    keep: Option<usize>,
    with_offsets: bool,
) -> Flat {
    let mut out = Flat::default();
    let mut w = Work::default();
    let mut seq = Sequence::default();
    let specials = if add_special_tokens {
        tok.post.as_ref().map(|((_, c), (_, s))| (*c, *s))
    } else {
        None
    };
    out.starts.reserve(texts.len());
    for t in texts {
        out.starts.push(out.ids.len() as i64);
        seq.clear();
        tok.encode_text(t, None, &mut w, &mut seq);
        let n = keep.map_or(seq.ids.len(), |k| k.min(seq.ids.len()));
        if let Some((cls, _)) = specials {
            out.ids.push(cls);
            if with_offsets {
                out.offsets.extend([0, 0]);
            }
        }
        out.ids.extend_from_slice(&seq.ids[..n]);
        if with_offsets {
            out.offsets.extend(
                seq.offsets[..n]
                    .iter()
                    .flat_map(|&(a, b)| [a as i64, b as i64]),
            );
        }
        if let Some((_, sep)) = specials {
            out.ids.push(sep);
            if with_offsets {
                out.offsets.extend([0, 0]);
            }
        }
    }
    out
}

/// Encode single texts into flat arrays; `max_length` truncates each on the right (specials included).
pub fn encode_flat(
    tok: &Tokenizer,
    texts: &[&str],
    add_special_tokens: bool,
    max_length: Option<usize>,
    with_offsets: bool,
    threads: usize,
) -> Flat {
    let n_special = if add_special_tokens {
        tok.num_special_tokens(false)
    } else {
        0
    };
    let keep = max_length.map(|m| m.saturating_sub(n_special));
    let parts: Vec<Flat> = if threads <= 1 || texts.len() < 2 {
        vec![flat_chunk(
            tok,
            texts,
            add_special_tokens,
            keep,
            with_offsets,
        )]
    } else {
        // chunks of about 64 KiB of text: small enough to balance, large enough to amortize
        let mut bounds = vec![0];
        let mut acc = 0;
        for (i, t) in texts.iter().enumerate() {
            acc += t.len() + 16;
            if acc >= 1 << 16 {
                bounds.push(i + 1);
                acc = 0;
            }
        }
        if *bounds.last().unwrap_or(&0) != texts.len() {
            bounds.push(texts.len());
        }
        with_threads(threads, || {
            bounds
                .par_windows(2)
                .map(|b| {
                    flat_chunk(
                        tok,
                        &texts[b[0]..b[1]],
                        add_special_tokens,
                        keep,
                        with_offsets,
                    )
                })
                .collect()
        })
    };
    let total: usize = parts.iter().map(|p| p.ids.len()).sum();
    let mut out = Flat {
        ids: Vec::with_capacity(total),
        starts: Vec::with_capacity(texts.len() + 1),
        offsets: Vec::with_capacity(if with_offsets { 2 * total } else { 0 }),
    };
    for p in parts {
        let base = out.ids.len() as i64;
        out.starts.extend(p.starts.iter().map(|s| s + base));
        out.ids.extend_from_slice(&p.ids);
        out.offsets.extend_from_slice(&p.offsets);
    }
    out.starts.push(out.ids.len() as i64);
    out
}
