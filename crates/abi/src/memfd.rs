//! `<linux/memfd.h>`: `memfd_create(2)` flags.

use bitflags::bitflags;

bitflags! {
    /// `memfd_create(2)` flags. Bits 26..=31 may also carry a huge-page size
    /// (log2) with `MFD_HUGETLB`; see [`MFD_HUGE_SHIFT`].
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct MemfdFlags: u32 {
        /// Close on exec.
        const MFD_CLOEXEC = 0x1;
        /// Allow `F_ADD_SEALS` (otherwise `F_SEAL_SEAL` is set at creation).
        const MFD_ALLOW_SEALING = 0x2;
        /// Back the file with huge pages.
        const MFD_HUGETLB = 0x4;
        /// Not executable, sealed so (`F_SEAL_EXEC`).
        const MFD_NOEXEC_SEAL = 0x8;
        /// Executable.
        const MFD_EXEC = 0x10;
    }
}

/// Shift of the huge-page size field.
pub const MFD_HUGE_SHIFT: u32 = 26;
/// Mask of the huge-page size field (after shifting).
pub const MFD_HUGE_MASK: u32 = 0x3f;
/// The prefix Linux gives memfd names in `/proc/self/fd` links.
pub const MFD_NAME_PREFIX: &str = "memfd:";
/// Longest name `memfd_create` accepts, without the NUL (`EINVAL` beyond).
pub const MFD_NAME_MAX_LEN: usize = 255 - MFD_NAME_PREFIX.len();

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_match_libc() {
        macro_rules! check {
            ($($name:ident)*) => {$(
                assert_eq!(MemfdFlags::$name.bits(), libc::$name, stringify!($name));
            )*};
        }
        check!(MFD_CLOEXEC MFD_ALLOW_SEALING MFD_HUGETLB MFD_NOEXEC_SEAL MFD_EXEC);
        assert_eq!(MFD_HUGE_SHIFT, libc::MFD_HUGE_SHIFT);
        assert_eq!(MFD_HUGE_MASK, libc::MFD_HUGE_MASK);
        assert_eq!(MFD_NAME_MAX_LEN, 249);
    }
}
