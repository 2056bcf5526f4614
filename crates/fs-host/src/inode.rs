//! Host-backed inodes: attributes and directory listings come from the
//! host through [`HostNode`]; every change is refused with `EROFS`.

use std::sync::Arc;

use vfs::uapi::{FileType, S_IFMT};
use vfs::{
    DirEntry, Errno, FileImpl, Inode, InodeAttr, NewInode, OpenFlags, RenameFlags, Result, SetAttr,
    Timespec,
};

use crate::file::{HostDirFile, HostRegularFile};
use crate::host::{HostNode, HostStat};
use crate::ino::InoMap;

/// State shared by every inode of one [`crate::HostFs`].
pub(crate) struct Shared {
    /// `st_dev` reported for every file.
    pub dev: u64,
    /// Host (dev, ino) to sandbox inode number.
    pub inos: InoMap,
}

/// A file, directory, symlink or special file of the host directory tree.
pub struct HostInode {
    node: Arc<dyn HostNode>,
    shared: Arc<Shared>,
    /// Directory listing taken when a listing starts at position 0, so
    /// later positions index the same snapshot.
    listing: spin::Mutex<Option<Arc<Vec<DirEntry>>>>,
}

fn ts((sec, nsec): (i64, u32)) -> Timespec {
    Timespec { sec, nsec }
}

impl HostInode {
    pub(crate) fn new(node: Arc<dyn HostNode>, shared: Arc<Shared>) -> Arc<HostInode> {
        Arc::new(HostInode {
            node,
            shared,
            listing: spin::Mutex::new(None),
        })
    }

    /// The host handle behind this inode.
    pub fn node(&self) -> &Arc<dyn HostNode> {
        &self.node
    }

    fn attr_of(&self, st: &HostStat) -> InodeAttr {
        InodeAttr {
            dev: self.shared.dev,
            ino: self.shared.inos.map(st.dev, st.ino),
            mode: st.mode,
            nlink: st.nlink,
            uid: st.uid,
            gid: st.gid,
            rdev: st.rdev,
            size: st.size,
            blocks: st.blocks,
            blksize: st.blksize,
            atime: ts(st.atime),
            mtime: ts(st.mtime),
            ctime: ts(st.ctime),
            btime: ts(st.btime),
        }
    }

    fn snapshot(&self) -> Result<Arc<Vec<DirEntry>>> {
        let dir = self.node.fstat()?;
        let mut out = Vec::new();
        for e in self.node.read_dir()? {
            let bits = if e.type_bits != 0 {
                e.type_bits
            } else {
                // DT_UNKNOWN: ask the entry itself.
                match self.node.lookup(&e.name).and_then(|n| n.fstat()) {
                    Ok(st) => st.mode & S_IFMT,
                    Err(_) => continue,
                }
            };
            let Some(file_type) = FileType::from_mode(bits) else {
                continue;
            };
            out.push(DirEntry {
                ino: self.shared.inos.map(dir.dev, e.ino),
                name: e.name,
                file_type,
            });
        }
        Ok(Arc::new(out))
    }
}

impl Inode for HostInode {
    fn stat(&self) -> Result<InodeAttr> {
        Ok(self.attr_of(&self.node.fstat()?))
    }

    fn setattr(&self, _attr: &SetAttr) -> Result<()> {
        Err(Errno::EROFS)
    }

    fn lookup(&self, name: &[u8]) -> Result<Arc<dyn Inode>> {
        let child = self.node.lookup(name)?;
        Ok(HostInode::new(child, self.shared.clone()))
    }

    fn create(&self, _name: &[u8], _new: &NewInode) -> Result<Arc<dyn Inode>> {
        Err(Errno::EROFS)
    }

    fn mkdir(&self, _name: &[u8], _new: &NewInode) -> Result<Arc<dyn Inode>> {
        Err(Errno::EROFS)
    }

    fn symlink(&self, _name: &[u8], _target: &[u8], _new: &NewInode) -> Result<Arc<dyn Inode>> {
        Err(Errno::EROFS)
    }

    fn link(&self, _name: &[u8], _target: &Arc<dyn Inode>) -> Result<()> {
        Err(Errno::EROFS)
    }

    fn unlink(&self, _name: &[u8]) -> Result<()> {
        Err(Errno::EROFS)
    }

    fn rmdir(&self, _name: &[u8]) -> Result<()> {
        Err(Errno::EROFS)
    }

    fn rename(
        &self,
        _old_name: &[u8],
        _new_dir: &Arc<dyn Inode>,
        _new_name: &[u8],
        _flags: RenameFlags,
    ) -> Result<()> {
        Err(Errno::EROFS)
    }

    fn readdir(&self, start: u64, sink: &mut dyn FnMut(&DirEntry) -> bool) -> Result<()> {
        let st = self.node.fstat()?;
        if st.mode & S_IFMT != vfs::uapi::S_IFDIR {
            return Err(Errno::ENOTDIR);
        }
        let list = {
            let cached = self.listing.lock().clone();
            match cached {
                Some(l) if start != 0 => l,
                _ => {
                    let l = self.snapshot()?;
                    *self.listing.lock() = Some(l.clone());
                    l
                }
            }
        };
        let skip = usize::try_from(start).unwrap_or(usize::MAX);
        for e in list.iter().skip(skip) {
            if !sink(e) {
                break;
            }
        }
        Ok(())
    }

    fn readlink(&self) -> Result<Vec<u8>> {
        let st = self.node.fstat()?;
        if st.mode & S_IFMT != vfs::uapi::S_IFLNK {
            return Err(Errno::EINVAL);
        }
        self.node.readlink()
    }

    fn open(&self, flags: OpenFlags) -> Result<Box<dyn FileImpl>> {
        if vfs::AccessMode::of(flags).writable() || flags.contains(OpenFlags::O_TRUNC) {
            return Err(Errno::EROFS);
        }
        let st = self.node.fstat()?;
        match FileType::from_mode(st.mode) {
            Some(FileType::Regular) => Ok(Box::new(HostRegularFile::new(self.node.open_reader()?))),
            Some(FileType::Directory) => Ok(Box::new(HostDirFile)),
            Some(FileType::Symlink) => Err(Errno::ELOOP),
            // Device nodes, FIFOs and sockets are reported but never opened
            // on the host; the kernel's special opener serves devices.
            _ => Err(Errno::ENXIO),
        }
    }

    fn setxattr(&self, _name: &[u8], _value: &[u8], _flags: u32) -> Result<()> {
        Err(Errno::EROFS)
    }

    fn removexattr(&self, _name: &[u8]) -> Result<()> {
        Err(Errno::EROFS)
    }
}
