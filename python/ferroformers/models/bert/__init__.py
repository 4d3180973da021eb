"""BERT: the WordPiece tokenizers (slow and fast) that BERT-family models share."""
