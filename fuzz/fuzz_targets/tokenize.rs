//! The whole pipeline on arbitrary bytes and small arbitrary vocabularies: never panics; every offset lies
//! inside its text, on a character boundary, and starts never go backwards; the flat and column paths agree
//! with the row path; each fast path (run cache, ASCII, fused), forced, agrees with the general path; the
//! alignment queries agree with the offsets; the line splitter agrees with `str::split`.
//!
//! Input layout: byte 0 = normalizer flags, byte 1 = truncation length, then vocabulary tokens separated by
//! 0xFF up to a 0xFE byte, then the text (all UTF-8-decoded lossily).
#![no_main]

use ferroformers::text::batch::{encode_columns, encode_flat};
use ferroformers::text::lines::split_lines;
use ferroformers::text::tokenizer::{Path, Sequence, Work};
use ferroformers::text::{
    AddedToken, BertNormalizer, EncodeOptions, Input, Side, Tokenizer, Truncation,
    TruncationStrategy, WordPiece,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let (flags, trunc) = (data[0], data[1]);
    let rest = &data[2..];
    let split = rest
        .iter()
        .position(|&b| b == 0xFE)
        .unwrap_or(rest.len().min(24));
    let mut vocab: Vec<String> = vec!["[UNK]".into(), "[CLS]".into(), "[SEP]".into()];
    vocab.extend(
        rest[..split]
            .split(|&b| b == 0xFF)
            .take(32)
            .map(|t| String::from_utf8_lossy(t).into_owned()),
    );
    let text = String::from_utf8_lossy(rest.get(split + 1..).unwrap_or(&[])).into_owned();

    let normalizer = BertNormalizer {
        clean_text: flags & 1 != 0,
        handle_chinese_chars: flags & 2 != 0,
        strip_accents: flags & 4 != 0,
        lowercase: flags & 8 != 0,
    };
    let Ok(model) = WordPiece::new(vocab.clone(), "[UNK]", "##", 1 + (flags >> 4) as usize * 7)
    else {
        return;
    };
    let Ok(mut tok) = Tokenizer::new(model, normalizer, None, "[CLS]", "[SEP]") else {
        return;
    };
    if flags & 0x80 != 0 {
        // some vocabulary tokens as added tokens, with varied flags
        let added: Vec<AddedToken> = vocab[3..]
            .iter()
            .enumerate()
            .filter(|(_, t)| !t.is_empty())
            .map(|(i, t)| AddedToken {
                content: t.clone(),
                single_word: i % 2 == 0,
                lstrip: i % 3 == 0,
                rstrip: i % 5 == 0,
                normalized: i % 2 == 1,
                special: i % 4 == 0,
            })
            .collect();
        tok.add_tokens(&added);
    }

    let n_chars = text.chars().count() as u32;
    let truncation = (trunc & 0x80 != 0).then(|| Truncation {
        max_length: (trunc & 0x1f) as usize,
        strategy: TruncationStrategy::LongestFirst,
        stride: ((trunc >> 5) & 3) as usize,
        side: if trunc & 0x10 != 0 {
            Side::Left
        } else {
            Side::Right
        },
    });
    let opts = EncodeOptions {
        add_special_tokens: true,
        truncation,
    };
    let mut w = Default::default();
    let half = text
        .char_indices()
        .nth(text.chars().count() / 2)
        .map_or(text.len(), |(i, _)| i);
    let (a, b) = (&text[..half], &text[half..]);
    for (ea, eb) in [
        (Input::Text(&text), None),
        (Input::Text(a), Some(Input::Text(b))),
    ] {
        let Ok(enc) = tok.encode(&ea, eb.as_ref(), &opts, &mut w) else {
            continue;
        };
        for e in std::iter::once(&enc).chain(enc.overflowing.iter()) {
            let mut last = [0u32; 2];
            for (t, &(s, end)) in e.offsets.iter().enumerate() {
                let seq = e.sequence_ids[t];
                if seq == u8::MAX {
                    assert_eq!((s, end), (0, 0));
                    continue;
                }
                let limit = if eb.is_none() {
                    n_chars
                } else if seq == 0 {
                    a.chars().count() as u32
                } else {
                    b.chars().count() as u32
                };
                assert!(
                    s <= end && end <= limit,
                    "offsets ({s}, {end}) outside 0..{limit}"
                );
                assert!(
                    s >= last[seq as usize],
                    "offsets go backwards: {s} after {}",
                    last[seq as usize]
                );
                last[seq as usize] = s;
            }
        }
    }
    // each path, forced, gives what the general path gives
    let forced = |path: Path| {
        let mut w = Work::default();
        w.force_path = Some(path);
        let mut out = Sequence::default();
        tok.encode_sequence(&Input::Text(&text), &mut w, &mut out);
        (out.ids, out.offsets, out.words)
    };
    let general = forced(Path::General);
    for path in [Path::Ascii, Path::Cached, Path::Fused] {
        assert_eq!(forced(path), general, "{path:?}");
    }
    // alignment queries agree with the offsets and word indices
    let pair = tok.encode(
        &Input::Text(a),
        Some(&Input::Text(b)),
        &EncodeOptions {
            add_special_tokens: true,
            truncation: None,
        },
        &mut w,
    );
    if let Ok(e) = pair {
        for t in 0..e.len() {
            let Some(seq) = e.token_to_sequence(t) else {
                assert_eq!(e.token_to_chars(t), None);
                continue;
            };
            let (start, end) = e.token_to_chars(t).expect("a sequence token has chars");
            if start < end {
                let found = e
                    .char_to_token(start, seq)
                    .expect("its first char maps to a token");
                let (s2, e2) = e.offsets[found];
                assert!(s2 <= start && start < e2);
            }
            if let Some(word) = e.token_to_word(t) {
                let (first, last) = e.word_to_tokens(word, seq).expect("its word has tokens");
                assert!(first <= t && t < last);
                let (ws, we) = e.word_to_chars(word, seq).expect("its word has chars");
                assert!(ws <= start && end <= we.max(end));
            }
        }
    }
    // the line splitter
    match split_lines(data) {
        Ok(lines) => assert_eq!(
            lines,
            std::str::from_utf8(data)
                .unwrap()
                .split('\n')
                .collect::<Vec<_>>()
        ),
        Err(_) => assert!(std::str::from_utf8(data).is_err()),
    }
    // the flat path gives the same ids as the row path
    let flat = encode_flat(&tok, &[text.as_str()], true, None, true, 1);
    let row = tok.encode(
        &Input::Text(&text),
        None,
        &EncodeOptions {
            add_special_tokens: true,
            truncation: None,
        },
        &mut w,
    );
    if let Ok(row) = row {
        assert_eq!(flat.ids, row.ids);
    }
    // a batch held as columns makes the rows the row path makes
    if let Ok(Some(cols)) = encode_columns(&tok, &[text.as_str(), a], &opts, None, 1) {
        for (k, t) in [text.as_str(), a].iter().enumerate() {
            if let Ok(mut row) = tok.encode(&Input::Text(t), None, &opts, &mut w) {
                row.overflowing.clear();
                assert_eq!(cols.encoding(&tok, cols.row(k)).unwrap(), row);
            }
        }
    }
});
