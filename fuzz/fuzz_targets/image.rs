//! The image kernels on arbitrary shapes, target sizes and pixels: never a panic or an abort; an error for
//! every shape or size they cannot process (including sizes no buffer can hold, taken from a table of hostile
//! values); on success an output of exactly the asked shape, identical with and without the AVX2 code.
//!
//! Input layout: byte 0 = flags (bits 0-2 filter, 3 float32 pixels, 4 channels last, 5 hostile size,
//! 6 normalize), bytes 1-3 = height, width, channels (small), bytes 4-5 = target height and width (small, or
//! an index into `HOSTILE`), then the pixels (repeated to fill the image).
#![no_main]

use ferroformers::image::resample::resize_portable;
use ferroformers::image::{preprocess_batch, resize, Filter, ImageRef, Layout, Normalize, Pixels};
use libfuzzer_sys::fuzz_target;

/// Target sides that no machine can satisfy, even squared on one channel: each must be an error. (100000,
/// the size, is 10 GB on one uint8 channel: Linux may grant that and the fuzzer's RSS limit would
/// stop the run; tests/test_hostile_sizes.py checks it on three channels.)
const HOSTILE: [usize; 5] = [1 << 28, 1 << 31, 1 << 40, 1 << 62, usize::MAX];

fuzz_target!(|data: &[u8]| {
    if data.len() < 6 {
        return;
    }
    let flags = data[0];
    let filter = Filter::from_pil((flags & 7) as i64 % 6).expect("0-5 are Pillow filters");
    let (h, w, ch) = (
        data[1] as usize % 24,
        data[2] as usize % 24,
        data[3] as usize % 6,
    );
    let side = |b: u8| {
        if flags & 0x20 != 0 {
            HOSTILE[b as usize % HOSTILE.len()]
        } else {
            b as usize % 40
        }
    };
    let (out_h, out_w) = (side(data[4]), side(data[5]));
    let payload = if data.len() > 6 {
        &data[6..]
    } else {
        &[0u8][..]
    };
    let n = h * w * ch;
    let u8_px: Vec<u8> = payload.iter().copied().cycle().take(n).collect();
    let f32_px: Vec<f32> = u8_px.iter().map(|&b| b as f32 / 7.0 - 3.0).collect();

    // one image
    let shape = (h, w, ch);
    if flags & 8 == 0 {
        let fast = resize(&u8_px, shape, (out_h, out_w), filter);
        let portable = resize_portable(&u8_px, shape, (out_h, out_w), filter);
        assert_eq!(fast, portable, "AVX2 and portable paths differ");
        if let Ok(out) = fast {
            assert_eq!(out.len(), out_h * out_w * ch);
        }
    } else {
        let fast = resize(&f32_px, shape, (out_h, out_w), filter);
        let portable = resize_portable(&f32_px, shape, (out_h, out_w), filter);
        match (&fast, &portable) {
            (Ok(a), Ok(b)) => {
                assert_eq!(a.len(), out_h * out_w * ch);
                assert!(a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits()));
            }
            _ => assert_eq!(fast.is_ok(), portable.is_ok()),
        }
    }

    // a batch of two: the same image twice, then one of another size
    let normalize = Normalize {
        rescale: (flags & 0x40 != 0).then_some(1.0 / 255.0),
        mean_std: (flags & 0x40 != 0).then(|| (vec![0.5; ch.max(1)], vec![0.25; ch.max(1)])),
    };
    let image = |pixels| ImageRef {
        pixels,
        height: h,
        width: w,
        channels: ch,
        normalize: normalize.clone(),
    };
    let pixels = if flags & 8 == 0 {
        Pixels::U8(&u8_px)
    } else {
        Pixels::F32(&f32_px)
    };
    let layout = if flags & 0x10 == 0 {
        Layout::ChannelsFirst
    } else {
        Layout::ChannelsLast
    };
    let size = (flags & 0x80 == 0).then_some((out_h, out_w));
    if let Ok((out, [images, c, oh, ow])) =
        preprocess_batch(&[image(pixels), image(pixels)], size, filter, layout)
    {
        assert_eq!((images, c), (2, ch));
        assert_eq!((oh, ow), size.unwrap_or((h, w)));
        assert_eq!(out.len(), images * c * oh * ow);
    }
    let small = vec![0u8; 2 * 2 * ch];
    let other = ImageRef {
        pixels: Pixels::U8(&small),
        height: 2,
        width: 2,
        channels: ch,
        normalize: Normalize::default(),
    };
    if size.is_none() && (h, w) != (2, 2) {
        assert!(preprocess_batch(&[image(pixels), other], None, filter, layout).is_err());
    }
});
