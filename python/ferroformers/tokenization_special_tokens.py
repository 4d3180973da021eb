"""Special and added tokens: `AddedToken`, and `SpecialTokensMixin`, the part of every tokenizer that knows
which tokens are special (`cls_token`, `pad_token_id`, `additional_special_tokens`, ...), adds tokens to the
vocabulary (`add_tokens`, `add_special_tokens`) and where special tokens go in a sequence
(`build_inputs_with_special_tokens` and the token type ids and special-tokens mask that follow from it).

Mirrors transformers 4.x `tokenization_utils_base.SpecialTokensMixin` and `tokenizers.AddedToken`. How a token
is added to the vocabulary is the subclass's `_add_tokens` (slow: `tokenization_utils`, fast:
`tokenization_utils_fast`); a model's own layout overrides `build_inputs_with_special_tokens`
(`models/bert/tokenization_bert.BertTemplateMixin`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, overload


class AddedToken:
    """A token added on top of the vocabulary, with how it is matched in text.

    Same fields and defaults as `tokenizers.AddedToken`: `normalized` defaults to `not special`; `single_word` only
    matches whole words; `lstrip` / `rstrip` swallow the whitespace on that side.
    """

    def __init__(
        self,
        content: str,
        single_word: bool = False,
        lstrip: bool = False,
        rstrip: bool = False,
        special: bool = False,
        normalized: bool | None = None,
    ) -> None:
        if not isinstance(content, str):
            raise TypeError(f"AddedToken content must be a str, got {type(content).__name__}")
        self.content = content
        self.single_word = single_word
        self.lstrip = lstrip
        self.rstrip = rstrip
        self.special = special
        self.normalized = (not special) if normalized is None else normalized

    def __getstate__(self) -> dict[str, Any]:
        return {
            "content": self.content,
            "single_word": self.single_word,
            "lstrip": self.lstrip,
            "rstrip": self.rstrip,
            "normalized": self.normalized,
            "special": self.special,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(**{k: v for k, v in state.items() if k != "__type"})  # type: ignore[misc]

    def __str__(self) -> str:
        return self.content

    def __repr__(self) -> str:
        return (
            f"AddedToken({self.content!r}, rstrip={self.rstrip}, lstrip={self.lstrip}, "
            f"single_word={self.single_word}, normalized={self.normalized}, special={self.special})"
        )

    def __eq__(self, other: object) -> bool:
        if isinstance(other, AddedToken):
            return self.__getstate__() == other.__getstate__()
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.content)


def added_token_from_json(value: Any, *, where: str) -> AddedToken:
    """An AddedToken from its saved form: a str, or a dict (with or without transformers' "__type" field)."""
    if isinstance(value, AddedToken):
        return value
    if isinstance(value, str):
        return AddedToken(value)
    if isinstance(value, dict) and isinstance(value.get("content"), str):
        known = {"content", "single_word", "lstrip", "rstrip", "special", "normalized"}
        return AddedToken(**{k: v for k, v in value.items() if k in known})
    raise ValueError(f"{where}: expected a token (a string or an object with 'content'), got {value!r}")


class _SpecialToken:
    """`tokenizer.cls_token` (a str, or None) and its setter (a str or an AddedToken)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, tok: SpecialTokensMixin | None, owner: type) -> Any:
        if tok is None:
            return self
        value = tok._special_tokens_map.get(self.name)
        return None if value is None else str(value)

    def __set__(self, tok: SpecialTokensMixin, value: str | AddedToken | None) -> None:
        if value is not None and not isinstance(value, (str, AddedToken)):
            raise TypeError(f"{self.name} must be a str or an AddedToken, got {type(value).__name__}")
        tok._special_tokens_map[self.name] = value


class _SpecialTokenId:
    """`tokenizer.cls_token_id`: the id of the token (None when the token is unset)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, tok: SpecialTokensMixin | None, owner: type) -> Any:
        if tok is None:
            return self
        value = tok._special_tokens_map.get(self.name)
        return None if value is None else tok.convert_tokens_to_ids(str(value))

    def __set__(self, tok: SpecialTokensMixin, value: int | None) -> None:
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise TypeError(f"{self.name}_id must be an int or None, got {type(value).__name__}")
        tok._special_tokens_map[self.name] = None if value is None else tok.convert_ids_to_tokens(value)


class SpecialTokensMixin:
    """Special tokens of a tokenizer (see the module docstring). Needs from the class it is mixed into the
    token <-> id conversions and `_add_tokens`."""

    SPECIAL_TOKENS_ATTRIBUTES: ClassVar[list[str]] = [
        "bos_token",
        "eos_token",
        "unk_token",
        "sep_token",
        "pad_token",
        "cls_token",
        "mask_token",
    ]
    bos_token = _SpecialToken("bos_token")
    eos_token = _SpecialToken("eos_token")
    unk_token = _SpecialToken("unk_token")
    sep_token = _SpecialToken("sep_token")
    pad_token = _SpecialToken("pad_token")
    cls_token = _SpecialToken("cls_token")
    mask_token = _SpecialToken("mask_token")
    bos_token_id = _SpecialTokenId("bos_token")
    eos_token_id = _SpecialTokenId("eos_token")
    unk_token_id = _SpecialTokenId("unk_token")
    sep_token_id = _SpecialTokenId("sep_token")
    pad_token_id = _SpecialTokenId("pad_token")
    cls_token_id = _SpecialTokenId("cls_token")
    mask_token_id = _SpecialTokenId("mask_token")

    if TYPE_CHECKING:  # provided by PreTrainedTokenizerBase and its slow / fast subclasses

        @overload
        def convert_tokens_to_ids(self, tokens: str) -> int: ...  # type: ignore[overload-overlap]

        @overload
        def convert_tokens_to_ids(self, tokens: Sequence[str]) -> list[int]: ...

        def convert_tokens_to_ids(self, tokens: str | Sequence[str]) -> int | list[int]: ...

        def convert_ids_to_tokens(
            self, ids: int | Sequence[int], skip_special_tokens: bool = False
        ) -> Any: ...

    def _init_special_tokens(
        self, named: Mapping[str, str | AddedToken | None], additional: Sequence[str | AddedToken] | None
    ) -> None:
        """Set the named special tokens (`{"cls_token": "[CLS]", ...}`) and the additional ones."""
        self._special_tokens_map: dict[str, str | AddedToken | None] = {}
        self._additional_special_tokens: list[str | AddedToken] = []
        self._additional_unset = False
        for name, value in named.items():
            setattr(self, name, value)
        self.additional_special_tokens = list(additional or [])

    # ---- which tokens are special -------------------------------------------------------------------------
    @property
    def additional_special_tokens(self) -> list[str] | None:
        """The special tokens beyond the named ones. None after `additional_special_tokens = None` (as in
        transformers 4.x) until tokens are added again."""
        if self._additional_unset and not self._additional_special_tokens:
            return None
        return [str(t) for t in self._additional_special_tokens]

    @additional_special_tokens.setter
    def additional_special_tokens(self, value: Sequence[str | AddedToken] | None) -> None:
        tokens = list(value) if value is not None else []
        for t in tokens:
            if not isinstance(t, (str, AddedToken)):
                raise TypeError(
                    f"additional_special_tokens must hold str or AddedToken, got {type(t).__name__}"
                )
        self._additional_special_tokens = tokens
        self._additional_unset = value is None

    @property
    def additional_special_tokens_ids(self) -> list[int] | None:
        tokens = self.additional_special_tokens
        return None if tokens is None else self.convert_tokens_to_ids(tokens)

    @additional_special_tokens_ids.setter
    def additional_special_tokens_ids(self, value: Sequence[int] | None) -> None:
        """Set the additional special tokens by id (transformers 4.x `__setattr__`: each id becomes its token)."""
        if value is not None:
            for index in value:
                if isinstance(index, bool) or not isinstance(index, int):
                    raise TypeError(
                        f"additional_special_tokens_ids must hold ints, got {type(index).__name__}"
                    )
        self.additional_special_tokens = (
            None if value is None else [self.convert_ids_to_tokens(index) for index in value]
        )

    # transformers 5 renamed additional_special_tokens to extra_special_tokens; both work
    extra_special_tokens = additional_special_tokens
    extra_special_tokens_ids = additional_special_tokens_ids

    @property
    def special_tokens_map(self) -> dict[str, Any]:
        """Named special tokens that are set, as strings (plus `additional_special_tokens` when any)."""
        out: dict[str, Any] = {
            name: str(v)
            for name in self.SPECIAL_TOKENS_ATTRIBUTES
            if (v := self._special_tokens_map.get(name)) is not None
        }
        if self._additional_special_tokens:
            out["additional_special_tokens"] = self.additional_special_tokens
        return out

    @property
    def special_tokens_map_extended(self) -> dict[str, Any]:
        """Like `special_tokens_map` but keeping AddedToken objects where they were given."""
        out: dict[str, Any] = {
            name: v
            for name in self.SPECIAL_TOKENS_ATTRIBUTES
            if (v := self._special_tokens_map.get(name)) is not None
        }
        if self._additional_special_tokens:
            out["additional_special_tokens"] = list(self._additional_special_tokens)
        return out

    @property
    def all_special_tokens_extended(self) -> list[str | AddedToken]:
        seen: set[str] = set()
        out: list[str | AddedToken] = []
        for name in self.SPECIAL_TOKENS_ATTRIBUTES:
            value = self._special_tokens_map.get(name)
            if value is not None and str(value) not in seen:
                seen.add(str(value))
                out.append(value)
        for value in self._additional_special_tokens:
            if str(value) not in seen:
                seen.add(str(value))
                out.append(value)
        return out

    @property
    def all_special_tokens(self) -> list[str]:
        """Every special token (named ones in attribute order, then the additional ones), each once."""
        return [str(t) for t in self.all_special_tokens_extended]

    @property
    def all_special_ids(self) -> list[int]:
        return self.convert_tokens_to_ids(self.all_special_tokens)

    def add_special_tokens(
        self, special_tokens_dict: Mapping[str, Any], replace_additional_special_tokens: bool = True
    ) -> int:
        """Set named special tokens (`{"pad_token": "[PAD]"}`) and/or `additional_special_tokens`, adding to the
        vocabulary those it does not have. Returns how many tokens were added to the vocabulary."""
        if not special_tokens_dict:
            return 0
        allowed = {*self.SPECIAL_TOKENS_ATTRIBUTES, "additional_special_tokens", "extra_special_tokens"}
        to_add: list[AddedToken] = []
        for key, value in special_tokens_dict.items():
            if key not in allowed:
                raise ValueError(
                    f"{key!r} is not a special token attribute; expected one of {sorted(allowed)}"
                )
            if key in ("additional_special_tokens", "extra_special_tokens"):
                if not isinstance(value, (list, tuple)) or not all(
                    isinstance(t, (str, AddedToken)) for t in value
                ):
                    raise ValueError(f"{key} must be a list of str or AddedToken, got {value!r}")
                tokens = [
                    AddedToken(t, normalized=False, special=True) if isinstance(t, str) else t for t in value
                ]
                self._additional_unset = False
                if replace_additional_special_tokens:
                    self._additional_special_tokens = list(tokens)
                else:
                    known = {str(t) for t in self._additional_special_tokens}
                    self._additional_special_tokens += [t for t in tokens if str(t) not in known]
                to_add += tokens
            else:
                if not isinstance(value, (str, AddedToken)):
                    raise ValueError(f"{key} must be a str or an AddedToken, got {type(value).__name__}")
                token = AddedToken(value, normalized=False, special=True) if isinstance(value, str) else value
                setattr(self, key, token)
                to_add.append(token)
        return self.add_tokens(to_add, special_tokens=True)

    def add_tokens(
        self, new_tokens: str | AddedToken | Sequence[str | AddedToken], special_tokens: bool = False
    ) -> int:
        """Add tokens matched before WordPiece (special ones are never split and are skipped by
        `decode(skip_special_tokens=True)`). Tokens already in the vocabulary keep their id. Returns how many
        tokens were added to the vocabulary (resize the model's embeddings to `len(tokenizer)`)."""
        if not new_tokens:
            return 0
        tokens: list[Any] = list(new_tokens) if isinstance(new_tokens, (list, tuple)) else [new_tokens]
        for t in tokens:
            if not isinstance(t, (str, AddedToken)):
                raise TypeError(f"add_tokens takes str or AddedToken, got {type(t).__name__}")
        return self._add_tokens(tokens, special_tokens=special_tokens)

    def _add_tokens(self, new_tokens: list[str | AddedToken], special_tokens: bool = False) -> int:
        raise NotImplementedError

    # ---- where special tokens go in a sequence ------------------------------------------------------------
    def num_special_tokens_to_add(self, pair: bool = False) -> int:
        return len(self.build_inputs_with_special_tokens([], [] if pair else None))

    def build_inputs_with_special_tokens(
        self, token_ids_0: list[int], token_ids_1: list[int] | None = None
    ) -> list[int]:
        """Without a model-specific layout, sequences are concatenated with no special tokens."""
        return token_ids_0 if token_ids_1 is None else token_ids_0 + token_ids_1

    def create_token_type_ids_from_sequences(
        self, token_ids_0: list[int], token_ids_1: list[int] | None = None
    ) -> list[int]:
        """0 for the first sequence (with its special tokens), 1 for the second."""
        first = len(self.build_inputs_with_special_tokens(token_ids_0))
        if token_ids_1 is None:
            return [0] * first
        total = len(self.build_inputs_with_special_tokens(token_ids_0, token_ids_1))
        return [0] * first + [1] * (total - first)

    def get_special_tokens_mask(
        self,
        token_ids_0: list[int],
        token_ids_1: list[int] | None = None,
        already_has_special_tokens: bool = False,
    ) -> list[int]:
        """1 where `build_inputs_with_special_tokens` put a special token, 0 on sequence tokens."""
        if already_has_special_tokens:
            if token_ids_1 is not None:
                raise ValueError("token_ids_1 must be None when the ids already hold special tokens")
            special = set(self.all_special_ids)
            return [1 if int(t) in special else 0 for t in token_ids_0]
        return [0] * (len(token_ids_0) + len(token_ids_1 or []))
