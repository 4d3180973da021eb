//! `Encodings`, the batch result of `WordPieceTokenizer.encode_batch`: its rows as lists (built from the columns
//! of a batch of single texts without an `Encoding` per row, or from the rows), as numpy arrays, and the
//! alignment queries of one row (answered by the core, rust/text/alignment.rs).

use super::arrays::recycled;
use super::lists::{offset_lists, outer_list, prefetch_slice, IntCache, Pad, RowLists};
use crate::memory::{self, AllocError};
use crate::text::batch;
use crate::text::encoding::{Encoding, Side};
use crate::text::{Error, Tokenizer};
use numpy::ndarray::{Ix2, Ix3};
use pyo3::exceptions::{PyIndexError, PyMemoryError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::PyList;
use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

/// A batch result (see _native.pyi).
#[pyclass(module = "ferroformers._native", frozen)]
pub struct Encodings {
    pub(super) store: Store,
    /// the input index of each row (rows past an input's first are its overflowing pieces)
    pub(super) sample: Vec<u32>,
    pub(super) tok: Arc<Tokenizer>,
    pub(super) ints: Arc<IntCache>,
    pub(super) pad_token: String,
}

/// How a batch is held: an `Encoding` per row (pairs, words, overflow), or the columns of single texts,
/// from which lists and arrays are made directly and a row's `Encoding` only when asked for.
pub(super) enum Store {
    Rows(Vec<Encoding>),
    Columns {
        cols: batch::Columns,
        rows: OnceLock<Vec<Encoding>>,
    },
}

impl Encodings {
    fn n_rows(&self) -> usize {
        match &self.store {
            Store::Rows(r) => r.len(),
            Store::Columns { cols, .. } => cols.len(),
        }
    }

    /// Every row's `Encoding` (made once from the columns, on first use).
    fn all(&self) -> Result<&[Encoding], Error> {
        match &self.store {
            Store::Rows(r) => Ok(r),
            Store::Columns { cols, rows } => {
                if let Some(r) = rows.get() {
                    return Ok(r);
                }
                let made = cols
                    .rows()
                    .map(|r| cols.encoding(&self.tok, r))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(rows.get_or_init(|| made))
            }
        }
    }

    /// A `MemoryError` raised while the lists of a padded batch are built (CPython's, without a message) as
    /// ours, naming the padding length that asked for the memory.
    fn name_memory_error<T>(&self, py: Python<'_>, r: PyResult<T>) -> PyResult<T> {
        r.map_err(|e| match &self.store {
            Store::Columns {
                cols:
                    batch::Columns {
                        padding: Some((length, _)),
                        ..
                    },
                ..
            } if e.is_instance_of::<PyMemoryError>(py) => Error::Padding {
                length: *length,
                // a list holds a pointer per item
                error: match memory::bytes(*length, std::mem::size_of::<usize>()) {
                    Ok(bytes) => AllocError::OutOfMemory { bytes },
                    Err(too_large) => too_large,
                },
            }
            .into(),
            _ => e,
        })
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
                None => Cow::Owned(cols.encoding(&self.tok, cols.row(j as usize))?),
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
        let made = outer_list(py, cols.len(), |i| {
            let r = cols.row(i);
            buf.clear();
            runs(r.ids.len(), self.pad_of(cols, r.ids.len()), &mut buf);
            lists.runs(&buf)
        });
        self.name_memory_error(py, made)
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
        let made = outer_list(py, cols.len(), |i| {
            let r = cols.row(i);
            if i + 1 < cols.len() {
                self.ints.prefetch(cols.row(i + 1).ids);
            }
            lists.items(r.ids, pad_id, self.pad_of(cols, r.ids.len()))
        });
        self.name_memory_error(py, made)
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
        if let Store::Columns { cols, .. } = &self.store {
            // from the columns: the row's offsets with (0, 0) for its padding
            let max = cols
                .rows()
                .flat_map(|r| r.offsets.iter().map(|o| o.1))
                .max()
                .unwrap_or(0);
            return offset_lists(py, cols.len(), max, |i, buf| {
                let r = cols.row(i);
                let pad = self.pad_of(cols, r.ids.len());
                let pads = std::iter::repeat_n((0, 0), pad.n);
                if pad.side == Side::Left {
                    buf.extend(pads.clone());
                }
                buf.extend_from_slice(r.offsets);
                if pad.side == Side::Right {
                    buf.extend(pads);
                }
            });
        }
        let all = self.all()?;
        let max = all
            .iter()
            .flat_map(|e| e.offsets.iter().map(|o| o.1))
            .max()
            .unwrap_or(0);
        offset_lists(py, all.len(), max, |i, buf| {
            buf.extend_from_slice(&all[i].offsets)
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
        let f = batch::Field::named(field).ok_or_else(|| Error::UnknownField {
            field: field.into(),
        })?;
        if let Store::Columns { cols, .. } = &self.store {
            return self.columns_to_numpy(py, cols, f);
        }
        let all = self.all()?;
        let n = all.first().map_or(0, Encoding::len);
        if let Some((i, e)) = all.iter().enumerate().find(|(_, e)| e.len() != n) {
            return Err(Error::RaggedBatch {
                first: n,
                index: i,
                len: e.len(),
            }
            .into());
        }
        let rows = all.len();
        // the array is allocated before it is filled: a batch padded past memory is an error, not an abort
        let array = |per_token: usize| {
            memory::count(&[rows, n, per_token], std::mem::size_of::<i64>())
                .and_then(|len| batch::WIDE.take(len))
                .map_err(|error| Error::Array {
                    rows,
                    columns: n,
                    error,
                })
        };
        let pick: fn(&Encoding) -> &Vec<u32> = match f {
            batch::Field::Ids => |e| &e.ids,
            batch::Field::TypeIds => |e| &e.type_ids,
            batch::Field::AttentionMask => |e| &e.attention_mask,
            batch::Field::SpecialTokensMask => |e| &e.special_tokens_mask,
            batch::Field::Offsets => {
                let mut flat = array(2)?;
                flat.extend(
                    all.iter()
                        .flat_map(|e| e.offsets.iter().flat_map(|&(a, b)| [a as i64, b as i64])),
                );
                return Ok(recycled(py, flat, Ix3(rows, n, 2))?.into_any());
            }
        };
        let mut flat = array(1)?;
        flat.extend(all.iter().flat_map(|e| pick(e).iter().map(|&x| x as i64)));
        Ok(recycled(py, flat, Ix2(rows, n))?.into_any())
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
        Ok(self.row(i)?.word_ids().collect())
    }

    fn sequence_ids(&self, i: isize) -> PyResult<Vec<Option<u8>>> {
        Ok(self.row(i)?.sequence_indices().collect())
    }

    #[pyo3(signature = (i, char, sequence_index=0))]
    fn char_to_token(&self, i: isize, char: u32, sequence_index: u8) -> PyResult<Option<usize>> {
        Ok(self.row(i)?.char_to_token(char, sequence_index))
    }

    #[pyo3(signature = (i, char, sequence_index=0))]
    fn char_to_word(&self, i: isize, char: u32, sequence_index: u8) -> PyResult<Option<u32>> {
        Ok(self.row(i)?.char_to_word(char, sequence_index))
    }

    fn token_to_chars(&self, i: isize, token: usize) -> PyResult<Option<(u32, u32)>> {
        Ok(self.row(i)?.token_to_chars(token))
    }

    fn token_to_word(&self, i: isize, token: usize) -> PyResult<Option<u32>> {
        Ok(self.row(i)?.token_to_word(token))
    }

    fn token_to_sequence(&self, i: isize, token: usize) -> PyResult<Option<u8>> {
        Ok(self.row(i)?.token_to_sequence(token))
    }

    #[pyo3(signature = (i, word, sequence_index=0))]
    fn word_to_tokens(
        &self,
        i: isize,
        word: u32,
        sequence_index: u8,
    ) -> PyResult<Option<(usize, usize)>> {
        Ok(self.row(i)?.word_to_tokens(word, sequence_index))
    }

    #[pyo3(signature = (i, word, sequence_index=0))]
    fn word_to_chars(
        &self,
        i: isize,
        word: u32,
        sequence_index: u8,
    ) -> PyResult<Option<(u32, u32)>> {
        Ok(self.row(i)?.word_to_chars(word, sequence_index))
    }
}

impl Encodings {
    /// `to_numpy` straight from a batch's columns: no per-row `Encoding` on the way.
    fn columns_to_numpy<'py>(
        &self,
        py: Python<'py>,
        cols: &batch::Columns,
        f: batch::Field,
    ) -> PyResult<Bound<'py, PyAny>> {
        let n = cols
            .width()
            .map_err(|(index, len, first)| Error::RaggedBatch { first, index, len })?;
        let per = if f == batch::Field::Offsets { 2 } else { 1 };
        let rows = cols.len();
        // the array is allocated before it is filled: a batch padded past memory is an error, not an abort
        // (named after the padding when that is what made the rows this long)
        let too_large = |error| match &cols.padding {
            Some((target, _)) if *target == n => Error::Padding { length: n, error },
            _ => Error::Array {
                rows,
                columns: n,
                error,
            },
        };
        let len = memory::count(&[rows, n, per], std::mem::size_of::<i64>()).map_err(too_large)?;
        if cols.all_zero(f) {
            // numpy's zeros are calloc'd: no page is written here (a third of a padded batch's pages),
            // and pages only read map the kernel's zero page. Refused as the buffer below would be.
            let bytes = memory::bytes(len, std::mem::size_of::<i64>()).map_err(too_large)?;
            let np = py.import(intern!(py, "numpy"))?;
            return np
                .call_method1(intern!(py, "zeros"), ((rows, n), intern!(py, "int64")))
                .map_err(|e| {
                    if e.is_instance_of::<PyMemoryError>(py) {
                        too_large(AllocError::OutOfMemory { bytes }).into()
                    } else {
                        e
                    }
                });
        }
        let mut flat = batch::WIDE.take(len).map_err(too_large)?;
        py.detach(|| {
            for r in cols.rows() {
                cols.extend_field(f, r, &mut flat);
            }
        });
        Ok(if per == 2 {
            recycled(py, flat, Ix3(rows, n, 2))?.into_any()
        } else {
            recycled(py, flat, Ix2(rows, n))?.into_any()
        })
    }
}
