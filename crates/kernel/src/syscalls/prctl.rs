//! The `prctl(2)` options beyond the thread ones in [`super::thread`]:
//! timer slack, the capability bounding set, and the seccomp query (the
//! application cannot install filters).

use abi::capability::cap_valid;
use abi::prctl::{PR_CAPBSET_READ, PR_GET_SECCOMP, PR_GET_TIMERSLACK, PR_SET_TIMERSLACK};
use abi::Errno;

use super::{SysResult, SysRet, SyscallArgs};
use crate::task::Task;

/// Linux's default timer slack (`default_timer_slack_ns`): 50 us.
pub const DEFAULT_TIMER_SLACK_NS: u64 = 50_000;

/// The options [`super::thread::sys_prctl`] does not serve; unknown ones
/// give `EINVAL`.
///
/// - `PR_CAPBSET_READ`: 1 for a valid capability (the bounding set is
///   full: nothing can drop from it), `EINVAL` otherwise.
/// - `PR_GET_SECCOMP`: 0 (the `seccomp` call is not available to the
///   application, so no filter is ever installed).
/// - `PR_SET_TIMERSLACK`/`PR_GET_TIMERSLACK`: recorded per thread and
///   inherited; 0 restores the default. The Sentry's timers wake at their
///   deadline, so the slack only ever reads back.
pub fn sys_prctl_more(t: &mut Task, a: &SyscallArgs) -> SysResult {
    match a.i32(0) {
        PR_CAPBSET_READ => {
            let cap = u32::try_from(a.u64(1)).map_err(|_| Errno::EINVAL)?;
            if !cap_valid(cap) {
                return Err(Errno::EINVAL);
            }
            Ok(SysRet::Value(1))
        }
        PR_GET_SECCOMP => SysRet::ZERO,
        PR_GET_TIMERSLACK => Ok(SysRet::Value(t.prctl.timer_slack_ns)),
        PR_SET_TIMERSLACK => {
            t.prctl.timer_slack_ns = match a.u64(1) {
                0 => DEFAULT_TIMER_SLACK_NS,
                ns => ns,
            };
            SysRet::ZERO
        }
        _ => Err(Errno::EINVAL),
    }
}
