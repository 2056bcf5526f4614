//! Anonymous inodes (Linux's `anon_inodefs`): the inode behind files that
//! live in no directory, such as epoll instances and eventfds. As in
//! Linux, `fstat` shows mode 0600 without a file-type bit, owned by the
//! creator, on the anonymous-inode device.

use std::sync::atomic::{AtomicU64, Ordering};

use vfs::{InodeAttr, Timespec};

/// The device number `fstat` reports for anonymous inodes (an unnamed
/// device, as Linux's anon_inodefs).
const ANON_DEV: (u32, u32) = (0, 13);

static NEXT_INO: AtomicU64 = AtomicU64::new(1);

/// Attributes of a fresh anonymous inode owned by `uid`/`gid`.
pub fn anon_attr(uid: u32, gid: u32, now: Timespec) -> InodeAttr {
    InodeAttr {
        dev: vfs::uapi::makedev(ANON_DEV.0, ANON_DEV.1),
        ino: NEXT_INO.fetch_add(1, Ordering::Relaxed),
        mode: 0o600,
        nlink: 1,
        uid,
        gid,
        blksize: 4096,
        atime: now,
        mtime: now,
        ctime: now,
        ..InodeAttr::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_file_type_and_distinct_numbers() {
        let a = anon_attr(1, 2, Timespec::default());
        let b = anon_attr(1, 2, Timespec::default());
        assert_eq!(a.mode, 0o600);
        assert_eq!(a.file_type(), None);
        assert_ne!(a.ino, b.ino);
        assert_eq!((a.uid, a.gid), (1, 2));
    }
}
