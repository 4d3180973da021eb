"""ViTImageProcessor: ferroformers vs transformers' PIL backend (and its torchvision backend when a torchvision
built for the installed torch is present), same process, same input.

The batch: 32 RGB 640x480 uint8 images, cut from the real photos of the media fixture when it is built
(tests/conftest.py, ../shared/data/build_media.sh), else seeded noise (the kernels' speed does not depend on the
values), passed as numpy arrays and as PIL images (what `datasets` and most user code pass). Call: default ViT
settings (resize to 224x224 bilinear, rescale, normalize), return_tensors='np'. Also reports each filter, a
1920x1080 batch, and the outputs' largest difference. Ours and the reference run in alternate rounds (the machine
may be shared: a round of each, then the next), and the best round of each is compared.

usage: PYTHONPATH=python python benches/bench_image.py [--repeat N]
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

logging.disable(logging.WARNING)


def photos(height: int, width: int, n: int, seed: int = 0) -> tuple[list[np.ndarray], str]:
    rng = np.random.default_rng(seed)
    cache = Path(
        os.environ.get("FERROFORMERS_TEST_DATA", Path(tempfile.gettempdir()) / "ferroformers-test-data")
    )
    folder = cache / "media" / "images" / "mate"
    files = sorted(folder.glob("*.jpg")) if (cache / "media" / ".complete").exists() else []
    out: list[np.ndarray] = []
    if files:
        import PIL.Image

        sources = []
        for path in files:
            with PIL.Image.open(path) as im:
                if im.width >= width and im.height >= height and im.width * im.height <= 2560 * 1920:
                    sources.append(np.asarray(im.convert("RGB")))
        for i in range(n):
            src = sources[i % len(sources)]
            y = int(rng.integers(0, src.shape[0] - height + 1))
            x = int(rng.integers(0, src.shape[1] - width + 1))
            out.append(np.ascontiguousarray(src[y : y + height, x : x + width]))
        return out, f"crops of {len(sources)} real photos (mate-backgrounds)"
    return [rng.integers(0, 256, (height, width, 3), dtype=np.uint8) for _ in range(n)], "seeded noise"


Timing = tuple[float, float, float]


def interleaved(fns: list[Callable[[], Any]], repeat: int) -> list[Timing]:
    """For each function: best and median wall time, and the CPU time (all threads) of the best run, measured in
    alternate rounds (one call of each per round) so that a burst of load from other processes hits all of them.
    On a shared machine the CPU time shows the work done even when other processes take the cores."""
    for fn in fns:
        fn()  # warm up (imports, thread pool, page faults)
    times: list[list[tuple[float, float]]] = [[] for _ in fns]
    for _ in range(repeat):
        for fn, out in zip(fns, times, strict=True):
            t, c = time.perf_counter(), time.process_time()
            fn()
            out.append((time.perf_counter() - t, time.process_time() - c))
    result = []
    for runs in times:
        best = min(runs)
        result.append((best[0], statistics.median(t for t, _ in runs), best[1]))
    return result


def torchvision_backend() -> tuple[Any, str]:
    """transformers' default (torchvision) ViT backend, or None and why it is left out."""
    try:
        import torch
        import torchvision
    except ImportError:
        return None, "torchvision is not installed (PyPI has no build for this torch)"
    # torchvision 0.N pairs with torch 2.(N-15): a mismatched pair loads but its C++ ops may not
    tv_minor = int(torchvision.__version__.split(".")[1])
    torch_minor = int(torch.__version__.split(".")[1])
    if tv_minor != torch_minor + 15:
        return None, f"torchvision {torchvision.__version__} is not built for torch {torch.__version__}"
    from transformers import ViTImageProcessor

    return ViTImageProcessor(), f"torchvision {torchvision.__version__}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    import PIL.Image
    import transformers
    from transformers import ViTImageProcessorPil

    from ferroformers import ViTImageProcessor

    images, what = photos(480, 640, 32)
    print(
        f"batch: 32 RGB 640x480 images -> 224x224, {what}; {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.1f}; transformers {transformers.__version__}, Pillow {PIL.__version__}"
    )
    tv, tv_note = torchvision_backend()
    pil_images = [PIL.Image.fromarray(a) for a in images]
    rows = [("bilinear, numpy input", 2, images), ("bilinear, PIL input", 2, pil_images)]
    rows += [
        (f"{name}", code, images)
        for name, code in [("nearest", 0), ("box", 4), ("hamming", 5), ("bicubic", 3), ("lanczos", 1)]
    ]
    big, _ = photos(1080, 1920, 8, seed=1)
    rows.append(("bilinear, 8 x 1920x1080", 2, big))
    rows.append(("same, PIL input", 2, [PIL.Image.fromarray(a) for a in big]))
    for label, code, batch in rows:
        ours, theirs = ViTImageProcessor(resample=code), ViTImageProcessorPil(resample=code)
        a = ours(batch, return_tensors="np")["pixel_values"]
        b = theirs(batch, return_tensors="np")["pixel_values"]
        diff = float(np.max(np.abs(a - b)))
        (mine, mine_med, mine_cpu), (ref, ref_med, ref_cpu) = interleaved(
            [
                lambda ours=ours, batch=batch: ours(batch, return_tensors="np"),
                lambda theirs=theirs, batch=batch: theirs(batch, return_tensors="np"),
            ],
            args.repeat,
        )
        line = (
            f"{label:24s} ferroformers {mine * 1e3:6.2f} ms ({len(batch) / mine:5.0f} img/s, median "
            f"{mine_med * 1e3:6.2f}, cpu {mine_cpu * 1e3:6.2f})  PIL backend {ref * 1e3:6.2f} ms "
            f"({len(batch) / ref:4.0f} img/s, median {ref_med * 1e3:6.2f}, cpu {ref_cpu * 1e3:6.2f})  "
            f"{ref / mine:4.1f}x wall {ref_cpu / mine_cpu:4.1f}x cpu  max|diff| {diff:.1e}"
        )
        if tv is not None and code == 2 and batch is images:
            ((tv_time, _, _),) = interleaved(
                [lambda batch=batch: tv(batch, return_tensors="pt")], args.repeat
            )
            line += f"  torchvision {tv_time * 1e3:.2f} ms ({tv_time / mine:.1f}x)"
        print(line)
    if tv is None:
        print(f"torchvision backend skipped: {tv_note}")
    breakdown(images, pil_images, args.repeat)


def breakdown(images: list[np.ndarray], pil_images: list[Any], repeat: int) -> None:
    """Where our time goes on the main batch: the copy PIL input no longer makes, preparing the inputs in
    Python, the Rust call alone, and the Rust call on one thread."""
    from ferroformers import ViTImageProcessor
    from ferroformers._native import preprocess_images
    from ferroformers.image_utils import to_hwc_array

    ours = ViTImageProcessor()
    n = len(images)
    timings = {}
    for kind, batch in (("numpy", images), ("PIL", pil_images)):
        prepared = [to_hwc_array(image) for image in batch]
        arrays, channels = [p.array for p in prepared], [p.channels for p in prepared]

        def native(arrays: list[np.ndarray] = arrays, channels: list[int] = channels) -> Any:
            return preprocess_images(
                arrays, (224, 224), 2, [1 / 255] * n, [0.5] * 3, [0.5] * 3, True, channels
            )

        def one_thread(native: Callable[[], Any] = native) -> Any:
            os.environ["FERROFORMERS_NUM_THREADS"] = "1"
            try:
                return native()
            finally:
                os.environ.pop("FERROFORMERS_NUM_THREADS")

        fns = [
            lambda batch=batch: ours(batch, return_tensors="np"),
            lambda batch=batch: [to_hwc_array(image) for image in batch],
            native,
            one_thread,
        ]
        if kind == "PIL":
            fns.append(lambda: [np.asarray(image) for image in pil_images])
        timings[kind] = [t for t, _, _ in interleaved(fns, repeat)]
    for kind, t in timings.items():
        line = (
            f"{kind:5s} input breakdown: whole call {t[0] * 1e3:.2f} ms = preparing in Python {t[1] * 1e3:.2f} + "
            f"Rust {t[2] * 1e3:.2f} (on 1 thread {t[3] * 1e3:.2f}, {t[3] / t[2]:.1f}x)"
        )
        if kind == "PIL":
            line += f"; np.asarray of the {n} images, the copy no longer made: {t[4] * 1e3:.2f} ms"
        print(line)


if __name__ == "__main__":
    main()
