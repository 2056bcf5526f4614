//! Process and user identity: `getpid(2)`, `getuid(2)`, `getresuid(2)`,
//! `getgroups(2)`, the `set*id(2)` family and `setgroups(2)` (rules in
//! [`crate::creds`]), process groups and sessions, `uname(2)`.

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

/// `setresuid(2)`.
pub fn sys_setresuid(t: &mut Task, a: &SyscallArgs) -> SysResult {
    t.creds.setresuid(a.u32(0), a.u32(1), a.u32(2))?;
    t.publish();
    SysRet::ZERO
}

/// `setresgid(2)`.
pub fn sys_setresgid(t: &mut Task, a: &SyscallArgs) -> SysResult {
    t.creds.setresgid(a.u32(0), a.u32(1), a.u32(2))?;
    t.publish();
    SysRet::ZERO
}

/// `setreuid(2)`.
pub fn sys_setreuid(t: &mut Task, a: &SyscallArgs) -> SysResult {
    t.creds.setreuid(a.u32(0), a.u32(1))?;
    t.publish();
    SysRet::ZERO
}

/// `setregid(2)`.
pub fn sys_setregid(t: &mut Task, a: &SyscallArgs) -> SysResult {
    t.creds.setregid(a.u32(0), a.u32(1))?;
    t.publish();
    SysRet::ZERO
}

/// `setuid(2)`.
pub fn sys_setuid(t: &mut Task, a: &SyscallArgs) -> SysResult {
    t.creds.setuid(a.u32(0))?;
    t.publish();
    SysRet::ZERO
}

/// `setgid(2)`.
pub fn sys_setgid(t: &mut Task, a: &SyscallArgs) -> SysResult {
    t.creds.setgid(a.u32(0))?;
    t.publish();
    SysRet::ZERO
}

/// `setfsuid(2)`: the previous filesystem uid, whether or not it changed.
pub fn sys_setfsuid(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let old = t.creds.setfsuid(a.u32(0));
    t.publish();
    val(old)
}

/// `setfsgid(2)`: the previous filesystem gid, whether or not it changed.
pub fn sys_setfsgid(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let old = t.creds.setfsgid(a.u32(0));
    t.publish();
    val(old)
}

/// `setgroups(2)`: `EPERM` unprivileged, `EINVAL` for a size over
/// `NGROUPS_MAX` (a negative `int` included), `EFAULT` for a bad list.
pub fn sys_setgroups(t: &mut Task, a: &SyscallArgs) -> SysResult {
    // Linux compares `(unsigned)gidsetsize`, so a negative size is huge.
    let size = a.u32(0) as usize;
    t.creds.may_setgroups(size)?;
    let list = a.ptr::<u32>(1);
    let mut groups = Vec::with_capacity(size);
    for i in 0..size {
        groups.push(list.index(i as u64)?.read(t.mem())?);
    }
    t.creds.setgroups(groups)?;
    t.publish();
    SysRet::ZERO
}

/// Only the caller's own process exists in this PID namespace view.
/// The thread group of process `pid` (0: the caller's), or `ESRCH`.
fn group_of(
    t: &Task,
    pid: i32,
) -> Result<std::sync::Arc<std::sync::Mutex<crate::task::ThreadGroup>>, Errno> {
    if pid == 0 {
        return Ok(t.tg.clone());
    }
    if pid < 0 {
        return Err(Errno::ESRCH);
    }
    let k = t.kernel().clone();
    let table = k.table();
    let p = table.pid_of(pid).ok_or(Errno::ESRCH)?;
    table
        .groups
        .get(&p)
        .map(|g| g.tg.clone())
        .ok_or(Errno::ESRCH)
}

fn ids(tg: &std::sync::Mutex<crate::task::ThreadGroup>) -> (i32, i32, i32) {
    let g = match tg.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    };
    (g.pid, g.pgid, g.sid)
}

/// `getpgrp(2)`.
pub fn sys_getpgrp(t: &mut Task, _a: &SyscallArgs) -> SysResult {
    val(t.tg().pgid)
}

/// `getpgid(2)`: `ESRCH` for a process that does not exist.
pub fn sys_getpgid(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let g = group_of(t, a.i32(0))?;
    val(ids(&g).1)
}

/// `getsid(2)`: `ESRCH` for a process that does not exist.
pub fn sys_getsid(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let g = group_of(t, a.i32(0))?;
    val(ids(&g).2)
}

/// `setpgid(2)`: the caller or one of its children (`ESRCH` otherwise)
/// joins or creates a process group. `EINVAL` for a negative group,
/// `EACCES` for a child that has exec'd, `EPERM` for a session leader, a
/// child in another session, or a group that does not exist in the
/// caller's session.
pub fn sys_setpgid(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (pid, pgid) = (a.i32(0), a.i32(1));
    if pgid < 0 {
        return Err(Errno::EINVAL);
    }
    let me = t.pid();
    let my_sid = t.tg().sid;
    let k = t.kernel().clone();
    let table = k.table();
    let target = if pid == 0 { me } else { pid };
    let entry = table.groups.get(&target).ok_or(Errno::ESRCH)?;
    if target != me {
        if entry.parent != me || entry.zombie.is_some() {
            return Err(Errno::ESRCH);
        }
        if entry.execed {
            return Err(Errno::EACCES);
        }
    }
    let (tpid, _, tsid) = ids(&entry.tg);
    let pgid = if pgid == 0 { tpid } else { pgid };
    if tsid == tpid || tsid != my_sid {
        return Err(Errno::EPERM);
    }
    if pgid != tpid {
        let exists = table.groups.values().any(|g| {
            let (_, gp, gs) = ids(&g.tg);
            g.zombie.is_none() && gp == pgid && gs == my_sid
        });
        if !exists {
            return Err(Errno::EPERM);
        }
    }
    let mut g = match entry.tg.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    };
    g.pgid = pgid;
    SysRet::ZERO
}

/// `setsid(2)`: `EPERM` when a process group with the caller's pid exists
/// (the caller leads one).
pub fn sys_setsid(t: &mut Task, _a: &SyscallArgs) -> SysResult {
    let me = t.pid();
    let k = t.kernel().clone();
    let table = k.table();
    if table.groups.values().any(|g| ids(&g.tg).1 == me) {
        return Err(Errno::EPERM);
    }
    let mut tg = t.tg();
    tg.sid = me;
    tg.pgid = me;
    val(me)
}

fn field(dst: &mut [u8; 65], s: &str) {
    let n = s.len().min(64);
    dst[..n].copy_from_slice(&s.as_bytes()[..n]);
}

/// `uname(2)`: Linux, our host name, the configured release and version,
/// `x86_64`, and the NIS domain (`(none)` until set, as Linux shows it).
pub fn sys_uname(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let k = t.kernel().clone();
    let mut u = new_utsname::default();
    field(&mut u.sysname, "Linux");
    field(&mut u.nodename, &k.hostname());
    field(&mut u.release, &k.config().release);
    field(&mut u.version, &k.config().version);
    field(&mut u.machine, "x86_64");
    field(&mut u.domainname, &k.domainname());
    a.ptr::<new_utsname>(0).write(t.mem(), &u)?;
    SysRet::ZERO
}

/// `sethostname(2)` and `setdomainname(2)`: `EPERM` without
/// `CAP_SYS_ADMIN`, `EINVAL` for a length outside `[0, 64]`, `EFAULT`.
/// The name is kept as UTF-8 (invalid bytes become U+FFFD).
fn set_uts(t: &mut Task, a: &SyscallArgs, which: crate::uts::UtsName) -> SysResult {
    if !t.creds.is_privileged() {
        return Err(Errno::EPERM);
    }
    let len = usize::try_from(a.i32(1))
        .ok()
        .filter(|n| *n <= crate::uts::NEW_UTS_LEN)
        .ok_or(Errno::EINVAL)?;
    let mut buf = vec![0u8; len];
    a.slice(0, 1).read_prefix(t.mem(), &mut buf)?;
    let name = String::from_utf8_lossy(&buf).into_owned();
    t.kernel().set_uts_name(which, name);
    SysRet::ZERO
}

/// `sethostname(2)`.
pub fn sys_sethostname(t: &mut Task, a: &SyscallArgs) -> SysResult {
    set_uts(t, a, crate::uts::UtsName::Host)
}

/// `setdomainname(2)`.
pub fn sys_setdomainname(t: &mut Task, a: &SyscallArgs) -> SysResult {
    set_uts(t, a, crate::uts::UtsName::Domain)
}
