//! Opening device nodes and FIFOs (Linux's `init_special_inode`): whatever
//! filesystem holds the node, its behaviour comes from the kernel's device
//! table (`/dev/null`'s 1:3 means the null driver even on tmpfs) or its
//! pipe code, so the kernel registers one [`SpecialOpener`] with the VFS.

use alloc::boxed::Box;

use crate::attr::InodeAttr;
use crate::errno::Result;
use crate::file::FileImpl;
use crate::mount::PathRef;
use crate::uapi::OpenFlags;

/// Opens character devices, block devices and FIFOs by their attributes
/// (`rdev` for devices); registered once by the kernel.
pub trait SpecialOpener: Send + Sync {
    /// Opens the node at `at` (attributes `attr`) with `flags`. ENXIO for
    /// a device number nobody serves, as Linux.
    fn open_special(
        &self,
        at: &PathRef,
        attr: &InodeAttr,
        flags: OpenFlags,
    ) -> Result<Box<dyn FileImpl>>;
}
