"""`PreTrainedTokenizer`: the slow tokenizer base, in pure Python.

Mirrors `transformers.tokenization_utils` (4.x; `tokenization_python.py` in transformers 5.24, whose outputs the
tests compare with). It owns what does not depend on the vocabulary type: added tokens (split out of the text
first with a trie, never passed to the model's `_tokenize`), the per-sequence pipeline `prepare_for_model`
(special tokens, truncation with stride and overflow, token types, padding) and decoding. A model subclass gives
`_tokenize`, `_convert_token_to_id`, `_convert_id_to_token`, `vocab_size`, `get_vocab` and `save_vocabulary`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any

import numpy as np

from .tokenization_batch_encoding import BatchEncoding
from .tokenization_options import EncodeOptions, PaddingStrategy, TensorType, TruncationStrategy
from .tokenization_special_tokens import AddedToken
from .tokenization_utils_base import PreTrainedTokenizerBase

_END = ""  # key marking "a token ends here" in a trie node


class Trie:
    """Splits text on a set of added tokens in one left-to-right pass.

    Same cuts as transformers' `tokenization_python.Trie.split` (5.24), which the slow tokenizer's ids depend on:
    when a token completes, the earliest-starting partial match that can still complete wins, extended to its
    longest completion ("extra_id_100" over "extra_id_1"); scanning resumes after it.
    """

    def __init__(self, *tokens: str) -> None:
        self.data: dict[str, Any] = {}
        self._tokens: set[str] = set()
        for token in tokens:
            self.add(token)

    def add(self, word: str) -> None:
        if not word:
            return
        self._tokens.add(word)
        node = self.data
        for char in word:
            node = node.setdefault(char, {})
        node[_END] = 1

    def split(self, text: str) -> list[str]:
        if not any(first in text for first in self.data):
            return [text] if text else []
        cuts = [0]
        states: dict[
            int, dict[str, Any]
        ] = {}  # start of a partial match -> trie node after text[start:current]
        skip = 0  # end of the last match: no new match starts inside it
        for current, char in enumerate(text):
            if skip and current < skip:
                continue
            dead = []
            matched = False
            for start, node in states.items():
                if _END in node:
                    # text[start:current] is a token; an earlier start may still complete: take the earliest one
                    # that does, with its longest completion
                    cut_start, cut_end = start, current
                    for look_start, look_node in states.items():
                        if look_start > cut_start:
                            break
                        # earlier states were already advanced past `current` in this loop
                        index = current + 1 if look_start < start else current
                        if _END in look_node:
                            cut_start, cut_end, skip = look_start, index, index
                        while index < len(text) and text[index] in look_node:
                            look_node = look_node[text[index]]
                            index += 1
                            if _END in look_node:
                                cut_start, cut_end, skip = look_start, index, index
                    cuts += [cut_start, cut_end]
                    matched = True
                    break
                if char in node:
                    states[start] = node[char]
                else:
                    dead.append(start)
            if matched:
                states = {}
            else:
                for start in dead:
                    del states[start]
            if current >= skip and char in self.data:
                states[current] = self.data[char]
        for start, node in states.items():
            if _END in node:
                cuts += [start, len(text)]
                break
        return self._cut(text, cuts)

    @staticmethod
    def _cut(text: str, cuts: list[int]) -> list[str]:
        pieces = []
        start = 0
        for end in [*cuts, len(text)]:
            if end <= start:  # a match at 0, or two matches back to back
                continue
            pieces.append(text[start:end])
            start = end
        return pieces


# Character classes of the original BERT (google-research/bert tokenization.py, as in transformers 5.24
# tokenization_python.py). Rust twin: rust/text/unicode.rs `class()` (tokenizers' tables, see docs/tokenizers.md
# for where the two disagree).


def _is_whitespace(char: str) -> bool:
    """Space, tab, newline, carriage return, or a Unicode space separator (Zs)."""
    if char in " \t\n\r":
        return True
    return unicodedata.category(char) == "Zs"


def _is_control(char: str) -> bool:
    """Any C* category (control, format, surrogate, private use, unassigned) except tab/newline/CR."""
    if char in "\t\n\r":
        return False
    return unicodedata.category(char).startswith("C")


def _is_punctuation(char: str) -> bool:
    """Unicode punctuation (P*), plus every ASCII non-alphanumeric symbol such as $ ^ ` (BERT treats them so)."""
    cp = ord(char)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def check_no_surrogates(text: str, where: str) -> None:
    """A lone surrogate (e.g. from a bad decode with errors="surrogateescape") is not text: say where it is,
    rather than silently dropping it as the reference does (the fast tokenizer cannot take it either)."""
    if text.isascii():
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as e:
        raise ValueError(
            f"{where} has a lone surrogate {text[e.start]!r} at character {e.start}, which is not "
            "valid Unicode text; decode the source with errors='replace' or clean it first"
        ) from None


class PreTrainedTokenizer(PreTrainedTokenizerBase):
    """Slow tokenizer base (see the module docstring)."""

    def __init__(self, *, added_tokens_decoder: dict[int, AddedToken] | None = None, **kwargs: Any) -> None:
        self.tokens_trie = Trie()
        self._added_tokens_decoder: dict[int, AddedToken] = {}
        self._added_tokens_encoder: dict[str, int] = {}
        for index, token in (added_tokens_decoder or {}).items():
            if not isinstance(token, AddedToken):
                token = AddedToken(token) if isinstance(token, str) else token
                if not isinstance(token, AddedToken):
                    raise TypeError(f"added_tokens_decoder[{index}] must be a str or an AddedToken")
            self._added_tokens_decoder[int(index)] = token
            self._added_tokens_encoder[token.content] = int(index)
        super().__init__(**kwargs)
        # special tokens not yet known become added tokens (in the vocabulary: their own id; else a new one),
        # so that the trie never splits them
        self._add_tokens(
            [t for t in self.all_special_tokens if t not in self._added_tokens_encoder], special_tokens=True
        )
        self._update_trie()

    @property
    def is_fast(self) -> bool:
        return False

    # ---- added tokens -------------------------------------------------------------------------------------
    @property
    def added_tokens_decoder(self) -> dict[int, AddedToken]:
        return dict(sorted(self._added_tokens_decoder.items()))

    @property
    def added_tokens_encoder(self) -> dict[str, int]:
        return {t.content: i for i, t in sorted(self._added_tokens_decoder.items())}

    def get_added_vocab(self) -> dict[str, int]:
        return dict(self._added_tokens_encoder)

    def __len__(self) -> int:
        return len(self.get_vocab())

    def _add_tokens(self, new_tokens: Sequence[str | AddedToken], special_tokens: bool = False) -> int:
        # transformers 5.24 tokenization_python.PythonBackend._add_tokens: a token already in the vocabulary
        # keeps its id (and becomes an added token, matched before WordPiece); a new one gets the next id
        vocab = self.get_vocab()
        next_id = len(vocab)
        added = 0
        specials = set(self.all_special_tokens)
        for token in new_tokens:
            if not isinstance(token, (str, AddedToken)):
                raise TypeError(f"add_tokens takes str or AddedToken, got {type(token).__name__}")
            if str(token) == "":
                continue
            if isinstance(token, str):
                if token in self._added_tokens_encoder:
                    continue
                special = token in specials or special_tokens
                token = AddedToken(token, normalized=not special, special=special)
            elif special_tokens:
                token = AddedToken(
                    token.content,
                    single_word=token.single_word,
                    lstrip=token.lstrip,
                    rstrip=token.rstrip,
                    special=True,
                    normalized=token.normalized,
                )
            if not token.special and token.normalized and getattr(self, "do_lower_case", False):
                token.content = token.content.lower()
            if token.content in vocab:
                index = vocab[token.content]
            else:
                index = next_id + added
                vocab[token.content] = index
                added += 1
            if token.special and token.content not in specials:
                self._additional_special_tokens.append(token)
                specials.add(token.content)
            self._added_tokens_decoder[index] = token
            self._added_tokens_encoder[token.content] = index
        self._update_trie()
        return added

    def _update_trie(self) -> None:
        for token in self._added_tokens_decoder.values():
            if token.content not in self.tokens_trie._tokens:
                self.tokens_trie.add(token.content)

    # ---- tokenizing ---------------------------------------------------------------------------------------
    def prepare_for_tokenization(
        self, text: str, is_split_into_words: bool = False, **kwargs: Any
    ) -> tuple[str, dict[str, Any]]:
        """Hook for model-specific text changes before tokenizing."""
        return text, kwargs

    def tokenize(
        self, text: str, pair: str | None = None, add_special_tokens: bool = False, **kwargs: Any
    ) -> list[str]:
        """Text to tokens: added tokens are cut out first (honouring their lstrip / rstrip / single_word), the
        pieces between them go through the model's `_tokenize`."""
        if not isinstance(text, str):
            raise TypeError(f"tokenize() takes a str, got {type(text).__name__}")
        check_no_surrogates(text, "text")
        split_special_tokens = kwargs.pop("split_special_tokens", self.split_special_tokens)
        text, kwargs = self.prepare_for_tokenization(text, **kwargs)
        tokens = self._tokenize_one(text, split_special_tokens)
        if pair is not None:
            pair_tokens = self._tokenize_one(self.prepare_for_tokenization(pair)[0], split_special_tokens)
        if add_special_tokens:
            ids = self.build_inputs_with_special_tokens(
                self.convert_tokens_to_ids(tokens), self.convert_tokens_to_ids(pair_tokens) if pair else None
            )
            with_specials: list[str] = self.convert_ids_to_tokens(ids)
            return with_specials
        return tokens + pair_tokens if pair is not None else tokens

    def _tokenize_one(self, text: str, split_special_tokens: bool) -> list[str]:
        # transformers 5.24 tokenization_python.PythonBackend.tokenize
        if split_special_tokens:
            return self._tokenize(text)
        pieces = self.tokens_trie.split(text)
        added = self._added_tokens_encoder
        for i, piece in enumerate(pieces):
            if piece not in added:
                continue
            token = self._added_tokens_decoder[added[piece]]
            left = pieces[i - 1] if i > 0 else None
            right = pieces[i + 1] if i < len(pieces) - 1 else None
            if token.rstrip and right:
                pieces[i + 1] = right.lstrip()
            if token.lstrip and left:
                pieces[i - 1] = left.rstrip()
            if token.single_word:
                if left and left[-1] != " ":
                    pieces[i - 1] += piece
                    pieces[i] = ""
                elif right and right[0] != " ":
                    pieces[i + 1] = piece + pieces[i + 1]
                    pieces[i] = ""
        specials = set(self.all_special_tokens)
        out: list[str] = []
        for piece in pieces:
            if not piece:
                continue
            if piece in added or piece in specials:
                out.append(piece)
            else:
                out += self._tokenize(piece)
        return out

    def _tokenize(self, text: str, split_special_tokens: bool = False) -> list[str]:
        raise NotImplementedError

    def _convert_token_to_id_with_added_voc(self, token: str) -> int:
        index = self._added_tokens_encoder.get(token)
        return index if index is not None else self._convert_token_to_id(token)

    def _convert_token_to_id(self, token: str) -> int:
        raise NotImplementedError

    def _convert_id_to_token(self, index: int) -> str:
        raise NotImplementedError

    def convert_ids_to_tokens(self, ids: int | Sequence[int], skip_special_tokens: bool = False) -> Any:
        if isinstance(ids, (int, np.integer)):
            ids = int(ids)
            token = self._added_tokens_decoder.get(ids)
            return token.content if token is not None else self._convert_id_to_token(ids)
        skip = set(self.all_special_ids) if skip_special_tokens else set()
        tokens = []
        for index in ids:
            index = int(index)
            if index in skip:
                continue
            token = self._added_tokens_decoder.get(index)
            tokens.append(token.content if token is not None else self._convert_id_to_token(index))
        return tokens

    def convert_tokens_to_string(self, tokens: list[str]) -> str:
        return " ".join(tokens)

    # ---- encoding -----------------------------------------------------------------------------------------
    def _ids_of(
        self, text: Any, is_split_into_words: bool, split_special_tokens: bool, where: str
    ) -> list[int]:
        if isinstance(text, str):
            return self.convert_tokens_to_ids(self.tokenize(text, split_special_tokens=split_special_tokens))
        if isinstance(text, (list, tuple)):
            if is_split_into_words:
                return self.convert_tokens_to_ids(
                    [
                        t
                        for word in text
                        for t in self.tokenize(word, split_special_tokens=split_special_tokens)
                    ]
                )
            if all(isinstance(t, str) for t in text):
                return self.convert_tokens_to_ids(list(text))
        raise TypeError(
            f"{where} must be a str (or a list of words with is_split_into_words=True), "
            f"got {type(text).__name__}"
        )

    def _encode_plus(self, text: Any, text_pair: Any, options: EncodeOptions) -> BatchEncoding:
        if options.return_offsets_mapping:
            raise NotImplementedError(
                "return_offset_mapping is not available when using Python tokenizers. To use this feature, change "
                "your tokenizer to one deriving from ferroformers.PreTrainedTokenizerFast (use_fast=True)."
            )
        words = options.is_split_into_words
        split = options.split_special_tokens
        batched = isinstance(text, (list, tuple)) and (
            (not words and (not text or isinstance(text[0], (str, list, tuple))))
            or (words and bool(text) and isinstance(text[0], (list, tuple)))
        )
        if not batched:
            ids = self._ids_of(text, words, split, "text")
            pair_ids = self._ids_of(text_pair, words, split, "text_pair") if text_pair is not None else None
            return self._row_encoding(ids, pair_ids, options, prepend_batch_axis=True)

        if text_pair is not None and (
            not isinstance(text_pair, (list, tuple)) or len(text_pair) != len(text)
        ):
            raise ValueError(
                f"text is a batch of {len(text)}, so text_pair must be a batch of the same length, "
                f"got {type(text_pair).__name__}"
                + (f" of length {len(text_pair)}" if isinstance(text_pair, (list, tuple)) else "")
            )
        pairs = text_pair if text_pair is not None else [None] * len(text)
        batch: dict[str, list[Any]] = {}
        for i, (first, second) in enumerate(zip(text, pairs, strict=False)):
            if second is None and isinstance(first, (list, tuple)) and not words:
                # a batch of (text, pair) tuples, as transformers accepts
                if len(first) != 2:
                    raise ValueError(
                        f"text[{i}] must be a str or a (text, text_pair) pair, got {len(first)} items"
                    )
                first, second = first
            elif (
                second is None
                and isinstance(first, (list, tuple))
                and words
                and len(first) == 2
                and all(isinstance(x, (list, tuple)) for x in first)
            ):
                first, second = first
            ids = self._ids_of(first, words, split, f"text[{i}]")
            pair_ids = self._ids_of(second, words, split, f"text_pair[{i}]") if second is not None else None
            row = self._prepare_row(ids, pair_ids, options)
            if options.return_length:
                row["length"] = len(row["input_ids"])
            for key, value in row.items():
                batch.setdefault(key, []).append(value)
        if not batch:  # an empty batch gives empty columns, as the fast tokenizer does (transformers errors)
            keys = [
                "input_ids",
                *(
                    k
                    for k, asked in (
                        ("token_type_ids", options.return_token_type_ids),
                        ("attention_mask", options.return_attention_mask),
                    )
                    if asked
                ),
            ]
            return BatchEncoding(
                {k: np.zeros((0, 0), np.int64) if options.return_tensors else [] for k in keys},
                tensor_type=options.return_tensors,
            )
        padded = self.pad(
            batch,
            padding=options.padding_strategy.value,
            max_length=options.max_length,
            pad_to_multiple_of=options.pad_to_multiple_of,
            padding_side=options.padding_side,
            return_attention_mask=options.return_attention_mask,
            verbose=options.verbose,
        )
        return BatchEncoding(padded.data, tensor_type=options.return_tensors)

    def _row_encoding(
        self, ids: list[int], pair_ids: list[int] | None, options: EncodeOptions, prepend_batch_axis: bool
    ) -> BatchEncoding:
        """One sequence (or pair) of ids, ready for the model: `_prepare_row`, then padding."""
        row = self._prepare_row(ids, pair_ids, options)
        row = self._pad(
            row,
            max_length=options.max_length,
            padding_strategy=options.padding_strategy,
            pad_to_multiple_of=options.pad_to_multiple_of,
            padding_side=options.padding_side,
            return_attention_mask=options.return_attention_mask,
        )
        if options.return_length:
            row["length"] = len(row["input_ids"])
        return BatchEncoding(row, tensor_type=options.return_tensors, prepend_batch_axis=prepend_batch_axis)

    def _prepare_row(
        self, ids: list[int], pair_ids: list[int] | None, options: EncodeOptions
    ) -> dict[str, Any]:
        """Truncate, add special tokens, token types and masks to one sequence (or pair); no padding."""
        # overflowing tokens are a list per row: with tensors (rows of one length) they are not returned
        return_overflowing_tokens = options.return_overflowing_tokens and options.return_tensors is None
        truncation_strategy, max_length = options.truncation_strategy, options.max_length
        if (
            return_overflowing_tokens
            and truncation_strategy == TruncationStrategy.LONGEST_FIRST
            and pair_ids is not None
        ):
            raise ValueError(
                "Not possible to return overflowing tokens for pair of sequences with the `longest_first`. Please "
                "select another truncation strategy than `longest_first`, for instance `only_second` or `only_first`."
            )
        pair = pair_ids is not None
        add_special_tokens = options.add_special_tokens
        total = (
            len(ids)
            + len(pair_ids or [])
            + (self.num_special_tokens_to_add(pair) if add_special_tokens else 0)
        )
        overflowing: list[int] = []
        if truncation_strategy != TruncationStrategy.DO_NOT_TRUNCATE and max_length and total > max_length:
            ids, pair_ids, overflowing = self.truncate_sequences(
                ids,
                pair_ids=pair_ids,
                num_tokens_to_remove=total - max_length,
                truncation_strategy=truncation_strategy,
                stride=options.stride,
            )
        if add_special_tokens:
            sequence = self.build_inputs_with_special_tokens(ids, pair_ids)
            token_type_ids = self.create_token_type_ids_from_sequences(ids, pair_ids)
        else:
            sequence = ids + (pair_ids or [])
            token_type_ids = [0] * len(sequence)
        row: dict[str, Any] = {"input_ids": sequence}
        if options.return_token_type_ids:
            row["token_type_ids"] = token_type_ids
        if options.return_special_tokens_mask:
            row["special_tokens_mask"] = (
                self.get_special_tokens_mask(ids, pair_ids) if add_special_tokens else [0] * len(sequence)
            )
        if return_overflowing_tokens:
            # 4.x keeps both keys whenever they are asked for (transformers 5 drops them when nothing overflowed,
            # which breaks batches where only some rows overflow)
            row["overflowing_tokens"] = overflowing
            row["num_truncated_tokens"] = total - max_length if max_length else 0
        self._eventual_warn_about_too_long_sequence(sequence, max_length, options.verbose)
        return row

    def prepare_for_model(
        self,
        ids: list[int],
        pair_ids: list[int] | None = None,
        add_special_tokens: bool = True,
        padding: bool | str | PaddingStrategy = False,
        truncation: bool | str | TruncationStrategy | None = None,
        max_length: int | None = None,
        stride: int = 0,
        pad_to_multiple_of: int | None = None,
        padding_side: str | None = None,
        return_tensors: str | TensorType | None = None,
        return_token_type_ids: bool | None = None,
        return_attention_mask: bool | None = None,
        return_overflowing_tokens: bool = False,
        return_special_tokens_mask: bool = False,
        return_length: bool = False,
        verbose: bool = True,
        prepend_batch_axis: bool = False,
        pad_to_max_length: bool = False,
        truncation_strategy: str | TruncationStrategy | None = None,
    ) -> BatchEncoding:
        """Ids of one sequence (or pair) → model inputs: special tokens, truncation, padding."""
        padding, truncation = self._deprecated_strategies(
            padding, truncation, max_length, pad_to_max_length, truncation_strategy, verbose
        )
        options = self._encode_options(
            padding=padding,
            truncation=truncation,
            max_length=max_length,
            pad_to_multiple_of=pad_to_multiple_of,
            padding_side=padding_side,
            return_tensors=return_tensors,
            return_token_type_ids=return_token_type_ids,
            return_attention_mask=return_attention_mask,
            split_special_tokens=None,
            verbose=verbose,
            add_special_tokens=add_special_tokens,
            stride=stride,
            is_split_into_words=False,
            return_overflowing_tokens=return_overflowing_tokens,
            return_special_tokens_mask=return_special_tokens_mask,
            return_offsets_mapping=False,
            return_length=return_length,
        )
        return self._row_encoding(
            list(ids),
            list(pair_ids) if pair_ids is not None else None,
            options,
            prepend_batch_axis=prepend_batch_axis,
        )

    def truncate_sequences(
        self,
        ids: list[int],
        pair_ids: list[int] | None = None,
        num_tokens_to_remove: int = 0,
        truncation_strategy: str | TruncationStrategy = "longest_first",
        stride: int = 0,
    ) -> tuple[list[int], list[int] | None, list[int]]:
        """Remove `num_tokens_to_remove` tokens; returns (ids, pair_ids, overflowing tokens). The overflow keeps
        `stride` tokens of context from the kept part (transformers 5.24 `truncate_sequences`)."""
        if num_tokens_to_remove <= 0:
            return ids, pair_ids, []
        strategy = TruncationStrategy(truncation_strategy)
        right = self.truncation_side == "right"
        overflowing: list[int] = []
        if strategy == TruncationStrategy.ONLY_FIRST or (
            strategy == TruncationStrategy.LONGEST_FIRST and pair_ids is None
        ):
            if num_tokens_to_remove > len(ids):
                self._warn_cannot_truncate(len(ids), num_tokens_to_remove, strategy)
            window = min(len(ids), stride + num_tokens_to_remove)
            if right:
                overflowing, ids = ids[-window:], ids[:-num_tokens_to_remove]
            else:
                overflowing, ids = ids[:window], ids[num_tokens_to_remove:]
        elif strategy == TruncationStrategy.LONGEST_FIRST:
            assert pair_ids is not None
            # remove from the longer sequence until both are equal, then alternately (first sequence first)
            first_remove = min(abs(len(pair_ids) - len(ids)), num_tokens_to_remove)
            second_remove = num_tokens_to_remove - first_remove
            if len(ids) > len(pair_ids):
                from_ids = first_remove + second_remove // 2
                from_pair = second_remove - second_remove // 2
            else:
                from_ids = second_remove // 2
                from_pair = first_remove + second_remove - second_remove // 2
            if right:
                ids = ids[:-from_ids] if from_ids > 0 else ids
                pair_ids = pair_ids[:-from_pair] if from_pair > 0 else pair_ids
            else:
                ids = ids[from_ids:]
                pair_ids = pair_ids[from_pair:]
        elif strategy == TruncationStrategy.ONLY_SECOND and pair_ids:
            if num_tokens_to_remove > len(pair_ids):
                self._warn_cannot_truncate(len(pair_ids), num_tokens_to_remove, strategy)
            window = min(len(pair_ids), stride + num_tokens_to_remove)
            if right:
                overflowing, pair_ids = pair_ids[-window:], pair_ids[:-num_tokens_to_remove]
            else:
                overflowing, pair_ids = pair_ids[:window], pair_ids[num_tokens_to_remove:]
        return ids, pair_ids, overflowing

    def _warn_cannot_truncate(self, length: int, remove: int, strategy: TruncationStrategy) -> None:
        key = f"cannot-truncate-{strategy.value}"
        if key not in self._warned:
            self._warned.add(key)
            import logging

            logging.getLogger(__name__).warning(
                f"We need to remove {remove} tokens to reach max_length but the sequence to truncate has only "
                f"{length} tokens; it is emptied (truncation={strategy.value!r}). Try truncation='longest_first'."
            )

    # ---- decoding -----------------------------------------------------------------------------------------
    def _decode(
        self,
        token_ids: Any,
        skip_special_tokens: bool = False,
        clean_up_tokenization_spaces: bool | None = None,
        spaces_between_special_tokens: bool = True,
        **kwargs: Any,
    ) -> str:
        # transformers 5.24 tokenization_python.PythonBackend._decode. spaces_between_special_tokens is accepted
        # and has no effect, as in transformers 5 (4.x glued added tokens to their neighbours when False; the
        # fast tokenizers of both ignore it): docs/compatibility.md
        if kwargs:
            raise TypeError(f"decode() got unexpected keyword arguments {sorted(kwargs)}")
        if isinstance(token_ids, int):
            token_ids = [token_ids]
        tokens = self.convert_ids_to_tokens(token_ids, skip_special_tokens=skip_special_tokens)
        text = self.convert_tokens_to_string(tokens)
        clean = (
            self.clean_up_tokenization_spaces
            if clean_up_tokenization_spaces is None
            else clean_up_tokenization_spaces
        )
        return self.clean_up_tokenization(text) if clean else text
