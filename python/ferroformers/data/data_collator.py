"""Data collators: a list of features (dataset items) -> one padded batch, with masking for masked-LM training.

Same names, fields, defaults and outputs as transformers' `data/data_collator.py` (5.x), so ported code changes
one import. `DataCollatorForLanguageModeling` gives **the same tensors as transformers' for the same features and
`seed`**: the masking draws the same random numbers, from the same generator, in the same order (see
`torch_mask_tokens`). Two things are faster and give the same values:

- padding a batch of plain ids (`input_ids` and the masks `tokenizer.pad` knows) is done on arrays, not row by
  row in Python, when the tokenizer is one of ours and keeps our `pad` (any other tokenizer: its own `pad`);
- the special-tokens mask of a formatted sequence is, per token, membership in the tokenizer's special ids
  (`get_special_tokens_mask(..., already_has_special_tokens=True)` in both libraries), so it is asked once for
  the vocabulary and looked up, instead of once per token of every batch.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np

InputDataClass = Any
DataCollator = Callable[[list[InputDataClass]], dict[str, Any]]

__all__ = ["DataCollator", "DataCollatorForLanguageModeling", "DataCollatorMixin", "DataCollatorWithPadding"]


class DataCollatorMixin:
    """`collator(features, return_tensors=None)`: "pt" -> `torch_call`, "np" -> `numpy_call`."""

    return_tensors: str

    def __call__(self, features: list[Any], return_tensors: str | None = None) -> Any:
        if return_tensors is None:
            return_tensors = self.return_tensors
        if return_tensors == "pt":
            return self.torch_call(features)
        if return_tensors == "np":
            return self.numpy_call(features)
        raise ValueError(f"return_tensors must be 'pt' or 'np', got {return_tensors!r}")

    def torch_call(self, features: list[Any]) -> Any:
        raise NotImplementedError

    def numpy_call(self, features: list[Any]) -> Any:
        raise NotImplementedError


# ---- padding ---------------------------------------------------------------------------------------------------


def _is_longest(padding: Any) -> bool:
    return padding is True or getattr(padding, "value", padding) == "longest"


def _rows_as_arrays(values: list[Any]) -> list[np.ndarray] | None:
    """1-D integer arrays for a column of rows (lists of ints, numpy arrays, CPU torch tensors), or None."""
    rows = []
    for value in values:
        if isinstance(value, np.ndarray):
            array = value
        elif isinstance(value, (list, tuple)):
            array = np.asarray(
                value
            )  # python ints -> int64; floats, objects or nested lists are left to `pad`
        elif hasattr(value, "detach") and value.device.type == "cpu":  # a torch tensor
            array = value.detach().numpy()
        else:
            return None
        if array.ndim != 1 or not (array.dtype.kind in "iu" or array.size == 0):
            return None
        rows.append(array)
    return rows


def _pad_arrays(
    tokenizer: Any, features: Sequence[Any], pad_to_multiple_of: int | None, return_tensors: str
) -> Any:
    """`tokenizer.pad(features, padding=True, pad_to_multiple_of=..., return_tensors=...)` computed on arrays,
    or None when that shortcut does not apply (then the caller asks `tokenizer.pad`, which is the definition).

    It applies to our tokenizers that keep our `pad` and `_pad`, and features that are dicts of 1-D integer rows under the
    keys `pad` fills: the main input with `pad_token_id`, `attention_mask` with 0 (added as ones when the model
    takes one and it is missing), `token_type_ids` with `pad_token_type_id`, `special_tokens_mask` with 1 -- the
    rule of `PreTrainedTokenizerBase._pad` here and in transformers."""
    from ..tokenization_utils_base import BatchEncoding, PreTrainedTokenizerBase

    cls = type(tokenizer)
    if (
        not isinstance(tokenizer, PreTrainedTokenizerBase)
        or cls.pad is not PreTrainedTokenizerBase.pad
        or cls._pad is not PreTrainedTokenizerBase._pad
    ):
        return None
    if (
        return_tensors not in ("pt", "np")
        or not features
        or not all(isinstance(f, (dict, Mapping)) for f in features)
    ):  # dict first: the fast isinstance check
        return None
    main = tokenizer.model_input_names[0]
    keys = list(features[0].keys())
    with_mask = "attention_mask" in tokenizer.model_input_names
    fills = {
        main: tokenizer.pad_token_id,
        "token_type_ids": tokenizer.pad_token_type_id,
        "special_tokens_mask": 1,
    }
    if with_mask:
        fills["attention_mask"] = 0
    if main not in keys or any(k not in fills for k in keys) or any(list(f.keys()) != keys for f in features):
        return None
    columns: dict[str, list[np.ndarray]] = {}
    for key in keys:
        rows = _rows_as_arrays([f[key] for f in features])
        if rows is None:
            return None
        columns[key] = rows
    lengths = np.array([len(r) for r in columns[main]], dtype=np.int64)
    if any(not np.array_equal([len(r) for r in rows], lengths) for rows in columns.values()):
        return None
    width = int(lengths.max())
    if width == 0:
        return None
    if pad_to_multiple_of is not None and width % pad_to_multiple_of != 0:
        width = (width // pad_to_multiple_of + 1) * pad_to_multiple_of
    padded = bool((lengths != width).any())
    left = tokenizer.padding_side == "left"
    if padded and (fills[main] is None or tokenizer.padding_side not in ("left", "right")):
        return None
    batch: dict[str, Any] = {}
    for key, rows in columns.items():
        if not padded:
            batch[key] = np.stack(rows).astype(np.int64, copy=False)
            continue
        out = np.full((len(rows), width), fills[key], dtype=np.int64)
        for i, row in enumerate(rows):
            if left:
                out[i, width - len(row) :] = row
            else:
                out[i, : len(row)] = row
        batch[key] = out
    if with_mask and "attention_mask" not in batch:  # ones on the tokens, zeros on the padding
        positions = np.arange(width)
        real = positions >= (width - lengths)[:, None] if left else positions < lengths[:, None]
        batch["attention_mask"] = real.astype(np.int64)
    if return_tensors == "pt":
        import torch

        batch = {k: torch.from_numpy(v) for k, v in batch.items()}
    return BatchEncoding(batch)


def _pad(
    tokenizer: Any,
    features: Sequence[Any],
    *,
    return_tensors: str,
    pad_to_multiple_of: int | None,
    padding: Any = True,
    max_length: int | None = None,
) -> Any:
    """What transformers' collators get from `pad_without_fast_tokenizer_warning(tokenizer, features, ...)`."""
    if _is_longest(padding) and max_length is None:
        batch = _pad_arrays(tokenizer, features, pad_to_multiple_of, return_tensors)
        if batch is not None:
            return batch
    # transformers' tokenizers warn that `pad` is slower than `__call__`; its collators silence that warning
    warned = getattr(tokenizer, "deprecation_warnings", None)
    key = "Asking-to-pad-a-fast-tokenizer"
    saved = warned.get(key, False) if warned is not None else None
    if warned is not None:
        warned[key] = True
    try:
        return tokenizer.pad(
            features,
            padding=padding,
            max_length=max_length,
            pad_to_multiple_of=pad_to_multiple_of,
            return_tensors=return_tensors,
        )
    finally:
        if warned is not None:
            warned[key] = saved


def _collate_ids(
    examples: list[Any], tokenizer: Any, pad_to_multiple_of: int | None, return_tensors: str
) -> Any:
    """Rows of ids (lists, numpy arrays or tensors) -> one (batch, length) tensor or array, padded on the
    tokenizer's side with its pad id when the lengths differ or are not a multiple of `pad_to_multiple_of`.

    transformers' `_torch_collate_batch` / `_numpy_collate_batch`: lists become int64 (and numpy rows too for
    "pt"); tensors and arrays otherwise keep their dtype. Unlike those, torch rows can be padded into numpy, and
    an empty row is left-padded correctly (they write it to `result[i, -0:]`, the whole row)."""
    if isinstance(examples[0], (list, tuple)) or (
        return_tensors == "pt" and isinstance(examples[0], np.ndarray)
    ):
        rows = [np.asarray(e, dtype=np.int64) for e in examples]
    else:
        rows = [_to_numpy(e) for e in examples]
    lengths = [len(row) for row in rows]
    width = max(lengths)
    if pad_to_multiple_of is not None and width % pad_to_multiple_of != 0:
        width = (width // pad_to_multiple_of + 1) * pad_to_multiple_of
    if all(n == width for n in lengths):
        result = np.stack(rows)
    else:
        if tokenizer.pad_token is None:
            raise ValueError(
                f"the examples have different lengths (or need pad_to_multiple_of) but the tokenizer "
                f"({type(tokenizer).__name__}) has no pad token; set one with tokenizer.pad_token = ..."
            )
        result = np.full((len(rows), width), tokenizer.pad_token_id, dtype=rows[0].dtype)
        for i, row in enumerate(rows):
            if tokenizer.padding_side == "right":
                result[i, : len(row)] = row
            else:
                result[i, width - len(row) :] = row
    if return_tensors == "pt":
        import torch

        return torch.from_numpy(result)
    return result


def _special_tokens_mask(tokenizer: Any, ids: np.ndarray, cache: dict[Any, np.ndarray]) -> np.ndarray:
    """`[tokenizer.get_special_tokens_mask(row, already_has_special_tokens=True) for row in ids]` as a bool array.

    The mask of a formatted sequence is per token (membership in the special ids, in both libraries), so it is
    asked once for the whole vocabulary and looked up; `cache` keeps that table while the vocabulary size and the
    special ids stay the same. Ids outside the vocabulary are asked for directly."""
    if ids.size == 0:
        return np.zeros(ids.shape, dtype=bool)
    key = (len(tokenizer), tuple(tokenizer.all_special_ids))
    table = cache.get(key)
    if table is None:
        cache.clear()
        table = cache[key] = np.asarray(
            tokenizer.get_special_tokens_mask(list(range(key[0])), already_has_special_tokens=True),
            dtype=bool,
        )
    if int(ids.min()) >= 0 and int(ids.max()) < len(table):
        return np.asarray(table[ids])
    distinct, inverse = np.unique(ids, return_inverse=True)
    flags = np.asarray(
        tokenizer.get_special_tokens_mask(distinct.tolist(), already_has_special_tokens=True), dtype=bool
    )
    return np.asarray(flags[inverse.reshape(-1)].reshape(ids.shape))


def _check_integer_ids(ids: Any) -> None:
    """The collated ids are integers (numpy or torch), else a TypeError; transformers would carry float ids on
    to the model's embedding."""
    name = str(ids.dtype).removeprefix("torch.")
    try:
        integer = np.dtype(name).kind in "iu"
    except TypeError:  # a torch dtype numpy does not have (bfloat16, ...)
        integer = False
    if not integer:
        raise TypeError(f"input_ids must hold integer ids, got {name}")


def _to_numpy(x: Any) -> np.ndarray:
    if isinstance(x, np.ndarray):
        return x
    if hasattr(x, "detach"):
        return np.asarray(x.detach().cpu().numpy())
    return np.array(x)


# ---- collators -------------------------------------------------------------------------------------------------


@dataclass
class DataCollatorWithPadding:
    """Pad a list of features (dicts from a tokenizer or a dataset) into a batch with `tokenizer.pad`.

    Args:
        tokenizer: our tokenizers or transformers'.
        padding: True / "longest" (default): to the longest row; "max_length": to `max_length` (or the model's
            maximum); False / "do_not_pad": no padding.
        max_length: the length for "max_length" padding.
        pad_to_multiple_of: round the padded length up to a multiple of this.
        return_tensors: "pt" or "np".

    A `label` or `label_ids` key comes back as `labels`.
    """

    tokenizer: Any
    padding: Any = True
    max_length: int | None = None
    pad_to_multiple_of: int | None = None
    return_tensors: str = "pt"

    def __call__(self, features: list[dict[str, Any]]) -> Any:
        if not features:
            raise ValueError("DataCollatorWithPadding got an empty list of features")
        batch = _pad(
            self.tokenizer,
            features,
            padding=self.padding,
            max_length=self.max_length,
            pad_to_multiple_of=self.pad_to_multiple_of,
            return_tensors=self.return_tensors,
        )
        for name in ("label", "label_ids"):
            if name in batch:
                batch["labels"] = batch[name]
                del batch[name]
        return batch


@dataclass
class DataCollatorForLanguageModeling(DataCollatorMixin):
    """Batches for language modeling: rows are padded to the longest (or a multiple of `pad_to_multiple_of`).

    With `mlm=True`, each non-special token is chosen with probability `mlm_probability`; a chosen token is
    replaced by the mask token with probability `mask_replace_prob`, else by a random token with probability
    `random_replace_prob / (1 - mask_replace_prob)`, else kept. `labels` hold the original id at chosen
    positions and -100 elsewhere. With `mlm=False` (causal LM), `labels` are the ids with padding set to -100.

    `whole_word_mask=True` chooses whole words (from `offset_mapping` in the features, as a fast tokenizer gives
    it); it replaces chosen tokens only by the mask token. Special tokens are never chosen: from a
    `special_tokens_mask` in the features, else from the tokenizer.

    `seed`: the masking draws from its own generator (a `torch.Generator` for "pt", a numpy `Generator` for "np")
    seeded with `seed`, or `seed + worker id` in a DataLoader worker; without a seed it draws from torch's (numpy's)
    global generator. Either way the draws are transformers' own, so the same features and seed give the same
    tensors as transformers' collator.
    """

    tokenizer: Any
    mlm: bool = True
    whole_word_mask: bool = False
    mlm_probability: float | None = 0.15
    mask_replace_prob: float = 0.8
    random_replace_prob: float = 0.1
    pad_to_multiple_of: int | None = None
    return_tensors: str = "pt"
    seed: int | None = None

    def __post_init__(self) -> None:
        if self.mlm:
            if self.tokenizer.mask_token is None:
                raise ValueError(
                    "the tokenizer has no mask token, which masked language modeling needs; pass "
                    "mlm=False to train a causal language model instead"
                )
            if self.mlm_probability is None or not 0 <= self.mlm_probability <= 1:
                raise ValueError(f"mlm_probability must be between 0 and 1, got {self.mlm_probability!r}")
            self.mlm_probability = float(self.mlm_probability)
        elif self.whole_word_mask:
            raise ValueError("whole_word_mask=True needs mlm=True")
        if self.mask_replace_prob + self.random_replace_prob > 1:
            raise ValueError(
                f"mask_replace_prob + random_replace_prob must not exceed 1, got "
                f"{self.mask_replace_prob} + {self.random_replace_prob}"
            )
        if not 0 <= self.mask_replace_prob <= 1:
            raise ValueError(f"mask_replace_prob must be between 0 and 1, got {self.mask_replace_prob}")
        if not 0 <= self.random_replace_prob <= 1:
            raise ValueError(f"random_replace_prob must be between 0 and 1, got {self.random_replace_prob}")
        if self.pad_to_multiple_of is not None and (
            isinstance(self.pad_to_multiple_of, bool)
            or not isinstance(self.pad_to_multiple_of, int)
            or self.pad_to_multiple_of < 1
        ):
            raise ValueError(
                f"pad_to_multiple_of must be a positive int or None, got {self.pad_to_multiple_of!r}"
            )
        if self.return_tensors not in ("pt", "np"):
            raise ValueError(f"return_tensors must be 'pt' or 'np', got {self.return_tensors!r}")
        if self.whole_word_mask:
            if not getattr(self.tokenizer, "is_fast", False):
                warnings.warn(
                    "whole_word_mask reads `offset_mapping`, which only fast tokenizers give",
                    UserWarning,
                    stacklevel=3,
                )
            if self.mask_replace_prob < 1:  # transformers does the same, with the same warning
                warnings.warn(
                    "whole_word_mask replaces chosen tokens by the mask token only: setting "
                    "mask_replace_prob=1, random_replace_prob=0",
                    UserWarning,
                    stacklevel=3,
                )
                self.mask_replace_prob, self.random_replace_prob = 1, 0
        self.mask_replace_prob = float(self.mask_replace_prob)
        self.random_replace_prob = float(self.random_replace_prob)
        self.generator: Any = None
        self._generator_pid: int | None = None
        self._special_table: dict[Any, np.ndarray] = {}  # see _special_tokens_mask

    def __getstate__(self) -> dict[str, Any]:
        # the generator is rebuilt from `seed` in every process (see create_rng), so it is never shipped
        return {**self.__dict__, "generator": None, "_generator_pid": None}

    # ---- the random generator: transformers' create_rng / get_generator -----------------------------------------
    def get_generator(self, seed: int, return_tensors: str | None = None) -> Any:
        if (return_tensors or self.return_tensors) == "pt":
            import torch

            return torch.Generator().manual_seed(seed)
        return np.random.default_rng(seed)

    def create_rng(self, return_tensors: str | None = None) -> None:
        """Seed the generator with `seed` in the main process, `seed + worker id` in a DataLoader worker."""
        assert self.seed is not None
        if mp.current_process().name == "MainProcess":
            self.generator = self.get_generator(self.seed, return_tensors)
        else:
            import torch

            worker_info = torch.utils.data.get_worker_info()
            if worker_info is None:
                raise ValueError(
                    "the collator runs in a child process that is not a torch DataLoader worker, so "
                    "its `seed` cannot be made unique per worker; use a DataLoader with workers or "
                    "a single process"
                )
            self.generator = self.get_generator(self.seed + worker_info.id, return_tensors)
        self._generator_pid = os.getpid()

    # ---- collating ------------------------------------------------------------------------------------------
    def torch_call(self, examples: list[Any]) -> Any:
        return self._collate(examples, "pt")

    def numpy_call(self, examples: list[Any]) -> Any:
        return self._collate(examples, "np")

    def _collate(self, examples: list[Any], return_tensors: str) -> Any:
        if not examples:
            raise ValueError("DataCollatorForLanguageModeling got an empty list of examples")
        if self.seed is not None:
            if return_tensors == "pt":
                import torch

                kind: type = torch.Generator
            else:
                kind = np.random.Generator
            if not isinstance(self.generator, kind) or self._generator_pid != os.getpid():
                self.create_rng(return_tensors)
        if isinstance(examples[0], Mapping):
            batch = _pad(
                self.tokenizer,
                examples,
                return_tensors=return_tensors,
                pad_to_multiple_of=self.pad_to_multiple_of,
            )
        else:
            batch = {
                "input_ids": _collate_ids(examples, self.tokenizer, self.pad_to_multiple_of, return_tensors)
            }
        _check_integer_ids(batch["input_ids"])
        special_tokens_mask = batch.pop("special_tokens_mask", None)
        offset_mapping = batch.pop("offset_mapping", None)
        if self.mlm:
            mask_tokens = self.torch_mask_tokens if return_tensors == "pt" else self.numpy_mask_tokens
            batch["input_ids"], batch["labels"] = mask_tokens(
                batch["input_ids"], special_tokens_mask=special_tokens_mask, offset_mapping=offset_mapping
            )
        else:
            labels = batch["input_ids"].clone() if return_tensors == "pt" else np.copy(batch["input_ids"])
            if self.tokenizer.pad_token_id is not None:
                labels[labels == self.tokenizer.pad_token_id] = -100
            batch["labels"] = labels
        return batch

    def _not_drawn(
        self, ids: np.ndarray, special_tokens_mask: Any, offset_mapping: Any
    ) -> tuple[np.ndarray | None, np.ndarray]:
        """(word ids or None, positions never chosen): special tokens (the given mask, else the tokenizer's),
        and with whole-word masking every token that continues a word."""
        if special_tokens_mask is None:
            no_mask = _special_tokens_mask(self.tokenizer, ids, self._special_table)
        else:
            no_mask = _to_numpy(special_tokens_mask).astype(bool)
        if not self.whole_word_mask:
            return None, no_mask
        return _word_ids_and_no_mask(_offsets(offset_mapping), no_mask)

    def torch_mask_tokens(
        self, inputs: Any, special_tokens_mask: Any | None = None, offset_mapping: Any | None = None
    ) -> tuple[Any, Any]:
        """Mask `inputs` in place; returns (inputs, labels).

        The draws, in order (transformers 5.x `DataCollatorForLanguageModeling.torch_mask_tokens`, whose random
        stream this reproduces exactly): one Bernoulli per position for "chosen"; one Bernoulli(mask_replace_prob)
        per position for "[MASK]"; unless every chosen token became [MASK] (mask_replace_prob == 1 or
        random_replace_prob == 0), one Bernoulli(scaled random_replace_prob) per position and one random id per
        position. Every draw covers the whole (batch, length) shape, so the stream does not depend on the ids."""
        import torch

        labels = inputs.clone()
        probability_matrix = torch.full(labels.shape, float(cast(float, self.mlm_probability)))
        word_ids, no_mask = self._not_drawn(_to_numpy(labels), special_tokens_mask, offset_mapping)
        probability_matrix.masked_fill_(torch.from_numpy(no_mask), value=0.0)
        masked_indices = torch.bernoulli(probability_matrix, generator=self.generator).bool()
        if word_ids is not None:
            masked_indices = torch.from_numpy(_whole_word_mask(word_ids, masked_indices.numpy()))
        labels[~masked_indices] = -100  # the loss is computed on chosen tokens only

        replaced = (
            torch.bernoulli(torch.full(labels.shape, self.mask_replace_prob), generator=self.generator).bool()
            & masked_indices
        )
        inputs[replaced] = self.tokenizer.convert_tokens_to_ids(self.tokenizer.mask_token)
        if self.mask_replace_prob == 1 or self.random_replace_prob == 0:
            return inputs, labels
        # of the chosen tokens not replaced by [MASK], the share that becomes a random token
        scaled = self.random_replace_prob / (1 - self.mask_replace_prob)
        randomized = (
            torch.bernoulli(torch.full(labels.shape, scaled), generator=self.generator).bool()
            & masked_indices
            & ~replaced
        )
        random_words = torch.randint(
            len(self.tokenizer), labels.shape, dtype=torch.long, generator=self.generator
        )
        inputs[randomized] = random_words[randomized]
        return inputs, labels  # the remaining chosen tokens are kept unchanged

    def numpy_mask_tokens(
        self, inputs: Any, special_tokens_mask: Any | None = None, offset_mapping: Any | None = None
    ) -> tuple[Any, Any]:
        """The numpy twin of `torch_mask_tokens` (transformers' `numpy_mask_tokens`: binomial(1, p) draws, and the
        random ids drawn only for the positions that take one)."""
        rng = self.generator if self.generator is not None else np.random
        labels = np.copy(inputs)
        probability_matrix = np.full(labels.shape, self.mlm_probability)
        word_ids, no_mask = self._not_drawn(labels, special_tokens_mask, offset_mapping)
        probability_matrix[no_mask] = 0
        masked_indices = rng.binomial(1, probability_matrix, size=probability_matrix.shape).astype(bool)
        if word_ids is not None:
            masked_indices = _whole_word_mask(word_ids, masked_indices)
        labels[~masked_indices] = -100

        replaced = rng.binomial(1, self.mask_replace_prob, size=labels.shape).astype(bool) & masked_indices
        inputs[replaced] = self.tokenizer.mask_token_id
        if self.mask_replace_prob == 1 or self.random_replace_prob == 0:
            return inputs, labels
        scaled = self.random_replace_prob / (1 - self.mask_replace_prob)
        randomized = rng.binomial(1, scaled, size=labels.shape).astype(bool) & masked_indices & ~replaced
        n = int(np.count_nonzero(randomized))
        if rng is np.random:
            random_words = np.random.randint(low=0, high=len(self.tokenizer), size=n, dtype=np.int64)
        else:
            random_words = rng.integers(low=0, high=len(self.tokenizer), size=n, dtype=np.int64)
        inputs[randomized] = random_words
        return inputs, labels


# ---- whole-word masking (transformers' _calc_word_ids_and_prob_mask and _whole_word_mask) ----------------------


def _offsets(offset_mapping: Any) -> np.ndarray:
    if offset_mapping is None:
        raise ValueError(
            "whole_word_mask=True needs `offset_mapping` in the features (tokenize with a fast "
            "tokenizer and return_offsets_mapping=True)"
        )
    return _to_numpy(offset_mapping)


def _word_ids_and_no_mask(offsets: np.ndarray, special: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Word ids per token (-1 on special tokens) from the character offsets, and the positions that are not
    drawn: every token that continues a word (a word is drawn through its first token)."""
    starts, ends = offsets[:, :, 0], offsets[:, :, 1]
    previous_end = np.roll(ends, 1, axis=1)
    previous_end[:, 0] = -1
    previous_special = np.roll(special, 1, axis=1)
    previous_special[:, 0] = False
    # a token starts a word when it is not special and does not touch the previous token (or that one is special)
    new_word = ~special & ((starts != previous_end) | previous_special)
    word_ids = np.cumsum(new_word, axis=1)
    word_ids[special] = -1
    return word_ids, ~new_word


def _whole_word_mask(word_ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Every token of a word whose first token was drawn."""
    valid = word_ids != -1
    same_word = (word_ids[:, :, None] == word_ids[:, None, :]) & valid[:, :, None] & valid[:, None, :]
    return np.asarray(np.any(same_word & mask[:, None, :], axis=2))
