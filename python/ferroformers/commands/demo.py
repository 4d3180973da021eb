"""`ferroformers demo`: `ferroformers tokenize` on the bundled sample corpus, into a temporary folder."""

from __future__ import annotations

import argparse
import tempfile
from dataclasses import dataclass
from importlib import resources
from typing import Any


def add_parser(subparsers: Any) -> None:
    demo = subparsers.add_parser("demo", help="tokenize the bundled sample corpus into a temporary folder")
    demo.add_argument("--keep", metavar="OUTDIR", default=None, help="write the result here instead")
    demo.set_defaults(job=DemoJob.from_args, run=run)


@dataclass(frozen=True)
class DemoJob:
    keep: str | None  # the output folder to keep (replaced if it exists); None: a temporary one

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> DemoJob:
        return cls(keep=args.keep)


def run(job: DemoJob) -> int:
    from ..cli import main

    sample = resources.files("ferroformers") / "bundled" / "sample_corpus.txt"
    with tempfile.TemporaryDirectory() as tmp:
        out = job.keep or f"{tmp}/sample-tokens"
        print(f"$ ferroformers tokenize {sample} -o {out}")
        code = main(["tokenize", str(sample), "-o", out] + (["--overwrite"] if job.keep else []))
        if code == 0:
            import numpy as np

            tokens = np.load(f"{out}/tokens.npy", mmap_mode="r")
            offsets = np.load(f"{out}/offsets.npy")
            print(f"document 0: {tokens[offsets[0] : offsets[1]].tolist()[:16]} ...")
        return code
