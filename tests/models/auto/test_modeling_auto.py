"""Auto model classes: the class comes from the checkpoint's model_type through a registry, never from code."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import pytest
from testing_utils import require_module

torch = require_module("torch")

import ferroformers  # noqa: E402
from ferroformers import (  # noqa: E402
    AutoModel,
    AutoModelForMaskedLM,
    AutoModelForMultipleChoice,
    AutoModelForQuestionAnswering,
    AutoModelForSequenceClassification,
    AutoModelForTokenClassification,
    DistilBertConfig,
    PretrainedConfig,
    PreTrainedModel,
)

TINY = dict(vocab_size=99, dim=32, n_layers=2, n_heads=4, hidden_dim=37, max_position_embeddings=64)
PAIRS = [
    (AutoModel, "DistilBertModel"),
    (AutoModelForMaskedLM, "DistilBertForMaskedLM"),
    (AutoModelForSequenceClassification, "DistilBertForSequenceClassification"),
    (AutoModelForQuestionAnswering, "DistilBertForQuestionAnswering"),
    (AutoModelForTokenClassification, "DistilBertForTokenClassification"),
    (AutoModelForMultipleChoice, "DistilBertForMultipleChoice"),
]


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("auto")
    torch.manual_seed(0)
    ferroformers.DistilBertForMaskedLM(DistilBertConfig(**TINY)).save_pretrained(path)
    return path


@pytest.mark.parametrize(("auto", "name"), PAIRS)
def test_auto_classes_pick_the_distilbert_class(folder: Path, auto: Any, name: str) -> None:
    model, info = auto.from_pretrained(folder, output_loading_info=True)
    assert type(model).__name__ == name and not model.training
    mlm_head = [
        "vocab_layer_norm.bias",
        "vocab_layer_norm.weight",
        "vocab_projector.bias",
        "vocab_transform.bias",
        "vocab_transform.weight",
    ]
    assert sorted(info["unexpected_keys"]) == ([] if name == "DistilBertForMaskedLM" else mlm_head)
    assert torch.equal(
        model.get_input_embeddings().weight,
        ferroformers.DistilBertForMaskedLM.from_pretrained(folder).get_input_embeddings().weight,
    )
    assert type(auto.from_config(DistilBertConfig(**TINY))).__name__ == name
    with pytest.raises(OSError, match="not instantiable"):
        auto()


def test_auto_passes_config_and_options(folder: Path) -> None:
    config = DistilBertConfig(**{**TINY, "num_labels": 5})
    model = AutoModelForSequenceClassification.from_pretrained(folder, config=config, torch_dtype="float64")
    assert model.classifier.out_features == 5 and model.dtype == torch.float64
    model = AutoModelForTokenClassification.from_pretrained(folder, num_labels=7)
    assert model.classifier.out_features == 7


def test_unknown_model_type_and_registry(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text('{"model_type": "nobody"}')
    with pytest.raises(ValueError, match="AutoModel has no model for model_type 'nobody'"):
        AutoModel.from_pretrained(tmp_path)
    (tmp_path / "config.json").write_text('{"dim": 3}')
    with pytest.raises(ValueError, match="no 'model_type' key"):
        AutoModel.from_pretrained(tmp_path)

    class TinyConfig(PretrainedConfig):
        model_type: ClassVar[str] = "tiny-test"

    class TinyModel(PreTrainedModel):
        config_class: ClassVar[type[PretrainedConfig]] = TinyConfig

        def __init__(self, config: TinyConfig) -> None:
            super().__init__(config)
            self.w = torch.nn.Linear(2, 2)
            self.post_init()

    with pytest.raises(ValueError, match="has no model for model_type 'tiny-test'"):
        AutoModel.from_config(TinyConfig())
    AutoModel.register(TinyConfig, TinyModel)
    try:
        assert type(AutoModel.from_config(TinyConfig())) is TinyModel
        with pytest.raises(ValueError, match="already has a model"):
            AutoModel.register(TinyConfig, TinyModel)
        with pytest.raises(ValueError, match="has no model for model_type 'tiny-test'"):
            AutoModelForMaskedLM.from_config(TinyConfig())  # each Auto class has its own registry
    finally:
        AutoModel._registered.pop("tiny-test")
    with pytest.raises(ValueError, match="config_class is not"):
        AutoModel.register(DistilBertConfig, TinyModel)
