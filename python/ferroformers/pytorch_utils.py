"""Small PyTorch helpers shared by models: head pruning.

Mirrors transformers 4.x `pytorch_utils.prune_linear_layer` and `find_pruneable_heads_and_indices` (both removed
in 5.x together with head pruning, which ferroformers keeps).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from .utils.import_utils import require_torch

if TYPE_CHECKING:  # torch's own types; at run time a missing torch says how to install it
    import torch
    from torch import nn
else:
    torch = require_torch("ferroformers.pytorch_utils")
    nn = torch.nn


def find_pruneable_heads_and_indices(
    heads: Iterable[int], n_heads: int, head_size: int, already_pruned_heads: set[int]
) -> tuple[set[int], torch.Tensor]:
    """The heads still to prune (original numbering) and the feature indices of a layer to keep.

    `n_heads` is the number of heads left; head numbers are those of the unpruned layer.
    """
    heads = set(heads) - already_pruned_heads
    # on the CPU explicitly: models are also built under `torch.device("meta")`, where masks cannot index
    mask = torch.ones(n_heads, head_size, device="cpu")
    for head in heads:
        # a head's position among the remaining ones: shift it left by the pruned heads before it
        head = head - sum(1 if h < head else 0 for h in already_pruned_heads)
        mask[head] = 0
    index = torch.arange(len(mask.view(-1)), device="cpu")[mask.view(-1).eq(1)].long()
    return heads, index


def prune_linear_layer(layer: nn.Linear, index: torch.Tensor, dim: int = 0) -> nn.Linear:
    """A new Linear keeping only the entries of `index` along `dim` (0: output features, 1: input features)."""
    index = index.to(layer.weight.device)
    weight = layer.weight.index_select(dim, index).detach().clone()
    bias = None
    if layer.bias is not None:
        bias = (layer.bias if dim == 1 else layer.bias[index]).detach().clone()
    new_size = list(layer.weight.size())
    new_size[dim] = len(index)
    new_layer = nn.Linear(new_size[1], new_size[0], bias=bias is not None, device=layer.weight.device,
                          dtype=layer.weight.dtype)
    new_layer.weight.requires_grad = False
    new_layer.weight.copy_(weight.contiguous())
    new_layer.weight.requires_grad = layer.weight.requires_grad
    if bias is not None:
        new_layer.bias.requires_grad = False
        new_layer.bias.copy_(bias.contiguous())
        new_layer.bias.requires_grad = layer.bias.requires_grad
    return new_layer
