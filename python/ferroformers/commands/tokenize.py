"""`ferroformers tokenize INPUT... -o OUTDIR`: tokenize a corpus with the fast tokenizer, streaming.

This module is the command: its arguments, the `TokenizeJob` they become (checked once), and `run`, which
prepares the output folder, hands the job to an engine and publishes the result. The engines:
`local_engine.py` (this process: reading, tokenizing and writing overlap, memory bounded by a few chunks,
resumable) and `ray_engine.py` (a Ray cluster, `--engine ray`).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from . import CommandError, positive_int
from .inputs import Corpus, add_corpus_arguments

DEFAULT_TOKENIZER = "bert-base-uncased"


def add_tokenizer_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--tokenizer",
        default=DEFAULT_TOKENIZER,
        metavar="NAME_OR_DIR",
        help="a tokenizer folder or hub id (default: the bundled bert-base-uncased)",
    )


def add_parser(subparsers: Any) -> None:
    tok = subparsers.add_parser(
        "tokenize",
        help="tokenize a corpus into memory-mappable arrays (or Parquet / JSON Lines)",
        description="Tokenize documents with the fast tokenizer, streaming, with bounded memory. "
        "Output files appear only when the run is complete (manifest.json last).",
    )
    add_corpus_arguments(tok)
    add_tokenizer_argument(tok)
    tok.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="OUTDIR",
        help="output folder (must be empty or new unless --overwrite/--resume); - streams "
        "--format jsonl to stdout",
    )
    tok.add_argument(
        "--format",
        choices=["npy", "parquet", "jsonl"],
        default=None,
        help="npy (default): tokens.npy + offsets.npy; parquet: part-*.parquet (id, input_ids); "
        "jsonl: tokens.jsonl",
    )
    tok.add_argument(
        "--max-length", type=int, default=None, help="truncate each document to this many tokens"
    )
    tok.add_argument(
        "--truncation",
        action="store_true",
        help="truncate to --max-length, or to the tokenizer's model_max_length when not given",
    )
    tok.add_argument(
        "--no-special-tokens",
        action="store_true",
        help="leave out [CLS]/[SEP] (default: the same ids as tokenizer(doc))",
    )
    tok.add_argument(
        "--threads",
        type=int,
        default=None,
        help="tokenizer threads (default: FERROFORMERS_NUM_THREADS or every core)",
    )
    tok.add_argument(
        "--batch-size",
        type=int,
        default=16384,
        help="documents per native call for JSON Lines, Parquet and --errors replace input "
        "(plain text goes to the tokenizer a chunk at a time; default 16384)",
    )
    tok.add_argument(
        "--chunk-mb",
        type=positive_int,
        default=8,
        help="MB of input read per chunk; memory stays a few chunks (default 8)",
    )
    tok.add_argument(
        "--checkpoint-mb",
        type=positive_int,
        default=64,
        help="save a resumable checkpoint every this many MB of input (default 64)",
    )
    tok.add_argument(
        "--resume",
        action="store_true",
        help="continue an interrupted run in OUTDIR from its last checkpoint (from the beginning "
        "when it saved none)",
    )
    tok.add_argument("--overwrite", action="store_true", help="replace what OUTDIR holds")
    tok.add_argument("--quiet", "-q", action="store_true", help="no progress and no summary")
    tok.add_argument(
        "--engine",
        choices=["local", "ray"],
        default="local",
        help="local (default): this process; ray: a Ray cluster (extra ferroformers[ray]), Parquet out",
    )
    tok.add_argument(
        "--address", default=None, help="with --engine ray: the cluster to join (default: start a local one)"
    )
    tok.add_argument(
        "--reserve-cpus",
        type=int,
        default=1,
        help="with --engine ray: CPUs left to reading and writing (default 1)",
    )
    tok.set_defaults(job=TokenizeJob.from_args, run=run)


@dataclass(frozen=True)
class TokenizeJob:
    """What `ferroformers tokenize` is asked to do, every argument checked (`from_args`) before any work."""

    corpus: Corpus
    tokenizer: str
    output: str  # a folder, or "-": JSON Lines to stdout
    format: str  # "npy" | "parquet" | "jsonl" (always "parquet" with --engine ray)
    max_length: int | None  # --max-length (with --truncation alone: the tokenizer's, see `max_length_for`)
    truncation: bool
    add_special_tokens: bool
    threads: int | None  # None: FERROFORMERS_NUM_THREADS or every core
    batch_size: int  # documents per native call, for input that comes decoded
    chunk_bytes: int
    checkpoint_bytes: int
    resume: bool
    overwrite: bool
    quiet: bool
    engine: str  # "local" | "ray"
    address: str | None  # --engine ray: the cluster to join
    reserve_cpus: int  # --engine ray: CPUs left to reading and writing

    @property
    def stream(self) -> bool:
        """JSON Lines to stdout: no output folder, no staging, no resume."""
        return self.output == "-"

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> TokenizeJob:
        corpus = Corpus.from_args(args)
        fmt = args.format or "npy"
        if args.output == "-" and fmt != "jsonl":
            raise CommandError("-o - (stdout) works only with --format jsonl")
        if args.engine == "ray":
            if args.format not in (None, "parquet"):
                raise CommandError("--engine ray writes --format parquet")
            fmt = "parquet"
            if args.resume:
                raise CommandError(
                    "--resume is for the single-machine engine (Ray retries failed tasks itself)"
                )
        elif args.address is not None:
            raise CommandError("--address goes with --engine ray")
        if args.resume and any(s.path == "-" for s in corpus.sources):
            raise CommandError("--resume cannot be used with stdin input (-)")
        if args.batch_size < 1:
            raise CommandError(f"--batch-size must be at least 1, got {args.batch_size}")
        if args.threads is not None and args.threads < 1:
            raise CommandError(f"--threads must be at least 1, got {args.threads}")
        if args.max_length is not None and args.max_length < 1:
            raise CommandError(f"--max-length must be at least 1, got {args.max_length}")
        return cls(
            corpus=corpus,
            tokenizer=args.tokenizer,
            output=args.output,
            format=fmt,
            max_length=args.max_length,
            truncation=args.truncation,
            add_special_tokens=not args.no_special_tokens,
            threads=args.threads,
            batch_size=args.batch_size,
            chunk_bytes=args.chunk_mb << 20,
            checkpoint_bytes=args.checkpoint_mb << 20,
            resume=args.resume,
            overwrite=args.overwrite,
            quiet=args.quiet,
            engine=args.engine,
            address=args.address,
            reserve_cpus=args.reserve_cpus,
        )

    def max_length_for(self, tokenizer: Any) -> int | None:
        """--max-length, or with --truncation alone the tokenizer's model_max_length; None: no truncation."""
        if self.max_length is not None or not self.truncation:
            return self.max_length
        max_length = int(tokenizer.model_max_length)
        if max_length > 1 << 30:  # transformers' "no limit" sentinel
            raise CommandError(f"--tokenizer {self.tokenizer} sets no model_max_length; pass --max-length")
        if max_length < 1:
            raise CommandError(
                f"--tokenizer {self.tokenizer}: model_max_length must be at least 1, got {max_length}"
            )
        return max_length


def load_fast_tokenizer(name: str) -> Any:
    from ..models.auto.tokenization_auto import AutoTokenizer
    from ..utils.hub import ResourceNotFoundError

    try:
        return AutoTokenizer.from_pretrained(name, use_fast=True)
    except (ResourceNotFoundError, ValueError, OSError) as e:
        raise CommandError(f"--tokenizer {name}: {e}") from None


def vocab_sha256(tokenizer: Any) -> str:
    """sha256 of the vocabulary written as vocab.txt (one token per line, in id order)."""
    vocab = tokenizer.get_vocab()
    tokens = sorted(vocab, key=vocab.__getitem__)
    return hashlib.sha256("".join(t + "\n" for t in tokens).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Counts:
    docs: int
    tokens: int
    unk: int


def run(job: TokenizeJob) -> int:
    from .outputs import id_dtype, prepare_outdir

    started = time.perf_counter()
    tokenizer = load_fast_tokenizer(job.tokenizer)
    max_length = job.max_length_for(tokenizer)
    dtype = id_dtype(len(tokenizer))
    # what a resumed run must share with the interrupted one (saved in its checkpoints)
    options = {
        "tokenizer": job.tokenizer,
        "vocab_sha256": vocab_sha256(tokenizer),
        "format": job.format,
        "max_length": max_length,
        "add_special_tokens": job.add_special_tokens,
        "errors": job.corpus.errors,
        "text_field": job.corpus.text_field,
        "dtype": dtype.name,
        "inputs": [[s.path, s.size, s.format, s.compression] for s in job.corpus.sources],
    }

    created = not job.stream and not os.path.exists(job.output)
    partial, state = (
        (None, None) if job.stream else prepare_outdir(job.output, overwrite=job.overwrite, resume=job.resume)
    )
    if job.resume and state is None:
        print(
            f"ferroformers tokenize: {job.output}: no checkpoint to resume from; starting from the beginning",
            file=sys.stderr,
        )
    try:
        if job.engine == "ray":
            from .ray_engine import run_ray

            assert partial is not None
            files, counts = run_ray(job, tokenizer, partial, max_length, dtype)
            input_bytes = job.corpus.size or 0
        else:
            from .local_engine import run_local

            if state is not None and state.get("options") != options:
                raise CommandError(
                    f"{job.output}: the interrupted run used other inputs or options; "
                    "rerun it with the same ones, or pass --overwrite to start again"
                )
            files, counts, input_bytes = run_local(job, tokenizer, max_length, dtype, options, partial, state)
    except CommandError:
        # bad input: a rerun cannot get past it, so leave nothing behind (an interrupted run -- a kill or
        # Ctrl-C -- keeps its staging folder for --resume)
        if partial is not None and state is None:
            shutil.rmtree(partial, ignore_errors=True)
            if created:
                shutil.rmtree(job.output, ignore_errors=True)
        raise
    return _finish(job, tokenizer, options, partial, files, counts, dtype.name, started, input_bytes)


def _finish(
    job: TokenizeJob,
    tokenizer: Any,
    options: dict[str, Any],
    partial: str | None,
    files: list[str],
    counts: Counts,
    dtype: str,
    started: float,
    input_bytes: int,
) -> int:
    """Publish the staged files with their manifest (last) and print the closing summary."""
    from .outputs import publish

    elapsed = time.perf_counter() - started
    summary = {
        "docs": counts.docs,
        "tokens": counts.tokens,
        "unk": counts.unk,
        "unk_rate": counts.unk / counts.tokens if counts.tokens else 0.0,
    }
    if partial is not None:
        from .. import __version__

        manifest = {
            "format": job.format,
            "files": files,
            "dtype": dtype,
            "layout": ("document i is tokens[offsets[i]:offsets[i+1]]" if job.format == "npy" else None),
            "engine": job.engine,
            "tokenizer": {
                "name": job.tokenizer,
                "class": type(tokenizer).__name__,
                "vocab_size": len(tokenizer),
                "vocab_sha256": options["vocab_sha256"],
                "unk_token_id": tokenizer.unk_token_id,
            },
            "options": {k: options[k] for k in ("max_length", "add_special_tokens", "errors", "text_field")},
            "inputs": [
                {
                    "path": os.path.abspath(s.path) if s.path != "-" else "-",
                    "bytes": s.size,
                    "format": s.format,
                    "compression": s.compression,
                }
                for s in job.corpus.sources
            ],
            "counts": summary,
            "elapsed_seconds": round(elapsed, 3),
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "ferroformers_version": __version__,
        }
        publish(job.output, partial, files, manifest)
    if not job.quiet:
        out = sys.stderr if job.stream else sys.stdout
        mbs = input_bytes / 1e6 / max(elapsed, 1e-9)
        print(
            f"{counts.docs:,} documents, {counts.tokens:,} tokens, [UNK] rate {100 * summary['unk_rate']:.3f}%, "
            f"{input_bytes / 1e6:,.1f} MB in {elapsed:.2f} s ({mbs:.1f} MB/s)"
            + ("" if job.stream else f" -> {job.output}"),
            file=out,
        )
    return 0
