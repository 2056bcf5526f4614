//! Encoding of `struct linux_dirent64` records for `getdents64(2)`.

use alloc::vec::Vec;

/// Size of the fixed part of `linux_dirent64` (`d_ino`, `d_off`, `d_reclen`,
/// `d_type`), before the name.
const HEADER: usize = 8 + 8 + 2 + 1;

/// The record length of an entry with a `name_len`-byte name: header, name,
/// NUL, padded to 8 bytes.
pub fn dirent64_reclen(name_len: usize) -> usize {
    (HEADER + name_len + 1 + 7) & !7
}

/// Appends one `linux_dirent64` record to `buf` if it fits within `limit`
/// total bytes; returns whether it was appended. `off` is the cookie of the
/// next entry (what `d_off` means to `lseek`).
pub fn push_dirent64(
    buf: &mut Vec<u8>,
    limit: usize,
    ino: u64,
    off: u64,
    d_type: u8,
    name: &[u8],
) -> bool {
    let reclen = dirent64_reclen(name.len());
    let Ok(reclen16) = u16::try_from(reclen) else {
        return false;
    };
    if buf.len() + reclen > limit {
        return false;
    }
    let start = buf.len();
    buf.extend_from_slice(&ino.to_ne_bytes());
    buf.extend_from_slice(&off.to_ne_bytes());
    buf.extend_from_slice(&reclen16.to_ne_bytes());
    buf.push(d_type);
    buf.extend_from_slice(name);
    buf.resize(start + reclen, 0);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_matches_linux() {
        assert_eq!(dirent64_reclen(1), 24);
        assert_eq!(dirent64_reclen(4), 24);
        assert_eq!(dirent64_reclen(5), 32);
        let mut b = Vec::new();
        assert!(push_dirent64(&mut b, 100, 7, 3, 8, b"abc"));
        assert_eq!(b.len(), 24);
        assert_eq!(
            u64::from_ne_bytes(b[0..8].try_into().unwrap_or_default()),
            7
        );
        assert_eq!(
            u64::from_ne_bytes(b[8..16].try_into().unwrap_or_default()),
            3
        );
        assert_eq!(u16::from_ne_bytes([b[16], b[17]]), 24);
        assert_eq!(b[18], 8);
        assert_eq!(&b[19..23], b"abc\0");
        assert!(!push_dirent64(&mut b, 40, 8, 4, 8, b"d"));
        assert_eq!(b.len(), 24);
    }
}
