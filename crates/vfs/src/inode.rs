//! The inode-level seam every filesystem implements (Linux's `inode_operations`,
//! gVisor's `DentryImpl`).
//!
//! A filesystem returns `Arc<dyn Inode>` objects; the VFS caches them in
//! dentries, walks paths over them and applies all permission, mount and
//! naming rules before calling in, so implementations only do the operation.

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::any::Any;

use crate::attr::{InodeAttr, SetAttr};
use crate::errno::{Errno, Result};
use crate::file::FileImpl;
use crate::mount::PathRef;
use crate::uapi::{FileType, OpenFlags, RenameFlags};

/// One directory entry as `readdir` reports it (without `.` and `..`, which
/// the VFS adds).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirEntry {
    /// The entry's name.
    pub name: Vec<u8>,
    /// The inode number `getdents64` reports.
    pub ino: u64,
    /// The entry's type.
    pub file_type: FileType,
}

/// What a new inode looks like: full mode (type and permission bits, already
/// masked by umask), owner and, for device nodes, the device number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NewInode {
    /// `S_IF*` type bits plus permission bits.
    pub mode: u32,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// Device number for `S_IFCHR`/`S_IFBLK`.
    pub rdev: u64,
}

/// Where a symbolic link leads.
pub enum Link {
    /// An ordinary symlink: the path text to walk.
    Target(Vec<u8>),
    /// A "magic link" (procfs `/proc/self/fd/N`, `/proc/self/exe`): jump
    /// straight to a location. `RESOLVE_NO_MAGICLINKS` refuses these.
    Jump(PathRef),
}

/// `setxattr` flag: fail with EEXIST if the attribute exists.
pub const XATTR_CREATE: u32 = 1;
/// `setxattr` flag: fail with ENODATA if the attribute does not exist.
pub const XATTR_REPLACE: u32 = 2;

/// An inode: a file, directory, symlink or special file of some filesystem.
///
/// Directory operations receive a single path component (never `.`, `..`,
/// empty or containing `/`) that the VFS has already length-checked, and are
/// called only after the VFS has checked permissions, read-only mounts and
/// the existence rules it can decide from the dentry cache. Implementations
/// must still fail safely (EEXIST, ENOENT, ENOTEMPTY...) on races. Defaults
/// return the errno Linux gives for an inode type that lacks the operation.
pub trait Inode: Any + Send + Sync {
    /// The inode's attributes.
    fn stat(&self) -> Result<InodeAttr>;

    /// Changes attributes; the filesystem updates `ctime`. A size change on a
    /// non-regular file is EINVAL (or EISDIR on a directory).
    fn setattr(&self, _attr: &SetAttr) -> Result<()> {
        Err(Errno::EPERM)
    }

    /// Looks `name` up in this directory.
    fn lookup(&self, _name: &[u8]) -> Result<Arc<dyn Inode>> {
        Err(Errno::ENOTDIR)
    }

    /// Creates a regular file, device node, FIFO or socket named `name`.
    fn create(&self, _name: &[u8], _new: &NewInode) -> Result<Arc<dyn Inode>> {
        Err(Errno::ENOTDIR)
    }

    /// Creates a directory named `name`.
    fn mkdir(&self, _name: &[u8], _new: &NewInode) -> Result<Arc<dyn Inode>> {
        Err(Errno::ENOTDIR)
    }

    /// Creates a symbolic link named `name` pointing at `target`.
    fn symlink(&self, _name: &[u8], _target: &[u8], _new: &NewInode) -> Result<Arc<dyn Inode>> {
        Err(Errno::ENOTDIR)
    }

    /// Makes `name` a new hard link to `target` (an inode of the same
    /// filesystem, never a directory).
    fn link(&self, _name: &[u8], _target: &Arc<dyn Inode>) -> Result<()> {
        Err(Errno::ENOTDIR)
    }

    /// Removes the non-directory `name`.
    fn unlink(&self, _name: &[u8]) -> Result<()> {
        Err(Errno::ENOTDIR)
    }

    /// Removes the empty directory `name`.
    fn rmdir(&self, _name: &[u8]) -> Result<()> {
        Err(Errno::ENOTDIR)
    }

    /// Moves `old_name` in this directory to `new_name` in `new_dir` (same
    /// filesystem), honouring `RENAME_NOREPLACE`, `RENAME_EXCHANGE` and
    /// `RENAME_WHITEOUT`. The VFS has checked the type rules (dir over
    /// non-dir and so on) and that a directory is not moved below itself.
    fn rename(
        &self,
        _old_name: &[u8],
        _new_dir: &Arc<dyn Inode>,
        _new_name: &[u8],
        _flags: RenameFlags,
    ) -> Result<()> {
        Err(Errno::ENOTDIR)
    }

    /// Lists this directory from position `start` (0 = first entry, `.` and
    /// `..` excluded), calling `sink` per entry until it returns `false`.
    fn readdir(&self, _start: u64, _sink: &mut dyn FnMut(&DirEntry) -> bool) -> Result<()> {
        Err(Errno::ENOTDIR)
    }

    /// The target of a symbolic link.
    fn readlink(&self) -> Result<Vec<u8>> {
        Err(Errno::EINVAL)
    }

    /// Where following this symlink leads; magic links override this.
    fn get_link(&self) -> Result<Link> {
        self.readlink().map(Link::Target)
    }

    /// Opens the inode. The VFS has checked access and handled `O_CREAT`,
    /// `O_EXCL`, `O_TRUNC` and `O_PATH`.
    fn open(&self, _flags: OpenFlags) -> Result<Box<dyn FileImpl>> {
        Err(Errno::ENXIO)
    }

    /// Reads extended attribute `name`.
    fn getxattr(&self, _name: &[u8]) -> Result<Vec<u8>> {
        Err(Errno::EOPNOTSUPP)
    }

    /// Sets extended attribute `name` (`XATTR_CREATE`/`XATTR_REPLACE`).
    fn setxattr(&self, _name: &[u8], _value: &[u8], _flags: u32) -> Result<()> {
        Err(Errno::EOPNOTSUPP)
    }

    /// Lists extended attribute names.
    fn listxattr(&self) -> Result<Vec<Vec<u8>>> {
        Ok(Vec::new())
    }

    /// Removes extended attribute `name`.
    fn removexattr(&self, _name: &[u8]) -> Result<()> {
        Err(Errno::EOPNOTSUPP)
    }
}

/// Downcasts an inode to a filesystem's own type, for operations that take a
/// second inode (`link`, `rename`). `None` means "another filesystem".
pub fn downcast_inode<T: Inode>(inode: &Arc<dyn Inode>) -> Option<Arc<T>> {
    let any: Arc<dyn Any + Send + Sync> = inode.clone();
    any.downcast::<T>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Plain;
    impl Inode for Plain {
        fn stat(&self) -> Result<InodeAttr> {
            Ok(InodeAttr::default())
        }
    }
    struct Other;
    impl Inode for Other {
        fn stat(&self) -> Result<InodeAttr> {
            Ok(InodeAttr::default())
        }
    }

    #[test]
    fn defaults_and_downcast() {
        let p: Arc<dyn Inode> = Arc::new(Plain);
        assert_eq!(p.lookup(b"x").err(), Some(Errno::ENOTDIR));
        assert_eq!(p.readlink().err(), Some(Errno::EINVAL));
        assert!(downcast_inode::<Plain>(&p).is_some());
        assert!(downcast_inode::<Other>(&p).is_none());
    }
}
