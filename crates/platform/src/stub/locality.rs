//! Keeping the stub factory thread, the stub leader it injects into and
//! the thread that asked for the injection on one CPU.
//!
//! Why: an injected system call is a chain of hand-offs (caller → factory
//! → leader → factory → caller), each one a wake-up of a sleeping thread.
//! Across vCPUs of a small VM such a wake-up costs tens of microseconds,
//! on the same vCPU a few (design brief). The caller is blocked while the
//! chain runs, so running every link on the caller's CPU costs no
//! parallelism. New application threads, which inherit the affinity of the
//! leader they are cloned from, get the Sentry's original affinity back
//! ([`unpin`]).

use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::OnceLock;

use rustix::thread::{CpuSet, Pid};

/// The CPU the factory thread was last pinned to (-1: none).
static FACTORY_CPU: AtomicI32 = AtomicI32::new(-1);

/// The CPU the calling thread runs on, if the host says.
fn current_cpu() -> Option<usize> {
    // SAFETY: `sched_getcpu` only returns a number.
    let cpu = unsafe { libc::sched_getcpu() };
    usize::try_from(cpu).ok().filter(|&c| c < CpuSet::MAX_CPU)
}

/// The affinity new threads get: the factory thread's when it started,
/// before anything here pinned it (a Sentry thread asking for a job may be
/// pinned by the systrap locality scheme, so it is not asked).
static ORIGINAL: OnceLock<Option<CpuSet>> = OnceLock::new();

/// Records the calling thread's affinity as the one new threads get; the
/// factory thread calls it first thing.
pub fn remember_original() {
    let _ = original();
}

fn original() -> Option<&'static CpuSet> {
    ORIGINAL
        .get_or_init(|| rustix::thread::sched_getaffinity(None).ok())
        .as_ref()
}

fn pin(tid: i32, cpu: usize) -> bool {
    let Some(pid) = Pid::from_raw(tid) else {
        return false;
    };
    let mut set = CpuSet::new();
    set.set(cpu);
    rustix::thread::sched_setaffinity(Some(pid), &set).is_ok()
}

/// Moves the factory thread `factory_tid` (0: not started) to the calling
/// thread's CPU, unless it was pinned there last.
pub fn follow_caller(factory_tid: i32) {
    let Some(cpu) = current_cpu() else {
        return;
    };
    if factory_tid == 0 || FACTORY_CPU.load(Ordering::Relaxed) == cpu as i32 {
        return;
    }
    if pin(factory_tid, cpu) {
        FACTORY_CPU.store(cpu as i32, Ordering::Relaxed);
    }
}

/// Moves the stopped stub thread `tid` to the calling thread's CPU (the
/// factory's, before it injects into `tid`).
pub fn join_caller(tid: i32) {
    if let Some(cpu) = current_cpu() {
        pin(tid, cpu);
    }
}

/// Gives the new stub thread `tid` the process's original affinity.
pub fn unpin(tid: i32) {
    if let (Some(set), Some(pid)) = (original(), Pid::from_raw(tid)) {
        let _ = rustix::thread::sched_setaffinity(Some(pid), set);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn affinity(tid: i32) -> CpuSet {
        rustix::thread::sched_getaffinity(Pid::from_raw(tid)).unwrap()
    }

    #[test]
    fn the_factory_follows_the_caller_and_new_threads_are_unpinned() {
        let stub = crate::stub::StubProcess::spawn(-1).unwrap();
        let factory = crate::stub::factory::run(crate::sys::gettid).unwrap();
        assert_eq!(affinity(factory).count(), 1);
        join_caller(stub.pid());
        assert_eq!(affinity(stub.pid()).count(), 1);
        let tid = stub.new_thread().unwrap();
        assert_eq!(&affinity(tid), original().unwrap());
    }
}
