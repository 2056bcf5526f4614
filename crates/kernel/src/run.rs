//! The task run loop: switch into the application, serve what stopped it,
//! deliver signals, repeat until the thread group exits.

use std::time::Instant;

use abi::signal::{
    siginfo_t, sigset_t, BUS_ADRERR, SEGV_ACCERR, SEGV_MAPERR, SIGBUS, SIGKILL, SIGSEGV, SI_KERNEL,
};
use mm::{AccessType, Fault};
use platform::{Access, Event};

use crate::signals::Disposition;
use crate::syscalls::{dispatch, SyscallArgs};
use crate::task::{ExitStatus, Task};

/// Why the run loop could not go on (the Sentry's fault, not the
/// application's: the application's failures end in an [`ExitStatus`]).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The platform failed to run the context (stub died, host error).
    #[error("platform: {0}")]
    Platform(#[from] platform::Error),
    /// The task could not go on; why, for the log.
    #[error("{0}")]
    Sentry(String),
}

fn access_type(a: Access) -> AccessType {
    if a.exec {
        AccessType::Execute
    } else if a.write {
        AccessType::Write
    } else {
        AccessType::Read
    }
}

impl Task {
    /// Runs the task until its thread group exits and returns how it ended.
    pub fn run(&mut self) -> Result<ExitStatus, RunError> {
        loop {
            self.deliver_signals();
            if let Some(s) = self.exited {
                return Ok(s);
            }
            if self.is_stopped() {
                self.wait_while_stopped();
                continue;
            }
            let start = Instant::now();
            let ev = self.context.switch(&self.mem.space, &mut self.cpu);
            let switched = Instant::now();
            self.times.user += switched - start;
            self.handle_event(ev?);
            self.times.system += switched.elapsed();
        }
    }

    /// Serves one event the platform reported.
    pub fn handle_event(&mut self, ev: Event) {
        match ev {
            Event::Syscall => {
                self.offer_syscall_site();
                let r = &self.cpu.regs;
                let args = SyscallArgs::new(r.orig_rax, [r.rdi, r.rsi, r.rdx, r.r10, r.r8, r.r9]);
                if let Some(v) = dispatch(self, &args) {
                    self.cpu.regs.rax = v;
                }
            }
            Event::Fault { addr, access, .. } => self.handle_fault(addr, access),
            Event::Signal(info) => {
                let mut si = siginfo_t::new_fault(info.signo, info.code, info.addr);
                if info.signo != SIGSEGV && info.signo != SIGBUS && info.addr == 0 {
                    si = siginfo_t::new_kill(info.signo, SI_KERNEL, 0, 0);
                }
                self.force_signal(si);
            }
            Event::Interrupted => {}
        }
    }

    /// Resolves an application page fault through mm, or turns it into
    /// the signal Linux would send.
    fn handle_fault(&mut self, addr: u64, access: Access) {
        let r = self.mem.mm().handle_fault(addr, access_type(access));
        let synced = self.mem.sync();
        self.times.max_rss = self.times.max_rss.max(self.mem.mm().resident_bytes());
        let info = match (r, synced) {
            (Ok(()), Ok(())) => return,
            (Ok(()), Err(_)) | (Err(Fault::OutOfMemory), _) => {
                self.kernel()
                    .debug_line(&format!("out of memory at fault {addr:#x}: killed"));
                siginfo_t::new_kill(SIGKILL, SI_KERNEL, 0, 0)
            }
            (Err(Fault::MapErr), _) => siginfo_t::new_fault(SIGSEGV, SEGV_MAPERR, addr),
            (Err(Fault::AccErr), _) => siginfo_t::new_fault(SIGSEGV, SEGV_ACCERR, addr),
            (Err(Fault::Bus), _) | (Err(Fault::Io(_)), _) => {
                siginfo_t::new_fault(SIGBUS, BUS_ADRERR, addr)
            }
        };
        self.force_signal(info);
    }

    /// Delivers a synchronous signal: if it is blocked or ignored, the
    /// default action applies anyway (Linux's `force_sig_info`).
    pub fn force_signal(&mut self, info: siginfo_t) {
        let sig = info.si_signo;
        let disp = self.tg().handlers.disposition(sig);
        let blocked = self.signals.mask.contains(sig);
        if blocked || disp == Disposition::Ignore || !matches!(disp, Disposition::Handler(_)) {
            let mut tg = self.tg();
            let _ = tg.handlers.set(sig, abi::signal::sigaction::default());
            drop(tg);
            self.signals.mask.remove(sig);
        }
        self.post_signal(info);
    }

    /// Acts on every deliverable pending signal.
    pub fn deliver_signals(&mut self) {
        if self.handle.is_zapped() && self.exited.is_none() {
            // The process ends (or execs) without this thread.
            let status = self.tg().exit.unwrap_or(ExitStatus::Signaled {
                sig: SIGKILL,
                core: false,
            });
            self.exit_thread(status);
            return;
        }
        while self.exited.is_none() {
            let allowed = sigset_t::FULL.difference(self.signals.mask.without_unblockable());
            let Some(info) = self.dequeue_signal(allowed) else {
                break;
            };
            let sig = info.si_signo;
            let disp = self.tg().handlers.disposition(sig);
            match disp {
                Disposition::Ignore | Disposition::Continue => {}
                Disposition::Stop => {
                    self.group_stop(sig);
                    // Deliver nothing more until continued.
                    break;
                }
                Disposition::Terminate { core } => {
                    self.kernel().debug_line(&format!(
                        "killed by signal {sig} at rip {:#x}",
                        self.cpu.regs.rip
                    ));
                    self.exit_group(ExitStatus::Signaled { sig, core });
                }
                Disposition::Handler(act) => {
                    if let Err(e) = crate::sigframe::setup_frame(self, &info, &act) {
                        self.kernel()
                            .debug_line(&format!("cannot deliver signal {sig}: {e}; killing"));
                        self.exit_group(ExitStatus::Signaled {
                            sig: SIGSEGV,
                            core: true,
                        });
                    } else {
                        self.tg().handlers.after_delivery(sig);
                    }
                }
            }
        }
        // No handler took the temporary mask of `rt_sigsuspend`/`ppoll`
        // into its frame: put the old one back.
        if let Some(m) = self.signals.saved_mask.take() {
            self.signals.mask = m;
        }
    }
}
