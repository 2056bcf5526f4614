//! `mprotect(2)`.

use alloc::vec::Vec;

use super::MemoryManager;
use crate::addr::{is_aligned, page_up, ProtFlags, PROT_RWX};
use crate::pte::push_protect_runs;
use crate::vma::VmaFlags;
use abi::Errno;

impl MemoryManager {
    /// `mprotect(2)`: sets the protection of `[addr, addr + len)`. Like
    /// Linux, areas before a hole or a refused area keep their new
    /// protection when the call fails with `ENOMEM` or `EACCES`.
    pub fn mprotect(&mut self, addr: u64, len: u64, prot: u64) -> Result<(), Errno> {
        let growsdown = u64::from(ProtFlags::PROT_GROWSDOWN.bits());
        let growsup = u64::from(ProtFlags::PROT_GROWSUP.bits());
        let grows = prot & (growsdown | growsup);
        let bits = prot & !(growsdown | growsup);
        if grows == growsdown | growsup {
            return Err(Errno::EINVAL);
        }
        if !is_aligned(addr) {
            return Err(Errno::EINVAL);
        }
        if len == 0 {
            return Ok(());
        }
        // x86-64's `arch_validate_prot`: PROT_SEM is accepted and means nothing.
        let new = u32::try_from(bits)
            .ok()
            .and_then(ProtFlags::from_bits)
            .filter(|p| (PROT_RWX | ProtFlags::PROT_SEM).contains(*p))
            .ok_or(Errno::EINVAL)?
            & PROT_RWX;
        let len = page_up(len).ok_or(Errno::ENOMEM)?;
        let mut start = addr;
        let end = addr.checked_add(len).ok_or(Errno::ENOMEM)?;
        let first = self.vmas.find_above(start).ok_or(Errno::ENOMEM)?;
        if grows == growsup {
            return Err(Errno::EINVAL);
        }
        if grows == growsdown {
            if first.start >= end {
                return Err(Errno::ENOMEM);
            }
            if !first.flags.contains(VmaFlags::GROWSDOWN) {
                return Err(Errno::EINVAL);
            }
            start = first.start;
        } else if first.start > start {
            return Err(Errno::ENOMEM);
        }
        let mut cur = start;
        let mut result = Ok(());
        while cur < end {
            let Some(v) = self.vmas.find(cur) else {
                result = Err(Errno::ENOMEM);
                break;
            };
            if !v.max_prot.contains(new) {
                result = Err(Errno::EACCES);
                break;
            }
            let stop = v.end.min(end);
            self.vmas.update_range(cur, stop, |v| v.prot = new);
            let pages: Vec<(u64, ProtFlags)> = self
                .ptes
                .range(cur, stop)
                .filter(|(_, p)| p.mapped)
                .map(|(&a, p)| (a, p.effective(new)))
                .collect();
            push_protect_runs(&mut self.ops, pages.into_iter());
            cur = stop;
        }
        self.vmas.merge_around(start, cur);
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addr::{AccessType, PAGE_SIZE};
    use crate::frame::MemoryFileAllocator;
    use crate::manager::{Layout, Limits, MmapRequest};
    use crate::op::PlatformOp;
    use alloc::sync::Arc;

    const P: u64 = PAGE_SIZE;
    const BASE: u64 = 0x1000_0000;

    fn mm_with(pages: u64) -> MemoryManager {
        let mut m = MemoryManager::new(
            Arc::new(MemoryFileAllocator::new(1 << 30)),
            Layout::default(),
            Limits::default(),
        );
        let req = MmapRequest {
            addr: BASE,
            len: pages * P,
            prot: 3,
            flags: 0x32,
            ..Default::default()
        };
        assert_eq!(m.mmap(req), Ok(BASE));
        m
    }

    #[test]
    fn splits_merges_and_protects_mapped_pages() {
        let mut m = mm_with(4);
        m.handle_fault(BASE + P, AccessType::Write).unwrap();
        m.take_ops();
        m.mprotect(BASE + P, P, 1).unwrap();
        assert_eq!(m.vma_count(), 3);
        assert_eq!(
            m.take_ops(),
            [PlatformOp::Protect {
                addr: BASE + P,
                len: P,
                prot: ProtFlags::PROT_READ
            }]
        );
        assert_eq!(
            m.handle_fault(BASE + P, AccessType::Write),
            Err(crate::Fault::AccErr)
        );
        m.mprotect(BASE + P, P, 3).unwrap();
        assert_eq!(m.vma_count(), 1);
    }

    #[test]
    fn errors() {
        let mut m = mm_with(2);
        assert_eq!(m.mprotect(BASE + 1, P, 1), Err(Errno::EINVAL));
        assert_eq!(m.mprotect(BASE, P, 0x10), Err(Errno::EINVAL));
        assert_eq!(m.mprotect(BASE, P, 0x8 | 3), Ok(()), "PROT_SEM is accepted");
        assert_eq!(m.mprotect(BASE, 0, 1), Ok(()));
        assert_eq!(m.mprotect(BASE - P, 2 * P, 1), Err(Errno::ENOMEM));
        assert_eq!(m.mprotect(BASE, P, 0x0300_0001), Err(Errno::EINVAL));
        assert_eq!(m.mprotect(BASE, P, 0x0100_0001), Err(Errno::EINVAL));
        // Partial application before the hole, as Linux does.
        assert_eq!(m.mprotect(BASE, 3 * P, 1), Err(Errno::ENOMEM));
        assert_eq!(
            m.find_vma(BASE + P).map(|v| v.prot()),
            Some(ProtFlags::PROT_READ)
        );
    }
}
