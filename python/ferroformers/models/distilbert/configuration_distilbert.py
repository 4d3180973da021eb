"""DistilBERT configuration.

Mirrors transformers' `models/distilbert/configuration_distilbert.py` (4.x): the same fields, defaults and
`attribute_map`, so `config.json` files move between the two libraries unchanged.
"""

from __future__ import annotations

from typing import Any, ClassVar

from ...configuration_utils import PretrainedConfig

# activation names the DistilBERT model implements (see modeling_distilbert)
ACTIVATIONS = (
    "gelu",
    "relu",
    "silu",
    "swish",
    "gelu_new",
    "gelu_pytorch_tanh",
    "gelu_fast",
    "quick_gelu",
    "tanh",
    "sigmoid",
    "mish",
    "linear",
)


class DistilBertConfig(PretrainedConfig):
    r"""Configuration of a DistilBERT model.

    Args:
        vocab_size: number of token ids the embeddings accept.
        max_position_embeddings: longest sequence the position embeddings cover.
        sinusoidal_pos_embds: fixed sinusoidal position embeddings instead of learned ones.
        n_layers: number of transformer blocks.
        n_heads: attention heads per block (must divide `dim`).
        dim: hidden size.
        hidden_dim: inner size of the feed-forward network.
        dropout: dropout probability of embeddings, attention output and feed-forward.
        attention_dropout: dropout probability of the attention weights.
        activation: feed-forward activation, one of ACTIVATIONS.
        initializer_range: standard deviation of the normal weight initialisation.
        qa_dropout: dropout before the question-answering head.
        seq_classif_dropout: dropout before the sequence-classification head.
        pad_token_id: id of the padding token (its embedding row is initialised to zero).
    """

    model_type: ClassVar[str] = "distilbert"
    attribute_map: ClassVar[dict[str, str]] = {
        "hidden_size": "dim",
        "num_attention_heads": "n_heads",
        "num_hidden_layers": "n_layers",
    }

    def __init__(
        self,
        vocab_size: int = 30522,
        max_position_embeddings: int = 512,
        sinusoidal_pos_embds: bool = False,
        n_layers: int = 6,
        n_heads: int = 12,
        dim: int = 768,
        hidden_dim: int = 4 * 768,
        dropout: float = 0.1,
        attention_dropout: float = 0.1,
        activation: str = "gelu",
        initializer_range: float = 0.02,
        qa_dropout: float = 0.1,
        seq_classif_dropout: float = 0.2,
        pad_token_id: int = 0,
        **kwargs: Any,
    ) -> None:
        self.vocab_size = vocab_size
        self.max_position_embeddings = max_position_embeddings
        self.sinusoidal_pos_embds = sinusoidal_pos_embds
        self.n_layers = n_layers
        self.n_heads = n_heads
        self.dim = dim
        self.hidden_dim = hidden_dim
        self.dropout = dropout
        self.attention_dropout = attention_dropout
        self.activation = activation
        self.initializer_range = initializer_range
        self.qa_dropout = qa_dropout
        self.seq_classif_dropout = seq_classif_dropout
        super().__init__(pad_token_id=pad_token_id, **kwargs)
        self.validate()

    def validate(self) -> None:
        super().validate()
        for key in ("vocab_size", "max_position_embeddings", "n_layers", "n_heads", "dim", "hidden_dim"):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"{key} must be a positive integer, got {value!r}")
        if self.dim % self.n_heads != 0:
            raise ValueError(f"dim ({self.dim}) must be divisible by n_heads ({self.n_heads})")
        for key in ("dropout", "attention_dropout", "qa_dropout", "seq_classif_dropout"):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
                raise ValueError(f"{key} must be a probability in [0, 1], got {value!r}")
        if (
            isinstance(self.initializer_range, bool)
            or not isinstance(self.initializer_range, (int, float))
            or not self.initializer_range >= 0
        ):
            raise ValueError(
                f"initializer_range must be a non-negative number, got {self.initializer_range!r}"
            )
        if self.activation not in ACTIVATIONS:
            raise ValueError(
                f"activation {self.activation!r} is not supported; choose one of {list(ACTIVATIONS)}"
            )
        if not isinstance(self.sinusoidal_pos_embds, bool):
            raise ValueError(f"sinusoidal_pos_embds must be true or false, got {self.sinusoidal_pos_embds!r}")
        if self.pad_token_id is not None and self.pad_token_id >= self.vocab_size:
            raise ValueError(
                f"pad_token_id ({self.pad_token_id}) must be smaller than vocab_size ({self.vocab_size})"
            )
