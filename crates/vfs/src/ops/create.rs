//! `mkdirat(2)`, `mknodat(2)`, `symlinkat(2)`, `linkat(2)`.

use super::{may_create, name_of, new_inode, walk_parent};
use crate::cred::Capabilities;
use crate::errno::{Errno, Result};
use crate::mount::PathRef;
use crate::resolve::{Parent, Walker};
use crate::uapi::{AtFlags, FileType, PATH_MAX, S_IALLUGO, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG};
use crate::vfs::{Context, Vfs};

impl Vfs {
    /// Walks to the parent of a new name and fails with EEXIST if it exists
    /// (a trailing slash is only allowed when `dir_ok`).
    fn prepare_create(
        &self,
        ctx: &Context<'_>,
        dir: &PathRef,
        path: &[u8],
        dir_ok: bool,
    ) -> Result<(Parent, alloc::vec::Vec<u8>)> {
        let (w, p) = walk_parent(self, ctx, dir, path)?;
        let name = name_of(&p.last, Errno::EEXIST)?.to_vec();
        w.may_search(&p.dir)?;
        match w.lookup(&p.dir, &name) {
            Ok(_) => return Err(Errno::EEXIST),
            Err(Errno::ENOENT) => {}
            Err(e) => return Err(e),
        }
        if p.trailing_slash && !dir_ok {
            return Err(Errno::ENOENT);
        }
        Ok((p, name))
    }

    /// `mkdirat(2)`.
    pub fn mkdirat(&self, ctx: &Context<'_>, dir: &PathRef, path: &[u8], mode: u32) -> Result<()> {
        let (p, name) = self.prepare_create(ctx, dir, path, true)?;
        let dir_attr = may_create(ctx.cred, &p.dir)?;
        let new = new_inode(ctx.cred, &dir_attr, S_IFDIR | (mode & S_IALLUGO), 0);
        p.dir.inode().mkdir(&name, &new)?;
        Ok(())
    }

    /// `mknodat(2)`: regular files (type 0 or `S_IFREG`), FIFOs, sockets and,
    /// with CAP_MKNOD, device nodes. Directories give EPERM.
    pub fn mknodat(
        &self,
        ctx: &Context<'_>,
        dir: &PathRef,
        path: &[u8],
        mode: u32,
        dev: u64,
    ) -> Result<()> {
        let mode = if mode & S_IFMT == 0 {
            mode | S_IFREG
        } else {
            mode
        };
        match FileType::from_mode(mode) {
            None | Some(FileType::Symlink) => return Err(Errno::EINVAL),
            Some(FileType::Directory) => return Err(Errno::EPERM),
            Some(FileType::CharDevice | FileType::BlockDevice) => {
                if !ctx.cred.has_cap(Capabilities::CAP_MKNOD) {
                    return Err(Errno::EPERM);
                }
            }
            Some(FileType::Regular | FileType::Fifo | FileType::Socket) => {}
        }
        let (p, name) = self.prepare_create(ctx, dir, path, false)?;
        let dir_attr = may_create(ctx.cred, &p.dir)?;
        let new = new_inode(ctx.cred, &dir_attr, mode & (S_IFMT | S_IALLUGO), dev);
        p.dir.inode().create(&name, &new)?;
        Ok(())
    }

    /// `symlinkat(2)`: creates `path` pointing at `target`.
    pub fn symlinkat(
        &self,
        ctx: &Context<'_>,
        target: &[u8],
        dir: &PathRef,
        path: &[u8],
    ) -> Result<()> {
        if target.is_empty() {
            return Err(Errno::ENOENT);
        }
        if target.len() >= PATH_MAX {
            return Err(Errno::ENAMETOOLONG);
        }
        let (p, name) = self.prepare_create(ctx, dir, path, false)?;
        let dir_attr = may_create(ctx.cred, &p.dir)?;
        let new = new_inode(ctx.cred, &dir_attr, S_IFLNK | 0o777, 0);
        p.dir.inode().symlink(&name, target, &new)?;
        Ok(())
    }

    /// `linkat(2)`: a new name for an existing non-directory. The old path
    /// follows a final symlink only with `AT_SYMLINK_FOLLOW`; `AT_EMPTY_PATH`
    /// links the dirfd's own file.
    pub fn linkat(
        &self,
        ctx: &Context<'_>,
        old_dir: &PathRef,
        old_path: &[u8],
        new_dir: &PathRef,
        new_path: &[u8],
        flags: AtFlags,
    ) -> Result<()> {
        if !(AtFlags::AT_SYMLINK_FOLLOW | AtFlags::AT_EMPTY_PATH).contains(flags) {
            return Err(Errno::EINVAL);
        }
        let old = if old_path.is_empty() && flags.contains(AtFlags::AT_EMPTY_PATH) {
            old_dir.clone()
        } else {
            let follow = flags.contains(AtFlags::AT_SYMLINK_FOLLOW);
            Walker::new(self, ctx, old_dir).walk(old_dir, old_path, follow)?
        };
        if old.dentry.is_dir() {
            return Err(Errno::EPERM);
        }
        let (p, name) = self.prepare_create(ctx, new_dir, new_path, false)?;
        if p.dir.mount.id() != old.mount.id() {
            return Err(Errno::EXDEV);
        }
        ctx.cred.may_hardlink(&old.inode().stat()?)?;
        may_create(ctx.cred, &p.dir)?;
        p.dir.inode().link(&name, old.inode())
    }
}
