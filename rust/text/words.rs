//! The words of BertNormalizer + BertPreTokenizer, without offsets: what a vocabulary trainer counts.
//!
//! Same words as the tokenizer's own pipeline (tokenizer.rs: `normalize`, then `pre_tokenize` splitting on
//! whitespace and isolating punctuation; tokenizers 0.23.3 normalizers/bert.rs + pre_tokenizers/bert.rs), but
//! no spans are kept, so a word is built straight into a byte buffer:
//! - ASCII text: one table lookup per byte (drop controls, split on whitespace, isolate punctuation, lowercase).
//! - other text: one pass over the chars of each whitespace-delimited segment; a char that strip_accents
//!   changes is replaced by its canonical decomposition without its Mn marks when every char kept is a
//!   starter (NFD's reordering of marks then never moves a kept char, so decomposing char by char is the
//!   same as NFD of the whole text). Otherwise the segment takes the general path: `BertNormalizer::normalize`
//!   then the pre-tokenizer rule on its output. Segments are independent: NFD never moves chars across
//!   whitespace, and a removed control does not end a word, so segments are cut at whitespace only.
//!
//! The tests compare the fast paths with the general one on random text; the Python tests compare the words
//! with `tokenizers`' own normalizer and pre-tokenizer.

use super::normalizer::{BertNormalizer, NChar};
use super::unicode::{class, ASCII, CHINESE, DROP, MARK, NFD, PUNCT, SPACE, UPPER};
use unicode_normalization_alignments::char::decompose_canonical;

/// Splits text into words; holds reusable buffers (one per thread).
#[derive(Clone, Debug)]
pub struct WordSplitter {
    normalizer: BertNormalizer,
    /// the word being built (valid UTF-8 whenever a word is emitted)
    word: Vec<u8>,
    /// the words of the current non-ASCII segment, held until the segment is known to need no fallback
    seg: Vec<u8>,
    seg_ends: Vec<usize>,
    nbuf: Vec<NChar>,
    scratch: Vec<NChar>,
}

impl WordSplitter {
    pub fn new(normalizer: BertNormalizer) -> WordSplitter {
        WordSplitter {
            normalizer,
            word: Vec::with_capacity(64),
            seg: Vec::with_capacity(256),
            seg_ends: vec![],
            nbuf: vec![],
            scratch: vec![],
        }
    }

    pub fn normalizer(&self) -> BertNormalizer {
        self.normalizer
    }

    /// Call `f` with each word of `text`, in order.
    pub fn split(&mut self, text: &str, f: &mut impl FnMut(&str)) {
        let clean = self.normalizer.clean_text;
        // whitespace that ends a segment: not a control that clean_text removes (U+000B, U+000C are both)
        let is_cut = |b: u8| {
            b < 0x80 && {
                let g = ASCII[b as usize];
                g & SPACE != 0 && !(clean && g & DROP != 0)
            }
        };
        let bytes = text.as_bytes();
        let mut start = 0;
        while start < bytes.len() {
            let Some(p) = bytes[start..].iter().position(|&b| b >= 0x80) else {
                self.ascii(&bytes[start..], f);
                return;
            };
            let p = start + p;
            let q = bytes[start..p]
                .iter()
                .rposition(|&b| is_cut(b))
                .map_or(start, |k| start + k + 1);
            if q > start {
                self.ascii(&bytes[start..q], f);
            }
            let e = bytes[p..]
                .iter()
                .position(|&b| is_cut(b))
                .map_or(bytes.len(), |k| p + k);
            // q and e are next to ASCII bytes or at the ends: char boundaries
            self.segment(&text[q..e], f);
            start = e;
        }
    }

    /// ASCII text: no NFD, no CJK, every char one byte.
    fn ascii(&mut self, bytes: &[u8], f: &mut impl FnMut(&str)) {
        let clean = self.normalizer.clean_text;
        let lower = self.normalizer.lowercase;
        let stop = if clean {
            SPACE | PUNCT | DROP
        } else {
            SPACE | PUNCT
        };
        let n = bytes.len();
        let mut i = 0;
        self.word.clear();
        while i < n {
            let g = ASCII[bytes[i] as usize];
            if clean && g & DROP != 0 {
                i += 1; // removed: the word goes on across it
                continue;
            }
            if g & (SPACE | PUNCT) != 0 {
                emit(&mut self.word, f);
                if g & SPACE == 0 {
                    self.word.push(bytes[i]);
                    emit(&mut self.word, f);
                }
                i += 1;
                continue;
            }
            let mut j = i + 1;
            while j < n && ASCII[bytes[j] as usize] & stop == 0 {
                j += 1;
            }
            if lower {
                self.word
                    .extend(bytes[i..j].iter().map(u8::to_ascii_lowercase));
            } else {
                self.word.extend_from_slice(&bytes[i..j]);
            }
            i = j;
        }
        emit(&mut self.word, f);
    }

    /// A whitespace-delimited segment holding non-ASCII chars: one pass over its chars, or the general path.
    fn segment(&mut self, text: &str, f: &mut impl FnMut(&str)) {
        let nm = self.normalizer;
        self.word.clear();
        self.seg.clear();
        self.seg_ends.clear();
        for c in text.chars() {
            let g = class(c);
            if (nm.clean_text && g & DROP != 0)
                || (nm.strip_accents && g & MARK != 0 && g & NFD == 0)
            {
                continue;
            }
            if nm.strip_accents && g & NFD != 0 {
                match simple_nfd(nm, c, g) {
                    Some((kept, n)) => {
                        for &k in &kept[..n] {
                            self.push_char(k, class(k));
                        }
                    }
                    None => {
                        self.general(text, f);
                        return;
                    }
                }
                continue;
            }
            if g & SPACE != 0 {
                self.end_word();
                continue;
            }
            if nm.handle_chinese_chars && g & CHINESE != 0 {
                self.end_word();
                push_utf8(&mut self.word, c);
                self.end_word();
                continue;
            }
            self.push_char(c, g);
        }
        self.end_word();
        let mut s = 0;
        for &e in &self.seg_ends {
            // whole chars were pushed between the ends
            f(word_str(&self.seg[s..e]));
            s = e;
        }
    }

    /// One normalized char (not whitespace, already through strip_accents) into the current word, or a word
    /// of its own for punctuation; lowercased when asked.
    #[inline]
    fn push_char(&mut self, c: char, g: u8) {
        if g & PUNCT != 0 {
            self.end_word();
            push_utf8(&mut self.word, c);
            self.end_word();
            return;
        }
        if self.normalizer.lowercase && g & UPPER != 0 {
            for l in c.to_lowercase() {
                push_utf8(&mut self.word, l);
            }
        } else {
            push_utf8(&mut self.word, c);
        }
    }

    /// Move the current word (if any) to the segment's pending words.
    #[inline]
    fn end_word(&mut self) {
        if !self.word.is_empty() {
            self.seg.extend_from_slice(&self.word);
            self.seg_ends.push(self.seg.len());
            self.word.clear();
        }
    }

    /// The general path: normalize with spans (ignored), then BertPreTokenizer (whitespace splits, punctuation
    /// is a word of its own; CJK chars already have spaces around them).
    fn general(&mut self, text: &str, f: &mut impl FnMut(&str)) {
        self.normalizer
            .normalize(text, 0, &mut self.nbuf, &mut self.scratch);
        self.word.clear();
        for n in &self.nbuf {
            let g = class(n.c);
            if g & SPACE != 0 {
                emit(&mut self.word, f);
            } else if g & PUNCT != 0 {
                emit(&mut self.word, f);
                push_utf8(&mut self.word, n.c);
                emit(&mut self.word, f);
            } else {
                push_utf8(&mut self.word, n.c);
            }
        }
        emit(&mut self.word, f);
    }
}

/// What strip_accents leaves of `c` (class `g`, which NFD may change) when that is independent of its
/// neighbours: its canonical decomposition without the Mn marks, provided every kept char is a starter
/// (combining class 0, so NFD's reordering of marks never moves it) that is neither whitespace, a control nor
/// CJK (the normalizer treats those before NFD). None: take the general path. The tokenizer's fused path uses
/// it too.
#[inline]
pub(crate) fn simple_nfd(nm: BertNormalizer, c: char, g: u8) -> Option<([char; 8], usize)> {
    if g & SPACE != 0 || (nm.handle_chinese_chars && g & CHINESE != 0) {
        return None;
    }
    let (mut kept, mut n, mut ok) = (['\0'; 8], 0usize, true);
    decompose_canonical(c, |d| {
        let h = class(d);
        if h & MARK != 0 {
            return;
        }
        if h & (NFD | SPACE | DROP) != 0 || (nm.handle_chinese_chars && h & CHINESE != 0) || n == 8
        {
            ok = false;
            return;
        }
        kept[n] = d;
        n += 1;
    });
    ok.then_some((kept, n))
}

#[inline]
fn push_utf8(buf: &mut Vec<u8>, c: char) {
    let mut b = [0u8; 4];
    buf.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
}

/// Bytes made of whole UTF-8 chars as a str (checked: words are short, so this is cheap next to hashing).
#[inline]
fn word_str(b: &[u8]) -> &str {
    std::str::from_utf8(b).unwrap_or("")
}

#[inline]
fn emit(word: &mut Vec<u8>, f: &mut impl FnMut(&str)) {
    if !word.is_empty() {
        f(word_str(word));
        word.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(n: BertNormalizer, s: &str) -> Vec<String> {
        let mut out = vec![];
        WordSplitter::new(n).split(s, &mut |w| out.push(w.to_string()));
        out
    }

    /// The specification: the whole text through the general path.
    fn reference(n: BertNormalizer, s: &str) -> Vec<String> {
        let mut out = vec![];
        WordSplitter::new(n).general(s, &mut |w| out.push(w.to_string()));
        out
    }

    fn settings() -> Vec<BertNormalizer> {
        let mut all = vec![];
        for bits in 0..16u8 {
            all.push(BertNormalizer {
                clean_text: bits & 1 != 0,
                handle_chinese_chars: bits & 2 != 0,
                strip_accents: bits & 4 != 0,
                lowercase: bits & 8 != 0,
            });
        }
        all
    }

    #[test]
    fn bert_words() {
        let n = BertNormalizer::default();
        assert_eq!(
            words(n, "Hello, WORLD! Déjà vu\u{1}x 中文ab"),
            ["hello", ",", "world", "!", "deja", "vux", "中", "文", "ab"]
        );
        assert_eq!(words(n, "  \t\n "), Vec::<String>::new());
        assert_eq!(words(n, "a\u{b}b"), ["ab"]); // a control clean_text removes joins the word
        assert_eq!(words(n, "ΟΔΟΣ İx"), ["οδοσ", "ix"]);
        assert_eq!(words(n, "x\u{37e}y"), ["x", ";", "y"]); // Greek question mark decomposes to ';'
        let cased = BertNormalizer {
            strip_accents: false,
            lowercase: false,
            ..Default::default()
        };
        assert_eq!(words(cased, "Déjà-Vu"), ["Déjà", "-", "Vu"]);
    }

    #[test]
    fn fast_paths_equal_the_general_path() {
        // ASCII (letters, punctuation, controls, whitespace), accents precomposed and combining, marks of
        // several classes, CJK (in and out of tokenizers' ranges), decompositions to punctuation and spaces,
        // multi-char lowercase, Hangul, unassigned and format chars
        let alphabet = [
            'a',
            'Z',
            ' ',
            '\t',
            '\n',
            '\u{1}',
            '\u{b}',
            '\u{c}',
            '\u{85}',
            ',',
            '$',
            '_',
            'é',
            'Ä',
            '\u{301}',
            '\u{316}',
            '\u{345}',
            '\u{1d165}',
            '\u{e31}',
            '中',
            '\u{2b820}',
            '\u{f900}',
            '\u{37e}',
            '\u{1fef}',
            '\u{2000}',
            '\u{3000}',
            'İ',
            'ß',
            '한',
            '\u{378}',
            '\u{200b}',
            'Σ',
            '\u{fffd}',
            '\u{0}',
            '¿',
            'ǅ',
            '\u{1e9e}',
            'ﬁ',
        ];
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for round in 0..20_000 {
            let len = (round % 13) as usize;
            let s: String = (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    alphabet[(state % alphabet.len() as u64) as usize]
                })
                .collect();
            for n in settings() {
                assert_eq!(words(n, &s), reference(n, &s), "{s:?} {n:?}");
            }
        }
    }
}
