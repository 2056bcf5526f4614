//! How untrusted code runs: stub address spaces driven by the Sentry.
//!
//! An application thread runs in a *stub* process whose address space the
//! caller (the Sentry) controls completely. All application memory is backed
//! by one host memfd, the [`MemoryFile`], which the Sentry also maps into
//! itself, so copying to and from the application is a `memcpy`.
//!
//! The seam is three traits, as in gVisor's `pkg/sentry/platform`:
//! [`Platform`] makes address spaces and contexts, an [`AddressSpace`] maps
//! ranges of the memory file, and a [`Context`] runs one application thread
//! until the next [`Event`] (system call, fault, signal, interruption).
//! Two implementations share that seam: `ptrace` (`PTRACE_SYSEMU`) and
//! `systrap` (seccomp `SECCOMP_RET_TRAP` plus a shared context page).
//!
//! Whatever code the application writes or jumps to, it can never execute a
//! host system call of its own: every one traps into the Sentry.
#![deny(missing_docs)]
#![deny(clippy::undocumented_unsafe_blocks)]
#![deny(unsafe_op_in_unsafe_fn)]

use std::sync::Arc;

pub mod memfile;
pub mod ptrace;
pub mod space_op;
pub mod stub;
pub mod sys;
pub mod systrap;
pub mod tsc;

pub use abi::ptrace::user_regs_struct as Regs;
pub use memfile::MemoryFile;
pub use space_op::SpaceOp;

/// Errors of the platform layer: the host refused something, or a stub died.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A host system call failed.
    #[error("host {op} failed: {source}")]
    Host {
        /// What the platform was doing.
        op: &'static str,
        /// The host's error.
        source: std::io::Error,
    },
    /// The stub process went away (killed from outside, or crashed).
    #[error("stub process {pid} died: {why}")]
    StubDied {
        /// The stub's host pid.
        pid: i32,
        /// How it ended.
        why: String,
    },
    /// The arguments do not describe a valid request (unaligned, out of range,
    /// overlapping the reserved stub region).
    #[error("invalid request: {0}")]
    Invalid(&'static str),
    /// The stub region could not be reserved in the Sentry's address space
    /// (something else is mapped there).
    #[error("cannot reserve the stub region: {0}")]
    StubRegion(String),
}

/// The platform layer's result type.
pub type Result<T> = std::result::Result<T, Error>;

/// Page protections for [`AddressSpace::map`] and [`AddressSpace::protect`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Prot {
    /// Readable.
    pub read: bool,
    /// Writable.
    pub write: bool,
    /// Executable.
    pub exec: bool,
}

/// How a faulting access touched memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Access {
    /// The access was a read (or the kernel could not tell).
    pub read: bool,
    /// The access was a write.
    pub write: bool,
    /// The access was an instruction fetch.
    pub exec: bool,
}

/// Host signal information reported with a [`Event::Signal`] or fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignalInfo {
    /// Signal number (`SIGSEGV`, `SIGTRAP`, ...).
    pub signo: i32,
    /// `si_code`.
    pub code: i32,
    /// `si_addr` for fault signals, 0 otherwise.
    pub addr: u64,
}

/// Why [`Context::switch`] returned to the caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// The application executed `syscall`; the number is in `regs.orig_rax`
    /// (and `rax`), the arguments in `rdi, rsi, rdx, r10, r8, r9`, and `rip`
    /// points after the instruction. The caller writes the result to `rax`.
    Syscall,
    /// A memory access faulted (`SIGSEGV`/`SIGBUS`) at `addr`.
    Fault {
        /// Faulting address.
        addr: u64,
        /// Kind of access.
        access: Access,
        /// The host signal that reported it.
        info: SignalInfo,
    },
    /// Any other synchronous or asynchronous host signal the application got
    /// (`SIGTRAP` from `int3`, `SIGILL` from `ud2`, `SIGFPE`, ...).
    Signal(SignalInfo),
    /// [`Interrupter::interrupt`] was called; the thread is stopped between
    /// instructions with its state in `regs`.
    Interrupted,
}

/// The complete user-visible CPU state of one application thread.
#[derive(Clone, Debug)]
pub struct CpuState {
    /// General-purpose registers, segment bases included (`fs_base` is TLS).
    pub regs: Regs,
    /// The XSAVE area (x87, SSE, AVX, ... state) in the host's standard
    /// format, 64-byte aligned when used; its length is [`xsave_size`].
    pub fpstate: FpState,
}

impl CpuState {
    /// The state of a fresh thread about to run at `rip` with stack `rsp`:
    /// user code and stack segments, interrupts enabled, initial FP state.
    pub fn new(rip: u64, rsp: u64) -> Self {
        CpuState {
            regs: Regs {
                rip,
                rsp,
                cs: 0x33,
                ss: 0x2b,
                eflags: 0x202,
                ..Regs::default()
            },
            fpstate: FpState::default(),
        }
    }
}

/// An XSAVE area, sized for this CPU.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FpState {
    /// Raw bytes, in `XSAVE` standard format. Empty means the initial state
    /// of a new thread (the platforms then load `FNINIT`/reset defaults).
    pub bytes: Vec<u8>,
}

/// Which platform implementation to use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlatformKind {
    /// `PTRACE_SYSEMU` over stub processes.
    Ptrace,
    /// seccomp `SECCOMP_RET_TRAP` with a shared context page.
    Systrap,
}

impl std::str::FromStr for PlatformKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "ptrace" => Ok(PlatformKind::Ptrace),
            "systrap" => Ok(PlatformKind::Systrap),
            _ => Err(Error::Invalid(
                "unknown platform (expected \"ptrace\" or \"systrap\")",
            )),
        }
    }
}

/// Options shared by every platform.
#[derive(Clone, Debug)]
pub struct Options {
    /// Size of the memory file in bytes.
    pub memory_file_size: u64,
    /// How the ptrace platform places tracer and stub threads on CPUs.
    pub ptrace_affinity: ptrace::CpuAffinity,
    /// How the systrap platform's Sentry and stub threads wake each other.
    pub systrap_wake: systrap::WakeScheme,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            memory_file_size: memfile::DEFAULT_MEMORY_FILE_SIZE,
            ptrace_affinity: ptrace::CpuAffinity::default(),
            systrap_wake: systrap::WakeScheme::default(),
        }
    }
}

/// Creates the platform `kind` with a new memory file.
pub fn new(kind: PlatformKind, options: &Options) -> Result<Arc<dyn Platform>> {
    let memfile = Arc::new(MemoryFile::new(options.memory_file_size)?);
    match kind {
        PlatformKind::Ptrace => Ok(Arc::new(ptrace::PtracePlatform::with_affinity(
            memfile,
            options.ptrace_affinity,
        )?)),
        PlatformKind::Systrap => Ok(Arc::new(systrap::SystrapPlatform::new(
            memfile,
            options.systrap_wake,
        )?)),
    }
}

/// A ready-to-use platform: one of the implementations behind a trait object.
pub trait Platform: Send + Sync {
    /// The implementation's name (`"ptrace"`, `"systrap"`).
    fn name(&self) -> &'static str;
    /// The memory file that backs every address space of this platform.
    fn memory_file(&self) -> &Arc<MemoryFile>;
    /// Creates an empty application address space (only the stub region is
    /// present).
    fn new_address_space(&self) -> Result<Arc<dyn AddressSpace>>;
    /// Creates a context: the host-side resources for running one
    /// application thread.
    fn new_context(&self) -> Result<Box<dyn Context>>;
    /// The lowest and one-past-highest application address usable for
    /// mappings (the stub region and the kernel half are excluded).
    fn address_range(&self) -> (u64, u64);
}

/// An application address space: what the stub sees at which address.
pub trait AddressSpace: Send + Sync + std::fmt::Debug {
    /// Maps `len` bytes of the memory file starting at `file_offset` at
    /// `addr` with `prot`, replacing whatever was mapped there. Shared
    /// mapping of the file: copy-on-write is the caller's business.
    fn map(&self, addr: u64, len: u64, prot: Prot, file_offset: u64) -> Result<()>;
    /// Removes mappings in `[addr, addr + len)`.
    fn unmap(&self, addr: u64, len: u64) -> Result<()>;
    /// Changes the protection of `[addr, addr + len)`.
    fn protect(&self, addr: u64, len: u64, prot: Prot) -> Result<()>;
    /// Applies `ops` in order, stopping at the first failure (the changes
    /// before it stay done). Implementations batch the round trips.
    fn apply(&self, ops: &[SpaceOp]) -> Result<()> {
        space_op::apply_each(self, ops)
    }
    /// Lets an implementation find its own concrete type.
    fn as_any(&self) -> &dyn std::any::Any;
    /// The host pid of the stub process that holds this address space, if
    /// there is one (diagnostics and tests compare `/proc/<pid>/maps`).
    fn stub_pid(&self) -> Option<i32> {
        None
    }
    /// Whether this address space can patch system call sites (see
    /// [`AddressSpace::patch_syscall`]); the caller skips its memory work
    /// when not.
    fn patches_syscalls(&self) -> bool {
        false
    }
    /// Offers the site of the system call a thread just made: `rip` as
    /// reported with [`Event::Syscall`], `nr` its number. If the 7 bytes
    /// before `rip` are `mov $nr, %eax; syscall`, the platform rewrites them
    /// into a jump that serves later calls there without a signal, and
    /// returns `true`; any other code is left alone (`false`).
    ///
    /// `file_offset` is the memory-file offset of the byte at `rip - 7`.
    /// The caller promises that the 7 bytes lie in one page that only this
    /// address space maps: a private mapping whose copy-on-write it broke
    /// (ignoring the mapping's write protection, as `ptrace(POKETEXT)`
    /// does), never a file's page cache or a page another address space
    /// maps. Only the caller's memory manager knows that; `None` says the
    /// page may not be written, and the platform stops offering the site
    /// (see [`Context::patchable_syscall`]).
    fn patch_syscall(&self, rip: u64, nr: u64, file_offset: Option<u64>) -> Result<bool> {
        let _ = (rip, nr, file_offset);
        Ok(false)
    }
}

/// One application thread's execution context.
pub trait Context: Send {
    /// Runs the application thread in `space` from `state` until the next
    /// event; `state` is updated with the thread's state at that event.
    fn switch(&mut self, space: &Arc<dyn AddressSpace>, state: &mut CpuState) -> Result<Event>;
    /// A handle that makes a running or future [`Context::switch`] return
    /// [`Event::Interrupted`]; callable from any thread.
    fn interrupter(&self) -> Interrupter;
    /// Whether the last [`Event::Syscall`] trapped at a site the platform
    /// may be able to patch and has not been offered and refused before:
    /// the caller then offers it with [`AddressSpace::patch_syscall`].
    /// `false` for calls served through a patched site and on platforms
    /// that do not patch.
    fn patchable_syscall(&self) -> bool {
        false
    }
}

/// A cloneable, thread-safe handle to interrupt a [`Context`].
#[derive(Clone)]
pub struct Interrupter(pub Arc<dyn Fn() + Send + Sync>);

impl Interrupter {
    /// Interrupts the context: its current or next `switch` returns
    /// [`Event::Interrupted`] promptly.
    pub fn interrupt(&self) {
        (self.0)()
    }
}

/// The size of this CPU's XSAVE area in bytes (CPUID leaf 0xD): the length
/// of [`FpState::bytes`] as the platforms fill it.
pub fn xsave_size() -> usize {
    sys::xsave_size()
}
