//! Directory changes in the merged tree: create over whiteouts, whiteouts
//! on removal, link and rename with copy-up.

use alloc::sync::Arc;
use alloc::vec::Vec;

use vfs::uapi::S_IFCHR;
use vfs::{downcast_inode, DirEntry, Errno, Inode, NewInode, RenameFlags, Result};

use crate::inode::{is_whiteout, OvlInode};
use crate::OPAQUE_XATTR;

/// The new-inode description of a whiteout.
const WHITEOUT: NewInode = NewInode {
    mode: S_IFCHR,
    uid: 0,
    gid: 0,
    rdev: 0,
};

/// Removes a whiteout at `name` in `upper_dir`; returns whether one was there.
fn clear_whiteout(upper_dir: &Arc<dyn Inode>, name: &[u8]) -> Result<bool> {
    match upper_dir.lookup(name) {
        Ok(c) if is_whiteout(&c.stat()?) => {
            upper_dir.unlink(name)?;
            Ok(true)
        }
        Ok(_) => Err(Errno::EEXIST),
        Err(Errno::ENOENT) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Marks an upper directory opaque so lower directories of the same name
/// stay hidden.
fn set_opaque(dir: &Arc<dyn Inode>) -> Result<()> {
    dir.setxattr(OPAQUE_XATTR, b"y", 0)
}

/// Removes the whiteouts inside an upper directory that is empty in the
/// merged view, so the upper layer can remove or replace it.
fn purge_whiteouts(dir: &Arc<dyn Inode>) -> Result<()> {
    let mut names: Vec<Vec<u8>> = Vec::new();
    dir.readdir(0, &mut |e: &DirEntry| {
        names.push(e.name.clone());
        true
    })?;
    for name in names {
        let child = dir.lookup(&name)?;
        if !is_whiteout(&child.stat()?) {
            return Err(Errno::ENOTEMPTY);
        }
        dir.unlink(&name)?;
    }
    Ok(())
}

impl OvlInode {
    /// Whether a lower layer has something visible at `name` under this
    /// directory (so removing the name needs a whiteout).
    fn lower_exists(&self, name: &[u8]) -> Result<bool> {
        for dir in &self.lowers {
            match dir.lookup(name) {
                Ok(c) => return Ok(!is_whiteout(&c.stat()?)),
                Err(Errno::ENOENT) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(false)
    }

    /// Creates something new at `name` via `op` on the upper directory.
    pub(crate) fn make(
        &self,
        name: &[u8],
        op: impl FnOnce(&Arc<dyn Inode>) -> Result<Arc<dyn Inode>>,
    ) -> Result<Arc<dyn Inode>> {
        if !self.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        self.changed();
        let upper_dir = self.copy_up()?;
        let replaced = clear_whiteout(&upper_dir, name)?;
        let created = op(&upper_dir)?;
        if created.stat()?.is_dir() && (replaced || self.lower_exists(name)?) {
            set_opaque(&created)?;
        }
        Ok(self.adopt(name, created)?)
    }

    /// `link`: copies the target up and links the upper copy.
    pub(crate) fn link_to(&self, name: &[u8], target: &Arc<dyn Inode>) -> Result<()> {
        self.changed();
        let target = downcast_inode::<OvlInode>(target).ok_or(Errno::EXDEV)?;
        if !Arc::ptr_eq(&target.fs, &self.fs) {
            return Err(Errno::EXDEV);
        }
        let upper_target = target.copy_up()?;
        let upper_dir = self.copy_up()?;
        clear_whiteout(&upper_dir, name)?;
        upper_dir.link(name, &upper_target)?;
        self.forget(name);
        Ok(())
    }

    /// `unlink`/`rmdir`: removes the upper part, then whiteouts the name if
    /// a lower layer still has it.
    pub(crate) fn remove(&self, name: &[u8], dir: bool) -> Result<()> {
        self.changed();
        let child = self.child(name)?;
        if child.is_dir() != dir {
            return Err(if dir { Errno::ENOTDIR } else { Errno::EISDIR });
        }
        if dir && !child.merged_entries()?.is_empty() {
            return Err(Errno::ENOTEMPTY);
        }
        let upper_dir = self.copy_up()?;
        let needs_whiteout = self.lower_exists(name)?;
        if let Some(u) = child.upper() {
            if dir {
                purge_whiteouts(&u)?;
                upper_dir.rmdir(name)?;
            } else {
                upper_dir.unlink(name)?;
            }
        }
        if needs_whiteout {
            upper_dir.create(name, &WHITEOUT)?;
        }
        self.forget(name);
        Ok(())
    }

    /// `rename`: see the crate docs for the rules.
    pub(crate) fn rename_to(
        &self,
        old: &[u8],
        new_dir: &Arc<dyn Inode>,
        new: &[u8],
        flags: RenameFlags,
    ) -> Result<()> {
        let dst = downcast_inode::<OvlInode>(new_dir).ok_or(Errno::EXDEV)?;
        if !Arc::ptr_eq(&dst.fs, &self.fs) {
            return Err(Errno::EXDEV);
        }
        self.changed();
        dst.changed();
        if flags.contains(RenameFlags::RENAME_WHITEOUT) {
            return Err(Errno::EINVAL);
        }
        let moved = self.child(old)?;
        if moved.is_dir() && !moved.lowers.is_empty() {
            // No redirect_dir: userspace falls back to copy + delete.
            return Err(Errno::EXDEV);
        }
        let target = match dst.child(new) {
            Ok(t) => Some(t),
            Err(Errno::ENOENT) => None,
            Err(e) => return Err(e),
        };
        let exchange = flags.contains(RenameFlags::RENAME_EXCHANGE);
        if exchange {
            let t = target.as_ref().ok_or(Errno::ENOENT)?;
            if t.is_dir() && !t.lowers.is_empty() {
                return Err(Errno::EXDEV);
            }
        }
        let upper_moved = moved.copy_up()?;
        let src_upper = self.copy_up()?;
        let dst_upper = dst.copy_up()?;
        let src_whiteout = self.lower_exists(old)?;
        let dst_lower = dst.lower_exists(new)?;
        if exchange {
            let t = target.as_ref().ok_or(Errno::ENOENT)?;
            let upper_t = t.copy_up()?;
            src_upper.rename(old, &dst_upper, new, RenameFlags::RENAME_EXCHANGE)?;
            // A directory landing on a name with lower contents must not
            // merge with them.
            if moved.is_dir() && dst_lower {
                set_opaque(&upper_moved)?;
            }
            if t.is_dir() && src_whiteout {
                set_opaque(&upper_t)?;
            }
        } else {
            let mut replaced_whiteout = false;
            match &target {
                Some(t) => {
                    if t.is_dir() {
                        if !t.merged_entries()?.is_empty() {
                            return Err(Errno::ENOTEMPTY);
                        }
                        if let Some(tu) = t.upper() {
                            purge_whiteouts(&tu)?;
                        }
                    }
                }
                None => replaced_whiteout = clear_whiteout(&dst_upper, new)?,
            }
            let upper_flags = flags & RenameFlags::RENAME_NOREPLACE;
            src_upper.rename(old, &dst_upper, new, upper_flags)?;
            if moved.is_dir() && (dst_lower || replaced_whiteout) {
                set_opaque(&upper_moved)?;
            }
            if src_whiteout {
                src_upper.create(old, &WHITEOUT)?;
            }
        }
        // Keep the merged-name cache in step.
        self.forget(old);
        dst.forget(new);
        {
            let mut links = moved.links.lock();
            links.parent = Some(dst.clone());
            links.name = new.to_vec();
        }
        dst.children
            .lock()
            .insert(new.to_vec(), Arc::downgrade(&moved));
        if let (true, Some(t)) = (exchange, &target) {
            let mut links = t.links.lock();
            links.parent = Some(self.arc()?);
            links.name = old.to_vec();
            drop(links);
            self.children.lock().insert(old.to_vec(), Arc::downgrade(t));
            self.changed();
        }
        Ok(())
    }
}
