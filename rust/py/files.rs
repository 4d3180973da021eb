//! Plain-text files read in Rust for `ferroformers tokenize` and `train-tokenizer`: `TextFileChunks` reads
//! chunks of whole lines (rust/text/lines.rs) with the GIL released into buffers that it reuses, and hands
//! each out as a `LineChunk`, which `encode_lines_flat` and `feed_lines` take without a copy (as they take
//! `bytes`). A chunk's buffer goes back to its reader when the chunk is dropped.

use super::errors::{guarded, OutOfMemoryError, TokenizerError};
use crate::text::lines::{ChunkSpan, LineChunks};
use crate::text::pool::Pool;
use pyo3::exceptions::{PyOSError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use std::fs::File;
use std::io::{Seek, SeekFrom};
use std::sync::Arc;

/// Buffers a reader keeps for reuse: one being filled, one being tokenized, the ones queued between them.
const KEEP_BUFFERS: usize = 4;

type Buffers = Arc<Pool<Vec<u8>>>;

/// Chunks of whole lines of a plain-text file (see _native.pyi).
#[pyclass(module = "ferroformers._native")]
pub struct TextFileChunks {
    chunks: Option<LineChunks<File>>,
    pool: Buffers,
    chunk_bytes: usize,
    path: std::path::PathBuf,
}

#[pymethods]
impl TextFileChunks {
    #[new]
    #[pyo3(signature = (path, *, chunk_bytes=8 << 20, offset=0, first_line=1))]
    fn new(
        py: Python<'_>,
        path: std::path::PathBuf,
        chunk_bytes: usize,
        offset: u64,
        first_line: u64,
    ) -> PyResult<Self> {
        if chunk_bytes == 0 {
            return Err(PyValueError::new_err(
                "chunk_bytes must be at least 1, got 0",
            ));
        }
        if chunk_bytes > isize::MAX as usize - (1 << 16) {
            return Err(TokenizerError::new_err(format!(
                "chunk_bytes={chunk_bytes} is larger than any buffer"
            )));
        }
        if first_line == 0 {
            return Err(PyValueError::new_err("first_line is 1-based, got 0"));
        }
        // an OSError (FileNotFoundError, PermissionError, ...) with the path, as Python's open() raises
        let mut file = File::open(&path).map_err(|e| io_error(py, e, &path))?;
        if offset > 0 {
            file.seek(SeekFrom::Start(offset))
                .map_err(|e| io_error(py, e, &path))?;
        }
        Ok(TextFileChunks {
            chunks: Some(LineChunks::new(file, chunk_bytes, offset, first_line)),
            pool: Arc::new(Pool::new(KEEP_BUFFERS)),
            chunk_bytes,
            path,
        })
    }

    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&mut self, py: Python<'_>) -> PyResult<Option<LineChunk>> {
        let Some(chunks) = self.chunks.as_mut() else {
            return Ok(None);
        };
        let mut buf = self.pool.take();
        let capacity = self.chunk_bytes.saturating_add(1 << 16);
        let next = py.detach(|| {
            guarded(|| -> Result<Option<ChunkSpan>, ReadError> {
                // the buffer's capacity is reserved once (a failure is a MemoryError, not an abort)
                buf.clear();
                buf.try_reserve_exact(capacity)?;
                Ok(chunks.next_into(&mut buf)?)
            })
        })?;
        match next.map_err(|e| e.into_pyerr(py, &self.path, self.chunk_bytes))? {
            Some(span) => Ok(Some(LineChunk {
                data: Some(Arc::new(buf)),
                span,
                pool: Arc::clone(&self.pool),
            })),
            None => {
                self.close();
                Ok(None)
            }
        }
    }

    /// Close the file (also done at the end of the file).
    fn close(&mut self) {
        self.chunks = None;
    }
}

/// Why a read failed: the file's own error, or no memory for the buffer.
enum ReadError {
    Io(std::io::Error),
    Memory,
}

impl From<std::io::Error> for ReadError {
    fn from(e: std::io::Error) -> Self {
        ReadError::Io(e)
    }
}

impl From<std::collections::TryReserveError> for ReadError {
    fn from(_: std::collections::TryReserveError) -> Self {
        ReadError::Memory
    }
}

impl ReadError {
    fn into_pyerr(self, py: Python<'_>, path: &std::path::Path, chunk_bytes: usize) -> PyErr {
        match self {
            ReadError::Io(e) => io_error(py, e, path),
            ReadError::Memory => OutOfMemoryError::new_err(format!(
                "chunk_bytes={chunk_bytes}: a chunk buffer of {chunk_bytes} bytes does not fit in memory"
            )),
        }
    }
}

/// The OSError for `e` as Python's own `open` raises it: `OSError(errno, strerror, filename)`, which is the
/// subclass for the errno (FileNotFoundError, PermissionError, ...).
fn io_error(py: Python<'_>, e: std::io::Error, path: &std::path::Path) -> PyErr {
    let Some(errno) = e.raw_os_error() else {
        return e.into();
    };
    let exc = py
        .import("os")
        .and_then(|os| os.call_method1("strerror", (errno,)))
        .and_then(|strerror| {
            py.get_type::<PyOSError>()
                .call1((errno, strerror, path.to_string_lossy().into_owned()))
        });
    match exc {
        Ok(exc) => PyErr::from_value(exc),
        Err(err) => err,
    }
}

/// Whole lines of a file without the "\n" that ends the last one, and where they lie (see _native.pyi).
#[pyclass(module = "ferroformers._native", frozen)]
pub struct LineChunk {
    data: Option<Arc<Vec<u8>>>,
    span: ChunkSpan,
    pool: Buffers,
}

impl LineChunk {
    /// The bytes, shared with whoever encodes them while the GIL is released.
    pub(crate) fn shared(&self) -> Arc<Vec<u8>> {
        Arc::clone(
            self.data
                .as_ref()
                .expect("a chunk's data is taken only when it is dropped"),
        )
    }
}

impl Drop for LineChunk {
    fn drop(&mut self) {
        if let Some(Ok(buf)) = self.data.take().map(Arc::try_unwrap) {
            self.pool.give(buf);
        }
    }
}

#[pymethods]
impl LineChunk {
    /// Byte offset of the chunk's first byte in its file.
    #[getter]
    fn start(&self) -> u64 {
        self.span.start
    }

    /// The file's position after the chunk (past the "\n" that ended its last line, if any).
    #[getter]
    fn end(&self) -> u64 {
        self.span.end
    }

    /// 1-based line number of the chunk's first line.
    #[getter]
    fn first_line(&self) -> u64 {
        self.span.first_line
    }

    /// Lines (documents) in the chunk.
    #[getter]
    fn lines(&self) -> u64 {
        self.span.lines
    }

    fn __len__(&self) -> usize {
        self.data.as_ref().map_or(0, |d| d.len())
    }

    /// A copy of the bytes (for error reports).
    fn __bytes__<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, self.data.as_ref().map_or(&[][..], |d| &d[..]))
    }
}

/// The `data` argument of the line encoders: `bytes` (borrowed) or a `LineChunk` (shared).
pub(crate) enum Lines<'a> {
    Borrowed(&'a [u8]),
    Shared(Arc<Vec<u8>>),
}

impl Lines<'_> {
    pub(crate) fn as_slice(&self) -> &[u8] {
        match self {
            Lines::Borrowed(b) => b,
            Lines::Shared(v) => v,
        }
    }
}

pub(crate) fn extract_lines<'a>(data: &'a Bound<'_, PyAny>) -> PyResult<Lines<'a>> {
    if let Ok(chunk) = data.cast::<LineChunk>() {
        return Ok(Lines::Shared(chunk.get().shared()));
    }
    if let Ok(bytes) = data.cast::<PyBytes>() {
        return Ok(Lines::Borrowed(bytes.as_bytes()));
    }
    Err(PyTypeError::new_err(format!(
        "data must be bytes or a LineChunk, not {}",
        super::convert::type_name(data)
    )))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<TextFileChunks>()?;
    m.add_class::<LineChunk>()?;
    Ok(())
}
