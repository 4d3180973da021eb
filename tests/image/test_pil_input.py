"""PIL images read in place through the Arrow C data interface (`image_utils.pil_pixels`, rust/py/arrow.rs):
the same pixels as `np.asarray` for every mode read that way, the same `pixel_values` as transformers' PIL
backend on real photos and generated images, the numpy path where Pillow does not export, and clear errors on
malformed exports (crafted with ctypes: every field the reader checks)."""

from __future__ import annotations

import ctypes
import gc
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from testing_utils import require_module

from ferroformers import ViTImageProcessor
from ferroformers._native import arrow_image_view
from ferroformers.image_utils import _FOUR_BYTE_MODES, _ONE_SAMPLE_MODES, pil_pixels

transformers = require_module("transformers")
PIL_Image = require_module("PIL.Image")
logging.getLogger("transformers").setLevel(logging.ERROR)

FILTERS = [0, 1, 2, 3, 4, 5]  # nearest, lanczos, bilinear, bicubic, box, hamming


def ours(images: Any, **settings: Any) -> np.ndarray:
    return ViTImageProcessor(**settings)(images, return_tensors="np")["pixel_values"]


def theirs(images: Any, **settings: Any) -> np.ndarray:
    return transformers.ViTImageProcessorPil(**settings)(images, return_tensors="np")["pixel_values"]


def bands(mode: str) -> int:
    return len(PIL_Image.new(mode, (1, 1)).getbands())


def per_channel(mode: str, **settings: Any) -> dict[str, Any]:
    n = bands(mode)
    return {"image_mean": [0.5] * n, "image_std": [0.5] * n, **settings}


def is_view(array: np.ndarray) -> bool:
    """True when the array is (a view of) Pillow's memory, kept alive by the Arrow array capsule."""
    base = array
    while isinstance(base, np.ndarray) and base.base is not None:
        base = base.base
    return type(base).__name__ == "PyCapsule"


def photo(media: Path, name: str, box: tuple[int, int, int, int] | None = None) -> Any:
    path = next((media / "images").glob(f"*/{name}"))
    with PIL_Image.open(path) as im:
        im.load()
        return im.crop(box) if box else im.copy()


# ---- pixels --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", sorted(_ONE_SAMPLE_MODES) + sorted(_FOUR_BYTE_MODES))
def test_views_hold_what_numpy_reads(mode: str) -> None:
    rng = np.random.default_rng(0)
    rgb = PIL_Image.fromarray(rng.integers(0, 256, (37, 53, 3), dtype=np.uint8))
    image = (
        rgb.convert(mode)
        if mode != "I;16"
        else PIL_Image.fromarray(rng.integers(0, 2**16, (37, 53), np.uint16))
    )
    array, channels = pil_pixels(image)
    assert channels == bands(mode) and not array.flags.writeable
    # 2-band modes are bytes 0 and 3 of each pixel: a strided view, copied once later
    assert is_view(array), "read through Arrow, not copied"
    expected = np.asarray(
        image.convert("L") if mode == "1" else image
    )  # mode "1": 0 / 255, as Pillow stores it
    got = array[:, :, :channels] if array.ndim == 3 and channels != 2 else array
    np.testing.assert_array_equal(got, expected)
    assert got.dtype == expected.dtype


def test_other_modes_are_read_by_numpy() -> None:
    rgb = PIL_Image.fromarray(np.random.default_rng(1).integers(0, 256, (9, 11, 3), dtype=np.uint8))
    # LAB is kept with a and b unshifted, numpy gets them + 128; I;16B is big-endian
    for image in [rgb.convert("LAB"), PIL_Image.fromarray(np.arange(99, dtype=">u2").reshape(9, 11))]:
        array, _ = pil_pixels(image)
        assert not is_view(array), image.mode
        np.testing.assert_array_equal(array, np.asarray(image))


def test_images_pillow_does_not_export_use_numpy() -> None:
    # rows 20 bytes apart in a 10-pixel-wide buffer: Pillow refuses to export them
    data = bytes(range(200))
    strided = PIL_Image.frombuffer("L", (10, 10), data, "raw", "L", 20, 1)
    array, _ = pil_pixels(strided)
    assert not is_view(array)
    np.testing.assert_array_equal(array, np.asarray(strided))
    # larger than one 16 MB allocation block: several blocks, not one buffer
    big = PIL_Image.new("RGB", (2400, 1800), (10, 20, 30))
    big.paste((200, 100, 50), (0, 900, 2400, 1800))
    with pytest.raises(ValueError, match="not contiguous"):
        big.__arrow_c_array__()
    np.testing.assert_array_equal(ours(big, size=32), ours(np.asarray(big), size=32))
    np.testing.assert_array_equal(ours(big, size=32), theirs(big, size=32))


def test_pillow_before_13_is_read_by_numpy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Older Pillow (whose export of borrowed images crashes) takes the numpy path, with the same values."""
    from ferroformers import image_utils

    images = [
        PIL_Image.fromarray(np.random.default_rng(i).integers(0, 256, (30, 41, 3), dtype=np.uint8))
        for i in range(3)
    ]
    images += [images[0].convert("LA"), images[1].convert("1")]
    in_place = [ours(im, **per_channel(im.mode)) for im in images]
    monkeypatch.setattr(image_utils, "_ARROW_OK", False)
    assert not is_view(pil_pixels(images[0])[0])
    for image, want in zip(images, in_place, strict=True):
        np.testing.assert_array_equal(ours(image, **per_channel(image.mode)), want)


def test_view_outlives_the_image_and_is_released_with_it() -> None:
    def rss() -> int:
        return int(Path("/proc/self/statm").read_text().split()[1]) * 4096

    image = PIL_Image.fromarray(np.random.default_rng(2).integers(0, 256, (64, 48, 3), dtype=np.uint8))
    expected = np.asarray(image).copy()
    view, _ = pil_pixels(image)
    del image
    gc.collect()
    np.testing.assert_array_equal(view[:, :, :3], expected)  # the export holds Pillow's memory
    with pytest.raises(ValueError, match="read-only"):
        view[0, 0, 0] = 1
    # each 16 MB image is freed with its last view: 40 of them would otherwise keep 640 MB
    before = rss()
    for i in range(40):
        big = PIL_Image.new("RGB", (2000, 2000), (i, 0, 0))
        view, _ = pil_pixels(big)
        assert view[0, 0, 0] == i
        del big, view
    gc.collect()
    assert rss() - before < 200 * 2**20


# ---- parity with transformers --------------------------------------------------------------------------------


@pytest.mark.parametrize("resample", FILTERS)
def test_real_photos_in_every_mode_match(media: Path, resample: int) -> None:
    crops = [
        photo(media, "Elephants.jpg", (300, 200, 940, 680)),
        photo(media, "coffee.png"),
        photo(media, "grace_hopper.jpg"),
    ]
    for mode in ["RGB", "L", "P", "I", "F", "YCbCr", "RGBA", "LA", "RGBX"]:
        # alpha 255: Pillow's premultiplication is the identity. F through L: whole numbers, which transformers
        # reads as uint8 (fractional ones it refuses, test_image_divergences.py)
        images = [im.convert("L").convert(mode) if mode in ("I", "F") else im.convert(mode) for im in crops]
        np.testing.assert_array_equal(
            ours(images, **per_channel(mode, resample=resample)),
            theirs(images, **per_channel(mode, resample=resample)),
            err_msg=mode,
        )
    # I;16 with pixel values in 0..255, as transformers reads it
    grey = [PIL_Image.fromarray(np.asarray(im.convert("L")).astype(np.uint16)) for im in crops]
    np.testing.assert_array_equal(
        ours(grey, **per_channel("L", resample=resample)), theirs(grey, **per_channel("L", resample=resample))
    )


def test_real_images_in_their_own_mode_match(media: Path) -> None:
    """As decoded: RGB and L photos, a palette GIF (its indices), RGBA / LA with real transparency composited
    onto white (`do_convert_rgb`), and every one of them through the numpy path too."""
    names = [
        "astronaut.png",
        "camera.png",
        "no_time_for_that_tiny.gif",
        "horse.png",
        "logo.png",
        "rocket.jpg",
        "chessboard_GRAY.png",
        "hubble_deep_field.jpg",
    ]
    for name in names:
        image = photo(media, name)
        if "A" in image.getbands():
            settings_: dict[str, Any] = {"do_convert_rgb": True}
        else:
            settings_ = per_channel(image.mode, resample=3)
        want = theirs(image, **settings_)
        np.testing.assert_array_equal(ours(image, **settings_), want, err_msg=name)
        if "A" not in image.getbands():
            np.testing.assert_array_equal(ours(np.asarray(image), **settings_), want, err_msg=name)
    stripes = photo(media, "Stripes.png", (0, 0, 400, 300))  # LA
    assert stripes.mode == "LA"
    np.testing.assert_array_equal(ours(stripes, do_convert_rgb=True), theirs(stripes, do_convert_rgb=True))


def test_mixed_batch_of_pil_and_numpy_inputs(media: Path) -> None:
    photos = [photo(media, "chelsea.png"), photo(media, "rocket.jpg")]
    batch = [
        photos[0],
        np.asarray(photos[1]),
        photos[1].convert("RGBA").convert("RGB"),
        np.asarray(photos[0]),
    ]
    np.testing.assert_array_equal(ours(batch, resample=1), theirs(batch, resample=1))
    ragged = ViTImageProcessor(do_resize=False)(photos)["pixel_values"]
    assert [a.shape for a in ragged] == [(3, 300, 451), (3, 427, 640)]
    np.testing.assert_array_equal(ragged[1], theirs(photos[1], do_resize=False)[0])


MODES = ["RGB", "RGBA", "L", "LA", "P", "I;16", "F", "1", "I"]


@settings(max_examples=50, deadline=None)
@given(
    mode=st.sampled_from(MODES),
    height=st.integers(1, 70),
    width=st.integers(1, 70),
    out_h=st.integers(1, 90),
    out_w=st.integers(1, 90),
    resample=st.sampled_from(FILTERS),
    seed=st.integers(0, 2**32 - 1),
)
def test_generated_images_match(
    mode: str, height: int, width: int, out_h: int, out_w: int, resample: int, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    n = bands(mode)
    pixels = rng.integers(0, 256, (height, width, n))
    if mode in ("RGBA", "LA"):
        pixels[..., -1] = 255  # opaque: the reference premultiplies alpha (docs/image.md)
    if mode in ("I;16", "F", "I"):
        image = PIL_Image.fromarray(
            pixels[..., 0].astype({"I;16": np.uint16, "F": np.float32, "I": np.int32}[mode])
        )
    elif mode == "1":
        image = PIL_Image.fromarray(pixels[..., 0].astype(np.uint8)).convert("1")
    else:
        image = PIL_Image.fromarray(
            pixels.astype(np.uint8).squeeze(-1) if n == 1 else pixels.astype(np.uint8)
        )
        image = image.convert(mode) if mode == "P" else image
    assert image.mode == mode
    settings_ = per_channel(mode, resample=resample, size={"height": out_h, "width": out_w})
    got = ours(image, **settings_)
    # the numpy path of the same pixels gives the same values
    array = np.asarray(image.convert("L") if mode == "1" else image)
    np.testing.assert_array_equal(
        got,
        ViTImageProcessor(**settings_)(array, input_data_format="channels_last", return_tensors="np")[
            "pixel_values"
        ],
    )
    # mode "1" is read as 0 / 255 (test_image_divergences.py); the reference reads 0 / 1
    reference = theirs(image.convert("L") if mode == "1" else image, **settings_)
    np.testing.assert_array_equal(got, reference)


# ---- malformed exports ---------------------------------------------------------------------------------------


class ArrowSchema(ctypes.Structure):
    pass


ArrowSchema._fields_ = [
    ("format", ctypes.c_char_p),
    ("name", ctypes.c_char_p),
    ("metadata", ctypes.c_char_p),
    ("flags", ctypes.c_int64),
    ("n_children", ctypes.c_int64),
    ("children", ctypes.POINTER(ctypes.POINTER(ArrowSchema))),
    ("dictionary", ctypes.POINTER(ArrowSchema)),
    ("release", ctypes.c_void_p),
    ("private_data", ctypes.c_void_p),
]


class ArrowArray(ctypes.Structure):
    pass


ArrowArray._fields_ = [
    ("length", ctypes.c_int64),
    ("null_count", ctypes.c_int64),
    ("offset", ctypes.c_int64),
    ("n_buffers", ctypes.c_int64),
    ("n_children", ctypes.c_int64),
    ("buffers", ctypes.POINTER(ctypes.c_void_p)),
    ("children", ctypes.POINTER(ctypes.POINTER(ArrowArray))),
    ("dictionary", ctypes.POINTER(ArrowArray)),
    ("release", ctypes.c_void_p),
    ("private_data", ctypes.c_void_p),
]

_PyCapsule_New = ctypes.pythonapi.PyCapsule_New
_PyCapsule_New.restype = ctypes.py_object
_PyCapsule_New.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p]
RELEASE = 1  # any non-null release callback: these structs are owned here and never released through it


class Export:
    """Hand-made C structs (kept alive here) and capsules pointing at them, without destructors."""

    def __init__(
        self, fmt: bytes, length: int, data: bytes | None, *, list_child: bytes | None = None
    ) -> None:
        self.keep: list[Any] = []
        self.schema = ArrowSchema(format=fmt, release=RELEASE)
        self.data = ctypes.create_string_buffer(data, len(data)) if data is not None else None
        self.buffers = (ctypes.c_void_p * 2)(
            None, ctypes.addressof(self.data) if self.data is not None else None
        )
        if list_child is None:
            self.array = ArrowArray(length=length, n_buffers=2, buffers=self.buffers, release=RELEASE)
            return
        self.child_schema = ArrowSchema(format=list_child, release=RELEASE)
        self.schema_children = (ctypes.POINTER(ArrowSchema) * 1)(ctypes.pointer(self.child_schema))
        self.schema.n_children, self.schema.children = 1, self.schema_children
        self.child = ArrowArray(length=4 * length, n_buffers=2, buffers=self.buffers, release=RELEASE)
        self.parent_buffers = (ctypes.c_void_p * 1)(None)
        self.array_children = (ctypes.POINTER(ArrowArray) * 1)(ctypes.pointer(self.child))
        self.array = ArrowArray(
            length=length,
            n_buffers=1,
            n_children=1,
            buffers=self.parent_buffers,
            children=self.array_children,
            release=RELEASE,
        )

    def capsules(self) -> tuple[Any, Any]:
        return (
            _PyCapsule_New(ctypes.addressof(self.schema), b"arrow_schema", None),
            _PyCapsule_New(ctypes.addressof(self.array), b"arrow_array", None),
        )

    def view(self, height: int, width: int) -> np.ndarray | None:
        view = arrow_image_view(*self.capsules(), height, width)
        if view is not None:
            view = view.copy()  # the structs are freed with this object, not with the capsule
        return view


def test_well_formed_hand_made_exports_are_read() -> None:
    grey = Export(b"C", 6, bytes(range(6)))
    np.testing.assert_array_equal(grey.view(2, 3), np.arange(6, dtype=np.uint8).reshape(2, 3))
    rgbx = Export(b"+w:4", 2, bytes(range(8)), list_child=b"C")
    np.testing.assert_array_equal(rgbx.view(1, 2), np.arange(8, dtype=np.uint8).reshape(1, 2, 4))
    floats = Export(b"f", 2, np.array([0.5, 2.0], np.float32).tobytes())
    np.testing.assert_array_equal(floats.view(2, 1), [[0.5], [2.0]])
    # layouts that are not Pillow's are left to numpy (None), not refused; an offset is one (the C interface
    # does not say how long a buffer is, so an offset cannot be checked against it)
    shifted = Export(b"C", 4, bytes(range(6)))
    shifted.array.offset = 2
    assert shifted.view(2, 2) is None
    shifted_list = Export(b"+w:4", 2, bytes(16), list_child=b"C")
    shifted_list.array.offset, shifted_list.child.length = 1, 12
    assert shifted_list.view(1, 2) is None
    assert Export(b"l", 2, bytes(16)).view(1, 2) is None  # int64
    assert Export(b"+w:4", 2, bytes(16), list_child=b"s").view(1, 2) is None  # 4 x int16
    assert Export(b"+w:3", 2, bytes(6), list_child=b"C").view(1, 2) is None


def test_pyarrow_exports_are_checked() -> None:
    pa = require_module("pyarrow")
    np.testing.assert_array_equal(
        arrow_image_view(*pa.array(np.arange(6, dtype=np.uint8)).__arrow_c_array__(), 2, 3),
        np.arange(6).reshape(2, 3),
    )
    sliced = pa.array(np.arange(10, dtype=np.uint8)).slice(4)
    assert arrow_image_view(*sliced.__arrow_c_array__(), 2, 3) is None  # an offset
    with pytest.raises(ValueError, match=r"null pixels \(null count 1\)"):
        arrow_image_view(*pa.array([1, None, 3], pa.uint8()).__arrow_c_array__(), 1, 3)
    with pytest.raises(ValueError, match="has 6 pixels, the image 4"):
        arrow_image_view(*pa.array(np.arange(6, dtype=np.uint8)).__arrow_c_array__(), 2, 2)
    rgbx = pa.FixedSizeListArray.from_arrays(pa.array(np.arange(16, dtype=np.uint8)), 4)
    np.testing.assert_array_equal(
        arrow_image_view(*rgbx.__arrow_c_array__(), 2, 2), np.arange(16).reshape(2, 2, 4)
    )
    assert arrow_image_view(*rgbx.slice(1, 2).__arrow_c_array__(), 1, 2) is None
    dictionary = pa.array(["a", "b"]).dictionary_encode()
    assert arrow_image_view(*dictionary.__arrow_c_array__(), 1, 2) is None


@pytest.mark.parametrize(
    "corrupt, message",
    [
        (lambda e: setattr(e.array, "release", None), "Arrow array was already released"),
        (lambda e: setattr(e.schema, "release", None), "Arrow schema was already released"),
        (lambda e: setattr(e.schema, "format", None), "schema has no format string"),
        (lambda e: setattr(e.array, "n_buffers", 3), "has 3 buffers"),
        (lambda e: setattr(e.array, "buffers", None), "has 2 buffers"),
        (lambda e: setattr(e.array, "n_children", 2), "has 2 children"),
        (lambda e: setattr(e.array, "length", -5), "length -5"),
        (lambda e: setattr(e.array, "offset", -1), "offset -1"),
        (lambda e: setattr(e.array, "length", 5), "has 5 pixels, the image 6"),
        (lambda e: e.buffers.__setitem__(1, None), "no data buffer"),
        (
            lambda e: (
                e.buffers.__setitem__(0, ctypes.addressof(e.data)),
                setattr(e.array, "null_count", -1),
            ),
            "null pixels",
        ),
    ],
)
def test_malformed_exports_are_errors(corrupt: Any, message: str) -> None:
    export = Export(b"C", 6, bytes(6))
    corrupt(export)
    with pytest.raises(ValueError, match=message):
        export.view(2, 3)


@pytest.mark.parametrize(
    "corrupt, message",
    [
        (lambda e: setattr(e.schema, "n_children", 0), "fixed-size list with 0 children"),
        (
            lambda e: e.schema_children.__setitem__(0, ctypes.POINTER(ArrowSchema)()),
            "schema's list child is missing",
        ),
        (lambda e: setattr(e.child_schema, "format", None), "list child has no format string"),
        (
            lambda e: e.array_children.__setitem__(0, ctypes.POINTER(ArrowArray)()),
            "array's list child is missing",
        ),
        (
            lambda e: setattr(e.child, "length", 7),
            "child has 7 elements, fewer than 4 for each of the 2 pixels from offset 0",
        ),
        (lambda e: setattr(e.child, "release", None), "list child was already released"),
        (lambda e: setattr(e.array, "n_buffers", 2), "Arrow array has 2 buffers"),
    ],
)
def test_malformed_list_exports_are_errors(corrupt: Any, message: str) -> None:
    export = Export(b"+w:4", 2, bytes(8), list_child=b"C")
    corrupt(export)
    with pytest.raises(ValueError, match=message):
        export.view(1, 2)


def test_wrong_objects_are_errors() -> None:
    export = Export(b"C", 6, bytes(6))
    schema, array = export.capsules()
    with pytest.raises(ValueError, match="incorrect name"):
        arrow_image_view(array, schema, 2, 3)  # swapped
    with pytest.raises(TypeError, match="array must be a PyCapsule from __arrow_c_array__, got bytes"):
        arrow_image_view(schema, b"pixels", 2, 3)
    with pytest.raises(ValueError, match="has no pixels"):
        arrow_image_view(schema, array, 0, 3)
    # a length whose bytes do not fit in memory
    with pytest.raises(ValueError, match="too large"):
        Export(b"f", 2**62, bytes(8)).view(2**31, 2**31)
    # an unaligned float buffer is left to numpy rather than read misaligned
    floats = Export(b"f", 2, bytes(12))
    floats.buffers[1] = ctypes.addressof(floats.data) + 1
    assert floats.view(1, 2) is None
