//! The run cache path (`cached_piece`): text cut into runs at ASCII whitespace and punctuation with a SIMD
//! byte-class scan (scan.rs), each run looked up in the per-thread run cache (word_cache.rs), and made by the
//! ASCII or fused path of `paths` on a miss. Long non-ASCII runs, and short ones holding CJK, kana or hangul
//! that miss, are cut further (`split_run`). `encode_piece` sends every piece here when no added token is
//! normalized; `tests` forces it against the general path.

use super::{Sequence, Tokenizer, Work};
use crate::text::scan::{self, ByteSet};
use crate::text::unicode::{class, ASCII, CHINESE, DROP, PUNCT, SPACE};
use crate::text::word_cache::{CachedToken, Key, WordCache, MAX_KEY};
use std::sync::OnceLock;

/// How a run that misses the run cache is tokenized.
#[derive(Clone, Copy)]
enum Miss {
    /// ASCII: the byte path
    Ascii,
    /// the fused path, as one stretch
    Fused,
    /// cut further at whitespace, punctuation and CJK first (`split_run`)
    Split,
}

/// The bytes where the fast path cuts text into runs: ASCII whitespace that is not dropped first, and ASCII
/// punctuation (a word of its own). With `clean_text`, \x0b and \x0c are dropped controls, not whitespace.
fn cut_set(clean_text: bool) -> &'static ByteSet {
    static SETS: [OnceLock<ByteSet>; 2] = [OnceLock::new(), OnceLock::new()];
    SETS[clean_text as usize].get_or_init(|| {
        ByteSet::new(|b| {
            let f = ASCII[(b & 0x7f) as usize];
            b < 0x80 && ((f & SPACE != 0 && !(clean_text && f & DROP != 0)) || f & PUNCT != 0)
        })
    })
}

/// The char that `p` starts with and its length in bytes: `p` is valid UTF-8 from a char boundary on, with at
/// least 4 bytes (the padded text). Decoded by hand: `str::chars` checked each step again, a tenth of
/// `split_run`'s time.
#[inline]
fn decode(p: &[u8]) -> (char, usize) {
    let x = u32::from(p[0]);
    let cont = |k: usize| u32::from(p[k]) & 0x3F;
    let (cp, n) = if x < 0x80 {
        (x, 1)
    } else if x < 0xE0 {
        ((x & 0x1F) << 6 | cont(1), 2)
    } else if x < 0xF0 {
        ((x & 0x0F) << 12 | cont(1) << 6 | cont(2), 3)
    } else {
        ((x & 0x07) << 18 | cont(1) << 12 | cont(2) << 6 | cont(3), 4)
    };
    // always a char: the bytes are valid UTF-8
    (char::from_u32(cp).unwrap_or(char::REPLACEMENT_CHARACTER), n)
}

/// (whether `s` is ASCII, its UTF-8 continuation bytes). Counted in u8 lanes, 255 bytes at a time, which the
/// compiler vectorizes 16 bytes to an instruction (usize counters per byte went 2 bytes at a time).
#[inline]
fn count_utf8(s: &[u8]) -> (bool, usize) {
    let (mut any, mut cont) = (0u8, 0usize);
    for chunk in s.chunks(255) {
        let mut c = 0u8;
        for &b in chunk {
            any |= b;
            // 0x80..=0xBF are the i8 values below -64
            c += u8::from((b as i8) < -64);
        }
        cont += usize::from(c);
    }
    (any < 0x80, cont)
}

/// How many runs `split_run` finds before the first of them is tokenized: their cache slots load in the
/// meantime (a probe that waited for memory was a fifth of the time).
const AHEAD: usize = 8;

/// `cached_piece` looks its runs up this many at a time, each between HALF and 2 * HALF runs after it was
/// found (and its slot prefetched).
const HALF: usize = 8;

/// The runs `cached_piece` found and has not tokenized yet, in two halves: when both are full, the older is
/// tokenized (`resolve`, one call per HALF runs, whose loop keeps the lookup and the output in registers) and
/// the newer moved down. Tokenizing each run by a call from the scan loop, through a lookahead ring like
/// `Ahead`, took 8% more instructions on English text. Kept in `Work` between texts.
pub(super) struct Found {
    runs: [Pending; 2 * HALF],
}

impl Found {
    fn new() -> Found {
        Found {
            runs: [Pending::default(); 2 * HALF],
        }
    }
}

/// What a run found and not yet tokenized is, and so which path it takes.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
enum Kind {
    /// an ASCII run of `cached_piece`: the run cache, the byte path on a miss
    #[default]
    Ascii,
    /// a run of `cached_piece` holding non-ASCII chars: the run cache, `split_run` on a miss
    Split,
    /// a stretch of `split_run`: the run cache, the fused path on a miss, and never cut again
    Stretch,
    /// a stretch that is the entire run, which the caller looked up already: the fused path
    Whole,
    /// an isolated CJK ideograph whose token is known (`Pending::id`): no lookup
    Direct,
}

/// A run found and not yet tokenized (40 bytes: the ring is written and read once per run, and its key was
/// half of the 80 bytes it took when kept whole).
#[derive(Clone, Copy, Default)]
struct Pending {
    /// bytes of the text it was found in
    start: usize,
    end: usize,
    /// the hash of its cache key (runs up to MAX_KEY bytes); the key's bytes are read again when it is looked
    /// up
    hash: u64,
    /// its first char in the text, and its chars
    cpos: u32,
    chars: u32,
    /// Kind::Direct: its token
    id: u32,
    kind: Kind,
}

/// The runs `split_run` found and not yet tokenized, oldest first. Kept in `Work` between texts
/// (`Work::ahead`): making a fresh one zeroed it per text, 1% of the time on English when `cached_piece` used
/// one too.
pub(super) struct Ahead {
    runs: [Pending; AHEAD],
    first: usize,
    queued: usize,
}

impl Ahead {
    fn new() -> Ahead {
        Ahead {
            runs: [Pending::default(); AHEAD],
            first: 0,
            queued: 0,
        }
    }

    /// The oldest run, taken off the queue when it is full (by reference: returning the 80-byte run by value
    /// made the compiler reload it from the stack right after writing it, a store-forwarding stall that was
    /// a tenth of the scan loop's time).
    #[inline]
    fn oldest_if_full(&mut self) -> Option<&Pending> {
        (self.queued == AHEAD).then(|| {
            let at = self.first;
            self.first = (self.first + 1) % AHEAD;
            self.queued -= 1;
            &self.runs[at]
        })
    }

    /// Queue `run` (there is room: `oldest_if_full` was called), its cache slots prefetched.
    #[inline]
    fn push(&mut self, cache: &WordCache, run: Pending) {
        if run.end - run.start <= MAX_KEY && !matches!(run.kind, Kind::Whole | Kind::Direct) {
            cache.prefetch(run.hash);
        }
        self.runs[(self.first + self.queued) % AHEAD] = run;
        self.queued += 1;
    }

    /// The queued runs, oldest first, leaving the queue empty.
    fn drain(&mut self) -> impl Iterator<Item = &Pending> + '_ {
        let (first, queued) = (self.first, self.queued);
        (self.first, self.queued) = (0, 0);
        let runs = &self.runs;
        (0..queued).map(move |k| &runs[(first + k) % AHEAD])
    }
}

impl Tokenizer {
    /// Text cut into runs at ASCII whitespace and ASCII punctuation (each punctuation byte a run of its own),
    /// each run looked up in the run cache, and tokenized by `ascii_piece` or `fused_piece` on a miss.
    ///
    /// Why a run tokenizes the same wherever it occurs: whitespace ends every word and every NFD segment,
    /// and an ASCII punctuation char is a word of its own, a starter (NFD
    /// never reorders across it) that no normalization changes; every other step (cleaning, CJK isolation,
    /// accent stripping, lowercasing, WordPiece) works char by char or word by word. A control char that
    /// clean_text drops is not a cut: the word goes on across it. So a run's tokens depend on its bytes only,
    /// and are stored with offsets relative to its first char and word indices relative to its first word.
    ///
    /// The text is copied into a zero-padded buffer first, so that 64-byte blocks (scan.rs) and 32-byte keys
    /// load whole words with no bounds to check.
    pub(super) fn cached_piece(
        &self,
        piece: &str,
        base: u32,
        word_override: Option<u32>,
        word_idx: &mut u32,
        w: &mut Work,
        out: &mut Sequence,
    ) {
        let bytes = piece.as_bytes();
        let n = bytes.len();
        let mut pad = std::mem::take(&mut w.pad);
        pad.clear();
        pad.extend_from_slice(bytes);
        pad.resize(n.next_multiple_of(64) + MAX_KEY, 0);
        let cuts = cut_set(self.normalizer.clean_text);
        let level = scan::detected();
        // moved out (not swapped for a fresh default one: building and dropping that cost ~130 instructions per
        // text)
        let mut cache = w.cache.take().unwrap_or_default();
        // the block holding `i`: its start and masks (cut bits past the end, so runs stop there)
        let block = |at: usize| {
            let mut m = scan::masks(level, cuts, &pad[at..at + 64]);
            if n < at + 64 {
                m.cut |= u64::MAX << (n - at);
            }
            m
        };
        let (mut bb, mut m) = (
            0,
            if n > 0 {
                block(0)
            } else {
                scan::Masks::default()
            },
        );
        // runs found but not yet tokenized: their cache slots are being loaded meanwhile
        let mut found = w.found.take().unwrap_or_else(|| Box::new(Found::new()));
        let (runs, mut count) = (&mut found.runs, 0);
        let pad_ref = &pad;
        let mut resolve = |runs: &[Pending], cache: &mut WordCache| {
            self.resolve(runs, cache, pad_ref, piece, word_override, word_idx, w, out)
        };
        let (mut i, mut cpos) = (0usize, base);
        while i < n {
            if i >= bb + 64 {
                bb = i & !63;
                m = block(bb);
            }
            let rel = i - bb;
            let b = pad[i];
            let e = if m.cut >> rel & 1 == 1 {
                if ASCII[b as usize] & PUNCT == 0 {
                    // whitespace: one char, no token
                    i += 1;
                    cpos += 1;
                    continue;
                }
                i + 1
            } else {
                let rest = m.cut >> rel;
                if rest != 0 {
                    i + rest.trailing_zeros() as usize
                } else {
                    // the run goes on into the next blocks
                    let mut at = bb + 64;
                    loop {
                        if at >= n {
                            break n;
                        }
                        let mm = block(at);
                        if mm.cut != 0 {
                            break at + mm.cut.trailing_zeros() as usize;
                        }
                        at += 64;
                    }
                }
            };
            let len = e - i;
            // chars of the run: bytes minus continuation bytes, from the block's masks when the run ends in it
            let (ascii, chars) = if len <= 64 - rel && m.non_ascii >> rel << (64 - len) == 0 {
                (true, len as u32)
            } else if len <= 64 - rel {
                let span = u64::MAX >> (64 - len) << rel;
                (false, (len - (m.cont & span).count_ones() as usize) as u32)
            } else {
                let (ascii, cont) = count_utf8(&pad[i..e]);
                (ascii, (len - cont) as u32)
            };
            let hash = if len <= MAX_KEY {
                Key::from_padded(&pad, i, len).hash()
            } else {
                0
            };
            let run = Pending {
                start: i,
                end: e,
                hash,
                cpos,
                chars,
                id: 0,
                kind: if ascii { Kind::Ascii } else { Kind::Split },
            };
            if len <= MAX_KEY {
                cache.prefetch(hash);
            }
            runs[count] = run;
            count += 1;
            if count == 2 * HALF {
                resolve(&runs[..HALF], &mut cache);
                runs.copy_within(HALF.., 0);
                count = HALF;
            }
            cpos += chars;
            i = e;
            // the space after a word (most runs end at one) is skipped here rather than by a turn of the loop;
            // past the end the padding is zeros
            if pad[i] == b' ' {
                i += 1;
                cpos += 1;
            }
        }
        resolve(&runs[..count], &mut cache);
        w.found = Some(found);
        w.cache = Some(cache);
        w.pad = pad;
    }

    /// Tokenize runs that `cached_piece` found, in order: short ones by `cached_run` (inlined in this loop),
    /// long ones by `pending_run`.
    #[allow(clippy::too_many_arguments)]
    #[inline(never)]
    fn resolve(
        &self,
        runs: &[Pending],
        cache: &mut WordCache,
        pad: &[u8],
        piece: &str,
        word_override: Option<u32>,
        word_idx: &mut u32,
        w: &mut Work,
        out: &mut Sequence,
    ) {
        for run in runs {
            let (i, e) = (run.start, run.end);
            if e - i > MAX_KEY {
                self.pending_run(cache, pad, piece, run, word_override, word_idx, w, out);
                continue;
            }
            let miss = if run.kind == Kind::Ascii {
                Miss::Ascii
            } else {
                Miss::Split
            };
            self.cached_run(
                cache,
                &Key::from_padded_hashed(pad, i, e - i, run.hash),
                &pad[i..],
                || &piece[i..e],
                run.chars,
                miss,
                run.cpos,
                word_override,
                word_idx,
                w,
                out,
            );
        }
    }

    /// Tokenize a long run that `cached_piece` found or a run of `split_run` (`piece` is what it was found in,
    /// `pad` the same text padded): from the cache, or by the ASCII, fused or split path.
    #[allow(clippy::too_many_arguments)]
    #[inline]
    fn pending_run(
        &self,
        cache: &mut WordCache,
        pad: &[u8],
        piece: &str,
        run: &Pending,
        word_override: Option<u32>,
        word_idx: &mut u32,
        w: &mut Work,
        out: &mut Sequence,
    ) {
        let (i, e) = (run.start, run.end);
        // the run's text is sliced only where it is read (a miss): checking the slice's char boundaries was
        // 4% of the hit path
        let text = || &piece[i..e];
        match run.kind {
            Kind::Direct => direct(run, word_override, word_idx, out),
            Kind::Whole => self.fused_piece(text(), run.cpos, word_override, word_idx, w, out),
            Kind::Stretch if e - i <= MAX_KEY => self.cached_run(
                cache,
                &Key::from_padded_hashed(pad, i, e - i, run.hash),
                &pad[i..],
                text,
                run.chars,
                Miss::Fused,
                run.cpos,
                word_override,
                word_idx,
                w,
                out,
            ),
            Kind::Stretch => self.fused_piece(text(), run.cpos, word_override, word_idx, w, out),
            // long runs of `cached_piece` (`resolve` looks the short ones up itself); long ASCII runs (URLs,
            // paths) are rarely seen twice
            Kind::Ascii => {
                self.ascii_piece(text().as_bytes(), run.cpos, word_override, word_idx, w, out)
            }
            Kind::Split => self.split_run(
                cache,
                &pad[i..],
                text(),
                run.cpos,
                word_override,
                word_idx,
                w,
                out,
            ),
        }
    }

    /// The tokens of a run (its text `run`, sliced on a miss only: at most MAX_KEY bytes, `chars` chars, at
    /// char `cpos`) from the run cache, or, on a miss, made as `miss` says and remembered (`missed_run`).
    /// `pad` is the padded text from the run on (at least MAX_KEY bytes past the run's start). Inlined into
    /// `resolve`'s loop, where a call per run cost 7% of the instructions on English text.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn cached_run<'a>(
        &self,
        cache: &mut WordCache,
        key: &Key,
        pad: &[u8],
        run: impl FnOnce() -> &'a str,
        chars: u32,
        miss: Miss,
        cpos: u32,
        word_override: Option<u32>,
        word_idx: &mut u32,
        w: &mut Work,
        out: &mut Sequence,
    ) {
        if let Some(hit) = cache.get(key) {
            emit_hit(&hit, cpos, word_override, word_idx, out);
            return;
        }
        self.missed_run(
            cache,
            key,
            pad,
            run(),
            chars,
            miss,
            cpos,
            word_override,
            word_idx,
            w,
            out,
        );
    }

    /// `cached_run` on a miss: the run made as `miss` says, and remembered.
    #[allow(clippy::too_many_arguments)]
    #[inline(never)]
    fn missed_run(
        &self,
        cache: &mut WordCache,
        key: &Key,
        pad: &[u8],
        run: &str,
        chars: u32,
        miss: Miss,
        cpos: u32,
        word_override: Option<u32>,
        word_idx: &mut u32,
        w: &mut Work,
        out: &mut Sequence,
    ) {
        let (from, first_word) = (out.ids.len(), *word_idx);
        let (skip_o, skip_w) = (out.skip_offsets, out.skip_words);
        (out.skip_offsets, out.skip_words) = (false, false);
        // offsets and words may be shorter than ids (skipped, or cleared between texts by the flat encoders):
        // the run's own are the last ones
        let (from_o, from_w) = (out.offsets.len(), out.words.len());
        match miss {
            Miss::Ascii => self.ascii_piece(run.as_bytes(), cpos, word_override, word_idx, w, out),
            Miss::Fused => self.fused_piece(run, cpos, word_override, word_idx, w, out),
            // cut further only where that finds runs seen elsewhere: CJK, kana and hangul (3-byte chars from
            // U+3000 on) are cut into ideographs and the words between them; a word of other scripts is one
            // stretch, which the fused path takes at once
            Miss::Split if run.bytes().fold(false, |a, b| a | (b >= 0xE3)) => {
                self.split_run(cache, pad, run, cpos, word_override, word_idx, w, out)
            }
            Miss::Split => self.fused_piece(run, cpos, word_override, word_idx, w, out),
        }
        // pre-split words carry their word's index instead of the run's: not kept
        if word_override.is_none() {
            w.cached.clear();
            let mut fits = true;
            for j in 0..out.ids.len() - from {
                let (s, t) = out.offsets[from_o + j];
                let rel = |x: u32| u8::try_from(x - cpos).ok();
                match (
                    rel(s),
                    rel(t),
                    u8::try_from(out.words[from_w + j] - first_word),
                ) {
                    (Some(start), Some(end), Ok(word)) => w.cached.push(CachedToken {
                        id: out.ids[from + j],
                        start,
                        end,
                        word,
                    }),
                    _ => fits = false,
                }
            }
            if fits {
                cache.insert(key, &w.cached, chars, *word_idx - first_word);
            }
        }
        if skip_o {
            out.offsets.truncate(from_o);
        }
        if skip_w {
            out.words.truncate(from_w);
        }
        (out.skip_offsets, out.skip_words) = (skip_o, skip_w);
    }

    /// A run holding non-ASCII chars, cut further at the chars that are always words of their own or
    /// whitespace: non-ASCII whitespace (not dropped first), punctuation, and CJK ideographs when they are
    /// isolated (the normalizer puts spaces around them before anything else). So a sentence of CJK text is
    /// single ideographs, whose tokens come from the vocabulary's table (`WordPiece::ideograph`), and the kana
    /// or hangul words between them, each looked up in the run cache (a few ahead, as in `cached_piece`). The
    /// same reasoning as for ASCII cuts holds: such a char is a starter (NFD reorders no mark across it; the
    /// few with a canonical decomposition decompose into the same kind of char) that no step joins to a
    /// neighbour. `pad` is the padded text from the run on.
    #[allow(clippy::too_many_arguments)]
    fn split_run(
        &self,
        cache: &mut WordCache,
        pad: &[u8],
        run: &str,
        cpos: u32,
        word_override: Option<u32>,
        word_idx: &mut u32,
        w: &mut Work,
        out: &mut Sequence,
    ) {
        let nm = self.normalizer;
        // its own lookahead ring: `cached_piece` keeps its runs in `Found`
        let mut ahead = w.ahead.take().unwrap_or_else(|| Box::new(Ahead::new()));
        // ideographs here, not in `pending_run`, which is not inlined into this loop (it calls it back): a call
        // per ideograph was a fifth of the time on Chinese text
        let mut tokenize = |cache: &mut WordCache, p: &Pending| {
            if p.kind == Kind::Direct {
                direct(p, word_override, word_idx, out);
            } else {
                self.pending_run(cache, pad, run, p, word_override, word_idx, w, out);
            }
        };
        let stretch = |start: usize, end: usize, cpos: u32, chars: u32| {
            let whole = start == 0 && end == run.len();
            Pending {
                start,
                end,
                hash: if end - start <= MAX_KEY && !whole {
                    Key::from_padded(pad, start, end - start).hash()
                } else {
                    0
                },
                cpos,
                chars,
                id: 0,
                kind: if whole { Kind::Whole } else { Kind::Stretch },
            }
        };
        // queue a run found, tokenizing the oldest queued one when the ring is full; an ideograph with nothing
        // queued before it (a run of Chinese) is tokenized at once, as it has no slot to wait for
        let mut queue = |cache: &mut WordCache, next: Pending| {
            if next.kind == Kind::Direct && ahead.queued == 0 {
                tokenize(cache, &next);
                return;
            }
            if let Some(oldest) = ahead.oldest_if_full() {
                tokenize(cache, oldest);
            }
            ahead.push(cache, next);
        };
        // the current stretch: its first byte and char, and the char at the loop's position
        let (mut s, mut cs, mut ci) = (0usize, cpos, cpos);
        let mut b = 0;
        while b < run.len() {
            let (c, n) = decode(&pad[b..]);
            // an ideograph of the vocabulary's table (U+4E00..=U+9FFF: CJK, never whitespace, punctuation, a
            // dropped char, a mark, or changed by NFD or lowercasing; `ideographs_are_plain_cjk` checks each) is a
            // one-char word whose token is known, found before the char's class is read
            if let Some(id) = self.model.ideograph(c).filter(|_| nm.handle_chinese_chars) {
                if s < b {
                    queue(cache, stretch(s, b, cs, ci - cs));
                }
                let next = Pending {
                    start: b,
                    end: b + n,
                    hash: 0,
                    cpos: ci,
                    chars: 1,
                    id,
                    kind: Kind::Direct,
                };
                queue(cache, next);
                b += n;
                ci += 1;
                (s, cs) = (b, ci);
                continue;
            }
            let f = class(c);
            let space = f & SPACE != 0 && !(nm.clean_text && f & DROP != 0);
            let alone = f & PUNCT != 0 || (nm.handle_chinese_chars && f & CHINESE != 0);
            if space || alone {
                if s < b {
                    queue(cache, stretch(s, b, cs, ci - cs));
                }
                if alone {
                    queue(cache, stretch(b, b + n, ci, 1));
                }
                (s, cs) = (b + n, ci + 1);
            }
            ci += 1;
            b += n;
        }
        if s < run.len() {
            queue(cache, stretch(s, run.len(), cs, ci - cs));
        }
        for p in ahead.drain() {
            tokenize(cache, p);
        }
        w.ahead = Some(ahead);
    }
}

/// The tokens of a run found in the run cache, at char `cpos`.
#[inline(always)]
fn emit_hit(
    hit: &crate::text::word_cache::Hit<'_>,
    cpos: u32,
    word_override: Option<u32>,
    word_idx: &mut u32,
    out: &mut Sequence,
) {
    let wi = *word_idx;
    let emit = |t: CachedToken| {
        out.ids.push(t.id);
        if !out.skip_offsets {
            out.offsets
                .push((cpos + t.start as u32, cpos + t.end as u32));
        }
        if !out.skip_words {
            out.words.push(word_override.unwrap_or(wi + t.word as u32));
        }
    };
    hit.for_each(emit);
    *word_idx += hit.words;
}

/// The token of an isolated ideograph (`Kind::Direct`), one char and one word.
#[inline(always)]
fn direct(run: &Pending, word_override: Option<u32>, word_idx: &mut u32, out: &mut Sequence) {
    out.ids.push(run.id);
    if !out.skip_offsets {
        out.offsets.push((run.cpos, run.cpos + 1));
    }
    if !out.skip_words {
        out.words.push(word_override.unwrap_or(*word_idx));
    }
    *word_idx += 1;
}

#[cfg(test)]
mod tests {
    use super::{count_utf8, decode};
    use crate::text::unicode::{class, CHINESE, DROP, MARK, NFD, PUNCT, SPACE, UPPER};
    use crate::text::wordpiece::IDEOGRAPHS;

    /// What `split_run` takes for granted of the chars of the ideograph table: each is a CJK char alone,
    /// which no step changes or drops.
    #[test]
    fn ideographs_are_plain_cjk() {
        for c in IDEOGRAPHS.filter_map(char::from_u32) {
            let f = class(c);
            assert_eq!(
                f & (CHINESE | PUNCT | NFD | SPACE | DROP | MARK | UPPER),
                CHINESE,
                "U+{:04X}",
                c as u32
            );
        }
    }

    #[test]
    fn count_utf8_counts_continuation_bytes() {
        let text = "aé中😀".repeat(200);
        for (from, to) in [
            (0, 0),
            (0, 1),
            (0, 3),
            (1, 6),
            (0, text.len()),
            (7, text.len() - 4),
        ] {
            let s = &text.as_bytes()[from..to];
            let cont = s.iter().filter(|&&b| b & 0xC0 == 0x80).count();
            assert_eq!(count_utf8(s), (s.is_ascii(), cont), "{from}..{to}");
        }
    }

    #[test]
    fn decode_equals_str_chars_on_every_char() {
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            let mut p = [0u8; 8];
            let n = c.encode_utf8(&mut p).len();
            assert_eq!(decode(&p), (c, n), "U+{:04X}", c as u32);
        }
    }
}
