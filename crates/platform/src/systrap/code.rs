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
//!
//! The trampoline of patched system calls ([`super::patch`]) shares the
//! hand-off (`systrap_wait`) with the handler and adds no system call. The
//! handler knows where a signal caught the thread: in the trampoline's
//! return path the slot already holds the thread's whole state, so the
//! signal is reported with it; before the hand-off (entry stubs,
//! trampoline entry, waiting) an asynchronous signal is kept in the slot
//! and reported once the system call is served, and a fault is reported
//! as it is.

use std::sync::OnceLock;

use rustix::mm::MprotectFlags;

use super::layout::*;
use crate::memfile::PAGE_SIZE;
use crate::stub::layout::{STUB_REGION_END, STUB_REGION_START, TASK_SIZE};
use crate::stub::region::fill_code_pages;
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
    "mov eax, 9", // mmap(TRAP_TABLE, LEN, R, MAP_SHARED|MAP_FIXED, r15, r13)
    "mov edi, {trap_table}",
    "mov esi, {trap_table_len}",
    "mov edx, 1",
    "mov r10d, 0x11",
    "mov r8, r15",
    "mov r9, r13",
    "syscall",
    "cmp rax, {trap_table}",
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
    "mov eax, 11", // munmap(0, TRAP_TABLE)
    "xor edi, edi",
    "mov esi, {trap_table}",
    "syscall",
    "test rax, rax",
    "jnz 9f",
    "mov eax, 11", // munmap(TRAP_TABLE + LEN, STUB_REGION_START - that)
    "mov edi, {trap_table_end}",
    "movabs rsi, {low_len}",
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
    // Where was the thread? Inside the trampoline's return path the slot
    // already holds the thread's whole state: report the signal with it.
    "mov rcx, [r9 + 168]", // uc_mcontext.gregs[REG_RIP]
    "lea rax, [rip + systrap_tramp_resume]",
    "cmp rcx, rax",
    "jb 10f",
    "lea rax, [rip + systrap_tramp_end]",
    "cmp rcx, rax",
    "jb 13f",
    "10:", // before the hand-off (trampoline entry, entry stubs, wait loop)?
    "lea rax, [rip + systrap_tramp]",
    "cmp rcx, rax",
    "jb 11f",
    "lea rax, [rip + systrap_tramp_resume]",
    "cmp rcx, rax",
    "jb 12f",
    "11:",
    "lea rax, [rip + systrap_wait]",
    "cmp rcx, rax",
    "jb 14f",
    "lea rax, [rip + systrap_wait_end]",
    "cmp rcx, rax",
    "jb 12f",
    "14:",
    "movabs rax, {entry_code}",
    "cmp rcx, rax",
    "jb 15f",
    "movabs rax, {entry_end}",
    "cmp rcx, rax",
    "jae 15f",
    "12:", // an asynchronous signal there is kept for later; a fault is an event
    "cmp dword ptr [rsi + 8], 0",
    "jg 15f",
    "mov ecx, [rsi + 8]", // code and address first: the Sentry takes the number, then reads them
    "mov [r8 + {off_pending_code}], ecx",
    "mov rcx, [rsi + 16]",
    "mov [r8 + {off_pending_addr}], rcx",
    "mov [r8 + {off_pending_signo}], edi",
    "ret",
    "13:", // the slot's state is the thread's: only the signal is new
    "mov [r8 + {off_signo}], edi",
    "mov ecx, [rsi + 8]",
    "mov [r8 + {off_code}], ecx",
    "mov rcx, [rsi + 16]",
    "mov [r8 + {off_addr}], rcx",
    "jmp 2f",
    "15:",
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
    "call systrap_wait",
    "cmp eax, {resume}",
    "jne systrap_thread_exit",
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
    "systrap_no_drain:", // resume: slot -> frame
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
    // The frame still holds the FP state unless the Sentry wrote a new one.
    "cmp dword ptr [r8 + {off_fp_dirty}], 0",
    "je 2f",
    "call 6f",
    "mov rdi, rsi",
    "lea rsi, [r8 + {off_fp}]",
    "rep movsb",
    "mov dword ptr [r8 + {off_fp_dirty}], 0",
    "2:",
    "mov rcx, [r8 + {off_fs}]",
    "wrfsbase rcx",
    "mov rcx, [r8 + {off_gs}]",
    "wrgsbase rcx",
    "ret", // to the restorer the kernel put in the frame
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
    // ---- hand-off: r8 = slot; publishes the event in the slot, wakes the
    // Sentry, waits for its answer; returns eax = RESUME or EXIT. Clobbers
    // rax, rcx, rdx, rsi, rdi, r10, r11 ----
    "systrap_wait:",
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
    "je 5f",
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
    "5:",
    "ret",
    "systrap_wait_end:",
    // ---- patched system call sites: `jmp [TRAP_TABLE + 8k]` lands in
    // entry stub k (`mov ecx, 2k; jmp systrap_tramp`). rax, rcx, r11 are
    // free (a `syscall` clobbers them), the flags and everything else
    // belong to the application, and rsp - 128 .. rsp is its red zone ----
    "systrap_tramp:",
    "lahf", // ax = the arithmetic flags (ah) and OF (al)
    "seto al",
    "and ecx, {entry_mask}",
    "cmp qword ptr [rcx * 8 + {trap_info}], 0",
    "je systrap_tramp_fallback_flags", // site unknown in this address space
    "rdgsbase r11", // gs_base is this thread's slot, unless the application set its own
    "test r11d, {slot_low}",
    "jnz systrap_tramp_fallback_flags",
    "cmp r11, [rip + systrap_slots_first]",
    "jb systrap_tramp_fallback_flags",
    "cmp r11, [rip + systrap_slots_last]",
    "ja systrap_tramp_fallback_flags",
    "mov [r11 + {g_rsp}], rsp",
    "lea rsp, [r11 + {slot_size}]", // the slot's stack, never the red zone
    "add al, 0x7f", // OF again, then the others
    "sahf",
    "pushfq",
    "pop qword ptr [r11 + {g_efl}]",
    "push 2", // clean flags for the trampoline (DF, TF, AC clear)
    "popfq",
    "mov [r11 + {g_r8}], r8",
    "mov [r11 + {g_r8} + 8], r9",
    "mov [r11 + {g_r8} + 16], r10",
    "mov [r11 + {g_r8} + 32], r12",
    "mov [r11 + {g_r8} + 40], r13",
    "mov [r11 + {g_r8} + 48], r14",
    "mov [r11 + {g_r8} + 56], r15",
    "mov [r11 + {g_r8} + 64], rdi",
    "mov [r11 + {g_r8} + 72], rsi",
    "mov [r11 + {g_r8} + 80], rbp",
    "mov [r11 + {g_r8} + 88], rbx",
    "mov [r11 + {g_r8} + 96], rdx",
    "mov r8, r11",
    "mov rax, [rcx * 8 + {trap_info}]", // as after `syscall`: rcx = rip, r11 = rflags
    "mov [r8 + {g_rip}], rax",
    "mov [r8 + {g_rcx}], rax",
    "mov rax, [rcx * 8 + {trap_info} + 8]",
    "mov [r8 + {g_rax}], rax",
    "mov rax, [r8 + {g_efl}]",
    "mov [r8 + {g_r8} + 24], rax",
    "mov dword ptr [r8 + {off_signo}], 0", // 0: a patched system call
    "rdfsbase rax",
    "mov [r8 + {off_fs}], rax",
    "mov [r8 + {off_gs}], r8",
    "mov eax, -1",
    "mov edx, -1",
    "xsave64 [r8 + {off_fp}]",
    "rdtscp",
    "and ecx, 0xfff",
    "mov [r8 + {off_cpu}], ecx",
    "shl rdx, 32",
    "or rax, rdx",
    "mov [r8 + {off_t_entry}], rax",
    "call systrap_wait",
    "cmp eax, {resume}",
    "jne systrap_thread_exit",
    "jmp systrap_tramp_resume",
    "systrap_tramp_fallback_flags:", // the application's state, rcx = 2k: the Sentry serves it
    "add al, 0x7f",
    "sahf",
    "systrap_tramp_fallback:",
    "ud2",
    // From here on the slot holds the thread's whole state (the Sentry's
    // answer); a signal here is reported with it (see the handler).
    "systrap_tramp_resume:",
    "mov ecx, [r8 + {off_pending_signo}]",
    "test ecx, ecx",
    "jz 2f",
    "mov dword ptr [r8 + {off_pending_signo}], 0", // report the kept signal first
    "mov [r8 + {off_signo}], ecx",
    "mov ecx, [r8 + {off_pending_code}]",
    "mov [r8 + {off_code}], ecx",
    "mov rcx, [r8 + {off_pending_addr}]",
    "mov [r8 + {off_addr}], rcx",
    "call systrap_wait",
    "cmp eax, {resume}",
    "jne systrap_thread_exit",
    "jmp systrap_tramp_resume",
    "2:",
    "rdtsc",
    "shl rdx, 32",
    "or rax, rdx",
    "mov [r8 + {off_t_resumed}], rax",
    "cmp dword ptr [r8 + {off_fp_dirty}], 0",
    "je 3f",
    "mov eax, -1",
    "mov edx, -1",
    "xrstor64 [r8 + {off_fp}]",
    "mov dword ptr [r8 + {off_fp_dirty}], 0", // only now: see the handler
    "3:",
    "mov rax, [r8 + {off_fs}]",
    "wrfsbase rax",
    "mov rax, [r8 + {off_gs}]",
    "wrgsbase rax",
    "lea rsp, [r8 + {slot_size} - 40]", // iretq frame: rip, cs, rflags, rsp, ss
    "mov rax, [r8 + {g_rip}]",
    "mov [rsp], rax",
    "mov qword ptr [rsp + 8], 0x33",
    "mov rax, [r8 + {g_efl}]",
    "mov [rsp + 16], rax",
    "mov rax, [r8 + {g_rsp}]",
    "mov [rsp + 24], rax",
    "mov qword ptr [rsp + 32], 0x2b",
    "mov r9, [r8 + {g_r8} + 8]",
    "mov r10, [r8 + {g_r8} + 16]",
    "mov r11, [r8 + {g_r8} + 24]",
    "mov r12, [r8 + {g_r8} + 32]",
    "mov r13, [r8 + {g_r8} + 40]",
    "mov r14, [r8 + {g_r8} + 48]",
    "mov r15, [r8 + {g_r8} + 56]",
    "mov rdi, [r8 + {g_r8} + 64]",
    "mov rsi, [r8 + {g_r8} + 72]",
    "mov rbp, [r8 + {g_r8} + 80]",
    "mov rbx, [r8 + {g_r8} + 88]",
    "mov rdx, [r8 + {g_r8} + 96]",
    "mov rax, [r8 + {g_rax}]",
    "mov rcx, [r8 + {g_rcx}]",
    "mov r8, [r8 + {g_r8}]",
    "iretq",
    "systrap_tramp_end:",
    "systrap_thread_exit:", // exit(0): CLONE_CHILD_CLEARTID tells the Sentry
    "mov eax, 60",
    "xor edi, edi",
    "syscall",
    "systrap_site_exit:",
    "ud2",
    // ---- restorer ----
    "systrap_restorer:",
    "mov eax, 15",
    "syscall",
    "systrap_site_sigreturn:",
    "ud2",
    ".balign 8",
    "systrap_interrupt_set:",
    ".quad {interrupt_bit}",
    "systrap_slots_first:",
    ".quad {slots}",
    "systrap_slots_last:",
    ".quad {slots_last}",
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
    ".quad systrap_tramp",
    ".quad systrap_tramp_fallback",
    ".popsection",
    ".popsection",
    slots = const SLOTS_START,
    slots_end = const SLOTS_START + CTX_LEN,
    slots_last = const SLOTS_START + CTX_LEN - SLOT_SIZE,
    slot_size = const SLOT_SIZE,
    slot_low = const SLOT_SIZE - 1,
    entry_code = const ENTRY_CODE,
    entry_end = const ENTRY_CODE + ENTRY_LEN * TRAP_ENTRIES,
    entry_mask = const 2 * TRAP_ENTRIES - 2,
    trap_info = const TRAP_INFO,
    g_r8 = const OFF_GREGS,
    g_rax = const OFF_GREGS + 8 * 13,
    g_rcx = const OFF_GREGS + 8 * 14,
    g_rsp = const OFF_GREGS + 8 * 15,
    g_rip = const OFF_GREGS + 8 * 16,
    g_efl = const OFF_GREGS + 8 * 17,
    off_pending_signo = const OFF_PENDING_SIGNO,
    off_pending_code = const OFF_PENDING_CODE,
    off_pending_addr = const OFF_PENDING_ADDR,
    off_fp_dirty = const OFF_FP_DIRTY,
    slot_mask = const -(SLOT_SIZE as i64),
    trap_table = const TRAP_TABLE,
    trap_table_len = const TRAP_TABLE_LEN,
    trap_table_end = const TRAP_TABLE + TRAP_TABLE_LEN,
    low_len = const STUB_REGION_START - TRAP_TABLE - TRAP_TABLE_LEN,
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
    static platform_systrap_symbols: [u64; 15];
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
    /// The syscall trampoline that entry stubs jump to.
    pub tramp: u64,
    /// The trampoline's `ud2` for a site it cannot serve itself (`rcx` =
    /// twice the trap table entry).
    pub tramp_fallback: u64,
}

fn symbols() -> [u64; 15] {
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
        tramp: at(13),
        tramp_fallback: at(14),
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
    // The filter page: `struct sock_fprog` { u16 len; filter pointer at 8 }
    // at 0, the program at FILTER_PROG_OFFSET.
    let mut page = vec![0u8; FILTER_PROG_OFFSET as usize];
    page[..2].copy_from_slice(&(prog.len() as u16).to_le_bytes());
    page[8..16].copy_from_slice(&(FILTER_PAGE + FILTER_PROG_OFFSET).to_le_bytes());
    for ins in &prog {
        page.extend_from_slice(&ins.code.to_le_bytes());
        page.extend_from_slice(&[ins.jt, ins.jf]);
        page.extend_from_slice(&ins.k.to_le_bytes());
    }
    let rx = MprotectFlags::READ | MprotectFlags::EXEC;
    fill_code_pages(CODE_START, code, rx)?;
    fill_code_pages(FILTER_PAGE, &page, MprotectFlags::READ)?;
    fill_code_pages(ENTRY_CODE, &entry_stubs(sites().tramp), rx)
}

/// The trap table's entry stubs: stub `k` at `ENTRY_CODE + k * ENTRY_LEN`
/// is `mov ecx, 2k; jmp tramp`.
fn entry_stubs(tramp: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity((TRAP_ENTRIES * ENTRY_LEN) as usize);
    for k in 0..TRAP_ENTRIES {
        let next = ENTRY_CODE + (k + 1) * ENTRY_LEN;
        let rel = tramp.wrapping_sub(next) as i64 as i32;
        out.push(0xb9);
        out.extend_from_slice(&((2 * k) as u32).to_le_bytes());
        out.push(0xe9);
        out.extend_from_slice(&rel.to_le_bytes());
    }
    out
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
            s.drain,
            s.wake,
            s.wait,
            s.tramp,
            s.tramp_fallback,
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

    #[test]
    fn entry_stubs_jump_to_the_trampoline() {
        let t = sites().tramp;
        let b = entry_stubs(t);
        assert_eq!(b.len() as u64, TRAP_ENTRIES * ENTRY_LEN);
        for k in [0u64, 7, TRAP_ENTRIES - 1] {
            let e = &b[(k * ENTRY_LEN) as usize..][..ENTRY_LEN as usize];
            assert_eq!(e[0], 0xb9);
            assert_eq!(
                u32::from_le_bytes(e[1..5].try_into().unwrap()) as u64,
                2 * k
            );
            assert_eq!(e[5], 0xe9);
            let rel = i32::from_le_bytes(e[6..10].try_into().unwrap()) as i64;
            let next = ENTRY_CODE + (k + 1) * ENTRY_LEN;
            assert_eq!(next.wrapping_add_signed(rel), t);
        }
        // No `syscall` (0f 05) or `int 0x80` (cd 80) byte pair anywhere.
        assert!(!b.windows(2).any(|w| w == [0x0f, 0x05] || w == [0xcd, 0x80]));
    }
}
