//! Scheduling queries: `sched_getscheduler(2)`, `sched_getparam(2)`,
//! `sched_get_priority_max(2)`, `sched_get_priority_min(2)`,
//! `getpriority(2)`, `setpriority(2)`. Every task runs under `SCHED_OTHER`
//! at nice 0 on the host's scheduler; lowering priority is accepted.

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

/// `sched_getscheduler(2)`.
pub fn sys_sched_getscheduler(t: &mut Task, a: &SyscallArgs) -> SysResult {
    own(t, a.i32(0))?;
    Ok(SysRet::Value(SCHED_OTHER as u64))
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
