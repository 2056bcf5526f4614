//! Host files for the Sentry.
//!
//! Two things a sandbox needs from the host side of its boundary:
//!
//! * [`HostFs`]: a read-only filesystem over a host directory tree (the
//!   lower layer of `runsc do`'s root overlay). Regular files, directories
//!   and symlinks are served; device nodes, FIFOs and sockets are reported
//!   but never opened on the host. Inode numbers are stable, derived from
//!   the host `(dev, ino)`; attributes are the host's; every change gives
//!   `EROFS`.
//! * [`HostFdFile`]: a file description over an inherited host descriptor
//!   (the application's stdin, stdout and stderr), with terminal requests
//!   passed through to the host terminal.
//!
//! All host filesystem access goes through the [`HostNode`] trait in
//! [`host`], so a gofer that passes descriptors over a socket can replace
//! direct `openat` later without touching the rest. Host symlinks are never
//! followed: the VFS walks symlinks itself, in the sandbox's namespace.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod file;
pub mod host;
pub mod hostfd;
mod ino;
pub mod inode;

use std::path::Path;
use std::sync::Arc;

use vfs::{Filesystem, Inode, Result, StatFs};

pub use file::{HostDirFile, HostRegularFile};
pub use host::{HostDirent, HostNode, HostReader, HostStat, OpenatNode};
pub use hostfd::{HostFdFile, HostFdInode};
pub use inode::HostInode;

/// `ST_RDONLY` for `statfs` flags.
const ST_RDONLY: u64 = 1;

/// A read-only filesystem over a host directory tree.
pub struct HostFs {
    root: Arc<HostInode>,
}

impl HostFs {
    /// Serves the host directory `path`, reporting `st_dev` as `dev`.
    pub fn open(path: &Path, dev: u64) -> Result<Arc<HostFs>> {
        let root: Arc<dyn HostNode> = OpenatNode::open_root(path)?;
        Ok(HostFs::from_node(root, dev))
    }

    /// Serves the tree under an already-opened host handle (for a gofer
    /// client or tests).
    pub fn from_node(root: Arc<dyn HostNode>, dev: u64) -> Arc<HostFs> {
        let shared = Arc::new(inode::Shared {
            dev,
            inos: ino::InoMap::new(),
        });
        Arc::new(HostFs {
            root: HostInode::new(root, shared),
        })
    }
}

impl Filesystem for HostFs {
    fn name(&self) -> &str {
        "hostfs"
    }

    fn root(&self) -> Arc<dyn Inode> {
        self.root.clone()
    }

    fn statfs(&self) -> Result<StatFs> {
        let mut s = self.root.node().fstatfs()?;
        s.flags |= ST_RDONLY;
        Ok(s)
    }
}
