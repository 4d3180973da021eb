//! Images read where they lie with padding after each pixel (`resize_strided`, `Pixels::U8Strided`): Pillow
//! keeps RGB as 4 bytes per pixel. The result must be the packed image's, whatever the padding holds. And the
//! AVX2 normalization must give the table's values.

use super::resample::{resize_strided, resize_strided_portable};
use super::*;

/// A small deterministic generator (xorshift).
fn xorshift(seed: u64) -> impl FnMut() -> u64 {
    let mut state = seed;
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    }
}

/// `packed` (`ch` samples per pixel) spread to `stride` samples per pixel, the padding filled by `fill`.
fn pad(packed: &[u8], ch: usize, stride: usize, mut fill: impl FnMut() -> u8) -> Vec<u8> {
    packed
        .chunks_exact(ch)
        .flat_map(|p| {
            let mut v = p.to_vec();
            v.extend((ch..stride).map(|_| fill()));
            v
        })
        .collect()
}

#[test]
fn padded_pixels_resize_like_packed_ones() {
    let mut next = xorshift(0x9e37_79b9_7f4a_7c15);
    // sizes that take every path: both passes in either order, one pass, none, and the AVX2 tails
    let mut cases = vec![
        ((48, 64), (24, 24)),  // horizontal first
        ((120, 30), (20, 28)), // vertical first (the height shrinks far more)
        ((9, 40), (9, 13)),    // horizontal only
        ((40, 9), (13, 9)),    // vertical only
        ((17, 23), (17, 23)),  // same size
        ((5, 7), (11, 3)),     // up and down
    ];
    for _ in 0..10 {
        let (h, w) = (1 + next() as usize % 60, 1 + next() as usize % 60);
        let (oh, ow) = (1 + next() as usize % 40, 1 + next() as usize % 40);
        cases.push(((h, w), (oh, ow)));
    }
    for code in 0..6 {
        let filter = Filter::from_pil(code).expect("a Pillow filter");
        for &((h, w), out) in &cases {
            for (ch, stride) in [(3, 4), (1, 4), (2, 4), (1, 2), (3, 3)] {
                let packed: Vec<u8> = (0..h * w * ch).map(|_| next() as u8).collect();
                let padded = pad(&packed, ch, stride, || next() as u8);
                let want = resize(&packed, (h, w, ch), out, filter).unwrap();
                let what = format!("filter {code}, {h}x{w}x{ch} in {stride} -> {out:?}");
                let got = resize_strided(&padded, (h, w, ch), stride, out, filter).unwrap();
                assert_eq!(got, want, "{what}");
                let portable =
                    resize_strided_portable(&padded, (h, w, ch), stride, out, filter).unwrap();
                assert_eq!(portable, want, "portable, {what}");
            }
        }
    }
}

#[test]
fn strided_batch_matches_packed_batch() {
    let mut next = xorshift(7);
    let packed: Vec<u8> = (0..31 * 45 * 3).map(|_| next() as u8).collect();
    let padded = pad(&packed, 3, 4, || 255);
    let norm = Normalize {
        rescale: Some(1.0 / 255.0),
        mean_std: Some((vec![0.5; 3], vec![0.5; 3])),
    };
    let image = |pixels| ImageRef {
        pixels,
        height: 31,
        width: 45,
        channels: 3,
        normalize: norm.clone(),
    };
    let strided = Pixels::U8Strided {
        samples: &padded,
        pixel_stride: 4,
    };
    for size in [Some((16, 20)), None] {
        for layout in [Layout::ChannelsFirst, Layout::ChannelsLast] {
            let want =
                preprocess_batch(&[image(Pixels::U8(&packed))], size, Filter::Bicubic, layout);
            let got = preprocess_batch(&[image(strided)], size, Filter::Bicubic, layout);
            assert_eq!(got.unwrap(), want.unwrap(), "{size:?} {layout:?}");
        }
    }
}

#[test]
fn bad_strides_are_errors() {
    let buf = vec![0u8; 5 * 7 * 4];
    assert!(resize_strided(&buf, (5, 7, 3), 4, (2, 2), Filter::Bilinear).is_ok());
    // more channels than samples per pixel
    let err =
        resize_strided(&buf[..5 * 7 * 2], (5, 7, 4), 2, (2, 2), Filter::Bilinear).unwrap_err();
    assert!(
        err.to_string().contains("4 channels in pixels of 2"),
        "{err}"
    );
    // a buffer that does not hold height * width pixels of the stride
    let err = resize_strided(&buf[1..], (5, 7, 3), 4, (2, 2), Filter::Bilinear).unwrap_err();
    assert!(err.to_string().contains("5x7x4"), "{err}");
    let err = resize_strided(&buf, (5, 7, 0), 4, (2, 2), Filter::Bilinear).unwrap_err();
    assert!(err.to_string().contains("0 channels"), "{err}");
}

#[test]
fn simd_normalization_is_the_table() {
    // every value of every channel, in a length that leaves a tail, for each combination of steps
    // (pixel p: p, 3p + 1, 5p + 2 mod 256, each a permutation of 0..=255 over 256 pixels)
    let src: Vec<u8> = (0..301usize)
        .flat_map(|p| [p % 256, (3 * p + 1) % 256, (5 * p + 2) % 256].map(|v| v as u8))
        .collect();
    let settings = [
        Normalize {
            rescale: Some(1.0 / 255.0),
            mean_std: Some((vec![0.485, 0.456, 0.406], vec![0.229, 0.224, 0.225])),
        },
        Normalize {
            rescale: Some(1.0 / 127.5),
            mean_std: None,
        },
        Normalize {
            rescale: None,
            mean_std: Some((vec![0.5; 3], vec![0.5; 3])),
        },
        Normalize::default(),
    ];
    for norm in settings {
        let table = norm.table(3);
        let mut out = vec![std::mem::MaybeUninit::new(f32::NAN); src.len()];
        normalize::u8_to_f32(&src, 3, &norm, true, &mut out);
        let plane = src.len() / 3;
        for (i, o) in out.iter().enumerate() {
            let (c, p) = (i / plane, i % plane);
            // SAFETY: every element was initialised above
            let got = unsafe { o.assume_init() };
            assert_eq!(
                got,
                table[c * 256 + src[p * 3 + c] as usize],
                "{norm:?} at {i}"
            );
        }
    }
}
