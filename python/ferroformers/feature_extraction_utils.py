"""Shared base of image processors and feature extractors: `BatchFeature` and the JSON-backed
`FeatureExtractionMixin` (to_dict / to_json_string / repr / save_pretrained / from_pretrained of
`preprocessor_config.json`), mirroring transformers' `feature_extraction_utils.py`."""

from __future__ import annotations

import copy
import json
import os
from collections import UserDict
from typing import Any, ClassVar, TypeVar

import numpy as np

from .configuration_utils import _jsonable, load_json
from .utils.hub import HUB_KWARGS, cached_file, token_or_use_auth_token
from .utils.io import atomic_write_text, prepare_save_directory

FEATURE_EXTRACTOR_NAME = "preprocessor_config.json"


def pop_hub_kwargs(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Take the hub arguments out of a from_pretrained's keywords, as transformers reads them: `use_auth_token`
    is the deprecated name of `token`, and `trust_remote_code` has no effect (a preprocessor is built from its
    JSON settings by one of our classes; no code from a repository is run)."""
    kwargs.pop("trust_remote_code", None)
    token = token_or_use_auth_token(kwargs.pop("token", None), kwargs.pop("use_auth_token", None))
    hub = {k: kwargs.pop(k) for k in HUB_KWARGS if k in kwargs}
    if token is not None:
        hub["token"] = token
    return hub


M = TypeVar("M", bound="FeatureExtractionMixin")


def to_tensor(value: Any, tensor_type: str | None) -> Any:
    """Convert a list / numpy array to `tensor_type` (None: unchanged, 'np': numpy, 'pt': torch)."""
    if tensor_type is None:
        return value
    if tensor_type == "np":
        if (
            isinstance(value, (list, tuple))
            and value
            and isinstance(value[0], (list, tuple, np.ndarray))
            and len({len(row) for row in value}) > 1
        ):
            # rows of different lengths (no padding): a 1-D object array of row arrays, as transformers returns
            rows = np.empty(len(value), dtype=object)
            for i, row in enumerate(value):
                rows[i] = np.asarray(row)
            return rows
        return np.asarray(value)
    if tensor_type == "pt":
        from .utils.import_utils import require_torch

        torch = require_torch("return_tensors='pt'")
        if isinstance(value, torch.Tensor):
            return value
        array = np.asarray(value)
        if array.dtype == object:
            raise ValueError("cannot make a tensor from sequences of different lengths; pass padding=True")
        return torch.from_numpy(np.ascontiguousarray(array))
    raise ValueError(f"return_tensors must be None, 'np' or 'pt', got {tensor_type!r}")


class BatchFeature(UserDict[str, Any]):
    """A dict of model inputs (`pixel_values`, `input_values`, ...) that also allows attribute access,
    converts to numpy / torch tensors and moves to a device."""

    def __init__(self, data: dict[str, Any] | None = None, tensor_type: str | None = None) -> None:
        super().__init__(data or {})
        self.convert_to_tensors(tensor_type)

    def __getattr__(self, item: str) -> Any:
        try:
            return self.data[item]
        except KeyError:
            raise AttributeError(f"BatchFeature has no key {item!r}") from None

    def __getstate__(self) -> dict[str, Any]:
        return {"data": self.data}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.data = state["data"]

    def convert_to_tensors(self, tensor_type: str | None = None) -> BatchFeature:
        for key, value in self.data.items():
            try:
                self.data[key] = to_tensor(value, tensor_type)
            except ValueError as e:
                raise ValueError(f"{key}: {e}") from None
        return self

    def to(self, *args: Any, **kwargs: Any) -> BatchFeature:
        """Move every torch tensor to a device and/or cast floating ones to a dtype, like `Tensor.to`."""
        from .utils.import_utils import require_torch

        torch = require_torch("BatchFeature.to")
        new = {}
        for key, value in self.data.items():
            if isinstance(value, torch.Tensor):
                if value.is_floating_point():
                    new[key] = value.to(*args, **kwargs)
                else:  # ids and masks keep their integer dtype; only the device changes
                    device = kwargs.get(
                        "device", next((a for a in args if not isinstance(a, torch.dtype)), None)
                    )
                    new[key] = value.to(device=device) if device is not None else value
            else:
                new[key] = value
        self.data = new
        return self


class FeatureExtractionMixin:
    """A preprocessing object whose settings are its attributes, saved as JSON.

    Subclasses set `type_key` (the JSON key naming the class: "feature_extractor_type" or
    "image_processor_type") and list their settings as constructor arguments.
    """

    config_name: ClassVar[str] = FEATURE_EXTRACTOR_NAME
    type_key: ClassVar[str] = "feature_extractor_type"

    def __init__(self, **kwargs: Any) -> None:
        kwargs.pop(self.type_key, None)
        kwargs.pop("processor_class", None)
        for key in ("transformers_version", "ferroformers_version"):
            kwargs.pop(key, None)
        if kwargs:
            raise TypeError(f"{type(self).__name__} got unexpected settings {sorted(kwargs)}")

    def to_dict(self) -> dict[str, Any]:
        out = copy.deepcopy({k: v for k, v in self.__dict__.items() if not k.startswith("_")})
        out[self.type_key] = type(self).__name__
        jsonable: dict[str, Any] = _jsonable(out)
        return jsonable

    def to_json_string(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n"

    def to_json_file(self, json_file_path: str | os.PathLike[str]) -> None:
        atomic_write_text(json_file_path, self.to_json_string())

    def __repr__(self) -> str:
        return f"{type(self).__name__} {self.to_json_string()}"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]

    def save_pretrained(self, save_directory: str | os.PathLike[str], **kwargs: Any) -> list[str]:
        path = os.path.join(prepare_save_directory(save_directory, kwargs), self.config_name)
        self.to_json_file(path)
        return [path]

    @classmethod
    def get_dict(
        cls, pretrained_model_name_or_path: str | os.PathLike[str], **kwargs: Any
    ) -> tuple[dict[str, Any], dict[str, Any], str]:
        """Resolve and read the JSON file; returns (its dict, the non-hub kwargs, its path)."""
        hub = pop_hub_kwargs(kwargs)
        name = os.fspath(pretrained_model_name_or_path)
        path = name if os.path.isfile(name) else cached_file(name, cls.config_name, **hub)
        assert path is not None
        return load_json(path), kwargs, path

    @classmethod
    def from_dict(cls: type[M], data: dict[str, Any], **kwargs: Any) -> M | tuple[M, dict[str, Any]]:
        return_unused_kwargs = kwargs.pop("return_unused_kwargs", False)
        settings = dict(data)
        settings.update(kwargs)
        obj = cls(**settings)
        return (obj, {}) if return_unused_kwargs else obj

    @classmethod
    def from_pretrained(
        cls: type[M], pretrained_model_name_or_path: str | os.PathLike[str], **kwargs: Any
    ) -> M:
        data, kwargs, path = cls.get_dict(pretrained_model_name_or_path, **kwargs)
        try:
            obj = cls.from_dict(data, **kwargs)
        except (TypeError, ValueError) as e:
            raise type(e)(f"{path}: {e}") from None
        assert isinstance(obj, cls)
        return obj

    @classmethod
    def from_json_file(cls: type[M], json_file: str | os.PathLike[str]) -> M:
        return cls.from_pretrained(json_file)
