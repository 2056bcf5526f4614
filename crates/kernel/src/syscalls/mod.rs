//! The system-call layer: the per-architecture table, argument decoding and
//! the one place where a handler's `Result` becomes the `-errno` the
//! application sees.
//!
//! Every handler has the shape
//! `pub fn sys_<name>(t: &mut Task, a: &SyscallArgs) -> SysResult`, lives in
//! the file of its family (`read_write.rs`, `file.rs`, `mmap.rs`, ...) and
//! decodes its arguments first.

mod args;
pub mod at;
pub mod attr;
pub mod capability;
pub mod clone;
pub mod cwd;
pub mod epoll;
pub mod eventfd;
pub mod exec;
pub mod fadvise;
pub mod file;
pub mod futex;
pub mod identity;
pub mod inet;
pub mod ioprio;
pub mod link;
pub mod lock;
pub mod membarrier;
pub mod memfd;
pub mod mmap;
pub mod msg;
pub mod personality;
pub mod pidfd;
pub mod pipe;
pub mod poll;
pub mod posix_timer;
pub mod prctl;
pub mod random;
pub mod read_write;
pub mod rlimit;
pub mod sched;
pub mod select;
pub mod sem;
pub mod signal;
pub mod socket;
pub mod splice;
pub mod stat;
pub mod sync;
pub mod table_x86_64;
pub mod thread;
pub mod time;
pub mod timer;
pub mod timerfd;
pub mod utime;
pub mod wait;
pub mod xattr;

pub use args::SyscallArgs;
pub use table_x86_64::SYSCALL_TABLE;

use abi::Errno;

use crate::task::Task;

/// What a successful system call hands back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SysRet {
    /// Store this value in `rax`.
    Value(u64),
    /// The handler already set every register (`rt_sigreturn`, `execve`,
    /// `exit`): leave `rax` alone.
    Keep,
}

impl SysRet {
    /// A successful zero return, the commonest answer.
    pub const ZERO: SysResult = Ok(SysRet::Value(0));
}

/// A handler's outcome; the error becomes `-errno` in [`dispatch`] only.
pub type SysResult = Result<SysRet, Errno>;

/// A system-call handler.
pub type Handler = fn(&mut Task, &SyscallArgs) -> SysResult;

/// How completely the Sentry implements a system call (gVisor's statuses).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Implemented with Linux's semantics.
    Supported,
    /// Implemented, with the named gaps.
    Partial(&'static str),
    /// Always fails with this errno (`ENOSYS` when not implemented at all).
    Error(Errno),
    /// Needs a capability the sandbox never grants: fails with `EPERM`.
    CapError,
}

/// One row of the table: number, Linux name, status and handler.
#[derive(Clone, Copy)]
pub struct SyscallEntry {
    /// The x86-64 system-call number.
    pub nr: u32,
    /// Linux's name for it, without the `sys_` prefix.
    pub name: &'static str,
    /// How completely it is implemented.
    pub status: Status,
    /// The handler ([`sys_ni_syscall`] for unimplemented ones).
    pub handler: Handler,
}

impl core::fmt::Debug for SyscallEntry {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SyscallEntry")
            .field("nr", &self.nr)
            .field("name", &self.name)
            .field("status", &self.status)
            .finish()
    }
}

/// Finds the table row for `nr`.
pub fn lookup(nr: u64) -> Option<&'static SyscallEntry> {
    let nr = u32::try_from(nr).ok()?;
    SYSCALL_TABLE
        .binary_search_by_key(&nr, |e| e.nr)
        .ok()
        .and_then(|i| SYSCALL_TABLE.get(i))
}

/// The name of system call `nr`, if it has one on x86-64.
pub fn name(nr: u64) -> Option<&'static str> {
    lookup(nr).map(|e| e.name)
}

/// The table as a Markdown document (`docs/syscalls.md`): one row per
/// system call with its number, name and status.
pub fn table_markdown() -> String {
    let mut out = String::from(
        "# System calls (x86-64)\n\nGenerated from `crates/kernel/src/syscalls/table_x86_64.rs`.\n\n\
         | nr | name | status |\n|---:|---|---|\n",
    );
    let (mut full, mut partial) = (0, 0);
    for e in SYSCALL_TABLE {
        let status = match e.status {
            Status::Supported => {
                full += 1;
                "supported".to_owned()
            }
            Status::Partial(note) => {
                partial += 1;
                format!("partial: {note}")
            }
            Status::Error(errno) => format!("returns {}", errno.name()),
            Status::CapError => "needs a capability: EPERM".to_owned(),
        };
        out.push_str(&format!("| {} | `{}` | {} |\n", e.nr, e.name, status));
    }
    out.push_str(&format!(
        "\n{} calls: {} supported, {} partially supported, {} not implemented.\n",
        SYSCALL_TABLE.len(),
        full,
        partial,
        SYSCALL_TABLE.len() - full - partial
    ));
    out
}

/// Linux's `sys_ni_syscall`: not implemented. Reports the call once, by
/// name, to the kernel's debug log and fails with `ENOSYS`.
pub fn sys_ni_syscall(t: &mut Task, a: &SyscallArgs) -> SysResult {
    t.kernel().report_unimplemented(a.nr);
    Err(Errno::ENOSYS)
}

/// Runs one system call for `t` and returns the value for `rax`, or `None`
/// when the handler set the registers itself. This is the only place where
/// an [`Errno`] becomes a negative return value.
pub fn dispatch(t: &mut Task, a: &SyscallArgs) -> Option<u64> {
    crate::view::set_current(t.tid);
    t.refresh_fs();
    let entry = lookup(a.nr);
    let timer = crate::profile::start(t.kernel());
    let strace = t.kernel().strace_enabled();
    if strace {
        crate::strace::enter(t, a);
    }
    let res = match entry {
        None => {
            t.kernel().report_unimplemented(a.nr);
            Err(Errno::ENOSYS)
        }
        Some(e) => match e.status {
            Status::Error(err) if err != Errno::ENOSYS => Err(err),
            Status::CapError => Err(Errno::EPERM),
            _ => (e.handler)(t, a),
        },
    };
    let res = crate::restart::resolve(t, res);
    if let Some(timer) = timer {
        timer.finish(t.kernel(), a.nr, res.is_err());
    }
    if strace {
        crate::strace::exit(t, a, &res);
    }
    match res {
        Ok(SysRet::Value(v)) => Some(v),
        Ok(SysRet::Keep) => None,
        Err(e) => Some((-i64::from(e.as_i32())) as u64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_unique_and_matches_abi() {
        for w in SYSCALL_TABLE.windows(2) {
            assert!(w[0].nr < w[1].nr, "{} then {}", w[0].nr, w[1].nr);
        }
        let ours: Vec<(u32, &str)> = SYSCALL_TABLE.iter().map(|e| (e.nr, e.name)).collect();
        let theirs: Vec<(u32, &str)> = abi::syscall::SYSCALLS.to_vec();
        assert_eq!(ours, theirs);
    }

    #[test]
    fn markdown_lists_every_call_with_its_status() {
        let md = table_markdown();
        assert!(md.contains("| 39 | `getpid` | supported |"));
        assert!(md.contains("| 246 | `kexec_load` | returns ENOSYS |"));
        assert_eq!(
            md.lines()
                .filter(|l| l.starts_with("| ") && !l.starts_with("| nr"))
                .count(),
            SYSCALL_TABLE.len()
        );
    }

    #[test]
    fn lookup_finds_known_and_rejects_unknown() {
        assert_eq!(name(0), Some("read"));
        assert_eq!(name(60), Some("exit"));
        assert_eq!(name(231), Some("exit_group"));
        assert_eq!(name(400), None);
        assert_eq!(name(u64::MAX), None);
        assert_eq!(name(1 << 32), None);
    }
}
