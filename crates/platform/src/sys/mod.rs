//! Raw host calls the platforms need that `rustix` does not offer: `ptrace`,
//! `waitpid` on tracees, `tgkill`, and the raw `clone` that starts a stub.
//!
//! Every function here is a thin, safe wrapper: it takes plain values and
//! buffers it owns the layout of, and returns `io::Result`.

pub mod ptrace;

use std::io;

/// Converts a `-1`-on-error libc return into `io::Result`.
fn check(ret: libc::c_long) -> io::Result<libc::c_long> {
    if ret == -1 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

/// The calling host thread's id (cached per thread: it never changes and
/// the platforms ask on every switch).
pub fn gettid() -> i32 {
    thread_local! {
        static TID: i32 = rustix::thread::gettid().as_raw_nonzero().get();
    }
    TID.try_with(|t| *t)
        .unwrap_or_else(|_| rustix::thread::gettid().as_raw_nonzero().get())
}

/// The Sentry's own process id.
pub fn getpid() -> i32 {
    rustix::process::getpid().as_raw_nonzero().get()
}

/// Sends `sig` to thread `tid` of process `tgid`.
pub fn tgkill(tgid: i32, tid: i32, sig: i32) -> io::Result<()> {
    // SAFETY: tgkill takes three integers and touches no memory of ours.
    check(unsafe { libc::syscall(libc::SYS_tgkill, tgid, tid, sig) }).map(|_| ())
}

/// Sends `sig` to process `pid`.
pub fn kill(pid: i32, sig: i32) -> io::Result<()> {
    // SAFETY: kill takes two integers and touches no memory of ours.
    check(unsafe { libc::kill(pid, sig) } as libc::c_long).map(|_| ())
}

/// The CPU the calling thread runs on now (vDSO `getcpu`, no system call).
pub fn current_cpu() -> Option<usize> {
    // SAFETY: sched_getcpu takes no arguments.
    let c = unsafe { libc::sched_getcpu() };
    usize::try_from(c).ok()
}

/// Restricts thread `tid` to run on `cpu` only.
pub fn bind_to_cpu(tid: i32, cpu: usize) -> io::Result<()> {
    // SAFETY: cpu_set_t is plain data; all-zero is the empty set.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    if cpu >= libc::CPU_SETSIZE as usize {
        return Err(io::Error::from_raw_os_error(libc::EINVAL));
    }
    // SAFETY: `cpu` is below CPU_SETSIZE (checked above), so the bit lies
    // inside `set`.
    unsafe { libc::CPU_SET(cpu, &mut set) };
    // SAFETY: `set` is a valid cpu_set_t of the size passed.
    let r = unsafe { libc::sched_setaffinity(tid, std::mem::size_of::<libc::cpu_set_t>(), &set) };
    check(r as libc::c_long).map(|_| ())
}

/// The calling thread's CPU affinity mask.
pub fn own_affinity() -> io::Result<libc::cpu_set_t> {
    // SAFETY: cpu_set_t is plain data; all-zero is the empty set.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: `set` is a valid, writable cpu_set_t of the size passed.
    let r = unsafe { libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) };
    check(r as libc::c_long).map(|_| set)
}

/// Sets the calling thread's CPU affinity mask.
pub fn set_own_affinity(set: &libc::cpu_set_t) -> io::Result<()> {
    // SAFETY: `set` is a valid cpu_set_t of the size passed.
    let r = unsafe { libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), set) };
    check(r as libc::c_long).map(|_| ())
}

/// What `waitpid` reported about a tracee.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitStatus {
    /// The thread is in a ptrace stop; `sig` is `WSTOPSIG` and `event` the
    /// `PTRACE_EVENT_*` value from bits 16..24 of the status.
    Stopped {
        /// The stop signal (`SIGTRAP | 0x80` for syscall stops).
        sig: i32,
        /// The ptrace event, 0 for none.
        event: i32,
    },
    /// The thread exited with a status.
    Exited(i32),
    /// The thread was killed by a signal.
    Signaled(i32),
}

/// Waits for a state change of thread `tid` (any kind of child or tracee),
/// retrying on `EINTR`.
pub fn waitpid(tid: i32) -> io::Result<WaitStatus> {
    waitpid_flags(tid, libc::__WALL)
}

/// Like [`waitpid`] but with `WNOHANG`: `Ok(None)` when nothing happened yet.
pub fn waitpid_nohang(tid: i32) -> io::Result<Option<WaitStatus>> {
    loop {
        let mut status: libc::c_int = 0;
        // SAFETY: `status` is a valid out pointer for the duration of the call.
        let r = unsafe { libc::waitpid(tid, &mut status, libc::__WALL | libc::WNOHANG) };
        if r == 0 {
            return Ok(None);
        }
        if r == -1 {
            let e = io::Error::last_os_error();
            if e.raw_os_error() == Some(libc::EINTR) {
                continue;
            }
            return Err(e);
        }
        return Ok(Some(decode(status)));
    }
}

fn waitpid_flags(tid: i32, flags: libc::c_int) -> io::Result<WaitStatus> {
    loop {
        let mut status: libc::c_int = 0;
        // SAFETY: `status` is a valid out pointer for the duration of the call.
        let r = unsafe { libc::waitpid(tid, &mut status, flags) };
        if r == -1 {
            let e = io::Error::last_os_error();
            if e.raw_os_error() == Some(libc::EINTR) {
                continue;
            }
            return Err(e);
        }
        return Ok(decode(status));
    }
}

fn decode(status: libc::c_int) -> WaitStatus {
    if libc::WIFEXITED(status) {
        WaitStatus::Exited(libc::WEXITSTATUS(status))
    } else if libc::WIFSIGNALED(status) {
        WaitStatus::Signaled(libc::WTERMSIG(status))
    } else {
        WaitStatus::Stopped {
            sig: libc::WSTOPSIG(status),
            event: (status >> 16) & 0xff,
        }
    }
}

/// The size in bytes of this CPU's XSAVE area for the features the host
/// kernel enabled (CPUID leaf 0xD, sub-leaf 0, EBX). Cached: `cpuid` traps
/// to the hypervisor on virtual machines and costs microseconds.
pub fn xsave_size() -> usize {
    static SIZE: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *SIZE.get_or_init(|| {
        let r = std::arch::x86_64::__cpuid_count(0xd, 0);
        (r.ebx as usize).max(512 + 64)
    })
}

/// Where a new stub process starts and what its registers hold then,
/// besides `r12`, which is always the parent's tgid (so the child can check
/// that it was not re-parented before it arms its parent-death signal).
#[derive(Clone, Copy, Debug, Default)]
pub struct StubStart {
    /// The stub code the child jumps to.
    pub entry: u64,
    /// The child's `rdx`.
    pub rdx: u64,
    /// The child's `r10`.
    pub r10: u64,
    /// The child's `r13`.
    pub r13: u64,
    /// The child's `r14`.
    pub r14: u64,
    /// The child's `r15`.
    pub r15: u64,
}

/// Starts a stub process: forks the calling thread with a raw
/// `clone(SIGCHLD)` whose child never returns to Rust and jumps to
/// `start.entry` at once with the registers `start` names. Returns the
/// child's pid.
///
/// The Sentry is multi-threaded, so the child may run nothing that could
/// take a lock or allocate: `entry` must be the stub's own register-only
/// code (see [`crate::stub::code`], [`crate::systrap::code`]), already
/// mapped at the same address in the Sentry so the child inherits it.
///
/// # Safety
///
/// `start.entry` must be the address of such code, mapped executable in
/// this process, that never returns; any pointer passed in a register must
/// point to memory that stays valid in the child's copy of the address
/// space (anything the caller holds across this call).
pub unsafe fn clone_stub(start: &StubStart) -> io::Result<i32> {
    let ppid = i64::from(getpid());
    let ret: i64;
    // SAFETY: `clone(SIGCHLD, 0, ..)` duplicates the address space
    // copy-on-write. The parent continues normally with the child's pid in
    // rax. The child (rax == 0) jumps straight to `entry`, which only issues
    // system calls with register arguments and reads what the caller's
    // pointers promise, and never returns into this function, so no Rust
    // code runs in the child.
    unsafe {
        std::arch::asm!(
            "syscall",
            "test rax, rax",
            "jnz 2f",
            "jmp r9",
            "2:",
            inout("rax") libc::SYS_clone => ret,
            in("rdi") libc::SIGCHLD as i64,
            in("rsi") 0i64,
            // Without CLONE_*SETTID and CLONE_SETTLS the kernel ignores
            // rdx, r10 and r8; the child inherits them.
            in("rdx") start.rdx,
            in("r10") start.r10,
            in("r8") 0i64,
            in("r9") start.entry,
            in("r12") ppid,
            in("r13") start.r13,
            in("r14") start.r14,
            in("r15") start.r15,
            lateout("rcx") _,
            lateout("r11") _,
        );
    }
    if ret < 0 {
        Err(io::Error::from_raw_os_error(-ret as i32))
    } else {
        Ok(ret as i32)
    }
}

unsafe extern "C" {
    /// glibc (2.35+): offset of the thread's rseq area from the thread pointer.
    static __rseq_offset: isize;
    /// glibc (2.35+): size of the rseq feature set, 0 if glibc did not
    /// register one.
    static __rseq_size: u32;
}

/// The calling thread's registered rseq area: its address and glibc's
/// `__rseq_size` (glibc registers at least the 32-byte original
/// `struct rseq`), or `None` when glibc registered none. A forked stub
/// inherits the registration but not the memory, so it must unregister
/// before unmapping the Sentry (the kernel would otherwise kill it with
/// `SIGSEGV` on its next return to user mode).
pub fn rseq_area() -> Option<(u64, u32)> {
    // SAFETY: both are plain data exported by glibc and never written after
    // start-up.
    let (offset, size) = unsafe { (__rseq_offset, __rseq_size) };
    if size == 0 {
        return None;
    }
    let tp: u64;
    // SAFETY: on x86-64 glibc the word at fs:0 is the thread pointer itself.
    unsafe {
        std::arch::asm!("mov {}, fs:0", out(reg) tp, options(nostack, readonly, preserves_flags))
    };
    Some((tp.wrapping_add(offset as u64), size))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xsave_size_covers_legacy_area_and_header() {
        let n = xsave_size();
        assert!(n >= 576, "{n}");
        assert!(n <= 1 << 16, "{n}");
    }

    #[test]
    fn tgkill_of_missing_thread_fails() {
        assert!(tgkill(getpid(), i32::MAX - 1, 0).is_err());
        assert!(tgkill(getpid(), gettid(), 0).is_ok());
    }
}
