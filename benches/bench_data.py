"""Training batches: `PackedTokenDataset` + our `DataCollatorForLanguageModeling` against transformers' collator
over a `datasets`-style in-memory list of the same blocks, and against the time of one CPU training step of a
small DistilBERT, so that it shows whether the data side is ever what a training step waits on.

Input: the output of `ferroformers tokenize` on a corpus (tokenized here first if `--tokens` is not given; default
the 100 MB multilingual corpus of ../shared/data/build_corpus.sh), bert-base-uncased.

Per batch of `--batch-size` random blocks (the same indices for everyone, a new random draw each batch):
- ours: `collator([ds[i] for i in indices])` on the memory-mapped npy layout (ids read from the files),
- ours, list: our collator on the peer's list (the collator alone),
- transformers: its `DataCollatorForLanguageModeling(seed=0)` on `[blocks[i] for i in indices]`, where `blocks`
  holds each block as `{"input_ids": [python ints]}` (what a `datasets` row gives; the list holds the blocks
  this run reads, the others would only take memory),
- Parquet layout in order and shuffled (the cost of decoding a row group per random item).
Both collators get the same features and seed: the batches are checked equal before timing. Rounds are
interleaved and each candidate keeps its best; ratios are against transformers.

usage: PYTHONPATH=python python benches/bench_data.py [--corpus FILE] [--tokens DIR] [--block-size 128 512]
       [--batch-size 32] [--batches 40] [--rounds 5] [--no-train-step]
"""

from __future__ import annotations

import argparse
import logging
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

logging.disable(logging.WARNING)
REPO = Path(__file__).resolve().parents[1]
BUNDLED = REPO / "python" / "ferroformers" / "bundled" / "bert-base-uncased"


def tokenized(corpus: str, out: Path, fmt: str) -> Path:
    from ferroformers.cli import main

    if not (out / ("manifest.json" if fmt == "npy" else "_manifest.json")).exists():
        print(f"tokenizing {corpus} -> {out} ({fmt})")
        assert main(["tokenize", corpus, "-o", str(out), "--format", fmt, "--overwrite", "-q"]) == 0
    return out


def batch_indices(n_items: int, batch_size: int, batches: int, seed: int) -> list[list[int]]:
    rng = np.random.default_rng(seed)
    return [rng.integers(0, n_items, batch_size).tolist() for _ in range(batches)]


def timed(fn: Any, batches: list[list[int]]) -> float:
    """Seconds per batch over `batches` (one pass)."""
    start = time.perf_counter()
    for indices in batches:
        fn(indices)
    return (time.perf_counter() - start) / len(batches)


def train_step_seconds(batch: dict[str, torch.Tensor], vocab_size: int, repeat: int = 2) -> tuple[float, str]:
    """Best time of one AdamW step (forward, backward, update) of a small DistilBERT on `batch`."""
    from ferroformers import DistilBertConfig, DistilBertForMaskedLM

    block = batch["input_ids"].shape[1]
    config = DistilBertConfig(
        vocab_size=vocab_size,
        dim=256,
        n_layers=4,
        n_heads=4,
        hidden_dim=1024,
        max_position_embeddings=max(block, 512),
    )
    model = DistilBertForMaskedLM(config).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    best = float("inf")
    for _ in range(repeat + 1):  # the first step warms up
        start = time.perf_counter()
        model(**batch).loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        best = min(best, time.perf_counter() - start)
    n_params = sum(p.numel() for p in model.parameters())
    return best, f"DistilBertForMaskedLM dim 256, 4 layers, 4 heads ({n_params / 1e6:.1f} M parameters)"


def run(args: argparse.Namespace, block_size: int, ours_tok: Any, their_tok: Any) -> None:
    import transformers

    from ferroformers.data import DataCollatorForLanguageModeling, PackedTokenDataset

    ds = PackedTokenDataset(args.npy, block_size, tokenizer=ours_tok)
    ds_parquet = PackedTokenDataset(args.parquet, block_size)
    batches = batch_indices(len(ds), args.batch_size, args.batches, seed=block_size)
    tokens = np.load(os.path.join(args.npy, "tokens.npy"), mmap_mode="r")
    needed = sorted({i for b in batches for i in b})
    blocks: list[Any] = [None] * len(ds)
    for i in needed:
        blocks[i] = {"input_ids": tokens[i * block_size : (i + 1) * block_size].tolist()}

    ours = DataCollatorForLanguageModeling(ours_tok, seed=0)
    theirs = transformers.DataCollatorForLanguageModeling(their_tok, seed=0)
    check_ours = DataCollatorForLanguageModeling(ours_tok, seed=0)
    for indices in batches[:3]:  # the same tensors before anything is timed
        a = check_ours([ds[i] for i in indices])
        b = theirs([blocks[i] for i in indices])
        assert all(torch.equal(a[k], b[k]) for k in b) and list(a) == list(b), "batches differ"
    theirs = transformers.DataCollatorForLanguageModeling(their_tok, seed=0)

    candidates = {
        "ours: PackedTokenDataset (npy) + collator": lambda idx: ours([ds[i] for i in idx]),
        "ours: collator on the list of dicts": lambda idx: ours([blocks[i] for i in idx]),
        "transformers: collator on the list of dicts": lambda idx: theirs([blocks[i] for i in idx]),
    }
    best = {name: float("inf") for name in candidates}
    for _ in range(args.rounds):
        for name, fn in candidates.items():
            best[name] = min(best[name], timed(fn, batches))
    # Parquet: in order, each row group is decoded once for all the batches it holds (read across 1.5 row
    # groups' worth of batches so that the decodes are counted at their share); shuffled, about one decode per item
    import pyarrow.parquet as pq

    groups = sum(
        pq.ParquetFile(os.path.join(args.parquet, f)).metadata.num_row_groups for f in ds_parquet.files
    )
    n_order = max(args.batches, int(1.5 * ds_parquet.n_tokens / groups / (block_size * args.batch_size)))
    in_order = [list(range(k * args.batch_size, (k + 1) * args.batch_size)) for k in range(n_order)]
    parquet_order = timed(lambda idx: ours([ds_parquet[i] for i in idx]), in_order)
    parquet_random = timed(lambda idx: ours([ds_parquet[i] for i in idx]), batches[:2])

    peer = best["transformers: collator on the list of dicts"]
    print(
        f"\nblock_size {block_size}, batch {args.batch_size}: {len(ds):,} blocks, best of {args.rounds} rounds of "
        f"{args.batches} batches"
    )
    print("| candidate | ms / batch | batches / s | vs transformers |\n|---|---|---|---|")
    for name, seconds in best.items():
        print(f"| {name} | {seconds * 1e3:.2f} | {1 / seconds:,.0f} | {peer / seconds:.1f}x |")
    print(
        f"| ours: PackedTokenDataset (Parquet, {groups} row groups), in order ({n_order} batches) + collator | "
        f"{parquet_order * 1e3:.2f} | {1 / parquet_order:,.0f} | {peer / parquet_order:.1f}x |"
    )
    print(
        f"| ours: PackedTokenDataset (Parquet), shuffled + collator | {parquet_random * 1e3:.2f} | "
        f"{1 / parquet_random:,.1f} | |"
    )
    if args.train_step:
        step, what = train_step_seconds(ours([ds[i] for i in batches[0]]), len(ours_tok))
        data = best["ours: PackedTokenDataset (npy) + collator"]
        print(
            f"\none CPU training step, {what}, batch {args.batch_size} x {block_size}: {step * 1e3:,.0f} ms "
            f"= {step / data:,.0f} batches of ours (npy) / {step / peer:,.0f} of transformers' collator"
        )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--corpus", default="/tmp/ff_corpus/corpus_100M.txt")
    p.add_argument("--tokens", help="a tokenized corpus folder (npy); default: bench-data/<corpus>-tokens")
    p.add_argument("--block-size", type=int, nargs="+", default=[128, 512])
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--batches", type=int, default=40)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--no-train-step", dest="train_step", action="store_false")
    args = p.parse_args()
    torch.set_num_threads(min(2, os.cpu_count() or 1))
    stem = REPO / "bench-data" / Path(args.corpus).stem
    args.npy = args.tokens or str(tokenized(args.corpus, Path(f"{stem}-tokens"), "npy"))
    args.parquet = str(tokenized(args.corpus, Path(f"{stem}-tokens-parquet"), "parquet"))

    import transformers

    from ferroformers import AutoTokenizer

    ours_tok = AutoTokenizer.from_pretrained(str(BUNDLED))
    their_tok = transformers.AutoTokenizer.from_pretrained(str(BUNDLED))
    print(
        f"transformers {transformers.__version__}, torch {torch.__version__}, {os.cpu_count()} cores; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    for block_size in args.block_size:
        run(args, block_size, ours_tok, their_tok)


if __name__ == "__main__":
    main()
