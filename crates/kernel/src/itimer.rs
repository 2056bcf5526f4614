//! `ITIMER_REAL`: the per-process wall-clock interval timer behind
//! `setitimer(2)`, `getitimer(2)` and `alarm(2)`, which sends `SIGALRM`.
//!
//! Each armed timer has one host thread that sleeps until the deadline
//! (or until the timer is re-armed or cancelled, which wakes it), then
//! calls the expiry action; a periodic timer re-arms itself from the
//! previous deadline, as Linux's hrtimer does. Timers belong to a process
//! id: `fork` children start without one, `execve` keeps it, and a timer
//! whose process is gone stops at its next expiry.

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// What an expiry does; returns `false` when the timer should stop (its
/// process is gone).
pub type Expiry = Arc<dyn Fn() -> bool + Send + Sync>;

#[derive(Default)]
struct State {
    deadline: Option<Instant>,
    interval: Duration,
    /// Bumped at every set, so a superseded thread stops.
    generation: u64,
}

#[derive(Default)]
struct RealTimer {
    state: Mutex<State>,
    changed: Condvar,
}

impl RealTimer {
    fn lock(&self) -> MutexGuard<'_, State> {
        match self.state.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    /// The thread of one arming: waits for the deadline, fires, re-arms.
    fn run(self: Arc<Self>, generation: u64, expire: Expiry) {
        let mut st = self.lock();
        loop {
            if st.generation != generation {
                return;
            }
            let Some(deadline) = st.deadline else { return };
            let now = Instant::now();
            if now < deadline {
                st = match self.changed.wait_timeout(st, deadline - now) {
                    Ok((g, _)) => g,
                    Err(p) => p.into_inner().0,
                };
                continue;
            }
            st.deadline = (!st.interval.is_zero()).then(|| {
                // Skip whole periods that already passed (overruns).
                let mut next = deadline + st.interval;
                while next <= now {
                    next += st.interval;
                }
                next
            });
            drop(st);
            let alive = expire();
            st = self.lock();
            if !alive && st.generation == generation {
                st.deadline = None;
                return;
            }
        }
    }
}

/// The `ITIMER_REAL` timers of every process.
#[derive(Default)]
pub struct ItimerTable {
    timers: Mutex<HashMap<i32, Arc<RealTimer>>>,
}

impl ItimerTable {
    fn timer(&self, pid: i32) -> Arc<RealTimer> {
        let mut m = match self.timers.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        m.entry(pid).or_default().clone()
    }

    /// The time left and the interval of process `pid`'s timer (zero
    /// when disarmed).
    pub fn get(&self, pid: i32) -> (Duration, Duration) {
        let t = self.timer(pid);
        let st = t.lock();
        match st.deadline {
            Some(d) => (
                d.saturating_duration_since(Instant::now())
                    .max(Duration::from_micros(1)),
                st.interval,
            ),
            None => (Duration::ZERO, Duration::ZERO),
        }
    }

    /// Arms (a non-zero `value`) or disarms process `pid`'s timer and
    /// returns the previous setting, as [`ItimerTable::get`] would have.
    /// `expire` runs on the timer's thread at each expiry.
    pub fn set(
        &self,
        pid: i32,
        value: Duration,
        interval: Duration,
        expire: Expiry,
    ) -> (Duration, Duration) {
        let old = self.get(pid);
        let t = self.timer(pid);
        let mut st = t.lock();
        st.generation += 1;
        st.deadline = (!value.is_zero()).then(|| Instant::now() + value);
        st.interval = if value.is_zero() {
            Duration::ZERO
        } else {
            interval
        };
        let generation = st.generation;
        let armed = st.deadline.is_some();
        drop(st);
        t.changed.notify_all();
        if armed {
            let t = t.clone();
            std::thread::spawn(move || t.run(generation, expire));
        }
        old
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    fn counter() -> (Expiry, mpsc::Receiver<()>) {
        let (tx, rx) = mpsc::channel();
        let tx = Mutex::new(tx);
        let f: Expiry = Arc::new(move || {
            let _ = tx.lock().map(|t| t.send(()));
            true
        });
        (f, rx)
    }

    #[test]
    fn arms_reports_and_cancels() {
        let table = ItimerTable::default();
        let (f, rx) = counter();
        assert_eq!(
            table.set(7, Duration::from_secs(100), Duration::ZERO, f.clone()),
            (Duration::ZERO, Duration::ZERO)
        );
        let (left, interval) = table.get(7);
        assert!(left > Duration::from_secs(99) && left <= Duration::from_secs(100));
        assert_eq!(interval, Duration::ZERO);
        let (old, _) = table.set(7, Duration::ZERO, Duration::ZERO, f);
        assert!(old > Duration::from_secs(99));
        assert_eq!(table.get(7), (Duration::ZERO, Duration::ZERO));
        // Another process has its own timer.
        assert_eq!(table.get(8), (Duration::ZERO, Duration::ZERO));
        assert!(rx.try_recv().is_err());
    }

    #[test]
    fn expiry_fires_and_periodic_timers_rearm() {
        let table = ItimerTable::default();
        let (f, rx) = counter();
        table.set(1, Duration::from_millis(1), Duration::from_millis(1), f);
        for _ in 0..3 {
            rx.recv_timeout(Duration::from_secs(10)).expect("an expiry");
        }
        assert!(table.get(1).1 == Duration::from_millis(1));
        let (g, rx2) = counter();
        table.set(1, Duration::from_millis(1), Duration::ZERO, g);
        rx2.recv_timeout(Duration::from_secs(10))
            .expect("one expiry");
        // A one-shot timer is disarmed before its expiry action runs.
        assert_eq!(table.get(1), (Duration::ZERO, Duration::ZERO));
    }
}
