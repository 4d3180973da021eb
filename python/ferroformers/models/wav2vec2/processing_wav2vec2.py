"""`Wav2Vec2Processor`: a Wav2Vec2FeatureExtractor and a Wav2Vec2CTCTokenizer as one object, mirroring
transformers' `models/wav2vec2/processing_wav2vec2.py` (5.24): audio in -> input_values, text in -> labels
(the tokenizer's input_ids), CTC ids out -> text."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from ...feature_extraction_utils import BatchFeature
from ...processing_utils import ProcessorMixin

if TYPE_CHECKING:
    from .feature_extraction_wav2vec2 import Wav2Vec2FeatureExtractor
    from .tokenization_wav2vec2 import Wav2Vec2CTCTokenizer

# keywords transformers 5.24 routes to both the feature extractor and the tokenizer
_SHARED = ("padding", "max_length", "truncation", "pad_to_multiple_of", "return_tensors")
# tokenizer settings transformers 5.24 (`ProcessorMixin._merge_kwargs`, step 5) uses as call defaults for every
# modality, the feature extractor included ("Yes, we update all modalities with tokenizer defaults. This is no
# bug."): wav2vec2-base-960h's tokenizer_config.json carries "return_attention_mask": false, for instance
_TOKENIZER_DEFAULTS = ("padding", "max_length", "truncation", "pad_to_multiple_of", "return_attention_mask")


class Wav2Vec2Processor(ProcessorMixin):
    """Wraps a `Wav2Vec2FeatureExtractor` and a `Wav2Vec2CTCTokenizer`.

    `processor(audio=..., sampling_rate=16000)` gives the feature extractor's output; `processor(text=...)` the
    tokenizer's; both together give the features plus `labels` (the text's ids, padded with the pad token id when
    padding is asked for). `decode` / `batch_decode` are the tokenizer's CTC decoding.
    """

    attributes: ClassVar[list[str]] = ["feature_extractor", "tokenizer"]
    feature_extractor_class: ClassVar[str] = (
        "ferroformers.models.wav2vec2.feature_extraction_wav2vec2:Wav2Vec2FeatureExtractor"
    )
    tokenizer_class: ClassVar[str] = "ferroformers.models.wav2vec2.tokenization_wav2vec2:Wav2Vec2CTCTokenizer"
    feature_extractor: (
        Wav2Vec2FeatureExtractor  # set by ProcessorMixin.__init__, checked against the classes above
    )
    tokenizer: Wav2Vec2CTCTokenizer

    def __init__(self, feature_extractor: Any = None, tokenizer: Any = None) -> None:
        super().__init__(feature_extractor=feature_extractor, tokenizer=tokenizer)

    def __call__(
        self,
        audio: Any = None,
        text: str | list[str] | None = None,
        *,
        sampling_rate: int | None = None,
        return_attention_mask: bool | None = None,
        padding_side: str | None = None,
        **kwargs: Any,
    ) -> Any:
        """Featurize `audio` and/or tokenize `text`.

        padding, max_length, truncation, pad_to_multiple_of, return_tensors and return_attention_mask go to both
        (as in transformers); sampling_rate and padding_side to the feature extractor; any other keyword to the
        tokenizer (which rejects what it does not know). As in transformers 5.24, those of them saved in the
        tokenizer's config (tokenizer_config.json) are the defaults for both, so wav2vec2-base-960h's
        "return_attention_mask": false also applies to the features.
        """
        if audio is None and text is None:
            raise ValueError("pass audio=..., text=... or both")
        init = getattr(self.tokenizer, "init_kwargs", {})
        defaults = {k: init[k] for k in _TOKENIZER_DEFAULTS if k in init}
        if return_attention_mask is None:
            return_attention_mask = defaults.pop("return_attention_mask", None)
        else:
            defaults.pop("return_attention_mask", None)
        shared = {**defaults, **{k: kwargs.pop(k) for k in _SHARED if k in kwargs}}
        if return_attention_mask is not None and text is not None:
            kwargs["return_attention_mask"] = return_attention_mask
        inputs = encodings = None
        if audio is not None:
            inputs = self.feature_extractor(
                audio,
                sampling_rate=sampling_rate,
                return_attention_mask=return_attention_mask,
                padding_side=padding_side,
                **shared,
            )
        if text is not None:
            encodings = self.tokenizer(text, **shared, **kwargs)
        if inputs is None:
            return encodings
        if encodings is None:
            return inputs
        inputs["labels"] = encodings["input_ids"]
        return inputs

    def pad(self, *args: Any, **kwargs: Any) -> Any:
        """Pad features with the feature extractor's `pad` (the first argument or `input_features=`) and/or
        labels with the tokenizer's `pad` (`labels=`); with both, the padded label ids come back as "labels"."""
        input_features = kwargs.pop("input_features", None)
        labels = kwargs.pop("labels", None)
        if args:
            input_features, args = args[0], args[1:]
        if input_features is not None:
            input_features = self.feature_extractor.pad(input_features, *args, **kwargs)
        if labels is not None:
            labels = self.tokenizer.pad(labels, **kwargs)
        if labels is None:
            return input_features
        if input_features is None:
            return labels
        assert isinstance(input_features, BatchFeature)
        input_features["labels"] = labels["input_ids"]
        return input_features

    @property
    def model_input_names(self) -> list[str]:
        return [*self.feature_extractor.model_input_names, "labels"]
