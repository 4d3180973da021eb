"""Optional dependencies: a clear ImportError that says how to install what is missing."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable
from types import ModuleType
from typing import Any

# The top-level module of each optional dependency -> the extra of pyproject.toml that installs it
# (tests/utils/test_import_utils.py checks each against pyproject.toml and every `require` call against this).
EXTRAS = {
    "torch": "torch",
    "PIL": "vision",
    "pyarrow": "parquet",
    "zstandard": "zstd",
    "ray": "ray",
    "jinja2": "chat",
}


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


def other_framework_error(name: str, provided: Iterable[str]) -> ImportError | None:
    """For a TensorFlow or Flax class name (`TFDistilBertModel`, `FlaxAutoModel`): an ImportError saying we have
    PyTorch models only, naming the PyTorch class to use; None for any other name."""
    for prefix, framework in (("TF", "TensorFlow"), ("Flax", "Flax")):
        rest = name[len(prefix) :]
        if not (name.startswith(prefix) and rest[:1].isupper()):
            continue
        provided = list(provided)
        # the PyTorch twin, else the base model of the family (TFDistilBertMainLayer -> DistilBertModel)
        twin = (
            rest
            if rest in provided
            else next(
                (p for p in provided if p.endswith("Model") and len(p) > 5 and rest.startswith(p[:-5])), None
            )
        )
        use = f"; use the PyTorch class {twin} (from ferroformers import {twin})" if twin else ""
        return ImportError(
            f"cannot import name {name!r}: ferroformers provides no {framework} models, only "
            f"PyTorch ones{use}"
        )
    return None


def lazy_getattr(package: str, table: dict[str, str]) -> Callable[[str], Any]:
    """A module `__getattr__` for a package whose public names ({name: submodule}) are imported on first use,
    as transformers' package `__init__` files do; TensorFlow/Flax names get `other_framework_error`."""

    def __getattr__(name: str) -> Any:
        module = table.get(name)
        if module is None:
            error = other_framework_error(name, table)
            if error is not None:
                raise error
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, package), name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__
