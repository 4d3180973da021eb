"""Wav2Vec2FeatureExtractor against transformers 5.24 on real and generated speech: bitwise-equal input_values,
identical attention masks, for every padding / truncation / normalization option; and the documented
divergences (left padding with a mask, integer PCM) checked explicitly."""

from __future__ import annotations

import itertools
import json
import wave
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from testing_utils import examples, require_module

from ferroformers import AutoFeatureExtractor, Wav2Vec2FeatureExtractor

transformers = require_module("transformers")


def read_wav(path: Path) -> np.ndarray:
    with wave.open(str(path)) as w:
        assert w.getsampwidth() == 2 and w.getnchannels() == 1
        return np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)


@pytest.fixture(scope="module")
def speech(media: Path) -> list[np.ndarray]:
    """Every 16 kHz mono clip of the media fixture (espeak-ng TTS in 9 languages, CMU ARCTIC, ALSA prompts),
    as float32 in [-1, 1) the way audio loaders return them."""
    paths = sorted((media / "audio" / "tts").glob("*.wav")) + sorted(
        (media / "audio" / "real").glob("*_16k.wav")
    )
    paths.append(media / "audio" / "real" / "arctic_a0007.wav")
    clips = [read_wav(p).astype(np.float32) / 32768.0 for p in paths]
    assert len(clips) >= 20
    return clips


def assert_same(ours, theirs, keys=("input_values", "attention_mask")) -> None:
    """Same keys, and per key the same number of rows, each bitwise equal with the same dtype."""
    assert set(ours.keys()) == set(theirs.keys())
    for key in keys:
        if key not in theirs:
            continue
        a, b = ours[key], theirs[key]
        assert len(a) == len(b), key
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            x, y = np.asarray(x), np.asarray(y)
            assert x.dtype == y.dtype, (key, i, x.dtype, y.dtype)
            assert x.shape == y.shape, (key, i, x.shape, y.shape)
            # bitwise: equal values and equal signs of zero; NaN never expected
            assert np.array_equal(x.view(np.uint8), y.view(np.uint8)), (key, i, float(np.max(np.abs(x - y))))


def both(settings_: dict | None = None) -> tuple[Wav2Vec2FeatureExtractor, object]:
    settings_ = settings_ or {}
    return Wav2Vec2FeatureExtractor(**settings_), transformers.Wav2Vec2FeatureExtractor(**settings_)


CALLS = [
    dict(),
    dict(padding=True),
    dict(padding="longest", return_attention_mask=True),
    dict(padding="longest", pad_to_multiple_of=512),
    dict(padding="longest", pad_to_multiple_of=500, return_attention_mask=True),
    dict(padding="max_length", max_length=40_000),
    dict(padding="max_length", max_length=40_000, return_attention_mask=True),
    dict(padding="max_length", max_length=30_000, truncation=True),
    dict(
        padding="max_length",
        max_length=30_001,
        truncation=True,
        pad_to_multiple_of=128,
        return_attention_mask=True,
    ),
    dict(padding="longest", max_length=20_000, truncation=True, return_attention_mask=True),
    dict(padding=False, max_length=20_000, truncation=True, pad_to_multiple_of=3),
    dict(padding="do_not_pad", return_attention_mask=True),
]
SETTINGS = [
    dict(),
    dict(return_attention_mask=True),
    dict(do_normalize=False),
    dict(padding_value=-0.25),
    dict(padding_side="left"),  # without a mask transformers is right for left padding too
]


def _left_with_mask(fe_settings: dict, call: dict) -> bool:
    """Left padding + normalization + a mask on a padded batch: a documented divergence, tested below."""
    return (
        fe_settings.get("padding_side") == "left"
        and fe_settings.get("do_normalize", True)
        and call.get("return_attention_mask", fe_settings.get("return_attention_mask", False))
        and call.get("padding", False) not in (False, "do_not_pad")
    )


@pytest.mark.parametrize(
    ("fe_settings", "call"),
    [(f, c) for f, c in itertools.product(SETTINGS, CALLS) if not _left_with_mask(f, c)],
)
def test_parity_on_real_speech(speech: list[np.ndarray], fe_settings: dict, call: dict) -> None:
    ours, theirs = both(fe_settings)
    batch = [c[:n] for c, n in zip(speech, (12_000, 35_000, 20_000, 31_000, 8_000, 16_000), strict=False)]
    assert_same(ours(batch, sampling_rate=16000, **call), theirs(batch, sampling_rate=16000, **call))


def test_clips_longer_than_max_length_are_not_cut_without_truncation(speech: list[np.ndarray]) -> None:
    batch = [speech[0][:5000], speech[1][:9000]]
    ours, theirs = both()
    call = dict(sampling_rate=16000, padding="max_length", max_length=7000)
    a = ours(batch, **call)
    assert_same(a, theirs(batch, **call))
    assert [len(x) for x in a["input_values"]] == [7000, 9000]
    # with a mask transformers 5.24 crashes on this ragged batch (np.array of ragged masks); here it works
    with pytest.raises(ValueError):
        theirs(batch, return_attention_mask=True, **call)
    masked = ours(batch, return_attention_mask=True, **call)
    assert [m.sum() for m in masked["attention_mask"]] == [5000, 9000]
    assert np.array_equal(masked["input_values"][1], ours(batch[1], sampling_rate=16000)["input_values"][0])


@pytest.mark.parametrize("return_tensors", ["np", "pt"])
def test_parity_tensors_and_dtypes(speech: list[np.ndarray], return_tensors: str) -> None:
    torch = require_module("torch")
    ours, theirs = both()
    call = dict(sampling_rate=16000, padding=True, return_attention_mask=True, return_tensors=return_tensors)
    a, b = ours(speech[:4], **call), theirs(speech[:4], **call)
    for key in ("input_values", "attention_mask"):
        assert type(a[key]) is type(b[key])
        assert a[key].dtype == b[key].dtype and tuple(a[key].shape) == tuple(b[key].shape)
        if return_tensors == "pt":
            assert torch.equal(a[key], b[key])
        else:
            assert np.array_equal(a[key], b[key])


def test_input_kinds(speech: list[np.ndarray]) -> None:
    """A 1-D array, a list of floats, float64 arrays, a 2-D array, a torch tensor: all as transformers."""
    torch = require_module("torch")
    ours, theirs = both()
    clip = speech[0][:20_000]
    f64 = [
        c[:15_000].astype(np.float64) * 1.0000001 for c in speech[:3]
    ]  # float64 values not exact in float32
    for raw in (
        clip,
        clip.tolist(),
        f64,
        np.stack([c[:9_000] for c in speech[:3]]),
        [c.tolist() for c in f64],
    ):
        assert_same(
            ours(raw, sampling_rate=16000, padding=True), theirs(raw, sampling_rate=16000, padding=True)
        )
    # a 1-D torch tensor is one clip for both; a list of tensors is a batch here
    assert_same(
        ours(torch.from_numpy(clip), sampling_rate=16000), theirs(torch.from_numpy(clip), sampling_rate=16000)
    )
    batch = [torch.from_numpy(c[:8000]) for c in speech[:3]]
    assert_same(ours(batch, sampling_rate=16000), theirs([c.numpy() for c in batch], sampling_rate=16000))


def test_default_padding_normalizes_the_padding_too(speech: list[np.ndarray]) -> None:
    """Documented transformers behaviour kept: without an attention mask the padded row, zeros included, is
    normalized (so the padding is no longer 0 and the clip's statistics shift)."""
    out = Wav2Vec2FeatureExtractor()([speech[0][:1000], speech[1][:3000]], sampling_rate=16000, padding=True)
    row = out["input_values"][0]
    assert np.all(row[1000:] == row[1000]) and row[1000] != 0.0
    assert abs(float(row.mean())) < 1e-5
    masked = Wav2Vec2FeatureExtractor()(
        [speech[0][:1000], speech[1][:3000]], sampling_rate=16000, padding=True, return_attention_mask=True
    )
    assert np.all(masked["input_values"][0][1000:] == 0.0)
    assert abs(float(masked["input_values"][0][:1000].mean())) < 1e-5


@settings(max_examples=examples(60), deadline=None)
@given(
    lengths=st.lists(st.integers(1, 3000), min_size=1, max_size=5),
    scale=st.sampled_from([1e-4, 0.1, 1.0, 3000.0]),
    seed=st.integers(0, 2**32 - 1),
    call=st.sampled_from(
        [
            *CALLS[:5],
            dict(
                padding="max_length",
                max_length=1500,
                truncation=True,
                pad_to_multiple_of=64,
                return_attention_mask=True,
            ),
        ]
    ),
    constant=st.booleans(),
)
def test_parity_hypothesis(lengths: list[int], scale: float, seed: int, call: dict, constant: bool) -> None:
    rng = np.random.default_rng(seed)
    clips = [
        (rng.standard_normal(n) * scale + rng.uniform(-1, 1) * scale).astype(np.float32) for n in lengths
    ]
    if constant:  # zero variance: the 1e-7 epsilon decides
        clips[0] = np.full(lengths[0], np.float32(scale), dtype=np.float32)
    ours, theirs = both()
    assert_same(ours(clips, sampling_rate=16000, **call), theirs(clips, sampling_rate=16000, **call))


@settings(max_examples=examples(25), deadline=None)
@given(values=st.lists(st.floats(-1e4, 1e4, width=32), min_size=1, max_size=400))
def test_parity_hypothesis_values(values: list[float]) -> None:
    ours, theirs = both()
    raw = np.asarray(values, dtype=np.float32)
    assert_same(ours(raw, sampling_rate=16000), theirs(raw, sampling_rate=16000))


def test_long_clip_parallel_path(speech: list[np.ndarray]) -> None:
    """The longest real clip (~2 min) goes through the threaded pairwise sum: still bitwise."""
    longest = max(speech, key=len)
    assert len(longest) > 1_000_000
    ours, theirs = both()
    assert_same(
        ours([longest, longest[:70_001]], sampling_rate=16000, padding=True),
        theirs([longest, longest[:70_001]], sampling_rate=16000, padding=True),
    )


# --- where transformers 5.24 is wrong, on purpose -------------------------------------------------------------


def test_left_padding_with_mask_keeps_the_audio(speech: list[np.ndarray]) -> None:
    short, long_ = speech[0][:4000], speech[1][:10_000]
    call = dict(sampling_rate=16000, padding=True, return_attention_mask=True)
    ours, theirs = both(dict(padding_side="left"))
    a, b = ours([long_, short], **call), theirs([long_, short], **call)
    assert np.array_equal(a["attention_mask"][1], b["attention_mask"][1])
    assert np.array_equal(a["attention_mask"][1], np.r_[np.zeros(6000), np.ones(4000)].astype(np.int32))
    # transformers: the real audio of the shorter clip (the last 4000 samples) is overwritten with zeros
    assert np.all(b["input_values"][1][6000:] == 0.0)
    # here: the clip is normalized over its own samples, exactly as right padding (or no padding) gives it
    alone = Wav2Vec2FeatureExtractor()(short, sampling_rate=16000)["input_values"][0]
    assert np.array_equal(a["input_values"][1][6000:], alone)
    assert np.all(a["input_values"][1][:6000] == 0.0)
    # the longer clip is unpadded: identical for both
    assert np.array_equal(a["input_values"][0], b["input_values"][0])
    # and the numpy twin agrees with the kernel
    padded = [np.pad(long_, (0, 0)), np.pad(short, (6000, 0))]
    twin = Wav2Vec2FeatureExtractor.zero_mean_unit_var_norm(padded, a["attention_mask"])
    assert np.array_equal(twin[1], a["input_values"][1])


@pytest.mark.parametrize("do_normalize", [True, False])
def test_int16_input_comes_out_float32(speech: list[np.ndarray], do_normalize: bool) -> None:
    pcm = [np.round(c[:12_000] * 32767).astype(np.int16) for c in speech[:3]]
    ours, theirs = both(dict(do_normalize=do_normalize))
    a = ours(pcm, sampling_rate=16000, padding=True, return_attention_mask=True)
    b = theirs(pcm, sampling_rate=16000, padding=True, return_attention_mask=True)
    expected_theirs = np.float64 if do_normalize else np.int16
    assert all(x.dtype == expected_theirs for x in b["input_values"])  # the transformers accident
    assert all(x.dtype == np.float32 for x in a["input_values"])
    for x, y in zip(a["input_values"], b["input_values"], strict=True):
        np.testing.assert_allclose(x, y, rtol=1e-6, atol=1e-6)
    # the same result as the float32 samples
    same = ours(
        [p.astype(np.float32) for p in pcm], sampling_rate=16000, padding=True, return_attention_mask=True
    )
    assert_same(a, same)


# --- bad input ---------------------------------------------------------------------------------------------------


def test_errors_name_the_problem() -> None:
    fe = Wav2Vec2FeatureExtractor()
    ok = np.zeros(100, dtype=np.float32) + 0.5
    with pytest.raises(ValueError, match=r"8000 Hz.*16000 Hz"):
        fe(ok, sampling_rate=8000)
    bad = ok.copy()
    bad[42] = np.nan
    with pytest.raises(ValueError, match=r"clip 1 .*non-finite.*position 42"):
        fe([ok, bad], sampling_rate=16000, padding=True)
    bad[42] = np.inf
    with pytest.raises(ValueError, match=r"clip 0 has a non-finite sample \(inf\) at position 42"):
        fe(bad, sampling_rate=16000)
    with pytest.raises(ValueError, match="clip 1 is empty"):
        fe([ok, np.zeros(0, np.float32)], sampling_rate=16000)
    with pytest.raises(ValueError, match="raw_speech is empty"):
        fe([], sampling_rate=16000)
    with pytest.raises(ValueError, match=r"clip 1 has shape \(100, 2\).*mono"):
        fe([ok, np.zeros((100, 2), np.float32)], sampling_rate=16000)
    with pytest.raises(ValueError, match=r"shape \(2, 100, 2\).*mono"):
        fe(np.zeros((2, 100, 2), np.float32), sampling_rate=16000)
    with pytest.raises(TypeError, match="not a string"):
        fe("speech.wav", sampling_rate=16000)
    with pytest.raises(TypeError, match="clip 0 has dtype complex"):
        fe(np.zeros(10, np.complex64), sampling_rate=16000)
    with pytest.raises(ValueError, match="needs max_length"):
        fe(ok, sampling_rate=16000, padding="max_length")
    with pytest.raises(ValueError, match="needs max_length"):
        fe(ok, sampling_rate=16000, truncation=True)
    with pytest.raises(ValueError, match="pad_to_multiple_of must be a positive integer"):
        fe(ok, sampling_rate=16000, padding=True, pad_to_multiple_of=0)
    with pytest.raises(ValueError, match="padding must be"):
        fe(ok, sampling_rate=16000, padding="shortest")
    with pytest.raises(ValueError, match="padding_side must be"):
        fe(ok, sampling_rate=16000, padding=True, padding_side="middle")
    with pytest.raises(ValueError, match="feature_size must be 1"):
        Wav2Vec2FeatureExtractor(feature_size=2)
    with pytest.raises(ValueError, match="padding_value must be a finite number"):
        Wav2Vec2FeatureExtractor(padding_value=float("nan"))
    with pytest.raises(TypeError, match="unexpected settings"):
        Wav2Vec2FeatureExtractor(do_normalise=True)


def test_padding_side_override_per_call(speech: list[np.ndarray]) -> None:
    fe = Wav2Vec2FeatureExtractor(do_normalize=False)
    out = fe([speech[0][:10], speech[0][:4]], sampling_rate=16000, padding=True, padding_side="left")
    assert np.array_equal(out["input_values"][1], np.r_[np.zeros(6, np.float32), speech[0][:4]])


# --- settings, repr, save / load ---------------------------------------------------------------------------------


def test_repr_and_dict_match_transformers() -> None:
    ours, theirs = both(dict(return_attention_mask=True, padding_value=1.0))
    assert ours.to_dict() == theirs.to_dict()
    assert repr(ours) == repr(theirs)
    assert '"feature_extractor_type": "Wav2Vec2FeatureExtractor"' in repr(ours)


def test_save_load_both_ways(tmp_path: Path, assets: Path) -> None:
    ours = Wav2Vec2FeatureExtractor(return_attention_mask=True, do_normalize=False, padding_side="left")
    ours.save_pretrained(tmp_path / "ours")
    theirs = transformers.Wav2Vec2FeatureExtractor.from_pretrained(tmp_path / "ours")
    assert theirs.to_dict() == ours.to_dict()
    theirs.save_pretrained(tmp_path / "theirs")
    assert Wav2Vec2FeatureExtractor.from_pretrained(tmp_path / "theirs") == ours
    published = Wav2Vec2FeatureExtractor.from_pretrained(assets / "wav2vec2-base-960h")
    assert published == Wav2Vec2FeatureExtractor()
    auto = AutoFeatureExtractor.from_pretrained(assets / "wav2vec2-base-960h")
    assert type(auto) is Wav2Vec2FeatureExtractor
    assert AutoFeatureExtractor.from_pretrained(tmp_path / "theirs") == ours


def test_load_from_nested_processor_config(tmp_path: Path) -> None:
    """transformers 5 processors save the feature extractor inside processor_config.json only."""
    settings_ = {
        "do_normalize": False,
        "feature_extractor_type": "Wav2Vec2FeatureExtractor",
        "feature_size": 1,
        "padding_side": "right",
        "padding_value": 0.5,
        "return_attention_mask": True,
        "sampling_rate": 16000,
    }
    (tmp_path / "processor_config.json").write_text(
        json.dumps({"feature_extractor": settings_, "processor_class": "Wav2Vec2Processor"})
    )
    fe = Wav2Vec2FeatureExtractor.from_pretrained(tmp_path)
    assert fe.padding_value == 0.5 and fe.return_attention_mask is True
    assert AutoFeatureExtractor.from_pretrained(tmp_path) == fe
    assert transformers.Wav2Vec2FeatureExtractor.from_pretrained(tmp_path).to_dict() == fe.to_dict()


def test_load_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"preprocessor_config\.json"):
        Wav2Vec2FeatureExtractor.from_pretrained(tmp_path)
    (tmp_path / "preprocessor_config.json").write_text('{"sampling_rate": "fast"}')
    with pytest.raises(ValueError, match=r"preprocessor_config.json.*sampling_rate"):
        Wav2Vec2FeatureExtractor.from_pretrained(tmp_path)


# --- pad() on its own (collate functions, processor.pad) --------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        dict(),
        dict(padding="max_length", max_length=700, pad_to_multiple_of=64),
        dict(padding="max_length", max_length=300, truncation=True),
        dict(return_attention_mask=False),
        dict(padding=False),
    ],
)
def test_pad_matches_transformers(speech: list[np.ndarray], call: dict) -> None:
    examples = [{"input_values": c[:n]} for c, n in zip(speech, (500, 320, 640), strict=False)]
    ours, theirs = both(dict(return_attention_mask=True))
    a, b = ours.pad(examples, **call), theirs.pad(examples, **call)
    assert set(a.keys()) == set(b.keys())
    for key in b:
        assert len(a[key]) == len(b[key])
        for x, y in zip(a[key], b[key], strict=True):
            assert np.array_equal(np.asarray(x), np.asarray(y)) and np.asarray(x).dtype == np.asarray(y).dtype


def test_pad_left_and_torch(speech: list[np.ndarray]) -> None:
    torch = require_module("torch")
    ours, theirs = both(dict(return_attention_mask=True, padding_side="left"))
    batch = {"input_values": [torch.from_numpy(speech[0][:30]), torch.from_numpy(speech[1][:20])]}
    a, b = ours.pad(batch), theirs.pad(batch)
    assert isinstance(a["input_values"], torch.Tensor)
    assert torch.equal(a["input_values"], b["input_values"])
    assert torch.equal(a["attention_mask"], b["attention_mask"].to(a["attention_mask"].dtype))


@pytest.mark.parametrize(
    "call",
    [
        dict(),
        dict(padding="max_length", max_length=9, pad_to_multiple_of=4),
        dict(padding="max_length", max_length=5, truncation=True),
    ],
)
@pytest.mark.parametrize("side", ["right", "left"])
def test_sequence_pad_of_feature_vectors(call: dict, side: str) -> None:
    """feature_size > 1 (frames of feature vectors) takes the numpy path of SequenceFeatureExtractor.pad."""
    from ferroformers import SequenceFeatureExtractor

    rng = np.random.default_rng(1)
    examples = [{"input_values": rng.standard_normal((n, 3))} for n in (4, 7, 2)]
    settings_ = dict(feature_size=3, sampling_rate=100, padding_value=-1.0, padding_side=side)
    ours = SequenceFeatureExtractor(**settings_)

    class Theirs(transformers.SequenceFeatureExtractor):  # the base names no inputs in transformers
        model_input_names = ["input_values", "attention_mask"]  # noqa: RUF012

    theirs = Theirs(**settings_)
    a, b = ours.pad(examples, **call), theirs.pad(examples, **call)
    for key in ("input_values", "attention_mask"):
        assert np.array_equal(np.asarray(a[key]), np.asarray(b[key]))
        assert np.asarray(a[key]).dtype == np.asarray(b[key]).dtype
    with pytest.raises(ValueError, match=r"input_values\[0\] has shape \(4,\)"):
        ours.pad([{"input_values": np.zeros(4)}])


def test_auto_feature_extractor_overrides(assets: Path) -> None:
    fe = AutoFeatureExtractor.from_pretrained(assets / "wav2vec2-base-960h", return_attention_mask=True)
    assert fe.return_attention_mask is True and fe.sampling_rate == 16000


def _featurize_in_child(clips: list[np.ndarray], expected: np.ndarray, queue) -> None:  # type: ignore[no-untyped-def]
    out = Wav2Vec2FeatureExtractor()(clips, sampling_rate=16000, padding=True, return_tensors="np")
    queue.put(bool(np.array_equal(out["input_values"], expected)))


def test_forked_worker_does_not_hang(speech: list[np.ndarray]) -> None:
    """A DataLoader worker is a fork of a parent that already ran the threaded kernel: the pool's threads are
    gone in the child, which must build its own instead of waiting for them forever."""
    import multiprocessing

    clips = [c[:100_000] for c in speech[:6]]  # long enough for the threaded paths inside a clip too
    expected = Wav2Vec2FeatureExtractor()(clips, sampling_rate=16000, padding=True, return_tensors="np")
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_featurize_in_child, args=(clips, expected["input_values"], queue))
    child.start()
    child.join(timeout=60)
    if child.is_alive():
        child.kill()
        pytest.fail("the forked child hung in the kernel")
    assert child.exitcode == 0 and queue.get(timeout=5) is True
