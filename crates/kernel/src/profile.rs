//! The system-call profile (`runsc --profile=FILE`): per system call, how
//! many times it ran, how many failed, and how long the Sentry spent
//! serving it, summarised like `strace -c`.
//!
//! Cost when off: [`start`] checks one `Option` in the kernel and returns.
//! When on, each host thread that serves a task keeps its own counter rows
//! (thread-local, one writer, relaxed atomics so a reader never needs a
//! lock); the rows are registered with the kernel's
//! [`Profiler`] once per thread, and merged into its retired totals when
//! the thread ends. [`Profiler::snapshot`] adds up the retired totals and
//! the live threads' rows, so the summary is complete even when the
//! application dies by a signal.
//!
//! Time is wall time from the dispatcher's entry to its exit: the handler's
//! work and any time it blocked (a `read` of an empty pipe, `wait4`), not
//! the platform's switch into and out of the application.

use std::cell::RefCell;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use crate::kernel::Kernel;
use crate::syscalls;

/// Rows for the numbers `0..NR_ROWS`; larger numbers share the last row.
const NR_ROWS: usize = 512;
/// Power-of-two time buckets: bucket `b` holds times in `[2^(b-1), 2^b)` ns
/// (bucket 0 holds 0 ns); the last one holds everything longer.
const BUCKETS: usize = 40;

/// One system call's counters on one thread (single writer).
struct Row {
    calls: AtomicU64,
    errors: AtomicU64,
    total_ns: AtomicU64,
    hist: [AtomicU64; BUCKETS],
}

impl Row {
    fn new() -> Row {
        Row {
            calls: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            total_ns: AtomicU64::new(0),
            hist: std::array::from_fn(|_| AtomicU64::new(0)),
        }
    }
}

/// Adds `by` to a counter only its owning thread writes: a load and a store,
/// no locked instruction.
fn bump(c: &AtomicU64, by: u64) {
    c.store(
        c.load(Ordering::Relaxed).wrapping_add(by),
        Ordering::Relaxed,
    );
}

fn bucket(ns: u64) -> usize {
    (64 - ns.leading_zeros() as usize).min(BUCKETS - 1)
}

/// One thread's rows, allocated per system call on first use.
struct Counters {
    rows: Box<[OnceLock<Box<Row>>]>,
}

impl Counters {
    fn new() -> Counters {
        Counters {
            rows: (0..=NR_ROWS).map(|_| OnceLock::new()).collect(),
        }
    }

    fn record(&self, nr: u64, ns: u64, failed: bool) {
        let i = usize::try_from(nr).unwrap_or(NR_ROWS).min(NR_ROWS);
        let Some(slot) = self.rows.get(i) else {
            return;
        };
        let row = slot.get_or_init(|| Box::new(Row::new()));
        bump(&row.calls, 1);
        bump(&row.total_ns, ns);
        if failed {
            bump(&row.errors, 1);
        }
        if let Some(h) = row.hist.get(bucket(ns)) {
            bump(h, 1);
        }
    }
}

/// Sums of every thread's rows, indexed like [`Counters::rows`].
#[derive(Clone, Default)]
struct Totals {
    rows: Vec<Option<Total>>,
}

#[derive(Clone)]
struct Total {
    calls: u64,
    errors: u64,
    total_ns: u64,
    hist: [u64; BUCKETS],
}

impl Totals {
    fn add(&mut self, c: &Counters) {
        if self.rows.len() < c.rows.len() {
            self.rows.resize(c.rows.len(), None);
        }
        for (slot, dst) in c.rows.iter().zip(self.rows.iter_mut()) {
            let Some(row) = slot.get() else { continue };
            let t = dst.get_or_insert(Total {
                calls: 0,
                errors: 0,
                total_ns: 0,
                hist: [0; BUCKETS],
            });
            t.calls += row.calls.load(Ordering::Relaxed);
            t.errors += row.errors.load(Ordering::Relaxed);
            t.total_ns += row.total_ns.load(Ordering::Relaxed);
            for (d, s) in t.hist.iter_mut().zip(&row.hist) {
                *d += s.load(Ordering::Relaxed);
            }
        }
    }
}

/// The kernel-wide side of the profile: the live threads' rows and the
/// totals of threads that have ended. Its locks are taken once per thread
/// and by [`Profiler::snapshot`], never per system call.
#[derive(Default)]
pub struct Profiler {
    state: Mutex<ProfilerState>,
}

#[derive(Default)]
struct ProfilerState {
    live: Vec<Arc<Counters>>,
    retired: Totals,
}

impl core::fmt::Debug for Profiler {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Profiler").finish_non_exhaustive()
    }
}

impl Profiler {
    /// An empty profile.
    pub fn new() -> Profiler {
        Profiler::default()
    }

    fn state(&self) -> MutexGuard<'_, ProfilerState> {
        match self.state.lock() {
            Ok(s) => s,
            Err(p) => p.into_inner(),
        }
    }

    fn register(&self, c: &Arc<Counters>) {
        self.state().live.push(c.clone());
    }

    fn retire(&self, c: &Arc<Counters>) {
        let mut s = self.state();
        s.live.retain(|l| !Arc::ptr_eq(l, c));
        s.retired.add(c);
    }

    /// The summary so far: every thread that served a system call, live or
    /// ended.
    pub fn snapshot(&self) -> SyscallProfile {
        let s = self.state();
        let mut totals = s.retired.clone();
        for c in &s.live {
            totals.add(c);
        }
        drop(s);
        let mut rows: Vec<SyscallStat> = totals
            .rows
            .iter()
            .enumerate()
            .filter_map(|(i, t)| {
                let t = t.as_ref()?;
                let nr = (i < NR_ROWS).then_some(i as u64);
                Some(SyscallStat {
                    nr,
                    name: nr.and_then(syscalls::name),
                    calls: t.calls,
                    errors: t.errors,
                    total: Duration::from_nanos(t.total_ns),
                    median: median_estimate(&t.hist, t.calls),
                })
            })
            .collect();
        rows.sort_by(|a, b| b.total.cmp(&a.total).then(b.calls.cmp(&a.calls)));
        SyscallProfile { rows }
    }
}

/// The middle of the power-of-two bucket that holds the median sample.
fn median_estimate(hist: &[u64; BUCKETS], calls: u64) -> Duration {
    let want = calls.div_ceil(2);
    let mut seen = 0;
    for (b, n) in hist.iter().enumerate() {
        seen += n;
        if seen >= want && *n > 0 {
            return match b {
                0 => Duration::ZERO,
                // [2^(b-1), 2^b): the middle is 1.5 * 2^(b-1).
                _ => Duration::from_nanos((3u64 << (b - 1)) / 2),
            };
        }
    }
    Duration::ZERO
}

/// This thread's rows and the profiler they are registered with; merged
/// into it when the thread ends.
struct Local {
    profiler: Arc<Profiler>,
    counters: Arc<Counters>,
}

impl Drop for Local {
    fn drop(&mut self) {
        self.profiler.retire(&self.counters);
    }
}

thread_local! {
    static LOCAL: RefCell<Option<Local>> = const { RefCell::new(None) };
}

/// A system call being timed, from [`start`] to [`Timer::finish`].
#[derive(Debug)]
pub struct Timer {
    start: Instant,
}

/// Starts timing a system call if `k` profiles them; `None` (one branch)
/// when profiling is off.
pub fn start(k: &Kernel) -> Option<Timer> {
    k.profiler()?;
    Some(Timer {
        start: Instant::now(),
    })
}

impl Timer {
    /// Records system call `nr`, which failed if `failed`, in this thread's
    /// rows of `k`'s profile.
    pub fn finish(self, k: &Kernel, nr: u64, failed: bool) {
        if let Some(p) = k.profiler() {
            self.record(p, nr, failed);
        }
    }

    fn record(self, profiler: &Arc<Profiler>, nr: u64, failed: bool) {
        let ns = u64::try_from(self.start.elapsed().as_nanos()).unwrap_or(u64::MAX);
        // A thread being torn down has no thread-locals left: the sample is
        // dropped rather than recorded somewhere wrong.
        let _ = LOCAL.try_with(|cell| {
            let mut local = cell.borrow_mut();
            let same = local
                .as_ref()
                .is_some_and(|l| Arc::ptr_eq(&l.profiler, profiler));
            if !same {
                let counters = Arc::new(Counters::new());
                profiler.register(&counters);
                // Dropping the old entry (another kernel's) retires it there.
                *local = Some(Local {
                    profiler: profiler.clone(),
                    counters,
                });
            }
            if let Some(l) = local.as_ref() {
                l.counters.record(nr, ns, failed);
            }
        });
    }
}

/// One system call's line of the summary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyscallStat {
    /// The number, or `None` for the row of numbers past the table.
    pub nr: Option<u64>,
    /// Linux's name, when the number has one.
    pub name: Option<&'static str>,
    /// Times it was called.
    pub calls: u64,
    /// Times it failed (returned `-errno`).
    pub errors: u64,
    /// Time spent serving it, summed.
    pub total: Duration,
    /// The median call's time, to a power of two (the middle of the
    /// `[2^k, 2^(k+1))` ns bucket that holds it).
    pub median: Duration,
}

impl SyscallStat {
    /// The name to print: Linux's, `syscall_<nr>` without one, `unknown`
    /// for the numbers past the table.
    pub fn label(&self) -> String {
        match (self.name, self.nr) {
            (Some(n), _) => n.to_owned(),
            (None, Some(nr)) => format!("syscall_{nr}"),
            (None, None) => "unknown".to_owned(),
        }
    }
}

/// The whole run's summary, busiest system call first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyscallProfile {
    /// One row per system call that ran, by descending total time.
    pub rows: Vec<SyscallStat>,
}

impl SyscallProfile {
    /// The row of the system call named `name`.
    pub fn get(&self, name: &str) -> Option<&SyscallStat> {
        self.rows.iter().find(|r| r.name == Some(name))
    }

    /// A table like `strace -c`'s, with the median column added.
    pub fn render(&self) -> String {
        let total: Duration = self.rows.iter().map(|r| r.total).sum();
        let calls: u64 = self.rows.iter().map(|r| r.calls).sum();
        let errors: u64 = self.rows.iter().map(|r| r.errors).sum();
        let mut s = String::new();
        let rule =
            "------ ----------- ----------- ----------- --------- --------- ----------------";
        let _ = writeln!(
            s,
            "% time     seconds  usecs/call  ~median us     calls    errors syscall"
        );
        let _ = writeln!(s, "{rule}");
        for r in &self.rows {
            let pct = if total.is_zero() {
                0.0
            } else {
                100.0 * r.total.as_secs_f64() / total.as_secs_f64()
            };
            let per_call = r.total.as_secs_f64() * 1e6 / r.calls.max(1) as f64;
            let _ = writeln!(
                s,
                "{pct:6.2} {:11.6} {per_call:11.2} {:11.2} {:9} {} {}",
                r.total.as_secs_f64(),
                r.median.as_secs_f64() * 1e6,
                r.calls,
                errors_cell(r.errors),
                r.label()
            );
        }
        let _ = writeln!(s, "{rule}");
        let per_call = total.as_secs_f64() * 1e6 / calls.max(1) as f64;
        let _ = writeln!(
            s,
            "100.00 {:11.6} {per_call:11.2} {:>11} {calls:9} {} total",
            total.as_secs_f64(),
            "-",
            errors_cell(errors)
        );
        s
    }
}

/// The errors column: blank for none, as `strace -c` prints it.
fn errors_cell(n: u64) -> String {
    if n == 0 {
        format!("{:9}", "")
    } else {
        format!("{n:9}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_powers_of_two() {
        assert_eq!(bucket(0), 0);
        assert_eq!(bucket(1), 1);
        assert_eq!(bucket(2), 2);
        assert_eq!(bucket(3), 2);
        assert_eq!(bucket(1024), 11);
        assert_eq!(bucket(u64::MAX), BUCKETS - 1);
    }

    #[test]
    fn median_is_the_middle_of_the_median_bucket() {
        let mut h = [0u64; BUCKETS];
        h[3] = 2; // [4, 8) ns
        h[11] = 1; // [1024, 2048) ns
        assert_eq!(median_estimate(&h, 3), Duration::from_nanos(6));
        h[11] = 5;
        assert_eq!(median_estimate(&h, 7), Duration::from_nanos(1536));
        assert_eq!(median_estimate(&[0; BUCKETS], 0), Duration::ZERO);
    }

    fn timed(p: &Arc<Profiler>, nr: u64, failed: bool) {
        Timer {
            start: Instant::now(),
        }
        .record(p, nr, failed);
    }

    #[test]
    fn threads_merge_when_they_end_and_live_ones_are_counted() {
        let p = Arc::new(Profiler::new());
        let worker = {
            let p = p.clone();
            std::thread::spawn(move || {
                for _ in 0..5 {
                    timed(&p, 39, false);
                }
                timed(&p, 2, true);
            })
        };
        worker.join().unwrap();
        // This thread is still live when the snapshot is taken.
        timed(&p, 39, false);
        timed(&p, 100_000, true);
        let s = p.snapshot();
        let getpid = s.get("getpid").unwrap();
        assert_eq!((getpid.calls, getpid.errors), (6, 0));
        let open = s.get("open").unwrap();
        assert_eq!((open.calls, open.errors), (1, 1));
        let unknown = s.rows.iter().find(|r| r.nr.is_none()).unwrap();
        assert_eq!((unknown.calls, unknown.label().as_str()), (1, "unknown"));
        assert_eq!(p.state().live.len(), 1, "the worker's rows were retired");
    }

    #[test]
    fn render_lists_rows_and_a_total() {
        let prof = SyscallProfile {
            rows: vec![
                SyscallStat {
                    nr: Some(0),
                    name: Some("read"),
                    calls: 4,
                    errors: 1,
                    total: Duration::from_micros(30),
                    median: Duration::from_micros(6),
                },
                SyscallStat {
                    nr: Some(39),
                    name: Some("getpid"),
                    calls: 10,
                    errors: 0,
                    total: Duration::from_micros(10),
                    median: Duration::from_micros(1),
                },
            ],
        };
        let out = prof.render();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 6, "{out}");
        assert!(
            lines[2]
                .starts_with(" 75.00    0.000030        7.50        6.00         4         1 read"),
            "{out}"
        );
        assert!(lines[3].ends_with("        10           getpid"), "{out}");
        assert!(lines[5].contains("       14         1 total"), "{out}");
    }
}
