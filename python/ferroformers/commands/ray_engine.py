"""`ferroformers tokenize --engine ray [--address ADDR]`: the same job on a Ray cluster.

Ray reads the inputs (text files as whole files split on "\\n" exactly like the single-machine reader, so the
documents are the same; JSON Lines and Parquet with Ray's readers), the `TokenizeBatch` actors tokenize, Ray
writes Parquet. The driver then numbers the documents: it renames Ray's files, in dataset order, to
`part-00000.parquet`, ... with the `id` and `input_ids` columns of the single-machine `--format parquet` output,
counting tokens and [UNK] for the same manifest. That pass reads and writes the output once more on the driver:
it is the serial part of this path.
"""

from __future__ import annotations

import os
import re
import shutil
from typing import TYPE_CHECKING, Any

import numpy as np

from . import CommandError, require
from .inputs import Source

if TYPE_CHECKING:
    from .tokenize import Counts, TokenizeJob


def _split_files(batch: dict[str, Any]) -> dict[str, Any]:
    """Whole files -> one row per document, split on "\\n" only (a final newline ends the last document)."""
    texts: list[str] = []
    for path, data in zip(batch["path"], batch["bytes"], strict=True):
        data = bytes(data)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            line = data.count(b"\n", 0, e.start) + 1
            raise ValueError(f"{path}: line {line}, byte {e.start}: invalid UTF-8 ({e.reason})") from None
        if text:
            texts += (text[:-1] if text.endswith("\n") else text).split("\n")
    return {"text": np.array(texts, dtype=object)}


def _read(ray: Any, sources: tuple[Source, ...], text_field: str) -> Any:
    datasets = []
    for source in sources:
        if source.path == "-" or source.compression is not None:
            raise CommandError(
                f"{source.name}: --engine ray reads uncompressed files (not stdin or .gz/.zst)"
            )
        if source.format == "parquet":
            ds = ray.data.read_parquet(source.path, columns=[text_field])
        elif source.format == "jsonl":
            ds = ray.data.read_json(source.path, lines=True).select_columns([text_field])
        else:
            ds = ray.data.read_binary_files(source.path, include_paths=True).map_batches(
                _split_files, batch_format="numpy", batch_size=1
            )
            if text_field != "text":
                ds = ds.rename_columns({"text": text_field})
        datasets.append(ds)
    return datasets[0].union(*datasets[1:]) if len(datasets) > 1 else datasets[0]


def _filename_provider(ray: Any) -> Any:
    from ray.data.datasource import FilenameProvider

    class Ordered(FilenameProvider):  # task index first, so the files sort in dataset order
        def get_filename_for_task(self, write_uuid: str, task_index: int) -> str:
            return f"task-{task_index:08d}-{write_uuid}.parquet"

    return Ordered(file_format="parquet")


def _root_cause(error: BaseException) -> str:
    """The worker's own error line out of Ray's wrapped traceback text."""
    lines = [line.strip() for line in str(error).splitlines()]
    causes = [m.group(2) for line in lines if (m := re.match(r"^(\w+(?:Error|Exception)): (.+)$", line))]
    return causes[-1] if causes else (lines[0] if lines else type(error).__name__)


def run_ray(
    job: TokenizeJob, tokenizer: Any, partial: str, max_length: int | None, dtype: np.dtype
) -> tuple[list[str], Counts]:
    """Tokenize on Ray into `partial`; returns the Parquet shard names and the counts."""
    from .tokenize import Counts

    ray = require("ray", "--engine ray")
    pq = require("pyarrow.parquet", "--engine ray")
    pa = require("pyarrow", "--engine ray")
    from ..data.ray import tokenize_dataset

    if not ray.is_initialized():
        ray.init(address=job.address, include_dashboard=False, log_to_driver=False, logging_level="error")
    if job.quiet:  # Ray Data logs every stage at INFO on the driver
        import logging

        logging.getLogger("ray").setLevel(logging.ERROR)
    context = ray.data.DataContext.get_current()
    context.execution_options.preserve_order = (
        True  # document order = input order, as the single-machine path
    )
    context.enable_progress_bars = not job.quiet
    threads = job.threads or 1
    text_field = job.corpus.text_field
    ds = tokenize_dataset(
        _read(ray, job.corpus.sources, text_field),
        job.tokenizer,
        text_field,
        max_length=max_length,
        add_special_tokens=job.add_special_tokens,
        num_threads=threads,
        reserve_cpus=job.reserve_cpus,
    )
    raw = os.path.join(partial, "ray")
    try:
        ds.select_columns(["input_ids"]).write_parquet(raw, filename_provider=_filename_provider(ray))
    except Exception as e:  # Ray wraps worker errors (bad UTF-8, a null text) in its own exception types
        raise CommandError(f"the Ray job failed: {_root_cause(e)}") from None

    def order(name: str) -> int:
        return int(re.match(r"task-(\d+)", name).group(1))  # type: ignore[union-attr]

    value_type = pa.uint16() if dtype == np.uint16 else pa.uint32()
    schema = pa.schema([("id", pa.int64()), ("input_ids", pa.list_(value_type))])
    files: list[str] = []
    docs = tokens = unk = 0
    unk_id = tokenizer.unk_token_id
    for name in sorted(os.listdir(raw), key=order):
        table = pq.read_table(os.path.join(raw, name))
        ids = table.column("input_ids").combine_chunks()
        values = ids.values.to_numpy()
        n = len(table)
        shard = f"part-{len(files):05d}.parquet"
        out = pa.table(
            {
                "id": pa.array(np.arange(docs, docs + n, dtype=np.int64)),
                "input_ids": ids.cast(pa.list_(value_type)),
            },
            schema=schema,
        )
        pq.write_table(out, os.path.join(partial, shard))
        files.append(shard)
        docs += n
        tokens += len(values)
        if unk_id is not None:
            unk += int(np.count_nonzero(values == unk_id))
    shutil.rmtree(raw)
    return files, Counts(docs, tokens, unk)
