"""Training a WordPiece vocabulary from text, in Rust (`ferroformers._native.WordPieceTrainer`).

`WordPieceTrainer` takes the arguments of Hugging Face `tokenizers.trainers.WordPieceTrainer` (0.23), plus the
BERT normalizer settings the words are counted with (those of `BertTokenizerFast`: lowercase, strip_accents,
tokenize_chinese_chars, clean_text). Text is streamed to Rust in batches and counted in parallel; memory grows
with the number of distinct words, not with the corpus. The result is deterministic: the same vocabulary for
the same text and settings whatever the thread count or batching (docs/training.md gives the order of ties).

`train_new_from_iterator` is `PreTrainedTokenizerFast.train_new_from_iterator` (transformers 4.x semantics).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from .tokenization_utils_base import AddedToken
from .utils.io import atomic_write_text

BERT_SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")


def _native() -> Any:
    from . import _native

    return _native


def _count(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value!r}")
    return value


class WordPieceTrainer:
    """Counts the words of texts fed to it, then trains a WordPiece vocabulary on them.

    Args:
        vocab_size: the size of the vocabulary (special tokens, alphabet and merges).
        min_frequency: a pair of pieces seen fewer times is never merged.
        show_progress: tqdm bars for feeding (when the length is known) and for the merges.
        special_tokens: first in the vocabulary, in this order (str or AddedToken).
        limit_alphabet: keep at most this many characters (the most frequent; None: all).
        initial_alphabet: characters always in the alphabet (the first character of each string).
        continuing_subword_prefix: the prefix of pieces inside a word.
        lowercase, strip_accents, tokenize_chinese_chars, clean_text: the BertNormalizer the words are counted
            with (strip_accents None follows lowercase), as in `BertTokenizerFast`.
        max_input_chars_per_word: words longer than this encode as the unknown token whatever the vocabulary,
            so they count for the alphabet only.
        num_threads: threads for counting and merging (default: FERROFORMERS_NUM_THREADS or every core).
        batch_size: texts sent to Rust per call when feeding single texts.
    """

    def __init__(
        self,
        vocab_size: int = 30000,
        min_frequency: int = 0,
        show_progress: bool = True,
        special_tokens: Sequence[str | AddedToken] = (),
        limit_alphabet: int | None = None,
        initial_alphabet: Sequence[str] = (),
        continuing_subword_prefix: str = "##",
        *,
        lowercase: bool = True,
        strip_accents: bool | None = None,
        tokenize_chinese_chars: bool = True,
        clean_text: bool = True,
        max_input_chars_per_word: int = 100,
        num_threads: int | None = None,
        batch_size: int = 10_000,
    ) -> None:
        _count("vocab_size", vocab_size, 1)
        _count("min_frequency", min_frequency, 0)
        if limit_alphabet is not None:
            _count("limit_alphabet", limit_alphabet, 0)
        _count("max_input_chars_per_word", max_input_chars_per_word, 1)
        _count("batch_size", batch_size, 1)
        if num_threads is not None:
            _count("num_threads", num_threads, 1)
        if isinstance(special_tokens, (str, AddedToken)):
            raise TypeError("special_tokens must be a list of str or AddedToken, not a single token")
        specials = []
        for i, token in enumerate(special_tokens):
            if not isinstance(token, (str, AddedToken)):
                raise TypeError(
                    f"special_tokens[{i}] must be a str or AddedToken, got {type(token).__name__}"
                )
            specials.append(str(token))
        if isinstance(initial_alphabet, str):
            raise TypeError("initial_alphabet must be a list of str (one character each), not a single str")
        alphabet = []
        for i, s in enumerate(initial_alphabet):
            if not isinstance(s, str) or not s:
                raise ValueError(f"initial_alphabet[{i}] must be a non-empty str, got {s!r}")
            alphabet.append(s[0])  # tokenizers keeps the first character of each string
        if not isinstance(continuing_subword_prefix, str):
            raise TypeError("continuing_subword_prefix must be a str")
        self.vocab_size, self.min_frequency, self.show_progress = vocab_size, min_frequency, show_progress
        self.special_tokens = list(special_tokens)
        self.limit_alphabet, self.initial_alphabet = limit_alphabet, alphabet
        self.continuing_subword_prefix = continuing_subword_prefix
        self.lowercase, self.strip_accents = lowercase, strip_accents
        self.tokenize_chinese_chars, self.clean_text = tokenize_chinese_chars, clean_text
        self.max_input_chars_per_word = max_input_chars_per_word
        self.num_threads, self.batch_size = num_threads, batch_size
        self._core = _native().WordPieceTrainer(
            vocab_size=vocab_size,
            min_frequency=min_frequency,
            limit_alphabet=limit_alphabet,
            initial_alphabet=alphabet,
            special_tokens=specials,
            continuing_subword_prefix=continuing_subword_prefix,
            clean_text=clean_text,
            handle_chinese_chars=tokenize_chinese_chars,
            strip_accents=strip_accents,
            lowercase=lowercase,
            max_input_chars_per_word=max_input_chars_per_word,
        )
        self.vocab: list[str] | None = None
        self.stats: dict[str, int] = {}

    # ---- feeding -----------------------------------------------------------------------------------------
    def feed(self, iterator: Iterable[str] | Iterable[Sequence[str]], length: int | None = None) -> None:
        """Count the words of texts: an iterable of str, or of batches (lists) of str, as
        `tokenizers.Tokenizer.train_from_iterator` takes. Streamed: `batch_size` texts per call into Rust.
        `length` (the number of items) only sizes the progress bar."""
        if isinstance(iterator, (str, bytes)):
            raise TypeError("feed() takes an iterable of texts (or of batches of texts), not a single str")
        bar = self._bar(length, "Count words", "texts") if self.show_progress else None
        try:
            for batch, n_items in self._batches(iterator):
                self._core.feed(batch, num_threads=self.num_threads)
                if bar is not None:
                    bar.update(n_items)
        finally:
            if bar is not None:
                bar.close()

    def feed_lines(self, data: bytes) -> None:
        """Count the words of a UTF-8 buffer of "\\n"-separated lines (each line one text); the fastest way
        in. Raises `ferroformers._native.TrainerError` (a ValueError) at invalid UTF-8, naming the byte."""
        self._core.feed_lines(data, num_threads=self.num_threads)

    def _batches(self, iterator: Iterable[Any]) -> Iterator[tuple[list[str], int]]:
        pending: list[str] = []
        items = 0
        for i, item in enumerate(iterator):
            items += 1
            if isinstance(item, str):
                pending.append(item)
            elif isinstance(item, (list, tuple)):
                for j, text in enumerate(item):
                    if not isinstance(text, str):
                        raise TypeError(f"item {i}, text {j}: expected str, got {type(text).__name__}")
                pending.extend(item)
            else:
                raise TypeError(f"item {i}: expected a str or a list of str, got {type(item).__name__}")
            if len(pending) >= self.batch_size:
                yield pending, items
                pending, items = [], 0
        if pending or items:
            yield pending, items

    # ---- training ----------------------------------------------------------------------------------------
    def train(self) -> list[str]:
        """Train on everything fed so far (the word counts are used up: feed again to train again). Returns
        the vocabulary in id order, also kept as `self.vocab`.

        Raises:
            TrainerError (a ValueError): an empty corpus, or a vocab_size below the special tokens plus the
                alphabet (the message gives both numbers).
        """
        bar = self._bar(self.vocab_size, "Compute merges", "tokens") if self.show_progress else None

        def progress(done: int, total: int) -> None:
            if bar is not None:
                bar.update(done - bar.n)

        try:
            result = self._core.train(progress, num_threads=self.num_threads)
        finally:
            if bar is not None:
                bar.close()
        self.vocab = result.pop("vocab")
        self.stats = result
        return self.vocab

    def train_from_iterator(
        self, iterator: Iterable[str] | Iterable[Sequence[str]], length: int | None = None
    ) -> list[str]:
        """`feed(iterator, length)` then `train()`."""
        self.feed(iterator, length=length)
        return self.train()

    def save_vocabulary(
        self, save_directory: str | os.PathLike[str], filename_prefix: str | None = None
    ) -> tuple[str]:
        """Write the trained vocabulary as vocab.txt (one token per line, in id order) into a folder."""
        if self.vocab is None:
            raise ValueError("nothing to save: call train() first")
        name = (f"{filename_prefix}-" if filename_prefix else "") + "vocab.txt"
        path = os.path.join(os.fspath(save_directory), name)
        atomic_write_text(path, "".join(t + "\n" for t in self.vocab))
        return (path,)

    # ---- what was counted --------------------------------------------------------------------------------
    def word_counts(self) -> dict[str, int]:
        """Every word counted so far (normalized and pre-tokenized) with its count; words longer than
        max_input_chars_per_word are left out."""
        return dict(self._core.word_counts())

    @property
    def distinct_words(self) -> int:
        return int(self._core.distinct_words)

    @property
    def total_words(self) -> int:
        return int(self._core.total_words)

    @property
    def documents(self) -> int:
        return int(self._core.documents)

    @property
    def memory_bytes(self) -> int:
        """Bytes held by the word tables (they grow with the distinct words, not with the text fed)."""
        return int(self._core.memory_bytes)

    def _bar(self, total: int | None, desc: str, unit: str) -> Any:
        from tqdm import tqdm

        return tqdm(total=total, desc=desc, unit=unit, unit_scale=True, dynamic_ncols=True)

    def __repr__(self) -> str:
        return (
            f"WordPieceTrainer(vocab_size={self.vocab_size}, min_frequency={self.min_frequency}, "
            f"special_tokens={[str(t) for t in self.special_tokens]}, limit_alphabet={self.limit_alphabet}, "
            f"continuing_subword_prefix={self.continuing_subword_prefix!r}, lowercase={self.lowercase}, "
            f"strip_accents={self.strip_accents})"
        )


def train_new_from_iterator(
    tokenizer: Any,
    text_iterator: Iterable[Any],
    vocab_size: int,
    length: int | None = None,
    new_special_tokens: Sequence[str | AddedToken] | None = None,
    special_tokens_map: dict[str, str] | None = None,
    **kwargs: Any,
) -> Any:
    """A new tokenizer of `tokenizer`'s class, with its normalization settings and special tokens, whose
    vocabulary is trained on `text_iterator` (transformers 4.x `PreTrainedTokenizerFast.train_new_from_iterator`):

    - the trainer's special tokens are the tokenizer's special added tokens in id order (renamed through
      `special_tokens_map`), then `new_special_tokens`;
    - `kwargs` go to `WordPieceTrainer` (min_frequency, limit_alphabet, initial_alphabet, show_progress,
      continuing_subword_prefix, ...), whose defaults are those of tokenizers' WordPieceTrainer;
    - the unknown, [CLS] and [SEP] tokens are the tokenizer's, renamed through `special_tokens_map`;
    - the new tokenizer has the tokenizer's settings (model_max_length, padding side, ...), its named special
      tokens renamed, and `new_special_tokens` added to its additional special tokens.
    """
    core = tokenizer.backend_tokenizer.native  # the native WordPieceTokenizer
    rename = dict(special_tokens_map or {})
    added = sorted(core.get_added_tokens())  # (id, content, single_word, lstrip, rstrip, normalized, special)
    specials = []
    for _, content, single_word, lstrip, rstrip, normalized, special in added:
        if special:
            specials.append(
                AddedToken(
                    rename.get(content, content),
                    single_word=single_word,
                    lstrip=lstrip,
                    rstrip=rstrip,
                    normalized=normalized,
                    special=True,
                )
            )
    new_specials = [
        t if isinstance(t, AddedToken) else AddedToken(t, normalized=False, special=True)
        for t in (new_special_tokens or [])
    ]
    for option in (
        "lowercase",
        "strip_accents",
        "tokenize_chinese_chars",
        "clean_text",
        "max_input_chars_per_word",
    ):
        if option in kwargs:
            raise TypeError(f"train_new_from_iterator() takes {option} from the tokenizer; got {option}=")
    trainer = WordPieceTrainer(
        vocab_size=vocab_size,
        special_tokens=specials + new_specials,
        lowercase=core.lowercase,
        strip_accents=core.strip_accents,
        tokenize_chinese_chars=core.handle_chinese_chars,
        clean_text=core.clean_text,
        max_input_chars_per_word=core.max_input_chars_per_word,
        **kwargs,
    )
    vocab = trainer.train_from_iterator(text_iterator, length=length)

    def renamed(token: str | None) -> str | None:
        return None if token is None else rename.get(token, token)

    unk, cls, sep = renamed(core.unk_token), renamed(core.cls_token), renamed(core.sep_token)
    known = set(vocab)
    for what, token in (("unknown", unk), ("cls", cls), ("sep", sep)):
        if token is None or token not in known:
            raise ValueError(
                f"the {what} token {token!r} is not in the trained vocabulary: give it in "
                "new_special_tokens, or rename it with special_tokens_map"
            )
    new_core = _native().WordPieceTokenizer(
        vocab,
        unk_token=unk,
        continuing_subword_prefix=trainer.continuing_subword_prefix,
        max_input_chars_per_word=core.max_input_chars_per_word,
        clean_text=core.clean_text,
        handle_chinese_chars=core.handle_chinese_chars,
        strip_accents=core.strip_accents,
        lowercase=core.lowercase,
        cls_token=cls,
        sep_token=sep,
    )
    new_core.add_tokens(
        [(t.content, t.single_word, t.lstrip, t.rstrip, t.normalized, True) for t in specials + new_specials]
    )

    cls_type = type(tokenizer)
    accepted = cls_type._init_parameters()
    settings = dict(
        model_max_length=tokenizer.model_max_length,
        padding_side=tokenizer.padding_side,
        truncation_side=tokenizer.truncation_side,
        model_input_names=tokenizer.model_input_names,
        clean_up_tokenization_spaces=tokenizer.clean_up_tokenization_spaces,
        split_special_tokens=tokenizer.split_special_tokens,
    )
    kept = {k: v for k, v in tokenizer.init_kwargs.items() if k not in tokenizer.vocab_files_names}
    extra = {k: v for k, v in kept.items() if k not in accepted}
    settings.update({k: v for k, v in kept.items() if k in accepted})
    # the special tokens, renamed, over those init_kwargs holds (as transformers does)
    for name, value in tokenizer.special_tokens_map_extended.items():
        if name == "additional_special_tokens":
            continue
        if isinstance(value, AddedToken):
            value = AddedToken(
                rename.get(value.content, value.content),
                single_word=value.single_word,
                lstrip=value.lstrip,
                rstrip=value.rstrip,
                normalized=value.normalized,
                special=True,
            )
        else:
            value = rename.get(value, value)
        settings[name] = value
    additional = [rename.get(t, t) for t in tokenizer.additional_special_tokens] + new_specials
    if additional:
        settings["additional_special_tokens"] = additional
    new = cls_type(tokenizer_object=new_core, **settings)
    new.init_kwargs.update(extra)
    return new
