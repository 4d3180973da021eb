"""`ViTImageProcessor`: resize, rescale and normalize images for ViT, with the pixels of transformers' PIL
backend (`ViTImageProcessorPil`, transformers 5.24 / Pillow 13) computed by the Rust kernels in rust/image.

Where it deliberately differs from the reference (docs/image.md):
- float images whose values all lie in [0, 1] are taken as already rescaled: `do_rescale` is not applied to
  them, and they are resized in float instead of being truncated to uint8 (transformers rescales them twice);
- RGBA / LA images are resized channel by channel (Pillow premultiplies by alpha and back, which turns the
  colour of fully transparent pixels to black and rounds the others);
- a 2-D array is a greyscale image (transformers refuses it); `pixel_values` are always float32 (transformers
  returns uint8 when both `do_rescale` and `do_normalize` are off);
- a mode "1" PIL image is 0 / 255 (transformers reads it as 0 / 1).
PIL images are read where Pillow keeps them, without a copy (`image_utils.pil_pixels`).
"""

from __future__ import annotations

import copy
import functools
import math
from collections.abc import Mapping
from typing import Any, ClassVar

from ..._native import preprocess_images
from ...feature_extraction_utils import BatchFeature
from ...image_processing_utils import BaseImageProcessor, get_size_dict
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

_OVERRIDABLE = (
    "do_resize",
    "size",
    "resample",
    "do_rescale",
    "rescale_factor",
    "do_normalize",
    "image_mean",
    "image_std",
    "do_convert_rgb",
)


def resize_output_size(size: Mapping[str, int], height: int, width: int) -> tuple[int, int]:
    """The (height, width) transformers' PIL backend resizes a `height` x `width` image to
    (`PilBackend.resize`, transformers 5.24): {"height", "width"} as given; {"shortest_edge"} keeps the aspect
    ratio (`image_transforms.get_resize_output_image_size` with `default_to_square=False`); with "longest_edge"
    too, the longer edge is capped (`get_size_with_aspect_ratio`); {"max_height", "max_width"} scales to fit
    (`image_utils.get_image_size_for_max_height_width`). Same float arithmetic and truncations."""
    if size.get("shortest_edge") and size.get("longest_edge"):
        return _size_with_aspect_ratio(height, width, size["shortest_edge"], size["longest_edge"])
    if size.get("shortest_edge"):
        short, long = (width, height) if width <= height else (height, width)
        new_short, new_long = size["shortest_edge"], int(size["shortest_edge"] * long / short)
        return (new_long, new_short) if width <= height else (new_short, new_long)
    if size.get("max_height") and size.get("max_width"):
        scale = min(size["max_height"] / height, size["max_width"] / width)
        return int(height * scale), int(width * scale)
    if size.get("height") and size.get("width"):
        return size["height"], size["width"]
    raise ValueError(
        f"size {dict(size)} cannot resize an image: give height and width, shortest_edge (and "
        "longest_edge), or max_height and max_width"
    )


def _size_with_aspect_ratio(height: int, width: int, size: int, max_size: int) -> tuple[int, int]:
    """transformers' `image_transforms.get_size_with_aspect_ratio` (5.24): the shorter edge to `size`, unless the
    longer one would then pass `max_size`."""
    raw_size = None
    low, high = float(min(height, width)), float(max(height, width))
    if high / low * size > max_size:
        raw_size = max_size * low / high
        size = round(raw_size)
    if (height <= width and height == size) or (width <= height and width == size):
        return height, width
    scale = raw_size if raw_size is not None else size
    if width < height:
        return int(scale * height / width), size
    return size, int(scale * width / height)


def _channel_values(name: str, value: float | list[float] | tuple[float, ...]) -> list[float]:
    values = [value] if isinstance(value, (int, float)) else list(value)
    if not values or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        raise TypeError(f"{name} must be a number or a list of numbers, got {value!r}")
    if not all(math.isfinite(v) for v in values):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return [float(v) for v in values]


class ViTImageProcessor(BaseImageProcessor):
    """Resize to `size` with a Pillow filter, rescale by `rescale_factor`, normalize with `image_mean` /
    `image_std`, and stack into `pixel_values` of shape (batch, channels, height, width), float32.

    `size` is normalised as transformers does (`get_size_dict`): an int is a square ({"height": s, "width":
    s}), a pair is (height, width), and a dict may also hold "shortest_edge" (aspect ratio kept, with an optional
    "longest_edge" cap) or "max_height" / "max_width" (scaled to fit). `resample` accepts a `PIL.Image.Resampling` member, an int 0-5 or a name
    ("bilinear", "PIL.Image.BOX"); it is stored as Pillow's int so that saved files load in transformers (which
    silently falls back to BILINEAR on a string).
    """

    model_input_names: ClassVar[list[str]] = ["pixel_values"]

    def __init__(
        self,
        do_resize: bool = True,
        size: int | tuple[int, int] | list[int] | dict[str, int] | None = None,
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
        self.size = get_size_dict(size if size is not None else {"height": 224, "width": 224})
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
        get_size_dict(self.size)
        if isinstance(self.rescale_factor, bool) or not isinstance(self.rescale_factor, (int, float)):
            raise TypeError(f"rescale_factor must be a number, got {self.rescale_factor!r}")
        if not math.isfinite(self.rescale_factor):
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
        size = get_size_dict(settings.size)
        if return_tensors not in (None, "np", "pt"):
            raise ValueError(f"return_tensors must be None, 'np' or 'pt', got {return_tensors!r}")
        layout = ChannelDimension(data_format)
        if input_data_format is not None:
            input_data_format = ChannelDimension(input_data_format)

        prepared = [
            to_hwc_array(image, i, input_data_format, settings.do_convert_rgb)
            for i, image in enumerate(make_flat_list_of_images(images))
        ]
        factor = float(settings.rescale_factor)
        rescale = [factor if settings.do_rescale and p.rescalable else None for p in prepared]
        mean = std = None
        if settings.do_normalize:
            mean = _broadcast("image_mean", settings.image_mean, prepared[0].channels)
            std = _broadcast("image_std", settings.image_std, prepared[0].channels)
        arrays = [p.array for p in prepared]
        channels = [p.channels for p in prepared]
        channels_first = layout == ChannelDimension.FIRST
        targets = [
            _target(size, a.shape[:2], i) if settings.do_resize else a.shape[:2] for i, a in enumerate(arrays)
        ]
        run = functools.partial(
            preprocess_images, resample=settings.resample, mean=mean, std=std, channels_first=channels_first
        )
        if len(set(targets)) == 1:
            batch = run(
                arrays, targets[0] if settings.do_resize else None, rescale=rescale, channels=channels
            )
            if return_tensors is None:
                return BatchFeature({"pixel_values": list(batch)})
            return BatchFeature({"pixel_values": batch}, tensor_type=return_tensors)
        # different output sizes (no resizing, or a size that keeps the aspect ratio): a list, one batch per size
        if return_tensors is not None:
            raise ValueError(
                f"the images come out in {len(set(targets))} different sizes ({sorted(set(targets))}) "
                "and cannot be stacked into one tensor; use return_tensors=None, or a size with "
                "height and width"
            )
        pixel_values: list[Any] = [None] * len(arrays)
        for target in set(targets):
            group = [i for i, t in enumerate(targets) if t == target]
            out = run(
                [arrays[i] for i in group],
                target if settings.do_resize else None,
                rescale=[rescale[i] for i in group],
                channels=[channels[i] for i in group],
            )
            for i, values in zip(group, out, strict=True):
                pixel_values[i] = values
        return BatchFeature({"pixel_values": pixel_values})


def _target(size: Mapping[str, int], hw: tuple[int, ...], index: int) -> tuple[int, int]:
    height, width = resize_output_size(size, hw[0], hw[1])
    if height < 1 or width < 1:
        raise ValueError(
            f"image {index} ({hw[0]}x{hw[1]}) would be resized to {height}x{width} by size {dict(size)}"
        )
    return height, width


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
