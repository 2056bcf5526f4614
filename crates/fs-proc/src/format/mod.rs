//! Linux's text formats for procfs files, as pure functions from the
//! [`crate::source`] data to bytes (checked against this machine's
//! `/proc` in the tests).

mod mount_table;
mod system;
mod task;

pub use mount_table::{mangle, mountinfo, mounts};
pub use system::{filesystems, line, loadavg, meminfo, proc_stat, uptime, uuid_v4, version};
pub use task::{fdinfo, limits, task_stat, task_statm, task_status};

fn text(s: String) -> Vec<u8> {
    s.into_bytes()
}
