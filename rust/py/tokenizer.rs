//! Binding of the WordPiece tokenizer (rust/text): convert arguments, release the GIL once per batch,
//! build Python objects (or numpy arrays) after.

use crate::text::batch::{self, Pair};
use crate::text::encoding::{Encoding, NO_SEQ, NO_WORD};
use crate::text::{
    json, parallel, tokenizer, AddedToken, BertNormalizer, EncodeOptions, Error, Input, Padding,
    Side, Tokenizer, Truncation, TruncationStrategy, WordPiece,
};
use numpy::{PyArray1, PyArrayMethods};
use pyo3::exceptions::{PyFileNotFoundError, PyIndexError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyTuple};
use std::sync::Arc;

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
enum Field<'py> {
    Texts(Vec<Bound<'py, PyString>>),
    Words(Vec<Vec<Bound<'py, PyString>>>),
}

fn extract_field<'py>(
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
enum Borrowed<'a> {
    Texts(Vec<&'a str>),
    Words(Vec<Vec<&'a str>>),
}

fn borrow_field<'a>(f: &'a Field<'_>, name: &str) -> PyResult<Borrowed<'a>> {
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
        Ok(WordPieceTokenizer { inner: Arc::new(t) })
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
            .detach(|| tokenizer::read_vocab_file(&p))
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
        Ok(WordPieceTokenizer { inner: Arc::new(t) })
    }

    #[staticmethod]
    fn from_tokenizer_json(py: Python<'_>, data: &str) -> PyResult<Self> {
        let t = py.detach(|| json::from_json(data)).map_err(to_py)?;
        Ok(WordPieceTokenizer { inner: Arc::new(t) })
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
        Ok(Arc::make_mut(&mut self.inner).add_tokens(&parsed))
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
        num_threads=None))]
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
        let rows_in: Vec<Pair> = (0..a.len())
            .map(|i| (a.input(i), b.as_ref().map(|b| b.input(i))))
            .collect();
        let (rows, sample) = py
            .detach(|| {
                batch::encode_batch(
                    &tok,
                    &rows_in,
                    &opts,
                    pad.as_ref(),
                    return_overflowing_tokens,
                    threads,
                )
            })
            .map_err(to_py)?;
        Ok(Encodings {
            rows,
            sample,
            tok,
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
        if truncation && max_length.is_none() {
            return Err(TokenizerError::new_err(
                "truncation=True needs max_length (got None)",
            ));
        }
        let max_length = if truncation { max_length } else { None };
        let threads = parallel::resolve_threads(num_threads);
        parallel::pool(threads);
        let tok = self.inner.clone();
        let flat = py.detach(|| {
            batch::encode_flat(
                &tok,
                &strs,
                add_special_tokens,
                max_length,
                with_offsets,
                threads,
            )
        });
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
}

/// A batch result (see _native.pyi).
#[pyclass(module = "ferroformers._native", frozen)]
pub struct Encodings {
    rows: Vec<Encoding>,
    sample: Vec<u32>,
    tok: Arc<Tokenizer>,
    pad_token: String,
}

fn opt_u32(x: u32) -> Option<u32> {
    (x != NO_WORD).then_some(x)
}

impl Encodings {
    fn row(&self, i: isize) -> PyResult<&Encoding> {
        let n = self.rows.len() as isize;
        let j = if i < 0 { i + n } else { i };
        if j < 0 || j >= n {
            return Err(PyIndexError::new_err(format!(
                "row {i} out of range for {n} encodings"
            )));
        }
        Ok(&self.rows[j as usize])
    }

    fn lists<'py>(
        &self,
        py: Python<'py>,
        f: impl Fn(&Encoding) -> &Vec<u32>,
    ) -> PyResult<Bound<'py, PyList>> {
        let out = PyList::empty(py);
        for e in &self.rows {
            out.append(PyList::new(py, f(e))?)?;
        }
        Ok(out)
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
        self.rows.len()
    }

    fn ids<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        self.lists(py, |e| &e.ids)
    }
    fn type_ids<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        self.lists(py, |e| &e.type_ids)
    }
    fn attention_mask<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        self.lists(py, |e| &e.attention_mask)
    }
    fn special_tokens_mask<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        self.lists(py, |e| &e.special_tokens_mask)
    }

    fn offsets<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let out = PyList::empty(py);
        for e in &self.rows {
            out.append(PyList::new(py, e.offsets.iter().copied())?)?;
        }
        Ok(out)
    }

    fn overflow_to_sample_mapping(&self) -> Vec<u32> {
        self.sample.clone()
    }

    fn lengths(&self) -> Vec<usize> {
        self.rows.iter().map(Encoding::len).collect()
    }

    fn to_numpy<'py>(&self, py: Python<'py>, field: &str) -> PyResult<Bound<'py, PyAny>> {
        let n = self.rows.first().map_or(0, Encoding::len);
        if let Some((i, e)) = self.rows.iter().enumerate().find(|(_, e)| e.len() != n) {
            return Err(PyValueError::new_err(format!(
                "cannot make a 2-D array: row 0 has {n} tokens but row {i} has {} (pad the batch first)",
                e.len()
            )));
        }
        let rows = self.rows.len();
        let pick: fn(&Encoding) -> &Vec<u32> = match field {
            "ids" => |e| &e.ids,
            "type_ids" => |e| &e.type_ids,
            "attention_mask" => |e| &e.attention_mask,
            "special_tokens_mask" => |e| &e.special_tokens_mask,
            "offsets" => {
                let flat: Vec<i64> =
                    self.rows.iter().flat_map(|e| e.offsets.iter().flat_map(|&(a, b)| [a as i64, b as i64])).collect();
                return Ok(PyArray1::from_vec(py, flat).reshape([rows, n, 2])?.into_any());
            }
            _ => {
                return Err(PyValueError::new_err(format!(
                    "unknown field {field:?}: use 'ids', 'type_ids', 'attention_mask', 'special_tokens_mask' \
                     or 'offsets'"
                )))
            }
        };
        let flat: Vec<i64> = self
            .rows
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
        Ok(Self::char_to_token_in(self.row(i)?, char, sequence_index))
    }

    #[pyo3(signature = (i, char, sequence_index=0))]
    fn char_to_word(&self, i: isize, char: u32, sequence_index: u8) -> PyResult<Option<u32>> {
        let e = self.row(i)?;
        Ok(Self::char_to_token_in(e, char, sequence_index).and_then(|t| opt_u32(e.words[t])))
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
        Ok(Self::word_to_tokens_in(self.row(i)?, word, sequence_index))
    }

    #[pyo3(signature = (i, word, sequence_index=0))]
    fn word_to_chars(
        &self,
        i: isize,
        word: u32,
        sequence_index: u8,
    ) -> PyResult<Option<(u32, u32)>> {
        let e = self.row(i)?;
        Ok(Self::word_to_tokens_in(e, word, sequence_index)
            .map(|(s, t)| (e.offsets[s].0, e.offsets[t - 1].1)))
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<WordPieceTokenizer>()?;
    m.add_class::<Encodings>()?;
    m.add("TokenizerError", m.py().get_type::<TokenizerError>())?;
    Ok(())
}
