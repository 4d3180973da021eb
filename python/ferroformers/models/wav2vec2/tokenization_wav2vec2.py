"""`Wav2Vec2CTCTokenizer`: characters to ids for CTC training labels, and CTC decoding of predicted ids (repeats
merged, blanks dropped, character and word offsets). Mirrors transformers' `models/wav2vec2/
tokenization_wav2vec2.py` (5.24), including its quirks (see `decode`), on the shared slow-tokenizer base
(`tokenization_utils.PreTrainedTokenizer`: added tokens, `__call__`, padding, truncation, save / load).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import Any, ClassVar

from ...configuration_utils import load_json
from ...tokenization_utils import PreTrainedTokenizer
from ...tokenization_utils_base import AddedToken, to_py_obj
from ...utils.generic import ModelOutput
from ...utils.hub import ResourceNotFoundError
from ...utils.io import atomic_write_text

VOCAB_FILES_NAMES = {"vocab_file": "vocab.json"}


def _content(token: Any, *, where: str) -> str | None:
    """A token as text: a string, an AddedToken or transformers' JSON form {"content": ...}."""
    if token is None or isinstance(token, str):
        return token
    if isinstance(token, AddedToken):
        return token.content
    if isinstance(token, Mapping) and isinstance(content := token.get("content"), str):
        return content
    raise ValueError(f"{where}: a token must be a string or {{'content': ...}}, got {token!r}")


@dataclass
class Wav2Vec2CTCTokenizerOutput(ModelOutput):
    """Decoded text with optional offsets (transformers' `Wav2Vec2CTCTokenizerOutput`, a `ModelOutput`): read it
    as attributes (`out.text`, `out.char_offsets`, `out.word_offsets`), keys or positions (fields that are None
    are left out); built from fields or from a dict, as in transformers."""

    text: Any = None
    char_offsets: Any = None
    word_offsets: Any = None


class Wav2Vec2CTCTokenizer(PreTrainedTokenizer):
    """Character-level CTC tokenizer.

    Args:
        vocab_file: vocab.json, a {token: id} object (or {language: {token: id}} with `target_lang`).
        bos_token, eos_token, unk_token, pad_token: special tokens; the pad token is the CTC blank.
        word_delimiter_token: the token that stands for a space ("|"); a special token.
        replace_word_delimiter_char: what the delimiter decodes to (" ").
        do_lower_case: upper-case text before encoding (the vocabularies are upper-case) and lower-case decoded
            text, as transformers does.
        target_lang: the language of a nested, multilingual vocab.json.
        vocab: the {token: id} table itself, instead of vocab_file.
        Other keywords (model_max_length, padding_side, clean_up_tokenization_spaces, ...) are the base's.

    Encoding keeps every multi-character vocabulary token ("<unk>", "<s>", ...) whole, eating the spaces next
    to it (transformers adds them as AddedToken(lstrip=True, rstrip=True)); every other character is a token,
    a space becomes the word delimiter. No special tokens are added around a sequence.
    """

    vocab_files_names: ClassVar[dict[str, str]] = VOCAB_FILES_NAMES
    model_input_names: list[str] = ["input_ids", "attention_mask"]  # noqa: RUF012

    def __init__(
        self,
        vocab_file: str | os.PathLike[str] | None = None,
        bos_token: str | AddedToken | None = "<s>",
        eos_token: str | AddedToken | None = "</s>",
        unk_token: str | AddedToken | None = "<unk>",
        pad_token: str | AddedToken | None = "<pad>",
        word_delimiter_token: str | AddedToken | None = "|",
        replace_word_delimiter_char: str = " ",
        do_lower_case: bool = False,
        target_lang: str | None = None,
        vocab: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        if vocab is not None:
            self.vocab = dict(vocab)
            self._vocab_source = "vocab"
        elif vocab_file is not None:
            self._vocab_source = os.fspath(vocab_file)
            self.vocab = load_json(self._vocab_source)
        else:
            raise TypeError("Wav2Vec2CTCTokenizer needs vocab_file= (or vocab=, or use from_pretrained)")
        self._word_delimiter_token = _content(word_delimiter_token, where="word_delimiter_token")
        self.do_lower_case = do_lower_case
        self.replace_word_delimiter_char = replace_word_delimiter_char
        self.target_lang = target_lang
        self._set_encoder()
        settings = dict(
            word_delimiter_token=self._word_delimiter_token,
            replace_word_delimiter_char=replace_word_delimiter_char,
            do_lower_case=do_lower_case,
            target_lang=target_lang,
        )
        super().__init__(
            bos_token=bos_token,
            eos_token=eos_token,
            unk_token=unk_token,
            pad_token=pad_token,
            init_settings=settings,
            **kwargs,
        )
        self._add_multichar_tokens()

    @classmethod
    def _from_resolved(
        cls, resolved: dict[str, str | None], name: str, *init_inputs: Any, **kwargs: Any
    ) -> Wav2Vec2CTCTokenizer:
        if (
            not resolved.get("vocab_file")
            and not init_inputs
            and not kwargs.get("vocab_file")
            and kwargs.get("vocab") is None
        ):
            raise ResourceNotFoundError(f"{name!r} has no vocab.json, which Wav2Vec2CTCTokenizer needs")
        return super()._from_resolved(resolved, name, *init_inputs, **kwargs)

    def _set_encoder(self) -> None:
        where = self._vocab_source
        if self.target_lang is not None:
            if self.target_lang not in self.vocab or not isinstance(self.vocab[self.target_lang], dict):
                raise ValueError(
                    f"{where}: target_lang {self.target_lang!r} is not one of the nested "
                    f"vocabularies ({', '.join(map(str, self.vocab))})"
                )
            encoder = self.vocab[self.target_lang]
        else:
            encoder = self.vocab
        for token, index in encoder.items():
            if isinstance(index, bool) or not isinstance(index, int):
                raise ValueError(
                    f"{where}: the id of {token!r} must be an integer, got {index!r}"
                    + (" (a nested vocabulary needs target_lang=)" if isinstance(index, dict) else "")
                )
        self.encoder: dict[str, int] = dict(encoder)
        self.decoder: dict[int, str] = {v: k for k, v in self.encoder.items()}

    def _add_multichar_tokens(self) -> None:
        # transformers 5.24 Wav2Vec2CTCTokenizer.__init__: "make sure that tokens made of several characters are
        # not split at tokenization"
        for token in self.encoder:
            if len(token) > 1:
                self.add_tokens(AddedToken(token, rstrip=True, lstrip=True, normalized=False))

    def set_target_lang(self, target_lang: str) -> None:
        """Switch a nested multilingual vocabulary to `target_lang`."""
        if all(isinstance(v, int) for v in self.vocab.values()):
            raise ValueError("this vocabulary is not nested by language; cannot set target_lang")
        self.target_lang = target_lang
        self.init_kwargs["target_lang"] = target_lang
        self._set_encoder()
        # vocabulary tokens take precedence over added tokens of the previous language with the same id
        for index in [i for i in self._added_tokens_decoder if i in self.decoder]:
            self._added_tokens_encoder.pop(self._added_tokens_decoder.pop(index).content, None)
        self._add_multichar_tokens()

    # --- special tokens ---------------------------------------------------------------------------------------------

    @property
    def all_special_tokens_extended(self) -> list[str | AddedToken]:
        """The base's special tokens, then the word delimiter (transformers 5.24 registers it as special)."""
        tokens = super().all_special_tokens_extended
        delimiter = getattr(self, "_word_delimiter_token", None)
        if delimiter is not None and delimiter not in {str(t) for t in tokens}:
            tokens.append(delimiter)
        return tokens

    @property
    def word_delimiter_token(self) -> str | None:
        return self._word_delimiter_token

    @word_delimiter_token.setter
    def word_delimiter_token(self, value: str | None) -> None:
        self._word_delimiter_token = value
        self.init_kwargs["word_delimiter_token"] = value

    @property
    def word_delimiter_token_id(self) -> int | None:
        token = self._word_delimiter_token
        return None if token is None else self.convert_tokens_to_ids(token)

    # --- vocabulary -------------------------------------------------------------------------------------------------

    @property
    def vocab_size(self) -> int:
        return len(self.decoder)

    def get_vocab(self) -> dict[str, int]:
        vocab = dict(self.encoder)
        vocab.update(self._added_tokens_encoder)
        return vocab

    def _add_tokens(self, new_tokens: Sequence[str | AddedToken], special_tokens: bool = False) -> int:
        # transformers 5.24: tokens given as strings are added without stripping
        return super()._add_tokens(
            [
                AddedToken(t, normalized=False) if isinstance(t, str) and not special_tokens else t
                for t in new_tokens
            ],
            special_tokens,
        )

    def _tokenize(self, text: str, split_special_tokens: bool = False) -> list[str]:
        if self.do_lower_case:
            text = text.upper()
        return list(text.replace(" ", self._word_delimiter_token or " "))

    def prepare_for_tokenization(
        self, text: str, is_split_into_words: bool = False, **kwargs: Any
    ) -> tuple[str, dict[str, Any]]:
        if is_split_into_words:
            text = " " + text
        return text, kwargs

    def _convert_token_to_id(self, token: str) -> int:
        return self.encoder.get(token, self.encoder.get(str(self.unk_token)))  # type: ignore[return-value]

    def _convert_id_to_token(self, index: int) -> str:
        return self.decoder.get(index, str(self.unk_token))

    def convert_ids_to_tokens(self, ids: int | Sequence[int], skip_special_tokens: bool = False) -> Any:
        """As the base, but a vocabulary token wins over an added token with the same id (nested vocabularies)."""

        def one(index: int) -> str:
            if index in self.decoder:
                return self.decoder[index]
            token = self._added_tokens_decoder.get(index)
            return token.content if token is not None else str(self.unk_token)

        if isinstance(ids, int):
            return one(ids)
        skip = set(self.all_special_ids) if skip_special_tokens else set()
        return [one(int(i)) for i in ids if int(i) not in skip]

    # --- CTC decoding -----------------------------------------------------------------------------------------------

    # returns a dict (text and offsets), as transformers' Wav2Vec2CTCTokenizer does, where the base returns a str
    def convert_tokens_to_string(  # type: ignore[override]
        self,
        tokens: list[str],
        group_tokens: bool = True,
        spaces_between_special_tokens: bool = False,
        output_char_offsets: bool = False,
        output_word_offsets: bool = False,
    ) -> dict[str, Any]:
        """CTC collapse of `tokens`: merge repeats (`group_tokens`), drop the blank (pad token), turn the word
        delimiter into `replace_word_delimiter_char`, and optionally compute character / word offsets (in
        token positions)."""
        if not tokens:
            return {"text": "", "char_offsets": [], "word_offsets": []}
        if group_tokens:
            groups = [(token, len(list(run))) for token, run in groupby(tokens)]
        else:
            groups = [(token, 1) for token in tokens]
        pad = self.pad_token
        delimiter = self._word_delimiter_token
        chars = [self.replace_word_delimiter_char if t == delimiter else t for t, _ in groups if t != pad]
        char_offsets: list[dict[str, Any]] | None = None
        word_offsets: list[dict[str, Any]] | None = None
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
    def _get_word_offsets(
        offsets: list[dict[str, Any]], word_delimiter_char: str = " "
    ) -> list[dict[str, Any]]:
        """Words are the runs of non-delimiter characters, spanning their first start to last end offset."""
        words: list[dict[str, Any]] = []
        for is_space, group in groupby(offsets, key=lambda o: o["char"] == word_delimiter_char):
            if not is_space:
                run = list(group)
                words.append(
                    {
                        "word": "".join(o["char"] for o in run),
                        "start_offset": run[0]["start_offset"],
                        "end_offset": run[-1]["end_offset"],
                    }
                )
        return words

    def decode(
        self,
        token_ids: Any,
        skip_special_tokens: bool = False,
        clean_up_tokenization_spaces: bool | None = None,
        output_char_offsets: bool = False,
        output_word_offsets: bool = False,
        group_tokens: bool = True,
        spaces_between_special_tokens: bool = False,
        **kwargs: Any,
    ) -> str | Wav2Vec2CTCTokenizerOutput:
        """CTC-decode one sequence of ids (a list, numpy array or torch tensor, e.g. the argmax of the logits).

        With `skip_special_tokens=True`, special tokens other than the word delimiter are removed *before*
        repeats are merged, as in transformers; since the pad token is the CTC blank, "L <pad> L" then merges into
        one "L" (keep skip_special_tokens=False for CTC output, the pad is dropped after merging anyway).
        With `output_char_offsets` / `output_word_offsets` the result is a `Wav2Vec2CTCTokenizerOutput`; offsets
        count logit frames (multiply by the model's `inputs_to_logits_ratio / sampling_rate` for seconds).
        """
        if kwargs:
            raise TypeError(f"decode() got unexpected keyword arguments {sorted(kwargs)}")
        ids = to_py_obj(token_ids)
        if isinstance(ids, int):
            ids = [ids]
        tokens = self.convert_ids_to_tokens([int(i) for i in ids])
        assert isinstance(tokens, list)
        if skip_special_tokens:
            special = set(self.all_special_tokens) - {self._word_delimiter_token}
            tokens = [t for t in tokens if t not in special]
        out = self.convert_tokens_to_string(
            tokens,
            group_tokens=group_tokens,
            spaces_between_special_tokens=spaces_between_special_tokens,
            output_char_offsets=output_char_offsets,
            output_word_offsets=output_word_offsets,
        )
        text: str = out["text"]
        if (
            self.clean_up_tokenization_spaces
            if clean_up_tokenization_spaces is None
            else clean_up_tokenization_spaces
        ):
            text = self.clean_up_tokenization(text)
        if output_char_offsets or output_word_offsets:
            return Wav2Vec2CTCTokenizerOutput(text, out["char_offsets"], out["word_offsets"])
        return text

    # with offsets, one Wav2Vec2CTCTokenizerOutput instead of a list, as in transformers
    def batch_decode(  # type: ignore[override]
        self,
        sequences: Any,
        skip_special_tokens: bool = False,
        clean_up_tokenization_spaces: bool | None = None,
        output_char_offsets: bool = False,
        output_word_offsets: bool = False,
        **kwargs: Any,
    ) -> list[str] | Wav2Vec2CTCTokenizerOutput:
        """`decode` over a batch (a list of id lists, a 2-D array or tensor). With offsets, one
        Wav2Vec2CTCTokenizerOutput whose fields are lists (one entry per sequence)."""
        decoded = [
            self.decode(
                seq,
                skip_special_tokens=skip_special_tokens,
                clean_up_tokenization_spaces=clean_up_tokenization_spaces,
                output_char_offsets=output_char_offsets,
                output_word_offsets=output_word_offsets,
                **kwargs,
            )
            for seq in sequences
        ]
        if output_char_offsets or output_word_offsets:
            return Wav2Vec2CTCTokenizerOutput(
                [d.text for d in decoded],  # type: ignore[union-attr]
                [d.char_offsets for d in decoded] if output_char_offsets else None,  # type: ignore[union-attr]
                [d.word_offsets for d in decoded] if output_word_offsets else None,  # type: ignore[union-attr]
            )
        return decoded  # type: ignore[return-value]

    # --- save / load ------------------------------------------------------------------------------------------------

    def save_vocabulary(self, save_directory: str, filename_prefix: str | None = None) -> tuple[str, ...]:
        """vocab.json: the whole (possibly nested) vocabulary, as transformers writes it."""
        path = os.path.join(save_directory, (filename_prefix + "-" if filename_prefix else "") + "vocab.json")
        atomic_write_text(path, json.dumps(self.vocab, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
        return (path,)
