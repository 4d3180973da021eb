//! Binding of the WordPiece tokenizer (rust/text): convert arguments, release the GIL once per batch,
//! build Python objects (or numpy arrays) after.

use crate::parallel;
use crate::text::batch::{self, Pair};
use crate::text::encoding::{Encoding, NO_SEQ, NO_WORD};
use crate::text::{
    json, tokenizer, AddedToken, BertNormalizer, EncodeOptions, Error, Input, Padding, Side,
    Tokenizer, Truncation, TruncationStrategy, WordPiece,
};
use numpy::{PyArray1, PyArrayMethods};
use pyo3::exceptions::{
    PyFileNotFoundError, PyIndexError, PyRuntimeError, PyTypeError, PyValueError,
};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyTuple};
use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

pyo3::create_exception!(
    ferroformers._native,
    TokenizerError,
    PyValueError,
    "A vocabulary, tokenizer.json or argument the native tokenizer cannot use."
);

fn to_py(e: Error) -> PyErr {
    match e {
        Error::FileNotFound(m) => PyFileNotFoundError::new_err(m),
        Error::Invalid(m) | Error::Truncation(m) => TokenizerError::new_err(m),
    }
}

/// Run core code, turning a panic (a bug) into a Python RuntimeError instead of a PanicException.
pub(super) fn guarded<T>(f: impl FnOnce() -> T) -> PyResult<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|e| {
        let msg = e
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| e.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        PyRuntimeError::new_err(format!(
            "internal error in the native tokenizer (please report): {msg}"
        ))
    })
}

fn type_name(x: &Bound<'_, PyAny>) -> String {
    x.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".into())
}

/// The items of a list/tuple/iterable, refusing a bare str (which would iterate characters).
fn items<'py>(obj: &Bound<'py, PyAny>, what: &str) -> PyResult<Vec<Bound<'py, PyAny>>> {
    if obj.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err(format!(
            "{what} must be a list of str, not a single str"
        )));
    }
    if let Ok(l) = obj.cast::<PyList>() {
        return Ok(l.iter().collect());
    }
    if let Ok(t) = obj.cast::<PyTuple>() {
        return Ok(t.iter().collect());
    }
    let it = obj.try_iter().map_err(|_| {
        PyTypeError::new_err(format!(
            "{what} must be a list of str, not {}",
            type_name(obj)
        ))
    })?;
    it.collect()
}

fn as_pystr<'py>(
    x: Bound<'py, PyAny>,
    what: &dyn Fn() -> String,
) -> PyResult<Bound<'py, PyString>> {
    match x.cast_into::<PyString>() {
        Ok(s) => Ok(s),
        Err(e) => {
            let obj = e.into_inner();
            Err(PyTypeError::new_err(format!(
                "{} must be str, not {}",
                what(),
                type_name(&obj)
            )))
        }
    }
}

fn borrow_str<'a>(s: &'a Bound<'_, PyString>, what: &dyn Fn() -> String) -> PyResult<&'a str> {
    s.to_str().map_err(|_| {
        let pos = s
            .to_string_lossy()
            .chars()
            .position(|c| c == '\u{fffd}')
            .map_or(String::new(), |p| format!(" at character {p}"));
        TokenizerError::new_err(format!(
            "{} contains a lone surrogate{pos}: it is not valid Unicode text (encode it with \
             errors='surrogatepass' or fix the decoding that produced it)",
            what()
        ))
    })
}

/// Python strings of one batch field: texts, or lists of words.
pub(super) enum Field<'py> {
    Texts(Vec<Bound<'py, PyString>>),
    Words(Vec<Vec<Bound<'py, PyString>>>),
}

pub(super) fn extract_field<'py>(
    obj: &Bound<'py, PyAny>,
    name: &str,
    pretokenized: bool,
) -> PyResult<Field<'py>> {
    let xs = items(obj, name)?;
    if pretokenized {
        let mut out = Vec::with_capacity(xs.len());
        for (i, x) in xs.iter().enumerate() {
            let words = items(
                x,
                &format!("{name}[{i}] (is_pretokenized=True: a list of words)"),
            )?;
            let mut ws = Vec::with_capacity(words.len());
            for (j, w) in words.into_iter().enumerate() {
                ws.push(as_pystr(w, &|| format!("{name}[{i}][{j}]"))?);
            }
            out.push(ws);
        }
        Ok(Field::Words(out))
    } else {
        let mut out = Vec::with_capacity(xs.len());
        for (i, x) in xs.into_iter().enumerate() {
            out.push(as_pystr(x, &|| format!("{name}[{i}]"))?);
        }
        Ok(Field::Texts(out))
    }
}

/// Borrowed text of a field: either texts or word lists.
pub(super) enum Borrowed<'a> {
    Texts(Vec<&'a str>),
    Words(Vec<Vec<&'a str>>),
}

pub(super) fn borrow_field<'a>(f: &'a Field<'_>, name: &str) -> PyResult<Borrowed<'a>> {
    Ok(match f {
        Field::Texts(v) => Borrowed::Texts(
            v.iter()
                .enumerate()
                .map(|(i, s)| borrow_str(s, &|| format!("{name}[{i}]")))
                .collect::<PyResult<_>>()?,
        ),
        Field::Words(v) => Borrowed::Words(
            v.iter()
                .enumerate()
                .map(|(i, ws)| {
                    ws.iter()
                        .enumerate()
                        .map(|(j, s)| borrow_str(s, &|| format!("{name}[{i}][{j}]")))
                        .collect::<PyResult<Vec<_>>>()
                })
                .collect::<PyResult<_>>()?,
        ),
    })
}

impl Borrowed<'_> {
    fn len(&self) -> usize {
        match self {
            Borrowed::Texts(v) => v.len(),
            Borrowed::Words(v) => v.len(),
        }
    }
    fn input(&self, i: usize) -> Input<'_> {
        match self {
            Borrowed::Texts(v) => Input::Text(v[i]),
            Borrowed::Words(v) => Input::Words(&v[i]),
        }
    }
}

fn side(s: &str, what: &str) -> PyResult<Side> {
    match s {
        "right" => Ok(Side::Right),
        "left" => Ok(Side::Left),
        _ => Err(TokenizerError::new_err(format!(
            "{what} must be 'right' or 'left', not {s:?}"
        ))),
    }
}

#[allow(clippy::too_many_arguments)]
fn build(
    vocab: Vec<String>,
    unk_token: &str,
    continuing_subword_prefix: &str,
    max_input_chars_per_word: usize,
    clean_text: bool,
    handle_chinese_chars: bool,
    strip_accents: Option<bool>,
    lowercase: bool,
    cls_token: &str,
    sep_token: &str,
) -> PyResult<Tokenizer> {
    if vocab.is_empty() {
        return Err(TokenizerError::new_err("the vocabulary is empty"));
    }
    let model = WordPiece::new(
        vocab,
        unk_token,
        continuing_subword_prefix,
        max_input_chars_per_word,
    )
    .map_err(TokenizerError::new_err)?;
    let normalizer = BertNormalizer {
        clean_text,
        handle_chinese_chars,
        strip_accents: strip_accents.unwrap_or(lowercase),
        lowercase,
    };
    Tokenizer::new(model, normalizer, strip_accents, cls_token, sep_token).map_err(to_py)
}

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
        let t = build(
            tokens,
            unk_token,
            continuing_subword_prefix,
            max_input_chars_per_word,
            clean_text,
            handle_chinese_chars,
            strip_accents,
            lowercase,
            cls_token,
            sep_token,
        )?;
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
        let p = path.to_string_lossy().to_string();
        let tokens = py
            .detach(|| guarded(|| tokenizer::read_vocab_file(&p)))?
            .map_err(to_py)?;
        let t = build(
            tokens,
            unk_token,
            continuing_subword_prefix,
            max_input_chars_per_word,
            clean_text,
            handle_chinese_chars,
            strip_accents,
            lowercase,
            cls_token,
            sep_token,
        )
        .map_err(|e| TokenizerError::new_err(format!("vocabulary file {p}: {e}")))?;
        Ok(WordPieceTokenizer::wrap(t))
    }

    #[staticmethod]
    fn from_tokenizer_json(py: Python<'_>, data: &str) -> PyResult<Self> {
        let t = py
            .detach(|| guarded(|| json::from_json(data)))?
            .map_err(to_py)?;
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
                return Err(TokenizerError::new_err(format!(
                    "tokens[{i}]: the content is empty"
                )));
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
                return Err(TokenizerError::new_err(format!(
                    "pairs has {} items but inputs has {}: they must have the same length",
                    b.len(),
                    a.len()
                )));
            }
        }
        let trunc = match truncation {
            None => None,
            Some(s) => {
                let strategy = match s {
                    "longest_first" => TruncationStrategy::LongestFirst,
                    "only_first" => TruncationStrategy::OnlyFirst,
                    "only_second" => TruncationStrategy::OnlySecond,
                    _ => {
                        return Err(TokenizerError::new_err(format!(
                            "truncation must be None, 'longest_first', 'only_first' or 'only_second', not {s:?}"
                        )))
                    }
                };
                let max_length = max_length.ok_or_else(|| {
                    TokenizerError::new_err("truncation needs max_length (got None)")
                })?;
                Some(Truncation {
                    max_length,
                    strategy,
                    stride,
                    side: side(truncation_side, "truncation_side")?,
                })
            }
        };
        let pad = match padding {
            None => None,
            Some(p) => {
                let length = match p {
                    "longest" => None,
                    "max_length" => Some(max_length.ok_or_else(|| {
                        TokenizerError::new_err("padding='max_length' needs max_length (got None)")
                    })?),
                    _ => {
                        return Err(TokenizerError::new_err(format!(
                            "padding must be None, 'longest' or 'max_length', not {p:?}"
                        )))
                    }
                };
                Some(Padding {
                    length,
                    pad_to_multiple_of,
                    side: side(padding_side, "padding_side")?,
                    pad_id,
                    pad_type_id,
                })
            }
        };
        let opts = EncodeOptions {
            add_special_tokens,
            truncation: trunc,
        };
        let threads = parallel::resolve_threads(num_threads);
        parallel::pool(threads);
        let tok = self.inner.clone();
        if let (Borrowed::Texts(texts), None, false, false) =
            (&a, &b, return_overflowing_tokens, encode_special_tokens)
        {
            let cols = py
                .detach(|| {
                    guarded(|| batch::encode_columns(&tok, texts, &opts, pad.as_ref(), threads))
                })?
                .map_err(to_py)?;
            if let Some(cols) = cols {
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
        let (rows, sample) = py
            .detach(|| {
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
            })?
            .map_err(to_py)?;
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
        let ids = PyArray1::from_vec(py, flat.ids);
        let starts = PyArray1::from_vec(py, flat.starts);
        let offsets = if with_offsets {
            Some(
                PyArray1::from_vec(py, flat.offsets)
                    .reshape([n, 2])?
                    .into_any(),
            )
        } else {
            None
        };
        Ok((ids, starts, offsets))
    }

    /// The documents of a UTF-8 buffer, one per line, into flat arrays: the `ferroformers tokenize` path,
    /// which so never builds a Python str per document. Only "\n" separates documents; the buffer holds
    /// whole lines without the last "\n" (an empty buffer is one empty document).
    #[pyo3(signature = (data, *, add_special_tokens=true, max_length=None, truncation=false, num_threads=None))]
    #[allow(clippy::type_complexity)]
    fn encode_lines_flat<'py>(
        &self,
        py: Python<'py>,
        data: &[u8],
        add_special_tokens: bool,
        max_length: Option<usize>,
        truncation: bool,
        num_threads: Option<usize>,
    ) -> PyResult<(Bound<'py, PyArray1<u32>>, Bound<'py, PyArray1<i64>>)> {
        let (max_length, threads) = flat_options(max_length, truncation, num_threads)?;
        let tok = self.inner.clone();
        let flat = py.detach(|| -> Result<PyResult<batch::Flat>, usize> {
            let text = std::str::from_utf8(data).map_err(|e| e.valid_up_to())?;
            let lines: Vec<&str> = text.split('\n').collect();
            Ok(guarded(|| {
                batch::encode_flat(&tok, &lines, add_special_tokens, max_length, false, threads)
            }))
        });
        let flat = match flat {
            Ok(flat) => flat?,
            Err(at) => {
                return Err(TokenizerError::new_err(format!(
                    "invalid UTF-8 at byte {at} of the buffer"
                )))
            }
        };
        Ok((
            PyArray1::from_vec(py, flat.ids),
            PyArray1::from_vec(py, flat.starts),
        ))
    }
}

/// What the flat encoders share: `max_length` only with `truncation` (which needs it), and the thread count
/// resolved (argument, FERROFORMERS_NUM_THREADS, cores) with its pool ready.
fn flat_options(
    max_length: Option<usize>,
    truncation: bool,
    num_threads: Option<usize>,
) -> PyResult<(Option<usize>, usize)> {
    if truncation && max_length.is_none() {
        return Err(TokenizerError::new_err(
            "truncation=True needs max_length (got None)",
        ));
    }
    let threads = parallel::resolve_threads(num_threads);
    parallel::pool(threads);
    Ok((if truncation { max_length } else { None }, threads))
}

/// Python ints 0..n, made once per tokenizer (on the first list built) and shared by every batch it
/// encodes: filling a list from them costs a reference count increment per item instead of an int
/// allocation (ids are mostly > 256, past CPython's small-int cache), and no call pays for making them again.
/// Values past the table are created one by one.
pub struct IntCache(Vec<Py<PyAny>>);

impl IntCache {
    fn new(py: Python<'_>, n: usize) -> IntCache {
        IntCache((0..n as u32).map(|i| int(py, i).unbind()).collect())
    }

    /// Ask for the int objects of `v` to be brought into cache (their reference counts are written soon).
    #[inline]
    fn prefetch(&self, v: &[u32]) {
        for &x in v {
            if let Some(o) = self.0.get(x as usize) {
                prefetch(o.as_ptr() as *const u8);
            }
        }
    }

    /// A new (owned) reference to the int `x`.
    #[inline]
    fn get(&self, py: Python<'_>, x: u32) -> *mut ffi::PyObject {
        match self.0.get(x as usize) {
            Some(o) => o.clone_ref(py).into_ptr(),
            None => int(py, x).into_ptr(),
        }
    }
}

/// Python ints 0..=max made once per call, for values that depend on the text (character offsets).
/// Values past `LIMIT` are created one by one.
struct IntTable<'py>(Vec<Bound<'py, PyAny>>);

impl<'py> IntTable<'py> {
    const LIMIT: u32 = 1 << 20;

    fn new(py: Python<'py>, max: u32) -> PyResult<Self> {
        Ok(IntTable(
            (0..=max.min(Self::LIMIT)).map(|i| int(py, i)).collect(),
        ))
    }

    /// A new (owned) reference to the int `x`.
    fn get(&self, py: Python<'py>, x: u32) -> PyResult<*mut ffi::PyObject> {
        Ok(match self.0.get(x as usize) {
            Some(o) => o.clone().into_ptr(),
            None => int(py, x).into_ptr(),
        })
    }
}

fn int(py: Python<'_>, x: u32) -> Bound<'_, PyAny> {
    match x.into_pyobject(py) {
        Ok(o) => o.into_any(),
        Err(never) => match never {},
    }
}

/// A hint that the cache line at `p` is read soon; nothing on targets without one.
#[inline(always)]
fn prefetch(p: *const u8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch never faults, whatever the address
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p as *const i8)
    };
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// Prefetch up to `max_lines` cache lines of `v`.
#[inline]
fn prefetch_slice<T>(v: &[T], max_lines: usize) {
    let bytes = std::mem::size_of_val(v).min(max_lines * 64);
    let p = v.as_ptr() as *const u8;
    for off in (0..bytes).step_by(64) {
        // SAFETY: `off` < size_of_val(v): inside the slice
        prefetch(unsafe { p.add(off) });
    }
}

/// Builds one list per row from `u32` values. A row made of a few runs of one value (masks, type ids) is
/// built by CPython's own list repetition (`[x] * n`, one C loop), other rows item by item.
struct RowLists<'a, 'py> {
    py: Python<'py>,
    ints: &'a IntCache,
    /// `[x]` for the values repeated so far (masks and type ids use few distinct values)
    singles: Vec<(u32, Bound<'py, PyList>)>,
}

impl<'a, 'py> RowLists<'a, 'py> {
    /// Rows of at most this many runs are repeated, not filled: a run costs a list allocation.
    const MAX_RUNS: usize = 3;

    fn new(py: Python<'py>, ints: &'a IntCache) -> Self {
        RowLists {
            py,
            ints,
            singles: vec![],
        }
    }

    fn single(&mut self, x: u32) -> PyResult<&Bound<'py, PyList>> {
        let i = match self.singles.iter().position(|(v, _)| *v == x) {
            Some(i) => i,
            None => {
                let l = new_list(self.py, 1)?;
                // SAFETY: a fresh one-slot list takes the new reference
                unsafe { ffi::PyList_SetItem(l.as_ptr(), 0, self.ints.get(self.py, x)) };
                self.singles.push((x, l));
                self.singles.len() - 1
            }
        };
        Ok(&self.singles[i].1)
    }

    /// `[x] * n`
    fn repeat(&mut self, x: u32, n: usize) -> PyResult<Bound<'py, PyAny>> {
        let one = self.single(x)?.as_ptr();
        // SAFETY: `one` is a live list; PySequence_Repeat returns a new reference or NULL with an exception
        unsafe {
            let p = ffi::PySequence_Repeat(one, n as ffi::Py_ssize_t);
            if p.is_null() {
                return Err(PyErr::fetch(self.py));
            }
            Ok(Bound::from_owned_ptr(self.py, p))
        }
    }

    /// A new list of `runs` (value, count): `[x] * n + [y] * m + ...`. Many runs are filled item by item.
    fn runs(&mut self, runs: &[(u32, usize)]) -> PyResult<Bound<'py, PyAny>> {
        let runs = runs.iter().filter(|r| r.1 > 0);
        if runs.clone().count() > Self::MAX_RUNS {
            let v: Vec<u32> = runs.flat_map(|&(x, n)| std::iter::repeat_n(x, n)).collect();
            return self.items(&v, 0, Pad::NONE);
        }
        let mut out: Option<Bound<'py, PyAny>> = None;
        let mut len = 0;
        for &(x, n) in runs {
            let part = self.repeat(x, n)?;
            out = Some(match out {
                None => part,
                Some(l) => {
                    // SAFETY: `l` is a list only we hold, of `len` items: slice assignment at its end extends it
                    let at = len as ffi::Py_ssize_t;
                    if unsafe { ffi::PyList_SetSlice(l.as_ptr(), at, at, part.as_ptr()) } != 0 {
                        return Err(PyErr::fetch(self.py));
                    }
                    l
                }
            });
            len += n;
        }
        let l = match out {
            Some(l) => l,
            None => new_list(self.py, 0)?.into_any(),
        };
        untrack(&l);
        Ok(l)
    }

    /// A new list of the values of `v` with `pad.n` times `pad_value` on the pad's side, item by item.
    fn items(&mut self, v: &[u32], pad_value: u32, pad: Pad) -> PyResult<Bound<'py, PyAny>> {
        let list = new_list(self.py, v.len() + pad.n)?;
        let (at, pads) = match pad.side {
            Side::Right => (0, v.len()),
            Side::Left => (pad.n, 0),
        };
        let set = |j: usize, o: *mut ffi::PyObject| {
            // SAFETY: `list` is a fresh list of len(v) + pad.n empty slots, each set once; SetItem steals `o`
            unsafe { ffi::PyList_SetItem(list.as_ptr(), j as ffi::Py_ssize_t, o) };
        };
        for (j, &x) in v.iter().enumerate() {
            set(at + j, self.ints.get(self.py, x));
        }
        for j in 0..pad.n {
            set(pads + j, self.ints.get(self.py, pad_value));
        }
        untrack(&list);
        Ok(list.into_any())
    }

    /// A new list of the values of `v`.
    fn row(&mut self, v: &[u32]) -> PyResult<Bound<'py, PyAny>> {
        let changes = v
            .windows(2)
            .filter(|w| w[0] != w[1])
            .take(Self::MAX_RUNS)
            .count();
        if changes >= Self::MAX_RUNS {
            return self.items(v, 0, Pad::NONE);
        }
        let mut runs: Vec<(u32, usize)> = Vec::with_capacity(Self::MAX_RUNS);
        for &x in v {
            match runs.last_mut() {
                Some((y, n)) if *y == x => *n += 1,
                _ => runs.push((x, 1)),
            }
        }
        self.runs(&runs)
    }
}

/// Pauses CPython's cyclic GC while lists are built: the lists are reachable, so the collections that their
/// allocation would trigger find nothing, yet each walks the young objects and promotions trigger full passes
/// (measured: 2-5x the time of building the lists of a 10 MB batch). Restores the previous state on drop.
struct GcPause(bool);

impl GcPause {
    fn new() -> GcPause {
        // SAFETY: called with the GIL held (every caller holds a Python token)
        GcPause(unsafe { ffi::PyGC_Disable() } == 1)
    }
}

impl Drop for GcPause {
    fn drop(&mut self) {
        if self.0 {
            // SAFETY: as in `new`
            unsafe { ffi::PyGC_Enable() };
        }
    }
}

/// Take a row list (of ints, or of tuples of ints) out of CPython's cyclic GC, as CPython does for tuples of
/// atomic items. As returned, a row holds no container, so it can be part of no cycle; tracked, every row
/// would be traversed by the next collections (measured: 0.4-1.0 s after a 50 MB batch, a third of the
/// call). The cost, documented in docs/tokenizers.md: a reference cycle a caller later builds through a row
/// list is not collected. The outer list stays tracked.
fn untrack(list: &Bound<'_, PyAny>) {
    // SAFETY: `list` is a live GC object; untracking an object is always allowed (and idempotent)
    unsafe { ffi::PyObject_GC_UnTrack(list.as_ptr().cast()) };
}

/// A new list of `n` empty slots, each to be filled with `PyList_SetItem`.
fn new_list(py: Python<'_>, n: usize) -> PyResult<Bound<'_, PyList>> {
    // SAFETY: PyList_New returns a new reference or NULL with an exception set
    unsafe {
        let p = ffi::PyList_New(n as ffi::Py_ssize_t);
        if p.is_null() {
            return Err(PyErr::fetch(py));
        }
        Ok(Bound::from_owned_ptr(py, p).cast_into_unchecked())
    }
}

/// The outer list of a batch: row `i` is `row(i)`, built with the cyclic GC paused (see `GcPause`).
fn outer_list<'py>(
    py: Python<'py>,
    n: usize,
    mut row: impl FnMut(usize) -> PyResult<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyList>> {
    let _gc = GcPause::new();
    let outer = new_list(py, n)?;
    for i in 0..n {
        let inner = row(i)?;
        // SAFETY: `outer` is a fresh list of n empty slots; the reference of `inner` moves into slot i
        unsafe { ffi::PyList_SetItem(outer.as_ptr(), i as ffi::Py_ssize_t, inner.into_ptr()) };
    }
    Ok(outer)
}

/// A batch result (see _native.pyi).
#[pyclass(module = "ferroformers._native", frozen)]
pub struct Encodings {
    store: Store,
    sample: Vec<u32>,
    tok: Arc<Tokenizer>,
    ints: Arc<IntCache>,
    pad_token: String,
}

/// How a batch is held: an `Encoding` per row (pairs, words, overflow), or the columns of single texts,
/// from which lists and arrays are made directly and a row's `Encoding` only when asked for.
enum Store {
    Rows(Vec<Encoding>),
    Columns {
        cols: batch::Columns,
        rows: OnceLock<Vec<Encoding>>,
    },
}

/// A pad of `n` items on `side` of a row.
#[derive(Clone, Copy)]
struct Pad {
    n: usize,
    side: Side,
}

impl Pad {
    const NONE: Pad = Pad {
        n: 0,
        side: Side::Right,
    };

    /// Add the run `(x, n)` of the pad on its side of `runs`.
    fn around(&self, x: u32, runs: &mut Vec<(u32, usize)>) {
        if self.n > 0 {
            match self.side {
                Side::Right => runs.push((x, self.n)),
                Side::Left => runs.insert(0, (x, self.n)),
            }
        }
    }
}

fn opt_u32(x: u32) -> Option<u32> {
    (x != NO_WORD).then_some(x)
}

impl Encodings {
    fn n_rows(&self) -> usize {
        match &self.store {
            Store::Rows(r) => r.len(),
            Store::Columns { cols, .. } => cols.len(),
        }
    }

    /// Every row's `Encoding` (made once from the columns, on first use).
    fn all(&self) -> &[Encoding] {
        match &self.store {
            Store::Rows(r) => r,
            Store::Columns { cols, rows } => {
                rows.get_or_init(|| cols.rows().map(|r| cols.encoding(&self.tok, r)).collect())
            }
        }
    }

    fn row(&self, i: isize) -> PyResult<Cow<'_, Encoding>> {
        let n = self.n_rows() as isize;
        let j = if i < 0 { i + n } else { i };
        if j < 0 || j >= n {
            return Err(PyIndexError::new_err(format!(
                "row {i} out of range for {n} encodings"
            )));
        }
        Ok(match &self.store {
            Store::Rows(r) => Cow::Borrowed(&r[j as usize]),
            Store::Columns { cols, rows } => match rows.get() {
                Some(r) => Cow::Borrowed(&r[j as usize]),
                None => Cow::Owned(cols.encoding(&self.tok, cols.row(j as usize))),
            },
        })
    }

    /// Lists of a run-structured field of `Columns`: `runs(row, pad)` gives the row's runs, padding included.
    fn column_lists<'py>(
        &self,
        py: Python<'py>,
        cols: &batch::Columns,
        runs: impl Fn(usize, Pad, &mut Vec<(u32, usize)>),
    ) -> PyResult<Bound<'py, PyList>> {
        let mut lists = RowLists::new(py, &self.ints);
        let mut buf = vec![];
        outer_list(py, cols.len(), |i| {
            let r = cols.row(i);
            buf.clear();
            runs(r.ids.len(), self.pad_of(cols, r.ids.len()), &mut buf);
            lists.runs(&buf)
        })
    }

    fn pad_of(&self, cols: &batch::Columns, n: usize) -> Pad {
        match &cols.padding {
            Some((_, p)) => Pad {
                n: cols.padded_len(n) - n,
                side: p.side,
            },
            None => Pad::NONE,
        }
    }

    /// Lists of a field of `Rows`.
    fn lists<'py>(
        &self,
        py: Python<'py>,
        rows: &[Encoding],
        f: impl Fn(&Encoding) -> &Vec<u32>,
    ) -> PyResult<Bound<'py, PyList>> {
        let mut lists = RowLists::new(py, &self.ints);
        // each row's values are a heap block of their own: without prefetching, reading them is a cache miss
        // per row that the list building around it cannot hide (most of the time of a mask's lists)
        const AHEAD: usize = 8;
        for e in rows.iter().take(AHEAD) {
            prefetch_slice(f(e), 4);
        }
        outer_list(py, rows.len(), |i| {
            if let Some(next) = rows.get(i + AHEAD) {
                prefetch_slice(f(next), 4);
            }
            if let Some(next) = rows.get(i + 1) {
                self.ints.prefetch(f(next));
            }
            lists.row(f(&rows[i]))
        })
    }

    fn seq_tokens(e: &Encoding, seq: u8) -> impl Iterator<Item = usize> + '_ {
        (0..e.len()).filter(move |&t| e.sequence_ids[t] == seq)
    }

    fn char_to_token_in(e: &Encoding, c: u32, seq: u8) -> Option<usize> {
        Self::seq_tokens(e, seq).find(|&t| e.offsets[t].0 <= c && c < e.offsets[t].1)
    }

    fn word_to_tokens_in(e: &Encoding, word: u32, seq: u8) -> Option<(usize, usize)> {
        let mut span: Option<(usize, usize)> = None;
        for t in Self::seq_tokens(e, seq) {
            if e.words[t] == word {
                span = Some(span.map_or((t, t + 1), |(s, _)| (s, t + 1)));
            }
        }
        span
    }
}

#[pymethods]
impl Encodings {
    fn __len__(&self) -> usize {
        self.n_rows()
    }

    fn ids<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let cols = match &self.store {
            Store::Rows(r) => return self.lists(py, r, |e| &e.ids),
            Store::Columns { cols, .. } => cols,
        };
        let pad_id = cols.padding.as_ref().map_or(0, |(_, p)| p.pad_id);
        let mut lists = RowLists::new(py, &self.ints);
        outer_list(py, cols.len(), |i| {
            let r = cols.row(i);
            if i + 1 < cols.len() {
                self.ints.prefetch(cols.row(i + 1).ids);
            }
            lists.items(r.ids, pad_id, self.pad_of(cols, r.ids.len()))
        })
    }
    fn type_ids<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        match &self.store {
            Store::Rows(r) => self.lists(py, r, |e| &e.type_ids),
            Store::Columns { cols, .. } => {
                let pad = cols.padding.as_ref().map_or(0, |(_, p)| p.pad_type_id);
                self.column_lists(py, cols, |n, p, runs| {
                    runs.push((0, n));
                    p.around(pad, runs);
                })
            }
        }
    }
    fn attention_mask<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        match &self.store {
            Store::Rows(r) => self.lists(py, r, |e| &e.attention_mask),
            Store::Columns { cols, .. } => self.column_lists(py, cols, |n, p, runs| {
                runs.push((1, n));
                p.around(0, runs);
            }),
        }
    }
    fn special_tokens_mask<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        match &self.store {
            Store::Rows(r) => self.lists(py, r, |e| &e.special_tokens_mask),
            Store::Columns { cols, .. } => {
                let specials = cols.has_specials();
                self.column_lists(py, cols, |n, p, runs| {
                    if specials {
                        runs.extend([(1, 1), (0, n - 2), (1, 1)]);
                    } else {
                        runs.push((0, n));
                    }
                    p.around(1, runs);
                })
            }
        }
    }

    fn offsets<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let all = self.all();
        let max = all
            .iter()
            .flat_map(|e| e.offsets.iter().map(|o| o.1))
            .max()
            .unwrap_or(0);
        let table = IntTable::new(py, max)?;
        outer_list(py, all.len(), |i| {
            let e = &all[i];
            let inner = new_list(py, e.offsets.len())?;
            for (j, &(a, b)) in e.offsets.iter().enumerate() {
                // SAFETY: a fresh 2-tuple filled with two new references, then moved into `inner`
                unsafe {
                    let t = ffi::PyTuple_New(2);
                    if t.is_null() {
                        return Err(PyErr::fetch(py));
                    }
                    let t = Bound::from_owned_ptr(py, t);
                    ffi::PyTuple_SetItem(t.as_ptr(), 0, table.get(py, a)?);
                    ffi::PyTuple_SetItem(t.as_ptr(), 1, table.get(py, b)?);
                    // a tuple of two ints: what CPython's own collector untracks on its first pass over it
                    ffi::PyObject_GC_UnTrack(t.as_ptr().cast());
                    ffi::PyList_SetItem(inner.as_ptr(), j as ffi::Py_ssize_t, t.into_ptr());
                }
            }
            untrack(&inner);
            Ok(inner.into_any())
        })
    }

    fn overflow_to_sample_mapping(&self) -> Vec<u32> {
        self.sample.clone()
    }

    fn lengths(&self) -> Vec<usize> {
        match &self.store {
            Store::Rows(r) => r.iter().map(Encoding::len).collect(),
            Store::Columns { cols, .. } => {
                cols.rows().map(|r| cols.padded_len(r.ids.len())).collect()
            }
        }
    }

    fn to_numpy<'py>(&self, py: Python<'py>, field: &str) -> PyResult<Bound<'py, PyAny>> {
        let all = self.all();
        let n = all.first().map_or(0, Encoding::len);
        if let Some((i, e)) = all.iter().enumerate().find(|(_, e)| e.len() != n) {
            return Err(PyValueError::new_err(format!(
                "cannot make a 2-D array: row 0 has {n} tokens but row {i} has {} (pad the batch first)",
                e.len()
            )));
        }
        let rows = all.len();
        let pick: fn(&Encoding) -> &Vec<u32> = match field {
            "ids" => |e| &e.ids,
            "type_ids" => |e| &e.type_ids,
            "attention_mask" => |e| &e.attention_mask,
            "special_tokens_mask" => |e| &e.special_tokens_mask,
            "offsets" => {
                let flat: Vec<i64> =
                    all.iter().flat_map(|e| e.offsets.iter().flat_map(|&(a, b)| [a as i64, b as i64])).collect();
                return Ok(PyArray1::from_vec(py, flat).reshape([rows, n, 2])?.into_any());
            }
            _ => {
                return Err(PyValueError::new_err(format!(
                    "unknown field {field:?}: use 'ids', 'type_ids', 'attention_mask', 'special_tokens_mask' \
                     or 'offsets'"
                )))
            }
        };
        let flat: Vec<i64> = all
            .iter()
            .flat_map(|e| pick(e).iter().map(|&x| x as i64))
            .collect();
        Ok(PyArray1::from_vec(py, flat).reshape([rows, n])?.into_any())
    }

    fn tokens(&self, i: isize) -> PyResult<Vec<String>> {
        let e = self.row(i)?;
        Ok((0..e.len())
            .map(|t| {
                if e.attention_mask[t] == 0 {
                    self.pad_token.clone()
                } else {
                    self.tok.id_to_token(e.ids[t]).unwrap_or("").to_string()
                }
            })
            .collect())
    }

    fn word_ids(&self, i: isize) -> PyResult<Vec<Option<u32>>> {
        Ok(self.row(i)?.words.iter().map(|&w| opt_u32(w)).collect())
    }

    fn sequence_ids(&self, i: isize) -> PyResult<Vec<Option<u8>>> {
        Ok(self
            .row(i)?
            .sequence_ids
            .iter()
            .map(|&s| (s != NO_SEQ).then_some(s))
            .collect())
    }

    #[pyo3(signature = (i, char, sequence_index=0))]
    fn char_to_token(&self, i: isize, char: u32, sequence_index: u8) -> PyResult<Option<usize>> {
        Ok(Self::char_to_token_in(&*self.row(i)?, char, sequence_index))
    }

    #[pyo3(signature = (i, char, sequence_index=0))]
    fn char_to_word(&self, i: isize, char: u32, sequence_index: u8) -> PyResult<Option<u32>> {
        let e = self.row(i)?;
        Ok(Self::char_to_token_in(&e, char, sequence_index).and_then(|t| opt_u32(e.words[t])))
    }

    fn token_to_chars(&self, i: isize, token: usize) -> PyResult<Option<(u32, u32)>> {
        let e = self.row(i)?;
        Ok((token < e.len() && e.sequence_ids[token] != NO_SEQ).then(|| e.offsets[token]))
    }

    fn token_to_word(&self, i: isize, token: usize) -> PyResult<Option<u32>> {
        let e = self.row(i)?;
        Ok(if token < e.len() && e.sequence_ids[token] != NO_SEQ {
            opt_u32(e.words[token])
        } else {
            None
        })
    }

    fn token_to_sequence(&self, i: isize, token: usize) -> PyResult<Option<u8>> {
        let e = self.row(i)?;
        Ok(e.sequence_ids.get(token).copied().filter(|&s| s != NO_SEQ))
    }

    #[pyo3(signature = (i, word, sequence_index=0))]
    fn word_to_tokens(
        &self,
        i: isize,
        word: u32,
        sequence_index: u8,
    ) -> PyResult<Option<(usize, usize)>> {
        Ok(Self::word_to_tokens_in(
            &*self.row(i)?,
            word,
            sequence_index,
        ))
    }

    #[pyo3(signature = (i, word, sequence_index=0))]
    fn word_to_chars(
        &self,
        i: isize,
        word: u32,
        sequence_index: u8,
    ) -> PyResult<Option<(u32, u32)>> {
        let e = self.row(i)?;
        Ok(Self::word_to_tokens_in(&e, word, sequence_index)
            .map(|(s, t)| (e.offsets[s].0, e.offsets[t - 1].1)))
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<WordPieceTokenizer>()?;
    m.add_class::<Encodings>()?;
    m.add("TokenizerError", m.py().get_type::<TokenizerError>())?;
    Ok(())
}
