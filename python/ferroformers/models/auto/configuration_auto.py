"""`AutoConfig`: the configuration class chosen from `model_type`, through a registry later families extend."""

from __future__ import annotations

import importlib
import os
from typing import Any

from ...configuration_utils import PretrainedConfig

# model_type -> (module, class name); imported on first use so that `import ferroformers` stays cheap
_CONFIG_MAPPING_NAMES: dict[str, tuple[str, str]] = {
    "distilbert": ("ferroformers.models.distilbert.configuration_distilbert", "DistilBertConfig"),
}
_REGISTERED: dict[str, type[PretrainedConfig]] = {}


def config_class_for(model_type: str, *, source: str = "") -> type[PretrainedConfig]:
    if model_type in _REGISTERED:
        return _REGISTERED[model_type]
    if model_type in _CONFIG_MAPPING_NAMES:
        module, name = _CONFIG_MAPPING_NAMES[model_type]
        cls: type[PretrainedConfig] = getattr(importlib.import_module(module), name)
        return cls
    known = sorted({*_CONFIG_MAPPING_NAMES, *_REGISTERED})
    where = f" (in {source})" if source else ""
    raise ValueError(f"unknown model_type {model_type!r}{where}; known: {known}")


class AutoConfig:
    """Not instantiable: use `AutoConfig.from_pretrained` or `AutoConfig.for_model`."""

    def __init__(self) -> None:
        raise OSError("AutoConfig is not instantiable; use AutoConfig.from_pretrained(...) or for_model(...)")

    @staticmethod
    def register(model_type: str, config_class: type[PretrainedConfig], exist_ok: bool = False) -> None:
        if config_class.model_type != model_type:
            raise ValueError(
                f"{config_class.__name__}.model_type is {config_class.model_type!r}, not {model_type!r}"
            )
        if not exist_ok and (model_type in _REGISTERED or model_type in _CONFIG_MAPPING_NAMES):
            raise ValueError(f"model_type {model_type!r} is already registered")
        _REGISTERED[model_type] = config_class

    @staticmethod
    def for_model(model_type: str, *args: Any, **kwargs: Any) -> PretrainedConfig:
        return config_class_for(model_type)(*args, **kwargs)

    @staticmethod
    def from_pretrained(pretrained_model_name_or_path: str | os.PathLike[str], **kwargs: Any) -> Any:
        config_dict, kwargs = PretrainedConfig.get_config_dict(pretrained_model_name_or_path, **kwargs)
        model_type = config_dict.get("model_type")
        if not model_type:
            raise ValueError(
                f"the configuration of {os.fspath(pretrained_model_name_or_path)!r} has no 'model_type' key, "
                "so AutoConfig cannot tell its class; load it with the model's own config class"
            )
        cls = config_class_for(model_type, source=os.fspath(pretrained_model_name_or_path))
        return cls.from_dict(config_dict, **kwargs)
