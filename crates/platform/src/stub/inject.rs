//! Running host system calls inside a stopped stub thread.
//!
//! The caller must be the thread's tracer and the thread must be in a
//! ptrace stop. Its registers are replaced (the caller saves and restores
//! application state itself), `rip` is pointed at the stub's `syscall;
//! int3`, and the thread runs until the `int3` trap.

use super::code;
use crate::sys::{ptrace, waitpid, WaitStatus};
use crate::{Error, Regs, Result};

/// Turns the raw return value of an injected system call into a result:
/// `-4095..0` is a host errno, reported as [`Error::Host`] naming `op`.
pub fn host_result(op: &'static str, r: i64) -> Result<i64> {
    if (-4095..0).contains(&r) {
        Err(Error::Host {
            op,
            source: std::io::Error::from_raw_os_error(-r as i32),
        })
    } else {
        Ok(r)
    }
}

/// Runs `nr(args)` in stopped thread `tid`; returns the raw `rax`.
pub fn syscall(tid: i32, template: &Regs, nr: i64, args: [u64; 6]) -> Result<i64> {
    run_at(
        tid,
        template,
        code::SYSCALL_ADDR,
        code::SYSCALL_ADDR + 3,
        nr,
        args,
    )
}

/// Injects `clone(flags, 0, 0, 0, 0)` at the stub's clone point; the new
/// thread parks itself. Returns the new thread's id.
pub fn clone_thread(tid: i32, template: &Regs, flags: u64) -> Result<i32> {
    let r = run_at(
        tid,
        template,
        code::CLONE_ADDR,
        code::PARK_ADDR,
        libc::SYS_clone,
        [flags, 0, 0, 0, 0, 0],
    )?;
    if r <= 0 {
        return Err(Error::Host {
            op: "clone(stub thread)",
            source: std::io::Error::from_raw_os_error(-r as i32),
        });
    }
    Ok(r as i32)
}

fn run_at(
    tid: i32,
    template: &Regs,
    at: u64,
    trap_rip: u64,
    nr: i64,
    args: [u64; 6],
) -> Result<i64> {
    let mut regs = *template;
    regs.rip = at;
    regs.rax = nr as u64;
    regs.orig_rax = u64::MAX;
    regs.rdi = args[0];
    regs.rsi = args[1];
    regs.rdx = args[2];
    regs.r10 = args[3];
    regs.r8 = args[4];
    regs.r9 = args[5];
    ptrace::set_regs(tid, &regs).map_err(|source| Error::Host {
        op: "PTRACE_SETREGS(inject)",
        source,
    })?;
    loop {
        ptrace::cont(tid, 0).map_err(|source| Error::Host {
            op: "PTRACE_CONT(inject)",
            source,
        })?;
        match waitpid(tid).map_err(|source| Error::Host {
            op: "waitpid(inject)",
            source,
        })? {
            WaitStatus::Stopped {
                sig: libc::SIGTRAP,
                event: 0,
            } => {
                ptrace::get_regs(tid, &mut regs).map_err(|source| Error::Host {
                    op: "PTRACE_GETREGS(inject)",
                    source,
                })?;
                if regs.rip == trap_rip {
                    return Ok(regs.rax as i64);
                }
                // A SIGTRAP from elsewhere (sent from outside): drop it.
            }
            // A synchronous fault in the stub's own code: retrying would
            // fault again forever.
            WaitStatus::Stopped {
                sig:
                    sig @ (libc::SIGSEGV | libc::SIGBUS | libc::SIGILL | libc::SIGFPE | libc::SIGSYS),
                ..
            } => {
                return Err(Error::StubDied {
                    pid: tid,
                    why: format!("signal {sig} in stub code during injection"),
                });
            }
            // Any other stop (a pending interrupt signal, a signal from
            // outside, a group stop) is dropped; the call goes on.
            WaitStatus::Stopped { .. } => {}
            WaitStatus::Exited(code) => {
                return Err(Error::StubDied {
                    pid: tid,
                    why: format!("exited with {code} during injection"),
                })
            }
            WaitStatus::Signaled(sig) => {
                return Err(Error::StubDied {
                    pid: tid,
                    why: format!("killed by signal {sig} during injection"),
                })
            }
        }
    }
}
