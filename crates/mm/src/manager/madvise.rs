//! `madvise(2)`, `msync(2)` and `mincore(2)`.

use alloc::sync::Arc;
use alloc::vec::Vec;

use abi::mman::{self, MsyncFlags};

use super::populate::Prefault;
use super::MemoryManager;
use crate::addr::{is_aligned, page_up, PAGE_SIZE};
use crate::backing::{Backing, FileBacking};
use crate::vma::{Vma, VmaFlags};
use abi::Errno;

const MADV_NORMAL: u64 = mman::MADV_NORMAL as u64;
const MADV_RANDOM: u64 = mman::MADV_RANDOM as u64;
const MADV_SEQUENTIAL: u64 = mman::MADV_SEQUENTIAL as u64;
const MADV_WILLNEED: u64 = mman::MADV_WILLNEED as u64;
const MADV_DONTNEED: u64 = mman::MADV_DONTNEED as u64;
const MADV_FREE: u64 = mman::MADV_FREE as u64;
const MADV_REMOVE: u64 = mman::MADV_REMOVE as u64;
const MADV_DONTFORK: u64 = mman::MADV_DONTFORK as u64;
const MADV_DOFORK: u64 = mman::MADV_DOFORK as u64;
const MADV_MERGEABLE: u64 = mman::MADV_MERGEABLE as u64;
const MADV_UNMERGEABLE: u64 = mman::MADV_UNMERGEABLE as u64;
const MADV_HUGEPAGE: u64 = mman::MADV_HUGEPAGE as u64;
const MADV_NOHUGEPAGE: u64 = mman::MADV_NOHUGEPAGE as u64;
const MADV_DONTDUMP: u64 = mman::MADV_DONTDUMP as u64;
const MADV_DODUMP: u64 = mman::MADV_DODUMP as u64;
const MADV_WIPEONFORK: u64 = mman::MADV_WIPEONFORK as u64;
const MADV_KEEPONFORK: u64 = mman::MADV_KEEPONFORK as u64;
const MADV_COLD: u64 = mman::MADV_COLD as u64;
const MADV_PAGEOUT: u64 = mman::MADV_PAGEOUT as u64;
const MADV_POPULATE_READ: u64 = mman::MADV_POPULATE_READ as u64;
const MADV_POPULATE_WRITE: u64 = mman::MADV_POPULATE_WRITE as u64;
const MADV_DONTNEED_LOCKED: u64 = mman::MADV_DONTNEED_LOCKED as u64;
const MADV_HWPOISON: u64 = mman::MADV_HWPOISON as u64;
const MADV_SOFT_OFFLINE: u64 = mman::MADV_SOFT_OFFLINE as u64;

const MS_ASYNC: u64 = MsyncFlags::MS_ASYNC.bits() as u64;
const MS_INVALIDATE: u64 = MsyncFlags::MS_INVALIDATE.bits() as u64;
const MS_SYNC: u64 = MsyncFlags::MS_SYNC.bits() as u64;

/// A range of a file that `msync(MS_SYNC)` must write back.
#[derive(Clone, Debug)]
pub struct SyncRange {
    /// The file.
    pub file: Arc<dyn FileBacking>,
    /// Byte offset in the file.
    pub offset: u64,
    /// Length in bytes.
    pub len: u64,
}

impl MemoryManager {
    /// Checks an `[addr, addr + len)` argument: `Ok(None)` for an empty
    /// range, the page-rounded end otherwise.
    fn range_arg(addr: u64, len: u64) -> Result<Option<u64>, Errno> {
        if !is_aligned(addr) {
            return Err(Errno::EINVAL);
        }
        let len = page_up(len).ok_or(Errno::EINVAL)?;
        let end = addr.checked_add(len).ok_or(Errno::EINVAL)?;
        Ok((len != 0).then_some(end))
    }

    /// Calls `f` on each area piece within `[start, end)`; `ENOMEM` (after
    /// visiting the rest) if part of the range is unmapped, as Linux does.
    fn for_each_piece(
        &mut self,
        start: u64,
        end: u64,
        mut f: impl FnMut(&mut Self, &Vma, u64, u64) -> Result<(), Errno>,
    ) -> Result<(), Errno> {
        let pieces: Vec<Vma> = self.vmas.range(start, end).cloned().collect();
        let mut cur = start;
        let mut hole = false;
        for v in pieces {
            hole |= v.start > cur;
            let (s, e) = (v.start.max(start), v.end.min(end));
            f(self, &v, s, e)?;
            cur = e;
        }
        if hole || cur < end {
            return Err(Errno::ENOMEM);
        }
        Ok(())
    }

    /// `madvise(2)`. `MADV_DONTNEED` drops pages (private ones read back as
    /// zero or file content, shared ones keep their data); `MADV_FREE` drops
    /// private anonymous pages right away; `MADV_REMOVE` also frees a shared
    /// anonymous object's pages; fork advice sets area flags; the rest are
    /// hints accepted without effect, as Linux may.
    pub fn madvise(&mut self, addr: u64, len: u64, advice: u64) -> Result<(), Errno> {
        match advice {
            MADV_NORMAL | MADV_RANDOM | MADV_SEQUENTIAL | MADV_WILLNEED | MADV_DONTNEED
            | MADV_FREE | MADV_REMOVE | MADV_DONTFORK | MADV_DOFORK | MADV_MERGEABLE
            | MADV_UNMERGEABLE | MADV_HUGEPAGE | MADV_NOHUGEPAGE | MADV_DONTDUMP | MADV_DODUMP
            | MADV_WIPEONFORK | MADV_KEEPONFORK | MADV_COLD | MADV_PAGEOUT
            | MADV_DONTNEED_LOCKED | MADV_POPULATE_READ | MADV_POPULATE_WRITE => {}
            // Memory-failure injection needs CAP_SYS_ADMIN, which a sandboxed
            // application never has over host memory.
            MADV_HWPOISON | MADV_SOFT_OFFLINE => return Err(Errno::EPERM),
            _ => return Err(Errno::EINVAL),
        }
        let Some(end) = Self::range_arg(addr, len)? else {
            return Ok(());
        };
        match advice {
            MADV_POPULATE_READ => return self.prefault(addr, end, Prefault::Read),
            MADV_POPULATE_WRITE => return self.prefault(addr, end, Prefault::Write),
            _ => {}
        }
        self.for_each_piece(addr, end, |mm, v, s, e| mm.advise_piece(v, s, e, advice))?;
        self.vmas.merge_around(addr, end);
        Ok(())
    }

    fn advise_piece(&mut self, v: &Vma, s: u64, e: u64, advice: u64) -> Result<(), Errno> {
        let locked = v.flags.contains(VmaFlags::LOCKED);
        let set = |mm: &mut Self, add: VmaFlags, remove: VmaFlags| {
            mm.vmas
                .update_range(s, e, |v| v.flags = (v.flags | add) - remove);
        };
        match advice {
            MADV_DONTNEED if locked => return Err(Errno::EINVAL),
            MADV_DONTNEED | MADV_DONTNEED_LOCKED => self.zap_range(s, e),
            MADV_FREE if locked || !v.is_private_anon() => return Err(Errno::EINVAL),
            MADV_FREE => self.zap_range(s, e),
            MADV_REMOVE => {
                let Backing::SharedAnonymous { object, offset } = &v.backing else {
                    return Err(if v.is_private() {
                        Errno::EINVAL
                    } else {
                        Errno::EOPNOTSUPP
                    });
                };
                if locked {
                    return Err(Errno::EINVAL);
                }
                self.zap_range(s, e);
                let first = offset.wrapping_add(s - v.start) / PAGE_SIZE;
                object.remove_pages(first, (e - s) / PAGE_SIZE);
            }
            MADV_DONTFORK => set(self, VmaFlags::DONTFORK, VmaFlags::empty()),
            MADV_DOFORK => set(self, VmaFlags::empty(), VmaFlags::DONTFORK),
            MADV_WIPEONFORK if !v.is_private_anon() => return Err(Errno::EINVAL),
            MADV_WIPEONFORK => set(self, VmaFlags::WIPEONFORK, VmaFlags::empty()),
            MADV_KEEPONFORK => set(self, VmaFlags::empty(), VmaFlags::WIPEONFORK),
            MADV_DONTDUMP => set(self, VmaFlags::DONTDUMP, VmaFlags::empty()),
            MADV_DODUMP => set(self, VmaFlags::empty(), VmaFlags::DONTDUMP),
            MADV_PAGEOUT | MADV_COLD if locked => return Err(Errno::EINVAL),
            _ => {}
        }
        Ok(())
    }

    /// `msync(2)`: validates the range and returns the shared file ranges
    /// the kernel must write back (none for `MS_ASYNC`, which Linux treats
    /// as a no-op).
    pub fn msync(&mut self, addr: u64, len: u64, flags: u64) -> Result<Vec<SyncRange>, Errno> {
        if flags & !(MS_ASYNC | MS_INVALIDATE | MS_SYNC) != 0 {
            return Err(Errno::EINVAL);
        }
        if flags & MS_ASYNC != 0 && flags & MS_SYNC != 0 {
            return Err(Errno::EINVAL);
        }
        let mut out = Vec::new();
        if !is_aligned(addr) {
            return Err(Errno::EINVAL);
        }
        // Unlike madvise, an overflowing range is ENOMEM here.
        let Some(end) = Self::range_arg(addr, len).map_err(|_| Errno::ENOMEM)? else {
            return Ok(out);
        };
        self.for_each_piece(addr, end, |_, v, s, e| {
            if flags & MS_INVALIDATE != 0 && v.flags.contains(VmaFlags::LOCKED) {
                return Err(Errno::EBUSY);
            }
            if let (Backing::File { file, offset }, false, true) =
                (&v.backing, v.is_private(), flags & MS_SYNC != 0)
            {
                out.push(SyncRange {
                    file: file.clone(),
                    offset: offset.wrapping_add(s - v.start),
                    len: e - s,
                });
            }
            Ok(())
        })?;
        Ok(out)
    }

    /// `mincore(2)`: one byte per page of `[addr, addr + len)`, 1 if the
    /// page is resident (populated here, or in the shared object or file
    /// cache behind it). `ENOMEM` if part of the range is unmapped.
    pub fn mincore(&self, addr: u64, len: u64) -> Result<Vec<u8>, Errno> {
        if !is_aligned(addr) {
            return Err(Errno::EINVAL);
        }
        let len = page_up(len).ok_or(Errno::ENOMEM)?;
        let end = addr.checked_add(len).ok_or(Errno::ENOMEM)?;
        if end > self.layout.max_addr {
            return Err(Errno::ENOMEM);
        }
        let mut out = Vec::new();
        let mut page = addr;
        while page < end {
            let v = self.vmas.find(page).ok_or(Errno::ENOMEM)?;
            let index = v.backing.offset().wrapping_add(page - v.start) / PAGE_SIZE;
            let resident = self.ptes.get(page).is_some()
                || match &v.backing {
                    Backing::Anonymous => false,
                    Backing::SharedAnonymous { object, .. } => object.is_resident(index),
                    Backing::File { file, .. } => file.is_resident(index),
                };
            out.push(u8::from(resident));
            page += PAGE_SIZE;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addr::AccessType;
    use crate::frame::MemoryFileAllocator;
    use crate::manager::{Layout, Limits, MmapRequest};

    const P: u64 = PAGE_SIZE;
    const A: u64 = 0x1000_0000;

    fn mm(flags: u64, pages: u64) -> MemoryManager {
        let mut m = MemoryManager::new(
            Arc::new(MemoryFileAllocator::new(1 << 30)),
            Layout::default(),
            Limits::default(),
        );
        let req = MmapRequest {
            addr: A,
            len: pages * P,
            prot: 3,
            flags: flags | 0x30,
            ..Default::default()
        };
        assert_eq!(m.mmap(req), Ok(A));
        m
    }

    #[test]
    fn dontneed_zeroes_private_keeps_shared() {
        let mut m = mm(0x2, 2);
        m.handle_fault(A, AccessType::Write).unwrap();
        assert_eq!(m.mincore(A, 2 * P), Ok(alloc::vec![1, 0]));
        m.madvise(A, 2 * P, MADV_DONTNEED).unwrap();
        assert_eq!(m.mincore(A, 2 * P), Ok(alloc::vec![0, 0]));
        assert_eq!(m.frames().in_use(), 0);
        let mut s = mm(0x1, 1);
        s.handle_fault(A, AccessType::Write).unwrap();
        s.madvise(A, P, MADV_DONTNEED).unwrap();
        assert_eq!(
            s.mincore(A, P),
            Ok(alloc::vec![1]),
            "still in the shared object"
        );
        s.madvise(A, P, MADV_REMOVE).unwrap();
        assert_eq!(s.mincore(A, P), Ok(alloc::vec![0]));
    }

    #[test]
    fn errors_and_flags() {
        let mut m = mm(0x2, 2);
        assert_eq!(m.madvise(A + 1, P, MADV_NORMAL), Err(Errno::EINVAL));
        assert_eq!(m.madvise(A, P, 77), Err(Errno::EINVAL));
        assert_eq!(m.madvise(A, 0, MADV_DONTNEED), Ok(()));
        assert_eq!(m.madvise(A, 3 * P, MADV_NORMAL), Err(Errno::ENOMEM));
        assert_eq!(m.madvise(A, P, MADV_REMOVE), Err(Errno::EINVAL));
        m.madvise(A, P, MADV_DONTFORK).unwrap();
        assert_eq!(m.vma_count(), 2);
        m.madvise(A, P, MADV_DOFORK).unwrap();
        assert_eq!(m.vma_count(), 1);
        assert_eq!(m.msync(A, P, 8).map(|v| v.len()), Err(Errno::EINVAL));
        assert_eq!(
            m.msync(A, P, MS_ASYNC | MS_SYNC).map(|v| v.len()),
            Err(Errno::EINVAL)
        );
        assert_eq!(
            m.msync(A, 3 * P, MS_SYNC).map(|v| v.len()),
            Err(Errno::ENOMEM)
        );
        assert_eq!(m.msync(A, 2 * P, MS_SYNC).map(|v| v.len()), Ok(0));
        assert_eq!(m.mincore(A + 1, P), Err(Errno::EINVAL));
        assert_eq!(m.mincore(A, 3 * P), Err(Errno::ENOMEM));
    }
}
