//! Tests of the audio kernels against numpy's arithmetic, re-stated in plain Rust.

use super::stats::{have_avx2, normalize_chunk, pairwise_sum_map, Exec};
use super::*;

/// A small deterministic generator (xorshift) so the tests need no extra crate.
fn samples(n: usize, seed: u64, scale: f32) -> Vec<f32> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            ((s >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * scale
        })
        .collect()
}

/// numpy's pairwise tree written out a second, independent way (explicit stack of ranges).
fn reference_sum(a: &[f32]) -> f32 {
    fn go(a: &[f32]) -> f32 {
        if a.len() < 8 {
            return a.iter().fold(0.0f32, |acc, &v| acc + v);
        }
        if a.len() <= 128 {
            let mut r: Vec<f32> = a[..8].to_vec();
            let full = a.len() / 8 * 8;
            let mut i = 8;
            while i < full {
                for (k, acc) in r.iter_mut().enumerate() {
                    *acc += a[i + k];
                }
                i += 8;
            }
            let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
            for &v in &a[full..] {
                res += v;
            }
            return res;
        }
        let half = a.len() / 2 / 8 * 8;
        go(&a[..half]) + go(&a[half..])
    }
    0.0 + go(a)
}

#[test]
fn pairwise_sum_matches_the_tree_at_block_edges() {
    for n in [
        1, 7, 8, 9, 15, 16, 127, 128, 129, 255, 256, 257, 1000, 8191, 8193, 70_001, 200_003,
    ] {
        let a = samples(n, n as u64, 2000.0);
        assert_eq!(
            numpy_sum(&a).to_bits(),
            reference_sum(&a).to_bits(),
            "n = {n}"
        );
    }
}

#[test]
fn avx2_and_baseline_builds_agree_to_the_bit() {
    if !have_avx2() {
        return; // nothing to compare on this CPU: only the baseline build runs
    }
    for n in [5, 8, 100, 128, 129, 1000, 70_001] {
        let a = samples(n, 7 + n as u64, 300.0);
        let sq = |v: f32| {
            let d = v - 0.25;
            d * d
        };
        assert_eq!(
            pairwise_sum_map(
                &a,
                sq,
                Exec {
                    avx2: true,
                    parallel: false
                }
            )
            .to_bits(),
            pairwise_sum_map(
                &a,
                sq,
                Exec {
                    avx2: false,
                    parallel: false
                }
            )
            .to_bits()
        );
        let (mut x, mut y) = (vec![0.0; n], vec![0.0; n]);
        normalize_chunk(&a, &mut x, 0.5, 3.0, true);
        normalize_chunk(&a, &mut y, 0.5, 3.0, false);
        assert!(x.iter().zip(&y).all(|(p, q)| p.to_bits() == q.to_bits()));
    }
}

#[test]
fn pairwise_sum_differs_from_a_naive_loop() {
    // guards against the kernel silently degrading to a sequential sum: on a large ill-conditioned input
    // the two orders give different float32 results
    let mut a = samples(100_000, 3, 1.0);
    a[0] = 1.0e7;
    let naive = a.iter().fold(0.0f32, |acc, &v| acc + v);
    assert_ne!(numpy_sum(&a).to_bits(), naive.to_bits());
    assert_eq!(numpy_sum(&a).to_bits(), reference_sum(&a).to_bits());
}

#[test]
fn mean_var_of_known_values() {
    let (m, v) = numpy_mean_var(&[1.0, 2.0, 3.0, 4.0]);
    assert_eq!(m, 2.5);
    assert_eq!(v, 1.25);
    // mean is rounded from float64: 1/3 in float32 is the nearest float to 0.333...
    let (m, _) = numpy_mean_var(&[1.0, 0.0, 0.0]);
    assert_eq!(m, (1.0f64 / 3.0) as f32);
}

#[test]
fn normalized_clip_has_zero_mean_unit_variance() {
    let a = samples(16_000, 11, 0.3);
    let mut out = vec![0.0; a.len()];
    zero_mean_unit_var(&a, &mut out);
    let (m, v) = numpy_mean_var(&out);
    assert!(m.abs() < 1e-5, "mean {m}");
    assert!((v - 1.0).abs() < 1e-4, "var {v}");
}

fn spec(target: Option<usize>, side: PaddingSide, normalize: Normalize) -> PadSpec {
    PadSpec {
        target_len: target,
        side,
        padding_value: 0.0,
        normalize,
        parallel: true,
    }
}

#[test]
fn right_padding_with_mask_normalizes_only_the_clip() {
    let a = samples(100, 1, 1.0);
    let b = samples(60, 2, 1.0);
    let out = pad_batch(
        &[&a, &b],
        &spec(Some(100), PaddingSide::Right, Normalize::Clip),
        true,
    )
    .unwrap();
    assert_eq!(out.row_lens, vec![100, 100]);
    let mask = out.attention_mask.unwrap();
    assert_eq!(mask[100..160], [1; 60]);
    assert_eq!(mask[160..], [0; 40]);
    let mut want = vec![0.0; 60];
    zero_mean_unit_var(&b, &mut want);
    assert_eq!(out.values[100..160], want[..]);
    assert_eq!(out.values[160..], [0.0; 40]);
}

#[test]
fn left_padding_keeps_the_clip_at_the_end() {
    let b = samples(60, 2, 1.0);
    let out = pad_batch(
        &[&b],
        &spec(Some(64), PaddingSide::Left, Normalize::Clip),
        true,
    )
    .unwrap();
    let mut want = vec![0.0; 60];
    zero_mean_unit_var(&b, &mut want);
    assert_eq!(out.values[..4], [0.0; 4]);
    assert_eq!(out.values[4..], want[..]);
    assert_eq!(
        out.attention_mask.unwrap(),
        [vec![0; 4], vec![1; 60]].concat()
    );
}

#[test]
fn padded_row_normalization_includes_the_padding() {
    let b = samples(60, 2, 1.0);
    let out = pad_batch(
        &[&b],
        &spec(Some(80), PaddingSide::Right, Normalize::PaddedRow),
        false,
    )
    .unwrap();
    let mut padded = b.clone();
    padded.resize(80, 0.0);
    let mut want = vec![0.0; 80];
    zero_mean_unit_var(&padded, &mut want);
    assert_eq!(out.values, want);
    assert!(out.attention_mask.is_none());
}

#[test]
fn no_padding_keeps_each_length() {
    let a = samples(10, 1, 1.0);
    let b = samples(3, 2, 1.0);
    let out = pad_batch(
        &[&a, &b],
        &spec(None, PaddingSide::Right, Normalize::Off),
        false,
    )
    .unwrap();
    assert_eq!(out.row_lens, vec![10, 3]);
    assert_eq!(out.values, [a, b].concat());
}

#[test]
fn long_rows_take_the_parallel_path_with_the_same_bits() {
    let a = samples(300_001, 5, 0.8);
    let b = samples(70_001, 6, 0.8);
    let (m, v) = numpy_mean_var(&a);
    let s = numpy_std_eps(v);
    assert_eq!(numpy_sum(&a).to_bits(), reference_sum(&a).to_bits());
    for normalize in [Normalize::Clip, Normalize::PaddedRow] {
        let mut sp = spec(Some(300_001), PaddingSide::Right, normalize);
        let par = pad_batch(&[&a, &b], &sp, true).unwrap();
        sp.parallel = false;
        let serial = pad_batch(&[&a, &b], &sp, true).unwrap();
        assert!(par
            .values
            .iter()
            .zip(&serial.values)
            .all(|(p, q)| p.to_bits() == q.to_bits()));
        assert_eq!(par.attention_mask, serial.attention_mask);
        assert!(par.values[..a.len()]
            .iter()
            .zip(&a)
            .all(|(&p, &x)| p.to_bits() == ((x - m) / s).to_bits()));
    }
}

#[test]
fn bad_clips_are_named() {
    let good = samples(10, 1, 1.0);
    let mut bad = samples(10, 2, 1.0);
    bad[7] = f32::NAN;
    let err = pad_batch(
        &[&good, &bad],
        &spec(Some(10), PaddingSide::Right, Normalize::Clip),
        false,
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            AudioError::NonFinite {
                index: 1,
                position: 7,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("clip 1") && err.to_string().contains("position 7"));
    let err = pad_batch(
        &[&good, &[]],
        &spec(None, PaddingSide::Right, Normalize::Off),
        false,
    )
    .unwrap_err();
    assert_eq!(err, AudioError::Empty { index: 1 });
    // a clip longer than the target keeps its length (transformers' `_pad` pads, it never truncates)
    let out = pad_batch(
        &[&good, &good[..3]],
        &spec(Some(5), PaddingSide::Right, Normalize::Off),
        true,
    )
    .unwrap();
    assert_eq!(out.row_lens, vec![10, 5]);
    assert_eq!(
        out.attention_mask.unwrap(),
        [vec![1; 13], vec![0; 2]].concat()
    );
    let mut s = spec(Some(10), PaddingSide::Right, Normalize::Off);
    s.padding_value = f32::INFINITY;
    assert!(matches!(
        pad_batch(&[&good], &s, false),
        Err(AudioError::BadPaddingValue { .. })
    ));
}

#[test]
fn every_element_of_the_caller_buffers_is_written() {
    // the binding hands uninitialised numpy memory to pad_batch_into: no element may be left as it was
    let clips = [samples(50, 1, 1.0), samples(80, 2, 1.0), samples(3, 3, 1.0)];
    let refs: Vec<&[f32]> = clips.iter().map(|c| c.as_slice()).collect();
    for normalize in [Normalize::Off, Normalize::PaddedRow, Normalize::Clip] {
        for side in [PaddingSide::Left, PaddingSide::Right] {
            for target in [None, Some(64), Some(100)] {
                let s = spec(target, side, normalize);
                let total: usize = row_lengths(clips.iter().map(|c| c.len()), target)
                    .iter()
                    .sum();
                let mut values = vec![f32::NAN; total];
                let mut mask = vec![-1i32; total];
                pad_batch_into(&refs, &s, &mut values, Some(&mut mask)).unwrap();
                assert!(values.iter().all(|v| v.is_finite()), "{s:?}");
                assert!(mask.iter().all(|&m| m == 0 || m == 1), "{s:?}");
                let ones: i32 = mask.iter().sum();
                assert_eq!(ones as usize, 50 + 80 + 3);
            }
        }
    }
}

#[test]
fn non_finite_samples_are_found_in_every_mode() {
    for normalize in [Normalize::Off, Normalize::PaddedRow, Normalize::Clip] {
        for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
            let mut clip = samples(300, 4, 1.0);
            clip[123] = bad;
            let err = pad_batch(
                &[&clip],
                &spec(Some(400), PaddingSide::Left, normalize),
                false,
            )
            .unwrap_err();
            assert!(
                matches!(
                    err,
                    AudioError::NonFinite {
                        index: 0,
                        position: 123,
                        ..
                    }
                ),
                "{err:?}"
            );
        }
    }
    // huge but finite samples are not an error: the variance overflows to inf, as in numpy, and the
    // normalized values are 0 (finite / inf)
    let huge = vec![3.0e30f32, -3.0e30, 1.0e30];
    let out = pad_batch(
        &[&huge],
        &spec(None, PaddingSide::Right, Normalize::Clip),
        false,
    )
    .unwrap();
    assert!(out.values.iter().all(|v| v.is_finite()));
}

#[test]
fn first_error_in_batch_order_wins() {
    let mut a = samples(10, 1, 1.0);
    a[2] = f32::INFINITY;
    let err = pad_batch(
        &[&a, &[]],
        &spec(None, PaddingSide::Right, Normalize::Off),
        false,
    )
    .unwrap_err();
    assert!(matches!(
        err,
        AudioError::NonFinite {
            index: 0,
            position: 2,
            ..
        }
    ));
}

/// Padding lengths from the user: too large for memory is `Output` with `OutOfMemory`, a total that overflows
/// `Output` with `TooLarge`, never a panic or an abort.
#[test]
fn hostile_padding_lengths_are_errors() {
    use crate::memory::AllocError;
    let clip = samples(100, 3, 1.0);
    let clips: Vec<&[f32]> = vec![&clip, &clip[..50]];
    let e = pad_batch(
        &clips,
        &spec(Some(1 << 40), PaddingSide::Right, Normalize::Clip),
        true,
    )
    .unwrap_err();
    assert_eq!(
        e,
        AudioError::Output {
            clips: 2,
            target_len: Some(1 << 40),
            error: AllocError::OutOfMemory { bytes: 1 << 43 }
        }
    );
    assert_eq!(
        e.to_string(),
        "2 clips padded to max_length=1099511627776 samples: 8.8 TB do not fit in this machine's memory"
    );
    for target in [1 << 62, usize::MAX] {
        let e = pad_batch(
            &clips,
            &spec(Some(target), PaddingSide::Left, Normalize::Off),
            false,
        )
        .unwrap_err();
        assert!(
            matches!(e.alloc_error(), Some(AllocError::TooLarge { .. })),
            "{e}"
        );
    }
}
