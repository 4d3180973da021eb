//! Values kept between tasks and calls: the `Work` of a tokenizer (whose run cache then stays warm) and the
//! buffers of the flat encoders (whose pages then stay mapped: fresh pages cost a page fault each, 15-20% of
//! the flat encoder's time before they were kept).

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

/// Tries at a busy lock before giving up (each a spin-loop hint: a few microseconds in all).
const SPINS: usize = 1 << 12;

impl<T: Default> Pool<T> {
    pub const fn new(limit: usize) -> Pool<T> {
        Pool {
            spare: Mutex::new(Vec::new()),
            limit,
        }
    }

    fn lock(&self) -> Option<MutexGuard<'_, Vec<T>>> {
        for _ in 0..SPINS {
            match self.spare.try_lock() {
                Ok(guard) => return Some(guard),
                Err(TryLockError::Poisoned(poisoned)) => return Some(poisoned.into_inner()),
                Err(TryLockError::WouldBlock) => std::hint::spin_loop(),
            }
        }
        None
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
        match self.spare.lock() {
            Ok(mut p) => p.clear(),
            Err(poisoned) => poisoned.into_inner().clear(),
        }
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
}
