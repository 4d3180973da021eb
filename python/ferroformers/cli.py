"""The `ferroformers` command line (also `python -m ferroformers`).

    ferroformers tokenize INPUT... -o OUTDIR     tokenize a corpus with the fast tokenizer (streaming)
    ferroformers compare INPUT...                 run the slow and the fast tokenizer side by side
    ferroformers train-tokenizer INPUT... -o OUTDIR --vocab-size N   train a WordPiece vocabulary

Exit codes: 0 success, 1 `compare` found differences, 2 bad input (one line on stderr, no traceback).
"""

from __future__ import annotations

import argparse
import importlib
import sys

from .commands import CommandError

# one module per command in ferroformers/commands/ (see its __init__ for what a command module provides)
COMMANDS = ("tokenize", "compare", "train_tokenizer", "demo")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ferroformers", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name in COMMANDS:
        importlib.import_module(f"{__package__}.commands.{name}").add_parser(subparsers)
    return parser


def _version() -> str:
    from . import __version__

    return str(__version__)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        job = args.job(args)  # every argument checked, before any work
        return int(args.run(job))
    except CommandError as e:
        print(f"ferroformers {args.command}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"ferroformers {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `ferroformers tokenize ... -o - | head`
        sys.stderr.close()
        return 1


if __name__ == "__main__":
    sys.exit(main())
