//! `<asm/mman.h>`, `<asm-generic/mman-common.h>`, `<linux/mman.h>`: memory
//! mapping flags and advice, plus the x86-64 address-space constants a
//! kernel needs to place mappings.

use bitflags::bitflags;

/// The page size on x86-64.
pub const PAGE_SIZE: u64 = 4096;
/// `log2(PAGE_SIZE)`.
pub const PAGE_SHIFT: u32 = 12;
/// Mask that clears the in-page offset (`addr & PAGE_MASK` rounds down).
pub const PAGE_MASK: u64 = !(PAGE_SIZE - 1);
/// The size of a PMD-level huge page (2 MiB).
pub const HPAGE_SIZE: u64 = 2 << 20;
/// One past the highest user address with 4-level paging (`TASK_SIZE_MAX`):
/// `(1 << 47) - PAGE_SIZE`. The guard page below the canonical hole is excluded.
pub const TASK_SIZE: u64 = 0x7fff_ffff_f000;
/// The default lowest address `mmap` hands out (`vm.mmap_min_addr`).
pub const DEFAULT_MMAP_MIN_ADDR: u64 = 0x1_0000;
/// Address of the legacy vsyscall page.
pub const VSYSCALL_ADDR: u64 = 0xffff_ffff_ff60_0000;
/// `mmap`'s error return as an address, `(void *)-1`.
pub const MAP_FAILED: u64 = u64::MAX;

/// Whether `addr` is page-aligned.
pub const fn is_page_aligned(addr: u64) -> bool {
    addr & !PAGE_MASK == 0
}

/// Rounds `addr` down to a page boundary.
pub const fn page_align_down(addr: u64) -> u64 {
    addr & PAGE_MASK
}

/// Rounds `addr` up to a page boundary; `None` on overflow (guest lengths
/// near `u64::MAX` must fail with `ENOMEM`/`EINVAL`, not wrap).
pub const fn page_align_up(addr: u64) -> Option<u64> {
    match addr.checked_add(PAGE_SIZE - 1) {
        Some(v) => Some(v & PAGE_MASK),
        None => None,
    }
}

bitflags! {
    /// Memory protection (`PROT_*`); `PROT_NONE` is [`ProtFlags::PROT_NONE`] (empty).
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub struct ProtFlags: u32 {
        /// Readable.
        const PROT_READ = 0x1;
        /// Writable.
        const PROT_WRITE = 0x2;
        /// Executable.
        const PROT_EXEC = 0x4;
        /// Usable for atomic operations (no-op on x86).
        const PROT_SEM = 0x8;
        /// `mprotect`: extend the change down to the start of a grows-down VMA.
        const PROT_GROWSDOWN = 0x0100_0000;
        /// `mprotect`: extend the change up to the end of a grows-up VMA.
        const PROT_GROWSUP = 0x0200_0000;
    }
}

impl ProtFlags {
    /// No access.
    pub const PROT_NONE: Self = Self::empty();
}

/// The bits of `mmap` flags that hold the mapping type (shared, private,
/// shared-validate, droppable); it is a value, not a set of flags.
pub const MAP_TYPE: u32 = 0x0f;

bitflags! {
    /// `mmap(2)` flags (`MAP_*`).
    ///
    /// The low four bits ([`MAP_TYPE`]) are an enumeration: exactly one of
    /// `MAP_SHARED`, `MAP_PRIVATE`, `MAP_SHARED_VALIDATE` (= shared | private)
    /// or `MAP_DROPPABLE`; use [`MapFlags::map_type`] to read it.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub struct MapFlags: u32 {
        /// Changes are shared.
        const MAP_SHARED = 0x01;
        /// Changes are private (copy on write).
        const MAP_PRIVATE = 0x02;
        /// Shared, and unknown flags fail with `EOPNOTSUPP`.
        const MAP_SHARED_VALIDATE = 0x03;
        /// Private, zero-filled, and the kernel may drop it under pressure.
        const MAP_DROPPABLE = 0x08;
        /// Place exactly at `addr`, replacing what is there.
        const MAP_FIXED = 0x10;
        /// Not backed by a file; contents zero.
        const MAP_ANONYMOUS = 0x20;
        /// Place in the first 2 GiB (x86-64 only).
        const MAP_32BIT = 0x40;
        /// A stack that grows down on faults below it.
        const MAP_GROWSDOWN = 0x0100;
        /// Ignored.
        const MAP_DENYWRITE = 0x0800;
        /// Ignored.
        const MAP_EXECUTABLE = 0x1000;
        /// Lock the pages (like `mlock`).
        const MAP_LOCKED = 0x2000;
        /// Don't reserve swap space.
        const MAP_NORESERVE = 0x4000;
        /// Prefault the pages.
        const MAP_POPULATE = 0x8000;
        /// With `MAP_POPULATE`: don't block on I/O.
        const MAP_NONBLOCK = 0x1_0000;
        /// Suitable for a thread stack (no-op apart from THP advice).
        const MAP_STACK = 0x2_0000;
        /// Use huge pages; the size is in the `MAP_HUGE_*` bits.
        const MAP_HUGETLB = 0x4_0000;
        /// Synchronous page faults for DAX files (needs `MAP_SHARED_VALIDATE`).
        const MAP_SYNC = 0x8_0000;
        /// Like `MAP_FIXED` but fail with `EEXIST` instead of replacing.
        const MAP_FIXED_NOREPLACE = 0x10_0000;
        /// Don't clear anonymous pages (only on `CONFIG_MMAP_ALLOW_UNINITIALIZED`).
        const MAP_UNINITIALIZED = 0x400_0000;
    }
}

impl MapFlags {
    /// The mapping type: the value of the [`MAP_TYPE`] bits.
    pub const fn map_type(self) -> u32 {
        self.bits() & MAP_TYPE
    }

    /// The log2 of the huge page size requested in the `MAP_HUGE_*` bits of
    /// a raw flags word (0: the default huge page size).
    pub const fn huge_page_shift(raw: u32) -> u32 {
        (raw >> MAP_HUGE_SHIFT) & MAP_HUGE_MASK
    }
}

/// Shift of the huge-page-size field in `mmap` flags.
pub const MAP_HUGE_SHIFT: u32 = 26;
/// Mask of the huge-page-size field (after shifting).
pub const MAP_HUGE_MASK: u32 = 0x3f;
/// Request 2 MiB huge pages.
pub const MAP_HUGE_2MB: u32 = 21 << MAP_HUGE_SHIFT;
/// Request 1 GiB huge pages.
pub const MAP_HUGE_1GB: u32 = 30 << MAP_HUGE_SHIFT;

bitflags! {
    /// `mremap(2)` flags (`MREMAP_*`).
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub struct MremapFlags: u32 {
        /// The mapping may move.
        const MREMAP_MAYMOVE = 1;
        /// Move to `new_address` exactly (needs `MREMAP_MAYMOVE`).
        const MREMAP_FIXED = 2;
        /// Leave the old range mapped (and empty) after moving.
        const MREMAP_DONTUNMAP = 4;
    }
}

bitflags! {
    /// `msync(2)` flags (`MS_*`).
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub struct MsyncFlags: u32 {
        /// Schedule the write-back and return.
        const MS_ASYNC = 1;
        /// Invalidate other mappings of the same file.
        const MS_INVALIDATE = 2;
        /// Write back and wait.
        const MS_SYNC = 4;
    }
}

bitflags! {
    /// `mlock2(2)` flags.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub struct MlockFlags: u32 {
        /// Lock pages as they are faulted in, not all at once.
        const MLOCK_ONFAULT = 1;
    }
}

bitflags! {
    /// `mlockall(2)` flags (`MCL_*`).
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub struct MlockallFlags: u32 {
        /// Lock everything mapped now.
        const MCL_CURRENT = 1;
        /// Lock everything mapped in the future.
        const MCL_FUTURE = 2;
        /// With the above: lock pages as they fault in.
        const MCL_ONFAULT = 4;
    }
}

/// `madvise`: no special treatment.
pub const MADV_NORMAL: i32 = 0;
/// `madvise`: expect random access.
pub const MADV_RANDOM: i32 = 1;
/// `madvise`: expect sequential access.
pub const MADV_SEQUENTIAL: i32 = 2;
/// `madvise`: will need these pages soon.
pub const MADV_WILLNEED: i32 = 3;
/// `madvise`: drop the pages; private anonymous memory reads back as zero.
pub const MADV_DONTNEED: i32 = 4;
/// `madvise`: the pages may be freed lazily.
pub const MADV_FREE: i32 = 8;
/// `madvise`: free the range and its backing store.
pub const MADV_REMOVE: i32 = 9;
/// `madvise`: don't inherit across `fork`.
pub const MADV_DONTFORK: i32 = 10;
/// `madvise`: undo `MADV_DONTFORK`.
pub const MADV_DOFORK: i32 = 11;
/// `madvise`: KSM may merge identical pages.
pub const MADV_MERGEABLE: i32 = 12;
/// `madvise`: undo `MADV_MERGEABLE`.
pub const MADV_UNMERGEABLE: i32 = 13;
/// `madvise`: use transparent huge pages.
pub const MADV_HUGEPAGE: i32 = 14;
/// `madvise`: don't use transparent huge pages.
pub const MADV_NOHUGEPAGE: i32 = 15;
/// `madvise`: exclude from core dumps.
pub const MADV_DONTDUMP: i32 = 16;
/// `madvise`: undo `MADV_DONTDUMP`.
pub const MADV_DODUMP: i32 = 17;
/// `madvise`: zero the range in the child after `fork`.
pub const MADV_WIPEONFORK: i32 = 18;
/// `madvise`: undo `MADV_WIPEONFORK`.
pub const MADV_KEEPONFORK: i32 = 19;
/// `madvise`: deactivate the pages.
pub const MADV_COLD: i32 = 20;
/// `madvise`: reclaim the pages.
pub const MADV_PAGEOUT: i32 = 21;
/// `madvise`: prefault readable.
pub const MADV_POPULATE_READ: i32 = 22;
/// `madvise`: prefault writable.
pub const MADV_POPULATE_WRITE: i32 = 23;
/// `madvise`: like `MADV_DONTNEED` but also for locked pages.
pub const MADV_DONTNEED_LOCKED: i32 = 24;
/// `madvise`: synchronously collapse into transparent huge pages.
pub const MADV_COLLAPSE: i32 = 25;
/// `madvise`: poison the pages (testing, needs `CAP_SYS_ADMIN`).
pub const MADV_HWPOISON: i32 = 100;
/// `madvise`: soft-offline the pages (testing).
pub const MADV_SOFT_OFFLINE: i32 = 101;
/// `madvise`: install guard pages that fault on access.
pub const MADV_GUARD_INSTALL: i32 = 102;
/// `madvise`: remove guard pages.
pub const MADV_GUARD_REMOVE: i32 = 103;

/// `pkey_alloc` access rights: disable all data access.
pub const PKEY_DISABLE_ACCESS: u32 = 0x1;
/// `pkey_alloc` access rights: disable writes.
pub const PKEY_DISABLE_WRITE: u32 = 0x2;
/// All valid `pkey_alloc` access-right bits on x86.
pub const PKEY_ACCESS_MASK: u32 = PKEY_DISABLE_ACCESS | PKEY_DISABLE_WRITE;
/// The number of protection keys on x86 (key 0 is the default).
pub const ARCH_MAX_PKEY: u32 = 16;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prot_and_map_flags_match_libc() {
        let prot = [
            (ProtFlags::PROT_READ, libc::PROT_READ),
            (ProtFlags::PROT_WRITE, libc::PROT_WRITE),
            (ProtFlags::PROT_EXEC, libc::PROT_EXEC),
            (ProtFlags::PROT_GROWSDOWN, libc::PROT_GROWSDOWN),
            (ProtFlags::PROT_GROWSUP, libc::PROT_GROWSUP),
            (ProtFlags::PROT_NONE, libc::PROT_NONE),
        ];
        for (ours, theirs) in prot {
            assert_eq!(ours.bits(), theirs as u32);
        }
        let map = [
            (MapFlags::MAP_SHARED, libc::MAP_SHARED),
            (MapFlags::MAP_PRIVATE, libc::MAP_PRIVATE),
            (MapFlags::MAP_SHARED_VALIDATE, libc::MAP_SHARED_VALIDATE),
            (MapFlags::MAP_FIXED, libc::MAP_FIXED),
            (MapFlags::MAP_ANONYMOUS, libc::MAP_ANONYMOUS),
            (MapFlags::MAP_32BIT, libc::MAP_32BIT),
            (MapFlags::MAP_GROWSDOWN, libc::MAP_GROWSDOWN),
            (MapFlags::MAP_DENYWRITE, libc::MAP_DENYWRITE),
            (MapFlags::MAP_EXECUTABLE, libc::MAP_EXECUTABLE),
            (MapFlags::MAP_LOCKED, libc::MAP_LOCKED),
            (MapFlags::MAP_NORESERVE, libc::MAP_NORESERVE),
            (MapFlags::MAP_POPULATE, libc::MAP_POPULATE),
            (MapFlags::MAP_NONBLOCK, libc::MAP_NONBLOCK),
            (MapFlags::MAP_STACK, libc::MAP_STACK),
            (MapFlags::MAP_HUGETLB, libc::MAP_HUGETLB),
            (MapFlags::MAP_SYNC, libc::MAP_SYNC),
            (MapFlags::MAP_FIXED_NOREPLACE, libc::MAP_FIXED_NOREPLACE),
        ];
        for (ours, theirs) in map {
            assert_eq!(ours.bits(), theirs as u32, "{ours:?}");
        }
        assert_eq!(MAP_HUGE_SHIFT, libc::MAP_HUGE_SHIFT as u32);
        assert_eq!(MAP_HUGE_MASK, libc::MAP_HUGE_MASK as u32);
        assert_eq!(MAP_HUGE_2MB, libc::MAP_HUGE_2MB as u32);
        assert_eq!(MAP_HUGE_1GB, libc::MAP_HUGE_1GB as u32);
        assert_eq!(MAP_FAILED, libc::MAP_FAILED as u64);
        // Kernel-only values the libc crate lacks (include/uapi/linux/mman.h).
        assert_eq!(MapFlags::MAP_DROPPABLE.bits(), 0x08);
        assert_eq!(MapFlags::MAP_UNINITIALIZED.bits(), 0x0400_0000);
        assert_eq!(ProtFlags::PROT_SEM.bits(), 0x8);
    }

    #[test]
    fn other_flags_match_libc() {
        assert_eq!(
            MremapFlags::MREMAP_MAYMOVE.bits(),
            libc::MREMAP_MAYMOVE as u32
        );
        assert_eq!(MremapFlags::MREMAP_FIXED.bits(), libc::MREMAP_FIXED as u32);
        assert_eq!(
            MremapFlags::MREMAP_DONTUNMAP.bits(),
            libc::MREMAP_DONTUNMAP as u32
        );
        assert_eq!(MsyncFlags::MS_ASYNC.bits(), libc::MS_ASYNC as u32);
        assert_eq!(MsyncFlags::MS_INVALIDATE.bits(), libc::MS_INVALIDATE as u32);
        assert_eq!(MsyncFlags::MS_SYNC.bits(), libc::MS_SYNC as u32);
        assert_eq!(MlockFlags::MLOCK_ONFAULT.bits(), libc::MLOCK_ONFAULT);
        assert_eq!(MlockallFlags::MCL_CURRENT.bits(), libc::MCL_CURRENT as u32);
        assert_eq!(MlockallFlags::MCL_FUTURE.bits(), libc::MCL_FUTURE as u32);
        assert_eq!(MlockallFlags::MCL_ONFAULT.bits(), libc::MCL_ONFAULT as u32);
        // include/uapi/asm-generic/mman-common.h; not in the libc crate.
        assert_eq!(
            [PKEY_DISABLE_ACCESS, PKEY_DISABLE_WRITE, PKEY_ACCESS_MASK],
            [1, 2, 3]
        );
    }

    #[test]
    fn madvise_values_match_libc() {
        let pairs = [
            (MADV_NORMAL, libc::MADV_NORMAL),
            (MADV_RANDOM, libc::MADV_RANDOM),
            (MADV_SEQUENTIAL, libc::MADV_SEQUENTIAL),
            (MADV_WILLNEED, libc::MADV_WILLNEED),
            (MADV_DONTNEED, libc::MADV_DONTNEED),
            (MADV_FREE, libc::MADV_FREE),
            (MADV_REMOVE, libc::MADV_REMOVE),
            (MADV_DONTFORK, libc::MADV_DONTFORK),
            (MADV_DOFORK, libc::MADV_DOFORK),
            (MADV_MERGEABLE, libc::MADV_MERGEABLE),
            (MADV_UNMERGEABLE, libc::MADV_UNMERGEABLE),
            (MADV_HUGEPAGE, libc::MADV_HUGEPAGE),
            (MADV_NOHUGEPAGE, libc::MADV_NOHUGEPAGE),
            (MADV_DONTDUMP, libc::MADV_DONTDUMP),
            (MADV_DODUMP, libc::MADV_DODUMP),
            (MADV_WIPEONFORK, libc::MADV_WIPEONFORK),
            (MADV_KEEPONFORK, libc::MADV_KEEPONFORK),
            (MADV_COLD, libc::MADV_COLD),
            (MADV_PAGEOUT, libc::MADV_PAGEOUT),
            (MADV_POPULATE_READ, libc::MADV_POPULATE_READ),
            (MADV_POPULATE_WRITE, libc::MADV_POPULATE_WRITE),
            (MADV_HWPOISON, libc::MADV_HWPOISON),
            (MADV_SOFT_OFFLINE, libc::MADV_SOFT_OFFLINE),
        ];
        for (ours, theirs) in pairs {
            assert_eq!(ours, theirs);
        }
        // include/uapi/asm-generic/mman-common.h, newer than the libc crate.
        assert_eq!(
            [
                MADV_DONTNEED_LOCKED,
                MADV_COLLAPSE,
                MADV_GUARD_INSTALL,
                MADV_GUARD_REMOVE
            ],
            [24, 25, 102, 103]
        );
    }

    #[test]
    fn address_space_constants() {
        assert_eq!(PAGE_SIZE, 1 << PAGE_SHIFT);
        assert_eq!(TASK_SIZE, (1 << 47) - PAGE_SIZE);
        assert!(is_page_aligned(TASK_SIZE) && !is_page_aligned(TASK_SIZE + 1));
        assert_eq!(page_align_down(0x1fff), 0x1000);
        assert_eq!(page_align_up(0x1001), Some(0x2000));
        assert_eq!(page_align_up(0x1000), Some(0x1000));
        assert_eq!(page_align_up(u64::MAX - 10), None);
        assert_eq!(
            page_align_up(u64::MAX - PAGE_SIZE + 1),
            Some(u64::MAX - PAGE_SIZE + 1)
        );
    }

    #[test]
    fn map_type_and_huge_shift() {
        let f = MapFlags::MAP_SHARED_VALIDATE | MapFlags::MAP_SYNC;
        assert_eq!(f.map_type(), 3);
        assert_eq!(
            MapFlags::MAP_PRIVATE
                .union(MapFlags::MAP_ANONYMOUS)
                .map_type(),
            2
        );
        assert_eq!(MapFlags::huge_page_shift(MAP_HUGE_2MB | 0x4_0022), 21);
        assert_eq!(MapFlags::huge_page_shift(0x22), 0);
    }
}
