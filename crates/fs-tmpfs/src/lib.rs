//! tmpfs: an in-memory filesystem for the Sentry.
//!
//! Backs `/tmp`, `/dev/shm` and the writable upper layer of the root
//! overlay, so it implements the full Linux semantics the VFS relies on:
//! link counts (including directories' `..` links), hard links, times,
//! sparse files (pages allocated on write), rename with
//! `RENAME_NOREPLACE`/`EXCHANGE`/`WHITEOUT`, xattrs (the overlay stores
//! its `trusted.overlay.*` markers here), an optional size limit and
//! `statfs`.
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

extern crate alloc;

mod data;
mod file;
mod inode;

use alloc::sync::Arc;
use core::sync::atomic::{AtomicU64, Ordering};

use vfs::uapi::{S_IALLUGO, S_IFDIR};
use vfs::{Clock, Errno, Filesystem, Inode, NewInode, Result, StatFs};

pub use data::MAX_FILE_SIZE;
pub use file::{TmpDirFile, TmpFile};
pub use inode::TmpInode;

/// `TMPFS_MAGIC` for `statfs`.
pub const TMPFS_MAGIC: u64 = 0x0102_1994;

/// Shared per-filesystem state every inode points at.
pub(crate) struct FsInner {
    pub dev: u64,
    pub clock: Arc<dyn Clock>,
    next_ino: AtomicU64,
    live_inodes: AtomicU64,
    pages: AtomicU64,
    max_pages: u64,
    max_inodes: u64,
}

impl FsInner {
    pub fn alloc_ino(&self) -> Result<u64> {
        if self.live_inodes.fetch_add(1, Ordering::AcqRel) >= self.max_inodes {
            self.live_inodes.fetch_sub(1, Ordering::AcqRel);
            return Err(Errno::ENOSPC);
        }
        Ok(self.next_ino.fetch_add(1, Ordering::Relaxed))
    }

    pub fn free_ino(&self) {
        self.live_inodes.fetch_sub(1, Ordering::AcqRel);
    }

    /// Pages that may still be allocated.
    pub fn page_budget(&self) -> u64 {
        self.max_pages
            .saturating_sub(self.pages.load(Ordering::Acquire))
    }

    pub fn charge(&self, pages: u64) {
        self.pages.fetch_add(pages, Ordering::AcqRel);
    }

    pub fn uncharge(&self, pages: u64) {
        self.pages.fetch_sub(pages, Ordering::AcqRel);
    }
}

/// Options for a new tmpfs (`size=`, `nr_inodes=`, `mode=`, `uid=`, `gid=`).
#[derive(Clone, Copy, Debug)]
pub struct TmpFsOptions {
    /// Device number reported as `st_dev`.
    pub dev: u64,
    /// Maximum bytes of file data (`u64::MAX` for no limit).
    pub max_bytes: u64,
    /// Maximum number of inodes.
    pub max_inodes: u64,
    /// Permission bits of the root directory.
    pub root_mode: u32,
    /// Owner of the root directory.
    pub root_uid: u32,
    /// Group of the root directory.
    pub root_gid: u32,
}

impl Default for TmpFsOptions {
    fn default() -> TmpFsOptions {
        TmpFsOptions {
            dev: 0,
            max_bytes: u64::MAX,
            max_inodes: u64::MAX,
            root_mode: 0o1777,
            root_uid: 0,
            root_gid: 0,
        }
    }
}

/// A tmpfs instance.
pub struct TmpFs {
    inner: Arc<FsInner>,
    root: Arc<TmpInode>,
}

impl TmpFs {
    /// Creates an empty tmpfs.
    pub fn new(opts: TmpFsOptions, clock: Arc<dyn Clock>) -> Result<Arc<TmpFs>> {
        let inner = Arc::new(FsInner {
            dev: opts.dev,
            clock,
            next_ino: AtomicU64::new(1),
            live_inodes: AtomicU64::new(0),
            pages: AtomicU64::new(0),
            max_pages: opts.max_bytes / data::PAGE as u64,
            max_inodes: opts.max_inodes,
        });
        let new = NewInode {
            mode: S_IFDIR | (opts.root_mode & S_IALLUGO),
            uid: opts.root_uid,
            gid: opts.root_gid,
            rdev: 0,
        };
        let root = TmpInode::new(
            &inner,
            &new,
            inode::Kind::Dir(alloc::collections::BTreeMap::new()),
        )?;
        Ok(Arc::new(TmpFs { inner, root }))
    }

    /// The root directory as its concrete type.
    pub fn root_inode(&self) -> &Arc<TmpInode> {
        &self.root
    }
}

impl Filesystem for TmpFs {
    fn name(&self) -> &str {
        "tmpfs"
    }

    fn root(&self) -> Arc<dyn Inode> {
        self.root.clone()
    }

    fn statfs(&self) -> Result<StatFs> {
        let used = self.inner.pages.load(Ordering::Acquire);
        let total = if self.inner.max_pages == u64::MAX / data::PAGE as u64 {
            // Unlimited: report the usual "half of RAM"-sized figure as free.
            used + (1 << 20)
        } else {
            self.inner.max_pages
        };
        let files = self.inner.max_inodes.min(1 << 32);
        let live = self.inner.live_inodes.load(Ordering::Acquire);
        Ok(StatFs {
            fs_type: TMPFS_MAGIC,
            bsize: data::PAGE as u64,
            blocks: total,
            bfree: total.saturating_sub(used),
            bavail: total.saturating_sub(used),
            files,
            ffree: files.saturating_sub(live),
            namelen: 255,
            frsize: data::PAGE as u64,
            flags: 0,
        })
    }
}
