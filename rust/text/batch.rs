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
#[allow(clippy::too_many_arguments)]
pub fn encode_batch(
    tok: &Tokenizer,
    inputs: &[Pair],
    opts: &EncodeOptions,
    padding: Option<&Padding>,
    return_overflowing: bool,
    encode_special_tokens: bool,
    threads: usize,
) -> Result<(Vec<Encoding>, Vec<u32>), Error> {
    let new_work = || {
        let mut w = Work::default();
        w.encode_special_tokens = encode_special_tokens;
        w
    };
    if let Some(t) = &opts.truncation {
        tok.check_truncation(t)?;
    }
    let run = || {
        inputs
            .par_iter()
            .enumerate()
            .with_min_len(16)
            .map_init(new_work, |w, (i, (a, b))| {
                tok.encode(a, b.as_ref(), opts, w).map_err(|e| (i, e))
            })
            .collect::<Result<Vec<Encoding>, (usize, Error)>>()
    };
    let mut encs = if threads <= 1 || inputs.len() < 32 {
        let mut w = new_work();
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

/// One task's part of a flat output; offsets stay u32 here (half the memory traffic) and widen when joined.
#[derive(Default)]
struct Chunk {
    ids: Vec<u32>,
    starts: Vec<i64>,
    offsets: Vec<(u32, u32)>,
}

fn flat_chunk(
    tok: &Tokenizer,
    texts: &[&str],
    add_special_tokens: bool,
    keep: Option<usize>,
    with_offsets: bool,
) -> Chunk {
    let mut w = Work::default();
    // the texts are encoded straight into this one sequence (no copy per text); word indices are not kept
    let mut seq = Sequence::default();
    let mut starts = Vec::with_capacity(texts.len());
    let specials = if add_special_tokens {
        tok.post.as_ref().map(|((_, c), (_, s))| (*c, *s))
    } else {
        None
    };
    // about one token per 3 bytes of text: most chunks then never grow (and copy) their buffers
    let guess = texts.iter().map(|t| t.len()).sum::<usize>() / 3 + 2 * texts.len();
    seq.ids.reserve(guess);
    if with_offsets {
        seq.offsets.reserve(guess);
    }
    for t in texts {
        starts.push(seq.ids.len() as i64);
        if let Some((cls, _)) = specials {
            seq.ids.push(cls);
            seq.offsets.push((0, 0));
        }
        let from = seq.ids.len();
        tok.encode_text(t, None, &mut w, &mut seq);
        if let Some(k) = keep {
            seq.ids.truncate(from + k);
            seq.offsets.truncate(from + k);
        }
        seq.words.clear();
        if let Some((_, sep)) = specials {
            seq.ids.push(sep);
            seq.offsets.push((0, 0));
        }
        if !with_offsets {
            seq.offsets.clear();
        }
    }
    Chunk {
        ids: seq.ids,
        starts,
        offsets: seq.offsets,
    }
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
    // as `Tokenizer::encode`: no truncation when max_length cannot even hold the special tokens
    let keep = max_length
        .filter(|&m| m >= n_special)
        .map(|m| m - n_special);
    let parts: Vec<Chunk> = if threads <= 1 || texts.len() < 2 {
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
    concat(parts, texts.len(), with_offsets, threads)
}

/// A raw pointer that may cross threads: each task writes a disjoint range of the same buffer.
#[derive(Clone, Copy)]
struct SendPtr<T>(*mut T);
// SAFETY: only used by `concat`, whose tasks write disjoint ranges and finish before the buffer is used
unsafe impl<T> Send for SendPtr<T> {}
unsafe impl<T> Sync for SendPtr<T> {}

impl<T> SendPtr<T> {
    // a method, so closures capture the whole (Send) wrapper rather than its raw-pointer field
    fn at(self, i: usize) -> *mut T {
        // SAFETY: callers stay within the allocation (see `concat`)
        unsafe { self.0.add(i) }
    }
}

/// Join the chunks into one buffer each, copying in parallel (one serial copy of the offsets was ~15% of
/// the whole with two threads: 16 bytes per token).
fn concat(parts: Vec<Chunk>, n_docs: usize, with_offsets: bool, threads: usize) -> Flat {
    let mut at = Vec::with_capacity(parts.len());
    let mut total = 0usize;
    for p in &parts {
        at.push(total);
        total += p.ids.len();
    }
    let n_off = if with_offsets { 2 * total } else { 0 };
    let mut out = Flat {
        ids: Vec::with_capacity(total),
        starts: Vec::with_capacity(n_docs + 1),
        offsets: Vec::with_capacity(n_off),
    };
    for (p, &base) in parts.iter().zip(&at) {
        out.starts.extend(p.starts.iter().map(|s| s + base as i64));
    }
    out.starts.push(total as i64);
    let (ids, offs) = (
        SendPtr(out.ids.as_mut_ptr()),
        SendPtr(out.offsets.as_mut_ptr()),
    );
    let copy = |(p, &base): (&Chunk, &usize)| {
        // SAFETY: chunk k fills ids[at[k]..at[k] + len_k] (and offsets at twice that), disjoint ranges
        // inside the capacity reserved above
        unsafe {
            std::ptr::copy_nonoverlapping(p.ids.as_ptr(), ids.at(base), p.ids.len());
            if with_offsets {
                let dst = offs.at(2 * base);
                for (k, &(a, b)) in p.offsets.iter().enumerate() {
                    dst.add(2 * k).write(a as i64);
                    dst.add(2 * k + 1).write(b as i64);
                }
            }
        }
    };
    if threads > 1 {
        with_threads(threads, || {
            parts.par_iter().zip(at.par_iter()).for_each(copy)
        });
    } else {
        parts.iter().zip(at.iter()).for_each(copy);
    }
    // SAFETY: every element up to these lengths was written just above
    unsafe {
        out.ids.set_len(total);
        out.offsets.set_len(n_off);
    }
    out
}
