"""What the DistilBERT tests share: small configurations, transformers' twin of a model, inputs with padding and
labels for every head, and output comparison."""

from __future__ import annotations

from typing import Any

import torch
import transformers

ATOL = 1e-5
HEADS = [
    "DistilBertModel",
    "DistilBertForMaskedLM",
    "DistilBertForSequenceClassification",
    "DistilBertForQuestionAnswering",
    "DistilBertForTokenClassification",
    "DistilBertForMultipleChoice",
]
CONFIGS: dict[str, dict[str, Any]] = {
    "tiny": dict(vocab_size=99, dim=32, n_layers=2, n_heads=4, hidden_dim=37, max_position_embeddings=64),
    "relu": dict(
        vocab_size=120,
        dim=24,
        n_layers=3,
        n_heads=2,
        hidden_dim=48,
        activation="relu",
        max_position_embeddings=40,
        dropout=0.3,
        attention_dropout=0.2,
    ),
    "sinusoidal": dict(
        vocab_size=77,
        dim=16,
        n_layers=2,
        n_heads=4,
        hidden_dim=20,
        sinusoidal_pos_embds=True,
        activation="gelu_new",
        max_position_embeddings=32,
        pad_token_id=3,
    ),
    "odd_heads": dict(
        vocab_size=64,
        dim=45,
        n_layers=2,
        n_heads=5,
        hidden_dim=31,
        activation="silu",
        max_position_embeddings=50,
        initializer_range=0.2,
    ),
}


def hf_model(head: str, config_kwargs: dict[str, Any], seed: int = 0) -> Any:
    torch.manual_seed(seed)
    model = getattr(transformers, head)(transformers.DistilBertConfig(**config_kwargs)).eval()
    model.set_attn_implementation("eager")  # transformers' SDPA path returns no attention weights
    return model


def make_inputs(
    head: str,
    config: dict[str, Any],
    seed: int = 0,
    labels: bool = True,
    problem_type: str = "single_label_classification",
) -> dict[str, Any]:
    """Two sequences, the second padded, plus labels for the head (some out of range or ignored)."""
    g = torch.Generator().manual_seed(seed)
    bs, seq_len = 2, 9
    ids = torch.randint(0, config["vocab_size"], (bs, seq_len), generator=g)
    mask = torch.ones(bs, seq_len, dtype=torch.long)
    mask[1, 5:] = 0
    inputs: dict[str, Any] = {"input_ids": ids, "attention_mask": mask}
    if head == "DistilBertForMultipleChoice":
        inputs = {"input_ids": ids[:, None].repeat(1, 3, 1), "attention_mask": mask[:, None].repeat(1, 3, 1)}
        inputs["input_ids"][:, 1, 2] = 1
    if not labels:
        return inputs
    num_labels = config.get("num_labels", 2)
    if head in ("DistilBertForMaskedLM", "DistilBertForTokenClassification"):
        n = config["vocab_size"] if head == "DistilBertForMaskedLM" else num_labels
        y = torch.randint(0, n, (bs, seq_len), generator=g)
        y[1, 5:] = -100
        inputs["labels"] = y
    elif head == "DistilBertForSequenceClassification":
        if problem_type == "regression":
            inputs["labels"] = torch.randn(bs, generator=g)
        elif problem_type == "multi_label_classification":
            inputs["labels"] = (torch.rand(bs, num_labels, generator=g) > 0.5).float()
        else:
            inputs["labels"] = torch.randint(0, num_labels, (bs,), generator=g)
    elif head == "DistilBertForQuestionAnswering":
        inputs["start_positions"] = torch.tensor([2, 100])  # 100: past the end, clamped and not scored
        inputs["end_positions"] = torch.tensor([4, 3])
    elif head == "DistilBertForMultipleChoice":
        inputs["labels"] = torch.tensor([0, 2])
    return inputs


PER_TOKEN = ("last_hidden_state", "hidden_states", "logits", "start_logits", "end_logits")


def assert_outputs_close(ours: Any, theirs: Any, atol: float = ATOL, mask: Any = None) -> None:
    """Every field transformers returned is returned here too, equal within atol (tensors and tuples of them).

    With `mask` ((bs, seq_len), or (bs * num_choices, seq_len)), per-token outputs are compared on the real tokens
    only: on an unpadded batch the padding positions follow our rule (test_unpadded.py checks it)."""

    def close(x: Any, y: Any, key: str) -> None:
        assert x.shape == y.shape, key
        if mask is not None and key.split("[")[0] in PER_TOKEN and x.shape[:2] == mask.shape:
            x, y = x[mask.bool()], y[mask.bool()]
        torch.testing.assert_close(x, y, atol=atol, rtol=0, msg=key)

    for key in theirs.keys():
        a, b = ours[key], theirs[key]
        if isinstance(b, tuple):
            assert isinstance(a, tuple) and len(a) == len(b), key
            for i, (x, y) in enumerate(zip(a, b, strict=True)):
                close(x, y, f"{key}[{i}]")
        else:
            close(a, b, key)
    assert set(ours.keys()) == set(theirs.keys())


def token_mask(inputs: dict[str, Any]) -> Any:
    """The attention mask as the encoder sees it (multiple choice: one row per choice)."""
    mask = inputs["attention_mask"]
    return mask.reshape(-1, mask.shape[-1])


def run(model: Any, inputs: dict[str, Any], **kwargs: Any) -> Any:
    with torch.no_grad():
        return model(**inputs, **kwargs)
