"""Slow (pure Python) tokenizer speed: ours against transformers' BertTokenizerLegacy (the 4.x slow
BertTokenizer), same process, same corpus lines, same vocabulary; prints MB/s, the ratio and mismatches.

usage: python benches/bench_slow_tokenizer.py CORPUS.txt [--mb 4] [--vocab VOCAB.txt]
(CORPUS: any UTF-8 file, one document per line, e.g. corpus_100M.txt from ../shared/data/build_corpus.sh)
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path


def read_prefix(path: str, megabytes: float) -> list[str]:
    budget = int(megabytes * 1e6)
    lines, size = [], 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            lines.append(line)
            size += len(line.encode()) + 1
            if size >= budget:
                break
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("corpus")
    parser.add_argument("--mb", type=float, default=4.0, help="megabytes of the corpus to read (default 4)")
    parser.add_argument(
        "--vocab", default=None, help="vocab.txt (default: the bundled bert-base-uncased one)"
    )
    args = parser.parse_args()

    from transformers.models.bert.tokenization_bert_legacy import BertTokenizerLegacy

    import ferroformers
    from ferroformers import BertTokenizer

    vocab = args.vocab or str(Path(ferroformers.__file__).parent / "data" / "bert-base-uncased" / "vocab.txt")
    lines = read_prefix(args.corpus, args.mb)
    mb = sum(len(line.encode()) + 1 for line in lines) / 1e6
    print(f"corpus: {args.corpus}, first {mb:.2f} MB ({len(lines)} lines); vocab: {vocab}")

    results = {}
    for name, tokenizer in (
        ("transformers BertTokenizerLegacy", BertTokenizerLegacy(vocab)),
        ("ferroformers BertTokenizer (slow)", BertTokenizer(vocab)),
    ):
        start = time.perf_counter()
        ids = tokenizer(lines)["input_ids"]
        seconds = time.perf_counter() - start
        results[name] = (seconds, ids)
        tokens = sum(len(row) for row in ids)
        print(
            f"{name:36s} {mb / seconds:7.3f} MB/s  {tokens / seconds / 1e3:8.1f} k tokens/s  ({seconds:.1f} s)"
        )
    (ref_s, ref_ids), (our_s, our_ids) = results.values()
    mismatches = sum(a != b for a, b in zip(ref_ids, our_ids, strict=True))
    print(f"ratio ours / legacy: {ref_s / our_s:.2f}x   mismatching lines: {mismatches} of {len(lines)}")


if __name__ == "__main__":
    main()
