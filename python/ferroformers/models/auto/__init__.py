"""Auto classes: pick the concrete class from `model_type`. Importable from here as from transformers'
`models.auto` (each imported on first use)."""

from __future__ import annotations

from ...utils.import_utils import lazy_getattr

_LAZY: dict[str, str] = {
    "AutoConfig": ".configuration_auto",
    "AutoTokenizer": ".tokenization_auto",
    "AutoFeatureExtractor": ".feature_extraction_auto",
    "AutoImageProcessor": ".image_processing_auto",
    "AutoProcessor": ".processing_auto",
    **dict.fromkeys(
        [
            "AutoModel",
            "AutoModelForMaskedLM",
            "AutoModelForSequenceClassification",
            "AutoModelForQuestionAnswering",
            "AutoModelForTokenClassification",
            "AutoModelForMultipleChoice",
        ],
        ".modeling_auto",
    ),
}
__all__ = sorted(_LAZY)
__getattr__ = lazy_getattr(__name__, _LAZY)
