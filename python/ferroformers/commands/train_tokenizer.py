"""`ferroformers train-tokenizer INPUT... -o OUTDIR --vocab-size N`: train a WordPiece vocabulary on a corpus.

Inputs are read as `ferroformers tokenize` reads them (text, JSON Lines, Parquet, .gz/.zst, stdin, --errors) and
counted in Rust chunk by chunk on every core (memory grows with the distinct words, not the corpus); then the
merges run (docs/training.md). The folder gets vocab.txt, tokenizer.json, tokenizer_config.json and
special_tokens_map.json (loadable by `DistilBertTokenizer(vocab_file=...)`, our `AutoTokenizer` and
`transformers.AutoTokenizer`, with the same ids) and manifest.json, all written in OUTDIR/.partial/ and moved in
when complete: an interrupted run leaves nothing at the final paths.
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
from .inputs import (
    ByteChunk,
    Chunk,
    Corpus,
    ReadProgress,
    Source,
    add_corpus_arguments,
    decode_lines,
    read_chunks,
)
from .local_engine import _prefetch, _without_surrogates
from .outputs import PARTIAL, prepare_outdir, publish
from .progress import Progress

DEFAULT_SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
TOKENIZER_CLASSES = {"distilbert": "DistilBertTokenizerFast", "bert": "BertTokenizerFast"}


def add_parser(sub: Any) -> None:
    """Register the subcommand on the CLI's subparsers."""
    p = sub.add_parser(
        "train-tokenizer",
        help="train a WordPiece vocabulary on a corpus (deterministic, streaming)",
        description="Train a BERT WordPiece vocabulary: the words of the corpus, normalized as the "
        "tokenizer does, merged BPE-style until --vocab-size. The same input and options "
        "give the same vocab.txt whatever --threads.",
    )
    add_corpus_arguments(p)
    p.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="OUTDIR",
        help="output folder (must be empty or new unless --overwrite)",
    )
    p.add_argument(
        "--vocab-size", type=int, required=True, help="tokens in the vocabulary (30522 for BERT's size)"
    )
    p.add_argument(
        "--min-frequency", type=int, default=2, help="never merge a pair seen fewer times (default 2)"
    )
    p.add_argument(
        "--limit-alphabet",
        type=int,
        default=1000,
        help="keep at most this many characters, the most frequent (default 1000; 0: no limit)",
    )
    p.add_argument("--cased", action="store_true", help="keep case (and accents): do_lower_case=False")
    p.add_argument("--no-strip-accents", action="store_true", help="lowercase but keep accents")
    p.add_argument(
        "--no-chinese-chars",
        action="store_true",
        help="do not make each CJK character a word of its own (tokenize_chinese_chars=False)",
    )
    p.add_argument(
        "--special-tokens",
        nargs="+",
        default=list(DEFAULT_SPECIAL_TOKENS),
        metavar="TOKEN",
        help="first in the vocabulary, in this order (default: [PAD] [UNK] [CLS] [SEP] [MASK]); "
        "must include [UNK], [CLS] and [SEP]",
    )
    p.add_argument(
        "--model-type",
        choices=sorted(TOKENIZER_CLASSES),
        default="distilbert",
        help="the tokenizer class written in tokenizer_config.json (default distilbert)",
    )
    p.add_argument(
        "--model-max-length", type=int, default=512, help="model_max_length of the tokenizer (default 512)"
    )
    p.add_argument(
        "--threads",
        type=int,
        default=None,
        help="counting and merging threads (default: FERROFORMERS_NUM_THREADS or every core)",
    )
    p.add_argument("--chunk-mb", type=positive_int, default=8, help="MB of input read per chunk (default 8)")
    p.add_argument("--overwrite", action="store_true", help="replace what OUTDIR holds")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress and no summary")
    p.set_defaults(job=TrainJob.from_args, run=run)


@dataclass(frozen=True)
class TrainJob:
    """What one `train-tokenizer` run does, checked."""

    corpus: Corpus
    output: str
    vocab_size: int
    min_frequency: int
    limit_alphabet: int | None
    lowercase: bool
    strip_accents: bool | None
    tokenize_chinese_chars: bool
    special_tokens: tuple[str, ...]
    model_type: str
    model_max_length: int
    threads: int | None
    chunk_bytes: int
    overwrite: bool
    quiet: bool

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> TrainJob:
        for flag, value, least in (
            ("--vocab-size", args.vocab_size, 1),
            ("--min-frequency", args.min_frequency, 0),
            ("--limit-alphabet", args.limit_alphabet, 0),
            ("--model-max-length", args.model_max_length, 1),
        ):
            if value < least:
                raise CommandError(f"{flag} must be at least {least}, got {value}")
        if args.threads is not None and args.threads < 1:
            raise CommandError(f"--threads must be at least 1, got {args.threads}")
        specials = tuple(args.special_tokens)
        for token in specials:
            if not token.strip():
                raise CommandError(f"--special-tokens: {token!r} is empty or whitespace")
        for needed in ("[UNK]", "[CLS]", "[SEP]"):
            if needed not in specials:
                raise CommandError(
                    f"--special-tokens must include {needed} (the tokenizer needs it), "
                    f"got {' '.join(specials)}"
                )
        if args.cased and args.no_strip_accents:
            raise CommandError(
                "--no-strip-accents goes with the uncased default: --cased keeps accents already"
            )
        return cls(
            corpus=Corpus.from_args(args),
            output=args.output,
            vocab_size=args.vocab_size,
            min_frequency=args.min_frequency,
            limit_alphabet=args.limit_alphabet or None,
            lowercase=not args.cased,
            strip_accents=False if args.no_strip_accents else None,
            tokenize_chinese_chars=not args.no_chinese_chars,
            special_tokens=specials,
            model_type=args.model_type,
            model_max_length=args.model_max_length,
            threads=args.threads,
            chunk_bytes=args.chunk_mb << 20,
            overwrite=args.overwrite,
            quiet=args.quiet,
        )


class _MergeProgress:
    """Merges done as tokens in the vocabulary out of vocab_size: a bar on a terminal, a line every 10 s
    otherwise, nothing when quiet."""

    def __init__(self, total: int, quiet: bool, stream: Any = None, every: float = 10.0) -> None:
        self.stream = stream or sys.stderr
        self.quiet, self.total, self.every = quiet, total, every
        self.last = time.perf_counter()
        self.bar: Any = None
        if not quiet and self.stream.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc="merges", unit="tok", file=self.stream, dynamic_ncols=True)

    def __call__(self, done: int, total: int) -> None:
        if self.bar is not None:
            self.bar.update(done - self.bar.n)
        elif not self.quiet and (time.perf_counter() - self.last >= self.every or done >= total):
            self.last = time.perf_counter()
            print(f"merges: {done:,} of {total:,} tokens", file=self.stream, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _feed(trainer: Any, chunk: Chunk, source: Source, job: TrainJob) -> None:
    """Count a chunk's words; bad text is an error naming its file, line and byte (or, with --errors replace,
    a lone surrogate from a JSON escape becomes U+FFFD)."""
    if isinstance(chunk, ByteChunk):
        try:
            trainer.feed_lines(chunk.data, num_threads=job.threads)
        except ValueError:
            decode_lines(
                chunk.data, source, "strict", chunk.start, chunk.first_line
            )  # names file, line, byte
            raise
        return
    try:
        trainer.feed(chunk.texts, num_threads=job.threads)
        return
    except ValueError:
        pass  # a lone surrogate (only JSON escapes make one): nothing was counted
    trainer.feed(_without_surrogates(chunk, source, job.corpus.errors), num_threads=job.threads)


def run(job: TrainJob) -> int:
    started = time.perf_counter()
    # a run killed before it finished leaves only its staging folder: nothing to resume, start again
    if os.path.isdir(job.output) and os.listdir(job.output) == [PARTIAL]:
        shutil.rmtree(os.path.join(job.output, PARTIAL))
    created = not os.path.exists(job.output)
    partial, _ = prepare_outdir(job.output, overwrite=job.overwrite, resume=False)
    try:
        return _run(job, partial, started)
    except BaseException:
        # bad input, Ctrl-C, any failure: nothing of this run stays in OUTDIR
        shutil.rmtree(partial, ignore_errors=True)
        if created:
            shutil.rmtree(job.output, ignore_errors=True)
        raise


def _run(job: TrainJob, partial: str, started: float) -> int:
    from .._native import TrainerError, WordPieceTokenizer, WordPieceTrainer

    trainer = WordPieceTrainer(
        vocab_size=job.vocab_size,
        min_frequency=job.min_frequency,
        limit_alphabet=job.limit_alphabet,
        special_tokens=list(job.special_tokens),
        lowercase=job.lowercase,
        strip_accents=job.strip_accents,
        handle_chinese_chars=job.tokenize_chinese_chars,
    )
    sources, total = job.corpus.sources, job.corpus.size
    read = ReadProgress()
    progress = Progress(total, quiet=job.quiet, noun="words")
    try:
        chunks = read_chunks(job.corpus, chunk_bytes=job.chunk_bytes, progress=read, raw_text=True)
        # stdin is read in this thread: a reader thread blocked on it at Ctrl-C would hold its lock while the
        # interpreter shuts down, which aborts the process
        for chunk in chunks if any(s.path == "-" for s in sources) else _prefetch(chunks):
            _feed(trainer, chunk, sources[chunk.source_index], job)
            progress.update(read.raw_bytes, trainer.documents, trainer.total_words)
    finally:
        progress.close()
    counted = time.perf_counter()
    counts = {
        "documents": trainer.documents,
        "words": trainer.total_words,
        "distinct_words": trainer.distinct_words,
        "long_words": trainer.long_words,
    }
    merges = _MergeProgress(job.vocab_size, job.quiet)
    try:
        result = trainer.train(merges, num_threads=job.threads)
    except TrainerError as e:
        hint = (
            f" (--vocab-size, --limit-alphabet {job.limit_alphabet or 0})" if "vocab_size" in str(e) else ""
        )
        raise CommandError(f"{e}{hint}") from None
    finally:
        merges.close()
    vocab = result.pop("vocab")

    from ..models.bert.tokenization_bert_fast import BertTokenizerFast
    from ..models.distilbert.tokenization_distilbert_fast import DistilBertTokenizerFast

    core = WordPieceTokenizer(
        vocab,
        lowercase=job.lowercase,
        strip_accents=job.strip_accents,
        handle_chinese_chars=job.tokenize_chinese_chars,
    )
    tokenizer_class = {"distilbert": DistilBertTokenizerFast, "bert": BertTokenizerFast}[job.model_type]
    extra = [t for t in job.special_tokens if t not in DEFAULT_SPECIAL_TOKENS]
    named: dict[str, Any] = {
        f"{name}_token": token
        for name in ("unk", "sep", "pad", "cls", "mask")
        if (token := f"[{name.upper()}]") in job.special_tokens
    }
    tokens: dict[str, Any] = {
        k: named.get(k) for k in ("unk_token", "sep_token", "pad_token", "cls_token", "mask_token")
    }
    tokenizer = tokenizer_class(
        tokenizer_object=core,
        do_lower_case=job.lowercase,
        strip_accents=job.strip_accents,
        tokenize_chinese_chars=job.tokenize_chinese_chars,
        model_max_length=job.model_max_length,
        additional_special_tokens=extra or None,
        **tokens,
    )
    written = tokenizer.save_pretrained(partial)
    files = sorted(os.path.basename(p) for p in written)
    vocab_text = "".join(t + "\n" for t in vocab).encode("utf-8")
    elapsed = time.perf_counter() - started

    from .. import __version__

    manifest = {
        "format": "wordpiece-vocabulary",
        "files": files,
        "tokenizer": {
            "class": type(tokenizer).__name__,
            "vocab_size": len(vocab),
            "vocab_sha256": hashlib.sha256(vocab_text).hexdigest(),
        },
        "settings": {
            "vocab_size": job.vocab_size,
            "min_frequency": job.min_frequency,
            "limit_alphabet": job.limit_alphabet,
            "special_tokens": list(job.special_tokens),
            "do_lower_case": job.lowercase,
            "strip_accents": job.strip_accents,
            "tokenize_chinese_chars": job.tokenize_chinese_chars,
            "continuing_subword_prefix": "##",
            "errors": job.corpus.errors,
            "text_field": job.corpus.text_field,
        },
        "inputs": [
            {
                "path": os.path.abspath(s.path) if s.path != "-" else "-",
                "bytes": s.size,
                "format": s.format,
                "compression": s.compression,
            }
            for s in sources
        ],
        "counts": {**counts, **result},
        "elapsed_seconds": {"counting": round(counted - started, 3), "total": round(elapsed, 3)},
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "ferroformers_version": __version__,
    }
    publish(job.output, partial, files, manifest)
    if not job.quiet:
        mb = (total or read.raw_bytes) / 1e6
        print(
            f"{len(vocab):,} tokens ({result['alphabet']:,} characters, {result['merges']:,} merges) from "
            f"{counts['documents']:,} documents, {counts['words']:,} words ({counts['distinct_words']:,} distinct), "
            f"{mb:,.1f} MB in {elapsed:.2f} s -> {job.output}"
        )
    return 0
