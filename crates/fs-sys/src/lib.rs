//! sysfs for the Sentry: the small, read-only `/sys` that programs read
//! to size themselves, instead of the host's own.
//!
//! Served:
//! - `devices/system/cpu/{online,possible,present}` and an (empty)
//!   `cpu<N>/` directory per CPU: glibc's `get_nprocs` reads `online` and
//!   `get_nprocs_conf` counts the `cpu<N>` directories, so both agree with
//!   `sched_getaffinity(2)` inside the sandbox;
//! - `kernel/mm/transparent_hugepage/enabled`, the huge page mode the
//!   sandbox's memory really gets (see [`ThpMode`]), and `hpage_pmd_size`
//!   next to it (the Go runtime reads it at start-up);
//! - `fs/cgroup/` (empty: no cgroup filesystem is mounted yet) and
//!   `class/net/` (empty: there is no network stack yet).
//!
//! Everything comes from [`SysFacts`], which the kernel fills from its
//! configuration and host facts read at start-up ([`host_cpus`],
//! [`ThpMode::from_host`]) and tests fill as they like; nothing is
//! invented, and what Linux has beyond this (devices, buses, modules,
//! per-CPU topology and cache attributes) is absent rather than faked.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod facts;
pub mod tree;

use std::sync::Arc;

use vfs::{Filesystem, Inode, Result, StatFs, Timespec};

pub use facts::{cpulist, host_cpus, SysFacts, ThpMode};
pub use tree::{Builder, SysInode};

/// The size of a huge page mapped by one page-middle-directory entry on
/// x86-64 (2 MiB), what `hpage_pmd_size` reports whatever the mode.
pub const HPAGE_PMD_SIZE: u64 = 2 << 20;

/// `SYSFS_MAGIC` for `statfs`.
pub const SYSFS_MAGIC: u64 = 0x6265_6572;

/// A sysfs instance.
pub struct SysFs {
    root: Arc<SysInode>,
}

impl SysFs {
    /// A sysfs showing `facts`, reporting `st_dev` as `dev` and `now` as
    /// every inode's times.
    pub fn new(facts: &SysFacts, dev: u64, now: Timespec) -> Arc<SysFs> {
        let mut b = Builder::new(dev, now);
        let root = layout(&mut b, facts);
        Arc::new(SysFs { root })
    }
}

/// Builds the tree described in the crate documentation.
fn layout(b: &mut Builder, facts: &SysFacts) -> Arc<SysInode> {
    let list = cpulist(&facts.cpus);
    let mut cpu = vec![
        ("online".to_owned(), b.file(list.clone())),
        ("possible".to_owned(), b.file(list.clone())),
        ("present".to_owned(), b.file(list)),
    ];
    for n in &facts.cpus {
        cpu.push((format!("cpu{n}"), b.dir(Vec::new())));
    }
    let cpu = b.dir(cpu);
    let system = b.dir(vec![("cpu".to_owned(), cpu)]);
    let devices = b.dir(vec![("system".to_owned(), system)]);

    let enabled = b.file(facts.thp.text());
    let pmd = b.file(format!("{HPAGE_PMD_SIZE}\n"));
    let thp = b.dir(vec![
        ("enabled".to_owned(), enabled),
        ("hpage_pmd_size".to_owned(), pmd),
    ]);
    let mm = b.dir(vec![("transparent_hugepage".to_owned(), thp)]);
    let kernel = b.dir(vec![("mm".to_owned(), mm)]);

    let cgroup = b.dir(Vec::new());
    let fs = b.dir(vec![("cgroup".to_owned(), cgroup)]);
    let net = b.dir(Vec::new());
    let class = b.dir(vec![("net".to_owned(), net)]);

    b.dir(vec![
        ("class".to_owned(), class),
        ("devices".to_owned(), devices),
        ("fs".to_owned(), fs),
        ("kernel".to_owned(), kernel),
    ])
}

impl Filesystem for SysFs {
    fn name(&self) -> &str {
        "sysfs"
    }

    fn root(&self) -> Arc<dyn Inode> {
        self.root.clone()
    }

    fn statfs(&self) -> Result<StatFs> {
        Ok(StatFs {
            fs_type: SYSFS_MAGIC,
            bsize: 4096,
            namelen: 255,
            frsize: 4096,
            ..StatFs::default()
        })
    }
}
