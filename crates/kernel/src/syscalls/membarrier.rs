//! `membarrier(2)`: memory barriers on the other threads of the process.
//!
//! Application threads are host threads (the stubs), so a barrier that
//! covers every running host thread covers them: each command that orders
//! memory issues the host's `MEMBARRIER_CMD_GLOBAL` (an RCU grace period;
//! about 15 ms on the 2-vCPU test machine, where Linux's expedited forms
//! take microseconds). The registration rules are Linux's: the private
//! expedited barrier is `EPERM` until the process registers for it, and a
//! registration lasts until `execve`.

use abi::Errno;
use rustix::thread::{membarrier, MembarrierCommand};

use super::{SysResult, SysRet, SyscallArgs};
use crate::task::Task;

const MEMBARRIER_CMD_QUERY: u32 = 0;
const MEMBARRIER_CMD_GLOBAL: u32 = 1 << 0;
const MEMBARRIER_CMD_GLOBAL_EXPEDITED: u32 = 1 << 1;
const MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED: u32 = 1 << 2;
const MEMBARRIER_CMD_PRIVATE_EXPEDITED: u32 = 1 << 3;
const MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED: u32 = 1 << 4;

/// The commands `MEMBARRIER_CMD_QUERY` reports: the `SYNC_CORE` and `RSEQ`
/// forms and `GET_REGISTRATIONS` are not implemented (`EINVAL`).
const SUPPORTED: u32 = MEMBARRIER_CMD_GLOBAL
    | MEMBARRIER_CMD_GLOBAL_EXPEDITED
    | MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED
    | MEMBARRIER_CMD_PRIVATE_EXPEDITED
    | MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED;

/// Orders memory on every running host thread.
fn barrier() -> SysResult {
    membarrier(MembarrierCommand::Global)
        .map_err(|e| Errno::from_raw(e.raw_os_error()).unwrap_or(Errno::EINVAL))?;
    SysRet::ZERO
}

/// `membarrier(2)`: `EINVAL` for flags (none are supported here) or an
/// unknown command; see the module doc for the rest.
pub fn sys_membarrier(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (cmd, flags) = (a.u32(0), a.u32(1));
    if flags != 0 {
        return Err(Errno::EINVAL);
    }
    match cmd {
        MEMBARRIER_CMD_QUERY => Ok(SysRet::Value(u64::from(SUPPORTED))),
        // Registered or not, a global barrier reaches every process.
        MEMBARRIER_CMD_GLOBAL | MEMBARRIER_CMD_GLOBAL_EXPEDITED => barrier(),
        MEMBARRIER_CMD_PRIVATE_EXPEDITED => {
            if t.tg().membarrier & MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED == 0 {
                return Err(Errno::EPERM);
            }
            barrier()
        }
        MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED | MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED => {
            t.tg().membarrier |= cmd;
            SysRet::ZERO
        }
        _ => Err(Errno::EINVAL),
    }
}
