//! A per-thread cache of what a run of text tokenizes to.
//!
//! The fast path cuts text at ASCII whitespace and ASCII punctuation (scan.rs). What lies between two cuts
//! (a "run": a word, or a few words joined by non-ASCII punctuation or CJK) tokenizes the same wherever it
//! occurs: every step of the BERT pipeline is local to a run (see tokenizer.rs `cached_piece`). Natural text
//! repeats its runs (Zipf), so a run seen before costs one probe: its tokens are copied out with their char
//! offsets and word indices shifted, with no normalization, no pre-tokenization and no WordPiece.
//!
//! Layout: one 64-byte slot per run, in one cache line: the run's bytes (up to 32, zero-padded, compared as
//! two u128), its char and word counts, and up to three tokens inline (id, char span, word delta), or six
//! packed in 32 bits each; longer results spill to a side buffer. Open addressing with a window of a few
//! probes; a full window has one of its slots overwritten, the first not hit since the last insert passed it
//! (second chance): the cache only ever changes speed, never output, so eviction can be this local. The
//! table starts at 256 KiB and grows (x4, keeping its runs) while it churns, up to 16 MiB (all caches of the
//! process together within `RUN_CACHES`); the caller prefetches a run's probe window a few runs ahead. The
//! idea is gigatoken's and tokenizers 1.x's word cache (u128 keys, self-contained slots); here the key is the
//! raw text, so a hit also skips the normalizer.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Longest run kept (bytes).
pub const MAX_KEY: usize = 32;
/// Tokens kept in a slot as (id, span and word) pairs: a one-token run, the most common, reads two words.
const INLINE: usize = 3;
/// Tokens kept in a slot packed in 32 bits each (`pack`), for runs of INLINE + 1 to this many tokens: those
/// spilled before, and waiting for the spill buffer was a quarter of the hit path on multilingual text.
const PACKED: usize = 2 * INLINE;
/// `spill_at` of a slot whose INLINE + 1.. tokens are packed in it.
const IN_SLOT: u32 = u32::MAX;
const PROBES: usize = 4;
/// The bit of `Slot::words` that marks a slot hit since an insert into a full window last passed it.
const USED: u8 = 0x80;

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
    /// the run's words (below 128), and USED: the slot was hit since the eviction scan last passed it
    words: u8,
    /// start in `spill` when n_toks > INLINE, or IN_SLOT when they are packed in `inline`
    spill_at: u32,
    /// up to INLINE tokens as pairs (`CachedToken::pair`), or up to PACKED packed ones (`pack`)
    inline: [u32; 2 * INLINE],
}

const _: () = assert!(std::mem::size_of::<Slot>() == 64);

impl CachedToken {
    /// The token as two words: its id, then its span and word delta.
    #[inline]
    fn pair(&self) -> [u32; 2] {
        [
            self.id,
            self.start as u32 | (self.end as u32) << 8 | (self.word as u32) << 16,
        ]
    }

    #[inline]
    fn from_pair(id: u32, w: u32) -> CachedToken {
        CachedToken {
            id,
            start: w as u8,
            end: (w >> 8) as u8,
            word: (w >> 16) as u8,
        }
    }

    /// The token in 32 bits: id (17 bits), start (5), end (6), word delta (4); None when a field does not fit
    /// (an id from 2^17 on: such a run spills).
    #[inline]
    fn pack(&self) -> Option<u32> {
        let (start, end, word) = (self.start as u32, self.end as u32, self.word as u32);
        (self.id < 1 << 17 && start < 32 && end < 64 && word < 16)
            .then_some(self.id | start << 17 | end << 22 | word << 28)
    }

    #[inline]
    fn unpack(x: u32) -> CachedToken {
        CachedToken {
            id: x & 0x1_FFFF,
            start: (x >> 17 & 31) as u8,
            end: (x >> 22 & 63) as u8,
            word: (x >> 28) as u8,
        }
    }
}

/// Where a hit's tokens are.
#[derive(Clone, Copy, Debug)]
enum Tokens<'a> {
    /// pairs in the slot
    Pairs(&'a [u32]),
    /// packed in the slot
    Packed(&'a [u32]),
    Spilled(&'a [CachedToken]),
}

/// A hit: the run's tokens, and how many chars and words it spans.
#[derive(Clone, Copy, Debug)]
pub struct Hit<'a> {
    tokens: Tokens<'a>,
    pub chars: u32,
    pub words: u32,
}

impl Hit<'_> {
    /// Each token, in order.
    #[inline(always)]
    pub fn for_each(&self, mut f: impl FnMut(CachedToken)) {
        match self.tokens {
            // most runs are one token: no loop
            Tokens::Pairs(&[id, w]) => f(CachedToken::from_pair(id, w)),
            // plain loops: `Iterator::for_each` was a call to `fold` that was not inlined (3% of the time on
            // multilingual text, where runs of a few tokens are common)
            Tokens::Pairs(p) => {
                for p in p.chunks_exact(2) {
                    f(CachedToken::from_pair(p[0], p[1]));
                }
            }
            Tokens::Packed(p) => {
                for &x in p {
                    f(CachedToken::unpack(x));
                }
            }
            Tokens::Spilled(t) => {
                for &t in t {
                    f(t);
                }
            }
        }
    }

    /// The tokens, collected.
    pub fn tokens(&self) -> Vec<CachedToken> {
        let mut v = vec![];
        self.for_each(|t| v.push(t));
        v
    }
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
/// cost a dozen instructions each). 64 entries, so that an index taken mod 64 needs no bound check; lengths
/// past MAX_KEY keep all 32 bytes.
static MASKS: [[u128; 2]; 64] = {
    let mut t = [[u128::MAX; 2]; 64];
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

    /// The key of `pad[at..at + len]` (`len` in 1..=MAX_KEY), where `pad` holds MAX_KEY bytes from `at` on
    /// (the padded text): two fixed loads and masks, no branch on the length. Equal to
    /// `Key::new(&pad[at..at + len])`.
    #[inline]
    pub fn from_padded(pad: &[u8], at: usize, len: usize) -> Key {
        Key::hashed(Key::padded_words(pad, at, len), len)
    }

    /// `pad[at..at + len]` as the key's two words, zero-padded (the mask's index taken mod 64 needs no
    /// bound check).
    #[inline]
    fn padded_words(pad: &[u8], at: usize, len: usize) -> [u128; 2] {
        let window = &pad[at..][..MAX_KEY];
        let m = &MASKS[len % MASKS.len()];
        [load16(window) & m[0], load16(&window[16..]) & m[1]]
    }

    /// `from_padded(pad, at, len)` when its hash is known already (`hash()` of that key): the bytes are read
    /// again, not hashed again. A run waiting in the lookahead ring keeps only its hash.
    #[inline]
    pub fn from_padded_hashed(pad: &[u8], at: usize, len: usize, hash: u64) -> Key {
        Key {
            words: Key::padded_words(pad, at, len),
            len: len as u8,
            hash,
        }
    }

    #[inline]
    pub fn hash(&self) -> u64 {
        self.hash
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

/// What the slot tables of a set of run caches hold together, and the most they may: a table grows past its
/// first size only while the total stays within the limit.
#[derive(Debug)]
pub struct Budget {
    held: AtomicUsize,
    limit: usize,
}

impl Budget {
    pub const fn new(limit: usize) -> Budget {
        Budget {
            held: AtomicUsize::new(0),
            limit,
        }
    }

    /// Take `bytes` if they fit, or first-size tables (always granted: a cache must work).
    fn take(&self, bytes: usize, always: bool) -> bool {
        if always {
            self.held.fetch_add(bytes, Ordering::Relaxed);
            return true;
        }
        self.held
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |h| {
                (h + bytes <= self.limit).then_some(h + bytes)
            })
            .is_ok()
    }

    fn give(&self, bytes: usize) {
        self.held.fetch_sub(bytes, Ordering::Relaxed);
    }

    /// Bytes held now.
    pub fn held(&self) -> usize {
        self.held.load(Ordering::Relaxed)
    }
}

/// Every run cache of the process: 256 MiB, sixteen fully grown tables. Each thread that tokenizes keeps its
/// own cache (in the tokenizer's pool, between calls); without a bound, 64 threads would keep 1 GiB.
pub static RUN_CACHES: Budget = Budget::new(256 << 20);

/// The cache: `slots.len()` slots (a power of two), growing from `FIRST_SLOTS` to `max_slots` while its
/// budget allows.
#[derive(Debug)]
pub struct WordCache {
    slots: Vec<Slot>,
    spill: Vec<CachedToken>,
    max_slots: usize,
    /// inserts since the table last grew
    inserts: usize,
    budget: &'static Budget,
}

impl Drop for WordCache {
    fn drop(&mut self) {
        // a cache that was never used holds nothing: no atomic operation for it
        if !self.slots.is_empty() {
            self.budget.give(self.slots.len() * size_of::<Slot>());
        }
    }
}

/// The slots a run with this hash may be in, in a table of `mask + 1` slots.
#[inline]
fn window_in(hash: u64, mask: usize) -> impl Iterator<Item = usize> {
    let home = hash as usize;
    (0..PROBES).map(move |p| (home + p) & mask)
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
    /// A cache of at most `max_slots` slots (rounded up to a power of two, at least PROBES), counted in
    /// `RUN_CACHES`.
    pub fn new(max_slots: usize) -> WordCache {
        WordCache::with_budget(max_slots, &RUN_CACHES)
    }

    pub fn with_budget(max_slots: usize, budget: &'static Budget) -> WordCache {
        let max_slots = max_slots.next_power_of_two().max(PROBES);
        WordCache {
            slots: vec![], // allocated on first insert: a cache that is never used costs nothing
            spill: vec![],
            max_slots,
            inserts: 0,
            budget,
        }
    }

    pub fn clear(&mut self) {
        self.slots.iter_mut().for_each(|s| s.len = 0);
        self.spill.clear();
    }

    /// A table four times larger (up to `max_slots`), holding what the old one held; or, when the budget
    /// has no room for it, the table stays as it is and stops trying to grow.
    #[cold]
    fn grow(&mut self) {
        let old_n = self.slots.len();
        let n = if old_n == 0 {
            FIRST_SLOTS.min(self.max_slots)
        } else {
            (old_n * 4).min(self.max_slots)
        };
        if !self
            .budget
            .take((n - old_n) * size_of::<Slot>(), n <= FIRST_SLOTS)
        {
            self.max_slots = old_n;
            return;
        }
        let mut slots = vec![];
        crate::memory::reserve_huge(&mut slots, n);
        slots.resize(n, Slot::default());
        let old = std::mem::replace(&mut self.slots, slots);
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
        self.window_of(key.hash)
    }

    #[inline]
    fn window_of(&self, hash: u64) -> impl Iterator<Item = usize> {
        window_in(hash, self.mask())
    }

    /// The tokens of `key`'s run, if the table holds it (the slot is then marked used, which keeps it through
    /// the next eviction scan of its window).
    #[inline(always)]
    pub fn get(&mut self, key: &Key) -> Option<Hit<'_>> {
        let slots = &mut self.slots[..];
        if slots.is_empty() {
            return None;
        }
        // masked with the table's own length (a power of two), so that the compiler sees each index in bounds
        let last = slots.len() - 1;
        let mut at = None;
        for p in 0..PROBES {
            let i = (key.hash as usize).wrapping_add(p) & last;
            let s = &slots[i];
            if s.len == 0 {
                return None;
            }
            if s.len == key.len && s.key == key.words {
                at = Some(i);
                break;
            }
        }
        let s = &mut slots[at? & last];
        // written only when not marked yet: a hot run's line is not dirtied by every hit
        if s.words & USED == 0 {
            s.words |= USED;
        }
        let s = &*s;
        let n = s.n_toks as usize;
        let tokens = if n <= INLINE {
            Tokens::Pairs(&s.inline[..2 * n])
        } else if s.spill_at == IN_SLOT {
            Tokens::Packed(&s.inline[..n])
        } else {
            Tokens::Spilled(&self.spill[s.spill_at as usize..s.spill_at as usize + n])
        };
        Some(Hit {
            tokens,
            chars: s.chars as u32,
            words: (s.words & !USED) as u32,
        })
    }

    /// Start loading the slots of the key with this hash (`Key::hash`) into the CPU cache: the table is larger
    /// than L2, and a probe that waits for memory cost a fifth of the time of the whole tokenizer.
    /// `cached_piece` asks a few runs ahead.
    #[inline]
    pub fn prefetch(&self, hash: u64) {
        if self.slots.is_empty() {
            return;
        }
        // the window's slots from its first on, without a bound check each (an eighth of the scan loop's
        // instructions went to them): a window that wraps past the table's end (those of its last PROBES - 1
        // slots) prefetches lines past the end instead of the table's first slots, which is harmless, as a
        // prefetch never faults
        let first = self
            .slots
            .as_ptr()
            .wrapping_add(hash as usize & self.mask());
        for p in 0..PROBES {
            crate::memory::prefetch(first.wrapping_add(p) as *const u8);
        }
    }

    /// The slot of a full window to overwrite (second chance, as the CLOCK algorithm): the first not hit since
    /// the last scan passed it, the marks of those passed over cleared; when all were hit, one chosen by the
    /// hash. On a single pass over 50 MB of multilingual text (simulated) a 16 MiB table then missed 9.7% of
    /// the runs instead of 11.3% (7.5% are first sightings, which miss in any table).
    fn victim(&mut self, hash: u64) -> usize {
        // `window_in`, not `window_of`: the slots are changed while their indices are walked
        for i in window_in(hash, self.mask()) {
            let s = &mut self.slots[i];
            if s.words & USED == 0 {
                return i;
            }
            s.words &= !USED;
        }
        (hash as usize + (hash >> 62) as usize) & self.mask()
    }

    /// The table's size less one (a power of two less one: slot indices are hashes masked with it).
    #[inline]
    fn mask(&self) -> usize {
        self.slots.len().wrapping_sub(1)
    }

    /// Remember `tokens` for `key`. Results that do not fit the slot fields (more than 255 tokens or chars, or
    /// 127 words; impossible for a run of MAX_KEY bytes, but not worth a panic) are not kept. When the key's
    /// probe window is full, one of its slots is overwritten (`victim`): hot runs stay, and there is no global
    /// flush that would drop them all (flushing at half full cost a third of the hits on multilingual text).
    pub fn insert(&mut self, key: &Key, tokens: &[CachedToken], chars: u32, words: u32) {
        let (Ok(n_toks), Ok(chars), Ok(words)) = (
            u8::try_from(tokens.len()),
            u8::try_from(chars),
            u8::try_from(words),
        ) else {
            return;
        };
        if words & USED != 0 {
            return;
        }
        self.inserts += 1;
        // grow while the table churns: as many inserts as it has slots
        if self.slots.is_empty()
            || (self.inserts > self.slots.len() && self.slots.len() < self.max_slots)
        {
            self.grow();
        }
        if tokens.len() > PACKED && self.spill.len() + tokens.len() > 8 * self.slots.len() {
            // the spill buffer is never compacted: start afresh when it is large
            self.clear();
        }
        let at = match self.window(key).find(|&i| self.slots[i].len == 0) {
            Some(at) => at,
            None => self.victim(key.hash),
        };
        let mut slot = Slot {
            key: key.words,
            len: key.len,
            n_toks,
            chars,
            words,
            ..Slot::default()
        };
        let n = tokens.len();
        if n <= INLINE {
            for (d, t) in slot.inline.chunks_exact_mut(2).zip(tokens) {
                d.copy_from_slice(&t.pair());
            }
        } else if n <= PACKED
            // each token packed once, straight into the slot; one that does not fit sends the run to the
            // spill buffer (whatever was packed before it is then never read)
            && slot
                .inline
                .iter_mut()
                .zip(tokens)
                .all(|(d, t)| t.pack().map(|x| *d = x).is_some())
        {
            slot.spill_at = IN_SLOT;
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

    /// The result of a one-token run, for tests that need any result.
    const ONE_TOKEN: CachedToken = CachedToken {
        id: 7,
        start: 0,
        end: 1,
        word: 0,
    };

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
                    Key::from_padded(&text, from, len),
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
            let toks: Vec<CachedToken> = (0..(i % 9) as u32).map(tok).collect();
            let key = Key::new(w.as_bytes());
            c.insert(&key, &toks, w.len() as u32, 1);
            let hit = c.get(&key).expect("just inserted");
            assert_eq!(hit.tokens(), toks);
            assert_eq!((hit.chars, hit.words), (w.len() as u32, 1));
        }
        // whatever is still there is right; nothing else is found
        for (i, w) in words.iter().enumerate() {
            if let Some(hit) = c.get(&Key::new(w.as_bytes())) {
                assert_eq!(hit.tokens().len(), i % 9);
            }
        }
        assert!(c.get(&Key::new(b"never")).is_none());
    }

    /// A full window overwrites a slot that was not hit since the last scan passed it (second chance); a run
    /// hit in between stays.
    #[test]
    fn hit_runs_survive_eviction() {
        let tok = ONE_TOKEN;
        let key = |i: usize| Key::new(format!("r{i}").as_bytes());
        for hot in 0..PROBES {
            // one window: the table is PROBES slots
            let mut c = WordCache::new(PROBES);
            for i in 0..PROBES {
                c.insert(&key(i), &[tok], 2, 1);
            }
            // full, nothing marked; the hot run is hit before each insert, the others never
            for j in 0..3 * PROBES {
                assert!(c.get(&key(hot)).is_some(), "hot run {hot} kept ({j})");
                let hit = c.get(&key(hot)).unwrap();
                assert_eq!((hit.tokens(), hit.chars, hit.words), (vec![tok], 2, 1));
                c.insert(&key(200 + j), &[tok], 4, 1);
            }
            assert!(c.get(&key(hot)).is_some());
            // with no more hits, the scans of later inserts clear every mark
            for i in 0..4 * PROBES {
                c.insert(&key(300 + i), &[tok], 4, 1);
            }
            assert!(c.slots.iter().all(|s| s.words & USED == 0));
        }
    }

    /// Runs of four to six tokens are packed in their slot unless a field does not fit (an id from 2^17 on),
    /// then they spill like longer runs; all read back the same.
    #[test]
    fn packed_and_spilled_runs_read_back() {
        let mut c = WordCache::new(1 << 12);
        let tok = |id: u32, k: u8| CachedToken {
            id,
            start: 5 * k,
            end: 5 * k + 3,
            word: k,
        };
        for n in 1..=8u8 {
            for big in [false, true] {
                let toks: Vec<CachedToken> = (0..n)
                    .map(|k| {
                        tok(
                            if big && k == n - 1 {
                                119_547 + (1 << 17)
                            } else {
                                1000 + k as u32
                            },
                            k,
                        )
                    })
                    .collect();
                let key = Key::new(format!("run{n}{big}").as_bytes());
                c.insert(&key, &toks, 32, n as u32);
                let hit = c.get(&key).unwrap();
                assert_eq!(hit.tokens(), toks, "{n} tokens, big id {big}");
                let slot = c
                    .slots
                    .iter()
                    .find(|s| s.len == key.len && s.key == key.words)
                    .unwrap();
                let packed = (4..=6).contains(&n) && !big;
                assert_eq!(slot.spill_at == IN_SLOT, packed, "{n} tokens, big id {big}");
            }
        }
    }

    /// Tables grow only while their budget has room (first-size tables are always granted), and give their
    /// bytes back when dropped.
    #[test]
    fn tables_grow_only_within_their_budget() {
        let slot = size_of::<Slot>();
        let budget: &'static Budget = Box::leak(Box::new(Budget::new(32 * FIRST_SLOTS * slot)));
        let tok = ONE_TOKEN;
        let filled = |tag: &str| {
            let mut c = WordCache::with_budget(16 * FIRST_SLOTS, budget);
            for i in 0..6 * FIRST_SLOTS {
                c.insert(&Key::new(format!("{tag}{i}").as_bytes()), &[tok], 4, 1);
            }
            c
        };
        let (a, b, mut c) = (filled("a"), filled("b"), filled("c"));
        assert_eq!(a.slots.len(), 16 * FIRST_SLOTS);
        assert_eq!(b.slots.len(), 16 * FIRST_SLOTS);
        assert_eq!(
            c.slots.len(),
            FIRST_SLOTS,
            "no room left: stays at its first size"
        );
        assert_eq!(budget.held(), 33 * FIRST_SLOTS * slot);
        assert!(c
            .get(&Key::new(format!("c{}", 6 * FIRST_SLOTS - 1).as_bytes()))
            .is_some());
        drop(a);
        let d = filled("d");
        assert_eq!(d.slots.len(), 4 * FIRST_SLOTS, "room for one growth");
        drop((b, c, d));
        assert_eq!(budget.held(), 0);
    }

    #[test]
    fn grows_while_it_churns_and_keeps_what_it_held() {
        let mut c = WordCache::new(1 << 16);
        let tok = ONE_TOKEN;
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
        assert_eq!(c.get(&key(199_999)).map(|h| h.tokens()), Some(vec![tok]));
    }
}
