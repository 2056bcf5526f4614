//! `renameat2(2)`.

use super::{may_delete, walk_parent};
use crate::cred::{Access, Capabilities};
use crate::dentry::Dentry;
use crate::errno::{Errno, Result};
use crate::mount::PathRef;
use crate::resolve::Last;
use crate::uapi::RenameFlags;
use crate::vfs::{Context, Vfs};

impl Vfs {
    /// `renameat2(2)` with `RENAME_NOREPLACE`, `RENAME_EXCHANGE` and
    /// `RENAME_WHITEOUT`. Applies Linux's rules: EXDEV across mounts, EBUSY
    /// for `.`/`..` and mountpoints, EISDIR/ENOTDIR for type mismatches,
    /// EINVAL for moving a directory below itself, ENOTEMPTY for replacing a
    /// non-empty directory, the sticky rule on both ends, and a no-op when
    /// both names are the same inode.
    pub fn renameat2(
        &self,
        ctx: &Context<'_>,
        old_dir: &PathRef,
        old_path: &[u8],
        new_dir: &PathRef,
        new_path: &[u8],
        flags: RenameFlags,
    ) -> Result<()> {
        if flags.bits() & !RenameFlags::all().bits() != 0 {
            return Err(Errno::EINVAL);
        }
        let exchange = flags.contains(RenameFlags::RENAME_EXCHANGE);
        if exchange
            && flags.intersects(RenameFlags::RENAME_NOREPLACE | RenameFlags::RENAME_WHITEOUT)
        {
            return Err(Errno::EINVAL);
        }
        if flags.contains(RenameFlags::RENAME_WHITEOUT)
            && !ctx.cred.has_cap(Capabilities::CAP_MKNOD)
        {
            return Err(Errno::EPERM);
        }
        let (w, op) = walk_parent(self, ctx, old_dir, old_path)?;
        let (_, np) = walk_parent(self, ctx, new_dir, new_path)?;
        let (Last::Name(old_name), Last::Name(new_name)) = (&op.last, &np.last) else {
            return Err(Errno::EBUSY);
        };
        if op.dir.mount.id() != np.dir.mount.id() {
            return Err(Errno::EXDEV);
        }
        w.may_search(&op.dir)?;
        w.may_search(&np.dir)?;

        let _guard = self.rename_lock.lock();
        let old = w.lookup(&op.dir, old_name)?;
        if old.mount.id() != op.dir.mount.id() {
            return Err(Errno::EBUSY);
        }
        let new = match w.lookup(&np.dir, new_name) {
            Ok(n) => Some(n),
            Err(Errno::ENOENT) if !exchange => None,
            Err(e) => return Err(e),
        };
        let old_is_dir = old.dentry.is_dir();
        if (op.trailing_slash || np.trailing_slash) && !old_is_dir && !exchange {
            return Err(Errno::ENOTDIR);
        }
        if let Some(new) = &new {
            if new.mount.id() != np.dir.mount.id() {
                return Err(Errno::EBUSY);
            }
            if same_inode(&old, new) {
                return Ok(());
            }
            if flags.contains(RenameFlags::RENAME_NOREPLACE) {
                return Err(Errno::EEXIST);
            }
            let new_is_dir = new.dentry.is_dir();
            if !exchange {
                if old_is_dir && !new_is_dir {
                    return Err(Errno::ENOTDIR);
                }
                if !old_is_dir && new_is_dir {
                    return Err(Errno::EISDIR);
                }
            }
            if new_is_dir && op.dir.dentry.is_descendant_of(&new.dentry) {
                return Err(if exchange {
                    Errno::EINVAL
                } else {
                    Errno::ENOTEMPTY
                });
            }
        }
        if old_is_dir && np.dir.dentry.is_descendant_of(&old.dentry) {
            return Err(Errno::EINVAL);
        }

        let old_attr = old.inode().stat()?;
        may_delete(ctx.cred, &op.dir, &old_attr)?;
        match &new {
            Some(n) => may_delete(ctx.cred, &np.dir, &n.inode().stat()?)?,
            None => {
                super::may_create(ctx.cred, &np.dir)?;
            }
        }
        // Moving a directory to a new parent rewrites its "..".
        let moves_parent = op.dir.dentry.id() != np.dir.dentry.id();
        if old_is_dir && moves_parent {
            ctx.cred.check(&old_attr, Access::MAY_WRITE)?;
        }
        if exchange && moves_parent {
            if let Some(n) = &new {
                if n.dentry.is_dir() {
                    ctx.cred.check(&n.inode().stat()?, Access::MAY_WRITE)?;
                }
            }
        }

        op.dir
            .inode()
            .rename(old_name, np.dir.inode(), new_name, flags)?;

        match (&new, exchange) {
            (Some(n), true) => {
                Dentry::move_child(&n.dentry, &op.dir.dentry, old_name);
                Dentry::move_child(&old.dentry, &np.dir.dentry, new_name);
            }
            _ => {
                if let Some(d) = np.dir.dentry.forget_child(new_name) {
                    d.mark_dead();
                }
                Dentry::move_child(&old.dentry, &np.dir.dentry, new_name);
                if flags.contains(RenameFlags::RENAME_WHITEOUT) {
                    op.dir.dentry.forget_child(old_name);
                }
            }
        }
        Ok(())
    }
}

/// Whether two locations name the same inode (hard links to one file).
fn same_inode(a: &PathRef, b: &PathRef) -> bool {
    match (a.inode().stat(), b.inode().stat()) {
        (Ok(x), Ok(y)) => x.ino == y.ino && x.dev == y.dev,
        _ => false,
    }
}
