//! How a task sleeps in the Sentry: a [`Waiter`] that wait queues and
//! signal senders notify, and [`Task::block`], the one way for a system
//! call to wait for a condition, a deadline or a signal.
//!
//! A notification is sticky until the sleeper consumes it, so a wake-up
//! that arrives between checking the condition and going to sleep is never
//! lost; spurious wake-ups only cost a re-check.

use std::sync::{Condvar, Mutex};
use std::time::Instant;

use abi::Errno;
use vfs::waitq::Notify;

use crate::task::Task;

/// One task's sleep and wake-up point.
#[derive(Debug, Default)]
pub struct Waiter {
    woken: Mutex<bool>,
    cv: Condvar,
}

impl Notify for Waiter {
    fn notify(&self, _events: u32) {
        let mut w = match self.woken.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        *w = true;
        self.cv.notify_all();
    }
}

impl Waiter {
    /// A waiter with no pending notification.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sleeps until notified or until `deadline`; consumes the
    /// notification. Returns whether it was notified.
    pub fn wait(&self, deadline: Option<Instant>) -> bool {
        let mut w = match self.woken.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        while !*w {
            match deadline {
                None => {
                    w = match self.cv.wait(w) {
                        Ok(g) => g,
                        Err(p) => p.into_inner(),
                    }
                }
                Some(d) => {
                    let now = Instant::now();
                    if now >= d {
                        break;
                    }
                    w = match self.cv.wait_timeout(w, d - now) {
                        Ok((g, _)) => g,
                        Err(p) => p.into_inner().0,
                    }
                }
            }
        }
        core::mem::replace(&mut *w, false)
    }
}

impl Task {
    /// Whether a signal is deliverable to this task, or its thread group
    /// is being torn down: what ends an interruptible sleep.
    pub fn interrupted(&self) -> bool {
        self.handle.is_zapped() || self.signal_pending() || self.tg().exit.is_some()
    }

    /// Blocks until `ready` yields a value, `deadline` passes
    /// (`ETIMEDOUT`) or a signal becomes deliverable (`ERESTARTSYS`; the
    /// caller picks another restart code where Linux does). `ready` runs
    /// first, and again after every notification of the task's waiter;
    /// whatever `ready` depends on must notify it (register the waiter on
    /// the right wait queue before calling).
    pub fn block<R>(
        &mut self,
        deadline: Option<Instant>,
        mut ready: impl FnMut(&mut Task) -> Option<R>,
    ) -> Result<R, Errno> {
        let waiter = self.handle.waiter.clone();
        loop {
            if let Some(r) = ready(self) {
                return Ok(r);
            }
            if self.interrupted() {
                return Err(Errno::ERESTARTSYS);
            }
            if deadline.is_some_and(|d| Instant::now() >= d) {
                return Err(Errno::ETIMEDOUT);
            }
            waiter.wait(deadline);
        }
    }

    /// Waits until `file` reports one of the `POLL*` events of `mask` (or
    /// `POLLERR`/`POLLHUP`), sleeping on the file's wait queue. A file
    /// without a queue (host-backed descriptors) is re-checked with an
    /// exponential backoff capped at 10 ms. A signal ends the wait
    /// (`ERESTARTSYS`).
    pub fn wait_file(&mut self, file: &vfs::FileDescription, mask: u32) -> Result<(), Errno> {
        const POLLERR_HUP: u32 = 0x18;
        let want = mask | POLLERR_HUP;
        let ready = |_: &mut Task| (file.readiness(want) & want != 0).then_some(());
        if let Some(q) = file.wait_queue() {
            let id = q.register(want, self.handle.waiter.clone());
            let r = self.block(None, ready);
            q.unregister(id);
            return r;
        }
        let mut delay = std::time::Duration::from_micros(20);
        loop {
            match self.block(Some(Instant::now() + delay), ready) {
                Err(Errno::ETIMEDOUT) => {
                    delay = (delay * 2).min(std::time::Duration::from_millis(10))
                }
                r => return r,
            }
        }
    }

    /// Like [`Task::block`] without deadline, but only the end of the
    /// thread group interrupts it (`EINTR`): Linux's killable sleeps
    /// (`vfork`'s parent, `execve` waiting for the other threads to go).
    pub fn block_killable(
        &mut self,
        mut ready: impl FnMut(&mut Task) -> bool,
    ) -> Result<(), Errno> {
        let waiter = self.handle.waiter.clone();
        loop {
            if ready(self) {
                return Ok(());
            }
            if self.tg().exit.is_some() || self.fatal_signal_pending() {
                return Err(Errno::EINTR);
            }
            waiter.wait(None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::time::Duration;

    #[test]
    fn notification_before_wait_is_not_lost() {
        let w = Waiter::new();
        w.notify(1);
        assert!(w.wait(Some(Instant::now() + Duration::from_secs(5))));
        // Consumed: the next wait times out.
        assert!(!w.wait(Some(Instant::now() + Duration::from_millis(10))));
    }

    #[test]
    fn wakes_a_sleeper_on_another_thread() {
        let w = Arc::new(Waiter::new());
        let q = Arc::new(vfs::WaitQueue::new());
        let id = q.register(vfs::file::POLLIN, w.clone());
        let (w2, q2) = (w.clone(), q.clone());
        let h = std::thread::spawn(move || {
            let start = Instant::now();
            let woke = w2.wait(Some(start + Duration::from_secs(30)));
            (woke, start.elapsed())
        });
        // Whether the sleeper is already asleep or not, it must wake.
        q2.notify(vfs::file::POLLIN);
        let (woke, took) = h.join().expect("sleeper");
        assert!(woke);
        assert!(took < Duration::from_secs(30));
        q.unregister(id);
        assert!(q.is_empty());
    }
}
