"""`AutoImageProcessor`: the image processor class named by a `preprocessor_config.json`."""

from __future__ import annotations

import importlib
import os
from typing import Any

from ...image_processing_utils import ImageProcessingMixin

# class names found in preprocessor_config.json (ours and transformers', old and new) -> (module, class)
_IMAGE_PROCESSOR_NAMES: dict[str, tuple[str, str]] = {
    name: ("ferroformers.models.vit.image_processing_vit", "ViTImageProcessor")
    for name in ("ViTImageProcessor", "ViTImageProcessorPil", "ViTImageProcessorFast", "ViTFeatureExtractor")
}
# model_type (config.json) -> class name, for files that do not name their class
_MODEL_TYPE_NAMES: dict[str, str] = {"vit": "ViTImageProcessor"}


def image_processor_class_for(name: str, *, source: str = "") -> type[ImageProcessingMixin]:
    if name not in _IMAGE_PROCESSOR_NAMES:
        where = f" (in {source})" if source else ""
        raise ValueError(f"unknown image processor {name!r}{where}; known: {sorted(_IMAGE_PROCESSOR_NAMES)}")
    module, attr = _IMAGE_PROCESSOR_NAMES[name]
    cls: type[ImageProcessingMixin] = getattr(importlib.import_module(module), attr)
    return cls


class AutoImageProcessor:
    """Not instantiable: use `AutoImageProcessor.from_pretrained`."""

    def __init__(self) -> None:
        raise OSError("AutoImageProcessor is not instantiable; use AutoImageProcessor.from_pretrained(...)")

    @staticmethod
    def from_pretrained(pretrained_model_name_or_path: str | os.PathLike[str], **kwargs: Any) -> Any:
        """`use_fast` is accepted and ignored: there is one implementation, and it is the fast one."""
        kwargs.pop("use_fast", None)
        if kwargs.pop("trust_remote_code", False):
            raise ValueError(
                "trust_remote_code=True is not supported: ferroformers runs no code from the hub"
            )
        data, kwargs, path = ImageProcessingMixin.get_dict(pretrained_model_name_or_path, **kwargs)
        name = data.get("image_processor_type") or data.get("feature_extractor_type")
        if not name:
            name = _name_from_model_type(pretrained_model_name_or_path, path)
        cls = image_processor_class_for(name, source=path)
        try:
            return cls.from_dict(data, **kwargs)
        except (TypeError, ValueError) as e:
            raise type(e)(f"{path}: {e}") from None


def _name_from_model_type(name: str | os.PathLike[str], path: str) -> str:
    from ...configuration_utils import load_json
    from ...utils.hub import cached_file

    config = cached_file(name, "config.json", required=False) if not os.path.isfile(name) else None
    model_type = load_json(config).get("model_type") if config else None
    if model_type not in _MODEL_TYPE_NAMES:
        raise ValueError(
            f"{path} names no image_processor_type and {'config.json has model_type ' + repr(model_type) if config else 'there is no config.json'}"
            f"; known model types: {sorted(_MODEL_TYPE_NAMES)}"
        )
    return _MODEL_TYPE_NAMES[model_type]
