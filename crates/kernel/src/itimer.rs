//! A process's real-time interval timer (`ITIMER_REAL`, what `alarm` and
//! `setitimer` arm): when it expires the process gets `SIGALRM`, and it
//! re-arms with its interval.
//!
//! Each armed timer has a host thread sleeping until the expiry (or a
//! change); it ends when the timer is disarmed or the kernel is gone. A
//! process's timer is not inherited by `fork` and survives `execve`, as
//! in Linux.

use std::sync::{Arc, Condvar, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use abi::signal::{siginfo_t, SIGALRM, SI_KERNEL};

use crate::kernel::Kernel;

#[derive(Debug, Default)]
struct State {
    /// The next expiry (`None`: disarmed).
    deadline: Option<Instant>,
    /// The period after each expiry (zero: one-shot).
    interval: Duration,
    /// Whether a host thread serves the timer.
    thread: bool,
}

/// One process's `ITIMER_REAL`.
#[derive(Debug, Default)]
pub struct RealTimer {
    state: Mutex<State>,
    cv: Condvar,
}

impl RealTimer {
    fn lock(&self) -> MutexGuard<'_, State> {
        match self.state.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    /// The time left and the interval (`getitimer`); zero when disarmed.
    pub fn get(&self) -> (Duration, Duration) {
        let s = self.lock();
        let left = s.deadline.map_or(Duration::ZERO, |d| {
            d.saturating_duration_since(Instant::now())
        });
        (left, s.interval)
    }

    /// Arms the timer to fire after `value` (zero disarms) and then every
    /// `interval`, signalling process `pid` of `kernel`; returns the old
    /// setting as [`RealTimer::get`] would.
    pub fn set(
        self: &Arc<Self>,
        kernel: &Arc<Kernel>,
        pid: i32,
        value: Duration,
        interval: Duration,
    ) -> (Duration, Duration) {
        let old = self.get();
        let mut s = self.lock();
        s.deadline = (!value.is_zero()).then(|| crate::syscalls::time::deadline_after(value));
        s.interval = interval;
        let start = s.deadline.is_some() && !s.thread;
        if start {
            s.thread = true;
        }
        drop(s);
        self.cv.notify_all();
        if start {
            let (timer, k) = (self.clone(), Arc::downgrade(kernel));
            let spawned = std::thread::Builder::new()
                .name(format!("itimer-{pid}"))
                .spawn(move || timer.serve(&k, pid));
            if spawned.is_err() {
                self.lock().thread = false;
                kernel.debug_line(&format!("cannot start the interval timer of {pid}"));
            }
        }
        old
    }

    /// The timer thread: waits for each expiry and sends `SIGALRM`.
    fn serve(&self, kernel: &Weak<Kernel>, pid: i32) {
        let mut s = self.lock();
        loop {
            let Some(deadline) = s.deadline else {
                s.thread = false;
                return;
            };
            let now = Instant::now();
            if now < deadline {
                s = match self.cv.wait_timeout(s, deadline - now) {
                    Ok((g, _)) => g,
                    Err(p) => p.into_inner().0,
                };
                continue;
            }
            s.deadline = (!s.interval.is_zero()).then(|| deadline + s.interval);
            drop(s);
            let Some(k) = kernel.upgrade() else {
                self.lock().thread = false;
                return;
            };
            let gone = k
                .table()
                .send_to_group(pid, siginfo_t::new_kill(SIGALRM, SI_KERNEL, 0, 0))
                .is_err();
            drop(k);
            s = self.lock();
            if gone {
                s.deadline = None;
            }
        }
    }

    /// Disarms the timer (the process ended).
    pub fn cancel(&self) {
        self.lock().deadline = None;
        self.cv.notify_all();
    }
}
