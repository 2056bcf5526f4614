//! Safe wrappers over the `ptrace` requests the platforms use.

use std::io;

use crate::Regs;

/// `PTRACE_SYSEMU` (x86): resume, stop at the next system call without
/// running it.
const PTRACE_SYSEMU: libc::c_uint = 31;
/// `NT_X86_XSTATE`: the XSAVE regset.
const NT_X86_XSTATE: libc::c_int = 0x202;

fn req(request: libc::c_uint, tid: i32, addr: usize, data: usize) -> io::Result<libc::c_long> {
    // SAFETY: callers pass `addr`/`data` that are either integers or pointers
    // to buffers they own and that match the request's layout.
    let r = unsafe { libc::ptrace(request, tid, addr, data) };
    if r == -1 {
        Err(io::Error::last_os_error())
    } else {
        Ok(r)
    }
}

/// `PTRACE_SEIZE` with `options`.
pub fn seize(tid: i32, options: i32) -> io::Result<()> {
    req(libc::PTRACE_SEIZE, tid, 0, options as usize).map(|_| ())
}

/// `PTRACE_INTERRUPT`: stop a seized thread.
pub fn interrupt(tid: i32) -> io::Result<()> {
    req(libc::PTRACE_INTERRUPT, tid, 0, 0).map(|_| ())
}

/// `PTRACE_SETOPTIONS`.
pub fn set_options(tid: i32, options: i32) -> io::Result<()> {
    req(libc::PTRACE_SETOPTIONS, tid, 0, options as usize).map(|_| ())
}

/// `PTRACE_DETACH`, delivering `sig` (0 for none).
pub fn detach(tid: i32, sig: i32) -> io::Result<()> {
    req(libc::PTRACE_DETACH, tid, 0, sig as usize).map(|_| ())
}

/// `PTRACE_CONT`, delivering `sig` (0 for none).
pub fn cont(tid: i32, sig: i32) -> io::Result<()> {
    req(libc::PTRACE_CONT, tid, 0, sig as usize).map(|_| ())
}

/// `PTRACE_SYSEMU`, delivering `sig` (0 for none).
pub fn sysemu(tid: i32, sig: i32) -> io::Result<()> {
    req(PTRACE_SYSEMU, tid, 0, sig as usize).map(|_| ())
}

/// `PTRACE_GETREGS`.
pub fn get_regs(tid: i32, regs: &mut Regs) -> io::Result<()> {
    req(libc::PTRACE_GETREGS, tid, 0, regs as *mut Regs as usize).map(|_| ())
}

/// `PTRACE_SETREGS`.
pub fn set_regs(tid: i32, regs: &Regs) -> io::Result<()> {
    req(libc::PTRACE_SETREGS, tid, 0, regs as *const Regs as usize).map(|_| ())
}

/// `PTRACE_GETREGSET(NT_X86_XSTATE)` into `buf`; returns the bytes filled.
pub fn get_xstate(tid: i32, buf: &mut [u8]) -> io::Result<usize> {
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    req(
        libc::PTRACE_GETREGSET,
        tid,
        NT_X86_XSTATE as usize,
        &mut iov as *mut libc::iovec as usize,
    )?;
    Ok(iov.iov_len)
}

/// `PTRACE_SETREGSET(NT_X86_XSTATE)` from `buf`.
pub fn set_xstate(tid: i32, buf: &[u8]) -> io::Result<()> {
    let mut iov = libc::iovec {
        iov_base: buf.as_ptr() as *mut libc::c_void,
        iov_len: buf.len(),
    };
    req(
        libc::PTRACE_SETREGSET,
        tid,
        NT_X86_XSTATE as usize,
        &mut iov as *mut libc::iovec as usize,
    )
    .map(|_| ())
}

/// `PTRACE_GETSIGINFO`: `(si_signo, si_code, si_addr)` of the stop signal.
pub fn get_siginfo(tid: i32) -> io::Result<(i32, i32, u64)> {
    // SAFETY: siginfo_t is plain data; all-zero is a valid value.
    let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
    req(
        libc::PTRACE_GETSIGINFO,
        tid,
        0,
        &mut info as *mut libc::siginfo_t as usize,
    )?;
    // SAFETY: reading the `si_addr` union member is valid for any siginfo
    // (it is a plain integer-sized field; for non-fault signals it holds
    // whatever the kernel put in that slot, which callers ignore).
    let addr = unsafe { info.si_addr() } as u64;
    Ok((info.si_signo, info.si_code, addr))
}
