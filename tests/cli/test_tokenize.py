"""`ferroformers tokenize`: outputs equal the reference tokenizer per document, in every input and output
format; bad input exits 2 with one clear line; nothing appears at the final path before the run completes."""

from __future__ import annotations

import dataclasses
import functools
import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import run_cli
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from testing_utils import examples, require_module

from ferroformers.cli import main

DOCS = [
    "Hello, world! This is ferroformers.",
    "",
    "Ünïcödé façade — naïve café; 東京は日本の首都です。",
    "   ",
    "emoji 👩‍👩‍👧 and a " + "verylongword" * 12,
    "last line without newline",
]


def write_text(path: Path, docs: list[str], final_newline: bool = True) -> Path:
    path.write_text("\n".join(docs) + ("\n" if final_newline else ""), encoding="utf-8")
    return path


def load(outdir: Path) -> list[list[int]]:
    tokens = np.load(outdir / "tokens.npy", mmap_mode="r")
    offsets = np.load(outdir / "offsets.npy")
    return [tokens[offsets[i] : offsets[i + 1]].tolist() for i in range(len(offsets) - 1)]


def expected(reference, docs: list[str], **kw) -> list[list[int]]:
    return [e.ids for e in reference.encode_batch(docs, **kw)]


def test_text_file_matches_reference_per_document(tmp_path: Path, reference, bundled_vocab) -> None:
    src = write_text(tmp_path / "in.txt", DOCS, final_newline=False)
    assert main(["tokenize", str(src), "-o", str(tmp_path / "out"), "--quiet"]) == 0
    out = tmp_path / "out"
    assert sorted(os.listdir(out)) == ["manifest.json", "offsets.npy", "tokens.npy"]
    assert np.load(out / "tokens.npy").dtype == np.uint16
    assert np.load(out / "offsets.npy").dtype == np.int64
    assert load(out) == expected(reference, DOCS)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["counts"]["docs"] == len(DOCS)
    assert manifest["counts"]["tokens"] == sum(map(len, expected(reference, DOCS)))
    assert (
        manifest["tokenizer"]["vocab_sha256"]
        == "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3"
    )
    assert manifest["inputs"][0]["bytes"] == src.stat().st_size
    assert manifest["dtype"] == "uint16"


def test_our_fast_tokenizer_call_gives_the_same_ids(tmp_path: Path) -> None:
    from ferroformers import AutoTokenizer

    src = write_text(tmp_path / "in.txt", DOCS)
    assert main(["tokenize", str(src), "-o", str(tmp_path / "out"), "-q"]) == 0
    tok = AutoTokenizer.from_pretrained("bert-base-uncased")
    assert load(tmp_path / "out") == [tok(d)["input_ids"] for d in DOCS]


def test_options_no_special_tokens_and_truncation(tmp_path: Path, reference) -> None:
    src = write_text(tmp_path / "in.txt", DOCS)
    assert main(["tokenize", str(src), "-o", str(tmp_path / "a"), "-q", "--no-special-tokens"]) == 0
    assert load(tmp_path / "a") == expected(reference, DOCS, add_special_tokens=False)
    assert main(["tokenize", str(src), "-o", str(tmp_path / "b"), "-q", "--max-length", "6"]) == 0
    reference.enable_truncation(6)
    try:
        assert load(tmp_path / "b") == expected(reference, DOCS)
    finally:
        reference.no_truncation()
    assert max(map(len, load(tmp_path / "b"))) == 6


def test_inputs_concatenate_and_compressed_and_jsonl(tmp_path: Path, reference) -> None:
    zstandard = require_module("zstandard")
    a = write_text(tmp_path / "a.txt", DOCS[:3])
    b = tmp_path / "b.txt.gz"
    b.write_bytes(gzip.compress(("\n".join(DOCS[3:]) + "\n").encode()))
    c = tmp_path / "c.jsonl.zst"
    records = [{"text": "json one", "meta": 1}, {"text": "json two ü"}]
    c.write_bytes(
        zstandard.ZstdCompressor().compress(("\n".join(json.dumps(r) for r in records) + "\n\n").encode())
    )  # a blank line is skipped
    assert main(["tokenize", str(a), str(b), str(c), "-o", str(tmp_path / "out"), "-q"]) == 0
    assert load(tmp_path / "out") == expected(reference, [*DOCS, "json one", "json two ü"])


def test_jsonl_text_field_and_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text('{"body": "a b"}\n{"body": "c"}\n{"other": 1}\n')
    assert main(["tokenize", str(src), "-o", str(tmp_path / "o1"), "-q", "--text-field", "body"]) == 2
    assert f"{src}: line 3: no field 'body'" in capsys.readouterr().err
    assert not (tmp_path / "o1").exists()
    src.write_text('{"body": "a b"}\n{"body": oops}\n')
    assert main(["tokenize", str(src), "-o", str(tmp_path / "o2"), "-q", "--text-field", "body"]) == 2
    assert f"{src}: line 2, column 10: not valid JSON" in capsys.readouterr().err


def test_invalid_utf8_strict_and_replace(tmp_path: Path, reference) -> None:
    src = tmp_path / "bad.txt"
    src.write_bytes(b"fine line\nsecond \xff\xfe line\nthird\n")
    proc = run_cli("tokenize", str(src), "-o", str(tmp_path / "out"))
    assert proc.returncode == 2
    err = proc.stderr.decode()
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"{src}: line 2, byte 17 (column byte 8): invalid UTF-8" in err
    assert not (tmp_path / "out").exists()
    assert main(["tokenize", str(src), "-o", str(tmp_path / "out"), "-q", "--errors", "replace"]) == 0
    assert load(tmp_path / "out") == expected(reference, ["fine line", "second \ufffd\ufffd line", "third"])


def test_bad_paths_exit_2(tmp_path: Path) -> None:
    proc = run_cli("tokenize", str(tmp_path / "missing.txt"), "-o", str(tmp_path / "out"))
    assert proc.returncode == 2 and f"{tmp_path / 'missing.txt'}: no such file" in proc.stderr.decode()
    src = write_text(tmp_path / "in.txt", DOCS)
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine")
    proc = run_cli("tokenize", str(src), "-o", str(tmp_path / "full"))
    assert proc.returncode == 2 and "folder is not empty" in proc.stderr.decode()
    assert (tmp_path / "full" / "keep.txt").read_text() == "mine"
    proc = run_cli("tokenize", str(src), "-o", str(tmp_path / "full"), "--overwrite", "-q")
    assert proc.returncode == 0, proc.stderr
    assert sorted(os.listdir(tmp_path / "full")) == ["manifest.json", "offsets.npy", "tokens.npy"]


def test_stdin_and_jsonl_to_stdout(tmp_path: Path, reference) -> None:
    proc = run_cli("tokenize", "-", "-o", "-", "--format", "jsonl", "-q", stdin="\n".join(DOCS).encode())
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert [r["id"] for r in rows] == list(range(len(DOCS)))
    assert [r["input_ids"] for r in rows] == expected(reference, DOCS)


def test_parquet_output(tmp_path: Path, reference) -> None:
    pa = require_module("pyarrow")
    pq = require_module("pyarrow.parquet")
    src = write_text(tmp_path / "in.txt", DOCS)
    assert main(["tokenize", str(src), "-o", str(tmp_path / "out"), "-q", "--format", "parquet"]) == 0
    files = sorted(os.listdir(tmp_path / "out"))
    assert files == ["_manifest.json", "part-00000.parquet"]
    table = pq.read_table(tmp_path / "out")
    assert table.column("id").to_pylist() == list(range(len(DOCS)))
    assert table.column("input_ids").to_pylist() == expected(reference, DOCS)
    assert table.schema.field("input_ids").type.value_type == pa.uint16()


def test_large_vocab_uses_uint32(tmp_path: Path, assets: Path) -> None:
    from tokenizers import BertWordPieceTokenizer

    folder = assets / "bert-base-multilingual-cased"
    docs = ["Grüße aus Köln", "東京", "ㅎㅏ 한국어 텍스트"]
    src = write_text(tmp_path / "in.txt", docs)
    assert main(["tokenize", str(src), "-o", str(tmp_path / "out"), "-q", "--tokenizer", str(folder)]) == 0
    assert np.load(tmp_path / "out" / "tokens.npy").dtype == np.uint32
    ref = BertWordPieceTokenizer(str(folder / "vocab.txt"), lowercase=False)
    assert load(tmp_path / "out") == [e.ids for e in ref.encode_batch(docs)]


@pytest.fixture(scope="module")
def big_corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """~22 MB of real-looking text and its uninterrupted `tokenize` output."""
    folder = tmp_path_factory.mktemp("big")
    rng = np.random.default_rng(0)
    words = np.array(["alpha", "beta", "gamma", "délta", "東京", "naïve", "tokenization", "x" * 30, "ß"])
    block = [" ".join(rng.choice(words, size=rng.integers(0, 40))) for _ in range(2_000)]
    src = write_text(folder / "big.txt", [f"{i} {line}" for i in range(60) for line in block])
    assert main(["tokenize", str(src), "-o", str(folder / "whole"), "-q", "--chunk-mb", "1"]) == 0
    return src, folder / "whole"


def assert_same_output(out: Path, whole: Path) -> None:
    for name in ("tokens.npy", "offsets.npy"):
        assert (out / name).read_bytes() == (whole / name).read_bytes(), name
    assert (
        json.loads((out / "manifest.json").read_text())["counts"]
        == json.loads((whole / "manifest.json").read_text())["counts"]
    )


def test_resume_after_kill_gives_identical_bytes(tmp_path: Path, big_corpus: tuple[Path, Path]) -> None:
    src, whole = big_corpus
    out = tmp_path / "killed"
    env = {**os.environ, "PYTHONPATH": str(Path(__import__("ferroformers").__file__).resolve().parents[1])}
    # read 1 MB at a time and checkpoint after every chunk
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ferroformers",
            "tokenize",
            str(src),
            "-o",
            str(out),
            "-q",
            "--chunk-mb",
            "1",
            "--checkpoint-mb",
            "1",
            "--threads",
            "1",
            "--batch-size",
            "256",
        ],
        env=env,
    )
    state = out / ".partial" / "state.json"
    deadline = time.time() + 120
    while not state.exists() and proc.poll() is None and time.time() < deadline:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    if not state.exists():
        pytest.fail("the run finished or stalled before its first checkpoint; make the input larger")
    # a killed run leaves no complete-looking output
    assert os.listdir(out) == [".partial"]
    proc = run_cli("tokenize", str(src), "-o", str(out))
    assert proc.returncode == 2 and "--resume" in proc.stderr.decode()
    assert main(["tokenize", str(src), "-o", str(out), "-q", "--chunk-mb", "1", "--resume"]) == 0
    assert_same_output(out, whole)


def test_resume_after_kill_before_the_first_checkpoint_starts_over(
    tmp_path: Path, big_corpus: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """Killed within its first --checkpoint-mb (64 MB by default): output started, nothing checkpointed.
    --resume then starts from the beginning and says so (it used to exit 2 asking for --resume)."""
    src, whole = big_corpus
    out = tmp_path / "killed"
    env = {**os.environ, "PYTHONPATH": str(Path(__import__("ferroformers").__file__).resolve().parents[1])}
    # the killed run reads the same text from a pipe the test keeps open: it writes the first chunks, then waits
    # for more input, so it is certainly killed mid-run and before any checkpoint
    proc = subprocess.Popen(
        [sys.executable, "-m", "ferroformers", "tokenize", "-", "-o", str(out), "-q", "--chunk-mb", "1"],
        stdin=subprocess.PIPE,
        env=env,
    )
    assert proc.stdin is not None
    proc.stdin.write(src.read_bytes()[: 3 << 20])
    proc.stdin.flush()
    tokens = out / ".partial" / "tokens.npy"
    deadline = time.time() + 120
    while (
        (not tokens.exists() or tokens.stat().st_size <= 128)
        and proc.poll() is None
        and time.time() < deadline
    ):
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc.stdin.close()
    assert tokens.stat().st_size > 128, "the run wrote no tokens before it was killed"
    assert os.listdir(out) == [".partial"] and not (out / ".partial" / "state.json").exists()

    assert main(["tokenize", str(src), "-o", str(out), "-q", "--resume"]) == 0
    assert "no checkpoint to resume from; starting from the beginning" in capsys.readouterr().err
    assert_same_output(out, whole)


def test_python_m_and_demo() -> None:
    proc = run_cli("demo")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.decode()
    assert "documents" in out and "[UNK] rate" in out and "document 0: [101," in out


@functools.cache
def bundled_backend() -> Any:
    from ferroformers import AutoTokenizer

    return AutoTokenizer.from_pretrained("bert-base-uncased").backend_tokenizer


@settings(max_examples=examples(200), deadline=None)
@given(
    docs=st.lists(
        st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\n")), max_size=20
    )
)
def test_lines_path_equals_batch_path(docs: list[str]) -> None:
    """The CLI's native line splitter gives what encode_batch_flat gives on the same documents."""
    backend = bundled_backend()
    docs = docs or [""]
    ids, starts = backend.encode_lines_flat("\n".join(docs).encode("utf-8"), num_threads=2)
    ref_ids, ref_starts, _ = backend.encode_batch_flat(docs, num_threads=2)
    assert ids.tolist() == ref_ids.tolist() and starts.tolist() == ref_starts.tolist()


def test_lines_path_rejects_invalid_utf8() -> None:
    backend = bundled_backend()
    with pytest.raises(ValueError, match="invalid UTF-8 at byte 4"):
        backend.encode_lines_flat(b"abc\n\xffdef")


BAD_ARGUMENTS = [
    (["-o", "-"], "-o - (stdout) works only with --format jsonl"),
    (["--engine", "ray", "--format", "npy"], "--engine ray writes --format parquet"),
    (["--engine", "ray", "--resume"], "--resume is for the single-machine engine"),
    (["--address", "127.0.0.1:6379"], "--address goes with --engine ray"),
    (["--batch-size", "0"], "--batch-size must be at least 1, got 0"),
    (["--threads", "0"], "--threads must be at least 1, got 0"),
    (["--max-length", "0"], "--max-length must be at least 1, got 0"),
]


@pytest.mark.parametrize(("extra", "message"), BAD_ARGUMENTS, ids=[m for _, m in BAD_ARGUMENTS])
def test_bad_arguments_exit_2_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    src = write_text(tmp_path / "in.txt", DOCS)
    argv = ["tokenize", str(src), *([] if "-o" in extra else ["-o", str(tmp_path / "out")]), *extra]
    assert main(argv) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_resume_from_stdin_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["tokenize", "-", "-o", str(tmp_path / "out"), "--resume"]) == 2
    assert "--resume cannot be used with stdin input (-)" in capsys.readouterr().err


def test_the_job_is_built_once_from_the_arguments(tmp_path: Path) -> None:
    from ferroformers.cli import build_parser
    from ferroformers.commands.tokenize import TokenizeJob

    src = write_text(tmp_path / "in.txt", DOCS)
    args = build_parser().parse_args(
        [
            "tokenize",
            str(src),
            "-o",
            str(tmp_path / "out"),
            "--engine",
            "ray",
            "--chunk-mb",
            "2",
            "--no-special-tokens",
        ]
    )
    job = args.job(args)
    assert isinstance(job, TokenizeJob)
    assert (job.format, job.chunk_bytes, job.add_special_tokens) == ("parquet", 2 << 20, False)
    assert [s.path for s in job.corpus.sources] == [str(src)] and job.corpus.size == src.stat().st_size
    with pytest.raises(dataclasses.FrozenInstanceError):
        job.format = "npy"  # type: ignore[misc]


@settings(max_examples=examples(100), deadline=None)
@given(
    data=st.binary(max_size=300).map(lambda b: b.replace(b"\r", b"\n"))
    | st.text(max_size=200).map(str.encode),
    chunk_bytes=st.integers(1, 64),
    resume=st.integers(0, 3),
)
def test_native_file_reader_gives_the_python_readers_chunks(
    tmp_path_factory: pytest.TempPathFactory, data: bytes, chunk_bytes: int, resume: int
) -> None:
    """A plain file is read in Rust (TextFileChunks); stdin and compressed files by the Python reader: the
    same chunks either way (bytes, start, end, first line), from the start or resumed after a chunk."""
    from ferroformers._native import LineChunk
    from ferroformers.commands.inputs import (
        GZIP_MAGIC,
        ZSTD_MAGIC,
        ByteChunk,
        Corpus,
        Position,
        describe,
        read_chunks,
    )

    # a file that starts with a compression magic is read as compressed, not as plain text
    assume(not data.startswith((GZIP_MAGIC, ZSTD_MAGIC)))
    folder = tmp_path_factory.mktemp("reader")
    (folder / "in.txt").write_bytes(data)
    (folder / "in.txt.gz").write_bytes(gzip.compress(data))

    def chunks(name: str, start: Position = Position()) -> list[tuple[bytes, int, int, int]]:  # noqa: B008
        corpus = Corpus(tuple(describe([str(folder / name)], None)))
        got = []
        for c in read_chunks(corpus, chunk_bytes=chunk_bytes, start=start, raw_text=True):
            assert isinstance(c, ByteChunk)
            assert isinstance(c.data, LineChunk if name == "in.txt" else bytes)
            got.append((bytes(c.data), c.start, c.end, c.first_line))
        return got

    native = chunks("in.txt")
    assert native == chunks("in.txt.gz")
    docs = [d for body, *_ in native for d in body.split(b"\n")]
    assert docs == (data.removesuffix(b"\n").split(b"\n") if data else [])
    if resume < len(native):
        body, _, end, first_line = native[resume]
        start = Position(0, end, first_line + body.count(b"\n") + 1)
        assert chunks("in.txt", start) == native[resume + 1 :] == chunks("in.txt.gz", start)


def test_native_file_reader_errors(tmp_path: Path) -> None:
    from ferroformers._native import TextFileChunks

    with pytest.raises(FileNotFoundError) as e:
        TextFileChunks(tmp_path / "missing.txt")
    assert e.value.filename == str(tmp_path / "missing.txt") and e.value.errno == 2
    with pytest.raises(IsADirectoryError):  # at the first read (open(2) takes a folder)
        list(TextFileChunks(tmp_path))
    (tmp_path / "a.txt").write_bytes(b"x\n")
    with pytest.raises(ValueError, match="chunk_bytes must be at least 1, got 0"):
        TextFileChunks(tmp_path / "a.txt", chunk_bytes=0)
    with pytest.raises(ValueError, match="first_line is 1-based, got 0"):
        TextFileChunks(tmp_path / "a.txt", first_line=0)
    with pytest.raises(TypeError, match="data must be bytes or a LineChunk, not str"):
        bundled_backend().encode_lines_flat("text")  # type: ignore[arg-type]
    reader = TextFileChunks(tmp_path / "a.txt")
    reader.close()
    assert list(reader) == []
