"""The fast BertTokenizerFast against its references: Hugging Face `tokenizers` (ids and offsets) and transformers'
fast BertTokenizer (the `__call__` options: pairs, padding, truncation, stride, overflow, tensors, alignment
helpers), plus loading, saving, pickling, AutoTokenizer and bad input."""

from __future__ import annotations

import itertools
import multiprocessing
import pickle
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from testing_utils import examples, require_module
from tok_helpers import fast, folder, hf_fast, hf_tokenizers, multilingual_lines, vocab

from ferroformers import AutoTokenizer, BertTokenizerFast, DistilBertTokenizer, DistilBertTokenizerFast

OPTIONS = [
    dict(do_lower_case=lower, strip_accents=strip, tokenize_chinese_chars=cjk)
    for lower, strip, cjk in itertools.product([True, False], [None, True, False], [True, False])
]


def reference(options: dict, name: str = "bert-base-uncased"):  # type: ignore[no-untyped-def]
    return hf_tokenizers(
        name,
        lowercase=options.get("do_lower_case", True),
        strip_accents=options.get("strip_accents"),
        handle_chinese_chars=options.get("tokenize_chinese_chars", True),
    )


def assert_same_as_tokenizers(ours, ref, texts: list[str]) -> None:  # type: ignore[no-untyped-def]
    got = ours(texts, return_offsets_mapping=True)
    want = ref.encode_batch(texts)
    for i, (text, enc) in enumerate(zip(texts, want, strict=True)):
        assert got["input_ids"][i] == enc.ids, text
        assert [tuple(o) for o in got["offset_mapping"][i]] == enc.offsets, text
        assert got.tokens(i) == enc.tokens and got.word_ids(i) == enc.word_ids


# ---- ids and offsets == tokenizers ----------------------------------------------------------------------------


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: "-".join(f"{k}={v}" for k, v in o.items()))
def test_multilingual_file_every_option(options: dict) -> None:
    assert_same_as_tokenizers(fast(**options), reference(options), multilingual_lines())


@pytest.mark.parametrize("name", ["bert-base-cased", "bert-base-multilingual-cased"])
def test_multilingual_file_cased_vocabs(name: str) -> None:
    options = dict(do_lower_case=False)
    assert_same_as_tokenizers(fast(name, **options), reference(options, name), multilingual_lines())


def test_tokenizer_json_of_assets_loads(assets: Path) -> None:
    for name in ("bert-base-uncased", "bert-base-cased"):
        ours = BertTokenizerFast.from_pretrained(assets / name)
        assert_same_as_tokenizers(
            ours, hf_tokenizers(name, lowercase=name.endswith("uncased")), multilingual_lines()
        )


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(st.text(st.characters(codec="utf-8"), max_size=50), min_size=1, max_size=4))
def test_hypothesis_unicode_matches_tokenizers(texts: list[str]) -> None:
    assert_same_as_tokenizers(fast(), reference({}), texts)


@settings(max_examples=examples(100), deadline=None)
@given(text=st.text(st.characters(codec="utf-8"), max_size=40), options=st.sampled_from(OPTIONS))
def test_hypothesis_every_option_matches_tokenizers(text: str, options: dict) -> None:
    assert_same_as_tokenizers(fast(**options), reference(options), [text])


# ---- the __call__ front end == transformers' fast tokenizer --------------------------------------------------

TEXTS = [
    "Hello world, this is a longer sentence for truncation.",
    "Short one.",
    "",
    "中文 and more words here",
]
PAIRS = ["A second sequence that is fairly long as well.", "x", "y z", "pair text"]
CALL_OPTIONS = [
    dict(),
    dict(padding=True),
    dict(padding="longest", pad_to_multiple_of=8),
    dict(padding="max_length", max_length=20),
    dict(truncation=True, max_length=8),
    dict(max_length=7),
    dict(truncation="longest_first", max_length=9, padding="max_length"),
    dict(add_special_tokens=False, padding=True),
    dict(padding=True, padding_side="left"),
    dict(padding=True, return_attention_mask=False, return_token_type_ids=False),
    dict(truncation="only_first", max_length=12, stride=2, return_overflowing_tokens=True, padding=True),
    dict(truncation="only_second", max_length=14, stride=1, return_overflowing_tokens=True),
    dict(return_length=True, return_special_tokens_mask=True, return_offsets_mapping=True),
]


@pytest.mark.parametrize(
    "kwargs", CALL_OPTIONS, ids=lambda k: ",".join(f"{a}={b}" for a, b in k.items()) or "-"
)
@pytest.mark.parametrize("pairs", [False, True])
def test_call_options_match_transformers(kwargs: dict, pairs: bool) -> None:
    ours, ref = fast(), hf_fast()
    args = (TEXTS, PAIRS) if pairs else (TEXTS,)
    try:
        want = ref(*args, **kwargs)
    except Exception as e:  # tokenizers refuses some truncations; so must we, quoting its reason
        assert "Truncation error" in str(e)
        with pytest.raises(ValueError, match=r"too short|needs a second sequence"):
            ours(*args, **kwargs)
        return
    got = ours(*args, **kwargs)
    assert set(got) == set(want)
    for key in want:
        assert (
            got[key] == [list(map(tuple, r)) if key == "offset_mapping" else r for r in want[key]]
            if key == "offset_mapping"
            else got[key] == want[key]
        ), key
    for i in range(len(got["input_ids"])):
        assert got.tokens(i) == want.tokens(i) and got.word_ids(i) == want.word_ids(i)
        assert got.sequence_ids(i) == want.sequence_ids(i)


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(),
        dict(truncation=True, max_length=5),
        dict(return_length=True),
        dict(truncation=True, max_length=5, stride=1, return_overflowing_tokens=True),
    ],
)
def test_single_input_shapes_match_transformers(kwargs: dict) -> None:
    ours, ref = fast(), hf_fast()
    got, want = ours(TEXTS[0], **kwargs), ref(TEXTS[0], **kwargs)
    assert dict(got) == dict(want)
    if kwargs.get("stride"):
        # a pair leaves 2 tokens after the 3 specials, 1 per sequence: tokenizers panics (a PanicException, not
        # an Exception); ours says why
        with pytest.raises(ValueError, match="stride"):
            ours(TEXTS[0], PAIRS[0], **kwargs)
        return
    got, want = ours(TEXTS[0], PAIRS[0], **kwargs), ref(TEXTS[0], PAIRS[0], **kwargs)
    assert dict(got) == dict(want)


def test_tensors_match_transformers() -> None:
    torch = require_module("torch")
    ours, ref = fast(), hf_fast()
    kwargs = dict(padding=True, return_offsets_mapping=True, return_special_tokens_mask=True)
    got, want = ours(TEXTS, return_tensors="np", **kwargs), ref(TEXTS, return_tensors="np", **kwargs)
    for key in want:
        assert got[key].dtype == want[key].dtype, key
        np.testing.assert_array_equal(got[key], want[key])
    got = ours(TEXTS, return_tensors="pt", **kwargs)
    want = ref(TEXTS, return_tensors="pt", **kwargs)
    for key in want:
        assert torch.equal(got[key], want[key]), key
    assert got.to("cpu")["input_ids"].device.type == "cpu"
    with pytest.raises(ValueError, match="padding=True"):
        ours(TEXTS, return_tensors="np")


def test_large_tensors_reuse_freed_buffers_and_match_transformers() -> None:
    # arrays past 32 MiB get their memory from the buffers of freed ones (ids, offsets, masks alike): each
    # batch equals transformers', and the arrays of a batch still alive keep their values
    torch = require_module("torch")
    ours, ref = fast(), hf_fast()
    texts = multilingual_lines() * 1000
    kwargs = dict(padding="max_length", max_length=96, truncation=True, return_offsets_mapping=True)
    want = ref(texts, return_tensors="np", **kwargs)
    assert want["input_ids"].nbytes > 2**24 and want["offset_mapping"].nbytes > 2**25
    kept = None
    for tensors in ["np", "pt", "np", "np"]:
        got = ours(texts, return_tensors=tensors, **kwargs)
        for key in want:
            value = got[key].numpy() if tensors == "pt" else got[key]
            np.testing.assert_array_equal(value, want[key], err_msg=f"{tensors} {key}")
        if kept is None:
            kept = got["input_ids"]
        assert isinstance(got["input_ids"], torch.Tensor if tensors == "pt" else np.ndarray)
        del got
    assert kept is not None
    np.testing.assert_array_equal(kept, want["input_ids"])


def test_pre_split_words_match_transformers() -> None:
    ours, ref = fast(), hf_fast()
    words = [["Hello", "wörld", "中文"], ["a", "b,c"]]
    kwargs = dict(is_split_into_words=True, return_offsets_mapping=True)
    got, want = ours(words, **kwargs), ref(words, **kwargs)
    assert got["input_ids"] == want["input_ids"] and got["offset_mapping"] == want["offset_mapping"]
    assert got.word_ids(0) == want.word_ids(0) and got.word_ids(1) == want.word_ids(1)
    got, want = ours(words[0], words[1], **kwargs), ref(words[0], words[1], **kwargs)
    assert got["input_ids"] == want["input_ids"] and got["token_type_ids"] == want["token_type_ids"]


def test_alignment_helpers_match_transformers() -> None:
    ours, ref = fast(), hf_fast()
    text, pair = "Héllo wonderful world, 中文!", "second part here"
    got, want = ours([text], [pair]), ref([text], [pair])
    n = len(want["input_ids"][0])
    for t in range(n):
        assert got.token_to_chars(0, t) == want.token_to_chars(0, t)
        assert got.token_to_word(0, t) == want.token_to_word(0, t)
        assert got.token_to_sequence(0, t) == want.token_to_sequence(0, t)
    for seq, s in ((0, text), (1, pair)):
        for c in range(len(s)):
            assert got.char_to_token(0, c, sequence_index=seq) == want.char_to_token(0, c, sequence_index=seq)
            assert got.char_to_word(0, c, sequence_index=seq) == want.char_to_word(0, c, sequence_index=seq)
        for w in range(
            max(x for x, s in zip(want.word_ids(0), want.sequence_ids(0), strict=True) if s == seq) + 1
        ):
            assert got.word_to_tokens(0, w, sequence_index=seq) == want.word_to_tokens(
                0, w, sequence_index=seq
            )
            assert got.word_to_chars(0, w, sequence_index=seq) == want.word_to_chars(0, w, sequence_index=seq)
    single = ours(text)
    assert single.char_to_token(1) == ref(text).char_to_token(1) and single.is_fast
    restored = pickle.loads(pickle.dumps(single))
    assert restored.word_ids() == single.word_ids() and restored.tokens() == single.tokens()


# ---- API pieces ------------------------------------------------------------------------------------------------


def test_vocab_special_tokens_and_decode_match_transformers() -> None:
    ours, ref = fast(), hf_fast()
    assert ours.vocab_size == ref.vocab_size and len(ours) == len(ref) and ours.get_vocab() == ref.get_vocab()
    assert ours.all_special_ids == ref.all_special_ids
    assert ours.convert_ids_to_tokens([7592, 101, 10**7]) == ref.convert_ids_to_tokens([7592, 101, 10**7])
    assert ours.convert_tokens_to_ids(["hello", "zzqq"]) == ref.convert_tokens_to_ids(["hello", "zzqq"])
    for line in [*multilingual_lines(), "don't stop , he said . it's ##x", "do not"]:
        encoded = ref(line)["input_ids"]
        for skip, clean in itertools.product((False, True), (False, True)):
            assert ours.decode(
                encoded, skip_special_tokens=skip, clean_up_tokenization_spaces=clean
            ) == ref.decode(encoded, skip_special_tokens=skip, clean_up_tokenization_spaces=clean), line
        # the default is 4.x's (clean up; transformers 5's fast BertTokenizer stopped cleaning by default)
        assert ours.decode(encoded) == ref.decode(encoded, clean_up_tokenization_spaces=True)
        assert ours.tokenize(line) == ref.tokenize(line)
    assert ours.batch_decode(ref(TEXTS)["input_ids"]) == ref.batch_decode(ref(TEXTS)["input_ids"])
    assert ours.convert_tokens_to_string(["un", "##aff", "##able", ","]) == ref.convert_tokens_to_string(
        ["un", "##aff", "##able", ","]
    )


def test_added_tokens_match_transformers() -> None:
    ours, ref = BertTokenizerFast(vocab()), hf_fast().__class__(vocab())
    # new ids, as the slow tokenizers count (transformers' fast one says 3: tokenizers counts "hello" too)
    assert ours.add_tokens(["NewWord", "hello", "x-y"]) == 2
    ref.add_tokens(["NewWord", "hello", "x-y"])
    for tok in (ours, ref):
        assert tok.add_special_tokens({"additional_special_tokens": ["<ent>"]}) == 1
    texts = ["say NewWord and newword, hello othello x-y <ent>q", "<ent><ent> [CLS]"]
    ours.add_tokens(["lowerword"])
    ref.add_tokens(["lowerword"])
    texts = [t.replace("NewWord and newword", "LowerWord and lowerword") for t in texts]
    got, want = ours(texts, return_offsets_mapping=True), ref(texts, return_offsets_mapping=True)
    assert got["input_ids"] == want["input_ids"] and got["offset_mapping"] == want["offset_mapping"]
    assert len(ours) == len(ref)
    encoded = want["input_ids"][0]
    assert ours.decode(encoded, skip_special_tokens=True) == ref.decode(encoded, skip_special_tokens=True)


def test_normalized_added_token_strings() -> None:
    ours, ref = BertTokenizerFast(vocab()), hf_fast().__class__(vocab())
    for tok in (ours, ref):
        tok.add_tokens(["NewWord"])
    assert ours("say NewWord").tokens() == ref("say NewWord").tokens()
    assert ours.convert_ids_to_tokens(30522) == ref.convert_ids_to_tokens(30522)


def test_distilbert_fast_inputs() -> None:
    tok = DistilBertTokenizerFast(vocab())
    assert set(tok("hello", "there")) == {"input_ids", "attention_mask"}


# ---- loading, saving, pickling, AutoTokenizer ---------------------------------------------------------------


def test_save_load_and_transformers_interchange(tmp_path: Path) -> None:
    transformers = require_module("transformers")
    ours = BertTokenizerFast(vocab(), model_max_length=256, padding_side="left")
    ours.add_tokens(["newtoken"])
    ours.add_special_tokens({"additional_special_tokens": ["<ent>"]})
    files = {Path(f).name for f in ours.save_pretrained(tmp_path / "ours")}
    assert files >= {"tokenizer_config.json", "special_tokens_map.json", "vocab.txt", "tokenizer.json"}
    lines = [*multilingual_lines(), "a newtoken <ent> b"]
    for loaded in (
        BertTokenizerFast.from_pretrained(tmp_path / "ours"),
        AutoTokenizer.from_pretrained(tmp_path / "ours"),
        transformers.AutoTokenizer.from_pretrained(tmp_path / "ours"),
    ):
        assert (
            loaded(lines, return_offsets_mapping=True)["offset_mapping"]
            == ours(lines, return_offsets_mapping=True)["offset_mapping"]
        )
        assert loaded(lines)["input_ids"] == ours(lines)["input_ids"], type(loaded)
        assert loaded.padding_side == "left" and loaded.model_max_length == 256 and len(loaded) == len(ours)
    theirs = transformers.AutoTokenizer.from_pretrained(tmp_path / "ours")
    theirs.save_pretrained(tmp_path / "theirs")
    for use_fast in (True, False):
        back = AutoTokenizer.from_pretrained(tmp_path / "theirs", use_fast=use_fast)
        assert back.is_fast is use_fast
        ascii_lines = [line for line in lines if line.isascii()]
        assert back(ascii_lines)["input_ids"] == theirs(ascii_lines)["input_ids"]
        assert back.model_max_length == 256


def test_tokenizer_config_overrides_tokenizer_json(tmp_path: Path, assets: Path) -> None:
    """A tokenizer_config.json saying do_lower_case=False wins over a lowercasing tokenizer.json (as in
    transformers' BertTokenizerFast)."""
    tok = BertTokenizerFast(
        tokenizer_file=str(assets / "bert-base-uncased" / "tokenizer.json"), do_lower_case=False
    )
    assert (
        tok.tokenize("Hello")
        == hf_tokenizers(lowercase=False).encode("Hello", add_special_tokens=False).tokens
    )


def test_pickle_is_small_and_works() -> None:
    tok = BertTokenizerFast(vocab())
    tok.add_tokens(["newtoken"])
    data = pickle.dumps(tok)
    again = pickle.loads(data)
    lines = multilingual_lines()
    assert again(lines)["input_ids"] == tok(lines)["input_ids"] and len(again) == len(tok)
    core = pickle.dumps(tok.backend_tokenizer)
    assert len(core) < 2 * len(tok.backend_tokenizer.to_tokenizer_json().encode())


def _encode_in_child(tok: BertTokenizerFast, texts: list[str]) -> list[list[int]]:
    return tok(texts)["input_ids"]


def test_works_in_forked_and_spawned_workers() -> None:
    tok = fast()
    lines = multilingual_lines()
    expected = tok(lines)["input_ids"]  # the parent has used its thread pool before forking
    for method in ("fork", "spawn"):
        with multiprocessing.get_context(method).Pool(2) as pool:
            results = pool.starmap(_encode_in_child, [(tok, lines)] * 2, chunksize=1)
        assert results == [expected, expected], method


def test_auto_tokenizer_dispatch(assets: Path, tmp_path: Path) -> None:
    assert type(AutoTokenizer.from_pretrained(assets / "bert-base-uncased")) is BertTokenizerFast
    slow = AutoTokenizer.from_pretrained(assets / "bert-base-uncased", use_fast=False)
    assert type(slow).__name__ == "BertTokenizer"
    # no tokenizer_class: config.json's model_type decides
    distil = tmp_path / "distil"
    distil.mkdir()
    (distil / "vocab.txt").write_bytes((assets / "bert-base-uncased" / "vocab.txt").read_bytes())
    (distil / "config.json").write_text('{"model_type": "distilbert"}')
    assert type(AutoTokenizer.from_pretrained(distil)) is DistilBertTokenizerFast
    assert type(AutoTokenizer.from_pretrained(distil, use_fast=False)) is DistilBertTokenizer
    (distil / "config.json").write_text('{"model_type": "gpt2"}')
    with pytest.raises(ValueError, match="gpt2"):
        AutoTokenizer.from_pretrained(distil)


def test_bundled_defaults_work_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    ref = hf_fast()
    for name, cls in (
        ("bert-base-uncased", BertTokenizerFast),
        ("distilbert/distilbert-base-uncased", DistilBertTokenizerFast),
    ):
        tok = AutoTokenizer.from_pretrained(name, cache_dir=tmp_path / "empty-cache")
        assert type(tok) is cls and tok.model_max_length == 512
        assert tok("Hello world")["input_ids"] == ref("Hello world")["input_ids"]
        assert type(
            AutoTokenizer.from_pretrained(name, use_fast=False, cache_dir=tmp_path)
        ).__name__ == cls.__name__.removesuffix("Fast")
    assert DistilBertTokenizer.from_pretrained("distilbert-base-uncased").vocab_size == 30522


def test_bundled_ids_never_wait_on_the_network(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Online (HF_HUB_OFFLINE unset), a bundled id consults only the hub cache: every hub call is made with
    local_files_only=True, so an unreachable hub costs no retries (huggingface_hub waits ~20 s per file)."""
    import huggingface_hub

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    calls: list[bool] = []
    real = huggingface_hub.hf_hub_download

    def recording(*args, **kwargs):
        calls.append(kwargs.get("local_files_only", False))
        return real(*args, **kwargs)

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", recording)
    tok = AutoTokenizer.from_pretrained("bert-base-uncased", cache_dir=tmp_path)
    assert type(tok) is BertTokenizerFast and tok("Hello world")["input_ids"] == [101, 7592, 2088, 102]
    assert calls and all(calls)


def test_hub_cache_beats_the_bundled_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cached hub snapshot of the id is used instead of the bundled files."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    commit = "0123456789abcdef0123456789abcdef01234567"
    repo = tmp_path / "models--distilbert--distilbert-base-uncased"
    snapshot = repo / "snapshots" / commit
    snapshot.mkdir(parents=True)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)
    (snapshot / "vocab.txt").write_text("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\n")
    (snapshot / "tokenizer_config.json").write_text('{"do_lower_case": true, "model_max_length": 64}')
    (snapshot / "config.json").write_text('{"model_type": "distilbert"}')
    tok = AutoTokenizer.from_pretrained("distilbert/distilbert-base-uncased", cache_dir=tmp_path)
    assert type(tok) is DistilBertTokenizerFast and tok.vocab_size == 6 and tok.model_max_length == 64
    assert tok("Hello")["input_ids"] == [2, 5, 3]


# ---- bad input -----------------------------------------------------------------------------------------------


def test_bad_input() -> None:
    tok = fast()
    with pytest.raises(TypeError, match="int"):
        tok(5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"text\[1\].*float"):
        tok(["fine", 1.5])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="surrogate"):
        tok(["ok", "bad\ud800"])
    with pytest.raises(FileNotFoundError, match="nowhere"):
        BertTokenizerFast("/nowhere/vocab.txt")


def test_bad_tokenizer_json_names_field(tmp_path: Path) -> None:
    path = tmp_path / "tokenizer.json"
    path.write_text('{"model": {"type": "BPE"}}')
    with pytest.raises(ValueError, match=r"tokenizer\.json"):
        BertTokenizerFast(tokenizer_file=str(path))
    path.write_bytes(b"\xff\xfe")
    with pytest.raises(ValueError, match="not UTF-8"):
        BertTokenizerFast(tokenizer_file=str(path))


def test_folder_paths() -> None:
    assert folder().endswith("bert-base-uncased")


# ---- generated option combinations ---------------------------------------------------------------------------

words = st.lists(
    st.sampled_from(
        ["hello", "world", "un", "##x", "affable", "中", "é", ",", "[SEP]", "naïve", "tokenization", "a", "!"]
    ),
    max_size=12,
).map(" ".join)
call_options = st.fixed_dictionaries(
    {},
    optional={
        "padding": st.sampled_from([True, False, "longest", "max_length"]),
        "truncation": st.sampled_from([True, False, "longest_first", "only_first", "only_second"]),
        "max_length": st.integers(4, 24),
        "stride": st.integers(0, 3),
        "return_overflowing_tokens": st.booleans(),
        "pad_to_multiple_of": st.sampled_from([2, 4, 8]),
        "padding_side": st.sampled_from(["left", "right"]),
        "add_special_tokens": st.booleans(),
        "return_special_tokens_mask": st.booleans(),
        "return_offsets_mapping": st.booleans(),
        "return_length": st.booleans(),
    },
)


def _outcome(tokenizer, *args, **kwargs):  # type: ignore[no-untyped-def]
    try:
        return tokenizer(*args, **kwargs)
    except BaseException as e:  # tokenizers panics (PanicException) on some stride/length combinations
        if isinstance(e, KeyboardInterrupt):
            raise
        return e


@pytest.mark.filterwarnings("ignore:`max_length` is ignored")  # generated padding=True + max_length
@settings(max_examples=examples(200), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    texts=st.lists(words, min_size=1, max_size=4),
    with_pairs=st.booleans(),
    data=st.data(),
    kwargs=call_options,
)
def test_hypothesis_call_options_match_transformers(
    texts: list[str], with_pairs: bool, data: st.DataObject, kwargs: dict
) -> None:
    pairs = data.draw(st.lists(words, min_size=len(texts), max_size=len(texts))) if with_pairs else None
    args = (texts, pairs) if pairs is not None else (texts,)
    want = _outcome(hf_fast(), *args, **kwargs)
    got = _outcome(fast(), *args, **kwargs)
    if isinstance(want, BaseException):
        assert isinstance(got, ValueError), (want, got)
        return
    assert not isinstance(got, BaseException), got
    assert set(got) == set(want)
    for key in want:
        assert got[key] == want[key], key


def test_distilbert_interchange_with_transformers(tmp_path: Path, assets: Path) -> None:
    transformers = require_module("transformers")
    theirs = transformers.DistilBertTokenizer.from_pretrained(assets / "bert-base-uncased")
    theirs.save_pretrained(tmp_path / "theirs")
    lines = multilingual_lines()
    for use_fast, cls in ((True, DistilBertTokenizerFast), (False, DistilBertTokenizer)):
        ours = AutoTokenizer.from_pretrained(tmp_path / "theirs", use_fast=use_fast)
        assert type(ours) is cls
        got, want = ours("Hello there", "pair"), theirs("Hello there", "pair")
        assert dict(got) == dict(want)
    ours = AutoTokenizer.from_pretrained(tmp_path / "theirs")
    ours.save_pretrained(tmp_path / "ours")
    again = transformers.AutoTokenizer.from_pretrained(tmp_path / "ours")
    assert type(again).__name__ == "DistilBertTokenizer"
    assert again(lines)["input_ids"] == ours(lines)["input_ids"] and set(again("x")) == set(ours("x"))


def test_empty_batch_gives_empty_columns_in_both() -> None:
    from tok_helpers import slow

    for tok in (slow(), fast()):
        assert tok([]) == {"input_ids": [], "token_type_ids": [], "attention_mask": []}
        assert tok([], padding=True, return_tensors="np")["input_ids"].shape == (0, 0)


def test_pickled_batch_keeps_alignment() -> None:
    texts, pairs = ["Héllo wonderful world", "a b, c"], ["x y", "中文 z"]
    batch = fast()(texts, pairs)
    again = pickle.loads(pickle.dumps(batch))
    assert dict(again) == dict(batch) and again.n_sequences == 2
    for i, (text, pair) in enumerate(zip(texts, pairs, strict=True)):
        assert again.tokens(i) == batch.tokens(i) and again.word_ids(i) == batch.word_ids(i)
        assert again.sequence_ids(i) == batch.sequence_ids(i)
        for t in range(len(batch["input_ids"][i])):
            assert again.token_to_chars(i, t) == batch.token_to_chars(i, t)
        for seq, s in ((0, text), (1, pair)):
            for c in range(len(s)):
                assert again.char_to_token(i, c, seq) == batch.char_to_token(i, c, seq)
                assert again.char_to_word(i, c, seq) == batch.char_to_word(i, c, seq)
            for w in range(3):
                assert again.word_to_tokens(i, w, seq) == batch.word_to_tokens(i, w, seq)
                assert again.word_to_chars(i, w, seq) == batch.word_to_chars(i, w, seq)


@settings(max_examples=examples(200), deadline=None)
@given(ids=st.lists(st.integers(0, 30600), max_size=20), skip=st.booleans(), clean=st.booleans())
def test_hypothesis_decode_matches_transformers(ids: list[int], skip: bool, clean: bool) -> None:
    assert fast().decode(
        ids, skip_special_tokens=skip, clean_up_tokenization_spaces=clean
    ) == hf_fast().decode(ids, skip_special_tokens=skip, clean_up_tokenization_spaces=clean)


def test_split_special_tokens_matches_transformers() -> None:
    ours, ref = BertTokenizerFast(vocab()), hf_fast().__class__(vocab())
    texts = ["[CLS] hello [SEP] x[MASK]y newtok", "[PAD][UNK]"]
    for step in range(2):
        if step:
            for tok in (ours, ref):
                tok.add_tokens(["newtok"])
        got = ours(
            texts, split_special_tokens=True, return_offsets_mapping=True, return_special_tokens_mask=True
        )
        want = ref(
            texts, split_special_tokens=True, return_offsets_mapping=True, return_special_tokens_mask=True
        )
        assert dict(got) == dict(want)
        assert ours.tokenize(texts[0], split_special_tokens=True) == ref.tokenize(
            texts[0], split_special_tokens=True
        )
    assert ours(texts)["input_ids"] == ref(texts)["input_ids"]  # the default still keeps them whole
    split = BertTokenizerFast(vocab(), split_special_tokens=True)
    assert split.tokenize("[CLS]") == ["[", "cl", "##s", "]"]
