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


# one line per documented class of slow/fast difference (docs/tokenizers.md), and where each is
CLASS_LINES = {
    "final_sigma": "the word ΟΔΟΣ here",
    "cjk_extension_e": "a\U0002b820b",
    "new_punctuation": "a\U00010eadb",
    "new_nonspacing_mark": "a\U0001e01b",
    "unassigned": "ab\u0890cd",
}


def test_differences_are_named_by_class(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in.txt"
    src.write_text("plain text\n" + "\n".join(CLASS_LINES.values()) + "\n", encoding="utf-8")
    assert main(["compare", str(src), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["differing_documents"] == len(CLASS_LINES)
    assert report["differing_by_class"] == dict.fromkeys(sorted(CLASS_LINES), 1)
    assert [d["classes"] for d in report["differences"]] == [[name] for name in CLASS_LINES]
    assert main(["compare", str(src)]) == 1
    out = capsys.readouterr().out
    assert f"{src}:2: first difference at token" in out and "): final_sigma" in out
    assert "by class: cjk_extension_e 1, final_sigma 1" in out


def test_an_undocumented_difference_is_unexplained(bundled_vocab: Path) -> None:
    from ferroformers import BertTokenizer, BertTokenizerFast
    from ferroformers.commands.compare import _difference_classes

    # a fast tokenizer that does not lowercase stands for a bug: no documented class explains its differences
    slow = BertTokenizer(str(bundled_vocab))
    fast = BertTokenizerFast(str(bundled_vocab), do_lower_case=False)
    assert _difference_classes(slow, fast, "Hello", add_special=True) == ["unexplained"]
    assert _difference_classes(slow, fast, "Hello ΟΔΟΣ", add_special=True) == ["unexplained", "final_sigma"]
    assert _difference_classes(slow, BertTokenizerFast(str(bundled_vocab)), "ΟΔΟΣ", add_special=True) == [
        "final_sigma"
    ]


def test_span_text_differences_are_explained(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Hangul syllables split into jamo pieces that each cover the whole syllable, and a word with no pieces is
    # [UNK]: neither is a bug
    src = tmp_path / "in.txt"
    src.write_text("옵션 한국어 text\nhello ☃☃☃ world\nplain\n", encoding="utf-8")
    assert main(["compare", str(src), "--json"]) == 0
    offsets = json.loads(capsys.readouterr().out)["offsets"]
    assert offsets["out_of_order_or_bounds"] == 0 and offsets["span_text_unexplained"] == 0
    assert offsets["span_text_expected"]["decomposed_character"] == offsets["span_text_differs"] > 0
    assert offsets["span_text_expected"]["unknown_token"] >= 1
    example = offsets["span_examples"][0]
    assert example["reason"] == "decomposed_character" and example["where"] == f"{src}:1"
    assert example["span"] == src.read_text(encoding="utf-8")[slice(*example["chars"])]
    assert main(["compare", str(src)]) == 0
    out = capsys.readouterr().out
    assert ": 0 unexplained" in out and "accent stripping decomposes" in out and "[UNK] tokens" in out
