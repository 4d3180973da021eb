"""The Python work of a tokenizer call, this tree against another revision (and transformers' fast tokenizer).

What a call costs besides tokenizing: argument checking, option handling, building the `BatchEncoding`.
Measured as process CPU time (`time.process_time`), which a shared machine disturbs far less than wall time,
one tokenizer thread, interleaved rounds, best time each; prints microseconds per call and the ratio.

usage: PYTHONPATH=python python benches/bench_call_overhead.py [--against REV] [--rounds 15] [--vocab DIR]
REV: a git revision (default HEAD) whose Rust is the same as this tree's (see benches/revision.py).
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from typing import Any

os.environ.setdefault("FERROFORMERS_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from revision import import_as

import ferroformers

TEXT = "Hello, world! This is a short sentence."


def cases(module: Any, vocab: str) -> dict[str, tuple[Callable[[], Any], int]]:
    fast = module.BertTokenizerFast(vocab)
    slow = module.BertTokenizer(vocab)
    batch = [TEXT] * 64
    out: dict[str, tuple[Callable[[], Any], int]] = {
        "fast(text)": (lambda: fast(TEXT), 2000),
        "fast(text, max_length pad, np)": (
            lambda: fast(TEXT, padding="max_length", max_length=32, truncation=True, return_tensors="np"),
            2000,
        ),
        "fast(64 texts, padding)": (lambda: fast(batch, padding=True), 300),
        "slow(text)": (lambda: slow(TEXT), 1000),
        "slow(64 texts, padding)": (lambda: slow(batch, padding=True), 20),
    }
    if hasattr(slow, "prepare_for_model"):
        out["slow.prepare_for_model"] = (
            lambda: slow.prepare_for_model([2023, 2003, 1037], padding="max_length", max_length=8),
            3000,
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--against", default="HEAD")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--vocab", default="/tmp/ferroformers-test-data/assets/bert-base-uncased/vocab.txt")
    args = parser.parse_args()
    candidates = {
        "this tree": cases(ferroformers, args.vocab),
        args.against: cases(import_as(args.against), args.vocab),
    }
    try:
        import transformers

        hf = transformers.BertTokenizer(args.vocab)  # transformers 5: the tokenizers-backed one
        candidates["transformers"] = {"fast(text)": (lambda: hf(TEXT), 2000)}
    except ImportError:
        print("transformers is not installed: its column is left out")
    best = {name: dict.fromkeys(c, float("inf")) for name, c in candidates.items()}
    for _ in range(args.rounds):
        for name, calls in candidates.items():
            for case, (fn, n) in calls.items():
                start = time.process_time()
                for _ in range(n):
                    fn()
                best[name][case] = min(best[name][case], (time.process_time() - start) / n * 1e6)
    ours, theirs = best["this tree"], best[args.against]
    print(
        f"{'call':32s} {'this tree':>11s} {args.against:>11s} {'ratio':>6s}   (us of CPU per call, best of "
        f"{args.rounds})"
    )
    for case in ours:
        extra = (
            f"   transformers {best['transformers'][case]:.1f}"
            if case in best.get("transformers", {})
            else ""
        )
        print(f"{case:32s} {ours[case]:11.2f} {theirs[case]:11.2f} {ours[case] / theirs[case]:6.3f}{extra}")


if __name__ == "__main__":
    main()
