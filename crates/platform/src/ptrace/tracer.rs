//! What each Sentry thread traces, so its stub threads are parked and
//! detached when the thread exits.
//!
//! When a tracer thread exits, the kernel detaches its tracees and lets them
//! run on from wherever they stopped: in application code. A thread-local
//! list with a destructor prevents that: the exiting thread points each of
//! its stub threads at the park loop and detaches it, so another Sentry
//! thread can seize it later.
//!
//! The same list caches, per traced stub thread, what the tracer last knew
//! of it (its XSAVE bytes, the CPU it is bound to), so unchanged state is
//! not written again. The cache belongs to the stub thread, not to a
//! context: two contexts run on one host thread share its stub thread.

use std::cell::RefCell;
use std::sync::{Arc, Weak};

use super::address_space::Shared;

/// What the tracer last knew of one stub thread.
#[derive(Default)]
pub(crate) struct ThreadCache {
    /// XSAVE bytes last read from or written to the thread (empty: unknown).
    pub(crate) fp: Vec<u8>,
    /// CPU the thread was last bound to.
    pub(crate) cpu: Option<usize>,
}

struct Entry {
    space: Weak<Shared>,
    tid: i32,
    cache: ThreadCache,
}

#[derive(Default)]
struct Tracees(Vec<Entry>);

impl Drop for Tracees {
    fn drop(&mut self) {
        for e in self.0.drain(..) {
            if let Some(space) = e.space.upgrade() {
                space.release(e.tid);
            }
        }
    }
}

thread_local! {
    static TRACEES: RefCell<Tracees> = RefCell::new(Tracees::default());
}

/// Records that the calling thread now traces stub thread `tid` of `space`.
pub(crate) fn register(space: Weak<Shared>, tid: i32) {
    // During thread exit the list may be gone already; the thread then
    // exits holding the tracee, which the seccomp filter still contains.
    let _ = TRACEES.try_with(|t| {
        let mut t = t.borrow_mut();
        t.0.retain(|e| e.space.strong_count() > 0);
        t.0.push(Entry {
            space,
            tid,
            cache: ThreadCache::default(),
        });
    });
}

/// Runs `f` on the cache of stub thread `tid` of `space` traced by the
/// calling thread; `None` if it is not in the list.
pub(crate) fn with_cache<R>(
    space: &Arc<Shared>,
    tid: i32,
    f: impl FnOnce(&mut ThreadCache) -> R,
) -> Option<R> {
    TRACEES
        .try_with(|t| {
            let mut t = t.borrow_mut();
            let e =
                t.0.iter_mut()
                    .find(|e| e.tid == tid && std::ptr::eq(e.space.as_ptr(), Arc::as_ptr(space)))?;
            Some(f(&mut e.cache))
        })
        .ok()
        .flatten()
}
