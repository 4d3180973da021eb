"""`SequenceFeatureExtractor`: the base of audio feature extractors, with batch padding and truncation.

Mirrors transformers' `feature_extraction_sequence_utils.py` (5.24): the same settings (`feature_size`,
`sampling_rate`, `padding_value`, `padding_side`, `return_attention_mask`) and the same `pad()` semantics. Rows of
one float per time step (`feature_size=1`) are padded by the Rust kernel (rust/audio, `pad_normalize_audio`);
rows of feature vectors take the numpy path below, which is also the readable specification of the kernel.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np

from .configuration_utils import load_json
from .feature_extraction_utils import BatchFeature, FeatureExtractionMixin, pop_hub_kwargs
from .utils.hub import ResourceNotFoundError, cached_file

# transformers 5 saves a processor's sub-configs nested in this file; older exports have preprocessor_config.json
PROCESSOR_NAME = "processor_config.json"
_STRATEGIES = ("longest", "max_length", "do_not_pad")


def is_torch_tensor(value: Any) -> bool:
    """True for a torch.Tensor, without importing torch when the caller never did."""
    return type(value).__module__.startswith("torch") and hasattr(value, "detach")


def to_numpy(value: Any) -> np.ndarray:
    if is_torch_tensor(value):
        array: np.ndarray = value.detach().cpu().numpy()
        return array
    return np.asarray(value)


def padding_strategy(padding: bool | str | Any) -> str:
    """'longest', 'max_length' or 'do_not_pad' from `padding` (a bool, one of those strings, or an enum of them)."""
    if padding is True:
        return "longest"
    if padding is False or padding is None:
        return "do_not_pad"
    value = getattr(padding, "value", padding)  # transformers' PaddingStrategy enum
    if value not in _STRATEGIES:
        raise ValueError(
            f"padding must be True, False, 'longest', 'max_length' or 'do_not_pad', got {padding!r}"
        )
    return value


def _positive_int(name: str, value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{name} must be a positive integer or None, got {value!r}")
    return int(value)


def round_up(length: int, multiple: int | None) -> int:
    """`length` rounded up to a multiple of `multiple` (unchanged when None)."""
    if multiple is None or length % multiple == 0:
        return length
    return (length // multiple + 1) * multiple


def padding_plan(
    lengths: Sequence[int],
    padding: bool | str | Any,
    max_length: int | None,
    truncation: bool,
    pad_to_multiple_of: int | None,
) -> tuple[int | None, int | None]:
    """(truncate_to, pad_to) for clips of `lengths`, as transformers' `pad` decides them.

    Truncation cuts to `max_length` rounded up to `pad_to_multiple_of` (transformers 5.24 `_truncate`); padding
    'longest' pads to the longest (truncated) clip, 'max_length' to `max_length`, both rounded up to
    `pad_to_multiple_of`. A clip still longer than pad_to is not cut unless `truncation` is set. None: no limit.
    """
    strategy = padding_strategy(padding)
    max_length = _positive_int("max_length", max_length)
    pad_to_multiple_of = _positive_int("pad_to_multiple_of", pad_to_multiple_of)
    if strategy == "max_length" and max_length is None:
        raise ValueError("padding='max_length' needs max_length")
    truncate_to = None
    if truncation:
        if max_length is None:
            raise ValueError("truncation=True needs max_length")
        truncate_to = round_up(max_length, pad_to_multiple_of)
    if strategy == "do_not_pad":
        return truncate_to, None
    if strategy == "longest":
        longest = max(lengths, default=0)
        target = min(longest, truncate_to) if truncate_to is not None else longest
    else:
        assert max_length is not None
        target = max_length
    return truncate_to, round_up(target, pad_to_multiple_of)


def stack_rows(rows: list[np.ndarray]) -> np.ndarray | list[np.ndarray]:
    """One array when every row has the same shape, else the list (a ragged batch cannot be one array)."""
    if rows and all(r.shape == rows[0].shape for r in rows):
        return np.stack(rows)
    return rows


def split_flat(flat: np.ndarray, row_lens: Sequence[int]) -> np.ndarray | list[np.ndarray]:
    """Rows laid end to end in `flat`: a (batch, length) view when they have one length, else a list of views."""
    if len(set(row_lens)) <= 1:
        return flat.reshape(len(row_lens), row_lens[0] if row_lens else 0)
    return np.split(flat, np.cumsum(row_lens)[:-1])


class SequenceFeatureExtractor(FeatureExtractionMixin):
    """Settings shared by audio feature extractors, and `pad()` for batches of sequences.

    Args:
        feature_size: values per time step (1 for raw audio).
        sampling_rate: the rate (Hz) the model was trained on; audio at another rate is refused.
        padding_value: the value padding positions get.
        padding_side: 'right' (default) or 'left'.
        return_attention_mask: the default of `pad` / `__call__`'s `return_attention_mask`.
    """

    model_input_names: ClassVar[list[str]] = ["input_values", "attention_mask"]

    def __init__(
        self,
        feature_size: int,
        sampling_rate: int,
        padding_value: float | None,
        padding_side: str = "right",
        return_attention_mask: bool = True,
        **kwargs: Any,
    ) -> None:
        self.feature_size = feature_size
        self.sampling_rate = sampling_rate
        self.padding_value = padding_value
        self.padding_side = padding_side
        self.return_attention_mask = return_attention_mask
        super().__init__(**kwargs)
        self.validate()

    def validate(self) -> None:
        """Check every setting; errors name the setting and the value."""
        for name in ("feature_size", "sampling_rate"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        pv = self.padding_value
        if pv is not None and (
            isinstance(pv, bool) or not isinstance(pv, (int, float)) or not np.isfinite(pv)
        ):
            raise ValueError(f"padding_value must be a finite number or None, got {pv!r}")
        if self.padding_side not in ("right", "left"):
            raise ValueError(f"padding_side must be 'right' or 'left', got {self.padding_side!r}")
        if not isinstance(self.return_attention_mask, bool):
            raise ValueError(
                f"return_attention_mask must be True or False, got {self.return_attention_mask!r}"
            )

    def _padding_side(self, padding_side: str | None) -> str:
        side = self.padding_side if padding_side is None else padding_side
        if side not in ("right", "left"):
            raise ValueError(f"padding_side must be 'right' or 'left', got {side!r}")
        return side

    def _padding_value(self, pad_to: int | None) -> float:
        if pad_to is not None and self.padding_value is None:
            raise ValueError(
                "asked to pad but padding_value is None; set feature_extractor.padding_value (e.g. 0.0)"
            )
        return float(self.padding_value or 0.0)

    def pad(
        self,
        processed_features: Mapping[str, Any] | Sequence[Mapping[str, Any]],
        padding: bool | str = True,
        max_length: int | None = None,
        truncation: bool = False,
        pad_to_multiple_of: int | None = None,
        return_attention_mask: bool | None = None,
        return_tensors: str | None = None,
        padding_side: str | None = None,
    ) -> BatchFeature:
        """Pad (and truncate) a batch of sequences to one length, as transformers' `pad`.

        `processed_features` is a dict (or BatchFeature) of batches, keyed by `model_input_names[0]` and
        optionally "attention_mask", or a list of such dicts, one per example (a DataLoader `collate_fn`). The
        result holds numpy arrays, or torch tensors when the input was torch or `return_tensors='pt'`; a batch
        left ragged (no padding) stays a list of arrays unless `return_tensors` asks for one tensor.
        float64 rows become float32; the mask is int32.
        """
        if isinstance(processed_features, Sequence) and not isinstance(processed_features, (str, bytes)):
            examples = list(processed_features)
            if not examples or not all(isinstance(e, Mapping) for e in examples):
                raise ValueError(
                    "pad() takes a dict of batches or a non-empty list of dicts (one per example)"
                )
            processed_features = {key: [e[key] for e in examples] for key in examples[0].keys()}
        if not isinstance(processed_features, Mapping):
            raise ValueError(f"pad() takes a dict or BatchFeature, got {type(processed_features).__name__}")
        main = self.model_input_names[0]
        if main not in processed_features:
            raise ValueError(f"pad() needs {main!r} among the features, got keys {list(processed_features)}")
        features = dict(processed_features)
        batch = features[main]
        return_attention_mask = (
            self.return_attention_mask if return_attention_mask is None else return_attention_mask
        )
        if len(batch) == 0:
            out: dict[str, Any] = {main: []}
            if return_attention_mask:
                out["attention_mask"] = []
            return BatchFeature(out)
        if return_tensors is None:
            first = batch[0] if len(batch) else None
            return_tensors = "pt" if is_torch_tensor(batch) or is_torch_tensor(first) else "np"
            explicit = False
        else:
            explicit = True

        rows = []
        for i, row in enumerate(batch):
            array = to_numpy(row)
            if array.dtype == np.float64:
                array = array.astype(np.float32)
            if array.ndim != (1 if self.feature_size == 1 else 2):
                raise ValueError(
                    f"{main}[{i}] has shape {array.shape}; feature_size={self.feature_size} takes "
                    f"{'1-D rows' if self.feature_size == 1 else '2-D rows (frames, features)'}"
                )
            rows.append(array)
        masks = None
        if "attention_mask" in features:
            masks = [to_numpy(m).astype(np.int32) for m in features["attention_mask"]]
            if len(masks) != len(rows) or any(len(m) != len(r) for m, r in zip(masks, rows, strict=True)):
                raise ValueError("attention_mask must have one entry per frame of every example")
        for key, value in features.items():
            if key not in (main, "attention_mask") and len(value) != len(rows):
                raise ValueError(f"{key} has {len(value)} examples but {main} has {len(rows)}")
        truncate_to, pad_to = padding_plan(
            [len(r) for r in rows], padding, max_length, truncation, pad_to_multiple_of
        )
        side = self._padding_side(padding_side)
        padding_value = self._padding_value(pad_to)
        if truncate_to is not None:
            rows = [r[:truncate_to] for r in rows]
            masks = None if masks is None else [m[:truncate_to] for m in masks]

        with_mask = return_attention_mask or masks is not None
        if self.feature_size == 1 and masks is None and all(r.dtype == np.float32 and len(r) for r in rows):
            from ._native import pad_normalize_audio

            flat, flat_mask = pad_normalize_audio(
                [np.ascontiguousarray(r) for r in rows], pad_to, side, padding_value, "off", with_mask
            )
            row_lens = [max(len(r), pad_to or 0) for r in rows]
            features[main] = split_flat(flat, row_lens)
            if flat_mask is not None:
                features["attention_mask"] = split_flat(flat_mask, row_lens)
        else:
            padded, padded_masks = [], []
            for i, row in enumerate(rows):
                mask = masks[i] if masks is not None else np.ones(len(row), dtype=np.int32)
                missing = 0 if pad_to is None else max(pad_to - len(row), 0)
                before, after = (missing, 0) if side == "left" else (0, missing)
                widths = ((before, after),) + ((0, 0),) * (row.ndim - 1)
                padded.append(np.pad(row, widths, constant_values=padding_value))
                padded_masks.append(np.pad(mask, (before, after)))
            features[main] = stack_rows(padded)
            if with_mask:
                features["attention_mask"] = stack_rows(padded_masks)
        ragged = isinstance(features[main], list)
        return BatchFeature(features, tensor_type=None if ragged and not explicit else return_tensors)

    @classmethod
    def get_dict(
        cls, pretrained_model_name_or_path: str | os.PathLike[str], **kwargs: Any
    ) -> tuple[dict[str, Any], dict[str, Any], str]:
        """Settings from the "feature_extractor" entry of processor_config.json (transformers 5 layout) or else
        from preprocessor_config.json (transformers 4 layout), as transformers 5.24 looks them up."""
        hub = pop_hub_kwargs(kwargs)
        name = os.fspath(pretrained_model_name_or_path)
        if os.path.isfile(name):
            return load_json(name), kwargs, name
        processor_file = cached_file(name, PROCESSOR_NAME, required=False, **hub)
        if processor_file is not None:
            nested = load_json(processor_file).get("feature_extractor")
            if nested is not None:
                if not isinstance(nested, dict):
                    raise ValueError(f"{processor_file}: 'feature_extractor' must be a JSON object")
                return dict(nested), kwargs, processor_file
        path = cached_file(name, cls.config_name, required=False, **hub)
        if path is None:
            raise ResourceNotFoundError(
                f"{name!r} has neither {cls.config_name} nor a {PROCESSOR_NAME} with a 'feature_extractor' entry"
            )
        return load_json(path), kwargs, path
