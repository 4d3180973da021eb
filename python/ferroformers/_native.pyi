"""Type stubs for the Rust extension `ferroformers._native` (rust/py/)."""

import os
from collections.abc import Callable, Sequence
from typing import Any, final

import numpy as np
import numpy.typing as npt

# pyo3 sets the module's __all__ to everything it adds (checked by `make lint`: mypy.stubtest)
__all__ = [
    "AudioProcessingError",
    "Encodings",
    "ImageProcessingError",
    "LineChunk",
    "OutOfMemoryError",
    "TextFileChunks",
    "TokenizerError",
    "TrainerError",
    "WordPieceTokenizer",
    "WordPieceTrainer",
    "__version__",
    "arrow_image_view",
    "pad_normalize_audio",
    "preprocess_images",
    "resize_image",
]

__version__: str

# ---------------------------------------------------------------------------------------------------------------
# Tokenizer (rust/py/tokenizer.rs, encodings.rs over rust/text/)
# ---------------------------------------------------------------------------------------------------------------

class TokenizerError(ValueError):
    """A vocabulary, tokenizer.json, text or argument that the native tokenizer cannot use. The message names
    the file and line, the JSON field, the input or the argument that was wrong."""

class ImageProcessingError(ValueError):
    """An image, size or argument the native image kernels cannot use (message names the image and shape)."""

class AudioProcessingError(ValueError):
    """A clip, length or argument the native audio kernels cannot use (message names the clip)."""

class OutOfMemoryError(MemoryError):
    """An output larger than this machine's memory; the message names the argument that sized it."""

_AddedTokenTuple = tuple[str, bool, bool, bool, bool, bool]
"""(content, single_word, lstrip, rstrip, normalized, special), as `tokenizers.AddedToken`."""

@final
class WordPieceTokenizer:
    """The BERT WordPiece pipeline of Hugging Face `tokenizers` 0.23.3, ids and offsets identical:
    BertNormalizer + BertPreTokenizer + WordPiece + BertProcessing, with an AddedVocabulary in front.

    Offsets are character positions in the Python `str` that was encoded (not bytes). The tokenizer is
    immutable apart from `add_tokens`; it is thread-safe and pickles as its tokenizer.json state.
    """

    def __new__(
        cls,
        vocab: Sequence[str],
        *,
        unk_token: str = "[UNK]",
        continuing_subword_prefix: str = "##",
        max_input_chars_per_word: int = 100,
        clean_text: bool = True,
        handle_chinese_chars: bool = True,
        strip_accents: bool | None = None,
        lowercase: bool = True,
        cls_token: str = "[CLS]",
        sep_token: str = "[SEP]",
    ) -> WordPieceTokenizer:
        """Build from a vocabulary in id order. No added tokens: add the special tokens with `add_tokens` to have
        them matched in text (as tokenizer.json files and transformers' fast tokenizers do).

        Args:
            vocab: the tokens; `vocab[i]` gets id `i`. As in `tokenizers`, a repeated token maps to its last
                id and its earlier ids decode to None.
            unk_token: emitted for a word that WordPiece cannot split; must be in `vocab`.
            continuing_subword_prefix: prefix of non-initial word pieces ("##").
            max_input_chars_per_word: a word longer than this (in characters) becomes `unk_token`.
            clean_text: drop NUL, U+FFFD and control characters; map every whitespace to a space.
            handle_chinese_chars: put spaces around CJK ideographs (tokenizers' ranges, which skip
                U+2B820-U+2B91F) so each becomes its own word.
            strip_accents: NFD then drop non-spacing marks; None follows `lowercase`.
            lowercase: lowercase (Rust `char::to_lowercase`: final sigma is `σ`).
            cls_token, sep_token: the BertProcessing template `[CLS] A [SEP] (B [SEP])`; both must be in `vocab`.

        Raises:
            TokenizerError: an empty vocab, or unk/cls/sep tokens missing from it.
        """

    @staticmethod
    def from_vocab_file(
        path: str,
        *,
        unk_token: str = "[UNK]",
        continuing_subword_prefix: str = "##",
        max_input_chars_per_word: int = 100,
        clean_text: bool = True,
        handle_chinese_chars: bool = True,
        strip_accents: bool | None = None,
        lowercase: bool = True,
        cls_token: str = "[CLS]",
        sep_token: str = "[SEP]",
    ) -> WordPieceTokenizer:
        """Read a BERT `vocab.txt` (one token per line, line n has id n-1, trailing whitespace of each line
        removed as `tokenizers`' WordPiece::read_file does); options as in `__new__`.

        Raises:
            FileNotFoundError: the file does not exist (message names it).
            TokenizerError: the file is empty, or a line is not UTF-8 (message names file and line).
        """

    @staticmethod
    def from_tokenizer_json(data: str) -> WordPieceTokenizer:
        """Load a Hugging Face `tokenizer.json` (its text) of the BERT WordPiece shape: BertNormalizer,
        BertPreTokenizer, WordPiece model, BertProcessing or the equivalent TemplateProcessing, and added_tokens.
        Truncation/padding sections are ignored (they are per-call arguments of `encode_batch`).

        Raises:
            TokenizerError: invalid JSON, or a field missing or of another kind (message names the field path,
                e.g. `model.vocab`, `normalizer.type`).
        """

    def to_tokenizer_json(self) -> str:
        """The `tokenizer.json` text: `tokenizers.Tokenizer.from_str` loads it and encodes identically."""

    def __reduce__(self) -> tuple[object, tuple[str]]:
        """Pickles as `(WordPieceTokenizer.from_tokenizer_json, (self.to_tokenizer_json(),))`."""

    def add_tokens(self, tokens: Sequence[_AddedTokenTuple]) -> int:
        """Add tokens with `tokenizers` AddedVocabulary semantics: matched in the text before normalization
        (`normalized=False`, and every special token) or in the normalized text (`normalized=True`), longest
        leftmost match first; never split by WordPiece. A content already in the vocabulary keeps its id; a new
        one gets the next id. Re-adding an added token updates its flags.

        Args:
            tokens: `(content, single_word, lstrip, rstrip, normalized, special)` tuples. single_word: match only
                when not inside a word; lstrip/rstrip: the match absorbs whitespace on its left/right;
                normalized: match on normalized text; special: a special token (skipped by
                `special_tokens_mask`-aware callers).

        Returns:
            How many tokens were added or updated, counted as `tokenizers` does (a token identical to one already
            added is not counted).

        Raises:
            TokenizerError: an empty content.
        """

    def token_to_id(self, token: str) -> int | None:
        """Id of a vocabulary or added token, None if unknown."""

    def id_to_token(self, id: int) -> str | None:
        """Token of an id (added tokens included), None if out of range. As in `tokenizers`, an added token
        with `normalized=True` gives its normalized content ("NewWord" -> "newword" when lowercasing)."""

    def get_vocab(self, with_added_tokens: bool = True) -> dict[str, int]:
        """Token -> id, optionally with the added tokens."""

    def get_vocab_size(self, with_added_tokens: bool = True) -> int:
        """The WordPiece vocabulary size (distinct tokens), plus the added tokens whose id is beyond it."""

    def get_added_tokens(self) -> list[tuple[int, str, bool, bool, bool, bool, bool]]:
        """`(id, content, single_word, lstrip, rstrip, normalized, special)` per added token, by id."""

    @property
    def lowercase(self) -> bool:
        """Normalizer option (read-only)."""

    @property
    def strip_accents(self) -> bool | None:
        """Normalizer option as given (None: follows lowercase) (read-only)."""

    @property
    def handle_chinese_chars(self) -> bool:
        """Normalizer option (read-only)."""

    @property
    def clean_text(self) -> bool:
        """Normalizer option (read-only)."""

    @property
    def unk_token(self) -> str:
        """WordPiece unknown token (read-only)."""

    @property
    def cls_token(self) -> str | None:
        """Post-processor first token (read-only; None without a post-processor)."""

    @property
    def sep_token(self) -> str | None:
        """Post-processor separator token (read-only; None without a post-processor)."""

    @property
    def continuing_subword_prefix(self) -> str:
        """WordPiece prefix (read-only)."""

    @property
    def max_input_chars_per_word(self) -> int:
        """WordPiece longest word (read-only)."""

    def encode_batch(
        self,
        inputs: Sequence[str] | Sequence[Sequence[str]],
        pairs: Sequence[str] | Sequence[Sequence[str]] | None = None,
        *,
        is_pretokenized: bool = False,
        add_special_tokens: bool = True,
        max_length: int | None = None,
        truncation: str | None = None,
        stride: int = 0,
        truncation_side: str = "right",
        return_overflowing_tokens: bool = False,
        padding: str | None = None,
        pad_to_multiple_of: int | None = None,
        padding_side: str = "right",
        pad_id: int = 0,
        pad_type_id: int = 0,
        pad_token: str = "[PAD]",
        encode_special_tokens: bool = False,
        num_threads: int | None = None,
    ) -> Encodings:
        """Encode a batch exactly as transformers' fast tokenizer drives `tokenizers` (enable_truncation,
        enable_padding, encode_batch, then overflowing encodings flattened after their sample).

        Args:
            inputs: texts, or (with `is_pretokenized`) lists of words.
            pairs: second sequences, same length as `inputs`, or None.
            is_pretokenized: each input is a list of words; word ids are list positions and offsets are relative
                to each word, as in `tokenizers`.
            add_special_tokens: add `[CLS] A [SEP] (B [SEP])`.
            max_length: the truncation length, and the padding length for `padding="max_length"`.
            truncation: None (no truncation), "longest_first", "only_first" or "only_second"; needs max_length.
            stride: tokens repeated between consecutive overflowing pieces.
            truncation_side: "right" or "left".
            return_overflowing_tokens: add the overflowing pieces as extra rows after their sample (see
                `Encodings.overflow_to_sample_mapping`); when False they are dropped.
            padding: None, "longest" (pad to the longest row of the batch) or "max_length".
            pad_to_multiple_of: round the padded length up to a multiple of this.
            padding_side: "right" or "left".
            pad_id, pad_type_id, pad_token: what padding positions hold.
            encode_special_tokens: special added tokens are not matched, so they are tokenized as plain text
                (tokenizers' `encode_special_tokens`, transformers' `split_special_tokens=True`).
            num_threads: worker threads; None reads FERROFORMERS_NUM_THREADS, else all cores. 1 runs inline.

        Raises:
            TypeError: an input that is not a str (or a list of str when pretokenized); the message names the
                type and position.
            TokenizerError: a lone surrogate in a text (message names the input index), an unknown strategy
                or side, truncation without max_length, pairs of another length, or a truncation that cannot
                fit (as `tokenizers` refuses: max_length or stride too small for the special tokens).
        """

    def encode_batch_flat(
        self,
        texts: Sequence[str],
        *,
        add_special_tokens: bool = True,
        max_length: int | None = None,
        truncation: bool = False,
        with_offsets: bool = False,
        num_threads: int | None = None,
    ) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.int64], npt.NDArray[np.int64] | None]:
        """Encode many single texts into flat arrays, with no Python object per token (for corpora).

        Args:
            texts: the documents.
            add_special_tokens: add `[CLS] ... [SEP]` to each document.
            max_length: with `truncation`, keep at most this many tokens per document (specials included).
            truncation: truncate each document on the right to `max_length` (overflow is dropped).
            with_offsets: also return character offsets.
            num_threads: as in `encode_batch`.

        Returns:
            `(ids, starts, offsets)`: ids uint32 of every token of every document, concatenated; starts int64
            with n_docs + 1 entries (document i is `ids[starts[i]:starts[i + 1]]`); offsets int64 of shape
            (n_tokens, 2), character (start, end) in its document, or None without `with_offsets`. The arrays
            are writable; once every array and view of one is freed, its memory (past 32 MiB) is kept for the
            next call's output (at most 384 MiB in all), whose pages are then mapped already.

        Raises:
            TypeError, TokenizerError: as `encode_batch`.
        """

    def encode_lines_flat(
        self,
        data: bytes | LineChunk,
        *,
        add_special_tokens: bool = True,
        max_length: int | None = None,
        truncation: bool = False,
        num_threads: int | None = None,
    ) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.int64]]:
        """`encode_batch_flat` of `data.decode("utf-8").split("\n")` without a Python str per document (the
        `ferroformers tokenize` path): ids and starts as there. Raises TokenizerError naming the byte where
        `data` stops being UTF-8. Releases the GIL."""

@final
class Encodings:
    """A batch result of `WordPieceTokenizer.encode_batch`: one row per encoding, overflowing pieces (when
    requested) flattened right after their sample, as transformers' fast tokenizer orders them.

    A batch of single texts without overflow is held as flat columns; a row's full encoding is made when a
    per-row accessor (tokens, word_ids, char_to_token, ...) asks, and all rows once for `offsets`/`to_numpy`.
    The row lists returned (and offset tuples) are new objects per call, untracked by the cyclic GC (see
    docs/tokenizers.md); the outer lists are tracked."""

    def __len__(self) -> int: ...
    def ids(self) -> list[list[int]]:
        """input_ids per row."""

    def type_ids(self) -> list[list[int]]:
        """token_type_ids per row."""

    def attention_mask(self) -> list[list[int]]:
        """1 for tokens, 0 for padding, per row."""

    def special_tokens_mask(self) -> list[list[int]]:
        """1 for special tokens ([CLS], [SEP], padding, added special tokens), per row."""

    def offsets(self) -> list[list[tuple[int, int]]]:
        """Character (start, end) per token, relative to the sequence (text or word) it came from; (0, 0) for
        special tokens and padding."""

    def overflow_to_sample_mapping(self) -> list[int]:
        """Index of the input each row came from."""

    def lengths(self) -> list[int]:
        """Number of ids in each row (padding included, as transformers' return_length)."""

    def to_numpy(self, field: str) -> npt.NDArray[np.int64]:
        """A 2-D int64 array of one field: "ids", "type_ids", "attention_mask" or "special_tokens_mask"
        (shape (rows, length)), or "offsets" (shape (rows, length, 2)).

        Raises:
            ValueError: rows of different lengths (pad first) or an unknown field.
        """

    def tokens(self, i: int) -> list[str]:
        """Token strings of row i (`id_to_token` of each id; `tokenizers` differs only for added tokens with
        lstrip/rstrip, whose string there includes the whitespace they absorbed)."""

    def word_ids(self, i: int) -> list[int | None]:
        """Word index per token of row i (None for special tokens and padding)."""

    def sequence_ids(self, i: int) -> list[int | None]:
        """0 or 1 (first or second sequence) per token of row i, None for special tokens and padding."""

    def char_to_token(self, i: int, char: int, sequence_index: int = 0) -> int | None:
        """Index of the token of row i that covers character `char` of sequence `sequence_index`."""

    def char_to_word(self, i: int, char: int, sequence_index: int = 0) -> int | None:
        """Word index covering character `char` of sequence `sequence_index` in row i."""

    def token_to_chars(self, i: int, token: int) -> tuple[int, int] | None:
        """Character span of token `token` of row i (None for special tokens and padding)."""

    def token_to_word(self, i: int, token: int) -> int | None:
        """Word index of token `token` of row i."""

    def token_to_sequence(self, i: int, token: int) -> int | None:
        """Sequence (0 or 1) of token `token` of row i."""

    def word_to_tokens(self, i: int, word: int, sequence_index: int = 0) -> tuple[int, int] | None:
        """Token span [start, end) of word `word` of sequence `sequence_index` in row i."""

    def word_to_chars(self, i: int, word: int, sequence_index: int = 0) -> tuple[int, int] | None:
        """Character span of word `word` of sequence `sequence_index` in row i."""

# ---------------------------------------------------------------------------------------------------------------
# WordPiece trainer (rust/py/trainer.rs over rust/text/trainer/)
# ---------------------------------------------------------------------------------------------------------------

class TrainerError(ValueError):
    """A corpus or setting the trainer cannot train with: an empty corpus, a vocab_size below the special
    tokens plus the alphabet (the message gives both), an empty special token, invalid UTF-8 (the byte)."""

@final
class WordPieceTrainer:
    """Counts the words of texts fed in batches (normalized and pre-tokenized as the BERT tokenizer does, in
    parallel, GIL released), then trains a WordPiece vocabulary: tokenizers 0.23's WordPieceTrainer algorithm
    with one deterministic order for ties (docs/training.md). Memory grows with the distinct words only.
    """

    def __new__(
        cls,
        *,
        vocab_size: int = 30000,
        min_frequency: int = 2,
        limit_alphabet: int | None = ...,
        initial_alphabet: Sequence[str] = ...,
        special_tokens: Sequence[str] | None = None,
        continuing_subword_prefix: str = "##",
        clean_text: bool = True,
        handle_chinese_chars: bool = True,
        strip_accents: bool | None = None,
        lowercase: bool = True,
        max_input_chars_per_word: int = 100,
    ) -> WordPieceTrainer:
        """Settings of tokenizers' `BertWordPieceTokenizer.train` by default (limit_alphabet 1000, no
        initial_alphabet); special_tokens None means `[PAD] [UNK] [CLS] [SEP] [MASK]`. initial_alphabet holds
        single characters. The normalizer options are
        those of `WordPieceTokenizer`. Words longer than max_input_chars_per_word count for the alphabet only.

        Raises:
            TrainerError: an empty special token.
        """

    def feed(self, texts: Sequence[str], *, num_threads: int | None = None) -> None:
        """Count the words of a batch of texts.

        Raises:
            TypeError: not a list of str. TokenizerError: a lone surrogate (message names the index), or
            num_threads above 1024.
        """

    def feed_lines(self, data: bytes | LineChunk, *, num_threads: int | None = None) -> None:
        """Count the words of a buffer of whole UTF-8 lines ("\n"-separated; each a document).

        Raises:
            TrainerError: invalid UTF-8 (message names the byte offset in `data`); nothing is counted then.
        """

    def train(
        self, progress: Callable[[int, int], object] | None = None, *, num_threads: int | None = None
    ) -> dict[str, Any]:
        """Train on the words fed so far; they are used up (the trainer is empty afterwards). `progress(done,
        total)` is called at most every 0.1 s with the tokens in the vocabulary and vocab_size; Ctrl-C stops
        training (KeyboardInterrupt), as does an exception raised by `progress`.

        Returns:
            {"vocab": tokens in id order, "special_tokens", "alphabet", "continuing" (## chars), "merges",
            "words" (distinct words the merges ran on)}.

        Raises:
            TrainerError: an empty corpus, or vocab_size below the special tokens plus the alphabet.
            OutOfMemoryError: more distinct words or pieces than 2^32.
        """

    def word_counts(self) -> dict[str, int]:
        """Every word counted so far with its count (long words left out)."""

    @property
    def distinct_words(self) -> int:
        """Distinct words counted (long words left out)."""

    @property
    def total_words(self) -> int:
        """Word occurrences counted, long ones included."""

    @property
    def long_words(self) -> int:
        """Occurrences of words longer than max_input_chars_per_word."""

    @property
    def documents(self) -> int:
        """Texts and lines fed."""

    @property
    def memory_bytes(self) -> int:
        """Bytes held by the word tables."""

# --- audio (rust/py/audio.rs) ---
def pad_normalize_audio(
    clips: list[npt.NDArray[np.float32]],
    target_len: int | None,
    padding_side: str,
    padding_value: float,
    normalize: str,
    return_attention_mask: bool,
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int32] | None]:
    """Pad 1-D C-contiguous float32 `clips` shorter than `target_len` (None: no padding) on `padding_side`
    ('right'/'left') with `padding_value`; normalize per `normalize`: 'off', 'padded_row' (over the whole padded
    row, transformers' behaviour without a mask) or 'clip' (over the clip's samples, padding kept). Returns the
    rows concatenated and, if asked, the int32 attention mask. Raises ValueError naming an empty or non-finite
    clip. Releases the GIL and runs in parallel over the clips."""

# ---- image (rust/py/image.rs) ------------------------------------------------------------------------------
def resize_image(
    image: npt.NDArray[np.uint8] | npt.NDArray[np.float32],
    height: int,
    width: int,
    resample: int,
    channels: int | None = None,
) -> npt.NDArray[np.uint8] | npt.NDArray[np.float32]:
    """Resize a (height, width, samples) image as Pillow's `Image.resize` (channels independent). With
    `channels`, only that many leading samples of each pixel are the image (uint8; Pillow's 4-byte RGB)."""

def preprocess_images(
    images: list[npt.NDArray[np.uint8] | npt.NDArray[np.float32]],
    size: tuple[int, int] | None,
    resample: int,
    rescale: list[float | None],
    mean: list[float] | None,
    std: list[float] | None,
    channels_first: bool,
    channels: list[int] | None = None,
) -> npt.NDArray[np.float32]:
    """Resize, rescale, normalize and stack C-contiguous (height, width, samples) images into one float32
    array; `channels[i]` leading samples of each pixel of image i are its channels (default: all). Releases
    the GIL and runs in parallel over the images."""

# ---- plain-text files read in Rust (rust/py/files.rs over rust/text/lines.rs) ------------------------------
@final
class TextFileChunks:
    """Chunks of whole lines of a plain-text file, read with the GIL released into buffers that are reused
    once their chunks are dropped: `ferroformers tokenize` and `train-tokenizer` read files through it. Each
    chunk holds about `chunk_bytes` (a longer line is one chunk), without the "\n" that ends its last line; a
    final line without "\n" is a document; an empty file gives no chunk. The file is opened at construction
    (OSError as `open` raises it, with `filename`), read from byte `offset`, whose line is `first_line`.

    Raises ValueError for chunk_bytes 0 or first_line 0, TokenizerError for a chunk_bytes no buffer can have,
    OutOfMemoryError (at the first chunk) when its buffer does not fit in memory, OSError when a read fails."""

    def __new__(
        cls, path: str | os.PathLike[str], *, chunk_bytes: int = ..., offset: int = 0, first_line: int = 1
    ) -> TextFileChunks: ...
    def __iter__(self) -> TextFileChunks: ...
    def __next__(self) -> LineChunk: ...
    def close(self) -> None:
        """Close the file (done at its end too); the iterator then ends."""

@final
class LineChunk:
    """Whole lines from `TextFileChunks`, which `encode_lines_flat` and `feed_lines` take as they take bytes
    (without a copy). `bytes(chunk)` copies them out."""

    @property
    def start(self) -> int:
        """Byte offset of the chunk's first byte in its file."""
    @property
    def end(self) -> int:
        """The file's position after the chunk (past the "\n" that ended its last line, if any)."""
    @property
    def first_line(self) -> int:
        """1-based line number of the chunk's first line."""
    @property
    def lines(self) -> int:
        """Lines (documents) in the chunk."""
    def __len__(self) -> int: ...
    def __bytes__(self) -> bytes: ...

# ---- Pillow images through the Arrow C data interface (rust/py/arrow.rs) ----------------------------------
def arrow_image_view(schema: object, array: object, height: int, width: int) -> npt.NDArray[Any] | None:
    """A read-only numpy view, without a copy, of a height x width image exported by
    `Image.__arrow_c_array__()` (the two PyCapsules): (height, width) of uint8 / int16 / int32 / float32, or
    (height, width, 4) uint8 for Pillow's 4-byte pixels. None for another layout (an offset, other types, an
    unaligned buffer); ValueError naming the field of a malformed export."""
