"""Our slow and fast tokenizers follow two references (the original BERT code, and Hugging Face `tokenizers`) that
disagree on rare inputs. These tests check that every slow/fast difference falls in a class documented in
docs/tokenizers.md, with the classifier `ferroformers compare` uses (models/bert/slow_fast_differences.py: it
names the classes present in a text) and a check that removing those causes removes the difference; its probes
of the fast pipeline are checked against `tokenizers`' own components."""

from __future__ import annotations

import functools
import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from testing_utils import examples, require_module
from tok_helpers import fast, multilingual_lines, slow

from ferroformers.models.bert.slow_fast_differences import (
    DIFFERENCE_CLASSES,
    difference_classes,
    fast_tables,
    without_documented_causes,
)

DOCUMENTED = {"nfc", "cjk_extension_e", "final_sigma", "new_punctuation", "new_nonspacing_mark", "unassigned"}
assert set(DIFFERENCE_CLASSES) == DOCUMENTED  # the classes docs/tokenizers.md describes


@functools.cache
def splits_as_punctuation_in_tokenizers(char: str) -> bool:
    pre_tokenizers = require_module("tokenizers.pre_tokenizers")
    return len(pre_tokenizers.BertPreTokenizer().pre_tokenize_str(f"a{char}a")) > 1


@functools.cache
def stripped_as_accent_in_tokenizers(char: str) -> bool:
    normalizers = require_module("tokenizers.normalizers")
    return normalizers.BertNormalizer(lowercase=False, strip_accents=True).normalize_str(f"a{char}") == "a"


@functools.cache
def deleted_by_tokenizers(char: str) -> bool:
    normalizers = require_module("tokenizers.normalizers")
    return normalizers.BertNormalizer(lowercase=False, strip_accents=False).normalize_str(char) == ""


def rare_characters() -> list[str]:
    """Every non-ASCII character of the multilingual file, and the examples of each class."""
    chars = {c for line in multilingual_lines() for c in line if not c.isascii()}
    chars |= set("\u1100\u1161\U0002b820\u03a3\U00010ead\U0001e01b\u0378\u0890\U00013430\u00ad\u200b")
    return sorted(chars)


def test_native_probes_agree_with_tokenizers() -> None:
    """The classifier asks the native pipeline what the fast tokenizer does to a character; `tokenizers`'
    own normalizer and pre-tokenizer must say the same."""
    tables = fast_tables()
    tables.learn(rare_characters())
    for c in rare_characters():
        assert tables.deletes(c) == deleted_by_tokenizers(c), hex(ord(c))
        if not tables.deletes(c) and not c.isspace():
            assert tables.splits_as_punctuation(c) == splits_as_punctuation_in_tokenizers(c), hex(ord(c))
            assert tables.strips_as_accent(c) == stripped_as_accent_in_tokenizers(c), hex(ord(c))


def check(text: str, **options: bool) -> None:
    ours_slow, ours_fast = slow(**options), fast(**options)
    same = ours_slow.tokenize(text) == ours_fast.tokenize(text)
    if same:
        return
    classes = difference_classes(
        text, lowercase=options.get("do_lower_case", True), strip_accents=options.get("strip_accents")
    )
    assert classes, f"undocumented slow/fast difference on {text!r}"
    assert classes <= DOCUMENTED
    neutral = without_documented_causes(text)
    assert ours_slow.tokenize(neutral) == ours_fast.tokenize(neutral), (text, neutral, classes)


OPTIONS = [
    dict(do_lower_case=lower, strip_accents=strip, tokenize_chinese_chars=cjk)
    for lower, strip, cjk in itertools.product([True, False], [None, True, False], [True, False])
]


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: "-".join(f"{k}={v}" for k, v in o.items()))
def test_multilingual_file_differences_are_documented(options: dict) -> None:
    for line in multilingual_lines():
        check(line, **options)


def test_each_documented_class_really_differs() -> None:
    examples = {
        "nfc": ("\u1100\u1161", dict(do_lower_case=False)),  # Hangul jamo that NFC composes
        "cjk_extension_e": ("a\U0002b820b", {}),
        "final_sigma": ("ΟΔΟΣ", {}),
        "new_punctuation": ("a\U00010eadb", {}),
        "new_nonspacing_mark": ("a\U0001e01b", {}),
        "unassigned": ("a\u0378b", {}),
        "unassigned ": ("ab\u0890cd", {}),  # a format character (Unicode 14) tokenizers' tables lack
    }
    for name, (text, options) in examples.items():
        assert slow(**options).tokenize(text) != fast(**options).tokenize(text), name
        assert difference_classes(text, lowercase=options.get("do_lower_case", True)) == {name.strip()}, name
        check(text, **options)


@settings(max_examples=examples(400), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(st.characters(codec="utf-8"), max_size=40), options=st.sampled_from(OPTIONS))
def test_hypothesis_differences_are_documented(text: str, options: dict) -> None:
    check(text, **options)
