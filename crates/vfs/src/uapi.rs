//! The Linux flag words the VFS interprets: open flags, `AT_*`, `RESOLVE_*`,
//! `RENAME_*` and the `st_mode` file-type bits.
//!
//! The flag sets themselves come from `abi`; this module adds the VFS's
//! view of them (access mode, file types, limits).

pub use abi::fcntl::{AtFlags, OpenFlags, AT_FDCWD};
pub use abi::fs::RenameFlags;
pub use abi::openat2::ResolveFlags;

/// The access-mode part of [`OpenFlags`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccessMode {
    /// `O_RDONLY`.
    ReadOnly,
    /// `O_WRONLY`.
    WriteOnly,
    /// `O_RDWR`.
    ReadWrite,
}

impl AccessMode {
    /// The access mode of `flags`; the invalid value 3 is treated as
    /// read-write, as Linux does for permission purposes.
    pub fn of(flags: OpenFlags) -> AccessMode {
        match flags.bits() & 3 {
            0 => AccessMode::ReadOnly,
            1 => AccessMode::WriteOnly,
            _ => AccessMode::ReadWrite,
        }
    }

    /// Whether reading is allowed.
    pub fn readable(self) -> bool {
        matches!(self, AccessMode::ReadOnly | AccessMode::ReadWrite)
    }

    /// Whether writing is allowed.
    pub fn writable(self) -> bool {
        matches!(self, AccessMode::WriteOnly | AccessMode::ReadWrite)
    }
}

pub use abi::stat::{
    makedev, FileType, S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK,
};

/// Set-user-ID bit.
pub const S_ISUID: u32 = 0o4000;
/// Set-group-ID bit.
pub const S_ISGID: u32 = 0o2000;
/// Sticky bit.
pub const S_ISVTX: u32 = 0o1000;
/// Permission bits plus the three special bits.
pub const S_IALLUGO: u32 = 0o7777;

/// `NAME_MAX`: the longest path component, in bytes.
pub const NAME_MAX: usize = 255;
/// `PATH_MAX`: the longest path including its NUL, in bytes.
pub const PATH_MAX: usize = 4096;
/// The most symlinks one path walk may follow (Linux's `MAXSYMLINKS`).
pub const MAXSYMLINKS: u32 = 40;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_modes() {
        assert_eq!(AccessMode::of(OpenFlags::empty()), AccessMode::ReadOnly);
        assert_eq!(AccessMode::of(OpenFlags::O_WRONLY), AccessMode::WriteOnly);
        assert!(AccessMode::of(OpenFlags::from_bits_retain(3)).writable());
        assert!(!AccessMode::of(OpenFlags::O_WRONLY).readable());
    }
}
