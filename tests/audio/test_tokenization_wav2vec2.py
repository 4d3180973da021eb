"""Wav2Vec2CTCTokenizer against transformers 5.24 on the published wav2vec2-base-960h vocabulary: identical
tokens and ids for real transcripts and generated text, identical CTC decoding (strings, char and word offsets)
for generated frame sequences, save / load both ways."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from testing_utils import examples, require_module

from ferroformers import Wav2Vec2CTCTokenizer

transformers = require_module("transformers")

VOCAB_CHARS = list("ETAONIHSRDLUMWCFGYPBVK'XJQZ")


@pytest.fixture(scope="module")
def folder(assets: Path) -> Path:
    return assets / "wav2vec2-base-960h"


@pytest.fixture(scope="module")
def pair(folder: Path) -> tuple[Wav2Vec2CTCTokenizer, object]:
    return Wav2Vec2CTCTokenizer.from_pretrained(folder), transformers.Wav2Vec2CTCTokenizer.from_pretrained(
        folder
    )


@pytest.fixture(scope="module")
def transcripts(media: Path) -> list[str]:
    """Every transcript of the media fixture: upper-case English (in the vocabulary) and 9 languages (not)."""
    texts = [p.read_text(encoding="utf-8").strip() for p in sorted((media / "audio" / "tts").glob("*.txt"))]
    assert len(texts) >= 14
    return texts


def same_output(a, b) -> bool:
    if isinstance(b, str) or (isinstance(b, list) and (not b or isinstance(b[0], str))):
        return a == b
    return a.text == b.text and a.char_offsets == b.char_offsets and a.word_offsets == b.word_offsets


def test_encode_real_transcripts(pair, transcripts: list[str]) -> None:
    ours, theirs = pair
    for text in transcripts:
        assert ours.tokenize(text) == theirs.tokenize(text)
        assert ours(text)["input_ids"] == theirs(text)["input_ids"]
    a = ours(transcripts, padding=True, return_tensors="np")
    b = theirs(transcripts, padding=True, return_tensors="np")
    for key in ("input_ids", "attention_mask"):
        assert np.array_equal(a[key], b[key]) and a[key].dtype == b[key].dtype


TRICKY = [
    "HELLO WORLD",
    "hello world",
    "HELLO  <s> WORLD</s>",
    " A B ",
    "HI|THERE",
    "IT'S A <unk>X",
    "A<pad>B",
    "ÄÖ?",
    "",
    "A\tB\nC",
    "<s><s> </s>  <unk>",
    "| |",
    "<S>",
    "A  B",
]


@pytest.mark.parametrize("text", TRICKY)
@pytest.mark.parametrize("do_lower_case", [False, True])
def test_encode_edge_cases(folder: Path, text: str, do_lower_case: bool) -> None:
    ours = Wav2Vec2CTCTokenizer.from_pretrained(folder, do_lower_case=do_lower_case)
    theirs = transformers.Wav2Vec2CTCTokenizer.from_pretrained(folder, do_lower_case=do_lower_case)
    assert ours.tokenize(text) == theirs.tokenize(text)
    assert ours(text)["input_ids"] == theirs(text)["input_ids"]
    assert ours.decode(ours(text)["input_ids"]) == theirs.decode(theirs(text)["input_ids"])


@settings(max_examples=examples(80), deadline=None)
@given(
    st.lists(
        st.sampled_from([*VOCAB_CHARS, " ", "  ", "|", "<s>", "</s>", "<unk>", "<pad>", "<", "a", "é", "."]),
        max_size=40,
    )
)
def test_encode_hypothesis(pair, pieces: list[str]) -> None:
    ours, theirs = pair
    text = "".join(pieces)
    assert ours.tokenize(text) == theirs.tokenize(text)
    assert ours(text)["input_ids"] == theirs(text)["input_ids"]


DECODE_OPTIONS = [
    dict(),
    dict(skip_special_tokens=True),
    dict(group_tokens=False),
    dict(spaces_between_special_tokens=True),
    dict(output_char_offsets=True),
    dict(output_word_offsets=True),
    dict(output_char_offsets=True, output_word_offsets=True),
    dict(skip_special_tokens=True, output_char_offsets=True, output_word_offsets=True),
    dict(clean_up_tokenization_spaces=True),
]


@settings(max_examples=examples(80), deadline=None)
@given(ids=st.lists(st.integers(0, 35), max_size=60), options=st.sampled_from(DECODE_OPTIONS))
def test_decode_hypothesis(pair, ids: list[int], options: dict) -> None:
    ours, theirs = pair
    assert same_output(ours.decode(ids, **options), theirs.decode(ids, **options))


def ctc_frames(ids: list[int], rng: np.random.Generator, blank: int = 0) -> list[int]:
    """A plausible CTC frame sequence for `ids`: each label held 1-4 frames, blanks (0-3) between labels and
    always between two equal labels (the rule CTC needs to emit a double letter)."""
    frames: list[int] = [blank] * int(rng.integers(0, 4))
    for i, label in enumerate(ids):
        if i and ids[i - 1] == label:
            frames.append(blank)
        frames += [label] * int(rng.integers(1, 5))
        frames += [blank] * int(rng.integers(0, 3))
    return frames


def test_ctc_decoding_of_real_transcripts(pair, transcripts: list[str]) -> None:
    ours, theirs = pair
    rng = np.random.default_rng(0)
    english = [t for t in transcripts if set(t) <= {*VOCAB_CHARS, " "}]
    assert english
    batch = [ctc_frames(ours(t)["input_ids"], rng) for t in english]
    assert ours.batch_decode(batch) == english
    for options in DECODE_OPTIONS:
        for frames in batch:
            assert same_output(ours.decode(frames, **options), theirs.decode(frames, **options)), options
        a, b = ours.batch_decode(batch, **options), theirs.batch_decode(batch, **options)
        assert same_output(a, b), options
    # numpy and torch input
    torch = require_module("torch")
    frames = batch[0]
    assert ours.decode(np.asarray(frames)) == ours.decode(torch.tensor(frames)) == english[0]


def test_skip_special_tokens_removes_the_blank_before_merging(pair) -> None:
    """The transformers quirk, kept: with skip_special_tokens=True the pad (blank) goes before repeats merge,
    so the double L of HELLO collapses."""
    ours, theirs = pair
    frames = ours.convert_tokens_to_ids([*"HHEL", "<pad>", *"LLO"])
    assert ours.decode(frames) == theirs.decode(frames) == "HELLO"
    assert (
        ours.decode(frames, skip_special_tokens=True)
        == theirs.decode(frames, skip_special_tokens=True)
        == "HELO"
    )


def test_offsets_are_frame_positions(pair) -> None:
    ours, _ = pair
    frames = ours.convert_tokens_to_ids(["<pad>", "H", "H", "I", "|", "|", "<pad>", "Y", "O", "U"])
    out = ours.decode(frames, output_char_offsets=True, output_word_offsets=True)
    assert out.text == "HI YOU" and out["text"] == "HI YOU"
    assert out.char_offsets[0] == {"char": "H", "start_offset": 1, "end_offset": 3}
    assert out.word_offsets == [
        {"word": "HI", "start_offset": 1, "end_offset": 4},
        {"word": "YOU", "start_offset": 7, "end_offset": 10},
    ]


def test_special_tokens_and_vocab(pair) -> None:
    ours, theirs = pair
    for name in ("bos_token", "eos_token", "unk_token", "pad_token", "word_delimiter_token"):
        assert getattr(ours, name) == getattr(theirs, name)
        assert getattr(ours, name + "_id") == getattr(theirs, name + "_id")
    assert ours.all_special_tokens == theirs.all_special_tokens
    assert ours.all_special_ids == theirs.all_special_ids
    assert ours.get_vocab() == theirs.get_vocab() and len(ours) == len(theirs) == ours.vocab_size == 32
    assert ours.added_tokens_decoder.keys() == theirs.added_tokens_decoder.keys()
    for i, token in theirs.added_tokens_decoder.items():
        mine = ours.added_tokens_decoder[i]
        assert (mine.content, mine.lstrip, mine.rstrip, mine.special) == (
            token.content,
            token.lstrip,
            token.rstrip,
            token.special,
        )


def test_added_tokens_round_trip(folder: Path, tmp_path: Path) -> None:
    ours = Wav2Vec2CTCTokenizer.from_pretrained(folder)
    theirs = transformers.Wav2Vec2CTCTokenizer.from_pretrained(folder)
    assert ours.add_tokens(["XYZ", "<laugh>"]) == theirs.add_tokens(["XYZ", "<laugh>"]) == 2
    text = "HA <laugh> XYZ HA"
    assert ours(text)["input_ids"] == theirs(text)["input_ids"]
    ours.save_pretrained(tmp_path / "ours")
    back = transformers.Wav2Vec2CTCTokenizer.from_pretrained(tmp_path / "ours")
    assert back(text)["input_ids"] == theirs(text)["input_ids"]
    theirs.save_pretrained(tmp_path / "theirs")
    mine = Wav2Vec2CTCTokenizer.from_pretrained(tmp_path / "theirs")
    assert mine(text)["input_ids"] == theirs(text)["input_ids"]
    assert mine.get_vocab() == theirs.get_vocab()


def test_save_load_both_ways(pair, tmp_path: Path) -> None:
    ours, theirs = pair
    written = ours.save_pretrained(tmp_path / "ours")
    assert {Path(p).name for p in written} == {
        "tokenizer_config.json",
        "special_tokens_map.json",
        "vocab.json",
    }
    back = transformers.Wav2Vec2CTCTokenizer.from_pretrained(tmp_path / "ours")
    assert back.get_vocab() == theirs.get_vocab() and back.all_special_tokens == theirs.all_special_tokens
    assert back.tokenize("A <unk> B") == theirs.tokenize("A <unk> B")
    assert json.loads((tmp_path / "ours" / "vocab.json").read_text()) == json.loads(
        (Path(theirs.name_or_path) / "vocab.json").read_text()
    )
    theirs.save_pretrained(tmp_path / "theirs")
    mine = Wav2Vec2CTCTokenizer.from_pretrained(tmp_path / "theirs")
    assert mine.get_vocab() == ours.get_vocab() and mine.word_delimiter_token == "|"


def test_multilingual_vocab(tmp_path: Path) -> None:
    vocab = {
        "eng": {"<pad>": 0, "<s>": 1, "</s>": 2, "<unk>": 3, "|": 4, "A": 5, "B": 6},
        "deu": {"<pad>": 0, "<s>": 1, "</s>": 2, "<unk>": 3, "|": 4, "Ä": 5, "ß": 6, "ch": 7},
    }
    (tmp_path / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    ours = Wav2Vec2CTCTokenizer(tmp_path / "vocab.json", target_lang="eng")
    theirs = transformers.Wav2Vec2CTCTokenizer(str(tmp_path / "vocab.json"), target_lang="eng")
    assert ours("AB BA")["input_ids"] == theirs("AB BA")["input_ids"]
    ours.set_target_lang("deu")
    theirs.set_target_lang("deu")
    for text in ("Äß chÄ", "AB"):
        assert ours(text)["input_ids"] == theirs(text)["input_ids"]
    assert ours.decode([5, 5, 0, 6, 4, 7]) == theirs.decode([5, 5, 0, 6, 4, 7])
    with pytest.raises(ValueError, match="target_lang 'fra' is not one of"):
        Wav2Vec2CTCTokenizer(tmp_path / "vocab.json", target_lang="fra")
    with pytest.raises(ValueError, match="needs target_lang"):
        Wav2Vec2CTCTokenizer(tmp_path / "vocab.json")


def test_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"vocab\.json"):
        Wav2Vec2CTCTokenizer.from_pretrained(tmp_path)
    (tmp_path / "vocab.json").write_text('{"A": "one"}')
    with pytest.raises(ValueError, match=r"vocab\.json: the id of 'A' must be an integer"):
        Wav2Vec2CTCTokenizer(tmp_path / "vocab.json")
    (tmp_path / "vocab.json").write_text('{"A": 0,')
    with pytest.raises(ValueError, match=r"vocab\.json: line 1 .*malformed JSON"):
        Wav2Vec2CTCTokenizer(tmp_path / "vocab.json")
    with pytest.raises(TypeError, match="needs vocab_file"):
        Wav2Vec2CTCTokenizer()
