//! Fused rescale + normalize + layout change, reproducing transformers' PIL backend bit for bit.
//!
//! transformers 5.24 `image_transforms.rescale` computes `uint8 -> float64 * factor -> float32`, then
//! `normalize` computes `(x - mean) / std` in float32 with mean and std rounded to float32. For uint8
//! input that is a function of (channel, value): a 256-entry table per channel reproduces it exactly
//! (`v * (2/255) - 1` in float32 does not).

/// What to apply after resizing; `None` skips a step.
#[derive(Clone, Debug, Default)]
pub struct Normalize {
    pub rescale: Option<f64>,
    /// (mean, std) per channel
    pub mean_std: Option<(Vec<f32>, Vec<f32>)>,
}

impl Normalize {
    #[inline(always)]
    fn apply(&self, v: f32, ch: usize) -> f32 {
        let x = match self.rescale {
            Some(s) => (v as f64 * s) as f32,
            None => v,
        };
        match &self.mean_std {
            Some((m, s)) => (x - m[ch]) / s[ch],
            None => x,
        }
    }

    /// The 256-entry table of every channel: `table[ch * 256 + v]`.
    pub fn table(&self, channels: usize) -> Vec<f32> {
        (0..channels)
            .flat_map(|ch| (0..=255u8).map(move |v| self.apply(v as f32, ch)))
            .collect()
    }
}

/// Write an interleaved `h x w x c` uint8 image into `out` as float32, channels first (`c x h x w`) or
/// last, through the per-channel table.
pub fn u8_to_f32(
    src: &[u8],
    channels: usize,
    norm: &Normalize,
    channels_first: bool,
    out: &mut [f32],
) {
    let table = norm.table(channels);
    if channels_first {
        let plane = src.len() / channels;
        for (ch, out_plane) in out.chunks_exact_mut(plane).enumerate() {
            let t = &table[ch * 256..(ch + 1) * 256];
            for (o, px) in out_plane.iter_mut().zip(src.chunks_exact(channels)) {
                *o = t[px[ch] as usize];
            }
        }
    } else {
        for (i, (o, &v)) in out.iter_mut().zip(src).enumerate() {
            *o = table[(i % channels) * 256 + v as usize];
        }
    }
}

/// As `u8_to_f32` for float32 pixels (no table: the arithmetic is done per pixel, in the same order).
pub fn f32_to_f32(
    src: &[f32],
    channels: usize,
    norm: &Normalize,
    channels_first: bool,
    out: &mut [f32],
) {
    if channels_first {
        let plane = src.len() / channels;
        for (ch, out_plane) in out.chunks_exact_mut(plane).enumerate() {
            for (o, px) in out_plane.iter_mut().zip(src.chunks_exact(channels)) {
                *o = norm.apply(px[ch], ch);
            }
        }
    } else {
        for (i, (o, &v)) in out.iter_mut().zip(src).enumerate() {
            *o = norm.apply(v, i % channels);
        }
    }
}
