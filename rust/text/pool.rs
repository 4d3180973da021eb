//! Values kept between tasks and calls: the `Work` of a tokenizer (whose run cache then stays warm) and the
//! buffers of the flat encoders (whose pages then stay mapped: fresh pages cost a page fault each, 15-20% of
//! the flat encoder's time before they were kept).

use crate::memory::{self, AllocError};
use std::sync::{Mutex, MutexGuard, TryLockError};

/// A stack of spare values. Never blocks for long: a lock held by another thread is retried for a few
/// microseconds (it is held for a push or a pop), and one that stays busy (a lock a forked child inherited
/// locked) means a fresh value, or one not kept. Giving up at once instead made threads that met at the lock
/// take fresh values and give them all back: the pool grew to its limit of cold run caches (then 4 MB each)
/// and the process's memory with it. A run cache grows to 16 MiB, so each thread that tokenizes a corpus
/// keeps that much here between calls (all run caches together at most 256 MiB: word_cache.rs `RUN_CACHES`).
pub struct Pool<T> {
    spare: Mutex<Vec<T>>,
    /// at most this many are kept
    limit: usize,
}

/// The lock of `spare`, waited for; a poisoned one taken as it is (as in `lock`).
fn lock_anyway<V>(spare: &Mutex<V>) -> MutexGuard<'_, V> {
    spare
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Tries at a busy lock before giving up (each a spin-loop hint: a few microseconds in all).
const SPINS: usize = 1 << 12;

/// The lock of `spare`, retried while busy for a few microseconds (`SPINS`); None if it stays busy. A
/// poisoned lock is taken as it is: what a pool keeps is valid after any panic.
fn lock<V>(spare: &Mutex<V>) -> Option<MutexGuard<'_, V>> {
    for _ in 0..SPINS {
        match spare.try_lock() {
            Ok(guard) => return Some(guard),
            Err(TryLockError::Poisoned(poisoned)) => return Some(poisoned.into_inner()),
            Err(TryLockError::WouldBlock) => std::hint::spin_loop(),
        }
    }
    None
}

impl<T: Default> Pool<T> {
    pub const fn new(limit: usize) -> Pool<T> {
        Pool {
            spare: Mutex::new(Vec::new()),
            limit,
        }
    }

    fn lock(&self) -> Option<MutexGuard<'_, Vec<T>>> {
        lock(&self.spare)
    }

    /// A spare value, or a new one.
    pub fn take(&self) -> T {
        self.lock().and_then(|mut p| p.pop()).unwrap_or_default()
    }

    /// Keep `v` for later (dropped when the pool is busy or full).
    pub fn give(&self, v: T) {
        if let Some(mut p) = self.lock() {
            if p.len() < self.limit {
                p.push(v);
            }
        }
    }

    /// Drop every spare value.
    pub fn clear(&self) {
        drop(std::mem::take(&mut *lock_anyway(&self.spare)));
    }

    /// A value from the pool that goes back to it when dropped.
    pub fn lend(&self) -> Lent<'_, T> {
        Lent {
            pool: self,
            value: Some(self.take()),
        }
    }
}

impl<T> std::fmt::Debug for Pool<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pool")
    }
}

impl<T: Default> Clone for Pool<T> {
    /// A clone starts empty: what a pool keeps belongs to its owner.
    fn clone(&self) -> Self {
        Pool::new(self.limit)
    }
}

/// A value lent by a pool, given back when dropped.
pub struct Lent<'a, T: Default> {
    pool: &'a Pool<T>,
    value: Option<T>,
}

impl<T: Default> Lent<'_, T> {
    /// Keep the value instead of giving it back.
    pub fn into_inner(mut self) -> T {
        self.value.take().unwrap_or_default()
    }
}

impl<T: Default> std::ops::Deref for Lent<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.value.as_ref().expect("present until dropped")
    }
}

impl<T: Default> std::ops::DerefMut for Lent<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.value.as_mut().expect("present until dropped")
    }
}

impl<T: Default> Drop for Lent<'_, T> {
    fn drop(&mut self) {
        if let Some(v) = self.value.take() {
            self.pool.give(v);
        }
    }
}

/// Large output buffers (a flat encoder's ids and offsets), given back when the arrays made of them are freed
/// and taken by the next call: a buffer of fresh pages costs a page fault per 4 KiB written (~15% of the flat
/// encoder's time with offsets on multilingual text, where its output is 7 bytes per byte of text), one
/// already written costs nothing more. Buffers under `MIN_BYTES` are left to the allocator (which reuses those
/// blocks itself); at most `MAX_KEPT` buffers and `limit` bytes are kept (the oldest go first), so a process
/// holds at most that much here once its arrays are gone.
pub struct Recycler<T> {
    spare: Mutex<Vec<Vec<T>>>,
    limit: usize,
}

/// The smallest buffer a `Recycler` keeps (32 MiB): glibc maps a block past its mmap threshold afresh each
/// time and unmaps it when freed, but the threshold rises to the size of such a block once freed, up to 32 MiB,
/// so smaller blocks come back from its heap warm already. Keeping those here as well only held more memory
/// (the CLI's 8 MB chunks: +85 MB peak RSS on 1.2 GB, no faster).
pub const MIN_BYTES: usize = 32 << 20;

/// The most buffers a `Recycler` keeps: the result of the call before and the one before that (a loop that
/// keeps one result while it makes the next gives two back by the time it needs them).
pub const MAX_KEPT: usize = 4;

impl<T> Recycler<T> {
    pub const fn new(limit: usize) -> Recycler<T> {
        Recycler {
            spare: Mutex::new(Vec::new()),
            limit,
        }
    }

    fn lock(&self) -> Option<MutexGuard<'_, Vec<Vec<T>>>> {
        lock(&self.spare)
    }

    /// An empty buffer for `len` values: the smallest kept one that holds them without more than doubling
    /// them (a larger one would stay with an array that needs little of it), else the largest kept one that
    /// is smaller, grown (its pages written before stay), else a new one; for less than MIN_BYTES / 2 always
    /// a new one. Fails, as `memory::with_capacity`, instead of aborting when the allocator refuses.
    pub fn take(&self, len: usize) -> Result<Vec<T>, AllocError> {
        // a request for much less than a kept buffer is left to the allocator
        if len.saturating_mul(size_of::<T>()) < MIN_BYTES / 2 {
            return memory::with_capacity(len);
        }
        let most = len.saturating_mul(2);
        let kept = self.lock().and_then(|mut spare| {
            let cap = |i: usize| spare[i].capacity();
            let fits = (0..spare.len())
                .filter(|&i| (len..=most).contains(&cap(i)))
                .min_by_key(|&i| cap(i));
            let smaller = (0..spare.len())
                .filter(|&i| cap(i) < len)
                .max_by_key(|&i| cap(i));
            fits.or(smaller).map(|i| spare.remove(i))
        });
        match kept {
            Some(mut v) => {
                v.clear();
                memory::reserve(&mut v, len)?;
                Ok(v)
            }
            None => memory::with_capacity(len),
        }
    }

    /// Keep `v` for a later `take` (its values are not read again), unless it is small, larger than the
    /// limit, or the recycler is busy; the oldest kept buffers make room.
    pub fn give(&self, v: Vec<T>) {
        let bytes = |v: &Vec<T>| v.capacity() * size_of::<T>();
        if bytes(&v) < MIN_BYTES || bytes(&v) > self.limit {
            return;
        }
        // dropped after the lock is released: unmapping a large buffer takes a while
        let mut evicted = Vec::new();
        if let Some(mut spare) = self.lock() {
            let mut held = spare.iter().map(bytes).sum::<usize>() + bytes(&v);
            while !spare.is_empty() && (held > self.limit || spare.len() >= MAX_KEPT) {
                let old = spare.remove(0);
                held -= bytes(&old);
                evicted.push(old);
            }
            spare.push(v);
        }
        drop(evicted);
    }

    /// Bytes kept now.
    #[cfg(test)]
    pub fn held(&self) -> usize {
        self.lock().map_or(0, |spare| {
            spare.iter().map(|v| v.capacity() * size_of::<T>()).sum()
        })
    }

    /// Drop every kept buffer.
    #[cfg(test)]
    pub fn clear(&self) {
        drop(std::mem::take(&mut *lock_anyway(&self.spare)));
    }
}

impl<T> std::fmt::Debug for Recycler<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Recycler")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lent_values_come_back_up_to_the_limit() {
        let pool: Pool<Vec<u8>> = Pool::new(2);
        pool.lend().extend_from_slice(b"abc");
        // given back with its capacity, taken again
        let again = pool.lend();
        assert!(again.capacity() >= 3);
        drop(again);
        // three given back, two kept
        let (a, b, c) = (pool.lend(), pool.lend(), pool.lend());
        drop((a, b, c));
        let kept = [pool.take(), pool.take(), pool.take()];
        assert_eq!(kept.iter().filter(|v| v.capacity() >= 3).count(), 1);
        // into_inner keeps the value from coming back; clear drops the spares
        pool.give(vec![1]);
        assert_eq!(pool.lend().into_inner(), vec![1]);
        pool.give(vec![2]);
        pool.clear();
        assert!(pool.take().is_empty());
    }

    impl<T> Recycler<T> {
        fn take_ok(&self, len: usize) -> Vec<T> {
            self.take(len).expect("a buffer")
        }
    }

    #[test]
    fn recycled_buffers_fit_and_stay_within_their_limits() {
        let words = MIN_BYTES / 8;
        let r: Recycler<u64> = Recycler::new(6 * MIN_BYTES);
        // small buffers are left to the allocator
        r.give(Vec::with_capacity(16));
        assert_eq!(r.held(), 0);
        // the smallest kept buffer that holds the values, else the largest smaller one, grown
        r.give(Vec::with_capacity(2 * words));
        r.give(vec![7; 3 * words]);
        assert_eq!(r.held(), 5 * MIN_BYTES);
        let v = r.take_ok(2 * words);
        assert!(v.is_empty() && v.capacity() >= 2 * words && v.capacity() < 3 * words);
        let w = r.take_ok(4 * words);
        assert!(w.is_empty() && w.capacity() == 4 * words);
        assert_eq!(r.held(), 0);
        // nothing kept: a new buffer of that capacity
        assert!(r.take_ok(words).capacity() >= words);
        // a request for much less than a kept buffer gets a new one
        r.give(Vec::with_capacity(words));
        assert_eq!(r.take_ok(16).capacity(), 16);
        assert_eq!(r.held(), MIN_BYTES);
        assert_eq!(r.take_ok(words).capacity(), words);
        // a kept buffer more than twice the size asked for stays kept
        r.give(w);
        assert!(r.take_ok(words).capacity() < 2 * words);
        assert_eq!(r.held(), 4 * MIN_BYTES);
        // over the byte limit, the oldest go first; a buffer past the limit is not kept
        r.give(v);
        assert_eq!(r.held(), 6 * MIN_BYTES);
        r.give(Vec::with_capacity(2 * words));
        assert_eq!(r.held(), 4 * MIN_BYTES);
        r.give(Vec::with_capacity(7 * words));
        assert_eq!(r.held(), 4 * MIN_BYTES);
        // at most MAX_KEPT buffers
        let big: Recycler<u64> = Recycler::new(64 * MIN_BYTES);
        for _ in 0..MAX_KEPT + 2 {
            big.give(Vec::with_capacity(words));
        }
        assert!(big.held() < (MAX_KEPT + 1) * MIN_BYTES);
        big.clear();
        assert_eq!(big.held(), 0);
        // more than memory holds is an error, not an abort
        assert!(matches!(
            big.take(usize::MAX / 4),
            Err(AllocError::TooLarge { .. })
        ));
    }
}
