"""`DistilBertTokenizerFast`: `BertTokenizerFast` with DistilBERT's model inputs (no token_type_ids).
Mirrors transformers 4.x `models/distilbert/tokenization_distilbert_fast.py`."""

from __future__ import annotations

from ..bert.tokenization_bert_fast import BertTokenizerFast
from .tokenization_distilbert import DistilBertTokenizer


class DistilBertTokenizerFast(BertTokenizerFast):
    model_input_names = ["input_ids", "attention_mask"]  # noqa: RUF012
    slow_tokenizer_class = DistilBertTokenizer
