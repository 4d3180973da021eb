//! Fused rescale + normalize + layout change, reproducing transformers' PIL backend bit for bit.
//!
//! transformers 5.24 `image_transforms.rescale` computes `uint8 -> float64 * factor -> float32`, then
//! `normalize` computes `(x - mean) / std` in float32 with mean and std rounded to float32. For uint8
//! input that is a function of (channel, value): a 256-entry table per channel reproduces it exactly
//! (`v * (2/255) - 1` in float32 does not).

use std::mem::MaybeUninit;

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
/// last, through the per-channel table. Every element of `out` (`h * w * c` long) is written.
pub fn u8_to_f32(
    src: &[u8],
    channels: usize,
    norm: &Normalize,
    channels_first: bool,
    out: &mut [MaybeUninit<f32>],
) {
    let table = norm.table(channels);
    let tables: Vec<&[f32; 256]> = table
        .chunks_exact(256)
        .map(|t| t.try_into().expect("256 entries per channel"))
        .collect();
    if channels_first && channels == 3 {
        // one pass over the pixels, three output planes (the common case: RGB)
        let plane = src.len() / 3;
        let (p0, rest) = out.split_at_mut(plane);
        let (p1, p2) = rest.split_at_mut(plane);
        let (t0, t1, t2) = (tables[0], tables[1], tables[2]);
        for (((px, o0), o1), o2) in src.chunks_exact(3).zip(p0).zip(p1).zip(p2) {
            o0.write(t0[px[0] as usize]);
            o1.write(t1[px[1] as usize]);
            o2.write(t2[px[2] as usize]);
        }
    } else if channels_first {
        let plane = src.len() / channels;
        for (ch, out_plane) in out.chunks_exact_mut(plane).enumerate() {
            let t = tables[ch];
            for (o, px) in out_plane.iter_mut().zip(src.chunks_exact(channels)) {
                o.write(t[px[ch] as usize]);
            }
        }
    } else {
        for (o, px) in out
            .chunks_exact_mut(channels)
            .zip(src.chunks_exact(channels))
        {
            for ((o, &v), t) in o.iter_mut().zip(px).zip(&tables) {
                o.write(t[v as usize]);
            }
        }
    }
}

/// As `u8_to_f32` for float32 pixels (no table: the arithmetic is done per pixel, in the same order).
pub fn f32_to_f32(
    src: &[f32],
    channels: usize,
    norm: &Normalize,
    channels_first: bool,
    out: &mut [MaybeUninit<f32>],
) {
    if channels_first {
        let plane = src.len() / channels;
        for (ch, out_plane) in out.chunks_exact_mut(plane).enumerate() {
            for (o, px) in out_plane.iter_mut().zip(src.chunks_exact(channels)) {
                o.write(norm.apply(px[ch], ch));
            }
        }
    } else {
        for (i, (o, &v)) in out.iter_mut().zip(src).enumerate() {
            o.write(norm.apply(v, i % channels));
        }
    }
}
