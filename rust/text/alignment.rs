//! Alignment queries of an encoded row: which token holds a char, which tokens and chars make a word, which
//! word and sequence a token belongs to. Mirrors tokenizers 0.23.3 tokenizer/encoding.rs (`char_to_token`,
//! `word_to_tokens`, ...) as transformers' `BatchEncoding` exposes them: chars are positions in the sequence
//! (`seq`: 0 the first, 1 the pair), special tokens and padding belong to no word and no sequence.

use super::encoding::{Encoding, NO_SEQ, NO_WORD};

fn opt_u32(x: u32) -> Option<u32> {
    (x != NO_WORD).then_some(x)
}

impl Encoding {
    fn seq_tokens(&self, seq: u8) -> impl Iterator<Item = usize> + '_ {
        (0..self.len()).filter(move |&t| self.sequence_ids[t] == seq)
    }

    /// The word index of every token (None: a special token or padding).
    pub fn word_ids(&self) -> impl Iterator<Item = Option<u32>> + '_ {
        self.words.iter().map(|&w| opt_u32(w))
    }

    /// The sequence of every token (None: a special token or padding).
    pub fn sequence_indices(&self) -> impl Iterator<Item = Option<u8>> + '_ {
        self.sequence_ids
            .iter()
            .map(|&s| (s != NO_SEQ).then_some(s))
    }

    /// The token whose chars hold char `c` of sequence `seq`.
    pub fn char_to_token(&self, c: u32, seq: u8) -> Option<usize> {
        self.seq_tokens(seq)
            .find(|&t| self.offsets[t].0 <= c && c < self.offsets[t].1)
    }

    /// The word of the token holding char `c` of sequence `seq`.
    pub fn char_to_word(&self, c: u32, seq: u8) -> Option<u32> {
        self.char_to_token(c, seq)
            .and_then(|t| opt_u32(self.words[t]))
    }

    /// The char span of token `token` in its sequence (None for a special token or padding).
    pub fn token_to_chars(&self, token: usize) -> Option<(u32, u32)> {
        (token < self.len() && self.sequence_ids[token] != NO_SEQ).then(|| self.offsets[token])
    }

    /// The word of token `token`.
    pub fn token_to_word(&self, token: usize) -> Option<u32> {
        if token < self.len() && self.sequence_ids[token] != NO_SEQ {
            opt_u32(self.words[token])
        } else {
            None
        }
    }

    /// The sequence of token `token`.
    pub fn token_to_sequence(&self, token: usize) -> Option<u8> {
        self.sequence_ids
            .get(token)
            .copied()
            .filter(|&s| s != NO_SEQ)
    }

    /// The tokens `start..end` of word `word` in sequence `seq`.
    pub fn word_to_tokens(&self, word: u32, seq: u8) -> Option<(usize, usize)> {
        let mut span: Option<(usize, usize)> = None;
        for t in self.seq_tokens(seq) {
            if self.words[t] == word {
                span = Some(span.map_or((t, t + 1), |(s, _)| (s, t + 1)));
            }
        }
        span
    }

    /// The char span of word `word` in sequence `seq`.
    pub fn word_to_chars(&self, word: u32, seq: u8) -> Option<(u32, u32)> {
        self.word_to_tokens(word, seq)
            .map(|(s, t)| (self.offsets[s].0, self.offsets[t - 1].1))
    }
}
