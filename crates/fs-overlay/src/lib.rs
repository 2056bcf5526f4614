//! overlayfs for the Sentry: one writable upper filesystem over one or more
//! read-only lower filesystems.
//!
//! `runsc do` runs the host `/` read-only under an in-memory upper layer so
//! the sandbox can write anywhere without touching the host image. Both
//! sides are plain [`vfs::Inode`] trees (tmpfs upper, host-backed lowers),
//! so this crate only implements the overlay rules, following Linux's
//! Documentation/filesystems/overlayfs.rst:
//!
//! * lookup merges directories from top to bottom; a regular file, symlink
//!   or special file hides everything below it;
//! * whiteouts (character device 0/0 in the upper layer) hide lower names
//!   after unlink, rmdir and rename; an opaque directory
//!   (`trusted.overlay.opaque = "y"`) hides the lower directories below it;
//! * any change (write-open, truncate, setattr, xattr, link, rename) first
//!   copies the file and its ancestors up (data, mode, owner, times,
//!   xattrs);
//! * `st_dev` is the overlay's own and inode numbers are stable across
//!   copy-up (`trusted.overlay.ino` remembers the number).
//!
//! Renaming a directory that has lower-layer contents gives EXDEV, as Linux
//! does without `redirect_dir`; `mv` then falls back to copying.
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

extern crate alloc;

mod copy_up;
mod dir;
mod inode;
mod readdir;

use alloc::sync::Arc;
use alloc::vec::Vec;

use vfs::{Errno, Filesystem, Inode, Result, StatFs};

pub use inode::OvlInode;

/// `OVERLAYFS_SUPER_MAGIC` for `statfs`.
pub const OVERLAYFS_SUPER_MAGIC: u64 = 0x794c_7630;

/// The xattr marking an upper directory opaque.
pub const OPAQUE_XATTR: &[u8] = b"trusted.overlay.opaque";
/// The xattr recording an inode's overlay inode number across copy-up.
pub const INO_XATTR: &[u8] = b"trusted.overlay.ino";
/// Prefix of the xattrs the overlay keeps for itself (hidden from users).
pub const PRIVATE_XATTR_PREFIX: &[u8] = b"trusted.overlay.";

/// Shared state of one overlay instance.
pub(crate) struct OvlInner {
    pub dev: u64,
    pub upper_statfs: Arc<dyn Filesystem>,
}

/// An overlay filesystem instance.
pub struct OverlayFs {
    inner: Arc<OvlInner>,
    root: Arc<OvlInode>,
}

impl OverlayFs {
    /// Stacks `upper` (writable) over `lowers` (top first, read-only).
    /// `dev` is the overlay's `st_dev`. EINVAL without a lower layer.
    pub fn new(
        dev: u64,
        upper: Arc<dyn Filesystem>,
        lowers: &[Arc<dyn Filesystem>],
    ) -> Result<Arc<OverlayFs>> {
        if lowers.is_empty() {
            return Err(Errno::EINVAL);
        }
        let upper_root = upper.root();
        let lower_roots: Vec<Arc<dyn Inode>> = lowers.iter().map(|l| l.root()).collect();
        let inner = Arc::new(OvlInner {
            dev,
            upper_statfs: upper,
        });
        let root = OvlInode::new_root(&inner, upper_root, lower_roots)?;
        Ok(Arc::new(OverlayFs { inner, root }))
    }

    /// The root directory as its concrete type.
    pub fn root_inode(&self) -> &Arc<OvlInode> {
        &self.root
    }
}

impl Filesystem for OverlayFs {
    fn name(&self) -> &str {
        "overlay"
    }

    fn root(&self) -> Arc<dyn Inode> {
        self.root.clone()
    }

    /// Space is what the upper layer has left.
    fn statfs(&self) -> Result<StatFs> {
        let mut s = self.inner.upper_statfs.statfs()?;
        s.fs_type = OVERLAYFS_SUPER_MAGIC;
        Ok(s)
    }
}
