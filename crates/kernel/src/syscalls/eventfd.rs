//! `eventfd(2)` and `eventfd2(2)` over [`crate::eventfd`].

use std::sync::Arc;

use abi::eventfd::EventfdFlags;
use abi::Errno;
use vfs::OpenFlags;

use super::{SysResult, SysRet, SyscallArgs};
use crate::eventfd::new_eventfd;
use crate::task::Task;

fn create(t: &mut Task, initval: u32, flags: u32) -> SysResult {
    let flags = EventfdFlags::from_bits(flags).ok_or(Errno::EINVAL)?;
    let now = vfs::Clock::now(&crate::clock::HostClock);
    let attr = crate::anon::anon_attr(t.creds.euid, t.creds.egid, now);
    let status = if flags.contains(EventfdFlags::EFD_NONBLOCK) {
        OpenFlags::O_NONBLOCK
    } else {
        OpenFlags::empty()
    };
    let semaphore = flags.contains(EventfdFlags::EFD_SEMAPHORE);
    let file = new_eventfd(attr, initval, semaphore, status)?;
    let cloexec = flags.contains(EventfdFlags::EFD_CLOEXEC);
    let fd = t.fds.insert(Arc::new(file), cloexec, t.nofile())?;
    Ok(SysRet::Value(fd as u64))
}

/// `eventfd(2)`: no flags.
pub fn sys_eventfd(t: &mut Task, a: &SyscallArgs) -> SysResult {
    create(t, a.u32(0), 0)
}

/// `eventfd2(2)`: `EFD_SEMAPHORE`, `EFD_NONBLOCK`, `EFD_CLOEXEC`.
pub fn sys_eventfd2(t: &mut Task, a: &SyscallArgs) -> SysResult {
    create(t, a.u32(0), a.u32(1))
}
