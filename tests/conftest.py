"""Shared fixtures: real data built offline by ../shared/data scripts (cached between runs, built once under a
file lock so parallel runs do not race), and an offline hub by default (no network here: a test that wants the
hub path builds a real huggingface_hub cache in a temporary folder). What happens when data or a reference
library is missing: tests/testing_utils.py."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

pytest_plugins = ["testing_utils"]  # skips that fail under FERROFORMERS_NO_SKIP, hypothesis profiles

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("FERROFORMERS_SHARED_DATA", REPO.parent / "shared" / "data"))
CACHE = Path(os.environ.get("FERROFORMERS_TEST_DATA", Path(tempfile.gettempdir()) / "ferroformers-test-data"))


def build_shared(script: str, name: str) -> Path:
    """Run ../shared/data/<script> into CACHE/<name> once (a `.complete` marker records success)."""
    out = CACHE / name
    marker = out / ".complete"
    if marker.exists():
        return out
    src = SHARED_DATA / script
    if not src.exists():
        from testing_utils import missing  # a plugin (above): imported after pytest registered it

        missing(f"{src} not found: the shared data scripts are needed to build {name}")
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / f".{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not marker.exists():
            env = {**os.environ, "PYTHON": sys.executable}
            proc = subprocess.run(["bash", str(src), str(out)], env=env, capture_output=True, text=True)
            if proc.returncode != 0:
                raise RuntimeError(
                    f"{src} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
                )
            marker.touch()
    return out


@pytest.fixture(scope="session")
def assets() -> Path:
    """Real vocabularies (bert uncased/cased/multilingual), the MiniLM BERT checkpoint and its DistilBERT twin,
    wav2vec2 and ViT preprocessing files (../shared/data/build_assets.sh, ~15 s the first time)."""
    return build_shared("build_assets.sh", "assets")


@pytest.fixture(scope="session")
def media() -> Path:
    """Real images and speech (../shared/data/build_media.sh, ~30 s the first time)."""
    return build_shared("build_media.sh", "media")
