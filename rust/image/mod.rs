//! Image kernels: Pillow-exact resampling, fused rescale + normalize + HWC->CHW, batched with rayon.
//!
//! Plain Rust (no pyo3): `rust/py/image.rs` is the binding. The Python twin that documents the
//! semantics is `python/ferroformers/models/vit/image_processing_vit.py`.

mod error;
pub mod normalize;
pub mod resample;

use crate::memory;
use rayon::prelude::*;

pub use error::ImageError;
pub use normalize::Normalize;
pub use resample::{resize, resize_strided, Coefficients, Filter};

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
        return Err(ImageError::NoImages);
    };
    let (out_h, out_w) = size.unwrap_or((first.height, first.width));
    if out_h == 0 || out_w == 0 {
        return Err(ImageError::TargetSize {
            height: out_h,
            width: out_w,
        });
    }
    let channels = first.channels;
    for (i, im) in images.iter().enumerate() {
        if im.height == 0 || im.width == 0 || !(1..=4).contains(&im.channels) {
            return Err(ImageError::BadShape {
                index: Some(i),
                height: im.height,
                width: im.width,
                channels: im.channels,
            });
        }
        if im.channels != channels {
            return Err(ImageError::MixedChannels {
                index: i,
                channels: im.channels,
                first: channels,
            });
        }
        if size.is_none() && (im.height, im.width) != (out_h, out_w) {
            return Err(ImageError::MixedSizes {
                index: i,
                height: im.height,
                width: im.width,
                first_height: out_h,
                first_width: out_w,
            });
        }
        if let Some((m, s)) = &im.normalize.mean_std {
            if m.len() != channels || s.len() != channels {
                return Err(ImageError::MeanStdLength {
                    index: i,
                    channels,
                    mean: m.len(),
                    std: s.len(),
                });
            }
        }
    }
    // the sizes come from the user: counted with overflow checks, allocated without aborting
    let output = |error| ImageError::Output {
        images: images.len(),
        channels,
        height: out_h,
        width: out_w,
        error,
    };
    let per_image = memory::count(&[channels, out_h, out_w], 4).map_err(output)?;
    let total = memory::count(&[per_image, images.len()], 4).map_err(output)?;
    // not zero-filled: every element is written below (a memset of the whole batch cost 7% of the time)
    let mut out: Vec<f32> = memory::with_capacity(total).map_err(output)?;
    let channels_first = layout == Layout::ChannelsFirst;
    let work = |(i, (dst, im)): (usize, (&mut [std::mem::MaybeUninit<f32>], &ImageRef<'_>))| {
        let shape = (im.height, im.width, im.channels);
        let with_index = |e: ImageError| ImageError::AtImage {
            index: i,
            source: Box::new(e),
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
