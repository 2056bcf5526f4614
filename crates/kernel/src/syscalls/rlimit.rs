//! Resource limits and usage: `getrlimit(2)`, `setrlimit(2)`,
//! `prlimit64(2)`, `getrusage(2)`, `sysinfo(2)`.

use abi::resource::{rlimit64, rusage, RUSAGE_CHILDREN, RUSAGE_SELF, RUSAGE_THREAD};
use abi::sysinfo::sysinfo;
use abi::time::timeval;
use abi::Errno;

use super::{SysResult, SysRet, SyscallArgs};
use crate::limits::{Rlimits, RLIMIT_AS, RLIMIT_DATA, RLIMIT_STACK};
use crate::task::Task;

fn privileged(t: &Task) -> bool {
    t.creds.euid == 0
}

/// Applies limits mm enforces itself after a change.
fn push_mm_limits(t: &mut Task) {
    let r = t.tg().rlimits.clone();
    let mut l = t.mem.mm().limits();
    l.address_space = r.get(RLIMIT_AS).rlim_cur;
    l.data = r.get(RLIMIT_DATA).rlim_cur;
    l.stack = r.get(RLIMIT_STACK).rlim_cur;
    t.mem.mm().set_limits(l);
}

fn prlimit(t: &mut Task, resource: u32, new: Option<rlimit64>) -> Result<rlimit64, Errno> {
    Rlimits::check_resource(resource)?;
    let p = privileged(t);
    let old = match new {
        Some(n) => t.tg().rlimits.set(resource, n, p)?,
        None => t.tg().rlimits.get(resource),
    };
    if new.is_some() {
        push_mm_limits(t);
    }
    Ok(old)
}

/// `getrlimit(2)`.
pub fn sys_getrlimit(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let old = prlimit(t, a.u32(0), None)?;
    a.ptr::<rlimit64>(1).write(t.mem(), &old)?;
    SysRet::ZERO
}

/// `setrlimit(2)`.
pub fn sys_setrlimit(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let new = a.ptr::<rlimit64>(1).read(t.mem())?;
    prlimit(t, a.u32(0), Some(new))?;
    SysRet::ZERO
}

/// `prlimit64(2)`: get and/or set a limit of the caller (pid 0 or its own
/// pid; `ESRCH` for any other process).
pub fn sys_prlimit64(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let pid = a.i32(0);
    if pid != 0 && pid != t.pid() {
        return Err(Errno::ESRCH);
    }
    let (new_p, old_p) = (a.ptr::<rlimit64>(2), a.ptr::<rlimit64>(3));
    let new = if new_p.is_null() {
        None
    } else {
        Some(new_p.read(t.mem())?)
    };
    let old = prlimit(t, a.u32(1), new)?;
    if !old_p.is_null() {
        old_p.write(t.mem(), &old)?;
    }
    SysRet::ZERO
}

fn tv(d: std::time::Duration) -> timeval {
    timeval {
        tv_sec: d.as_secs() as i64,
        tv_usec: i64::from(d.subsec_micros()),
    }
}

/// `getrusage(2)`: user time is the time the thread spent running in its
/// stub, system time the time the Sentry spent serving it; the peak resident
/// set is the address space's populated bytes. Children: the times of the
/// reaped ones.
pub fn sys_getrusage(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let who = a.i32(0);
    let mut ru = rusage::default();
    match who {
        RUSAGE_SELF | RUSAGE_THREAD => {
            ru.ru_utime = tv(t.times.user);
            ru.ru_stime = tv(t.times.system);
            ru.ru_maxrss = (t.times.max_rss.max(t.mem.mm().resident_bytes()) / 1024) as i64;
        }
        RUSAGE_CHILDREN => {
            let (user, system) = t.kernel().child_times(t.pid());
            ru.ru_utime = tv(user);
            ru.ru_stime = tv(system);
            ru.ru_maxrss = (t.kernel().child_max_rss(t.pid()) / 1024) as i64;
        }
        _ => return Err(Errno::EINVAL),
    }
    a.ptr::<rusage>(1).write(t.mem(), &ru)?;
    SysRet::ZERO
}

/// `sysinfo(2)`: uptime, the memory the kernel may hand out and what is in
/// use, and the number of processes. Load averages are not tracked and
/// read as 0, as gVisor reports them.
pub fn sys_sysinfo(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let k = t.kernel().clone();
    let total = k.config().memory_limit;
    let used = k.frames().in_use().saturating_mul(mm::PAGE_SIZE);
    let info = sysinfo {
        uptime: k.uptime().as_secs() as i64,
        totalram: total,
        freeram: total.saturating_sub(used),
        procs: 1,
        mem_unit: 1,
        ..sysinfo::default()
    };
    a.ptr::<sysinfo>(0).write(t.mem(), &info)?;
    SysRet::ZERO
}
