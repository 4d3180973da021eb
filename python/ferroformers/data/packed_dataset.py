"""`PackedTokenDataset`: the output folder of `ferroformers tokenize` as a torch Dataset, without loading it.

Two views of the same corpus:
- blocks (`block_size=N`): the documents (each `[CLS] ... [SEP]`) concatenated in corpus order and cut into
  blocks of exactly N tokens, the remainder dropped: the `group_texts` of transformers'
  examples/pytorch/language-modeling/run_mlm.py applied to the whole corpus at once (run_mlm maps it over batches
  of 1,000 documents, so it also drops a remainder every 1,000 documents; this drops only the last one).
  Item i is `tokens[i * N:(i + 1) * N]`.
- documents (`block_size=None`): item i is document i (line i + 1 of a text input), truncated to `max_length`
  the way `tokenizer(text, truncation=True, max_length=...)` truncates: when the documents carry special tokens
  the last one (`[SEP]`) is kept, so a truncated document is `[CLS] first max_length - 2 tokens [SEP]`.

Storage and costs:
- npy layout (`tokens.npy`, `offsets.npy`): both memory-mapped; an item is one slice, O(1), whatever the access
  order. Only the pages an item touches are read (the OS page cache does the rest).
- Parquet layout (`part-*.parquet`): Parquet can only be read a column chunk (a row group) at a time. The index
  is per row group (its first document and first token, from the file footers: no data is read when the files
  carry statistics, which pyarrow, Ray and Spark write; otherwise the `input_ids` column is read once, one row
  group at a time). An item decodes the `input_ids` of the row group(s) holding it and keeps the last
  `cache_row_groups` decoded row groups per process: O(1) in the corpus size, but a random access costs one row
  group decode (a `--format parquet` row group holds about one 8 MB input chunk: ~3 M tokens, ~35 ms here), so
  sequential reading is cheap and shuffled reading is not. Shuffled training wants the npy layout.

Worker processes (`DataLoader(num_workers > 0)`, fork or spawn): the dataset pickles as its path, options and
small index; files are opened lazily in each process (and again after a fork).
"""

from __future__ import annotations

import bisect
import json
import os
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

import numpy as np

from ..utils.import_utils import require_torch

if TYPE_CHECKING:  # torch's own types; at run time a missing torch says how to install it
    import torch
else:
    torch = require_torch("PackedTokenDataset")

NPY_MANIFEST = "manifest.json"
PARQUET_MANIFEST = "_manifest.json"  # beside Parquet shards (readers skip names starting with "_")


class PackedTokenDataset(torch.utils.data.Dataset[dict[str, "torch.Tensor"]]):
    """A `torch.utils.data.Dataset` over the output folder of `ferroformers tokenize` (npy or Parquet layout).

    Args:
        path: the output folder (holding `manifest.json`, or `_manifest.json` beside Parquet shards).
        block_size: cut the concatenated corpus into blocks of this many tokens; `len(ds) == n_tokens //
            block_size`. None: one item per document.
        max_length: documents mode only: truncate each document to this many tokens, keeping its final special
            token as the tokenizer's truncation does.
        tokenizer: if given, its vocabulary must be the one the corpus was tokenized with (checked against the
            manifest's vocabulary sha256); a mismatch raises a ValueError naming both.
        cache_row_groups: Parquet only: decoded row groups kept per process.

    Items are `{"input_ids": LongTensor}`, ready for `DataCollatorForLanguageModeling` /
    `DataCollatorWithPadding`.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        block_size: int | None = None,
        *,
        max_length: int | None = None,
        tokenizer: Any = None,
        cache_row_groups: int = 2,
    ) -> None:
        self.path = os.fspath(path)
        for name, value in (
            ("block_size", block_size),
            ("max_length", max_length),
            ("cache_row_groups", cache_row_groups),
        ):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        if block_size is not None and max_length is not None:
            raise ValueError(
                "max_length truncates documents: it goes with block_size=None (documents mode); "
                "blocks are already block_size tokens long"
            )
        self.block_size, self.max_length, self.cache_row_groups = block_size, max_length, cache_row_groups
        self.manifest_path, manifest = _read_manifest(self.path)
        self.format: str = manifest["format"]
        self.n_docs = int(manifest["counts"]["docs"])
        self.n_tokens = int(manifest["counts"]["tokens"])
        self.vocab_sha256: str = manifest["tokenizer"]["vocab_sha256"]
        self.tokenizer_name: str = manifest["tokenizer"]["name"]
        self.special_tokens: bool = bool(manifest["options"]["add_special_tokens"])
        if max_length is not None and max_length < 2 and self.special_tokens:
            raise ValueError(
                f"max_length must be at least 2 for documents with special tokens ([CLS] ... [SEP]), "
                f"got {max_length}"
            )
        if tokenizer is not None:
            self.check_tokenizer(tokenizer)
        self.files: list[str] = list(manifest["files"])
        # Parquet index: per row group (file, row group, first document, first token), and the totals
        self._row_groups: list[tuple[int, int]] = []
        self._doc_starts: list[int] = [0]
        self._token_starts: list[int] = [0]
        if self.format == "npy":
            self._check_npy()
        else:
            self._index_parquet()
        if block_size is not None and self.n_tokens < block_size:
            raise ValueError(
                f"{self.path}: the corpus has {self.n_tokens} tokens, fewer than one block of "
                f"block_size={block_size}"
            )
        self._open_pid: int | None = None

    # ---- checks and the index, built once in the process that creates the dataset -----------------------------
    def check_tokenizer(self, tokenizer: Any) -> None:
        """Raise a ValueError unless `tokenizer` has the vocabulary the corpus was tokenized with."""
        from ..commands.tokenize import vocab_sha256

        digest = vocab_sha256(tokenizer)
        if digest != self.vocab_sha256:
            raise ValueError(
                f"{self.manifest_path}: the corpus was tokenized with {self.tokenizer_name!r} (vocabulary sha256 "
                f"{self.vocab_sha256[:16]}...), but the given {type(tokenizer).__name__} has another vocabulary "
                f"({len(tokenizer)} tokens, sha256 {digest[:16]}...): its ids would mean other tokens. Use the "
                f"same tokenizer, or tokenize the corpus again with this one"
            )

    def _check_npy(self) -> None:
        tokens, offsets = self._npy_arrays()
        if tokens.ndim != 1 or len(tokens) != self.n_tokens:
            raise ValueError(
                f"{self.path}/tokens.npy holds {tokens.shape} ids but {self.manifest_path} counts "
                f"{self.n_tokens} tokens: the folder is not one complete run"
            )
        if offsets.ndim != 1 or len(offsets) != self.n_docs + 1 or int(offsets[-1]) != self.n_tokens:
            raise ValueError(
                f"{self.path}/offsets.npy does not match {self.manifest_path} ({self.n_docs} documents, "
                f"{self.n_tokens} tokens): the folder is not one complete run"
            )

    def _npy_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        arrays = []
        for name in ("tokens.npy", "offsets.npy"):
            file = os.path.join(self.path, name)
            try:
                arrays.append(np.load(file, mmap_mode="r"))
            except FileNotFoundError:
                raise FileNotFoundError(f"{file}: missing (named by {self.manifest_path})") from None
            except ValueError as e:
                raise ValueError(f"{file}: not a readable .npy file ({e})") from None
        return arrays[0], arrays[1]

    def _index_parquet(self) -> None:
        from ..utils.import_utils import require

        pq = require("pyarrow.parquet", "PackedTokenDataset over Parquet")
        for file_index, name in enumerate(self.files):
            file = os.path.join(self.path, name)
            if not os.path.isfile(file):
                raise FileNotFoundError(f"{file}: missing (named by {self.manifest_path})")
            parquet = pq.ParquetFile(file)
            column = _input_ids_column(parquet, file)
            for rg in range(parquet.metadata.num_row_groups):
                meta = parquet.metadata.row_group(rg)
                n_tokens = _tokens_from_statistics(meta.column(column))
                if n_tokens is None:  # no statistics: count the ids by reading the column once
                    n_tokens = len(
                        parquet.read_row_group(rg, columns=["input_ids"]).column(0).combine_chunks().flatten()
                    )
                self._row_groups.append((file_index, rg))
                self._doc_starts.append(self._doc_starts[-1] + meta.num_rows)
                self._token_starts.append(self._token_starts[-1] + n_tokens)
        if self._doc_starts[-1] != self.n_docs or self._token_starts[-1] != self.n_tokens:
            raise ValueError(
                f"{self.path}: the Parquet files hold {self._doc_starts[-1]} documents and "
                f"{self._token_starts[-1]} tokens but {self.manifest_path} counts {self.n_docs} and "
                f"{self.n_tokens}: the folder is not one complete run"
            )

    # ---- per-process state: opened lazily, never pickled ----------------------------------------------------
    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_open")} | {"_open_pid": None}

    def _opened(self) -> None:
        """Open the files in this process (again after a fork: a forked child shares the parent's file offsets)."""
        if self._open_pid == os.getpid():
            return
        if self.format == "npy":
            self._open_tokens, self._open_offsets = self._npy_arrays()
        else:
            import pyarrow.parquet as pq

            self._open_files = [pq.ParquetFile(os.path.join(self.path, name)) for name in self.files]
            self._open_cache: OrderedDict[int, tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._open_pid = os.getpid()

    def _row_group(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        """Row group `index` decoded: (document starts relative to its first id, int64, rows + 1; ids)."""
        cache = self._open_cache
        if index in cache:
            cache.move_to_end(index)
            return cache[index]
        file_index, rg = self._row_groups[index]
        lists = (
            self._open_files[file_index].read_row_group(rg, columns=["input_ids"]).column(0).combine_chunks()
        )
        starts = lists.offsets.to_numpy().astype(np.int64)
        ids = lists.flatten().to_numpy()
        entry = (starts - starts[0], ids)
        cache[index] = entry
        if len(cache) > self.cache_row_groups:
            cache.popitem(last=False)
        return entry

    def _token_range(self, start: int, end: int) -> np.ndarray:
        """Corpus tokens [start, end), as stored (uint16 / uint32)."""
        if self.format == "npy":
            return self._open_tokens[start:end]
        pieces = []
        index = bisect.bisect_right(self._token_starts, start) - 1
        while start < end:
            base, stop = self._token_starts[index], self._token_starts[index + 1]
            if stop > start:
                ids = self._row_group(index)[1]
                pieces.append(ids[start - base : min(end, stop) - base])
                start = min(end, stop)
            index += 1
        return pieces[0] if len(pieces) == 1 else np.concatenate(pieces)

    def _document(self, i: int) -> np.ndarray:
        if self.format == "npy":
            start, end = int(self._open_offsets[i]), int(self._open_offsets[i + 1])
            return self._open_tokens[start:end]
        index = bisect.bisect_right(self._doc_starts, i) - 1
        starts, ids = self._row_group(index)
        row = i - self._doc_starts[index]
        return ids[starts[row] : starts[row + 1]]

    # ---- Dataset ----------------------------------------------------------------------------------------------
    def __len__(self) -> int:
        if self.block_size is not None:
            return self.n_tokens // self.block_size
        return self.n_docs

    def __getitem__(self, i: int) -> dict[str, Any]:
        n = len(self)
        if isinstance(i, (bool, np.bool_)) or not isinstance(i, (int, np.integer)):
            raise TypeError(f"PackedTokenDataset indices are ints, got {type(i).__name__}")
        if not -n <= i < n:
            raise IndexError(f"index {i} out of range for a dataset of {n} items")
        i = int(i) % n
        self._opened()
        if self.block_size is not None:
            ids = self._token_range(i * self.block_size, (i + 1) * self.block_size)
        else:
            ids = self._document(i)
            if self.max_length is not None and len(ids) > self.max_length:
                # tokenizer(text, truncation=True, max_length=L): the first L - 1 ids then the closing [SEP]
                ids = (
                    np.concatenate([ids[: self.max_length - 1], ids[-1:]])
                    if self.special_tokens
                    else ids[: self.max_length]
                )
        return {"input_ids": torch.from_numpy(np.array(ids, dtype=np.int64))}

    def __repr__(self) -> str:
        mode = (
            f"block_size={self.block_size}"
            if self.block_size is not None
            else f"documents, max_length={self.max_length}"
        )
        return (
            f"PackedTokenDataset({self.path!r}, {mode}): {len(self):,} items from {self.n_docs:,} documents, "
            f"{self.n_tokens:,} tokens ({self.format}, tokenizer {self.tokenizer_name!r})"
        )


def _read_manifest(path: str) -> tuple[str, dict[str, Any]]:
    if not os.path.isdir(path):
        raise FileNotFoundError(f"{path}: no such folder (the output folder of `ferroformers tokenize`)")
    found = [name for name in (NPY_MANIFEST, PARQUET_MANIFEST) if os.path.isfile(os.path.join(path, name))]
    if not found:
        hint = (
            " (an interrupted run left .partial/: finish it with `ferroformers tokenize ... --resume`)"
            if os.path.isdir(os.path.join(path, ".partial"))
            else ""
        )
        raise FileNotFoundError(
            f"{path}: no {NPY_MANIFEST} or {PARQUET_MANIFEST}: not the output of a completed "
            f"`ferroformers tokenize` run{hint}"
        )
    manifest_path = os.path.join(path, found[0])
    try:
        with open(manifest_path, encoding="utf-8") as f:
            manifest = json.load(f)
    except json.JSONDecodeError as e:
        raise ValueError(
            f"{manifest_path}: line {e.lineno}, column {e.colno}: invalid JSON ({e.msg})"
        ) from None
    try:
        fmt = manifest["format"]
        for key in (
            ("counts", "docs"),
            ("counts", "tokens"),
            ("tokenizer", "vocab_sha256"),
            ("tokenizer", "name"),
            ("options", "add_special_tokens"),
        ):
            _ = manifest[key[0]][key[1]]
        _ = manifest["files"]
    except (KeyError, TypeError) as e:
        raise ValueError(
            f"{manifest_path}: missing field {e}: not a manifest written by `ferroformers tokenize`"
        ) from None
    if fmt not in ("npy", "parquet"):
        raise ValueError(
            f"{manifest_path}: format {fmt!r}: PackedTokenDataset reads the npy and parquet layouts "
            "(tokenize with --format npy or --format parquet)"
        )
    return manifest_path, manifest


def _input_ids_column(parquet: Any, file: str) -> int:
    """The leaf column index of `input_ids` (a list of integers) in a Parquet file."""
    schema = parquet.schema_arrow
    field = schema.field("input_ids") if "input_ids" in schema.names else None
    import pyarrow as pa

    if (
        field is None
        or not (pa.types.is_list(field.type) or pa.types.is_large_list(field.type))
        or not pa.types.is_integer(field.type.value_type)
    ):
        raise ValueError(f"{file}: no `input_ids` column of integer lists (columns: {schema.names})")
    paths = [parquet.metadata.schema.column(j).path for j in range(parquet.metadata.num_columns)]
    return next(j for j, p in enumerate(paths) if p.split(".")[0] == "input_ids")


def _tokens_from_statistics(column: Any) -> int | None:
    """Ids in one column chunk of `input_ids`, from its footer: its values count one level per id plus one per
    empty (or null) list, which the statistics count as nulls. None when the writer kept no statistics."""
    stats = column.statistics
    if stats is None or not stats.has_null_count:
        return None
    return int(column.num_values - stats.null_count)
