//! Process file descriptors: `pidfd_open(2)`, `pidfd_send_signal(2)`.

use std::sync::Arc;

use abi::signal::{siginfo_t, valid_signal, SI_TKILL, SI_USER};
use abi::Errno;

use super::{SysResult, SysRet, SyscallArgs};
use crate::pidfd::new_pidfd;
use crate::task::Task;

/// `PIDFD_NONBLOCK` (`O_NONBLOCK`).
const PIDFD_NONBLOCK: u32 = 0o4000;

/// Opens a pidfd for process `pid` in `t`'s table (close-on-exec, as
/// every pidfd) and returns its descriptor.
pub fn open_pidfd(t: &mut Task, pid: i32, nonblock: bool) -> Result<i32, Errno> {
    let notice = {
        let k = t.kernel().clone();
        let table = k.table();
        table
            .groups
            .get(&pid)
            .map(|g| g.exit_notice.clone())
            .ok_or(Errno::ESRCH)?
    };
    let file = new_pidfd(pid, notice, nonblock)?;
    let limit = t.nofile();
    t.fds.insert(Arc::new(file), true, limit)
}

/// `pidfd_open(2)`: `EINVAL` for a non-positive pid or unknown flags
/// (`PIDFD_THREAD` is not implemented), `ESRCH` when no process has that
/// pid (a thread that is not a leader included).
pub fn sys_pidfd_open(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (pid, flags) = (a.i32(0), a.u32(1));
    if pid <= 0 || flags & !PIDFD_NONBLOCK != 0 {
        return Err(Errno::EINVAL);
    }
    let fd = open_pidfd(t, pid, flags != 0)?;
    Ok(SysRet::Value(fd as u64))
}

/// `pidfd_send_signal(2)`: signals the process a pidfd names; `EBADF` for
/// another file, `ESRCH` once it has been reaped, `EINVAL` for flags.
/// A caller-built `siginfo_t` follows `rt_sigqueueinfo`'s rules.
pub fn sys_pidfd_send_signal(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (fd, sig, infop, flags) = (a.fd(0), a.i32(1), a.ptr::<siginfo_t>(2), a.u32(3));
    if flags != 0 {
        return Err(Errno::EINVAL);
    }
    let pid = crate::pidfd::pid_of(&*t.file(fd)?)?;
    if sig != 0 && !valid_signal(sig) {
        return Err(Errno::EINVAL);
    }
    let info = if infop.is_null() {
        siginfo_t::new_kill(sig, SI_USER, t.pid(), t.creds.uid)
    } else {
        let info = infop.read(t.mem())?;
        if info.si_signo != sig {
            return Err(Errno::EINVAL);
        }
        if (info.si_code >= 0 || info.si_code == SI_TKILL) && pid != t.pid() {
            return Err(Errno::EPERM);
        }
        info
    };
    let k = t.kernel().clone();
    let target = crate::kill_perm::KillTarget::of(&k.table(), pid, None).ok_or(Errno::ESRCH)?;
    crate::kill_perm::check(t, &target, sig)?;
    if !k.table().send_to_group(pid, info)? {
        return Err(Errno::EAGAIN);
    }
    SysRet::ZERO
}
