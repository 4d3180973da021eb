"""The tokenizer base, split by job over several modules, keeps transformers' import path; the options a call
is made with are one frozen, checked `EncodeOptions`."""

from __future__ import annotations

import dataclasses

import pytest
import tok_helpers
from testing_utils import require_module

from ferroformers.tokenization_options import EncodeOptions, PaddingStrategy, TensorType, TruncationStrategy

# what code written for transformers imports from transformers.tokenization_utils_base
TRANSFORMERS_NAMES = [
    "ADDED_TOKENS_FILE",
    "FULL_TOKENIZER_FILE",
    "LARGE_INTEGER",
    "SPECIAL_TOKENS_MAP_FILE",
    "TOKENIZER_CONFIG_FILE",
    "VERY_LARGE_INTEGER",
    "AddedToken",
    "BatchEncoding",
    "CharSpan",
    "EncodedInput",
    "ExplicitEnum",
    "PaddingStrategy",
    "PreTokenizedInput",
    "PreTrainedTokenizerBase",
    "TensorType",
    "TextInput",
    "TokenSpan",
    "TruncationStrategy",
    "to_py_obj",
]


def test_transformers_import_path_still_works() -> None:
    reference = require_module("transformers.tokenization_utils_base")
    import ferroformers.tokenization_utils_base as ours

    for name in TRANSFORMERS_NAMES:
        assert hasattr(reference, name), name  # the list is transformers' own
        assert hasattr(ours, name), name
    assert set(TRANSFORMERS_NAMES) <= set(ours.__all__)
    assert all(hasattr(ours, name) for name in ours.__all__)
    for name in ("BatchEncoding", "AddedToken", "PaddingStrategy", "TruncationStrategy", "TensorType"):
        import ferroformers

        assert getattr(ferroformers, name) is getattr(ours, name)


def test_encode_options_are_frozen_and_checked() -> None:
    options = EncodeOptions(padding_strategy=PaddingStrategy.LONGEST, max_length=8)
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.max_length = 9  # type: ignore[misc]
    assert options.padding == "longest" and options.truncation is None
    with pytest.raises(ValueError, match="padding_side must be 'right' or 'left', got 'middle'"):
        EncodeOptions(padding_side="middle")
    with pytest.raises(ValueError, match="stride must be an int >= 0, got -1"):
        EncodeOptions(stride=-1)


@pytest.mark.parametrize("kind", ["slow", "fast"])
def test_bad_call_options_name_the_argument(kind: str) -> None:
    tokenizer = getattr(tok_helpers, kind)()
    with pytest.raises(ValueError, match="padding_side must be 'right' or 'left', got 'middle'"):
        tokenizer("hello", padding_side="middle")
    with pytest.raises(ValueError, match="stride must be an int >= 0, got -2"):
        tokenizer("hello", stride=-2)
    with pytest.raises(ValueError, match="'tf' is not a valid TensorType"):
        tokenizer("hello", return_tensors="tf")
    if kind == "slow":  # prepare_for_model builds the same options (it once took any padding_side as "right")
        with pytest.raises(ValueError, match="padding_side must be 'right' or 'left', got 'middle'"):
            tokenizer.prepare_for_model([5, 6], padding_side="middle")


# __call__'s keywords and the EncodeOptions field each one sets (the tokenizer's defaults: no token-type ids
# request means the model's, a BERT tokenizer's padding side is "right")
CALL_DEFAULTS = dict(
    add_special_tokens=True,
    padding=False,
    truncation=None,
    max_length=None,
    stride=0,
    is_split_into_words=False,
    pad_to_multiple_of=None,
    padding_side=None,
    return_tensors=None,
    return_token_type_ids=None,
    return_attention_mask=None,
    return_overflowing_tokens=False,
    return_special_tokens_mask=False,
    return_offsets_mapping=False,
    return_length=False,
    verbose=True,
    split_special_tokens=None,
)
CHANGES = [  # (keyword, value, field, value)
    ("add_special_tokens", False, "add_special_tokens", False),
    ("padding", "max_length", "padding_strategy", PaddingStrategy.MAX_LENGTH),
    ("truncation", "only_second", "truncation_strategy", TruncationStrategy.ONLY_SECOND),
    ("stride", 3, "stride", 3),
    ("is_split_into_words", True, "is_split_into_words", True),
    ("pad_to_multiple_of", 4, "pad_to_multiple_of", 4),
    ("padding_side", "left", "padding_side", "left"),
    ("return_tensors", "pt", "return_tensors", TensorType.PYTORCH),
    ("return_token_type_ids", False, "return_token_type_ids", False),
    ("return_attention_mask", False, "return_attention_mask", False),
    ("return_overflowing_tokens", True, "return_overflowing_tokens", True),
    ("return_special_tokens_mask", True, "return_special_tokens_mask", True),
    ("return_offsets_mapping", True, "return_offsets_mapping", True),
    ("return_length", True, "return_length", True),
    ("verbose", False, "verbose", False),
    ("split_special_tokens", True, "split_special_tokens", True),
]


@pytest.mark.parametrize(("keyword", "value", "field", "expected"), CHANGES, ids=[c[0] for c in CHANGES])
def test_each_call_keyword_sets_its_own_field(
    keyword: str, value: object, field: str, expected: object
) -> None:
    tokenizer = tok_helpers.fast()
    assert tokenizer._encode_options(**CALL_DEFAULTS) == EncodeOptions()
    base = {**CALL_DEFAULTS, "truncation": True, "max_length": 12}
    expected_base = EncodeOptions(truncation_strategy=TruncationStrategy.LONGEST_FIRST, max_length=12)
    assert tokenizer._encode_options(**base) == expected_base
    changed = tokenizer._encode_options(**{**base, keyword: value})
    assert changed == dataclasses.replace(expected_base, **{field: expected})
