"""The command-line subcommands (`ferroformers tokenize`, `ferroformers compare`) and their input/output
machinery. `cli.py` parses arguments and maps `CommandError` to exit code 2."""


class CommandError(Exception):
    """Bad input the user can fix (a missing file, invalid UTF-8, a non-empty output folder): the CLI prints
    the message on one line and exits with code 2, without a traceback."""
