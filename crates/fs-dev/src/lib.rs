//! devfs for the Sentry: the `/dev` a sandboxed program expects.
//!
//! `/dev` is a tmpfs (as in a runc or gVisor container) populated at mount
//! time with the memory devices, `tty`, the `stdin`/`stdout`/`stderr`/`fd`
//! symlinks into `/proc/self/fd` and a world-writable `shm` directory.
//! Device behaviour comes from the device number, not from where the node
//! lives, so the devices themselves are served by [`DevOpener`], which the
//! kernel registers with the VFS (Linux's `init_special_inode`). There is
//! no `ptmx`/`pts`: the sandbox has no devpts yet and a node that cannot
//! be opened would only mislead programs.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod devices;

use std::sync::Arc;

use fs_tmpfs::{TmpFs, TmpFsOptions};
use vfs::uapi::{S_IFCHR, S_IFDIR, S_IFLNK};
use vfs::{Clock, Inode, NewInode, Result};

pub use devices::{
    open_mem_device, DevOpener, FullFile, NullFile, RandomFile, ZeroFile, DEV_FULL, DEV_NULL,
    DEV_RANDOM, DEV_TTY, DEV_URANDOM, DEV_ZERO,
};

/// The character devices `/dev` holds: name, device number, permissions.
pub const DEVICES: [(&str, u64, u32); 6] = [
    ("null", DEV_NULL, 0o666),
    ("zero", DEV_ZERO, 0o666),
    ("full", DEV_FULL, 0o666),
    ("random", DEV_RANDOM, 0o666),
    ("urandom", DEV_URANDOM, 0o666),
    ("tty", DEV_TTY, 0o666),
];

/// The symlinks `/dev` holds: name and target.
pub const LINKS: [(&str, &str); 4] = [
    ("fd", "/proc/self/fd"),
    ("stdin", "/proc/self/fd/0"),
    ("stdout", "/proc/self/fd/1"),
    ("stderr", "/proc/self/fd/2"),
];

/// Builds a populated `/dev` tmpfs reporting `st_dev` as `dev`.
pub fn new_devfs(dev: u64, clock: Arc<dyn Clock>) -> Result<Arc<TmpFs>> {
    let fs = TmpFs::new(
        TmpFsOptions {
            dev,
            root_mode: 0o755,
            ..TmpFsOptions::default()
        },
        clock,
    )?;
    let root: Arc<dyn Inode> = fs.root_inode().clone();
    let node = |mode: u32, rdev: u64| NewInode {
        mode,
        uid: 0,
        gid: 0,
        rdev,
    };
    for (name, rdev, perm) in DEVICES {
        root.create(name.as_bytes(), &node(S_IFCHR | perm, rdev))?;
    }
    for (name, target) in LINKS {
        root.symlink(
            name.as_bytes(),
            target.as_bytes(),
            &node(S_IFLNK | 0o777, 0),
        )?;
    }
    root.mkdir(b"shm", &node(S_IFDIR | 0o1777, 0))?;
    Ok(fs)
}
