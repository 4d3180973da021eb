"""What the slow (pure Python) and fast (Rust) tokenizers share: `PreTrainedTokenizerBase`.

Mirrors `transformers.tokenization_utils_base` (4.x names and signatures; outputs checked against the installed
transformers 5.24 in tests/tokenizers), and every name transformers users import from here still imports from
here. The base is split by job, one module each:

    tokenization_utils_base.py        PreTrainedTokenizerBase: settings, the `__call__` front end (keywords
                                      checked and turned into one `EncodeOptions`), `pad`, `decode`
    tokenization_options.py           what a call asks for: PaddingStrategy, TruncationStrategy, TensorType,
                                      EncodeOptions, the input checks
    tokenization_batch_encoding.py    what a call returns: BatchEncoding, Encoding (a row's alignment),
                                      CharSpan, TokenSpan
    tokenization_special_tokens.py    AddedToken and SpecialTokensMixin: which tokens are special, adding
                                      tokens, where special tokens go in a sequence
    tokenization_files.py             TokenizerFilesMixin: from_pretrained / save_pretrained and their files
    tokenization_chat_template.py     ChatTemplateMixin: apply_chat_template (Jinja, sandboxed), the
                                      template files
    tokenization_utils.py             PreTrainedTokenizer, the slow (Python) base: added-token trie, the
                                      per-sequence pipeline (`prepare_for_model`, truncation), decoding
    tokenization_utils_fast.py        PreTrainedTokenizerFast, the fast base over the native Rust tokenizer

A subclass provides `_encode_plus(text, text_pair, options)`, `_decode`, the vocabulary and the conversions.
"""

from __future__ import annotations

import copy
import logging
import os
import warnings
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, overload

import numpy as np

from .tokenization_batch_encoding import BatchEncoding, CharSpan, Encoding, TokenSpan, as_tensor, to_py_obj
from .tokenization_chat_template import ChatTemplate, ChatTemplateMixin, check_chat_template
from .tokenization_files import (
    ADDED_TOKENS_FILE,
    FULL_TOKENIZER_FILE,
    SPECIAL_TOKENS_MAP_FILE,
    TOKENIZER_CONFIG_FILE,
    TokenizerFilesMixin,
)
from .tokenization_options import (
    LARGE_INTEGER,
    VERY_LARGE_INTEGER,
    EncodedInput,
    EncodeOptions,
    ExplicitEnum,
    PaddingStrategy,
    PreTokenizedInput,
    TensorType,
    TextInput,
    TruncationStrategy,
    check_side,
    check_text,
    encode_options,
)
from .tokenization_special_tokens import AddedToken, SpecialTokensMixin, added_token_from_json

__all__ = [  # transformers' names, importable from here as in transformers
    "ADDED_TOKENS_FILE",
    "FULL_TOKENIZER_FILE",
    "LARGE_INTEGER",
    "SPECIAL_TOKENS_MAP_FILE",
    "TOKENIZER_CONFIG_FILE",
    "VERY_LARGE_INTEGER",
    "AddedToken",
    "BatchEncoding",
    "CharSpan",
    "EncodeOptions",
    "EncodedInput",
    "Encoding",
    "ExplicitEnum",
    "PaddingStrategy",
    "PreTokenizedInput",
    "PreTrainedTokenizerBase",
    "SpecialTokensMixin",
    "TensorType",
    "TextInput",
    "TokenSpan",
    "TruncationStrategy",
    "added_token_from_json",
    "as_tensor",
    "to_py_obj",
]

logger = logging.getLogger(__name__)


class PreTrainedTokenizerBase(SpecialTokensMixin, TokenizerFilesMixin, ChatTemplateMixin):
    """Shared API of slow and fast tokenizers (see the module docstring).

    Class attributes: `vocab_files_names` (constructor argument -> file name), `model_input_names` (first one is
    the ids), `padding_side` / `truncation_side` defaults.
    """

    model_input_names: list[str] = ["input_ids", "token_type_ids", "attention_mask"]  # noqa: RUF012
    padding_side: str = "right"
    truncation_side: str = "right"
    slow_tokenizer_class: ClassVar[type | None] = None

    def __init__(
        self,
        *,
        model_max_length: int | None = None,
        padding_side: str | None = None,
        truncation_side: str | None = None,
        model_input_names: list[str] | None = None,
        clean_up_tokenization_spaces: bool = False,
        split_special_tokens: bool = False,
        bos_token: str | AddedToken | None = None,
        eos_token: str | AddedToken | None = None,
        unk_token: str | AddedToken | None = None,
        sep_token: str | AddedToken | None = None,
        pad_token: str | AddedToken | None = None,
        cls_token: str | AddedToken | None = None,
        mask_token: str | AddedToken | None = None,
        additional_special_tokens: Sequence[str | AddedToken] | None = None,
        extra_special_tokens: Sequence[str | AddedToken] | None = None,
        name_or_path: str | os.PathLike[str] = "",
        verbose: bool = False,
        chat_template: ChatTemplate | list[dict[str, str]] | None = None,
        init_settings: dict[str, Any] | None = None,
    ) -> None:
        # the subclass's own constructor settings and the special tokens given, saved by save_pretrained (the
        # base's settings are added there); from_pretrained adds the files and the other keywords it passed
        self.init_kwargs = copy.deepcopy(init_settings or {})
        named = {
            "bos_token": bos_token,
            "eos_token": eos_token,
            "unk_token": unk_token,
            "sep_token": sep_token,
            "pad_token": pad_token,
            "cls_token": cls_token,
            "mask_token": mask_token,
        }
        self.init_kwargs.update({k: v for k, v in named.items() if v is not None})
        self.init_inputs: tuple[Any, ...] = ()
        self.chat_template: ChatTemplate | None = check_chat_template(chat_template)
        self.name_or_path = os.fspath(name_or_path)
        self.verbose = verbose
        self._init_special_tokens(
            named,
            additional_special_tokens if additional_special_tokens is not None else extra_special_tokens,
        )

        if model_max_length is not None and (
            isinstance(model_max_length, bool)
            or not isinstance(model_max_length, int)
            or model_max_length < 0
        ):
            raise ValueError(f"model_max_length must be a non-negative int, got {model_max_length!r}")
        self.model_max_length = model_max_length if model_max_length is not None else VERY_LARGE_INTEGER
        self.padding_side = check_side("padding_side", padding_side or type(self).padding_side)
        self.truncation_side = check_side("truncation_side", truncation_side or type(self).truncation_side)
        self.model_input_names = list(model_input_names or type(self).model_input_names)
        self.clean_up_tokenization_spaces = clean_up_tokenization_spaces
        self.split_special_tokens = split_special_tokens
        self._pad_token_type_id = 0
        self._warned: set[str] = set()

    @property
    def pad_token_type_id(self) -> int:
        return self._pad_token_type_id

    # ---- vocabulary (subclasses) --------------------------------------------------------------------------
    @property
    def vocab_size(self) -> int:
        """Size of the base vocabulary, without added tokens."""
        raise NotImplementedError

    def __len__(self) -> int:
        raise NotImplementedError

    def get_vocab(self) -> dict[str, int]:
        raise NotImplementedError

    @property
    def added_tokens_decoder(self) -> dict[int, AddedToken]:
        raise NotImplementedError

    @property
    def added_tokens_encoder(self) -> dict[str, int]:
        return {t.content: i for i, t in sorted(self.added_tokens_decoder.items())}

    def get_added_vocab(self) -> dict[str, int]:
        return self.added_tokens_encoder

    @property
    def is_fast(self) -> bool:
        return False

    # (a str is also a Sequence[str]: the first overload wins, as typeshed's own str overloads do)
    @overload
    def convert_tokens_to_ids(self, tokens: str) -> int: ...  # type: ignore[overload-overlap]

    @overload
    def convert_tokens_to_ids(self, tokens: Sequence[str]) -> list[int]: ...

    @overload
    def convert_tokens_to_ids(self, tokens: None) -> None: ...

    def convert_tokens_to_ids(self, tokens: str | Sequence[str] | None) -> int | list[int] | None:
        if tokens is None:
            return None
        if isinstance(tokens, str):
            return self._convert_token_to_id_with_added_voc(tokens)
        return [self._convert_token_to_id_with_added_voc(t) for t in tokens]

    def _convert_token_to_id_with_added_voc(self, token: str) -> int:
        raise NotImplementedError

    def convert_ids_to_tokens(self, ids: int | Sequence[int], skip_special_tokens: bool = False) -> Any:
        raise NotImplementedError

    def convert_tokens_to_string(self, tokens: list[str]) -> str:
        raise NotImplementedError

    @property
    def max_len_single_sentence(self) -> int:
        return self.model_max_length - self.num_special_tokens_to_add(pair=False)

    @property
    def max_len_sentences_pair(self) -> int:
        return self.model_max_length - self.num_special_tokens_to_add(pair=True)

    def __repr__(self) -> str:
        added = "".join(f"\n\t{i}: {t!r}," for i, t in self.added_tokens_decoder.items())
        return (
            f"{type(self).__name__}(name_or_path='{self.name_or_path}', vocab_size={self.vocab_size}, "
            f"model_max_length={self.model_max_length}, is_fast={self.is_fast}, "
            f"padding_side='{self.padding_side}', truncation_side='{self.truncation_side}', "
            f"special_tokens={self.special_tokens_map}, clean_up_tokenization_spaces="
            f"{self.clean_up_tokenization_spaces}, added_tokens_decoder={{{added}{chr(10) if added else ''}}})"
        )

    # ---- encoding front end -------------------------------------------------------------------------------
    def tokenize(
        self, text: str, pair: str | None = None, add_special_tokens: bool = False, **kwargs: Any
    ) -> list[str]:
        raise NotImplementedError

    def __call__(
        self,
        text: TextInput | PreTokenizedInput | list[TextInput] | list[PreTokenizedInput] | None = None,
        text_pair: TextInput | PreTokenizedInput | list[TextInput] | list[PreTokenizedInput] | None = None,
        text_target: Any = None,
        text_pair_target: Any = None,
        add_special_tokens: bool = True,
        padding: bool | str | PaddingStrategy = False,
        truncation: bool | str | TruncationStrategy | None = None,
        max_length: int | None = None,
        stride: int = 0,
        is_split_into_words: bool = False,
        pad_to_multiple_of: int | None = None,
        padding_side: str | None = None,
        return_tensors: str | TensorType | None = None,
        return_token_type_ids: bool | None = None,
        return_attention_mask: bool | None = None,
        return_overflowing_tokens: bool = False,
        return_special_tokens_mask: bool = False,
        return_offsets_mapping: bool = False,
        return_length: bool = False,
        verbose: bool = True,
        split_special_tokens: bool | None = None,
        pad_to_max_length: bool = False,
        truncation_strategy: str | TruncationStrategy | None = None,
    ) -> BatchEncoding:
        """Tokenize one text, a batch, a pair or a batch of pairs (or pre-split words with
        `is_split_into_words=True`) and prepare them for the model: special tokens, truncation, padding.

        `pad_to_max_length` and `truncation_strategy` are transformers 4.x's deprecated spellings of `padding`
        and `truncation` (a FutureWarning says so, as there)."""
        if text is None and text_target is None:
            raise ValueError("pass text (or text_target) to tokenize")
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
            split_special_tokens=split_special_tokens,
            verbose=verbose,
            add_special_tokens=add_special_tokens,
            stride=stride,
            is_split_into_words=is_split_into_words,
            return_overflowing_tokens=return_overflowing_tokens,
            return_special_tokens_mask=return_special_tokens_mask,
            return_offsets_mapping=return_offsets_mapping,
            return_length=return_length,
        )
        encodings = None
        if text is not None:
            check_text("text", text, is_split_into_words)
            if text_pair is not None:
                check_text("text_pair", text_pair, is_split_into_words)
            encodings = self._encode_plus(text, text_pair, options)
        if text_target is None:
            assert encodings is not None
            return encodings
        check_text("text_target", text_target, is_split_into_words)
        targets = self._encode_plus(text_target, text_pair_target, options)
        if encodings is None:
            return targets
        encodings["labels"] = targets["input_ids"]
        return encodings

    def _deprecated_strategies(
        self,
        padding: bool | str | PaddingStrategy,
        truncation: bool | str | TruncationStrategy | None,
        max_length: int | None,
        pad_to_max_length: bool,
        truncation_strategy: str | TruncationStrategy | None,
        verbose: bool,
    ) -> tuple[bool | str | PaddingStrategy, bool | str | TruncationStrategy | None]:
        """transformers 4.x `_get_padding_truncation_strategies` for its deprecated keywords: with no `padding`,
        `pad_to_max_length=True` pads to `max_length` when given, else to the longest row; with no
        `truncation`, `truncation_strategy` is the strategy. Each warns (FutureWarning) when `verbose`."""
        if pad_to_max_length and padding is False:
            if max_length is not None and truncation is None:
                # 4.x turned truncation on for a lone max_length before looking at pad_to_max_length
                truncation = self._truncation_for_lone_max_length(verbose)
            if verbose:
                warnings.warn(
                    "The `pad_to_max_length` argument is deprecated and will be removed in a future version, use "
                    "`padding=True` or `padding='longest'` to pad to the longest sequence in the batch, or use "
                    "`padding='max_length'` to pad to a max length. In this case, you can give a specific length "
                    "with `max_length` (e.g. `max_length=45`) or leave max_length to None to pad to the maximal "
                    "input size of the model (e.g. 512 for Bert).",
                    FutureWarning,
                    stacklevel=3,
                )
            padding = PaddingStrategy.LONGEST if max_length is None else PaddingStrategy.MAX_LENGTH
        elif pad_to_max_length and padding is True and verbose:
            warnings.warn(
                "Though `pad_to_max_length` = `True`, it is ignored because `padding`=`True`.", stacklevel=3
            )
        if (
            truncation_strategy is not None
            and truncation_strategy != "do_not_truncate"
            and truncation is None
        ):
            if verbose:
                warnings.warn(
                    "The `truncation_strategy` argument is deprecated and will be removed in a future version, use "
                    "`truncation=True` to truncate examples to a max length. You can give a specific length with "
                    "`max_length` (e.g. `max_length=45`) or leave max_length to None to truncate to the maximal "
                    "input size of the model (e.g. 512 for Bert).",
                    FutureWarning,
                    stacklevel=3,
                )
            truncation = TruncationStrategy(truncation_strategy)
        return padding, truncation

    def _truncation_for_lone_max_length(self, verbose: bool) -> str:
        if verbose and "truncation-not-explicit" not in self._warned:
            self._warned.add("truncation-not-explicit")
            logger.warning(
                "Truncation was not explicitly activated but `max_length` is provided a specific value, please"
                " use `truncation=True` to explicitly truncate examples to max length. Defaulting to"
                " 'longest_first' truncation strategy."
            )
        return "longest_first"

    def _encode_options(
        self,
        *,
        add_special_tokens: bool,
        padding: bool | str | PaddingStrategy,
        truncation: bool | str | TruncationStrategy | None,
        max_length: int | None,
        stride: int,
        is_split_into_words: bool,
        pad_to_multiple_of: int | None,
        padding_side: str | None,
        return_tensors: str | TensorType | None,
        return_token_type_ids: bool | None,
        return_attention_mask: bool | None,
        return_overflowing_tokens: bool,
        return_special_tokens_mask: bool,
        return_offsets_mapping: bool,
        return_length: bool,
        verbose: bool,
        split_special_tokens: bool | None,
    ) -> EncodeOptions:
        """The one place transformers' call keywords become `EncodeOptions`: strategies resolved, the
        tokenizer's defaults filled in (a `None` token-type or attention-mask request follows
        `model_input_names`)."""
        padding_strategy, truncation_strategy, max_length = self._get_padding_truncation_strategies(
            padding=padding,
            truncation=truncation,
            max_length=max_length,
            pad_to_multiple_of=pad_to_multiple_of,
            verbose=verbose,
        )
        return encode_options(  # EncodeOptions' fields, in order
            add_special_tokens,
            padding_strategy,
            truncation_strategy,
            max_length,
            stride,
            is_split_into_words,
            pad_to_multiple_of,
            self.padding_side if padding_side is None else padding_side,
            None if return_tensors is None else TensorType(return_tensors),
            "token_type_ids" in self.model_input_names
            if return_token_type_ids is None
            else return_token_type_ids,
            "attention_mask" in self.model_input_names
            if return_attention_mask is None
            else return_attention_mask,
            return_overflowing_tokens,
            return_special_tokens_mask,
            return_offsets_mapping,
            return_length,
            verbose,
            self.split_special_tokens if split_special_tokens is None else split_special_tokens,
        )

    def _encode_plus(self, text: Any, text_pair: Any, options: EncodeOptions) -> BatchEncoding:
        """Encode checked text (one, a batch, pairs) as `options` say (the subclass's job)."""
        raise NotImplementedError

    def encode(
        self,
        text: TextInput | PreTokenizedInput,
        text_pair: TextInput | PreTokenizedInput | None = None,
        add_special_tokens: bool = True,
        padding: bool | str | PaddingStrategy = False,
        truncation: bool | str | TruncationStrategy | None = None,
        max_length: int | None = None,
        stride: int = 0,
        padding_side: str | None = None,
        return_tensors: str | TensorType | None = None,
        **kwargs: Any,
    ) -> Any:
        """The ids of one text (or pair), as `tokenizer(text)["input_ids"]`."""
        encoded = self(
            text,
            text_pair,
            add_special_tokens=add_special_tokens,
            padding=padding,
            truncation=truncation,
            max_length=max_length,
            stride=stride,
            padding_side=padding_side,
            return_tensors=return_tensors,
            **kwargs,
        )
        return encoded["input_ids"]

    def encode_plus(self, text: Any, text_pair: Any = None, **kwargs: Any) -> BatchEncoding:
        """4.x name for calling the tokenizer on one text or pair."""
        return self(text, text_pair, **kwargs)

    def batch_encode_plus(self, batch_text_or_text_pairs: Sequence[Any], **kwargs: Any) -> BatchEncoding:
        """4.x name for calling the tokenizer on a batch (of texts, or of (text, pair) tuples)."""
        if batch_text_or_text_pairs and all(
            isinstance(x, tuple) and len(x) == 2 for x in batch_text_or_text_pairs
        ):
            first, second = zip(*batch_text_or_text_pairs, strict=False)
            return self(list(first), list(second), **kwargs)
        return self(list(batch_text_or_text_pairs), **kwargs)

    def _get_padding_truncation_strategies(
        self,
        padding: Any = False,
        truncation: Any = None,
        max_length: int | None = None,
        pad_to_multiple_of: int | None = None,
        verbose: bool = True,
    ) -> tuple[PaddingStrategy, TruncationStrategy, int | None]:
        """Resolve padding/truncation arguments the way transformers does (4.x and 5 agree):
        `max_length` alone turns truncation on; 'max_length' padding or truncation without `max_length` use
        `model_max_length`, or are switched off when the model has no limit."""
        if max_length is not None and (
            isinstance(max_length, bool) or not isinstance(max_length, int) or max_length < 0
        ):
            raise ValueError(f"max_length must be a non-negative int or None, got {max_length!r}")
        if pad_to_multiple_of is not None and (
            isinstance(pad_to_multiple_of, bool)
            or not isinstance(pad_to_multiple_of, int)
            or pad_to_multiple_of < 1
        ):
            raise ValueError(f"pad_to_multiple_of must be a positive int or None, got {pad_to_multiple_of!r}")
        if max_length is not None and padding is False and truncation is None:
            truncation = self._truncation_for_lone_max_length(verbose)

        if padding is False or padding is None:
            padding_strategy = PaddingStrategy.DO_NOT_PAD
        elif padding is True:
            if verbose and max_length is not None and truncation in (None, False, "do_not_truncate"):
                warnings.warn(
                    "`max_length` is ignored when `padding`=`True` and there is no truncation strategy. "
                    "To pad to max length, use `padding='max_length'`.",
                    stacklevel=3,
                )
            padding_strategy = PaddingStrategy.LONGEST
        else:
            padding_strategy = PaddingStrategy(padding)

        if truncation is False or truncation is None:
            truncation_strategy = TruncationStrategy.DO_NOT_TRUNCATE
        elif truncation is True:
            truncation_strategy = TruncationStrategy.LONGEST_FIRST
        else:
            truncation_strategy = TruncationStrategy(truncation)

        if max_length is None:
            if padding_strategy == PaddingStrategy.MAX_LENGTH:
                if self.model_max_length > LARGE_INTEGER:
                    if verbose and "no-max-length-pad" not in self._warned:
                        self._warned.add("no-max-length-pad")
                        logger.warning(
                            "Asking to pad to max_length but no maximum length is provided and the model"
                            " has no predefined maximum length. Default to no padding."
                        )
                    padding_strategy = PaddingStrategy.DO_NOT_PAD
                else:
                    max_length = self.model_max_length
            if truncation_strategy != TruncationStrategy.DO_NOT_TRUNCATE:
                if self.model_max_length > LARGE_INTEGER:
                    if verbose and "no-max-length-trunc" not in self._warned:
                        self._warned.add("no-max-length-trunc")
                        logger.warning(
                            "Asking to truncate to max_length but no maximum length is provided and the"
                            " model has no predefined maximum length. Default to no truncation."
                        )
                    truncation_strategy = TruncationStrategy.DO_NOT_TRUNCATE
                else:
                    max_length = self.model_max_length

        if padding_strategy != PaddingStrategy.DO_NOT_PAD and (
            self.pad_token is None or self.pad_token_id < 0
        ):
            raise ValueError(
                "Asking to pad but the tokenizer does not have a padding token. Set one with "
                "`tokenizer.pad_token = ...` or `tokenizer.add_special_tokens({'pad_token': '[PAD]'})`."
            )
        if (
            truncation_strategy != TruncationStrategy.DO_NOT_TRUNCATE
            and padding_strategy != PaddingStrategy.DO_NOT_PAD
            and pad_to_multiple_of is not None
            and max_length is not None
            and max_length % pad_to_multiple_of != 0
        ):
            raise ValueError(
                "Truncation and padding are both activated but "
                f"truncation length ({max_length}) is not a multiple of pad_to_multiple_of ({pad_to_multiple_of})."
            )
        return padding_strategy, truncation_strategy, max_length

    def _eventual_warn_about_too_long_sequence(
        self, ids: Sequence[int], max_length: int | None, verbose: bool
    ) -> None:
        self._warn_if_too_long(len(ids), max_length, verbose)

    def _warn_if_too_long(self, length: int, max_length: int | None, verbose: bool) -> None:
        """Warn once when a sequence (of `length` ids) will not fit the model and nothing truncated it."""
        if max_length is None and length > self.model_max_length and verbose:
            if "sequence-too-long" not in self._warned:
                self._warned.add("sequence-too-long")
                logger.warning(
                    "Token indices sequence length is longer than the specified maximum sequence length for this "
                    f"model ({length} > {self.model_max_length}). Running this sequence through the model will "
                    "result in indexing errors"
                )

    # ---- padding ------------------------------------------------------------------------------------------
    def pad(
        self,
        encoded_inputs: Any,
        padding: bool | str | PaddingStrategy = True,
        max_length: int | None = None,
        pad_to_multiple_of: int | None = None,
        padding_side: str | None = None,
        return_attention_mask: bool | None = None,
        return_tensors: str | TensorType | None = None,
        verbose: bool = True,
    ) -> BatchEncoding:
        """Pad one encoding or a batch (a dict of lists, or a list of dicts as a DataLoader collate gives) to
        the longest row, to `max_length`, and/or to a multiple of `pad_to_multiple_of`. numpy / torch inputs come
        back as the same kind unless `return_tensors` says otherwise."""
        if (
            isinstance(encoded_inputs, (list, tuple))
            and encoded_inputs
            and isinstance(encoded_inputs[0], Mapping)
        ):
            encoded_inputs = {key: [example[key] for example in encoded_inputs] for key in encoded_inputs[0]}
        if not isinstance(encoded_inputs, Mapping):
            raise TypeError(
                f"pad() takes a dict of model inputs or a list of them, got {type(encoded_inputs).__name__}"
            )
        main = self.model_input_names[0]
        if main not in encoded_inputs:
            raise ValueError(f"pad() needs {main!r} in the inputs, got keys {list(encoded_inputs)}")
        encoded_inputs = dict(encoded_inputs)
        required = encoded_inputs[main]
        if required is None or len(required) == 0:
            if return_attention_mask:
                encoded_inputs["attention_mask"] = []
            return BatchEncoding(encoded_inputs, tensor_type=return_tensors)

        # numpy / torch inputs: pad as lists, give back the same kind
        first = required[0]
        if isinstance(first, (list, tuple)):
            first = next((row[0] for row in required if len(row)), first)
        if not isinstance(first, (int, list, tuple)):
            if isinstance(first, np.ndarray) or isinstance(first, np.integer):
                return_tensors = return_tensors or "np"
            elif hasattr(first, "detach"):
                return_tensors = return_tensors or "pt"
            else:
                raise TypeError(
                    f"pad(): {main!r} holds {type(first).__name__}; expected ints, numpy or torch"
                )
            encoded_inputs = to_py_obj(encoded_inputs)
            required = encoded_inputs[main]

        padding_strategy, _, max_length = self._get_padding_truncation_strategies(
            padding=padding, max_length=max_length, verbose=verbose
        )
        if padding_side is not None:
            check_side("padding_side", padding_side)

        if required and not isinstance(required[0], (list, tuple)):
            out = self._pad(
                encoded_inputs,
                max_length=max_length,
                padding_strategy=padding_strategy,
                pad_to_multiple_of=pad_to_multiple_of,
                padding_side=padding_side,
                return_attention_mask=return_attention_mask,
            )
            return BatchEncoding(out, tensor_type=return_tensors)

        batch_size = len(required)
        for key, value in encoded_inputs.items():
            if len(value) != batch_size:
                raise ValueError(f"pad(): {key!r} has {len(value)} rows but {main!r} has {batch_size}")
        if padding_strategy == PaddingStrategy.LONGEST:
            max_length = max(len(row) for row in required)
            padding_strategy = PaddingStrategy.MAX_LENGTH
        batch: dict[str, list[Any]] = {}
        for i in range(batch_size):
            row = self._pad(
                {k: v[i] for k, v in encoded_inputs.items()},
                max_length=max_length,
                padding_strategy=padding_strategy,
                pad_to_multiple_of=pad_to_multiple_of,
                padding_side=padding_side,
                return_attention_mask=return_attention_mask,
            )
            for key, value in row.items():
                batch.setdefault(key, []).append(value)
        return BatchEncoding(batch, tensor_type=return_tensors)

    def _pad(
        self,
        encoded_inputs: dict[str, Any],
        max_length: int | None = None,
        padding_strategy: PaddingStrategy = PaddingStrategy.DO_NOT_PAD,
        pad_to_multiple_of: int | None = None,
        padding_side: str | None = None,
        return_attention_mask: bool | None = None,
    ) -> dict[str, Any]:
        """Pad one row (transformers' `_pad`): ids with pad_token_id, token types with pad_token_type_id,
        special-tokens mask with 1, attention mask with 0."""
        if return_attention_mask is None:
            return_attention_mask = "attention_mask" in self.model_input_names
        main = self.model_input_names[0]
        required = encoded_inputs[main]
        if padding_strategy == PaddingStrategy.LONGEST:
            max_length = len(required)
        if max_length is not None and pad_to_multiple_of is not None and max_length % pad_to_multiple_of != 0:
            max_length = (max_length // pad_to_multiple_of + 1) * pad_to_multiple_of
        if return_attention_mask and "attention_mask" not in encoded_inputs:
            encoded_inputs["attention_mask"] = [1] * len(required)
        if (
            padding_strategy == PaddingStrategy.DO_NOT_PAD
            or max_length is None
            or len(required) >= max_length
        ):
            return encoded_inputs
        n = max_length - len(required)
        fills = {
            main: self.pad_token_id,
            "attention_mask": 0,
            "token_type_ids": self.pad_token_type_id,
            "special_tokens_mask": 1,
        }
        left = (padding_side or self.padding_side) == "left"
        for key, fill in fills.items():
            if key in encoded_inputs and (key != "attention_mask" or return_attention_mask):
                value = list(encoded_inputs[key])
                encoded_inputs[key] = [fill] * n + value if left else value + [fill] * n
        return encoded_inputs

    # ---- decoding -----------------------------------------------------------------------------------------
    def decode(
        self,
        token_ids: Any,
        skip_special_tokens: bool = False,
        clean_up_tokenization_spaces: bool | None = None,
        **kwargs: Any,
    ) -> Any:
        """Ids back to text. A batch (list of lists, 2-D array) gives a list of strings."""
        token_ids = to_py_obj(token_ids)
        if isinstance(token_ids, list) and token_ids and isinstance(token_ids[0], list):
            return [
                self._decode(
                    seq,
                    skip_special_tokens=skip_special_tokens,
                    clean_up_tokenization_spaces=clean_up_tokenization_spaces,
                    **kwargs,
                )
                for seq in token_ids
            ]
        return self._decode(
            token_ids,
            skip_special_tokens=skip_special_tokens,
            clean_up_tokenization_spaces=clean_up_tokenization_spaces,
            **kwargs,
        )

    def batch_decode(
        self,
        sequences: Any,
        skip_special_tokens: bool = False,
        clean_up_tokenization_spaces: bool | None = None,
        **kwargs: Any,
    ) -> list[str]:
        sequences = to_py_obj(sequences)
        return [
            self._decode(
                seq,
                skip_special_tokens=skip_special_tokens,
                clean_up_tokenization_spaces=clean_up_tokenization_spaces,
                **kwargs,
            )
            for seq in sequences
        ]

    def _decode(
        self,
        token_ids: Any,
        skip_special_tokens: bool = False,
        clean_up_tokenization_spaces: bool | None = None,
        **kwargs: Any,
    ) -> str:
        raise NotImplementedError

    @staticmethod
    def clean_up_tokenization(out_string: str) -> str:
        """Remove the spaces a word-level join puts before punctuation and English contractions."""
        return (
            out_string.replace(" .", ".")
            .replace(" ?", "?")
            .replace(" !", "!")
            .replace(" ,", ",")
            .replace(" ' ", "'")
            .replace(" n't", "n't")
            .replace(" 'm", "'m")
            .replace(" 's", "'s")
            .replace(" 've", "'ve")
            .replace(" 're", "'re")
        )
