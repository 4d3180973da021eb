"""Data: from a corpus to training batches.

- `TokenizeBatch` is one plain, picklable callable that maps a batch (a `pyarrow.Table`, a dict of numpy arrays
  or a pandas DataFrame) to the same batch with `input_ids` (and optionally `attention_mask`, `offsets`) added.
  It carries only a small spec (a tokenizer name or folder, and options) and builds the tokenizer once per worker
  process, so any engine can use it: Ray Data (`tokenize_dataset`, extra `ferroformers[ray]`), Dask
  `map_partitions`, Spark `mapInArrow`, or a plain loop.
- `PackedTokenDataset` reads what `ferroformers tokenize` wrote (memory-mapped, never loaded) as a torch Dataset
  of fixed-size blocks or of documents; `DataCollatorForLanguageModeling` and `DataCollatorWithPadding` (module
  `data_collator`, as in transformers) turn its items into padded, masked batches.
"""

from __future__ import annotations

import importlib
from typing import Any

# public name -> module (relative to this package) that defines it; imported on first use
_LAZY = {
    "TokenizeBatch": "batch",
    "tokenize_dataset": "ray",
    "PackedTokenDataset": "packed_dataset",
    "DataCollatorMixin": "data_collator",
    "DataCollatorForLanguageModeling": "data_collator",
    "DataCollatorWithPadding": "data_collator",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'ferroformers.data' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module_name}", __name__), name)


def __dir__() -> list[str]:
    return __all__
