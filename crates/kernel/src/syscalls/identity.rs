//! Process and user identity: `getpid(2)`, `getuid(2)`, `getresuid(2)`,
//! `getgroups(2)`, process groups and sessions, `uname(2)`.

use abi::utsname::new_utsname;
use abi::Errno;

use super::{SysResult, SysRet, SyscallArgs};
use crate::task::Task;

fn val(v: impl Into<i64>) -> SysResult {
    Ok(SysRet::Value(v.into() as u64))
}

/// `getpid(2)`: the thread group id.
pub fn sys_getpid(t: &mut Task, _a: &SyscallArgs) -> SysResult {
    val(t.pid())
}

/// `getppid(2)`: the parent's process id.
pub fn sys_getppid(t: &mut Task, _a: &SyscallArgs) -> SysResult {
    val(t.tg().ppid)
}

/// `gettid(2)`: the thread id.
pub fn sys_gettid(t: &mut Task, _a: &SyscallArgs) -> SysResult {
    val(t.tid)
}

/// `getuid(2)`.
pub fn sys_getuid(t: &mut Task, _a: &SyscallArgs) -> SysResult {
    val(t.creds.uid)
}

/// `geteuid(2)`.
pub fn sys_geteuid(t: &mut Task, _a: &SyscallArgs) -> SysResult {
    val(t.creds.euid)
}

/// `getgid(2)`.
pub fn sys_getgid(t: &mut Task, _a: &SyscallArgs) -> SysResult {
    val(t.creds.gid)
}

/// `getegid(2)`.
pub fn sys_getegid(t: &mut Task, _a: &SyscallArgs) -> SysResult {
    val(t.creds.egid)
}

fn write_three(t: &mut Task, a: &SyscallArgs, ids: [u32; 3]) -> SysResult {
    for (i, id) in ids.iter().enumerate() {
        a.ptr::<u32>(i).write(t.mem(), id)?;
    }
    SysRet::ZERO
}

/// `getresuid(2)`: real, effective and saved user ids.
pub fn sys_getresuid(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let ids = [t.creds.uid, t.creds.euid, t.creds.suid];
    write_three(t, a, ids)
}

/// `getresgid(2)`: real, effective and saved group ids.
pub fn sys_getresgid(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let ids = [t.creds.gid, t.creds.egid, t.creds.sgid];
    write_three(t, a, ids)
}

/// `getgroups(2)`: with size 0 the count, else the list (`EINVAL` if it
/// does not fit or size is negative).
pub fn sys_getgroups(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let size = a.i32(0);
    let groups = t.creds.groups.clone();
    if size < 0 {
        return Err(Errno::EINVAL);
    }
    if size == 0 {
        return val(groups.len() as i64);
    }
    if (size as usize) < groups.len() {
        return Err(Errno::EINVAL);
    }
    let list = a.ptr::<u32>(1);
    for (i, g) in groups.iter().enumerate() {
        list.index(i as u64)?.write(t.mem(), g)?;
    }
    val(groups.len() as i64)
}

/// Only the caller's own process exists in this PID namespace view.
fn own_pid(t: &Task, pid: i32) -> Result<(), Errno> {
    if pid == 0 || pid == t.pid() {
        Ok(())
    } else if pid < 0 {
        Err(Errno::EINVAL)
    } else {
        Err(Errno::ESRCH)
    }
}

/// `getpgrp(2)`.
pub fn sys_getpgrp(t: &mut Task, _a: &SyscallArgs) -> SysResult {
    val(t.tg().pgid)
}

/// `getpgid(2)`: `ESRCH` for a process that does not exist.
pub fn sys_getpgid(t: &mut Task, a: &SyscallArgs) -> SysResult {
    own_pid(t, a.i32(0)).map_err(|_| Errno::ESRCH)?;
    val(t.tg().pgid)
}

/// `getsid(2)`.
pub fn sys_getsid(t: &mut Task, a: &SyscallArgs) -> SysResult {
    own_pid(t, a.i32(0)).map_err(|_| Errno::ESRCH)?;
    val(t.tg().sid)
}

/// `setpgid(2)`: a process may make itself a group leader or stay in its
/// group; a session leader may not move (`EPERM`).
pub fn sys_setpgid(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (pid, pgid) = (a.i32(0), a.i32(1));
    own_pid(t, pid)?;
    if pgid < 0 {
        return Err(Errno::EINVAL);
    }
    let mut tg = t.tg();
    let target = if pgid == 0 { tg.pid } else { pgid };
    if tg.sid == tg.pid {
        return Err(Errno::EPERM);
    }
    if target != tg.pid && target != tg.pgid {
        return Err(Errno::EPERM);
    }
    tg.pgid = target;
    SysRet::ZERO
}

/// `setsid(2)`: `EPERM` for a process-group leader.
pub fn sys_setsid(t: &mut Task, _a: &SyscallArgs) -> SysResult {
    let mut tg = t.tg();
    if tg.pgid == tg.pid {
        return Err(Errno::EPERM);
    }
    tg.sid = tg.pid;
    tg.pgid = tg.pid;
    val(tg.pid)
}

fn field(dst: &mut [u8; 65], s: &str) {
    let n = s.len().min(64);
    dst[..n].copy_from_slice(&s.as_bytes()[..n]);
}

/// `uname(2)`: Linux, our host name, the configured release and version,
/// `x86_64`, and `(none)` for the NIS domain as Linux shows it.
pub fn sys_uname(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let k = t.kernel().clone();
    let mut u = new_utsname::default();
    field(&mut u.sysname, "Linux");
    field(&mut u.nodename, &k.hostname());
    field(&mut u.release, &k.config().release);
    field(&mut u.version, &k.config().version);
    field(&mut u.machine, "x86_64");
    field(&mut u.domainname, "(none)");
    a.ptr::<new_utsname>(0).write(t.mem(), &u)?;
    SysRet::ZERO
}
