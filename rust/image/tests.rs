//! Known values: every expected array below was produced by Pillow 13.0 `Image.resize` (and numpy 2.4 for the
//! normalization) on the same inputs; the Python parity tests (tests/image/) compare far more cases live.

use super::*;

/// 5 x 7 RGB test pattern: value (x * 37 + y * 91 + c * 53) mod 256.
fn pattern() -> Vec<u8> {
    let mut v = Vec::new();
    for y in 0..5usize {
        for x in 0..7usize {
            for c in 0..3usize {
                v.push(((x * 37 + y * 91 + c * 53) % 256) as u8);
            }
        }
    }
    v
}

fn pil(code: i64) -> Filter {
    Filter::from_pil(code).expect("a Pillow filter number")
}

#[test]
fn downscale_matches_pillow_for_every_filter() {
    let expected: [(i64, [u8; 36]); 6] = [
        (
            0,
            [
                0, 53, 106, 74, 127, 180, 148, 201, 254, 222, 19, 72, 182, 235, 32, 0, 53, 106, 74,
                127, 180, 148, 201, 254, 108, 161, 214, 182, 235, 32, 0, 53, 106, 74, 127, 180,
            ],
        ),
        (
            1,
            [
                56, 108, 166, 125, 178, 128, 165, 159, 154, 124, 99, 99, 147, 127, 100, 82, 108,
                122, 119, 151, 126, 134, 153, 183, 77, 142, 187, 152, 151, 146, 104, 124, 91, 131,
                129, 116,
            ],
        ),
        (
            2,
            [
                58, 111, 159, 116, 169, 134, 162, 158, 151, 137, 109, 99, 137, 129, 105, 88, 113,
                120, 117, 140, 136, 132, 152, 178, 88, 141, 187, 146, 158, 135, 109, 121, 95, 126,
                121, 122,
            ],
        ),
        (
            3,
            [
                55, 108, 162, 120, 175, 131, 166, 161, 155, 132, 103, 96, 145, 129, 101, 83, 109,
                120, 117, 144, 132, 133, 154, 183, 83, 142, 190, 151, 156, 137, 106, 121, 91, 127,
                124, 120,
            ],
        ),
        (
            4,
            [
                65, 118, 171, 139, 192, 117, 194, 119, 172, 122, 111, 100, 201, 126, 51, 19, 72,
                125, 74, 127, 180, 130, 183, 236, 82, 135, 188, 156, 145, 134, 83, 136, 61, 139,
                128, 117,
            ],
        ),
        (
            5,
            [
                50, 103, 156, 113, 166, 133, 168, 156, 171, 145, 105, 92, 160, 137, 84, 60, 95,
                115, 102, 131, 147, 132, 164, 201, 90, 143, 194, 153, 168, 115, 95, 110, 89, 120,
                117, 130,
            ],
        ),
    ];
    let src = pattern();
    for (code, want) in expected {
        let got = resize(&src, (5, 7, 3), (3, 4), pil(code)).unwrap();
        assert_eq!(got, want, "filter {code}");
    }
}

#[test]
fn mixed_up_and_down_matches_pillow() {
    // 5x7 -> 2x13: the height shrinks while the width grows
    let expected: [(i64, [u8; 78]); 3] = [
        (
            2,
            [
                79, 132, 127, 90, 126, 138, 110, 114, 158, 108, 125, 138, 97, 145, 101, 112, 165,
                113, 132, 185, 133, 152, 148, 147, 164, 120, 156, 127, 140, 131, 107, 145, 120,
                127, 115, 140, 138, 98, 151, 87, 140, 135, 98, 134, 146, 118, 122, 166, 116, 133,
                150, 105, 153, 120, 120, 135, 133, 140, 111, 153, 116, 125, 116, 97, 140, 88, 111,
                160, 108, 127, 164, 128, 147, 127, 148, 158, 106, 159,
            ],
        ),
        (
            1,
            [
                72, 136, 113, 89, 122, 132, 112, 106, 155, 108, 106, 139, 88, 134, 105, 93, 177,
                109, 124, 192, 140, 166, 154, 167, 173, 123, 164, 132, 150, 129, 107, 156, 114,
                131, 116, 137, 152, 88, 156, 89, 153, 129, 106, 138, 150, 129, 120, 173, 123, 135,
                150, 104, 157, 110, 123, 135, 126, 141, 103, 146, 114, 106, 109, 85, 135, 77, 93,
                165, 98, 123, 161, 141, 144, 129, 162, 155, 106, 170,
            ],
        ),
        (
            0,
            [
                91, 144, 197, 91, 144, 197, 128, 181, 234, 128, 181, 234, 165, 218, 15, 165, 218,
                15, 202, 255, 52, 239, 36, 89, 239, 36, 89, 20, 73, 126, 20, 73, 126, 57, 110, 163,
                57, 110, 163, 17, 70, 123, 17, 70, 123, 54, 107, 160, 54, 107, 160, 91, 144, 197,
                91, 144, 197, 128, 181, 234, 165, 218, 15, 165, 218, 15, 202, 255, 52, 202, 255,
                52, 239, 36, 89, 239, 36, 89,
            ],
        ),
    ];
    let src = pattern();
    for (code, want) in expected {
        let got = resize(&src, (5, 7, 3), (2, 13), pil(code)).unwrap();
        assert_eq!(got, want.to_vec(), "filter {code}");
    }
}

#[test]
fn tall_images_run_the_vertical_pass_first_like_pillow_13() {
    // 40x6 grey -> 7x5 bilinear: 33 rows removed > 2 x 1 column, so Pillow 13 filters vertically first;
    // horizontal-first would give 125 (not 124) at index 3, 135 at 16, 128 at 26 and 127 at 30
    let src: Vec<u8> = (0..40usize)
        .flat_map(|y| (0..6usize).map(move |x| ((x * 37 + y * 91) % 256) as u8))
        .collect();
    let want = [
        104, 119, 112, 124, 119, 135, 137, 135, 123, 137, 138, 127, 134, 133, 133, 119, 136, 127,
        133, 126, 137, 120, 131, 124, 137, 114, 127, 123, 131, 117, 126, 122, 124, 117, 125,
    ];
    assert_eq!(
        resize(&src, (40, 6, 1), (7, 5), Filter::Bilinear).unwrap(),
        want
    );
}

#[test]
fn float_images_match_pillow_mode_f() {
    // (0..12) / 7 as a 3x4 float32 image, bicubic to 5x3
    let src: Vec<f32> = (0..12).map(|v| v as f32 / 7.0).collect();
    let want: [f64; 15] = [
        -0.01599363423883915,
        0.1711590439081192,
        0.3583117127418518,
        0.20197314023971558,
        0.3891258239746094,
        0.5762784481048584,
        0.5985616445541382,
        0.785714328289032,
        0.972866952419281,
        0.995150089263916,
        1.1823028326034546,
        1.3694554567337036,
        1.2131168842315674,
        1.400269627571106,
        1.587422251701355,
    ];
    let got = resize(&src, (3, 4, 1), (5, 3), Filter::Bicubic).unwrap();
    let want: Vec<f32> = want.iter().map(|&v| v as f32).collect();
    assert_eq!(got, want);
}

#[test]
fn fixed_point_weights_round_half_away_from_zero() {
    // 4 -> 2 bilinear (support widened to 2): output 0 reads inputs 0..3 with weights 3/7, 3/7, 1/7
    let c = Coefficients::new(4, 2, Filter::Bilinear).unwrap();
    assert_eq!(c.ksize, 5);
    assert_eq!((c.start[0], c.len[0]), (0, 3));
    assert_eq!(&c.fixed()[..3], &[1797559, 1797559, 599186]); // 3/7 * 2**22 = 1797558.86, 1/7 * 2**22 = 599186.29
                                                              // bicubic upscaling has negative lobes: their magnitude is rounded the same way, then negated
    let c = Coefficients::new(3, 7, Filter::Bicubic).unwrap();
    let fixed = c.fixed();
    assert!(fixed.iter().any(|&k| k < 0));
    for (w, &k) in c.weights.iter().zip(&fixed) {
        let magnitude = (w.abs() * (1 << 22) as f64 + 0.5).floor();
        assert_eq!(k as f64, magnitude.copysign(*w), "weight {w}");
    }
}

#[test]
fn same_size_is_a_copy_and_nearest_picks_pixels() {
    let src = pattern();
    assert_eq!(
        resize(&src, (5, 7, 3), (5, 7), Filter::Lanczos).unwrap(),
        src
    );
    let one = resize(&src, (5, 7, 3), (1, 1), Filter::Nearest).unwrap();
    // Pillow samples the centre: row 2, column 3
    assert_eq!(one, src[(2 * 7 + 3) * 3..(2 * 7 + 3) * 3 + 3]);
}

#[test]
fn normalize_table_reproduces_numpy_float32() {
    let norm = Normalize {
        rescale: Some(1.0 / 255.0),
        mean_std: Some((vec![0.5], vec![0.5])),
    };
    let t = norm.table(1);
    let want: [(usize, f32); 6] = [
        (0, -1.0),
        (1, -0.992_156_86),
        (127, -0.003_921_57),
        (128, 0.003_921_63),
        (200, 0.568_627_5),
        (255, 1.0),
    ];
    for (v, w) in want {
        assert!((t[v] - w).abs() < 1e-7, "{v}: {} vs {w}", t[v]);
    }
    // ImageNet mean/std: bit for bit what numpy computes
    let norm = Normalize {
        rescale: Some(1.0 / 255.0),
        mean_std: Some((vec![0.485], vec![0.229])),
    };
    let t = norm.table(1);
    let want: [(usize, f64); 4] = [
        (0, -2.1179039478302),
        (1, -2.1007792949676514),
        (128, 0.07406462728977203),
        (255, 2.248908281326294),
    ];
    for (v, w) in want {
        assert_eq!(t[v], w as f32, "{v}");
    }
    // the shortcut v * (2/255) - 1 is not the same function
    let shortcut = |v: u8| v as f32 * (2.0f32 / 255.0) - 1.0;
    let table = Normalize {
        rescale: Some(1.0 / 255.0),
        mean_std: Some((vec![0.5], vec![0.5])),
    }
    .table(1);
    assert!((0..=255u8).any(|v| shortcut(v) != table[v as usize]));
}

#[test]
fn batch_lays_out_channels_first_or_last() {
    let src = pattern();
    let norm = Normalize {
        rescale: Some(1.0 / 255.0),
        mean_std: None,
    };
    let im = ImageRef {
        pixels: Pixels::U8(&src),
        height: 5,
        width: 7,
        channels: 3,
        normalize: norm,
    };
    let (first, shape) = preprocess_batch(
        &[im.clone(), im.clone()],
        Some((3, 4)),
        Filter::Bilinear,
        Layout::ChannelsFirst,
    )
    .unwrap();
    assert_eq!(shape, [2, 3, 3, 4]);
    let (last, _) =
        preprocess_batch(&[im], Some((3, 4)), Filter::Bilinear, Layout::ChannelsLast).unwrap();
    // pixel (row 1, column 2), channel 1
    assert_eq!(first[12 + 4 + 2], last[(4 + 2) * 3 + 1]);
    assert_eq!(first[..36], first[36..]);
    assert_eq!(last[0], ((58.0f64 / 255.0) as f32));
}

#[test]
fn bad_input_is_an_error_naming_the_shape() {
    let src = pattern();
    let err = resize(&src[..0], (0, 7, 3), (2, 2), Filter::Bilinear).unwrap_err();
    assert!(err.to_string().contains("empty"), "{err}");
    let seven = vec![0u8; 2 * 2 * 7];
    let err = resize(&seven, (2, 2, 7), (1, 1), Filter::Bilinear).unwrap_err();
    assert!(err.to_string().contains("2x2x7"), "{err}");
    let err = resize(&src, (5, 7, 2), (1, 1), Filter::Bilinear).unwrap_err();
    assert!(err.to_string().contains("5x7x2"), "{err}");
    let err = resize(&src, (5, 7, 3), (0, 3), Filter::Bilinear).unwrap_err();
    assert!(err.to_string().contains("0x3"), "{err}");
    // a batch whose images differ in size cannot be stacked without resizing
    let small = vec![0u8; 2 * 2 * 3];
    let a = ImageRef {
        pixels: Pixels::U8(&src),
        height: 5,
        width: 7,
        channels: 3,
        normalize: Normalize::default(),
    };
    let b = ImageRef {
        pixels: Pixels::U8(&small),
        height: 2,
        width: 2,
        channels: 3,
        normalize: Normalize::default(),
    };
    let err = preprocess_batch(
        &[a.clone(), b.clone()],
        None,
        Filter::Bilinear,
        Layout::ChannelsFirst,
    )
    .unwrap_err();
    assert!(err.to_string().contains("image 1 is 2x2"), "{err}");
    assert!(preprocess_batch(
        &[a, b],
        Some((3, 3)),
        Filter::Bilinear,
        Layout::ChannelsFirst
    )
    .is_ok());
    assert!(preprocess_batch(&[], None, Filter::Bilinear, Layout::ChannelsFirst).is_err());
    let a = ImageRef {
        pixels: Pixels::U8(&src),
        height: 5,
        width: 7,
        channels: 3,
        normalize: Normalize::default(),
    };
    let err = preprocess_batch(
        std::slice::from_ref(&a),
        Some((0, 3)),
        Filter::Bilinear,
        Layout::ChannelsFirst,
    )
    .unwrap_err();
    assert!(err.to_string().contains("0x3"), "{err}");
    let empty = ImageRef {
        pixels: Pixels::U8(&[]),
        height: 0,
        width: 7,
        channels: 3,
        normalize: Normalize::default(),
    };
    let err = preprocess_batch(
        &[a, empty],
        Some((2, 2)),
        Filter::Bilinear,
        Layout::ChannelsFirst,
    )
    .unwrap_err();
    assert!(err.to_string().contains("image 1 has shape 0x7x3"), "{err}");
}

#[test]
fn simd_and_portable_paths_agree() {
    // a small deterministic generator (xorshift) for pixels and sizes
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for code in 0..6 {
        for _ in 0..12 {
            let (h, w) = (1 + next() as usize % 70, 1 + next() as usize % 70);
            let (oh, ow) = (1 + next() as usize % 50, 1 + next() as usize % 50);
            for ch in 1..=4 {
                let src: Vec<u8> = (0..h * w * ch).map(|_| next() as u8).collect();
                let fast = resize(&src, (h, w, ch), (oh, ow), pil(code)).unwrap();
                let portable =
                    resample::resize_portable(&src, (h, w, ch), (oh, ow), pil(code)).unwrap();
                assert_eq!(fast, portable, "filter {code}, {h}x{w}x{ch} -> {oh}x{ow}");
            }
        }
    }
}

/// Target sizes from the user: too large for memory is `Output` with `OutOfMemory`, past what any buffer can
/// hold (the count overflows) `Output` with `TooLarge`, never a panic or an abort.
#[test]
fn hostile_sizes_are_errors() {
    use crate::memory::AllocError;
    let src = vec![0u8; 32 * 32 * 3];
    let im = ImageRef {
        pixels: Pixels::U8(&src),
        height: 32,
        width: 32,
        channels: 3,
        normalize: Normalize::default(),
    };
    let run = |size| {
        preprocess_batch(
            std::slice::from_ref(&im),
            Some(size),
            Filter::Bilinear,
            Layout::ChannelsFirst,
        )
        .unwrap_err()
    };
    let e = run((100_000, 100_000));
    assert_eq!(
        e.alloc_error(),
        Some(AllocError::OutOfMemory {
            bytes: 120_000_000_000
        }),
        "{e}"
    );
    assert!(e.to_string().starts_with("size 100000x100000: "), "{e}");
    for size in [(1 << 31, 1 << 31), (1 << 62, 4), (usize::MAX, usize::MAX)] {
        let e = run(size);
        assert!(
            matches!(e.alloc_error(), Some(AllocError::TooLarge { .. })),
            "{size:?}: {e}"
        );
    }
    // one image: the resampler's own buffers, and its int32 coordinate limit
    let e = resize(&src, (32, 32, 3), (200_000, 200_000), Filter::Bilinear).unwrap_err();
    assert!(
        matches!(e.alloc_error(), Some(AllocError::OutOfMemory { .. })),
        "{e}"
    );
    let e = resize(&src, (32, 32, 3), (1 << 30, 3), Filter::Nearest).unwrap_err();
    assert!(matches!(e, ImageError::SizeTooLarge { .. }), "{e}");
}
