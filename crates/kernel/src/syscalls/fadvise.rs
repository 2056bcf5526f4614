//! Access-pattern hints: `fadvise64(2)` and `readahead(2)`.
//!
//! The Sentry's files have no page cache to tune (file data is read on
//! demand and mappings are populated on fault), so a valid hint has no
//! effect, exactly as for a Linux filesystem without one (DAX). The error
//! paths are Linux's.

use abi::Errno;
use vfs::FileType;

use super::{SysResult, SysRet, SyscallArgs};
use crate::task::Task;

/// `POSIX_FADV_NOREUSE`, the highest advice value.
const POSIX_FADV_NOREUSE: u32 = 5;

/// `fadvise64(2)`: `EBADF`, `ESPIPE` on a pipe, `EINVAL` for a negative
/// length or an unknown advice.
pub fn sys_fadvise64(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (len, advice) = (a.i64(2), a.u32(3));
    let file = t.file(a.fd(0))?;
    if file.is_path_only() {
        return Err(Errno::EBADF);
    }
    if file.stat()?.file_type() == Some(FileType::Fifo) {
        return Err(Errno::ESPIPE);
    }
    if len < 0 || advice > POSIX_FADV_NOREUSE {
        return Err(Errno::EINVAL);
    }
    SysRet::ZERO
}

/// `readahead(2)`: `EBADF` unless open for reading, `EINVAL` for anything
/// but a regular file or block device.
pub fn sys_readahead(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = t.file(a.fd(0))?;
    if file.is_path_only() || !file.access_mode().readable() {
        return Err(Errno::EBADF);
    }
    match file.stat()?.file_type() {
        Some(FileType::Regular | FileType::BlockDevice) => SysRet::ZERO,
        _ => Err(Errno::EINVAL),
    }
}
