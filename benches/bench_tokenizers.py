"""Fast tokenizer speed: ferroformers' native WordPiece against Hugging Face `tokenizers`, transformers' fast
tokenizer `__call__`, tokie and flash-tokenizer (PyPI, when installed), and the slow ones on a small prefix.
One process, one corpus, one vocabulary, the same thread count for everyone.

Prints MB/s, tokens/s, the ratio to `tokenizers` encode_batch, lines whose ids (and offsets, where the peer
gives character offsets) differ from `tokenizers`, and the peak RSS growth per MB of input.

usage: python benches/bench_tokenizers.py [CORPUS.txt] [--mb 50] [--threads 2] [--vocab DIR] [--slow-mb 1]
CORPUS: any UTF-8 file, one document per line; default /tmp/ff_corpus/corpus_100M.txt
(../shared/data/build_corpus.sh). DIR holds tokenizer.json and vocab.txt (default: the assets fixture's
bert-base-uncased, built by ../shared/data/build_assets.sh).
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", nargs="?", default="/tmp/ff_corpus/corpus_100M.txt")
    parser.add_argument("--mb", type=float, default=50.0, help="corpus prefix in MB (default 50)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--vocab", default="/tmp/ferroformers-test-data/assets/bert-base-uncased")
    parser.add_argument("--slow-mb", type=float, default=1.0, help="prefix for the pure-Python tokenizers")
    parser.add_argument("--skip-transformers", action="store_true", help="skip transformers' __call__")
    return parser.parse_args()


ARGS = parse_args()
# every Rust peer uses rayon's global pool, OpenMP peers OMP: pin them all before they are imported
os.environ["RAYON_NUM_THREADS"] = str(ARGS.threads)
os.environ["OMP_NUM_THREADS"] = str(ARGS.threads)
os.environ["TOKENIZERS_PARALLELISM"] = "true" if ARGS.threads > 1 else "false"

import psutil  # noqa: E402
from tokenizers import Tokenizer  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "python"))
from ferroformers._native import WordPieceTokenizer  # noqa: E402


def read_prefix(path: str, megabytes: float) -> list[str]:
    budget = int(megabytes * 1e6)
    lines, size = [], 0
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            lines.append(line)
            size += len(line.encode()) + 1
            if size >= budget:
                break
    return lines


class PeakRss:
    """Peak RSS growth (bytes) while the block runs, sampled every 5 ms."""

    def __enter__(self) -> PeakRss:
        self.proc = psutil.Process()
        self.base = self.proc.memory_info().rss
        self.peak = self.base
        self.done = False
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()
        return self

    def _sample(self) -> None:
        while not self.done:
            self.peak = max(self.peak, self.proc.memory_info().rss)
            time.sleep(0.005)

    def __exit__(self, *exc: object) -> None:
        self.done = True
        self.thread.join()
        self.peak = max(self.peak, self.proc.memory_info().rss)

    @property
    def growth(self) -> int:
        return self.peak - self.base


Flat = tuple[np.ndarray, np.ndarray, np.ndarray | None]  # ids, starts, offsets


def run(fn: Callable[[], Any]) -> tuple[float, Any, int]:
    with PeakRss() as rss:
        t0 = time.perf_counter()
        out = fn()
        dt = time.perf_counter() - t0
    return dt, out, rss.growth


def flatten(rows_ids: list[list[int]], rows_offsets: list[list[tuple[int, int]]] | None) -> Flat:
    starts = np.zeros(len(rows_ids) + 1, dtype=np.int64)
    starts[1:] = np.cumsum([len(r) for r in rows_ids])
    ids = np.fromiter((t for r in rows_ids for t in r), dtype=np.uint32, count=int(starts[-1]))
    offsets = None
    if rows_offsets is not None:
        offsets = np.array([o for r in rows_offsets for o in r], dtype=np.int64).reshape(-1, 2)
    return ids, starts, offsets


def mismatches(ref: Flat, got: Flat, n: int) -> tuple[int, int | None]:
    """Lines whose ids differ, and lines whose offsets differ (None when `got` has no offsets)."""
    (rids, rst, roff), (gids, gst, goff) = ref, got
    bad_ids = bad_off = 0
    for i in range(n):
        a, b, c, d = rst[i], rst[i + 1], gst[i], gst[i + 1]
        if b - a != d - c or not np.array_equal(rids[a:b], gids[c:d]):
            bad_ids += 1
            bad_off += 1
        elif goff is not None and roff is not None and not np.array_equal(roff[a:b], goff[c:d]):
            bad_off += 1
    return bad_ids, (bad_off if goff is not None else None)


def main() -> None:
    vocab_dir = Path(ARGS.vocab)
    tokenizer_json = (vocab_dir / "tokenizer.json").read_text()
    lines = read_prefix(ARGS.corpus, ARGS.mb)
    mb = sum(len(x.encode()) + 1 for x in lines) / 1e6
    print(f"corpus {ARGS.corpus}: first {mb:.1f} MB, {len(lines):,} lines; vocab {vocab_dir.name}; "
          f"threads {ARGS.threads}; load average {os.getloadavg()[0]:.1f}")

    hf = Tokenizer.from_str(tokenizer_json)
    ours = WordPieceTokenizer.from_tokenizer_json(tokenizer_json)
    results: list[tuple[str, float, float, int, int, tuple[int, int | None] | None]] = []

    # the reference: tokenizers encode_batch (ids and offsets kept as arrays for the mismatch counts)
    dt, encs, rss = run(lambda: hf.encode_batch(lines))
    ref = flatten([e.ids for e in encs], [e.offsets for e in encs])
    n_tokens = len(ref[0])
    del encs
    base = mb / dt
    results.append(("tokenizers encode_batch", dt, mb, n_tokens, rss, (0, 0)))

    def ours_lists() -> Flat:
        enc = ours.encode_batch(lines, num_threads=ARGS.threads)
        ids, _types, _mask, offsets = enc.ids(), enc.type_ids(), enc.attention_mask(), enc.offsets()
        return flatten(ids, offsets)  # flattening is outside the timing below

    dt, got, rss = run(lambda: ours.encode_batch_flat(lines, with_offsets=True, num_threads=ARGS.threads))
    results.append(("ours encode_batch_flat (ids + offsets)", dt, mb, len(got[0]), rss,
                    mismatches(ref, got, len(lines))))
    dt, got, rss = run(lambda: ours.encode_batch_flat(lines, num_threads=ARGS.threads))
    results.append(("ours encode_batch_flat (ids)", dt, mb, len(got[0]), rss,
                    mismatches(ref, got, len(lines))))

    def lists_only() -> Any:
        enc = ours.encode_batch(lines, num_threads=ARGS.threads)
        return enc, enc.ids(), enc.type_ids(), enc.attention_mask()

    dt, got_lists, rss = run(lists_only)
    got = flatten(got_lists[1], got_lists[0].offsets())
    del got_lists
    results.append(("ours encode_batch -> ids/type_ids/mask lists", dt, mb, len(got[0]), rss,
                    mismatches(ref, got, len(lines))))

    if not ARGS.skip_transformers:
        from transformers import AutoTokenizer

        fast = AutoTokenizer.from_pretrained(str(vocab_dir))
        dt, out, rss = run(lambda: fast(lines))
        got = flatten(out["input_ids"], None)
        results.append(("transformers fast __call__", dt, mb, len(got[0]), rss, mismatches(ref, got, len(lines))))
        del out

    try:
        import tokie

        tk = tokie.Tokenizer.from_json(str(vocab_dir / "tokenizer.json"))
        dt, (tids, tlens), rss = run(lambda: tk.encode_batch_flat(lines, add_special_tokens=True))
        starts = np.zeros(len(lines) + 1, dtype=np.int64)
        starts[1:] = np.cumsum(tlens)
        # tokie's flat output has no [CLS]/[SEP] whatever add_special_tokens says: compare without them
        keep = np.ones(len(ref[0]), dtype=bool)
        keep[ref[1][:-1]] = False
        keep[ref[1][1:] - 1] = False
        ref_bare = (ref[0][keep], ref[1] - 2 * np.arange(len(lines) + 1), None)
        results.append(("tokie encode_batch_flat (ids only, no specials)", dt, mb, len(tids), rss,
                        mismatches(ref_bare, (tids, starts, None), len(lines))))
    except ImportError:
        print("tokie not installed (pip install tokie)")

    try:
        from flash_tokenizer import BertTokenizerFlash

        ft = BertTokenizerFlash(str(vocab_dir / "vocab.txt"), do_lower_case=hf.normalizer.lowercase)
        dt, out, rss = run(lambda: ft.tokenizer.batch_encode(lines, "longest", -1, ARGS.threads > 1))
        rows = [[t for t in r if t != 0] for r in out]  # strip its padding
        got = flatten(rows, None)
        results.append(("flash-tokenizer batch_encode", dt, mb, len(got[0]), rss, mismatches(ref, got, len(lines))))
        del out
    except ImportError:
        print("flash-tokenizer not installed (pip install flash-tokenizer)")

    # the pure-Python ones on a small prefix, against the same reference lines
    small = read_prefix(ARGS.corpus, ARGS.slow_mb)
    small_mb = sum(len(x.encode()) + 1 for x in small) / 1e6
    try:
        from transformers.models.bert.tokenization_bert_legacy import BertTokenizerLegacy

        legacy = BertTokenizerLegacy(str(vocab_dir / "vocab.txt"), do_lower_case=hf.normalizer.lowercase)
        dt, out, rss = run(lambda: legacy(small)["input_ids"])
        got = flatten(out, None)
        results.append((f"transformers BertTokenizerLegacy (slow, {small_mb:.1f} MB)", dt, small_mb, len(got[0]),
                        rss, mismatches(ref, got, len(small))))
    except ImportError as e:
        print(f"BertTokenizerLegacy unavailable: {e}")
    try:
        from ferroformers.models.bert.tokenization_bert import BertTokenizer as OurSlow

        slow = OurSlow(vocab_file=str(vocab_dir / "vocab.txt"), do_lower_case=hf.normalizer.lowercase)
        dt, out, rss = run(lambda: slow(small)["input_ids"])
        got = flatten(out, None)
        results.append((f"ferroformers slow BertTokenizer ({small_mb:.1f} MB)", dt, small_mb, len(got[0]), rss,
                        mismatches(ref, got, len(small))))
    except ImportError as e:
        print(f"ferroformers slow BertTokenizer unavailable: {e}")

    print(f"\n{'':52s} {'MB/s':>8s} {'Mtok/s':>8s} {'x tok':>7s} {'RSS B/B':>8s}  mismatching lines (ids/offsets)")
    for name, dt, size, ntok, rss, bad in results:
        ids_bad, off_bad = bad if bad is not None else ("?", "?")
        off = "-" if off_bad is None else off_bad
        print(f"{name:52s} {size / dt:8.2f} {ntok / dt / 1e6:8.2f} {size / dt / base:6.1f}x {rss / (size * 1e6):8.1f}  "
              f"{ids_bad}/{off}")


if __name__ == "__main__":
    main()
