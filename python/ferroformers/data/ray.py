"""Ray Data adapter (extra `ferroformers[ray]`): tokenize a Ray Dataset with one tokenizer per actor.

Reading and writing Parquet stay Ray's (`ray.data.read_parquet`, `Dataset.write_parquet`); this only adds a
`map_batches` stage with the callable class `TokenizeBatch`, on Arrow batches.

CPUs: each actor asks for `num_threads` CPUs and runs exactly that many tokenizer threads (Ray sets
OMP_NUM_THREADS for its workers, which our pool does not read, so the count is passed explicitly). By default the
actor pool leaves `reserve_cpus` CPUs of the cluster to the read and write tasks: an actor pool that takes every
CPU starves them, and on a 2-core machine the pipeline then waits forever.
"""

from __future__ import annotations

import os
from typing import Any

from ..utils.import_utils import require
from .batch import TokenizeBatch


def default_concurrency(num_threads: int, reserve_cpus: int) -> int:
    """Actors that fit in the cluster's CPUs once `reserve_cpus` are left for reading and writing."""
    ray = require("ray", "tokenize_dataset")
    total = int(ray.cluster_resources().get("CPU", 1))
    return max(1, (total - reserve_cpus) // num_threads)


def tokenize_dataset(
    ds: Any,
    tokenizer: str | os.PathLike[str] = "bert-base-uncased",
    text_column: str = "text",
    *,
    max_length: int | None = None,
    add_special_tokens: bool = True,
    return_offsets: bool = False,
    return_attention_mask: bool = False,
    num_threads: int = 1,
    concurrency: int | None = None,
    reserve_cpus: int = 1,
    batch_size: int = 4096,
) -> Any:
    """The Ray Dataset `ds` with its columns kept and `input_ids` added (ids identical to
    `tokenizer(text)["input_ids"]`); lazy, like every Ray Data transformation.

    Args:
        num_threads: tokenizer threads (and CPUs requested) per actor.
        concurrency: actors in the pool; default: what fits once `reserve_cpus` CPUs are left for I/O.
        batch_size: documents per batch handed to an actor.
    Other arguments as `TokenizeBatch`.
    """
    require("ray", "tokenize_dataset")
    if concurrency is None:
        concurrency = default_concurrency(num_threads, reserve_cpus)
    return ds.map_batches(
        TokenizeBatch,
        fn_constructor_args=(os.fspath(tokenizer), text_column),
        fn_constructor_kwargs={
            "max_length": max_length,
            "add_special_tokens": add_special_tokens,
            "return_offsets": return_offsets,
            "return_attention_mask": return_attention_mask,
            "num_threads": num_threads,
        },
        batch_format="pyarrow",
        batch_size=batch_size,
        concurrency=concurrency,
        num_cpus=num_threads,
        zero_copy_batch=True,
    )
