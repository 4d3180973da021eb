"""`PretrainedConfig`: a named list of hyper-parameters that saves to and loads from `config.json`.

Mirrors `transformers.PretrainedConfig` (4.x): `print(config)` shows the class name and the sorted JSON of what
differs from the base defaults; `attribute_map` gives common names (`hidden_size`) to model-specific fields
(`dim`) in both directions; keys a class does not know are kept as attributes and saved. Every check lives in
`validate()`, which raises a ValueError naming the field.

`config.json` is plain data: loading one never imports or runs code.
"""

from __future__ import annotations

import copy
import json
import os
from typing import Any, ClassVar, Literal, TypeVar, overload

from .utils.hub import HUB_KWARGS, cached_file
from .utils.io import atomic_write_text, prepare_save_directory

CONFIG_NAME = "config.json"
# keys that describe the library that wrote a file, not the model: dropped on load, our own added on save
_WRITER_KEYS = ("transformers_version", "ferroformers_version")
PROBLEM_TYPES = (None, "regression", "single_label_classification", "multi_label_classification")
# `attn_implementation` values the models implement (None: not chosen yet, the model picks "sdpa")
ATTN_IMPLEMENTATIONS = (None, "sdpa", "eager")

C = TypeVar("C", bound="PretrainedConfig")


def _version() -> str:
    from ._native import __version__

    return __version__


class PretrainedConfig:
    """Base class of every configuration.

    Class attributes a subclass sets: `model_type` (the key `AutoConfig` dispatches on) and `attribute_map`
    (common name -> this model's field name).
    """

    model_type: ClassVar[str] = ""
    attribute_map: ClassVar[dict[str, str]] = {}
    # private (never saved), as in transformers: the attention the model runs, and where the config came from
    _attn_implementation: str | None = None
    # private (never saved), ours: a padded batch runs its real tokens only (see `unpad_batches`)
    _unpad_batches: bool = True
    _name_or_path: str = ""

    def __setattr__(self, key: str, value: Any) -> None:
        key = type(self).attribute_map.get(key, key)
        super().__setattr__(key, value)

    def __getattr__(self, key: str) -> Any:
        # only called when normal lookup fails: resolve a common name to the field it stands for
        attribute_map = type(self).attribute_map
        if key in attribute_map:
            return getattr(self, attribute_map[key])
        raise AttributeError(f"{type(self).__name__} has no attribute {key!r}")

    def __init__(
        self,
        *,
        return_dict: bool = True,
        output_hidden_states: bool = False,
        output_attentions: bool = False,
        torch_dtype: str | None = None,
        tie_word_embeddings: bool = True,
        is_encoder_decoder: bool = False,
        is_decoder: bool = False,
        chunk_size_feed_forward: int = 0,
        pruned_heads: dict[int, list[int]] | None = None,
        architectures: list[str] | None = None,
        finetuning_task: str | None = None,
        id2label: dict[int, str] | None = None,
        label2id: dict[str, int] | None = None,
        num_labels: int | None = None,
        problem_type: str | None = None,
        tokenizer_class: str | None = None,
        bos_token_id: int | None = None,
        pad_token_id: int | None = None,
        eos_token_id: int | None = None,
        sep_token_id: int | None = None,
        **kwargs: Any,
    ) -> None:
        self.return_dict = return_dict
        self.output_hidden_states = output_hidden_states
        self.output_attentions = output_attentions
        self.torch_dtype = _dtype_name(torch_dtype if torch_dtype is not None else kwargs.pop("dtype", None))
        self.tie_word_embeddings = tie_word_embeddings
        self.is_encoder_decoder = is_encoder_decoder
        self.is_decoder = is_decoder
        self.chunk_size_feed_forward = chunk_size_feed_forward
        self.pruned_heads = {int(k): [int(h) for h in v] for k, v in (pruned_heads or {}).items()}
        self.architectures = list(architectures) if architectures is not None else None
        self.finetuning_task = finetuning_task
        self.problem_type = problem_type
        self.tokenizer_class = tokenizer_class
        self.bos_token_id = bos_token_id
        self.pad_token_id = pad_token_id
        self.eos_token_id = eos_token_id
        self.sep_token_id = sep_token_id
        attn_implementation = kwargs.pop("attn_implementation", None)
        if attn_implementation is not None:
            self._attn_implementation = attn_implementation
        if "unpad_batches" in kwargs:
            self.unpad_batches = kwargs.pop("unpad_batches")

        if id2label is not None:
            self.id2label = {int(k): str(v) for k, v in id2label.items()}
            if num_labels is not None and num_labels != len(self.id2label):
                raise ValueError(
                    f"num_labels={num_labels} disagrees with id2label, which has {len(self.id2label)} labels"
                )
        else:
            self.num_labels = 2 if num_labels is None else num_labels
        if label2id is not None:
            self.label2id = {str(k): int(v) for k, v in label2id.items()}
        else:
            self.label2id = {v: k for k, v in self.id2label.items()}

        for key in _WRITER_KEYS:
            kwargs.pop(key, None)
        # keys this class does not know are kept (and saved); a common name is stored under its field
        for key, value in kwargs.items():
            setattr(self, key, value)

    # ---- labels ------------------------------------------------------------------------------------------
    @property
    def num_labels(self) -> int:
        return len(self.id2label)

    @num_labels.setter
    def num_labels(self, n: int) -> None:
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"num_labels must be a positive integer, got {n!r}")
        if getattr(self, "id2label", None) is None or len(self.id2label) != n:
            self.id2label = {i: f"LABEL_{i}" for i in range(n)}
            self.label2id = {v: k for k, v in self.id2label.items()}

    @property
    def use_return_dict(self) -> bool:
        return self.return_dict

    @property
    def name_or_path(self) -> str:
        """The folder or hub id the model was loaded from (set by `from_pretrained`; not saved)."""
        return self._name_or_path

    @name_or_path.setter
    def name_or_path(self, value: str | os.PathLike[str]) -> None:
        self._name_or_path = os.fspath(value)

    @property
    def unpad_batches(self) -> bool:
        """With padding in the attention mask and SDPA attention, compute the real tokens only (True, the default):
        every layer's output is then 0 at padding positions. False computes every position as transformers does
        (its values at padding too), at the padded batch's cost. A runtime choice like `attn_implementation`: not
        saved in config.json; also `from_pretrained(..., unpad_batches=False)`."""
        return self._unpad_batches

    @unpad_batches.setter
    def unpad_batches(self, value: bool) -> None:
        if not isinstance(value, bool):
            raise ValueError(f"unpad_batches must be True or False, got {value!r}")
        self._unpad_batches = value

    def get_text_config(self, decoder: bool | None = None, encoder: bool | None = None) -> PretrainedConfig:
        """The configuration of the text part of the model: the configuration itself for a text-only model."""
        return self

    # ---- validation --------------------------------------------------------------------------------------
    def validate(self) -> None:
        """Raise a ValueError naming the first field whose value is invalid."""
        if self._attn_implementation not in ATTN_IMPLEMENTATIONS:
            raise ValueError(
                f"attn_implementation {self._attn_implementation!r} is not supported: use 'sdpa' (the default: "
                "PyTorch's fused scaled_dot_product_attention, padding skipped) or 'eager' (the attention weights "
                "written out)"
            )
        if self.problem_type not in PROBLEM_TYPES:
            raise ValueError(f"problem_type must be one of {PROBLEM_TYPES}, got {self.problem_type!r}")
        if set(self.label2id.values()) != set(self.id2label):
            raise ValueError(f"label2id {self.label2id} does not invert id2label {self.id2label}")
        for key in ("bos_token_id", "pad_token_id", "eos_token_id", "sep_token_id"):
            value = getattr(self, key)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
                raise ValueError(f"{key} must be a non-negative integer or None, got {value!r}")

    # ---- serialization -----------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Every attribute, plus `model_type` and our version key, as JSON-ready values."""
        out = copy.deepcopy({k: v for k, v in self.__dict__.items() if not k.startswith("_")})
        out["model_type"] = type(self).model_type
        out["ferroformers_version"] = _version()
        return out

    def to_diff_dict(self) -> dict[str, Any]:
        """Only what differs from the defaults of the base `PretrainedConfig` (what `print` shows)."""
        base = PretrainedConfig().to_dict()
        out = {k: v for k, v in self.to_dict().items() if k not in base or v != base[k]}
        out["model_type"] = type(self).model_type
        out["ferroformers_version"] = _version()
        return out

    def to_json_string(self, use_diff: bool = True) -> str:
        data = self.to_diff_dict() if use_diff else self.to_dict()
        return json.dumps(_jsonable(data), indent=2, sort_keys=True) + "\n"

    def to_json_file(self, json_file_path: str | os.PathLike[str], use_diff: bool = True) -> None:
        atomic_write_text(json_file_path, self.to_json_string(use_diff=use_diff))

    def __repr__(self) -> str:
        return f"{type(self).__name__} {self.to_json_string()}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PretrainedConfig) and self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]

    def update(self, config_dict: dict[str, Any]) -> None:
        for key, value in config_dict.items():
            setattr(self, key, value)

    def save_pretrained(self, save_directory: str | os.PathLike[str], **kwargs: Any) -> None:
        """Write `config.json` into `save_directory` (created if needed), atomically."""
        self.validate()  # before the folder is created: an invalid config leaves nothing behind
        folder = prepare_save_directory(save_directory, kwargs)
        self.to_json_file(os.path.join(folder, CONFIG_NAME), use_diff=True)

    @overload
    @classmethod
    def from_dict(
        cls: type[C],
        config_dict: dict[str, Any],
        *,
        return_unused_kwargs: Literal[False] = ...,
        **kwargs: Any,
    ) -> C: ...

    @overload
    @classmethod
    def from_dict(
        cls: type[C], config_dict: dict[str, Any], *, return_unused_kwargs: Literal[True], **kwargs: Any
    ) -> tuple[C, dict[str, Any]]: ...

    @overload
    @classmethod
    def from_dict(
        cls: type[C], config_dict: dict[str, Any], *, return_unused_kwargs: bool, **kwargs: Any
    ) -> C | tuple[C, dict[str, Any]]: ...

    @classmethod
    def from_dict(
        cls: type[C], config_dict: dict[str, Any], *, return_unused_kwargs: bool = False, **kwargs: Any
    ) -> C | tuple[C, dict[str, Any]]:
        data = dict(config_dict)
        model_type = data.pop("model_type", None)
        if cls.model_type and model_type not in (None, cls.model_type):
            raise ValueError(
                f"{cls.__name__} is for model_type {cls.model_type!r} but the configuration says {model_type!r}"
            )
        config = cls(**data)
        unused = {}
        if "attn_implementation" in kwargs:
            config._attn_implementation = kwargs.pop("attn_implementation")
        if "unpad_batches" in kwargs:
            config.unpad_batches = kwargs.pop("unpad_batches")
        for key, value in kwargs.items():
            if key in config.__dict__ or key in cls.attribute_map or key == "num_labels":
                setattr(config, key, value)
            else:
                unused[key] = value
        if unused and not return_unused_kwargs:
            raise TypeError(
                f"{cls.__name__}: {sorted(unused)} {'is' if len(unused) == 1 else 'are'} not configuration "
                "attributes (pass return_unused_kwargs=True to get them back instead)"
            )
        config.validate()
        return (config, unused) if return_unused_kwargs else config

    @classmethod
    def from_json_file(cls: type[C], json_file: str | os.PathLike[str]) -> C:
        return cls.from_dict(load_json(json_file))

    @classmethod
    def get_config_dict(
        cls, pretrained_model_name_or_path: str | os.PathLike[str], **kwargs: Any
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Resolve and read `config.json`; returns (the dict, the kwargs that were not hub options)."""
        hub_kwargs = {k: kwargs.pop(k) for k in list(kwargs) if k in _HUB_KWARGS}
        if hub_kwargs.pop("use_auth_token", None) is not None:
            raise TypeError("use_auth_token was removed; pass token=")
        name = os.fspath(pretrained_model_name_or_path)
        path = name if os.path.isfile(name) else cached_file(name, CONFIG_NAME, **hub_kwargs)
        assert path is not None  # a required file: cached_file raises when it is missing
        return load_json(path), kwargs

    @overload
    @classmethod
    def from_pretrained(
        cls: type[C],
        pretrained_model_name_or_path: str | os.PathLike[str],
        *,
        return_unused_kwargs: Literal[False] = ...,
        **kwargs: Any,
    ) -> C: ...

    @overload
    @classmethod
    def from_pretrained(
        cls: type[C],
        pretrained_model_name_or_path: str | os.PathLike[str],
        *,
        return_unused_kwargs: Literal[True],
        **kwargs: Any,
    ) -> tuple[C, dict[str, Any]]: ...

    @classmethod
    def from_pretrained(
        cls: type[C],
        pretrained_model_name_or_path: str | os.PathLike[str],
        *,
        return_unused_kwargs: bool = False,
        **kwargs: Any,
    ) -> C | tuple[C, dict[str, Any]]:
        """Load from a folder holding `config.json`, a path to a json file, or a hub id.

        Hub options: cache_dir, revision, local_files_only, token, subfolder, force_download. Other keyword
        arguments override attributes; with `return_unused_kwargs=True` those that are not attributes are
        returned instead of raising.
        """
        config_dict, kwargs = cls.get_config_dict(pretrained_model_name_or_path, **kwargs)
        return cls.from_dict(config_dict, return_unused_kwargs=return_unused_kwargs, **kwargs)


# the hub options, and the removed name of `token` (refused with a message)
_HUB_KWARGS = {*HUB_KWARGS, "use_auth_token"}


def load_json(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a JSON object from `path`; errors name the file (and line/column when it is malformed)."""
    path = os.fspath(path)
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except json.JSONDecodeError as e:
        raise ValueError(f"{path}: line {e.lineno} column {e.colno}: malformed JSON: {e.msg}") from None
    except UnicodeDecodeError as e:
        raise ValueError(f"{path}: byte {e.start}: not UTF-8") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a JSON object, found {type(data).__name__}")
    return data


def _dtype_name(dtype: Any) -> str | None:
    if dtype is None or isinstance(dtype, str):
        return dtype
    # a torch.dtype: stored by name ("float32"), as transformers writes it
    return str(dtype).removeprefix("torch.")


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, PretrainedConfig):
        return value.to_dict()
    if hasattr(value, "dtype") and hasattr(value, "tolist"):  # numpy scalars / arrays
        return value.tolist()
    return value


# transformers 5 spells it PreTrainedConfig; both names work
PreTrainedConfig = PretrainedConfig
