"""Type stubs for the Rust extension `ferroformers._native` (rust/py/)."""

import numpy as np
import numpy.typing as npt

__version__: str

# ---- image (rust/py/image.rs) ------------------------------------------------------------------------------
def resize_image(
    image: npt.NDArray[np.uint8] | npt.NDArray[np.float32], height: int, width: int, resample: int
) -> npt.NDArray[np.uint8] | npt.NDArray[np.float32]: ...
def preprocess_images(
    images: list[npt.NDArray[np.uint8] | npt.NDArray[np.float32]],
    size: tuple[int, int] | None,
    resample: int,
    rescale: list[float | None],
    mean: list[float] | None,
    std: list[float] | None,
    channels_first: bool,
) -> npt.NDArray[np.float32]: ...
