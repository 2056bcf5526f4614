//! procfs for the Sentry: `/proc` as glibc, bash, python and friends read
//! it.
//!
//! Procfs must see the kernel's tasks, but the kernel sits above the VFS,
//! so the seam is the [`ProcSource`] trait defined here and implemented by
//! the kernel: it answers questions (which pids exist, a task's status
//! numbers, its descriptors, its mounts) and this crate turns the answers
//! into Linux's exact text formats ([`format`]) and directory trees
//! ([`inode`]). Nothing is cached: every open generates the file from the
//! source, every lookup asks whether the task still exists.
//!
//! Served: `self`, `thread-self`, `mounts`, `cpuinfo`, `meminfo`, `stat`,
//! `uptime`, `loadavg`, `version`, `filesystems`, `sys/{kernel,vm,fs}/*`,
//! and per process and thread `exe`, `cwd`, `root` (magic links),
//! `cmdline`, `environ`, `auxv`, `comm`, `stat`, `statm`, `status`,
//! `maps`, `limits`, `mounts`, `mountinfo`, `fd/`, `fdinfo/` and `task/`.
//! Everything is read-only.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod describe;
pub mod file;
pub mod format;
pub mod inode;
pub mod mounts;
pub mod source;

use std::sync::Arc;

use vfs::{Filesystem, Inode, Result, StatFs, Timespec};

pub use describe::{fd_info, link_target};
pub use inode::{Node, ProcInode, SysDir, SysFile, TaskFile};
pub use mounts::{mount_entries, mount_options};
pub use source::{
    CapSets, CpuTimes, FdInfo, KernelNames, LinkTarget, MemInfo, MmLayout, MountEntry, Pid,
    ProcSource, Rlimit, SigState, Sysctl, SystemStat, TaskInfo, TaskLink, TaskState, VmStats,
    USER_HZ,
};

/// `PROC_SUPER_MAGIC` for `statfs`.
pub const PROC_SUPER_MAGIC: u64 = 0x9fa0;

/// A procfs instance over one [`ProcSource`].
pub struct ProcFs {
    root: Arc<ProcInode>,
}

impl ProcFs {
    /// A procfs showing `source`'s tasks, reporting `st_dev` as `dev` and
    /// `now` as every inode's times.
    pub fn new(source: Arc<dyn ProcSource>, dev: u64, now: Timespec) -> Arc<ProcFs> {
        let shared = Arc::new(inode::Shared {
            source,
            dev,
            mount_time: now,
        });
        Arc::new(ProcFs {
            root: ProcInode::new(Node::Root, shared),
        })
    }
}

impl Filesystem for ProcFs {
    fn name(&self) -> &str {
        "proc"
    }

    fn root(&self) -> Arc<dyn Inode> {
        self.root.clone()
    }

    fn statfs(&self) -> Result<StatFs> {
        Ok(StatFs {
            fs_type: PROC_SUPER_MAGIC,
            bsize: 4096,
            namelen: 255,
            frsize: 4096,
            ..StatFs::default()
        })
    }
}
