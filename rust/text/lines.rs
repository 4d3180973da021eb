//! The input of `ferroformers tokenize` and `train-tokenizer`: documents one per line of a UTF-8 buffer, split
//! without a Python str per document, and the chunks of whole lines read from a plain-text file.

use super::error::Error;
use std::io::{self, Read};

/// The documents of `data`, one per line. Only "\n" separates documents; the buffer holds whole lines without
/// the last "\n" (an empty buffer is one empty document).
pub fn split_lines(data: &[u8]) -> Result<Vec<&str>, Error> {
    let text = std::str::from_utf8(data).map_err(|e| Error::InvalidUtf8 {
        at: e.valid_up_to(),
    })?;
    Ok(text.split('\n').collect())
}

/// Where a chunk of [`LineChunks`] lies in its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkSpan {
    /// byte offset of the chunk's first byte
    pub start: u64,
    /// the input's position after the chunk: past the "\n" that ended its last line, if there was one
    pub end: u64,
    /// 1-based line number of the chunk's first line
    pub first_line: u64,
    /// lines (documents) in the chunk
    pub lines: u64,
}

/// Reads an input in chunks of whole lines: the carried start of a line, then `chunk_bytes` read, up to the
/// last "\n" (a line longer than that is read on until its end). Each chunk is without the "\n" that ends its
/// last line: what [`split_lines`] takes. A final line without "\n" is a document; an empty input gives no
/// chunk. The caller's buffer is refilled in place, so a loop that hands buffers back reads without
/// allocating or faulting in fresh pages.
pub struct LineChunks<R> {
    reader: R,
    chunk_bytes: usize,
    /// the start of a line that the last read cut: it begins the next chunk
    carry: Vec<u8>,
    offset: u64,
    line: u64,
    done: bool,
}

impl<R: Read> LineChunks<R> {
    /// Chunks of `reader`, whose first byte is at `offset` of the input and begins line `line` (1-based).
    pub fn new(reader: R, chunk_bytes: usize, offset: u64, line: u64) -> Self {
        LineChunks {
            reader,
            chunk_bytes: chunk_bytes.max(1),
            carry: Vec::new(),
            offset,
            line,
            done: false,
        }
    }

    /// The next chunk into `buf` (cleared first), and where it lies; `None` at the end of the input.
    pub fn next_into(&mut self, buf: &mut Vec<u8>) -> io::Result<Option<ChunkSpan>> {
        if self.done {
            return Ok(None);
        }
        buf.clear();
        buf.append(&mut self.carry);
        // bytes of `buf` known to hold no "\n" (the carry never does)
        let mut searched = buf.len();
        let cut = loop {
            // `chunk_bytes` more each time (after the carry, as the Python reader of compressed input and
            // stdin reads: the same chunks either way); a line longer than that is read on
            let want = self.chunk_bytes;
            // `read_to_end` stops short of `want` only at the end of the input
            let got = (&mut self.reader).take(want as u64).read_to_end(buf)?;
            if let Some(i) = memchr::memrchr(b'\n', &buf[searched..]) {
                break Some(searched + i);
            }
            searched = buf.len();
            if got < want {
                break None; // the end of the input inside a line (or no input at all)
            }
        };
        let consumed = match cut {
            Some(i) => {
                self.carry.extend_from_slice(&buf[i + 1..]);
                buf.truncate(i);
                i + 1
            }
            None => {
                self.done = true;
                if buf.is_empty() {
                    return Ok(None);
                }
                buf.len()
            }
        };
        let lines = memchr::memchr_iter(b'\n', buf).count() as u64 + 1;
        let span = ChunkSpan {
            start: self.offset,
            end: self.offset + consumed as u64,
            first_line: self.line,
            lines,
        };
        self.offset = span.end;
        self.line += lines;
        Ok(Some(span))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every chunk of `data` read `step` bytes at a time (a reader that returns short reads, like a pipe).
    fn chunks(data: &[u8], chunk_bytes: usize, step: usize) -> Vec<(Vec<u8>, ChunkSpan)> {
        struct Trickle<'a>(&'a [u8], usize);
        impl Read for Trickle<'_> {
            fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
                let n = self.0.len().min(out.len()).min(self.1);
                out[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut reader = LineChunks::new(Trickle(data, step), chunk_bytes, 0, 1);
        let mut out = Vec::new();
        let mut buf = Vec::new();
        while let Some(span) = reader.next_into(&mut buf).unwrap() {
            out.push((buf.clone(), span));
        }
        assert!(reader.next_into(&mut buf).unwrap().is_none());
        out
    }

    /// The documents the chunks hold, checked against `str::split('\n')` of the whole input (a final "\n"
    /// ends the last document, it does not start one) and the spans against the positions in the input.
    fn check(data: &[u8], chunk_bytes: usize, step: usize) {
        let got = chunks(data, chunk_bytes, step);
        let mut docs: Vec<&[u8]> = Vec::new();
        let (mut at, mut line) = (0u64, 1u64);
        for (buf, span) in &got {
            assert_eq!(span.start, at);
            assert_eq!(span.first_line, line);
            assert_eq!(&data[span.start as usize..][..buf.len()], &buf[..]);
            assert!(span.end == span.start + buf.len() as u64 + 1 || span.end == data.len() as u64);
            let n = docs.len();
            docs.extend(buf.split(|&b| b == b'\n'));
            assert_eq!((docs.len() - n) as u64, span.lines);
            (at, line) = (span.end, line + span.lines);
        }
        assert_eq!(at, data.len() as u64);
        let body = data.strip_suffix(b"\n").unwrap_or(data);
        let expected: Vec<&[u8]> = if data.is_empty() {
            vec![]
        } else {
            body.split(|&b| b == b'\n').collect()
        };
        assert_eq!(docs, expected, "chunk_bytes {chunk_bytes}, step {step}");
    }

    #[test]
    fn chunks_hold_whole_lines_at_any_sizes() {
        let inputs: [&[u8]; 8] = [
            b"",
            b"\n",
            b"\n\n\n",
            b"one line",
            b"one line\n",
            b"a\nbb\n\nccc\ndddd",
            b"a\nbb\n\nccc\ndddd\n",
            "long line \u{00e9}\u{4e2d} with more text than a chunk\nshort\n\nx".as_bytes(),
        ];
        for data in inputs {
            for chunk_bytes in [1, 2, 3, 5, 8, 64, 1 << 20] {
                for step in [1, 2, 7, 1 << 20] {
                    check(data, chunk_bytes, step);
                }
            }
        }
    }

    #[test]
    fn chunks_are_about_chunk_bytes() {
        let data: Vec<u8> = (0..10_000)
            .flat_map(|i| format!("line {i}\n").into_bytes())
            .collect();
        let got = chunks(&data, 1 << 16, 1 << 20);
        assert!(got.len() > 1);
        for (buf, _) in &got[..got.len() - 1] {
            assert!(
                buf.len() + 1 >= (1 << 16) - 16 && buf.len() < (1 << 16) + 16,
                "{}",
                buf.len()
            );
        }
        check(&data, 1 << 16, 1 << 20);
        check(&data, 1000, 4096);
    }

    #[test]
    fn starts_where_it_is_told() {
        let mut reader = LineChunks::new(&b"c\nd"[..], 8, 100, 7);
        let mut buf = Vec::new();
        let mut next = || {
            let span = reader.next_into(&mut buf).unwrap();
            span.map(|s| (buf.clone(), s.start, s.end, s.first_line, s.lines))
        };
        // the last "\n" read ends the chunk, even when the input ends right after it
        assert_eq!(next(), Some((b"c".to_vec(), 100, 102, 7, 1)));
        assert_eq!(next(), Some((b"d".to_vec(), 102, 103, 8, 1)));
        assert_eq!(next(), None);
    }
}
