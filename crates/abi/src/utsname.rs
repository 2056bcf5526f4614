//! `<linux/utsname.h>`: `struct new_utsname`, what `uname(2)` fills in.

#![allow(non_camel_case_types)]

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// Longest string in a [`new_utsname`] field, without its NUL.
pub const __NEW_UTS_LEN: usize = 64;

/// One NUL-terminated `utsname` field.
pub type UtsField = [u8; __NEW_UTS_LEN + 1];

/// `struct new_utsname`: six NUL-terminated 65-byte strings (390 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct new_utsname {
    /// Operating system name, `"Linux"`.
    pub sysname: UtsField,
    /// Host name (UTS namespace).
    pub nodename: UtsField,
    /// Kernel release, e.g. `"6.1.0"`.
    pub release: UtsField,
    /// Kernel version string.
    pub version: UtsField,
    /// Hardware name, `"x86_64"`.
    pub machine: UtsField,
    /// NIS domain name (UTS namespace).
    pub domainname: UtsField,
}

impl Default for new_utsname {
    fn default() -> Self {
        Self {
            sysname: [0; 65],
            nodename: [0; 65],
            release: [0; 65],
            version: [0; 65],
            machine: [0; 65],
            domainname: [0; 65],
        }
    }
}

/// Builds a field from `s`: at most [`__NEW_UTS_LEN`] bytes, NUL-padded, so
/// the result is always terminated (longer input is truncated).
pub fn uts_field(s: &[u8]) -> UtsField {
    let mut f = [0u8; __NEW_UTS_LEN + 1];
    for (d, b) in f.iter_mut().zip(s.iter().take(__NEW_UTS_LEN)) {
        *d = *b;
    }
    f
}

/// The bytes of a field up to its first NUL (all of it if there is none).
pub fn uts_field_bytes(f: &UtsField) -> &[u8] {
    let end = f.iter().position(|&b| b == 0).unwrap_or(f.len());
    f.get(..end).unwrap_or(&[])
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{align_of, offset_of, size_of};

    #[test]
    fn layout_matches_libc() {
        // glibc's `struct utsname` is the kernel's `new_utsname` on Linux.
        type L = libc::utsname;
        assert_eq!(size_of::<new_utsname>(), size_of::<L>());
        assert_eq!(size_of::<new_utsname>(), 390);
        assert_eq!(align_of::<new_utsname>(), align_of::<L>());
        assert_eq!(offset_of!(new_utsname, sysname), offset_of!(L, sysname));
        assert_eq!(offset_of!(new_utsname, nodename), offset_of!(L, nodename));
        assert_eq!(offset_of!(new_utsname, release), offset_of!(L, release));
        assert_eq!(offset_of!(new_utsname, version), offset_of!(L, version));
        assert_eq!(offset_of!(new_utsname, machine), offset_of!(L, machine));
        assert_eq!(
            offset_of!(new_utsname, domainname),
            offset_of!(L, domainname)
        );
    }

    #[test]
    fn fields_are_terminated_and_truncated() {
        let f = uts_field(b"Linux");
        assert_eq!(uts_field_bytes(&f), b"Linux");
        let long = [b'a'; 100];
        let f = uts_field(&long);
        assert_eq!(f[64], 0);
        assert_eq!(uts_field_bytes(&f).len(), 64);
        assert_eq!(uts_field_bytes(&[b'x'; 65]).len(), 65);
        assert_eq!(uts_field_bytes(&uts_field(b"")), b"");
    }
}
