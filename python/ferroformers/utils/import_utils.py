"""Optional dependencies: a clear ImportError that says how to install what is missing."""

from __future__ import annotations

import importlib
from types import ModuleType

_EXTRAS = {"torch": "torch", "PIL": "vision", "pyarrow": "parquet", "zstandard": "zstd"}


def require(module: str, what: str) -> ModuleType:
    """Import `module` or raise an ImportError naming `what` needs it and the extra that installs it."""
    try:
        return importlib.import_module(module)
    except ImportError as e:
        extra = _EXTRAS.get(module, module)
        raise ImportError(
            f"{what} requires {module}, which is not installed: pip install 'ferroformers[{extra}]'"
        ) from e


def require_torch(what: str) -> ModuleType:
    return require("torch", what)
