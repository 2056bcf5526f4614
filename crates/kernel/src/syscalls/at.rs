//! Shared helpers of the path-taking calls: where a `*at` path starts, the
//! VFS context of the caller, and the conversion of results.

use std::sync::Arc;

use abi::fcntl::AT_FDCWD;
use abi::Errno;
use vfs::{PathRef, Vfs};

use crate::task::Task;
use crate::usermem::copy_in_path;

/// The directory a `*at` call's relative `path` starts from: the cwd for
/// `AT_FDCWD`, else the location `dirfd` was opened at. Absolute paths
/// ignore `dirfd` entirely (even an invalid one), as Linux does.
pub fn start_dir(t: &Task, dirfd: i32, path: &[u8]) -> Result<PathRef, Errno> {
    if path.first() == Some(&b'/') || dirfd == AT_FDCWD {
        return Ok(t.fs.cwd.clone());
    }
    let file = t.file(dirfd)?;
    file.path().cloned().ok_or(Errno::ENOTDIR)
}

/// The location a descriptor was opened at (`EBADF` if not open,
/// `ENOTDIR`... rather `EBADF` for anonymous files without one).
pub fn fd_location(t: &Task, fd: i32) -> Result<PathRef, Errno> {
    t.file(fd)?.path().cloned().ok_or(Errno::EBADF)
}

/// As [`fd_location`] for the calls Linux serves through `fdget` rather
/// than `fdget_raw` (`fchmod`, `fchown`, `f*xattr`): an `O_PATH`
/// descriptor is `EBADF` there.
pub fn fd_location_no_path(t: &Task, fd: i32) -> Result<PathRef, Errno> {
    let file = t.file(fd)?;
    if file.is_path_only() {
        return Err(Errno::EBADF);
    }
    file.path().cloned().ok_or(Errno::EBADF)
}

/// The location `AT_EMPTY_PATH` names: the cwd for `AT_FDCWD`, else the
/// descriptor's own location.
pub fn empty_path_location(t: &Task, dirfd: i32) -> Result<PathRef, Errno> {
    if dirfd == AT_FDCWD {
        return Ok(t.fs.cwd.clone());
    }
    fd_location(t, dirfd)
}

/// Copies in a path argument; an empty path is `ENOENT` unless the caller
/// allows it (`AT_EMPTY_PATH`).
pub fn path_arg(t: &mut Task, addr: u64, allow_empty: bool) -> Result<Vec<u8>, Errno> {
    let p = copy_in_path(t.mem(), addr)?;
    if p.is_empty() && !allow_empty {
        return Err(Errno::ENOENT);
    }
    Ok(p)
}

/// Runs `f` with the VFS and a resolution context for `t` (its
/// credentials and root), converting the VFS's errors.
pub fn with_vfs<R>(
    t: &Task,
    f: impl FnOnce(&Vfs, &vfs::Context<'_>) -> vfs::Result<R>,
) -> Result<R, Errno> {
    let cred = t.creds.to_vfs();
    let vfs: Arc<Vfs> = t.kernel().vfs().clone();
    let ctx = vfs::Context::new(&cred, &t.fs.root);
    f(&vfs, &ctx)
}
