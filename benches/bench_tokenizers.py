"""Fast tokenizer speed: ferroformers' native WordPiece against Hugging Face `tokenizers`, transformers' fast
tokenizer `__call__`, tokie and flash-tokenizer (PyPI, when installed), and the slow ones on a small prefix.
One process, one corpus, one vocabulary, the same thread count for everyone (plus our flat encoder on one
thread when --threads > 1, for the thread scaling).

The peer is whichever `tokenizers` the interpreter imports: 0.23 in the test venv (ids and offsets compared),
or 1.x when run with a venv that has it (`pip install --pre tokenizers==1.0.0rc3 psutil numpy`; both are
named `tokenizers`, so 1.x needs its own venv; its `Encoding` has no offsets, so only ids are compared).
This script imports ferroformers from the source tree, so that venv needs nothing else:
    /path/to/tok1-venv/bin/python benches/bench_tokenizers.py --threads 1

The fast candidates run in interleaved rounds (this VM's speed drifts by up to 2x between minutes) and each
keeps its best time. Prints MB/s, tokens/s, the ratio to `tokenizers` encode_batch (best against best), lines whose ids (and offsets, where the peer
gives character offsets) differ from `tokenizers`, and the peak RSS growth per MB of input.

usage: python benches/bench_tokenizers.py [CORPUS.txt] [--mb 50] [--threads 2] [--vocab DIR] [--slow-mb 1]
       [--repeat 3] [--skip-transformers] [--tokenizers1-python PATH|create] [--scaling-pairs 10]

--tokenizers1-python: the Python of a venv with tokenizers 1.x (both versions are named `tokenizers`, so 1.x
cannot share this process): each round runs it as a subprocess on the same lines, interleaved with the others,
timing `encode_batch` (its best of two calls: the second finds its word cache warm) and its ids as lists inside
the subprocess; ids are compared with the reference. Its pipeline sizes its thread pool from the CPUs it may
run on and ignores RAYON_NUM_THREADS, so the subprocess is pinned to --threads CPUs (the "x 1.x" ratios' base)
and, when that is fewer than the machine has, also run unpinned; the CPU time / wall time of its calls is
printed, which shows how many cores it used.
--scaling-pairs (with --threads > 1): after the rounds, that many back-to-back pairs of our flat encoder on one
thread and on --threads, each pair within a second, so that the VM's drift cancels in each pair's ratio: prints
best against best and the median pair.
`create` makes that venv (/tmp/ferroformers-bench-tokenizers1, `pip install --pre tokenizers==1.0.0rc3`).
CORPUS: any UTF-8 file, one document per line; default /tmp/ff_corpus/corpus_100M.txt
(../shared/data/build_corpus.sh). DIR holds tokenizer.json and vocab.txt (default: the assets fixture's
bert-base-uncased, built by ../shared/data/build_assets.sh).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# numpy's OpenBLAS threads (unused here) would spin beside the tokenizers' threads on a small machine
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import numpy as np


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("corpus", nargs="?", default="/tmp/ff_corpus/corpus_100M.txt")
    parser.add_argument("--mb", type=float, default=50.0, help="corpus prefix in MB (default 50)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--vocab", default="/tmp/ferroformers-test-data/assets/bert-base-uncased")
    parser.add_argument("--slow-mb", type=float, default=1.0, help="prefix for the pure-Python tokenizers")
    parser.add_argument("--skip-transformers", action="store_true", help="skip transformers' __call__")
    parser.add_argument(
        "--tokenizers1-python",
        metavar="PATH",
        help="Python of a venv with tokenizers 1.x, or 'create' (see above)",
    )
    parser.add_argument(
        "--scaling-pairs",
        type=int,
        default=10,
        help="with --threads > 1: back-to-back pairs of one-thread and N-thread flat calls after the rounds",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="interleaved rounds of the repeatable candidates; the best time of each is kept",
    )
    return parser.parse_args()


ARGS = parse_args()
# every Rust peer uses rayon's global pool, OpenMP peers OMP: pin them all before they are imported
os.environ["RAYON_NUM_THREADS"] = str(ARGS.threads)
os.environ["OMP_NUM_THREADS"] = str(ARGS.threads)
os.environ["TOKENIZERS_PARALLELISM"] = "true" if ARGS.threads > 1 else "false"

import psutil  # noqa: E402
import tokenizers  # noqa: E402
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


class Timed:
    """A result that brings its own time (a subprocess times its call itself, without start-up and reading)."""

    def __init__(self, seconds: float, value: Any = None) -> None:
        self.seconds, self.value = seconds, value


def run(fn: Callable[[], Any]) -> tuple[float, Any, int]:
    with PeakRss() as rss:
        t0 = time.perf_counter()
        out = fn()
        dt = time.perf_counter() - t0
    if isinstance(out, Timed):
        return out.seconds, out.value, 0
    return dt, out, rss.growth


# run by the tokenizers 1.x Python: argv = tokenizer.json, lines file, output .npz (or ""); prints JSON
PEER1 = r"""
import json, os, sys, time
# argv[4]: the CPUs it may use (0: all). tokenizers 1.x's pipeline sizes its own thread pool from
# std::thread::available_parallelism (it ignores RAYON_NUM_THREADS), which follows the affinity mask
cpus = int(sys.argv[4])
if cpus:
    os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[:cpus])
import numpy as np
import tokenizers
from tokenizers import Tokenizer
tok = Tokenizer.from_file(sys.argv[1])
with open(sys.argv[2], encoding="utf-8", newline="\n") as f:
    lines = [line[:-1] for line in f]
# twice: the second call finds its word cache warm, as ours is after the first round; the best is kept
best, cores = float("inf"), 0.0
for _ in range(2):
    c0, t0 = time.process_time(), time.perf_counter()
    encs = tok.encode_batch(lines)
    c1, t1 = time.process_time(), time.perf_counter()
    del encs
    if t1 - t0 < best:
        best, cores = t1 - t0, (c1 - c0) / (t1 - t0)
t2 = time.perf_counter()
rows = [e.ids for e in tok.encode_batch(lines)]
t3 = time.perf_counter()
if sys.argv[3]:
    starts = np.zeros(len(rows) + 1, dtype=np.int64)
    starts[1:] = np.cumsum([len(r) for r in rows])
    ids = np.fromiter((t for r in rows for t in r), dtype=np.uint32, count=int(starts[-1]))
    np.savez(sys.argv[3], ids=ids, starts=starts)
print(json.dumps({"version": tokenizers.__version__, "encode_batch": best, "cores": cores, "ids_lists": t3 - t2}))
"""


def tokenizers1_python(spec: str) -> str:
    """The Python that has tokenizers 1.x: the one given, or a venv made for it."""
    if spec != "create":
        return spec
    import subprocess
    import venv

    home = Path("/tmp/ferroformers-bench-tokenizers1")
    python = home / "bin" / "python"
    if not python.exists():
        venv.create(home, with_pip=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "--pre", "tokenizers==1.0.0rc3", "numpy"], check=True
        )
    return str(python)


def peer1_candidates(
    python: str, tokenizer_json: Path, lines: list[str], threads: int, cpus: int
) -> tuple[list[Candidate], str]:
    """tokenizers 1.x `encode_batch` and its ids as lists, timed in a subprocess on `lines`, on `cpus` CPUs
    (0: all of them)."""
    import json as json_
    import subprocess
    import tempfile

    tmp = Path(tempfile.mkdtemp(prefix="ff-bench-"))
    lines_file = tmp / "lines.txt"
    with open(lines_file, "w", encoding="utf-8", newline="\n") as f:
        f.writelines(line + "\n" for line in lines)
    env = {
        **os.environ,
        "RAYON_NUM_THREADS": str(threads),
        "TOKENIZERS_PARALLELISM": "true" if threads > 1 else "false",
    }
    env.pop("PYTHONPATH", None)
    box: dict[str, Any] = {"first": True}

    def once() -> dict[str, Any]:
        out = str(tmp / "ids.npz") if box["first"] else ""
        done = subprocess.run(
            [python, "-c", PEER1, str(tokenizer_json), str(lines_file), out, str(cpus)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        result: dict[str, Any] = json_.loads(done.stdout.strip().splitlines()[-1])
        box["first"] = False
        return result

    version = once()["version"]  # a warm-up run: the page cache and the check that it works

    cores: list[float] = []

    def encode_batch() -> Timed:
        box["last"] = once()
        cores.append(box["last"]["cores"])
        return Timed(box["last"]["encode_batch"], tmp / "ids.npz")

    def read(path: Any) -> Flat:
        with np.load(path) as z:
            return z["ids"], z["starts"], None

    def ids_lists() -> Timed:
        return Timed(box["last"]["ids_lists"])

    where = f"{cpus} CPU" if cpus else "all CPUs"
    name = f"tokenizers {version} (subprocess, {where})"
    peer = Candidate(f"{name} encode_batch", encode_batch, read)
    peer.cores = cores
    return [peer, Candidate(f"{name} -> ids lists", ids_lists, None)], version


def label(name: str) -> str:
    """A candidate's name without its parenthesized details, but for the CPUs a subprocess peer may use."""
    return re.sub(r" \(subprocess, ([^)]*)\)", r" [\1]", name).split(" (")[0]


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


class Candidate:
    """One timed call and how to read its ids (and offsets) for the mismatch counts."""

    def __init__(
        self,
        name: str,
        call: Callable[[], Any],
        read: Callable[[Any], Flat | None] | None,
        repeat: bool = True,
        mb: float | None = None,
    ) -> None:
        self.name, self.call, self.read, self.repeat, self.mb = name, call, read, repeat, mb
        self.times: list[float] = []
        self.rss = 0
        self.tokens = 0
        # CPU time / wall time of each timed call, for a peer timed in a subprocess
        self.cores: list[float] | None = None
        self.bad: tuple[int, int | None] | None = None


def main() -> None:
    vocab_dir = Path(ARGS.vocab)
    tokenizer_json = (vocab_dir / "tokenizer.json").read_text()
    lines = read_prefix(ARGS.corpus, ARGS.mb)
    mb = sum(len(x.encode()) + 1 for x in lines) / 1e6
    print(
        f"corpus {ARGS.corpus}: first {mb:.1f} MB, {len(lines):,} lines; vocab {vocab_dir.name}; "
        f"threads {ARGS.threads}; {ARGS.repeat} interleaved rounds (best time kept); "
        f"load average {os.getloadavg()[0]:.1f}"
    )

    hf = Tokenizer.from_file(str(vocab_dir / "tokenizer.json"))
    lowercase = bool(json.loads(tokenizer_json)["normalizer"].get("lowercase", True))
    ours = WordPieceTokenizer.from_tokenizer_json(tokenizer_json)
    from ferroformers import BertTokenizerFast

    ours_call = BertTokenizerFast.from_pretrained(str(vocab_dir))
    threads = ARGS.threads
    ref_box: dict[str, Flat] = {}

    # tokenizers 1.x's Encoding has ids but no offsets
    has_offsets = hasattr(hf.encode("a"), "offsets")

    def hf_read(encs: Any) -> Flat:
        ref_box["ref"] = flatten([e.ids for e in encs], [e.offsets for e in encs] if has_offsets else None)
        return ref_box["ref"]

    def lists_read(out: Any) -> Flat:
        enc = out[0]
        return flatten(out[1], enc.offsets())

    def native_lists() -> Any:
        enc = ours.encode_batch(lines, num_threads=threads)
        return enc, enc.ids(), enc.type_ids(), enc.attention_mask()

    peer = f"tokenizers {tokenizers.__version__}"
    # the padded batch every framework feeds a model: lists and arrays of the same rows
    padded = {"padding": True, "truncation": True, "max_length": 128}
    flat_offsets = Candidate(
        "ours encode_batch_flat (ids + offsets)",
        lambda: ours.encode_batch_flat(lines, with_offsets=True, num_threads=threads),
        lambda g: g,
    )
    cands = [
        # the reference first: every mismatch count is against its first run
        Candidate(f"{peer} encode_batch", lambda: hf.encode_batch(lines), hf_read),
        Candidate(
            f"{peer} encode_batch -> ids lists",
            lambda: [e.ids for e in hf.encode_batch(lines)],
            lambda out: flatten(out, None),
        ),
        flat_offsets,
        Candidate(
            "ours encode_batch_flat (ids)",
            lambda: ours.encode_batch_flat(lines, num_threads=threads),
            lambda g: g,
        ),
        Candidate("ours encode_batch -> ids/type_ids/mask lists", native_lists, lists_read),
    ]
    flat_one_thread: Candidate | None = None
    if threads > 1:
        # the thread-scaling target (N threads against one), interleaved with the rest in the same process
        flat_one_thread = Candidate(
            "ours encode_batch_flat (ids + offsets, 1 thread)",
            lambda: ours.encode_batch_flat(lines, with_offsets=True, num_threads=1),
            lambda g: g,
        )
        cands.append(flat_one_thread)
    cands += [
        # the "list output": the tokenizer __call__ default (input_ids, token_type_ids, attention_mask)
        Candidate(
            "ours BertTokenizerFast __call__ (lists)",
            lambda: ours_call(lines),
            lambda out: flatten(out["input_ids"], None),
        ),
        Candidate(
            "ours __call__ (lists, return_offsets_mapping)",
            lambda: ours_call(lines, return_offsets_mapping=True),
            lambda out: flatten(out["input_ids"], out["offset_mapping"]),
        ),
        Candidate(
            "ours __call__ (lists, padded to longest <= 128)", lambda: ours_call(lines, **padded), None
        ),
        Candidate(
            'ours __call__ (return_tensors="np", padded)',
            lambda: ours_call(lines, return_tensors="np", **padded),
            None,
        ),
    ]
    try:
        import torch  # noqa: F401

        cands.append(
            Candidate(
                'ours __call__ (return_tensors="pt", padded)',
                lambda: ours_call(lines, return_tensors="pt", **padded),
                None,
            )
        )
    except ImportError:
        print("torch not installed: no return_tensors='pt' row")
    if not ARGS.skip_transformers:
        try:
            from transformers import AutoTokenizer
        except ImportError:
            print("transformers not installed: no transformers row")
            ARGS.skip_transformers = True
    if not ARGS.skip_transformers:
        fast = AutoTokenizer.from_pretrained(str(vocab_dir))
        cands.append(
            Candidate(
                "transformers fast __call__",
                lambda: fast(lines),
                lambda out: flatten(out["input_ids"], None),
                repeat=False,
            )
        )
    try:
        import tokie

        tk = tokie.Tokenizer.from_json(str(vocab_dir / "tokenizer.json"))

        def tokie_read(out: Any) -> Flat:
            tids, tlens = out
            starts = np.zeros(len(lines) + 1, dtype=np.int64)
            starts[1:] = np.cumsum(tlens)
            # tokie's flat output has no [CLS]/[SEP] whatever add_special_tokens says: compare without them
            ref = ref_box["ref"]
            keep = np.ones(len(ref[0]), dtype=bool)
            keep[ref[1][:-1]] = False
            keep[ref[1][1:] - 1] = False
            ref_box["bare"] = (ref[0][keep], ref[1] - 2 * np.arange(len(lines) + 1), None)
            return tids, starts, None

        cands.append(
            Candidate(
                "tokie encode_batch_flat (ids only, no specials)",
                lambda: tk.encode_batch_flat(lines, add_special_tokens=True),
                tokie_read,
            )
        )
    except ImportError:
        print("tokie not installed (pip install tokie)")
    try:
        from flash_tokenizer import BertTokenizerFlash

        ft = BertTokenizerFlash(str(vocab_dir / "vocab.txt"), do_lower_case=lowercase)
        cands.append(
            Candidate(
                "flash-tokenizer batch_encode",
                lambda: ft.tokenizer.batch_encode(lines, "longest", -1, threads > 1),
                lambda out: flatten([[t for t in r if t != 0] for r in out], None),
                repeat=False,
            )
        )  # strip padding
    except ImportError:
        print("flash-tokenizer not installed (pip install flash-tokenizer)")

    # the pure-Python ones on a small prefix, against the same reference lines
    small = read_prefix(ARGS.corpus, ARGS.slow_mb)
    small_mb = sum(len(x.encode()) + 1 for x in small) / 1e6
    try:
        from transformers.models.bert.tokenization_bert_legacy import BertTokenizerLegacy

        legacy = BertTokenizerLegacy(str(vocab_dir / "vocab.txt"), do_lower_case=lowercase)
        cands.append(
            Candidate(
                f"transformers BertTokenizerLegacy (slow, {small_mb:.1f} MB)",
                lambda: legacy(small)["input_ids"],
                lambda out: flatten(out, None),
                False,
                small_mb,
            )
        )
    except ImportError as e:
        print(f"BertTokenizerLegacy unavailable: {e}")
    from ferroformers.models.bert.tokenization_bert import BertTokenizer as OurSlow

    slow = OurSlow(vocab_file=str(vocab_dir / "vocab.txt"), do_lower_case=lowercase)
    cands.append(
        Candidate(
            f"ferroformers slow BertTokenizer ({small_mb:.1f} MB)",
            lambda: slow(small)["input_ids"],
            lambda out: flatten(out, None),
            False,
            small_mb,
        )
    )

    peer1: Candidate | None = None
    peers1: list[Candidate] = []
    if ARGS.tokenizers1_python:
        python = tokenizers1_python(ARGS.tokenizers1_python)
        # on as many CPUs as everyone else has threads (the ratios' base), and on all of them
        extra, _ = peer1_candidates(python, vocab_dir / "tokenizer.json", lines, threads, threads)
        if threads < (os.cpu_count() or 1):
            extra += peer1_candidates(python, vocab_dir / "tokenizer.json", lines, threads, 0)[0]
        peer1 = extra[0]
        peers1 = [c for c in extra if c.cores is not None]
        cands[1:1] = extra  # right after the reference: interleaved like the others

    for round_ in range(ARGS.repeat):
        for c in cands:
            if round_ and not c.repeat:
                continue
            dt, out, rss = run(c.call)
            c.times.append(dt)
            c.rss = max(c.rss, rss)
            if round_ == 0 and c.read is not None:
                got = c.read(out)
                if got is not None:
                    c.tokens = len(got[0])
                    ref = ref_box["bare"] if c.name.startswith("tokie") else ref_box["ref"]
                    n = len(small) if c.mb is not None else len(lines)
                    c.bad = (0, 0) if c is cands[0] else mismatches(ref, got, n)
            del out
        print(
            f"round {round_ + 1}: "
            + ", ".join(f"{label(c.name)} {c.times[-1]:.2f}s" for c in cands if round_ == 0 or c.repeat),
            flush=True,
        )

    base = mb / min(cands[0].times)
    base1 = mb / min(peer1.times) if peer1 is not None else None
    x1 = f" {'x 1.x':>7s}" if base1 else ""
    print(
        f"\n{'':56s} {'MB/s':>8s} {'Mtok/s':>8s} {'x tok':>7s}{x1} {'RSS B/B':>8s}  mismatching lines "
        "(ids/offsets)"
    )
    for c in cands:
        size = c.mb if c.mb is not None else mb
        dt = min(c.times)
        ids_bad, off_bad = c.bad if c.bad is not None else ("?", "?")
        off = "-" if off_bad is None else off_bad
        r1 = f" {size / dt / base1:6.2f}x" if base1 else ""
        print(
            f"{c.name:56s} {size / dt:8.2f} {c.tokens / dt / 1e6:8.2f} {size / dt / base:6.1f}x{r1} "
            f"{c.rss / (size * 1e6):8.1f}  {ids_bad}/{off}"
        )
    for c in peers1:
        print(f"{c.name}: CPU time / wall time in its timed calls " + ", ".join(f"{x:.2f}" for x in c.cores))
    if flat_one_thread is not None:
        ratio = min(flat_one_thread.times) / min(flat_offsets.times)
        print(f"\nflat ids + offsets: {threads} threads {ratio:.2f}x one thread (best against best)")
        scaling_pairs(ours, lines, threads, ARGS.scaling_pairs)


def scaling_pairs(ours: Any, lines: list[str], threads: int, pairs: int) -> None:
    """The thread-scaling target again, in back-to-back pairs: each pair times one call on one thread and one
    on `threads` (which first alternates), within a second of each other, so that the VM's phase (its speed
    drifts by up to 2x between minutes, and the rounds above each take tens of seconds) cancels in each
    pair's ratio."""
    if pairs <= 0:
        return

    def timed(n: int) -> float:
        start = time.perf_counter()
        out = ours.encode_batch_flat(lines, with_offsets=True, num_threads=n)
        seconds = time.perf_counter() - start
        del out
        return seconds

    one, many = [], []
    for i in range(pairs):
        if i % 2 == 0:
            one.append(timed(1))
            many.append(timed(threads))
        else:
            many.append(timed(threads))
            one.append(timed(1))
    ratios = sorted(a / b for a, b in zip(one, many, strict=True))
    median = statistics.median(ratios)
    print(
        f"flat ids + offsets, {pairs} back-to-back pairs: {threads} threads {min(one) / min(many):.2f}x one thread "
        f"best against best, {median:.2f}x by the median pair (pairs: {', '.join(f'{r:.2f}' for r in ratios)})"
    )


if __name__ == "__main__":
    main()
