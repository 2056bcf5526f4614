//! `mremap(2)`: resizing and moving mappings.

use abi::mman::MremapFlags;

use super::MemoryManager;
use crate::addr::{is_aligned, page_up, PAGE_SIZE};
use crate::vma::{Vma, VmaFlags};
use abi::Errno;

const MREMAP_MAYMOVE: u64 = MremapFlags::MREMAP_MAYMOVE.bits() as u64;
const MREMAP_FIXED: u64 = MremapFlags::MREMAP_FIXED.bits() as u64;
const MREMAP_DONTUNMAP: u64 = MremapFlags::MREMAP_DONTUNMAP.bits() as u64;

impl MemoryManager {
    /// `mremap(2)`: resizes the mapping at `old_addr`, moving it when
    /// allowed (`MREMAP_MAYMOVE`) or asked (`MREMAP_FIXED` to `new_addr`),
    /// optionally leaving the old range mapped but empty
    /// (`MREMAP_DONTUNMAP`). Returns the mapping's new address. Populated
    /// pages move with the mapping.
    pub fn mremap(
        &mut self,
        old_addr: u64,
        old_len: u64,
        new_len: u64,
        flags: u64,
        new_addr: u64,
    ) -> Result<u64, Errno> {
        if flags & !(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP) != 0 {
            return Err(Errno::EINVAL);
        }
        let maymove = flags & MREMAP_MAYMOVE != 0;
        let fixed = flags & MREMAP_FIXED != 0;
        let dontunmap = flags & MREMAP_DONTUNMAP != 0;
        if (fixed || dontunmap) && !maymove {
            return Err(Errno::EINVAL);
        }
        if dontunmap && old_len != new_len {
            return Err(Errno::EINVAL);
        }
        if !is_aligned(old_addr) {
            return Err(Errno::EINVAL);
        }
        let mut old_len = page_up(old_len).ok_or(Errno::EINVAL)?;
        let new_len = page_up(new_len).filter(|&l| l != 0).ok_or(Errno::EINVAL)?;
        let max = self.layout.max_addr;
        if old_len > max || old_addr > max - old_len {
            return Err(Errno::EFAULT);
        }
        let v = self.vmas.find(old_addr).ok_or(Errno::EFAULT)?;
        if old_addr + old_len > v.end {
            return Err(Errno::EFAULT);
        }
        if old_len == 0 && v.is_private() {
            return Err(Errno::EINVAL);
        }
        if fixed {
            if !is_aligned(new_addr) {
                return Err(Errno::EINVAL);
            }
            if new_len > max || new_addr > max - new_len {
                return Err(Errno::EINVAL);
            }
            if new_addr < self.layout.min_addr {
                return Err(Errno::EPERM);
            }
            if old_addr + old_len > new_addr && new_addr + new_len > old_addr {
                return Err(Errno::EINVAL);
            }
        }
        if !fixed && !dontunmap && old_len >= new_len {
            if old_len > new_len {
                self.unmap_range(old_addr + new_len, old_addr + old_len);
            }
            return Ok(old_addr);
        }
        let (locked, vend) = (v.flags.contains(VmaFlags::LOCKED), v.end);
        let grow_pages = new_len.saturating_sub(old_len) / PAGE_SIZE;
        // A move without DONTUNMAP frees the old range, so only growth counts.
        let extra = if dontunmap {
            new_len / PAGE_SIZE
        } else {
            grow_pages
        };
        if locked && !self.may_lock(extra) {
            return Err(Errno::EAGAIN);
        }
        if !self.may_expand(extra) {
            return Err(Errno::ENOMEM);
        }
        if !fixed && !dontunmap && old_len != 0 && old_addr + old_len == vend {
            let room = new_len - old_len;
            if self.vmas.is_free(vend, room) && vend.checked_add(room).is_some_and(|e| e <= max) {
                self.vmas.split_at(old_addr);
                if let Some(mut piece) = self.vmas.remove(old_addr) {
                    piece.end = old_addr + new_len;
                    self.vmas.insert(piece);
                }
                self.vmas.merge_around(old_addr, old_addr + new_len);
                return Ok(old_addr);
            }
        }
        if !maymove {
            return Err(Errno::ENOMEM);
        }
        if self.vmas.len() + 2 >= self.limits.max_map_count {
            return Err(Errno::ENOMEM);
        }
        let dest = if fixed {
            if old_len > new_len {
                self.unmap_range(old_addr + new_len, old_addr + old_len);
                old_len = new_len;
            }
            self.unmap_range(new_addr, new_addr + new_len);
            new_addr
        } else {
            self.find_unmapped(0, new_len, false)?
        };
        self.move_range(old_addr, old_len, dest, new_len, dontunmap);
        Ok(dest)
    }

    /// Moves `[old, old + old_len)` (inside one area) to `dest` with length
    /// `new_len`, taking its populated pages along. With `keep_old`, the old
    /// range stays mapped, empty and unlocked.
    fn move_range(&mut self, old: u64, old_len: u64, dest: u64, new_len: u64, keep_old: bool) {
        let template: Option<Vma> = self.vmas.find(old).map(|v| {
            let mut t = v.clone();
            t.backing = v.backing.advanced(old - v.start);
            t.start = dest;
            t.end = dest + new_len;
            t
        });
        let Some(moved) = template else { return };
        if old_len != 0 {
            let pages = self.ptes.remove_range(old, old + old_len);
            let mut any_mapped = false;
            for (page, mut pte) in pages {
                any_mapped |= pte.mapped;
                pte.mapped = false;
                self.ptes.insert(dest + (page - old), pte);
            }
            if any_mapped {
                self.ops.push(crate::op::PlatformOp::Unmap {
                    addr: old,
                    len: old_len,
                });
            }
            if keep_old {
                self.vmas.update_range(old, old + old_len, |v| {
                    v.flags -= VmaFlags::LOCKED | VmaFlags::LOCKONFAULT;
                });
                self.vmas.merge_around(old, old + old_len);
            } else {
                self.vmas.remove_range(old, old + old_len);
            }
        }
        self.vmas.insert(moved);
        self.vmas.merge_around(dest, dest + new_len);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addr::{AccessType, ProtFlags};
    use crate::frame::MemoryFileAllocator;
    use crate::manager::{Layout, Limits, MmapRequest};
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

    fn map(m: &mut MemoryManager, addr: u64, pages: u64, flags: u64) {
        let req = MmapRequest {
            addr,
            len: pages * P,
            prot: 3,
            flags: flags | 0x10,
            ..Default::default()
        };
        assert_eq!(m.mmap(req), Ok(addr));
    }

    #[test]
    fn argument_errors() {
        let mut m = mm();
        map(&mut m, A, 2, 0x22);
        assert_eq!(m.mremap(A, P, 2 * P, 8, 0), Err(Errno::EINVAL));
        assert_eq!(m.mremap(A, P, 2 * P, MREMAP_FIXED, 0), Err(Errno::EINVAL));
        assert_eq!(
            m.mremap(A, P, 2 * P, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0),
            Err(Errno::EINVAL)
        );
        assert_eq!(m.mremap(A + 1, P, 2 * P, 0, 0), Err(Errno::EINVAL));
        assert_eq!(m.mremap(A, P, 0, 0, 0), Err(Errno::EINVAL));
        assert_eq!(m.mremap(A + 4 * P, P, 2 * P, 0, 0), Err(Errno::EFAULT));
        assert_eq!(m.mremap(A, 3 * P, 4 * P, 0, 0), Err(Errno::EFAULT));
        assert_eq!(m.mremap(A, 0, P, MREMAP_MAYMOVE, 0), Err(Errno::EINVAL));
        assert_eq!(m.mremap(A, P, P, 3, A + P / 2), Err(Errno::EINVAL));
        assert_eq!(m.mremap(A, P, 2 * P, 3, A), Err(Errno::EINVAL), "overlap");
    }

    #[test]
    fn shrink_grow_in_place_and_move() {
        let mut m = mm();
        map(&mut m, A, 4, 0x22);
        assert_eq!(m.mremap(A, 4 * P, 2 * P, 0, 0), Ok(A));
        assert_eq!(m.total_bytes(), 2 * P);
        assert_eq!(m.mremap(A, 2 * P, 3 * P, 0, 0), Ok(A));
        assert_eq!(m.vma_count(), 1);
        let r = MmapRequest {
            addr: A + 3 * P,
            len: P,
            prot: 1,
            flags: 0x32,
            ..Default::default()
        };
        m.mmap(r).unwrap();
        assert_eq!(m.mremap(A, 3 * P, 4 * P, 0, 0), Err(Errno::ENOMEM));
        m.handle_fault(A, AccessType::Write).unwrap();
        let off = m.translate(A, 1, false).unwrap()[0].file_offset;
        let to = m.mremap(A, 3 * P, 4 * P, MREMAP_MAYMOVE, 0).unwrap();
        assert_ne!(to, A);
        assert!(m.find_vma(A).is_none());
        assert_eq!(
            m.translate(to, 1, false).unwrap()[0].file_offset,
            off,
            "page moved"
        );
        assert_eq!(
            m.find_vma(to).map(|v| (v.len(), v.prot())),
            Some((4 * P, ProtFlags::PROT_READ | ProtFlags::PROT_WRITE))
        );
    }

    #[test]
    fn fixed_and_dontunmap() {
        let mut m = mm();
        map(&mut m, A, 2, 0x22);
        m.handle_fault(A, AccessType::Write).unwrap();
        let off = m.translate(A, 1, false).unwrap()[0].file_offset;
        let dest = A + 16 * P;
        map(&mut m, dest, 1, 0x22);
        assert_eq!(
            m.mremap(A, 2 * P, 2 * P, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0)
                .map(|a| a != A),
            Ok(true)
        );
        assert!(m.find_vma(A).is_some(), "old range stays mapped");
        assert_ne!(
            m.translate(A, 1, false).unwrap()[0].file_offset,
            off,
            "but empty"
        );
        let moved = m
            .mremap(A, 2 * P, P, MREMAP_MAYMOVE | MREMAP_FIXED, dest)
            .unwrap();
        assert_eq!(moved, dest);
        assert!(m.find_vma(A).is_none() && m.find_vma(A + P).is_none());
        assert_eq!(m.find_vma(dest).map(|v| v.end()), Some(dest + P));
    }

    #[test]
    fn shared_duplicate_with_zero_old_len() {
        let mut m = mm();
        map(&mut m, A, 1, 0x21);
        m.handle_fault(A, AccessType::Write).unwrap();
        let off = m.translate(A, 1, true).unwrap()[0].file_offset;
        let b = m.mremap(A, 0, P, MREMAP_MAYMOVE, 0).unwrap();
        assert_ne!(b, A);
        assert_eq!(m.translate(b, 1, false).unwrap()[0].file_offset, off);
        assert!(m.find_vma(A).is_some());
    }
}
