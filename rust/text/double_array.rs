//! A double-array trie (Aoe 1989; the layout of darts and of `yada`, which tokenizers 1.x uses): the child of
//! state `s` on byte `b` is `t = base[s] + b`, present when unit `t` holds the label `b`, so a step is one
//! array read instead of a search among the children. WordPiece's longest-prefix walks are most of the time
//! spent on words the run cache has not seen; on multilingual text the packed trie's child search (up to 64
//! labels per node for the second bytes of UTF-8 chars) took ~35 instructions per byte, this takes ~6.
//!
//! Each unit is 32 bits (as in darts-clone): its child base (22 bits), whether a key ends there, and its own
//! label plus one (0: a free unit). Checking the label instead of the parent is exact because no two states
//! share a base: a unit with label `b` at `t` can only be the child of the state whose base is `t - b`. The
//! keys' ids are in a parallel array, read once per walk for the longest match. With 12-byte units (base,
//! parent, id) the walks waited on memory: bert-base-uncased's tries took 0.8 MB, and the run cache's lines
//! pushed them out of L2 between misses (perf: four fifths of WordPiece's time on the unit loads).
//!
//! Written here rather than taken from `yada`: that crate cannot hold keys with a NUL byte (a vocabulary may,
//! and text with `clean_text` off reaches WordPiece with them), and its build is recursive. A trie whose bases
//! do not fit 22 bits (over four million units: no real vocabulary comes near) is kept as the packed `Trie`.

use super::wordpiece::Trie;

const NONE: u32 = u32::MAX;

/// Bits of a unit below its base: the label plus one (9) and the key flag (1).
const BASE_SHIFT: u32 = 10;
const LABEL: u32 = 0x1FF;
const ENDS: u32 = 0x200;
/// Bases from here on do not fit a unit.
const MAX_BASE: usize = 1 << (32 - BASE_SHIFT);

/// A unit while the trie is built: its child base, its parent (NONE: free), its label and id.
#[derive(Clone, Copy, Debug)]
struct Unit {
    base: u32,
    check: u32,
    label: u8,
    value: u32,
}

const FREE: Unit = Unit {
    base: 0,
    check: NONE,
    label: 0,
    value: NONE,
};

#[derive(Clone, Debug)]
pub(crate) struct DoubleArray {
    /// base << BASE_SHIFT | ENDS if a key ends here | (label + 1); unit 0 is the root
    units: Vec<u32>,
    /// the id of the key ending at each unit (NONE elsewhere)
    values: Vec<u32>,
    /// the keys, when the double array would not fit its 22-bit bases
    packed: Option<Box<Trie>>,
}

impl DoubleArray {
    /// Build from `(key, id)` pairs (empty keys are ignored; a repeated key keeps the last id).
    pub(crate) fn build<'a>(items: impl Iterator<Item = (&'a [u8], u32)> + Clone) -> DoubleArray {
        DoubleArray::build_within(items, MAX_BASE)
    }

    /// `build`, with bases below `max_base` (the packed trie beyond).
    fn build_within<'a>(
        items: impl Iterator<Item = (&'a [u8], u32)> + Clone,
        max_base: usize,
    ) -> DoubleArray {
        // a plain trie first: children as sorted (label, node) lists
        let mut nodes: Vec<(Vec<(u8, u32)>, u32)> = vec![(vec![], NONE)];
        for (key, id) in items.clone() {
            if key.is_empty() {
                continue;
            }
            let mut n = 0usize;
            for &b in key {
                n = match nodes[n].0.binary_search_by_key(&b, |&(l, _)| l) {
                    Ok(k) => nodes[n].0[k].1 as usize,
                    Err(k) => {
                        let new = nodes.len() as u32;
                        nodes[n].0.insert(k, (b, new));
                        nodes.push((vec![], NONE));
                        new as usize
                    }
                };
            }
            nodes[n].1 = id;
        }
        // then place each node's children where all their slots are free, breadth first, at a base no other
        // node has. Candidate bases come from a list of free units (base = free unit - first label), not from
        // counting up: with ~10^5 nodes that is the difference between milliseconds and minutes. A free unit
        // that failed as a start `GIVE_UP` times leaves the list (it stays free and may still be taken by a
        // later base).
        const GIVE_UP: u8 = 16;
        let mut units = vec![FREE; 256];
        let mut taken = vec![false; 256];
        let mut free = FreeList::default();
        free.grow(1, 256);
        let mut queue = std::collections::VecDeque::from([(0usize, 0usize)]); // (node, state)
        while let Some((node, state)) = queue.pop_front() {
            let kids = &nodes[node].0;
            if kids.is_empty() {
                continue;
            }
            let lo = kids[0].0 as usize;
            let mut cand = free.first();
            let base = loop {
                // past the end of the list: a fresh base where every slot is a new unit
                let Some(p) = cand else {
                    break units.len().max(lo + 1) - lo;
                };
                cand = free.after(p);
                if p <= lo {
                    continue; // base must be >= 1
                }
                let base = p - lo;
                room(&mut units, &mut taken, &mut free, base);
                if !taken[base]
                    && kids
                        .iter()
                        .all(|&(b, _)| units[base + b as usize].check == NONE)
                {
                    break base;
                }
                if free.fail(p) >= GIVE_UP {
                    free.remove(p);
                }
            };
            if base >= max_base {
                return DoubleArray {
                    units: vec![],
                    values: vec![],
                    packed: Some(Box::new(Trie::build(items))),
                };
            }
            room(&mut units, &mut taken, &mut free, base);
            taken[base] = true;
            units[state].base = base as u32;
            for &(b, child) in kids {
                let t = base + b as usize;
                units[t] = Unit {
                    base: 0,
                    check: state as u32,
                    label: b,
                    value: nodes[child as usize].1,
                };
                free.remove(t);
            }
            for &(b, child) in kids {
                queue.push_back((child as usize, base + b as usize));
            }
        }
        while units.last().is_some_and(|u| u.check == NONE) && units.len() > 1 {
            units.pop();
        }
        let packed = units
            .iter()
            .enumerate()
            .map(|(t, u)| {
                if t == 0 {
                    // the root: its base only (no label: it is nobody's child)
                    u.base << BASE_SHIFT
                } else if u.check == NONE {
                    0
                } else {
                    u.base << BASE_SHIFT
                        | if u.value != NONE { ENDS } else { 0 }
                        | (u.label as u32 + 1)
                }
            })
            .collect();
        DoubleArray {
            units: packed,
            values: units.iter().map(|u| u.value).collect(),
            packed: None,
        }
    }

    /// The longest key that is a prefix of `s`: (its length, its id).
    #[inline]
    pub(crate) fn longest_prefix(&self, s: &[u8]) -> Option<(usize, u32)> {
        if let Some(trie) = &self.packed {
            return trie.longest_prefix(s);
        }
        // (length, unit) of the longest key so far: its id is read once, at the end
        let units = &self.units[..];
        let mut base = (*units.first()? >> BASE_SHIFT) as usize;
        let (mut len, mut at) = (0, 0);
        for (i, &b) in s.iter().enumerate() {
            let t = base + b as usize;
            let Some(&u) = units.get(t) else { break };
            if u & LABEL != b as u32 + 1 {
                break;
            }
            if u & ENDS != 0 {
                (len, at) = (i + 1, t);
            }
            base = (u >> BASE_SHIFT) as usize;
        }
        (len > 0).then(|| (len, self.values[at]))
    }
}

/// Units for every child slot of `base` (base + 0..=255), the new ones free and not taken as bases.
fn room(units: &mut Vec<Unit>, taken: &mut Vec<bool>, free: &mut FreeList, base: usize) {
    if units.len() < base + 256 {
        let old = units.len();
        units.resize(base + 256, FREE);
        taken.resize(base + 256, false);
        free.grow(old, units.len());
    }
}

/// Free units as a doubly linked list in position order (positions that left it are marked out).
#[derive(Default)]
struct FreeList {
    next: Vec<u32>,
    prev: Vec<u32>,
    fails: Vec<u8>,
    listed: Vec<bool>,
    head: u32,
    tail: u32,
}

impl FreeList {
    fn first(&self) -> Option<usize> {
        (self.head != NONE).then_some(self.head as usize)
    }

    fn after(&self, p: usize) -> Option<usize> {
        let n = self.next[p];
        (n != NONE).then_some(n as usize)
    }

    /// Positions `from..to` are new free units, appended in order.
    fn grow(&mut self, from: usize, to: usize) {
        if self.next.is_empty() {
            self.head = NONE;
            self.tail = NONE;
        }
        self.next.resize(to, NONE);
        self.prev.resize(to, NONE);
        self.fails.resize(to, 0);
        self.listed.resize(to, false);
        for p in from..to {
            self.listed[p] = true;
            self.prev[p] = self.tail;
            if self.tail == NONE {
                self.head = p as u32;
            } else {
                self.next[self.tail as usize] = p as u32;
            }
            self.tail = p as u32;
        }
    }

    fn fail(&mut self, p: usize) -> u8 {
        self.fails[p] = self.fails[p].saturating_add(1);
        self.fails[p]
    }

    fn remove(&mut self, p: usize) {
        if !self.listed[p] {
            return;
        }
        self.listed[p] = false;
        let (prev, next) = (self.prev[p], self.next[p]);
        if prev == NONE {
            self.head = next;
        } else {
            self.next[prev as usize] = next;
        }
        if next == NONE {
            self.tail = prev;
        } else {
            self.prev[next as usize] = prev;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::wordpiece::Trie;

    #[test]
    fn equals_the_packed_trie() {
        let mut seed = 3u64;
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as u32
        };
        let mut fallbacks = 0;
        for round in 0..50 {
            // small alphabets (deep, shared prefixes), every byte value now and then (NUL included)
            let alphabet: Vec<u8> = if round % 5 == 0 {
                (0..=255).collect()
            } else {
                b"ab\0\xc3\xa9z".to_vec()
            };
            let keys: Vec<Vec<u8>> = (0..(next() % 400 + 1))
                .map(|_| {
                    (0..next() % 6 + 1)
                        .map(|_| alphabet[next() as usize % alphabet.len()])
                        .collect()
                })
                .collect();
            let items = || {
                keys.iter()
                    .enumerate()
                    .map(|(i, k)| (k.as_slice(), i as u32))
            };
            // small limits on the bases send larger tries to the packed fallback, which must agree too
            let max_base = [MAX_BASE, 600][round % 2];
            let (da, trie) = (
                DoubleArray::build_within(items(), max_base),
                Trie::build(items()),
            );
            if max_base == MAX_BASE {
                assert!(da.packed.is_none());
            } else {
                fallbacks += usize::from(da.packed.is_some());
            }
            for _ in 0..300 {
                let q: Vec<u8> = (0..next() % 8)
                    .map(|_| alphabet[next() as usize % alphabet.len()])
                    .collect();
                assert_eq!(
                    da.longest_prefix(&q),
                    trie.longest_prefix(&q),
                    "round {round} {q:?}"
                );
            }
            for k in &keys {
                assert_eq!(da.longest_prefix(k), trie.longest_prefix(k));
            }
        }
        assert!(
            fallbacks > 0 && fallbacks < 25,
            "{fallbacks} packed fallbacks"
        );
        for q in [&b"a"[..], b"\0", b""] {
            assert_eq!(
                DoubleArray::build(std::iter::empty()).longest_prefix(q),
                None
            );
        }
    }
}
