//! Running application code with `PTRACE_SYSEMU` and turning each stop into
//! an [`Event`].

use std::sync::{Arc, Mutex};

use super::address_space::{PtraceAddressSpace, Shared};
use super::tracer;
use crate::sys::{self, ptrace, WaitStatus};
use crate::{
    Access, AddressSpace, Context, CpuState, Error, Event, Interrupter, Regs, Result, SignalInfo,
};

/// The host signal [`Interrupter`]s send to a running stub thread. A stub
/// has no children, so `SIGCHLD` never means anything else to it; its
/// default action is to be ignored, so it is harmless if it ever lands
/// untraced.
pub const INTERRUPT_SIGNAL: i32 = libc::SIGCHLD;

/// `si_code` of signals the kernel raises for general protection faults.
const SI_KERNEL: i32 = 0x80;
/// `si_code` of a fault on a mapped page with the wrong protection.
const SEGV_ACCERR: i32 = 2;

#[derive(Debug, Default)]
struct InterruptState {
    /// An interrupt was asked for and not yet reported.
    pending: bool,
    /// The stub thread (pid, tid) currently running this context.
    running: Option<(i32, i32)>,
}

/// A ptrace context: the interrupt state of one application thread. The
/// stub threads it runs on belong to the address spaces (one per Sentry
/// thread).
pub struct PtraceContext {
    interrupt: Arc<Mutex<InterruptState>>,
    affinity: CpuAffinity,
}

/// How a ptrace context keeps the tracer and its stub thread on one CPU.
///
/// On virtual machines, waking a thread on an idle virtual CPU costs tens
/// of microseconds, while a hand-off on one CPU costs a few; each stop and
/// each resume is such a hand-off.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CpuAffinity {
    /// Leave placement to the host scheduler.
    Off,
    /// Bind the stub thread to the CPU the tracer runs on (gVisor's ptrace
    /// platform does this); the tracer itself may still be woken elsewhere.
    StubFollowsTracer,
    /// Also pin the tracer to its current CPU for the duration of each
    /// switch (two `sched_setaffinity` calls per switch), so both wake-ups
    /// of a round trip stay on one CPU. Between switches the tracer keeps
    /// its own affinity.
    #[default]
    PinDuringSwitch,
}

/// Pins the calling thread to one CPU until dropped, then restores its mask.
struct PinGuard(Option<libc::cpu_set_t>);

thread_local! {
    /// The thread's own affinity, read at its first pinned switch (one
    /// system call saved per switch; Sentry threads do not change their
    /// affinity otherwise).
    static OWN_MASK: Option<libc::cpu_set_t> = sys::own_affinity().ok();
}

impl PinGuard {
    fn pin(cpu: usize) -> PinGuard {
        let Some(old) = OWN_MASK.try_with(|m| *m).ok().flatten() else {
            return PinGuard(None);
        };
        if sys::bind_to_cpu(0, cpu).is_err() {
            return PinGuard(None);
        }
        PinGuard(Some(old))
    }
}

impl Drop for PinGuard {
    fn drop(&mut self) {
        if let Some(old) = &self.0 {
            let _ = sys::set_own_affinity(old);
        }
    }
}

impl Default for PtraceContext {
    fn default() -> Self {
        Self::new()
    }
}

fn lock(m: &Mutex<InterruptState>) -> std::sync::MutexGuard<'_, InterruptState> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn host(op: &'static str) -> impl FnOnce(std::io::Error) -> Error {
    move |source| Error::Host { op, source }
}

impl PtraceContext {
    /// A context that has never run, with the default [`CpuAffinity`].
    pub fn new() -> Self {
        Self::with_affinity(CpuAffinity::default())
    }

    /// A context that has never run, placing threads as `affinity` says.
    pub fn with_affinity(affinity: CpuAffinity) -> Self {
        PtraceContext {
            interrupt: Arc::new(Mutex::new(InterruptState::default())),
            affinity,
        }
    }

    fn load_state(&mut self, space: &Arc<Shared>, tid: i32, state: &CpuState) -> Result<()> {
        let mut regs = state.regs;
        // Never let the host restart a system call the thread was stopped in.
        regs.orig_rax = u64::MAX;
        ptrace::set_regs(tid, &regs).map_err(host("PTRACE_SETREGS"))?;
        let init;
        let fp: &[u8] = if state.fpstate.bytes.is_empty() {
            init = initial_fpstate();
            &init
        } else {
            &state.fpstate.bytes
        };
        let unchanged = tracer::with_cache(space, tid, |c| c.fp.as_slice() == fp).unwrap_or(false);
        if !unchanged {
            ptrace::set_xstate(tid, fp).map_err(host("PTRACE_SETREGSET(NT_X86_XSTATE)"))?;
            tracer::with_cache(space, tid, |c| {
                c.fp.clear();
                c.fp.extend_from_slice(fp);
            });
        }
        Ok(())
    }

    fn save_state(&mut self, space: &Arc<Shared>, tid: i32, state: &mut CpuState) -> Result<()> {
        ptrace::get_regs(tid, &mut state.regs).map_err(host("PTRACE_GETREGS"))?;
        let bytes = &mut state.fpstate.bytes;
        bytes.resize(crate::xsave_size(), 0);
        let n = ptrace::get_xstate(tid, bytes).map_err(host("PTRACE_GETREGSET(NT_X86_XSTATE)"))?;
        bytes.truncate(n);
        tracer::with_cache(space, tid, |c| {
            c.fp.clear();
            c.fp.extend_from_slice(bytes);
        });
        Ok(())
    }

    /// Places the stub thread, and the tracer while the returned guard
    /// lives, on the tracer's current CPU as [`CpuAffinity`] says.
    fn bind(&mut self, space: &Arc<Shared>, tid: i32) -> Option<PinGuard> {
        if self.affinity == CpuAffinity::Off {
            return None;
        }
        let cpu = sys::current_cpu()?;
        let guard = (self.affinity == CpuAffinity::PinDuringSwitch).then(|| PinGuard::pin(cpu));
        if !tracer::with_cache(space, tid, |c| c.cpu == Some(cpu)).unwrap_or(false)
            && sys::bind_to_cpu(tid, cpu).is_ok()
        {
            tracer::with_cache(space, tid, |c| c.cpu = Some(cpu));
        }
        guard
    }

    /// Resumes `tid` until a stop that means something to the caller.
    fn run(&mut self, pid: i32, tid: i32, space: &PtraceAddressSpace) -> Result<Event> {
        ptrace::sysemu(tid, 0).map_err(host("PTRACE_SYSEMU"))?;
        loop {
            let status = sys::waitpid(tid).map_err(host("waitpid(stub)"))?;
            let (sig, event) = match status {
                WaitStatus::Stopped { sig, event } => (sig, event),
                WaitStatus::Exited(code) => {
                    return Err(Error::StubDied {
                        pid,
                        why: format!("stub thread {tid} exited with {code}"),
                    })
                }
                WaitStatus::Signaled(s) => {
                    return Err(Error::StubDied {
                        pid,
                        why: format!("stub thread {tid} killed by signal {s}"),
                    })
                }
            };
            if sig == libc::SIGTRAP | 0x80 {
                return Ok(Event::Syscall);
            }
            if event != 0 {
                // Group stop or another ptrace event stop: not the
                // application's doing; keep running.
                ptrace::sysemu(tid, 0).map_err(host("PTRACE_SYSEMU"))?;
                continue;
            }
            if sig == INTERRUPT_SIGNAL {
                let mut st = lock(&self.interrupt);
                if st.pending {
                    st.pending = false;
                    return Ok(Event::Interrupted);
                }
                drop(st);
                // A late duplicate of an interrupt already reported.
                ptrace::sysemu(tid, 0).map_err(host("PTRACE_SYSEMU"))?;
                continue;
            }
            let (signo, code, addr) =
                ptrace::get_siginfo(tid).map_err(host("PTRACE_GETSIGINFO"))?;
            let info = SignalInfo { signo, code, addr };
            if (sig == libc::SIGSEGV || sig == libc::SIGBUS) && code != SI_KERNEL && code > 0 {
                let mut regs = Regs::default();
                ptrace::get_regs(tid, &mut regs).map_err(host("PTRACE_GETREGS"))?;
                let access = classify(space, addr, regs.rip, code);
                return Ok(Event::Fault { addr, access, info });
            }
            return Ok(Event::Signal(info));
        }
    }
}

/// Derives the kind of a faulting access from what ptrace offers: the page
/// fault error code is not available, so an address at the instruction
/// pointer (or within the maximal 15-byte instruction there, on a page the
/// platform mapped without `exec`) is an instruction fetch, a protection
/// fault on a readable but unwritable page is a write, and everything else
/// is reported as a read.
fn classify(space: &PtraceAddressSpace, addr: u64, rip: u64, code: i32) -> Access {
    let prot = space.prot_at(addr);
    let at_rip = addr == rip || (addr > rip && addr - rip < 15 && prot.is_some_and(|p| !p.exec));
    if at_rip {
        return Access {
            read: false,
            write: false,
            exec: true,
        };
    }
    if code == SEGV_ACCERR && prot.is_some_and(|p| p.read && !p.write) {
        return Access {
            read: false,
            write: true,
            exec: false,
        };
    }
    Access {
        read: true,
        write: false,
        exec: false,
    }
}

/// The XSAVE image of a fresh thread: default x87 control word and MXCSR,
/// every component in its initial state (empty `XSTATE_BV`).
pub fn initial_fpstate() -> Vec<u8> {
    let mut b = vec![0u8; crate::xsave_size()];
    b[0..2].copy_from_slice(&abi::ucontext::FCW_DEFAULT.to_le_bytes());
    b[24..28].copy_from_slice(&abi::ucontext::MXCSR_DEFAULT.to_le_bytes());
    b
}

impl Context for PtraceContext {
    fn switch(&mut self, space: &Arc<dyn AddressSpace>, state: &mut CpuState) -> Result<Event> {
        let space = space
            .as_any()
            .downcast_ref::<PtraceAddressSpace>()
            .ok_or(Error::Invalid("address space of another platform"))?;
        let tid = space.shared.thread_for_me()?;
        let pid = space.shared.stub.pid();
        {
            let mut st = lock(&self.interrupt);
            if st.pending {
                st.pending = false;
                return Ok(Event::Interrupted);
            }
            st.running = Some((pid, tid));
        }
        let pin = self.bind(&space.shared, tid);
        let result = self
            .load_state(&space.shared, tid, state)
            .and_then(|()| self.run(pid, tid, space));
        lock(&self.interrupt).running = None;
        let event = result?;
        self.save_state(&space.shared, tid, state)?;
        drop(pin);
        if event == Event::Syscall {
            // The host put -ENOSYS in rax at the syscall-entry stop; the
            // contract is that rax holds the number, as before the call.
            state.regs.rax = state.regs.orig_rax;
            if state.regs.rcx != state.regs.rip {
                // Not the `syscall` instruction (which always leaves the
                // return address in rcx) but a 32-bit `int 0x80` or
                // `sysenter`: the Sentry serves only the 64-bit ABI, so
                // report what a host without IA-32 emulation raises, a
                // general protection fault at the instruction.
                state.regs.rip = state.regs.rip.wrapping_sub(2);
                return Ok(Event::Signal(SignalInfo {
                    signo: libc::SIGSEGV,
                    code: SI_KERNEL,
                    addr: 0,
                }));
            }
        }
        Ok(event)
    }

    fn interrupter(&self) -> Interrupter {
        let st = Arc::clone(&self.interrupt);
        Interrupter(Arc::new(move || {
            let mut s = lock(&st);
            s.pending = true;
            if let Some((pid, tid)) = s.running {
                let _ = sys::tgkill(pid, tid, INTERRUPT_SIGNAL);
            }
        }))
    }
}
