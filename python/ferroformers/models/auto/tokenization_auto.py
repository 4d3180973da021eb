"""`AutoTokenizer`: the tokenizer class named by a checkpoint, fast by default.

Mirrors transformers 4.x `models/auto/tokenization_auto.py`: the class comes from `tokenizer_class` in
tokenizer_config.json, else from `model_type` in config.json; `use_fast=True` (the default) picks the Rust-backed
class, `use_fast=False` the pure Python one.
"""

from __future__ import annotations

import importlib
import os
from typing import Any

from ...configuration_utils import load_json
from ...tokenization_utils_base import TOKENIZER_CONFIG_FILE, PreTrainedTokenizerBase
from ...utils.hub import HUB_KWARGS, ResourceNotFoundError, bundled_folder, cached_file

# model_type -> (slow class, fast class)
TOKENIZER_MAPPING_NAMES: dict[str, tuple[str, str]] = {
    "bert": ("BertTokenizer", "BertTokenizerFast"),
    "distilbert": ("DistilBertTokenizer", "DistilBertTokenizerFast"),
    # character-level CTC vocabulary: there is no fast variant (as in transformers)
    "wav2vec2": ("Wav2Vec2CTCTokenizer", "Wav2Vec2CTCTokenizer"),
}
_MODULES = {
    "BertTokenizer": "ferroformers.models.bert.tokenization_bert",
    "BertTokenizerFast": "ferroformers.models.bert.tokenization_bert_fast",
    "DistilBertTokenizer": "ferroformers.models.distilbert.tokenization_distilbert",
    "DistilBertTokenizerFast": "ferroformers.models.distilbert.tokenization_distilbert_fast",
    "Wav2Vec2CTCTokenizer": "ferroformers.models.wav2vec2.tokenization_wav2vec2",
}
# the bundled files are bert-base-uncased's; these ids are DistilBERT checkpoints (their hub config.json says
# model_type "distilbert"), so their tokenizer class is DistilBERT's
_BUNDLED_MODEL_TYPE = {
    "distilbert-base-uncased": "distilbert",
    "distilbert/distilbert-base-uncased": "distilbert",
}


def tokenizer_class_from_name(class_name: str, *, source: str = "") -> type[PreTrainedTokenizerBase]:
    """The class called `class_name` ("BertTokenizer", "DistilBertTokenizerFast", ...)."""
    module = _MODULES.get(class_name)
    if module is None:
        where = f" (named in {source})" if source else ""
        raise ValueError(f"unknown tokenizer class {class_name!r}{where}; known: {sorted(_MODULES)}")
    cls: type[PreTrainedTokenizerBase] = getattr(importlib.import_module(module), class_name)
    return cls


class AutoTokenizer:
    """Not instantiable: use `AutoTokenizer.from_pretrained`."""

    def __init__(self) -> None:
        raise OSError("AutoTokenizer is not instantiable; use AutoTokenizer.from_pretrained(...)")

    @staticmethod
    def from_pretrained(
        pretrained_model_name_or_path: str | os.PathLike[str],
        *inputs: Any,
        use_fast: bool = True,
        tokenizer_type: str | None = None,
        **kwargs: Any,
    ) -> Any:
        """Load the tokenizer of a folder or hub id. `tokenizer_type` (a model_type such as "bert") overrides
        what the files say. Other keyword arguments go to the class's `from_pretrained`."""
        name = os.fspath(pretrained_model_name_or_path)
        hub = {k: kwargs[k] for k in HUB_KWARGS if k in kwargs}
        if kwargs.get("use_auth_token") is not None and hub.get("token") is None:
            hub["token"] = kwargs["use_auth_token"]  # its deprecated name: the class's from_pretrained warns
        if tokenizer_type is not None:
            if tokenizer_type not in TOKENIZER_MAPPING_NAMES:
                raise ValueError(
                    f"unknown tokenizer_type {tokenizer_type!r}; known: {sorted(TOKENIZER_MAPPING_NAMES)}"
                )
            slow, fast = TOKENIZER_MAPPING_NAMES[tokenizer_type]
            class_name = fast if use_fast else slow
        else:
            class_name = _class_name_of(name, hub, use_fast)
        cls = tokenizer_class_from_name(class_name, source=name)
        return cls.from_pretrained(name, *inputs, **kwargs)


def _class_name_of(name: str, hub: dict[str, Any], use_fast: bool) -> str:
    def read(folder_or_id: str, filename: str, **options: Any) -> dict[str, Any]:
        path = cached_file(folder_or_id, filename, required=False, **options)
        return load_json(path) if path else {}

    bundled = bundled_folder(name)
    if bundled is not None:  # as in _resolve_files: the hub cache only, never the network
        hub = {**hub, "local_files_only": True}
    try:
        config = read(name, TOKENIZER_CONFIG_FILE, **hub)
        class_name = config.get("tokenizer_class")
        model_type = None if class_name else read(name, "config.json", **hub).get("model_type")
    except ResourceNotFoundError:
        if bundled is None:
            raise
        class_name = model_type = None
    if not class_name and not model_type and bundled is not None:
        model_type = _BUNDLED_MODEL_TYPE.get(name)
        if model_type is None:
            class_name = read(bundled, TOKENIZER_CONFIG_FILE).get("tokenizer_class")
    if class_name:
        if not isinstance(class_name, str):
            raise ValueError(
                f"{name}: tokenizer_config.json: tokenizer_class must be a string, got {class_name!r}"
            )
        base = class_name.removesuffix("Fast")
        # as transformers: the fast class when asked for and there is one, else the slow class
        return base + "Fast" if use_fast and base + "Fast" in _MODULES else base
    if model_type:
        if model_type not in TOKENIZER_MAPPING_NAMES:
            raise ValueError(
                f"{name}: no tokenizer for model_type {model_type!r}; "
                f"known: {sorted(TOKENIZER_MAPPING_NAMES)}"
            )
        slow, fast = TOKENIZER_MAPPING_NAMES[model_type]
        return fast if use_fast else slow
    raise ValueError(
        f"{name!r}: cannot tell the tokenizer class: no tokenizer_class in tokenizer_config.json "
        "and no model_type in config.json; load it with the tokenizer's own class"
    )
