//! `<asm-generic/fcntl.h>` and `<linux/fcntl.h>`: open flags, `*at` flags,
//! `fcntl(2)` commands, record locks, file seals and `flock(2)` operations.
//!
//! Values are the kernel's for x86-64. Note `O_LARGEFILE`: the kernel sets it
//! (0o100000) on every 64-bit open, while glibc's headers define it as 0, so
//! the value here is the kernel's.

#![allow(non_camel_case_types)]

use bitflags::bitflags;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// The "current working directory" directory file descriptor for `*at` calls.
pub const AT_FDCWD: i32 = -100;

/// Open for reading only (access mode 0).
pub const O_RDONLY: u32 = 0;
/// Open for writing only (access mode 1).
pub const O_WRONLY: u32 = 1;
/// Open for reading and writing (access mode 2).
pub const O_RDWR: u32 = 2;
/// Mask of the access mode in the open flags.
pub const O_ACCMODE: u32 = 3;

bitflags! {
    /// `open(2)` flags and file status flags (`F_GETFL`/`F_SETFL`).
    ///
    /// The low two bits are the access mode, a number rather than flags; read
    /// it with [`OpenFlags::access_mode`].
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct OpenFlags: u32 {
        /// Access mode: write only.
        const O_WRONLY = O_WRONLY;
        /// Access mode: read and write.
        const O_RDWR = O_RDWR;
        /// Create the file if it does not exist.
        const O_CREAT = 0o100;
        /// With `O_CREAT`: fail with `EEXIST` if the file exists.
        const O_EXCL = 0o200;
        /// Do not make a terminal the controlling terminal.
        const O_NOCTTY = 0o400;
        /// Truncate a regular file to length 0.
        const O_TRUNC = 0o1000;
        /// Every write appends.
        const O_APPEND = 0o2000;
        /// Non-blocking I/O.
        const O_NONBLOCK = 0o4000;
        /// Writes complete as for synchronised data integrity.
        const O_DSYNC = 0o10000;
        /// Signal-driven I/O (`FASYNC`).
        const FASYNC = 0o20000;
        /// Bypass the page cache.
        const O_DIRECT = 0o40000;
        /// Allow files larger than 2 GiB (always set by 64-bit opens).
        const O_LARGEFILE = 0o100000;
        /// Fail unless the path is a directory.
        const O_DIRECTORY = 0o200000;
        /// Fail with `ELOOP` if the last component is a symbolic link.
        const O_NOFOLLOW = 0o400000;
        /// Do not update the access time.
        const O_NOATIME = 0o1000000;
        /// Close on `execve(2)`.
        const O_CLOEXEC = 0o2000000;
        /// Writes complete as for synchronised file integrity (includes `O_DSYNC`).
        const O_SYNC = 0o4000000 | 0o10000;
        /// A location-only descriptor: no reads or writes.
        const O_PATH = 0o10000000;
        /// Create an unnamed temporary file in the given directory (includes
        /// `O_DIRECTORY`).
        const O_TMPFILE = 0o20000000 | 0o200000;
    }
}

impl OpenFlags {
    /// Alias of `O_NONBLOCK`.
    pub const O_NDELAY: OpenFlags = OpenFlags::O_NONBLOCK;
    /// Alias of `O_SYNC`.
    pub const O_RSYNC: OpenFlags = OpenFlags::O_SYNC;
    /// The flags that `F_SETFL` may change; the others are ignored.
    pub const SETFL_MASK: OpenFlags = OpenFlags::O_APPEND
        .union(OpenFlags::O_NONBLOCK)
        .union(OpenFlags::FASYNC)
        .union(OpenFlags::O_DIRECT)
        .union(OpenFlags::O_NOATIME);

    /// The flags `O_PATH` may be combined with; `open` ignores any other,
    /// `openat2` rejects them with `EINVAL`.
    pub const O_PATH_FLAGS: OpenFlags = OpenFlags::O_DIRECTORY
        .union(OpenFlags::O_NOFOLLOW)
        .union(OpenFlags::O_PATH)
        .union(OpenFlags::O_CLOEXEC);

    /// Every flag bit Linux knows (`VALID_OPEN_FLAGS`): `openat2` rejects
    /// other bits with `EINVAL`, `open` silently drops them.
    pub const VALID: OpenFlags = OpenFlags::all();

    /// The access mode: [`O_RDONLY`], [`O_WRONLY`], [`O_RDWR`] or 3, which
    /// Linux accepts to mean "neither read nor write, ioctl only".
    pub const fn access_mode(self) -> u32 {
        self.bits() & O_ACCMODE
    }

    /// Whether the access mode allows reading.
    pub const fn is_readable(self) -> bool {
        matches!(self.access_mode(), O_RDONLY | O_RDWR)
    }

    /// Whether the access mode allows writing.
    pub const fn is_writable(self) -> bool {
        matches!(self.access_mode(), O_WRONLY | O_RDWR)
    }
}

bitflags! {
    /// Flags of the `*at` system calls (`AT_*`). Several bits mean different
    /// things to different calls, hence the aliases with equal values.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct AtFlags: u32 {
        /// `name_to_handle_at`: return a unique mount id.
        const AT_HANDLE_MNT_ID_UNIQUE = 0x1;
        /// `name_to_handle_at`: the handle must be openable with a parent.
        const AT_HANDLE_CONNECTABLE = 0x2;
        /// Do not follow a trailing symbolic link.
        const AT_SYMLINK_NOFOLLOW = 0x100;
        /// `faccessat`: check with the effective ids.
        const AT_EACCESS = 0x200;
        /// `unlinkat`: remove a directory.
        const AT_REMOVEDIR = 0x200;
        /// `name_to_handle_at`: return a file id handle only.
        const AT_HANDLE_FID = 0x200;
        /// `linkat`: follow a trailing symbolic link.
        const AT_SYMLINK_FOLLOW = 0x400;
        /// Do not trigger an automount on the last component.
        const AT_NO_AUTOMOUNT = 0x800;
        /// Operate on the directory fd itself when the path is empty.
        const AT_EMPTY_PATH = 0x1000;
        /// `statx`: force synchronisation with a remote server.
        const AT_STATX_FORCE_SYNC = 0x2000;
        /// `statx`: do not synchronise; use cached attributes.
        const AT_STATX_DONT_SYNC = 0x4000;
        /// Apply to the whole subtree (`open_tree`, `mount_setattr`).
        const AT_RECURSIVE = 0x8000;
        /// `execveat`: only check that the file could be executed.
        const AT_EXECVE_CHECK = 0x10000;
    }
}

impl AtFlags {
    /// `statx`: the mask of the synchronisation type bits.
    pub const AT_STATX_SYNC_TYPE: AtFlags =
        AtFlags::AT_STATX_FORCE_SYNC.union(AtFlags::AT_STATX_DONT_SYNC);
    /// `statx`: do what `stat(2)` does (value 0).
    pub const AT_STATX_SYNC_AS_STAT: AtFlags = AtFlags::empty();
}

/// Duplicate to the lowest free fd >= arg.
pub const F_DUPFD: u32 = 0;
/// Get the fd flags (`FD_CLOEXEC`).
pub const F_GETFD: u32 = 1;
/// Set the fd flags.
pub const F_SETFD: u32 = 2;
/// Get the file status flags.
pub const F_GETFL: u32 = 3;
/// Set the file status flags (only [`OpenFlags::SETFL_MASK`]).
pub const F_SETFL: u32 = 4;
/// Test for a conflicting POSIX record lock.
pub const F_GETLK: u32 = 5;
/// Acquire or release a POSIX record lock without waiting.
pub const F_SETLK: u32 = 6;
/// Acquire a POSIX record lock, waiting.
pub const F_SETLKW: u32 = 7;
/// Set the process (positive) or group (negative) that receives `SIGIO`.
pub const F_SETOWN: u32 = 8;
/// Get the `SIGIO` owner.
pub const F_GETOWN: u32 = 9;
/// Set the signal sent instead of `SIGIO`.
pub const F_SETSIG: u32 = 10;
/// Get the signal sent instead of `SIGIO`.
pub const F_GETSIG: u32 = 11;
/// Set the `SIGIO` owner from a [`f_owner_ex`].
pub const F_SETOWN_EX: u32 = 15;
/// Get the `SIGIO` owner as a [`f_owner_ex`].
pub const F_GETOWN_EX: u32 = 16;
/// Get the owner uids (unused by any filesystem).
pub const F_GETOWNER_UIDS: u32 = 17;
/// Test for a conflicting open-file-description lock.
pub const F_OFD_GETLK: u32 = 36;
/// Acquire or release an open-file-description lock without waiting.
pub const F_OFD_SETLK: u32 = 37;
/// Acquire an open-file-description lock, waiting.
pub const F_OFD_SETLKW: u32 = 38;
/// Base of the Linux-specific commands.
pub const F_LINUX_SPECIFIC_BASE: u32 = 1024;
/// Set a lease.
pub const F_SETLEASE: u32 = 1024;
/// Get the lease type.
pub const F_GETLEASE: u32 = 1025;
/// Request directory change notifications (`DN_*`).
pub const F_NOTIFY: u32 = 1026;
/// Whether two fds refer to the same open file description.
pub const F_DUPFD_QUERY: u32 = 1027;
/// Whether the last `open` created the file.
pub const F_CREATED_QUERY: u32 = 1028;
/// Cancel a lease break.
pub const F_CANCELLK: u32 = 1029;
/// Like `F_DUPFD` with `FD_CLOEXEC` set on the new fd.
pub const F_DUPFD_CLOEXEC: u32 = 1030;
/// Set a pipe's capacity.
pub const F_SETPIPE_SZ: u32 = 1031;
/// Get a pipe's capacity.
pub const F_GETPIPE_SZ: u32 = 1032;
/// Add seals ([`SealFlags`]) to a memfd.
pub const F_ADD_SEALS: u32 = 1033;
/// Get a memfd's seals.
pub const F_GET_SEALS: u32 = 1034;
/// Get the inode's write-lifetime hint.
pub const F_GET_RW_HINT: u32 = 1035;
/// Set the inode's write-lifetime hint.
pub const F_SET_RW_HINT: u32 = 1036;
/// Get the file's write-lifetime hint (removed in 5.18; answers `EINVAL`).
pub const F_GET_FILE_RW_HINT: u32 = 1037;
/// Set the file's write-lifetime hint (removed in 5.18; answers `EINVAL`).
pub const F_SET_FILE_RW_HINT: u32 = 1038;

/// `F_GETFD`/`F_SETFD`: close the descriptor on `execve(2)`.
pub const FD_CLOEXEC: u32 = 1;

/// Record lock type: shared (read) lock.
pub const F_RDLCK: i16 = 0;
/// Record lock type: exclusive (write) lock.
pub const F_WRLCK: i16 = 1;
/// Record lock type: unlock.
pub const F_UNLCK: i16 = 2;
/// Obsolete `flock` emulation: exclusive.
pub const F_EXLCK: i16 = 4;
/// Obsolete `flock` emulation: shared.
pub const F_SHLCK: i16 = 8;

/// [`f_owner_ex`] type: a thread.
pub const F_OWNER_TID: i32 = 0;
/// [`f_owner_ex`] type: a process.
pub const F_OWNER_PID: i32 = 1;
/// [`f_owner_ex`] type: a process group.
pub const F_OWNER_PGRP: i32 = 2;

/// `F_NOTIFY`: a file was accessed.
pub const DN_ACCESS: u32 = 0x1;
/// `F_NOTIFY`: a file was modified.
pub const DN_MODIFY: u32 = 0x2;
/// `F_NOTIFY`: a file was created.
pub const DN_CREATE: u32 = 0x4;
/// `F_NOTIFY`: a file was unlinked.
pub const DN_DELETE: u32 = 0x8;
/// `F_NOTIFY`: a file was renamed.
pub const DN_RENAME: u32 = 0x10;
/// `F_NOTIFY`: attributes changed.
pub const DN_ATTRIB: u32 = 0x20;
/// `F_NOTIFY`: keep the notification after the first event.
pub const DN_MULTISHOT: u32 = 0x8000_0000;

/// `access(2)`: test for existence.
pub const F_OK: u32 = 0;
/// `access(2)`: test for execute permission.
pub const X_OK: u32 = 1;
/// `access(2)`: test for write permission.
pub const W_OK: u32 = 2;
/// `access(2)`: test for read permission.
pub const R_OK: u32 = 4;

/// Write-lifetime hint: none set.
pub const RWH_WRITE_LIFE_NOT_SET: u64 = 0;
/// Write-lifetime hint: no known lifetime.
pub const RWH_WRITE_LIFE_NONE: u64 = 1;
/// Write-lifetime hint: short.
pub const RWH_WRITE_LIFE_SHORT: u64 = 2;
/// Write-lifetime hint: medium.
pub const RWH_WRITE_LIFE_MEDIUM: u64 = 3;
/// Write-lifetime hint: long.
pub const RWH_WRITE_LIFE_LONG: u64 = 4;
/// Write-lifetime hint: extreme.
pub const RWH_WRITE_LIFE_EXTREME: u64 = 5;

bitflags! {
    /// memfd seals (`F_ADD_SEALS`/`F_GET_SEALS`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct SealFlags: u32 {
        /// No further seals may be added.
        const F_SEAL_SEAL = 0x1;
        /// The file may not shrink.
        const F_SEAL_SHRINK = 0x2;
        /// The file may not grow.
        const F_SEAL_GROW = 0x4;
        /// The contents may not be written.
        const F_SEAL_WRITE = 0x8;
        /// New writable mappings and writes are refused; existing ones stay.
        const F_SEAL_FUTURE_WRITE = 0x10;
        /// The execute mode bits may not change.
        const F_SEAL_EXEC = 0x20;
    }
}

bitflags! {
    /// `flock(2)` operations.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct FlockOp: u32 {
        /// Shared lock.
        const LOCK_SH = 1;
        /// Exclusive lock.
        const LOCK_EX = 2;
        /// Do not block.
        const LOCK_NB = 4;
        /// Unlock.
        const LOCK_UN = 8;
    }
}

/// A POSIX record lock (`F_GETLK`/`F_SETLK`/`F_OFD_*`), kernel layout (equal
/// to `struct flock64` on x86-64).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct flock {
    /// [`F_RDLCK`], [`F_WRLCK`] or [`F_UNLCK`].
    pub l_type: i16,
    /// `SEEK_SET`, `SEEK_CUR` or `SEEK_END`: what `l_start` is relative to.
    pub l_whence: i16,
    /// Padding the C compiler inserts; always zero.
    pub __pad0: u32,
    /// Start of the locked range.
    pub l_start: i64,
    /// Length of the range; 0 means "to the end of file".
    pub l_len: i64,
    /// `F_GETLK`: the holder's pid (0 for OFD locks; must be 0 on input).
    pub l_pid: i32,
    /// Padding the C compiler inserts; always zero.
    pub __pad1: u32,
}

/// The owner of `SIGIO` for `F_SETOWN_EX`/`F_GETOWN_EX`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct f_owner_ex {
    /// [`F_OWNER_TID`], [`F_OWNER_PID`] or [`F_OWNER_PGRP`].
    pub type_: i32,
    /// The thread, process or process-group id.
    pub pid: i32,
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{align_of, offset_of, size_of};

    macro_rules! check_flags {
        ($ty:ident: $($name:ident)*) => {$(
            assert_eq!($ty::$name.bits() as i64, libc::$name as i64, stringify!($name));
        )*};
    }
    macro_rules! check_consts {
        ($($name:ident)*) => {$(
            assert_eq!($name as i64, libc::$name as i64, stringify!($name));
        )*};
    }

    #[test]
    fn open_flags_match_libc() {
        check_flags!(OpenFlags: O_WRONLY O_RDWR O_CREAT O_EXCL O_NOCTTY O_TRUNC O_APPEND O_NONBLOCK
            O_DSYNC O_DIRECT O_DIRECTORY O_NOFOLLOW O_NOATIME O_CLOEXEC O_SYNC O_PATH O_TMPFILE
            O_NDELAY O_RSYNC);
        check_consts!(O_RDONLY O_WRONLY O_RDWR O_ACCMODE AT_FDCWD);
        // glibc defines O_LARGEFILE as 0 on 64-bit; the kernel's bit is 0o100000
        // (include/uapi/asm-generic/fcntl.h), and it shows in F_GETFL results.
        assert_eq!(libc::O_LARGEFILE, 0);
        assert_eq!(OpenFlags::O_LARGEFILE.bits(), 0o100000);
    }

    #[test]
    fn access_mode() {
        let f = OpenFlags::O_RDWR | OpenFlags::O_CREAT;
        assert_eq!(f.access_mode(), O_RDWR);
        assert!(f.is_readable() && f.is_writable());
        let r = OpenFlags::from_bits_truncate(O_RDONLY);
        assert!(r.is_readable() && !r.is_writable());
        let w = OpenFlags::O_WRONLY;
        assert!(!w.is_readable() && w.is_writable());
        let both = OpenFlags::from_bits_truncate(O_ACCMODE);
        assert!(!both.is_readable() && !both.is_writable());
        assert!(OpenFlags::O_TMPFILE.contains(OpenFlags::O_DIRECTORY));
        assert!(!OpenFlags::O_DIRECTORY.contains(OpenFlags::O_TMPFILE));
        assert!(OpenFlags::O_SYNC.contains(OpenFlags::O_DSYNC));
        // VALID_OPEN_FLAGS (include/linux/fcntl.h): every bit up to
        // __O_TMPFILE except the unused 0o4..=0o40.
        assert_eq!(OpenFlags::VALID.bits(), 0o37_777_703);
        assert_eq!(OpenFlags::from_bits(0o40_000_000), None);
    }

    #[test]
    fn at_flags_match_libc() {
        check_flags!(AtFlags: AT_HANDLE_MNT_ID_UNIQUE AT_HANDLE_CONNECTABLE AT_SYMLINK_NOFOLLOW
            AT_EACCESS AT_REMOVEDIR AT_HANDLE_FID AT_SYMLINK_FOLLOW AT_NO_AUTOMOUNT AT_EMPTY_PATH
            AT_STATX_FORCE_SYNC AT_STATX_DONT_SYNC AT_RECURSIVE AT_EXECVE_CHECK AT_STATX_SYNC_TYPE
            AT_STATX_SYNC_AS_STAT);
    }

    #[test]
    fn fcntl_commands_match_libc() {
        check_consts!(F_DUPFD F_GETFD F_SETFD F_GETFL F_SETFL F_GETLK F_SETLK F_SETLKW F_SETOWN
            F_GETOWN F_OFD_GETLK F_OFD_SETLK F_OFD_SETLKW
            F_SETLEASE F_GETLEASE F_NOTIFY F_CANCELLK F_DUPFD_CLOEXEC F_SETPIPE_SZ F_GETPIPE_SZ
            F_ADD_SEALS F_GET_SEALS FD_CLOEXEC F_RDLCK F_WRLCK F_UNLCK
            F_OK X_OK W_OK R_OK);
        check_flags!(SealFlags: F_SEAL_SEAL F_SEAL_SHRINK F_SEAL_GROW F_SEAL_WRITE F_SEAL_FUTURE_WRITE
            F_SEAL_EXEC);
        check_flags!(FlockOp: LOCK_SH LOCK_EX LOCK_NB LOCK_UN);
        assert_eq!(OpenFlags::FASYNC.bits() as i32, libc::O_ASYNC);
        // libc lacks F_SETSIG/F_GETSIG/F_*OWN_EX/F_EXLCK/F_SHLCK/F_OWNER_*/DN_*;
        // their values are from include/uapi/asm-generic/fcntl.h and linux/fcntl.h.
    }

    #[test]
    fn flock_layout_matches_libc() {
        assert_eq!(size_of::<flock>(), size_of::<libc::flock>());
        assert_eq!(align_of::<flock>(), align_of::<libc::flock>());
        assert_eq!(offset_of!(flock, l_type), offset_of!(libc::flock, l_type));
        assert_eq!(
            offset_of!(flock, l_whence),
            offset_of!(libc::flock, l_whence)
        );
        assert_eq!(offset_of!(flock, l_start), offset_of!(libc::flock, l_start));
        assert_eq!(offset_of!(flock, l_len), offset_of!(libc::flock, l_len));
        assert_eq!(offset_of!(flock, l_pid), offset_of!(libc::flock, l_pid));
        assert_eq!(size_of::<flock>(), size_of::<libc::flock64>());
    }

    #[test]
    fn f_owner_ex_layout() {
        // libc has no f_owner_ex; the kernel's is { int type; __kernel_pid_t pid; }.
        assert_eq!(size_of::<f_owner_ex>(), 8);
        assert_eq!(align_of::<f_owner_ex>(), 4);
        assert_eq!(offset_of!(f_owner_ex, type_), 0);
        assert_eq!(offset_of!(f_owner_ex, pid), 4);
    }
}
