"""What a tokenizer call returns: `BatchEncoding`, a dict of model inputs (`input_ids`, `attention_mask`, ...)
that converts to numpy / torch, and, from a fast tokenizer, the alignment of each row (`Encoding`) behind
`tokens()`, `word_ids()`, `char_to_token()` and the other character / word / token maps.

Mirrors `transformers.tokenization_utils_base.BatchEncoding` (4.x); the fast tokenizer's rows are native views
(`tokenization_utils_fast._NativeRows`) with the same query methods as `Encoding`.
"""

from __future__ import annotations

from collections import UserDict
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from .tokenization_options import TensorType


class CharSpan(NamedTuple):
    """Characters `start` (inclusive) to `end` (exclusive) of the original string."""

    start: int
    end: int


class TokenSpan(NamedTuple):
    """Tokens `start` (inclusive) to `end` (exclusive) of an encoding."""

    start: int
    end: int


class Encoding:
    """Alignment of one encoded row (fast tokenizers only): its tokens, which word and which sequence each token
    came from, and each token's character span in its own input text. Mirrors `tokenizers.Encoding`'s query
    methods, so `BatchEncoding` answers `word_ids()`, `char_to_token()` and the rest from it."""

    __slots__ = ("ids", "offsets", "sequence_ids", "tokens", "word_ids")

    def __init__(
        self,
        ids: list[int],
        tokens: list[str],
        offsets: list[tuple[int, int]],
        word_ids: list[int | None],
        sequence_ids: list[int | None],
    ) -> None:
        self.ids = ids
        self.tokens = tokens
        self.offsets = offsets
        self.word_ids = word_ids
        self.sequence_ids = sequence_ids

    @property
    def n_sequences(self) -> int:
        return 2 if any(s == 1 for s in self.sequence_ids) else 1

    def __len__(self) -> int:
        return len(self.ids)

    def token_to_sequence(self, token_index: int) -> int | None:
        return self.sequence_ids[token_index]

    def token_to_word(self, token_index: int) -> int | None:
        return self.word_ids[token_index]

    def token_to_chars(self, token_index: int) -> tuple[int, int] | None:
        if self.sequence_ids[token_index] is None:
            return None
        return self.offsets[token_index]

    def word_to_tokens(self, word_index: int, sequence_index: int = 0) -> tuple[int, int] | None:
        found = [
            i
            for i, (w, s) in enumerate(zip(self.word_ids, self.sequence_ids, strict=False))
            if w == word_index and s == sequence_index
        ]
        return (found[0], found[-1] + 1) if found else None

    def word_to_chars(self, word_index: int, sequence_index: int = 0) -> tuple[int, int] | None:
        span = self.word_to_tokens(word_index, sequence_index)
        if span is None:
            return None
        return self.offsets[span[0]][0], self.offsets[span[1] - 1][1]

    def char_to_token(self, char_index: int, sequence_index: int = 0) -> int | None:
        for i, ((start, end), s) in enumerate(zip(self.offsets, self.sequence_ids, strict=False)):
            if s == sequence_index and start <= char_index < end:
                return i
        return None

    def char_to_word(self, char_index: int, sequence_index: int = 0) -> int | None:
        token = self.char_to_token(char_index, sequence_index)
        return None if token is None else self.word_ids[token]


class BatchEncoding(UserDict[str, Any]):
    """The output of a tokenizer call: a dict of model inputs (`input_ids`, `attention_mask`, ...) that also
    allows attribute access, converts to numpy / torch and moves to a device. From a fast tokenizer it also maps
    between characters, words and tokens (`tokens()`, `word_ids()`, `char_to_token()`, ...)."""

    def __init__(
        self,
        data: dict[str, Any] | None = None,
        encoding: Sequence[Encoding] | None = None,
        tensor_type: str | TensorType | None = None,
        prepend_batch_axis: bool = False,
        n_sequences: int | None = None,
    ) -> None:
        super().__init__(data or {})
        self._encodings = encoding if encoding is None or isinstance(encoding, Sequence) else list(encoding)
        if n_sequences is None and self._encodings is not None and len(self._encodings):
            n_sequences = self._encodings[0].n_sequences
        self._n_sequences = n_sequences
        self.convert_to_tensors(tensor_type=tensor_type, prepend_batch_axis=prepend_batch_axis)

    @property
    def n_sequences(self) -> int | None:
        return self._n_sequences

    @property
    def is_fast(self) -> bool:
        return self._encodings is not None

    @property
    def encodings(self) -> list[Encoding] | None:
        return list(self._encodings) if self._encodings is not None else None

    def __getitem__(self, item: Any) -> Any:
        if isinstance(item, str):
            return self.data[item]
        if self._encodings is not None and isinstance(item, int):
            return self._encodings[item]
        if isinstance(item, slice):
            return {key: value[item] for key, value in self.data.items()}
        raise KeyError(
            f"BatchEncoding keys are strings (or ints for a fast encoding's rows, or slices), got {item!r}"
        )

    def __getattr__(self, item: str) -> Any:
        try:
            return self.data[item]
        except KeyError:
            raise AttributeError(f"BatchEncoding has no key {item!r}") from None

    def __getstate__(self) -> dict[str, Any]:
        return {"data": self.data, "encodings": self._encodings, "n_sequences": self._n_sequences}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.data = state["data"]
        self._encodings = state.get("encodings")
        self._n_sequences = state.get("n_sequences")

    # ---- alignment (fast only) ----------------------------------------------------------------------------
    def _row(self, batch_index: int) -> Encoding:
        if self._encodings is None:
            raise ValueError(
                "this BatchEncoding comes from a slow (Python) tokenizer, which keeps no alignment; "
                "use a fast tokenizer (use_fast=True) for tokens(), word_ids() and the char/word maps"
            )
        return self._encodings[batch_index]

    def _split(self, batch_or_index: int, index: int | None) -> tuple[int, int]:
        if index is None:  # single argument: row 0 of a single-row encoding
            if self._encodings is not None and len(self._encodings) > 1:
                raise ValueError("this batch has several rows: pass the batch index first")
            return 0, batch_or_index
        return batch_or_index, index

    def tokens(self, batch_index: int = 0) -> list[str]:
        return list(self._row(batch_index).tokens)

    def word_ids(self, batch_index: int = 0) -> list[int | None]:
        return list(self._row(batch_index).word_ids)

    def words(self, batch_index: int = 0) -> list[int | None]:
        return self.word_ids(batch_index)

    def sequence_ids(self, batch_index: int = 0) -> list[int | None]:
        return list(self._row(batch_index).sequence_ids)

    def token_to_sequence(self, batch_or_token_index: int, token_index: int | None = None) -> int | None:
        b, t = self._split(batch_or_token_index, token_index)
        row = self._row(b)
        return row.token_to_sequence(t if t >= 0 else len(row) + t)

    def token_to_word(self, batch_or_token_index: int, token_index: int | None = None) -> int | None:
        b, t = self._split(batch_or_token_index, token_index)
        row = self._row(b)
        return row.token_to_word(t if t >= 0 else len(row) + t)

    def token_to_chars(self, batch_or_token_index: int, token_index: int | None = None) -> CharSpan | None:
        b, t = self._split(batch_or_token_index, token_index)
        span = self._row(b).token_to_chars(t)
        return CharSpan(*span) if span is not None else None

    def word_to_tokens(
        self, batch_or_word_index: int, word_index: int | None = None, sequence_index: int = 0
    ) -> TokenSpan | None:
        b, w = self._split(batch_or_word_index, word_index)
        span = self._row(b).word_to_tokens(w, sequence_index)
        return TokenSpan(*span) if span is not None else None

    def word_to_chars(
        self, batch_or_word_index: int, word_index: int | None = None, sequence_index: int = 0
    ) -> CharSpan | None:
        b, w = self._split(batch_or_word_index, word_index)
        span = self._row(b).word_to_chars(w, sequence_index)
        return CharSpan(*span) if span is not None else None

    def char_to_token(
        self, batch_or_char_index: int, char_index: int | None = None, sequence_index: int = 0
    ) -> int | None:
        b, c = self._split(batch_or_char_index, char_index)
        return self._row(b).char_to_token(c, sequence_index)

    def char_to_word(
        self, batch_or_char_index: int, char_index: int | None = None, sequence_index: int = 0
    ) -> int | None:
        b, c = self._split(batch_or_char_index, char_index)
        return self._row(b).char_to_word(c, sequence_index)

    # ---- tensors ------------------------------------------------------------------------------------------
    def convert_to_tensors(
        self, tensor_type: str | TensorType | None = None, prepend_batch_axis: bool = False
    ) -> BatchEncoding:
        if tensor_type is None:
            return self
        tensor_type = TensorType(tensor_type)
        for key, value in list(self.data.items()):
            if prepend_batch_axis:
                value = [value]
            self.data[key] = as_tensor(key, value, tensor_type)
        return self

    def to(self, device: Any, *, non_blocking: bool = False) -> BatchEncoding:
        """Move every torch tensor to `device` (ids stay integer: a dtype is not a device)."""
        from .utils.import_utils import require_torch

        torch = require_torch("BatchEncoding.to")
        if not isinstance(device, (str, int, torch.device)):
            raise TypeError(
                f"BatchEncoding.to takes a device (str, int or torch.device), got {type(device).__name__}"
            )
        self.data = {
            k: v.to(device=device, non_blocking=non_blocking) if isinstance(v, torch.Tensor) else v
            for k, v in self.data.items()
        }
        return self


def as_tensor(key: str, value: Any, tensor_type: TensorType) -> Any:
    if tensor_type == TensorType.PYTORCH:
        from .utils.import_utils import require_torch

        torch = require_torch("return_tensors='pt'")
        if isinstance(value, torch.Tensor):
            return value
    elif isinstance(value, np.ndarray):
        return value
    if isinstance(value, np.ndarray):
        array = value
    else:
        rows = value if isinstance(value, (list, tuple)) else [value]
        lengths = {len(r) for r in rows if isinstance(r, (list, tuple, np.ndarray))}
        if len(lengths) > 1:
            raise ValueError(
                f"cannot make a tensor of {key!r}: its rows have different lengths {sorted(lengths)}; "
                "pass padding=True (and truncation=True) to get rows of one length"
            )
        array = np.asarray(value)
        if array.size == 0 or array.dtype == np.int32:
            array = array.astype(np.int64)
        if array.dtype == object:
            raise ValueError(f"cannot make a tensor of {key!r}: nested rows of different lengths")
    if tensor_type == TensorType.PYTORCH:
        return torch.from_numpy(np.ascontiguousarray(array))
    return array


def to_py_obj(obj: Any) -> Any:
    """numpy arrays / torch tensors / nested sequences of them → Python lists and ints."""
    if isinstance(obj, Mapping):
        return {k: to_py_obj(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_py_obj(o) for o in obj]
    if isinstance(obj, (np.ndarray, np.number)):
        return obj.tolist()
    if hasattr(obj, "detach") and hasattr(obj, "tolist"):  # torch.Tensor, without importing torch
        return obj.detach().cpu().tolist()
    return obj
