//! `<linux/prctl.h>` and `<asm/prctl.h>`: `prctl(2)` options and their
//! arguments, and the x86-64 `arch_prctl(2)` codes.

/// Set the signal sent when the parent dies.
pub const PR_SET_PDEATHSIG: i32 = 1;
/// Get the parent-death signal.
pub const PR_GET_PDEATHSIG: i32 = 2;
/// Get the dumpable flag.
pub const PR_GET_DUMPABLE: i32 = 3;
/// Set the dumpable flag (also governs ptrace and /proc ownership).
pub const PR_SET_DUMPABLE: i32 = 4;
/// Get unaligned-access control (not on x86).
pub const PR_GET_UNALIGN: i32 = 5;
/// Set unaligned-access control (not on x86).
pub const PR_SET_UNALIGN: i32 = 6;
/// Get the keep-capabilities flag.
pub const PR_GET_KEEPCAPS: i32 = 7;
/// Set the keep-capabilities flag.
pub const PR_SET_KEEPCAPS: i32 = 8;
/// Get FP emulation control (not on x86).
pub const PR_GET_FPEMU: i32 = 9;
/// Set FP emulation control (not on x86).
pub const PR_SET_FPEMU: i32 = 10;
/// Get FP exception mode (powerpc).
pub const PR_GET_FPEXC: i32 = 11;
/// Set FP exception mode (powerpc).
pub const PR_SET_FPEXC: i32 = 12;
/// Get process timing method.
pub const PR_GET_TIMING: i32 = 13;
/// Set process timing method.
pub const PR_SET_TIMING: i32 = 14;
/// Set the thread name (`comm`, 16 bytes with NUL).
pub const PR_SET_NAME: i32 = 15;
/// Get the thread name.
pub const PR_GET_NAME: i32 = 16;
/// Get endianness (powerpc).
pub const PR_GET_ENDIAN: i32 = 19;
/// Set endianness (powerpc).
pub const PR_SET_ENDIAN: i32 = 20;
/// Get the seccomp mode.
pub const PR_GET_SECCOMP: i32 = 21;
/// Set the seccomp mode.
pub const PR_SET_SECCOMP: i32 = 22;
/// Whether a capability is in the bounding set.
pub const PR_CAPBSET_READ: i32 = 23;
/// Drop a capability from the bounding set.
pub const PR_CAPBSET_DROP: i32 = 24;
/// Get whether `rdtsc` is allowed.
pub const PR_GET_TSC: i32 = 25;
/// Set whether `rdtsc` is allowed.
pub const PR_SET_TSC: i32 = 26;
/// Get the secure bits.
pub const PR_GET_SECUREBITS: i32 = 27;
/// Set the secure bits.
pub const PR_SET_SECUREBITS: i32 = 28;
/// Set the timer slack in ns.
pub const PR_SET_TIMERSLACK: i32 = 29;
/// Get the timer slack.
pub const PR_GET_TIMERSLACK: i32 = 30;
/// Disable the task's perf counters.
pub const PR_TASK_PERF_EVENTS_DISABLE: i32 = 31;
/// Enable the task's perf counters.
pub const PR_TASK_PERF_EVENTS_ENABLE: i32 = 32;
/// Set the machine-check memory-corruption kill policy.
pub const PR_MCE_KILL: i32 = 33;
/// Get the machine-check kill policy.
pub const PR_MCE_KILL_GET: i32 = 34;
/// Modify kernel memory-map descriptor fields (`PR_SET_MM_*`).
pub const PR_SET_MM: i32 = 35;
/// Become a child subreaper.
pub const PR_SET_CHILD_SUBREAPER: i32 = 36;
/// Whether the caller is a child subreaper.
pub const PR_GET_CHILD_SUBREAPER: i32 = 37;
/// Set `no_new_privs` (irreversible).
pub const PR_SET_NO_NEW_PRIVS: i32 = 38;
/// Get `no_new_privs`.
pub const PR_GET_NO_NEW_PRIVS: i32 = 39;
/// Get the `clear_child_tid` address.
pub const PR_GET_TID_ADDRESS: i32 = 40;
/// Disable transparent huge pages.
pub const PR_SET_THP_DISABLE: i32 = 41;
/// Get the THP-disable flag.
pub const PR_GET_THP_DISABLE: i32 = 42;
/// Obsolete MPX control (returns `EINVAL`).
pub const PR_MPX_ENABLE_MANAGEMENT: i32 = 43;
/// Obsolete MPX control (returns `EINVAL`).
pub const PR_MPX_DISABLE_MANAGEMENT: i32 = 44;
/// Set FP mode (MIPS).
pub const PR_SET_FP_MODE: i32 = 45;
/// Get FP mode (MIPS).
pub const PR_GET_FP_MODE: i32 = 46;
/// Ambient capability operations (`PR_CAP_AMBIENT_*`).
pub const PR_CAP_AMBIENT: i32 = 47;
/// Set the SVE vector length (arm64).
pub const PR_SVE_SET_VL: i32 = 50;
/// Get the SVE vector length (arm64).
pub const PR_SVE_GET_VL: i32 = 51;
/// Get a speculation-misfeature control (`PR_SPEC_*`).
pub const PR_GET_SPECULATION_CTRL: i32 = 52;
/// Set a speculation-misfeature control.
pub const PR_SET_SPECULATION_CTRL: i32 = 53;
/// Reset pointer-authentication keys (arm64).
pub const PR_PAC_RESET_KEYS: i32 = 54;
/// Set the tagged-address ABI (arm64).
pub const PR_SET_TAGGED_ADDR_CTRL: i32 = 55;
/// Get the tagged-address ABI (arm64).
pub const PR_GET_TAGGED_ADDR_CTRL: i32 = 56;
/// Mark the task as an I/O flusher.
pub const PR_SET_IO_FLUSHER: i32 = 57;
/// Get the I/O-flusher flag.
pub const PR_GET_IO_FLUSHER: i32 = 58;
/// Configure syscall user dispatch.
pub const PR_SET_SYSCALL_USER_DISPATCH: i32 = 59;
/// Enable pointer-authentication keys (arm64).
pub const PR_PAC_SET_ENABLED_KEYS: i32 = 60;
/// Get enabled pointer-authentication keys (arm64).
pub const PR_PAC_GET_ENABLED_KEYS: i32 = 61;
/// Core-scheduling cookies (`PR_SCHED_CORE_*`).
pub const PR_SCHED_CORE: i32 = 62;
/// Set the SME vector length (arm64).
pub const PR_SME_SET_VL: i32 = 63;
/// Get the SME vector length (arm64).
pub const PR_SME_GET_VL: i32 = 64;
/// Set memory-deny-write-execute (`PR_MDWE_*`).
pub const PR_SET_MDWE: i32 = 65;
/// Get memory-deny-write-execute.
pub const PR_GET_MDWE: i32 = 66;
/// Enable KSM for the whole process.
pub const PR_SET_MEMORY_MERGE: i32 = 67;
/// Get the KSM process flag.
pub const PR_GET_MEMORY_MERGE: i32 = 68;
/// Allow a process to ptrace the caller (Yama).
pub const PR_SET_PTRACER: i32 = 0x5961_6d61;
/// `PR_SET_PTRACER` argument: any process may trace the caller.
pub const PR_SET_PTRACER_ANY: u64 = u64::MAX;
/// Per-VMA settings (`PR_SET_VMA_*`).
pub const PR_SET_VMA: i32 = 0x5356_4d41;
/// `PR_SET_UNALIGN`: silently fix up.
pub const PR_UNALIGN_NOPRINT: u64 = 1;
/// `PR_SET_UNALIGN`: send `SIGBUS`.
pub const PR_UNALIGN_SIGBUS: u64 = 2;
/// `PR_SET_TIMING`: statistical timing.
pub const PR_TIMING_STATISTICAL: u64 = 0;
/// `PR_SET_TIMING`: timestamp timing.
pub const PR_TIMING_TIMESTAMP: u64 = 1;
/// `PR_SET_TSC`: allow `rdtsc`.
pub const PR_TSC_ENABLE: u64 = 1;
/// `PR_SET_TSC`: `rdtsc` raises `SIGSEGV`.
pub const PR_TSC_SIGSEGV: u64 = 2;
/// `PR_MCE_KILL`: clear the policy.
pub const PR_MCE_KILL_CLEAR: u64 = 0;
/// `PR_MCE_KILL`: set the policy.
pub const PR_MCE_KILL_SET: u64 = 1;
/// `PR_MCE_KILL` policy: kill late.
pub const PR_MCE_KILL_LATE: u64 = 0;
/// `PR_MCE_KILL` policy: kill early.
pub const PR_MCE_KILL_EARLY: u64 = 1;
/// `PR_MCE_KILL` policy: system default.
pub const PR_MCE_KILL_DEFAULT: u64 = 2;
/// `PR_SET_MM`: start of the text segment.
pub const PR_SET_MM_START_CODE: u64 = 1;
/// `PR_SET_MM`: end of the text segment.
pub const PR_SET_MM_END_CODE: u64 = 2;
/// `PR_SET_MM`: start of the data segment.
pub const PR_SET_MM_START_DATA: u64 = 3;
/// `PR_SET_MM`: end of the data segment.
pub const PR_SET_MM_END_DATA: u64 = 4;
/// `PR_SET_MM`: start of the stack.
pub const PR_SET_MM_START_STACK: u64 = 5;
/// `PR_SET_MM`: start of the heap.
pub const PR_SET_MM_START_BRK: u64 = 6;
/// `PR_SET_MM`: current brk.
pub const PR_SET_MM_BRK: u64 = 7;
/// `PR_SET_MM`: start of argv.
pub const PR_SET_MM_ARG_START: u64 = 8;
/// `PR_SET_MM`: end of argv.
pub const PR_SET_MM_ARG_END: u64 = 9;
/// `PR_SET_MM`: start of the environment.
pub const PR_SET_MM_ENV_START: u64 = 10;
/// `PR_SET_MM`: end of the environment.
pub const PR_SET_MM_ENV_END: u64 = 11;
/// `PR_SET_MM`: the auxiliary vector.
pub const PR_SET_MM_AUXV: u64 = 12;
/// `PR_SET_MM`: `/proc/self/exe`.
pub const PR_SET_MM_EXE_FILE: u64 = 13;
/// `PR_SET_MM`: all fields at once (`prctl_mm_map`).
pub const PR_SET_MM_MAP: u64 = 14;
/// `PR_SET_MM`: size of `prctl_mm_map`.
pub const PR_SET_MM_MAP_SIZE: u64 = 15;
/// `PR_CAP_AMBIENT`: test a capability.
pub const PR_CAP_AMBIENT_IS_SET: u64 = 1;
/// `PR_CAP_AMBIENT`: raise a capability.
pub const PR_CAP_AMBIENT_RAISE: u64 = 2;
/// `PR_CAP_AMBIENT`: lower a capability.
pub const PR_CAP_AMBIENT_LOWER: u64 = 3;
/// `PR_CAP_AMBIENT`: clear the set.
pub const PR_CAP_AMBIENT_CLEAR_ALL: u64 = 4;
/// `PR_*_SPECULATION_CTRL`: speculative store bypass.
pub const PR_SPEC_STORE_BYPASS: u64 = 0;
/// `PR_*_SPECULATION_CTRL`: indirect branch speculation.
pub const PR_SPEC_INDIRECT_BRANCH: u64 = 1;
/// `PR_*_SPECULATION_CTRL`: L1D flush on context switch.
pub const PR_SPEC_L1D_FLUSH: u64 = 2;
/// Speculation control result: not affected.
pub const PR_SPEC_NOT_AFFECTED: u64 = 0;
/// Speculation control result: controllable by prctl.
pub const PR_SPEC_PRCTL: u64 = 1;
/// Speculation control: enabled (mitigation off).
pub const PR_SPEC_ENABLE: u64 = 2;
/// Speculation control: disabled (mitigation on).
pub const PR_SPEC_DISABLE: u64 = 4;
/// Speculation control: disabled, irreversibly.
pub const PR_SPEC_FORCE_DISABLE: u64 = 8;
/// Speculation control: disabled until exec.
pub const PR_SPEC_DISABLE_NOEXEC: u64 = 16;
/// Syscall user dispatch off.
pub const PR_SYS_DISPATCH_OFF: u64 = 0;
/// Syscall user dispatch on.
pub const PR_SYS_DISPATCH_ON: u64 = 1;
/// `PR_SET_MDWE`: refuse to make writable memory executable.
pub const PR_MDWE_REFUSE_EXEC_GAIN: u64 = 1;
/// `PR_SET_MDWE`: don't inherit across fork.
pub const PR_MDWE_NO_INHERIT: u64 = 2;
/// `PR_SET_VMA`: name an anonymous mapping.
pub const PR_SET_VMA_ANON_NAME: u64 = 0;
/// Length of a thread name (`comm`) including its NUL.
pub const TASK_COMM_LEN: usize = 16;

/// `arch_prctl`: set the GS base.
pub const ARCH_SET_GS: i32 = 0x1001;
/// `arch_prctl`: set the FS base (TLS).
pub const ARCH_SET_FS: i32 = 0x1002;
/// `arch_prctl`: get the FS base.
pub const ARCH_GET_FS: i32 = 0x1003;
/// `arch_prctl`: get the GS base.
pub const ARCH_GET_GS: i32 = 0x1004;
/// `arch_prctl`: whether `cpuid` is allowed.
pub const ARCH_GET_CPUID: i32 = 0x1011;
/// `arch_prctl`: allow or fault `cpuid`.
pub const ARCH_SET_CPUID: i32 = 0x1012;
/// `arch_prctl`: supported XSAVE features.
pub const ARCH_GET_XCOMP_SUPP: i32 = 0x1021;
/// `arch_prctl`: permitted XSAVE features.
pub const ARCH_GET_XCOMP_PERM: i32 = 0x1022;
/// `arch_prctl`: request an XSAVE feature (AMX).
pub const ARCH_REQ_XCOMP_PERM: i32 = 0x1023;
/// `arch_prctl`: permitted guest XSAVE features.
pub const ARCH_GET_XCOMP_GUEST_PERM: i32 = 0x1024;
/// `arch_prctl`: request a guest XSAVE feature.
pub const ARCH_REQ_XCOMP_GUEST_PERM: i32 = 0x1025;
/// `arch_prctl`: map the x32 vDSO.
pub const ARCH_MAP_VDSO_X32: i32 = 0x2001;
/// `arch_prctl`: map the 32-bit vDSO.
pub const ARCH_MAP_VDSO_32: i32 = 0x2002;
/// `arch_prctl`: map the 64-bit vDSO.
pub const ARCH_MAP_VDSO_64: i32 = 0x2003;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_match_libc() {
        let pairs = [
            (PR_SET_PDEATHSIG, libc::PR_SET_PDEATHSIG as i64),
            (PR_GET_PDEATHSIG, libc::PR_GET_PDEATHSIG as i64),
            (PR_GET_DUMPABLE, libc::PR_GET_DUMPABLE as i64),
            (PR_SET_DUMPABLE, libc::PR_SET_DUMPABLE as i64),
            (PR_GET_UNALIGN, libc::PR_GET_UNALIGN as i64),
            (PR_SET_UNALIGN, libc::PR_SET_UNALIGN as i64),
            (PR_GET_KEEPCAPS, libc::PR_GET_KEEPCAPS as i64),
            (PR_SET_KEEPCAPS, libc::PR_SET_KEEPCAPS as i64),
            (PR_GET_FPEMU, libc::PR_GET_FPEMU as i64),
            (PR_SET_FPEMU, libc::PR_SET_FPEMU as i64),
            (PR_GET_FPEXC, libc::PR_GET_FPEXC as i64),
            (PR_SET_FPEXC, libc::PR_SET_FPEXC as i64),
            (PR_GET_TIMING, libc::PR_GET_TIMING as i64),
            (PR_SET_TIMING, libc::PR_SET_TIMING as i64),
            (PR_SET_NAME, libc::PR_SET_NAME as i64),
            (PR_GET_NAME, libc::PR_GET_NAME as i64),
            (PR_GET_ENDIAN, libc::PR_GET_ENDIAN as i64),
            (PR_SET_ENDIAN, libc::PR_SET_ENDIAN as i64),
            (PR_GET_SECCOMP, libc::PR_GET_SECCOMP as i64),
            (PR_SET_SECCOMP, libc::PR_SET_SECCOMP as i64),
            (PR_CAPBSET_READ, libc::PR_CAPBSET_READ as i64),
            (PR_CAPBSET_DROP, libc::PR_CAPBSET_DROP as i64),
            (PR_GET_TSC, libc::PR_GET_TSC as i64),
            (PR_SET_TSC, libc::PR_SET_TSC as i64),
            (PR_GET_SECUREBITS, libc::PR_GET_SECUREBITS as i64),
            (PR_SET_SECUREBITS, libc::PR_SET_SECUREBITS as i64),
            (PR_SET_TIMERSLACK, libc::PR_SET_TIMERSLACK as i64),
            (PR_GET_TIMERSLACK, libc::PR_GET_TIMERSLACK as i64),
            (
                PR_TASK_PERF_EVENTS_DISABLE,
                libc::PR_TASK_PERF_EVENTS_DISABLE as i64,
            ),
            (
                PR_TASK_PERF_EVENTS_ENABLE,
                libc::PR_TASK_PERF_EVENTS_ENABLE as i64,
            ),
            (PR_MCE_KILL, libc::PR_MCE_KILL as i64),
            (PR_MCE_KILL_GET, libc::PR_MCE_KILL_GET as i64),
            (PR_SET_MM, libc::PR_SET_MM as i64),
            (PR_SET_CHILD_SUBREAPER, libc::PR_SET_CHILD_SUBREAPER as i64),
            (PR_GET_CHILD_SUBREAPER, libc::PR_GET_CHILD_SUBREAPER as i64),
            (PR_SET_NO_NEW_PRIVS, libc::PR_SET_NO_NEW_PRIVS as i64),
            (PR_GET_NO_NEW_PRIVS, libc::PR_GET_NO_NEW_PRIVS as i64),
            (PR_GET_TID_ADDRESS, libc::PR_GET_TID_ADDRESS as i64),
            (PR_SET_THP_DISABLE, libc::PR_SET_THP_DISABLE as i64),
            (PR_GET_THP_DISABLE, libc::PR_GET_THP_DISABLE as i64),
            (
                PR_MPX_ENABLE_MANAGEMENT,
                libc::PR_MPX_ENABLE_MANAGEMENT as i64,
            ),
            (
                PR_MPX_DISABLE_MANAGEMENT,
                libc::PR_MPX_DISABLE_MANAGEMENT as i64,
            ),
            (PR_SET_FP_MODE, libc::PR_SET_FP_MODE as i64),
            (PR_GET_FP_MODE, libc::PR_GET_FP_MODE as i64),
            (PR_CAP_AMBIENT, libc::PR_CAP_AMBIENT as i64),
            (
                PR_GET_SPECULATION_CTRL,
                libc::PR_GET_SPECULATION_CTRL as i64,
            ),
            (
                PR_SET_SPECULATION_CTRL,
                libc::PR_SET_SPECULATION_CTRL as i64,
            ),
            (PR_SCHED_CORE, libc::PR_SCHED_CORE as i64),
            (PR_SET_MDWE, libc::PR_SET_MDWE as i64),
            (PR_GET_MDWE, libc::PR_GET_MDWE as i64),
            (PR_SET_MEMORY_MERGE, libc::PR_SET_MEMORY_MERGE as i64),
            (PR_GET_MEMORY_MERGE, libc::PR_GET_MEMORY_MERGE as i64),
            (PR_SET_PTRACER, libc::PR_SET_PTRACER as i64),
            (PR_SET_VMA, libc::PR_SET_VMA as i64),
        ];
        for (ours, theirs) in pairs {
            assert_eq!(ours as i64, theirs);
        }
    }

    #[test]
    fn arguments_match_libc() {
        let pairs = [
            (PR_UNALIGN_NOPRINT, libc::PR_UNALIGN_NOPRINT as u64),
            (PR_UNALIGN_SIGBUS, libc::PR_UNALIGN_SIGBUS as u64),
            (PR_TIMING_STATISTICAL, libc::PR_TIMING_STATISTICAL as u64),
            (PR_TIMING_TIMESTAMP, libc::PR_TIMING_TIMESTAMP as u64),
            (PR_TSC_ENABLE, libc::PR_TSC_ENABLE as u64),
            (PR_TSC_SIGSEGV, libc::PR_TSC_SIGSEGV as u64),
            (PR_MCE_KILL_CLEAR, libc::PR_MCE_KILL_CLEAR as u64),
            (PR_MCE_KILL_SET, libc::PR_MCE_KILL_SET as u64),
            (PR_MCE_KILL_LATE, libc::PR_MCE_KILL_LATE as u64),
            (PR_MCE_KILL_EARLY, libc::PR_MCE_KILL_EARLY as u64),
            (PR_MCE_KILL_DEFAULT, libc::PR_MCE_KILL_DEFAULT as u64),
            (PR_SET_MM_START_CODE, libc::PR_SET_MM_START_CODE as u64),
            (PR_SET_MM_END_CODE, libc::PR_SET_MM_END_CODE as u64),
            (PR_SET_MM_START_DATA, libc::PR_SET_MM_START_DATA as u64),
            (PR_SET_MM_END_DATA, libc::PR_SET_MM_END_DATA as u64),
            (PR_SET_MM_START_STACK, libc::PR_SET_MM_START_STACK as u64),
            (PR_SET_MM_START_BRK, libc::PR_SET_MM_START_BRK as u64),
            (PR_SET_MM_BRK, libc::PR_SET_MM_BRK as u64),
            (PR_SET_MM_ARG_START, libc::PR_SET_MM_ARG_START as u64),
            (PR_SET_MM_ARG_END, libc::PR_SET_MM_ARG_END as u64),
            (PR_SET_MM_ENV_START, libc::PR_SET_MM_ENV_START as u64),
            (PR_SET_MM_ENV_END, libc::PR_SET_MM_ENV_END as u64),
            (PR_SET_MM_AUXV, libc::PR_SET_MM_AUXV as u64),
            (PR_SET_MM_EXE_FILE, libc::PR_SET_MM_EXE_FILE as u64),
            (PR_SET_MM_MAP, libc::PR_SET_MM_MAP as u64),
            (PR_SET_MM_MAP_SIZE, libc::PR_SET_MM_MAP_SIZE as u64),
            (PR_CAP_AMBIENT_IS_SET, libc::PR_CAP_AMBIENT_IS_SET as u64),
            (PR_CAP_AMBIENT_RAISE, libc::PR_CAP_AMBIENT_RAISE as u64),
            (PR_CAP_AMBIENT_LOWER, libc::PR_CAP_AMBIENT_LOWER as u64),
            (
                PR_CAP_AMBIENT_CLEAR_ALL,
                libc::PR_CAP_AMBIENT_CLEAR_ALL as u64,
            ),
            (PR_SPEC_STORE_BYPASS, libc::PR_SPEC_STORE_BYPASS as u64),
            (
                PR_SPEC_INDIRECT_BRANCH,
                libc::PR_SPEC_INDIRECT_BRANCH as u64,
            ),
            (PR_SPEC_NOT_AFFECTED, libc::PR_SPEC_NOT_AFFECTED as u64),
            (PR_SPEC_PRCTL, libc::PR_SPEC_PRCTL as u64),
            (PR_SPEC_ENABLE, libc::PR_SPEC_ENABLE as u64),
            (PR_SPEC_DISABLE, libc::PR_SPEC_DISABLE as u64),
            (PR_SPEC_FORCE_DISABLE, libc::PR_SPEC_FORCE_DISABLE as u64),
            (PR_SPEC_DISABLE_NOEXEC, libc::PR_SPEC_DISABLE_NOEXEC as u64),
            (
                PR_MDWE_REFUSE_EXEC_GAIN,
                libc::PR_MDWE_REFUSE_EXEC_GAIN as u64,
            ),
            (PR_MDWE_NO_INHERIT, libc::PR_MDWE_NO_INHERIT as u64),
            (PR_SET_VMA_ANON_NAME, libc::PR_SET_VMA_ANON_NAME as u64),
            (PR_SET_PTRACER_ANY, libc::PR_SET_PTRACER_ANY),
        ];
        for (ours, theirs) in pairs {
            assert_eq!(ours, theirs);
        }
        assert_eq!(TASK_COMM_LEN, 16);
    }

    #[test]
    fn options_libc_lacks_are_kernel_values() {
        // include/uapi/linux/prctl.h; checked with a C program.
        assert_eq!(
            [PR_SVE_SET_VL, PR_SVE_GET_VL, PR_PAC_RESET_KEYS],
            [50, 51, 54]
        );
        assert_eq!([PR_SET_TAGGED_ADDR_CTRL, PR_GET_TAGGED_ADDR_CTRL], [55, 56]);
        assert_eq!(
            [
                PR_SET_IO_FLUSHER,
                PR_GET_IO_FLUSHER,
                PR_SET_SYSCALL_USER_DISPATCH
            ],
            [57, 58, 59]
        );
        assert_eq!([PR_PAC_SET_ENABLED_KEYS, PR_PAC_GET_ENABLED_KEYS], [60, 61]);
        assert_eq!([PR_SME_SET_VL, PR_SME_GET_VL], [63, 64]);
        assert_eq!(
            [PR_SPEC_L1D_FLUSH, PR_SYS_DISPATCH_OFF, PR_SYS_DISPATCH_ON],
            [2, 0, 1]
        );
    }

    #[test]
    fn arch_prctl_codes_are_kernel_values() {
        // arch/x86/include/uapi/asm/prctl.h; checked with a C program.
        assert_eq!(
            [ARCH_SET_GS, ARCH_SET_FS, ARCH_GET_FS, ARCH_GET_GS],
            [4097, 4098, 4099, 4100]
        );
        assert_eq!([ARCH_GET_CPUID, ARCH_SET_CPUID], [4113, 4114]);
        assert_eq!(
            [ARCH_GET_XCOMP_SUPP, ARCH_REQ_XCOMP_PERM, ARCH_MAP_VDSO_64],
            [0x1021, 0x1023, 0x2003]
        );
    }
}
