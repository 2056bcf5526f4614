//! Demand paging: application page faults, stack growth, copy-on-write, and
//! the translation of application addresses to memory-file offsets for
//! copy-in/out.

use alloc::vec::Vec;

use super::MemoryManager;
use crate::addr::{page_down, AccessType, PAGE_SIZE};
use crate::backing::{Backing, FilePageError};
use crate::frame::Frame;
use crate::op::PlatformOp;
use crate::pte::Pte;
use crate::vma::VmaFlags;
use crate::vmaset::STACK_GUARD_GAP;
use abi::Errno;

/// Why a fault could not be resolved: the signal the faulting thread gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Fault {
    /// No mapping at the address: `SIGSEGV` with `SEGV_MAPERR`.
    #[error("SIGSEGV (SEGV_MAPERR): address not mapped")]
    MapErr,
    /// The mapping forbids the access: `SIGSEGV` with `SEGV_ACCERR`.
    #[error("SIGSEGV (SEGV_ACCERR): access not permitted")]
    AccErr,
    /// The page is beyond the end of its file or object: `SIGBUS` with
    /// `BUS_ADRERR`.
    #[error("SIGBUS (BUS_ADRERR): beyond end of backing object")]
    Bus,
    /// Reading the file page failed: `SIGBUS`, with the errno for logs.
    #[error("SIGBUS: file page read failed with errno {}", .0.as_i32())]
    Io(Errno),
    /// The memory file is full: the kernel's out-of-memory policy applies.
    #[error("out of memory")]
    OutOfMemory,
}

impl Fault {
    /// The errno a kernel copy to or from application memory reports.
    pub fn errno(self) -> Errno {
        match self {
            Fault::OutOfMemory => Errno::ENOMEM,
            _ => Errno::EFAULT,
        }
    }
}

/// A contiguous piece of the memory file, part of a translated range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    /// Byte offset in the memory file.
    pub file_offset: u64,
    /// Length in bytes.
    pub len: u64,
}

impl MemoryManager {
    /// Resolves an application page fault at `addr`: grows a stack down to
    /// it if needed, populates the page or breaks its copy-on-write
    /// sharing, and records the platform ops that map it. On error the
    /// thread gets the signal [`Fault`] describes.
    pub fn handle_fault(&mut self, addr: u64, access: AccessType) -> Result<(), Fault> {
        let prot = match self.vmas.find(addr) {
            Some(v) => v.prot,
            None => {
                if !self.grow_stack(addr) {
                    return Err(Fault::MapErr);
                }
                self.vmas.find(addr).ok_or(Fault::MapErr)?.prot
            }
        };
        if !access.allowed_by(prot) {
            return Err(Fault::AccErr);
        }
        let page = page_down(addr);
        let write = access == AccessType::Write;
        let before = self.ptes.get(page).filter(|p| p.mapped).map(|p| p.frame);
        self.populate(page, write, true)?;
        let same_frame = self.ptes.get(page).map(|p| p.frame) == before;
        if write && before.is_some() && same_frame {
            self.unshare_around(page);
        } else {
            self.map_around(page);
        }
        Ok(())
    }

    /// Makes `[addr, addr + len)` accessible to the kernel: checks the
    /// mappings allow reading (or writing, if `write`), populates the pages
    /// and breaks copy-on-write for writes, and returns the memory-file
    /// pieces backing the range, in order. `EFAULT` for unmapped or
    /// forbidden addresses. The pieces stay valid until the next operation
    /// on this address space.
    pub fn translate(&mut self, addr: u64, len: u64, write: bool) -> Result<Vec<Segment>, Errno> {
        let mut out: Vec<Segment> = Vec::new();
        if len == 0 {
            return Ok(out);
        }
        let end = addr.checked_add(len).ok_or(Errno::EFAULT)?;
        let access = if write {
            AccessType::Write
        } else {
            AccessType::Read
        };
        let mut cur = page_down(addr);
        while cur < end {
            let v = self.vmas.find(cur).ok_or(Errno::EFAULT)?;
            if !access.allowed_by(v.prot) {
                return Err(Errno::EFAULT);
            }
            cur = v.end;
        }
        let mut page = page_down(addr);
        while page < end {
            self.populate(page, write, false).map_err(Fault::errno)?;
            let frame = self.ptes.get(page).ok_or(Errno::EFAULT)?.frame;
            let from = addr.max(page);
            let to = end.min(page + PAGE_SIZE);
            let off = frame.file_offset() + (from - page);
            match out.last_mut() {
                Some(s) if s.file_offset + s.len == off => s.len += to - from,
                _ => out.push(Segment {
                    file_offset: off,
                    len: to - from,
                }),
            }
            page += PAGE_SIZE;
        }
        Ok(out)
    }

    /// The memory-file offset of the page holding `addr` in a private
    /// mapping, after making that page this address space's own: its
    /// copy-on-write sharing (with a file's page cache, or with another
    /// address space after `fork`) broken as a write would, whatever the
    /// mapping's protection (Linux's `FOLL_FORCE`, which `ptrace` uses to
    /// write code). For a platform that patches code in place. `EFAULT`
    /// when nothing is mapped there or the mapping is shared.
    pub fn own_private_page(&mut self, addr: u64) -> Result<u64, Errno> {
        let v = self.vmas.find(addr).ok_or(Errno::EFAULT)?;
        if !v.is_private() {
            return Err(Errno::EFAULT);
        }
        let page = page_down(addr);
        self.populate(page, true, false).map_err(Fault::errno)?;
        let pte = self.ptes.get(page).ok_or(Errno::EFAULT)?;
        Ok(pte.frame.file_offset())
    }

    /// Grows the grows-down area just above `addr` down to cover it, within
    /// `RLIMIT_STACK`, `RLIMIT_AS` and the guard gap. Returns whether it did.
    fn grow_stack(&mut self, addr: u64) -> bool {
        let Some(v) = self.vmas.find_above(addr) else {
            return false;
        };
        if !v.flags.contains(VmaFlags::GROWSDOWN) || v.start <= addr {
            return false;
        }
        let new_start = page_down(addr);
        if new_start < self.layout.min_addr || v.end - new_start > self.limits.stack {
            return false;
        }
        let (start, locked) = (v.start, v.flags.contains(VmaFlags::LOCKED));
        if let Some(prev) = self.vmas.find_below(start) {
            if !prev.flags.contains(VmaFlags::GROWSDOWN)
                && !prev.prot.is_empty()
                && new_start.saturating_sub(prev.end) < STACK_GUARD_GAP
            {
                return false;
            }
        }
        let pages = (start - new_start) / PAGE_SIZE;
        if !self.may_expand(pages) || (locked && !self.may_lock(pages)) {
            return false;
        }
        let Some(mut v) = self.vmas.remove(start) else {
            return false;
        };
        v.start = new_start;
        self.vmas.insert(v);
        true
    }

    /// Ensures `page` is populated (and privately writable if `write`); with
    /// `map`, also maps it into the platform. Keeps the platform's view
    /// consistent when an already mapped page changes.
    pub(super) fn populate(&mut self, page: u64, write: bool, map: bool) -> Result<(), Fault> {
        let v = self.vmas.find(page).ok_or(Fault::MapErr)?;
        let (prot, private, vstart) = (v.prot, v.is_private(), v.start);
        let backing = v.backing.clone();
        if let Some(old) = self.ptes.get(page).copied() {
            let mut pte = old;
            if write && !pte.writable {
                if pte.anon && self.frames.refcount(pte.frame) == 1 {
                    pte.writable = true;
                } else {
                    let copy = self.copy_frame(pte.frame)?;
                    self.release(old);
                    pte = Pte {
                        frame: copy,
                        writable: true,
                        anon: true,
                        mapped: old.mapped,
                    };
                }
            }
            let changed = pte != old;
            pte.mapped |= map;
            self.ptes.insert(page, pte);
            let eff = pte.effective(prot);
            if map || (changed && old.mapped && old.frame != pte.frame) {
                self.ops.push(PlatformOp::Map {
                    addr: page,
                    len: PAGE_SIZE,
                    prot: eff,
                    file_offset: pte.frame.file_offset(),
                });
            } else if changed && old.mapped {
                self.ops.push(PlatformOp::Protect {
                    addr: page,
                    len: PAGE_SIZE,
                    prot: eff,
                });
            }
            return Ok(());
        }
        let delta = page - vstart;
        let pte = match &backing {
            Backing::Anonymous => {
                let frame = self.fresh_frame()?;
                Pte {
                    frame,
                    writable: true,
                    anon: true,
                    mapped: map,
                }
            }
            Backing::SharedAnonymous { object, offset } => {
                let index = offset.wrapping_add(delta) / PAGE_SIZE;
                let (frame, dirty) = object
                    .get_page(index)
                    .map_err(|_| Fault::OutOfMemory)?
                    .ok_or(Fault::Bus)?;
                if dirty {
                    self.zero(frame);
                }
                Pte {
                    frame,
                    writable: true,
                    anon: false,
                    mapped: map,
                }
            }
            Backing::File { file, offset } => {
                let index = offset.wrapping_add(delta) / PAGE_SIZE;
                let frame = file.get_page(index).map_err(|e| match e {
                    FilePageError::BeyondEof => Fault::Bus,
                    FilePageError::Io(e) => Fault::Io(e),
                })?;
                if !private {
                    Pte {
                        frame,
                        writable: true,
                        anon: false,
                        mapped: map,
                    }
                } else if write {
                    let copy = self.copy_frame(frame);
                    let _ = self.frames.decref(frame);
                    Pte {
                        frame: copy?,
                        writable: true,
                        anon: true,
                        mapped: map,
                    }
                } else {
                    Pte {
                        frame,
                        writable: false,
                        anon: false,
                        mapped: map,
                    }
                }
            }
        };
        self.ptes.insert(page, pte);
        if map {
            self.ops.push(PlatformOp::Map {
                addr: page,
                len: PAGE_SIZE,
                prot: pte.effective(prot),
                file_offset: pte.frame.file_offset(),
            });
        }
        Ok(())
    }

    /// A new zero-filled frame.
    fn fresh_frame(&mut self) -> Result<Frame, Fault> {
        let (frame, dirty) = self.frames.alloc().map_err(|_| Fault::OutOfMemory)?;
        if dirty {
            self.zero(frame);
        }
        Ok(frame)
    }

    /// Records zeroing `frame`.
    fn zero(&mut self, frame: Frame) {
        self.ops.push(PlatformOp::Zero {
            file_offset: frame.file_offset(),
            len: PAGE_SIZE,
        });
    }

    /// A new frame holding a copy of `src`.
    fn copy_frame(&mut self, src: Frame) -> Result<Frame, Fault> {
        let (dst, _) = self.frames.alloc().map_err(|_| Fault::OutOfMemory)?;
        self.ops.push(PlatformOp::Copy {
            src_offset: src.file_offset(),
            dst_offset: dst.file_offset(),
            len: PAGE_SIZE,
        });
        Ok(dst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::MemoryFileAllocator;
    use crate::manager::{Layout, Limits, MmapRequest};
    use alloc::sync::Arc;

    const P: u64 = PAGE_SIZE;
    const STACK_TOP: u64 = 0x7000_0000;

    fn mm(stack_limit: u64) -> MemoryManager {
        let limits = Limits {
            stack: stack_limit,
            ..Limits::default()
        };
        let mut m = MemoryManager::new(
            Arc::new(MemoryFileAllocator::new(1 << 30)),
            Layout::default(),
            limits,
        );
        let req = MmapRequest {
            addr: STACK_TOP - 2 * P,
            len: 2 * P,
            prot: 3,
            flags: 0x132, // MAP_GROWSDOWN | MAP_FIXED | MAP_ANONYMOUS | MAP_PRIVATE
            ..Default::default()
        };
        assert_eq!(m.mmap(req), Ok(STACK_TOP - 2 * P));
        m
    }

    #[test]
    fn stack_grows_down_within_its_limit() {
        let mut m = mm(8 * P);
        assert_eq!(
            m.handle_fault(STACK_TOP - 5 * P + 8, AccessType::Write),
            Ok(())
        );
        assert_eq!(
            m.find_vma(STACK_TOP - 1).map(|v| v.start()),
            Some(STACK_TOP - 5 * P)
        );
        assert_eq!(
            m.handle_fault(STACK_TOP - 9 * P, AccessType::Write),
            Err(Fault::MapErr)
        );
        assert_eq!(m.handle_fault(STACK_TOP - 8 * P, AccessType::Read), Ok(()));
        assert_eq!(m.total_bytes(), 8 * P);
    }

    #[test]
    fn stack_keeps_its_guard_gap() {
        let mut m = mm(1 << 30);
        let below = STACK_TOP - 4 * P - STACK_GUARD_GAP - P;
        let req = MmapRequest {
            addr: below,
            len: P,
            prot: 1,
            flags: 0x32,
            ..Default::default()
        };
        assert_eq!(m.mmap(req), Ok(below));
        assert_eq!(
            m.handle_fault(STACK_TOP - 5 * P, AccessType::Read),
            Err(Fault::MapErr)
        );
        assert_eq!(m.handle_fault(STACK_TOP - 4 * P, AccessType::Read), Ok(()));
    }

    #[test]
    fn fault_kinds_and_translate() {
        let mut m = mm(8 * P);
        assert_eq!(m.handle_fault(0x1234, AccessType::Read), Err(Fault::MapErr));
        assert_eq!(
            m.handle_fault(STACK_TOP - P, AccessType::Execute),
            Err(Fault::AccErr)
        );
        assert_eq!(m.translate(STACK_TOP - 2, 4, false), Err(Errno::EFAULT));
        assert_eq!(m.translate(u64::MAX, 2, false), Err(Errno::EFAULT));
        assert_eq!(m.translate(STACK_TOP, 0, true), Ok(Vec::new()));
        let segs = m
            .translate(STACK_TOP - 2 * P + 100, P, true)
            .unwrap_or_default();
        assert_eq!(segs.iter().map(|s| s.len).sum::<u64>(), P);
        assert!(segs.iter().all(|s| s.file_offset % P != 0 || s.len <= P));
        assert!(
            m.take_ops().is_empty(),
            "pages populated for the kernel are not mapped"
        );
        assert_eq!(m.resident_bytes(), 2 * P);
    }

    #[test]
    fn own_private_page_breaks_sharing_and_refuses_shared_mappings() {
        let mut m = mm(8 * P);
        let code = |m: &mut MemoryManager, flags| {
            m.mmap(MmapRequest {
                addr: 0,
                len: P,
                prot: 5, // PROT_READ | PROT_EXEC
                flags,
                ..Default::default()
            })
            .unwrap_or(0)
        };
        let a = code(&mut m, 0x22); // MAP_PRIVATE | MAP_ANONYMOUS
        assert_eq!(m.handle_fault(a, AccessType::Execute), Ok(()));
        let mut child = m.fork().unwrap();
        let mine = m.own_private_page(a + 5).unwrap();
        let theirs = child.own_private_page(a).unwrap();
        assert_ne!(mine, theirs, "still shared after fork");
        assert_eq!(mine % P, 0);
        assert_eq!(m.own_private_page(a + 100), Ok(mine), "already owned");
        // The protection stays read and execute.
        assert_eq!(
            m.find_vma(a).map(|v| v.prot()),
            Some(crate::addr::ProtFlags::PROT_READ | crate::addr::ProtFlags::PROT_EXEC)
        );
        let shared = code(&mut m, 0x21); // MAP_SHARED | MAP_ANONYMOUS
        assert_eq!(m.own_private_page(shared), Err(Errno::EFAULT));
        assert_eq!(m.own_private_page(0x10), Err(Errno::EFAULT));
    }

    #[test]
    fn out_of_memory_is_reported() {
        let mut m = MemoryManager::new(
            Arc::new(MemoryFileAllocator::new(P)),
            Layout::default(),
            Limits::default(),
        );
        let req = MmapRequest {
            addr: 0,
            len: 2 * P,
            prot: 3,
            flags: 0x22,
            ..Default::default()
        };
        let a = m.mmap(req).unwrap_or(0);
        assert_eq!(m.handle_fault(a, AccessType::Write), Ok(()));
        assert_eq!(
            m.handle_fault(a + P, AccessType::Write),
            Err(Fault::OutOfMemory)
        );
        assert_eq!(m.translate(a + P, 1, false), Err(Errno::ENOMEM));
    }
}
