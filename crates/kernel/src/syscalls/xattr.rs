//! Extended attributes: `getxattr(2)`, `lgetxattr(2)`, `fgetxattr(2)`,
//! `listxattr(2)`, `llistxattr(2)`, `flistxattr(2)`, `setxattr(2)`,
//! `lsetxattr(2)`, `fsetxattr(2)`, `removexattr(2)`, `lremovexattr(2)`,
//! `fremovexattr(2)`.

use abi::fcntl::AT_FDCWD;
use abi::Errno;
use vfs::{AtFlags, PathRef};

use super::at::{fd_location_no_path, path_arg, start_dir, with_vfs};
use super::{SysResult, SysRet, SyscallArgs};
use crate::task::Task;
use crate::usermem::{copy_in_cstring, UserSlice};

/// `XATTR_NAME_MAX`.
const XATTR_NAME_MAX: usize = 255;
/// `XATTR_SIZE_MAX`.
const XATTR_SIZE_MAX: u64 = 65536;
/// `XATTR_LIST_MAX`.
const XATTR_LIST_MAX: usize = 65536;

/// How the target is named.
#[derive(Clone, Copy)]
enum Target {
    Path { follow: bool },
    Fd,
}

fn target(t: &mut Task, a: &SyscallArgs, how: Target) -> Result<PathRef, Errno> {
    match how {
        Target::Fd => fd_location_no_path(t, a.fd(0)),
        Target::Path { follow } => {
            let path = path_arg(t, a.u64(0), false)?;
            let dir = start_dir(t, AT_FDCWD, &path)?;
            let flags = if follow {
                AtFlags::empty()
            } else {
                AtFlags::AT_SYMLINK_NOFOLLOW
            };
            with_vfs(t, |v, c| v.resolve(c, &dir, &path, flags))
        }
    }
}

fn name_arg(t: &mut Task, addr: u64) -> Result<Vec<u8>, Errno> {
    let name = copy_in_cstring(t.mem(), addr, XATTR_NAME_MAX + 1, Errno::ERANGE)?;
    if name.is_empty() {
        return Err(Errno::ERANGE);
    }
    Ok(name)
}

/// Copies `data` out, or reports its size when the buffer size is 0;
/// `ERANGE` when it does not fit.
fn sized_out(t: &mut Task, buf: u64, size: u64, data: &[u8]) -> SysResult {
    if size == 0 {
        return Ok(SysRet::Value(data.len() as u64));
    }
    if data.len() as u64 > size {
        return Err(Errno::ERANGE);
    }
    UserSlice::new(buf, size).write_prefix(t.mem(), data)?;
    Ok(SysRet::Value(data.len() as u64))
}

fn get(t: &mut Task, a: &SyscallArgs, how: Target) -> SysResult {
    let at = target(t, a, how)?;
    let name = name_arg(t, a.u64(1))?;
    let value = with_vfs(t, |v, c| v.getxattr(c, &at, &name))?;
    sized_out(t, a.u64(2), a.u64(3), &value)
}

fn list(t: &mut Task, a: &SyscallArgs, how: Target) -> SysResult {
    let at = target(t, a, how)?;
    let names = with_vfs(t, |v, c| v.listxattr(c, &at))?;
    let mut out = Vec::new();
    for n in names {
        out.extend_from_slice(&n);
        out.push(0);
    }
    if out.len() > XATTR_LIST_MAX {
        return Err(Errno::E2BIG);
    }
    sized_out(t, a.u64(1), a.u64(2), &out)
}

fn set(t: &mut Task, a: &SyscallArgs, how: Target) -> SysResult {
    let flags = a.u32(4);
    if flags & !3 != 0 {
        return Err(Errno::EINVAL);
    }
    if a.u64(3) > XATTR_SIZE_MAX {
        return Err(Errno::E2BIG);
    }
    let at = target(t, a, how)?;
    let name = name_arg(t, a.u64(1))?;
    let value = UserSlice::new(a.u64(2), a.u64(3)).read_all(t.mem())?;
    with_vfs(t, |v, c| v.setxattr(c, &at, &name, &value, flags))?;
    SysRet::ZERO
}

fn remove(t: &mut Task, a: &SyscallArgs, how: Target) -> SysResult {
    let at = target(t, a, how)?;
    let name = name_arg(t, a.u64(1))?;
    with_vfs(t, |v, c| v.removexattr(c, &at, &name))?;
    SysRet::ZERO
}

/// `getxattr(2)`.
pub fn sys_getxattr(t: &mut Task, a: &SyscallArgs) -> SysResult {
    get(t, a, Target::Path { follow: true })
}

/// `lgetxattr(2)`.
pub fn sys_lgetxattr(t: &mut Task, a: &SyscallArgs) -> SysResult {
    get(t, a, Target::Path { follow: false })
}

/// `fgetxattr(2)`.
pub fn sys_fgetxattr(t: &mut Task, a: &SyscallArgs) -> SysResult {
    get(t, a, Target::Fd)
}

/// `listxattr(2)`.
pub fn sys_listxattr(t: &mut Task, a: &SyscallArgs) -> SysResult {
    list(t, a, Target::Path { follow: true })
}

/// `llistxattr(2)`.
pub fn sys_llistxattr(t: &mut Task, a: &SyscallArgs) -> SysResult {
    list(t, a, Target::Path { follow: false })
}

/// `flistxattr(2)`.
pub fn sys_flistxattr(t: &mut Task, a: &SyscallArgs) -> SysResult {
    list(t, a, Target::Fd)
}

/// `setxattr(2)`.
pub fn sys_setxattr(t: &mut Task, a: &SyscallArgs) -> SysResult {
    set(t, a, Target::Path { follow: true })
}

/// `lsetxattr(2)`.
pub fn sys_lsetxattr(t: &mut Task, a: &SyscallArgs) -> SysResult {
    set(t, a, Target::Path { follow: false })
}

/// `fsetxattr(2)`.
pub fn sys_fsetxattr(t: &mut Task, a: &SyscallArgs) -> SysResult {
    set(t, a, Target::Fd)
}

/// `removexattr(2)`.
pub fn sys_removexattr(t: &mut Task, a: &SyscallArgs) -> SysResult {
    remove(t, a, Target::Path { follow: true })
}

/// `lremovexattr(2)`.
pub fn sys_lremovexattr(t: &mut Task, a: &SyscallArgs) -> SysResult {
    remove(t, a, Target::Path { follow: false })
}

/// `fremovexattr(2)`.
pub fn sys_fremovexattr(t: &mut Task, a: &SyscallArgs) -> SysResult {
    remove(t, a, Target::Fd)
}
