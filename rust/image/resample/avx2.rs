//! Hand-written AVX2 kernels for uint8 images: the vertical pass, the RGB horizontal pass and the tile dot
//! product. Same integer sums as the generic code, in the same order; called only after the CPU was detected
//! to support AVX2 (see `resize`). x86_64 only (the module is compiled for that architecture alone).

use super::filter::{clip8, Coefficients, HALF};
use super::{horizontal_tiled, Sample, ROWS};
use crate::memory::{self, AllocError};

/// The vertical pass for uint8 with AVX2: 32 columns at a time, their sums kept in four registers over all
/// the taps (in Pillow's order), then shifted and saturated to bytes together. Remaining columns are done
/// one by one with the same arithmetic.
///
/// # Safety
/// The CPU must support AVX2. Every memory access is checked against `src` and `dst` (an assert before the
/// loads), so that is the only requirement.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
pub(super) unsafe fn vertical_u8_avx2(
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
                let off = (start + y) * src_stride + col0 + b * 32;
                let wv = _mm256_set1_epi32(wt);
                for (g, sum) in sums.iter_mut().enumerate() {
                    // SAFETY: the 32 bytes from `off` lie inside `src` (the assert above, with b * 32 + 32 <=
                    // cols); each of the four loads reads 8 of them, unaligned loads
                    let v =
                        unsafe { _mm_loadl_epi64(src.as_ptr().add(off + g * 8) as *const __m128i) };
                    *sum = _mm256_add_epi32(*sum, _mm256_mullo_epi32(_mm256_cvtepu8_epi32(v), wv));
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
            // SAFETY: `row_out` holds `cols` >= b * 32 + 32 bytes (the assert above); an unaligned store
            unsafe { _mm256_storeu_si256(row_out.as_mut_ptr().add(b * 32) as *mut __m256i, bytes) };
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
fn rgb_tile_output(
    tile: &[u8],
    w: &[i32],
    c: &Coefficients,
    xx: usize,
) -> std::arch::x86_64::__m256i {
    use std::arch::x86_64::*;
    const S: usize = 3 * ROWS;
    let (start, n, base) = (c.start[xx], c.len[xx], xx * c.ksize);
    let mut acc = [HALF; S];
    // SAFETY: this function is only compiled into (and callable from) code running with AVX2
    unsafe {
        dot_tile_u8_avx2(
            &tile[start * S..(start + n) * S],
            &w[base..base + n],
            &mut acc,
        )
    };
    // clip8 on all 24 sums at once: shift, then saturate to i16 and u8 (= clamp to 0..255)
    // SAFETY: `acc` holds S = 24 int32: three unaligned loads of 8 from 0, 8 and 16
    let (lo, mid, hi) = unsafe {
        let p = acc.as_ptr();
        (
            _mm256_loadu_si256(p as *const __m256i),
            _mm256_loadu_si256(p.add(8) as *const __m256i),
            _mm256_loadu_si256(p.add(16) as *const __m256i),
        )
    };
    let (lo, mid, hi) = (
        _mm256_srai_epi32::<22>(lo),
        _mm256_srai_epi32::<22>(mid),
        _mm256_srai_epi32::<22>(hi),
    );
    // packs work per 128-bit half: reorder the 64-bit quarters afterwards
    let words_a = _mm256_permute4x64_epi64::<0b11_01_10_00>(_mm256_packs_epi32(lo, mid));
    let words_b = _mm256_permute4x64_epi64::<0b11_01_10_00>(_mm256_packs_epi32(hi, hi));
    _mm256_permute4x64_epi64::<0b11_01_10_00>(_mm256_packus_epi16(words_a, words_b))
}

/// Transpose of an 8x8 matrix of 32-bit words: word `j` of vector `i` becomes word `i` of vector `j`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
fn transpose_8x8_epi32(v: [std::arch::x86_64::__m256i; 8]) -> [std::arch::x86_64::__m256i; 8] {
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
///
/// # Safety
/// The CPU must support AVX2. Every memory access is checked against `src`, `dst` and the tile (asserts and
/// loop bounds), so that is the only requirement.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
pub(super) unsafe fn horizontal_rgb_u8_avx2(
    src: &[u8],
    in_w: usize,
    px: usize,
    rows: std::ops::Range<usize>,
    c: &Coefficients,
    dst: &mut [u8],
) -> Result<(), AllocError> {
    use std::arch::x86_64::*;
    const S: usize = 3 * ROWS; // bytes per tile column: 8 rows of RGB
    let w = c.fixed();
    let (in_stride, out_w) = (in_w * px, c.start.len());
    let out_stride = out_w * 3;
    assert!(px == 3 || px == 4);
    assert!(src.len() >= rows.end * in_stride && dst.len() >= rows.len() * out_stride);
    // 8 spare bytes: each column is written with a 32-byte store
    let mut tile = memory::filled(in_w * S + 8, 0u8)?;
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
                // SAFETY: row(r) <= row(ROWS - 1) and the loop condition keeps 32 bytes from there inside `src`
                let raw = unsafe {
                    _mm256_loadu_si256(src.as_ptr().add(row(r) + x * px) as *const __m256i)
                };
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
                // SAFETY: k < 8 and the assert above keep the 32 bytes from (x_off + k) * S inside the tile
                unsafe {
                    _mm256_storeu_si256(
                        tile.as_mut_ptr().add((x_off + k) * S) as *mut __m256i,
                        packed,
                    )
                };
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
                // SAFETY: `at` holds 24 bytes: 16 stored from its start, 8 from byte 16 (unaligned stores)
                unsafe {
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
        }
        for xx in groups * 8..out_w {
            let mut bytes = [0u8; 32];
            // SAFETY: `bytes` holds 32 bytes (an unaligned store)
            unsafe {
                _mm256_storeu_si256(
                    bytes.as_mut_ptr() as *mut __m256i,
                    rgb_tile_output(&tile, &w, c, xx),
                )
            };
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
    )
}

/// 8 lanes per register: widen 8 bytes to int32, multiply by the broadcast weight, add. Wrapping integer
/// arithmetic like the scalar path, so the sums are identical. (LLVM vectorized the generic loop across taps
/// with byte inserts instead: this is 2.5x faster.)
///
/// # Safety
/// The CPU must support AVX2. Every memory access is checked against `taps` and `acc` (the assert), so that
/// is the only requirement.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
pub(super) unsafe fn dot_tile_u8_avx2<const L: usize>(
    taps: &[u8],
    weights: &[i32],
    acc: &mut [i32; L],
) {
    use std::arch::x86_64::*;
    assert!(L.is_multiple_of(8) && L <= 32 && taps.len() >= weights.len() * L);
    let groups = L / 8;
    let mut sums = [_mm256_setzero_si256(); 4];
    for (g, sum) in sums.iter_mut().enumerate().take(groups) {
        // SAFETY: g * 8 + 8 <= L, the length of `acc`
        *sum = unsafe { _mm256_loadu_si256(acc.as_ptr().add(g * 8) as *const __m256i) };
    }
    for (t, &wt) in weights.iter().enumerate() {
        let w = _mm256_set1_epi32(wt);
        for (g, sum) in sums.iter_mut().enumerate().take(groups) {
            // SAFETY: t * L + g * 8 + 8 <= weights.len() * L <= taps.len() (the assert)
            let v = unsafe { _mm_loadl_epi64(taps.as_ptr().add(t * L + g * 8) as *const __m128i) };
            *sum = _mm256_add_epi32(*sum, _mm256_mullo_epi32(_mm256_cvtepu8_epi32(v), w));
        }
    }
    for (g, sum) in sums.iter().enumerate().take(groups) {
        // SAFETY: g * 8 + 8 <= L, the length of `acc`
        unsafe { _mm256_storeu_si256(acc.as_mut_ptr().add(g * 8) as *mut __m256i, *sum) };
    }
}
