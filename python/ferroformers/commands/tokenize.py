"""`ferroformers tokenize INPUT... -o OUTDIR`: tokenize a corpus with the fast tokenizer, streaming.

Reading runs in a thread ahead of tokenization (the native tokenizer releases the GIL and runs in parallel over
the documents of a batch), so file reading, writing and progress stay off the critical path. Memory is bounded
by a couple of chunks whatever the corpus size.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import os
import queue
import shutil
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any, TypeVar

import numpy as np

from . import CommandError
from .inputs import Chunk, Source, decode_lines, describe, read_chunks
from .outputs import JsonlWriter, NpyWriter, ParquetWriter, id_dtype, prepare_outdir, publish, save_state
from .progress import Progress

DEFAULT_TOKENIZER = "bert-base-uncased"
T = TypeVar("T")


def load_fast_tokenizer(name: str) -> Any:
    from ..models.auto.tokenization_auto import AutoTokenizer
    from ..utils.hub import ResourceNotFoundError

    try:
        return AutoTokenizer.from_pretrained(name, use_fast=True)
    except (ResourceNotFoundError, ValueError, OSError) as e:
        raise CommandError(f"--tokenizer {name}: {e}") from None


def native_backend(tokenizer: Any) -> Any:
    """The Rust tokenizer behind a fast tokenizer (its flat, array-returning batch encoder)."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is None or not hasattr(backend, "encode_batch_flat"):
        raise CommandError(f"{type(tokenizer).__name__} has no native fast backend")
    return backend


def vocab_sha256(tokenizer: Any) -> str:
    """sha256 of the vocabulary written as vocab.txt (one token per line, in id order)."""
    vocab = tokenizer.get_vocab()
    tokens = sorted(vocab, key=vocab.__getitem__)
    return hashlib.sha256("".join(t + "\n" for t in tokens).encode("utf-8")).hexdigest()


class FlatEncoder:
    """Documents -> (ids, starts) numpy arrays through the native tokenizer, `batch_size` documents a call."""

    def __init__(self, tokenizer: Any, *, add_special_tokens: bool, max_length: int | None, threads: int | None,
                 batch_size: int) -> None:
        self.backend = native_backend(tokenizer)
        self.add_special_tokens, self.max_length = add_special_tokens, max_length
        self.threads, self.batch_size = threads, batch_size

    def lines(self, data: bytes) -> tuple[np.ndarray, np.ndarray]:
        """The documents of a buffer of whole UTF-8 lines, validated and split in Rust."""
        return self.backend.encode_lines_flat(
            data, add_special_tokens=self.add_special_tokens, max_length=self.max_length,
            truncation=self.max_length is not None, num_threads=self.threads)

    def __call__(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        parts = []
        for i in range(0, max(len(texts), 1), self.batch_size):
            ids, starts, _ = self.backend.encode_batch_flat(
                texts[i:i + self.batch_size], add_special_tokens=self.add_special_tokens,
                max_length=self.max_length, truncation=self.max_length is not None, with_offsets=False,
                num_threads=self.threads)
            parts.append((ids, starts))
        if len(parts) == 1:
            return parts[0]
        ids = np.concatenate([p[0] for p in parts])
        starts, base = [np.zeros(1, dtype=np.int64)], 0
        for p_ids, p_starts in parts:
            starts.append(p_starts[1:] + base)
            base += len(p_ids)
        return ids, np.concatenate(starts)


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


def _checkpoint(writer: Any, partial: str, saved: dict[str, Any]) -> None:
    writer.checkpoint()  # the data first: state.json never names bytes that are not on disk
    save_state(partial, {**saved, **writer.extra_state()})


class _Background:
    """Runs the writer's operations in one thread, in order, so that writing and fsync overlap the tokenizer.
    At most `depth` operations wait (memory stays bounded); an error surfaces at the next call."""

    def __init__(self, depth: int = 2) -> None:
        self.queue: queue.Queue[Any] = queue.Queue(maxsize=depth)
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

    def submit(self, operation: Any) -> None:
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


def _encode_checked(encode: FlatEncoder, chunk: Chunk, source: Source, errors: str
                    ) -> tuple[np.ndarray, np.ndarray]:
    if chunk.data is not None:
        try:
            return encode.lines(chunk.data)
        except ValueError:
            decode_lines(chunk.data, source, "strict", chunk.start, chunk.first_line)  # names file, line, byte
            raise
    try:
        return encode(chunk.texts)
    except (UnicodeError, ValueError):
        pass  # a lone surrogate (only JSON escapes can make one): find it and report or replace it
    for i, text in enumerate(chunk.texts):
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as e:
            if errors == "replace":
                chunk.texts[i] = "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in text)
                continue
            line = chunk.line_numbers[i] if chunk.line_numbers else chunk.first_line + i
            raise CommandError(f"{source.name}: line {line}: text has a lone surrogate at character {e.start} "
                               "(pass --errors replace to substitute U+FFFD)") from None
    return encode(chunk.texts)


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    sources = describe(args.inputs, args.input_format)
    if args.format == "jsonl" and args.output == "-":
        stream = True
    elif args.output == "-":
        raise CommandError("-o - (stdout) works only with --format jsonl")
    else:
        stream = False
    if args.engine == "ray":
        if args.format not in ("npy", "parquet") or (args.format == "npy" and args.format_given):
            raise CommandError("--engine ray writes --format parquet")
        args.format = "parquet"
        if args.resume:
            raise CommandError("--resume is for the single-machine engine (Ray retries failed tasks itself)")
    elif args.address is not None:
        raise CommandError("--address goes with --engine ray")
    if args.resume and any(s.path == "-" for s in sources):
        raise CommandError("--resume cannot be used with stdin input (-)")
    if args.batch_size < 1:
        raise CommandError(f"--batch-size must be at least 1, got {args.batch_size}")
    if args.threads is not None and args.threads < 1:
        raise CommandError(f"--threads must be at least 1, got {args.threads}")
    tokenizer = load_fast_tokenizer(args.tokenizer)
    max_length = args.max_length
    if max_length is None and args.truncation:
        max_length = tokenizer.model_max_length
        if max_length > 1 << 30:  # transformers' "no limit" sentinel
            raise CommandError(f"--tokenizer {args.tokenizer} sets no model_max_length; pass --max-length")
    if max_length is not None and max_length < 1:
        raise CommandError(f"--max-length must be at least 1, got {max_length}")
    dtype = id_dtype(len(tokenizer))
    options = {"tokenizer": args.tokenizer, "vocab_sha256": vocab_sha256(tokenizer), "format": args.format,
               "max_length": max_length, "add_special_tokens": not args.no_special_tokens,
               "errors": args.errors, "text_field": args.text_field, "dtype": dtype.name,
               "inputs": [[s.path, s.size, s.format, s.compression] for s in sources]}

    created = not stream and not os.path.exists(args.output)
    partial, state = (None, None) if stream else prepare_outdir(args.output, overwrite=args.overwrite,
                                                                  resume=args.resume)
    if args.resume and state is None:
        print(f"ferroformers tokenize: {args.output}: no checkpoint to resume from; starting from the beginning",
              file=sys.stderr)
    try:
        return _run(args, sources, tokenizer, options, partial, state, max_length, dtype, started, stream)
    except CommandError:
        # bad input: a rerun cannot get past it, so leave nothing behind (an interrupted run -- a kill or
        # Ctrl-C -- keeps its staging folder for --resume)
        if partial is not None and state is None:
            shutil.rmtree(partial, ignore_errors=True)
            if created:
                shutil.rmtree(args.output, ignore_errors=True)
        raise


def _run(args: argparse.Namespace, sources: list[Source], tokenizer: Any, options: dict[str, Any],
         partial: str | None, state: dict[str, Any] | None, max_length: int | None, dtype: np.dtype,
         started: float, stream: bool) -> int:
    if args.engine == "ray":
        from .ray_engine import run_ray

        assert partial is not None
        files, counts = run_ray(args, sources, tokenizer, partial, max_length, dtype)
        return _finish(args, sources, tokenizer, options, partial, files, counts, dtype, started, stream,
                       sum(s.size or 0 for s in sources))
    vocab_size = len(tokenizer)
    unk_id = tokenizer.unk_token_id
    if state is not None and state.get("options") != options:
        raise CommandError(f"{args.output}: the interrupted run used other inputs or options; "
                           "rerun it with the same ones, or pass --overwrite to start again")
    if args.format == "npy":
        writer: Any = NpyWriter(partial, dtype, state)  # type: ignore[arg-type]
    elif args.format == "parquet":
        writer = ParquetWriter(partial, dtype, state)  # type: ignore[arg-type]
    else:
        writer = JsonlWriter(partial, state)

    encode = FlatEncoder(tokenizer, add_special_tokens=not args.no_special_tokens, max_length=max_length,
                         threads=args.threads, batch_size=args.batch_size)
    docs = state["docs"] if state else 0
    tokens = state["tokens"] if state else 0
    unk = state["unk"] if state else 0
    position = state["position"] if state else [0, 0, 1]
    total = sum(s.size for s in sources) if all(s.size is not None for s in sources) else None
    done_raw = [state["raw_bytes"] if state else 0]
    progress = Progress(total, quiet=args.quiet, initial=done_raw[0])
    limit = np.iinfo(dtype).max
    checkpointed, last_source = position[1], position[0]
    background = _Background()
    try:
        chunks = read_chunks(sources, chunk_bytes=args.chunk_mb << 20, errors=args.errors,
                             text_field=args.text_field, start_source=position[0], start_offset=position[1],
                             start_line=position[2], progress=done_raw, raw_text=True)
        for chunk in _prefetch(chunks):
            source = sources[chunk.source_index]
            ids, starts = _encode_checked(encode, chunk, source, args.errors)
            if len(ids) and int(ids.max()) > limit:  # never wrap an id silently into a narrower dtype
                raise CommandError(f"token id {int(ids.max())} does not fit {dtype.name} (vocab size {vocab_size})")
            background.submit(functools.partial(writer.write, ids, starts))
            n_docs = len(starts) - 1  # the tokenizer counted them (a bytes chunk is split in Rust)
            docs += n_docs
            tokens += len(ids)
            if unk_id is not None:
                unk += int(np.count_nonzero(ids == unk_id))
            lines = chunk.line_numbers[-1] + 1 if chunk.line_numbers else chunk.first_line + n_docs
            position = [chunk.source_index, chunk.end, lines]
            # a checkpoint flushes and fsyncs the outputs, so it is taken every --checkpoint-mb of input rather
            # than every chunk (a rerun with --resume redoes at most that much)
            due = position[1] - checkpointed >= args.checkpoint_mb << 20 or chunk.source_index != last_source
            if partial is not None and due and writer.should_checkpoint():
                checkpointed, last_source = position[1], chunk.source_index
                saved = {"options": options, "docs": docs, "tokens": tokens, "unk": unk,
                         "position": position, "raw_bytes": done_raw[0]}
                background.submit(functools.partial(_checkpoint, writer, partial, saved))
            progress.update(done_raw[0], docs, tokens)
        background.finish()
        files = writer.close()
    except BaseException:
        background.stop()
        writer.abort()  # what the last checkpoint saved stays for --resume
        raise
    finally:
        background.stop()
        progress.close()
    counts = {"docs": docs, "tokens": tokens, "unk": unk}
    return _finish(args, sources, tokenizer, options, partial, files, counts, dtype, started, stream,
                   sum(s.size or 0 for s in sources) or done_raw[0])


def _finish(args: argparse.Namespace, sources: list[Source], tokenizer: Any, options: dict[str, Any],
            partial: str | None, files: list[str], counts: dict[str, int], dtype: np.dtype, started: float,
            stream: bool, input_bytes: int) -> int:
    """Publish the staged files with their manifest (last) and print the closing summary."""
    elapsed = time.perf_counter() - started
    docs, tokens, unk = counts["docs"], counts["tokens"], counts["unk"]
    summary = {"docs": docs, "tokens": tokens, "unk": unk, "unk_rate": unk / tokens if tokens else 0.0}
    if partial is not None:
        from .. import __version__

        manifest = {
            "format": args.format,
            "files": files,
            "dtype": dtype.name,
            "layout": ("document i is tokens[offsets[i]:offsets[i+1]]" if args.format == "npy" else None),
            "engine": args.engine,
            "tokenizer": {"name": args.tokenizer, "class": type(tokenizer).__name__, "vocab_size": len(tokenizer),
                          "vocab_sha256": options["vocab_sha256"], "unk_token_id": tokenizer.unk_token_id},
            "options": {k: options[k] for k in ("max_length", "add_special_tokens", "errors", "text_field")},
            "inputs": [{"path": os.path.abspath(s.path) if s.path != "-" else "-", "bytes": s.size,
                        "format": s.format, "compression": s.compression} for s in sources],
            "counts": summary,
            "elapsed_seconds": round(elapsed, 3),
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "ferroformers_version": __version__,
        }
        publish(args.output, partial, files, manifest)
    if not args.quiet:
        out = sys.stderr if stream else sys.stdout
        mbs = input_bytes / 1e6 / max(elapsed, 1e-9)
        print(f"{docs:,} documents, {tokens:,} tokens, [UNK] rate {100 * summary['unk_rate']:.3f}%, "
              f"{input_bytes / 1e6:,.1f} MB in {elapsed:.2f} s ({mbs:.1f} MB/s)"
              + ("" if stream else f" -> {args.output}"), file=out)
    return 0
