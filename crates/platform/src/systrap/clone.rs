//! The raw `clone` that starts a systrap stub.
//!
//! Like [`crate::sys::clone_stub`], but the child gets `r13` = a pointer to
//! the systrap leader parameters (two descriptors, the filter, the signal
//! action), which the shared launcher's register interface cannot carry.

use std::io;

/// Forks the calling thread with `clone(SIGCHLD)`; the child jumps to
/// `entry` at once with `r12` = the Sentry's pid and `r13` = `params`, and
/// never returns into Rust. Returns the child's pid.
///
/// `entry` must be register-only stub code mapped at the same address in the
/// Sentry (see [`super::code`]); `params` must point to memory that stays
/// valid in the child's copy of the address space (anything the caller
/// holds across this call).
pub fn clone_leader(entry: u64, params: u64) -> io::Result<i32> {
    let ppid = i64::from(crate::sys::getpid());
    let ret: i64;
    // SAFETY: `clone(SIGCHLD, 0, ..)` copies the address space. The parent
    // continues with the child's pid in rax. The child (rax == 0) jumps to
    // `entry`, which only makes system calls and reads `params` from its
    // copy of our memory before unmapping it, and never returns here, so no
    // Rust code runs in the child.
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
            in("rdx") 0i64,
            in("r10") 0i64,
            in("r8") 0i64,
            in("r9") entry,
            in("r12") ppid,
            in("r13") params,
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
    /// glibc (>= 2.35): offset of the thread's rseq area from the thread
    /// pointer.
    static __rseq_offset: isize;
    /// glibc: size of the registered rseq feature set, 0 if glibc did not
    /// register rseq.
    static __rseq_size: u32;
}

/// The calling thread's registered rseq area (`address`, glibc's
/// `__rseq_size`), or `None` when glibc registered none.
///
/// Why: a forked stub inherits the registration, but the area lies in
/// memory the stub unmaps; the host kernel would then fail to update it on
/// the next preemption and kill the stub with `SIGSEGV`. The leader
/// unregisters it before unmapping.
pub fn rseq_area() -> Option<(u64, u32)> {
    // SAFETY: plain reads of two immutable glibc variables set at start-up.
    let (off, size) = unsafe { (__rseq_offset, __rseq_size) };
    if size == 0 {
        return None;
    }
    let mut fs: u64 = 0;
    // SAFETY: ARCH_GET_FS (0x1003) writes the thread's fs base to the u64 we own.
    let r = unsafe { libc::syscall(libc::SYS_arch_prctl, 0x1003, &mut fs as *mut u64) };
    if r != 0 {
        return None;
    }
    Some((fs.wrapping_add_signed(off as i64), size))
}
