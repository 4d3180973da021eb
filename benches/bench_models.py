"""DistilBERT speed against transformers: forward latency of DistilBertModel with the same weights and inputs
(CPU, same torch, same process, interleaved rounds, best time), a training step of DistilBertForMaskedLM, and
`from_pretrained` time of a full-size checkpoint (DistilBertConfig() defaults, random weights, saved once into
--folder).

The cases: the issue's variable-length batch (16 sequences of lengths 16, 32, ..., 256 padded to 256: 2,176 real
tokens of 4,096; target >= 1.5x), batches without padding (target: no slower), and a padded 8x128 batch.
Reported: the speed-up (transformers' time / ours) on wall time and on process CPU time (all threads), which
depends less on what else runs on a shared machine, and the load average before and after.

Usage: python benches/bench_models.py [--rounds N] [--threads N] [--folder /tmp/ferroformers-bench/distilbert-base]
(`--threads 1` on a busy machine: the CPU-time ratio of one thread is then the steadiest figure.)
"""

from __future__ import annotations

import argparse
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path

import torch
import transformers

import ferroformers


def timed(fn: Callable[[], object]) -> tuple[float, float]:
    """(wall, process CPU) seconds of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def duel(ours: Callable[[], object], theirs: Callable[[], object], rounds: int) -> dict[str, float]:
    """Best wall and CPU time of each side over interleaved rounds (one warm-up call each first)."""
    ours(), theirs()
    best = {"ours_wall": 1e9, "ours_cpu": 1e9, "theirs_wall": 1e9, "theirs_cpu": 1e9}
    for _ in range(rounds):
        for side, fn in (("ours", ours), ("theirs", theirs)):
            wall, cpu = timed(fn)
            best[f"{side}_wall"] = min(best[f"{side}_wall"], wall)
            best[f"{side}_cpu"] = min(best[f"{side}_cpu"], cpu)
    return best


def report(name: str, best: dict[str, float], note: str = "") -> None:
    print(
        f"  {name:34s} {best['ours_wall'] * 1e3:9.1f} {best['theirs_wall'] * 1e3:9.1f} "
        f"{best['theirs_wall'] / best['ours_wall']:7.2f}x {best['theirs_cpu'] / best['ours_cpu']:7.2f}x  {note}"
    )


def make_checkpoint(folder: Path) -> None:
    if (folder / "model.safetensors").exists():
        return
    torch.manual_seed(0)
    transformers.DistilBertModel(transformers.DistilBertConfig()).save_pretrained(folder)


def batch(lengths: list[int], seq_len: int, seed: int = 0) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(1000, 30000, (len(lengths), seq_len), generator=g)
    mask = (torch.arange(seq_len)[None] < torch.tensor(lengths)[:, None]).long()
    return {
        "input_ids": ids * mask,
        "attention_mask": mask,
    }  # padding holds the [PAD] id 0, as tokenizers give


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    parser.add_argument("--folder", type=Path, default=Path("/tmp/ferroformers-bench/distilbert-base"))
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    transformers.logging.set_verbosity_error()
    logging.getLogger("ferroformers").setLevel(logging.ERROR)
    make_checkpoint(args.folder)
    print(
        f"torch {torch.__version__} ({torch.get_num_threads()} threads), transformers {transformers.__version__}, "
        f"checkpoint {args.folder} (DistilBertConfig() defaults, random weights), "
        f"load average {os.getloadavg()[0]:.1f}"
    )

    ours = ferroformers.DistilBertModel.from_pretrained(args.folder)
    theirs = transformers.DistilBertModel.from_pretrained(args.folder).eval()  # its default: SDPA attention
    cases = {
        "16 x 16..256 padded to 256": batch(list(range(16, 257, 16)), 256),
        "8x128, no padding": batch([128] * 8, 128),
        "1x16, no padding": batch([16], 16),
        "8x128 padded (lengths 128..16)": batch([128, 120, 100, 90, 64, 50, 30, 16], 128),
    }
    print("\nforward (torch.inference_mode), best of interleaved rounds:")
    print(
        f"  {'input':34s} {'ours ms':>9s} {'theirs ms':>9s} {'wall':>8s} {'CPU':>8s}  speed-up (target >= 1.5x on "
        "the first, >= 1.0x without padding)"
    )
    with torch.inference_mode():
        for name, inputs in cases.items():
            a, b = ours(**inputs).last_hidden_state, theirs(**inputs).last_hidden_state
            keep = inputs["attention_mask"].bool()
            diff = (a - b)[keep].abs().max().item()
            rounds = args.rounds if not name.startswith("1x16") else args.rounds * 10
            report(
                name,
                duel(lambda i=inputs: ours(**i), lambda i=inputs: theirs(**i), rounds),
                f"max |diff| on real tokens {diff:.1e}",
            )

    print("\ntraining step (DistilBertForMaskedLM forward + backward, 15% of real tokens labelled), best:")
    torch.manual_seed(0)
    mlm_theirs = transformers.DistilBertForMaskedLM(transformers.DistilBertConfig()).train()
    mlm_ours = ferroformers.DistilBertForMaskedLM.from_pretrained(
        None, config=ferroformers.DistilBertConfig(), state_dict=mlm_theirs.state_dict()
    ).train()
    inputs = batch(list(range(8, 129, 8)), 128)
    labels = inputs["input_ids"].masked_fill(
        torch.rand(inputs["input_ids"].shape, generator=torch.Generator().manual_seed(1)) > 0.15, -100
    )
    inputs["labels"] = labels.masked_fill(inputs["attention_mask"] == 0, -100)

    def step(model: torch.nn.Module) -> Callable[[], object]:
        def run() -> None:
            model.zero_grad(set_to_none=True)
            model(**inputs).loss.backward()

        return run

    report("16 x 8..128 padded to 128", duel(step(mlm_ours), step(mlm_theirs), max(2, args.rounds // 2)))

    print("\nfrom_pretrained of the full-size checkpoint (file cache warm), best:")
    report(
        "66M parameters",
        duel(
            lambda: ferroformers.DistilBertModel.from_pretrained(args.folder),
            lambda: transformers.DistilBertModel.from_pretrained(args.folder),
            max(3, args.rounds),
        ),
    )
    print(f"\nload average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
