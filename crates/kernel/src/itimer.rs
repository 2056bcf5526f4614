//! Host-thread timers: a deadline and an interval, and an action at each
//! expiry. A process's real-time interval timer (`ITIMER_REAL`, what
//! `alarm` and `setitimer` arm) sends `SIGALRM` and re-arms with its
//! interval; POSIX timers (`timer_create`) use the same engine with their
//! own action.
//!
//! Each armed timer has a host thread sleeping until the expiry (or a
//! change); it ends when the timer is disarmed or the kernel is gone. A
//! process's `ITIMER_REAL` is not inherited by `fork` and survives
//! `execve`, as in Linux.

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

/// One timer: `ITIMER_REAL` of a process, or the clock of a POSIX timer.
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
        let deadline = (!value.is_zero()).then(|| crate::syscalls::time::deadline_after(value));
        self.arm(
            kernel,
            format!("itimer-{pid}"),
            deadline,
            interval,
            move |k, _| {
                k.table()
                    .send_to_group(pid, siginfo_t::new_kill(SIGALRM, SI_KERNEL, 0, 0))
                    .is_ok()
            },
        )
    }

    /// Arms the timer to expire at `deadline` (`None` disarms) and then
    /// every `interval`; at each expiry `fire` runs with the number of
    /// expirations since the last run (more than one when the thread woke
    /// late) and returns `false` once its target is gone, which disarms
    /// the timer. The action is that of the thread serving the timer: a
    /// timer keeps one target for its life. Returns the old setting as
    /// [`RealTimer::get`] would.
    pub fn arm(
        self: &Arc<Self>,
        kernel: &Arc<Kernel>,
        name: String,
        deadline: Option<Instant>,
        interval: Duration,
        fire: impl FnMut(&Kernel, u64) -> bool + Send + 'static,
    ) -> (Duration, Duration) {
        let old = self.get();
        let mut s = self.lock();
        s.deadline = deadline;
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
                .name(name)
                .spawn(move || timer.serve(&k, fire));
            if spawned.is_err() {
                self.lock().thread = false;
                kernel.debug_line("cannot start a timer thread");
            }
        }
        old
    }

    /// The timer thread: waits for each expiry and runs `fire`.
    fn serve(&self, kernel: &Weak<Kernel>, mut fire: impl FnMut(&Kernel, u64) -> bool) {
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
            let n = expirations(now - deadline, s.interval);
            s.deadline = (!s.interval.is_zero()).then(|| after_periods(deadline, s.interval, n));
            drop(s);
            let Some(k) = kernel.upgrade() else {
                self.lock().thread = false;
                return;
            };
            let gone = !fire(&k, n);
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

/// How many expirations a timer `late` past its deadline has had: one,
/// plus every whole `interval` since (a one-shot timer has one).
pub(crate) fn expirations(late: Duration, interval: Duration) -> u64 {
    match interval.as_nanos() {
        0 => 1,
        i => u64::try_from(late.as_nanos() / i).map_or(u64::MAX, |n| n.saturating_add(1)),
    }
}

/// `deadline` moved on by `n` periods of `interval` (far future on
/// overflow).
pub(crate) fn after_periods(deadline: Instant, interval: Duration, n: u64) -> Instant {
    let ns = interval.as_nanos().saturating_mul(u128::from(n));
    let step = Duration::from_nanos(u64::try_from(ns).unwrap_or(u64::MAX));
    deadline
        .checked_add(step)
        .unwrap_or_else(|| crate::syscalls::time::deadline_after(step))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expirations_count_missed_periods() {
        let ms = Duration::from_millis;
        assert_eq!(expirations(ms(0), ms(0)), 1);
        assert_eq!(expirations(ms(50), ms(0)), 1);
        assert_eq!(expirations(ms(0), ms(10)), 1);
        assert_eq!(expirations(ms(9), ms(10)), 1);
        assert_eq!(expirations(ms(25), ms(10)), 3);
        assert_eq!(
            expirations(Duration::MAX, Duration::from_nanos(1)),
            u64::MAX
        );
    }

    #[test]
    fn next_deadline_skips_missed_periods() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        assert_eq!(after_periods(t0, ms(10), 3), t0 + ms(30));
        assert!(after_periods(t0, Duration::MAX, u64::MAX) > t0);
    }

    #[test]
    fn disarmed_timer_reads_zero() {
        let t = RealTimer::default();
        assert_eq!(t.get(), (Duration::ZERO, Duration::ZERO));
        t.cancel();
        assert_eq!(t.get(), (Duration::ZERO, Duration::ZERO));
    }
}
