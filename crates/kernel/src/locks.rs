//! Advisory file locks: POSIX record locks (`F_SETLK`, owned by a
//! process), open file description locks (`F_OFD_SETLK`, owned by a
//! description; they share the byte-range space with POSIX locks) and
//! `flock(2)` locks (whole file, owned by a description, a separate
//! space), with Linux's conflict, split and merge rules.
//!
//! Owners that are gone release their locks lazily: a description owner
//! is held weakly, so a lock whose description was closed no longer
//! counts; a POSIX owner counts while its process lives. Waiters sleep on
//! one queue that every unlock notifies, re-checking with a short backoff
//! for the lazy releases.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, Weak};

use vfs::{FileDescription, WaitQueue};

/// What a lock excludes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockType {
    /// Shared (`F_RDLCK`, `LOCK_SH`).
    Read,
    /// Exclusive (`F_WRLCK`, `LOCK_EX`).
    Write,
}

/// Who holds a lock.
#[derive(Clone, Debug)]
pub enum Owner {
    /// A process (POSIX record locks): its pid.
    Process(i32),
    /// An open file description (OFD and `flock` locks).
    Description(Weak<FileDescription>),
}

impl Owner {
    /// The owner of locks taken through `file`.
    pub fn of(file: &std::sync::Arc<FileDescription>) -> Owner {
        Owner::Description(std::sync::Arc::downgrade(file))
    }

    fn same(&self, other: &Owner) -> bool {
        match (self, other) {
            (Owner::Process(a), Owner::Process(b)) => a == b,
            (Owner::Description(a), Owner::Description(b)) => Weak::ptr_eq(a, b),
            _ => false,
        }
    }

    fn alive(&self, live: &dyn Fn(i32) -> bool) -> bool {
        match self {
            Owner::Process(pid) => live(*pid),
            Owner::Description(w) => w.strong_count() > 0,
        }
    }
}

/// One held lock on `[start, end)` (`end` `u64::MAX`: to the end of file,
/// however far it grows).
#[derive(Clone, Debug)]
pub struct Lock {
    /// Holder.
    pub owner: Owner,
    /// Shared or exclusive.
    pub kind: LockType,
    /// First byte.
    pub start: u64,
    /// One past the last byte.
    pub end: u64,
}

impl Lock {
    fn overlaps(&self, start: u64, end: u64) -> bool {
        self.start < end && start < self.end
    }

    fn conflicts(&self, owner: &Owner, kind: LockType, start: u64, end: u64) -> bool {
        !self.owner.same(owner)
            && self.overlaps(start, end)
            && (self.kind == LockType::Write || kind == LockType::Write)
    }
}

/// Which lock space a request is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Space {
    /// POSIX and OFD byte-range locks.
    Record,
    /// `flock(2)` whole-file locks.
    Flock,
}

/// A file, by device and inode number.
pub type FileKey = (u64, u64);

/// The locks of every file in the sandbox.
#[derive(Default)]
pub struct LockTable {
    files: Mutex<HashMap<(Space, FileKey), Vec<Lock>>>,
    queue: WaitQueue,
}

impl LockTable {
    fn lock(&self) -> MutexGuard<'_, HashMap<(Space, FileKey), Vec<Lock>>> {
        match self.files.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    /// The queue unlocks notify; waiters register on it before retrying.
    pub fn queue(&self) -> &WaitQueue {
        &self.queue
    }

    /// The first lock that keeps `owner` from taking `kind` on
    /// `[start, end)` (`F_GETLK`), ignoring owners that are gone.
    pub fn conflict(
        &self,
        space: Space,
        file: FileKey,
        owner: &Owner,
        kind: LockType,
        (start, end): (u64, u64),
        live: &dyn Fn(i32) -> bool,
    ) -> Option<Lock> {
        let mut files = self.lock();
        let locks = files.get_mut(&(space, file))?;
        locks.retain(|l| l.owner.alive(live));
        locks
            .iter()
            .find(|l| l.conflicts(owner, kind, start, end))
            .cloned()
    }

    /// Takes (`Some(kind)`) or releases (`None`) `[start, end)` for
    /// `owner`, replacing, splitting and merging its own locks there as
    /// Linux does. Returns `false`, changing nothing, when another owner's
    /// lock conflicts.
    pub fn set(
        &self,
        space: Space,
        file: FileKey,
        owner: &Owner,
        kind: Option<LockType>,
        (start, end): (u64, u64),
        live: &dyn Fn(i32) -> bool,
    ) -> bool {
        let mut files = self.lock();
        let locks = files.entry((space, file)).or_default();
        locks.retain(|l| l.owner.alive(live));
        if let Some(k) = kind {
            if locks.iter().any(|l| l.conflicts(owner, k, start, end)) {
                return false;
            }
        }
        let mut kept = Vec::with_capacity(locks.len() + 2);
        for l in locks.drain(..) {
            if !l.owner.same(owner) || !l.overlaps(start, end) {
                kept.push(l);
                continue;
            }
            // Keep the parts of our old lock outside the new range.
            if l.start < start {
                kept.push(Lock {
                    end: start,
                    ..l.clone()
                });
            }
            if l.end > end {
                kept.push(Lock { start: end, ..l });
            }
        }
        if let Some(kind) = kind {
            let (mut s, mut e) = (start, end);
            // Merge with our adjacent locks of the same type.
            kept.retain(|l| {
                let touches = l.owner.same(owner) && l.kind == kind && (l.end == s || l.start == e);
                if touches {
                    s = s.min(l.start);
                    e = e.max(l.end);
                }
                !touches
            });
            kept.push(Lock {
                owner: owner.clone(),
                kind,
                start: s,
                end: e,
            });
        }
        let empty = kept.is_empty();
        *locks = kept;
        if empty {
            files.remove(&(space, file));
        }
        drop(files);
        self.queue.notify(u32::MAX);
        true
    }

    /// Drops every record lock process `pid` holds on `file` (any close of
    /// a descriptor for the file does this for POSIX locks).
    pub fn release_process(&self, file: FileKey, pid: i32) {
        let mut files = self.lock();
        if let Some(locks) = files.get_mut(&(Space::Record, file)) {
            locks.retain(|l| !matches!(l.owner, Owner::Process(p) if p == pid));
        }
        drop(files);
        self.queue.notify(u32::MAX);
    }

    /// The locks held on `file` in `space`, for tests and `/proc/locks`.
    pub fn held(&self, space: Space, file: FileKey) -> Vec<Lock> {
        self.lock().get(&(space, file)).cloned().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const F: FileKey = (1, 2);
    const ALL: (u64, u64) = (0, u64::MAX);

    fn live(_: i32) -> bool {
        true
    }

    fn ranges(t: &LockTable) -> Vec<(u64, u64, LockType)> {
        let mut v: Vec<_> = t
            .held(Space::Record, F)
            .iter()
            .map(|l| (l.start, l.end, l.kind))
            .collect();
        v.sort_by_key(|r| r.0);
        v
    }

    #[test]
    fn processes_conflict_only_on_overlapping_writes() {
        let t = LockTable::default();
        let (a, b) = (Owner::Process(1), Owner::Process(2));
        let r = Space::Record;
        assert!(t.set(r, F, &a, Some(LockType::Read), (0, 10), &live));
        assert!(t.set(r, F, &b, Some(LockType::Read), (5, 15), &live));
        assert!(!t.set(r, F, &b, Some(LockType::Write), (5, 6), &live));
        assert!(t.set(r, F, &b, Some(LockType::Write), (10, 20), &live));
        let c = t.conflict(r, F, &b, LockType::Write, (0, 1), &live);
        assert_eq!(c.map(|l| (l.start, l.end)), Some((0, 10)));
        // Our own locks never conflict with us.
        assert!(t.set(r, F, &a, Some(LockType::Write), (0, 5), &live));
    }

    #[test]
    fn own_locks_split_and_merge() {
        let t = LockTable::default();
        let a = Owner::Process(1);
        let r = Space::Record;
        assert!(t.set(r, F, &a, Some(LockType::Write), (0, 30), &live));
        assert!(t.set(r, F, &a, None, (10, 20), &live));
        assert_eq!(
            ranges(&t),
            [(0, 10, LockType::Write), (20, 30, LockType::Write)]
        );
        assert!(t.set(r, F, &a, Some(LockType::Read), (5, 25), &live));
        assert_eq!(
            ranges(&t),
            [
                (0, 5, LockType::Write),
                (5, 25, LockType::Read),
                (25, 30, LockType::Write)
            ]
        );
        assert!(t.set(r, F, &a, Some(LockType::Write), (5, 25), &live));
        assert_eq!(ranges(&t), [(0, 30, LockType::Write)]);
        assert!(t.set(r, F, &a, None, ALL, &live));
        assert!(ranges(&t).is_empty());
    }

    #[test]
    fn gone_owners_release_their_locks() {
        let t = LockTable::default();
        let (a, b) = (Owner::Process(1), Owner::Process(2));
        let r = Space::Record;
        assert!(t.set(r, F, &a, Some(LockType::Write), ALL, &live));
        let dead = |pid: i32| pid != 1;
        assert!(t.set(r, F, &b, Some(LockType::Write), ALL, &dead));
        t.release_process(F, 2);
        assert!(t.held(r, F).is_empty());
        // flock is a separate space.
        assert!(t.set(Space::Flock, F, &a, Some(LockType::Write), ALL, &live));
        assert!(t.set(r, F, &b, Some(LockType::Write), ALL, &live));
    }
}
