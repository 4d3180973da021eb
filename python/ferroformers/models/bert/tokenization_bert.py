"""`BertTokenizer`: the original BERT WordPiece tokenizer, in pure Python. This file is the specification the fast
Rust tokenizer (rust/text) is checked against, stage by stage.

Mirrors `transformers.models.bert.tokenization_bert_legacy.BertTokenizerLegacy` (transformers 5.24, the 4.x
`BertTokenizer`), itself google-research/bert `tokenization.py`; ids are identical on every input
(tests/tokenizers). The pipeline, for each piece of text between added tokens:

  _clean_text            drop NUL, U+FFFD and control characters; whitespace becomes " "
  _tokenize_chinese_chars  put spaces around CJK ideographs (each becomes a word)
  NFC, split on whitespace
  per word: lowercase, strip accents (NFD, drop Mn), split off each punctuation character
  WordpieceTokenizer     greedy longest-match-first against the vocabulary, "##" on non-initial pieces,
                         words over 100 characters (or with no match) become [UNK]

Only speed differs from the reference: an ASCII fast path and a per-word cache (a word's pieces depend only on
the word and the settings).
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from ...tokenization_utils import PreTrainedTokenizer, _is_control, _is_punctuation, _is_whitespace
from ...tokenization_utils_base import AddedToken
from ...utils.io import atomic_write_text

VOCAB_FILES_NAMES = {"vocab_file": "vocab.txt"}
_CACHE_LIMIT = 1 << 17  # words cached per tokenizer before the cache is dropped and refilled


def load_vocab(vocab_file: str | os.PathLike[str]) -> dict[str, int]:
    """One token per line, id = line number (0-based). A later duplicate line overrides an earlier one, as in
    the reference. Errors name the file (and, for bad bytes, the line)."""
    path = os.fspath(vocab_file)
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f"vocabulary file {path!r} does not exist"
            + (" (it is a folder: use from_pretrained)" if os.path.isdir(path) else "")
        )
    with open(path, "rb") as f:
        data = f.read()
    try:
        # universal newlines, like the reference's text-mode readlines(): \r\n and \r end a line too
        text = data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise ValueError(f"{path}: line {line}: not UTF-8 ({e.reason} at byte {e.start})") from None
    if not text:
        raise ValueError(f"{path}: the vocabulary file is empty")
    lines = text.split("\n")
    if lines[-1] == "":  # a final newline does not start another token
        lines.pop()
    return {token: index for index, token in enumerate(lines)}


def whitespace_tokenize(text: str) -> list[str]:
    """Split on runs of whitespace (str.split: Unicode spaces, line and paragraph separators)."""
    return text.split()


class _CharMap(dict):  # type: ignore[type-arg]
    """`str.translate` table for `_clean_text` (+ optionally `_tokenize_chinese_chars`), filled on first sight of
    each character: one C-level pass over the text instead of a Python loop."""

    def __init__(self, chinese: bool) -> None:
        super().__init__()
        self.chinese = chinese

    def __missing__(self, cp: int) -> str | None:
        char = chr(cp)
        if cp == 0 or cp == 0xFFFD or _is_control(char):
            out: str | None = None
        elif _is_whitespace(char):
            out = " "
        elif self.chinese and _is_chinese_char(cp):
            out = f" {char} "
        else:
            out = char
        self[cp] = out
        return out


def _is_chinese_char(cp: int) -> bool:
    """CJK Unified Ideographs blocks as BERT defines them (not Hangul, Hiragana or Katakana).
    Rust twin: rust/text/unicode.rs `is_chinese` (tokenizers' ranges leave U+2B820-U+2B91F out)."""
    return (
        0x4E00 <= cp <= 0x9FFF
        or 0x3400 <= cp <= 0x4DBF
        or 0x20000 <= cp <= 0x2A6DF
        or 0x2A700 <= cp <= 0x2B73F
        or 0x2B740 <= cp <= 0x2B81F
        or 0x2B820 <= cp <= 0x2CEAF
        or 0xF900 <= cp <= 0xFAFF
        or 0x2F800 <= cp <= 0x2FA1F
    )


_ASCII_WORD = re.compile(
    r"[0-9A-Za-z]+|[^0-9A-Za-z]"
)  # an ASCII word: alphanumeric runs, each other char alone


class BasicTokenizer:
    """Cleaning, CJK splitting, lowercasing, accent stripping and punctuation splitting (everything before
    WordPiece). Rust twins: rust/text/normalizer.rs (BertNormalizer) and rust/text/tokenizer/paths.rs `pre_tokenize`
    (BertPreTokenizer)."""

    def __init__(
        self,
        do_lower_case: bool = True,
        never_split: Iterable[str] | None = None,
        tokenize_chinese_chars: bool = True,
        strip_accents: bool | None = None,
        do_split_on_punc: bool = True,
    ) -> None:
        self.do_lower_case = do_lower_case
        self.never_split = set(never_split or [])
        self.tokenize_chinese_chars = tokenize_chinese_chars
        self.strip_accents = strip_accents
        self.do_split_on_punc = do_split_on_punc
        self._char_maps = {True: _CharMap(chinese=True), False: _CharMap(chinese=False)}

    def tokenize(self, text: str, never_split: Iterable[str] | None = None) -> list[str]:
        """Text → basic tokens. Tokens in `never_split` (and the constructor's) are kept whole."""
        never = self.never_split.union(never_split) if never_split else self.never_split
        text = self._clean_text(text)  # includes _tokenize_chinese_chars when enabled
        if not text.isascii():
            # one code point per composed character; no Rust twin: tokenizers does not compose (docs/tokenizers.md)
            text = unicodedata.normalize("NFC", text)
        out: list[str] = []
        for token in whitespace_tokenize(text):
            out += self._split_word(token, never)
        return out

    def _split_word(self, token: str, never_split: set[str]) -> list[str]:
        """One whitespace-separated word → its basic tokens."""
        if token not in never_split:
            if self.do_lower_case:
                token = token.lower()  # Rust twin: rust/text/normalizer.rs `lowercase`
                if self.strip_accents is not False:
                    token = self._run_strip_accents(token)
            elif self.strip_accents:
                token = self._run_strip_accents(token)
        pieces = self._run_split_on_punc(token, never_split)
        if len(pieces) == 1 and pieces[0] == token and token.isascii():
            return pieces  # nothing below can change an ASCII word without spaces
        # the reference re-splits " ".join(pieces) on whitespace: drops empty pieces (a word of only accents)
        return [p for piece in pieces for p in piece.split()]

    def _clean_text(self, text: str) -> str:
        """Drop NUL, U+FFFD and control characters; every whitespace character becomes a space (and, with
        tokenize_chinese_chars, each CJK ideograph gets a space on each side).
        Rust twin: rust/text/normalizer.rs `Normalizer::normalize` (its clean_text and handle_chinese_chars)."""
        return text.translate(self._char_maps[bool(self.tokenize_chinese_chars)])

    def _tokenize_chinese_chars(self, text: str) -> str:
        """Adds whitespace around any CJK character (kept for parity checks; `_clean_text` does it in-line)."""
        return "".join(f" {c} " if _is_chinese_char(ord(c)) else c for c in text)

    def _run_strip_accents(self, text: str) -> str:
        """NFD, then drop nonspacing marks (Mn). Rust twin: rust/text/normalizer.rs `strip_accents`."""
        if text.isascii():
            return text
        return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")

    def _run_split_on_punc(self, text: str, never_split: set[str] | None = None) -> list[str]:
        """Each punctuation character becomes its own token. Rust twin: rust/text/tokenizer/paths.rs `pre_tokenize`."""
        if not self.do_split_on_punc or (never_split is not None and text in never_split):
            return [text]
        if text.isascii():
            return [text] if text.isalnum() else _ASCII_WORD.findall(text)
        out: list[str] = []
        start_new = True
        for char in text:
            if _is_punctuation(char):
                out.append(char)
                start_new = True
            elif start_new:
                out.append(char)
                start_new = False
            else:
                out[-1] += char
        return out


class WordpieceTokenizer:
    """Greedy longest-match-first WordPiece: "unaffable" → ["un", "##aff", "##able"].
    Rust twin: rust/text/wordpiece.rs (linear-time, same output)."""

    def __init__(self, vocab: dict[str, int], unk_token: str, max_input_chars_per_word: int = 100) -> None:
        self.vocab = vocab
        self.unk_token = unk_token
        self.max_input_chars_per_word = max_input_chars_per_word
        # no match can be longer than the longest vocabulary entry: bounds the inner search
        self._longest = max((len(t) for t in vocab), default=0)

    def tokenize(self, text: str) -> list[str]:
        out: list[str] = []
        for token in whitespace_tokenize(text):
            out += self.tokenize_word(token)
        return out

    def tokenize_word(self, word: str) -> list[str]:
        if len(word) > self.max_input_chars_per_word:
            return [self.unk_token]
        vocab = self.vocab
        if word in vocab:
            return [word]
        pieces = []
        start = 0
        n = len(word)
        while start < n:
            end = min(n, start + self._longest)
            piece = None
            while start < end:
                candidate = word[start:end] if start == 0 else "##" + word[start:end]
                if candidate in vocab:
                    piece = candidate
                    break
                end -= 1
            if piece is None:
                return [self.unk_token]
            pieces.append(piece)
            start = end
        return pieces


class BertTemplateMixin:
    """BERT's template `[CLS] A [SEP]` / `[CLS] A [SEP] B [SEP]`, shared by the slow and the fast tokenizer."""

    cls_token_id: int
    sep_token_id: int

    def build_inputs_with_special_tokens(
        self, token_ids_0: list[int], token_ids_1: list[int] | None = None
    ) -> list[int]:
        """[CLS] A [SEP] or [CLS] A [SEP] B [SEP]."""
        if token_ids_1 is None:
            return [self.cls_token_id, *token_ids_0, self.sep_token_id]
        return [self.cls_token_id, *token_ids_0, self.sep_token_id, *token_ids_1, self.sep_token_id]

    def get_special_tokens_mask(
        self,
        token_ids_0: list[int],
        token_ids_1: list[int] | None = None,
        already_has_special_tokens: bool = False,
    ) -> list[int]:
        if already_has_special_tokens:  # the tokenizer base's: 1 on every special id
            mask: list[int] = super().get_special_tokens_mask(  # type: ignore[misc]
                token_ids_0, token_ids_1, already_has_special_tokens=True
            )
            return mask
        if token_ids_1 is None:
            return [1] + [0] * len(token_ids_0) + [1]
        return [1] + [0] * len(token_ids_0) + [1] + [0] * len(token_ids_1) + [1]

    def create_token_type_ids_from_sequences(
        self, token_ids_0: list[int], token_ids_1: list[int] | None = None
    ) -> list[int]:
        """0 for [CLS] A [SEP], 1 for B [SEP]."""
        if token_ids_1 is None:
            return [0] * (len(token_ids_0) + 2)
        return [0] * (len(token_ids_0) + 2) + [1] * (len(token_ids_1) + 1)


class BertTokenizer(BertTemplateMixin, PreTrainedTokenizer):
    """BERT's WordPiece tokenizer, in Python (see the module docstring).

    Args:
        vocab_file: the vocabulary, one token per line.
        do_lower_case: lowercase the text (and strip accents unless strip_accents=False).
        do_basic_tokenize: clean, lowercase and split on whitespace / punctuation before WordPiece.
        never_split: words the basic tokenizer keeps whole.
        tokenize_chinese_chars: make each CJK ideograph a word (turn off for Japanese).
        strip_accents: strip accents; None follows do_lower_case.
        clean_up_tokenization_spaces: decode() removes spaces before punctuation and contractions.
        Other keyword arguments (model_max_length, padding_side, truncation_side, ...) go to
        `PreTrainedTokenizerBase`.
    """

    vocab_files_names = VOCAB_FILES_NAMES

    def __init__(
        self,
        vocab_file: str | os.PathLike[str] | None = None,
        do_lower_case: bool = True,
        do_basic_tokenize: bool = True,
        never_split: Iterable[str] | None = None,
        unk_token: str | AddedToken = "[UNK]",
        sep_token: str | AddedToken = "[SEP]",
        pad_token: str | AddedToken = "[PAD]",
        cls_token: str | AddedToken = "[CLS]",
        mask_token: str | AddedToken = "[MASK]",
        tokenize_chinese_chars: bool = True,
        strip_accents: bool | None = None,
        clean_up_tokenization_spaces: bool = True,
        vocab: dict[str, int] | None = None,
        **kwargs: Any,
    ) -> None:
        if vocab is not None:
            self.vocab = dict(vocab)
        elif vocab_file is not None:
            self.vocab = load_vocab(vocab_file)
        else:
            raise TypeError(f"{type(self).__name__} needs vocab_file= (or vocab=, or use from_pretrained)")
        self.ids_to_tokens = {index: token for token, index in self.vocab.items()}
        self.do_basic_tokenize = do_basic_tokenize
        self.basic_tokenizer = BasicTokenizer(
            do_lower_case=do_lower_case,
            never_split=never_split,
            tokenize_chinese_chars=tokenize_chinese_chars,
            strip_accents=strip_accents,
        )
        self.wordpiece_tokenizer = WordpieceTokenizer(vocab=self.vocab, unk_token=str(unk_token))
        self._word_cache: dict[str, list[str]] = {}
        self._cache_key: tuple[Any, ...] = ()
        settings = dict(
            do_lower_case=do_lower_case,
            do_basic_tokenize=do_basic_tokenize,
            never_split=list(never_split) if never_split is not None else None,
            tokenize_chinese_chars=tokenize_chinese_chars,
            strip_accents=strip_accents,
        )
        super().__init__(
            unk_token=unk_token,
            sep_token=sep_token,
            pad_token=pad_token,
            cls_token=cls_token,
            mask_token=mask_token,
            clean_up_tokenization_spaces=clean_up_tokenization_spaces,
            init_settings=settings,
            **kwargs,
        )

    @classmethod
    def _vocabulary_from_tokenizer_json(cls, path: str) -> dict[str, Any]:
        from ...configuration_utils import load_json

        model = load_json(path).get("model")
        if (
            not isinstance(model, dict)
            or model.get("type") != "WordPiece"
            or not isinstance(model.get("vocab"), dict)
        ):
            raise ValueError(f"{path}: model must be a WordPiece model with a vocab object")
        return {"vocab": model["vocab"]}

    @property
    def do_lower_case(self) -> bool:
        return self.basic_tokenizer.do_lower_case

    @property
    def vocab_size(self) -> int:
        return len(self.vocab)

    def get_vocab(self) -> dict[str, int]:
        return {**self.vocab, **self._added_tokens_encoder}

    def _tokenize(self, text: str, split_special_tokens: bool = False) -> list[str]:
        if not self.do_basic_tokenize:
            return self.wordpiece_tokenizer.tokenize(text)
        basic = self.basic_tokenizer
        never = (
            basic.never_split.union(self.all_special_tokens)
            if not split_special_tokens
            else basic.never_split
        )
        # a word's pieces depend on these settings (which users may change on basic_tokenizer) and the vocabulary
        key = (
            frozenset(never),
            frozenset(basic.never_split),
            basic.do_lower_case,
            basic.strip_accents,
            basic.do_split_on_punc,
            self.wordpiece_tokenizer.unk_token,
            len(self.vocab),
        )
        if key != self._cache_key:
            self._word_cache = {}
            self._cache_key = key
        text = basic._clean_text(text)
        if not text.isascii():
            text = unicodedata.normalize("NFC", text)
        cache = self._word_cache
        out: list[str] = []
        for word in whitespace_tokenize(text):
            pieces = cache.get(word)
            if pieces is None:
                pieces = []
                for token in basic._split_word(word, never):
                    if token in basic.never_split:
                        pieces.append(token)
                    else:
                        pieces += self.wordpiece_tokenizer.tokenize_word(token)
                if len(cache) >= _CACHE_LIMIT:
                    cache.clear()
                cache[word] = pieces
            out += pieces
        return out

    def _convert_token_to_id(self, token: str) -> int:
        index = self.vocab.get(token)
        return index if index is not None else self.vocab.get(self.unk_token)  # type: ignore[return-value]

    def _convert_id_to_token(self, index: int) -> str:
        token: str = self.ids_to_tokens.get(index, self.unk_token)
        return token

    def convert_tokens_to_string(self, tokens: list[str]) -> str:
        """Join with spaces and glue "##" pieces to the previous token."""
        return " ".join(tokens).replace(" ##", "").strip()

    def save_vocabulary(self, save_directory: str, filename_prefix: str | None = None) -> tuple[str, ...]:
        """Write vocab.txt (tokens in id order). Fails on a vocabulary with gaps or shared ids, which a
        one-token-per-line file cannot represent."""
        name = (f"{filename_prefix}-" if filename_prefix else "") + VOCAB_FILES_NAMES["vocab_file"]
        path = os.path.join(save_directory, name) if os.path.isdir(save_directory) else save_directory
        by_id = sorted(self.vocab.items(), key=lambda kv: kv[1])
        for expected, (token, index) in enumerate(by_id):
            if index != expected:
                raise ValueError(
                    f"cannot save the vocabulary to {path}: ids are not consecutive "
                    f"(token {token!r} has id {index}, expected {expected})"
                )
        atomic_write_text(path, "".join(token + "\n" for token, _ in by_id))
        return (path,)
