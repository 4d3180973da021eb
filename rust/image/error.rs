//! What can go wrong preprocessing images, as data: one variant per kind of failure, holding what the message
//! names (the image index, shape, size or argument). The binding (rust/py/errors.rs) maps each variant to its
//! Python exception.

use crate::memory::AllocError;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageError {
    /// a batch of no images
    NoImages,
    /// a target size with a zero side
    TargetSize { height: usize, width: usize },
    /// an image that is empty or whose channel count is not 1-4 (`index` within a batch)
    BadShape {
        index: Option<usize>,
        height: usize,
        width: usize,
        channels: usize,
    },
    /// images of one batch with different channel counts
    MixedChannels {
        index: usize,
        channels: usize,
        first: usize,
    },
    /// images of one batch with different sizes, not resized
    MixedSizes {
        index: usize,
        height: usize,
        width: usize,
        first_height: usize,
        first_width: usize,
    },
    /// image_mean / image_std whose lengths are not the channel count
    MeanStdLength {
        index: usize,
        channels: usize,
        mean: usize,
        std: usize,
    },
    /// a pixel buffer whose length is not height x width x channels
    BufferLength {
        len: usize,
        height: usize,
        width: usize,
        channels: usize,
    },
    /// a size past what the resampling arithmetic handles (Pillow's int32 coordinates)
    SizeTooLarge {
        height: usize,
        width: usize,
        in_height: usize,
        in_width: usize,
    },
    /// the output of `images` images of `channels x height x width` float32 values cannot be had
    Output {
        images: usize,
        channels: usize,
        height: usize,
        width: usize,
        error: AllocError,
    },
    /// an error of one image of a batch
    AtImage {
        index: usize,
        source: Box<ImageError>,
    },
    /// a resample code that is not one of Pillow's filters
    BadResample { code: i64 },
    /// a per-image list of the wrong length
    RescaleLength { rescale: usize, images: usize },
    /// image_mean without image_std or the reverse
    MeanStdPair,
    /// an array that is not C-contiguous
    NotContiguous { index: usize },
    /// a per-image list of channel counts of the wrong length
    ChannelsLength { channels: usize, images: usize },
    /// a channel count given for an image that its pixels (`samples` each) cannot hold; fewer channels than
    /// samples only for uint8
    BadChannels {
        index: usize,
        channels: usize,
        samples: usize,
    },
    /// pixels of `pixel_stride` samples that cannot hold `channels` channels (0, or more than the stride)
    StrideChannels {
        channels: usize,
        pixel_stride: usize,
    },
}

impl fmt::Display for ImageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImageError::NoImages => f.write_str("no images were given"),
            ImageError::TargetSize { height, width } => {
                write!(f, "target size must be positive, got {height}x{width}")
            }
            ImageError::BadShape {
                index,
                height,
                width,
                channels,
            } => {
                f.write_str("image")?;
                if let Some(i) = index {
                    write!(f, " {i}")?;
                }
                write!(
                    f,
                    " has shape {height}x{width}x{channels}; expected a non-empty image with 1, 2, 3 or 4 \
                     channels"
                )
            }
            ImageError::MixedChannels {
                index,
                channels,
                first,
            } => write!(
                f,
                "image {index} has {channels} channels but image 0 has {first}; convert them to one mode \
                 (do_convert_rgb=True)"
            ),
            ImageError::MixedSizes {
                index,
                height,
                width,
                first_height,
                first_width,
            } => write!(
                f,
                "image {index} is {height}x{width} but image 0 is {first_height}x{first_width}; without \
                 resizing they cannot be stacked"
            ),
            ImageError::MeanStdLength {
                index,
                channels,
                mean,
                std,
            } => write!(
                f,
                "image {index} has {channels} channels but image_mean has {mean} and image_std {std} values"
            ),
            ImageError::BufferLength {
                len,
                height,
                width,
                channels,
            } => write!(
                f,
                "buffer of {len} samples does not hold a {height}x{width}x{channels} image"
            ),
            ImageError::SizeTooLarge {
                height,
                width,
                in_height,
                in_width,
            } => write!(
                f,
                "size {height}x{width} from {in_height}x{in_width} is too large"
            ),
            ImageError::Output {
                images,
                channels,
                height,
                width,
                error,
            } => write!(
                f,
                "size {height}x{width}: {images} image(s) of {channels} x {height} x {width} float32 values: \
                 {error}"
            ),
            ImageError::AtImage { index, source } => write!(f, "image {index}: {source}"),
            ImageError::BadResample { code } => {
                write!(f, "resample must be a Pillow filter 0-5, got {code}")
            }
            ImageError::RescaleLength { rescale, images } => {
                write!(f, "rescale has {rescale} entries for {images} images")
            }
            ImageError::MeanStdPair => f.write_str("mean and std must both be given or both be None"),
            ImageError::NotContiguous { index } => write!(
                f,
                "image {index}: the array is not contiguous (needs a C-contiguous array)"
            ),
            ImageError::ChannelsLength { channels, images } => {
                write!(f, "channels has {channels} entries for {images} images")
            }
            ImageError::BadChannels {
                index,
                channels,
                samples,
            } => write!(
                f,
                "image {index}: channels must be 1 to {samples} (the array's last axis; fewer only for uint8), \
                 got {channels}"
            ),
            ImageError::StrideChannels {
                channels,
                pixel_stride,
            } => write!(
                f,
                "image has {channels} channels in pixels of {pixel_stride} samples; expected 1 to \
                 {pixel_stride} channels"
            ),
        }
    }
}

impl std::error::Error for ImageError {}

impl ImageError {
    /// The allocation failure behind this error, if that is what it is.
    pub fn alloc_error(&self) -> Option<AllocError> {
        match self {
            ImageError::Output { error, .. } => Some(*error),
            ImageError::AtImage { source, .. } => source.alloc_error(),
            _ => None,
        }
    }
}
