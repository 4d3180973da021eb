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
    new_layer = nn.Linear(
        new_size[1], new_size[0], bias=bias is not None, device=layer.weight.device, dtype=layer.weight.dtype
    )
    new_layer.weight.requires_grad = False
    new_layer.weight.copy_(weight.contiguous())
    new_layer.weight.requires_grad = layer.weight.requires_grad
    if bias is not None:
        new_layer.bias.requires_grad = False
        new_layer.bias.copy_(bias.contiguous())
        new_layer.bias.requires_grad = layer.bias.requires_grad
    return new_layer


class Unpadding:
    """Where the real tokens of a padded batch are, to run per-token layers on them alone and pad back after.

    The same idea as transformers' `modeling_flash_attention_utils._unpad_input` / `_pad_input` (5.24): the real
    tokens of every sequence, one sequence after the other, and the offsets where each sequence starts.
    With `pack=False` (for torch.compile, whose graphs want shapes that do not depend on the data) the batch stays
    padded and only the result is the same: `pad` sets the padding positions to 0 (or `fill`).
    """

    def __init__(
        self, attention_mask: torch.Tensor, pack: bool = True
    ) -> None:  # (bs, seq_len): 1 token, 0 pad
        self.shape = tuple(attention_mask.shape)
        self.packed = pack
        self.keep = attention_mask.bool()  # (bs, seq_len)
        self.cu_seqlens: list[int] | None = None
        if pack:
            self.index = (
                self.keep.reshape(-1).nonzero().squeeze(1)
            )  # (n_tokens,) flat positions of real tokens
            # one host sync per batch: the lengths are needed as Python ints to slice each sequence
            self.cu_seqlens = [0, *self.keep.sum(1).cumsum(0).tolist()]  # (bs + 1,) start of each sequence

    def unpad(self, x: torch.Tensor) -> torch.Tensor:  # (bs, seq_len, ...) -> (n_tokens, ...)
        return x.reshape(-1, *x.shape[2:]).index_select(0, self.index) if self.packed else x

    def pad(self, x: torch.Tensor, fill: torch.Tensor | None = None) -> torch.Tensor:
        """(n_tokens, ...) -> (bs, seq_len, ...), with zeros (or `fill`, of shape x.shape[1:]) at padding."""
        if not self.packed:
            keep = self.keep.view(*self.shape, *([1] * (x.dim() - 2)))
            return torch.where(keep, x, 0.0 if fill is None else fill)
        n = self.shape[0] * self.shape[1]
        out = x.new_zeros(n, *x.shape[1:]) if fill is None else fill.expand(n, *x.shape[1:])
        return out.index_copy(0, self.index, x).view(*self.shape, *x.shape[1:])
