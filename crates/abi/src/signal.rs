//! `<asm/signal.h>`, `<asm-generic/siginfo.h>`, `<linux/signalfd.h>`: signals
//! as the kernel (not glibc) sees them.
//!
//! The kernel's `sigset_t` is one 64-bit word and its `struct sigaction` is
//! `{handler, flags, restorer, mask}`; glibc's versions are larger and ordered
//! differently, so the `libc` crate's types must not be used at the
//! `rt_sigaction`/`rt_sigprocmask` boundary.

#![allow(non_camel_case_types)]

use bitflags::bitflags;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// Hangup (default action: terminate).
pub const SIGHUP: i32 = 1;
/// Interrupt from keyboard (terminate).
pub const SIGINT: i32 = 2;
/// Quit from keyboard (core dump).
pub const SIGQUIT: i32 = 3;
/// Illegal instruction (core dump).
pub const SIGILL: i32 = 4;
/// Trace/breakpoint trap (core dump).
pub const SIGTRAP: i32 = 5;
/// Abort (core dump).
pub const SIGABRT: i32 = 6;
/// Alias of [`SIGABRT`].
pub const SIGIOT: i32 = 6;
/// Bus error (core dump).
pub const SIGBUS: i32 = 7;
/// Floating-point exception (core dump).
pub const SIGFPE: i32 = 8;
/// Kill; can be neither caught, blocked nor ignored.
pub const SIGKILL: i32 = 9;
/// User-defined signal 1 (terminate).
pub const SIGUSR1: i32 = 10;
/// Invalid memory reference (core dump).
pub const SIGSEGV: i32 = 11;
/// User-defined signal 2 (terminate).
pub const SIGUSR2: i32 = 12;
/// Write to a pipe with no readers (terminate).
pub const SIGPIPE: i32 = 13;
/// Timer from `alarm(2)` (terminate).
pub const SIGALRM: i32 = 14;
/// Termination request (terminate).
pub const SIGTERM: i32 = 15;
/// Coprocessor stack fault, unused on x86-64 (terminate).
pub const SIGSTKFLT: i32 = 16;
/// Child stopped, continued or terminated (ignore).
pub const SIGCHLD: i32 = 17;
/// Continue if stopped (continue).
pub const SIGCONT: i32 = 18;
/// Stop; can be neither caught, blocked nor ignored.
pub const SIGSTOP: i32 = 19;
/// Stop from terminal (stop).
pub const SIGTSTP: i32 = 20;
/// Terminal read from a background process group (stop).
pub const SIGTTIN: i32 = 21;
/// Terminal write from a background process group (stop).
pub const SIGTTOU: i32 = 22;
/// Urgent condition on socket (ignore).
pub const SIGURG: i32 = 23;
/// CPU time limit exceeded (core dump).
pub const SIGXCPU: i32 = 24;
/// File size limit exceeded (core dump).
pub const SIGXFSZ: i32 = 25;
/// Virtual alarm clock (terminate).
pub const SIGVTALRM: i32 = 26;
/// Profiling timer expired (terminate).
pub const SIGPROF: i32 = 27;
/// Window resize (ignore).
pub const SIGWINCH: i32 = 28;
/// I/O now possible (terminate).
pub const SIGIO: i32 = 29;
/// Alias of [`SIGIO`].
pub const SIGPOLL: i32 = SIGIO;
/// Power failure (terminate).
pub const SIGPWR: i32 = 30;
/// Bad system call (core dump); also what seccomp `RET_TRAP` raises.
pub const SIGSYS: i32 = 31;
/// Alias of [`SIGSYS`].
pub const SIGUNUSED: i32 = 31;
/// The first real-time signal as the kernel numbers it (glibc reserves 32-34).
pub const SIGRTMIN: i32 = 32;
/// The last real-time signal.
pub const SIGRTMAX: i32 = 64;
/// The number of signals, the kernel's `_NSIG`: valid signal numbers are
/// `1..=NSIG`. (The uapi header's `NSIG` is a legacy 32; glibc's is 65.)
pub const NSIG: i32 = 64;

/// `sa_handler` value: take the default action.
pub const SIG_DFL: u64 = 0;
/// `sa_handler` value: ignore the signal.
pub const SIG_IGN: u64 = 1;
/// The error return of `signal(3)`, `(void (*)(int))-1`.
pub const SIG_ERR: u64 = u64::MAX;

/// `rt_sigprocmask` `how`: add the set to the blocked mask.
pub const SIG_BLOCK: i32 = 0;
/// `rt_sigprocmask` `how`: remove the set from the blocked mask.
pub const SIG_UNBLOCK: i32 = 1;
/// `rt_sigprocmask` `how`: replace the blocked mask.
pub const SIG_SETMASK: i32 = 2;

/// Returns whether `sig` is a valid signal number (`1..=NSIG`).
pub const fn valid_signal(sig: i32) -> bool {
    sig >= 1 && sig <= NSIG
}

/// The kernel's signal set: bit `sig - 1` stands for signal `sig`.
///
/// `rt_sigprocmask` and friends take it with `sigsetsize == 8`; glibc's
/// 128-byte `sigset_t` is a user-space convention.
#[repr(transparent)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct sigset_t {
    /// The bit mask.
    pub sig: u64,
}

impl sigset_t {
    /// The empty set.
    pub const EMPTY: Self = Self { sig: 0 };
    /// Every signal.
    pub const FULL: Self = Self { sig: u64::MAX };
    /// The signals that can be neither blocked nor caught: `SIGKILL` and `SIGSTOP`.
    pub const UNBLOCKABLE: Self = Self {
        sig: sigmask(SIGKILL) | sigmask(SIGSTOP),
    };

    /// Builds a set from its raw mask.
    pub const fn from_bits(sig: u64) -> Self {
        Self { sig }
    }

    /// The set holding only `sig`; empty if `sig` is not a valid signal.
    pub const fn from_signal(sig: i32) -> Self {
        Self { sig: sigmask(sig) }
    }

    /// Whether `sig` is a member; `false` for invalid signal numbers.
    pub const fn contains(self, sig: i32) -> bool {
        self.sig & sigmask(sig) != 0
    }

    /// Adds `sig`; returns `false` (and changes nothing) if `sig` is invalid.
    pub fn add(&mut self, sig: i32) -> bool {
        self.sig |= sigmask(sig);
        valid_signal(sig)
    }

    /// Removes `sig`; returns `false` (and changes nothing) if `sig` is invalid.
    pub fn remove(&mut self, sig: i32) -> bool {
        self.sig &= !sigmask(sig);
        valid_signal(sig)
    }

    /// Whether no signal is a member.
    pub const fn is_empty(self) -> bool {
        self.sig == 0
    }

    /// The signals in either set.
    pub const fn union(self, other: Self) -> Self {
        Self {
            sig: self.sig | other.sig,
        }
    }

    /// The signals in both sets.
    pub const fn intersection(self, other: Self) -> Self {
        Self {
            sig: self.sig & other.sig,
        }
    }

    /// The signals in `self` but not in `other`.
    pub const fn difference(self, other: Self) -> Self {
        Self {
            sig: self.sig & !other.sig,
        }
    }

    /// The set with `SIGKILL` and `SIGSTOP` removed, as the kernel does to
    /// every mask an application installs.
    pub const fn without_unblockable(self) -> Self {
        self.difference(Self::UNBLOCKABLE)
    }

    /// The lowest-numbered member, which is the one the kernel delivers
    /// first; `None` if the set is empty.
    pub const fn first(self) -> Option<i32> {
        if self.sig == 0 {
            None
        } else {
            Some(self.sig.trailing_zeros() as i32 + 1)
        }
    }

    /// The members, lowest first.
    pub fn iter(self) -> impl Iterator<Item = i32> {
        (1..=NSIG).filter(move |&s| self.contains(s))
    }
}

/// The mask bit of `sig` (`1 << (sig - 1)`), or 0 if `sig` is invalid.
pub const fn sigmask(sig: i32) -> u64 {
    if valid_signal(sig) {
        1u64 << (sig - 1)
    } else {
        0
    }
}

bitflags! {
    /// `sa_flags` of the kernel's `struct sigaction` (`SA_*`).
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub struct SaFlags: u64 {
        /// `SIGCHLD` only on termination, not on stop/continue.
        const SA_NOCLDSTOP = 0x0000_0001;
        /// Don't turn terminated children into zombies.
        const SA_NOCLDWAIT = 0x0000_0002;
        /// The handler takes `(sig, siginfo_t *, ucontext *)`.
        const SA_SIGINFO = 0x0000_0004;
        /// Bit the kernel always reports unsupported, to probe flag support.
        const SA_UNSUPPORTED = 0x0000_0400;
        /// Keep architecture tag bits in `si_addr` (arm64).
        const SA_EXPOSE_TAGBITS = 0x0000_0800;
        /// `sa_restorer` is valid (x86-64 requires it for a handler).
        const SA_RESTORER = 0x0400_0000;
        /// Run the handler on the alternate signal stack.
        const SA_ONSTACK = 0x0800_0000;
        /// Restart interruptible system calls after the handler.
        const SA_RESTART = 0x1000_0000;
        /// Don't block the signal while its handler runs.
        const SA_NODEFER = 0x4000_0000;
        /// Reset to `SIG_DFL` on entry to the handler.
        const SA_RESETHAND = 0x8000_0000;
        /// Old name of [`SaFlags::SA_NODEFER`].
        const SA_NOMASK = 0x4000_0000;
        /// Old name of [`SaFlags::SA_RESETHAND`].
        const SA_ONESHOT = 0x8000_0000;
    }
}

/// The kernel's `struct sigaction` as `rt_sigaction(2)` reads and writes it
/// (not glibc's layout, which puts a 128-byte mask second).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct sigaction {
    /// Handler address, or [`SIG_DFL`] / [`SIG_IGN`].
    pub sa_handler: u64,
    /// [`SaFlags`] bits.
    pub sa_flags: u64,
    /// Address of the `rt_sigreturn` trampoline (with `SA_RESTORER`).
    pub sa_restorer: u64,
    /// Signals blocked while the handler runs.
    pub sa_mask: sigset_t,
}

/// `ss_flags`: the thread is currently running on the alternate stack.
pub const SS_ONSTACK: i32 = 1;
/// `ss_flags`: the alternate stack is disabled.
pub const SS_DISABLE: i32 = 2;
/// `ss_flags`: disarm the alternate stack while a handler runs on it.
pub const SS_AUTODISARM: i32 = 1 << 31;
/// The flag bits `sigaltstack` accepts besides the mode.
pub const SS_FLAG_BITS: i32 = SS_AUTODISARM;
/// Smallest alternate stack `sigaltstack` accepts.
pub const MINSIGSTKSZ: u64 = 2048;
/// Suggested alternate stack size.
pub const SIGSTKSZ: u64 = 8192;

/// An alternate signal stack (`sigaltstack(2)`, `uc_stack`).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct stack_t {
    /// Base address.
    pub ss_sp: u64,
    /// `SS_*` flags.
    pub ss_flags: i32,
    /// Explicit padding of the C layout.
    pub _pad: u32,
    /// Size in bytes.
    pub ss_size: u64,
}

/// Whether a `si_code` says the signal came from user space (`SI_FROMUSER`):
/// `rt_sigqueueinfo` may not forge kernel codes (`si_code >= 0`) for others.
pub const fn si_fromuser(si_code: i32) -> bool {
    si_code <= 0
}

/// The name of a signal (`"SIGSEGV"`), as `--strace` prints it; `None` for
/// real-time and invalid numbers.
pub const fn signal_name(sig: i32) -> Option<&'static str> {
    Some(match sig {
        SIGHUP => "SIGHUP",
        SIGINT => "SIGINT",
        SIGQUIT => "SIGQUIT",
        SIGILL => "SIGILL",
        SIGTRAP => "SIGTRAP",
        SIGABRT => "SIGABRT",
        SIGBUS => "SIGBUS",
        SIGFPE => "SIGFPE",
        SIGKILL => "SIGKILL",
        SIGUSR1 => "SIGUSR1",
        SIGSEGV => "SIGSEGV",
        SIGUSR2 => "SIGUSR2",
        SIGPIPE => "SIGPIPE",
        SIGALRM => "SIGALRM",
        SIGTERM => "SIGTERM",
        SIGSTKFLT => "SIGSTKFLT",
        SIGCHLD => "SIGCHLD",
        SIGCONT => "SIGCONT",
        SIGSTOP => "SIGSTOP",
        SIGTSTP => "SIGTSTP",
        SIGTTIN => "SIGTTIN",
        SIGTTOU => "SIGTTOU",
        SIGURG => "SIGURG",
        SIGXCPU => "SIGXCPU",
        SIGXFSZ => "SIGXFSZ",
        SIGVTALRM => "SIGVTALRM",
        SIGPROF => "SIGPROF",
        SIGWINCH => "SIGWINCH",
        SIGIO => "SIGIO",
        SIGPWR => "SIGPWR",
        SIGSYS => "SIGSYS",
        _ => return None,
    })
}

/// `si_code`: sent by `kill(2)`/`raise(3)`.
pub const SI_USER: i32 = 0;
/// `si_code`: sent by the kernel.
pub const SI_KERNEL: i32 = 0x80;
/// `si_code`: sent by `sigqueue(3)`/`rt_sigqueueinfo`.
pub const SI_QUEUE: i32 = -1;
/// `si_code`: a POSIX timer expired.
pub const SI_TIMER: i32 = -2;
/// `si_code`: a POSIX message queue changed state.
pub const SI_MESGQ: i32 = -3;
/// `si_code`: AIO completed.
pub const SI_ASYNCIO: i32 = -4;
/// `si_code`: queued SIGIO.
pub const SI_SIGIO: i32 = -5;
/// `si_code`: sent by `tkill(2)`/`tgkill(2)`.
pub const SI_TKILL: i32 = -6;
/// `si_code`: sent by `execve` killing subsidiary threads.
pub const SI_DETHREAD: i32 = -7;
/// `si_code`: asynchronous name lookup completed.
pub const SI_ASYNCNL: i32 = -60;

/// `SIGILL` code: illegal opcode.
pub const ILL_ILLOPC: i32 = 1;
/// `SIGILL` code: illegal operand.
pub const ILL_ILLOPN: i32 = 2;
/// `SIGILL` code: illegal addressing mode.
pub const ILL_ILLADR: i32 = 3;
/// `SIGILL` code: illegal trap.
pub const ILL_ILLTRP: i32 = 4;
/// `SIGILL` code: privileged opcode.
pub const ILL_PRVOPC: i32 = 5;
/// `SIGILL` code: privileged register.
pub const ILL_PRVREG: i32 = 6;
/// `SIGILL` code: coprocessor error.
pub const ILL_COPROC: i32 = 7;
/// `SIGILL` code: internal stack error.
pub const ILL_BADSTK: i32 = 8;
/// `SIGILL` code: unimplemented instruction address.
pub const ILL_BADIADDR: i32 = 9;

/// `SIGFPE` code: integer divide by zero.
pub const FPE_INTDIV: i32 = 1;
/// `SIGFPE` code: integer overflow.
pub const FPE_INTOVF: i32 = 2;
/// `SIGFPE` code: floating-point divide by zero.
pub const FPE_FLTDIV: i32 = 3;
/// `SIGFPE` code: floating-point overflow.
pub const FPE_FLTOVF: i32 = 4;
/// `SIGFPE` code: floating-point underflow.
pub const FPE_FLTUND: i32 = 5;
/// `SIGFPE` code: floating-point inexact result.
pub const FPE_FLTRES: i32 = 6;
/// `SIGFPE` code: invalid floating-point operation.
pub const FPE_FLTINV: i32 = 7;
/// `SIGFPE` code: subscript out of range.
pub const FPE_FLTSUB: i32 = 8;
/// `SIGFPE` code: undiagnosed floating-point exception.
pub const FPE_FLTUNK: i32 = 14;
/// `SIGFPE` code: trap on condition.
pub const FPE_CONDTRAP: i32 = 15;

/// `SIGSEGV` code: address not mapped.
pub const SEGV_MAPERR: i32 = 1;
/// `SIGSEGV` code: invalid permissions for a mapped object.
pub const SEGV_ACCERR: i32 = 2;
/// `SIGSEGV` code: failed address bound checks.
pub const SEGV_BNDERR: i32 = 3;
/// `SIGSEGV` code: failed protection-key checks.
pub const SEGV_PKUERR: i32 = 4;
/// `SIGSEGV` code: ADI not enabled for the mapped object (sparc).
pub const SEGV_ACCADI: i32 = 5;
/// `SIGSEGV` code: disrupting MCD error (sparc).
pub const SEGV_ADIDERR: i32 = 6;
/// `SIGSEGV` code: precise MCD exception (sparc).
pub const SEGV_ADIPERR: i32 = 7;
/// `SIGSEGV` code: asynchronous MTE error (arm64).
pub const SEGV_MTEAERR: i32 = 8;
/// `SIGSEGV` code: synchronous MTE exception (arm64).
pub const SEGV_MTESERR: i32 = 9;
/// `SIGSEGV` code: control-protection (shadow stack) fault.
pub const SEGV_CPERR: i32 = 10;

/// `SIGBUS` code: invalid address alignment.
pub const BUS_ADRALN: i32 = 1;
/// `SIGBUS` code: nonexistent physical address (e.g. past the end of a mapped file).
pub const BUS_ADRERR: i32 = 2;
/// `SIGBUS` code: object-specific hardware error.
pub const BUS_OBJERR: i32 = 3;
/// `SIGBUS` code: hardware memory error consumed on a machine check; action required.
pub const BUS_MCEERR_AR: i32 = 4;
/// `SIGBUS` code: hardware memory error detected but not consumed; action optional.
pub const BUS_MCEERR_AO: i32 = 5;

/// `SIGTRAP` code: process breakpoint.
pub const TRAP_BRKPT: i32 = 1;
/// `SIGTRAP` code: process trace trap (single step).
pub const TRAP_TRACE: i32 = 2;
/// `SIGTRAP` code: process taken branch trap.
pub const TRAP_BRANCH: i32 = 3;
/// `SIGTRAP` code: hardware breakpoint/watchpoint.
pub const TRAP_HWBKPT: i32 = 4;
/// `SIGTRAP` code: undiagnosed trap.
pub const TRAP_UNK: i32 = 5;
/// `SIGTRAP` code: perf event with `sigtrap=1`.
pub const TRAP_PERF: i32 = 6;

/// `SIGCHLD` code: child has exited.
pub const CLD_EXITED: i32 = 1;
/// `SIGCHLD` code: child was killed.
pub const CLD_KILLED: i32 = 2;
/// `SIGCHLD` code: child terminated abnormally (dumped core).
pub const CLD_DUMPED: i32 = 3;
/// `SIGCHLD` code: traced child has trapped.
pub const CLD_TRAPPED: i32 = 4;
/// `SIGCHLD` code: child has stopped.
pub const CLD_STOPPED: i32 = 5;
/// `SIGCHLD` code: stopped child has continued.
pub const CLD_CONTINUED: i32 = 6;

/// `SIGPOLL` code: data input available.
pub const POLL_IN: i32 = 1;
/// `SIGPOLL` code: output buffers available.
pub const POLL_OUT: i32 = 2;
/// `SIGPOLL` code: input message available.
pub const POLL_MSG: i32 = 3;
/// `SIGPOLL` code: I/O error.
pub const POLL_ERR: i32 = 4;
/// `SIGPOLL` code: high-priority input available.
pub const POLL_PRI: i32 = 5;
/// `SIGPOLL` code: device disconnected.
pub const POLL_HUP: i32 = 6;

/// `SIGSYS` code: seccomp triggered.
pub const SYS_SECCOMP: i32 = 1;
/// `SIGSYS` code: syscall user dispatch triggered.
pub const SYS_USER_DISPATCH: i32 = 2;

/// Size of `siginfo_t` in bytes.
pub const SI_MAX_SIZE: usize = 128;
/// Byte offset of the `_sifields` union inside `siginfo_t` on x86-64.
pub const SI_FIELDS_OFFSET: usize = 16;

/// `siginfo_t`: what a signal carries (128 bytes).
///
/// The kernel's type is a union; here it is a fixed head plus the union as
/// 14 words, with one constructor per variant (`new_kill`, `new_rt`,
/// `new_chld`, `new_fault`, `new_timer`, `new_poll`, `new_sys`) and accessors
/// named after the C macros (`si_pid()`, `si_addr()`, ...). Which accessors are
/// meaningful depends on `si_signo`/`si_code`, exactly as in C; they never fail.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct siginfo_t {
    /// Signal number.
    pub si_signo: i32,
    /// An errno value (rarely used).
    pub si_errno: i32,
    /// Origin of the signal (`SI_*` or a per-signal code).
    pub si_code: i32,
    /// Explicit padding before the 8-aligned union.
    pub _pad: i32,
    /// The union, as words; use the accessors.
    pub _sifields: [u64; 14],
}

/// Packs two 32-bit values into one little-endian word: `lo` at the lower address.
const fn pair(lo: u32, hi: u32) -> u64 {
    (lo as u64) | ((hi as u64) << 32)
}

impl siginfo_t {
    fn head(si_signo: i32, si_code: i32) -> Self {
        Self {
            si_signo,
            si_code,
            ..Self::default()
        }
    }

    /// `kill(2)`-style signal (`SI_USER`, `SI_TKILL`, `SI_KERNEL`): sender pid and uid.
    pub fn new_kill(si_signo: i32, si_code: i32, si_pid: i32, si_uid: u32) -> Self {
        let mut s = Self::head(si_signo, si_code);
        s._sifields[0] = pair(si_pid as u32, si_uid);
        s
    }

    /// Queued real-time signal (`SI_QUEUE`, `SI_MESGQ`): sender and `sigval`.
    pub fn new_rt(si_signo: i32, si_code: i32, si_pid: i32, si_uid: u32, si_value: u64) -> Self {
        let mut s = Self::new_kill(si_signo, si_code, si_pid, si_uid);
        s._sifields[1] = si_value;
        s
    }

    /// `SIGCHLD` (`CLD_*` code): child pid/uid, exit status or signal, and its
    /// user/system CPU time in clock ticks.
    pub fn new_chld(
        si_code: i32,
        si_pid: i32,
        si_uid: u32,
        si_status: i32,
        si_utime: i64,
        si_stime: i64,
    ) -> Self {
        let mut s = Self::new_kill(SIGCHLD, si_code, si_pid, si_uid);
        s._sifields[1] = si_status as u32 as u64;
        s._sifields[2] = si_utime as u64;
        s._sifields[3] = si_stime as u64;
        s
    }

    /// Fault signal (`SIGSEGV`, `SIGBUS`, `SIGILL`, `SIGFPE`, `SIGTRAP`): faulting address.
    pub fn new_fault(si_signo: i32, si_code: i32, si_addr: u64) -> Self {
        let mut s = Self::head(si_signo, si_code);
        s._sifields[0] = si_addr;
        s
    }

    /// POSIX timer expiry (`SI_TIMER`): kernel timer id, overrun count and `sigval`.
    pub fn new_timer(si_signo: i32, si_timerid: i32, si_overrun: i32, si_value: u64) -> Self {
        let mut s = Self::head(si_signo, SI_TIMER);
        s._sifields[0] = pair(si_timerid as u32, si_overrun as u32);
        s._sifields[1] = si_value;
        s
    }

    /// `SIGPOLL`/`SIGIO` (`POLL_*` code): band event and file descriptor.
    pub fn new_poll(si_signo: i32, si_code: i32, si_band: i64, si_fd: i32) -> Self {
        let mut s = Self::head(si_signo, si_code);
        s._sifields[0] = si_band as u64;
        s._sifields[1] = si_fd as u32 as u64;
        s
    }

    /// `SIGSYS` (`SYS_SECCOMP`, `SYS_USER_DISPATCH`): calling instruction address,
    /// system-call number and `AUDIT_ARCH_*` value.
    pub fn new_sys(
        si_code: i32,
        si_errno: i32,
        si_call_addr: u64,
        si_syscall: i32,
        si_arch: u32,
    ) -> Self {
        let mut s = Self::head(SIGSYS, si_code);
        s.si_errno = si_errno;
        s._sifields[0] = si_call_addr;
        s._sifields[1] = pair(si_syscall as u32, si_arch);
        s
    }

    /// Sender pid (kill, rt, chld variants).
    pub const fn si_pid(&self) -> i32 {
        self._sifields[0] as u32 as i32
    }
    /// Sender real uid (kill, rt, chld variants).
    pub const fn si_uid(&self) -> u32 {
        (self._sifields[0] >> 32) as u32
    }
    /// `sigval` (rt and timer variants); the `sival_int` is the low 32 bits.
    pub const fn si_value(&self) -> u64 {
        self._sifields[1]
    }
    /// Exit code or signal of the child (chld variant).
    pub const fn si_status(&self) -> i32 {
        self._sifields[1] as u32 as i32
    }
    /// User CPU time of the child in clock ticks (chld variant).
    pub const fn si_utime(&self) -> i64 {
        self._sifields[2] as i64
    }
    /// System CPU time of the child in clock ticks (chld variant).
    pub const fn si_stime(&self) -> i64 {
        self._sifields[3] as i64
    }
    /// Faulting address (fault variant).
    pub const fn si_addr(&self) -> u64 {
        self._sifields[0]
    }
    /// Least significant bit of the reported address (`BUS_MCEERR_*`).
    pub const fn si_addr_lsb(&self) -> i16 {
        self._sifields[1] as u16 as i16
    }
    /// Sets [`Self::si_addr_lsb`].
    pub fn set_si_addr_lsb(&mut self, lsb: i16) {
        self._sifields[1] = lsb as u16 as u64;
    }
    /// Lower bound of a failed bound check (`SEGV_BNDERR`).
    pub const fn si_lower(&self) -> u64 {
        self._sifields[2]
    }
    /// Upper bound of a failed bound check (`SEGV_BNDERR`).
    pub const fn si_upper(&self) -> u64 {
        self._sifields[3]
    }
    /// Protection key of a `SEGV_PKUERR` fault.
    pub const fn si_pkey(&self) -> u32 {
        self._sifields[2] as u32
    }
    /// Sets [`Self::si_pkey`].
    pub fn set_si_pkey(&mut self, pkey: u32) {
        self._sifields[2] = pkey as u64;
    }
    /// Kernel timer id (timer variant).
    pub const fn si_timerid(&self) -> i32 {
        self._sifields[0] as u32 as i32
    }
    /// Timer overrun count (timer variant).
    pub const fn si_overrun(&self) -> i32 {
        (self._sifields[0] >> 32) as u32 as i32
    }
    /// Band event (poll variant).
    pub const fn si_band(&self) -> i64 {
        self._sifields[0] as i64
    }
    /// File descriptor (poll variant).
    pub const fn si_fd(&self) -> i32 {
        self._sifields[1] as u32 as i32
    }
    /// Address of the system-call instruction (sys variant).
    pub const fn si_call_addr(&self) -> u64 {
        self._sifields[0]
    }
    /// System-call number (sys variant).
    pub const fn si_syscall(&self) -> i32 {
        self._sifields[1] as u32 as i32
    }
    /// `AUDIT_ARCH_*` of the system call (sys variant).
    pub const fn si_arch(&self) -> u32 {
        (self._sifields[1] >> 32) as u32
    }
}

/// `sigev_notify`: notify by signal.
pub const SIGEV_SIGNAL: i32 = 0;
/// `sigev_notify`: no notification.
pub const SIGEV_NONE: i32 = 1;
/// `sigev_notify`: start a thread; glibc implements it, the kernel treats it as `SIGEV_SIGNAL`.
pub const SIGEV_THREAD: i32 = 2;
/// `sigev_notify`: signal a specific thread (`sigev_notify_thread_id`).
pub const SIGEV_THREAD_ID: i32 = 4;
/// Size of `struct sigevent` in bytes.
pub const SIGEV_MAX_SIZE: usize = 64;

/// `struct sigevent` (`timer_create(2)`, `mq_notify(2)`), 64 bytes.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct sigevent {
    /// `sigval` passed to the handler.
    pub sigev_value: u64,
    /// Signal to deliver.
    pub sigev_signo: i32,
    /// `SIGEV_*`.
    pub sigev_notify: i32,
    /// The union `_sigev_un`: `_tid` or `_sigev_thread`; see the accessors.
    pub _sigev_un: [u64; 6],
}

impl sigevent {
    /// The target thread id for `SIGEV_THREAD_ID`.
    pub const fn sigev_notify_thread_id(&self) -> i32 {
        self._sigev_un[0] as u32 as i32
    }
    /// Sets [`Self::sigev_notify_thread_id`].
    pub fn set_sigev_notify_thread_id(&mut self, tid: i32) {
        self._sigev_un[0] = tid as u32 as u64;
    }
}

bitflags! {
    /// `signalfd4(2)` flags (`SFD_*`).
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub struct SfdFlags: i32 {
        /// Close on exec (`O_CLOEXEC`).
        const SFD_CLOEXEC = 0o2000000;
        /// Non-blocking (`O_NONBLOCK`).
        const SFD_NONBLOCK = 0o4000;
    }
}

/// What `read(2)` on a signalfd returns per signal (128 bytes).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[allow(missing_docs)]
pub struct signalfd_siginfo {
    pub ssi_signo: u32,
    pub ssi_errno: i32,
    pub ssi_code: i32,
    pub ssi_pid: u32,
    pub ssi_uid: u32,
    pub ssi_fd: i32,
    pub ssi_tid: u32,
    pub ssi_band: u32,
    pub ssi_overrun: u32,
    pub ssi_trapno: u32,
    pub ssi_status: i32,
    pub ssi_int: i32,
    pub ssi_ptr: u64,
    pub ssi_utime: u64,
    pub ssi_stime: u64,
    pub ssi_addr: u64,
    pub ssi_addr_lsb: u16,
    pub __pad2: u16,
    pub ssi_syscall: i32,
    pub ssi_call_addr: u64,
    pub ssi_arch: u32,
    pub __pad: [u8; 28],
}

/// A signal's default disposition (`SIG_DFL`), as `signal(7)` tabulates it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DefaultAction {
    /// Terminate the thread group.
    Term,
    /// Terminate and dump core.
    Core,
    /// Ignore.
    Ign,
    /// Stop the thread group.
    Stop,
    /// Continue the thread group if stopped.
    Cont,
}

/// The default action of `sig`; `None` if `sig` is not a valid signal number.
/// Real-time signals terminate.
pub const fn default_action(sig: i32) -> Option<DefaultAction> {
    use DefaultAction::*;
    Some(match sig {
        SIGQUIT | SIGILL | SIGTRAP | SIGABRT | SIGBUS | SIGFPE | SIGSEGV | SIGXCPU | SIGXFSZ
        | SIGSYS => Core,
        SIGCHLD | SIGURG | SIGWINCH => Ign,
        SIGSTOP | SIGTSTP | SIGTTIN | SIGTTOU => Stop,
        SIGCONT => Cont,
        s if valid_signal(s) => Term,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{align_of, offset_of, size_of};

    #[test]
    fn signal_numbers_match_libc() {
        let pairs = [
            (SIGHUP, libc::SIGHUP),
            (SIGINT, libc::SIGINT),
            (SIGQUIT, libc::SIGQUIT),
            (SIGILL, libc::SIGILL),
            (SIGTRAP, libc::SIGTRAP),
            (SIGABRT, libc::SIGABRT),
            (SIGIOT, libc::SIGIOT),
            (SIGBUS, libc::SIGBUS),
            (SIGFPE, libc::SIGFPE),
            (SIGKILL, libc::SIGKILL),
            (SIGUSR1, libc::SIGUSR1),
            (SIGSEGV, libc::SIGSEGV),
            (SIGUSR2, libc::SIGUSR2),
            (SIGPIPE, libc::SIGPIPE),
            (SIGALRM, libc::SIGALRM),
            (SIGTERM, libc::SIGTERM),
            (SIGSTKFLT, libc::SIGSTKFLT),
            (SIGCHLD, libc::SIGCHLD),
            (SIGCONT, libc::SIGCONT),
            (SIGSTOP, libc::SIGSTOP),
            (SIGTSTP, libc::SIGTSTP),
            (SIGTTIN, libc::SIGTTIN),
            (SIGTTOU, libc::SIGTTOU),
            (SIGURG, libc::SIGURG),
            (SIGXCPU, libc::SIGXCPU),
            (SIGXFSZ, libc::SIGXFSZ),
            (SIGVTALRM, libc::SIGVTALRM),
            (SIGPROF, libc::SIGPROF),
            (SIGWINCH, libc::SIGWINCH),
            (SIGIO, libc::SIGIO),
            (SIGPOLL, libc::SIGPOLL),
            (SIGPWR, libc::SIGPWR),
            (SIGSYS, libc::SIGSYS),
            (SIG_BLOCK, libc::SIG_BLOCK),
            (SIG_UNBLOCK, libc::SIG_UNBLOCK),
            (SIG_SETMASK, libc::SIG_SETMASK),
        ];
        for (ours, theirs) in pairs {
            assert_eq!(ours, theirs);
        }
        assert_eq!(SIG_DFL, libc::SIG_DFL as u64);
        assert_eq!(SIG_IGN, libc::SIG_IGN as u64);
        assert_eq!(SIG_ERR, libc::SIG_ERR as u64);
    }

    #[test]
    fn codes_match_libc() {
        let pairs = [
            (SI_USER, libc::SI_USER),
            (SI_KERNEL, libc::SI_KERNEL),
            (SI_QUEUE, libc::SI_QUEUE),
            (SI_TIMER, libc::SI_TIMER),
            (SI_MESGQ, libc::SI_MESGQ),
            (SI_ASYNCIO, libc::SI_ASYNCIO),
            (SI_SIGIO, libc::SI_SIGIO),
            (SI_TKILL, libc::SI_TKILL),
            (SI_ASYNCNL, libc::SI_ASYNCNL),
            (BUS_ADRALN, libc::BUS_ADRALN),
            (BUS_OBJERR, libc::BUS_OBJERR),
            (TRAP_BRKPT, libc::TRAP_BRKPT),
            (TRAP_TRACE, libc::TRAP_TRACE),
            (CLD_EXITED, libc::CLD_EXITED),
            (CLD_CONTINUED, libc::CLD_CONTINUED),
            (SS_ONSTACK, libc::SS_ONSTACK),
            (SS_DISABLE, libc::SS_DISABLE),
            (SIGEV_SIGNAL, libc::SIGEV_SIGNAL),
            (SIGEV_NONE, libc::SIGEV_NONE),
            (SIGEV_THREAD, libc::SIGEV_THREAD),
            (SIGEV_THREAD_ID, libc::SIGEV_THREAD_ID),
        ];
        for (ours, theirs) in pairs {
            assert_eq!(ours, theirs);
        }
        assert_eq!(MINSIGSTKSZ, libc::MINSIGSTKSZ as u64);
        assert_eq!(SIGSTKSZ, libc::SIGSTKSZ as u64);
    }

    #[test]
    fn fault_codes_are_kernel_values() {
        // include/uapi/asm-generic/siginfo.h; the libc crate lacks most of these.
        assert_eq!([ILL_ILLOPC, ILL_BADSTK, ILL_BADIADDR], [1, 8, 9]);
        assert_eq!(
            [FPE_INTDIV, FPE_FLTSUB, FPE_FLTUNK, FPE_CONDTRAP],
            [1, 8, 14, 15]
        );
        assert_eq!(
            [SEGV_MAPERR, SEGV_ACCERR, SEGV_PKUERR, SEGV_CPERR],
            [1, 2, 4, 10]
        );
        assert_eq!([BUS_MCEERR_AR, BUS_MCEERR_AO], [4, 5]);
        assert_eq!([TRAP_HWBKPT, TRAP_UNK, TRAP_PERF], [4, 5, 6]);
        assert_eq!(
            [POLL_IN, POLL_OUT, POLL_MSG, POLL_ERR, POLL_PRI, POLL_HUP],
            [1, 2, 3, 4, 5, 6]
        );
        assert_eq!([SYS_SECCOMP, SYS_USER_DISPATCH], [1, 2]);
    }

    #[test]
    fn sa_flags_match_libc() {
        let pairs = [
            (SaFlags::SA_NOCLDSTOP, libc::SA_NOCLDSTOP),
            (SaFlags::SA_NOCLDWAIT, libc::SA_NOCLDWAIT),
            (SaFlags::SA_SIGINFO, libc::SA_SIGINFO),
            (SaFlags::SA_ONSTACK, libc::SA_ONSTACK),
            (SaFlags::SA_RESTART, libc::SA_RESTART),
            (SaFlags::SA_NODEFER, libc::SA_NODEFER),
            (SaFlags::SA_RESETHAND, libc::SA_RESETHAND as libc::c_int),
        ];
        for (ours, theirs) in pairs {
            assert_eq!(ours.bits(), theirs as u32 as u64);
        }
        assert_eq!(SfdFlags::SFD_CLOEXEC.bits(), libc::SFD_CLOEXEC);
        assert_eq!(SfdFlags::SFD_NONBLOCK.bits(), libc::SFD_NONBLOCK);
    }

    #[test]
    fn sigset_ops() {
        let mut s = sigset_t::EMPTY;
        assert!(s.add(SIGINT));
        assert!(s.add(SIGRTMAX));
        assert!(!s.add(0));
        assert!(!s.add(65));
        assert!(!s.add(-3));
        assert_eq!(s.sig, (1 << 1) | (1 << 63));
        assert!(s.contains(SIGINT) && s.contains(SIGRTMAX) && !s.contains(SIGTERM));
        assert!(!s.contains(0) && !s.contains(i32::MIN));
        assert_eq!(s.first(), Some(SIGINT));
        assert!(s.remove(SIGINT));
        assert_eq!(s.first(), Some(SIGRTMAX));
        assert!(!sigset_t::FULL.without_unblockable().contains(SIGKILL));
        assert!(!sigset_t::FULL.without_unblockable().contains(SIGSTOP));
        assert!(sigset_t::FULL.without_unblockable().contains(SIGTERM));
        let v: std::vec::Vec<i32> = sigset_t::from_bits(0b1011).iter().collect();
        assert_eq!(v, [1, 2, 4]);
        assert_eq!(sigset_t::EMPTY.first(), None);
    }

    #[test]
    fn names_and_origin() {
        assert_eq!(signal_name(SIGSEGV), Some("SIGSEGV"));
        assert_eq!(signal_name(SIGIOT), Some("SIGABRT"));
        assert_eq!(signal_name(SIGRTMIN), None);
        assert_eq!(signal_name(0), None);
        assert!((1..32).all(|s| signal_name(s).is_some()));
        assert!(si_fromuser(SI_USER) && si_fromuser(SI_QUEUE) && si_fromuser(SI_TKILL));
        assert!(!si_fromuser(SI_KERNEL) && !si_fromuser(SEGV_MAPERR));
    }

    #[test]
    fn default_actions() {
        assert_eq!(default_action(SIGKILL), Some(DefaultAction::Term));
        assert_eq!(default_action(SIGSEGV), Some(DefaultAction::Core));
        assert_eq!(default_action(SIGCHLD), Some(DefaultAction::Ign));
        assert_eq!(default_action(SIGTSTP), Some(DefaultAction::Stop));
        assert_eq!(default_action(SIGCONT), Some(DefaultAction::Cont));
        assert_eq!(default_action(SIGRTMIN + 3), Some(DefaultAction::Term));
        assert_eq!(default_action(0), None);
        assert_eq!(default_action(65), None);
    }

    #[test]
    fn sigaction_is_kernel_layout() {
        // Kernel `struct sigaction` on x86-64 (arch/x86/include/uapi/asm/signal.h
        // via asm-generic): no libc type has this layout.
        assert_eq!(size_of::<sigaction>(), 32);
        assert_eq!(offset_of!(sigaction, sa_handler), 0);
        assert_eq!(offset_of!(sigaction, sa_flags), 8);
        assert_eq!(offset_of!(sigaction, sa_restorer), 16);
        assert_eq!(offset_of!(sigaction, sa_mask), 24);
        assert_eq!(size_of::<sigset_t>(), 8);
    }

    #[test]
    fn stack_t_layout_matches_libc() {
        assert_eq!(size_of::<stack_t>(), size_of::<libc::stack_t>());
        assert_eq!(align_of::<stack_t>(), align_of::<libc::stack_t>());
        assert_eq!(offset_of!(stack_t, ss_sp), offset_of!(libc::stack_t, ss_sp));
        assert_eq!(
            offset_of!(stack_t, ss_flags),
            offset_of!(libc::stack_t, ss_flags)
        );
        assert_eq!(
            offset_of!(stack_t, ss_size),
            offset_of!(libc::stack_t, ss_size)
        );
    }

    #[test]
    fn siginfo_layout_matches_libc() {
        assert_eq!(size_of::<siginfo_t>(), SI_MAX_SIZE);
        assert_eq!(size_of::<siginfo_t>(), size_of::<libc::siginfo_t>());
        assert_eq!(align_of::<siginfo_t>(), align_of::<libc::siginfo_t>());
        assert_eq!(
            offset_of!(siginfo_t, si_signo),
            offset_of!(libc::siginfo_t, si_signo)
        );
        assert_eq!(
            offset_of!(siginfo_t, si_errno),
            offset_of!(libc::siginfo_t, si_errno)
        );
        assert_eq!(
            offset_of!(siginfo_t, si_code),
            offset_of!(libc::siginfo_t, si_code)
        );
        assert_eq!(offset_of!(siginfo_t, _sifields), SI_FIELDS_OFFSET);
    }

    /// Reads a little-endian integer at a byte offset of the whole siginfo.
    fn at<const N: usize>(si: &siginfo_t, off: usize) -> [u8; N] {
        let mut b = [0u8; N];
        b.copy_from_slice(&si.as_bytes()[off..off + N]);
        b
    }

    #[test]
    fn siginfo_variants_at_kernel_offsets() {
        // Offsets from include/uapi/asm-generic/siginfo.h for x86-64.
        let k = siginfo_t::new_kill(SIGTERM, SI_USER, 42, 1000);
        assert_eq!(i32::from_le_bytes(at(&k, 16)), 42);
        assert_eq!(u32::from_le_bytes(at(&k, 20)), 1000);
        assert_eq!((k.si_pid(), k.si_uid()), (42, 1000));

        let r = siginfo_t::new_rt(SIGRTMIN, SI_QUEUE, 7, 8, 0xdead_beef_0000_0001);
        assert_eq!(u64::from_le_bytes(at(&r, 24)), 0xdead_beef_0000_0001);
        assert_eq!(r.si_value(), 0xdead_beef_0000_0001);

        let c = siginfo_t::new_chld(CLD_EXITED, 9, 10, -3, 11, 12);
        assert_eq!(c.si_signo, SIGCHLD);
        assert_eq!(i32::from_le_bytes(at(&c, 24)), -3);
        assert_eq!(i64::from_le_bytes(at(&c, 32)), 11);
        assert_eq!(i64::from_le_bytes(at(&c, 40)), 12);
        assert_eq!((c.si_status(), c.si_utime(), c.si_stime()), (-3, 11, 12));

        let mut f = siginfo_t::new_fault(SIGSEGV, SEGV_PKUERR, 0x1000);
        f.set_si_pkey(5);
        assert_eq!(u64::from_le_bytes(at(&f, 16)), 0x1000);
        assert_eq!(u32::from_le_bytes(at(&f, 32)), 5);
        assert_eq!((f.si_addr(), f.si_pkey()), (0x1000, 5));
        f.set_si_addr_lsb(12);
        assert_eq!(i16::from_le_bytes(at(&f, 24)), 12);
        assert_eq!(f.si_addr_lsb(), 12);

        let t = siginfo_t::new_timer(SIGALRM, 3, 4, 5);
        assert_eq!(t.si_code, SI_TIMER);
        assert_eq!(i32::from_le_bytes(at(&t, 16)), 3);
        assert_eq!(i32::from_le_bytes(at(&t, 20)), 4);
        assert_eq!(u64::from_le_bytes(at(&t, 24)), 5);
        assert_eq!((t.si_timerid(), t.si_overrun(), t.si_value()), (3, 4, 5));

        let p = siginfo_t::new_poll(SIGIO, POLL_IN, -1, 6);
        assert_eq!(i64::from_le_bytes(at(&p, 16)), -1);
        assert_eq!(i32::from_le_bytes(at(&p, 24)), 6);
        assert_eq!((p.si_band(), p.si_fd()), (-1, 6));

        let s = siginfo_t::new_sys(SYS_SECCOMP, 0, 0x4000, 39, 0xc000_003e);
        assert_eq!(u64::from_le_bytes(at(&s, 16)), 0x4000);
        assert_eq!(i32::from_le_bytes(at(&s, 24)), 39);
        assert_eq!(u32::from_le_bytes(at(&s, 28)), 0xc000_003e);
        assert_eq!(
            (s.si_call_addr(), s.si_syscall(), s.si_arch()),
            (0x4000, 39, 0xc000_003e)
        );
    }

    #[test]
    fn sigevent_layout_matches_libc() {
        assert_eq!(size_of::<sigevent>(), SIGEV_MAX_SIZE);
        assert_eq!(size_of::<sigevent>(), size_of::<libc::sigevent>());
        assert_eq!(align_of::<sigevent>(), align_of::<libc::sigevent>());
        assert_eq!(
            offset_of!(sigevent, sigev_value),
            offset_of!(libc::sigevent, sigev_value)
        );
        assert_eq!(
            offset_of!(sigevent, sigev_signo),
            offset_of!(libc::sigevent, sigev_signo)
        );
        assert_eq!(
            offset_of!(sigevent, sigev_notify),
            offset_of!(libc::sigevent, sigev_notify)
        );
        assert_eq!(
            offset_of!(sigevent, _sigev_un),
            offset_of!(libc::sigevent, sigev_notify_thread_id)
        );
        let mut e = sigevent::default();
        e.set_sigev_notify_thread_id(77);
        assert_eq!(e.sigev_notify_thread_id(), 77);
        assert_eq!(e.as_bytes()[16], 77);
    }

    #[test]
    fn signalfd_siginfo_layout_matches_libc() {
        type L = libc::signalfd_siginfo;
        assert_eq!(size_of::<signalfd_siginfo>(), 128);
        assert_eq!(size_of::<signalfd_siginfo>(), size_of::<L>());
        assert_eq!(align_of::<signalfd_siginfo>(), align_of::<L>());
        assert_eq!(
            offset_of!(signalfd_siginfo, ssi_signo),
            offset_of!(L, ssi_signo)
        );
        assert_eq!(
            offset_of!(signalfd_siginfo, ssi_errno),
            offset_of!(L, ssi_errno)
        );
        assert_eq!(
            offset_of!(signalfd_siginfo, ssi_code),
            offset_of!(L, ssi_code)
        );
        assert_eq!(
            offset_of!(signalfd_siginfo, ssi_pid),
            offset_of!(L, ssi_pid)
        );
        assert_eq!(
            offset_of!(signalfd_siginfo, ssi_uid),
            offset_of!(L, ssi_uid)
        );
        assert_eq!(offset_of!(signalfd_siginfo, ssi_fd), offset_of!(L, ssi_fd));
        assert_eq!(
            offset_of!(signalfd_siginfo, ssi_tid),
            offset_of!(L, ssi_tid)
        );
        assert_eq!(
            offset_of!(signalfd_siginfo, ssi_band),
            offset_of!(L, ssi_band)
        );
        assert_eq!(
            offset_of!(signalfd_siginfo, ssi_overrun),
            offset_of!(L, ssi_overrun)
        );
        assert_eq!(
            offset_of!(signalfd_siginfo, ssi_trapno),
            offset_of!(L, ssi_trapno)
        );
        assert_eq!(
            offset_of!(signalfd_siginfo, ssi_status),
            offset_of!(L, ssi_status)
        );
        assert_eq!(
            offset_of!(signalfd_siginfo, ssi_int),
            offset_of!(L, ssi_int)
        );
        assert_eq!(
            offset_of!(signalfd_siginfo, ssi_ptr),
            offset_of!(L, ssi_ptr)
        );
        assert_eq!(
            offset_of!(signalfd_siginfo, ssi_utime),
            offset_of!(L, ssi_utime)
        );
        assert_eq!(
            offset_of!(signalfd_siginfo, ssi_stime),
            offset_of!(L, ssi_stime)
        );
        assert_eq!(
            offset_of!(signalfd_siginfo, ssi_addr),
            offset_of!(L, ssi_addr)
        );
        assert_eq!(
            offset_of!(signalfd_siginfo, ssi_addr_lsb),
            offset_of!(L, ssi_addr_lsb)
        );
        assert_eq!(
            offset_of!(signalfd_siginfo, ssi_syscall),
            offset_of!(L, ssi_syscall)
        );
        assert_eq!(
            offset_of!(signalfd_siginfo, ssi_call_addr),
            offset_of!(L, ssi_call_addr)
        );
        assert_eq!(
            offset_of!(signalfd_siginfo, ssi_arch),
            offset_of!(L, ssi_arch)
        );
    }
}
