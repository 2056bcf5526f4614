//! `openat(2)`/`openat2(2)`.

use alloc::boxed::Box;
use alloc::sync::Arc;

use super::{may_create, new_inode, walk_parent};
use crate::attr::SetAttr;
use crate::cred::Access;
use crate::dentry::Dentry;
use crate::errno::{Errno, Result};
use crate::file::{FileDescription, PathOnlyFile};
use crate::inode::Link;
use crate::mount::{MountFlags, PathRef};
use crate::resolve::{Last, Walker};
use crate::uapi::{AccessMode, FileType, OpenFlags, S_IALLUGO, S_IFREG};
use crate::vfs::{Context, Vfs};

impl Vfs {
    /// `openat(2)`: opens (and with `O_CREAT` creates) `path` relative to
    /// `dir`. Implements `O_NOFOLLOW` (ELOOP on a final symlink unless
    /// `O_PATH`), `O_DIRECTORY` (ENOTDIR), `O_CREAT|O_EXCL` (EEXIST, also on
    /// a dangling symlink), `O_TRUNC`, `O_PATH`, EISDIR for writing a
    /// directory, EROFS and EACCES. `O_TMPFILE` is not supported: after
    /// the checks on the directory (ENOENT, ENOTDIR, EACCES, EROFS) it is
    /// EOPNOTSUPP.
    pub fn openat(
        &self,
        ctx: &Context<'_>,
        dir: &PathRef,
        path: &[u8],
        flags: OpenFlags,
        mode: u32,
    ) -> Result<Arc<FileDescription>> {
        if flags.contains(OpenFlags::O_TMPFILE) {
            let target = Walker::new(self, ctx, dir).walk(dir, path, true)?;
            if target.dentry.file_type() != Some(FileType::Directory) {
                return Err(Errno::ENOTDIR);
            }
            may_create(ctx.cred, &target)?;
            return Err(Errno::EOPNOTSUPP);
        }
        let mut flags = flags;
        if flags.contains(OpenFlags::O_PATH) {
            flags &= OpenFlags::O_PATH
                | OpenFlags::O_DIRECTORY
                | OpenFlags::O_NOFOLLOW
                | OpenFlags::O_CLOEXEC;
        }
        let nofollow = flags.contains(OpenFlags::O_NOFOLLOW);
        let (target, created) = if flags.contains(OpenFlags::O_CREAT) {
            self.open_create(ctx, dir, path, flags, mode)?
        } else {
            let mut w = Walker::new(self, ctx, dir);
            let target = w.walk(dir, path, !nofollow)?;
            (target, false)
        };
        self.open_location(ctx, target, flags, created)
    }

    /// Resolves the target of an `O_CREAT` open, creating a regular file if
    /// the final component does not exist. A final symlink is followed (to
    /// its target, which may be created) unless `O_EXCL` or `O_NOFOLLOW`.
    fn open_create(
        &self,
        ctx: &Context<'_>,
        dir: &PathRef,
        path: &[u8],
        flags: OpenFlags,
        mode: u32,
    ) -> Result<(PathRef, bool)> {
        let (mut w, mut p) = walk_parent(self, ctx, dir, path)?;
        loop {
            let name = match &p.last {
                Last::Name(n) if !p.trailing_slash => n.clone(),
                _ => return Err(Errno::EISDIR),
            };
            w.may_search(&p.dir)?;
            match w.lookup(&p.dir, &name) {
                Ok(found) => {
                    if flags.contains(OpenFlags::O_EXCL) {
                        return Err(Errno::EEXIST);
                    }
                    if !found.dentry.is_symlink() {
                        return Ok((found, false));
                    }
                    if flags.contains(OpenFlags::O_NOFOLLOW) {
                        return Err(Errno::ELOOP);
                    }
                    w.count_hop()?;
                    match found.inode().get_link()? {
                        Link::Target(t) => p = w.walk_parent(&p.dir, &t)?,
                        Link::Jump(_) => {
                            let to = w.follow_link(&p.dir, &found)?;
                            return Ok((to, false));
                        }
                    }
                }
                Err(Errno::ENOENT) => {
                    let dir_attr = may_create(w.cred(), &p.dir)?;
                    let new = new_inode(w.cred(), &dir_attr, S_IFREG | (mode & S_IALLUGO), 0);
                    let inode = p.dir.inode().create(&name, &new)?;
                    let dentry = Dentry::insert_child(&p.dir.dentry, &name, inode);
                    return Ok((PathRef::new(p.dir.mount.clone(), dentry), true));
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// The checks and side effects of open once the location is known.
    fn open_location(
        &self,
        ctx: &Context<'_>,
        target: PathRef,
        flags: OpenFlags,
        created: bool,
    ) -> Result<Arc<FileDescription>> {
        let ftype = target.dentry.file_type();
        if flags.contains(OpenFlags::O_DIRECTORY) && ftype != Some(FileType::Directory) {
            return Err(Errno::ENOTDIR);
        }
        if flags.contains(OpenFlags::O_PATH) {
            let inode = target.inode().clone();
            return FileDescription::new(Box::new(PathOnlyFile), inode, Some(target), flags)
                .map(Arc::new);
        }
        if ftype == Some(FileType::Symlink) {
            // Only reachable with O_NOFOLLOW.
            return Err(Errno::ELOOP);
        }
        let access = AccessMode::of(flags);
        let write = access.writable() || flags.contains(OpenFlags::O_TRUNC);
        if ftype == Some(FileType::Directory)
            && (access.writable() || flags.contains(OpenFlags::O_CREAT))
        {
            return Err(Errno::EISDIR);
        }
        if !created {
            let attr = target.inode().stat()?;
            let mut want = Access::empty();
            if access.readable() {
                want |= Access::MAY_READ;
            }
            if write {
                want |= Access::MAY_WRITE;
            }
            ctx.cred.check(&attr, want)?;
            let is_data = matches!(ftype, Some(FileType::Regular | FileType::Directory));
            if write && is_data && target.mount.is_readonly() {
                return Err(Errno::EROFS);
            }
        }
        let special = matches!(
            ftype,
            Some(FileType::CharDevice | FileType::BlockDevice | FileType::Fifo)
        );
        let is_device = matches!(ftype, Some(FileType::CharDevice | FileType::BlockDevice));
        if is_device && target.mount.flags().contains(MountFlags::MS_NODEV) {
            return Err(Errno::EACCES);
        }
        let opener = if special {
            self.special.read().clone()
        } else {
            None
        };
        let imp = match opener {
            Some(o) => o.open_special(&target, &target.inode().stat()?, flags)?,
            None => target.inode().open(flags)?,
        };
        if flags.contains(OpenFlags::O_TRUNC) && !created && ftype == Some(FileType::Regular) {
            target.inode().setattr(&SetAttr {
                size: Some(0),
                ..SetAttr::default()
            })?;
        }
        let inode = target.inode().clone();
        FileDescription::new(imp, inode, Some(target), flags).map(Arc::new)
    }
}
