//! `<asm/stat.h>`, `<linux/stat.h>`, `<asm-generic/statfs.h>` and
//! `<linux/magic.h>`: file metadata as `stat(2)`, `statx(2)` and `statfs(2)`
//! return it, and the file-mode bits.
//!
//! The x86-64 kernel `struct stat` equals glibc's (144 bytes); `struct statfs`
//! equals glibc's except that glibc's header folds `f_flags` into its spare
//! words, so the layout test checks the shared fields against `libc` and
//! `f_flags` with the kernel's offset.

#![allow(non_camel_case_types)]

use bitflags::bitflags;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// File metadata as `stat`, `fstat`, `lstat` and `newfstatat` return it.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct stat {
    /// Device of the filesystem (see [`makedev`]).
    pub st_dev: u64,
    /// Inode number.
    pub st_ino: u64,
    /// Hard-link count.
    pub st_nlink: u64,
    /// File type and permission bits (`S_IF*`, [`FileMode`]).
    pub st_mode: u32,
    /// Owner uid.
    pub st_uid: u32,
    /// Owner gid.
    pub st_gid: u32,
    /// Padding; always zero.
    pub __pad0: u32,
    /// Device number of a character or block special file.
    pub st_rdev: u64,
    /// Size in bytes.
    pub st_size: i64,
    /// Preferred I/O block size.
    pub st_blksize: i64,
    /// Allocated 512-byte blocks.
    pub st_blocks: i64,
    /// Last access, seconds.
    pub st_atime: i64,
    /// Last access, nanoseconds.
    pub st_atime_nsec: i64,
    /// Last modification, seconds.
    pub st_mtime: i64,
    /// Last modification, nanoseconds.
    pub st_mtime_nsec: i64,
    /// Last status change, seconds.
    pub st_ctime: i64,
    /// Last status change, nanoseconds.
    pub st_ctime_nsec: i64,
    /// Reserved; always zero.
    pub __unused: [i64; 3],
}

/// A `statx` time stamp.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct statx_timestamp {
    /// Seconds since the epoch.
    pub tv_sec: i64,
    /// Nanoseconds.
    pub tv_nsec: u32,
    /// Reserved; always zero.
    pub __reserved: i32,
}

/// Extended file metadata as `statx(2)` returns it (256 bytes).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct statx {
    /// Which fields are filled in ([`StatxMask`] bits).
    pub stx_mask: u32,
    /// Preferred I/O block size.
    pub stx_blksize: u32,
    /// File attributes ([`StatxAttributes`] bits).
    pub stx_attributes: u64,
    /// Hard-link count.
    pub stx_nlink: u32,
    /// Owner uid.
    pub stx_uid: u32,
    /// Owner gid.
    pub stx_gid: u32,
    /// File type and permission bits.
    pub stx_mode: u16,
    /// Reserved; always zero.
    pub __spare0: u16,
    /// Inode number.
    pub stx_ino: u64,
    /// Size in bytes.
    pub stx_size: u64,
    /// Allocated 512-byte blocks.
    pub stx_blocks: u64,
    /// Which bits of `stx_attributes` the filesystem supports.
    pub stx_attributes_mask: u64,
    /// Last access.
    pub stx_atime: statx_timestamp,
    /// Creation.
    pub stx_btime: statx_timestamp,
    /// Last status change.
    pub stx_ctime: statx_timestamp,
    /// Last modification.
    pub stx_mtime: statx_timestamp,
    /// Major number of a special file.
    pub stx_rdev_major: u32,
    /// Minor number of a special file.
    pub stx_rdev_minor: u32,
    /// Major number of the filesystem's device.
    pub stx_dev_major: u32,
    /// Minor number of the filesystem's device.
    pub stx_dev_minor: u32,
    /// Mount id.
    pub stx_mnt_id: u64,
    /// Memory alignment for direct I/O.
    pub stx_dio_mem_align: u32,
    /// File-offset alignment for direct I/O.
    pub stx_dio_offset_align: u32,
    /// Subvolume id.
    pub stx_subvol: u64,
    /// Minimum size of an atomic write.
    pub stx_atomic_write_unit_min: u32,
    /// Maximum size of an atomic write.
    pub stx_atomic_write_unit_max: u32,
    /// Maximum iovecs of an atomic write.
    pub stx_atomic_write_segments_max: u32,
    /// File-offset alignment for direct-I/O reads.
    pub stx_dio_read_offset_align: u32,
    /// Optimised maximum size of an atomic write.
    pub stx_atomic_write_unit_max_opt: u32,
    /// Reserved; always zero.
    pub __spare2: [u32; 1],
    /// Reserved; always zero.
    pub __spare3: [u64; 8],
}

bitflags! {
    /// `statx` request and result mask (`STATX_*`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct StatxMask: u32 {
        /// `stx_mode & S_IFMT`.
        const STATX_TYPE = 0x1;
        /// `stx_mode & !S_IFMT`.
        const STATX_MODE = 0x2;
        /// `stx_nlink`.
        const STATX_NLINK = 0x4;
        /// `stx_uid`.
        const STATX_UID = 0x8;
        /// `stx_gid`.
        const STATX_GID = 0x10;
        /// `stx_atime`.
        const STATX_ATIME = 0x20;
        /// `stx_mtime`.
        const STATX_MTIME = 0x40;
        /// `stx_ctime`.
        const STATX_CTIME = 0x80;
        /// `stx_ino`.
        const STATX_INO = 0x100;
        /// `stx_size`.
        const STATX_SIZE = 0x200;
        /// `stx_blocks`.
        const STATX_BLOCKS = 0x400;
        /// Everything `stat(2)` returns.
        const STATX_BASIC_STATS = 0x7ff;
        /// `stx_btime`.
        const STATX_BTIME = 0x800;
        /// `stx_mnt_id`.
        const STATX_MNT_ID = 0x1000;
        /// `stx_dio_mem_align` and `stx_dio_offset_align`.
        const STATX_DIOALIGN = 0x2000;
        /// A unique `stx_mnt_id`.
        const STATX_MNT_ID_UNIQUE = 0x4000;
        /// `stx_subvol`.
        const STATX_SUBVOL = 0x8000;
        /// The `stx_atomic_write_*` fields.
        const STATX_WRITE_ATOMIC = 0x10000;
        /// `stx_dio_read_offset_align`.
        const STATX_DIO_READ_ALIGN = 0x20000;
        /// Reserved for a future extension; requesting it gives `EINVAL`.
        const STATX__RESERVED = 0x8000_0000;
    }
}

impl StatxMask {
    /// Deprecated `STATX_ALL` (basic stats and btime).
    pub const STATX_ALL: StatxMask = StatxMask::from_bits_retain(0xfff);
}

bitflags! {
    /// `statx` file attributes (`STATX_ATTR_*`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct StatxAttributes: u64 {
        /// Compressed by the filesystem.
        const STATX_ATTR_COMPRESSED = 0x4;
        /// Cannot be modified.
        const STATX_ATTR_IMMUTABLE = 0x10;
        /// Append only.
        const STATX_ATTR_APPEND = 0x20;
        /// Not to be dumped.
        const STATX_ATTR_NODUMP = 0x40;
        /// Encrypted.
        const STATX_ATTR_ENCRYPTED = 0x800;
        /// An automount trigger.
        const STATX_ATTR_AUTOMOUNT = 0x1000;
        /// The root of a mount.
        const STATX_ATTR_MOUNT_ROOT = 0x2000;
        /// Protected by fs-verity.
        const STATX_ATTR_VERITY = 0x10_0000;
        /// In the DAX (direct access) state.
        const STATX_ATTR_DAX = 0x20_0000;
        /// Supports atomic writes.
        const STATX_ATTR_WRITE_ATOMIC = 0x40_0000;
    }
}

/// Mask of the file-type bits of a mode.
pub const S_IFMT: u32 = 0o170000;
/// Socket.
pub const S_IFSOCK: u32 = 0o140000;
/// Symbolic link.
pub const S_IFLNK: u32 = 0o120000;
/// Regular file.
pub const S_IFREG: u32 = 0o100000;
/// Block device.
pub const S_IFBLK: u32 = 0o060000;
/// Directory.
pub const S_IFDIR: u32 = 0o040000;
/// Character device.
pub const S_IFCHR: u32 = 0o020000;
/// FIFO.
pub const S_IFIFO: u32 = 0o010000;

bitflags! {
    /// The permission part of a mode (`S_ISUID` ... `S_IXOTH`, mask 0o7777).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct FileMode: u32 {
        /// Set user id on execution.
        const S_ISUID = 0o4000;
        /// Set group id on execution (or mandatory locking / group inheritance).
        const S_ISGID = 0o2000;
        /// Sticky: only the owner may unlink entries of a directory.
        const S_ISVTX = 0o1000;
        /// Owner: read, write, execute.
        const S_IRWXU = 0o700;
        /// Owner read.
        const S_IRUSR = 0o400;
        /// Owner write.
        const S_IWUSR = 0o200;
        /// Owner execute.
        const S_IXUSR = 0o100;
        /// Group: read, write, execute.
        const S_IRWXG = 0o070;
        /// Group read.
        const S_IRGRP = 0o040;
        /// Group write.
        const S_IWGRP = 0o020;
        /// Group execute.
        const S_IXGRP = 0o010;
        /// Others: read, write, execute.
        const S_IRWXO = 0o007;
        /// Others read.
        const S_IROTH = 0o004;
        /// Others write.
        const S_IWOTH = 0o002;
        /// Others execute.
        const S_IXOTH = 0o001;
    }
}

/// The type of a file, from the `S_IFMT` bits of its mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FileType {
    /// `S_IFSOCK`.
    Socket,
    /// `S_IFLNK`.
    Symlink,
    /// `S_IFREG`.
    Regular,
    /// `S_IFBLK`.
    BlockDevice,
    /// `S_IFDIR`.
    Directory,
    /// `S_IFCHR`.
    CharDevice,
    /// `S_IFIFO`.
    Fifo,
}

impl FileType {
    /// The type encoded in `mode`, or `None` for a type Linux does not know
    /// (a guest may pass any bits to `mknod`).
    pub const fn from_mode(mode: u32) -> Option<FileType> {
        match mode & S_IFMT {
            S_IFSOCK => Some(FileType::Socket),
            S_IFLNK => Some(FileType::Symlink),
            S_IFREG => Some(FileType::Regular),
            S_IFBLK => Some(FileType::BlockDevice),
            S_IFDIR => Some(FileType::Directory),
            S_IFCHR => Some(FileType::CharDevice),
            S_IFIFO => Some(FileType::Fifo),
            _ => None,
        }
    }

    /// The `S_IF*` bits of this type.
    pub const fn mode_bits(self) -> u32 {
        match self {
            FileType::Socket => S_IFSOCK,
            FileType::Symlink => S_IFLNK,
            FileType::Regular => S_IFREG,
            FileType::BlockDevice => S_IFBLK,
            FileType::Directory => S_IFDIR,
            FileType::CharDevice => S_IFCHR,
            FileType::Fifo => S_IFIFO,
        }
    }

    /// The `linux_dirent64::d_type` value of this type (`DT_*`).
    pub const fn dtype(self) -> u8 {
        // DT_* is the S_IF* value shifted right by 12.
        (self.mode_bits() >> 12) as u8
    }
}

/// `utimensat`: set the time to now (in `tv_nsec`).
pub const UTIME_NOW: i64 = (1 << 30) - 1;
/// `utimensat`: leave the time unchanged (in `tv_nsec`).
pub const UTIME_OMIT: i64 = (1 << 30) - 2;

/// Encodes a device number as glibc's `makedev` does (what `st_dev` and
/// `st_rdev` hold on x86-64).
pub const fn makedev(major: u32, minor: u32) -> u64 {
    let (major, minor) = (major as u64, minor as u64);
    ((major & 0xffff_f000) << 32)
        | ((major & 0x0000_0fff) << 8)
        | ((minor & 0xffff_ff00) << 12)
        | (minor & 0x0000_00ff)
}

/// The major number of a device number made by [`makedev`].
pub const fn major(dev: u64) -> u32 {
    (((dev >> 32) & 0xffff_f000) | ((dev >> 8) & 0x0000_0fff)) as u32
}

/// The minor number of a device number made by [`makedev`].
pub const fn minor(dev: u64) -> u32 {
    (((dev >> 12) & 0xffff_ff00) | (dev & 0x0000_00ff)) as u32
}

/// Filesystem statistics as `statfs(2)`/`fstatfs(2)` return them.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct statfs {
    /// Filesystem magic number (`*_MAGIC`).
    pub f_type: i64,
    /// Optimal transfer block size.
    pub f_bsize: i64,
    /// Total data blocks.
    pub f_blocks: u64,
    /// Free blocks.
    pub f_bfree: u64,
    /// Free blocks for unprivileged users.
    pub f_bavail: u64,
    /// Total inodes.
    pub f_files: u64,
    /// Free inodes.
    pub f_ffree: u64,
    /// Filesystem id.
    pub f_fsid: [i32; 2],
    /// Maximum file-name length.
    pub f_namelen: i64,
    /// Fragment size.
    pub f_frsize: i64,
    /// Mount flags ([`StatfsFlags`] bits, with `ST_VALID` set).
    pub f_flags: i64,
    /// Reserved; always zero.
    pub f_spare: [i64; 4],
}

bitflags! {
    /// `statfs::f_flags` bits (`ST_*`, as in `statvfs(3)`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct StatfsFlags: u64 {
        /// Read-only.
        const ST_RDONLY = 0x1;
        /// Set-id bits ignored.
        const ST_NOSUID = 0x2;
        /// Device files inaccessible.
        const ST_NODEV = 0x4;
        /// No execution.
        const ST_NOEXEC = 0x8;
        /// Writes are synchronous.
        const ST_SYNCHRONOUS = 0x10;
        /// `f_flags` is valid (always set by the kernel).
        const ST_VALID = 0x20;
        /// Mandatory locking.
        const ST_MANDLOCK = 0x40;
        /// No access-time updates.
        const ST_NOATIME = 0x400;
        /// No directory access-time updates.
        const ST_NODIRATIME = 0x800;
        /// Relative access-time updates.
        const ST_RELATIME = 0x1000;
        /// Symbolic links are not followed.
        const ST_NOSYMFOLLOW = 0x2000;
    }
}

/// `tmpfs` (and `devtmpfs`, `shmem`).
pub const TMPFS_MAGIC: i64 = 0x0102_1994;
/// `ramfs`.
pub const RAMFS_MAGIC: i64 = 0x8584_58f6;
/// `proc`.
pub const PROC_SUPER_MAGIC: i64 = 0x9fa0;
/// `sysfs`.
pub const SYSFS_MAGIC: i64 = 0x6265_6572;
/// `devpts`.
pub const DEVPTS_SUPER_MAGIC: i64 = 0x1cd1;
/// `overlay`.
pub const OVERLAYFS_SUPER_MAGIC: i64 = 0x794c_7630;
/// `ext2`/`ext3`/`ext4`.
pub const EXT4_SUPER_MAGIC: i64 = 0xef53;
/// `xfs`.
pub const XFS_SUPER_MAGIC: i64 = 0x5846_5342;
/// `btrfs`.
pub const BTRFS_SUPER_MAGIC: i64 = 0x9123_683e;
/// `9p` (`v9fs`).
pub const V9FS_MAGIC: i64 = 0x0102_1997;
/// `fuse`.
pub const FUSE_SUPER_MAGIC: i64 = 0x6573_5546;
/// `nfs`.
pub const NFS_SUPER_MAGIC: i64 = 0x6969;
/// `squashfs`.
pub const SQUASHFS_MAGIC: i64 = 0x7371_7368;
/// `cgroup` (v1).
pub const CGROUP_SUPER_MAGIC: i64 = 0x0027_e0eb;
/// `cgroup2`.
pub const CGROUP2_SUPER_MAGIC: i64 = 0x6367_7270;
/// `mqueue`.
pub const MQUEUE_MAGIC: i64 = 0x1980_0202;
/// `hugetlbfs`.
pub const HUGETLBFS_MAGIC: i64 = 0x9584_58f6;
/// `debugfs`.
pub const DEBUGFS_MAGIC: i64 = 0x6462_6720;
/// `tracefs`.
pub const TRACEFS_MAGIC: i64 = 0x7472_6163;
/// `securityfs`.
pub const SECURITYFS_MAGIC: i64 = 0x7363_6673;
/// `bpf`.
pub const BPF_FS_MAGIC: i64 = 0xcafe_4a11;
/// `binfmt_misc`.
pub const BINFMTFS_MAGIC: i64 = 0x4249_4e4d;
/// `nsfs` (`/proc/<pid>/ns/*`).
pub const NSFS_MAGIC: i64 = 0x6e73_6673;
/// Pipes (`pipe:[N]`).
pub const PIPEFS_MAGIC: i64 = 0x5049_5045;
/// Sockets (`socket:[N]`).
pub const SOCKFS_MAGIC: i64 = 0x534f_434b;
/// Anonymous inodes (eventfd, epoll, timerfd, signalfd, ...).
pub const ANON_INODE_FS_MAGIC: i64 = 0x0904_1934;

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{align_of, offset_of, size_of};

    macro_rules! check_layout {
        ($ty:ident { $($field:ident),* }) => {
            assert_eq!(size_of::<$ty>(), size_of::<libc::$ty>(), stringify!($ty));
            assert_eq!(align_of::<$ty>(), align_of::<libc::$ty>(), stringify!($ty));
            $(assert_eq!(offset_of!($ty, $field), offset_of!(libc::$ty, $field), stringify!($field));)*
        };
    }

    #[test]
    fn stat_layout_matches_libc() {
        check_layout!(stat {
            st_dev,
            st_ino,
            st_nlink,
            st_mode,
            st_uid,
            st_gid,
            st_rdev,
            st_size,
            st_blksize,
            st_blocks,
            st_atime,
            st_atime_nsec,
            st_mtime,
            st_mtime_nsec,
            st_ctime,
            st_ctime_nsec
        });
        assert_eq!(size_of::<stat>(), 144);
    }

    #[test]
    fn statx_layout_matches_libc() {
        check_layout!(statx_timestamp { tv_sec, tv_nsec });
        check_layout!(statx {
            stx_mask,
            stx_blksize,
            stx_attributes,
            stx_nlink,
            stx_uid,
            stx_gid,
            stx_mode,
            stx_ino,
            stx_size,
            stx_blocks,
            stx_attributes_mask,
            stx_atime,
            stx_btime,
            stx_ctime,
            stx_mtime,
            stx_rdev_major,
            stx_rdev_minor,
            stx_dev_major,
            stx_dev_minor,
            stx_mnt_id,
            stx_dio_mem_align,
            stx_dio_offset_align,
            stx_subvol,
            stx_atomic_write_unit_min,
            stx_atomic_write_unit_max,
            stx_atomic_write_segments_max,
            stx_dio_read_offset_align,
            stx_atomic_write_unit_max_opt
        });
        assert_eq!(size_of::<statx>(), 256);
    }

    #[test]
    fn statfs_layout_matches_libc_and_kernel() {
        check_layout!(statfs {
            f_type,
            f_bsize,
            f_blocks,
            f_bfree,
            f_bavail,
            f_files,
            f_ffree,
            f_fsid,
            f_namelen,
            f_frsize
        });
        // glibc hides f_flags in f_spare; asm-generic/statfs.h puts it after f_frsize.
        assert_eq!(offset_of!(statfs, f_flags), 80);
        assert_eq!(size_of::<statfs>(), 120);
    }

    #[test]
    fn constants_match_libc() {
        macro_rules! check_flags {
            ($ty:ident: $($name:ident)*) => {$(
                assert_eq!($ty::$name.bits() as i64, libc::$name as i64, stringify!($name));
            )*};
        }
        macro_rules! check {
            ($($name:ident)*) => {$(assert_eq!($name as i64, libc::$name as i64, stringify!($name));)*};
        }
        macro_rules! check_mask {
            ($($name:ident)*) => {$(
                assert_eq!(StatxMask::$name.bits(), libc::$name as u32, stringify!($name));
            )*};
        }
        check_mask!(STATX_TYPE STATX_MODE STATX_NLINK STATX_UID STATX_GID STATX_ATIME
            STATX_MTIME STATX_CTIME STATX_INO STATX_SIZE STATX_BLOCKS STATX_BASIC_STATS STATX_BTIME
            STATX_MNT_ID STATX_DIOALIGN STATX__RESERVED STATX_ALL);
        check_flags!(StatxAttributes: STATX_ATTR_COMPRESSED STATX_ATTR_IMMUTABLE STATX_ATTR_APPEND
            STATX_ATTR_NODUMP STATX_ATTR_ENCRYPTED STATX_ATTR_AUTOMOUNT STATX_ATTR_MOUNT_ROOT
            STATX_ATTR_VERITY STATX_ATTR_DAX);
        check_flags!(FileMode: S_ISUID S_ISGID S_ISVTX S_IRWXU S_IRUSR S_IWUSR S_IXUSR S_IRWXG
            S_IRGRP S_IWGRP S_IXGRP S_IRWXO S_IROTH S_IWOTH S_IXOTH);
        check_flags!(StatfsFlags: ST_RDONLY ST_NOSUID ST_NODEV ST_NOEXEC ST_SYNCHRONOUS
            ST_MANDLOCK ST_NOATIME ST_NODIRATIME ST_RELATIME);
        check!(S_IFMT S_IFSOCK S_IFLNK S_IFREG S_IFBLK S_IFDIR S_IFCHR S_IFIFO UTIME_NOW UTIME_OMIT
            TMPFS_MAGIC PROC_SUPER_MAGIC SYSFS_MAGIC DEVPTS_SUPER_MAGIC
            OVERLAYFS_SUPER_MAGIC XFS_SUPER_MAGIC BTRFS_SUPER_MAGIC FUSE_SUPER_MAGIC
            NFS_SUPER_MAGIC CGROUP_SUPER_MAGIC CGROUP2_SUPER_MAGIC HUGETLBFS_MAGIC
            DEBUGFS_MAGIC TRACEFS_MAGIC EXT4_SUPER_MAGIC SECURITYFS_MAGIC BPF_FS_MAGIC NSFS_MAGIC);
    }

    // libc lacks RAMFS_MAGIC, V9FS_MAGIC, MQUEUE_MAGIC, BINFMTFS_MAGIC,
    // SQUASHFS_MAGIC, PIPEFS/SOCKFS/ANON_INODE_FS_MAGIC, ST_VALID,
    // ST_NOSYMFOLLOW and the newest STATX_* bits; those values are from
    // linux/magic.h, linux/statfs.h and linux/stat.h (Linux 6.18).

    #[test]
    fn file_type_round_trip() {
        for t in [
            FileType::Socket,
            FileType::Symlink,
            FileType::Regular,
            FileType::BlockDevice,
            FileType::Directory,
            FileType::CharDevice,
            FileType::Fifo,
        ] {
            assert_eq!(FileType::from_mode(t.mode_bits() | 0o755), Some(t));
        }
        assert_eq!(FileType::from_mode(0), None);
        assert_eq!(FileType::from_mode(0o030000), None);
        assert_eq!(FileType::Directory.dtype(), libc::DT_DIR);
        assert_eq!(FileType::Regular.dtype(), libc::DT_REG);
        assert_eq!(FileType::Symlink.dtype(), libc::DT_LNK);
    }

    #[test]
    fn dev_numbers_match_libc() {
        for (ma, mi) in [
            (0, 0),
            (1, 3),
            (8, 17),
            (136, 255),
            (0xfff, 0xff),
            (0x0001_2345, 0x0009_8765),
            (u32::MAX, u32::MAX),
        ] {
            let dev = makedev(ma, mi);
            assert_eq!(dev, libc::makedev(ma, mi));
            assert_eq!((major(dev), minor(dev)), (ma, mi));
            assert_eq!((libc::major(dev), libc::minor(dev)), (ma, mi));
        }
    }
}
