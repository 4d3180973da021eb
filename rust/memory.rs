//! Fallible allocation for sizes that come from the user (a `max_length`, a target image size, an id in a
//! tokenizer.json): a size whose bytes no allocation can hold (past `isize::MAX`, or overflowing `usize`) is
//! `AllocError::TooLarge`, one the allocator refuses is `AllocError::OutOfMemory`. `Vec::with_capacity` and
//! `vec![x; n]` would panic on the first and abort the process on the second.

use std::fmt;

/// Why a buffer could not be had. Each core error enum wraps it with what the buffer was for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AllocError {
    /// `count` values of `size` bytes: more bytes than any allocation can hold (or than `usize` counts)
    TooLarge { count: u128, size: usize },
    /// the allocator refused `bytes` bytes
    OutOfMemory { bytes: usize },
}

impl fmt::Display for AllocError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AllocError::TooLarge { count, size } => write!(
                f,
                "{count} values of {size} bytes are more than any array can hold"
            ),
            AllocError::OutOfMemory { bytes } => {
                write!(
                    f,
                    "{} do not fit in this machine's memory",
                    bytes_text(*bytes)
                )
            }
        }
    }
}

impl std::error::Error for AllocError {}

/// `bytes` for a person: "12.0 GB", "4.0 TB" (decimal units, as numpy's messages).
fn bytes_text(bytes: usize) -> String {
    let units = ["bytes", "kB", "MB", "GB", "TB", "PB", "EB"];
    let mut v = bytes as f64;
    let mut u = 0;
    while v >= 1000.0 && u + 1 < units.len() {
        v /= 1000.0;
        u += 1;
    }
    if u == 0 {
        format!("{bytes} bytes")
    } else {
        format!("{v:.1} {}", units[u])
    }
}

/// The product of `factors` (a buffer's element count), or `TooLarge` for `size`-byte values when it overflows.
pub fn count(factors: &[usize], size: usize) -> Result<usize, AllocError> {
    factors
        .iter()
        .try_fold(1usize, |acc, &f| acc.checked_mul(f))
        .ok_or_else(|| AllocError::TooLarge {
            // saturating: three sides of usize::MAX overflow u128 too (found by the image fuzz target)
            count: factors
                .iter()
                .fold(1u128, |acc, &f| acc.saturating_mul(f as u128)),
            size,
        })
}

/// The bytes of `count` values of `size` bytes, or `TooLarge` past what any allocation can hold.
pub fn bytes(count: usize, size: usize) -> Result<usize, AllocError> {
    match count.checked_mul(size) {
        Some(b) if b <= isize::MAX as usize => Ok(b),
        _ => Err(AllocError::TooLarge {
            count: count as u128,
            size,
        }),
    }
}

/// Room for `additional` more values in `v`, or why not.
pub fn reserve<T>(v: &mut Vec<T>, additional: usize) -> Result<(), AllocError> {
    let size = std::mem::size_of::<T>().max(1);
    let total = v
        .len()
        .checked_add(additional)
        .ok_or(AllocError::TooLarge {
            count: v.len() as u128 + additional as u128,
            size,
        })?;
    bytes(total, size)?;
    v.try_reserve_exact(additional)
        .map_err(|_| AllocError::OutOfMemory {
            bytes: additional * size,
        })
}

/// An empty vector with room for `n` values.
pub fn with_capacity<T>(n: usize) -> Result<Vec<T>, AllocError> {
    let mut v = Vec::new();
    reserve(&mut v, n)?;
    Ok(v)
}

/// `vec![x; n]`, failing instead of aborting.
pub fn filled<T: Clone>(n: usize, x: T) -> Result<Vec<T>, AllocError> {
    let mut v = with_capacity(n)?;
    v.resize(n, x);
    Ok(v)
}

/// A hint that the cache line at `p` is read soon; nothing on targets without one.
#[inline(always)]
pub fn prefetch(p: *const u8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch never faults, whatever the address
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p as *const i8)
    };
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// Room for `extra` more elements in `v`, with the kernel asked to back large buffers by huge pages
/// (`MADV_HUGEPAGE`): one fault per 2 MB instead of per 4 KB page, and one TLB entry per 2 MB. For tables
/// read at random for a long time: TLB misses on the 16 MiB run cache stalled its prefetches. (The flat
/// encoders' output, written once in order, was slower to fault in on huge pages on the bench machine.)
pub fn reserve_huge<T>(v: &mut Vec<T>, extra: usize) {
    if v.capacity() - v.len() >= extra {
        return;
    }
    v.reserve(extra.max(v.len()));
    #[cfg(target_os = "linux")]
    {
        const HUGE: usize = 2 << 20;
        let (at, len) = (v.as_ptr() as usize, v.capacity() * std::mem::size_of::<T>());
        let (start, end) = (at.next_multiple_of(4096), (at + len) & !4095);
        if end > start + 2 * HUGE {
            // SAFETY: the range lies inside `v`'s allocation; MADV_HUGEPAGE only tells the kernel how to back
            // it (it moves, frees or changes no memory), and its failure (no THP here) changes nothing
            unsafe {
                libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_past_any_allocation_are_too_large() {
        assert_eq!(
            with_capacity::<f32>(usize::MAX / 2).unwrap_err(),
            AllocError::TooLarge {
                count: (usize::MAX / 2) as u128,
                size: 4
            }
        );
        assert!(matches!(
            count(&[1 << 62, 4, 3], 4),
            Err(AllocError::TooLarge { .. })
        ));
        assert_eq!(count(&[3, 100_000, 100_000], 4), Ok(30_000_000_000));
        assert_eq!(
            count(&[usize::MAX, usize::MAX, 3], 4),
            Err(AllocError::TooLarge {
                count: u128::MAX,
                size: 4
            })
        );
    }

    #[test]
    fn refused_allocations_are_out_of_memory() {
        // 2**60 bytes: below isize::MAX, above any machine's memory
        let e = with_capacity::<u8>(1 << 60).unwrap_err();
        assert_eq!(e, AllocError::OutOfMemory { bytes: 1 << 60 });
        assert_eq!(e.to_string(), "1.2 EB do not fit in this machine's memory");
        assert_eq!(filled(3, 7u32).unwrap(), vec![7, 7, 7]);
    }
}
