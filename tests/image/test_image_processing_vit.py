"""ViTImageProcessor's settings (repr, JSON, save / load with transformers both ways, AutoImageProcessor), its
call API (return types, layouts, overrides) and its errors on bad input."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from testing_utils import require_module

from ferroformers import AutoImageProcessor, PILImageResampling, ViTImageProcessor
from ferroformers.image_utils import parse_resample
from ferroformers.models.vit.image_processing_vit import resize_output_size

logging.getLogger("transformers").setLevel(logging.ERROR)


# ---- settings -------------------------------------------------------------------------------------------------


def test_repr_is_class_name_then_sorted_json() -> None:
    text = repr(ViTImageProcessor())
    assert text.startswith("ViTImageProcessor {\n")
    data = json.loads(text[len("ViTImageProcessor ") :])
    assert list(data) == sorted(data)
    assert data == {
        "do_normalize": True,
        "do_rescale": True,
        "do_resize": True,
        "image_mean": [0.5, 0.5, 0.5],
        "image_processor_type": "ViTImageProcessor",
        "image_std": [0.5, 0.5, 0.5],
        "resample": 2,
        "rescale_factor": 1 / 255,
        "size": {"height": 224, "width": 224},
    }


def test_guide_example() -> None:
    """The transformers guide's custom processor: resample given as "PIL.Image.BOX", size as an int (a square, as
    transformers shows and saves it)."""
    processor = ViTImageProcessor(
        resample="PIL.Image.BOX", do_normalize=False, image_mean=[0.3, 0.3, 0.3], size=224
    )
    data = json.loads(repr(processor)[len("ViTImageProcessor ") :])
    assert (
        data["resample"] == 4
        and data["size"] == {"height": 224, "width": 224}
        and data["do_normalize"] is False
    )
    assert data["image_mean"] == [0.3, 0.3, 0.3] and data["image_processor_type"] == "ViTImageProcessor"
    out = processor(np.zeros((10, 10, 3), np.uint8), return_tensors="np")["pixel_values"]
    assert out.shape == (1, 3, 224, 224)


def test_resample_parsing() -> None:
    import PIL.Image

    for member in PIL.Image.Resampling:
        if member.value <= 5:
            assert parse_resample(member) == member.value
            assert parse_resample(member.value) == member.value
            assert parse_resample(member.name.lower()) == member.value
            assert parse_resample(f"PIL.Image.{member.name}") == member.value
            assert parse_resample(f"Image.Resampling.{member.name}") == member.value
    assert parse_resample("PIL.Image.ANTIALIAS") == PILImageResampling.LANCZOS
    assert parse_resample(PILImageResampling.HAMMING) == 5
    assert parse_resample(np.int64(3)) == 3
    with pytest.raises(ValueError, match="0-5"):
        parse_resample(6)
    with pytest.raises(ValueError, match=r"PIL\.Image\.SHARP.*NEAREST=0"):
        parse_resample("PIL.Image.SHARP")
    with pytest.raises(TypeError):
        parse_resample(2.0)
    with pytest.raises(TypeError):
        parse_resample(True)


def test_bad_settings_name_the_setting() -> None:
    with pytest.raises(TypeError, match=r"unexpected settings.*size_typo"):
        ViTImageProcessor(size_typo=3)
    with pytest.raises(ValueError, match=r"size must have one of the key sets .*got \['height'\]"):
        ViTImageProcessor(size={"height": 224})
    with pytest.raises(ValueError, match=r"size\['height'\] must be a positive int, got 0"):
        ViTImageProcessor(size=0)
    with pytest.raises(ValueError, match="image_mean has 3 values but image_std has 2"):
        ViTImageProcessor(image_std=[0.5, 0.5])
    with pytest.raises(ValueError, match="image_std must not contain 0"):
        ViTImageProcessor(image_std=[0.5, 0.0, 0.5])
    with pytest.raises(TypeError, match="rescale_factor"):
        ViTImageProcessor(rescale_factor="1/255")


SIZES = [
    42,
    (32, 48),
    [32, 48],
    {"height": 10, "width": 20},
    {"shortest_edge": 100},
    {"shortest_edge": 40, "longest_edge": 50},
    {"max_height": 50, "max_width": 80},
    {"longest_edge": 100},
    {"min_pixels": 10, "max_pixels": 100},
]


@pytest.mark.parametrize("size", SIZES, ids=repr)
def test_size_is_normalised_as_transformers_does(size: Any) -> None:
    transformers = require_module("transformers")
    ours, theirs = ViTImageProcessor(size=size), transformers.ViTImageProcessorPil(size=size)
    assert ours.size == dict(theirs.size) and ours.to_dict()["size"] == theirs.to_dict()["size"]
    assert ours.size.height == theirs.size.height and ours.size.shortest_edge == theirs.size.shortest_edge
    assert ViTImageProcessor.from_dict(ours.to_dict()).size == ours.size
    # a transformers SizeDict is accepted as it is
    assert ViTImageProcessor(size=theirs.size).size == ours.size
    rng = np.random.default_rng(0)
    for shape in [(60, 90, 3), (90, 60, 3), (64, 64, 3), (33, 200, 3), (200, 33, 3)]:
        image = rng.integers(0, 256, shape, dtype=np.uint8)
        if not (
            {"height", "width"} <= set(ours.size) or "shortest_edge" in ours.size or "max_height" in ours.size
        ):
            with pytest.raises(ValueError, match="cannot resize an image: give height and width"):
                ours(image)
            with pytest.raises(ValueError, match="Size must contain"):
                theirs(image)
            continue
        want = theirs(image, return_tensors="np")["pixel_values"]
        np.testing.assert_array_equal(ours(image, return_tensors="np")["pixel_values"], want)
        # the same size given per call, to processors made with the default size
        np.testing.assert_array_equal(
            ViTImageProcessor()(image, size=size, return_tensors="np")["pixel_values"], want
        )
        np.testing.assert_array_equal(
            transformers.ViTImageProcessorPil()(image, size=size, return_tensors="np")["pixel_values"], want
        )


@settings(max_examples=200, deadline=None)
@given(
    height=st.integers(1, 3000),
    width=st.integers(1, 3000),
    short=st.integers(1, 1000),
    longer=st.integers(1, 1500),
    max_h=st.integers(1, 1000),
    max_w=st.integers(1, 1000),
)
def test_output_sizes_follow_transformers(
    height: int, width: int, short: int, longer: int, max_h: int, max_w: int
) -> None:
    """`resize_output_size` against the transformers functions the PIL backend calls, on any image size."""
    image_transforms = require_module("transformers.image_transforms")
    image_utils = require_module("transformers.image_utils")
    image = np.empty((1, height, width), np.uint8)
    want = image_transforms.get_resize_output_image_size(
        image, size=short, default_to_square=False, input_data_format="channels_first"
    )
    assert resize_output_size({"shortest_edge": short}, height, width) == tuple(want)
    want = image_transforms.get_size_with_aspect_ratio((height, width), short, short + longer)
    assert resize_output_size({"shortest_edge": short, "longest_edge": short + longer}, height, width) == want
    want = image_utils.get_image_size_for_max_height_width((height, width), max_h, max_w)
    assert resize_output_size({"max_height": max_h, "max_width": max_w}, height, width) == want


def test_sizes_that_keep_the_aspect_ratio_give_a_list() -> None:
    transformers = require_module("transformers")
    rng = np.random.default_rng(1)
    images = [
        rng.integers(0, 256, (30, 40, 3), np.uint8),
        rng.integers(0, 256, (50, 40, 3), np.uint8),
        rng.integers(0, 256, (60, 80, 3), np.uint8),
    ]
    ours = ViTImageProcessor(size={"shortest_edge": 20})(images)["pixel_values"]
    theirs = transformers.ViTImageProcessorPil(size={"shortest_edge": 20})(images)["pixel_values"]
    assert [a.shape for a in ours] == [(3, 20, 26), (3, 25, 20), (3, 20, 26)]
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(
        ValueError, match=r"2 different sizes \(\[\(20, 26\), \(25, 20\)\]\).*return_tensors=None"
    ):
        ViTImageProcessor(size={"shortest_edge": 20})(images, return_tensors="np")
    # the same aspect ratio: one tensor
    same = ViTImageProcessor(size={"shortest_edge": 20})([images[0], images[2]], return_tensors="np")[
        "pixel_values"
    ]
    assert same.shape == (2, 3, 20, 26)
    # an edge truncated to nothing is an error naming the image
    with pytest.raises(ValueError, match=r"image 1 \(2x300\) would be resized to 0x10"):
        ViTImageProcessor(size={"max_height": 10, "max_width": 10})(
            [images[0], np.zeros((2, 300, 3), np.uint8)]
        )


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    processor = ViTImageProcessor(
        size={"height": 96, "width": 128},
        resample="bicubic",
        image_mean=[0.1, 0.2, 0.3],
        image_std=[0.4, 0.5, 0.6],
        do_convert_rgb=True,
    )
    files = processor.save_pretrained(tmp_path)
    assert files == [str(tmp_path / "preprocessor_config.json")]
    loaded = ViTImageProcessor.from_pretrained(tmp_path)
    assert loaded == processor and loaded.to_dict() == processor.to_dict()
    assert type(AutoImageProcessor.from_pretrained(tmp_path)) is ViTImageProcessor
    assert AutoImageProcessor.from_pretrained(tmp_path, use_fast=True) == processor
    with pytest.raises(ValueError, match="trust_remote_code"):
        AutoImageProcessor.from_pretrained(tmp_path, trust_remote_code=True)
    assert ViTImageProcessor.from_pretrained(tmp_path, do_resize=False).do_resize is False
    # an unknown setting in a file is an error naming the file
    data = json.loads((tmp_path / "preprocessor_config.json").read_text())
    (tmp_path / "preprocessor_config.json").write_text(json.dumps({**data, "do_center_crop": True}))
    with pytest.raises(TypeError, match=r"preprocessor_config\.json.*do_center_crop"):
        ViTImageProcessor.from_pretrained(tmp_path)


def test_auto_falls_back_to_the_model_type(tmp_path: Path) -> None:
    settings = {"do_resize": True, "size": 64, "resample": 3}
    (tmp_path / "preprocessor_config.json").write_text(json.dumps(settings))
    with pytest.raises(ValueError, match=r"names no image_processor_type and there is no config\.json"):
        AutoImageProcessor.from_pretrained(tmp_path)
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "bert"}))
    with pytest.raises(ValueError, match=r"config\.json has model_type 'bert'"):
        AutoImageProcessor.from_pretrained(tmp_path)
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "vit"}))
    processor = AutoImageProcessor.from_pretrained(tmp_path)
    assert type(processor) is ViTImageProcessor and processor.size == {"height": 64, "width": 64}
    assert processor.resample == 3
    (tmp_path / "preprocessor_config.json").write_text(
        json.dumps({**settings, "image_processor_type": "CLIPImageProcessor"})
    )
    with pytest.raises(ValueError, match="unknown image processor 'CLIPImageProcessor'"):
        AutoImageProcessor.from_pretrained(tmp_path)


def test_published_vit_config_loads(assets: Path) -> None:
    """google/vit-base-patch16-224's file as published: "feature_extractor_type": "ViTFeatureExtractor", size 224."""
    folder = assets / "vit-base-patch16-224"
    assert (
        json.loads((folder / "preprocessor_config.json").read_text())["feature_extractor_type"]
        == "ViTFeatureExtractor"
    )
    processor = AutoImageProcessor.from_pretrained(folder)
    assert type(processor) is ViTImageProcessor
    assert processor.size == {"height": 224, "width": 224} and processor.resample == 2
    assert processor.image_mean == [0.5, 0.5, 0.5]
    transformers = require_module("transformers")
    theirs = transformers.ViTImageProcessorPil.from_pretrained(folder)
    image = np.random.default_rng(0).integers(0, 256, (300, 400, 3), dtype=np.uint8)
    np.testing.assert_array_equal(
        processor(image, return_tensors="np")["pixel_values"],
        theirs(image, return_tensors="np")["pixel_values"],
    )


def _fake_hub_cache(cache: Path, repo_id: str, files: dict[str, str]) -> None:
    """A real huggingface_hub cache layout, as a download would have left it."""
    commit = "0123456789abcdef0123456789abcdef01234567"
    repo = cache / f"models--{repo_id.replace('/', '--')}"
    (repo / "snapshots" / commit).mkdir(parents=True)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)
    for name, text in files.items():
        (repo / "snapshots" / commit / name).write_text(text)


def test_hub_id_through_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    text = ViTImageProcessor(size=384, resample=3).to_json_string()
    _fake_hub_cache(tmp_path, "google/vit-base-patch16-384", {"preprocessor_config.json": text})
    processor = AutoImageProcessor.from_pretrained("google/vit-base-patch16-384", cache_dir=tmp_path)
    assert processor.size == {"height": 384, "width": 384} and processor.resample == 3


def test_transformers_files_load_here_and_ours_load_there(tmp_path: Path) -> None:
    transformers = require_module("transformers")
    images = [np.random.default_rng(i).integers(0, 256, (120 + i, 90, 3), dtype=np.uint8) for i in range(3)]
    theirs = transformers.ViTImageProcessorPil(
        size={"height": 64, "width": 80},
        resample=5,
        image_mean=[0.485, 0.456, 0.406],
        image_std=[0.229, 0.224, 0.225],
    )
    theirs.save_pretrained(tmp_path / "theirs")
    ours = AutoImageProcessor.from_pretrained(tmp_path / "theirs")
    assert type(ours) is ViTImageProcessor and ours.resample == 5
    np.testing.assert_array_equal(
        ours(images, return_tensors="np")["pixel_values"], theirs(images, return_tensors="np")["pixel_values"]
    )

    mine = ViTImageProcessor(
        size=48, resample="PIL.Image.LANCZOS", image_mean=[0.2, 0.3, 0.4], do_convert_rgb=True
    )
    mine.save_pretrained(tmp_path / "ours")
    for loader in (transformers.ViTImageProcessorPil, transformers.AutoImageProcessor):
        loaded = loader.from_pretrained(tmp_path / "ours")
        assert loaded.resample == 1
        np.testing.assert_array_equal(
            mine(images, return_tensors="np")["pixel_values"],
            loaded(images, return_tensors="np")["pixel_values"],
        )


# ---- call API -------------------------------------------------------------------------------------------------


def test_return_types_and_layouts() -> None:
    torch = require_module("torch")
    images = [np.random.default_rng(i).integers(0, 256, (30, 40, 3), dtype=np.uint8) for i in range(2)]
    processor = ViTImageProcessor(size={"height": 16, "width": 24})
    as_list = processor(images)["pixel_values"]
    assert isinstance(as_list, list) and len(as_list) == 2 and as_list[0].shape == (3, 16, 24)
    as_np = processor(images, return_tensors="np").pixel_values
    assert isinstance(as_np, np.ndarray) and as_np.shape == (2, 3, 16, 24) and as_np.dtype == np.float32
    as_pt = processor(images, return_tensors="pt")["pixel_values"]
    assert isinstance(as_pt, torch.Tensor) and as_pt.dtype == torch.float32
    np.testing.assert_array_equal(as_pt.numpy(), as_np)
    last = processor(images, return_tensors="np", data_format="channels_last")["pixel_values"]
    np.testing.assert_array_equal(last, as_np.transpose(0, 2, 3, 1))
    # without resizing, images of different sizes come back as a list
    ragged = processor([images[0], images[1][:20]], do_resize=False)["pixel_values"]
    assert [a.shape for a in ragged] == [(3, 30, 40), (3, 20, 40)]
    with pytest.raises(ValueError, match="different sizes"):
        processor([images[0], images[1][:20]], do_resize=False, return_tensors="np")
    # the settings themselves are not changed by per-call overrides
    processor(images, size=8, resample="nearest")
    assert processor.size == {"height": 16, "width": 24} and processor.resample == 2


def test_bad_input_names_shape_and_dtype() -> None:
    processor = ViTImageProcessor()
    with pytest.raises(ValueError, match=r"image 0 is empty \(shape \(0, 5, 3\)\)"):
        processor(np.zeros((0, 5, 3), np.uint8))
    with pytest.raises(ValueError, match=r"shape \(10, 10, 7\)"):
        processor(np.zeros((10, 10, 7), np.uint8))
    with pytest.raises(ValueError, match=r"7 channels"):
        processor(np.zeros((10, 10, 7), np.uint8), input_data_format="channels_last")
    nan = np.full((8, 8, 3), 0.5, np.float32)
    nan[2, 3, 1] = np.nan
    with pytest.raises(ValueError, match=r"image 1 \(dtype float32, shape \(8, 8, 3\)\) contains NaN"):
        processor([np.zeros((8, 8, 3), np.uint8), nan])
    with pytest.raises(ValueError, match=r"dtype int64 with values in \[300, 300\]"):
        processor(np.full((8, 8, 3), 300, np.int64))
    with pytest.raises(TypeError, match="dtype complex64"):
        processor(np.zeros((8, 8, 3), np.complex64))
    with pytest.raises(TypeError, match="dtype bool"):
        processor(np.zeros((8, 8, 3), bool))
    with pytest.raises(TypeError, match="got str"):
        processor("cat.jpg")
    with pytest.raises(TypeError, match=r"images\[1\] is a dict"):
        processor([np.zeros((8, 8, 3), np.uint8), {}])
    with pytest.raises(ValueError, match="empty list"):
        processor([])
    with pytest.raises(ValueError, match=r"shape \(2, 8, 8, 3, 1\)"):
        processor([np.zeros((2, 8, 8, 3, 1), np.uint8)])
    with pytest.raises(ValueError, match="1 channels but image_mean has 3 values; pass do_convert_rgb=True"):
        processor(np.zeros((8, 8), np.uint8))
    with pytest.raises(ValueError, match="image 1 has 1 channels but image 0 has 3"):
        processor([np.zeros((8, 8, 3), np.uint8), np.zeros((8, 8), np.uint8)], image_mean=0.5, image_std=0.5)
    with pytest.raises(TypeError, match=r"unexpected keyword arguments \['do_center_crop'\]"):
        processor(np.zeros((8, 8, 3), np.uint8), do_center_crop=True)
    with pytest.raises(ValueError, match="return_tensors"):
        processor(np.zeros((8, 8, 3), np.uint8), return_tensors="tf")


def _child(images: list[np.ndarray], expected: np.ndarray) -> None:
    import os

    out = ViTImageProcessor()(images, return_tensors="np")["pixel_values"]
    os._exit(0 if np.array_equal(out, expected) else 1)


def test_forked_child_does_not_hang() -> None:
    """rayon's threads do not survive fork: a DataLoader-style worker forked after the parent used the pool
    must still finish (sequentially)."""
    import multiprocessing

    images = [np.random.default_rng(i).integers(0, 256, (60, 80, 3), dtype=np.uint8) for i in range(6)]
    expected = ViTImageProcessor()(images, return_tensors="np")["pixel_values"]  # the parent starts the pool
    process = multiprocessing.get_context("fork").Process(target=_child, args=(images, expected))
    process.start()
    process.join(60)
    if process.is_alive():
        process.kill()
        pytest.fail("the forked child hung")
    assert process.exitcode == 0
