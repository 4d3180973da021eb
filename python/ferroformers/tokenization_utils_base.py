"""What the slow (pure Python) and fast (Rust) tokenizers share: `PreTrainedTokenizerBase`, `BatchEncoding`,
`AddedToken` and the padding / truncation strategies.

Mirrors `transformers.tokenization_utils_base` (4.x names and signatures; outputs checked against the installed
transformers 5.24 in tests/tokenizers). The base owns everything that does not depend on how text becomes ids:
special tokens and their ids, the `__call__` front end (argument checking, strategy resolution), `pad`, `decode`,
and `from_pretrained` / `save_pretrained` of `tokenizer_config.json`, `special_tokens_map.json` and
`added_tokens.json`. Subclasses provide `_encode_plus`, `_decode`, the vocabulary and the conversions.
"""

from __future__ import annotations

import copy
import enum
import inspect
import json
import logging
import os
import warnings
from collections import UserDict
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, NamedTuple, TypeVar

import numpy as np

from .utils.hub import ResourceNotFoundError, bundled_folder, cached_file
from .utils.io import atomic_write_text, prepare_save_directory

logger = logging.getLogger(__name__)

VERY_LARGE_INTEGER = int(1e30)  # model_max_length of a tokenizer that was given none
LARGE_INTEGER = int(1e20)  # above this, model_max_length counts as "no limit"

SPECIAL_TOKENS_MAP_FILE = "special_tokens_map.json"
ADDED_TOKENS_FILE = "added_tokens.json"
TOKENIZER_CONFIG_FILE = "tokenizer_config.json"
FULL_TOKENIZER_FILE = "tokenizer.json"
_HUB_KWARGS = ("cache_dir", "revision", "local_files_only", "token", "subfolder", "force_download")

TextInput = str
PreTokenizedInput = list[str]
EncodedInput = list[int]

T = TypeVar("T", bound="PreTrainedTokenizerBase")


class ExplicitEnum(str, enum.Enum):
    """A str enum whose error for an unknown value lists the valid ones."""

    @classmethod
    def _missing_(cls, value: object) -> Any:
        raise ValueError(f"{value!r} is not a valid {cls.__name__}, please select one of {[m.value for m in cls]}")


class PaddingStrategy(ExplicitEnum):
    LONGEST = "longest"
    MAX_LENGTH = "max_length"
    DO_NOT_PAD = "do_not_pad"


class TruncationStrategy(ExplicitEnum):
    ONLY_FIRST = "only_first"
    ONLY_SECOND = "only_second"
    LONGEST_FIRST = "longest_first"
    DO_NOT_TRUNCATE = "do_not_truncate"


class TensorType(ExplicitEnum):
    PYTORCH = "pt"
    NUMPY = "np"


class CharSpan(NamedTuple):
    """Characters `start` (inclusive) to `end` (exclusive) of the original string."""

    start: int
    end: int


class TokenSpan(NamedTuple):
    """Tokens `start` (inclusive) to `end` (exclusive) of an encoding."""

    start: int
    end: int


class AddedToken:
    """A token added on top of the vocabulary, with how it is matched in text.

    Same fields and defaults as `tokenizers.AddedToken`: `normalized` defaults to `not special`; `single_word` only
    matches whole words; `lstrip` / `rstrip` swallow the whitespace on that side.
    """

    def __init__(self, content: str, single_word: bool = False, lstrip: bool = False, rstrip: bool = False,
                 special: bool = False, normalized: bool | None = None) -> None:
        if not isinstance(content, str):
            raise TypeError(f"AddedToken content must be a str, got {type(content).__name__}")
        self.content = content
        self.single_word = single_word
        self.lstrip = lstrip
        self.rstrip = rstrip
        self.special = special
        self.normalized = (not special) if normalized is None else normalized

    def __getstate__(self) -> dict[str, Any]:
        return {"content": self.content, "single_word": self.single_word, "lstrip": self.lstrip,
                "rstrip": self.rstrip, "normalized": self.normalized, "special": self.special}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(**{k: v for k, v in state.items() if k != "__type"})  # type: ignore[misc]

    def __str__(self) -> str:
        return self.content

    def __repr__(self) -> str:
        return (f"AddedToken({self.content!r}, rstrip={self.rstrip}, lstrip={self.lstrip}, "
                f"single_word={self.single_word}, normalized={self.normalized}, special={self.special})")

    def __eq__(self, other: object) -> bool:
        if isinstance(other, AddedToken):
            return self.__getstate__() == other.__getstate__()
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.content)


def added_token_from_json(value: Any, *, where: str) -> AddedToken:
    """An AddedToken from its saved form: a str, or a dict (with or without transformers' "__type" field)."""
    if isinstance(value, AddedToken):
        return value
    if isinstance(value, str):
        return AddedToken(value)
    if isinstance(value, dict) and isinstance(value.get("content"), str):
        known = {"content", "single_word", "lstrip", "rstrip", "special", "normalized"}
        return AddedToken(**{k: v for k, v in value.items() if k in known})
    raise ValueError(f"{where}: expected a token (a string or an object with 'content'), got {value!r}")


# ---- BatchEncoding -------------------------------------------------------------------------------------------

class Encoding:
    """Alignment of one encoded row (fast tokenizers only): its tokens, which word and which sequence each token
    came from, and each token's character span in its own input text. Mirrors `tokenizers.Encoding`'s query
    methods, so `BatchEncoding` answers `word_ids()`, `char_to_token()` and the rest from it."""

    __slots__ = ("ids", "offsets", "sequence_ids", "tokens", "word_ids")

    def __init__(self, ids: list[int], tokens: list[str], offsets: list[tuple[int, int]],
                 word_ids: list[int | None], sequence_ids: list[int | None]) -> None:
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
        found = [i for i, (w, s) in enumerate(zip(self.word_ids, self.sequence_ids, strict=False))
                 if w == word_index and s == sequence_index]
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


class BatchEncoding(UserDict):
    """The output of a tokenizer call: a dict of model inputs (`input_ids`, `attention_mask`, ...) that also
    allows attribute access, converts to numpy / torch and moves to a device. From a fast tokenizer it also maps
    between characters, words and tokens (`tokens()`, `word_ids()`, `char_to_token()`, ...)."""

    def __init__(self, data: dict[str, Any] | None = None, encoding: Sequence[Encoding] | None = None,
                 tensor_type: str | TensorType | None = None, prepend_batch_axis: bool = False,
                 n_sequences: int | None = None) -> None:
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
        raise KeyError(f"BatchEncoding keys are strings (or ints for a fast encoding's rows, or slices), got {item!r}")

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
            raise ValueError("this BatchEncoding comes from a slow (Python) tokenizer, which keeps no alignment; "
                             "use a fast tokenizer (use_fast=True) for tokens(), word_ids() and the char/word maps")
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

    def word_to_tokens(self, batch_or_word_index: int, word_index: int | None = None,
                       sequence_index: int = 0) -> TokenSpan | None:
        b, w = self._split(batch_or_word_index, word_index)
        span = self._row(b).word_to_tokens(w, sequence_index)
        return TokenSpan(*span) if span is not None else None

    def word_to_chars(self, batch_or_word_index: int, word_index: int | None = None,
                      sequence_index: int = 0) -> CharSpan | None:
        b, w = self._split(batch_or_word_index, word_index)
        span = self._row(b).word_to_chars(w, sequence_index)
        return CharSpan(*span) if span is not None else None

    def char_to_token(self, batch_or_char_index: int, char_index: int | None = None,
                      sequence_index: int = 0) -> int | None:
        b, c = self._split(batch_or_char_index, char_index)
        return self._row(b).char_to_token(c, sequence_index)

    def char_to_word(self, batch_or_char_index: int, char_index: int | None = None,
                     sequence_index: int = 0) -> int | None:
        b, c = self._split(batch_or_char_index, char_index)
        return self._row(b).char_to_word(c, sequence_index)

    # ---- tensors ------------------------------------------------------------------------------------------
    def convert_to_tensors(self, tensor_type: str | TensorType | None = None,
                           prepend_batch_axis: bool = False) -> BatchEncoding:
        if tensor_type is None:
            return self
        tensor_type = TensorType(tensor_type)
        for key, value in list(self.data.items()):
            if prepend_batch_axis:
                value = [value]
            self.data[key] = _as_tensor(key, value, tensor_type)
        return self

    def to(self, device: Any, *, non_blocking: bool = False) -> BatchEncoding:
        """Move every torch tensor to `device` (ids stay integer: a dtype is not a device)."""
        from .utils.import_utils import require_torch

        torch = require_torch("BatchEncoding.to")
        if not isinstance(device, (str, int, torch.device)):
            raise TypeError(f"BatchEncoding.to takes a device (str, int or torch.device), got {type(device).__name__}")
        self.data = {k: v.to(device=device, non_blocking=non_blocking) if isinstance(v, torch.Tensor) else v
                     for k, v in self.data.items()}
        return self


def _as_tensor(key: str, value: Any, tensor_type: TensorType) -> Any:
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


# ---- special tokens ------------------------------------------------------------------------------------------

class _SpecialToken:
    """`tokenizer.cls_token` (a str, or None) and its setter (a str or an AddedToken)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, tok: PreTrainedTokenizerBase | None, owner: type) -> Any:
        if tok is None:
            return self
        value = tok._special_tokens_map.get(self.name)
        return None if value is None else str(value)

    def __set__(self, tok: PreTrainedTokenizerBase, value: str | AddedToken | None) -> None:
        if value is not None and not isinstance(value, (str, AddedToken)):
            raise TypeError(f"{self.name} must be a str or an AddedToken, got {type(value).__name__}")
        tok._special_tokens_map[self.name] = value


class _SpecialTokenId:
    """`tokenizer.cls_token_id`: the id of the token (None when the token is unset)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, tok: PreTrainedTokenizerBase | None, owner: type) -> Any:
        if tok is None:
            return self
        value = tok._special_tokens_map.get(self.name)
        return None if value is None else tok.convert_tokens_to_ids(str(value))

    def __set__(self, tok: PreTrainedTokenizerBase, value: int | None) -> None:
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise TypeError(f"{self.name}_id must be an int or None, got {type(value).__name__}")
        tok._special_tokens_map[self.name] = None if value is None else tok.convert_ids_to_tokens(value)


class PreTrainedTokenizerBase:
    """Shared API of slow and fast tokenizers (see the module docstring).

    Class attributes: `vocab_files_names` (constructor argument -> file name), `model_input_names` (first one is
    the ids), `padding_side` / `truncation_side` defaults.
    """

    vocab_files_names: ClassVar[dict[str, str]] = {}
    model_input_names: list[str] = ["input_ids", "token_type_ids", "attention_mask"]  # noqa: RUF012
    padding_side: str = "right"
    truncation_side: str = "right"
    slow_tokenizer_class: ClassVar[type | None] = None

    SPECIAL_TOKENS_ATTRIBUTES: ClassVar[list[str]] = [
        "bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token",
    ]
    bos_token = _SpecialToken("bos_token")
    eos_token = _SpecialToken("eos_token")
    unk_token = _SpecialToken("unk_token")
    sep_token = _SpecialToken("sep_token")
    pad_token = _SpecialToken("pad_token")
    cls_token = _SpecialToken("cls_token")
    mask_token = _SpecialToken("mask_token")
    bos_token_id = _SpecialTokenId("bos_token")
    eos_token_id = _SpecialTokenId("eos_token")
    unk_token_id = _SpecialTokenId("unk_token")
    sep_token_id = _SpecialTokenId("sep_token")
    pad_token_id = _SpecialTokenId("pad_token")
    cls_token_id = _SpecialTokenId("cls_token")
    mask_token_id = _SpecialTokenId("mask_token")

    def __init__(
        self,
        *,
        model_max_length: int | None = None,
        padding_side: str | None = None,
        truncation_side: str | None = None,
        model_input_names: list[str] | None = None,
        clean_up_tokenization_spaces: bool = False,
        split_special_tokens: bool = False,
        bos_token: str | AddedToken | None = None,
        eos_token: str | AddedToken | None = None,
        unk_token: str | AddedToken | None = None,
        sep_token: str | AddedToken | None = None,
        pad_token: str | AddedToken | None = None,
        cls_token: str | AddedToken | None = None,
        mask_token: str | AddedToken | None = None,
        additional_special_tokens: Sequence[str | AddedToken] | None = None,
        extra_special_tokens: Sequence[str | AddedToken] | None = None,
        name_or_path: str | os.PathLike[str] = "",
        verbose: bool = False,
        init_settings: dict[str, Any] | None = None,
    ) -> None:
        # the subclass's own constructor settings, saved by save_pretrained (the base's are added there)
        self.init_kwargs = copy.deepcopy(init_settings or {})
        self.name_or_path = os.fspath(name_or_path)
        self.verbose = verbose
        self._special_tokens_map: dict[str, str | AddedToken | None] = {}
        for name, value in (("bos_token", bos_token), ("eos_token", eos_token), ("unk_token", unk_token),
                            ("sep_token", sep_token), ("pad_token", pad_token), ("cls_token", cls_token),
                            ("mask_token", mask_token)):
            setattr(self, name, value)
        extra = additional_special_tokens if additional_special_tokens is not None else extra_special_tokens
        self.additional_special_tokens = list(extra or [])

        if model_max_length is not None and (isinstance(model_max_length, bool) or not isinstance(model_max_length, int)
                                             or model_max_length < 0):
            raise ValueError(f"model_max_length must be a non-negative int, got {model_max_length!r}")
        self.model_max_length = model_max_length if model_max_length is not None else VERY_LARGE_INTEGER
        self.padding_side = _check_side("padding_side", padding_side or type(self).padding_side)
        self.truncation_side = _check_side("truncation_side", truncation_side or type(self).truncation_side)
        self.model_input_names = list(model_input_names or type(self).model_input_names)
        self.clean_up_tokenization_spaces = clean_up_tokenization_spaces
        self.split_special_tokens = split_special_tokens
        self._pad_token_type_id = 0
        self._warned: set[str] = set()

    # ---- special tokens -----------------------------------------------------------------------------------
    @property
    def additional_special_tokens(self) -> list[str]:
        return [str(t) for t in self._additional_special_tokens]

    @additional_special_tokens.setter
    def additional_special_tokens(self, value: Sequence[str | AddedToken] | None) -> None:
        value = list(value or [])
        for t in value:
            if not isinstance(t, (str, AddedToken)):
                raise TypeError(f"additional_special_tokens must hold str or AddedToken, got {type(t).__name__}")
        self._additional_special_tokens = value

    @property
    def additional_special_tokens_ids(self) -> list[int]:
        return self.convert_tokens_to_ids(self.additional_special_tokens)

    # transformers 5 renamed additional_special_tokens to extra_special_tokens; both work
    extra_special_tokens = additional_special_tokens
    extra_special_tokens_ids = additional_special_tokens_ids

    @property
    def pad_token_type_id(self) -> int:
        return self._pad_token_type_id

    @property
    def special_tokens_map(self) -> dict[str, Any]:
        """Named special tokens that are set, as strings (plus `additional_special_tokens` when any)."""
        out: dict[str, Any] = {name: str(v) for name in self.SPECIAL_TOKENS_ATTRIBUTES
                               if (v := self._special_tokens_map.get(name)) is not None}
        if self._additional_special_tokens:
            out["additional_special_tokens"] = self.additional_special_tokens
        return out

    @property
    def special_tokens_map_extended(self) -> dict[str, Any]:
        """Like `special_tokens_map` but keeping AddedToken objects where they were given."""
        out: dict[str, Any] = {name: v for name in self.SPECIAL_TOKENS_ATTRIBUTES
                               if (v := self._special_tokens_map.get(name)) is not None}
        if self._additional_special_tokens:
            out["additional_special_tokens"] = list(self._additional_special_tokens)
        return out

    @property
    def all_special_tokens_extended(self) -> list[str | AddedToken]:
        seen: set[str] = set()
        out: list[str | AddedToken] = []
        for name in self.SPECIAL_TOKENS_ATTRIBUTES:
            value = self._special_tokens_map.get(name)
            if value is not None and str(value) not in seen:
                seen.add(str(value))
                out.append(value)
        for value in self._additional_special_tokens:
            if str(value) not in seen:
                seen.add(str(value))
                out.append(value)
        return out

    @property
    def all_special_tokens(self) -> list[str]:
        """Every special token (named ones in attribute order, then the additional ones), each once."""
        return [str(t) for t in self.all_special_tokens_extended]

    @property
    def all_special_ids(self) -> list[int]:
        return self.convert_tokens_to_ids(self.all_special_tokens)

    def add_special_tokens(self, special_tokens_dict: Mapping[str, Any],
                           replace_additional_special_tokens: bool = True) -> int:
        """Set named special tokens (`{"pad_token": "[PAD]"}`) and/or `additional_special_tokens`, adding to the
        vocabulary those it does not have. Returns how many tokens were added to the vocabulary."""
        if not special_tokens_dict:
            return 0
        allowed = {*self.SPECIAL_TOKENS_ATTRIBUTES, "additional_special_tokens", "extra_special_tokens"}
        to_add: list[AddedToken] = []
        for key, value in special_tokens_dict.items():
            if key not in allowed:
                raise ValueError(f"{key!r} is not a special token attribute; expected one of {sorted(allowed)}")
            if key in ("additional_special_tokens", "extra_special_tokens"):
                if not isinstance(value, (list, tuple)) or not all(isinstance(t, (str, AddedToken)) for t in value):
                    raise ValueError(f"{key} must be a list of str or AddedToken, got {value!r}")
                tokens = [AddedToken(t, normalized=False, special=True) if isinstance(t, str) else t for t in value]
                if replace_additional_special_tokens:
                    self._additional_special_tokens = list(tokens)
                else:
                    known = set(self.additional_special_tokens)
                    self._additional_special_tokens += [t for t in tokens if str(t) not in known]
                to_add += tokens
            else:
                if not isinstance(value, (str, AddedToken)):
                    raise ValueError(f"{key} must be a str or an AddedToken, got {type(value).__name__}")
                token = AddedToken(value, normalized=False, special=True) if isinstance(value, str) else value
                setattr(self, key, token)
                to_add.append(token)
        return self.add_tokens(to_add, special_tokens=True)

    def add_tokens(self, new_tokens: str | AddedToken | Sequence[str | AddedToken],
                   special_tokens: bool = False) -> int:
        """Add tokens matched before WordPiece (special ones are never split and are skipped by
        `decode(skip_special_tokens=True)`). Tokens already in the vocabulary keep their id. Returns how many
        tokens were added to the vocabulary (resize the model's embeddings to `len(tokenizer)`)."""
        if not new_tokens:
            return 0
        if not isinstance(new_tokens, (list, tuple)):
            new_tokens = [new_tokens]
        for t in new_tokens:
            if not isinstance(t, (str, AddedToken)):
                raise TypeError(f"add_tokens takes str or AddedToken, got {type(t).__name__}")
        return self._add_tokens(list(new_tokens), special_tokens=special_tokens)

    def _add_tokens(self, new_tokens: list[str | AddedToken], special_tokens: bool = False) -> int:
        raise NotImplementedError

    # ---- vocabulary (subclasses) --------------------------------------------------------------------------
    @property
    def vocab_size(self) -> int:
        """Size of the base vocabulary, without added tokens."""
        raise NotImplementedError

    def __len__(self) -> int:
        raise NotImplementedError

    def get_vocab(self) -> dict[str, int]:
        raise NotImplementedError

    @property
    def added_tokens_decoder(self) -> dict[int, AddedToken]:
        raise NotImplementedError

    @property
    def added_tokens_encoder(self) -> dict[str, int]:
        return {t.content: i for i, t in sorted(self.added_tokens_decoder.items())}

    def get_added_vocab(self) -> dict[str, int]:
        return self.added_tokens_encoder

    @property
    def is_fast(self) -> bool:
        return False

    def convert_tokens_to_ids(self, tokens: str | Sequence[str]) -> Any:
        if tokens is None:
            return None
        if isinstance(tokens, str):
            return self._convert_token_to_id_with_added_voc(tokens)
        return [self._convert_token_to_id_with_added_voc(t) for t in tokens]

    def _convert_token_to_id_with_added_voc(self, token: str) -> int:
        raise NotImplementedError

    def convert_ids_to_tokens(self, ids: int | Sequence[int], skip_special_tokens: bool = False) -> Any:
        raise NotImplementedError

    def convert_tokens_to_string(self, tokens: list[str]) -> str:
        raise NotImplementedError

    def num_special_tokens_to_add(self, pair: bool = False) -> int:
        return len(self.build_inputs_with_special_tokens([], [] if pair else None))

    def build_inputs_with_special_tokens(self, token_ids_0: list[int],
                                         token_ids_1: list[int] | None = None) -> list[int]:
        """Without a model-specific layout, sequences are concatenated with no special tokens."""
        return token_ids_0 if token_ids_1 is None else token_ids_0 + token_ids_1

    def create_token_type_ids_from_sequences(self, token_ids_0: list[int],
                                             token_ids_1: list[int] | None = None) -> list[int]:
        """0 for the first sequence (with its special tokens), 1 for the second."""
        first = len(self.build_inputs_with_special_tokens(token_ids_0))
        if token_ids_1 is None:
            return [0] * first
        total = len(self.build_inputs_with_special_tokens(token_ids_0, token_ids_1))
        return [0] * first + [1] * (total - first)

    def get_special_tokens_mask(self, token_ids_0: list[int], token_ids_1: list[int] | None = None,
                                already_has_special_tokens: bool = False) -> list[int]:
        """1 where `build_inputs_with_special_tokens` put a special token, 0 on sequence tokens."""
        if already_has_special_tokens:
            if token_ids_1 is not None:
                raise ValueError("token_ids_1 must be None when the ids already hold special tokens")
            special = set(self.all_special_ids)
            return [1 if int(t) in special else 0 for t in token_ids_0]
        return [0] * (len(token_ids_0) + len(token_ids_1 or []))

    @property
    def max_len_single_sentence(self) -> int:
        return self.model_max_length - self.num_special_tokens_to_add(pair=False)

    @property
    def max_len_sentences_pair(self) -> int:
        return self.model_max_length - self.num_special_tokens_to_add(pair=True)

    def __repr__(self) -> str:
        added = "".join(f"\n\t{i}: {t!r}," for i, t in self.added_tokens_decoder.items())
        return (f"{type(self).__name__}(name_or_path='{self.name_or_path}', vocab_size={self.vocab_size}, "
                f"model_max_length={self.model_max_length}, is_fast={self.is_fast}, "
                f"padding_side='{self.padding_side}', truncation_side='{self.truncation_side}', "
                f"special_tokens={self.special_tokens_map}, clean_up_tokenization_spaces="
                f"{self.clean_up_tokenization_spaces}, added_tokens_decoder={{{added}{chr(10) if added else ''}}})")

    # ---- encoding front end -------------------------------------------------------------------------------
    def tokenize(self, text: str, pair: str | None = None, add_special_tokens: bool = False,
                 **kwargs: Any) -> list[str]:
        raise NotImplementedError

    def __call__(
        self,
        text: TextInput | PreTokenizedInput | list[TextInput] | list[PreTokenizedInput] | None = None,
        text_pair: TextInput | PreTokenizedInput | list[TextInput] | list[PreTokenizedInput] | None = None,
        text_target: Any = None,
        text_pair_target: Any = None,
        add_special_tokens: bool = True,
        padding: bool | str | PaddingStrategy = False,
        truncation: bool | str | TruncationStrategy | None = None,
        max_length: int | None = None,
        stride: int = 0,
        is_split_into_words: bool = False,
        pad_to_multiple_of: int | None = None,
        padding_side: str | None = None,
        return_tensors: str | TensorType | None = None,
        return_token_type_ids: bool | None = None,
        return_attention_mask: bool | None = None,
        return_overflowing_tokens: bool = False,
        return_special_tokens_mask: bool = False,
        return_offsets_mapping: bool = False,
        return_length: bool = False,
        verbose: bool = True,
        split_special_tokens: bool | None = None,
    ) -> BatchEncoding:
        """Tokenize one text, a batch, a pair or a batch of pairs (or pre-split words with
        `is_split_into_words=True`) and prepare them for the model: special tokens, truncation, padding."""
        if text is None and text_target is None:
            raise ValueError("pass text (or text_target) to tokenize")
        options = dict(
            add_special_tokens=add_special_tokens, stride=stride, is_split_into_words=is_split_into_words,
            pad_to_multiple_of=pad_to_multiple_of, padding_side=padding_side, return_tensors=return_tensors,
            return_token_type_ids=return_token_type_ids, return_attention_mask=return_attention_mask,
            return_overflowing_tokens=return_overflowing_tokens,
            return_special_tokens_mask=return_special_tokens_mask, return_offsets_mapping=return_offsets_mapping,
            return_length=return_length, verbose=verbose,
            split_special_tokens=self.split_special_tokens if split_special_tokens is None else split_special_tokens,
        )
        padding_strategy, truncation_strategy, max_length = self._get_padding_truncation_strategies(
            padding=padding, truncation=truncation, max_length=max_length, pad_to_multiple_of=pad_to_multiple_of,
            verbose=verbose)
        if padding_side is not None:
            _check_side("padding_side", padding_side)
        if stride and stride < 0:
            raise ValueError(f"stride must be >= 0, got {stride}")
        encodings = None
        if text is not None:
            _check_text("text", text, is_split_into_words)
            if text_pair is not None:
                _check_text("text_pair", text_pair, is_split_into_words)
            encodings = self._encode_plus(text, text_pair, padding_strategy=padding_strategy,
                                          truncation_strategy=truncation_strategy, max_length=max_length,
                                          **options)
        if text_target is None:
            assert encodings is not None
            return encodings
        _check_text("text_target", text_target, is_split_into_words)
        targets = self._encode_plus(text_target, text_pair_target, padding_strategy=padding_strategy,
                                    truncation_strategy=truncation_strategy, max_length=max_length, **options)
        if encodings is None:
            return targets
        encodings["labels"] = targets["input_ids"]
        return encodings

    def _encode_plus(self, text: Any, text_pair: Any = None, **kwargs: Any) -> BatchEncoding:
        raise NotImplementedError

    def encode(
        self,
        text: TextInput | PreTokenizedInput | EncodedInput,
        text_pair: TextInput | PreTokenizedInput | EncodedInput | None = None,
        add_special_tokens: bool = True,
        padding: bool | str | PaddingStrategy = False,
        truncation: bool | str | TruncationStrategy | None = None,
        max_length: int | None = None,
        stride: int = 0,
        padding_side: str | None = None,
        return_tensors: str | TensorType | None = None,
        **kwargs: Any,
    ) -> Any:
        """The ids of one text (or pair), as `tokenizer(text)["input_ids"]`."""
        encoded = self(text, text_pair, add_special_tokens=add_special_tokens, padding=padding,
                       truncation=truncation, max_length=max_length, stride=stride, padding_side=padding_side,
                       return_tensors=return_tensors, **kwargs)
        return encoded["input_ids"]

    def encode_plus(self, text: Any, text_pair: Any = None, **kwargs: Any) -> BatchEncoding:
        """4.x name for calling the tokenizer on one text or pair."""
        return self(text, text_pair, **kwargs)

    def batch_encode_plus(self, batch_text_or_text_pairs: Sequence[Any], **kwargs: Any) -> BatchEncoding:
        """4.x name for calling the tokenizer on a batch (of texts, or of (text, pair) tuples)."""
        if batch_text_or_text_pairs and all(isinstance(x, tuple) and len(x) == 2 for x in batch_text_or_text_pairs):
            first, second = zip(*batch_text_or_text_pairs, strict=False)
            return self(list(first), list(second), **kwargs)
        return self(list(batch_text_or_text_pairs), **kwargs)

    def _get_padding_truncation_strategies(
        self, padding: Any = False, truncation: Any = None, max_length: int | None = None,
        pad_to_multiple_of: int | None = None, verbose: bool = True,
    ) -> tuple[PaddingStrategy, TruncationStrategy, int | None]:
        """Resolve padding/truncation arguments the way transformers does (4.x and 5 agree):
        `max_length` alone turns truncation on; 'max_length' padding or truncation without `max_length` use
        `model_max_length`, or are switched off when the model has no limit."""
        if max_length is not None and (isinstance(max_length, bool) or not isinstance(max_length, int)
                                       or max_length < 0):
            raise ValueError(f"max_length must be a non-negative int or None, got {max_length!r}")
        if pad_to_multiple_of is not None and (isinstance(pad_to_multiple_of, bool)
                                               or not isinstance(pad_to_multiple_of, int) or pad_to_multiple_of < 1):
            raise ValueError(f"pad_to_multiple_of must be a positive int or None, got {pad_to_multiple_of!r}")
        if max_length is not None and padding is False and truncation is None:
            if verbose and "truncation-not-explicit" not in self._warned:
                self._warned.add("truncation-not-explicit")
                logger.warning(
                    "Truncation was not explicitly activated but `max_length` is provided a specific value, please"
                    " use `truncation=True` to explicitly truncate examples to max length. Defaulting to"
                    " 'longest_first' truncation strategy."
                )
            truncation = "longest_first"

        if padding is False or padding is None:
            padding_strategy = PaddingStrategy.DO_NOT_PAD
        elif padding is True:
            if verbose and max_length is not None and truncation in (None, False, "do_not_truncate"):
                warnings.warn("`max_length` is ignored when `padding`=`True` and there is no truncation strategy. "
                              "To pad to max length, use `padding='max_length'`.", stacklevel=3)
            padding_strategy = PaddingStrategy.LONGEST
        else:
            padding_strategy = PaddingStrategy(padding)

        if truncation is False or truncation is None:
            truncation_strategy = TruncationStrategy.DO_NOT_TRUNCATE
        elif truncation is True:
            truncation_strategy = TruncationStrategy.LONGEST_FIRST
        else:
            truncation_strategy = TruncationStrategy(truncation)

        if max_length is None:
            if padding_strategy == PaddingStrategy.MAX_LENGTH:
                if self.model_max_length > LARGE_INTEGER:
                    if verbose and "no-max-length-pad" not in self._warned:
                        self._warned.add("no-max-length-pad")
                        logger.warning("Asking to pad to max_length but no maximum length is provided and the model"
                                       " has no predefined maximum length. Default to no padding.")
                    padding_strategy = PaddingStrategy.DO_NOT_PAD
                else:
                    max_length = self.model_max_length
            if truncation_strategy != TruncationStrategy.DO_NOT_TRUNCATE:
                if self.model_max_length > LARGE_INTEGER:
                    if verbose and "no-max-length-trunc" not in self._warned:
                        self._warned.add("no-max-length-trunc")
                        logger.warning("Asking to truncate to max_length but no maximum length is provided and the"
                                       " model has no predefined maximum length. Default to no truncation.")
                    truncation_strategy = TruncationStrategy.DO_NOT_TRUNCATE
                else:
                    max_length = self.model_max_length

        if padding_strategy != PaddingStrategy.DO_NOT_PAD and (self.pad_token is None or self.pad_token_id < 0):
            raise ValueError(
                "Asking to pad but the tokenizer does not have a padding token. Set one with "
                "`tokenizer.pad_token = ...` or `tokenizer.add_special_tokens({'pad_token': '[PAD]'})`."
            )
        if (truncation_strategy != TruncationStrategy.DO_NOT_TRUNCATE
                and padding_strategy != PaddingStrategy.DO_NOT_PAD and pad_to_multiple_of is not None
                and max_length is not None and max_length % pad_to_multiple_of != 0):
            raise ValueError(
                "Truncation and padding are both activated but "
                f"truncation length ({max_length}) is not a multiple of pad_to_multiple_of ({pad_to_multiple_of})."
            )
        return padding_strategy, truncation_strategy, max_length

    def _eventual_warn_about_too_long_sequence(self, ids: Sequence[int], max_length: int | None,
                                               verbose: bool) -> None:
        self._warn_if_too_long(len(ids), max_length, verbose)

    def _warn_if_too_long(self, length: int, max_length: int | None, verbose: bool) -> None:
        """Warn once when a sequence (of `length` ids) will not fit the model and nothing truncated it."""
        if max_length is None and length > self.model_max_length and verbose:
            if "sequence-too-long" not in self._warned:
                self._warned.add("sequence-too-long")
                logger.warning(
                    "Token indices sequence length is longer than the specified maximum sequence length for this "
                    f"model ({length} > {self.model_max_length}). Running this sequence through the model will "
                    "result in indexing errors"
                )

    # ---- padding ------------------------------------------------------------------------------------------
    def pad(
        self,
        encoded_inputs: Any,
        padding: bool | str | PaddingStrategy = True,
        max_length: int | None = None,
        pad_to_multiple_of: int | None = None,
        padding_side: str | None = None,
        return_attention_mask: bool | None = None,
        return_tensors: str | TensorType | None = None,
        verbose: bool = True,
    ) -> BatchEncoding:
        """Pad one encoding or a batch (a dict of lists, or a list of dicts as a DataLoader collate gives) to
        the longest row, to `max_length`, and/or to a multiple of `pad_to_multiple_of`. numpy / torch inputs come
        back as the same kind unless `return_tensors` says otherwise."""
        if isinstance(encoded_inputs, (list, tuple)) and encoded_inputs and isinstance(encoded_inputs[0], Mapping):
            encoded_inputs = {key: [example[key] for example in encoded_inputs] for key in encoded_inputs[0]}
        if not isinstance(encoded_inputs, Mapping):
            raise TypeError(f"pad() takes a dict of model inputs or a list of them, got {type(encoded_inputs).__name__}")
        main = self.model_input_names[0]
        if main not in encoded_inputs:
            raise ValueError(f"pad() needs {main!r} in the inputs, got keys {list(encoded_inputs)}")
        encoded_inputs = dict(encoded_inputs)
        required = encoded_inputs[main]
        if required is None or len(required) == 0:
            if return_attention_mask:
                encoded_inputs["attention_mask"] = []
            return BatchEncoding(encoded_inputs, tensor_type=return_tensors)

        # numpy / torch inputs: pad as lists, give back the same kind
        first = required[0]
        if isinstance(first, (list, tuple)):
            first = next((row[0] for row in required if len(row)), first)
        if not isinstance(first, (int, list, tuple)):
            if isinstance(first, np.ndarray) or isinstance(first, np.integer):
                return_tensors = return_tensors or "np"
            elif hasattr(first, "detach"):
                return_tensors = return_tensors or "pt"
            else:
                raise TypeError(f"pad(): {main!r} holds {type(first).__name__}; expected ints, numpy or torch")
            encoded_inputs = to_py_obj(encoded_inputs)
            required = encoded_inputs[main]

        padding_strategy, _, max_length = self._get_padding_truncation_strategies(
            padding=padding, max_length=max_length, verbose=verbose)
        if padding_side is not None:
            _check_side("padding_side", padding_side)

        if required and not isinstance(required[0], (list, tuple)):
            out = self._pad(encoded_inputs, max_length=max_length, padding_strategy=padding_strategy,
                            pad_to_multiple_of=pad_to_multiple_of, padding_side=padding_side,
                            return_attention_mask=return_attention_mask)
            return BatchEncoding(out, tensor_type=return_tensors)

        batch_size = len(required)
        for key, value in encoded_inputs.items():
            if len(value) != batch_size:
                raise ValueError(f"pad(): {key!r} has {len(value)} rows but {main!r} has {batch_size}")
        if padding_strategy == PaddingStrategy.LONGEST:
            max_length = max(len(row) for row in required)
            padding_strategy = PaddingStrategy.MAX_LENGTH
        batch: dict[str, list[Any]] = {}
        for i in range(batch_size):
            row = self._pad({k: v[i] for k, v in encoded_inputs.items()}, max_length=max_length,
                            padding_strategy=padding_strategy, pad_to_multiple_of=pad_to_multiple_of,
                            padding_side=padding_side, return_attention_mask=return_attention_mask)
            for key, value in row.items():
                batch.setdefault(key, []).append(value)
        return BatchEncoding(batch, tensor_type=return_tensors)

    def _pad(self, encoded_inputs: dict[str, Any], max_length: int | None = None,
             padding_strategy: PaddingStrategy = PaddingStrategy.DO_NOT_PAD, pad_to_multiple_of: int | None = None,
             padding_side: str | None = None, return_attention_mask: bool | None = None) -> dict[str, Any]:
        """Pad one row (transformers' `_pad`): ids with pad_token_id, token types with pad_token_type_id,
        special-tokens mask with 1, attention mask with 0."""
        if return_attention_mask is None:
            return_attention_mask = "attention_mask" in self.model_input_names
        main = self.model_input_names[0]
        required = encoded_inputs[main]
        if padding_strategy == PaddingStrategy.LONGEST:
            max_length = len(required)
        if max_length is not None and pad_to_multiple_of is not None and max_length % pad_to_multiple_of != 0:
            max_length = (max_length // pad_to_multiple_of + 1) * pad_to_multiple_of
        if return_attention_mask and "attention_mask" not in encoded_inputs:
            encoded_inputs["attention_mask"] = [1] * len(required)
        if padding_strategy == PaddingStrategy.DO_NOT_PAD or max_length is None or len(required) >= max_length:
            return encoded_inputs
        n = max_length - len(required)
        fills = {main: self.pad_token_id, "attention_mask": 0, "token_type_ids": self.pad_token_type_id,
                 "special_tokens_mask": 1}
        left = (padding_side or self.padding_side) == "left"
        for key, fill in fills.items():
            if key in encoded_inputs and (key != "attention_mask" or return_attention_mask):
                value = list(encoded_inputs[key])
                encoded_inputs[key] = [fill] * n + value if left else value + [fill] * n
        return encoded_inputs

    # ---- decoding -----------------------------------------------------------------------------------------
    def decode(self, token_ids: Any, skip_special_tokens: bool = False,
               clean_up_tokenization_spaces: bool | None = None, **kwargs: Any) -> Any:
        """Ids back to text. A batch (list of lists, 2-D array) gives a list of strings."""
        token_ids = to_py_obj(token_ids)
        if isinstance(token_ids, list) and token_ids and isinstance(token_ids[0], list):
            return [self._decode(seq, skip_special_tokens=skip_special_tokens,
                                 clean_up_tokenization_spaces=clean_up_tokenization_spaces, **kwargs)
                    for seq in token_ids]
        return self._decode(token_ids, skip_special_tokens=skip_special_tokens,
                            clean_up_tokenization_spaces=clean_up_tokenization_spaces, **kwargs)

    def batch_decode(self, sequences: Any, skip_special_tokens: bool = False,
                     clean_up_tokenization_spaces: bool | None = None, **kwargs: Any) -> list[str]:
        sequences = to_py_obj(sequences)
        return [self._decode(seq, skip_special_tokens=skip_special_tokens,
                             clean_up_tokenization_spaces=clean_up_tokenization_spaces, **kwargs)
                for seq in sequences]

    def _decode(self, token_ids: Any, skip_special_tokens: bool = False,
                clean_up_tokenization_spaces: bool | None = None, **kwargs: Any) -> str:
        raise NotImplementedError

    @staticmethod
    def clean_up_tokenization(out_string: str) -> str:
        """Remove the spaces a word-level join puts before punctuation and English contractions."""
        return (out_string.replace(" .", ".").replace(" ?", "?").replace(" !", "!").replace(" ,", ",")
                .replace(" ' ", "'").replace(" n't", "n't").replace(" 'm", "'m").replace(" 's", "'s")
                .replace(" 've", "'ve").replace(" 're", "'re"))

    # ---- loading ------------------------------------------------------------------------------------------
    @classmethod
    def _resolve_files(cls, name: str, file_names: dict[str, str], hub: dict[str, Any]) -> dict[str, str | None]:
        """Local paths of the files `from_pretrained` reads (None where absent). Hub ids the wheel bundles fall
        back to the bundled folder when neither the hub nor its cache has the vocabulary."""
        # a slow tokenizer can take its vocabulary from a tokenizer.json when there is no vocab.txt
        vocabularies = {**file_names, "tokenizer_file": FULL_TOKENIZER_FILE}
        files = {**vocabularies, "added_tokens_file": ADDED_TOKENS_FILE,
                 "special_tokens_map_file": SPECIAL_TOKENS_MAP_FILE, "tokenizer_config_file": TOKENIZER_CONFIG_FILE}
        bundled = bundled_folder(name)
        if bundled is not None:
            # the wheel has these files: look in the hub cache only (never wait on the network for them)
            hub = {**hub, "local_files_only": True}
        try:
            resolved = {key: cached_file(name, filename, required=False, **hub) for key, filename in files.items()}
        except ResourceNotFoundError:
            if bundled is None:
                raise
            resolved = {}
        if not any(resolved.get(k) for k in vocabularies) and bundled is not None:
            resolved = {key: cached_file(bundled, filename, required=False) for key, filename in files.items()}
        return resolved

    @classmethod
    def from_pretrained(cls: type[T], pretrained_model_name_or_path: str | os.PathLike[str], *init_inputs: Any,
                        cache_dir: str | os.PathLike[str] | None = None, force_download: bool = False,
                        local_files_only: bool = False, token: str | bool | None = None,
                        revision: str | None = None, subfolder: str = "", **kwargs: Any) -> T:
        """Load from a folder (as `save_pretrained` writes it) or a hub id (through the hub cache; works
        offline). Reads tokenizer_config.json, special_tokens_map.json, added_tokens.json and the vocabulary
        files; keyword arguments override the saved settings."""
        if kwargs.pop("use_auth_token", None) is not None:
            raise TypeError("use_auth_token was removed; pass token=")
        if kwargs.pop("trust_remote_code", False):
            raise ValueError("trust_remote_code is not supported: ferroformers never runs code from a repository")
        name = os.fspath(pretrained_model_name_or_path)
        hub = {"cache_dir": cache_dir, "force_download": force_download, "local_files_only": local_files_only,
               "token": token, "revision": revision, "subfolder": subfolder}
        if os.path.isfile(name):
            if len(cls.vocab_files_names) != 1:
                raise ValueError(f"{name!r} is a file; pass the folder that holds the tokenizer files")
            resolved: dict[str, str | None] = {next(iter(cls.vocab_files_names)): name}
        else:
            resolved = cls._resolve_files(name, cls.vocab_files_names, hub)
            vocabularies = [*cls.vocab_files_names, "tokenizer_file"]
            if not any(resolved.get(k) for k in vocabularies) and not any(kwargs.get(k) for k in vocabularies):
                wanted = sorted({*cls.vocab_files_names.values(), FULL_TOKENIZER_FILE})
                raise ResourceNotFoundError(f"{name!r} has no tokenizer vocabulary: none of {wanted} was found")
        return cls._from_resolved(resolved, name, *init_inputs, **kwargs)

    @classmethod
    def _from_resolved(cls: type[T], resolved: dict[str, str | None], name: str, *init_inputs: Any,
                       **kwargs: Any) -> T:
        from .configuration_utils import load_json

        config_file = resolved.pop("tokenizer_config_file", None)
        config: dict[str, Any] = load_json(config_file) if config_file else {}
        for key in ("tokenizer_class", "auto_map", "name_or_path", "special_tokens_map_file", "init_inputs",
                    "transformers_version", "ferroformers_version", "backend", "files_loaded", "is_local", "local_files_only",
                    "processor_class"):
            config.pop(key, None)
        for key in cls.vocab_files_names:
            config.pop(key, None)  # a path in a downloaded config is never opened (CWE-22): only resolved files

        map_file = resolved.pop("special_tokens_map_file", None)
        if map_file:
            for key, value in load_json(map_file).items():
                if kwargs.get(key):
                    continue
                if key in ("additional_special_tokens", "extra_special_tokens"):
                    if not isinstance(value, list):
                        raise ValueError(f"{map_file}: {key} must be a list")
                    config[key] = [added_token_from_json(v, where=f"{map_file}: {key}") for v in value]
                else:
                    config[key] = added_token_from_json(value, where=f"{map_file}: {key}")
        for key in (*cls.SPECIAL_TOKENS_ATTRIBUTES, "additional_special_tokens", "extra_special_tokens"):
            value = config.get(key)
            where = f"{config_file}: {key}"
            if isinstance(value, dict):
                config[key] = added_token_from_json(value, where=where)
            elif isinstance(value, list):
                config[key] = [added_token_from_json(v, where=where) for v in value]
        if isinstance(config.get("extra_special_tokens"), list):
            config.setdefault("additional_special_tokens", config.pop("extra_special_tokens"))
        elif "extra_special_tokens" in config and not config["extra_special_tokens"]:
            config.pop("extra_special_tokens")

        added: dict[int, AddedToken] = {}
        for index, value in (config.pop("added_tokens_decoder", None) or {}).items():
            try:
                added[int(index)] = added_token_from_json(value, where=f"{config_file}: added_tokens_decoder")
            except ValueError as e:
                raise ValueError(f"{config_file}: added_tokens_decoder: bad id {index!r}: {e}") from None
        added_file = resolved.pop("added_tokens_file", None)
        if added_file:
            specials = {str(config[k]) for k in cls.SPECIAL_TOKENS_ATTRIBUTES if config.get(k)}
            for content, index in load_json(added_file).items():
                if isinstance(index, bool) or not isinstance(index, int):
                    raise ValueError(f"{added_file}: {content!r} must map to an integer id, got {index!r}")
                if index not in added:
                    special = content in specials
                    added[index] = AddedToken(content, normalized=not special, special=special)
        tokenizer_file = resolved.pop("tokenizer_file", None)
        if tokenizer_file and not added:
            # a folder saved by a fast tokenizer keeps its added tokens only in tokenizer.json
            entries = load_json(tokenizer_file).get("added_tokens") or []
            if not isinstance(entries, list):
                raise ValueError(f"{tokenizer_file}: added_tokens must be a list")
            for entry in entries:
                where = f"{tokenizer_file}: added_tokens"
                if not isinstance(entry, dict) or isinstance(entry.get("id"), bool) or not isinstance(
                        entry.get("id"), int):
                    raise ValueError(f"{where}: each entry needs an integer 'id', got {entry!r}")
                added[entry["id"]] = added_token_from_json(entry, where=where)
        if added:
            config["added_tokens_decoder"] = added

        config.update(kwargs)
        if "tokenizer_file" in cls._init_parameters():
            resolved["tokenizer_file"] = tokenizer_file
        elif tokenizer_file and not any(resolved.values()) and not any(kwargs.get(k) for k in resolved):
            config.update(cls._vocabulary_from_tokenizer_json(tokenizer_file))
        for key, path in resolved.items():
            if path is not None and kwargs.get(key) is None:
                config[key] = path
        config["name_or_path"] = name
        # keys this class does not take are kept (and saved again), not passed: transformers writes settings of
        # other tokenizer classes into the same file
        accepted = cls._init_parameters()
        unknown = {k: config.pop(k) for k in list(config) if k not in accepted}
        unknown_user = sorted(k for k in unknown if k in kwargs)
        if unknown_user:
            raise TypeError(f"{cls.__name__}.from_pretrained() got unexpected keyword arguments {unknown_user}")
        tokenizer = cls(*init_inputs, **config)
        tokenizer.init_kwargs.update({k: v for k, v in unknown.items() if _is_json(v)})
        return tokenizer

    @classmethod
    def _vocabulary_from_tokenizer_json(cls, path: str) -> dict[str, Any]:
        """Constructor arguments giving the vocabulary of a tokenizer.json, for a slow class whose own
        vocabulary file is missing from the folder."""
        raise ValueError(f"{cls.__name__} cannot read its vocabulary from {path}; its vocabulary files "
                         f"{sorted(cls.vocab_files_names.values())} are missing")

    @classmethod
    def _init_parameters(cls) -> set[str]:
        names: set[str] = set()
        for klass in cls.__mro__:
            init = klass.__dict__.get("__init__")
            if init is None:
                continue
            for p in inspect.signature(init).parameters.values():
                if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name not in ("self", "init_settings"):
                    names.add(p.name)
        return names

    # ---- saving -------------------------------------------------------------------------------------------
    def _tokenizer_config(self) -> dict[str, Any]:
        """The tokenizer_config.json that `transformers.AutoTokenizer` and ours load back identically."""
        config = {k: v for k, v in copy.deepcopy(self.init_kwargs).items() if k not in self.vocab_files_names}
        config.pop("added_tokens_decoder", None)
        config.update(
            model_max_length=self.model_max_length, padding_side=self.padding_side,
            truncation_side=self.truncation_side, model_input_names=self.model_input_names,
            clean_up_tokenization_spaces=self.clean_up_tokenization_spaces,
            split_special_tokens=self.split_special_tokens,
        )
        for name in self.SPECIAL_TOKENS_ATTRIBUTES:
            value = self._special_tokens_map.get(name)
            if value is not None:
                config[name] = str(value)
        # the 4.x key: transformers 5 reads it too, while 4.x expects a dict under "extra_special_tokens"
        config.pop("extra_special_tokens", None)
        if self.additional_special_tokens:
            config["additional_special_tokens"] = self.additional_special_tokens
        config["added_tokens_decoder"] = {str(i): t.__getstate__() for i, t in self.added_tokens_decoder.items()}
        config["tokenizer_class"] = self._saved_class_name()
        return _jsonable(config)

    def _saved_class_name(self) -> str:
        return type(self).__name__

    def save_pretrained(self, save_directory: str | os.PathLike[str], legacy_format: bool | None = None,
                        filename_prefix: str | None = None, push_to_hub: bool = False,
                        **kwargs: Any) -> tuple[str, ...]:
        """Write tokenizer_config.json, special_tokens_map.json, added_tokens.json (when tokens were added
        beyond the vocabulary) and the vocabulary files, each atomically. Returns the paths written."""
        save_directory = prepare_save_directory(save_directory, {"push_to_hub": push_to_hub, **kwargs})
        prefix = f"{filename_prefix}-" if filename_prefix else ""

        def dump(data: Any) -> str:
            return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"

        written = []
        path = os.path.join(save_directory, prefix + TOKENIZER_CONFIG_FILE)
        atomic_write_text(path, dump(self._tokenizer_config()))
        written.append(path)
        path = os.path.join(save_directory, prefix + SPECIAL_TOKENS_MAP_FILE)
        atomic_write_text(path, dump(_jsonable({k: v.__getstate__() if isinstance(v, AddedToken) else v
                                                for k, v in self.special_tokens_map_extended.items()})))
        written.append(path)
        beyond = {t.content: i for i, t in self.added_tokens_decoder.items() if i >= self.vocab_size}
        if beyond:
            path = os.path.join(save_directory, prefix + ADDED_TOKENS_FILE)
            atomic_write_text(path, dump(beyond))
            written.append(path)
        written += self._save_extra_files(save_directory, prefix, legacy_format)
        return tuple(written)

    def _save_extra_files(self, save_directory: str, prefix: str, legacy_format: bool | None) -> list[str]:
        return list(self.save_vocabulary(save_directory, filename_prefix=prefix.rstrip("-") or None))

    def save_vocabulary(self, save_directory: str, filename_prefix: str | None = None) -> tuple[str, ...]:
        raise NotImplementedError


def _check_side(name: str, value: str) -> str:
    if value not in ("right", "left"):
        raise ValueError(f"{name} must be 'right' or 'left', got {value!r}")
    return value


def _check_text(name: str, text: Any, is_split_into_words: bool) -> None:
    """TypeError naming the type when `text` is not a str, a list of str, or a list of lists of str."""
    if isinstance(text, str):
        return
    if not isinstance(text, (list, tuple)):
        raise TypeError(f"{name} must be a str, a list of str or a list of lists of str, got {type(text).__name__}")
    if set(map(type, text)) <= {str}:
        return  # the common batch of str, checked in C (the loop below costs ~0.6 s per million texts)
    for i, item in enumerate(text):
        if isinstance(item, str):
            continue
        if isinstance(item, (list, tuple)):
            for j, sub in enumerate(item):
                if isinstance(sub, str):
                    continue
                if isinstance(sub, (list, tuple)) and all(isinstance(s, str) for s in sub):
                    continue  # a batch of (words, words) pairs
                raise TypeError(f"{name}[{i}][{j}] must be a str, got {type(sub).__name__}")
            continue
        raise TypeError(f"{name}[{i}] must be a str (or a list of str), got {type(item).__name__}")


def _is_json(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def _jsonable(value: Any) -> Any:
    if isinstance(value, AddedToken):
        return value.__getstate__()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    return value
