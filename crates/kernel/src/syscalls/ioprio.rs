//! I/O priorities: `ioprio_get(2)` and `ioprio_set(2)`.
//!
//! A thread's priority is recorded (inherited by children, 0 = none set,
//! as Linux reports it) with Linux's class and level checks. The Sentry
//! does the host I/O itself, so the value does not reorder any I/O. Only
//! the caller can be named (`IOPRIO_WHO_PROCESS` with 0 or its own id):
//! another thread, a process group or a user gives `EINVAL`, because the
//! Sentry cannot reach another task's settings from this one.

use abi::Errno;

use super::{SysResult, SysRet, SyscallArgs};
use crate::task::Task;

const IOPRIO_WHO_PROCESS: i32 = 1;
const IOPRIO_CLASS_SHIFT: u32 = 13;
const IOPRIO_CLASS_NONE: u32 = 0;
const IOPRIO_CLASS_RT: u32 = 1;
const IOPRIO_CLASS_BE: u32 = 2;
const IOPRIO_CLASS_IDLE: u32 = 3;
/// `IOPRIO_NR_LEVELS`.
const IOPRIO_NR_LEVELS: u32 = 8;
/// `IOPRIO_LEVEL_MASK`.
const IOPRIO_LEVEL_MASK: u32 = 7;

/// `ioprio_check_cap`: `EINVAL` for an unknown class or a level out of
/// range, `EPERM` for the real-time class without `CAP_SYS_NICE`.
fn check(t: &Task, ioprio: u32) -> Result<(), Errno> {
    let class = (ioprio >> IOPRIO_CLASS_SHIFT) & 7;
    let level = ioprio & IOPRIO_LEVEL_MASK;
    match class {
        IOPRIO_CLASS_RT if !t.creds.is_privileged() => Err(Errno::EPERM),
        IOPRIO_CLASS_RT | IOPRIO_CLASS_BE if level >= IOPRIO_NR_LEVELS => Err(Errno::EINVAL),
        IOPRIO_CLASS_RT | IOPRIO_CLASS_BE | IOPRIO_CLASS_IDLE => Ok(()),
        IOPRIO_CLASS_NONE if level == 0 => Ok(()),
        _ => Err(Errno::EINVAL),
    }
}

/// Whether `(which, who)` names the caller: `EINVAL` for an unknown
/// `which`, `ESRCH` for a task that does not exist, `EINVAL` for one that
/// is not the caller (see the module doc).
fn target_is_self(t: &Task, which: i32, who: i32) -> Result<(), Errno> {
    // IOPRIO_WHO_PGRP (2) and IOPRIO_WHO_USER (3) are not served.
    if which != IOPRIO_WHO_PROCESS {
        return Err(Errno::EINVAL);
    }
    if who == 0 || who == t.tid {
        return Ok(());
    }
    let k = t.kernel().clone();
    let table = k.table();
    if table.pid_of(who).is_none() {
        return Err(Errno::ESRCH);
    }
    Err(Errno::EINVAL)
}

/// `ioprio_get(2)`.
pub fn sys_ioprio_get(t: &mut Task, a: &SyscallArgs) -> SysResult {
    target_is_self(t, a.i32(0), a.i32(1))?;
    Ok(SysRet::Value(u64::from(t.prctl.ioprio)))
}

/// `ioprio_set(2)`: the priority is checked before the target, as Linux
/// does.
pub fn sys_ioprio_set(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let ioprio = a.u32(2) & 0xffff;
    check(t, ioprio)?;
    target_is_self(t, a.i32(0), a.i32(1))?;
    t.prctl.ioprio = ioprio;
    SysRet::ZERO
}
