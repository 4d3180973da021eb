//! The BERT WordPiece tokenizer: added tokens, normalizer, pre-tokenizer, model, post-processing.
//!
//! Mirrors the pipeline of tokenizers 0.23.3 tokenizer/mod.rs (`encode_single_sequence`, `post_process`) and
//! pre_tokenizers/bert.rs (split on whitespace, removed; isolate punctuation).

//!
//! This file holds the tokenizer and what surrounds the model (vocabulary, truncation, template); `paths`
//! holds the paths a text takes through normalizer, pre-tokenizer and WordPiece (ASCII, fused, general), `runs`
//! the run cache in front of them.

mod paths;
mod runs;
#[cfg(test)]
mod tests;

#[cfg(any(test, fuzzing))]
pub use paths::Path;

use super::added_vocabulary::{AddedToken, AddedVocabulary, Split};
use super::encoding::{
    add_bert_specials, truncate_encodings, Encoding, Truncation, NO_SEQ, NO_WORD,
};
pub use super::error::{Error, TokenRole};
use super::normalizer::{BertNormalizer, NChar};
use super::pool::{Lent, Pool};
use super::word_cache::{CachedToken, WordCache};
use super::wordpiece::WordPiece;

/// Read a BERT vocab.txt: line n is token n-1 (trailing whitespace removed, as WordPiece::read_file).
pub fn read_vocab_file(path: &str) -> Result<Vec<String>, Error> {
    let bytes = std::fs::read(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Error::VocabNotFound { path: path.into() }
        } else {
            Error::VocabUnreadable {
                path: path.into(),
                kind: e.kind(),
            }
        }
    })?;
    if bytes.is_empty() {
        return Err(Error::VocabFileEmpty { path: path.into() });
    }
    let mut tokens = vec![];
    for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
        let line = std::str::from_utf8(line).map_err(|_| Error::VocabNotUtf8 {
            path: path.into(),
            line: i + 1,
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
    /// the fast path may leave offsets (words) out: the caller does not keep them (the flat encoders)
    pub skip_offsets: bool,
    pub skip_words: bool,
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
    seq_a: Sequence,
    seq_b: Sequence,
    /// what runs of text tokenized to (see `runs::cached_piece`)
    cache: Option<WordCache>,
    /// the text being cut into runs, zero-padded
    pad: Vec<u8>,
    /// a run's tokens on their way into the cache
    cached: Vec<CachedToken>,
    /// a text's added-token splits (`encode_text`)
    splits: Vec<Split>,
    /// the runs `cached_piece` found and has not tokenized yet, and `split_run`'s lookahead ring, kept between
    /// texts
    found: Option<Box<runs::Found>>,
    ahead: Option<Box<runs::Ahead>>,
    /// tokenizers' `encode_special_tokens`: special added tokens are tokenized as plain text
    pub encode_special_tokens: bool,
    /// tests and fuzzing: send every piece down one path instead of the fastest that applies
    #[cfg(any(test, fuzzing))]
    pub force_path: Option<Path>,
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
    /// scratch (and run caches) of finished tasks; cleared by every `&mut self` method
    pub pool: Pool<Work>,
}

/// The options of a BERT WordPiece tokenizer built from a vocabulary, with the defaults of tokenizers'
/// `BertWordPieceTokenizer` (tokenizers 0.23.3 implementations/bert_wordpiece.py) and of transformers'
/// `BertTokenizerFast`.
#[derive(Clone, Copy, Debug)]
pub struct BertOptions<'a> {
    pub unk_token: &'a str,
    pub continuing_subword_prefix: &'a str,
    pub max_input_chars_per_word: usize,
    pub clean_text: bool,
    pub handle_chinese_chars: bool,
    /// None: follows `lowercase` (BertNormalizer's rule)
    pub strip_accents: Option<bool>,
    pub lowercase: bool,
    pub cls_token: &'a str,
    pub sep_token: &'a str,
}

impl Default for BertOptions<'_> {
    fn default() -> Self {
        BertOptions {
            unk_token: "[UNK]",
            continuing_subword_prefix: "##",
            max_input_chars_per_word: 100,
            clean_text: true,
            handle_chinese_chars: true,
            strip_accents: None,
            lowercase: true,
            cls_token: "[CLS]",
            sep_token: "[SEP]",
        }
    }
}

impl Tokenizer {
    /// A BERT tokenizer from the tokens of a vocabulary in id order (vocab.txt): WordPiece, the BERT normalizer
    /// (strip_accents following lowercase unless given) and the `[CLS] A [SEP] B [SEP]` template.
    pub fn from_vocab(vocab: Vec<String>, o: &BertOptions) -> Result<Tokenizer, Error> {
        if vocab.is_empty() {
            return Err(Error::EmptyVocabulary);
        }
        let model = WordPiece::new(
            vocab,
            o.unk_token,
            o.continuing_subword_prefix,
            o.max_input_chars_per_word,
        )?;
        let normalizer = BertNormalizer {
            clean_text: o.clean_text,
            handle_chinese_chars: o.handle_chinese_chars,
            strip_accents: o.strip_accents.unwrap_or(o.lowercase),
            lowercase: o.lowercase,
        };
        Tokenizer::new(model, normalizer, o.strip_accents, o.cls_token, o.sep_token)
    }

    /// `from_vocab` on the tokens of a vocab.txt; every error names the file.
    pub fn from_vocab_file(path: &str, o: &BertOptions) -> Result<Tokenizer, Error> {
        let tokens = read_vocab_file(path)?;
        Tokenizer::from_vocab(tokens, o).map_err(|e| Error::InVocabFile {
            path: path.into(),
            source: Box::new(e),
        })
    }
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
        let get = |t: &str, role: TokenRole| {
            model
                .vocab
                .get(t)
                .copied()
                .ok_or_else(|| Error::TokenNotInVocabulary {
                    role,
                    token: t.into(),
                })
        };
        let post = Some((
            (cls.to_string(), get(cls, TokenRole::Cls)?),
            (sep.to_string(), get(sep, TokenRole::Sep)?),
        ));
        Ok(Tokenizer {
            normalizer,
            strip_accents_option,
            model,
            post,
            added: AddedVocabulary::default(),
            pool: Pool::new(64),
        })
    }

    /// Scratch for one task, from this tokenizer's pool (given back when dropped).
    pub fn work(&self) -> Lent<'_, Work> {
        self.pool.lend()
    }

    /// Normalized text of `s` (for normalized added-token patterns).
    pub fn normalize_str(&self, s: &str) -> String {
        let (mut a, mut b) = (vec![], vec![]);
        self.normalizer.normalize(s, 0, &mut a, &mut b);
        a.iter().map(|n| n.c).collect()
    }

    /// tokenizers' AddedVocabulary::add_tokens.
    pub fn add_tokens(&mut self, tokens: &[AddedToken]) -> usize {
        self.pool.clear();
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
        if let Some(t) = self.added.token_string(id) {
            return Some(t);
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

    /// `[CLS] A [SEP] (B [SEP])` (or A B without specials) without truncation, allocated once.
    pub(crate) fn assemble(
        &self,
        sa: &Sequence,
        sb: Option<&Sequence>,
        add_special_tokens: bool,
    ) -> Encoding {
        let specials = if add_special_tokens {
            self.post.as_ref().map(|((_, c), (_, s))| (*c, *s))
        } else {
            None
        };
        let n = sa.ids.len()
            + sb.map_or(0, |s| s.ids.len())
            + if specials.is_some() {
                2 + sb.is_some() as usize
            } else {
                0
            };
        let mut e = Encoding {
            ids: Vec::with_capacity(n),
            type_ids: Vec::with_capacity(n),
            offsets: Vec::with_capacity(n),
            special_tokens_mask: Vec::with_capacity(n),
            attention_mask: vec![1; n],
            words: Vec::with_capacity(n),
            sequence_ids: Vec::with_capacity(n),
            overflowing: vec![],
        };
        let special = |e: &mut Encoding, id: u32, type_id: u32| {
            e.ids.push(id);
            e.type_ids.push(type_id);
            e.offsets.push((0, 0));
            e.special_tokens_mask.push(1);
            e.words.push(NO_WORD);
            e.sequence_ids.push(NO_SEQ);
        };
        let body = |e: &mut Encoding, s: &Sequence, seq: u8| {
            e.ids.extend_from_slice(&s.ids);
            e.type_ids
                .resize(e.type_ids.len() + s.ids.len(), seq as u32);
            e.offsets.extend_from_slice(&s.offsets);
            e.special_tokens_mask
                .resize(e.special_tokens_mask.len() + s.ids.len(), 0);
            e.words.extend_from_slice(&s.words);
            e.sequence_ids
                .resize(e.sequence_ids.len() + s.ids.len(), seq);
        };
        if let Some((cls, _)) = specials {
            special(&mut e, cls, 0);
        }
        body(&mut e, sa, 0);
        if let Some((_, sep)) = specials {
            special(&mut e, sep, 0);
        }
        if let Some(sb) = sb {
            body(&mut e, sb, 1);
            if let Some((_, sep)) = specials {
                special(&mut e, sep, 1);
            }
        }
        e
    }

    /// Number of special tokens the template adds.
    pub fn num_special_tokens(&self, is_pair: bool) -> usize {
        match self.post {
            Some(_) => 2 + is_pair as usize,
            None => 0,
        }
    }

    /// tokenizers' `enable_truncation` check: the stride must leave room in max_length minus the special tokens
    /// of a single sequence.
    pub fn check_truncation(&self, t: &Truncation) -> Result<(), Error> {
        let n = self.num_special_tokens(false);
        if t.max_length >= n && t.stride > t.max_length - n {
            return Err(Error::StrideTooLarge {
                stride: t.stride,
                max_length: t.max_length,
                specials: n,
            });
        }
        Ok(())
    }

    /// tokenizers' `post_process` without padding: truncate, add the template, merge the pair.
    pub fn encode(
        &self,
        a: &Input,
        b: Option<&Input>,
        opts: &EncodeOptions,
        w: &mut Work,
    ) -> Result<Encoding, Error> {
        let (mut sa, mut sb) = (std::mem::take(&mut w.seq_a), std::mem::take(&mut w.seq_b));
        self.encode_sequence(a, w, &mut sa);
        if let Some(b) = b {
            self.encode_sequence(b, w, &mut sb);
        }
        let result = self.post_process(&sa, b.map(|_| &sb), opts);
        (w.seq_a, w.seq_b) = (sa, sb);
        result
    }

    /// Truncation, template and pair merge of model outputs.
    fn post_process(
        &self,
        sa: &Sequence,
        sb: Option<&Sequence>,
        opts: &EncodeOptions,
    ) -> Result<Encoding, Error> {
        let n_added = if opts.add_special_tokens {
            self.num_special_tokens(sb.is_some())
        } else {
            0
        };
        let total = sa.ids.len() + sb.map_or(0, |s| s.ids.len()) + n_added;
        if opts
            .truncation
            .is_none_or(|t| total <= t.max_length || t.max_length < n_added)
        {
            // nothing to truncate: build the rows in one go (the common case)
            return Ok(self.assemble(sa, sb, opts.add_special_tokens));
        }
        let mut ea =
            Encoding::from_sequence(sa.ids.clone(), sa.offsets.clone(), sa.words.clone(), 0);
        let mut eb = sb
            .map(|s| Encoding::from_sequence(s.ids.clone(), s.offsets.clone(), s.words.clone(), 1));
        // tokenizers skips truncation when max_length cannot even hold the special tokens
        if let Some(t) = opts.truncation.filter(|t| t.max_length >= n_added) {
            let t = Truncation {
                max_length: t.max_length - n_added,
                ..t
            };
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
