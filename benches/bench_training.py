"""Training a WordPiece vocabulary: `ferroformers train-tokenizer` against Hugging Face `tokenizers` 0.23
`BertWordPieceTokenizer.train` on the same files with the same settings (bert-style: lowercase, strip accents,
CJK chars, clean text; vocab_size 30522, min_frequency 2, limit_alphabet 1000, the five BERT special tokens).

Each run is its own subprocess (so peak RSS is the trainer's own), and the sides alternate for `--runs` rounds;
each keeps its best time. Reported per thread count: whole training (reading the files included), the merge
phase alone (a second run with no merges -- vocab_size = special tokens + alphabet -- subtracted), peak RSS, and
quality: tokens and [UNK] of each vocabulary on held-out text, both encoded by `tokenizers`' own WordPiece.

Targets (issue 13): >= 5x on 2 threads; <= 1.01x the tokens and no more [UNK]; with `--gb`, 1 GB of text trains
with a peak RSS below tokenizers' and well under 2 GB.

usage: python benches/bench_training.py [CORPUS ...] [--threads 1 2] [--runs 2] [--gb] [--held-out FILE]
  default corpus: /tmp/ff_corpus/corpus_100M.txt (../shared/data/build_corpus.sh /tmp/ff_corpus); the held-out
  text is 5 MB of the lines of /tmp/ff_corpus/parts/*.txt (the corpus' sources) that are not in the corpus.
  --gb: the corpus, corpus_en_50M.txt and parts/*.txt, each passed 3 times (~1 GB, no extra disk).
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import random
import subprocess
import sys
import tempfile
import time

from peak_rss import wait_peak_rss

CORPUS = "/tmp/ff_corpus/corpus_100M.txt"
SETTINGS = dict(vocab_size=30522, min_frequency=2, limit_alphabet=1000)
SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def worker(side: str, files: list[str], threads: int, vocab_size: int, out: str) -> None:
    """Train once in this process; print the timings as one JSON line."""
    start = time.perf_counter()
    if side == "ours":
        from ferroformers.cli import main

        args = [
            "train-tokenizer",
            *files,
            "-o",
            out,
            "--vocab-size",
            str(vocab_size),
            "--threads",
            str(threads),
            "--min-frequency",
            str(SETTINGS["min_frequency"]),
            "--limit-alphabet",
            str(SETTINGS["limit_alphabet"]),
            "-q",
            "--overwrite",
        ]
        if main(args) != 0:
            raise SystemExit("ferroformers train-tokenizer failed")
        with open(f"{out}/manifest.json") as f:
            manifest = json.load(f)
        extra = {"counts": manifest["counts"], "counting": manifest["elapsed_seconds"]["counting"]}
    else:
        from tokenizers import BertWordPieceTokenizer

        tok = BertWordPieceTokenizer(
            clean_text=True, handle_chinese_chars=True, strip_accents=None, lowercase=True
        )
        tok.train(
            files,
            vocab_size=vocab_size,
            min_frequency=SETTINGS["min_frequency"],
            limit_alphabet=SETTINGS["limit_alphabet"],
            special_tokens=SPECIALS,
            show_progress=False,
        )
        os.makedirs(out, exist_ok=True)
        tok.save_model(out)
        extra = {}
    print(
        json.dumps({"seconds": time.perf_counter() - start, "cpu": time.process_time(), **extra}), flush=True
    )


def run(side: str, files: list[str], threads: int, vocab_size: int, out: str) -> dict:
    """One training in a subprocess: its timings and its peak RSS (MB)."""
    env = {**os.environ, "RAYON_NUM_THREADS": str(threads), "FERROFORMERS_NUM_THREADS": str(threads)}
    cmd = [
        sys.executable,
        os.path.abspath(__file__),
        "--worker",
        side,
        "--threads",
        str(threads),
        "--vocab-size",
        str(vocab_size),
        "--out",
        out,
        *files,
    ]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE)
    peak_mb = wait_peak_rss(proc)
    if proc.returncode != 0:
        raise SystemExit(f"{side} failed ({proc.returncode})")
    assert proc.stdout is not None
    result = json.loads(proc.stdout.read().decode().strip().splitlines()[-1])
    result["rss_mb"] = peak_mb
    return result


def held_out_text(path: str | None, corpus: str) -> list[str]:
    if path:
        with open(path, encoding="utf-8") as f:
            return f.read().split("\n")
    with open(corpus, encoding="utf-8") as f:
        seen = set(f.read().split("\n"))
    lines = []
    for part in sorted(glob.glob(os.path.join(os.path.dirname(corpus), "parts", "*.txt"))):
        with open(part, encoding="utf-8") as f:
            for line in f:
                text = line.rstrip("\n").split("\t", 1)[-1]  # "lang<TAB>text"
                if text and text not in seen:
                    lines.append(text)
    if not lines:
        raise SystemExit("no held-out text: pass --held-out FILE")
    random.Random(0).shuffle(lines)
    out, size = [], 0
    for text in lines:
        out.append(text)
        size += len(text.encode())
        if size > 5e6:
            break
    return out


def quality(vocab_path: str, texts: list[str]) -> tuple[int, int]:
    """Tokens and [UNK] of `texts` encoded with this vocabulary by tokenizers' BERT WordPiece tokenizer."""
    from tokenizers import BertWordPieceTokenizer

    tok = BertWordPieceTokenizer(vocab_path, lowercase=True)
    unk = tok.token_to_id("[UNK]")
    encs = tok.encode_batch(texts, add_special_tokens=False)
    return sum(len(e.ids) for e in encs), sum(e.ids.count(unk) for e in encs)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("corpus", nargs="*", default=[CORPUS])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--runs", type=int, default=2, help="interleaved rounds; each side keeps its best")
    parser.add_argument(
        "--no-merge-phase", action="store_true", help="skip the runs that time the merges alone"
    )
    parser.add_argument(
        "--gb", action="store_true", help="~1 GB: the corpus, corpus_en_50M and parts, 3 times"
    )
    parser.add_argument("--held-out", default=None)
    parser.add_argument("--worker", choices=["ours", "tokenizers"], help=argparse.SUPPRESS)
    parser.add_argument("--vocab-size", type=int, default=SETTINGS["vocab_size"], help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.corpus, args.threads[0], args.vocab_size, args.out)
        return

    files = list(args.corpus)
    if args.gb:
        base = os.path.dirname(args.corpus[0])
        parts = sorted(glob.glob(os.path.join(base, "parts", "*.txt")))
        files = [*files, os.path.join(base, "corpus_en_50M.txt"), *parts] * 3
    size = sum(os.path.getsize(f) for f in files)
    print(
        f"input: {len(files)} files, {size / 1e6:,.1f} MB; settings {SETTINGS}; load average "
        f"{os.getloadavg()[0]:.1f}"
    )
    texts = None if args.gb else held_out_text(args.held_out, args.corpus[0])
    with tempfile.TemporaryDirectory() as tmp:
        for threads in args.threads:
            best: dict[str, dict] = {}
            for r in range(args.runs):
                for side in ("tokenizers", "ours") if r % 2 == 0 else ("ours", "tokenizers"):
                    out = f"{tmp}/{side}-{threads}"
                    result = run(side, files, threads, SETTINGS["vocab_size"], out)
                    print(
                        f"  {threads} thread(s), round {r + 1}, {side}: {result['seconds']:.2f} s, "
                        f"cpu {result['cpu']:.1f} s, peak RSS {result['rss_mb']:.0f} MB",
                        flush=True,
                    )
                    if side not in best or result["seconds"] < best[side]["seconds"]:
                        best[side] = {**result, "vocab": f"{out}/vocab.txt"}
            ours, theirs = best["ours"], best["tokenizers"]
            line = (
                f"{threads} thread(s): tokenizers {theirs['seconds']:.2f} s ({theirs['rss_mb']:.0f} MB), "
                f"ours {ours['seconds']:.2f} s ({ours['rss_mb']:.0f} MB; counting {ours['counting']:.2f} s), "
                f"{theirs['seconds'] / ours['seconds']:.1f}x; cpu {theirs['cpu']:.1f} s vs {ours['cpu']:.1f} s"
            )
            print(line, flush=True)
            if not args.no_merge_phase:
                # the same run with no merges: vocab_size = special tokens + alphabet (+ ## chars for ours, which
                # refuses a smaller vocab_size; tokenizers takes 1 and stops before its first merge)
                c = ours["counts"]
                minimal = c["special_tokens"] + c["alphabet"] + c["continuing"]
                floor = {
                    "ours": run("ours", files, threads, minimal, f"{tmp}/m-ours"),
                    "tokenizers": run("tokenizers", files, threads, 1, f"{tmp}/m-tok"),
                }
                merge = {s: best[s]["seconds"] - floor[s]["seconds"] for s in best}
                cpu = {s: best[s]["cpu"] - floor[s]["cpu"] for s in best}
                print(
                    f"  merge phase ({c['merges']:,} merges on {c['distinct_words']:,} distinct words): "
                    f"tokenizers {merge['tokenizers']:.2f} s, ours {merge['ours']:.2f} s, "
                    f"{merge['tokenizers'] / max(merge['ours'], 1e-3):.1f}x; cpu {cpu['tokenizers']:.1f} s vs "
                    f"{cpu['ours']:.1f} s",
                    flush=True,
                )
            if texts is not None:
                n_theirs, unk_theirs = quality(theirs["vocab"], texts)
                n_ours, unk_ours = quality(ours["vocab"], texts)
                print(
                    f"  held-out ({len(texts):,} lines): tokenizers {n_theirs:,} tokens, {unk_theirs:,} [UNK]; "
                    f"ours {n_ours:,} tokens ({n_ours / n_theirs:.4f}x), {unk_ours:,} [UNK]",
                    flush=True,
                )


if __name__ == "__main__":
    main()
