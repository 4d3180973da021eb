"""The command-line subcommands (`ferroformers tokenize`, `ferroformers compare`) and their input/output
machinery. `cli.py` parses arguments and maps `CommandError` to exit code 2."""

from __future__ import annotations

from types import ModuleType


class CommandError(Exception):
    """Bad input the user can fix (a missing file, invalid UTF-8, a non-empty output folder): the CLI prints
    the message on one line and exits with code 2, without a traceback."""


def require(module: str, what: str) -> ModuleType:
    """`utils.import_utils.require` for the CLI: a missing optional dependency is a `CommandError` naming the
    extra that installs it."""
    from ..utils import import_utils

    try:
        return import_utils.require(module, what)
    except ImportError as e:
        raise CommandError(str(e)) from None
