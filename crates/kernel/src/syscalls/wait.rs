//! Waiting for children: `wait4(2)`, `waitid(2)`: exits, and with
//! `WUNTRACED`/`WSTOPPED` and `WCONTINUED` stops and continues
//! ([`crate::jobctl`]).

use abi::resource::rusage;
use abi::signal::siginfo_t;
use abi::time::timeval;
use abi::wait::{WaitOptions, P_ALL, P_PGID, P_PID, P_PIDFD};
use abi::Errno;

use super::{SysResult, SysRet, SyscallArgs};
use crate::task::Task;
use crate::tasks::{chld_info, WaitResult, WaitSelector};

fn tv(d: std::time::Duration) -> timeval {
    timeval {
        tv_sec: d.as_secs() as i64,
        tv_usec: i64::from(d.subsec_micros()),
    }
}

/// The `rusage` a wait reports for the child it found.
fn usage_of(r: &WaitResult) -> rusage {
    rusage {
        ru_utime: tv(r.times.0),
        ru_stime: tv(r.times.1),
        ru_maxrss: (r.max_rss / 1024) as i64,
        ..rusage::default()
    }
}

/// The options `wait4` accepts (`waitid` adds `WEXITED` and `WNOWAIT`).
const WAIT4_OPTIONS: WaitOptions = WaitOptions::WNOHANG
    .union(WaitOptions::WUNTRACED)
    .union(WaitOptions::WCONTINUED)
    .union(WaitOptions::__WNOTHREAD)
    .union(WaitOptions::__WALL)
    .union(WaitOptions::__WCLONE);

/// Decodes an options word: `EINVAL` for bits outside `allowed`.
fn options(raw: u32, allowed: WaitOptions) -> Result<WaitOptions, Errno> {
    WaitOptions::from_bits(raw)
        .filter(|o| allowed.contains(*o))
        .ok_or(Errno::EINVAL)
}

/// One wait: `None` with `WNOHANG` when no selected child has ended.
fn do_wait(
    t: &mut Task,
    sel: WaitSelector,
    opts: WaitOptions,
) -> Result<Option<WaitResult>, Errno> {
    let pid = t.pid();
    let r = t.block(None, |t| {
        match t.kernel().table().try_wait(pid, sel, opts) {
            Ok(None) if !opts.contains(WaitOptions::WNOHANG) => None,
            other => Some(other),
        }
    })?;
    r
}

/// `wait4(2)`: pid > 0 one child, 0 the caller's process group, -1 any,
/// < -1 the group `-pid`. Blocks until a selected child ends (`WNOHANG`:
/// returns 0), interrupted by signals (restarted per `SA_RESTART`).
pub fn sys_wait4(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (pid, statusp, opts, rup) = (a.i32(0), a.ptr::<i32>(1), a.u32(2), a.ptr::<rusage>(3));
    let opts = options(opts, WAIT4_OPTIONS)?;
    let sel = match pid {
        i32::MIN => return Err(Errno::ESRCH),
        -1 => WaitSelector::Any,
        0 => WaitSelector::Pgid(t.tg().pgid),
        p if p < 0 => WaitSelector::Pgid(-p),
        p => WaitSelector::Pid(p),
    };
    let Some(r) = do_wait(t, sel, opts | WaitOptions::WEXITED)? else {
        return SysRet::ZERO;
    };
    if !statusp.is_null() {
        statusp.write(t.mem(), &r.event.wait_status())?;
    }
    if !rup.is_null() {
        rup.write(t.mem(), &usage_of(&r))?;
    }
    Ok(SysRet::Value(r.pid as u64))
}

/// `waitid(2)`: `P_ALL`, `P_PID`, `P_PGID` (id 0: the caller's group),
/// `P_PIDFD` (`EBADF` for a descriptor that is not a pidfd). One of `WEXITED`, `WSTOPPED`,
/// `WCONTINUED` is required. With `WNOHANG` and nothing to report, the
/// `siginfo_t` is zeroed and 0 returned.
pub fn sys_waitid(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (idtype, id, infop, opts, rup) = (
        a.u32(0),
        a.i32(1),
        a.ptr::<siginfo_t>(2),
        a.u32(3),
        a.ptr::<rusage>(4),
    );
    let opts = options(
        opts,
        WAIT4_OPTIONS | WaitOptions::WEXITED | WaitOptions::WNOWAIT,
    )?;
    if !opts.intersects(WaitOptions::WEXITED | WaitOptions::WSTOPPED | WaitOptions::WCONTINUED) {
        return Err(Errno::EINVAL);
    }
    let sel = match idtype {
        P_ALL => WaitSelector::Any,
        P_PID if id > 0 => WaitSelector::Pid(id),
        P_PGID if id == 0 => WaitSelector::Pgid(t.tg().pgid),
        P_PGID if id > 0 => WaitSelector::Pgid(id),
        P_PIDFD => WaitSelector::Pid(crate::pidfd::pid_of(&*t.file(id)?)?),
        _ => return Err(Errno::EINVAL),
    };
    let r = match do_wait(t, sel, opts) {
        Ok(r) => r,
        Err(e) if e.is_restart() || infop.is_null() => return Err(e),
        Err(e) => {
            // Linux clears the caller's siginfo_t even when it fails, and
            // a fault doing so is the error reported.
            infop.write(t.mem(), &siginfo_t::default())?;
            return Err(e);
        }
    };
    if !infop.is_null() {
        let info = match r {
            Some(r) => chld_info(r.pid, r.uid, r.event, r.times),
            None => siginfo_t::default(),
        };
        infop.write(t.mem(), &info)?;
    }
    if !rup.is_null() {
        let ru = r.as_ref().map_or_else(rusage::default, usage_of);
        rup.write(t.mem(), &ru)?;
    }
    SysRet::ZERO
}
