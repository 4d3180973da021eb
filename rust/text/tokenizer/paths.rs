//! The paths one piece of text takes through normalizer, pre-tokenizer and WordPiece, and the added-token split
//! before them (`encode_text`). `encode_piece` picks one: the run cache (`runs::cached_piece`, which calls the
//! next two on a miss), the ASCII path (`ascii_piece`, on bytes), the fused path
//! (`fused_piece`: normalizer, pre-tokenizer and WordPiece in one pass over the chars) and the general path
//! (`general_piece`: a normalized buffer, then added tokens of the normalized text, then pre-tokenization), which
//! is the specification the others must match.

use super::{Sequence, Tokenizer, Work};
use crate::text::normalizer::NChar;
use crate::text::unicode::{class, ASCII, CHINESE, DROP, MARK, NFD, PUNCT, SPACE, UPPER};

/// Append char `c`, aligned to original char `i`, to the word being built: 1-4 bytes pushed one by one
/// (extend_from_slice calls memcpy for these).
#[inline(always)]
fn push_char(w: &mut Work, c: char, i: u32) {
    let mut buf = [0u8; 4];
    for &x in c.encode_utf8(&mut buf).as_bytes() {
        w.word.push(x);
        w.byte_char.push(i);
    }
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

impl Tokenizer {
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
        // the splits' buffer is reused: a fresh one per text was ~1.5% of the time on short texts
        let mut splits = std::mem::take(&mut w.splits);
        self.added
            .find_matches_into(text, &self.added.raw, w.encode_special_tokens, &mut splits);
        for &(id, s, e) in &splits {
            let cpos = char_pos(s);
            match id {
                Some(id) => {
                    // the end's char position only for a token (a text with no added token in it is one
                    // piece whose chars are then never counted)
                    let clen = char_pos(e) - cpos;
                    out.ids.push(id);
                    out.offsets.push((cpos, cpos + clen));
                    out.words.push(word_override.unwrap_or(word_idx));
                    word_idx += 1;
                }
                None => self.encode_piece(&text[s..e], cpos, word_override, &mut word_idx, w, out),
            }
        }
        w.splits = splits;
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
        #[cfg(any(test, fuzzing))]
        if let (Some(path), true) = (w.force_path, self.added.normalized.is_empty()) {
            self.forced_piece(path, piece, base, word_override, word_idx, w, out);
            return;
        }
        if self.added.normalized.is_empty() {
            self.cached_piece(piece, base, word_override, word_idx, w, out);
            return;
        }
        self.general_piece(piece, base, word_override, word_idx, w, out);
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
    pub(super) fn ascii_piece(
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
    pub(super) fn fused_piece(
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
            if f & (PUNCT | CHINESE | UPPER) == 0 {
                // neither a word of its own nor changed by lowercasing (most chars): appended here, without
                // the call
                push_char(w, c, i);
                n_chars += 1;
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
        if nm.lowercase && f & UPPER != 0 {
            for l in c.to_lowercase() {
                push_char(w, l, i);
                *n_chars += 1;
            }
        } else {
            push_char(w, c, i);
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
        crate::text::words::simple_nfd(self.normalizer, c, f)
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
}

/// One of the paths of `encode_piece`, to force in tests and fuzzing (`Work::force_path`): each must give
/// what `General`, the specification, gives. `Ascii` applies to ASCII pieces only (others take the usual
/// choice); the others take any piece. Forcing applies only where `encode_piece` may choose (no normalized
/// added token).
#[cfg(any(test, fuzzing))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Path {
    Ascii,
    Cached,
    Fused,
    General,
}

#[cfg(any(test, fuzzing))]
impl Tokenizer {
    #[allow(clippy::too_many_arguments)]
    fn forced_piece(
        &self,
        path: Path,
        piece: &str,
        base: u32,
        word_override: Option<u32>,
        word_idx: &mut u32,
        w: &mut Work,
        out: &mut Sequence,
    ) {
        match path {
            Path::Ascii if piece.is_ascii() => {
                self.ascii_piece(piece.as_bytes(), base, word_override, word_idx, w, out)
            }
            Path::Ascii | Path::Cached => {
                self.cached_piece(piece, base, word_override, word_idx, w, out)
            }
            Path::Fused => self.fused_piece(piece, base, word_override, word_idx, w, out),
            Path::General => self.general_piece(piece, base, word_override, word_idx, w, out),
        }
    }
}
