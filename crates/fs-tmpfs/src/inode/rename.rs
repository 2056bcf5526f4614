//! Rename within one directory and across two, with the tmpfs link-count
//! bookkeeping and `RENAME_EXCHANGE`/`RENAME_NOREPLACE`/`RENAME_WHITEOUT`.

use alloc::sync::Arc;

use vfs::uapi::FileType;
use vfs::{Errno, NewInode, RenameFlags, Result, Timespec};

use super::{Kind, State, TmpInode, LINK_MAX};

impl TmpInode {
    fn lock_pair<'a>(
        a: &'a TmpInode,
        b: &'a TmpInode,
    ) -> (spin::MutexGuard<'a, State>, spin::MutexGuard<'a, State>) {
        if a.ino < b.ino {
            let ga = a.state.lock();
            (ga, b.state.lock())
        } else {
            let gb = b.state.lock();
            (a.state.lock(), gb)
        }
    }

    pub(super) fn rename_same_dir(&self, old: &[u8], new: &[u8], flags: RenameFlags) -> Result<()> {
        let now = self.now();
        let mut st = self.state.lock();
        let Kind::Dir(entries) = &mut st.kind else {
            return Err(Errno::ENOTDIR);
        };
        let moved = entries.get(old).cloned().ok_or(Errno::ENOENT)?;
        let target = entries.get(new).cloned();
        if flags.contains(RenameFlags::RENAME_EXCHANGE) {
            let target = target.ok_or(Errno::ENOENT)?;
            entries.insert(old.to_vec(), target.clone());
            entries.insert(new.to_vec(), moved.clone());
            touch_ctime(&[&moved, &target], now);
        } else {
            if let Some(t) = &target {
                check_replace(&moved, t, flags)?;
                if t.file_type == FileType::Directory {
                    st.nlink = st.nlink.saturating_sub(1);
                }
            }
            let Kind::Dir(entries) = &mut st.kind else {
                return Err(Errno::ENOTDIR);
            };
            entries.remove(old);
            entries.insert(new.to_vec(), moved.clone());
            if let Some(t) = target {
                t.drop_link(now);
            }
            touch_ctime(&[&moved], now);
            if flags.contains(RenameFlags::RENAME_WHITEOUT) {
                let wo = self.whiteout(&moved)?;
                if let Kind::Dir(entries) = &mut st.kind {
                    entries.insert(old.to_vec(), wo);
                }
            }
        }
        st.mtime = now;
        st.ctime = now;
        Ok(())
    }

    fn whiteout(&self, like: &TmpInode) -> Result<Arc<TmpInode>> {
        let (uid, gid) = {
            let s = like.state.lock();
            (s.uid, s.gid)
        };
        let new = NewInode {
            mode: vfs::uapi::S_IFCHR,
            uid,
            gid,
            rdev: 0,
        };
        TmpInode::new(&self.fs, &new, Kind::Special)
    }

    pub(super) fn rename_cross_dir(
        &self,
        old: &[u8],
        dst: &TmpInode,
        new: &[u8],
        flags: RenameFlags,
    ) -> Result<()> {
        let now = self.now();
        let (mut src_st, mut dst_st) = TmpInode::lock_pair(self, dst);
        if dst_st.nlink == 0 {
            return Err(Errno::ENOENT);
        }
        let (Kind::Dir(src_entries), Kind::Dir(dst_entries)) = (&mut src_st.kind, &mut dst_st.kind)
        else {
            return Err(Errno::ENOTDIR);
        };
        let moved = src_entries.get(old).cloned().ok_or(Errno::ENOENT)?;
        let target = dst_entries.get(new).cloned();
        // Moving a directory into itself (the VFS rejects this; direct
        // callers must not deadlock on the locks already held).
        let locked = |i: &TmpInode| i.ino == self.ino || i.ino == dst.ino;
        if locked(&moved) || target.as_deref().is_some_and(locked) {
            return Err(Errno::EINVAL);
        }
        let moved_dir = moved.file_type == FileType::Directory;
        if flags.contains(RenameFlags::RENAME_EXCHANGE) {
            let target = target.ok_or(Errno::ENOENT)?;
            let target_dir = target.file_type == FileType::Directory;
            src_entries.insert(old.to_vec(), target.clone());
            dst_entries.insert(new.to_vec(), moved.clone());
            if moved_dir != target_dir {
                if moved_dir {
                    src_st.nlink = src_st.nlink.saturating_sub(1);
                    dst_st.nlink += 1;
                } else {
                    src_st.nlink += 1;
                    dst_st.nlink = dst_st.nlink.saturating_sub(1);
                }
            }
            touch_ctime(&[&moved, &target], now);
        } else {
            if let Some(t) = &target {
                check_replace(&moved, t, flags)?;
            }
            if moved_dir && target.is_none() && dst_st.nlink >= LINK_MAX {
                return Err(Errno::EMLINK);
            }
            let (Kind::Dir(src_entries), Kind::Dir(dst_entries)) =
                (&mut src_st.kind, &mut dst_st.kind)
            else {
                return Err(Errno::ENOTDIR);
            };
            src_entries.remove(old);
            dst_entries.insert(new.to_vec(), moved.clone());
            if moved_dir {
                src_st.nlink = src_st.nlink.saturating_sub(1);
                if target.is_none() {
                    dst_st.nlink += 1;
                }
            } else if target
                .as_ref()
                .is_some_and(|t| t.file_type == FileType::Directory)
            {
                dst_st.nlink = dst_st.nlink.saturating_sub(1);
            }
            if let Some(t) = target {
                t.drop_link(now);
            }
            touch_ctime(&[&moved], now);
            if flags.contains(RenameFlags::RENAME_WHITEOUT) {
                let wo = self.whiteout(&moved)?;
                if let Kind::Dir(src_entries) = &mut src_st.kind {
                    src_entries.insert(old.to_vec(), wo);
                }
            }
        }
        for st in [&mut *src_st, &mut *dst_st] {
            st.mtime = now;
            st.ctime = now;
        }
        Ok(())
    }
}

fn touch_ctime(inodes: &[&Arc<TmpInode>], now: Timespec) {
    for i in inodes {
        i.state.lock().ctime = now;
    }
}

/// The rules for replacing `target` with `moved` (beyond the VFS checks,
/// which a direct caller such as the overlay may skip).
fn check_replace(moved: &TmpInode, target: &TmpInode, flags: RenameFlags) -> Result<()> {
    if flags.contains(RenameFlags::RENAME_NOREPLACE) {
        return Err(Errno::EEXIST);
    }
    let (md, td) = (
        moved.file_type == FileType::Directory,
        target.file_type == FileType::Directory,
    );
    if md && !td {
        return Err(Errno::ENOTDIR);
    }
    if !md && td {
        return Err(Errno::EISDIR);
    }
    if td && !target.is_empty_dir() {
        return Err(Errno::ENOTEMPTY);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::tests::{dir, fs, reg};
    use vfs::uapi::{S_IFCHR, S_IFREG};
    use vfs::{Errno, Filesystem, RenameFlags};

    #[test]
    fn rename_whiteout_and_exchange() {
        let fs = fs(u64::MAX);
        let root = fs.root();
        let d = root.mkdir(b"d", &dir()).unwrap_or_else(|e| panic!("{e}"));
        root.create(b"x", &reg()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            root.rename(b"x", &d, b"y", RenameFlags::RENAME_WHITEOUT),
            Ok(())
        );
        let wo = root
            .lookup(b"x")
            .and_then(|i| i.stat())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((wo.mode & S_IFCHR, wo.rdev), (S_IFCHR, 0));
        assert!(d.lookup(b"y").is_ok());
        // Swapping "y" with "d" itself would put d inside itself.
        assert_eq!(
            d.rename(b"y", &root, b"d", RenameFlags::RENAME_EXCHANGE),
            Err(Errno::EINVAL)
        );
        assert_eq!(
            d.rename(b"y", &root, b"x", RenameFlags::RENAME_EXCHANGE),
            Ok(())
        );
        // The whiteout moved into d, the regular file back to the root.
        assert!(root
            .lookup(b"x")
            .and_then(|i| i.stat())
            .is_ok_and(|a| a.mode & S_IFREG == S_IFREG));
        assert!(d
            .lookup(b"y")
            .and_then(|i| i.stat())
            .is_ok_and(|a| a.mode & S_IFCHR == S_IFCHR));
        assert_eq!(
            d.rename(b"nope", &root, b"z", RenameFlags::empty()),
            Err(Errno::ENOENT)
        );
        let e = root.mkdir(b"e", &dir()).unwrap_or_else(|e| panic!("{e}"));
        e.create(b"inner", &reg()).unwrap_or_else(|e| panic!("{e}"));
        root.mkdir(b"f", &dir()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            root.rename(b"f", &root, b"e", RenameFlags::empty()),
            Err(Errno::ENOTEMPTY)
        );
        assert_eq!(
            root.rename(b"f", &root, b"e", RenameFlags::RENAME_NOREPLACE),
            Err(Errno::EEXIST)
        );
    }
}
