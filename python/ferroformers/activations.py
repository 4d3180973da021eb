"""Activation functions by the names configurations use (`config.activation`, `hidden_act`).

Mirrors transformers' `activations.py` (5.24, same formulas as 4.x) for the names DistilBertConfig accepts, so a
checkpoint gives the same numbers here and there.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from .utils.import_utils import require_torch

if TYPE_CHECKING:  # torch's own types; at run time a missing torch says how to install it
    import torch
    from torch import nn
else:
    torch = require_torch("ferroformers.activations")
    nn = torch.nn


class NewGELUActivation(nn.Module):
    """The tanh approximation of GELU written out as in Google BERT's code ("gelu_new")."""

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        return (
            0.5
            * input
            * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (input + 0.044715 * torch.pow(input, 3.0))))
        )


class FastGELUActivation(nn.Module):
    """Another spelling of the tanh approximation ("gelu_fast"); rounds differently from gelu_new."""

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        return 0.5 * input * (1.0 + torch.tanh(input * 0.7978845608 * (1.0 + 0.044715 * input * input)))


class QuickGELUActivation(nn.Module):
    """x * sigmoid(1.702 x) ("quick_gelu")."""

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        return input * torch.sigmoid(1.702 * input)


class GELUTanh(nn.Module):
    """PyTorch's fused tanh approximation ("gelu_pytorch_tanh")."""

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        return nn.functional.gelu(input, approximate="tanh")


ACT2CLS: dict[str, type[nn.Module]] = {
    "gelu": nn.GELU,
    "gelu_new": NewGELUActivation,
    "gelu_fast": FastGELUActivation,
    "gelu_pytorch_tanh": GELUTanh,
    "quick_gelu": QuickGELUActivation,
    "relu": nn.ReLU,
    "silu": nn.SiLU,
    "swish": nn.SiLU,
    "mish": nn.Mish,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "linear": nn.Identity,
}


def get_activation(name: str) -> nn.Module:
    """A new module computing the activation called `name`; a KeyError lists the known names."""
    try:
        return ACT2CLS[name]()
    except KeyError:
        raise KeyError(f"activation {name!r} is not known; choose one of {sorted(ACT2CLS)}") from None
