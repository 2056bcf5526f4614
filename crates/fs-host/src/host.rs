//! The only place this crate touches host files.
//!
//! [`HostNode`] is one host file: the operations a read-only filesystem
//! needs (stat, one-component lookup, directory listing, readlink, opening
//! for reading). Today [`OpenatNode`] implements it with `openat2` below a
//! root directory descriptor; later a gofer client implements the same
//! trait with descriptors passed over a socket, and nothing above this
//! module changes.
//!
//! Host symlinks are never followed (`O_NOFOLLOW` plus
//! `RESOLVE_NO_SYMLINKS`) and nothing outside the root is reachable
//! (`RESOLVE_BENEATH`): the VFS walks symlinks itself, in the sandbox's
//! namespace, from what `readlink` returns.

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::sync::Arc;

use rustix::fs::{self as rfs, Mode, OFlags, ResolveFlags};
use vfs::uapi::makedev;
use vfs::{Errno, Result, StatFs};

/// What the host's `fstat` reports, as plain numbers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HostStat {
    /// Host device of the file.
    pub dev: u64,
    /// Host inode number.
    pub ino: u64,
    /// Type and permission bits.
    pub mode: u32,
    /// Hard-link count.
    pub nlink: u32,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// Device number of a device node.
    pub rdev: u64,
    /// Size in bytes.
    pub size: u64,
    /// 512-byte blocks allocated.
    pub blocks: u64,
    /// Preferred I/O size.
    pub blksize: u32,
    /// Access time (seconds, nanoseconds).
    pub atime: (i64, u32),
    /// Modification time.
    pub mtime: (i64, u32),
    /// Status-change time.
    pub ctime: (i64, u32),
    /// Creation time, `(0, 0)` when the host filesystem does not record it.
    pub btime: (i64, u32),
}

/// One host directory entry (never `.` or `..`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostDirent {
    /// The name.
    pub name: Vec<u8>,
    /// The host inode number (`d_ino`).
    pub ino: u64,
    /// `S_IF*` type bits, or 0 when the host did not say (`DT_UNKNOWN`).
    pub type_bits: u32,
}

/// A host file opened for reading.
pub trait HostReader: Send + Sync {
    /// Reads at `offset`; 0 at end of file.
    fn pread(&self, offset: u64, buf: &mut [u8]) -> Result<usize>;
}

/// One host file, reached without following symlinks (a path below a root
/// descriptor today, a gofer handle later).
pub trait HostNode: Send + Sync {
    /// The file's attributes.
    fn fstat(&self) -> Result<HostStat>;
    /// Opens `name` in this directory without following a final symlink.
    fn lookup(&self, name: &[u8]) -> Result<Arc<dyn HostNode>>;
    /// Lists this directory.
    fn read_dir(&self) -> Result<Vec<HostDirent>>;
    /// The target of this symlink.
    fn readlink(&self) -> Result<Vec<u8>>;
    /// Opens this regular file for reading.
    fn open_reader(&self) -> Result<Arc<dyn HostReader>>;
    /// Statistics of the host filesystem holding this file.
    fn fstatfs(&self) -> Result<StatFs>;
}

/// Converts a host error to the errno the guest sees.
pub(crate) fn host_errno(e: rustix::io::Errno) -> Errno {
    Errno::from_raw(e.raw_os_error()).unwrap_or(Errno::EIO)
}

/// A [`HostNode`] named by its path below a root directory descriptor.
///
/// Nodes hold no descriptor of their own (a sandbox walking a large tree
/// would otherwise pin one host descriptor per cached dentry and run into
/// `RLIMIT_NOFILE`). Every host access opens the path with `openat2`
/// `RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS` from the
/// root, so no host symlink is ever followed and nothing outside the root
/// is reachable, whatever happens to the host tree meanwhile. Attributes
/// are read once, at lookup: the tree is a read-only image.
pub struct OpenatNode {
    root: Arc<OwnedFd>,
    /// Path below `root`, `/`-separated, empty for the root itself.
    path: Vec<u8>,
    stat: HostStat,
    /// A symlink's target, read at lookup.
    target: Option<Vec<u8>>,
}

const BENEATH: ResolveFlags = ResolveFlags::BENEATH
    .union(ResolveFlags::NO_SYMLINKS)
    .union(ResolveFlags::NO_MAGICLINKS);

fn ts(t: rfs::StatxTimestamp) -> (i64, u32) {
    (t.tv_sec, t.tv_nsec)
}

/// The attributes of the file `fd` refers to (an `O_PATH` descriptor is
/// fine).
fn stat_fd(fd: BorrowedFd<'_>) -> Result<HostStat> {
    let want = rfs::StatxFlags::BASIC_STATS | rfs::StatxFlags::BTIME;
    let st = rfs::statx(fd, c"", rfs::AtFlags::EMPTY_PATH, want).map_err(host_errno)?;
    let btime = if st.stx_mask & rfs::StatxFlags::BTIME.bits() != 0 {
        ts(st.stx_btime)
    } else {
        (0, 0)
    };
    Ok(HostStat {
        dev: makedev(st.stx_dev_major, st.stx_dev_minor),
        ino: st.stx_ino,
        mode: u32::from(st.stx_mode),
        nlink: st.stx_nlink,
        uid: st.stx_uid,
        gid: st.stx_gid,
        rdev: makedev(st.stx_rdev_major, st.stx_rdev_minor),
        size: st.stx_size,
        blocks: st.stx_blocks,
        blksize: st.stx_blksize,
        atime: ts(st.stx_atime),
        mtime: ts(st.stx_mtime),
        ctime: ts(st.stx_ctime),
        btime,
    })
}

impl OpenatNode {
    /// Opens the directory at host path `path` as a filesystem root. This
    /// is the one call that takes a host path; it follows symlinks in
    /// `path` because the runtime, not the guest, chose it.
    pub fn open_root(path: &std::path::Path) -> Result<Arc<OpenatNode>> {
        let fd = rfs::open(
            path,
            OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(host_errno)?;
        let stat = stat_fd(fd.as_fd())?;
        Ok(Arc::new(OpenatNode {
            root: Arc::new(fd),
            path: Vec::new(),
            stat,
            target: None,
        }))
    }

    /// Opens this node's path below the root with `flags`, never following
    /// a symlink; `.` names the root.
    fn open_beneath(&self, flags: OFlags) -> Result<OwnedFd> {
        let path: &[u8] = if self.path.is_empty() {
            b"."
        } else {
            &self.path
        };
        rfs::openat2(
            self.root.as_fd(),
            path,
            flags | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::empty(),
            BENEATH,
        )
        .map_err(host_errno)
    }

    /// Fails with `ESTALE` if `fd` is no longer the file this node named
    /// at lookup (the host replaced it).
    fn same_file(&self, fd: BorrowedFd<'_>) -> Result<()> {
        let now = stat_fd(fd)?;
        if now.dev != self.stat.dev || now.ino != self.stat.ino {
            return Err(Errno::ESTALE);
        }
        Ok(())
    }
}

impl HostNode for OpenatNode {
    fn fstat(&self) -> Result<HostStat> {
        Ok(self.stat)
    }

    fn lookup(&self, name: &[u8]) -> Result<Arc<dyn HostNode>> {
        if name.is_empty() || name == b"." || name == b".." || name.contains(&b'/') {
            return Err(Errno::ENOENT);
        }
        if name.contains(&0) {
            return Err(Errno::EINVAL);
        }
        if self.stat.mode & vfs::uapi::S_IFMT != vfs::uapi::S_IFDIR {
            return Err(Errno::ENOTDIR);
        }
        let mut path = self.path.clone();
        if !path.is_empty() {
            path.push(b'/');
        }
        path.extend_from_slice(name);
        let fd = rfs::openat2(
            self.root.as_fd(),
            &path[..],
            OFlags::PATH | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::empty(),
            BENEATH,
        )
        .map_err(host_errno)?;
        let stat = stat_fd(fd.as_fd())?;
        let target = if stat.mode & vfs::uapi::S_IFMT == vfs::uapi::S_IFLNK {
            Some(
                rfs::readlinkat(&fd, c"", Vec::new())
                    .map(|s| s.into_bytes())
                    .map_err(host_errno)?,
            )
        } else {
            None
        };
        Ok(Arc::new(OpenatNode {
            root: self.root.clone(),
            path,
            stat,
            target,
        }))
    }

    fn read_dir(&self) -> Result<Vec<HostDirent>> {
        let dir_fd = self.open_beneath(OFlags::RDONLY | OFlags::DIRECTORY)?;
        self.same_file(dir_fd.as_fd())?;
        let mut dir = rfs::Dir::new(dir_fd).map_err(host_errno)?;
        let mut out = Vec::new();
        while let Some(ent) = dir.read() {
            let ent = ent.map_err(host_errno)?;
            let name = ent.file_name().to_bytes();
            if name == b"." || name == b".." {
                continue;
            }
            let type_bits = match ent.file_type() {
                rfs::FileType::RegularFile => vfs::uapi::S_IFREG,
                rfs::FileType::Directory => vfs::uapi::S_IFDIR,
                rfs::FileType::Symlink => vfs::uapi::S_IFLNK,
                rfs::FileType::Fifo => vfs::uapi::S_IFIFO,
                rfs::FileType::Socket => vfs::uapi::S_IFSOCK,
                rfs::FileType::CharacterDevice => vfs::uapi::S_IFCHR,
                rfs::FileType::BlockDevice => vfs::uapi::S_IFBLK,
                rfs::FileType::Unknown => 0,
            };
            out.push(HostDirent {
                name: name.to_vec(),
                ino: ent.ino(),
                type_bits,
            });
        }
        Ok(out)
    }

    fn readlink(&self) -> Result<Vec<u8>> {
        self.target.clone().ok_or(Errno::EINVAL)
    }

    fn open_reader(&self) -> Result<Arc<dyn HostReader>> {
        if self.stat.mode & vfs::uapi::S_IFMT != vfs::uapi::S_IFREG {
            return Err(Errno::EINVAL);
        }
        // O_NONBLOCK: should the host swap in a FIFO, the open must not hang.
        let fd = self.open_beneath(OFlags::RDONLY | OFlags::NOCTTY | OFlags::NONBLOCK)?;
        self.same_file(fd.as_fd())?;
        Ok(Arc::new(FdReader { fd }))
    }

    fn fstatfs(&self) -> Result<StatFs> {
        let s = rfs::fstatfs(self.root.as_fd()).map_err(host_errno)?;
        let u = |v: i64| u64::try_from(v).unwrap_or(0);
        Ok(StatFs {
            fs_type: u(s.f_type),
            bsize: u(s.f_bsize),
            blocks: s.f_blocks,
            bfree: s.f_bfree,
            bavail: s.f_bavail,
            files: s.f_files,
            ffree: s.f_ffree,
            namelen: u(s.f_namelen),
            frsize: u(s.f_frsize),
            flags: 0,
        })
    }
}

/// A host file descriptor opened for reading.
struct FdReader {
    fd: OwnedFd,
}

impl HostReader for FdReader {
    fn pread(&self, offset: u64, buf: &mut [u8]) -> Result<usize> {
        if i64::try_from(offset).is_err() {
            return Err(Errno::EINVAL);
        }
        rustix::io::pread(self.fd.as_fd(), buf, offset).map_err(host_errno)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp() -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("fs-host-unit-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(d.join("sub")).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(d.join("f"), b"data").unwrap_or_else(|e| panic!("{e}"));
        std::os::unix::fs::symlink("/etc/passwd", d.join("l")).unwrap_or_else(|e| panic!("{e}"));
        d
    }

    #[test]
    fn lookup_does_not_follow_and_rejects_bad_names() {
        let d = tmp();
        let root = OpenatNode::open_root(&d).unwrap_or_else(|e| panic!("{e}"));
        let l = root.lookup(b"l").unwrap_or_else(|e| panic!("{e}"));
        let st = l.fstat().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(st.mode & vfs::uapi::S_IFMT, vfs::uapi::S_IFLNK);
        assert_eq!(l.readlink(), Ok(b"/etc/passwd".to_vec()));
        assert_eq!(root.lookup(b"..").err(), Some(Errno::ENOENT));
        assert_eq!(root.lookup(b"a/b").err(), Some(Errno::ENOENT));
        assert_eq!(root.lookup(b"a\0b").err(), Some(Errno::EINVAL));
        assert_eq!(root.lookup(b"missing").err(), Some(Errno::ENOENT));
        let f = root.lookup(b"f").unwrap_or_else(|e| panic!("{e}"));
        let r = f.open_reader().unwrap_or_else(|e| panic!("{e}"));
        let mut buf = [0u8; 8];
        assert_eq!(r.pread(1, &mut buf), Ok(3));
        assert_eq!(&buf[..3], b"ata");
        assert_eq!(r.pread(u64::MAX, &mut buf), Err(Errno::EINVAL));
        let mut names: Vec<Vec<u8>> = root
            .read_dir()
            .unwrap_or_else(|e| panic!("{e}"))
            .into_iter()
            .map(|e| e.name)
            .collect();
        names.sort();
        assert_eq!(names, vec![b"f".to_vec(), b"l".to_vec(), b"sub".to_vec()]);
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn host_changes_after_lookup_cannot_lead_outside() {
        let d = std::env::temp_dir().join(format!("fs-host-swap-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(d.join("sub")).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(d.join("f"), b"one").unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(d.join("g"), b"two").unwrap_or_else(|e| panic!("{e}"));
        let root = OpenatNode::open_root(&d).unwrap_or_else(|e| panic!("{e}"));
        let sub = root.lookup(b"sub").unwrap_or_else(|e| panic!("{e}"));
        let f = root.lookup(b"f").unwrap_or_else(|e| panic!("{e}"));
        // The host swaps the directory for a symlink out of the tree and
        // replaces the file.
        std::fs::remove_dir(d.join("sub")).unwrap_or_else(|e| panic!("{e}"));
        std::os::unix::fs::symlink("/etc", d.join("sub")).unwrap_or_else(|e| panic!("{e}"));
        std::fs::rename(d.join("g"), d.join("f")).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(sub.lookup(b"passwd").err(), Some(Errno::ELOOP));
        // O_DIRECTORY|O_NOFOLLOW on the symlink itself.
        assert_eq!(sub.read_dir().err(), Some(Errno::ENOTDIR));
        assert_eq!(f.open_reader().err(), Some(Errno::ESTALE));
        let _ = std::fs::remove_dir_all(&d);
    }
}
