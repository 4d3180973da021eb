"""`PackedTokenDataset` over real `ferroformers tokenize` output (npy and Parquet): blocks are run_mlm's
`group_texts` of the reference tokenizer's ids, documents are truncated as the tokenizer truncates, and it works
in DataLoader workers under fork and spawn."""

from __future__ import annotations

import json
import multiprocessing
import pickle
import shutil
from itertools import chain
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import torch
import transformers
from hypothesis import given, settings
from hypothesis import strategies as st

import ferroformers
from ferroformers import AutoTokenizer
from ferroformers.cli import main
from ferroformers.data import DataCollatorForLanguageModeling, PackedTokenDataset

SAMPLE = Path(ferroformers.__file__).parent / "bundled" / "sample_corpus.txt"
EXTRA = [
    "",
    "Ünïcödé façade — naïve café; 東京は日本の首都です。",
    "   ",
    "emoji 👩‍👩‍👧 " + "verylongword" * 20,
]


@pytest.fixture(scope="module")
def docs() -> list[str]:
    lines = SAMPLE.read_text(encoding="utf-8").split("\n")[:600]
    return lines[:100] + EXTRA + lines[100:]


@pytest.fixture(scope="module")
def reference(assets: Path):
    return transformers.AutoTokenizer.from_pretrained(str(assets / "bert-base-uncased"))


@pytest.fixture(scope="module")
def ref_ids(reference, docs) -> list[list[int]]:
    return reference(docs)["input_ids"]


def tokenize(src: Path, out: Path, *options: str) -> Path:
    assert main(["tokenize", str(src), "-o", str(out), "-q", *options]) == 0
    return out


def resplit_parquet(src: Path, out: Path, n_files: int, rows_per_group: int, statistics: bool = True) -> Path:
    """The same documents in `n_files` Parquet files of small row groups (as Ray or Spark would write them)."""
    out.mkdir()
    table = pq.read_table(src, columns=["id", "input_ids"])
    manifest = json.loads((src / "_manifest.json").read_text())
    bounds = np.linspace(0, len(table), n_files + 1).astype(int)
    manifest["files"] = []
    for k in range(n_files):
        name = f"part-{k:05d}.parquet"
        pq.write_table(
            table.slice(bounds[k], bounds[k + 1] - bounds[k]),
            out / name,
            row_group_size=rows_per_group,
            write_statistics=statistics,
        )
        manifest["files"].append(name)
    (out / "_manifest.json").write_text(json.dumps(manifest))
    return out


@pytest.fixture(scope="module")
def outputs(tmp_path_factory, docs) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("tokenized")
    src = root / "corpus.txt"
    src.write_text("\n".join(docs) + "\n", encoding="utf-8")
    parquet = tokenize(src, root / "parquet", "--format", "parquet")
    return {
        "npy": tokenize(src, root / "npy"),
        "parquet": parquet,
        "parquet-split": resplit_parquet(parquet, root / "parquet-split", n_files=3, rows_per_group=37),
        "parquet-nostats": resplit_parquet(
            parquet, root / "parquet-nostats", n_files=2, rows_per_group=50, statistics=False
        ),
        "npy-plain": tokenize(src, root / "npy-plain", "--no-special-tokens"),
    }


LAYOUTS = ["npy", "parquet", "parquet-split", "parquet-nostats"]


def group_texts(examples: dict[str, list[list[int]]], block_size: int) -> dict[str, list[list[int]]]:
    """transformers' examples/pytorch/language-modeling/run_mlm.py `group_texts`, over one batch: the corpus."""
    concatenated = {k: list(chain(*examples[k])) for k in examples}
    total_length = len(concatenated["input_ids"]) // block_size * block_size
    return {
        k: [t[i : i + block_size] for i in range(0, total_length, block_size)]
        for k, t in concatenated.items()
    }


@pytest.mark.parametrize("layout", LAYOUTS)
def test_blocks_are_group_texts_of_the_reference_ids(outputs, ref_ids, layout: str) -> None:
    for block_size in (7, 128):
        ds = PackedTokenDataset(outputs[layout], block_size)
        expected = group_texts({"input_ids": ref_ids}, block_size)["input_ids"]
        assert len(ds) == len(expected) == sum(map(len, ref_ids)) // block_size
        for i in range(len(ds)):
            item = ds[i]["input_ids"]
            assert item.dtype == torch.int64 and item.shape == (block_size,)
            assert item.tolist() == expected[i], i
        assert ds[-1]["input_ids"].tolist() == expected[-1]


@settings(max_examples=25, deadline=None)
@given(
    block_size=st.integers(1, 400),
    fraction=st.floats(0, 1, exclude_max=True),
    layout=st.sampled_from(LAYOUTS),
)
def test_any_block_is_the_slice_of_the_token_file(
    outputs, block_size: int, fraction: float, layout: str
) -> None:
    tokens = np.load(outputs["npy"] / "tokens.npy")
    ds = PackedTokenDataset(outputs[layout], block_size)
    assert len(ds) == len(tokens) // block_size
    i = int(fraction * len(ds))
    assert ds[i]["input_ids"].tolist() == tokens[i * block_size : (i + 1) * block_size].tolist()


@pytest.mark.parametrize("layout", LAYOUTS)
def test_documents_are_truncated_as_the_tokenizer_truncates(
    outputs, reference, docs, ref_ids, layout
) -> None:
    ds = PackedTokenDataset(outputs[layout])
    assert len(ds) == len(docs)
    assert [ds[i]["input_ids"].tolist() for i in range(len(ds))] == ref_ids
    for max_length in (2, 5, 16):
        ds = PackedTokenDataset(outputs[layout], max_length=max_length)
        expected = reference(docs, truncation=True, max_length=max_length)["input_ids"]
        assert [ds[i]["input_ids"].tolist() for i in range(len(ds))] == expected, max_length


def test_documents_without_special_tokens_are_cut(outputs, reference, docs) -> None:
    for max_length in (1, 9):
        ds = PackedTokenDataset(outputs["npy-plain"], max_length=max_length)
        expected = reference(docs, add_special_tokens=False, truncation=True, max_length=max_length)[
            "input_ids"
        ]
        assert [ds[i]["input_ids"].tolist() for i in range(len(ds))] == expected


def test_tokenizer_is_checked_against_the_manifest(outputs, assets: Path, reference) -> None:
    for tokenizer in (
        reference,
        AutoTokenizer.from_pretrained(str(assets / "bert-base-uncased")),
        AutoTokenizer.from_pretrained(str(assets / "bert-base-uncased"), use_fast=False),
    ):
        PackedTokenDataset(outputs["npy"], 64, tokenizer=tokenizer)
    cased = AutoTokenizer.from_pretrained(str(assets / "bert-base-cased"))
    for layout in ("npy", "parquet"):
        with pytest.raises(
            ValueError,
            match=r"tokenized with 'bert-base-uncased' \(vocabulary sha256 07eced375cec"
            r".*BertTokenizerFast has another vocabulary \(28996 tokens",
        ):
            PackedTokenDataset(outputs[layout], 64, tokenizer=cased)


def test_memory_mapped_and_pickles_small(outputs) -> None:
    for layout in LAYOUTS:
        ds = PackedTokenDataset(outputs[layout], 32)
        first = ds[3]["input_ids"]  # opens the files in this process
        data = pickle.dumps(ds)
        assert len(data) < 4096, (layout, len(data))
        clone = pickle.loads(data)
        assert torch.equal(clone[3]["input_ids"], first) and len(clone) == len(ds)
    ds = PackedTokenDataset(outputs["npy"])
    ds[0]
    assert isinstance(ds._open_tokens, np.memmap) and isinstance(ds._open_offsets, np.memmap)


# spawn starts fresh interpreters that import torch (seconds each): one layout there, both under fork
WORKER_CASES = [
    (layout, "fork")
    for layout in ("npy", "parquet-split")
    if "fork" in multiprocessing.get_all_start_methods()
] + [("parquet-split", "spawn")]


@pytest.mark.parametrize(("layout", "context"), WORKER_CASES)
def test_dataloader_workers(outputs, assets: Path, layout: str, context: str) -> None:
    """Two worker processes, shuffled, with our collator (and so our tokenizer) shipped to them."""
    ds = PackedTokenDataset(outputs[layout], 64)
    ds[0]  # files opened in the parent before the workers start: a forked child must reopen them
    tokens = np.load(outputs["npy"] / "tokens.npy")
    collator = DataCollatorForLanguageModeling(
        AutoTokenizer.from_pretrained(str(assets / "bert-base-uncased")), mlm=False
    )
    order = torch.randperm(len(ds), generator=torch.Generator().manual_seed(0)).tolist()
    loader = torch.utils.data.DataLoader(
        ds, batch_size=8, sampler=order, num_workers=2, collate_fn=collator, multiprocessing_context=context
    )
    batches = list(loader)
    assert sum(len(b["input_ids"]) for b in batches) == len(ds)
    got = torch.cat([b["input_ids"] for b in batches])
    expected = np.stack([tokens[i * 64 : (i + 1) * 64] for i in order]).astype(np.int64)
    assert torch.equal(got, torch.from_numpy(expected))
    assert torch.equal(torch.cat([b["labels"] for b in batches]), got)  # mlm=False: labels are the ids


def test_bad_folders_and_arguments_are_clear_errors(outputs, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no such folder"):
        PackedTokenDataset(tmp_path / "missing", 8)
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match=r"no manifest\.json or _manifest\.json"):
        PackedTokenDataset(tmp_path / "empty", 8)
    (tmp_path / "killed" / ".partial").mkdir(parents=True)
    with pytest.raises(FileNotFoundError, match="--resume"):
        PackedTokenDataset(tmp_path / "killed", 8)
    broken = tmp_path / "broken"
    shutil.copytree(outputs["npy"], broken)
    (broken / "manifest.json").write_text('{"format": "npy",\n "counts": }')
    with pytest.raises(ValueError, match=r"manifest.json: line 2, column 12: invalid JSON"):
        PackedTokenDataset(broken, 8)
    manifest = json.loads((outputs["npy"] / "manifest.json").read_text())
    (broken / "manifest.json").write_text(
        json.dumps({**manifest, "counts": {**manifest["counts"], "tokens": 5}})
    )
    with pytest.raises(ValueError, match=r"tokens.npy holds .* 5 tokens: the folder is not one complete run"):
        PackedTokenDataset(broken, 1)
    (broken / "manifest.json").write_text(json.dumps({**manifest, "format": "jsonl"}))
    with pytest.raises(ValueError, match=r"format 'jsonl'.*--format npy"):
        PackedTokenDataset(broken, 8)
    (broken / "manifest.json").write_text(json.dumps(manifest))
    (broken / "offsets.npy").unlink()
    with pytest.raises(FileNotFoundError, match=r"offsets\.npy: missing"):
        PackedTokenDataset(broken, 8)
    split = tmp_path / "split"
    shutil.copytree(outputs["parquet-split"], split)
    (split / "part-00001.parquet").unlink()
    with pytest.raises(FileNotFoundError, match=r"part-00001\.parquet: missing"):
        PackedTokenDataset(split, 8)
    pq.write_table(pa.table({"id": [0], "text": ["x"]}), split / "part-00001.parquet")
    with pytest.raises(ValueError, match="no `input_ids` column of integer lists"):
        PackedTokenDataset(split, 8)

    good = outputs["npy"]
    for kwargs, message in [
        ({"block_size": 0}, "block_size must be a positive int"),
        ({"block_size": 8, "max_length": 8}, "max_length truncates documents"),
        ({"max_length": 1}, "max_length must be at least 2"),
        ({"block_size": 10**9}, "fewer than one block"),
    ]:
        with pytest.raises(ValueError, match=message):
            PackedTokenDataset(good, **kwargs)
    ds = PackedTokenDataset(good, 100)
    with pytest.raises(IndexError, match=f"index {len(ds)} out of range"):
        ds[len(ds)]
    with pytest.raises(TypeError, match="indices are ints"):
        ds["0"]
