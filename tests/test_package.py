"""The package itself: what is imported, how cheaply, and what happens without optional dependencies."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import ferroformers

REPO = Path(__file__).resolve().parents[1]


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    # run away from the source tree, with the same ferroformers this process imported
    env = {**os.environ, "PYTHONPATH": str(Path(ferroformers.__file__).resolve().parents[1])}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd="/", env=env)


@pytest.mark.installed_wheel  # runs under `make test` (FERROFORMERS_EXPECT_INSTALLED) only
def test_tests_import_the_installed_wheel_not_the_source_tree() -> None:
    location = Path(ferroformers.__file__).resolve()
    assert REPO / "python" not in location.parents, location
    assert "site-packages" in location.parts
    native = Path(ferroformers._native.__file__)  # type: ignore[attr-defined]
    assert native.name.endswith(".abi3.so"), native


def test_version_matches_cargo() -> None:
    cargo = (REPO / "Cargo.toml").read_text()
    assert f'version = "{ferroformers.__version__}"' in cargo


def test_import_is_lazy() -> None:
    proc = run_python(
        "import sys, ferroformers\n"
        "heavy = [m for m in ('torch', 'numpy', 'huggingface_hub', 'safetensors', 'ferroformers._native',"
        " 'ferroformers.configuration_utils') if m in sys.modules]\n"
        "print(heavy)"
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'NoSuchThing'"):
        _ = ferroformers.NoSuchThing  # type: ignore[attr-defined]


def test_every_public_name_resolves() -> None:
    torch_free = run_python(
        "import ferroformers\n"
        "for name in ferroformers.__all__:\n"
        "    try:\n"
        "        getattr(ferroformers, name)\n"
        "    except ImportError as e:\n"
        "        assert 'ferroformers[' in str(e), (name, e)\n"
    )
    assert torch_free.returncode == 0, torch_free.stderr


def test_model_class_without_torch_says_how_to_install() -> None:
    code = (
        "import sys\n"
        "sys.modules['torch'] = None  # as if torch were not installed\n"
        "import ferroformers\n"
        "torch_names = [n for n, m in ferroformers._LAZY.items() if 'modeling' in m]\n"
        "for name in torch_names:\n"
        "    try:\n"
        "        getattr(ferroformers, name)\n"
        "    except ImportError as e:\n"
        "        assert \"pip install 'ferroformers[torch]'\" in str(e), (name, str(e))\n"
        "    else:\n"
        "        raise SystemExit(f'{name} imported without torch')\n"
        "print(len(torch_names))\n"
    )
    proc = run_python(code)
    assert proc.returncode == 0, proc.stderr
