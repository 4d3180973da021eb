//! Resampling filters and their per-pixel taps, as Pillow 13 `src/libImaging/Resample.c` computes them
//! (`precompute_coeffs`, `normalize_coeffs_8bpc`).

use crate::memory::{self, AllocError};

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
    /// Err: the table (`out_size` outputs of up to `ksize` taps) cannot be had.
    pub fn new(
        in_size: usize,
        out_size: usize,
        filter: Filter,
    ) -> Result<Coefficients, AllocError> {
        // Pillow passes the box as C floats; whole-axis sizes below 2**24 are exact in f32
        let scale = (in_size as f32 as f64) / out_size as f64;
        let filterscale = scale.max(1.0);
        let support = filter.support() * filterscale;
        let ksize = support.ceil() as usize * 2 + 1;
        let mut start = memory::with_capacity(out_size)?;
        let mut len = memory::with_capacity(out_size)?;
        let mut weights = memory::filled(memory::count(&[out_size, ksize], 8)?, 0.0f64)?;
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
        Ok(Coefficients {
            ksize,
            start,
            len,
            weights,
        })
    }

    /// First and one-past-last input index any output reads.
    pub(super) fn span(&self) -> (usize, usize) {
        match (self.start.first(), self.start.last(), self.len.last()) {
            (Some(&a), Some(&b), Some(&n)) => (a, b + n),
            _ => (0, 0),
        }
    }

    /// The same taps with every input index moved down by `by`.
    pub(super) fn shifted(mut self, by: usize) -> Coefficients {
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
pub(super) const PRECISION_BITS: u32 = 32 - 8 - 2;
pub(super) const HALF: i32 = 1 << (PRECISION_BITS - 1);

#[inline(always)]
pub(super) fn clip8(acc: i32) -> u8 {
    (acc >> PRECISION_BITS).clamp(0, 255) as u8
}
