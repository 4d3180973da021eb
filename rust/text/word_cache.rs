//! A per-thread cache of what a run of text tokenizes to.
//!
//! The fast path cuts text at ASCII whitespace and ASCII punctuation (scan.rs). What lies between two cuts
//! (a "run": a word, or a few words joined by non-ASCII punctuation or CJK) tokenizes the same wherever it
//! occurs: every step of the BERT pipeline is local to a run (see tokenizer.rs `cached_piece`). Natural text
//! repeats its runs (Zipf), so a run seen before costs one probe: its tokens are copied out with their char
//! offsets and word indices shifted, with no normalization, no pre-tokenization and no WordPiece.
//!
//! Layout: one 64-byte slot per run, in one cache line: the run's bytes (up to 32, zero-padded, compared as
//! two u128), its char and word counts, and up to three tokens inline (id, char span, word delta); longer
//! results spill to a side buffer. Open addressing with a window of a few probes; a full window has one of
//! its slots overwritten: the cache only ever changes speed, never output, so eviction can be this blunt.
//! The table starts at 256 KiB and grows (x4, keeping its runs) while it churns, up to 16 MiB; the caller
//! prefetches a run's probe window a few runs ahead. The idea is gigatoken's and tokenizers 1.x's word cache
//! (u128 keys, self-contained slots); here the key is the raw text, so a hit also skips the normalizer.

/// Longest run kept (bytes).
pub const MAX_KEY: usize = 32;
const INLINE: usize = 3;
const PROBES: usize = 4;

/// One token of a cached run: its id, char span relative to the run start, and word index relative to the
/// run's first word.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CachedToken {
    pub id: u32,
    pub start: u8,
    pub end: u8,
    pub word: u8,
}

#[derive(Clone, Copy, Debug, Default)]
#[repr(C, align(64))]
struct Slot {
    key: [u128; 2],
    /// key length in bytes; 0: empty slot
    len: u8,
    n_toks: u8,
    chars: u8,
    words: u8,
    /// start in `spill` when n_toks > INLINE
    spill_at: u32,
    inline: [CachedToken; INLINE],
}

/// A hit: the run's tokens, and how many chars and words it spans.
#[derive(Clone, Copy, Debug)]
pub struct Hit<'a> {
    pub tokens: &'a [CachedToken],
    pub chars: u32,
    pub words: u32,
}

/// A run's bytes packed for the table: two zero-padded u128 and the length.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Key {
    words: [u128; 2],
    len: u8,
    hash: u64,
}

#[inline]
fn load16(b: &[u8]) -> u128 {
    let mut a = [0u8; 16];
    a.copy_from_slice(&b[..16]);
    u128::from_le_bytes(a)
}

#[inline]
fn load8(b: &[u8]) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[..8]);
    u64::from_le_bytes(a)
}

/// `k` (at most 16 bytes) zero-padded into a u128, with overlapping fixed-size loads (no memcpy call).
#[inline]
fn pack16(k: &[u8]) -> u128 {
    let n = k.len();
    if n == 16 {
        load16(k)
    } else if n >= 8 {
        let lo = load8(k);
        let hi = load8(&k[n - 8..])
            .checked_shr(8 * (16 - n as u32))
            .unwrap_or(0);
        u128::from(lo) | u128::from(hi) << 64
    } else if n >= 4 {
        let mut a = [0u8; 4];
        a.copy_from_slice(&k[..4]);
        let lo = u64::from(u32::from_le_bytes(a));
        a.copy_from_slice(&k[n - 4..]);
        let hi = u64::from(u32::from_le_bytes(a)) >> (8 * (8 - n));
        u128::from(lo | hi << 32)
    } else if n > 0 {
        let (a, b, c) = (k[0] as u128, k[n / 2] as u128, k[n - 1] as u128);
        a | b << (8 * (n / 2)) | c << (8 * (n - 1))
    } else {
        0
    }
}

/// `MASKS[len]`: the masks keeping the first `len` bytes of two u128 words (a table: variable u128 shifts
/// cost a dozen instructions each).
static MASKS: [[u128; 2]; MAX_KEY + 1] = {
    let mut t = [[0u128; 2]; MAX_KEY + 1];
    let mut len = 0;
    while len <= MAX_KEY {
        let lo = if len >= 16 { 16 } else { len };
        let hi = len.saturating_sub(16);
        t[len] = [
            if lo == 16 {
                u128::MAX
            } else {
                (1u128 << (8 * lo)) - 1
            },
            if hi == 16 {
                u128::MAX
            } else {
                (1u128 << (8 * hi)) - 1
            },
        ];
        len += 1;
    }
    t
};

impl Key {
    /// The key of `run` (1..=MAX_KEY bytes).
    #[inline]
    pub fn new(run: &[u8]) -> Key {
        debug_assert!(!run.is_empty() && run.len() <= MAX_KEY);
        let n = run.len();
        let words = if n <= 16 {
            [pack16(run), 0]
        } else {
            [load16(run), pack16(&run[16..])]
        };
        Key::hashed(words, n)
    }

    /// The key of the first `len` (1..=MAX_KEY) bytes of `window` (MAX_KEY bytes): two fixed loads and
    /// masks, no branch on the length. Equal to `Key::new(&window[..len])`.
    #[inline]
    pub fn from_padded(window: &[u8], len: usize) -> Key {
        let window = &window[..MAX_KEY];
        let m = &MASKS[len];
        let words = [load16(window) & m[0], load16(&window[16..]) & m[1]];
        Key::hashed(words, len)
    }

    #[inline]
    fn hashed(words: [u128; 2], n: usize) -> Key {
        const K: u64 = 0x9E37_79B9_7F4A_7C15;
        let fold = |x: u128| (x as u64) ^ ((x >> 64) as u64).rotate_left(29);
        let h = (fold(words[0]) ^ (n as u64)).wrapping_mul(K) ^ fold(words[1]);
        let h = (h ^ (h >> 31)).wrapping_mul(K);
        Key {
            words,
            len: n as u8,
            hash: h ^ (h >> 29),
        }
    }
}

/// The cache: `slots.len()` slots (a power of two), growing from `FIRST_SLOTS` to `max_slots`.
#[derive(Clone, Debug)]
pub struct WordCache {
    slots: Vec<Slot>,
    spill: Vec<CachedToken>,
    /// slots.len() - 1
    mask: usize,
    max_slots: usize,
    /// inserts since the table last grew
    inserts: usize,
}

/// The table's first size (256 KiB): a tokenizer used on a few texts allocates no more.
const FIRST_SLOTS: usize = 1 << 12;

/// The largest table by default (16 MiB per thread). Multilingual text has many distinct runs: on the
/// multilingual corpus a 64 K-slot table (4 MiB) missed 17.5% of its lookups, this one 9.5%, and misses cost
/// the normalizer and WordPiece. Probes are prefetched ahead (`prefetch`), so the larger table's slower memory
/// does not show.
pub const MAX_SLOTS: usize = 1 << 18;

impl Default for WordCache {
    fn default() -> Self {
        WordCache::new(MAX_SLOTS)
    }
}

impl WordCache {
    /// A cache of at most `max_slots` slots (rounded up to a power of two, at least PROBES).
    pub fn new(max_slots: usize) -> WordCache {
        let max_slots = max_slots.next_power_of_two().max(PROBES);
        WordCache {
            slots: vec![], // allocated on first insert: a cache that is never used costs nothing
            spill: vec![],
            mask: 0,
            max_slots,
            inserts: 0,
        }
    }

    pub fn clear(&mut self) {
        self.slots.iter_mut().for_each(|s| s.len = 0);
        self.spill.clear();
    }

    /// A table four times larger (up to `max_slots`), holding what the old one held.
    #[cold]
    fn grow(&mut self) {
        let n = if self.slots.is_empty() {
            FIRST_SLOTS.min(self.max_slots)
        } else {
            (self.slots.len() * 4).min(self.max_slots)
        };
        let mut slots = vec![];
        crate::memory::reserve_huge(&mut slots, n);
        slots.resize(n, Slot::default());
        let old = std::mem::replace(&mut self.slots, slots);
        self.mask = n - 1;
        self.inserts = 0;
        for s in old.iter().filter(|s| s.len != 0) {
            let key = Key::hashed(s.key, s.len as usize);
            if let Some(at) = self.window(&key).find(|&i| self.slots[i].len == 0) {
                self.slots[at] = *s;
            }
        }
    }

    /// The slots `key` may be in.
    #[inline]
    fn window(&self, key: &Key) -> impl Iterator<Item = usize> {
        let (home, mask) = (key.hash as usize, self.mask);
        (0..PROBES).map(move |p| (home + p) & mask)
    }

    #[inline]
    pub fn get(&self, key: &Key) -> Option<Hit<'_>> {
        if self.slots.is_empty() {
            return None;
        }
        for i in self.window(key) {
            let s = &self.slots[i];
            if s.len == 0 {
                return None;
            }
            if s.len == key.len && s.key == key.words {
                let n = s.n_toks as usize;
                let tokens = if n <= INLINE {
                    &s.inline[..n]
                } else {
                    &self.spill[s.spill_at as usize..s.spill_at as usize + n]
                };
                return Some(Hit {
                    tokens,
                    chars: s.chars as u32,
                    words: s.words as u32,
                });
            }
        }
        None
    }

    /// Start loading `key`'s first slot into the CPU cache: the table is larger than L2, and a probe that
    /// waits for memory cost a fifth of the time of the whole tokenizer. `cached_piece` asks a few runs ahead.
    #[inline]
    pub fn prefetch(&self, key: &Key) {
        if self.slots.is_empty() {
            return;
        }
        for i in self.window(key) {
            crate::memory::prefetch(&self.slots[i] as *const Slot as *const u8);
        }
    }

    /// Remember `tokens` for `key`. Results that do not fit the slot fields (more than 255 tokens, chars or
    /// words; impossible for a run of MAX_KEY bytes, but not worth a panic) are not kept. When the key's probe
    /// window is full, one of its slots (chosen by the hash) is overwritten: hot runs come back at once, and
    /// there is no global flush that would drop them all (flushing at half full cost a third of the hits on
    /// multilingual text).
    pub fn insert(&mut self, key: &Key, tokens: &[CachedToken], chars: u32, words: u32) {
        let (Ok(n_toks), Ok(chars), Ok(words)) = (
            u8::try_from(tokens.len()),
            u8::try_from(chars),
            u8::try_from(words),
        ) else {
            return;
        };
        self.inserts += 1;
        // grow while the table churns: as many inserts as it has slots
        if self.slots.is_empty()
            || (self.inserts > self.slots.len() && self.slots.len() < self.max_slots)
        {
            self.grow();
        }
        if tokens.len() > INLINE && self.spill.len() + tokens.len() > 8 * self.slots.len() {
            // the spill buffer is never compacted: start afresh when it is large
            self.clear();
        }
        let at = self
            .window(key)
            .find(|&i| self.slots[i].len == 0)
            .unwrap_or((key.hash as usize + (key.hash >> 62) as usize) & self.mask);
        let mut slot = Slot {
            key: key.words,
            len: key.len,
            n_toks,
            chars,
            words,
            ..Slot::default()
        };
        if tokens.len() <= INLINE {
            slot.inline[..tokens.len()].copy_from_slice(tokens);
        } else {
            slot.spill_at = self.spill.len() as u32;
            self.spill.extend_from_slice(tokens);
        }
        self.slots[at] = slot;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_the_bytes_and_the_length() {
        let text: Vec<u8> = (1..=40u8).map(|b| b.wrapping_mul(37)).collect();
        for a in 1..=MAX_KEY {
            for b in 1..=MAX_KEY {
                let (ka, kb) = (Key::new(&text[..a]), Key::new(&text[..b]));
                assert_eq!(ka.words == kb.words && ka.len == kb.len, a == b, "{a} {b}");
            }
            // zero padding never makes a shorter key equal a longer one ending in zero bytes
            let mut z = text[..a].to_vec();
            z.push(0);
            if z.len() <= MAX_KEY {
                let (k1, k2) = (Key::new(&text[..a]), Key::new(&z));
                assert!(!(k1.words == k2.words && k1.len == k2.len));
            }
        }
    }

    #[test]
    fn padded_keys_equal_keys() {
        let text: Vec<u8> = (1..=80u8).map(|b| b.wrapping_mul(91)).collect();
        for from in 0..40 {
            for len in 1..=MAX_KEY {
                assert_eq!(
                    Key::from_padded(&text[from..from + MAX_KEY], len),
                    Key::new(&text[from..from + len])
                );
            }
        }
    }

    #[test]
    fn get_after_insert_and_blunt_eviction() {
        let mut c = WordCache::new(64);
        let tok = |i: u32| CachedToken {
            id: i,
            start: i as u8,
            end: i as u8 + 1,
            word: 0,
        };
        let words: Vec<String> = (0..1000).map(|i| format!("w{i}")).collect();
        for (i, w) in words.iter().enumerate() {
            let toks: Vec<CachedToken> = (0..(i % 6) as u32).map(tok).collect();
            let key = Key::new(w.as_bytes());
            c.insert(&key, &toks, w.len() as u32, 1);
            let hit = c.get(&key).expect("just inserted");
            assert_eq!(hit.tokens, &toks[..]);
            assert_eq!((hit.chars, hit.words), (w.len() as u32, 1));
        }
        // whatever is still there is right; nothing else is found
        for (i, w) in words.iter().enumerate() {
            if let Some(hit) = c.get(&Key::new(w.as_bytes())) {
                assert_eq!(hit.tokens.len(), i % 6);
            }
        }
        assert!(c.get(&Key::new(b"never")).is_none());
    }

    #[test]
    fn grows_while_it_churns_and_keeps_what_it_held() {
        let mut c = WordCache::new(1 << 16);
        let tok = CachedToken {
            id: 7,
            start: 0,
            end: 1,
            word: 0,
        };
        let key = |i: usize| Key::new(format!("run{i}").as_bytes());
        c.insert(&key(0), &[tok], 4, 1);
        assert_eq!(c.slots.len(), FIRST_SLOTS);
        // fewer inserts than slots: no growth
        for i in 1..FIRST_SLOTS / 2 {
            c.insert(&key(i), &[tok], 4, 1);
        }
        assert_eq!(c.slots.len(), FIRST_SLOTS);
        let held: Vec<usize> = (0..FIRST_SLOTS / 2)
            .filter(|&i| c.get(&key(i)).is_some())
            .collect();
        // the first insert allocated the table, and counts from there: FIRST_SLOTS + 1 more grow it
        for i in FIRST_SLOTS / 2..FIRST_SLOTS + 2 {
            c.insert(&key(i), &[tok], 4, 1);
        }
        assert_eq!(c.slots.len(), 4 * FIRST_SLOTS);
        // what the small table held moved into the large one: the last run put in before growing, and most
        // of the ones seen in it before
        assert!(c.get(&key(FIRST_SLOTS)).is_some());
        assert!(held.iter().filter(|&&i| c.get(&key(i)).is_some()).count() > held.len() / 2);
        for i in 0..200_000 {
            c.insert(&key(i), &[tok], 4, 1);
        }
        assert_eq!(c.slots.len(), 1 << 16, "capped at max_slots");
        assert_eq!(c.get(&key(199_999)).map(|h| h.tokens), Some(&[tok][..]));
    }
}
