//! Who may signal whom: Linux's `check_kill_permission` for signals a task
//! sends (`kill`, `tgkill`, `tkill`, `rt_*sigqueueinfo`,
//! `pidfd_send_signal`). A thread may always signal its own process; else
//! the sender needs `CAP_KILL` (euid 0 here) or a real or effective uid
//! equal to the target's real or saved uid, and `SIGCONT` may also go to
//! any process of the sender's session. Signal 0 is checked the same way.

use abi::signal::SIGCONT;
use abi::Errno;

use crate::task::{Credentials, Task};
use crate::tasks::TaskTable;

/// A signal's target as the check sees it, looked up under the task table
/// lock and checked after it is released (the check reads task views).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KillTarget {
    /// Its process (thread group) id.
    pub pid: i32,
    /// The thread whose credentials count: the named thread, else the
    /// process's leader, or its first live thread once the leader exited.
    pub tid: i32,
    /// Its session id.
    pub sid: i32,
}

impl KillTarget {
    /// Process `pid`, or its thread `tid`, in `table`; `None` if unknown.
    pub fn of(table: &TaskTable, pid: i32, tid: Option<i32>) -> Option<KillTarget> {
        let g = table.groups.get(&pid)?;
        let sid = match g.tg.lock() {
            Ok(tg) => tg.sid,
            Err(p) => p.into_inner().sid,
        };
        let tid = tid.unwrap_or_else(|| {
            if g.threads.contains(&pid) {
                pid
            } else {
                g.threads.first().copied().unwrap_or(pid)
            }
        });
        Some(KillTarget { pid, tid, sid })
    }
}

/// Linux's `kill_ok_by_cred`: `CAP_KILL`, or the sender's real or
/// effective uid is the target's real or saved uid.
pub fn kill_ok_by_cred(sender: &Credentials, target: &Credentials) -> bool {
    sender.is_privileged()
        || [sender.euid, sender.uid]
            .iter()
            .any(|&u| u == target.uid || u == target.suid)
}

/// `EPERM` unless `t` may send `sig` to `target`. Must be called without
/// the task table locked.
pub fn check(t: &Task, target: &KillTarget, sig: i32) -> Result<(), Errno> {
    if target.pid == t.pid() {
        return Ok(());
    }
    // A target that has just gone has no credentials left to check; the
    // send itself then finds nothing to signal.
    let Some(view) = t.kernel().task_view(target.tid) else {
        return Ok(());
    };
    if kill_ok_by_cred(&t.creds, &view.snapshot().creds) {
        return Ok(());
    }
    if sig == SIGCONT && target.sid == t.tg().sid {
        return Ok(());
    }
    Err(Errno::EPERM)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds(uid: u32, euid: u32, suid: u32) -> Credentials {
        Credentials {
            uid,
            euid,
            suid,
            ..Credentials::default()
        }
    }

    #[test]
    fn uids_that_match_real_or_saved_ids_may_signal() {
        let target = creds(1000, 1000, 1000);
        assert!(kill_ok_by_cred(&creds(0, 0, 0), &target));
        assert!(kill_ok_by_cred(&creds(1000, 2000, 2000), &target));
        assert!(kill_ok_by_cred(&creds(2000, 1000, 2000), &target));
        assert!(!kill_ok_by_cred(&creds(2000, 2000, 1000), &target));
        // Only the target's real and saved ids count, not its effective one.
        let setuid_root = creds(1000, 0, 0);
        assert!(!kill_ok_by_cred(&creds(2000, 2000, 2000), &setuid_root));
        assert!(kill_ok_by_cred(&creds(1000, 1000, 1000), &setuid_root));
        let dropped = creds(3000, 3000, 1000);
        assert!(kill_ok_by_cred(&creds(1000, 1000, 1000), &dropped));
        // Root that dropped its effective id has no CAP_KILL.
        assert!(!kill_ok_by_cred(&creds(0, 5, 0), &creds(7, 7, 7)));
    }
}
