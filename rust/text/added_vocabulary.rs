//! Added tokens, matched before the model: tokenizers 0.23.3 tokenizer/added_vocabulary.rs semantics.
//!
//! Tokens with `normalized = false` are found in the original text, the others in the normalized text
//! (their pattern is their normalized content); leftmost-longest matching, a match rejected by
//! `single_word` is skipped whole (the search resumes after it), `lstrip`/`rstrip` widen the match over
//! whitespace (never back over the previous match).

use super::wordpiece::Trie;
use std::collections::HashMap;

/// An added token and its matching options (`tokenizers.AddedToken`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddedToken {
    pub content: String,
    pub single_word: bool,
    pub lstrip: bool,
    pub rstrip: bool,
    pub normalized: bool,
    pub special: bool,
}

impl AddedToken {
    /// A token with tokenizers' defaults (`normalized` is `!special`).
    pub fn new(content: &str, special: bool) -> AddedToken {
        AddedToken {
            content: content.to_string(),
            single_word: false,
            lstrip: false,
            rstrip: false,
            normalized: !special,
            special,
        }
    }
}

/// A set of patterns searched leftmost-longest.
#[derive(Clone, Debug, Default)]
pub(crate) struct Matcher {
    trie: Trie,
    empty: bool,
}

impl Matcher {
    fn new(patterns: &[(String, u32)]) -> Matcher {
        Matcher {
            trie: Trie::build(patterns.iter().map(|(p, id)| (p.as_bytes(), *id))),
            empty: patterns.iter().all(|(p, _)| p.is_empty()),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.empty
    }
}

/// One piece of a split: `Some(id)` for an added token, over bytes `[start, end)`.
pub(crate) type Split = (Option<u32>, usize, usize);

/// The added vocabulary: content <-> id, and the two matchers.
#[derive(Clone, Debug, Default)]
pub struct AddedVocabulary {
    map: HashMap<String, u32>,
    map_r: HashMap<u32, AddedToken>,
    pub(crate) raw: Matcher,
    pub(crate) normalized: Matcher,
}

fn is_word(c: char) -> bool {
    super::unicode::class(c) & super::unicode::WORD != 0
}

impl AddedVocabulary {
    pub fn token_to_id(&self, content: &str) -> Option<u32> {
        self.map.get(content).copied()
    }

    pub fn get(&self, id: u32) -> Option<&AddedToken> {
        self.map_r.get(&id)
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// `(id, token)` sorted by id.
    pub fn tokens(&self) -> Vec<(u32, &AddedToken)> {
        let mut v: Vec<_> = self.map_r.iter().map(|(&i, t)| (i, t)).collect();
        v.sort_by_key(|x| x.0);
        v
    }

    /// Largest id given out, if any.
    pub fn max_id(&self) -> Option<u32> {
        self.map.values().copied().max()
    }

    /// Insert with a known id (tokenizer.json `added_tokens`).
    pub(crate) fn insert(&mut self, token: AddedToken, id: u32) {
        self.map.insert(token.content.clone(), id);
        self.map_r.insert(id, token);
    }

    /// Rebuild the matchers; `normalize` gives the normalized pattern of a `normalized` token.
    pub(crate) fn refresh(&mut self, normalize: impl Fn(&str) -> String) {
        let mut raw = vec![];
        let mut norm = vec![];
        for (&id, t) in &self.map_r {
            if self.map.get(&t.content) != Some(&id) {
                continue;
            }
            if t.normalized {
                norm.push((normalize(&t.content), id));
            } else {
                raw.push((t.content.clone(), id));
            }
        }
        self.raw = Matcher::new(&raw);
        self.normalized = Matcher::new(&norm);
    }

    /// Find the added tokens in `s` with `m`: splits covering all of `s` (empty `s`: no splits).
    pub(crate) fn find_matches(&self, s: &str, m: &Matcher) -> Vec<Split> {
        let bytes = s.as_bytes();
        let mut splits = vec![];
        let mut done = 0; // end of the last emitted split
        let mut pos = 0; // where the search resumes
        while pos < bytes.len() {
            let Some((len, id)) = m.trie.longest_prefix(&bytes[pos..]) else {
                pos += 1;
                // patterns are valid UTF-8, so a match never starts inside a char; skip continuation bytes
                while pos < bytes.len() && (bytes[pos] & 0xC0) == 0x80 {
                    pos += 1;
                }
                continue;
            };
            let (mut start, mut stop) = (pos, pos + len);
            pos = stop;
            let Some(tok) = self.map_r.get(&id) else {
                continue;
            };
            if tok.single_word {
                let start_space =
                    start == 0 || !s[..start].chars().next_back().is_some_and(is_word);
                let stop_space = stop == s.len() || !s[stop..].chars().next().is_some_and(is_word);
                if !start_space || !stop_space {
                    continue;
                }
            }
            if tok.lstrip {
                let trimmed = s[..start].trim_end_matches(char::is_whitespace).len();
                start = trimmed.max(done);
            }
            if tok.rstrip {
                stop += s[stop..].len() - s[stop..].trim_start_matches(char::is_whitespace).len();
            }
            if done < start {
                splits.push((None, done, start));
            }
            splits.push((Some(id), start, stop));
            done = stop;
        }
        if done < s.len() {
            splits.push((None, done, s.len()));
        }
        splits
    }

    /// `tokenizers` AddedVocabulary::add_tokens: returns how many tokens were added or updated (its count).
    /// `model_id` looks a content up in the model vocabulary; `model_size` is the model's vocab size.
    pub fn add_tokens(
        &mut self,
        tokens: &[AddedToken],
        model_id: impl Fn(&str) -> Option<u32>,
        model_size: u32,
        normalize: impl Fn(&str) -> String,
    ) -> usize {
        let mut ignored = 0;
        for token in tokens {
            if token.content.is_empty() || self.map_r.values().any(|t| t == token) {
                ignored += 1;
                continue;
            }
            let id = match self
                .map
                .get(&token.content)
                .copied()
                .or_else(|| model_id(&token.content))
            {
                Some(id) => id,
                None => match self.max_id() {
                    Some(max) if max >= model_size || model_size == 0 => max + 1,
                    _ => model_size,
                },
            };
            self.map.insert(token.content.clone(), id);
            self.map_r.insert(id, token.clone());
        }
        self.refresh(normalize);
        tokens.len() - ignored
    }
}
