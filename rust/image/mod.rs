//! Image kernels: Pillow-exact resampling, fused rescale + normalize + HWC->CHW, batched with rayon.
//!
//! Plain Rust (no pyo3): `rust/py/image.rs` is the binding. The Python twin that documents the
//! semantics is `python/ferroformers/models/vit/image_processing_vit.py`.

pub mod normalize;
pub mod resample;

use rayon::prelude::*;

pub use normalize::Normalize;
pub use resample::{resize, resize_strided, Coefficients, Filter};

/// Errors from the image kernels; the binding maps both to `ValueError`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageError {
    /// An image or target size that cannot be processed (empty, too many channels, wrong buffer length).
    Shape(String),
    /// Images of a batch that cannot be stacked into one array.
    Batch(String),
}

impl std::fmt::Display for ImageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ImageError::Shape(m) | ImageError::Batch(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for ImageError {}

/// Borrowed interleaved (`height x width x channels`, row-major) pixels.
#[derive(Clone, Copy, Debug)]
pub enum Pixels<'a> {
    U8(&'a [u8]),
    F32(&'a [f32]),
    /// `height x width x pixel_stride` bytes whose first `channels` of every pixel are the image (Pillow's
    /// own memory: RGB is kept as 4 bytes per pixel).
    U8Strided {
        samples: &'a [u8],
        pixel_stride: usize,
    },
}

/// One image of a batch and how to map its values after resizing.
#[derive(Clone, Debug)]
pub struct ImageRef<'a> {
    pub pixels: Pixels<'a>,
    pub height: usize,
    pub width: usize,
    pub channels: usize,
    pub normalize: Normalize,
}

/// Output layout of `preprocess_batch`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// `N x C x H x W`
    ChannelsFirst,
    /// `N x H x W x C`
    ChannelsLast,
}

/// Whether to go parallel: only on a pool the caller installed (the binding installs the shared fork-safe one,
/// crate::parallel). Elsewhere the images are processed on this thread and rayon's global pool, whose threads
/// a forked child (a DataLoader worker) would not have, is never touched.
fn on_installed_pool() -> bool {
    rayon::current_thread_index().is_some()
}

/// Resize (when `size` is given, to `(height, width)` with `filter`), rescale, normalize and lay out every
/// image into one float32 array; images are processed in parallel on an installed pool (`on_installed_pool`).
/// Returns the data and its `(n, channels, height, width)`.
pub fn preprocess_batch(
    images: &[ImageRef<'_>],
    size: Option<(usize, usize)>,
    filter: Filter,
    layout: Layout,
) -> Result<(Vec<f32>, [usize; 4]), ImageError> {
    let Some(first) = images.first() else {
        return Err(ImageError::Batch("no images were given".into()));
    };
    let (out_h, out_w) = size.unwrap_or((first.height, first.width));
    if out_h == 0 || out_w == 0 {
        return Err(ImageError::Shape(format!(
            "target size must be positive, got {out_h}x{out_w}"
        )));
    }
    let channels = first.channels;
    for (i, im) in images.iter().enumerate() {
        if im.height == 0 || im.width == 0 || !(1..=4).contains(&im.channels) {
            return Err(ImageError::Shape(format!(
                "image {i} has shape {}x{}x{}; expected a non-empty image with 1, 2, 3 or 4 channels",
                im.height, im.width, im.channels
            )));
        }
        if im.channels != channels {
            return Err(ImageError::Batch(format!(
                "image {i} has {} channels but image 0 has {channels}; convert them to one mode (do_convert_rgb=True)",
                im.channels
            )));
        }
        if size.is_none() && (im.height, im.width) != (out_h, out_w) {
            return Err(ImageError::Batch(format!(
                "image {i} is {}x{} but image 0 is {out_h}x{out_w}; without resizing they cannot be stacked",
                im.height, im.width
            )));
        }
        if let Some((m, s)) = &im.normalize.mean_std {
            if m.len() != channels || s.len() != channels {
                return Err(ImageError::Shape(format!(
                    "image {i} has {channels} channels but image_mean has {} and image_std {} values",
                    m.len(),
                    s.len()
                )));
            }
        }
    }
    let per_image = channels * out_h * out_w;
    let total = per_image * images.len();
    // not zero-filled: every element is written below (a memset of the whole batch cost 7% of the time)
    let mut out: Vec<f32> = Vec::with_capacity(total);
    let channels_first = layout == Layout::ChannelsFirst;
    let work = |(i, (dst, im)): (usize, (&mut [std::mem::MaybeUninit<f32>], &ImageRef<'_>))| {
        let shape = (im.height, im.width, im.channels);
        let with_index = |e: ImageError| match e {
            ImageError::Shape(m) => ImageError::Shape(format!("image {i}: {m}")),
            other => other,
        };
        match im.pixels {
            Pixels::U8(src) | Pixels::U8Strided { samples: src, .. } => {
                let stride = match im.pixels {
                    Pixels::U8Strided { pixel_stride, .. } => pixel_stride,
                    _ => im.channels,
                };
                let resized = resize_strided(src, shape, stride, (out_h, out_w), filter)
                    .map_err(with_index)?;
                assert_eq!(
                    resized.len(),
                    dst.len(),
                    "a resized image fills its output exactly"
                );
                normalize::u8_to_f32(&resized, channels, &im.normalize, channels_first, dst);
            }
            Pixels::F32(src) => {
                let resized = resize(src, shape, (out_h, out_w), filter).map_err(with_index)?;
                assert_eq!(
                    resized.len(),
                    dst.len(),
                    "a resized image fills its output exactly"
                );
                normalize::f32_to_f32(&resized, channels, &im.normalize, channels_first, dst);
            }
        }
        Ok::<(), ImageError>(())
    };
    let chunks = &mut out.spare_capacity_mut()[..total];
    let chunk = per_image.max(1);
    if on_installed_pool() {
        chunks
            .par_chunks_mut(chunk)
            .zip(images.par_iter())
            .enumerate()
            .try_for_each(work)?;
    } else {
        chunks
            .chunks_mut(chunk)
            .zip(images.iter())
            .enumerate()
            .try_for_each(work)?;
    }
    // SAFETY: the loop above returned Ok only after every chunk was filled: each image's chunk is
    // `per_image` = out_h * out_w * channels long, and u8_to_f32 / f32_to_f32 write every element of it
    // (the resized image has exactly that many samples)
    unsafe { out.set_len(total) };
    Ok((out, [images.len(), channels, out_h, out_w]))
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_strided;
