//! Filesystems, mounts and locations (`PathRef`, Linux's `struct path`).

use alloc::sync::Arc;

use crate::attr::StatFs;
use crate::dentry::Dentry;
use crate::errno::Result;
use crate::inode::Inode;

/// A mounted filesystem instance (Linux's `super_block`, gVisor's
/// `FilesystemImpl`).
pub trait Filesystem: Send + Sync {
    /// The type name `/proc/mounts` shows (`"tmpfs"`, `"overlay"`).
    fn name(&self) -> &str;
    /// The root directory.
    fn root(&self) -> Arc<dyn Inode>;
    /// `statfs(2)` data.
    fn statfs(&self) -> Result<StatFs>;
}

pub use abi::fs::MountFlags;

/// One mount: a filesystem (or a subtree of one, for bind mounts) attached
/// at a location of its parent mount.
pub struct Mount {
    pub(crate) id: u64,
    pub(crate) fs: Arc<dyn Filesystem>,
    pub(crate) root: Arc<Dentry>,
    pub(crate) mountpoint: Option<PathRef>,
    pub(crate) flags: MountFlags,
}

impl Mount {
    /// The mount id (`/proc/self/mountinfo`).
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The mounted filesystem.
    pub fn fs(&self) -> &Arc<dyn Filesystem> {
        &self.fs
    }

    /// The dentry at the mount's root.
    pub fn root(&self) -> &Arc<Dentry> {
        &self.root
    }

    /// Where the mount is attached; `None` for the root mount.
    pub fn mountpoint(&self) -> Option<&PathRef> {
        self.mountpoint.as_ref()
    }

    /// The mount's flags.
    pub fn flags(&self) -> MountFlags {
        self.flags
    }

    /// Whether writes through this mount are refused with EROFS.
    pub fn is_readonly(&self) -> bool {
        self.flags.contains(MountFlags::MS_RDONLY)
    }
}

/// A location in the mount tree: a mount and a dentry within it. This is
/// what a task's root and cwd and a `*at` dirfd resolve to.
#[derive(Clone)]
pub struct PathRef {
    /// The mount.
    pub mount: Arc<Mount>,
    /// The dentry inside that mount.
    pub dentry: Arc<Dentry>,
}

impl PathRef {
    /// Builds a location.
    pub fn new(mount: Arc<Mount>, dentry: Arc<Dentry>) -> PathRef {
        PathRef { mount, dentry }
    }

    /// The inode at this location.
    pub fn inode(&self) -> &Arc<dyn Inode> {
        self.dentry.inode()
    }

    /// Whether two locations are the same (same mount, same dentry).
    pub fn same(&self, other: &PathRef) -> bool {
        self.mount.id == other.mount.id && self.dentry.id() == other.dentry.id()
    }

    /// The inode `..` names, staying in this filesystem (used for the `..`
    /// entry of `getdents64`).
    pub fn parent_inode(&self) -> Arc<dyn Inode> {
        if self.dentry.id() == self.mount.root.id() {
            if let Some(mp) = &self.mount.mountpoint {
                return mp.parent_inode();
            }
        }
        match self.dentry.parent() {
            Some(p) => p.inode().clone(),
            None => self.dentry.inode().clone(),
        }
    }
}
