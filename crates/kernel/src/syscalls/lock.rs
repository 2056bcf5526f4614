//! Advisory locks: `fcntl(2)` record locks (`F_GETLK`, `F_SETLK`,
//! `F_SETLKW` and the `F_OFD_*` forms) and `flock(2)`, over the
//! sandbox-wide [`crate::locks::LockTable`].

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use abi::fcntl::{
    flock, F_GETLK, F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW, F_RDLCK, F_SETLKW, F_UNLCK, F_WRLCK,
};
use abi::Errno;
use vfs::FileDescription;

use super::{SysResult, SysRet, SyscallArgs};
use crate::locks::{FileKey, LockType, Owner, Space};
use crate::task::Task;

/// `flock(2)` operations.
const LOCK_SH: u32 = 1;
const LOCK_EX: u32 = 2;
const LOCK_NB: u32 = 4;
const LOCK_UN: u32 = 8;
/// `LOCK_MAND`: ignored since Linux 5.15 (the call succeeds).
const LOCK_MAND: u32 = 32;

/// The pids of the live processes, for the table's lazy release.
fn live_pids(t: &Task) -> HashSet<i32> {
    let k = t.kernel().clone();
    let table = k.table();
    table
        .groups
        .iter()
        .filter(|(_, g)| g.zombie.is_none())
        .map(|(p, _)| *p)
        .collect()
}

fn key(file: &FileDescription) -> Result<FileKey, Errno> {
    let a = file.stat()?;
    Ok((a.dev, a.ino))
}

/// Retries `attempt` until it succeeds, sleeping on the lock table's queue
/// (every unlock notifies it) with a backoff up to 10 ms for locks that
/// owners lose by closing or exiting. A signal ends the wait
/// (`ERESTARTSYS`).
fn wait_for(t: &mut Task, mut attempt: impl FnMut(&Task) -> bool) -> Result<(), Errno> {
    let k = t.kernel().clone();
    let id = k.locks.queue().register(u32::MAX, t.handle.waiter.clone());
    let mut delay = Duration::from_micros(20);
    let r = loop {
        match t.block(Some(Instant::now() + delay), |t| attempt(t).then_some(())) {
            Err(Errno::ETIMEDOUT) => delay = (delay * 2).min(Duration::from_millis(10)),
            r => break r,
        }
    };
    k.locks.queue().unregister(id);
    r
}

/// `flock_to_posix_lock`: the byte range `[start, end)` a `struct flock`
/// names (`end` `u64::MAX` for "to end of file"): `EINVAL` for a bad
/// whence or a negative start, `EOVERFLOW` past `OFFSET_MAX`.
fn range_of(file: &FileDescription, l: &flock) -> Result<(u64, u64), Errno> {
    let base = match l.l_whence {
        0 => 0,
        1 => file.offset() as i64,
        2 => file.stat()?.size as i64,
        _ => return Err(Errno::EINVAL),
    };
    let start = base.checked_add(l.l_start).ok_or(Errno::EOVERFLOW)?;
    if start < 0 {
        return Err(Errno::EINVAL);
    }
    let (start, end) = match l.l_len {
        0 => return Ok((start as u64, u64::MAX)),
        n if n > 0 => (start, start.checked_add(n).ok_or(Errno::EOVERFLOW)?),
        n => (start.checked_add(n).ok_or(Errno::EINVAL)?, start),
    };
    if start < 0 {
        return Err(Errno::EINVAL);
    }
    Ok((start as u64, end as u64))
}

/// `fcntl(2)` record locks. POSIX locks belong to the process, OFD locks
/// to the description (`l_pid` must be 0); both conflict with each other
/// and with other owners' overlapping locks when one side writes.
pub fn fcntl_lock(t: &mut Task, a: &SyscallArgs, cmd: u32) -> SysResult {
    let file = t.file(a.fd(0))?;
    let p = a.ptr::<flock>(2);
    let mut l = p.read(t.mem())?;
    let ofd = matches!(cmd, F_OFD_GETLK | F_OFD_SETLK | F_OFD_SETLKW);
    if ofd && l.l_pid != 0 {
        return Err(Errno::EINVAL);
    }
    let kind = match l.l_type {
        F_RDLCK => Some(LockType::Read),
        F_WRLCK => Some(LockType::Write),
        F_UNLCK => None,
        _ => return Err(Errno::EINVAL),
    };
    let owner = if ofd {
        Owner::of(&file)
    } else {
        Owner::Process(t.pid())
    };
    let range = range_of(&file, &l)?;
    let k = t.kernel().clone();
    let fk = key(&file)?;
    if matches!(cmd, F_GETLK | F_OFD_GETLK) {
        let kind = kind.ok_or(Errno::EINVAL)?;
        let live = live_pids(t);
        let alive = |pid: i32| live.contains(&pid);
        match k
            .locks
            .conflict(Space::Record, fk, &owner, kind, range, &alive)
        {
            None => l.l_type = F_UNLCK,
            Some(c) => {
                l.l_type = if c.kind == LockType::Write {
                    F_WRLCK
                } else {
                    F_RDLCK
                };
                l.l_whence = 0;
                l.l_start = c.start as i64;
                l.l_len = if c.end == u64::MAX {
                    0
                } else {
                    (c.end - c.start) as i64
                };
                l.l_pid = match c.owner {
                    Owner::Process(pid) => pid,
                    Owner::Description(_) => -1,
                };
            }
        }
        p.write(t.mem(), &l)?;
        return SysRet::ZERO;
    }
    let mode = file.access_mode();
    match kind {
        Some(LockType::Read) if !mode.readable() => return Err(Errno::EBADF),
        Some(LockType::Write) if !mode.writable() => return Err(Errno::EBADF),
        _ => {}
    }
    let attempt = |t: &Task| {
        let live = live_pids(t);
        let alive = |pid: i32| live.contains(&pid);
        k.locks.set(Space::Record, fk, &owner, kind, range, &alive)
    };
    if attempt(t) {
        return SysRet::ZERO;
    }
    if !matches!(cmd, F_SETLKW | F_OFD_SETLKW) {
        return Err(Errno::EAGAIN);
    }
    wait_for(t, attempt)?;
    SysRet::ZERO
}

/// Drops the caller's POSIX locks on the file behind `file`, as closing
/// any descriptor for it does (not for `O_PATH` descriptors).
pub fn release_on_close(t: &Task, file: &Arc<FileDescription>) {
    if file.is_path_only() {
        return;
    }
    if let Ok(fk) = key(file) {
        t.kernel().locks.release_process(fk, t.pid());
    }
}

/// `flock(2)`: a whole-file lock owned by the open file description.
/// `EINVAL` for an unknown operation (checked first), `EBADF`; a
/// conversion drops the old lock before taking the new one, as Linux's
/// (so a refused `LOCK_NB` conversion leaves none).
pub fn sys_flock(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let op = a.u32(1);
    if op & LOCK_MAND != 0 {
        return SysRet::ZERO;
    }
    let kind = match op & !LOCK_NB {
        LOCK_SH => Some(LockType::Read),
        LOCK_EX => Some(LockType::Write),
        LOCK_UN => None,
        _ => return Err(Errno::EINVAL),
    };
    let file = t.file(a.fd(0))?;
    if file.is_path_only() {
        return Err(Errno::EBADF);
    }
    let owner = Owner::of(&file);
    let fk = key(&file)?;
    let k = t.kernel().clone();
    let all = (0, u64::MAX);
    let mine = k.locks.held(Space::Flock, fk);
    let held = mine.iter().find(|l| match &l.owner {
        Owner::Description(w) => std::ptr::eq(w.as_ptr(), Arc::as_ptr(&file)),
        Owner::Process(_) => false,
    });
    if held.is_some_and(|l| Some(l.kind) == kind) {
        return SysRet::ZERO;
    }
    let everyone = |_: i32| true;
    if held.is_some() {
        k.locks.set(Space::Flock, fk, &owner, None, all, &everyone);
    }
    let attempt = |_: &Task| k.locks.set(Space::Flock, fk, &owner, kind, all, &everyone);
    if attempt(t) {
        return SysRet::ZERO;
    }
    if op & LOCK_NB != 0 {
        return Err(Errno::EAGAIN);
    }
    wait_for(t, attempt)?;
    SysRet::ZERO
}
