"""Batch tokenization for data engines.

`TokenizeBatch` is one plain, picklable callable that maps a batch (a `pyarrow.Table`, a dict of numpy arrays or a
pandas DataFrame) to the same batch with `input_ids` (and optionally `attention_mask`, `offsets`) added. It
carries only a small spec (a tokenizer name or folder, and options) and builds the tokenizer once per worker
process, so any engine can use it: Ray Data (`tokenize_dataset`, extra `ferroformers[ray]`), Dask
`map_partitions`, Spark `mapInArrow`, or a plain loop.
"""

from __future__ import annotations

from typing import Any

__all__ = ["TokenizeBatch", "tokenize_dataset"]


def __getattr__(name: str) -> Any:
    if name == "TokenizeBatch":
        from .batch import TokenizeBatch

        return TokenizeBatch
    if name == "tokenize_dataset":
        from .ray import tokenize_dataset

        return tokenize_dataset
    raise AttributeError(f"module 'ferroformers.data' has no attribute {name!r}")
