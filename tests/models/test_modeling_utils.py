"""PreTrainedModel's checkpoint handling: file kinds and their order, sharding, atomic saves, key prefixes between
base and head models, loading reports, shape mismatches, dtypes, corrupt files and pickles that try to run code,
hub ids through a real huggingface_hub cache layout."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from testing_utils import require_module

torch = require_module("torch")
transformers = require_module("transformers")

import ferroformers  # noqa: E402
from ferroformers import (  # noqa: E402
    DistilBertConfig,
    DistilBertForSequenceClassification,
    DistilBertModel,
    ResourceNotFoundError,
    modeling_utils,
)
from ferroformers.modeling_utils import parse_size  # noqa: E402

TINY = dict(vocab_size=99, dim=32, n_layers=2, n_heads=4, hidden_dim=37, max_position_embeddings=64)
IDS = torch.tensor([[5, 6, 7, 8, 9], [10, 11, 12, 0, 0]])
MASK = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]])


def hidden(model: Any) -> torch.Tensor:
    """The output on the real tokens (padding positions follow each library's own rule)."""
    with torch.no_grad():
        out = model(IDS, attention_mask=MASK)
    out = (
        out.last_hidden_state
        if hasattr(out, "last_hidden_state") and out.last_hidden_state is not None
        else out.logits
    )
    return out[MASK.bool()] if out.shape[:2] == MASK.shape else out


def saved(tmp_path: Path, cls: Any = DistilBertModel, **kwargs: Any) -> tuple[Any, Path]:
    torch.manual_seed(0)
    model = cls(DistilBertConfig(**TINY)).eval()
    folder = tmp_path / "saved"
    model.save_pretrained(folder, **kwargs)
    return model, folder


def test_save_writes_config_with_architectures_and_safetensors(tmp_path: Path) -> None:
    model, folder = saved(tmp_path, DistilBertForSequenceClassification)
    assert sorted(os.listdir(folder)) == ["config.json", "model.safetensors"]
    config = json.loads((folder / "config.json").read_text())
    assert config["architectures"] == ["DistilBertForSequenceClassification"]
    assert config["model_type"] == "distilbert" and config["torch_dtype"] == "float32"
    from safetensors import safe_open

    with safe_open(folder / "model.safetensors", "pt") as f:
        assert f.metadata() == {"format": "pt"}
        assert set(f.keys()) == set(model.state_dict())
    loaded = DistilBertForSequenceClassification.from_pretrained(folder)
    assert torch.equal(hidden(loaded), hidden(model))


def test_tied_weight_is_saved_once(tmp_path: Path) -> None:
    model, folder = saved(tmp_path, ferroformers.DistilBertForMaskedLM)
    from safetensors import safe_open

    with safe_open(folder / "model.safetensors", "pt") as f:
        keys = set(f.keys())
    assert "vocab_projector.weight" not in keys and "distilbert.embeddings.word_embeddings.weight" in keys
    loaded, info = ferroformers.DistilBertForMaskedLM.from_pretrained(folder, output_loading_info=True)
    assert (
        info["missing_keys"] == [] and loaded.vocab_projector.weight is loaded.get_input_embeddings().weight
    )
    assert torch.equal(hidden(loaded), hidden(model))


@pytest.mark.parametrize("safe", [True, False])
def test_sharded_checkpoints_load_here_and_in_transformers(tmp_path: Path, safe: bool) -> None:
    model, folder = saved(tmp_path, safe_serialization=safe)  # a single file first...
    model.save_pretrained(folder, max_shard_size="20KB", safe_serialization=safe)  # ...replaced by shards
    ext = "safetensors" if safe else "bin"
    stem = "model" if safe else "pytorch_model"
    files = sorted(os.listdir(folder))
    shards = [f for f in files if f.startswith(f"{stem}-")]
    assert len(shards) > 2 and f"{stem}.{ext}" not in files and f"{stem}.{ext}.index.json" in files
    index = json.loads((folder / f"{stem}.{ext}.index.json").read_text())
    assert set(index["weight_map"]) == set(model.state_dict()) and set(index["weight_map"].values()) == set(
        shards
    )
    assert index["metadata"]["total_size"] == sum(t.numel() * 4 for t in model.state_dict().values())
    assert all(f.endswith(f"-of-{len(shards):05d}.{ext}") for f in shards)
    assert torch.equal(hidden(DistilBertModel.from_pretrained(folder)), hidden(model))
    theirs = transformers.DistilBertModel.from_pretrained(folder).eval()
    torch.testing.assert_close(hidden(theirs), hidden(model), atol=1e-5, rtol=0)
    # back to one file: the shards go
    model.save_pretrained(folder, safe_serialization=safe)
    assert sorted(os.listdir(folder)) == ["config.json", f"{stem}.{ext}"]


def test_transformers_pytorch_bin_and_sharded_checkpoints_load(tmp_path: Path) -> None:
    torch.manual_seed(1)
    theirs = transformers.DistilBertModel(transformers.DistilBertConfig(**TINY)).eval()
    theirs.save_pretrained(tmp_path / "sharded", max_shard_size="30KB")
    assert (tmp_path / "sharded" / "model.safetensors.index.json").exists()
    torch.testing.assert_close(
        hidden(DistilBertModel.from_pretrained(tmp_path / "sharded")), hidden(theirs), atol=1e-5, rtol=0
    )
    # a plain state dict pickle, as older libraries wrote it
    (tmp_path / "bin").mkdir()
    theirs.config.save_pretrained(tmp_path / "bin")
    torch.save(theirs.state_dict(), tmp_path / "bin" / "pytorch_model.bin")
    torch.testing.assert_close(
        hidden(DistilBertModel.from_pretrained(tmp_path / "bin")), hidden(theirs), atol=1e-5, rtol=0
    )
    # the legacy (pre zip) pickle format, which cannot be memory-mapped
    torch.save(
        theirs.state_dict(), tmp_path / "bin" / "pytorch_model.bin", _use_new_zipfile_serialization=False
    )
    torch.testing.assert_close(
        hidden(DistilBertModel.from_pretrained(tmp_path / "bin")), hidden(theirs), atol=1e-5, rtol=0
    )
    # safetensors wins when both are there; use_safetensors=False picks the pickle
    both = tmp_path / "both"
    DistilBertModel(DistilBertConfig(**TINY)).save_pretrained(both)  # other weights, as model.safetensors
    shutil.copy(tmp_path / "bin" / "pytorch_model.bin", both)
    assert not torch.allclose(hidden(DistilBertModel.from_pretrained(both)), hidden(theirs), atol=1e-3)
    torch.testing.assert_close(
        hidden(DistilBertModel.from_pretrained(both, use_safetensors=False)),
        hidden(theirs),
        atol=1e-5,
        rtol=0,
    )
    with pytest.raises(
        ResourceNotFoundError, match=r"looked for model\.safetensors or model\.safetensors\.index"
    ):
        DistilBertModel.from_pretrained(tmp_path / "bin", use_safetensors=True)


def test_save_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model, folder = saved(tmp_path)
    before = {name: (folder / name).read_bytes() for name in os.listdir(folder)}
    real_write = modeling_utils._write_weights
    calls = []

    def fail_on_second_shard(path: str, tensors: dict[str, torch.Tensor], safe: bool) -> None:
        calls.append(path)
        if len(calls) == 2:
            raise OSError("disk full")
        real_write(path, tensors, safe)

    monkeypatch.setattr(modeling_utils, "_write_weights", fail_on_second_shard)
    other = DistilBertModel(DistilBertConfig(**{**TINY, "n_layers": 3}))
    with pytest.raises(OSError, match="disk full"):
        other.save_pretrained(folder, max_shard_size="20KB")
    assert {
        name: (folder / name).read_bytes() for name in os.listdir(folder)
    } == before  # no temp folder left
    assert torch.equal(hidden(DistilBertModel.from_pretrained(folder)), hidden(model))


def test_save_arguments(tmp_path: Path) -> None:
    model = DistilBertModel(DistilBertConfig(**TINY))
    (tmp_path / "file").write_text("x")
    with pytest.raises(FileExistsError, match="is a file"):
        model.save_pretrained(tmp_path / "file")
    with pytest.raises(ValueError, match="max_shard_size"):
        model.save_pretrained(tmp_path / "x", max_shard_size="lots")
    with pytest.raises(NotImplementedError, match="push_to_hub"):
        model.save_pretrained(tmp_path / "x", push_to_hub=True)
    assert parse_size("5GB") == 5 * 10**9 and parse_size("200MiB") == 200 * 2**20 and parse_size(1000) == 1000
    model.save_pretrained(tmp_path / "not-main", is_main_process=False)
    assert not (tmp_path / "not-main").exists()


def test_base_checkpoint_into_head_model_and_back(tmp_path: Path) -> None:
    base, folder = saved(tmp_path)
    head, info = DistilBertForSequenceClassification.from_pretrained(
        folder, num_labels=4, output_loading_info=True
    )
    assert sorted(info["missing_keys"]) == [
        "classifier.bias",
        "classifier.weight",
        "pre_classifier.bias",
        "pre_classifier.weight",
    ]
    assert info["unexpected_keys"] == [] and head.config.num_labels == 4
    assert torch.equal(hidden(head.distilbert), hidden(base))
    assert torch.all(head.classifier.bias == 0) and head.classifier.weight.std() > 0.005  # newly initialised
    # a head checkpoint into the base model: the prefix is stripped, the head weights are reported unused
    head.save_pretrained(tmp_path / "head")
    back, info = DistilBertModel.from_pretrained(tmp_path / "head", output_loading_info=True)
    assert info["missing_keys"] == [] and sorted(info["unexpected_keys"]) == [
        "classifier.bias",
        "classifier.weight",
        "pre_classifier.bias",
        "pre_classifier.weight",
    ]
    assert torch.equal(hidden(back), hidden(base))


def test_base_checkpoint_into_masked_lm_initialises_and_ties(tmp_path: Path) -> None:
    base, folder = saved(tmp_path)
    mlm, info = ferroformers.DistilBertForMaskedLM.from_pretrained(folder, output_loading_info=True)
    assert sorted(info["missing_keys"]) == [
        "vocab_layer_norm.bias",
        "vocab_layer_norm.weight",
        "vocab_projector.bias",
        "vocab_transform.bias",
        "vocab_transform.weight",
    ]
    assert torch.all(mlm.vocab_layer_norm.weight == 1) and torch.all(mlm.vocab_projector.bias == 0)
    assert mlm.vocab_projector.weight is mlm.get_input_embeddings().weight
    assert torch.equal(mlm.get_input_embeddings().weight, base.get_input_embeddings().weight)


def test_old_checkpoint_position_ids_buffer_is_ignored(tmp_path: Path) -> None:
    _, folder = saved(tmp_path)
    from safetensors.torch import load_file, save_file

    state = load_file(folder / "model.safetensors")
    state["embeddings.position_ids"] = torch.arange(64)[None]
    save_file(state, folder / "model.safetensors", metadata={"format": "pt"})
    _, info = DistilBertModel.from_pretrained(folder, output_loading_info=True)
    assert info["unexpected_keys"] == [] and info["missing_keys"] == []


def test_shape_mismatch_names_key_and_shapes(tmp_path: Path) -> None:
    _, folder = saved(tmp_path, DistilBertForSequenceClassification)
    with pytest.raises(
        ValueError,
        match=r"model\.safetensors: weight 'classifier\.bias' has shape \[2\] in "
        r"the checkpoint but \[5\] in DistilBertForSequenceClassification",
    ):
        DistilBertForSequenceClassification.from_pretrained(folder, num_labels=5)
    model, info = DistilBertForSequenceClassification.from_pretrained(
        folder, num_labels=5, ignore_mismatched_sizes=True, output_loading_info=True
    )
    assert sorted(info["mismatched_keys"]) == [
        ("classifier.bias", (2,), (5,)),
        ("classifier.weight", (2, 32), (5, 32)),
    ]
    assert sorted(info["missing_keys"]) == ["classifier.bias", "classifier.weight"]
    assert model.classifier.out_features == 5 and torch.all(model.classifier.bias == 0)


def test_dtype(tmp_path: Path) -> None:
    model, folder = saved(tmp_path)
    half = DistilBertModel.from_pretrained(folder, torch_dtype=torch.float16)
    assert half.dtype == torch.float16 and half.config.torch_dtype == "float16"
    assert all(p.dtype == torch.float16 for p in half.parameters())
    torch.testing.assert_close(
        half.embeddings.word_embeddings.weight, model.embeddings.word_embeddings.weight.half()
    )
    half.save_pretrained(tmp_path / "half")
    assert json.loads((tmp_path / "half" / "config.json").read_text())["torch_dtype"] == "float16"
    # "auto" (the default) keeps what the checkpoint says; a name or dtype= casts
    assert DistilBertModel.from_pretrained(tmp_path / "half").dtype == torch.float16
    assert DistilBertModel.from_pretrained(tmp_path / "half", dtype="float32").dtype == torch.float32
    assert DistilBertModel.from_pretrained(tmp_path / "half", torch_dtype="bfloat16").dtype == torch.bfloat16
    with pytest.raises(ValueError, match="not a floating point torch dtype"):
        DistilBertModel.from_pretrained(folder, dtype="int8")


def test_config_argument_and_overrides(tmp_path: Path) -> None:
    _, folder = saved(tmp_path)
    my_config = DistilBertConfig(**{**TINY, "activation": "relu"})
    model = DistilBertModel.from_pretrained(folder, config=my_config, dropout=0.0)
    assert model.config.activation == "relu" and model.config.dropout == 0.0 and my_config.dropout == 0.1
    model = DistilBertModel.from_pretrained(folder, config=folder / "config.json")
    assert model.config.dim == 32
    with pytest.raises(TypeError, match=r"\['no_such_option'\] is not configuration"):
        DistilBertModel.from_pretrained(folder, no_such_option=1)
    with pytest.raises(TypeError, match="config must be a PretrainedConfig or a path"):
        DistilBertModel.from_pretrained(folder, config=3)


def test_config_is_data_and_remote_code_is_refused(tmp_path: Path) -> None:
    _, folder = saved(tmp_path)
    config = json.loads((folder / "config.json").read_text())
    config["auto_map"] = {"AutoModel": "evil.Model"}
    (folder / "config.json").write_text(json.dumps(config))
    (folder / "evil.py").write_text("raise SystemExit('code from the checkpoint ran')\n")
    model = DistilBertModel.from_pretrained(folder)  # auto_map is kept as a plain value, nothing imported
    assert model.config.auto_map == {"AutoModel": "evil.Model"}
    with pytest.raises(ValueError, match="trust_remote_code=True is not supported"):
        DistilBertModel.from_pretrained(folder, trust_remote_code=True)


def test_pickle_that_would_run_code_is_refused(tmp_path: Path) -> None:
    _, folder = saved(tmp_path)
    (folder / "model.safetensors").unlink()
    marker = tmp_path / "ran"

    class Payload:
        def __reduce__(self) -> tuple[Any, ...]:
            return (open, (str(marker), "w"))

    torch.save({"embeddings.word_embeddings.weight": Payload()}, folder / "pytorch_model.bin")
    with pytest.raises(OSError, match=r"pytorch_model\.bin: refused: this pickle holds more than tensors"):
        DistilBertModel.from_pretrained(folder)
    assert not marker.exists()


def test_corrupt_and_truncated_files_name_the_file(tmp_path: Path) -> None:
    _, folder = saved(tmp_path)
    weights = folder / "model.safetensors"
    data = weights.read_bytes()
    weights.write_bytes(data[: len(data) // 2])
    with pytest.raises(OSError, match=r"model\.safetensors: not a readable safetensors file"):
        DistilBertModel.from_pretrained(folder)
    weights.write_bytes(b"\x00" * 3)
    with pytest.raises(OSError, match=r"model\.safetensors: not a readable safetensors file"):
        DistilBertModel.from_pretrained(folder)
    weights.unlink()
    DistilBertModel(DistilBertConfig(**TINY)).save_pretrained(tmp_path / "bin", safe_serialization=False)
    data = (tmp_path / "bin" / "pytorch_model.bin").read_bytes()
    (folder / "pytorch_model.bin").write_bytes(data[: len(data) // 2])
    with pytest.raises(OSError, match=r"pytorch_model\.bin: not a readable PyTorch checkpoint"):
        DistilBertModel.from_pretrained(folder)
    (folder / "pytorch_model.bin").unlink()
    with pytest.raises(ResourceNotFoundError, match=r"has no weights: looked for model\.safetensors or"):
        DistilBertModel.from_pretrained(folder)
    # an index naming a shard that is not there, or no weight map
    (folder / "model.safetensors.index.json").write_text(
        json.dumps({"weight_map": {"a": "model-00001-of-00002.safetensors"}})
    )
    with pytest.raises(ResourceNotFoundError, match=r"names the shard model-00001-of-00002\.safetensors"):
        DistilBertModel.from_pretrained(folder)
    (folder / "model.safetensors.index.json").write_text(
        json.dumps({"weight_map": {"a": "../../etc/passwd"}})
    )
    with pytest.raises(ValueError, match="is not a shard file name"):
        DistilBertModel.from_pretrained(folder)
    (folder / "model.safetensors.index.json").write_text("{")
    with pytest.raises(ValueError, match=r"model\.safetensors\.index\.json: line 1 column 2: malformed JSON"):
        DistilBertModel.from_pretrained(folder)


def _fake_hub_cache(cache: Path, repo_id: str, source: Path) -> None:
    """A real huggingface_hub cache layout, as a download would have left it."""
    commit = "0123456789abcdef0123456789abcdef01234567"
    repo = cache / f"models--{repo_id.replace('/', '--')}"
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(commit)
    shutil.copytree(source, repo / "snapshots" / commit)


def test_hub_id_through_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    model, folder = saved(tmp_path, DistilBertForSequenceClassification)
    _fake_hub_cache(tmp_path / "cache", "someone/tiny-distilbert", folder)
    loaded = DistilBertForSequenceClassification.from_pretrained(
        "someone/tiny-distilbert", cache_dir=tmp_path / "cache"
    )
    assert torch.equal(hidden(loaded), hidden(model))
    loaded = ferroformers.AutoModel.from_pretrained(
        "someone/tiny-distilbert", cache_dir=tmp_path / "cache", local_files_only=True
    )
    assert type(loaded) is DistilBertModel
    with pytest.raises(ResourceNotFoundError, match=r"someone/other/config\.json"):
        DistilBertModel.from_pretrained("someone/other", cache_dir=tmp_path / "cache")
