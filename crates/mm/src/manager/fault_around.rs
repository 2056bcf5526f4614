//! Fault-around: when a fault maps a page, also map the populated but
//! unmapped pages next to it that the same platform operation can cover,
//! in the spirit of Linux's `fault_around_bytes`.
//!
//! Why: after `fork` the child has every page populated and nothing mapped,
//! and each first touch would otherwise cost a fault plus one platform map
//! operation (a stub round trip on systrap and ptrace). Only neighbours
//! whose memory-file pages continue the faulting page's (and whose
//! protection is the same) are taken, so the fault still costs exactly one
//! operation, now covering more pages.
//!
//! The same for a write fault that only lifted copy-on-write protection
//! (the page's other users are gone, typically a forked child that exited):
//! the mapped neighbours in the same state get write access too, in one
//! protect operation that replaces the page's own map.
//!
//! Nothing is populated here: only pages the model already holds are
//! mapped, with their effective protection (copy-on-write pages stay
//! read-only), so what the application sees is unchanged.

use super::MemoryManager;
use crate::addr::PAGE_SIZE;
use crate::op::PlatformOp;

/// Pages in the aligned fault-around window (256 KiB).
pub const FAULT_AROUND_PAGES: u64 = 64;

impl MemoryManager {
    /// Widens the map operation just recorded for the faulting `page` to
    /// the unmapped populated pages around it in the window (and its area)
    /// that continue it in the memory file with the same protection.
    pub(super) fn map_around(&mut self, page: u64) {
        let Some(&PlatformOp::Map {
            addr,
            len: PAGE_SIZE,
            prot,
            file_offset,
        }) = self.ops.last()
        else {
            return;
        };
        let Some(v) = self.vmas.find(page) else {
            return;
        };
        if addr != page {
            return;
        }
        let (lo_bound, hi_bound) = window(page, v.start, v.end);
        let area_prot = v.prot;
        // Whether page `p` continues the run.
        let fits = |mm: &MemoryManager, p: u64| -> bool {
            mm.ptes.get(p).is_some_and(|pte| {
                !pte.mapped
                    && pte.effective(area_prot) == prot
                    && pte.frame.file_offset().wrapping_sub(file_offset) == p.wrapping_sub(page)
            })
        };
        let (lo, hi) = self.run_around(page, (lo_bound, hi_bound), fits);
        if hi - lo == PAGE_SIZE {
            return;
        }
        for (_, pte) in self.ptes.range_mut(lo, hi) {
            pte.mapped = true;
        }
        self.ops.pop();
        self.ops.push(PlatformOp::Map {
            addr: lo,
            len: hi - lo,
            prot,
            file_offset: file_offset - (page - lo),
        });
    }

    /// After a write fault on the mapped `page` that kept its frame (only
    /// write access was granted), grants write access to the mapped
    /// neighbours around it whose frames are private and no longer shared,
    /// with one protect operation instead of the page's map.
    pub(super) fn unshare_around(&mut self, page: u64) {
        let Some(&PlatformOp::Map {
            addr,
            len: PAGE_SIZE,
            prot,
            ..
        }) = self.ops.last()
        else {
            return;
        };
        let Some(v) = self.vmas.find(page) else {
            return;
        };
        if addr != page || prot != v.prot {
            return;
        }
        let (lo_bound, hi_bound) = window(page, v.start, v.end);
        let fits = |mm: &MemoryManager, p: u64| -> bool {
            mm.ptes.get(p).is_some_and(|pte| {
                pte.mapped && pte.anon && !pte.writable && mm.frames.refcount(pte.frame) == 1
            })
        };
        let (lo, hi) = self.run_around(page, (lo_bound, hi_bound), fits);
        if hi - lo == PAGE_SIZE {
            return;
        }
        for (_, pte) in self.ptes.range_mut(lo, hi) {
            pte.writable = true;
        }
        self.ops.pop();
        self.ops.push(PlatformOp::Protect {
            addr: lo,
            len: hi - lo,
            prot,
        });
    }

    /// The widest run `[lo, hi)` of pages around `page`, within
    /// `[lo_bound, hi_bound)`, whose every neighbour satisfies `fits`.
    fn run_around(
        &self,
        page: u64,
        (lo_bound, hi_bound): (u64, u64),
        fits: impl Fn(&MemoryManager, u64) -> bool,
    ) -> (u64, u64) {
        let mut lo = page;
        while lo > lo_bound && fits(self, lo - PAGE_SIZE) {
            lo -= PAGE_SIZE;
        }
        let mut hi = page + PAGE_SIZE;
        while hi < hi_bound && fits(self, hi) {
            hi += PAGE_SIZE;
        }
        (lo, hi)
    }
}

/// The fault-around window of `page`, clipped to its area `[start, end)`.
fn window(page: u64, start: u64, end: u64) -> (u64, u64) {
    let size = FAULT_AROUND_PAGES * PAGE_SIZE;
    let base = page & !(size - 1);
    (base.max(start), (base + size).min(end))
}

#[cfg(test)]
mod tests {
    use super::FAULT_AROUND_PAGES;
    use crate::addr::{AccessType, ProtFlags, PAGE_SIZE};
    use crate::frame::MemoryFileAllocator;
    use crate::manager::{Layout, Limits, MemoryManager, MmapRequest};
    use crate::op::PlatformOp;
    use alloc::sync::Arc;
    use alloc::vec::Vec;

    const P: u64 = PAGE_SIZE;
    const A: u64 = 0x1000_0000;

    fn anon(pages: u64) -> MemoryManager {
        let mut m = MemoryManager::new(
            Arc::new(MemoryFileAllocator::new(1 << 30)),
            Layout::default(),
            Limits::default(),
        );
        let req = MmapRequest {
            addr: A,
            len: pages * P,
            prot: 3,
            flags: 0x22 | 0x10,
            ..Default::default()
        };
        assert_eq!(m.mmap(req), Ok(A));
        m
    }

    fn maps(ops: &[PlatformOp]) -> Vec<(u64, u64, ProtFlags)> {
        ops.iter()
            .filter_map(|o| match *o {
                PlatformOp::Map {
                    addr, len, prot, ..
                } => Some((addr, len, prot)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_forked_child_maps_the_window_read_only_in_few_operations() {
        let mut parent = anon(2 * FAULT_AROUND_PAGES);
        for i in 0..2 * FAULT_AROUND_PAGES {
            parent.handle_fault(A + i * P, AccessType::Write).unwrap();
        }
        parent.take_ops();
        let mut child = parent.fork().unwrap();
        child.handle_fault(A + 3 * P, AccessType::Read).unwrap();
        let ops = child.take_ops();
        let m = maps(&ops);
        let covered: u64 = m.iter().map(|&(_, len, _)| len).sum();
        assert_eq!(covered, FAULT_AROUND_PAGES * P, "{ops:?}");
        assert!(m.iter().all(|&(a, len, prot)| a >= A
            && a + len <= A + FAULT_AROUND_PAGES * P
            && prot == ProtFlags::PROT_READ));
        // Frames handed out in order are contiguous: one operation.
        assert_eq!(m.len(), 1, "{ops:?}");
        // The next window is untouched until it faults; the mapped one no
        // longer faults into operations.
        child.handle_fault(A + 5 * P, AccessType::Read).unwrap();
        let again = child.take_ops();
        assert!(maps(&again).iter().all(|&(a, _, _)| a == A + 5 * P));
    }

    #[test]
    fn a_write_fault_maps_only_its_copy() {
        let mut parent = anon(4);
        for i in 0..4 {
            parent.handle_fault(A + i * P, AccessType::Write).unwrap();
        }
        parent.take_ops();
        let mut child = parent.fork().unwrap();
        child.handle_fault(A + P, AccessType::Write).unwrap();
        let ops = child.take_ops();
        assert!(matches!(ops[0], PlatformOp::Copy { .. }), "{ops:?}");
        assert_eq!(
            maps(&ops),
            [(A + P, P, ProtFlags::PROT_READ | ProtFlags::PROT_WRITE)]
        );
        // The neighbours (shared, read-only) still fault in on their own.
        child.handle_fault(A, AccessType::Read).unwrap();
        assert_eq!(maps(&child.take_ops()), [(A, P, ProtFlags::PROT_READ)]);
        child.handle_fault(A + 2 * P, AccessType::Read).unwrap();
        assert_eq!(
            maps(&child.take_ops()),
            [(A + 2 * P, 2 * P, ProtFlags::PROT_READ)]
        );
    }

    #[test]
    fn pages_not_contiguous_in_the_memory_file_are_not_merged() {
        let mut parent = anon(4);
        for i in (0..4).rev() {
            parent.handle_fault(A + i * P, AccessType::Write).unwrap();
        }
        parent.take_ops();
        let mut child = parent.fork().unwrap();
        child.handle_fault(A + P, AccessType::Read).unwrap();
        assert_eq!(maps(&child.take_ops()), [(A + P, P, ProtFlags::PROT_READ)]);
    }

    #[test]
    fn once_the_child_is_gone_one_write_fault_unshares_the_neighbours() {
        let mut parent = anon(8);
        for i in 0..8 {
            parent.handle_fault(A + i * P, AccessType::Write).unwrap();
        }
        let child = parent.fork().unwrap();
        parent.take_ops();
        // While the child shares the pages, a write copies just one.
        parent.handle_fault(A, AccessType::Write).unwrap();
        let ops = parent.take_ops();
        assert!(matches!(ops[0], PlatformOp::Copy { .. }), "{ops:?}");
        let rw = ProtFlags::PROT_READ | ProtFlags::PROT_WRITE;
        assert_eq!(maps(&ops), [(A, P, rw)]);
        drop(child);
        parent.handle_fault(A + 4 * P, AccessType::Write).unwrap();
        assert_eq!(
            parent.take_ops(),
            [PlatformOp::Protect {
                addr: A + P,
                len: 7 * P,
                prot: rw
            }]
        );
        // The neighbours are writable: no copy, no protection change.
        parent.handle_fault(A + 7 * P, AccessType::Write).unwrap();
        let ops = parent.take_ops();
        assert_eq!(maps(&ops), [(A + 7 * P, P, rw)]);
        assert_eq!(ops.len(), 1, "{ops:?}");
    }

    #[test]
    fn nothing_is_populated_around_a_fault() {
        let mut m = anon(FAULT_AROUND_PAGES);
        m.handle_fault(A + 2 * P, AccessType::Read).unwrap();
        let ops = m.take_ops();
        assert_eq!(
            maps(&ops),
            [(A + 2 * P, P, ProtFlags::PROT_READ | ProtFlags::PROT_WRITE)]
        );
        assert_eq!(m.resident_bytes(), P);
    }
}
