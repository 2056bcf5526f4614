//! Signal state: the thread group's dispositions and a thread's blocked
//! mask, pending set and alternate stack, and the decision of what to do
//! with the next deliverable signal.
//!
//! Standard signals do not queue (a second one while pending is merged, as
//! Linux does); each pending signal keeps the `siginfo_t` it arrived with.

use std::collections::{BTreeMap, VecDeque};

use abi::signal::{
    default_action, sigaction, siginfo_t, sigset_t, stack_t, valid_signal, DefaultAction, SaFlags,
    SIGKILL, SIGRTMIN, SIGSTOP, SIG_DFL, SIG_IGN, SS_DISABLE,
};
use abi::Errno;

/// The `sa_flags` bits `rt_sigaction` keeps: `SA_NOCLDSTOP`,
/// `SA_NOCLDWAIT`, `SA_SIGINFO`, `SA_EXPOSE_TAGBITS`, `SA_RESTORER`,
/// `SA_ONSTACK`, `SA_RESTART`, `SA_NODEFER`, `SA_RESETHAND`.
const UAPI_SA_FLAGS: u64 =
    0x1 | 0x2 | 0x4 | 0x800 | 0x0400_0000 | 0x0800_0000 | 0x1000_0000 | 0x4000_0000 | 0x8000_0000;

/// What the kernel does with a signal it dequeued.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Disposition {
    /// Nothing: ignored explicitly or by default.
    Ignore,
    /// End the thread group with this signal; `core` for the default
    /// actions that dump core (the shell shows both as `128 + sig`).
    Terminate {
        /// The default action is "core".
        core: bool,
    },
    /// Stop the thread group (job control).
    Stop,
    /// Continue the thread group.
    Continue,
    /// Run the application's handler described by this action.
    Handler(sigaction),
}

/// The dispositions of a thread group, one per signal.
#[derive(Clone, Debug)]
pub struct SignalHandlers {
    actions: [sigaction; 64],
}

impl Default for SignalHandlers {
    fn default() -> Self {
        SignalHandlers {
            actions: [sigaction::default(); 64],
        }
    }
}

impl SignalHandlers {
    /// The action for `sig` (`EINVAL` for an invalid number).
    pub fn get(&self, sig: i32) -> Result<sigaction, Errno> {
        index(sig).map(|i| self.actions[i])
    }

    /// Replaces the action for `sig` and returns the old one: `EINVAL` for an
    /// invalid number or for `SIGKILL`/`SIGSTOP`, as `rt_sigaction` reports.
    pub fn set(&mut self, sig: i32, mut act: sigaction) -> Result<sigaction, Errno> {
        let i = index(sig)?;
        if sig == SIGKILL || sig == SIGSTOP {
            return Err(Errno::EINVAL);
        }
        act.sa_mask = act.sa_mask.without_unblockable();
        // Linux keeps only the flags it knows (>= 5.11), so a program can
        // probe with SA_UNSUPPORTED.
        act.sa_flags &= UAPI_SA_FLAGS;
        Ok(core::mem::replace(&mut self.actions[i], act))
    }

    /// `execve`: caught signals go back to their default action, ignored
    /// ones stay ignored.
    pub fn reset_for_exec(&mut self) {
        for a in self.actions.iter_mut() {
            if a.sa_handler != SIG_IGN {
                *a = sigaction::default();
            }
        }
    }

    /// What delivering `sig` means under the current dispositions.
    pub fn disposition(&self, sig: i32) -> Disposition {
        let Ok(act) = self.get(sig) else {
            return Disposition::Ignore;
        };
        if sig != SIGKILL && sig != SIGSTOP {
            if act.sa_handler == SIG_IGN {
                return Disposition::Ignore;
            }
            if act.sa_handler != SIG_DFL {
                return Disposition::Handler(act);
            }
        }
        match default_action(sig) {
            Some(DefaultAction::Term) => Disposition::Terminate { core: false },
            Some(DefaultAction::Core) => Disposition::Terminate { core: true },
            Some(DefaultAction::Stop) => Disposition::Stop,
            Some(DefaultAction::Cont) => Disposition::Continue,
            Some(DefaultAction::Ign) | None => Disposition::Ignore,
        }
    }

    /// Clears a one-shot handler after delivery (`SA_RESETHAND`).
    pub fn after_delivery(&mut self, sig: i32) {
        if let Ok(i) = index(sig) {
            if SaFlags::from_bits_retain(self.actions[i].sa_flags).contains(SaFlags::SA_RESETHAND) {
                self.actions[i] = sigaction::default();
            }
        }
    }
}

fn index(sig: i32) -> Result<usize, Errno> {
    if valid_signal(sig) {
        Ok((sig - 1) as usize)
    } else {
        Err(Errno::EINVAL)
    }
}

/// The most signals a pending set queues (real-time signals queue, each
/// with its own `siginfo_t`; Linux bounds them by `RLIMIT_SIGPENDING`).
pub const MAX_QUEUED: usize = 4096;

/// A set of pending signals: a thread's own (thread-directed) or its
/// thread group's (process-directed). Standard signals do not queue (a
/// second one while pending is merged); real-time ones do, in order.
#[derive(Clone, Debug, Default)]
pub struct PendingSignals {
    queue: BTreeMap<i32, VecDeque<siginfo_t>>,
    count: usize,
}

impl PendingSignals {
    /// Makes `info.si_signo` pending. Returns `false` when a real-time
    /// signal could not be queued (`EAGAIN` for `rt_sigqueueinfo`).
    pub fn post(&mut self, info: siginfo_t) -> bool {
        let sig = info.si_signo;
        if !valid_signal(sig) {
            return true;
        }
        let q = self.queue.entry(sig).or_default();
        if sig < SIGRTMIN && !q.is_empty() {
            return true;
        }
        if self.count >= MAX_QUEUED && sig >= SIGRTMIN {
            if q.is_empty() {
                self.queue.remove(&sig);
            }
            return false;
        }
        q.push_back(info);
        self.count += 1;
        true
    }

    /// The pending set.
    pub fn set(&self) -> sigset_t {
        let mut s = sigset_t::EMPTY;
        for (&sig, q) in &self.queue {
            if !q.is_empty() {
                s.add(sig);
            }
        }
        s
    }

    /// Removes and returns the lowest pending signal in `allowed`.
    pub fn dequeue_in(&mut self, allowed: sigset_t) -> Option<siginfo_t> {
        let sig = self.set().intersection(allowed).first()?;
        let q = self.queue.get_mut(&sig)?;
        let info = q.pop_front();
        if q.is_empty() {
            self.queue.remove(&sig);
        }
        if info.is_some() {
            self.count = self.count.saturating_sub(1);
        }
        info
    }

    /// Drops every pending instance of `sig`.
    pub fn remove(&mut self, sig: i32) {
        if let Some(q) = self.queue.remove(&sig) {
            self.count = self.count.saturating_sub(q.len());
        }
    }

    /// Drops pending signals whose disposition is now "ignore" (POSIX: setting
    /// a signal to be ignored discards a pending instance).
    pub fn discard_ignored(&mut self, handlers: &SignalHandlers) {
        let gone: Vec<i32> = self
            .queue
            .keys()
            .copied()
            .filter(|&sig| handlers.disposition(sig) == Disposition::Ignore)
            .collect();
        for sig in gone {
            self.remove(sig);
        }
    }
}

/// One thread's own signal state (its pending set is shared with senders
/// through its [`crate::tasks::TaskHandle`]).
#[derive(Clone, Debug)]
pub struct SignalState {
    /// Blocked signals (`rt_sigprocmask`).
    pub mask: sigset_t,
    /// The mask to restore once a signal was handled or the call restarted,
    /// set by calls that wait with a temporary mask (`rt_sigsuspend`,
    /// `ppoll`): Linux's `saved_sigmask`.
    pub saved_mask: Option<sigset_t>,
    /// The alternate signal stack (`sigaltstack`).
    pub altstack: stack_t,
}

impl Default for SignalState {
    fn default() -> Self {
        SignalState {
            mask: sigset_t::EMPTY,
            saved_mask: None,
            altstack: stack_t {
                ss_flags: SS_DISABLE,
                ..stack_t::default()
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use abi::signal::{SIGCHLD, SIGSEGV, SIGTERM, SIGUSR1, SIGUSR2};

    #[test]
    fn dispositions_follow_defaults_and_actions() {
        let mut h = SignalHandlers::default();
        assert_eq!(
            h.disposition(SIGSEGV),
            Disposition::Terminate { core: true }
        );
        assert_eq!(
            h.disposition(SIGTERM),
            Disposition::Terminate { core: false }
        );
        assert_eq!(h.disposition(SIGCHLD), Disposition::Ignore);
        h.set(
            SIGTERM,
            sigaction {
                sa_handler: SIG_IGN,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(h.disposition(SIGTERM), Disposition::Ignore);
        let act = sigaction {
            sa_handler: 0x4000,
            ..Default::default()
        };
        h.set(SIGUSR1, act).unwrap();
        assert_eq!(h.disposition(SIGUSR1), Disposition::Handler(act));
        assert_eq!(h.set(SIGKILL, act), Err(Errno::EINVAL));
        // SA_UNSUPPORTED (0x400) is dropped, SA_RESTART kept.
        let probe = sigaction {
            sa_handler: 0x4000,
            sa_flags: 0x400 | 0x1000_0000,
            ..Default::default()
        };
        h.set(SIGUSR2, probe).unwrap();
        assert_eq!(h.get(SIGUSR2).unwrap().sa_flags, 0x1000_0000);
        assert_eq!(h.set(0, act), Err(Errno::EINVAL));
        assert_eq!(h.set(65, act), Err(Errno::EINVAL));
        h.reset_for_exec();
        assert_eq!(
            h.disposition(SIGUSR1),
            Disposition::Terminate { core: false }
        );
        assert_eq!(h.disposition(SIGTERM), Disposition::Ignore);
    }

    #[test]
    fn standard_signals_merge_and_realtime_ones_queue() {
        let mut s = PendingSignals::default();
        let mut blocked = sigset_t::EMPTY;
        blocked.add(SIGUSR1);
        let allowed = sigset_t::FULL.difference(blocked);
        assert!(s.post(siginfo_t::new_kill(SIGUSR1, 0, 1, 0)));
        assert!(s.post(siginfo_t::new_kill(SIGUSR1, 0, 2, 0)));
        assert_eq!(s.dequeue_in(allowed), None);
        s.post(siginfo_t::new_kill(SIGTERM, 0, 1, 0));
        assert_eq!(s.dequeue_in(allowed).map(|i| i.si_signo), Some(SIGTERM));
        let i = s.dequeue_in(sigset_t::FULL).unwrap();
        assert_eq!((i.si_signo, i.si_pid()), (SIGUSR1, 1));
        assert!(s.dequeue_in(sigset_t::FULL).is_none());
        s.post(siginfo_t::new_kill(SIGRTMIN, 0, 1, 0));
        s.post(siginfo_t::new_kill(SIGRTMIN, 0, 2, 0));
        assert_eq!(s.dequeue_in(sigset_t::FULL).map(|i| i.si_pid()), Some(1));
        assert_eq!(s.dequeue_in(sigset_t::FULL).map(|i| i.si_pid()), Some(2));
        assert_eq!(s.set(), sigset_t::EMPTY);
    }
}
