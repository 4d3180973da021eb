"""`ferroformers compare`: exit 0 when slow and fast agree, 1 with a located report when they differ."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_cli

from ferroformers.cli import main


def test_identical_on_the_sample_corpus(capsys: pytest.CaptureFixture[str]) -> None:
    from importlib import resources

    sample = resources.files("ferroformers") / "bundled" / "sample_corpus.txt"
    assert main(["compare", str(sample), "--limit", "400", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["documents"] == 400 and report["differing_documents"] == 0
    assert report["offsets"]["tokens_checked"] > 10_000
    assert report["offsets"]["out_of_order_or_bounds"] == 0
    assert report["offsets"]["span_text_differs"] == 0
    assert report["mb_per_s"]["fast"] > 0 and report["mb_per_s"]["slow"] > 0


def test_difference_is_located(tmp_path: Path) -> None:
    # Greek capital sigma: Python lowercases a word-final Σ to ς (slow), tokenizers always to σ (fast)
    src = tmp_path / "in.txt"
    src.write_text("plain text\nthe word ΟΔΟΣ here\nmore plain text\n", encoding="utf-8")
    proc = run_cli("compare", str(src))
    assert proc.returncode == 1, proc.stderr
    out = proc.stdout.decode()
    assert "documents whose ids differ (slow vs fast): 1" in out
    assert f"{src}:2: first difference at token" in out
    assert "DIFFERENT" in out


def test_reference_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in.txt"
    src.write_text("Hello world\nCafé naïve\n", encoding="utf-8")
    assert main(["compare", str(src), "--reference", "tokenizers", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["reference"] == {"name": "tokenizers", "differing_from_fast": 0}


def test_bad_input_exit_2(tmp_path: Path) -> None:
    proc = run_cli("compare", str(tmp_path / "nope.txt"))
    assert proc.returncode == 2 and "no such file" in proc.stderr.decode()


def test_negative_limit_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in.txt"
    src.write_text("hello\n", encoding="utf-8")
    assert main(["compare", str(src), "--limit", "-1"]) == 2
    assert "--limit must be >= 0, got -1" in capsys.readouterr().err
