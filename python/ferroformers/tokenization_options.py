"""What a tokenizer call asks for: the padding and truncation strategies, the tensor type, the input types, and
`EncodeOptions`, the one frozen object that `__call__` builds from its keywords and hands to `_encode_plus`.

transformers passes the same 17 keywords through `__call__`, `_call_one`, `encode_plus`, `_encode_plus` and
`_batch_encode_plus`; here the public signatures keep transformers' keywords, and everything below `__call__`
takes one `EncodeOptions` in which the strategies are resolved and every value has been checked.
Names mirror `transformers.tokenization_utils_base` and `transformers.utils.generic` (4.x).
"""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass, field
from typing import Any

VERY_LARGE_INTEGER = int(1e30)  # model_max_length of a tokenizer that was given none
LARGE_INTEGER = int(1e20)  # above this, model_max_length counts as "no limit"

TextInput = str
PreTokenizedInput = list[str]
EncodedInput = list[int]


class ExplicitEnum(str, enum.Enum):
    """A str enum whose error for an unknown value lists the valid ones."""

    @classmethod
    def _missing_(cls, value: object) -> Any:
        raise ValueError(
            f"{value!r} is not a valid {cls.__name__}, please select one of {[m.value for m in cls]}"
        )


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


@dataclass(frozen=True, slots=True)
class EncodeOptions:
    """How one call encodes its texts. Built once by `PreTrainedTokenizerBase.__call__` (or the slow
    `prepare_for_model`) from transformers' keywords: padding and truncation resolved to strategies and a
    `max_length`, the defaults that depend on the tokenizer filled in (`padding_side`, `return_token_type_ids`,
    `return_attention_mask`, `split_special_tokens`), `return_tensors` parsed."""

    add_special_tokens: bool = True
    padding_strategy: PaddingStrategy = PaddingStrategy.DO_NOT_PAD
    truncation_strategy: TruncationStrategy = TruncationStrategy.DO_NOT_TRUNCATE
    max_length: int | None = None
    stride: int = 0
    is_split_into_words: bool = False
    pad_to_multiple_of: int | None = None
    padding_side: str = "right"
    return_tensors: TensorType | None = None
    return_token_type_ids: bool = True
    return_attention_mask: bool = True
    return_overflowing_tokens: bool = False
    return_special_tokens_mask: bool = False
    return_offsets_mapping: bool = False
    return_length: bool = False
    verbose: bool = True
    split_special_tokens: bool = False

    # the strategies' names, None when not truncating / padding: the native encoder's arguments
    truncation: str | None = field(init=False, repr=False, compare=False)
    padding: str | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        check_side("padding_side", self.padding_side)
        if isinstance(self.stride, bool) or not isinstance(self.stride, int) or self.stride < 0:
            raise ValueError(f"stride must be an int >= 0, got {self.stride!r}")
        truncation, padding = self.truncation_strategy, self.padding_strategy
        object.__setattr__(
            self, "truncation", None if truncation == TruncationStrategy.DO_NOT_TRUNCATE else truncation.value
        )
        object.__setattr__(self, "padding", None if padding == PaddingStrategy.DO_NOT_PAD else padding.value)


def encode_options(*fields: Any) -> EncodeOptions:
    """`EncodeOptions(*fields)`, the fields in declaration order, shared between calls with the same values."""
    try:
        return _shared_encode_options(*fields)
    except TypeError:  # an unhashable value: building the options names the bad argument
        return EncodeOptions(*fields)


# EncodeOptions are frozen, so every call made with the same options can share one instance: building 17 frozen
# fields and checking them costs ~3 us, as much as a fifth of the Python work of a short fast-tokenizer call;
# a cache hit costs ~1 us (measured with time.process_time on this VM)
_shared_encode_options = functools.lru_cache(maxsize=1024, typed=True)(EncodeOptions)


def check_side(name: str, value: str) -> str:
    if value not in ("right", "left"):
        raise ValueError(f"{name} must be 'right' or 'left', got {value!r}")
    return value


def check_text(name: str, text: Any, is_split_into_words: bool) -> None:
    """TypeError naming the type when `text` is not a str, a list of str, or a list of lists of str."""
    if isinstance(text, str):
        return
    if not isinstance(text, (list, tuple)):
        raise TypeError(
            f"{name} must be a str, a list of str or a list of lists of str, got {type(text).__name__}"
        )
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
