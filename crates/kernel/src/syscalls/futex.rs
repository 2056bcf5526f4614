//! `futex(2)`: waits and wakes across threads and processes through the
//! kernel's futex table ([`crate::futex`]). PI operations give `ENOSYS`.

use std::time::{Duration, Instant};

use abi::time::timespec;
use abi::Errno;

use super::{SysResult, SysRet, SyscallArgs};
use crate::futex;
use crate::task::Task;

const FUTEX_WAIT: u32 = 0;
const FUTEX_WAKE: u32 = 1;
const FUTEX_REQUEUE: u32 = 3;
const FUTEX_CMP_REQUEUE: u32 = 4;
const FUTEX_WAKE_OP: u32 = 5;
const FUTEX_WAIT_BITSET: u32 = 9;
const FUTEX_WAKE_BITSET: u32 = 10;
const FUTEX_PRIVATE_FLAG: u32 = 128;
const FUTEX_CLOCK_REALTIME: u32 = 256;

/// The deadline of a wait: `FUTEX_WAIT`'s timeout is relative, the
/// `BITSET` one absolute on the monotonic or (`FUTEX_CLOCK_REALTIME`)
/// real-time clock.
fn deadline(
    t: &mut Task,
    a: &SyscallArgs,
    absolute: bool,
    realtime: bool,
) -> Result<Option<Instant>, Errno> {
    let tp = a.ptr::<timespec>(3);
    if tp.is_null() {
        return Ok(None);
    }
    let ts = tp.read(t.mem())?;
    if ts.tv_sec < 0 || !(0..1_000_000_000).contains(&ts.tv_nsec) {
        return Err(Errno::EINVAL);
    }
    let d = Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32);
    let d = if absolute {
        let id = if realtime {
            rustix::time::ClockId::Realtime
        } else {
            rustix::time::ClockId::Monotonic
        };
        let now = rustix::time::clock_gettime(id);
        d.saturating_sub(Duration::new(
            now.tv_sec.max(0) as u64,
            now.tv_nsec.max(0) as u32,
        ))
    } else {
        d
    };
    Ok(Instant::now().checked_add(d))
}

/// `futex(2)`: `FUTEX_WAIT(_BITSET)`, `FUTEX_WAKE(_BITSET)`,
/// `FUTEX_REQUEUE`, `FUTEX_CMP_REQUEUE`, `FUTEX_WAKE_OP`. A wait sleeps
/// until woken, its timeout (`ETIMEDOUT`) or a signal (`EINTR` with a
/// timeout, else restarted per `SA_RESTART`).
pub fn sys_futex(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (uaddr, op, val) = (a.u64(0), a.u32(1), a.u32(2));
    let cmd = op & !(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
    let private = op & FUTEX_PRIVATE_FLAG != 0;
    let realtime = op & FUTEX_CLOCK_REALTIME != 0;
    // Only the absolute-deadline wait takes the real-time clock.
    if realtime && cmd != FUTEX_WAIT_BITSET {
        return Err(Errno::ENOSYS);
    }
    if !uaddr.is_multiple_of(4) {
        return Err(Errno::EINVAL);
    }
    let count = |v: u32| -> Result<u32, Errno> {
        if (v as i32) < 0 {
            Err(Errno::EINVAL)
        } else {
            Ok(v)
        }
    };
    let val2 = a.u64(3) as u32;
    match cmd {
        FUTEX_WAKE | FUTEX_WAKE_BITSET => {
            let bitset = if cmd == FUTEX_WAKE_BITSET {
                a.u32(5)
            } else {
                u32::MAX
            };
            if bitset == 0 {
                return Err(Errno::EINVAL);
            }
            let n = futex::wake(t, uaddr, private, val, bitset)?;
            Ok(SysRet::Value(u64::from(n)))
        }
        FUTEX_WAIT | FUTEX_WAIT_BITSET => {
            let bitset = if cmd == FUTEX_WAIT_BITSET {
                a.u32(5)
            } else {
                u32::MAX
            };
            if bitset == 0 {
                return Err(Errno::EINVAL);
            }
            let dl = deadline(t, a, cmd == FUTEX_WAIT_BITSET, realtime)?;
            match futex::wait(t, uaddr, private, val, bitset, dl) {
                Ok(()) => SysRet::ZERO,
                Err(Errno::ERESTARTSYS) if dl.is_some() => Err(Errno::EINTR),
                Err(e) => Err(e),
            }
        }
        FUTEX_REQUEUE | FUTEX_CMP_REQUEUE => {
            let uaddr2 = a.u64(4);
            let cmp = (cmd == FUTEX_CMP_REQUEUE).then(|| a.u32(5));
            let n = futex::requeue(
                t,
                (uaddr, uaddr2),
                private,
                (count(val)?, count(val2)?),
                cmp,
            )?;
            Ok(SysRet::Value(u64::from(n)))
        }
        FUTEX_WAKE_OP => {
            let uaddr2 = a.u64(4);
            let n = futex::wake_op(t, (uaddr, uaddr2), private, (val, val2), a.u32(5))?;
            Ok(SysRet::Value(u64::from(n)))
        }
        _ => Err(Errno::ENOSYS),
    }
}
