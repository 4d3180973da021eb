//! WordPiece: greedy longest-match-first over a byte trie.
//!
//! Same result as `tokenizers` 0.23.3 models/wordpiece/mod.rs `WordPiece::tokenize` (try the whole rest of
//! the word, then drop one char at a time until the vocabulary has it, prefixing non-initial pieces with
//! `##`), but each step is one walk down a trie that remembers the last complete token, so a word costs
//! O(word length x longest token) byte steps instead of O(n^2) hash lookups of fresh strings. The test
//! `trie_equals_reference_greedy` checks equality with the literal algorithm on random vocabularies.

use std::collections::HashMap;

const NONE: u32 = u32::MAX;

/// A byte trie: `edges[first..first + len]` of a node are its children sorted by byte.
#[derive(Clone, Debug, Default)]
pub(crate) struct Trie {
    // per node: (first edge, number of edges, token id or NONE)
    nodes: Vec<(u32, u32, u32)>,
    edges: Vec<(u8, u32)>,
    // children of the root, direct-indexed: most steps are the first one
    root: Vec<u32>,
}

impl Trie {
    pub(crate) fn build<'a>(items: impl Iterator<Item = (&'a [u8], u32)>) -> Trie {
        // build with maps, then flatten breadth-first into sorted edge arrays
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
        let mut new_index = vec![NONE; tmp.len()];
        new_index[0] = 0;
        let mut trie = Trie::default();
        let mut i = 0;
        while i < order.len() {
            let old = order[i];
            let mut kids: Vec<(u8, usize)> = tmp[old].0.iter().map(|(&b, &n)| (b, n)).collect();
            kids.sort_unstable();
            let first = trie.edges.len() as u32;
            for &(b, n) in &kids {
                new_index[n] = order.len() as u32;
                order.push(n);
                trie.edges.push((b, new_index[n]));
            }
            trie.nodes.push((first, kids.len() as u32, tmp[old].1));
            i += 1;
        }
        trie.root = vec![NONE; 256];
        let (first, len, _) = trie.nodes[0];
        for &(b, n) in &trie.edges[first as usize..(first + len) as usize] {
            trie.root[b as usize] = n;
        }
        trie
    }

    #[inline]
    fn child(&self, node: u32, b: u8) -> u32 {
        let (first, len, _) = self.nodes[node as usize];
        let edges = &self.edges[first as usize..(first + len) as usize];
        if len <= 8 {
            for &(eb, n) in edges {
                if eb == b {
                    return n;
                }
            }
            NONE
        } else {
            match edges.binary_search_by_key(&b, |e| e.0) {
                Ok(i) => edges[i].1,
                Err(_) => NONE,
            }
        }
    }

    /// The longest key that is a prefix of `s`: (its length, its id).
    #[inline]
    pub(crate) fn longest_prefix(&self, s: &[u8]) -> Option<(usize, u32)> {
        let mut best = None;
        let &b0 = s.first()?;
        let mut node = self.root[b0 as usize];
        let mut i = 1;
        while node != NONE {
            let id = self.nodes[node as usize].2;
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
    initial: Trie,
    continuing: Trie,
}

impl WordPiece {
    /// Build from tokens in id order. Errors if `unk_token` is not among them.
    pub fn new(
        tokens: Vec<String>,
        unk_token: &str,
        continuing_subword_prefix: &str,
        max_input_chars_per_word: usize,
    ) -> Result<WordPiece, String> {
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
            .ok_or_else(|| format!("the unknown token {unk_token:?} is not in the vocabulary"))?;
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
    ) -> Result<WordPiece, String> {
        let n = vocab.values().map(|&i| i as usize + 1).max().unwrap_or(0);
        let mut vocab_r = vec![None; n];
        for (t, &i) in &vocab {
            vocab_r[i as usize] = Some(t.clone());
        }
        let unk_id = *vocab
            .get(unk_token)
            .ok_or_else(|| format!("the unknown token {unk_token:?} is not in the vocabulary"))?;
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
        let initial = Trie::build(vocab.iter().map(|(t, &i)| (t.as_bytes(), i)));
        let p = continuing_subword_prefix.as_bytes();
        let continuing = Trie::build(
            vocab
                .iter()
                .filter(|(t, _)| t.len() > p.len() && t.as_bytes().starts_with(p))
                .map(|(t, &i)| (&t.as_bytes()[p.len()..], i)),
        );
        WordPiece {
            vocab,
            vocab_r,
            unk_token,
            unk_id,
            continuing_subword_prefix,
            max_input_chars_per_word,
            initial,
            continuing,
        }
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
                if rng.next() % 2 == 0 {
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
}
