//! epoll: `epoll_create(2)`, `epoll_create1(2)`, `epoll_ctl(2)`,
//! `epoll_wait(2)`, `epoll_pwait(2)` and `epoll_pwait2(2)` over
//! [`crate::epoll`].

use std::sync::Arc;
use std::time::{Duration, Instant};

use abi::eventpoll::{
    epoll_event, EpollCreateFlags, EpollEvents, EPOLL_CTL_ADD, EPOLL_CTL_DEL, EPOLL_CTL_MOD,
};
use abi::signal::sigset_t;
use abi::time::timespec;
use abi::Errno;
use vfs::waitq::EVENTS_ALL;
use vfs::{FileDescription, FileType, OpenFlags};

use super::{SysResult, SysRet, SyscallArgs};
use crate::epoll::{as_epoll, new_epoll};
use crate::task::Task;
use crate::usermem::{check_range, UserPtr};

/// `EP_MAX_EVENTS`: `INT_MAX / sizeof(struct epoll_event)`.
const EP_MAX_EVENTS: i32 = i32::MAX / 12;

/// Bits allowed together with `EPOLLEXCLUSIVE` (`EPOLLEXCLUSIVE_OK_BITS`).
const EXCLUSIVE_OK: u32 = EpollEvents::EPOLLIN.bits()
    | EpollEvents::EPOLLOUT.bits()
    | EpollEvents::EPOLLRDNORM.bits()
    | EpollEvents::EPOLLRDBAND.bits()
    | EpollEvents::EPOLLWRNORM.bits()
    | EpollEvents::EPOLLWRBAND.bits()
    | EpollEvents::EPOLLERR.bits()
    | EpollEvents::EPOLLHUP.bits()
    | EpollEvents::EPOLLWAKEUP.bits()
    | EpollEvents::EPOLLET.bits()
    | EpollEvents::EPOLLEXCLUSIVE.bits();

fn create(t: &mut Task, flags: u32) -> SysResult {
    let flags = EpollCreateFlags::from_bits(flags).ok_or(Errno::EINVAL)?;
    let now = vfs::Clock::now(&crate::clock::HostClock);
    let attr = crate::anon::anon_attr(t.creds.euid, t.creds.egid, now);
    let file = new_epoll(attr, OpenFlags::empty())?;
    let cloexec = flags.contains(EpollCreateFlags::EPOLL_CLOEXEC);
    let fd = t.fds.insert(Arc::new(file), cloexec, t.nofile())?;
    Ok(SysRet::Value(fd as u64))
}

/// `epoll_create(2)`: `size` is only checked to be positive.
pub fn sys_epoll_create(t: &mut Task, a: &SyscallArgs) -> SysResult {
    if a.i32(0) <= 0 {
        return Err(Errno::EINVAL);
    }
    create(t, 0)
}

/// `epoll_create1(2)`: `EPOLL_CLOEXEC` is the only flag.
pub fn sys_epoll_create1(t: &mut Task, a: &SyscallArgs) -> SysResult {
    create(t, a.u32(0))
}

/// The epoll file behind `fd`: `EBADF` if none, `EINVAL` if not epoll.
fn epoll_file(t: &Task, fd: i32) -> Result<Arc<FileDescription>, Errno> {
    let f = t.file(fd)?;
    if as_epoll(&f).is_none() {
        return Err(Errno::EINVAL);
    }
    Ok(f)
}

/// `epoll_ctl(2)`. Regular files and directories cannot be watched
/// (`EPERM`), as in Linux, where they have no poll operation.
pub fn sys_epoll_ctl(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (epfd, op, fd) = (a.fd(0), a.i32(1), a.fd(2));
    let ev = if op == EPOLL_CTL_DEL {
        epoll_event::default()
    } else {
        a.ptr::<epoll_event>(3).read(t.mem())?
    };
    let ep_file = t.file(epfd)?;
    let target = t.file(fd)?;
    if matches!(
        target.stat()?.file_type(),
        Some(FileType::Regular | FileType::Directory)
    ) {
        return Err(Errno::EPERM);
    }
    let ep = as_epoll(&ep_file).ok_or(Errno::EINVAL)?;
    if epfd == fd {
        return Err(Errno::EINVAL);
    }
    let exclusive = ev.events & EpollEvents::EPOLLEXCLUSIVE.bits() != 0;
    if exclusive
        && (op == EPOLL_CTL_MOD
            || (op == EPOLL_CTL_ADD
                && (ev.events & !EXCLUSIVE_OK != 0 || as_epoll(&target).is_some())))
    {
        return Err(Errno::EINVAL);
    }
    match op {
        EPOLL_CTL_ADD => ep.add(fd, &target, ev)?,
        EPOLL_CTL_MOD => ep.modify(fd, &target, ev)?,
        EPOLL_CTL_DEL => ep.delete(fd, &target)?,
        _ => return Err(Errno::EINVAL),
    }
    SysRet::ZERO
}

/// Waits for events on `epfd` and copies them to `events`. `EINTR` when a
/// signal arrives first (epoll waits are never restarted). Items watching
/// files without a wait queue are re-checked with backoff (capped at
/// 10 ms).
fn do_wait(t: &mut Task, epfd: i32, events: u64, max: i32, timeout: Option<Duration>) -> SysResult {
    if max <= 0 || max > EP_MAX_EVENTS {
        return Err(Errno::EINVAL);
    }
    check_range(events, max as u64 * 12)?;
    let file = epoll_file(t, epfd)?;
    let ep = as_epoll(&file).ok_or(Errno::EINVAL)?;
    let max = max as usize;
    let mut got = ep.collect(max);
    if got.is_empty() && timeout != Some(Duration::ZERO) {
        let deadline = timeout.and_then(|d| Instant::now().checked_add(d));
        let id = ep.queue().register(EVENTS_ALL, t.handle.waiter.clone());
        let mut delay = Duration::from_micros(20);
        let r = loop {
            let step = if ep.unqueued() > 0 {
                let next = Instant::now() + delay;
                Some(deadline.map_or(next, |d| d.min(next)))
            } else {
                deadline
            };
            match t.block(step, |_| Some(ep.collect(max)).filter(|v| !v.is_empty())) {
                Ok(v) => break Ok(v),
                Err(Errno::ETIMEDOUT) if deadline.is_none_or(|d| Instant::now() < d) => {
                    delay = (delay * 2).min(Duration::from_millis(10));
                }
                Err(Errno::ETIMEDOUT) => break Ok(Vec::new()),
                Err(Errno::ERESTARTSYS) => break Err(Errno::EINTR),
                Err(e) => break Err(e),
            }
        };
        ep.queue().unregister(id);
        got = r?;
    }
    let base = UserPtr::<epoll_event>::new(events);
    for (i, e) in got.iter().enumerate() {
        base.index(i as u64)?.write(t.mem(), e)?;
    }
    Ok(SysRet::Value(got.len() as u64))
}

/// Runs `f` with the signal mask at `maskp` (if not null) in place of the
/// caller's; the saved mask is restored unless the wait was interrupted,
/// in which case the handler runs under the temporary mask and the old
/// one comes back after it (as Linux's `restore_saved_sigmask_unless`).
fn with_sigmask(
    t: &mut Task,
    maskp: UserPtr<sigset_t>,
    size: u64,
    f: impl FnOnce(&mut Task) -> SysResult,
) -> SysResult {
    if !maskp.is_null() {
        if size != 8 {
            return Err(Errno::EINVAL);
        }
        let mask = maskp.read(t.mem())?;
        t.signals.saved_mask = Some(t.signals.mask);
        t.signals.mask = mask.without_unblockable();
    }
    let r = f(t);
    if r != Err(Errno::EINTR) {
        if let Some(m) = t.signals.saved_mask.take() {
            t.signals.mask = m;
        }
    }
    r
}

fn timeout_ms(ms: i32) -> Option<Duration> {
    (ms >= 0).then(|| Duration::from_millis(ms as u64))
}

/// `epoll_wait(2)`: a negative timeout waits without limit.
pub fn sys_epoll_wait(t: &mut Task, a: &SyscallArgs) -> SysResult {
    do_wait(t, a.fd(0), a.u64(1), a.i32(2), timeout_ms(a.i32(3)))
}

/// `epoll_pwait(2)`: `epoll_wait` under a temporary signal mask.
pub fn sys_epoll_pwait(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let timeout = timeout_ms(a.i32(3));
    with_sigmask(t, a.ptr(4), a.u64(5), |t| {
        do_wait(t, a.fd(0), a.u64(1), a.i32(2), timeout)
    })
}

/// `epoll_pwait2(2)`: as `epoll_pwait` with a `timespec` timeout (null
/// waits without limit).
pub fn sys_epoll_pwait2(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let tp = a.ptr::<timespec>(3);
    let timeout = if tp.is_null() {
        None
    } else {
        Some(super::time::valid(&tp.read(t.mem())?)?)
    };
    with_sigmask(t, a.ptr(4), a.u64(5), |t| {
        do_wait(t, a.fd(0), a.u64(1), a.i32(2), timeout)
    })
}
