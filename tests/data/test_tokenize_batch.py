"""`TokenizeBatch`, the engine-agnostic callable: every batch format gives the ids of `tokenizer(text)`."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from testing_utils import require_module

from ferroformers.data import TokenizeBatch

TEXTS = ["Hello world!", "", "Ünïcödé café 東京", "a " * 300]


@pytest.fixture(scope="module")
def tokenizer():
    from ferroformers import AutoTokenizer

    return AutoTokenizer.from_pretrained("bert-base-uncased")


def test_arrow_batch(tokenizer) -> None:
    pa = require_module("pyarrow")
    table = pa.table({"text": TEXTS, "meta": list(range(len(TEXTS)))})
    out = TokenizeBatch("bert-base-uncased", return_offsets=True, return_attention_mask=True)(table)
    assert out.column_names == ["text", "meta", "input_ids", "attention_mask", "offsets"]
    ref = tokenizer(TEXTS, return_offsets_mapping=True)
    assert out.column("input_ids").to_pylist() == ref["input_ids"]
    assert out.column("attention_mask").to_pylist() == ref["attention_mask"]
    assert [[tuple(p) for p in row] for row in out.column("offsets").to_pylist()] == [
        [tuple(p) for p in row] for row in ref["offset_mapping"]
    ]


def test_numpy_and_pandas_batches_and_truncation(tokenizer) -> None:
    fn = TokenizeBatch("bert-base-uncased", max_length=8, add_special_tokens=False)
    out = fn({"text": np.array(TEXTS, dtype=object)})
    expected = tokenizer(TEXTS, truncation=True, max_length=8, add_special_tokens=False)["input_ids"]
    assert [row.tolist() for row in out["input_ids"]] == expected
    pd = require_module("pandas")
    frame = fn(pd.DataFrame({"text": TEXTS}))
    assert [row.tolist() for row in frame["input_ids"]] == expected


def test_pickles_small_and_builds_per_process() -> None:
    fn = TokenizeBatch("bert-base-uncased", num_threads=1)
    blob = pickle.dumps(fn)
    assert len(blob) < 1000  # a spec, not a tokenizer
    assert pickle.loads(blob)({"text": np.array(["hi"], dtype=object)})["input_ids"][0].tolist() == [
        101,
        7632,
        102,
    ]


def test_bad_batches() -> None:
    fn = TokenizeBatch()
    with pytest.raises(KeyError, match="no column 'text'"):
        fn({"body": np.array(["x"], dtype=object)})
    with pytest.raises(TypeError, match="row 1: expected a string, got NoneType"):
        fn({"text": np.array(["x", None], dtype=object)})
    with pytest.raises(TypeError, match="not list"):
        fn(["x"])
    with pytest.raises(ValueError, match="max_length"):
        TokenizeBatch(max_length=0)


def test_dask_recipe(tokenizer) -> None:
    """The README's Dask recipe: map_partitions with the same callable."""
    dd = require_module("dask.dataframe")
    pd = require_module("pandas")
    frame = dd.from_pandas(pd.DataFrame({"text": TEXTS * 5}), npartitions=3)
    fn = TokenizeBatch("bert-base-uncased", num_threads=1)
    out = frame.map_partitions(fn, meta={"text": object, "input_ids": object}).compute(scheduler="processes")
    assert [row.tolist() for row in out["input_ids"]] == tokenizer(TEXTS * 5)["input_ids"]


def test_record_batches_for_spark(tokenizer) -> None:
    pa = require_module("pyarrow")
    table = pa.table({"text": TEXTS * 3})
    out = pa.Table.from_batches(list(TokenizeBatch().map_record_batches(table.to_batches(max_chunksize=4))))
    assert out.schema.field("input_ids").type == pa.list_(pa.int32())
    assert out.column("input_ids").to_pylist() == tokenizer(TEXTS * 3)["input_ids"]
