"""What models return: dataclasses whose fields can also be read by position, like the tuples of old.

Mirrors transformers' `modeling_outputs.py` (5.24) over `ModelOutput` (utils/generic.py): `outputs.logits`,
`outputs["logits"]` and `outputs[0]` all work, and positions count only the fields that are set (not None), so
`outputs[0]` is the loss when labels were given and the logits otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .utils.generic import ModelOutput
from .utils.import_utils import require_torch

__all__ = [
    "BaseModelOutput",
    "MaskedLMOutput",
    "ModelOutput",
    "MultipleChoiceModelOutput",
    "QuestionAnsweringModelOutput",
    "SequenceClassifierOutput",
    "TokenClassifierOutput",
]

if TYPE_CHECKING:  # torch's own types; at run time a missing torch says how to install it
    import torch
else:
    torch = require_torch("ferroformers.modeling_outputs")


@dataclass
class BaseModelOutput(ModelOutput):
    last_hidden_state: torch.Tensor | None = None  # (bs, seq_len, dim)
    hidden_states: tuple[torch.Tensor, ...] | None = None  # embeddings + one per layer
    attentions: tuple[torch.Tensor, ...] | None = None  # one (bs, n_heads, seq_len, seq_len) per layer


@dataclass
class MaskedLMOutput(ModelOutput):
    loss: torch.Tensor | None = None
    logits: torch.Tensor | None = None  # (bs, seq_len, vocab_size)
    hidden_states: tuple[torch.Tensor, ...] | None = None
    attentions: tuple[torch.Tensor, ...] | None = None


@dataclass
class SequenceClassifierOutput(ModelOutput):
    loss: torch.Tensor | None = None
    logits: torch.Tensor | None = None  # (bs, num_labels)
    hidden_states: tuple[torch.Tensor, ...] | None = None
    attentions: tuple[torch.Tensor, ...] | None = None


@dataclass
class TokenClassifierOutput(ModelOutput):
    loss: torch.Tensor | None = None
    logits: torch.Tensor | None = None  # (bs, seq_len, num_labels)
    hidden_states: tuple[torch.Tensor, ...] | None = None
    attentions: tuple[torch.Tensor, ...] | None = None


@dataclass
class MultipleChoiceModelOutput(ModelOutput):
    loss: torch.Tensor | None = None
    logits: torch.Tensor | None = None  # (bs, num_choices)
    hidden_states: tuple[torch.Tensor, ...] | None = None
    attentions: tuple[torch.Tensor, ...] | None = None


@dataclass
class QuestionAnsweringModelOutput(ModelOutput):
    loss: torch.Tensor | None = None
    start_logits: torch.Tensor | None = None  # (bs, seq_len)
    end_logits: torch.Tensor | None = None  # (bs, seq_len)
    hidden_states: tuple[torch.Tensor, ...] | None = None
    attentions: tuple[torch.Tensor, ...] | None = None
