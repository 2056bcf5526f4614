//! sysfs inodes: a fixed tree of directories and read-only attribute
//! files whose contents are decided when the filesystem is built (the
//! facts they show do not change while the sandbox runs).

use std::sync::Arc;

use vfs::uapi::{FileType, S_IFDIR, S_IFREG};
use vfs::{DirEntry, Errno, FileImpl, Inode, InodeAttr, OpenFlags, Result, Timespec};

/// The size `stat` reports for every attribute file, as Linux's sysfs
/// does (a page: the most one `show` may produce), whatever the text.
pub const ATTR_SIZE: u64 = 4096;

enum Kind {
    Dir(Vec<(Vec<u8>, Arc<SysInode>)>),
    File(Arc<[u8]>),
}

/// One sysfs directory or attribute file.
pub struct SysInode {
    ino: u64,
    dev: u64,
    time: Timespec,
    kind: Kind,
}

/// Builds a tree, numbering inodes in creation order.
pub struct Builder {
    dev: u64,
    time: Timespec,
    next_ino: u64,
}

impl Builder {
    /// A builder for a filesystem with device number `dev` whose inodes
    /// all carry `time`.
    pub fn new(dev: u64, time: Timespec) -> Builder {
        Builder {
            dev,
            time,
            next_ino: 1,
        }
    }

    fn node(&mut self, kind: Kind) -> Arc<SysInode> {
        let ino = self.next_ino;
        self.next_ino += 1;
        Arc::new(SysInode {
            ino,
            dev: self.dev,
            time: self.time,
            kind,
        })
    }

    /// A read-only attribute file with these contents.
    pub fn file(&mut self, contents: impl Into<Vec<u8>>) -> Arc<SysInode> {
        self.node(Kind::File(contents.into().into()))
    }

    /// A directory listing `entries` in the given order.
    pub fn dir(&mut self, entries: Vec<(String, Arc<SysInode>)>) -> Arc<SysInode> {
        let entries = entries
            .into_iter()
            .map(|(name, node)| (name.into_bytes(), node))
            .collect();
        self.node(Kind::Dir(entries))
    }
}

impl SysInode {
    fn mode(&self) -> u32 {
        match self.kind {
            Kind::Dir(_) => S_IFDIR | 0o755,
            Kind::File(_) => S_IFREG | 0o444,
        }
    }
}

/// An open attribute file: reads come from the contents fixed at build.
struct AttrFile(Arc<[u8]>);

impl FileImpl for AttrFile {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize> {
        let start = usize::try_from(offset).unwrap_or(usize::MAX);
        let Some(rest) = self.0.get(start..) else {
            return Ok(0);
        };
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        Ok(n)
    }

    fn is_mappable(&self) -> bool {
        false
    }
}

/// An open directory; listing goes through the inode.
struct DirFile;

impl FileImpl for DirFile {
    fn is_mappable(&self) -> bool {
        false
    }
}

impl Inode for SysInode {
    fn stat(&self) -> Result<InodeAttr> {
        let (nlink, size) = match &self.kind {
            Kind::Dir(entries) => {
                let subdirs = entries
                    .iter()
                    .filter(|(_, n)| matches!(n.kind, Kind::Dir(_)))
                    .count();
                (2 + u32::try_from(subdirs).unwrap_or(u32::MAX - 2), 0)
            }
            Kind::File(_) => (1, ATTR_SIZE),
        };
        Ok(InodeAttr {
            dev: self.dev,
            ino: self.ino,
            mode: self.mode(),
            nlink,
            size,
            blksize: 4096,
            atime: self.time,
            mtime: self.time,
            ctime: self.time,
            ..InodeAttr::default()
        })
    }

    fn lookup(&self, name: &[u8]) -> Result<Arc<dyn Inode>> {
        let Kind::Dir(entries) = &self.kind else {
            return Err(Errno::ENOTDIR);
        };
        entries
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, node)| node.clone() as Arc<dyn Inode>)
            .ok_or(Errno::ENOENT)
    }

    fn readdir(&self, start: u64, sink: &mut dyn FnMut(&DirEntry) -> bool) -> Result<()> {
        let Kind::Dir(entries) = &self.kind else {
            return Err(Errno::ENOTDIR);
        };
        let skip = usize::try_from(start).unwrap_or(usize::MAX);
        for (name, node) in entries.iter().skip(skip) {
            let e = DirEntry {
                name: name.clone(),
                ino: node.ino,
                file_type: FileType::from_mode(node.mode()).unwrap_or(FileType::Regular),
            };
            if !sink(&e) {
                break;
            }
        }
        Ok(())
    }

    fn open(&self, flags: OpenFlags) -> Result<Box<dyn FileImpl>> {
        if vfs::AccessMode::of(flags).writable() || flags.contains(OpenFlags::O_TRUNC) {
            return Err(Errno::EACCES);
        }
        Ok(match &self.kind {
            Kind::Dir(_) => Box::new(DirFile),
            Kind::File(data) => Box::new(AttrFile(data.clone())),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> Arc<SysInode> {
        let mut b = Builder::new(9, Timespec { sec: 5, nsec: 0 });
        let f = b.file("0-1\n");
        let empty = b.dir(vec![]);
        b.dir(vec![("online".into(), f), ("sub".into(), empty)])
    }

    #[test]
    fn lookup_stat_and_read() {
        let root = tree();
        let f = root.lookup(b"online").unwrap();
        let a = f.stat().unwrap();
        assert_eq!(a.mode, S_IFREG | 0o444);
        assert_eq!((a.size, a.nlink, a.dev), (ATTR_SIZE, 1, 9));
        let file = f.open(OpenFlags::empty()).unwrap();
        let mut buf = [0u8; 16];
        assert_eq!(file.read_at(0, &mut buf), Ok(4));
        assert_eq!(&buf[..4], b"0-1\n");
        assert_eq!(file.read_at(2, &mut buf), Ok(2));
        assert_eq!(file.read_at(4, &mut buf), Ok(0));
        assert_eq!(file.read_at(u64::MAX, &mut buf), Ok(0));
        assert_eq!(root.lookup(b"nope").err(), Some(Errno::ENOENT));
        assert_eq!(f.lookup(b"x").err(), Some(Errno::ENOTDIR));
        let r = root.stat().unwrap();
        assert_eq!((r.mode, r.nlink), (S_IFDIR | 0o755, 3));
    }

    #[test]
    fn nothing_opens_for_writing() {
        let root = tree();
        let f = root.lookup(b"online").unwrap();
        for flags in [OpenFlags::O_WRONLY, OpenFlags::O_RDWR, OpenFlags::O_TRUNC] {
            assert_eq!(f.open(flags).err(), Some(Errno::EACCES), "{flags:?}");
        }
        assert!(f
            .create(
                b"x",
                &vfs::NewInode {
                    mode: S_IFREG | 0o644,
                    uid: 0,
                    gid: 0,
                    rdev: 0
                }
            )
            .is_err());
    }

    #[test]
    fn readdir_resumes_at_an_index() {
        let root = tree();
        let mut names = Vec::new();
        root.readdir(1, &mut |e| {
            names.push((e.name.clone(), e.file_type));
            true
        })
        .unwrap();
        assert_eq!(names, vec![(b"sub".to_vec(), FileType::Directory)]);
        let mut n = 0;
        root.readdir(0, &mut |_| {
            n += 1;
            false
        })
        .unwrap();
        assert_eq!(n, 1, "stops when the sink is full");
    }
}
