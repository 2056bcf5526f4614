//! Interval timers: `getitimer(2)`, `setitimer(2)` and `alarm(2)`.
//!
//! `ITIMER_REAL` is served by [`crate::itimer`] and sends the process
//! `SIGALRM` (`SI_KERNEL`) at expiry. The CPU-time timers
//! (`ITIMER_VIRTUAL`, `ITIMER_PROF`) need per-thread CPU accounting that
//! the run loop does not offer yet: they read as disarmed, disarming them
//! succeeds, and arming one gives `EINVAL` rather than a timer that would
//! never fire.

use std::sync::Arc;
use std::time::Duration;

use abi::signal::{siginfo_t, SIGALRM, SI_KERNEL};
use abi::time::{itimerval, timeval, ITIMER_PROF, ITIMER_REAL, ITIMER_VIRTUAL};
use abi::Errno;

use super::{SysResult, SysRet, SyscallArgs};
use crate::itimer::Expiry;
use crate::task::Task;

fn to_tv(d: Duration) -> timeval {
    timeval {
        tv_sec: d.as_secs() as i64,
        tv_usec: i64::from(d.subsec_micros()),
    }
}

/// A `timeval` as a duration: `EINVAL` for negative seconds or
/// microseconds outside `[0, 1e6)`.
fn from_tv(tv: &timeval) -> Result<Duration, Errno> {
    let secs = u64::try_from(tv.tv_sec).map_err(|_| Errno::EINVAL)?;
    let usec = u32::try_from(tv.tv_usec)
        .ok()
        .filter(|u| *u < 1_000_000)
        .ok_or(Errno::EINVAL)?;
    Ok(Duration::new(secs, usec * 1000))
}

/// Sends `SIGALRM` to process `pid` while it exists.
fn alarm_action(t: &Task) -> Expiry {
    let k = Arc::downgrade(t.kernel());
    let pid = t.pid();
    Arc::new(move || {
        let Some(k) = k.upgrade() else { return false };
        let info = siginfo_t::new_kill(SIGALRM, SI_KERNEL, 0, 0);
        let sent = k.table().send_to_group(pid, info);
        sent.is_ok()
    })
}

/// The current setting of timer `which` (`EINVAL` for an unknown one).
fn current(t: &Task, which: i32) -> Result<itimerval, Errno> {
    match which {
        ITIMER_REAL => {
            let (value, interval) = t.kernel().itimers.get(t.pid());
            Ok(itimerval {
                it_interval: to_tv(interval),
                it_value: to_tv(value),
            })
        }
        ITIMER_VIRTUAL | ITIMER_PROF => Ok(itimerval::default()),
        _ => Err(Errno::EINVAL),
    }
}

/// `getitimer(2)`.
pub fn sys_getitimer(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let v = current(t, a.i32(0))?;
    a.ptr::<itimerval>(1).write(t.mem(), &v)?;
    SysRet::ZERO
}

/// Arms or disarms timer `which`; returns the previous setting.
fn set(t: &Task, which: i32, new: &itimerval) -> Result<itimerval, Errno> {
    let value = from_tv(&new.it_value)?;
    let interval = from_tv(&new.it_interval)?;
    match which {
        ITIMER_REAL => {
            let (v, i) = t
                .kernel()
                .itimers
                .set(t.pid(), value, interval, alarm_action(t));
            Ok(itimerval {
                it_interval: to_tv(i),
                it_value: to_tv(v),
            })
        }
        ITIMER_VIRTUAL | ITIMER_PROF if value.is_zero() => Ok(itimerval::default()),
        _ => Err(Errno::EINVAL),
    }
}

/// `setitimer(2)`: a NULL new value disarms (as Linux still allows);
/// the old setting is written when asked for.
pub fn sys_setitimer(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let which = a.i32(0);
    let (newp, oldp) = (a.ptr::<itimerval>(1), a.ptr::<itimerval>(2));
    let new = if newp.is_null() {
        itimerval::default()
    } else {
        newp.read(t.mem())?
    };
    current(t, which)?;
    let old = set(t, which, &new)?;
    if !oldp.is_null() {
        oldp.write(t.mem(), &old)?;
    }
    SysRet::ZERO
}

/// `alarm(2)`: `SIGALRM` after `seconds` (0 cancels); returns the seconds
/// the previous alarm had left, rounded to nearest as Linux does (and at
/// least 1 while one was pending).
pub fn sys_alarm(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let secs = a.u32(0);
    let (left, _) = t.kernel().itimers.set(
        t.pid(),
        Duration::from_secs(u64::from(secs)),
        Duration::ZERO,
        alarm_action(t),
    );
    let mut old = left.as_secs();
    if (old == 0 && !left.is_zero()) || left.subsec_micros() >= 500_000 {
        old += 1;
    }
    Ok(SysRet::Value(old))
}
