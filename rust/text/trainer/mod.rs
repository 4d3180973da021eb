//! Training a WordPiece vocabulary: count the words of a corpus (normalized and pre-tokenized as the BERT
//! tokenizer does), then merge pieces BPE-style until the vocabulary is full.
//!
//! The algorithm family of tokenizers 0.23.3 `WordPieceTrainer` (models/wordpiece/trainer.rs, which wraps
//! models/bpe/trainer.rs `BpeTrainer::do_train`): special tokens first, then the alphabet (chars by frequency,
//! `limit_alphabet` of them, `initial_alphabet` always in), then `##c` for every char seen inside a word, then
//! the most frequent adjacent pair of pieces merged into a new token (`a` + `b` without its `##`) until
//! `vocab_size` tokens or no pair reaches `min_frequency`. Where tokenizers depends on hash-map iteration order
//! (ties), this trainer follows one order, documented in docs/training.md:
//! - alphabet: chars by count (descending), ties by code point (ascending); initial_alphabet chars first;
//! - ids: special tokens in the order given, the alphabet by code point, `##c` by code point, then merges in
//!   the order they are made;
//! - merges: the pair with the highest count, ties broken by the id of the left piece, then of the right piece
//!   (ascending), which is tokenizers' own `Merge` order.
//!
//! Counts are u64 everywhere, and every count is an exact sum, so the vocabulary is the same whatever the
//! thread count or the way the corpus was cut into chunks. Unlike tokenizers, a merge updates every word
//! holding the pair at once (tokenizers can leave words of a pair whose count rose for a later, lower-ranked
//! duplicate of the merge) and words longer than `max_input_chars_per_word` (which encode as the unknown token
//! whatever the vocabulary) count for the alphabet only.

mod counts;
mod merges;

pub use counts::WordCounts;

use std::fmt;

/// What can go wrong training a vocabulary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TrainError {
    /// The corpus holds no word at all.
    EmptyCorpus { documents: u64 },
    /// `vocab_size` is below the special tokens plus the alphabet (as word starts and with the prefix).
    VocabTooSmall {
        vocab_size: usize,
        special_tokens: usize,
        initial: usize,
        continuing: usize,
    },
    /// Invalid UTF-8 at this byte offset of a buffer of lines.
    InvalidUtf8 { byte: usize },
    /// A special token is the empty string.
    EmptySpecialToken { index: usize },
    /// More distinct words or pieces than 32-bit indices address.
    TooManyWords,
    /// The progress callback asked to stop.
    Interrupted,
}

impl fmt::Display for TrainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrainError::EmptyCorpus { documents } => write!(
                f,
                "the corpus has no words to train on ({documents} documents, all empty or whitespace)"
            ),
            TrainError::VocabTooSmall {
                vocab_size,
                special_tokens,
                initial,
                continuing,
            } => write!(
                f,
                "vocab_size {vocab_size} is smaller than the {special_tokens} special tokens plus the alphabet \
                 ({initial} characters, {continuing} of them also with the continuing-subword prefix): at \
                 least {} are needed; raise vocab_size or lower limit_alphabet",
                special_tokens + initial + continuing
            ),
            TrainError::InvalidUtf8 { byte } => write!(f, "invalid UTF-8 at byte {byte}"),
            TrainError::EmptySpecialToken { index } => {
                write!(f, "special token {index} is the empty string")
            }
            TrainError::TooManyWords => f.write_str(
                "the corpus has more distinct words or pieces than 2^32: train on a sample of it",
            ),
            TrainError::Interrupted => f.write_str("training was interrupted"),
        }
    }
}

impl std::error::Error for TrainError {}

/// Training settings (defaults: tokenizers' `BertWordPieceTokenizer.train`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrainerConfig {
    pub vocab_size: usize,
    /// a pair seen fewer times is never merged
    pub min_frequency: u64,
    /// keep at most this many chars (the most frequent); None: all
    pub limit_alphabet: Option<usize>,
    /// chars always in the alphabet, seen or not
    pub initial_alphabet: Vec<char>,
    /// first in the vocabulary, in this order (repeats are dropped)
    pub special_tokens: Vec<String>,
    pub continuing_subword_prefix: String,
}

impl Default for TrainerConfig {
    fn default() -> Self {
        TrainerConfig {
            vocab_size: 30000,
            min_frequency: 2,
            limit_alphabet: Some(1000),
            initial_alphabet: vec![],
            special_tokens: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
                .map(String::from)
                .to_vec(),
            continuing_subword_prefix: "##".into(),
        }
    }
}

/// Where training is, for a progress bar: `(tokens in the vocabulary, vocab_size)`.
pub type Progress<'a> = &'a mut dyn FnMut(usize, usize) -> bool;

/// A trained vocabulary and how it was made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trained {
    /// tokens in id order
    pub vocab: Vec<String>,
    pub special_tokens: usize,
    /// chars of the alphabet (as word starts)
    pub alphabet: usize,
    /// `##c` tokens
    pub continuing: usize,
    /// merges made (a merge that makes a token already in the vocabulary adds none)
    pub merges: usize,
    /// distinct words the merges ran on
    pub words: usize,
}

/// Train on `counts` (dropped once the words are turned into pieces, before the merges, which lowers the peak
/// memory). Large merge steps run on `threads` threads (the pool of parallel.rs). `progress` is called after
/// each new token; returning false stops with `Interrupted`.
pub fn train(
    counts: WordCounts,
    config: &TrainerConfig,
    threads: usize,
    progress: Progress,
) -> Result<Trained, TrainError> {
    if let Some(index) = config.special_tokens.iter().position(|t| t.is_empty()) {
        return Err(TrainError::EmptySpecialToken { index });
    }
    if counts.total() == 0 {
        return Err(TrainError::EmptyCorpus {
            documents: counts.documents(),
        });
    }
    let merger = merges::Merger::build(&counts, config, threads)?;
    drop(counts);
    merger.run(config, progress)
}

#[cfg(test)]
mod tests;
