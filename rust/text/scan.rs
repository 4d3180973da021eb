//! Byte classification of text, 64 bytes at a time: the word boundaries of the fast path.
//!
//! The fast path (tokenizer.rs `cached_piece`) cuts text at ASCII whitespace and ASCII punctuation and looks
//! the runs between cuts up in a cache. Finding the cuts byte by byte cost ~3 instructions per byte; here
//! one 64-byte block gives three bitmasks at once — the cut bytes (any set of ASCII bytes), the non-ASCII
//! bytes and the UTF-8 continuation bytes (so a run's char count is a popcount) — and the caller walks
//! them with `trailing_zeros`, as simdjson finds its structural characters.
//!
//! Set membership uses the nibble lookup of simdjson/hyperscan ("shufti"): `lo[b & 15] & hi[b >> 4]` is
//! non-zero exactly for members. With one bit per high nibble (0..7) it is exact for ANY set of ASCII
//! bytes; bytes >= 0x80 have `hi = 0` and are never members.
//!
//! Paths: AVX2 (32 bytes per step), SSSE3 (16), and a scalar one that every test compares them against.
//! Which one runs is decided once at runtime (`is_x86_feature_detected!`), so a build for the x86_64
//! baseline still uses AVX2 where the CPU has it; other architectures take the scalar path.

use std::sync::OnceLock;

/// A set of ASCII bytes, as the two 16-entry nibble tables of the shufti lookup.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ByteSet {
    lo: [u8; 16],
    hi: [u8; 16],
}

impl ByteSet {
    /// The set of ASCII bytes `b` with `member(b)`.
    pub fn new(member: impl Fn(u8) -> bool) -> ByteSet {
        let (mut lo, mut hi) = ([0u8; 16], [0u8; 16]);
        for h in 0..8u8 {
            hi[h as usize] = 1 << h;
            for l in 0..16u8 {
                if member(h << 4 | l) {
                    lo[l as usize] |= 1 << h;
                }
            }
        }
        ByteSet { lo, hi }
    }

    #[inline]
    pub fn contains(&self, b: u8) -> bool {
        self.lo[(b & 15) as usize] & self.hi[(b >> 4) as usize] != 0
    }
}

/// The masks of one block of up to 64 bytes; bit k is byte k of the block (bits past the end are 0).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Masks {
    /// members of the set
    pub cut: u64,
    /// bytes >= 0x80
    pub non_ascii: u64,
    /// UTF-8 continuation bytes (0x80..=0xBF)
    pub cont: u64,
}

/// Masks of `block` (at most 64 bytes), byte by byte: the specification of the SIMD paths.
pub fn masks_scalar(set: &ByteSet, block: &[u8]) -> Masks {
    debug_assert!(block.len() <= 64);
    let mut m = Masks::default();
    for (k, &b) in block.iter().enumerate() {
        m.cut |= (set.contains(b) as u64) << k;
        m.non_ascii |= ((b >= 0x80) as u64) << k;
        m.cont |= ((b & 0xC0 == 0x80) as u64) << k;
    }
    m
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::{ByteSet, Masks};
    use std::arch::x86_64::*;

    /// # Safety
    /// The CPU must support AVX2; `block` must hold exactly 64 bytes.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn masks_avx2(set: &ByteSet, block: &[u8]) -> Masks {
        debug_assert_eq!(block.len(), 64);
        // SAFETY: AVX2 is enabled for this function (the caller checked the CPU); the loads read 2 x 32
        // bytes of `block`, which holds 64, and the table loads read the 16-byte arrays of `set`.
        unsafe {
            let lo_t = _mm256_broadcastsi128_si256(_mm_loadu_si128(set.lo.as_ptr().cast()));
            let hi_t = _mm256_broadcastsi128_si256(_mm_loadu_si128(set.hi.as_ptr().cast()));
            let nib = _mm256_set1_epi8(0x0f);
            let cont_top = _mm256_set1_epi8(-64); // 0xC0 as i8: continuation bytes are < -64
            let mut m = Masks::default();
            for half in 0..2 {
                let v = _mm256_loadu_si256(block.as_ptr().add(32 * half).cast());
                let lo = _mm256_shuffle_epi8(lo_t, _mm256_and_si256(v, nib));
                // bytes >= 0x80 have a high nibble of 8..15, whose table entries are 0
                let hi = _mm256_shuffle_epi8(hi_t, _mm256_and_si256(_mm256_srli_epi16(v, 4), nib));
                let member = _mm256_cmpeq_epi8(_mm256_and_si256(lo, hi), _mm256_setzero_si256());
                let shift = 32 * half;
                m.cut |= u64::from(!(_mm256_movemask_epi8(member) as u32)) << shift;
                m.non_ascii |= u64::from(_mm256_movemask_epi8(v) as u32) << shift;
                m.cont |=
                    u64::from(_mm256_movemask_epi8(_mm256_cmpgt_epi8(cont_top, v)) as u32) << shift;
            }
            m
        }
    }

    /// # Safety
    /// The CPU must support SSSE3; `block` must hold exactly 64 bytes.
    #[target_feature(enable = "ssse3")]
    pub(super) unsafe fn masks_ssse3(set: &ByteSet, block: &[u8]) -> Masks {
        debug_assert_eq!(block.len(), 64);
        // SAFETY: SSSE3 is enabled for this function (the caller checked the CPU); the loads read 4 x 16
        // bytes of `block`, which holds 64, and the 16-byte tables of `set`.
        unsafe {
            let lo_t = _mm_loadu_si128(set.lo.as_ptr().cast());
            let hi_t = _mm_loadu_si128(set.hi.as_ptr().cast());
            let nib = _mm_set1_epi8(0x0f);
            let cont_top = _mm_set1_epi8(-64);
            let mut m = Masks::default();
            for q in 0..4 {
                let v = _mm_loadu_si128(block.as_ptr().add(16 * q).cast());
                let lo = _mm_shuffle_epi8(lo_t, _mm_and_si128(v, nib));
                let hi = _mm_shuffle_epi8(hi_t, _mm_and_si128(_mm_srli_epi16(v, 4), nib));
                let member = _mm_cmpeq_epi8(_mm_and_si128(lo, hi), _mm_setzero_si128());
                let shift = 16 * q;
                m.cut |= u64::from(!(_mm_movemask_epi8(member) as u32) & 0xffff) << shift;
                m.non_ascii |= u64::from(_mm_movemask_epi8(v) as u32) << shift;
                m.cont |= u64::from(_mm_movemask_epi8(_mm_cmpgt_epi8(cont_top, v)) as u32) << shift;
            }
            m
        }
    }
}

/// Which implementation `masks` uses on this CPU.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Scalar,
    #[cfg(target_arch = "x86_64")]
    Ssse3,
    #[cfg(target_arch = "x86_64")]
    Avx2,
}

/// The best level this CPU supports (detected once). `FERROFORMERS_SIMD=scalar` forces the scalar path,
/// for comparisons.
pub fn detected() -> Level {
    static LEVEL: OnceLock<Level> = OnceLock::new();
    *LEVEL.get_or_init(|| {
        if std::env::var("FERROFORMERS_SIMD").is_ok_and(|v| v == "scalar") {
            return Level::Scalar;
        }
        #[cfg(target_arch = "x86_64")]
        {
            if is_x86_feature_detected!("avx2") {
                return Level::Avx2;
            }
            if is_x86_feature_detected!("ssse3") {
                return Level::Ssse3;
            }
        }
        Level::Scalar
    })
}

/// The masks of `block` (at most 64 bytes) at `level`, which must be one this CPU supports (`detected()` or
/// lower). A partial block is copied into a zero-padded one first (bits past its end are cleared).
#[inline]
pub fn masks(level: Level, set: &ByteSet, block: &[u8]) -> Masks {
    if block.len() < 64 {
        if level == Level::Scalar {
            return masks_scalar(set, block);
        }
        let mut full = [0u8; 64];
        full[..block.len()].copy_from_slice(block);
        let m = masks(level, set, &full);
        let valid = (1u64 << block.len()) - 1;
        return Masks {
            cut: m.cut & valid,
            non_ascii: m.non_ascii & valid,
            cont: m.cont & valid,
        };
    }
    match level {
        Level::Scalar => masks_scalar(set, block),
        #[cfg(target_arch = "x86_64")]
        // SAFETY: AVX2 was detected on this CPU (`detected`), and the block holds 64 bytes
        Level::Avx2 => unsafe { x86::masks_avx2(set, block) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: SSSE3 was detected on this CPU (`detected`), and the block holds 64 bytes
        Level::Ssse3 => unsafe { x86::masks_ssse3(set, block) },
    }
}

/// Walks a text's blocks: the masks of the block holding a position, computed once per block.
pub struct Blocks<'a> {
    bytes: &'a [u8],
    set: &'a ByteSet,
    level: Level,
    /// start of the current block
    base: usize,
    cur: Masks,
}

impl<'a> Blocks<'a> {
    pub fn new(bytes: &'a [u8], set: &'a ByteSet, level: Level) -> Blocks<'a> {
        let cur = masks(level, set, &bytes[..bytes.len().min(64)]);
        Blocks {
            bytes,
            set,
            level,
            base: 0,
            cur,
        }
    }

    #[inline]
    fn seek(&mut self, pos: usize) {
        if pos >= self.base + 64 || pos < self.base {
            self.base = pos & !63;
            let end = self.bytes.len().min(self.base + 64);
            self.cur = masks(self.level, self.set, &self.bytes[self.base..end]);
        }
    }

    /// The first position >= `pos` whose byte is (`want` = true) or is not (false) in the set, or the
    /// text's length.
    #[inline]
    pub fn next(&mut self, mut pos: usize, want: bool) -> usize {
        let n = self.bytes.len();
        while pos < n {
            self.seek(pos);
            let valid = if n - self.base >= 64 {
                u64::MAX
            } else {
                (1u64 << (n - self.base)) - 1
            };
            let bits = if want {
                self.cur.cut
            } else {
                !self.cur.cut & valid
            };
            let rest = bits >> (pos - self.base) << (pos - self.base);
            if rest != 0 {
                return self.base + rest.trailing_zeros() as usize;
            }
            pos = self.base + 64;
        }
        n
    }

    /// (bytes >= 0x80, continuation bytes) in `from..to`, counted over the blocks they span.
    #[inline]
    pub fn count(&mut self, from: usize, to: usize) -> (u32, u32) {
        let (mut non_ascii, mut cont) = (0, 0);
        let mut pos = from;
        while pos < to {
            self.seek(pos);
            let hi = (to - self.base).min(64);
            let lo = pos - self.base;
            let span = if hi - lo == 64 {
                u64::MAX
            } else {
                ((1u64 << (hi - lo)) - 1) << lo
            };
            non_ascii += (self.cur.non_ascii & span).count_ones();
            cont += (self.cur.cont & span).count_ones();
            pos = self.base + hi;
        }
        (non_ascii, cont)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn levels() -> Vec<Level> {
        let mut v = vec![Level::Scalar];
        #[cfg(target_arch = "x86_64")]
        {
            if is_x86_feature_detected!("ssse3") {
                v.push(Level::Ssse3);
            }
            if is_x86_feature_detected!("avx2") {
                v.push(Level::Avx2);
            }
        }
        v
    }

    #[test]
    fn byte_set_is_exact_for_any_ascii_set() {
        let mut seed = 1u64;
        for _ in 0..200 {
            let bits: [u64; 2] = [0, 1].map(|_| {
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
                seed
            });
            let member = |b: u8| b < 128 && bits[(b >> 6) as usize] >> (b & 63) & 1 == 1;
            let set = ByteSet::new(member);
            for b in 0..=255u8 {
                assert_eq!(set.contains(b), member(b), "byte {b}");
            }
        }
    }

    #[test]
    fn simd_masks_equal_scalar() {
        let set = ByteSet::new(|b| b.is_ascii_whitespace() || b.is_ascii_punctuation());
        let mut seed = 7u64;
        for round in 0..2000 {
            let block: Vec<u8> = (0..64)
                .map(|_| {
                    seed = seed
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    let x = (seed >> 33) as u8;
                    // mostly ASCII, some multi-byte UTF-8 bytes and every byte value now and then
                    if round % 3 == 0 {
                        x
                    } else {
                        x & 0x7f
                    }
                })
                .collect();
            let want = masks_scalar(&set, &block);
            for level in levels() {
                assert_eq!(masks(level, &set, &block), want, "{level:?} round {round}");
            }
        }
    }

    #[test]
    fn blocks_find_members_and_count_chars() {
        let text = "héllo, wörld!  ".repeat(20) + "end";
        let set = ByteSet::new(|b| b == b' ' || b == b',' || b == b'!');
        for level in levels() {
            let mut blocks = Blocks::new(text.as_bytes(), &set, level);
            let mut pos = 0;
            let mut cuts = vec![];
            while pos < text.len() {
                let c = blocks.next(pos, true);
                if c == text.len() {
                    break;
                }
                cuts.push(c);
                pos = blocks.next(c, false);
            }
            let want: Vec<usize> = text
                .bytes()
                .enumerate()
                .filter(|&(i, b)| {
                    set.contains(b) && (i == 0 || !set.contains(text.as_bytes()[i - 1]))
                })
                .map(|(i, _)| i)
                .collect();
            assert_eq!(cuts, want, "{level:?}");
            let mut blocks = Blocks::new(text.as_bytes(), &set, level);
            for (from, to) in [(0, text.len()), (3, 70), (64, 128), (1, 2), (100, 100)] {
                let s = &text.as_bytes()[from..to];
                let want = (
                    s.iter().filter(|&&b| b >= 0x80).count() as u32,
                    s.iter().filter(|&&b| b & 0xC0 == 0x80).count() as u32,
                );
                assert_eq!(blocks.count(from, to), want, "{level:?} {from}..{to}");
            }
        }
    }
}
