"""`Wav2Vec2FeatureExtractor`: raw 16 kHz mono speech to `input_values` (padded, zero-mean unit-variance).

Mirrors transformers' `models/wav2vec2/feature_extraction_wav2vec2.py` (5.24). Padding and normalization run
in one pass of the Rust kernel (rust/audio, via `ferroformers._native.pad_normalize_audio`), in parallel over the
batch with the GIL released, and match transformers to the bit (see rust/audio/stats.rs for how numpy sums).
`zero_mean_unit_var_norm` below is the readable numpy twin of the kernel.
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar

import numpy as np

from ...feature_extraction_sequence_utils import (
    SequenceFeatureExtractor,
    is_torch_tensor,
    padding_plan,
    padding_strategy,
    split_flat,
    to_numpy,
)
from ...feature_extraction_utils import BatchFeature

logger = logging.getLogger(__name__)


def _as_clips(raw_speech: Any) -> list[Any]:
    """The batch as a list of clips, with transformers' rules: a 2-D array is a batch of rows, a list or tuple
    whose first item is itself a sequence or array is a batch, anything else is one clip. (A torch tensor is
    treated like the numpy array it converts to; transformers 5.24 would wrap a 2-D tensor as one clip.)"""
    if isinstance(raw_speech, (str, bytes)):
        raise TypeError(
            "raw_speech must be audio samples (an array, a list of floats or a batch of them), "
            "not a string; load the file first"
        )
    if is_torch_tensor(raw_speech):
        raw_speech = to_numpy(raw_speech)
    if isinstance(raw_speech, np.ndarray):
        if raw_speech.ndim == 0:
            raise TypeError("raw_speech is a scalar; pass a 1-D array of samples")
        if raw_speech.ndim > 2:
            raise ValueError(
                f"raw_speech has shape {raw_speech.shape}: only mono audio is supported "
                "(a 1-D clip or a 2-D batch of clips, one sample per time step)"
            )
        return list(raw_speech) if raw_speech.ndim == 2 else [raw_speech]
    if isinstance(raw_speech, (list, tuple)):
        if len(raw_speech) == 0:
            raise ValueError("raw_speech is empty: pass at least one clip")
        first = raw_speech[0]
        if isinstance(first, (np.ndarray, list, tuple)) or is_torch_tensor(first):
            return list(raw_speech)
        return [raw_speech]
    raise TypeError(
        f"raw_speech must be a numpy array, a torch tensor, a list of floats or a batch of those, "
        f"got {type(raw_speech).__name__}"
    )


def _mono_float32(clip: Any, index: int) -> np.ndarray:
    """One clip as a contiguous 1-D float32 array. Integer PCM (e.g. int16) is converted value for value: the
    normalization makes the scale irrelevant, and transformers' float64 output for it was an accident."""
    array = to_numpy(clip)
    if array.dtype == object:
        try:
            array = array.astype(np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"clip {index} holds values that are not numbers") from None
    if array.dtype.kind not in "iuf":
        raise TypeError(f"clip {index} has dtype {array.dtype}; audio samples must be integers or floats")
    if array.ndim != 1:
        raise ValueError(
            f"clip {index} has shape {array.shape}: Wav2Vec2FeatureExtractor (feature_size=1) takes mono audio, one "
            "sample per time step; mix multi-channel audio down first (e.g. x.mean(axis=1) for (time, channels))"
        )
    if array.size == 0:
        raise ValueError(f"clip {index} is empty")
    return np.ascontiguousarray(array, dtype=np.float32)


class Wav2Vec2FeatureExtractor(SequenceFeatureExtractor):
    """Wav2Vec2's feature extractor: pads a batch of mono clips and normalizes each to zero mean, unit variance.

    Args:
        feature_size: must be 1 (raw audio, one sample per time step).
        sampling_rate: 16000 for every published wav2vec2 checkpoint; other rates are refused in `__call__`.
        padding_value: the value of padding samples (0.0).
        return_attention_mask: whether `__call__` returns `attention_mask` by default. Checkpoints with
            `feat_extract_norm == "group"` (wav2vec2-base) were trained without one: pad with zeros and pass no
            mask. "layer" checkpoints (wav2vec2-lv60) want the mask for batched input.
        do_normalize: zero-mean unit-variance normalize each clip.
        padding_side: 'right' (default) or 'left'.

    Normalization (transformers-compatible, to the bit): without an attention mask (the default), a padded row
    is normalized as a whole, padding included, which is what transformers documents and does. With an
    attention mask, mean and variance come from the clip's own samples and the padding keeps `padding_value`.

    Where transformers 5.24 is wrong, this class differs on purpose:
      - padding_side='left' with an attention mask: transformers computes the statistics over the first
        `length` positions (mostly padding) and then overwrites the *last* positions, the real audio, with
        `padding_value`. Here the clip is normalized over its own samples wherever it sits.
      - integer input (int16 PCM): transformers returns float64 (and, without normalization, the integers
        unchanged); here the output is always float32.
      - a NaN/inf sample, an empty clip or a multi-channel clip is an error naming the clip, not NaN output.
    """

    model_input_names: ClassVar[list[str]] = ["input_values", "attention_mask"]

    def __init__(
        self,
        feature_size: int = 1,
        sampling_rate: int = 16000,
        padding_value: float = 0.0,
        return_attention_mask: bool = False,
        do_normalize: bool = True,
        **kwargs: Any,
    ) -> None:
        self.do_normalize = do_normalize
        super().__init__(
            feature_size=feature_size,
            sampling_rate=sampling_rate,
            padding_value=padding_value,
            return_attention_mask=return_attention_mask,
            **kwargs,
        )

    def validate(self) -> None:
        super().validate()
        if self.feature_size != 1:
            raise ValueError(
                f"Wav2Vec2FeatureExtractor takes raw mono audio: feature_size must be 1, "
                f"got {self.feature_size}"
            )
        if not isinstance(self.do_normalize, bool):
            raise ValueError(f"do_normalize must be True or False, got {self.do_normalize!r}")

    @staticmethod
    def zero_mean_unit_var_norm(
        input_values: list[np.ndarray], attention_mask: list[np.ndarray] | None, padding_value: float = 0.0
    ) -> list[np.ndarray]:
        """Numpy twin of the Rust kernel (rust/audio `pad_batch`): each float32 row minus its mean, over
        sqrt(var + 1e-7). With `attention_mask`, the statistics come from the masked-in samples and the others
        are set to `padding_value` (for right padding exactly transformers' result; for left padding the fix
        described in the class docstring)."""
        if attention_mask is None:
            return [(x - x.mean()) / np.sqrt(x.var() + 1e-7) for x in input_values]
        out = []
        for x, mask in zip(input_values, attention_mask, strict=True):
            keep = np.asarray(mask, dtype=bool)
            clip = x[keep]
            normed = (x - clip.mean()) / np.sqrt(clip.var() + 1e-7)
            normed[~keep] = padding_value
            out.append(normed)
        return out

    def __call__(
        self,
        raw_speech: Any,
        padding: bool | str = False,
        max_length: int | None = None,
        truncation: bool = False,
        pad_to_multiple_of: int | None = None,
        return_attention_mask: bool | None = None,
        return_tensors: str | None = None,
        sampling_rate: int | None = None,
        padding_side: str | None = None,
    ) -> BatchFeature:
        """Featurize one clip or a batch: `input_values` (float32) and, if asked, `attention_mask` (int32).

        Args:
            raw_speech: a 1-D array / list of floats / torch tensor (one clip), or a 2-D array or a list of
                those (a batch). float64 and integer samples are converted to float32.
            padding: True or 'longest' (pad to the longest clip), 'max_length' (pad to `max_length`), False
                or 'do_not_pad' (default: clips keep their lengths).
            max_length: the padding length for 'max_length' and the truncation length.
            truncation: cut clips longer than `max_length` (rounded up to `pad_to_multiple_of`).
            pad_to_multiple_of: round the padded length up to a multiple of this.
            return_attention_mask: default `self.return_attention_mask`.
            return_tensors: None (a list with one float32 array per clip), 'np' (one 2-D array) or 'pt'.
            sampling_rate: the rate of `raw_speech`; a different rate than the extractor's is an error
                (resample first). Pass it: without it nothing can be checked, and a warning is logged.
            padding_side: override `self.padding_side` for this call.
        """
        if sampling_rate is not None:
            if sampling_rate != self.sampling_rate:
                raise ValueError(
                    f"raw_speech was sampled at {sampling_rate} Hz but this feature extractor expects "
                    f"{self.sampling_rate} Hz (the rate its model was trained on); resample the audio first"
                )
        else:
            logger.warning(
                "pass sampling_rate to %s() so that audio at the wrong rate is caught", type(self).__name__
            )
        clips = [_mono_float32(c, i) for i, c in enumerate(_as_clips(raw_speech))]
        truncate_to, pad_to = padding_plan(
            [len(c) for c in clips], padding, max_length, truncation, pad_to_multiple_of
        )
        if truncate_to is not None:
            clips = [c[:truncate_to] for c in clips]
        side = self._padding_side(padding_side)
        padding_value = self._padding_value(pad_to)
        return_attention_mask = (
            self.return_attention_mask if return_attention_mask is None else return_attention_mask
        )
        if not self.do_normalize:
            mode = "off"
        elif return_attention_mask and padding_strategy(padding) != "do_not_pad":
            mode = "clip"
        else:
            mode = "padded_row"

        from ..._native import pad_normalize_audio

        flat, flat_mask = pad_normalize_audio(clips, pad_to, side, padding_value, mode, return_attention_mask)
        row_lens = [max(len(c), pad_to or 0) for c in clips]
        data: dict[str, Any] = {"input_values": split_flat(flat, row_lens)}
        if flat_mask is not None:
            data["attention_mask"] = split_flat(flat_mask, row_lens)
        if return_tensors is None:
            # transformers returns one array per clip here
            data = {key: list(value) for key, value in data.items()}
        return BatchFeature(data, tensor_type=return_tensors)
