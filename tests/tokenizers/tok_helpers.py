"""Helpers of the tokenizer tests: the references (transformers' legacy slow BertTokenizer, Hugging Face
`tokenizers`, transformers' fast BertTokenizer), the committed multilingual lines, and cached builders."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from testing_utils import require_module

DATA = Path(__file__).parent / "data"
ASSETS: Path | None = None  # set by conftest from the session `assets` fixture


def multilingual_lines() -> list[str]:
    """Lines of data/multilingual.txt, split on "\\n" only: the file holds U+0085, U+2028 and U+2029 inside
    lines on purpose (str.splitlines would split there)."""
    text = (DATA / "multilingual.txt").read_bytes().decode("utf-8")
    return text.split("\n")[:-1]


def vocab(name: str = "bert-base-uncased") -> str:
    assert ASSETS is not None, "the assets fixture has not run"
    return str(ASSETS / name / "vocab.txt")


def folder(name: str = "bert-base-uncased") -> str:
    assert ASSETS is not None, "the assets fixture has not run"
    return str(ASSETS / name)


@functools.cache
def legacy(name: str = "bert-base-uncased", **options: Any) -> Any:
    """transformers' BertTokenizerLegacy (the 4.x slow BertTokenizer): the slow reference."""
    module = require_module("transformers.models.bert.tokenization_bert_legacy")
    return module.BertTokenizerLegacy(vocab(name), **options)


@functools.cache
def slow(name: str = "bert-base-uncased", **options: Any) -> Any:
    from ferroformers import BertTokenizer

    return BertTokenizer(vocab(name), **options)


@functools.cache
def fast(name: str = "bert-base-uncased", **options: Any) -> Any:
    from ferroformers import BertTokenizerFast

    return BertTokenizerFast(vocab(name), **options)


@functools.cache
def hf_fast(name: str = "bert-base-uncased", **options: Any) -> Any:
    """transformers' fast BertTokenizer over `tokenizers`: the fast reference, with the transformers API."""
    transformers = require_module("transformers")
    return transformers.BertTokenizer(vocab(name), **options)


@functools.cache
def hf_tokenizers(
    name: str = "bert-base-uncased",
    lowercase: bool = True,
    strip_accents: bool | None = None,
    handle_chinese_chars: bool = True,
) -> Any:
    """A plain `tokenizers` BertWordPieceTokenizer: the fast reference."""
    tokenizers = require_module("tokenizers")
    return tokenizers.BertWordPieceTokenizer(
        vocab(name),
        lowercase=lowercase,
        strip_accents=strip_accents,
        handle_chinese_chars=handle_chinese_chars,
        clean_text=True,
    )
