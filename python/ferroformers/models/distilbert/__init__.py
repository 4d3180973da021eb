"""DistilBERT: configuration, tokenizers and PyTorch models, importable from here as from transformers'
`models.distilbert` (each imported on first use)."""

from __future__ import annotations

from ...utils.import_utils import lazy_getattr

_LAZY: dict[str, str] = {
    "DistilBertConfig": ".configuration_distilbert",
    "DistilBertTokenizer": ".tokenization_distilbert",
    "DistilBertTokenizerFast": ".tokenization_distilbert_fast",
    **dict.fromkeys(
        [
            "DistilBertPreTrainedModel",
            "DistilBertModel",
            "DistilBertForMaskedLM",
            "DistilBertForSequenceClassification",
            "DistilBertForQuestionAnswering",
            "DistilBertForTokenClassification",
            "DistilBertForMultipleChoice",
        ],
        ".modeling_distilbert",
    ),
}
__all__ = sorted(_LAZY)
__getattr__ = lazy_getattr(__name__, _LAZY)
