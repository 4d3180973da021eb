"""BERT: the WordPiece tokenizers (slow and fast) that BERT-family models share, importable from here as from
transformers' `models.bert`."""

from .tokenization_bert import BasicTokenizer, BertTokenizer, WordpieceTokenizer
from .tokenization_bert_fast import BertTokenizerFast

__all__ = ["BasicTokenizer", "BertTokenizer", "BertTokenizerFast", "WordpieceTokenizer"]
