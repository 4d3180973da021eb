//! Per-code-point character classes of the BERT pipeline, as `tokenizers` 0.23.3 computes them.
//!
//! `tokenizers` classifies with the `unicode_categories` crate (Unicode 9 tables: `is_other` is Cc|Cf|Co,
//! without Cn, so unassigned code points are kept) and decomposes with `unicode-normalization-alignments`
//! (Unicode 9), so we ask the very same crates; what differs from Python's newer `unicodedata` is then
//! reproduced by construction. Whitespace and lowercase come from Rust's `char`, as in `tokenizers`.
//!
//! Each lookup would be a handful of binary searches, so classes are cached: a const table for ASCII and,
//! for the rest, one 256-entry block computed on first use (text touches few blocks; building all 4,352
//! up front would cost ~0.5 s at import).

use std::sync::atomic::{AtomicPtr, Ordering};
use unicode_categories::UnicodeCategories;
use unicode_normalization_alignments::char::{canonical_combining_class, decompose_canonical};

/// Removed by clean_text (checked before SPACE): NUL, U+FFFD and `is_other` (Cc|Cf|Co) except \t \n \r.
pub const DROP: u8 = 1;
/// Whitespace (`char::is_whitespace`, which includes \t \n \r): mapped to ' ' and split on.
pub const SPACE: u8 = 2;
/// A CJK ideograph in tokenizers' ranges (note the gap U+2B820..=U+2B91F).
pub const CHINESE: u8 = 4;
/// Isolated by BertPreTokenizer: ASCII punctuation or a P* category.
pub const PUNCT: u8 = 8;
/// Mn: dropped by strip_accents.
pub const MARK: u8 = 16;
/// NFD may change it: it has a canonical decomposition or a non-zero combining class.
pub const NFD: u8 = 32;
/// `to_lowercase` changes it.
pub const UPPER: u8 = 64;
/// `\w` of the regex crate (alphanumeric, marks, connector punctuation, joiners): single_word tokens.
pub const WORD: u8 = 128;

fn is_chinese(cp: u32) -> bool {
    // tokenizers/src/normalizers/bert.rs `is_chinese_char` (0.23.3): these ranges, not the full CJK blocks.
    matches!(cp,
        0x4E00..=0x9FFF
        | 0x3400..=0x4DBF
        | 0x20000..=0x2A6DF
        | 0x2A700..=0x2B73F
        | 0x2B740..=0x2B81F
        | 0x2B920..=0x2CEAF
        | 0xF900..=0xFAFF
        | 0x2F800..=0x2FA1F)
}

fn compute(c: char) -> u8 {
    let mut f = 0u8;
    // both bits can be set (U+000B, U+000C, U+0085 are Cc and whitespace): clean_text drops them first
    if c.is_whitespace() {
        f |= SPACE;
    }
    if c == '\0' || c == '\u{fffd}' || (c.is_other() && !matches!(c, '\t' | '\n' | '\r')) {
        f |= DROP;
    }
    if is_chinese(c as u32) {
        f |= CHINESE;
    }
    if c.is_ascii_punctuation() || c.is_punctuation() {
        f |= PUNCT;
    }
    if c.is_mark_nonspacing() {
        f |= MARK;
    }
    if canonical_combining_class(c) != 0 {
        f |= NFD;
    } else {
        let mut n = 0;
        let mut same = true;
        decompose_canonical(c, |d| {
            n += 1;
            same &= d == c;
        });
        if n != 1 || !same {
            f |= NFD;
        }
    }
    let mut lower = c.to_lowercase();
    if lower.len() != 1 || lower.next() != Some(c) {
        f |= UPPER;
    }
    // regex's Unicode \w: Alphabetic, marks, decimal digits (not No such as '²'), connectors, joiners
    if c.is_alphabetic()
        || c.is_number_decimal_digit()
        || c.is_mark()
        || c.is_punctuation_connector()
        || c == '\u{200c}'
        || c == '\u{200d}'
    {
        f |= WORD;
    }
    f
}

const fn ascii_table() -> [u8; 128] {
    let mut t = [0u8; 128];
    let mut i = 0;
    while i < 128 {
        let b = i as u8;
        let mut f = 0;
        if b == b' ' || (b >= 9 && b <= 13) {
            f |= SPACE;
        }
        if (b < 32 && b != b'\t' && b != b'\n' && b != b'\r') || b == 127 {
            f |= DROP;
        }
        if b.is_ascii_punctuation() {
            f |= PUNCT;
        }
        if b.is_ascii_uppercase() {
            f |= UPPER;
        }
        if b.is_ascii_alphanumeric() || b == b'_' {
            f |= WORD;
        }
        t[i] = f;
        i += 1;
    }
    t
}

/// Classes of the ASCII characters (checked against `compute` in the tests).
pub static ASCII: [u8; 128] = ascii_table();

const N_BLOCKS: usize = 0x110000 / 256;
/// One pointer per block of 256 code points, null until the block is first used. A `OnceLock` per block
/// cost ~10 instructions per char on the non-ASCII path (an atomic state check and a call); a pointer is one
/// load and a null test. Blocks are built once and never freed (at most 4,352 x 256 bytes).
static BLOCKS: [AtomicPtr<[u8; 256]>; N_BLOCKS] =
    [const { AtomicPtr::new(std::ptr::null_mut()) }; N_BLOCKS];

#[cold]
#[inline(never)]
fn build_block(b: usize) -> &'static [u8; 256] {
    let base = (b as u32) << 8;
    let mut t = Box::new([0u8; 256]);
    for (i, slot) in t.iter_mut().enumerate() {
        // surrogate code points are not chars; they never occur in a &str
        if let Some(ch) = char::from_u32(base + i as u32) {
            *slot = compute(ch);
        }
    }
    let new = Box::into_raw(t);
    match BLOCKS[b].compare_exchange(
        std::ptr::null_mut(),
        new,
        Ordering::AcqRel,
        Ordering::Acquire,
    ) {
        // SAFETY: `new` came from Box::into_raw just above and is now owned by BLOCKS, which never frees it
        Ok(_) => unsafe { &*new },
        Err(theirs) => {
            // another thread built the same block first: keep theirs, free ours
            // SAFETY: `new` is ours (the exchange failed, so BLOCKS never saw it); `theirs` is a block
            // published by Box::into_raw and never freed
            unsafe {
                drop(Box::from_raw(new));
                &*theirs
            }
        }
    }
}

/// The class bits of `c`.
#[inline]
pub fn class(c: char) -> u8 {
    let cp = c as u32;
    if cp < 128 {
        return ASCII[cp as usize];
    }
    let b = (cp >> 8) as usize;
    let p = BLOCKS[b].load(Ordering::Acquire);
    let block = if p.is_null() {
        build_block(b)
    } else {
        // SAFETY: a non-null pointer in BLOCKS is a block published by `build_block`, never freed or changed
        unsafe { &*p }
    };
    block[(cp & 0xff) as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_table_matches_the_general_rule() {
        for b in 0u8..128 {
            assert_eq!(ASCII[b as usize], compute(b as char), "byte {b}");
        }
    }

    #[test]
    fn known_classes() {
        assert_ne!(class('\u{3000}') & SPACE, 0);
        assert_ne!(class('\u{200b}') & DROP, 0); // ZWSP is Cf
        assert_eq!(class('\u{0378}'), 0); // unassigned: kept, no class
        assert_ne!(class('\u{4e2d}') & CHINESE, 0);
        assert_eq!(class('\u{2b820}') & CHINESE, 0);
        assert_ne!(class('\u{2b920}') & CHINESE, 0);
        assert_ne!(class('\u{0301}') & MARK, 0);
        assert_ne!(class('é') & NFD, 0);
        assert_ne!(class('Σ') & UPPER, 0);
        assert_ne!(class('¿') & PUNCT, 0);
        assert_ne!(class('$') & PUNCT, 0); // ASCII punctuation includes symbols
        assert_eq!(class('€') & PUNCT, 0);
    }
}
