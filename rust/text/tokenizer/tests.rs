//! Each fast path of `encode_piece` (run cache, ASCII, fused) forced against the general path, the specification,
//! on the committed hard inputs (tests/data/native_tokenizer_hard_lines.jsonl, tests/tokenizers/data/
//! multilingual.txt, the bundled sample corpus) under every normalizer setting, with and without added tokens.
//! The Python tests compare the automatic choice with Hugging Face `tokenizers`; these reach each path alone.

use super::{BertOptions, Input, Path, Sequence, Tokenizer, Work};
use crate::text::AddedToken;
use std::path::PathBuf;

fn repo_file(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// The committed inputs: the hard lines (JSON strings; the few with lone surrogates, which no `&str` can
/// hold, are skipped), the multilingual lines and the first lines of the bundled corpus.
fn inputs() -> Vec<String> {
    let hard =
        std::fs::read_to_string(repo_file("tests/data/native_tokenizer_hard_lines.jsonl")).unwrap();
    let mut lines: Vec<String> = hard
        .lines()
        .filter_map(|l| serde_json::from_str::<String>(l).ok())
        .collect();
    assert!(lines.len() > 500, "{} hard lines", lines.len());
    for rel in [
        "tests/tokenizers/data/multilingual.txt",
        "python/ferroformers/bundled/sample_corpus.txt",
    ] {
        let text = std::fs::read_to_string(repo_file(rel)).unwrap();
        lines.extend(text.lines().take(400).map(str::to_string));
    }
    lines
}

fn tokenizer(o: &BertOptions) -> Tokenizer {
    let vocab = super::read_vocab_file(
        repo_file("python/ferroformers/bundled/bert-base-uncased/vocab.txt")
            .to_str()
            .unwrap(),
    )
    .unwrap();
    Tokenizer::from_vocab(vocab, o).unwrap()
}

/// Every normalizer setting the paths branch on.
fn settings() -> Vec<BertOptions<'static>> {
    let mut out = vec![];
    for lowercase in [true, false] {
        for strip_accents in [None, Some(true), Some(false)] {
            for (clean_text, handle_chinese_chars) in [(true, true), (false, false)] {
                out.push(BertOptions {
                    lowercase,
                    strip_accents,
                    clean_text,
                    handle_chinese_chars,
                    ..Default::default()
                });
            }
        }
    }
    out
}

fn encode(tok: &Tokenizer, text: &str, path: Option<Path>) -> Sequence {
    let mut w = Work {
        force_path: path,
        ..Default::default()
    };
    let mut out = Sequence::default();
    tok.encode_sequence(&Input::Text(text), &mut w, &mut out);
    out
}

fn check_paths_agree(tok: &Tokenizer, lines: &[String], what: &str) {
    for line in lines {
        let spec = encode(tok, line, Some(Path::General));
        let mut paths = vec![None, Some(Path::Cached), Some(Path::Fused)];
        if line.is_ascii() {
            paths.push(Some(Path::Ascii));
        }
        for path in paths {
            let got = encode(tok, line, path);
            assert!(
                (&got.ids, &got.offsets, &got.words) == (&spec.ids, &spec.offsets, &spec.words),
                "{what}, path {path:?} differs from the general path on {line:?}:\n  {:?}\n  {:?}\n  {:?}\n  {:?}",
                got.ids,
                spec.ids,
                got.offsets,
                spec.offsets
            );
        }
    }
}

#[test]
fn fast_paths_equal_the_general_path_on_the_hard_inputs() {
    let lines = inputs();
    for o in settings() {
        check_paths_agree(&tokenizer(&o), &lines, &format!("{o:?}"));
    }
}

/// Added tokens cut the text into pieces before the paths (`encode_text`); each piece must still agree.
#[test]
fn fast_paths_equal_the_general_path_between_added_tokens() {
    let lines = inputs();
    let mut tok = tokenizer(&BertOptions::default());
    let added: Vec<AddedToken> = ["the", "é", "##", "[MASK]", " x", "東"]
        .iter()
        .enumerate()
        .map(|(i, t)| AddedToken {
            content: t.to_string(),
            single_word: i % 2 == 0,
            lstrip: i % 3 == 0,
            rstrip: i == 1,
            // normalized added tokens take the general path whatever is forced: not what is compared here
            normalized: false,
            special: i == 3,
        })
        .collect();
    tok.add_tokens(&added);
    check_paths_agree(&tok, &lines, "added tokens");
}
