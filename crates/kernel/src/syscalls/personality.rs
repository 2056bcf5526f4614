//! `personality(2)`: the execution domain.
//!
//! Every persona value is recorded (per thread, inherited by children and
//! kept across `execve`, as Linux does) and read back; the Sentry runs
//! every program as `PER_LINUX`. Of the flags, `ADDR_NO_RANDOMIZE` holds
//! trivially (the sandbox does not randomise its layout); the others
//! (`READ_IMPLIES_EXEC`, `ADDR_LIMIT_32BIT`, ...) have no effect.

use super::{SysResult, SysRet, SyscallArgs};
use crate::task::Task;

/// The argument that only queries.
const QUERY: u32 = 0xffff_ffff;

/// `personality(2)`: returns the previous persona; `0xffffffff` only
/// queries.
pub fn sys_personality(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let old = t.prctl.personality;
    let new = a.u32(0);
    if new != QUERY {
        t.prctl.personality = new;
    }
    Ok(SysRet::Value(u64::from(old)))
}
