"""The suite's own rule (tests/testing_utils.py): a missing reference library or data set skips a test for a
developer and fails it under FERROFORMERS_NO_SKIP, as does any other skip. Checked by running pytest on a few
throwaway tests in a subprocess."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent

CASES = {
    "test_inside.py": """
import pytest
from testing_utils import require_module


def test_reference_missing():
    require_module("ferroformers_no_such_reference")


def test_stray_skip():
    pytest.skip("a skip that does not go through testing_utils")


def test_runs():
    pass


@pytest.mark.xfail(reason="a known failure stays an expected failure", strict=True)
def test_known_failure():
    assert False
""",
    "test_module_level.py": """
from testing_utils import require_module

require_module("ferroformers_no_such_reference")


def test_never_collected():
    pass
""",
}


def outcomes(tmp_path: Path, **env: str) -> dict[str, int]:
    """pytest's summary counts for CASES."""
    for name, text in CASES.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("FERROFORMERS_NO_SKIP", "FERROFORMERS_EXPECT_INSTALLED")
    }
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "testing_utils",
            "-p",
            "no:cacheprovider",
            "--continue-on-collection-errors",
            "--rootdir",
            str(tmp_path),
            "-q",
            *CASES,
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
        env={**clean, "PYTHONPATH": str(TESTS), **env},
    )
    summary = proc.stdout.strip().splitlines()[-1]
    return {word.rstrip("s"): int(n) for n, word in re.findall(r"(\d+) (\w+)", summary)}


def test_missing_things_skip_for_developers(tmp_path: Path) -> None:
    assert outcomes(tmp_path) == {"passed": 1, "skipped": 3, "xfailed": 1}


@pytest.mark.parametrize("variable", ["FERROFORMERS_NO_SKIP", "FERROFORMERS_EXPECT_INSTALLED"])
def test_missing_things_fail_under_no_skip(tmp_path: Path, variable: str) -> None:
    # (a module that cannot import its reference is a collection error: without
    # --continue-on-collection-errors it stops the whole run)
    assert outcomes(tmp_path, **{variable: "1"}) == {"passed": 1, "failed": 2, "error": 1, "xfailed": 1}
