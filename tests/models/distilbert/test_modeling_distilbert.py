"""DistilBERT against transformers (the reference): checkpoints both ways, every head, outputs within 1e-5 (fp32)
with padding, hidden states, attentions and losses; pruning, dropout, embeddings resizing, the real pretrained
checkpoint and the guide's code blocks."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from testing_utils import examples, require_module

torch = require_module("torch")
transformers = require_module("transformers")

from distilbert_helpers import (  # noqa: E402
    ATOL,
    CONFIGS,
    HEADS,
    PER_TOKEN,
    assert_outputs_close,
    hf_model,
    make_inputs,
    run,
    token_mask,
)

import ferroformers  # noqa: E402
from ferroformers import DistilBertConfig, DistilBertModel, ResourceNotFoundError  # noqa: E402


@pytest.mark.parametrize("head", HEADS)
@pytest.mark.parametrize("name", list(CONFIGS))
def test_transformers_checkpoint_loads_with_equal_outputs(tmp_path: Path, name: str, head: str) -> None:
    config = CONFIGS[name]
    theirs = hf_model(head, config)
    theirs.save_pretrained(tmp_path / "hf")
    ours, info = getattr(ferroformers, head).from_pretrained(tmp_path / "hf", output_loading_info=True)
    assert info["missing_keys"] == info["unexpected_keys"] == info["mismatched_keys"] == []
    assert not ours.training and type(ours).__name__ == head
    assert set(ours.state_dict()) == set(theirs.state_dict())
    # fixed sinusoidal position embeddings stay frozen through loading (as in transformers 4.x)
    assert ours.get_position_embeddings().weight.requires_grad != bool(config.get("sinusoidal_pos_embds"))

    inputs = make_inputs(head, config)
    full = {"output_hidden_states": True, "output_attentions": True}
    expected = run(theirs, inputs, **full)
    assert (
        len(expected.attentions) == config["n_layers"]
        and len(expected.hidden_states) == config["n_layers"] + 1
    )
    assert_outputs_close(run(ours, inputs, **full), expected)
    # the fused (SDPA) path on both sides, ours unpadded
    theirs.set_attn_implementation("sdpa")
    assert_outputs_close(run(ours, inputs), run(theirs, inputs), mask=token_mask(inputs))
    # tuples like transformers' return_dict=False
    ours_tuple, theirs_tuple = run(ours, inputs, return_dict=False), run(theirs, inputs, return_dict=False)
    assert isinstance(ours_tuple, tuple) and len(ours_tuple) == len(theirs_tuple)
    for a, b, key in zip(ours_tuple, theirs_tuple, run(theirs, inputs).keys(), strict=True):
        close = {"mask": token_mask(inputs)} if key in PER_TOKEN else {}
        assert_outputs_close({key: a}, {key: b}, **close)

    # and back: our save loads in transformers with the same outputs
    ours.save_pretrained(tmp_path / "ours")
    back = getattr(transformers, head).from_pretrained(tmp_path / "ours", attn_implementation="eager").eval()
    assert_outputs_close(run(ours, inputs, **full), run(back, inputs, **full))


@pytest.mark.parametrize(
    "problem_type", ["regression", "single_label_classification", "multi_label_classification"]
)
def test_sequence_classification_losses(tmp_path: Path, problem_type: str) -> None:
    config = {**CONFIGS["tiny"], "num_labels": 1 if problem_type == "regression" else 3}
    theirs = hf_model("DistilBertForSequenceClassification", config)
    theirs.save_pretrained(tmp_path)
    ours = ferroformers.DistilBertForSequenceClassification.from_pretrained(tmp_path)
    inputs = make_inputs("DistilBertForSequenceClassification", config, problem_type=problem_type)
    expected = run(theirs, inputs)
    got = run(ours, inputs)
    assert_outputs_close(got, expected)
    # the problem type was inferred from the labels, as transformers does
    assert ours.config.problem_type == theirs.config.problem_type == problem_type
    # and a multi-output regression
    if problem_type == "regression":
        config3 = {**config, "num_labels": 3, "problem_type": "regression"}
        theirs3 = hf_model("DistilBertForSequenceClassification", config3)
        theirs3.save_pretrained(tmp_path / "r3")
        ours3 = ferroformers.DistilBertForSequenceClassification.from_pretrained(tmp_path / "r3")
        inputs["labels"] = torch.randn(2, 3)
        assert_outputs_close(run(ours3, inputs), run(theirs3, inputs))


def test_question_answering_clamps_positions(tmp_path: Path) -> None:
    config = CONFIGS["tiny"]
    theirs = hf_model("DistilBertForQuestionAnswering", config)
    theirs.save_pretrained(tmp_path)
    ours = ferroformers.DistilBertForQuestionAnswering.from_pretrained(tmp_path)
    inputs = make_inputs("DistilBertForQuestionAnswering", config)
    out = run(ours, inputs)
    # the out-of-range start position is not scored: the loss equals one computed from the in-range terms only
    ce = torch.nn.functional.cross_entropy
    start = ce(out.start_logits[:1], inputs["start_positions"][:1])
    end = ce(out.end_logits, inputs["end_positions"])
    torch.testing.assert_close(out.loss, (start + end) / 2)
    # (bs, 1) positions are accepted too
    inputs = {
        **inputs,
        "start_positions": inputs["start_positions"][:, None],
        "end_positions": inputs["end_positions"][:, None],
    }
    torch.testing.assert_close(run(ours, inputs).loss, out.loss)
    with pytest.raises(ValueError, match="num_labels == 2"):
        ferroformers.DistilBertForQuestionAnswering(DistilBertConfig(**config, num_labels=3))


@settings(
    max_examples=examples(8), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    n_heads=st.integers(1, 5),
    head_size=st.integers(1, 6),
    n_layers=st.integers(1, 3),
    hidden_dim=st.integers(1, 40),
    activation=st.sampled_from(
        ["gelu", "relu", "gelu_new", "silu", "gelu_pytorch_tanh", "quick_gelu", "gelu_fast", "tanh", "mish"]
    ),
    sinusoidal=st.booleans(),
    head=st.sampled_from(HEADS),
    seed=st.integers(0, 2**16),
)
def test_random_configs_match_transformers(
    tmp_path_factory: pytest.TempPathFactory,
    n_heads: int,
    head_size: int,
    n_layers: int,
    hidden_dim: int,
    activation: str,
    sinusoidal: bool,
    head: str,
    seed: int,
) -> None:
    config = dict(
        vocab_size=50,
        dim=n_heads * head_size,
        n_heads=n_heads,
        n_layers=n_layers,
        hidden_dim=hidden_dim,
        activation=activation,
        sinusoidal_pos_embds=sinusoidal,
        max_position_embeddings=16,
        initializer_range=0.3,
    )
    theirs = hf_model(head, config, seed=seed)
    folder = tmp_path_factory.mktemp("random")
    theirs.save_pretrained(folder)
    ours = getattr(ferroformers, head).from_pretrained(folder)
    inputs = make_inputs(head, config, seed=seed)
    full = {"output_hidden_states": True, "output_attentions": True}
    assert_outputs_close(run(ours, inputs, **full), run(theirs, inputs, **full))


def test_inputs_embeds_position_ids_and_chunked_ffn_match_transformers(tmp_path: Path) -> None:
    config = {**CONFIGS["tiny"], "chunk_size_feed_forward": 3}
    theirs = hf_model("DistilBertModel", config)
    theirs.save_pretrained(tmp_path)
    ours = DistilBertModel.from_pretrained(tmp_path)
    assert ours.config.chunk_size_feed_forward == 3
    inputs = make_inputs("DistilBertModel", config, labels=False)
    embeds = theirs.get_input_embeddings()(inputs["input_ids"])
    kwargs = {"inputs_embeds": embeds, "attention_mask": inputs["attention_mask"]}
    mask = inputs["attention_mask"]
    assert_outputs_close(run(ours, kwargs), run(theirs, kwargs), mask=mask)
    position_ids = torch.tensor([[3, 1, 4, 1, 5, 9, 2, 6, 5]])
    assert_outputs_close(
        run(ours, inputs, position_ids=position_ids),
        run(theirs, inputs, position_ids=position_ids),
        mask=mask,
    )
    unchunked = copy.deepcopy(ours)
    for layer in unchunked.transformer.layer:
        layer.ffn.chunk_size_feed_forward = 0
    assert_outputs_close(run(unchunked, inputs), run(ours, inputs), atol=1e-6)


# ---- pruning ---------------------------------------------------------------------------------------------


def zero_heads(model: Any, heads: dict[int, list[int]]) -> Any:
    """A copy whose pruned heads' output columns (out_lin inputs) are zero: what pruning must equal."""
    model = copy.deepcopy(model)
    size = model.config.dim // model.config.n_heads
    with torch.no_grad():
        for layer, hs in heads.items():
            for h in hs:
                model.distilbert.transformer.layer[layer].attention.out_lin.weight[
                    :, h * size : (h + 1) * size
                ] = 0
    return model


def test_prune_heads_equals_zeroing_their_output_columns(tmp_path: Path) -> None:
    config = {**CONFIGS["odd_heads"], "n_layers": 3}
    theirs = hf_model("DistilBertForSequenceClassification", config)
    theirs.save_pretrained(tmp_path / "hf")
    model = ferroformers.DistilBertForSequenceClassification.from_pretrained(tmp_path / "hf")
    heads = {0: [1, 3], 2: [4, 0]}
    reference = zero_heads(model, heads)
    before = model.num_parameters()
    model.prune_heads(heads)
    size = config["dim"] // config["n_heads"]
    attn0 = model.distilbert.transformer.layer[0].attention
    assert attn0.n_heads == 3 and attn0.q_lin.weight.shape == (3 * size, config["dim"])
    assert attn0.out_lin.weight.shape == (config["dim"], 3 * size)
    assert model.distilbert.transformer.layer[1].attention.n_heads == 5
    assert model.config.pruned_heads == {0: [1, 3], 2: [0, 4]}
    # per pruned head: q/k/v lose size rows (and biases), out_lin size columns
    assert before - model.num_parameters() == 4 * (4 * size * config["dim"] + 3 * size)
    inputs = make_inputs("DistilBertForSequenceClassification", config)
    full = {"output_hidden_states": True, "output_attentions": True}
    expected = run(reference, inputs)
    assert_outputs_close(run(model, inputs), expected)
    pruned_full = run(model, inputs, **full)
    torch.testing.assert_close(pruned_full.logits, expected.logits, atol=ATOL, rtol=0)
    assert pruned_full.attentions[0].shape[1] == 3 and pruned_full.attentions[1].shape[1] == 5
    # a head mask zeroing the same heads gives the same numbers
    head_mask = torch.ones(3, 5)
    for layer, hs in heads.items():
        head_mask[layer, hs] = 0
    torch.testing.assert_close(
        run(reference, inputs, head_mask=head_mask).logits, expected.logits, atol=ATOL, rtol=0
    )

    # saved with config.pruned_heads, pruned again on load
    model.save_pretrained(tmp_path / "pruned")
    loaded = ferroformers.DistilBertForSequenceClassification.from_pretrained(tmp_path / "pruned")
    assert loaded.config.pruned_heads == {0: [1, 3], 2: [0, 4]}
    assert loaded.distilbert.transformer.layer[2].attention.n_heads == 3
    assert_outputs_close(run(loaded, inputs, **full), pruned_full)
    # pruning more later: head numbers are those of the unpruned layer; pruning twice is harmless
    loaded.prune_heads({0: [2, 3]})
    assert loaded.config.pruned_heads[0] == [1, 2, 3]
    assert loaded.distilbert.transformer.layer[0].attention.n_heads == 2
    torch.testing.assert_close(
        run(loaded, inputs).logits, run(zero_heads(reference, {0: [2]}), inputs).logits, atol=ATOL, rtol=0
    )


def test_prune_heads_errors() -> None:
    model = DistilBertModel(DistilBertConfig(**CONFIGS["tiny"]))
    with pytest.raises(ValueError, match="layer 5 does not exist"):
        model.prune_heads({5: [0]})
    with pytest.raises(ValueError, match=r"heads 0\.\.3, not \[4\]"):
        model.prune_heads({0: [4]})
    with pytest.raises(ValueError, match="every head of layer 1"):
        model.prune_heads({1: [0, 1, 2, 3]})
    assert model.config.pruned_heads == {}
    with pytest.raises(ValueError, match="head_mask must have shape"):
        model(torch.ones(1, 3, dtype=torch.long), head_mask=torch.ones(3))


# ---- dropout, init, embeddings -----------------------------------------------------------------------------


def test_dropout_off_in_eval_on_in_train(tmp_path: Path) -> None:
    config = CONFIGS["relu"]
    theirs = hf_model("DistilBertForTokenClassification", config)
    theirs.save_pretrained(tmp_path)
    model = ferroformers.DistilBertForTokenClassification.from_pretrained(tmp_path)
    inputs = make_inputs("DistilBertForTokenClassification", config, labels=False)
    first, second = run(model, inputs).logits, run(model, inputs).logits
    assert torch.equal(first, second)
    model.train()
    a, b = run(model, inputs).logits, run(model, inputs).logits
    assert not torch.allclose(a, first, atol=1e-3) and not torch.allclose(a, b, atol=1e-3)
    # eager path too (attention weights dropped out)
    attn_a = run(model, inputs, output_attentions=True).attentions[0]
    assert (attn_a == 0).any()
    # with every dropout probability at 0, training mode changes nothing
    quiet = ferroformers.DistilBertForTokenClassification.from_pretrained(
        tmp_path, dropout=0.0, attention_dropout=0.0
    ).train()
    torch.testing.assert_close(run(quiet, inputs).logits, first, atol=ATOL, rtol=0)


def test_weight_init_from_initializer_range() -> None:
    torch.manual_seed(0)
    config = DistilBertConfig(
        vocab_size=500,
        dim=64,
        n_layers=2,
        n_heads=4,
        hidden_dim=128,
        initializer_range=0.5,
        pad_token_id=7,
        tie_word_embeddings=False,
    )
    model = ferroformers.DistilBertForMaskedLM(config)
    for name, p in model.named_parameters():
        if "LayerNorm" in name or "layer_norm" in name:
            assert torch.all(p == (1.0 if name.endswith("weight") else 0.0)), name
        elif name.endswith("bias"):
            assert torch.all(p == 0), name
        else:
            rows = p[torch.arange(p.shape[0]) != 7] if "word_embeddings" in name else p
            assert abs(rows.std().item() - 0.5) < 0.05 and abs(rows.mean().item()) < 0.05, name
    assert torch.all(model.get_input_embeddings().weight[7] == 0)
    assert model.vocab_projector.weight is not model.get_input_embeddings().weight


def test_sinusoidal_position_embeddings_are_transformers_table_and_fixed() -> None:
    from transformers.models.distilbert.modeling_distilbert import create_sinusoidal_embeddings as theirs

    config = DistilBertConfig(**CONFIGS["sinusoidal"])
    model = DistilBertModel(config)
    table = model.embeddings.position_embeddings.weight
    expected = theirs(config.max_position_embeddings, config.dim, torch.empty_like(table))
    assert torch.equal(table, expected)
    assert not table.requires_grad
    assert model.num_parameters() - model.num_parameters(only_trainable=True) == table.numel()


def test_embeddings_accessors_tying_and_counts() -> None:
    config = DistilBertConfig(**CONFIGS["tiny"])
    mlm = ferroformers.DistilBertForMaskedLM(config)
    assert mlm.get_output_embeddings() is mlm.vocab_projector
    assert mlm.vocab_projector.weight is mlm.get_input_embeddings().weight
    assert DistilBertModel(config).get_output_embeddings() is None
    torch.manual_seed(0)
    theirs = transformers.DistilBertForMaskedLM(transformers.DistilBertConfig(**CONFIGS["tiny"]))
    assert mlm.num_parameters() == theirs.num_parameters()
    assert mlm.num_parameters(exclude_embeddings=True) == mlm.num_parameters() - 99 * 32 - 64 * 32
    new = torch.nn.Embedding(99, 32)
    mlm.set_input_embeddings(new)
    mlm.tie_weights()
    assert mlm.distilbert.embeddings.word_embeddings is new and mlm.vocab_projector.weight is new.weight
    assert mlm.device == torch.device("cpu") and mlm.dtype == torch.float32
    assert mlm.to(torch.float64).dtype == torch.float64


@pytest.mark.parametrize("tie", [True, False])
@pytest.mark.parametrize("mean_resizing", [True, False])
@pytest.mark.parametrize(
    "vocab_size", [99, 20]
)  # 20 rows < dim 32: a degenerate covariance, the mean is used
def test_resize_token_embeddings_matches_transformers_seeded(
    tmp_path: Path, tie: bool, mean_resizing: bool, vocab_size: int
) -> None:
    config = {**CONFIGS["tiny"], "tie_word_embeddings": tie, "vocab_size": vocab_size}
    theirs = hf_model("DistilBertForMaskedLM", config)
    with torch.no_grad():  # biases that are not all zero, so that the new ones' mean and spread show
        theirs.vocab_projector.bias.normal_(0.5, 0.1, generator=torch.Generator().manual_seed(3))
    theirs.save_pretrained(tmp_path / "hf")
    ours = ferroformers.DistilBertForMaskedLM.from_pretrained(tmp_path / "hf")
    inputs = make_inputs("DistilBertForMaskedLM", {**config, "vocab_size": min(vocab_size, 20)}, labels=False)
    keep = inputs["attention_mask"].bool()
    for n, multiple in ((110, 8), (None, 16), (150, None), (50, None), (50, None)):
        torch.manual_seed(7)
        expected = theirs.resize_token_embeddings(n, pad_to_multiple_of=multiple, mean_resizing=mean_resizing)
        torch.manual_seed(7)
        got = ours.resize_token_embeddings(n, pad_to_multiple_of=multiple, mean_resizing=mean_resizing)
        assert got is ours.get_input_embeddings() and got.num_embeddings == expected.num_embeddings
        assert ours.config.vocab_size == theirs.config.vocab_size == expected.num_embeddings
        assert got.padding_idx == expected.padding_idx
        assert (ours.vocab_projector.weight is got.weight) == tie
        assert ours.vocab_projector.out_features == expected.num_embeddings
        ours_state, theirs_state = ours.state_dict(), theirs.state_dict()
        assert set(ours_state) == set(theirs_state)
        for key, value in theirs_state.items():
            assert torch.equal(ours_state[key], value), key  # the same random draws, bit for bit
        torch.testing.assert_close(
            run(ours, inputs).logits[keep], run(theirs, inputs).logits[keep], atol=ATOL, rtol=0
        )
    # the resized model saves, and loads in transformers with the same outputs
    ours.save_pretrained(tmp_path / "resized")
    back = transformers.DistilBertForMaskedLM.from_pretrained(tmp_path / "resized").eval()
    assert back.config.vocab_size == 50
    torch.testing.assert_close(
        run(back, inputs).logits[keep], run(ours, inputs).logits[keep], atol=ATOL, rtol=0
    )


def test_resize_token_embeddings_rows_and_errors(tmp_path: Path) -> None:
    model = ferroformers.DistilBertForMaskedLM(DistilBertConfig(**CONFIGS["tiny"])).eval()
    old = model.get_input_embeddings().weight.detach().clone()
    new = model.resize_token_embeddings(1000)
    assert torch.equal(new.weight[:99], old)
    # mean resizing: the new rows sit at the old rows' mean, with 1e-9 of their covariance
    torch.testing.assert_close(new.weight[99:], old.mean(0).expand(901, -1), atol=1e-5, rtol=0)
    assert new.weight[99:].std(0).max() > 0 and torch.all(model.vocab_projector.bias[99:] == 0)  # tied: zeros
    plain = model.resize_token_embeddings(2000, mean_resizing=False)
    assert abs(plain.weight[1000:].std().item() - 0.02) < 0.002  # normal(0, initializer_range)
    small = model.resize_token_embeddings(50)
    assert small.num_embeddings == 50 and torch.equal(small.weight, old[:50])
    assert model.vocab_projector.bias.shape == (50,) and model.resize_token_embeddings() is small
    assert (
        int(model(torch.tensor([[49]])).logits.argmax()) >= 0
    )  # new ids are accepted, old ones beyond are not
    with pytest.raises(IndexError, match="outside the vocabulary"):
        model(torch.tensor([[50]]))
    with pytest.raises(ValueError, match="pad_to_multiple_of"):
        model.resize_token_embeddings(60, pad_to_multiple_of=0)
    with pytest.raises(ValueError, match="new_num_tokens must be a positive integer"):
        model.resize_token_embeddings(0)


# ---- forward errors --------------------------------------------------------------------------------------


def test_forward_errors_are_clear() -> None:
    model = DistilBertModel(DistilBertConfig(**CONFIGS["tiny"])).eval()
    with pytest.raises(IndexError, match=r"input_ids\[0, 2\] is 99, outside the vocabulary .*0\.\.98"):
        model(torch.tensor([[1, 2, 99]]))
    with pytest.raises(IndexError, match=r"input_ids\[0, 0\] is -1"):
        model(torch.tensor([[-1, 2]]))
    with pytest.raises(ValueError, match="sequence length 65 is longer than max_position_embeddings"):
        model(torch.ones(1, 65, dtype=torch.long))
    with pytest.raises(ValueError, match="exactly one of input_ids and inputs_embeds"):
        model(torch.ones(1, 3, dtype=torch.long), inputs_embeds=torch.zeros(1, 3, 32))
    with pytest.raises(ValueError, match="exactly one of"):
        model()
    with pytest.raises(ValueError, match=r"attention_mask has shape \[1, 4\] but the input is \[1, 3\]"):
        model(torch.ones(1, 3, dtype=torch.long), attention_mask=torch.ones(1, 4))
    with pytest.raises(ValueError, match=r"input_ids must have shape \(batch, seq_len\)"):
        model(torch.ones(3, dtype=torch.long))
    with pytest.raises(TypeError, match="integer tensor"):
        model(torch.ones(1, 3))
    with pytest.raises(TypeError, match="expected a DistilBertConfig"):
        DistilBertModel({"dim": 3})  # type: ignore[arg-type]


def test_output_dataclass_access() -> None:
    model = ferroformers.DistilBertForTokenClassification(DistilBertConfig(**CONFIGS["tiny"])).eval()
    inputs = make_inputs("DistilBertForTokenClassification", CONFIGS["tiny"])
    out = run(model, inputs, output_hidden_states=True)
    assert out.keys() == ["loss", "logits", "hidden_states"] and list(out) == out.keys() and len(out) == 3
    assert out[0] is out.loss is out["loss"] and out[1] is out.logits and out[-1] is out.hidden_states
    assert out[:2] == (out.loss, out.logits) and out.to_tuple() == (out.loss, out.logits, out.hidden_states)
    assert "attentions" not in out
    with pytest.raises(KeyError, match="attentions"):
        out["attentions"]
    no_labels = run(model, {"input_ids": inputs["input_ids"]})
    assert no_labels[0] is no_labels.logits


# ---- the real pretrained checkpoint and the guide ----------------------------------------------------------


def real_inputs(folder: Path) -> dict[str, Any]:
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
    texts = [
        "The quick brown fox jumps over the lazy dog.",
        "DistilBERT is a smaller, faster, cheaper and lighter version of BERT.",
        "Hi!",
    ]
    encodings = tokenizer.encode_batch(texts)
    return {
        "input_ids": torch.tensor([e.ids for e in encodings]),
        "attention_mask": torch.tensor([e.attention_mask for e in encodings]),
    }


def test_real_pretrained_checkpoint_matches_transformers(assets: Path) -> None:
    folder = assets / "distilbert-minilm-l6"
    ours, info = DistilBertModel.from_pretrained(folder, output_loading_info=True)
    assert info["missing_keys"] == info["unexpected_keys"] == []
    theirs = transformers.DistilBertModel.from_pretrained(folder, attn_implementation="eager").eval()
    inputs = real_inputs(folder)
    assert inputs["attention_mask"].min() == 0  # padding is exercised
    full = {"output_hidden_states": True, "output_attentions": True}
    assert_outputs_close(run(ours, inputs, **full), run(theirs, inputs, **full))
    theirs.set_attn_implementation("sdpa")
    assert_outputs_close(run(ours, inputs), run(theirs, inputs), mask=inputs["attention_mask"])
    # into a head model: the encoder is loaded, the head newly initialised and reported
    cls, info = ferroformers.DistilBertForSequenceClassification.from_pretrained(
        folder, num_labels=3, output_loading_info=True
    )
    assert sorted(info["missing_keys"]) == [
        "classifier.bias",
        "classifier.weight",
        "pre_classifier.bias",
        "pre_classifier.weight",
    ]
    torch.testing.assert_close(
        run(cls.distilbert, inputs).last_hidden_state, run(ours, inputs).last_hidden_state, atol=0, rtol=0
    )
    assert run(cls, inputs).logits.shape == (3, 3)


def test_guide_code_blocks_run(assets: Path) -> None:
    folder = assets / "distilbert-minilm-l6"
    # "Create a custom architecture": a model from a configuration...
    my_config = DistilBertConfig(activation="relu", attention_dropout=0.4)
    model = DistilBertModel(my_config)
    assert model.config.activation == "relu" and model.num_parameters() > 60_000_000
    # ...from pretrained weights...
    model = DistilBertModel.from_pretrained(folder)
    assert model.config.dim == 384
    # ...with your own configuration (same sizes, other hyper-parameters)
    my_config = DistilBertConfig.from_pretrained(folder, activation="relu", attention_dropout=0.4)
    model = DistilBertModel.from_pretrained(folder, config=my_config)
    assert model.config.activation == "relu" and model.config.attention_dropout == 0.4
    assert my_config.architectures == ["DistilBertModel"]  # the caller's config object is not changed
    # heads
    model = ferroformers.DistilBertForSequenceClassification.from_pretrained(folder)
    assert model.classifier.out_features == 2
    model = ferroformers.DistilBertForQuestionAnswering.from_pretrained(folder)
    out = run(model, real_inputs(folder))
    assert out.start_logits.shape == out.end_logits.shape == (3, real_inputs(folder)["input_ids"].shape[1])


def test_hub_id_offline_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(
        ResourceNotFoundError, match=r"distilbert/distilbert-base-uncased/config\.json.*HF_HUB_OFFLINE"
    ):
        DistilBertModel.from_pretrained("distilbert/distilbert-base-uncased", cache_dir=tmp_path)
