"""Reading documents: plain text (one document per line) or JSON Lines, gzip/zstd-compressed or not, from files
or stdin, in chunks of whole lines so that memory stays flat whatever the corpus size.

A chunk never splits a line, so UTF-8 is decoded chunk by chunk and an error is reported with its file, line
and byte. Only "\\n" ends a document (not the other characters `str.splitlines` breaks on); a final line without
"\\n" is a document; empty lines are empty documents. In JSON Lines, blank lines are skipped.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import select
import stat
import sys
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO, Literal, NamedTuple, Protocol, overload

from .._native import LineChunk, TextFileChunks
from . import CommandError, require

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


@dataclass(frozen=True)
class Source:
    path: str  # "-" for stdin
    format: str  # "text" | "jsonl" | "parquet"
    compression: str | None  # None | "gzip" | "zstd"
    size: int | None  # bytes on disk (None for stdin)

    @property
    def name(self) -> str:
        return "<stdin>" if self.path == "-" else self.path


@dataclass(frozen=True)
class Corpus:
    """The documents a command reads (its INPUT arguments): the sources, checked to exist before any work starts,
    and how to read the text out of them."""

    sources: tuple[Source, ...]
    text_field: str = "text"  # the JSON Lines field / Parquet column holding the text
    errors: str = (
        "strict"  # invalid UTF-8: "strict" stops with an error naming file, line and byte; "replace"
    )

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Corpus:
        return cls(tuple(describe(args.inputs, args.input_format)), args.text_field, args.errors)

    @property
    def size(self) -> int | None:
        """Bytes on disk of every source; None when one is stdin."""
        sizes = [s.size for s in self.sources]
        return None if None in sizes else sum(s or 0 for s in sizes)


def add_corpus_arguments(parser: argparse.ArgumentParser) -> None:
    """The INPUT arguments of every command that reads a corpus (`Corpus.from_args` reads them back)."""
    parser.add_argument(
        "inputs",
        nargs="+",
        metavar="INPUT",
        help="text files (one document per line) or .jsonl files, optionally .gz/.zst; - for stdin",
    )
    parser.add_argument(
        "--input-format",
        choices=["text", "jsonl", "parquet"],
        default=None,
        help="default: jsonl for *.jsonl / *.ndjson (also compressed), parquet for *.parquet, text otherwise",
    )
    parser.add_argument(
        "--text-field", default="text", help="the JSON Lines field holding the text (default: text)"
    )
    parser.add_argument(
        "--errors",
        choices=["strict", "replace"],
        default="strict",
        help="invalid UTF-8: stop with an error naming file, line and byte (strict, default) "
        "or substitute U+FFFD (replace)",
    )


class Position(NamedTuple):
    """Where reading stands in a corpus: source `source`, `offset` into it (uncompressed bytes; rows for
    Parquet), 1-based `line` of the next document. Saved in a checkpoint as a JSON list."""

    source: int = 0
    offset: int = 0
    line: int = 1


@dataclass
class ReadProgress:
    """Raw (on-disk, compressed) bytes read so far across the sources, kept up to date by the reader."""

    raw_bytes: int = 0


@dataclass(frozen=True)
class TextChunk:
    """Decoded documents: JSON Lines, Parquet, or text read with --errors replace."""

    texts: list[str]
    source_index: int
    end: int  # the source's position after this chunk (uncompressed bytes; rows for Parquet)
    first_line: int  # 1-based line number of texts[0] in its source
    line_numbers: (
        list[int] | None
    )  # per text (JSON Lines skips blank lines); None: consecutive from first_line

    def line_of(self, i: int) -> int:
        return self.line_numbers[i] if self.line_numbers else self.first_line + i

    def next_line(self, n_docs: int) -> int:
        """The line after this chunk's last document."""
        return self.line_numbers[-1] + 1 if self.line_numbers else self.first_line + n_docs


@dataclass(frozen=True)
class ByteChunk:
    """Whole lines of plain text, undecoded, without the last "\\n": the native tokenizer validates the UTF-8
    and splits the lines itself, without a Python str per document. From a file, the lines are a native
    `LineChunk` (read in Rust into a reused buffer; `bytes(data)` copies it); from stdin or a compressed
    file, `bytes`."""

    data: bytes | LineChunk
    source_index: int
    start: int  # uncompressed byte offset of `data` in its source
    end: int  # the source's position after this chunk (uncompressed bytes)
    first_line: int  # 1-based line number of the first line of `data`

    def next_line(self, n_docs: int) -> int:
        return self.first_line + n_docs


Chunk = TextChunk | ByteChunk


def _sniff(path: str, head: bytes) -> str | None:
    if head.startswith(GZIP_MAGIC):
        return "gzip"
    if head.startswith(ZSTD_MAGIC):
        return "zstd"
    return None


def describe(paths: list[str], input_format: str | None) -> list[Source]:
    """Check every input exists and is readable before any work starts; detect format and compression."""
    if not paths:
        raise CommandError("no input given (pass files, or - for stdin)")
    if paths.count("-") > 1:
        raise CommandError("stdin (-) can be given only once")
    sources = []
    for path in paths:
        base = path
        for ext in (".gz", ".zst", ".zstd"):
            base = base.removesuffix(ext)
        if input_format:
            fmt = input_format
        elif base.endswith((".jsonl", ".ndjson")):
            fmt = "jsonl"
        elif base.endswith(".parquet"):
            fmt = "parquet"
        else:
            fmt = "text"
        if path == "-":
            sources.append(Source("-", fmt, None, None))
            continue
        if os.path.isdir(path):
            raise CommandError(f"{path}: is a folder, not a file")
        try:
            with open(path, "rb") as f:
                head = f.read(4)
            size = os.path.getsize(path)
        except FileNotFoundError:
            raise CommandError(f"{path}: no such file") from None
        except OSError as e:
            raise CommandError(f"{path}: cannot read: {e.strerror or e}") from None
        sources.append(Source(path, fmt, _sniff(path, head), size))
    return sources


class _CountingReader(io.RawIOBase):
    """Counts the raw (compressed) bytes read from a file, for progress. Closing it closes the file it reads
    when it opened it (not stdin)."""

    def __init__(self, raw: BinaryIO, *, owned: bool) -> None:
        self.raw = raw
        self.owned = owned
        self.count = 0
        self.fd = _pollable_fd(raw)

    def close(self) -> None:
        if not self.closed and self.owned:
            self.raw.close()
        super().close()

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return self.raw.seekable()

    def seek(self, pos: int, whence: int = 0) -> int:
        self.count = pos if whence == 0 else self.count
        return self.raw.seek(pos, whence)

    def tell(self) -> int:
        return self.raw.tell()

    def readinto(self, b: WriteableBuffer, /) -> int:
        if self.fd is not None:
            _wait_readable(self.fd)
        n = self.raw.readinto(b)  # type: ignore[attr-defined]  # (a BinaryIO has no readinto in typeshed)
        self.count += n or 0
        return n or 0


def _pollable_fd(raw: BinaryIO) -> int | None:
    """The file descriptor of a pipe, terminal or socket (reads that wait for a writer), else None."""
    if os.name != "posix":
        return None
    try:
        fd = raw.fileno()
        mode = os.fstat(fd).st_mode
    except (OSError, ValueError):  # io.UnsupportedOperation is both
        return None
    return fd if stat.S_ISFIFO(mode) or stat.S_ISCHR(mode) or stat.S_ISSOCK(mode) else None


def _wait_readable(fd: int) -> None:
    """Wait until `fd` has data (or its end), in short slices. A read of a pipe blocks in the kernel until a
    writer sends something, and Ctrl-C's SIGINT does not interrupt it when another thread of the process (a
    native library's worker) takes the signal: Python then runs its handler only when the main thread comes
    back to Python code, which these slices guarantee within a quarter of a second."""
    while not select.select([fd], [], [], 0.25)[0]:
        pass


class _Stream(Protocol):
    """What reading needs of a (decompressed) input stream."""

    def read(self, size: int, /) -> bytes: ...

    def seek(self, offset: int, /) -> int: ...

    def close(self) -> None: ...


def _open(source: Source) -> tuple[_Stream, _CountingReader]:
    if source.path == "-":
        # below stdin's buffer: one read per call returns a pipe's data as it comes (nothing has read stdin yet)
        raw: BinaryIO = getattr(sys.stdin.buffer, "raw", sys.stdin.buffer)
    else:
        raw = open(source.path, "rb")
    counter = _CountingReader(raw, owned=source.path != "-")
    buffered = io.BufferedReader(counter, buffer_size=1 << 20)
    # a file was sniffed when described; stdin is, by a peek (one read) that stays in the buffer
    compression = _sniff("-", buffered.peek(4)[:4]) if source.path == "-" else source.compression
    if compression == "gzip":
        return gzip.GzipFile(fileobj=buffered), counter
    if compression == "zstd":
        zstandard = require("zstandard", f"{source.name}: zstd-compressed input")
        reader: _Stream = zstandard.ZstdDecompressor().stream_reader(buffered, read_across_frames=True)
        return reader, counter
    return buffered, counter


def _skip(stream: _Stream, n: int, source: Source) -> None:
    """Skip n uncompressed bytes (resume); seek when the stream allows it."""
    if n == 0:
        return
    if source.compression is None and source.path != "-":
        stream.seek(n)
        return
    left = n
    while left:
        block = stream.read(min(left, 1 << 22))
        if not block:
            raise CommandError(f"{source.name}: shorter than when the interrupted run read it; cannot resume")
        left -= len(block)


def decode_lines(data: bytes | LineChunk, source: Source, errors: str, start: int, first_line: int) -> str:
    data = bytes(data)  # the same object for bytes
    try:
        return data.decode("utf-8", errors="replace" if errors == "replace" else "strict")
    except UnicodeDecodeError as e:
        line = first_line + data.count(b"\n", 0, e.start)
        col = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        raise CommandError(
            f"{source.name}: line {line}, byte {start + e.start} (column byte {col}): invalid UTF-8 "
            f"({e.reason}); pass --errors replace to substitute U+FFFD"
        ) from None


def _jsonl_texts(text: str, source: Source, first_line: int, field: str) -> tuple[list[str], list[int]]:
    texts, lines = [], []
    for i, line in enumerate(text.split("\n")):
        if not line.strip():
            continue
        where = f"{source.name}: line {first_line + i}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as e:
            raise CommandError(f"{where}, column {e.colno}: not valid JSON ({e.msg})") from None
        if not isinstance(record, dict):
            raise CommandError(f"{where}: expected a JSON object, found {type(record).__name__}")
        if field not in record:
            raise CommandError(f"{where}: no field {field!r} (choose one with --text-field)")
        value = record[field]
        if not isinstance(value, str):
            raise CommandError(f"{where}: field {field!r} is {type(value).__name__}, not a string")
        texts.append(value)
        lines.append(first_line + i)
    return texts, lines


@overload
def read_chunks(
    corpus: Corpus,
    *,
    chunk_bytes: int = ...,
    start: Position = ...,
    progress: ReadProgress | None = ...,
    raw_text: Literal[False] = ...,
) -> Generator[TextChunk, None, None]: ...


@overload
def read_chunks(
    corpus: Corpus,
    *,
    chunk_bytes: int = ...,
    start: Position = ...,
    progress: ReadProgress | None = ...,
    raw_text: bool,
) -> Generator[Chunk, None, None]: ...


def read_chunks(
    corpus: Corpus,
    *,
    chunk_bytes: int = 8 << 20,
    start: Position = Position(),  # noqa: B008
    progress: ReadProgress | None = None,
    raw_text: bool = False,
) -> Generator[Chunk, None, None]:
    """Yield chunks of whole documents, in input order, from `start` on.

    With `raw_text` (and errors="strict"), plain text comes as `ByteChunk`s (the caller validates and splits
    them: the native tokenizer does both without a Python str per document); everything else as `TextChunk`s.
    `progress`, when given, is kept at the raw bytes read so far.
    """
    sources, errors = corpus.sources, corpus.errors
    done_raw = sum((s.size or 0) for s in sources[: start.source])
    for index in range(start.source, len(sources)):
        source = sources[index]
        offset = start.offset if index == start.source else 0
        if source.format == "parquet":
            yield from _parquet_chunks(source, index, offset, corpus.text_field, done_raw, progress)
            done_raw += source.size or 0
            continue
        line = start.line if index == start.source else 1
        if raw_text and errors == "strict" and source.format == "text" and _native_readable(source):
            yield from _native_chunks(source, index, offset, line, chunk_bytes, done_raw, progress)
            done_raw += source.size or 0
            continue
        stream, counter = _open(source)
        try:
            _skip(stream, offset, source)
            carry = b""
            while True:
                block = stream.read(chunk_bytes)
                if progress is not None:
                    progress.raw_bytes = done_raw + counter.count
                data = carry + block if carry else block
                if block:
                    cut = data.rfind(b"\n")
                    if cut < 0:  # no line end yet: keep reading (a single line longer than a chunk)
                        carry = data
                        continue
                    body, carry = data[: cut + 1], data[cut + 1 :]
                    body = body[:-1]  # the last "\n" ends the last document; it does not start a new one
                elif data:
                    body, carry = data, b""  # last line without "\n"
                else:
                    break
                consumed = len(body) + (1 if block else 0)
                chunk: Chunk
                if raw_text and errors == "strict" and source.format == "text":
                    chunk = ByteChunk(body, index, offset, offset + consumed, line)
                else:
                    text = decode_lines(body, source, errors, offset, line)
                    if source.format == "jsonl":
                        texts, numbers = _jsonl_texts(text, source, line, corpus.text_field)
                        chunk = TextChunk(texts, index, offset + consumed, line, numbers)
                    else:
                        chunk = TextChunk(text.split("\n"), index, offset + consumed, line, None)
                offset += consumed
                line += body.count(b"\n") + 1
                yield chunk
                if not block:
                    break
        except (OSError, EOFError, gzip.BadGzipFile) as e:
            raise CommandError(f"{source.name}: cannot read: {e}") from None
        finally:
            stream.close()  # a gzip stream does not close the file under it: the counter does
            counter.close()
        done_raw += source.size or 0


def _native_readable(source: Source) -> bool:
    """A plain uncompressed file (not stdin, not a pipe or device: its reads may wait on a writer, which the
    Python reader's short selects keep interruptible) is read in Rust."""
    if source.path == "-" or source.compression is not None:
        return False
    try:
        return stat.S_ISREG(os.stat(source.path).st_mode)
    except OSError:
        return False


def _native_chunks(
    source: Source,
    index: int,
    offset: int,
    line: int,
    chunk_bytes: int,
    done_raw: int,
    progress: ReadProgress | None,
) -> Generator[ByteChunk, None, None]:
    """A plain-text file's chunks read by the native reader (the GIL released while it reads)."""
    try:
        reader = TextFileChunks(source.path, chunk_bytes=chunk_bytes, offset=offset, first_line=line)
        try:
            for chunk in reader:
                if progress is not None:
                    progress.raw_bytes = done_raw + chunk.end
                yield ByteChunk(chunk, index, chunk.start, chunk.end, chunk.first_line)
        finally:
            reader.close()
    except OSError as e:
        raise CommandError(f"{source.name}: cannot read: {e.strerror or e}") from None


def _parquet_chunks(
    source: Source, index: int, skip: int, field: str, done_raw: int, progress: ReadProgress | None
) -> Iterator[TextChunk]:
    """Documents from a Parquet column; positions (for --resume) count rows, not bytes."""
    if source.path == "-" or source.compression is not None:
        raise CommandError(f"{source.name}: Parquet input must be an uncompressed file, not stdin")
    pq = require("pyarrow.parquet", f"{source.name}: Parquet input")
    try:
        parquet = pq.ParquetFile(source.path)
    except Exception as e:  # pyarrow raises its own ArrowInvalid for a file that is not Parquet
        raise CommandError(f"{source.name}: not a readable Parquet file ({e})") from None
    if field not in parquet.schema_arrow.names:
        raise CommandError(f"{source.name}: no column {field!r} (choose one with --text-field)")
    total = max(parquet.metadata.num_rows, 1)
    row = 0
    for batch in parquet.iter_batches(batch_size=65536, columns=[field]):
        texts = batch.column(0).to_pylist()
        first = row
        row += len(texts)
        if row <= skip:
            continue
        texts = texts[max(0, skip - first) :]
        first = max(first, skip)
        for i, text in enumerate(texts):
            if not isinstance(text, str):
                raise CommandError(
                    f"{source.name}: row {first + i}: column {field!r} is {type(text).__name__}, not a string"
                )
        if progress is not None:
            progress.raw_bytes = done_raw + int((source.size or 0) * row / total)
        yield TextChunk(texts, index, row, first + 1, None)
