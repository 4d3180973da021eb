//! Arguments from Python: texts and word lists borrowed as `&str` (a bare str refused where a list is
//! expected, a lone surrogate named by its position), and the string options of the tokenizer (sides,
//! truncation, padding, the flat encoders' options) turned into the core's types.

use crate::parallel;
use crate::text::{Error, Input, Padding, Side, Truncation, TruncationStrategy};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyString, PyTuple};
use pyo3::Borrowed as PyBorrowed;

pub(super) fn type_name(x: &Bound<'_, PyAny>) -> String {
    x.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".into())
}

/// The items of a list/tuple/iterable, refusing a bare str (which would iterate characters).
pub(super) fn items<'py>(obj: &Bound<'py, PyAny>, what: &str) -> PyResult<Vec<Bound<'py, PyAny>>> {
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

pub(super) fn as_pystr<'py>(
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

pub(super) fn borrow_str<'a>(
    s: &'a Bound<'_, PyString>,
    what: &dyn Fn() -> String,
) -> PyResult<&'a str> {
    s.to_str().map_err(|_| {
        let at = s.to_string_lossy().chars().position(|c| c == '\u{fffd}');
        Error::LoneSurrogate {
            argument: what(),
            at,
        }
        .into()
    })
}

/// Texts looked up this many ahead of the one borrowed (their headers prefetched): a batch's str objects
/// are scattered and, after the previous batch, out of the cache.
const AHEAD: usize = 8;

/// An item of a `texts_tuple` as str, borrowed for as long as the tuple is (one call per item: the type is
/// checked by the same call, and only looked at again for the error).
fn borrow_text<'a>(x: PyBorrowed<'a, '_, PyAny>, what: &dyn Fn() -> String) -> PyResult<&'a str> {
    let mut size: pyo3::ffi::Py_ssize_t = 0;
    // SAFETY: `x` is an object that its tuple keeps alive for 'a; PyUnicode_AsUTF8AndSize returns the UTF-8
    // form of a str, kept by the str itself for its lifetime, or NULL with an exception set (not a str, or a
    // lone surrogate)
    let data = unsafe { pyo3::ffi::PyUnicode_AsUTF8AndSize(x.as_ptr(), &mut size) };
    if data.is_null() {
        let raised = PyErr::fetch(x.py());
        let Ok(s) = x.cast::<PyString>() else {
            return Err(PyTypeError::new_err(format!(
                "{} must be str, not {}",
                what(),
                type_name(&x)
            )));
        };
        // a lone surrogate: the error names it and where (`borrow_str`)
        return Err(borrow_str(&s.to_owned(), what).err().unwrap_or(raised));
    }
    // SAFETY: as above: `size` bytes of valid UTF-8 at `data`, alive and unchanged for 'a (str is immutable)
    Ok(unsafe {
        std::str::from_utf8_unchecked(std::slice::from_raw_parts(data.cast::<u8>(), size as usize))
    })
}

/// Python strings of one batch field: texts, or lists of words.
pub(super) enum Field<'py> {
    /// the texts as a tuple (the input list copied, or the input tuple itself): it keeps every text alive
    /// while the GIL is released, even if another thread changes the list
    Texts(Bound<'py, PyTuple>),
    Words(Vec<Vec<Bound<'py, PyString>>>),
}

/// The items of `obj` (a list, tuple or other iterable) as a tuple; `borrow_field` checks that they are str.
/// A list is copied by `PyList_AsTuple` (one C loop: a reference per item). Taking those references one at
/// a time from Rust, checking each type apart and dropping them after the batch cost 36 ms of CPU with the
/// GIL held per 20 MB call (180 K texts, each str a cache miss once the batch has evicted it), serial beside
/// two threads' ~150 ms; 18 ms this way, 8-10 with `borrow_field`'s prefetch.
fn texts_tuple<'py>(obj: &Bound<'py, PyAny>, name: &str) -> PyResult<Bound<'py, PyTuple>> {
    Ok(if let Ok(l) = obj.cast::<PyList>() {
        l.to_tuple()
    } else if let Ok(t) = obj.cast::<PyTuple>() {
        t.clone()
    } else {
        PyTuple::new(obj.py(), items(obj, name)?)?
    })
}

pub(super) fn extract_field<'py>(
    obj: &Bound<'py, PyAny>,
    name: &str,
    pretokenized: bool,
) -> PyResult<Field<'py>> {
    if pretokenized {
        let xs = items(obj, name)?;
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
        Ok(Field::Texts(texts_tuple(obj, name)?))
    }
}

/// Borrowed text of a field: either texts or word lists.
pub(super) enum Borrowed<'a> {
    Texts(Vec<&'a str>),
    Words(Vec<Vec<&'a str>>),
}

pub(super) fn borrow_field<'a>(f: &'a Field<'_>, name: &str) -> PyResult<Borrowed<'a>> {
    Ok(match f {
        Field::Texts(t) => {
            let n = t.len();
            let mut texts = Vec::with_capacity(n);
            for i in 0..n {
                if i + AHEAD < n {
                    // SAFETY: an index below the tuple's length
                    let ahead = unsafe { t.get_borrowed_item_unchecked(i + AHEAD) };
                    let p = ahead.as_ptr() as *const u8;
                    // a str's header spans two cache lines (its UTF-8 pointer and length in the second)
                    crate::memory::prefetch(p);
                    crate::memory::prefetch(p.wrapping_add(64));
                }
                // SAFETY: as above
                let x = unsafe { t.get_borrowed_item_unchecked(i) };
                texts.push(borrow_text(x, &|| format!("{name}[{i}]"))?);
            }
            Borrowed::Texts(texts)
        }
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
    pub(super) fn len(&self) -> usize {
        match self {
            Borrowed::Texts(v) => v.len(),
            Borrowed::Words(v) => v.len(),
        }
    }
    pub(super) fn input(&self, i: usize) -> Input<'_> {
        match self {
            Borrowed::Texts(v) => Input::Text(v[i]),
            Borrowed::Words(v) => Input::Words(&v[i]),
        }
    }
}

pub(super) fn side(s: &str, argument: &'static str) -> Result<Side, Error> {
    match s {
        "right" => Ok(Side::Right),
        "left" => Ok(Side::Left),
        _ => Err(Error::BadOption {
            argument,
            value: s.into(),
            expected: "'right' or 'left'",
        }),
    }
}

/// A length from Python: no sequence is longer than `sys.maxsize`, so a larger value is a mistake (and sums
/// and products of checked lengths cannot overflow `usize`).
pub(super) fn length(argument: &'static str, value: usize) -> Result<usize, Error> {
    if value > isize::MAX as usize {
        return Err(Error::LengthTooLarge { argument, value });
    }
    Ok(value)
}

/// `truncation` (None, 'longest_first', 'only_first' or 'only_second') with its `max_length`, `stride` and side.
pub(super) fn truncation_options(
    truncation: Option<&str>,
    max_length: Option<usize>,
    stride: usize,
    truncation_side: &str,
) -> Result<Option<Truncation>, Error> {
    let Some(s) = truncation else {
        return Ok(None);
    };
    let strategy = match s {
        "longest_first" => TruncationStrategy::LongestFirst,
        "only_first" => TruncationStrategy::OnlyFirst,
        "only_second" => TruncationStrategy::OnlySecond,
        _ => {
            return Err(Error::BadOption {
                argument: "truncation",
                value: s.into(),
                expected: "None, 'longest_first', 'only_first' or 'only_second'",
            })
        }
    };
    let max_length = max_length.ok_or(Error::NeedsMaxLength {
        option: "truncation",
    })?;
    Ok(Some(Truncation {
        max_length: length("max_length", max_length)?,
        strategy,
        stride: length("stride", stride)?,
        side: side(truncation_side, "truncation_side")?,
    }))
}

/// `padding` (None, 'longest' or 'max_length', which needs `max_length`) with its multiple, side and pad ids.
pub(super) fn padding_options(
    padding: Option<&str>,
    max_length: Option<usize>,
    pad_to_multiple_of: Option<usize>,
    padding_side: &str,
    pad_id: u32,
    pad_type_id: u32,
) -> Result<Option<Padding>, Error> {
    let Some(p) = padding else {
        return Ok(None);
    };
    let length_to = match p {
        "longest" => None,
        "max_length" => Some(max_length.ok_or(Error::NeedsMaxLength {
            option: "padding='max_length'",
        })?),
        _ => {
            return Err(Error::BadOption {
                argument: "padding",
                value: p.into(),
                expected: "None, 'longest' or 'max_length'",
            })
        }
    };
    Ok(Some(Padding {
        length: length_to.map(|n| length("max_length", n)).transpose()?,
        pad_to_multiple_of: pad_to_multiple_of
            .map(|n| length("pad_to_multiple_of", n))
            .transpose()?,
        side: side(padding_side, "padding_side")?,
        pad_id,
        pad_type_id,
    }))
}

/// What the flat encoders share: `max_length` only with `truncation` (which needs it), and the thread count
/// resolved (argument, FERROFORMERS_NUM_THREADS, cores) with its pool ready.
pub(super) fn flat_options(
    max_length: Option<usize>,
    truncation: bool,
    num_threads: Option<usize>,
) -> Result<(Option<usize>, usize), Error> {
    if truncation && max_length.is_none() {
        return Err(Error::NeedsMaxLength {
            option: "truncation=True",
        });
    }
    let max_length = match max_length {
        Some(n) if truncation => Some(length("max_length", n)?),
        _ => None,
    };
    Ok((max_length, threads(num_threads)?))
}

/// Most threads a call may ask for: each distinct count keeps a pool of that many threads for the process.
const MAX_THREADS: usize = 1024;

/// The thread count (argument, FERROFORMERS_NUM_THREADS, cores) with its pool ready.
pub(super) fn threads(num_threads: Option<usize>) -> Result<usize, Error> {
    if let Some(n) = num_threads.filter(|&n| n > MAX_THREADS) {
        return Err(Error::ThreadCount {
            value: n,
            max: MAX_THREADS,
        });
    }
    let threads = parallel::resolve_threads(num_threads);
    parallel::pool(threads);
    Ok(threads)
}
