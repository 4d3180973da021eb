"""Wav2Vec2FeatureExtractor: ferroformers vs transformers, same process, same input.

The batch: 16 clips of 5-15 s at 16 kHz (float32), cut from real espeak-ng speech when the media fixture is
built (tests/conftest.py, ../shared/data/build_media.sh), else seeded noise (the kernel's speed does not depend on
the values). Call: padding='longest', return_attention_mask=True, return_tensors='np'. Also reports the default
call (no mask: normalization over the padded rows) and the outputs' largest difference.

usage: PYTHONPATH=python python benches/bench_audio.py [--repeat N]
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

logging.disable(logging.WARNING)  # transformers logs about sampling_rate / attention masks


def speech_source() -> np.ndarray | None:
    cache = Path(
        os.environ.get("FERROFORMERS_TEST_DATA", Path(tempfile.gettempdir()) / "ferroformers-test-data")
    )
    path = cache / "media" / "audio" / "tts" / "en_long.wav"
    if not path.exists():
        return None
    with wave.open(str(path)) as w:
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
    return pcm.astype(np.float32) / 32768.0


def make_batch(seed: int = 0) -> tuple[list[np.ndarray], str]:
    rng = np.random.default_rng(seed)
    lengths = rng.integers(5 * 16000, 15 * 16000 + 1, size=16)
    source = speech_source()
    if source is not None and len(source) > lengths.max():
        starts = rng.integers(0, len(source) - lengths.max(), size=16)
        return [
            source[s : s + n].copy() for s, n in zip(starts, lengths, strict=True)
        ], "real speech (espeak-ng en_long.wav)"
    return [(rng.standard_normal(n) * 0.1).astype(np.float32) for n in lengths], "seeded noise"


def interleaved(ours, theirs, repeat: int) -> tuple[list[float], list[float]]:
    """Time both `repeat` times, alternating, so that load from other processes hits both alike."""
    ours(), theirs()  # warm up (imports, thread pool, page faults)
    a, b = [], []
    for _ in range(repeat):
        t = time.perf_counter()
        ours()
        a.append(time.perf_counter() - t)
        t = time.perf_counter()
        theirs()
        b.append(time.perf_counter() - t)
    return a, b


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()

    import transformers

    from ferroformers import Wav2Vec2FeatureExtractor

    clips, what = make_batch()
    samples = sum(len(c) for c in clips)
    print(
        f"batch: 16 clips, {samples / 16000:.1f} s of audio ({samples} samples), {what}; "
        f"{os.cpu_count()} CPUs; transformers {transformers.__version__}"
    )
    ours, theirs = Wav2Vec2FeatureExtractor(), transformers.Wav2Vec2FeatureExtractor()
    for label, kwargs in [
        ("padding=longest + attention mask", dict(padding="longest", return_attention_mask=True)),
        ("padding=longest, no mask (default)", dict(padding="longest")),
    ]:
        kw = dict(sampling_rate=16000, return_tensors="np", **kwargs)
        a, b = ours(clips, **kw), theirs(clips, **kw)
        diff = float(np.max(np.abs(a["input_values"] - b["input_values"])))
        mine, ref = interleaved(
            lambda kw=kw: ours(clips, **kw), lambda kw=kw: theirs(clips, **kw), args.repeat
        )
        m_min, m_med, r_min, r_med = min(mine), statistics.median(mine), min(ref), statistics.median(ref)
        print(
            f"{label:36s} ferroformers {m_min * 1e3:6.2f} ms (median {m_med * 1e3:6.2f})  "
            f"transformers {r_min * 1e3:6.2f} ms (median {r_med * 1e3:6.2f})  "
            f"speed-up x{r_min / m_min:4.1f} (medians x{r_med / m_med:4.1f})  max |diff| {diff:.1e}"
        )


if __name__ == "__main__":
    main()
