//! Prefaulting: `MAP_POPULATE`, locked mappings and `MADV_POPULATE_*` fault
//! pages in ahead of use, as an application access would.

use super::{Fault, MemoryManager};
use crate::addr::{ProtFlags, PAGE_SIZE};
use abi::Errno;

/// What kind of access a prefault simulates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Prefault {
    /// `mmap(MAP_POPULATE)`, `mlock`: write-fault private writable areas,
    /// read-fault the rest, skip inaccessible areas (Linux `populate_vma_page_range`).
    Default,
    /// `MADV_POPULATE_READ`: read-fault; an inaccessible area is `EINVAL`.
    Read,
    /// `MADV_POPULATE_WRITE`: write-fault; a non-writable area is `EINVAL`.
    Write,
}

impl MemoryManager {
    /// Faults in every page of `[start, end)` and maps it. Unmapped parts
    /// are `ENOMEM`; a page that would raise `SIGBUS` is `EFAULT`.
    pub(super) fn prefault(&mut self, start: u64, end: u64, mode: Prefault) -> Result<(), Errno> {
        let mut cur = start;
        while cur < end {
            let v = self.vmas.find(cur).ok_or(Errno::ENOMEM)?;
            let (stop, prot, private) = (v.end.min(end), v.prot, v.is_private());
            let write = match mode {
                Prefault::Default if prot.is_empty() => {
                    cur = stop;
                    continue;
                }
                Prefault::Default => private && prot.contains(ProtFlags::PROT_WRITE),
                Prefault::Read if prot.is_empty() => return Err(Errno::EINVAL),
                Prefault::Read => false,
                Prefault::Write if !prot.contains(ProtFlags::PROT_WRITE) => {
                    return Err(Errno::EINVAL)
                }
                Prefault::Write => true,
            };
            let mut page = cur;
            while page < stop {
                self.populate(page, write, true).map_err(|f| match f {
                    Fault::OutOfMemory => Errno::ENOMEM,
                    _ => Errno::EFAULT,
                })?;
                page += PAGE_SIZE;
            }
            cur = stop;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::addr::{ProtFlags, PAGE_SIZE};
    use crate::frame::MemoryFileAllocator;
    use crate::manager::{Layout, Limits, MemoryManager, MmapRequest};
    use crate::op::PlatformOp;
    use abi::Errno;
    use alloc::sync::Arc;

    const P: u64 = PAGE_SIZE;
    const A: u64 = 0x1000_0000;

    fn mm() -> MemoryManager {
        MemoryManager::new(
            Arc::new(MemoryFileAllocator::new(1 << 30)),
            Layout::default(),
            Limits::default(),
        )
    }

    fn map(m: &mut MemoryManager, pages: u64, prot: u64, flags: u64) {
        let req = MmapRequest {
            addr: A,
            len: pages * P,
            prot,
            flags: 0x32 | flags,
            ..Default::default()
        };
        assert_eq!(m.mmap(req), Ok(A));
    }

    #[test]
    fn map_populate_maps_every_page() {
        let mut m = mm();
        map(&mut m, 2, 3, 0x8000);
        let maps = m
            .take_ops()
            .into_iter()
            .filter(|o| matches!(o, PlatformOp::Map { .. }))
            .count();
        assert_eq!(maps, 2);
        assert_eq!(m.resident_bytes(), 2 * P);
        let mut n = mm();
        map(&mut n, 2, 0, 0x8000);
        assert_eq!(n.resident_bytes(), 0, "inaccessible areas are skipped");
    }

    #[test]
    fn madv_populate() {
        let mut m = mm();
        map(&mut m, 2, 1, 0);
        assert_eq!(
            m.madvise(A, 2 * P, 23),
            Err(Errno::EINVAL),
            "POPULATE_WRITE on read-only"
        );
        assert_eq!(m.madvise(A, 3 * P, 22), Err(Errno::ENOMEM), "hole");
        assert_eq!(m.resident_bytes(), 2 * P);
        assert!(m
            .populated_pages()
            .all(|p| p.mapped == Some(ProtFlags::PROT_READ)));
        m.mprotect(A, 2 * P, 0).unwrap();
        assert_eq!(
            m.madvise(A, P, 22),
            Err(Errno::EINVAL),
            "POPULATE_READ on PROT_NONE"
        );
    }

    #[test]
    fn mlock_populates_unless_onfault() {
        let mut m = mm();
        map(&mut m, 2, 3, 0);
        m.mlock(A, P, 1).unwrap();
        assert_eq!(m.resident_bytes(), 0);
        m.mlock(A + P, P, 0).unwrap();
        assert_eq!(m.resident_bytes(), P);
    }
}
