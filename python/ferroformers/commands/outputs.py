"""Writing tokenized corpora, with nothing at the final path until the run is complete.

Formats:
- `npy` (default): `tokens.npy` (every id, flat; uint16 when the vocabulary fits, else uint32) and `offsets.npy`
  (int64, n_docs + 1 cumulative starts: document i is `tokens[offsets[i]:offsets[i + 1]]`), both memory-mappable
  with `numpy.load(..., mmap_mode="r")`, and `manifest.json`.
- `parquet`: `part-00000.parquet`, ... with columns `id` (int64, the document number) and `input_ids`
  (list of uint16/uint32), readable by `datasets.load_dataset("parquet")`, Ray, Spark, pandas; the manifest
  is `_manifest.json` there, a name those readers skip.
- `jsonl`: `tokens.jsonl`, one `{"id": i, "input_ids": [...]}` per document, or streamed to stdout with `-o -`.

Every file is written in the staging folder `OUTDIR/.partial/` first, with `state.json` recording the last
completed chunk (so `--resume` continues from it and produces the same bytes); at the end the data files are
renamed into OUTDIR and `manifest.json` is written last. A killed run leaves only `.partial/`.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from typing import IO, Any, Protocol

import numpy as np

from ..utils.io import atomic_write_text
from . import CommandError, require

PARTIAL = ".partial"
STATE = "state.json"
MANIFEST = "manifest.json"
# Parquet readers (pyarrow, Spark, Ray, datasets) read every file of a folder except those starting with "_" or
# ".", so beside Parquet shards the manifest is `_manifest.json`
PARQUET_MANIFEST = "_manifest.json"


def manifest_name(fmt: str) -> str:
    return PARQUET_MANIFEST if fmt == "parquet" else MANIFEST


OUTPUT_FILES = {"npy": ("tokens.npy", "offsets.npy"), "jsonl": ("tokens.jsonl",), "parquet": ()}
_NPY_HEADER_BYTES = 128  # room for any shape; rewritten in place when the file is complete


class Writer(Protocol):
    """An output format. Operations run in order in one writer thread."""

    def write(self, ids: np.ndarray, starts: np.ndarray) -> None:
        """Append the documents `ids[starts[i]:starts[i + 1]]`."""

    def should_checkpoint(self) -> bool:
        """Whether a checkpoint may be taken now (Parquet: only when a shard is full)."""

    def checkpoint(self) -> None:
        """Make everything written so far durable (flush, fsync; Parquet: close the shard)."""

    def extra_state(self) -> dict[str, Any]:
        """What this format adds to the saved state for --resume."""

    def close(self) -> list[str]:
        """Finish the files; returns their names in the staging folder."""

    def abort(self) -> None:
        """Close the files of a run that stopped (an error or an interruption), leaving them unfinished."""


def id_dtype(vocab_size: int) -> np.dtype:
    """uint16 when every id fits (ids < 65,536), else uint32."""
    return np.dtype(np.uint16) if vocab_size <= 1 << 16 else np.dtype(np.uint32)


def _npy_header(dtype: np.dtype, length: int) -> bytes:
    text = repr({"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False, "shape": (length,)})
    body_len = _NPY_HEADER_BYTES - 10
    text = text.ljust(body_len - 1) + "\n"
    header = b"\x93NUMPY\x01\x00" + body_len.to_bytes(2, "little") + text.encode("latin1")
    assert len(header) == _NPY_HEADER_BYTES
    return header


class _NpyAppender:
    """A 1-D .npy file written by appending; its header (the length) is rewritten on every checkpoint."""

    def __init__(self, path: str, dtype: np.dtype, length: int = 0, resume: bool = False) -> None:
        self.path, self.dtype, self.length = path, dtype, length
        if resume:
            self.f: IO[bytes] = open(path, "r+b")
            self.f.truncate(_NPY_HEADER_BYTES + length * dtype.itemsize)
            self.f.seek(0, os.SEEK_END)
        else:
            self.f = open(path, "wb")
            self.f.write(_npy_header(dtype, 0))

    def append(self, array: np.ndarray) -> None:
        self.f.write(np.ascontiguousarray(array, dtype=self.dtype).tobytes())
        self.length += len(array)

    def checkpoint(self) -> None:
        self.f.flush()
        self.f.seek(0)
        self.f.write(_npy_header(self.dtype, self.length))
        self.f.seek(0, os.SEEK_END)
        self.f.flush()
        os.fsync(self.f.fileno())

    def close(self) -> None:
        self.checkpoint()
        self.f.close()

    def abort(self) -> None:
        self.f.close()


def prepare_outdir(outdir: str, *, overwrite: bool, resume: bool) -> tuple[str, dict[str, Any] | None]:
    """Check OUTDIR can take a new result; return the staging folder and, with --resume, the saved state.

    `--resume` with nothing checkpointed (a run killed before its first checkpoint, or no run at all) starts
    from the beginning: the caller tells the user so when the state is None."""
    if os.path.exists(outdir) and not os.path.isdir(outdir):
        raise CommandError(f"{outdir}: exists and is not a folder")
    if os.path.isdir(outdir) and not os.access(outdir, os.W_OK | os.X_OK):
        raise CommandError(f"{outdir}: folder is not writable")
    partial = os.path.join(outdir, PARTIAL)
    state_path = os.path.join(partial, STATE)
    if resume:
        if os.path.isfile(state_path):
            with open(state_path, encoding="utf-8") as f:
                return partial, json.load(f)
        if any(os.path.exists(os.path.join(outdir, m)) for m in (MANIFEST, PARQUET_MANIFEST)):
            raise CommandError(f"{outdir}: already holds a complete result (its manifest); nothing to resume")
    existing = os.listdir(outdir) if os.path.isdir(outdir) else []
    if existing and not overwrite and not (resume and existing == [PARTIAL]):
        if existing == [PARTIAL]:
            raise CommandError(
                f"{outdir}: holds an interrupted run; pass --resume to continue it or --overwrite to start again"
            )
        raise CommandError(f"{outdir}: folder is not empty (pass --overwrite to replace its contents)")
    if os.path.isdir(partial):
        shutil.rmtree(partial)
    os.makedirs(partial, exist_ok=True)
    return partial, None


def save_state(partial: str, state: dict[str, Any]) -> None:
    atomic_write_text(os.path.join(partial, STATE), json.dumps(state, indent=1) + "\n")


def publish(outdir: str, partial: str, files: list[str], manifest: dict[str, Any]) -> None:
    """Move finished files from the staging folder into OUTDIR, the manifest last, then drop the staging folder."""
    # an older result (--overwrite) stops looking complete before any of its files is replaced
    for name in (MANIFEST, PARQUET_MANIFEST):
        if os.path.exists(os.path.join(outdir, name)):
            os.unlink(os.path.join(outdir, name))
    keep = set(files) | {PARTIAL}
    for name in os.listdir(outdir):
        if name not in keep:
            path = os.path.join(outdir, name)
            shutil.rmtree(path) if os.path.isdir(path) and not os.path.islink(path) else os.unlink(path)
    for name in files:
        os.replace(os.path.join(partial, name), os.path.join(outdir, name))
    atomic_write_text(
        os.path.join(outdir, manifest_name(manifest["format"])), json.dumps(manifest, indent=2) + "\n"
    )
    shutil.rmtree(partial)


class NpyWriter:
    format = "npy"

    def __init__(self, partial: str, dtype: np.dtype, state: dict[str, Any] | None) -> None:
        resume = state is not None
        n_tokens = state["tokens"] if state else 0
        self.tokens = _NpyAppender(os.path.join(partial, "tokens.npy"), dtype, n_tokens, resume=resume)
        # offsets.npy holds n_docs + 1 entries: a leading 0, then one cumulative end per document
        n_offsets = state["docs"] + 1 if state else 0
        self.offsets = _NpyAppender(
            os.path.join(partial, "offsets.npy"), np.dtype(np.int64), n_offsets, resume=resume
        )
        if not resume:
            self.offsets.append(np.zeros(1, dtype=np.int64))
        self.total = n_tokens

    def write(self, ids: np.ndarray, starts: np.ndarray) -> None:
        self.tokens.append(ids)
        self.offsets.append(starts[1:] + self.total)
        self.total += len(ids)

    def should_checkpoint(self) -> bool:
        return True

    def extra_state(self) -> dict[str, Any]:
        return {}

    def checkpoint(self) -> None:
        self.tokens.checkpoint()
        self.offsets.checkpoint()

    def close(self) -> list[str]:
        self.tokens.close()
        self.offsets.close()
        return ["tokens.npy", "offsets.npy"]

    def abort(self) -> None:
        """Close the files of a run that stopped (an error or an interruption), leaving them unfinished."""
        self.tokens.abort()
        self.offsets.abort()


class JsonlWriter:
    format = "jsonl"

    def __init__(self, partial: str | None, state: dict[str, Any] | None) -> None:
        self.doc = state["docs"] if state else 0
        if partial is None:  # -o -: stream to stdout
            self.f: IO[bytes] = sys.stdout.buffer
            self.path = None
        else:
            self.path = os.path.join(partial, "tokens.jsonl")
            self.f = open(self.path, "r+b" if state else "wb")
            if state:
                self.f.truncate(state["jsonl_bytes"])
                self.f.seek(0, os.SEEK_END)

    def write(self, ids: np.ndarray, starts: np.ndarray) -> None:
        values = ids.tolist()
        lines = []
        for i in range(len(starts) - 1):
            ids_text = ", ".join(map(str, values[starts[i] : starts[i + 1]]))
            lines.append(f'{{"id": {self.doc + i}, "input_ids": [{ids_text}]}}\n')
        self.doc += len(starts) - 1
        self.f.write("".join(lines).encode("ascii"))

    def should_checkpoint(self) -> bool:
        return True

    def checkpoint(self) -> None:
        self.f.flush()
        if self.path is not None:
            os.fsync(self.f.fileno())

    def extra_state(self) -> dict[str, Any]:
        return {"jsonl_bytes": self.f.tell()} if self.path is not None else {}

    def close(self) -> list[str]:
        self.f.flush()
        if self.path is None:
            return []
        self.f.close()
        return ["tokens.jsonl"]

    def abort(self) -> None:
        if self.path is not None:
            self.f.close()


class ParquetWriter:
    """Shards of `rows_per_shard` documents; a shard is closed at a chunk boundary, and `--resume` restarts
    from the last closed shard (the state is saved only when a shard closes)."""

    format = "parquet"

    def __init__(
        self, partial: str, dtype: np.dtype, state: dict[str, Any] | None, rows_per_shard: int = 1_000_000
    ) -> None:
        self.pa = require("pyarrow", "--format parquet")
        self.pq = require("pyarrow.parquet", "--format parquet")
        self.partial, self.dtype, self.rows_per_shard = partial, dtype, rows_per_shard
        self.shards: list[str] = list(state["shards"]) if state else []
        self.doc = state["docs"] if state else 0
        for name in os.listdir(partial):  # a shard that was open when the run stopped
            if name.endswith(".parquet") and name not in self.shards:
                os.unlink(os.path.join(partial, name))
        self.writer: Any = None
        self.rows = 0

    def _schema(self) -> Any:
        pa = self.pa
        value_type = pa.uint16() if self.dtype == np.uint16 else pa.uint32()
        return pa.schema([("id", pa.int64()), ("input_ids", pa.list_(value_type))])

    def write(self, ids: np.ndarray, starts: np.ndarray) -> None:
        pa = self.pa
        if self.writer is None:
            name = f"part-{len(self.shards):05d}.parquet"
            self.current = name
            self.writer = self.pq.ParquetWriter(os.path.join(self.partial, name), self._schema())
        n = len(starts) - 1
        lists = pa.LargeListArray.from_arrays(pa.array(starts, pa.int64()), pa.array(ids.astype(self.dtype)))
        table = pa.table(
            {
                "id": pa.array(np.arange(self.doc, self.doc + n, dtype=np.int64)),
                "input_ids": lists.cast(self._schema().field("input_ids").type),
            }
        )
        self.writer.write_table(table)
        self.doc += n
        self.rows += n

    def should_checkpoint(self) -> bool:
        return self.writer is not None and self.rows >= self.rows_per_shard

    def checkpoint(self) -> None:
        """Close the open shard: only closed shards count in the saved state."""
        if self.writer is not None:
            self.writer.close()
            self.shards.append(self.current)
            self.writer = None
            self.rows = 0

    def extra_state(self) -> dict[str, Any]:
        return {"shards": self.shards}

    def close(self) -> list[str]:
        self.checkpoint()
        return list(self.shards)

    def abort(self) -> None:
        if self.writer is not None:  # the open shard is not in the saved state: --resume deletes it
            self.writer.close()
            self.writer = None
