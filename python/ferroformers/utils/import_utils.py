"""Optional dependencies: a clear ImportError that says how to install what is missing."""

from __future__ import annotations

import importlib
from types import ModuleType

# The top-level module of each optional dependency -> the extra of pyproject.toml that installs it
# (tests/utils/test_import_utils.py checks each against pyproject.toml and every `require` call against this).
EXTRAS = {"torch": "torch", "PIL": "vision", "pyarrow": "parquet", "zstandard": "zstd", "ray": "ray"}


def extra_for(module: str) -> str:
    """The extra that installs `module` ("pyarrow.parquet" -> "parquet")."""
    top = module.partition(".")[0]
    if top not in EXTRAS:  # a programming error, raised whether or not the module is installed
        raise ValueError(f"no extra installs {module!r}: add its package to pyproject.toml and EXTRAS")
    return EXTRAS[top]


def require(module: str, what: str) -> ModuleType:
    """Import `module` or raise an ImportError naming `what` needs it and the extra that installs it."""
    extra = extra_for(module)
    try:
        return importlib.import_module(module)
    except ImportError as e:
        raise ImportError(
            f"{what} requires {module}, which is not installed: pip install 'ferroformers[{extra}]'"
        ) from e


def require_torch(what: str) -> ModuleType:
    return require("torch", what)
