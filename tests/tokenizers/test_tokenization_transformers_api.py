"""What code written for transformers does with a tokenizer, against transformers on the same input:
from_pretrained keywords, pairs as two-item lists, decode and padding keywords, special-token attributes,
backend_tokenizer, the layout of saved files and apply_chat_template. Where transformers 4.x and 5.x differ,
docs/compatibility.md says which one is followed."""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path
from typing import Any

import pytest
from testing_utils import require_module

from ferroformers import BertTokenizer, BertTokenizerFast

transformers = require_module("transformers")
tokenizers = require_module("tokenizers")
require_module("jinja2")

CLASSES = [(BertTokenizer, "BertTokenizer"), (BertTokenizerFast, "BertTokenizerFast")]
TEXTS = ["Hello, wörld! unaffable", "The quick brown fox.", "a"]


@pytest.fixture(scope="module")
def path(assets: Path) -> Path:
    return assets / "bert-base-uncased"


def both(cls_name: str, path: Path, **kwargs: Any) -> tuple[Any, Any]:
    ours = {"BertTokenizer": BertTokenizer, "BertTokenizerFast": BertTokenizerFast}[cls_name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ours.from_pretrained(path, **kwargs), getattr(transformers, cls_name).from_pretrained(
            path, **kwargs
        )


@pytest.mark.parametrize("cls_name", ["BertTokenizer", "BertTokenizerFast"])
@pytest.mark.parametrize(
    "kwargs",
    [
        {"use_fast": True},
        {"use_fast": False},
        {"from_slow": True},
        {"legacy": False},
        {"add_prefix_space": True},
        {"trust_remote_code": True},
        {"model_max_length": 7, "max_length": 5},
    ],
)
def test_from_pretrained_keywords(path: Path, cls_name: str, kwargs: dict[str, Any]) -> None:
    ours, theirs = both(cls_name, path, **kwargs)
    assert (
        ours(TEXTS, text_pair=TEXTS[::-1])["input_ids"] == theirs(TEXTS, text_pair=TEXTS[::-1])["input_ids"]
    )
    assert ours.model_max_length == theirs.model_max_length
    for key in ("legacy", "add_prefix_space", "max_length"):
        if key in kwargs:  # kept in init_kwargs (and saved), as transformers keeps it
            assert ours.init_kwargs[key] == theirs.init_kwargs[key] == kwargs[key]


def test_use_auth_token_is_token(path: Path) -> None:
    with pytest.warns(FutureWarning, match="use_auth_token is deprecated"):
        ours = BertTokenizerFast.from_pretrained(path, use_auth_token="hf_unused")
    assert (
        ours("Hello")["input_ids"]
        == transformers.BertTokenizerFast.from_pretrained(path)("Hello")["input_ids"]
    )
    with pytest.raises(ValueError, match="token and use_auth_token"), pytest.warns(FutureWarning):
        BertTokenizerFast.from_pretrained(path, use_auth_token="a", token="b")


def test_trust_remote_code_refuses_only_real_remote_code(path: Path, tmp_path: Path) -> None:
    shutil.copytree(path, tmp_path / "t")
    config = json.loads((tmp_path / "t" / "tokenizer_config.json").read_text())
    config["auto_map"] = {"AutoTokenizer": ["tokenization_mine.MyTokenizer", None]}
    (tmp_path / "t" / "tokenizer_config.json").write_text(json.dumps(config))
    with pytest.raises(ValueError, match="auto_map names tokenizer code from the repository"):
        BertTokenizerFast.from_pretrained(tmp_path / "t", trust_remote_code=True)


def test_from_slow_needs_the_slow_files(path: Path, tmp_path: Path) -> None:
    (tmp_path / "t").mkdir()
    shutil.copy(path / "tokenizer.json", tmp_path / "t")
    with pytest.raises(ValueError, match=r"from_slow=True needs the slow tokenizer's files \['vocab.txt'\]"):
        BertTokenizerFast.from_pretrained(tmp_path / "t", from_slow=True)


@pytest.mark.parametrize("cls_name", ["BertTokenizer", "BertTokenizerFast"])
def test_pairs_as_two_item_lists(path: Path, cls_name: str) -> None:
    ours, theirs = both(cls_name, path)
    batch = [["q", "a"], ["q2", "a2 x"], ("tuple", "pair")]
    for kwargs in ({}, {"return_offsets_mapping": True} if cls_name.endswith("Fast") else {}):
        assert dict(ours(batch, **kwargs)) == dict(theirs(batch, **kwargs))
    words = [[["q", "w"], ["a"]], [["x"], ["y", "z"]]]
    assert (
        ours(words, is_split_into_words=True)["input_ids"]
        == theirs(words, is_split_into_words=True)["input_ids"]
    )


def test_pair_batch_mixed_with_a_text_is_an_error(path: Path) -> None:
    with pytest.raises(ValueError, match=r"text\[1\] must be a \(text, text_pair\) pair"):
        BertTokenizerFast.from_pretrained(path)([["q", "a"], "lone"])


@pytest.mark.parametrize("cls_name", ["BertTokenizer", "BertTokenizerFast"])
def test_decode_spaces_between_special_tokens(path: Path, cls_name: str) -> None:
    ours, theirs = both(cls_name, path)
    for tok in (ours, theirs):
        tok.add_tokens(["newtok"])
        tok.add_special_tokens({"additional_special_tokens": ["<ent>"]})
    ids = theirs("hello newtok world <ent> [SEP] x")["input_ids"]
    assert ours("hello newtok world <ent> [SEP] x")["input_ids"] == ids
    for spaces in (True, False):
        for skip in (True, False):
            kwargs = {"spaces_between_special_tokens": spaces, "skip_special_tokens": skip}
            assert ours.decode(ids, **kwargs) == theirs.decode(ids, **kwargs)
            assert ours.batch_decode([ids, ids[:3]], **kwargs) == theirs.batch_decode(
                [ids, ids[:3]], **kwargs
            )


@pytest.mark.parametrize("cls_name", ["BertTokenizer", "BertTokenizerFast"])
def test_pad_to_max_length_is_4x_padding(path: Path, cls_name: str) -> None:
    """transformers 4.x: pad_to_max_length=True means padding="max_length" with a max_length, else
    padding="longest" (transformers 5 ignores it): compared with transformers called with those."""
    ours, theirs = both(cls_name, path)
    texts = ["a b c d e f g h", "d"]
    with pytest.warns(FutureWarning, match="`pad_to_max_length` argument is deprecated"):
        got = ours(texts, pad_to_max_length=True, max_length=6)
    assert dict(got) == dict(theirs(texts, padding="max_length", max_length=6, truncation=True))
    with pytest.warns(FutureWarning):
        got = ours(texts, pad_to_max_length=True)
    assert dict(got) == dict(theirs(texts, padding="longest"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert dict(ours(texts, pad_to_max_length=True, verbose=False)) == dict(theirs(texts, padding=True))
    assert dict(ours(texts, padding=True)) == dict(ours(texts, padding=True, pad_to_max_length=False))
    with pytest.warns(FutureWarning, match="`truncation_strategy` argument is deprecated"):
        got = ours(texts, truncation_strategy="only_first", max_length=4)
    assert dict(got) == dict(theirs(texts, truncation="only_first", max_length=4))


def test_backend_tokenizer(path: Path, tmp_path: Path) -> None:
    ours, theirs = both("BertTokenizerFast", path)
    b, t = ours.backend_tokenizer, theirs.backend_tokenizer
    assert type(b.normalizer).__name__ == type(t.normalizer).__name__ == "BertNormalizer"
    assert type(b.pre_tokenizer).__name__ == type(t.pre_tokenizer).__name__ == "BertPreTokenizer"
    assert type(b.model).__name__ == type(t.model).__name__ == "WordPiece"
    assert (b.normalizer.lowercase, b.model.unk_token, b.model.continuing_subword_prefix) == (
        t.normalizer.lowercase,
        t.model.unk_token,
        t.model.continuing_subword_prefix,
    )
    assert b.pre_tokenizer.pre_tokenize_str(TEXTS[0]) == t.pre_tokenizer.pre_tokenize_str(TEXTS[0])
    assert b.post_processor.num_special_tokens_to_add(True) == t.post_processor.num_special_tokens_to_add(
        True
    )
    assert b.get_vocab() == t.get_vocab() and b.get_vocab_size() == t.get_vocab_size()
    assert b.model.token_to_id("hello") == t.model.token_to_id("hello")
    mine, ref = b.encode(TEXTS[0], TEXTS[1]), t.encode(TEXTS[0], TEXTS[1])
    for field in (
        "ids",
        "type_ids",
        "tokens",
        "offsets",
        "attention_mask",
        "special_tokens_mask",
        "word_ids",
    ):
        assert getattr(mine, field) == getattr(ref, field), field
    assert [e.ids for e in b.encode_batch(TEXTS)] == [e.ids for e in t.encode_batch(TEXTS)]
    assert b.decode(mine.ids) == t.decode(ref.ids)
    b.save(str(tmp_path / "t.json"))
    loaded = tokenizers.Tokenizer.from_file(str(tmp_path / "t.json"))
    assert loaded.encode(TEXTS[0]).ids == t.encode(TEXTS[0]).ids
    assert json.loads(b.to_str())["model"] == json.loads(t.to_str())["model"]
    with pytest.raises(NotImplementedError, match=r"training .* is not available"):
        b.train([])


def test_special_token_attributes(path: Path) -> None:
    for cls_name in ("BertTokenizer", "BertTokenizerFast"):
        ours, theirs = both(cls_name, path)
        for key in (
            "vocab_file",
            "unk_token",
            "sep_token",
            "pad_token",
            "cls_token",
            "mask_token",
            "do_lower_case",
        ):
            if key in theirs.init_kwargs:
                assert str(ours.init_kwargs[key]) == str(theirs.init_kwargs[key]), key
        assert ours.init_inputs == theirs.init_inputs == ()
        ours.additional_special_tokens = None
        assert ours.additional_special_tokens is None and ours.additional_special_tokens_ids is None
        assert ours("[CLS] x")["input_ids"] == theirs("[CLS] x")["input_ids"]
    # assigning ids sets the tokens with those ids (transformers 4.x; 5.x keeps the ids only)
    ours.additional_special_tokens_ids = [5, 6]
    assert ours.additional_special_tokens == theirs.convert_ids_to_tokens([5, 6])
    assert ours.additional_special_tokens_ids == [5, 6]
    with pytest.raises(TypeError, match="must hold ints"):
        ours.additional_special_tokens_ids = ["x"]


@pytest.mark.parametrize("cls_name", ["BertTokenizer", "BertTokenizerFast"])
def test_saved_json_files_are_laid_out_as_transformers(path: Path, tmp_path: Path, cls_name: str) -> None:
    ours, theirs = both(cls_name, path)
    ours.save_pretrained(tmp_path / "ours")
    theirs.save_pretrained(tmp_path / "theirs")
    checked = 0
    for name in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
        if not (tmp_path / "theirs" / name).exists() or not (tmp_path / "ours" / name).exists():
            continue
        their_text = (tmp_path / "theirs" / name).read_text()
        our_text = (tmp_path / "ours" / name).read_text()
        end = "\n" if their_text.endswith("\n") else ""
        # json.loads keeps key order: re-dumping gives each file back exactly when laid out this way
        assert their_text == json.dumps(json.loads(their_text), indent=2, ensure_ascii=False) + end
        assert our_text == json.dumps(json.loads(our_text), indent=2, ensure_ascii=False) + end, name
        checked += 1
    assert checked >= 1


TEMPLATE = (
    "{% for m in messages %}{% if m['role'] == 'assistant' %}{% generation %}{{ m['content'] }}"
    "{% endgeneration %}{% else %}[{{ m['role'] }}] {{ m['content'] }} {% endif %}{% endfor %}"
    "{% if add_generation_prompt %}[assistant] {% endif %}"
)
CHAT = [{"role": "user", "content": "hi there"}, {"role": "assistant", "content": "hello you"}]


@pytest.mark.parametrize("cls_name", ["BertTokenizer", "BertTokenizerFast"])
def test_apply_chat_template(path: Path, tmp_path: Path, cls_name: str) -> None:
    ours, theirs = both(cls_name, path)
    ours.chat_template = theirs.chat_template = TEMPLATE
    for kwargs in (
        {"tokenize": False},
        {"tokenize": False, "add_generation_prompt": True},
        {"tokenize": False, "continue_final_message": True},
        {"tokenize": True},
        {"tokenize": True, "return_dict": True, "return_assistant_tokens_mask": True},
    ):
        for chat in (CHAT, CHAT[:1], [CHAT, CHAT[:1]]):
            if kwargs.get("return_assistant_tokens_mask") and not cls_name.endswith("Fast"):
                continue  # needs offsets: transformers refuses it on slow tokenizers
            got, want = ours.apply_chat_template(chat, **kwargs), theirs.apply_chat_template(chat, **kwargs)
            assert (dict(got) if kwargs.get("return_dict") else got) == (
                dict(want) if kwargs.get("return_dict") else want
            ), kwargs
    ours.save_pretrained(tmp_path / "ours")
    assert (tmp_path / "ours" / "chat_template.jinja").read_text() == TEMPLATE
    assert getattr(transformers, cls_name).from_pretrained(tmp_path / "ours").chat_template == TEMPLATE
    ours.save_pretrained(tmp_path / "inline", save_jinja_files=False)
    assert (
        json.loads((tmp_path / "inline" / "tokenizer_config.json").read_text())["chat_template"] == TEMPLATE
    )
    theirs.save_pretrained(tmp_path / "theirs")
    assert type(ours).from_pretrained(tmp_path / "theirs").chat_template == TEMPLATE


def test_chat_template_is_sandboxed_and_errors_are_clear(path: Path) -> None:
    jinja2 = require_module("jinja2.exceptions")
    tok = BertTokenizerFast.from_pretrained(path)
    with pytest.raises(ValueError, match="has no chat template"):
        tok.apply_chat_template(CHAT)
    tok.chat_template = "{{ ().__class__.__mro__[1].__subclasses__() }}"
    with pytest.raises(jinja2.SecurityError):
        tok.apply_chat_template(CHAT, tokenize=False)
    tok.chat_template = "{{ raise_exception('no system role') }}"
    with pytest.raises(jinja2.TemplateError, match="no system role"):
        tok.apply_chat_template(CHAT, tokenize=False)
