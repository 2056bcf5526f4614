//! The ptrace platform: application threads run in stub processes under
//! `PTRACE_SYSEMU`.
//!
//! Every system call of the application stops its stub thread before the
//! host runs it; the Sentry reads the registers, and writes back the result.
//! Faults and other signals arrive as signal-delivery stops and are
//! suppressed after being reported. Mapping memory means injecting
//! `mmap`/`munmap`/`mprotect` of the memory file at the stub's own `syscall`
//! instruction ([`crate::stub::inject`]). Simple and robust, but each event
//! costs two host context switches plus a few `ptrace` calls.

mod address_space;
mod context;
pub(crate) mod prot_map;
mod tracer;

use std::sync::Arc;

pub use address_space::PtraceAddressSpace;
pub use context::{initial_fpstate, CpuAffinity, PtraceContext, INTERRUPT_SIGNAL};

use crate::stub::layout::{APP_END, APP_START};
use crate::stub::region;
use crate::{AddressSpace, Context, MemoryFile, Platform, Result};

/// The ptrace platform.
#[derive(Debug)]
pub struct PtracePlatform {
    memfile: Arc<MemoryFile>,
    affinity: CpuAffinity,
}

impl PtracePlatform {
    /// A ptrace platform whose address spaces are backed by `memfile`.
    pub fn new(memfile: Arc<MemoryFile>) -> Result<Self> {
        Self::with_affinity(memfile, CpuAffinity::default())
    }

    /// Like [`PtracePlatform::new`], with contexts placing threads as
    /// `affinity` says.
    pub fn with_affinity(memfile: Arc<MemoryFile>, affinity: CpuAffinity) -> Result<Self> {
        region::ensure_reserved()?;
        Ok(PtracePlatform { memfile, affinity })
    }
}

impl Platform for PtracePlatform {
    fn name(&self) -> &'static str {
        "ptrace"
    }

    fn memory_file(&self) -> &Arc<MemoryFile> {
        &self.memfile
    }

    fn new_address_space(&self) -> Result<Arc<dyn AddressSpace>> {
        Ok(Arc::new(PtraceAddressSpace::new(Arc::clone(
            &self.memfile,
        ))?))
    }

    fn new_context(&self) -> Result<Box<dyn Context>> {
        Ok(Box::new(PtraceContext::with_affinity(self.affinity)))
    }

    fn address_range(&self) -> (u64, u64) {
        (APP_START, APP_END)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CpuState, Event, Prot};

    fn task_count(pid: i32) -> usize {
        std::fs::read_dir(format!("/proc/{pid}/task"))
            .map(|d| d.count())
            .unwrap_or(0)
    }

    fn run(p: &PtracePlatform, space: &Arc<dyn AddressSpace>) {
        let mut ctx = p.new_context().unwrap();
        let mut st = CpuState::new(0x40_0000, 0);
        assert_eq!(ctx.switch(space, &mut st).unwrap(), Event::Syscall);
        assert_eq!(st.regs.rax, 1005);
    }

    /// Runs one switch on a new host thread and waits until that thread has
    /// fully exited (`join` returns after its thread-local destructors).
    fn run_on_new_thread(p: &Arc<PtracePlatform>, space: &Arc<dyn AddressSpace>) {
        let (p, space) = (Arc::clone(p), Arc::clone(space));
        std::thread::spawn(move || run(&p, &space)).join().unwrap();
    }

    #[test]
    fn an_exiting_tracer_parks_its_stub_thread_for_the_next() {
        let mf = Arc::new(MemoryFile::new(1 << 20).unwrap());
        // mov eax, 1005; syscall; jmp back
        mf.write_at(0, &[0xb8, 0xed, 0x03, 0, 0, 0x0f, 0x05, 0xeb, 0xf7])
            .unwrap();
        let p = Arc::new(PtracePlatform::new(Arc::clone(&mf)).unwrap());
        let space = p.new_address_space().unwrap();
        let rx = Prot {
            read: true,
            write: false,
            exec: true,
        };
        space.map(0x40_0000, 4096, rx, 0).unwrap();
        let pid = space.stub_pid().unwrap();
        run_on_new_thread(&p, &space);
        assert_eq!(task_count(pid), 2);
        // The thread that traced it is gone; its stub thread is reused.
        run(&p, &space);
        assert_eq!(task_count(pid), 2);
        // Two tracers alive at once (this thread and another) need two.
        run_on_new_thread(&p, &space);
        assert_eq!(task_count(pid), 3);
        // ... and the other one's is parked again for the next.
        run_on_new_thread(&p, &space);
        assert_eq!(task_count(pid), 3);
    }
}
