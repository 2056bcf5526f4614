//! System V semaphores: `semget(2)`, `semop(2)`, `semtimedop(2)`,
//! `semctl(2)`.
//!
//! A set's operations apply all or nothing; a caller that cannot proceed
//! sleeps on the set's queue until a change, its timeout (`EAGAIN`), a
//! signal (`EINTR`, never restarted, as Linux) or the set's removal
//! (`EIDRM`). `SEM_UNDO` adjustments are kept per process and applied
//! when it exits.
//!
//! What a guest can pin is bounded sandbox-wide as Linux's `kernel.sem`:
//! [`SEMMNI`] sets, [`SEMMNS`] semaphores in all (`ENOSPC`), and the
//! `SEM_UNDO` records of every process against [`UNDO_SLOTS`] (`ENOMEM`, as
//! Linux when it cannot allocate one).

use abi::time::timespec;
use abi::Errno;
use vfs::waitq::EVENTS_ALL;

use super::{SysResult, SysRet, SyscallArgs};
use crate::budget::Pool;
use crate::ipc::{
    now_secs, GetArgs, Locked, Object, Registry, IPC_64, IPC_NOWAIT, IPC_RMID, IPC_SET, IPC_STAT,
    MAY_READ, MAY_WRITE,
};
use crate::task::Task;
use crate::usermem::{UserPtr, UserSlice};

/// `SEMMSL`: the most semaphores in a set.
pub const SEMMSL: i32 = 32_000;
/// `SEMMNS`: the most semaphores in the sandbox.
pub const SEMMNS: u64 = 1 << 18;
/// `SEMOPM`: the most operations in one call.
pub const SEMOPM: u64 = 500;
/// `SEMMNI`: the most sets in the sandbox (Linux's default).
pub const SEMMNI: usize = 32_000;
/// `SEM_UNDO` slots of every process and set together: a record costs its
/// set's size plus [`UNDO_OVERHEAD`].
pub const UNDO_SLOTS: u64 = 1 << 20;
/// What an undo record costs beyond one slot a semaphore, in slots.
const UNDO_OVERHEAD: u64 = 8;
/// `SEMVMX`: the largest semaphore value.
const SEMVMX: i32 = 32_767;
/// `SEMAEM`: the largest `SEM_UNDO` adjustment.
const SEMAEM: i32 = SEMVMX;
/// `SEM_UNDO`: undo the operation when the process exits.
const SEM_UNDO: i16 = 0x1000;

const GETPID: i32 = 11;
const GETVAL: i32 = 12;
const GETALL: i32 = 13;
const GETNCNT: i32 = 14;
const GETZCNT: i32 = 15;
const SETVAL: i32 = 16;
const SETALL: i32 = 17;

/// One semaphore.
#[derive(Clone, Copy, Debug, Default)]
struct Sem {
    val: i32,
    /// The last process to operate on it (`GETPID`).
    pid: i32,
    /// Callers waiting for it to grow (`GETNCNT`) or reach zero (`GETZCNT`).
    ncnt: u32,
    zcnt: u32,
}

/// A semaphore set.
#[derive(Debug, Default)]
pub struct SemSet {
    sems: Vec<Sem>,
    otime: i64,
    ctime: i64,
    /// `SEM_UNDO` adjustments per process, one per semaphore.
    undo: std::collections::BTreeMap<i32, Vec<i32>>,
}

/// Every semaphore set of the kernel and the sandbox-wide budgets.
#[derive(Debug)]
pub struct SemRegistry {
    sets: Registry<SemSet>,
    /// Semaphores of every set, at most [`SEMMNS`].
    sems: Pool,
    /// Undo slots of every set, at most [`UNDO_SLOTS`].
    undo: Pool,
}

impl Default for SemRegistry {
    fn default() -> Self {
        SemRegistry {
            sets: Registry::with_max(SEMMNI),
            sems: Pool::new(SEMMNS),
            undo: Pool::new(UNDO_SLOTS),
        }
    }
}

impl SemRegistry {
    /// A new set of `nsems` semaphores, if the sandbox has room (`ENOSPC`).
    fn new_set(&self, nsems: usize) -> Result<SemSet, Errno> {
        if !self.sems.charge(nsems as u64) {
            return Err(Errno::ENOSPC);
        }
        Ok(SemSet {
            sems: vec![Sem::default(); nsems],
            ctime: now_secs(),
            ..SemSet::default()
        })
    }

    /// Set `s` was removed: gives back its semaphores and undo records.
    fn release(&self, s: &mut SemSet) {
        let n = s.sems.len();
        self.sems.release(n as u64);
        for _ in std::mem::take(&mut s.undo) {
            self.undo.release(undo_cost(n));
        }
    }
}

/// The undo slots a record for a set of `n` semaphores takes.
fn undo_cost(n: usize) -> u64 {
    n as u64 + UNDO_OVERHEAD
}

/// `struct sembuf`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct SemBuf {
    num: u16,
    op: i16,
    flg: i16,
}

/// The outcome of trying a list of operations.
#[derive(Debug, PartialEq, Eq)]
enum Try {
    Done,
    /// Operation `i` would block.
    Blocks(usize),
}

impl SemSet {
    /// `perform_atomic_semop`: applies every operation or none.
    /// A new undo record is charged to `pool` (`ENOMEM` when it is spent).
    fn apply(&mut self, ops: &[SemBuf], pid: i32, pool: &Pool) -> Result<Try, Errno> {
        let mut vals: Vec<i32> = self.sems.iter().map(|s| s.val).collect();
        let mut adj = self
            .undo
            .get(&pid)
            .cloned()
            .unwrap_or_else(|| vec![0; vals.len()]);
        for (i, op) in ops.iter().enumerate() {
            let n = usize::from(op.num);
            let cur = vals[n];
            if op.op == 0 && cur != 0 {
                return Ok(Try::Blocks(i));
            }
            let next = cur + i32::from(op.op);
            if next < 0 {
                return Ok(Try::Blocks(i));
            }
            if next > SEMVMX {
                return Err(Errno::ERANGE);
            }
            if op.flg & SEM_UNDO != 0 {
                let a = adj[n] - i32::from(op.op);
                if !(-SEMAEM - 1..=SEMAEM).contains(&a) {
                    return Err(Errno::ERANGE);
                }
                adj[n] = a;
            }
            vals[n] = next;
        }
        let undoes = ops.iter().any(|o| o.flg & SEM_UNDO != 0);
        if undoes && !self.undo.contains_key(&pid) && !pool.charge(undo_cost(vals.len())) {
            return Err(Errno::ENOMEM);
        }
        for (s, v) in self.sems.iter_mut().zip(vals) {
            s.val = v;
        }
        for op in ops {
            self.sems[usize::from(op.num)].pid = pid;
        }
        if undoes {
            self.undo.insert(pid, adj);
        }
        self.otime = now_secs();
        Ok(Try::Done)
    }

    /// `SETVAL`/`SETALL` changed semaphore `n`: its adjustments are void.
    fn forget_undo(&mut self, n: usize) {
        for adj in self.undo.values_mut() {
            if let Some(a) = adj.get_mut(n) {
                *a = 0;
            }
        }
    }

    /// Process `pid` exited: applies its adjustments, clamped to the
    /// valid range as Linux does. Whether anything changed.
    fn exit(&mut self, pid: i32, pool: &Pool) -> bool {
        let Some(adj) = self.undo.remove(&pid) else {
            return false;
        };
        pool.release(undo_cost(adj.len()));
        for (s, a) in self.sems.iter_mut().zip(adj) {
            if a != 0 {
                s.val = (s.val + a).clamp(0, SEMVMX);
                s.pid = pid;
            }
        }
        true
    }
}

/// Applies the `SEM_UNDO` adjustments of process `pid`, which exited.
pub fn exit_undo(reg: &SemRegistry, pid: i32) {
    for o in reg.sets.all() {
        if o.lock().data.exit(pid, &reg.undo) {
            o.queue.notify(EVENTS_ALL);
        }
    }
}

/// `semget(2)`: the set under `key` (with at least `nsems` semaphores),
/// made if asked.
pub fn sys_semget(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (key, nsems, flags) = (a.i32(0), a.i32(1), a.i32(2));
    if !(0..=SEMMSL).contains(&nsems) {
        return Err(Errno::EINVAL);
    }
    let k = t.kernel().clone();
    let make = || {
        if nsems == 0 {
            return Err(Errno::EINVAL);
        }
        k.sems.new_set(nsems as usize)
    };
    let fits = |s: &SemSet| {
        if nsems as usize > s.sems.len() {
            Err(Errno::EINVAL)
        } else {
            Ok(())
        }
    };
    let creds = t.creds.clone();
    let id = k.sems.sets.get(&GetArgs {
        key,
        flags,
        creds: &creds,
        make: &make,
        fits: &fits,
    })?;
    Ok(SysRet::Value(id as u64))
}

fn read_ops(t: &mut Task, addr: u64, n: u64) -> Result<Vec<SemBuf>, Errno> {
    let b = UserSlice::new(addr, n * 6).read_all(t.mem())?;
    Ok(b.chunks_exact(6)
        .map(|c| SemBuf {
            num: u16::from_le_bytes([c[0], c[1]]),
            op: i16::from_le_bytes([c[2], c[3]]),
            flg: i16::from_le_bytes([c[4], c[5]]),
        })
        .collect())
}

/// Counts (or uncounts) the caller as waiting on the operation that blocks.
fn count_waiter(s: &mut SemSet, op: SemBuf, delta: i32) {
    if let Some(sem) = s.sems.get_mut(usize::from(op.num)) {
        let c = if op.op == 0 {
            &mut sem.zcnt
        } else {
            &mut sem.ncnt
        };
        *c = c.saturating_add_signed(delta);
    }
}

/// `do_semtimedop`, with the timeout at `tp` (null: none).
fn do_semop(t: &mut Task, a: &SyscallArgs, tp: UserPtr<timespec>) -> SysResult {
    let (id, addr, nsops) = (a.i32(0), a.u64(1), a.u64(2));
    if nsops < 1 {
        return Err(Errno::EINVAL);
    }
    if nsops > SEMOPM {
        return Err(Errno::E2BIG);
    }
    let ops = read_ops(t, addr, nsops)?;
    let timeout = if tp.is_null() {
        None
    } else {
        Some(super::time::valid(&tp.read(t.mem())?)?)
    };
    let k = t.kernel().clone();
    let obj = k.sems.sets.lookup(id)?;
    let pid = t.pid();
    let deadline = timeout.map(super::time::deadline_after);
    {
        let l = obj.lock();
        if ops.iter().any(|o| usize::from(o.num) >= l.data.sems.len()) {
            return Err(Errno::EFBIG);
        }
        let want = if ops.iter().any(|o| o.op != 0) {
            MAY_WRITE
        } else {
            MAY_READ
        };
        l.perm.access(&t.creds, want)?;
    }
    let reg = obj.queue.register(EVENTS_ALL, t.handle.waiter.clone());
    let mut counted: Option<SemBuf> = None;
    let r = t.block(deadline, |_| {
        let mut l = obj.lock();
        if let Some(op) = counted.take() {
            count_waiter(&mut l.data, op, -1);
        }
        if l.removed {
            return Some(Err(Errno::EIDRM));
        }
        match l.data.apply(&ops, pid, &k.sems.undo) {
            Ok(Try::Done) => Some(Ok(())),
            Ok(Try::Blocks(i)) if ops[i].flg & IPC_NOWAIT as i16 != 0 => Some(Err(Errno::EAGAIN)),
            Ok(Try::Blocks(i)) => {
                count_waiter(&mut l.data, ops[i], 1);
                counted = Some(ops[i]);
                None
            }
            Err(e) => Some(Err(e)),
        }
    });
    if let Some(op) = counted {
        count_waiter(&mut obj.lock().data, op, -1);
    }
    obj.queue.unregister(reg);
    match r {
        Ok(Ok(())) => {
            obj.queue.notify(EVENTS_ALL);
            SysRet::ZERO
        }
        Ok(Err(e)) => Err(e),
        Err(Errno::ETIMEDOUT) => Err(Errno::EAGAIN),
        Err(Errno::ERESTARTSYS) => Err(Errno::EINTR),
        Err(e) => Err(e),
    }
}

/// `semop(2)`: waits without limit unless an operation has `IPC_NOWAIT`.
pub fn sys_semop(t: &mut Task, a: &SyscallArgs) -> SysResult {
    do_semop(t, a, UserPtr::new(0))
}

/// `semtimedop(2)`: as `semop`, giving up with `EAGAIN` after the timeout.
pub fn sys_semtimedop(t: &mut Task, a: &SyscallArgs) -> SysResult {
    do_semop(t, a, a.ptr::<timespec>(3))
}

/// `struct semid64_ds` (104 bytes on x86-64).
fn semid_ds(l: &Locked<SemSet>) -> Vec<u8> {
    let mut b = l.perm.to_bytes().to_vec();
    for v in [
        l.data.otime as u64,
        0,
        l.data.ctime as u64,
        0,
        l.data.sems.len() as u64,
        0,
        0,
    ] {
        b.extend_from_slice(&v.to_le_bytes());
    }
    b
}

/// `semctl(2)`: values, owner and mode, removal. `IPC_INFO`, `SEM_INFO`
/// and `SEM_STAT` are not provided (`EINVAL`).
pub fn sys_semctl(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (id, num, cmd, arg) = (a.i32(0), a.i32(1), a.i32(2) & !IPC_64, a.u64(3));
    if !matches!(
        cmd,
        IPC_RMID
            | IPC_SET
            | IPC_STAT
            | GETPID
            | GETVAL
            | GETALL
            | GETNCNT
            | GETZCNT
            | SETVAL
            | SETALL
    ) {
        return Err(Errno::EINVAL);
    }
    let k = t.kernel().clone();
    let obj = k.sems.sets.lookup(id)?;
    match cmd {
        IPC_RMID | IPC_SET => {
            let set = if cmd == IPC_SET {
                Some(UserSlice::new(arg, 48).read_all(t.mem())?)
            } else {
                None
            };
            let mut l = obj.lock();
            l.perm.may_change(&t.creds)?;
            match set {
                Some(b) => {
                    l.perm.set_from(&b);
                    l.data.ctime = now_secs();
                }
                None => {
                    drop(l);
                    k.sems.sets.remove(&obj);
                    k.sems.release(&mut obj.lock().data);
                }
            }
            SysRet::ZERO
        }
        IPC_STAT => {
            let b = {
                let l = obj.lock();
                l.perm.access(&t.creds, MAY_READ)?;
                semid_ds(&l)
            };
            UserSlice::new(arg, b.len() as u64).write_prefix(t.mem(), &b)?;
            SysRet::ZERO
        }
        GETALL => {
            let b: Vec<u8> = {
                let l = obj.lock();
                l.perm.access(&t.creds, MAY_READ)?;
                l.data
                    .sems
                    .iter()
                    .flat_map(|s| (s.val as u16).to_le_bytes())
                    .collect()
            };
            UserSlice::new(arg, b.len() as u64).write_prefix(t.mem(), &b)?;
            SysRet::ZERO
        }
        SETALL => {
            let n = obj.lock().data.sems.len();
            let b = UserSlice::new(arg, n as u64 * 2).read_all(t.mem())?;
            let vals: Vec<i32> = b
                .chunks_exact(2)
                .map(|c| i32::from(u16::from_le_bytes([c[0], c[1]])))
                .collect();
            if vals.iter().any(|&v| v > SEMVMX) {
                return Err(Errno::ERANGE);
            }
            let mut l = obj.lock();
            l.perm.access(&t.creds, MAY_WRITE)?;
            let pid = t.pid();
            for (i, v) in vals.into_iter().enumerate() {
                if let Some(s) = l.data.sems.get_mut(i) {
                    s.val = v;
                    s.pid = pid;
                }
                l.data.forget_undo(i);
            }
            l.data.ctime = now_secs();
            drop(l);
            obj.queue.notify(EVENTS_ALL);
            SysRet::ZERO
        }
        _ => one_sem(t, &obj, num, cmd, arg),
    }
}

/// The commands on semaphore `num` alone.
fn one_sem(t: &mut Task, obj: &Object<SemSet>, num: i32, cmd: i32, arg: u64) -> SysResult {
    let mut l = obj.lock();
    let n = usize::try_from(num).map_err(|_| Errno::EINVAL)?;
    let sem = *l.data.sems.get(n).ok_or(Errno::EINVAL)?;
    if cmd != SETVAL {
        l.perm.access(&t.creds, MAY_READ)?;
        let v = match cmd {
            GETVAL => sem.val,
            GETPID => sem.pid,
            GETNCNT => sem.ncnt as i32,
            _ => sem.zcnt as i32,
        };
        return Ok(SysRet::Value(v as u64));
    }
    let val = arg as u32 as i32;
    if !(0..=SEMVMX).contains(&val) {
        return Err(Errno::ERANGE);
    }
    l.perm.access(&t.creds, MAY_WRITE)?;
    l.data.sems[n].val = val;
    l.data.sems[n].pid = t.pid();
    l.data.forget_undo(n);
    l.data.ctime = now_secs();
    drop(l);
    obj.queue.notify(EVENTS_ALL);
    SysRet::ZERO
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(vals: &[i32]) -> SemSet {
        SemSet {
            sems: vals
                .iter()
                .map(|&val| Sem {
                    val,
                    ..Sem::default()
                })
                .collect(),
            ..SemSet::default()
        }
    }

    static POOL: Pool = Pool::new(UNDO_SLOTS);

    fn op(num: u16, op: i16, flg: i16) -> SemBuf {
        SemBuf { num, op, flg }
    }

    #[test]
    fn operations_apply_all_or_nothing() {
        let mut s = set(&[1, 0]);
        assert_eq!(
            s.apply(&[op(0, -1, 0), op(1, -1, 0)], 7, &POOL),
            Ok(Try::Blocks(1))
        );
        assert_eq!(s.sems[0].val, 1);
        assert_eq!(
            s.apply(&[op(0, -1, 0), op(1, 2, 0)], 7, &POOL),
            Ok(Try::Done)
        );
        assert_eq!((s.sems[0].val, s.sems[1].val, s.sems[1].pid), (0, 2, 7));
    }

    #[test]
    fn wait_for_zero_and_range() {
        let mut s = set(&[1]);
        assert_eq!(s.apply(&[op(0, 0, 0)], 1, &POOL), Ok(Try::Blocks(0)));
        assert_eq!(s.apply(&[op(0, i16::MAX, 0)], 1, &POOL), Err(Errno::ERANGE));
        assert_eq!(
            s.apply(&[op(0, -1, 0), op(0, 0, 0)], 1, &POOL),
            Ok(Try::Done)
        );
    }

    #[test]
    fn undo_reverts_at_exit() {
        let mut s = set(&[5]);
        assert_eq!(s.apply(&[op(0, -2, SEM_UNDO)], 9, &POOL), Ok(Try::Done));
        assert_eq!(s.apply(&[op(0, 1, SEM_UNDO)], 9, &POOL), Ok(Try::Done));
        assert_eq!(s.sems[0].val, 4);
        assert!(s.exit(9, &POOL));
        assert_eq!(s.sems[0].val, 5);
        assert!(!s.exit(9, &POOL));
    }

    #[test]
    fn setval_voids_undo() {
        let mut s = set(&[5]);
        assert_eq!(s.apply(&[op(0, -2, SEM_UNDO)], 9, &POOL), Ok(Try::Done));
        s.sems[0].val = 1;
        s.forget_undo(0);
        assert!(s.exit(9, &POOL));
        assert_eq!(s.sems[0].val, 1);
    }

    #[test]
    fn undo_clamps() {
        let mut s = set(&[3]);
        assert_eq!(s.apply(&[op(0, 3, SEM_UNDO)], 2, &POOL), Ok(Try::Done));
        s.sems[0].val = 1;
        assert!(s.exit(2, &POOL));
        assert_eq!(s.sems[0].val, 0);
    }

    #[test]
    fn sets_stop_at_semmns() {
        let r = SemRegistry::default();
        let per = SEMMSL as usize;
        let mut sets = Vec::new();
        let err = loop {
            match r.new_set(per) {
                Ok(s) => sets.push(s),
                Err(e) => break e,
            }
        };
        assert_eq!(err, Errno::ENOSPC);
        assert_eq!(sets.len() as u64, SEMMNS / per as u64);
        assert!(r.sems.used() <= SEMMNS);
        let Some(mut last) = sets.pop() else {
            panic!("no set made");
        };
        r.release(&mut last);
        assert!(r.new_set(per).is_ok());
    }

    #[test]
    fn undo_records_stop_at_their_budget() {
        let pool = Pool::new(undo_cost(1));
        let mut s = set(&[2]);
        assert_eq!(s.apply(&[op(0, -1, SEM_UNDO)], 1, &pool), Ok(Try::Done));
        assert_eq!(s.apply(&[op(0, -1, SEM_UNDO)], 1, &pool), Ok(Try::Done));
        s.sems[0].val = 2;
        assert_eq!(
            s.apply(&[op(0, -1, SEM_UNDO)], 2, &pool),
            Err(Errno::ENOMEM)
        );
        assert_eq!(s.sems[0].val, 2);
        assert_eq!(s.apply(&[op(0, -1, 0)], 2, &pool), Ok(Try::Done));
        assert!(s.exit(1, &pool));
        assert_eq!(pool.used(), 0);
        assert_eq!(s.apply(&[op(0, -1, SEM_UNDO)], 2, &pool), Ok(Try::Done));
        let r = SemRegistry::default();
        assert!(r.undo.charge(undo_cost(1)));
        assert!(r.sems.charge(1));
        r.release(&mut s);
        assert_eq!((r.sems.used(), r.undo.used()), (0, 0));
    }

    #[test]
    fn waiter_counts() {
        let mut s = set(&[0]);
        count_waiter(&mut s, op(0, -1, 0), 1);
        count_waiter(&mut s, op(0, 0, 0), 1);
        assert_eq!((s.sems[0].ncnt, s.sems[0].zcnt), (1, 1));
        count_waiter(&mut s, op(0, -1, 0), -1);
        assert_eq!(s.sems[0].ncnt, 0);
    }
}
