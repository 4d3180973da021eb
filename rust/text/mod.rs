//! Text: the fast WordPiece tokenizer (normalizer, pre-tokenizer, model, post-processing) with offsets, and
//! the WordPiece vocabulary trainer (`trainer`, on the words of `words`).
//!
//! Parity target: Hugging Face `tokenizers` 0.23.3 (BertNormalizer + BertPreTokenizer + WordPiece +
//! BertProcessing + AddedVocabulary), ids and offsets, offsets in character positions of the input.

pub mod added_vocabulary;
pub mod batch;
pub mod encoding;
pub mod json;
pub mod normalizer;
pub mod tokenizer;
pub mod trainer;
pub mod unicode;
pub mod wordpiece;
pub mod words;

pub use added_vocabulary::AddedToken;
pub use encoding::{Encoding, Padding, Side, Truncation, TruncationStrategy};
pub use normalizer::BertNormalizer;
pub use tokenizer::{EncodeOptions, Error, Input, Tokenizer};
pub use wordpiece::WordPiece;
