"""Where ViTImageProcessor deliberately differs from transformers' PIL backend (docs/image.md), each checked
against what the right answer is and against what the reference does instead."""

from __future__ import annotations

import logging

import numpy as np
import pytest
from testing_utils import require_module

from ferroformers import ViTImageProcessor

transformers = require_module("transformers")
PIL_Image = require_module("PIL.Image")
logging.getLogger("transformers").setLevel(logging.ERROR)


def pillow_per_channel(image: np.ndarray, size: tuple[int, int], resample: int) -> np.ndarray:
    """Each channel resized on its own by Pillow (mode L for uint8, mode F for float32)."""
    height, width = size
    channels = []
    for c in range(image.shape[-1]):
        plane = image[..., c]
        mode = "F" if plane.dtype == np.float32 else None
        channels.append(np.asarray(PIL_Image.fromarray(plane, mode=mode).resize((width, height), resample)))
    return np.stack(channels)  # (c, h, w)


def numpy_normalize(pixels: np.ndarray, rescale: bool) -> np.ndarray:
    """transformers' arithmetic: float64 rescale, float32 cast, float32 (x - 0.5) / 0.5."""
    x = (pixels.astype(np.float64) * (1 / 255)).astype(np.float32) if rescale else pixels.astype(np.float32)
    return (x - np.float32(0.5)) / np.float32(0.5)


def test_float_images_in_0_1_are_not_rescaled_twice() -> None:
    ys, xs = np.mgrid[0:60, 0:80]
    image = np.stack([ys / 59, xs / 79, (ys + xs) / 138], axis=-1).astype(np.float32)  # already in [0, 1]
    ours = ViTImageProcessor(size=32)(image, return_tensors="np")["pixel_values"][0]
    # right: resized in float (Pillow's mode F arithmetic), then only normalized
    np.testing.assert_array_equal(
        ours, numpy_normalize(pillow_per_channel(image, (32, 32), 2), rescale=False)
    )
    assert ours.min() < -0.9 and ours.max() > 0.9
    # the reference truncates to uint8, then divides by 255 a second time: everything lands near -1
    theirs = transformers.ViTImageProcessorPil(size=32)(image, return_tensors="np")["pixel_values"][0]
    assert theirs.max() < -0.99
    # without resizing too
    ours = ViTImageProcessor(do_resize=False)(image, return_tensors="np")["pixel_values"][0]
    np.testing.assert_array_equal(ours, numpy_normalize(image.transpose(2, 0, 1), rescale=False))
    theirs = transformers.ViTImageProcessorPil(do_resize=False)(image, return_tensors="np")["pixel_values"][0]
    assert theirs.max() < -0.99


def test_float_images_beyond_0_1_are_resized_in_float_and_rescaled() -> None:
    image = (np.random.default_rng(1).random((20, 30, 3)) * 255).astype(np.float32)  # fractional 0..255
    ours = ViTImageProcessor(size=16, resample=3)(image, return_tensors="np")["pixel_values"][0]
    np.testing.assert_array_equal(ours, numpy_normalize(pillow_per_channel(image, (16, 16), 3), rescale=True))
    with pytest.raises(ValueError, match=r"outside the range \[0, 1\]"):
        transformers.ViTImageProcessorPil(size=16)(image, return_tensors="np")  # the reference refuses them


def test_rgba_is_resized_without_premultiplying_alpha() -> None:
    rng = np.random.default_rng(2)
    image = rng.integers(0, 256, (40, 50, 4), dtype=np.uint8)
    image[:20, :, 3] = 0  # a fully transparent half whose colour channels still hold data
    settings = {"size": 24, "image_mean": [0.5] * 4, "image_std": [0.5] * 4, "resample": 2}
    ours = ViTImageProcessor(**settings)(image, return_tensors="np")["pixel_values"][0]
    np.testing.assert_array_equal(ours, numpy_normalize(pillow_per_channel(image, (24, 24), 2), rescale=True))
    theirs = transformers.ViTImageProcessorPil(**settings)(image, return_tensors="np")["pixel_values"][0]
    # Pillow premultiplies: the colour of transparent pixels becomes black (-1 after normalization)
    assert np.all(theirs[:3, :8] == -1.0)
    assert not np.all(ours[:3, :8] == -1.0)
    np.testing.assert_array_equal(ours[3], theirs[3])  # alpha itself is resized the same way


def test_grey_2d_arrays_and_float32_output() -> None:
    grey = np.random.default_rng(3).integers(0, 256, (30, 40), dtype=np.uint8)
    ours = ViTImageProcessor(image_mean=[0.5], image_std=[0.5])(grey, return_tensors="np")["pixel_values"]
    same = ViTImageProcessor(image_mean=[0.5], image_std=[0.5])(grey[:, :, None], return_tensors="np")
    np.testing.assert_array_equal(ours, same["pixel_values"])
    with pytest.raises(ValueError, match="flat list of images"):
        transformers.ViTImageProcessorPil(image_mean=[0.5], image_std=[0.5])(grey)  # 2-D arrays are refused
    # no rescale, no normalize: the reference hands back uint8, we keep float32 (same values)
    rgb = np.random.default_rng(4).integers(0, 256, (30, 40, 3), dtype=np.uint8)
    settings = {"do_rescale": False, "do_normalize": False}
    ours = ViTImageProcessor(**settings)(rgb, return_tensors="np")["pixel_values"]
    theirs = transformers.ViTImageProcessorPil(**settings)(rgb, return_tensors="np")["pixel_values"]
    assert ours.dtype == np.float32 and theirs.dtype == np.uint8
    np.testing.assert_array_equal(ours, theirs.astype(np.float32))


def test_binary_images_are_0_and_255() -> None:
    """A mode "1" image is black and white: Pillow stores 0 / 255 and `convert("L")` gives them. transformers
    reads it through numpy as booleans, 0 / 1, then divides by 255: white comes out almost black."""
    pixels = np.zeros((40, 60), np.uint8)
    pixels[:, :30] = 255  # white left half
    pixels[::7, ::5] = 255  # and some white dots on the right
    binary = PIL_Image.fromarray(pixels).convert("1")
    settings = {"size": 24, "image_mean": [0.5], "image_std": [0.5], "resample": 3}
    ours = ViTImageProcessor(**settings)(binary, return_tensors="np")["pixel_values"]
    grey = binary.convert("L")
    assert set(np.unique(np.asarray(grey))) == {0, 255}
    np.testing.assert_array_equal(
        ours, ViTImageProcessor(**settings)(grey, return_tensors="np")["pixel_values"]
    )
    np.testing.assert_array_equal(
        ours, transformers.ViTImageProcessorPil(**settings)(grey, return_tensors="np")["pixel_values"]
    )
    assert ours.max() > 0.9
    theirs = transformers.ViTImageProcessorPil(**settings)(binary, return_tensors="np")["pixel_values"]
    assert theirs.max() < -0.99
