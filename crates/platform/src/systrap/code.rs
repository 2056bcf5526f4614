//! The systrap stub code: leader start-up, thread start-up, the signal
//! handler that hands events to the Sentry, and the `rt_sigreturn` restorer.
//!
//! The code is position independent (rip-relative inside itself, absolute
//! only for stub-region constants) and copied by [`install`] to
//! [`CODE_START`] in the Sentry's reserved stub region, so every stub forked
//! afterwards has it. It touches no memory but its slot, the signal frame and
//! the read-only filter page.
//!
//! The handler (installed for every signal but `SIGKILL` and `SIGSTOP`, so
//! host signals sent to the stub from outside become events too;
//! `SA_SIGINFO | SA_ONSTACK`, every signal blocked) runs on the
//! thread's signal stack, finds its slot by rounding `rsp` down, copies the
//! frame's `gregs`, XSAVE area, `fs_base`/`gs_base` (`rdfsbase`), the signal
//! number, code and address and the CPU (`rdtscp`) into the slot, publishes
//! [`STATE_EVENT`] and wakes the Sentry if it sleeps; then spins for the
//! slot's spin budget and sleeps in `FUTEX_WAIT` until the Sentry publishes
//! [`STATE_RESUME`] (load the slot back into the frame and return through
//! `rt_sigreturn`) or [`STATE_EXIT`] (end the thread). Its only system calls
//! are at the labelled sites that the application filter
//! ([`super::filter`]) lets through.

use std::sync::OnceLock;

use rustix::mm::MprotectFlags;

use super::layout::*;
use crate::memfile::{host, PAGE_SIZE};
use crate::stub::layout::{STUB_REGION_END, STUB_REGION_START, TASK_SIZE};
use crate::{Error, Result};

std::arch::global_asm!(
    ".pushsection .text.platform_systrap,\"ax\",@progbits",
    ".balign 64",
    "systrap_begin:",
    // ---- leader start-up: r12 = expected parent, r13 = LeaderParams ----
    "systrap_leader_init:",
    "mov r14, [r13 + 16]", // memory file fd to keep
    "mov r15, [r13 + 24]", // context memfd
    "mov rbx, [r13 + 8]",  // k_sigaction for the handled signals
    "mov rbp, [r13]",      // sock_fprog of the leader filter
    "mov eax, 157",        // prctl(PR_SET_PDEATHSIG, SIGKILL)
    "mov edi, 1",
    "mov esi, 9",
    "syscall",
    "test rax, rax",
    "jnz 9f",
    "mov eax, 110", // getppid() == r12
    "syscall",
    "cmp rax, r12",
    "jne 9f",
    "mov rdi, [r13 + 40]", // rseq(area, len, RSEQ_FLAG_UNREGISTER, RSEQ_SIG)
    "test rdi, rdi",
    "jz 3f",
    "mov esi, 32", // glibc registers 32 bytes; older ones __rseq_size
    "mov edx, 1",
    "mov r10d, 0x53053053",
    "mov eax, 334",
    "syscall",
    "test rax, rax",
    "jz 3f",
    "mov rdi, [r13 + 40]",
    "mov rsi, [r13 + 48]",
    "mov edx, 1",
    "mov r10d, 0x53053053",
    "mov eax, 334",
    "syscall",
    "test rax, rax",
    "jnz 9f",
    "3:",
    "mov r12d, 1", // rt_sigaction(1..=64, SIG_DFL)
    "2:",
    "mov eax, 13",
    "mov edi, r12d",
    "lea rsi, [rip + systrap_zero]",
    "xor edx, edx",
    "mov r10d, 8",
    "syscall",
    "inc r12d",
    "cmp r12d, 64",
    "jbe 2b",
    "mov eax, 14", // rt_sigprocmask(SIG_SETMASK, &empty, NULL, 8)
    "mov edi, 2",
    "lea rsi, [rip + systrap_zero]",
    "xor edx, edx",
    "mov r10d, 8",
    "syscall",
    "test rax, rax",
    "jnz 9f",
    "mov r13, [r13 + 32]", // context length
    "mov eax, 9", // mmap(SLOTS_START, r13, RW, MAP_SHARED|MAP_FIXED, r15, 0)
    "movabs rdi, {slots}",
    "mov rsi, r13",
    "mov edx, 3",
    "mov r10d, 0x11",
    "mov r8, r15",
    "xor r9d, r9d",
    "syscall",
    "movabs rcx, {slots}",
    "cmp rax, rcx",
    "jne 9f",
    "mov eax, 3", // close(r15)
    "mov rdi, r15",
    "syscall",
    "mov r12d, 1", // the handler for every signal but SIGKILL and SIGSTOP
    "5:",
    "cmp r12d, 9",
    "je 6f",
    "cmp r12d, 19",
    "je 6f",
    "mov edi, r12d",
    "call 8f",
    "6:",
    "inc r12d",
    "cmp r12d, 64",
    "jbe 5b",
    "mov eax, 101", // ptrace(PTRACE_TRACEME)
    "xor edi, edi",
    "xor esi, esi",
    "xor edx, edx",
    "xor r10d, r10d",
    "syscall",
    "test rax, rax",
    "jnz 9f",
    "mov eax, 157", // prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    "mov edi, 38",
    "mov esi, 1",
    "xor edx, edx",
    "xor r10d, r10d",
    "xor r8d, r8d",
    "syscall",
    "test rax, rax",
    "jnz 9f",
    "mov eax, 317", // seccomp(SECCOMP_SET_MODE_FILTER, 0, rbp)
    "mov edi, 1",
    "xor esi, esi",
    "mov rdx, rbp",
    "syscall",
    "test rax, rax",
    "jnz 9f",
    "test r14, r14", // close every descriptor but r14
    "jz 3f",
    "mov eax, 436",
    "xor edi, edi",
    "lea rsi, [r14 - 1]",
    "xor edx, edx",
    "syscall",
    "3:",
    "mov eax, 436",
    "lea rdi, [r14 + 1]",
    "mov esi, -1",
    "xor edx, edx",
    "syscall",
    "mov eax, 11", // munmap(0, STUB_REGION_START)
    "xor edi, edi",
    "movabs rsi, {region_start}",
    "syscall",
    "test rax, rax",
    "jnz 9f",
    "mov eax, 11", // munmap(STUB_REGION_END, TASK_SIZE - STUB_REGION_END)
    "movabs rdi, {region_end}",
    "movabs rsi, {top_len}",
    "syscall",
    "test rax, rax",
    "jnz 9f",
    "mov eax, 39", // kill(getpid(), SIGSTOP): the tracer takes over
    "syscall",
    "mov edi, eax",
    "mov esi, 19",
    "mov eax, 62",
    "syscall",
    "4:",
    "mov eax, 34", // pause() forever
    "syscall",
    "jmp 4b",
    "8:", // rt_sigaction(edi, rbx, NULL, 8); dies on failure
    "mov eax, 13",
    "mov rsi, rbx",
    "xor edx, edx",
    "mov r10d, 8",
    "syscall",
    "test rax, rax",
    "jnz 9f",
    "ret",
    "9:",
    "mov eax, 231", // exit_group(127)
    "mov edi, 127",
    "syscall",
    "ud2",
    // ---- thread creation: the Sentry injects clone() here into the leader ----
    "systrap_clone:",
    "syscall",
    "test rax, rax",
    "jz systrap_thread_init",
    "int3",
    "systrap_clone_trap:",
    "ud2",
    // ---- new application thread: r12 = slot, rsp = slot end ----
    "systrap_thread_init:",
    "sub rsp, 32", // sigaltstack(&{slot + OFF_STACK, 0, STACK_LEN}, NULL)
    "lea rax, [r12 + {off_stack}]",
    "mov [rsp], rax",
    "mov qword ptr [rsp + 8], 0",
    "mov qword ptr [rsp + 16], {stack_len}",
    "mov rdi, rsp",
    "xor esi, esi",
    "mov eax, 131",
    "syscall",
    "test rax, rax",
    "jnz 9b",
    "mov eax, 317", // seccomp(SECCOMP_SET_MODE_FILTER, 0, FILTER_PAGE)
    "mov edi, 1",
    "xor esi, esi",
    "movabs rdx, {filter_page}",
    "syscall",
    "test rax, rax",
    "jnz 9b",
    "int3", // first event: the Sentry answers with the application's state
    "systrap_first_trap:",
    "ud2",
    // ---- signal handler: rdi = signo, rsi = siginfo, rdx = ucontext ----
    "systrap_handler:",
    "mov rax, rsp",
    "and rax, {slot_mask}",
    "movabs rcx, {slots}",
    "cmp rax, rcx",
    "jb 7f",
    "movabs rcx, {slots_end}",
    "cmp rax, rcx",
    "jae 7f",
    "mov r8, rax",  // r8 = slot
    "mov r9, rdx",  // r9 = ucontext
    "rdtscp", // edx:eax = entry time, ecx = TSC_AUX = (node << 12) | cpu
    "and ecx, 0xfff",
    "mov [r8 + {off_cpu}], ecx",
    "shl rdx, 32",
    "or rax, rdx",
    "mov [r8 + {off_t_entry}], rax",
    "mov [r8 + {off_signo}], edi",
    "mov ecx, [rsi + 8]",
    "mov [r8 + {off_code}], ecx",
    "mov rcx, [rsi + 16]",
    "mov [r8 + {off_addr}], rcx",
    "rdfsbase rcx",
    "mov [r8 + {off_fs}], rcx",
    "rdgsbase rcx",
    "mov [r8 + {off_gs}], rcx",
    "lea rsi, [r9 + 40]", // uc_mcontext.gregs
    "lea rdi, [r8 + {off_gregs}]",
    "mov ecx, {ngreg}",
    "rep movsq",
    "xor ecx, ecx",
    "mov rsi, [r9 + 224]", // uc_mcontext.fpregs
    "test rsi, rsi",
    "jz 2f",
    "call 6f", // ecx = frame's XSAVE size
    "lea rdi, [r8 + {off_fp}]",
    "mov [r8 + {off_fp_len}], ecx",
    "rep movsb",
    "2:",
    "mov eax, {event}", // publish the event (xchg is a full barrier)
    "xchg [r8 + {off_state}], eax",
    "cmp dword ptr [r8 + {off_sentry_sleeping}], 0",
    "je 3f",
    "mov rdi, r8", // futex(&state, FUTEX_WAKE, 1)
    "mov esi, 1",
    "mov edx, 1",
    "mov eax, 202",
    "syscall",
    "systrap_site_wake:",
    "3:",
    "mov ecx, [r8 + {off_spin}]",
    "4:",
    "mov eax, [r8 + {off_state}]",
    "cmp eax, {resume}",
    "je 5f",
    "cmp eax, {exit}",
    "je 1f",
    "test ecx, ecx",
    "jz 0f",
    "dec ecx",
    "pause",
    "jmp 4b",
    "0:",
    "mov dword ptr [r8 + {off_stub_sleeping}], 1",
    "mfence",
    "cmp dword ptr [r8 + {off_state}], {event}",
    "jne 8f",
    "mov rdi, r8", // futex(&state, FUTEX_WAIT, EVENT, NULL)
    "xor esi, esi",
    "mov edx, {event}",
    "xor r10d, r10d",
    "mov eax, 202",
    "syscall",
    "systrap_site_wait:",
    "8:",
    "mov dword ptr [r8 + {off_stub_sleeping}], 0",
    "xor ecx, ecx",
    "jmp 4b",
    "5:", // resume: slot -> frame
    "cmp dword ptr [r8 + {off_drain}], 0", // drop a stale interrupt signal?
    "je systrap_no_drain",
    "mov dword ptr [r8 + {off_drain}], 0",
    "mov eax, 128", // rt_sigtimedwait(&{SIGUSR2}, NULL, &{0, 0}, 8)
    "lea rdi, [rip + systrap_interrupt_set]",
    "xor esi, esi",
    "lea rdx, [rip + systrap_zero]",
    "mov r10d, 8",
    "syscall",
    "systrap_site_drain:",
    "systrap_no_drain:",
    "mov qword ptr [r9 + 296], 0", // uc_sigmask: nothing blocked after return
    "rdtsc",
    "shl rdx, 32",
    "or rax, rdx",
    "mov [r8 + {off_t_resumed}], rax",
    "lea rdi, [r9 + 40]",
    "lea rsi, [r8 + {off_gregs}]",
    "mov ecx, {ngreg_restore}",
    "rep movsq",
    "mov rsi, [r9 + 224]",
    "test rsi, rsi",
    "jz 2f",
    "call 6f",
    "mov rdi, rsi",
    "lea rsi, [r8 + {off_fp}]",
    "rep movsb",
    "2:",
    "mov rcx, [r8 + {off_fs}]",
    "wrfsbase rcx",
    "mov rcx, [r8 + {off_gs}]",
    "wrgsbase rcx",
    "ret", // to the restorer the kernel put in the frame
    "1:", // exit(0): CLONE_CHILD_CLEARTID tells the Sentry
    "mov eax, 60",
    "xor edi, edi",
    "syscall",
    "systrap_site_exit:",
    "7:",
    "ud2",
    "6:", // ecx = XSAVE size of the frame's area at rsi, at most FP_MAX
    "mov ecx, 512",
    "cmp dword ptr [rsi + 464], 0x46505853", // FP_XSTATE_MAGIC1
    "jne 2f",
    "mov ecx, [rsi + 480]", // fx_sw_bytes.xstate_size
    "cmp ecx, {fp_max}",
    "jbe 2f",
    "mov ecx, {fp_max}",
    "2:",
    "ret",
    // ---- restorer ----
    "systrap_restorer:",
    "mov eax, 15",
    "syscall",
    "systrap_site_sigreturn:",
    "ud2",
    ".balign 8",
    "systrap_interrupt_set:",
    ".quad {interrupt_bit}",
    "systrap_zero:",
    ".zero 64",
    "systrap_end:",
    ".globl platform_systrap_symbols",
    ".hidden platform_systrap_symbols",
    ".pushsection .data.rel.ro.platform_systrap,\"aw\",@progbits",
    ".balign 8",
    "platform_systrap_symbols:",
    ".quad systrap_begin",
    ".quad systrap_end",
    ".quad systrap_leader_init",
    ".quad systrap_clone",
    ".quad systrap_clone_trap",
    ".quad systrap_first_trap",
    ".quad systrap_handler",
    ".quad systrap_restorer",
    ".quad systrap_site_wake",
    ".quad systrap_site_wait",
    ".quad systrap_site_exit",
    ".quad systrap_site_sigreturn",
    ".quad systrap_site_drain",
    ".popsection",
    ".popsection",
    slots = const SLOTS_START,
    slots_end = const SLOTS_START + CTX_LEN,
    slot_mask = const -(SLOT_SIZE as i64),
    region_start = const STUB_REGION_START,
    region_end = const STUB_REGION_END,
    top_len = const TASK_SIZE - STUB_REGION_END,
    off_stack = const OFF_STACK,
    stack_len = const STACK_LEN,
    filter_page = const FILTER_PAGE,
    off_signo = const OFF_SIGNO,
    off_code = const OFF_CODE,
    off_addr = const OFF_ADDR,
    off_fs = const OFF_FS_BASE,
    off_gs = const OFF_GS_BASE,
    off_gregs = const OFF_GREGS,
    ngreg = const NGREG,
    ngreg_restore = const NGREG_RESTORE,
    off_fp = const OFF_FP,
    off_fp_len = const OFF_FP_LEN,
    fp_max = const FP_MAX,
    off_cpu = const OFF_CPU,
    off_drain = const OFF_DRAIN,
    interrupt_bit = const 1u64 << (libc::SIGUSR2 - 1),
    off_t_entry = const OFF_T_ENTRY,
    off_t_resumed = const OFF_T_RESUMED,
    off_state = const OFF_STATE,
    off_sentry_sleeping = const OFF_SENTRY_SLEEPING,
    off_stub_sleeping = const OFF_STUB_SLEEPING,
    off_spin = const OFF_SPIN,
    event = const STATE_EVENT,
    resume = const STATE_RESUME,
    exit = const STATE_EXIT,
);

unsafe extern "C" {
    static platform_systrap_symbols: [u64; 13];
}

/// Addresses of the stub code's entry points and system call sites in every
/// stub (after [`install`]). System call sites are the addresses right after
/// the `syscall` instruction, as seccomp reports them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sites {
    /// Leader start-up routine.
    pub leader_init: u64,
    /// Where `clone` is injected into the leader.
    pub clone: u64,
    /// `rip` of the leader's `SIGTRAP` stop after an injected `clone`.
    pub clone_trap: u64,
    /// `rip` of a new thread's first event (`SIGTRAP`).
    pub first_trap: u64,
    /// The signal handler.
    pub handler: u64,
    /// The `rt_sigreturn` restorer.
    pub restorer: u64,
    /// After the handler's `FUTEX_WAKE`.
    pub wake: u64,
    /// After the handler's `FUTEX_WAIT`.
    pub wait: u64,
    /// After the thread's `exit`.
    pub exit: u64,
    /// After the restorer's `rt_sigreturn`.
    pub sigreturn: u64,
    /// After the handler's `rt_sigtimedwait` that drops a stale interrupt
    /// signal before returning to the application.
    pub drain: u64,
}

fn symbols() -> [u64; 13] {
    // SAFETY: the symbol table is immutable data defined by the
    // `global_asm!` above and lives for the whole program.
    unsafe { platform_systrap_symbols }
}

/// The stub code bytes as assembled into the Sentry's text.
fn bytes() -> &'static [u8] {
    let s = symbols();
    let len = s[1].saturating_sub(s[0]) as usize;
    // SAFETY: `systrap_begin..systrap_end` is read-only code of this binary
    // that lives for the whole program.
    unsafe { std::slice::from_raw_parts(s[0] as *const u8, len) }
}

/// Where everything is in the stub.
pub fn sites() -> Sites {
    let s = symbols();
    let at = |i: usize| CODE_START + (s[i] - s[0]);
    Sites {
        leader_init: at(2),
        clone: at(3),
        clone_trap: at(4),
        first_trap: at(5),
        handler: at(6),
        restorer: at(7),
        wake: at(8),
        wait: at(9),
        exit: at(10),
        sigreturn: at(11),
        drain: at(12),
    }
}

static INSTALLED: OnceLock<std::result::Result<(), String>> = OnceLock::new();

/// Reserves the stub region (see [`crate::stub::region`]) and copies the
/// systrap code and the application filter into it, once per process.
pub fn install() -> Result<()> {
    crate::stub::region::ensure_reserved()?;
    INSTALLED
        .get_or_init(|| install_once().map_err(|e| e.to_string()))
        .clone()
        .map_err(Error::StubRegion)
}

fn install_once() -> Result<()> {
    let code = bytes();
    if code.len() as u64 > CODE_LEN {
        return Err(Error::Invalid("systrap stub code does not fit its pages"));
    }
    let prog = super::filter::app_filter(&sites());
    let prog_bytes = prog.len() * std::mem::size_of::<libc::sock_filter>();
    if (FILTER_PROG_OFFSET as usize + prog_bytes) as u64 > PAGE_SIZE {
        return Err(Error::Invalid("systrap filter does not fit its page"));
    }
    let len = (CODE_LEN + PAGE_SIZE) as usize;
    // SAFETY: pages 8..13 of the stub code area lie inside the region that
    // `ensure_reserved` reserved for this process and nothing else uses them.
    // They are writable only while we copy the code, the filter program and
    // its `sock_fprog` in, then stay read-only (+exec for the code).
    unsafe {
        rustix::mm::mprotect(
            CODE_START as *mut _,
            len,
            MprotectFlags::READ | MprotectFlags::WRITE,
        )
        .map_err(|e| host("mprotect(systrap code, rw)", e))?;
        std::ptr::copy_nonoverlapping(code.as_ptr(), CODE_START as *mut u8, code.len());
        let prog_addr = FILTER_PAGE + FILTER_PROG_OFFSET;
        std::ptr::copy_nonoverlapping(
            prog.as_ptr(),
            prog_addr as *mut libc::sock_filter,
            prog.len(),
        );
        let fprog = libc::sock_fprog {
            len: prog.len() as u16,
            filter: prog_addr as *mut libc::sock_filter,
        };
        std::ptr::write(FILTER_PAGE as *mut libc::sock_fprog, fprog);
        rustix::mm::mprotect(
            CODE_START as *mut _,
            CODE_LEN as usize,
            MprotectFlags::READ | MprotectFlags::EXEC,
        )
        .map_err(|e| host("mprotect(systrap code, rx)", e))?;
        rustix::mm::mprotect(
            FILTER_PAGE as *mut _,
            PAGE_SIZE as usize,
            MprotectFlags::READ,
        )
        .map_err(|e| host("mprotect(systrap filter, r)", e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sites_lie_in_the_code_pages_in_order() {
        let s = sites();
        let all = [
            s.leader_init,
            s.clone,
            s.clone_trap,
            s.first_trap,
            s.handler,
            s.wake,
            s.wait,
            s.drain,
            s.exit,
            s.restorer,
            s.sigreturn,
        ];
        for w in all.windows(2) {
            assert!(w[0] < w[1], "{s:?}");
        }
        assert!(all
            .iter()
            .all(|&a| (CODE_START..CODE_START + CODE_LEN).contains(&a)));
        // Every system call site follows a `syscall` (0f 05).
        let b = bytes();
        for site in [s.wake, s.wait, s.drain, s.exit, s.sigreturn] {
            let i = (site - CODE_START) as usize;
            assert_eq!(&b[i - 2..i], &[0x0f, 0x05]);
        }
    }

    #[test]
    fn install_copies_the_code() {
        install().unwrap();
        install().unwrap();
        let b = bytes();
        let mut copy = vec![0u8; b.len()];
        // SAFETY: `install` mapped the code pages readable.
        unsafe {
            std::ptr::copy_nonoverlapping(CODE_START as *const u8, copy.as_mut_ptr(), b.len())
        };
        assert_eq!(copy, b);
    }
}
