//! Readiness: `poll(2)` and `ppoll(2)`.
//!
//! Files report readiness without blocking. A poll that has to wait
//! registers the task on every polled file's wait queue and sleeps until
//! one notifies, the timeout passes or a signal arrives. Files without a
//! queue (host-backed descriptors) are re-checked with an exponential
//! backoff (capped at 10 ms).

use std::sync::Arc;
use std::time::{Duration, Instant};

use abi::signal::sigset_t;
use vfs::waitq::EVENTS_ALL;
use vfs::FileDescription;

use abi::poll::pollfd;
use abi::time::timespec;
use abi::Errno;

use super::{SysResult, SysRet, SyscallArgs};
use crate::task::Task;
use crate::usermem::UserPtr;

const POLLNVAL: i16 = 0x20;
const POLLERR: i16 = 0x8;
const POLLHUP: i16 = 0x10;

/// Checks every entry once; returns how many have events.
fn scan(t: &Task, fds: &mut [pollfd]) -> u64 {
    let mut n = 0;
    for p in fds.iter_mut() {
        p.revents = 0;
        if p.fd < 0 {
            continue;
        }
        p.revents = match t.file(p.fd) {
            Err(_) => POLLNVAL,
            Ok(f) => {
                let want = (p.events as u16 as u32) | (POLLERR | POLLHUP) as u32;
                (f.readiness(want) & want) as i16
            }
        };
        if p.revents != 0 {
            n += 1;
        }
    }
    n
}

/// Sleeps until `scan` finds events, the deadline passes (0 events) or a
/// signal arrives (`ERESTARTNOHAND`).
fn wait_events(t: &mut Task, fds: &mut [pollfd], deadline: Option<Instant>) -> Result<u64, Errno> {
    let files: Vec<Arc<FileDescription>> = fds
        .iter()
        .filter(|p| p.fd >= 0)
        .filter_map(|p| t.file(p.fd).ok())
        .collect();
    wait_ready(t, &files, deadline, |t| scan(t, fds))
}

/// Sleeps on the wait queues of `files` until `check` counts something
/// ready (that count is returned), the deadline passes (0) or a signal
/// arrives (`ERESTARTNOHAND`). Files without a queue are re-checked with
/// an exponential backoff. Shared by `poll` and `select`.
pub(super) fn wait_ready(
    t: &mut Task,
    files: &[Arc<FileDescription>],
    deadline: Option<Instant>,
    mut check: impl FnMut(&mut Task) -> u64,
) -> Result<u64, Errno> {
    let mut regs = Vec::new();
    let mut unqueued = false;
    for f in files {
        match f.wait_queue() {
            Some(q) => regs.push((f.clone(), q.register(EVENTS_ALL, t.handle.waiter.clone()))),
            None => unqueued = true,
        }
    }
    let mut delay = Duration::from_micros(20);
    let r = loop {
        let step = if unqueued {
            let next = Instant::now() + delay;
            Some(deadline.map_or(next, |d| d.min(next)))
        } else {
            deadline
        };
        match t.block(step, |t| {
            let n = check(t);
            (n > 0).then_some(n)
        }) {
            Ok(n) => break Ok(n),
            Err(Errno::ETIMEDOUT) if deadline.is_none_or(|d| Instant::now() < d) => {
                delay = (delay * 2).min(Duration::from_millis(10));
            }
            Err(Errno::ETIMEDOUT) => break Ok(0),
            Err(Errno::ERESTARTSYS) => break Err(Errno::ERESTARTNOHAND),
            Err(e) => break Err(e),
        }
    };
    for (f, id) in regs {
        if let Some(q) = f.wait_queue() {
            q.unregister(id);
        }
    }
    r
}

/// Polls the `nfds` entries at `addr` until `deadline` (`None`: no limit;
/// a deadline already passed: one scan, no wait).
pub fn do_poll(t: &mut Task, addr: u64, nfds: u64, deadline: Option<Instant>) -> SysResult {
    if nfds > t.nofile() {
        return Err(Errno::EINVAL);
    }
    let base = UserPtr::<pollfd>::new(addr);
    let mut fds = Vec::with_capacity(nfds.min(4096) as usize);
    for i in 0..nfds {
        fds.push(base.index(i)?.read(t.mem())?);
    }
    let n = match scan(t, &mut fds) {
        0 if deadline.is_none_or(|d| d > Instant::now()) => wait_events(t, &mut fds, deadline)?,
        n => n,
    };
    for (i, p) in fds.iter().enumerate() {
        base.index(i as u64)?.write(t.mem(), p)?;
    }
    Ok(SysRet::Value(n))
}

/// `poll(2)`: a negative timeout waits without limit. Interrupted by a
/// signal, a timed poll resumes with the time left through
/// `restart_syscall(2)` when no handler ran.
pub fn sys_poll(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (addr, nfds, ms) = (a.u64(0), a.u64(1), a.i32(2));
    let deadline = (ms >= 0).then(|| super::time::deadline_after(Duration::from_millis(ms as u64)));
    let r = do_poll(t, addr, nfds, deadline);
    match (r, deadline) {
        (Err(Errno::ERESTARTNOHAND), Some(deadline)) => {
            t.restart = Some(crate::restart::RestartBlock::Poll {
                addr,
                nfds,
                deadline,
            });
            Err(Errno::ERESTART_RESTARTBLOCK)
        }
        (r, _) => r,
    }
}

/// `ppoll(2)`: the signal mask, if given, replaces the caller's for the
/// wait (restored after a handler ran, as `rt_sigsuspend`). On every
/// return it stores the time left in the caller's non-zero timeout, as
/// Linux does, so a restart waits only that long.
pub fn sys_ppoll(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let tp = a.ptr::<timespec>(2);
    let timeout = if tp.is_null() {
        None
    } else {
        Some(super::time::valid(&tp.read(t.mem())?)?)
    };
    let maskp = a.ptr::<sigset_t>(3);
    if !maskp.is_null() {
        if a.u64(4) != 8 {
            return Err(Errno::EINVAL);
        }
        let mask = maskp.read(t.mem())?;
        t.signals.saved_mask = Some(t.signals.mask);
        t.signals.mask = mask.without_unblockable();
    }
    let deadline = timeout.map(super::time::deadline_after);
    let mut r = do_poll(t, a.u64(0), a.u64(1), deadline);
    let interrupted = matches!(r, Err(e) if e.is_restart());
    // Linux's poll_select_finish: a non-zero timeout gets the time left
    // written back whatever the outcome; when that write faults the result
    // stands, but a restart becomes EINTR (the time is lost).
    if let Some(d) = deadline.filter(|_| timeout.is_some_and(|to| !to.is_zero())) {
        let left = d.saturating_duration_since(Instant::now());
        let ts = timespec {
            tv_sec: left.as_secs() as i64,
            tv_nsec: i64::from(left.subsec_nanos()),
        };
        if tp.write(t.mem(), &ts).is_err() && interrupted {
            r = Err(Errno::EINTR);
        }
    }
    if !interrupted {
        if let Some(m) = t.signals.saved_mask.take() {
            t.signals.mask = m;
        }
    }
    r
}
