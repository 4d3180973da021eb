//! Batches: documents in parallel (rayon, one `Work` per task), then padding across the batch.

use super::encoding::{Encoding, Padding, Side, TruncationStrategy, NO_WORD};
use super::pool::{Pool, Recycler};
use super::tokenizer::{EncodeOptions, Error, Input, Sequence, Tokenizer};
use crate::parallel;
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
        let mut w = tok.work();
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
    .map_err(|(index, e)| Error::AtInput {
        index,
        source: Box::new(e),
    })?;
    if let Some(p) = padding {
        let target = p.target(|| encs.iter().map(Encoding::len).max().unwrap_or(0));
        for e in &mut encs {
            e.pad(target, p).map_err(|error| Error::Padding {
                length: target,
                error,
            })?;
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
/// Its buffers come from `IDS` and `WIDE`; whoever is done with them gives them back there (`recycle`).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Flat {
    pub ids: Vec<u32>,
    pub starts: Vec<i64>,
    pub offsets: Vec<i64>,
}

/// The flat encoders' id buffers, given back when their arrays are freed (`Flat::recycle`, or the Python
/// layer's array owner): a call's output then lands in pages written before instead of fresh ones.
pub static IDS: Recycler<u32> = Recycler::new(128 << 20);

/// The flat encoders' i64 buffers (offsets and document starts), as `IDS`.
pub static WIDE: Recycler<i64> = Recycler::new(256 << 20);

impl Flat {
    /// Give the buffers back for the next flat call.
    pub fn recycle(self) {
        IDS.give(self.ids);
        WIDE.give(self.starts);
        WIDE.give(self.offsets);
    }
}

/// `v` without the capacity it will not use, when that is more than it holds (a kept buffer, or the doubling
/// of a growing one, may be): the array made of it keeps all of it while it lives.
fn trimmed<T>(mut v: Vec<T>) -> Vec<T> {
    if v.capacity() > 2 * v.len() && v.capacity() * size_of::<T>() > super::pool::MIN_BYTES {
        v.shrink_to_fit();
    }
    v
}

/// One task's part of a flat output; offsets stay u32 here (half the memory traffic) and widen when joined.
/// `starts` are relative to the chunk, one per text (no end); `words` is empty unless asked for.
#[derive(Default, Debug)]
struct Chunk {
    ids: Vec<u32>,
    starts: Vec<i64>,
    offsets: Vec<(u32, u32)>,
    words: Vec<u32>,
}

/// What a flat chunk keeps besides ids.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Keep {
    Ids,
    Offsets,
    /// offsets and word indices: all a row's `Encoding` is made from
    All,
}

fn flat_chunk(
    tok: &Tokenizer,
    texts: &[&str],
    add_special_tokens: bool,
    keep: Option<usize>,
    what: Keep,
) -> Chunk {
    let mut c = Chunk::default();
    flat_chunk_into(&mut c, tok, texts, add_special_tokens, keep, what);
    c
}

/// Encode `texts` into `c` (cleared first; its buffers' capacity is reused).
fn flat_chunk_into(
    c: &mut Chunk,
    tok: &Tokenizer,
    texts: &[&str],
    add_special_tokens: bool,
    keep: Option<usize>,
    what: Keep,
) {
    let with_offsets = what != Keep::Ids;
    let with_words = what == Keep::All;
    let mut w = tok.work();
    w.encode_special_tokens = false;
    // the texts are encoded straight into this one sequence (no copy per text), made of `c`'s buffers
    let mut seq = Sequence {
        ids: std::mem::take(&mut c.ids),
        offsets: std::mem::take(&mut c.offsets),
        words: std::mem::take(&mut c.words),
        skip_offsets: !with_offsets,
        skip_words: !with_words,
    };
    seq.clear();
    let mut starts = std::mem::take(&mut c.starts);
    starts.clear();
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
    if with_words {
        seq.words.reserve(guess);
    }
    for t in texts {
        starts.push(seq.ids.len() as i64);
        if let Some((cls, _)) = specials {
            seq.ids.push(cls);
            seq.offsets.push((0, 0));
            seq.words.push(NO_WORD);
        }
        let from = seq.ids.len();
        tok.encode_text(t, None, &mut w, &mut seq);
        if let Some(k) = keep {
            seq.ids.truncate(from + k);
            seq.offsets.truncate(from + k);
            seq.words.truncate(from + k);
        }
        if let Some((_, sep)) = specials {
            seq.ids.push(sep);
            seq.offsets.push((0, 0));
            seq.words.push(NO_WORD);
        }
        if !with_offsets {
            seq.offsets.clear();
        }
        if !with_words {
            seq.words.clear();
        }
    }
    *c = Chunk {
        ids: seq.ids,
        starts,
        offsets: seq.offsets,
        words: seq.words,
    };
}

/// Texts in tasks of about 64 KiB: small enough to balance, large enough to amortize. `(from, to)` pairs.
fn chunk_bounds(texts: &[&str]) -> Vec<(usize, usize)> {
    let mut out = vec![];
    let (mut from, mut acc) = (0, 0);
    for (i, t) in texts.iter().enumerate() {
        acc += t.len() + 16;
        if acc >= 1 << 16 {
            out.push((from, i + 1));
            (from, acc) = (i + 1, 0);
        }
    }
    if from < texts.len() || out.is_empty() {
        out.push((from, texts.len()));
    }
    out
}

/// The chunks of `texts`, encoded on `threads` threads.
fn flat_chunks(
    tok: &Tokenizer,
    texts: &[&str],
    add_special_tokens: bool,
    keep: Option<usize>,
    what: Keep,
    threads: usize,
) -> Vec<Chunk> {
    if threads <= 1 || texts.len() < 2 {
        return vec![flat_chunk(tok, texts, add_special_tokens, keep, what)];
    }
    let bounds = chunk_bounds(texts);
    with_threads(threads, || {
        bounds
            .par_iter()
            .map(|&(a, b)| flat_chunk(tok, &texts[a..b], add_special_tokens, keep, what))
            .collect()
    })
}

/// Tokens kept of a text by right truncation to `max_length` (specials included); None: all. As
/// `Tokenizer::encode`, nothing is truncated when max_length cannot even hold the special tokens.
fn keep_for(tok: &Tokenizer, add_special_tokens: bool, max_length: Option<usize>) -> Option<usize> {
    let n_special = if add_special_tokens {
        tok.num_special_tokens(false)
    } else {
        0
    };
    // at most isize::MAX tokens: a row's start plus this cannot overflow
    max_length
        .filter(|&m| m >= n_special)
        .map(|m| (m - n_special).min(isize::MAX as usize))
}

/// Spare chunk buffers of the flat encoders, shared by every tokenizer: their pages stay mapped from one
/// chunk (and call) to the next instead of being faulted in afresh (at most this many sets of ~0.5 MB).
static SPARE: Pool<Chunk> = Pool::new(32);

/// Encode single texts into flat arrays; `max_length` truncates each on the right (specials included).
///
/// The texts are encoded in chunks of about 64 KiB, each appended to the output as soon as the chunks before it
/// are (`streamed`), so at most a few chunks per thread are held at a time, chunk buffers are reused (SPARE)
/// and only the output itself takes fresh pages.
pub fn encode_flat(
    tok: &Tokenizer,
    texts: &[&str],
    add_special_tokens: bool,
    max_length: Option<usize>,
    with_offsets: bool,
    threads: usize,
) -> Flat {
    let keep = keep_for(tok, add_special_tokens, max_length);
    let what = if with_offsets {
        Keep::Offsets
    } else {
        Keep::Ids
    };
    // about one token per 3 bytes of text (more is grown into)
    let bytes: usize = texts.iter().map(|t| t.len()).sum();
    let guess = bytes / 3 + 2 * texts.len() + 64;
    // buffers of earlier calls, whose pages are mapped already (`IDS`). Plain pages: with huge ones
    // (MADV_HUGEPAGE) appending to the output took twice as long on the bench machine (0.17 s against 0.09 s
    // per 20 MB of text: fresh 2 MB pages, probably given back to the hypervisor while free, were slower to
    // fault in than reused 4 KB ones), and a buffer written once in order gains little from fewer TLB entries
    let mut out = Flat {
        // (a guess past memory: the output grows as written, as a Vec does)
        ids: IDS.take(guess).unwrap_or_default(),
        starts: WIDE.take(texts.len() + 1).unwrap_or_default(),
        offsets: if with_offsets {
            WIDE.take(2 * guess).unwrap_or_default()
        } else {
            vec![]
        },
    };
    let bounds = chunk_bounds(texts);
    let encode = |&(a, b): &(usize, usize)| {
        let mut c = SPARE.take();
        flat_chunk_into(&mut c, tok, &texts[a..b], add_special_tokens, keep, what);
        c
    };
    let pool = if bounds.len() > 1 {
        parallel::pool(threads)
    } else {
        None
    };
    let mut append_one = |c: Chunk| {
        append(&mut out, &c, with_offsets);
        SPARE.give(c);
    };
    match pool {
        Some(pool) => streamed(&pool, &bounds, 3 * threads + 2, encode, append_one),
        None => bounds.iter().map(encode).for_each(&mut append_one),
    }
    out.starts.push(out.ids.len() as i64);
    Flat {
        ids: trimmed(out.ids),
        starts: trimmed(out.starts),
        offsets: trimmed(out.offsets),
    }
}

/// `encode` each of `bounds` on `pool` and hand the results to `append` in order, each as soon as those
/// before it have been. Each of the pool's threads takes the next chunk from a shared counter when it is done
/// with its last, and the thread that finishes the chunk next in line appends it, and any finished after it
/// that were waiting, while the chunk is still in its cache. So chunks finish nearly in order; a thread does
/// not start a chunk `window` or more past the next to append (a long document holds up the ones after it:
/// memory stays bounded). Before, the calling thread appended every chunk it received over a channel: a
/// third thread on two cores, copying chunks written on the other core, woken once per chunk. A panic in
/// `encode` stops the other threads taking chunks and is raised here.
fn streamed<T: Send>(
    pool: &rayon::ThreadPool,
    bounds: &[(usize, usize)],
    window: usize,
    encode: impl Fn(&(usize, usize)) -> T + Sync,
    append: impl FnMut(T) + Send,
) {
    use std::collections::BTreeMap;
    use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::{Condvar, Mutex};
    /// the finished chunks waiting for their turn, and where they go
    struct InOrder<T, A> {
        waiting: BTreeMap<usize, T>,
        append: A,
    }
    // the next chunk to start, the next to append (changed under the lock, read without it), and whether
    // a thread panicked
    let (next, done, failed) = (
        AtomicUsize::new(0),
        AtomicUsize::new(0),
        AtomicBool::new(false),
    );
    let order = Mutex::new(InOrder {
        waiting: BTreeMap::new(),
        append,
    });
    // signalled when `done` moves or a thread fails
    let room = Condvar::new();
    let fail = || {
        failed.store(true, Ordering::Relaxed);
        // taken so that no thread is between its check and its wait
        drop(order.lock());
        room.notify_all();
    };
    let work = || loop {
        let k = next.fetch_add(1, Ordering::Relaxed);
        if k >= bounds.len() || failed.load(Ordering::Relaxed) {
            break;
        }
        if k >= done.load(Ordering::Acquire) + window {
            let Ok(mut o) = order.lock() else { break };
            while k >= done.load(Ordering::Acquire) + window && !failed.load(Ordering::Relaxed) {
                let Ok(again) = room.wait(o) else { return };
                o = again;
            }
            if failed.load(Ordering::Relaxed) {
                break;
            }
        }
        let chunk = match catch_unwind(AssertUnwindSafe(|| encode(&bounds[k]))) {
            Ok(c) => c,
            Err(panic) => {
                fail();
                resume_unwind(panic)
            }
        };
        // a panic in `append` poisons the lock: the others stop here
        let Ok(mut o) = order.lock() else {
            fail();
            break;
        };
        let o = &mut *o;
        let mut d = done.load(Ordering::Relaxed);
        if k != d {
            o.waiting.insert(k, chunk);
            continue;
        }
        (o.append)(chunk);
        d += 1;
        while let Some(c) = o.waiting.remove(&d) {
            (o.append)(c);
            d += 1;
        }
        done.store(d, Ordering::Release);
        room.notify_all();
    };
    // rayon raises a panic of a spawned task here, once every task has ended
    pool.in_place_scope(|scope| {
        for _ in 0..pool.current_num_threads() {
            scope.spawn(|_| work());
        }
    });
}

/// Append chunk `c` to `out`: its document starts shifted, its ids, its offsets widened to i64.
fn append(out: &mut Flat, c: &Chunk, with_offsets: bool) {
    let at = out.ids.len() as i64;
    out.starts.extend(c.starts.iter().map(|s| s + at));
    out.ids.extend_from_slice(&c.ids);
    if with_offsets {
        let n = 2 * c.offsets.len();
        out.offsets.reserve(n);
        let len = out.offsets.len();
        for (d, &(a, b)) in out.offsets.spare_capacity_mut()[..n]
            .chunks_exact_mut(2)
            .zip(&c.offsets)
        {
            d[0].write(a as i64);
            d[1].write(b as i64);
        }
        // SAFETY: the loop wrote offsets[len..len + n], two per offset pair
        unsafe { out.offsets.set_len(len + n) };
    }
}

/// A batch of single texts (no pair, no overflow) kept as the columns of its flat chunks: what `encode_batch`
/// would give, without an `Encoding` per row. Lists and arrays are made from the columns; a row's
/// `Encoding` is made only when asked (`encoding`), by the same template and padding code as `encode_batch`.
#[derive(Debug)]
pub struct Columns {
    chunks: Vec<Chunk>,
    /// the first row of each chunk, then the number of rows
    first_row: Vec<usize>,
    add_special_tokens: bool,
    /// specials at both ends of each row (the BERT template was applied)
    specials: bool,
    /// the length every row is padded to, and how
    pub padding: Option<(usize, Padding)>,
}

/// A per-token field of a batch, as the arrays of `return_tensors` hold it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Ids,
    TypeIds,
    AttentionMask,
    SpecialTokensMask,
    Offsets,
}

impl Field {
    /// The field of this name (as `BatchEncoding` keys name them), if any.
    pub fn named(name: &str) -> Option<Field> {
        Some(match name {
            "ids" => Field::Ids,
            "type_ids" => Field::TypeIds,
            "attention_mask" => Field::AttentionMask,
            "special_tokens_mask" => Field::SpecialTokensMask,
            "offsets" => Field::Offsets,
            _ => return None,
        })
    }
}

/// One row of `Columns`, unpadded: ids, offsets and word indices, specials included.
#[derive(Clone, Copy, Debug)]
pub struct ColumnRow<'a> {
    pub ids: &'a [u32],
    pub offsets: &'a [(u32, u32)],
    pub words: &'a [u32],
}

impl Columns {
    pub fn len(&self) -> usize {
        *self.first_row.last().unwrap_or(&0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the rows start and end with the template's special tokens.
    pub fn has_specials(&self) -> bool {
        self.specials
    }

    fn chunk_row(c: &Chunk, j: usize) -> ColumnRow<'_> {
        let from = c.starts[j] as usize;
        let to = c.starts.get(j + 1).map_or(c.ids.len(), |&s| s as usize);
        ColumnRow {
            ids: &c.ids[from..to],
            offsets: &c.offsets[from..to],
            words: &c.words[from..to],
        }
    }

    /// Row `i` (< len), unpadded.
    pub fn row(&self, i: usize) -> ColumnRow<'_> {
        let k = self.first_row.partition_point(|&f| f <= i) - 1;
        Self::chunk_row(&self.chunks[k], i - self.first_row[k])
    }

    /// Every row in order, unpadded.
    pub fn rows(&self) -> impl Iterator<Item = ColumnRow<'_>> + '_ {
        self.chunks
            .iter()
            .flat_map(|c| (0..c.starts.len()).map(move |j| Self::chunk_row(c, j)))
    }

    /// Length of a row of `n` tokens after padding.
    pub fn padded_len(&self, n: usize) -> usize {
        self.padding.as_ref().map_or(n, |(t, _)| n.max(*t))
    }

    /// The length of every row after padding (what a 2-D array of the batch needs), or the first row
    /// whose length differs from row 0's as `(row, its length, row 0's length)`.
    pub fn width(&self) -> Result<usize, (usize, usize, usize)> {
        let mut rows = self.rows().map(|r| self.padded_len(r.ids.len()));
        let Some(w) = rows.next() else {
            return Ok(0);
        };
        match rows.position(|n| n != w) {
            None => Ok(w),
            Some(i) => Err((i + 1, self.padded_len(self.row(i + 1).ids.len()), w)),
        }
    }

    /// Whether `field` is 0 in every row, pads included: the type ids of single texts, unless padded
    /// with another type id.
    pub fn all_zero(&self, field: Field) -> bool {
        field == Field::TypeIds
            && self
                .padding
                .as_ref()
                .is_none_or(|(_, p)| p.pad_type_id == 0)
    }

    /// `field` of row `r`, padded, appended to `out` (offsets as two values per token): the values of
    /// `encoding(tok, r)`'s field without making the encoding. Rows hold single texts, so type ids are 0
    /// and the special tokens are the template's first and last.
    pub fn extend_field(&self, field: Field, r: ColumnRow<'_>, out: &mut Vec<i64>) {
        let n = r.ids.len();
        let (k, side) = match &self.padding {
            Some((_, p)) => (self.padded_len(n) - n, p.side),
            None => (0, Side::Right),
        };
        let pad: &[i64] = match (field, &self.padding) {
            (Field::Ids, Some((_, p))) => &[p.pad_id as i64],
            (Field::TypeIds, Some((_, p))) => &[p.pad_type_id as i64],
            (Field::SpecialTokensMask, _) => &[1],
            (Field::Offsets, _) => &[0, 0],
            _ => &[0],
        };
        let put_pad = |out: &mut Vec<i64>| {
            for _ in 0..k {
                out.extend_from_slice(pad);
            }
        };
        if side == Side::Left {
            put_pad(out);
        }
        match field {
            Field::Ids => out.extend(r.ids.iter().map(|&x| x as i64)),
            Field::TypeIds => out.extend(std::iter::repeat_n(0, n)),
            Field::AttentionMask => out.extend(std::iter::repeat_n(1, n)),
            Field::SpecialTokensMask => {
                let ends = self.specials as usize;
                out.extend((0..n).map(|t| (t < ends || t + ends >= n) as i64));
            }
            Field::Offsets => {
                for &(a, b) in r.offsets {
                    out.extend_from_slice(&[a as i64, b as i64]);
                }
            }
        }
        if side == Side::Right {
            put_pad(out);
        }
    }

    /// Row `r` as the `Encoding` that `encode_batch` makes (template, then padding).
    pub fn encoding(&self, tok: &Tokenizer, r: ColumnRow<'_>) -> Result<Encoding, Error> {
        let body = if self.specials {
            1..r.ids.len() - 1
        } else {
            0..r.ids.len()
        };
        let seq = Sequence {
            ids: r.ids[body.clone()].to_vec(),
            offsets: r.offsets[body.clone()].to_vec(),
            words: r.words[body].to_vec(),
            ..Sequence::default()
        };
        let mut e = tok.assemble(&seq, None, self.add_special_tokens);
        if let Some((target, p)) = &self.padding {
            e.pad(*target, p).map_err(|error| Error::Padding {
                length: *target,
                error,
            })?;
        }
        Ok(e)
    }
}

/// `encode_batch` for what `Columns` can hold: single texts, no overflow, no special-token splitting, right
/// truncation by longest_first or only_first without stride (a stride is checked against each truncated
/// row). None when the request needs the general path.
pub fn encode_columns(
    tok: &Tokenizer,
    texts: &[&str],
    opts: &EncodeOptions,
    padding: Option<&Padding>,
    threads: usize,
) -> Result<Option<Columns>, Error> {
    let max_length = match &opts.truncation {
        None => None,
        Some(t) => {
            if t.side != Side::Right || t.strategy == TruncationStrategy::OnlySecond || t.stride > 0
            {
                return Ok(None);
            }
            tok.check_truncation(t)?;
            Some(t.max_length)
        }
    };
    let keep = keep_for(tok, opts.add_special_tokens, max_length);
    let chunks = flat_chunks(
        tok,
        texts,
        opts.add_special_tokens,
        keep,
        Keep::All,
        threads,
    );
    let mut first_row = Vec::with_capacity(chunks.len() + 1);
    let mut n = 0;
    for c in &chunks {
        first_row.push(n);
        n += c.starts.len();
    }
    first_row.push(n);
    let specials = opts.add_special_tokens && tok.post.is_some();
    let mut cols = Columns {
        chunks,
        first_row,
        add_special_tokens: opts.add_special_tokens,
        specials,
        padding: None,
    };
    if let Some(p) = padding {
        let target = p.target(|| cols.rows().map(|r| r.ids.len()).max().unwrap_or(0));
        cols.padding = Some((target, p.clone()));
    }
    Ok(Some(cols))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::encoding::Truncation;
    use crate::text::{BertNormalizer, WordPiece};

    fn tokenizer() -> Tokenizer {
        let vocab = [
            "[PAD]", "[UNK]", "[CLS]", "[SEP]", "hello", "world", "##s", "wo", "##rld", "!", ",",
            "a", "b", "c", "café", "東", "京",
        ];
        let model = WordPiece::new(
            vocab.iter().map(|s| s.to_string()).collect(),
            "[UNK]",
            "##",
            100,
        )
        .unwrap();
        let normalizer = BertNormalizer {
            strip_accents: false,
            ..Default::default()
        };
        Tokenizer::new(model, normalizer, None, "[CLS]", "[SEP]").unwrap()
    }

    /// The streamed flat encoder gives, on any thread count, what one thread gives: the chunks (here ~50 of
    /// them, of texts of different lengths so that they finish out of order) appended in order.
    #[test]
    fn flat_equal_on_every_thread_count() {
        let tok = tokenizer();
        let texts: Vec<String> = (0..12000)
            .map(|i| match i % 5 {
                0 => "hello, worlds! ".repeat(1 + i % 37),
                1 => String::new(),
                2 => "café 東京 zzz".into(),
                3 => format!("a b c {i} WORLD wo"),
                _ => "wo".repeat(i % 301),
            })
            .collect();
        let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
        assert!(chunk_bounds(&texts).len() > 20);
        for (specials, max_length, with_offsets) in [
            (true, None, true),
            (false, Some(5), true),
            (true, Some(7), false),
        ] {
            let one = encode_flat(&tok, &texts, specials, max_length, with_offsets, 1);
            assert_eq!(one.starts.len(), texts.len() + 1);
            assert_eq!(
                one.offsets.len(),
                if with_offsets { 2 * one.ids.len() } else { 0 }
            );
            for threads in [2, 3, 8] {
                let many = encode_flat(&tok, &texts, specials, max_length, with_offsets, threads);
                assert_eq!(many.ids, one.ids, "{threads} threads");
                assert_eq!(many.starts, one.starts, "{threads} threads");
                assert_eq!(many.offsets, one.offsets, "{threads} threads");
            }
        }
    }

    #[test]
    fn a_slow_streamed_chunk_holds_the_others_within_the_window() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let pool = parallel::pool(2).unwrap();
        let bounds: Vec<(usize, usize)> = (0..60).map(|i| (i, i + 1)).collect();
        // chunks 5 and 30 are slow: the other thread finishes the ones after them meanwhile, but never
        // starts one `window` or more past the next to append
        let (started, appended, most) = (
            AtomicUsize::new(0),
            AtomicUsize::new(0),
            AtomicUsize::new(0),
        );
        let mut seen = vec![];
        streamed(
            &pool,
            &bounds,
            4,
            |&(a, _)| {
                let ahead =
                    started.fetch_add(1, Ordering::SeqCst) + 1 - appended.load(Ordering::SeqCst);
                most.fetch_max(ahead, Ordering::SeqCst);
                if a == 5 || a == 30 {
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                a
            },
            |a| {
                appended.fetch_add(1, Ordering::SeqCst);
                seen.push(a);
            },
        );
        assert_eq!(seen, (0..60).collect::<Vec<_>>());
        let most = most.load(Ordering::SeqCst);
        assert!(
            (2..=4).contains(&most),
            "{most} chunks started ahead of the appends"
        );
    }

    /// A panic while a chunk is encoded on the pool reaches the caller (which maps it to an error), with no
    /// hang waiting for the chunk.
    #[test]
    fn a_panic_in_a_streamed_chunk_reaches_the_caller() {
        let pool = parallel::pool(2).unwrap();
        let bounds: Vec<(usize, usize)> = (0..50).map(|i| (i, i + 1)).collect();
        let got = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut seen = vec![];
            streamed(
                &pool,
                &bounds,
                4,
                |&(a, _)| {
                    assert!(a != 17, "chunk 17");
                    a
                },
                |a| seen.push(a),
            );
            seen
        }));
        assert!(got.is_err());
        let mut seen = vec![];
        streamed(&pool, &bounds, 3, |&(a, _)| a, |a| seen.push(a));
        assert_eq!(seen, (0..50).collect::<Vec<_>>());
    }

    /// Every row `Columns` makes equals the row `encode_batch` makes, for each option set and thread count.
    #[test]
    fn columns_equal_rows() {
        let tok = tokenizer();
        let texts = [
            "Hello, worlds!",
            "",
            "   ",
            "a b c a b c a b c",
            "café 東京 zzz",
            "hello",
            "WORLD wo",
        ];
        let texts: Vec<&str> = texts.iter().copied().cycle().take(70).collect();
        let truncation = |max_length, strategy| Truncation {
            max_length,
            strategy,
            stride: 0,
            side: Side::Right,
        };
        let padding = |length, pad_to_multiple_of, side| Padding {
            length,
            pad_to_multiple_of,
            side,
            pad_id: 0,
            pad_type_id: 5,
        };
        let cases = [
            (true, None, None),
            (false, None, None),
            (
                true,
                Some(truncation(5, TruncationStrategy::LongestFirst)),
                None,
            ),
            (
                true,
                Some(truncation(1, TruncationStrategy::OnlyFirst)),
                None,
            ),
            (
                false,
                Some(truncation(2, TruncationStrategy::LongestFirst)),
                None,
            ),
            (true, None, Some(padding(None, Some(8), Side::Left))),
            (true, None, Some(padding(Some(6), None, Side::Right))),
            (
                false,
                Some(truncation(4, TruncationStrategy::OnlyFirst)),
                Some(padding(None, None, Side::Right)),
            ),
        ];
        for (add_special_tokens, truncation, padding) in cases {
            let opts = EncodeOptions {
                add_special_tokens,
                truncation,
            };
            let inputs: Vec<Pair> = texts.iter().map(|t| (Input::Text(t), None)).collect();
            for threads in [1, 2] {
                let (rows, _) = encode_batch(
                    &tok,
                    &inputs,
                    &opts,
                    padding.as_ref(),
                    false,
                    false,
                    threads,
                )
                .unwrap();
                let cols = encode_columns(&tok, &texts, &opts, padding.as_ref(), threads)
                    .unwrap()
                    .expect("a batch of texts fits in columns");
                assert_eq!(cols.len(), rows.len());
                let made: Vec<Encoding> = cols
                    .rows()
                    .map(|r| cols.encoding(&tok, r).unwrap())
                    .collect();
                assert_eq!(made, rows, "{opts:?} {padding:?}");
                for (i, e) in rows.iter().enumerate() {
                    let field = |f: Field| {
                        let mut v = vec![];
                        cols.extend_field(f, cols.row(i), &mut v);
                        v
                    };
                    let wide = |v: &[u32]| v.iter().map(|&x| x as i64).collect::<Vec<_>>();
                    assert_eq!(field(Field::Ids), wide(&e.ids));
                    assert_eq!(field(Field::TypeIds), wide(&e.type_ids));
                    for f in [
                        Field::Ids,
                        Field::TypeIds,
                        Field::AttentionMask,
                        Field::Offsets,
                    ] {
                        if cols.all_zero(f) {
                            assert!(field(f).iter().all(|&x| x == 0), "{f:?} {padding:?}");
                        }
                    }
                    assert_eq!(field(Field::AttentionMask), wide(&e.attention_mask));
                    assert_eq!(
                        field(Field::SpecialTokensMask),
                        wide(&e.special_tokens_mask)
                    );
                    let offsets: Vec<i64> = e
                        .offsets
                        .iter()
                        .flat_map(|&(a, b)| [a as i64, b as i64])
                        .collect();
                    assert_eq!(field(Field::Offsets), offsets);
                    assert_eq!(cols.encoding(&tok, cols.row(i)).unwrap(), *e);
                    assert_eq!(cols.padded_len(cols.row(i).ids.len()), e.len());
                }
            }
        }
        // what columns cannot hold goes the general way
        let left = EncodeOptions {
            add_special_tokens: true,
            truncation: Some(Truncation {
                side: Side::Left,
                ..truncation(4, TruncationStrategy::LongestFirst)
            }),
        };
        assert!(encode_columns(&tok, &texts, &left, None, 1)
            .unwrap()
            .is_none());
    }
}
