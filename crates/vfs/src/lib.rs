//! The Sentry's virtual filesystem.
//!
//! Sandboxed programs see a Linux filesystem tree; this crate is the part of
//! our kernel that owns that tree and its rules, independent of where file
//! contents come from. Filesystems plug in through two traits, the seam
//! between the VFS and every `fs-*` crate:
//!
//! * [`Inode`] (Linux's `inode_operations`, gVisor's `DentryImpl`): stat,
//!   setattr, directory operations, readlink, open, readdir, xattrs.
//! * [`FileImpl`] (Linux's `file_operations`, gVisor's
//!   `FileDescriptionImpl`): positioned I/O, ioctl, readiness and the page
//!   hook file-backed `mmap` uses.
//!
//! On top of them the crate provides the [`Dentry`] cache, the mount tree
//! ([`Mount`], [`PathRef`]), Linux's path walk (symlinks with a 40-hop
//! budget, `..` at roots and across mounts, `openat2` `RESOLVE_*`),
//! permission checks from a [`Credentials`] value, [`FileDescription`]
//! (offset, status flags, access mode, `getdents64`) and [`Vfs`], whose
//! methods map one-to-one onto the file syscalls (`openat`, `mkdirat`,
//! `renameat2`, ...). All results are [`Errno`] values; nothing here panics
//! on guest input.
//!
//! `no_std` + `alloc` with `spin` locks, so it stays usable from any layer.
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

extern crate alloc;

pub mod attr;
pub mod cred;
pub mod dentry;
pub mod dirent;
pub mod errno;
pub mod file;
pub mod inode;
pub mod mount;
mod ops;
pub mod path_name;
mod resolve;
pub mod special;
pub mod uapi;
mod vfs;
pub mod waitq;

pub use attr::{Clock, InodeAttr, SetAttr, StatFs, Timespec};
pub use cred::{Access, Capabilities, Credentials};
pub use dentry::Dentry;
pub use errno::{Errno, Result};
pub use file::{FileDescription, FileImpl};
pub use inode::{downcast_inode, DirEntry, Inode, Link, NewInode};
pub use mount::{Filesystem, Mount, MountFlags, PathRef};
pub use ops::{TimeUpdate, R_OK, W_OK, X_OK};
pub use path_name::PathName;
pub use special::SpecialOpener;
pub use uapi::{AccessMode, AtFlags, FileType, OpenFlags, RenameFlags, ResolveFlags};
pub use vfs::{Context, Vfs};
pub use waitq::{Notify, WaitQueue};
