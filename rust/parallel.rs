//! Thread pools per thread count, safe after `fork`.
//!
//! A rayon pool's threads do not survive `fork`: a child that used the parent's pool would wait forever.
//! Pools are remembered with the pid that built them; a different pid (we are a forked child) means the
//! pool's threads are gone, so it is leaked (dropping it would wait for them) and a new one is built.
//! Callers take a pool before releasing the GIL, so no other thread of ours holds the lock at a fork.

use rayon::{ThreadPool, ThreadPoolBuilder};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// (pid that built them, pools by thread count)
type Pools = Option<(u32, HashMap<usize, Arc<ThreadPool>>)>;
static POOLS: Mutex<Pools> = Mutex::new(None);

/// Thread count: the argument, else FERROFORMERS_NUM_THREADS, else the available cores.
pub fn resolve_threads(requested: Option<usize>) -> usize {
    if let Some(n) = requested {
        return n.max(1);
    }
    if let Some(n) = std::env::var("FERROFORMERS_NUM_THREADS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
    {
        return n.max(1);
    }
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The pool with `n` threads for this process (None for n <= 1: run inline).
pub fn pool(n: usize) -> Option<Arc<ThreadPool>> {
    if n <= 1 {
        return None;
    }
    let pid = std::process::id();
    let mut guard = POOLS.lock().unwrap_or_else(|e| e.into_inner());
    if guard.as_ref().is_some_and(|(p, _)| *p != pid) {
        if let Some((_, old)) = guard.take() {
            std::mem::forget(old);
        }
    }
    let (_, pools) = guard.get_or_insert_with(|| (pid, HashMap::new()));
    if let Some(p) = pools.get(&n) {
        return Some(p.clone());
    }
    let p = Arc::new(
        ThreadPoolBuilder::new()
            .num_threads(n)
            .thread_name(|i| format!("ferroformers-{i}"))
            .build()
            .ok()?,
    );
    pools.insert(n, p.clone());
    Some(p)
}
