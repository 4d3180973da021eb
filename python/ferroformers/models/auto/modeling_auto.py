"""Auto model classes: the concrete model class chosen from the configuration's `model_type`, through a registry
that later families extend (`AutoModel.register(config_class, model_class)`).

Mirrors transformers' `models/auto/modeling_auto.py` (5.24) for the names; the mapping is a plain table of
module paths, imported on first use, and never anything a checkpoint names.
"""

from __future__ import annotations

import copy
import importlib
import os
from typing import Any, ClassVar

from ...configuration_utils import _HUB_KWARGS, PretrainedConfig
from ...utils.import_utils import require_torch

require_torch("ferroformers' Auto model classes")

from ...modeling_utils import PreTrainedModel  # noqa: E402 (after the install hint for a missing torch)
from ...utils.checkpoints import dtype_from  # noqa: E402

_DISTILBERT = "ferroformers.models.distilbert.modeling_distilbert"


class _BaseAutoModelClass:
    """Not instantiable: `from_pretrained(name_or_path, **kwargs)` or `from_config(config)`."""

    _model_mapping: ClassVar[dict[str, tuple[str, str]]] = {}
    _registered: ClassVar[dict[str, type[PreTrainedModel]]]

    def __init__(self) -> None:
        raise OSError(
            f"{type(self).__name__} is not instantiable; use {type(self).__name__}.from_pretrained(...) "
            f"or {type(self).__name__}.from_config(config)"
        )

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._registered = {}

    @classmethod
    def model_class_for(cls, model_type: str, *, source: str = "") -> type[PreTrainedModel]:
        if model_type in cls._registered:
            return cls._registered[model_type]
        if model_type in cls._model_mapping:
            module, name = cls._model_mapping[model_type]
            model_class: type[PreTrainedModel] = getattr(importlib.import_module(module), name)
            return model_class
        where = f" (in {source})" if source else ""
        known = sorted({*cls._model_mapping, *cls._registered})
        raise ValueError(f"{cls.__name__} has no model for model_type {model_type!r}{where}; known: {known}")

    @classmethod
    def register(
        cls, config_class: type[PretrainedConfig], model_class: type[PreTrainedModel], exist_ok: bool = False
    ) -> None:
        model_type = config_class.model_type
        if getattr(model_class, "config_class", None) is not config_class:
            raise ValueError(f"{model_class.__name__}.config_class is not {config_class.__name__}")
        if not exist_ok and (model_type in cls._registered or model_type in cls._model_mapping):
            raise ValueError(f"{cls.__name__} already has a model for model_type {model_type!r}")
        cls._registered[model_type] = model_class

    @classmethod
    def from_config(
        cls,
        config: PretrainedConfig,
        *,
        attn_implementation: str | None = None,
        dtype: Any = None,
        torch_dtype: Any = None,
        trust_remote_code: bool | None = None,
    ) -> PreTrainedModel:
        """A new, randomly initialised model for `config`, with transformers' options: `attn_implementation`
        ("sdpa" or "eager", set on a copy of the config), `dtype` (or `torch_dtype`), and `trust_remote_code`
        (only False/None: a registered class is never code from a checkpoint)."""
        if trust_remote_code:
            raise ValueError(
                "trust_remote_code=True is not supported: ferroformers never runs code from a checkpoint"
            )
        if attn_implementation is not None:
            config = copy.deepcopy(config)
            config._attn_implementation = attn_implementation
            config.validate()
        model = cls.model_class_for(config.model_type)(config)
        wanted = dtype if dtype is not None else torch_dtype
        return model if wanted is None or wanted == "auto" else model.to(dtype_from(wanted, "dtype"))

    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path: str | os.PathLike[str], **kwargs: Any) -> Any:
        """`ModelClass.from_pretrained(...)` for the class of the checkpoint's `model_type` (same arguments)."""
        config = kwargs.get("config")
        model_type: str | None
        if isinstance(config, PretrainedConfig):
            model_type, source = config.model_type, "the config passed"
        else:
            hub = {k: v for k, v in kwargs.items() if k in _HUB_KWARGS}
            source = os.fspath(config if config is not None else pretrained_model_name_or_path)
            config_dict, _ = PretrainedConfig.get_config_dict(source, **hub)
            model_type = config_dict.get("model_type")
            if not model_type:
                raise ValueError(
                    f"the configuration of {source!r} has no 'model_type' key, so {cls.__name__} "
                    "cannot tell its class; load it with the model's own class"
                )
        return cls.model_class_for(model_type, source=source).from_pretrained(
            pretrained_model_name_or_path, **kwargs
        )


class AutoModel(_BaseAutoModelClass):
    _model_mapping: ClassVar[dict[str, tuple[str, str]]] = {"distilbert": (_DISTILBERT, "DistilBertModel")}


class AutoModelForMaskedLM(_BaseAutoModelClass):
    _model_mapping: ClassVar[dict[str, tuple[str, str]]] = {
        "distilbert": (_DISTILBERT, "DistilBertForMaskedLM")
    }


class AutoModelForSequenceClassification(_BaseAutoModelClass):
    _model_mapping: ClassVar[dict[str, tuple[str, str]]] = {
        "distilbert": (_DISTILBERT, "DistilBertForSequenceClassification")
    }


class AutoModelForQuestionAnswering(_BaseAutoModelClass):
    _model_mapping: ClassVar[dict[str, tuple[str, str]]] = {
        "distilbert": (_DISTILBERT, "DistilBertForQuestionAnswering")
    }


class AutoModelForTokenClassification(_BaseAutoModelClass):
    _model_mapping: ClassVar[dict[str, tuple[str, str]]] = {
        "distilbert": (_DISTILBERT, "DistilBertForTokenClassification")
    }


class AutoModelForMultipleChoice(_BaseAutoModelClass):
    _model_mapping: ClassVar[dict[str, tuple[str, str]]] = {
        "distilbert": (_DISTILBERT, "DistilBertForMultipleChoice")
    }
