//! A process's POSIX timers (`timer_create(2)` and friends).
//!
//! Each timer runs on the host-thread engine of [`crate::itimer`] and, at
//! expiry, queues its signal (`SI_TIMER`) to the process or one of its
//! threads. While that signal is still queued, further expirations queue
//! nothing; dequeuing it reports as overrun the whole periods elapsed since
//! the scheduled expiry it stands for (Linux's `posixtimer_rearm` and
//! `hrtimer_forward`), in `si_overrun` and `timer_getoverrun`, so a late
//! host wake-up does not lose overruns. Timers are not inherited by `fork`
//! and are deleted by `execve` and at exit. Besides the per-process limit,
//! every timer holds a [`Charge`] of the sandbox-wide [`SANDBOX_TIMERS`],
//! since an armed timer costs a host thread.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use abi::signal::{siginfo_t, SI_TIMER};

use crate::budget::Charge;
use crate::itimer::{after_periods, expirations, RealTimer};
use crate::kernel::Kernel;

/// The most POSIX timers every process of the sandbox together may have.
pub const SANDBOX_TIMERS: u64 = 4096;

/// `DELAYTIMER_MAX`: the largest overrun count reported.
const DELAYTIMER_MAX: u64 = i32::MAX as u64;

/// Whom a timer notifies at expiry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notify {
    /// Nobody (`SIGEV_NONE`): the timer is only read with `timer_gettime`.
    None,
    /// Signal `signo` to the process `pid` (`SIGEV_SIGNAL`).
    Group {
        /// The signal.
        signo: i32,
        /// The process.
        pid: i32,
    },
    /// Signal `signo` to thread `tid` (`SIGEV_THREAD_ID`).
    Thread {
        /// The signal.
        signo: i32,
        /// The thread.
        tid: i32,
    },
}

/// Overrun bookkeeping of one timer's signal, on the scheduled expiry
/// times rather than on when the host thread happened to wake.
#[derive(Debug, Default)]
struct SignalState {
    /// Whether the timer's signal is queued and not yet dequeued.
    queued: bool,
    /// The scheduled expiry the queued signal stands for (`None` while
    /// none is queued, or when a re-arm made the queued one stale).
    expiry: Option<Instant>,
    /// The first scheduled expiry no signal has accounted for yet.
    next: Option<Instant>,
    /// The period (zero: one-shot).
    interval: Duration,
    /// The overrun the last dequeued signal reported (`timer_getoverrun`).
    last: i32,
}

impl SignalState {
    /// An expiry was seen at `now`: whether to queue a signal for it.
    fn take_expiry(&mut self, now: Instant) -> bool {
        let Some(next) = self.next.filter(|&n| n <= now) else {
            return false;
        };
        if self.queued {
            // A re-arm made the queued signal stale; it now stands for this one.
            self.expiry.get_or_insert(next);
            return false;
        }
        self.queued = true;
        self.expiry = Some(next);
        true
    }

    /// The signal was dequeued at `now`: its overrun is the whole periods
    /// elapsed since its scheduled expiry, capped at `DELAYTIMER_MAX`;
    /// the expiries so counted queue no further signal.
    fn dequeue(&mut self, now: Instant) -> i32 {
        self.queued = false;
        let overrun = match self.expiry.take() {
            Some(e) if !self.interval.is_zero() => {
                let n = expirations(now.saturating_duration_since(e), self.interval);
                self.next = Some(after_periods(e, self.interval, n));
                n - 1
            }
            Some(_) => {
                self.next = None;
                0
            }
            None => 0,
        };
        self.last = overrun.min(DELAYTIMER_MAX) as i32;
        self.last
    }
}

/// One POSIX timer.
#[derive(Debug)]
pub struct PosixTimer {
    /// Its id (`si_timerid`, what `timer_create` returned).
    pub id: i32,
    /// The clock it measures (`CLOCK_REALTIME`, `CLOCK_MONOTONIC` or
    /// `CLOCK_BOOTTIME`).
    pub clock: i32,
    /// Whom it notifies.
    pub notify: Notify,
    /// The `sigval` its signals carry.
    pub value: u64,
    clock_timer: Arc<RealTimer>,
    sig: Mutex<SignalState>,
    /// Its share of [`SANDBOX_TIMERS`], given back when it is dropped.
    _charge: Charge,
}

impl PosixTimer {
    fn sig(&self) -> MutexGuard<'_, SignalState> {
        match self.sig.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    /// The time left and the interval (`timer_gettime`); zero disarmed.
    pub fn get(&self) -> (Duration, Duration) {
        self.clock_timer.get()
    }

    /// The overrun of the last delivered expiry signal.
    pub fn overrun(&self) -> i32 {
        self.sig().last
    }

    /// Arms the timer to expire at `deadline` (`None` disarms) and then
    /// every `interval`; returns the old setting as [`PosixTimer::get`].
    pub fn set(
        self: &Arc<Self>,
        kernel: &Arc<Kernel>,
        deadline: Option<Instant>,
        interval: Duration,
    ) -> (Duration, Duration) {
        {
            let mut s = self.sig();
            s.next = deadline;
            s.interval = interval;
            s.expiry = None;
        }
        let weak = Arc::downgrade(self);
        let name = format!("posix-timer-{}", self.id);
        self.clock_timer
            .arm(kernel, name, deadline, interval, move |k, _| {
                weak.upgrade().is_some_and(|t| t.expire(k, Instant::now()))
            })
    }

    /// The host thread saw expirations by `now`: queue the signal unless
    /// one is queued or they were counted as overruns already. `false`
    /// when the target is gone.
    fn expire(&self, k: &Kernel, now: Instant) -> bool {
        let (signo, to) = match self.notify {
            Notify::None => return true,
            Notify::Group { signo, pid } => (signo, Err(pid)),
            Notify::Thread { signo, tid } => (signo, Ok(tid)),
        };
        if !self.sig().take_expiry(now) {
            return true;
        }
        let info = siginfo_t::new_timer(signo, self.id, 0, self.value);
        let table = k.table();
        let sent = match to {
            Err(pid) => table.send_to_group(pid, info),
            Ok(tid) => table.send_to_thread(tid, info),
        };
        match sent {
            Ok(true) => true,
            Ok(false) => {
                let mut s = self.sig();
                s.queued = false;
                s.expiry = None;
                true
            }
            Err(_) => false,
        }
    }

    /// The timer's signal was dequeued: it reports the overrun so far.
    fn delivered(&self) -> i32 {
        self.sig().dequeue(Instant::now())
    }

    /// Stops the timer for good.
    fn cancel(&self) {
        self.clock_timer.cancel();
    }
}

/// A process's POSIX timers by id.
#[derive(Debug, Default)]
pub struct PosixTimers {
    inner: Mutex<Timers>,
}

#[derive(Debug, Default)]
struct Timers {
    by_id: BTreeMap<i32, Arc<PosixTimer>>,
    next: i32,
}

impl PosixTimers {
    fn lock(&self) -> MutexGuard<'_, Timers> {
        match self.inner.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    /// Creates a disarmed timer on `clock` with the lowest unused id from
    /// a counter that only grows (as Linux's), holding `charge`; `None`
    /// when the process already has `max` timers (`EAGAIN`).
    pub fn create(
        &self,
        clock: i32,
        notify: Notify,
        value: Option<u64>,
        max: usize,
        charge: Charge,
    ) -> Option<Arc<PosixTimer>> {
        let mut g = self.lock();
        if g.by_id.len() >= max {
            return None;
        }
        let mut id = g.next;
        while g.by_id.contains_key(&id) {
            id = id.checked_add(1).unwrap_or(0);
        }
        g.next = id.checked_add(1).unwrap_or(0);
        let t = Arc::new(PosixTimer {
            id,
            clock,
            notify,
            value: value.unwrap_or(id as u32 as u64),
            clock_timer: Arc::default(),
            sig: Mutex::default(),
            _charge: charge,
        });
        g.by_id.insert(id, t.clone());
        Some(t)
    }

    /// The timer `id`, if it exists.
    pub fn get(&self, id: i32) -> Option<Arc<PosixTimer>> {
        self.lock().by_id.get(&id).cloned()
    }

    /// Deletes timer `id`; `false` if there is none.
    pub fn delete(&self, id: i32) -> bool {
        let t = self.lock().by_id.remove(&id);
        t.inspect(|t| t.cancel()).is_some()
    }

    /// Deletes every timer (`execve`, exit).
    pub fn clear(&self) {
        let all = std::mem::take(&mut self.lock().by_id);
        for t in all.values() {
            t.cancel();
        }
    }

    /// A dequeued signal: if it is a live timer's expiry, fills in its
    /// overrun count.
    pub fn on_dequeue(&self, info: &mut siginfo_t) {
        if info.si_code != SI_TIMER {
            return;
        }
        let id = info._sifields[0] as u32 as i32;
        if let Some(t) = self.get(id) {
            let overrun = t.delivered();
            *info = siginfo_t::new_timer(info.si_signo, id, overrun, t.value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timers() -> PosixTimers {
        PosixTimers::default()
    }

    fn charge() -> Charge {
        let Some(c) = Charge::take(&Arc::new(crate::budget::Pool::new(1))) else {
            panic!("an empty pool refused");
        };
        c
    }

    #[test]
    fn every_process_shares_the_sandbox_budget() {
        let pool = Arc::new(crate::budget::Pool::new(2));
        let (a, b) = (timers(), timers());
        let make = |ts: &PosixTimers| {
            Charge::take(&pool).and_then(|c| ts.create(0, Notify::None, None, 8, c))
        };
        assert!(make(&a).is_some());
        assert!(make(&b).is_some());
        assert!(make(&a).is_none());
        assert!(make(&b).is_none());
        assert!(a.delete(0));
        assert_eq!(pool.used(), 1);
        assert!(make(&b).is_some());
        b.clear();
        assert_eq!(pool.used(), 0);
    }

    #[test]
    fn ids_count_up_and_are_not_reused_at_once() {
        let ts = timers();
        let a = ts.create(1, Notify::None, None, 8, charge()).map(|t| t.id);
        let b = ts.create(1, Notify::None, None, 8, charge()).map(|t| t.id);
        assert_eq!((a, b), (Some(0), Some(1)));
        assert!(ts.delete(0));
        assert!(!ts.delete(0));
        assert_eq!(
            ts.create(1, Notify::None, None, 8, charge()).map(|t| t.id),
            Some(2)
        );
    }

    #[test]
    fn limit_is_enforced() {
        let ts = timers();
        assert!(ts.create(0, Notify::None, None, 1, charge()).is_some());
        assert!(ts.create(0, Notify::None, None, 1, charge()).is_none());
        ts.clear();
        assert!(ts.create(0, Notify::None, None, 1, charge()).is_some());
    }

    #[test]
    fn default_value_is_the_id() {
        let ts = timers();
        let t = ts.create(0, Notify::None, None, 4, charge());
        assert_eq!(t.map(|t| t.value), Some(0));
        let t = ts.create(0, Notify::None, Some(77), 4, charge());
        assert_eq!(t.map(|t| t.value), Some(77));
    }

    #[test]
    fn overruns_accumulate_while_queued() {
        let ts = timers();
        let Some(t) = ts.create(0, Notify::None, None, 4, charge()) else {
            panic!("create failed");
        };
        {
            let mut s = t.sig();
            s.queued = true;
            s.expiry = Instant::now().checked_sub(Duration::from_secs(2));
            s.interval = Duration::from_millis(900);
        }
        let mut info = siginfo_t::new_timer(34, t.id, 0, 0);
        ts.on_dequeue(&mut info);
        assert_eq!(t.overrun(), 2);
        assert_eq!(info._sifields[0], u64::from(t.id as u32) | (2u64 << 32));
        assert!(!t.sig().queued);
    }

    #[test]
    fn late_wakeup_still_counts_scheduled_periods() {
        let (t0, period) = (Instant::now(), Duration::from_millis(1));
        let at = |p: u32, us: u64| t0 + period * p + Duration::from_micros(us);
        let mut s = SignalState {
            next: Some(t0),
            interval: period,
            ..SignalState::default()
        };
        // The host thread first wakes 30 periods late, once.
        assert!(s.take_expiry(at(30, 400)));
        assert!(!s.take_expiry(at(30, 500)));
        assert_eq!(s.dequeue(at(30, 600)), 30);
        // Expiries up to the dequeue were counted: no second signal.
        assert!(!s.take_expiry(at(30, 700)));
        // The next one queues a signal standing for its scheduled time.
        assert!(s.take_expiry(at(31, 100)));
        assert_eq!(s.expiry, Some(at(31, 0)));
        assert_eq!(s.dequeue(at(31, 200)), 0);
    }

    #[test]
    fn overrun_is_capped_and_one_shot_reports_none() {
        let t0 = Instant::now();
        let mut s = SignalState {
            queued: true,
            expiry: Some(t0),
            interval: Duration::from_nanos(1),
            ..SignalState::default()
        };
        assert_eq!(s.dequeue(t0 + Duration::from_secs(10)), i32::MAX);
        let mut s = SignalState {
            next: Some(t0),
            ..SignalState::default()
        };
        assert!(s.take_expiry(t0 + Duration::from_secs(5)));
        assert_eq!(s.dequeue(t0 + Duration::from_secs(9)), 0);
        assert!(!s.take_expiry(t0 + Duration::from_secs(10)));
    }

    #[test]
    fn other_signals_pass_through() {
        let ts = timers();
        let mut info = siginfo_t::new_kill(10, 0, 1, 0);
        let before = info;
        ts.on_dequeue(&mut info);
        assert_eq!(info, before);
    }
}
