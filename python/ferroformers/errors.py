"""The exceptions ferroformers raises for input it cannot use, in one place to import them from.

Bad input is a `ValueError` subclass per area, so code that catches `ValueError` keeps working:

- `TokenizerError`: a vocabulary, tokenizer.json, text or argument the native (fast) tokenizer cannot use.
- `TrainerError`: a corpus or setting the WordPiece trainer cannot train with (`ferroformers.trainers`).
- `ImageProcessingError`: an image, size or argument the native image kernels cannot use.
- `AudioProcessingError`: a clip, length or argument the native audio kernels cannot use.

Resources are the builtin classes users already catch:

- `OutOfMemoryError` (a `MemoryError`): an output larger than this machine's memory, e.g. padding to a huge
  `max_length` or resizing to a huge `size`; the message names the argument and the bytes it asked for.
- `ResourceNotFoundError` (a `FileNotFoundError`): a file `from_pretrained` needs was found neither locally nor
  on the hub. A missing vocabulary file given by path is a plain `FileNotFoundError`.

The first five are defined by the native module (rust/py/errors.rs maps every Rust error to one of them).
"""

from __future__ import annotations

from ._native import (
    AudioProcessingError,
    ImageProcessingError,
    OutOfMemoryError,
    TokenizerError,
    TrainerError,
)
from .utils.hub import ResourceNotFoundError

__all__ = [
    "AudioProcessingError",
    "ImageProcessingError",
    "OutOfMemoryError",
    "ResourceNotFoundError",
    "TokenizerError",
    "TrainerError",
]
