//! POSIX per-process timers: `timer_create(2)`, `timer_settime(2)`,
//! `timer_gettime(2)`, `timer_getoverrun(2)`, `timer_delete(2)`.
//!
//! `CLOCK_REALTIME`, `CLOCK_MONOTONIC`, `CLOCK_BOOTTIME` and `CLOCK_TAI`
//! timers are served by [`crate::posix_timer`]; CPU-time clocks are
//! `EINVAL` (the Sentry does not account guest CPU time as it runs), and
//! clocks without timers `EOPNOTSUPP` (see [`clock_now`]).

use std::time::{Duration, Instant};

use abi::signal::{sigevent, SIGEV_NONE, SIGEV_SIGNAL, SIGEV_THREAD, SIGEV_THREAD_ID};
use abi::time::{itimerspec, timespec};
use abi::Errno;
use rustix::time::ClockId;

use super::time::to_ts;
use super::{SysResult, SysRet, SyscallArgs};
use crate::budget::Charge;
use crate::posix_timer::{Notify, PosixTimer};
use crate::task::Task;

/// `TIMER_ABSTIME`: the value is a time of the clock, not an interval.
const TIMER_ABSTIME: i32 = 1;
/// The most timers a process may have: `RLIMIT_SIGPENDING` as in Linux,
/// but no more than this, since each armed timer has a host thread.
const MAX_TIMERS: u64 = 1024;
/// `SIGRTMAX`: the highest signal a timer may send.
const SIGRTMAX: i32 = 64;

/// The time of timer clock `id` as the sandbox sees it; `EINVAL` for an
/// unknown or CPU-time clock, `EOPNOTSUPP` for clocks Linux has no timers
/// on (`CLOCK_MONOTONIC_RAW`, the coarse clocks) and for the alarm clocks
/// (the sandbox has no RTC to wake it, Linux's answer without one).
fn clock_now(id: i32) -> Result<timespec, Errno> {
    let host = |c| Ok(crate::clock::gettime(c));
    match id {
        0 => host(ClockId::Realtime),
        1 => host(ClockId::Monotonic),
        7 => host(ClockId::Boottime),
        11 => Ok(crate::clock::gettime_tai()),
        4..=6 | 8 | 9 => Err(Errno::EOPNOTSUPP),
        _ => Err(Errno::EINVAL),
    }
}

/// `good_sigevent`: whom the timer notifies, for the caller's process.
fn notify_of(t: &Task, ev: &sigevent) -> Result<Notify, Errno> {
    let signo = ev.sigev_signo;
    let signal_ok = signo > 0 && signo <= SIGRTMAX;
    match ev.sigev_notify {
        SIGEV_NONE => Ok(Notify::None),
        SIGEV_SIGNAL | SIGEV_THREAD if signal_ok => Ok(Notify::Group {
            signo,
            pid: t.pid(),
        }),
        n if n == SIGEV_SIGNAL | SIGEV_THREAD_ID && signal_ok => {
            let tid = ev.sigev_notify_thread_id();
            let same = tid == t.tid || t.kernel().table().pid_of(tid) == Some(t.pid());
            if same {
                Ok(Notify::Thread { signo, tid })
            } else {
                Err(Errno::EINVAL)
            }
        }
        _ => Err(Errno::EINVAL),
    }
}

/// The caller's timer `id`, or `EINVAL`.
fn timer(t: &Task, id: i32) -> Result<std::sync::Arc<PosixTimer>, Errno> {
    let timers = t.tg().posix_timers.clone();
    timers.get(id).ok_or(Errno::EINVAL)
}

fn itimerspec_of((value, interval): (Duration, Duration)) -> itimerspec {
    itimerspec {
        it_interval: to_ts(interval),
        it_value: to_ts(value),
    }
}

/// How far `abs` (a time of a clock reading `now`) lies ahead; zero if
/// it has passed.
fn until(abs: Duration, now: &timespec) -> Duration {
    let now = Duration::new(
        now.tv_sec.max(0) as u64,
        now.tv_nsec.clamp(0, 999_999_999) as u32,
    );
    abs.saturating_sub(now)
}

/// `timer_create(2)`: a disarmed timer on the clock; a null `sevp` means
/// `SIGALRM` to the process with the timer id as value.
pub fn sys_timer_create(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let clock = a.i32(0);
    clock_now(clock)?;
    let evp = a.ptr::<sigevent>(1);
    let (notify, value) = if evp.is_null() {
        let n = Notify::Group {
            signo: abi::signal::SIGALRM,
            pid: t.pid(),
        };
        (n, None)
    } else {
        let ev = evp.read(t.mem())?;
        (notify_of(t, &ev)?, Some(ev.sigev_value))
    };
    let max = t
        .tg()
        .rlimits
        .get(crate::limits::RLIMIT_SIGPENDING)
        .rlim_cur
        .min(MAX_TIMERS) as usize;
    let charge = Charge::take(&t.kernel().timer_budget).ok_or(Errno::EAGAIN)?;
    let timers = t.tg().posix_timers.clone();
    let timer = timers
        .create(clock, notify, value, max, charge)
        .ok_or(Errno::EAGAIN)?;
    let idp = a.ptr::<i32>(2);
    if let Err(e) = idp.write(t.mem(), &timer.id) {
        timers.delete(timer.id);
        return Err(e);
    }
    SysRet::ZERO
}

/// `timer_settime(2)`: arms the timer (a zero value disarms), relative or
/// with `TIMER_ABSTIME` at a time of its clock (a past time expires at
/// once); the old setting goes to `old` unless it is null.
pub fn sys_timer_settime(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (id, flags) = (a.i32(0), a.i32(1));
    let (newp, oldp) = (a.ptr::<itimerspec>(2), a.ptr::<itimerspec>(3));
    if newp.is_null() {
        return Err(Errno::EINVAL);
    }
    let new = newp.read(t.mem())?;
    let value = super::time::valid(&new.it_value)?;
    let interval = super::time::valid(&new.it_interval)?;
    let timer = timer(t, id)?;
    let deadline = if value.is_zero() {
        None
    } else if flags & TIMER_ABSTIME != 0 {
        let now = clock_now(timer.clock)?;
        Some(Instant::now() + until(value, &now))
    } else {
        Some(super::time::deadline_after(value))
    };
    let k = t.kernel().clone();
    let old = timer.set(&k, deadline, interval);
    if !oldp.is_null() {
        oldp.write(t.mem(), &itimerspec_of(old))?;
    }
    SysRet::ZERO
}

/// `timer_gettime(2)`: the time left to the next expiry and the interval.
pub fn sys_timer_gettime(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let cur = timer(t, a.i32(0))?.get();
    a.ptr::<itimerspec>(1).write(t.mem(), &itimerspec_of(cur))?;
    SysRet::ZERO
}

/// `timer_getoverrun(2)`: the overrun count of the last delivered signal.
pub fn sys_timer_getoverrun(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let n = timer(t, a.i32(0))?.overrun();
    Ok(SysRet::Value(n as u64))
}

/// `timer_delete(2)`: disarms and frees the timer.
pub fn sys_timer_delete(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let timers = t.tg().posix_timers.clone();
    if timers.delete(a.i32(0)) {
        SysRet::ZERO
    } else {
        Err(Errno::EINVAL)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clocks_map_as_linux() {
        for ok in [0, 1, 7, 11] {
            assert!(clock_now(ok).is_ok(), "clock {ok}");
        }
        for (id, e) in [
            (4, Errno::EOPNOTSUPP),
            (8, Errno::EOPNOTSUPP),
            (2, Errno::EINVAL),
        ] {
            assert_eq!(clock_now(id), Err(e), "clock {id}");
        }
        assert_eq!(clock_now(-6), Err(Errno::EINVAL));
        assert_eq!(clock_now(12345), Err(Errno::EINVAL));
    }

    #[test]
    fn absolute_times_count_from_now() {
        let now = timespec {
            tv_sec: 10,
            tv_nsec: 500,
        };
        assert_eq!(until(Duration::new(12, 500), &now), Duration::from_secs(2));
        assert_eq!(until(Duration::new(3, 0), &now), Duration::ZERO);
    }

    #[test]
    fn settings_convert() {
        let s = itimerspec_of((Duration::new(1, 5), Duration::from_millis(250)));
        assert_eq!((s.it_value.tv_sec, s.it_value.tv_nsec), (1, 5));
        assert_eq!(s.it_interval.tv_nsec, 250_000_000);
    }
}
