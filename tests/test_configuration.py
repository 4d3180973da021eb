"""Configurations: the guide's printouts, overrides, aliases, validation, save/load, hub resolution, and
interchange with `transformers` (the reference)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from testing_utils import examples, require_module

from ferroformers import AutoConfig, DistilBertConfig, PretrainedConfig, ResourceNotFoundError, __version__

SEED_DEFAULT = """DistilBertConfig {
  "activation": "gelu",
  "attention_dropout": 0.1,
  "dim": 768,
  "dropout": 0.1,
  "ferroformers_version": "%s",
  "hidden_dim": 3072,
  "initializer_range": 0.02,
  "max_position_embeddings": 512,
  "model_type": "distilbert",
  "n_heads": 12,
  "n_layers": 6,
  "pad_token_id": 0,
  "qa_dropout": 0.1,
  "seq_classif_dropout": 0.2,
  "sinusoidal_pos_embds": false,
  "vocab_size": 30522
}
"""


def test_seed_printout_default(capsys: pytest.CaptureFixture[str]) -> None:
    print(DistilBertConfig())
    assert capsys.readouterr().out == SEED_DEFAULT % __version__ + "\n"


def test_seed_printout_overrides(capsys: pytest.CaptureFixture[str]) -> None:
    my_config = DistilBertConfig(activation="relu", attention_dropout=0.4)
    print(my_config)
    expected = (
        (SEED_DEFAULT % __version__)
        .replace('"gelu"', '"relu"')
        .replace('"attention_dropout": 0.1', '"attention_dropout": 0.4')
    )
    assert capsys.readouterr().out == expected + "\n"


def test_aliases_both_ways() -> None:
    config = DistilBertConfig(hidden_size=384, num_attention_heads=6, num_hidden_layers=3)
    assert (config.dim, config.n_heads, config.n_layers) == (384, 6, 3)
    assert (config.hidden_size, config.num_attention_heads, config.num_hidden_layers) == (384, 6, 3)
    config.hidden_size = 512
    assert config.dim == 512 and "hidden_size" not in config.to_dict()


def test_unknown_keys_are_kept_and_saved(tmp_path: Path) -> None:
    config = DistilBertConfig(
        my_custom_key=[1, 2], problem_type="regression", architectures=["DistilBertModel"]
    )
    assert config.my_custom_key == [1, 2]
    config.save_pretrained(tmp_path)
    loaded = DistilBertConfig.from_pretrained(tmp_path)
    assert loaded.my_custom_key == [1, 2]
    assert loaded.problem_type == "regression" and loaded.architectures == ["DistilBertModel"]
    assert loaded == config


def test_labels() -> None:
    config = DistilBertConfig(num_labels=3)
    assert config.id2label == {0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"}
    assert config.label2id == {"LABEL_0": 0, "LABEL_1": 1, "LABEL_2": 2}
    config = DistilBertConfig(id2label={"0": "neg", "1": "pos"})
    assert (
        config.num_labels == 2
        and config.id2label == {0: "neg", 1: "pos"}
        and config.label2id == {"neg": 0, "pos": 1}
    )
    config.num_labels = 5
    assert len(config.id2label) == 5
    with pytest.raises(ValueError, match="num_labels"):
        DistilBertConfig(num_labels=0)
    with pytest.raises(ValueError, match="num_labels=3 disagrees"):
        DistilBertConfig(num_labels=3, id2label={0: "a"})


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"activation": "gelu_wrong"}, "activation"),
        ({"dim": 100, "n_heads": 12}, "dim"),
        ({"dropout": 1.5}, "dropout"),
        ({"attention_dropout": -0.1}, "attention_dropout"),
        ({"qa_dropout": "0.1"}, "qa_dropout"),
        ({"n_layers": 0}, "n_layers"),
        ({"vocab_size": -5}, "vocab_size"),
        ({"hidden_dim": 3.5}, "hidden_dim"),
        ({"max_position_embeddings": True}, "max_position_embeddings"),
        ({"initializer_range": -1.0}, "initializer_range"),
        ({"problem_type": "ranking"}, "problem_type"),
        ({"sinusoidal_pos_embds": "yes"}, "sinusoidal_pos_embds"),
        ({"pad_token_id": 30522}, "pad_token_id"),
    ],
)
def test_validation_names_the_field(kwargs: dict, field: str) -> None:
    with pytest.raises(ValueError, match=field):
        DistilBertConfig(**kwargs)


def test_validation_on_save_catches_later_edits(tmp_path: Path) -> None:
    config = DistilBertConfig()
    config.n_heads = 7
    with pytest.raises(ValueError, match=r"dim \(768\) must be divisible by n_heads \(7\)"):
        config.save_pretrained(tmp_path)
    assert not (tmp_path / "config.json").exists()


def test_dict_and_json_views() -> None:
    config = DistilBertConfig(dim=384, n_heads=6)
    full = config.to_dict()
    diff = config.to_diff_dict()
    assert full["return_dict"] is True and "return_dict" not in diff
    assert diff["dim"] == 384 and diff["model_type"] == "distilbert"
    assert json.loads(config.to_json_string(use_diff=False)) == json.loads(json.dumps(full))
    assert DistilBertConfig.from_dict(full) == config
    assert DistilBertConfig.from_dict(diff) == config


def test_save_pretrained_is_atomic_and_creates_the_folder(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b"
    DistilBertConfig(n_layers=2).save_pretrained(target)
    assert sorted(os.listdir(target)) == ["config.json"]
    assert json.loads((target / "config.json").read_text())["n_layers"] == 2
    # a failing save leaves the previous file in place and no temporary files
    config = DistilBertConfig(n_layers=3)
    config.activation = "nope"
    with pytest.raises(ValueError):
        config.save_pretrained(target)
    assert sorted(os.listdir(target)) == ["config.json"]
    assert json.loads((target / "config.json").read_text())["n_layers"] == 2


def test_from_pretrained_folder_file_and_overrides(tmp_path: Path) -> None:
    DistilBertConfig(n_layers=2).save_pretrained(tmp_path)
    assert DistilBertConfig.from_pretrained(tmp_path).n_layers == 2
    assert DistilBertConfig.from_pretrained(tmp_path / "config.json").n_layers == 2
    assert DistilBertConfig.from_pretrained(tmp_path, n_layers=4, hidden_size=384, n_heads=6).dim == 384
    config, unused = DistilBertConfig.from_pretrained(tmp_path, foo=1, dropout=0.3, return_unused_kwargs=True)
    assert unused == {"foo": 1} and config.dropout == 0.3
    with pytest.raises(TypeError, match="foo"):
        DistilBertConfig.from_pretrained(tmp_path, foo=1)
    with pytest.raises(ValueError, match="dropout"):
        DistilBertConfig.from_pretrained(tmp_path, dropout=2.0)


def test_malformed_config_names_file_and_position(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text('{\n  "dim": 768,\n  "n_heads": oops\n}\n')
    with pytest.raises(ValueError, match=r"config\.json: line 3 column 14: malformed JSON"):
        DistilBertConfig.from_pretrained(tmp_path)
    (tmp_path / "config.json").write_text("[1, 2]")
    with pytest.raises(ValueError, match="expected a JSON object"):
        AutoConfig.from_pretrained(tmp_path)
    (tmp_path / "config.json").write_bytes(b'{"a": "\xff"}')
    with pytest.raises(ValueError, match="not UTF-8"):
        AutoConfig.from_pretrained(tmp_path)


def test_wrong_model_type_is_refused(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text('{"model_type": "bert"}')
    with pytest.raises(ValueError, match=r"model_type 'distilbert'.*'bert'"):
        DistilBertConfig.from_pretrained(tmp_path)
    with pytest.raises(ValueError, match="unknown model_type 'bert'"):
        AutoConfig.from_pretrained(tmp_path)


def test_auto_config_dispatch_and_registry(tmp_path: Path) -> None:
    DistilBertConfig(n_layers=1).save_pretrained(tmp_path)
    config = AutoConfig.from_pretrained(tmp_path)
    assert type(config) is DistilBertConfig and config.n_layers == 1
    assert type(AutoConfig.for_model("distilbert", dim=64, n_heads=4)) is DistilBertConfig

    class TinyConfig(PretrainedConfig):
        model_type = "tiny-test"

        def __init__(self, width: int = 4, **kwargs):
            self.width = width
            super().__init__(**kwargs)

    AutoConfig.register("tiny-test", TinyConfig)
    TinyConfig(width=9).save_pretrained(tmp_path / "tiny")
    assert AutoConfig.from_pretrained(tmp_path / "tiny").width == 9
    with pytest.raises(ValueError, match="already registered"):
        AutoConfig.register("tiny-test", TinyConfig)
    (tmp_path / "nomodeltype").mkdir()
    (tmp_path / "nomodeltype" / "config.json").write_text('{"dim": 4}')
    with pytest.raises(ValueError, match="no 'model_type'"):
        AutoConfig.from_pretrained(tmp_path / "nomodeltype")
    with pytest.raises(OSError):
        AutoConfig()


def _fake_hub_cache(cache: Path, repo_id: str, files: dict[str, str], revision: str = "main") -> None:
    """A real huggingface_hub cache layout, as a download would have left it."""
    commit = "0123456789abcdef0123456789abcdef01234567"
    repo = cache / f"models--{repo_id.replace('/', '--')}"
    snapshot = repo / "snapshots" / commit
    snapshot.mkdir(parents=True)
    (repo / "refs").mkdir()
    (repo / "refs" / revision).write_text(commit)
    for name, text in files.items():
        (snapshot / name).write_text(text)


def test_hub_id_resolves_through_the_cache_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    _fake_hub_cache(
        tmp_path,
        "distilbert/distilbert-base-uncased",
        {"config.json": DistilBertConfig(n_layers=2).to_json_string()},
    )
    config = AutoConfig.from_pretrained("distilbert/distilbert-base-uncased", cache_dir=tmp_path)
    assert type(config) is DistilBertConfig and config.n_layers == 2
    config = DistilBertConfig.from_pretrained(
        "distilbert/distilbert-base-uncased", cache_dir=tmp_path, local_files_only=True, n_heads=4
    )
    assert config.n_heads == 4


def test_missing_hub_id_names_id_and_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ResourceNotFoundError, match=r"someone/missing-model/config\.json.*HF_HUB_OFFLINE=1"):
        DistilBertConfig.from_pretrained("someone/missing-model", cache_dir=tmp_path)
    monkeypatch.delenv("HF_HUB_OFFLINE")
    with pytest.raises(ResourceNotFoundError, match=r"local_files_only=True"):
        DistilBertConfig.from_pretrained("someone/missing-model", cache_dir=tmp_path, local_files_only=True)
    with pytest.raises(ResourceNotFoundError, match="neither a local folder nor a valid hub id"):
        DistilBertConfig.from_pretrained("./no/such//folder", cache_dir=tmp_path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ResourceNotFoundError, match=r"local folder but has no config\.json"):
        DistilBertConfig.from_pretrained(tmp_path / "empty")


# ---- interchange with transformers (the reference) ----------------------------------------------------------


def test_transformers_config_loads_here(tmp_path: Path) -> None:
    transformers = require_module("transformers")
    theirs = transformers.DistilBertConfig(
        n_layers=3,
        dim=384,
        n_heads=6,
        activation="relu",
        num_labels=4,
        sinusoidal_pos_embds=True,
        problem_type="multi_label_classification",
    )
    theirs.save_pretrained(tmp_path)
    ours = AutoConfig.from_pretrained(tmp_path)
    assert type(ours) is DistilBertConfig
    for key in (
        "n_layers",
        "dim",
        "n_heads",
        "activation",
        "hidden_dim",
        "vocab_size",
        "dropout",
        "attention_dropout",
        "qa_dropout",
        "seq_classif_dropout",
        "sinusoidal_pos_embds",
        "pad_token_id",
        "max_position_embeddings",
        "initializer_range",
        "id2label",
        "label2id",
        "problem_type",
    ):
        assert getattr(ours, key) == getattr(theirs, key), key


def test_our_config_loads_in_transformers(tmp_path: Path) -> None:
    transformers = require_module("transformers")
    ours = DistilBertConfig(
        n_layers=2,
        dim=256,
        n_heads=8,
        hidden_dim=512,
        activation="gelu",
        num_labels=3,
        qa_dropout=0.25,
        architectures=["DistilBertForSequenceClassification"],
    )
    ours.save_pretrained(tmp_path)
    theirs = transformers.AutoConfig.from_pretrained(tmp_path)
    assert type(theirs).__name__ == "DistilBertConfig"
    for key in (
        "n_layers",
        "dim",
        "n_heads",
        "hidden_dim",
        "activation",
        "qa_dropout",
        "num_labels",
        "id2label",
        "label2id",
        "architectures",
        "hidden_size",
        "num_attention_heads",
        "num_hidden_layers",
    ):
        assert getattr(theirs, key) == getattr(ours, key), key


# ---- property: save/load round trips of random valid configs --------------------------------------------------

configs = st.builds(
    lambda heads, per_head, **kw: DistilBertConfig(n_heads=heads, dim=heads * per_head, **kw),
    heads=st.integers(1, 16),
    per_head=st.integers(1, 64),
    n_layers=st.integers(1, 24),
    hidden_dim=st.integers(1, 8192),
    vocab_size=st.integers(1, 250_000).map(lambda v: max(v, 1)),
    max_position_embeddings=st.integers(1, 8192),
    dropout=st.floats(0, 1),
    attention_dropout=st.floats(0, 1),
    qa_dropout=st.floats(0, 1),
    seq_classif_dropout=st.floats(0, 1),
    initializer_range=st.floats(0, 1),
    activation=st.sampled_from(["gelu", "relu", "silu", "gelu_new"]),
    sinusoidal_pos_embds=st.booleans(),
    pad_token_id=st.just(0),
    num_labels=st.integers(1, 10),
    extra=st.dictionaries(
        st.text("abcdefghijklmnopqrstuvwxyz_", min_size=3, max_size=8).map(lambda s: f"x_{s}"),
        st.one_of(st.integers(), st.text(), st.booleans(), st.lists(st.integers(), max_size=3)),
        max_size=3,
    ),
).map(lambda c: (c, c.__dict__.pop("extra")) and c)


@settings(max_examples=examples(60), deadline=None)
@given(config=configs)
def test_round_trip_random_configs(config: DistilBertConfig) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        config.save_pretrained(d)
        loaded = DistilBertConfig.from_pretrained(d)
        assert loaded == config
        assert loaded.to_json_string() == config.to_json_string()
        assert AutoConfig.from_pretrained(d) == config
