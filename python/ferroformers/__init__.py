"""ferroformers: build Transformer architectures from a few base classes, with Rust-accelerated tokenizers
and preprocessing. The public names mirror `transformers`, so ported code changes one import.

`import ferroformers` is cheap: every public name below is imported on first use from the module that
defines it (one lazy table). Names that need PyTorch raise an ImportError that says how to install it.
"""

from __future__ import annotations

import importlib
from typing import Any

# public name -> module (relative to this package) that defines it
_LAZY: dict[str, str] = {
    # configurations
    "PretrainedConfig": "configuration_utils",
    "PreTrainedConfig": "configuration_utils",
    "DistilBertConfig": "models.distilbert.configuration_distilbert",
    "AutoConfig": "models.auto.configuration_auto",
    # tokenizers
    "PreTrainedTokenizerBase": "tokenization_utils_base",
    "BatchEncoding": "tokenization_utils_base",
    "AddedToken": "tokenization_utils_base",
    "PaddingStrategy": "tokenization_utils_base",
    "TruncationStrategy": "tokenization_utils_base",
    "TensorType": "tokenization_utils_base",
    "PreTrainedTokenizer": "tokenization_utils",
    "PreTrainedTokenizerFast": "tokenization_utils_fast",
    "BertTokenizer": "models.bert.tokenization_bert",
    "BertTokenizerFast": "models.bert.tokenization_bert_fast",
    "DistilBertTokenizer": "models.distilbert.tokenization_distilbert",
    "DistilBertTokenizerFast": "models.distilbert.tokenization_distilbert_fast",
    "AutoTokenizer": "models.auto.tokenization_auto",
    "WordPieceTrainer": "trainers",
    # audio: feature extractors, CTC tokenizer, processors
    "BatchFeature": "feature_extraction_utils",
    "SequenceFeatureExtractor": "feature_extraction_sequence_utils",
    "Wav2Vec2FeatureExtractor": "models.wav2vec2.feature_extraction_wav2vec2",
    "Wav2Vec2CTCTokenizer": "models.wav2vec2.tokenization_wav2vec2",
    "Wav2Vec2Processor": "models.wav2vec2.processing_wav2vec2",
    "ProcessorMixin": "processing_utils",
    "AutoFeatureExtractor": "models.auto.feature_extraction_auto",
    "AutoProcessor": "models.auto.processing_auto",
    # models (PyTorch)
    "PreTrainedModel": "modeling_utils",
    "DistilBertPreTrainedModel": "models.distilbert.modeling_distilbert",
    "DistilBertModel": "models.distilbert.modeling_distilbert",
    "DistilBertForMaskedLM": "models.distilbert.modeling_distilbert",
    "DistilBertForSequenceClassification": "models.distilbert.modeling_distilbert",
    "DistilBertForQuestionAnswering": "models.distilbert.modeling_distilbert",
    "DistilBertForTokenClassification": "models.distilbert.modeling_distilbert",
    "DistilBertForMultipleChoice": "models.distilbert.modeling_distilbert",
    "AutoModel": "models.auto.modeling_auto",
    "AutoModelForMaskedLM": "models.auto.modeling_auto",
    "AutoModelForSequenceClassification": "models.auto.modeling_auto",
    "AutoModelForQuestionAnswering": "models.auto.modeling_auto",
    "AutoModelForTokenClassification": "models.auto.modeling_auto",
    "AutoModelForMultipleChoice": "models.auto.modeling_auto",
    # data: collators (the dataset over `ferroformers tokenize` output is ferroformers.data.PackedTokenDataset)
    "DataCollatorForLanguageModeling": "data.data_collator",
    "DataCollatorWithPadding": "data.data_collator",
    # image processors
    "ImageProcessingMixin": "image_processing_utils",
    "BaseImageProcessor": "image_processing_utils",
    "ViTImageProcessor": "models.vit.image_processing_vit",
    "AutoImageProcessor": "models.auto.image_processing_auto",
    "ChannelDimension": "image_utils",
    "PILImageResampling": "image_utils",
    # hub resolution and errors
    "ResourceNotFoundError": "utils.hub",
    "TokenizerError": "errors",
    "TrainerError": "errors",
    "ImageProcessingError": "errors",
    "AudioProcessingError": "errors",
    "OutOfMemoryError": "errors",
}

__all__ = sorted([*_LAZY, "__version__"])


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from ._native import __version__

        return __version__
    module_name = _LAZY.get(name)
    if module_name is None:
        from .utils.import_utils import other_framework_error

        error = other_framework_error(name, _LAZY)  # TFDistilBertModel: "use DistilBertModel"
        if error is not None:
            raise error
        raise AttributeError(f"module 'ferroformers' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module_name}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
