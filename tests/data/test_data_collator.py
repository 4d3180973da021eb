"""Collators: the same tensors as transformers' collators for the same features and seed, with our slow and fast
tokenizers (transformers' own tokenizer and collator are the reference side)."""

from __future__ import annotations

import itertools
import multiprocessing
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
import transformers
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import ferroformers
from ferroformers import AutoTokenizer
from ferroformers.data.data_collator import DataCollatorForLanguageModeling, DataCollatorWithPadding

SAMPLE = Path(ferroformers.__file__).parent / "bundled" / "sample_corpus.txt"
LINES = [line for line in SAMPLE.read_text(encoding="utf-8").split("\n") if line][:64]


@pytest.fixture(scope="module")
def vocab_dir(assets: Path) -> Path:
    return assets / "bert-base-uncased"


@pytest.fixture(scope="module")
def reference(vocab_dir: Path):
    return transformers.AutoTokenizer.from_pretrained(str(vocab_dir))


@pytest.fixture(scope="module", params=["fast", "slow"])
def ours(request, vocab_dir: Path):
    return AutoTokenizer.from_pretrained(str(vocab_dir), use_fast=request.param == "fast")


@pytest.fixture(scope="module")
def ids(reference) -> list[list[int]]:
    """Real documents of different lengths ([CLS] ... [SEP]), some with [UNK]."""
    return reference(LINES[:12], truncation=True, max_length=48)["input_ids"]


def features(ids: list[list[int]], kind: str) -> list:
    if kind == "lists":
        return [list(row) for row in ids]
    if kind == "tensors":
        return [torch.tensor(row, dtype=torch.long) for row in ids]
    if kind == "dict-lists":
        return [{"input_ids": list(row)} for row in ids]
    if kind == "dict-tensors":
        return [{"input_ids": torch.tensor(row, dtype=torch.long)} for row in ids]
    if kind == "dict-numpy":
        return [{"input_ids": np.array(row, dtype=np.uint16)} for row in ids]
    raise AssertionError(kind)


def assert_same_batch(ours, theirs) -> None:
    assert list(ours.keys()) == list(theirs.keys())
    for key in theirs:
        a, b = ours[key], theirs[key]
        assert type(a) is type(b), key
        assert a.dtype == b.dtype, key
        assert a.shape == b.shape, key
        assert (a == b).all(), key


KINDS = ["lists", "tensors", "dict-lists", "dict-tensors", "dict-numpy"]
PROBS = [(0.8, 0.1), (1.0, 0.0), (0.0, 1.0), (0.5, 0.4), (0.0, 0.0)]


# transformers cannot pad a list of torch tensors into numpy (np.full with a torch dtype): see
# test_torch_rows_into_numpy_are_padded for ours
@pytest.mark.parametrize(
    ("kind", "return_tensors"), [(k, r) for k in KINDS for r in ("pt", "np") if (k, r) != ("tensors", "np")]
)
def test_mlm_same_tensors_as_transformers(ours, reference, ids, kind: str, return_tensors: str) -> None:
    for seed, mlm_probability, (mask_p, random_p), multiple in itertools.islice(
        itertools.product([0, 1, 12345], [0.15, 0.5], PROBS, [None, 8]), 0, None, 5
    ):
        kwargs = dict(
            mlm_probability=mlm_probability,
            mask_replace_prob=mask_p,
            random_replace_prob=random_p,
            pad_to_multiple_of=multiple,
            seed=seed,
            return_tensors=return_tensors,
        )
        mine = DataCollatorForLanguageModeling(ours, **kwargs)
        theirs = transformers.DataCollatorForLanguageModeling(reference, **kwargs)
        for _ in range(3):  # the generator carries on from batch to batch
            assert_same_batch(mine(features(ids, kind)), theirs(features(ids, kind)))


@pytest.mark.parametrize("return_tensors", ["pt", "np"])
def test_every_probability_combination_and_seed(ours, reference, ids, return_tensors: str) -> None:
    for seed, (mask_p, random_p) in itertools.product([0, 3, 99], PROBS):
        kwargs = dict(
            mlm_probability=0.4,
            mask_replace_prob=mask_p,
            random_replace_prob=random_p,
            seed=seed,
            return_tensors=return_tensors,
        )
        a = DataCollatorForLanguageModeling(ours, **kwargs)(features(ids, "dict-lists"))
        b = transformers.DataCollatorForLanguageModeling(reference, **kwargs)(features(ids, "dict-lists"))
        assert_same_batch(a, b)


def test_with_transformers_tokenizer_too(reference, ids) -> None:
    """Our collators take transformers' tokenizers (through their own `pad`)."""
    for return_tensors in ("pt", "np"):
        kw = dict(seed=8, pad_to_multiple_of=8, return_tensors=return_tensors)
        assert_same_batch(
            DataCollatorForLanguageModeling(reference, **kw)(features(ids, "dict-lists")),
            transformers.DataCollatorForLanguageModeling(reference, **kw)(features(ids, "dict-lists")),
        )
        assert_same_batch(
            DataCollatorWithPadding(reference, return_tensors=return_tensors)(features(ids, "dict-lists")),
            transformers.DataCollatorWithPadding(reference, return_tensors=return_tensors)(
                features(ids, "dict-lists")
            ),
        )


def test_without_seed_the_global_generators_give_the_same_draws(ours, reference, ids) -> None:
    for return_tensors in ("pt", "np"):
        mine = DataCollatorForLanguageModeling(ours, return_tensors=return_tensors)
        theirs = transformers.DataCollatorForLanguageModeling(reference, return_tensors=return_tensors)
        torch.manual_seed(5)
        np.random.seed(5)
        a = mine(features(ids, "dict-tensors"))
        torch.manual_seed(5)
        np.random.seed(5)
        b = theirs(features(ids, "dict-tensors"))
        assert_same_batch(a, b)


def test_torch_rows_into_numpy_are_padded(ours, ids) -> None:
    """transformers raises a TypeError here; ours pads them as it pads lists."""
    a = DataCollatorForLanguageModeling(ours, seed=2, return_tensors="np")(features(ids, "tensors"))
    b = DataCollatorForLanguageModeling(ours, seed=2, return_tensors="np")(features(ids, "lists"))
    assert_same_batch(a, b)


def test_left_padding_of_empty_rows(sided) -> None:
    """transformers fails here (an empty row is written to `result[i, -0:]`, the whole row)."""
    mine = sided["left"][0]
    for kind, return_tensors in itertools.product(["lists", "tensors"], ["pt", "np"]):
        batch = DataCollatorForLanguageModeling(mine, mlm=False, return_tensors=return_tensors)(
            features([[], [101, 7592, 102], [5]], kind)
        )
        assert np.asarray(batch["input_ids"]).tolist() == [[0, 0, 0], [101, 7592, 102], [0, 0, 5]]
        assert np.asarray(batch["labels"]).tolist() == [[-100] * 3, [101, 7592, 102], [-100, -100, 5]]


def test_ids_that_are_not_integers_are_an_error(ours) -> None:
    for return_tensors, row in [("pt", torch.tensor([101.0, 102.0])), ("np", np.array([101.0, 102.0]))]:
        with pytest.raises(TypeError, match="input_ids must hold integer ids, got float"):
            DataCollatorForLanguageModeling(ours, return_tensors=return_tensors)([row, row])


def test_causal_lm_labels(ours, reference, ids) -> None:
    for return_tensors, multiple in itertools.product(["pt", "np"], [None, 16]):
        a = DataCollatorForLanguageModeling(
            ours, mlm=False, pad_to_multiple_of=multiple, return_tensors=return_tensors
        )(features(ids, "dict-lists"))
        b = transformers.DataCollatorForLanguageModeling(
            reference, mlm=False, pad_to_multiple_of=multiple, return_tensors=return_tensors
        )(features(ids, "dict-lists"))
        assert_same_batch(a, b)


def test_given_special_tokens_mask_and_left_padding(vocab_dir: Path, reference, ids) -> None:
    mine_tok = AutoTokenizer.from_pretrained(str(vocab_dir), padding_side="left")
    ref_tok = transformers.AutoTokenizer.from_pretrained(str(vocab_dir), padding_side="left")
    enc = ref_tok(LINES[:8], truncation=True, max_length=40, return_special_tokens_mask=True)
    feats = [{k: enc[k][i] for k in enc} for i in range(8)]
    for seed in (0, 1):
        a = DataCollatorForLanguageModeling(mine_tok, mlm_probability=0.5, seed=seed)(feats)
        b = transformers.DataCollatorForLanguageModeling(ref_tok, mlm_probability=0.5, seed=seed)(feats)
        assert_same_batch(a, b)
        assert "special_tokens_mask" not in a


def test_whole_word_mask_same_as_transformers(vocab_dir: Path, reference) -> None:
    fast = AutoTokenizer.from_pretrained(str(vocab_dir))
    texts = [
        "unaffordable housing crisis in extraordinarily large cities",
        "tokenization of antidisestablishment",
    ]
    enc = reference(texts, padding="max_length", max_length=24, return_offsets_mapping=True)
    feats = [{k: enc[k][i] for k in enc} for i in range(2)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for seed, return_tensors in itertools.product((0, 4), ("pt", "np")):
            kw = dict(whole_word_mask=True, mlm_probability=0.5, seed=seed, return_tensors=return_tensors)
            a = DataCollatorForLanguageModeling(fast, **kw)(feats)
            b = transformers.DataCollatorForLanguageModeling(reference, **kw)(feats)
            assert_same_batch(a, b)
    with pytest.raises(ValueError, match="offset_mapping"):
        DataCollatorForLanguageModeling(
            fast, whole_word_mask=True, mask_replace_prob=1.0, random_replace_prob=0.0
        )([{"input_ids": row} for row in enc["input_ids"]])


def test_special_tokens_never_masked_and_labels_only_on_chosen(ours, ids) -> None:
    special = set(ours.all_special_ids)
    collator = DataCollatorForLanguageModeling(
        ours, mlm_probability=1.0, mask_replace_prob=1.0, random_replace_prob=0.0, seed=0
    )
    batch = collator(features(ids, "dict-lists"))
    original = DataCollatorWithPadding(ours)(features(ids, "dict-lists"))["input_ids"]
    is_special = torch.tensor([[int(t) in special for t in row] for row in original.tolist()])
    assert (batch["labels"][is_special] == -100).all()
    assert torch.equal(batch["input_ids"][is_special], original[is_special])
    # with probability 1 every other token is chosen, kept in labels and replaced by [MASK]
    assert torch.equal(batch["labels"][~is_special], original[~is_special])
    assert (batch["input_ids"][~is_special] == ours.mask_token_id).all()
    # at the default probabilities: labels are -100 exactly where the input was not chosen
    batch = DataCollatorForLanguageModeling(ours, seed=1)(features(ids, "dict-lists"))
    chosen = batch["labels"] != -100
    assert chosen.any() and not chosen[is_special].any()
    assert torch.equal(batch["labels"][chosen], original[chosen])
    assert torch.equal(batch["input_ids"][~chosen], original[~chosen])


@pytest.mark.parametrize("return_tensors", ["pt", "np"])
def test_with_padding_same_as_transformers(ours, reference, return_tensors: str) -> None:
    enc = reference(LINES[:6], LINES[6:12], truncation=True, max_length=30)
    feats = [{**{k: enc[k][i] for k in enc}, "label": i % 3} for i in range(6)]
    for padding, max_length, multiple in [
        (True, None, None),
        ("longest", None, 8),
        ("max_length", 32, None),
        ("max_length", 30, 16),
        (True, None, 7),
    ]:
        kw = dict(
            padding=padding, max_length=max_length, pad_to_multiple_of=multiple, return_tensors=return_tensors
        )
        a = DataCollatorWithPadding(ours, **kw)([dict(f) for f in feats])
        b = transformers.DataCollatorWithPadding(reference, **kw)([dict(f) for f in feats])
        assert_same_batch(a, b)
        assert "labels" in a and "label" not in a
    # tensors in, label_ids out as labels
    feats = [{"input_ids": torch.tensor(row), "label_ids": [1, 2]} for row in enc["input_ids"]]
    a = DataCollatorWithPadding(ours, return_tensors=return_tensors)(feats)
    b = transformers.DataCollatorWithPadding(reference, return_tensors=return_tensors)(feats)
    assert_same_batch(a, b)


@pytest.fixture(scope="module")
def sided(vocab_dir: Path) -> dict[str, tuple]:
    """(ours, transformers') tokenizers padding on each side."""
    return {
        side: (
            AutoTokenizer.from_pretrained(str(vocab_dir), padding_side=side),
            transformers.AutoTokenizer.from_pretrained(str(vocab_dir), padding_side=side),
        )
        for side in ("right", "left")
    }


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.lists(st.sampled_from([0, 100, 101, 102, 103, 1996, 2003, 7592, 29999]), max_size=20),
        min_size=1,
        max_size=6,
    ),
    kind=st.sampled_from(KINDS),
    seed=st.integers(0, 2**31),
    multiple=st.sampled_from([None, 1, 3, 8]),
    side=st.sampled_from(["right", "left"]),
    with_types=st.booleans(),
    return_tensors=st.sampled_from(["pt", "np"]),
)
def test_random_batches_same_as_transformers(
    sided, rows, kind, seed, multiple, side, with_types, return_tensors
) -> None:
    """Ragged rows (empty ones too), every feature kind, both padding sides, token type ids: same tensors."""
    assume((kind, return_tensors) != ("tensors", "np"))  # transformers raises there (see above)
    # transformers' left padding of an empty list row writes it to result[i, -0:], the whole row, and fails
    assume(side == "right" or all(rows) or kind.startswith("dict"))
    mine_tok, ref_tok = sided[side]
    feats_a, feats_b = features(rows, kind), features(rows, kind)
    if with_types and kind.startswith("dict"):
        for fa, fb, row in zip(feats_a, feats_b, rows, strict=True):
            fa["token_type_ids"] = fb["token_type_ids"] = [i % 2 for i in range(len(row))]
    kw = dict(seed=seed, pad_to_multiple_of=multiple, return_tensors=return_tensors, mlm_probability=0.5)
    assert_same_batch(
        DataCollatorForLanguageModeling(mine_tok, **kw)(feats_a),
        transformers.DataCollatorForLanguageModeling(ref_tok, **kw)(feats_b),
    )


def test_bad_arguments_are_clear_errors(ours) -> None:
    with pytest.raises(ValueError, match="mlm_probability"):
        DataCollatorForLanguageModeling(ours, mlm_probability=1.5)
    with pytest.raises(ValueError, match="must not exceed 1"):
        DataCollatorForLanguageModeling(ours, mask_replace_prob=0.7, random_replace_prob=0.5)
    with pytest.raises(ValueError, match="return_tensors"):
        DataCollatorForLanguageModeling(ours, return_tensors="tf")
    with pytest.raises(ValueError, match="pad_to_multiple_of"):
        DataCollatorForLanguageModeling(ours, pad_to_multiple_of=0)
    with pytest.raises(ValueError, match="empty list"):
        DataCollatorForLanguageModeling(ours)([])
    with pytest.raises(ValueError, match="whole_word_mask=True needs mlm=True"):
        DataCollatorForLanguageModeling(ours, mlm=False, whole_word_mask=True)


def test_public_import_paths() -> None:
    assert ferroformers.DataCollatorForLanguageModeling is DataCollatorForLanguageModeling
    assert ferroformers.data.DataCollatorWithPadding is DataCollatorWithPadding
    # same fields, in the same order, with the same defaults as transformers' (positional use ports too)
    import dataclasses

    for ours_cls, theirs_cls in [
        (DataCollatorForLanguageModeling, transformers.DataCollatorForLanguageModeling),
        (DataCollatorWithPadding, transformers.DataCollatorWithPadding),
    ]:
        ours_fields = [(f.name, f.default) for f in dataclasses.fields(ours_cls)]
        theirs_fields = [(f.name, f.default) for f in dataclasses.fields(theirs_cls)]
        assert ours_fields == theirs_fields


def _worker_batches(collator, ids, context: str) -> list[dict]:
    loader = torch.utils.data.DataLoader(
        [{"input_ids": row} for row in ids],
        batch_size=3,
        num_workers=2,
        collate_fn=collator,
        multiprocessing_context=context,
    )
    return [dict(batch) for batch in loader]


def test_seed_per_dataloader_worker_same_as_transformers(vocab_dir: Path, reference, ids) -> None:
    """In a worker the generator is seeded with seed + worker id, as transformers does."""
    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("fork is not available on this platform")
    fast = AutoTokenizer.from_pretrained(str(vocab_dir))
    a = _worker_batches(DataCollatorForLanguageModeling(fast, seed=11), ids, "fork")
    b = _worker_batches(transformers.DataCollatorForLanguageModeling(reference, seed=11), ids, "fork")
    assert len(a) == len(b) == 4
    for x, y in zip(a, b, strict=True):
        assert_same_batch(x, y)
