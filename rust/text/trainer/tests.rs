use super::*;
use crate::text::normalizer::BertNormalizer;

fn counts_of(texts: &[&str]) -> WordCounts {
    let mut c = WordCounts::new(BertNormalizer::default(), 100);
    c.add_texts(texts, 1).unwrap();
    c
}

fn config(vocab_size: usize, specials: &[&str]) -> TrainerConfig {
    TrainerConfig {
        vocab_size,
        min_frequency: 0,
        limit_alphabet: None,
        special_tokens: specials.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    }
}

fn run(counts: &WordCounts, cfg: &TrainerConfig) -> Result<Trained, TrainError> {
    train(counts.clone(), cfg, 1, &mut |_, _| true)
}

/// hug x10, pug x5, pun x12, bun x4, hugs x5 (the example of the Hugging Face course), worked by hand.
fn hug_corpus() -> WordCounts {
    let mut texts = vec![];
    for (w, n) in [
        ("hug", 10),
        ("pug", 5),
        ("pun", 12),
        ("bun", 4),
        ("hugs", 5),
    ] {
        texts.extend(std::iter::repeat_n(w, n));
    }
    counts_of(&texts)
}

#[test]
fn merges_in_count_order_with_id_tie_breaks() {
    let t = run(&hug_corpus(), &config(100, &["[UNK]"])).unwrap();
    let expected = [
        "[UNK]", "b", "g", "h", "n", "p", "s", "u", // special, alphabet by code point
        "##g", "##n", "##s", "##u",  // continuing chars by code point
        "##ug", // 20
        "##un", // 16
        "hug",  // 15
        "pun",  // 12
        "pug",  // 5, ties with (hug, ##s): left id p=5 < hug=14
        "hugs", // 5
        "bun",  // 4
    ];
    assert_eq!(t.vocab, expected);
    assert_eq!(
        (t.special_tokens, t.alphabet, t.continuing, t.merges),
        (1, 7, 4, 7)
    );
    // nothing left to merge: the vocabulary stops short of vocab_size
    assert_eq!(t.vocab.len(), 19);
}

#[test]
fn min_frequency_and_vocab_size_stop_the_merges() {
    let c = hug_corpus();
    let mut cfg = config(100, &["[UNK]"]);
    cfg.min_frequency = 5;
    assert_eq!(run(&c, &cfg).unwrap().vocab.last().unwrap(), "hugs");
    let t = run(&c, &config(14, &["[UNK]"])).unwrap();
    assert_eq!(t.vocab.len(), 14);
    assert_eq!(t.vocab.last().unwrap(), "##un");
}

#[test]
fn special_tokens_first_and_deduplicated() {
    let t = run(
        &hug_corpus(),
        &config(100, &["[PAD]", "[UNK]", "[PAD]", "u"]),
    )
    .unwrap();
    assert_eq!(&t.vocab[..3], ["[PAD]", "[UNK]", "u"]);
    // "u" is a special token already, so the alphabet adds only the six other chars
    assert_eq!(&t.vocab[3..9], ["b", "g", "h", "n", "p", "s"]);
    assert_eq!(t.alphabet, 6);
    assert_eq!(
        run(&hug_corpus(), &config(100, &["[UNK]", ""])),
        Err(TrainError::EmptySpecialToken { index: 1 })
    );
}

#[test]
fn limit_alphabet_keeps_the_most_frequent_chars_ties_by_code_point() {
    // counts: a 4, b 2, c 2, d 2, e 1; a limit of 3 keeps a, then b and c of the tied three
    let c = counts_of(&["ab", "ac", "ad", "ae", "b", "c", "d"]);
    let mut cfg = config(100, &[]);
    cfg.limit_alphabet = Some(3);
    let t = run(&c, &cfg).unwrap();
    assert_eq!(&t.vocab[..3], ["a", "b", "c"]);
    // words lose the chars outside the alphabet: "ad" and "ae" are just "a"
    assert!(t.vocab.contains(&"##b".to_string()) && !t.vocab.contains(&"##d".to_string()));
    // initial_alphabet chars are always kept, even unseen ones
    cfg.initial_alphabet = vec!['z', 'e'];
    let t = run(&c, &cfg).unwrap();
    assert_eq!(&t.vocab[..3], ["a", "e", "z"]);
}

#[test]
fn dropped_first_char_makes_the_next_one_continuing() {
    // tokenizers decides the prefix on the word's own positions, before unknown chars are left out
    let c = counts_of(&["xab", "xab", "a"]);
    let mut cfg = config(100, &[]);
    cfg.limit_alphabet = Some(2); // a 3, b 2, x 2: keeps a, b
    let t = run(&c, &cfg).unwrap();
    assert_eq!(t.vocab, ["a", "b", "##a", "##b", "##ab"]);
}

#[test]
fn vocab_too_small_and_empty_corpus_are_errors() {
    let e = run(&hug_corpus(), &config(10, &["[UNK]"])).unwrap_err();
    assert_eq!(
        e,
        TrainError::VocabTooSmall {
            vocab_size: 10,
            special_tokens: 1,
            initial: 7,
            continuing: 4
        }
    );
    assert!(e.to_string().contains("at least 12 are needed"));
    assert_eq!(
        run(&hug_corpus(), &config(12, &["[UNK]"]))
            .unwrap()
            .vocab
            .len(),
        12
    );
    let empty = counts_of(&["", "  \t", "\u{0}"]);
    assert_eq!(
        run(&empty, &config(100, &[])),
        Err(TrainError::EmptyCorpus { documents: 3 })
    );
}

#[test]
fn repeated_pieces_merge_left_to_right() {
    // "aaaaa": (##a, ##a) is seen three times, merged twice (positions 1-2 and 3-4): a ##aa ##aa; then the
    // tie at count 1 goes to (a, ##aa) (left id 0) and (##aa, ##aa) is gone
    let c = counts_of(&["aaaaa"]);
    let t = run(&c, &config(100, &[])).unwrap();
    assert_eq!(t.vocab, ["a", "##a", "##aa", "aaa", "aaaaa"]);
}

#[test]
fn progress_can_interrupt() {
    let mut calls = 0;
    let r = train(
        hug_corpus(),
        &config(100, &["[UNK]"]),
        1,
        &mut |n, total| {
            calls += 1;
            assert_eq!(total, 100);
            n < 14
        },
    );
    assert_eq!(r, Err(TrainError::Interrupted));
    assert_eq!(calls, 3); // 12 tokens at the start, 13, then 14 stops
}

/// A corpus of random words over a small alphabet (many ties), as lines.
fn random_corpus(seed: u64, lines: usize) -> String {
    let mut state = seed;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let letters: Vec<char> = "abcdeé中 ,.".chars().collect();
    let mut s = String::new();
    for _ in 0..lines {
        for _ in 0..(next() % 40) {
            s.push(letters[(next() % letters.len() as u64) as usize]);
        }
        s.push('\n');
    }
    s
}

#[test]
fn same_vocabulary_whatever_the_threads_and_chunks() {
    let text = random_corpus(7, 30_000);
    let cfg = TrainerConfig {
        vocab_size: 400,
        ..Default::default()
    };
    let mut whole = WordCounts::new(BertNormalizer::default(), 100);
    whole.add_lines(text.trim_end().as_bytes(), 1).unwrap();
    let reference = run(&whole, &cfg).unwrap();
    assert_eq!(reference.vocab.len(), 400);
    let lines: Vec<&str> = text.lines().collect();
    for (threads, chunk) in [(2, 1000), (2, 7), (3, 12_345), (1, 1)] {
        let mut c = WordCounts::new(BertNormalizer::default(), 100);
        for part in lines.chunks(chunk) {
            c.add_texts(part, threads).unwrap();
        }
        let t = train(c, &cfg, threads, &mut |_, _| true).unwrap();
        assert_eq!(t, reference, "{threads} threads, chunks of {chunk}");
    }
    // counted in two halves then merged
    let (a, b) = lines.split_at(lines.len() / 3);
    let mut first = WordCounts::new(BertNormalizer::default(), 100);
    first.add_texts(a, 2).unwrap();
    let mut second = WordCounts::new(BertNormalizer::default(), 100);
    second.add_texts(b, 1).unwrap();
    first.merge(&second).unwrap();
    assert_eq!(run(&first, &cfg).unwrap(), reference);
}
