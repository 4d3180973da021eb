//! The BERT WordPiece tokenizer: added tokens, normalizer, pre-tokenizer, model, post-processing.
//!
//! Mirrors the pipeline of tokenizers 0.23.3 tokenizer/mod.rs (`encode_single_sequence`, `post_process`) and
//! pre_tokenizers/bert.rs (split on whitespace, removed; isolate punctuation).

use super::added_vocabulary::{AddedToken, AddedVocabulary};
use super::encoding::{
    add_bert_specials, truncate_encodings, Encoding, Truncation, TruncationError, NO_SEQ, NO_WORD,
};
use super::normalizer::{BertNormalizer, NChar};
use super::unicode::{class, ASCII, CHINESE, DROP, MARK, NFD, PUNCT, SPACE, UPPER};
use super::wordpiece::WordPiece;
use std::fmt;

/// What can go wrong building or using a tokenizer; the message names the file, line, field or argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// a vocabulary file that does not exist
    FileNotFound(String),
    /// a vocabulary or tokenizer.json that cannot be used
    Invalid(String),
    /// truncation that cannot be done
    Truncation(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::FileNotFound(m) | Error::Invalid(m) | Error::Truncation(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for Error {}

impl From<TruncationError> for Error {
    fn from(e: TruncationError) -> Error {
        Error::Truncation(match e {
            TruncationError::SecondSequenceNotProvided => {
                "truncation 'only_second' needs a second sequence, but none was given".into()
            }
            TruncationError::SequenceTooShort => {
                "the sequence to truncate is too short to respect max_length \
                 (tokenizers: 'Sequence to truncate too short to respect the provided max_length')"
                    .into()
            }
            TruncationError::StrideTooLarge { stride, max_len } => format!(
                "stride ({stride}) must be smaller than the length left after the special tokens ({max_len})"
            ),
        })
    }
}

/// Read a BERT vocab.txt: line n is token n-1 (trailing whitespace removed, as WordPiece::read_file).
pub fn read_vocab_file(path: &str) -> Result<Vec<String>, Error> {
    let bytes = std::fs::read(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Error::FileNotFound(format!("vocabulary file {path}: not found"))
        } else {
            Error::Invalid(format!("vocabulary file {path}: {e}"))
        }
    })?;
    if bytes.is_empty() {
        return Err(Error::Invalid(format!("vocabulary file {path} is empty")));
    }
    let mut tokens = vec![];
    for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
        let line = std::str::from_utf8(line).map_err(|e| {
            Error::Invalid(format!(
                "vocabulary file {path}, line {}: not UTF-8 ({e})",
                i + 1
            ))
        })?;
        tokens.push(line.trim_end().to_string());
    }
    // the text after the last newline is a line only when not empty (BufRead::lines)
    if bytes.last() == Some(&b'\n') {
        tokens.pop();
    }
    Ok(tokens)
}

/// One sequence as input: a text, or words (pre-tokenized).
#[derive(Clone, Copy, Debug)]
pub enum Input<'a> {
    Text(&'a str),
    Words(&'a [&'a str]),
}

/// Per-call options of `encode`.
#[derive(Clone, Copy, Debug)]
pub struct EncodeOptions {
    pub add_special_tokens: bool,
    pub truncation: Option<Truncation>,
}

/// Model output of one sequence, before post-processing.
#[derive(Clone, Debug, Default)]
pub struct Sequence {
    pub ids: Vec<u32>,
    pub offsets: Vec<(u32, u32)>,
    pub words: Vec<u32>,
}

impl Sequence {
    pub fn clear(&mut self) {
        self.ids.clear();
        self.offsets.clear();
        self.words.clear();
    }
}

/// Reusable buffers for one thread.
#[derive(Default)]
pub struct Work {
    nbuf: Vec<NChar>,
    scratch: Vec<NChar>,
    word: Vec<u8>,
    byte_char: Vec<u32>,
    pieces: Vec<(u32, u32, u32)>,
    seq_a: Sequence,
    seq_b: Sequence,
    /// tokenizers' `encode_special_tokens`: special added tokens are tokenized as plain text
    pub encode_special_tokens: bool,
}

/// Append ASCII `bytes` to `word`, lowercased if asked (one bulk copy the compiler vectorizes).
#[inline]
fn push_ascii(word: &mut Vec<u8>, bytes: &[u8], lower: bool) {
    if lower {
        word.extend(bytes.iter().map(u8::to_ascii_lowercase));
    } else {
        word.extend_from_slice(bytes);
    }
}

/// The whole tokenizer.
#[derive(Clone, Debug)]
pub struct Tokenizer {
    pub normalizer: BertNormalizer,
    /// strip_accents as given (None: follows lowercase), kept for tokenizer.json
    pub strip_accents_option: Option<bool>,
    pub model: WordPiece,
    /// BertProcessing (cls, sep); None: no post-processor
    pub post: Option<((String, u32), (String, u32))>,
    pub added: AddedVocabulary,
}

impl Tokenizer {
    /// Build; cls and sep must be in the vocabulary.
    pub fn new(
        model: WordPiece,
        normalizer: BertNormalizer,
        strip_accents_option: Option<bool>,
        cls: &str,
        sep: &str,
    ) -> Result<Tokenizer, Error> {
        let get = |t: &str, what: &str| {
            model.vocab.get(t).copied().ok_or_else(|| {
                Error::Invalid(format!("the {what} token {t:?} is not in the vocabulary"))
            })
        };
        let post = Some((
            (cls.to_string(), get(cls, "cls")?),
            (sep.to_string(), get(sep, "sep")?),
        ));
        Ok(Tokenizer {
            normalizer,
            strip_accents_option,
            model,
            post,
            added: AddedVocabulary::default(),
        })
    }

    /// Normalized text of `s` (for normalized added-token patterns).
    pub fn normalize_str(&self, s: &str) -> String {
        let (mut a, mut b) = (vec![], vec![]);
        self.normalizer.normalize(s, 0, &mut a, &mut b);
        a.iter().map(|n| n.c).collect()
    }

    /// tokenizers' AddedVocabulary::add_tokens.
    pub fn add_tokens(&mut self, tokens: &[AddedToken]) -> usize {
        let model = &self.model;
        let normalizer = self.normalizer;
        let norm = move |s: &str| {
            let (mut a, mut b) = (vec![], vec![]);
            normalizer.normalize(s, 0, &mut a, &mut b);
            a.iter().map(|n| n.c).collect::<String>()
        };
        self.added.add_tokens(
            tokens,
            |t| model.vocab.get(t).copied(),
            model.len() as u32,
            norm,
        )
    }

    pub fn token_to_id(&self, token: &str) -> Option<u32> {
        self.added
            .token_to_id(token)
            .or_else(|| self.model.vocab.get(token).copied())
    }

    pub fn id_to_token(&self, id: u32) -> Option<&str> {
        if let Some(t) = self.added.token_string(id) {
            return Some(t);
        }
        self.model
            .vocab_r
            .get(id as usize)
            .and_then(|t| t.as_deref())
    }

    /// tokenizers' get_vocab_size: the model's, plus added tokens whose id is beyond it.
    pub fn vocab_size(&self, with_added_tokens: bool) -> usize {
        let n = self.model.len();
        if !with_added_tokens {
            return n;
        }
        n + self
            .added
            .tokens()
            .iter()
            .filter(|(id, _)| *id as usize >= n)
            .count()
    }

    /// Encode one text (or word) into `out` (appended): tokens, char offsets from `base`, word indices.
    pub fn encode_text(
        &self,
        text: &str,
        word_override: Option<u32>,
        w: &mut Work,
        out: &mut Sequence,
    ) {
        let mut word_idx = 0u32;
        if self.added.raw.is_empty() {
            self.encode_piece(text, 0, word_override, &mut word_idx, w, out);
            return;
        }
        // byte -> char position, counted forward (an rstrip match can overlap the next one, as in tokenizers)
        let (mut bpos, mut cpos) = (0usize, 0u32);
        let mut char_pos = |b: usize| {
            if b < bpos {
                (bpos, cpos) = (0, 0);
            }
            cpos += text[bpos..b].chars().count() as u32;
            bpos = b;
            cpos
        };
        for (id, s, e) in self
            .added
            .find_matches(text, &self.added.raw, w.encode_special_tokens)
        {
            let cpos = char_pos(s);
            let clen = char_pos(e) - cpos;
            match id {
                Some(id) => {
                    out.ids.push(id);
                    out.offsets.push((cpos, cpos + clen));
                    out.words.push(word_override.unwrap_or(word_idx));
                    word_idx += 1;
                }
                None => self.encode_piece(&text[s..e], cpos, word_override, &mut word_idx, w, out),
            }
        }
    }

    fn encode_piece(
        &self,
        piece: &str,
        base: u32,
        word_override: Option<u32>,
        word_idx: &mut u32,
        w: &mut Work,
        out: &mut Sequence,
    ) {
        if self.added.normalized.is_empty() && piece.is_ascii() {
            self.ascii_piece(piece.as_bytes(), base, word_override, word_idx, w, out);
            return;
        }
        if self.added.normalized.is_empty() {
            self.mixed_piece(piece, base, word_override, word_idx, w, out);
            return;
        }
        self.general_piece(piece, base, word_override, word_idx, w, out);
    }

    /// Text with some non-ASCII chars: the whitespace-delimited stretches holding one go to the fused path, the
    /// ASCII stretches between them to the byte path (most chars of accented Latin text). Cutting at
    /// whitespace changes nothing: whitespace ends every word and every NFD segment (a control that clean_text
    /// drops is not a cut: the word goes on across it).
    fn mixed_piece(
        &self,
        piece: &str,
        base: u32,
        word_override: Option<u32>,
        word_idx: &mut u32,
        w: &mut Work,
        out: &mut Sequence,
    ) {
        let clean = self.normalizer.clean_text;
        let is_cut = |b: u8| {
            b < 0x80 && {
                let f = ASCII[b as usize];
                f & SPACE != 0 && !(clean && f & DROP != 0)
            }
        };
        let bytes = piece.as_bytes();
        let (mut start, mut base) = (0usize, base);
        while start < bytes.len() {
            let Some(p) = bytes[start..].iter().position(|&b| b >= 0x80) else {
                self.ascii_piece(&bytes[start..], base, word_override, word_idx, w, out);
                return;
            };
            let p = start + p;
            let q = bytes[start..p]
                .iter()
                .rposition(|&b| is_cut(b))
                .map_or(start, |k| start + k + 1);
            if q > start {
                self.ascii_piece(&bytes[start..q], base, word_override, word_idx, w, out);
                base += (q - start) as u32;
            }
            let e = bytes[p..]
                .iter()
                .position(|&b| is_cut(b))
                .map_or(bytes.len(), |k| p + k);
            // q and e sit next to ASCII bytes (or the ends): char boundaries
            let part = &piece[q..e];
            self.fused_piece(part, base, word_override, word_idx, w, out);
            base += part.chars().count() as u32;
            start = e;
        }
    }

    /// The general path: normalized chars with their spans, then added tokens of the normalized text, then
    /// pre-tokenization and WordPiece.
    fn general_piece(
        &self,
        piece: &str,
        base: u32,
        word_override: Option<u32>,
        word_idx: &mut u32,
        w: &mut Work,
        out: &mut Sequence,
    ) {
        let mut nbuf = std::mem::take(&mut w.nbuf);
        self.normalizer
            .normalize(piece, base, &mut nbuf, &mut w.scratch);
        if !nbuf.is_empty() {
            if self.added.normalized.is_empty() {
                self.pre_tokenize(&nbuf, word_override, word_idx, w, out);
            } else {
                let s: String = nbuf.iter().map(|n| n.c).collect();
                let mut char_at = Vec::with_capacity(s.len() + 1);
                for (ci, c) in s.chars().enumerate() {
                    char_at.extend(std::iter::repeat_n(ci as u32, c.len_utf8()));
                }
                char_at.push(nbuf.len() as u32);
                for (id, bs, be) in
                    self.added
                        .find_matches(&s, &self.added.normalized, w.encode_special_tokens)
                {
                    let (cs, ce) = (char_at[bs] as usize, char_at[be] as usize);
                    match id {
                        Some(id) => {
                            out.ids.push(id);
                            out.offsets.push((nbuf[cs].start, nbuf[ce - 1].end));
                            out.words.push(word_override.unwrap_or(*word_idx));
                            *word_idx += 1;
                        }
                        None => self.pre_tokenize(&nbuf[cs..ce], word_override, word_idx, w, out),
                    }
                }
            }
        }
        w.nbuf = nbuf;
    }

    /// The whole pipeline for ASCII text, on bytes: no NFD, no CJK, one byte per char, so normalizing and
    /// pre-tokenizing are a table lookup per byte (same result as `normalize` + `pre_tokenize`; the tests
    /// compare both on the hard lines and hypothesis input, which mix ASCII and non-ASCII pieces).
    fn ascii_piece(
        &self,
        piece: &[u8],
        base: u32,
        word_override: Option<u32>,
        word_idx: &mut u32,
        w: &mut Work,
        out: &mut Sequence,
    ) {
        let clean = self.normalizer.clean_text;
        let lower = self.normalizer.lowercase;
        let n = piece.len();
        let mut i = 0;
        while i < n {
            let f = ASCII[piece[i] as usize];
            if (clean && f & DROP != 0) || f & SPACE != 0 {
                i += 1;
                continue;
            }
            // a word: up to whitespace or punctuation; dropped controls inside vanish from it. The char index of
            // each word byte is only recorded once a dropped control makes a gap (rare): until then it is i + k.
            w.word.clear();
            w.byte_char.clear();
            let mut gaps = false;
            let mut j = i;
            if f & PUNCT != 0 {
                w.word.push(piece[i]);
                j += 1;
            } else {
                let stop = if clean {
                    SPACE | PUNCT | DROP
                } else {
                    SPACE | PUNCT
                };
                while j < n && ASCII[piece[j] as usize] & stop == 0 {
                    j += 1;
                }
                push_ascii(&mut w.word, &piece[i..j], lower);
                while j < n {
                    let g = ASCII[piece[j] as usize];
                    if clean && g & DROP != 0 {
                        if !gaps {
                            gaps = true;
                            w.byte_char.extend(i as u32..j as u32);
                        }
                    } else if g & (SPACE | PUNCT) != 0 {
                        break;
                    } else {
                        push_ascii(&mut w.word, &piece[j..j + 1], lower);
                        w.byte_char.push(j as u32);
                    }
                    j += 1;
                }
            }
            let pos =
                |k: usize, byte_char: &[u32]| if gaps { byte_char[k] } else { (i + k) as u32 };
            w.pieces.clear();
            self.model.tokenize(&w.word, w.word.len(), &mut w.pieces);
            let word_id = word_override.unwrap_or(*word_idx);
            for &(id, bs, be) in &w.pieces {
                out.ids.push(id);
                out.offsets.push((
                    base + pos(bs as usize, &w.byte_char),
                    base + pos(be as usize - 1, &w.byte_char) + 1,
                ));
                out.words.push(word_id);
            }
            *word_idx += 1;
            i = j;
        }
    }

    /// Normalizer, pre-tokenizer and WordPiece in one pass over the chars, for text where every normalized
    /// char comes from exactly one original char: no char that NFD changes (when stripping accents). Each char
    /// is classified once and no normalized buffer is built. A whitespace-delimited segment holding a char NFD
    /// would change is undone and given to the general path (NFD never moves chars across whitespace nor
    /// turns other chars into whitespace, so segments are independent).
    fn fused_piece(
        &self,
        piece: &str,
        base: u32,
        word_override: Option<u32>,
        word_idx: &mut u32,
        w: &mut Work,
        out: &mut Sequence,
    ) {
        let nm = self.normalizer;
        w.word.clear();
        w.byte_char.clear();
        let mut n_chars = 0usize;
        // the current segment: its start (byte, char) and the output before it
        let (mut seg_byte, mut seg_char, mut seg_out, mut seg_word) =
            (0usize, base, out.ids.len(), *word_idx);
        let is_break = |g: u8| g & SPACE != 0 && !(nm.clean_text && g & DROP != 0);
        let mut chars = piece.char_indices().zip(base..);
        while let Some(((b, c), i)) = chars.next() {
            let f = class(c);
            if (nm.clean_text && f & DROP != 0)
                || (nm.strip_accents && f & MARK != 0 && f & NFD == 0)
            {
                continue; // removed: the word goes on across it
            }
            if nm.strip_accents && f & NFD != 0 {
                if let Some((kept, n_kept)) = self.simple_nfd(c, f) {
                    for &k in &kept[..n_kept] {
                        self.fused_char(
                            k,
                            class(k),
                            i,
                            &mut n_chars,
                            word_override,
                            word_idx,
                            w,
                            out,
                        );
                    }
                    continue;
                }
                out.ids.truncate(seg_out);
                out.offsets.truncate(seg_out);
                out.words.truncate(seg_out);
                *word_idx = seg_word;
                w.word.clear();
                w.byte_char.clear();
                n_chars = 0;
                let (mut end, mut end_char) = (piece.len(), i + 1);
                for ((b2, c2), i2) in chars.by_ref() {
                    if is_break(class(c2)) {
                        (end, end_char) = (b2, i2);
                        break;
                    }
                    end_char = i2 + 1;
                }
                self.general_piece(
                    &piece[seg_byte..end],
                    seg_char,
                    word_override,
                    word_idx,
                    w,
                    out,
                );
                // the general path uses the same word buffers (differently): start afresh
                w.word.clear();
                w.byte_char.clear();
                (seg_byte, seg_char, seg_out, seg_word) = (end, end_char, out.ids.len(), *word_idx);
                continue;
            }
            if f & SPACE != 0 {
                self.flush_word(n_chars, word_override, word_idx, w, out);
                n_chars = 0;
                (seg_byte, seg_char, seg_out, seg_word) =
                    (b + c.len_utf8(), i + 1, out.ids.len(), *word_idx);
                continue;
            }
            self.fused_char(c, f, i, &mut n_chars, word_override, word_idx, w, out);
        }
        self.flush_word(n_chars, word_override, word_idx, w, out);
    }

    /// One normalized char `c` (class `f`, not whitespace) aligned to original char `i`: into the current
    /// word, or a word of its own for punctuation and CJK.
    #[allow(clippy::too_many_arguments)]
    #[inline]
    fn fused_char(
        &self,
        c: char,
        f: u8,
        i: u32,
        n_chars: &mut usize,
        word_override: Option<u32>,
        word_idx: &mut u32,
        w: &mut Work,
        out: &mut Sequence,
    ) {
        let nm = self.normalizer;
        let alone = f & PUNCT != 0 || (nm.handle_chinese_chars && f & CHINESE != 0);
        if alone {
            self.flush_word(*n_chars, word_override, word_idx, w, out);
            *n_chars = 0;
        }
        // 1-4 bytes: pushed one by one (extend_from_slice calls memcpy for these)
        let mut buf = [0u8; 4];
        if nm.lowercase && f & UPPER != 0 {
            for l in c.to_lowercase() {
                for &x in l.encode_utf8(&mut buf).as_bytes() {
                    w.word.push(x);
                    w.byte_char.push(i);
                }
                *n_chars += 1;
            }
        } else {
            for &x in c.encode_utf8(&mut buf).as_bytes() {
                w.word.push(x);
                w.byte_char.push(i);
            }
            *n_chars += 1;
        }
        if alone {
            self.flush_word(*n_chars, word_override, word_idx, w, out);
            *n_chars = 0;
        }
    }

    /// What strip_accents leaves of `c` (class `f`, NFD may change it) when that is independent of its
    /// neighbours: its canonical decomposition without the Mn marks, provided every kept char is a starter
    /// (combining class 0, so NFD's reordering of marks never moves it and its positional span is `c`'s, see
    /// normalizer.rs `strip_accents`) and neither whitespace, a control nor CJK (the normalizer treats those
    /// before NFD). None: the caller takes the general path.
    #[inline]
    fn simple_nfd(&self, c: char, f: u8) -> Option<([char; 8], usize)> {
        super::words::simple_nfd(self.normalizer, c, f)
    }

    /// WordPiece on the word in `w.word` (original char index of each byte in `w.byte_char`), then clear it.
    #[inline]
    fn flush_word(
        &self,
        n_chars: usize,
        word_override: Option<u32>,
        word_idx: &mut u32,
        w: &mut Work,
        out: &mut Sequence,
    ) {
        if w.word.is_empty() {
            return;
        }
        w.pieces.clear();
        self.model.tokenize(&w.word, n_chars, &mut w.pieces);
        let word_id = word_override.unwrap_or(*word_idx);
        for &(id, bs, be) in &w.pieces {
            out.ids.push(id);
            out.offsets
                .push((w.byte_char[bs as usize], w.byte_char[be as usize - 1] + 1));
            out.words.push(word_id);
        }
        *word_idx += 1;
        w.word.clear();
        w.byte_char.clear();
    }

    fn pre_tokenize(
        &self,
        nb: &[NChar],
        word_override: Option<u32>,
        word_idx: &mut u32,
        w: &mut Work,
        out: &mut Sequence,
    ) {
        let n = nb.len();
        let mut i = 0;
        while i < n {
            let f = class(nb[i].c);
            if f & SPACE != 0 {
                i += 1;
                continue;
            }
            let mut j = i + 1;
            if f & PUNCT == 0 {
                while j < n && class(nb[j].c) & (SPACE | PUNCT) == 0 {
                    j += 1;
                }
            }
            self.word_piece(&nb[i..j], word_override.unwrap_or(*word_idx), w, out);
            *word_idx += 1;
            i = j;
        }
    }

    #[inline]
    fn word_piece(&self, word: &[NChar], word_id: u32, w: &mut Work, out: &mut Sequence) {
        w.word.clear();
        let mut ascii = true;
        for n in word {
            if n.c.is_ascii() {
                w.word.push(n.c as u8);
            } else {
                ascii = false;
                let mut b = [0u8; 4];
                w.word.extend_from_slice(n.c.encode_utf8(&mut b).as_bytes());
            }
        }
        if !ascii {
            w.byte_char.clear();
            for (ci, n) in word.iter().enumerate() {
                w.byte_char
                    .extend(std::iter::repeat_n(ci as u32, n.c.len_utf8()));
            }
            w.byte_char.push(word.len() as u32);
        }
        w.pieces.clear();
        self.model.tokenize(&w.word, word.len(), &mut w.pieces);
        for &(id, bs, be) in &w.pieces {
            let (cs, ce) = if ascii {
                (bs as usize, be as usize)
            } else {
                (
                    w.byte_char[bs as usize] as usize,
                    w.byte_char[be as usize] as usize,
                )
            };
            out.ids.push(id);
            out.offsets.push((word[cs].start, word[ce - 1].end));
            out.words.push(word_id);
        }
    }

    /// The model output of one input (text or words).
    pub fn encode_sequence(&self, input: &Input, w: &mut Work, out: &mut Sequence) {
        out.clear();
        match input {
            Input::Text(t) => self.encode_text(t, None, w, out),
            Input::Words(words) => {
                for (i, t) in words.iter().enumerate() {
                    self.encode_text(t, Some(i as u32), w, out);
                }
            }
        }
    }

    /// `[CLS] A [SEP] (B [SEP])` (or A B without specials) without truncation, allocated once.
    pub(crate) fn assemble(
        &self,
        sa: &Sequence,
        sb: Option<&Sequence>,
        add_special_tokens: bool,
    ) -> Encoding {
        let specials = if add_special_tokens {
            self.post.as_ref().map(|((_, c), (_, s))| (*c, *s))
        } else {
            None
        };
        let n = sa.ids.len()
            + sb.map_or(0, |s| s.ids.len())
            + if specials.is_some() {
                2 + sb.is_some() as usize
            } else {
                0
            };
        let mut e = Encoding {
            ids: Vec::with_capacity(n),
            type_ids: Vec::with_capacity(n),
            offsets: Vec::with_capacity(n),
            special_tokens_mask: Vec::with_capacity(n),
            attention_mask: vec![1; n],
            words: Vec::with_capacity(n),
            sequence_ids: Vec::with_capacity(n),
            overflowing: vec![],
        };
        let special = |e: &mut Encoding, id: u32, type_id: u32| {
            e.ids.push(id);
            e.type_ids.push(type_id);
            e.offsets.push((0, 0));
            e.special_tokens_mask.push(1);
            e.words.push(NO_WORD);
            e.sequence_ids.push(NO_SEQ);
        };
        let body = |e: &mut Encoding, s: &Sequence, seq: u8| {
            e.ids.extend_from_slice(&s.ids);
            e.type_ids
                .resize(e.type_ids.len() + s.ids.len(), seq as u32);
            e.offsets.extend_from_slice(&s.offsets);
            e.special_tokens_mask
                .resize(e.special_tokens_mask.len() + s.ids.len(), 0);
            e.words.extend_from_slice(&s.words);
            e.sequence_ids
                .resize(e.sequence_ids.len() + s.ids.len(), seq);
        };
        if let Some((cls, _)) = specials {
            special(&mut e, cls, 0);
        }
        body(&mut e, sa, 0);
        if let Some((_, sep)) = specials {
            special(&mut e, sep, 0);
        }
        if let Some(sb) = sb {
            body(&mut e, sb, 1);
            if let Some((_, sep)) = specials {
                special(&mut e, sep, 1);
            }
        }
        e
    }

    /// Number of special tokens the template adds.
    pub fn num_special_tokens(&self, is_pair: bool) -> usize {
        match self.post {
            Some(_) => 2 + is_pair as usize,
            None => 0,
        }
    }

    /// tokenizers' `enable_truncation` check: the stride must leave room in max_length minus the special tokens
    /// of a single sequence.
    pub fn check_truncation(&self, t: &Truncation) -> Result<(), Error> {
        let n = self.num_special_tokens(false);
        if t.max_length >= n && t.stride > t.max_length - n {
            return Err(Error::Truncation(format!(
                "stride ({}) is greater than max_length ({}) minus the {n} special tokens",
                t.stride, t.max_length
            )));
        }
        Ok(())
    }

    /// tokenizers' `post_process` without padding: truncate, add the template, merge the pair.
    pub fn encode(
        &self,
        a: &Input,
        b: Option<&Input>,
        opts: &EncodeOptions,
        w: &mut Work,
    ) -> Result<Encoding, Error> {
        let (mut sa, mut sb) = (std::mem::take(&mut w.seq_a), std::mem::take(&mut w.seq_b));
        self.encode_sequence(a, w, &mut sa);
        if let Some(b) = b {
            self.encode_sequence(b, w, &mut sb);
        }
        let result = self.post_process(&sa, b.map(|_| &sb), opts);
        (w.seq_a, w.seq_b) = (sa, sb);
        result
    }

    /// Truncation, template and pair merge of model outputs.
    fn post_process(
        &self,
        sa: &Sequence,
        sb: Option<&Sequence>,
        opts: &EncodeOptions,
    ) -> Result<Encoding, Error> {
        let n_added = if opts.add_special_tokens {
            self.num_special_tokens(sb.is_some())
        } else {
            0
        };
        let total = sa.ids.len() + sb.map_or(0, |s| s.ids.len()) + n_added;
        if opts
            .truncation
            .is_none_or(|t| total <= t.max_length || t.max_length < n_added)
        {
            // nothing to truncate: build the rows in one go (the common case)
            return Ok(self.assemble(sa, sb, opts.add_special_tokens));
        }
        let mut ea =
            Encoding::from_sequence(sa.ids.clone(), sa.offsets.clone(), sa.words.clone(), 0);
        let mut eb = sb
            .map(|s| Encoding::from_sequence(s.ids.clone(), s.offsets.clone(), s.words.clone(), 1));
        // tokenizers skips truncation when max_length cannot even hold the special tokens
        if let Some(t) = opts.truncation.filter(|t| t.max_length >= n_added) {
            let t = Truncation {
                max_length: t.max_length - n_added,
                ..t
            };
            truncate_encodings(&mut ea, eb.as_mut(), &t)?;
        }
        if let (true, Some(((_, cls), (_, sep)))) = (opts.add_special_tokens, &self.post) {
            add_bert_specials(&mut ea, false, *cls, *sep);
            if let Some(eb) = eb.as_mut() {
                add_bert_specials(eb, true, *cls, *sep);
            }
        }
        if let Some(eb) = eb {
            ea.merge_with(eb);
        }
        Ok(ea)
    }
}
