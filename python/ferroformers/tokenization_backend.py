"""`backend_tokenizer`: the native Rust tokenizer of a fast tokenizer, seen through the API of Hugging Face
`tokenizers.Tokenizer`, so that code written against transformers' `tokenizer.backend_tokenizer` runs.

The native tokenizer is one fixed BERT pipeline (BertNormalizer, BertPreTokenizer, WordPiece, BertProcessing,
the WordPiece decoder). What `tokenizers` exposes of such a pipeline is mirrored, computed by that pipeline:

    normalizer      BertNormalizer: its options (read, or set: the tokenizer is rebuilt with them);
                    `normalize_str` is not available (the Rust encoder does not expose its normalized text)
    pre_tokenizer   BertPreTokenizer: `pre_tokenize_str` (the Rust pre-tokenizer's words and offsets)
    model           WordPiece: unk_token, continuing_subword_prefix, max_input_chars_per_word, token_to_id,
                    id_to_token, save (vocab.txt)
    post_processor  BertProcessing: cls, sep, num_special_tokens_to_add
    decoder         WordPiece decoder: prefix, cleanup, decode(tokens)
    Tokenizer       encode / encode_batch (Encoding objects with ids, type_ids, tokens, offsets, masks,
                    word_ids, overflowing), decode / decode_batch, enable_truncation / enable_padding,
                    vocabulary and added tokens, save / to_str (tokenizer.json laid out as tokenizers writes it)

Anything else a `tokenizers` object has (other component types, training, custom components) raises an error
that says so. The fast tokenizer's flat encoders (`encode_batch_flat`, `encode_lines_flat`) and the native
object (`native`) are reachable too.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ._native import WordPieceTokenizer
from .tokenization_batch_encoding import Encoding
from .tokenization_special_tokens import AddedToken
from .tokenization_utils_fast import _token_tuple, _wordpiece_decode, tokenizer_json_with_normalizer
from .utils.io import atomic_write_text

if TYPE_CHECKING:
    from .tokenization_utils_fast import PreTrainedTokenizerFast

# the tokenizers.Tokenizer names this view has no equivalent for
_UNSUPPORTED = {
    "train": "training (see WordPieceTrainer and train_new_from_iterator)",
    "train_from_iterator": "training (see WordPieceTrainer and train_new_from_iterator)",
    "post_process": "post-processing an Encoding by hand",
    "encode_batch_fast": "encode_batch_fast",
    "async_encode": "async encoding",
    "async_encode_batch": "async encoding",
    "async_encode_batch_fast": "async encoding",
    "async_decode_batch": "async decoding",
    "from_pretrained": "loading from the hub (use the fast tokenizer's from_pretrained)",
}


def pretty_tokenizer_json(text: str) -> str:
    """tokenizer.json laid out as `tokenizers` saves it (`Tokenizer.save(path, pretty=True)`, serde_json's
    pretty printer: 2-space indent, non-ASCII kept, no final newline), key order kept."""
    return json.dumps(json.loads(text), indent=2, ensure_ascii=False)


class BackendEncoding(Encoding):
    """One encoded sequence, as `tokenizers.Encoding`: the ids, type ids, tokens, offsets, masks, word and
    sequence ids, and the pieces truncation cut off (`overflowing`)."""

    __slots__ = ("attention_mask", "overflowing", "special_tokens_mask", "type_ids")

    def __init__(
        self,
        ids: list[int],
        type_ids: list[int],
        tokens: list[str],
        offsets: list[tuple[int, int]],
        attention_mask: list[int],
        special_tokens_mask: list[int],
        word_ids: list[int | None],
        sequence_ids: list[int | None],
    ) -> None:
        super().__init__(ids, tokens, offsets, word_ids, sequence_ids)
        self.type_ids = type_ids
        self.attention_mask = attention_mask
        self.special_tokens_mask = special_tokens_mask
        self.overflowing: list[BackendEncoding] = []

    @property
    def words(self) -> list[int | None]:
        return self.word_ids

    def __repr__(self) -> str:
        return (
            f"Encoding(num_tokens={len(self.ids)}, attributes=[ids, type_ids, tokens, offsets, "
            f"attention_mask, special_tokens_mask, overflowing])"
        )


class _Component:
    """A pipeline stage of the native tokenizer, as its `tokenizers` twin: `__getstate__` gives its JSON."""

    def __init__(self, backend: BackendTokenizer) -> None:
        self._backend = backend

    def _state(self) -> dict[str, Any]:
        raise NotImplementedError

    def __getstate__(self) -> bytes:
        return json.dumps(self._state(), ensure_ascii=False, separators=(",", ":")).encode()

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in self._state().items() if k not in ("type", "vocab"))
        return f"{type(self).__name__}({fields})"


class BertNormalizer(_Component):
    """The tokenizer's normalizer options. Setting one rebuilds the tokenizer with it (as setting it on a
    `tokenizers` normalizer changes the tokenizer that holds it)."""

    _OPTIONS = ("clean_text", "handle_chinese_chars", "strip_accents", "lowercase")

    def _state(self) -> dict[str, Any]:
        native = self._backend.native
        return {
            "type": "BertNormalizer",
            "clean_text": native.clean_text,
            "handle_chinese_chars": native.handle_chinese_chars,
            "strip_accents": native.strip_accents,
            "lowercase": native.lowercase,
        }

    def __getattr__(self, name: str) -> Any:
        if name in BertNormalizer._OPTIONS:
            return self._state()[name]
        raise AttributeError(f"BertNormalizer has no attribute {name!r}")

    def __setattr__(self, name: str, value: Any) -> None:
        if name in BertNormalizer._OPTIONS:
            self._backend._set_normalizer({**self._state(), name: value})
        else:
            super().__setattr__(name, value)

    def normalize_str(self, sequence: str) -> str:
        raise NotImplementedError(
            "normalize_str is not available: the normalizer runs inside the Rust encoder, which does not expose "
            "the normalized text. Its options are normalizer.lowercase, .strip_accents, .handle_chinese_chars "
            "and .clean_text; encode() gives the tokens and their offsets in the original text"
        )

    def normalize(self, normalized: Any) -> None:
        self.normalize_str("")


class BertPreTokenizer(_Component):
    """Splits on whitespace and punctuation (the Rust pre-tokenizer, tokenizers' Unicode tables)."""

    def _state(self) -> dict[str, Any]:
        return {"type": "BertPreTokenizer"}

    def pre_tokenize_str(self, sequence: str) -> list[tuple[str, tuple[int, int]]]:
        """The words of `sequence` with their character offsets, as `tokenizers`' BertPreTokenizer gives them."""
        if not isinstance(sequence, str):
            raise TypeError(f"pre_tokenize_str takes a str, got {type(sequence).__name__}")
        # the native pipeline with the normalizer off and a vocabulary in which every word is unknown: each word
        # becomes one [UNK] token whose offsets are the word's
        probe = _word_splitter()
        encoded = probe.encode_batch([sequence], add_special_tokens=False, num_threads=1)
        return [(sequence[start:end], (start, end)) for start, end in encoded.offsets()[0]]

    def pre_tokenize(self, pretok: Any) -> None:
        raise NotImplementedError("pre_tokenize(PreTokenizedString) is not available; use pre_tokenize_str")


_SPLITTER: list[WordPieceTokenizer] = []


def _word_splitter() -> WordPieceTokenizer:
    if not _SPLITTER:
        _SPLITTER.append(
            WordPieceTokenizer(
                ["[UNK]", "[CLS]", "[SEP]"],
                clean_text=False,
                handle_chinese_chars=False,
                strip_accents=False,
                lowercase=False,
            )
        )
    return _SPLITTER[0]


class WordPiece(_Component):
    """The WordPiece model: its settings and vocabulary."""

    def _state(self) -> dict[str, Any]:
        native = self._backend.native
        return {
            "type": "WordPiece",
            "unk_token": native.unk_token,
            "continuing_subword_prefix": native.continuing_subword_prefix,
            "max_input_chars_per_word": native.max_input_chars_per_word,
            "vocab": native.get_vocab(with_added_tokens=False),
        }

    @property
    def unk_token(self) -> str:
        return self._backend.native.unk_token

    @property
    def continuing_subword_prefix(self) -> str:
        return self._backend.native.continuing_subword_prefix

    @property
    def max_input_chars_per_word(self) -> int:
        return self._backend.native.max_input_chars_per_word

    def token_to_id(self, token: str) -> int | None:
        return self._backend.native.get_vocab(with_added_tokens=False).get(token)

    def id_to_token(self, id: int) -> str | None:
        return {i: t for t, i in self._backend.native.get_vocab(with_added_tokens=False).items()}.get(id)

    def save(self, folder: str, prefix: str | None = None) -> list[str]:
        """Write the vocabulary as `{prefix}-vocab.txt` (or vocab.txt) in `folder`, one token per line in id
        order; returns the path."""
        by_id = sorted(self._backend.native.get_vocab(with_added_tokens=False).items(), key=lambda kv: kv[1])
        path = os.path.join(folder, f"{prefix}-vocab.txt" if prefix else "vocab.txt")
        atomic_write_text(path, "".join(token + "\n" for token, _ in by_id))
        return [path]

    def tokenize(self, sequence: str) -> list[Any]:
        raise NotImplementedError(
            "WordPiece.tokenize is not available (the model runs inside the Rust encoder); "
            "use the backend's encode()"
        )


class BertProcessing(_Component):
    """`[CLS] A [SEP] (B [SEP])`, with the tokens' ids."""

    def _state(self) -> dict[str, Any]:
        return {"type": "BertProcessing", "sep": list(self.sep), "cls": list(self.cls)}

    def _pair(self, token: str | None) -> tuple[str, int]:
        assert token is not None
        index = self._backend.native.token_to_id(token)
        assert index is not None
        return token, index

    @property
    def sep(self) -> tuple[str, int]:
        return self._pair(self._backend.native.sep_token)

    @property
    def cls(self) -> tuple[str, int]:
        return self._pair(self._backend.native.cls_token)

    def num_special_tokens_to_add(self, is_pair: bool) -> int:
        return 3 if is_pair else 2


class WordPieceDecoder(_Component):
    """tokenizers' WordPiece decoder: pieces with the prefix are glued to the previous token, then the
    cleanup of spaces before punctuation and contractions."""

    def _state(self) -> dict[str, Any]:
        return {"type": "WordPiece", "prefix": self.prefix, "cleanup": True}

    @property
    def prefix(self) -> str:
        return self._backend.native.continuing_subword_prefix

    @property
    def cleanup(self) -> bool:
        return True

    def decode(self, tokens: list[str]) -> str:
        return _wordpiece_decode(list(tokens), self.prefix, cleanup=True)


class BackendTokenizer:
    """A fast tokenizer's native tokenizer with the `tokenizers.Tokenizer` API (see the module docstring)."""

    def __init__(self, native: WordPieceTokenizer, owner: PreTrainedTokenizerFast | None = None) -> None:
        self._native = native
        self._owner = owner
        self._truncation: dict[str, Any] | None = None
        self._padding: dict[str, Any] | None = None
        self.encode_special_tokens = False

    @property
    def native(self) -> WordPieceTokenizer:
        """The `ferroformers._native.WordPieceTokenizer` itself."""
        if self._owner is not None:
            self._native = self._owner._tokenizer
        return self._native

    def __reduce__(self) -> Any:
        return BackendTokenizer, (self.native,)

    def __repr__(self) -> str:
        return (
            f"BackendTokenizer(vocab_size={self.get_vocab_size()}, pipeline=BertNormalizer+BertPreTokenizer+"
            "WordPiece+BertProcessing)"
        )

    def __getattr__(self, name: str) -> Any:
        what = _UNSUPPORTED.get(name)
        if what is not None:
            raise NotImplementedError(
                f"backend_tokenizer.{name}: {what} is not available on ferroformers' "
                "native tokenizer (a fixed BERT WordPiece pipeline)"
            )
        raise AttributeError(f"backend_tokenizer has no attribute {name!r}")

    # ---- pipeline stages ----------------------------------------------------------------------------------
    @property
    def normalizer(self) -> BertNormalizer:
        return BertNormalizer(self)

    @normalizer.setter
    def normalizer(self, value: Any) -> None:
        state = _component_state(value, "normalizer")
        if state.get("type") != "BertNormalizer":
            raise TypeError(
                f"the native tokenizer takes a BertNormalizer as normalizer, got {state.get('type')!r}"
            )
        self._set_normalizer(state)

    def _set_normalizer(self, state: dict[str, Any]) -> None:
        if state.get("clean_text", True) is not True:
            raise ValueError("the native tokenizer always cleans text (clean_text=True)")
        for key in ("handle_chinese_chars", "lowercase"):
            if not isinstance(state.get(key, True), bool):
                raise TypeError(f"normalizer.{key} must be a bool, got {state[key]!r}")
        strip_accents = state.get("strip_accents")
        if strip_accents is not None and not isinstance(strip_accents, bool):
            raise TypeError(f"normalizer.strip_accents must be a bool or None, got {strip_accents!r}")
        lowercase, chinese = state.get("lowercase", True), state.get("handle_chinese_chars", True)
        native = WordPieceTokenizer.from_tokenizer_json(
            tokenizer_json_with_normalizer(
                self.native.to_tokenizer_json(),
                lowercase=lowercase,
                strip_accents=strip_accents,
                handle_chinese_chars=chinese,
                where="backend_tokenizer.normalizer",
            )
        )
        self._native = native
        owner = self._owner
        if owner is not None:
            owner._tokenizer = native
            # keep the settings save_pretrained writes in step (tokenizer_config.json wins when loading)
            for key, value in (
                ("do_lower_case", lowercase),
                ("strip_accents", strip_accents),
                ("tokenize_chinese_chars", chinese),
            ):
                if key in owner.init_kwargs:
                    owner.init_kwargs[key] = value
            if hasattr(owner, "do_lower_case"):
                owner.do_lower_case = lowercase

    @property
    def pre_tokenizer(self) -> BertPreTokenizer:
        return BertPreTokenizer(self)

    @property
    def model(self) -> WordPiece:
        return WordPiece(self)

    @property
    def post_processor(self) -> BertProcessing | None:
        return BertProcessing(self) if self.native.cls_token is not None else None

    @property
    def decoder(self) -> WordPieceDecoder:
        return WordPieceDecoder(self)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in ("pre_tokenizer", "model", "post_processor", "decoder"):
            raise NotImplementedError(
                f"backend_tokenizer.{name} cannot be replaced: the native tokenizer is a "
                "fixed BERT WordPiece pipeline (only the normalizer's options can change)"
            )
        super().__setattr__(name, value)

    # ---- truncation and padding of encode / encode_batch ---------------------------------------------------
    @property
    def truncation(self) -> dict[str, Any] | None:
        return dict(self._truncation) if self._truncation is not None else None

    @property
    def padding(self) -> dict[str, Any] | None:
        return dict(self._padding) if self._padding is not None else None

    def enable_truncation(
        self, max_length: int, stride: int = 0, strategy: str = "longest_first", direction: str = "right"
    ) -> None:
        for name, value in (("max_length", max_length), ("stride", stride)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"enable_truncation: {name} must be an int >= 0, got {value!r}")
        if strategy not in ("longest_first", "only_first", "only_second"):
            raise ValueError(f"enable_truncation: unknown strategy {strategy!r}")
        if direction not in ("right", "left"):
            raise ValueError(f"enable_truncation: direction must be 'right' or 'left', got {direction!r}")
        self._truncation = {
            "max_length": max_length,
            "stride": stride,
            "strategy": strategy,
            "direction": direction,
        }

    def no_truncation(self) -> None:
        self._truncation = None

    def enable_padding(
        self,
        direction: str = "right",
        pad_id: int = 0,
        pad_type_id: int = 0,
        pad_token: str = "[PAD]",
        length: int | None = None,
        pad_to_multiple_of: int | None = None,
    ) -> None:
        if direction not in ("right", "left"):
            raise ValueError(f"enable_padding: direction must be 'right' or 'left', got {direction!r}")
        self._padding = {
            "length": length,
            "pad_to_multiple_of": pad_to_multiple_of,
            "pad_id": pad_id,
            "pad_token": pad_token,
            "pad_type_id": pad_type_id,
            "direction": direction,
        }

    def no_padding(self) -> None:
        self._padding = None

    # ---- encoding -----------------------------------------------------------------------------------------
    def encode(
        self,
        sequence: str | Sequence[str],
        pair: str | Sequence[str] | None = None,
        is_pretokenized: bool = False,
        add_special_tokens: bool = True,
    ) -> BackendEncoding:
        item: Any = sequence if pair is None else (sequence, pair)
        return self.encode_batch(
            [item], is_pretokenized=is_pretokenized, add_special_tokens=add_special_tokens
        )[0]

    def encode_batch(
        self, input: Sequence[Any], is_pretokenized: bool = False, add_special_tokens: bool = True
    ) -> list[BackendEncoding]:
        """Each item a sequence (a str, or a list of words when `is_pretokenized`) or a (sequence, pair)
        tuple / two-item list; truncation and padding as enabled on this object."""
        firsts: list[Any] = []
        seconds: list[Any] = []
        for i, item in enumerate(input):
            single = (
                isinstance(item, str)
                if not is_pretokenized
                else (isinstance(item, (list, tuple)) and all(isinstance(w, str) for w in item))
            )
            if single:
                firsts.append(item)
                seconds.append(None)
            elif isinstance(item, (list, tuple)) and len(item) == 2:
                firsts.append(item[0])
                seconds.append(item[1])
            else:
                raise TypeError(f"input[{i}] must be a sequence or a (sequence, pair) of two, got {item!r}")
        has_pairs = any(s is not None for s in seconds)
        if has_pairs and any(s is None for s in seconds):
            # the native batch is all singles or all pairs: encode the two kinds apart, keep the order
            out: list[BackendEncoding] = []
            for first, second in zip(firsts, seconds, strict=True):
                item = first if second is None else (first, second)
                out += self.encode_batch([item], is_pretokenized, add_special_tokens)
            return (
                out
                if self._padding is None or self._padding["length"] is not None
                else self._pad_longest(out)
            )
        return self._encode_native(
            firsts, seconds if has_pairs else None, is_pretokenized, add_special_tokens
        )

    def _encode_native(
        self, firsts: list[Any], seconds: list[Any] | None, is_pretokenized: bool, add_special_tokens: bool
    ) -> list[BackendEncoding]:
        truncation, padding = self._truncation, self._padding
        max_length = truncation["max_length"] if truncation else None
        pad_mode = None
        if padding is not None:
            pad_mode = "longest" if padding["length"] is None else "max_length"
            if padding["length"] is not None:
                if max_length is not None and max_length != padding["length"]:
                    raise NotImplementedError(
                        "padding to a fixed length other than the truncation max_length "
                        "is not supported by the native tokenizer"
                    )
                max_length = padding["length"]
        native = self.native.encode_batch(
            firsts,
            seconds,
            is_pretokenized=is_pretokenized,
            add_special_tokens=add_special_tokens,
            max_length=max_length,
            truncation=truncation["strategy"] if truncation else None,
            stride=truncation["stride"] if truncation else 0,
            truncation_side=truncation["direction"] if truncation else "right",
            return_overflowing_tokens=truncation is not None,
            padding=pad_mode,
            pad_to_multiple_of=padding["pad_to_multiple_of"] if padding else None,
            padding_side=padding["direction"] if padding else "right",
            pad_id=padding["pad_id"] if padding else 0,
            pad_type_id=padding["pad_type_id"] if padding else 0,
            pad_token=padding["pad_token"] if padding else "[PAD]",
            encode_special_tokens=self.encode_special_tokens,
            num_threads=None,
        )
        ids, type_ids, masks = native.ids(), native.type_ids(), native.attention_mask()
        specials, offsets = native.special_tokens_mask(), native.offsets()
        rows = [
            BackendEncoding(
                ids[i],
                type_ids[i],
                native.tokens(i),
                offsets[i],
                masks[i],
                specials[i],
                native.word_ids(i),
                native.sequence_ids(i),
            )
            for i in range(len(native))
        ]
        if truncation is None:
            return rows
        samples: list[BackendEncoding] = []
        for row, sample in zip(rows, native.overflow_to_sample_mapping(), strict=True):
            if sample == len(samples):
                samples.append(row)
            else:
                samples[sample].overflowing.append(row)
        return samples

    def _pad_longest(self, rows: list[BackendEncoding]) -> list[BackendEncoding]:
        """Batch-longest padding of rows encoded apart (a batch mixing single sequences and pairs)."""
        assert self._padding is not None
        padding = self._padding
        everything = [r for row in rows for r in (row, *row.overflowing)]
        target = max((len(r) for r in everything), default=0)
        multiple = padding["pad_to_multiple_of"]
        if multiple and target % multiple:
            target += multiple - target % multiple
        for r in everything:
            n = target - len(r)
            if n <= 0:
                continue
            left = padding["direction"] == "left"
            for name, fill in (
                ("ids", padding["pad_id"]),
                ("type_ids", padding["pad_type_id"]),
                ("tokens", padding["pad_token"]),
                ("offsets", (0, 0)),
                ("attention_mask", 0),
                ("special_tokens_mask", 1),
                ("word_ids", None),
                ("sequence_ids", None),
            ):
                values = getattr(r, name)
                setattr(r, name, [fill] * n + values if left else values + [fill] * n)
        return rows

    # ---- decoding -----------------------------------------------------------------------------------------
    def decode(self, ids: Sequence[int], skip_special_tokens: bool = True) -> str:
        native = self.native
        special = (
            {t for _, t, *_flags, sp in native.get_added_tokens() if sp} if skip_special_tokens else set()
        )
        tokens = [t for i in ids if (t := native.id_to_token(int(i))) is not None and t not in special]
        return _wordpiece_decode(tokens, native.continuing_subword_prefix, cleanup=True)

    def decode_batch(self, sequences: Sequence[Sequence[int]], skip_special_tokens: bool = True) -> list[str]:
        return [self.decode(ids, skip_special_tokens) for ids in sequences]

    # ---- vocabulary and added tokens ----------------------------------------------------------------------
    def token_to_id(self, token: str) -> int | None:
        return self.native.token_to_id(token)

    def id_to_token(self, id: int) -> str | None:
        return self.native.id_to_token(id)

    def get_vocab(self, with_added_tokens: bool = True) -> dict[str, int]:
        return self.native.get_vocab(with_added_tokens=with_added_tokens)

    def get_vocab_size(self, with_added_tokens: bool = True) -> int:
        return self.native.get_vocab_size(with_added_tokens=with_added_tokens)

    def get_added_tokens_decoder(self) -> dict[int, AddedToken]:
        return {
            i: AddedToken(content, single_word=sw, lstrip=ls, rstrip=rs, normalized=norm, special=sp)
            for i, content, sw, ls, rs, norm, sp in self.native.get_added_tokens()
        }

    def add_tokens(self, tokens: Sequence[str | AddedToken]) -> int:
        """Add tokens (a str is `AddedToken(content, normalized=True)`); returns how many were added."""
        return self._add([t if isinstance(t, AddedToken) else AddedToken(t, normalized=True) for t in tokens])

    def add_special_tokens(self, tokens: Sequence[str | AddedToken]) -> int:
        """Add special tokens (never split, skipped by `decode(skip_special_tokens=True)`)."""
        return self._add(
            [
                AddedToken(
                    t.content,
                    single_word=t.single_word,
                    lstrip=t.lstrip,
                    rstrip=t.rstrip,
                    normalized=t.normalized,
                    special=True,
                )
                if isinstance(t, AddedToken)
                else AddedToken(t, special=True)
                for t in tokens
            ]
        )

    def _add(self, tokens: list[AddedToken]) -> int:
        for t in tokens:
            if not isinstance(t, AddedToken):
                raise TypeError(f"add_tokens takes str or AddedToken, got {type(t).__name__}")
        return self.native.add_tokens([_token_tuple(t) for t in tokens])

    def num_special_tokens_to_add(self, is_pair: bool) -> int:
        return 0 if self.post_processor is None else (3 if is_pair else 2)

    # ---- files --------------------------------------------------------------------------------------------
    def to_str(self, pretty: bool = False) -> str:
        """The tokenizer.json text (compact, or laid out as `tokenizers` pretty-prints it)."""
        text = self.native.to_tokenizer_json()
        return pretty_tokenizer_json(text) if pretty else text

    def save(self, path: str | os.PathLike[str], pretty: bool = True) -> None:
        """Write tokenizer.json (atomically) as `tokenizers.Tokenizer.save` does."""
        atomic_write_text(path, self.to_str(pretty=pretty))

    # ---- the native flat encoders -------------------------------------------------------------------------
    def to_tokenizer_json(self) -> str:
        return self.native.to_tokenizer_json()

    def encode_batch_flat(self, texts: Sequence[str], **kwargs: Any) -> Any:
        """`ferroformers._native.WordPieceTokenizer.encode_batch_flat` (flat numpy arrays for a corpus)."""
        return self.native.encode_batch_flat(texts, **kwargs)

    def encode_lines_flat(self, data: bytes, **kwargs: Any) -> Any:
        """`ferroformers._native.WordPieceTokenizer.encode_lines_flat`."""
        return self.native.encode_lines_flat(data, **kwargs)


def _component_state(value: Any, what: str) -> dict[str, Any]:
    """The JSON state of a component: ours, or a `tokenizers` one (through its `__getstate__`)."""
    if isinstance(value, _Component):
        return value._state()
    getstate = getattr(value, "__getstate__", None)
    try:
        state = json.loads(getstate()) if getstate is not None else None
    except (TypeError, ValueError):
        state = None
    if not isinstance(state, dict):
        raise TypeError(
            f"backend_tokenizer.{what} must be a tokenizers or ferroformers {what}, got "
            f"{type(value).__name__}"
        )
    return state
