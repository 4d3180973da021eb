"""Unpadded batches: with padding in the attention mask, DistilBERT computes the real tokens only. Checked against
transformers (5.24, SDPA and eager) on every head: outputs on real tokens within 1e-5, the rule at padding
positions (every layer's output is 0 there, so a per-token head gives its value for the zero vector), the padded
path wherever a requested output or a loss reads padding, training gradients, gradient checkpointing and
torch.compile."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from distilbert_helpers import ATOL, CONFIGS, HEADS, assert_outputs_close, hf_model, make_inputs, run  # noqa: E402

import ferroformers  # noqa: E402
from ferroformers import DistilBertConfig, DistilBertModel  # noqa: E402

# no dropout anywhere: training-mode outputs and gradients are then comparable with transformers'
QUIET = {
    **CONFIGS["tiny"],
    "dropout": 0.0,
    "attention_dropout": 0.0,
    "seq_classif_dropout": 0.0,
    "qa_dropout": 0.0,
}


def pair(tmp_path: Path, head: str, config: dict[str, Any], seed: int = 0) -> tuple[Any, Any]:
    """transformers' model (SDPA, its default) and ours loaded from its checkpoint."""
    theirs = hf_model(head, config, seed)
    theirs.set_attn_implementation("sdpa")
    theirs.save_pretrained(tmp_path / head)
    return getattr(ferroformers, head).from_pretrained(tmp_path / head), theirs


def ragged(head: str, config: dict[str, Any], mask: torch.Tensor, seed: int = 0) -> dict[str, Any]:
    """make_inputs with another attention mask (labels on padding set to -100, as collators do)."""
    inputs = make_inputs(head, config, seed)
    if head == "DistilBertForMultipleChoice":
        inputs["attention_mask"] = mask[:, None].repeat(1, 3, 1)
    else:
        inputs["attention_mask"] = mask
        if "labels" in inputs and inputs["labels"].shape == mask.shape:
            inputs["labels"] = inputs["labels"].masked_fill(mask == 0, -100)
    return inputs


# right padding, a hole, and a row of padding only
MASK = torch.tensor([[1, 1, 1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 0, 0, 0, 0]])
HOLES = torch.tensor([[1, 1, 0, 1, 1, 1, 1, 0, 0], [1, 0, 0, 0, 0, 0, 0, 0, 0]])


def zero_vector_outputs(model: Any) -> dict[str, torch.Tensor]:
    """What a per-token head gives for the zero hidden state: its value at padding positions."""
    zero = torch.zeros(model.config.dim)
    with torch.no_grad():
        if isinstance(model, ferroformers.DistilBertForMaskedLM):
            return {"logits": model._predict(zero)}
        if isinstance(model, ferroformers.DistilBertForTokenClassification):
            return {"logits": model.classifier(zero)}
        if isinstance(model, ferroformers.DistilBertForQuestionAnswering):
            start, end = model.qa_outputs(zero)
            return {"start_logits": start, "end_logits": end}
    return {"last_hidden_state": zero}


@pytest.mark.parametrize("head", HEADS)
@pytest.mark.parametrize("mask", [MASK, HOLES], ids=["right", "holes"])
def test_every_head_matches_transformers_on_real_tokens(
    tmp_path: Path, head: str, mask: torch.Tensor
) -> None:
    ours, theirs = pair(tmp_path, head, CONFIGS["tiny"])
    inputs = ragged(head, CONFIGS["tiny"], mask)
    if head == "DistilBertForQuestionAnswering":
        del inputs["start_positions"], inputs["end_positions"]  # a loss reads padding: tested below
    flat = inputs["attention_mask"].reshape(-1, mask.shape[-1])
    if head in ("DistilBertForSequenceClassification", "DistilBertForMultipleChoice") and mask is HOLES:
        mask = MASK  # their first token must be real for the unpadded path; left padding is tested below
        inputs = ragged(head, CONFIGS["tiny"], mask)
        flat = inputs["attention_mask"].reshape(-1, mask.shape[-1])
    got = run(ours, inputs, output_hidden_states=True)
    expected = run(theirs, inputs, output_hidden_states=True)
    assert_outputs_close(got, expected, mask=flat)

    # the padding rule: the embeddings are computed everywhere, every layer's output is 0 at padding, and a
    # per-token head gives its value for the zero vector there
    pad = flat == 0
    torch.testing.assert_close(got.hidden_states[0], expected.hidden_states[0], atol=ATOL, rtol=0)
    for layer_output in (*got.hidden_states[1:], getattr(got, "last_hidden_state", None)):
        if layer_output is not None:
            assert torch.all(layer_output[pad] == 0)
    for key, value in zero_vector_outputs(ours).items():
        if key in got.keys():
            torch.testing.assert_close(got[key][pad], value.expand_as(got[key][pad]), atol=1e-6, rtol=0)


@pytest.mark.parametrize("how", ["output_attentions", "head_mask", "eager"])
def test_outputs_that_need_every_position_take_the_padded_path(tmp_path: Path, how: str) -> None:
    # attention weights, a head mask or eager attention: every position as transformers computes it
    ours, theirs = pair(tmp_path, "DistilBertForTokenClassification", CONFIGS["tiny"])
    theirs.set_attn_implementation("eager")
    inputs = ragged("DistilBertForTokenClassification", CONFIGS["tiny"], MASK)
    kwargs: dict[str, Any] = {"output_hidden_states": True}
    if how == "output_attentions":
        kwargs["output_attentions"] = True
    elif how == "head_mask":
        kwargs["head_mask"] = torch.ones(2, 4)  # masking nothing (transformers 5 has no head_mask to compare)
    else:
        ours = ferroformers.DistilBertForTokenClassification.from_pretrained(
            tmp_path / "DistilBertForTokenClassification", attn_implementation="eager"
        )
    got, expected = run(ours, inputs, **kwargs), run(theirs, inputs, **kwargs)
    assert_outputs_close(got, expected)  # padding positions included
    assert got.hidden_states[-1][1, 5:].abs().sum() > 0


@pytest.mark.parametrize("head", ["DistilBertModel", "DistilBertForTokenClassification"])
@pytest.mark.parametrize("how", ["from_pretrained", "attribute", "config"])
def test_unpad_batches_false_gives_transformers_values_at_padding(
    tmp_path: Path, head: str, how: str
) -> None:
    ours, theirs = pair(tmp_path, head, CONFIGS["tiny"])
    if how == "from_pretrained":
        ours = getattr(ferroformers, head).from_pretrained(tmp_path / head, unpad_batches=False)
    elif how == "attribute":
        ours.config.unpad_batches = False
    else:  # a config that says so, given with an override: the choice is kept
        config = DistilBertConfig.from_pretrained(tmp_path / head, unpad_batches=False)
        ours = getattr(ferroformers, head).from_pretrained(tmp_path / head, config=config, dropout=0.0)
    assert ours.config.unpad_batches is False
    inputs = ragged(head, CONFIGS["tiny"], HOLES)
    got, expected = (
        run(ours, inputs, output_hidden_states=True),
        run(theirs, inputs, output_hidden_states=True),
    )
    assert_outputs_close(got, expected)  # padding positions included
    assert got.hidden_states[-1][1, 1:].abs().sum() > 0
    # a runtime choice, like attn_implementation: not written to config.json
    ours.save_pretrained(tmp_path / "saved")
    assert "unpad_batches" not in (tmp_path / "saved" / "config.json").read_text()
    assert getattr(ferroformers, head).from_pretrained(tmp_path / "saved").config.unpad_batches is True


def test_unpad_batches_must_be_a_bool() -> None:
    with pytest.raises(ValueError, match="unpad_batches must be True or False, got 'no'"):
        DistilBertConfig(unpad_batches="no")
    config = DistilBertConfig()
    with pytest.raises(ValueError, match="unpad_batches must be True or False, got 0"):
        config.unpad_batches = 0  # type: ignore[assignment]
    assert config.unpad_batches is True


@pytest.mark.parametrize(
    "head", ["DistilBertForSequenceClassification", "DistilBertForMultipleChoice", "DistilBertModel"]
)
def test_left_padding(tmp_path: Path, head: str) -> None:
    # the classification heads pool the first position: padding on a left-padded batch, so they take the padded
    # path and give transformers' logits; the encoder alone stays unpadded
    ours, theirs = pair(tmp_path, head, CONFIGS["tiny"])
    left = MASK.flip(1)
    inputs = ragged(head, CONFIGS["tiny"], left)
    flat = inputs["attention_mask"].reshape(-1, left.shape[-1])
    got, expected = (
        run(ours, inputs, output_hidden_states=True),
        run(theirs, inputs, output_hidden_states=True),
    )
    if head == "DistilBertModel":
        assert_outputs_close(got, expected, mask=flat)
        assert torch.all(got.last_hidden_state[flat == 0] == 0)
    else:
        assert_outputs_close(got, expected)  # logits, loss and every hidden state, padding included


@pytest.mark.parametrize(
    "head", ["DistilBertForMaskedLM", "DistilBertForTokenClassification", "DistilBertForQuestionAnswering"]
)
def test_losses_that_read_padding_equal_transformers(tmp_path: Path, head: str) -> None:
    # labels scored on padding (token heads), or answer positions (the QA loss is a softmax over every position,
    # padding included): the padded path runs and the loss is transformers'
    ours, theirs = pair(tmp_path, head, QUIET)
    inputs = make_inputs(head, QUIET)
    if "labels" in inputs:
        inputs["labels"][1, 6] = 1  # a padding position with a label
    got, expected = run(ours, inputs), run(theirs, inputs)
    assert_outputs_close(got, expected)  # padding positions included
    # with labels on real tokens only, the unpadded MLM loss (computed from the real tokens) is the same number
    if head == "DistilBertForMaskedLM":
        inputs["labels"][1, 6] = -100
        torch.testing.assert_close(run(ours, inputs).loss, run(theirs, inputs).loss, atol=ATOL, rtol=0)


@pytest.mark.parametrize("head", HEADS)
def test_training_gradients_match_transformers(tmp_path: Path, head: str) -> None:
    ours, theirs = pair(tmp_path, head, QUIET)
    ours.train()
    theirs.train()
    inputs = ragged(
        head,
        QUIET,
        HOLES if head not in ("DistilBertForSequenceClassification", "DistilBertForMultipleChoice") else MASK,
    )
    if head == "DistilBertForQuestionAnswering":
        del inputs["start_positions"], inputs["end_positions"]
    for model in (ours, theirs):
        out = model(**inputs)
        loss = out.loss if "loss" in out.keys() else None
        if loss is None:  # no labels: a loss on the real tokens' outputs
            keep = inputs["attention_mask"].bool()
            first = out.last_hidden_state if head == "DistilBertModel" else out.start_logits
            loss = (first[keep] ** 2).sum()
        loss.backward()
    theirs_grads = dict(theirs.named_parameters())
    checked = 0
    for name, p in ours.named_parameters():
        q = theirs_grads[name]
        assert (p.grad is None) == (q.grad is None), name
        if p.grad is not None:
            torch.testing.assert_close(p.grad, q.grad, atol=ATOL, rtol=1e-4, msg=name)
            checked += 1
    assert checked >= 20


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(st.lists(st.booleans(), min_size=12, max_size=12), min_size=1, max_size=4),
    seed=st.integers(0, 2**16),
)
def test_any_mask_matches_transformers(
    tmp_path_factory: pytest.TempPathFactory, rows: list[list[bool]], seed: int
) -> None:
    ours, theirs = pair(tmp_path_factory.mktemp("any"), "DistilBertModel", CONFIGS["odd_heads"], seed)
    mask = torch.tensor(rows, dtype=torch.long)
    ids = torch.randint(
        0, CONFIGS["odd_heads"]["vocab_size"], mask.shape, generator=torch.Generator().manual_seed(seed)
    )
    got, expected = (
        run(ours, {"input_ids": ids, "attention_mask": mask}),
        run(theirs, {"input_ids": ids, "attention_mask": mask}),
    )
    assert_outputs_close(got, expected, mask=mask)
    if not mask.all():
        assert torch.all(got.last_hidden_state[mask == 0] == 0)


def test_unpadded_training_drops_out() -> None:
    # dropout draws differ from transformers' (other tensor shapes), so this checks the behaviour: seeded runs
    # repeat, other seeds differ, padding stays 0, and the loss backpropagates
    config = CONFIGS["relu"]
    model = ferroformers.DistilBertForTokenClassification(DistilBertConfig(**config)).train()
    inputs = ragged("DistilBertForTokenClassification", config, HOLES)
    outputs = []
    for seed in (1, 1, 2):
        torch.manual_seed(seed)
        outputs.append(model(**inputs, output_hidden_states=True))
    a, b, c = outputs
    assert torch.equal(a.logits, b.logits) and not torch.allclose(a.logits, c.logits)
    assert torch.all(a.hidden_states[-1][HOLES == 0] == 0)
    a.loss.backward()
    assert model.distilbert.transformer.layer[0].attention.q_lin.weight.grad.abs().sum() > 0


# ---- gradient checkpointing ------------------------------------------------------------------------------


@pytest.mark.parametrize("mask", [MASK, HOLES, None], ids=["right", "holes", "none"])
@pytest.mark.parametrize("use_reentrant", [None, True])
def test_gradient_checkpointing_gives_the_same_gradients(
    mask: torch.Tensor | None, use_reentrant: bool | None
) -> None:
    config = CONFIGS["relu"]  # dropout 0.3 and 0.2: the recomputed layers must replay the same random draws
    torch.manual_seed(0)
    model = ferroformers.DistilBertForMaskedLM(DistilBertConfig(**config)).train()
    inputs = make_inputs("DistilBertForMaskedLM", config)
    if mask is not None:
        inputs = ragged("DistilBertForMaskedLM", config, mask)
    else:
        del inputs["attention_mask"]

    def gradients(m: Any) -> dict[str, torch.Tensor]:
        m.zero_grad()
        torch.manual_seed(5)
        m(**inputs).loss.backward()
        return {n: p.grad.clone() for n, p in m.named_parameters() if p.grad is not None}

    assert model.supports_gradient_checkpointing and not model.is_gradient_checkpointing
    plain = gradients(model)
    kwargs = None if use_reentrant is None else {"use_reentrant": use_reentrant}
    model.gradient_checkpointing_enable(gradient_checkpointing_kwargs=kwargs)
    assert model.is_gradient_checkpointing and model.distilbert.transformer.gradient_checkpointing
    checkpointed = gradients(model)
    assert plain.keys() == checkpointed.keys() and len(plain) > 20
    for name, grad in plain.items():
        torch.testing.assert_close(checkpointed[name], grad, atol=1e-6, rtol=1e-5, msg=name)
    # frozen embeddings: the gradients still reach the layers through the embeddings' output
    model.get_input_embeddings().weight.requires_grad_(False)
    frozen = gradients(model)
    torch.testing.assert_close(
        frozen["distilbert.transformer.layer.0.ffn.lin1.weight"],
        plain["distilbert.transformer.layer.0.ffn.lin1.weight"],
        atol=1e-6,
        rtol=1e-5,
    )
    model.gradient_checkpointing_disable()
    assert not model.is_gradient_checkpointing and not model.is_activation_checkpointing
    model.activation_checkpointing_enable()  # transformers 5.24's name
    assert model.is_activation_checkpointing


def test_gradient_checkpointing_support_matches_transformers() -> None:
    config = DistilBertConfig(**CONFIGS["tiny"])
    for head in HEADS:
        assert (
            getattr(ferroformers, head).supports_gradient_checkpointing
            == getattr(transformers, head).supports_gradient_checkpointing
        )
    with pytest.raises(ValueError, match="does not support gradient checkpointing"):
        ferroformers.PreTrainedModel(config).gradient_checkpointing_enable()
    # eval mode or no gradients: nothing is recomputed, the outputs are the plain ones
    model = DistilBertModel(config).eval()
    expected = run(model, {"input_ids": MASK + 3, "attention_mask": MASK}).last_hidden_state
    model.gradient_checkpointing_enable()
    torch.testing.assert_close(
        run(model, {"input_ids": MASK + 3, "attention_mask": MASK}).last_hidden_state,
        expected,
        atol=0,
        rtol=0,
    )


# ---- torch.compile -----------------------------------------------------------------------------------------


def test_torch_compile_matches_eager() -> None:
    # a traced graph runs the padded batch and zeroes the padding: the same outputs and gradients as the unpadded
    # eager path (padding included), and no recompilation for another mask of the same shape. The "aot_eager"
    # backend traces exactly what the default one does, without generating C++ (minutes on a busy machine); the
    # default backend was checked by hand (benches/RESULTS.md)
    torch.manual_seed(0)
    config = {**QUIET, "n_layers": 1}
    model = ferroformers.DistilBertForMaskedLM(DistilBertConfig(**config)).train()  # no dropout: comparable
    compiled = torch.compile(model, backend="aot_eager")
    torch._dynamo.reset()
    for i, mask in enumerate((MASK, HOLES, torch.ones_like(MASK))):
        inputs = ragged("DistilBertForMaskedLM", config, mask)
        model.zero_grad()
        expected = model(**inputs)
        expected.loss.backward()
        expected_grads = {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}
        model.zero_grad()
        with torch._dynamo.config.patch(error_on_recompile=i > 0):
            got = compiled(**inputs)
            got.loss.backward()
        torch.testing.assert_close(got.logits, expected.logits, atol=1e-5, rtol=0)
        torch.testing.assert_close(got.loss, expected.loss, atol=1e-5, rtol=0)
        for name, grad in expected_grads.items():
            torch.testing.assert_close(dict(model.named_parameters())[name].grad, grad, atol=1e-5, rtol=1e-4)


@pytest.mark.filterwarnings(
    "ignore:`torch.jit.trace` is deprecated:FutureWarning",
    "ignore:`torch.jit.trace_method` is deprecated:FutureWarning",
)
def test_torch_jit_trace_runs_the_padded_batch() -> None:
    # a trace records one run: with the unpadded path it would bake in that batch's lengths
    torch.manual_seed(0)
    model = DistilBertModel(DistilBertConfig(**CONFIGS["tiny"], return_dict=False)).eval()
    ids = make_inputs("DistilBertModel", CONFIGS["tiny"], labels=False)["input_ids"]
    with pytest.warns(torch.jit.TracerWarning):
        traced = torch.jit.trace(model, (ids, MASK), check_trace=False)
    for mask in (MASK, HOLES):
        torch.testing.assert_close(
            traced(ids, mask)[0], run(model, {"input_ids": ids, "attention_mask": mask})[0], atol=1e-5, rtol=0
        )
