//! `<linux/uio.h>` and the `RWF_*` flags of `<linux/fs.h>`: vectored I/O.

#![allow(non_camel_case_types)]

use bitflags::bitflags;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// One buffer of a vectored read or write (`readv`, `sendmsg`, ...).
///
/// `iov_base` is a guest address, kept as a plain integer: it is only ever
/// dereferenced through the kernel's checked user-memory accessors.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct iovec {
    /// Start of the buffer in guest memory.
    pub iov_base: u64,
    /// Length of the buffer in bytes.
    pub iov_len: u64,
}

/// The most `iovec`s one call accepts; more gives `EINVAL`.
pub const UIO_MAXIOV: usize = 1024;
/// The number of `iovec`s the kernel keeps on its stack before allocating.
pub const UIO_FASTIOV: usize = 8;

bitflags! {
    /// Per-call flags of `preadv2`/`pwritev2` (`RWF_*`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct ReadWriteFlags: u32 {
        /// High-priority request; poll if possible.
        const RWF_HIPRI = 0x1;
        /// Per-write `O_DSYNC`.
        const RWF_DSYNC = 0x2;
        /// Per-write `O_SYNC`.
        const RWF_SYNC = 0x4;
        /// Fail with `EAGAIN` instead of blocking.
        const RWF_NOWAIT = 0x8;
        /// Per-write `O_APPEND`.
        const RWF_APPEND = 0x10;
        /// Ignore `O_APPEND` for this write (`pwritev2` with an offset).
        const RWF_NOAPPEND = 0x20;
        /// Write all of it or none of it (torn-write protection).
        const RWF_ATOMIC = 0x40;
        /// Drop the written or read pages from the page cache afterwards.
        const RWF_DONTCACHE = 0x80;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{align_of, offset_of, size_of};

    #[test]
    fn iovec_layout_matches_libc() {
        assert_eq!(size_of::<iovec>(), size_of::<libc::iovec>());
        assert_eq!(align_of::<iovec>(), align_of::<libc::iovec>());
        assert_eq!(
            offset_of!(iovec, iov_base),
            offset_of!(libc::iovec, iov_base)
        );
        assert_eq!(offset_of!(iovec, iov_len), offset_of!(libc::iovec, iov_len));
    }

    #[test]
    fn constants_match_libc() {
        assert_eq!(UIO_MAXIOV as i64, libc::UIO_MAXIOV as i64);
        macro_rules! check {
            ($($name:ident)*) => {$(
                assert_eq!(ReadWriteFlags::$name.bits() as i64, libc::$name as i64, stringify!($name));
            )*};
        }
        check!(RWF_HIPRI RWF_DSYNC RWF_SYNC RWF_NOWAIT RWF_APPEND RWF_NOAPPEND RWF_ATOMIC RWF_DONTCACHE);
    }
}
