"""Atomic file writes: a save never leaves a half-written file at its final path."""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable
from typing import IO, Any


def atomic_write(path: str | os.PathLike[str], write: Callable[[IO[bytes]], object]) -> None:
    """Call `write(f)` on a temporary file beside `path`, fsync it, then rename it over `path`.

    If `write` raises, the temporary file is removed and whatever was at `path` before is untouched. The file
    gets the permissions `open(path, "w")` would leave: those of the file it replaces, else 0o666 less the umask
    (the temporary file is created 0o600).
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        mode = 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=directory)
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _umask() -> int:
    """The process umask, read from /proc where it is shown (setting it to read it back, the portable way,
    changes it for every thread for a moment)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    data = text.encode("utf-8")
    atomic_write(path, lambda f: f.write(data))


def prepare_save_directory(save_directory: str | os.PathLike[str], kwargs: dict[str, Any]) -> str:
    """The checks every `save_pretrained(save_directory, **kwargs)` shares: no push_to_hub, no unknown keyword,
    not a file; the folder is created. Returns the folder as a str."""
    if kwargs.pop("push_to_hub", False):
        raise NotImplementedError("push_to_hub is not supported; upload the folder with huggingface_hub")
    if kwargs:
        raise TypeError(f"save_pretrained() got unexpected keyword arguments {sorted(kwargs)}")
    folder = os.fspath(save_directory)
    if os.path.isfile(folder):
        raise FileExistsError(f"{folder!r} is a file, not a folder")
    os.makedirs(folder, exist_ok=True)
    return folder
