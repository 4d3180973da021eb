//! Encodings and what happens after the model: truncation with overflow, the BERT template, padding.
//!
//! Mirrors tokenizers 0.23.3: tokenizer/encoding.rs (`truncate`, `merge_with`, `pad`),
//! utils/truncation.rs (`truncate_encodings`), processors/bert.rs and utils/padding.rs.

use crate::memory::{self, AllocError};

/// No word / no sequence (special tokens and padding).
pub const NO_WORD: u32 = u32::MAX;
pub const NO_SEQ: u8 = u8::MAX;

/// One encoded row. Offsets are character spans in the sequence (text or word) each token came from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Encoding {
    pub ids: Vec<u32>,
    pub type_ids: Vec<u32>,
    pub offsets: Vec<(u32, u32)>,
    pub special_tokens_mask: Vec<u32>,
    pub attention_mask: Vec<u32>,
    pub words: Vec<u32>,
    pub sequence_ids: Vec<u8>,
    pub overflowing: Vec<Encoding>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Left,
    Right,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TruncationStrategy {
    LongestFirst,
    OnlyFirst,
    OnlySecond,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Truncation {
    pub max_length: usize,
    pub strategy: TruncationStrategy,
    pub stride: usize,
    pub side: Side,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Padding {
    /// None: pad to the longest row of the batch
    pub length: Option<usize>,
    pub pad_to_multiple_of: Option<usize>,
    pub side: Side,
    pub pad_id: u32,
    pub pad_type_id: u32,
}

impl Padding {
    /// The length every row of a batch is padded to: the fixed length, else `longest()` (the longest row),
    /// rounded up to `pad_to_multiple_of`.
    pub fn target(&self, longest: impl FnOnce() -> usize) -> usize {
        let mut target = self.length.unwrap_or_else(longest);
        if let Some(m) = self.pad_to_multiple_of.filter(|&m| m > 0) {
            if !target.is_multiple_of(m) {
                // saturating: a target past usize is refused when the rows are padded (`pad`), not wrapped
                target = target.saturating_add(m - target % m);
            }
        }
        target
    }
}

impl Encoding {
    /// A sequence straight from the model: ids, offsets and word indices, all with one type id and sequence id.
    pub fn from_sequence(
        ids: Vec<u32>,
        offsets: Vec<(u32, u32)>,
        words: Vec<u32>,
        seq: u8,
    ) -> Encoding {
        let n = ids.len();
        Encoding {
            ids,
            type_ids: vec![seq as u32; n],
            offsets,
            special_tokens_mask: vec![0; n],
            attention_mask: vec![1; n],
            words,
            sequence_ids: vec![seq; n],
            overflowing: vec![],
        }
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    fn slice(&self, start: usize, stop: usize) -> Encoding {
        Encoding {
            ids: self.ids[start..stop].to_vec(),
            type_ids: self.type_ids[start..stop].to_vec(),
            offsets: self.offsets[start..stop].to_vec(),
            special_tokens_mask: self.special_tokens_mask[start..stop].to_vec(),
            attention_mask: self.attention_mask[start..stop].to_vec(),
            words: self.words[start..stop].to_vec(),
            sequence_ids: self.sequence_ids[start..stop].to_vec(),
            overflowing: vec![],
        }
    }

    /// Keep `max_len` tokens; the rest becomes overflowing pieces of `max_len` tokens overlapping by `stride`.
    /// A stride that leaves no progress is refused (tokenizers panics there).
    pub fn truncate(
        &mut self,
        max_len: usize,
        stride: usize,
        side: Side,
    ) -> Result<(), TruncationError> {
        let n = self.len();
        if max_len >= n {
            return Ok(());
        }
        if max_len == 0 {
            let whole = std::mem::take(self);
            self.overflowing.push(whole);
            return Ok(());
        }
        if stride >= max_len {
            return Err(TruncationError::StrideTooLarge { stride, max_len });
        }
        let step = max_len - stride;
        let mut ranges = vec![];
        match side {
            Side::Right => {
                let mut start = 0;
                loop {
                    let stop = (start + max_len).min(n);
                    ranges.push((start, stop));
                    if stop == n {
                        break;
                    }
                    start += step;
                }
            }
            Side::Left => {
                let mut stop = n;
                loop {
                    let start = stop.saturating_sub(max_len);
                    ranges.push((start, stop));
                    if start == 0 || stop <= step {
                        break;
                    }
                    stop -= step;
                }
            }
        }
        let mut first = self.slice(ranges[0].0, ranges[0].1);
        first.overflowing = ranges[1..].iter().map(|&(a, b)| self.slice(a, b)).collect();
        *self = first;
        Ok(())
    }

    fn extend(&mut self, other: &Encoding) {
        self.ids.extend_from_slice(&other.ids);
        self.type_ids.extend_from_slice(&other.type_ids);
        self.offsets.extend_from_slice(&other.offsets);
        self.special_tokens_mask
            .extend_from_slice(&other.special_tokens_mask);
        self.attention_mask.extend_from_slice(&other.attention_mask);
        self.words.extend_from_slice(&other.words);
        self.sequence_ids.extend_from_slice(&other.sequence_ids);
    }

    /// `merge_with(pair)`: concatenation, and overflowing pieces combined in tokenizers' order
    /// (each own piece with the pair, then with each pair piece; then self with each pair piece).
    pub fn merge_with(&mut self, pair: Encoding) {
        let mut overflowing = vec![];
        for o in &self.overflowing {
            let mut n = o.clone();
            n.extend(&pair);
            overflowing.push(n);
            for po in &pair.overflowing {
                let mut n = o.clone();
                n.extend(po);
                overflowing.push(n);
            }
        }
        for po in &pair.overflowing {
            let mut n = self.clone();
            n.overflowing.clear();
            n.extend(po);
            overflowing.push(n);
        }
        self.extend(&pair);
        self.overflowing = overflowing;
    }

    /// Pad to `target` (overflowing pieces too, as tokenizers does). The target comes from the user
    /// (`max_length`): a row that cannot grow to it is an error, not an abort.
    pub fn pad(&mut self, target: usize, p: &Padding) -> Result<(), AllocError> {
        for o in &mut self.overflowing {
            o.pad(target, p)?;
        }
        let n = self.len();
        if n >= target {
            return Ok(());
        }
        let k = target - n;
        fn put<T: Clone>(v: &mut Vec<T>, k: usize, x: T, side: Side) -> Result<(), AllocError> {
            memory::reserve(v, k)?;
            match side {
                Side::Right => v.extend(std::iter::repeat_n(x, k)),
                Side::Left => {
                    v.splice(0..0, std::iter::repeat_n(x, k));
                }
            }
            Ok(())
        }
        put(&mut self.ids, k, p.pad_id, p.side)?;
        put(&mut self.type_ids, k, p.pad_type_id, p.side)?;
        put(&mut self.offsets, k, (0, 0), p.side)?;
        put(&mut self.special_tokens_mask, k, 1, p.side)?;
        put(&mut self.attention_mask, k, 0, p.side)?;
        put(&mut self.words, k, NO_WORD, p.side)?;
        put(&mut self.sequence_ids, k, NO_SEQ, p.side)
    }
}

/// Why a truncation cannot be done (tokenizers raises these too).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TruncationError {
    SecondSequenceNotProvided,
    SequenceTooShort,
    StrideTooLarge { stride: usize, max_len: usize },
}

/// utils/truncation.rs `truncate_encodings`.
pub fn truncate_encodings(
    enc: &mut Encoding,
    pair: Option<&mut Encoding>,
    t: &Truncation,
) -> Result<(), TruncationError> {
    if t.max_length == 0 {
        enc.truncate(0, t.stride, t.side)?;
        if let Some(p) = pair {
            p.truncate(0, t.stride, t.side)?;
        }
        return Ok(());
    }
    let total = enc.len() + pair.as_ref().map_or(0, |p| p.len());
    if total <= t.max_length {
        return Ok(());
    }
    let to_remove = total - t.max_length;
    match t.strategy {
        TruncationStrategy::LongestFirst => match pair {
            Some(p) => {
                let (mut n1, mut n2) = (enc.len(), p.len());
                let swap = n1 > n2;
                if swap {
                    std::mem::swap(&mut n1, &mut n2);
                }
                if n1 > t.max_length {
                    n2 = n1;
                } else {
                    n2 = n1.max(t.max_length - n1);
                }
                if n1 + n2 > t.max_length {
                    n1 = t.max_length / 2;
                    n2 = n1 + t.max_length % 2;
                }
                if swap {
                    std::mem::swap(&mut n1, &mut n2);
                }
                enc.truncate(n1, t.stride, t.side)?;
                p.truncate(n2, t.stride, t.side)?;
            }
            None => enc.truncate(total - to_remove, t.stride, t.side)?,
        },
        TruncationStrategy::OnlyFirst | TruncationStrategy::OnlySecond => {
            let target = if t.strategy == TruncationStrategy::OnlyFirst {
                enc
            } else {
                pair.ok_or(TruncationError::SecondSequenceNotProvided)?
            };
            let n = target.len();
            if n > to_remove {
                target.truncate(n - to_remove, t.stride, t.side)?;
            } else {
                return Err(TruncationError::SequenceTooShort);
            }
        }
    }
    Ok(())
}

/// The BERT template `[CLS] A [SEP]` / `B [SEP]` (type id 1) on a sequence and its overflowing pieces.
pub fn add_bert_specials(enc: &mut Encoding, is_pair: bool, cls: u32, sep: u32) {
    fn wrap(e: &mut Encoding, is_pair: bool, cls: u32, sep: u32) {
        let t = is_pair as u32;
        if !is_pair {
            e.ids.insert(0, cls);
            e.type_ids.insert(0, 0);
            e.offsets.insert(0, (0, 0));
            e.special_tokens_mask.insert(0, 1);
            e.attention_mask.insert(0, 1);
            e.words.insert(0, NO_WORD);
            e.sequence_ids.insert(0, NO_SEQ);
        }
        e.ids.push(sep);
        e.type_ids.push(t);
        e.offsets.push((0, 0));
        e.special_tokens_mask.push(1);
        e.attention_mask.push(1);
        e.words.push(NO_WORD);
        e.sequence_ids.push(NO_SEQ);
    }
    wrap(enc, is_pair, cls, sep);
    for o in &mut enc.overflowing {
        wrap(o, is_pair, cls, sep);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seq(n: u32) -> Encoding {
        Encoding::from_sequence(
            (0..n).collect(),
            (0..n).map(|i| (i, i + 1)).collect(),
            (0..n).collect(),
            0,
        )
    }

    #[test]
    fn truncate_with_stride_right_and_left() {
        let mut e = seq(7);
        e.truncate(3, 1, Side::Right).unwrap();
        let parts: Vec<Vec<u32>> = std::iter::once(e.ids.clone())
            .chain(e.overflowing.iter().map(|o| o.ids.clone()))
            .collect();
        assert_eq!(parts, vec![vec![0, 1, 2], vec![2, 3, 4], vec![4, 5, 6]]);
        let mut e = seq(7);
        e.truncate(3, 1, Side::Left).unwrap();
        let parts: Vec<Vec<u32>> = std::iter::once(e.ids.clone())
            .chain(e.overflowing.iter().map(|o| o.ids.clone()))
            .collect();
        assert_eq!(parts, vec![vec![4, 5, 6], vec![2, 3, 4], vec![0, 1, 2]]);
    }

    #[test]
    fn longest_first_lengths() {
        // the table of tokenizers' own test (max_length 7)
        for (a, b, ea, eb) in [
            (2, 8, 2, 5),
            (4, 4, 3, 4),
            (8, 2, 5, 2),
            (8, 8, 3, 4),
            (4, 8, 3, 4),
        ] {
            let (mut x, mut y) = (seq(a), seq(b));
            let t = Truncation {
                max_length: 7,
                strategy: TruncationStrategy::LongestFirst,
                stride: 0,
                side: Side::Right,
            };
            truncate_encodings(&mut x, Some(&mut y), &t).unwrap();
            assert_eq!((x.len(), y.len()), (ea, eb), "{a} {b}");
        }
    }
}
