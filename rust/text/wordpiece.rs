//! WordPiece: greedy longest-match-first over a byte trie (a double array, double_array.rs, for the
//! vocabulary; the packed `Trie` here serves the added-token matcher and the tests).
//!
//! Same result as `tokenizers` 0.23.3 models/wordpiece/mod.rs `WordPiece::tokenize` (try the whole rest of
//! the word, then drop one char at a time until the vocabulary has it, prefixing non-initial pieces with
//! `##`), but each step is one walk down a trie that remembers the last complete token, so a word costs
//! O(word length x longest token) byte steps instead of O(n^2) hash lookups of fresh strings. The test
//! `trie_equals_reference_greedy` checks equality with the literal algorithm on random vocabularies.

use super::double_array::DoubleArray;
use super::error::{Error, TokenRole};
use crate::memory;
use std::collections::HashMap;

const NONE: u32 = u32::MAX;

/// A byte trie packed in one array, so a step reads one node record (usually one cache line) instead of a
/// node table and a separate edge table: node `k` is
/// `[token id or NONE, n children, n child bytes packed 4 per u32 (sorted), n child node indices]`.
#[derive(Clone, Debug, Default)]
pub(crate) struct Trie {
    data: Vec<u32>,
    // children of the root, direct-indexed: every walk starts there
    root: Vec<u32>,
}

impl Trie {
    pub(crate) fn build<'a>(items: impl Iterator<Item = (&'a [u8], u32)>) -> Trie {
        // build with maps, then lay the nodes out breadth-first
        let mut tmp: Vec<(HashMap<u8, usize>, u32)> = vec![(HashMap::new(), NONE)];
        for (key, id) in items {
            if key.is_empty() {
                continue;
            }
            let mut node = 0;
            for &b in key {
                let next = tmp.len();
                let child = *tmp[node].0.entry(b).or_insert(next);
                if child == next {
                    tmp.push((HashMap::new(), NONE));
                }
                node = child;
            }
            tmp[node].1 = id;
        }
        let mut order = vec![0usize];
        let mut kids_of = vec![];
        let mut i = 0;
        while i < order.len() {
            let mut kids: Vec<(u8, usize)> =
                tmp[order[i]].0.iter().map(|(&b, &n)| (b, n)).collect();
            kids.sort_unstable();
            order.extend(kids.iter().map(|k| k.1));
            kids_of.push(kids);
            i += 1;
        }
        // record position of each old node
        let mut pos = vec![0u32; tmp.len()];
        let mut at = 0usize;
        for (k, &old) in order.iter().enumerate() {
            pos[old] = at as u32;
            let n = kids_of[k].len();
            at += 2 + n.div_ceil(4) + n;
        }
        let mut data = Vec::with_capacity(at);
        for (k, &old) in order.iter().enumerate() {
            let kids = &kids_of[k];
            data.push(tmp[old].1);
            data.push(kids.len() as u32);
            for chunk in kids.chunks(4) {
                data.push(
                    chunk
                        .iter()
                        .enumerate()
                        .fold(0u32, |w, (j, &(b, _))| w | (b as u32) << (8 * j)),
                );
            }
            data.extend(kids.iter().map(|&(_, n)| pos[n]));
        }
        let mut root = vec![NONE; 256];
        for &(b, n) in &kids_of[0] {
            root[b as usize] = pos[n];
        }
        Trie { data, root }
    }

    #[inline]
    fn child(&self, node: u32, b: u8) -> u32 {
        let k = node as usize;
        let n = self.data[k + 1] as usize;
        let labels = &self.data[k + 2..k + 2 + n.div_ceil(4)];
        let label = |j: usize| (labels[j / 4] >> (8 * (j % 4))) as u8;
        let found = if n <= 64 {
            // four labels per step: the lowest zero byte of `word ^ b repeated` is the first equal label (the
            // classic has-zero-byte test is exact for the lowest one). Unused bytes of the last word are 0, so
            // a match there (b == 0) lies at j >= n and means absent.
            let pat = u32::from(b) * 0x0101_0101;
            labels
                .iter()
                .enumerate()
                .find_map(|(wi, &word)| {
                    let x = word ^ pat;
                    let z = x.wrapping_sub(0x0101_0101) & !x & 0x8080_8080;
                    (z != 0).then(|| 4 * wi + (z.trailing_zeros() / 8) as usize)
                })
                .filter(|&j| j < n)
        } else {
            let (mut lo, mut hi) = (0, n);
            while lo < hi {
                let mid = (lo + hi) / 2;
                if label(mid) < b {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            (lo < n && label(lo) == b).then_some(lo)
        };
        found.map_or(NONE, |j| self.data[k + 2 + n.div_ceil(4) + j])
    }

    /// The longest key that is a prefix of `s`: (its length, its id).
    #[inline]
    pub(crate) fn longest_prefix(&self, s: &[u8]) -> Option<(usize, u32)> {
        let mut best = None;
        let &b0 = s.first()?;
        let mut node = *self.root.get(b0 as usize)?;
        let mut i = 1;
        while node != NONE {
            let id = self.data[node as usize];
            if id != NONE {
                best = Some((i, id));
            }
            if i == s.len() {
                break;
            }
            node = self.child(node, s[i]);
            i += 1;
        }
        best
    }
}

/// The WordPiece model: vocabulary, unknown token, prefix and word length limit.
#[derive(Clone, Debug)]
pub struct WordPiece {
    /// token -> id; a repeated token keeps its last id, as tokenizers' HashMap does
    pub vocab: HashMap<String, u32>,
    /// id -> token (None for ids shadowed by a later duplicate)
    pub vocab_r: Vec<Option<String>>,
    pub unk_token: String,
    pub unk_id: u32,
    pub continuing_subword_prefix: String,
    pub max_input_chars_per_word: usize,
    initial: DoubleArray,
    continuing: DoubleArray,
    /// what a word of one CJK ideograph U+4E00..=U+9FFF tokenizes to (`ideograph`)
    ideographs: Box<[u32]>,
}

/// The CJK Unified Ideographs block: the ideographs of nearly all Chinese and Japanese text.
pub(crate) const IDEOGRAPHS: std::ops::RangeInclusive<u32> = 0x4E00..=0x9FFF;

impl WordPiece {
    /// Build from tokens in id order. Errors if `unk_token` is not among them.
    pub fn new(
        tokens: Vec<String>,
        unk_token: &str,
        continuing_subword_prefix: &str,
        max_input_chars_per_word: usize,
    ) -> Result<WordPiece, Error> {
        let mut vocab = HashMap::with_capacity(tokens.len());
        for (i, t) in tokens.iter().enumerate() {
            vocab.insert(t.clone(), i as u32);
        }
        let vocab_r: Vec<Option<String>> = tokens
            .into_iter()
            .enumerate()
            .map(|(i, t)| {
                if vocab.get(&t) == Some(&(i as u32)) {
                    Some(t)
                } else {
                    None
                }
            })
            .collect();
        let unk_id = *vocab
            .get(unk_token)
            .ok_or_else(|| Error::TokenNotInVocabulary {
                role: TokenRole::Unknown,
                token: unk_token.into(),
            })?;
        Ok(WordPiece::from_parts(
            vocab,
            vocab_r,
            unk_token.to_string(),
            unk_id,
            continuing_subword_prefix.to_string(),
            max_input_chars_per_word,
        ))
    }

    /// Build from a token -> id map (tokenizer.json `model.vocab`); ids may have gaps.
    pub fn from_map(
        vocab: HashMap<String, u32>,
        unk_token: &str,
        continuing_subword_prefix: &str,
        max_input_chars_per_word: usize,
    ) -> Result<WordPiece, Error> {
        let n = vocab.values().map(|&i| i as usize + 1).max().unwrap_or(0);
        // ids come from the file: the largest sizes the table (an id near 2**32 would want 100 GB)
        let mut vocab_r = memory::filled(n, None).map_err(|error| Error::VocabId {
            id: (n - 1) as u32,
            error,
        })?;
        for (t, &i) in &vocab {
            vocab_r[i as usize] = Some(t.clone());
        }
        let unk_id = *vocab
            .get(unk_token)
            .ok_or_else(|| Error::TokenNotInVocabulary {
                role: TokenRole::Unknown,
                token: unk_token.into(),
            })?;
        Ok(WordPiece::from_parts(
            vocab,
            vocab_r,
            unk_token.to_string(),
            unk_id,
            continuing_subword_prefix.to_string(),
            max_input_chars_per_word,
        ))
    }

    fn from_parts(
        vocab: HashMap<String, u32>,
        vocab_r: Vec<Option<String>>,
        unk_token: String,
        unk_id: u32,
        continuing_subword_prefix: String,
        max_input_chars_per_word: usize,
    ) -> WordPiece {
        let initial = DoubleArray::build(vocab.iter().map(|(t, &i)| (t.as_bytes(), i)));
        let p = continuing_subword_prefix.as_bytes();
        let continuing = DoubleArray::build(
            vocab
                .iter()
                .filter(|(t, _)| t.len() > p.len() && t.as_bytes().starts_with(p))
                .map(|(t, &i)| (&t.as_bytes()[p.len()..], i)),
        );
        let mut wp = WordPiece {
            vocab,
            vocab_r,
            unk_token,
            unk_id,
            continuing_subword_prefix,
            max_input_chars_per_word,
            initial,
            continuing,
            ideographs: Box::new([]),
        };
        // one `tokenize` per ideograph (~1 ms): what a one-char word gives, its token or unk
        let mut pieces = vec![];
        let mut buf = [0u8; 4];
        wp.ideographs = IDEOGRAPHS
            .filter_map(char::from_u32)
            .map(|c| {
                pieces.clear();
                wp.tokenize(c.encode_utf8(&mut buf).as_bytes(), 1, &mut pieces);
                pieces[0].0
            })
            .collect();
        wp
    }

    /// The token of the one-char word `c` when `c` is in U+4E00..=U+9FFF (the isolated CJK ideographs of most
    /// Chinese and Japanese text): one table read instead of a hash probe. Equal to `tokenize` on it.
    #[inline]
    pub fn ideograph(&self, c: char) -> Option<u32> {
        self.ideographs
            .get((c as u32).wrapping_sub(*IDEOGRAPHS.start()) as usize)
            .copied()
    }

    /// Number of distinct tokens (tokenizers' `get_vocab_size`: the map's size).
    pub fn len(&self) -> usize {
        self.vocab.len()
    }

    pub fn is_empty(&self) -> bool {
        self.vocab.is_empty()
    }

    /// Split one word (UTF-8, `n_chars` characters) into `(id, byte start, byte end)` pieces appended to `out`.
    /// An unsplittable or too long word gives one `unk` piece over the whole word.
    #[inline]
    pub fn tokenize(&self, word: &[u8], n_chars: usize, out: &mut Vec<(u32, u32, u32)>) {
        if n_chars > self.max_input_chars_per_word {
            out.push((self.unk_id, 0, word.len() as u32));
            return;
        }
        let mark = out.len();
        let mut start = 0;
        while start < word.len() {
            let trie = if start == 0 {
                &self.initial
            } else {
                &self.continuing
            };
            match trie.longest_prefix(&word[start..]) {
                Some((len, id)) => {
                    out.push((id, start as u32, (start + len) as u32));
                    start += len;
                }
                None => {
                    out.truncate(mark);
                    out.push((self.unk_id, 0, word.len() as u32));
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// tokenizers' WordPiece::tokenize, literally: the specification the trie must equal.
    fn reference(wp: &WordPiece, word: &str) -> Vec<(u32, u32, u32)> {
        if word.chars().count() > wp.max_input_chars_per_word {
            return vec![(wp.unk_id, 0, word.len() as u32)];
        }
        let mut out = vec![];
        let mut start = 0;
        while start < word.len() {
            let mut end = word.len();
            let mut found = None;
            while start < end {
                let mut s = word[start..end].to_string();
                if start > 0 {
                    s = format!("{}{}", wp.continuing_subword_prefix, s);
                }
                if let Some(&id) = wp.vocab.get(&s) {
                    found = Some((id, start as u32, end as u32));
                    break;
                }
                end -= word[start..end].chars().last().map_or(1, |c| c.len_utf8());
            }
            match found {
                Some(t) => {
                    start = t.2 as usize;
                    out.push(t);
                }
                None => return vec![(wp.unk_id, 0, word.len() as u32)],
            }
        }
        out
    }

    // a small deterministic generator (no external crates in the core)
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            self.0 >> 33
        }
    }

    #[test]
    fn trie_equals_reference_greedy() {
        let alphabet = ['a', 'b', 'c', 'é', '中', '#'];
        let mut rng = Lcg(7);
        for round in 0..300 {
            let mut tokens = vec!["[UNK]".to_string()];
            for _ in 0..(rng.next() % 30 + 1) {
                let len = rng.next() % 4 + 1;
                let mut t: String = (0..len)
                    .map(|_| alphabet[(rng.next() % 6) as usize])
                    .collect();
                if rng.next().is_multiple_of(2) {
                    t = format!("##{t}");
                }
                tokens.push(t);
            }
            let wp = WordPiece::new(tokens, "[UNK]", "##", 8).unwrap();
            for _ in 0..50 {
                let len = rng.next() % 10;
                let word: String = (0..len)
                    .map(|_| alphabet[(rng.next() % 6) as usize])
                    .collect();
                let mut got = vec![];
                wp.tokenize(word.as_bytes(), word.chars().count(), &mut got);
                if word.is_empty() {
                    assert!(got.is_empty());
                    continue;
                }
                assert_eq!(got, reference(&wp, &word), "round {round} word {word:?}");
            }
        }
    }

    #[test]
    fn wide_nodes_use_binary_search() {
        // "x" followed by 60 different bytes: that node has 60 children (binary search path)
        let keys: Vec<Vec<u8>> = (0u8..60).map(|b| vec![b'x', b'0' + b]).collect();
        let trie = Trie::build(
            keys.iter()
                .enumerate()
                .map(|(i, k)| (k.as_slice(), i as u32)),
        );
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(trie.longest_prefix(k), Some((2, i as u32)));
        }
        assert_eq!(trie.longest_prefix(b"x~"), None);
        assert_eq!(trie.longest_prefix(b"x/"), None);
    }

    #[test]
    fn duplicates_keep_last_id() {
        let wp = WordPiece::new(
            vec!["[UNK]".into(), "a".into(), "a".into()],
            "[UNK]",
            "##",
            100,
        )
        .unwrap();
        assert_eq!(wp.vocab["a"], 2);
        assert_eq!(wp.vocab_r[1], None);
        assert_eq!(wp.len(), 2);
        assert!(WordPiece::new(vec!["a".into()], "[UNK]", "##", 100).is_err());
    }

    #[test]
    fn ideograph_table_equals_tokenize() {
        // in the vocabulary, not in it (unk), a duplicate (last id), and a word limit of 0 (every word unk)
        let vocab: Vec<String> = [
            "[UNK]",
            "\u{4e00}",
            "\u{4e2d}",
            "\u{9fff}",
            "\u{4e2d}",
            "##\u{6587}",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for limit in [0, 1, 100] {
            let wp = WordPiece::new(vocab.clone(), "[UNK]", "##", limit).unwrap();
            let mut pieces = vec![];
            for cp in (0x4DFE..=0x4E30)
                .chain(0x9FF0..=0xA002)
                .chain([0x6587, 0x41, 0x3042])
            {
                let c = char::from_u32(cp).unwrap();
                let mut b = [0u8; 4];
                pieces.clear();
                wp.tokenize(c.encode_utf8(&mut b).as_bytes(), 1, &mut pieces);
                let expected = (0x4E00..=0x9FFF).contains(&cp).then(|| pieces[0].0);
                assert_eq!(wp.ideograph(c), expected, "U+{cp:04X}, limit {limit}");
            }
            assert_eq!(
                wp.ideograph('\u{4e2d}'),
                Some(if limit == 0 { 0 } else { 4 })
            );
        }
    }
}
