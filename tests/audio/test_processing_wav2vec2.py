"""Wav2Vec2Processor and AutoProcessor against transformers 5.24: same outputs for audio + text on real speech
and transcripts, and folders that load both ways (transformers 5 layout, transformers 4 layout, and ours, which
holds both)."""

from __future__ import annotations

import json
import shutil
import wave
from pathlib import Path

import numpy as np
import pytest
from testing_utils import require_module

from ferroformers import (
    AutoFeatureExtractor,
    AutoProcessor,
    Wav2Vec2CTCTokenizer,
    Wav2Vec2FeatureExtractor,
    Wav2Vec2Processor,
)

transformers = require_module("transformers")


@pytest.fixture(scope="module")
def folder(assets: Path) -> Path:
    """wav2vec2-base-960h as published: the transformers 4 layout (preprocessor_config.json,
    special_tokens_map.json, tokenizer_config.json, vocab.json; no processor_config.json)."""
    return assets / "wav2vec2-base-960h"


@pytest.fixture(scope="module")
def english(media: Path) -> list[tuple[np.ndarray, str]]:
    """(float32 speech, upper-case transcript) for the English espeak-ng clips."""
    out = []
    for txt in sorted((media / "audio" / "tts").glob("en_*.upper.txt")):
        with wave.open(str(txt.with_name(txt.name.replace(".upper.txt", ".wav")))) as w:
            pcm = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
        out.append((pcm.astype(np.float32) / 32768.0, txt.read_text().strip()))
    assert len(out) >= 3
    return out


def assert_outputs_equal(a, b) -> None:
    assert set(a.keys()) == set(b.keys())
    for key in b:
        x, y = a[key], b[key]
        if isinstance(y, list):
            assert len(x) == len(y), key
            for u, v in zip(x, y, strict=True):
                assert np.array_equal(np.asarray(u), np.asarray(v)), key
        else:
            assert (
                np.array_equal(np.asarray(x), np.asarray(y)) and np.asarray(x).dtype == np.asarray(y).dtype
            ), key


@pytest.mark.parametrize(
    "call",
    [
        dict(),
        dict(padding=True, return_tensors="np"),
        dict(padding=True, return_tensors="pt"),
        dict(padding="longest", return_attention_mask=True),
        dict(padding="max_length", max_length=60_000, truncation=True, return_tensors="np"),
    ],
)
def test_call_matches_transformers(folder: Path, english, call: dict) -> None:
    ours, theirs = (
        Wav2Vec2Processor.from_pretrained(folder),
        transformers.Wav2Vec2Processor.from_pretrained(folder),
    )
    audio = [a[:80_000] for a, _ in english]
    text = [t for _, t in english]
    assert_outputs_equal(
        ours(audio=audio, text=text, sampling_rate=16000, **call),
        theirs(audio=audio, text=text, sampling_rate=16000, **call),
    )
    assert_outputs_equal(
        ours(audio=audio, sampling_rate=16000, **call), theirs(audio=audio, sampling_rate=16000, **call)
    )
    assert_outputs_equal(ours(text=text, **call), theirs(text=text, **call))


def test_labels_decode_back_to_the_transcripts(folder: Path, english) -> None:
    processor = Wav2Vec2Processor.from_pretrained(folder)
    out = processor(
        audio=[a for a, _ in english],
        text=[t for _, t in english],
        sampling_rate=16000,
        padding=True,
        return_tensors="np",
    )
    assert processor.batch_decode(out["labels"], group_tokens=False) == [t for _, t in english]
    assert processor.decode(out["labels"][0], group_tokens=False) == english[0][1]


def test_pad_matches_transformers(folder: Path, english) -> None:
    ours, theirs = (
        Wav2Vec2Processor.from_pretrained(folder),
        transformers.Wav2Vec2Processor.from_pretrained(folder),
    )
    features = [{"input_values": a[:n]} for (a, _), n in zip(english, (3000, 5000, 4000), strict=False)]
    labels = [{"input_ids": theirs.tokenizer(t)["input_ids"]} for _, t in english]
    a = ours.pad(features, labels=labels, return_tensors="np")
    b = theirs.pad(features, labels=labels, return_tensors="np")
    assert_outputs_equal(a, b)
    assert_outputs_equal(
        ours.pad(labels=labels, return_tensors="np"), theirs.pad(labels=labels, return_tensors="np")
    )


def test_saved_folder_loads_in_transformers_both_layouts(folder: Path, tmp_path: Path, english) -> None:
    ours = Wav2Vec2Processor.from_pretrained(folder)
    ours.feature_extractor.return_attention_mask = True  # a non-default setting that must survive
    written = {Path(p).name for p in ours.save_pretrained(tmp_path)}
    assert written == {
        "processor_config.json",
        "preprocessor_config.json",
        "tokenizer_config.json",
        "special_tokens_map.json",
        "vocab.json",
    }
    # transformers 5: the nested processor_config.json
    nested = json.loads((tmp_path / "processor_config.json").read_text())
    assert nested["processor_class"] == "Wav2Vec2Processor"
    assert nested["feature_extractor"] == ours.feature_extractor.to_dict()
    theirs = transformers.Wav2Vec2Processor.from_pretrained(tmp_path)
    assert theirs.feature_extractor.to_dict() == ours.feature_extractor.to_dict()
    assert type(transformers.AutoProcessor.from_pretrained(tmp_path)).__name__ == "Wav2Vec2Processor"
    audio, text = english[0]
    assert_outputs_equal(
        ours(audio=audio, text=text, sampling_rate=16000), theirs(audio=audio, text=text, sampling_rate=16000)
    )
    # transformers 4.x readers: a flat preprocessor_config.json and special_tokens_map.json
    flat = json.loads((tmp_path / "preprocessor_config.json").read_text())
    assert (
        flat["return_attention_mask"] is True and flat["feature_extractor_type"] == "Wav2Vec2FeatureExtractor"
    )
    assert (
        transformers.Wav2Vec2FeatureExtractor.from_pretrained(tmp_path / "preprocessor_config.json").to_dict()
        == ours.feature_extractor.to_dict()
    )
    special = json.loads((tmp_path / "special_tokens_map.json").read_text())
    assert {k: v["content"] if isinstance(v, dict) else v for k, v in special.items()} == {
        "bos_token": "<s>",
        "eos_token": "</s>",
        "unk_token": "<unk>",
        "pad_token": "<pad>",
    }
    only_4x = tmp_path / "only4x"
    only_4x.mkdir()
    for name in (
        "preprocessor_config.json",
        "special_tokens_map.json",
        "tokenizer_config.json",
        "vocab.json",
    ):
        shutil.copy(tmp_path / name, only_4x / name)
    assert (
        transformers.Wav2Vec2Processor.from_pretrained(only_4x).feature_extractor.return_attention_mask
        is True
    )


def test_transformers_folders_load_here(folder: Path, tmp_path: Path) -> None:
    theirs = transformers.Wav2Vec2Processor.from_pretrained(folder)
    theirs.feature_extractor.padding_value = 0.5
    theirs.save_pretrained(tmp_path)
    assert not (tmp_path / "preprocessor_config.json").exists()  # transformers 5 writes only the nested file
    ours = Wav2Vec2Processor.from_pretrained(tmp_path)
    assert ours.feature_extractor.padding_value == 0.5
    assert ours.tokenizer.get_vocab() == theirs.tokenizer.get_vocab()
    auto = AutoProcessor.from_pretrained(tmp_path)
    assert isinstance(auto, Wav2Vec2Processor) and auto.feature_extractor == ours.feature_extractor
    assert AutoFeatureExtractor.from_pretrained(tmp_path) == ours.feature_extractor
    # the published 4.x folder: no processor_class anywhere, so (as in transformers) AutoProcessor gives the tokenizer
    assert type(transformers.AutoProcessor.from_pretrained(folder)).__name__ == "Wav2Vec2CTCTokenizer"
    assert isinstance(AutoProcessor.from_pretrained(folder), Wav2Vec2CTCTokenizer)
    assert isinstance(Wav2Vec2Processor.from_pretrained(folder), Wav2Vec2Processor)


def test_round_trip_and_repr(folder: Path, tmp_path: Path) -> None:
    ours = Wav2Vec2Processor.from_pretrained(folder)
    ours.save_pretrained(tmp_path)
    back = Wav2Vec2Processor.from_pretrained(tmp_path)
    assert back.feature_extractor == ours.feature_extractor
    assert back.tokenizer.get_vocab() == ours.tokenizer.get_vocab()
    assert back.model_input_names == ["input_values", "attention_mask", "labels"]
    assert repr(back).startswith("Wav2Vec2Processor:\n- feature_extractor: Wav2Vec2FeatureExtractor {")


def test_errors(folder: Path, tmp_path: Path) -> None:
    processor = Wav2Vec2Processor.from_pretrained(folder)
    with pytest.raises(ValueError, match="pass audio"):
        processor()
    with pytest.raises(ValueError, match="8000 Hz"):
        processor(audio=np.zeros(100, np.float32) + 0.1, sampling_rate=8000)
    with pytest.raises(TypeError, match="feature_extractor must be a Wav2Vec2FeatureExtractor"):
        Wav2Vec2Processor(feature_extractor=processor.tokenizer, tokenizer=processor.tokenizer)
    with pytest.raises(TypeError, match="needs tokenizer"):
        Wav2Vec2Processor(feature_extractor=Wav2Vec2FeatureExtractor())
    with pytest.raises(TypeError, match="not settings of Wav2Vec2CTCTokenizer"):
        Wav2Vec2Processor.from_pretrained(folder, sampling_rat=object())  # not a JSON value for init_kwargs
    with pytest.raises(FileNotFoundError):
        AutoProcessor.from_pretrained(tmp_path)


def test_hub_id_through_the_cache_offline(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """facebook/wav2vec2-base-960h as a real huggingface_hub cache would hold it (offline, 4.x layout)."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    commit = "0123456789abcdef0123456789abcdef01234567"
    repo = tmp_path / "models--facebook--wav2vec2-base-960h"
    (repo / "snapshots" / commit).mkdir(parents=True)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)
    for file in folder.iterdir():
        shutil.copy(file, repo / "snapshots" / commit / file.name)
    processor = Wav2Vec2Processor.from_pretrained("facebook/wav2vec2-base-960h", cache_dir=tmp_path)
    assert processor.feature_extractor == Wav2Vec2FeatureExtractor()
    assert processor.tokenizer("HI")["input_ids"] == [11, 10]
    fe = AutoFeatureExtractor.from_pretrained("facebook/wav2vec2-base-960h", cache_dir=tmp_path)
    assert fe == Wav2Vec2FeatureExtractor()
    with pytest.raises(FileNotFoundError, match="someone/nothing"):
        Wav2Vec2Processor.from_pretrained("someone/nothing", cache_dir=tmp_path)
