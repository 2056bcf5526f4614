//! `mmap(2)` and `munmap(2)`, and the placement of new mappings.

use alloc::sync::Arc;

use super::populate::Prefault;
use super::MemoryManager;
use abi::mman::MapFlags;

use crate::addr::{is_aligned, page_down, page_up, ProtFlags, PAGE_SIZE, PROT_RWX};
use crate::backing::{Backing, FileBacking, SharedAnon};
use crate::vma::{Vma, VmaFlags};
use abi::Errno;

const MAP_SHARED: u64 = MapFlags::MAP_SHARED.bits() as u64;
const MAP_PRIVATE: u64 = MapFlags::MAP_PRIVATE.bits() as u64;
const MAP_SHARED_VALIDATE: u64 = MapFlags::MAP_SHARED_VALIDATE.bits() as u64;
const MAP_DROPPABLE: u64 = MapFlags::MAP_DROPPABLE.bits() as u64;
const MAP_TYPE: u64 = abi::mman::MAP_TYPE as u64;
const MAP_FIXED: u64 = MapFlags::MAP_FIXED.bits() as u64;
const MAP_ANONYMOUS: u64 = MapFlags::MAP_ANONYMOUS.bits() as u64;
const MAP_32BIT: u64 = MapFlags::MAP_32BIT.bits() as u64;
const MAP_GROWSDOWN: u64 = MapFlags::MAP_GROWSDOWN.bits() as u64;
const MAP_DENYWRITE: u64 = MapFlags::MAP_DENYWRITE.bits() as u64;
const MAP_EXECUTABLE: u64 = MapFlags::MAP_EXECUTABLE.bits() as u64;
const MAP_LOCKED: u64 = MapFlags::MAP_LOCKED.bits() as u64;
const MAP_NORESERVE: u64 = MapFlags::MAP_NORESERVE.bits() as u64;
const MAP_POPULATE: u64 = MapFlags::MAP_POPULATE.bits() as u64;
const MAP_NONBLOCK: u64 = MapFlags::MAP_NONBLOCK.bits() as u64;
const MAP_STACK: u64 = MapFlags::MAP_STACK.bits() as u64;
const MAP_HUGETLB: u64 = MapFlags::MAP_HUGETLB.bits() as u64;
const MAP_FIXED_NOREPLACE: u64 = MapFlags::MAP_FIXED_NOREPLACE.bits() as u64;
const MAP_UNINITIALIZED: u64 = MapFlags::MAP_UNINITIALIZED.bits() as u64;
/// `MAP_HUGE_SHIFT`-encoded page sizes.
const MAP_HUGE_MASK: u64 = (abi::mman::MAP_HUGE_MASK as u64) << abi::mman::MAP_HUGE_SHIFT;
/// The flags `MAP_SHARED_VALIDATE` accepts (Linux `LEGACY_MAP_MASK`).
const LEGACY_MAP_MASK: u64 = MAP_SHARED
    | MAP_PRIVATE
    | MAP_FIXED
    | MAP_ANONYMOUS
    | MAP_DENYWRITE
    | MAP_EXECUTABLE
    | MAP_UNINITIALIZED
    | MAP_GROWSDOWN
    | MAP_LOCKED
    | MAP_NORESERVE
    | MAP_POPULATE
    | MAP_NONBLOCK
    | MAP_STACK
    | MAP_HUGETLB
    | MAP_32BIT
    | MAP_FIXED_NOREPLACE
    | MAP_HUGE_MASK;
/// `MAP_32BIT` placement window on x86-64.
const MAP_32BIT_RANGE: (u64, u64) = (0x4000_0000, 0x8000_0000);

/// A file to map, as the kernel resolved it from the file descriptor.
#[derive(Clone, Debug)]
pub struct MmapFile {
    /// The file's page cache.
    pub backing: Arc<dyn FileBacking>,
    /// What the open file allows: `READ` if opened for reading, `WRITE` if
    /// opened for writing (matters for shared mappings only), `EXEC` unless
    /// its mount is `noexec`.
    pub max_prot: ProtFlags,
}

/// The arguments of `mmap(2)`, raw as the application passed them, with
/// the file descriptor resolved by the kernel (`None` for anonymous).
#[derive(Clone, Debug, Default)]
pub struct MmapRequest {
    /// Address hint, or the exact address with `MAP_FIXED*`.
    pub addr: u64,
    /// Length in bytes.
    pub len: u64,
    /// `PROT_*` bits.
    pub prot: u64,
    /// `MAP_*` bits.
    pub flags: u64,
    /// File offset in bytes.
    pub offset: u64,
    /// The file, unless `MAP_ANONYMOUS`.
    pub file: Option<MmapFile>,
    /// For the kernel's own mappings (`[vdso]`, `[vvar]`): the name
    /// `/proc/self/maps` shows instead of the file, with no device, inode
    /// or offset. `None` for application mappings.
    pub name: Option<Arc<str>>,
}

impl MemoryManager {
    /// `mmap(2)`: creates a mapping and returns its address. Pages are
    /// populated on first touch.
    pub fn mmap(&mut self, req: MmapRequest) -> Result<u64, Errno> {
        let flags = req.flags;
        if !is_aligned(req.offset) {
            return Err(Errno::EINVAL);
        }
        if req.len == 0 {
            return Err(Errno::EINVAL);
        }
        let len = page_up(req.len).ok_or(Errno::ENOMEM)?;
        let prot = ProtFlags::from_bits_truncate(req.prot as u32) & PROT_RWX;
        let anonymous = flags & MAP_ANONYMOUS != 0;
        if !anonymous
            && (req.offset / PAGE_SIZE)
                .checked_add(len / PAGE_SIZE)
                .is_none()
        {
            return Err(Errno::EOVERFLOW);
        }
        if self.vmas.len() >= self.limits.max_map_count {
            return Err(Errno::ENOMEM);
        }
        // Anonymous mappings know only shared, private and droppable;
        // `MAP_SHARED_VALIDATE` is for files.
        let mut droppable = false;
        let shared = match (flags & MAP_TYPE, anonymous) {
            (MAP_SHARED, _) => true,
            (MAP_PRIVATE, _) => false,
            (MAP_DROPPABLE, true) => {
                droppable = true;
                false
            }
            (MAP_SHARED_VALIDATE, false) => {
                if flags & !LEGACY_MAP_MASK != 0 {
                    return Err(Errno::EOPNOTSUPP);
                }
                true
            }
            _ => return Err(Errno::EINVAL),
        };
        if flags & MAP_HUGETLB != 0 {
            // No huge pages are reserved: Linux fails the same way.
            return Err(Errno::ENOMEM);
        }
        let mut vflags = self.def_flags;
        if droppable {
            // Linux's VM_DROPPABLE implies these; the pages are never
            // actually dropped here, which the flag permits.
            vflags |= VmaFlags::WIPEONFORK | VmaFlags::DONTDUMP;
        }
        if shared {
            vflags |= VmaFlags::SHARED;
        }
        if flags & MAP_GROWSDOWN != 0 {
            if shared || !anonymous {
                return Err(Errno::EINVAL);
            }
            vflags |= VmaFlags::GROWSDOWN;
        }
        if flags & MAP_LOCKED != 0 {
            vflags |= VmaFlags::LOCKED;
        }
        if flags & MAP_NORESERVE != 0 {
            vflags |= VmaFlags::NORESERVE;
        }
        let (backing, max_prot) = match (&req.file, anonymous) {
            (_, true) if shared => {
                let obj = SharedAnon::new(self.frames.clone(), len);
                (
                    Backing::SharedAnonymous {
                        object: Arc::new(obj),
                        offset: 0,
                    },
                    PROT_RWX,
                )
            }
            (_, true) => (Backing::Anonymous, PROT_RWX),
            (None, false) => return Err(Errno::EBADF),
            (Some(f), false) => {
                let mut max = f.max_prot;
                if !shared {
                    if !max.contains(ProtFlags::PROT_READ) {
                        return Err(Errno::EACCES);
                    }
                    max |= ProtFlags::PROT_WRITE;
                }
                if prot.contains(ProtFlags::PROT_EXEC) && !max.contains(ProtFlags::PROT_EXEC) {
                    return Err(Errno::EPERM);
                }
                if !max.contains(prot) {
                    return Err(Errno::EACCES);
                }
                (
                    Backing::File {
                        file: f.backing.clone(),
                        offset: req.offset,
                    },
                    max,
                )
            }
        };

        let addr = self.place(req.addr, len, flags)?;
        let end = addr + len;
        let replaced = self.overlap_pages(addr, end);
        if !self.may_expand(len / PAGE_SIZE - replaced.0) {
            return Err(Errno::ENOMEM);
        }
        if vflags.contains(VmaFlags::LOCKED) && !self.may_lock(len / PAGE_SIZE - replaced.1) {
            return Err(Errno::EAGAIN);
        }
        self.unmap_range(addr, end);
        self.vmas.insert(Vma {
            start: addr,
            end,
            prot,
            max_prot,
            flags: vflags,
            backing,
            name: req.name,
        });
        self.vmas.merge_around(addr, end);
        let populate = flags & MAP_POPULATE != 0 && flags & MAP_NONBLOCK == 0;
        if populate || vflags.contains(VmaFlags::LOCKED) && !vflags.contains(VmaFlags::LOCKONFAULT)
        {
            // Like Linux, a failed prefault leaves the pages to fault later.
            let _ = self.prefault(addr, end, Prefault::Default);
        }
        Ok(addr)
    }

    /// Pages (all, locked) of existing areas inside `[start, end)`.
    fn overlap_pages(&self, start: u64, end: u64) -> (u64, u64) {
        let mut all = 0;
        let mut locked = 0;
        for v in self.vmas.range(start, end) {
            let n = (v.end.min(end) - v.start.max(start)) / PAGE_SIZE;
            all += n;
            if v.flags.contains(VmaFlags::LOCKED) {
                locked += n;
            }
        }
        (all, locked)
    }

    /// Chooses the address of a new `len`-byte mapping (Linux
    /// `get_unmapped_area`).
    fn place(&self, hint: u64, len: u64, flags: u64) -> Result<u64, Errno> {
        let l = self.layout;
        if flags & (MAP_FIXED | MAP_FIXED_NOREPLACE) != 0 {
            if !is_aligned(hint) {
                return Err(Errno::EINVAL);
            }
            if len > l.max_addr || hint > l.max_addr - len {
                return Err(Errno::ENOMEM);
            }
            if hint < l.min_addr {
                return Err(Errno::EPERM);
            }
            if flags & MAP_FIXED == 0 && self.vmas.overlaps(hint, hint + len) {
                return Err(Errno::EEXIST);
            }
            return Ok(hint);
        }
        self.find_unmapped(hint, len, flags & MAP_32BIT != 0)
    }

    /// A free `len`-byte range: at the hint if it fits, else top-down below
    /// `mmap_base`, else bottom-up above a third of the address space.
    pub(super) fn find_unmapped(&self, hint: u64, len: u64, low32: bool) -> Result<u64, Errno> {
        let l = self.layout;
        if len > l.max_addr {
            return Err(Errno::ENOMEM);
        }
        let low = l.min_addr.max(PAGE_SIZE);
        if low32 {
            let (lo, hi) = MAP_32BIT_RANGE;
            return self
                .vmas
                .find_gap_bottomup(len, lo.max(low), hi)
                .ok_or(Errno::ENOMEM);
        }
        // Linux's `round_hint_to_min`: the hint rounds down, and a hint
        // below the minimum becomes the minimum.
        let h = page_down(hint);
        if h != 0 {
            let h = h.max(page_up(l.min_addr).unwrap_or(low));
            if h >= low && h <= l.max_addr - len && self.vmas.is_free(h, len) {
                return Ok(h);
            }
        }
        let base = l.mmap_base.min(l.max_addr);
        if let Some(a) = self.vmas.find_gap_topdown(len, low, base) {
            return Ok(a);
        }
        let unmapped_base = (l.max_addr / 3) & !(PAGE_SIZE - 1);
        self.vmas
            .find_gap_bottomup(len, unmapped_base.max(low), l.max_addr)
            .ok_or(Errno::ENOMEM)
    }

    /// `munmap(2)`: removes the mappings in `[addr, addr + len)`.
    pub fn munmap(&mut self, addr: u64, len: u64) -> Result<(), Errno> {
        if !is_aligned(addr) || len == 0 {
            return Err(Errno::EINVAL);
        }
        let len = page_up(len).ok_or(Errno::EINVAL)?;
        if len > self.layout.max_addr || addr > self.layout.max_addr - len {
            return Err(Errno::EINVAL);
        }
        if self.vmas.len() + 1 >= self.limits.max_map_count
            && self
                .vmas
                .find(addr)
                .is_some_and(|v| v.start < addr && v.end > addr + len)
        {
            // Splitting one area into two would exceed the area limit.
            return Err(Errno::ENOMEM);
        }
        self.unmap_range(addr, addr + len);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::MemoryFileAllocator;
    use crate::manager::{Layout, Limits};

    const P: u64 = PAGE_SIZE;

    fn mm() -> MemoryManager {
        MemoryManager::new(
            Arc::new(MemoryFileAllocator::new(1 << 30)),
            Layout::default(),
            Limits::default(),
        )
    }

    fn anon(addr: u64, len: u64, extra: u64) -> MmapRequest {
        MmapRequest {
            addr,
            len,
            prot: 3,
            flags: MAP_PRIVATE | MAP_ANONYMOUS | extra,
            ..Default::default()
        }
    }

    #[test]
    fn bad_arguments() {
        let mut m = mm();
        assert_eq!(m.mmap(anon(0, 0, 0)), Err(Errno::EINVAL));
        assert_eq!(m.mmap(anon(0, u64::MAX, 0)), Err(Errno::ENOMEM));
        assert_eq!(m.mmap(anon(0x10_0001, P, MAP_FIXED)), Err(Errno::EINVAL));
        assert_eq!(m.mmap(anon(P, P, MAP_FIXED)), Err(Errno::EPERM));
        let mut r = anon(0, P, 0);
        r.flags = MAP_ANONYMOUS;
        assert_eq!(m.mmap(r.clone()), Err(Errno::EINVAL));
        r.flags = MAP_PRIVATE;
        assert_eq!(m.mmap(r.clone()), Err(Errno::EBADF));
        r.flags = MAP_SHARED_VALIDATE | MAP_ANONYMOUS;
        assert_eq!(
            m.mmap(r.clone()),
            Err(Errno::EINVAL),
            "validate is for files"
        );
        r.offset = 1;
        assert_eq!(m.mmap(r), Err(Errno::EINVAL));
        assert_eq!(m.mmap(anon(0, P, MAP_HUGETLB)), Err(Errno::ENOMEM));
        let mut d = anon(0, P, 0);
        d.flags = MAP_DROPPABLE | MAP_ANONYMOUS;
        let a = m.mmap(d).unwrap_or(0);
        assert!(m.find_vma(a).is_some_and(|v| v.is_private_anon()
            && v.flags()
                .contains(VmaFlags::WIPEONFORK | VmaFlags::DONTDUMP)));
        assert_eq!(m.munmap(a, P), Ok(()));
        assert_eq!(m.munmap(1, P), Err(Errno::EINVAL));
        assert_eq!(m.munmap(P, 0), Err(Errno::EINVAL));
        assert_eq!(m.munmap(u64::MAX - P + 1, P), Err(Errno::EINVAL));
        assert_eq!(m.vma_count(), 0);
    }

    #[test]
    fn topdown_placement_and_merge() {
        let mut m = mm();
        let base = m.layout().mmap_base;
        let a = m.mmap(anon(0, P, 0)).unwrap();
        assert_eq!(a, base - P);
        let b = m.mmap(anon(0, 2 * P, 0)).unwrap();
        assert_eq!(b, base - 3 * P);
        assert_eq!(m.vma_count(), 1, "adjacent anonymous areas merge");
        m.munmap(b + P, P).unwrap();
        assert_eq!(m.vma_count(), 2);
        let c = m.mmap(anon(0, P, 0)).unwrap();
        assert_eq!(c, b + P, "the hole is reused");
        assert_eq!(m.vma_count(), 1);
    }

    #[test]
    fn hint_fixed_and_noreplace() {
        let mut m = mm();
        let a = m.mmap(anon(0x1000_0000, P, 0)).unwrap();
        assert_eq!(a, 0x1000_0000);
        let b = m.mmap(anon(0x1000_0000, P, 0)).unwrap();
        assert_ne!(b, a, "a taken hint is ignored");
        assert_eq!(m.mmap(anon(a, P, MAP_FIXED_NOREPLACE)), Err(Errno::EEXIST));
        let mut r = anon(a, P, MAP_FIXED);
        r.prot = 1;
        assert_eq!(m.mmap(r), Ok(a));
        assert_eq!(m.find_vma(a).map(|v| v.prot()), Some(ProtFlags::PROT_READ));
        assert_eq!(m.mmap(anon(0, P, MAP_32BIT)), Ok(0x4000_0000));
        assert_eq!(
            m.mmap(anon(0x2000_0fff, P, 0)),
            Ok(0x2000_0000),
            "hint rounds down"
        );
        assert_eq!(
            m.mmap(anon(P, P, 0)),
            Ok(0x1_0000),
            "low hint becomes mmap_min_addr"
        );
    }

    #[test]
    fn limits() {
        let mut m = mm();
        m.set_limits(Limits {
            address_space: 4 * P,
            memlock: P,
            ..Limits::default()
        });
        assert_eq!(m.mmap(anon(0, 5 * P, 0)), Err(Errno::ENOMEM));
        let a = m.mmap(anon(0, 4 * P, 0)).unwrap();
        assert_eq!(
            m.mmap(anon(a, 4 * P, MAP_FIXED)),
            Ok(a),
            "replacing does not grow"
        );
        m.munmap(a, 4 * P).unwrap();
        assert_eq!(m.mmap(anon(0, 2 * P, MAP_LOCKED)), Err(Errno::EAGAIN));
        assert!(m.mmap(anon(0, P, MAP_LOCKED)).is_ok());
        assert_eq!(m.locked_bytes(), P);
        m.set_limits(Limits {
            max_map_count: 1,
            ..Limits::default()
        });
        assert_eq!(m.mmap(anon(0, P, 0)), Err(Errno::ENOMEM));
    }

    #[test]
    fn growsdown_rules() {
        let mut m = mm();
        let mut r = anon(0, P, MAP_GROWSDOWN);
        r.flags = MAP_SHARED | MAP_ANONYMOUS | MAP_GROWSDOWN;
        assert_eq!(m.mmap(r), Err(Errno::EINVAL));
        let s = m.mmap(anon(0, P, MAP_GROWSDOWN)).unwrap();
        let next = m.mmap(anon(0, P, 0)).unwrap();
        assert!(
            next + P <= s - crate::vmaset::STACK_GUARD_GAP,
            "guard gap kept"
        );
    }
}
