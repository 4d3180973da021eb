"""Fixtures of the tokenizer tests: makes the real vocabularies (the root `assets` fixture) visible to the
cached builders in tok_helpers, which hypothesis tests use (they cannot take function-scoped fixtures)."""

from __future__ import annotations

from pathlib import Path

import pytest
import tok_helpers


@pytest.fixture(scope="session", autouse=True)
def _assets_for_helpers(assets: Path) -> Path:
    tok_helpers.ASSETS = assets
    return assets
