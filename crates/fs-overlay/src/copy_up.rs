//! Copy-up: giving a lower-layer file (and its ancestors) an upper-layer
//! copy before the first change, with data, mode, owner, times and xattrs.

use alloc::sync::Arc;
use alloc::vec;

use vfs::uapi::{FileType, S_IALLUGO, S_IFMT};
use vfs::{Errno, Inode, NewInode, OpenFlags, Result, SetAttr};

use crate::inode::OvlInode;
use crate::{INO_XATTR, PRIVATE_XATTR_PREFIX};

/// Chunk size for copying file data; all-zero chunks are skipped so sparse
/// files stay sparse.
const CHUNK: usize = 64 * 1024;

impl OvlInode {
    /// The upper inode, copying this inode (and its ancestors) up first if
    /// needed.
    pub(crate) fn copy_up(&self) -> Result<Arc<dyn Inode>> {
        if let Some(u) = self.upper() {
            return Ok(u);
        }
        let (parent, name) = {
            let l = self.links.lock();
            (l.parent.clone(), l.name.clone())
        };
        // Only the root lacks a parent, and the root always has an upper.
        let parent = parent.ok_or(Errno::EIO)?;
        let upper_dir = parent.copy_up()?;
        let mut slot = self.upper.lock();
        if let Some(u) = slot.as_ref() {
            return Ok(u.clone());
        }
        let lower = self.lowers.first().ok_or(Errno::EIO)?;
        let upper = copy_one(&upper_dir, &name, lower, self.file_type)?;
        // Keep the inode number stable; an upper without xattrs just loses
        // that after the next fresh lookup.
        match upper.setxattr(INO_XATTR, &self.ino.to_ne_bytes(), 0) {
            Ok(()) | Err(Errno::EOPNOTSUPP) => {}
            Err(e) => return Err(e),
        }
        *slot = Some(upper.clone());
        Ok(upper)
    }
}

/// Creates `name` in `upper_dir` as a copy of `lower`.
fn copy_one(
    upper_dir: &Arc<dyn Inode>,
    name: &[u8],
    lower: &Arc<dyn Inode>,
    ty: FileType,
) -> Result<Arc<dyn Inode>> {
    let attr = lower.stat()?;
    let new = NewInode {
        mode: attr.mode & (S_IFMT | S_IALLUGO),
        uid: attr.uid,
        gid: attr.gid,
        rdev: attr.rdev,
    };
    let upper = match ty {
        FileType::Directory => upper_dir.mkdir(name, &new)?,
        FileType::Symlink => upper_dir.symlink(name, &lower.readlink()?, &new)?,
        FileType::Regular => {
            let up = upper_dir.create(name, &new)?;
            if let Err(e) = copy_data(lower, &up) {
                // Best effort: do not leave a truncated copy visible.
                let _ = upper_dir.unlink(name);
                return Err(e);
            }
            up
        }
        _ => upper_dir.create(name, &new)?,
    };
    copy_xattrs(lower, &upper)?;
    let meta = SetAttr {
        mode: Some(attr.mode & S_IALLUGO),
        uid: Some(attr.uid),
        gid: Some(attr.gid),
        atime: Some(attr.atime),
        mtime: Some(attr.mtime),
        ..SetAttr::default()
    };
    if ty != FileType::Symlink {
        upper.setattr(&meta)?;
    }
    Ok(upper)
}

fn copy_data(lower: &Arc<dyn Inode>, upper: &Arc<dyn Inode>) -> Result<()> {
    let src = lower.open(OpenFlags::empty())?;
    let dst = upper.open(OpenFlags::O_WRONLY)?;
    let mut buf = vec![0u8; CHUNK];
    let mut off = 0u64;
    loop {
        let n = src.read_at(off, &mut buf)?;
        if n == 0 {
            break;
        }
        if buf[..n].iter().any(|&b| b != 0) {
            let mut done = 0;
            while done < n {
                let w = dst.write_at(off + done as u64, &buf[done..n])?;
                if w == 0 {
                    return Err(Errno::EIO);
                }
                done += w;
            }
        }
        off += n as u64;
    }
    // Skipped zero chunks at the end still count towards the size.
    upper.setattr(&SetAttr {
        size: Some(off),
        ..SetAttr::default()
    })
}

fn copy_xattrs(lower: &Arc<dyn Inode>, upper: &Arc<dyn Inode>) -> Result<()> {
    let names = match lower.listxattr() {
        Ok(n) => n,
        Err(Errno::EOPNOTSUPP) => return Ok(()),
        Err(e) => return Err(e),
    };
    for name in names {
        if name.starts_with(PRIVATE_XATTR_PREFIX) {
            continue;
        }
        let value = match lower.getxattr(&name) {
            Ok(v) => v,
            Err(Errno::ENODATA) => continue,
            Err(e) => return Err(e),
        };
        match upper.setxattr(&name, &value, 0) {
            Ok(()) | Err(Errno::EOPNOTSUPP) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
