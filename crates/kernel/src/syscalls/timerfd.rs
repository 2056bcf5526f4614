//! `timerfd_create(2)`, `timerfd_settime(2)`, `timerfd_gettime(2)` over
//! [`crate::timerfd`].

use std::sync::Arc;

use abi::time::{
    itimerspec, timespec, TimerfdFlags, TimerfdSettimeFlags, CLOCK_BOOTTIME, CLOCK_BOOTTIME_ALARM,
    CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_REALTIME_ALARM,
};
use abi::Errno;
use vfs::OpenFlags;

use super::{SysResult, SysRet, SyscallArgs};
use crate::clock::SandboxClock;
use crate::task::Task;
use crate::timerfd::{as_timerfd, new_timerfd, TimerFd};

const NSEC_PER_SEC: u64 = 1_000_000_000;

/// `timerfd_create(2)`: `CLOCK_REALTIME`, `CLOCK_MONOTONIC`,
/// `CLOCK_BOOTTIME` and the `_ALARM` ones (which need `CAP_WAKE_ALARM`,
/// root's); other clocks `EINVAL`.
pub fn sys_timerfd_create(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let clock = match a.i32(0) {
        CLOCK_REALTIME | CLOCK_REALTIME_ALARM => SandboxClock::Realtime,
        CLOCK_MONOTONIC | CLOCK_BOOTTIME | CLOCK_BOOTTIME_ALARM => SandboxClock::Monotonic,
        _ => return Err(Errno::EINVAL),
    };
    let flags = TimerfdFlags::from_bits(a.u32(1)).ok_or(Errno::EINVAL)?;
    let alarm = matches!(a.i32(0), CLOCK_REALTIME_ALARM | CLOCK_BOOTTIME_ALARM);
    if alarm && t.creds.euid != 0 {
        return Err(Errno::EPERM);
    }
    let now = vfs::Clock::now(&crate::clock::HostClock);
    let attr = crate::anon::anon_attr(t.creds.euid, t.creds.egid, now);
    let status = if flags.contains(TimerfdFlags::TFD_NONBLOCK) {
        OpenFlags::O_NONBLOCK
    } else {
        OpenFlags::empty()
    };
    let file = new_timerfd(attr, clock, status)?;
    let cloexec = flags.contains(TimerfdFlags::TFD_CLOEXEC);
    let fd = t.fds.insert(Arc::new(file), cloexec, t.nofile())?;
    Ok(SysRet::Value(fd as u64))
}

/// The timer behind `fd`: `EBADF`, or `EINVAL` for another file.
fn timer(t: &Task, fd: i32) -> Result<Arc<TimerFd>, Errno> {
    as_timerfd(&*t.file(fd)?).ok_or(Errno::EINVAL)
}

fn ns(ts: &timespec) -> Result<u64, Errno> {
    let d = super::time::valid(ts)?;
    Ok(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

fn to_timespec(ns: u64) -> timespec {
    timespec {
        tv_sec: (ns / NSEC_PER_SEC) as i64,
        tv_nsec: (ns % NSEC_PER_SEC) as i64,
    }
}

fn to_itimerspec((value, interval): (u64, u64)) -> itimerspec {
    itimerspec {
        it_interval: to_timespec(interval),
        it_value: to_timespec(value),
    }
}

/// `timerfd_settime(2)`: `TFD_TIMER_ABSTIME`; `TFD_TIMER_CANCEL_ON_SET`
/// is accepted and never fires (the sandbox's clock cannot be set).
pub fn sys_timerfd_settime(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let flags = TimerfdSettimeFlags::from_bits(a.u32(1)).ok_or(Errno::EINVAL)?;
    let new = a.ptr::<itimerspec>(2).read(t.mem())?;
    let tm = timer(t, a.fd(0))?;
    let (value, interval) = (ns(&new.it_value)?, ns(&new.it_interval)?);
    let absolute = flags.contains(TimerfdSettimeFlags::TFD_TIMER_ABSTIME);
    let old = tm.set(value, interval, absolute)?;
    let oldp = a.ptr::<itimerspec>(3);
    if !oldp.is_null() {
        oldp.write(t.mem(), &to_itimerspec(old))?;
    }
    SysRet::ZERO
}

/// `timerfd_gettime(2)`: time to the next expiry and the period.
pub fn sys_timerfd_gettime(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let tm = timer(t, a.fd(0))?;
    a.ptr::<itimerspec>(1)
        .write(t.mem(), &to_itimerspec(tm.get()))?;
    SysRet::ZERO
}
