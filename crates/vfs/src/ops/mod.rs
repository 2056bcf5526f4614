//! The syscall-shaped operations of [`Vfs`](crate::Vfs), one family per
//! file. Each takes a [`Context`](crate::Context), the directory a `*at`
//! dirfd resolved to (the cwd for `AT_FDCWD`) and the path bytes; mode
//! arguments arrive already masked by the caller's umask.

mod attr;
mod create;
mod open;
mod remove;
mod rename;

use crate::attr::InodeAttr;
use crate::cred::{Access, Capabilities, Credentials};
use crate::errno::{Errno, Result};
use crate::inode::NewInode;
use crate::mount::PathRef;
use crate::resolve::{Last, Parent, Walker};
use crate::uapi::{AtFlags, S_IFDIR, S_IFMT, S_ISGID};
use crate::vfs::{Context, Vfs};

pub use attr::{TimeUpdate, R_OK, W_OK, X_OK};

impl Vfs {
    /// Resolves `path` relative to `dir` the way `fstatat`-style calls do:
    /// an empty path is ENOENT unless `AT_EMPTY_PATH`, and a final symlink is
    /// followed unless `AT_SYMLINK_NOFOLLOW`. Used by the kernel for
    /// `chdir`, `chroot`, `execve` and its own lookups too.
    pub fn resolve(
        &self,
        ctx: &Context<'_>,
        dir: &PathRef,
        path: &[u8],
        flags: AtFlags,
    ) -> Result<PathRef> {
        if path.is_empty() {
            return if flags.contains(AtFlags::AT_EMPTY_PATH) {
                Ok(dir.clone())
            } else {
                Err(Errno::ENOENT)
            };
        }
        let follow = !flags.contains(AtFlags::AT_SYMLINK_NOFOLLOW);
        Walker::new(self, ctx, dir).walk(dir, path, follow)
    }
}

/// Walks to the parent of a name about to be created or removed.
fn walk_parent<'a>(
    vfs: &'a Vfs,
    ctx: &Context<'a>,
    dir: &PathRef,
    path: &[u8],
) -> Result<(Walker<'a>, Parent)> {
    let mut w = Walker::new(vfs, ctx, dir);
    let p = w.walk_parent(dir, path)?;
    Ok((w, p))
}

/// EROFS if `at` is on a read-only mount.
fn check_mount_writable(at: &PathRef) -> Result<()> {
    if at.mount.is_readonly() {
        Err(Errno::EROFS)
    } else {
        Ok(())
    }
}

/// `may_create`: write and search permission on the directory, and a
/// writable mount.
fn may_create(cred: &Credentials, dir: &PathRef) -> Result<InodeAttr> {
    let attr = dir.inode().stat()?;
    cred.check(&attr, Access::MAY_WRITE | Access::MAY_EXEC)?;
    check_mount_writable(dir)?;
    Ok(attr)
}

/// `may_delete`: write and search permission on the directory, the sticky
/// rule, and a writable mount.
fn may_delete(cred: &Credentials, dir: &PathRef, victim: &InodeAttr) -> Result<()> {
    let attr = may_create(cred, dir)?;
    cred.check_sticky(&attr, victim)
}

/// The owner and mode of a new inode (`inode_init_owner`): the caller's
/// fsuid, the directory's group if it is set-group-ID (new directories
/// inherit the bit), else the caller's fsgid.
fn new_inode(cred: &Credentials, dir: &InodeAttr, mode: u32, rdev: u64) -> NewInode {
    let mut mode = mode;
    let gid = if dir.mode & S_ISGID != 0 {
        if mode & S_IFMT == S_IFDIR {
            mode |= S_ISGID;
        }
        dir.gid
    } else {
        cred.fsgid
    };
    if mode & S_IFMT != S_IFDIR
        && mode & S_ISGID != 0
        && !cred.in_group(gid)
        && !cred.has_cap(Capabilities::CAP_FSETID)
    {
        mode &= !S_ISGID;
    }
    NewInode {
        mode,
        uid: cred.fsuid,
        gid,
        rdev,
    }
}

/// The name of a component to be created: `.`/`..` give `dot_err`.
fn name_of(last: &Last, dot_err: Errno) -> Result<&[u8]> {
    match last {
        Last::Name(n) => Ok(n),
        Last::Dot | Last::DotDot => Err(dot_err),
    }
}
