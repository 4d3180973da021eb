"""Import cost: `import ferroformers` against `import transformers` (target: at most a tenth of its time).

Each import runs in a fresh interpreter, several times, interleaved; the figure is the median wall time minus
the median of an empty interpreter start (`python -c pass`). Usage: python benches/bench_import.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time


def timed(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    cases = {
        "python -c pass": "pass",
        "import ferroformers": "import ferroformers",
        "from ferroformers import DistilBertConfig": "from ferroformers import DistilBertConfig",
        "import transformers": "import transformers",
        "from transformers import DistilBertConfig": "from transformers import DistilBertConfig",
    }
    for code in cases.values():  # warm the file cache
        timed(code)
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.runs):
        for name, code in cases.items():
            samples[name].append(timed(code))
    base = statistics.median(samples["python -c pass"])
    net = {name: max(statistics.median(s) - base, 1e-6) for name, s in samples.items()}
    print(f"interpreter start: {base * 1e3:.1f} ms (subtracted below); {args.runs} runs each, median")
    for name in cases:
        if name != "python -c pass":
            print(f"  {name:45s} {net[name] * 1e3:8.1f} ms")
    for ours, theirs in (
        ("import ferroformers", "import transformers"),
        ("from ferroformers import DistilBertConfig", "from transformers import DistilBertConfig"),
    ):
        print(f"ratio {ours!r} / {theirs!r}: {net[ours] / net[theirs]:.3f} (target <= 0.1)")


if __name__ == "__main__":
    main()
