//! Futex wait queues of the whole sandbox, as Linux's futex hash: waiters
//! are keyed by what identifies the futex word. A private futex (the
//! `FUTEX_PRIVATE_FLAG`, or any word in a private mapping) is keyed by its
//! address space and address; a word in a shared mapping by its page in
//! the memory file, so processes sharing the page meet.
//!
//! The word is read under the table lock, so a waker that changes it and
//! then wakes cannot slip between a waiter's check and its enqueueing.

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use abi::Errno;
use vfs::waitq::{Notify, EVENTS_ALL};

use crate::task::Task;
use crate::usermem::UserPtr;
use crate::waiter::Waiter;

/// What identifies a futex word.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum FutexKey {
    /// Address space (its identity) and address.
    Private(usize, u64),
    /// Offset of the word in the memory file.
    Shared(u64),
}

#[derive(Debug)]
struct FutexWaiter {
    bitset: u32,
    woken: Arc<AtomicBool>,
    waiter: Arc<Waiter>,
}

/// Every futex waiter, by key.
#[derive(Debug, Default)]
pub struct FutexTable {
    queues: Mutex<BTreeMap<FutexKey, VecDeque<FutexWaiter>>>,
}

impl FutexTable {
    fn lock(&self) -> MutexGuard<'_, BTreeMap<FutexKey, VecDeque<FutexWaiter>>> {
        match self.queues.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    /// How many tasks wait on `key`.
    pub fn waiters(&self, key: FutexKey) -> usize {
        self.lock().get(&key).map_or(0, VecDeque::len)
    }
}

/// Wakes up to `n` waiters of `key` whose bitset meets `bitset`.
fn wake_locked(
    q: &mut BTreeMap<FutexKey, VecDeque<FutexWaiter>>,
    key: FutexKey,
    n: u32,
    bitset: u32,
) -> u32 {
    let Some(list) = q.get_mut(&key) else {
        return 0;
    };
    let mut woken = 0;
    let mut i = 0;
    while i < list.len() && woken < n {
        if list[i].bitset & bitset != 0 {
            if let Some(w) = list.remove(i) {
                w.woken.store(true, Ordering::SeqCst);
                w.waiter.notify(EVENTS_ALL);
                woken += 1;
            }
        } else {
            i += 1;
        }
    }
    if list.is_empty() {
        q.remove(&key);
    }
    woken
}

/// The key of the word at `addr` for `t`.
pub fn key(t: &Task, addr: u64, private: bool) -> Result<FutexKey, Errno> {
    if !addr.is_multiple_of(4) {
        return Err(Errno::EINVAL);
    }
    let mm_id = Arc::as_ptr(&t.mem.mm) as usize;
    if private {
        return Ok(FutexKey::Private(mm_id, addr));
    }
    let mut mm = t.mem.mm();
    // A shared key looks at the word's page: an inaccessible one is a
    // fault, as Linux's get_user_pages would report.
    let shared = !mm.find_vma(addr).ok_or(Errno::EFAULT)?.is_private();
    let segs = mm.translate(addr, 4, false)?;
    drop(mm);
    if !shared {
        return Ok(FutexKey::Private(mm_id, addr));
    }
    let seg = segs.first().ok_or(Errno::EFAULT)?;
    Ok(FutexKey::Shared(seg.file_offset))
}

/// `FUTEX_WAIT`: sleeps on the word at `addr` if it still holds `val`
/// (`EAGAIN` otherwise) until woken, `deadline` (`ETIMEDOUT`) or a signal
/// (`ERESTARTSYS`).
pub fn wait(
    t: &mut Task,
    addr: u64,
    private: bool,
    val: u32,
    bitset: u32,
    deadline: Option<Instant>,
) -> Result<(), Errno> {
    let k = key(t, addr, private)?;
    let woken = Arc::new(AtomicBool::new(false));
    {
        let futexes = &t.kernel().clone().futexes;
        let mut q = futexes.lock();
        let cur = UserPtr::<u32>::new(addr).read(t.mem())?;
        if cur != val {
            return Err(Errno::EAGAIN);
        }
        q.entry(k).or_default().push_back(FutexWaiter {
            bitset,
            woken: woken.clone(),
            waiter: t.handle.waiter.clone(),
        });
    }
    let r = t.block(deadline, |_| woken.load(Ordering::SeqCst).then_some(()));
    if r.is_err() {
        // Still queued (perhaps requeued elsewhere): leave, unless a wake
        // raced with the timeout or signal, which then wins.
        let kernel = t.kernel().clone();
        let mut q = kernel.futexes.lock();
        if woken.load(Ordering::SeqCst) {
            return Ok(());
        }
        q.retain(|_, list| {
            list.retain(|w| !Arc::ptr_eq(&w.woken, &woken));
            !list.is_empty()
        });
    }
    r
}

/// `FUTEX_WAKE`: wakes up to `n` waiters on the word at `addr`.
pub fn wake(t: &Task, addr: u64, private: bool, n: u32, bitset: u32) -> Result<u32, Errno> {
    let k = key(t, addr, private)?;
    Ok(wake_locked(&mut t.kernel().futexes.lock(), k, n, bitset))
}

/// `FUTEX_REQUEUE`/`FUTEX_CMP_REQUEUE`: wakes up to `n_wake` waiters on
/// `addr` and moves up to `n_requeue` others to `addr2`; with `cmp`, only
/// if the word at `addr` still holds it (`EAGAIN`).
pub fn requeue(
    t: &mut Task,
    (addr, addr2): (u64, u64),
    private: bool,
    (n_wake, n_requeue): (u32, u32),
    cmp: Option<u32>,
) -> Result<u32, Errno> {
    let (k1, k2) = (key(t, addr, private)?, key(t, addr2, private)?);
    let kernel = t.kernel().clone();
    let mut q = kernel.futexes.lock();
    if let Some(v) = cmp {
        if UserPtr::<u32>::new(addr).read(t.mem())? != v {
            return Err(Errno::EAGAIN);
        }
    }
    let woken = wake_locked(&mut q, k1, n_wake, u32::MAX);
    let mut moved = Vec::new();
    if let Some(list) = q.get_mut(&k1) {
        for _ in 0..n_requeue {
            match list.pop_front() {
                Some(w) => moved.push(w),
                None => break,
            }
        }
        if list.is_empty() {
            q.remove(&k1);
        }
    }
    let n_moved = moved.len() as u32;
    if n_moved > 0 {
        q.entry(k2).or_default().extend(moved);
    }
    Ok(woken + n_moved)
}

/// `FUTEX_WAKE_OP`: under the futex lock, applies `op` to the word at
/// `addr2`, wakes up to `n` waiters on `addr` and, if the old value of
/// `addr2` passes `op`'s comparison, up to `n2` on `addr2`. The update is
/// not atomic against application threads running at the same moment (the
/// Sentry writes the memory file with plain copies).
pub fn wake_op(
    t: &mut Task,
    (addr, addr2): (u64, u64),
    private: bool,
    (n, n2): (u32, u32),
    op: u32,
) -> Result<u32, Errno> {
    let (k1, k2) = (key(t, addr, private)?, key(t, addr2, private)?);
    let kernel = t.kernel().clone();
    let mut q = kernel.futexes.lock();
    let p = UserPtr::<u32>::new(addr2);
    let old = p.read(t.mem())?;
    let (new, pass) = wake_op_apply(op, old)?;
    p.write(t.mem(), &new)?;
    let mut woken = wake_locked(&mut q, k1, n, u32::MAX);
    if pass {
        woken += wake_locked(&mut q, k2, n2, u32::MAX);
    }
    Ok(woken)
}

fn sign_extend12(v: u32) -> i32 {
    ((v << 20) as i32) >> 20
}

/// Decodes a `FUTEX_OP(op, oparg, cmp, cmparg)` word and applies it to
/// `old`: the new value and whether the comparison of `old` passes.
pub fn wake_op_apply(encoded: u32, old: u32) -> Result<(u32, bool), Errno> {
    let op = (encoded >> 28) & 7;
    let shift = encoded & (8 << 28) != 0;
    let cmp = (encoded >> 24) & 15;
    let mut oparg = sign_extend12((encoded >> 12) & 0xfff);
    let cmparg = sign_extend12(encoded & 0xfff);
    if shift {
        if !(0..=31).contains(&oparg) {
            return Err(Errno::EINVAL);
        }
        oparg = 1 << oparg;
    }
    let arg = oparg as u32;
    let new = match op {
        0 => arg,
        1 => old.wrapping_add(arg),
        2 => old | arg,
        3 => old & !arg,
        4 => old ^ arg,
        _ => return Err(Errno::ENOSYS),
    };
    let o = old as i32;
    let pass = match cmp {
        0 => o == cmparg,
        1 => o != cmparg,
        2 => o < cmparg,
        3 => o <= cmparg,
        4 => o > cmparg,
        5 => o >= cmparg,
        _ => return Err(Errno::ENOSYS),
    };
    Ok((new, pass))
}

/// `FUTEX_WAITERS`: the word's owner must wake someone on release.
const FUTEX_WAITERS: u32 = 0x8000_0000;
/// `FUTEX_OWNER_DIED`: the owner exited holding it.
const FUTEX_OWNER_DIED: u32 = 0x4000_0000;
/// The owner's tid in a robust futex word.
const FUTEX_TID_MASK: u32 = 0x3fff_ffff;
/// Linux's bound on a robust list walk (`ROBUST_LIST_LIMIT`).
const ROBUST_LIST_LIMIT: usize = 2048;

/// Marks one robust futex of exiting thread `tid` as owner-died and
/// wakes a waiter, as Linux's `handle_futex_death`.
fn futex_death(t: &mut Task, addr: u64, tid: i32) -> Result<(), Errno> {
    let p = UserPtr::<u32>::new(addr);
    let word = p.read(t.mem())?;
    if word & FUTEX_TID_MASK != tid as u32 {
        return Ok(());
    }
    p.write(t.mem(), &((word & FUTEX_WAITERS) | FUTEX_OWNER_DIED))?;
    if word & FUTEX_WAITERS != 0 {
        wake(t, addr, false, 1, u32::MAX)?;
    }
    Ok(())
}

/// Walks the exiting thread's robust list (`set_robust_list`): every
/// robust mutex it still holds becomes owner-died, so the next locker
/// gets `EOWNERDEAD` instead of waiting forever. A bad list just ends the
/// walk.
pub fn exit_robust_list(t: &mut Task) {
    let (head, len) = t.robust_list;
    if head == 0 || len != 24 {
        return;
    }
    let Ok([first, offset, pending]) = UserPtr::<[u64; 3]>::new(head).read(t.mem()) else {
        return;
    };
    let offset = offset as i64;
    let tid = t.tid;
    let mut entry = first;
    for _ in 0..ROBUST_LIST_LIMIT {
        if entry == head {
            break;
        }
        let Ok(next) = UserPtr::<u64>::new(entry & !1).read(t.mem()) else {
            break;
        };
        // A PI futex (low bit) is not handled: there are no PI futexes.
        if entry & 1 == 0 && entry != pending {
            let _ = futex_death(t, entry.wrapping_add_signed(offset), tid);
        }
        entry = next;
    }
    if pending != 0 && pending & 1 == 0 {
        let _ = futex_death(t, pending.wrapping_add_signed(offset), tid);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wake_op_encodings() {
        // FUTEX_OP(FUTEX_OP_ADD, 5, FUTEX_OP_CMP_EQ, 10)
        assert_eq!(
            wake_op_apply((1 << 28) | (5 << 12) | 10, 10),
            Ok((15, true))
        );
        // FUTEX_OP(FUTEX_OP_OR | FUTEX_OP_ARG_SHIFT, 3, FUTEX_OP_CMP_GT, 1)
        let op = (2 << 28) | (8 << 28) | (4 << 24) | (3 << 12) | 1;
        assert_eq!(wake_op_apply(op, 1), Ok((9, false)));
        assert_eq!(wake_op_apply((8 << 28) | (40 << 12), 0), Err(Errno::EINVAL));
        // Negative comparison argument (sign-extended 12 bits).
        assert_eq!(wake_op_apply((2 << 24) | 0xfff, 0), Ok((0, false)));
        assert_eq!(wake_op_apply(6 << 24, 7), Err(Errno::ENOSYS));
    }

    #[test]
    fn wake_respects_count_and_bitset() {
        let mut q = BTreeMap::new();
        let key = FutexKey::Private(1, 0x1000);
        let other = FutexKey::Shared(0x2000);
        let mut flags = Vec::new();
        for bitset in [1u32, 2, 1] {
            let woken = Arc::new(AtomicBool::new(false));
            flags.push(woken.clone());
            q.entry(key)
                .or_insert_with(VecDeque::new)
                .push_back(FutexWaiter {
                    bitset,
                    woken,
                    waiter: Arc::new(Waiter::new()),
                });
        }
        assert_eq!(wake_locked(&mut q, other, 5, u32::MAX), 0);
        assert_eq!(wake_locked(&mut q, key, 5, 1), 2);
        assert!(flags[0].load(Ordering::SeqCst) && flags[2].load(Ordering::SeqCst));
        assert!(!flags[1].load(Ordering::SeqCst));
        assert_eq!(wake_locked(&mut q, key, 0, u32::MAX), 0);
        assert_eq!(wake_locked(&mut q, key, 1, u32::MAX), 1);
        assert!(q.is_empty());
    }

    #[test]
    fn keys_differ_by_address_space_and_kind() {
        assert_ne!(FutexKey::Private(1, 8), FutexKey::Private(2, 8));
        assert_ne!(FutexKey::Private(1, 8), FutexKey::Shared(8));
        assert_eq!(FutexKey::Shared(8), FutexKey::Shared(8));
    }
}
