"""`BertTokenizerFast`: BERT's WordPiece tokenizer over the native Rust core, equal to Hugging Face `tokenizers`
(BertNormalizer + BertPreTokenizer + WordPiece, ids and offsets).

Mirrors transformers 4.x `models/bert/tokenization_bert_fast.py`: built from a `tokenizer.json` when there is one,
else from `vocab.txt`; the normalizer follows do_lower_case / strip_accents / tokenize_chinese_chars when those
disagree with the file. Where it differs from the slow `BertTokenizer` (which follows the original BERT code),
see docs/tokenizers.md.
"""

from __future__ import annotations

import os
from typing import Any

from ..._native import WordPieceTokenizer
from ...tokenization_utils_base import AddedToken
from ...tokenization_utils_fast import PreTrainedTokenizerFast, tokenizer_json_with_normalizer
from .tokenization_bert import BertTemplateMixin, BertTokenizer

VOCAB_FILES_NAMES = {"vocab_file": "vocab.txt", "tokenizer_file": "tokenizer.json"}


class BertTokenizerFast(BertTemplateMixin, PreTrainedTokenizerFast):
    """Fast BERT tokenizer; same arguments as `BertTokenizer` (plus `tokenizer_file`)."""

    vocab_files_names = VOCAB_FILES_NAMES
    slow_tokenizer_class = BertTokenizer

    def __init__(
        self,
        vocab_file: str | os.PathLike[str] | None = None,
        tokenizer_file: str | os.PathLike[str] | None = None,
        do_lower_case: bool = True,
        unk_token: str | AddedToken = "[UNK]",
        sep_token: str | AddedToken = "[SEP]",
        pad_token: str | AddedToken = "[PAD]",
        cls_token: str | AddedToken = "[CLS]",
        mask_token: str | AddedToken = "[MASK]",
        tokenize_chinese_chars: bool = True,
        strip_accents: bool | None = None,
        clean_up_tokenization_spaces: bool = True,
        tokenizer_object: WordPieceTokenizer | None = None,
        **kwargs: Any,
    ) -> None:
        # tokenizer_object: a native WordPieceTokenizer (as transformers' fast classes take a tokenizers one)
        core = tokenizer_object
        if core is None and tokenizer_file is not None:
            core = self._load_tokenizer_file(tokenizer_file)
        if core is not None:
            if (core.lowercase, core.strip_accents, core.handle_chinese_chars) != (
                do_lower_case,
                strip_accents,
                tokenize_chinese_chars,
            ):
                path = os.fspath(tokenizer_file) if tokenizer_file is not None else "tokenizer_object"
                core = WordPieceTokenizer.from_tokenizer_json(
                    tokenizer_json_with_normalizer(
                        core.to_tokenizer_json(),
                        lowercase=do_lower_case,
                        strip_accents=strip_accents,
                        handle_chinese_chars=tokenize_chinese_chars,
                        where=path,
                    )
                )
        elif vocab_file is not None:
            core = WordPieceTokenizer.from_vocab_file(
                os.fspath(vocab_file),
                unk_token=str(unk_token),
                lowercase=do_lower_case,
                strip_accents=strip_accents,
                handle_chinese_chars=tokenize_chinese_chars,
                cls_token=str(cls_token),
                sep_token=str(sep_token),
            )
        else:
            raise TypeError(
                f"{type(self).__name__} needs vocab_file= or tokenizer_file= (or use from_pretrained)"
            )
        self.do_lower_case = do_lower_case
        settings = dict(
            do_lower_case=do_lower_case,
            tokenize_chinese_chars=tokenize_chinese_chars,
            strip_accents=strip_accents,
        )
        super().__init__(
            tokenizer_object=core,
            unk_token=unk_token,
            sep_token=sep_token,
            pad_token=pad_token,
            cls_token=cls_token,
            mask_token=mask_token,
            clean_up_tokenization_spaces=clean_up_tokenization_spaces,
            init_settings=settings,
            **kwargs,
        )
