"""`ferroformers tokenize` in this process (the default `--engine local`).

Reading runs in a thread ahead of tokenization (the native tokenizer releases the GIL and runs in parallel over
the documents of a batch), writing and fsync in another thread behind it, so file reading, writing and progress
stay off the critical path. Memory is bounded by a couple of chunks whatever the corpus size. A checkpoint every
--checkpoint-mb of input lets `--resume` continue a killed run, producing the same bytes.
"""

from __future__ import annotations

import functools
import queue
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from .._native import LineChunk
from . import CommandError
from .inputs import ByteChunk, Chunk, Position, ReadProgress, Source, TextChunk, decode_lines, read_chunks
from .outputs import JsonlWriter, NpyWriter, ParquetWriter, Writer, save_state
from .progress import Progress

if TYPE_CHECKING:
    from .tokenize import Counts, TokenizeJob

T = TypeVar("T")


def native_backend(tokenizer: Any) -> Any:
    """The Rust tokenizer behind a fast tokenizer (its flat, array-returning batch encoder)."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is None or not hasattr(backend, "encode_batch_flat"):
        raise CommandError(f"{type(tokenizer).__name__} has no native fast backend")
    return backend


class FlatEncoder:
    """Documents -> (ids, starts) numpy arrays through the native tokenizer, `batch_size` documents a call."""

    def __init__(
        self,
        tokenizer: Any,
        *,
        add_special_tokens: bool,
        max_length: int | None,
        threads: int | None,
        batch_size: int,
    ) -> None:
        self.backend = native_backend(tokenizer)
        self.add_special_tokens, self.max_length = add_special_tokens, max_length
        self.threads, self.batch_size = threads, batch_size

    def lines(self, data: bytes | LineChunk) -> tuple[np.ndarray, np.ndarray]:
        """The documents of a buffer of whole UTF-8 lines, validated and split in Rust."""
        ids, starts = self.backend.encode_lines_flat(
            data,
            add_special_tokens=self.add_special_tokens,
            max_length=self.max_length,
            truncation=self.max_length is not None,
            num_threads=self.threads,
        )
        return ids, starts

    def texts(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        parts = []
        for i in range(0, max(len(texts), 1), self.batch_size):
            ids, starts, _ = self.backend.encode_batch_flat(
                texts[i : i + self.batch_size],
                add_special_tokens=self.add_special_tokens,
                max_length=self.max_length,
                truncation=self.max_length is not None,
                with_offsets=False,
                num_threads=self.threads,
            )
            parts.append((ids, starts))
        if len(parts) == 1:
            return parts[0]
        all_ids = np.concatenate([p[0] for p in parts])
        all_starts, base = [np.zeros(1, dtype=np.int64)], 0
        for p_ids, p_starts in parts:
            all_starts.append(p_starts[1:] + base)
            base += len(p_ids)
        return all_ids, np.concatenate(all_starts)

    def chunk(self, chunk: Chunk, source: Source, errors: str) -> tuple[np.ndarray, np.ndarray]:
        """The ids and document starts of a chunk; bad text raises a CommandError naming file and line."""
        if isinstance(chunk, ByteChunk):
            try:
                return self.lines(chunk.data)
            except ValueError:
                decode_lines(
                    chunk.data, source, "strict", chunk.start, chunk.first_line
                )  # names file, line, byte
                raise
        try:
            return self.texts(chunk.texts)
        except (UnicodeError, ValueError):
            pass  # a lone surrogate (only JSON escapes can make one): find it and report or replace it
        return self.texts(_without_surrogates(chunk, source, errors))


def _without_surrogates(chunk: TextChunk, source: Source, errors: str) -> list[str]:
    """The chunk's texts with lone surrogates replaced by U+FFFD (--errors replace), else a CommandError."""
    texts = list(chunk.texts)
    for i, text in enumerate(texts):
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as e:
            if errors != "replace":
                raise CommandError(
                    f"{source.name}: line {chunk.line_of(i)}: text has a lone surrogate at "
                    f"character {e.start} (pass --errors replace to substitute U+FFFD)"
                ) from None
            texts[i] = "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in text)
    return texts


def _prefetch(iterator: Iterator[T], depth: int = 2) -> Iterator[T]:
    """Run `iterator` in a thread, `depth` items ahead; exceptions are re-raised in the consumer. The iterator is
    closed (its files with it) in that thread when it ends or the consumer stops early."""
    q: queue.Queue[Any] = queue.Queue(maxsize=depth)
    done = object()
    stop = threading.Event()

    def put(item: Any) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            for item in iterator:
                if not put(item):
                    return
            put(done)
        except BaseException as e:
            put(e)
        finally:
            close = getattr(iterator, "close", None)
            if close is not None:
                close()

    thread = threading.Thread(target=work, daemon=True, name="ferroformers-reader")
    thread.start()
    try:
        while True:
            item = q.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join()


class _Background:
    """Runs the writer's operations in one thread, in order, so that writing and fsync overlap the tokenizer.
    At most `depth` operations wait (memory stays bounded); an error surfaces at the next call."""

    def __init__(self, depth: int = 2) -> None:
        self.queue: queue.Queue[Callable[[], None] | None] = queue.Queue(maxsize=depth)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._work, daemon=True, name="ferroformers-writer")
        self.thread.start()

    def _work(self) -> None:
        while (operation := self.queue.get()) is not None:
            if self.error is None:
                try:
                    operation()
                except BaseException as e:  # re-raised in the caller's thread
                    self.error = e

    def _raise(self) -> None:
        if self.error is not None:
            raise self.error

    def submit(self, operation: Callable[[], None]) -> None:
        self._raise()
        self.queue.put(operation)

    def finish(self) -> None:
        """Wait for every submitted operation; re-raise the first error."""
        self.stop()
        self._raise()

    def stop(self) -> None:
        if self.thread.is_alive():
            self.queue.put(None)
            self.thread.join()


def _checkpoint(writer: Writer, partial: str, saved: dict[str, Any]) -> None:
    writer.checkpoint()  # the data first: state.json never names bytes that are not on disk
    save_state(partial, {**saved, **writer.extra_state()})


def _writer(fmt: str, partial: str | None, dtype: np.dtype, state: dict[str, Any] | None) -> Writer:
    if fmt == "jsonl":
        return JsonlWriter(partial, state)
    assert partial is not None  # only JSON Lines streams to stdout
    if fmt == "parquet":
        return ParquetWriter(partial, dtype, state)
    return NpyWriter(partial, dtype, state)


def run_local(
    job: TokenizeJob,
    tokenizer: Any,
    max_length: int | None,
    dtype: np.dtype,
    options: dict[str, Any],
    partial: str | None,
    state: dict[str, Any] | None,
) -> tuple[list[str], Counts, int]:
    """Tokenize the job's corpus into `partial` (None: stream to stdout), from the checkpoint `state` when
    resuming. Returns the files written, the counts and the input bytes."""
    from .tokenize import Counts

    corpus = job.corpus
    vocab_size = len(tokenizer)
    unk_id = tokenizer.unk_token_id
    writer = _writer(job.format, partial, dtype, state)
    encode = FlatEncoder(
        tokenizer,
        add_special_tokens=job.add_special_tokens,
        max_length=max_length,
        threads=job.threads,
        batch_size=job.batch_size,
    )
    docs = state["docs"] if state else 0
    tokens = state["tokens"] if state else 0
    unk = state["unk"] if state else 0
    position = Position(*state["position"]) if state else Position()
    read = ReadProgress(state["raw_bytes"] if state else 0)
    progress = Progress(corpus.size, quiet=job.quiet, initial=read.raw_bytes)
    limit = np.iinfo(dtype).max
    checkpointed = position
    background = _Background()
    try:
        chunks = read_chunks(
            corpus, chunk_bytes=job.chunk_bytes, start=position, progress=read, raw_text=True
        )
        for chunk in _prefetch(chunks):
            source = corpus.sources[chunk.source_index]
            ids, starts = encode.chunk(chunk, source, corpus.errors)
            if len(ids) and int(ids.max()) > limit:  # never wrap an id silently into a narrower dtype
                raise CommandError(
                    f"token id {int(ids.max())} does not fit {dtype.name} (vocab size {vocab_size})"
                )
            background.submit(functools.partial(writer.write, ids, starts))
            n_docs = len(starts) - 1  # the tokenizer counted them (a byte chunk is split in Rust)
            docs += n_docs
            tokens += len(ids)
            if unk_id is not None:
                unk += int(np.count_nonzero(ids == unk_id))
            position = Position(chunk.source_index, chunk.end, chunk.next_line(n_docs))
            # a checkpoint flushes and fsyncs the outputs, so it is taken every --checkpoint-mb of input rather
            # than every chunk (a rerun with --resume redoes at most that much)
            due = (
                position.offset - checkpointed.offset >= job.checkpoint_bytes
                or position.source != checkpointed.source
            )
            if partial is not None and due and writer.should_checkpoint():
                checkpointed = position
                saved = {
                    "options": options,
                    "docs": docs,
                    "tokens": tokens,
                    "unk": unk,
                    "position": list(position),
                    "raw_bytes": read.raw_bytes,
                }
                background.submit(functools.partial(_checkpoint, writer, partial, saved))
            progress.update(read.raw_bytes, docs, tokens)
        background.finish()
        files = writer.close()
    except BaseException:
        background.stop()
        writer.abort()  # what the last checkpoint saved stays for --resume
        raise
    finally:
        background.stop()
        progress.close()
    return files, Counts(docs, tokens, unk), corpus.size or read.raw_bytes
