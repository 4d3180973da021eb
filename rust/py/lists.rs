//! Python lists built over the CPython API: ints from a table made once (a reference count increment per item
//! instead of an allocation), rows of few runs by CPython's own list repetition, the cyclic GC paused while a
//! batch's lists are made and the row lists (which hold no container) kept out of it.

use crate::memory::prefetch;
use crate::text::Side;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyList;

/// Python ints 0..n, made once per tokenizer (on the first list built) and shared by every batch it
/// encodes: filling a list from them costs a reference count increment per item instead of an int
/// allocation (ids are mostly > 256, past CPython's small-int cache), and no call pays for making them again.
/// Values past the table are created one by one.
pub(super) struct IntCache(Vec<Py<PyAny>>);

impl IntCache {
    pub(super) fn new(py: Python<'_>, n: usize) -> IntCache {
        IntCache((0..n as u32).map(|i| int(py, i).unbind()).collect())
    }

    /// Ask for the int objects of `v` to be brought into cache (their reference counts are written soon).
    #[inline]
    pub(super) fn prefetch(&self, v: &[u32]) {
        for &x in v {
            if let Some(o) = self.0.get(x as usize) {
                prefetch(o.as_ptr() as *const u8);
            }
        }
    }

    /// A new (owned) reference to the int `x`.
    #[inline]
    pub(super) fn get(&self, py: Python<'_>, x: u32) -> *mut ffi::PyObject {
        match self.0.get(x as usize) {
            Some(o) => o.clone_ref(py).into_ptr(),
            None => int(py, x).into_ptr(),
        }
    }
}

/// Python ints 0..=max made once per call, for values that depend on the text (character offsets).
/// Values past `LIMIT` are created one by one.
pub(super) struct IntTable<'py>(Vec<Bound<'py, PyAny>>);

impl<'py> IntTable<'py> {
    const LIMIT: u32 = 1 << 20;

    pub(super) fn new(py: Python<'py>, max: u32) -> PyResult<Self> {
        Ok(IntTable(
            (0..=max.min(Self::LIMIT)).map(|i| int(py, i)).collect(),
        ))
    }

    /// A new (owned) reference to the int `x`.
    pub(super) fn get(&self, py: Python<'py>, x: u32) -> PyResult<*mut ffi::PyObject> {
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

/// Prefetch up to `max_lines` cache lines of `v`.
#[inline]
pub(super) fn prefetch_slice<T>(v: &[T], max_lines: usize) {
    let bytes = std::mem::size_of_val(v).min(max_lines * 64);
    let p = v.as_ptr() as *const u8;
    for off in (0..bytes).step_by(64) {
        // SAFETY: `off` < size_of_val(v): inside the slice
        prefetch(unsafe { p.add(off) });
    }
}

/// Builds one list per row from `u32` values. A row made of a few runs of one value (masks, type ids) is
/// built by CPython's own list repetition (`[x] * n`, one C loop), other rows item by item.
pub(super) struct RowLists<'a, 'py> {
    py: Python<'py>,
    ints: &'a IntCache,
    /// `[x]` for the values repeated so far (masks and type ids use few distinct values)
    singles: Vec<(u32, Bound<'py, PyList>)>,
}

impl<'a, 'py> RowLists<'a, 'py> {
    /// Rows of at most this many runs are repeated, not filled: a run costs a list allocation.
    const MAX_RUNS: usize = 3;

    pub(super) fn new(py: Python<'py>, ints: &'a IntCache) -> Self {
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
    pub(super) fn runs(&mut self, runs: &[(u32, usize)]) -> PyResult<Bound<'py, PyAny>> {
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
                    let at = len as ffi::Py_ssize_t;
                    // SAFETY: `l` is a list only we hold, of `len` items: slice assignment at its end extends it
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
    pub(super) fn items(
        &mut self,
        v: &[u32],
        pad_value: u32,
        pad: Pad,
    ) -> PyResult<Bound<'py, PyAny>> {
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
    pub(super) fn row(&mut self, v: &[u32]) -> PyResult<Bound<'py, PyAny>> {
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
pub(super) fn untrack(list: &Bound<'_, PyAny>) {
    // SAFETY: `list` is a live GC object; untracking an object is always allowed (and idempotent)
    unsafe { ffi::PyObject_GC_UnTrack(list.as_ptr().cast()) };
}

/// A new list of `n` empty slots, each to be filled with `PyList_SetItem`.
pub(super) fn new_list(py: Python<'_>, n: usize) -> PyResult<Bound<'_, PyList>> {
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
pub(super) fn outer_list<'py>(
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

/// A pad of `n` items on `side` of a row.
#[derive(Clone, Copy)]
pub(super) struct Pad {
    pub(super) n: usize,
    pub(super) side: Side,
}

impl Pad {
    pub(super) const NONE: Pad = Pad {
        n: 0,
        side: Side::Right,
    };

    /// Add the run `(x, n)` of the pad on its side of `runs`.
    pub(super) fn around(&self, x: u32, runs: &mut Vec<(u32, usize)>) {
        if self.n > 0 {
            match self.side {
                Side::Right => runs.push((x, self.n)),
                Side::Left => runs.insert(0, (x, self.n)),
            }
        }
    }
}

/// Lists of `(start, end)` tuples, one list per row: `row(i, buf)` appends row i's offsets to `buf`
/// (empty); `max` bounds every offset.
pub(super) fn offset_lists<'py>(
    py: Python<'py>,
    n_rows: usize,
    max: u32,
    mut row: impl FnMut(usize, &mut Vec<(u32, u32)>),
) -> PyResult<Bound<'py, PyList>> {
    let mut pairs = PairTable::new(IntTable::new(py, max)?);
    let mut buf = vec![];
    outer_list(py, n_rows, |i| {
        buf.clear();
        row(i, &mut buf);
        let inner = new_list(py, buf.len())?;
        for (j, &(a, b)) in buf.iter().enumerate() {
            let t = pairs.get(py, a, b)?;
            // SAFETY: `inner` is a fresh list of buf.len() empty slots; the new reference `t` moves into slot j
            unsafe { ffi::PyList_SetItem(inner.as_ptr(), j as ffi::Py_ssize_t, t) };
        }
        untrack(&inner);
        Ok(inner.into_any())
    })
}

/// `(start, end)` tuples made once per call and shared: offsets repeat across the rows of a batch (a word of
/// 4 chars at char 10 is `(10, 14)` in many rows), and a tuple is immutable, so one object serves them all
/// (CPython shares small ints the same way). Short spans near the start of a text are kept; others are made
/// one by one.
struct PairTable<'py> {
    ints: IntTable<'py>,
    made: Vec<Option<Bound<'py, PyAny>>>,
}

impl<'py> PairTable<'py> {
    /// starts kept, and spans kept per start
    const STARTS: u32 = 4096;
    const SPANS: u32 = 32;

    fn new(ints: IntTable<'py>) -> Self {
        PairTable { ints, made: vec![] }
    }

    /// A new (owned) reference to the tuple `(a, b)`.
    fn get(&mut self, py: Python<'py>, a: u32, b: u32) -> PyResult<*mut ffi::PyObject> {
        let slot = (a < Self::STARTS && b >= a && b - a < Self::SPANS)
            .then(|| (a * Self::SPANS + (b - a)) as usize);
        if let Some(k) = slot {
            if let Some(Some(t)) = self.made.get(k) {
                return Ok(t.clone().into_ptr());
            }
        }
        // SAFETY: a fresh 2-tuple (checked for NULL) whose two slots each receive a new reference
        let t = unsafe {
            let t = ffi::PyTuple_New(2);
            if t.is_null() {
                return Err(PyErr::fetch(py));
            }
            let t = Bound::from_owned_ptr(py, t);
            ffi::PyTuple_SetItem(t.as_ptr(), 0, self.ints.get(py, a)?);
            ffi::PyTuple_SetItem(t.as_ptr(), 1, self.ints.get(py, b)?);
            // a tuple of two ints: what CPython's own collector untracks on its first pass over it
            ffi::PyObject_GC_UnTrack(t.as_ptr().cast());
            t
        };
        if let Some(k) = slot {
            if self.made.is_empty() {
                self.made = vec![None; (Self::STARTS * Self::SPANS) as usize];
            }
            self.made[k] = Some(t.clone());
        }
        Ok(t.into_ptr())
    }
}
