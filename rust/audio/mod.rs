//! Audio kernels: numpy-exact zero-mean unit-variance normalization fused with padding, parallel over a batch.
//!
//! Python twin: `Wav2Vec2FeatureExtractor.zero_mean_unit_var_norm` and `SequenceFeatureExtractor._pad`
//! (python/ferroformers/models/wav2vec2/feature_extraction_wav2vec2.py,
//! python/ferroformers/feature_extraction_sequence_utils.py).
//!
//! Bit-exactness with transformers: `(x - x.mean()) / np.sqrt(x.var() + 1e-7)` on a float32 array. numpy (>= 2)
//! sums float32 with `pairwise_sum` (numpy/_core/src/umath/loops_utils.h.src): below 8 elements a plain loop,
//! up to 128 elements 8 interleaved accumulators combined as ((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7)) plus the tail,
//! above that the two halves (split at n/2 rounded down to a multiple of 8) summed recursively. `mean` and `var`
//! divide that float32 sum by the element count as float64 (the count is an `intp`, which promotes) and round
//! back to float32 (numpy/_core/_methods.py, `_mean` / `_var`). The epsilon is added and the square root taken in
//! float32 (NEP 50: the Python float 1e-7 is "weak"). Every step below mirrors one of those operations, so the
//! output is identical to the bit; the Python tests check it against transformers 5.24 and numpy 2.4.

use rayon::prelude::*;
use std::fmt;

/// numpy's pairwise-sum block size (`PW_BLOCKSIZE`).
const PW_BLOCKSIZE: usize = 128;
/// Above this many samples the two halves of the pairwise tree are summed on two threads: same tree, same
/// result, and a single long clip (minutes of speech) still uses both cores.
const PARALLEL_SUM_MIN: usize = 1 << 16;
/// Chunk size of the parallel elementwise pass over one long row.
const PARALLEL_CHUNK: usize = 1 << 15;

/// Which side of a clip the padding goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PaddingSide {
    Left,
    Right,
}

/// Which samples the mean and variance are computed over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Normalize {
    /// Copy the samples as they are.
    Off,
    /// Over the whole padded row, padding included: transformers' behaviour when no attention mask is returned.
    PaddedRow,
    /// Over the clip's own samples only; the padding keeps `padding_value` (with an attention mask).
    Clip,
}

/// How a batch is laid out.
#[derive(Clone, Copy, Debug)]
pub struct PadSpec {
    /// Length the rows are padded to; a clip already at least that long keeps its length (the caller truncates
    /// first if it wants to), as transformers' `_pad` does. `None`: no padding, every row keeps its length.
    pub target_len: Option<usize>,
    pub side: PaddingSide,
    pub padding_value: f32,
    pub normalize: Normalize,
    /// Run on the current rayon pool (over clips, and within a long clip); the binding installs a pool that
    /// survives `fork`. False: this thread only, without touching rayon at all.
    pub parallel: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum AudioError {
    /// A clip with no samples (its mean and variance are undefined).
    Empty { index: usize },
    /// A NaN or infinite sample.
    NonFinite {
        index: usize,
        position: usize,
        value: f32,
    },
    /// The padding value is NaN or infinite.
    BadPaddingValue { value: f32 },
}

impl fmt::Display for AudioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AudioError::Empty { index } => write!(f, "clip {index} has no samples"),
            AudioError::NonFinite {
                index,
                position,
                value,
            } => {
                write!(
                    f,
                    "clip {index} has a non-finite sample ({value}) at position {position}"
                )
            }
            AudioError::BadPaddingValue { value } => {
                write!(f, "padding_value must be finite, got {value}")
            }
        }
    }
}

impl std::error::Error for AudioError {}

/// Whether the AVX2 builds of the elementwise kernels can run here (checked once per batch, not per block).
fn have_avx2() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// How the kernels run: with the AVX2 builds or not, on the current rayon pool or on this thread only (then rayon
/// is never touched, so a forked child without pool threads cannot hang in it).
#[derive(Clone, Copy, Debug)]
struct Exec {
    avx2: bool,
    parallel: bool,
}

impl Exec {
    fn new(parallel: bool) -> Exec {
        Exec {
            avx2: have_avx2(),
            parallel,
        }
    }
}

/// One leaf of numpy's pairwise tree (`n <= PW_BLOCKSIZE`): below 8 elements a plain loop, else 8 interleaved
/// accumulators combined as ((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7)), then the tail.
#[inline(always)]
fn block_sum<F: Fn(f32) -> f32>(a: &[f32], f: F) -> f32 {
    let n = a.len();
    if n < 8 {
        let mut res = 0.0f32;
        for &v in a {
            res += f(v);
        }
        return res;
    }
    let mut r = [0.0f32; 8];
    for k in 0..8 {
        r[k] = f(a[k]);
    }
    let end = n - n % 8;
    for block in a[8..end].chunks_exact(8) {
        for k in 0..8 {
            r[k] += f(block[k]);
        }
    }
    let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for &v in &a[end..] {
        res += f(v);
    }
    res
}

/// `block_sum` compiled for AVX2: the 8 accumulators become one 256-bit register. Same IEEE additions in the same
/// order, so the same bits; it measured ~1.4x faster than the SSE2 build on a 2-core Xeon (numpy itself
/// dispatches to AVX2/AVX-512).
///
/// # Safety
/// The CPU must support AVX2 (`have_avx2()`).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn block_sum_avx2<F: Fn(f32) -> f32>(a: &[f32], f: F) -> f32 {
    block_sum(a, f)
}

fn block_sum_dispatch<F: Fn(f32) -> f32>(a: &[f32], f: F, avx2: bool) -> f32 {
    #[cfg(target_arch = "x86_64")]
    if avx2 {
        // SAFETY: `avx2` is only true when have_avx2() said so
        return unsafe { block_sum_avx2(a, f) };
    }
    let _ = avx2;
    block_sum(a, f)
}

/// numpy's float32 `pairwise_sum` of `f(a[i])`, to the bit (see the module comment).
fn pairwise_sum_map<F: Fn(f32) -> f32 + Sync + Copy>(a: &[f32], f: F, ex: Exec) -> f32 {
    let n = a.len();
    if n <= PW_BLOCKSIZE {
        block_sum_dispatch(a, f, ex.avx2)
    } else {
        let n2 = n / 2;
        let n2 = n2 - n2 % 8;
        let (lo, hi) = a.split_at(n2);
        if ex.parallel && n >= PARALLEL_SUM_MIN {
            let (x, y) = rayon::join(
                || pairwise_sum_map(lo, f, ex),
                || pairwise_sum_map(hi, f, ex),
            );
            x + y
        } else {
            pairwise_sum_map(lo, f, ex) + pairwise_sum_map(hi, f, ex)
        }
    }
}

/// `np.add.reduce` of a contiguous float32 array: the identity 0.0 plus the pairwise sum.
pub fn numpy_sum(a: &[f32]) -> f32 {
    0.0f32 + pairwise_sum_map(a, |v| v, Exec::new(false))
}

/// numpy's float32 `sum / n`: the count is an intp, so the division happens in float64, rounded to float32.
fn divide_by_count(sum: f32, n: usize) -> f32 {
    (f64::from(sum) / n as f64) as f32
}

/// `(a.mean(), a.var())` exactly as numpy computes them for a float32 array (`a` must not be empty).
pub fn numpy_mean_var(a: &[f32]) -> (f32, f32) {
    mean_var(a, Exec::new(false))
}

fn mean_var(a: &[f32], ex: Exec) -> (f32, f32) {
    let mean = divide_by_count(0.0f32 + pairwise_sum_map(a, |v| v, ex), a.len());
    // numpy materialises `d = a - mean` then `d * d` (both float32) and sums that; computing each term on the
    // fly gives the same float32 values in the same order.
    let sq = 0.0f32
        + pairwise_sum_map(
            a,
            move |v| {
                let d = v - mean;
                d * d
            },
            ex,
        );
    (mean, divide_by_count(sq, a.len()))
}

/// The float32 standard deviation transformers divides by: `np.sqrt(var + 1e-7)` with float32 `var`.
pub fn numpy_std_eps(var: f32) -> f32 {
    (var + 1e-7f32).sqrt()
}

#[inline(always)]
fn normalize_kernel(src: &[f32], dst: &mut [f32], mean: f32, std: f32) {
    for (o, &v) in dst.iter_mut().zip(src) {
        *o = (v - mean) / std;
    }
}

#[inline(always)]
fn normalize_in_place_kernel(row: &mut [f32], mean: f32, std: f32) {
    for o in row.iter_mut() {
        *o = (*o - mean) / std;
    }
}

/// # Safety
/// The CPU must support AVX2 (`have_avx2()`).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn normalize_kernel_avx2(src: &[f32], dst: &mut [f32], mean: f32, std: f32) {
    normalize_kernel(src, dst, mean, std)
}

/// # Safety
/// The CPU must support AVX2 (`have_avx2()`).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn normalize_in_place_kernel_avx2(row: &mut [f32], mean: f32, std: f32) {
    normalize_in_place_kernel(row, mean, std)
}

fn normalize_chunk(src: &[f32], dst: &mut [f32], mean: f32, std: f32, avx2: bool) {
    #[cfg(target_arch = "x86_64")]
    if avx2 {
        // SAFETY: `avx2` is only true when have_avx2() said so
        return unsafe { normalize_kernel_avx2(src, dst, mean, std) };
    }
    let _ = avx2;
    normalize_kernel(src, dst, mean, std)
}

fn normalize_chunk_in_place(row: &mut [f32], mean: f32, std: f32, avx2: bool) {
    #[cfg(target_arch = "x86_64")]
    if avx2 {
        // SAFETY: `avx2` is only true when have_avx2() said so
        return unsafe { normalize_in_place_kernel_avx2(row, mean, std) };
    }
    let _ = avx2;
    normalize_in_place_kernel(row, mean, std)
}

/// `dst[i] = (src[i] - mean) / std` in float32 (IEEE division, as numpy: no reciprocal), in parallel chunks
/// when the row is long.
fn normalize_into(src: &[f32], dst: &mut [f32], mean: f32, std: f32, ex: Exec) {
    let avx2 = ex.avx2;
    if ex.parallel && src.len() >= 2 * PARALLEL_CHUNK {
        dst.par_chunks_mut(PARALLEL_CHUNK)
            .zip(src.par_chunks(PARALLEL_CHUNK))
            .for_each(|(d, s)| normalize_chunk(s, d, mean, std, avx2));
    } else {
        normalize_chunk(src, dst, mean, std, avx2);
    }
}

/// In place: `row[i] = (row[i] - mean) / std`.
fn normalize_in_place(row: &mut [f32], mean: f32, std: f32, ex: Exec) {
    let avx2 = ex.avx2;
    if ex.parallel && row.len() >= 2 * PARALLEL_CHUNK {
        row.par_chunks_mut(PARALLEL_CHUNK)
            .for_each(|c| normalize_chunk_in_place(c, mean, std, avx2));
    } else {
        normalize_chunk_in_place(row, mean, std, avx2);
    }
}

/// Zero-mean unit-variance normalization of one clip, as transformers computes it (`src` must not be empty).
pub fn zero_mean_unit_var(src: &[f32], dst: &mut [f32]) {
    let ex = Exec::new(false);
    let (mean, var) = mean_var(src, ex);
    normalize_into(src, dst, mean, numpy_std_eps(var), ex);
}

/// Index and value of the first non-finite sample, if any. The all-finite check is a branch-free fold so that
/// the common case stays one fast pass.
fn first_non_finite(a: &[f32]) -> Option<(usize, f32)> {
    let all_finite = a
        .chunks(1024)
        .all(|c| c.iter().fold(true, |ok, v| ok & v.is_finite()));
    if all_finite {
        None
    } else {
        a.iter().position(|v| !v.is_finite()).map(|i| (i, a[i]))
    }
}

/// Pad (and normalize) one clip into its output row (`row.len() >= clip.len()`); `mask` (same length as `row`)
/// gets 1 on the clip's samples.
fn fill_row(
    index: usize,
    clip: &[f32],
    row: &mut [f32],
    mask: Option<&mut [i32]>,
    spec: &PadSpec,
    ex: Exec,
) -> Result<(), AudioError> {
    if clip.is_empty() {
        return Err(AudioError::Empty { index });
    }
    let check = |clip: &[f32]| match first_non_finite(clip) {
        Some((position, value)) => Err(AudioError::NonFinite {
            index,
            position,
            value,
        }),
        None => Ok(()),
    };
    let target = row.len();
    let pad = target - clip.len();
    let (start, end) = match spec.side {
        PaddingSide::Right => (0, clip.len()),
        PaddingSide::Left => (pad, target),
    };
    row[..start].fill(spec.padding_value);
    row[end..].fill(spec.padding_value);
    // A NaN or infinite sample makes the sum (so the mean or the variance) non-finite: when normalizing, the
    // statistics stand in for a separate pass over the clip, which is then only scanned to name the bad sample
    // (finite samples whose squares overflow also end up here; the scan finds nothing and, as numpy, the
    // division by an infinite deviation proceeds).
    match spec.normalize {
        Normalize::Off => {
            check(clip)?;
            row[start..end].copy_from_slice(clip);
        }
        Normalize::Clip => {
            let (mean, var) = mean_var(clip, ex);
            if !(mean.is_finite() && var.is_finite()) {
                check(clip)?;
            }
            normalize_into(clip, &mut row[start..end], mean, numpy_std_eps(var), ex);
        }
        Normalize::PaddedRow => {
            row[start..end].copy_from_slice(clip);
            let (mean, var) = mean_var(row, ex);
            if !(mean.is_finite() && var.is_finite()) {
                check(clip)?;
            }
            normalize_in_place(row, mean, numpy_std_eps(var), ex);
        }
    }
    if let Some(mask) = mask {
        mask[..start].fill(0);
        mask[start..end].fill(1);
        mask[end..].fill(0);
    }
    Ok(())
}

/// Split `buf` into consecutive mutable rows of the given lengths.
fn split_rows<'a, T>(mut buf: &'a mut [T], lens: &[usize]) -> Vec<&'a mut [T]> {
    let mut rows = Vec::with_capacity(lens.len());
    for &len in lens {
        let (row, rest) = std::mem::take(&mut buf).split_at_mut(len);
        rows.push(row);
        buf = rest;
    }
    rows
}

/// A padded (and optionally normalized) batch: `values` holds the rows one after another (`row_lens[i]` samples
/// each), `attention_mask` the matching 0/1 mask when asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct PaddedBatch {
    pub values: Vec<f32>,
    pub attention_mask: Option<Vec<i32>>,
    pub row_lens: Vec<usize>,
}

/// The length of every output row: clips shorter than `target_len` grow to it, longer ones keep their length.
pub fn row_lengths(
    clip_lens: impl IntoIterator<Item = usize>,
    target_len: Option<usize>,
) -> Vec<usize> {
    clip_lens
        .into_iter()
        .map(|n| n.max(target_len.unwrap_or(0)))
        .collect()
}

/// Pad every clip shorter than `spec.target_len` to it, normalize as `spec.normalize` says, in parallel over
/// the clips, into `values` (and `mask`), laid out as `row_lengths` says; every element is written. The caller
/// owns the buffers so that the binding can hand numpy's own (huge-page backed) allocations to the kernel:
/// faulting in a fresh 4 KiB-page Vec cost more than the normalization itself. Errors name the first bad clip
/// (by index) and what is wrong with it.
pub fn pad_batch_into(
    clips: &[&[f32]],
    spec: &PadSpec,
    values: &mut [f32],
    mask: Option<&mut [i32]>,
) -> Result<(), AudioError> {
    if !spec.padding_value.is_finite() {
        return Err(AudioError::BadPaddingValue {
            value: spec.padding_value,
        });
    }
    let row_lens = row_lengths(clips.iter().map(|c| c.len()), spec.target_len);
    let total: usize = row_lens.iter().sum();
    assert_eq!(
        values.len(),
        total,
        "values buffer does not match row_lengths"
    );
    let value_rows = split_rows(values, &row_lens);
    let mask_rows: Vec<Option<&mut [i32]>> = match mask {
        Some(m) => {
            assert_eq!(m.len(), total, "mask buffer does not match row_lengths");
            split_rows(m, &row_lens).into_iter().map(Some).collect()
        }
        None => (0..clips.len()).map(|_| None).collect(),
    };
    let ex = Exec::new(spec.parallel);
    let results: Vec<Result<(), AudioError>> = if spec.parallel {
        value_rows
            .into_par_iter()
            .zip(mask_rows)
            .enumerate()
            .map(|(i, (row, m))| fill_row(i, clips[i], row, m, spec, ex))
            .collect()
    } else {
        value_rows
            .into_iter()
            .zip(mask_rows)
            .enumerate()
            .map(|(i, (row, m))| fill_row(i, clips[i], row, m, spec, ex))
            .collect()
    };
    // report the first failing clip in batch order, whatever thread found it first
    results
        .into_iter()
        .collect::<Result<Vec<()>, AudioError>>()?;
    Ok(())
}

/// `pad_batch_into` with freshly allocated buffers.
pub fn pad_batch(
    clips: &[&[f32]],
    spec: &PadSpec,
    attention_mask: bool,
) -> Result<PaddedBatch, AudioError> {
    let row_lens = row_lengths(clips.iter().map(|c| c.len()), spec.target_len);
    let total: usize = row_lens.iter().sum();
    let mut values = vec![0.0f32; total];
    let mut mask = attention_mask.then(|| vec![0i32; total]);
    pad_batch_into(clips, spec, &mut values, mask.as_deref_mut())?;
    Ok(PaddedBatch {
        values,
        attention_mask: mask,
        row_lens,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator (xorshift) so the tests need no extra crate.
    fn samples(n: usize, seed: u64, scale: f32) -> Vec<f32> {
        let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        (0..n)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                ((s >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * scale
            })
            .collect()
    }

    /// numpy's pairwise tree written out a second, independent way (explicit stack of ranges).
    fn reference_sum(a: &[f32]) -> f32 {
        fn go(a: &[f32]) -> f32 {
            if a.len() < 8 {
                return a.iter().fold(0.0f32, |acc, &v| acc + v);
            }
            if a.len() <= 128 {
                let mut r: Vec<f32> = a[..8].to_vec();
                let full = a.len() / 8 * 8;
                let mut i = 8;
                while i < full {
                    for (k, acc) in r.iter_mut().enumerate() {
                        *acc += a[i + k];
                    }
                    i += 8;
                }
                let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
                for &v in &a[full..] {
                    res += v;
                }
                return res;
            }
            let half = a.len() / 2 / 8 * 8;
            go(&a[..half]) + go(&a[half..])
        }
        0.0 + go(a)
    }

    #[test]
    fn pairwise_sum_matches_the_tree_at_block_edges() {
        for n in [
            1, 7, 8, 9, 15, 16, 127, 128, 129, 255, 256, 257, 1000, 8191, 8193, 70_001, 200_003,
        ] {
            let a = samples(n, n as u64, 2000.0);
            assert_eq!(
                numpy_sum(&a).to_bits(),
                reference_sum(&a).to_bits(),
                "n = {n}"
            );
        }
    }

    #[test]
    fn avx2_and_baseline_builds_agree_to_the_bit() {
        if !have_avx2() {
            return; // nothing to compare on this CPU: only the baseline build runs
        }
        for n in [5, 8, 100, 128, 129, 1000, 70_001] {
            let a = samples(n, 7 + n as u64, 300.0);
            let sq = |v: f32| {
                let d = v - 0.25;
                d * d
            };
            assert_eq!(
                pairwise_sum_map(
                    &a,
                    sq,
                    Exec {
                        avx2: true,
                        parallel: false
                    }
                )
                .to_bits(),
                pairwise_sum_map(
                    &a,
                    sq,
                    Exec {
                        avx2: false,
                        parallel: false
                    }
                )
                .to_bits()
            );
            let (mut x, mut y) = (vec![0.0; n], vec![0.0; n]);
            normalize_chunk(&a, &mut x, 0.5, 3.0, true);
            normalize_chunk(&a, &mut y, 0.5, 3.0, false);
            assert!(x.iter().zip(&y).all(|(p, q)| p.to_bits() == q.to_bits()));
        }
    }

    #[test]
    fn pairwise_sum_differs_from_a_naive_loop() {
        // guards against the kernel silently degrading to a sequential sum: on a large ill-conditioned input
        // the two orders give different float32 results
        let mut a = samples(100_000, 3, 1.0);
        a[0] = 1.0e7;
        let naive = a.iter().fold(0.0f32, |acc, &v| acc + v);
        assert_ne!(numpy_sum(&a).to_bits(), naive.to_bits());
        assert_eq!(numpy_sum(&a).to_bits(), reference_sum(&a).to_bits());
    }

    #[test]
    fn mean_var_of_known_values() {
        let (m, v) = numpy_mean_var(&[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(m, 2.5);
        assert_eq!(v, 1.25);
        // mean is rounded from float64: 1/3 in float32 is the nearest float to 0.333...
        let (m, _) = numpy_mean_var(&[1.0, 0.0, 0.0]);
        assert_eq!(m, (1.0f64 / 3.0) as f32);
    }

    #[test]
    fn normalized_clip_has_zero_mean_unit_variance() {
        let a = samples(16_000, 11, 0.3);
        let mut out = vec![0.0; a.len()];
        zero_mean_unit_var(&a, &mut out);
        let (m, v) = numpy_mean_var(&out);
        assert!(m.abs() < 1e-5, "mean {m}");
        assert!((v - 1.0).abs() < 1e-4, "var {v}");
    }

    fn spec(target: Option<usize>, side: PaddingSide, normalize: Normalize) -> PadSpec {
        PadSpec {
            target_len: target,
            side,
            padding_value: 0.0,
            normalize,
            parallel: true,
        }
    }

    #[test]
    fn right_padding_with_mask_normalizes_only_the_clip() {
        let a = samples(100, 1, 1.0);
        let b = samples(60, 2, 1.0);
        let out = pad_batch(
            &[&a, &b],
            &spec(Some(100), PaddingSide::Right, Normalize::Clip),
            true,
        )
        .unwrap();
        assert_eq!(out.row_lens, vec![100, 100]);
        let mask = out.attention_mask.unwrap();
        assert_eq!(mask[100..160], [1; 60]);
        assert_eq!(mask[160..], [0; 40]);
        let mut want = vec![0.0; 60];
        zero_mean_unit_var(&b, &mut want);
        assert_eq!(out.values[100..160], want[..]);
        assert_eq!(out.values[160..], [0.0; 40]);
    }

    #[test]
    fn left_padding_keeps_the_clip_at_the_end() {
        let b = samples(60, 2, 1.0);
        let out = pad_batch(
            &[&b],
            &spec(Some(64), PaddingSide::Left, Normalize::Clip),
            true,
        )
        .unwrap();
        let mut want = vec![0.0; 60];
        zero_mean_unit_var(&b, &mut want);
        assert_eq!(out.values[..4], [0.0; 4]);
        assert_eq!(out.values[4..], want[..]);
        assert_eq!(
            out.attention_mask.unwrap(),
            [vec![0; 4], vec![1; 60]].concat()
        );
    }

    #[test]
    fn padded_row_normalization_includes_the_padding() {
        let b = samples(60, 2, 1.0);
        let out = pad_batch(
            &[&b],
            &spec(Some(80), PaddingSide::Right, Normalize::PaddedRow),
            false,
        )
        .unwrap();
        let mut padded = b.clone();
        padded.resize(80, 0.0);
        let mut want = vec![0.0; 80];
        zero_mean_unit_var(&padded, &mut want);
        assert_eq!(out.values, want);
        assert!(out.attention_mask.is_none());
    }

    #[test]
    fn no_padding_keeps_each_length() {
        let a = samples(10, 1, 1.0);
        let b = samples(3, 2, 1.0);
        let out = pad_batch(
            &[&a, &b],
            &spec(None, PaddingSide::Right, Normalize::Off),
            false,
        )
        .unwrap();
        assert_eq!(out.row_lens, vec![10, 3]);
        assert_eq!(out.values, [a, b].concat());
    }

    #[test]
    fn long_rows_take_the_parallel_path_with_the_same_bits() {
        let a = samples(300_001, 5, 0.8);
        let b = samples(70_001, 6, 0.8);
        let (m, v) = numpy_mean_var(&a);
        let s = numpy_std_eps(v);
        assert_eq!(numpy_sum(&a).to_bits(), reference_sum(&a).to_bits());
        for normalize in [Normalize::Clip, Normalize::PaddedRow] {
            let mut sp = spec(Some(300_001), PaddingSide::Right, normalize);
            let par = pad_batch(&[&a, &b], &sp, true).unwrap();
            sp.parallel = false;
            let serial = pad_batch(&[&a, &b], &sp, true).unwrap();
            assert!(par
                .values
                .iter()
                .zip(&serial.values)
                .all(|(p, q)| p.to_bits() == q.to_bits()));
            assert_eq!(par.attention_mask, serial.attention_mask);
            assert!(par.values[..a.len()]
                .iter()
                .zip(&a)
                .all(|(&p, &x)| p.to_bits() == ((x - m) / s).to_bits()));
        }
    }

    #[test]
    fn bad_clips_are_named() {
        let good = samples(10, 1, 1.0);
        let mut bad = samples(10, 2, 1.0);
        bad[7] = f32::NAN;
        let err = pad_batch(
            &[&good, &bad],
            &spec(Some(10), PaddingSide::Right, Normalize::Clip),
            false,
        )
        .unwrap_err();
        assert!(
            matches!(
                err,
                AudioError::NonFinite {
                    index: 1,
                    position: 7,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains("clip 1") && err.to_string().contains("position 7"));
        let err = pad_batch(
            &[&good, &[]],
            &spec(None, PaddingSide::Right, Normalize::Off),
            false,
        )
        .unwrap_err();
        assert_eq!(err, AudioError::Empty { index: 1 });
        // a clip longer than the target keeps its length (transformers' `_pad` pads, it never truncates)
        let out = pad_batch(
            &[&good, &good[..3]],
            &spec(Some(5), PaddingSide::Right, Normalize::Off),
            true,
        )
        .unwrap();
        assert_eq!(out.row_lens, vec![10, 5]);
        assert_eq!(
            out.attention_mask.unwrap(),
            [vec![1; 13], vec![0; 2]].concat()
        );
        let mut s = spec(Some(10), PaddingSide::Right, Normalize::Off);
        s.padding_value = f32::INFINITY;
        assert!(matches!(
            pad_batch(&[&good], &s, false),
            Err(AudioError::BadPaddingValue { .. })
        ));
    }

    #[test]
    fn every_element_of_the_caller_buffers_is_written() {
        // the binding hands uninitialised numpy memory to pad_batch_into: no element may be left as it was
        let clips = [samples(50, 1, 1.0), samples(80, 2, 1.0), samples(3, 3, 1.0)];
        let refs: Vec<&[f32]> = clips.iter().map(|c| c.as_slice()).collect();
        for normalize in [Normalize::Off, Normalize::PaddedRow, Normalize::Clip] {
            for side in [PaddingSide::Left, PaddingSide::Right] {
                for target in [None, Some(64), Some(100)] {
                    let s = spec(target, side, normalize);
                    let total: usize = row_lengths(clips.iter().map(|c| c.len()), target)
                        .iter()
                        .sum();
                    let mut values = vec![f32::NAN; total];
                    let mut mask = vec![-1i32; total];
                    pad_batch_into(&refs, &s, &mut values, Some(&mut mask)).unwrap();
                    assert!(values.iter().all(|v| v.is_finite()), "{s:?}");
                    assert!(mask.iter().all(|&m| m == 0 || m == 1), "{s:?}");
                    let ones: i32 = mask.iter().sum();
                    assert_eq!(ones as usize, 50 + 80 + 3);
                }
            }
        }
    }

    #[test]
    fn non_finite_samples_are_found_in_every_mode() {
        for normalize in [Normalize::Off, Normalize::PaddedRow, Normalize::Clip] {
            for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
                let mut clip = samples(300, 4, 1.0);
                clip[123] = bad;
                let err = pad_batch(
                    &[&clip],
                    &spec(Some(400), PaddingSide::Left, normalize),
                    false,
                )
                .unwrap_err();
                assert!(
                    matches!(
                        err,
                        AudioError::NonFinite {
                            index: 0,
                            position: 123,
                            ..
                        }
                    ),
                    "{err:?}"
                );
            }
        }
        // huge but finite samples are not an error: the variance overflows to inf, as in numpy, and the
        // normalized values are 0 (finite / inf)
        let huge = vec![3.0e30f32, -3.0e30, 1.0e30];
        let out = pad_batch(
            &[&huge],
            &spec(None, PaddingSide::Right, Normalize::Clip),
            false,
        )
        .unwrap();
        assert!(out.values.iter().all(|v| v.is_finite()));
    }

    #[test]
    fn first_error_in_batch_order_wins() {
        let mut a = samples(10, 1, 1.0);
        a[2] = f32::INFINITY;
        let err = pad_batch(
            &[&a, &[]],
            &spec(None, PaddingSide::Right, Normalize::Off),
            false,
        )
        .unwrap_err();
        assert!(matches!(
            err,
            AudioError::NonFinite {
                index: 0,
                position: 2,
                ..
            }
        ));
    }
}
