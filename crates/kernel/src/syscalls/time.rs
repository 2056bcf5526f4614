//! Clocks and sleeping: `clock_gettime(2)`, `clock_getres(2)`,
//! `gettimeofday(2)`, `time(2)`, `nanosleep(2)`, `clock_nanosleep(2)`.
//!
//! Wall and monotonic clocks are the sandbox's (`crate::clock`, the same
//! function the vDSO computes); the CPU-time clocks count the
//! time the task ran in its stub plus the time the Sentry served it.

use std::time::{Duration, Instant};

use abi::time::{timespec, timeval, timezone, tms};
use abi::Errno;
use rustix::time::ClockId;

use super::{SysResult, SysRet, SyscallArgs};
use crate::task::Task;

/// `TIMER_ABSTIME` for `clock_nanosleep`.
const TIMER_ABSTIME: u32 = 1;
const NSEC_PER_SEC: i64 = 1_000_000_000;

/// A clock an application can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Clock {
    Host(ClockId),
    Tai,
    ProcessCpu,
    ThreadCpu,
    /// A CPU clock named by pid (`MAKE_PROCESS_CPUCLOCK`,
    /// `MAKE_THREAD_CPUCLOCK`): `pid` 0 is the caller.
    Cpu {
        thread: bool,
        pid: i32,
    },
}

/// `CPUCLOCK_PERTHREAD_MASK`.
const CPUCLOCK_PERTHREAD: i32 = 4;
/// `CPUCLOCK_MAX`: PROF, VIRT and SCHED are the kinds.
const CPUCLOCK_MAX: i32 = 3;

fn clock(id: i32) -> Result<Clock, Errno> {
    Ok(match id {
        0 => Clock::Host(ClockId::Realtime),
        1 => Clock::Host(ClockId::Monotonic),
        2 => Clock::ProcessCpu,
        3 => Clock::ThreadCpu,
        4 => Clock::Host(ClockId::MonotonicRaw),
        5 => Clock::Host(ClockId::RealtimeCoarse),
        6 => Clock::Host(ClockId::MonotonicCoarse),
        7 | 9 => Clock::Host(ClockId::Boottime),
        8 => Clock::Host(ClockId::RealtimeAlarm),
        11 => Clock::Tai,
        // `~pid << 3 | kind`; kind 3 with the thread bit is CLOCKFD, a
        // posix clock device, which the sandbox has none of.
        id if id < 0 && id & 3 < CPUCLOCK_MAX => Clock::Cpu {
            thread: id & CPUCLOCK_PERTHREAD != 0,
            pid: !(id >> 3),
        },
        _ => return Err(Errno::EINVAL),
    })
}

/// A duration as a `timespec`.
pub(super) fn to_ts(d: Duration) -> timespec {
    timespec {
        tv_sec: d.as_secs() as i64,
        tv_nsec: i64::from(d.subsec_nanos()),
    }
}

fn now(t: &Task, c: Clock) -> timespec {
    match c {
        Clock::Host(id) => crate::clock::gettime(id),
        Clock::Tai => crate::clock::gettime_tai(),
        Clock::ProcessCpu | Clock::ThreadCpu | Clock::Cpu { .. } => {
            to_ts(t.times.user + t.times.system)
        }
    }
}

/// `lookup_task` for a pid-named CPU clock: a thread clock names the
/// caller or a thread of its process, a process clock a process; anything
/// else is `EINVAL`. Returns whether the clock is the caller's own, the
/// only one whose time the Sentry can read.
fn cpu_clock_target(t: &Task, thread: bool, pid: i32) -> Result<bool, Errno> {
    if pid == 0 || (thread && pid == t.tid) || (!thread && pid == t.pid()) {
        return Ok(true);
    }
    let k = t.kernel().clone();
    let table = k.table();
    let found = if thread {
        table.pid_of(pid) == Some(t.pid())
    } else {
        table.groups.contains_key(&pid)
    };
    if found {
        Ok(false)
    } else {
        Err(Errno::EINVAL)
    }
}

/// Validates a `timespec` the application passed: `EINVAL` for negative
/// seconds or nanoseconds outside `[0, 1e9)`.
/// A relative time or timeout as a duration: `EINVAL` for a negative
/// second count or nanoseconds out of range.
pub fn valid(ts: &timespec) -> Result<Duration, Errno> {
    if ts.tv_sec < 0 || !(0..NSEC_PER_SEC).contains(&ts.tv_nsec) {
        return Err(Errno::EINVAL);
    }
    Ok(Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32))
}

/// `clock_gettime(2)`.
pub fn sys_clock_gettime(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let c = clock(a.i32(0))?;
    if let Clock::Cpu { thread, pid } = c {
        // Another task's CPU time is not visible to this task's Sentry
        // thread: EINVAL rather than a made-up value.
        if !cpu_clock_target(t, thread, pid)? {
            return Err(Errno::EINVAL);
        }
    }
    let ts = now(t, c);
    a.ptr::<timespec>(1).write(t.mem(), &ts)?;
    SysRet::ZERO
}

/// `clock_getres(2)`: the host's resolution; 1 ns for CPU clocks. A NULL
/// result pointer only validates the clock.
pub fn sys_clock_getres(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let c = clock(a.i32(0))?;
    if let Clock::Cpu { thread, pid } = c {
        cpu_clock_target(t, thread, pid)?;
    }
    let res = match c {
        Clock::Host(id) => {
            let r = rustix::time::clock_getres(id);
            timespec {
                tv_sec: r.tv_sec,
                tv_nsec: r.tv_nsec,
            }
        }
        _ => timespec {
            tv_sec: 0,
            tv_nsec: 1,
        },
    };
    let p = a.ptr::<timespec>(1);
    if !p.is_null() {
        p.write(t.mem(), &res)?;
    }
    SysRet::ZERO
}

/// `TIME_SETTOD_SEC_MAX`: the latest wall time Linux lets anyone set.
const TIME_SETTOD_SEC_MAX: i64 = (i64::MAX / 1_000_000_000) - 30 * 365 * 86_400;

/// `do_sys_settimeofday64` after the copies: `EINVAL` for a time outside
/// `timespec64_valid_settod`, `EPERM` without `CAP_SYS_TIME`, then
/// `EINVAL` for a time zone beyond 15 hours. Even the sandbox's root may
/// not move the wall clock, which follows the host's (as in gVisor): a
/// new time is `EPERM`; a time zone alone is accepted and, as Linux keeps
/// it only for `gettimeofday`'s legacy field, not kept.
fn settime(t: &Task, ts: Option<timespec>, tz: Option<timezone>) -> SysResult {
    if let Some(ts) = ts {
        if ts.tv_sec < 0
            || ts.tv_sec >= TIME_SETTOD_SEC_MAX
            || !(0..NSEC_PER_SEC).contains(&ts.tv_nsec)
        {
            return Err(Errno::EINVAL);
        }
    }
    if !t.creds.is_privileged() {
        return Err(Errno::EPERM);
    }
    if tz.is_some_and(|z| !(-15 * 60..=15 * 60).contains(&z.tz_minuteswest)) {
        return Err(Errno::EINVAL);
    }
    if ts.is_some() {
        return Err(Errno::EPERM);
    }
    SysRet::ZERO
}

/// `clock_settime(2)`: only `CLOCK_REALTIME` can be set (`EINVAL` for
/// the others, `EPERM` for CPU clocks, as Linux); see [`settime`].
pub fn sys_clock_settime(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let c = clock(a.i32(0))?;
    if c != Clock::Host(ClockId::Realtime) {
        return match c {
            Clock::ProcessCpu | Clock::ThreadCpu => Err(Errno::EPERM),
            Clock::Cpu { thread, pid } => {
                cpu_clock_target(t, thread, pid)?;
                Err(Errno::EPERM)
            }
            _ => Err(Errno::EINVAL),
        };
    }
    let ts = a.ptr::<timespec>(1).read(t.mem())?;
    settime(t, Some(ts), None)
}

/// `settimeofday(2)`: `EFAULT`, `EINVAL` for microseconds outside
/// `[0, 1e6]` before the common checks of [`settime`].
pub fn sys_settimeofday(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (tvp, tzp) = (a.ptr::<timeval>(0), a.ptr::<timezone>(1));
    let ts = if tvp.is_null() {
        None
    } else {
        let tv = tvp.read(t.mem())?;
        if !(0..=1_000_000).contains(&tv.tv_usec) {
            return Err(Errno::EINVAL);
        }
        Some(timespec {
            tv_sec: tv.tv_sec,
            tv_nsec: tv.tv_usec * 1000,
        })
    };
    let tz = if tzp.is_null() {
        None
    } else {
        Some(tzp.read(t.mem())?)
    };
    settime(t, ts, tz)
}

/// `gettimeofday(2)`: wall time; the time zone reads as UTC (Linux's
/// default `sys_tz`).
pub fn sys_gettimeofday(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let ts = now(t, Clock::Host(ClockId::Realtime));
    let (tvp, tzp) = (a.ptr::<timeval>(0), a.ptr::<timezone>(1));
    if !tvp.is_null() {
        tvp.write(
            t.mem(),
            &timeval {
                tv_sec: ts.tv_sec,
                tv_usec: ts.tv_nsec / 1000,
            },
        )?;
    }
    if !tzp.is_null() {
        tzp.write(t.mem(), &timezone::default())?;
    }
    SysRet::ZERO
}

/// `time(2)`: seconds since the epoch, also stored at `tloc` unless NULL.
pub fn sys_time(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let secs = now(t, Clock::Host(ClockId::Realtime)).tv_sec;
    let p = a.ptr::<i64>(0);
    if !p.is_null() {
        p.write(t.mem(), &secs)?;
    }
    Ok(SysRet::Value(secs as u64))
}

/// Sleeps until `deadline`, interruptibly: a signal ends the sleep with
/// the remaining time stored at `rem` (unless 0) and
/// `ERESTART_RESTARTBLOCK`, so that a restart (no handler ran) resumes the
/// same sleep through `restart_syscall(2)` and a handler sees `EINTR`.
pub fn sleep_until(t: &mut Task, deadline: Instant, rem: u64) -> SysResult {
    match t.block(Some(deadline), |_| None::<()>) {
        Ok(()) | Err(Errno::ETIMEDOUT) => SysRet::ZERO,
        Err(Errno::ERESTARTSYS) => {
            if rem != 0 {
                let left = deadline.saturating_duration_since(Instant::now());
                let ts = timespec {
                    tv_sec: left.as_secs() as i64,
                    tv_nsec: i64::from(left.subsec_nanos()),
                };
                a_write_rem(t, rem, &ts)?;
            }
            t.restart = Some(crate::restart::RestartBlock::Sleep { deadline, rem });
            Err(Errno::ERESTART_RESTARTBLOCK)
        }
        Err(e) => Err(e),
    }
}

fn a_write_rem(t: &mut Task, rem: u64, ts: &timespec) -> Result<(), Errno> {
    crate::usermem::UserPtr::<timespec>::new(rem).write(t.mem(), ts)
}

/// The instant `d` from now (far in the future if that overflows).
pub fn deadline_after(d: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(d)
        .unwrap_or_else(|| now + Duration::from_secs(100 * 365 * 86_400))
}

/// `nanosleep(2)`: interrupted by a signal, it stores the remaining time
/// in `rem` and fails with `EINTR` after a handler, or resumes.
pub fn sys_nanosleep(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let req = a.ptr::<timespec>(0).read(t.mem())?;
    let d = valid(&req)?;
    sleep_until(t, deadline_after(d), a.u64(1))
}

/// `clock_nanosleep(2)`: relative or `TIMER_ABSTIME` sleeps on the wall,
/// monotonic and boot clocks; CPU-time clocks give `EINVAL` (thread) or
/// `ENOTSUP` (process) as Linux does. Errors are returned, not `-errno`.
/// A signal interrupts it as `nanosleep`; an absolute sleep restarts
/// as is (`ERESTARTNOHAND`) and never writes `rem`.
pub fn sys_clock_nanosleep(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let c = clock(a.i32(0))?;
    let flags = a.u32(1);
    let req = a.ptr::<timespec>(2).read(t.mem())?;
    let d = valid(&req)?;
    match c {
        Clock::ThreadCpu | Clock::Cpu { thread: true, .. } => return Err(Errno::EINVAL),
        Clock::ProcessCpu | Clock::Cpu { thread: false, .. } => return Err(Errno::ENOTSUP),
        Clock::Host(ClockId::MonotonicRaw | ClockId::RealtimeCoarse | ClockId::MonotonicCoarse) => {
            return Err(Errno::ENOTSUP)
        }
        Clock::Host(_) | Clock::Tai => {}
    }
    if flags & TIMER_ABSTIME != 0 {
        let cur = now(t, c);
        let cur = Duration::new(
            cur.tv_sec.max(0) as u64,
            cur.tv_nsec.clamp(0, NSEC_PER_SEC - 1) as u32,
        );
        let deadline = deadline_after(d.saturating_sub(cur));
        match t.block(Some(deadline), |_| None::<()>) {
            Ok(()) | Err(Errno::ETIMEDOUT) => SysRet::ZERO,
            Err(Errno::ERESTARTSYS) => Err(Errno::ERESTARTNOHAND),
            Err(e) => Err(e),
        }
    } else {
        sleep_until(t, deadline_after(d), a.u64(3))
    }
}

/// `USER_HZ`: the unit of `times(2)`.
const USER_HZ: u128 = 100;

fn ticks(d: Duration) -> i64 {
    (d.as_millis() * USER_HZ / 1000) as i64
}

/// `times(2)`: the task's user and system time and those of its reaped
/// children, in clock ticks; returns ticks since the kernel started.
pub fn sys_times(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let p = a.ptr::<tms>(0);
    if !p.is_null() {
        let children = t.kernel().child_times(t.pid());
        let v = tms {
            tms_utime: ticks(t.times.user),
            tms_stime: ticks(t.times.system),
            tms_cutime: ticks(children.0),
            tms_cstime: ticks(children.1),
        };
        p.write(t.mem(), &v)?;
    }
    Ok(SysRet::Value(ticks(t.kernel().uptime()) as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_ids_and_timespec_validation() {
        assert_eq!(clock(0), Ok(Clock::Host(ClockId::Realtime)));
        assert_eq!(clock(2), Ok(Clock::ProcessCpu));
        assert_eq!(clock(10), Err(Errno::EINVAL));
        // MAKE_PROCESS_CPUCLOCK(0, SCHED) and MAKE_THREAD_CPUCLOCK(7, VIRT).
        assert_eq!(
            clock(-6),
            Ok(Clock::Cpu {
                thread: false,
                pid: 0
            })
        );
        assert_eq!(
            clock((!7 << 3) | 4 | 1),
            Ok(Clock::Cpu {
                thread: true,
                pid: 7
            })
        );
        // CLOCKFD (kind 3) and CPUCLOCK_MAX are not CPU clocks.
        assert_eq!(clock((!3 << 3) | 3), Err(Errno::EINVAL));
        assert_eq!(clock((!3 << 3) | 7), Err(Errno::EINVAL));
        assert_eq!(
            valid(&timespec {
                tv_sec: 1,
                tv_nsec: 5
            }),
            Ok(Duration::new(1, 5))
        );
        assert_eq!(
            valid(&timespec {
                tv_sec: -1,
                tv_nsec: 0
            }),
            Err(Errno::EINVAL)
        );
        assert_eq!(
            valid(&timespec {
                tv_sec: 0,
                tv_nsec: NSEC_PER_SEC
            }),
            Err(Errno::EINVAL)
        );
    }
}
