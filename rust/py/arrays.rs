//! numpy arrays over the flat encoders' recycled buffers (`batch::IDS`, `batch::WIDE`): the array's base
//! object owns the buffer and gives it back when numpy frees it, so the next flat call writes into pages
//! that are mapped already (fresh ones cost a page fault per 4 KiB: ~15% of the flat path with offsets on
//! multilingual text, in perf).

use crate::text::batch::{IDS, WIDE};
use numpy::ndarray::{ArrayView, Dimension, Ix1, ShapeBuilder};
use numpy::{Element, PyArray, PyArray1};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;

/// A buffer and the recycler it goes back to.
pub enum Buffer {
    Ids(Vec<u32>),
    Wide(Vec<i64>),
}

/// The base object of the arrays made of one recycled buffer.
#[pyclass(frozen, module = "ferroformers._native")]
pub struct RecycledBuffer {
    buffer: Buffer,
}

impl Drop for RecycledBuffer {
    fn drop(&mut self) {
        match std::mem::replace(&mut self.buffer, Buffer::Ids(Vec::new())) {
            Buffer::Ids(v) => IDS.give(v),
            Buffer::Wide(v) => WIDE.give(v),
        }
    }
}

/// Values that a `RecycledBuffer` can own.
pub trait Recyclable: Element + Sized {
    fn buffer(v: Vec<Self>) -> Buffer;
}

impl Recyclable for u32 {
    fn buffer(v: Vec<u32>) -> Buffer {
        Buffer::Ids(v)
    }
}

impl Recyclable for i64 {
    fn buffer(v: Vec<i64>) -> Buffer {
        Buffer::Wide(v)
    }
}

/// `data` as a writable C-contiguous array of `shape` (whose size must be `data.len()`: a RuntimeError
/// otherwise), without a copy; the buffer goes back to its recycler when the array (and every view of it) is
/// freed.
pub fn recycled<'py, T: Recyclable, D: Dimension>(
    py: Python<'py>,
    data: Vec<T>,
    shape: D,
) -> PyResult<Bound<'py, PyArray<T, D>>> {
    if shape.size() != data.len() {
        return Err(PyRuntimeError::new_err(format!(
            "internal error: an array of shape {:?} over {} values",
            shape.slice(),
            data.len()
        )));
    }
    let ptr = data.as_ptr();
    let owner = Bound::new(
        py,
        RecycledBuffer {
            buffer: T::buffer(data),
        },
    )?;
    // SAFETY: `ptr` points at `shape.size()` initialized values of the buffer that `owner` holds, unchanged
    // (never grown, written or moved by Rust) until `owner` is dropped, which the array's base reference
    // prevents while the array lives; a C-order shape over exactly those values
    let view = unsafe { ArrayView::from_shape_ptr(shape.into_shape_with_order(), ptr) };
    // SAFETY: as above: `owner` becomes the array's base and keeps the memory alive
    Ok(unsafe { PyArray::borrow_from_array(&view, owner.into_any()) })
}

/// `data` as a one-dimensional array (`recycled`).
pub fn recycled_vector<T: Recyclable>(
    py: Python<'_>,
    data: Vec<T>,
) -> PyResult<Bound<'_, PyArray1<T>>> {
    let n = data.len();
    recycled(py, data, Ix1(n))
}
