//! `brk(2)`: the program break and its `[heap]` area.

use super::populate::Prefault;
use super::MemoryManager;
use crate::addr::{page_up, ProtFlags, PAGE_SIZE, PROT_RWX};
use crate::backing::Backing;
use crate::vma::{Vma, VmaFlags};
use crate::vmaset::STACK_GUARD_GAP;

impl MemoryManager {
    /// Sets the initial program break (page aligned, after the loaded
    /// program's data; the kernel adds its randomisation).
    pub fn set_start_brk(&mut self, addr: u64) {
        self.start_brk = addr;
        self.brk = addr;
    }

    /// The initial program break.
    pub fn start_brk(&self) -> u64 {
        self.start_brk
    }

    /// The current program break.
    pub fn current_brk(&self) -> u64 {
        self.brk
    }

    /// `brk(2)`: moves the program break to `addr` and returns the new
    /// break, or the unchanged one when the move is refused (below the
    /// start, over `RLIMIT_DATA` or `RLIMIT_AS`, into another mapping, or
    /// more than the overcommit heuristic allows at once), as Linux does.
    pub fn brk(&mut self, addr: u64) -> u64 {
        let old = self.brk;
        if addr < self.start_brk || addr - self.start_brk > self.limits.data {
            return old;
        }
        let (Some(new_top), Some(old_top)) = (page_up(addr), page_up(old)) else {
            return old;
        };
        if new_top > self.layout.max_addr {
            return old;
        }
        if new_top <= old_top {
            if new_top < old_top {
                self.unmap_range(new_top, old_top);
            }
            self.brk = addr;
            return addr;
        }
        // The heap may not reach into the page (or guard gap) below the next area.
        if let Some(next) = self.vmas.find_above(old_top) {
            let gap = if next.flags.contains(VmaFlags::GROWSDOWN) {
                STACK_GUARD_GAP
            } else {
                0
            };
            if new_top.saturating_add(PAGE_SIZE) > next.start.saturating_sub(gap) {
                return old;
            }
        }
        let pages = (new_top - old_top) / PAGE_SIZE;
        let locked = self.def_flags.contains(VmaFlags::LOCKED);
        if !self.may_expand(pages)
            || (locked && !self.may_lock(pages))
            || pages > self.limits.overcommit_pages
        {
            return old;
        }
        self.vmas.insert(Vma {
            start: old_top,
            end: new_top,
            prot: ProtFlags::PROT_READ | ProtFlags::PROT_WRITE,
            max_prot: PROT_RWX,
            flags: self.def_flags,
            backing: Backing::Anonymous,
            name: None,
        });
        self.vmas.merge_around(old_top, new_top);
        self.brk = addr;
        if locked && !self.def_flags.contains(VmaFlags::LOCKONFAULT) {
            let _ = self.prefault(old_top, new_top, Prefault::Default);
        }
        addr
    }
}

#[cfg(test)]
mod tests {
    use crate::addr::{AccessType, PAGE_SIZE};
    use crate::frame::MemoryFileAllocator;
    use crate::manager::{Layout, Limits, MemoryManager, MmapRequest};
    use alloc::sync::Arc;

    const P: u64 = PAGE_SIZE;
    const HEAP: u64 = 0x60_0000;

    fn mm() -> MemoryManager {
        let mut m = MemoryManager::new(
            Arc::new(MemoryFileAllocator::new(1 << 30)),
            Layout::default(),
            Limits::default(),
        );
        m.set_start_brk(HEAP);
        m
    }

    #[test]
    fn grow_shrink_and_refuse() {
        let mut m = mm();
        assert_eq!(m.brk(0), HEAP);
        assert_eq!(m.brk(HEAP + 10), HEAP + 10);
        assert_eq!(m.find_vma(HEAP).map(|v| v.end()), Some(HEAP + P));
        assert_eq!(m.brk(HEAP + 3 * P), HEAP + 3 * P);
        assert_eq!(m.vma_count(), 1);
        m.handle_fault(HEAP + 2 * P, AccessType::Write).unwrap();
        assert_eq!(m.brk(HEAP + P), HEAP + P);
        assert!(m.find_vma(HEAP + P).is_none());
        assert_eq!(m.resident_bytes(), 0);
        assert_eq!(m.frames().in_use(), 0);
        // A mapping in the way.
        let req = MmapRequest {
            addr: HEAP + 5 * P,
            len: P,
            prot: 3,
            flags: 0x32,
            ..Default::default()
        };
        m.mmap(req).unwrap();
        assert_eq!(m.brk(HEAP + 4 * P + 1), HEAP + P);
        assert_eq!(m.brk(HEAP + 4 * P), HEAP + 4 * P);
        assert_eq!(m.brk(HEAP - 1), HEAP + 4 * P);
    }

    #[test]
    fn data_limit() {
        let mut m = mm();
        m.set_limits(Limits {
            data: 2 * P,
            ..Limits::default()
        });
        assert_eq!(m.brk(HEAP + 3 * P), HEAP);
        assert_eq!(m.brk(HEAP + 2 * P), HEAP + 2 * P);
    }

    #[test]
    fn overcommit_heuristic_bounds_one_expansion() {
        let mut m = mm();
        m.set_limits(Limits {
            overcommit_pages: 4,
            ..Limits::default()
        });
        assert_eq!(m.brk(HEAP + 5 * P), HEAP);
        assert_eq!(m.brk(HEAP + 4 * P), HEAP + 4 * P);
        // The bound is per expansion, not a total (heuristic mode).
        assert_eq!(m.brk(HEAP + 8 * P), HEAP + 8 * P);
    }
}
