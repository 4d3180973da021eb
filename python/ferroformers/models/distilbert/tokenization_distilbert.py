"""`DistilBertTokenizer`: BERT's WordPiece tokenizer with DistilBERT's model inputs (no token_type_ids).

Mirrors transformers 4.x `models/distilbert/tokenization_distilbert.py`. Unlike transformers 5, whose
`DistilBertTokenizer(vocab_file=...)` ignores the file (a 5-token vocabulary, everything [UNK]), the vocabulary
given here is the one used.
"""

from __future__ import annotations

from ..bert.tokenization_bert import BertTokenizer


class DistilBertTokenizer(BertTokenizer):
    """`BertTokenizer` whose outputs are input_ids and attention_mask. Constructor as in the guide:
    `DistilBertTokenizer(vocab_file="my_vocab_file.txt", do_lower_case=False, padding_side="left")`."""

    model_input_names = ["input_ids", "attention_mask"]  # noqa: RUF012
