//! Job control: stop signals stop every thread of a process until
//! `SIGCONT`, and the parent learns of both (`SIGCHLD` with
//! `CLD_STOPPED`/`CLD_CONTINUED` unless `SA_NOCLDSTOP`, and `wait4`'s
//! `WUNTRACED`/`WCONTINUED`).
//!
//! The stop takes effect when a thread dequeues the stop signal (default
//! action "stop"); `SIGCONT` takes effect when it is sent, as in Linux:
//! it resumes the process and discards pending stop signals, while a
//! pending stop signal is discarded by a later `SIGCONT` and vice versa.

use abi::signal::{
    siginfo_t, CLD_CONTINUED, CLD_STOPPED, SIGCHLD, SIGCONT, SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU,
};

use crate::task::{Task, ThreadGroup};
use crate::tasks::TaskTable;

/// `SA_NOCLDSTOP`: no `SIGCHLD` for a child's stop or continue.
const SA_NOCLDSTOP: u64 = 1;

/// Whether `sig` is one of the stop signals.
pub fn is_stop_signal(sig: i32) -> bool {
    matches!(sig, SIGSTOP | SIGTSTP | SIGTTIN | SIGTTOU)
}

/// Job-control state of a process (in its [`ThreadGroup`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct JobState {
    /// Stopped: its threads wait for `SIGCONT` (or `SIGKILL`).
    pub stopped: bool,
    /// A stop (by this signal) not yet reported to a `WUNTRACED` wait.
    pub stop_report: Option<i32>,
    /// A continue not yet reported to a `WCONTINUED` wait.
    pub cont_report: bool,
}

impl TaskTable {
    /// Tells the parent of `pid` that it stopped or continued: `SIGCHLD`
    /// unless the parent set `SA_NOCLDSTOP`, and a wake-up for its waits.
    pub fn notify_parent_jobctl(&self, pid: i32, code: i32, status: i32) {
        let Some(g) = self.groups.get(&pid) else {
            return;
        };
        let parent = g.parent;
        let uid = g.uid;
        if let Some(p) = self.groups.get(&parent) {
            let act = match p.tg.lock() {
                Ok(t) => t.handlers.get(SIGCHLD).unwrap_or_default(),
                Err(e) => e.into_inner().handlers.get(SIGCHLD).unwrap_or_default(),
            };
            if act.sa_flags & SA_NOCLDSTOP == 0 {
                let info = siginfo_t::new_chld(code, pid, uid, status, 0, 0);
                let _ = self.send_to_group(parent, info);
            }
            self.wake_group(parent);
        }
    }

    /// What sending `sig` to process `pid` does to its job-control state
    /// before the signal is queued: `SIGCONT` resumes a stopped process
    /// and drops pending stop signals; a stop signal drops a pending
    /// `SIGCONT`. `tg` is the process's locked thread group.
    pub fn prepare_signal(&self, pid: i32, tg: &mut ThreadGroup, sig: i32) -> Option<i32> {
        if sig == SIGCONT {
            for s in [SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU] {
                tg.pending.remove(s);
                if let Some(g) = self.groups.get(&pid) {
                    for t in &g.threads {
                        if let Some(h) = self.tasks.get(t) {
                            h.pending().remove(s);
                        }
                    }
                }
            }
            if tg.job.stopped {
                tg.job = JobState {
                    stopped: false,
                    stop_report: None,
                    cont_report: true,
                };
                return Some(CLD_CONTINUED);
            }
        } else if is_stop_signal(sig) {
            tg.pending.remove(SIGCONT);
        }
        None
    }
}

impl Task {
    /// Stops this thread's process with `sig` (its default action): every
    /// thread waits until `SIGCONT` or death; the parent is told.
    pub fn group_stop(&mut self, sig: i32) {
        let k = self.kernel().clone();
        let table = k.table();
        let pid = {
            let mut tg = self.tg();
            if tg.exit.is_some() {
                return;
            }
            tg.job = JobState {
                stopped: true,
                stop_report: Some(sig),
                cont_report: false,
            };
            tg.pid
        };
        table.notify_parent_jobctl(pid, CLD_STOPPED, sig);
        if let Some(g) = table.groups.get(&pid) {
            for t in &g.threads {
                if let Some(h) = table.tasks.get(t) {
                    h.kick();
                }
            }
        }
    }

    /// Whether this thread's process is stopped.
    pub fn is_stopped(&self) -> bool {
        self.tg().job.stopped
    }

    /// Waits while the process is stopped; `SIGCONT` (or a fatal signal)
    /// ends the wait.
    pub fn wait_while_stopped(&mut self) {
        let _ = self.block_killable(|t| !t.is_stopped());
    }
}
