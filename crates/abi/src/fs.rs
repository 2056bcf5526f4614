//! `<linux/fs.h>`, `<linux/dirent.h>`, `<linux/falloc.h>`, `<linux/xattr.h>`,
//! `<linux/close_range.h>`, `<linux/limits.h>` and the `MS_*` flags of
//! `<linux/mount.h>`: what the file-system system calls need.

#![allow(non_camel_case_types)]

use bitflags::bitflags;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// Longest path `PATH_MAX` accepts, including the terminating NUL.
pub const PATH_MAX: usize = 4096;
/// Longest file-name component.
pub const NAME_MAX: usize = 255;
/// Most symbolic links followed in one path walk before `ELOOP`.
pub const MAXSYMLINKS: u32 = 40;

/// The fixed part of a `getdents64(2)` record; the NUL-terminated name
/// follows at offset 19, and the record is padded to a multiple of 8.
#[repr(C, packed)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct linux_dirent64 {
    /// Inode number.
    pub d_ino: u64,
    /// Offset to pass to `lseek` to continue after this entry.
    pub d_off: i64,
    /// Length of this record in bytes.
    pub d_reclen: u16,
    /// File type (`DT_*`).
    pub d_type: u8,
}

impl linux_dirent64 {
    /// Offset of `d_name` in the record.
    pub const NAME_OFFSET: usize = 19;

    /// The record length for a name of `name_len` bytes: header, name, NUL,
    /// rounded up to 8. `None` if it does not fit `d_reclen`.
    pub const fn reclen(name_len: usize) -> Option<u16> {
        let Some(len) = name_len.checked_add(Self::NAME_OFFSET + 1 + 7) else {
            return None;
        };
        let len = len & !7;
        if len > u16::MAX as usize {
            None
        } else {
            Some(len as u16)
        }
    }

    /// Writes one record for `name` at the start of `buf` and returns its
    /// length, or `None` if `buf` is too small (the caller stops filling and,
    /// if nothing fit, answers `EINVAL`) or `name` contains a NUL.
    pub fn write(buf: &mut [u8], d_ino: u64, d_off: i64, d_type: u8, name: &[u8]) -> Option<usize> {
        if name.contains(&0) {
            return None;
        }
        let d_reclen = Self::reclen(name.len())?;
        let rec = buf.get_mut(..usize::from(d_reclen))?;
        let header = linux_dirent64 {
            d_ino,
            d_off,
            d_reclen,
            d_type,
        };
        let (head, tail) = rec.split_at_mut(Self::NAME_OFFSET);
        head.copy_from_slice(header.as_bytes());
        let (name_part, pad) = tail.split_at_mut(name.len());
        name_part.copy_from_slice(name);
        pad.fill(0);
        Some(usize::from(d_reclen))
    }
}

/// The fixed part of an old `getdents(2)` record: the name follows at
/// offset 18, then a NUL, padding, and the file type in the record's last
/// byte.
#[repr(C, packed)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct linux_dirent {
    /// Inode number.
    pub d_ino: u64,
    /// Offset of the next entry.
    pub d_off: i64,
    /// Length of this record in bytes.
    pub d_reclen: u16,
}

impl linux_dirent {
    /// Offset of `d_name` in the record.
    pub const NAME_OFFSET: usize = 18;

    /// The record length for a name of `name_len` bytes: header, name, NUL,
    /// type byte, rounded up to 8. `None` if it does not fit `d_reclen`.
    pub const fn reclen(name_len: usize) -> Option<u16> {
        let Some(len) = name_len.checked_add(Self::NAME_OFFSET + 2 + 7) else {
            return None;
        };
        let len = len & !7;
        if len > u16::MAX as usize {
            None
        } else {
            Some(len as u16)
        }
    }

    /// Writes one record for `name` at the start of `buf` and returns its
    /// length, or `None` if `buf` is too small or `name` contains a NUL.
    pub fn write(buf: &mut [u8], d_ino: u64, d_off: i64, d_type: u8, name: &[u8]) -> Option<usize> {
        if name.contains(&0) {
            return None;
        }
        let d_reclen = Self::reclen(name.len())?;
        let rec = buf.get_mut(..usize::from(d_reclen))?;
        let header = linux_dirent {
            d_ino,
            d_off,
            d_reclen,
        };
        let (head, tail) = rec.split_at_mut(Self::NAME_OFFSET);
        head.copy_from_slice(header.as_bytes());
        let (name_part, pad) = tail.split_at_mut(name.len());
        name_part.copy_from_slice(name);
        pad.fill(0);
        if let Some(last) = pad.last_mut() {
            *last = d_type;
        }
        Some(usize::from(d_reclen))
    }
}

/// Unknown file type.
pub const DT_UNKNOWN: u8 = 0;
/// FIFO.
pub const DT_FIFO: u8 = 1;
/// Character device.
pub const DT_CHR: u8 = 2;
/// Directory.
pub const DT_DIR: u8 = 4;
/// Block device.
pub const DT_BLK: u8 = 6;
/// Regular file.
pub const DT_REG: u8 = 8;
/// Symbolic link.
pub const DT_LNK: u8 = 10;
/// Socket.
pub const DT_SOCK: u8 = 12;
/// Whiteout (overlay/union mounts).
pub const DT_WHT: u8 = 14;

/// `lseek`: from the start.
pub const SEEK_SET: i32 = 0;
/// `lseek`: from the current offset.
pub const SEEK_CUR: i32 = 1;
/// `lseek`: from the end.
pub const SEEK_END: i32 = 2;
/// `lseek`: to the next data at or after the offset.
pub const SEEK_DATA: i32 = 3;
/// `lseek`: to the next hole at or after the offset.
pub const SEEK_HOLE: i32 = 4;

bitflags! {
    /// `renameat2(2)` flags.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct RenameFlags: u32 {
        /// Fail with `EEXIST` if the target exists.
        const RENAME_NOREPLACE = 1;
        /// Atomically swap source and target.
        const RENAME_EXCHANGE = 2;
        /// Leave a whiteout at the source (overlay filesystems).
        const RENAME_WHITEOUT = 4;
    }
}

/// `mount(2)`: the historical magic in the top 16 bits of the flags, ignored.
pub const MS_MGC_VAL: u64 = 0xc0ed_0000;
/// `mount(2)`: the mask of that magic.
pub const MS_MGC_MSK: u64 = 0xffff_0000;

bitflags! {
    /// `mount(2)` flags (`MS_*`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct MountFlags: u64 {
        /// Read-only.
        const MS_RDONLY = 1;
        /// Ignore set-id bits.
        const MS_NOSUID = 2;
        /// Disallow device files.
        const MS_NODEV = 4;
        /// Disallow execution.
        const MS_NOEXEC = 8;
        /// Synchronous writes.
        const MS_SYNCHRONOUS = 16;
        /// Change the flags of an existing mount.
        const MS_REMOUNT = 32;
        /// Allow mandatory locks.
        const MS_MANDLOCK = 64;
        /// Synchronous directory changes.
        const MS_DIRSYNC = 128;
        /// Do not follow symbolic links.
        const MS_NOSYMFOLLOW = 256;
        /// No access-time updates.
        const MS_NOATIME = 1024;
        /// No directory access-time updates.
        const MS_NODIRATIME = 2048;
        /// Bind mount.
        const MS_BIND = 4096;
        /// Move a mount.
        const MS_MOVE = 8192;
        /// Recursive (with `MS_BIND` or a propagation change).
        const MS_REC = 16384;
        /// Suppress some kernel messages (`MS_VERBOSE` before).
        const MS_SILENT = 32768;
        /// VFS does not apply the umask (ACLs do).
        const MS_POSIXACL = 1 << 16;
        /// Make unbindable.
        const MS_UNBINDABLE = 1 << 17;
        /// Make private.
        const MS_PRIVATE = 1 << 18;
        /// Make a slave.
        const MS_SLAVE = 1 << 19;
        /// Make shared.
        const MS_SHARED = 1 << 20;
        /// Relative access-time updates.
        const MS_RELATIME = 1 << 21;
        /// Kernel-internal mount (`kern_mount`).
        const MS_KERNMOUNT = 1 << 22;
        /// Update inode i_version.
        const MS_I_VERSION = 1 << 23;
        /// Always update access times.
        const MS_STRICTATIME = 1 << 24;
        /// Update times lazily.
        const MS_LAZYTIME = 1 << 25;
    }
}

impl MountFlags {
    /// Old name of `MS_SILENT`.
    pub const MS_VERBOSE: MountFlags = MountFlags::MS_SILENT;
    /// The propagation-type flags; one of them alone (with `MS_REC`) makes a
    /// propagation change.
    pub const PROPAGATION: MountFlags = MountFlags::MS_SHARED
        .union(MountFlags::MS_PRIVATE)
        .union(MountFlags::MS_SLAVE)
        .union(MountFlags::MS_UNBINDABLE);
}

bitflags! {
    /// `umount2(2)` flags.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct UmountFlags: u32 {
        /// Force unmounting.
        const MNT_FORCE = 1;
        /// Lazy: detach now, clean up when no longer busy.
        const MNT_DETACH = 2;
        /// Mark for expiry.
        const MNT_EXPIRE = 4;
        /// Do not follow a trailing symbolic link.
        const UMOUNT_NOFOLLOW = 8;
    }
}

bitflags! {
    /// `fallocate(2)` modes (`FALLOC_FL_*`); mode 0 allocates the range.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct FallocateFlags: u32 {
        /// Do not change the file size.
        const FALLOC_FL_KEEP_SIZE = 0x01;
        /// Deallocate the range (requires `KEEP_SIZE`).
        const FALLOC_FL_PUNCH_HOLE = 0x02;
        /// Reserved; never accepted.
        const FALLOC_FL_NO_HIDE_STALE = 0x04;
        /// Remove the range and shift the rest down.
        const FALLOC_FL_COLLAPSE_RANGE = 0x08;
        /// Zero the range.
        const FALLOC_FL_ZERO_RANGE = 0x10;
        /// Insert a hole and shift the rest up.
        const FALLOC_FL_INSERT_RANGE = 0x20;
        /// Unshare shared blocks in the range.
        const FALLOC_FL_UNSHARE_RANGE = 0x40;
        /// Zero the range by writing zeroes to the device.
        const FALLOC_FL_WRITE_ZEROES = 0x80;
    }
}

bitflags! {
    /// `close_range(2)` flags.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct CloseRangeFlags: u32 {
        /// Unshare the fd table first.
        const CLOSE_RANGE_UNSHARE = 1 << 1;
        /// Set `FD_CLOEXEC` instead of closing.
        const CLOSE_RANGE_CLOEXEC = 1 << 2;
    }
}

bitflags! {
    /// `setxattr(2)` flags.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct XattrFlags: u32 {
        /// Fail with `EEXIST` if the attribute exists.
        const XATTR_CREATE = 1;
        /// Fail with `ENODATA` if the attribute does not exist.
        const XATTR_REPLACE = 2;
    }
}

/// Longest extended-attribute name, without the NUL.
pub const XATTR_NAME_MAX: usize = 255;
/// Largest extended-attribute value.
pub const XATTR_SIZE_MAX: usize = 65536;
/// Largest `listxattr` result.
pub const XATTR_LIST_MAX: usize = 65536;

/// The value argument of `setxattrat`/`getxattrat` (Linux 6.13).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct xattr_args {
    /// Guest address of the value buffer.
    pub value: u64,
    /// Size of the value buffer.
    pub size: u32,
    /// [`XattrFlags`] bits.
    pub flags: u32,
}

/// Size of the first published `xattr_args`.
pub const XATTR_ARGS_SIZE_VER0: usize = 16;

bitflags! {
    /// Inode flags of `FS_IOC_GETFLAGS`/`FS_IOC_SETFLAGS` (`chattr`/`lsattr`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct InodeFlags: u32 {
        /// Secure deletion.
        const FS_SECRM_FL = 0x1;
        /// Undelete.
        const FS_UNRM_FL = 0x2;
        /// Compress file.
        const FS_COMPR_FL = 0x4;
        /// Synchronous updates.
        const FS_SYNC_FL = 0x8;
        /// Immutable file.
        const FS_IMMUTABLE_FL = 0x10;
        /// Writes may only append.
        const FS_APPEND_FL = 0x20;
        /// Do not dump the file.
        const FS_NODUMP_FL = 0x40;
        /// Do not update the access time.
        const FS_NOATIME_FL = 0x80;
        /// Encrypted file.
        const FS_ENCRYPT_FL = 0x800;
        /// Hash-indexed directory.
        const FS_INDEX_FL = 0x1000;
        /// Journal file data.
        const FS_JOURNAL_DATA_FL = 0x4000;
        /// No tail merging.
        const FS_NOTAIL_FL = 0x8000;
        /// Synchronous directory updates.
        const FS_DIRSYNC_FL = 0x10000;
        /// Top of a directory hierarchy.
        const FS_TOPDIR_FL = 0x20000;
        /// Extent-mapped file.
        const FS_EXTENT_FL = 0x80000;
        /// fs-verity protected.
        const FS_VERITY_FL = 0x100000;
        /// No copy-on-write.
        const FS_NOCOW_FL = 0x800000;
        /// Direct access (DAX).
        const FS_DAX_FL = 0x2000000;
        /// Inline data.
        const FS_INLINE_DATA_FL = 0x10000000;
        /// Children inherit the project id.
        const FS_PROJINHERIT_FL = 0x20000000;
        /// Case-insensitive directory.
        const FS_CASEFOLD_FL = 0x40000000;
    }
}

/// Extended inode attributes (`FS_IOC_FSGETXATTR`/`FS_IOC_FSSETXATTR`).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct fsxattr {
    /// `FS_XFLAG_*` flags.
    pub fsx_xflags: u32,
    /// Extent-size hint.
    pub fsx_extsize: u32,
    /// Number of extents (get only).
    pub fsx_nextents: u32,
    /// Project id.
    pub fsx_projid: u32,
    /// Copy-on-write extent-size hint.
    pub fsx_cowextsize: u32,
    /// Padding; zero.
    pub fsx_pad: [u8; 8],
}

/// The `file_getattr`/`file_setattr` argument (Linux 6.17).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct file_attr {
    /// `FS_XFLAG_*` flags.
    pub fa_xflags: u32,
    /// Extent-size hint.
    pub fa_extsize: u32,
    /// Number of extents (get only).
    pub fa_nextents: u32,
    /// Project id.
    pub fa_projid: u32,
    /// Copy-on-write extent-size hint.
    pub fa_cowextsize: u32,
}

/// Size of the first published `file_attr`.
pub const FILE_ATTR_SIZE_VER0: usize = 20;

/// The `FICLONERANGE` argument.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct file_clone_range {
    /// Source file descriptor.
    pub src_fd: i64,
    /// Offset in the source.
    pub src_offset: u64,
    /// Length to clone (0 = to the end).
    pub src_length: u64,
    /// Offset in the destination.
    pub dest_offset: u64,
}

use crate::ioctl::{_IO, _IOR, _IOW, _IOWR};

/// Get [`InodeFlags`] (the argument is declared `long` but an `int` is copied).
pub const FS_IOC_GETFLAGS: u32 = _IOR(b'f', 1, 8);
/// Set [`InodeFlags`].
pub const FS_IOC_SETFLAGS: u32 = _IOW(b'f', 2, 8);
/// Get the inode generation number.
pub const FS_IOC_GETVERSION: u32 = _IOR(b'v', 1, 8);
/// Set the inode generation number.
pub const FS_IOC_SETVERSION: u32 = _IOW(b'v', 2, 8);
/// Get an [`fsxattr`].
pub const FS_IOC_FSGETXATTR: u32 = _IOR(b'X', 31, core::mem::size_of::<fsxattr>());
/// Set an [`fsxattr`].
pub const FS_IOC_FSSETXATTR: u32 = _IOW(b'X', 32, core::mem::size_of::<fsxattr>());
/// Reflink a whole file (argument: source fd).
pub const FICLONE: u32 = _IOW(0x94, 9, 4);
/// Reflink a range ([`file_clone_range`]).
pub const FICLONERANGE: u32 = _IOW(0x94, 13, core::mem::size_of::<file_clone_range>());
/// Freeze the filesystem.
pub const FIFREEZE: u32 = _IOWR(b'X', 119, 4);
/// Thaw the filesystem.
pub const FITHAW: u32 = _IOWR(b'X', 120, 4);
/// Map a logical block to a physical one.
pub const FIBMAP: u32 = _IO(0x00, 1);
/// Get the filesystem block size.
pub const FIGETBSZ: u32 = _IO(0x00, 2);
/// Size of a block device in bytes.
pub const BLKGETSIZE64: u32 = _IOR(0x12, 114, 8);

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{align_of, offset_of, size_of};

    #[test]
    fn dirent64_header_matches_libc() {
        // libc's dirent64 is glibc's (with a 256-byte d_name); the fixed
        // fields and d_name's offset are the kernel's.
        assert_eq!(size_of::<linux_dirent64>(), linux_dirent64::NAME_OFFSET);
        assert_eq!(align_of::<linux_dirent64>(), 1);
        assert_eq!(
            offset_of!(linux_dirent64, d_ino),
            offset_of!(libc::dirent64, d_ino)
        );
        assert_eq!(
            offset_of!(linux_dirent64, d_off),
            offset_of!(libc::dirent64, d_off)
        );
        assert_eq!(
            offset_of!(linux_dirent64, d_reclen),
            offset_of!(libc::dirent64, d_reclen)
        );
        assert_eq!(
            offset_of!(linux_dirent64, d_type),
            offset_of!(libc::dirent64, d_type)
        );
        assert_eq!(
            linux_dirent64::NAME_OFFSET,
            offset_of!(libc::dirent64, d_name)
        );
        // The old linux_dirent has no libc type: d_ino, d_off, d_reclen, d_name.
        assert_eq!(size_of::<linux_dirent>(), 18);
        assert_eq!(offset_of!(linux_dirent, d_reclen), 16);
    }

    #[test]
    fn dirent64_write() {
        let mut buf = [0xaau8; 64];
        assert_eq!(
            linux_dirent64::write(&mut buf, 7, 42, DT_REG, b"hello"),
            Some(32)
        );
        assert_eq!(&buf[0..8], &7u64.to_ne_bytes());
        assert_eq!(&buf[8..16], &42i64.to_ne_bytes());
        assert_eq!(&buf[16..18], &32u16.to_ne_bytes());
        assert_eq!(buf[18], DT_REG);
        assert_eq!(&buf[19..25], b"hello\0");
        assert!(buf[25..32].iter().all(|&b| b == 0));
        assert_eq!(buf[32], 0xaa);
        assert_eq!(
            linux_dirent64::write(&mut buf[..31], 7, 42, DT_REG, b"hello"),
            None
        );
        assert_eq!(
            linux_dirent64::write(&mut buf, 7, 42, DT_REG, b"a\0b"),
            None
        );
        assert_eq!(linux_dirent64::reclen(4), Some(24));
        assert_eq!(linux_dirent64::reclen(5), Some(32));
        assert_eq!(linux_dirent64::reclen(usize::MAX), None);
        assert_eq!(linux_dirent64::reclen(70000), None);
    }

    #[test]
    fn old_dirent_write() {
        let mut buf = [0xaau8; 32];
        assert_eq!(linux_dirent::write(&mut buf, 1, 2, DT_DIR, b"ab"), Some(24));
        assert_eq!(&buf[16..18], &24u16.to_ne_bytes());
        assert_eq!(&buf[18..21], b"ab\0");
        assert_eq!(buf[23], DT_DIR);
        assert_eq!(linux_dirent::reclen(4), Some(24));
        assert_eq!(linux_dirent::reclen(5), Some(32));
    }

    #[test]
    fn xattr_args_layout() {
        // Not in libc; kernel: { __aligned_u64 value; __u32 size; __u32 flags; }.
        assert_eq!(size_of::<xattr_args>(), XATTR_ARGS_SIZE_VER0);
        assert_eq!(offset_of!(xattr_args, size), 8);
        assert_eq!(offset_of!(xattr_args, flags), 12);
    }

    #[test]
    fn inode_ioctls_match_libc() {
        assert_eq!(size_of::<fsxattr>(), 28);
        assert_eq!(offset_of!(fsxattr, fsx_cowextsize), 16);
        assert_eq!(size_of::<file_attr>(), FILE_ATTR_SIZE_VER0);
        assert_eq!(offset_of!(file_attr, fa_cowextsize), 16);
        assert_eq!(
            size_of::<file_clone_range>(),
            size_of::<libc::file_clone_range>()
        );
        assert_eq!(
            offset_of!(file_clone_range, dest_offset),
            offset_of!(libc::file_clone_range, dest_offset)
        );
        let ioctls = [
            (FS_IOC_GETFLAGS, libc::FS_IOC_GETFLAGS as u32),
            (FS_IOC_SETFLAGS, libc::FS_IOC_SETFLAGS as u32),
            (FS_IOC_GETVERSION, libc::FS_IOC_GETVERSION as u32),
            (FS_IOC_SETVERSION, libc::FS_IOC_SETVERSION as u32),
            (FS_IOC_FSGETXATTR, 0x801c_581f),
            (FS_IOC_FSSETXATTR, 0x401c_5820),
            (FICLONE, libc::FICLONE as u32),
            (FICLONERANGE, libc::FICLONERANGE as u32),
            (FIFREEZE, 0xc004_5877),
            (FITHAW, 0xc004_5878),
            (FIBMAP, 1),
            (FIGETBSZ, 2),
            (BLKGETSIZE64, 0x8008_1272),
        ];
        for (i, (ours, theirs)) in ioctls.iter().enumerate() {
            assert_eq!(ours, theirs, "ioctl #{i}");
        }
        // Numbers without a libc constant are <linux/fs.h>'s (Debian 12), as
        // printed by a C program; so are the FS_*_FL bits, which libc lacks.
        assert_eq!(InodeFlags::FS_CASEFOLD_FL.bits(), 0x4000_0000);
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
        check!(DT_UNKNOWN DT_FIFO DT_CHR DT_DIR DT_BLK DT_REG DT_LNK DT_SOCK SEEK_SET
            SEEK_CUR SEEK_END SEEK_DATA SEEK_HOLE PATH_MAX MS_MGC_VAL MS_MGC_MSK NAME_MAX);
        check_flags!(RenameFlags: RENAME_NOREPLACE RENAME_EXCHANGE RENAME_WHITEOUT);
        check_flags!(MountFlags: MS_RDONLY MS_NOSUID MS_NODEV MS_NOEXEC MS_SYNCHRONOUS MS_REMOUNT
            MS_MANDLOCK MS_DIRSYNC MS_NOSYMFOLLOW MS_NOATIME MS_NODIRATIME MS_BIND MS_MOVE MS_REC
            MS_SILENT MS_POSIXACL MS_UNBINDABLE MS_PRIVATE MS_SLAVE MS_SHARED MS_RELATIME
            MS_KERNMOUNT MS_I_VERSION MS_STRICTATIME MS_LAZYTIME);
        check_flags!(UmountFlags: MNT_FORCE MNT_DETACH MNT_EXPIRE UMOUNT_NOFOLLOW);
        check_flags!(FallocateFlags: FALLOC_FL_KEEP_SIZE FALLOC_FL_PUNCH_HOLE FALLOC_FL_COLLAPSE_RANGE
            FALLOC_FL_ZERO_RANGE FALLOC_FL_INSERT_RANGE FALLOC_FL_UNSHARE_RANGE);
        check_flags!(CloseRangeFlags: CLOSE_RANGE_UNSHARE CLOSE_RANGE_CLOEXEC);
        check_flags!(XattrFlags: XATTR_CREATE XATTR_REPLACE);
        // libc lacks DT_WHT, MS_VERBOSE, XATTR_*_MAX and FALLOC_FL_WRITE_ZEROES;
        // values from linux/fs.h, linux/mount.h, linux/limits.h, linux/falloc.h.
        assert_eq!(MountFlags::MS_VERBOSE, MountFlags::MS_SILENT);
    }
}
