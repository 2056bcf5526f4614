//! The kernel's side of sysfs: the facts `/sys` shows, from the kernel's
//! configuration (the sandbox's CPUs, the same set `sched_getaffinity(2)`
//! reports) and the host's huge page policy for the memory file.

use std::sync::Arc;

use fs_sys::{SysFacts, SysFs, ThpMode};
use vfs::Filesystem;

use crate::Kernel;

/// A sysfs mount for `kernel`'s sandbox, reporting `st_dev` as `dev`.
pub fn new_sysfs(kernel: &Kernel, dev: u64) -> Arc<dyn Filesystem> {
    let facts = SysFacts {
        cpus: kernel.config().cpus.clone(),
        thp: ThpMode::from_host(),
    };
    SysFs::new(&facts, dev, kernel.vfs().clock().now())
}
