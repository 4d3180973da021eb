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
#[derive(Clone, Debug)]
pub(crate) struct Matcher {
    trie: Trie,
    empty: bool,
    /// the distinct first bytes of the patterns when there are at most 3 (memchr jumps between candidates;
    /// BERT's specials all start with `[`), else None
    firsts: Option<Vec<u8>>,
}

impl Default for Matcher {
    fn default() -> Self {
        Matcher::new(&[])
    }
}

impl Matcher {
    fn new(patterns: &[(String, u32)]) -> Matcher {
        let mut firsts: Vec<u8> = patterns
            .iter()
            .filter_map(|(p, _)| p.bytes().next())
            .collect();
        firsts.sort_unstable();
        firsts.dedup();
        Matcher {
            trie: Trie::build(patterns.iter().map(|(p, id)| (p.as_bytes(), *id))),
            empty: patterns.iter().all(|(p, _)| p.is_empty()),
            firsts: (firsts.len() <= 3).then_some(firsts),
        }
    }

    /// The first position at or after `pos` where a pattern may start (a first byte of one), or `len`.
    #[inline]
    fn next_candidate(&self, bytes: &[u8], pos: usize) -> usize {
        let rest = &bytes[pos..];
        let found = match self.firsts.as_deref() {
            Some([]) => None,
            Some(&[a]) => memchr::memchr(a, rest),
            Some(&[a, b]) => memchr::memchr2(a, b, rest),
            Some(&[a, b, c]) => memchr::memchr3(a, b, c, rest),
            _ => Some(0),
        };
        found.map_or(bytes.len(), |k| pos + k)
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
    /// id -> normalized content of `normalized` tokens: what tokenizers' id_to_token returns for them
    normalized_form: HashMap<u32, String>,
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

    /// The token string of an added id as tokenizers gives it: the normalized content for a `normalized`
    /// token ("NewWord" -> "newword" when lowercasing), else the content.
    pub fn token_string(&self, id: u32) -> Option<&str> {
        self.normalized_form
            .get(&id)
            .map(String::as_str)
            .or_else(|| self.map_r.get(&id).map(|t| t.content.as_str()))
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
        self.normalized_form.clear();
        for (&id, t) in &self.map_r {
            if self.map.get(&t.content) != Some(&id) {
                continue;
            }
            if t.normalized {
                let n = normalize(&t.content);
                self.normalized_form.insert(id, n.clone());
                norm.push((n, id));
            } else {
                raw.push((t.content.clone(), id));
            }
        }
        self.raw = Matcher::new(&raw);
        self.normalized = Matcher::new(&norm);
    }

    /// Find the added tokens in `s` with `m`: splits covering all of `s` (empty `s`: no splits).
    /// With `skip_special`, special tokens are not matched (tokenizers' `encode_special_tokens`).
    pub(crate) fn find_matches(&self, s: &str, m: &Matcher, skip_special: bool) -> Vec<Split> {
        let mut splits = vec![];
        self.find_matches_into(s, m, skip_special, &mut splits);
        splits
    }

    /// `find_matches` into `splits` (cleared first): a buffer reused from text to text.
    pub(crate) fn find_matches_into(
        &self,
        s: &str,
        m: &Matcher,
        skip_special: bool,
        splits: &mut Vec<Split>,
    ) {
        let bytes = s.as_bytes();
        splits.clear();
        let mut done = 0; // end of the last emitted split
        let mut pos = 0; // where the search resumes
        loop {
            // first bytes of patterns are char starts (patterns are valid UTF-8), so jumping to one keeps `pos`
            // on a char boundary, as the byte-by-byte scan below does
            pos = m.next_candidate(bytes, pos);
            if pos >= bytes.len() {
                break;
            }
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
            if skip_special && tok.special {
                continue;
            }
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
            if start >= stop {
                // lstrip clamped to the end of the previous rstrip match, past this one: tokenizers panics
                // here ("AddedVocabulary bad split"); we drop the match (found by the fuzz target)
                continue;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn vocab(tokens: &[AddedToken]) -> AddedVocabulary {
        let mut v = AddedVocabulary::default();
        v.add_tokens(tokens, |_| None, 10, |s| s.to_string());
        v
    }

    #[test]
    fn lstrip_clamped_past_the_match_is_dropped() {
        // "qq" swallows the spaces (rstrip); the " " matches inside them clamp past their own end (lstrip)
        let qq = AddedToken {
            rstrip: true,
            ..AddedToken::new("qq", false)
        };
        let sp = AddedToken {
            lstrip: true,
            normalized: false,
            ..AddedToken::new(" ", false)
        };
        let qq = AddedToken {
            normalized: false,
            ..qq
        };
        let v = vocab(&[qq, sp]);
        assert_eq!(
            v.find_matches("qq   x", &v.raw, false),
            vec![(Some(10), 0, 5), (None, 5, 6)]
        );
    }

    #[test]
    fn leftmost_longest_and_single_word() {
        let a = AddedToken {
            normalized: false,
            ..AddedToken::new("ab", false)
        };
        let abc = AddedToken {
            normalized: false,
            ..AddedToken::new("abc", false)
        };
        let w = AddedToken {
            normalized: false,
            single_word: true,
            ..AddedToken::new("cd", false)
        };
        let v = vocab(&[a, abc, w]);
        assert_eq!(
            v.find_matches("xabcd", &v.raw, false),
            vec![(None, 0, 1), (Some(11), 1, 4), (None, 4, 5)]
        );
        assert_eq!(
            v.find_matches("x cd", &v.raw, false),
            vec![(None, 0, 2), (Some(12), 2, 4)]
        );
        assert_eq!(v.find_matches("xcd", &v.raw, false), vec![(None, 0, 3)]);
    }
}
