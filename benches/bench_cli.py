"""End-to-end `ferroformers tokenize` against the in-process fast batch on the same text.

Target: the CLI reaches >= 80% of the in-process throughput (reading, writing and progress are not the
bottleneck), with peak RSS under 1 GB for a 150 MB+ corpus and the same for 10x more (`--repeat 10` passes the
corpus 10 times as inputs, so no extra disk is needed).

usage: python benches/bench_cli.py [CORPUS ...] [--threads N] [--repeat K] [--against REV]
  default corpus: /tmp/ff_corpus/corpus_100M.txt + corpus_en_50M.txt + tricky_1M.txt (build them with
  ../shared/data/build_corpus.sh /tmp/ff_corpus)
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

from peak_rss import wait_peak_rss

DEFAULT = [
    "/tmp/ff_corpus/corpus_100M.txt",
    "/tmp/ff_corpus/corpus_en_50M.txt",
    "/tmp/ff_corpus/tricky_1M.txt",
]


def in_process(paths: list[str], threads: int | None, batch_size: int) -> tuple[float, int]:
    """Seconds and tokens for the fast tokenizer's flat batch over the same documents, file reading excluded."""
    from ferroformers import AutoTokenizer

    backend = AutoTokenizer.from_pretrained("bert-base-uncased").backend_tokenizer
    docs: list[str] = []
    for p in paths:
        with open(p, encoding="utf-8") as f:
            text = f.read()
        docs += text[:-1].split("\n") if text.endswith("\n") else text.split("\n")
    start = time.perf_counter()
    tokens = 0
    for i in range(0, len(docs), batch_size):
        ids, _, _ = backend.encode_batch_flat(docs[i : i + batch_size], num_threads=threads)
        tokens += len(ids)
    return time.perf_counter() - start, tokens


def cli(
    paths: list[str], threads: int | None, repeat: int, pythonpath: str | None = None
) -> tuple[float, int, float]:
    """Seconds, tokens and peak RSS (MB) of a `ferroformers tokenize` subprocess (the package found on
    `pythonpath` when given)."""
    with tempfile.TemporaryDirectory() as out:
        cmd = [sys.executable, "-m", "ferroformers", "tokenize", *(paths * repeat), "-o", f"{out}/tok", "-q"]
        if threads:
            cmd += ["--threads", str(threads)]
        start = time.perf_counter()
        env = {**os.environ, "PYTHONPATH": pythonpath} if pythonpath else None
        proc = subprocess.Popen(cmd, env=env)
        peak_mb = wait_peak_rss(proc)
        seconds = time.perf_counter() - start
        if proc.returncode != 0:
            raise SystemExit(f"ferroformers tokenize failed ({proc.returncode})")
        import json

        with open(f"{out}/tok/manifest.json") as f:
            tokens = json.load(f)["counts"]["tokens"]
    return seconds, tokens, peak_mb


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("corpus", nargs="*", default=DEFAULT)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--batch-size", type=int, default=16384)
    parser.add_argument("--repeat", type=int, default=1, help="also run the CLI on the corpus passed K times")
    parser.add_argument("--runs", type=int, default=3, help="interleaved runs of each; the best is reported")
    parser.add_argument(
        "--against",
        metavar="REV",
        default=None,
        help="instead: the CLI of this tree against git revision REV's (same Rust), interleaved",
    )
    args = parser.parse_args()
    if args.against:
        return against(args)
    size = sum(os.path.getsize(p) for p in args.corpus)
    mb = size / 1e6
    print(f"corpus: {', '.join(args.corpus)} ({mb:,.1f} MB); threads: {args.threads or 'default'}")
    # interleaved, best of `--runs` each: the machine may be shared
    runs = [
        (cli(args.corpus, args.threads, 1), in_process(args.corpus, args.threads, args.batch_size))
        for _ in range(args.runs)
    ]
    seconds_cli, tokens_cli, rss = min((r[0] for r in runs), key=lambda r: r[0])
    seconds_in, tokens_in = min((r[1] for r in runs), key=lambda r: r[0])
    assert tokens_in == tokens_cli, (tokens_in, tokens_cli)
    print(
        f"  in-process encode_batch_flat: {mb / seconds_in:7.1f} MB/s ({tokens_in / seconds_in / 1e6:.2f} M tokens/s)"
    )
    print(
        f"  ferroformers tokenize (CLI):  {mb / seconds_cli:7.1f} MB/s, wall {seconds_cli:.1f} s, "
        f"peak RSS {rss:,.0f} MB ({rss / mb:.2f} MB per MB of input)"
    )
    print(f"  CLI / in-process: {seconds_in / seconds_cli:.2f} (target >= 0.80)")
    if args.repeat > 1:
        seconds_big, _, rss_big = cli(args.corpus, args.threads, args.repeat)
        rate = mb * args.repeat / seconds_big
        print(
            f"  CLI on {args.repeat}x the corpus ({mb * args.repeat:,.0f} MB): {rate:.1f} MB/s "
            f"({rate / (mb / seconds_in):.2f} of in-process), peak RSS {rss_big:,.0f} MB"
        )


def against(args: argparse.Namespace) -> None:
    """This tree's `ferroformers tokenize` against REV's, interleaved runs, best of each."""
    from revision import python_tree

    mb = sum(os.path.getsize(p) for p in args.corpus) / 1e6
    trees = {
        "this tree": os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "python"),
        args.against: str(python_tree(args.against)),
    }
    best: dict[str, tuple[float, int, float]] = {}
    for _ in range(args.runs):
        for name, tree in trees.items():
            run = cli(args.corpus, args.threads, 1, pythonpath=tree)
            if name not in best or run[0] < best[name][0]:
                best[name] = run
    assert len({tokens for _, tokens, _ in best.values()}) == 1, best
    for name, (seconds, _, rss) in best.items():
        print(f"  {name:12s} {mb / seconds:7.1f} MB/s ({seconds:.1f} s), peak RSS {rss:,.0f} MB")
    print(f"  this tree / {args.against}: {best[args.against][0] / best['this tree'][0]:.2f} (throughput)")


if __name__ == "__main__":
    main()
