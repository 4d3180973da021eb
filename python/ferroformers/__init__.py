"""ferroformers: build Transformer architectures from a few base classes, with Rust-accelerated tokenizers
and preprocessing. The public names mirror `transformers`, so ported code changes one import.

`import ferroformers` is cheap: every public name below is imported on first use from the module that
defines it (one lazy table). Names that need PyTorch raise an ImportError that says how to install it.
"""

from __future__ import annotations

import importlib
from typing import Any

# public name -> module (relative to this package) that defines it
_LAZY: dict[str, str] = {
    # configurations
    "PretrainedConfig": "configuration_utils",
    "PreTrainedConfig": "configuration_utils",
    "DistilBertConfig": "models.distilbert.configuration_distilbert",
    "AutoConfig": "models.auto.configuration_auto",
    # image processors
    "ImageProcessingMixin": "image_processing_utils",
    "BaseImageProcessor": "image_processing_utils",
    "ViTImageProcessor": "models.vit.image_processing_vit",
    "AutoImageProcessor": "models.auto.image_processing_auto",
    "ChannelDimension": "image_utils",
    "PILImageResampling": "image_utils",
    # hub resolution and errors
    "ResourceNotFoundError": "utils.hub",
}

__all__ = sorted([*_LAZY, "__version__"])


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from ._native import __version__

        return __version__
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'ferroformers' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module_name}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__

