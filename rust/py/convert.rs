//! Arguments from Python: texts and word lists borrowed as `&str` (a bare str refused where a list is
//! expected, a lone surrogate named by its position), and the string options of the tokenizer (sides,
//! truncation, padding, the flat encoders' options) turned into the core's types.

use crate::parallel;
use crate::text::{Error, Input, Padding, Side, Truncation, TruncationStrategy};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyString, PyTuple};

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
