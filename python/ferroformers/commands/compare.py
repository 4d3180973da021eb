"""`ferroformers compare INPUT...`: the slow (Python) and the fast (Rust) tokenizer on the same documents.

Reports documents compared, documents whose ids differ (line number, first differing position, a few tokens of
context from each side, the character span) with the known class of each difference (the two references'
documented disagreements: final sigma, NFC composition, CJK Extension E, newer punctuation, nonspacing marks,
unassigned code points; "unexplained" otherwise), the fast tokenizer's offsets checked against the text (spans
whose normalized text is not the token, by reason, with examples), and both speeds with their ratio.
`--reference transformers|tokenizers` adds the Hugging Face implementation as a third column. Exit code 0 when
identical, 1 when any document differs, 2 on bad input.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ..models.bert.slow_fast_differences import (
    SPAN_CLASSES,
    difference_classes,
    span_class,
    without_documented_causes,
)
from . import CommandError
from .inputs import Corpus, add_corpus_arguments, read_chunks
from .tokenize import add_tokenizer_argument, load_fast_tokenizer

CONTEXT = 3
SPAN_REASONS = {**SPAN_CLASSES, "unknown_token": "[UNK] tokens (not compared: they stand for a whole word)"}
SPAN_EXAMPLES = 3  # examples shown per reason a span's text is not its token


def _load_slow(name: str) -> Any:
    from ..models.auto.tokenization_auto import AutoTokenizer
    from ..utils.hub import ResourceNotFoundError

    try:
        return AutoTokenizer.from_pretrained(name, use_fast=False)
    except (ResourceNotFoundError, ValueError, OSError) as e:
        raise CommandError(f"--tokenizer {name}: {e}") from None


def _load_reference(kind: str, fast: Any) -> Any:
    """The Hugging Face tokenizer made from the same files as ours (saved to a temporary folder)."""
    folder = tempfile.mkdtemp(prefix="ferroformers-compare-")
    fast.save_pretrained(folder)
    try:
        if kind == "tokenizers":
            from tokenizers import Tokenizer

            return Tokenizer.from_file(os.path.join(folder, "tokenizer.json"))
        from transformers import AutoTokenizer

        return AutoTokenizer.from_pretrained(folder, use_fast=True)
    except ImportError:
        raise CommandError(
            f"--reference {kind}: the {kind} package is not installed (pip install {kind})"
        ) from None


@dataclass
class _OffsetCheck:
    """The fast tokenizer's offsets against the text, over the whole run: out of bounds or order (an error),
    and spans whose normalized text is not the token, by reason (SPAN_REASONS, or unexplained)."""

    specials: set[str]
    added: set[str]
    unk: str | None
    prefix: str
    lower: bool
    strip: bool
    checked: int = 0
    bad: int = 0
    unexplained: int = 0
    expected: Counter[str] = field(default_factory=Counter)
    examples: list[dict[str, Any]] = field(default_factory=list)

    def check(self, text: str, tokens: list[str], offsets: list[tuple[int, int]], where: str) -> None:
        last_start = 0
        for token, (start, end) in zip(tokens, offsets, strict=True):
            if token in self.specials and (start, end) == (0, 0):
                continue
            self.checked += 1
            if not (0 <= start < end <= len(text)) or start < last_start:
                self.bad += 1
                continue
            last_start = start
            if token == self.unk:
                self.expected["unknown_token"] += 1
                continue
            span = text[start:end]
            reason = span_class(span, token, self.added, self.prefix, self.lower, self.strip)
            if reason is None:
                continue
            if reason == "unexplained":
                self.unexplained += 1
            else:
                self.expected[reason] += 1
            if sum(e["reason"] == reason for e in self.examples) < SPAN_EXAMPLES:
                self.examples.append(
                    {"reason": reason, "where": where, "token": token, "span": span, "chars": [start, end]}
                )

    def report(self) -> dict[str, Any]:
        differs = (
            sum(n for reason, n in self.expected.items() if reason != "unknown_token") + self.unexplained
        )
        return {
            "tokens_checked": self.checked,
            "out_of_order_or_bounds": self.bad,
            "span_text_differs": differs,
            "span_text_expected": dict(sorted(self.expected.items())),
            "span_text_unexplained": self.unexplained,
            "span_examples": self.examples,
        }


def _difference_classes(slow: Any, fast: Any, text: str, add_special: bool) -> list[str]:
    """The documented classes that explain why slow and fast differ on `text`: present in it, and gone with
    them the two agree. ["unexplained"] (plus the classes present, if any) otherwise."""
    lower = bool(getattr(slow, "do_lower_case", False))
    classes = difference_classes(text, lowercase=lower, strip_accents=getattr(slow, "strip_accents", None))
    neutral = without_documented_causes(text)
    if (
        classes
        and slow(neutral, add_special_tokens=add_special)["input_ids"]
        == fast(neutral, add_special_tokens=add_special)["input_ids"]
    ):
        return sorted(classes)
    return ["unexplained", *sorted(classes)]


def _context(tokens: list[str], i: int) -> str:
    left = tokens[max(0, i - CONTEXT) : i]
    mid = tokens[i : i + 1]
    right = tokens[i + 1 : i + 1 + CONTEXT]
    return " ".join([*left, *(f"[[{t}]]" for t in mid), *right]) or "(end)"


def add_parser(subparsers: Any) -> None:
    cmp_ = subparsers.add_parser(
        "compare",
        help="compare the slow and the fast tokenizer on the same documents",
        description="Exit 0 when every document gets the same ids, 1 when any differs, 2 on bad input.",
    )
    add_corpus_arguments(cmp_)
    add_tokenizer_argument(cmp_)
    cmp_.add_argument("--limit", type=int, default=None, help="compare at most N documents")
    cmp_.add_argument(
        "--reference",
        choices=["transformers", "tokenizers"],
        default=None,
        help="add the Hugging Face implementation as a third column (when installed)",
    )
    cmp_.add_argument("--no-special-tokens", action="store_true", help="compare without [CLS]/[SEP]")
    cmp_.add_argument("--show", type=int, default=10, help="print at most N differing documents (default 10)")
    cmp_.add_argument("--json", action="store_true", help="print a machine-readable JSON report")
    cmp_.set_defaults(job=CompareJob.from_args, run=run)


@dataclass(frozen=True)
class CompareJob:
    """What `ferroformers compare` is asked to do, every argument checked (`from_args`) before any work."""

    corpus: Corpus
    tokenizer: str
    limit: int | None  # at most this many documents
    reference: str | None  # "transformers" | "tokenizers": a third column
    add_special_tokens: bool
    show: int  # differing documents printed
    json: bool

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> CompareJob:
        corpus = Corpus.from_args(args)
        if args.limit is not None and args.limit < 0:
            raise CommandError(f"--limit must be >= 0, got {args.limit}")
        return cls(
            corpus=corpus,
            tokenizer=args.tokenizer,
            limit=args.limit,
            reference=args.reference,
            add_special_tokens=not args.no_special_tokens,
            show=args.show,
            json=args.json,
        )


def run(job: CompareJob) -> int:
    sources = job.corpus.sources
    fast = load_fast_tokenizer(job.tokenizer)
    slow = _load_slow(job.tokenizer)
    reference = _load_reference(job.reference, fast) if job.reference else None
    add_special = job.add_special_tokens
    lower = bool(getattr(slow, "do_lower_case", False))
    strip_accents = getattr(slow, "strip_accents", None)
    strip = bool(strip_accents) or (strip_accents is None and lower)
    offsets = _OffsetCheck(
        specials=set(fast.all_special_tokens),
        added=set(fast.added_tokens_encoder),
        unk=fast.unk_token,
        prefix=fast.backend_tokenizer.model.continuing_subword_prefix,
        lower=lower,
        strip=strip,
    )
    by_class: Counter[str] = Counter()

    report: dict[str, Any] = {
        "tokenizer": job.tokenizer,
        "documents": 0,
        "differing_documents": 0,
        "differences": [],
        "seconds": {"slow": 0.0, "fast": 0.0},
        "bytes": 0,
    }
    if reference is not None:
        report["seconds"]["reference"] = 0.0
        report["reference"] = {"name": job.reference, "differing_from_fast": 0}
    remaining = job.limit
    with contextlib.closing(read_chunks(job.corpus, chunk_bytes=1 << 20)) as chunks:
        for chunk in chunks:
            texts = chunk.texts if remaining is None else chunk.texts[:remaining]
            if not texts:
                break
            nbytes = sum(len(t.encode("utf-8", "surrogatepass")) for t in texts)
            t0 = time.perf_counter()
            try:
                slow_ids = slow(texts, add_special_tokens=add_special)["input_ids"]
                t1 = time.perf_counter()
                enc = fast(texts, add_special_tokens=add_special, return_offsets_mapping=True)
                t2 = time.perf_counter()
            except (TypeError, ValueError, UnicodeError) as e:
                raise CommandError(
                    f"{sources[chunk.source_index].name} (line {chunk.first_line} on): {e}"
                ) from None
            report["seconds"]["slow"] += t1 - t0
            report["seconds"]["fast"] += t2 - t1
            report["bytes"] += nbytes
            if reference is not None:
                t3 = time.perf_counter()
                if job.reference == "tokenizers":
                    ref_ids = [e.ids for e in reference.encode_batch(texts, add_special_tokens=add_special)]
                else:
                    ref_ids = reference(texts, add_special_tokens=add_special)["input_ids"]
                report["seconds"]["reference"] += time.perf_counter() - t3
                report["reference"]["differing_from_fast"] += sum(
                    a != b for a, b in zip(ref_ids, enc["input_ids"], strict=True)
                )
            for i, text in enumerate(texts):
                fast_ids = enc["input_ids"][i]
                tokens = fast.convert_ids_to_tokens(fast_ids)
                where = f"{sources[chunk.source_index].name}:{chunk.line_of(i)}"
                offsets.check(text, tokens, enc["offset_mapping"][i], where)
                if slow_ids[i] == fast_ids:
                    continue
                report["differing_documents"] += 1
                classes = _difference_classes(slow, fast, text, add_special)
                by_class.update(classes[:1] if classes[0] == "unexplained" else classes)
                if len(report["differences"]) < job.show:
                    pos = next(
                        (k for k, (a, b2) in enumerate(zip(slow_ids[i], fast_ids, strict=False)) if a != b2),
                        min(len(slow_ids[i]), len(fast_ids)),
                    )
                    slow_tokens = slow.convert_ids_to_tokens(slow_ids[i])
                    span = enc["offset_mapping"][i][pos] if pos < len(fast_ids) else (len(text), len(text))
                    line = chunk.line_of(i)
                    report["differences"].append(
                        {
                            "source": sources[chunk.source_index].name,
                            "line": line,
                            "position": pos,
                            "chars": list(span),
                            "text": text[max(0, span[0] - 10) : span[1] + 10],
                            "slow": _context(slow_tokens, pos),
                            "fast": _context(tokens, pos),
                            "classes": classes,
                        }
                    )
            report["documents"] += len(texts)
            if remaining is not None:
                remaining -= len(texts)
                if remaining <= 0:
                    break

    report["differing_by_class"] = dict(sorted(by_class.items()))
    report["offsets"] = offsets.report()
    mb = report["bytes"] / 1e6
    speeds = {k: (mb / v if v > 0 else float("inf")) for k, v in report["seconds"].items()}
    report["mb_per_s"] = speeds
    report["fast_over_slow"] = speeds["fast"] / speeds["slow"] if speeds["slow"] else float("inf")
    failed = report["differing_documents"] > 0 or report["offsets"]["out_of_order_or_bounds"] > 0
    report["identical"] = not failed
    if job.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        _print_report(report)
    return 1 if failed else 0


def _print_report(r: dict[str, Any]) -> None:
    print(f"documents compared: {r['documents']:,} ({r['bytes'] / 1e6:,.2f} MB), tokenizer {r['tokenizer']}")
    classes = ", ".join(f"{name} {n:,}" for name, n in r["differing_by_class"].items())
    print(
        f"documents whose ids differ (slow vs fast): {r['differing_documents']:,}"
        + (f" (by class: {classes}; see docs/tokenizers.md)" if classes else "")
    )
    for d in r["differences"]:
        print(
            f"  {d['source']}:{d['line']}: first difference at token {d['position']}, "
            f"chars {d['chars'][0]}-{d['chars'][1]} ({d['text']!r}): {', '.join(d['classes'])}"
        )
        print(f"    slow: {d['slow']}")
        print(f"    fast: {d['fast']}")
    o = r["offsets"]
    print(
        f"offsets: {o['tokens_checked']:,} tokens checked, {o['out_of_order_or_bounds']:,} out of bounds or "
        f"order, {o['span_text_differs']:,} spans whose normalized text is not the token: "
        f"{o['span_text_unexplained']:,} unexplained"
    )
    for reason, n in o["span_text_expected"].items():
        print(f"  expected, {n:,}: {SPAN_REASONS[reason]}")
    for e in o["span_examples"]:
        print(
            f"    {e['reason']}: {e['where']}: token {e['token']!r} at chars {e['chars'][0]}-{e['chars'][1]} "
            f"covers {e['span']!r}"
        )
    s = r["mb_per_s"]
    print(
        f"speed: slow {s['slow']:.2f} MB/s, fast {s['fast']:.2f} MB/s, fast/slow {r['fast_over_slow']:.1f}x"
    )
    if "reference" in r:
        print(
            f"reference ({r['reference']['name']}): {s['reference']:.2f} MB/s, "
            f"{r['reference']['differing_from_fast']:,} documents differ from fast"
        )
    print("identical" if r["identical"] else "DIFFERENT")
