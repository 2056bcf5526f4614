//! `pipe(2)` and `pipe2(2)`.

use abi::Errno;
use vfs::OpenFlags;

use super::{SysResult, SysRet, SyscallArgs};
use crate::pipe::new_pipe;
use crate::task::Task;

fn do_pipe(t: &mut Task, addr: u64, flags: u32) -> SysResult {
    let allowed = OpenFlags::O_CLOEXEC | OpenFlags::O_NONBLOCK | OpenFlags::O_DIRECT;
    let flags = OpenFlags::from_bits(flags)
        .filter(|f| allowed.contains(*f))
        .ok_or(Errno::EINVAL)?;
    let now = vfs::Clock::now(&crate::clock::HostClock);
    let (r, w) = new_pipe(t.creds.euid, t.creds.egid, now, flags)?;
    let cloexec = flags.contains(OpenFlags::O_CLOEXEC);
    let limit = t.nofile();
    let rfd = t.fds.insert(std::sync::Arc::new(r), cloexec, limit)?;
    let wfd = match t.fds.insert(std::sync::Arc::new(w), cloexec, limit) {
        Ok(fd) => fd,
        Err(e) => {
            let _ = t.fds.remove(rfd);
            return Err(e);
        }
    };
    if let Err(e) = a_write(t, addr, [rfd, wfd]) {
        let _ = t.fds.remove(rfd);
        let _ = t.fds.remove(wfd);
        return Err(e);
    }
    SysRet::ZERO
}

fn a_write(t: &mut Task, addr: u64, fds: [i32; 2]) -> Result<(), Errno> {
    crate::usermem::UserPtr::<[i32; 2]>::new(addr).write(t.mem(), &fds)
}

/// `pipe(2)`.
pub fn sys_pipe(t: &mut Task, a: &SyscallArgs) -> SysResult {
    do_pipe(t, a.u64(0), 0)
}

/// `pipe2(2)`: `O_CLOEXEC`, `O_NONBLOCK` and `O_DIRECT` (packet mode).
pub fn sys_pipe2(t: &mut Task, a: &SyscallArgs) -> SysResult {
    do_pipe(t, a.u64(0), a.u32(1))
}
