//! Sandbox-wide budgets: what the guest, all its processes together, may
//! make the Sentry hold of one kind of resource, so one sandbox cannot
//! exhaust the host's memory or threads through a per-object registry.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// A sandbox-wide budget: how much of one kind of object (semaphores,
/// queued message bytes, POSIX timers) every process together may make
/// the Sentry keep.
#[derive(Debug)]
pub struct Pool {
    used: AtomicU64,
    max: u64,
}

impl Pool {
    /// An empty pool of `max` units.
    pub const fn new(max: u64) -> Self {
        Pool {
            used: AtomicU64::new(0),
            max,
        }
    }

    /// Takes `n` units if that stays within the budget.
    pub fn charge(&self, n: u64) -> bool {
        self.used
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |u| {
                u.checked_add(n).filter(|&v| v <= self.max)
            })
            .is_ok()
    }

    /// Gives back `n` units taken by [`Pool::charge`].
    pub fn release(&self, n: u64) {
        self.used.fetch_sub(n, Ordering::SeqCst);
    }

    /// The units in use.
    pub fn used(&self) -> u64 {
        self.used.load(Ordering::SeqCst)
    }
}

/// One unit of a shared [`Pool`], given back when dropped (an object that
/// holds it frees its share however it goes away).
#[derive(Debug)]
pub struct Charge {
    pool: Arc<Pool>,
}

impl Charge {
    /// Takes one unit of `pool`; `None` when it is spent.
    pub fn take(pool: &Arc<Pool>) -> Option<Charge> {
        pool.charge(1).then(|| Charge { pool: pool.clone() })
    }
}

impl Drop for Charge {
    fn drop(&mut self) {
        self.pool.release(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pools_stop_at_their_budget() {
        let p = Pool::new(10);
        assert!(p.charge(6));
        assert!(!p.charge(5));
        assert!(!p.charge(u64::MAX));
        assert!(p.charge(4));
        p.release(6);
        assert_eq!(p.used(), 4);
    }

    #[test]
    fn charges_give_back_when_dropped() {
        let p = Arc::new(Pool::new(1));
        let c = Charge::take(&p);
        assert!(c.is_some());
        assert!(Charge::take(&p).is_none());
        drop(c);
        assert_eq!(p.used(), 0);
        assert!(Charge::take(&p).is_some());
    }
}
