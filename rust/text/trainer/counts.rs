//! Word counts, fed chunk by chunk and counted in parallel: memory grows with the number of distinct words,
//! never with the corpus size.
//!
//! The table is split in `SHARDS` shards by hash. Each shard holds its words in one byte arena and a
//! `hashbrown::HashTable` of (offset, length, count) entries: about 20 bytes per distinct word plus its bytes,
//! against ~60 for a `HashMap<String, u64>` (the allocation of each string). A chunk is cut into parts at
//! whitespace, each part is counted into a small table of its own on a pool thread, then every shard absorbs
//! the parts' entries of that shard, shards in parallel. Counts are exact sums (u64), so the result does not
//! depend on how the text was cut or scheduled.

use super::TrainError;
use crate::text::batch::with_threads;
use crate::text::normalizer::BertNormalizer;
use crate::text::words::WordSplitter;
use hashbrown::HashTable;
use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHasher};
use std::hash::Hasher;

const SHARDS: usize = 64;
/// Bytes of text per task: small enough to balance two threads on an 8 MB chunk, large enough that a task's
/// own table mostly holds repeated words.
const PART_BYTES: usize = 1 << 20;

#[derive(Clone, Copy, Debug)]
struct Entry {
    off: u32,
    len: u32,
    count: u64,
}

#[inline]
fn hash(word: &[u8]) -> u64 {
    let mut h = FxHasher::default();
    h.write(word);
    h.finish()
}

/// The shard of a hash: bits 32..38, apart from the low bits (bucket) and top bits (tag) hashbrown uses.
#[inline]
fn shard_of(h: u64) -> usize {
    ((h >> 32) as usize) % SHARDS
}

#[derive(Clone, Debug, Default)]
struct Shard {
    table: HashTable<Entry>,
    arena: Vec<u8>,
}

impl Shard {
    #[inline]
    fn add(&mut self, h: u64, word: &[u8], count: u64) -> Result<(), TrainError> {
        let arena = &self.arena;
        if let Some(e) = self.table.find_mut(h, |e| {
            &arena[e.off as usize..(e.off + e.len) as usize] == word
        }) {
            e.count += count;
            return Ok(());
        }
        let off = u32::try_from(self.arena.len())
            .ok()
            .filter(|&o| o.checked_add(word.len() as u32).is_some())
            .ok_or(TrainError::TooManyWords)?;
        self.arena.extend_from_slice(word);
        let arena = &self.arena;
        self.table.insert_unique(
            h,
            Entry {
                off,
                len: word.len() as u32,
                count,
            },
            |e| hash(&arena[e.off as usize..(e.off + e.len) as usize]),
        );
        Ok(())
    }

    fn absorb(&mut self, other: &Shard) -> Result<(), TrainError> {
        for e in other.table.iter() {
            let w = &other.arena[e.off as usize..(e.off + e.len) as usize];
            self.add(hash(w), w, e.count)?;
        }
        Ok(())
    }

    fn iter(&self) -> impl Iterator<Item = (&[u8], u64)> + '_ {
        self.table.iter().map(|e| {
            (
                &self.arena[e.off as usize..(e.off + e.len) as usize],
                e.count,
            )
        })
    }
}

/// Counts of one part of a chunk (or the whole table).
#[derive(Clone, Debug)]
struct Table {
    shards: Vec<Shard>,
    /// chars of the words longer than `max_input_chars_per_word` (such words are not kept: they encode as
    /// the unknown token whatever the vocabulary, but their chars still count for the alphabet)
    long_chars: FxHashMap<char, u64>,
    words: u64,
    long_words: u64,
}

impl Table {
    fn new() -> Table {
        Table {
            shards: vec![Shard::default(); SHARDS],
            long_chars: FxHashMap::default(),
            words: 0,
            long_words: 0,
        }
    }

    fn clear(&mut self) {
        for s in &mut self.shards {
            s.table.clear();
            s.arena.clear();
        }
        self.long_chars.clear();
        (self.words, self.long_words) = (0, 0);
    }

    /// Add the counts of `other`, shards in parallel when `threads` > 1 (the caller installed the pool).
    fn absorb(&mut self, other: &Table, threads: usize) -> Result<(), TrainError> {
        let pairs = self.shards.iter_mut().zip(&other.shards);
        if threads > 1 {
            pairs
                .collect::<Vec<_>>()
                .into_par_iter()
                .try_for_each(|(mine, theirs)| mine.absorb(theirs))?;
        } else {
            pairs
                .into_iter()
                .try_for_each(|(mine, theirs)| mine.absorb(theirs))?;
        }
        self.words += other.words;
        self.long_words += other.long_words;
        for (&c, &n) in &other.long_chars {
            *self.long_chars.entry(c).or_default() += n;
        }
        Ok(())
    }

    fn count_text(
        &mut self,
        splitter: &mut WordSplitter,
        text: &str,
        max_chars: usize,
    ) -> Result<(), TrainError> {
        let mut result = Ok(());
        splitter.split(text, &mut |w| {
            self.words += 1;
            // bytes >= chars: most words skip the char count
            if w.len() > max_chars && w.chars().count() > max_chars {
                self.long_words += 1;
                for c in w.chars() {
                    *self.long_chars.entry(c).or_default() += 1;
                }
                return;
            }
            let b = w.as_bytes();
            let h = hash(b);
            if let Err(e) = self.shards[shard_of(h)].add(h, b, 1) {
                result = Err(e);
            }
        });
        result
    }
}

/// The word counts of a corpus, with the normalizer and pre-tokenizer rules they were made with.
#[derive(Clone, Debug)]
pub struct WordCounts {
    table: Table,
    normalizer: BertNormalizer,
    max_input_chars_per_word: usize,
    documents: u64,
}

impl WordCounts {
    pub fn new(normalizer: BertNormalizer, max_input_chars_per_word: usize) -> WordCounts {
        WordCounts {
            table: Table::new(),
            normalizer,
            max_input_chars_per_word,
            documents: 0,
        }
    }

    pub fn normalizer(&self) -> BertNormalizer {
        self.normalizer
    }

    pub fn max_input_chars_per_word(&self) -> usize {
        self.max_input_chars_per_word
    }

    /// Distinct words kept (not counting those longer than `max_input_chars_per_word`).
    pub fn distinct(&self) -> usize {
        self.table.shards.iter().map(|s| s.table.len()).sum()
    }

    /// Word occurrences seen, long ones included.
    pub fn total(&self) -> u64 {
        self.table.words
    }

    /// Occurrences of words longer than `max_input_chars_per_word`.
    pub fn long_words(&self) -> u64 {
        self.table.long_words
    }

    /// Documents (texts or lines) fed.
    pub fn documents(&self) -> u64 {
        self.documents
    }

    /// Bytes held by the tables and arenas (their capacity).
    pub fn memory_bytes(&self) -> usize {
        self.table
            .shards
            .iter()
            .map(|s| s.table.allocation_size() + s.arena.capacity())
            .sum()
    }

    /// Every kept word and its count, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, u64)> + '_ {
        self.table.shards.iter().flat_map(|s| {
            s.iter()
                .map(|(w, c)| (std::str::from_utf8(w).unwrap_or(""), c))
        })
    }

    /// The chars of the words too long to keep, with their counts.
    pub fn long_chars(&self) -> impl Iterator<Item = (char, u64)> + '_ {
        self.table.long_chars.iter().map(|(&c, &n)| (c, n))
    }

    /// Count the words of `texts` on `threads` threads.
    pub fn add_texts(&mut self, texts: &[&str], threads: usize) -> Result<(), TrainError> {
        self.documents += texts.len() as u64;
        let mut parts = vec![];
        let (mut from, mut acc) = (0, 0);
        for (i, t) in texts.iter().enumerate() {
            acc += t.len() + 1;
            if acc >= PART_BYTES {
                parts.push(&texts[from..=i]);
                (from, acc) = (i + 1, 0);
            }
        }
        if from < texts.len() {
            parts.push(&texts[from..]);
        }
        self.count_parts(&parts, threads)
    }

    /// Count the words of a buffer of "\n"-separated lines on `threads` threads (each line one document; an
    /// empty buffer is one empty document). Invalid UTF-8 is an error naming its byte offset in `data`.
    pub fn add_lines(&mut self, data: &[u8], threads: usize) -> Result<(), TrainError> {
        let text = std::str::from_utf8(data).map_err(|e| TrainError::InvalidUtf8 {
            byte: e.valid_up_to(),
        })?;
        self.documents += memchr::memchr_iter(b'\n', data).count() as u64 + 1;
        // cut at line ends: words never span one (a part is one text to the splitter)
        let mut parts = vec![];
        let mut start = 0;
        while start < text.len() {
            let target = start + PART_BYTES;
            let end = if target >= text.len() {
                text.len()
            } else {
                memchr::memchr(b'\n', &data[target..]).map_or(text.len(), |k| target + k + 1)
            };
            parts.push(&text[start..end]);
            start = end;
        }
        let parts: Vec<[&str; 1]> = parts.into_iter().map(|p| [p]).collect();
        let parts: Vec<&[&str]> = parts.iter().map(|p| &p[..]).collect();
        self.count_parts(&parts, threads)
    }

    /// Each part is counted into a small table of its own, then added to the whole one: the small table stays
    /// in cache, and the big one is looked up once per distinct word of a part instead of once per word
    /// (measured: 2x faster counting on one thread).
    fn count_parts(&mut self, parts: &[&[&str]], threads: usize) -> Result<(), TrainError> {
        let (nm, max_chars) = (self.normalizer, self.max_input_chars_per_word);
        let count = |part: &[&str], local: &mut Table, splitter: &mut WordSplitter| {
            part.iter()
                .try_for_each(|t| local.count_text(splitter, t, max_chars))
        };
        if threads <= 1 || parts.len() < 2 {
            let mut splitter = WordSplitter::new(nm);
            let mut local = Table::new();
            for part in parts {
                count(part, &mut local, &mut splitter)?;
                self.table.absorb(&local, 1)?;
                local.clear();
            }
            return Ok(());
        }
        let table = &mut self.table;
        with_threads(threads, || {
            let locals: Vec<Table> = parts
                .par_iter()
                .map(|part| {
                    let mut local = Table::new();
                    count(part, &mut local, &mut WordSplitter::new(nm))?;
                    Ok(local)
                })
                .collect::<Result<_, TrainError>>()?;
            locals.iter().try_for_each(|l| table.absorb(l, threads))
        })
    }

    /// Add every count of `other` (made with the same settings) to this one.
    pub fn merge(&mut self, other: &WordCounts) -> Result<(), TrainError> {
        self.table.absorb(&other.table, 1)?;
        self.documents += other.documents;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(c: &WordCounts) -> Vec<(String, u64)> {
        let mut v: Vec<_> = c.iter().map(|(w, n)| (w.to_string(), n)).collect();
        v.sort();
        v
    }

    #[test]
    fn counts_do_not_depend_on_cutting_or_threads() {
        let text =
            "The cat sat. The CAT sat on the mat!\nDéjà vu, déjà VU\n中文 and more words here\n"
                .repeat(50_000);
        let mut one = WordCounts::new(BertNormalizer::default(), 100);
        one.add_lines(text.as_bytes(), 1).unwrap();
        let mut two = WordCounts::new(BertNormalizer::default(), 100);
        for piece in text.split_inclusive('\n').collect::<Vec<_>>().chunks(7_000) {
            two.add_texts(piece, 2).unwrap();
        }
        assert_eq!(sorted(&one), sorted(&two));
        assert_eq!(one.total(), two.total());
        let c: FxHashMap<String, u64> = sorted(&one).into_iter().collect();
        assert_eq!(c["the"], 150_000);
        assert_eq!(c["deja"], 100_000);
        assert_eq!(c["中"], 50_000);
        assert_eq!(one.distinct(), 16);
    }

    #[test]
    fn long_words_count_only_their_chars() {
        let mut c = WordCounts::new(BertNormalizer::default(), 5);
        c.add_texts(&["abcdef ab abcde"], 1).unwrap();
        assert_eq!(sorted(&c), [("ab".into(), 1), ("abcde".into(), 1)]);
        assert_eq!(c.long_words(), 1);
        let mut long: Vec<_> = c.long_chars().collect();
        long.sort();
        assert_eq!(
            long,
            [('a', 1), ('b', 1), ('c', 1), ('d', 1), ('e', 1), ('f', 1)]
        );
    }

    #[test]
    fn invalid_utf8_names_the_byte() {
        let mut c = WordCounts::new(BertNormalizer::default(), 100);
        assert_eq!(
            c.add_lines(b"ok\nbad \xff here", 1),
            Err(TrainError::InvalidUtf8 { byte: 7 })
        );
    }
}
