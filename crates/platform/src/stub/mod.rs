//! Stub processes: address spaces that hold nothing but the stub region.
//!
//! How a stub is made (sound in a multi-threaded Sentry): the factory thread
//! ([`factory`]) issues a raw `clone(SIGCHLD)`; the child runs no Rust code
//! and jumps at once into the stub code ([`code`]), which sets the
//! parent-death signal, resets signal state, asks to be traced by the
//! factory thread, installs the seccomp filter ([`filter`]), closes every
//! descriptor but the memory file and unmaps everything outside the stub
//! region ([`layout`]), then stops. Further threads of a stub are made by
//! injecting `clone(CLONE_THREAD ..)` into its leader; they start untraced in
//! the park loop, ready for a tracer to seize.
//!
//! Tear-down: dropping a [`StubProcess`] kills it and reaps every thread,
//! within a bound ([`reap`]); a dying Sentry takes its stubs with it
//! (parent-death signal, and `PTRACE_O_EXITKILL` on the leaders).

pub mod code;
pub mod factory;
pub mod filter;
pub mod inject;
pub mod layout;
pub mod locality;
pub mod mappings;
pub mod reap;
pub mod region;

use std::sync::Mutex;

use crate::sys::{self, ptrace, WaitStatus};
use crate::{Error, Regs, Result};

/// `clone` flags of a new stub thread: a thread of the same process.
const THREAD_FLAGS: u64 = (libc::CLONE_VM
    | libc::CLONE_FS
    | libc::CLONE_FILES
    | libc::CLONE_SIGHAND
    | libc::CLONE_THREAD
    | libc::CLONE_SYSVSEM) as u64;

/// A live stub process whose leader thread is traced by the factory thread.
#[derive(Debug)]
pub struct StubProcess {
    pid: i32,
    /// The leader's registers at its start-up stop: the template for
    /// injected system calls (valid segment selectors).
    template: Regs,
    /// Every other thread ever made in this stub, for reaping.
    threads: Mutex<Vec<i32>>,
}

impl StubProcess {
    /// Forks a new stub that keeps `keep_fd` (the memory file) open.
    pub fn spawn(keep_fd: i32) -> Result<StubProcess> {
        region::ensure_reserved()?;
        factory::run(move || spawn_on_factory(keep_fd))?
    }

    /// The stub's host process id (also its leader thread's id).
    pub fn pid(&self) -> i32 {
        self.pid
    }

    /// Register template for injecting system calls into threads of this
    /// stub (copy it and set `rip`, `rax` and the arguments).
    pub fn template(&self) -> Regs {
        self.template
    }

    /// Runs host system call `nr` with `args` in the stub's leader (through
    /// the factory thread, its tracer); returns the raw `rax` result.
    pub fn syscall_in_leader(&self, nr: i64, args: [u64; 6]) -> Result<i64> {
        let (pid, template) = (self.pid, self.template);
        factory::run(move || inject::syscall(pid, &template, nr, args))?
    }

    /// Makes a new, untraced thread parked in the stub's park loop and
    /// returns its thread id; a tracer then seizes it.
    pub fn new_thread(&self) -> Result<i32> {
        let (pid, template) = (self.pid, self.template);
        let tid = factory::run(move || inject::clone_thread(pid, &template, THREAD_FLAGS))??;
        locality::unpin(tid);
        if let Ok(mut t) = self.threads.lock() {
            t.push(tid);
        }
        Ok(tid)
    }
}

/// Waits for a freshly cloned stub's first stop (the `SIGSTOP` it raises
/// before running anything); any other outcome means its start-up failed.
/// `what` names the stub in the error.
pub(crate) fn await_start(pid: i32, what: &str) -> Result<()> {
    match sys::waitpid(pid).map_err(|source| Error::Host {
        op: "waitpid(new stub)",
        source,
    })? {
        WaitStatus::Stopped {
            sig: libc::SIGSTOP,
            event: 0,
        } => Ok(()),
        other => Err(Error::StubDied {
            pid,
            why: format!("{what} start-up failed: {other:?}"),
        }),
    }
}

fn spawn_on_factory(keep_fd: i32) -> Result<StubProcess> {
    let prog = filter::stub_filter();
    let fprog = libc::sock_fprog {
        len: prog.len() as u16,
        filter: prog.as_ptr() as *mut libc::sock_filter,
    };
    let (rseq, rseq_size) = sys::rseq_area().unwrap_or((0, 0));
    let start = sys::StubStart {
        entry: code::INIT_ADDR,
        rdx: rseq,
        r10: if rseq == 0 {
            0
        } else {
            u64::from(rseq_size.max(32))
        },
        r13: &fprog as *const libc::sock_fprog as u64,
        r14: keep_fd as u64,
        r15: 1,
    };
    // SAFETY: the stub region is reserved and holds the stub code (checked
    // by `spawn` through `region::ensure_reserved`), whose start-up routine
    // never returns; `fprog` points to `prog`, both alive across the call.
    let pid = unsafe { sys::clone_stub(&start) }.map_err(|source| Error::Host {
        op: "clone(stub)",
        source,
    })?;
    // From here on the child exists: kill it on every error path.
    let fail = |e: Error| {
        reap::kill_and_reap(pid, &[]);
        e
    };
    await_start(pid, "stub").map_err(fail)?;
    ptrace::set_options(pid, libc::PTRACE_O_TRACESYSGOOD | libc::PTRACE_O_EXITKILL).map_err(
        |source| {
            fail(Error::Host {
                op: "PTRACE_SETOPTIONS",
                source,
            })
        },
    )?;
    let mut template = Regs::default();
    ptrace::get_regs(pid, &mut template).map_err(|source| {
        fail(Error::Host {
            op: "PTRACE_GETREGS",
            source,
        })
    })?;
    Ok(StubProcess {
        pid,
        template,
        threads: Mutex::new(Vec::new()),
    })
}

impl Drop for StubProcess {
    fn drop(&mut self) {
        // Traced threads stay zombies until their tracer's thread group
        // reaps them, and the leader can only be reaped after them.
        let threads = match self.threads.lock() {
            Ok(mut t) => std::mem::take(&mut *t),
            Err(p) => std::mem::take(&mut *p.into_inner()),
        };
        reap::kill_and_reap(self.pid, &threads);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn maps(pid: i32) -> String {
        std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap()
    }

    #[test]
    fn a_stub_holds_only_the_stub_region() {
        let stub = StubProcess::spawn(-1).unwrap();
        let text = maps(stub.pid());
        for line in text.lines() {
            let range = line.split_whitespace().next().unwrap();
            let (a, _) = range.split_once('-').unwrap();
            let a = u64::from_str_radix(a, 16).unwrap();
            assert!(
                (layout::STUB_REGION_START..layout::STUB_REGION_END).contains(&a)
                    || line.contains("[vsyscall]"),
                "unexpected mapping in stub: {line}"
            );
        }
        let fds = std::fs::read_dir(format!("/proc/{}/fd", stub.pid()))
            .unwrap()
            .count();
        assert_eq!(fds, 0);
    }

    #[test]
    fn injected_syscalls_run_in_the_stub() {
        let stub = StubProcess::spawn(-1).unwrap();
        assert_eq!(
            stub.syscall_in_leader(libc::SYS_getpid, [0; 6]).unwrap(),
            i64::from(stub.pid())
        );
        let tid = stub.new_thread().unwrap();
        assert_ne!(tid, stub.pid());
        assert!(std::path::Path::new(&format!("/proc/{}/task/{tid}", stub.pid())).exists());
    }

    #[test]
    fn drop_kills_and_reaps() {
        let stub = StubProcess::spawn(-1).unwrap();
        let pid = stub.pid();
        stub.new_thread().unwrap();
        drop(stub);
        assert!(!std::path::Path::new(&format!("/proc/{pid}")).exists());
    }
}
