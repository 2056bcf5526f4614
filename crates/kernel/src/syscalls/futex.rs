//! `futex(2)` for a thread group with a single thread: nobody else can be
//! waiting, so wakes wake no one; a wait either fails its value check, times
//! out, or could never end.

use std::time::Duration;

use abi::time::timespec;
use abi::Errno;

use super::{SysResult, SysRet, SyscallArgs};
use crate::task::{ExitStatus, Task};
use crate::usermem::UserPtr;

const FUTEX_WAIT: u32 = 0;
const FUTEX_WAKE: u32 = 1;
const FUTEX_REQUEUE: u32 = 3;
const FUTEX_CMP_REQUEUE: u32 = 4;
const FUTEX_WAKE_OP: u32 = 5;
const FUTEX_WAIT_BITSET: u32 = 9;
const FUTEX_WAKE_BITSET: u32 = 10;
const FUTEX_PRIVATE_FLAG: u32 = 128;
const FUTEX_CLOCK_REALTIME: u32 = 256;

/// Applies a `FUTEX_WAKE_OP` operation to `old` (`FUTEX_OP_*` encoding).
fn wake_op_value(op: u32, old: u32) -> Result<u32, Errno> {
    let kind = (op >> 28) & 7;
    let shift = op & (8 << 28) != 0;
    let mut arg = (op >> 12) & 0xfff;
    if shift {
        if arg > 31 {
            return Err(Errno::EINVAL);
        }
        arg = 1 << arg;
    }
    Ok(match kind {
        0 => arg,
        1 => old.wrapping_add(arg),
        2 => old | arg,
        3 => old & !arg,
        4 => old ^ arg,
        _ => return Err(Errno::ENOSYS),
    })
}

/// `futex(2)`: `FUTEX_WAIT(_BITSET)`, `FUTEX_WAKE(_BITSET)`, `FUTEX_REQUEUE`,
/// `FUTEX_CMP_REQUEUE`, `FUTEX_WAKE_OP`. PI operations give `ENOSYS`. A
/// wait that matches with no timeout can never be woken (there is no other
/// thread): the Sentry reports the deadlock and kills the process rather
/// than hang.
pub fn sys_futex(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (uaddr, op, val) = (a.u64(0), a.u32(1), a.u32(2));
    let cmd = op & !(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
    if op & FUTEX_CLOCK_REALTIME != 0 && !matches!(cmd, FUTEX_WAIT | FUTEX_WAIT_BITSET) {
        return Err(Errno::ENOSYS);
    }
    if !uaddr.is_multiple_of(4) {
        return Err(Errno::EINVAL);
    }
    match cmd {
        FUTEX_WAKE | FUTEX_WAKE_BITSET => {
            if cmd == FUTEX_WAKE_BITSET && a.u32(5) == 0 {
                return Err(Errno::EINVAL);
            }
            SysRet::ZERO
        }
        FUTEX_WAIT | FUTEX_WAIT_BITSET => {
            if cmd == FUTEX_WAIT_BITSET && a.u32(5) == 0 {
                return Err(Errno::EINVAL);
            }
            let tp = a.ptr::<timespec>(3);
            let timeout = if tp.is_null() {
                None
            } else {
                Some(tp.read(t.mem())?)
            };
            if let Some(ts) = &timeout {
                if ts.tv_sec < 0 || !(0..1_000_000_000).contains(&ts.tv_nsec) {
                    return Err(Errno::EINVAL);
                }
            }
            let cur = UserPtr::<u32>::new(uaddr).read(t.mem())?;
            if cur != val {
                return Err(Errno::EAGAIN);
            }
            match timeout {
                Some(ts) => {
                    let d = Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32);
                    // FUTEX_WAIT's timeout is relative; the BITSET one is
                    // absolute on its clock.
                    let d = if cmd == FUTEX_WAIT_BITSET {
                        let now = if op & FUTEX_CLOCK_REALTIME != 0 {
                            rustix::time::clock_gettime(rustix::time::ClockId::Realtime)
                        } else {
                            rustix::time::clock_gettime(rustix::time::ClockId::Monotonic)
                        };
                        d.saturating_sub(Duration::new(
                            now.tv_sec.max(0) as u64,
                            now.tv_nsec.max(0) as u32,
                        ))
                    } else {
                        d
                    };
                    std::thread::sleep(d);
                    Err(Errno::ETIMEDOUT)
                }
                None => {
                    t.kernel().debug_line(&format!(
                        "futex wait on {uaddr:#x} with no other thread to wake it: deadlock, killing"
                    ));
                    t.exit_group(ExitStatus::Signaled {
                        sig: abi::signal::SIGKILL,
                        core: false,
                    });
                    Ok(SysRet::Keep)
                }
            }
        }
        FUTEX_REQUEUE => SysRet::ZERO,
        FUTEX_CMP_REQUEUE => {
            let cur = UserPtr::<u32>::new(uaddr).read(t.mem())?;
            if cur != a.u32(5) {
                return Err(Errno::EAGAIN);
            }
            SysRet::ZERO
        }
        FUTEX_WAKE_OP => {
            let uaddr2 = a.u64(4);
            if !uaddr2.is_multiple_of(4) {
                return Err(Errno::EINVAL);
            }
            let p = UserPtr::<u32>::new(uaddr2);
            let old = p.read(t.mem())?;
            let new = wake_op_value(a.u32(5), old)?;
            p.write(t.mem(), &new)?;
            SysRet::ZERO
        }
        _ => Err(Errno::ENOSYS),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wake_op_encodings() {
        // FUTEX_OP(FUTEX_OP_ADD, 5, FUTEX_OP_CMP_EQ, 0)
        assert_eq!(wake_op_value((1 << 28) | (5 << 12), 10), Ok(15));
        // FUTEX_OP(FUTEX_OP_OR | FUTEX_OP_ARG_SHIFT, 3, ...)
        assert_eq!(wake_op_value((2 << 28) | (8 << 28) | (3 << 12), 1), Ok(9));
        assert_eq!(wake_op_value((8 << 28) | (40 << 12), 0), Err(Errno::EINVAL));
        assert_eq!(wake_op_value(0, 7), Ok(0));
    }
}
