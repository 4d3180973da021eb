"""Base classes of image processors, mirroring transformers' `image_processing_utils.py`: settings saved as
`preprocessor_config.json` under the key "image_processor_type" (the JSON machinery is the shared
`FeatureExtractionMixin`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from .feature_extraction_utils import BatchFeature, FeatureExtractionMixin
from .image_utils import ImageInput, SizeDict

IMAGE_PROCESSOR_NAME = "preprocessor_config.json"

# keys other libraries write into preprocessor_config.json that name a class rather than a setting
_CLASS_KEYS = (
    "feature_extractor_type",
    "image_processor_type",
    "processor_class",
    "auto_map",
    "_processor_class",
)

__all__ = [
    "VALID_SIZE_DICT_KEYS",
    "BaseImageProcessor",
    "BatchFeature",
    "ImageProcessingMixin",
    "get_size_dict",
    "is_valid_size_dict",
]

# the size forms transformers accepts (`image_processing_utils.VALID_SIZE_DICT_KEYS`, 5.x)
VALID_SIZE_DICT_KEYS = (
    {"height", "width"},
    {"shortest_edge"},
    {"shortest_edge", "longest_edge"},
    {"longest_edge"},
    {"max_height", "max_width"},
    {"min_pixels", "max_pixels"},
)


def is_valid_size_dict(size_dict: Any) -> bool:
    return isinstance(size_dict, Mapping) and set(size_dict) in VALID_SIZE_DICT_KEYS


def get_size_dict(
    size: int | tuple[int, int] | list[int] | Mapping[str, int] | None = None,
    max_size: int | None = None,
    height_width_order: bool = True,
    default_to_square: bool = True,
    param_name: str = "size",
) -> SizeDict:
    """transformers' `get_size_dict` (5.x, the same as 4.x for these forms): an int is a square
    ({"height": s, "width": s}) or, with `default_to_square=False`, {"shortest_edge": s} (and "longest_edge":
    `max_size`); a (height, width) pair (or (width, height) with `height_width_order=False`); a dict (or
    transformers' `SizeDict`) with one of the `VALID_SIZE_DICT_KEYS` sets. Unlike transformers, values must be
    positive ints and a sequence exactly two of them (transformers takes the first two of a longer one and
    fails later on zero or negative sizes)."""
    if dataclasses.is_dataclass(size) and not isinstance(size, type):  # transformers' SizeDict
        size = {k: v for k, v in dataclasses.asdict(size).items() if v is not None}
    if isinstance(size, Mapping):
        out = SizeDict(size)
    elif _is_int(size):
        if default_to_square:
            if max_size is not None:
                raise ValueError(
                    f"{param_name}: max_size cannot be used with an int {param_name} and "
                    "default_to_square=True"
                )
            out = SizeDict(height=size, width=size)
        else:
            out = SizeDict(shortest_edge=size)
            if max_size is not None:
                out["longest_edge"] = max_size
    elif isinstance(size, (tuple, list)):
        if len(size) != 2:
            raise ValueError(f"{param_name} as a sequence must be (height, width), got {size!r}")
        out = (
            SizeDict(height=size[0], width=size[1])
            if height_width_order
            else SizeDict(height=size[1], width=size[0])
        )
    elif size is None and max_size is not None and not default_to_square:
        out = SizeDict(longest_edge=max_size)
    else:
        raise TypeError(
            f"{param_name} must be an int, a (height, width) pair or a dict with one of the key sets "
            f"{_key_sets()}, got {size!r}"
        )
    if set(out) not in VALID_SIZE_DICT_KEYS:
        raise ValueError(f"{param_name} must have one of the key sets {_key_sets()}, got {sorted(out)}")
    for key, value in out.items():
        if not _is_int(value) or value <= 0:
            raise ValueError(f"{param_name}[{key!r}] must be a positive int, got {value!r}")
        out[key] = int(value)
    return out


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _key_sets() -> str:
    return ", ".join("{" + ", ".join(sorted(keys)) + "}" for keys in VALID_SIZE_DICT_KEYS)


class ImageProcessingMixin(FeatureExtractionMixin):
    """JSON settings of an image processor: to_dict / to_json_string / repr / save_pretrained / from_pretrained."""

    config_name: ClassVar[str] = IMAGE_PROCESSOR_NAME
    type_key: ClassVar[str] = "image_processor_type"

    def __init__(self, **kwargs: Any) -> None:
        # files written for the older feature-extractor classes ("ViTFeatureExtractor") carry their class name
        # under another key; it names a class, not a setting
        for key in _CLASS_KEYS:
            kwargs.pop(key, None)
        super().__init__(**kwargs)


class BaseImageProcessor(ImageProcessingMixin):
    """An image processor: `processor(images, **overrides)` is `processor.preprocess(images, **overrides)`."""

    def __call__(self, images: ImageInput, **kwargs: Any) -> BatchFeature:
        return self.preprocess(images, **kwargs)

    def preprocess(self, images: ImageInput, **kwargs: Any) -> BatchFeature:
        raise NotImplementedError(f"{type(self).__name__} does not implement preprocess()")
