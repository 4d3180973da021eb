"""The WordPiece trainer against Hugging Face `tokenizers` 0.23 (`BertWordPieceTokenizer.train_from_iterator`):
the same words, special tokens and alphabet, compression within 1% on held-out text and no more [UNK]; one
vocabulary whatever the threads or batching; `train_new_from_iterator` round trips through transformers."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
import tok_helpers
from hypothesis import given, settings
from hypothesis import strategies as st
from testing_utils import examples, require_module

import ferroformers
from ferroformers import AutoTokenizer, DistilBertTokenizer, WordPieceTrainer
from ferroformers._native import TrainerError

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
SAMPLE = Path(ferroformers.__file__).parent / "bundled" / "sample_corpus.txt"


def real_lines() -> list[str]:
    """Real text: the bundled sample corpus (English technical prose) and the committed multilingual lines
    and hard inputs."""
    lines = SAMPLE.read_text(encoding="utf-8").split("\n")
    hard = [
        json.loads(x)
        for x in (Path(__file__).parents[1] / "data" / "native_tokenizer_hard_lines.jsonl")
        .read_text(encoding="utf-8")
        .splitlines()
    ]
    hard = [t for t in hard if not any(0xD800 <= ord(c) <= 0xDFFF for c in t)]  # lone surrogates: not text
    return lines + tok_helpers.multilingual_lines() * 20 + hard


def split(lines: list[str]) -> tuple[list[str], list[str]]:
    """Every fifth line held out."""
    return [x for i, x in enumerate(lines) if i % 5], lines[::5]


def reference(
    lines: list[str], vocab_size: int, lowercase: bool = True, strip_accents: bool | None = None, **kw
) -> list[str]:
    tok = require_module("tokenizers").BertWordPieceTokenizer(
        lowercase=lowercase, strip_accents=strip_accents
    )
    tok.train_from_iterator(lines, vocab_size=vocab_size, show_progress=False, **kw)
    vocab = tok.get_vocab()
    return sorted(vocab, key=vocab.__getitem__)


def ours(lines: list[str], vocab_size: int, **kw) -> list[str]:
    kw.setdefault("special_tokens", SPECIALS)
    kw.setdefault("min_frequency", 2)
    kw.setdefault("limit_alphabet", 1000)
    return WordPieceTrainer(vocab_size, show_progress=False, **kw).train_from_iterator(lines)


def encoded(vocab: list[str], texts: list[str], lowercase: bool = True) -> tuple[int, int]:
    """Tokens and [UNK] of `texts` with tokenizers' own WordPiece tokenizer on `vocab`."""
    tok = require_module("tokenizers").BertWordPieceTokenizer(lowercase=lowercase)
    tok._tokenizer.model = require_module("tokenizers.models").WordPiece(
        {t: i for i, t in enumerate(vocab)}, unk_token="[UNK]"
    )
    unk = vocab.index("[UNK]")
    encs = tok.encode_batch(texts, add_special_tokens=False)
    return sum(len(e.ids) for e in encs), sum(e.ids.count(unk) for e in encs)


def alphabet(vocab: list[str]) -> list[str]:
    return [t for t in vocab if len(t) == 1]


def continuing(vocab: list[str]) -> set[str]:
    return {t for t in vocab if t.startswith("##") and len(t) == 3}


def reference_words(
    texts: list[str], lowercase: bool, strip_accents: bool | None, chinese: bool
) -> Counter[str]:
    norm = require_module("tokenizers.normalizers").BertNormalizer(
        lowercase=lowercase, strip_accents=strip_accents, handle_chinese_chars=chinese
    )
    pre = require_module("tokenizers.pre_tokenizers").BertPreTokenizer()
    words = Counter(w for t in texts for w, _ in pre.pre_tokenize_str(norm.normalize_str(t)))
    return Counter({w: n for w, n in words.items() if len(w) <= 100})


SETTINGS = [(True, None, True), (False, None, True), (True, False, True), (True, None, False)]


@pytest.mark.parametrize(("lowercase", "strip_accents", "chinese"), SETTINGS)
def test_words_are_those_of_tokenizers_normalizer_and_pre_tokenizer(
    lowercase, strip_accents, chinese
) -> None:
    texts = real_lines()[:3000] + tok_helpers.multilingual_lines()
    trainer = WordPieceTrainer(
        show_progress=False, lowercase=lowercase, strip_accents=strip_accents, tokenize_chinese_chars=chinese
    )
    trainer.feed(texts)
    assert trainer.word_counts() == reference_words(texts, lowercase, strip_accents, chinese)
    assert trainer.documents == len(texts)


@settings(max_examples=examples(150), deadline=None)
@given(
    texts=st.lists(st.text(st.characters(blacklist_categories=("Cs",)), max_size=40), max_size=8),
    setting=st.sampled_from(SETTINGS),
)
def test_words_of_generated_text(texts: list[str], setting: tuple[bool, bool | None, bool]) -> None:
    trainer = WordPieceTrainer(
        show_progress=False, lowercase=setting[0], strip_accents=setting[1], tokenize_chinese_chars=setting[2]
    )
    trainer.feed(texts)
    assert trainer.word_counts() == reference_words(texts, *setting)


def test_same_specials_alphabet_and_compression_as_tokenizers() -> None:
    # no limit_alphabet: with one, chars tied at the cut are kept arbitrarily by tokenizers (the generated
    # corpora below check the rest)
    train, held_out = split(real_lines())
    theirs = reference(train, 4000, min_frequency=2, limit_alphabet=100_000)
    mine = ours(train, 4000, limit_alphabet=None)
    assert len(mine) == len(theirs) == 4000
    assert mine[:5] == theirs[:5] == SPECIALS
    # the alphabet follows the specials, in code point order; the same chars with the ## prefix
    assert alphabet(mine) == alphabet(theirs) == sorted(alphabet(theirs))
    assert mine[5 : 5 + len(alphabet(mine))] == alphabet(mine)
    assert continuing(mine) == continuing(theirs)
    # nearly the same merges (tokenizers' own runs differ a little: ties follow hash-map order), hence the same
    # compression
    assert len(set(mine) ^ set(theirs)) < 0.05 * len(mine)
    (n_mine, unk_mine), (n_theirs, unk_theirs) = encoded(mine, held_out), encoded(theirs, held_out)
    assert n_mine <= 1.01 * n_theirs
    assert unk_mine <= unk_theirs


def test_cased_and_accents_kept() -> None:
    train, held_out = split(real_lines())
    theirs = reference(train, 4000, lowercase=False, min_frequency=2, limit_alphabet=100_000)
    mine = ours(train, 4000, lowercase=False, limit_alphabet=None)
    assert alphabet(mine) == alphabet(theirs)
    assert {"Å", "Œ", "Ø", "é"} <= set(alphabet(mine))  # accents kept, capitals kept
    n_mine, unk_mine = encoded(mine, held_out, lowercase=False)
    n_theirs, unk_theirs = encoded(theirs, held_out, lowercase=False)
    assert n_mine <= 1.01 * n_theirs and unk_mine <= unk_theirs


@settings(max_examples=examples(40), deadline=None)
@given(
    words=st.lists(st.text("abcdeé中,.ÄZ", min_size=1, max_size=9), min_size=1, max_size=60),
    limit=st.integers(1, 12),
    specials=st.lists(st.sampled_from([*SPECIALS, "<s>", "x"]), max_size=4),
)
def test_generated_corpora_alphabet_and_specials(words: list[str], limit: int, specials: list[str]) -> None:
    lines = [" ".join(words[i : i + 5]) for i in range(0, len(words), 3)]
    trainer = WordPieceTrainer(
        500, min_frequency=0, limit_alphabet=limit, special_tokens=specials, show_progress=False
    )
    try:
        mine = trainer.train_from_iterator(lines)
    except TrainerError as e:
        assert "is smaller than" in str(e)
        return
    theirs = reference(lines, 500, min_frequency=0, limit_alphabet=limit, special_tokens=specials)
    unique = list(dict.fromkeys(specials))
    assert mine[: len(unique)] == theirs[: len(unique)] == unique
    # chars ranked by count: those above the count at the cut are in both alphabets; at the cut, tokenizers
    # picks arbitrarily and we take the lowest code points
    counts: Counter[str] = Counter()
    for w, n in reference_words(lines, True, None, True).items():
        for c in w:
            counts[c] += n
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    kept = {c for c, _ in ranked[:limit]}
    assert set(alphabet(mine)) - set(unique) == kept - set(unique)
    assert continuing(mine) <= {"##" + c for c in kept}
    if len(ranked) > limit:
        cut = ranked[limit - 1][1]
        assert {c for c, n in ranked if n > cut} <= set(alphabet(theirs))
    else:
        assert set(alphabet(mine)) == set(alphabet(theirs))
        assert continuing(mine) == continuing(theirs)


@settings(max_examples=examples(30), deadline=None)
@given(
    words=st.lists(st.text("abcdeé中,.Z", min_size=1, max_size=9), min_size=1, max_size=40),
    initial=st.lists(st.sampled_from("aqxZé中☃"), max_size=4),
    limit=st.one_of(st.none(), st.integers(4, 10)),
)
def test_initial_alphabet_like_tokenizers(words: list[str], initial: list[str], limit: int | None) -> None:
    lines = [" ".join(words[i : i + 5]) for i in range(0, len(words), 3)]
    kw = dict(min_frequency=0, limit_alphabet=limit, initial_alphabet=initial)
    try:
        mine = ours(lines, 500, **kw)
    except TrainerError as e:
        assert "is smaller than" in str(e)
        return
    theirs = reference(lines, 500, **{**kw, "limit_alphabet": limit or 100_000})
    # initial chars are in whether seen or not (unchanged by the normalizer: "Z", "é" are never in a word)
    assert set(initial) <= set(alphabet(mine)) & set(alphabet(theirs))
    if limit is None:
        assert alphabet(mine) == alphabet(theirs)
        assert continuing(mine) == continuing(theirs)
    else:
        assert len(alphabet(mine)) == len(alphabet(theirs)) <= limit


def test_memory_grows_with_distinct_words_not_with_the_text() -> None:
    lines = real_lines()
    trainer = WordPieceTrainer(show_progress=False)
    trainer.feed(lines)
    once = trainer.word_counts()
    distinct, total, memory = trainer.distinct_words, trainer.total_words, trainer.memory_bytes
    for _ in range(9):
        trainer.feed(lines)
    assert (trainer.distinct_words, trainer.total_words, trainer.memory_bytes) == (
        distinct,
        10 * total,
        memory,
    )
    assert trainer.word_counts() == {w: 10 * n for w, n in once.items()}


def test_deterministic_across_threads_and_batches() -> None:
    lines = real_lines()
    first = ours(lines, 2000, num_threads=1)
    assert ours(lines, 2000, num_threads=2) == first
    assert ours(lines, 2000, num_threads=2, batch_size=7) == first
    assert ours([lines[i : i + 333] for i in range(0, len(lines), 333)], 2000, num_threads=2) == first
    # raw lines, whole or in pieces cut at line ends
    data = "\n".join(lines).encode()
    for cuts in ([], [data.index(b"\n", k) for k in range(50_000, len(data), 150_000)]):
        trainer = WordPieceTrainer(
            2000,
            min_frequency=2,
            limit_alphabet=1000,
            special_tokens=SPECIALS,
            show_progress=False,
            num_threads=2,
        )
        start = 0
        for cut in [*cuts, len(data)]:
            trainer.feed_lines(data[start:cut])
            start = cut + 1
        assert trainer.train() == first


def test_errors_are_clear() -> None:
    with pytest.raises(
        TrainerError, match=r"vocab_size 50 is smaller than the 5 special tokens plus the alphabet"
    ):
        ours(real_lines(), 50)
    with pytest.raises(TrainerError, match="no words to train on"):
        ours(["", "   ", "\x00"], 100)
    with pytest.raises(ValueError, match="vocab_size must be an int >= 1"):
        WordPieceTrainer(0)
    with pytest.raises(TypeError, match=r"item 1: expected a str or a list of str, got int"):
        WordPieceTrainer(show_progress=False).feed(["a", 3])
    with pytest.raises(TypeError, match="not a single str"):
        WordPieceTrainer(show_progress=False).feed("text")
    with pytest.raises(ValueError, match="lone surrogate"):
        WordPieceTrainer(show_progress=False).feed(["ok", "bad \ud800"])
    with pytest.raises(TrainerError, match="invalid UTF-8 at byte 3"):
        WordPieceTrainer(show_progress=False).feed_lines(b"ok\n\xff")


def test_progress_reports_the_end_and_can_stop_training() -> None:
    from ferroformers import _native

    seen = []
    core = _native.WordPieceTrainer(vocab_size=100_000, special_tokens=SPECIALS)
    core.feed(real_lines())
    vocab = core.train(lambda done, total: seen.append((done, total)))["vocab"]
    assert seen[-1] == (len(vocab), 100_000)  # stopped short of vocab_size: no pair seen twice is left

    def stop(done: int, total: int) -> None:
        raise KeyboardInterrupt

    core.feed(real_lines())
    with pytest.raises(KeyboardInterrupt):
        core.train(stop)


def test_saved_vocabulary_loads_in_distilbert_tokenizer(tmp_path: Path) -> None:
    trainer = WordPieceTrainer(
        1500, min_frequency=2, limit_alphabet=500, special_tokens=SPECIALS, show_progress=False
    )
    vocab = trainer.train_from_iterator(real_lines())
    (path,) = trainer.save_vocabulary(tmp_path)
    tok = DistilBertTokenizer(vocab_file=path, do_lower_case=True, padding_side="left")
    assert tok.convert_ids_to_tokens(list(range(len(vocab)))) == vocab
    ids = tok("Hello tokenizer world")["input_ids"]
    assert ids[0] == vocab.index("[CLS]") and ids[-1] == vocab.index("[SEP]")


def test_train_new_from_iterator_like_transformers(tmp_path: Path) -> None:
    transformers = require_module("transformers")
    folder = tok_helpers.folder("bert-base-uncased")
    train, held_out = split(real_lines())
    batches = [train[i : i + 1000] for i in range(0, len(train), 1000)]
    kw = dict(min_frequency=2, limit_alphabet=100_000)  # no ties at the cut (see above)
    mine = AutoTokenizer.from_pretrained(folder).train_new_from_iterator(
        batches, 4000, **kw, show_progress=False
    )
    theirs = transformers.AutoTokenizer.from_pretrained(folder).train_new_from_iterator(batches, 4000, **kw)
    assert type(mine).__name__ == "BertTokenizerFast"
    assert len(mine) == len(theirs) == 4000
    assert mine.all_special_ids == theirs.all_special_ids == [1, 3, 0, 2, 4]
    assert alphabet(mine.convert_ids_to_tokens(list(range(4000)))) == alphabet(
        theirs.convert_ids_to_tokens(list(range(4000)))
    )
    n_mine = sum(len(x) for x in mine(held_out)["input_ids"])
    n_theirs = sum(len(x) for x in theirs(held_out)["input_ids"])
    assert n_mine <= 1.01 * n_theirs
    # saved, it loads in transformers with the same ids
    mine.save_pretrained(tmp_path / "new")
    back = transformers.AutoTokenizer.from_pretrained(tmp_path / "new")
    assert back(held_out)["input_ids"] == mine(held_out)["input_ids"]
    assert (
        AutoTokenizer.from_pretrained(tmp_path / "new")(held_out)["input_ids"] == mine(held_out)["input_ids"]
    )


def test_train_new_from_iterator_special_tokens() -> None:
    transformers = require_module("transformers")
    folder = tok_helpers.folder("bert-base-uncased")
    lines = real_lines()
    kw = dict(
        min_frequency=2,
        limit_alphabet=300,
        new_special_tokens=["<ent>"],
        special_tokens_map={"[UNK]": "<unk>", "[CLS]": "<cls>"},
    )
    mine = AutoTokenizer.from_pretrained(folder).train_new_from_iterator(
        lines, 1000, **kw, show_progress=False
    )
    theirs = transformers.AutoTokenizer.from_pretrained(folder).train_new_from_iterator(lines, 1000, **kw)
    head = ["[PAD]", "<unk>", "<cls>", "[SEP]", "[MASK]", "<ent>"]
    assert mine.convert_ids_to_tokens(list(range(6))) == theirs.convert_ids_to_tokens(list(range(6))) == head
    assert (mine.unk_token, mine.cls_token, mine.sep_token) == ("<unk>", "<cls>", "[SEP]")
    assert "<ent>" in mine.additional_special_tokens
    text = "<ent> Hello ☃ world"  # the snowman is not in the alphabet
    for tok in (mine, theirs):
        tokens = tok.convert_ids_to_tokens(tok(text)["input_ids"])
        assert tokens[:2] == ["<cls>", "<ent>"] and tokens[-1] == "[SEP]" and "<unk>" in tokens
    with pytest.raises(ValueError, match="special token 1 is the empty string"):
        AutoTokenizer.from_pretrained(folder).train_new_from_iterator(
            lines, 1000, limit_alphabet=300, special_tokens_map={"[UNK]": ""}, show_progress=False
        )
