//! The systrap platform (the default): application threads run under a
//! seccomp filter that turns every system call into `SIGSYS`; a signal
//! handler in the stub code hands the thread's state to the Sentry through a
//! shared slot and a futex, and loads the Sentry's answer back.
//!
//! Why: no ptrace stop and continue per system call, only a signal delivery
//! and a wake-up, which [`wake`] makes cheap (spinning, CPU locality).
//!
//! Pieces: [`layout`] (where things are in the stub region), [`code`] (the
//! stub's machine code), [`filter`] (the application threads' seccomp
//! program), [`patch`] (system call patching), [`space`] (address spaces,
//! starting a stub, the traced leader that performs all address-space
//! changes), [`slots`] (the
//! Sentry's view of the shared slots), [`regs`] (frame ⇄ CPU state),
//! [`wake`] (wake-up schemes) and [`context`] (switching).
//!
//! Trust: the slots (and the signal stacks in them) are mapped writable in
//! the stub, so application code can change them; the Sentry reads them as
//! untrusted values (clamped lengths, validated segment bases, a bounded
//! wait that notices a dead stub or thread). The wall is the seccomp filter:
//! whatever an application thread corrupts or jumps to, it gets only the
//! five (site, number, argument) triples of [`filter`]; the trampoline of
//! patched system calls ([`patch`]) adds no system call site. Address-space
//! changes never run on an application thread; they are injected into the
//! ptrace-stopped leader with register-only arguments.

pub mod code;
pub mod context;
pub mod filter;
pub mod layout;
pub mod patch;
pub mod regs;
pub mod slots;
pub mod space;
pub mod wake;

use std::sync::Arc;

pub use context::{SystrapContext, Timeline};
pub use space::SystrapAddressSpace;
pub use wake::WakeScheme;

use crate::stub::layout::{APP_END, APP_START};
use crate::{AddressSpace, Context, Error, MemoryFile, Platform, Result};

/// `HWCAP2_FSGSBASE`: user-mode `rdfsbase`/`wrfsbase` are enabled.
const HWCAP2_FSGSBASE: usize = 1 << 1;

/// The systrap platform.
#[derive(Debug)]
pub struct SystrapPlatform {
    mf: Arc<MemoryFile>,
    scheme: WakeScheme,
}

impl SystrapPlatform {
    /// A systrap platform over `mf` using the wake-up `scheme`. Fails on a
    /// host without user-mode FSGSBASE or `rdtscp`, which the stub code uses.
    pub fn new(mf: Arc<MemoryFile>, scheme: WakeScheme) -> Result<SystrapPlatform> {
        let (_, hwcap2) = rustix::param::linux_hwcap();
        if hwcap2 & HWCAP2_FSGSBASE == 0 {
            return Err(Error::Invalid(
                "systrap needs user-mode FSGSBASE (Linux >= 5.9 on a CPU with it)",
            ));
        }
        let ext = std::arch::x86_64::__cpuid(0x8000_0001);
        if ext.edx & (1 << 27) == 0 {
            return Err(Error::Invalid("systrap needs rdtscp"));
        }
        code::install()?;
        Ok(SystrapPlatform { mf, scheme })
    }

    /// The wake-up scheme in use.
    pub fn scheme(&self) -> WakeScheme {
        self.scheme
    }
}

impl Platform for SystrapPlatform {
    fn name(&self) -> &'static str {
        "systrap"
    }

    fn memory_file(&self) -> &Arc<MemoryFile> {
        &self.mf
    }

    fn new_address_space(&self) -> Result<Arc<dyn AddressSpace>> {
        Ok(Arc::new(SystrapAddressSpace::new(self.mf.clone())?))
    }

    fn new_context(&self) -> Result<Box<dyn Context>> {
        Ok(Box::new(SystrapContext::new(self.scheme)))
    }

    fn address_range(&self) -> (u64, u64) {
        (APP_START, APP_END)
    }
}
