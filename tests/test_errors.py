"""`ferroformers.errors`: one place for the exception classes, each raised by the area it names, each a subclass
of the builtin that callers already catch, and usable across processes (a DataLoader worker pickles them)."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import ferroformers
from ferroformers import _native, errors
from ferroformers.utils.hub import ResourceNotFoundError


def test_classes_are_one_set_exported_lazily() -> None:
    for name in (
        "TokenizerError",
        "TrainerError",
        "ImageProcessingError",
        "AudioProcessingError",
        "OutOfMemoryError",
    ):
        cls = getattr(errors, name)
        assert cls is getattr(_native, name) is getattr(ferroformers, name)
        assert name in ferroformers.__all__ and name in errors.__all__
    assert errors.ResourceNotFoundError is ResourceNotFoundError
    for cls in (
        errors.TokenizerError,
        errors.TrainerError,
        errors.ImageProcessingError,
        errors.AudioProcessingError,
    ):
        assert issubclass(cls, ValueError)
    assert issubclass(errors.OutOfMemoryError, MemoryError)
    assert not issubclass(errors.OutOfMemoryError, ValueError)


def test_each_area_raises_its_class() -> None:
    tok = _native.WordPieceTokenizer(["[UNK]", "[CLS]", "[SEP]", "a"])
    with pytest.raises(errors.TokenizerError, match="padding_side must be 'right' or 'left', not \"up\""):
        tok.encode_batch(["a"], padding="longest", padding_side="up")
    with pytest.raises(errors.TokenizerError, match='unknown field "idz"'):
        tok.encode_batch(["a"]).to_numpy("idz")
    image = np.zeros((4, 4, 3), np.uint8)
    with pytest.raises(errors.ImageProcessingError, match="resample must be a Pillow filter 0-5, got 9"):
        _native.preprocess_images([image], (2, 2), 9, [None], None, None, True)
    with pytest.raises(errors.ImageProcessingError, match=r"image 1 has 1 channels but image 0 has 3"):
        _native.preprocess_images([image, image[:, :, :1].copy()], (2, 2), 2, [None, None], None, None, True)
    with pytest.raises(errors.ImageProcessingError, match=r"image 0: the array is not contiguous"):
        _native.preprocess_images([image[:, ::2]], (2, 2), 2, [None], None, None, True)
    clips = [np.ones(4, np.float32), np.array([0, np.nan], np.float32)]
    with pytest.raises(
        errors.AudioProcessingError, match=r"clip 1 has a non-finite sample \(NaN\) at position 1"
    ):
        _native.pad_normalize_audio(clips, None, "right", 0.0, "clip", False)
    with pytest.raises(errors.AudioProcessingError, match="normalize must be 'off', 'padded_row' or 'clip'"):
        _native.pad_normalize_audio(clips, None, "right", 0.0, "sideways", False)


def test_a_missing_vocabulary_file_is_a_file_not_found_error(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match=r"vocabulary file .*nowhere\.txt: not found"):
        _native.WordPieceTokenizer.from_vocab_file(str(tmp_path / "nowhere.txt"))
    (tmp_path / "vocab.txt").write_text("a\nb\n")
    with pytest.raises(
        errors.TokenizerError, match=r"vocab\.txt: the unknown token \"\[UNK\]\" is not in the vocab"
    ):
        _native.WordPieceTokenizer.from_vocab_file(str(tmp_path / "vocab.txt"))


def test_errors_survive_pickling() -> None:
    for cls in (
        errors.TokenizerError,
        errors.TrainerError,
        errors.ImageProcessingError,
        errors.AudioProcessingError,
        errors.OutOfMemoryError,
    ):
        back = pickle.loads(pickle.dumps(cls("row 3: bad")))
        assert type(back) is cls and str(back) == "row 3: bad"
