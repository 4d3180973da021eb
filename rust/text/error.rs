//! What can go wrong building or using the tokenizer, as data: one variant per kind of failure, each holding
//! what the message names (the file, line, field, argument or input index). `Display` writes the message;
//! the binding (rust/py/errors.rs) maps each variant to its Python exception.

use super::encoding::TruncationError;
use crate::memory::AllocError;
use std::fmt;

/// Which special token of the tokenizer a message is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenRole {
    Unknown,
    Cls,
    Sep,
}

impl fmt::Display for TokenRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TokenRole::Unknown => "unknown",
            TokenRole::Cls => "cls",
            TokenRole::Sep => "sep",
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// a vocabulary file that does not exist
    VocabNotFound { path: String },
    /// a vocabulary file the OS would not read
    VocabUnreadable {
        path: String,
        kind: std::io::ErrorKind,
    },
    /// a vocabulary file of zero bytes
    VocabFileEmpty { path: String },
    /// a vocabulary file line that is not UTF-8 (`line` counts from 1)
    VocabNotUtf8 { path: String, line: usize },
    /// a vocabulary file whose tokens cannot make a tokenizer
    InVocabFile { path: String, source: Box<Error> },
    /// a vocabulary of no tokens
    EmptyVocabulary,
    /// the unknown, cls or sep token is not in the vocabulary
    TokenNotInVocabulary { role: TokenRole, token: String },
    /// a tokenizer.json that is not JSON (serde_json's reason, at line:column)
    InvalidJson {
        line: usize,
        column: usize,
        reason: String,
    },
    /// a tokenizer.json whose top level is not an object
    JsonNotObject,
    /// a tokenizer.json field that is missing or of the wrong kind; `problem` says what it must be
    JsonField {
        field: String,
        problem: &'static str,
    },
    /// a tokenizer.json component of a kind this tokenizer does not implement
    JsonUnsupported {
        field: &'static str,
        found: String,
        supported: &'static str,
    },
    /// an added token whose content is empty (`index` in the list given)
    EmptyAddedToken { index: usize },
    /// a text holding a lone surrogate (Python str only); `at`: its character position when known
    LoneSurrogate { argument: String, at: Option<usize> },
    /// a buffer of documents that is not UTF-8 (`at`: the first bad byte)
    InvalidUtf8 { at: usize },
    /// `pairs` and `inputs` of different lengths
    PairsLength { pairs: usize, inputs: usize },
    /// a string option that is none of its values; `expected` lists them
    BadOption {
        argument: &'static str,
        value: String,
        expected: &'static str,
    },
    /// an option that needs max_length, given without it
    NeedsMaxLength { option: &'static str },
    /// a length past `sys.maxsize` (no Python sequence is that long)
    LengthTooLarge {
        argument: &'static str,
        value: usize,
    },
    /// a field of an encoding that does not exist
    UnknownField { field: String },
    /// rows of different lengths asked for as one 2-D array
    RaggedBatch {
        first: usize,
        index: usize,
        len: usize,
    },
    /// more threads than a call may ask for
    ThreadCount { value: usize, max: usize },
    /// truncation that cannot be done
    Truncation(TruncationError),
    /// tokenizers' `enable_truncation` check: the stride must leave room in max_length minus the specials
    StrideTooLarge {
        stride: usize,
        max_length: usize,
        specials: usize,
    },
    /// an error of one input of a batch
    AtInput { index: usize, source: Box<Error> },
    /// padding every row to `length` tokens needs more memory than there is
    Padding { length: usize, error: AllocError },
    /// a `rows x columns` array of a batch that cannot be had
    Array {
        rows: usize,
        columns: usize,
        error: AllocError,
    },
    /// a tokenizer.json vocabulary id whose table cannot be made
    VocabId { id: u32, error: AllocError },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::VocabNotFound { path } => write!(f, "vocabulary file {path}: not found"),
            Error::VocabUnreadable { path, kind } => write!(f, "vocabulary file {path}: {kind}"),
            Error::VocabFileEmpty { path } => write!(f, "vocabulary file {path} is empty"),
            Error::VocabNotUtf8 { path, line } => {
                write!(f, "vocabulary file {path}, line {line}: not UTF-8")
            }
            Error::InVocabFile { path, source } => write!(f, "vocabulary file {path}: {source}"),
            Error::EmptyVocabulary => f.write_str("the vocabulary is empty"),
            Error::TokenNotInVocabulary { role, token } => {
                write!(f, "the {role} token {token:?} is not in the vocabulary")
            }
            Error::InvalidJson {
                line,
                column,
                reason,
            } => write!(
                f,
                "tokenizer.json is not valid JSON: {reason} at line {line} column {column}"
            ),
            Error::JsonNotObject => f.write_str("tokenizer.json must be a JSON object"),
            Error::JsonField { field, problem } => {
                write!(f, "tokenizer.json: field `{field}` {problem}")
            }
            Error::JsonUnsupported {
                field,
                found,
                supported,
            } => write!(
                f,
                "tokenizer.json: field `{field}` is {found:?}; only {supported}"
            ),
            Error::EmptyAddedToken { index } => write!(f, "tokens[{index}]: the content is empty"),
            Error::LoneSurrogate { argument, at } => {
                write!(f, "{argument} contains a lone surrogate")?;
                if let Some(at) = at {
                    write!(f, " at character {at}")?;
                }
                f.write_str(
                    ": it is not valid Unicode text (encode it with errors='surrogatepass' or fix the \
                     decoding that produced it)",
                )
            }
            Error::InvalidUtf8 { at } => write!(f, "invalid UTF-8 at byte {at} of the buffer"),
            Error::PairsLength { pairs, inputs } => write!(
                f,
                "pairs has {pairs} items but inputs has {inputs}: they must have the same length"
            ),
            Error::BadOption {
                argument,
                value,
                expected,
            } => write!(f, "{argument} must be {expected}, not {value:?}"),
            Error::NeedsMaxLength { option } => write!(f, "{option} needs max_length (got None)"),
            Error::LengthTooLarge { argument, value } => write!(
                f,
                "{argument}={value} is larger than any sequence can be (at most sys.maxsize, {})",
                isize::MAX
            ),
            Error::UnknownField { field } => write!(
                f,
                "unknown field {field:?}: use 'ids', 'type_ids', 'attention_mask', 'special_tokens_mask' or \
                 'offsets'"
            ),
            Error::RaggedBatch { first, index, len } => write!(
                f,
                "cannot make a 2-D array: row 0 has {first} tokens but row {index} has {len} (pad the batch \
                 first)"
            ),
            Error::ThreadCount { value, max } => {
                write!(f, "num_threads={value}: at most {max} threads")
            }
            Error::Truncation(e) => match e {
                TruncationError::SecondSequenceNotProvided => f.write_str(
                    "truncation 'only_second' needs a second sequence, but none was given",
                ),
                TruncationError::SequenceTooShort => f.write_str(
                    "the sequence to truncate is too short to respect max_length \
                     (tokenizers: 'Sequence to truncate too short to respect the provided max_length')",
                ),
                TruncationError::StrideTooLarge { stride, max_len } => write!(
                    f,
                    "stride ({stride}) must be smaller than the length left after the special tokens \
                     ({max_len})"
                ),
            },
            Error::StrideTooLarge {
                stride,
                max_length,
                specials,
            } => write!(
                f,
                "stride ({stride}) is greater than max_length ({max_length}) minus the {specials} special \
                 tokens"
            ),
            Error::AtInput { index, source } => write!(f, "input {index}: {source}"),
            Error::Padding { length, error } => {
                write!(f, "padding the rows to {length} tokens (max_length, pad_to_multiple_of): {error}")
            }
            Error::Array {
                rows,
                columns,
                error,
            } => write!(f, "a {rows} x {columns} array of the batch: {error}"),
            Error::VocabId { id, error } => write!(
                f,
                "tokenizer.json: field `model.vocab` has the id {id}, whose table is too large: {error}"
            ),
        }
    }
}

impl std::error::Error for Error {}

impl From<TruncationError> for Error {
    fn from(e: TruncationError) -> Error {
        Error::Truncation(e)
    }
}

impl Error {
    /// The allocation failure behind this error, if that is what it is (also inside `AtInput`/`InVocabFile`).
    pub fn alloc_error(&self) -> Option<AllocError> {
        match self {
            Error::Padding { error, .. }
            | Error::Array { error, .. }
            | Error::VocabId { error, .. } => Some(*error),
            Error::AtInput { source, .. } | Error::InVocabFile { source, .. } => {
                source.alloc_error()
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::batch::{encode_batch, encode_columns, Pair};
    use crate::text::encoding::{Padding, Side};
    use crate::text::{BertOptions, EncodeOptions, Input, Tokenizer, WordPiece};
    use std::collections::HashMap;

    fn tokenizer() -> Tokenizer {
        let vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "hi", "there"];
        Tokenizer::from_vocab(
            vocab.iter().map(|s| s.to_string()).collect(),
            &BertOptions::default(),
        )
        .unwrap()
    }

    fn padding(length: Option<usize>, pad_to_multiple_of: Option<usize>) -> Padding {
        Padding {
            length,
            pad_to_multiple_of,
            side: Side::Right,
            pad_id: 0,
            pad_type_id: 0,
        }
    }

    /// Padding lengths from the user: too large for memory is `OutOfMemory`, past any buffer `TooLarge`
    /// (a rounding up to `pad_to_multiple_of` saturates instead of wrapping to a small length).
    #[test]
    fn hostile_padding_lengths_are_errors() {
        let tok = tokenizer();
        let opts = EncodeOptions {
            add_special_tokens: true,
            truncation: None,
        };
        let rows: Vec<Pair> = vec![(Input::Text("hi"), Some(Input::Text("there")))];
        let cases = [
            (
                padding(Some(1 << 40), None),
                AllocError::OutOfMemory { bytes: 1 << 42 },
            ),
            (
                padding(Some(usize::MAX), None),
                AllocError::TooLarge {
                    count: usize::MAX as u128,
                    size: 4,
                },
            ),
            (
                padding(None, Some(usize::MAX - 1)),
                AllocError::TooLarge {
                    count: usize::MAX as u128,
                    size: 4,
                },
            ),
        ];
        for (p, expected) in cases {
            let same = |e: &Error| {
                e.alloc_error().is_some_and(|a| {
                    std::mem::discriminant(&a) == std::mem::discriminant(&expected)
                })
            };
            let e = encode_batch(&tok, &rows, &opts, Some(&p), false, false, 1).unwrap_err();
            assert!(same(&e), "{e}");
            // a batch held as columns is padded when a row is asked for
            let cols = encode_columns(&tok, &["hi"], &opts, Some(&p), 1)
                .unwrap()
                .unwrap();
            let e = cols.encoding(&tok, cols.row(0)).unwrap_err();
            assert!(same(&e), "{e}");
        }
        let e = encode_batch(
            &tok,
            &rows,
            &opts,
            Some(&padding(Some(1 << 40), None)),
            false,
            false,
            1,
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "padding the rows to 1099511627776 tokens (max_length, pad_to_multiple_of): 4.4 TB do not fit \
             in this machine's memory"
        );
    }

    /// A tokenizer.json id sizes the id -> token table: one near 2**32 is an error, not a 100 GB allocation.
    #[test]
    fn a_huge_vocabulary_id_is_an_error() {
        let vocab: HashMap<String, u32> =
            [("[UNK]".to_string(), 0), ("far".to_string(), u32::MAX - 1)]
                .into_iter()
                .collect();
        let e = WordPiece::from_map(vocab, "[UNK]", "##", 100).unwrap_err();
        assert!(
            matches!(e, Error::VocabId { id, error: AllocError::OutOfMemory { .. } } if id == u32::MAX - 1),
            "{e}"
        );
    }
}
