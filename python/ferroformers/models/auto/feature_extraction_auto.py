"""`AutoFeatureExtractor`: the feature-extractor class named by a saved config, mirroring transformers'
`models/auto/feature_extraction_auto.py` (5.24): the settings come from the "feature_extractor" entry of
processor_config.json (transformers 5) or from preprocessor_config.json (transformers 4), the class from their
"feature_extractor_type" (or, failing that, from config.json's model_type)."""

from __future__ import annotations

import importlib
import os
from typing import Any

from ...configuration_utils import load_json
from ...feature_extraction_sequence_utils import SequenceFeatureExtractor
from ...feature_extraction_utils import pop_hub_kwargs
from ...utils.hub import cached_file

# feature_extractor_type -> (module, class); imported on first use
FEATURE_EXTRACTOR_MAPPING_NAMES: dict[str, tuple[str, str]] = {
    "Wav2Vec2FeatureExtractor": (
        "ferroformers.models.wav2vec2.feature_extraction_wav2vec2",
        "Wav2Vec2FeatureExtractor",
    ),
}
# config.json model_type -> feature_extractor_type, for folders whose preprocessor config does not name its class
MODEL_TYPE_TO_FEATURE_EXTRACTOR: dict[str, str] = {"wav2vec2": "Wav2Vec2FeatureExtractor"}


def feature_extractor_class_from_name(name: str, *, source: str = "") -> type[SequenceFeatureExtractor]:
    if name not in FEATURE_EXTRACTOR_MAPPING_NAMES:
        where = f" (in {source})" if source else ""
        raise ValueError(
            f"unknown feature_extractor_type {name!r}{where}; known: {sorted(FEATURE_EXTRACTOR_MAPPING_NAMES)}"
        )
    module, attr = FEATURE_EXTRACTOR_MAPPING_NAMES[name]
    cls: type[SequenceFeatureExtractor] = getattr(importlib.import_module(module), attr)
    return cls


def _model_type(name: str, hub: dict[str, Any]) -> str | None:
    path = cached_file(name, "config.json", required=False, **hub) if not os.path.isfile(name) else None
    return load_json(path).get("model_type") if path else None


class AutoFeatureExtractor:
    """Not instantiable: use `AutoFeatureExtractor.from_pretrained`."""

    def __init__(self) -> None:
        raise OSError(
            "AutoFeatureExtractor is not instantiable; use AutoFeatureExtractor.from_pretrained(...)"
        )

    @staticmethod
    def from_pretrained(
        pretrained_model_name_or_path: str | os.PathLike[str], **kwargs: Any
    ) -> SequenceFeatureExtractor:
        name = os.fspath(pretrained_model_name_or_path)
        hub = pop_hub_kwargs(kwargs)
        data, rest, path = SequenceFeatureExtractor.get_dict(name, **hub, **kwargs)
        type_name = data.get("feature_extractor_type")
        if type_name is None:
            model_type = _model_type(name, hub)
            type_name = MODEL_TYPE_TO_FEATURE_EXTRACTOR.get(model_type or "")
            if type_name is None:
                raise ValueError(
                    f"{path}: no 'feature_extractor_type', and no config.json model_type that names "
                    "one; load it with the feature extractor's own class"
                )
        cls = feature_extractor_class_from_name(type_name, source=path)
        try:
            return cls.from_dict(data, **rest)  # type: ignore[return-value]
        except (TypeError, ValueError) as e:
            raise type(e)(f"{path}: {e}") from None
