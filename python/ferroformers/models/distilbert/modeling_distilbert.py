"""PyTorch DistilBERT, in one file that reads top-down: embeddings → attention → FFN → block → transformer →
model → heads.

Mirrors transformers' `models/distilbert/modeling_distilbert.py` (5.24; numerics and parameter names as in 4.x):
attribute names are the Hugging Face checkpoint keys (`q_lin`, `sa_layer_norm`, `vocab_projector`), so a
checkpoint loads with no renaming. Kept from 4.x, which 5.x dropped: `head_mask`, head pruning, `output_attentions`
with the default (SDPA) attention, frozen sinusoidal position embeddings. Beyond transformers: a batch with padding
runs its real tokens only (`DistilBertModel`; docs/compatibility.md has the rule at padding positions).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, cast

import numpy as np

from ...activations import get_activation
from ...modeling_outputs import (
    BaseModelOutput,
    MaskedLMOutput,
    MultipleChoiceModelOutput,
    QuestionAnsweringModelOutput,
    SequenceClassifierOutput,
    TokenClassifierOutput,
)
from ...modeling_utils import PreTrainedModel
from ...pytorch_utils import Unpadding, find_pruneable_heads_and_indices, prune_linear_layer
from ...utils.import_utils import require_torch
from .configuration_distilbert import DistilBertConfig

if TYPE_CHECKING:  # torch's own types; at run time a missing torch says how to install it
    import torch
    from torch import nn
    from torch.nn import functional as F
else:
    torch = require_torch("DistilBERT models")
    nn = torch.nn
    F = torch.nn.functional


def create_sinusoidal_embeddings(n_pos: int, dim: int, out: torch.Tensor) -> None:
    """Fill `out` (n_pos, dim) with the fixed sin/cos table of "Attention is all you need" (float64, then cast)."""
    # vectorised form of transformers' table (the same float64 operations, so the same bits)
    position_enc = np.arange(n_pos, dtype=np.float64)[:, None] / np.power(
        10000, 2 * (np.arange(dim) // 2) / dim
    )
    with torch.no_grad():
        out[:, 0::2] = torch.tensor(np.sin(position_enc[:, 0::2]), dtype=torch.float32)
        out[:, 1::2] = torch.tensor(np.cos(position_enc[:, 1::2]), dtype=torch.float32)


# ---- embeddings ------------------------------------------------------------------------------------------


class Embeddings(nn.Module):
    def __init__(self, config: DistilBertConfig) -> None:
        super().__init__()
        self.vocab_size = config.vocab_size
        self.max_position_embeddings = config.max_position_embeddings
        self.word_embeddings = nn.Embedding(config.vocab_size, config.dim, padding_idx=config.pad_token_id)
        self.position_embeddings = nn.Embedding(config.max_position_embeddings, config.dim)
        if config.sinusoidal_pos_embds:
            # fixed, as in 4.x (5.x leaves them trainable)
            self.position_embeddings.weight.requires_grad_(False)
        self.LayerNorm = nn.LayerNorm(config.dim, eps=1e-12)
        self.dropout = nn.Dropout(config.dropout)

    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
    ) -> torch.Tensor:
        if input_ids is not None:
            if not torch.compiler.is_compiling():  # reading values would break a traced graph
                _check_ids("input_ids", input_ids, self.vocab_size, "the vocabulary (vocab_size)")
            inputs_embeds = self.word_embeddings(input_ids)  # (bs, seq_len, dim)
        assert inputs_embeds is not None
        seq_len = inputs_embeds.size(1)
        if position_ids is None:
            if seq_len > self.max_position_embeddings:
                raise ValueError(
                    f"sequence length {seq_len} is longer than max_position_embeddings "
                    f"({self.max_position_embeddings}); truncate the input (tokenizer truncation=True, "
                    f"max_length={self.max_position_embeddings})"
                )
            position_ids = torch.arange(seq_len, device=inputs_embeds.device)[None]  # (1, seq_len)
        elif not torch.compiler.is_compiling():
            _check_ids("position_ids", position_ids, self.max_position_embeddings, "max_position_embeddings")
        embeddings = inputs_embeds + self.position_embeddings(position_ids)  # (bs, seq_len, dim)
        embeddings = self.LayerNorm(embeddings)  # (bs, seq_len, dim)
        return self.dropout(embeddings)  # (bs, seq_len, dim)


def _check_ids(name: str, ids: torch.Tensor, size: int, what: str) -> None:
    if ids.dtype.is_floating_point or ids.dtype == torch.bool:
        raise TypeError(f"{name} must be an integer tensor, got {ids.dtype}")
    if ids.numel() == 0:
        return
    low, high = int(ids.min()), int(ids.max())
    if low < 0 or high >= size:
        bad = low if low < 0 else high
        where = tuple(int(i) for i in (ids == bad).nonzero()[0])
        raise IndexError(f"{name}{list(where)} is {bad}, outside {what}: valid ids are 0..{size - 1}")


# ---- attention -------------------------------------------------------------------------------------------


class DistilBertSelfAttention(nn.Module):
    """Multi-head self-attention, three ways (the first two as transformers 5.24's `eager_attention_forward` and
    `sdpa_attention_forward`):
    - eager: the weights written out, when they are asked for, masked per head, or `attn_implementation="eager"`;
    - SDPA on the padded batch (fused kernel, padding masked out);
    - SDPA on each sequence of an unpadded batch (`cu_seqlens`: no mask, no padding computed at all).
    """

    def __init__(self, config: DistilBertConfig) -> None:
        super().__init__()
        self.config = config  # read at run time: `set_attn_implementation` switches the path of a built model
        self.n_heads = config.n_heads
        self.dim = config.dim
        self.head_size = config.dim // config.n_heads
        self.scaling = self.head_size**-0.5
        self.q_lin = nn.Linear(config.dim, config.dim)
        self.k_lin = nn.Linear(config.dim, config.dim)
        self.v_lin = nn.Linear(config.dim, config.dim)
        self.out_lin = nn.Linear(config.dim, config.dim)
        self.dropout = nn.Dropout(p=config.attention_dropout)
        self.pruned_heads: set[int] = set()

    def prune_heads(self, heads: list[int]) -> None:
        # transformers 4.x MultiHeadSelfAttention.prune_heads: q/k/v lose the heads' output rows, out_lin their
        # input columns; head numbers stay those of the unpruned layer
        heads_set, index = find_pruneable_heads_and_indices(
            heads, self.n_heads, self.head_size, self.pruned_heads
        )
        if not heads_set:
            return
        self.q_lin = prune_linear_layer(self.q_lin, index)
        self.k_lin = prune_linear_layer(self.k_lin, index)
        self.v_lin = prune_linear_layer(self.v_lin, index)
        self.out_lin = prune_linear_layer(self.out_lin, index, dim=1)
        self.n_heads -= len(heads_set)
        self.dim = self.head_size * self.n_heads
        self.pruned_heads |= heads_set

    def forward(
        self,
        hidden_states: torch.Tensor,  # (bs, seq_len, dim), or (n_tokens, dim) with cu_seqlens
        attention_mask: torch.Tensor | None = None,  # additive, (bs, 1, 1, seq_len)
        head_mask: torch.Tensor | None = None,  # (1, n_heads, 1, 1)
        output_attentions: bool = False,
        cu_seqlens: list[int] | None = None,  # (bs + 1,) where each sequence starts among the n_tokens
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        dropout_p = self.dropout.p if self.training else 0.0
        if cu_seqlens is not None:
            # unpadded: the real tokens of every sequence one after the other; each sequence attends to itself
            n_tokens = hidden_states.size(0)
            shape = (1, n_tokens, self.n_heads, self.head_size)
            q = self.q_lin(hidden_states).view(shape).transpose(1, 2)  # (1, n_heads, n_tokens, head_size)
            k = self.k_lin(hidden_states).view(shape).transpose(1, 2)  # (1, n_heads, n_tokens, head_size)
            v = self.v_lin(hidden_states).view(shape).transpose(1, 2)  # (1, n_heads, n_tokens, head_size)
            # SDPA returns each piece laid out as (1, seq_len_i, n_heads, head_size): joining them along the
            # tokens is one contiguous copy (measured: 12% less attention time than joining along the heads)
            pieces = [
                F.scaled_dot_product_attention(
                    q[:, :, s:e], k[:, :, s:e], v[:, :, s:e], dropout_p=dropout_p, scale=self.scaling
                ).transpose(1, 2)  # (1, seq_len_i, n_heads, head)
                for s, e in itertools.pairwise(cu_seqlens)
                if e > s
            ]
            context = (
                torch.cat(pieces, dim=1) if pieces else q.transpose(1, 2)
            )  # (1, n_tokens, n_heads, head)
            context = context.reshape(n_tokens, self.dim)  # (n_tokens, dim after pruning)
            return self.out_lin(context), None  # (n_tokens, dim)

        bs, seq_len, _ = hidden_states.shape
        shape = (bs, seq_len, self.n_heads, self.head_size)
        q = self.q_lin(hidden_states).view(shape).transpose(1, 2)  # (bs, n_heads, seq_len, head_size)
        k = self.k_lin(hidden_states).view(shape).transpose(1, 2)  # (bs, n_heads, seq_len, head_size)
        v = self.v_lin(hidden_states).view(shape).transpose(1, 2)  # (bs, n_heads, seq_len, head_size)

        weights = None
        if output_attentions or head_mask is not None or self.config._attn_implementation == "eager":
            # eager, as transformers' eager_attention_forward (5.24)
            scores = torch.matmul(q, k.transpose(2, 3)) * self.scaling  # (bs, n_heads, seq_len, seq_len)
            if attention_mask is not None:
                scores = scores + attention_mask
            weights = F.softmax(scores, dim=-1)  # (bs, n_heads, seq_len, seq_len)
            weights = self.dropout(weights)
            if head_mask is not None:
                weights = weights * head_mask
            context = torch.matmul(weights, v)  # (bs, n_heads, seq_len, head_size)
        else:
            context = F.scaled_dot_product_attention(
                q,
                k,
                v,
                attn_mask=attention_mask,
                dropout_p=dropout_p,
                scale=self.scaling,
            )  # (bs, n_heads, seq_len, head_size)
        context = context.transpose(1, 2).reshape(bs, seq_len, self.dim)  # (bs, seq_len, dim after pruning)
        return self.out_lin(context), weights  # (bs, seq_len, dim)


# ---- feed-forward ----------------------------------------------------------------------------------------


class FFN(nn.Module):
    def __init__(self, config: DistilBertConfig) -> None:
        super().__init__()
        self.dropout = nn.Dropout(p=config.dropout)
        self.chunk_size_feed_forward = config.chunk_size_feed_forward
        self.lin1 = nn.Linear(config.dim, config.hidden_dim)
        self.lin2 = nn.Linear(config.hidden_dim, config.dim)
        self.activation = get_activation(config.activation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (bs, seq_len, dim) or (n_tokens, dim)
        if self.chunk_size_feed_forward > 0:
            # the same result in slices of the tokens: less peak memory for long inputs
            return torch.cat(
                [self.ff_chunk(c) for c in torch.split(x, self.chunk_size_feed_forward, dim=-2)], dim=-2
            )
        return self.ff_chunk(x)

    def ff_chunk(self, x: torch.Tensor) -> torch.Tensor:
        x = self.lin1(x)  # (..., hidden_dim)
        x = self.activation(x)
        x = self.lin2(x)  # (..., dim)
        return self.dropout(x)


# ---- block and stack -------------------------------------------------------------------------------------


class TransformerBlock(nn.Module):
    def __init__(self, config: DistilBertConfig) -> None:
        super().__init__()
        self.attention = DistilBertSelfAttention(config)
        self.sa_layer_norm = nn.LayerNorm(config.dim, eps=1e-12)
        self.ffn = FFN(config)
        self.output_layer_norm = nn.LayerNorm(config.dim, eps=1e-12)

    def forward(
        self,
        x: torch.Tensor,  # (bs, seq_len, dim), or (n_tokens, dim) with cu_seqlens
        attention_mask: torch.Tensor | None = None,
        head_mask: torch.Tensor | None = None,
        output_attentions: bool = False,
        cu_seqlens: list[int] | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        attn, weights = self.attention(x, attention_mask, head_mask, output_attentions, cu_seqlens)
        x = self.sa_layer_norm(attn + x)  # (bs, seq_len, dim) or (n_tokens, dim)
        x = self.output_layer_norm(self.ffn(x) + x)  # (bs, seq_len, dim) or (n_tokens, dim)
        return x, weights


class Transformer(nn.Module):
    def __init__(self, config: DistilBertConfig) -> None:
        super().__init__()
        self.n_layers = config.n_layers
        self.layer = nn.ModuleList([TransformerBlock(config) for _ in range(config.n_layers)])
        # set by PreTrainedModel.gradient_checkpointing_enable: layers recompute their activations in backward
        self.gradient_checkpointing = False
        self._gradient_checkpointing_func: Callable[..., Any] | None = None

    def forward(
        self,
        x: torch.Tensor,  # (bs, seq_len, dim)
        attention_mask: torch.Tensor | None,  # additive (bs, 1, 1, seq_len); unused when unpadded
        head_mask: list[torch.Tensor | None],
        output_attentions: bool,
        output_hidden_states: bool,
        unpadding: Unpadding | None = None,
    ) -> BaseModelOutput:
        hidden_states: tuple[torch.Tensor, ...] = (x,)  # the embeddings, then each layer's output
        attentions: tuple[torch.Tensor, ...] = ()
        cu_seqlens = None
        if unpadding is not None:
            # once before the first layer: from here on only real tokens are computed
            x = unpadding.unpad(x)  # (n_tokens, dim)
            cu_seqlens = unpadding.cu_seqlens
        for layer, mask in zip(self.layer, head_mask, strict=True):
            if self.gradient_checkpointing and self.training and torch.is_grad_enabled():
                assert self._gradient_checkpointing_func is not None
                # positional arguments: reentrant checkpointing only tracks gradients through those
                x, weights = self._gradient_checkpointing_func(
                    layer.__call__, x, attention_mask, mask, output_attentions, cu_seqlens
                )
            else:
                x, weights = layer(x, attention_mask, mask, output_attentions, cu_seqlens)
            if output_hidden_states:
                hidden_states += (x if unpadding is None else unpadding.pad(x),)
            if weights is not None and output_attentions:
                attentions += (weights,)
        if unpadding is not None:
            # once after the last layer (already done if every layer's output was asked for)
            x = hidden_states[-1] if output_hidden_states else unpadding.pad(x)  # (bs, seq_len, dim)
        return BaseModelOutput(
            last_hidden_state=x,  # (bs, seq_len, dim)
            hidden_states=hidden_states if output_hidden_states else None,
            attentions=attentions if output_attentions else None,
        )


# ---- models ----------------------------------------------------------------------------------------------


class DistilBertPreTrainedModel(PreTrainedModel):
    config_class: ClassVar[type[DistilBertConfig]] = DistilBertConfig
    config: DistilBertConfig
    base_model_prefix: ClassVar[str] = "distilbert"
    supports_gradient_checkpointing: ClassVar[bool] = True
    # older checkpoints saved the position-id buffer
    _keys_to_ignore_on_load_unexpected: ClassVar[list[str]] = [r"(^|\.)embeddings\.position_ids$"]

    def _init_weights(self, module: nn.Module) -> None:
        super()._init_weights(module)
        if (
            self.config.sinusoidal_pos_embds
            and module is self.get_position_embeddings()
            and not module.weight.is_meta
        ):
            create_sinusoidal_embeddings(self.config.max_position_embeddings, self.config.dim, module.weight)

    @property
    def base_model(self) -> DistilBertModel:
        return cast("DistilBertModel", super().base_model)

    def get_position_embeddings(self) -> nn.Embedding:
        return self.base_model.embeddings.position_embeddings

    def resize_position_embeddings(self, new_num_position_embeddings: int) -> None:
        """Give the position embeddings `new_num_position_embeddings` rows and update the configuration.

        Learned embeddings keep their first rows; new rows are a fresh `nn.Embedding`'s (normal(0, 1)), as in
        transformers (4.x and 5.24). Sinusoidal ones are the fixed table for the new length (transformers raises an
        AttributeError there).
        """
        n = new_num_position_embeddings
        if isinstance(n, bool) or not isinstance(n, int) or n <= 0:
            raise ValueError(f"new_num_position_embeddings must be a positive integer, got {n!r}")
        embeddings = self.base_model.embeddings
        old = embeddings.position_embeddings
        if n == old.num_embeddings:
            return
        new = nn.Embedding(n, self.config.dim, device=old.weight.device, dtype=old.weight.dtype)
        with torch.no_grad():
            if self.config.sinusoidal_pos_embds:
                create_sinusoidal_embeddings(n, self.config.dim, new.weight)
            else:
                keep = min(n, old.num_embeddings)
                new.weight[:keep] = old.weight[:keep]
        new.weight.requires_grad_(old.weight.requires_grad)
        embeddings.position_embeddings = new
        embeddings.max_position_embeddings = n
        self.config.max_position_embeddings = n

    def _prune_heads(self, heads_to_prune: dict[int, list[int]]) -> None:
        for layer, heads in heads_to_prune.items():
            cast(TransformerBlock, self.base_model.transformer.layer[layer]).attention.prune_heads(heads)


class DistilBertModel(DistilBertPreTrainedModel):
    """The encoder. With padding in `attention_mask` and the default SDPA attention, only the real tokens are
    computed: they are gathered once after the embeddings, each sequence attends to itself alone, and the outputs
    are scattered back after the last layer. Real tokens get transformers' values; every layer's output is 0 at the
    padding positions (transformers computes a value there from the padding token; ModernBERT's unpadded path in
    transformers leaves 0 there too). Every position is computed, as transformers does, with
    `config.unpad_batches = False` (or `from_pretrained(..., unpad_batches=False)`), for attention weights, a head
    mask, `attn_implementation="eager"`, and the heads whose output or loss reads padding (a classifier on a
    left-padded batch, labels on padding, a question-answering loss).
    """

    def __init__(self, config: DistilBertConfig) -> None:
        super().__init__(config)
        self.embeddings = Embeddings(config)
        self.transformer = Transformer(config)
        self.post_init()

    def get_input_embeddings(self) -> nn.Embedding:
        return self.embeddings.word_embeddings

    def set_input_embeddings(self, value: nn.Embedding) -> None:
        self.embeddings.word_embeddings = value
        self.embeddings.vocab_size = value.num_embeddings

    def forward(
        self,
        input_ids: torch.Tensor | None = None,  # (bs, seq_len)
        attention_mask: torch.Tensor | None = None,  # (bs, seq_len): 1 token, 0 padding
        head_mask: torch.Tensor | None = None,  # (n_heads,) or (n_layers, n_heads): 1 keep, 0 mask
        inputs_embeds: torch.Tensor | None = None,  # (bs, seq_len, dim)
        output_attentions: bool | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
        position_ids: torch.Tensor | None = None,  # (bs or 1, seq_len)
    ) -> BaseModelOutput | tuple[torch.Tensor, ...]:
        out, _ = self._encode(
            input_ids,
            attention_mask,
            head_mask,
            inputs_embeds,
            output_attentions,
            output_hidden_states,
            position_ids,
        )
        return _result(out, return_dict, self.config)

    def _encode(
        self,
        input_ids: torch.Tensor | None,
        attention_mask: torch.Tensor | None,
        head_mask: torch.Tensor | None,
        inputs_embeds: torch.Tensor | None,
        output_attentions: bool | None,
        output_hidden_states: bool | None,
        position_ids: torch.Tensor | None,
        reads_padding: bool = False,
    ) -> tuple[BaseModelOutput, Unpadding | None]:
        """The forward pass, and the unpadding it used (None: every position was computed).

        `reads_padding`: the caller reads a padding position (a head on a left-padded batch, labels on padding), so
        every position is computed as transformers does.
        """
        output_attentions = self.config.output_attentions if output_attentions is None else output_attentions
        output_hidden_states = (
            self.config.output_hidden_states if output_hidden_states is None else output_hidden_states
        )
        if (input_ids is None) == (inputs_embeds is None):
            raise ValueError("pass exactly one of input_ids and inputs_embeds")
        if input_ids is not None and input_ids.dim() != 2:
            raise ValueError(f"input_ids must have shape (batch, seq_len), got {list(input_ids.shape)}")
        if inputs_embeds is not None and (
            inputs_embeds.dim() != 3 or inputs_embeds.size(-1) != self.config.dim
        ):
            raise ValueError(
                f"inputs_embeds must have shape (batch, seq_len, {self.config.dim}), got {list(inputs_embeds.shape)}"
            )
        x = self.embeddings(input_ids, inputs_embeds, position_ids)  # (bs, seq_len, dim)
        mask = self._attention_mask(attention_mask, x)
        unpadding = None
        if (
            mask is not None
            and self.config.unpad_batches
            and not reads_padding
            and not output_attentions
            and head_mask is None
            and self.config._attn_implementation == "sdpa"
        ):
            assert attention_mask is not None
            # a traced graph (torch.compile, torch.export, torch.jit.trace) runs the padded batch: its shapes must
            # not depend on the mask; the result is the same
            traced = torch.compiler.is_compiling() or torch.jit.is_tracing()  # type: ignore[attr-defined,no-untyped-call]
            unpadding = Unpadding(attention_mask, pack=not traced)
        out = self.transformer(
            x,
            attention_mask=mask,
            head_mask=self._head_mask(head_mask, x.dtype),
            output_attentions=output_attentions,
            output_hidden_states=output_hidden_states,
            unpadding=unpadding,
        )
        return out, unpadding

    def _attention_mask(self, mask: torch.Tensor | None, x: torch.Tensor) -> torch.Tensor | None:
        """An additive mask (bs, 1, 1, seq_len): 0 where attended, the dtype's minimum on padding; None if all 1."""
        if mask is None:
            return None
        if tuple(mask.shape) != tuple(x.shape[:2]):
            raise ValueError(
                f"attention_mask has shape {list(mask.shape)} but the input is {list(x.shape[:2])}"
            )
        if not torch.compiler.is_compiling() and bool(mask.all()):
            return None  # nothing to mask: SDPA runs its unmasked kernel
        keep = mask[:, None, None, :].to(dtype=x.dtype)  # (bs, 1, 1, seq_len)
        return (1.0 - keep) * torch.finfo(x.dtype).min

    def _head_mask(self, head_mask: torch.Tensor | None, dtype: torch.dtype) -> list[torch.Tensor | None]:
        """One (1, n_heads, 1, 1) mask (or None) per layer, from (n_heads,) or (n_layers, n_heads)."""
        n_layers = self.config.n_layers
        if head_mask is None:
            return [None] * n_layers
        if head_mask.dim() == 1:
            head_mask = head_mask[None].expand(n_layers, -1)
        heads = [cast(TransformerBlock, layer).attention.n_heads for layer in self.transformer.layer]
        if (
            head_mask.dim() != 2
            or head_mask.size(0) != n_layers
            or any(head_mask.size(1) != h for h in heads)
        ):
            raise ValueError(
                f"head_mask must have shape (n_heads,) or (n_layers, n_heads) = ({n_layers}, {max(heads)}), "
                f"got {list(head_mask.shape)}"
            )
        return [m.to(dtype)[None, :, None, None] for m in head_mask]


class DistilBertForMaskedLM(DistilBertPreTrainedModel):
    _tied_weights_keys: ClassVar[dict[str, str]] = {
        "vocab_projector.weight": "distilbert.embeddings.word_embeddings.weight"
    }

    def __init__(self, config: DistilBertConfig) -> None:
        super().__init__(config)
        self.activation = get_activation(config.activation)
        self.distilbert = DistilBertModel(config)
        self.vocab_transform = nn.Linear(config.dim, config.dim)
        self.vocab_layer_norm = nn.LayerNorm(config.dim, eps=1e-12)
        self.vocab_projector = nn.Linear(config.dim, config.vocab_size)
        self.post_init()
        self.mlm_loss_fct = nn.CrossEntropyLoss()

    def get_output_embeddings(self) -> nn.Linear:
        return self.vocab_projector

    def _predict(self, x: torch.Tensor) -> torch.Tensor:  # (..., dim) -> (..., vocab_size)
        x = self.vocab_transform(x)  # (..., dim)
        x = self.activation(x)
        x = self.vocab_layer_norm(x)
        return self.vocab_projector(x)  # (..., vocab_size)

    def set_output_embeddings(self, value: nn.Linear) -> None:
        self.vocab_projector = value

    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        head_mask: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,  # (bs, seq_len), -100 where not scored
        output_attentions: bool | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
        position_ids: torch.Tensor | None = None,
    ) -> MaskedLMOutput | tuple[torch.Tensor, ...]:
        out, unpadding = self.distilbert._encode(
            input_ids,
            attention_mask,
            head_mask,
            inputs_embeds,
            output_attentions,
            output_hidden_states,
            position_ids,
            reads_padding=_labels_on_padding(attention_mask, labels),
        )
        x = _last_hidden_state(out)  # (bs, seq_len, dim)
        if unpadding is None or not unpadding.packed:
            logits = self._predict(x)  # (bs, seq_len, vocab_size)
            loss = (
                None
                if labels is None
                else self.mlm_loss_fct(logits.view(-1, logits.size(-1)), labels.view(-1))
            )
        else:
            # the head costs as much per token as the encoder: run it on the real tokens, and once on the zero
            # vector that every padding position holds
            real = torch.cat([unpadding.unpad(x), x.new_zeros(1, x.size(-1))])  # (n_tokens + 1, dim)
            predicted = self._predict(real)  # (n_tokens + 1, vocab_size)
            logits = unpadding.pad(predicted[:-1], fill=predicted[-1])  # (bs, seq_len, vocab_size)
            # labels on padding are all -100 here (else the padded path ran): the same loss from the real tokens
            loss = None if labels is None else self.mlm_loss_fct(predicted[:-1], unpadding.unpad(labels))
        result = MaskedLMOutput(
            loss=loss, logits=logits, hidden_states=out.hidden_states, attentions=out.attentions
        )
        return _result(result, return_dict, self.config)


class DistilBertForSequenceClassification(DistilBertPreTrainedModel):
    def __init__(self, config: DistilBertConfig) -> None:
        super().__init__(config)
        self.num_labels = config.num_labels
        self.distilbert = DistilBertModel(config)
        self.pre_classifier = nn.Linear(config.dim, config.dim)
        self.classifier = nn.Linear(config.dim, config.num_labels)
        self.dropout = nn.Dropout(config.seq_classif_dropout)
        self.post_init()

    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        head_mask: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        labels: torch.Tensor
        | None = None,  # (bs,) class ids or values, or (bs, num_labels) multi-label targets
        output_attentions: bool | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
        position_ids: torch.Tensor | None = None,
    ) -> SequenceClassifierOutput | tuple[torch.Tensor, ...]:
        out, _ = self.distilbert._encode(
            input_ids,
            attention_mask,
            head_mask,
            inputs_embeds,
            output_attentions,
            output_hidden_states,
            position_ids,
            reads_padding=_first_token_is_padding(attention_mask),
        )
        pooled = _last_hidden_state(out)[:, 0]  # (bs, dim): the first ([CLS]) token
        pooled = F.relu(self.pre_classifier(pooled))  # (bs, dim)
        pooled = self.dropout(pooled)
        logits = self.classifier(pooled)  # (bs, num_labels)
        loss = None
        if labels is not None:
            loss = self._loss(logits, labels)
        result = SequenceClassifierOutput(
            loss=loss, logits=logits, hidden_states=out.hidden_states, attentions=out.attentions
        )
        return _result(result, return_dict, self.config)

    def _loss(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        # transformers (4.x and 5.24): the problem type is inferred once from the labels and kept in the config
        if self.config.problem_type is None:
            if self.num_labels == 1:
                self.config.problem_type = "regression"
            elif labels.dtype in (torch.long, torch.int):
                self.config.problem_type = "single_label_classification"
            else:
                self.config.problem_type = "multi_label_classification"
        if self.config.problem_type == "regression":
            if self.num_labels == 1:
                return F.mse_loss(logits.squeeze(), labels.squeeze().to(logits.dtype))
            return F.mse_loss(logits, labels.to(logits.dtype))
        if self.config.problem_type == "single_label_classification":
            return F.cross_entropy(logits.view(-1, self.num_labels), labels.view(-1))
        return F.binary_cross_entropy_with_logits(logits, labels.to(logits.dtype))


class DistilBertForQuestionAnswering(DistilBertPreTrainedModel):
    def __init__(self, config: DistilBertConfig) -> None:
        super().__init__(config)
        if config.num_labels != 2:
            raise ValueError(
                f"DistilBertForQuestionAnswering needs config.num_labels == 2 (start, end), "
                f"got {config.num_labels}"
            )
        self.distilbert = DistilBertModel(config)
        self.qa_outputs = nn.Linear(config.dim, config.num_labels)
        self.dropout = nn.Dropout(config.qa_dropout)
        self.post_init()

    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        head_mask: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        start_positions: torch.Tensor | None = None,  # (bs,)
        end_positions: torch.Tensor | None = None,  # (bs,)
        output_attentions: bool | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
        position_ids: torch.Tensor | None = None,
    ) -> QuestionAnsweringModelOutput | tuple[torch.Tensor, ...]:
        # the loss is a softmax over every position, padding included: with answers, compute them all
        reads_padding = start_positions is not None and end_positions is not None
        out, _ = self.distilbert._encode(
            input_ids,
            attention_mask,
            head_mask,
            inputs_embeds,
            output_attentions,
            output_hidden_states,
            position_ids,
            reads_padding=reads_padding,
        )
        x = self.dropout(_last_hidden_state(out))  # (bs, seq_len, dim)
        logits = self.qa_outputs(x)  # (bs, seq_len, 2)
        start_logits, end_logits = logits.split(1, dim=-1)
        start_logits = start_logits.squeeze(-1).contiguous()  # (bs, seq_len)
        end_logits = end_logits.squeeze(-1).contiguous()  # (bs, seq_len)
        loss = None
        if start_positions is not None and end_positions is not None:
            if start_positions.dim() > 1:
                start_positions = start_positions.squeeze(-1)
            if end_positions.dim() > 1:
                end_positions = end_positions.squeeze(-1)
            # positions outside the input (answer truncated away) are clamped to seq_len and not scored
            ignored = start_logits.size(1)
            start_positions = start_positions.clamp(0, ignored)
            end_positions = end_positions.clamp(0, ignored)
            loss = (
                F.cross_entropy(start_logits, start_positions, ignore_index=ignored)
                + F.cross_entropy(end_logits, end_positions, ignore_index=ignored)
            ) / 2
        result = QuestionAnsweringModelOutput(
            loss=loss,
            start_logits=start_logits,
            end_logits=end_logits,
            hidden_states=out.hidden_states,
            attentions=out.attentions,
        )
        return _result(result, return_dict, self.config)


class DistilBertForTokenClassification(DistilBertPreTrainedModel):
    def __init__(self, config: DistilBertConfig) -> None:
        super().__init__(config)
        self.num_labels = config.num_labels
        self.distilbert = DistilBertModel(config)
        self.dropout = nn.Dropout(config.dropout)
        self.classifier = nn.Linear(config.dim, config.num_labels)
        self.post_init()

    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        head_mask: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,  # (bs, seq_len), -100 where not scored
        output_attentions: bool | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
        position_ids: torch.Tensor | None = None,
    ) -> TokenClassifierOutput | tuple[torch.Tensor, ...]:
        out, _ = self.distilbert._encode(
            input_ids,
            attention_mask,
            head_mask,
            inputs_embeds,
            output_attentions,
            output_hidden_states,
            position_ids,
            reads_padding=_labels_on_padding(attention_mask, labels),
        )
        logits = self.classifier(self.dropout(_last_hidden_state(out)))  # (bs, seq_len, num_labels)
        loss = None
        if labels is not None:
            loss = F.cross_entropy(logits.view(-1, self.num_labels), labels.view(-1))
        result = TokenClassifierOutput(
            loss=loss, logits=logits, hidden_states=out.hidden_states, attentions=out.attentions
        )
        return _result(result, return_dict, self.config)


class DistilBertForMultipleChoice(DistilBertPreTrainedModel):
    def __init__(self, config: DistilBertConfig) -> None:
        super().__init__(config)
        self.distilbert = DistilBertModel(config)
        self.pre_classifier = nn.Linear(config.dim, config.dim)
        self.classifier = nn.Linear(config.dim, 1)
        self.dropout = nn.Dropout(config.seq_classif_dropout)
        self.post_init()

    def forward(
        self,
        input_ids: torch.Tensor | None = None,  # (bs, num_choices, seq_len)
        attention_mask: torch.Tensor | None = None,  # (bs, num_choices, seq_len)
        head_mask: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,  # (bs, num_choices, seq_len, dim)
        labels: torch.Tensor | None = None,  # (bs,) index of the right choice
        output_attentions: bool | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
        position_ids: torch.Tensor | None = None,
    ) -> MultipleChoiceModelOutput | tuple[torch.Tensor, ...]:
        inputs = input_ids if input_ids is not None else inputs_embeds
        if inputs is None or inputs.dim() != (3 if input_ids is not None else 4):
            raise ValueError(
                "DistilBertForMultipleChoice takes input_ids (bs, num_choices, seq_len) or "
                "inputs_embeds (bs, num_choices, seq_len, dim)"
            )
        num_choices = inputs.shape[1]
        flat_ids = input_ids.view(-1, input_ids.size(-1)) if input_ids is not None else None
        flat_mask = attention_mask.view(-1, attention_mask.size(-1)) if attention_mask is not None else None
        flat_embeds = (
            inputs_embeds.view(-1, inputs_embeds.size(-2), inputs_embeds.size(-1))
            if inputs_embeds is not None
            else None
        )
        out, _ = self.distilbert._encode(
            flat_ids,
            flat_mask,
            head_mask,
            flat_embeds,
            output_attentions,
            output_hidden_states,
            position_ids,
            reads_padding=_first_token_is_padding(flat_mask),
        )
        pooled = _last_hidden_state(out)[:, 0]  # (bs * num_choices, dim)
        pooled = F.relu(self.pre_classifier(pooled))  # (bs * num_choices, dim)
        pooled = self.dropout(pooled)
        logits = self.classifier(pooled).view(-1, num_choices)  # (bs, num_choices)
        loss = None
        if labels is not None:
            loss = F.cross_entropy(logits, labels)
        result = MultipleChoiceModelOutput(
            loss=loss, logits=logits, hidden_states=out.hidden_states, attentions=out.attentions
        )
        return _result(result, return_dict, self.config)


def _last_hidden_state(out: BaseModelOutput) -> torch.Tensor:
    assert out.last_hidden_state is not None  # DistilBertModel always sets it
    return out.last_hidden_state


def _result(result: Any, return_dict: bool | None, config: DistilBertConfig) -> Any:
    return_dict = config.return_dict if return_dict is None else return_dict
    return result if return_dict else result.to_tuple()


# ---- when a head reads padding ---------------------------------------------------------------------------
# On an unpadded batch the layers' outputs are 0 at padding positions; a head whose output or loss depends on a
# padding position asks for the padded path instead, so that it gets transformers' numbers.


def _first_token_is_padding(attention_mask: torch.Tensor | None) -> bool:
    """Left padding: the classification heads pool the first position, which is then padding."""
    return attention_mask is not None and attention_mask.dim() == 2 and not bool(attention_mask[:, 0].all())


def _labels_on_padding(attention_mask: torch.Tensor | None, labels: torch.Tensor | None) -> bool:
    """Per-token labels other than -100 (ignored) on a padding position: they are scored."""
    if attention_mask is None or labels is None:
        return False
    if labels.shape != attention_mask.shape:
        return True  # the padded path reports the mismatch
    return bool(((labels != -100) & (attention_mask == 0)).any())


__all__ = [
    "DistilBertForMaskedLM",
    "DistilBertForMultipleChoice",
    "DistilBertForQuestionAnswering",
    "DistilBertForSequenceClassification",
    "DistilBertForTokenClassification",
    "DistilBertModel",
    "DistilBertPreTrainedModel",
]
