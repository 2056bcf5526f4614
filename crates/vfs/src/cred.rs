//! Credentials and the discretionary access checks Linux applies to inodes.
//!
//! The kernel owns the process credentials; it passes a [`Credentials`] view
//! (filesystem ids, groups, effective capabilities) into every VFS call so the
//! checks here can follow `generic_permission` in fs/namei.c.

use alloc::vec::Vec;
use bitflags::bitflags;

use crate::attr::InodeAttr;
use crate::errno::{Errno, Result};
use crate::uapi::{FileType, S_ISGID, S_ISUID, S_ISVTX};

bitflags! {
    /// The capabilities the VFS consults (bit `1 << CAP_*`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct Capabilities: u64 {
        /// Change file ownership arbitrarily.
        const CAP_CHOWN = 1 << 0;
        /// Bypass read, write and execute permission checks.
        const CAP_DAC_OVERRIDE = 1 << 1;
        /// Bypass read checks on files and search checks on directories.
        const CAP_DAC_READ_SEARCH = 1 << 2;
        /// Bypass owner checks (chmod, utimes, sticky directories).
        const CAP_FOWNER = 1 << 3;
        /// Keep set-id bits on modification.
        const CAP_FSETID = 1 << 4;
        /// System administration (mount).
        const CAP_SYS_ADMIN = 1 << 21;
        /// Create device nodes.
        const CAP_MKNOD = 1 << 27;
    }
}

bitflags! {
    /// The access being requested (`MAY_*` in Linux).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct Access: u32 {
        /// Execute a file or search a directory.
        const MAY_EXEC = 1;
        /// Write.
        const MAY_WRITE = 2;
        /// Read.
        const MAY_READ = 4;
    }
}

/// Who is asking: the filesystem user and group ids, the supplementary
/// groups and the effective capabilities of the calling task.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    /// Filesystem user id (normally the effective uid).
    pub fsuid: u32,
    /// Filesystem group id (normally the effective gid).
    pub fsgid: u32,
    /// Supplementary group ids.
    pub groups: Vec<u32>,
    /// Effective capabilities.
    pub caps: Capabilities,
}

impl Credentials {
    /// Root with every capability the VFS knows about.
    pub fn root() -> Credentials {
        Credentials {
            fsuid: 0,
            fsgid: 0,
            groups: Vec::new(),
            caps: Capabilities::all(),
        }
    }

    /// An unprivileged user with no capabilities.
    pub fn user(uid: u32, gid: u32, groups: Vec<u32>) -> Credentials {
        Credentials {
            fsuid: uid,
            fsgid: gid,
            groups,
            caps: Capabilities::empty(),
        }
    }

    /// Whether the caller holds `cap`.
    pub fn has_cap(&self, cap: Capabilities) -> bool {
        self.caps.contains(cap)
    }

    /// Whether `gid` is the caller's filesystem group or a supplementary one.
    pub fn in_group(&self, gid: u32) -> bool {
        self.fsgid == gid || self.groups.contains(&gid)
    }

    /// Whether the caller owns an inode owned by `uid`, or has CAP_FOWNER.
    pub fn is_owner_or_fowner(&self, uid: u32) -> bool {
        self.fsuid == uid || self.has_cap(Capabilities::CAP_FOWNER)
    }

    /// `generic_permission`: may the caller perform `want` on an inode with
    /// these attributes? Returns EACCES if not.
    pub fn check(&self, attr: &InodeAttr, want: Access) -> Result<()> {
        let mode = attr.mode;
        let bits = if self.fsuid == attr.uid {
            (mode >> 6) & 7
        } else if self.in_group(attr.gid) {
            (mode >> 3) & 7
        } else {
            mode & 7
        };
        if Access::from_bits_truncate(bits).contains(want) {
            return Ok(());
        }
        let is_dir = attr.file_type() == Some(FileType::Directory);
        if self.has_cap(Capabilities::CAP_DAC_OVERRIDE) {
            // Execute on a non-directory needs at least one execute bit.
            if !want.contains(Access::MAY_EXEC) || is_dir || mode & 0o111 != 0 {
                return Ok(());
            }
        }
        if self.has_cap(Capabilities::CAP_DAC_READ_SEARCH) {
            let readonly = !want.contains(Access::MAY_WRITE);
            if readonly && (is_dir || !want.contains(Access::MAY_EXEC)) {
                return Ok(());
            }
        }
        Err(Errno::EACCES)
    }

    /// `may_linkat` with `fs.protected_hardlinks = 1` (Linux's default):
    /// a caller that neither owns `source` nor holds CAP_FOWNER may only
    /// hard-link a regular file that is not set-user-ID, not executable
    /// set-group-ID, and that it may both read and write; EPERM otherwise.
    pub fn may_hardlink(&self, source: &InodeAttr) -> Result<()> {
        if self.is_owner_or_fowner(source.uid) {
            return Ok(());
        }
        let mode = source.mode;
        let safe = source.file_type() == Some(FileType::Regular)
            && mode & S_ISUID == 0
            && mode & (S_ISGID | 0o010) != (S_ISGID | 0o010)
            && self
                .check(source, Access::MAY_READ | Access::MAY_WRITE)
                .is_ok();
        if safe {
            Ok(())
        } else {
            Err(Errno::EPERM)
        }
    }

    /// The sticky-directory rule for unlink and rename: in a directory with
    /// `S_ISVTX` only the owner of the victim or of the directory (or a
    /// CAP_FOWNER holder) may remove it; EPERM otherwise.
    pub fn check_sticky(&self, dir: &InodeAttr, victim: &InodeAttr) -> Result<()> {
        if dir.mode & S_ISVTX == 0
            || self.fsuid == victim.uid
            || self.fsuid == dir.uid
            || self.has_cap(Capabilities::CAP_FOWNER)
        {
            Ok(())
        } else {
            Err(Errno::EPERM)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::uapi::{S_IFCHR, S_IFDIR, S_IFIFO, S_IFREG};
    use alloc::vec;

    fn attr(mode: u32, uid: u32, gid: u32) -> InodeAttr {
        InodeAttr {
            mode,
            uid,
            gid,
            ..InodeAttr::default()
        }
    }

    #[test]
    fn owner_group_other_classes() {
        let a = attr(S_IFREG | 0o640, 10, 20);
        assert!(Credentials::user(10, 99, vec![])
            .check(&a, Access::MAY_WRITE)
            .is_ok());
        assert!(Credentials::user(11, 20, vec![])
            .check(&a, Access::MAY_READ)
            .is_ok());
        assert_eq!(
            Credentials::user(11, 20, vec![]).check(&a, Access::MAY_WRITE),
            Err(Errno::EACCES)
        );
        assert!(Credentials::user(11, 1, vec![20])
            .check(&a, Access::MAY_READ)
            .is_ok());
        assert_eq!(
            Credentials::user(12, 1, vec![]).check(&a, Access::MAY_READ),
            Err(Errno::EACCES)
        );
        // The owner class is used even when it grants less than "other".
        let b = attr(S_IFREG | 0o047, 10, 20);
        assert_eq!(
            Credentials::user(10, 1, vec![]).check(&b, Access::MAY_READ),
            Err(Errno::EACCES)
        );
    }

    #[test]
    fn dac_override_needs_an_exec_bit_for_files() {
        let root = Credentials::root();
        assert!(root
            .check(&attr(S_IFREG, 1, 1), Access::MAY_READ | Access::MAY_WRITE)
            .is_ok());
        assert_eq!(
            root.check(&attr(S_IFREG | 0o600, 1, 1), Access::MAY_EXEC),
            Err(Errno::EACCES)
        );
        assert!(root
            .check(&attr(S_IFREG | 0o700, 1, 1), Access::MAY_EXEC)
            .is_ok());
        assert!(root.check(&attr(S_IFDIR, 1, 1), Access::MAY_EXEC).is_ok());
    }

    #[test]
    fn dac_read_search() {
        let mut c = Credentials::user(5, 5, vec![]);
        c.caps = Capabilities::CAP_DAC_READ_SEARCH;
        assert!(c.check(&attr(S_IFREG, 1, 1), Access::MAY_READ).is_ok());
        assert!(c
            .check(&attr(S_IFDIR, 1, 1), Access::MAY_EXEC | Access::MAY_READ)
            .is_ok());
        assert_eq!(
            c.check(&attr(S_IFREG, 1, 1), Access::MAY_WRITE),
            Err(Errno::EACCES)
        );
    }

    #[test]
    fn protected_hardlinks() {
        let nobody = Credentials::user(9, 9, vec![]);
        let rw = attr(S_IFREG | 0o666, 0, 0);
        assert!(nobody.may_hardlink(&rw).is_ok());
        let ro = attr(S_IFREG | 0o644, 0, 0);
        assert_eq!(nobody.may_hardlink(&ro), Err(Errno::EPERM));
        assert!(Credentials::user(0, 0, vec![]).may_hardlink(&ro).is_ok());
        assert!(Credentials::root()
            .may_hardlink(&attr(S_IFCHR | 0o600, 5, 5))
            .is_ok());
        assert_eq!(
            nobody.may_hardlink(&attr(S_IFREG | 0o4666, 0, 0)),
            Err(Errno::EPERM)
        );
        assert_eq!(
            nobody.may_hardlink(&attr(S_IFREG | 0o2676, 0, 0)),
            Err(Errno::EPERM)
        );
        assert!(nobody.may_hardlink(&attr(S_IFREG | 0o2666, 0, 0)).is_ok());
        assert_eq!(
            nobody.may_hardlink(&attr(S_IFIFO | 0o666, 0, 0)),
            Err(Errno::EPERM)
        );
    }

    #[test]
    fn sticky_rule() {
        let dir = attr(S_IFDIR | 0o1777, 0, 0);
        let victim = attr(S_IFREG | 0o644, 7, 7);
        assert!(Credentials::user(7, 7, vec![])
            .check_sticky(&dir, &victim)
            .is_ok());
        assert_eq!(
            Credentials::user(8, 8, vec![]).check_sticky(&dir, &victim),
            Err(Errno::EPERM)
        );
        assert!(Credentials::root().check_sticky(&dir, &victim).is_ok());
        let plain = attr(S_IFDIR | 0o777, 0, 0);
        assert!(Credentials::user(8, 8, vec![])
            .check_sticky(&plain, &victim)
            .is_ok());
    }
}
