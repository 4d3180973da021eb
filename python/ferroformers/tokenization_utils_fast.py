"""`PreTrainedTokenizerFast`: the tokenizer API over the native Rust WordPiece core (`ferroformers._native`).

Mirrors `transformers.tokenization_utils_fast` (4.x; `tokenization_utils_tokenizers.py` in transformers 5.24, whose
outputs the tests compare with). Everything per token runs in Rust, batch at a time with the GIL released:
normalization, added tokens, WordPiece, truncation with stride and overflow, padding, offsets. This class converts
arguments, builds the `BatchEncoding` (numpy arrays straight from Rust when `return_tensors` is set) and keeps
the Python-side state (special tokens, settings) that `save_pretrained` writes.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ._native import Encodings, WordPieceTokenizer
from .tokenization_batch_encoding import BatchEncoding, Encoding, as_tensor
from .tokenization_files import FULL_TOKENIZER_FILE
from .tokenization_options import LARGE_INTEGER, EncodeOptions
from .tokenization_special_tokens import AddedToken
from .tokenization_utils_base import PreTrainedTokenizerBase
from .utils.io import atomic_write_text

if TYPE_CHECKING:
    from .tokenization_backend import BackendTokenizer

TOKENIZER_FILE = FULL_TOKENIZER_FILE


def _token_tuple(token: AddedToken) -> tuple[str, bool, bool, bool, bool, bool]:
    return (token.content, token.single_word, token.lstrip, token.rstrip, token.normalized, token.special)


class _NativeRow:
    """Row `i` of a native `Encodings`: the alignment queries of `tokenizers.Encoding`, answered in Rust."""

    __slots__ = ("_enc", "_i")

    def __init__(self, encodings: Encodings, i: int) -> None:
        self._enc = encodings
        self._i = i

    @property
    def tokens(self) -> list[str]:
        return self._enc.tokens(self._i)

    @property
    def offsets(self) -> list[tuple[int, int]]:
        return self._enc.offsets()[self._i]

    @property
    def word_ids(self) -> list[int | None]:
        return self._enc.word_ids(self._i)

    @property
    def sequence_ids(self) -> list[int | None]:
        return self._enc.sequence_ids(self._i)

    @property
    def n_sequences(self) -> int:
        return 2 if 1 in self.sequence_ids else 1

    def __len__(self) -> int:
        return len(self.tokens)

    def token_to_sequence(self, token_index: int) -> int | None:
        return self._enc.token_to_sequence(self._i, token_index)

    def token_to_word(self, token_index: int) -> int | None:
        return self._enc.token_to_word(self._i, token_index)

    def token_to_chars(self, token_index: int) -> tuple[int, int] | None:
        return self._enc.token_to_chars(self._i, token_index)

    def word_to_tokens(self, word_index: int, sequence_index: int = 0) -> tuple[int, int] | None:
        return self._enc.word_to_tokens(self._i, word_index, sequence_index)

    def word_to_chars(self, word_index: int, sequence_index: int = 0) -> tuple[int, int] | None:
        return self._enc.word_to_chars(self._i, word_index, sequence_index)

    def char_to_token(self, char_index: int, sequence_index: int = 0) -> int | None:
        return self._enc.char_to_token(self._i, char_index, sequence_index)

    def char_to_word(self, char_index: int, sequence_index: int = 0) -> int | None:
        return self._enc.char_to_word(self._i, char_index, sequence_index)

    def __reduce__(self) -> Any:
        offsets = self._enc.offsets()[self._i]
        return Encoding, (self._enc.ids()[self._i], self.tokens, offsets, self.word_ids, self.sequence_ids)


class _NativeRows(Sequence):  # type: ignore[type-arg]
    """The rows of a native `Encodings` as `_NativeRow` views, made on access (no Python object per row
    unless asked for)."""

    def __init__(self, encodings: Encodings) -> None:
        self._enc = encodings
        self._n = len(encodings)

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(self._n))]
        if i < 0:
            i += self._n
        if not 0 <= i < self._n:
            raise IndexError(f"row {i} out of range for a batch of {self._n}")
        return _NativeRow(self._enc, i)

    def __reduce__(self) -> Any:
        # a pickled BatchEncoding carries plain Python rows, not the native batch
        enc, ids, offsets = self._enc, self._enc.ids(), self._enc.offsets()
        rows = [
            Encoding(ids[i], enc.tokens(i), offsets[i], enc.word_ids(i), enc.sequence_ids(i))
            for i in range(self._n)
        ]
        return list, (rows,)


class PreTrainedTokenizerFast(PreTrainedTokenizerBase):
    """Fast tokenizer base (see the module docstring). Built from a native tokenizer object
    (`tokenizer_object=`) or a WordPiece `tokenizer.json` (`tokenizer_file=`)."""

    vocab_files_names = {"tokenizer_file": TOKENIZER_FILE}  # noqa: RUF012

    def __init__(
        self,
        *,
        tokenizer_object: WordPieceTokenizer | None = None,
        tokenizer_file: str | os.PathLike[str] | None = None,
        added_tokens_decoder: dict[int, AddedToken] | None = None,
        **kwargs: Any,
    ) -> None:
        self._tokenizer: WordPieceTokenizer
        if tokenizer_object is not None:
            self._tokenizer = tokenizer_object
        elif tokenizer_file is not None:
            self._tokenizer = self._load_tokenizer_file(tokenizer_file)
        else:
            raise ValueError(
                f"{type(self).__name__} needs tokenizer_object= or tokenizer_file= "
                "(or, for a model class, its vocabulary file)"
            )
        super().__init__(**kwargs)
        # saved added tokens first (in id order), then the special tokens the backend does not know yet
        added = set(self.added_tokens_encoder)
        pending = [t for _, t in sorted((added_tokens_decoder or {}).items()) if t.content not in added]
        for token in self.all_special_tokens_extended:
            content = str(token)
            if content in added or any(t.content == content for t in pending):
                continue
            if isinstance(token, str):
                token = AddedToken(token, special=True, normalized=False)
            elif not token.special:  # a special token is special whatever its saved flags say
                token = AddedToken(
                    token.content,
                    single_word=token.single_word,
                    lstrip=token.lstrip,
                    rstrip=token.rstrip,
                    special=True,
                    normalized=token.normalized,
                )
            pending.append(token)
        if pending:
            self._add_native(pending)

    @staticmethod
    def _load_tokenizer_file(path: str | os.PathLike[str]) -> WordPieceTokenizer:
        path = os.fspath(path)
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except UnicodeDecodeError as e:
            raise ValueError(f"{path}: not UTF-8 ({e.reason} at byte {e.start})") from None
        try:
            return WordPieceTokenizer.from_tokenizer_json(text)
        except ValueError as e:
            raise type(e)(f"{path}: {e}") from None

    @property
    def is_fast(self) -> bool:
        return True

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_backend_view", None)  # made again on use (it refers back to this tokenizer)
        return state

    @property
    def backend_tokenizer(self) -> BackendTokenizer:
        """The native tokenizer with the API of `tokenizers.Tokenizer` (`.normalizer`, `.pre_tokenizer`,
        `.model`, `.encode`, `.save`, ...): see `tokenization_backend`. `.native` is the
        `ferroformers._native.WordPieceTokenizer` itself."""
        from .tokenization_backend import BackendTokenizer

        view: BackendTokenizer | None = self.__dict__.get("_backend_view")
        if view is None:
            view = self.__dict__["_backend_view"] = BackendTokenizer(self._tokenizer, owner=self)
        return view

    @property
    def can_save_slow_tokenizer(self) -> bool:
        return True

    # ---- vocabulary ---------------------------------------------------------------------------------------
    @property
    def vocab_size(self) -> int:
        return self._tokenizer.get_vocab_size(with_added_tokens=False)

    def __len__(self) -> int:
        return self._tokenizer.get_vocab_size(with_added_tokens=True)

    def get_vocab(self) -> dict[str, int]:
        return self._tokenizer.get_vocab(with_added_tokens=True)

    @property
    def vocab(self) -> dict[str, int]:
        return self.get_vocab()

    @property
    def added_tokens_decoder(self) -> dict[int, AddedToken]:
        return {
            i: AddedToken(content, single_word=sw, lstrip=ls, rstrip=rs, normalized=norm, special=sp)
            for i, content, sw, ls, rs, norm, sp in self._tokenizer.get_added_tokens()
        }

    def _add_native(self, tokens: list[AddedToken]) -> int:
        # count new ids, as the slow tokenizer does (tokenizers also counts known tokens it marks as added)
        before = len(self)
        self._tokenizer.add_tokens([_token_tuple(t) for t in tokens])
        return len(self) - before

    def _add_tokens(self, new_tokens: list[str | AddedToken], special_tokens: bool = False) -> int:
        tokens = []
        for token in new_tokens:
            if isinstance(token, str):
                token = AddedToken(token, special=special_tokens, normalized=not special_tokens)
            elif special_tokens and not token.special:
                token = AddedToken(
                    token.content,
                    single_word=token.single_word,
                    lstrip=token.lstrip,
                    rstrip=token.rstrip,
                    special=True,
                    normalized=token.normalized,
                )
            if token.content == "":
                continue
            if token.special and token.content not in self.all_special_tokens:
                self._additional_special_tokens.append(token)
            tokens.append(token)
        return self._add_native(tokens) if tokens else 0

    def _convert_token_to_id_with_added_voc(self, token: str) -> int:
        index = self._tokenizer.token_to_id(token)
        return self.unk_token_id if index is None else index

    def convert_ids_to_tokens(self, ids: int | Sequence[int], skip_special_tokens: bool = False) -> Any:
        if isinstance(ids, (int, np.integer)):
            ids = int(ids)
            return self._tokenizer.id_to_token(ids)
        skip = set(self.all_special_ids) if skip_special_tokens else set()
        return [self._tokenizer.id_to_token(int(i)) for i in ids if int(i) not in skip]

    def num_special_tokens_to_add(self, pair: bool = False) -> int:
        return 3 if pair else 2

    # ---- encoding -----------------------------------------------------------------------------------------
    def tokenize(
        self,
        text: str,
        pair: str | None = None,
        add_special_tokens: bool = False,
        split_special_tokens: bool | None = None,
        **kwargs: Any,
    ) -> list[str]:
        if kwargs:
            raise TypeError(f"tokenize() got unexpected keyword arguments {sorted(kwargs)}")
        if not isinstance(text, str):
            raise TypeError(f"tokenize() takes a str, got {type(text).__name__}")
        split = self.split_special_tokens if split_special_tokens is None else split_special_tokens
        encoded = self._tokenizer.encode_batch(
            [text],
            [pair] if pair is not None else None,
            add_special_tokens=add_special_tokens,
            encode_special_tokens=split,
            num_threads=1,
        )
        return encoded.tokens(0)

    def _encode_plus(self, text: Any, text_pair: Any, options: EncodeOptions) -> BatchEncoding:
        if options.is_split_into_words:
            batched = isinstance(text, (list, tuple)) and bool(text) and isinstance(text[0], (list, tuple))
        else:
            batched = isinstance(text, (list, tuple))
        if batched:
            if isinstance(text_pair, str):
                raise TypeError("text is a batch, so text_pair must be a list of the same length, got a str")
            if text_pair is not None and len(text) != len(text_pair):
                raise ValueError(
                    f"batch length of text ({len(text)}) does not match text_pair ({len(text_pair)})"
                )
            inputs, pairs = list(text), (list(text_pair) if text_pair is not None else None)
            if pairs is None and inputs and _is_pair(inputs[0], options.is_split_into_words):
                # a batch of (text, pair) tuples or two-item lists, as transformers accepts
                inputs, pairs = _split_pairs(inputs, options.is_split_into_words)
        else:
            inputs, pairs = [text], ([text_pair] if text_pair is not None else None)

        padding = options.padding
        pad_id, pad_token = 0, ""  # used only when padding (and looked up only then: ~1 us a call)
        if padding is not None:
            pad_id = self.pad_token_id if self.pad_token_id is not None else 0
            pad_token = self.pad_token if self.pad_token is not None else ""
        encodings = self._tokenizer.encode_batch(
            inputs,
            pairs,
            is_pretokenized=options.is_split_into_words,
            add_special_tokens=options.add_special_tokens,
            max_length=options.max_length,
            truncation=options.truncation,
            stride=options.stride,
            truncation_side=self.truncation_side,
            return_overflowing_tokens=options.return_overflowing_tokens,
            padding=padding,
            pad_to_multiple_of=options.pad_to_multiple_of,
            padding_side=options.padding_side,
            pad_id=pad_id,
            pad_type_id=self.pad_token_type_id,
            pad_token=pad_token,
            encode_special_tokens=options.split_special_tokens,
        )
        # (key in the BatchEncoding, the native field, its rows as lists)
        fields: list[tuple[str, str, Callable[[], list[Any]]]] = [("input_ids", "ids", encodings.ids)]
        if options.return_token_type_ids:
            fields.append(("token_type_ids", "type_ids", encodings.type_ids))
        if options.return_attention_mask:
            fields.append(("attention_mask", "attention_mask", encodings.attention_mask))
        if options.return_special_tokens_mask:
            fields.append(("special_tokens_mask", "special_tokens_mask", encodings.special_tokens_mask))
        if options.return_offsets_mapping:
            fields.append(("offset_mapping", "offsets", encodings.offsets))

        data: dict[str, Any] = {}
        tensor_type = options.return_tensors
        for key, native_field, as_lists in fields:
            if tensor_type is None:
                data[key] = as_lists()
            else:
                try:
                    array = encodings.to_numpy(native_field)
                except ValueError:
                    if len(set(encodings.lengths())) < 2:
                        raise  # not ragged: the native message names what was wrong (a size, a field)
                    raise ValueError(
                        f"cannot make a tensor of {key!r}: its rows have different lengths; pass padding=True "
                        "(and truncation=True) to get rows of one length"
                    ) from None
                data[key] = as_tensor(key, array, tensor_type)
        if options.return_length:
            lengths = encodings.lengths()
            data["length"] = lengths if tensor_type is None else as_tensor("length", lengths, tensor_type)
        if options.return_overflowing_tokens:
            mapping = encodings.overflow_to_sample_mapping()
            data["overflow_to_sample_mapping"] = (
                mapping
                if tensor_type is None
                else as_tensor("overflow_to_sample_mapping", mapping, tensor_type)
            )
        if options.verbose and options.max_length is None and self.model_max_length < LARGE_INTEGER:
            self._warn_if_too_long(max(encodings.lengths(), default=0), options.max_length, options.verbose)
        if not batched and tensor_type is None and not options.return_overflowing_tokens:
            # one input: drop the batch axis (transformers does the same)
            # (`length` stays a one-element list, as in transformers)
            data = {
                key: value[0] if isinstance(value, list) and value and isinstance(value[0], list) else value
                for key, value in data.items()
            }
        return BatchEncoding(data, encoding=_NativeRows(encodings), n_sequences=2 if pairs is not None else 1)

    # ---- decoding -----------------------------------------------------------------------------------------
    def convert_tokens_to_string(self, tokens: list[str]) -> str:
        return _wordpiece_decode(tokens, self._tokenizer.continuing_subword_prefix, cleanup=True)

    def _decode(
        self,
        token_ids: Any,
        skip_special_tokens: bool = False,
        clean_up_tokenization_spaces: bool | None = None,
        spaces_between_special_tokens: bool = True,
        **kwargs: Any,
    ) -> str:
        # transformers 5.24 TokenizersBackend._decode over tokenizers' Tokenizer.decode: ids of no token are
        # dropped, special means a special added token, then the WordPiece decoder, then the optional cleanup.
        # spaces_between_special_tokens is accepted and has no effect, as in transformers' fast tokenizers (4.x
        # and 5.x): the WordPiece decoder puts a space before every token that does not continue a word
        if kwargs:
            raise TypeError(f"decode() got unexpected keyword arguments {sorted(kwargs)}")
        if isinstance(token_ids, int):
            token_ids = [token_ids]
        special = (
            {t.content for t in self.added_tokens_decoder.values() if t.special}
            if skip_special_tokens
            else ()
        )
        tokens = []
        for index in token_ids:
            token = self._tokenizer.id_to_token(int(index))
            if token is not None and token not in special:
                tokens.append(token)
        text = _wordpiece_decode(tokens, self._tokenizer.continuing_subword_prefix, cleanup=True)
        clean = (
            self.clean_up_tokenization_spaces
            if clean_up_tokenization_spaces is None
            else clean_up_tokenization_spaces
        )
        return self.clean_up_tokenization(text) if clean else text

    # ---- training -----------------------------------------------------------------------------------------
    def train_new_from_iterator(
        self,
        text_iterator: Any,
        vocab_size: int,
        length: int | None = None,
        new_special_tokens: list[str | AddedToken] | None = None,
        special_tokens_map: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> PreTrainedTokenizerFast:
        """A new tokenizer of this class and settings with a vocabulary trained on `text_iterator` (texts, or
        batches of texts); see `ferroformers.trainers.train_new_from_iterator`. `kwargs` go to the trainer."""
        from .trainers import train_new_from_iterator

        new: PreTrainedTokenizerFast = train_new_from_iterator(
            self,
            text_iterator,
            vocab_size,
            length=length,
            new_special_tokens=new_special_tokens,
            special_tokens_map=special_tokens_map,
            **kwargs,
        )
        return new

    # ---- saving -------------------------------------------------------------------------------------------
    def _saved_class_name(self) -> str:
        name = type(self).__name__
        return name.removesuffix("Fast") if self.can_save_slow_tokenizer else name

    def _save_extra_files(self, save_directory: str, prefix: str, legacy_format: bool | None) -> list[str]:
        written = []
        if legacy_format is None or legacy_format:
            written += list(self.save_vocabulary(save_directory, filename_prefix=prefix.rstrip("-") or None))
        if not legacy_format:
            from .tokenization_backend import pretty_tokenizer_json

            path = os.path.join(save_directory, prefix + TOKENIZER_FILE)
            atomic_write_text(path, pretty_tokenizer_json(self._tokenizer.to_tokenizer_json()))
            written.append(path)
        return written

    def save_vocabulary(self, save_directory: str, filename_prefix: str | None = None) -> tuple[str, ...]:
        """Write vocab.txt: the WordPiece vocabulary (no added tokens) in id order."""
        vocab = self._tokenizer.get_vocab(with_added_tokens=False)
        by_id = sorted(vocab.items(), key=lambda kv: kv[1])
        path = os.path.join(save_directory, (f"{filename_prefix}-" if filename_prefix else "") + "vocab.txt")
        for expected, (token, index) in enumerate(by_id):
            if index != expected:
                raise ValueError(
                    f"cannot save the vocabulary to {path}: ids are not consecutive "
                    f"(token {token!r} has id {index}, expected {expected})"
                )
        atomic_write_text(path, "".join(token + "\n" for token, _ in by_id))
        return (path,)


def _is_pair(item: Any, words: bool) -> bool:
    if not isinstance(item, (list, tuple)):
        return False
    return not words or (len(item) == 2 and isinstance(item[0], (list, tuple)))


def _split_pairs(items: list[Any], words: bool) -> tuple[list[Any], list[Any]]:
    """A batch of (text, pair) items (tuples or lists of two) as the texts and the pairs."""
    for i, item in enumerate(items):
        if (
            not isinstance(item, (list, tuple))
            or len(item) != 2
            or (words and not all(isinstance(x, (list, tuple)) for x in item))
        ):
            what = f"{len(item)} items" if isinstance(item, (list, tuple)) else type(item).__name__
            raise ValueError(f"text[{i}] must be a (text, text_pair) pair like the other items, got {what}")
    return [item[0] for item in items], [item[1] for item in items]


# tokenizers 0.23 decoders/wordpiece.rs `cleanup`, applied to each token as it is glued on
_CLEANUP = (
    (" .", "."),
    (" ?", "?"),
    (" !", "!"),
    (" ,", ","),
    (" ' ", "'"),
    (" n't", "n't"),
    (" 'm", "'m"),
    (" do not", " don't"),
    (" 's", "'s"),
    (" 've", "'ve"),
    (" 're", "'re"),
)


def _wordpiece_decode(tokens: list[str], prefix: str, cleanup: bool) -> str:
    """tokenizers' WordPiece decoder: a token with the prefix is glued to the previous one (prefix removed),
    any other token after the first gets a space; then the cleanup of each piece."""
    out = []
    for i, token in enumerate(tokens):
        if i != 0:
            token = token.replace(prefix, "", 1) if token.startswith(prefix) else " " + token
        if cleanup:
            for dirty, clean in _CLEANUP:
                token = token.replace(dirty, clean)
        out.append(token)
    return "".join(out)


def tokenizer_json_with_normalizer(
    text: str, *, lowercase: bool, strip_accents: bool | None, handle_chinese_chars: bool, where: str
) -> str:
    """The tokenizer.json text with its BertNormalizer options set (a `tokenizer_config.json` that disagrees
    with `tokenizer.json` wins, as in transformers' BertTokenizerFast)."""
    data = json.loads(text)
    normalizer = data.get("normalizer")
    if not isinstance(normalizer, dict) or normalizer.get("type") != "BertNormalizer":
        raise ValueError(f"{where}: normalizer must be a BertNormalizer object")
    normalizer.update(
        lowercase=lowercase, strip_accents=strip_accents, handle_chinese_chars=handle_chinese_chars
    )
    return json.dumps(data, ensure_ascii=False)
