//! The BERT WordPiece tokenizer: added tokens, normalizer, pre-tokenizer, model, post-processing.
//!
//! Mirrors the pipeline of tokenizers 0.23.3 tokenizer/mod.rs (`encode_single_sequence`, `post_process`) and
//! pre_tokenizers/bert.rs (split on whitespace, removed; isolate punctuation).

use super::added_vocabulary::{AddedToken, AddedVocabulary};
use super::encoding::{
    add_bert_specials, truncate_encodings, Encoding, Truncation, TruncationError,
};
use super::normalizer::{BertNormalizer, NChar};
use super::unicode::{class, PUNCT, SPACE};
use super::wordpiece::WordPiece;
use std::fmt;

/// What can go wrong building or using a tokenizer; the message names the file, line, field or argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// a vocabulary file that does not exist
    FileNotFound(String),
    /// a vocabulary or tokenizer.json that cannot be used
    Invalid(String),
    /// truncation that cannot be done
    Truncation(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::FileNotFound(m) | Error::Invalid(m) | Error::Truncation(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for Error {}

impl From<TruncationError> for Error {
    fn from(e: TruncationError) -> Error {
        Error::Truncation(match e {
            TruncationError::SecondSequenceNotProvided => {
                "truncation 'only_second' needs a second sequence, but none was given".into()
            }
            TruncationError::SequenceTooShort => {
                "the sequence to truncate is too short to respect max_length \
                 (tokenizers: 'Sequence to truncate too short to respect the provided max_length')"
                    .into()
            }
        })
    }
}

/// Read a BERT vocab.txt: line n is token n-1 (trailing whitespace removed, as WordPiece::read_file).
pub fn read_vocab_file(path: &str) -> Result<Vec<String>, Error> {
    let bytes = std::fs::read(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Error::FileNotFound(format!("vocabulary file {path}: not found"))
        } else {
            Error::Invalid(format!("vocabulary file {path}: {e}"))
        }
    })?;
    if bytes.is_empty() {
        return Err(Error::Invalid(format!("vocabulary file {path} is empty")));
    }
    let mut tokens = vec![];
    for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
        let line = std::str::from_utf8(line).map_err(|e| {
            Error::Invalid(format!(
                "vocabulary file {path}, line {}: not UTF-8 ({e})",
                i + 1
            ))
        })?;
        tokens.push(line.trim_end().to_string());
    }
    // the text after the last newline is a line only when not empty (BufRead::lines)
    if bytes.last() == Some(&b'\n') {
        tokens.pop();
    }
    Ok(tokens)
}

/// One sequence as input: a text, or words (pre-tokenized).
#[derive(Clone, Copy, Debug)]
pub enum Input<'a> {
    Text(&'a str),
    Words(&'a [&'a str]),
}

/// Per-call options of `encode`.
#[derive(Clone, Copy, Debug)]
pub struct EncodeOptions {
    pub add_special_tokens: bool,
    pub truncation: Option<Truncation>,
}

/// Model output of one sequence, before post-processing.
#[derive(Clone, Debug, Default)]
pub struct Sequence {
    pub ids: Vec<u32>,
    pub offsets: Vec<(u32, u32)>,
    pub words: Vec<u32>,
}

impl Sequence {
    pub fn clear(&mut self) {
        self.ids.clear();
        self.offsets.clear();
        self.words.clear();
    }
}

/// Reusable buffers for one thread.
#[derive(Default)]
pub struct Work {
    nbuf: Vec<NChar>,
    scratch: Vec<NChar>,
    word: Vec<u8>,
    byte_char: Vec<u32>,
    pieces: Vec<(u32, u32, u32)>,
}

/// The whole tokenizer.
#[derive(Clone, Debug)]
pub struct Tokenizer {
    pub normalizer: BertNormalizer,
    /// strip_accents as given (None: follows lowercase), kept for tokenizer.json
    pub strip_accents_option: Option<bool>,
    pub model: WordPiece,
    /// BertProcessing (cls, sep); None: no post-processor
    pub post: Option<((String, u32), (String, u32))>,
    pub added: AddedVocabulary,
}

impl Tokenizer {
    /// Build; cls and sep must be in the vocabulary.
    pub fn new(
        model: WordPiece,
        normalizer: BertNormalizer,
        strip_accents_option: Option<bool>,
        cls: &str,
        sep: &str,
    ) -> Result<Tokenizer, Error> {
        let get = |t: &str, what: &str| {
            model.vocab.get(t).copied().ok_or_else(|| {
                Error::Invalid(format!("the {what} token {t:?} is not in the vocabulary"))
            })
        };
        let post = Some((
            (cls.to_string(), get(cls, "cls")?),
            (sep.to_string(), get(sep, "sep")?),
        ));
        Ok(Tokenizer {
            normalizer,
            strip_accents_option,
            model,
            post,
            added: AddedVocabulary::default(),
        })
    }

    /// Normalized text of `s` (for normalized added-token patterns).
    pub fn normalize_str(&self, s: &str) -> String {
        let (mut a, mut b) = (vec![], vec![]);
        self.normalizer.normalize(s, 0, &mut a, &mut b);
        a.iter().map(|n| n.c).collect()
    }

    /// tokenizers' AddedVocabulary::add_tokens.
    pub fn add_tokens(&mut self, tokens: &[AddedToken]) -> usize {
        let model = &self.model;
        let normalizer = self.normalizer;
        let norm = move |s: &str| {
            let (mut a, mut b) = (vec![], vec![]);
            normalizer.normalize(s, 0, &mut a, &mut b);
            a.iter().map(|n| n.c).collect::<String>()
        };
        self.added.add_tokens(
            tokens,
            |t| model.vocab.get(t).copied(),
            model.len() as u32,
            norm,
        )
    }

    pub fn token_to_id(&self, token: &str) -> Option<u32> {
        self.added
            .token_to_id(token)
            .or_else(|| self.model.vocab.get(token).copied())
    }

    pub fn id_to_token(&self, id: u32) -> Option<&str> {
        if let Some(t) = self.added.get(id) {
            return Some(&t.content);
        }
        self.model
            .vocab_r
            .get(id as usize)
            .and_then(|t| t.as_deref())
    }

    /// tokenizers' get_vocab_size: the model's, plus added tokens whose id is beyond it.
    pub fn vocab_size(&self, with_added_tokens: bool) -> usize {
        let n = self.model.len();
        if !with_added_tokens {
            return n;
        }
        n + self
            .added
            .tokens()
            .iter()
            .filter(|(id, _)| *id as usize >= n)
            .count()
    }

    /// Encode one text (or word) into `out` (appended): tokens, char offsets from `base`, word indices.
    pub fn encode_text(
        &self,
        text: &str,
        word_override: Option<u32>,
        w: &mut Work,
        out: &mut Sequence,
    ) {
        let mut word_idx = 0u32;
        if self.added.raw.is_empty() {
            self.encode_piece(text, 0, word_override, &mut word_idx, w, out);
            return;
        }
        let (mut bpos, mut cpos) = (0usize, 0u32);
        for (id, s, e) in self.added.find_matches(text, &self.added.raw) {
            cpos += text[bpos..s].chars().count() as u32;
            let clen = text[s..e].chars().count() as u32;
            match id {
                Some(id) => {
                    out.ids.push(id);
                    out.offsets.push((cpos, cpos + clen));
                    out.words.push(word_override.unwrap_or(word_idx));
                    word_idx += 1;
                }
                None => self.encode_piece(&text[s..e], cpos, word_override, &mut word_idx, w, out),
            }
            cpos += clen;
            bpos = e;
        }
    }

    fn encode_piece(
        &self,
        piece: &str,
        base: u32,
        word_override: Option<u32>,
        word_idx: &mut u32,
        w: &mut Work,
        out: &mut Sequence,
    ) {
        let mut nbuf = std::mem::take(&mut w.nbuf);
        self.normalizer
            .normalize(piece, base, &mut nbuf, &mut w.scratch);
        if !nbuf.is_empty() {
            if self.added.normalized.is_empty() {
                self.pre_tokenize(&nbuf, word_override, word_idx, w, out);
            } else {
                let s: String = nbuf.iter().map(|n| n.c).collect();
                let mut char_at = Vec::with_capacity(s.len() + 1);
                for (ci, c) in s.chars().enumerate() {
                    char_at.extend(std::iter::repeat_n(ci as u32, c.len_utf8()));
                }
                char_at.push(nbuf.len() as u32);
                for (id, bs, be) in self.added.find_matches(&s, &self.added.normalized) {
                    let (cs, ce) = (char_at[bs] as usize, char_at[be] as usize);
                    match id {
                        Some(id) => {
                            out.ids.push(id);
                            out.offsets.push((nbuf[cs].start, nbuf[ce - 1].end));
                            out.words.push(word_override.unwrap_or(*word_idx));
                            *word_idx += 1;
                        }
                        None => self.pre_tokenize(&nbuf[cs..ce], word_override, word_idx, w, out),
                    }
                }
            }
        }
        w.nbuf = nbuf;
    }

    fn pre_tokenize(
        &self,
        nb: &[NChar],
        word_override: Option<u32>,
        word_idx: &mut u32,
        w: &mut Work,
        out: &mut Sequence,
    ) {
        let n = nb.len();
        let mut i = 0;
        while i < n {
            let f = class(nb[i].c);
            if f & SPACE != 0 {
                i += 1;
                continue;
            }
            let mut j = i + 1;
            if f & PUNCT == 0 {
                while j < n && class(nb[j].c) & (SPACE | PUNCT) == 0 {
                    j += 1;
                }
            }
            self.word_piece(&nb[i..j], word_override.unwrap_or(*word_idx), w, out);
            *word_idx += 1;
            i = j;
        }
    }

    #[inline]
    fn word_piece(&self, word: &[NChar], word_id: u32, w: &mut Work, out: &mut Sequence) {
        w.word.clear();
        let mut ascii = true;
        for n in word {
            if n.c.is_ascii() {
                w.word.push(n.c as u8);
            } else {
                ascii = false;
                let mut b = [0u8; 4];
                w.word.extend_from_slice(n.c.encode_utf8(&mut b).as_bytes());
            }
        }
        if !ascii {
            w.byte_char.clear();
            for (ci, n) in word.iter().enumerate() {
                w.byte_char
                    .extend(std::iter::repeat_n(ci as u32, n.c.len_utf8()));
            }
            w.byte_char.push(word.len() as u32);
        }
        w.pieces.clear();
        self.model.tokenize(&w.word, word.len(), &mut w.pieces);
        for &(id, bs, be) in &w.pieces {
            let (cs, ce) = if ascii {
                (bs as usize, be as usize)
            } else {
                (
                    w.byte_char[bs as usize] as usize,
                    w.byte_char[be as usize] as usize,
                )
            };
            out.ids.push(id);
            out.offsets.push((word[cs].start, word[ce - 1].end));
            out.words.push(word_id);
        }
    }

    /// The model output of one input (text or words).
    pub fn encode_sequence(&self, input: &Input, w: &mut Work, out: &mut Sequence) {
        out.clear();
        match input {
            Input::Text(t) => self.encode_text(t, None, w, out),
            Input::Words(words) => {
                for (i, t) in words.iter().enumerate() {
                    self.encode_text(t, Some(i as u32), w, out);
                }
            }
        }
    }

    /// Number of special tokens the template adds.
    pub fn num_special_tokens(&self, is_pair: bool) -> usize {
        match self.post {
            Some(_) => 2 + is_pair as usize,
            None => 0,
        }
    }

    /// tokenizers' `post_process` without padding: truncate, add the template, merge the pair.
    pub fn encode(
        &self,
        a: &Input,
        b: Option<&Input>,
        opts: &EncodeOptions,
        w: &mut Work,
    ) -> Result<Encoding, Error> {
        let mut seq = Sequence::default();
        self.encode_sequence(a, w, &mut seq);
        let mut ea = Encoding::from_sequence(seq.ids, seq.offsets, seq.words, 0);
        let mut eb = b.map(|b| {
            let mut seq = Sequence::default();
            self.encode_sequence(b, w, &mut seq);
            Encoding::from_sequence(seq.ids, seq.offsets, seq.words, 1)
        });
        if let Some(t) = opts.truncation {
            let n_added = if opts.add_special_tokens {
                self.num_special_tokens(eb.is_some())
            } else {
                0
            };
            let t = Truncation {
                max_length: t.max_length.saturating_sub(n_added),
                ..t
            };
            if t.max_length > 0 && t.stride >= t.max_length {
                return Err(Error::Truncation(format!(
                    "stride ({}) must be smaller than max_length minus the {} special tokens ({})",
                    t.stride, n_added, t.max_length
                )));
            }
            truncate_encodings(&mut ea, eb.as_mut(), &t)?;
        }
        if let (true, Some(((_, cls), (_, sep)))) = (opts.add_special_tokens, &self.post) {
            add_bert_specials(&mut ea, false, *cls, *sep);
            if let Some(eb) = eb.as_mut() {
                add_bert_specials(eb, true, *cls, *sep);
            }
        }
        if let Some(eb) = eb {
            ea.merge_with(eb);
        }
        Ok(ea)
    }
}
