//! `fork`: a copy of the address space sharing private pages copy-on-write.

use alloc::vec::Vec;

use super::MemoryManager;
use crate::addr::ProtFlags;
use crate::pte::{push_protect_runs, Pte};
use crate::vma::VmaFlags;
use crate::vmaset::VmaSet;
use abi::Errno;

impl MemoryManager {
    /// Creates the child address space of a `fork`. Shared mappings share
    /// pages; private pages are shared copy-on-write: both sides lose write
    /// access until a write fault copies the page (or finds it no longer
    /// shared). `MADV_DONTFORK` areas are left out, `MADV_WIPEONFORK` areas
    /// start empty, and locks are not inherited. The parent's ops (write
    /// protection) are recorded on `self`; the child starts with nothing
    /// mapped in its platform address space.
    pub fn fork(&mut self) -> Result<MemoryManager, Errno> {
        let mut child = MemoryManager::new(self.frames.clone(), self.layout, self.limits);
        child.start_brk = self.start_brk;
        child.brk = self.brk;
        child.start_stack = self.start_stack;
        let mut vmas = VmaSet::default();
        let mut protect: Vec<(u64, ProtFlags)> = Vec::new();
        for v in self.vmas.iter() {
            if v.flags.contains(VmaFlags::DONTFORK) {
                continue;
            }
            let mut c = v.clone();
            c.flags -= VmaFlags::LOCKED | VmaFlags::LOCKONFAULT;
            vmas.insert(c);
            if v.flags.contains(VmaFlags::WIPEONFORK) {
                continue;
            }
            let private = v.is_private();
            for (&page, pte) in self.ptes.range_mut(v.start, v.end) {
                if self.frames.incref(pte.frame).is_err() {
                    // A reference count overflow: give up before the child
                    // sees a partial copy (it is dropped, releasing its refs).
                    push_protect_runs(&mut self.ops, protect.into_iter());
                    child.vmas = vmas;
                    return Err(Errno::ENOMEM);
                }
                let shared_ok = !private && pte.writable;
                if private && pte.writable {
                    pte.writable = false;
                    if pte.mapped && v.prot.contains(ProtFlags::PROT_WRITE) {
                        protect.push((page, pte.effective(v.prot)));
                    }
                }
                child.ptes.insert(
                    page,
                    Pte {
                        frame: pte.frame,
                        writable: shared_ok,
                        anon: pte.anon,
                        mapped: false,
                    },
                );
            }
        }
        push_protect_runs(&mut self.ops, protect.into_iter());
        child.vmas = vmas;
        Ok(child)
    }
}

#[cfg(test)]
mod tests {
    use crate::addr::{AccessType, ProtFlags, PAGE_SIZE};
    use crate::frame::MemoryFileAllocator;
    use crate::manager::{Layout, Limits, MemoryManager, MmapRequest};
    use crate::op::PlatformOp;
    use alloc::sync::Arc;

    const P: u64 = PAGE_SIZE;
    const A: u64 = 0x1000_0000;

    fn mm(flags: u64) -> MemoryManager {
        let mut m = MemoryManager::new(
            Arc::new(MemoryFileAllocator::new(1 << 30)),
            Layout::default(),
            Limits::default(),
        );
        let req = MmapRequest {
            addr: A,
            len: 2 * P,
            prot: 3,
            flags: flags | 0x30,
            ..Default::default()
        };
        assert_eq!(m.mmap(req), Ok(A));
        m
    }

    #[test]
    fn private_pages_are_copy_on_write() {
        let mut p = mm(0x2);
        p.handle_fault(A, AccessType::Write).unwrap();
        let f = p.translate(A, 1, false).unwrap()[0].file_offset;
        p.take_ops();
        let mut c = p.fork().unwrap();
        assert_eq!(
            p.take_ops(),
            [PlatformOp::Protect {
                addr: A,
                len: P,
                prot: ProtFlags::PROT_READ
            }]
        );
        assert!(c.take_ops().is_empty());
        assert_eq!(c.translate(A, 1, false).unwrap()[0].file_offset, f);
        c.handle_fault(A, AccessType::Write).unwrap();
        let ops = c.take_ops();
        assert!(matches!(ops[0], PlatformOp::Copy { src_offset, .. } if src_offset == f));
        let g = c.translate(A, 1, false).unwrap()[0].file_offset;
        assert_ne!(g, f);
        // The parent is now the only user: a write fault re-enables writing.
        p.handle_fault(A, AccessType::Write).unwrap();
        assert_eq!(
            p.take_ops(),
            [PlatformOp::Map {
                addr: A,
                len: P,
                prot: ProtFlags::PROT_READ | ProtFlags::PROT_WRITE,
                file_offset: f
            }]
        );
        drop(c);
        drop(p);
    }

    #[test]
    fn shared_pages_stay_shared_and_nothing_leaks() {
        let mut p = mm(0x1);
        p.handle_fault(A, AccessType::Write).unwrap();
        let frames = p.frames().clone();
        let mut c = p.fork().unwrap();
        assert!(p
            .take_ops()
            .iter()
            .all(|o| !matches!(o, PlatformOp::Protect { .. })));
        let f = p.translate(A, 1, true).unwrap();
        assert_eq!(c.translate(A, 1, true).unwrap(), f);
        drop(p);
        drop(c);
        assert_eq!(frames.in_use(), 0);
    }

    #[test]
    fn dontfork_wipeonfork_and_locks() {
        let mut p = mm(0x2);
        p.handle_fault(A, AccessType::Write).unwrap();
        p.handle_fault(A + P, AccessType::Write).unwrap();
        p.madvise(A, P, 10).unwrap();
        p.madvise(A + P, P, 18).unwrap();
        p.mlock(A + P, P, 0).unwrap();
        let c = p.fork().unwrap();
        assert!(c.find_vma(A).is_none());
        assert!(c.find_vma(A + P).is_some());
        assert_eq!(c.resident_bytes(), 0);
        assert_eq!(c.locked_bytes(), 0);
    }
}
