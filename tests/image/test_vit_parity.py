"""ViTImageProcessor against transformers' PIL backend (`ViTImageProcessorPil`, transformers 5.24, Pillow 13):
real photos and generated images of many sizes, modes and dtypes, every Pillow filter. The outputs must agree
to 1e-6 (they are in fact identical); the deliberate divergences are tested in test_image_divergences.py."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from testing_utils import examples, require_module

from ferroformers import ViTImageProcessor

transformers = require_module("transformers")
PIL_Image = require_module("PIL.Image")
logging.getLogger("transformers").setLevel(logging.ERROR)  # "channel dimension is ambiguous" notices

FILTERS = [0, 1, 2, 3, 4, 5]  # nearest, lanczos, bilinear, bicubic, box, hamming
TOL = 1e-6


def reference(**settings: Any) -> Any:
    return transformers.ViTImageProcessorPil(**settings)


def assert_same(images: Any, settings: dict[str, Any] | None = None, **call: Any) -> np.ndarray:
    settings = settings or {}
    ours = ViTImageProcessor(**settings)(images, return_tensors="np", **call)["pixel_values"]
    theirs = reference(**settings)(images, return_tensors="np", **call)["pixel_values"]
    assert ours.dtype == np.float32 and ours.shape == theirs.shape, (ours.shape, theirs.shape)
    diff = float(np.max(np.abs(ours - theirs.astype(np.float32))))
    assert diff <= TOL, f"max |diff| {diff} for {settings} {call}"
    return ours


def media_images(media: Path) -> list[Path]:
    out = []
    for path in sorted((media / "images").glob("*/*")):
        try:
            with PIL_Image.open(path) as im:
                im.size  # noqa: B018 (the header must parse)
        except PIL_Image.UnidentifiedImageError:
            continue  # multipage_rgb.tif: a TIFF layout Pillow cannot read
        out.append(path)
    return out


@pytest.mark.slow
def test_real_images_every_mode_match(media: Path) -> None:
    paths = media_images(media)
    assert len(paths) >= 50
    modes = set()
    for path in paths:
        with PIL_Image.open(path) as im:
            im.load()
            modes.add(im.mode)
            if max(im.size) > 4000:
                continue  # Elephants_5640x3172: covered by the 3840x2160 twin, keeps the suite fast
            # do_convert_rgb composites RGBA / LA onto white and expands L / P, as transformers does
            assert_same(im, {"do_convert_rgb": True})
            if im.mode == "RGB":
                assert_same(np.asarray(im), {"resample": 3, "size": {"height": 160, "width": 288}})
    assert {"L", "LA", "RGB", "RGBA"} <= modes, modes


@pytest.mark.parametrize("resample", FILTERS)
def test_real_photos_every_filter_match(media: Path, resample: int) -> None:
    names = [
        "astronaut.png",
        "chelsea.png",
        "coffee.png",
        "grace_hopper.jpg",
        "Elephants.jpg",
        "hubble_deep_field.jpg",
    ]
    paths = [p for p in media_images(media) if p.name in names]
    assert len(paths) == len(names)
    batch = [PIL_Image.open(p).convert("RGB") for p in paths]
    assert_same(batch, {"resample": resample})
    # upscaling a small crop
    assert_same([im.crop((0, 0, 37, 53)) for im in batch], {"resample": resample})


SIZES = [
    (1, 1),
    (1, 7),
    (5, 1),
    (2, 3),
    (17, 31),
    (223, 225),
    (224, 224),
    (480, 640),
    (1080, 1920),
    (3, 1500),
]


@pytest.mark.parametrize("resample", FILTERS)
def test_generated_sizes_match(resample: int) -> None:
    rng = np.random.default_rng(resample)
    for height, width in SIZES:
        image = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
        assert_same(image, {"resample": resample}, input_data_format="channels_last")
    # non-square targets, up and down on each axis
    image = rng.integers(0, 256, (97, 61, 3), dtype=np.uint8)
    for size in [{"height": 300, "width": 20}, {"height": 10, "width": 500}, {"height": 97, "width": 62}, 1]:
        assert_same(image, {"resample": resample, "size": size})


def test_layouts_dtypes_and_containers_match() -> None:
    torch = require_module("torch")
    rng = np.random.default_rng(7)
    hwc = rng.integers(0, 256, (45, 67, 3), dtype=np.uint8)
    chw = np.ascontiguousarray(hwc.transpose(2, 0, 1))
    expected = assert_same(hwc)
    for variant in [
        chw,
        hwc.astype(np.float32),
        hwc.astype(np.float64),
        hwc.astype(np.int64),
        chw.astype(np.int32),
        torch.from_numpy(chw),
        torch.from_numpy(hwc).float(),
        hwc[:, ::-1][:, ::-1],
    ]:
        np.testing.assert_array_equal(
            ViTImageProcessor()(variant, return_tensors="np")["pixel_values"], expected
        )
    assert_same(torch.from_numpy(chw))
    assert_same([hwc, PIL_Image.fromarray(hwc), torch.from_numpy(chw)])
    assert_same(np.stack([hwc, hwc]))  # a 4-D batch array
    assert_same([[hwc], [hwc, hwc]])  # nested lists are flattened
    grey = rng.integers(0, 256, (40, 30, 1), dtype=np.uint8)
    assert_same(grey, {"image_mean": [0.5], "image_std": [0.25]})
    assert_same(grey, {"do_convert_rgb": True})
    rgba = rng.integers(0, 256, (40, 30, 4), dtype=np.uint8)
    rgba[..., 3] = 255  # opaque: Pillow's premultiplication is then the identity
    assert_same(rgba, {"image_mean": [0.5] * 4, "image_std": [0.5] * 4})
    rgba[:10, :, 3] = rng.integers(0, 256, (10, 30))
    assert_same(rgba, {"do_convert_rgb": True})  # composited onto white before resizing


def test_settings_and_overrides_match() -> None:
    rng = np.random.default_rng(3)
    images = [rng.integers(0, 256, (50 + i, 70 - i, 3), dtype=np.uint8) for i in range(4)]
    mean, std = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
    assert_same(images, {"image_mean": mean, "image_std": std, "resample": 3})
    assert_same(images, {"do_normalize": False})
    assert_same(images, {"rescale_factor": 1 / 127.5, "image_mean": [1.0] * 3, "image_std": [1.0] * 3})
    assert_same(images, {"do_rescale": False})
    same = [rng.integers(0, 256, (33, 44, 3), dtype=np.uint8) for _ in range(3)]
    assert_same(same, {"do_resize": False})
    # per-call overrides behave like the same constructor settings
    ours = ViTImageProcessor()(
        images,
        size={"height": 32, "width": 48},
        resample="bicubic",
        image_mean=mean,
        image_std=std,
        return_tensors="np",
    )["pixel_values"]
    theirs = reference(size={"height": 32, "width": 48}, resample=3, image_mean=mean, image_std=std)(
        images, return_tensors="np"
    )["pixel_values"]
    np.testing.assert_allclose(ours, theirs, atol=TOL, rtol=0)


@settings(max_examples=examples(60), deadline=None)
@given(
    height=st.integers(1, 90),
    width=st.integers(1, 90),
    out_h=st.integers(1, 120),
    out_w=st.integers(1, 120),
    resample=st.sampled_from(FILTERS),
    channels=st.sampled_from([1, 3]),
    seed=st.integers(0, 2**32 - 1),
)
def test_random_sizes_match(
    height: int, width: int, out_h: int, out_w: int, resample: int, channels: int, seed: int
) -> None:
    image = np.random.default_rng(seed).integers(0, 256, (height, width, channels), dtype=np.uint8)
    settings_ = {
        "resample": resample,
        "size": {"height": out_h, "width": out_w},
        "image_mean": [0.5] * channels,
        "image_std": [0.5] * channels,
    }
    assert_same(image, settings_, input_data_format="channels_last")


@settings(max_examples=examples(40), deadline=None)
@given(
    height=st.integers(1, 60),
    width=st.integers(1, 60),
    out_h=st.integers(1, 80),
    out_w=st.integers(1, 80),
    resample=st.sampled_from(FILTERS),
    seed=st.integers(0, 2**32 - 1),
)
def test_kernel_matches_pillow_resize(
    height: int, width: int, out_h: int, out_w: int, resample: int, seed: int
) -> None:
    """The Rust kernel alone against `Image.resize`: uint8 grey / RGB, and float32 mode "F"."""
    from ferroformers._native import resize_image

    rng = np.random.default_rng(seed)
    rgb = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    want = np.asarray(PIL_Image.fromarray(rgb).resize((out_w, out_h), resample))
    np.testing.assert_array_equal(resize_image(rgb, out_h, out_w, resample), want)
    grey = (rng.random((height, width)) * 4 - 1).astype(np.float32)
    want = np.asarray(PIL_Image.fromarray(grey, mode="F").resize((out_w, out_h), resample))
    np.testing.assert_array_equal(resize_image(grey[:, :, None], out_h, out_w, resample)[:, :, 0], want)
