//! One virtual memory area: a page range with uniform protection, flags and
//! backing.

use alloc::sync::Arc;
use bitflags::bitflags;

use crate::addr::ProtFlags;
use crate::backing::Backing;

bitflags! {
    /// Properties of a [`Vma`] beyond its protection (Linux `VM_*` flags).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct VmaFlags: u32 {
        /// `MAP_SHARED`: writes reach the backing and other mappings of it.
        const SHARED = 1 << 0;
        /// `MAP_GROWSDOWN`: a stack that grows down on faults below it.
        const GROWSDOWN = 1 << 1;
        /// `mlock`ed (`VM_LOCKED`).
        const LOCKED = 1 << 2;
        /// `MLOCK_ONFAULT`/`MCL_ONFAULT`: lock pages as they fault in.
        const LOCKONFAULT = 1 << 3;
        /// `MADV_DONTFORK`: not copied into a child on fork.
        const DONTFORK = 1 << 4;
        /// `MADV_WIPEONFORK`: the child sees zero pages.
        const WIPEONFORK = 1 << 5;
        /// `MADV_DONTDUMP`: left out of core dumps.
        const DONTDUMP = 1 << 6;
        /// `MAP_NORESERVE`.
        const NORESERVE = 1 << 7;
    }
}

/// A virtual memory area `[start, end)`.
#[derive(Clone, Debug)]
pub struct Vma {
    pub(crate) start: u64,
    pub(crate) end: u64,
    pub(crate) prot: ProtFlags,
    pub(crate) max_prot: ProtFlags,
    pub(crate) flags: VmaFlags,
    pub(crate) backing: Backing,
    pub(crate) name: Option<Arc<str>>,
}

impl Vma {
    /// First address.
    pub fn start(&self) -> u64 {
        self.start
    }

    /// One past the last address.
    pub fn end(&self) -> u64 {
        self.end
    }

    /// Length in bytes.
    pub fn len(&self) -> u64 {
        self.end - self.start
    }

    /// Always false: areas are never empty (kept for clippy's `len` rule).
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// Current protection.
    pub fn prot(&self) -> ProtFlags {
        self.prot
    }

    /// Most permissive protection `mprotect` may grant (a read-only file
    /// mapped shared can never become writable).
    pub fn max_prot(&self) -> ProtFlags {
        self.max_prot
    }

    /// Flags.
    pub fn flags(&self) -> VmaFlags {
        self.flags
    }

    /// Where the pages come from.
    pub fn backing(&self) -> &Backing {
        &self.backing
    }

    /// A special name (`[vdso]`, `[vvar]`, `[anon:...]`), if any.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// Whether the area is private (copy-on-write) rather than shared.
    pub fn is_private(&self) -> bool {
        !self.flags.contains(VmaFlags::SHARED)
    }

    /// Whether the area is private anonymous memory.
    pub fn is_private_anon(&self) -> bool {
        self.is_private() && matches!(self.backing, Backing::Anonymous)
    }

    /// Splits at `addr` (strictly inside), returning the upper part and
    /// keeping the lower part in `self`.
    pub(crate) fn split_off(&mut self, addr: u64) -> Vma {
        let mut upper = self.clone();
        upper.start = addr;
        upper.backing = self.backing.advanced(addr - self.start);
        self.end = addr;
        upper
    }

    /// Whether `next`, which starts where `self` ends, can be merged into it.
    pub(crate) fn can_merge(&self, next: &Vma) -> bool {
        self.end == next.start
            && self.prot == next.prot
            && self.max_prot == next.max_prot
            && self.flags == next.flags
            && self.name == next.name
            && self.backing.continues_into(self.len(), &next.backing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addr::PROT_RWX;

    fn anon(start: u64, end: u64, prot: ProtFlags) -> Vma {
        Vma {
            start,
            end,
            prot,
            max_prot: PROT_RWX,
            flags: VmaFlags::empty(),
            backing: Backing::Anonymous,
            name: None,
        }
    }

    #[test]
    fn split_and_merge() {
        let mut a = anon(0x1000, 0x4000, ProtFlags::PROT_READ);
        let b = a.split_off(0x2000);
        assert_eq!(
            (a.start, a.end, b.start, b.end),
            (0x1000, 0x2000, 0x2000, 0x4000)
        );
        assert!(a.can_merge(&b));
        assert!(!a.can_merge(&anon(0x2000, 0x3000, ProtFlags::PROT_WRITE)));
        assert!(!a.can_merge(&anon(0x3000, 0x4000, ProtFlags::PROT_READ)));
        let mut named = anon(0x2000, 0x3000, ProtFlags::PROT_READ);
        named.name = Some(Arc::from("[vdso]"));
        assert!(!a.can_merge(&named));
    }
}
