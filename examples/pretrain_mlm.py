"""Pretrain a small DistilBERT with masked language modeling, from a text corpus to a checkpoint transformers loads.

    python examples/pretrain_mlm.py                                  # the bundled sample corpus, a tiny model
    python examples/pretrain_mlm.py --corpus wiki.txt --output my-model --steps 20000 --dim 256 --layers 4
    python examples/pretrain_mlm.py --tokens wiki-tokens --output my-model     # an already tokenized corpus

The four steps (each is one call; everything else here is a plain PyTorch loop):
1. `ferroformers tokenize CORPUS -o TOKENS` (here through its Python entry point; the command line is the same)
   writes every document's ids, memory-mappable, with a manifest naming the tokenizer.
2. `PackedTokenDataset(TOKENS, block_size)` concatenates the documents into blocks of `block_size` tokens
   (transformers' run_mlm.py `group_texts`), checking that the tokenizer is the one the corpus was tokenized with.
3. `DataCollatorForLanguageModeling(tokenizer)` masks 15% of the tokens of each batch (80% [MASK], 10% random,
   10% kept), exactly as transformers' collator does.
4. `DistilBertForMaskedLM(DistilBertConfig(...))`, AdamW, `save_pretrained`: the folder loads in transformers with
   `DistilBertForMaskedLM.from_pretrained` and `AutoTokenizer.from_pretrained`.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path

import torch
from tqdm.auto import tqdm

import ferroformers
from ferroformers import (
    AutoTokenizer,
    DataCollatorForLanguageModeling,
    DistilBertConfig,
    DistilBertForMaskedLM,
)
from ferroformers.cli import main as ferroformers_cli
from ferroformers.data import PackedTokenDataset

SAMPLE_CORPUS = Path(ferroformers.__file__).parent / "bundled" / "sample_corpus.txt"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument(
        "--corpus",
        nargs="+",
        default=[str(SAMPLE_CORPUS)],
        help="text files, one document per line (.jsonl, .parquet, .gz, .zst work too); default: the "
        "bundled sample corpus",
    )
    p.add_argument(
        "--tokens",
        help="the tokenized corpus: reused if it holds a finished run, else written there "
        "(default: OUTPUT-tokens)",
    )
    p.add_argument("--tokenizer", default="bert-base-uncased")
    p.add_argument(
        "--output", default="distilbert-mlm", help="where the trained model and tokenizer are saved"
    )
    # model: a small DistilBERT (the published one is dim 768, 6 layers, 12 heads)
    p.add_argument("--dim", type=int, default=128)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--heads", type=int, default=2)
    # training
    p.add_argument("--block-size", type=int, default=128)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--steps", type=int, default=200)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--warmup-steps", type=int, default=20)
    p.add_argument("--weight-decay", type=float, default=0.01)
    p.add_argument("--log-every", type=int, default=20, help="print the mean loss every this many steps")
    p.add_argument("--workers", type=int, default=0, help="DataLoader worker processes")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quiet", action="store_true", help="no progress bar and no loss lines")
    args = p.parse_args(argv)
    for name in ("dim", "layers", "heads", "block_size", "batch_size", "steps", "log_every"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.dim % args.heads:
        p.error(f"--dim ({args.dim}) must be a multiple of --heads ({args.heads})")
    return args


def tokenized_corpus(args: argparse.Namespace) -> str:
    """The tokenized corpus folder: an existing finished run, or a new `ferroformers tokenize` run."""
    tokens = args.tokens or f"{args.output.rstrip(os.sep)}-tokens"
    if os.path.isfile(os.path.join(tokens, "manifest.json")) or os.path.isfile(
        os.path.join(tokens, "_manifest.json")
    ):
        return tokens
    status = ferroformers_cli(
        [
            "tokenize",
            *args.corpus,
            "-o",
            tokens,
            "--tokenizer",
            args.tokenizer,
            *(["--quiet"] if args.quiet else []),
        ]
    )
    if status != 0:
        raise SystemExit(status)
    return tokens


def main(argv: list[str] | None = None) -> list[float]:
    """Train and save; returns the loss of every step."""
    args = parse_args(argv)
    torch.manual_seed(args.seed)

    tokenizer = AutoTokenizer.from_pretrained(args.tokenizer)
    dataset = PackedTokenDataset(tokenized_corpus(args), args.block_size, tokenizer=tokenizer)
    collator = DataCollatorForLanguageModeling(tokenizer, mlm_probability=0.15, seed=args.seed)
    loader = torch.utils.data.DataLoader(
        dataset,
        batch_size=args.batch_size,
        shuffle=True,
        drop_last=True,
        collate_fn=collator,
        num_workers=args.workers,
        generator=torch.Generator().manual_seed(args.seed),
    )
    if len(loader) == 0:
        raise SystemExit(f"{dataset}: fewer blocks than one batch of {args.batch_size}")

    config = DistilBertConfig(
        vocab_size=len(tokenizer),
        dim=args.dim,
        n_layers=args.layers,
        n_heads=args.heads,
        hidden_dim=4 * args.dim,
        max_position_embeddings=args.block_size,
        pad_token_id=tokenizer.pad_token_id,
    )
    model = DistilBertForMaskedLM(config)
    model.train()
    # no weight decay on biases and LayerNorm weights, as in transformers' Trainer
    decay = [p for n, p in model.named_parameters() if p.ndim >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.ndim < 2]
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": args.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=args.lr,
    )
    # linear warmup, then linear decay to 0
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer,
        lambda step: min(
            (step + 1) / max(args.warmup_steps, 1),
            max(0.0, (args.steps - step) / max(args.steps - args.warmup_steps, 1)),
        ),
    )

    n_params = sum(p.numel() for p in model.parameters())
    if not args.quiet:
        print(
            f"{dataset}\nDistilBertForMaskedLM: {n_params / 1e6:.1f} M parameters; {args.steps} steps of "
            f"{args.batch_size} x {args.block_size} tokens ({len(loader)} batches per epoch)"
        )
    losses: list[float] = []
    progress = tqdm(total=args.steps, disable=args.quiet, unit="step")
    while len(losses) < args.steps:
        for batch in loader:
            loss = model(**batch).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad(set_to_none=True)
            losses.append(loss.item())
            progress.update(1)
            progress.set_postfix(loss=f"{losses[-1]:.3f}")
            if not args.quiet and len(losses) % args.log_every == 0:
                recent = losses[-args.log_every :]
                mean = sum(recent) / len(recent)
                progress.write(
                    f"step {len(losses)}: loss {mean:.4f} (perplexity {math.exp(min(mean, 50)):.1f}), "
                    f"lr {schedule.get_last_lr()[0]:.2e}"
                )
            if len(losses) == args.steps:
                break
    progress.close()

    model.save_pretrained(args.output)
    tokenizer.save_pretrained(args.output)
    if not args.quiet:
        print(f"saved to {args.output} (load it with DistilBertForMaskedLM.from_pretrained({args.output!r}))")
    return losses


if __name__ == "__main__":
    main(sys.argv[1:])
