//! `mlock(2)`, `mlock2`, `munlock`, `mlockall` and `munlockall`: locked-memory
//! accounting against `RLIMIT_MEMLOCK`.
//!
//! Every page of this model lives in the memory file, which is never
//! swapped, so locking is accounting plus the `VM_LOCKED` flag (shown in
//! `VmLck`, refusing `MADV_DONTNEED`); pages are still populated on touch.

use abi::mman::{MlockFlags, MlockallFlags};

use super::populate::Prefault;
use super::MemoryManager;
use crate::addr::{page_down, page_up, PAGE_SIZE};
use crate::vma::VmaFlags;
use abi::Errno;

const MLOCK_ONFAULT: u64 = MlockFlags::MLOCK_ONFAULT.bits() as u64;
const MCL_CURRENT: u64 = MlockallFlags::MCL_CURRENT.bits() as u64;
const MCL_FUTURE: u64 = MlockallFlags::MCL_FUTURE.bits() as u64;
const MCL_ONFAULT: u64 = MlockallFlags::MCL_ONFAULT.bits() as u64;

impl MemoryManager {
    /// The page-rounded range of an `mlock`-family argument: the start is
    /// rounded down, as Linux does.
    fn lock_range(addr: u64, len: u64) -> Result<(u64, u64), Errno> {
        let start = page_down(addr);
        let len = len
            .checked_add(addr - start)
            .and_then(page_up)
            .ok_or(Errno::ENOMEM)?;
        let end = start.checked_add(len).ok_or(Errno::ENOMEM)?;
        Ok((start, end))
    }

    /// Linux's `can_do_mlock`: locking needs a non-zero `RLIMIT_MEMLOCK`
    /// or `CAP_IPC_LOCK`.
    fn can_do_mlock(&self) -> Result<(), Errno> {
        if self.limits.memlock == 0 && !self.limits.cap_ipc_lock {
            return Err(Errno::EPERM);
        }
        Ok(())
    }

    /// Whether `[start, end)` is mapped without holes.
    fn fully_mapped(&self, start: u64, end: u64) -> bool {
        let mut cur = start;
        for v in self.vmas.range(start, end) {
            if v.start > cur {
                return false;
            }
            cur = v.end;
        }
        cur >= end
    }

    /// Pages in `[start, end)` not yet locked.
    fn unlocked_pages(&self, start: u64, end: u64) -> u64 {
        self.vmas
            .range(start, end)
            .filter(|v| !v.flags.contains(VmaFlags::LOCKED))
            .map(|v| (v.end.min(end) - v.start.max(start)) / PAGE_SIZE)
            .sum()
    }

    fn set_lock(&mut self, start: u64, end: u64, add: VmaFlags, remove: VmaFlags) {
        self.vmas
            .update_range(start, end, |v| v.flags = (v.flags | add) - remove);
        self.vmas.merge_around(start, end);
    }

    /// `mlock2(2)` (`mlock` is `flags == 0`): locks `[addr, addr + len)`.
    /// `ENOMEM` for unmapped parts or over `RLIMIT_MEMLOCK`.
    pub fn mlock(&mut self, addr: u64, len: u64, flags: u64) -> Result<(), Errno> {
        if flags & !MLOCK_ONFAULT != 0 {
            return Err(Errno::EINVAL);
        }
        self.can_do_mlock()?;
        let (start, end) = Self::lock_range(addr, len)?;
        if start == end {
            return Ok(());
        }
        if !self.fully_mapped(start, end) {
            return Err(Errno::ENOMEM);
        }
        if !self.may_lock(self.unlocked_pages(start, end)) {
            return Err(Errno::ENOMEM);
        }
        let onfault = if flags & MLOCK_ONFAULT != 0 {
            VmaFlags::LOCKONFAULT
        } else {
            VmaFlags::empty()
        };
        self.set_lock(
            start,
            end,
            VmaFlags::LOCKED | onfault,
            VmaFlags::LOCKONFAULT - onfault,
        );
        if onfault.is_empty() {
            // Linux's `__mlock_posix_error_return`.
            self.prefault(start, end, Prefault::Default)
                .map_err(|e| match e {
                    Errno::ENOMEM => Errno::EAGAIN,
                    _ => Errno::ENOMEM,
                })?;
        }
        Ok(())
    }

    /// `munlock(2)`: unlocks `[addr, addr + len)`.
    pub fn munlock(&mut self, addr: u64, len: u64) -> Result<(), Errno> {
        let (start, end) = Self::lock_range(addr, len)?;
        if start == end {
            return Ok(());
        }
        if !self.fully_mapped(start, end) {
            return Err(Errno::ENOMEM);
        }
        self.set_lock(
            start,
            end,
            VmaFlags::empty(),
            VmaFlags::LOCKED | VmaFlags::LOCKONFAULT,
        );
        Ok(())
    }

    /// `mlockall(2)`: locks current and/or future mappings.
    pub fn mlockall(&mut self, flags: u64) -> Result<(), Errno> {
        if flags == 0
            || flags & !(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) != 0
            || flags == MCL_ONFAULT
        {
            return Err(Errno::EINVAL);
        }
        self.can_do_mlock()?;
        let onfault = if flags & MCL_ONFAULT != 0 {
            VmaFlags::LOCKONFAULT
        } else {
            VmaFlags::empty()
        };
        if flags & MCL_CURRENT != 0 {
            if !self.may_lock(self.unlocked_pages(0, u64::MAX)) {
                return Err(Errno::ENOMEM);
            }
            self.set_lock(0, u64::MAX, VmaFlags::LOCKED | onfault, VmaFlags::empty());
            if onfault.is_empty() {
                let ranges: alloc::vec::Vec<(u64, u64)> =
                    self.vmas.iter().map(|v| (v.start, v.end)).collect();
                for (s, e) in ranges {
                    let _ = self.prefault(s, e, Prefault::Default);
                }
            }
        }
        self.def_flags -= VmaFlags::LOCKED | VmaFlags::LOCKONFAULT;
        if flags & MCL_FUTURE != 0 {
            self.def_flags |= VmaFlags::LOCKED | onfault;
        }
        Ok(())
    }

    /// `munlockall(2)`: unlocks everything and stops locking new mappings.
    pub fn munlockall(&mut self) {
        self.def_flags -= VmaFlags::LOCKED | VmaFlags::LOCKONFAULT;
        self.set_lock(
            0,
            u64::MAX,
            VmaFlags::empty(),
            VmaFlags::LOCKED | VmaFlags::LOCKONFAULT,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::MemoryFileAllocator;
    use crate::manager::{Layout, Limits, MmapRequest};
    use alloc::sync::Arc;

    const P: u64 = PAGE_SIZE;
    const A: u64 = 0x1000_0000;

    fn mm() -> MemoryManager {
        let mut m = MemoryManager::new(
            Arc::new(MemoryFileAllocator::new(1 << 30)),
            Layout::default(),
            Limits {
                memlock: 2 * P,
                ..Limits::default()
            },
        );
        let req = MmapRequest {
            addr: A,
            len: 4 * P,
            prot: 3,
            flags: 0x32,
            ..Default::default()
        };
        assert_eq!(m.mmap(req), Ok(A));
        m
    }

    #[test]
    fn accounting_and_limits() {
        let mut m = mm();
        assert_eq!(
            m.mlock(A + 10, P, 0),
            Ok(()),
            "start rounds down, length covers the tail"
        );
        assert_eq!(m.locked_bytes(), 2 * P);
        assert_eq!(
            m.mlock(A + 2 * P, P, 0),
            Err(Errno::ENOMEM),
            "over RLIMIT_MEMLOCK"
        );
        assert_eq!(
            m.mlock(A, P, 0),
            Ok(()),
            "already locked pages do not count twice"
        );
        assert_eq!(m.mlock(A, P, 2), Err(Errno::EINVAL));
        assert_eq!(m.mlock(A + 3 * P, 2 * P, 0), Err(Errno::ENOMEM), "hole");
        m.munlock(A, P).unwrap();
        assert_eq!(m.locked_bytes(), P);
        m.munlockall();
        assert_eq!(m.locked_bytes(), 0);
        assert_eq!(m.vma_count(), 1);
    }

    #[test]
    fn mlockall_future() {
        let mut m = mm();
        assert_eq!(m.mlockall(0), Err(Errno::EINVAL));
        m.set_limits(Limits {
            memlock: 0,
            ..Limits::default()
        });
        assert_eq!(m.mlockall(MCL_CURRENT), Err(Errno::EPERM));
        assert_eq!(m.mlock(A, P, 0), Err(Errno::EPERM));
        m.set_limits(Limits {
            memlock: 2 * P,
            ..Limits::default()
        });
        assert_eq!(m.mlockall(MCL_ONFAULT), Err(Errno::EINVAL));
        assert_eq!(m.mlockall(MCL_CURRENT), Err(Errno::ENOMEM));
        m.set_limits(Limits {
            memlock: 16 * P,
            ..Limits::default()
        });
        m.mlockall(MCL_CURRENT | MCL_FUTURE).unwrap();
        let req = MmapRequest {
            addr: 0,
            len: P,
            prot: 3,
            flags: 0x22,
            ..Default::default()
        };
        let b = m.mmap(req).unwrap();
        assert!(m
            .find_vma(b)
            .is_some_and(|v| v.flags().contains(VmaFlags::LOCKED)));
        assert_eq!(m.locked_bytes(), 5 * P);
    }
}
