//! Pillow-exact resampling of interleaved (HWC) images.
//!
//! Mirrors Pillow 13 `src/libImaging/Resample.c` (convolution filters) and `Geometry.c`
//! (`ImagingScaleAffine`, the nearest-neighbour path of `Image.resize`): coefficients are computed in
//! double with the support widened by the scale when downscaling; 8-bit images use 22-bit fixed-point
//! coefficients (rounded half away from zero), int32 accumulators started at 1 << 21, and are shifted,
//! clamped and rounded to uint8 between the two passes; 32-bit float images accumulate in double and
//! store float32 between passes. Channels are resampled independently (no alpha premultiplication: see
//! docs/image.md for why this differs from `Image.resize` on RGBA).
//!
//! The source may hold more samples per pixel than it has channels (`resize_strided`): Pillow keeps a
//! 3-band image in 4 bytes per pixel, and the pass that reads the source skips the fourth byte, so such an
//! image is read where Pillow left it instead of being packed into a copy first.

use super::ImageError;

/// A resampling filter, numbered as `PIL.Image.Resampling`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Filter {
    Nearest,
    Box,
    Bilinear,
    Hamming,
    Bicubic,
    Lanczos,
}

impl Filter {
    /// From the integer Pillow uses (`Image.Resampling.BILINEAR == 2` ...).
    pub fn from_pil(code: i64) -> Option<Filter> {
        Some(match code {
            0 => Filter::Nearest,
            1 => Filter::Lanczos,
            2 => Filter::Bilinear,
            3 => Filter::Bicubic,
            4 => Filter::Box,
            5 => Filter::Hamming,
            _ => return None,
        })
    }

    /// Half-width of the kernel at scale 1.
    fn support(self) -> f64 {
        match self {
            Filter::Nearest => 0.0,
            Filter::Box => 0.5,
            Filter::Bilinear | Filter::Hamming => 1.0,
            Filter::Bicubic => 2.0,
            Filter::Lanczos => 3.0,
        }
    }

    fn weight(self, x: f64) -> f64 {
        match self {
            Filter::Nearest => 0.0,
            Filter::Box => {
                if x > -0.5 && x <= 0.5 {
                    1.0
                } else {
                    0.0
                }
            }
            Filter::Bilinear => {
                let x = x.abs();
                if x < 1.0 {
                    1.0 - x
                } else {
                    0.0
                }
            }
            Filter::Hamming => {
                let x = x.abs();
                if x == 0.0 {
                    1.0
                } else if x >= 1.0 {
                    0.0
                } else {
                    let x = x * std::f64::consts::PI;
                    // Pillow writes the window constants as C float literals (0.54f, 0.46f): their
                    // single-precision values, widened to double, are what gives identical coefficients
                    x.sin() / x * (0.54f32 as f64 + 0.46f32 as f64 * x.cos())
                }
            }
            Filter::Bicubic => {
                const A: f64 = -0.5;
                let x = x.abs();
                if x < 1.0 {
                    ((A + 2.0) * x - (A + 3.0)) * x * x + 1.0
                } else if x < 2.0 {
                    (((x - 5.0) * x + 8.0) * x - 4.0) * A
                } else {
                    0.0
                }
            }
            Filter::Lanczos => {
                if (-3.0..3.0).contains(&x) {
                    sinc(x) * sinc(x / 3.0)
                } else {
                    0.0
                }
            }
        }
    }
}

fn sinc(x: f64) -> f64 {
    if x == 0.0 {
        return 1.0;
    }
    let x = x * std::f64::consts::PI;
    x.sin() / x
}

/// Per-output-pixel filter taps along one axis: output `i` reads input `start[i] .. start[i] + len[i]`
/// with weights `weights[i * ksize ..][.. len[i]]`.
#[derive(Clone, Debug)]
pub struct Coefficients {
    pub ksize: usize,
    pub start: Vec<usize>,
    pub len: Vec<usize>,
    pub weights: Vec<f64>,
}

impl Coefficients {
    /// Taps for resampling `in_size` pixels to `out_size` (the whole axis, as `Image.resize` without `box`).
    pub fn new(in_size: usize, out_size: usize, filter: Filter) -> Coefficients {
        // Pillow passes the box as C floats; whole-axis sizes below 2**24 are exact in f32
        let scale = (in_size as f32 as f64) / out_size as f64;
        let filterscale = scale.max(1.0);
        let support = filter.support() * filterscale;
        let ksize = support.ceil() as usize * 2 + 1;
        let mut start = Vec::with_capacity(out_size);
        let mut len = Vec::with_capacity(out_size);
        let mut weights = vec![0.0f64; out_size * ksize];
        let inv = 1.0 / filterscale;
        for xx in 0..out_size {
            let center = (xx as f64 + 0.5) * scale;
            // C's (int) cast truncates toward zero, as does `as i64`
            let xmin = ((center - support + 0.5) as i64).max(0);
            let xmax = ((center + support + 0.5) as i64).min(in_size as i64);
            let n = (xmax - xmin).max(0) as usize;
            let k = &mut weights[xx * ksize..xx * ksize + n.min(ksize)];
            let mut total = 0.0;
            for (x, w) in k.iter_mut().enumerate() {
                *w = filter.weight((x as f64 + xmin as f64 - center + 0.5) * inv);
                total += *w;
            }
            if total != 0.0 {
                k.iter_mut().for_each(|w| *w /= total);
            }
            start.push(xmin as usize);
            len.push(n.min(ksize));
        }
        Coefficients {
            ksize,
            start,
            len,
            weights,
        }
    }

    /// First and one-past-last input index any output reads.
    fn span(&self) -> (usize, usize) {
        match (self.start.first(), self.start.last(), self.len.last()) {
            (Some(&a), Some(&b), Some(&n)) => (a, b + n),
            _ => (0, 0),
        }
    }

    /// The same taps with every input index moved down by `by`.
    fn shifted(mut self, by: usize) -> Coefficients {
        self.start.iter_mut().for_each(|s| *s -= by);
        self
    }

    /// 22-bit fixed-point weights, rounded half away from zero (Pillow's `normalize_coeffs_8bpc`).
    pub fn fixed(&self) -> Vec<i32> {
        self.weights
            .iter()
            .map(|&w| {
                let v = w * (1 << PRECISION_BITS) as f64;
                (if w < 0.0 { v - 0.5 } else { v + 0.5 }) as i32
            })
            .collect()
    }
}

/// Two bits of headroom for negative lobes and sums above one, eight for the pixel value.
const PRECISION_BITS: u32 = 32 - 8 - 2;
const HALF: i32 = 1 << (PRECISION_BITS - 1);

#[inline(always)]
fn clip8(acc: i32) -> u8 {
    (acc >> PRECISION_BITS).clamp(0, 255) as u8
}

/// Pixel types the convolution passes support: u8 (fixed point) and f32 (double accumulation).
pub trait Sample: Copy + Default + Send + Sync + 'static {
    type Acc: Copy;
    type Weight: Copy;
    fn weights(c: &Coefficients) -> Vec<Self::Weight>;
    fn zero() -> Self::Acc;
    fn mac(acc: Self::Acc, v: Self, w: Self::Weight) -> Self::Acc;
    fn finish(acc: Self::Acc) -> Self;

    /// `acc[i] = sum over taps t of taps[t * L + i] * weights[t]` (lanes = tile rows x channels), with
    /// hand-written AVX2 where a type has it. Callers pass `avx2 = true` only after detecting the CPU feature.
    #[inline(always)]
    fn dot_tile<const L: usize>(
        taps: &[Self],
        weights: &[Self::Weight],
        acc: &mut [Self::Acc; L],
        avx2: bool,
    ) {
        let _ = avx2;
        dot_tile_generic(taps, weights, acc);
    }

    /// A faster vertical pass where one exists; returns false to use the generic one.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn vertical_fast(
        src: &[Self],
        src_stride: usize,
        col0: usize,
        cols: usize,
        c: &Coefficients,
        dst: &mut [Self],
        avx2: bool,
    ) -> bool {
        let _ = (src, src_stride, col0, cols, c, dst, avx2);
        false
    }

    /// A faster horizontal pass for 3-channel images (`px` = 3 or 4 samples per source pixel) where one
    /// exists; returns false to use the generic one.
    #[inline(always)]
    fn horizontal_rgb_fast(
        src: &[Self],
        in_w: usize,
        px: usize,
        rows: std::ops::Range<usize>,
        c: &Coefficients,
        dst: &mut [Self],
        avx2: bool,
    ) -> bool {
        let _ = (src, in_w, px, rows, c, dst, avx2);
        false
    }
}

/// The vertical pass for uint8 with AVX2: 32 columns at a time, their sums kept in four registers over all
/// the taps (in Pillow's order), then shifted and saturated to bytes together. Remaining columns are done
/// one by one with the same arithmetic.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn vertical_u8_avx2(
    src: &[u8],
    src_stride: usize,
    col0: usize,
    cols: usize,
    c: &Coefficients,
    dst: &mut [u8],
) {
    use std::arch::x86_64::*;
    let w = c.fixed();
    let blocks = cols / 32;
    let order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    for (yy, row_out) in dst.chunks_exact_mut(cols).enumerate() {
        let (start, n, base) = (c.start[yy], c.len[yy], yy * c.ksize);
        let weights = &w[base..base + n];
        if n == 0 {
            continue;
        }
        // every row read below lies inside `src`
        assert!((start + n - 1) * src_stride + col0 + cols <= src.len() && row_out.len() == cols);
        for b in 0..blocks {
            let mut sums = [_mm256_set1_epi32(HALF); 4];
            for (y, &wt) in weights.iter().enumerate() {
                let p = src.as_ptr().add((start + y) * src_stride + col0 + b * 32);
                let wv = _mm256_set1_epi32(wt);
                for (g, sum) in sums.iter_mut().enumerate() {
                    let v = _mm256_cvtepu8_epi32(_mm_loadl_epi64(p.add(g * 8) as *const __m128i));
                    *sum = _mm256_add_epi32(*sum, _mm256_mullo_epi32(v, wv));
                }
            }
            // clip8 on 32 sums: shift, saturate to i16 then u8 (= clamp to 0..255), undo the per-half packing
            let a = _mm256_packs_epi32(
                _mm256_srai_epi32::<22>(sums[0]),
                _mm256_srai_epi32::<22>(sums[1]),
            );
            let b2 = _mm256_packs_epi32(
                _mm256_srai_epi32::<22>(sums[2]),
                _mm256_srai_epi32::<22>(sums[3]),
            );
            let bytes = _mm256_permutevar8x32_epi32(_mm256_packus_epi16(a, b2), order);
            _mm256_storeu_si256(row_out.as_mut_ptr().add(b * 32) as *mut __m256i, bytes);
        }
        for (x, o) in row_out.iter_mut().enumerate().skip(blocks * 32) {
            let mut acc = HALF;
            for (y, &wt) in weights.iter().enumerate() {
                acc = u8::mac(acc, src[(start + y) * src_stride + col0 + x], wt);
            }
            *o = clip8(acc);
        }
    }
}

/// Output pixel `xx` of the 8 rows in an RGB tile (`horizontal_rgb_u8_avx2`): its 24 bytes (row 0 RGB, row 1
/// RGB, ...) in the low 24 bytes of the vector.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn rgb_tile_output(
    tile: &[u8],
    w: &[i32],
    c: &Coefficients,
    xx: usize,
) -> std::arch::x86_64::__m256i {
    use std::arch::x86_64::*;
    const S: usize = 3 * ROWS;
    let (start, n, base) = (c.start[xx], c.len[xx], xx * c.ksize);
    let mut acc = [HALF; S];
    dot_tile_u8_avx2(
        &tile[start * S..(start + n) * S],
        &w[base..base + n],
        &mut acc,
    );
    // clip8 on all 24 sums at once: shift, then saturate to i16 and u8 (= clamp to 0..255)
    let lo = _mm256_srai_epi32::<22>(_mm256_loadu_si256(acc.as_ptr() as *const __m256i));
    let mid = _mm256_srai_epi32::<22>(_mm256_loadu_si256(acc.as_ptr().add(8) as *const __m256i));
    let hi = _mm256_srai_epi32::<22>(_mm256_loadu_si256(acc.as_ptr().add(16) as *const __m256i));
    // packs work per 128-bit half: reorder the 64-bit quarters afterwards
    let words_a = _mm256_permute4x64_epi64::<0b11_01_10_00>(_mm256_packs_epi32(lo, mid));
    let words_b = _mm256_permute4x64_epi64::<0b11_01_10_00>(_mm256_packs_epi32(hi, hi));
    _mm256_permute4x64_epi64::<0b11_01_10_00>(_mm256_packus_epi16(words_a, words_b))
}

/// Transpose of an 8x8 matrix of 32-bit words: word `j` of vector `i` becomes word `i` of vector `j`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn transpose_8x8_epi32(
    v: [std::arch::x86_64::__m256i; 8],
) -> [std::arch::x86_64::__m256i; 8] {
    use std::arch::x86_64::*;
    let t0 = _mm256_unpacklo_epi32(v[0], v[1]);
    let t1 = _mm256_unpackhi_epi32(v[0], v[1]);
    let t2 = _mm256_unpacklo_epi32(v[2], v[3]);
    let t3 = _mm256_unpackhi_epi32(v[2], v[3]);
    let t4 = _mm256_unpacklo_epi32(v[4], v[5]);
    let t5 = _mm256_unpackhi_epi32(v[4], v[5]);
    let t6 = _mm256_unpacklo_epi32(v[6], v[7]);
    let t7 = _mm256_unpackhi_epi32(v[6], v[7]);
    let u0 = _mm256_unpacklo_epi64(t0, t2);
    let u1 = _mm256_unpackhi_epi64(t0, t2);
    let u2 = _mm256_unpacklo_epi64(t1, t3);
    let u3 = _mm256_unpackhi_epi64(t1, t3);
    let u4 = _mm256_unpacklo_epi64(t4, t6);
    let u5 = _mm256_unpackhi_epi64(t4, t6);
    let u6 = _mm256_unpacklo_epi64(t5, t7);
    let u7 = _mm256_unpackhi_epi64(t5, t7);
    [
        _mm256_permute2x128_si256(u0, u4, 0x20),
        _mm256_permute2x128_si256(u1, u5, 0x20),
        _mm256_permute2x128_si256(u2, u6, 0x20),
        _mm256_permute2x128_si256(u3, u7, 0x20),
        _mm256_permute2x128_si256(u0, u4, 0x31),
        _mm256_permute2x128_si256(u1, u5, 0x31),
        _mm256_permute2x128_si256(u2, u6, 0x31),
        _mm256_permute2x128_si256(u3, u7, 0x31),
    ]
}

/// The horizontal pass for RGB uint8 with AVX2. Blocks of 8 rows are transposed into a tile whose column
/// `x` holds pixel `x` of the 8 rows as 32 bytes (RGB plus one unused byte each): 8 pixels of 8 rows at a
/// time, by a byte shuffle to 4-byte pixels (not needed when the source already has 4 bytes per pixel,
/// `px` = 4) and an 8x8 transpose of 32-bit words. Then every output pixel of the 8 rows is one
/// `dot_tile_u8_avx2` over its taps. Same integer sums as Pillow, in the same order.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn horizontal_rgb_u8_avx2(
    src: &[u8],
    in_w: usize,
    px: usize,
    rows: std::ops::Range<usize>,
    c: &Coefficients,
    dst: &mut [u8],
) {
    use std::arch::x86_64::*;
    const S: usize = 3 * ROWS; // bytes per tile column: 8 rows of RGB
    let w = c.fixed();
    let (in_stride, out_w) = (in_w * px, c.start.len());
    let out_stride = out_w * 3;
    assert!(px == 3 || px == 4);
    assert!(src.len() >= rows.end * in_stride && dst.len() >= rows.len() * out_stride);
    // 8 spare bytes: each column is written with a 32-byte store
    let mut tile = vec![0u8; in_w * S + 8];
    // bytes 0-2 -> 0-2, 3-5 -> 4-6, ... in each 128-bit half; 0x80 clears the fourth byte
    let expand = _mm256_setr_epi8(
        0, 1, 2, -128, 3, 4, 5, -128, 6, 7, 8, -128, 9, 10, 11, -128, 0, 1, 2, -128, 3, 4, 5, -128,
        6, 7, 8, -128, 9, 10, 11, -128,
    );
    // dwords 0-3 stay in the low half, 3-6 move to the high half: bytes 0-11 low, 12-23 high
    let spread = _mm256_setr_epi32(0, 1, 2, 3, 3, 4, 5, 6);
    // the inverse: drop every fourth byte in each half, then join the two 12-byte halves
    let compress = _mm256_setr_epi8(
        0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, -128, -128, -128, -128, 0, 1, 2, 4, 5, 6, 8, 9, 10,
        12, 13, 14, -128, -128, -128, -128,
    );
    let join = _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 3, 7);
    let mut done = 0;
    while done + ROWS <= rows.len() {
        let y0 = rows.start + done;
        let row = |r: usize| (y0 + r) * in_stride;
        let mut x = 0;
        // 32-byte loads: the last row of the block must hold 32 bytes from x * px
        while x + 8 <= in_w && row(ROWS - 1) + x * px + 32 <= src.len() {
            let mut v = [_mm256_setzero_si256(); ROWS];
            for (r, vr) in v.iter_mut().enumerate() {
                let raw = _mm256_loadu_si256(src.as_ptr().add(row(r) + x * px) as *const __m256i);
                // with 4 bytes per pixel the fourth byte rides along and `compress` drops it below
                *vr = if px == 4 {
                    raw
                } else {
                    _mm256_shuffle_epi8(_mm256_permutevar8x32_epi32(raw, spread), expand)
                };
            }
            let cols = transpose_8x8_epi32(v);
            // back to 3 bytes per pixel: 12 bytes per half, then the two halves side by side; the 8 bytes past
            // the column are overwritten by the next one (columns are stored in increasing order)
            let x_off = x;
            assert!((x_off + 8) * S + 8 <= tile.len());
            for (k, col) in cols.iter().enumerate() {
                let packed = _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(*col, compress), join);
                _mm256_storeu_si256(
                    tile.as_mut_ptr().add((x_off + k) * S) as *mut __m256i,
                    packed,
                );
            }
            x += 8;
        }
        for x in x..in_w {
            for r in 0..ROWS {
                let p = &src[row(r) + x * px..row(r) + x * px + 3];
                tile[x * S + r * 3..x * S + r * 3 + 3].copy_from_slice(p);
            }
        }
        let block = &mut dst[done * out_stride..(done + ROWS) * out_stride];
        // 8 output pixels at a time: the tile's transposition backwards (to 4 bytes per row, 8x8 transpose,
        // back to 3 bytes), then 24 bytes into each of the 8 rows. (Writing each pixel's 8 rows with 3-byte
        // copies took a third of this function.)
        let groups = out_w / 8;
        for g in 0..groups {
            let mut pixels = [_mm256_setzero_si256(); 8];
            for (k, p) in pixels.iter_mut().enumerate() {
                *p = _mm256_shuffle_epi8(
                    _mm256_permutevar8x32_epi32(rgb_tile_output(&tile, &w, c, g * 8 + k), spread),
                    expand,
                );
            }
            for (r, row_px) in transpose_8x8_epi32(pixels).iter().enumerate() {
                let packed =
                    _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(*row_px, compress), join);
                let at = &mut block[r * out_stride + g * 24..r * out_stride + g * 24 + 24];
                _mm_storeu_si128(
                    at.as_mut_ptr() as *mut __m128i,
                    _mm256_castsi256_si128(packed),
                );
                _mm_storel_epi64(
                    at.as_mut_ptr().add(16) as *mut __m128i,
                    _mm256_extracti128_si256::<1>(packed),
                );
            }
        }
        for xx in groups * 8..out_w {
            let mut bytes = [0u8; 32];
            _mm256_storeu_si256(
                bytes.as_mut_ptr() as *mut __m256i,
                rgb_tile_output(&tile, &w, c, xx),
            );
            for (r, p) in bytes[..S].chunks_exact(3).enumerate() {
                block[r * out_stride + xx * 3..r * out_stride + xx * 3 + 3].copy_from_slice(p);
            }
        }
        done += ROWS;
    }
    // the last rows (fewer than ROWS) through the generic code
    let tail_rows = rows.start + done..rows.end;
    horizontal_tiled::<u8, 3, { 3 * ROWS }>(
        true,
        src,
        in_w,
        px,
        tail_rows,
        c,
        &w,
        &mut dst[done * out_stride..],
    );
}

#[inline(always)]
fn dot_tile_generic<T: Sample, const L: usize>(
    taps: &[T],
    weights: &[T::Weight],
    acc: &mut [T::Acc; L],
) {
    for (col, &wt) in taps.chunks_exact(L).zip(weights) {
        for (a, &v) in acc.iter_mut().zip(col) {
            *a = T::mac(*a, v, wt);
        }
    }
}

/// 8 lanes per register: widen 8 bytes to int32, multiply by the broadcast weight, add. Wrapping integer
/// arithmetic like the scalar path, so the sums are identical. (LLVM vectorized the generic loop across taps
/// with byte inserts instead: this is 2.5x faster.)
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn dot_tile_u8_avx2<const L: usize>(taps: &[u8], weights: &[i32], acc: &mut [i32; L]) {
    use std::arch::x86_64::*;
    assert!(L % 8 == 0 && L <= 32 && taps.len() >= weights.len() * L);
    let groups = L / 8;
    let mut sums = [_mm256_setzero_si256(); 4];
    for (g, sum) in sums.iter_mut().enumerate().take(groups) {
        *sum = _mm256_loadu_si256(acc.as_ptr().add(g * 8) as *const __m256i);
    }
    for (t, &wt) in weights.iter().enumerate() {
        let w = _mm256_set1_epi32(wt);
        let col = taps.as_ptr().add(t * L);
        for (g, sum) in sums.iter_mut().enumerate().take(groups) {
            let v = _mm256_cvtepu8_epi32(_mm_loadl_epi64(col.add(g * 8) as *const __m128i));
            *sum = _mm256_add_epi32(*sum, _mm256_mullo_epi32(v, w));
        }
    }
    for (g, sum) in sums.iter().enumerate().take(groups) {
        _mm256_storeu_si256(acc.as_mut_ptr().add(g * 8) as *mut __m256i, *sum);
    }
}

impl Sample for u8 {
    type Acc = i32;
    type Weight = i32;
    fn weights(c: &Coefficients) -> Vec<i32> {
        c.fixed()
    }
    #[inline(always)]
    fn zero() -> i32 {
        HALF
    }
    #[inline(always)]
    fn mac(acc: i32, v: u8, w: i32) -> i32 {
        // wrapping: the C code adds plain ints; the sum cannot overflow for 8-bit input and Pillow's filters
        acc.wrapping_add((v as i32).wrapping_mul(w))
    }
    #[inline(always)]
    fn finish(acc: i32) -> u8 {
        clip8(acc)
    }
    #[inline(always)]
    fn dot_tile<const L: usize>(taps: &[u8], weights: &[i32], acc: &mut [i32; L], avx2: bool) {
        #[cfg(target_arch = "x86_64")]
        if avx2 && L % 8 == 0 && L <= 32 {
            // SAFETY: `avx2` is only true when the CPU was detected to support AVX2 (see `resize`)
            unsafe { dot_tile_u8_avx2(taps, weights, acc) };
            return;
        }
        let _ = avx2;
        dot_tile_generic(taps, weights, acc);
    }
    #[inline(always)]
    fn vertical_fast(
        src: &[u8],
        src_stride: usize,
        col0: usize,
        cols: usize,
        c: &Coefficients,
        dst: &mut [u8],
        avx2: bool,
    ) -> bool {
        #[cfg(target_arch = "x86_64")]
        if avx2 {
            // SAFETY: `avx2` is only true when the CPU was detected to support AVX2 (see `resize`)
            unsafe { vertical_u8_avx2(src, src_stride, col0, cols, c, dst) };
            return true;
        }
        let _ = (src, src_stride, col0, cols, c, dst, avx2);
        false
    }
    #[inline(always)]
    fn horizontal_rgb_fast(
        src: &[u8],
        in_w: usize,
        px: usize,
        rows: std::ops::Range<usize>,
        c: &Coefficients,
        dst: &mut [u8],
        avx2: bool,
    ) -> bool {
        #[cfg(target_arch = "x86_64")]
        if avx2 && (px == 3 || px == 4) {
            // SAFETY: `avx2` is only true when the CPU was detected to support AVX2 (see `resize`)
            unsafe { horizontal_rgb_u8_avx2(src, in_w, px, rows, c, dst) };
            return true;
        }
        let _ = (src, in_w, px, rows, c, dst, avx2);
        false
    }
}

impl Sample for f32 {
    type Acc = f64;
    type Weight = f64;
    fn weights(c: &Coefficients) -> Vec<f64> {
        c.weights.clone()
    }
    #[inline(always)]
    fn zero() -> f64 {
        0.0
    }
    #[inline(always)]
    fn mac(acc: f64, v: f32, w: f64) -> f64 {
        acc + v as f64 * w
    }
    #[inline(always)]
    fn finish(acc: f64) -> f32 {
        acc as f32
    }
}

/// Rows the horizontal pass filters together: the tile is transposed so that the same weight multiplies
/// `ROWS * channels` contiguous samples, which the compiler turns into SIMD (measured: 3x over one row at
/// a time for RGB).
const ROWS: usize = 8;

/// Horizontal pass: rows `rows` of `src` (width `in_w`, `px` samples per pixel of which the first `ch` are
/// channels) into `dst` (`out_w` wide, `ch` samples per pixel).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn horizontal<T: Sample>(
    src: &[T],
    in_w: usize,
    ch: usize,
    px: usize,
    rows: std::ops::Range<usize>,
    c: &Coefficients,
    dst: &mut [T],
    avx2: bool,
) {
    if ch == 3 && T::horizontal_rgb_fast(src, in_w, px, rows.clone(), c, dst, avx2) {
        return;
    }
    let w = T::weights(c);
    match ch {
        1 => horizontal_tiled::<T, 1, { ROWS }>(avx2, src, in_w, px, rows, c, &w, dst),
        2 => horizontal_tiled::<T, 2, { 2 * ROWS }>(avx2, src, in_w, px, rows, c, &w, dst),
        3 => horizontal_tiled::<T, 3, { 3 * ROWS }>(avx2, src, in_w, px, rows, c, &w, dst),
        _ => horizontal_tiled::<T, 4, { 4 * ROWS }>(avx2, src, in_w, px, rows, c, &w, dst),
    }
}

/// `L` is `ROWS * C` (stable Rust cannot compute it from `C`); source pixels are `px` >= `C` samples apart.
/// Sums run over the taps in Pillow's order.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn horizontal_tiled<T: Sample, const C: usize, const L: usize>(
    avx2: bool,
    src: &[T],
    in_w: usize,
    px: usize,
    rows: std::ops::Range<usize>,
    c: &Coefficients,
    w: &[T::Weight],
    dst: &mut [T],
) {
    let (in_stride, out_w) = (in_w * px, c.start.len());
    let out_stride = out_w * C;
    let mut tile = vec![T::default(); in_w * L];
    let mut done = 0;
    for block in dst.chunks_exact_mut(out_stride * ROWS) {
        let y0 = rows.start + done;
        let rows_in: [&[T]; ROWS] =
            std::array::from_fn(|r| &src[(y0 + r) * in_stride..(y0 + r + 1) * in_stride]);
        for (x, col) in tile.chunks_exact_mut(L).enumerate() {
            let col: &mut [T; L] = col
                .try_into()
                .expect("chunks_exact_mut(L) yields L samples");
            for (r, row) in rows_in.iter().enumerate() {
                let p: &[T; C] = row[x * px..x * px + C].try_into().expect("C samples");
                col[r * C..r * C + C].copy_from_slice(p);
            }
        }
        for xx in 0..out_w {
            let (start, n, base) = (c.start[xx], c.len[xx], xx * c.ksize);
            let mut acc = [T::zero(); L];
            T::dot_tile(
                &tile[start * L..(start + n) * L],
                &w[base..base + n],
                &mut acc,
                avx2,
            );
            for (r, a) in acc.chunks_exact(C).enumerate() {
                let px = &mut block[r * out_stride + xx * C..r * out_stride + (xx + 1) * C];
                for (o, &v) in px.iter_mut().zip(a) {
                    *o = T::finish(v);
                }
            }
        }
        done += ROWS;
    }
    // the last rows (fewer than ROWS) one at a time
    let tail = &mut dst[done * out_stride..];
    for (row_out, y) in tail
        .chunks_exact_mut(out_stride)
        .zip(rows.start + done..rows.end)
    {
        let row_in = &src[y * in_stride..(y + 1) * in_stride];
        for (xx, px_out) in row_out.chunks_exact_mut(C).enumerate() {
            let (start, n, base) = (c.start[xx], c.len[xx], xx * c.ksize);
            let mut acc = [T::zero(); C];
            // zip stops after the C channels of each px-sample pixel
            for (p, &wt) in row_in[start * px..(start + n) * px]
                .chunks_exact(px)
                .zip(&w[base..base + n])
            {
                for (a, &v) in acc.iter_mut().zip(p) {
                    *a = T::mac(*a, v, wt);
                }
            }
            for (o, &a) in px_out.iter_mut().zip(&acc) {
                *o = T::finish(a);
            }
        }
    }
}

/// Vertical pass over full rows (channels are independent, so a row is flat): `cols` samples from
/// `col0` of every `src_stride`-long input row. Taps are applied in Pillow's order (first input row
/// first), so float sums round identically.
#[inline(always)]
fn vertical<T: Sample>(
    src: &[T],
    src_stride: usize,
    col0: usize,
    cols: usize,
    c: &Coefficients,
    dst: &mut [T],
    avx2: bool,
) {
    if T::vertical_fast(src, src_stride, col0, cols, c, dst, avx2) {
        return;
    }
    let w = T::weights(c);
    let mut acc = vec![T::zero(); cols];
    for (yy, row_out) in dst.chunks_exact_mut(cols).enumerate() {
        acc.iter_mut().for_each(|a| *a = T::zero());
        let (start, n, base) = (c.start[yy], c.len[yy], yy * c.ksize);
        for (y, &wt) in w[base..base + n].iter().enumerate() {
            let off = (start + y) * src_stride + col0;
            for (a, &v) in acc.iter_mut().zip(&src[off..off + cols]) {
                *a = T::mac(*a, v, wt);
            }
        }
        for (o, &a) in row_out.iter_mut().zip(&acc) {
            *o = T::finish(a);
        }
    }
}

/// Resize an interleaved `height x width x channels` image to `out_h x out_w`, as Pillow 13's
/// `Image.resize((out_w, out_h), filter)` does for modes L / LA / RGB / RGBX (and F for f32).
pub fn resize<T: Sample>(
    src: &[T],
    shape: (usize, usize, usize),
    out: (usize, usize),
    filter: Filter,
) -> Result<Vec<T>, ImageError> {
    resize_strided(src, shape, shape.2, out, filter)
}

/// `resize` of an image whose pixels are `pixel_stride` samples apart, the first `shape.2` of each being
/// its channels (Pillow keeps RGB as 4 bytes per pixel); the output has `shape.2` samples per pixel.
pub fn resize_strided<T: Sample>(
    src: &[T],
    shape: (usize, usize, usize),
    pixel_stride: usize,
    out: (usize, usize),
    filter: Filter,
) -> Result<Vec<T>, ImageError> {
    #[cfg(target_arch = "x86_64")]
    {
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2 (checked just above)
            return unsafe { resize_avx2(src, shape, pixel_stride, out, filter) };
        }
    }
    resize_generic(src, shape, pixel_stride, out, filter, false)
}

/// `resize` without any CPU-specific code path (what runs on CPUs without AVX2); tests compare the two.
pub fn resize_portable<T: Sample>(
    src: &[T],
    shape: (usize, usize, usize),
    out: (usize, usize),
    filter: Filter,
) -> Result<Vec<T>, ImageError> {
    resize_strided_portable(src, shape, shape.2, out, filter)
}

/// `resize_strided` without any CPU-specific code path.
pub fn resize_strided_portable<T: Sample>(
    src: &[T],
    shape: (usize, usize, usize),
    pixel_stride: usize,
    out: (usize, usize),
    filter: Filter,
) -> Result<Vec<T>, ImageError> {
    resize_generic(src, shape, pixel_stride, out, filter, false)
}

/// The same code compiled with AVX2 (8 int32 lanes, `vpmulld`); the wheel targets baseline x86-64.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn resize_avx2<T: Sample>(
    src: &[T],
    shape: (usize, usize, usize),
    pixel_stride: usize,
    out: (usize, usize),
    filter: Filter,
) -> Result<Vec<T>, ImageError> {
    resize_generic(src, shape, pixel_stride, out, filter, true)
}

/// The first `ch` samples of every `px`-sample pixel, packed.
fn pack<T: Sample>(src: &[T], ch: usize, px: usize) -> Vec<T> {
    if ch == px {
        return src.to_vec();
    }
    src.chunks_exact(px)
        .flat_map(|p| &p[..ch])
        .copied()
        .collect()
}

#[inline(always)]
fn resize_generic<T: Sample>(
    src: &[T],
    (height, width, ch): (usize, usize, usize),
    px: usize,
    (out_h, out_w): (usize, usize),
    filter: Filter,
    avx2: bool,
) -> Result<Vec<T>, ImageError> {
    check_shape(src.len(), (height, width, px), (out_h, out_w))?;
    if ch == 0 || ch > px {
        return Err(ImageError::Shape(format!(
            "image has {ch} channels in pixels of {px} samples; expected 1 to {px} channels"
        )));
    }
    if (height, width) == (out_h, out_w) {
        return Ok(pack(src, ch, px));
    }
    if filter == Filter::Nearest {
        return Ok(nearest(src, (height, width, ch), px, (out_h, out_w)));
    }
    let need_h = out_w != width;
    let need_v = out_h != height;
    let hc = Coefficients::new(width, out_w, filter);
    let vc = Coefficients::new(height, out_h, filter);
    // Pillow 13 runs the vertical pass first when it removes more than twice as many rows as the
    // horizontal pass removes columns (measured: never when the height grows)
    let vertical_first = need_h
        && need_v
        && height > out_h
        && (height as i64 - out_h as i64) > 2 * (width as i64 - out_w as i64);
    if !need_v {
        let mut out = vec![T::default(); out_h * out_w * ch];
        horizontal(src, width, ch, px, 0..height, &hc, &mut out, avx2);
        return Ok(out);
    }
    if !need_h {
        // whole pixels (the vertical pass treats a row as flat), then only the channels
        let mut out = vec![T::default(); out_h * out_w * px];
        vertical(src, width * px, 0, width * px, &vc, &mut out, avx2);
        return Ok(pack(&out, ch, px));
    }
    if vertical_first {
        // only the columns the horizontal pass will read, as whole pixels
        let (x0, x1) = hc.span();
        let cols = (x1 - x0) * px;
        let mut tmp = vec![T::default(); out_h * cols];
        vertical(src, width * px, x0 * px, cols, &vc, &mut tmp, avx2);
        let hc = hc.shifted(x0);
        let mut out = vec![T::default(); out_h * out_w * ch];
        horizontal(&tmp, x1 - x0, ch, px, 0..out_h, &hc, &mut out, avx2);
        Ok(out)
    } else {
        // only the rows the vertical pass will read
        let (y0, y1) = vc.span();
        let mut tmp = vec![T::default(); (y1 - y0) * out_w * ch];
        horizontal(src, width, ch, px, y0..y1, &hc, &mut tmp, avx2);
        let vc = vc.shifted(y0);
        let mut out = vec![T::default(); out_h * out_w * ch];
        vertical(&tmp, out_w * ch, 0, out_w * ch, &vc, &mut out, avx2);
        Ok(out)
    }
}

fn check_shape(
    len: usize,
    (height, width, ch): (usize, usize, usize),
    (out_h, out_w): (usize, usize),
) -> Result<(), ImageError> {
    if height == 0 || width == 0 {
        return Err(ImageError::Shape(format!(
            "image is empty: height {height}, width {width}"
        )));
    }
    if !(1..=4).contains(&ch) {
        return Err(ImageError::Shape(format!(
            "image has {ch} channels; expected 1, 2, 3 or 4"
        )));
    }
    if out_h == 0 || out_w == 0 {
        return Err(ImageError::Shape(format!(
            "target size must be positive, got {out_h}x{out_w}"
        )));
    }
    if height.checked_mul(width).and_then(|n| n.checked_mul(ch)) != Some(len) {
        return Err(ImageError::Shape(format!(
            "buffer of {len} samples does not hold a {height}x{width}x{ch} image"
        )));
    }
    if out_h > i32::MAX as usize / 8
        || out_w > i32::MAX as usize / 8
        || height > i32::MAX as usize
        || width > i32::MAX as usize
    {
        return Err(ImageError::Shape(format!(
            "size {out_h}x{out_w} from {height}x{width} is too large"
        )));
    }
    Ok(())
}

/// Nearest neighbour as Pillow's `ImagingScaleAffine`: the source coordinate is accumulated by repeated
/// addition of the scale (not multiplied), truncated; positions outside the source stay 0.
fn nearest<T: Sample>(
    src: &[T],
    (height, width, ch): (usize, usize, usize),
    px: usize,
    (out_h, out_w): (usize, usize),
) -> Vec<T> {
    let table = |in_size: usize, out_size: usize| -> Vec<Option<usize>> {
        let step = (in_size as f32 as f64) / out_size as f64;
        let mut pos = step * 0.5;
        (0..out_size)
            .map(|_| {
                let i = if pos < 0.0 { None } else { Some(pos as usize) };
                pos += step;
                i.filter(|&i| i < in_size)
            })
            .collect()
    };
    let xs = table(width, out_w);
    let ys = table(height, out_h);
    let mut out = vec![T::default(); out_h * out_w * ch];
    for (row_out, yi) in out.chunks_exact_mut(out_w * ch).zip(&ys) {
        let Some(yi) = *yi else { continue };
        let row_in = &src[yi * width * px..(yi + 1) * width * px];
        // a copy of a compile-time length per pixel: with a run-time one LLVM called memcpy for every pixel
        // (40% of a NEAREST batch)
        match ch {
            1 => nearest_row::<T, 1>(row_out, row_in, &xs, px),
            2 => nearest_row::<T, 2>(row_out, row_in, &xs, px),
            3 => nearest_row::<T, 3>(row_out, row_in, &xs, px),
            _ => nearest_row::<T, 4>(row_out, row_in, &xs, px),
        }
    }
    out
}

/// One output row of `nearest`: pixel `i` is source pixel `xs[i]` (`C` channels, `px` samples apart).
#[inline(always)]
fn nearest_row<T: Sample, const C: usize>(
    row_out: &mut [T],
    row_in: &[T],
    xs: &[Option<usize>],
    px: usize,
) {
    for (p, xi) in row_out.chunks_exact_mut(C).zip(xs) {
        if let Some(xi) = *xi {
            let from: &[T; C] = row_in[xi * px..xi * px + C].try_into().expect("C samples");
            p.copy_from_slice(from);
        }
    }
}
