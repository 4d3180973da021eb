//! A double-array trie (Aoe 1989; the layout of darts and of `yada`, which tokenizers 1.x uses): the child of
//! state `s` on byte `b` is `t = base[s] + b`, present when `check[t] == s`, so a step is one array read
//! instead of a search among the children. WordPiece's longest-prefix walks are most of the time spent on
//! words the run cache has not seen; on multilingual text the packed trie's child search (up to 64 labels per
//! node for the second bytes of UTF-8 chars) took ~35 instructions per byte, this takes ~6.
//!
//! Written here rather than taken from `yada`: that crate cannot hold keys with a NUL byte (a vocabulary may,
//! and text with `clean_text` off reaches WordPiece with them), and its build is recursive.

const NONE: u32 = u32::MAX;

#[derive(Clone, Copy, Debug)]
#[repr(C)]
struct Unit {
    base: u32,
    /// the parent state; NONE for a free unit (and the root)
    check: u32,
    /// the id of the key ending here, or NONE
    value: u32,
}

const FREE: Unit = Unit {
    base: 0,
    check: NONE,
    value: NONE,
};

#[derive(Clone, Debug)]
pub(crate) struct DoubleArray {
    units: Vec<Unit>,
}

impl DoubleArray {
    /// Build from `(key, id)` pairs (empty keys are ignored; a repeated key keeps the last id).
    pub(crate) fn build<'a>(items: impl Iterator<Item = (&'a [u8], u32)>) -> DoubleArray {
        // a plain trie first: children as sorted (label, node) lists
        let mut nodes: Vec<(Vec<(u8, u32)>, u32)> = vec![(vec![], NONE)];
        for (key, id) in items {
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
        // then place each node's children where all their slots are free, breadth first. Candidate bases
        // come from a list of free units (base = free unit - first label), not from counting up: with ~10^5
        // nodes that is the difference between milliseconds and minutes. A free unit that failed as a
        // start `GIVE_UP` times leaves the list (it stays free and may still be taken by a later base).
        const GIVE_UP: u8 = 16;
        let mut units = vec![FREE; 256];
        units[0].value = nodes[0].1;
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
                room(&mut units, &mut free, base);
                if kids
                    .iter()
                    .all(|&(b, _)| units[base + b as usize].check == NONE)
                {
                    break base;
                }
                if free.fail(p) >= GIVE_UP {
                    free.remove(p);
                }
            };
            room(&mut units, &mut free, base);
            units[state].base = base as u32;
            for &(b, child) in kids {
                let t = base + b as usize;
                units[t].check = state as u32;
                units[t].value = nodes[child as usize].1;
                free.remove(t);
            }
            for &(b, child) in kids {
                queue.push_back((child as usize, base + b as usize));
            }
        }
        while units.last().is_some_and(|u| u.check == NONE) && units.len() > 1 {
            units.pop();
        }
        units.shrink_to_fit();
        DoubleArray { units }
    }

    /// The longest key that is a prefix of `s`: (its length, its id).
    #[inline]
    pub(crate) fn longest_prefix(&self, s: &[u8]) -> Option<(usize, u32)> {
        let mut best = None;
        // the state and its unit's base, carried from the unit just read (not read again by index)
        let (mut state, mut base) = match self.units.first() {
            Some(root) => (0usize, root.base as usize),
            None => return None,
        };
        for (i, &b) in s.iter().enumerate() {
            let t = base + b as usize;
            match self.units.get(t) {
                Some(u) if u.check == state as u32 => {
                    if u.value != NONE {
                        best = Some((i + 1, u.value));
                    }
                    (state, base) = (t, u.base as usize);
                }
                _ => break,
            }
        }
        best
    }
}

/// Units for every child slot of `base` (base + 0..=255), the new ones free.
fn room(units: &mut Vec<Unit>, free: &mut FreeList, base: usize) {
    if units.len() < base + 256 {
        let old = units.len();
        units.resize(base + 256, FREE);
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
            let (da, trie) = (DoubleArray::build(items()), Trie::build(items()));
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
        assert_eq!(
            DoubleArray::build(std::iter::empty()).longest_prefix(b"a"),
            None
        );
    }
}
