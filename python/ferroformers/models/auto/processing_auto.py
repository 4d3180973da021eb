"""`AutoProcessor`: the processor class named by a saved folder, mirroring transformers'
`models/auto/processing_auto.py` (5.24). The class comes from "processor_class" in processor_config.json,
preprocessor_config.json or tokenizer_config.json, else from config.json's model_type. A folder that names no
processor gives what transformers gives: its tokenizer if it has one, else its feature extractor."""

from __future__ import annotations

import importlib
import os
from typing import Any

from ...configuration_utils import load_json
from ...feature_extraction_sequence_utils import PROCESSOR_NAME
from ...feature_extraction_utils import FEATURE_EXTRACTOR_NAME, pop_hub_kwargs
from ...utils.hub import ResourceNotFoundError, cached_file
from .feature_extraction_auto import AutoFeatureExtractor

# processor_class -> (module, class); imported on first use
PROCESSOR_MAPPING_NAMES: dict[str, tuple[str, str]] = {
    "Wav2Vec2Processor": ("ferroformers.models.wav2vec2.processing_wav2vec2", "Wav2Vec2Processor"),
}
MODEL_TYPE_TO_PROCESSOR: dict[str, str] = {"wav2vec2": "Wav2Vec2Processor"}
# tokenizer_class -> (module, class), for folders that hold a tokenizer and no processor
TOKENIZER_MAPPING_NAMES: dict[str, tuple[str, str]] = {
    "Wav2Vec2CTCTokenizer": ("ferroformers.models.wav2vec2.tokenization_wav2vec2", "Wav2Vec2CTCTokenizer"),
}


def _load(table: dict[str, tuple[str, str]], name: str) -> Any:
    module, attr = table[name]
    return getattr(importlib.import_module(module), attr)


class AutoProcessor:
    """Not instantiable: use `AutoProcessor.from_pretrained`."""

    def __init__(self) -> None:
        raise OSError("AutoProcessor is not instantiable; use AutoProcessor.from_pretrained(...)")

    @staticmethod
    def from_pretrained(pretrained_model_name_or_path: str | os.PathLike[str], **kwargs: Any) -> Any:
        name = os.fspath(pretrained_model_name_or_path)
        hub = pop_hub_kwargs(kwargs)
        kwargs.update(hub)  # every loader below takes them (use_auth_token now as token)
        configs: dict[str, dict[str, Any]] = {}
        for filename in (PROCESSOR_NAME, FEATURE_EXTRACTOR_NAME, "tokenizer_config.json", "config.json"):
            path = cached_file(name, filename, required=False, **hub)
            if path is not None:
                configs[filename] = load_json(path)
        if not configs:
            raise ResourceNotFoundError(
                f"{name!r} has no processor_config.json, preprocessor_config.json, "
                "tokenizer_config.json or config.json"
            )
        for filename in (PROCESSOR_NAME, FEATURE_EXTRACTOR_NAME, "tokenizer_config.json"):
            processor_class = configs.get(filename, {}).get("processor_class")
            if processor_class is not None:
                if processor_class not in PROCESSOR_MAPPING_NAMES:
                    raise ValueError(
                        f"{name}/{filename}: unknown processor_class {processor_class!r}; "
                        f"known: {sorted(PROCESSOR_MAPPING_NAMES)}"
                    )
                return _load(PROCESSOR_MAPPING_NAMES, processor_class).from_pretrained(name, **kwargs)
        model_type = configs.get("config.json", {}).get("model_type")
        if model_type in MODEL_TYPE_TO_PROCESSOR:
            return _load(PROCESSOR_MAPPING_NAMES, MODEL_TYPE_TO_PROCESSOR[model_type]).from_pretrained(
                name, **kwargs
            )
        tokenizer_class = configs.get("tokenizer_config.json", {}).get("tokenizer_class")
        if tokenizer_class in TOKENIZER_MAPPING_NAMES:
            return _load(TOKENIZER_MAPPING_NAMES, tokenizer_class).from_pretrained(name, **kwargs)
        if FEATURE_EXTRACTOR_NAME in configs or PROCESSOR_NAME in configs:
            return AutoFeatureExtractor.from_pretrained(name, **kwargs)
        raise ValueError(
            f"{name!r} names no processor, tokenizer or feature extractor that ferroformers knows"
        )
