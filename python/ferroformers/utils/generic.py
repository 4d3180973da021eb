"""`ModelOutput`: the base of every output dataclass (model outputs, `Wav2Vec2CTCTokenizerOutput`), with no
dependency on torch.

Mirrors `transformers.utils.generic.ModelOutput` (5.24) for what user code does with one: `out.logits`,
`out["logits"]`, `out[0]` and `out.to_tuple()` read the fields that are set (not None), in declaration order, so
`out[0]` is the loss when labels were given and the logits otherwise; `out["logits"] = x` sets a field; and an
output can be built from a dict (or an iterable of `(name, value)` pairs) passed as its only argument, as
transformers allows: `Wav2Vec2CTCTokenizerOutput({"text": "hi", "char_offsets": [...]})`.

Unlike transformers' (an OrderedDict subclass), it is not a dict: the fields that are set come in declaration
order, whatever order they were set in (docs/compatibility.md).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields
from typing import Any


@dataclass
class ModelOutput:
    """Attribute, key and tuple-position access to the fields that are set (see the module docstring)."""

    def __post_init__(self) -> None:
        own = fields(self)
        if not own:
            return
        first = getattr(self, own[0].name)
        if first is None or any(getattr(self, f.name) is not None for f in own[1:]):
            return
        # transformers: a dict (or an iterable of (key, value) pairs) as the only argument gives the fields
        if isinstance(first, Mapping):
            items = list(first.items())
        elif (
            isinstance(first, (list, tuple))
            and first
            and all(isinstance(p, (list, tuple)) and len(p) == 2 and isinstance(p[0], str) for p in first)
        ):
            items = [(p[0], p[1]) for p in first]
        else:
            return
        names = {f.name for f in own}
        unknown = sorted(k for k, _ in items if k not in names)
        if unknown:
            raise TypeError(f"{type(self).__name__} has no fields {unknown}; its fields are {sorted(names)}")
        setattr(self, own[0].name, None)
        for key, value in items:
            setattr(self, key, value)

    def keys(self) -> list[str]:
        return [f.name for f in fields(self) if getattr(self, f.name) is not None]

    def values(self) -> list[Any]:
        return [getattr(self, k) for k in self.keys()]

    def items(self) -> list[tuple[str, Any]]:
        return [(k, getattr(self, k)) for k in self.keys()]

    def to_tuple(self) -> tuple[Any, ...]:
        """The fields that are set, in declaration order (what `return_dict=False` returns)."""
        return tuple(self.values())

    def __getitem__(self, key: int | slice | str) -> Any:
        if isinstance(key, str):
            if key not in self.keys():
                raise KeyError(f"{type(self).__name__} has no field {key!r} set; set fields: {self.keys()}")
            return getattr(self, key)
        return self.to_tuple()[key]

    def __setitem__(self, key: str, value: Any) -> None:
        if not isinstance(key, str) or key not in {f.name for f in fields(self)}:
            raise KeyError(f"{type(self).__name__} has no field {key!r}")
        setattr(self, key, value)

    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self, key) if key in self.keys() else default

    def __contains__(self, key: object) -> bool:
        return key in self.keys()

    def __iter__(self) -> Iterator[str]:
        # like a dict (and transformers' ModelOutput): iterating gives the names of the fields that are set
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self.keys())
