//! A task's file-descriptor table: numbers to open file descriptions, each
//! with its own `FD_CLOEXEC` flag, allocation of the lowest free number and
//! the `RLIMIT_NOFILE` bound, as Linux's `struct files_struct`.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use abi::Errno;

/// One slot: the shared description and the per-descriptor close-on-exec flag.
#[derive(Clone, Debug)]
pub struct FdEntry<F> {
    /// The open file description (shared by `dup` copies).
    pub file: F,
    /// `FD_CLOEXEC`.
    pub cloexec: bool,
}

/// The table. `F` is the open-file type (an `Arc` of the VFS's
/// `FileDescription` in the kernel; something simpler in tests). It locks
/// itself, so observers (procfs) can read it while its task runs.
#[derive(Debug)]
pub struct FdTable<F> {
    entries: Mutex<BTreeMap<i32, FdEntry<F>>>,
}

impl<F> Default for FdTable<F> {
    fn default() -> Self {
        FdTable {
            entries: Mutex::new(BTreeMap::new()),
        }
    }
}

impl<F: Clone> Clone for FdTable<F> {
    /// A copy of every slot (what `fork` gives the child).
    fn clone(&self) -> Self {
        FdTable {
            entries: Mutex::new(self.lock().clone()),
        }
    }
}

impl<F: Clone> FdTable<F> {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// The map, locked; a poisoned lock still yields it (plain data).
    fn lock(&self) -> MutexGuard<'_, BTreeMap<i32, FdEntry<F>>> {
        match self.entries.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    /// The description behind `fd`, or `EBADF`.
    pub fn get(&self, fd: i32) -> Result<F, Errno> {
        self.lock()
            .get(&fd)
            .map(|e| e.file.clone())
            .ok_or(Errno::EBADF)
    }

    /// A copy of the slot behind `fd`, or `EBADF`.
    pub fn entry(&self, fd: i32) -> Result<FdEntry<F>, Errno> {
        self.lock().get(&fd).cloned().ok_or(Errno::EBADF)
    }

    /// Installs `file` at the lowest free number `>= min`, below `limit`
    /// (`RLIMIT_NOFILE`); `EMFILE` when none is free, `EINVAL` when `min` is
    /// out of range (as `F_DUPFD` reports).
    pub fn insert_from(&self, min: i32, file: F, cloexec: bool, limit: u64) -> Result<i32, Errno> {
        if min < 0 || min as u64 >= limit {
            return Err(Errno::EINVAL);
        }
        let mut map = self.lock();
        let mut fd = min;
        for (&k, _) in map.range(min..) {
            if k != fd {
                break;
            }
            fd = fd.checked_add(1).ok_or(Errno::EMFILE)?;
        }
        if fd as u64 >= limit {
            return Err(Errno::EMFILE);
        }
        map.insert(fd, FdEntry { file, cloexec });
        Ok(fd)
    }

    /// Installs `file` at the lowest free number (`open`, `dup`).
    pub fn insert(&self, file: F, cloexec: bool, limit: u64) -> Result<i32, Errno> {
        self.insert_from(0, file, cloexec, limit).map_err(|e| {
            if e == Errno::EINVAL {
                Errno::EMFILE
            } else {
                e
            }
        })
    }

    /// Installs `file` exactly at `fd`, returning what was there (`dup2`);
    /// `EBADF` when `fd` is negative or not below `limit`.
    pub fn insert_at(
        &self,
        fd: i32,
        file: F,
        cloexec: bool,
        limit: u64,
    ) -> Result<Option<F>, Errno> {
        if fd < 0 || fd as u64 >= limit {
            return Err(Errno::EBADF);
        }
        Ok(self
            .lock()
            .insert(fd, FdEntry { file, cloexec })
            .map(|e| e.file))
    }

    /// Removes `fd` (`close`), returning its description, or `EBADF`.
    pub fn remove(&self, fd: i32) -> Result<F, Errno> {
        self.lock().remove(&fd).map(|e| e.file).ok_or(Errno::EBADF)
    }

    /// Sets or clears `FD_CLOEXEC` on `fd`.
    pub fn set_cloexec(&self, fd: i32, cloexec: bool) -> Result<(), Errno> {
        self.lock()
            .get_mut(&fd)
            .map(|e| e.cloexec = cloexec)
            .ok_or(Errno::EBADF)
    }

    /// Removes every descriptor in `[first, last]` (`close_range`) or, with
    /// `cloexec_only`, marks them close-on-exec instead. Returns what was
    /// removed so the caller can release it outside the lock.
    pub fn close_range(&self, first: i32, last: i32, cloexec_only: bool) -> Vec<F> {
        let mut map = self.lock();
        let keys: Vec<i32> = map.range(first..=last).map(|(&k, _)| k).collect();
        let mut out = Vec::new();
        for k in keys {
            if cloexec_only {
                if let Some(e) = map.get_mut(&k) {
                    e.cloexec = true;
                }
            } else if let Some(e) = map.remove(&k) {
                out.push(e.file);
            }
        }
        out
    }

    /// Drops every close-on-exec descriptor (`execve`), returning them.
    pub fn remove_cloexec(&self) -> Vec<F> {
        let mut map = self.lock();
        let keys: Vec<i32> = map
            .iter()
            .filter(|(_, e)| e.cloexec)
            .map(|(&k, _)| k)
            .collect();
        keys.into_iter()
            .filter_map(|k| map.remove(&k))
            .map(|e| e.file)
            .collect()
    }

    /// Every open descriptor number with its slot, ascending (`/proc/<pid>/fd`).
    pub fn snapshot(&self) -> Vec<(i32, FdEntry<F>)> {
        self.lock().iter().map(|(&k, e)| (k, e.clone())).collect()
    }

    /// How many descriptors are open.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no descriptor is open.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowest_free_number_and_limits() {
        let t = FdTable::<u32>::new();
        assert_eq!(t.insert(10, false, 4), Ok(0));
        assert_eq!(t.insert(11, true, 4), Ok(1));
        assert_eq!(t.insert(12, false, 4), Ok(2));
        assert_eq!(t.remove(1), Ok(11));
        assert_eq!(t.insert(13, false, 4), Ok(1));
        assert_eq!(t.insert(14, false, 4), Ok(3));
        assert_eq!(t.insert(15, false, 4), Err(Errno::EMFILE));
        assert_eq!(t.insert_from(5, 1, false, 4), Err(Errno::EINVAL));
        assert_eq!(t.insert_at(4, 1, false, 4), Err(Errno::EBADF));
        assert_eq!(t.insert_at(-1, 1, false, 4), Err(Errno::EBADF));
        assert_eq!(t.get(7), Err(Errno::EBADF));
    }

    #[test]
    fn dup_from_and_cloexec() {
        let t = FdTable::<u32>::new();
        t.insert(1, false, 100).unwrap();
        assert_eq!(t.insert_from(0, 2, true, 100), Ok(1));
        assert_eq!(t.insert_from(10, 3, true, 100), Ok(10));
        assert_eq!(t.insert_at(0, 4, false, 100), Ok(Some(1)));
        let gone = t.remove_cloexec();
        assert_eq!(gone, vec![2, 3]);
        assert_eq!(t.len(), 1);
    }

    #[test]
    fn close_range_closes_or_marks() {
        let t = FdTable::<u32>::new();
        for i in 0..6 {
            t.insert(i, false, 100).unwrap();
        }
        assert_eq!(t.close_range(4, i32::MAX, true), Vec::<u32>::new());
        assert!(t.entry(5).unwrap().cloexec);
        assert_eq!(t.close_range(1, 2, false), vec![1, 2]);
        assert_eq!(
            t.snapshot().iter().map(|(k, _)| *k).collect::<Vec<_>>(),
            vec![0, 3, 4, 5]
        );
    }
}
