//! Text: the fast WordPiece tokenizer (normalizer, pre-tokenizer, model, post-processing) with offsets, and
//! the WordPiece vocabulary trainer (`trainer`, on the words of `words`).
//!
//! Parity target: Hugging Face `tokenizers` 0.23.3 (BertNormalizer + BertPreTokenizer + WordPiece +
//! BertProcessing + AddedVocabulary), ids and offsets, offsets in character positions of the input.

pub mod added_vocabulary;
pub mod alignment;
pub mod batch;
mod double_array;
pub mod encoding;
pub mod error;
pub mod json;
pub mod lines;
pub mod normalizer;
pub mod pool;
pub mod scan;
pub mod tokenizer;
pub mod trainer;
pub mod unicode;
pub mod word_cache;
pub mod wordpiece;
pub mod words;

pub use added_vocabulary::AddedToken;
pub use encoding::{Encoding, Padding, Side, Truncation, TruncationStrategy};
pub use error::{Error, TokenRole};
pub use normalizer::BertNormalizer;
pub use tokenizer::{BertOptions, EncodeOptions, Input, Tokenizer};
pub use wordpiece::WordPiece;
