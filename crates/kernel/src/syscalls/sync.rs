//! Flushing: `sync(2)`, `syncfs(2)` and `sync_file_range(2)`.
//!
//! The sandbox's filesystems hold no dirty data of their own: tmpfs and the
//! overlay's upper layer live in memory, and host-backed files are written
//! through to the host at once (as `fsync(2)` already assumes). So these
//! calls validate their arguments as Linux does and succeed.

use abi::Errno;
use vfs::FileType;

use super::{SysResult, SysRet, SyscallArgs};
use crate::task::Task;

/// `SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
/// SYNC_FILE_RANGE_WAIT_AFTER`.
const SYNC_FILE_RANGE_VALID: u32 = 0x7;

/// `sync(2)`.
pub fn sys_sync(_t: &mut Task, _a: &SyscallArgs) -> SysResult {
    SysRet::ZERO
}

/// `syncfs(2)`: `EBADF` for a descriptor that is not open (`O_PATH`
/// included).
pub fn sys_syncfs(t: &mut Task, a: &SyscallArgs) -> SysResult {
    if t.file(a.fd(0))?.is_path_only() {
        return Err(Errno::EBADF);
    }
    SysRet::ZERO
}

/// `sync_file_range(2)`: `EBADF`, then `EINVAL` for unknown flags or a
/// negative or overflowing range, then `ESPIPE` for anything but a
/// regular file, directory, symlink or block device.
pub fn sys_sync_file_range(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (offset, nbytes, flags) = (a.i64(1), a.i64(2), a.u32(3));
    let file = t.file(a.fd(0))?;
    if file.is_path_only() {
        return Err(Errno::EBADF);
    }
    if flags & !SYNC_FILE_RANGE_VALID != 0 || offset < 0 || nbytes < 0 {
        return Err(Errno::EINVAL);
    }
    if nbytes != 0 && offset.checked_add(nbytes).is_none() {
        return Err(Errno::EINVAL);
    }
    match file.stat()?.file_type() {
        Some(FileType::Regular | FileType::Directory | FileType::Symlink)
        | Some(FileType::BlockDevice) => SysRet::ZERO,
        _ => Err(Errno::ESPIPE),
    }
}
