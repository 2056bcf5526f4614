//! Changes to the name space: `mkdir(2)`, `mkdirat(2)`, `mknod(2)`,
//! `mknodat(2)`, `unlink(2)`, `unlinkat(2)`, `rmdir(2)`, `rename(2)`,
//! `renameat(2)`, `renameat2(2)`, `link(2)`, `linkat(2)`, `symlink(2)`,
//! `symlinkat(2)`.

use abi::fcntl::AT_FDCWD;
use abi::Errno;
use vfs::{AtFlags, RenameFlags};

use super::at::{path_arg, start_dir, with_vfs};
use super::{SysResult, SysRet, SyscallArgs};
use crate::task::Task;

/// `S_IFMT` and the types `mknod` may create.
const S_IFMT: u32 = 0o170000;
const S_IFREG: u32 = 0o100000;
const S_IFIFO: u32 = 0o010000;
const S_IFSOCK: u32 = 0o140000;
const S_IFCHR: u32 = 0o020000;
const S_IFBLK: u32 = 0o060000;
const S_IFDIR: u32 = 0o040000;

fn mkdir_common(t: &mut Task, dirfd: i32, path_addr: u64, mode: u32) -> SysResult {
    let path = path_arg(t, path_addr, false)?;
    let dir = start_dir(t, dirfd, &path)?;
    let mode = mode & 0o7777 & !t.fs.umask;
    with_vfs(t, |v, c| v.mkdirat(c, &dir, &path, mode))?;
    SysRet::ZERO
}

/// `mkdir(2)`.
pub fn sys_mkdir(t: &mut Task, a: &SyscallArgs) -> SysResult {
    mkdir_common(t, AT_FDCWD, a.u64(0), a.u32(1))
}

/// `mkdirat(2)`.
pub fn sys_mkdirat(t: &mut Task, a: &SyscallArgs) -> SysResult {
    mkdir_common(t, a.fd(0), a.u64(1), a.u32(2))
}

fn mknod_common(t: &mut Task, dirfd: i32, path_addr: u64, mode: u32, dev: u64) -> SysResult {
    let path = path_arg(t, path_addr, false)?;
    let kind = match mode & S_IFMT {
        0 => S_IFREG,
        k @ (S_IFREG | S_IFIFO | S_IFSOCK | S_IFCHR | S_IFBLK) => k,
        S_IFDIR => return Err(Errno::EPERM),
        _ => return Err(Errno::EINVAL),
    };
    if (kind == S_IFCHR || kind == S_IFBLK) && t.creds.euid != 0 {
        return Err(Errno::EPERM);
    }
    let dir = start_dir(t, dirfd, &path)?;
    let mode = kind | (mode & 0o7777 & !t.fs.umask);
    with_vfs(t, |v, c| v.mknodat(c, &dir, &path, mode, dev))?;
    SysRet::ZERO
}

/// `mknod(2)`.
pub fn sys_mknod(t: &mut Task, a: &SyscallArgs) -> SysResult {
    mknod_common(t, AT_FDCWD, a.u64(0), a.u32(1), u64::from(a.u32(2)))
}

/// `mknodat(2)`.
pub fn sys_mknodat(t: &mut Task, a: &SyscallArgs) -> SysResult {
    mknod_common(t, a.fd(0), a.u64(1), a.u32(2), u64::from(a.u32(3)))
}

fn unlink_common(t: &mut Task, dirfd: i32, path_addr: u64, flags: u32) -> SysResult {
    if flags & !AtFlags::AT_REMOVEDIR.bits() != 0 {
        return Err(Errno::EINVAL);
    }
    let path = path_arg(t, path_addr, false)?;
    let dir = start_dir(t, dirfd, &path)?;
    with_vfs(t, |v, c| {
        v.unlinkat(c, &dir, &path, AtFlags::from_bits_truncate(flags))
    })?;
    SysRet::ZERO
}

/// `unlink(2)`.
pub fn sys_unlink(t: &mut Task, a: &SyscallArgs) -> SysResult {
    unlink_common(t, AT_FDCWD, a.u64(0), 0)
}

/// `rmdir(2)`.
pub fn sys_rmdir(t: &mut Task, a: &SyscallArgs) -> SysResult {
    unlink_common(t, AT_FDCWD, a.u64(0), AtFlags::AT_REMOVEDIR.bits())
}

/// `unlinkat(2)`.
pub fn sys_unlinkat(t: &mut Task, a: &SyscallArgs) -> SysResult {
    unlink_common(t, a.fd(0), a.u64(1), a.u32(2))
}

fn rename_common(
    t: &mut Task,
    olddir: i32,
    old_addr: u64,
    newdir: i32,
    new_addr: u64,
    flags: u32,
) -> SysResult {
    let flags = RenameFlags::from_bits(flags).ok_or(Errno::EINVAL)?;
    if flags.contains(RenameFlags::RENAME_EXCHANGE)
        && flags.intersects(RenameFlags::RENAME_NOREPLACE | RenameFlags::RENAME_WHITEOUT)
    {
        return Err(Errno::EINVAL);
    }
    let old = path_arg(t, old_addr, false)?;
    let new = path_arg(t, new_addr, false)?;
    let od = start_dir(t, olddir, &old)?;
    let nd = start_dir(t, newdir, &new)?;
    with_vfs(t, |v, c| v.renameat2(c, &od, &old, &nd, &new, flags))?;
    SysRet::ZERO
}

/// `rename(2)`.
pub fn sys_rename(t: &mut Task, a: &SyscallArgs) -> SysResult {
    rename_common(t, AT_FDCWD, a.u64(0), AT_FDCWD, a.u64(1), 0)
}

/// `renameat(2)`.
pub fn sys_renameat(t: &mut Task, a: &SyscallArgs) -> SysResult {
    rename_common(t, a.fd(0), a.u64(1), a.fd(2), a.u64(3), 0)
}

/// `renameat2(2)`: `RENAME_NOREPLACE`, `RENAME_EXCHANGE`, `RENAME_WHITEOUT`.
pub fn sys_renameat2(t: &mut Task, a: &SyscallArgs) -> SysResult {
    rename_common(t, a.fd(0), a.u64(1), a.fd(2), a.u64(3), a.u32(4))
}

fn link_common(
    t: &mut Task,
    olddir: i32,
    old_addr: u64,
    newdir: i32,
    new_addr: u64,
    flags: u32,
) -> SysResult {
    let flags = AtFlags::from_bits(flags)
        .filter(|f| (AtFlags::AT_SYMLINK_FOLLOW | AtFlags::AT_EMPTY_PATH).contains(*f))
        .ok_or(Errno::EINVAL)?;
    let old = path_arg(t, old_addr, flags.contains(AtFlags::AT_EMPTY_PATH))?;
    let new = path_arg(t, new_addr, false)?;
    let od = if old.is_empty() {
        super::at::fd_location(t, olddir)?
    } else {
        start_dir(t, olddir, &old)?
    };
    let nd = start_dir(t, newdir, &new)?;
    with_vfs(t, |v, c| v.linkat(c, &od, &old, &nd, &new, flags))?;
    SysRet::ZERO
}

/// `link(2)`.
pub fn sys_link(t: &mut Task, a: &SyscallArgs) -> SysResult {
    link_common(t, AT_FDCWD, a.u64(0), AT_FDCWD, a.u64(1), 0)
}

/// `linkat(2)`.
pub fn sys_linkat(t: &mut Task, a: &SyscallArgs) -> SysResult {
    link_common(t, a.fd(0), a.u64(1), a.fd(2), a.u64(3), a.u32(4))
}

fn symlink_common(t: &mut Task, target_addr: u64, newdir: i32, new_addr: u64) -> SysResult {
    let target = path_arg(t, target_addr, false)?;
    let new = path_arg(t, new_addr, false)?;
    let nd = start_dir(t, newdir, &new)?;
    with_vfs(t, |v, c| v.symlinkat(c, &target, &nd, &new))?;
    SysRet::ZERO
}

/// `symlink(2)`.
pub fn sys_symlink(t: &mut Task, a: &SyscallArgs) -> SysResult {
    symlink_common(t, a.u64(0), AT_FDCWD, a.u64(1))
}

/// `symlinkat(2)`.
pub fn sys_symlinkat(t: &mut Task, a: &SyscallArgs) -> SysResult {
    symlink_common(t, a.u64(0), a.fd(1), a.u64(2))
}
