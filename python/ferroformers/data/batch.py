"""`TokenizeBatch`: the engine-agnostic batch tokenizer (see the package docstring)."""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING, Any

import numpy as np

from ..utils.import_utils import require

if TYPE_CHECKING:
    from .._native import WordPieceTokenizer

_TOKENIZERS: dict[str, Any] = {}  # spec -> fast tokenizer, one per worker process
_LOCK = threading.Lock()


def _load(spec: str) -> Any:
    with _LOCK:
        tokenizer = _TOKENIZERS.get(spec)
        if tokenizer is None:
            from ..models.auto.tokenization_auto import AutoTokenizer

            tokenizer = _TOKENIZERS[spec] = AutoTokenizer.from_pretrained(spec, use_fast=True)
        return tokenizer


class TokenizeBatch:
    """Add token ids to a batch of documents.

    Args:
        tokenizer: a tokenizer folder or hub id (built once per worker process, never shipped per batch).
        text_column: the column holding the documents (strings; a null is an error naming its row).
        max_length: truncate each document to this many tokens (None: no truncation).
        add_special_tokens: [CLS] ... [SEP], the same ids as `tokenizer(text)["input_ids"]` (default).
        return_offsets: also add `offsets`, per document a list of (start, end) character offsets.
        return_attention_mask: also add `attention_mask` (all ones: documents are not padded).
        num_threads: tokenizer threads inside one call (engines run one worker per CPU, so 1 is a good
            default there; None: FERROFORMERS_NUM_THREADS or every core).
        output_column: the name of the ids column.
    """

    def __init__(
        self,
        tokenizer: str | os.PathLike[str] = "bert-base-uncased",
        text_column: str = "text",
        *,
        max_length: int | None = None,
        add_special_tokens: bool = True,
        return_offsets: bool = False,
        return_attention_mask: bool = False,
        num_threads: int | None = None,
        output_column: str = "input_ids",
    ) -> None:
        if max_length is not None and max_length < 1:
            raise ValueError(f"max_length must be at least 1, got {max_length}")
        if num_threads is not None and num_threads < 1:
            raise ValueError(f"num_threads must be at least 1, got {num_threads}")
        self.tokenizer = os.fspath(tokenizer)
        self.text_column, self.output_column = text_column, output_column
        self.max_length, self.add_special_tokens = max_length, add_special_tokens
        self.return_offsets, self.return_attention_mask = return_offsets, return_attention_mask
        self.num_threads = num_threads

    def __repr__(self) -> str:
        return (
            f"TokenizeBatch({self.tokenizer!r}, text_column={self.text_column!r}, "
            f"max_length={self.max_length}, add_special_tokens={self.add_special_tokens})"
        )

    def encode(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Flat arrays for `texts`: ids (uint32), starts (int64, n + 1), offsets ((n_tokens, 2) int64 or None)."""
        backend: WordPieceTokenizer = _load(self.tokenizer).backend_tokenizer
        return backend.encode_batch_flat(
            texts,
            add_special_tokens=self.add_special_tokens,
            max_length=self.max_length,
            truncation=self.max_length is not None,
            with_offsets=self.return_offsets,
            num_threads=self.num_threads,
        )

    def __call__(self, batch: Any) -> Any:
        import sys

        pa = sys.modules.get("pyarrow")
        if pa is not None and isinstance(batch, pa.Table):
            return self._arrow(batch)
        pd = sys.modules.get("pandas")
        if pd is not None and isinstance(batch, pd.DataFrame):
            return self._pandas(batch)
        if isinstance(batch, dict):
            return self._numpy(batch)
        raise TypeError(
            f"TokenizeBatch takes a pyarrow.Table, a pandas.DataFrame or a dict of numpy arrays, "
            f"not {type(batch).__name__}"
        )

    def map_record_batches(self, batches: Any, ids_type: str = "int32") -> Any:
        """For Spark's `mapInArrow` (and any engine handing out Arrow record batches): yield each batch with
        the new columns, ids as `list<ids_type>` (Spark has no unsigned integers: "int32" fits every id)."""
        pa = require("pyarrow", "TokenizeBatch.map_record_batches")

        list_type = pa.list_(getattr(pa, ids_type)())
        for batch in batches:
            table = self._arrow(pa.Table.from_batches([batch]))
            index = table.schema.get_field_index(self.output_column)
            table = table.set_column(index, self.output_column, table.column(index).cast(list_type))
            yield from table.to_batches()

    def _texts(self, values: list[Any]) -> list[str]:
        for i, value in enumerate(values):
            if not isinstance(value, str):
                raise TypeError(
                    f"column {self.text_column!r}, row {i}: expected a string, got {type(value).__name__}"
                )
        return values

    def _column(self, batch: Any, columns: Any) -> Any:
        if self.text_column not in columns:
            raise KeyError(f"no column {self.text_column!r} in the batch (columns: {list(columns)})")
        return batch[self.text_column]

    def _arrow(self, table: Any) -> Any:
        import pyarrow as pa

        texts = self._texts(self._column(table, table.column_names).to_pylist())
        ids, starts, offsets = self.encode(texts)
        list_offsets = pa.array(starts, pa.int64())
        columns = {
            self.output_column: pa.LargeListArray.from_arrays(list_offsets, pa.array(ids, pa.uint32()))
        }
        if self.return_attention_mask:
            columns["attention_mask"] = pa.LargeListArray.from_arrays(
                list_offsets, pa.array(np.ones(len(ids), dtype=np.uint8))
            )
        if offsets is not None:
            pairs = pa.FixedSizeListArray.from_arrays(pa.array(offsets.reshape(-1), pa.int64()), 2)
            columns["offsets"] = pa.LargeListArray.from_arrays(list_offsets, pairs)
        for name, column in columns.items():
            if name in table.column_names:
                table = table.drop_columns([name])
            table = table.append_column(name, column)
        return table

    def _split(self, texts: list[str]) -> dict[str, Any]:
        ids, starts, offsets = self.encode(texts)
        cut = starts[1:-1]
        out: dict[str, Any] = {self.output_column: _object_array(np.split(ids, cut))}
        if self.return_attention_mask:
            out["attention_mask"] = _object_array(np.split(np.ones(len(ids), dtype=np.uint8), cut))
        if offsets is not None:
            out["offsets"] = _object_array(np.split(offsets, cut))
        return out

    def _numpy(self, batch: dict[str, Any]) -> dict[str, Any]:
        texts = self._texts(
            [v.item() if isinstance(v, np.generic) else v for v in self._column(batch, batch.keys())]
        )
        return {**batch, **self._split(texts)}

    def _pandas(self, frame: Any) -> Any:
        texts = self._texts(self._column(frame, frame.columns).tolist())
        frame = frame.copy()
        for name, values in self._split(texts).items():
            frame[name] = list(values)
        return frame


def _object_array(parts: list[np.ndarray]) -> np.ndarray:
    out = np.empty(len(parts), dtype=object)
    out[:] = parts
    return out
