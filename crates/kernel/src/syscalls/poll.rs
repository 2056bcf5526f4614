//! Readiness: `poll(2)` and `ppoll(2)`.
//!
//! Files report readiness without blocking; with no wait queues yet, a
//! poll that has to wait re-checks its descriptors with an exponential
//! backoff (capped at 10 ms) until one is ready or the timeout passes.

use std::time::{Duration, Instant};

use abi::poll::pollfd;
use abi::time::timespec;
use abi::Errno;

use super::{SysResult, SysRet, SyscallArgs};
use crate::task::Task;
use crate::usermem::UserPtr;

const POLLNVAL: i16 = 0x20;
const POLLERR: i16 = 0x8;
const POLLHUP: i16 = 0x10;

/// Checks every entry once; returns how many have events.
fn scan(t: &Task, fds: &mut [pollfd]) -> u64 {
    let mut n = 0;
    for p in fds.iter_mut() {
        p.revents = 0;
        if p.fd < 0 {
            continue;
        }
        p.revents = match t.file(p.fd) {
            Err(_) => POLLNVAL,
            Ok(f) => {
                let want = (p.events as u16 as u32) | (POLLERR | POLLHUP) as u32;
                (f.readiness(want) & want) as i16
            }
        };
        if p.revents != 0 {
            n += 1;
        }
    }
    n
}

fn do_poll(t: &mut Task, addr: u64, nfds: u64, timeout: Option<Duration>) -> SysResult {
    if nfds > t.nofile().max(crate::limits::NR_OPEN) {
        return Err(Errno::EINVAL);
    }
    let base = UserPtr::<pollfd>::new(addr);
    let mut fds = Vec::with_capacity(nfds.min(4096) as usize);
    for i in 0..nfds {
        fds.push(base.index(i)?.read(t.mem())?);
    }
    let start = Instant::now();
    let mut delay = Duration::from_micros(20);
    let n = loop {
        let n = scan(t, &mut fds);
        if n > 0 {
            break n;
        }
        let left = match timeout {
            Some(d) => match d.checked_sub(start.elapsed()) {
                Some(l) if !l.is_zero() => l,
                _ => break 0,
            },
            None => delay,
        };
        std::thread::sleep(delay.min(left));
        delay = (delay * 2).min(Duration::from_millis(10));
    };
    for (i, p) in fds.iter().enumerate() {
        base.index(i as u64)?.write(t.mem(), p)?;
    }
    Ok(SysRet::Value(n))
}

/// `poll(2)`: a negative timeout waits without limit.
pub fn sys_poll(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let ms = a.i32(2);
    let timeout = (ms >= 0).then(|| Duration::from_millis(ms as u64));
    do_poll(t, a.u64(0), a.u64(1), timeout)
}

/// `ppoll(2)`: the signal mask argument is accepted; with no asynchronous
/// signals in a single-threaded sandbox it changes nothing during the wait.
pub fn sys_ppoll(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let tp = a.ptr::<timespec>(2);
    let timeout = if tp.is_null() {
        None
    } else {
        let ts = tp.read(t.mem())?;
        if ts.tv_sec < 0 || !(0..1_000_000_000).contains(&ts.tv_nsec) {
            return Err(Errno::EINVAL);
        }
        Some(Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32))
    };
    if a.u64(3) != 0 && a.u64(4) != 8 {
        return Err(Errno::EINVAL);
    }
    do_poll(t, a.u64(0), a.u64(1), timeout)
}
