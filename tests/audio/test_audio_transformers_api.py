"""What code written for transformers does with the audio classes, against transformers on the same input:
re-exports from `models.wav2vec2`, `ferroformers.BatchFeature`, ragged batches as object arrays, extra
tokenizer keywords kept in `init_kwargs`, `Wav2Vec2Processor.from_pretrained` routing each keyword to the part
that takes it, and output classes built from a dict."""

from __future__ import annotations

import importlib
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from testing_utils import require_module

import ferroformers
from ferroformers.models.wav2vec2.tokenization_wav2vec2 import Wav2Vec2CTCTokenizerOutput

transformers = require_module("transformers")


@pytest.fixture(scope="module")
def folder(assets: Path) -> Path:
    return assets / "wav2vec2-base-960h"


@pytest.mark.parametrize("module", ["bert", "wav2vec2", "vit"])
def test_models_subpackages_export_their_preprocessors(module: str) -> None:
    ours = importlib.import_module(f"ferroformers.models.{module}")
    theirs = importlib.import_module(f"transformers.models.{module}")
    names = {
        n
        for n in dir(theirs)
        if n.endswith(("Tokenizer", "TokenizerFast", "Processor", "FeatureExtractor"))
        and hasattr(ferroformers, n)
    }
    assert names, module
    for name in names:
        assert getattr(ours, name) is getattr(ferroformers, name), name
    from ferroformers.models.wav2vec2 import Wav2Vec2Processor

    assert Wav2Vec2Processor is ferroformers.Wav2Vec2Processor


def test_batch_feature_at_top_level(folder: Path) -> None:
    fe = ferroformers.Wav2Vec2FeatureExtractor.from_pretrained(folder)
    out = fe(np.zeros(10, np.float32), sampling_rate=16000)
    assert isinstance(out, ferroformers.BatchFeature)
    assert (
        ferroformers.BatchFeature({"a": [1, 2]}, tensor_type="np")["a"].tolist()
        == transformers.BatchFeature({"a": [1, 2]}, tensor_type="np")["a"].tolist()
    )


def test_ragged_batch_without_padding_is_an_object_array(folder: Path) -> None:
    clips = [np.linspace(-1, 1, 160, dtype=np.float32), np.linspace(0, 1, 50, dtype=np.float32)]
    ours = ferroformers.Wav2Vec2FeatureExtractor.from_pretrained(folder)(
        clips, sampling_rate=16000, return_tensors="np"
    )["input_values"]
    theirs = transformers.Wav2Vec2FeatureExtractor.from_pretrained(folder)(
        clips, sampling_rate=16000, return_tensors="np"
    )["input_values"]
    assert ours.dtype == theirs.dtype == object and ours.shape == theirs.shape == (2,)
    for a, b in zip(ours, theirs, strict=True):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_allclose(a, b, atol=1e-6)


def test_extra_tokenizer_keywords_are_kept_in_init_kwargs(folder: Path) -> None:
    ours = ferroformers.Wav2Vec2CTCTokenizer.from_pretrained(folder, max_length=117)
    theirs = transformers.Wav2Vec2CTCTokenizer.from_pretrained(folder, max_length=117)
    assert ours.init_kwargs["max_length"] == theirs.init_kwargs["max_length"] == 117
    assert ours("HELLO WORLD")["input_ids"] == theirs("HELLO WORLD")["input_ids"]


def test_processor_routes_each_keyword(folder: Path) -> None:
    kwargs = {"bos_token": "<x>", "do_normalize": False, "padding_value": 1.0}
    ours = ferroformers.Wav2Vec2Processor.from_pretrained(folder, **kwargs)
    theirs = transformers.Wav2Vec2Processor.from_pretrained(folder, **kwargs)
    assert ours.tokenizer.bos_token == theirs.tokenizer.bos_token == "<x>"
    for name in ("do_normalize", "padding_value"):
        assert (
            getattr(ours.feature_extractor, name) == getattr(theirs.feature_extractor, name) == kwargs[name]
        )
        assert ours.tokenizer.init_kwargs[name] == theirs.tokenizer.init_kwargs[name] == kwargs[name]
    clips = [np.linspace(-1, 1, 160, dtype=np.float32), np.linspace(0, 1, 50, dtype=np.float32)]
    a = ours(audio=clips, sampling_rate=16000, padding=True, return_tensors="np")["input_values"]
    b = theirs(audio=clips, sampling_rate=16000, padding=True, return_tensors="np")["input_values"]
    np.testing.assert_allclose(a, b, atol=1e-6)
    assert a[1, -1] == 1.0  # padded with padding_value, not normalized


def test_ctc_output_from_a_dict() -> None:
    theirs_module = importlib.import_module("transformers.models.wav2vec2.tokenization_wav2vec2")
    for args, kwargs in [
        ((), {"text": "a"}),
        (({"text": "hi", "char_offsets": [{"char": "h"}]},), {}),
        (([("text", "hi"), ("word_offsets", [1])],), {}),
    ]:
        ours = Wav2Vec2CTCTokenizerOutput(*args, **kwargs)
        theirs = theirs_module.Wav2Vec2CTCTokenizerOutput(*args, **kwargs)
        assert list(ours.keys()) == list(theirs.keys())
        assert ours.to_tuple() == theirs.to_tuple() and ours[0] == theirs[0]
        assert (ours.text, ours.char_offsets, ours.word_offsets) == (
            theirs.text,
            theirs.char_offsets,
            theirs.word_offsets,
        )
    with pytest.raises(TypeError, match="has no fields"):
        Wav2Vec2CTCTokenizerOutput({"txt": "a"})


@pytest.mark.parametrize(
    "kwargs", [{"trust_remote_code": True}, {"use_auth_token": "hf_unused"}, {"token": None}]
)
@pytest.mark.parametrize(
    "loader",
    [
        "AutoProcessor",
        "AutoFeatureExtractor",
        "AutoTokenizer",
        "Wav2Vec2FeatureExtractor",
        "Wav2Vec2Processor",
        "Wav2Vec2CTCTokenizer",
    ],
)
def test_loaders_accept_transformers_hub_keywords(folder: Path, loader: str, kwargs: dict[str, Any]) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ours = getattr(ferroformers, loader).from_pretrained(folder, **kwargs)
        theirs = getattr(transformers, loader).from_pretrained(folder, **kwargs)
    assert type(ours).__name__ == type(theirs).__name__
    if "use_auth_token" in kwargs:  # the deprecated name of token
        assert any("use_auth_token is deprecated" in str(w.message) for w in caught)
    if hasattr(ours, "to_dict"):
        assert ours.to_dict() == {k: v for k, v in theirs.to_dict().items() if k in ours.to_dict()}
    else:
        assert ours("HI YOU")["input_ids"] == theirs("HI YOU")["input_ids"]


def test_use_auth_token_and_token_together_is_an_error(folder: Path) -> None:
    with pytest.raises(ValueError, match="token and use_auth_token"), pytest.warns(FutureWarning):
        ferroformers.Wav2Vec2FeatureExtractor.from_pretrained(folder, token="a", use_auth_token="b")
