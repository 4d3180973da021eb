"""examples/pretrain_mlm.py end to end: tokenize the bundled corpus, train a tiny DistilBERT for a few dozen
steps (the loss falls), and transformers loads the saved model and tokenizer with the same outputs."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import torch
import transformers

REPO = Path(__file__).resolve().parents[2]


def load_example():
    spec = importlib.util.spec_from_file_location("pretrain_mlm", REPO / "examples" / "pretrain_mlm.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_pretrain_mlm_trains_and_saves_a_checkpoint_transformers_loads(tmp_path: Path) -> None:
    example = load_example()
    output = tmp_path / "model"
    losses = example.main(
        [
            "--output",
            str(output),
            "--steps",
            "30",
            "--dim",
            "16",
            "--layers",
            "1",
            "--heads",
            "2",
            "--block-size",
            "16",
            "--batch-size",
            "8",
            "--lr",
            "5e-3",
            "--warmup-steps",
            "5",
            "--quiet",
        ]
    )
    assert len(losses) == 30
    assert losses[0] > 10.0  # about ln(30522): a random model over the vocabulary
    first, last = sum(losses[:6]) / 6, sum(losses[-6:]) / 6
    assert last < first - 0.3, (first, last)
    tokens = tmp_path / "model-tokens"  # the default place of the tokenized corpus
    assert json.loads((tokens / "manifest.json").read_text())["counts"]["docs"] == 2925

    from ferroformers import AutoTokenizer, DistilBertForMaskedLM

    ours = DistilBertForMaskedLM.from_pretrained(str(output)).eval()
    theirs = transformers.DistilBertForMaskedLM.from_pretrained(str(output)).eval()
    assert theirs.config.dim == 16 and theirs.config.n_layers == 1
    text = ["The quick brown fox jumps over the lazy dog.", "Py_BuildValue() builds a tuple."]
    their_tokenizer = transformers.AutoTokenizer.from_pretrained(str(output))
    batch = AutoTokenizer.from_pretrained(str(output))(text, padding=True, return_tensors="pt")
    assert batch["input_ids"].tolist() == their_tokenizer(text, padding=True)["input_ids"]
    with torch.no_grad():
        a = ours(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
        b = theirs(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
    # real tokens only: padding positions are not computed (docs/compatibility.md, Models)
    real = batch["attention_mask"].bool()
    torch.testing.assert_close(a[real], b[real], atol=1e-5, rtol=0)
    # the reused tokenized corpus: a second run skips tokenization and trains the same way
    again = example.main(
        [
            "--output",
            str(tmp_path / "again"),
            "--tokens",
            str(tokens),
            "--steps",
            "3",
            "--dim",
            "16",
            "--layers",
            "1",
            "--heads",
            "2",
            "--block-size",
            "16",
            "--batch-size",
            "8",
            "--lr",
            "5e-3",
            "--warmup-steps",
            "5",
            "--quiet",
        ]
    )
    assert again == losses[:3]
