//! `unlinkat(2)` (with and without `AT_REMOVEDIR`).

use super::{may_delete, walk_parent};
use crate::errno::{Errno, Result};
use crate::mount::PathRef;
use crate::resolve::Last;
use crate::uapi::AtFlags;
use crate::vfs::{Context, Vfs};

impl Vfs {
    /// `unlinkat(2)`: removes a name; with `AT_REMOVEDIR` an empty directory
    /// (`rmdir(2)`). Mountpoints give EBUSY, `.` EINVAL (rmdir) or EISDIR
    /// (unlink), `..` ENOTEMPTY, sticky directories EPERM.
    pub fn unlinkat(
        &self,
        ctx: &Context<'_>,
        dir: &PathRef,
        path: &[u8],
        flags: AtFlags,
    ) -> Result<()> {
        if !AtFlags::AT_REMOVEDIR.contains(flags) {
            return Err(Errno::EINVAL);
        }
        let rmdir = flags.contains(AtFlags::AT_REMOVEDIR);
        let (w, p) = walk_parent(self, ctx, dir, path)?;
        let name = match (&p.last, rmdir) {
            (Last::Name(n), _) => n.clone(),
            (Last::Dot, true) => return Err(Errno::EINVAL),
            (Last::DotDot, true) => return Err(Errno::ENOTEMPTY),
            (_, false) => return Err(Errno::EISDIR),
        };
        w.may_search(&p.dir)?;
        let victim = w.lookup(&p.dir, &name)?;
        if victim.mount.id() != p.dir.mount.id() {
            return Err(Errno::EBUSY);
        }
        let attr = victim.inode().stat()?;
        if rmdir {
            if !victim.dentry.is_dir() {
                return Err(Errno::ENOTDIR);
            }
            if victim.same(ctx.root) {
                return Err(Errno::EBUSY);
            }
        } else {
            if victim.dentry.is_dir() {
                return Err(Errno::EISDIR);
            }
            if p.trailing_slash {
                return Err(Errno::ENOTDIR);
            }
        }
        may_delete(ctx.cred, &p.dir, &attr)?;
        if rmdir {
            p.dir.inode().rmdir(&name)?;
        } else {
            p.dir.inode().unlink(&name)?;
        }
        if let Some(d) = p.dir.dentry.forget_child(&name) {
            d.mark_dead();
        }
        Ok(())
    }
}
