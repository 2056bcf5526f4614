//! Attribute calls: `fstatat`/`statx`, `readlinkat`, `fchmodat`,
//! `fchownat`, `utimensat`, `faccessat`, `truncate`, `statfs` and the
//! `*xattr` family.

use alloc::vec::Vec;

use super::check_mount_writable;
use crate::attr::{InodeAttr, SetAttr, StatFs, Timespec};
use crate::cred::{Access, Capabilities};
use crate::errno::{Errno, Result};
use crate::mount::PathRef;
use crate::uapi::{AtFlags, FileType, S_IALLUGO, S_ISGID, S_ISUID};
use crate::vfs::{Context, Vfs};

/// One timestamp argument of `utimensat(2)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeUpdate {
    /// `UTIME_OMIT`: leave it.
    Omit,
    /// `UTIME_NOW`: the current time.
    Now,
    /// An explicit time.
    Set(Timespec),
}

pub use abi::fcntl::{R_OK, W_OK, X_OK};

impl Vfs {
    /// `fstatat(2)`/`statx(2)`: the attributes of `path` (`AT_EMPTY_PATH`,
    /// `AT_SYMLINK_NOFOLLOW` honoured).
    pub fn fstatat(
        &self,
        ctx: &Context<'_>,
        dir: &PathRef,
        path: &[u8],
        flags: AtFlags,
    ) -> Result<InodeAttr> {
        self.resolve(ctx, dir, path, flags)?.inode().stat()
    }

    /// `readlinkat(2)`: EINVAL if `path` is not a symlink. An empty path
    /// reads the dirfd itself (an `O_PATH|O_NOFOLLOW` symlink descriptor).
    pub fn readlinkat(&self, ctx: &Context<'_>, dir: &PathRef, path: &[u8]) -> Result<Vec<u8>> {
        let at = self.resolve(
            ctx,
            dir,
            path,
            AtFlags::AT_SYMLINK_NOFOLLOW | AtFlags::AT_EMPTY_PATH,
        )?;
        if !at.dentry.is_symlink() {
            return Err(if path.is_empty() {
                Errno::ENOENT
            } else {
                Errno::EINVAL
            });
        }
        at.inode().readlink()
    }

    /// `fchmodat(2)`: owner or CAP_FOWNER only; the set-group-ID bit is
    /// dropped if the caller is not in the file's group. Changing a symlink
    /// itself is EOPNOTSUPP.
    pub fn fchmodat(
        &self,
        ctx: &Context<'_>,
        dir: &PathRef,
        path: &[u8],
        mode: u32,
        flags: AtFlags,
    ) -> Result<()> {
        let at = self.resolve(ctx, dir, path, flags)?;
        self.chmod(ctx, &at, mode)
    }

    /// `fchmod(2)` on a resolved location.
    pub fn chmod(&self, ctx: &Context<'_>, at: &PathRef, mode: u32) -> Result<()> {
        if at.dentry.is_symlink() {
            return Err(Errno::EOPNOTSUPP);
        }
        let attr = at.inode().stat()?;
        if !ctx.cred.is_owner_or_fowner(attr.uid) {
            return Err(Errno::EPERM);
        }
        check_mount_writable(at)?;
        let mut mode = mode & S_IALLUGO;
        if !ctx.cred.in_group(attr.gid) && !ctx.cred.has_cap(Capabilities::CAP_FSETID) {
            mode &= !S_ISGID;
        }
        at.inode().setattr(&SetAttr {
            mode: Some(mode),
            ..SetAttr::default()
        })
    }

    /// `fchownat(2)`: `None` leaves an id unchanged. Changing the owner needs
    /// CAP_CHOWN; the owner may change the group to one of its own groups.
    /// Set-user-ID (and group-executable set-group-ID) bits are cleared on
    /// non-directories.
    pub fn fchownat(
        &self,
        ctx: &Context<'_>,
        dir: &PathRef,
        path: &[u8],
        uid: Option<u32>,
        gid: Option<u32>,
        flags: AtFlags,
    ) -> Result<()> {
        let at = self.resolve(ctx, dir, path, flags)?;
        self.chown(ctx, &at, uid, gid)
    }

    /// `fchown(2)` on a resolved location.
    pub fn chown(
        &self,
        ctx: &Context<'_>,
        at: &PathRef,
        uid: Option<u32>,
        gid: Option<u32>,
    ) -> Result<()> {
        let attr = at.inode().stat()?;
        let cap = ctx.cred.has_cap(Capabilities::CAP_CHOWN);
        if let Some(u) = uid {
            if u != attr.uid && !cap {
                return Err(Errno::EPERM);
            }
        }
        if let Some(g) = gid {
            let own = ctx.cred.fsuid == attr.uid && ctx.cred.in_group(g);
            if g != attr.gid && !cap && !own {
                return Err(Errno::EPERM);
            }
        }
        check_mount_writable(at)?;
        let mut set = SetAttr {
            uid,
            gid,
            ..SetAttr::default()
        };
        if (uid.is_some() || gid.is_some()) && !attr.is_dir() && !attr.is_symlink() {
            let mut mode = attr.mode & S_IALLUGO & !S_ISUID;
            if mode & 0o010 != 0 {
                mode &= !S_ISGID;
            }
            if mode != attr.mode & S_IALLUGO {
                set.mode = Some(mode);
            }
        }
        at.inode().setattr(&set)
    }

    /// `utimensat(2)`: explicit times need ownership (EPERM); setting both
    /// to now needs ownership or write permission (EACCES).
    pub fn utimensat(
        &self,
        ctx: &Context<'_>,
        dir: &PathRef,
        path: &[u8],
        atime: TimeUpdate,
        mtime: TimeUpdate,
        flags: AtFlags,
    ) -> Result<()> {
        let at = self.resolve(ctx, dir, path, flags)?;
        self.utimens(ctx, &at, atime, mtime)
    }

    /// `futimens(3)` on a resolved location.
    pub fn utimens(
        &self,
        ctx: &Context<'_>,
        at: &PathRef,
        atime: TimeUpdate,
        mtime: TimeUpdate,
    ) -> Result<()> {
        if atime == TimeUpdate::Omit && mtime == TimeUpdate::Omit {
            return Ok(());
        }
        let attr = at.inode().stat()?;
        let explicit = matches!(atime, TimeUpdate::Set(_)) || matches!(mtime, TimeUpdate::Set(_));
        if !ctx.cred.is_owner_or_fowner(attr.uid) {
            if explicit {
                return Err(Errno::EPERM);
            }
            ctx.cred.check(&attr, Access::MAY_WRITE)?;
        }
        check_mount_writable(at)?;
        let now = self.clock.now();
        let pick = |t: TimeUpdate| match t {
            TimeUpdate::Omit => None,
            TimeUpdate::Now => Some(now),
            TimeUpdate::Set(ts) => Some(ts),
        };
        at.inode().setattr(&SetAttr {
            atime: pick(atime),
            mtime: pick(mtime),
            ..SetAttr::default()
        })
    }

    /// `faccessat2(2)`: `mode` is `F_OK` (0) or a mix of `R_OK`, `W_OK`,
    /// `X_OK`. The kernel passes credentials built from the real ids unless
    /// `AT_EACCESS`.
    pub fn faccessat(
        &self,
        ctx: &Context<'_>,
        dir: &PathRef,
        path: &[u8],
        mode: u32,
        flags: AtFlags,
    ) -> Result<()> {
        if mode & !7 != 0 {
            return Err(Errno::EINVAL);
        }
        let at = self.resolve(ctx, dir, path, flags)?;
        let attr = at.inode().stat()?;
        let want = Access::from_bits_truncate(mode);
        if want.is_empty() {
            return Ok(());
        }
        ctx.cred.check(&attr, want)?;
        let is_data = matches!(
            attr.file_type(),
            Some(FileType::Regular | FileType::Directory | FileType::Symlink)
        );
        if want.contains(Access::MAY_WRITE) && is_data {
            check_mount_writable(&at)?;
        }
        Ok(())
    }

    /// `truncate(2)`: EISDIR for directories, EINVAL for other non-regular
    /// files, EACCES without write permission, EROFS on read-only mounts.
    pub fn truncate(&self, ctx: &Context<'_>, dir: &PathRef, path: &[u8], size: u64) -> Result<()> {
        let at = self.resolve(ctx, dir, path, AtFlags::empty())?;
        match at.dentry.file_type() {
            Some(FileType::Directory) => return Err(Errno::EISDIR),
            Some(FileType::Regular) => {}
            _ => return Err(Errno::EINVAL),
        }
        ctx.cred.check(&at.inode().stat()?, Access::MAY_WRITE)?;
        check_mount_writable(&at)?;
        at.inode().setattr(&SetAttr {
            size: Some(size),
            ..SetAttr::default()
        })
    }

    /// `statfs(2)` for the filesystem holding `at`.
    pub fn statfs(&self, at: &PathRef) -> Result<StatFs> {
        let mut s = at.mount.fs().statfs()?;
        if at.mount.is_readonly() {
            s.flags |= 1;
        }
        Ok(s)
    }

    /// `getxattr(2)` on a resolved location: `user.*` needs read
    /// permission, `trusted.*` CAP_SYS_ADMIN.
    pub fn getxattr(&self, ctx: &Context<'_>, at: &PathRef, name: &[u8]) -> Result<Vec<u8>> {
        self.xattr_access(ctx, at, name, Access::MAY_READ)?;
        at.inode().getxattr(name)
    }

    /// `setxattr(2)` on a resolved location (`XATTR_CREATE`/`XATTR_REPLACE`).
    pub fn setxattr(
        &self,
        ctx: &Context<'_>,
        at: &PathRef,
        name: &[u8],
        value: &[u8],
        flags: u32,
    ) -> Result<()> {
        if flags & !3 != 0 {
            return Err(Errno::EINVAL);
        }
        self.xattr_access(ctx, at, name, Access::MAY_WRITE)?;
        check_mount_writable(at)?;
        at.inode().setxattr(name, value, flags)
    }

    /// `listxattr(2)`: names the caller may see (`trusted.*` only with
    /// CAP_SYS_ADMIN).
    pub fn listxattr(&self, ctx: &Context<'_>, at: &PathRef) -> Result<Vec<Vec<u8>>> {
        let admin = ctx.cred.has_cap(Capabilities::CAP_SYS_ADMIN);
        let mut names = at.inode().listxattr()?;
        names.retain(|n| admin || !n.starts_with(b"trusted."));
        Ok(names)
    }

    /// `removexattr(2)` on a resolved location.
    pub fn removexattr(&self, ctx: &Context<'_>, at: &PathRef, name: &[u8]) -> Result<()> {
        self.xattr_access(ctx, at, name, Access::MAY_WRITE)?;
        check_mount_writable(at)?;
        at.inode().removexattr(name)
    }

    fn xattr_access(
        &self,
        ctx: &Context<'_>,
        at: &PathRef,
        name: &[u8],
        want: Access,
    ) -> Result<()> {
        if name.is_empty() || name.len() > 255 {
            return Err(Errno::ERANGE);
        }
        if name.starts_with(b"trusted.") || name.starts_with(b"security.") {
            if name.starts_with(b"trusted.") && !ctx.cred.has_cap(Capabilities::CAP_SYS_ADMIN) {
                return Err(Errno::EPERM);
            }
            return Ok(());
        }
        if !name.starts_with(b"user.") {
            return Err(Errno::EOPNOTSUPP);
        }
        let attr = at.inode().stat()?;
        if !matches!(
            attr.file_type(),
            Some(FileType::Regular | FileType::Directory)
        ) {
            return Err(if want == Access::MAY_READ {
                Errno::ENODATA
            } else {
                Errno::EPERM
            });
        }
        ctx.cred.check(&attr, want)
    }
}
