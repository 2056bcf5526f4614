//! tmpfs inodes: metadata, directory entries, symlink targets and file data
//! under one lock per inode.

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;

use vfs::inode::{XATTR_CREATE, XATTR_REPLACE};
use vfs::uapi::{FileType, S_IALLUGO, S_IFMT};
use vfs::{
    downcast_inode, DirEntry, Errno, FileImpl, Inode, InodeAttr, NewInode, OpenFlags, RenameFlags,
    Result, SetAttr, Timespec,
};

use crate::data::{FileData, PAGE};
use crate::file::{TmpDirFile, TmpFile};
use crate::FsInner;

mod rename;

/// The most hard links one inode may have.
const LINK_MAX: u32 = u32::MAX - 1;

pub(crate) enum Kind {
    File(FileData),
    Dir(BTreeMap<Vec<u8>, Arc<TmpInode>>),
    Symlink(Vec<u8>),
    Special,
}

pub(crate) struct State {
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub nlink: u32,
    pub rdev: u64,
    pub atime: Timespec,
    pub mtime: Timespec,
    pub ctime: Timespec,
    pub btime: Timespec,
    pub kind: Kind,
    pub xattrs: BTreeMap<Vec<u8>, Vec<u8>>,
}

/// A tmpfs inode.
pub struct TmpInode {
    me: Weak<TmpInode>,
    ino: u64,
    file_type: FileType,
    pub(crate) fs: Arc<FsInner>,
    pub(crate) state: spin::Mutex<State>,
}

impl TmpInode {
    pub(crate) fn new(fs: &Arc<FsInner>, new: &NewInode, kind: Kind) -> Result<Arc<TmpInode>> {
        let file_type = FileType::from_mode(new.mode).ok_or(Errno::EINVAL)?;
        let ino = fs.alloc_ino()?;
        let now = fs.clock.now();
        let nlink = if file_type == FileType::Directory {
            2
        } else {
            1
        };
        Ok(Arc::new_cyclic(|me| TmpInode {
            me: me.clone(),
            ino,
            file_type,
            fs: fs.clone(),
            state: spin::Mutex::new(State {
                mode: new.mode & (S_IFMT | S_IALLUGO),
                uid: new.uid,
                gid: new.gid,
                nlink,
                rdev: new.rdev,
                atime: now,
                mtime: now,
                ctime: now,
                btime: now,
                kind,
                xattrs: BTreeMap::new(),
            }),
        }))
    }

    fn now(&self) -> Timespec {
        self.fs.clock.now()
    }

    /// Adds a child to this directory (EEXIST if taken, ENOENT if this
    /// directory was removed).
    fn add_child(&self, name: &[u8], child: Arc<TmpInode>) -> Result<()> {
        let now = self.now();
        let mut st = self.state.lock();
        if st.nlink == 0 {
            return Err(Errno::ENOENT);
        }
        let is_dir = child.file_type == FileType::Directory;
        if is_dir && st.nlink >= LINK_MAX {
            return Err(Errno::EMLINK);
        }
        let Kind::Dir(entries) = &mut st.kind else {
            return Err(Errno::ENOTDIR);
        };
        if entries.contains_key(name) {
            return Err(Errno::EEXIST);
        }
        entries.insert(name.to_vec(), child);
        if is_dir {
            st.nlink += 1;
        }
        st.mtime = now;
        st.ctime = now;
        Ok(())
    }

    fn make(&self, name: &[u8], new: &NewInode, kind: Kind) -> Result<Arc<dyn Inode>> {
        let child = TmpInode::new(&self.fs, new, kind)?;
        if let Err(e) = self.add_child(name, child.clone()) {
            self.fs.free_ino();
            return Err(e);
        }
        Ok(child)
    }

    /// Drops one link to this inode, returning its pages to the pool once
    /// the last link goes (open files keep the data alive until closed).
    fn drop_link(&self, now: Timespec) {
        let mut st = self.state.lock();
        if self.file_type == FileType::Directory {
            st.nlink = 0;
        } else {
            st.nlink = st.nlink.saturating_sub(1);
        }
        st.ctime = now;
        if st.nlink == 0 {
            self.fs.free_ino();
        }
    }

    fn is_empty_dir(&self) -> bool {
        matches!(&self.state.lock().kind, Kind::Dir(e) if e.is_empty())
    }

    pub(crate) fn read(&self, offset: u64, buf: &mut [u8]) -> Result<usize> {
        match &self.state.lock().kind {
            Kind::File(d) => Ok(d.read(offset, buf)),
            _ => Err(Errno::EINVAL),
        }
    }

    /// Writes at `offset`, or at the end if `None`; returns bytes written
    /// and the end offset.
    pub(crate) fn write(&self, offset: Option<u64>, buf: &[u8]) -> Result<(usize, u64)> {
        let now = self.now();
        let mut st = self.state.lock();
        let Kind::File(d) = &mut st.kind else {
            return Err(Errno::EINVAL);
        };
        let off = offset.unwrap_or(d.size());
        let budget = self.fs.page_budget();
        let added = d.write(off, buf, budget)?;
        self.fs.charge(added);
        st.mtime = now;
        st.ctime = now;
        Ok((buf.len(), off + buf.len() as u64))
    }
}

impl Inode for TmpInode {
    fn stat(&self) -> Result<InodeAttr> {
        let st = self.state.lock();
        let (size, blocks) = match &st.kind {
            Kind::File(d) => (d.size(), d.pages() * (PAGE as u64 / 512)),
            Kind::Dir(_) => (PAGE as u64, PAGE as u64 / 512),
            Kind::Symlink(t) => (t.len() as u64, 0),
            Kind::Special => (0, 0),
        };
        Ok(InodeAttr {
            dev: self.fs.dev,
            ino: self.ino,
            mode: st.mode,
            nlink: st.nlink,
            uid: st.uid,
            gid: st.gid,
            rdev: st.rdev,
            size,
            blocks,
            blksize: PAGE as u32,
            atime: st.atime,
            mtime: st.mtime,
            ctime: st.ctime,
            btime: st.btime,
        })
    }

    fn setattr(&self, attr: &SetAttr) -> Result<()> {
        if attr.is_empty() {
            return Ok(());
        }
        let now = self.now();
        let mut st = self.state.lock();
        if let Some(size) = attr.size {
            match &mut st.kind {
                Kind::File(d) => {
                    if size != d.size() {
                        let freed = d.truncate(size)?;
                        self.fs.uncharge(freed);
                        st.mtime = now;
                    }
                }
                Kind::Dir(_) => return Err(Errno::EISDIR),
                _ => return Err(Errno::EINVAL),
            }
        }
        if let Some(mode) = attr.mode {
            st.mode = (st.mode & S_IFMT) | (mode & S_IALLUGO);
        }
        if let Some(uid) = attr.uid {
            st.uid = uid;
        }
        if let Some(gid) = attr.gid {
            st.gid = gid;
        }
        if let Some(t) = attr.atime {
            st.atime = t;
        }
        if let Some(t) = attr.mtime {
            st.mtime = t;
        }
        st.ctime = now;
        Ok(())
    }

    fn lookup(&self, name: &[u8]) -> Result<Arc<dyn Inode>> {
        match &self.state.lock().kind {
            Kind::Dir(entries) => match entries.get(name) {
                Some(i) => Ok(i.clone()),
                None => Err(Errno::ENOENT),
            },
            _ => Err(Errno::ENOTDIR),
        }
    }

    fn create(&self, name: &[u8], new: &NewInode) -> Result<Arc<dyn Inode>> {
        let kind = match FileType::from_mode(new.mode) {
            Some(FileType::Regular) => Kind::File(FileData::default()),
            Some(
                FileType::CharDevice | FileType::BlockDevice | FileType::Fifo | FileType::Socket,
            ) => Kind::Special,
            _ => return Err(Errno::EINVAL),
        };
        self.make(name, new, kind)
    }

    fn mkdir(&self, name: &[u8], new: &NewInode) -> Result<Arc<dyn Inode>> {
        if FileType::from_mode(new.mode) != Some(FileType::Directory) {
            return Err(Errno::EINVAL);
        }
        self.make(name, new, Kind::Dir(BTreeMap::new()))
    }

    fn symlink(&self, name: &[u8], target: &[u8], new: &NewInode) -> Result<Arc<dyn Inode>> {
        if FileType::from_mode(new.mode) != Some(FileType::Symlink) {
            return Err(Errno::EINVAL);
        }
        self.make(name, new, Kind::Symlink(target.to_vec()))
    }

    fn link(&self, name: &[u8], target: &Arc<dyn Inode>) -> Result<()> {
        let target = downcast_inode::<TmpInode>(target).ok_or(Errno::EXDEV)?;
        if !Arc::ptr_eq(&target.fs, &self.fs) {
            return Err(Errno::EXDEV);
        }
        if target.file_type == FileType::Directory {
            return Err(Errno::EPERM);
        }
        {
            let mut ts = target.state.lock();
            if ts.nlink == 0 {
                return Err(Errno::ENOENT);
            }
            if ts.nlink >= LINK_MAX {
                return Err(Errno::EMLINK);
            }
            ts.nlink += 1;
            ts.ctime = self.now();
        }
        if let Err(e) = self.add_child(name, target.clone()) {
            let mut ts = target.state.lock();
            ts.nlink = ts.nlink.saturating_sub(1);
            return Err(e);
        }
        Ok(())
    }

    fn unlink(&self, name: &[u8]) -> Result<()> {
        let now = self.now();
        let mut st = self.state.lock();
        let Kind::Dir(entries) = &mut st.kind else {
            return Err(Errno::ENOTDIR);
        };
        let victim = entries.get(name).cloned().ok_or(Errno::ENOENT)?;
        if victim.file_type == FileType::Directory {
            return Err(Errno::EISDIR);
        }
        entries.remove(name);
        st.mtime = now;
        st.ctime = now;
        drop(st);
        victim.drop_link(now);
        Ok(())
    }

    fn rmdir(&self, name: &[u8]) -> Result<()> {
        let now = self.now();
        let mut st = self.state.lock();
        let Kind::Dir(entries) = &mut st.kind else {
            return Err(Errno::ENOTDIR);
        };
        let victim = entries.get(name).cloned().ok_or(Errno::ENOENT)?;
        if victim.file_type != FileType::Directory {
            return Err(Errno::ENOTDIR);
        }
        if !victim.is_empty_dir() {
            return Err(Errno::ENOTEMPTY);
        }
        entries.remove(name);
        st.nlink = st.nlink.saturating_sub(1);
        st.mtime = now;
        st.ctime = now;
        drop(st);
        victim.drop_link(now);
        Ok(())
    }

    fn rename(
        &self,
        old_name: &[u8],
        new_dir: &Arc<dyn Inode>,
        new_name: &[u8],
        flags: RenameFlags,
    ) -> Result<()> {
        let dst = downcast_inode::<TmpInode>(new_dir).ok_or(Errno::EXDEV)?;
        if !Arc::ptr_eq(&dst.fs, &self.fs) {
            return Err(Errno::EXDEV);
        }
        if dst.ino == self.ino {
            if old_name == new_name {
                return Ok(());
            }
            self.rename_same_dir(old_name, new_name, flags)
        } else {
            self.rename_cross_dir(old_name, &dst, new_name, flags)
        }
    }

    fn readdir(&self, start: u64, sink: &mut dyn FnMut(&DirEntry) -> bool) -> Result<()> {
        // Snapshot so the sink runs without the lock held.
        let entries: Vec<DirEntry> = match &self.state.lock().kind {
            Kind::Dir(entries) => entries
                .iter()
                .skip(usize::try_from(start).unwrap_or(usize::MAX))
                .map(|(name, i)| DirEntry {
                    name: name.clone(),
                    ino: i.ino,
                    file_type: i.file_type,
                })
                .collect(),
            _ => return Err(Errno::ENOTDIR),
        };
        for e in &entries {
            if !sink(e) {
                break;
            }
        }
        Ok(())
    }

    fn readlink(&self) -> Result<Vec<u8>> {
        match &self.state.lock().kind {
            Kind::Symlink(t) => Ok(t.clone()),
            _ => Err(Errno::EINVAL),
        }
    }

    fn open(&self, _flags: OpenFlags) -> Result<Box<dyn FileImpl>> {
        let me = self.me.upgrade().ok_or(Errno::ENOENT)?;
        match self.file_type {
            FileType::Regular => Ok(Box::new(TmpFile::new(me))),
            FileType::Directory => Ok(Box::new(TmpDirFile)),
            // Device nodes, FIFOs and sockets get their behaviour from the
            // kernel (devfs, pipes, AF_UNIX), not from tmpfs.
            _ => Err(Errno::ENXIO),
        }
    }

    fn getxattr(&self, name: &[u8]) -> Result<Vec<u8>> {
        self.state
            .lock()
            .xattrs
            .get(name)
            .cloned()
            .ok_or(Errno::ENODATA)
    }

    fn setxattr(&self, name: &[u8], value: &[u8], flags: u32) -> Result<()> {
        let now = self.now();
        let mut st = self.state.lock();
        let exists = st.xattrs.contains_key(name);
        if flags & XATTR_CREATE != 0 && exists {
            return Err(Errno::EEXIST);
        }
        if flags & XATTR_REPLACE != 0 && !exists {
            return Err(Errno::ENODATA);
        }
        if value.len() > 65536 {
            return Err(Errno::ERANGE);
        }
        st.xattrs.insert(name.to_vec(), value.to_vec());
        st.ctime = now;
        Ok(())
    }

    fn listxattr(&self) -> Result<Vec<Vec<u8>>> {
        Ok(self.state.lock().xattrs.keys().cloned().collect())
    }

    fn removexattr(&self, name: &[u8]) -> Result<()> {
        let now = self.now();
        let mut st = self.state.lock();
        st.xattrs.remove(name).ok_or(Errno::ENODATA)?;
        st.ctime = now;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{TmpFs, TmpFsOptions};
    use vfs::uapi::{S_IFDIR, S_IFLNK, S_IFREG};
    use vfs::{Clock, Filesystem};

    struct Fixed;
    impl Clock for Fixed {
        fn now(&self) -> Timespec {
            Timespec { sec: 5, nsec: 0 }
        }
    }

    pub(super) fn fs(max_bytes: u64) -> Arc<TmpFs> {
        let opts = TmpFsOptions {
            max_bytes,
            max_inodes: 16,
            ..TmpFsOptions::default()
        };
        TmpFs::new(opts, Arc::new(Fixed)).unwrap_or_else(|e| panic!("{e}"))
    }

    pub(super) fn reg() -> NewInode {
        NewInode {
            mode: S_IFREG | 0o644,
            uid: 1,
            gid: 2,
            rdev: 0,
        }
    }

    pub(super) fn dir() -> NewInode {
        NewInode {
            mode: S_IFDIR | 0o755,
            uid: 1,
            gid: 2,
            rdev: 0,
        }
    }

    fn nlink(i: &Arc<dyn Inode>) -> u32 {
        i.stat().map(|a| a.nlink).unwrap_or(u32::MAX)
    }

    #[test]
    fn link_counts_follow_directory_structure() {
        let fs = fs(u64::MAX);
        let root = fs.root();
        let a = root.mkdir(b"a", &dir()).unwrap_or_else(|e| panic!("{e}"));
        let f = a.create(b"f", &reg()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((nlink(&root), nlink(&a), nlink(&f)), (3, 2, 1));
        assert_eq!(root.link(b"g", &f), Ok(()));
        assert_eq!(nlink(&f), 2);
        assert_eq!(root.link(b"bad", &a), Err(Errno::EPERM));
        assert_eq!(root.rmdir(b"a"), Err(Errno::ENOTEMPTY));
        assert_eq!(a.unlink(b"f"), Ok(()));
        assert_eq!(nlink(&f), 1);
        assert_eq!(root.unlink(b"a"), Err(Errno::EISDIR));
        assert_eq!(root.rmdir(b"a"), Ok(()));
        assert_eq!(nlink(&root), 2);
        // A removed directory refuses new entries.
        assert_eq!(a.create(b"late", &reg()).err(), Some(Errno::ENOENT));
    }

    #[test]
    fn symlink_xattr_and_limits() {
        let fs = fs(4096 * 2);
        let root = fs.root();
        let l = NewInode {
            mode: S_IFLNK | 0o777,
            uid: 0,
            gid: 0,
            rdev: 0,
        };
        let s = root
            .symlink(b"s", b"target", &l)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.readlink(), Ok(b"target".to_vec()));
        assert_eq!(s.stat().map(|a| a.size), Ok(6));
        assert_eq!(
            root.setxattr(b"user.a", b"1", XATTR_REPLACE),
            Err(Errno::ENODATA)
        );
        assert_eq!(root.setxattr(b"user.a", b"1", XATTR_CREATE), Ok(()));
        assert_eq!(
            root.setxattr(b"user.a", b"2", XATTR_CREATE),
            Err(Errno::EEXIST)
        );
        assert_eq!(root.getxattr(b"user.a"), Ok(b"1".to_vec()));
        assert_eq!(root.listxattr(), Ok(alloc::vec![b"user.a".to_vec()]));
        assert_eq!(root.removexattr(b"user.a"), Ok(()));
        assert_eq!(root.getxattr(b"user.a"), Err(Errno::ENODATA));
        let f = root.create(b"f", &reg()).unwrap_or_else(|e| panic!("{e}"));
        let file = f.open(OpenFlags::O_RDWR).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(file.write_at(0, &[1u8; 8192]), Ok(8192));
        assert_eq!(file.write_at(8192, &[1u8; 1]), Err(Errno::ENOSPC));
        assert_eq!(fs.statfs().map(|s| s.bfree), Ok(0));
        assert_eq!(
            f.setattr(&SetAttr {
                size: Some(0),
                ..SetAttr::default()
            }),
            Ok(())
        );
        assert_eq!(fs.statfs().map(|s| s.bfree), Ok(2));
        assert_eq!(root.create(b"bad", &dir()).err(), Some(Errno::EINVAL));
        assert_eq!(root.create(b"f", &reg()).err(), Some(Errno::EEXIST));
    }

    #[test]
    fn inode_limit() {
        let fs = fs(u64::MAX);
        let root = fs.root();
        // The root took one of the 16 inodes.
        for i in 0..15u8 {
            assert!(root.create(&[b'a' + i], &reg()).is_ok());
        }
        assert_eq!(root.create(b"z", &reg()).err(), Some(Errno::ENOSPC));
        assert_eq!(root.unlink(b"a"), Ok(()));
        assert!(root.create(b"z", &reg()).is_ok());
    }
}
