//! Scheduling: `sched_getscheduler(2)`, `sched_setscheduler(2)`,
//! `sched_getparam(2)`, `sched_setparam(2)`, `sched_get_priority_max(2)`,
//! `sched_get_priority_min(2)`, `getpriority(2)`, `setpriority(2)`.
//!
//! Every thread runs on the host's scheduler as the Sentry placed it. The
//! normal policies (`SCHED_OTHER`, `SCHED_BATCH`, `SCHED_IDLE`) and the
//! nice value are recorded per thread and reported back, not applied to
//! the host; the real-time and deadline policies are refused with
//! `EPERM`, as in a container without `CAP_SYS_NICE`. Setting the policy
//! of another thread is `EINVAL` (its settings are out of this thread's
//! reach), and queries about one report the defaults.

use abi::Errno;

use super::{SysResult, SysRet, SyscallArgs};
use crate::task::Task;

const SCHED_OTHER: i32 = 0;
const SCHED_FIFO: i32 = 1;
const SCHED_RR: i32 = 2;
const SCHED_BATCH: i32 = 3;
const SCHED_IDLE: i32 = 5;
const SCHED_DEADLINE: i32 = 6;

fn own(t: &Task, pid: i32) -> Result<(), Errno> {
    match pid {
        p if p < 0 => Err(Errno::EINVAL),
        0 => Ok(()),
        p if p == t.tid || t.kernel().table().tasks.contains_key(&p) => Ok(()),
        _ => Err(Errno::ESRCH),
    }
}

/// Whether `pid` (already checked by [`own`]) is the caller.
fn is_self(t: &Task, pid: i32) -> bool {
    pid == 0 || pid == t.tid
}

/// `sched_getscheduler(2)`.
pub fn sys_sched_getscheduler(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let pid = a.i32(0);
    own(t, pid)?;
    let policy = if is_self(t, pid) {
        t.prctl.sched_policy
    } else {
        SCHED_OTHER
    };
    Ok(SysRet::Value(policy as u64))
}

/// `SCHED_RESET_ON_FORK`, accepted with any policy.
const SCHED_RESET_ON_FORK: i32 = 0x4000_0000;

/// `__sched_setscheduler`'s checks for the caller: `EINVAL` for an
/// unknown policy or a priority that does not fit it (1..99 for the
/// real-time ones, 0 otherwise), `EPERM` for the real-time and deadline
/// policies (see the module doc). `policy` -1 keeps the current one
/// (`sched_setparam`).
fn setscheduler(t: &mut Task, pid: i32, policy: i32, param: u64) -> SysResult {
    if param == 0 || pid < 0 {
        return Err(Errno::EINVAL);
    }
    let prio = crate::usermem::UserPtr::<i32>::new(param).read(t.mem())?;
    own(t, pid)?;
    let policy = match policy {
        -1 => t.prctl.sched_policy,
        p => p & !SCHED_RESET_ON_FORK,
    };
    let (min, max) = priority_range(policy)?;
    if !(min as i64..=max as i64).contains(&i64::from(prio)) {
        return Err(Errno::EINVAL);
    }
    if !is_self(t, pid) {
        return Err(Errno::EINVAL);
    }
    match policy {
        SCHED_OTHER | SCHED_BATCH | SCHED_IDLE => {
            t.prctl.sched_policy = policy;
            SysRet::ZERO
        }
        // Deadline parameters only come through sched_setattr.
        SCHED_DEADLINE => Err(Errno::EINVAL),
        _ => Err(Errno::EPERM),
    }
}

/// `sched_setscheduler(2)`.
pub fn sys_sched_setscheduler(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let policy = a.i32(1);
    if policy < 0 {
        return Err(Errno::EINVAL);
    }
    setscheduler(t, a.i32(0), policy, a.u64(2))
}

/// `sched_setparam(2)`: the priority under the current policy.
pub fn sys_sched_setparam(t: &mut Task, a: &SyscallArgs) -> SysResult {
    setscheduler(t, a.i32(0), -1, a.u64(1))
}

/// `sched_getparam(2)`: priority 0.
pub fn sys_sched_getparam(t: &mut Task, a: &SyscallArgs) -> SysResult {
    own(t, a.i32(0))?;
    a.ptr::<i32>(1).write(t.mem(), &0)?;
    SysRet::ZERO
}

fn priority_range(policy: i32) -> Result<(u64, u64), Errno> {
    match policy {
        SCHED_FIFO | SCHED_RR => Ok((1, 99)),
        SCHED_OTHER | SCHED_BATCH | SCHED_IDLE | SCHED_DEADLINE => Ok((0, 0)),
        _ => Err(Errno::EINVAL),
    }
}

/// `sched_get_priority_max(2)`.
pub fn sys_sched_get_priority_max(_t: &mut Task, a: &SyscallArgs) -> SysResult {
    Ok(SysRet::Value(priority_range(a.i32(0))?.1))
}

/// `sched_get_priority_min(2)`.
pub fn sys_sched_get_priority_min(_t: &mut Task, a: &SyscallArgs) -> SysResult {
    Ok(SysRet::Value(priority_range(a.i32(0))?.0))
}

/// `getpriority(2)`: the raw syscall returns `20 - nice`.
pub fn sys_getpriority(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (which, who) = (a.i32(0), a.i32(1));
    if !(0..=2).contains(&which) {
        return Err(Errno::EINVAL);
    }
    let ok = match which {
        0 => who == 0 || who == t.pid() || who == t.tid,
        1 => who == 0 || who == t.tg().pgid,
        _ => who == 0 || who as u32 == t.creds.uid,
    };
    if !ok {
        return Err(Errno::ESRCH);
    }
    Ok(SysRet::Value((20 - i64::from(t.prctl.nice)) as u64))
}

/// `setpriority(2)`: raising the nice value is allowed; lowering it needs
/// `CAP_SYS_NICE` (root here). The value is recorded, the host scheduler
/// is not told.
pub fn sys_setpriority(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (which, who, prio) = (a.i32(0), a.i32(1), a.i32(2));
    if !(0..=2).contains(&which) {
        return Err(Errno::EINVAL);
    }
    if which == 0 && who != 0 && who != t.pid() && who != t.tid {
        return Err(Errno::ESRCH);
    }
    let nice = prio.clamp(-20, 19);
    if nice < t.prctl.nice && t.creds.euid != 0 {
        return Err(Errno::EACCES);
    }
    t.prctl.nice = nice;
    SysRet::ZERO
}
