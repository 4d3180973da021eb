//! Binding of the WordPiece tokenizer (rust/text): the `WordPieceTokenizer` class. Arguments are converted in
//! `convert`, the GIL is released once per batch, and the batch comes back as an `Encodings` (`encodings`),
//! whose lists are built in `lists`; errors reach Python through `errors`.

use super::arrays::{recycled, recycled_vector};
use super::convert::{
    as_pystr, borrow_field, borrow_str, extract_field, items, type_name, Borrowed,
};
use super::convert::{flat_options, padding_options, threads, truncation_options};
use super::encodings::{Encodings, Store};
use super::errors::guarded;
use super::files::extract_lines;
use super::lists::IntCache;
use crate::memory;
use crate::text::batch::{self, Pair};
use crate::text::{json, lines, AddedToken, BertOptions, EncodeOptions, Error, Tokenizer};
use numpy::ndarray::Ix2;
use numpy::PyArray1;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::sync::{Arc, OnceLock};

/// BERT WordPiece tokenizer with `tokenizers` 0.23.3 semantics (see _native.pyi).
#[pyclass(module = "ferroformers._native")]
pub struct WordPieceTokenizer {
    inner: Arc<Tokenizer>,
    /// ints for the ids of the vocabulary, made when the first batch is encoded (see `IntCache`)
    ints: OnceLock<Arc<IntCache>>,
}

impl WordPieceTokenizer {
    fn wrap(t: Tokenizer) -> Self {
        WordPieceTokenizer {
            inner: Arc::new(t),
            ints: OnceLock::new(),
        }
    }

    fn ints(&self, py: Python<'_>) -> Arc<IntCache> {
        self.ints
            .get_or_init(|| Arc::new(IntCache::new(py, self.inner.vocab_size(true))))
            .clone()
    }
}

#[pymethods]
impl WordPieceTokenizer {
    #[new]
    #[pyo3(signature = (vocab, *, unk_token="[UNK]", continuing_subword_prefix="##", max_input_chars_per_word=100,
        clean_text=true, handle_chinese_chars=true, strip_accents=None, lowercase=true, cls_token="[CLS]",
        sep_token="[SEP]"))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        vocab: &Bound<'_, PyAny>,
        unk_token: &str,
        continuing_subword_prefix: &str,
        max_input_chars_per_word: usize,
        clean_text: bool,
        handle_chinese_chars: bool,
        strip_accents: Option<bool>,
        lowercase: bool,
        cls_token: &str,
        sep_token: &str,
    ) -> PyResult<Self> {
        let mut tokens = vec![];
        for (i, x) in items(vocab, "vocab")?.into_iter().enumerate() {
            let s = as_pystr(x, &|| format!("vocab[{i}]"))?;
            tokens.push(borrow_str(&s, &|| format!("vocab[{i}]"))?.to_string());
        }
        let options = BertOptions {
            unk_token,
            continuing_subword_prefix,
            max_input_chars_per_word,
            clean_text,
            handle_chinese_chars,
            strip_accents,
            lowercase,
            cls_token,
            sep_token,
        };
        let t = Tokenizer::from_vocab(tokens, &options)?;
        Ok(WordPieceTokenizer::wrap(t))
    }

    #[staticmethod]
    #[pyo3(signature = (path, *, unk_token="[UNK]", continuing_subword_prefix="##", max_input_chars_per_word=100,
        clean_text=true, handle_chinese_chars=true, strip_accents=None, lowercase=true, cls_token="[CLS]",
        sep_token="[SEP]"))]
    #[allow(clippy::too_many_arguments)]
    fn from_vocab_file(
        py: Python<'_>,
        path: std::path::PathBuf,
        unk_token: &str,
        continuing_subword_prefix: &str,
        max_input_chars_per_word: usize,
        clean_text: bool,
        handle_chinese_chars: bool,
        strip_accents: Option<bool>,
        lowercase: bool,
        cls_token: &str,
        sep_token: &str,
    ) -> PyResult<Self> {
        let path = path.to_string_lossy().to_string();
        let options = BertOptions {
            unk_token,
            continuing_subword_prefix,
            max_input_chars_per_word,
            clean_text,
            handle_chinese_chars,
            strip_accents,
            lowercase,
            cls_token,
            sep_token,
        };
        let t = py.detach(|| guarded(|| Tokenizer::from_vocab_file(&path, &options)))??;
        Ok(WordPieceTokenizer::wrap(t))
    }

    #[staticmethod]
    fn from_tokenizer_json(py: Python<'_>, data: &str) -> PyResult<Self> {
        let t = py.detach(|| guarded(|| json::from_json(data)))??;
        Ok(WordPieceTokenizer::wrap(t))
    }

    fn to_tokenizer_json(&self) -> String {
        json::to_json(&self.inner)
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, (String,))> {
        let f = slf.get_type().getattr("from_tokenizer_json")?;
        Ok((f, (json::to_json(&slf.borrow().inner),)))
    }

    fn add_tokens(&mut self, tokens: &Bound<'_, PyAny>) -> PyResult<usize> {
        let mut parsed = vec![];
        for (i, x) in items(tokens, "tokens")?.into_iter().enumerate() {
            let (content, single_word, lstrip, rstrip, normalized, special): (String, bool, bool, bool, bool, bool) =
                x.extract().map_err(|_| {
                    PyTypeError::new_err(format!(
                        "tokens[{i}] must be a tuple (content: str, single_word, lstrip, rstrip, normalized, special: \
                         bool), not {}",
                        type_name(&x)
                    ))
                })?;
            if content.is_empty() {
                return Err(Error::EmptyAddedToken { index: i }.into());
            }
            parsed.push(AddedToken {
                content,
                single_word,
                lstrip,
                rstrip,
                normalized,
                special,
            });
        }
        let added = Arc::make_mut(&mut self.inner).add_tokens(&parsed);
        // the new ids get ints when the next batch is encoded
        self.ints = OnceLock::new();
        Ok(added)
    }

    fn token_to_id(&self, token: &str) -> Option<u32> {
        self.inner.token_to_id(token)
    }

    fn id_to_token(&self, id: i64) -> Option<String> {
        u32::try_from(id)
            .ok()
            .and_then(|id| self.inner.id_to_token(id))
            .map(str::to_string)
    }

    #[pyo3(signature = (with_added_tokens=true))]
    fn get_vocab<'py>(
        &self,
        py: Python<'py>,
        with_added_tokens: bool,
    ) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for (t, &i) in &self.inner.model.vocab {
            d.set_item(t, i)?;
        }
        if with_added_tokens {
            for (i, a) in self.inner.added.tokens() {
                d.set_item(&a.content, i)?;
            }
        }
        Ok(d)
    }

    #[pyo3(signature = (with_added_tokens=true))]
    fn get_vocab_size(&self, with_added_tokens: bool) -> usize {
        self.inner.vocab_size(with_added_tokens)
    }

    #[allow(clippy::type_complexity)]
    fn get_added_tokens(&self) -> Vec<(u32, String, bool, bool, bool, bool, bool)> {
        self.inner
            .added
            .tokens()
            .into_iter()
            .map(|(i, a)| {
                (
                    i,
                    a.content.clone(),
                    a.single_word,
                    a.lstrip,
                    a.rstrip,
                    a.normalized,
                    a.special,
                )
            })
            .collect()
    }

    #[getter]
    fn lowercase(&self) -> bool {
        self.inner.normalizer.lowercase
    }
    #[getter]
    fn strip_accents(&self) -> Option<bool> {
        self.inner.strip_accents_option
    }
    #[getter]
    fn handle_chinese_chars(&self) -> bool {
        self.inner.normalizer.handle_chinese_chars
    }
    #[getter]
    fn clean_text(&self) -> bool {
        self.inner.normalizer.clean_text
    }
    #[getter]
    fn unk_token(&self) -> String {
        self.inner.model.unk_token.clone()
    }
    #[getter]
    fn cls_token(&self) -> Option<String> {
        self.inner.post.as_ref().map(|p| p.0 .0.clone())
    }
    #[getter]
    fn sep_token(&self) -> Option<String> {
        self.inner.post.as_ref().map(|p| p.1 .0.clone())
    }
    #[getter]
    fn continuing_subword_prefix(&self) -> String {
        self.inner.model.continuing_subword_prefix.clone()
    }
    #[getter]
    fn max_input_chars_per_word(&self) -> usize {
        self.inner.model.max_input_chars_per_word
    }

    #[pyo3(signature = (inputs, pairs=None, *, is_pretokenized=false, add_special_tokens=true, max_length=None,
        truncation=None, stride=0, truncation_side="right", return_overflowing_tokens=false, padding=None,
        pad_to_multiple_of=None, padding_side="right", pad_id=0, pad_type_id=0, pad_token="[PAD]",
        encode_special_tokens=false, num_threads=None))]
    #[allow(clippy::too_many_arguments)]
    fn encode_batch(
        &self,
        py: Python<'_>,
        inputs: &Bound<'_, PyAny>,
        pairs: Option<&Bound<'_, PyAny>>,
        is_pretokenized: bool,
        add_special_tokens: bool,
        max_length: Option<usize>,
        truncation: Option<&str>,
        stride: usize,
        truncation_side: &str,
        return_overflowing_tokens: bool,
        padding: Option<&str>,
        pad_to_multiple_of: Option<usize>,
        padding_side: &str,
        pad_id: u32,
        pad_type_id: u32,
        pad_token: &str,
        encode_special_tokens: bool,
        num_threads: Option<usize>,
    ) -> PyResult<Encodings> {
        let a_field = extract_field(inputs, "inputs", is_pretokenized)?;
        let b_field = pairs
            .map(|p| extract_field(p, "pairs", is_pretokenized))
            .transpose()?;
        let a = borrow_field(&a_field, "inputs")?;
        let b = b_field
            .as_ref()
            .map(|f| borrow_field(f, "pairs"))
            .transpose()?;
        if let Some(b) = &b {
            if b.len() != a.len() {
                return Err(Error::PairsLength {
                    pairs: b.len(),
                    inputs: a.len(),
                }
                .into());
            }
        }
        let trunc = truncation_options(truncation, max_length, stride, truncation_side)?;
        let pad = padding_options(
            padding,
            max_length,
            pad_to_multiple_of,
            padding_side,
            pad_id,
            pad_type_id,
        )?;
        let opts = EncodeOptions {
            add_special_tokens,
            truncation: trunc,
        };
        let threads = threads(num_threads)?;
        let tok = self.inner.clone();
        if let (Borrowed::Texts(texts), None, false, false) =
            (&a, &b, return_overflowing_tokens, encode_special_tokens)
        {
            let cols = py.detach(|| {
                guarded(|| batch::encode_columns(&tok, texts, &opts, pad.as_ref(), threads))
            })??;
            if let Some(cols) = cols {
                // the lists of a padded row are built item by item from its length: one past what any list
                // can hold is refused here, before anything is built
                if let Some((length, _)) = &cols.padding {
                    memory::bytes(*length, std::mem::size_of::<u32>()).map_err(|error| {
                        Error::Padding {
                            length: *length,
                            error,
                        }
                    })?;
                }
                return Ok(Encodings {
                    sample: (0..cols.len() as u32).collect(),
                    store: Store::Columns {
                        cols,
                        rows: OnceLock::new(),
                    },
                    tok,
                    ints: self.ints(py),
                    pad_token: pad_token.to_string(),
                });
            }
        }
        let rows_in: Vec<Pair> = (0..a.len())
            .map(|i| (a.input(i), b.as_ref().map(|b| b.input(i))))
            .collect();
        let (rows, sample) = py.detach(|| {
            guarded(|| {
                batch::encode_batch(
                    &tok,
                    &rows_in,
                    &opts,
                    pad.as_ref(),
                    return_overflowing_tokens,
                    encode_special_tokens,
                    threads,
                )
            })
        })??;
        Ok(Encodings {
            store: Store::Rows(rows),
            sample,
            tok,
            ints: self.ints(py),
            pad_token: pad_token.to_string(),
        })
    }

    #[pyo3(signature = (texts, *, add_special_tokens=true, max_length=None, truncation=false, with_offsets=false,
        num_threads=None))]
    #[allow(clippy::type_complexity, clippy::too_many_arguments)]
    fn encode_batch_flat<'py>(
        &self,
        py: Python<'py>,
        texts: &Bound<'py, PyAny>,
        add_special_tokens: bool,
        max_length: Option<usize>,
        truncation: bool,
        with_offsets: bool,
        num_threads: Option<usize>,
    ) -> PyResult<(
        Bound<'py, PyArray1<u32>>,
        Bound<'py, PyArray1<i64>>,
        Option<Bound<'py, PyAny>>,
    )> {
        let field = extract_field(texts, "texts", false)?;
        let Borrowed::Texts(strs) = borrow_field(&field, "texts")? else {
            return Err(PyTypeError::new_err("texts must be a list of str"));
        };
        let (max_length, threads) = flat_options(max_length, truncation, num_threads)?;
        let tok = self.inner.clone();
        let flat = py.detach(|| {
            guarded(|| {
                batch::encode_flat(
                    &tok,
                    &strs,
                    add_special_tokens,
                    max_length,
                    with_offsets,
                    threads,
                )
            })
        })?;
        let n = flat.ids.len();
        let ids = recycled_vector(py, flat.ids)?;
        let starts = recycled_vector(py, flat.starts)?;
        let offsets = if with_offsets {
            Some(recycled(py, flat.offsets, Ix2(n, 2))?.into_any())
        } else {
            None
        };
        Ok((ids, starts, offsets))
    }

    /// The documents of a UTF-8 buffer (`bytes` or a `LineChunk`), one per line, into flat arrays: the
    /// `ferroformers tokenize` path, which so never builds a Python str per document. Only "\n" separates
    /// documents; the buffer holds whole lines without the last "\n" (an empty buffer is one empty document).
    #[pyo3(signature = (data, *, add_special_tokens=true, max_length=None, truncation=false, num_threads=None))]
    #[allow(clippy::type_complexity)]
    fn encode_lines_flat<'py>(
        &self,
        py: Python<'py>,
        data: &Bound<'py, PyAny>,
        add_special_tokens: bool,
        max_length: Option<usize>,
        truncation: bool,
        num_threads: Option<usize>,
    ) -> PyResult<(Bound<'py, PyArray1<u32>>, Bound<'py, PyArray1<i64>>)> {
        let data = extract_lines(data)?;
        let (max_length, threads) = flat_options(max_length, truncation, num_threads)?;
        let tok = self.inner.clone();
        let flat = py.detach(|| {
            guarded(|| {
                let lines = lines::split_lines(data.as_slice())?;
                Ok::<_, Error>(batch::encode_flat(
                    &tok,
                    &lines,
                    add_special_tokens,
                    max_length,
                    false,
                    threads,
                ))
            })
        })??;
        Ok((
            recycled_vector(py, flat.ids)?,
            recycled_vector(py, flat.starts)?,
        ))
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<WordPieceTokenizer>()?;
    m.add_class::<Encodings>()?;
    Ok(())
}
