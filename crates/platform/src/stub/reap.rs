//! Bounded reaping of a killed stub process.
//!
//! Why not a blocking `waitpid` per thread: a stub thread traced by another
//! Sentry thread stops being ours to wait for when that tracer exits (the
//! host detaches it), and the host then lets it vanish without waking
//! anyone who was waiting for it: a blocking wait for it sleeps forever.
//! And the leader can only be reaped once every traced thread has been, so
//! one missed thread wedges the whole tear-down. Instead every thread and
//! then the leader are polled without blocking, with a short growing nap,
//! until the leader is gone or [`REAP_BOUND`] passes; half-way the stub is
//! killed again, and a stub still there at the end is reported (a warning
//! and [`stuck_teardowns`]) and left to the host (parent-death signal,
//! `PTRACE_O_EXITKILL`) instead of wedging the Sentry.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::sys::{self, ptrace, WaitStatus};

/// How long a tear-down may wait for a killed stub to be reaped: an exit
/// takes microseconds to milliseconds, even on a loaded host.
pub const REAP_BOUND: Duration = Duration::from_secs(5);

/// Longest nap between two polls.
const MAX_NAP: Duration = Duration::from_millis(10);

static STUCK: AtomicU64 = AtomicU64::new(0);

/// How many stub tear-downs gave up after [`REAP_BOUND`] in this process.
pub fn stuck_teardowns() -> u64 {
    STUCK.load(Ordering::Relaxed)
}

/// Kills stub process `pid` and reaps its `threads` (the other threads,
/// some of which may be traced by Sentry threads) and then its leader,
/// within [`REAP_BOUND`]. Returns whether the leader was reaped.
pub fn kill_and_reap(pid: i32, threads: &[i32]) -> bool {
    kill_and_reap_within(pid, threads, REAP_BOUND)
}

fn kill_and_reap_within(pid: i32, threads: &[i32], bound: Duration) -> bool {
    let _ = sys::kill(pid, libc::SIGKILL);
    let start = Instant::now();
    let mut pending = threads.to_vec();
    let mut nap = Duration::from_micros(20);
    let mut escalated = false;
    loop {
        pending.retain(|&tid| !settled(tid));
        // The leader is reported only once its thread group is empty, so
        // once it is reaped every thread is gone too.
        if settled(pid) {
            return true;
        }
        let waited = start.elapsed();
        if waited >= bound {
            STUCK.fetch_add(1, Ordering::Relaxed);
            eprintln!(
                "platform: stub {pid} not reaped {waited:?} after SIGKILL \
                 (threads left: {pending:?}); leaving it to the host"
            );
            return false;
        }
        if !escalated && waited >= bound / 2 {
            escalated = true;
            let _ = sys::kill(pid, libc::SIGKILL);
            for &tid in &pending {
                let _ = sys::tgkill(pid, tid, libc::SIGKILL);
            }
        }
        std::thread::sleep(nap);
        nap = (nap * 2).min(MAX_NAP);
    }
}

/// Polls `tid` once: whether it is reaped now or not ours to wait for.
fn settled(tid: i32) -> bool {
    match sys::waitpid_nohang(tid) {
        Ok(None) => false,
        Ok(Some(WaitStatus::Stopped { .. })) => {
            // A stop that raced with SIGKILL: let it go on dying (works
            // only from its tracer; SIGKILL ends the stop anyway).
            let _ = ptrace::cont(tid, 0);
            false
        }
        Ok(Some(_)) | Err(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stub::StubProcess;

    #[test]
    fn a_killed_stub_and_its_threads_are_reaped() {
        let stub = StubProcess::spawn(-1).unwrap();
        let pid = stub.pid();
        let tid = stub.new_thread().unwrap();
        // Reap it here; the stub's own drop then finds nothing to wait for.
        assert!(kill_and_reap(pid, &[tid]));
        assert!(!std::path::Path::new(&format!("/proc/{pid}")).exists());
        drop(stub);
    }

    #[test]
    fn a_process_that_is_not_ours_is_settled_at_once() {
        // pid 1 is not our child: nothing to wait for (ECHILD).
        assert!(settled(1));
    }
}
