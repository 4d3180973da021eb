"""The command-line subcommands, one module each, and the machinery they share.

A command module (`tokenize.py`, `compare.py`, `train_tokenizer.py`, `demo.py`; listed in `cli.COMMANDS`) has:

    add_parser(subparsers)   its arguments; sets the parser defaults `job` (builds the job) and `run`
    <Name>Job.from_args      a frozen dataclass of everything the command needs, built once from the parsed
                             arguments, every one checked (bad input: `CommandError`)
    run(job) -> int          the work; returns the exit code

Shared: `inputs.py` (reading a corpus: `Corpus` and its arguments, `TextChunk` / `ByteChunk`),
`outputs.py` (writing a result that appears only when complete, resumable), `progress.py`; the engines of
`tokenize`: `local_engine.py`, `ray_engine.py`. `cli.py` parses and maps `CommandError` to exit code 2.
"""

from __future__ import annotations

import argparse
from types import ModuleType


class CommandError(Exception):
    """Bad input the user can fix (a missing file, invalid UTF-8, a non-empty output folder): the CLI prints
    the message on one line and exits with code 2, without a traceback."""


def positive_int(value: str) -> int:
    """An argparse type: an int >= 1."""
    n = int(value)
    if n < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return n


def require(module: str, what: str) -> ModuleType:
    """`utils.import_utils.require` for the CLI: a missing optional dependency is a `CommandError` naming the
    extra that installs it."""
    from ..utils import import_utils

    try:
        return import_utils.require(module, what)
    except ImportError as e:
        raise CommandError(str(e)) from None
