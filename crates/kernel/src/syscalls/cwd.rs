//! The filesystem context: `getcwd(2)`, `chdir(2)`, `fchdir(2)`,
//! `chroot(2)`, `umask(2)`. Changes reach `CLONE_FS` siblings
//! ([`crate::fs_share`]).

use abi::fcntl::AT_FDCWD;
use abi::Errno;
use vfs::{Access, AtFlags};

use super::at::{fd_location, path_arg, start_dir, with_vfs};
use super::{SysResult, SysRet, SyscallArgs};
use crate::path::d_path;
use crate::task::Task;

/// `getcwd(2)`: the path with its NUL; `ERANGE` if it does not fit,
/// `ENOENT` once the directory has been removed.
pub fn sys_getcwd(t: &mut Task, a: &SyscallArgs) -> SysResult {
    if t.fs.cwd.dentry.is_dead() {
        return Err(Errno::ENOENT);
    }
    let mut p = d_path(&t.fs.cwd, &t.fs.root);
    p.push(0);
    if (p.len() as u64) > a.u64(1) {
        return Err(Errno::ERANGE);
    }
    crate::usermem::UserSlice::new(a.u64(0), a.u64(1)).write_prefix(t.mem(), &p)?;
    Ok(SysRet::Value(p.len() as u64))
}

/// Checks `at` is a directory the caller may search.
fn check_dir(t: &Task, at: &vfs::PathRef) -> Result<(), Errno> {
    let attr = at.inode().stat()?;
    if !attr.is_dir() {
        return Err(Errno::ENOTDIR);
    }
    t.creds.to_vfs().check(&attr, Access::MAY_EXEC)
}

/// `chdir(2)`.
pub fn sys_chdir(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let path = path_arg(t, a.u64(0), false)?;
    let dir = start_dir(t, AT_FDCWD, &path)?;
    let at = with_vfs(t, |v, c| v.resolve(c, &dir, &path, AtFlags::empty()))?;
    check_dir(t, &at)?;
    t.fs.cwd = at;
    t.fs_changed();
    SysRet::ZERO
}

/// `fchdir(2)`.
pub fn sys_fchdir(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let at = fd_location(t, a.fd(0))?;
    check_dir(t, &at)?;
    t.fs.cwd = at;
    t.fs_changed();
    SysRet::ZERO
}

/// `chroot(2)`: needs `CAP_SYS_CHROOT` (root here).
pub fn sys_chroot(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let path = path_arg(t, a.u64(0), false)?;
    let dir = start_dir(t, AT_FDCWD, &path)?;
    let at = with_vfs(t, |v, c| v.resolve(c, &dir, &path, AtFlags::empty()))?;
    check_dir(t, &at)?;
    if t.creds.euid != 0 {
        return Err(Errno::EPERM);
    }
    t.fs.root = at;
    t.fs_changed();
    SysRet::ZERO
}

/// `umask(2)`: sets the mask and returns the old one.
pub fn sys_umask(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let old = t.fs.umask;
    t.fs.umask = a.u32(0) & 0o777;
    t.fs_changed();
    Ok(SysRet::Value(u64::from(old)))
}
