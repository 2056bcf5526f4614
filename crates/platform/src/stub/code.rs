//! The stub's machine code: a few register-only routines copied to page 0 of
//! the stub region.
//!
//! The code is position independent and uses no memory but a zero block
//! inside itself, so it runs the same in the Sentry's copy of the region and
//! in every stub. Entry points (offsets from [`STUB_CODE_START`]):
//!
//! - [`SYSCALL_OFFSET`]: `syscall; int3` — where the Sentry injects host
//!   system calls into a stopped stub thread (set registers, `PTRACE_CONT`,
//!   wait for the `SIGTRAP`, read `rax`).
//! - [`CLONE_OFFSET`]: `syscall` followed by a split: the parent traps with
//!   `int3`, a new thread (`rax == 0`) falls into the park loop.
//! - [`PARK_OFFSET`]: `pause()` forever; an idle, untraced stub thread waits
//!   here until a tracer seizes it.
//! - [`INIT_OFFSET`]: the first code a freshly forked stub runs
//!   ([`crate::sys::clone_stub`] with `rdx, r10` = the inherited rseq area
//!   and its length (0 if none), `r12` = parent tgid, `r13` = filter,
//!   `r14` = the descriptor to keep, `r15` = traceme): parent-death signal,
//!   check that the parent still lives, unregister the inherited rseq area,
//!   default signal dispositions, an empty
//!   signal mask, optional `PTRACE_TRACEME`, `no_new_privs`, the seccomp
//!   filter, close every descriptor but the memory file, unmap everything
//!   outside the stub region, then stop itself with `SIGSTOP`. Any failure
//!   ends the stub with `exit_group(127)`.

use super::layout::{STUB_CODE_START, STUB_REGION_END, STUB_REGION_START, TASK_SIZE};

std::arch::global_asm!(
    ".pushsection .text.platform_stub,\"ax\",@progbits",
    ".balign 64",
    ".globl platform_stub_begin",
    ".hidden platform_stub_begin",
    "platform_stub_begin:",
    // SYSCALL_OFFSET
    "platform_stub_syscall:",
    "syscall",
    "int3",
    // CLONE_OFFSET
    "platform_stub_clone:",
    "syscall",
    "test rax, rax",
    "jz platform_stub_park",
    "int3",
    // PARK_OFFSET
    "platform_stub_park:",
    "mov eax, 34", // pause
    "syscall",
    "jmp platform_stub_park",
    // INIT_OFFSET
    "platform_stub_init:",
    "mov eax, 157", // prctl(PR_SET_PDEATHSIG, SIGKILL)
    "mov edi, 1",
    "mov esi, 9",
    "syscall",
    "test rax, rax",
    "jnz 9f",
    "mov eax, 110", // getppid() == expected parent (r12)?
    "syscall",
    "cmp rax, r12",
    "jne 9f",
    "test rdx, rdx", // rseq(rdx, r10, RSEQ_FLAG_UNREGISTER, RSEQ_SIG) if registered
    "jz 8f",
    "mov rdi, rdx",
    "mov rsi, r10",
    "mov edx, 1",
    "mov r10d, 0x53053053",
    "mov eax, 334",
    "syscall",
    "test rax, rax",
    "jnz 9f",
    "8:",
    "mov ebx, 1", // rt_sigaction(1..=64, SIG_DFL); 9 and 19 fail harmlessly
    "3:",
    "mov eax, 13",
    "mov edi, ebx",
    "lea rsi, [rip + platform_stub_zero]",
    "xor edx, edx",
    "mov r10d, 8",
    "syscall",
    "inc ebx",
    "cmp ebx, 64",
    "jbe 3b",
    "mov eax, 14", // rt_sigprocmask(SIG_SETMASK, &empty, NULL, 8)
    "mov edi, 2",
    "lea rsi, [rip + platform_stub_zero]",
    "xor edx, edx",
    "mov r10d, 8",
    "syscall",
    "test rax, rax",
    "jnz 9f",
    "test r15, r15", // ptrace(PTRACE_TRACEME) if asked
    "jz 4f",
    "mov eax, 101",
    "xor edi, edi",
    "xor esi, esi",
    "xor edx, edx",
    "xor r10d, r10d",
    "syscall",
    "test rax, rax",
    "jnz 9f",
    "4:",
    "mov eax, 157", // prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    "mov edi, 38",
    "mov esi, 1",
    "xor edx, edx",
    "xor r10d, r10d",
    "xor r8d, r8d",
    "syscall",
    "test rax, rax",
    "jnz 9f",
    "mov eax, 317", // seccomp(SECCOMP_SET_MODE_FILTER, 0, r13)
    "mov edi, 1",
    "xor esi, esi",
    "mov rdx, r13",
    "syscall",
    "test rax, rax",
    "jnz 9f",
    "test r14, r14", // close_range(0, keep - 1, 0) if keep > 0
    "jz 5f",
    "js 6f",
    "mov eax, 436",
    "xor edi, edi",
    "lea rsi, [r14 - 1]",
    "xor edx, edx",
    "syscall",
    "5:",
    "mov eax, 436", // close_range(keep + 1, ~0, 0)
    "lea rdi, [r14 + 1]",
    "mov esi, -1",
    "xor edx, edx",
    "syscall",
    "jmp 7f",
    "6:",
    "mov eax, 436", // no descriptor to keep: close_range(0, ~0, 0)
    "xor edi, edi",
    "mov esi, -1",
    "xor edx, edx",
    "syscall",
    "7:",
    "mov eax, 11", // munmap(0, STUB_REGION_START)
    "xor edi, edi",
    "movabs rsi, {start}",
    "syscall",
    "test rax, rax",
    "jnz 9f",
    "mov eax, 11", // munmap(STUB_REGION_END, TASK_SIZE - STUB_REGION_END)
    "movabs rdi, {end}",
    "movabs rsi, {top_len}",
    "syscall",
    "test rax, rax",
    "jnz 9f",
    "mov eax, 39", // kill(getpid(), SIGSTOP)
    "syscall",
    "mov edi, eax",
    "mov esi, 19",
    "mov eax, 62",
    "syscall",
    "jmp platform_stub_park",
    "9:",
    "mov eax, 231", // exit_group(127)
    "mov edi, 127",
    "syscall",
    "ud2",
    ".balign 8",
    "platform_stub_zero:",
    ".zero 64",
    ".globl platform_stub_end",
    ".hidden platform_stub_end",
    "platform_stub_end:",
    ".popsection",
    start = const STUB_REGION_START,
    end = const STUB_REGION_END,
    top_len = const TASK_SIZE - STUB_REGION_END,
);

unsafe extern "C" {
    static platform_stub_begin: u8;
    static platform_stub_end: u8;
}

/// Offset of the `syscall; int3` injection point.
pub const SYSCALL_OFFSET: u64 = 0;
/// Offset of the thread-creating `syscall` (see the module documentation).
pub const CLONE_OFFSET: u64 = 3;
/// Offset of the park loop.
pub const PARK_OFFSET: u64 = 11;
/// Offset of the start-up routine of a new stub process.
pub const INIT_OFFSET: u64 = 20;

/// Address of the injection point in every stub.
pub const SYSCALL_ADDR: u64 = STUB_CODE_START + SYSCALL_OFFSET;
/// Address of the thread-creating `syscall`.
pub const CLONE_ADDR: u64 = STUB_CODE_START + CLONE_OFFSET;
/// Address of the park loop.
pub const PARK_ADDR: u64 = STUB_CODE_START + PARK_OFFSET;
/// Address of the start-up routine.
pub const INIT_ADDR: u64 = STUB_CODE_START + INIT_OFFSET;

/// The stub code bytes, as assembled into the Sentry's text.
pub fn bytes() -> &'static [u8] {
    // SAFETY: both symbols are defined by the `global_asm!` above in the same
    // section, `begin` before `end`; the bytes between them are read-only
    // code that lives for the whole program.
    unsafe {
        let begin = &raw const platform_stub_begin;
        let end = &raw const platform_stub_end;
        let len = (end as usize).saturating_sub(begin as usize);
        std::slice::from_raw_parts(begin, len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_match_the_assembled_code() {
        let b = bytes();
        assert!(b.len() < 4096);
        // syscall (0f 05), int3 (cc)
        assert_eq!(&b[SYSCALL_OFFSET as usize..][..3], &[0x0f, 0x05, 0xcc]);
        assert_eq!(&b[CLONE_OFFSET as usize..][..2], &[0x0f, 0x05]);
        // mov eax, 34 (b8 22 00 00 00); syscall
        assert_eq!(
            &b[PARK_OFFSET as usize..][..7],
            &[0xb8, 34, 0, 0, 0, 0x0f, 0x05]
        );
        // mov eax, 157
        assert_eq!(&b[INIT_OFFSET as usize..][..5], &[0xb8, 157, 0, 0, 0]);
    }
}
