//! How the Sentry and a stub thread wake each other: futex, bounded
//! adaptive spinning, and CPU locality, each switchable.
//!
//! Measured on 2-vCPU VMs (design brief): a futex wake-up across vCPUs costs
//! ~69 us, on the same vCPU ~3 us, a spin hand-off ~0.1-0.4 us. So:
//! - **spin**: both sides spin a bounded, adaptive number of `pause` rounds
//!   before they sleep. The budget doubles when an event arrived while
//!   spinning and halves when it did not. Spinning only happens when there
//!   is a CPU to spare: the number of switches in flight (each one a
//!   runnable application thread) plus the spinning Sentry threads must
//!   stay below the CPU count.
//! - **adaptive** (default): spin while it pays, else locality, probing
//!   spinning again every few thousand switches.
//! - **locality**: before it resumes the stub thread, the Sentry thread
//!   moves itself to the CPU the stub thread last ran on (reported by the
//!   handler via `rdtscp`), so the futex wake-ups stay on one vCPU.

use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::OnceLock;

use rustix::thread::futex;

/// How the Sentry and a stub thread wake each other.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum WakeScheme {
    /// `FUTEX_WAIT`/`FUTEX_WAKE` only.
    Futex,
    /// Bounded adaptive spinning on both sides before `FUTEX_WAIT`, when a
    /// CPU is to spare. Fastest on an idle host (see the crate's
    /// `bench_systrap` example), slower than locality on a busy one.
    Spin,
    /// Futex, with the Sentry thread following the stub thread's CPU
    /// (`sched_setaffinity`) so wake-ups stay on one vCPU. Spinning and
    /// locality exclude each other: spinning on the peer's own CPU only
    /// delays the peer.
    Locality,
    /// Spin while spinning catches events; after a run of misses (a busy
    /// host: other work holds the CPUs) follow the CPU instead for a while,
    /// then probe spinning again. The default: close to `Spin` on an idle
    /// host and to `Locality` on a busy one.
    #[default]
    Adaptive,
}

impl WakeScheme {
    /// Every scheme, for benchmarks.
    pub const ALL: [WakeScheme; 4] = [
        WakeScheme::Futex,
        WakeScheme::Spin,
        WakeScheme::Locality,
        WakeScheme::Adaptive,
    ];

    /// A short name: `futex`, `spin`, `locality`.
    pub fn name(&self) -> &'static str {
        match self {
            WakeScheme::Futex => "futex",
            WakeScheme::Spin => "spin",
            WakeScheme::Locality => "locality",
            WakeScheme::Adaptive => "adaptive",
        }
    }
}

impl std::str::FromStr for WakeScheme {
    type Err = crate::Error;
    fn from_str(s: &str) -> crate::Result<Self> {
        WakeScheme::ALL
            .into_iter()
            .find(|w| w.name() == s)
            .ok_or(crate::Error::Invalid(
                "unknown wake scheme (futex, spin, locality, adaptive)",
            ))
    }
}

/// Switches in flight in this process (application threads runnable).
static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);
/// Sentry threads spinning right now.
static SPINNING: AtomicUsize = AtomicUsize::new(0);

fn cpus() -> usize {
    static N: OnceLock<usize> = OnceLock::new();
    *N.get_or_init(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    })
}

/// Sentry spins that caught the event, and ones that ran out.
static CAUGHT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
static MISSED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// How many Sentry spins so far caught their event and how many ran out
/// (process-wide; for benchmarks).
pub fn spin_stats() -> (u64, u64) {
    (
        CAUGHT.load(Ordering::Relaxed),
        MISSED.load(Ordering::Relaxed),
    )
}

/// Marks one switch in flight for its lifetime.
pub struct InFlight(());

impl InFlight {
    /// Counts the calling switch.
    pub fn enter() -> InFlight {
        IN_FLIGHT.fetch_add(1, Ordering::Relaxed);
        InFlight(())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        IN_FLIGHT.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Smallest, first and largest spin budgets, in microseconds (converted to
/// `pause` rounds with [`pauses_per_us`], so they mean the same on CPUs
/// whose `pause` takes 10 or 150 cycles).
const MIN_BUDGET: u32 = 2;
const START_BUDGET: u32 = 20;
const MAX_BUDGET: u32 = 100;

/// `pause` rounds per microsecond on this host, measured once.
fn pauses_per_us() -> u32 {
    static N: OnceLock<u32> = OnceLock::new();
    *N.get_or_init(|| {
        const ROUNDS: u32 = 20_000;
        let t = std::time::Instant::now();
        for _ in 0..ROUNDS {
            std::hint::spin_loop();
        }
        let ns = t.elapsed().as_nanos().max(1);
        u32::try_from(u128::from(ROUNDS) * 1000 / ns)
            .unwrap_or(u32::MAX)
            .clamp(1, 10_000)
    })
}

/// Per-context adaptive spin state.
#[derive(Debug)]
pub struct Spinner {
    /// Microseconds to spin.
    budget: u32,
    /// Spins in a row that ran out (or could not run: no CPU to spare).
    misses_in_row: u32,
    /// Switches left before [`Spinner::spinning_pays`] probes again.
    probe_in: u32,
}

/// Misses in a row after which spinning is judged not to pay.
const MISSES_TO_GIVE_UP: u32 = 4;
/// Switches without spinning before probing it again.
const PROBE_AFTER: u32 = 2000;

impl Default for Spinner {
    fn default() -> Self {
        Spinner {
            budget: START_BUDGET,
            misses_in_row: 0,
            probe_in: 0,
        }
    }
}

impl Spinner {
    /// Budget the stub should spin while the Sentry handles an event, or 0
    /// when no CPU is to spare.
    pub fn stub_budget(&self, spin: bool) -> u32 {
        if spin && 2 * IN_FLIGHT.load(Ordering::Relaxed) <= cpus() {
            self.budget.saturating_mul(pauses_per_us())
        } else {
            0
        }
    }

    /// Waits until `word` holds `want` or `give_up()` says to stop (checked
    /// after every bounded sleep). `sleeping` is the flag the other side
    /// reads to know whether to `FUTEX_WAKE`. Returns `false` if it gave up.
    pub fn wait(
        &mut self,
        spin: bool,
        word: &AtomicU32,
        want: u32,
        sleeping: &AtomicU32,
        mut give_up: impl FnMut() -> bool,
    ) -> bool {
        if spin && self.try_spin(word, want) {
            return true;
        }
        let tick = rustix::time::Timespec {
            tv_sec: 0,
            tv_nsec: 20_000_000,
        };
        loop {
            sleeping.store(1, Ordering::SeqCst);
            let cur = word.load(Ordering::SeqCst);
            if cur == want {
                sleeping.store(0, Ordering::SeqCst);
                return true;
            }
            let r = futex::wait(word, futex::Flags::empty(), cur, Some(&tick));
            sleeping.store(0, Ordering::SeqCst);
            if word.load(Ordering::SeqCst) == want {
                return true;
            }
            if r == Err(rustix::io::Errno::TIMEDOUT) && give_up() {
                return false;
            }
        }
    }

    /// For [`WakeScheme::Adaptive`]: whether to spin on this switch (else
    /// follow the CPU). Called once per switch.
    pub fn spinning_pays(&mut self) -> bool {
        if self.misses_in_row < MISSES_TO_GIVE_UP {
            return true;
        }
        if self.probe_in == 0 {
            self.probe_in = PROBE_AFTER;
        }
        self.probe_in -= 1;
        if self.probe_in == 0 {
            self.misses_in_row = 0;
            return true;
        }
        false
    }

    fn try_spin(&mut self, word: &AtomicU32, want: u32) -> bool {
        if IN_FLIGHT.load(Ordering::Relaxed) + SPINNING.load(Ordering::Relaxed) >= cpus() {
            self.misses_in_row = self.misses_in_row.saturating_add(1);
            return false;
        }
        SPINNING.fetch_add(1, Ordering::Relaxed);
        let mut ok = false;
        for _ in 0..self.budget.saturating_mul(pauses_per_us()) {
            if word.load(Ordering::Acquire) == want {
                ok = true;
                break;
            }
            std::hint::spin_loop();
        }
        SPINNING.fetch_sub(1, Ordering::Relaxed);
        if ok { &CAUGHT } else { &MISSED }.fetch_add(1, Ordering::Relaxed);
        self.misses_in_row = if ok {
            0
        } else {
            self.misses_in_row.saturating_add(1)
        };
        self.adapt(ok);
        ok
    }

    /// Doubles the budget after a spin that caught the event, halves it
    /// after one that did not.
    fn adapt(&mut self, caught: bool) {
        self.budget = if caught {
            (self.budget * 2).min(MAX_BUDGET)
        } else {
            (self.budget / 2).max(MIN_BUDGET)
        };
    }
}

/// Publishes `value` in `word` and wakes the other side if it sleeps.
pub fn publish(word: &AtomicU32, value: u32, other_sleeping: &AtomicU32) {
    word.swap(value, Ordering::SeqCst);
    if other_sleeping.load(Ordering::SeqCst) != 0 {
        let _ = futex::wake(word, futex::Flags::empty(), 1);
    }
}

/// CPU locality for one context: the Sentry thread and the stub thread are
/// both pinned to the CPU the stub thread last ran on, so their futex
/// wake-ups never cross vCPUs. (Pinning only the Sentry thread makes the
/// two chase each other: the woken stub lands on the other, idle CPU.)
/// The Sentry thread's old affinity is restored when the context moves to
/// another host thread, stops following, or is dropped.
#[derive(Debug, Default)]
pub struct Locality {
    pinned: Option<Pinned>,
}

#[derive(Debug)]
struct Pinned {
    tid: rustix::thread::Pid,
    stub: Option<rustix::thread::Pid>,
    cpu: u32,
    before: rustix::thread::CpuSet,
}

impl Locality {
    /// Pins the calling thread and `stub_tid` to `cpu` unless they already
    /// are pinned together.
    pub fn follow(&mut self, cpu: u32, stub_tid: i32) {
        let tid = rustix::thread::gettid();
        let stub = rustix::thread::Pid::from_raw(stub_tid);
        if self
            .pinned
            .as_ref()
            .is_some_and(|p| p.tid == tid && p.stub == stub)
        {
            return;
        }
        if cpu as usize >= rustix::thread::CpuSet::MAX_CPU {
            return;
        }
        let before = match self.pinned.take() {
            Some(p) if p.tid == tid => p.before,
            Some(p) => {
                p.restore();
                match rustix::thread::sched_getaffinity(None) {
                    Ok(b) => b,
                    Err(_) => return,
                }
            }
            None => match rustix::thread::sched_getaffinity(None) {
                Ok(b) => b,
                Err(_) => return,
            },
        };
        let mut set = rustix::thread::CpuSet::new();
        set.set(cpu as usize);
        if rustix::thread::sched_setaffinity(None, &set).is_ok() {
            if let Some(s) = stub {
                let _ = rustix::thread::sched_setaffinity(Some(s), &set);
            }
            self.pinned = Some(Pinned {
                tid,
                stub,
                cpu,
                before,
            });
        }
    }

    /// Stops following: the Sentry thread gets its old affinity back and
    /// the stub thread may run anywhere the Sentry thread could.
    pub fn release(&mut self) {
        if let Some(p) = self.pinned.take() {
            p.restore();
        }
    }

    /// The CPU followed, if any.
    pub fn cpu(&self) -> Option<u32> {
        self.pinned.as_ref().map(|p| p.cpu)
    }
}

impl Pinned {
    fn restore(&self) {
        let _ = rustix::thread::sched_setaffinity(Some(self.tid), &self.before);
        if let Some(s) = self.stub {
            let _ = rustix::thread::sched_setaffinity(Some(s), &self.before);
        }
    }
}

impl Drop for Locality {
    fn drop(&mut self) {
        self.release();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn locality_pins_and_restores() {
        std::thread::spawn(|| {
            let before = rustix::thread::sched_getaffinity(None).unwrap();
            let mut l = Locality::default();
            l.follow(0, 0);
            assert_eq!(l.cpu(), Some(0));
            let now = rustix::thread::sched_getaffinity(None).unwrap();
            assert_eq!(now.count(), 1);
            assert!(now.is_set(0));
            drop(l);
            assert_eq!(rustix::thread::sched_getaffinity(None).unwrap(), before);
        })
        .join()
        .unwrap();
    }

    #[test]
    fn adaptive_gives_up_spinning_and_probes_again() {
        let mut sp = Spinner::default();
        assert!(sp.spinning_pays());
        sp.misses_in_row = MISSES_TO_GIVE_UP;
        let skipped = (0..PROBE_AFTER).take_while(|_| !sp.spinning_pays()).count();
        assert_eq!(skipped as u32, PROBE_AFTER - 1);
        assert!(sp.spinning_pays());
    }

    #[test]
    fn names_parse_back() {
        for w in WakeScheme::ALL {
            assert_eq!(w.name().parse::<WakeScheme>().unwrap(), w);
        }
        assert!("spin+x".parse::<WakeScheme>().is_err());
    }

    #[test]
    fn wait_sees_a_publish_from_another_thread() {
        for spin in [false, true] {
            let word = Arc::new(AtomicU32::new(0));
            let sleeping = Arc::new(AtomicU32::new(0));
            let (w, s) = (word.clone(), sleeping.clone());
            let t = std::thread::spawn(move || publish(&w, 5, &s));
            let mut sp = Spinner::default();
            assert!(sp.wait(spin, &word, 5, &sleeping, || false));
            t.join().unwrap();
        }
    }

    #[test]
    fn wait_gives_up_when_told() {
        let word = AtomicU32::new(0);
        let sleeping = AtomicU32::new(0);
        let mut sp = Spinner::default();
        assert!(!sp.wait(true, &word, 1, &sleeping, || true));
        assert_eq!(sleeping.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn the_budget_adapts_within_bounds() {
        let mut sp = Spinner::default();
        let start = sp.budget;
        sp.adapt(false);
        assert_eq!(sp.budget, start / 2);
        for _ in 0..64 {
            sp.adapt(false);
        }
        assert_eq!(sp.budget, MIN_BUDGET);
        for _ in 0..64 {
            sp.adapt(true);
        }
        assert_eq!(sp.budget, MAX_BUDGET);
    }
}
