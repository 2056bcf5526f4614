//! Wait queues: where blocking code registers interest in events of an
//! object (a pipe, a child's exit, a futex word) and wakers notify it,
//! as Linux's `wait_queue_head_t` and gVisor's `waiter.Queue`.
//!
//! The queue only records who to tell; how a waiter sleeps is the
//! kernel's business ([`Notify`] is implemented there over a host
//! condition variable). An entry carries an event mask (`POLL*` bits) so
//! that `poll` and readers/writers can share one queue and a writer's
//! notification only wakes those interested in `POLLIN`.

use alloc::sync::Arc;
use alloc::vec::Vec;

/// Every event: an entry or notification that matches anything.
pub const EVENTS_ALL: u32 = u32::MAX;

/// Something that can be told an event happened (a sleeping task).
/// `notify` must not block: it is called with the notifier's locks held.
pub trait Notify: Send + Sync {
    /// `events` (a `POLL*` mask) happened on a queue this was registered on.
    fn notify(&self, events: u32);
}

struct Entry {
    id: u64,
    mask: u32,
    who: Arc<dyn Notify>,
}

/// A list of registered waiters.
#[derive(Default)]
pub struct WaitQueue {
    inner: spin::Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    next: u64,
    entries: Vec<Entry>,
}

impl core::fmt::Debug for WaitQueue {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("WaitQueue")
            .field("waiters", &self.inner.lock().entries.len())
            .finish()
    }
}

impl WaitQueue {
    /// An empty queue.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers `who` for the events in `mask`; the id unregisters it.
    pub fn register(&self, mask: u32, who: Arc<dyn Notify>) -> u64 {
        let mut g = self.inner.lock();
        let id = g.next;
        g.next = g.next.wrapping_add(1);
        g.entries.push(Entry { id, mask, who });
        id
    }

    /// Removes the entry `id` (no effect if it is gone already).
    pub fn unregister(&self, id: u64) {
        self.inner.lock().entries.retain(|e| e.id != id);
    }

    /// Tells every entry interested in any of `events`.
    pub fn notify(&self, events: u32) {
        let who: Vec<Arc<dyn Notify>> = self
            .inner
            .lock()
            .entries
            .iter()
            .filter(|e| e.mask & events != 0)
            .map(|e| e.who.clone())
            .collect();
        for w in who {
            w.notify(events);
        }
    }

    /// How many entries are registered.
    pub fn len(&self) -> usize {
        self.inner.lock().entries.len()
    }

    /// Whether nobody waits.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::sync::atomic::{AtomicU32, Ordering};

    #[derive(Default)]
    struct Count(AtomicU32);

    impl Notify for Count {
        fn notify(&self, events: u32) {
            self.0.fetch_or(events, Ordering::SeqCst);
        }
    }

    #[test]
    fn notifies_by_mask_until_unregistered() {
        let q = WaitQueue::new();
        let reader = Arc::new(Count::default());
        let writer = Arc::new(Count::default());
        let r = q.register(0x1, reader.clone());
        let _w = q.register(0x4, writer.clone());
        assert_eq!(q.len(), 2);
        q.notify(0x1);
        assert_eq!(reader.0.load(Ordering::SeqCst), 0x1);
        assert_eq!(writer.0.load(Ordering::SeqCst), 0);
        q.unregister(r);
        q.notify(EVENTS_ALL);
        assert_eq!(reader.0.load(Ordering::SeqCst), 0x1);
        assert_eq!(writer.0.load(Ordering::SeqCst), EVENTS_ALL);
        q.unregister(r);
        assert_eq!(q.len(), 1);
    }
}
