//! The sandbox's clocks, and the timekeeper that keeps them next to the
//! host's.
//!
//! As in gVisor, the sandbox's `CLOCK_REALTIME` and `CLOCK_MONOTONIC` are
//! functions of the CPU's time-stamp counter (`vdso::params`): the
//! [`Timekeeper`] calibrates the TSC against the host's clocks, publishes
//! the parameters under a seqlock both here (for the Sentry's own system
//! calls, [`gettime`]) and in every registered `[vvar]` page (for the
//! vDSO, `crate::vdso`), and re-anchors them periodically so they follow
//! the host's clock smoothly: continuous, never backwards, the rate at
//! most `vdso::params::MAX_SLEW_PPM` off the measured TSC rate. The two
//! readers evaluate the same function of the same parameters, so a vDSO
//! reading and a system call's answer can never disagree.
//!
//! Until the first calibration (`FIRST_INTERVAL` after start-up), and for
//! good when the host's TSC is not invariant or calibration fails, the
//! clocks *are* the host's and the vDSO falls back to the system call.
//! The switch happens inside the seqlock at a host reading, so it is
//! continuous too.

use std::sync::atomic::{fence, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, Weak};
use std::time::Duration;

use abi::time::timespec;
use platform::tsc;
use rustix::time::{clock_gettime, clock_gettime_dynamic, ClockId, DynamicClockId};
use vdso::params::{mult_for, ClockParams, Jumps, Sample};
use vfs::{Clock, Timespec};

use crate::vdso::VvarPage;

const NSEC_PER_SEC: u64 = 1_000_000_000;

/// The first calibration waits this long after start-up: the TSC rate is
/// measured over it (with a ~50 ns sampling error, about 5 ppm).
const FIRST_INTERVAL: Duration = Duration::from_millis(10);

/// Updates then come at doubling intervals up to this one, the horizon
/// over which each update closes the remaining error.
const MAX_INTERVAL: Duration = Duration::from_secs(1);

/// TSC rates outside this range mean the calibration failed.
const PLAUSIBLE_HZ: core::ops::RangeInclusive<u64> = 100_000_000..=20_000_000_000;

/// The sandbox's two clocks; every clock id an application can read from
/// the vDSO is one of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SandboxClock {
    /// `CLOCK_REALTIME` (and `_COARSE`, `_ALARM`).
    Realtime = 0,
    /// `CLOCK_MONOTONIC` (and `_COARSE`, `_RAW`, `BOOTTIME`, as gVisor:
    /// the sandbox is never suspended apart from its host).
    Monotonic = 1,
}

impl SandboxClock {
    fn host_id(self) -> ClockId {
        match self {
            SandboxClock::Realtime => ClockId::Realtime,
            SandboxClock::Monotonic => ClockId::Monotonic,
        }
    }
}

/// The host's `id` clock in nanoseconds.
fn host_ns(id: ClockId) -> u64 {
    let ts = clock_gettime(id);
    (ts.tv_sec.max(0) as u64)
        .saturating_mul(NSEC_PER_SEC)
        .saturating_add(ts.tv_nsec.clamp(0, 999_999_999) as u64)
}

/// A host reading paired with the TSC value halfway through it: the
/// tightest of three bracketed tries.
fn sample(id: ClockId) -> Sample {
    let mut best: Option<(u64, Sample)> = None;
    for _ in 0..3 {
        let before = tsc::rdtsc_ordered();
        let ns = host_ns(id);
        let after = tsc::rdtsc_ordered();
        let width = after.saturating_sub(before);
        if best.is_none_or(|(w, _)| width < w) {
            let cycles = before + width / 2;
            best = Some((width, Sample { cycles, ns }));
        }
    }
    best.map_or_else(Sample::default, |(_, s)| s)
}

/// The words a `[vvar]` page holds besides its sequence: whether the
/// parameters may be used, and one record per [`SandboxClock`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Published {
    /// The parameters are calibrated and the TSC is invariant.
    pub ready: bool,
    /// Indexed by [`SandboxClock`].
    pub clocks: [ClockParams; 2],
}

/// What only the updating thread touches.
struct Writer {
    /// The TSC is invariant, so the clocks may follow it.
    enabled: bool,
    /// The first host `CLOCK_MONOTONIC` reading: the TSC rate is measured
    /// from it, over an ever longer baseline.
    first: Sample,
    current: Published,
    pages: Vec<Weak<VvarPage>>,
}

/// Publishes the sandbox's clock parameters; see the module documentation.
pub struct Timekeeper {
    seq: AtomicU64,
    ready: AtomicU64,
    clocks: [[AtomicU64; 4]; 2],
    writer: Mutex<Writer>,
}

impl core::fmt::Debug for Timekeeper {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Timekeeper")
            .field("seq", &self.seq.load(Ordering::Relaxed))
            .field("ready", &self.is_ready())
            .finish_non_exhaustive()
    }
}

impl Timekeeper {
    /// A timekeeper whose clocks are the host's until [`Timekeeper::update`]
    /// calibrates the TSC; with `enabled` false (no invariant TSC, or
    /// tests of the fallback) they stay the host's.
    pub fn new(enabled: bool) -> Timekeeper {
        Timekeeper {
            seq: AtomicU64::new(0),
            ready: AtomicU64::new(0),
            clocks: Default::default(),
            writer: Mutex::new(Writer {
                enabled,
                first: sample(ClockId::Monotonic),
                current: Published::default(),
                pages: Vec::new(),
            }),
        }
    }

    fn writer(&self) -> MutexGuard<'_, Writer> {
        self.writer.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether the clocks follow the TSC yet.
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Relaxed) != 0
    }

    /// The current time of `clock` in nanoseconds: the calibrated
    /// function of the TSC, or the host's clock before calibration.
    pub fn now_ns(&self, clock: SandboxClock) -> u64 {
        let words = &self.clocks[clock as usize];
        loop {
            let s1 = self.seq.load(Ordering::Acquire);
            if s1 & 1 != 0 {
                core::hint::spin_loop();
                continue;
            }
            let ns = if self.ready.load(Ordering::Relaxed) != 0 {
                let p = ClockParams {
                    base_cycles: words[0].load(Ordering::Relaxed),
                    base_ns: words[1].load(Ordering::Relaxed),
                    mult: words[2].load(Ordering::Relaxed),
                    shift: words[3].load(Ordering::Relaxed) as u32,
                };
                // Ordered: taken after the loads above, before the check.
                p.ns_at(tsc::rdtsc_ordered())
            } else {
                host_ns(clock.host_id())
            };
            fence(Ordering::Acquire);
            if self.seq.load(Ordering::Relaxed) == s1 {
                return ns;
            }
        }
    }

    /// Registers `page` to receive every update from now on and writes the
    /// current parameters into it.
    pub fn register(&self, page: &Arc<VvarPage>) {
        let mut w = self.writer();
        w.pages.retain(|p| p.strong_count() > 0);
        w.pages.push(Arc::downgrade(page));
        page.publish(self.seq.load(Ordering::Relaxed), &w.current);
    }

    /// Re-anchors the clocks at the current TSC value (the first call
    /// calibrates them), aiming to meet the host's clocks `horizon` from
    /// now. Does nothing when the TSC may not be used or the measured rate
    /// is implausible.
    pub fn update(&self, horizon: Duration) {
        let mut w = self.writer();
        if !w.enabled {
            return;
        }
        let mono = sample(ClockId::Monotonic);
        let (ns, cycles) = (
            mono.ns.saturating_sub(w.first.ns),
            mono.cycles.saturating_sub(w.first.cycles),
        );
        let hz = u128::from(cycles) * u128::from(NSEC_PER_SEC) / u128::from(ns.max(1));
        let Some(nominal) = mult_for(ns, cycles).filter(|_| {
            Duration::from_nanos(ns) >= FIRST_INTERVAL / 2
                && PLAUSIBLE_HZ.contains(&u64::try_from(hz).unwrap_or(u64::MAX))
        }) else {
            return;
        };
        let horizon = u64::try_from(horizon.as_nanos()).unwrap_or(u64::MAX);
        let pages: Vec<Arc<VvarPage>> = w.pages.iter().filter_map(Weak::upgrade).collect();

        // The host's wall clock too, before the write window, so that it
        // stays a few dozen instructions long (readers spin while it is
        // open).
        let rt = sample(ClockId::Realtime);

        // Write side of the seqlock, here and in every page. Readers that
        // finished before it opened took their TSC before `now`, where the
        // new parameters take over at the old ones' value.
        let seq = self.seq.fetch_add(1, Ordering::Relaxed) + 1;
        fence(Ordering::Release);
        for p in &pages {
            p.begin(seq);
        }
        let now = tsc::rdtsc_ordered();
        // The host's readings carried forward to `now` at the measured rate.
        let at = |s: Sample| Sample {
            cycles: now,
            ns: ClockParams::start(s, nominal).ns_at(now),
        };
        let old = w.current;
        let clocks = if old.ready {
            [
                old.clocks[0].steer(nominal, at(rt), horizon, Jumps::Both),
                old.clocks[1].steer(nominal, at(mono), horizon, Jumps::ForwardOnly),
            ]
        } else {
            // Until now the clocks were the host's: start from host readings
            // taken inside the window, later than any a reader returned.
            let (rt, mono) = (host_ns(ClockId::Realtime), host_ns(ClockId::Monotonic));
            let cycles = tsc::rdtsc_ordered();
            [
                ClockParams::start(Sample { cycles, ns: rt }, nominal),
                ClockParams::start(Sample { cycles, ns: mono }, nominal),
            ]
        };
        w.current = Published {
            ready: true,
            clocks,
        };
        for (words, p) in self.clocks.iter().zip(clocks) {
            for (word, v) in words.iter().zip(p.words()) {
                word.store(v, Ordering::Relaxed);
            }
        }
        self.ready.store(1, Ordering::Relaxed);
        for p in &pages {
            p.publish(seq + 1, &w.current);
        }
        self.seq.store(seq + 1, Ordering::Release);
        w.pages.retain(|p| p.strong_count() > 0);
    }
}

/// The Sentry's timekeeper, started on first use: its thread calibrates
/// the TSC after `FIRST_INTERVAL` and then updates the clocks at doubling
/// intervals up to `MAX_INTERVAL`, for the life of the process.
pub fn timekeeper() -> &'static Timekeeper {
    static TK: OnceLock<Arc<Timekeeper>> = OnceLock::new();
    TK.get_or_init(|| {
        let tk = Arc::new(Timekeeper::new(tsc::invariant()));
        let weak = Arc::downgrade(&tk);
        // Without the thread the clocks stay the host's: still correct.
        let _ = std::thread::Builder::new()
            .name("timekeeper".to_owned())
            .spawn(move || {
                let mut interval = FIRST_INTERVAL;
                loop {
                    std::thread::sleep(interval);
                    let next = (interval * 2).min(MAX_INTERVAL);
                    let Some(tk) = weak.upgrade() else { return };
                    tk.update(next);
                    interval = next;
                }
            });
        tk
    })
}

/// Which sandbox clock a host clock id reads, if any.
pub fn sandbox_clock(id: ClockId) -> Option<SandboxClock> {
    match id {
        ClockId::Realtime | ClockId::RealtimeCoarse | ClockId::RealtimeAlarm => {
            Some(SandboxClock::Realtime)
        }
        ClockId::Monotonic
        | ClockId::MonotonicCoarse
        | ClockId::MonotonicRaw
        | ClockId::Boottime
        | ClockId::BoottimeAlarm => Some(SandboxClock::Monotonic),
        _ => None,
    }
}

/// The time of clock `id` as the sandbox sees it: the [`timekeeper`]'s
/// for the realtime and monotonic families, the host's for the rest.
pub fn gettime(id: ClockId) -> timespec {
    let ns = match sandbox_clock(id) {
        Some(c) => timekeeper().now_ns(c),
        None => host_ns(id),
    };
    split(ns)
}

/// `CLOCK_TAI` as the sandbox sees it: its `CLOCK_REALTIME` plus the
/// host's TAI offset, a whole number of seconds (0 until NTP sets it), so
/// the two clocks differ by exactly that, as on Linux.
pub fn gettime_tai() -> timespec {
    let offset = match clock_gettime_dynamic(DynamicClockId::Tai) {
        Ok(tai) => {
            let rt = host_ns(ClockId::Realtime) as i128;
            let tai = i128::from(tai.tv_sec) * i128::from(NSEC_PER_SEC) + i128::from(tai.tv_nsec);
            let secs =
                (tai - rt + i128::from(NSEC_PER_SEC / 2)).div_euclid(i128::from(NSEC_PER_SEC));
            u64::try_from(secs).unwrap_or(0)
        }
        Err(_) => 0,
    };
    split(
        timekeeper()
            .now_ns(SandboxClock::Realtime)
            .saturating_add(offset.saturating_mul(NSEC_PER_SEC)),
    )
}

fn split(ns: u64) -> timespec {
    timespec {
        tv_sec: (ns / NSEC_PER_SEC) as i64,
        tv_nsec: (ns % NSEC_PER_SEC) as i64,
    }
}

/// The sandbox's `CLOCK_REALTIME` as the VFS's time source for inode
/// timestamps, so a file's times agree with `clock_gettime`.
#[derive(Clone, Copy, Debug, Default)]
pub struct HostClock;

impl Clock for HostClock {
    fn now(&self) -> Timespec {
        let ts = gettime(ClockId::Realtime);
        Timespec {
            sec: ts.tv_sec,
            nsec: ts.tv_nsec as u32,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn host_clock_is_after_2020_and_monotone_enough() {
        let a = HostClock.now();
        let b = HostClock.now();
        assert!(a.sec > 1_577_836_800);
        assert!(b >= a);
    }

    #[test]
    fn clock_ids_map_to_the_two_sandbox_clocks() {
        assert_eq!(
            sandbox_clock(ClockId::RealtimeCoarse),
            Some(SandboxClock::Realtime)
        );
        assert_eq!(
            sandbox_clock(ClockId::Boottime),
            Some(SandboxClock::Monotonic)
        );
        assert_eq!(sandbox_clock(ClockId::ThreadCPUTime), None);
        let ts = gettime(ClockId::ProcessCPUTime);
        assert!((0..1_000_000_000).contains(&ts.tv_nsec));
        // TAI is the wall clock plus whole seconds (37 or 0 on hosts).
        let rt = gettime(ClockId::Realtime);
        let tai = gettime_tai();
        let rt2 = gettime(ClockId::Realtime);
        let ns = |t: timespec| i128::from(t.tv_sec) * 1_000_000_000 + i128::from(t.tv_nsec);
        let (lo, tai, hi) = (ns(rt), ns(tai), ns(rt2));
        let offset = (tai - lo + 500_000_000).div_euclid(1_000_000_000);
        assert!((0..100).contains(&offset), "{offset}");
        let tai = tai - offset * 1_000_000_000;
        assert!(lo <= tai && tai <= hi, "{lo} {tai} {hi}");
    }

    /// Waits (spinning on the host clock, not sleeping) until `d` passed.
    pub(crate) fn spin(d: Duration) {
        let end = host_ns(ClockId::Monotonic) + d.as_nanos() as u64;
        while host_ns(ClockId::Monotonic) < end {
            core::hint::spin_loop();
        }
    }

    #[test]
    fn disabled_clocks_are_the_hosts() {
        let tk = Timekeeper::new(false);
        spin(FIRST_INTERVAL);
        tk.update(MAX_INTERVAL);
        assert!(!tk.is_ready());
        let before = host_ns(ClockId::Monotonic);
        let ours = tk.now_ns(SandboxClock::Monotonic);
        let after = host_ns(ClockId::Monotonic);
        assert!(before <= ours && ours <= after, "{before} {ours} {after}");
    }

    #[test]
    fn calibrated_clocks_stay_monotonic_and_next_to_the_hosts() {
        if !tsc::invariant() {
            return; // the disabled case covers such hosts
        }
        let tk = Timekeeper::new(true);
        tk.update(MAX_INTERVAL);
        assert!(!tk.is_ready(), "no baseline yet");
        spin(FIRST_INTERVAL);
        // The host's clocks until the calibration, the TSC's after: the
        // switch does not go back either.
        let mut last = [SandboxClock::Realtime, SandboxClock::Monotonic].map(|c| tk.now_ns(c));
        tk.update(FIRST_INTERVAL);
        assert!(tk.is_ready());
        for round in 0..20 {
            spin(Duration::from_micros(500));
            if round % 4 == 0 {
                tk.update(FIRST_INTERVAL);
            }
            for (i, c) in [SandboxClock::Realtime, SandboxClock::Monotonic]
                .into_iter()
                .enumerate()
            {
                let before = host_ns(c.host_id());
                let ours = tk.now_ns(c);
                let after = host_ns(c.host_id());
                assert!(ours >= last[i], "{c:?} went back: {} -> {ours}", last[i]);
                last[i] = ours;
                // Calibrated over 10 ms: a few ppm, microseconds at most;
                // the bracket absorbs any preemption between the reads.
                let ms = 1_000_000;
                assert!(
                    before - ms <= ours && ours <= after + ms,
                    "{c:?}: {before} {ours} {after}"
                );
            }
        }
    }
}
