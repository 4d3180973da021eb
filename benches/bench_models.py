"""DistilBERT speed against transformers' DistilBertModel: forward latency with the same weights and inputs
(CPU, same torch, same process, interleaved; target ratio <= 1.0), and `from_pretrained` time of a full-size
checkpoint (DistilBertConfig() defaults, random weights, saved once into --folder; target <= 1.0).

Usage: python benches/bench_models.py [--runs N] [--folder /tmp/ferroformers-bench/distilbert-base]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import torch
import transformers

import ferroformers


def median_ms(fn: Callable[[], object], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1e3)
    return samples


def make_checkpoint(folder: Path) -> None:
    if (folder / "model.safetensors").exists():
        return
    torch.manual_seed(0)
    transformers.DistilBertModel(transformers.DistilBertConfig()).save_pretrained(folder)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--folder", type=Path, default=Path("/tmp/ferroformers-bench/distilbert-base"))
    args = parser.parse_args()
    transformers.logging.set_verbosity_error()
    logging.getLogger("ferroformers").setLevel(logging.ERROR)
    make_checkpoint(args.folder)
    print(f"torch {torch.__version__} ({torch.get_num_threads()} threads), transformers {transformers.__version__}, "
          f"checkpoint {args.folder} (DistilBertConfig() defaults, random weights)")

    ours = ferroformers.DistilBertModel.from_pretrained(args.folder)
    theirs = transformers.DistilBertModel.from_pretrained(args.folder).eval()  # its default: SDPA attention

    g = torch.Generator().manual_seed(0)
    cases = {}
    for bs, seq_len in ((8, 128), (1, 16)):
        ids = torch.randint(1000, 30000, (bs, seq_len), generator=g)
        cases[f"{bs}x{seq_len}"] = {"input_ids": ids, "attention_mask": torch.ones_like(ids)}
    padded = dict(cases["8x128"])
    padded["attention_mask"] = (torch.arange(128)[None] < torch.tensor([128, 120, 100, 90, 64, 50, 30, 16])[:, None])
    cases["8x128 padded"] = {"input_ids": padded["input_ids"], "attention_mask": padded["attention_mask"].long()}

    print("\nforward latency (torch.inference_mode), median ms:")
    print(f"  {'input':14s} {'ferroformers':>13s} {'transformers':>13s} {'ratio':>7s}   (target <= 1.0)")
    with torch.inference_mode():
        for name, inputs in cases.items():
            a, b = ours(**inputs).last_hidden_state, theirs(**inputs).last_hidden_state
            keep = inputs["attention_mask"].bool()
            diff = (a - b)[keep].abs().max().item()
            runs = args.runs if name != "1x16" else args.runs * 10
            for _ in range(2):  # warm-up
                ours(**inputs), theirs(**inputs)
            mine, peer = [], []
            for _ in range(runs):  # interleaved so that both see the same machine state
                mine += median_ms(lambda inputs=inputs: ours(**inputs), 1)
                peer += median_ms(lambda inputs=inputs: theirs(**inputs), 1)
            m, p = statistics.median(mine), statistics.median(peer)
            print(f"  {name:14s} {m:13.2f} {p:13.2f} {m / p:7.3f}   max |diff| {diff:.1e}")

    print("\nfrom_pretrained of the full-size checkpoint (file cache warm), median ms:")
    mine, peer = [], []
    for _ in range(max(3, args.runs // 2)):
        mine += median_ms(lambda: ferroformers.DistilBertModel.from_pretrained(args.folder), 1)
        peer += median_ms(lambda: transformers.DistilBertModel.from_pretrained(args.folder), 1)
    m, p = statistics.median(mine), statistics.median(peer)
    print(f"  ferroformers {m:.1f}  transformers {p:.1f}  ratio {m / p:.3f}   (target <= 1.0)")


if __name__ == "__main__":
    main()
