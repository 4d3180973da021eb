"""The native WordPiece tokenizer (`ferroformers._native.WordPieceTokenizer`, rust/text) against Hugging Face
`tokenizers` (the reference, driven the way transformers' fast tokenizer drives it): ids, offsets and every
Encoding field on real vocabularies, hard lines and hypothesis-generated Unicode."""

from __future__ import annotations

import gc
import json
import multiprocessing
import pickle
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from testing_utils import examples
from tokenizers import AddedToken, Tokenizer

from ferroformers._native import Encodings, TokenizerError, WordPieceTokenizer

HARD_LINES = [
    json.loads(line)
    for line in (Path(__file__).parent / "data" / "native_tokenizer_hard_lines.jsonl")
    .read_text()
    .splitlines()
]
VOCABS = ["bert-base-uncased", "bert-base-cased", "bert-base-multilingual-cased"]
FIELDS = ["ids", "type_ids", "attention_mask", "special_tokens_mask", "offsets"]

# ------------------------------------------------------------------------------------------------------------
# reference and comparison


class _Jsons(dict):
    """name -> tokenizer.json text, with a short repr (hypothesis prints the arguments of a failing example)."""

    def __repr__(self) -> str:
        return f"<tokenizer.json of {', '.join(self)}>"


@pytest.fixture(scope="session")
def tokenizer_json(assets: Path) -> dict[str, str]:
    return _Jsons({name: (assets / name / "tokenizer.json").read_text() for name in VOCABS})


@cache
def _variant(js: str, lowercase: bool, strip_accents: bool | None, chinese: bool, clean: bool) -> str:
    d = json.loads(js)
    d["normalizer"] = {
        "type": "BertNormalizer",
        "clean_text": clean,
        "handle_chinese_chars": chinese,
        "strip_accents": strip_accents,
        "lowercase": lowercase,
    }
    return json.dumps(d)


@cache
def _pair(js: str) -> tuple[Tokenizer, WordPieceTokenizer]:
    return Tokenizer.from_str(js), WordPieceTokenizer.from_tokenizer_json(js)


def reference(
    js: str,
    inputs: list[Any],
    pairs: list[Any] | None = None,
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
    added: list[AddedToken] | None = None,
) -> list[Any]:
    """tokenizers' encodings, as transformers 5.24 tokenization_utils_tokenizers.py gets them: truncation and
    padding enabled on the backend, encode_batch, then [encoding] + encoding.overflowing per sample."""
    hf = Tokenizer.from_str(js) if added else _pair(js)[0]
    if added:
        hf.add_tokens(added)
    hf.no_truncation()
    hf.no_padding()
    if truncation is not None:
        hf.enable_truncation(max_length, stride=stride, strategy=truncation, direction=truncation_side)
    if padding is not None:
        hf.enable_padding(
            direction=padding_side,
            pad_id=pad_id,
            pad_type_id=pad_type_id,
            pad_token=pad_token,
            length=max_length if padding == "max_length" else None,
            pad_to_multiple_of=pad_to_multiple_of,
        )
    batch = inputs if pairs is None else list(zip(inputs, pairs, strict=True))
    rows = []
    for e in hf.encode_batch(batch, add_special_tokens=add_special_tokens, is_pretokenized=is_pretokenized):
        rows.append(e)
        if return_overflowing_tokens:
            rows.extend(e.overflowing)
    return rows


def assert_same(
    ours: Encodings, ref: list[Any], texts: list[Any] | None = None, full: bool = True, tokens: bool = True
) -> None:
    assert len(ours) == len(ref)
    got = {f: getattr(ours, f)() for f in (FIELDS if full else ["ids", "offsets"])}
    for i, e in enumerate(ref):
        where = f"row {i}" + (f" text {texts[i]!r}" if texts is not None and i < len(texts) else "")
        assert got["ids"][i] == e.ids, where
        assert got["offsets"][i] == e.offsets, where
        if full:
            assert got["type_ids"][i] == e.type_ids, where
            assert got["attention_mask"][i] == e.attention_mask, where
            assert got["special_tokens_mask"][i] == e.special_tokens_mask, where
            assert ours.word_ids(i) == e.word_ids, where
            assert ours.sequence_ids(i) == e.sequence_ids, where
            if tokens:
                assert ours.tokens(i) == e.tokens, where


# ------------------------------------------------------------------------------------------------------------
# hard lines, real vocabularies, every normalizer combination

COMBOS = [
    (lowercase, strip, chinese, clean)
    for lowercase in (True, False)
    for strip in (None, True, False)
    for chinese in (True, False)
    for clean in (True, False)
]


@pytest.mark.slow
@pytest.mark.parametrize("name", VOCABS)
def test_hard_lines_every_normalizer_combination(tokenizer_json: dict[str, str], name: str) -> None:
    for combo in COMBOS:
        js = _variant(tokenizer_json[name], *combo)
        hf, ours = _pair(js)
        assert_same(ours.encode_batch(HARD_LINES), hf.encode_batch(HARD_LINES), HARD_LINES, full=False)


def test_documented_reference_quirks(tokenizer_json: dict[str, str]) -> None:
    """The classes where tokenizers differs from Python's unicodedata, reproduced."""
    hf, ours = _pair(tokenizer_json["bert-base-uncased"])
    texts = [
        "ΟΔΟΣ Σ",  # final sigma: σ (Rust to_lowercase), not ς
        "\U0002b820\U0002b81f\U0002b920",  # CJK Extension E gap U+2B820..U+2B91F is not split
        "a\u0378b \U000e0080",  # unassigned code points are kept
        "x\u2e50y",  # punctuation newer than tokenizers' Unicode 9 tables is not split
        "a\u0085b\u000bc",  # Cc and whitespace: removed by clean_text
        "İstanbul",  # NFD then lowercase
        "e\u0316\u0301 \u1d165\u0301",  # combining marks reordered by NFD
    ]
    assert_same(ours.encode_batch(texts), hf.encode_batch(texts), texts)


# ------------------------------------------------------------------------------------------------------------
# hypothesis: random Unicode

PIECES = [
    "\u4e2d\u6587",
    "\U0002b820\U0002b8ff",  # CJK Ext E (the gap)
    "\U0002a700\U0002b740\U0002ceaf",
    "\ud55c\uad6d\uc5b4",  # Hangul
    "\u1100\u1161\u11a8",  # conjoining jamo
    "\U0001f468\u200d\U0001f469\u200d\U0001f467",  # ZWJ emoji
    "\U0001f44d\U0001f3fd",
    "e\u0301",
    "a\u0316\u0301\u0300",
    "\u0627\u0644\u0639\u0631\u0628\u064a\u0629",
    "\u0915\u094d\u0937",
    "ΣΊΣΥΦΟΣ",
    "İı",
    "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000",
    "\x00\x01\x0b\x0c\x1c\x7f\x85\u00ad\u200b\u200e\ufeff\ufffd",
    "[CLS]",
    "[MASK] ",
    "don't",
    "x" * 101,
    "\u00e9" * 99,
    "\u3042\u30a2",
    "\U000e0001\ue000\U000f0000",
    "#",
    "##ing",
]

texts_st = st.lists(
    st.one_of(
        st.text(st.characters(exclude_categories=("Cs",)), max_size=12),
        st.text(st.characters(codec="utf-8", max_codepoint=0x3000), max_size=12),
        st.sampled_from(PIECES),
        st.sampled_from([" ", "  ", "\t", "\n", ".", ",", "-", "'"]),
    ),
    max_size=12,
).map("".join)


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(texts_st, min_size=1, max_size=4), data=st.data())
def test_hypothesis_random_unicode(
    tokenizer_json: dict[str, str], texts: list[str], data: st.DataObject
) -> None:
    name = data.draw(st.sampled_from(VOCABS))
    combo = data.draw(st.sampled_from(COMBOS))
    js = _variant(tokenizer_json[name], *combo)
    hf, ours = _pair(js)
    assert_same(ours.encode_batch(texts), hf.encode_batch(texts), texts)


@settings(max_examples=examples(100), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    texts=st.lists(texts_st, min_size=1, max_size=4),
    pairs=st.booleans(),
    max_length=st.integers(0, 24),
    truncation=st.sampled_from([None, "longest_first", "only_first", "only_second"]),
    stride=st.integers(0, 6),
    truncation_side=st.sampled_from(["right", "left"]),
    overflow=st.booleans(),
    padding=st.sampled_from([None, "longest", "max_length"]),
    pad_to_multiple_of=st.sampled_from([None, 1, 8]),
    padding_side=st.sampled_from(["right", "left"]),
    add_special_tokens=st.booleans(),
    data=st.data(),
)
def test_hypothesis_pairs_truncation_padding(
    tokenizer_json: dict[str, str],
    texts: list[str],
    pairs: bool,
    max_length: int,
    truncation: str | None,
    stride: int,
    truncation_side: str,
    overflow: bool,
    padding: str | None,
    pad_to_multiple_of: int | None,
    padding_side: str,
    add_special_tokens: bool,
    data: st.DataObject,
) -> None:
    js = tokenizer_json[data.draw(st.sampled_from(VOCABS))]
    second = data.draw(st.lists(texts_st, min_size=len(texts), max_size=len(texts))) if pairs else None
    kwargs: dict[str, Any] = dict(
        add_special_tokens=add_special_tokens,
        max_length=max_length,
        truncation=truncation,
        stride=stride,
        truncation_side=truncation_side,
        return_overflowing_tokens=overflow,
        padding=padding,
        pad_to_multiple_of=pad_to_multiple_of,
        padding_side=padding_side,
    )
    ours = _pair(js)[1]
    try:
        ref = reference(js, texts, second, **kwargs)
    except BaseException as e:  # tokenizers refuses (or panics on) a truncation that cannot fit: so do we
        with pytest.raises(TokenizerError):
            ours.encode_batch(texts, second, **kwargs)
        assert "runcat" in str(e) or "stride" in str(e) or "max_len" in str(e), e
        return
    assert_same(ours.encode_batch(texts, second, **kwargs), ref, texts)


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    words=st.lists(st.lists(texts_st, max_size=5), min_size=1, max_size=3),
    pairs=st.booleans(),
    data=st.data(),
)
def test_hypothesis_pretokenized(
    tokenizer_json: dict[str, str], words: list[list[str]], pairs: bool, data: st.DataObject
) -> None:
    js = tokenizer_json[data.draw(st.sampled_from(VOCABS))]
    second = data.draw(st.lists(st.lists(texts_st, max_size=4), min_size=len(words), max_size=len(words)))
    second = second if pairs else None
    ours = _pair(js)[1]
    ref = reference(js, words, second, is_pretokenized=True)
    assert_same(ours.encode_batch(words, second, is_pretokenized=True), ref)


ADDED = [
    AddedToken("<ent>", special=True),
    AddedToken("New York", single_word=True, normalized=True),
    AddedToken("qq", lstrip=True, rstrip=True, normalized=False),
    AddedToken("Über", normalized=True),
    AddedToken("中文", normalized=False, single_word=True),
    AddedToken("[X]", lstrip=True, special=True, normalized=False),
    AddedToken("hello", normalized=True, rstrip=True),
]

added_texts_st = st.lists(
    st.one_of(
        texts_st,
        st.sampled_from(
            [
                "<ent>",
                "New York",
                "new york",
                "qq",
                " qq ",
                "Über",
                "über",
                "中文",
                "[X]",
                "hello",
                "HELLO",
                "a",
                " ",
                "x[X]y",
                "NewYork",
            ]
        ),
    ),
    max_size=8,
).map("".join)


# sets of added tokens tried (each built once: loading a 120k vocabulary takes a while)
ADDED_SETS = [(0, 1, 2), (3, 4, 5), (6, 0, 4), (1, 5, 2, 3)]


@cache
def _added_pair(js: str, which: int) -> tuple[Tokenizer, WordPieceTokenizer]:
    chosen = [ADDED[i] for i in ADDED_SETS[which]]
    hf = Tokenizer.from_str(js)
    ours = WordPieceTokenizer.from_tokenizer_json(js)
    as_tuples = [(t.content, t.single_word, t.lstrip, t.rstrip, t.normalized, t.special) for t in chosen]
    assert ours.add_tokens(as_tuples) == hf.add_tokens(chosen)
    assert ours.get_vocab_size() == hf.get_vocab_size()
    assert ours.get_vocab() == hf.get_vocab()
    assert ours.get_added_tokens() == sorted(
        (i, t.content, t.single_word, t.lstrip, t.rstrip, t.normalized, t.special)
        for i, t in hf.get_added_tokens_decoder().items()
    )
    return hf, ours


@settings(max_examples=examples(100), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(added_texts_st, min_size=1, max_size=4), data=st.data())
def test_hypothesis_added_tokens(
    tokenizer_json: dict[str, str], texts: list[str], data: st.DataObject
) -> None:
    name = data.draw(st.sampled_from(VOCABS))
    hf, ours = _added_pair(tokenizer_json[name], data.draw(st.sampled_from(range(len(ADDED_SETS)))))
    ref = hf.encode_batch(texts)
    # tokens(): ours gives an added token's content, tokenizers the text it matched (documented difference)
    assert_same(ours.encode_batch(texts), ref, texts, tokens=False)


def test_added_tokens_survive_tokenizer_json_both_ways(tokenizer_json: dict[str, str]) -> None:
    texts = ["a <ent> b New York qq  x[X]y Über 中文 hello  there", *HARD_LINES[:50]]
    for which in range(len(ADDED_SETS)):
        hf, ours = _added_pair(tokenizer_json["bert-base-uncased"], which)
        ref = hf.encode_batch(texts)
        assert_same(
            WordPieceTokenizer.from_tokenizer_json(hf.to_str()).encode_batch(texts), ref, tokens=False
        )
        again = Tokenizer.from_str(ours.to_tokenizer_json()).encode_batch(texts)
        assert [e.ids for e in again] == [e.ids for e in ref]
        assert [e.offsets for e in again] == [e.offsets for e in ref]


# ------------------------------------------------------------------------------------------------------------
# flat output, navigation, vocab, files, pickling, threads, fork, bad input


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    texts=st.lists(texts_st, max_size=40),
    max_length=st.one_of(st.none(), st.integers(2, 20)),
    specials=st.booleans(),
    threads=st.sampled_from([1, 2]),
)
def test_flat_equals_lists(
    tokenizer_json: dict[str, str], texts: list[str], max_length: int | None, specials: bool, threads: int
) -> None:
    _, ours = _pair(tokenizer_json["bert-base-multilingual-cased"])
    trunc = max_length is not None
    ids, starts, offsets = ours.encode_batch_flat(
        texts,
        add_special_tokens=specials,
        max_length=max_length,
        truncation=trunc,
        with_offsets=True,
        num_threads=threads,
    )
    enc = ours.encode_batch(
        texts,
        add_special_tokens=specials,
        max_length=max_length,
        truncation="longest_first" if trunc else None,
    )
    assert ids.dtype == np.uint32 and starts.dtype == np.int64 and offsets is not None
    assert starts.shape == (len(texts) + 1,) and offsets.shape == (len(ids), 2)
    for i, (row_ids, row_offsets) in enumerate(zip(enc.ids(), enc.offsets(), strict=True)):
        assert ids[starts[i] : starts[i + 1]].tolist() == row_ids
        assert [tuple(x) for x in offsets[starts[i] : starts[i + 1]].tolist()] == row_offsets
    ids2, starts2, none = ours.encode_batch_flat(texts, add_special_tokens=specials, num_threads=threads)
    assert none is None
    assert len(starts2) == len(texts) + 1
    assert ids2.tolist() == [
        t for row in ours.encode_batch(texts, add_special_tokens=specials).ids() for t in row
    ]


def test_flat_arrays_reuse_buffers_only_once_freed(tokenizer_json: dict[str, str]) -> None:
    # the flat arrays' buffers go back to the encoder when numpy frees them (past 32 MiB) and the next call
    # writes into them: a buffer still seen through any array or view is never handed out again
    import ferroformers

    _, ours = _pair(tokenizer_json["bert-base-uncased"])
    corpus = Path(ferroformers.__file__).parent / "bundled" / "sample_corpus.txt"
    texts = corpus.read_text().splitlines() * 24  # ~12 MB: ~3 M tokens, ~50 MB of offsets
    ids, starts, offsets = ours.encode_batch_flat(texts, with_offsets=True)
    assert offsets is not None and offsets.nbytes > 2**25
    want = (ids.copy(), starts.copy(), offsets.copy())
    assert ids.flags.writeable and offsets.flags.writeable and offsets.flags.c_contiguous
    ids[:] = 7  # writable, and the next call must not see it
    kept = offsets[100:200]  # a view keeps its buffer
    del ids, starts, offsets
    for _ in range(3):
        again = ours.encode_batch_flat(texts, with_offsets=True)
        for a, b in zip(again, want, strict=True):
            assert a is not None and a.dtype == b.dtype and np.array_equal(a, b)
        assert np.array_equal(kept, want[2][100:200])
        # a shorter output in a reused buffer: the first documents' values, and its own length
        half = len(texts) // 2
        short_ids, short_starts, short_offsets = ours.encode_batch_flat(texts[:half], with_offsets=True)
        n = len(short_ids)
        assert short_offsets is not None and 0 < n == short_starts[-1] < len(want[0])
        assert np.array_equal(short_ids, want[0][:n]) and np.array_equal(short_offsets, want[2][:n])
        assert np.array_equal(short_starts, want[1][: half + 1])
        del again, short_ids, short_starts, short_offsets
    assert np.array_equal(kept, want[2][100:200])


def test_texts_any_sequence_and_kept_alive_while_encoding(tokenizer_json: dict[str, str]) -> None:
    # the texts are held by a tuple while the GIL is released: a list that another thread empties during the
    # call (its strs then freed but for that tuple) still gives the values of the list as it was passed
    import threading

    import ferroformers

    _, ours = _pair(tokenizer_json["bert-base-uncased"])
    corpus = Path(ferroformers.__file__).parent / "bundled" / "sample_corpus.txt"
    lines = corpus.read_text().splitlines()
    want = ours.encode_batch_flat(lines, with_offsets=True, num_threads=2)

    class Text(str):
        pass

    for passed in (tuple(lines), iter(lines), (t for t in lines), [Text(t) for t in lines]):
        got = ours.encode_batch_flat(passed, with_offsets=True, num_threads=2)
        assert all(np.array_equal(a, b) for a, b in zip(got, want, strict=True))
    enc = ours.encode_batch(tuple(lines[:50]))
    assert enc.ids() == ours.encode_batch(lines[:50]).ids()
    for _ in range(3):
        texts = ["".join(list(t)) for t in lines * 8]  # strs of their own, freed when the list lets go
        started = threading.Event()

        def clear(texts: list[str] = texts, started: threading.Event = started) -> None:
            started.wait()
            texts.clear()
            gc.collect()

        thread = threading.Thread(target=clear)
        thread.start()
        started.set()
        got = ours.encode_batch_flat(texts, with_offsets=True, num_threads=2)
        thread.join()
        assert texts == []
        n = len(want[0])
        assert got[1].shape == (8 * len(lines) + 1,)
        for k in range(8):
            assert np.array_equal(got[0][k * n : (k + 1) * n], want[0])
    with pytest.raises(TypeError, match=r"texts\[2\] must be str, not float"):
        ours.encode_batch_flat(("a", "b", 1.5))
    with pytest.raises(TypeError, match=r"texts\[1\] must be str, not NoneType"):
        ours.encode_batch_flat(t for t in ["a", None])
    with pytest.raises(TokenizerError, match=r"texts\[1\] contains a lone surrogate at character 1"):
        ours.encode_batch_flat(("a", "b\udc00"))


def test_navigation_matches_tokenizers(tokenizer_json: dict[str, str]) -> None:
    js = tokenizer_json["bert-base-uncased"]
    hf, ours = _pair(js)
    texts = ["Hello, wonderful world of tokenizers!", "naïve café"]
    pairs = ["Second sequence here.", "ok"]
    enc = ours.encode_batch(texts, pairs)
    ref = hf.encode_batch(list(zip(texts, pairs, strict=True)))
    for i, e in enumerate(ref):
        for seq in (0, 1):
            for c in range(40):
                assert enc.char_to_token(i, c, seq) == e.char_to_token(c, seq)
                assert enc.char_to_word(i, c, seq) == e.char_to_word(c, seq)
            for w in range(10):
                assert enc.word_to_tokens(i, w, seq) == e.word_to_tokens(w, seq)
                assert enc.word_to_chars(i, w, seq) == e.word_to_chars(w, seq)
        for t in range(len(e.ids)):
            assert enc.token_to_chars(i, t) == e.token_to_chars(t)
            assert enc.token_to_word(i, t) == e.token_to_word(t)
            assert enc.token_to_sequence(i, t) == e.token_to_sequence(t)
    with pytest.raises(IndexError):
        enc.tokens(5)


# Batches of single texts without overflow are held as columns, not an Encoding per row: lists come straight
# from the columns (masks by run, `[1] * n`), a row's Encoding is made when an accessor asks for it, and all
# rows at once for offsets and arrays. Each way must equal tokenizers, whichever is asked first.
COLUMN_CASES = [
    {},
    {"add_special_tokens": False},
    {"padding": "longest"},
    {"padding": "longest", "padding_side": "left", "pad_to_multiple_of": 8},
    {"padding": "max_length", "max_length": 12, "truncation": "longest_first"},
    {"truncation": "only_first", "max_length": 6},
    {"truncation": "longest_first", "max_length": 1},  # cannot even hold the specials: nothing is truncated
    {"padding": "max_length", "max_length": 4},  # longer rows stay as they are
    {
        "add_special_tokens": False,
        "padding": "longest",
        "padding_side": "left",
        "pad_id": 7,
        "pad_type_id": 3,
        "pad_token": "[unused1]",
    },
    {"add_special_tokens": False, "truncation": "longest_first", "max_length": 3, "padding": "longest"},
]


@pytest.mark.parametrize(
    "kwargs", COLUMN_CASES, ids=[",".join(f"{k}={v}" for k, v in c.items()) or "plain" for c in COLUMN_CASES]
)
def test_single_text_batches_every_accessor_either_order(
    tokenizer_json: dict[str, str], kwargs: dict
) -> None:
    js = tokenizer_json["bert-base-multilingual-cased"]
    _, ours = _pair(js)
    texts = [*HARD_LINES[:60], "", "   ", "a", "Hello, world! naïve café 東京"]
    ref = reference(js, texts, **kwargs)
    # accessors first: each row is made on its own
    enc = ours.encode_batch(texts, **kwargs)
    for i, e in enumerate(ref):
        assert enc.tokens(i) == e.tokens and enc.word_ids(i) == e.word_ids, i
        assert enc.sequence_ids(i) == e.sequence_ids, i
        for t in range(len(e.ids)):
            assert enc.token_to_chars(i, t) == e.token_to_chars(t), (i, t)
            assert enc.token_to_word(i, t) == e.token_to_word(t), (i, t)
        for c in range(0, 30, 3):
            assert enc.char_to_token(i, c) == e.char_to_token(c), (i, c)
        for w in range(4):
            assert enc.word_to_tokens(i, w) == e.word_to_tokens(w), (i, w)
    assert enc.lengths() == [len(e.ids) for e in ref]
    assert enc.overflow_to_sample_mapping() == list(range(len(texts)))
    assert_same(enc, ref, texts)
    # lists first, then the rows made all at once for the offsets
    enc = ours.encode_batch(texts, **kwargs)
    lists = {f: getattr(enc, f)() for f in ("ids", "type_ids", "attention_mask", "special_tokens_mask")}
    assert_same(enc, ref, texts)
    # every row is its own list: changing one leaves the others (and the next batch) alone
    for rows in lists.values():
        assert len({id(r) for r in rows}) == len(rows)
        rows[0].append(-1)
        assert all(r[-1:] != [-1] for r in rows[1:])
    assert ours.encode_batch(texts, **kwargs).attention_mask() == [e.attention_mask for e in ref]
    if len({len(e.ids) for e in ref}) == 1:
        assert enc.to_numpy("ids").tolist() == [e.ids for e in ref]
        assert enc.to_numpy("attention_mask").tolist() == [e.attention_mask for e in ref]
        # all-zero type ids come from numpy.zeros (calloc'd), others are written: the same arrays either way
        type_ids = enc.to_numpy("type_ids")
        assert type_ids.tolist() == [e.type_ids for e in ref]
        assert type_ids.dtype == np.int64 and type_ids.flags.writeable and type_ids.flags.c_contiguous


def test_column_batches_after_add_tokens(tokenizer_json: dict[str, str]) -> None:
    """Ids past the vocabulary the int cache was made for (tokens added after a first batch) are right too."""
    js = tokenizer_json["bert-base-uncased"]
    hf, ours = Tokenizer.from_str(js), WordPieceTokenizer.from_tokenizer_json(js)  # fresh: tokens are added
    texts = ["hello wonderful world", "new_token_a and NEW_TOKEN_B"]
    assert ours.encode_batch(texts).ids() == [e.ids for e in hf.encode_batch(texts)]
    ours.add_tokens(
        [("new_token_a", False, False, False, True, False), ("[NEWB]", False, False, False, False, True)]
    )
    hf.add_tokens([AddedToken("new_token_a", normalized=True)])
    hf.add_special_tokens([AddedToken("[NEWB]", normalized=False)])
    texts.append("x [NEWB] y")
    assert_same(ours.encode_batch(texts), hf.encode_batch(texts), texts)
    assert max(max(r) for r in ours.encode_batch(texts).ids()) == 30523


def test_row_lists_are_left_out_of_the_cyclic_gc(tokenizer_json: dict[str, str]) -> None:
    """Rows of ints (and offset tuples) cannot be in a cycle as returned, so they are untracked (docs/tokenizers.md):
    a large batch then costs no collection passes over every row. The outer lists stay tracked."""
    _, ours = _pair(tokenizer_json["bert-base-uncased"])
    for enc in (ours.encode_batch(["a b", "c", ""]), ours.encode_batch(["a b", "c"], ["d", "e f"])):
        for field in FIELDS:
            rows = getattr(enc, field)()
            assert gc.is_tracked(rows), field
            assert not any(gc.is_tracked(r) for r in rows), field
        assert not any(gc.is_tracked(t) for r in enc.offsets() for t in r)


def test_to_numpy_and_lengths(tokenizer_json: dict[str, str]) -> None:
    _, ours = _pair(tokenizer_json["bert-base-cased"])
    enc = ours.encode_batch(["a b c", "a"], padding="longest")
    assert enc.to_numpy("ids").shape == (2, 5) and enc.to_numpy("ids").dtype == np.int64
    assert enc.to_numpy("offsets").shape == (2, 5, 2)
    assert enc.lengths() == [5, 5]
    assert enc.overflow_to_sample_mapping() == [0, 1]
    with pytest.raises(ValueError, match="row 1"):
        ours.encode_batch(["a b c", "a"]).to_numpy("ids")
    with pytest.raises(ValueError, match="unknown field"):
        enc.to_numpy("nope")


def test_vocab_file_matches_tokenizer_json(assets: Path, tokenizer_json: dict[str, str]) -> None:
    for name, lower in [("bert-base-uncased", True), ("bert-base-cased", False)]:
        from_file = WordPieceTokenizer.from_vocab_file(str(assets / name / "vocab.txt"), lowercase=lower)
        hf, ours = _pair(tokenizer_json[name])
        assert from_file.get_vocab(with_added_tokens=False) == hf.get_vocab(with_added_tokens=False)
        assert from_file.get_vocab_size(False) == hf.get_vocab_size(False)
        # the tokenizer.json also declares the special tokens as added tokens; a bare vocabulary has none
        specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
        assert from_file.add_tokens([(t, False, False, False, False, True) for t in specials]) == 5
        assert from_file.get_added_tokens() == ours.get_added_tokens()
        assert from_file.encode_batch(HARD_LINES).ids() == ours.encode_batch(HARD_LINES).ids()
        assert from_file.token_to_id("[CLS]") == hf.token_to_id("[CLS]")
        assert from_file.id_to_token(101) == hf.id_to_token(101)
        assert from_file.id_to_token(10**9) is None and from_file.id_to_token(-1) is None


def test_vocab_file_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"missing\.txt"):
        WordPieceTokenizer.from_vocab_file(str(tmp_path / "missing.txt"))
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    with pytest.raises(TokenizerError, match=r"empty\.txt is empty"):
        WordPieceTokenizer.from_vocab_file(str(empty))
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"[UNK]\n[CLS]\n\xff\xfe\n")
    with pytest.raises(TokenizerError, match=r"bad\.txt, line 3: not UTF-8"):
        WordPieceTokenizer.from_vocab_file(str(bad))
    no_unk = tmp_path / "no_unk.txt"
    no_unk.write_text("a\nb\n")
    with pytest.raises(TokenizerError, match=r"no_unk\.txt.*\[UNK\]"):
        WordPieceTokenizer.from_vocab_file(str(no_unk))


def test_tokenizer_json_round_trip_and_errors(tokenizer_json: dict[str, str]) -> None:
    for name in VOCABS:
        for combo in [(True, None, True, True), (False, True, False, False)]:
            js = _variant(tokenizer_json[name], *combo)
            hf, ours = _pair(js)
            again = Tokenizer.from_str(ours.to_tokenizer_json())
            ref = hf.encode_batch(HARD_LINES)
            assert [e.ids for e in again.encode_batch(HARD_LINES)] == [e.ids for e in ref]
            assert [e.offsets for e in again.encode_batch(HARD_LINES)] == [e.offsets for e in ref]
            assert WordPieceTokenizer.from_tokenizer_json(ours.to_tokenizer_json()).to_tokenizer_json() == (
                ours.to_tokenizer_json()
            )
    d = json.loads(tokenizer_json["bert-base-uncased"])
    with pytest.raises(TokenizerError, match="not valid JSON"):
        WordPieceTokenizer.from_tokenizer_json("{")
    broken = {**d, "model": {**d["model"], "vocab": []}}
    with pytest.raises(TokenizerError, match=r"`model\.vocab`"):
        WordPieceTokenizer.from_tokenizer_json(json.dumps(broken))
    broken = {**d, "normalizer": {"type": "NFC"}}
    with pytest.raises(TokenizerError, match=r"`normalizer\.type`"):
        WordPieceTokenizer.from_tokenizer_json(json.dumps(broken))
    broken = {**d, "added_tokens": [{"id": 0}]}
    with pytest.raises(TokenizerError, match=r"`added_tokens\[0\]\.content`"):
        WordPieceTokenizer.from_tokenizer_json(json.dumps(broken))


def test_pickle_is_small_json_state(tokenizer_json: dict[str, str]) -> None:
    _, ours = _pair(tokenizer_json["bert-base-cased"])
    ours2 = WordPieceTokenizer.from_tokenizer_json(ours.to_tokenizer_json())
    ours2.add_tokens([("<ent>", False, False, False, False, True)])
    blob = pickle.dumps(ours2)
    back = pickle.loads(blob)
    assert back.get_added_tokens() == ours2.get_added_tokens()
    assert back.encode_batch(["a <ent> b"]).ids() == ours2.encode_batch(["a <ent> b"]).ids()
    assert len(blob) < 2 * len(ours2.to_tokenizer_json())


def test_threads_give_identical_results(
    tokenizer_json: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, ours = _pair(tokenizer_json["bert-base-multilingual-cased"])
    texts = HARD_LINES * 4
    one = ours.encode_batch(texts, num_threads=1)
    two = ours.encode_batch(texts, num_threads=2)
    assert one.ids() == two.ids() and one.offsets() == two.offsets()
    monkeypatch.setenv("FERROFORMERS_NUM_THREADS", "2")
    assert ours.encode_batch(texts).ids() == one.ids()


def _encode_in_child(args: tuple[str, list[str]]) -> list[list[int]]:
    js, texts = args
    return WordPieceTokenizer.from_tokenizer_json(js).encode_batch(texts, num_threads=2).ids()


def test_fork_after_parallel_use_does_not_deadlock(tokenizer_json: dict[str, str]) -> None:
    js = tokenizer_json["bert-base-uncased"]
    _, ours = _pair(js)
    texts = HARD_LINES * 2
    expected = ours.encode_batch(texts, num_threads=2).ids()  # the parent's pool now exists
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(2) as pool:
        result = pool.map_async(_encode_in_child, [(js, texts)] * 2)
        assert result.get(timeout=120) == [expected, expected]


_FLAT_MEMORY = """
import sys
from ferroformers._native import WordPieceTokenizer
tok = WordPieceTokenizer.from_tokenizer_json(sys.stdin.read())
lines = open(sys.argv[1], "rb").read().splitlines()[:2000]
# 20 numbered copies: distinct words, so the run caches keep filling
data = b"\\n".join(line + b" %d" % i for i in range(20) for line in lines)
def rss_mb():
    return int(open("/proc/self/status").read().split("VmRSS:")[1].split()[0]) // 1024
texts = data.decode().splitlines()
for _ in range(5):
    tok.encode_lines_flat(data, num_threads=2)
    tok.encode_batch_flat(texts, with_offsets=True, num_threads=2)
before = rss_mb()
for _ in range(25):
    tok.encode_lines_flat(data, num_threads=2)
    tok.encode_batch_flat(texts, with_offsets=True, num_threads=2)
print(before, rss_mb())
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads VmRSS from /proc")
def test_memory_stays_flat_over_many_threaded_calls(tokenizer_json: dict[str, str]) -> None:
    # two threads meeting at the pool of scratch buffers and run caches used to give up on the busy lock and
    # make fresh ones (4 MB each), then drop them: the process grew by ~1 MB per call on this input
    import subprocess
    import sys

    import ferroformers

    corpus = Path(ferroformers.__file__).parent / "bundled" / "sample_corpus.txt"
    proc = subprocess.run(
        [sys.executable, "-c", _FLAT_MEMORY, str(corpus)],
        input=tokenizer_json["bert-base-uncased"],
        capture_output=True,
        text=True,
        check=True,
    )
    before, after = map(int, proc.stdout.split())
    assert after - before < 12, f"RSS grew from {before} MB to {after} MB over 25 calls"


def test_bad_input_errors(tokenizer_json: dict[str, str]) -> None:
    _, ours = _pair(tokenizer_json["bert-base-uncased"])
    with pytest.raises(TypeError, match=r"inputs\[1\] must be str, not int"):
        ours.encode_batch(["ok", 3])
    with pytest.raises(TypeError, match="not a single str"):
        ours.encode_batch("text")
    with pytest.raises(TypeError, match=r"texts\[0\] must be str, not bytes"):
        ours.encode_batch_flat([b"x"])
    with pytest.raises(TypeError, match=r"inputs\[0\]\[1\] must be str, not NoneType"):
        ours.encode_batch([["a", None]], is_pretokenized=True)
    with pytest.raises(TokenizerError, match=r"inputs\[1\] contains a lone surrogate at character 2"):
        ours.encode_batch(["fine", "ab\ud800c"])
    with pytest.raises(TokenizerError, match="same length"):
        ours.encode_batch(["a", "b"], ["c"])
    # arrays padded past memory: the same error for written and all-zero (numpy.zeros) fields
    padded = ours.encode_batch(["a b", "c"], padding="max_length", max_length=2**40)
    for field in ("ids", "type_ids"):
        with pytest.raises(MemoryError, match=r"padding the rows to 1099511627776 tokens .* do not fit"):
            padded.to_numpy(field)
    with pytest.raises(TokenizerError, match="truncation must be"):
        ours.encode_batch(["a"], truncation="sideways", max_length=3)
    with pytest.raises(TokenizerError, match="needs max_length"):
        ours.encode_batch(["a"], truncation="longest_first")
    with pytest.raises(TokenizerError, match="padding_side"):
        ours.encode_batch(["a"], padding="longest", padding_side="up")
    with pytest.raises(TokenizerError, match="stride"):
        ours.encode_batch(["a b c d e f"], truncation="longest_first", max_length=4, stride=2)
    with pytest.raises(TokenizerError, match="second sequence"):
        ours.encode_batch(["a b c d e f"], truncation="only_second", max_length=4)
    with pytest.raises(TokenizerError, match="not in the vocabulary"):
        WordPieceTokenizer(["a", "b"])
    with pytest.raises(TokenizerError, match="empty"):
        WordPieceTokenizer([])


def test_constructor_from_list_equals_file(assets: Path) -> None:
    vocab = (assets / "bert-base-uncased" / "vocab.txt").read_text().splitlines()
    a = WordPieceTokenizer(vocab)
    b = WordPieceTokenizer.from_vocab_file(str(assets / "bert-base-uncased" / "vocab.txt"))
    assert a.encode_batch(HARD_LINES).ids() == b.encode_batch(HARD_LINES).ids()
    assert (a.lowercase, a.strip_accents, a.cls_token, a.sep_token, a.unk_token) == (
        True,
        None,
        "[CLS]",
        "[SEP]",
        "[UNK]",
    )


def test_added_token_rstrip_overlapping_next_match(tokenizer_json: dict[str, str]) -> None:
    """An rstrip match swallows the space a following pattern starts with: tokenizers keeps both (overlapping
    offsets); found by the cargo fuzz target."""
    js = tokenizer_json["bert-base-cased"]
    toks = [AddedToken("qq", rstrip=True, normalized=False), AddedToken(" x", normalized=False)]
    hf = Tokenizer.from_str(js)
    hf.add_tokens(toks)
    ours = WordPieceTokenizer.from_tokenizer_json(js)
    ours.add_tokens([(t.content, t.single_word, t.lstrip, t.rstrip, t.normalized, t.special) for t in toks])
    texts = ["qq x y", "aqq  xb", "qq x", "x qq"]
    assert_same(ours.encode_batch(texts), hf.encode_batch(texts), texts, tokens=False)


def test_added_token_strings_and_encode_special_tokens(tokenizer_json: dict[str, str]) -> None:
    """id_to_token / tokens() of normalized added tokens give the normalized content, as tokenizers does;
    encode_special_tokens tokenizes special added tokens as text."""
    js = tokenizer_json["bert-base-uncased"]
    toks = [
        AddedToken("NewWord", normalized=True),
        AddedToken("ÜbEr", normalized=True, special=True),
        AddedToken("KeepMe", normalized=False),
        AddedToken("Hi 中", normalized=True),
        AddedToken("<ent>", special=True),
    ]
    hf = Tokenizer.from_str(js)
    hf.add_tokens(toks)
    ours = WordPieceTokenizer.from_tokenizer_json(js)
    ours.add_tokens([(t.content, t.single_word, t.lstrip, t.rstrip, t.normalized, t.special) for t in toks])
    for i in range(30522, 30527):
        assert ours.id_to_token(i) == hf.id_to_token(i)
    assert ours.token_to_id("NewWord") == hf.token_to_id("NewWord") and ours.token_to_id("newword") is None
    texts = ["say NewWord über hi 中 KeepMe <ent> [CLS] x", "[SEP]<ent>über"]
    assert_same(ours.encode_batch(texts), hf.encode_batch(texts), texts)
    hf.encode_special_tokens = True
    assert_same(ours.encode_batch(texts, encode_special_tokens=True), hf.encode_batch(texts), texts)
