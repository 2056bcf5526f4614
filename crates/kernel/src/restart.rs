//! System-call restart after a signal, as Linux's `handle_signal` and
//! `restart_syscall(2)` do it.
//!
//! A handler interrupted by a signal returns one of the kernel-internal
//! codes (`ERESTARTSYS`, `ERESTARTNOINTR`, `ERESTARTNOHAND`,
//! `ERESTART_RESTARTBLOCK`); [`resolve`] turns it, before the application
//! can see it, into either `EINTR` or a restart: the instruction pointer
//! goes back to the `syscall` instruction and `rax` gets the call number
//! again (or `restart_syscall`'s, which resumes the [`RestartBlock`]).

use std::time::Instant;

use abi::signal::{SaFlags, SIGKILL};
use abi::Errno;

use crate::signals::Disposition;
use crate::syscalls::{SysResult, SysRet};
use crate::task::Task;

/// `restart_syscall`'s number on x86-64.
pub const NR_RESTART_SYSCALL: u64 = 219;
/// The length of the `syscall` instruction.
const SYSCALL_INSN_LEN: u64 = 2;

/// What `restart_syscall(2)` resumes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RestartBlock {
    /// A relative `nanosleep`/`clock_nanosleep` that ends at `deadline`;
    /// `rem` is where the remaining time goes if interrupted again.
    Sleep {
        /// When the sleep ends.
        deadline: Instant,
        /// The `rem` pointer (0 for none).
        rem: u64,
    },
    /// A timed `poll` of `nfds` entries at `addr` that ends at `deadline`.
    Poll {
        /// The `pollfd` array.
        addr: u64,
        /// Its length.
        nfds: u64,
        /// When the poll times out.
        deadline: Instant,
    },
}

/// Whether the signal the task is about to take runs a handler, and with
/// which flags: `None` when no deliverable signal has a handler.
fn next_handler_flags(t: &Task) -> Option<SaFlags> {
    let mask = t.signals.mask.without_unblockable();
    let own = t.handle.pending().set().difference(mask);
    let group = t.tg().pending.set().difference(mask);
    let tg = t.tg();
    for set in [own, group] {
        let mut s = set;
        while let Some(sig) = s.first() {
            match tg.handlers.disposition(sig) {
                Disposition::Ignore => {}
                Disposition::Handler(act) if sig != SIGKILL => {
                    return Some(SaFlags::from_bits_retain(act.sa_flags))
                }
                _ => return None,
            }
            s.remove(sig);
        }
    }
    None
}

/// Turns a restart code into the application's view: `EINTR`, or a
/// restart of the call (registers rewound, `SysRet::Keep`). Other results
/// pass through.
pub fn resolve(t: &mut Task, res: SysResult) -> SysResult {
    let err = match res {
        Err(e) if e.is_restart() => e,
        other => return other,
    };
    let handler = next_handler_flags(t);
    let restart = match err {
        Errno::ERESTARTNOINTR => true,
        Errno::ERESTARTSYS => handler.is_none_or(|f| f.contains(SaFlags::SA_RESTART)),
        _ => handler.is_none(),
    };
    if !restart {
        t.restart = None;
        return Err(Errno::EINTR);
    }
    let r = &mut t.cpu.regs;
    r.rip = r.rip.wrapping_sub(SYSCALL_INSN_LEN);
    r.rax = if err == Errno::ERESTART_RESTARTBLOCK {
        NR_RESTART_SYSCALL
    } else {
        r.orig_rax
    };
    Ok(SysRet::Keep)
}
