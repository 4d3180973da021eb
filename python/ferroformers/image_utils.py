"""Image input handling, mirroring transformers' `image_utils.py`: which objects are images, their channel
layout (`ChannelDimension`), the Pillow filter names (`PILImageResampling`), and the conversion of every
accepted input (PIL image, numpy array HWC or CHW, torch tensor, lists of them) to the contiguous
`(height, width, channels)` uint8 / float32 arrays the Rust kernels (rust/image) read. PIL images are viewed
where Pillow keeps them, without a copy, through the Arrow C data interface (`pil_pixels`, rust/py/arrow.rs).

Value rules (see docs/image.md):
- uint8 pixels are used as they are. Integer pixels of other dtypes, and float pixels that are all whole
  numbers in [0, 255], are the same values as uint8 (as transformers does).
- Other float pixels are resized in float (Pillow's mode "F" arithmetic) instead of being squeezed through
  uint8. When they all lie in [0, 1] they are taken as already rescaled, so `do_rescale` does not divide
  them by 255 a second time (transformers 5.24 does, and returns values near -1 after normalization).
- A mode "1" PIL image is 0 / 255 (Pillow's storage; numpy would read booleans).
- NaN or infinite values, empty images, and channel counts other than 1 to 4 are errors (2 only where the
  channel axis is known: a PIL image in LA / PA, or `input_data_format`).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Union

import numpy as np

if TYPE_CHECKING:
    import PIL.Image
    import torch

ImageInput = Union["PIL.Image.Image", np.ndarray, "torch.Tensor", Sequence[Any]]

IMAGENET_STANDARD_MEAN = [0.5, 0.5, 0.5]
IMAGENET_STANDARD_STD = [0.5, 0.5, 0.5]
IMAGENET_DEFAULT_MEAN = [0.485, 0.456, 0.406]
IMAGENET_DEFAULT_STD = [0.229, 0.224, 0.225]


class SizeDict(dict):  # type: ignore[type-arg]
    """A normalised `size` (`image_processing_utils.get_size_dict`): a plain dict as in transformers 4.x
    (`size["height"]`, JSON), whose keys also read as attributes as on transformers 5's `SizeDict`
    (`size.height`; None for a key it does not have)."""

    _KEYS = frozenset(
        {
            "height",
            "width",
            "shortest_edge",
            "longest_edge",
            "max_height",
            "max_width",
            "min_pixels",
            "max_pixels",
        }
    )

    def __getattr__(self, key: str) -> int | None:
        if key in SizeDict._KEYS:
            return self.get(key)
        raise AttributeError(f"SizeDict has no attribute {key!r}")


class ChannelDimension(str, enum.Enum):
    FIRST = "channels_first"
    LAST = "channels_last"


class PILImageResampling(enum.IntEnum):
    """Pillow's filter numbers (`PIL.Image.Resampling`), available without importing Pillow."""

    NEAREST = 0
    LANCZOS = 1
    BILINEAR = 2
    BICUBIC = 3
    BOX = 4
    HAMMING = 5


# Pillow's deprecated aliases, still found in configs and tutorials
_RESAMPLE_ALIASES = {"NONE": "NEAREST", "LINEAR": "BILINEAR", "CUBIC": "BICUBIC", "ANTIALIAS": "LANCZOS"}
_RESAMPLE_PREFIXES = (
    "PIL.IMAGE.RESAMPLING.",
    "PIL.IMAGE.",
    "IMAGE.RESAMPLING.",
    "IMAGE.",
    "RESAMPLING.",
    "PILIMAGERESAMPLING.",
    "INTERPOLATIONMODE.",
)


def parse_resample(value: Any) -> PILImageResampling:
    """A Pillow filter from a `PIL.Image.Resampling` member, an int 0-5 or a name ("bilinear",
    "PIL.Image.BOX", "Image.Resampling.LANCZOS", torchvision's `InterpolationMode.BICUBIC` ...)."""
    if isinstance(value, bool):
        raise TypeError(f"resample must be a Pillow filter (int 0-5, name or enum), got {value!r}")
    if isinstance(value, enum.Enum) and not isinstance(value, int):
        # torchvision's InterpolationMode and other str enums: use the member's name
        value = value.name
    if isinstance(value, (int, np.integer)):
        try:
            return PILImageResampling(int(value))
        except ValueError:
            raise ValueError(
                f"resample must be a Pillow filter 0-5 ({_filter_list()}), got {int(value)}"
            ) from None
    if isinstance(value, str):
        name = value.strip().upper()
        for prefix in _RESAMPLE_PREFIXES:
            if name.startswith(prefix):
                name = name[len(prefix) :]
                break
        name = _RESAMPLE_ALIASES.get(name, name)
        if name.isdigit():
            return parse_resample(int(name))
        if name in PILImageResampling.__members__:
            return PILImageResampling[name]
        raise ValueError(f"resample {value!r} is not a Pillow filter; use one of {_filter_list()}")
    raise TypeError(f"resample must be a Pillow filter (int 0-5, name or enum), got {type(value).__name__}")


def _filter_list() -> str:
    return ", ".join(f"{m.name}={m.value}" for m in PILImageResampling)


def is_pil_image(obj: Any) -> bool:
    pil = _pil_module()
    return pil is not None and isinstance(obj, pil.Image)


def _pil_module() -> Any:
    import sys

    # only look at Pillow if the caller already imported it: a PIL image cannot exist otherwise
    return sys.modules.get("PIL.Image")


def _is_torch_tensor(obj: Any) -> bool:
    import sys

    torch = sys.modules.get("torch")
    return torch is not None and isinstance(obj, torch.Tensor)


def is_valid_image(obj: Any) -> bool:
    return is_pil_image(obj) or isinstance(obj, np.ndarray) or _is_torch_tensor(obj)


def make_flat_list_of_images(images: ImageInput) -> list[Any]:
    """One image, a list of images, a list of lists of images, or a 4-D batch array -> a flat list."""
    if is_valid_image(images):
        image: Any = images  # a PIL image, an array or a tensor
        if not is_pil_image(image) and image.ndim == 4:
            return list(image)
        return [image]
    if isinstance(images, (list, tuple)):
        if not images:
            raise ValueError("no images were given (an empty list)")
        flat: list[Any] = []
        for i, item in enumerate(images):
            if is_valid_image(item):
                flat.extend(list(item) if not is_pil_image(item) and item.ndim == 4 else [item])
            elif isinstance(item, (list, tuple)) and all(is_valid_image(x) for x in item):
                flat.extend(item)
            else:
                raise TypeError(
                    f"images[{i}] is a {type(item).__name__}; expected a PIL image, a numpy array, a torch tensor "
                    "or a list of them"
                )
        if not flat:
            raise ValueError("no images were given (only empty lists)")
        return flat
    raise TypeError(
        f"images must be a PIL image, a numpy array, a torch tensor or a list of them, got {type(images).__name__}"
    )


def infer_channel_dimension_format(
    image: np.ndarray, num_channels: tuple[int, ...] = (1, 3, 4)
) -> ChannelDimension:
    """As transformers: channels first when the first axis could be channels (also when both could)."""
    if image.ndim != 3:
        raise ValueError(f"expected a 3-D image, got shape {image.shape}")
    if image.shape[0] in num_channels:
        return ChannelDimension.FIRST
    if image.shape[2] in num_channels:
        return ChannelDimension.LAST
    raise ValueError(
        f"cannot tell the channel axis of an image of shape {image.shape}: neither the first nor the last axis "
        f"has {' or '.join(map(str, num_channels))} channels (grey, RGB or RGBA)"
    )


def _pil_to_rgb(image: Any) -> Any:
    """transformers' `convert_to_rgb` for PIL images: transparency is composited onto white."""
    pil = _pil_module()
    if "A" in image.getbands() or image.info.get("transparency") is not None:
        rgba = image.convert("RGBA")
        background = pil.new("RGBA", rgba.size, (255, 255, 255, 255))
        return pil.alpha_composite(background, rgba).convert("RGB")
    return image if image.mode == "RGB" else image.convert("RGB")


# How Pillow keeps each mode in memory, which is what it exports through the Arrow C data interface
# (rust/py/arrow.rs): one sample per pixel, mapped to the numpy dtype to read it as (None: as exported; Arrow
# calls I;16 int16, Pillow stores unsigned little-endian) ...
_ONE_SAMPLE_MODES: dict[str, str | None] = {
    "L": None,
    "P": None,
    "1": None,
    "I": None,
    "F": None,
    "I;16": "<u2",
}
# ... or 4 bytes per pixel, mapped to the number of bands: the first 3 or 4 bytes, or bytes 0 and 3 for the
# 2-band modes (LA is kept as L, L, L, A). Only modes whose memory is what `np.asarray` gives (LAB is not: numpy
# gets a and b shifted by 128); tests/image/test_pil_input.py checks each against `np.asarray`.
_FOUR_BYTE_MODES: dict[str, int] = {
    "RGB": 3,
    "YCbCr": 3,
    "HSV": 3,
    "RGBA": 4,
    "RGBX": 4,
    "RGBa": 4,
    "CMYK": 4,
    "LA": 2,
    "La": 2,
    "PA": 2,
}


def _pillow_exports_arrow() -> bool:
    """Pillow 11.2-12.x also export images that borrow their memory (`Image.fromarrow`) by dereferencing a
    null pointer (python-pillow/Pillow#9896): only Pillow 13 and later are read in place."""
    global _ARROW_OK
    if _ARROW_OK is None:
        import PIL

        _ARROW_OK = int(PIL.__version__.split(".")[0]) >= 13
    return _ARROW_OK


_ARROW_OK: bool | None = None


def pil_pixels(image: Any, where: str = "image") -> tuple[np.ndarray, int]:
    """The pixels of a PIL image and its channel count. Where the mode allows it, Pillow's own memory is
    viewed read-only without a copy (`Image.__arrow_c_array__`): (height, width) for one sample per pixel,
    (height, width, 4) for 4-byte pixels of which the first `channels` are the bands (strided for the 2-band
    modes). Otherwise `np.asarray(image)`, a copy. Mode "1" gives 0 / 255, Pillow's own storage (numpy
    would give booleans)."""
    view = _arrow_view(image, where)
    if view is not None:
        return view
    array = np.asarray(image.convert("L") if image.mode == "1" else image)
    return array, array.shape[2] if array.ndim == 3 else 1


def _arrow_view(image: Any, where: str) -> tuple[np.ndarray, int] | None:
    from ._native import arrow_image_view

    mode = image.mode
    if not _pillow_exports_arrow() or (mode not in _ONE_SAMPLE_MODES and mode not in _FOUR_BYTE_MODES):
        return None
    try:
        schema, array = image.__arrow_c_array__()
    except ValueError:
        return None  # Pillow refuses rows that are not contiguous: a large image in several blocks, a strided buffer
    try:
        view = arrow_image_view(schema, array, image.height, image.width)
    except ValueError as e:
        raise ValueError(
            f"{where} (PIL mode {mode}, size {image.size}): Pillow's export is malformed: {e}"
        ) from None
    if view is None or (view.ndim == 3) != (mode in _FOUR_BYTE_MODES):
        return None  # a layout this version of Pillow was not seen to export: read it with numpy
    if mode in _ONE_SAMPLE_MODES:
        dtype = _ONE_SAMPLE_MODES[mode]
        return (view if dtype is None else view.view(dtype)), 1
    bands = _FOUR_BYTE_MODES[mode]
    return (view[:, :, ::3], 2) if bands == 2 else (view, bands)


def _array_to_rgb(image: np.ndarray) -> np.ndarray:
    """transformers' `convert_to_rgb` for (height, width, channels) arrays: grey is repeated, alpha is
    composited onto white (255 for integer pixels, 1.0 for float pixels in [0, 1])."""
    channels = image.shape[-1]
    if channels == 1:
        return np.repeat(image, 3, axis=-1)
    if channels == 4:
        floating = np.issubdtype(image.dtype, np.floating)
        if floating and (image.min() < 0.0 or image.max() > 1.0):
            raise ValueError(
                f"an RGBA float image must have values in [0, 1] to be composited onto white, got "
                f"[{image.min()}, {image.max()}]"
            )
        white = 1.0 if floating else 255
        alpha = image[..., 3:4] / white
        composite: np.ndarray = alpha * image[..., :3] + (1 - alpha) * white
        return composite.astype(image.dtype) if floating else np.round(composite).astype(image.dtype)
    return image


class PreparedImage:
    """A contiguous (height, width, samples) uint8 or float32 array whose first `channels` samples of each
    pixel are the image (all of them, except for a view of Pillow's 4-byte RGB pixels), and whether
    `do_rescale` applies to it."""

    __slots__ = ("array", "channels", "rescalable")

    def __init__(self, array: np.ndarray, rescalable: bool, channels: int | None = None) -> None:
        self.array = array
        self.rescalable = rescalable
        self.channels = array.shape[-1] if channels is None else channels


def to_hwc_array(
    image: Any,
    index: int = 0,
    input_data_format: str | ChannelDimension | None = None,
    do_convert_rgb: bool | None = None,
) -> PreparedImage:
    """Convert one image to what the kernels read; errors name the image index, its shape and dtype."""
    where = f"image {index}"
    if is_pil_image(image):
        return _prepare_pil(image, where, do_convert_rgb)
    if isinstance(image, np.ndarray) or _is_torch_tensor(image):
        if _is_torch_tensor(image):
            array = image.detach().cpu().numpy()
        else:
            array = image
        fmt: ChannelDimension | None = (
            ChannelDimension(input_data_format) if input_data_format is not None else None
        )
    else:
        raise TypeError(
            f"{where} is a {type(image).__name__}; expected a PIL image, a numpy array or a torch tensor"
        )

    if array.dtype.kind not in "uifb":
        raise TypeError(
            f"{where} has dtype {array.dtype} (shape {array.shape}); expected uint8, integer or float pixels"
        )
    if array.ndim == 2:
        array = array[:, :, None]
        fmt = ChannelDimension.LAST
    if array.ndim != 3:
        raise ValueError(
            f"{where} has shape {array.shape}; expected (height, width), (height, width, channels) or "
            "(channels, height, width)"
        )
    if 0 in array.shape:
        raise ValueError(f"{where} is empty (shape {array.shape})")
    if fmt is None:
        try:
            fmt = infer_channel_dimension_format(array)
        except ValueError as e:
            raise ValueError(f"{where}: {e}") from None
    if fmt == ChannelDimension.FIRST:
        array = np.moveaxis(array, 0, -1)
    if array.shape[-1] not in (1, 2, 3, 4):  # 2 only when input_data_format says so: inference never picks it
        raise ValueError(
            f"{where} has {array.shape[-1]} channels (shape {array.shape} as height, width, channels); expected 1 "
            "(grey), 2 (grey and alpha), 3 (RGB) or 4 (RGBA)"
        )
    if do_convert_rgb:
        array = _array_to_rgb(array)

    array, rescalable = _pixel_values(array, where)
    return PreparedImage(np.ascontiguousarray(array), rescalable)


def _prepare_pil(image: Any, where: str, do_convert_rgb: bool | None) -> PreparedImage:
    """`to_hwc_array` for a PIL image: read in place where Pillow allows it (`pil_pixels`). Its mode says
    which axis holds the bands, and 2-band modes (LA, PA) are images too."""
    if image.width == 0 or image.height == 0:
        raise ValueError(f"{where} is empty (PIL size {image.size})")
    array, channels = pil_pixels(_pil_to_rgb(image) if do_convert_rgb else image, where)
    if array.ndim == 2:
        array = array[:, :, None]
    if array.ndim != 3 or array.dtype.kind not in "uif" or not 1 <= channels <= 4:
        raise TypeError(
            f"{where} (PIL mode {image.mode}) gives pixels of dtype {array.dtype} and shape "
            f"{array.shape}; convert it to RGB, L or F first"
        )
    array, rescalable = _pixel_values(array, where)
    return PreparedImage(np.ascontiguousarray(array), rescalable, channels)


def _pixel_values(array: np.ndarray, where: str) -> tuple[np.ndarray, bool]:
    """uint8 when the values are exactly uint8 values, else float32; and whether `do_rescale` applies."""
    if array.dtype == np.uint8:
        return array, True
    if array.dtype.kind == "b":
        raise TypeError(f"{where} has dtype bool (shape {array.shape}); convert it to uint8 (0/255) first")
    if array.dtype.kind in "ui":
        low, high = int(array.min()), int(array.max())
        if low < 0 or high > 255:
            raise ValueError(
                f"{where} has dtype {array.dtype} with values in [{low}, {high}]; integer pixels must be in [0, 255]"
            )
        return array.astype(np.uint8), True
    if not np.isfinite(array).all():
        raise ValueError(
            f"{where} (dtype {array.dtype}, shape {array.shape}) contains NaN or infinite values"
        )
    lowest, highest = float(array.min()), float(array.max())
    if lowest >= 0 and highest <= 255 and bool((array == np.floor(array)).all()):
        return array.astype(np.uint8), True
    # float pixels: already rescaled when they lie in [0, 1] (see the module docstring)
    return array.astype(np.float32, copy=False), not (lowest >= 0.0 and highest <= 1.0)
