"""What code written for transformers passes and calls, against transformers on the same checkpoint: loading
options (attn_implementation, device_map, dtype / torch_dtype, low_cpu_mem_usage, state_dict=), configuration
flags, can_generate, get_text_config, position embeddings, head pruning with negative indices, and the imports
(models.distilbert, models.auto, TensorFlow/Flax names)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

import ferroformers  # noqa: E402
from ferroformers import DistilBertConfig, DistilBertForSequenceClassification, DistilBertModel  # noqa: E402

TINY = dict(vocab_size=99, dim=32, n_layers=2, n_heads=4, hidden_dim=37, max_position_embeddings=64)
IDS = torch.tensor([[5, 6, 7, 8, 9], [10, 11, 12, 0, 0]])
MASK = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]])


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A sequence-classification checkpoint written by transformers."""
    folder = tmp_path_factory.mktemp("hf")
    torch.manual_seed(0)
    transformers.DistilBertForSequenceClassification(transformers.DistilBertConfig(**TINY)).save_pretrained(
        folder
    )
    return folder


def outputs(model: Any, **kwargs: Any) -> Any:
    with torch.no_grad():
        return model(IDS, attention_mask=MASK, **kwargs)


# ---- loading options ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("attn", [None, "sdpa", "eager"])
def test_attn_implementation(checkpoint: Path, attn: str | None) -> None:
    kwargs = {} if attn is None else {"attn_implementation": attn}
    ours = DistilBertForSequenceClassification.from_pretrained(checkpoint, **kwargs)
    theirs = transformers.DistilBertForSequenceClassification.from_pretrained(checkpoint, **kwargs).eval()
    assert ours.config._attn_implementation == theirs.config._attn_implementation == (attn or "sdpa")
    full = {"output_hidden_states": True}
    got, expected = outputs(ours, **full), outputs(theirs, **full)
    torch.testing.assert_close(got.logits, expected.logits, atol=1e-5, rtol=0)
    # eager computes every position as transformers does; sdpa leaves padding at 0 (tests/models/distilbert)
    last, reference = got.hidden_states[-1], expected.hidden_states[-1]
    if attn == "eager":
        torch.testing.assert_close(last, reference, atol=1e-5, rtol=0)
    else:
        torch.testing.assert_close(last[MASK.bool()], reference[MASK.bool()], atol=1e-5, rtol=0)
        assert torch.all(last[MASK == 0] == 0)
    # switched on a built model (both), through the Auto classes, and never saved
    ours.set_attn_implementation("eager")
    theirs.set_attn_implementation("eager")
    torch.testing.assert_close(
        outputs(ours, **full).hidden_states[-1], outputs(theirs, **full).hidden_states[-1], atol=1e-5, rtol=0
    )
    auto = ferroformers.AutoModelForSequenceClassification.from_pretrained(checkpoint, **kwargs)
    assert auto.config._attn_implementation == (attn or "sdpa")
    ours.save_pretrained(checkpoint.parent / "saved-attn")
    assert "attn_implementation" not in (checkpoint.parent / "saved-attn" / "config.json").read_text()


def test_attn_implementation_on_configs_and_errors(checkpoint: Path) -> None:
    for cls in (DistilBertConfig, transformers.DistilBertConfig):
        assert cls()._attn_implementation is None
        config = cls(attn_implementation="eager")
        assert config._attn_implementation == "eager" and "_attn_implementation" not in config.to_dict()
    config = DistilBertConfig(**TINY)
    DistilBertModel(config)
    assert config._attn_implementation == "sdpa"  # set by the model, as transformers does
    config = DistilBertConfig.from_pretrained(checkpoint, attn_implementation="eager")
    assert DistilBertModel(config).config._attn_implementation == "eager"
    for bad in ("flash_attention_2", "flex_attention", "bogus"):
        with pytest.raises(ValueError, match=f"attn_implementation '{bad}' is not supported: use 'sdpa'"):
            DistilBertModel.from_pretrained(checkpoint, attn_implementation=bad)
    with pytest.raises(ValueError, match="attn_implementation must be one of"):
        DistilBertModel(DistilBertConfig(**TINY)).set_attn_implementation("flash_attention_2")


@pytest.mark.parametrize(
    "device_map", [None, "cpu", torch.device("cpu"), {"": "cpu"}, {"distilbert": "cpu", "classifier": "cpu"}]
)
def test_device_map_on_one_device(checkpoint: Path, device_map: Any) -> None:
    ours = DistilBertForSequenceClassification.from_pretrained(checkpoint, device_map=device_map)
    # transformers needs accelerate for any device_map, which this environment does not have: its plain load is
    # what "cpu" means there
    theirs = transformers.DistilBertForSequenceClassification.from_pretrained(checkpoint).eval()
    assert ours.device == torch.device("cpu") and not hasattr(ours, "hf_device_map")
    torch.testing.assert_close(outputs(ours).logits, outputs(theirs).logits, atol=1e-5, rtol=0)


@pytest.mark.parametrize(
    "device_map",
    [
        "auto",
        "balanced",
        "sequential",
        {"distilbert": "cpu", "classifier": 0},
        {"distilbert": "cpu", "classifier": "disk"},
        -1,
        "nowhere",
    ],
)
def test_device_map_that_needs_accelerate_is_a_clear_error(checkpoint: Path, device_map: Any) -> None:
    match = "is not a device" if device_map in (-1, "nowhere") else "needs accelerate's dispatching"
    with pytest.raises(ValueError, match=match):
        DistilBertForSequenceClassification.from_pretrained(checkpoint, device_map=device_map)


def test_dtype_and_torch_dtype(checkpoint: Path, tmp_path: Path) -> None:
    torch.manual_seed(0)
    half = transformers.DistilBertModel(transformers.DistilBertConfig(**TINY)).to(torch.float16)
    half.save_pretrained(tmp_path / "half")
    cases: list[dict[str, Any]] = [
        {},
        {"dtype": "auto"},
        {"torch_dtype": "auto"},
        {"dtype": torch.bfloat16},
        {"torch_dtype": torch.float32},
        {"dtype": "float64"},
        {"dtype": torch.float32, "torch_dtype": torch.bfloat16},
    ]
    for kwargs in cases:
        ours = DistilBertModel.from_pretrained(tmp_path / "half", **kwargs)
        theirs = transformers.DistilBertModel.from_pretrained(tmp_path / "half", **kwargs)
        assert ours.dtype == theirs.dtype, kwargs  # "auto", the default of both (5.x), keeps float16
        if ours.dtype != torch.float16:  # CPU half-precision kernels differ between calls; compare the rest
            torch.testing.assert_close(
                outputs(ours).last_hidden_state[MASK.bool()],
                outputs(theirs).last_hidden_state[MASK.bool()],
                atol=1e-2,
                rtol=0,
            )
    assert DistilBertModel.from_pretrained(checkpoint, dtype="auto").dtype == torch.float32


@pytest.mark.parametrize("low_cpu_mem_usage", [None, True, False])
def test_low_cpu_mem_usage_is_accepted(checkpoint: Path, low_cpu_mem_usage: bool | None) -> None:
    ours = DistilBertForSequenceClassification.from_pretrained(
        checkpoint, low_cpu_mem_usage=low_cpu_mem_usage
    )
    theirs = transformers.DistilBertForSequenceClassification.from_pretrained(
        checkpoint, low_cpu_mem_usage=low_cpu_mem_usage
    ).eval()
    torch.testing.assert_close(outputs(ours).logits, outputs(theirs).logits, atol=1e-5, rtol=0)
    with pytest.raises(TypeError, match="low_cpu_mem_usage must be True, False or None"):
        DistilBertModel.from_pretrained(checkpoint, low_cpu_mem_usage="yes")


def test_state_dict_with_config_and_no_path(checkpoint: Path) -> None:
    theirs = transformers.DistilBertForSequenceClassification.from_pretrained(checkpoint).eval()
    state = theirs.state_dict()
    their_config = transformers.DistilBertConfig.from_pretrained(checkpoint)
    reloaded = transformers.DistilBertForSequenceClassification.from_pretrained(
        None, config=their_config, state_dict=state
    ).eval()
    config = DistilBertConfig.from_pretrained(checkpoint)
    ours, info = DistilBertForSequenceClassification.from_pretrained(
        None, config=config, state_dict=state, output_loading_info=True
    )
    assert info["missing_keys"] == info["unexpected_keys"] == [] and not ours.training
    torch.testing.assert_close(outputs(ours).logits, outputs(reloaded).logits, atol=1e-5, rtol=0)
    # the model owns its weights: training it leaves the caller's tensors alone
    before = state["classifier.weight"].clone()
    with torch.no_grad():
        ours.classifier.weight.add_(1.0)
    assert torch.equal(state["classifier.weight"], before)
    # a base model's state dict into a head model: prefixes added, the head reported missing; a path config works
    _, info = DistilBertForSequenceClassification.from_pretrained(
        None,
        config=checkpoint / "config.json",
        state_dict=ours.distilbert.state_dict(),
        output_loading_info=True,
    )
    assert sorted(info["missing_keys"]) == [
        "classifier.bias",
        "classifier.weight",
        "pre_classifier.bias",
        "pre_classifier.weight",
    ]
    # as transformers 5.x: not both a path and a state dict; None needs both config and state_dict
    for cls in (DistilBertForSequenceClassification, transformers.DistilBertForSequenceClassification):
        with pytest.raises(ValueError, match="state_dict"):
            cls.from_pretrained(checkpoint, state_dict=state)
    with pytest.raises(ValueError, match="needs both config= and state_dict="):
        DistilBertModel.from_pretrained(None, config=config)
    with pytest.raises(
        ValueError, match=r"state_dict: weight 'classifier\.weight' has shape \[2, 32\] in the checkpoint"
    ):
        DistilBertForSequenceClassification.from_pretrained(
            None, config=DistilBertConfig(**TINY, num_labels=3), state_dict=state
        )
    with pytest.raises(TypeError, match=r"state_dict\['x'\] is a int, not a tensor"):
        DistilBertModel.from_pretrained(None, config=config, state_dict={"x": 1})


def test_configuration_flags_that_examples_use(checkpoint: Path) -> None:
    kwargs = {"return_dict": False, "output_hidden_states": True}
    ours = DistilBertForSequenceClassification.from_pretrained(checkpoint, **kwargs)
    theirs = transformers.DistilBertForSequenceClassification.from_pretrained(checkpoint, **kwargs).eval()
    for model in (ours, theirs):
        assert model.config.use_return_dict is False and model.config.output_hidden_states is True
    got, expected = outputs(ours), outputs(theirs)
    assert isinstance(got, tuple) and isinstance(expected, tuple) and len(got) == len(expected) == 2
    torch.testing.assert_close(got[0], expected[0], atol=1e-5, rtol=0)
    assert len(got[1]) == len(expected[1]) == TINY["n_layers"] + 1
    assert ours.config.name_or_path == theirs.config.name_or_path == str(checkpoint)
    assert ours.config.get_text_config() is ours.config and theirs.config.get_text_config() is theirs.config
    assert ours.config.get_text_config(decoder=True) is ours.config
    assert ours.can_generate() is theirs.can_generate() is False
    assert type(ours).can_generate() is False
    ours.config.use_cache = False  # what Trainer sets under gradient checkpointing: a plain attribute
    assert "_name_or_path" not in json.dumps(ours.config.to_dict())


def test_auto_from_config_options() -> None:
    for kwargs in (
        {},
        {"attn_implementation": "eager"},
        {"dtype": torch.float64},
        {"torch_dtype": "bfloat16"},
        {"trust_remote_code": False},
    ):
        config, their_config = DistilBertConfig(**TINY), transformers.DistilBertConfig(**TINY)
        ours = ferroformers.AutoModelForMaskedLM.from_config(config, **kwargs)
        theirs = transformers.AutoModelForMaskedLM.from_config(their_config, **kwargs)
        assert ours.dtype == theirs.dtype, kwargs
        assert ours.config._attn_implementation == theirs.config._attn_implementation, kwargs
    config = DistilBertConfig(**TINY)
    ferroformers.AutoModel.from_config(config, attn_implementation="eager")
    assert config._attn_implementation is None  # set on a copy (transformers 5.24 sets the caller's config)
    with pytest.raises(ValueError, match="trust_remote_code=True is not supported"):
        ferroformers.AutoModel.from_config(config, trust_remote_code=True)


# ---- position embeddings -----------------------------------------------------------------------------------


@pytest.mark.parametrize("head", ["DistilBertModel", "DistilBertForMaskedLM"])
def test_resize_position_embeddings_matches_transformers_seeded(tmp_path: Path, head: str) -> None:
    torch.manual_seed(0)
    theirs = getattr(transformers, head)(transformers.DistilBertConfig(**TINY)).eval()
    theirs.save_pretrained(tmp_path)
    ours = getattr(ferroformers, head).from_pretrained(tmp_path)
    assert torch.equal(ours.get_position_embeddings().weight, theirs.get_position_embeddings().weight)
    for n in (80, 40, 40):
        torch.manual_seed(5)
        theirs.resize_position_embeddings(n)
        torch.manual_seed(5)
        ours.resize_position_embeddings(n)
        assert ours.config.max_position_embeddings == theirs.config.max_position_embeddings == n
        assert torch.equal(ours.get_position_embeddings().weight, theirs.get_position_embeddings().weight)
    ids = torch.randint(0, 99, (1, 40))
    with torch.no_grad():
        got, expected = ours(ids), theirs(ids)
    torch.testing.assert_close(got[0], expected[0], atol=1e-5, rtol=0)
    with pytest.raises(ValueError, match="sequence length 41 is longer than max_position_embeddings"):
        ours(torch.randint(0, 99, (1, 41)))


def test_resize_sinusoidal_position_embeddings() -> None:
    # transformers raises an AttributeError here (a bug in 4.x and 5.24); ours computes the table for the length
    from transformers.models.distilbert.modeling_distilbert import create_sinusoidal_embeddings

    model = DistilBertModel(DistilBertConfig(**{**TINY, "sinusoidal_pos_embds": True}))
    model.resize_position_embeddings(100)
    table = model.get_position_embeddings().weight
    assert table.shape == (100, 32) and not table.requires_grad
    assert torch.equal(table, create_sinusoidal_embeddings(100, 32, torch.empty_like(table)))
    with pytest.raises(ValueError, match="new_num_position_embeddings must be a positive integer"):
        model.resize_position_embeddings(0)
    with pytest.raises(NotImplementedError, match="PreTrainedModel does not define get_position_embeddings"):
        ferroformers.PreTrainedModel(DistilBertConfig()).get_position_embeddings()


# ---- head pruning ------------------------------------------------------------------------------------------


def test_prune_heads_accepts_what_4x_accepted() -> None:
    torch.manual_seed(0)
    config = DistilBertConfig(**{**TINY, "n_layers": 3})
    model = DistilBertModel(config).eval()
    expected = DistilBertModel(config).eval()
    expected.load_state_dict(model.state_dict())
    # negative layers and heads index from the end, as Python lists (4.x's layer list) do; sets, tuples and
    # the string keys of a config.json work too
    model.prune_heads({-1: (0, -1), "0": {1}})
    expected.prune_heads({2: [0, 3], 0: [1]})
    assert model.config.pruned_heads == expected.config.pruned_heads == {0: [1], 2: [0, 3]}
    assert [layer.attention.n_heads for layer in model.transformer.layer] == [3, 4, 2]
    torch.testing.assert_close(
        outputs(model).last_hidden_state, outputs(expected).last_hidden_state, atol=0, rtol=0
    )
    with pytest.raises(ValueError, match="layer -4 does not exist"):
        model.prune_heads({-4: [0]})
    with pytest.raises(ValueError, match=r"heads 0\.\.3, not \[-5\]"):
        model.prune_heads({1: [-5]})


# ---- imports -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("package", ["distilbert", "auto"])
def test_classes_import_from_the_model_packages_as_in_transformers(package: str) -> None:
    import importlib

    ours = importlib.import_module(f"ferroformers.models.{package}")
    theirs = importlib.import_module(f"transformers.models.{package}")
    names = [n for n in ours.__all__]
    assert names and all(getattr(ours, n) is getattr(ferroformers, n) for n in names)
    # every transformers class of the package that ferroformers has is importable from the same place
    for name in dir(theirs):
        if name[:1].isupper() and hasattr(ferroformers, name) and not name.startswith(("TF", "Flax")):
            assert getattr(ours, name) is getattr(ferroformers, name), name
    if package == "distilbert":
        assert set(names) == {n for n in dir(theirs) if n.startswith("DistilBert")}
        from ferroformers.models.distilbert import DistilBertForMaskedLM, DistilBertTokenizerFast

        assert DistilBertForMaskedLM.__module__ == "ferroformers.models.distilbert.modeling_distilbert"
        assert DistilBertTokenizerFast is ferroformers.DistilBertTokenizerFast


@pytest.mark.parametrize(
    ("statement", "use"),
    [
        ("from ferroformers import TFDistilBertModel", "DistilBertModel"),
        ("from ferroformers import FlaxDistilBertForMaskedLM", "DistilBertForMaskedLM"),
        (
            "from ferroformers.models.distilbert import TFDistilBertForSequenceClassification",
            "DistilBertForSequenceClassification",
        ),
        (
            "from ferroformers.models.distilbert import FlaxDistilBertForQuestionAnswering",
            "DistilBertForQuestionAnswering",
        ),
        ("from ferroformers.models.distilbert import TFDistilBertMainLayer", "DistilBertModel"),
        ("from ferroformers.models.auto import TFAutoModelForMaskedLM", "AutoModelForMaskedLM"),
    ],
)
def test_tensorflow_and_flax_names_say_what_to_use(statement: str, use: str) -> None:
    framework = "Flax" if "Flax" in statement else "TensorFlow"
    with pytest.raises(
        ImportError, match=f"provides no {framework} models, only PyTorch ones; use the PyTorch class {use} "
    ):
        exec(statement)
    with pytest.raises(ImportError, match="cannot import name 'NoSuchModel'"):
        exec("from ferroformers.models.distilbert import NoSuchModel")
