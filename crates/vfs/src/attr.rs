//! Inode metadata: what `stat`/`statx` report, what `setattr` changes, what
//! `statfs` reports, and the clock filesystems stamp times with.

use crate::uapi::FileType;

/// A point in time as Linux stores it in inodes (`struct timespec`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timespec {
    /// Seconds since the epoch.
    pub sec: i64,
    /// Nanoseconds, `0..1_000_000_000`.
    pub nsec: u32,
}

/// The source of "now" for inode times. Injected so the VFS stays `no_std`
/// and tests are deterministic.
pub trait Clock: Send + Sync {
    /// The current wall-clock time (`CLOCK_REALTIME`).
    fn now(&self) -> Timespec;
}

/// The attributes of an inode, in the units `stat(2)` uses. Filesystems
/// return it from `Inode::stat`; the kernel converts it to `struct stat` or
/// `struct statx`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct InodeAttr {
    /// Device of the filesystem holding the inode (`st_dev`).
    pub dev: u64,
    /// Inode number (`st_ino`).
    pub ino: u64,
    /// Type and permission bits (`st_mode`).
    pub mode: u32,
    /// Hard-link count.
    pub nlink: u32,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// Device number for device nodes (`st_rdev`).
    pub rdev: u64,
    /// Size in bytes.
    pub size: u64,
    /// Allocated 512-byte blocks.
    pub blocks: u64,
    /// Preferred I/O size.
    pub blksize: u32,
    /// Last access.
    pub atime: Timespec,
    /// Last data modification.
    pub mtime: Timespec,
    /// Last status change.
    pub ctime: Timespec,
    /// Creation (`statx` `stx_btime`).
    pub btime: Timespec,
}

impl InodeAttr {
    /// The inode's type, or `None` if the mode is malformed.
    pub fn file_type(&self) -> Option<FileType> {
        FileType::from_mode(self.mode)
    }

    /// Whether the inode is a directory.
    pub fn is_dir(&self) -> bool {
        self.file_type() == Some(FileType::Directory)
    }

    /// Whether the inode is a symbolic link.
    pub fn is_symlink(&self) -> bool {
        self.file_type() == Some(FileType::Symlink)
    }
}

/// A change to inode attributes (`chmod`, `chown`, `truncate`, `utimensat`).
/// `None` fields are left alone. The filesystem updates `ctime` itself.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SetAttr {
    /// New permission bits (the type bits are ignored).
    pub mode: Option<u32>,
    /// New owner.
    pub uid: Option<u32>,
    /// New group.
    pub gid: Option<u32>,
    /// New size (regular files only).
    pub size: Option<u64>,
    /// New access time.
    pub atime: Option<Timespec>,
    /// New modification time.
    pub mtime: Option<Timespec>,
}

impl SetAttr {
    /// Whether nothing would change.
    pub fn is_empty(&self) -> bool {
        *self == SetAttr::default()
    }
}

/// Filesystem statistics (`struct statfs`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StatFs {
    /// Filesystem magic (`TMPFS_MAGIC`, `OVERLAYFS_SUPER_MAGIC`...).
    pub fs_type: u64,
    /// Block size.
    pub bsize: u64,
    /// Total blocks.
    pub blocks: u64,
    /// Free blocks.
    pub bfree: u64,
    /// Blocks available to unprivileged users.
    pub bavail: u64,
    /// Total inodes.
    pub files: u64,
    /// Free inodes.
    pub ffree: u64,
    /// Longest file name.
    pub namelen: u64,
    /// Fragment size.
    pub frsize: u64,
    /// Mount flags (`ST_RDONLY`...).
    pub flags: u64,
}

fn i64_sat(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn statx_ts(t: Timespec) -> abi::stat::statx_timestamp {
    abi::stat::statx_timestamp {
        tv_sec: t.sec,
        tv_nsec: t.nsec,
        __reserved: 0,
    }
}

impl InodeAttr {
    /// The `struct stat` that `fstat`/`fstatat` copy out.
    pub fn to_stat(&self) -> abi::stat::stat {
        abi::stat::stat {
            st_dev: self.dev,
            st_ino: self.ino,
            st_nlink: u64::from(self.nlink),
            st_mode: self.mode,
            st_uid: self.uid,
            st_gid: self.gid,
            st_rdev: self.rdev,
            st_size: i64_sat(self.size),
            st_blksize: i64::from(self.blksize),
            st_blocks: i64_sat(self.blocks),
            st_atime: self.atime.sec,
            st_atime_nsec: i64::from(self.atime.nsec),
            st_mtime: self.mtime.sec,
            st_mtime_nsec: i64::from(self.mtime.nsec),
            st_ctime: self.ctime.sec,
            st_ctime_nsec: i64::from(self.ctime.nsec),
            ..abi::stat::stat::default()
        }
    }

    /// The `struct statx` that `statx` copies out; every basic field plus
    /// the birth time and mount id are filled, and `stx_mask` says so.
    pub fn to_statx(&self, mnt_id: u64) -> abi::stat::statx {
        use abi::stat::{major, minor, StatxMask};
        let mask = StatxMask::STATX_BASIC_STATS | StatxMask::STATX_BTIME | StatxMask::STATX_MNT_ID;
        abi::stat::statx {
            stx_mask: mask.bits(),
            stx_blksize: self.blksize,
            stx_nlink: self.nlink,
            stx_uid: self.uid,
            stx_gid: self.gid,
            stx_mode: (self.mode & 0xffff) as u16,
            stx_ino: self.ino,
            stx_size: self.size,
            stx_blocks: self.blocks,
            stx_atime: statx_ts(self.atime),
            stx_btime: statx_ts(self.btime),
            stx_ctime: statx_ts(self.ctime),
            stx_mtime: statx_ts(self.mtime),
            stx_rdev_major: major(self.rdev),
            stx_rdev_minor: minor(self.rdev),
            stx_dev_major: major(self.dev),
            stx_dev_minor: minor(self.dev),
            stx_mnt_id: mnt_id,
            ..abi::stat::statx::default()
        }
    }
}

impl StatFs {
    /// The `struct statfs` that `statfs`/`fstatfs` copy out.
    pub fn to_statfs(&self) -> abi::stat::statfs {
        abi::stat::statfs {
            f_type: i64_sat(self.fs_type),
            f_bsize: i64_sat(self.bsize),
            f_blocks: self.blocks,
            f_bfree: self.bfree,
            f_bavail: self.bavail,
            f_files: self.files,
            f_ffree: self.ffree,
            f_namelen: i64_sat(self.namelen),
            f_frsize: i64_sat(self.frsize),
            f_flags: i64_sat(self.flags),
            ..abi::stat::statfs::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::uapi::{S_IFDIR, S_IFLNK};

    #[test]
    fn type_helpers() {
        let d = InodeAttr {
            mode: S_IFDIR | 0o755,
            ..InodeAttr::default()
        };
        assert!(d.is_dir() && !d.is_symlink());
        let l = InodeAttr {
            mode: S_IFLNK | 0o777,
            ..InodeAttr::default()
        };
        assert!(l.is_symlink());
        assert!(SetAttr::default().is_empty());
        assert!(!SetAttr {
            size: Some(0),
            ..SetAttr::default()
        }
        .is_empty());
    }
}
