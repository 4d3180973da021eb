"""`ViTImageProcessor`: resize, rescale and normalize images for ViT, with the pixels of transformers' PIL
backend (`ViTImageProcessorPil`, transformers 5.24 / Pillow 13) computed by the Rust kernels in rust/image.

Where it deliberately differs from the reference (docs/image.md):
- float images whose values all lie in [0, 1] are taken as already rescaled: `do_rescale` is not applied to
  them, and they are resized in float instead of being truncated to uint8 (transformers rescales them twice);
- RGBA / LA images are resized channel by channel (Pillow premultiplies by alpha and back, which turns the
  colour of fully transparent pixels to black and rounds the others);
- a 2-D array is a greyscale image (transformers refuses it); `pixel_values` are always float32 (transformers
  returns uint8 when both `do_rescale` and `do_normalize` are off).
"""

from __future__ import annotations

import copy
from typing import Any, ClassVar

import numpy as np

from ..._native import preprocess_images
from ...feature_extraction_utils import BatchFeature
from ...image_processing_utils import BaseImageProcessor
from ...image_utils import (
    IMAGENET_STANDARD_MEAN,
    IMAGENET_STANDARD_STD,
    ChannelDimension,
    ImageInput,
    PILImageResampling,
    make_flat_list_of_images,
    parse_resample,
    to_hwc_array,
)

__all__ = ["ViTImageProcessor"]

_OVERRIDABLE = ("do_resize", "size", "resample", "do_rescale", "rescale_factor", "do_normalize", "image_mean",
                "image_std", "do_convert_rgb")


def get_size_hw(size: int | dict[str, int]) -> tuple[int, int]:
    """(height, width) from `size`: an int (a square) or {"height": h, "width": w}."""
    if isinstance(size, bool):
        raise TypeError(f"size must be an int or a dict with 'height' and 'width', got {size!r}")
    if isinstance(size, (int, np.integer)):
        h = w = int(size)
    elif isinstance(size, dict):
        if set(size) != {"height", "width"}:
            raise ValueError(f"size must have exactly the keys 'height' and 'width' for ViT, got {sorted(size)}")
        h, w = size["height"], size["width"]
        if not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in (h, w)):
            raise TypeError(f"size values must be ints, got {size}")
    else:
        raise TypeError(f"size must be an int or a dict with 'height' and 'width', got {type(size).__name__}")
    if h <= 0 or w <= 0:
        raise ValueError(f"size must be positive, got height {h}, width {w}")
    return int(h), int(w)


def _channel_values(name: str, value: float | list[float] | tuple[float, ...]) -> list[float]:
    values = [value] if isinstance(value, (int, float)) else list(value)
    if not values or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        raise TypeError(f"{name} must be a number or a list of numbers, got {value!r}")
    if not all(np.isfinite(v) for v in values):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return [float(v) for v in values]


class ViTImageProcessor(BaseImageProcessor):
    """Resize to `size` with a Pillow filter, rescale by `rescale_factor`, normalize with `image_mean` /
    `image_std`, and stack into `pixel_values` of shape (batch, channels, height, width), float32.

    `size` may be an int (a square; kept as given, so `repr` shows `"size": 224` as in the transformers guide)
    or {"height": h, "width": w}. `resample` accepts a `PIL.Image.Resampling` member, an int 0-5 or a name
    ("bilinear", "PIL.Image.BOX"); it is stored as Pillow's int so that saved files load in transformers (which
    silently falls back to BILINEAR on a string).
    """

    model_input_names: ClassVar[list[str]] = ["pixel_values"]

    def __init__(
        self,
        do_resize: bool = True,
        size: int | dict[str, int] | None = None,
        resample: Any = PILImageResampling.BILINEAR,
        do_rescale: bool = True,
        rescale_factor: float = 1 / 255,
        do_normalize: bool = True,
        image_mean: float | list[float] | None = None,
        image_std: float | list[float] | None = None,
        do_convert_rgb: bool | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.do_resize = bool(do_resize)
        self.size = copy.deepcopy(size) if size is not None else {"height": 224, "width": 224}
        self.resample = int(parse_resample(resample))
        self.do_rescale = bool(do_rescale)
        self.rescale_factor = rescale_factor
        self.do_normalize = bool(do_normalize)
        self.image_mean = list(IMAGENET_STANDARD_MEAN) if image_mean is None else image_mean
        self.image_std = list(IMAGENET_STANDARD_STD) if image_std is None else image_std
        self.do_convert_rgb = do_convert_rgb
        self.validate()

    def validate(self) -> None:
        """Check every setting; errors name the setting."""
        get_size_hw(self.size)
        if isinstance(self.rescale_factor, bool) or not isinstance(self.rescale_factor, (int, float)):
            raise TypeError(f"rescale_factor must be a number, got {self.rescale_factor!r}")
        if not np.isfinite(self.rescale_factor):
            raise ValueError(f"rescale_factor must be finite, got {self.rescale_factor!r}")
        mean = _channel_values("image_mean", self.image_mean)
        std = _channel_values("image_std", self.image_std)
        if len(mean) != len(std):
            raise ValueError(f"image_mean has {len(mean)} values but image_std has {len(std)}")
        if any(s == 0 for s in std):
            raise ValueError(f"image_std must not contain 0, got {self.image_std!r}")
        if self.do_convert_rgb is not None and not isinstance(self.do_convert_rgb, bool):
            raise TypeError(f"do_convert_rgb must be True, False or None, got {self.do_convert_rgb!r}")

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        if out.get("do_convert_rgb") is None:  # transformers leaves unset settings out of the file
            out.pop("do_convert_rgb", None)
        return out

    def preprocess(
        self,
        images: ImageInput,
        return_tensors: str | None = None,
        data_format: str | ChannelDimension = ChannelDimension.FIRST,
        input_data_format: str | ChannelDimension | None = None,
        **kwargs: Any,
    ) -> BatchFeature:
        """`images`: a PIL image, a numpy array ((h, w), (h, w, c) or (c, h, w); uint8, integer or float), a
        torch tensor, or a list of them. Any constructor setting can be overridden for this call.

        Returns `BatchFeature(pixel_values=...)`: a list of float32 (c, h, w) arrays with
        `return_tensors=None`, one (n, c, h, w) array with 'np', a torch tensor with 'pt'.
        """
        unknown = sorted(set(kwargs) - set(_OVERRIDABLE))
        if unknown:
            raise TypeError(f"{type(self).__name__}.preprocess() got unexpected keyword arguments {unknown}")
        settings = copy.copy(self)
        for key, value in kwargs.items():
            setattr(settings, key, value)
        if "resample" in kwargs:
            settings.resample = int(parse_resample(kwargs["resample"]))
        settings.validate()
        if return_tensors not in (None, "np", "pt"):
            raise ValueError(f"return_tensors must be None, 'np' or 'pt', got {return_tensors!r}")
        layout = ChannelDimension(data_format)
        if input_data_format is not None:
            input_data_format = ChannelDimension(input_data_format)

        prepared = [
            to_hwc_array(image, i, input_data_format, settings.do_convert_rgb)
            for i, image in enumerate(make_flat_list_of_images(images))
        ]
        size = get_size_hw(settings.size) if settings.do_resize else None
        factor = float(settings.rescale_factor)
        rescale = [factor if settings.do_rescale and p.rescalable else None for p in prepared]
        mean = std = None
        if settings.do_normalize:
            mean = _broadcast("image_mean", settings.image_mean, prepared[0].channels)
            std = _broadcast("image_std", settings.image_std, prepared[0].channels)
        arrays = [p.array for p in prepared]
        channels = [p.channels for p in prepared]
        channels_first = layout == ChannelDimension.FIRST
        if size is None and len({a.shape[:2] for a in arrays}) > 1:
            # nothing makes them one size: process one by one and return a list
            if return_tensors is not None:
                raise ValueError("images of different sizes cannot be stacked into one tensor without do_resize; "
                                 "use return_tensors=None")
            pixel_values: Any = [
                preprocess_images([a], None, settings.resample, [r], mean, std, channels_first, [c])[0]
                for a, r, c in zip(arrays, rescale, channels, strict=True)
            ]
            return BatchFeature({"pixel_values": pixel_values})
        batch = preprocess_images(arrays, size, settings.resample, rescale, mean, std, channels_first, channels)
        if return_tensors is None:
            return BatchFeature({"pixel_values": list(batch)})
        return BatchFeature({"pixel_values": batch}, tensor_type=return_tensors)


def _broadcast(name: str, value: float | list[float], channels: int) -> list[float]:
    values = _channel_values(name, value)
    if len(values) == 1:
        return values * channels
    if len(values) != channels:
        raise ValueError(
            f"the images have {channels} channels but {name} has {len(values)} values; pass do_convert_rgb=True to "
            f"convert grey / RGBA images to RGB, or give {channels} values"
        )
    return values
