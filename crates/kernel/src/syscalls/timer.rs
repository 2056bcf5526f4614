//! Interval timers: `alarm(2)`, `getitimer(2)`, `setitimer(2)`.
//!
//! Only `ITIMER_REAL` (wall-clock, `SIGALRM`) is implemented; the CPU-time
//! timers `ITIMER_VIRTUAL` and `ITIMER_PROF` fail with `EINVAL`.

use std::time::Duration;

use abi::time::{itimerval, timeval};
use abi::Errno;

use super::{SysResult, SysRet, SyscallArgs};
use crate::task::Task;

const ITIMER_REAL: i32 = 0;

fn to_duration(tv: &timeval) -> Result<Duration, Errno> {
    if tv.tv_sec < 0 || !(0..1_000_000).contains(&tv.tv_usec) {
        return Err(Errno::EINVAL);
    }
    Ok(Duration::new(tv.tv_sec as u64, tv.tv_usec as u32 * 1000))
}

fn to_timeval(d: Duration) -> timeval {
    timeval {
        tv_sec: d.as_secs() as i64,
        tv_usec: i64::from(d.subsec_micros()),
    }
}

fn itimerval_of((value, interval): (Duration, Duration)) -> itimerval {
    itimerval {
        it_interval: to_timeval(interval),
        it_value: to_timeval(value),
    }
}

fn which(a: &SyscallArgs) -> Result<(), Errno> {
    if a.i32(0) == ITIMER_REAL {
        Ok(())
    } else {
        Err(Errno::EINVAL)
    }
}

/// `getitimer(2)`: the time left and the interval of `ITIMER_REAL`.
pub fn sys_getitimer(t: &mut Task, a: &SyscallArgs) -> SysResult {
    which(a)?;
    let cur = t.tg().itimer_real.get();
    a.ptr::<itimerval>(1).write(t.mem(), &itimerval_of(cur))?;
    SysRet::ZERO
}

/// `setitimer(2)`: arms (or with a zero value disarms) `ITIMER_REAL`;
/// the old setting goes to `old` unless it is NULL. A NULL new value
/// disarms, as Linux accepts.
pub fn sys_setitimer(t: &mut Task, a: &SyscallArgs) -> SysResult {
    which(a)?;
    let (newp, oldp) = (a.ptr::<itimerval>(1), a.ptr::<itimerval>(2));
    let new = if newp.is_null() {
        itimerval::default()
    } else {
        newp.read(t.mem())?
    };
    let (value, interval) = (to_duration(&new.it_value)?, to_duration(&new.it_interval)?);
    let (k, pid, timer) = (t.kernel().clone(), t.pid(), t.tg().itimer_real.clone());
    let old = timer.set(&k, pid, value, interval);
    if !oldp.is_null() {
        oldp.write(t.mem(), &itimerval_of(old))?;
    }
    SysRet::ZERO
}

/// `alarm(2)`: `SIGALRM` after `seconds` (0 cancels); returns the seconds
/// that were left of the previous alarm, rounded as Linux does.
pub fn sys_alarm(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let secs = Duration::from_secs(u64::from(a.u32(0)));
    let (k, pid, timer) = (t.kernel().clone(), t.pid(), t.tg().itimer_real.clone());
    let (left, _) = timer.set(&k, pid, secs, Duration::ZERO);
    let mut s = left.as_secs();
    if (left.subsec_micros() >= 500_000) || (s == 0 && !left.is_zero()) {
        s += 1;
    }
    Ok(SysRet::Value(s))
}
