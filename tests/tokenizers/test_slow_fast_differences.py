"""Our slow and fast tokenizers follow two references (the original BERT code, and Hugging Face `tokenizers`) that
disagree on rare inputs. These tests check that every slow/fast difference falls in a class documented in
docs/tokenizers.md, with a classifier that names the classes present in a text and a check that removing those
causes removes the difference."""

from __future__ import annotations

import functools
import itertools
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from testing_utils import examples, require_module
from tok_helpers import fast, multilingual_lines, slow

DOCUMENTED = {"nfc", "cjk_extension_e", "final_sigma", "new_punctuation", "new_nonspacing_mark", "unassigned"}


@functools.cache
def splits_as_punctuation_in_tokenizers(char: str) -> bool:
    pre_tokenizers = require_module("tokenizers.pre_tokenizers")
    return len(pre_tokenizers.BertPreTokenizer().pre_tokenize_str(f"a{char}a")) > 1


@functools.cache
def stripped_as_accent_in_tokenizers(char: str) -> bool:
    normalizers = require_module("tokenizers.normalizers")
    return normalizers.BertNormalizer(lowercase=False, strip_accents=True).normalize_str(f"a{char}") == "a"


@functools.cache
def deleted_only_by_slow(char: str) -> bool:
    """A code point Python's tables call C* (so slow deletes it) that tokenizers' older tables do not know, so
    fast keeps it: unassigned in one or the other (U+0378; format characters such as U+0890, U+13430)."""
    if char in "\t\n\r" or not unicodedata.category(char).startswith("C"):
        return False
    normalizers = require_module("tokenizers.normalizers")
    return normalizers.BertNormalizer(lowercase=False, strip_accents=False).normalize_str(char) != ""


def _new_mark(char: str) -> bool:
    return unicodedata.category(char) == "Mn" and not stripped_as_accent_in_tokenizers(char)


def _cleaned(text: str) -> str:
    # what both references delete before anything else (NUL, U+FFFD, control/format/private-use characters)
    return "".join(c for c in text if c not in "\x00\ufffd" and (c in "\t\n\r"
                                                                  or not unicodedata.category(c).startswith("C")))


def difference_classes(text: str, lowercase: bool = True, strip_accents: bool | None = None) -> set[str]:
    """The documented causes of slow/fast differences present in `text`."""
    classes = set()
    if (strip_accents or (strip_accents is None and lowercase)) and any(_new_mark(c) for c in text):
        classes.add("new_nonspacing_mark")  # Mn in Python's UCD, unknown to tokenizers' tables: only slow strips
    if any(deleted_only_by_slow(c) for c in text):
        classes.add("unassigned")  # slow deletes them as control characters, fast keeps them
    cleaned = _cleaned(text)
    if unicodedata.normalize("NFC", cleaned) != cleaned:
        classes.add("nfc")  # slow composes (NFC) before splitting and matching; fast does not
    if any(0x2B820 <= ord(c) <= 0x2B91F for c in text):
        classes.add("cjk_extension_e")  # slow treats them as CJK ideographs (one word each); fast does not
    if lowercase and "\u03a3" in text:
        classes.add("final_sigma")  # Python lowercases a word-final Σ to ς, Rust always to σ
    if any(unicodedata.category(c).startswith("P") and not splits_as_punctuation_in_tokenizers(c) for c in text):
        classes.add("new_punctuation")  # punctuation in Python's UCD that tokenizers' tables do not know
    return classes


def without_documented_causes(text: str) -> str:
    """`text` with every documented cause neutralized the same way for both tokenizers."""
    out = []
    for c in text:
        cat = unicodedata.category(c)
        if deleted_only_by_slow(c) or 0x2B820 <= ord(c) <= 0x2B91F or _new_mark(c) or (
                cat.startswith("P") and not splits_as_punctuation_in_tokenizers(c)):
            out.append(" ")
        elif c == "\u03a3":
            out.append("\u03c3")
        else:
            out.append(c)
    return unicodedata.normalize("NFC", _cleaned("".join(out)))


def check(text: str, **options: bool) -> None:
    ours_slow, ours_fast = slow(**options), fast(**options)
    same = ours_slow.tokenize(text) == ours_fast.tokenize(text)
    if same:
        return
    classes = difference_classes(text, lowercase=options.get("do_lower_case", True),
                                 strip_accents=options.get("strip_accents"))
    assert classes, f"undocumented slow/fast difference on {text!r}"
    assert classes <= DOCUMENTED
    neutral = without_documented_causes(text)
    assert ours_slow.tokenize(neutral) == ours_fast.tokenize(neutral), (text, neutral, classes)


OPTIONS = [dict(do_lower_case=lower, strip_accents=strip, tokenize_chinese_chars=cjk)
           for lower, strip, cjk in itertools.product([True, False], [None, True, False], [True, False])]


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
