//! BertNormalizer with alignments: every normalized char carries the span of original chars it came from.
//!
//! Mirrors tokenizers 0.23.3 normalizers/bert.rs (clean_text, handle_chinese_chars, strip_accents = NFD +
//! drop Mn, lowercase, in that order) and the alignment rules of tokenizer/normalizer.rs `transform`: a char
//! that replaces an original char takes that char's span; an inserted char (the later chars of a
//! decomposition or of a multi-char lowercase, the spaces around CJK) takes the span of the char before it
//! in the string being transformed. NFD reorders combining marks and the spans follow positions, not chars,
//! exactly as there. Spans are in original *character* positions (Python `str` indices).

use super::unicode::{class, CHINESE, DROP, MARK, NFD, SPACE, UPPER};
use unicode_normalization_alignments::UnicodeNormalization;

/// A normalized char and the original char span `[start, end)` it aligns to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NChar {
    pub c: char,
    pub start: u32,
    pub end: u32,
}

/// BertNormalizer options (strip_accents already resolved: None follows lowercase).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BertNormalizer {
    pub clean_text: bool,
    pub handle_chinese_chars: bool,
    pub strip_accents: bool,
    pub lowercase: bool,
}

impl Default for BertNormalizer {
    fn default() -> Self {
        BertNormalizer {
            clean_text: true,
            handle_chinese_chars: true,
            strip_accents: true,
            lowercase: true,
        }
    }
}

impl BertNormalizer {
    /// Normalize `text`, whose first char is original char `base`, into `out` (cleared first).
    /// `scratch` is a reusable buffer.
    pub fn normalize(&self, text: &str, base: u32, out: &mut Vec<NChar>, scratch: &mut Vec<NChar>) {
        out.clear();
        let mut needs_nfd = false;
        let mut has_upper = false;
        for (i, c) in (base..).zip(text.chars()) {
            let f = class(c);
            let span = NChar {
                c,
                start: i,
                end: i + 1,
            };
            if self.clean_text && f & DROP != 0 {
                continue;
            }
            needs_nfd |= f & (NFD | MARK) != 0;
            has_upper |= f & UPPER != 0;
            if self.clean_text && f & SPACE != 0 {
                out.push(NChar { c: ' ', ..span });
            } else if self.handle_chinese_chars && f & CHINESE != 0 {
                // the space before takes the previous char's span ((0, 0) at the start), the one after c's
                let prev = out.last().map_or(
                    NChar {
                        c: ' ',
                        start: 0,
                        end: 0,
                    },
                    |p| NChar { c: ' ', ..*p },
                );
                out.push(prev);
                out.push(span);
                out.push(NChar { c: ' ', ..span });
            } else {
                out.push(span);
            }
        }
        if self.strip_accents && needs_nfd {
            strip_accents(out, scratch);
            std::mem::swap(out, scratch);
            has_upper = out.iter().any(|n| class(n.c) & UPPER != 0);
        }
        if self.lowercase && has_upper {
            lowercase(out, scratch);
        }
    }
}

/// NFD (tokenizers' alignment crate, Unicode 9) then drop Mn, with `transform`'s positional alignment.
fn strip_accents(src: &[NChar], dst: &mut Vec<NChar>) {
    dst.clear();
    let mut idx = 0usize;
    for (c, change) in src.iter().map(|n| n.c).nfd() {
        let span = if change > 0 {
            if idx == 0 {
                NChar {
                    c,
                    start: 0,
                    end: 0,
                }
            } else {
                NChar { c, ..src[idx - 1] }
            }
        } else {
            idx += 1;
            NChar { c, ..src[idx - 1] }
        };
        // the filter keeps each surviving char's own span
        if class(c) & MARK == 0 {
            dst.push(span);
        }
    }
}

/// `char::to_lowercase`; extra chars of a multi-char lowercase (only U+0130 today) take the source's span.
fn lowercase(buf: &mut Vec<NChar>, scratch: &mut Vec<NChar>) {
    let mut expands = false;
    for n in buf.iter_mut() {
        if n.c.is_ascii() {
            n.c = n.c.to_ascii_lowercase();
        } else if class(n.c) & UPPER != 0 {
            let mut l = n.c.to_lowercase();
            if l.len() == 1 {
                n.c = l.next().unwrap_or(n.c);
            } else {
                expands = true;
            }
        }
    }
    if expands {
        scratch.clear();
        for n in buf.iter() {
            for c in n.c.to_lowercase() {
                scratch.push(NChar { c, ..*n });
            }
        }
        std::mem::swap(buf, scratch);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(n: &BertNormalizer, s: &str) -> (String, Vec<(u32, u32)>) {
        let (mut out, mut scratch) = (vec![], vec![]);
        n.normalize(s, 0, &mut out, &mut scratch);
        (
            out.iter().map(|x| x.c).collect(),
            out.iter().map(|x| (x.start, x.end)).collect(),
        )
    }

    #[test]
    fn accents_lowercase_and_alignment() {
        let n = BertNormalizer::default();
        let (s, a) = norm(&n, "Élé\u{0}gant");
        assert_eq!(s, "elegant");
        assert_eq!(
            a,
            vec![(0, 1), (1, 2), (2, 3), (4, 5), (5, 6), (6, 7), (7, 8)]
        );
        // final sigma lowercases to σ like Rust's char::to_lowercase, not ς as Python's str.lower
        assert_eq!(norm(&n, "ΟΔΟΣ").0, "οδοσ");
        // İ decomposes (NFD), so stripping leaves "i"; without stripping, lowercase gives i + U+0307, the
        // added dot aligned to İ
        assert_eq!(norm(&n, "İ").0, "i");
        let keep = BertNormalizer {
            strip_accents: false,
            ..Default::default()
        };
        let (s, a) = norm(&keep, "İ");
        assert_eq!(s, "i\u{307}");
        assert_eq!(a, vec![(0, 1), (0, 1)]);
    }

    #[test]
    fn chinese_spaces_and_cleaning() {
        let n = BertNormalizer {
            strip_accents: false,
            lowercase: false,
            ..Default::default()
        };
        assert_eq!(norm(&n, "a中\tb\u{200b}").0, "a 中  b");
        assert_eq!(norm(&n, "\u{2b820}").0, "\u{2b820}");
        assert_eq!(norm(&n, "\u{85}x\u{b}").0, "x");
    }

    #[test]
    fn cased_keeps_accents() {
        let n = BertNormalizer {
            strip_accents: false,
            lowercase: false,
            ..Default::default()
        };
        assert_eq!(norm(&n, "Élé").0, "Élé");
    }
}
