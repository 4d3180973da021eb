"""Why the slow and the fast BERT tokenizer differ on a text, and why a fast token's offsets cover text that does
not read as the token: the classifier behind `ferroformers compare` and tests/tokenizers.

The slow tokenizer follows the original BERT code (Python's Unicode tables), the fast one Hugging Face
`tokenizers` (its own, older tables); docs/tokenizers.md describes the classes of text where the two references
disagree, each named here:

    final_sigma          Python lowercases a word-final Σ to ς (slow), Rust always to σ (fast)
    nfc                  slow composes (NFC) before splitting and matching; fast does not
    cjk_extension_e      U+2B820-U+2B91F: CJK ideographs to slow (one word each), not to fast
    new_punctuation      punctuation in Python's tables (Unicode 13 and later) that tokenizers' tables lack
    new_nonspacing_mark  a nonspacing mark (Mn) to Python, unknown to tokenizers: only slow strips it
    unassigned           a code point slow deletes as a control character and fast keeps (unassigned in one
                         table or the other, or a format character newer than tokenizers' tables)

What the fast tokenizer does to a character is asked of the fast tokenizer itself (the native pipeline, whose
tables are tokenizers'), so the classes hold for the code that runs, not for a second copy of its tables.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from ..._native import WordPieceTokenizer

DIFFERENCE_CLASSES = (
    "final_sigma",
    "nfc",
    "cjk_extension_e",
    "new_punctuation",
    "new_nonspacing_mark",
    "unassigned",
)
CJK_EXTENSION_E_ONLY_SLOW = range(0x2B820, 0x2B920)  # slow's CJK ranges include it, tokenizers' do not


class _FastTables:
    """What the fast tokenizer's normalizer and pre-tokenizer do to one character, asked of the native
    pipeline with probe vocabularies and cached: "a<c>b" with [a, ##b] tells deleted (a ##b), kept inside the
    word ([UNK]), whitespace (a [UNK]) or punctuation (a [UNK] [UNK]); "a<c>" with strip_accents tells whether
    accent stripping removes it."""

    def __init__(self) -> None:
        specials = ["[UNK]", "[CLS]", "[SEP]"]
        self._split = WordPieceTokenizer(
            [*specials, "a", "##b"],
            clean_text=True,
            handle_chinese_chars=False,
            strip_accents=False,
            lowercase=False,
        )
        self._strip = WordPieceTokenizer(
            [*specials, "a"], clean_text=True, handle_chinese_chars=False, strip_accents=True, lowercase=False
        )
        self._kind: dict[str, str] = {}
        self._stripped: dict[str, bool] = {}

    def learn(self, chars: Iterable[str]) -> None:
        """Probe every character not seen yet, in one native batch per probe."""
        new = sorted({c for c in chars if c not in self._kind})
        if not new:
            return
        kinds = {2: "deleted", 1: "kept", 3: "punctuation"}
        split = self._split.encode_batch([f"a{c}b" for c in new], add_special_tokens=False, num_threads=1)
        strip = self._strip.encode_batch([f"a{c}" for c in new], add_special_tokens=False, num_threads=1)
        for i, c in enumerate(new):
            tokens = split.tokens(i)
            kind = kinds.get(len(tokens), "other")
            if len(tokens) == 2:
                kind = "deleted" if tokens == ["a", "##b"] else "whitespace"
            self._kind[c] = kind
            self._stripped[c] = strip.tokens(i) == ["a"]

    def kind(self, c: str) -> str:
        self.learn(c)
        return self._kind[c]

    def deletes(self, c: str) -> bool:
        return self.kind(c) == "deleted"

    def splits_as_punctuation(self, c: str) -> bool:
        return self.kind(c) == "punctuation"

    def strips_as_accent(self, c: str) -> bool:
        self.learn(c)
        return self._stripped[c] and self._kind[c] != "deleted"


_TABLES: list[_FastTables] = []


def fast_tables() -> _FastTables:
    if not _TABLES:
        _TABLES.append(_FastTables())
    return _TABLES[0]


def slow_deletes(c: str) -> bool:
    """The original BERT `_clean_text`: NUL, U+FFFD and every C* character but tab, newline and return."""
    return c in "\x00\ufffd" or (c not in "\t\n\r" and unicodedata.category(c).startswith("C"))


def _new_mark(c: str) -> bool:
    return unicodedata.category(c) == "Mn" and not fast_tables().strips_as_accent(c)


def _new_punctuation(c: str) -> bool:
    return unicodedata.category(c).startswith("P") and not fast_tables().splits_as_punctuation(c)


def _deleted_only_by_slow(c: str) -> bool:
    return slow_deletes(c) and not fast_tables().deletes(c)


def _cleaned(text: str) -> str:
    # what both references delete before anything else (NUL, U+FFFD, control/format/private-use characters)
    return "".join(c for c in text if not slow_deletes(c))


def difference_classes(text: str, lowercase: bool = True, strip_accents: bool | None = None) -> set[str]:
    """The classes of slow/fast difference (DIFFERENCE_CLASSES) present in `text`, for a tokenizer with these
    options (`do_lower_case`, `strip_accents`)."""
    rare = {c for c in text if not c.isascii()}
    fast_tables().learn(rare)
    classes = set()
    if (strip_accents or (strip_accents is None and lowercase)) and any(_new_mark(c) for c in rare):
        classes.add("new_nonspacing_mark")
    if any(_deleted_only_by_slow(c) for c in rare):
        classes.add("unassigned")
    cleaned = _cleaned(text)
    if unicodedata.normalize("NFC", cleaned) != cleaned:
        classes.add("nfc")
    if any(ord(c) in CJK_EXTENSION_E_ONLY_SLOW for c in rare):
        classes.add("cjk_extension_e")
    if lowercase and "\u03a3" in text:
        classes.add("final_sigma")
    if any(_new_punctuation(c) for c in rare):
        classes.add("new_punctuation")
    return classes


def without_documented_causes(text: str) -> str:
    """`text` with every cause in DIFFERENCE_CLASSES neutralized the same way for both tokenizers: the
    characters replaced by a space (Σ by σ), the rest cleaned and composed."""
    fast_tables().learn(c for c in text if not c.isascii())
    out = []
    for c in text:
        if not c.isascii() and (
            _deleted_only_by_slow(c)
            or ord(c) in CJK_EXTENSION_E_ONLY_SLOW
            or _new_mark(c)
            or _new_punctuation(c)
        ):
            out.append(" ")
        elif c == "\u03a3":
            out.append("\u03c3")
        else:
            out.append(c)
    return unicodedata.normalize("NFC", _cleaned("".join(out)))


# ---- a fast token against the text its offsets cover ----------------------------------------------------
SPAN_CLASSES = {
    "decomposed_character": "a piece of one character that accent stripping decomposes (NFD: Hangul syllables, "
    "Indic vowel signs); every piece's offsets cover the whole character",
    "added_token": "an added or special token found in the text (matched before normalization)",
}


def normalized_span(span: str, lowercase: bool, strip_accents: bool) -> str:
    """The text of a fast token's span after the fast normalizer: characters it deletes removed, lowercased
    character by character (Rust has no final-sigma rule), NFD with nonspacing marks removed."""
    if not span.isascii():
        tables = fast_tables()
        tables.learn(span)
        span = "".join(c for c in span if not tables.deletes(c))
    out = "".join(c.lower() for c in span) if lowercase else span
    if strip_accents and not out.isascii():
        out = "".join(c for c in unicodedata.normalize("NFD", out) if unicodedata.category(c) != "Mn")
    return out


def span_class(
    span: str, token: str, added: set[str], prefix: str, lowercase: bool, strip_accents: bool
) -> str | None:
    """None when the token reads as its span's normalized text; else why not: a key of SPAN_CLASSES, or
    "unexplained"."""
    if token in added:
        return None if span == token else "added_token"
    piece = token.removeprefix(prefix)
    text = normalized_span(span, lowercase, strip_accents)
    if text == piece:
        return None
    if piece and piece in text and any(len(unicodedata.normalize("NFD", c)) > 1 for c in span):
        return "decomposed_character"
    return "unexplained"
