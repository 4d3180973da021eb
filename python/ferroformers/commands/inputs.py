"""Reading documents: plain text (one document per line) or JSON Lines, gzip/zstd-compressed or not, from files
or stdin, in chunks of whole lines so that memory stays flat whatever the corpus size.

A chunk never splits a line, so UTF-8 is decoded chunk by chunk and an error is reported with its file, line
and byte. Only "\\n" ends a document (not the other characters `str.splitlines` breaks on); a final line without
"\\n" is a document; empty lines are empty documents. In JSON Lines, blank lines are skipped.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from . import CommandError, require

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


@dataclass
class Chunk:
    texts: list[str]
    source_index: int
    end: int  # uncompressed bytes of the source consumed after this chunk
    first_line: int  # 1-based line number of texts[0] in its source
    line_numbers: list[int] | None  # per text (JSON Lines skips blank lines); None: consecutive from first_line
    nbytes: int  # raw bytes this chunk covers
    data: bytes | None = None  # undecoded whole lines (without the last "\n"), instead of `texts`
    start: int = 0  # uncompressed byte offset of the chunk in its source


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

    def readinto(self, b: bytearray) -> int:  # type: ignore[override]
        n = self.raw.readinto(b)  # type: ignore[attr-defined]
        self.count += n or 0
        return n or 0


def _open(source: Source) -> tuple[BinaryIO, _CountingReader]:
    if source.path == "-":
        raw: BinaryIO = sys.stdin.buffer
        peek = raw.peek(4)[:4] if hasattr(raw, "peek") else b""  # type: ignore[attr-defined]
        compression = _sniff("-", peek)
    else:
        raw = open(source.path, "rb")
        compression = source.compression
    counter = _CountingReader(raw, owned=source.path != "-")
    buffered = io.BufferedReader(counter, buffer_size=1 << 20)
    if compression == "gzip":
        return gzip.GzipFile(fileobj=buffered), counter  # type: ignore[return-value]
    if compression == "zstd":
        zstandard = require("zstandard", f"{source.name}: zstd-compressed input")
        return zstandard.ZstdDecompressor().stream_reader(buffered, read_across_frames=True), counter  # type: ignore[return-value]
    return buffered, counter  # type: ignore[return-value]


def _skip(stream: BinaryIO, n: int, source: Source) -> None:
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


def decode_lines(data: bytes, source: Source, errors: str, start: int, first_line: int) -> str:
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


def read_chunks(
    sources: list[Source],
    *,
    chunk_bytes: int = 8 << 20,
    errors: str = "strict",
    text_field: str = "text",
    start_source: int = 0,
    start_offset: int = 0,
    start_line: int = 1,
    progress: list[int] | None = None,
    raw_text: bool = False,
) -> Iterator[Chunk]:
    """Yield chunks of whole documents, in input order, starting at (start_source, start_offset).

    With `raw_text` (and errors="strict"), plain-text chunks carry their undecoded bytes in `data` (the caller
    validates and splits them: the native tokenizer does both without a Python str per document).

    `progress`, when given, is a one-element list kept at the raw bytes read so far across sources.
    """
    done_raw = sum((s.size or 0) for s in sources[:start_source])
    for index in range(start_source, len(sources)):
        source = sources[index]
        if source.format == "parquet":
            offset = start_offset if index == start_source else 0
            yield from _parquet_chunks(source, index, offset, text_field, done_raw, progress)
            done_raw += source.size or 0
            continue
        stream, counter = _open(source)
        try:
            offset = start_offset if index == start_source else 0
            line = start_line if index == start_source else 1
            _skip(stream, offset, source)
            carry = b""
            while True:
                block = stream.read(chunk_bytes)
                if progress is not None:
                    progress[0] = done_raw + counter.count
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
                if raw_text and errors == "strict" and source.format == "text":
                    chunk = Chunk([], index, offset + consumed, line, None, consumed, data=body, start=offset)
                    offset += consumed
                    line += body.count(b"\n") + 1
                    yield chunk
                    if not block:
                        break
                    continue
                text = decode_lines(body, source, errors, offset, line)
                if source.format == "jsonl":
                    texts, numbers = _jsonl_texts(text, source, line, text_field)
                    chunk = Chunk(texts, index, offset + consumed, line, numbers, consumed)
                else:
                    chunk = Chunk(text.split("\n"), index, offset + consumed, line, None, consumed)
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


def _parquet_chunks(source: Source, index: int, skip: int, field: str, done_raw: int,
                    progress: list[int] | None) -> Iterator[Chunk]:
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
        texts = texts[max(0, skip - first):]
        first = max(first, skip)
        for i, text in enumerate(texts):
            if not isinstance(text, str):
                raise CommandError(f"{source.name}: row {first + i}: column {field!r} is "
                                   f"{type(text).__name__}, not a string")
        if progress is not None:
            progress[0] = done_raw + int((source.size or 0) * row / total)
        yield Chunk(texts, index, row, first + 1, None, 0)
