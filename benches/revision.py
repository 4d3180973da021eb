"""Another git revision's Python package, for before/after benchmarks of Python-only changes.

`python_tree(REV)` extracts `python/` of REV (`git archive`) into a temporary folder and copies this tree's
native module into it (the revision's Rust is not rebuilt: compare revisions whose Rust is the same). Put the
folder on PYTHONPATH for a subprocess, or `import_as(REV)` to load it in this process beside `ferroformers`
under another name (every import inside the package is relative).
"""

from __future__ import annotations

import importlib
import io
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[1]


def python_tree(rev: str) -> Path:
    """A folder holding REV's `ferroformers` package (with this tree's `_native`)."""
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", rev, "python"], check=True, capture_output=True
    ).stdout
    folder = Path(tempfile.mkdtemp(prefix=f"ferroformers-{rev.replace('/', '_')}-"))
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    native = next((REPO / "python" / "ferroformers").glob("_native*.so"), None)
    if native is None:
        raise SystemExit("python/ferroformers has no native module: run `make inplace` first")
    shutil.copy(native, folder / "python" / "ferroformers" / native.name)
    return folder / "python"


def import_as(rev: str, name: str = "ferroformers_rev") -> ModuleType:
    """REV's package imported as `name`, beside the working tree's `ferroformers`."""
    tree = python_tree(rev)
    shutil.copytree(tree / "ferroformers", tree / name)
    sys.path.insert(0, str(tree))
    return importlib.import_module(name)
