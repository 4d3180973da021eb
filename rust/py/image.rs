//! Binding of rust/image: Pillow-exact resize and the fused ViT preprocessing of a batch.
//! Python side: python/ferroformers/models/vit/image_processing_vit.py (and image_utils.py).

use numpy::{PyArray1, PyArrayDyn, PyArrayMethods, PyReadonlyArray3, PyUntypedArrayMethods};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;

use super::errors::guarded;
use crate::image::{
    preprocess_batch, resize, resize_strided, Filter, ImageError, ImageRef, Layout, Normalize,
    Pixels,
};
use crate::parallel;

fn filter(resample: i64) -> Result<Filter, ImageError> {
    Filter::from_pil(resample).ok_or(ImageError::BadResample { code: resample })
}

enum Borrowed<'py> {
    U8(PyReadonlyArray3<'py, u8>),
    F32(PyReadonlyArray3<'py, f32>),
}

impl<'py> Borrowed<'py> {
    fn new(i: usize, obj: &Bound<'py, PyAny>) -> PyResult<Self> {
        if let Ok(a) = obj.extract::<PyReadonlyArray3<'py, u8>>() {
            return Ok(Borrowed::U8(a));
        }
        if let Ok(a) = obj.extract::<PyReadonlyArray3<'py, f32>>() {
            return Ok(Borrowed::F32(a));
        }
        Err(PyTypeError::new_err(format!(
            "image {i}: expected a 3-D (height, width, channels) uint8 or float32 numpy array, got {}",
            describe(obj)
        )))
    }

    fn shape(&self) -> (usize, usize, usize) {
        let s = match self {
            Borrowed::U8(a) => a.shape(),
            Borrowed::F32(a) => a.shape(),
        };
        (s[0], s[1], s[2])
    }

    fn pixels(&self, i: usize) -> Result<Pixels<'_>, ImageError> {
        let err = |_| ImageError::NotContiguous { index: i };
        Ok(match self {
            Borrowed::U8(a) => Pixels::U8(a.as_slice().map_err(err)?),
            Borrowed::F32(a) => Pixels::F32(a.as_slice().map_err(err)?),
        })
    }
}

/// The pixels of image `i` and its channel count: the whole last axis, or with `channels` given only that
/// many leading samples of each pixel, the rest being padding (a view of Pillow's 4-byte RGB pixels).
fn image_pixels<'a>(
    b: &'a Borrowed<'_>,
    i: usize,
    channels: Option<usize>,
) -> Result<(Pixels<'a>, usize), ImageError> {
    let stride = b.shape().2;
    let pixels = b.pixels(i)?;
    match (channels, pixels) {
        (None, _) => Ok((pixels, stride)),
        (Some(c), _) if c == stride => Ok((pixels, c)),
        (Some(c), Pixels::U8(samples)) if (1..stride).contains(&c) => Ok((
            Pixels::U8Strided {
                samples,
                pixel_stride: stride,
            },
            c,
        )),
        (Some(c), _) => Err(ImageError::BadChannels {
            index: i,
            channels: c,
            samples: stride,
        }),
    }
}

fn describe(obj: &Bound<'_, PyAny>) -> String {
    match obj.cast::<numpy::PyUntypedArray>() {
        Ok(a) => format!("an array of dtype {} and shape {:?}", a.dtype(), a.shape()),
        Err(_) => obj
            .get_type()
            .name()
            .map(|n| n.to_string())
            .unwrap_or_else(|_| "an unknown object".into()),
    }
}

/// Resize one `(height, width, channels)` uint8 or float32 image as Pillow's `Image.resize` does
/// (independent channels, no alpha premultiplication). With `channels`, only that many leading samples of
/// each pixel are the image (uint8; the output has `channels`).
#[pyfunction]
#[pyo3(signature = (image, height, width, resample, channels=None))]
fn resize_image<'py>(
    py: Python<'py>,
    image: Bound<'py, PyAny>,
    height: usize,
    width: usize,
    resample: i64,
    channels: Option<usize>,
) -> PyResult<Bound<'py, PyAny>> {
    let filter = filter(resample)?;
    let arr = Borrowed::new(0, &image)?;
    let (pixels, ch) = image_pixels(&arr, 0, channels)?;
    let (h, w, stride) = arr.shape();
    let shape = (h, w, ch);
    let out_shape = [height, width, ch];
    Ok(match pixels {
        Pixels::U8(src) => {
            let out = py.detach(|| guarded(|| resize(src, shape, (height, width), filter)))??;
            PyArray1::from_vec(py, out).reshape(out_shape)?.into_any()
        }
        Pixels::U8Strided { samples, .. } => {
            let out = py.detach(|| {
                guarded(|| resize_strided(samples, shape, stride, (height, width), filter))
            })??;
            PyArray1::from_vec(py, out).reshape(out_shape)?.into_any()
        }
        Pixels::F32(src) => {
            let out = py.detach(|| guarded(|| resize(src, shape, (height, width), filter)))??;
            PyArray1::from_vec(py, out).reshape(out_shape)?.into_any()
        }
    })
}

/// Resize (to `size` = (height, width), or not when None), rescale by `rescale[i]` (None: skip),
/// normalize with `mean`/`std` (None: skip) and stack `images` ((height, width, channels) C-contiguous
/// uint8 or float32 arrays) into one float32 array, `(n, c, h, w)` or with `channels_first=False`
/// `(n, h, w, c)`. `channels[i]`, when given, is how many leading samples of each pixel of image `i` are
/// its channels (the rest is padding, as in Pillow's RGB). The GIL is released while the images are
/// processed in parallel.
#[pyfunction]
#[pyo3(signature = (images, size, resample, rescale, mean, std, channels_first, channels=None))]
#[allow(clippy::too_many_arguments)]
fn preprocess_images<'py>(
    py: Python<'py>,
    images: Vec<Bound<'py, PyAny>>,
    size: Option<(usize, usize)>,
    resample: i64,
    rescale: Vec<Option<f64>>,
    mean: Option<Vec<f32>>,
    std: Option<Vec<f32>>,
    channels_first: bool,
    channels: Option<Vec<usize>>,
) -> PyResult<Bound<'py, PyArrayDyn<f32>>> {
    let filter = filter(resample)?;
    if rescale.len() != images.len() {
        return Err(ImageError::RescaleLength {
            rescale: rescale.len(),
            images: images.len(),
        }
        .into());
    }
    if let Some(c) = channels.as_ref().filter(|c| c.len() != images.len()) {
        return Err(ImageError::ChannelsLength {
            channels: c.len(),
            images: images.len(),
        }
        .into());
    }
    let mean_std = match (mean, std) {
        (Some(m), Some(s)) => Some((m, s)),
        (None, None) => None,
        _ => return Err(ImageError::MeanStdPair.into()),
    };
    let borrowed = images
        .iter()
        .enumerate()
        .map(|(i, im)| Borrowed::new(i, im))
        .collect::<PyResult<Vec<_>>>()?;
    let refs = borrowed
        .iter()
        .zip(&rescale)
        .enumerate()
        .map(|(i, (b, &factor))| {
            let (height, width, _) = b.shape();
            let (pixels, channels) = image_pixels(b, i, channels.as_ref().map(|c| c[i]))?;
            Ok(ImageRef {
                pixels,
                height,
                width,
                channels,
                normalize: Normalize {
                    rescale: factor,
                    mean_std: mean_std.clone(),
                },
            })
        })
        .collect::<PyResult<Vec<_>>>()?;
    let layout = if channels_first {
        Layout::ChannelsFirst
    } else {
        Layout::ChannelsLast
    };
    // the shared fork-safe pool (FERROFORMERS_NUM_THREADS or the cores), taken before the GIL is released;
    // with a single thread the images are processed on this thread
    let pool = parallel::pool(parallel::resolve_threads(None));
    let (data, [n, c, h, w]) = py.detach(|| {
        guarded(|| match &pool {
            Some(pool) => pool.install(|| preprocess_batch(&refs, size, filter, layout)),
            None => preprocess_batch(&refs, size, filter, layout),
        })
    })??;
    let shape = if channels_first {
        vec![n, c, h, w]
    } else {
        vec![n, h, w, c]
    };
    PyArray1::from_vec(py, data).reshape(shape)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(resize_image, m)?)?;
    m.add_function(wrap_pyfunction!(preprocess_images, m)?)?;
    Ok(())
}
