"""`Wav2Vec2CTCTokenizer`: characters to ids for CTC training labels, and CTC decoding of predicted ids (repeats
merged, blanks dropped, character and word offsets). Mirrors transformers' `models/wav2vec2/
tokenization_wav2vec2.py` (5.24), including its quirks (see `decode`).

Self-contained for now: the shared slow-tokenizer base (`tokenization_utils.PreTrainedTokenizer`) was not on
its branch yet when this was written. The public API is the base's (`__call__`, `tokenize`, `encode`,
`convert_tokens_to_ids` / `convert_ids_to_tokens`, `decode`, `batch_decode`, `pad`, special-token attributes,
`add_tokens`, `save_pretrained`, `from_pretrained`), so it can move onto that base without changing callers.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from itertools import groupby
from typing import Any, ClassVar

import numpy as np

from ...configuration_utils import load_json
from ...feature_extraction_sequence_utils import padding_plan, to_numpy
from ...feature_extraction_utils import _HUB_KWARGS, BatchFeature
from ...utils.hub import cached_file
from ...utils.io import atomic_write_text

VOCAB_FILES_NAMES = {"vocab_file": "vocab.json", "tokenizer_config_file": "tokenizer_config.json"}
SPECIAL_TOKENS = ("bos_token", "eos_token", "unk_token", "pad_token")
# tokenizer_config.json keys that describe the file rather than configure this tokenizer (written by transformers
# 4.x / 5 or by other libraries); accepted and dropped on load
_IGNORED_CONFIG_KEYS = {
    "tokenizer_class", "processor_class", "name_or_path", "auto_map", "added_tokens_decoder", "backend",
    "is_local", "local_files_only", "model_specific_special_tokens", "special_tokens_map_file",
    "tokenizer_file", "extra_special_tokens", "additional_special_tokens", "model_input_names",
    "truncation_side", "split_special_tokens", "use_fast", "transformers_version",
    # wav2vec2-base-960h's tokenizer_config.json carries the feature extractor's settings too
    "do_normalize", "return_attention_mask",
}


def _content(token: Any, *, where: str) -> str | None:
    """A special token as text: a string, or transformers' AddedToken JSON form {"content": ...}."""
    if token is None or isinstance(token, str):
        return token
    if isinstance(token, Mapping) and isinstance(token.get("content"), str):
        return token["content"]
    content = getattr(token, "content", None)
    if isinstance(content, str):
        return content
    raise ValueError(f"{where}: a token must be a string or {{'content': ...}}, got {token!r}")


class Wav2Vec2CTCTokenizerOutput(dict):
    """Decoded text with optional offsets (transformers' `Wav2Vec2CTCTokenizerOutput`): read it as attributes
    (`out.text`, `out.char_offsets`, `out.word_offsets`) or keys; keys whose value is None are left out."""

    def __init__(self, text: Any, char_offsets: Any = None, word_offsets: Any = None) -> None:
        super().__init__({k: v for k, v in (("text", text), ("char_offsets", char_offsets),
                                            ("word_offsets", word_offsets)) if v is not None})
        self.text = text
        self.char_offsets = char_offsets
        self.word_offsets = word_offsets

    def __repr__(self) -> str:
        return (f"Wav2Vec2CTCTokenizerOutput(text={self.text!r}, char_offsets={self.char_offsets!r}, "
                f"word_offsets={self.word_offsets!r})")


class Wav2Vec2CTCTokenizer:
    """Character-level CTC tokenizer.

    Args:
        vocab_file: vocab.json, a {token: id} object (or {language: {token: id}} with `target_lang`).
        bos_token, eos_token, unk_token, pad_token: special tokens; the pad token is the CTC blank.
        word_delimiter_token: the token that stands for a space ("|").
        replace_word_delimiter_char: what the delimiter decodes to (" ").
        do_lower_case: upper-case text before encoding (the vocabularies are upper-case) and lower-case decoded
            text, as transformers does.
        target_lang: the language of a nested, multilingual vocab.json.
        model_max_length, padding_side, clean_up_tokenization_spaces: as in every transformers tokenizer.
    """

    vocab_files_names: ClassVar[dict[str, str]] = VOCAB_FILES_NAMES
    model_input_names: ClassVar[list[str]] = ["input_ids", "attention_mask"]

    def __init__(
        self,
        vocab_file: str | os.PathLike[str],
        bos_token: str | None = "<s>",
        eos_token: str | None = "</s>",
        unk_token: str | None = "<unk>",
        pad_token: str | None = "<pad>",
        word_delimiter_token: str | None = "|",
        replace_word_delimiter_char: str = " ",
        do_lower_case: bool = False,
        target_lang: str | None = None,
        model_max_length: int = int(1e30),
        padding_side: str = "right",
        clean_up_tokenization_spaces: bool = False,
        **kwargs: Any,
    ) -> None:
        unknown = set(kwargs) - _IGNORED_CONFIG_KEYS
        if unknown:
            raise TypeError(f"Wav2Vec2CTCTokenizer got unexpected settings {sorted(unknown)}")
        self.vocab_file = os.fspath(vocab_file)
        self.vocab = load_json(self.vocab_file)
        self.target_lang = target_lang
        self.do_lower_case = do_lower_case
        self.replace_word_delimiter_char = replace_word_delimiter_char
        self.model_max_length = model_max_length
        if padding_side not in ("right", "left"):
            raise ValueError(f"padding_side must be 'right' or 'left', got {padding_side!r}")
        self.padding_side = padding_side
        self.clean_up_tokenization_spaces = clean_up_tokenization_spaces
        self.name_or_path = os.path.dirname(self.vocab_file)
        self._special: dict[str, str | None] = {}
        for name, value in zip(SPECIAL_TOKENS, (bos_token, eos_token, unk_token, pad_token), strict=True):
            self._special[name] = _content(value, where=name)
        self._word_delimiter_token = _content(word_delimiter_token, where="word_delimiter_token")
        self._added_tokens_encoder: dict[str, int] = {}
        self._set_encoder()
        for token in (*self._special.values(), self._word_delimiter_token):
            if token is not None and token not in self.encoder and token not in self._added_tokens_encoder:
                self._added_tokens_encoder[token] = len(self)
        self._rebuild_splitter()

    def _set_encoder(self) -> None:
        where = self.vocab_file
        if self.target_lang is not None:
            if self.target_lang not in self.vocab or not isinstance(self.vocab[self.target_lang], dict):
                raise ValueError(f"{where}: target_lang {self.target_lang!r} is not one of the nested "
                                 f"vocabularies ({', '.join(map(str, self.vocab))})")
            encoder = self.vocab[self.target_lang]
        else:
            encoder = self.vocab
        for token, index in encoder.items():
            if isinstance(index, bool) or not isinstance(index, int):
                raise ValueError(f"{where}: the id of {token!r} must be an integer, got {index!r}"
                                 + (" (a nested vocabulary needs target_lang=)" if isinstance(index, dict) else ""))
        self.encoder: dict[str, int] = dict(encoder)
        self.decoder: dict[int, str] = {v: k for k, v in self.encoder.items()}

    def set_target_lang(self, target_lang: str) -> None:
        """Switch a nested multilingual vocabulary to `target_lang`."""
        if all(isinstance(v, int) for v in self.vocab.values()):
            raise ValueError("this vocabulary is not nested by language; cannot set target_lang")
        self.target_lang = target_lang
        self._set_encoder()
        self._rebuild_splitter()

    # --- special tokens ---------------------------------------------------------------------------------------------

    def __getattr__(self, name: str) -> Any:
        special = self.__dict__.get("_special", {})
        if name in special:
            return special[name]
        if name.endswith("_token_id") and name[: -len("_id")] in special:
            token = special[name[: -len("_id")]]
            return None if token is None else self.convert_tokens_to_ids(token)
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")

    @property
    def word_delimiter_token(self) -> str | None:
        return self._word_delimiter_token

    @word_delimiter_token.setter
    def word_delimiter_token(self, value: str | None) -> None:
        self._word_delimiter_token = value
        self._rebuild_splitter()

    @property
    def word_delimiter_token_id(self) -> int | None:
        token = self._word_delimiter_token
        return None if token is None else self.convert_tokens_to_ids(token)

    @property
    def special_tokens_map(self) -> dict[str, str]:
        return {k: v for k, v in self._special.items() if v is not None}

    @property
    def all_special_tokens(self) -> list[str]:
        """bos, eos, unk, pad, then the word delimiter: transformers 5.24's order."""
        tokens = [self._special[k] for k in ("bos_token", "eos_token", "unk_token", "pad_token")]
        tokens.append(self._word_delimiter_token)
        return [t for t in dict.fromkeys(tokens) if t is not None]

    @property
    def all_special_ids(self) -> list[int]:
        return [self.convert_tokens_to_ids(t) for t in self.all_special_tokens]

    # --- vocabulary -------------------------------------------------------------------------------------------------

    @property
    def vocab_size(self) -> int:
        return len(self.decoder)

    def __len__(self) -> int:
        return len(set(self.decoder) | set(self._added_tokens_encoder.values()))

    def get_vocab(self) -> dict[str, int]:
        vocab = dict(self.encoder)
        vocab.update(self._added_tokens_encoder)
        return vocab

    def get_added_vocab(self) -> dict[str, int]:
        return dict(self._added_tokens_encoder)

    def add_tokens(self, new_tokens: str | Sequence[str], special_tokens: bool = False) -> int:
        """Add tokens (kept whole when encoding) after the vocabulary; returns how many were new."""
        if isinstance(new_tokens, str):
            new_tokens = [new_tokens]
        added = 0
        for token in new_tokens:
            token = _content(token, where="add_tokens")
            if not token:
                raise ValueError("add_tokens: a token must be a non-empty string")
            if token in self.encoder or token in self._added_tokens_encoder:
                continue
            self._added_tokens_encoder[token] = len(self)
            added += 1
        self._rebuild_splitter()
        return added

    def _rebuild_splitter(self) -> None:
        """Multi-character tokens are kept whole and eat the spaces around them (transformers adds them as
        AddedToken(lstrip=True, rstrip=True)); tokens added later and the word delimiter do not strip."""
        stripping = {t for t in self.encoder if len(t) > 1}
        whole = stripping | set(self._added_tokens_encoder)
        if self._word_delimiter_token:
            whole.add(self._word_delimiter_token)
        self._stripping = stripping
        # longest first, so that "</s>" wins over a prefix of it
        self._whole_tokens = sorted((t for t in whole if t), key=len, reverse=True)

    def convert_tokens_to_ids(self, tokens: str | Sequence[str]) -> int | list[int]:
        if isinstance(tokens, str):
            return self._token_to_id(tokens)
        return [self._token_to_id(t) for t in tokens]

    def _token_to_id(self, token: str) -> int:
        if token in self._added_tokens_encoder:
            return self._added_tokens_encoder[token]
        if token in self.encoder:
            return self.encoder[token]
        unk = self._special["unk_token"]
        if unk is None or (unk not in self.encoder and unk not in self._added_tokens_encoder):
            raise KeyError(f"{token!r} is not in the vocabulary and there is no unk_token")
        return self._token_to_id(unk)

    def convert_ids_to_tokens(self, ids: int | Sequence[int], skip_special_tokens: bool = False) -> str | list[str]:
        added = {v: k for k, v in self._added_tokens_encoder.items()}
        unk = self._special["unk_token"] or ""

        def one(index: int) -> str:
            return self.decoder.get(index, added.get(index, unk))

        if isinstance(ids, (int, np.integer)):
            return one(int(ids))
        special = set(self.all_special_ids) if skip_special_tokens else set()
        return [one(int(i)) for i in ids if int(i) not in special]

    # --- encoding ---------------------------------------------------------------------------------------------------

    def tokenize(self, text: str, **kwargs: Any) -> list[str]:
        """Characters of `text` (spaces become the word delimiter; multi-character vocabulary tokens such as
        "<unk>" are kept whole and absorb the spaces next to them)."""
        if kwargs.pop("is_split_into_words", False):
            text = " " + text
        if kwargs:
            raise TypeError(f"tokenize() got unexpected keyword arguments {sorted(kwargs)}")
        if not isinstance(text, str):
            raise TypeError(f"text must be a string, got {type(text).__name__}")
        pieces: list[tuple[str, bool]] = []  # (text, is a whole token)
        i = start = 0
        while i < len(text):
            match = next((t for t in self._whole_tokens if text.startswith(t, i)), None)
            if match is None:
                i += 1
                continue
            pieces.append((text[start:i], False))
            pieces.append((match, True))
            i = start = i + len(match)
        pieces.append((text[start:], False))
        for k, (piece, whole) in enumerate(pieces):
            if whole and piece in self._stripping:
                if k > 0:
                    pieces[k - 1] = (pieces[k - 1][0].rstrip(), False)
                if k + 1 < len(pieces):
                    pieces[k + 1] = (pieces[k + 1][0].lstrip(), False)
        tokens: list[str] = []
        for piece, whole in pieces:
            if whole:
                tokens.append(piece)
            elif piece:
                tokens.extend(self._tokenize(piece))
        return tokens

    def _tokenize(self, text: str) -> list[str]:
        if self.do_lower_case:
            text = text.upper()
        return list(text.replace(" ", self._word_delimiter_token or " "))

    def encode(self, text: str, **kwargs: Any) -> list[int]:
        return self(text, **kwargs)["input_ids"]

    def __call__(
        self,
        text: str | Sequence[str],
        *,
        add_special_tokens: bool = True,
        padding: bool | str = False,
        truncation: bool = False,
        max_length: int | None = None,
        pad_to_multiple_of: int | None = None,
        return_attention_mask: bool | None = None,
        return_tensors: str | None = None,
        padding_side: str | None = None,
        is_split_into_words: bool = False,
    ) -> BatchFeature:
        """Encode one text or a batch: {"input_ids", "attention_mask"} (no special tokens are added: wav2vec2
        labels are bare characters; `add_special_tokens` is accepted for API compatibility)."""
        single = isinstance(text, str)
        texts = [text] if single else list(text)
        for i, t in enumerate(texts):
            if not isinstance(t, str):
                raise TypeError(f"text[{i}] must be a string, got {type(t).__name__}")
        ids = [self.convert_tokens_to_ids(self.tokenize(t, is_split_into_words=is_split_into_words)) for t in texts]
        if truncation is True or truncation in ("longest_first", "only_first"):
            limit = max_length if max_length is not None else self.model_max_length
            ids = [row[:limit] for row in ids]
        elif truncation not in (False, None, "do_not_truncate"):
            raise ValueError(f"truncation must be True, False, 'longest_first' or 'do_not_truncate', got {truncation!r}")
        encoded = self._pad_ids(ids, padding, max_length, pad_to_multiple_of, return_attention_mask, padding_side)
        if single:
            encoded = {k: v[0] for k, v in encoded.items()}
        return BatchFeature(encoded, tensor_type=return_tensors)

    def _pad_ids(self, ids: list[list[int]], padding: bool | str, max_length: int | None,
                 pad_to_multiple_of: int | None, return_attention_mask: bool | None,
                 padding_side: str | None, masks: list[list[int]] | None = None) -> dict[str, list[list[int]]]:
        _, pad_to = padding_plan([len(r) for r in ids], padding, max_length, False, pad_to_multiple_of)
        side = self.padding_side if padding_side is None else padding_side
        if side not in ("right", "left"):
            raise ValueError(f"padding_side must be 'right' or 'left', got {side!r}")
        if masks is None:
            masks = [[1] * len(r) for r in ids]
        if pad_to is not None:
            pad_id = self.pad_token_id
            if pad_id is None:
                raise ValueError("asked to pad but the tokenizer has no pad_token")
            out_ids, out_masks = [], []
            for row, mask in zip(ids, masks, strict=True):
                missing = max(pad_to - len(row), 0)
                if side == "right":
                    out_ids.append(row + [pad_id] * missing)
                    out_masks.append(mask + [0] * missing)
                else:
                    out_ids.append([pad_id] * missing + row)
                    out_masks.append([0] * missing + mask)
            ids, masks = out_ids, out_masks
        encoded: dict[str, list[list[int]]] = {"input_ids": ids}
        if return_attention_mask is not False:
            encoded["attention_mask"] = masks
        return encoded

    def pad(self, encoded_inputs: Any, padding: bool | str = True, max_length: int | None = None,
            pad_to_multiple_of: int | None = None, return_attention_mask: bool | None = None,
            return_tensors: str | None = None, padding_side: str | None = None, **kwargs: Any) -> BatchFeature:
        """Pad already-encoded ids: a dict with "input_ids" (and maybe "attention_mask") of a batch, or a list of
        such dicts. Keywords meant for a feature extractor's pad (when called through a processor) are ignored
        only if they are the ones transformers passes there too (truncation)."""
        kwargs.pop("truncation", None)
        if kwargs:
            raise TypeError(f"pad() got unexpected keyword arguments {sorted(kwargs)}")
        if isinstance(encoded_inputs, Sequence) and encoded_inputs and isinstance(encoded_inputs[0], Mapping):
            encoded_inputs = {k: [e[k] for e in encoded_inputs] for k in encoded_inputs[0]}
        if not isinstance(encoded_inputs, Mapping) or "input_ids" not in encoded_inputs:
            raise ValueError("pad() needs 'input_ids' (a dict of batches or a list of dicts)")
        ids = encoded_inputs["input_ids"]
        if return_tensors is None and hasattr(ids, "detach"):
            return_tensors = "pt"
        rows = [[int(i) for i in to_numpy(r).reshape(-1)] for r in ids]
        masks = None
        if "attention_mask" in encoded_inputs:
            masks = [[int(i) for i in to_numpy(m).reshape(-1)] for m in encoded_inputs["attention_mask"]]
        encoded = self._pad_ids(rows, padding, max_length, pad_to_multiple_of, return_attention_mask, padding_side,
                                masks)
        return BatchFeature(encoded, tensor_type=return_tensors)

    # --- CTC decoding -----------------------------------------------------------------------------------------------

    def convert_tokens_to_string(self, tokens: list[str], group_tokens: bool = True,
                                 spaces_between_special_tokens: bool = False, output_char_offsets: bool = False,
                                 output_word_offsets: bool = False) -> dict[str, Any]:
        """CTC collapse of `tokens`: merge repeats (`group_tokens`), drop the blank (pad token), turn the word
        delimiter into `replace_word_delimiter_char`, and optionally compute character / word offsets (in
        token positions)."""
        if not tokens:
            return {"text": "", "char_offsets": [], "word_offsets": []}
        if group_tokens:
            groups = [(token, len(list(run))) for token, run in groupby(tokens)]
        else:
            groups = [(token, 1) for token in tokens]
        pad = self._special["pad_token"]
        delimiter = self._word_delimiter_token
        chars = [self.replace_word_delimiter_char if t == delimiter else t for t, _ in groups if t != pad]
        char_offsets = word_offsets = None
        if output_char_offsets or output_word_offsets:
            char_offsets = []
            end = 0
            for token, repeats in groups:
                start, end = end, end + repeats
                if token != pad:
                    char_offsets.append({"char": token, "start_offset": start, "end_offset": end})
            for offset, char in zip(char_offsets, chars, strict=True):
                offset["char"] = char
            if output_word_offsets:
                word_offsets = self._get_word_offsets(char_offsets, self.replace_word_delimiter_char)
            if not output_char_offsets:
                char_offsets = None
        text = (" " if spaces_between_special_tokens else "").join(chars).strip()
        if self.do_lower_case:
            text = text.lower()
        return {"text": text, "char_offsets": char_offsets, "word_offsets": word_offsets}

    @staticmethod
    def _get_word_offsets(offsets: list[dict[str, Any]], word_delimiter_char: str = " ") -> list[dict[str, Any]]:
        """Words are the runs of non-delimiter characters, spanning their first start to last end offset."""
        words: list[dict[str, Any]] = []
        for is_space, run in groupby(offsets, key=lambda o: o["char"] == word_delimiter_char):
            if not is_space:
                run = list(run)
                words.append({"word": "".join(o["char"] for o in run), "start_offset": run[0]["start_offset"],
                              "end_offset": run[-1]["end_offset"]})
        return words

    @staticmethod
    def clean_up_tokenization(text: str) -> str:
        """transformers' English clean-up of spaces before punctuation and contractions."""
        for before, after in ((" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"),
                              (" 'm", "'m"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re")):
            text = text.replace(before, after)
        return text

    def decode(self, token_ids: Any, skip_special_tokens: bool = False,
               clean_up_tokenization_spaces: bool | None = None, output_char_offsets: bool = False,
               output_word_offsets: bool = False, group_tokens: bool = True,
               spaces_between_special_tokens: bool = False) -> str | Wav2Vec2CTCTokenizerOutput:
        """CTC-decode one sequence of ids (a list, numpy array or torch tensor, e.g. the argmax of the logits).

        With `skip_special_tokens=True`, special tokens other than the word delimiter are removed *before*
        repeats are merged, as in transformers; since the pad token is the CTC blank, "L <pad> L" then merges into
        one "L" (keep skip_special_tokens=False for CTC output, the pad is dropped after merging anyway).
        With `output_char_offsets` / `output_word_offsets` the result is a `Wav2Vec2CTCTokenizerOutput`; offsets
        count logit frames (multiply by the model's `inputs_to_logits_ratio / sampling_rate` for seconds).
        """
        if isinstance(token_ids, (int, np.integer)):
            token_ids = [token_ids]
        ids = to_numpy(token_ids).reshape(-1).tolist() if not isinstance(token_ids, list) else token_ids
        tokens = self.convert_ids_to_tokens([int(i) for i in ids])
        assert isinstance(tokens, list)
        if skip_special_tokens:
            special = set(self.all_special_tokens) - {self._word_delimiter_token}
            tokens = [t for t in tokens if t not in special]
        out = self.convert_tokens_to_string(tokens, group_tokens=group_tokens,
                                            spaces_between_special_tokens=spaces_between_special_tokens,
                                            output_char_offsets=output_char_offsets,
                                            output_word_offsets=output_word_offsets)
        text = out["text"]
        if self.clean_up_tokenization_spaces if clean_up_tokenization_spaces is None else clean_up_tokenization_spaces:
            text = self.clean_up_tokenization(text)
        if output_char_offsets or output_word_offsets:
            return Wav2Vec2CTCTokenizerOutput(text, out["char_offsets"], out["word_offsets"])
        return text

    def batch_decode(self, sequences: Any, skip_special_tokens: bool = False,
                     clean_up_tokenization_spaces: bool | None = None, output_char_offsets: bool = False,
                     output_word_offsets: bool = False, **kwargs: Any) -> list[str] | Wav2Vec2CTCTokenizerOutput:
        """`decode` over a batch (a list of id lists, a 2-D array or tensor). With offsets, one
        Wav2Vec2CTCTokenizerOutput whose fields are lists (one entry per sequence)."""
        decoded = [self.decode(seq, skip_special_tokens=skip_special_tokens,
                               clean_up_tokenization_spaces=clean_up_tokenization_spaces,
                               output_char_offsets=output_char_offsets, output_word_offsets=output_word_offsets,
                               **kwargs) for seq in sequences]
        if output_char_offsets or output_word_offsets:
            return Wav2Vec2CTCTokenizerOutput(
                [d.text for d in decoded],  # type: ignore[union-attr]
                [d.char_offsets for d in decoded] if output_char_offsets else None,  # type: ignore[union-attr]
                [d.word_offsets for d in decoded] if output_word_offsets else None,  # type: ignore[union-attr]
            )
        return decoded  # type: ignore[return-value]

    # --- save / load ------------------------------------------------------------------------------------------------

    def _tokenizer_config(self) -> dict[str, Any]:
        added = {str(i): {"content": t, "lstrip": t in self._stripping, "normalized": False,
                          "rstrip": t in self._stripping, "single_word": False,
                          # as transformers 5.24 writes it: only the delimiter is registered as special
                          "special": t == self._word_delimiter_token}
                 for t, i in sorted(self.get_vocab().items(), key=lambda kv: kv[1])
                 if len(t) > 1 or t in self._added_tokens_encoder or t in self.all_special_tokens}
        return {
            "added_tokens_decoder": added,
            **self.special_tokens_map,
            "clean_up_tokenization_spaces": self.clean_up_tokenization_spaces,
            "do_lower_case": self.do_lower_case,
            "model_max_length": self.model_max_length,
            "padding_side": self.padding_side,
            "replace_word_delimiter_char": self.replace_word_delimiter_char,
            "target_lang": self.target_lang,
            "tokenizer_class": type(self).__name__,
            "word_delimiter_token": self._word_delimiter_token,
        }

    def save_vocabulary(self, save_directory: str | os.PathLike[str], filename_prefix: str | None = None
                        ) -> tuple[str]:
        path = os.path.join(save_directory, (filename_prefix + "-" if filename_prefix else "") + "vocab.json")
        atomic_write_text(path, json.dumps(self.vocab, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
        return (path,)

    def save_pretrained(self, save_directory: str | os.PathLike[str], **kwargs: Any) -> tuple[str, ...]:
        """Write vocab.json, tokenizer_config.json (transformers 5 reads these) and special_tokens_map.json and
        added_tokens.json (what transformers 4.x also looked for)."""
        if kwargs.pop("push_to_hub", False):
            raise NotImplementedError("push_to_hub is not supported; upload the folder with huggingface_hub")
        kwargs.pop("legacy_format", None)
        if kwargs:
            raise TypeError(f"save_pretrained() got unexpected keyword arguments {sorted(kwargs)}")
        if os.path.isfile(save_directory):
            raise FileExistsError(f"{os.fspath(save_directory)!r} is a file, not a folder")
        os.makedirs(save_directory, exist_ok=True)

        def dump(name: str, data: Any) -> str:
            path = os.path.join(save_directory, name)
            atomic_write_text(path, json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
            return path

        files = [dump("tokenizer_config.json", self._tokenizer_config()),
                 dump("special_tokens_map.json", self.special_tokens_map)]
        if self._added_tokens_encoder:
            files.append(dump("added_tokens.json", self.get_added_vocab()))
        return (*files, *self.save_vocabulary(save_directory))

    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path: str | os.PathLike[str], **kwargs: Any
                        ) -> Wav2Vec2CTCTokenizer:
        """Load from a folder or hub id holding vocab.json, and optionally tokenizer_config.json,
        special_tokens_map.json and added_tokens.json (transformers 4.x and 5 layouts); `kwargs` override the
        saved settings."""
        hub = {k: kwargs.pop(k) for k in _HUB_KWARGS if k in kwargs}
        name = os.fspath(pretrained_model_name_or_path)
        vocab_file = cached_file(name, "vocab.json", **hub)
        assert vocab_file is not None
        settings: dict[str, Any] = {}
        for filename in ("special_tokens_map.json", "tokenizer_config.json"):
            path = cached_file(name, filename, required=False, **hub)
            if path is not None:
                data = load_json(path)
                for key in (*SPECIAL_TOKENS, "word_delimiter_token"):
                    if key in data:
                        data[key] = _content(data[key], where=f"{path}: {key}")
                settings.update(data)
        added_tokens = settings.get("added_tokens_decoder") or {}
        settings.update(kwargs)
        try:
            tokenizer = cls(vocab_file, **settings)
        except (TypeError, ValueError) as e:
            raise type(e)(f"{name}: {e}") from None
        extra = {}
        added_file = cached_file(name, "added_tokens.json", required=False, **hub)
        if added_file is not None:
            extra.update(load_json(added_file))
        for index, token in added_tokens.items():
            content = _content(token, where=f"{name}: added_tokens_decoder")
            if content is not None:
                extra.setdefault(content, int(index))
        for content, index in sorted(extra.items(), key=lambda kv: kv[1]):
            if content not in tokenizer.get_vocab():
                if index != len(tokenizer):
                    raise ValueError(f"{name}: added token {content!r} has id {index}, expected {len(tokenizer)}")
                tokenizer.add_tokens([content])
        tokenizer.name_or_path = name
        return tokenizer

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(name_or_path={self.name_or_path!r}, vocab_size={self.vocab_size}, "
                f"padding_side={self.padding_side!r}, special_tokens={self.special_tokens_map | {'word_delimiter_token': self._word_delimiter_token}})")
