"""`ProcessorMixin`: one object bundling a model's preprocessors (a feature extractor and a tokenizer), saved
and loaded as one folder. Mirrors transformers' `processing_utils.py` (5.24) for what a speech processor needs.

Folder layout. transformers 5 writes processor_config.json (the feature extractor's settings nested under
"feature_extractor", plus "processor_class"), tokenizer_config.json and the vocabulary; transformers 4 wrote a
flat preprocessor_config.json and special_tokens_map.json instead. `save_pretrained` writes both layouts (every
file either version reads: transformers 5 prefers the nested entry, 4.x readers find the flat file), and
`from_pretrained` reads either.
"""

from __future__ import annotations

import importlib
import json
import os
from typing import Any, ClassVar, TypeVar

from .configuration_utils import load_json
from .feature_extraction_sequence_utils import PROCESSOR_NAME
from .feature_extraction_utils import pop_hub_kwargs
from .utils.io import atomic_write_text, prepare_save_directory

P = TypeVar("P", bound="ProcessorMixin")

# attribute -> (module, class) of the loader used for it when the subclass names no concrete class
_AUTO_LOADERS = {
    "feature_extractor": ("ferroformers.models.auto.feature_extraction_auto", "AutoFeatureExtractor"),
}


def _class_named(module: str, name: str) -> type[Any]:
    cls: type[Any] = getattr(importlib.import_module(module), name)
    return cls


class ProcessorMixin:
    """Holds the preprocessors listed in `attributes`; subclasses name the class each must be (by
    `<attribute>_class`, a "module:Class" path or a tuple of them) and define `__call__`."""

    attributes: ClassVar[list[str]] = ["feature_extractor", "tokenizer"]
    # "module:Class" of each attribute's expected class (a tuple: any of them)
    feature_extractor_class: ClassVar[str | tuple[str, ...]] = ""
    tokenizer_class: ClassVar[str | tuple[str, ...]] = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if len(args) > len(self.attributes):
            raise TypeError(
                f"{type(self).__name__} takes {len(self.attributes)} preprocessors "
                f"({', '.join(self.attributes)}), got {len(args)} positional arguments"
            )
        values = dict(zip(self.attributes, args, strict=False))
        for name, value in kwargs.items():
            if name not in self.attributes:
                raise TypeError(
                    f"{type(self).__name__} got an unexpected argument {name!r}; "
                    f"it takes {', '.join(self.attributes)}"
                )
            if name in values:
                raise TypeError(f"{type(self).__name__} got {name!r} both by position and by keyword")
            values[name] = value
        for name in self.attributes:
            if values.get(name) is None:
                raise TypeError(f"{type(self).__name__} needs {name}=")
            expected = tuple(_class_named(*path.split(":")) for path in self._class_paths(name))
            if expected and not isinstance(values[name], expected):
                raise TypeError(
                    f"{name} must be a {' or '.join(c.__name__ for c in expected)}, "
                    f"got {type(values[name]).__name__}"
                )
            setattr(self, name, values[name])

    @classmethod
    def _class_paths(cls, attribute: str) -> tuple[str, ...]:
        paths = getattr(cls, f"{attribute}_class", "")
        return (paths,) if isinstance(paths, str) and paths else tuple(paths or ())

    # --- the tokenizer's decoding, forwarded -----------------------------------------------------------------------

    def batch_decode(self, *args: Any, **kwargs: Any) -> Any:
        """`tokenizer.batch_decode(...)`."""
        return self.tokenizer.batch_decode(*args, **kwargs)  # type: ignore[attr-defined]

    def decode(self, *args: Any, **kwargs: Any) -> Any:
        """`tokenizer.decode(...)`."""
        return self.tokenizer.decode(*args, **kwargs)  # type: ignore[attr-defined]

    # --- settings ----------------------------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The processor_config.json content: every non-tokenizer preprocessor's settings, nested by attribute."""
        out: dict[str, Any] = {}
        for name in self.attributes:
            if name != "tokenizer":
                out[name] = getattr(self, name).to_dict()
        out["processor_class"] = type(self).__name__
        return out

    def to_json_string(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n"

    def __repr__(self) -> str:
        parts = [f"- {name}: {getattr(self, name)!r}" for name in self.attributes]
        return f"{type(self).__name__}:\n" + "\n\n".join(parts) + "\n\n" + self.to_json_string()

    # --- save / load -------------------------------------------------------------------------------------------------

    def save_pretrained(self, save_directory: str | os.PathLike[str], **kwargs: Any) -> list[str]:
        """Write the folder both transformers 5 and 4.x-style readers load (see the module docstring)."""
        prepare_save_directory(save_directory, kwargs)
        written: list[str] = []
        name = type(self).__name__
        for attribute in self.attributes:
            value = getattr(self, attribute)
            if attribute == "tokenizer":
                written += [os.fspath(p) for p in value.save_pretrained(save_directory)]
                written.append(
                    self._stamp_processor_class(os.path.join(save_directory, "tokenizer_config.json"))
                )
            else:
                # flat preprocessor_config.json for transformers 4.x readers, with the processor's name
                path = os.path.join(save_directory, value.config_name)
                atomic_write_text(
                    path,
                    json.dumps({**value.to_dict(), "processor_class": name}, indent=2, sort_keys=True) + "\n",
                )
                written.append(path)
        path = os.path.join(save_directory, PROCESSOR_NAME)
        atomic_write_text(path, self.to_json_string())
        written.append(path)
        return sorted(set(written))

    def _stamp_processor_class(self, path: str) -> str:
        """Add "processor_class" to the tokenizer's config, as transformers does, so AutoProcessor finds it."""
        config = load_json(path)
        if config.get("processor_class") != type(self).__name__:
            config["processor_class"] = type(self).__name__
            atomic_write_text(path, json.dumps(config, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
        return path

    @classmethod
    def from_pretrained(
        cls: type[P], pretrained_model_name_or_path: str | os.PathLike[str], **kwargs: Any
    ) -> P:
        """Load every preprocessor from one folder or hub id (either layout, see the module docstring).

        Hub arguments (cache_dir, revision, local_files_only, token, subfolder, force_download) go to every
        loader. Other keywords are routed as transformers routes them: a feature extractor takes those that name
        one of its settings (`do_normalize`, `padding_value`, ...), the tokenizer takes them all (its own
        arguments, and the rest kept in its `init_kwargs`, where `__call__` finds defaults such as
        `max_length`)."""
        kwargs = dict(kwargs)
        hub = pop_hub_kwargs(kwargs)
        parts: dict[str, Any] = {}
        taken: set[str] = set()
        for attribute in cls.attributes:
            paths = cls._class_paths(attribute)
            if paths:
                loader = _class_named(*paths[0].split(":"))
            else:
                loader = _class_named(*_AUTO_LOADERS[attribute])
            if attribute == "tokenizer":
                parts[attribute] = loader.from_pretrained(pretrained_model_name_or_path, **hub, **kwargs)
                taken |= set(kwargs)
                continue
            part = loader.from_pretrained(pretrained_model_name_or_path, **hub)
            own = {k: v for k, v in kwargs.items() if not k.startswith("_") and k in vars(part)}
            if own:
                part = loader.from_pretrained(pretrained_model_name_or_path, **hub, **own)
            parts[attribute] = part
            taken |= set(own)
        unused = sorted(set(kwargs) - taken)
        if unused:
            raise TypeError(
                f"{cls.__name__}.from_pretrained() got keyword arguments no preprocessor takes: {unused}"
            )
        return cls(**parts)

    @property
    def model_input_names(self) -> list[str]:
        names: list[str] = []
        for attribute in self.attributes:
            for n in getattr(getattr(self, attribute), "model_input_names", []):
                if n not in names:
                    names.append(n)
        return names
