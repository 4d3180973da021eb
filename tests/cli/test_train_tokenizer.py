"""`ferroformers train-tokenizer`: the vocabulary of the Python trainer, files that DistilBertTokenizer, our
AutoTokenizer and transformers' AutoTokenizer load with the same ids; every input format; bad input exits 2 with
one line; an interrupted run leaves nothing at the final paths."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import run_cli
from testing_utils import require_module

import ferroformers
from ferroformers import AutoTokenizer, DistilBertTokenizer, WordPieceTrainer
from ferroformers.cli import main

SAMPLE = Path(ferroformers.__file__).parent / "bundled" / "sample_corpus.txt"
EXTRA = ["Ünïcödé façade — naïve café; 東京は日本の首都です。", "Grüße aus Köln", "emoji 👩‍👩‍👧 ok"]
FILES = ["manifest.json", "special_tokens_map.json", "tokenizer.json", "tokenizer_config.json", "vocab.txt"]


@pytest.fixture(scope="module")
def lines() -> list[str]:
    return SAMPLE.read_text(encoding="utf-8").split("\n")[:1500] + EXTRA * 3


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def vocab_of(outdir: Path) -> list[str]:
    return (outdir / "vocab.txt").read_text(encoding="utf-8").split("\n")[:-1]


def test_trains_the_python_trainers_vocabulary_and_loads_everywhere(tmp_path: Path, lines: list[str]) -> None:
    transformers = require_module("transformers")
    src = write(tmp_path / "corpus.txt", lines)
    out = tmp_path / "tok"
    assert main(["train-tokenizer", str(src), "-o", str(out), "--vocab-size", "1200", "-q"]) == 0
    assert sorted(os.listdir(out)) == FILES
    expected = WordPieceTrainer(
        1200,
        min_frequency=2,
        limit_alphabet=1000,
        show_progress=False,
        special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"],
    ).train_from_iterator(lines)
    assert vocab_of(out) == expected
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["counts"]["documents"] == len(lines)
    assert manifest["tokenizer"]["vocab_size"] == 1200
    assert manifest["settings"]["min_frequency"] == 2 and manifest["inputs"][0]["bytes"] == src.stat().st_size

    texts = [*lines[::50], "Hello WORLD, unknown ☃ chars!"]
    ours = AutoTokenizer.from_pretrained(out)
    assert type(ours).__name__ == "DistilBertTokenizerFast"
    ids = ours(texts)["input_ids"]
    slow = DistilBertTokenizer(vocab_file=str(out / "vocab.txt"), do_lower_case=True, padding_side="left")
    assert slow(texts)["input_ids"] == ids
    assert transformers.AutoTokenizer.from_pretrained(out)(texts)["input_ids"] == ids
    assert [
        e.ids
        for e in require_module("tokenizers")
        .Tokenizer.from_file(str(out / "tokenizer.json"))
        .encode_batch(texts)
    ] == ids


def test_inputs_as_tokenize_reads_them(tmp_path: Path, lines: list[str]) -> None:
    src = write(tmp_path / "corpus.txt", lines)
    assert (
        main(
            [
                "train-tokenizer",
                str(src),
                "-o",
                str(tmp_path / "text"),
                "--vocab-size",
                "900",
                "-q",
                "--threads",
                "1",
            ]
        )
        == 0
    )
    reference = vocab_of(tmp_path / "text")
    half = len(lines) // 2
    gz = tmp_path / "b.txt.gz"
    gz.write_bytes(gzip.compress(("\n".join(lines[half:]) + "\n").encode()))
    jsonl = tmp_path / "a.jsonl"
    jsonl.write_text("".join(json.dumps({"body": t}) + "\n" for t in lines[:half]), encoding="utf-8")
    assert (
        main(
            [
                "train-tokenizer",
                str(jsonl),
                str(gz),
                "-o",
                str(tmp_path / "mixed"),
                "--vocab-size",
                "900",
                "-q",
                "--text-field",
                "body",
                "--threads",
                "2",
                "--chunk-mb",
                "1",
            ]
        )
        == 0
    )
    assert vocab_of(tmp_path / "mixed") == reference
    proc = run_cli(
        "train-tokenizer",
        "-",
        "-o",
        str(tmp_path / "stdin"),
        "--vocab-size",
        "900",
        "-q",
        stdin=src.read_bytes(),
    )
    assert proc.returncode == 0, proc.stderr
    assert vocab_of(tmp_path / "stdin") == reference
    pq = require_module("pyarrow.parquet")
    zstandard = require_module("zstandard")
    pq.write_table(require_module("pyarrow").table({"text": lines[:half]}), tmp_path / "a.parquet")
    zst = tmp_path / "b.txt.zst"
    zst.write_bytes(zstandard.ZstdCompressor().compress(("\n".join(lines[half:]) + "\n").encode()))
    assert (
        main(
            [
                "train-tokenizer",
                str(tmp_path / "a.parquet"),
                str(zst),
                "-o",
                str(tmp_path / "pq"),
                "--vocab-size",
                "900",
                "-q",
            ]
        )
        == 0
    )
    assert vocab_of(tmp_path / "pq") == reference


def test_options_cased_specials_and_bert(tmp_path: Path, lines: list[str]) -> None:
    src = write(tmp_path / "corpus.txt", lines)
    out = tmp_path / "cased"
    assert (
        main(
            [
                "train-tokenizer",
                str(src),
                "-o",
                str(out),
                "--vocab-size",
                "900",
                "-q",
                "--cased",
                "--special-tokens",
                "[UNK]",
                "[CLS]",
                "[SEP]",
                "<doc>",
                "--model-type",
                "bert",
            ]
        )
        == 0
    )
    vocab = vocab_of(out)
    assert vocab[:4] == ["[UNK]", "[CLS]", "[SEP]", "<doc>"]
    assert "Ü" in vocab  # case and accents kept
    tok = AutoTokenizer.from_pretrained(out)
    assert type(tok).__name__ == "BertTokenizerFast" and tok.additional_special_tokens == ["<doc>"]
    assert tok.convert_ids_to_tokens(tok("<doc> Köln")["input_ids"])[:2] == ["[CLS]", "<doc>"]


def test_bad_input_exits_2_with_one_line(tmp_path: Path, lines: list[str]) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"fine line\nsecond \xff\xfe line\nthird\n")
    proc = run_cli("train-tokenizer", str(bad), "-o", str(tmp_path / "out"), "--vocab-size", "100")
    err = proc.stderr.decode()
    assert proc.returncode == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert f"{bad}: line 2, byte 17 (column byte 8): invalid UTF-8" in err
    assert not (tmp_path / "out").exists()
    assert (
        main(
            [
                "train-tokenizer",
                str(bad),
                "-o",
                str(tmp_path / "out"),
                "--vocab-size",
                "100",
                "-q",
                "--errors",
                "replace",
                "--min-frequency",
                "1",
            ]
        )
        == 0
    )
    assert "\ufffd" not in vocab_of(tmp_path / "out")  # clean_text drops U+FFFD, as the tokenizer does

    src = write(tmp_path / "corpus.txt", lines)
    for args, message in [
        (["--vocab-size", "50"], "vocab_size 50 is smaller than the 5 special tokens plus the alphabet"),
        (["--vocab-size", "0"], "--vocab-size must be at least 1"),
        (["--vocab-size", "900", "--special-tokens", "[PAD]", "[CLS]", "[SEP]"], "must include [UNK]"),
        (["--vocab-size", "900", "--threads", "0"], "--threads must be at least 1"),
    ]:
        proc = run_cli("train-tokenizer", str(src), "-o", str(tmp_path / "x"), *args)
        assert proc.returncode == 2 and message in proc.stderr.decode(), (args, proc.stderr)
        assert not (tmp_path / "x").exists()
    empty = write(tmp_path / "empty.txt", ["", "   ", "\t"])
    proc = run_cli("train-tokenizer", str(empty), "-o", str(tmp_path / "x"), "--vocab-size", "100")
    assert (
        proc.returncode == 2
        and "no words to train on (3 documents, all empty or whitespace)" in proc.stderr.decode()
    )
    proc = run_cli(
        "train-tokenizer", str(tmp_path / "missing.txt"), "-o", str(tmp_path / "x"), "--vocab-size", "9"
    )
    assert proc.returncode == 2 and "missing.txt: no such file" in proc.stderr.decode()

    full = tmp_path / "full"
    full.mkdir()
    (full / "keep.txt").write_text("mine")
    proc = run_cli("train-tokenizer", str(src), "-o", str(full), "--vocab-size", "900")
    assert proc.returncode == 2 and "folder is not empty" in proc.stderr.decode()
    assert os.listdir(full) == ["keep.txt"]
    # a failed run into an existing folder leaves what was there
    proc = run_cli("train-tokenizer", str(bad), "-o", str(full), "--vocab-size", "900", "--overwrite")
    assert proc.returncode == 2 and os.listdir(full) == ["keep.txt"]
    assert (
        main(["train-tokenizer", str(src), "-o", str(full), "--vocab-size", "900", "--overwrite", "-q"]) == 0
    )
    assert sorted(os.listdir(full)) == FILES


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL])
def test_interrupted_run_leaves_no_output(tmp_path: Path, sig: signal.Signals) -> None:
    out = tmp_path / "out"
    env = {
        **os.environ,
        "PYTHONPATH": str(Path(ferroformers.__file__).resolve().parents[1]),
        "PYTHONFAULTHANDLER": "1",
    }
    # stdin held open: the run is reading when the signal comes. The child gets SIGINT's default disposition
    # back: a test run started in the background by a shell (`make test &`) ignores SIGINT, the child would
    # inherit that, and Python keeps an ignored SIGINT ignored (as a CLI started that way should)
    with subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ferroformers",
            "train-tokenizer",
            "-",
            "-o",
            str(out),
            "--vocab-size",
            "100",
            "-q",
        ],
        stdin=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        preexec_fn=_default_sigint,
    ) as proc:  # the with block closes both pipes
        assert proc.stdin is not None and proc.stderr is not None
        proc.stdin.write(b"hello world\n" * 1000)
        proc.stdin.flush()
        deadline = time.time() + 60
        while not (out / ".partial").exists() and time.time() < deadline:
            time.sleep(0.01)
        time.sleep(0.2)
        proc.send_signal(sig)
        try:
            code = proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGABRT)  # faulthandler prints the stack of every thread
            proc.wait(timeout=60)
            pytest.fail(f"still running 120 s after {sig.name}:\n{proc.stderr.read().decode()}")
        stderr = proc.stderr.read().decode()
    if sig == signal.SIGINT:
        assert code == 130 and "interrupted" in stderr
        assert not out.exists()
    else:
        # nothing but the staging folder, which the next run replaces
        assert os.listdir(out) == [".partial"]
        src = write(tmp_path / "in.txt", ["hello world"] * 10)
        assert main(["train-tokenizer", str(src), "-o", str(out), "--vocab-size", "100", "-q"]) == 0
        assert sorted(os.listdir(out)) == FILES
