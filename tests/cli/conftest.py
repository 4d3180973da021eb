from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import ferroformers


@pytest.fixture(scope="session")
def bundled_vocab() -> Path:
    return Path(ferroformers.__file__).parent / "bundled" / "bert-base-uncased" / "vocab.txt"


@pytest.fixture(scope="session")
def reference(bundled_vocab: Path):
    """Hugging Face `tokenizers` on the bundled vocab: what `tokenizer(doc)["input_ids"]` must give."""
    from tokenizers import BertWordPieceTokenizer

    return BertWordPieceTokenizer(str(bundled_vocab), lowercase=True)


def run_cli(
    *args: str, stdin: bytes | None = None, cwd: str | None = None
) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONPATH": str(Path(ferroformers.__file__).resolve().parents[1])}
    return subprocess.run(
        [sys.executable, "-m", "ferroformers", *args],
        input=stdin,
        capture_output=True,
        env=env,
        cwd=cwd,
        timeout=600,
    )
