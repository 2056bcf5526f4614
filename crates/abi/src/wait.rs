//! `<linux/wait.h>`: `wait4`/`waitid` options, id types, and the status word
//! `wait4` stores (`WIFEXITED` and friends decode it).

use bitflags::bitflags;

bitflags! {
    /// `wait4(2)`/`waitid(2)` options (`W*`, `__W*`).
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub struct WaitOptions: u32 {
        /// Return at once if no child has changed state.
        const WNOHANG = 0x0000_0001;
        /// Report stopped children (`wait4`).
        const WUNTRACED = 0x0000_0002;
        /// Report stopped children (`waitid` name of [`WaitOptions::WUNTRACED`]).
        const WSTOPPED = 0x0000_0002;
        /// Report terminated children (`waitid`; implied by `wait4`).
        const WEXITED = 0x0000_0004;
        /// Report stopped children resumed by `SIGCONT`.
        const WCONTINUED = 0x0000_0008;
        /// Leave the child waitable (`waitid`).
        const WNOWAIT = 0x0100_0000;
        /// Wait only for children of the calling thread, not its thread group.
        const __WNOTHREAD = 0x2000_0000;
        /// Wait for all children, whatever their exit signal.
        const __WALL = 0x4000_0000;
        /// Wait only for "clone" children (exit signal other than `SIGCHLD`).
        const __WCLONE = 0x8000_0000;
    }
}

/// `waitid` id type: any child.
pub const P_ALL: u32 = 0;
/// `waitid` id type: the child with this pid.
pub const P_PID: u32 = 1;
/// `waitid` id type: any child in this process group (0: the caller's).
pub const P_PGID: u32 = 2;
/// `waitid` id type: the child this pidfd refers to.
pub const P_PIDFD: u32 = 3;

/// The low 7 bits of a status word that mean "stopped".
const STOPPED_MARK: i32 = 0x7f;
/// The core-dump bit of a "killed by signal" status.
const CORE_FLAG: i32 = 0x80;
/// The status word of a continued child.
const CONTINUED: i32 = 0xffff;

/// A decoded `wait4` status word.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WaitStatus {
    /// Exited normally with this code (`WIFEXITED`, `WEXITSTATUS`).
    Exited(u8),
    /// Killed by `sig` (`WIFSIGNALED`, `WTERMSIG`), dumping core if `core`.
    Signaled {
        /// Terminating signal, 1..=127.
        sig: u8,
        /// Whether a core was dumped (`WCOREDUMP`).
        core: bool,
    },
    /// Stopped by `sig` (`WIFSTOPPED`, `WSTOPSIG`). A ptrace event stop has
    /// `sig == SIGTRAP` and the `PTRACE_EVENT_*` in `event`; a syscall stop
    /// with `PTRACE_O_TRACESYSGOOD` has `sig == SIGTRAP | 0x80`.
    Stopped {
        /// Stop signal (8 bits).
        sig: u8,
        /// `PTRACE_EVENT_*` for event stops, else 0.
        event: u8,
    },
    /// Resumed by `SIGCONT` (`WIFCONTINUED`).
    Continued,
}

impl WaitStatus {
    /// The status word `wait4` stores for this state.
    pub const fn encode(self) -> i32 {
        match self {
            Self::Exited(code) => (code as i32) << 8,
            Self::Signaled { sig, core } => (sig as i32 & 0x7f) | if core { CORE_FLAG } else { 0 },
            Self::Stopped { sig, event } => {
                ((event as i32) << 16) | ((sig as i32) << 8) | STOPPED_MARK
            }
            Self::Continued => CONTINUED,
        }
    }

    /// Decodes a status word as the glibc macros do; `None` for words no
    /// kernel produces (e.g. a signal number of 0x7f with the core bit).
    pub const fn decode(status: i32) -> Option<Self> {
        let low = status & 0x7f;
        if low == 0 {
            Some(Self::Exited(((status >> 8) & 0xff) as u8))
        } else if status == CONTINUED {
            Some(Self::Continued)
        } else if status & 0xff == STOPPED_MARK {
            Some(Self::Stopped {
                sig: ((status >> 8) & 0xff) as u8,
                event: ((status >> 16) & 0xff) as u8,
            })
        } else if low != STOPPED_MARK {
            Some(Self::Signaled {
                sig: low as u8,
                core: status & CORE_FLAG != 0,
            })
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_match_libc() {
        let pairs = [
            (WaitOptions::WNOHANG, libc::WNOHANG),
            (WaitOptions::WUNTRACED, libc::WUNTRACED),
            (WaitOptions::WSTOPPED, libc::WSTOPPED),
            (WaitOptions::WEXITED, libc::WEXITED),
            (WaitOptions::WCONTINUED, libc::WCONTINUED),
            (WaitOptions::WNOWAIT, libc::WNOWAIT),
            (WaitOptions::__WNOTHREAD, libc::__WNOTHREAD),
            (WaitOptions::__WALL, libc::__WALL),
            (WaitOptions::__WCLONE, libc::__WCLONE),
        ];
        for (ours, theirs) in pairs {
            assert_eq!(ours.bits(), theirs as u32);
        }
        assert_eq!(
            [P_ALL, P_PID, P_PGID, P_PIDFD],
            [libc::P_ALL, libc::P_PID, libc::P_PGID, libc::P_PIDFD]
        );
    }

    #[test]
    fn encode_agrees_with_libc_macros() {
        for code in [0u8, 1, 42, 255] {
            let s = WaitStatus::Exited(code).encode();
            assert!(libc::WIFEXITED(s) && !libc::WIFSIGNALED(s) && !libc::WIFSTOPPED(s));
            assert_eq!(libc::WEXITSTATUS(s), code as i32);
            assert_eq!(s, libc::W_EXITCODE(code as i32, 0));
        }
        for sig in [1u8, 9, 11, 64] {
            for core in [false, true] {
                let s = WaitStatus::Signaled { sig, core }.encode();
                assert!(libc::WIFSIGNALED(s) && !libc::WIFEXITED(s) && !libc::WIFSTOPPED(s));
                assert_eq!(libc::WTERMSIG(s), sig as i32);
                assert_eq!(libc::WCOREDUMP(s), core);
            }
        }
        for (sig, event) in [(19u8, 0u8), (5, 0), (5 | 0x80, 0), (5, 3)] {
            let s = WaitStatus::Stopped { sig, event }.encode();
            assert!(libc::WIFSTOPPED(s) && !libc::WIFEXITED(s) && !libc::WIFSIGNALED(s));
            assert_eq!(libc::WSTOPSIG(s), sig as i32);
            assert_eq!(s >> 16, event as i32);
            if event == 0 {
                assert_eq!(s, libc::W_STOPCODE(sig as i32));
            }
        }
        let s = WaitStatus::Continued.encode();
        assert!(libc::WIFCONTINUED(s) && !libc::WIFEXITED(s) && !libc::WIFSIGNALED(s));
    }

    #[test]
    fn decode_round_trips_and_rejects_garbage() {
        let all = [
            WaitStatus::Exited(3),
            WaitStatus::Signaled { sig: 6, core: true },
            WaitStatus::Signaled {
                sig: 15,
                core: false,
            },
            WaitStatus::Stopped { sig: 5, event: 7 },
            WaitStatus::Continued,
        ];
        for w in all {
            assert_eq!(WaitStatus::decode(w.encode()), Some(w));
        }
        assert_eq!(WaitStatus::decode(0xff), None);
        for s in [i32::MIN, -1, 0x7fff_ffff, 0x1234_5678] {
            // Any word decodes to something or None, never panics.
            let _ = WaitStatus::decode(s);
        }
    }
}
