"""`require`: the extra its ImportError names exists in pyproject.toml and installs the missing module, for every
module the package requires (each `require(...)` call in the source is found and checked)."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import subprocess
import sys
from pathlib import Path

import pytest

import ferroformers
from ferroformers.utils.import_utils import EXTRAS, extra_for, require

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[2]
PACKAGE = Path(ferroformers.__file__).parent


def optional_dependencies() -> dict[str, set[str]]:
    """extra -> the normalized distribution names it requires, from pyproject.toml."""
    with open(REPO / "pyproject.toml", "rb") as f:
        extras = tomllib.load(f)["project"]["optional-dependencies"]
    return {
        extra: {re.split(r"[\[<>=!~; ]", req, maxsplit=1)[0].lower().replace("_", "-") for req in reqs}
        for extra, reqs in extras.items()
    }


def required_modules() -> set[str]:
    """The literal module names passed to `require` / `require_torch` anywhere in the package."""
    modules = set()
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        forwarded = {
            id(node)
            for f in ast.walk(tree)
            if isinstance(f, ast.FunctionDef) and f.name == "require"
            for node in ast.walk(f)
        }  # a `require` wrapper passes its own argument on
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or id(node) in forwarded:
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
            if name == "require_torch":
                modules.add("torch")
            elif name == "require" and node.args:
                arg = node.args[0]
                assert isinstance(arg, ast.Constant) and isinstance(arg.value, str), (
                    f"{path}:{node.lineno}: require() takes a literal module name"
                )
                modules.add(arg.value)
    return modules


def test_every_extra_exists_and_installs_its_module() -> None:
    extras = optional_dependencies()
    providers = importlib.metadata.packages_distributions()
    for module, extra in EXTRAS.items():
        assert extra in extras, f"{module}: extra {extra!r} is not in pyproject.toml"
        dists = {d.lower() for d in providers[module]}  # the installed distribution that provides the module
        assert dists & extras[extra], f"extra {extra!r} ({sorted(extras[extra])}) does not install {module}"


def test_every_required_module_has_its_extra() -> None:
    modules = required_modules()
    assert {"pyarrow.parquet", "pyarrow", "ray", "torch", "zstandard"} <= modules
    for module in modules:
        assert extra_for(module) in optional_dependencies(), module
    assert extra_for("pyarrow.parquet") == "parquet"
    with pytest.raises(ValueError, match="no extra installs 'left_pad'"):
        require("left_pad", "a feature")


def test_missing_module_names_the_real_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)  # the import system's "not installed"
    with pytest.raises(ImportError, match=re.escape("pip install 'ferroformers[parquet]'")):
        require("pyarrow.parquet", "Parquet input")


@pytest.mark.parametrize(
    ("blocked", "args", "extra"),
    [
        ("pyarrow.parquet", ["tokenize", "{src}", "-o", "{out}", "--format", "parquet"], "parquet"),
        ("pyarrow.parquet", ["tokenize", "{parquet}", "-o", "{out}"], "parquet"),
        ("zstandard", ["tokenize", "{zst}", "-o", "{out}"], "zstd"),
    ],
)
def test_cli_without_an_optional_dependency_exits_2_naming_the_extra(
    tmp_path: Path, blocked: str, args: list[str], extra: str
) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq
    import zstandard

    src = tmp_path / "docs.txt"
    src.write_text("hello world\n", encoding="utf-8")
    pq.write_table(pa.table({"text": ["hello world"]}), tmp_path / "docs.parquet")
    (tmp_path / "docs.txt.zst").write_bytes(zstandard.ZstdCompressor().compress(b"hello world\n"))
    paths = {
        "src": src,
        "parquet": tmp_path / "docs.parquet",
        "zst": tmp_path / "docs.txt.zst",
        "out": tmp_path / "out",
    }
    argv = [a.format(**paths) for a in args]
    code = (
        f"import sys; sys.modules[{blocked!r}] = None; from ferroformers.cli import main; "
        f"sys.exit(main({argv!r}))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=300,
        env={"PYTHONPATH": str(PACKAGE.parent), "PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"},
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and f"pip install 'ferroformers[{extra}]'" in proc.stderr, proc.stderr
    assert not (tmp_path / "out").exists()
