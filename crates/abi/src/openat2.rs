//! `<linux/openat2.h>`: the extensible `openat2(2)` argument.

#![allow(non_camel_case_types)]

use bitflags::bitflags;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// How to open: the `openat2(2)` argument, passed with its size so that it
/// can grow (sizes larger than this must have only zero bytes past the end,
/// else `E2BIG`).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct open_how {
    /// `O_*` flags ([`crate::fcntl::OpenFlags`]); unknown bits give `EINVAL`.
    pub flags: u64,
    /// Mode for `O_CREAT`/`O_TMPFILE`; must be 0 otherwise.
    pub mode: u64,
    /// [`ResolveFlags`] bits.
    pub resolve: u64,
}

/// Size of the first published `open_how`; smaller sizes give `EINVAL`.
pub const OPEN_HOW_SIZE_VER0: usize = 24;
/// Size of the newest `open_how` this crate knows.
pub const OPEN_HOW_SIZE_LATEST: usize = OPEN_HOW_SIZE_VER0;

bitflags! {
    /// Path-resolution restrictions of `openat2(2)` (`RESOLVE_*`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct ResolveFlags: u64 {
        /// Do not cross mount points.
        const RESOLVE_NO_XDEV = 0x01;
        /// Do not follow magic links (`/proc/self/fd/N`).
        const RESOLVE_NO_MAGICLINKS = 0x02;
        /// Do not follow any symbolic link.
        const RESOLVE_NO_SYMLINKS = 0x04;
        /// Fail if resolution leaves the directory fd's subtree.
        const RESOLVE_BENEATH = 0x08;
        /// Treat the directory fd as the root (chroot-like scoping).
        const RESOLVE_IN_ROOT = 0x10;
        /// Only succeed from the dentry cache, else `EAGAIN`.
        const RESOLVE_CACHED = 0x20;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{align_of, offset_of, size_of};

    #[test]
    fn open_how_layout_matches_libc() {
        assert_eq!(size_of::<open_how>(), size_of::<libc::open_how>());
        assert_eq!(size_of::<open_how>(), OPEN_HOW_SIZE_VER0);
        assert_eq!(align_of::<open_how>(), align_of::<libc::open_how>());
        assert_eq!(
            offset_of!(open_how, flags),
            offset_of!(libc::open_how, flags)
        );
        assert_eq!(offset_of!(open_how, mode), offset_of!(libc::open_how, mode));
        assert_eq!(
            offset_of!(open_how, resolve),
            offset_of!(libc::open_how, resolve)
        );
    }

    #[test]
    fn resolve_flags_match_libc() {
        macro_rules! check {
            ($($name:ident)*) => {$(
                assert_eq!(ResolveFlags::$name.bits(), libc::$name as u64, stringify!($name));
            )*};
        }
        check!(RESOLVE_NO_XDEV RESOLVE_NO_MAGICLINKS RESOLVE_NO_SYMLINKS RESOLVE_BENEATH
            RESOLVE_IN_ROOT RESOLVE_CACHED);
    }
}
