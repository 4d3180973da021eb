"""Saved files get the permissions transformers' saves leave (theirs open the final path; ours write a 0o600
temporary file and rename it over the path)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

transformers = pytest.importorskip("transformers")

from ferroformers import DistilBertConfig  # noqa: E402
from ferroformers.utils.io import atomic_write_text  # noqa: E402


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_new_files_follow_the_umask_as_transformers_does(tmp_path: Path, umask: int) -> None:
    old = os.umask(umask)
    try:
        DistilBertConfig().save_pretrained(tmp_path / "ours")
        transformers.DistilBertConfig().save_pretrained(tmp_path / "theirs")
    finally:
        os.umask(old)
    assert (
        mode(tmp_path / "ours" / "config.json") == mode(tmp_path / "theirs" / "config.json") == 0o666 & ~umask
    )


def test_a_replaced_file_keeps_its_permissions(tmp_path: Path) -> None:
    for side, save in (
        ("ours", DistilBertConfig().save_pretrained),
        ("theirs", transformers.DistilBertConfig().save_pretrained),
    ):
        folder = tmp_path / side
        folder.mkdir()
        (folder / "config.json").write_text("{}")
        (folder / "config.json").chmod(0o640)
        save(folder)
        assert mode(folder / "config.json") == 0o640, side
    target = tmp_path / "plain.txt"
    target.write_text("old")
    target.chmod(0o604)
    atomic_write_text(target, "new")
    assert target.read_text() == "new" and mode(target) == 0o604
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary file left
