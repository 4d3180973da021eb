//! The vocabulary: special tokens, alphabet, `##c`, then the merge loop.
//!
//! Each distinct word is a run of piece ids in one arena, after a header holding its length and count, and is
//! named by the offset of its header: visiting a word is one memory access, and a sorted list of words is read
//! in memory order. Each adjacent pair of pieces has an exact count (the sum of the counts of the words holding it, once per occurrence) and the list
//! of words it was seen in (a superset: a word is added when the pair appears in it and never removed, so
//! entries can be stale or repeated; a per-word stamp skips repeats, and a stale word simply has nothing to
//! merge). A merge rewrites only the words on its pair's list and updates the counts of the pairs around each
//! occurrence. The next pair comes from a binary heap with lazy invalidation: an entry whose count is no longer
//! the pair's is re-pushed with the current count when that is lower (and dropped otherwise: a rise always
//! pushes a fresh entry), so the top valid entry is always the best pair.

use super::{Progress, TrainError, Trained, TrainerConfig, WordCounts};
use crate::parallel;
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::collections::BinaryHeap;

/// Flag on a placeholder symbol: a char inside a word, whose `##c` id is given once every word is read.
const CONTINUING: u32 = 1 << 31;
const NO_ID: u32 = u32::MAX;
const N_CHARS: usize = 0x11_0000;

/// A word in the arena: `[len, count (low 32 bits), count (high 32 bits), piece ids...]`.
const HEADER: usize = 3;

#[derive(Clone, Debug, Default)]
struct Pair {
    count: i64,
    /// words this pair appeared in (superset, may repeat)
    words: Vec<u32>,
    /// the step that last recorded a gain of this pair
    stamp: u32,
}

/// The count changes of one merge step (or of one thread's share of it), per pair, with the words where the
/// pair appeared: a small table that stays in cache, applied to the global one once per pair and step.
#[derive(Debug, Default)]
struct Deltas {
    index: FxHashMap<u64, u32>,
    /// the first `used` entries are this step's; the rest keep their allocations for later steps
    entries: Vec<(u64, i64, Vec<u32>)>,
    used: usize,
}

impl Deltas {
    #[inline]
    fn add(&mut self, a: u32, b: u32, delta: i64, word: u32) {
        let key = pair_key(a, b);
        let n = self.used as u32;
        let i = *self.index.entry(key).or_insert(n) as usize;
        if i == self.used {
            if i == self.entries.len() {
                self.entries.push((key, 0, vec![]));
            } else {
                let e = &mut self.entries[i];
                (e.0, e.1) = (key, 0);
                e.2.clear();
            }
            self.used += 1;
        }
        let e = &mut self.entries[i];
        e.1 += delta;
        if delta > 0 && e.2.last() != Some(&word) {
            e.2.push(word);
        }
    }

    fn clear(&mut self) {
        // clearing a hash map costs its capacity, not its length: after a large step (the first ones touch
        // hundreds of thousands of pairs) the many small steps that follow would pay for it each time
        if self.index.capacity() > 16 * self.used.max(1024) {
            *self = Deltas::default();
        } else {
            self.index.clear();
            self.used = 0;
        }
    }
}

/// Replace every (a, b) of a word (its pieces `syms`, its index `wi`) by `c`, left to right (tokenizers'
/// `Word::merge`), recording the count changes of the pairs around each occurrence. Returns the new length.
fn merge_word(
    syms: &mut [u32],
    count: u64,
    wi: u32,
    (a, b, c): (u32, u32, u32),
    d: &mut Deltas,
) -> u32 {
    let n = syms.len();
    let cnt = count as i64;
    let (mut i, mut out) = (0, 0);
    while i < n {
        let s = syms[i];
        if s == a && i + 1 < n && syms[i + 1] == b {
            d.add(a, b, -cnt, wi);
            if out > 0 {
                let prev = syms[out - 1];
                d.add(prev, a, -cnt, wi);
                d.add(prev, c, cnt, wi);
            }
            if i + 2 < n {
                let next = syms[i + 2];
                d.add(b, next, -cnt, wi);
                d.add(c, next, cnt, wi);
            }
            syms[out] = c;
            i += 2;
        } else {
            syms[out] = s;
            i += 1;
        }
        out += 1;
    }
    out as u32
}

/// How many words ahead of the current one a merge step prefetches its header (measured on 20 MB of the
/// multilingual corpus: the merges took 1.05 s instead of 1.3 s).
const PREFETCH_AHEAD: usize = 8;

/// A hint that the cache line holding `x` is read soon; nothing on targets without one.
#[inline(always)]
fn prefetch(x: &u32) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch has no effect on memory and never faults
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>(x as *const u32 as *const i8)
    };
    #[cfg(not(target_arch = "x86_64"))]
    let _ = x;
}

/// Words of a merge above which it is shared between threads (below, the rayon round trip costs more; the
/// unit tests take the parallel path on their small corpora).
const PARALLEL_WORDS: usize = if cfg!(test) { 8 } else { 4096 };

#[inline]
fn pair_key(a: u32, b: u32) -> u64 {
    (u64::from(a) << 32) | u64::from(b)
}

/// Heap order: higher count first, then lower left id, then lower right id (`pair` is `pair_key(a, b)`).
#[inline]
fn heap_key(count: u64, pair: u64) -> u128 {
    (u128::from(count) << 64) | u128::from(!pair)
}

#[inline]
fn heap_parts(key: u128) -> (u64, u32, u32) {
    ((key >> 64) as u64, !((key >> 32) as u32), !(key as u32))
}

pub(super) struct Merger {
    vocab: Vec<String>,
    ids: FxHashMap<String, u32>,
    /// the words: headers and pieces
    arena: Vec<u32>,
    words: usize,
    pairs: FxHashMap<u64, Pair>,
    heap: BinaryHeap<u128>,
    /// one per thread
    deltas: Vec<Deltas>,
    step: u32,
    /// min_frequency (at least 1)
    min_count: i64,
    special_tokens: usize,
    alphabet: usize,
    continuing: usize,
}

impl Merger {
    fn add_token(&mut self, token: String) -> u32 {
        if let Some(&id) = self.ids.get(&token) {
            return id;
        }
        let id = self.vocab.len() as u32;
        self.ids.insert(token.clone(), id);
        self.vocab.push(token);
        id
    }

    /// Special tokens, alphabet, `##c`, the words as pieces and the initial pair counts.
    pub(super) fn build(
        counts: &WordCounts,
        config: &TrainerConfig,
        threads: usize,
    ) -> Result<Merger, TrainError> {
        let mut m = Merger {
            vocab: vec![],
            ids: FxHashMap::default(),
            arena: vec![],
            words: 0,
            pairs: FxHashMap::default(),
            heap: BinaryHeap::new(),
            deltas: vec![],
            step: 0,
            min_count: config.min_frequency.clamp(1, i64::MAX as u64) as i64,
            special_tokens: 0,
            alphabet: 0,
            continuing: 0,
        };
        for t in &config.special_tokens {
            m.add_token(t.clone());
        }
        m.special_tokens = m.vocab.len();

        // the alphabet: every char weighted by the count of the words holding it (tokenizers'
        // `compute_alphabet`), initial_alphabet chars above all
        let mut char_count = vec![0u64; N_CHARS];
        for (w, n) in counts.iter() {
            for c in w.chars() {
                char_count[c as usize] = char_count[c as usize].saturating_add(n);
            }
        }
        for (c, n) in counts.long_chars() {
            char_count[c as usize] = char_count[c as usize].saturating_add(n);
        }
        for &c in &config.initial_alphabet {
            char_count[c as usize] = u64::MAX;
        }
        let mut seen: Vec<(u64, u32)> = (0..N_CHARS as u32)
            .filter(|&c| char_count[c as usize] > 0)
            .map(|c| (char_count[c as usize], c))
            .collect();
        drop(char_count);
        if let Some(limit) = config.limit_alphabet {
            if seen.len() > limit {
                seen.sort_unstable_by(|x, y| y.0.cmp(&x.0).then(x.1.cmp(&y.1)));
                seen.truncate(limit);
            }
        }
        seen.sort_unstable_by_key(|x| x.1);
        let mut first_id = vec![NO_ID; N_CHARS];
        for &(_, c) in &seen {
            let ch = char::from_u32(c).unwrap_or_default();
            first_id[c as usize] = m.add_token(ch.to_string());
        }
        // a char is known when its string is in the vocabulary, a special token included (as tokenizers'
        // `tokenize_words` looks it up)
        for t in &config.special_tokens {
            let mut chars = t.chars();
            if let (Some(c), None) = (chars.next(), chars.next()) {
                first_id[c as usize] = m.ids[t.as_str()];
            }
        }
        m.alphabet = m.vocab.len() - m.special_tokens;

        // the words as pieces: known chars only (an unknown char is left out, as in tokenizers), the first
        // char of the word as is, the others as `##c` placeholders until those ids are given
        let mut used_continuing = vec![false; N_CHARS];
        let mut list = vec![];
        for (w, n) in counts.iter() {
            let start = m.arena.len();
            m.arena.extend([0, n as u32, (n >> 32) as u32]);
            for (i, c) in w.chars().enumerate() {
                let id = first_id[c as usize];
                if id == NO_ID {
                    continue;
                }
                if i == 0 {
                    m.arena.push(id);
                } else {
                    used_continuing[c as usize] = true;
                    m.arena.push(c as u32 | CONTINUING);
                }
            }
            let len = m.arena.len() - start - HEADER;
            if len < 2 {
                // no pair: the word cannot take part in a merge
                m.arena.truncate(start);
                continue;
            }
            m.arena[start] = len as u32;
            list.push(u32::try_from(start).map_err(|_| TrainError::TooManyWords)?);
        }
        m.words = list.len();
        let mut continuing_id = vec![NO_ID; N_CHARS];
        for c in 0..N_CHARS {
            if used_continuing[c] {
                let ch = char::from_u32(c as u32).unwrap_or_default();
                continuing_id[c] = m.add_token(format!("{}{ch}", config.continuing_subword_prefix));
            }
        }
        m.continuing = m.vocab.len() - m.special_tokens - m.alphabet;
        for &w in &list {
            let w = w as usize;
            let len = m.arena[w] as usize;
            for s in &mut m.arena[w + HEADER..w + HEADER + len] {
                if *s & CONTINUING != 0 {
                    *s = continuing_id[(*s & !CONTINUING) as usize];
                }
            }
        }
        if m.vocab.len() > config.vocab_size {
            return Err(TrainError::VocabTooSmall {
                vocab_size: config.vocab_size,
                special_tokens: m.special_tokens,
                initial: m.alphabet,
                continuing: m.continuing,
            });
        }

        // initial pair counts, words shared between threads as in a merge step
        m.deltas = (0..threads.max(1)).map(|_| Deltas::default()).collect();
        m.step_words(&list, threads, |syms, count, wi, d| {
            for p in syms.windows(2) {
                d.add(p[0], p[1], count as i64, wi);
            }
            syms.len() as u32
        });
        Ok(m)
    }

    /// Run `f(pieces, count, word, deltas)` on the words of `list` (sorted, distinct), sharing them between
    /// threads when there are many, then apply the count changes and push the pairs that gained on the heap.
    /// `f` returns the word's new length.
    fn step_words<F>(&mut self, list: &[u32], threads: usize, f: F)
    where
        F: Fn(&mut [u32], u64, u32, &mut Deltas) -> u32 + Sync,
    {
        // `arena` starts at word `base`
        let run = |arena: &mut [u32], base: u32, part: &[u32], d: &mut Deltas| {
            for (k, &w) in part.iter().enumerate() {
                // the words are far apart in a large arena: ask for the header of a word a few ahead
                if let Some(&ahead) = part.get(k + PREFETCH_AHEAD) {
                    prefetch(&arena[(ahead - base) as usize]);
                }
                let at = (w - base) as usize;
                let len = arena[at] as usize;
                let count = u64::from(arena[at + 1]) | u64::from(arena[at + 2]) << 32;
                let pieces = &mut arena[at + HEADER..at + HEADER + len];
                arena[at] = f(pieces, count, w, d);
            }
        };
        let pool = if list.len() >= PARALLEL_WORDS {
            parallel::pool(threads)
        } else {
            None
        };
        match pool {
            None => run(&mut self.arena, 0, list, &mut self.deltas[0]),
            Some(pool) => {
                // contiguous runs of the sorted list own disjoint ranges of the arena
                let per = list.len().div_ceil(self.deltas.len());
                let (mut rest, mut base): (&mut [u32], usize) = (&mut self.arena, 0);
                let mut tasks = vec![];
                for part in list.chunks(per) {
                    let (first, last) = (part[0] as usize, part[part.len() - 1] as usize);
                    let end = last + HEADER + rest[last - base] as usize;
                    let (_, tail) = std::mem::take(&mut rest).split_at_mut(first - base);
                    let (mine, tail) = tail.split_at_mut(end - first);
                    (rest, base) = (tail, end);
                    tasks.push((mine, first as u32, part));
                }
                pool.install(|| {
                    tasks
                        .into_par_iter()
                        .zip(self.deltas.par_iter_mut())
                        .for_each(|((arena, first, part), d)| run(arena, first, part, d));
                });
            }
        }
        self.step += 1;
        let mut touched = vec![];
        for d in &mut self.deltas {
            for e in &mut d.entries[..d.used] {
                let p = self.pairs.entry(e.0).or_default();
                p.count += e.1;
                if !e.2.is_empty() {
                    if p.words.is_empty() {
                        std::mem::swap(&mut p.words, &mut e.2);
                    } else {
                        p.words.extend_from_slice(&e.2);
                    }
                    if p.stamp != self.step {
                        p.stamp = self.step;
                        touched.push(e.0);
                    }
                }
            }
            d.clear();
        }
        for key in touched {
            let count = self.pairs[&key].count;
            // a pair under min_frequency cannot be merged: it stays off the heap until it gains (half the
            // pairs of a corpus are seen once)
            if count >= self.min_count {
                self.heap.push(heap_key(count as u64, key));
            }
        }
    }

    pub(super) fn run(
        mut self,
        config: &TrainerConfig,
        progress: Progress,
    ) -> Result<Trained, TrainError> {
        let mut merges = 0usize;
        let min_count = self.min_count as u64;
        if !progress(self.vocab.len(), config.vocab_size) {
            return Err(TrainError::Interrupted);
        }
        while self.vocab.len() < config.vocab_size {
            let Some(key) = self.heap.pop() else { break };
            let (count, a, b) = heap_parts(key);
            let pair = self.pairs.get_mut(&pair_key(a, b));
            let current = pair.as_ref().map_or(0, |p| p.count);
            if current != count as i64 {
                if current >= self.min_count && (current as u64) < count {
                    self.heap.push(heap_key(current as u64, pair_key(a, b)));
                }
                continue;
            }
            let mut list = pair
                .map(|p| std::mem::take(&mut p.words))
                .unwrap_or_default();
            if count < min_count {
                break;
            }
            let token = {
                let right = &self.vocab[b as usize];
                let right = right
                    .strip_prefix(config.continuing_subword_prefix.as_str())
                    .unwrap_or(right);
                format!("{}{right}", self.vocab[a as usize])
            };
            let before = self.vocab.len();
            let c = self.add_token(token);
            merges += 1;
            // sorted: no word twice, and the words' pieces are read in memory order
            list.sort_unstable();
            list.dedup();
            let threads = self.deltas.len();
            self.step_words(&list, threads, |syms, count, wi, d| {
                merge_word(syms, count, wi, (a, b, c), d)
            });
            if self.vocab.len() > before && !progress(self.vocab.len(), config.vocab_size) {
                return Err(TrainError::Interrupted);
            }
        }
        Ok(Trained {
            words: self.words,
            vocab: self.vocab,
            special_tokens: self.special_tokens,
            alphabet: self.alphabet,
            continuing: self.continuing,
            merges,
        })
    }
}
